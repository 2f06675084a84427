//! `devoops build`: the whole pipeline from a book folder to a site folder on disk.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::book::Book;
use crate::error::Result;
use crate::links::{self, SiteMap};
use crate::render::{PageSummary, Renderer};
use crate::site::DirOutput;

/// What a finished build reports back to the CLI.
pub struct BuildReport {
    pub dest: PathBuf,
    pub pages: Vec<PageSummary>,
    pub warnings: Vec<String>,
    /// How long each step took, for `--verbose`.
    pub timings: Vec<(&'static str, Duration)>,
}

/// Where `build` writes: `--dest-dir` if given (relative to the current directory, as in
/// mdBook), otherwise `[build] build-dir` relative to the book root.
pub fn destination(book: &Book, dest_override: Option<&Path>) -> PathBuf {
    match dest_override {
        Some(d) => d.to_path_buf(),
        None => book.root.join(&book.config.build.build_dir),
    }
}

/// The destination is replaced wholesale, so it must not hold the sources, lie inside them
/// (the configured build folder may: the renderer skips it), or be a folder the user made
/// (see `site::destination`).
fn check_destination(book: &Book, dest: &Path, configured: bool) -> Result<PathBuf> {
    crate::site::destination::check(dest, &book.root, &[&book.src_dir], configured).map(|d| d.real)
}

/// Choices beyond where to build.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// Fail (and keep the previous site) when a link or anchor leads nowhere; otherwise broken
    /// links are warnings.
    pub strict: bool,
}

/// Builds the book in `root` into its destination, atomically, with `options`
/// (`devoops build --strict`).
pub fn build_with(
    root: &Path,
    dest_override: Option<&Path>,
    progress: &(dyn Fn(usize, usize) + Sync),
    options: BuildOptions,
) -> Result<BuildReport> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str| {
        timings.push((name, clock.elapsed()));
        clock = Instant::now();
    };
    let book = Book::load(root)?;
    lap("load book");
    let dest = destination(&book, dest_override);
    let real_dest = check_destination(&book, &dest, dest_override.is_none())?;
    let renderer = Renderer::new(&book)?;
    lap("load theme");
    let output = DirOutput::new(&real_dest)?;
    // Links are checked as soon as every page's anchors are known, while the whole-book
    // pages are still being written.
    let (pages, link_report) = renderer.render_all_alongside(&output, progress, |pages| {
        links::check(&book, &SiteMap::new(&book, &renderer, pages))
    })?;
    let link_report = link_report?;
    lap("render + links");
    if options.strict && !link_report.broken.is_empty() {
        return Err(link_report.to_error());
    }
    let swap_warnings = output.commit()?;
    lap("swap in");
    let mut warnings = book.warnings.clone();
    warnings.extend(swap_warnings);
    warnings.extend(renderer.theme.warnings.iter().cloned());
    warnings.extend(link_report.broken.iter().map(ToString::to_string));
    Ok(BuildReport {
        dest,
        pages,
        warnings,
        timings,
    })
}
