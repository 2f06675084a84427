//! `devoops build` and `devoops check-links`: the whole pipeline, from a book folder to a
//! site folder on disk (or, for checking links, to the assembled site without writing it).
//!
//! load ([`Book::load`]) → render each chapter ([`render::chapter`], in parallel) → assemble
//! ([`Assembly`]: each chapter's files as it is rendered, then the pages made of every
//! chapter) → write (a staging folder swapped in atomically).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::book::Book;
use crate::error::Result;
use crate::links::{self, LinkReport};
use crate::page::PageSummary;
use crate::render::{self, Frame};
use crate::site::{Assembly, DirOutput, Discard, Output, Site};

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
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Fail (and keep the previous site) when a link or anchor leads nowhere; otherwise broken
    /// links are warnings.
    pub strict: bool,
    /// The checkers the lab pages offer for download (default: `[devoops] checkers`).
    pub checkers: Option<PathBuf>,
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
    let book = Book::load_with_checkers(root, options.checkers.as_deref())?;
    lap("load book");
    let dest = destination(&book, dest_override);
    let real_dest = check_destination(&book, &dest, dest_override.is_none())?;
    let frame = Frame::new(&book)?;
    lap("load theme");
    let output = DirOutput::new(&real_dest)?;
    // Links are checked as soon as the site is assembled, while its whole-book pages are
    // still being written.
    let (site, link_report) = render_and_assemble(&book, &frame, &output, progress)?;
    let link_report = link_report?;
    lap("render + links");
    if options.strict && !link_report.broken.is_empty() {
        return Err(link_report.to_error());
    }
    let swap_warnings = output.commit()?;
    lap("swap in");
    let mut warnings = book.warnings.clone();
    warnings.extend(swap_warnings);
    warnings.extend(frame.theme.warnings.iter().cloned());
    warnings.extend(frame.take_warnings());
    warnings.extend(link_report.broken.iter().map(ToString::to_string));
    Ok(BuildReport {
        dest,
        pages: site.pages,
        warnings,
        timings,
    })
}

/// Renders every chapter in parallel and assembles the site into `out`, checking its links
/// alongside the last writes.
fn render_and_assemble(
    book: &Book,
    frame: &Frame,
    out: &dyn Output,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(Site, Result<LinkReport>)> {
    let assembly = Assembly::new(book, frame)?;
    let total = book.chapters.len();
    let done = AtomicUsize::new(0);
    let kept = book
        .chapters
        .par_iter()
        .map(|chapter| {
            let rendered = render::chapter(chapter, frame)?;
            let kept = assembly.add(&rendered, out)?;
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            Ok(kept)
        })
        .collect::<Result<Vec<_>>>()?;
    assembly.finish(kept, out, |site| links::check(book, site))
}

/// `devoops check-links`: the site as `build` would make it, assembled without being written,
/// and its links checked.
pub fn check_links(root: &Path) -> Result<LinkReport> {
    let book = Book::load(root)?;
    let frame = Frame::new(&book)?;
    render_and_assemble(&book, &frame, &Discard, &|_, _| {})?.1
}
