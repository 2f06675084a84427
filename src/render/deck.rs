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
use super::spool::{self, Spool};
use super::{Renderer, blocks, path_to_root, prefix_relative_urls, with_context};
use crate::book::{Book, Chapter};
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
pub struct ChapterSlides<'b> {
    chapter: &'b Chapter,
    slides: Vec<RenderedSlide>,
}

#[cfg(test)]
fn render_chapter_slides(chapter: &Chapter, heading_level: u8) -> Result<ChapterSlides<'_>> {
    let pieces = blocks::scan(&chapter.markdown, &chapter.origin, chapter.first_line)?;
    let handbook_ids: Vec<String> =
        markdown::render_unhighlighted(&blocks::handbook_markdown(&pieces))
            .headings
            .into_iter()
            .map(|h| h.id)
            .collect();
    slides_of(chapter, heading_level, &handbook_ids)
}

/// A chapter's slides; `handbook_ids` are the anchors of its handbook page's headings.
#[cfg(test)]
fn slides_of<'b>(
    chapter: &'b Chapter,
    heading_level: u8,
    handbook_ids: &[String],
) -> Result<ChapterSlides<'b>> {
    let pieces = blocks::scan(&chapter.markdown, &chapter.origin, chapter.first_line)?;
    let split = slides::split(&pieces, heading_level);
    Ok(render_slides(chapter, handbook_ids, &pieces, &split))
}

/// Renders a chapter's slides from its scanned `pieces` and their `split` into slides.
fn render_slides<'b>(
    chapter: &'b Chapter,
    handbook_ids: &[String],
    pieces: &[blocks::Piece],
    split: &[Slide],
) -> ChapterSlides<'b> {
    let definitions = slides::link_definitions(pieces);
    let with_definitions = |markdown: &str| format!("{markdown}\n\n{definitions}");
    let section_ranges = covered_sections(split, handbook_ids.len());
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
    ChapterSlides { chapter, slides }
}

/// The chapters of the whole-talk deck, as indexes into `chapters`, from those that have
/// slides: the ones with a time budget (`minutes`), since a budget is what puts a chapter on
/// stage; appendices and lab pages have none. A book that sets no budget at all gets every
/// chapter.
fn talk_chapters(chapters: &[Chapter], with_slides: &[usize]) -> Vec<usize> {
    let budgeted: Vec<usize> = with_slides
        .iter()
        .copied()
        .filter(|&i| chapters[i].front.minutes.is_some())
        .collect();
    if budgeted.is_empty() {
        with_slides.to_vec()
    } else {
        budgeted
    }
}

/// How many slides a chapter has, from its Markdown alone (nothing rendered).
fn slide_count(chapter: &Chapter, heading_level: u8) -> Result<usize> {
    let pieces = blocks::scan(&chapter.markdown, &chapter.origin, chapter.first_line)?;
    Ok(slides::split(&pieces, heading_level).len())
}

/// The prefix that moves a relative URL of the chapter's handbook page to where `deck` is.
fn url_prefix(deck: &str, chapter: &Chapter) -> String {
    let page = chapter.output_path();
    let page_dir = page.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    format!(
        "{}{page_dir}{}",
        path_to_root(deck),
        if page_dir.is_empty() { "" } else { "/" }
    )
}

/// Slide HTML (whose links are relative to the chapter's handbook page) as it must read in
/// a deck: links inside a slide are relative to the chapter's page; the deck lives elsewhere.
fn relocate(html: &str, prefix: &str) -> String {
    if prefix.is_empty() {
        html.to_string()
    } else {
        prefix_relative_urls(html, prefix)
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

/// Moves a chapter's slides (relocated for the whole-talk deck) and notes into the spool,
/// starting at slide `first` of the talk, and returns the chapter with markers in their place.
/// Markers hold no URL, so the talk deck's own relocation leaves them as they are.
fn spool_for_talk<'b>(
    mut part: ChapterSlides<'b>,
    first: usize,
    spool: &Spool,
) -> Result<ChapterSlides<'b>> {
    let prefix = url_prefix(TALK_DECK, part.chapter);
    for (j, slide) in part.slides.iter_mut().enumerate() {
        let (html_piece, notes_piece) = (2 * (first + j), 2 * (first + j) + 1);
        spool.add(html_piece, &relocate(&slide.html, &prefix))?;
        spool.add(notes_piece, &relocate(&slide.notes_html, &prefix))?;
        slide.html = spool::marker(html_piece);
        slide.notes_html = spool::marker(notes_piece);
    }
    Ok(part)
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

/// What the decks need to know before any chapter is rendered, worked out from the Markdown
/// alone: which chapters have slides, which make up the whole talk and where each one starts
/// in it. The whole-talk deck holds every chapter's slides (tens of megabytes on a big book):
/// they wait in a [`Spool`] on disk and the deck is streamed out at the end, so memory holds
/// only the chapters being rendered.
pub struct DeckOutline {
    has_slides: Vec<bool>,
    /// Number of the chapter's first slide in the whole-talk deck, for chapters in the talk.
    talk_start: Vec<Option<usize>>,
    /// Two pieces per slide of the talk: its HTML, then its notes.
    spool: Spool,
}

impl DeckOutline {
    pub fn new(book: &Book) -> Result<DeckOutline> {
        let level = book.config.devoops.slide_heading_level;
        let counts: Vec<usize> = book
            .chapters
            .par_iter()
            .map(|c| slide_count(c, level))
            .collect::<Result<_>>()?;
        let with_slides: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 0).collect();
        let mut talk_start = vec![None; counts.len()];
        let mut talk_slides = 0;
        for i in talk_chapters(&book.chapters, &with_slides) {
            talk_start[i] = Some(talk_slides + 1);
            talk_slides += counts[i];
        }
        Ok(DeckOutline {
            has_slides: counts.iter().map(|&n| n > 0).collect(),
            talk_start,
            spool: Spool::new(2 * talk_slides)?,
        })
    }
}

impl Renderer<'_> {
    /// Writes every chapter deck, the whole-talk deck and their presenter pages on their own
    /// (`serve` redoes them after an edit; a full build writes them with the pages instead).
    pub fn write_decks(&self, out: &dyn Output) -> Result<()> {
        let decks = DeckOutline::new(self.book)?;
        let parts: Vec<Option<ChapterSlides>> = (0..self.book.chapters.len())
            .into_par_iter()
            .map(|i| {
                let chapter = &self.book.chapters[i];
                let pieces = blocks::scan(&chapter.markdown, &chapter.origin, chapter.first_line)?;
                let ids: Vec<String> =
                    markdown::render_unhighlighted(&blocks::handbook_markdown(&pieces))
                        .headings
                        .into_iter()
                        .map(|h| h.id)
                        .collect();
                self.write_chapter_deck(out, &decks, i, &ids)
            })
            .collect::<Result<_>>()?;
        self.write_talk_deck(out, &decks, parts.into_iter().flatten().collect())
    }

    /// Writes chapter `index`'s deck and presenter page (`handbook_ids`: the anchors of its
    /// handbook page), and returns what the whole-talk deck needs of it, if it is in the talk.
    /// Called for every chapter while the handbook renders, inside the same
    /// [`highlight::with_block_cache`](super::highlight::with_block_cache) scope as the
    /// chapter's page, so its code is highlighted once for both.
    pub fn write_chapter_deck(
        &self,
        out: &dyn Output,
        decks: &DeckOutline,
        index: usize,
        handbook_ids: &[String],
    ) -> Result<Option<ChapterSlides<'_>>> {
        if !decks.has_slides[index] {
            return Ok(None);
        }
        let chapter = &self.book.chapters[index];
        let pieces = blocks::scan(&chapter.markdown, &chapter.origin, chapter.first_line)?;
        let split = slides::split(&pieces, self.book.config.devoops.slide_heading_level);
        self.write_chapter_deck_from(out, decks, index, handbook_ids, &pieces, &split)
    }

    /// [`Renderer::write_chapter_deck`] from the chapter's scanned `pieces` and their `split`
    /// into slides, as the handbook page was made from them.
    pub(crate) fn write_chapter_deck_from(
        &self,
        out: &dyn Output,
        decks: &DeckOutline,
        index: usize,
        handbook_ids: &[String],
        pieces: &[blocks::Piece],
        split: &[Slide],
    ) -> Result<Option<ChapterSlides<'_>>> {
        if !decks.has_slides[index] {
            return Ok(None);
        }
        let part = render_slides(&self.book.chapters[index], handbook_ids, pieces, split);
        let plan = DeckPlan {
            kind: "chapter",
            title: part.chapter.title.clone(),
            path: chapter_deck_path(part.chapter),
            parts: vec![&part],
            talk_start: decks.talk_start[index],
        };
        self.write_deck(out, &plan, None)?;
        match decks.talk_start[index] {
            Some(start) => Ok(Some(spool_for_talk(part, start - 1, &decks.spool)?)),
            None => Ok(None),
        }
    }

    /// Writes the whole-talk deck and its presenter page from the parts the chapters left
    /// (in book order), streaming their slides from the spool.
    pub fn write_talk_deck(
        &self,
        out: &dyn Output,
        decks: &DeckOutline,
        parts: Vec<ChapterSlides>,
    ) -> Result<()> {
        if parts.is_empty() {
            return Ok(());
        }
        let plan = DeckPlan {
            kind: "talk",
            title: self.book.title().to_string(),
            path: TALK_DECK.to_string(),
            parts: parts.iter().collect(),
            talk_start: None,
        };
        self.write_deck(out, &plan, Some(&decks.spool))
    }

    /// Writes a deck and its presenter page; with a spool, the slides come from it.
    fn write_deck(&self, out: &dyn Output, plan: &DeckPlan, spool: Option<&Spool>) -> Result<()> {
        // One context for both pages (relocating every slide once): the presenter page with
        // the notes, then the audience deck with the notes taken out.
        let mut ctx = self.deck_context(plan, true);
        for presenter in [true, false] {
            if !presenter {
                ctx.slides.iter_mut().for_each(|s| s.notes = None);
            }
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
            match spool {
                Some(spool) => out.write_pieces(&path, &mut spool.pieces(&html))?,
                None => out.write(&path, html.as_bytes())?,
            }
        }
        Ok(())
    }

    fn deck_context(&self, plan: &DeckPlan, with_notes: bool) -> DeckCtx {
        let deck = &plan.path;
        let mut slides = Vec::new();
        let mut chapters = Vec::new();
        for (chapter_index, part) in plan.parts.iter().enumerate() {
            let page = part.chapter.output_path();
            let handbook_page = relative_link(deck, &page);
            let prefix = url_prefix(deck, part.chapter);
            let relocate = |html: &str| relocate(html, &prefix);
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
}

/// The link from a chapter's handbook page to its deck (for chapters that have slides).
pub(crate) fn slides_link(chapter: &Chapter) -> String {
    relative_link(&chapter.output_path(), &chapter_deck_path(chapter))
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
        let chapters = [chapter("plain.md"), timed, chapter("no-slides.md")];
        assert_eq!(talk_chapters(&chapters, &[0, 1]), [1]);
        assert_eq!(talk_chapters(&chapters, &[0]), [0]);
        assert!(talk_chapters(&chapters, &[]).is_empty());
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
