//! Render: a [`Book`] → pages, written to an [`Output`].
//!
//! Work that is the same for every page (loading the theme, the sidebar, the highlighting CSS)
//! happens once in [`Renderer::new`]; pages then render in parallel, each written out as soon
//! as it is done rather than held in memory.

pub mod blocks;
pub mod deck;
pub mod highlight;
pub mod markdown;
pub mod sidebar;
pub mod slides;
pub mod spool;
pub mod theme;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use crate::book::{Book, Chapter, NavEntry};
use crate::error::{Error, Result};
use crate::site::Output;
pub use markdown::{Heading, Section};
use theme::Theme;

/// Stands for the relative way back to the site root inside the once-rendered sidebar;
/// replaced per page (a sidebar rendered per page would cost O(pages²) template work).
const ROOT_MARK: &str = "@@DEVOOPS_ROOT@@/";

/// What rendering one chapter produced.
#[derive(Debug, Clone)]
pub struct RenderedPage {
    pub path: String,
    /// The complete HTML page.
    pub html: String,
    /// Just the chapter's body HTML (for the print page).
    pub content: String,
    pub headings: Vec<Heading>,
    pub sections: Vec<Section>,
}

/// A page's summary and, when asked for, its body HTML (what the print page is made of).
type SummaryAndContent = (PageSummary, Option<String>);

/// What the search index and link checker need from a page, without its HTML.
#[derive(Debug, Clone, Serialize)]
pub struct PageSummary {
    pub path: String,
    pub title: String,
    pub sections: Vec<Section>,
    /// Every `id` in the page body (headings, footnotes, raw HTML): what `#anchor` links may name.
    pub anchors: Vec<String>,
}

#[derive(Serialize)]
struct NavItem {
    kind: &'static str,
    title: String,
    number: String,
    href: String,
    depth: usize,
}

#[derive(Serialize)]
struct LinkCtx {
    title: String,
    href: String,
}

#[derive(Serialize)]
struct BookCtx<'a> {
    title: &'a str,
    description: &'a str,
    authors: &'a [String],
    language: &'a str,
    default_theme: &'a str,
    git_repository_url: Option<&'a str>,
    additional_css: Vec<String>,
    additional_js: Vec<String>,
    print_enabled: bool,
    search_enabled: bool,
}

#[derive(Serialize)]
struct PageCtx<'a> {
    title: &'a str,
    html_title: String,
    number: String,
    path: &'a str,
    source_path: String,
    content: &'a str,
    toc: &'a [Heading],
    prev: Option<LinkCtx>,
    next: Option<LinkCtx>,
    minutes: Option<u32>,
    edit_url: Option<String>,
    /// The chapter's slide deck, when it has slides.
    slides_href: Option<String>,
}

pub struct Renderer<'b> {
    book: &'b Book,
    pub theme: Theme,
    sidebar: String,
    /// Large books load the sidebar from one shared `toc.js` instead of repeating it per page.
    sidebar_shared: bool,
}

/// What a [`Renderer`] prepares once from the theme, `book.toml` and SUMMARY. `serve` keeps it
/// between rebuilds so an edited chapter re-renders without reloading templates or the sidebar.
pub struct RendererParts {
    theme: Theme,
    sidebar: String,
}

/// `../` repeated once per folder of `page_path`, the way back to the site root.
pub fn path_to_root(page_path: &str) -> String {
    "../".repeat(page_path.matches('/').count())
}

fn section_number(number: &Option<Vec<u32>>, show: bool) -> String {
    match number {
        Some(n) if show => n.iter().map(|x| format!("{x}.")).collect(),
        _ => String::new(),
    }
}

impl<'b> Renderer<'b> {
    pub fn new(book: &'b Book) -> Result<Renderer<'b>> {
        let mut layers = vec![book.root.join("themes/default")];
        let own_theme = book
            .config
            .output
            .html
            .theme
            .clone()
            .unwrap_or_else(|| PathBuf::from("theme"));
        layers.push(book.root.join(own_theme));
        let theme = Theme::load(&layers)?;
        let mut renderer = Renderer {
            book,
            theme,
            sidebar: String::new(),
            sidebar_shared: false,
        };
        renderer.sidebar = renderer.render_sidebar()?;
        renderer.sidebar_shared =
            sidebar::should_share(renderer.sidebar.len(), book.chapters.len());
        Ok(renderer)
    }

    /// A renderer for `book` reusing `parts` prepared for a book with the same `book.toml`,
    /// SUMMARY and theme (only chapter sources may differ).
    pub fn from_parts(book: &'b Book, parts: RendererParts) -> Renderer<'b> {
        Renderer {
            book,
            theme: parts.theme,
            sidebar_shared: sidebar::should_share(parts.sidebar.len(), book.chapters.len()),
            sidebar: parts.sidebar,
        }
    }

    pub fn into_parts(self) -> RendererParts {
        RendererParts {
            theme: self.theme,
            sidebar: self.sidebar,
        }
    }

    pub fn book(&self) -> &Book {
        self.book
    }

    fn show_numbers(&self) -> bool {
        !self.book.config.output.html.no_section_label
    }

    fn base_context(&self, path_to_root: &str) -> tera::Context {
        let html = &self.book.config.output.html;
        let book = BookCtx {
            title: self.book.title(),
            description: self.book.config.book.description.as_deref().unwrap_or(""),
            authors: &self.book.config.book.authors,
            language: &self.book.config.book.language,
            default_theme: html.default_theme.as_deref().unwrap_or("auto"),
            git_repository_url: html.git_repository_url.as_deref(),
            additional_css: html.additional_css.iter().map(|p| slash_path(p)).collect(),
            additional_js: html.additional_js.iter().map(|p| slash_path(p)).collect(),
            print_enabled: html.print.enable,
            search_enabled: html.search.enable,
        };
        let mut ctx = tera::Context::new();
        ctx.insert("book", &book);
        ctx.insert("path_to_root", path_to_root);
        ctx
    }

    fn render_sidebar(&self) -> Result<String> {
        let show = self.show_numbers();
        let items: Vec<NavItem> = self
            .book
            .nav
            .iter()
            .map(|entry| match entry {
                NavEntry::Chapter(i) => {
                    let c = &self.book.chapters[*i];
                    NavItem {
                        kind: "chapter",
                        title: c.title.clone(),
                        number: section_number(&c.number, show),
                        href: c.output_path(),
                        depth: c.depth,
                    }
                }
                NavEntry::Draft {
                    title,
                    number,
                    depth,
                } => NavItem {
                    kind: "draft",
                    title: title.clone(),
                    number: section_number(number, show),
                    href: String::new(),
                    depth: *depth,
                },
                NavEntry::Part(title) => NavItem {
                    kind: "part",
                    title: title.clone(),
                    number: String::new(),
                    href: String::new(),
                    depth: 0,
                },
                NavEntry::Separator => NavItem {
                    kind: "separator",
                    title: String::new(),
                    number: String::new(),
                    href: String::new(),
                    depth: 0,
                },
            })
            .collect();
        let mut ctx = self.base_context(ROOT_MARK);
        ctx.insert("nav", &items);
        self.theme.render("sidebar.html", &ctx)
    }

    /// The sidebar for one page: links made relative to it, its own entry marked current.
    fn sidebar_for(&self, page_path: &str, path_to_root: &str) -> String {
        if self.sidebar_shared {
            return sidebar::loader(path_to_root);
        }
        let marker = format!("data-path=\"{page_path}\"");
        self.sidebar.replace(ROOT_MARK, path_to_root).replacen(
            &marker,
            &format!("{marker} aria-current=\"page\""),
            1,
        )
    }

    fn link_to(&self, index: Option<usize>, path_to_root: &str) -> Option<LinkCtx> {
        let c = self.book.chapters.get(index?)?;
        Some(LinkCtx {
            title: c.title.clone(),
            href: format!("{path_to_root}{}", c.output_path()),
        })
    }

    /// Renders chapter `index` to a complete page.
    pub fn render_chapter(&self, index: usize) -> Result<RenderedPage> {
        let chapter = &self.book.chapters[index];
        let pieces = blocks::scan(&chapter.markdown, &chapter.origin, chapter.first_line)?;
        let level = self.book.config.devoops.slide_heading_level;
        let has_slides = !slides::split(&pieces, level).is_empty();
        self.render_chapter_from(index, &pieces, has_slides)
    }

    /// [`Renderer::render_chapter`] from the chapter's scanned `pieces`, when the caller
    /// already knows whether the chapter has slides (a full build cuts each chapter once).
    fn render_chapter_from(
        &self,
        index: usize,
        pieces: &[blocks::Piece],
        has_slides: bool,
    ) -> Result<RenderedPage> {
        let chapter = &self.book.chapters[index];
        let rendered = markdown::render(&blocks::handbook_markdown(pieces));
        let path = chapter.output_path();
        let root = path_to_root(&path);
        let slides_href = has_slides.then(|| deck::slides_link(chapter));
        let html = self.page_html(chapter, index, &path, &root, &rendered, slides_href)?;
        Ok(RenderedPage {
            path,
            html,
            content: rendered.html,
            headings: rendered.headings,
            sections: rendered.sections,
        })
    }

    fn page_html(
        &self,
        chapter: &Chapter,
        index: usize,
        path: &str,
        root: &str,
        rendered: &markdown::RenderedMarkdown,
        slides_href: Option<String>,
    ) -> Result<String> {
        let number = section_number(&chapter.number, self.show_numbers());
        let html_title = match &chapter.title_override {
            Some(t) => t.clone(),
            None if chapter.title == self.book.title() => chapter.title.clone(),
            None => format!("{} - {}", chapter.title, self.book.title()),
        };
        let edit_url = self
            .book
            .config
            .output
            .html
            .edit_url_template
            .as_ref()
            .map(|t| {
                let source = self.book.config.book.src.join(&chapter.source_path);
                t.replace("{path}", &slash_path(&source))
            });
        let page = PageCtx {
            title: &chapter.title,
            html_title,
            number,
            path,
            source_path: slash_path(&chapter.source_path),
            content: &rendered.html,
            toc: &rendered.headings,
            prev: self.link_to(index.checked_sub(1), root),
            next: self.link_to(Some(index + 1), root),
            minutes: chapter.front.minutes,
            edit_url,
            slides_href,
        };
        let mut ctx = self.base_context(root);
        ctx.insert("page", &page);
        ctx.insert("sidebar", &self.sidebar_for(path, root));
        self.theme.render("page.html", &ctx).map_err(|e| {
            with_context(
                e,
                &format!("while rendering {}", chapter.source_path.display()),
            )
        })
    }

    /// Renders the whole site into `out`. `progress` is called once per finished page.
    ///
    /// Pages are written as they finish; what the pages made of every chapter (print page,
    /// whole-talk deck) need waits in spools on disk, so memory holds only the chapters being
    /// rendered, not the book. `alongside` runs on the finished pages' summaries while the
    /// pages made of every chapter (whole-talk deck, print page, search index) are written:
    /// `build` checks links there instead of after the last write.
    pub fn render_all_alongside<R: Send>(
        &self,
        out: &dyn Output,
        progress: &(dyn Fn(usize, usize) + Sync),
        alongside: impl FnOnce(&[&PageSummary]) -> R + Send,
    ) -> Result<(Vec<PageSummary>, R)> {
        let (pages, result) = self.render_site(out, progress, false, alongside)?;
        Ok((
            pages.into_iter().map(|(summary, _)| summary).collect(),
            result,
        ))
    }

    /// The whole site as [`Renderer::render_all_alongside`] renders it, also returning each chapter's body HTML (what the print page
    /// is made of), so `serve` can rebuild the print page after one chapter changes.
    pub fn render_all_pages(
        &self,
        out: &dyn Output,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<(PageSummary, String)>> {
        let (pages, ()) = self.render_site(out, progress, true, |_| ())?;
        Ok(pages
            .into_iter()
            .map(|(summary, content)| (summary, content.unwrap_or_default()))
            .collect())
    }

    fn render_site<R: Send>(
        &self,
        out: &dyn Output,
        progress: &(dyn Fn(usize, usize) + Sync),
        keep_content: bool,
        alongside: impl FnOnce(&[&PageSummary]) -> R + Send,
    ) -> Result<(Vec<SummaryAndContent>, R)> {
        let total = self.book.chapters.len();
        let done = AtomicUsize::new(0);
        let print = self
            .book
            .config
            .output
            .html
            .print
            .enable
            .then(|| spool::Spool::new(total))
            .transpose()?;
        let decks = deck::DeckOutline::new(self.book)?;
        type Rendered<'a> = (PageSummary, Option<String>, Option<deck::ChapterSlides<'a>>);
        let rendered: Vec<Rendered> = (0..total)
            .into_par_iter()
            .map(|i| {
                // The chapter's page and its deck share one highlighting of its code.
                // Both are made from the chapter's Markdown scanned and cut into slides once.
                let (page, talk_part) = highlight::with_block_cache(|| -> Result<_> {
                    let chapter = &self.book.chapters[i];
                    let pieces =
                        blocks::scan(&chapter.markdown, &chapter.origin, chapter.first_line)?;
                    let level = self.book.config.devoops.slide_heading_level;
                    let split = slides::split(&pieces, level);
                    let page = self.render_chapter_from(i, &pieces, !split.is_empty())?;
                    let ids: Vec<String> = page.headings.iter().map(|h| h.id.clone()).collect();
                    let talk_part =
                        self.write_chapter_deck_from(out, &decks, i, &ids, &pieces, &split)?;
                    Ok((page, talk_part))
                })?;
                out.write(&page.path, page.html.as_bytes())?;
                drop(page.html);
                if let Some(spool) = &print {
                    spool.add(i, &print_content(&page.path, &page.content))?;
                }
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                let summary = PageSummary {
                    anchors: markdown::html_ids(&page.content),
                    path: page.path,
                    title: self.book.chapters[i].title.clone(),
                    sections: page.sections,
                };
                Ok((summary, keep_content.then_some(page.content), talk_part))
            })
            .collect::<Result<_>>()?;
        let mut pages = Vec::with_capacity(total);
        let mut talk_parts = Vec::new();
        for (summary, content, talk_part) in rendered {
            pages.push((summary, content));
            talk_parts.extend(talk_part);
        }
        let summaries: Vec<&PageSummary> = pages.iter().map(|(s, _)| s).collect();

        self.write_index(out)?;
        // The pages made of every chapter are independent of each other: the whole-talk deck
        // and the print page stream from their spools while the search index is built and
        // the caller's `alongside` work runs.
        let ((talk, alongside_result), (printed, indexed)) = rayon::join(
            || {
                rayon::join(
                    || self.write_talk_deck(out, &decks, talk_parts),
                    || alongside(&summaries),
                )
            },
            || {
                rayon::join(
                    || match &print {
                        Some(spool) => self.write_print_spooled(out, &summaries, spool),
                        None => Ok(()),
                    },
                    || self.write_search_index(out, &summaries),
                )
            },
        );
        talk?;
        printed?;
        indexed?;
        if self.sidebar_shared {
            sidebar::write_shared(out, &self.sidebar, self.book.title())?;
        }
        self.write_404(out)?;
        self.write_sitemap(out)?;
        self.write_assets(out)?;
        self.copy_static_files(out)?;
        Ok((pages, alongside_result))
    }

    /// `searchindex.js`, unless `[output.html.search] enable = false`.
    pub fn write_search_index(&self, out: &dyn Output, pages: &[&PageSummary]) -> Result<()> {
        if self.book.config.output.html.search.enable {
            crate::search::write_index(pages, out)?;
        }
        Ok(())
    }

    /// mdBook serves the first chapter as `index.html` when no `README.md` claims it.
    pub fn write_index(&self, out: &dyn Output) -> Result<()> {
        let Some(first) = self.book.chapters.first() else {
            let ctx = self.base_context("");
            return out.write(
                "index.html",
                self.theme.render("404.html", &ctx)?.as_bytes(),
            );
        };
        if self
            .book
            .chapters
            .iter()
            .any(|c| c.output_path() == "index.html")
        {
            return Ok(());
        }
        let first_path = first.output_path();
        if !first_path.contains('/') {
            let page = self.render_chapter(0)?;
            return out.write("index.html", page.html.as_bytes());
        }
        let target = highlight::escape_html(&first_path);
        let html = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0; url={target}\"><title>{}</title></head><body><a href=\"{target}\">{}</a></body></html>\n",
            highlight::escape_html(self.book.title()),
            highlight::escape_html(&first.title)
        );
        out.write("index.html", html.as_bytes())
    }

    /// The whole book on one page; `pages` as returned by [`Renderer::render_all_pages`].
    pub fn write_print(&self, out: &dyn Output, pages: &[(PageSummary, String)]) -> Result<()> {
        let spool = spool::Spool::new(pages.len())?;
        for (i, (summary, content)) in pages.iter().enumerate() {
            spool.add(i, &print_content(&summary.path, content))?;
        }
        let summaries: Vec<&PageSummary> = pages.iter().map(|(s, _)| s).collect();
        self.write_print_spooled(out, &summaries, &spool)
    }

    /// The print page, streamed: chapter bodies come from the spool one at a time.
    fn write_print_spooled(
        &self,
        out: &dyn Output,
        pages: &[&PageSummary],
        spool: &spool::Spool,
    ) -> Result<()> {
        #[derive(Serialize)]
        struct PrintChapter<'a> {
            title: &'a str,
            id: String,
            content: String,
        }
        let chapters: Vec<PrintChapter> = pages
            .iter()
            .enumerate()
            .map(|(i, summary)| PrintChapter {
                title: &summary.title,
                id: markdown::slugify(&summary.path.replace(['/', '.'], "-")),
                content: spool::marker(i),
            })
            .collect();
        let mut ctx = self.base_context("");
        ctx.insert("chapters", &chapters);
        ctx.insert("sidebar", &self.sidebar_for("print.html", ""));
        let rendered = self.theme.render("print.html", &ctx)?;
        out.write_pieces("print.html", &mut spool.pieces(&rendered))
    }

    fn site_url(&self) -> String {
        let url = self
            .book
            .config
            .output
            .html
            .site_url
            .clone()
            .unwrap_or_else(|| "/".into());
        if url.ends_with('/') {
            url
        } else {
            format!("{url}/")
        }
    }

    /// The 404 page is served for any missing path, so its links start from the site URL.
    fn write_404(&self, out: &dyn Output) -> Result<()> {
        let base = self.site_url();
        let mut ctx = self.base_context(&base);
        ctx.insert("sidebar", &self.sidebar_for("404.html", &base));
        out.write("404.html", self.theme.render("404.html", &ctx)?.as_bytes())
    }

    fn write_sitemap(&self, out: &dyn Output) -> Result<()> {
        let base = self.site_url();
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for chapter in &self.book.chapters {
            xml.push_str(&format!(
                "  <url><loc>{}</loc></url>\n",
                highlight::escape_html(&format!("{base}{}", chapter.output_path()))
            ));
        }
        xml.push_str("</urlset>\n");
        out.write("sitemap.xml", xml.as_bytes())
    }

    fn write_assets(&self, out: &dyn Output) -> Result<()> {
        for (path, file) in &self.theme.assets {
            out.write(path, &file.bytes)?;
        }
        out.write("css/highlight.css", highlight::stylesheet().as_bytes())?;
        let html = &self.book.config.output.html;
        for extra in html.additional_css.iter().chain(&html.additional_js) {
            let source = self.book.root.join(extra);
            let bytes = std::fs::read(&source).map_err(|e| {
                Error::io(&source, &e).help("fix `additional-css`/`additional-js` in book.toml: paths are relative to the book root")
            })?;
            out.write(&slash_path(extra), &bytes)?;
        }
        Ok(())
    }

    /// Everything under the source folder that is not Markdown (images, SVG, downloads).
    fn copy_static_files(&self, out: &dyn Output) -> Result<()> {
        let src = &self.book.src_dir;
        let build_dir = self.book.root.join(&self.book.config.build.build_dir);
        let walker = walkdir::WalkDir::new(src).into_iter().filter_entry(|e| {
            e.depth() == 0
                || (!e.file_name().to_string_lossy().starts_with('.') && e.path() != build_dir)
        });
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
            let bytes = std::fs::read(entry.path()).map_err(|e| Error::io(entry.path(), &e))?;
            out.write(&slash_path(rel), &bytes)?;
        }
        Ok(())
    }
}

/// A chapter's body as it appears on the print page, which lives at the site root.
fn print_content<'a>(page_path: &str, content: &'a str) -> std::borrow::Cow<'a, str> {
    match page_path.rsplit_once('/') {
        Some((dir, _)) => prefix_relative_urls(content, &format!("{dir}/")).into(),
        None => content.into(),
    }
}

fn with_context(mut e: Error, context: &str) -> Error {
    e.message = format!("{} ({context})", e.message);
    e
}

pub fn slash_path(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// For the print page: a chapter from `dir/` moves to the root, so its relative `href`/`src`
/// values need `dir/` in front. Anchors, absolute and external URLs stay as they are.
fn prefix_relative_urls(html: &str, dir: &str) -> String {
    use memchr::memmem::Finder;
    let (href, src) = (Finder::new(b"href=\""), Finder::new(b"src=\""));
    let bytes = html.as_bytes();
    // Where each attribute's value starts next; each is searched for once per occurrence
    // (this runs over every chapter several times: print page, decks).
    let next = |attr: &Finder, from: usize| {
        attr.find(&bytes[from..])
            .map(|p| from + p + attr.needle().len())
    };
    let (mut next_href, mut next_src) = (next(&href, 0), next(&src, 0));
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut copied = 0;
    while let Some(at) = next_href.into_iter().chain(next_src).min() {
        out.push_str(&html[copied..at]);
        copied = at;
        let value = &html[at..at + memchr::memchr(b'"', &bytes[at..]).unwrap_or(html.len() - at)];
        let external = value.starts_with('#')
            || value.starts_with('/')
            || value.starts_with("mailto:")
            || value.contains("://");
        if !external {
            out.push_str(dir);
        }
        if next_href == Some(at) {
            next_href = next(&href, at);
        } else {
            next_src = next(&src, at);
        }
    }
    out.push_str(&html[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_paths() {
        assert_eq!(path_to_root("index.html"), "");
        assert_eq!(path_to_root("labs/x.html"), "../");
        assert_eq!(path_to_root("a/b/c.html"), "../../");
    }

    #[test]
    fn print_page_urls_move_with_their_chapter() {
        let html = r##"<a href="x.html">x</a><a href="#a">a</a><img src="img/p.svg"><a href="https://e.org">e</a>"##;
        assert_eq!(
            prefix_relative_urls(html, "dir/"),
            r##"<a href="dir/x.html">x</a><a href="#a">a</a><img src="dir/img/p.svg"><a href="https://e.org">e</a>"##
        );
    }
}
