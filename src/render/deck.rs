//! Slide decks: every chapter as a deck of its own (`slides/<chapter>.html`), the whole talk
//! as one deck (`slides/index.html`), and beside each deck a presenter page
//! (`….presenter.html`) with the speaker notes and the time budget.
//!
//! Speaker notes are written into presenter pages only: the audience's deck never carries
//! them, not even hidden, so they cannot leak through "view source" or a screen reader.

use rayon::prelude::*;
use serde::Serialize;

use super::markdown;
use super::slides::{self, Slide};
use super::{Renderer, blocks, path_to_root, prefix_relative_urls, with_context};
use crate::book::Chapter;
use crate::error::Result;
use crate::site::Output;

/// The deck of the whole talk.
pub const TALK_DECK: &str = "slides/index.html";

/// Where a chapter's deck is written: `slides/` + its source path, `.md` → `.html`.
/// (The source path rather than the page path: `README.md` becomes the page `index.html`,
/// whose deck would take the talk deck's place.)
pub fn chapter_deck_path(chapter: &Chapter) -> String {
    let source = super::slash_path(&chapter.source_path);
    let stem = source.strip_suffix(".md").unwrap_or(&source);
    let path = format!("slides/{stem}.html");
    if path == TALK_DECK {
        // Only a chapter named `index.md` gets here.
        "slides/index.chapter.html".to_string()
    } else {
        path
    }
}

/// The presenter page that belongs to a deck: `slides/x.html` → `slides/x.presenter.html`.
pub fn presenter_path(deck_path: &str) -> String {
    let stem = deck_path.strip_suffix(".html").unwrap_or(deck_path);
    format!("{stem}.presenter.html")
}

/// `to` (a site path) as a link from the page at `from`, without detours through folders
/// both share (`slides/a.html` → `slides/index.html` is `index.html`).
fn relative_link(from: &str, to: &str) -> String {
    let mut from_dirs: Vec<&str> = from.split('/').collect();
    from_dirs.pop(); // the file name
    let to_parts: Vec<&str> = to.split('/').collect();
    let shared = from_dirs
        .iter()
        .zip(&to_parts[..to_parts.len() - 1])
        .take_while(|(a, b)| a == b)
        .count();
    format!(
        "{}{}",
        "../".repeat(from_dirs.len() - shared),
        to_parts[shared..].join("/")
    )
}

/// One slide rendered to HTML. Links in it are relative to the chapter's handbook page.
struct RenderedSlide {
    html: String,
    notes_html: String,
    title: String,
    /// The handbook heading the slide belongs to.
    section: Option<String>,
    /// Every handbook heading from this slide's section up to the next slide's, so a reader
    /// can jump from any heading of the handbook to the slide that covers it.
    sections: Vec<String>,
}

/// A chapter's slides, ready to be written into any deck.
struct ChapterSlides<'b> {
    chapter: &'b Chapter,
    slides: Vec<RenderedSlide>,
}

fn render_chapter_slides(chapter: &Chapter, heading_level: u8) -> Result<ChapterSlides<'_>> {
    let pieces = blocks::scan(&chapter.markdown, &chapter.origin, chapter.first_line)?;
    let handbook_ids: Vec<String> = markdown::render(&blocks::handbook_markdown(&pieces))
        .headings
        .into_iter()
        .map(|h| h.id)
        .collect();
    let split = slides::split(&pieces, heading_level);
    let definitions = slides::link_definitions(&pieces);
    let with_definitions = |markdown: &str| format!("{markdown}\n\n{definitions}");
    let section_ranges = covered_sections(&split, handbook_ids.len());
    let slides = split
        .iter()
        .zip(section_ranges)
        .map(|(slide, range)| {
            let rendered = markdown::render(&with_definitions(&slide.markdown));
            let notes_html = if slide.notes.trim().is_empty() {
                String::new()
            } else {
                markdown::render(&with_definitions(&slide.notes)).html
            };
            RenderedSlide {
                title: rendered
                    .headings
                    .first()
                    .map(|h| h.title.clone())
                    .unwrap_or_else(|| chapter.title.clone()),
                html: rendered.html,
                notes_html,
                section: slide
                    .handbook_heading
                    .and_then(|i| handbook_ids.get(i).cloned()),
                sections: handbook_ids.get(range).unwrap_or_default().to_vec(),
            }
        })
        .collect();
    Ok(ChapterSlides { chapter, slides })
}

/// The chapters of the whole-talk deck: those with a time budget (`minutes`), since a budget
/// is what puts a chapter on stage; appendices and lab pages have none. A book that sets no
/// budget at all gets every chapter.
fn talk_chapters<'a, 'b>(chapters: &[&'a ChapterSlides<'b>]) -> Vec<&'a ChapterSlides<'b>> {
    let budgeted: Vec<_> = chapters
        .iter()
        .copied()
        .filter(|c| c.chapter.front.minutes.is_some())
        .collect();
    if budgeted.is_empty() {
        chapters.to_vec()
    } else {
        budgeted
    }
}

/// For each slide, the range of handbook heading indexes it covers.
fn covered_sections(split: &[Slide], heading_count: usize) -> Vec<std::ops::Range<usize>> {
    split
        .iter()
        .enumerate()
        .map(|(i, slide)| {
            let Some(start) = slide.handbook_heading else {
                return 0..0;
            };
            let next_start = split[i + 1..]
                .iter()
                .find_map(|s| s.handbook_heading.filter(|&h| h > start));
            start..next_start.unwrap_or(heading_count)
        })
        .collect()
}

#[derive(Serialize)]
struct SlideCtx {
    number: usize,
    html: String,
    /// Index into the deck's chapters.
    chapter: usize,
    title: String,
    /// The matching handbook section, relative to the deck.
    handbook: String,
    sections: String,
    /// Filled for the presenter page only.
    notes: Option<String>,
}

#[derive(Serialize)]
struct ChapterCtx {
    title: String,
    minutes: Option<u32>,
    first: usize,
    count: usize,
    handbook: String,
}

#[derive(Serialize)]
struct DeckCtx {
    kind: &'static str,
    title: String,
    /// The audience deck's site path: also the key both windows sync on.
    path: String,
    audience_href: String,
    presenter_href: String,
    handbook_href: String,
    /// From a chapter deck, the same place in the whole-talk deck.
    talk_href: Option<String>,
    total_minutes: u32,
    slides: Vec<SlideCtx>,
    chapters: Vec<ChapterCtx>,
}

/// Which chapters a deck shows, and where it is written.
struct DeckPlan<'a, 'b> {
    kind: &'static str,
    title: String,
    path: String,
    parts: Vec<&'a ChapterSlides<'b>>,
    /// Slide number of this deck's first slide in the whole-talk deck.
    talk_start: Option<usize>,
}

impl Renderer<'_> {
    /// Writes every chapter deck, the whole-talk deck and their presenter pages.
    pub fn write_decks(&self, out: &dyn Output) -> Result<()> {
        let level = self.book.config.devoops.slide_heading_level;
        let all: Vec<ChapterSlides> = self
            .book
            .chapters
            .par_iter()
            .map(|c| render_chapter_slides(c, level))
            .collect::<Result<_>>()?;
        let with_slides: Vec<&ChapterSlides> =
            all.iter().filter(|c| !c.slides.is_empty()).collect();
        let talk = talk_chapters(&with_slides);

        let mut plans = Vec::new();
        let mut talk_number = 1;
        for part in &with_slides {
            let in_talk = talk.iter().any(|t| std::ptr::eq(*t, *part));
            plans.push(DeckPlan {
                kind: "chapter",
                title: part.chapter.title.clone(),
                path: chapter_deck_path(part.chapter),
                parts: vec![part],
                talk_start: in_talk.then_some(talk_number),
            });
            if in_talk {
                talk_number += part.slides.len();
            }
        }
        if !talk.is_empty() {
            plans.push(DeckPlan {
                kind: "talk",
                title: self.book.title().to_string(),
                path: TALK_DECK.to_string(),
                parts: talk,
                talk_start: None,
            });
        }
        plans.par_iter().try_for_each(|plan| {
            for presenter in [false, true] {
                let ctx = self.deck_context(plan, presenter);
                let (template, path) = if presenter {
                    ("presenter.html", presenter_path(&plan.path))
                } else {
                    ("slides.html", plan.path.clone())
                };
                let root = path_to_root(&path);
                let mut tera_ctx = self.base_context(&root);
                tera_ctx.insert("deck", &ctx);
                let html = self
                    .theme
                    .render(template, &tera_ctx)
                    .map_err(|e| with_context(e, &format!("while rendering {path}")))?;
                out.write(&path, html.as_bytes())?;
            }
            Ok(())
        })
    }

    fn deck_context(&self, plan: &DeckPlan, with_notes: bool) -> DeckCtx {
        let deck = &plan.path;
        let mut slides = Vec::new();
        let mut chapters = Vec::new();
        for (chapter_index, part) in plan.parts.iter().enumerate() {
            let page = part.chapter.output_path();
            let handbook_page = relative_link(deck, &page);
            // Links inside a slide are relative to the chapter's page; the deck lives elsewhere.
            let page_dir = page.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let url_prefix = format!(
                "{}{page_dir}{}",
                path_to_root(deck),
                if page_dir.is_empty() { "" } else { "/" }
            );
            let relocate = |html: &str| {
                if url_prefix.is_empty() {
                    html.to_string()
                } else {
                    prefix_relative_urls(html, &url_prefix)
                }
            };
            chapters.push(ChapterCtx {
                title: part.chapter.title.clone(),
                minutes: part.chapter.front.minutes,
                first: slides.len(),
                count: part.slides.len(),
                handbook: handbook_page.clone(),
            });
            for slide in &part.slides {
                slides.push(SlideCtx {
                    number: slides.len() + 1,
                    html: relocate(&slide.html),
                    chapter: chapter_index,
                    title: slide.title.clone(),
                    handbook: match &slide.section {
                        Some(id) => format!("{handbook_page}#{id}"),
                        None => handbook_page.clone(),
                    },
                    sections: slide.sections.join(" "),
                    notes: with_notes.then(|| relocate(&slide.notes_html)),
                });
            }
        }
        let handbook_href = match plan.parts.as_slice() {
            [only] if plan.kind == "chapter" => relative_link(deck, &only.chapter.output_path()),
            _ => relative_link(deck, "index.html"),
        };
        let file_name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
        DeckCtx {
            kind: plan.kind,
            title: plan.title.clone(),
            path: deck.clone(),
            audience_href: file_name(deck),
            presenter_href: file_name(&presenter_path(deck)),
            handbook_href,
            talk_href: plan
                .talk_start
                .map(|n| format!("{}#{n}", relative_link(deck, TALK_DECK))),
            total_minutes: chapters.iter().filter_map(|c| c.minutes).sum(),
            slides,
            chapters,
        }
    }

    /// The link from a chapter's handbook page to its deck, if the chapter has slides.
    pub(crate) fn slides_link(
        &self,
        chapter: &Chapter,
        pieces: &[blocks::Piece],
    ) -> Option<String> {
        let level = self.book.config.devoops.slide_heading_level;
        if slides::split(pieces, level).is_empty() {
            return None;
        }
        Some(relative_link(
            &chapter.output_path(),
            &chapter_deck_path(chapter),
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn chapter(source: &str) -> Chapter {
        Chapter {
            title: "T".into(),
            number: None,
            depth: 0,
            source_path: PathBuf::from(source),
            origin: PathBuf::from(source),
            markdown: String::new(),
            first_line: 1,
            front: Default::default(),
            title_override: None,
            dependencies: Vec::new(),
        }
    }

    #[test]
    fn deck_paths() {
        assert_eq!(chapter_deck_path(&chapter("intro.md")), "slides/intro.html");
        assert_eq!(
            chapter_deck_path(&chapter("README.md")),
            "slides/README.html"
        );
        assert_eq!(
            chapter_deck_path(&chapter("labs/01-tarball.md")),
            "slides/labs/01-tarball.html"
        );
        assert_eq!(
            chapter_deck_path(&chapter("index.md")),
            "slides/index.chapter.html"
        );
        assert_eq!(
            presenter_path("slides/labs/x.html"),
            "slides/labs/x.presenter.html"
        );
        assert_eq!(
            relative_link("slides/labs/x.html", "labs/x.html"),
            "../../labs/x.html"
        );
        assert_eq!(
            relative_link("slides/a.html", "slides/index.html"),
            "index.html"
        );
        assert_eq!(
            relative_link("slides/labs/x.html", "slides/index.html"),
            "../index.html"
        );
        assert_eq!(relative_link("a.html", "slides/a.html"), "slides/a.html");
    }

    #[test]
    fn the_talk_is_the_chapters_with_a_budget_or_else_all() {
        let mut timed = chapter("timed.md");
        timed.front.minutes = Some(5);
        let plain = chapter("plain.md");
        let slides = |c| ChapterSlides {
            chapter: c,
            slides: Vec::new(),
        };
        let (timed, plain) = (slides(&timed), slides(&plain));
        let talk = talk_chapters(&[&plain, &timed]);
        assert_eq!(talk.len(), 1);
        assert!(std::ptr::eq(talk[0], &timed));
        assert_eq!(talk_chapters(&[&plain, &plain]).len(), 2);
    }

    #[test]
    fn each_slide_covers_the_headings_up_to_the_next_slide() {
        let mut md = chapter("c.md");
        md.markdown = "# A\n\n### a1\n\n### a2\n\n---\n\nmore\n\n## B\n\n### b1\n".into();
        let rendered = render_chapter_slides(&md, 2).unwrap();
        let covered: Vec<Vec<String>> =
            rendered.slides.iter().map(|s| s.sections.clone()).collect();
        assert_eq!(
            covered,
            [
                vec!["a".to_string(), "a1".into()],
                vec!["a2".to_string()],
                vec!["b".to_string(), "b1".into()],
            ]
        );
        assert_eq!(rendered.slides[2].title, "B");
        assert_eq!(
            rendered.slides[1].title, "T",
            "untitled slides take the chapter's"
        );
    }
}
