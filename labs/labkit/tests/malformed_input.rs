//! Malformed input never panics a rule: every golden fixture of the static rules is
//! cut short at each line, mid-line, and has each line removed or mangled in turn,
//! and every rule of its family runs on each variant. A rule may pass or fail on
//! such input (a cut-short file is often still valid); it must answer.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use labkit::engine::registry;
use labkit::{CheckCtx, Toolbox};

mod common;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if path.file_name().is_some_and(|n| n != "case.toml") {
            out.push(path);
        }
    }
}

/// Variants of `text`: cut after each line and in the middle of it, each line
/// dropped, each line with YAML/Dockerfile punctuation spliced in.
fn variants(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = Vec::new();
    for i in 0..lines.len() {
        let head: String = lines[..i].concat();
        out.push(head.clone());
        let half: String = lines[i]
            .chars()
            .take(lines[i].chars().count() / 2)
            .collect();
        out.push(format!("{head}{half}"));
        out.push(format!("{head}{}", lines[i + 1..].concat()));
        out.push(format!("{head}  [{{\"<<&* \\\n{}", lines[i + 1..].concat()));
    }
    // An even sample keeps long files from dominating the run time.
    let step = out.len().div_ceil(MAX_VARIANTS).max(1);
    out.into_iter().step_by(step).collect()
}

/// Variants tried per file.
const MAX_VARIANTS: usize = 40;

#[test]
fn static_rules_survive_mangled_fixtures() {
    let toolbox = Toolbox::default();
    let rules = registry::all_rules();
    let mut runs = 0;
    for family in ["DF", "COMPOSE", "K8S"] {
        let family_rules: Vec<_> = rules
            .iter()
            .filter(|r| r.id().starts_with(family))
            .collect();
        // One representative case per rule keeps the run short: the fail cases carry
        // the odd syntax.
        let mut cases: Vec<PathBuf> = common::rule_fixture_dirs()
            .into_iter()
            .filter(|(id, _)| id.starts_with(family))
            .filter_map(|(_, p)| {
                fs::read_dir(p.join("fail"))
                    .ok()?
                    .flatten()
                    .map(|e| e.path())
                    .min()
            })
            .collect();
        cases.sort();
        for case in cases {
            let mut files = Vec::new();
            files_under(&case, &mut files);
            for file in files {
                let Ok(original) = fs::read_to_string(&file) else {
                    continue;
                };
                let rel = file.strip_prefix(&case).unwrap().to_path_buf();
                let work = tempfile::tempdir().unwrap();
                copy_dir(&case, work.path());
                let params = toml::Table::new();
                for (n, variant) in variants(&original).into_iter().enumerate() {
                    fs::write(work.path().join(&rel), &variant).unwrap();
                    for rule in &family_rules {
                        let ctx = CheckCtx {
                            dir: work.path(),
                            params: &params,
                            check_name: "mangled",
                            toolbox: &toolbox,
                        };
                        runs += 1;
                        if catch_unwind(AssertUnwindSafe(|| rule.check(&ctx))).is_err() {
                            panic!(
                                "{} panicked on variant {n} of {}:\n{variant}",
                                rule.id(),
                                file.display()
                            );
                        }
                    }
                }
            }
        }
    }
    eprintln!("{runs} rule runs on mangled input");
    assert!(runs > 1000, "only {runs} runs");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn binary_and_non_utf8_files_are_failures_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let toolbox = Toolbox::default();
    let params = toml::Table::new();
    for (name, bytes) in [
        ("Dockerfile", b"FROM debian:12\n\x00\x01\x02".to_vec()),
        (
            "compose.yaml",
            b"services:\n  app:\n    image: \xff\xfe\n".to_vec(),
        ),
        ("manifests.yaml", b"kind: Deployment\n\x00".to_vec()),
    ] {
        fs::write(dir.path().join(name), bytes).unwrap();
    }
    for rule in registry::all_rules().iter().filter(|r| {
        ["DF", "COMPOSE", "K8S"]
            .iter()
            .any(|p| r.id().starts_with(p))
    }) {
        let ctx = CheckCtx {
            dir: dir.path(),
            params: &params,
            check_name: "binary",
            toolbox: &toolbox,
        };
        let outcome = rule.check(&ctx);
        assert_eq!(
            outcome.verdict,
            labkit::Verdict::Fail,
            "{}: {outcome:?}",
            rule.id()
        );
    }
}
