//! The slide markup inside a chapter's Markdown, read line by line before Markdown parsing:
//! `::: notes`, `::: handbook`, `::: slides` and `::: fragments` (slide-only, revealed item by
//! item) fenced divs, each closed by `:::`, and `---` slide breaks. Code fences are tracked so
//! a `---` or `:::` inside a code sample is just code.
//!
//! From one scan come both views of a chapter: the handbook (notes and slide-only blocks gone,
//! breaks gone) and the deck (handbook-only blocks gone; notes kept apart, per slide).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use pulldown_cmark::Options;

use crate::error::{Error, Result};

/// The Markdown dialect of every chapter: CommonMark with GFM tables, footnotes,
/// strikethrough, task lists, alerts and `{#id}` heading attributes.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        // Both on by default in mdBook 0.5; smart punctuation changes heading ids too (`--`
        // becomes `–`), and each term of a definition list gets an anchor like a heading.
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_DEFINITION_LIST
}

/// How many chapter texts [`scan`] has read in this process: the pipeline parses each chapter
/// once per full build and once per save in `serve`, and tests hold it to that.
static SCANS: AtomicUsize = AtomicUsize::new(0);

/// The number of [`scan`] calls so far in this process.
pub fn scans() -> usize {
    SCANS.load(Ordering::Relaxed)
}

/// Which part of the audience a fenced div is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DivKind {
    Notes,
    Handbook,
    Slides,
    /// Like `Slides`, and on the slide its items appear one at a time.
    Fragments,
}

/// One piece of a chapter's Markdown, in source order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Ordinary Markdown lines (including code fences), with the 1-based line of the first.
    Markdown { text: String, line: usize },
    /// The inside of a `::: kind` … `:::` block.
    Div {
        kind: DivKind,
        text: String,
        line: usize,
    },
    /// A `---` line: the author asked for a new slide here.
    SlideBreak { line: usize },
}

/// Tracks whether a line is inside a fenced code block (``` or ~~~, of any length ≥ 3).
#[derive(Default)]
pub struct FenceTracker {
    open: Option<(char, usize)>,
}

impl FenceTracker {
    /// Feeds one line; returns true when the line is part of a code fence (opener and closer
    /// included), so callers must not interpret it.
    pub fn in_code(&mut self, line: &str) -> bool {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let fence = ['`', '~'].into_iter().find_map(|c| {
            let n = trimmed.chars().take_while(|&x| x == c).count();
            (n >= 3 && indent < 4).then_some((c, n))
        });
        match (self.open, fence) {
            (None, Some(f)) => {
                self.open = Some(f);
                true
            }
            (Some((c, n)), Some((fc, fnum)))
                if c == fc && fnum >= n && trimmed.trim_end().chars().all(|x| x == c) =>
            {
                self.open = None;
                true
            }
            (Some(_), _) => true,
            (None, None) => false,
        }
    }
}

fn div_opener(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix(":::")?;
    let name = rest
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim()
        .trim_start_matches('.');
    (!name.is_empty()).then_some(name)
}

/// `# Title` … `###### Title` (at most three spaces of indent), as CommonMark reads them.
fn is_atx_heading(line: &str) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let hashes = line.trim_start().chars().take_while(|&c| c == '#').count();
    indent < 4
        && (1..=6).contains(&hashes)
        && line.trim_start()[hashes..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace)
}

fn is_div_closer(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && t.chars().all(|c| c == ':')
}

/// Splits a chapter into pieces. `path` is for error messages; `first_line` is the file line
/// the Markdown starts on (after front matter).
pub fn scan(markdown: &str, path: &Path, first_line: usize) -> Result<Vec<Piece>> {
    SCANS.fetch_add(1, Ordering::Relaxed);
    let mut pieces = Vec::new();
    let mut fences = FenceTracker::default();
    let mut current = String::new();
    let mut current_line = first_line;
    let mut open_div: Option<(DivKind, usize)> = None;
    let mut previous_blank = true;

    let flush =
        |pieces: &mut Vec<Piece>, text: &mut String, line: usize, div: Option<(DivKind, usize)>| {
            if !text.is_empty() {
                let taken = std::mem::take(text);
                pieces.push(match div {
                    Some((kind, _)) => Piece::Div {
                        kind,
                        text: taken,
                        line,
                    },
                    None => Piece::Markdown { text: taken, line },
                });
            }
        };

    for (i, line) in markdown.split_inclusive('\n').enumerate() {
        let line_no = first_line + i;
        if fences.in_code(line) {
            if current.is_empty() {
                current_line = line_no;
            }
            current.push_str(line);
            previous_blank = false;
            continue;
        }
        if let Some(name) = div_opener(line) {
            let kind = match name {
                "notes" => DivKind::Notes,
                "handbook" => DivKind::Handbook,
                "slides" => DivKind::Slides,
                "fragments" => DivKind::Fragments,
                other => {
                    return Err(Error::new(format!("unknown block `::: {other}`"))
                        .at(path, Some(line_no), None)
                        .help("use `::: notes`, `::: handbook`, `::: slides` or `::: fragments`, closed by a line `:::`"));
                }
            };
            if let Some((_, opened)) = open_div {
                return Err(Error::new(format!(
                    "`::: {name}` inside a block opened on line {opened}"
                ))
                .at(path, Some(line_no), None)
                .help("close the first block with a line `:::` before opening another"));
            }
            flush(&mut pieces, &mut current, current_line, None);
            open_div = Some((kind, line_no));
            current_line = line_no + 1;
            previous_blank = true;
            continue;
        }
        // A heading would start a new slide in the middle of the reveal.
        if matches!(open_div, Some((DivKind::Fragments, _))) && is_atx_heading(line) {
            return Err(
                Error::new("a heading inside `::: fragments`".to_string())
                    .at(path, Some(line_no), None)
                    .help("close the block with `:::` before the heading; the items of one `::: fragments` block stay on one slide"),
            );
        }
        if is_div_closer(line) && open_div.is_some() {
            flush(&mut pieces, &mut current, current_line, open_div);
            open_div = None;
            current_line = line_no + 1;
            previous_blank = true;
            continue;
        }
        if open_div.is_none() && previous_blank && line.trim_end() == "---" {
            flush(&mut pieces, &mut current, current_line, None);
            pieces.push(Piece::SlideBreak { line: line_no });
            current_line = line_no + 1;
            previous_blank = true;
            continue;
        }
        if current.is_empty() {
            current_line = line_no;
        }
        current.push_str(line);
        if !line.ends_with('\n') {
            current.push('\n');
        }
        previous_blank = line.trim().is_empty();
    }
    if let Some((kind, opened)) = open_div {
        let name = format!("{kind:?}").to_lowercase();
        return Err(Error::new(format!("`::: {name}` is never closed"))
            .at(path, Some(opened), None)
            .help("end the block with a line `:::`"));
    }
    flush(&mut pieces, &mut current, current_line, None);
    Ok(pieces)
}

/// The chapter as the handbook shows it: no speaker notes, no slide-only blocks, no breaks.
pub fn handbook_markdown(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Markdown { text, .. }
            | Piece::Div {
                kind: DivKind::Handbook,
                text,
                ..
            } => {
                out.push_str(text);
                // A blank line keeps a following block from merging into this paragraph.
                out.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(md: &str) -> Vec<Piece> {
        scan(md, Path::new("ch.md"), 1).unwrap()
    }

    #[test]
    fn notes_and_slide_blocks_leave_the_handbook() {
        let md = "# Title\n\nIntro.\n\n::: notes\nSay hello.\n:::\n\n::: slides\n- terse\n:::\n\n::: handbook\nLong prose.\n:::\n";
        let hb = handbook_markdown(&pieces(md));
        assert!(hb.contains("Intro."));
        assert!(hb.contains("Long prose."));
        assert!(!hb.contains("Say hello"));
        assert!(!hb.contains("terse"));
        assert!(!hb.contains(":::"));
    }

    #[test]
    fn fragments_are_for_the_slides_only() {
        let md = "## Steps\n\n::: fragments\n- one\n- two\n:::\n";
        let p = pieces(md);
        assert!(matches!(
            p[1],
            Piece::Div {
                kind: DivKind::Fragments,
                line: 4,
                ..
            }
        ));
        let hb = handbook_markdown(&p);
        assert!(!hb.contains("one") && !hb.contains(":::"), "{hb}");
    }

    #[test]
    fn a_heading_inside_fragments_is_an_error_with_its_line() {
        let err = scan("::: fragments\n- a\n## Next\n:::\n", Path::new("ch.md"), 1).unwrap_err();
        assert_eq!(err.location.unwrap().line, Some(3));
        assert!(err.help.unwrap().contains("close the block"));
        // `#hashtag` and code are not headings.
        assert!(
            scan(
                "::: fragments\n#devoops\n```\n# x\n```\n:::\n",
                Path::new("ch.md"),
                1
            )
            .is_ok()
        );
    }

    #[test]
    fn breaks_are_found_outside_code_only() {
        let md = "A\n\n---\n\nB\n\n```yaml\n---\nkey: 1\n:::\n```\n\n---\n\nC\n";
        let p = pieces(md);
        let breaks: Vec<usize> = p
            .iter()
            .filter_map(|x| match x {
                Piece::SlideBreak { line } => Some(*line),
                _ => None,
            })
            .collect();
        assert_eq!(breaks, vec![3, 13]);
        let hb = handbook_markdown(&p);
        assert!(hb.contains("```yaml\n---\nkey: 1\n:::\n```"));
    }

    #[test]
    fn setext_underline_is_not_a_break() {
        // `---` right under a text line makes it a heading in Markdown: not a slide break.
        let p = pieces("Heading\n---\n");
        assert!(!p.iter().any(|x| matches!(x, Piece::SlideBreak { .. })));
    }

    #[test]
    fn unclosed_and_unknown_blocks_are_errors_with_lines() {
        let err = scan("a\n::: notes\nx\n", Path::new("ch.md"), 1).unwrap_err();
        assert_eq!(err.location.unwrap().line, Some(2));
        let err = scan("::: note\nx\n:::\n", Path::new("ch.md"), 4).unwrap_err();
        assert_eq!(err.location.unwrap().line, Some(4));
        assert!(err.help.unwrap().contains("::: notes"));
    }

    #[test]
    fn tildes_and_longer_fences() {
        let md = "~~~~\n```\n---\n~~~~\n\n---\n";
        let p = pieces(md);
        assert_eq!(
            p.iter()
                .filter(|x| matches!(x, Piece::SlideBreak { .. }))
                .count(),
            1
        );
    }
}
