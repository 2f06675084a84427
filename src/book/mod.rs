//! Load: `book.toml` + `SUMMARY.md` + the chapters it links → a plain [`Book`] value.
//!
//! Each chapter is read and parsed here, once: its slide markup is scanned and the chapter
//! cut into its handbook view and its slides ([`Parsed`]), so authoring mistakes (an unknown
//! `::: block`, one never closed) stop the load with the file and line, and nothing later
//! reads or scans the source again. Nothing here knows about HTML.

pub mod blocks;
pub mod labs;
pub mod links;
pub mod preprocess;
pub mod slides;
pub mod summary;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Error, Result, read_text};
pub use preprocess::FrontMatter;
use summary::{Summary, SummaryItem};

#[derive(Debug, Clone)]
pub struct Book {
    /// The folder holding `book.toml`.
    pub root: PathBuf,
    pub config: Config,
    /// The Markdown folder (`[book] src`), absolute.
    pub src_dir: PathBuf,
    /// Every rendered page, in reading order.
    pub chapters: Vec<Chapter>,
    /// The sidebar: chapters, drafts, part titles and separators in SUMMARY order.
    pub nav: Vec<NavEntry>,
    /// Problems worth telling the author that do not stop the build.
    pub warnings: Vec<String>,
    /// Files the lab pages offer for download (scenario archives, checkers).
    pub downloads: Vec<crate::kit::downloads::Download>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NavEntry {
    /// Index into `Book::chapters`.
    Chapter(usize),
    Draft {
        title: String,
        number: Option<Vec<u32>>,
        depth: usize,
    },
    Part(String),
    Separator,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    pub title: String,
    pub number: Option<Vec<u32>>,
    /// Nesting depth in the SUMMARY (0 for top level).
    pub depth: usize,
    /// Path in the site's namespace, relative to the source folder, e.g. `intro.md` or
    /// `labs/01-tarball.md`. Links between pages are resolved against these paths.
    pub source_path: PathBuf,
    /// The file the Markdown came from, for error messages and watching.
    pub origin: PathBuf,
    /// The line of `origin` that the Markdown starts on (front matter comes before it).
    pub first_line: usize,
    /// Whether the Markdown is the tail of `origin` as it is on disk (no includes, no
    /// `{{#title}}`, not a lab page put together from a README): then a link's line in the
    /// Markdown is its line in the file.
    pub verbatim: bool,
    pub front: FrontMatter,
    /// `{{#title}}` or front matter `title`: the page's `<title>`.
    pub title_override: Option<String>,
    /// Other files the chapter's source depends on (includes).
    pub dependencies: Vec<PathBuf>,
    /// Where the chapter is in `Book::chapters` (its prev/next pages are its neighbours there).
    pub index: usize,
    /// The chapter's Markdown cut into what the handbook page and the slides are made of.
    pub parsed: Parsed,
    /// What reading the source found that mdBook carries on after (a missing include).
    pub warnings: Vec<String>,
}

/// A chapter's Markdown after its slide markup is read: its pieces (ordinary Markdown,
/// `::: notes` / `::: handbook` / `::: slides` blocks, slide breaks), which both the handbook
/// page and the slides are made from. Only the pieces are kept (about the size of the
/// Markdown): the two views are cut from them when the chapter renders, which keeps a big
/// book's memory where it was before parsing moved to load time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub pieces: Vec<blocks::Piece>,
    /// How many slides the chapter has: the whole-talk deck's numbering needs every
    /// chapter's count before any chapter renders.
    pub slide_count: usize,
    /// Every link and image in the chapter (notes and slide-only blocks included), with its
    /// line in the Markdown: what `check-links` checks.
    pub links: Vec<links::SourceLink>,
    slide_heading_level: u8,
}

impl Parsed {
    /// Scans `markdown` (which starts on line `first_line` of `origin`) for slide markup;
    /// slides start at headings of level ≤ `slide_heading_level`.
    pub fn parse(
        markdown: &str,
        origin: &Path,
        first_line: usize,
        slide_heading_level: u8,
    ) -> Result<Parsed> {
        let pieces = blocks::scan(markdown, origin, first_line)?;
        Ok(Parsed {
            slide_count: slides::split(&pieces, slide_heading_level).len(),
            pieces,
            links: links::links(markdown),
            slide_heading_level,
        })
    }

    /// The handbook's view: no speaker notes, no slide-only blocks, no slide breaks.
    pub fn handbook(&self) -> String {
        blocks::handbook_markdown(&self.pieces)
    }

    /// The deck's view: one entry per slide, notes beside it.
    pub fn slides(&self) -> Vec<slides::Slide> {
        slides::split(&self.pieces, self.slide_heading_level)
    }

    /// Every reference-link definition of the chapter, appended to each slide on its own.
    pub fn link_definitions(&self) -> String {
        slides::link_definitions(&self.pieces)
    }
}

impl Chapter {
    /// The output path of this chapter's page, e.g. `labs/01-tarball.html`.
    /// `README.md` becomes `index.html`, as in mdBook.
    pub fn output_path(&self) -> String {
        page_path(&self.source_path)
    }

    /// (Re)reads the chapter's file and its includes, and parses it. Title, number and place
    /// in the book stay as SUMMARY.md gave them, which is what lets `serve` re-render just this
    /// chapter. On error the chapter is left as it was.
    /// `decks_for_all`: the book has a `[devoops]` table, so every chapter gets a slide deck;
    /// otherwise only a chapter whose front matter sets `minutes` does (a plain mdBook book
    /// gets handbook pages only, as mdBook would make).
    pub fn reload_source(&mut self, slide_heading_level: u8, decks_for_all: bool) -> Result<()> {
        let text = read_text(&self.origin)?;
        let pre = preprocess::preprocess(&text, &self.origin)?;
        let mut parsed = Parsed::parse(
            &pre.markdown,
            &self.origin,
            pre.first_line,
            slide_heading_level,
        )?;
        if !decks_for_all && pre.front.minutes.is_none() {
            parsed.slide_count = 0;
        }
        self.title_override = pre.front.title.clone().or(pre.title_override);
        self.verbatim = text.ends_with(pre.markdown.as_str());
        self.first_line = pre.first_line;
        self.front = pre.front;
        self.dependencies = pre.included;
        self.parsed = parsed;
        self.warnings = pre.warnings;
        Ok(())
    }

    /// Whether the chapter has a slide deck (some chapters are all `::: handbook`).
    pub fn has_slides(&self) -> bool {
        self.parsed.slide_count > 0
    }
}

/// Site path of the page for a source path (`a/README.md` → `a/index.html`, `x.md` → `x.html`).
pub fn page_path(source: &Path) -> String {
    let as_str = source.to_string_lossy().replace('\\', "/");
    let stem = as_str.strip_suffix(".md").unwrap_or(&as_str);
    match stem.rsplit_once('/') {
        Some((dir, "README")) => format!("{dir}/index.html"),
        None if stem == "README" => "index.html".to_string(),
        _ => format!("{stem}.html"),
    }
}

impl Book {
    /// Loads the book whose `book.toml` lives in `root`.
    pub fn load(root: &Path) -> Result<Book> {
        Book::load_with_checkers(root, None)
    }

    /// [`Book::load`], with the lab pages offering the checkers found in `checkers` (instead
    /// of `[devoops] checkers` from book.toml).
    pub fn load_with_checkers(root: &Path, checkers: Option<&Path>) -> Result<Book> {
        let root = root.to_path_buf();
        if !root.is_dir() {
            return Err(Error::in_file(&root, "not a directory")
                .help("pass the folder that holds book.toml")
                .usage());
        }
        let (config, mut warnings) = Config::load(&root.join("book.toml")).map_err(Error::usage)?;
        warnings.extend(config.output.html.sitemap_warning(&root.join("book.toml")));
        let src_dir = root.join(&config.book.src);
        let summary_path = src_dir.join("SUMMARY.md");
        if !summary_path.is_file() {
            return Err(Error::in_file(&summary_path, "the book has no SUMMARY.md").help(format!(
                "create {} listing the chapters, e.g. `- [Introduction](intro.md)`, or set `[book] src` in book.toml",
                summary_path.display()
            )).usage());
        }
        let summary = summary::parse(&read_text(&summary_path)?, &summary_path)?;
        let mut book = Book {
            root,
            config,
            src_dir,
            chapters: Vec::new(),
            nav: Vec::new(),
            warnings,
            downloads: Vec::new(),
        };
        book.add_summary_items(&summary, &summary_path)?;
        let checkers = checkers.map(Path::to_path_buf).or_else(|| {
            book.config
                .devoops
                .checkers
                .as_ref()
                .map(|d| book.root.join(d))
        });
        book.add_labs(checkers.as_deref())?;
        for (index, chapter) in book.chapters.iter_mut().enumerate() {
            chapter.index = index;
        }
        Ok(book)
    }

    pub fn title(&self) -> &str {
        self.config.book.title.as_deref().unwrap_or("Untitled book")
    }

    fn add_summary_items(&mut self, summary: &Summary, summary_path: &Path) -> Result<()> {
        // Walk the SUMMARY in order, then read and preprocess the chapters in parallel (a big
        // book has a thousand files); the first problem in SUMMARY order is the one reported.
        let mut listed: Vec<(&summary::Link, &Path, usize)> = Vec::new();
        let mut seen: std::collections::HashSet<&Path> = std::collections::HashSet::new();
        let mut stack: Vec<(&SummaryItem, usize)> =
            summary.items.iter().rev().map(|i| (i, 0)).collect();
        while let Some((item, depth)) = stack.pop() {
            match item {
                SummaryItem::PartTitle(title) => self.nav.push(NavEntry::Part(title.clone())),
                SummaryItem::Separator => self.nav.push(NavEntry::Separator),
                SummaryItem::Link(link) => {
                    match &link.location {
                        None => self.nav.push(NavEntry::Draft {
                            title: link.title.clone(),
                            number: link.number.clone(),
                            depth,
                        }),
                        Some(location) => {
                            if !seen.insert(location) {
                                return Err(Error::new(format!(
                                    "`{}` is listed twice",
                                    location.display()
                                ))
                                .at(summary_path, Some(link.line), None)
                                .help(
                                    "each file can appear once in SUMMARY.md; remove the duplicate entry",
                                ));
                            }
                            self.nav
                                .push(NavEntry::Chapter(self.chapters.len() + listed.len()));
                            listed.push((link, location, depth));
                        }
                    }
                    stack.extend(link.nested.iter().rev().map(|i| (i, depth + 1)));
                }
            }
        }
        let loaded: Vec<Result<Chapter>> = listed
            .par_iter()
            .map(|(link, location, depth)| self.load_chapter(link, location, *depth, summary_path))
            .collect();
        for chapter in loaded {
            let chapter = chapter?;
            self.warnings.extend(chapter.warnings.iter().cloned());
            self.chapters.push(chapter);
        }
        self.warn_about_includes_outside_the_book();
        Ok(())
    }

    /// An `{{#include}}` may reach any file the builder can read (`../../etc/passwd`, the
    /// CI runner's `/proc/self/environ`), and what it includes is published, search index
    /// included. mdBook allows it too, so it is a warning, not an error.
    fn warn_about_includes_outside_the_book(&mut self) {
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        for chapter in &self.chapters {
            for dependency in &chapter.dependencies {
                let real = std::fs::canonicalize(dependency).unwrap_or_else(|_| dependency.clone());
                if !real.starts_with(&root) {
                    self.warnings.push(format!(
                        "{}: includes {}, which is outside the book's folder {}; it is published with the page and in the search index (copy it into the book if that is intended)",
                        chapter.origin.display(),
                        real.display(),
                        root.display()
                    ));
                }
            }
        }
    }

    fn load_chapter(
        &self,
        link: &summary::Link,
        location: &Path,
        depth: usize,
        summary_path: &Path,
    ) -> Result<Chapter> {
        let origin = self.src_dir.join(location);
        if !origin.is_file() {
            return Err(Error::new(format!(
                "chapter `{}` links to `{}`, which does not exist",
                link.title,
                location.display()
            ))
            .at(summary_path, Some(link.line), None)
            .help(format!(
                "create {} or fix the path (it is relative to {})",
                origin.display(),
                self.src_dir.display()
            )));
        }
        let mut chapter = Chapter {
            title: link.title.clone(),
            number: link.number.clone(),
            depth,
            source_path: location.to_path_buf(),
            origin,
            first_line: 1,
            verbatim: true,
            front: FrontMatter::default(),
            title_override: None,
            dependencies: Vec::new(),
            index: 0,
            parsed: Parsed::default(),
            warnings: Vec::new(),
        };
        let devoops = &self.config.devoops;
        chapter.reload_source(devoops.slide_heading_level, devoops.present)?;
        Ok(chapter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapters_load_in_summary_order_and_problems_name_the_first_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        for n in 0..40 {
            std::fs::write(src.join(format!("c{n}.md")), format!("# C{n}\n")).unwrap();
        }
        let entries: String = (0..40).map(|n| format!("- [C{n}](c{n}.md)\n")).collect();
        std::fs::write(src.join("SUMMARY.md"), format!("# Summary\n\n{entries}")).unwrap();
        let book = Book::load(dir.path()).unwrap();
        let titles: Vec<&str> = book.chapters.iter().map(|c| c.title.as_str()).collect();
        let expected: Vec<String> = (0..40).map(|n| format!("C{n}")).collect();
        assert_eq!(titles, expected);
        assert_eq!(book.nav[39], NavEntry::Chapter(39));

        let with_problems = format!("# Summary\n\n{entries}- [Gone](gone.md)\n- [Again](c3.md)\n");
        std::fs::write(src.join("SUMMARY.md"), with_problems).unwrap();
        let err = Book::load(dir.path()).unwrap_err();
        assert!(err.message.contains("listed twice"), "{err}");
        assert_eq!(err.location.unwrap().line, Some(44));
        std::fs::write(
            src.join("SUMMARY.md"),
            format!("# Summary\n\n- [Gone](gone.md)\n{entries}- [Also gone](gone2.md)\n"),
        )
        .unwrap();
        let err = Book::load(dir.path()).unwrap_err();
        assert!(
            err.message.contains("gone.md"),
            "the first missing file in order: {err}"
        );
        assert_eq!(err.location.unwrap().line, Some(3));
    }

    #[test]
    fn page_paths() {
        assert_eq!(page_path(Path::new("README.md")), "index.html");
        assert_eq!(page_path(Path::new("a/README.md")), "a/index.html");
        assert_eq!(page_path(Path::new("a/b.md")), "a/b.html");
        assert_eq!(page_path(Path::new("labs/01-x.md")), "labs/01-x.html");
    }
}
