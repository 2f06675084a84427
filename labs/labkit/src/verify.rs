//! The author's proof for every lab (`devoops labs verify`, and `cargo test`):
//! - every check fails on `scenario/` unless lab.toml marks it `passes_in_scenario`
//!   (and those really pass there);
//! - every check passes on `solution/`;
//! - (a check skipped where it cannot run, such as a container build without an engine,
//!   counts neither way);
//! - each fixture under `fixtures/<name>/` gets the verdicts `fixtures/<name>.toml` expects
//!   (an alternative correct fix passes; a fix that only hides the problem fails);
//! - the participant corpus holds: every `attempts/valid/<name>/` passes every check, every
//!   `attempts/wrong/<name>/` fails exactly the checks its `<name>.toml` lists;
//! - the lab's metadata holds up: a 15–30 minute budget, a README linking its chapter.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::lab::Lab;
use crate::engine::report::Report;
use crate::engine::rule::{Toolbox, Verdict};
use crate::engine::runner;

/// What `fixtures/<name>.toml` expects of `fixtures/<name>/`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureExpectation {
    /// What the fixture demonstrates, in one line.
    about: String,
    /// "pass": every check passes. "fail": exactly the checks in `failing` fail.
    expect: String,
    #[serde(default)]
    failing: Vec<String>,
}

/// The proof for one lab.
pub struct LabVerification {
    pub lab_id: String,
    pub dir: PathBuf,
    /// Everything that is wrong; empty means the lab holds.
    pub problems: Vec<String>,
    /// Attempts the checker is known to misjudge still (see `known_gap` in their notes).
    pub known_gaps: Vec<String>,
    /// Runs that took place: (what was checked, its report).
    pub runs: Vec<(String, Report)>,
}

impl LabVerification {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn failing_names(report: &Report) -> Vec<String> {
    report
        .results
        .iter()
        .filter(|r| r.outcome.verdict == Verdict::Fail)
        .map(|r| r.name.clone())
        .collect()
}

fn describe(result: &crate::engine::report::CheckResult) -> String {
    let place = result
        .outcome
        .location
        .as_ref()
        .map(|l| format!(" [{l}]"))
        .unwrap_or_default();
    format!(
        "{}{place}: {}",
        result.outcome.verdict.as_str(),
        result.outcome.message
    )
}

/// Verify the lab in `lab_dir`.
pub fn verify_lab(lab_dir: &Path, toolbox: &Toolbox) -> LabVerification {
    let id = lab_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut v = LabVerification {
        lab_id: id.clone(),
        dir: lab_dir.to_path_buf(),
        problems: Vec::new(),
        known_gaps: Vec::new(),
        runs: Vec::new(),
    };
    let lab = match Lab::load(lab_dir) {
        Ok(lab) => lab,
        Err(e) => {
            v.problems.push(e.to_string());
            return v;
        }
    };
    if lab.id != id {
        v.problems.push(format!(
            "lab.toml says id = {:?} but the directory is {id}",
            lab.id
        ));
    }
    if !(15..=30).contains(&lab.minutes) {
        v.problems.push(format!(
            "minutes = {}: a lab fits in 15–30 minutes",
            lab.minutes
        ));
    }
    check_readme(lab_dir, &lab, &mut v.problems);

    for (which, must) in [("scenario", false), ("solution", true)] {
        let dir = lab_dir.join(which);
        if !dir.is_dir() {
            v.problems.push(format!("{which}/ is missing"));
            continue;
        }
        let report = runner::run_lab(&lab, &dir, toolbox);
        for (result, check) in report.results.iter().zip(&lab.checks) {
            // A skipped check (e.g. no container engine here) proves nothing either way.
            if result.outcome.verdict == Verdict::Skip {
                continue;
            }
            let expected_pass = must || check.passes_in_scenario;
            let passed = result.outcome.verdict == Verdict::Pass;
            if passed != expected_pass {
                v.problems.push(format!(
                    "{which}/: \"{}\" should {} but got {}",
                    check.name,
                    if expected_pass { "pass" } else { "fail" },
                    describe(result)
                ));
            }
        }
        v.runs.push((which.to_string(), report));
    }

    for (name, expectation) in fixtures(lab_dir, &mut v.problems) {
        let wanted: Vec<String> = match expectation.expect.as_str() {
            "pass" => Vec::new(),
            "fail" if expectation.failing.is_empty() => {
                v.problems.push(format!("fixtures/{name}.toml: expect = \"fail\" needs `failing` (the check names that must fail)"));
                continue;
            }
            "fail" => expectation.failing.clone(),
            other => {
                v.problems.push(format!(
                    "fixtures/{name}.toml: expect = {other:?}: use \"pass\" or \"fail\""
                ));
                continue;
            }
        };
        let case = Case {
            label: format!("fixtures/{name}"),
            dir: lab_dir.join("fixtures").join(&name),
            about: expectation.about,
            wanted,
            racy: Vec::new(),
            known_gap: None,
        };
        judge(&lab, &case, toolbox, &mut v);
    }
    for case in attempts(lab_dir, &mut v.problems) {
        judge(&lab, &case, toolbox, &mut v);
    }
    v
}

/// One folder of participant work and the verdicts it must get.
struct Case {
    /// `fixtures/<name>` or `attempts/<kind>/<name>`.
    label: String,
    dir: PathBuf,
    about: String,
    /// The names of the checks that must fail; every other check must not.
    wanted: Vec<String>,
    /// Checks that may go either way (see [`AttemptNote::racy`]).
    racy: Vec<String>,
    /// See [`AttemptNote::known_gap`].
    known_gap: Option<String>,
}

/// Runs the lab on one case and records every verdict that differs from what it wants.
fn judge(lab: &Lab, case: &Case, toolbox: &Toolbox, v: &mut LabVerification) {
    let label = &case.label;
    for unknown in case
        .wanted
        .iter()
        .chain(&case.racy)
        .filter(|w| !lab.checks.iter().any(|c| &&c.name == w))
    {
        v.problems
            .push(format!("{label}.toml: no check is named {unknown:?}"));
    }
    let report = runner::run_lab(lab, &case.dir, toolbox);
    let mut failing = failing_names(&report);
    failing.retain(|name| !case.racy.contains(name));
    failing.sort();
    let mut wanted = case.wanted.clone();
    wanted.sort();
    match (&case.known_gap, failing == wanted) {
        (Some(gap), false) => {
            v.known_gaps.push(format!("{label}: {gap}"));
            v.runs.push((label.clone(), report));
            return;
        }
        (Some(_), true) => {
            v.problems.push(format!(
                "{label}.toml: `known_gap` says the checker misjudges this attempt, but it now judges it right: remove `known_gap`"
            ));
        }
        (None, _) => {}
    }
    if failing != wanted {
        let details: Vec<String> = report
            .results
            .iter()
            .filter(|r| !case.racy.contains(&r.name))
            .filter(|r| wanted.contains(&r.name) != (r.outcome.verdict == Verdict::Fail))
            .map(|r| format!("\"{}\" {}", r.name, describe(r)))
            .collect();
        v.problems.push(format!(
            "{label} ({}): expected failing {wanted:?}, got {failing:?}: {}",
            case.about,
            details.join("; ")
        ));
    }
    v.runs.push((label.clone(), report));
}

/// What `attempts/<kind>/<name>.toml` says of `attempts/<kind>/<name>/`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttemptNote {
    /// What the participant did, in one line.
    about: String,
    /// For a wrong attempt: the checks that must fail (every other check must not).
    #[serde(default)]
    failing: Vec<String>,
    /// Checks whose verdict on this attempt depends on timing, as it would on a real
    /// cluster (a race in the participant's script): either verdict is accepted.
    #[serde(default)]
    racy: Vec<String>,
    /// Why the checker misjudges this attempt today (a rule not yet able to see it). The
    /// wrong verdict is listed as a known gap instead of failing the proof, and the proof
    /// fails once the verdict is right, so the note is removed with the fix.
    known_gap: Option<String>,
}

/// The participant corpus: `attempts/valid/<name>/` are correct fixes that must pass every
/// check, `attempts/wrong/<name>/` leave the gap open and must fail exactly the checks their
/// note lists. The kind is the folder, so a note cannot contradict where it lives.
fn attempts(lab_dir: &Path, problems: &mut Vec<String>) -> Vec<Case> {
    let mut out = Vec::new();
    for kind in ["valid", "wrong"] {
        let root = lab_dir.join("attempts").join(kind);
        for (name, note) in notes::<AttemptNote>(&root, problems) {
            let label = format!("attempts/{kind}/{name}");
            match (kind, note.failing.is_empty()) {
                ("valid", false) => {
                    problems.push(format!("{label}.toml: a valid attempt passes every check; `failing` belongs under attempts/wrong/"));
                    continue;
                }
                ("wrong", true) => {
                    problems.push(format!("{label}.toml: a wrong attempt needs `failing` (the check names that must fail)"));
                    continue;
                }
                _ => {}
            }
            out.push(Case {
                label,
                dir: root.join(&name),
                about: note.about,
                wanted: note.failing,
                racy: note.racy,
                known_gap: note.known_gap,
            });
        }
    }
    out
}

/// The fixtures of a lab: `fixtures/<name>/` directories with their `<name>.toml`.
fn fixtures(lab_dir: &Path, problems: &mut Vec<String>) -> Vec<(String, FixtureExpectation)> {
    notes(&lab_dir.join("fixtures"), problems)
}

/// The `<name>/` directories under `root`, each with the note `<name>.toml` beside it.
fn notes<T: serde::de::DeserializeOwned>(
    root: &Path,
    problems: &mut Vec<String>,
) -> Vec<(String, T)> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let file = root.join(format!("{name}.toml"));
        let parsed = std::fs::read_to_string(&file)
            .map_err(|e| format!("{}: {e}", file.display()))
            .and_then(|text| {
                toml::from_str::<T>(&text).map_err(|e| {
                    let line = e
                        .span()
                        .map(|s| text[..s.start].matches('\n').count() + 1)
                        .unwrap_or(1);
                    format!("{}:{line}: {}", file.display(), e.message())
                })
            });
        match parsed {
            Ok(note) => out.push((name, note)),
            Err(e) => problems.push(e),
        }
    }
    out
}

fn check_readme(lab_dir: &Path, lab: &Lab, problems: &mut Vec<String>) {
    match std::fs::read_to_string(lab_dir.join("README.md")) {
        Err(_) => problems.push("README.md is missing".into()),
        Ok(text) => {
            if !text.contains(&format!("content/{}", lab.chapter)) {
                problems.push(format!(
                    "README.md does not link its chapter (../../content/{})",
                    lab.chapter
                ));
            }
            if !text.contains(&format!("{} minutes", lab.minutes)) {
                problems.push(format!(
                    "README.md does not state the time budget (\"{} minutes\")",
                    lab.minutes
                ));
            }
        }
    }
}

/// Verify every lab under `labs_root`; returns the per-lab proofs.
pub fn verify_all(labs_root: &Path, toolbox: &Toolbox) -> Vec<LabVerification> {
    // Labs are independent and their checks mostly wait on child processes: prove them
    // side by side.
    let dirs = crate::engine::catalog::lab_dirs(labs_root);
    std::thread::scope(|scope| {
        let handles: Vec<_> = dirs
            .iter()
            .map(|dir| scope.spawn(move || verify_lab(dir, toolbox)))
            .collect();
        handles
            .into_iter()
            .zip(&dirs)
            .map(|(handle, dir)| {
                handle.join().unwrap_or_else(|_| LabVerification {
                    lab_id: dir.display().to_string(),
                    dir: dir.clone(),
                    problems: vec!["internal error: the proof's thread died".into()],
                    known_gaps: Vec::new(),
                    runs: Vec::new(),
                })
            })
            .collect()
    })
}

/// A human summary of a verification, one line per lab plus its problems.
pub fn render(verifications: &[LabVerification]) -> String {
    let mut out = String::new();
    for v in verifications {
        let runs: Vec<String> = v
            .runs
            .iter()
            .map(|(what, r)| format!("{what}: {}", r.summary()))
            .collect();
        let mark = if v.ok() { "✔" } else { "✘" };
        let _ = writeln!(out, "{mark} {}  ({})", v.lab_id, runs.join("; "));
        for problem in &v.problems {
            let _ = writeln!(out, "    {problem}");
        }
        for gap in &v.known_gaps {
            let _ = writeln!(out, "    known gap: {gap}");
        }
    }
    let bad = verifications.iter().filter(|v| !v.ok()).count();
    let _ = writeln!(
        out,
        "\n{}/{} labs verified",
        verifications.len() - bad,
        verifications.len()
    );
    out
}

/// `devoops labs verify`: verify the labs of the repository around the current directory.
pub fn verify_main(labs_root: Option<&Path>) -> std::process::ExitCode {
    let root = match labs_root.map(Path::to_path_buf).or_else(|| {
        std::env::current_dir()
            .ok()
            .and_then(|d| crate::engine::catalog::labs_root_above(&d))
    }) {
        Some(root) => root,
        None => {
            eprintln!("error: no labs/ directory here or above; run inside the devoops repository");
            return std::process::ExitCode::from(2);
        }
    };
    crate::cleanroom::guard_processes();
    let results = verify_all(&root, &crate::cleanroom::toolbox::discover());
    print!("{}", render(&results));
    if results.iter().all(LabVerification::ok) {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}
