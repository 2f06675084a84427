//! `SUMMARY.md`: mdBook's table of contents.
//!
//! The grammar, as mdBook defines it: an optional `# Title`; prefix chapters (plain links);
//! numbered chapters (a nested list of links, `- [Title]()` for a draft); part titles (`# Part`)
//! between numbered lists; separators (`---`); suffix chapters (plain links after the lists).
//! We walk pulldown-cmark's events rather than lines, so any list marker and indentation the
//! Markdown spec allows works, and offsets give exact line numbers for errors.

use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::error::{Error, Result, line_col};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    pub title: Option<String>,
    pub items: Vec<SummaryItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryItem {
    Link(Link),
    PartTitle(String),
    Separator,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub title: String,
    /// `None` for a draft chapter (`[Title]()`): listed, not rendered.
    pub location: Option<PathBuf>,
    /// Section number (`[2, 1]` is "2.1."); `None` for prefix and suffix chapters.
    pub number: Option<Vec<u32>>,
    pub nested: Vec<SummaryItem>,
    /// 1-based line in SUMMARY.md, for errors about this entry.
    pub line: usize,
}

type Spanned<'a> = (Event<'a>, Range<usize>);

struct SummaryParser<'a> {
    text: &'a str,
    path: &'a Path,
    events: Vec<Spanned<'a>>,
    pos: usize,
}

/// Parses SUMMARY.md text; `path` is only used in error messages.
/// How deep numbered chapters may nest (`1.2.3…`); mdBook books rarely go past five.
pub const MAX_NESTING: usize = 32;

pub fn parse(text: &str, path: &Path) -> Result<Summary> {
    let events = Parser::new(text).into_offset_iter().collect();
    SummaryParser {
        text,
        path,
        events,
        pos: 0,
    }
    .parse()
}

impl<'a> SummaryParser<'a> {
    fn line(&self, range: &Range<usize>) -> usize {
        line_col(self.text, range.start).0
    }

    fn error(&self, range: &Range<usize>, message: &str, help: &str) -> Error {
        Error::new(message)
            .at(self.path, Some(self.line(range)), None)
            .help(help)
    }

    fn next(&mut self) -> Option<Spanned<'a>> {
        let item = self.events.get(self.pos).cloned();
        self.pos += 1;
        item
    }

    fn parse(mut self) -> Result<Summary> {
        let mut summary = Summary::default();
        let mut numbering = vec![0u32];
        while let Some((event, range)) = self.next() {
            match event {
                Event::Start(Tag::Heading { level, .. }) => {
                    let text = self.collect_text(TagEnd::Heading(level));
                    if summary.title.is_none()
                        && summary.items.is_empty()
                        && level == HeadingLevel::H1
                    {
                        summary.title = Some(text);
                    } else {
                        summary.items.push(SummaryItem::PartTitle(text));
                    }
                }
                Event::Start(Tag::Paragraph) => {
                    for link in self.plain_links(&range)? {
                        summary.items.push(SummaryItem::Link(link));
                    }
                }
                Event::Start(Tag::List(_)) => {
                    let items = self.numbered_list(&mut numbering)?;
                    summary.items.extend(items);
                }
                Event::Rule => summary.items.push(SummaryItem::Separator),
                Event::Html(_) | Event::InlineHtml(_) | Event::SoftBreak | Event::HardBreak => {}
                Event::Start(Tag::HtmlBlock) => self.skip_to(TagEnd::HtmlBlock),
                Event::End(TagEnd::HtmlBlock) => {}
                other => {
                    return Err(self.error(
                        &range,
                        &format!("unexpected content in SUMMARY.md ({})", describe(&other)),
                        "SUMMARY.md holds only a title, links `[Title](file.md)`, list items `- [Title](file.md)`, `# Part` titles and `---` separators",
                    ));
                }
            }
        }
        Ok(summary)
    }

    fn skip_to(&mut self, end: TagEnd) {
        while let Some((event, _)) = self.next() {
            if event == Event::End(end) {
                return;
            }
        }
    }

    /// Text inside an element up to its end tag (link titles may contain `code` and emphasis).
    fn collect_text(&mut self, end: TagEnd) -> String {
        let mut text = String::new();
        while let Some((event, _)) = self.next() {
            match event {
                Event::Text(t) | Event::Code(t) => text.push_str(&t),
                Event::SoftBreak | Event::HardBreak => text.push(' '),
                e if e == Event::End(end) => break,
                _ => {}
            }
        }
        text.trim().to_string()
    }

    fn link_from(&mut self, dest: &str, range: &Range<usize>) -> Link {
        let title = self.collect_text(TagEnd::Link);
        let location = (!dest.is_empty()).then(|| normalize(&percent_decode(dest)));
        Link {
            title,
            location,
            number: None,
            nested: Vec::new(),
            line: self.line(range),
        }
    }

    /// A paragraph of prefix or suffix chapter links.
    fn plain_links(&mut self, start: &Range<usize>) -> Result<Vec<Link>> {
        let mut links = Vec::new();
        while let Some((event, range)) = self.next() {
            match event {
                Event::End(TagEnd::Paragraph) => break,
                Event::Start(Tag::Link { dest_url, .. }) => {
                    links.push(self.link_from(&dest_url, &range))
                }
                Event::Text(t) if t.trim().is_empty() => {}
                Event::SoftBreak | Event::HardBreak => {}
                other => {
                    return Err(self.error(
                        &range,
                        &format!("expected a link to a chapter, found {}", describe(&other)),
                        "write each chapter as `[Title](file.md)` on its own line",
                    ));
                }
            }
        }
        if links.is_empty() {
            return Err(self.error(
                start,
                "expected a link to a chapter",
                "write `[Title](file.md)`",
            ));
        }
        Ok(links)
    }

    /// A (possibly nested) list of numbered chapters; `numbering` holds the counters per depth.
    fn numbered_list(&mut self, numbering: &mut Vec<u32>) -> Result<Vec<SummaryItem>> {
        let mut items = Vec::new();
        while let Some((event, range)) = self.next() {
            match event {
                Event::End(TagEnd::List(_)) => break,
                Event::Start(Tag::Item) => {
                    *numbering.last_mut().expect("numbering is never empty") += 1;
                    items.push(self.list_item(numbering, &range)?);
                }
                _ => {}
            }
        }
        Ok(items)
    }

    fn list_item(
        &mut self,
        numbering: &mut Vec<u32>,
        item_range: &Range<usize>,
    ) -> Result<SummaryItem> {
        let mut link: Option<Link> = None;
        let mut nested = Vec::new();
        while let Some((event, range)) = self.next() {
            match event {
                Event::End(TagEnd::Item) => break,
                Event::Start(Tag::Link { dest_url, .. }) if link.is_none() => {
                    link = Some(self.link_from(&dest_url, &range));
                }
                Event::Start(Tag::List(_)) => {
                    // Each level is a call here and a level of the sidebar: bound it, so a
                    // pathological SUMMARY is an error instead of a stack overflow.
                    if numbering.len() >= MAX_NESTING {
                        return Err(self.error(
                            &range,
                            &format!("chapters nest deeper than {MAX_NESTING} levels"),
                            "nest fewer levels; a reader cannot follow that many either",
                        ));
                    }
                    numbering.push(0);
                    nested = self.numbered_list(numbering)?;
                    numbering.pop();
                }
                Event::Rule => {}
                Event::Text(t) if link.is_none() && !t.trim().is_empty() => {
                    return Err(self.error(
                        &range,
                        &format!("list item `{}` has no link", t.trim()),
                        "write `- [Title](file.md)`, or `- [Title]()` for a draft chapter",
                    ));
                }
                _ => {}
            }
        }
        let mut link = link.ok_or_else(|| {
            self.error(
                item_range,
                "list item has no link",
                "write `- [Title](file.md)`, or `- [Title]()` for a draft chapter",
            )
        })?;
        link.number = Some(numbering.clone());
        link.nested = nested;
        Ok(SummaryItem::Link(link))
    }
}

fn describe(event: &Event) -> String {
    match event {
        Event::Text(t) => format!("text `{}`", t.trim()),
        Event::Start(tag) => format!("{tag:?}")
            .split(['(', ' ', '{'])
            .next()
            .unwrap_or("element")
            .to_lowercase(),
        other => format!("{other:?}")
            .split(['(', ' '])
            .next()
            .unwrap_or("element")
            .to_lowercase(),
    }
}

/// `./a/../b.md` → `b.md`: SUMMARY entries name files relative to the source folder, and the
/// same file must map to one page whichever way it was written.
fn normalize(path: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for component in std::path::Path::new(path).components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::Normal(part) => out.push(part),
            // A leading `/` means the source folder's root, as on a web server.
            std::path::Component::RootDir | std::path::Component::Prefix(_) => {}
        }
    }
    out
}

/// `My%20Chapter.md` → `My Chapter.md`, as mdBook accepts both.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Summary {
        parse(text, Path::new("SUMMARY.md")).unwrap()
    }

    fn link(item: &SummaryItem) -> &Link {
        match item {
            SummaryItem::Link(l) => l,
            other => panic!("expected a link, got {other:?}"),
        }
    }

    #[test]
    fn every_construct() {
        let s = parse_ok(
            "# Summary\n\n[Intro](README.md)\n\n---\n\n# Part One\n\n- [First](first.md)\n  - [Nested](nested/a.md)\n  - [Draft]()\n- [Second](second.md)\n\n# Part Two\n\n* [Third](third.md)\n\n---\n\n[Credits](credits.md)\n",
        );
        assert_eq!(s.title.as_deref(), Some("Summary"));
        let kinds: Vec<String> = s
            .items
            .iter()
            .map(|i| match i {
                SummaryItem::Link(l) => format!("link:{}", l.title),
                SummaryItem::PartTitle(t) => format!("part:{t}"),
                SummaryItem::Separator => "sep".into(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "link:Intro",
                "sep",
                "part:Part One",
                "link:First",
                "link:Second",
                "part:Part Two",
                "link:Third",
                "sep",
                "link:Credits"
            ]
        );
        let intro = link(&s.items[0]);
        assert_eq!(intro.number, None);
        assert_eq!(intro.line, 3);
        let first = link(&s.items[3]);
        assert_eq!(first.number, Some(vec![1]));
        assert_eq!(first.nested.len(), 2);
        let nested = link(&first.nested[0]);
        assert_eq!(nested.number, Some(vec![1, 1]));
        assert_eq!(nested.location, Some(PathBuf::from("nested/a.md")));
        let draft = link(&first.nested[1]);
        assert_eq!(draft.location, None);
        assert_eq!(draft.number, Some(vec![1, 2]));
        assert_eq!(link(&s.items[4]).number, Some(vec![2]));
        // Numbering continues across parts, as in mdBook.
        assert_eq!(link(&s.items[6]).number, Some(vec![3]));
        assert_eq!(link(&s.items[8]).number, None);
    }

    #[test]
    fn titles_keep_code_and_emphasis_text() {
        let s = parse_ok("- [The `book.toml` *file*](config.md)\n");
        assert_eq!(link(&s.items[0]).title, "The book.toml file");
    }

    #[test]
    fn dot_segments_are_normalized() {
        let s = parse_ok("- [A](./a.md)\n- [B](sub/../b.md)\n");
        assert_eq!(link(&s.items[0]).location, Some(PathBuf::from("a.md")));
        assert_eq!(link(&s.items[1]).location, Some(PathBuf::from("b.md")));
    }

    #[test]
    fn percent_encoded_paths() {
        let s = parse_ok("- [A](my%20chapter.md)\n");
        assert_eq!(
            link(&s.items[0]).location,
            Some(PathBuf::from("my chapter.md"))
        );
    }

    #[test]
    fn item_without_link_is_an_error_with_line() {
        let err = parse(
            "# Summary\n\n- [A](a.md)\n- just text\n",
            Path::new("SUMMARY.md"),
        )
        .unwrap_err();
        assert_eq!(err.location.as_ref().unwrap().line, Some(4));
        assert!(err.message.contains("just text"), "{err}");
        assert!(err.help.is_some());
    }

    #[test]
    fn deep_nesting_is_an_error_at_its_line_not_a_stack_overflow() {
        // An indented list one level too deep, and 20,000 items nested on one line.
        let mut deep = String::from("# Summary\n\n");
        for d in 0..40 {
            deep.push_str(&format!("{}- [C{d}](c.md)\n", "  ".repeat(d)));
        }
        let err = parse(&deep, Path::new("SUMMARY.md")).unwrap_err();
        assert!(err.message.contains("nest deeper than 32"), "{err}");
        assert_eq!(err.location.unwrap().line, Some(3 + MAX_NESTING));
        let one_line = format!("# Summary\n\n{}[x](x.md)\n", "- ".repeat(20_000));
        let err = parse(&one_line, Path::new("SUMMARY.md")).unwrap_err();
        assert!(err.message.contains("nest deeper"), "{err}");
        assert_eq!(err.location.unwrap().line, Some(3));
    }

    #[test]
    fn stray_text_is_an_error() {
        let err = parse("# Summary\n\nsome words\n", Path::new("SUMMARY.md")).unwrap_err();
        assert_eq!(err.location.unwrap().line, Some(3));
    }
}
