//! Golden fixtures: every rule runs over `src/rules/<family>/fixtures/<RULE-ID>/{pass,fail}/<case>/`
//! (the way Polaris keeps success and failure YAMLs) and must give the verdict the
//! folder promises. A case folder is the checked directory; an optional `case.toml`
//! in it gives the rule's parameters and what the outcome must say:
//!
//! ```toml
//! [params]
//! file = "compose.yaml"
//! [expect]
//! file = "compose.yaml"   # the outcome's location
//! line = 7
//! message = "named volume" # a substring of the message
//! warning = "given twice"   # a substring of one of the outcome's warnings
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use labkit::engine::registry;
use labkit::{CheckCtx, Toolbox, Verdict};

mod common;

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

struct Case {
    params: toml::Table,
    expect: toml::Table,
}

fn load_case(dir: &Path) -> Case {
    let path = dir.join("case.toml");
    let table: toml::Table = match fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        Err(_) => toml::Table::new(),
    };
    let section = |name: &str| {
        table
            .get(name)
            .and_then(|v| v.as_table())
            .cloned()
            .unwrap_or_default()
    };
    Case {
        params: section("params"),
        expect: section("expect"),
    }
}

#[test]
fn every_rule_gives_the_verdict_its_fixtures_promise() {
    // Clean-room rules need the demo service; the other rules ignore the toolbox. A short
    // process limit keeps the "script hangs" fixtures quick.
    let toolbox = Toolbox {
        process_timeout: Duration::from_secs(3),
        ..common::toolbox()
    };
    let mut failures = Vec::new();
    let mut ran = 0;
    for (id, rule_dir) in common::rule_fixture_dirs() {
        let rule = registry::find(&id).unwrap_or_else(|| panic!("fixtures for unknown rule {id}"));
        for (verdict_dir, expected) in [("pass", Verdict::Pass), ("fail", Verdict::Fail)] {
            let dir = rule_dir.join(verdict_dir);
            assert!(dir.is_dir(), "{id} has no {verdict_dir}/ fixtures");
            let cases = sorted_dirs(&dir);
            assert!(!cases.is_empty(), "{id}/{verdict_dir} has no cases");
            for case_dir in cases {
                let case = load_case(&case_dir);
                let name = format!(
                    "{id}/{verdict_dir}/{}",
                    case_dir.file_name().unwrap().to_string_lossy()
                );
                let known = rule.param_names();
                if let Some(unknown) = case.params.keys().find(|k| !known.contains(&k.as_str())) {
                    failures.push(format!("{name}: {id} has no parameter `{unknown}`"));
                }
                let ctx = CheckCtx {
                    dir: &case_dir,
                    params: &case.params,
                    check_name: &name,
                    toolbox: &toolbox,
                };
                let outcome = rule.check(&ctx);
                ran += 1;
                if outcome.verdict != expected {
                    failures.push(format!("{name}: expected {expected:?}, got {outcome:?}"));
                    continue;
                }
                if let Some(line) = case.expect.get("line").and_then(|v| v.as_integer()) {
                    let got = outcome.location.as_ref().and_then(|l| l.line);
                    if got != Some(line as usize) {
                        failures.push(format!(
                            "{name}: expected line {line}, got {got:?} ({})",
                            outcome.message
                        ));
                    }
                }
                if let Some(file) = case.expect.get("file").and_then(|v| v.as_str()) {
                    let got = outcome.location.as_ref().map(|l| l.file.as_str());
                    if got != Some(file) {
                        failures.push(format!("{name}: expected file {file}, got {got:?}"));
                    }
                }
                if let Some(needle) = case.expect.get("message").and_then(|v| v.as_str())
                    && !outcome.message.contains(needle)
                {
                    failures.push(format!(
                        "{name}: message {:?} lacks {needle:?}",
                        outcome.message
                    ));
                }
                if let Some(needle) = case.expect.get("warning").and_then(|v| v.as_str())
                    && !outcome.warnings.iter().any(|w| w.contains(needle))
                {
                    failures.push(format!(
                        "{name}: no warning has {needle:?} (warnings: {:?})",
                        outcome.warnings
                    ));
                }
            }
        }
    }
    assert!(ran > 0, "no fixtures found under src/rules/*/fixtures");
    assert!(
        failures.is_empty(),
        "{} of {ran} fixture cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_family_has_fixtures() {
    let with_fixtures: Vec<String> = common::rule_fixture_dirs()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let missing: Vec<&str> = registry::all_rules()
        .iter()
        .map(|r| r.id())
        .filter(|id| {
            [
                "DF", "COMPOSE", "K8S", "BACKUP", "FILE", "ENV", "RUN", "PROM", "SEQ", "OCF",
            ]
            .iter()
            .any(|p| id.starts_with(p))
        })
        .filter(|id| !with_fixtures.iter().any(|f| f == id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without golden fixtures: {missing:?}"
    );
}
