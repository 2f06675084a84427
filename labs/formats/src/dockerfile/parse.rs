//! The Dockerfile grammar, written by hand (see DEPENDENCIES.md for why no crate):
//! parser directives, comments, line continuations with the configurable escape
//! character, heredocs, flags, and the JSON (exec) versus shell form. Every
//! instruction keeps the 1-based line it starts on; malformed input is a
//! [`ParseError`] naming the line, never a panic.

use crate::LineError;

use super::model::{Directive, Dockerfile, Flag, Heredoc, Instruction, Keyword};
use super::words::{parse_json_string_array, split_words};

/// Why a Dockerfile could not be read, and where: the crate's one error type.
pub type ParseError = LineError;

fn error(line: usize, message: impl Into<String>) -> ParseError {
    LineError::at(line, message)
}

/// Directives the builder understands. Anything else that looks like one is a comment.
const KNOWN_DIRECTIVES: [&str; 3] = ["syntax", "escape", "check"];

pub fn parse(source: &str) -> Result<Dockerfile, ParseError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let lines: Vec<&str> = source
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let directives = parse_directives(&lines)?;
    let escape = match directives.iter().find(|d| d.name == "escape") {
        None => '\\',
        Some(d) if d.value == "\\" => '\\',
        Some(d) if d.value == "`" => '`',
        Some(d) => {
            return Err(error(
                d.line,
                format!(
                    "invalid escape character `{}`: use `\\` or a backtick",
                    d.value
                ),
            ));
        }
    };

    let mut instructions = Vec::new();
    let mut cursor = 0;
    while cursor < lines.len() {
        if is_blank_or_comment(lines[cursor]) {
            cursor += 1;
            continue;
        }
        let (instruction, next) = parse_instruction(&lines, cursor, escape)?;
        instructions.push(instruction);
        cursor = next;
    }
    check_structure(&instructions)?;
    Ok(Dockerfile {
        escape,
        directives,
        instructions,
    })
}

fn is_blank_or_comment(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.is_empty() || trimmed.starts_with('#')
}

/// Directives are only recognised at the very top: the first line that is not a
/// directive (a comment, a blank line, an instruction) ends the search.
fn parse_directives(lines: &[&str]) -> Result<Vec<Directive>, ParseError> {
    let mut directives: Vec<Directive> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some((name, value)) = directive_parts(line) else {
            break;
        };
        let name = name.to_ascii_lowercase();
        if !KNOWN_DIRECTIVES.contains(&name.as_str()) {
            break;
        }
        if directives.iter().any(|d| d.name == name) {
            return Err(error(
                index + 1,
                format!("the `{name}` parser directive is given twice"),
            ));
        }
        directives.push(Directive {
            name,
            value: value.to_string(),
            line: index + 1,
        });
    }
    Ok(directives)
}

/// `#  name = value` → (name, value).
fn directive_parts(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix('#')?;
    let (name, value) = rest.split_once('=')?;
    let name = name.trim();
    let value = value.trim();
    let valid_name =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (valid_name && !value.is_empty() && !value.contains(char::is_whitespace))
        .then_some((name, value))
}

/// If `line` ends with the escape character (trailing blanks allowed), the line
/// without it: the instruction continues on the next line. An escaped escape
/// (`ENV WINDIR C:\\`) is a literal character, not a continuation, exactly as the
/// builder's `([^\\])\\[ \t]*$` rule reads it.
fn strip_continuation(line: &str, escape: char) -> Option<&str> {
    let head = line.trim_end_matches([' ', '\t']).strip_suffix(escape)?;
    (!head.is_empty() && !head.ends_with(escape)).then_some(head)
}

/// Reads the instruction starting at `start`; returns it and the index of the
/// first line after it (after its heredoc bodies, if any).
fn parse_instruction(
    lines: &[&str],
    start: usize,
    escape: char,
) -> Result<(Instruction, usize), ParseError> {
    let line_no = start + 1;
    let mut logical = String::new();
    let mut cursor = start;
    // The last physical line that carried text: blank and comment lines skipped at
    // the end of the file after a continuation do not belong to the instruction.
    let mut end_line;
    loop {
        let line = lines[cursor];
        cursor += 1;
        end_line = cursor;
        match strip_continuation(line, escape) {
            Some(head) => {
                logical.push_str(head);
                // Comment lines and blank lines inside a continuation are dropped.
                while cursor < lines.len() && is_blank_or_comment(lines[cursor]) {
                    cursor += 1;
                }
                if cursor >= lines.len() {
                    break;
                }
            }
            None => {
                logical.push_str(line);
                break;
            }
        }
    }
    let logical = logical.trim();
    let (word, rest) = logical
        .split_once(char::is_whitespace)
        .unwrap_or((logical, ""));
    let keyword = Keyword::parse(word).ok_or_else(|| {
        error(
            line_no,
            format!("unknown instruction `{word}` (a typo, or a comment missing its `#`?)"),
        )
    })?;
    let (flags, args) = split_flags(rest.trim(), escape);
    if args.is_empty() {
        return Err(error(
            line_no,
            format!("{} needs arguments", keyword.as_str()),
        ));
    }
    let exec = if keyword.accepts_json() && args.starts_with('[') {
        parse_json_string_array(args)
    } else {
        None
    };
    let trigger = match keyword {
        Keyword::Onbuild => Some(Box::new(parse_trigger(args, line_no, end_line, escape)?)),
        _ => None,
    };

    let mut heredocs = Vec::new();
    if keyword.accepts_heredocs() && exec.is_none() {
        for marker in heredoc_markers(args, escape) {
            let (doc, next) = read_heredoc_body(lines, cursor, &marker, line_no)?;
            heredocs.push(doc);
            cursor = next;
            end_line = next;
        }
    }

    let instruction = Instruction {
        keyword,
        line: line_no,
        end_line,
        flags,
        args: args.to_string(),
        exec,
        heredocs,
        trigger,
    };
    validate_arguments(&instruction, escape)?;
    Ok((instruction, cursor))
}

/// The instruction an `ONBUILD` registers (`ONBUILD RUN ["make"]`), read with the
/// same grammar so that its flags and exec form are seen like any other's. The
/// builder forbids chaining ONBUILD and triggering FROM or MAINTAINER.
fn parse_trigger(
    args: &str,
    line: usize,
    end_line: usize,
    escape: char,
) -> Result<Instruction, ParseError> {
    let (mut trigger, _) =
        parse_instruction(&[args], 0, escape).map_err(|e| error(line, e.message))?;
    if matches!(
        trigger.keyword,
        Keyword::Onbuild | Keyword::From | Keyword::Maintainer
    ) {
        return Err(error(
            line,
            format!("ONBUILD cannot trigger {}", trigger.keyword.as_str()),
        ));
    }
    trigger.line = line;
    trigger.end_line = end_line;
    Ok(trigger)
}

/// Leading `--name[=value]` words are options of the instruction, not arguments.
fn split_flags(rest: &str, escape: char) -> (Vec<Flag>, &str) {
    let mut flags = Vec::new();
    let mut remaining = rest;
    while remaining.starts_with("--") {
        let end = remaining
            .find(char::is_whitespace)
            .unwrap_or(remaining.len());
        let word = &remaining[2..end];
        if word.is_empty() {
            break;
        }
        let text = split_words(word, escape)
            .into_iter()
            .next()
            .map(|w| w.text)
            .unwrap_or_default();
        let (name, value) = match text.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (text, None),
        };
        flags.push(Flag { name, value });
        remaining = remaining[end..].trim_start();
    }
    (flags, remaining)
}

struct HeredocMarker {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

/// Finds `<<EOF`, `<<-EOF`, `<<"EOF"` and `2<<EOF` words, the way the builder does:
/// a word that starts with an optional file descriptor and `<<` (but not `<<<`).
fn heredoc_markers(args: &str, escape: char) -> Vec<HeredocMarker> {
    split_words(args, escape)
        .into_iter()
        .filter_map(|word| {
            let raw = word.raw.trim_start_matches(|c: char| c.is_ascii_digit());
            let rest = raw.strip_prefix("<<")?;
            let (strip_tabs, name) = match rest.strip_prefix('-') {
                Some(name) => (true, name),
                None => (false, rest),
            };
            if name.is_empty() || name.contains('<') {
                return None;
            }
            let quoted = name.starts_with('"') || name.starts_with('\'');
            let delimiter: String = split_words(name, escape)
                .into_iter()
                .map(|w| w.text)
                .collect();
            (!delimiter.is_empty()).then_some(HeredocMarker {
                delimiter,
                strip_tabs,
                quoted,
            })
        })
        .collect()
}

fn read_heredoc_body(
    lines: &[&str],
    start: usize,
    marker: &HeredocMarker,
    instruction_line: usize,
) -> Result<(Heredoc, usize), ParseError> {
    let mut body = String::new();
    let mut cursor = start;
    while cursor < lines.len() {
        let line = if marker.strip_tabs {
            lines[cursor].trim_start_matches('\t')
        } else {
            lines[cursor]
        };
        cursor += 1;
        if line.trim_end() == marker.delimiter {
            let doc = Heredoc {
                delimiter: marker.delimiter.clone(),
                body,
                body_line: start + 1,
                quoted: marker.quoted,
            };
            return Ok((doc, cursor));
        }
        body.push_str(line);
        body.push('\n');
    }
    Err(error(
        instruction_line,
        format!(
            "the heredoc `<<{0}` never ends: add a line containing only `{0}` after its body",
            marker.delimiter
        ),
    ))
}

/// Checks the builder makes before it runs anything, so that a broken Dockerfile is
/// reported with its line instead of confusing a rule later.
fn validate_arguments(instruction: &Instruction, escape: char) -> Result<(), ParseError> {
    let line = instruction.line;
    match instruction.keyword {
        Keyword::From => {
            let words: Vec<&str> = instruction.args.split_whitespace().collect();
            let well_formed =
                words.len() == 1 || (words.len() == 3 && words[1].eq_ignore_ascii_case("as"));
            if !well_formed {
                return Err(error(line, "FROM takes `image` or `image AS name`"));
            }
        }
        Keyword::Shell if instruction.exec.is_none() => {
            return Err(error(
                line,
                r#"SHELL needs a JSON array, e.g. SHELL ["/bin/bash", "-c"]"#,
            ));
        }
        Keyword::Healthcheck => {
            let first = instruction
                .words(escape)
                .into_iter()
                .next()
                .map(|w| w.text.to_ascii_uppercase());
            match first.as_deref() {
                Some("NONE") => {}
                Some("CMD") if instruction.args.split_whitespace().nth(1).is_some() => {}
                Some("CMD") => return Err(error(line, "HEALTHCHECK CMD needs a command")),
                _ => return Err(error(line, "HEALTHCHECK takes `CMD <command>` or `NONE`")),
            }
        }
        Keyword::Env | Keyword::Label => {
            let words = instruction.words(escape);
            // `LABEL key "value"` and `ENV KEY value` are the builder's legacy form:
            // the first word is the key, the rest of the line its value.
            if words.len() > 1 && !words[0].raw.contains('=') {
                return Ok(());
            }
            if words.len() == 1 && !words[0].raw.contains('=') {
                return Err(error(
                    line,
                    format!(
                        "{} `{}` has no value: write KEY=value",
                        instruction.keyword.as_str(),
                        words[0].text
                    ),
                ));
            }
            if let Some(bad) = instruction
                .key_values(escape)
                .iter()
                .find(|kv| kv.value.is_none() || kv.key.is_empty())
            {
                return Err(error(
                    line,
                    format!(
                        "{} expects KEY=value pairs, found `{}`",
                        instruction.keyword.as_str(),
                        bad.key
                    ),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// A build needs a FROM, and only ARG may come before the first one.
fn check_structure(instructions: &[Instruction]) -> Result<(), ParseError> {
    let Some(first) = instructions.iter().find(|i| i.keyword != Keyword::Arg) else {
        let line = instructions.first().map_or(1, |i| i.line);
        return Err(error(
            line,
            "no FROM instruction: a Dockerfile must start its first stage with FROM",
        ));
    };
    if first.keyword != Keyword::From {
        return Err(error(
            first.line,
            format!(
                "{} before the first FROM: only ARG may come before FROM",
                first.keyword.as_str()
            ),
        ));
    }
    Ok(())
}
