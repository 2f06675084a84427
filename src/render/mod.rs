//! Render: one parsed [`Chapter`] → its page and its slides, as values; nothing is written.
//!
//! Work that is the same for every page (loading the theme, the sidebar, the book's settings)
//! happens once in [`Frame::new`]. [`chapter`] is then a pure function of a chapter and the
//! frame, so `build` renders chapters in parallel and `serve` re-renders only the one that
//! changed. The pages made of every chapter (print page, whole-talk deck, index, 404) are put
//! together by `site::assemble` from rendered chapters, with the templates the frame renders.

pub mod code;
pub mod deck;
pub mod highlight;
pub mod markdown;
pub mod mathjax;
pub mod print_anchors;
pub mod redirect;
pub mod sidebar;
pub mod theme;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Serialize;

use crate::book::{Book, Chapter, NavEntry};
use crate::config::Config;
use crate::error::{Error, Result};
pub use crate::page::{PageSummary, Section};
pub use markdown::Heading;
use theme::Theme;

/// Stands for the relative way back to the site root inside the once-rendered sidebar;
/// replaced per page (a sidebar rendered per page would cost O(pages²) template work).
const ROOT_MARK: &str = "@@DEVOOPS_ROOT@@/";

/// What rendering one chapter produced: its handbook page and its slides.
#[derive(Debug, Clone)]
pub struct RenderedChapter {
    /// The chapter's place in `Book::chapters`.
    pub index: usize,
    /// Path, title, sections and anchors of the handbook page.
    pub page: PageSummary,
    /// The complete handbook page.
    pub html: String,
    /// Just the chapter's body HTML (what the print page is made of).
    pub body: String,
    /// The anchors of the page's headings, which the slides link back to.
    heading_ids: Vec<String>,
    /// The chapter's slides, for its own deck and the whole-talk deck (empty: no deck).
    /// Rendered with the page by [`chapter`]; after [`page`] only when first asked for.
    slides: OnceLock<Vec<deck::RenderedSlide>>,
}

impl RenderedChapter {
    /// The chapter's slides, rendered now if [`page`] left them out. `chapter` must be the
    /// one this was rendered from.
    pub fn slides(&self, chapter: &Chapter) -> &[deck::RenderedSlide] {
        self.slides.get_or_init(|| match chapter.has_slides() {
            true => deck::render_slides(chapter, &self.heading_ids),
            false => Vec::new(),
        })
    }
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
    /// The site icon's path from the root.
    favicon: &'static str,
    mathjax: bool,
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

/// A chapter as its neighbours' prev/next links and the sitemap name it.
#[derive(Debug, Clone)]
struct ChapterLink {
    title: String,
    path: String,
}

/// Everything every page of a book shares, prepared once: the theme's templates and assets,
/// the sidebar, the book's settings and the chapter list. It depends on `book.toml`,
/// SUMMARY.md and the theme, never on a chapter's text, so `serve` keeps it across saves.
pub struct Frame {
    pub theme: Theme,
    config: Config,
    chapters: Vec<ChapterLink>,
    /// Problems found while rendering (a code block shown plain), for the build's report.
    warnings: std::sync::Mutex<Vec<String>>,
    /// The Markdown of the 404 page (mdBook's `input-404`, default `src/404.md`), if any.
    not_found_markdown: Option<String>,
    sidebar: String,
    /// Large books load the sidebar from one shared `toc.js` instead of repeating it per page.
    sidebar_shared: bool,
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

/// The theme folders on disk stacked over the built-in theme: the repository's
/// `themes/default/` and the book's own (`[output.html] theme`, default `theme/`).
pub fn theme_layers(root: &Path, config: &Config) -> [PathBuf; 2] {
    let own = config.output.html.theme.as_deref();
    [
        root.join("themes/default"),
        root.join(own.unwrap_or(Path::new("theme"))),
    ]
}

/// Renders one chapter: its handbook page and its slides. Pure: it reads and writes no file.
/// The page and the slides share one highlighting of the chapter's code.
pub fn chapter(chapter: &Chapter, frame: &Frame) -> Result<RenderedChapter> {
    highlight::with_block_cache(|| {
        let rendered = page(chapter, frame)?;
        rendered.slides(chapter);
        Ok(rendered)
    })
}

/// Renders one chapter's handbook page and leaves its slides for when they are first asked
/// for ([`RenderedChapter::slides`]): `serve` shows a saved chapter's page before its deck.
pub fn page(chapter: &Chapter, frame: &Frame) -> Result<RenderedChapter> {
    let handbook = chapter.parsed.handbook();
    let rendered = markdown::render_with_code(&handbook, &frame.config.output.html.code);
    frame.note_stuck_blocks(chapter, &handbook);
    let path = chapter.output_path();
    let root = path_to_root(&path);
    let slides_href = chapter.has_slides().then(|| deck::slides_link(chapter));
    let html = frame.page_html(chapter, &path, &root, &rendered, slides_href)?;
    Ok(RenderedChapter {
        index: chapter.index,
        page: PageSummary {
            anchors: markdown::html_ids(&rendered.html),
            path,
            title: chapter.title.clone(),
            sections: rendered.sections,
        },
        html,
        heading_ids: rendered.headings.into_iter().map(|h| h.id).collect(),
        body: rendered.html,
        slides: OnceLock::new(),
    })
}

/// What `index.html` is, when no `README.md` chapter claims it.
pub enum IndexPage {
    /// A chapter's page is `index.html` already.
    Chapter,
    /// A copy of the first chapter's page (it lives at the site root too).
    CopyOfFirst,
    /// A page sending the reader to the first chapter, which lives in a folder.
    Redirect(String),
    /// The book has no chapters.
    Empty(String),
}

impl Frame {
    pub fn new(book: &Book) -> Result<Frame> {
        let theme = Theme::load(&theme_layers(&book.root, &book.config))?;
        let mut frame = Frame {
            theme,
            config: book.config.clone(),
            chapters: book
                .chapters
                .iter()
                .map(|c| ChapterLink {
                    title: c.title.clone(),
                    path: c.output_path(),
                })
                .collect(),
            warnings: Default::default(),
            not_found_markdown: {
                let html = &book.config.output.html;
                let source = book
                    .src_dir
                    .join(html.input_404.as_deref().unwrap_or("404.md"));
                source
                    .is_file()
                    .then(|| crate::error::read_text(&source))
                    .transpose()?
            },
            sidebar: String::new(),
            sidebar_shared: false,
        };
        frame.sidebar = frame.render_sidebar(book)?;
        frame.sidebar_shared = sidebar::should_share(frame.sidebar.len(), book.chapters.len());
        Ok(frame)
    }

    pub fn title(&self) -> &str {
        self.config.book.title.as_deref().unwrap_or("Untitled book")
    }

    /// The warnings rendering has found so far, taken out of the renderer.
    pub fn take_warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }

    /// Turns the code blocks this thread just showed as plain text into warnings.
    fn note_stuck_blocks(&self, chapter: &Chapter, markdown: &str) {
        let stuck = highlight::take_stuck_blocks();
        if stuck.is_empty() {
            return;
        }
        if let Ok(mut warnings) = self.warnings.lock() {
            warnings.extend(
                stuck
                    .iter()
                    .map(|b| b.warning(&chapter.origin, markdown, chapter.first_line)),
            );
        }
    }

    fn show_numbers(&self) -> bool {
        !self.config.output.html.no_section_label
    }

    /// A book's own `theme/favicon.svg` or `favicon.png` (mdBook's places), else the default.
    fn favicon(&self) -> &'static str {
        ["favicon.svg", "favicon.png"]
            .into_iter()
            .find(|name| self.theme.assets.contains_key(*name))
            .unwrap_or("images/favicon.svg")
    }

    fn base_context(&self, path_to_root: &str) -> tera::Context {
        let html = &self.config.output.html;
        let book = BookCtx {
            title: self.title(),
            description: self.config.book.description.as_deref().unwrap_or(""),
            authors: &self.config.book.authors,
            language: &self.config.book.language,
            default_theme: html.default_theme.as_deref().unwrap_or("auto"),
            git_repository_url: html.git_repository_url.as_deref(),
            additional_css: html.additional_css.iter().map(|p| slash_path(p)).collect(),
            additional_js: html.additional_js.iter().map(|p| slash_path(p)).collect(),
            print_enabled: html.print.enable,
            search_enabled: html.search.enable,
            favicon: self.favicon(),
            mathjax: html.mathjax_support,
        };
        let mut ctx = tera::Context::new();
        ctx.insert("book", &book);
        ctx.insert("path_to_root", path_to_root);
        ctx
    }

    fn render_sidebar(&self, book: &Book) -> Result<String> {
        let show = self.show_numbers();
        let items: Vec<NavItem> = book
            .nav
            .iter()
            .map(|entry| match entry {
                NavEntry::Chapter(i) => {
                    let c = &book.chapters[*i];
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
        let fold = &self.config.output.html.fold;
        ctx.insert("fold_level", &fold.enable.then(|| fold.level.to_string()));
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

    /// `toc.js` and `toc.html`, when the sidebar is shared rather than inlined.
    pub fn shared_sidebar(&self) -> Option<[(&'static str, String); 2]> {
        // Every site has them, as every mdBook site does; only large books' pages load
        // `toc.js` instead of an inline list.
        Some(sidebar::shared_files(&self.sidebar, self.title()))
    }

    fn link_to(&self, index: Option<usize>, path_to_root: &str) -> Option<LinkCtx> {
        let c = self.chapters.get(index?)?;
        Some(LinkCtx {
            title: c.title.clone(),
            href: format!("{path_to_root}{}", c.path),
        })
    }

    fn page_html(
        &self,
        chapter: &Chapter,
        path: &str,
        root: &str,
        rendered: &markdown::RenderedMarkdown,
        slides_href: Option<String>,
    ) -> Result<String> {
        let number = section_number(&chapter.number, self.show_numbers());
        let html_title = match &chapter.title_override {
            Some(t) => t.clone(),
            None if chapter.title == self.title() => chapter.title.clone(),
            None => format!("{} - {}", chapter.title, self.title()),
        };
        let edit_url = self.config.output.html.edit_url_template.as_ref().map(|t| {
            let source = self.config.book.src.join(&chapter.source_path);
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
            prev: self.link_to(chapter.index.checked_sub(1), root),
            next: self.link_to(Some(chapter.index + 1), root),
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

    /// mdBook serves the first chapter as `index.html` when no `README.md` claims it.
    pub fn index_page(&self) -> Result<IndexPage> {
        let Some(first) = self.chapters.first() else {
            let ctx = self.base_context("");
            return Ok(IndexPage::Empty(self.theme.render("404.html", &ctx)?));
        };
        if self.chapters.iter().any(|c| c.path == "index.html") {
            return Ok(IndexPage::Chapter);
        }
        if !first.path.contains('/') {
            return Ok(IndexPage::CopyOfFirst);
        }
        let target = highlight::escape_html(&first.path);
        Ok(IndexPage::Redirect(format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0; url={target}\"><title>{}</title></head><body><a href=\"{target}\">{}</a></body></html>\n",
            highlight::escape_html(self.title()),
            highlight::escape_html(&first.title)
        )))
    }

    /// The whole book on one page, with `body(i)` standing in for chapter `i`'s body (a
    /// marker the caller streams the body into).
    pub fn print_page(
        &self,
        pages: &[&PageSummary],
        body: impl Fn(usize) -> String,
    ) -> Result<String> {
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
                id: print_anchors::chapter_id(&summary.path),
                content: body(i),
            })
            .collect();
        let mut ctx = self.base_context("");
        ctx.insert("chapters", &chapters);
        ctx.insert("sidebar", &self.sidebar_for("print.html", ""));
        self.theme.render("print.html", &ctx)
    }

    fn site_url(&self) -> String {
        let url = self
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

    /// The redirect pages, `CNAME` and MathJax book.toml asks for, as `(path, bytes)`; entries
    /// that cannot be written become warnings.
    pub fn extra_files(&self, book_toml: &Path) -> Vec<(String, Vec<u8>)> {
        let html = &self.config.output.html;
        let (files, warnings) = redirect::files(html, book_toml);
        if let Ok(mut all) = self.warnings.lock() {
            all.extend(warnings);
        }
        let mut files: Vec<(String, Vec<u8>)> = files
            .into_iter()
            .map(|(p, t)| (p, t.into_bytes()))
            .collect();
        if html.mathjax_support {
            files.extend(mathjax::files());
        }
        files
    }

    /// The 404 page is served for any missing path, so its links start from the site URL.
    pub fn not_found_page(&self) -> Result<String> {
        let base = self.site_url();
        let mut ctx = self.base_context(&base);
        ctx.insert("sidebar", &self.sidebar_for("404.html", &base));
        if let Some(text) = &self.not_found_markdown {
            let body = markdown::render_with_code(text, &self.config.output.html.code).html;
            ctx.insert("not_found", &prefix_relative_urls(&body, &base));
        }
        self.theme.render("404.html", &ctx)
    }

    /// Only with an absolute `site-url`: the sitemap format allows no other `<loc>` (the
    /// book's warnings say why there is none otherwise).
    pub fn sitemap(&self) -> Option<String> {
        let base = self.config.output.html.absolute_site_url()?;
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for chapter in &self.chapters {
            xml.push_str(&format!(
                "  <url><loc>{}</loc></url>\n",
                highlight::escape_html(&format!("{base}{}", chapter.path))
            ));
        }
        xml.push_str("</urlset>\n");
        Some(xml)
    }

    /// The theme's assets and the highlighting stylesheet, by site path.
    pub fn assets(&self) -> Vec<(String, std::borrow::Cow<'_, [u8]>)> {
        let mut assets: Vec<(String, std::borrow::Cow<[u8]>)> = self
            .theme
            .assets
            .iter()
            .map(|(path, file)| (path.clone(), file.bytes.as_slice().into()))
            .collect();
        assets.push((
            "css/highlight.css".into(),
            highlight::stylesheet().into_bytes().into(),
        ));
        assets
    }
}

/// A chapter's body as it appears on the print page, which lives at the site root.
pub fn print_content<'a>(page_path: &str, content: &'a str) -> std::borrow::Cow<'a, str> {
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
pub fn prefix_relative_urls(html: &str, dir: &str) -> String {
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
        // An empty `[text]()` stays empty: prefixed, it would turn into a folder link.
        let external = value.is_empty()
            || value.starts_with('#')
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
