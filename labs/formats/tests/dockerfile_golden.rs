//! Golden files for the Dockerfile reader: every `*.Dockerfile` under `tests/golden/`
//! and the real-world corpus under `tests/corpus/` is parsed, and what the reader saw
//! (instruction, first and last line, flags, exec form, heredoc bodies, ONBUILD
//! triggers) is compared with the `.expected` file next to it. Regenerate after a
//! deliberate change with `FORMATS_BLESS=1 cargo test -p formats --test dockerfile_golden`
//! and review the diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use formats::dockerfile::{Instruction, Keyword, parse};

fn describe(instruction: &Instruction, indent: &str, out: &mut String) {
    let _ = write!(
        out,
        "{indent}{}-{} {}",
        instruction.line,
        instruction.end_line,
        instruction.keyword.as_str()
    );
    for flag in &instruction.flags {
        match &flag.value {
            Some(value) => {
                let _ = write!(out, " --{}={value}", flag.name);
            }
            None => {
                let _ = write!(out, " --{}", flag.name);
            }
        }
    }
    match &instruction.exec {
        Some(items) => {
            let _ = write!(out, " exec{items:?}");
        }
        None => {
            let _ = write!(out, " shell {:?}", instruction.args);
        }
    }
    out.push('\n');
    for doc in &instruction.heredocs {
        let _ = writeln!(
            out,
            "{indent}  heredoc {} at {}{}: {:?}",
            doc.delimiter,
            doc.body_line,
            if doc.quoted { " (quoted)" } else { "" },
            doc.body
        );
    }
    if let Some(trigger) = &instruction.trigger {
        describe(trigger, &format!("{indent}  onbuild "), out);
    }
}

fn render(source: &str) -> String {
    match parse(source) {
        Ok(df) => {
            let mut out = String::new();
            for instruction in &df.instructions {
                describe(instruction, "", &mut out);
            }
            out
        }
        Err(e) => format!("error: {e}\n"),
    }
}

fn dockerfiles(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            dockerfiles(&path, out);
        } else if path.extension().is_some_and(|e| e == "Dockerfile") {
            out.push(path);
        }
    }
}

#[test]
fn every_golden_and_corpus_dockerfile_reads_as_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = Vec::new();
    dockerfiles(&root.join("golden"), &mut files);
    dockerfiles(&root.join("corpus"), &mut files);
    files.sort();
    assert!(
        files.len() >= 5,
        "golden Dockerfiles missing under {root:?}"
    );
    let bless = std::env::var_os("FORMATS_BLESS").is_some();
    let mut mismatches = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let got = render(&source);
        let expected_path = file.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            mismatches.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{got}",
                file.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The shell of every corpus RUN is parsed into a command tree; only a RUN whose stage
/// sets a non-POSIX SHELL (PowerShell, cmd) is left to the word by word reading.
#[test]
fn every_corpus_run_shell_is_parsed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files = Vec::new();
    dockerfiles(&root, &mut files);
    files.sort();
    let mut unparsed = Vec::new();
    let mut runs = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let Ok(df) = parse(&source) else { continue };
        let mut posix = true;
        for instruction in &df.instructions {
            match instruction.keyword {
                Keyword::From => posix = true,
                Keyword::Shell => {
                    posix = instruction
                        .exec
                        .as_ref()
                        .and_then(|s| s.first())
                        .is_some_and(|p| {
                            matches!(p.rsplit('/').next(), Some("sh" | "bash" | "ash" | "dash"))
                        })
                }
                Keyword::Run if posix => {
                    runs += 1;
                    if let Some(why) = instruction.script(df.escape).unparsed {
                        unparsed.push(format!("{}:{}: {why}", file.display(), instruction.line));
                    }
                }
                _ => {}
            }
        }
    }
    assert!(runs > 50, "only {runs} RUNs in the corpus");
    assert!(unparsed.is_empty(), "{}", unparsed.join("\n"));
}
