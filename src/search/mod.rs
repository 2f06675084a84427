//! Client-side search: a compact term → section index, written as `searchindex.js`.
//!
//! A `.js` file (not JSON fetched at run time) because the site must work from `file://`,
//! where browsers refuse `fetch()`; a `<script>` tag loads it anywhere. The browser half is
//! `themes/default/js/search.js`.
//!
//! What is stored, and why it is small:
//! - `pages`: `[path, title]` per page; `docs`: one per section, `[page, anchor, heading,
//!   teaser]`, where the anchor is `0` when it is just the slug of the heading (the script
//!   re-derives it), `""` for the top of the page, and the teaser is the first words of the section, not the whole text.
//! - `terms`: every distinct term, sorted, space-separated: prefix search is a binary search.
//! - `postings`: per term, the sections it occurs in, each with where it occurs (page title,
//!   section heading, body) for ranking; a bitmap for common terms, gaps between sections for
//!   rare ones (see [`encode`]). The common words of a handbook cost about a bit per section.

pub mod encode;
pub mod tokenize;

use std::borrow::{Borrow, Cow};

use rayon::prelude::*;
use serde::Serialize;

use crate::page::{PageSummary, slugify};
use rustc_hash::FxHashMap as FastMap;

/// Where the index lives in the site; `search.js` loads it relative to itself.
pub const INDEX_PATH: &str = "searchindex.js";
/// The global the index assigns itself to.
pub const INDEX_GLOBAL: &str = "devoopsSearchIndex";
/// Teasers are cut to about this many characters (at a word boundary).
const TEASER_CHARS: usize = 80;

/// Where in a section a term occurs; higher ranks higher. Stored in two bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Body = 1,
    Heading = 2,
    Title = 3,
}

/// One searchable section: a heading (or a page's top) and the text under it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "DocRow")]
pub struct Doc {
    pub page: usize,
    /// `None` when the anchor is the heading's own slug (the script derives it); `""` for the
    /// top of the page.
    pub anchor: Option<String>,
    pub heading: String,
    pub teaser: String,
}

#[derive(Serialize)]
struct DocRow(usize, serde_json::Value, String, String);

impl From<Doc> for DocRow {
    fn from(d: Doc) -> DocRow {
        let anchor = d.anchor.map_or(serde_json::Value::from(0), Into::into);
        DocRow(d.page, anchor, d.heading, d.teaser)
    }
}

/// The whole index, ready to serialise.
#[derive(Debug, Serialize)]
pub struct SearchIndex {
    pub pages: Vec<(String, String)>,
    pub docs: Vec<Doc>,
    /// Sorted terms joined by spaces.
    pub terms: String,
    /// Each term's encoded postings, joined by spaces, in the order of `terms`.
    pub postings: String,
    /// The words left out of the index, so the script drops them from queries too.
    pub stop: &'static [&'static str],
}

impl SearchIndex {
    pub fn build<P: Borrow<PageSummary> + Sync>(pages: &[P]) -> SearchIndex {
        // Pages are tokenised in parallel, a batch at a time (so their unmerged hits never
        // pile up for the whole book); merging batches in page order keeps every term's
        // sections ascending, as the encoding needs. A hit is `doc << 2 | field`.
        const BATCH: usize = 128;
        let mut docs = Vec::new();
        let mut index: FastMap<String, Vec<u32>> = FastMap::default();
        for (batch_no, batch) in pages.chunks(BATCH).enumerate() {
            let indexed: Vec<PageIndex> = batch
                .par_iter()
                .map(|p| PageIndex::new(p.borrow()))
                .collect();
            for (i, page) in indexed.into_iter().enumerate() {
                let first_doc = docs.len() as u32;
                for (term, local_doc, field) in page.hits {
                    let hit = (first_doc + local_doc) << 2 | field as u32;
                    match index.get_mut(&*term) {
                        Some(hits) => hits.push(hit),
                        None => {
                            index.insert(term.into_owned(), vec![hit]);
                        }
                    }
                }
                let page_no = batch_no * BATCH + i;
                docs.extend(page.docs.into_iter().map(|doc| Doc {
                    page: page_no,
                    ..doc
                }));
            }
        }
        let mut index: Vec<(String, Vec<u32>)> = index.into_iter().collect();
        index.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut terms = String::new();
        let mut postings = String::new();
        for (term, hits) in &index {
            if !terms.is_empty() {
                terms.push(' ');
                postings.push(' ');
            }
            terms.push_str(term);
            let hits: Vec<(u32, u32)> = hits.iter().map(|&hit| (hit >> 2, hit & 3)).collect();
            encode::postings(&hits, docs.len(), &mut postings);
        }
        SearchIndex {
            pages: pages
                .iter()
                .map(|p| (p.borrow().path.clone(), p.borrow().title.clone()))
                .collect(),
            docs,
            terms,
            postings,
            stop: tokenize::STOP_WORDS,
        }
    }

    /// The `searchindex.js` file: one assignment to a global the search script reads.
    pub fn to_js(&self) -> String {
        let json = serde_json::to_string(self).expect("the index always serialises");
        format!("window.{INDEX_GLOBAL}={json};\n")
    }
}

/// One page's sections and term hits, with section numbers counted from the page's first.
struct PageIndex<'a> {
    docs: Vec<Doc>,
    /// Terms borrow from the page's text where they can: a big book has about a million
    /// (term, section) pairs, and only a few thousand distinct terms need a String of their own.
    hits: Vec<(Cow<'a, str>, u32, Field)>,
}

impl<'a> PageIndex<'a> {
    fn new(page: &'a PageSummary) -> PageIndex<'a> {
        let mut docs = Vec::new();
        let mut hits = Vec::new();
        // Each term once per section, with the best field it has there.
        let mut section_terms: FastMap<Cow<'a, str>, Field> = FastMap::default();
        for (i, section) in page.sections.iter().enumerate() {
            // A page's first section is where the page starts: link to the page itself.
            let anchor = match &section.id {
                Some(_) if i == 0 => Some(String::new()),
                Some(id) if derivable_anchor(&section.heading, id) => None,
                Some(id) => Some(id.clone()),
                None => Some(String::new()),
            };
            if i == 0 {
                // The title ranks the page's first section, which is where a reader lands.
                tokenize::for_each_term(&page.title, |t| note(&mut section_terms, t, Field::Title));
            }
            tokenize::for_each_term(&section.heading, |t| {
                note(&mut section_terms, t, Field::Heading)
            });
            tokenize::for_each_term(&section.text, |t| note(&mut section_terms, t, Field::Body));
            let doc = docs.len() as u32;
            hits.extend(section_terms.drain().map(|(t, f)| (t, doc, f)));
            docs.push(Doc {
                page: 0,
                anchor,
                heading: section.heading.clone(),
                teaser: teaser(&section.text),
            });
        }
        if docs.is_empty() {
            // A page without text still has a title worth finding.
            tokenize::for_each_term(&page.title, |t| note(&mut section_terms, t, Field::Title));
            hits.extend(section_terms.drain().map(|(t, f)| (t, 0, f)));
            docs.push(Doc {
                page: 0,
                anchor: Some(String::new()),
                heading: String::new(),
                teaser: String::new(),
            });
        }
        PageIndex { docs, hits }
    }
}

/// Records `term` in a section's terms, keeping the best field it occurs in.
fn note<'a>(terms: &mut FastMap<Cow<'a, str>, Field>, term: Cow<'a, str>, field: Field) {
    match terms.get_mut(&*term) {
        Some(best) => *best = (*best).max(field),
        None => {
            terms.insert(term, field);
        }
    }
}

/// The script can rebuild an anchor from the heading only for ASCII headings whose anchor is
/// their plain slug (no `-1` suffix for a repeated heading, no `{#custom}` id).
fn derivable_anchor(heading: &str, anchor: &str) -> bool {
    heading.is_ascii() && slugify(heading) == anchor
}

/// The first words of a section, cut near `TEASER_CHARS` at a word boundary.
fn teaser(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= TEASER_CHARS {
        return text.to_string();
    }
    let cut = text
        .char_indices()
        .nth(TEASER_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let end = text[..cut]
        .rfind(' ')
        .filter(|&i| i > cut / 2)
        .unwrap_or(cut);
    format!("{}…", text[..end].trim_end())
}

/// The `searchindex.js` of the rendered pages.
pub fn index_js<P: Borrow<PageSummary> + Sync>(pages: &[P]) -> String {
    SearchIndex::build(pages).to_js()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::Section;

    fn page(path: &str, title: &str, sections: &[(Option<&str>, &str, &str)]) -> PageSummary {
        PageSummary {
            path: path.into(),
            title: title.into(),
            sections: sections
                .iter()
                .map(|(id, heading, text)| Section {
                    id: id.map(String::from),
                    heading: heading.to_string(),
                    text: text.to_string(),
                })
                .collect(),
            anchors: Vec::new(),
        }
    }

    /// Decodes a term's postings back: what the browser does.
    fn lookup(index: &SearchIndex, term: &str) -> Vec<(u32, u32)> {
        let at = index.terms.split(' ').position(|t| t == term).unwrap();
        encode::decode_postings(index.postings.split(' ').nth(at).unwrap())
    }

    #[test]
    fn terms_lead_to_sections_with_their_field() {
        let pages = [
            page("intro.html", "Welcome", &[(None, "", "Start here.")]),
            page(
                "labs/02-dockerfile.html",
                "Lab: Dockerfile",
                &[
                    (Some("lab-dockerfile"), "Lab: Dockerfile", "Build an image."),
                    (
                        Some("layers"),
                        "Layers",
                        "Each RUN makes a layer; caching layers.",
                    ),
                    (Some("layers-1"), "Layers", "Again."),
                ],
            ),
        ];
        let index = SearchIndex::build(&pages);
        assert_eq!(index.docs.len(), 4);
        // "dockerfile": title of page 2 (its first section, doc 1) and that section's heading.
        assert_eq!(lookup(&index, "dockerfile"), [(1, Field::Title as u32)]);
        assert_eq!(
            lookup(&index, "layers"),
            [(2, Field::Heading as u32), (3, Field::Heading as u32)]
        );
        assert_eq!(lookup(&index, "caching"), [(2, Field::Body as u32)]);
        // Anchors equal to the heading's slug are left for the script; others are kept; a
        // page's first section is the page itself.
        assert_eq!(index.docs[1].anchor.as_deref(), Some(""));
        assert_eq!(index.docs[2].anchor, None);
        assert_eq!(index.docs[3].anchor.as_deref(), Some("layers-1"));
        let js = index.to_js();
        assert!(js.starts_with("window.devoopsSearchIndex={"));
        assert!(!js.contains("the "), "stop words stay out of the terms");
    }

    #[test]
    fn teasers_stop_at_a_word() {
        let long = "word ".repeat(40);
        let t = teaser(&long);
        assert!(t.ends_with("word…"), "{t}");
        assert!(t.chars().count() <= TEASER_CHARS + 1);
        assert_eq!(teaser(" short text "), "short text");
    }
}
