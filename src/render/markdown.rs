//! Markdown → HTML with pulldown-cmark, plus what the page around it needs: heading anchors
//! (stable, unique slugs), a table of contents, highlighted code, admonitions from GFM alerts,
//! `.md` links rewritten to `.html`, and the plain text per section for the search index.

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, Parser, Tag, TagEnd,
};

use crate::config::CodeConfig;

use super::highlight::escape_html;
pub use crate::page::{Section, slugify};

/// One heading of a page, for the on-page table of contents and links to sections.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Default)]
pub struct RenderedMarkdown {
    pub html: String,
    pub headings: Vec<Heading>,
    pub sections: Vec<Section>,
}

pub use crate::book::blocks::markdown_options as options;

/// Rewrites a link target for the page: `x.md` → `x.html`, `dir/README.md` → `dir/index.html`,
/// keeping any `#fragment`. External links, mailto and anchors are left alone.
pub fn rewrite_link(url: &str) -> String {
    if url.starts_with('#')
        || url.contains("://")
        || url.starts_with("mailto:")
        || url.starts_with("//")
    {
        return url.to_string();
    }
    let (path, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (url, None),
    };
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let Some(stem) = path.strip_suffix(".md") else {
        return url.to_string();
    };
    let page = if stem == "README" || stem.ends_with("/README") {
        format!("{}index.html", &stem[..stem.len() - "README".len()])
    } else {
        format!("{stem}.html")
    };
    let page = match query {
        Some(q) => format!("{page}?{q}"),
        None => page,
    };
    match fragment {
        Some(f) => format!("{page}#{f}"),
        None => page,
    }
}

fn admonition_name(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

fn level_number(level: HeadingLevel) -> u8 {
    level as u8
}

/// Renders one chapter's Markdown (already stripped to the handbook view).
pub fn render(markdown: &str) -> RenderedMarkdown {
    render_with(markdown, &CodeConfig::default())
}

/// [`render`] with the book's `[output.html.code]` settings (hidden-line prefixes).
pub fn render_with_code(markdown: &str, code: &CodeConfig) -> RenderedMarkdown {
    render_with(markdown, code)
}

fn render_with(markdown: &str, code_config: &CodeConfig) -> RenderedMarkdown {
    let mut out = RenderedMarkdown::default();
    let mut heading_ids = HeadingIds::default();
    let mut events: Vec<Event> = Vec::new();
    let mut section = Section::default();

    let mut footnotes = Footnotes::default();
    // Inside a footnote definition, `events` collects the definition; the page's own events
    // wait here until it ends.
    let mut page_events: Option<(String, Vec<Event>)> = None;
    let mut parser = Parser::new_ext(markdown, options());
    while let Some(event) = parser.next() {
        match event {
            Event::FootnoteReference(label) => {
                let html = footnotes.reference(&label);
                events.push(Event::Html(html.into()));
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                page_events = Some((label.to_string(), std::mem::take(&mut events)));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                if let Some((label, page)) = page_events.take() {
                    let body = std::mem::replace(&mut events, page);
                    footnotes.definitions.push((label, body));
                }
            }
            Event::Start(Tag::DefinitionListTitle) => {
                let mut inner = Vec::new();
                let mut text = String::new();
                for e in parser.by_ref() {
                    match &e {
                        Event::End(TagEnd::DefinitionListTitle) => break,
                        Event::Text(t) | Event::Code(t) => text.push_str(t),
                        _ => {}
                    }
                    inner.push(rewrite_event(e));
                }
                push_text(&mut section.text, &text);
                let id = escape_html(&heading_ids.unique(slugify(&text)));
                events.push(Event::Html(
                    format!("<dt id=\"{id}\"><a class=\"header\" href=\"#{id}\">").into(),
                ));
                events.extend(inner);
                events.push(Event::Html("</a></dt>\n".into()));
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                // Buffer the heading's inline events: the id and TOC need its text first.
                let mut inner = Vec::new();
                let mut text = String::new();
                for e in parser.by_ref() {
                    match &e {
                        Event::End(TagEnd::Heading(_)) => break,
                        Event::Text(t) | Event::Code(t) => text.push_str(t),
                        _ => {}
                    }
                    inner.push(rewrite_event(e));
                }
                let id =
                    heading_ids.unique(id.map(|i| i.to_string()).unwrap_or_else(|| slugify(&text)));
                let n = level_number(level);
                let mut open = format!("<h{n} id=\"{}\"", escape_html(&id));
                if !classes.is_empty() {
                    let names: Vec<&str> = classes.iter().map(|c| c.as_ref()).collect();
                    open.push_str(&format!(" class=\"{}\"", escape_html(&names.join(" "))));
                }
                for (key, value) in &attrs {
                    open.push_str(&format!(
                        " {}=\"{}\"",
                        escape_html(key),
                        escape_html(value.as_deref().unwrap_or(""))
                    ));
                }
                open.push_str(&format!(
                    "><a class=\"header\" href=\"#{}\">",
                    escape_html(&id)
                ));
                events.push(Event::Html(open.into()));
                events.extend(inner);
                events.push(Event::Html(format!("</a></h{n}>\n").into()));
                out.sections.push(std::mem::take(&mut section));
                section.id = Some(id.clone());
                section.heading = text.trim().to_string();
                out.headings.push(Heading {
                    level: n,
                    id,
                    title: text.trim().to_string(),
                });
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let mut code = String::new();
                for e in parser.by_ref() {
                    match e {
                        Event::End(TagEnd::CodeBlock) => break,
                        Event::Text(t) => code.push_str(&t),
                        _ => {}
                    }
                }
                let info = match &kind {
                    CodeBlockKind::Fenced(info) => info.as_ref(),
                    CodeBlockKind::Indented => "",
                };
                push_text(&mut section.text, &code);
                let block = super::code::block(&code, info, &code_config.hidelines);
                events.push(Event::Html(block.into()));
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                let (class, title) = admonition_name(kind);
                events.push(Event::Html(
                    format!("<div class=\"admonition admonition-{class}\" role=\"note\">\n<p class=\"admonition-title\">{title}</p>\n").into(),
                ));
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => events.push(Event::Html("</div>\n".into())),
            Event::Text(ref t) | Event::Code(ref t) => {
                push_text(&mut section.text, t);
                events.push(event);
            }
            other => events.push(rewrite_event(other)),
        }
    }
    if let Some((label, page)) = page_events.take() {
        footnotes
            .definitions
            .push((label, std::mem::replace(&mut events, page)));
    }
    footnotes.append_to(&mut events);
    out.sections.push(section);
    out.sections
        .retain(|s| s.id.is_some() || !s.text.trim().is_empty());
    pulldown_cmark::html::push_html(&mut out.html, events.into_iter());
    out
}

/// Footnotes as mdBook 0.5 writes them: references numbered in the order they are first
/// used, `fr-`/`footnote-` ids that cannot collide with headings, and the definitions
/// collected at the end of the page, each with a link back to where it was referenced.
#[derive(Default)]
struct Footnotes<'a> {
    /// Label → (number, references so far), in order of first reference.
    numbers: Vec<(String, usize, usize)>,
    definitions: Vec<(String, Vec<Event<'a>>)>,
}

impl<'a> Footnotes<'a> {
    fn reference(&mut self, label: &str) -> String {
        let count = self.numbers.len();
        let entry = match self.numbers.iter_mut().find(|(l, _, _)| l == label) {
            Some(entry) => entry,
            None => {
                self.numbers.push((label.to_string(), count + 1, 0));
                self.numbers.last_mut().expect("just pushed")
            }
        };
        entry.2 += 1;
        let id = escape_html(&slugify(label));
        format!(
            "<sup class=\"footnote-reference\" id=\"fr-{id}-{}\"><a href=\"#footnote-{id}\">{}</a></sup>",
            entry.2, entry.1
        )
    }

    /// Appends the collected definitions, in reference order, to the page's `events`.
    fn append_to(self, events: &mut Vec<Event<'a>>) {
        if self.definitions.is_empty() {
            return;
        }
        let mut definitions = self.definitions;
        let number = |label: &str| {
            self.numbers
                .iter()
                .find(|(l, _, _)| l == label)
                .map_or((usize::MAX, 0), |(_, n, refs)| (*n, *refs))
        };
        definitions.sort_by_key(|(label, _)| number(label).0);
        events.push(Event::Html(
            "<hr>\n<ol class=\"footnote-definition\">\n".into(),
        ));
        for (label, mut body) in definitions {
            let id = escape_html(&slugify(&label));
            let back_links: String = (1..=number(&label).1)
                .map(|n| {
                    let mark = if n == 1 { String::new() } else { n.to_string() };
                    format!(" <a href=\"#fr-{id}-{n}\">↩{mark}</a>")
                })
                .collect();
            let at = body
                .iter()
                .rposition(|e| matches!(e, Event::End(TagEnd::Paragraph)))
                .unwrap_or(body.len());
            body.insert(at, Event::Html(back_links.into()));
            events.push(Event::Html(format!("<li id=\"footnote-{id}\">\n").into()));
            events.extend(body);
            events.push(Event::Html("</li>\n".into()));
        }
        events.push(Event::Html("</ol>\n".into()));
    }
}

/// Every `id="…"` value in a page body: heading anchors, footnote definitions, and ids authors
/// wrote in raw HTML. These are the targets a `#fragment` link can reach.
pub fn html_ids(html: &str) -> Vec<String> {
    let mut ids = attribute_values(html, b" id=\"");
    // `<a name="x">`, the old way to make a target, still common in mdBook books.
    ids.extend(attribute_values(html, b"<a name=\""));
    ids
}

fn attribute_values(html: &str, opener: &[u8]) -> Vec<String> {
    let mut values = Vec::new();
    let mut rest = html;
    while let Some(at) = memchr::memmem::find(rest.as_bytes(), opener) {
        rest = &rest[at + opener.len()..];
        let end = memchr::memchr(b'"', rest.as_bytes()).unwrap_or(rest.len());
        values.push(unescape_attr(&rest[..end]));
        rest = &rest[end..];
    }
    values
}

fn unescape_attr(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn push_text(buffer: &mut String, text: &str) {
    if !buffer.is_empty() && !buffer.ends_with(' ') {
        buffer.push(' ');
    }
    buffer.push_str(text.trim());
}

fn rewrite_event(event: Event) -> Event {
    match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::from(rewrite_link(&dest_url)),
            title,
            id,
        }),
        other => other,
    }
}

/// Hands out heading ids unique within a page: the slug, then `slug-1`, `slug-2`, … as
/// mdBook does. Each slug remembers the next suffix to try, so a page of thousands of
/// identical headings costs one look-up per heading, not one per earlier heading.
#[derive(Default)]
struct HeadingIds {
    used: std::collections::HashSet<String>,
    next_suffix: std::collections::HashMap<String, usize>,
    /// Candidates tried so far, for the test that keeps this linear.
    attempts: usize,
}

impl HeadingIds {
    fn unique(&mut self, base: String) -> String {
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        self.attempts += 1;
        if self.used.insert(base.clone()) {
            return base;
        }
        let n = self.next_suffix.entry(base.clone()).or_insert(1);
        loop {
            self.attempts += 1;
            let candidate = format!("{base}-{n}");
            *n += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_headings_get_ids_in_linear_time() {
        let mut ids = HeadingIds::default();
        let n = 50_000;
        for _ in 0..n {
            ids.unique("example".to_string());
        }
        assert!(
            ids.attempts <= 2 * n,
            "{} attempts for {n} headings",
            ids.attempts
        );
        // Explicit ids that collide with the suffixes are skipped, still uniquely.
        let mut ids = HeadingIds::default();
        let got: Vec<String> = ["a", "a-1", "a", "a", "a-2"]
            .iter()
            .map(|b| ids.unique(b.to_string()))
            .collect();
        assert_eq!(got, ["a", "a-1", "a-2", "a-3", "a-2-1"]);
        let page = render(&"### Example\n\n".repeat(n));
        assert_eq!(page.headings.len(), n);
        assert_eq!(page.headings[n - 1].id, format!("example-{}", n - 1));
    }

    #[test]
    fn headings_get_unique_stable_ids_and_a_toc() {
        let r =
            render("# Intro\n\n## Set up\n\n## Set up\n\n### `code` *here*\n\n## Custom {#mine}\n");
        let ids: Vec<&str> = r.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["intro", "set-up", "set-up-1", "code-here", "mine"]);
        assert!(r.html.contains(
            "<h2 id=\"set-up-1\"><a class=\"header\" href=\"#set-up-1\">Set up</a></h2>"
        ));
        assert_eq!(r.headings[3].title, "code here");
        assert_eq!(r.headings[3].level, 3);
    }

    #[test]
    fn anchors_cover_headings_footnotes_and_raw_html() {
        let r = render(
            "# A & B\n\nText[^n]\n\n<div id=\"custom\">x</div>\n\n<a name=\"old-style\"></a>\n\n[^n]: note\n",
        );
        let ids = html_ids(&r.html);
        for id in ["a--b", "custom", "footnote-n", "fr-n-1", "old-style"] {
            assert!(ids.iter().any(|i| i == id), "{id} missing from {ids:?}");
        }
    }

    #[test]
    fn md_links_become_html_links() {
        assert_eq!(rewrite_link("a.md"), "a.html");
        assert_eq!(rewrite_link("../b/c.md#x"), "../b/c.html#x");
        assert_eq!(rewrite_link("README.md"), "index.html");
        assert_eq!(rewrite_link("sub/README.md#y"), "sub/index.html#y");
        assert_eq!(
            rewrite_link("https://example.org/a.md"),
            "https://example.org/a.md"
        );
        assert_eq!(rewrite_link("#top"), "#top");
        assert_eq!(rewrite_link("img.svg"), "img.svg");
        assert_eq!(rewrite_link("x.md?query#frag"), "x.html?query#frag");
        assert_eq!(rewrite_link("x.md?q=1"), "x.html?q=1");
        let r = render("[next](next.md#part)");
        assert!(r.html.contains("href=\"next.html#part\""), "{}", r.html);
    }

    #[test]
    fn smart_punctuation_as_mdbook_does_by_default() {
        let r = render("## Don't -- stop...\n\n\"Quoted\" text --- here\n");
        assert!(r.html.contains("“Quoted” text — here"), "{}", r.html);
        assert_eq!(r.headings[0].title, "Don’t – stop…");
        assert_eq!(r.headings[0].id, "dont--stop");
    }

    #[test]
    fn footnotes_are_numbered_linked_both_ways_and_collected_at_the_end() {
        let r =
            render("# 2\n\n[^b]: Bee.\n\nOne[^a], two[^b], again[^a].\n\n[^a]: Ay.\n\n## After\n");
        let html = &r.html;
        assert!(html.contains("<sup class=\"footnote-reference\" id=\"fr-a-1\"><a href=\"#footnote-a\">1</a></sup>"), "{html}");
        assert!(
            html.contains("id=\"fr-b-1\"><a href=\"#footnote-b\">2</a>"),
            "{html}"
        );
        assert!(
            html.contains("id=\"fr-a-2\"><a href=\"#footnote-a\">1</a>"),
            "{html}"
        );
        let notes = &html[html
            .find("<ol class=\"footnote-definition\">")
            .expect("collected")..];
        assert!(html.find("id=\"after\"").unwrap() < html.find("footnote-definition").unwrap());
        assert!(
            notes.find("footnote-a").unwrap() < notes.find("footnote-b").unwrap(),
            "{notes}"
        );
        assert!(
            notes.contains("<p>Ay. <a href=\"#fr-a-1\">↩</a> <a href=\"#fr-a-2\">↩2</a></p>"),
            "{notes}"
        );
        assert!(!html.contains("id=\"2\"") || html.matches("id=\"2\"").count() == 1);
    }

    #[test]
    fn definition_list_terms_get_anchors() {
        let r = render("term A\n: the definition\n");
        assert!(
            r.html
                .contains("<dt id=\"term-a\"><a class=\"header\" href=\"#term-a\">term A</a></dt>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn gfm_extensions() {
        let r = render(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n\n- [x] done\n\nText[^1]\n\n[^1]: foot\n",
        );
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>gone</del>"));
        assert!(r.html.contains("type=\"checkbox\""));
        assert!(r.html.contains("footnote"));
    }

    #[test]
    fn alerts_become_admonitions() {
        let r = render("> [!WARNING]\n> Backups you never restored are not backups.\n");
        assert!(
            r.html
                .contains("<div class=\"admonition admonition-warning\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("<p class=\"admonition-title\">Warning</p>"));
        assert!(r.html.contains("Backups you never restored"));
        let plain = render("> just a quote\n");
        assert!(plain.html.contains("<blockquote>"));
    }

    #[test]
    fn code_is_highlighted_and_searchable() {
        let r = render("## Build\n\nSome text.\n\n```dockerfile\nFROM debian:12\n```\n");
        assert!(r.html.contains("hl-dockerfile"));
        let build = r
            .sections
            .iter()
            .find(|s| s.id.as_deref() == Some("build"))
            .unwrap();
        assert!(build.text.contains("Some text."));
        assert!(build.text.contains("FROM debian:12"));
    }
}
