//! Slide decks: every chapter as a deck of its own (`slides/<chapter>.html`), the whole talk
//! as one deck (`slides/index.html`), and beside each deck a presenter page
//! (`….presenter.html`) with the speaker notes and the time budget.
//!
//! Speaker notes are written into presenter pages only: the audience's deck never carries
//! them, not even hidden, so they cannot leak through "view source" or a screen reader.

use serde::Serialize;

use super::markdown;
use super::{Frame, path_to_root, prefix_relative_urls, with_context};
use crate::book::slides::Slide;
use crate::book::{Book, Chapter};
use crate::error::Result;

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
#[derive(Debug, Clone)]
pub struct RenderedSlide {
    pub html: String,
    pub notes_html: String,
    pub title: String,
    /// The handbook heading the slide belongs to.
    pub section: Option<String>,
    /// Every handbook heading from this slide's section up to the next slide's, so a reader
    /// can jump from any heading of the handbook to the slide that covers it.
    pub sections: Vec<String>,
}

/// Renders a chapter's slides; `handbook_ids` are the anchors of its handbook page's headings.
pub fn render_slides(chapter: &Chapter, handbook_ids: &[String]) -> Vec<RenderedSlide> {
    let split = chapter.parsed.slides();
    let definitions = chapter.parsed.link_definitions();
    let with_definitions = |markdown: &str| format!("{markdown}\n\n{definitions}");
    let section_ranges = covered_sections(&split, handbook_ids.len());
    split
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
        .collect()
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

/// The prefix that moves a relative URL of the chapter's handbook page to where `deck` is.
pub fn url_prefix(deck: &str, chapter: &Chapter) -> String {
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
pub fn relocate(html: &str, prefix: &str) -> String {
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

/// One chapter's slides in a deck.
pub struct DeckPart<'a> {
    pub chapter: &'a Chapter,
    pub slides: &'a [RenderedSlide],
}

/// Which chapters a deck shows, and where it is written.
pub struct DeckPlan<'a> {
    kind: &'static str,
    title: String,
    pub path: String,
    parts: Vec<DeckPart<'a>>,
    /// Slide number of this deck's first slide in the whole-talk deck.
    talk_start: Option<usize>,
}

impl<'a> DeckPlan<'a> {
    /// A chapter's own deck; `talk_start` is where its slides start in the whole talk.
    pub fn chapter(part: DeckPart<'a>, talk_start: Option<usize>) -> DeckPlan<'a> {
        DeckPlan {
            kind: "chapter",
            title: part.chapter.title.clone(),
            path: chapter_deck_path(part.chapter),
            parts: vec![part],
            talk_start,
        }
    }

    /// The whole talk: the parts in book order.
    pub fn talk(title: &str, parts: Vec<DeckPart<'a>>) -> DeckPlan<'a> {
        DeckPlan {
            kind: "talk",
            title: title.to_string(),
            path: TALK_DECK.to_string(),
            parts,
            talk_start: None,
        }
    }
}

/// What the decks need to know of the whole book, from its parsed chapters alone (nothing
/// rendered): which chapters make up the whole talk and where each one starts in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// Number of the chapter's first slide in the whole-talk deck, for chapters in the talk.
    pub talk_start: Vec<Option<usize>>,
    /// How many slides the whole talk has.
    pub talk_slides: usize,
}

impl Outline {
    pub fn new(book: &Book) -> Outline {
        let with_slides: Vec<usize> = (0..book.chapters.len())
            .filter(|&i| book.chapters[i].has_slides())
            .collect();
        let mut talk_start = vec![None; book.chapters.len()];
        let mut talk_slides = 0;
        for i in talk_chapters(&book.chapters, &with_slides) {
            talk_start[i] = Some(talk_slides + 1);
            talk_slides += book.chapters[i].parsed.slide_count;
        }
        Outline {
            talk_start,
            talk_slides,
        }
    }
}

impl Frame {
    /// A deck's two pages: its presenter page (with the notes), then the audience deck.
    pub fn deck_pages(&self, plan: &DeckPlan) -> Result<[(String, String); 2]> {
        // One context for both pages (relocating every slide once): the presenter page with
        // the notes, then the audience deck with the notes taken out.
        let mut ctx = self.deck_context(plan, true);
        let mut render = |presenter: bool| -> Result<(String, String)> {
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
            Ok((path, html))
        };
        Ok([render(true)?, render(false)?])
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
            for slide in part.slides {
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
    use crate::book::Parsed;

    fn chapter(source: &str) -> Chapter {
        Chapter {
            title: "T".into(),
            number: None,
            depth: 0,
            source_path: PathBuf::from(source),
            origin: PathBuf::from(source),
            first_line: 1,
            verbatim: true,
            front: Default::default(),
            title_override: None,
            dependencies: Vec::new(),
            index: 0,
            parsed: Parsed::default(),
            warnings: Vec::new(),
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
        let text = "# A\n\n### a1\n\n### a2\n\n---\n\nmore\n\n## B\n\n### b1\n";
        md.parsed = Parsed::parse(text, &md.origin, 1, 2).unwrap();
        let ids: Vec<String> = markdown::render(&md.parsed.handbook())
            .headings
            .into_iter()
            .map(|h| h.id)
            .collect();
        let slides = render_slides(&md, &ids);
        let covered: Vec<Vec<String>> = slides.iter().map(|s| s.sections.clone()).collect();
        assert_eq!(
            covered,
            [
                vec!["a".to_string(), "a1".into()],
                vec!["a2".to_string()],
                vec!["b".to_string(), "b1".into()],
            ]
        );
        assert_eq!(slides[2].title, "B");
        assert_eq!(slides[1].title, "T", "untitled slides take the chapter's");
    }
}
