//! Link checking: every internal link and `#anchor` in the chapters (lab pages included) and
//! in SUMMARY.md must lead somewhere in the built site. External links are listed, never
//! fetched: the check runs offline, like the rest of the workshop.
//!
//! Links are read from the source files on disk (so each problem names the author's file and
//! line) and resolved in the site's namespace: a chapter's links are relative to its
//! `source_path`, which for a lab page is `labs/<id>.md` wherever its Markdown lives. Anchors
//! come from the rendered pages ([`PageSummary::anchors`]), so they are exactly the ids the
//! site has. Links inside `{{#include}}`d files are checked where the included file is itself
//! a chapter, not through each chapter that includes it.

pub mod extract;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::book::{Book, page_path, summary::percent_decode};
use crate::error::{Error, Result, read_text};
use crate::render::{PageSummary, Renderer, blocks, markdown};
use extract::{SourceLink, is_external, resolve};

/// A link to somewhere outside the book, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    pub file: PathBuf,
    pub line: usize,
    pub url: String,
}

#[derive(Debug, Default)]
pub struct LinkReport {
    /// One error per broken link, each naming file:line:column and a fix.
    pub broken: Vec<Error>,
    pub external: Vec<ExternalLink>,
    /// How many internal links were checked.
    pub checked: usize,
}

impl LinkReport {
    /// One error for a build that must not go on (`build --strict`), listing every broken link.
    pub fn to_error(&self) -> Error {
        let list: Vec<String> = self.broken.iter().map(|e| format!("  {e}")).collect();
        Error::new(format!(
            "{} broken link{}:\n{}",
            self.broken.len(),
            if self.broken.len() == 1 { "" } else { "s" },
            list.join("\n")
        ))
        .help("fix the links above; the previous site was left in place")
    }
}

/// What a link can land on: pages with their anchors, and other files of the site.
pub struct SiteMap {
    /// Page path (`labs/01-tarball.html`) → the ids on that page.
    pages: HashMap<String, HashSet<String>>,
    /// Every other file the site has (`images/x.svg`, `css/main.css`, `print.html`).
    files: HashSet<String>,
}

/// Files every built site has besides the chapters.
const GENERATED: &[&str] = &[
    "index.html",
    "print.html",
    "404.html",
    "sitemap.xml",
    "css/highlight.css",
    "searchindex.js",
    "toc.js",
    "toc.html",
];

impl SiteMap {
    /// From a finished render (`build`): the pages' anchors, the theme's assets, the book's
    /// static files.
    pub fn new(book: &Book, renderer: &Renderer, pages: &[PageSummary]) -> SiteMap {
        let pages = pages
            .iter()
            .map(|p| (p.path.clone(), p.anchors.iter().cloned().collect()))
            .collect();
        let mut files: HashSet<String> = GENERATED.iter().map(|s| s.to_string()).collect();
        files.extend(renderer.theme.assets.keys().cloned());
        let walker = walkdir::WalkDir::new(&book.src_dir).into_iter().flatten();
        for entry in walker.filter(|e| e.file_type().is_file()) {
            if let Ok(rel) = entry.path().strip_prefix(&book.src_dir) {
                files.insert(crate::render::slash_path(rel));
            }
        }
        SiteMap { pages, files }
    }

    /// Renders every chapter's body (in parallel, unhighlighted, writing nothing) to learn
    /// its anchors, the way the site's pages would have them.
    pub fn render(book: &Book, renderer: &Renderer) -> Result<SiteMap> {
        let pages = book
            .chapters
            .par_iter()
            .map(|chapter| {
                let pieces = blocks::scan(&chapter.markdown, &chapter.origin, 1)?;
                let body = markdown::render_unhighlighted(&blocks::handbook_markdown(&pieces));
                Ok(PageSummary {
                    anchors: markdown::html_ids(&body.html),
                    path: chapter.output_path(),
                    title: chapter.title.clone(),
                    sections: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SiteMap::new(book, renderer, &pages))
    }
}

/// Checks the links of every chapter and of SUMMARY.md.
pub fn check(book: &Book, site: &SiteMap) -> Result<LinkReport> {
    // (file to report, its text if not read from that file, folder in the site, page)
    let mut sources: Vec<(PathBuf, Option<&str>, PathBuf, String)> = Vec::new();
    let summary = book.src_dir.join("SUMMARY.md");
    if summary.is_file() {
        sources.push((summary, None, PathBuf::new(), "SUMMARY.md".into()));
    }
    for chapter in &book.chapters {
        let base = chapter
            .source_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        // A page made from something other than a Markdown file on disk is checked as loaded.
        let text = (!chapter.origin.is_file()).then_some(chapter.markdown.as_str());
        sources.push((chapter.origin.clone(), text, base, chapter.output_path()));
    }
    let per_file: Vec<LinkReport> = sources
        .par_iter()
        .map(|(file, text, base, page)| {
            let text = match text {
                Some(text) => text.to_string(),
                None => read_text(file)?,
            };
            Ok(check_file(file, base, page, &extract::links(&text), site))
        })
        .collect::<Result<_>>()?;
    let mut report = LinkReport::default();
    for part in per_file {
        report.broken.extend(part.broken);
        report.external.extend(part.external);
        report.checked += part.checked;
    }
    Ok(report)
}

fn check_file(
    file: &Path,
    base: &Path,
    own_page: &str,
    links: &[SourceLink],
    site: &SiteMap,
) -> LinkReport {
    let mut report = LinkReport::default();
    for link in links {
        if link.url.is_empty() {
            continue;
        }
        if is_external(&link.url) {
            report.external.push(ExternalLink {
                file: file.to_path_buf(),
                line: link.line,
                url: link.url.clone(),
            });
            continue;
        }
        report.checked += 1;
        if let Err((message, help)) = check_link(&link.url, base, own_page, site) {
            report.broken.push(
                Error::new(format!("broken link `{}`: {message}", link.url))
                    .at(file, Some(link.line), Some(link.column))
                    .help(help),
            );
        }
    }
    report
}

/// `Err((what is wrong, how to fix it))` when `url` leads nowhere.
fn check_link(
    url: &str,
    base: &Path,
    own_page: &str,
    site: &SiteMap,
) -> std::result::Result<(), (String, String)> {
    let (path, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(percent_decode(f))),
        None => (url, None),
    };
    let path = percent_decode(path.split('?').next().unwrap_or(""));
    if path.starts_with('/') {
        return Err((
            "a path from the server root breaks when the site is opened from a file or published under a sub-path".into(),
            "write the link relative to this file, e.g. `../intro.md`".into(),
        ));
    }
    let page = if path.is_empty() {
        own_page.to_string()
    } else {
        let Some(mut target) = resolve(base, &path) else {
            return Err((
                "it climbs above the book's source folder".into(),
                "remove a `../`: links are relative to this chapter's place in the book".into(),
            ));
        };
        if path.ends_with('/') && !target.is_empty() {
            target.push('/');
        }
        match page_for(&target, site) {
            Some(page) => page,
            None if site.files.contains(&target) => return Ok(()),
            None => return Err(missing_target(&target)),
        }
    };
    let Some(fragment) = fragment.filter(|f| !f.is_empty()) else {
        return Ok(());
    };
    let Some(anchors) = site.pages.get(&page) else {
        return Err((
            format!("`#{fragment}` points into {page}, which is not a page of the site"),
            "link to the chapter's file with the anchor, e.g. `intro.md#set-up`".into(),
        ));
    };
    if anchors.contains(&fragment) {
        return Ok(());
    }
    let near: Vec<&str> = {
        let mut ids: Vec<&str> = anchors.iter().map(String::as_str).collect();
        ids.sort_unstable();
        ids.into_iter()
            .filter(|id| similar(id, &fragment))
            .take(3)
            .collect()
    };
    let help = if near.is_empty() {
        format!(
            "anchors are heading slugs (`## Set up` → `#set-up`) or `{{#id}}` attributes; check the headings of {page}"
        )
    } else {
        format!(
            "did you mean {}?",
            near.iter()
                .map(|n| format!("`#{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err((format!("{page} has no anchor `#{fragment}`"), help))
}

/// The page a resolved link target stands for: `x.md` and `x.html` are the chapter's page,
/// `dir/` and `dir/README.md` its index.
fn page_for(target: &str, site: &SiteMap) -> Option<String> {
    let candidate = if target.ends_with(".md") {
        page_path(Path::new(target))
    } else if target.is_empty() || target.ends_with('/') {
        format!("{target}index.html")
    } else if site.pages.contains_key(target) || site.files.contains(target) {
        target.to_string()
    } else {
        // A folder named without its trailing slash.
        format!("{target}/index.html")
    };
    site.pages.contains_key(&candidate).then_some(candidate)
}

fn missing_target(target: &str) -> (String, String) {
    if target.ends_with(".md") {
        (
            format!("no chapter `{target}` in SUMMARY.md"),
            "fix the path (relative to this chapter), or add the chapter to SUMMARY.md; lab pages are `labs/<lab-id>.md`".into(),
        )
    } else {
        (
            format!("`{target}` is neither a page nor a file of the site"),
            "fix the path (relative to this chapter), or put the file under the book's source folder".into(),
        )
    }
}

/// Anchors worth suggesting for a mistyped one: sharing a prefix, or one inside the other.
fn similar(candidate: &str, wanted: &str) -> bool {
    let prefix = candidate
        .chars()
        .zip(wanted.chars())
        .take_while(|(a, b)| a == b)
        .count();
    prefix >= 4 || candidate.contains(wanted) || wanted.contains(candidate)
}
