//! The author's proof for every lab (`devoops labs verify`, and `cargo test`):
//! - every check fails on `scenario/` unless lab.toml marks it `passes_in_scenario`
//!   (and those really pass there);
//! - every check passes on `solution/`;
//! - (a check skipped where it cannot run, such as a container build without an engine,
//!   counts neither way);
//! - each fixture under `fixtures/<name>/` gets the verdicts `fixtures/<name>.toml` expects
//!   (an alternative correct fix passes; a fix that only hides the problem fails);
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
        let dir = lab_dir.join("fixtures").join(&name);
        let report = runner::run_lab(&lab, &dir, toolbox);
        let failing = failing_names(&report);
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
        for unknown in wanted
            .iter()
            .filter(|w| !lab.checks.iter().any(|c| &&c.name == w))
        {
            v.problems.push(format!(
                "fixtures/{name}.toml: no check is named {unknown:?}"
            ));
        }
        let mut sorted_failing = failing.clone();
        sorted_failing.sort();
        let mut sorted_wanted = wanted.clone();
        sorted_wanted.sort();
        if sorted_failing != sorted_wanted {
            let details: Vec<String> = report
                .results
                .iter()
                .filter(|r| wanted.contains(&r.name) != (r.outcome.verdict == Verdict::Fail))
                .map(|r| format!("\"{}\" {}", r.name, describe(r)))
                .collect();
            v.problems.push(format!(
                "fixtures/{name} ({}): expected failing {sorted_wanted:?}, got {sorted_failing:?}: {}",
                expectation.about,
                details.join("; ")
            ));
        }
        v.runs.push((format!("fixtures/{name}"), report));
    }
    v
}

/// The fixtures of a lab: `fixtures/<name>/` directories with their `<name>.toml`.
fn fixtures(lab_dir: &Path, problems: &mut Vec<String>) -> Vec<(String, FixtureExpectation)> {
    let root = lab_dir.join("fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&root)
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
                toml::from_str::<FixtureExpectation>(&text).map_err(|e| {
                    let line = e
                        .span()
                        .map(|s| text[..s.start].matches('\n').count() + 1)
                        .unwrap_or(1);
                    format!("{}:{line}: {}", file.display(), e.message())
                })
            });
        match parsed {
            Ok(expectation) => out.push((name, expectation)),
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
    crate::engine::catalog::lab_dirs(labs_root)
        .iter()
        .map(|dir| verify_lab(dir, toolbox))
        .collect()
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
