//! Source-level preprocessing of a chapter, before any Markdown parsing:
//! TOML front matter (`+++` … `+++`), and mdBook's `{{#include}}`, `{{#rustdoc_include}}`,
//! `{{#playground}}` and `{{#title}}` directives.
//!
//! Like mdBook's `links` preprocessor this works on raw text, inside code fences too, because
//! including a source file into a fenced block is the directive's main use.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::toml_error;
use crate::error::{Error, Result, line_col, text_from_bytes};

/// Per-chapter settings from front matter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrontMatter {
    /// The presenter's time budget for this chapter's slides, in minutes.
    pub minutes: Option<u32>,
    /// Overrides the `<title>` of the page (the sidebar keeps the SUMMARY title).
    pub title: Option<String>,
}

/// A chapter's Markdown after preprocessing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preprocessed {
    pub markdown: String,
    pub front: FrontMatter,
    /// Set by `{{#title …}}`.
    pub title_override: Option<String>,
    /// Files pulled in by includes, so `serve` can rebuild when they change.
    pub included: Vec<PathBuf>,
    /// The file line the Markdown starts on (after front matter), for error messages.
    pub first_line: usize,
    /// Problems mdBook also carries on after (a missing include file or anchor), as
    /// `file:line: message`.
    pub warnings: Vec<String>,
}

const MAX_INCLUDE_DEPTH: usize = 10;
/// The largest file one `{{#include}}` reads (the print page of a large book is far less).
const MAX_INCLUDE_BYTES: u64 = 16 * 1024 * 1024;

/// What all the includes of one chapter may add up to. Ten includes nested ten deep are
/// within the depth limit and would still read ten billion files; this stops that early.
#[derive(Debug, Clone, Copy)]
struct Budget {
    includes: usize,
    bytes: u64,
}

const BUDGET: Budget = Budget {
    includes: 10_000,
    bytes: 64 * 1024 * 1024,
};

/// Preprocesses chapter `text` read from `path` (includes resolve relative to its folder).
pub fn preprocess(text: &str, path: &Path) -> Result<Preprocessed> {
    let (front, body, body_line) = split_front_matter(text, path)?;
    let mut out = Preprocessed {
        front,
        first_line: body_line,
        ..Preprocessed::default()
    };
    let mut budget = BUDGET;
    out.markdown = expand(body, path, body_line, 0, &mut out, &mut budget)?;
    Ok(out)
}

/// Splits `+++`-delimited TOML front matter off the top. Returns the body and the line it
/// starts on, so later errors still point at the right line of the file.
fn split_front_matter<'t>(text: &'t str, path: &Path) -> Result<(FrontMatter, &'t str, usize)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
    else {
        return Ok((FrontMatter::default(), text, 1));
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let toml_text = &rest[..offset];
            let front: FrontMatter = toml::from_str(toml_text).map_err(|e| {
                let mut err = toml_error(toml_text, path, &e);
                // The TOML starts on line 2 of the file.
                if let Some(loc) = err.location.as_mut() {
                    loc.line = loc.line.map(|l| l + 1);
                }
                err.help = Some("front matter is TOML, e.g. `minutes = 5`".into());
                err
            })?;
            let body = &rest[offset + line.len()..];
            let body_line = text[..text.len() - body.len()].matches('\n').count() + 1;
            return Ok((front, body, body_line));
        }
        offset += line.len();
    }
    Err(Error::new("front matter opened with `+++` is never closed")
        .at(path, Some(1), None)
        .help("end the front matter with a line `+++`"))
}

/// Expands directives in `text`; `first_line` is the file line `text` starts on.
fn expand(
    text: &str,
    path: &Path,
    first_line: usize,
    depth: usize,
    out: &mut Preprocessed,
    budget: &mut Budget,
) -> Result<String> {
    let mut result = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{#") {
        // `\{{#include x}}` is the escape for a literal directive.
        if rest[..start].ends_with('\\') {
            result.push_str(&rest[..start - 1]);
            result.push_str("{{#");
            rest = &rest[start + 3..];
            continue;
        }
        result.push_str(&rest[..start]);
        let line = first_line + line_col(text, text.len() - rest.len() + start).0 - 1;
        let Some(end) = rest[start..].find("}}") else {
            result.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let directive = &rest[start + 3..start + end];
        rest = &rest[start + end + 2..];
        let (name, args) = directive
            .trim()
            .split_once(char::is_whitespace)
            .unwrap_or((directive.trim(), ""));
        let args = args.trim();
        match name {
            // Without a file (`{{#include}}` in prose about the directive) mdBook leaves the
            // text alone, and so does devoops.
            "include" | "rustdoc_include" | "playground" if args.is_empty() => {
                result.push_str(&format!("{{{{#{directive}}}}}"));
            }
            "include" | "rustdoc_include" => {
                let hide_rest = name == "rustdoc_include";
                match include(args, path, line, depth, hide_rest, out, budget)? {
                    Some(included) => result.push_str(&included),
                    None => result.push_str(&format!("{{{{#{directive}}}}}")),
                }
            }
            "playground" => {
                // `{{#playground file attr…}}`: the attributes go on the fence, as in mdBook.
                let (file, attributes) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
                let fence: String = std::iter::once("rust")
                    .chain(attributes.split([' ', ',']).filter(|a| !a.is_empty()))
                    .collect::<Vec<_>>()
                    .join(",");
                match include(file, path, line, depth, false, out, budget)? {
                    Some(code) => result.push_str(&format!("```{fence}\n{code}\n```")),
                    None => result.push_str(&format!("{{{{#{directive}}}}}")),
                }
            }
            "title" => out.title_override = Some(args.to_string()),
            // Unknown directives (another preprocessor's) stay as written.
            _ => {
                result.push_str("{{#");
                result.push_str(directive);
                result.push_str("}}");
            }
        }
    }
    result.push_str(rest);
    Ok(result)
}

/// `{{#include file}}`, `file:N`, `file:N:M`, `file::M`, `file:N:`, `file:anchor`.
fn include(
    args: &str,
    path: &Path,
    line: usize,
    depth: usize,
    hide_rest: bool,
    out: &mut Preprocessed,
    budget: &mut Budget,
) -> Result<Option<String>> {
    let at = |message: String, help: &str| {
        Error::new(message)
            .at(path, Some(line), None)
            .help(help.to_string())
    };
    if depth >= MAX_INCLUDE_DEPTH {
        return Err(at(
            format!("includes nest deeper than {MAX_INCLUDE_DEPTH} levels"),
            "an included file probably includes itself; break the cycle",
        ));
    }
    let mut parts = args.splitn(2, ':');
    let file = parts.next().unwrap_or("").trim();
    let selector = parts.next();
    if file.is_empty() {
        return Err(at(
            "`{{#include}}` needs a file".into(),
            "write `{{#include path/to/file}}`",
        ));
    }
    let target = path.parent().unwrap_or(Path::new(".")).join(file);
    if budget.includes == 0 {
        return Err(at(
            format!(
                "this chapter's includes pull in more than {} files",
                BUDGET.includes
            ),
            "an included file probably includes others many times over; include each once",
        ));
    }
    budget.includes -= 1;
    let here = path.display();
    if !target.exists() {
        // Watched even when missing, so `serve` picks the file up once it is created.
        out.included.push(target.clone());
        out.warnings.push(format!(
            "{here}:{line}: cannot include `{file}`: no such file; the directive is left as \
             written (the path is relative to this chapter's folder)"
        ));
        return Ok(None);
    }
    let bytes = read_include(&target).map_err(|why| {
        at(
            format!("cannot include `{file}`: {why}"),
            "the path is relative to this chapter's folder; include a regular text file",
        )
    })?;
    if bytes.len() as u64 > budget.bytes {
        return Err(at(
            format!(
                "this chapter's includes add up to more than {} MiB",
                BUDGET.bytes / (1024 * 1024)
            ),
            "an included file probably includes others many times over; include each once",
        ));
    }
    budget.bytes -= bytes.len() as u64;
    let content = text_from_bytes(&target, bytes).map_err(|e| {
        at(
            format!("cannot include `{file}`: {}", e.message),
            "save the included file as UTF-8",
        )
    })?;
    out.included.push(target.clone());
    let selected = match selector {
        None => content.clone(),
        Some(sel) => select(&content, sel).unwrap_or_else(|msg| {
            out.warnings.push(format!(
                "{here}:{line}: {msg}; nothing is included (check the line range or the \
                 ANCHOR name in `{file}`)"
            ));
            String::new()
        }),
    };
    let selected = match selector {
        Some(_) if hide_rest => hide_unselected(&content, &selected),
        _ => selected,
    };
    let expanded = expand(&selected, &target, 1, depth + 1, out, budget)?;
    let without_last_newline = expanded
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t));
    Ok(Some(without_last_newline.unwrap_or(&expanded).to_string()))
}

/// Reads an included file: only a regular file (a FIFO would block the build forever, and
/// `/dev/zero` never ends), and at most [`MAX_INCLUDE_BYTES`], counted while reading since
/// files such as `/proc/self/environ` report no size.
fn read_include(target: &Path) -> std::result::Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::metadata(target).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "it is a folder".into()
        } else {
            "it is not a regular file (a pipe, socket or device)".into()
        });
    }
    let file = std::fs::File::open(target).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_INCLUDE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_INCLUDE_BYTES {
        return Err(format!(
            "it is larger than {} MiB",
            MAX_INCLUDE_BYTES / (1024 * 1024)
        ));
    }
    Ok(bytes)
}

/// `content` without anchor lines, the lines outside `selected` (a run of its lines) as `# `
/// hidden lines.
fn hide_unselected(content: &str, selected: &str) -> String {
    let is_marker = |l: &&str| l.contains("ANCHOR:") || l.contains("ANCHOR_END:");
    let lines: Vec<&str> = content.lines().filter(|l| !is_marker(l)).collect();
    let wanted: Vec<&str> = selected.lines().collect();
    let start = (0..=lines.len().saturating_sub(wanted.len()))
        .find(|&i| lines[i..].starts_with(&wanted))
        .unwrap_or(0);
    let shown = start..start + wanted.len();
    let mut out = String::with_capacity(content.len() + lines.len() * 2);
    for (i, l) in lines.iter().enumerate() {
        if !shown.contains(&i) {
            out.push_str("# ");
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// Applies a line range (`N`, `N:M`, `:M`, `N:`) or an anchor name to included text.
fn select(content: &str, selector: &str) -> std::result::Result<String, String> {
    let lines: Vec<&str> = content.lines().collect();
    let numbers: Vec<&str> = selector.split(':').collect();
    let parse = |s: &str| -> std::result::Result<Option<usize>, ()> {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            s.trim().parse::<usize>().map(Some).map_err(|_| ())
        }
    };
    let range = match numbers.as_slice() {
        [one] => parse(one).map(|n| n.map(|n| (Some(n), Some(n)))),
        [from, to] => parse(from).and_then(|f| parse(to).map(|t| Some((f, t)))),
        _ => Err(()),
    };
    match range {
        Ok(Some((from, to))) => {
            let from = from.unwrap_or(1).max(1) - 1;
            let to = to.unwrap_or(lines.len()).min(lines.len());
            Ok(lines.get(from..to.max(from)).unwrap_or(&[]).join("\n") + "\n")
        }
        Ok(None) | Err(()) => anchored(&lines, selector.trim()),
    }
}

/// The lines between `ANCHOR: name` and `ANCHOR_END: name`, without any anchor lines.
fn anchored(lines: &[&str], name: &str) -> std::result::Result<String, String> {
    let is_marker = |line: &str, kind: &str| {
        line.split_once(kind)
            .map(|(_, rest)| rest.trim_start_matches(':').split_whitespace().next() == Some(name))
            .unwrap_or(false)
    };
    let start = lines
        .iter()
        .position(|l| is_marker(l, "ANCHOR:"))
        .ok_or_else(|| format!("no `ANCHOR: {name}` in the included file"))?;
    let mut body = Vec::new();
    for line in &lines[start + 1..] {
        if is_marker(line, "ANCHOR_END:") {
            return Ok(body.join("\n") + "\n");
        }
        if !line.contains("ANCHOR:") && !line.contains("ANCHOR_END:") {
            body.push(*line);
        }
    }
    Err(format!(
        "`ANCHOR: {name}` has no matching `ANCHOR_END: {name}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("code.rs"),
            "line1\n// ANCHOR: main\nfn main() {}\n// ANCHOR: inner\nlet x = 1;\n// ANCHOR_END: inner\n// ANCHOR_END: main\nline8\n",
        )
        .unwrap();
        dir
    }

    fn run(text: &str, dir: &Path) -> Result<Preprocessed> {
        preprocess(text, &dir.join("chapter.md"))
    }

    #[test]
    fn whole_file_and_line_ranges() {
        let dir = fixture();
        let p = run(
            "{{#include code.rs:1}}|{{#include code.rs:8:}}|{{#include code.rs::1}}",
            dir.path(),
        )
        .unwrap();
        assert_eq!(p.markdown, "line1|line8|line1");
        let whole = run("{{#include code.rs}}", dir.path()).unwrap();
        assert!(whole.markdown.starts_with("line1\n// ANCHOR: main"));
        assert_eq!(whole.included, vec![dir.path().join("code.rs")]);
    }

    #[test]
    fn anchors_strip_nested_markers() {
        let dir = fixture();
        let p = run("{{#include code.rs:main}}", dir.path()).unwrap();
        assert_eq!(p.markdown, "fn main() {}\nlet x = 1;");
        let inner = run("{{#include code.rs:inner}}", dir.path()).unwrap();
        assert_eq!(inner.markdown, "let x = 1;");
    }

    #[test]
    fn title_and_escape() {
        let dir = fixture();
        let p = run("{{#title Custom}}\n\\{{#include code.rs}}", dir.path()).unwrap();
        assert_eq!(p.title_override.as_deref(), Some("Custom"));
        assert_eq!(p.markdown, "\n{{#include code.rs}}");
    }

    #[test]
    fn missing_include_is_a_warning_naming_chapter_line() {
        let dir = fixture();
        let p = run("a\nb\n{{#include nope.rs}}\n", dir.path()).unwrap();
        assert_eq!(p.markdown, "a\nb\n{{#include nope.rs}}\n");
        let chapter = dir.path().join("chapter.md");
        assert_eq!(p.warnings.len(), 1);
        assert!(
            p.warnings[0].starts_with(&format!(
                "{}:3: cannot include `nope.rs`",
                chapter.display()
            )),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn missing_anchor_is_a_warning_and_includes_nothing() {
        let dir = fixture();
        let p = run("x{{#include code.rs:nothere}}y", dir.path()).unwrap();
        assert_eq!(p.markdown, "xy");
        assert!(
            p.warnings[0].contains("ANCHOR: nothere"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn a_directive_without_a_file_stays_as_written() {
        let dir = fixture();
        let p = run("Use `{{#include}}` to include a file.", dir.path()).unwrap();
        assert_eq!(p.markdown, "Use `{{#include}}` to include a file.");
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn rustdoc_include_hides_the_lines_it_does_not_select() {
        let dir = fixture();
        let p = run("{{#rustdoc_include code.rs:inner}}", dir.path()).unwrap();
        assert_eq!(p.markdown, "# line1\n# fn main() {}\nlet x = 1;\n# line8");
    }

    #[test]
    fn playground_takes_attributes_onto_the_fence() {
        let dir = fixture();
        let p = run("{{#playground code.rs:inner editable no_run}}", dir.path()).unwrap();
        assert_eq!(p.markdown, "```rust,editable,no_run\nlet x = 1;\n```");
    }

    #[test]
    fn self_include_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("loop.md"), "{{#include loop.md}}").unwrap();
        let err = run("{{#include loop.md}}", dir.path()).unwrap_err();
        assert!(err.message.contains("nest"), "{err}");
    }

    #[test]
    fn front_matter_is_parsed_and_removed() {
        let dir = fixture();
        let p = run(
            "+++\nminutes = 7\n+++\n# Hi\n{{#include missing}}",
            dir.path(),
        )
        .unwrap();
        // Line numbers still count the front matter lines.
        assert!(p.warnings[0].contains("chapter.md:5:"), "{:?}", p.warnings);
        let ok = run("+++\nminutes = 7\n+++\n# Hi\n", dir.path()).unwrap();
        assert_eq!(ok.front.minutes, Some(7));
        assert_eq!(ok.markdown, "# Hi\n");
    }

    #[test]
    fn bad_front_matter_points_at_its_line() {
        let dir = fixture();
        let err = run("+++\nminutes = 7\nminuts = 3\n+++\n", dir.path()).unwrap_err();
        assert_eq!(err.location.unwrap().line, Some(3));
        let unclosed = run("+++\nminutes = 7\n", dir.path()).unwrap_err();
        assert!(unclosed.message.contains("never closed"));
    }

    #[test]
    fn special_files_are_refused() {
        let dir = fixture();
        for special in ["/dev/zero", "/dev/urandom"] {
            let err = run(&format!("{{{{#include {special}}}}}"), dir.path()).unwrap_err();
            assert!(err.message.contains("not a regular file"), "{err}");
        }
        let err = run("{{#include .}}", dir.path()).unwrap_err();
        assert!(err.message.contains("folder"), "{err}");
    }

    #[test]
    fn includes_are_bounded_in_size_and_total_work() {
        let dir = tempfile::tempdir().unwrap();
        let big = fs::File::create(dir.path().join("big.txt")).unwrap();
        big.set_len(MAX_INCLUDE_BYTES + 1).unwrap();
        let err = run("{{#include big.txt}}", dir.path()).unwrap_err();
        assert!(err.message.contains("larger than"), "{err}");
        // Nine levels of ten includes each: 10^9 reads unless the budget stops them.
        for level in 1..9 {
            let next = format!("{{{{#include level{}.md}}}}\n", level + 1).repeat(10);
            fs::write(dir.path().join(format!("level{level}.md")), next).unwrap();
        }
        fs::write(dir.path().join("level9.md"), "leaf\n").unwrap();
        let started = std::time::Instant::now();
        let err = run(&"{{#include level1.md}}\n".repeat(10), dir.path()).unwrap_err();
        assert!(err.message.contains("more than 10000 files"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }
}
