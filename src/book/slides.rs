//! A chapter cut into slides: the deck's view of the same [`Piece`]s the handbook is made from.
//!
//! A new slide starts at every top-level heading of level ≤ `[devoops] slide-heading-level`
//! (default 2, i.e. `#` and `##`) and at every `---` break. Handbook-only blocks are left out,
//! slide-only blocks are kept, and speaker notes stay beside the slide they were written in.
//!
//! Headings are found with pulldown-cmark rather than by looking at line starts, so setext
//! headings count, and a `#` inside a code block, an HTML block or a list item does not split.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag};

use super::blocks::{DivKind, Piece, markdown_options};

/// One slide, still as Markdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slide {
    /// What the audience sees.
    pub markdown: String,
    /// The speaker notes written inside this slide (empty when there are none).
    pub notes: String,
    /// The chapter line the slide starts on (1-based), for messages.
    pub line: usize,
    /// Which heading of the handbook page this slide belongs to, as an index into the page's
    /// headings in order (`None`: before the first heading). The deck links each slide back
    /// to that section.
    pub handbook_heading: Option<usize>,
}

impl Slide {
    fn is_empty(&self) -> bool {
        self.markdown.trim().is_empty() && self.notes.trim().is_empty()
    }
}

/// A heading found in a piece of Markdown.
struct HeadingAt {
    /// Byte offset where the heading's source starts.
    offset: usize,
    level: u8,
    /// False for a heading nested in a list item or block quote: it never starts a slide.
    top_level: bool,
}

fn headings_in(text: &str) -> Vec<HeadingAt> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    for (event, range) in Parser::new_ext(text, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if let Tag::Heading { level, .. } = tag {
                    found.push(HeadingAt {
                        offset: range.start,
                        level: level_number(level),
                        top_level: depth == 0,
                    });
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    found
}

fn level_number(level: HeadingLevel) -> u8 {
    level as u8
}

/// Builds the slides one piece at a time.
struct Splitter {
    max_level: u8,
    slides: Vec<Slide>,
    current: Slide,
    /// How many handbook headings have gone by, and the last of them.
    handbook_headings: usize,
    last_handbook_heading: Option<usize>,
}

impl Splitter {
    fn start_slide(&mut self, line: usize) {
        let finished = std::mem::take(&mut self.current);
        if !finished.is_empty() {
            self.slides.push(finished);
        }
        self.current.line = line;
        self.current.handbook_heading = self.last_handbook_heading;
    }

    /// Adds Markdown the audience sees; `in_handbook` says whether the handbook shows it too
    /// (then its headings are the handbook's headings, and count).
    fn add_visible(&mut self, text: &str, first_line: usize, in_handbook: bool) {
        let mut written = 0;
        // Lines are counted from the previous heading on, not from the top for each one:
        // a chapter with thousands of headings stays linear.
        let (mut counted_to, mut line) = (0, first_line);
        for heading in headings_in(text) {
            let splits = heading.top_level && heading.level <= self.max_level;
            if splits {
                self.current
                    .markdown
                    .push_str(&text[written..heading.offset]);
                written = heading.offset;
            }
            if in_handbook {
                self.last_handbook_heading = Some(self.handbook_headings);
                self.handbook_headings += 1;
            }
            if splits {
                line += text[counted_to..heading.offset].matches('\n').count();
                counted_to = heading.offset;
                self.start_slide(line);
            }
        }
        self.current.markdown.push_str(&text[written..]);
    }

    /// Handbook-only text: not on any slide, but its headings move the handbook position.
    fn skip_handbook_only(&mut self, text: &str) {
        let count = headings_in(text).len();
        if count > 0 {
            self.handbook_headings += count;
            self.last_handbook_heading = Some(self.handbook_headings - 1);
        }
    }

    fn add_notes(&mut self, text: &str) {
        if !self.current.notes.is_empty() {
            self.current.notes.push('\n');
        }
        self.current.notes.push_str(text);
    }
}

/// Cuts a chapter's pieces into slides. Slides with neither content nor notes are dropped
/// (e.g. a `---` right after a heading).
pub fn split(pieces: &[Piece], heading_level: u8) -> Vec<Slide> {
    let mut splitter = Splitter {
        max_level: heading_level,
        slides: Vec::new(),
        current: Slide {
            line: 1,
            ..Slide::default()
        },
        handbook_headings: 0,
        last_handbook_heading: None,
    };
    for piece in pieces {
        match piece {
            Piece::Markdown { text, line } => splitter.add_visible(text, *line, true),
            Piece::Div {
                kind: DivKind::Slides,
                text,
                line,
            } => {
                // Keep a slide-only block apart from the paragraph before it.
                splitter.current.markdown.push('\n');
                splitter.add_visible(text, *line, false);
                splitter.current.markdown.push('\n');
            }
            Piece::Div {
                kind: DivKind::Fragments,
                text,
                line,
            } => {
                // slides.js reveals the children of this div (a list's items) one by one.
                splitter
                    .current
                    .markdown
                    .push_str("\n<div class=\"fragments\">\n\n");
                splitter.add_visible(text, *line, false);
                splitter.current.markdown.push_str("\n</div>\n\n");
            }
            Piece::Div {
                kind: DivKind::Handbook,
                text,
                ..
            } => splitter.skip_handbook_only(text),
            Piece::Div {
                kind: DivKind::Notes,
                text,
                ..
            } => splitter.add_notes(text),
            Piece::SlideBreak { line } => splitter.start_slide(line + 1),
        }
    }
    splitter.start_slide(0);
    splitter.slides
}

/// Every reference-link definition (`[label]: url "title"`) in the chapter, one per line.
/// A slide is rendered on its own, so a definition at the end of the chapter would not reach
/// a link on slide 3; appending these to each slide (and its notes) lets it.
pub fn link_definitions(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        let text = match piece {
            Piece::Markdown { text, .. } | Piece::Div { text, .. } => text,
            Piece::SlideBreak { .. } => continue,
        };
        let parser = Parser::new_ext(text, markdown_options());
        for (_, definition) in parser.reference_definitions().iter() {
            out.push_str(text[definition.span.clone()].trim());
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::book::blocks::{handbook_markdown, scan};
    use crate::render::markdown;

    fn slides(md: &str, level: u8) -> Vec<Slide> {
        split(&scan(md, Path::new("ch.md"), 1).unwrap(), level)
    }

    fn texts(slides: &[Slide]) -> Vec<String> {
        slides
            .iter()
            .map(|s| s.markdown.trim().to_string())
            .collect()
    }

    #[test]
    fn headings_and_breaks_start_slides() {
        let md = "# Title\n\nHello.\n\n## Part one\n\nA\n\n---\n\nB\n\n### Detail\n\nC\n";
        let s = slides(md, 2);
        assert_eq!(
            texts(&s),
            [
                "# Title\n\nHello.",
                "## Part one\n\nA",
                "B\n\n### Detail\n\nC"
            ]
        );
        assert_eq!(
            s.iter().map(|x| x.line).collect::<Vec<_>>(),
            [1, 5, 10],
            "slides know their source line"
        );
    }

    #[test]
    fn heading_level_setting() {
        let md = "# T\n\n## A\n\nx\n\n### B\n\ny\n";
        assert_eq!(slides(md, 1).len(), 1);
        assert_eq!(slides(md, 2).len(), 2);
        assert_eq!(texts(&slides(md, 3))[2], "### B\n\ny");
        // Level 0: only `---` breaks cut the chapter.
        assert_eq!(slides("# T\n\n## A\n\n---\n\nz\n", 0).len(), 2);
    }

    #[test]
    fn setext_headings_split_but_nested_ones_do_not() {
        let md = "Title\n=====\n\nText\n\nPart\n----\n\n> ## quoted\n\n- ## in a list\n";
        let s = slides(md, 2);
        assert_eq!(s.len(), 2);
        assert!(s[1].markdown.starts_with("Part\n----"));
        assert!(s[1].markdown.contains("## quoted"));
        assert!(s[1].markdown.contains("## in a list"));
    }

    #[test]
    fn code_fences_containing_breaks_and_hashes_stay_whole() {
        let md = "## Compose\n\n```yaml\n---\n# a comment, not a heading\nservices: {}\n```\n\n---\n\nAfter\n";
        let s = slides(md, 2);
        assert_eq!(s.len(), 2);
        assert!(
            s[0].markdown
                .contains("```yaml\n---\n# a comment, not a heading\nservices: {}\n```")
        );
        assert_eq!(s[1].markdown.trim(), "After");
    }

    #[test]
    fn notes_stay_with_their_slide_and_off_the_handbook() {
        let md = "## One\n\n::: notes\nSay one.\n:::\n\n## Two\n\nText\n\n::: notes\nSay two.\n:::\n\n::: notes\nAnd more.\n:::\n";
        let s = slides(md, 2);
        assert_eq!(s[0].notes.trim(), "Say one.");
        assert_eq!(s[1].notes.trim(), "Say two.\n\nAnd more.");
        assert!(!s[0].markdown.contains("Say"));
        assert!(!s[1].markdown.contains("Say"));
        let handbook = handbook_markdown(&scan(md, Path::new("ch.md"), 1).unwrap());
        assert!(!handbook.contains("Say"));
    }

    #[test]
    fn fragments_are_wrapped_for_the_deck_and_stay_on_their_slide() {
        let md = "## Steps\n\n::: fragments\n- one\n- two\n:::\n\n## After\n";
        let s = slides(md, 2);
        assert_eq!(s.len(), 2);
        assert!(
            s[0].markdown
                .contains("<div class=\"fragments\">\n\n- one\n- two\n\n</div>"),
            "{:?}",
            s[0].markdown
        );
        // Slide-only, like `::: slides`: the next heading is the handbook's second.
        assert_eq!(s[1].handbook_heading, Some(1));
    }

    #[test]
    fn handbook_only_blocks_are_dropped_and_slide_only_blocks_kept() {
        let md = "## Why\n\nShort.\n\n::: handbook\nThe long story.\n:::\n\n::: slides\n- terse point\n:::\n";
        let s = slides(md, 2);
        assert_eq!(s.len(), 1);
        assert!(!s[0].markdown.contains("long story"));
        assert!(s[0].markdown.contains("- terse point"));
        assert!(!s[0].markdown.contains(":::"));
    }

    #[test]
    fn empty_slides_are_dropped() {
        let s = slides("---\n\n# T\n\n---\n\n---\n\nx\n\n---\n", 2);
        assert_eq!(texts(&s), ["# T", "x"]);
    }

    #[test]
    fn slides_point_at_their_handbook_section() {
        // Handbook headings in order: 0 "Intro", 1 "Long read" (handbook only), 2 "Steps",
        // 3 "Detail". The slide-only heading is not in the handbook and does not count.
        let md = "# Intro\n\n---\n\nmore\n\n::: handbook\n## Long read\n\ntext\n:::\n\n---\n\nafter\n\n::: slides\n## Recap\n:::\n\n## Steps\n\n### Detail\n\n---\n\nlast\n";
        let s = slides(md, 2);
        let anchors: Vec<Option<usize>> = s.iter().map(|x| x.handbook_heading).collect();
        assert_eq!(texts(&s)[3], "## Recap");
        assert_eq!(
            anchors,
            [Some(0), Some(0), Some(1), Some(1), Some(2), Some(3)]
        );
        let handbook = markdown::render(&handbook_markdown(
            &scan(md, Path::new("ch.md"), 1).unwrap(),
        ));
        assert_eq!(handbook.headings.len(), 4);
        assert_eq!(handbook.headings[2].id, "steps");
    }

    #[test]
    fn reference_links_are_collected_from_every_block() {
        let md = "## A\n\nSee [the docs][docs].\n\n::: notes\nAlso [this][n].\n\n[n]: https://n.example \"N\"\n:::\n\n[docs]: https://docs.example\n";
        let pieces = scan(md, Path::new("ch.md"), 1).unwrap();
        let defs = link_definitions(&pieces);
        assert!(defs.contains("[docs]: https://docs.example\n"), "{defs}");
        assert!(defs.contains("[n]: https://n.example \"N\"\n"), "{defs}");
    }

    #[test]
    fn text_before_the_first_heading_has_no_section() {
        let s = slides("Welcome.\n\n# Title\n", 2);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].handbook_heading, None);
        assert_eq!(s[1].handbook_heading, Some(0));
    }
}
