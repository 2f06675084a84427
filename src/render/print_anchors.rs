//! The print page holds every chapter, so it must not hold two equal ids, and a link from one
//! chapter to another must stay on the page. As mdBook does: ids repeated across chapters get
//! a `-1`, `-2`… suffix, `x.html#frag` becomes `#frag` as renamed in x's part, and a link to
//! a chapter without a fragment goes to the start of that chapter's part.

use std::collections::{HashMap, HashSet};

use super::PageSummary;

/// Ids for the print page, worked out from every page's anchors before it is written.
pub struct PrintAnchors {
    /// Page path → (id on the page → id on the print page).
    ids: HashMap<String, HashMap<String, String>>,
    /// Page path → id of the element wrapping that chapter on the print page.
    chapters: HashMap<String, String>,
}

/// The id of the element that wraps a chapter on the print page.
pub fn chapter_id(page_path: &str) -> String {
    super::markdown::slugify(&page_path.replace(['/', '.'], "-"))
}

impl PrintAnchors {
    pub fn new(pages: &[&PageSummary]) -> PrintAnchors {
        let chapters: HashMap<String, String> = pages
            .iter()
            .map(|p| (p.path.clone(), chapter_id(&p.path)))
            .collect();
        let mut used: HashSet<String> = chapters.values().cloned().collect();
        let mut ids = HashMap::new();
        for page in pages {
            let mut renamed = HashMap::new();
            for id in &page.anchors {
                if renamed.contains_key(id) {
                    continue;
                }
                let mut unique = id.clone();
                let mut n = 1;
                while !used.insert(unique.clone()) {
                    unique = format!("{id}-{n}");
                    n += 1;
                }
                renamed.insert(id.clone(), unique);
            }
            ids.insert(page.path.clone(), renamed);
        }
        PrintAnchors { ids, chapters }
    }

    /// `html`, the body of `page` with its relative URLs already made relative to the site
    /// root, with its ids renamed and its links between chapters turned into `#anchors`.
    pub fn rewrite(&self, page: &str, html: &str) -> String {
        let own = self.ids.get(page);
        let mut out = String::with_capacity(html.len() + html.len() / 32);
        let mut rest = html;
        while let Some((at, attr)) = next_attribute(rest) {
            let value_start = at + attr.len();
            let Some(len) = rest[value_start..].find('"') else {
                break;
            };
            let value = &rest[value_start..value_start + len];
            out.push_str(&rest[..value_start]);
            match attr {
                " id=\"" => out.push_str(own.and_then(|ids| ids.get(value)).map_or(value, |v| v)),
                _ => match self.in_page_target(page, value) {
                    Some(anchor) => {
                        out.push('#');
                        out.push_str(&anchor);
                    }
                    None => out.push_str(value),
                },
            }
            rest = &rest[value_start + len..];
        }
        out.push_str(rest);
        out
    }

    /// Where on the print page a link of `page` lands, when it lands on a chapter.
    fn in_page_target(&self, page: &str, href: &str) -> Option<String> {
        let (path, fragment) = match href.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (href, None),
        };
        if href.is_empty()
            || path.contains("://")
            || path.starts_with("mailto:")
            || path.starts_with('/')
        {
            return None;
        }
        let target = if path.is_empty() {
            page.to_string()
        } else {
            crate::site_path::resolve(std::path::Path::new(""), path.split('?').next()?)?
        };
        let chapter = self.chapters.get(&target)?;
        match fragment.filter(|f| !f.is_empty()) {
            Some(f) => Some(
                self.ids
                    .get(&target)
                    .and_then(|ids| ids.get(f))
                    .cloned()
                    .unwrap_or_else(|| f.to_string()),
            ),
            None => Some(chapter.clone()),
        }
    }
}

/// The next ` id="` or ` href="` in `html`: where it starts and which it is.
fn next_attribute(html: &str) -> Option<(usize, &'static str)> {
    let id = html.find(" id=\"").map(|at| (at, " id=\""));
    let href = html.find(" href=\"").map(|at| (at, " href=\""));
    match (id, href) {
        (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(path: &str, anchors: &[&str]) -> PageSummary {
        PageSummary {
            path: path.into(),
            title: path.into(),
            sections: Vec::new(),
            anchors: anchors.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn ids_are_unique_and_links_stay_on_the_page() {
        let a = summary("a.html", &["intro", "setup"]);
        let b = summary("guide/b.html", &["setup", "b"]);
        let anchors = PrintAnchors::new(&[&a, &b]);
        let html = anchors.rewrite(
            "guide/b.html",
            "<h2 id=\"setup\"><a href=\"#setup\">x</a></h2><a href=\"a.html#setup\">a</a>\
             <a href=\"guide/b.html\">b</a><a href=\"https://x.org/a.html\">e</a><img src=\"guide/i.png\">",
        );
        assert_eq!(
            html,
            "<h2 id=\"setup-1\"><a href=\"#setup-1\">x</a></h2><a href=\"#setup\">a</a>\
             <a href=\"#guide-b-html\">b</a><a href=\"https://x.org/a.html\">e</a><img src=\"guide/i.png\">"
        );
    }
}
