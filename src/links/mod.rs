//! Link checking: every internal link and `#anchor` in the chapters (lab pages included) and
//! in SUMMARY.md must lead somewhere in the built site. External links are listed, never
//! fetched: the check runs offline, like the rest of the workshop.
//!
//! Links are read from the source files on disk (so each problem names the author's file and
//! line) and resolved in the site's namespace: a chapter's links are relative to its
//! `source_path`, which for a lab page is `labs/<id>.md` wherever its Markdown lives. Anchors
//! come from the rendered pages ([`PageSummary::anchors`](crate::page::PageSummary)) and
//! targets from the assembled [`Site`]'s list of files, so they are exactly what the site
//! has: a link to a deck, a presenter page or `print.html` is fine because the site has them. Links inside `{{#include}}`d files are checked where the included file is itself
//! a chapter, not through each chapter that includes it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::book::links::{SourceLink, is_external, links, resolve};
use crate::book::{Book, page_path, summary::percent_decode};
use crate::error::{Error, Result, line_col, read_text};
use crate::site::Site;

/// A link to somewhere outside the book, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    pub file: PathBuf,
    /// `None` when the page was put together from the file and the link is not found in it.
    pub line: Option<usize>,
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

/// What a link can land on, looked up quickly: pages with their anchors, and every file.
struct Targets<'s> {
    /// Page path (`labs/01-tarball.html`) → the ids on that page.
    pages: HashMap<&'s str, HashSet<&'s str>>,
    /// Every file the site has (`images/x.svg`, `print.html`, `slides/intro.html`).
    files: &'s std::collections::BTreeSet<String>,
}

impl<'s> Targets<'s> {
    fn new(site: &'s Site) -> Targets<'s> {
        let pages = site
            .pages
            .iter()
            .map(|p| {
                (
                    p.path.as_str(),
                    p.anchors.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        Targets {
            pages,
            files: &site.files,
        }
    }
}

/// One Markdown text whose links are checked, and how to point at them in the author's file.
struct Source<'b> {
    /// The file messages name: the chapter's own file, or the README a lab page is made from.
    file: PathBuf,
    /// The links of the Markdown the site renders, with their lines in it.
    links: std::borrow::Cow<'b, [SourceLink]>,
    /// The file's text, when the page is not a verbatim copy of it (included files, lab pages
    /// put together from a README): links are then found in it by what they point to.
    original: Option<String>,
    /// The file line the Markdown starts on (after front matter).
    first_line: usize,
    /// The page's folder in the site, which relative links start from.
    base: PathBuf,
    page: String,
}

/// Checks the links of every chapter and of SUMMARY.md against the assembled site.
pub fn check(book: &Book, site: &Site) -> Result<LinkReport> {
    let site = &Targets::new(site);
    let summary_path = book.src_dir.join("SUMMARY.md");
    let summary = if summary_path.is_file() {
        Some(read_text(&summary_path)?)
    } else {
        None
    };
    let mut sources: Vec<Source> = Vec::new();
    if let Some(text) = &summary {
        sources.push(Source {
            file: summary_path.clone(),
            links: links(text).into(),
            original: None,
            first_line: 1,
            base: PathBuf::new(),
            page: "SUMMARY.md".into(),
        });
    }
    for chapter in &book.chapters {
        let original = match !chapter.verbatim && chapter.origin.is_file() {
            true => Some(read_text(&chapter.origin)?),
            false => None,
        };
        sources.push(Source {
            file: chapter.origin.clone(),
            links: chapter.parsed.links.as_slice().into(),
            original,
            first_line: chapter.first_line,
            base: chapter
                .source_path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            page: chapter.output_path(),
        });
    }
    let per_file: Vec<LinkReport> = sources
        .par_iter()
        .map(|source| check_source(source, site))
        .collect();
    let mut report = LinkReport::default();
    for part in per_file {
        report.broken.extend(part.broken);
        report.external.extend(part.external);
        report.checked += part.checked;
    }
    Ok(report)
}

/// Line and column of a link in the author's file.
fn locate(source: &Source, link: &SourceLink) -> Option<(usize, usize)> {
    let Some(original) = &source.original else {
        return Some((source.first_line + link.line - 1, link.column));
    };
    // Not a verbatim copy: find where the file says `](url`, or names the same file (a lab
    // README links `../../content/x.md` where its page says `../x.md`).
    let name = link.url.rsplit('/').next().unwrap_or(&link.url);
    let at = original
        .find(&format!("]({}", link.url))
        .or_else(|| original.find(&format!("{name})")))
        .or_else(|| original.find(&format!("/{name}")))?;
    let start = original[..at]
        .rfind('[')
        .filter(|&b| b + 200 > at)
        .unwrap_or(at);
    Some(line_col(original, start))
}

fn check_source(source: &Source, site: &Targets) -> LinkReport {
    let mut report = LinkReport::default();
    for link in source.links.iter() {
        if link.url.is_empty() {
            continue;
        }
        let place = locate(source, link);
        // `../std/index.html` from a book published next to others (the Cargo book links
        // the standard library's docs that way) leaves this book: listed, not checked.
        if is_external(&link.url) || leaves_the_book(&link.url, &source.base) {
            report.external.push(ExternalLink {
                file: source.file.clone(),
                line: place.map(|p| p.0),
                url: link.url.clone(),
            });
            continue;
        }
        report.checked += 1;
        if let Err((message, help)) = check_link(&link.url, &source.base, &source.page, site) {
            report.broken.push(
                Error::new(format!("broken link `{}`: {message}", link.url))
                    .at(&source.file, place.map(|p| p.0), place.map(|p| p.1))
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
    site: &Targets,
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
    let Some(anchors) = site.pages.get(page.as_str()) else {
        return Err((
            format!("`#{fragment}` points into {page}, which is not a page of the site"),
            "link to the chapter's file with the anchor, e.g. `intro.md#set-up`".into(),
        ));
    };
    if anchors.contains(fragment.as_str()) {
        return Ok(());
    }
    let near: Vec<&str> = {
        let mut ids: Vec<&str> = anchors.iter().copied().collect();
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

/// True for a relative link that climbs above the site root.
fn leaves_the_book(url: &str, base: &Path) -> bool {
    let path = url.split(['#', '?']).next().unwrap_or("");
    !path.is_empty() && !path.starts_with('/') && resolve(base, &percent_decode(path)).is_none()
}

/// The page a resolved link target stands for: `x.md` and `x.html` are the chapter's page,
/// `dir/` and `dir/README.md` its index.
fn page_for(target: &str, site: &Targets) -> Option<String> {
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
    site.pages
        .contains_key(candidate.as_str())
        .then_some(candidate)
}

fn missing_target(target: &str) -> (String, String) {
    if target.ends_with(".md") {
        (
            format!("no chapter `{target}` in SUMMARY.md"),
            "fix the path (relative to this chapter), or add the chapter to SUMMARY.md".into(),
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
