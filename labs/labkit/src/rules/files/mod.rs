//! File and structure facts: a file exists, a script is executable, a pattern is (not) there.

use globset::{Glob, GlobSetBuilder};
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
                "files: paths or globs, relative to the checked directory",
                "pattern: a regular expression (Rust regex syntax)",
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
                "files: paths or globs, relative to the checked directory",
                "pattern: a regular expression (Rust regex syntax)",
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
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns.iter() {
        let glob = Glob::new(pattern)
            .map_err(|e| Outcome::fail(format!("lab.toml: check \"{}\": {e}", ctx.check_name)))?;
        builder.add(glob);
    }
    let set = builder
        .build()
        .map_err(|e| Outcome::fail(format!("lab.toml: check \"{}\": {e}", ctx.check_name)))?;
    let mut found = Vec::new();
    collect(ctx.dir, ctx.dir, &set, &mut found);
    found.sort();
    Ok(found)
}

fn collect(
    root: &std::path::Path,
    dir: &std::path::Path,
    set: &globset::GlobSet,
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
            Ok(t) if t.is_file() && set.is_match(rel) => out.push(rel_str),
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
