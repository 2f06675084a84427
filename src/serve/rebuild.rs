//! Rebuilding after a change: the whole book, or only what a change can affect.
//!
//! A chapter's page depends on its own file and the files it includes; the sidebar, titles,
//! numbering and prev/next links come from SUMMARY.md and `book.toml`, and the page frame from
//! the theme. So an edit to a chapter (or an included file) re-parses and re-renders that
//! chapter's page, which is served at once; then the site is assembled again from the kept
//! chapters on a worker thread (`derived`), which renders the saved chapter's slides and
//! replaces what is made of every chapter: the print page, the slide decks and the search
//! index. SUMMARY.md, `book.toml`, theme files and labs change every page (a
//! lab's title from its lab.toml is in every sidebar): those rebuild the whole book into a
//! fresh in-memory site, swapped in only when complete.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use rayon::prelude::*;

use crate::book::Book;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::render::{self, Frame, RenderedChapter, slash_path, theme_layers};
use crate::site::{self, MemoryOutput, Output};

use super::derived::{ChangedOnly, FailureFlag, Job};

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
    /// Templates, sidebar and settings: they change only with a full rebuild.
    frame: Arc<Frame>,
    /// Every chapter as rendered, in book order: what the site is assembled from again.
    chapters: Vec<Arc<RenderedChapter>>,
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
                let mut trees = theme_layers(&self.root, &config).to_vec();
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

    /// Builds the whole book into a new in-memory site.
    pub fn full(&mut self) -> Result<FullBuild> {
        self.needs_full = true;
        self.derived_failed.store(false, Ordering::SeqCst);
        let book = Book::load(&self.root)?;
        let frame = Frame::new(&book)?;
        let chapters: Vec<Arc<RenderedChapter>> = book
            .chapters
            .par_iter()
            .map(|chapter| render::chapter(chapter, &frame).map(Arc::new))
            .collect::<Result<_>>()?;
        let site = MemoryOutput::default();
        site::assemble(&book, &frame, chapters.par_iter().map(|c| Ok(&**c)), &site)?;
        let mut warnings = book.warnings.clone();
        warnings.extend(frame.theme.warnings.iter().cloned());
        warnings.extend(frame.take_warnings());
        let count = chapters.len();
        self.last = Some(Snapshot {
            book,
            frame: Arc::new(frame),
            chapters,
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
        let theme_dirs = theme_layers(&self.root, &book.config);
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
        let level = snapshot.book.config.devoops.slide_heading_level;
        let decks_for_all = snapshot.book.config.devoops.present;
        for &i in chapters {
            snapshot.book.chapters[i].reload_source(level, decks_for_all)?;
        }
        let paths = rerender(snapshot, chapters, site)?;
        self.needs_full = false;
        written(paths);
        Ok(())
    }

    /// What the print page, the decks and the search index need to catch up with the last
    /// chapter rebuild: the same assembly as a full build, over the kept chapters.
    pub fn derived_job(&self, site: &MemoryOutput, started: Instant) -> Option<Job> {
        let snapshot = self.last.as_ref()?;
        Some(Job {
            book: snapshot.book.clone(),
            frame: snapshot.frame.clone(),
            chapters: snapshot.chapters.clone(),
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

/// Renders `chapters` again, keeps them in `snapshot` and writes their pages (and
/// `index.html` when it mirrors the first chapter) into `site`; their decks follow with the
/// pages made of every chapter. Returns the paths written.
fn rerender(
    snapshot: &mut Snapshot,
    chapters: &BTreeSet<usize>,
    site: &MemoryOutput,
) -> Result<Vec<String>> {
    let Snapshot {
        book,
        frame,
        chapters: kept,
    } = snapshot;
    // An include shared by many chapters can touch many pages: render those in parallel.
    // Only the pages: the slides are rendered by the derived-pages worker, which needs them
    // for the decks anyway, so the page is served without waiting for them.
    let rendered: Vec<RenderedChapter> = chapters
        .par_iter()
        .map(|&i| render::page(&book.chapters[i], frame))
        .collect::<Result<_>>()?;
    let out = ChangedOnly::new(site);
    let mut pages = Vec::new();
    for chapter in rendered {
        site::write_page(frame, &chapter, &out)?;
        pages.push(chapter.page.path.clone());
        let i = chapter.index;
        kept[i] = Arc::new(chapter);
    }
    // The chapters' own pages are news even when their bytes did not change.
    let mut paths = out.into_changed();
    for page in pages {
        if !paths.contains(&page) {
            paths.push(page);
        }
    }
    Ok(paths)
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
        std::fs::write(builder.root.join("content/a.md"), "{{#include a.md}}\n").unwrap();
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
