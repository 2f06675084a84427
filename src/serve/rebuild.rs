//! Rebuilding after a change: the whole book, or only what a change can affect.
//!
//! A chapter's page depends on its own file and the files it includes; the sidebar, titles,
//! numbering and prev/next links come from SUMMARY.md and `book.toml`, and the page frame from
//! the theme. So an edit to a chapter (or an included file) re-renders that chapter, plus what
//! is made of every chapter: the print page and the slide decks, rebuilt on a worker thread
//! (`derived`). SUMMARY.md, `book.toml`, theme files and labs change every page (a
//! lab's title from its lab.toml is in every sidebar): those rebuild the whole book into a
//! fresh in-memory site, swapped in only when complete.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use rayon::prelude::*;

use crate::book::Book;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::render::{PageSummary, Renderer, RendererParts, slash_path};
use crate::site::{MemoryOutput, Output};

use super::derived::{FailureFlag, Job};

/// What a batch of changed paths requires.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub full: bool,
    /// Indices into `Book::chapters` whose sources changed.
    pub chapters: BTreeSet<usize>,
    /// Non-Markdown files under the source folder (images, downloads) to copy again.
    pub static_files: BTreeSet<PathBuf>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        !self.full && self.chapters.is_empty() && self.static_files.is_empty()
    }
}

/// The last good build, kept to re-render single chapters.
struct Snapshot {
    book: Book,
    /// Taken while a renderer borrows them, put back after.
    parts: Option<RendererParts>,
    /// Each chapter's summary and body HTML, in book order (what the print page is made of).
    pages: Vec<(PageSummary, String)>,
}

/// A finished full build.
pub struct FullBuild {
    pub site: MemoryOutput,
    pub pages: usize,
    pub warnings: Vec<String>,
}

pub struct Builder {
    root: PathBuf,
    last: Option<Snapshot>,
    /// Set when a build failed: whatever changes next, rebuild everything, because only a
    /// complete build proves every earlier mistake is fixed.
    needs_full: bool,
    /// The same, set by the derived-pages worker when the print page or a deck failed.
    derived_failed: FailureFlag,
}

impl Builder {
    /// `root` must be absolute, so it compares equal to the paths the watcher reports.
    pub fn new(root: PathBuf) -> Builder {
        Builder {
            root,
            last: None,
            needs_full: true,
            derived_failed: FailureFlag::default(),
        }
    }

    /// The flag the derived-pages worker sets when it fails.
    pub fn derived_failure_flag(&self) -> FailureFlag {
        self.derived_failed.clone()
    }

    /// The folders whose changes matter: the book's sources, labs and theme layers.
    pub fn watched_trees(&self) -> Vec<PathBuf> {
        let config = match &self.last {
            Some(snapshot) => Some(snapshot.book.config.clone()),
            None => Config::load(&self.root.join("book.toml"))
                .ok()
                .map(|(c, _)| c),
        };
        match config {
            Some(config) => {
                let mut trees = self.theme_dirs(&config).to_vec();
                trees.push(self.root.join(&config.devoops.labs));
                trees.push(self.root.join(&config.book.src));
                trees
            }
            // `book.toml` does not parse yet: watch the usual places.
            None => ["src", "content", "themes", "theme", "labs"]
                .map(|d| self.root.join(d))
                .to_vec(),
        }
    }

    /// The theme layers on disk (as `Renderer::new` stacks them over the built-in theme).
    fn theme_dirs(&self, config: &Config) -> [PathBuf; 2] {
        let own = config.output.html.theme.as_deref();
        [
            self.root.join("themes/default"),
            self.root.join(own.unwrap_or(Path::new("theme"))),
        ]
    }

    /// Builds the whole book into a new in-memory site.
    pub fn full(&mut self) -> Result<FullBuild> {
        self.needs_full = true;
        self.derived_failed.store(false, Ordering::SeqCst);
        let book = Book::load(&self.root)?;
        let renderer = Renderer::new(&book)?;
        let site = MemoryOutput::default();
        let pages = renderer.render_all_pages(&site, &|_, _| {})?;
        let mut warnings = book.warnings.clone();
        warnings.extend(renderer.theme.warnings.iter().cloned());
        let parts = renderer.into_parts();
        let count = pages.len();
        self.last = Some(Snapshot {
            book,
            parts: Some(parts),
            pages,
        });
        self.needs_full = false;
        Ok(FullBuild {
            site,
            pages: count,
            warnings,
        })
    }

    /// Sorts changed paths into what must be rebuilt.
    pub fn plan(&self, changed: &BTreeSet<PathBuf>) -> Plan {
        let mut plan = Plan::default();
        let Some(snapshot) = &self.last else {
            plan.full = changed.iter().any(|p| self.matters_before_first_build(p));
            return plan;
        };
        let book = &snapshot.book;
        let build_dir = self.root.join(&book.config.build.build_dir);
        let theme_dirs = self.theme_dirs(&book.config);
        for path in changed {
            if self.is_noise(path) || path.starts_with(&build_dir) {
                continue;
            }
            let readers = chapters_reading(book, path);
            // Lab pages are assembled from lab.toml and README by the check engine, not read
            // from the source folder: only a full load rebuilds them.
            let from_sources = readers
                .iter()
                .all(|&i| book.chapters[i].origin.starts_with(&book.src_dir));
            if !readers.is_empty() && from_sources {
                plan.chapters.extend(readers);
            } else if !readers.is_empty()
                || path == &self.root.join("book.toml")
                || path == &book.src_dir.join("SUMMARY.md")
                || theme_dirs.iter().any(|d| path.starts_with(d))
            {
                plan.full = true;
            } else if path.starts_with(&book.src_dir) {
                // Markdown no chapter reads is not part of the book (yet: listing it in
                // SUMMARY.md triggers the rebuild). Gone files are left alone: they are
                // mostly an editor's temporary files; a removed image disappears from the
                // site at the next full rebuild.
                let markdown = path.extension().is_some_and(|x| x == "md");
                if !markdown && path.is_file() {
                    plan.static_files.insert(path.clone());
                }
            } else if path.starts_with(self.root.join(&book.config.devoops.labs)) && path.exists() {
                // Lab metadata (lab.toml, scenarios) may feed the lab pages.
                plan.full = true;
            }
        }
        let failed = self.needs_full || self.derived_failed.load(Ordering::SeqCst);
        if failed && !plan.is_empty() {
            plan.full = true;
        }
        plan
    }

    fn matters_before_first_build(&self, path: &Path) -> bool {
        !self.is_noise(path)
            && (path == self.root.join("book.toml")
                || self.watched_trees().iter().any(|t| path.starts_with(t)))
    }

    /// Re-renders the changed chapters into `site` (the one being served) and calls
    /// `written` with their page paths. The pages made of every chapter are left to
    /// [`Builder::derived_job`].
    pub fn rebuild_chapters(
        &mut self,
        chapters: &BTreeSet<usize>,
        site: &MemoryOutput,
        written: &mut dyn FnMut(Vec<String>),
    ) -> Result<()> {
        let snapshot = self
            .last
            .as_mut()
            .expect("a chapter rebuild follows a full build");
        self.needs_full = true;
        for &i in chapters {
            snapshot.book.chapters[i].reload_source()?;
        }
        let Snapshot { book, parts, pages } = snapshot;
        let renderer = Renderer::from_parts(book, parts.take().expect("renderer parts are back"));
        let result = render_changed(&renderer, chapters, site, pages, written);
        *parts = Some(renderer.into_parts());
        self.needs_full = result.is_err();
        result
    }

    /// What the print page and the decks need to catch up with the last chapter rebuild.
    pub fn derived_job(&self, site: &MemoryOutput, started: Instant) -> Option<Job> {
        let snapshot = self.last.as_ref()?;
        Some(Job {
            book: snapshot.book.clone(),
            pages: snapshot.pages.clone(),
            site: site.clone(),
            started,
        })
    }

    /// Copies changed static files (images, downloads) from the source folder into `site`.
    pub fn copy_static_files(
        &self,
        files: &BTreeSet<PathBuf>,
        site: &MemoryOutput,
    ) -> Result<Vec<String>> {
        let snapshot = self
            .last
            .as_ref()
            .expect("a static copy follows a full build");
        let mut written = Vec::new();
        for file in files {
            let Ok(relative) = file.strip_prefix(&snapshot.book.src_dir) else {
                continue;
            };
            let bytes = std::fs::read(file).map_err(|e| Error::io(file, &e))?;
            let path = slash_path(relative);
            site.write(&path, &bytes)?;
            written.push(path);
        }
        Ok(written)
    }

    /// Editor droppings and build output that never affect the book: hidden files and
    /// folders (`.git`, `.intro.md.swp`), backups (`intro.md~`), Emacs lock files
    /// (`#intro.md#`), vim's write test file (`4913`), and Rust/Node build folders under labs.
    fn is_noise(&self, path: &Path) -> bool {
        is_noise(path.strip_prefix(&self.root).unwrap_or(path))
    }
}

/// Renders `chapters` and writes their pages (and `index.html` when it mirrors the first
/// chapter), updating the stored body HTML the print page is made of.
fn render_changed(
    renderer: &Renderer,
    chapters: &BTreeSet<usize>,
    site: &MemoryOutput,
    pages: &mut [(PageSummary, String)],
    written: &mut dyn FnMut(Vec<String>),
) -> Result<()> {
    // An include shared by many chapters can touch many pages: render those in parallel.
    let rendered: Vec<_> = chapters
        .par_iter()
        .map(|&i| renderer.render_chapter(i).map(|page| (i, page)))
        .collect::<Result<_>>()?;
    let mut paths = Vec::new();
    for (i, page) in rendered {
        site.write(&page.path, page.html.as_bytes())?;
        pages[i].1 = page.content;
        pages[i].0.sections = page.sections;
        paths.push(page.path);
    }
    if chapters.contains(&0) && !paths.iter().any(|p| p == "index.html") {
        renderer.write_index(site)?;
        paths.push("index.html".into());
    }
    written(paths);
    Ok(())
}

/// The chapters whose page is built from `path`: their own file or one they include.
fn chapters_reading(book: &Book, path: &Path) -> Vec<usize> {
    book.chapters
        .iter()
        .enumerate()
        .filter(|(_, c)| c.origin == path || c.dependencies.iter().any(|d| normalize(d) == path))
        .map(|(i, _)| i)
        .collect()
}

/// Resolves `.` and `..` without touching the disk (include paths are `chapter_dir/../x`).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// [`Builder::is_noise`] for a path relative to the book root.
fn is_noise(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.ends_with('~')
        || name.starts_with('#')
        || name == "4913"
        || path.components().any(|c| match c {
            Component::Normal(part) => {
                let part = part.to_string_lossy();
                part.starts_with('.') || part == "target" || part == "node_modules"
            }
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise() {
        let builder = Builder::new(PathBuf::from("/tmp/.tmpAbc/book"));
        assert!(builder.is_noise(Path::new("/tmp/.tmpAbc/book/content/.intro.md.swp")));
        assert!(builder.is_noise(Path::new("/tmp/.tmpAbc/book/content/intro.md~")));
        assert!(builder.is_noise(Path::new("/tmp/.tmpAbc/book/labs/01/target/debug/x")));
        assert!(builder.is_noise(Path::new("/tmp/.tmpAbc/book/content/4913")));
        assert!(!builder.is_noise(Path::new("/tmp/.tmpAbc/book/content/intro.md")));
    }

    /// A small book on disk, built once, so `plan` sees real chapters and includes.
    fn built_book() -> (tempfile::TempDir, Builder) {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("book.toml", "[book]\ntitle = \"T\"\nsrc = \"content\"\n");
        write(
            "content/SUMMARY.md",
            "# Summary\n\n- [A](a.md)\n- [B](sub/b.md)\n",
        );
        write("content/a.md", "# A\n");
        write("content/sub/b.md", "# B\n\n{{#include ../code/x.sh}}\n");
        write("content/code/x.sh", "echo x\n");
        write("content/img.svg", "<svg/>");
        write("labs/notes.txt", "lab material\n");
        let mut builder = Builder::new(root);
        builder.full().unwrap();
        (dir, builder)
    }

    #[test]
    fn plans_follow_what_a_change_can_affect() {
        let (_dir, builder) = built_book();
        let plan =
            |rels: &[&str]| builder.plan(&rels.iter().map(|r| builder.root.join(r)).collect());
        assert_eq!(plan(&["content/a.md"]).chapters, BTreeSet::from([0]));
        assert!(!plan(&["content/a.md"]).full);
        assert_eq!(plan(&["content/code/x.sh"]).chapters, BTreeSet::from([1]));
        assert_eq!(
            plan(&["content/img.svg"]).static_files,
            BTreeSet::from([builder.root.join("content/img.svg")])
        );
        for full in [
            "book.toml",
            "content/SUMMARY.md",
            "theme/page.html",
            "labs/notes.txt",
        ] {
            assert!(plan(&[full]).full, "{full}");
        }
        for nothing in [
            "content/.a.md.swp",
            "content/a.md~",
            "content/notes.md",
            "content/gone.png",
            "book/a.html",
            "README.md",
        ] {
            assert!(plan(&[nothing]).is_empty(), "{nothing}");
        }
    }

    #[test]
    fn after_a_failure_any_change_rebuilds_everything() {
        let (_dir, mut builder) = built_book();
        std::fs::write(builder.root.join("content/a.md"), "{{#include nope}}\n").unwrap();
        let site = MemoryOutput::default();
        let chapters = BTreeSet::from([0]);
        assert!(
            builder
                .rebuild_chapters(&chapters, &site, &mut |_| {})
                .is_err()
        );
        let plan = builder.plan(&BTreeSet::from([builder.root.join("content/sub/b.md")]));
        assert!(plan.full);
    }

    #[test]
    fn normalizing() {
        assert_eq!(
            normalize(Path::new("/b/c/../x/./y.rs")),
            PathBuf::from("/b/x/y.rs")
        );
    }
}
