//! File and structure facts: a file exists, a script is executable, a pattern is (not) there.

use regex::Regex;

use serde::Deserialize;

use crate::cleanroom::sandbox::is_executable;
use crate::engine::params::StrList;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::tri;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(RuleDef {
            id: "FILE001",
            meaning: "A file or directory the deployment needs is present",
            remediation: "Create the file and commit it: what is not in the repository or the tarball does not exist on the server",
            params: &[
                "path: relative to the checked directory",
                "kind: \"file\" (default), \"dir\" or \"any\"",
            ],
            check: exists,
        }),
        Box::new(RuleDef {
            id: "FILE002",
            meaning: "A script is executable and starts with a #! line naming its interpreter",
            remediation: "Add a first line such as `#!/bin/sh` and run `chmod +x` (git keeps the mode; so does tar)",
            params: &["path: the script, relative to the checked directory"],
            check: executable,
        }),
        Box::new(RuleDef {
            id: "FILE003",
            meaning: "No file matching `files` contains a line matching `pattern` (e.g. a path that exists only on one laptop)",
            remediation: "Replace the machine-specific value with a variable that has a documented default",
            params: &[
                "files: paths or globs (`*`, `?`, `[a-z]`, `**/`), relative to the checked directory",
                "pattern: a regular expression (Rust regex syntax: `\\w \\d \\s \\b` and `(?i)` are Unicode-aware; no `\\p{…}` classes)",
                "what: words for the thing the pattern finds, used in the message",
                "skip_comments: ignore lines starting with # (default true)",
            ],
            check: forbidden,
        }),
        Box::new(RuleDef {
            id: "FILE004",
            meaning: "Every file matching `files` contains a line matching `pattern`",
            remediation: "Add the missing setting; the lab's hint says which one and why",
            params: &[
                "files: paths or globs (`*`, `?`, `[a-z]`, `**/`), relative to the checked directory",
                "pattern: a regular expression (Rust regex syntax: `\\w \\d \\s \\b` and `(?i)` are Unicode-aware; no `\\p{…}` classes)",
                "what: words for what must be there, used in the message",
            ],
            check: required,
        }),
    ]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PathParams {
    path: String,
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptParams {
    path: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForbiddenParams {
    files: StrList,
    pattern: String,
    #[serde(default)]
    what: Option<String>,
    #[serde(default = "yes")]
    skip_comments: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequiredParams {
    files: StrList,
    pattern: String,
    #[serde(default)]
    what: Option<String>,
}

/// FILE001: a path exists.
fn exists(ctx: &CheckCtx, p: &PathParams) -> Outcome {
    let rel = p.path.as_str();
    let kind = p.kind.as_deref().unwrap_or("file");
    let path = ctx.path(rel);
    let ok = match kind {
        "file" => path.is_file(),
        "dir" => path.is_dir(),
        "any" => path.exists(),
        other => {
            return Outcome::fail(format!(
                "lab.toml: check \"{}\": kind {other:?} is not file, dir or any",
                ctx.check_name
            ));
        }
    };
    if ok {
        Outcome::pass(format!("`{rel}` is there")).at(rel, None)
    } else if path.exists() {
        Outcome::fail(format!("`{rel}` exists but is not a {kind}")).at(rel, None)
    } else {
        Outcome::fail(format!("`{rel}` is missing")).at(rel, None)
    }
}

/// FILE002: a script can be run as it is.
fn executable(ctx: &CheckCtx, p: &ScriptParams) -> Outcome {
    let rel = p.path.as_str();
    let text = tri!(ctx.read_text(rel));
    if !text.starts_with("#!") {
        return Outcome::fail(format!(
            "`{rel}` does not start with #!: the system cannot tell which interpreter runs it"
        ))
        .at(rel, Some(1));
    }
    if text.split('\n').next().is_some_and(|l| l.ends_with('\r')) {
        // The kernel reads the interpreter as `/bin/sh\r`, which does not exist: the
        // shell then says "No such file or directory" about a file that is right there.
        return Outcome::fail(format!(
            "`{rel}` has Windows line endings (CRLF), so `#!` names an interpreter with a \\r at its end that no system has: convert it with `sed -i 's/\\r$//' {rel}` (or `dos2unix {rel}`) and set your editor to LF for this file"
        ))
        .at(rel, Some(1));
    }
    if !is_executable(&ctx.path(rel)) {
        return Outcome::fail(format!("`{rel}` is not executable")).at(rel, None);
    }
    Outcome::pass(format!("`{rel}` is an executable script")).at(rel, Some(1))
}

/// The files a pattern rule looks at: `files` may hold paths or globs (`**/*.sh`).
fn matching_files(ctx: &CheckCtx, patterns: &StrList) -> Result<Vec<String>, Outcome> {
    if patterns.is_empty() {
        return Err(Outcome::fail(format!(
            "lab.toml: check \"{}\" needs `files` (paths or globs)",
            ctx.check_name
        )));
    }
    let set = patterns
        .iter()
        .map(|pattern| glob_pattern(ctx, pattern))
        .collect::<Result<Vec<_>, _>>()?;
    let mut found = Vec::new();
    collect(ctx.dir, ctx.dir, &set, &mut found);
    found.sort();
    Ok(found)
}

/// One glob of `files`. `*` matches across `/` too (`*.sh` finds `bin/run.sh`).
/// (The `glob` crate: globset brings aho-corasick and regex's literal search into every
/// checker, for a few globs over a small folder.)
fn glob_pattern(ctx: &CheckCtx, pattern: &str) -> Result<glob::Pattern, Outcome> {
    let bad = |why: String| {
        Outcome::fail(format!(
            "lab.toml: check \"{}\": `files` glob `{pattern}`: {why}",
            ctx.check_name
        ))
        .at("lab.toml", None)
    };
    if pattern.contains(['{', '}']) {
        // Taken literally they would match nothing, and a FILE003 would pass unseen.
        return Err(bad(
            "alternatives in braces are not supported: list each glob in `files`".into(),
        ));
    }
    glob::Pattern::new(pattern).map_err(|e| bad(e.to_string()))
}

/// How `files` globs match a relative path: case-sensitive, `*` crossing `/`.
const MATCH: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

fn collect(
    root: &std::path::Path,
    dir: &std::path::Path,
    set: &[glob::Pattern],
    out: &mut Vec<String>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel_str = rel.to_string_lossy().into_owned();
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect(root, &path, set, out),
            Ok(t) if t.is_file() && set.iter().any(|g| g.matches_path_with(rel, MATCH)) => {
                out.push(rel_str)
            }
            _ => {}
        }
    }
}

fn regex_param(ctx: &CheckCtx, pattern: &str) -> Result<Regex, Outcome> {
    Regex::new(pattern).map_err(|e| {
        Outcome::fail(format!(
            "lab.toml: check \"{}\": `pattern` is not a valid regex: {e}",
            ctx.check_name
        ))
    })
}

/// FILE003: a pattern must not appear (e.g. a developer's home directory).
fn forbidden(ctx: &CheckCtx, p: &ForbiddenParams) -> Outcome {
    let files = tri!(matching_files(ctx, &p.files));
    let re = tri!(regex_param(ctx, &p.pattern));
    let what = p.what.as_deref().unwrap_or("forbidden text");
    let skip_comments = p.skip_comments;
    for rel in &files {
        let text = tri!(ctx.read_text(rel));
        for (i, line) in text.lines().enumerate() {
            if skip_comments && line.trim_start().starts_with('#') {
                continue;
            }
            if let Some(m) = re.find(line) {
                return Outcome::fail(format!("{what}: `{}`", m.as_str()))
                    .at(rel.as_str(), Some(i + 1));
            }
        }
    }
    Outcome::pass(format!("no {what} in {} file(s)", files.len()))
}

/// FILE004: a pattern must appear.
fn required(ctx: &CheckCtx, p: &RequiredParams) -> Outcome {
    let files = tri!(matching_files(ctx, &p.files));
    let re = tri!(regex_param(ctx, &p.pattern));
    let what = p.what.as_deref().unwrap_or("the required text");
    if files.is_empty() {
        let wanted = p.files.join(", ");
        return Outcome::fail(format!("no file matches {wanted}"));
    }
    for rel in &files {
        let text = tri!(ctx.read_text(rel));
        if let Some((i, _)) = text
            .lines()
            .enumerate()
            .find(|(_, l)| !l.trim_start().starts_with('#') && re.is_match(l))
        {
            if files.len() == 1 {
                return Outcome::pass(format!("{what} is there")).at(rel.as_str(), Some(i + 1));
            }
            continue;
        }
        return Outcome::fail(format!("{what} is missing")).at(rel.as_str(), None);
    }
    Outcome::pass(format!("{what} is in all {} files", files.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rule::Toolbox;

    fn matching(dir: &std::path::Path, globs: &[&str]) -> Result<Vec<String>, Outcome> {
        let params = toml::Table::new();
        let toolbox = Toolbox::default();
        let ctx = CheckCtx {
            dir,
            params: &params,
            check_name: "globs",
            toolbox: &toolbox,
        };
        let list = StrList(globs.iter().map(|g| g.to_string()).collect());
        matching_files(&ctx, &list)
    }

    #[test]
    fn globs_match_relative_paths_and_star_crosses_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bin/deep")).unwrap();
        for file in [
            "start.sh",
            "bin/run.sh",
            "bin/deep/x.sh",
            "notes.txt",
            ".env.example",
        ] {
            std::fs::write(dir.path().join(file), "x").unwrap();
        }
        let all_sh = ["bin/deep/x.sh", "bin/run.sh", "start.sh"];
        assert_eq!(matching(dir.path(), &["*.sh"]).unwrap(), all_sh);
        assert_eq!(matching(dir.path(), &["**/*.sh"]).unwrap(), all_sh);
        assert_eq!(
            matching(dir.path(), &["bin/?un.sh", ".env.example"]).unwrap(),
            [".env.example", "bin/run.sh"]
        );
        assert_eq!(matching(dir.path(), &["[n]otes.*"]).unwrap(), ["notes.txt"]);
        assert!(matching(dir.path(), &["*.md"]).unwrap().is_empty());
    }

    #[test]
    fn bad_globs_are_lab_toml_errors() {
        let dir = tempfile::tempdir().unwrap();
        let braces = matching(dir.path(), &["*.{sh,json}"]).unwrap_err();
        assert!(
            braces.message.contains("list each glob"),
            "{}",
            braces.message
        );
        assert_eq!(braces.location.unwrap().file, "lab.toml");
        let unclosed = matching(dir.path(), &["[a-"]).unwrap_err();
        assert!(
            unclosed.message.contains("`files` glob `[a-`"),
            "{}",
            unclosed.message
        );
        assert!(matching(dir.path(), &[]).is_err());
    }
}
