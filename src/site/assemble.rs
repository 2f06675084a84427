//! Assemble: rendered chapters → every file of the site, written to an [`Output`].
//!
//! This is the one place that knows what a site is made of. [`Assembly::new`] works out the
//! path of every file before anything is written (pages, decks, presenter pages, print page,
//! index, 404, sitemap, search index, shared sidebar, assets, static files), so `links` can
//! check against the finished site while its last pages are still being written.
//! [`Assembly::add`] writes one chapter's own files as soon as it is rendered and keeps only
//! what the pages made of every chapter need: the print page's bodies and the whole-talk
//! deck's slides wait in spools on disk, so memory holds the chapters being rendered, not the
//! book. [`Assembly::finish`] writes the rest.
//!
//! `build` streams freshly rendered chapters through it into a staging folder; `serve` runs
//! the same steps over the chapters it keeps in memory after each save.

use std::borrow::{Borrow, Cow};
use std::collections::BTreeSet;
use std::path::PathBuf;

use rayon::prelude::*;

use super::Output;
use super::spool::{self, Spool};
use crate::book::Book;
use crate::error::{Error, Result};
use crate::page::PageSummary;
use crate::render::deck::{self, DeckPart, DeckPlan, Outline, RenderedSlide};
use crate::render::print_anchors::PrintAnchors;
use crate::render::{Frame, IndexPage, RenderedChapter, print_content, slash_path};

/// The site as assembled: what `links` checks against.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// The site path of every file the site has.
    pub files: BTreeSet<String>,
    /// Every chapter's page, in book order.
    pub pages: Vec<PageSummary>,
}

/// What the pages made of every chapter keep of one chapter after its own files are written.
pub struct Kept {
    index: usize,
    page: PageSummary,
    /// The chapter's slides in the whole-talk deck, their HTML moved into the spool.
    talk: Option<Vec<RenderedSlide>>,
}

/// Writes a site from rendered chapters; see the module documentation.
pub struct Assembly<'a> {
    book: &'a Book,
    frame: &'a Frame,
    outline: Outline,
    index: IndexPage,
    files: BTreeSet<String>,
    assets: Vec<(String, Cow<'a, [u8]>)>,
    /// Files copied as they are: the source folder's non-Markdown files and `additional-css`
    /// / `additional-js`, as (site path, file on disk).
    copied: Vec<(String, PathBuf)>,
    /// Redirect pages, `CNAME`, MathJax: what book.toml asks for besides pages.
    extra: Vec<(String, Vec<u8>)>,
    print: Option<Spool>,
    /// Two pieces per slide of the whole talk: its HTML, then its notes.
    talk: Spool,
}

impl<'a> Assembly<'a> {
    pub fn new(book: &'a Book, frame: &'a Frame) -> Result<Assembly<'a>> {
        let outline = Outline::new(book);
        let html = &book.config.output.html;
        let mut copied = static_files(book)?;
        for extra in html.additional_css.iter().chain(&html.additional_js) {
            copied.push((slash_path(extra), book.root.join(extra)));
        }
        let assets = frame.assets();
        let mut files = BTreeSet::new();
        for chapter in &book.chapters {
            files.insert(chapter.output_path());
            if chapter.has_slides() {
                let path = deck::chapter_deck_path(chapter);
                files.insert(deck::presenter_path(&path));
                files.insert(path);
            }
        }
        if outline.talk_slides > 0 {
            files.insert(deck::TALK_DECK.to_string());
            files.insert(deck::presenter_path(deck::TALK_DECK));
        }
        files.insert("index.html".into());
        if html.print.enable {
            files.insert("print.html".into());
        }
        if html.search.enable {
            files.insert(crate::search::INDEX_PATH.into());
        }
        for (path, _) in frame.shared_sidebar().into_iter().flatten() {
            files.insert(path.into());
        }
        files.insert("404.html".into());
        if html.absolute_site_url().is_some() {
            files.insert("sitemap.xml".into());
        }
        let extra = frame.extra_files(&book.root.join("book.toml"));
        files.extend(extra.iter().map(|(path, _)| path.clone()));
        files.extend(assets.iter().map(|(path, _)| path.clone()));
        files.extend(copied.iter().map(|(path, _)| path.clone()));
        files.extend(book.downloads.iter().map(|d| d.site_path.clone()));
        Ok(Assembly {
            book,
            frame,
            index: frame.index_page()?,
            print: html
                .print
                .enable
                .then(|| Spool::new(book.chapters.len()))
                .transpose()?,
            talk: Spool::new(2 * outline.talk_slides)?,
            outline,
            files,
            assets,
            copied,
            extra,
        })
    }

    /// The site path of every file the assembled site has.
    pub fn files(&self) -> &BTreeSet<String> {
        &self.files
    }

    /// Writes a rendered chapter's own files (its page, its deck and presenter page, and
    /// `index.html` when that is a copy of it) and keeps what the whole-book pages need.
    /// Called from any thread, in any order.
    pub fn add(&self, rendered: &RenderedChapter, out: &dyn Output) -> Result<Kept> {
        let i = rendered.index;
        let chapter = &self.book.chapters[i];
        write_page(self.frame, rendered, out)?;
        if let Some(spool) = &self.print {
            spool.add(i, &print_content(&rendered.page.path, &rendered.body))?;
        }
        let mut talk = None;
        let slides = rendered.slides(chapter);
        if !slides.is_empty() {
            let part = DeckPart { chapter, slides };
            let start = self.outline.talk_start[i];
            for (path, html) in self.frame.deck_pages(&DeckPlan::chapter(part, start))? {
                out.write(&path, html.as_bytes())?;
            }
            if let Some(start) = start {
                talk = Some(self.spool_for_talk(rendered.index, slides, start - 1)?);
            }
        }
        Ok(Kept {
            index: i,
            page: rendered.page.clone(),
            talk,
        })
    }

    /// Moves a chapter's slides (relocated for the whole-talk deck) and notes into the
    /// spool, from slide `first` of the talk on, and returns them with markers in their
    /// place. Markers hold no URL, so the talk deck's own relocation leaves them as they are.
    fn spool_for_talk(
        &self,
        index: usize,
        slides: &[RenderedSlide],
        first: usize,
    ) -> Result<Vec<RenderedSlide>> {
        let prefix = deck::url_prefix(deck::TALK_DECK, &self.book.chapters[index]);
        let mut slides = slides.to_vec();
        for (j, slide) in slides.iter_mut().enumerate() {
            let (html_piece, notes_piece) = (2 * (first + j), 2 * (first + j) + 1);
            self.talk
                .add(html_piece, &deck::relocate(&slide.html, &prefix))?;
            self.talk
                .add(notes_piece, &deck::relocate(&slide.notes_html, &prefix))?;
            slide.html = spool::marker(html_piece);
            slide.notes_html = spool::marker(notes_piece);
        }
        Ok(slides)
    }

    /// Writes the pages made of every chapter, `kept` being what [`Assembly::add`] returned
    /// for each chapter. `alongside` runs on the finished [`Site`] while the whole-talk deck,
    /// the print page and the search index are written (`build` checks links there).
    pub fn finish<R: Send>(
        self,
        mut kept: Vec<Kept>,
        out: &dyn Output,
        alongside: impl FnOnce(&Site) -> R + Send,
    ) -> Result<(Site, R)> {
        kept.sort_by_key(|k| k.index);
        if kept.len() != self.book.chapters.len() {
            return Err(Error::new(format!(
                "the site has {} chapters but {} were rendered",
                self.book.chapters.len(),
                kept.len()
            )));
        }
        let mut talk_parts = Vec::new();
        let mut pages = Vec::with_capacity(kept.len());
        for k in kept {
            if let Some(slides) = k.talk {
                talk_parts.push((k.index, slides));
            }
            pages.push(k.page);
        }
        let site = Site {
            files: self.files.clone(),
            pages,
        };
        match &self.index {
            IndexPage::Redirect(html) | IndexPage::Empty(html) => {
                out.write("index.html", html.as_bytes())?
            }
            IndexPage::Chapter | IndexPage::CopyOfFirst => {}
        }
        let html = &self.book.config.output.html;
        let summaries: Vec<&PageSummary> = site.pages.iter().collect();
        // The pages made of every chapter are independent of each other: the whole-talk deck
        // and the print page stream from their spools while the search index is built and
        // the caller's `alongside` work runs.
        let ((talk, alongside_result), (printed, indexed)) = rayon::join(
            || {
                rayon::join(
                    || self.write_talk_deck(&talk_parts, out),
                    || alongside(&site),
                )
            },
            || {
                rayon::join(
                    || match &self.print {
                        Some(spool) => {
                            let page = self.frame.print_page(&summaries, spool::marker)?;
                            let anchors = PrintAnchors::new(&summaries);
                            let mut pieces = spool.pieces_mapped(&page, |index, body| {
                                let path = summaries.get(index).map_or("", |p| p.path.as_str());
                                anchors
                                    .rewrite(path, &String::from_utf8_lossy(&body))
                                    .into_bytes()
                            });
                            out.write_pieces("print.html", &mut pieces)
                        }
                        None => Ok(()),
                    },
                    || match html.search.enable {
                        true => out.write(
                            crate::search::INDEX_PATH,
                            crate::search::index_js(&summaries).as_bytes(),
                        ),
                        false => Ok(()),
                    },
                )
            },
        );
        talk?;
        printed?;
        indexed?;
        for (path, text) in self.frame.shared_sidebar().into_iter().flatten() {
            out.write(path, text.as_bytes())?;
        }
        out.write("404.html", self.frame.not_found_page()?.as_bytes())?;
        if let Some(sitemap) = self.frame.sitemap() {
            out.write("sitemap.xml", sitemap.as_bytes())?;
        }
        for (path, bytes) in &self.extra {
            out.write(path, bytes)?;
        }
        for (path, bytes) in &self.assets {
            out.write(path, bytes)?;
        }
        for (path, source) in &self.copied {
            let bytes = std::fs::read(source).map_err(|e| {
                let error = Error::io(source, &e);
                if source.starts_with(&self.book.src_dir) {
                    error
                } else {
                    error.help("fix `additional-css`/`additional-js` in book.toml: paths are relative to the book root")
                }
            })?;
            out.write(path, &bytes)?;
        }
        crate::kit::downloads::write(&self.book.downloads, out)?;
        Ok((site, alongside_result))
    }

    /// The whole-talk deck and its presenter page, streaming the slides from the spool.
    fn write_talk_deck(
        &self,
        parts: &[(usize, Vec<RenderedSlide>)],
        out: &dyn Output,
    ) -> Result<()> {
        if parts.is_empty() {
            return Ok(());
        }
        let parts = parts
            .iter()
            .map(|(i, slides)| DeckPart {
                chapter: &self.book.chapters[*i],
                slides,
            })
            .collect();
        let plan = DeckPlan::talk(self.frame.title(), parts);
        for (path, html) in self.frame.deck_pages(&plan)? {
            out.write_pieces(&path, &mut self.talk.pieces(&html))?;
        }
        Ok(())
    }
}

/// Writes a rendered chapter's handbook page, and `index.html` when that is a copy of it:
/// what `serve` shows first after a save, before the rest is assembled again.
pub fn write_page(frame: &Frame, rendered: &RenderedChapter, out: &dyn Output) -> Result<()> {
    out.write(&rendered.page.path, rendered.html.as_bytes())?;
    if rendered.index == 0 && matches!(frame.index_page()?, IndexPage::CopyOfFirst) {
        out.write("index.html", rendered.html.as_bytes())?;
    }
    Ok(())
}

/// Assembles the whole site from every chapter, rendered (`chapters` yields them in any
/// order, in parallel), into `out`.
pub fn assemble<C: Borrow<RenderedChapter> + Send>(
    book: &Book,
    frame: &Frame,
    chapters: impl ParallelIterator<Item = Result<C>>,
    out: &dyn Output,
) -> Result<Site> {
    let assembly = Assembly::new(book, frame)?;
    let kept = chapters
        .map(|chapter| assembly.add(chapter?.borrow(), out))
        .collect::<Result<Vec<_>>>()?;
    Ok(assembly.finish(kept, out, |_| ())?.0)
}

/// Everything under the source folder that is not Markdown (images, SVG, downloads), as
/// (site path, file), leaving out hidden files and the build folder.
fn static_files(book: &Book) -> Result<Vec<(String, PathBuf)>> {
    let src = &book.src_dir;
    let build_dir = book.root.join(&book.config.build.build_dir);
    let walker = walkdir::WalkDir::new(src).into_iter().filter_entry(|e| {
        e.depth() == 0
            || (!e.file_name().to_string_lossy().starts_with('.') && e.path() != build_dir)
    });
    let mut files = Vec::new();
    for entry in walker {
        let entry = entry
            .map_err(|e| Error::in_file(src, format!("cannot read the source folder: {e}")))?;
        if !entry.file_type().is_file() || entry.path().extension().is_some_and(|x| x == "md") {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(src)
            .expect("walkdir stays under its root");
        files.push((slash_path(rel), entry.path().to_path_buf()));
    }
    Ok(files)
}

/// An output that keeps nothing: `check-links` assembles the site only to know what it holds.
pub struct Discard;

impl Output for Discard {
    fn write(&self, _path: &str, _bytes: &[u8]) -> Result<()> {
        Ok(())
    }

    fn write_pieces(
        &self,
        _path: &str,
        pieces: &mut dyn Iterator<Item = Result<Vec<u8>>>,
    ) -> Result<()> {
        for piece in pieces {
            piece?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::render;
    use crate::site::MemoryOutput;

    /// The list of files is worked out before anything is written: it must be exactly what
    /// the assembly then writes, for books with and without a README, print page and search.
    #[test]
    fn the_list_of_files_is_what_is_written() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for name in ["slides-book", "mdbook-basic"] {
            let book = Book::load(&fixtures.join(name)).unwrap();
            let frame = Frame::new(&book).unwrap();
            let out = MemoryOutput::default();
            let chapters = book
                .chapters
                .par_iter()
                .map(|chapter| render::chapter(chapter, &frame));
            let site = assemble(&book, &frame, chapters, &out).unwrap();
            let written: BTreeSet<String> = out.paths().into_iter().collect();
            assert_eq!(site.files, written, "{name}");
            // Decks are for books that ask (slides-book has a `[devoops]` table).
            assert_eq!(
                site.files.contains("slides/index.html"),
                name == "slides-book",
                "{name}"
            );
            assert_eq!(site.pages.len(), book.chapters.len());
            let paths: Vec<&str> = site.pages.iter().map(|p| p.path.as_str()).collect();
            let expected: Vec<String> = book.chapters.iter().map(|c| c.output_path()).collect();
            assert_eq!(paths, expected, "pages in book order");
        }
    }
}
