//! Run a lab's checks on a directory and collect one [`Report`].

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use crate::engine::lab::{Check, Lab};
use crate::engine::registry;
use crate::engine::report::{CheckResult, Report};
use crate::engine::rule::{CheckCtx, Outcome, Toolbox};

/// Whether the check named `name` passed: `None` while it has not run yet.
fn decided(lab: &Lab, results: &[Option<CheckResult>], name: &str) -> Option<bool> {
    let index = lab.checks.iter().position(|c| c.name == name)?;
    results[index]
        .as_ref()
        .map(|r| r.outcome.verdict == crate::engine::rule::Verdict::Pass)
}

/// The result of a check that was not run because `needed` did not pass.
fn skipped(check: &Check, needed: &str) -> CheckResult {
    CheckResult {
        name: check.name.clone(),
        rule: check.rule.clone(),
        meaning: String::new(),
        remediation: String::new(),
        hint: None,
        passes_in_scenario: check.passes_in_scenario,
        outcome: Outcome::skip(format!("needs \"{needed}\" to pass first")),
        elapsed: std::time::Duration::ZERO,
    }
}

/// Run one check. A rule that panics is a bug in the engine, reported as a failed check
/// rather than taking the whole run down.
pub fn run_check(check: &Check, dir: &Path, toolbox: &Toolbox) -> CheckResult {
    let started = Instant::now();
    let rule = registry::find(&check.rule);
    let outcome = match &rule {
        None => Outcome::fail(format!("unknown rule {}", check.rule)),
        // The one way into the clean room: where there is none, its checks are skipped.
        Some(rule)
            if crate::platform::needs_cleanroom(rule.as_ref())
                && let Some(why) = crate::platform::cleanroom_unavailable() =>
        {
            Outcome::skip(why.reason())
        }
        Some(rule) => {
            let ctx = CheckCtx {
                dir,
                params: &check.params,
                check_name: &check.name,
                toolbox,
            };
            catch_unwind(AssertUnwindSafe(|| rule.check(&ctx))).unwrap_or_else(|_| {
                Outcome::fail(format!(
                    "internal error in rule {}: please report it with this lab and directory",
                    check.rule
                ))
            })
        }
    };
    CheckResult {
        name: check.name.clone(),
        rule: check.rule.clone(),
        meaning: rule
            .as_ref()
            .map(|r| r.meaning())
            .unwrap_or_default()
            .to_string(),
        remediation: rule
            .as_ref()
            .map(|r| r.remediation())
            .unwrap_or_default()
            .to_string(),
        hint: check.hint.clone(),
        passes_in_scenario: check.passes_in_scenario,
        outcome,
        elapsed: started.elapsed(),
    }
}

/// Run every check of `lab` on `dir`. Checks are independent (each clean room is its own),
/// so they run on parallel threads: most of their time is spent waiting on child processes.
/// A check that `needs` others runs after them, and is skipped when one of them did not
/// pass: one cause is reported once.
pub fn run_lab(lab: &Lab, dir: &Path, toolbox: &Toolbox) -> Report {
    let started = Instant::now();
    let unconfined_before = crate::cleanroom::confine::unconfined_commands();
    let mut results: Vec<Option<CheckResult>> = lab.checks.iter().map(|_| None).collect();
    // Each round runs the checks whose needs are all decided; needs point only at earlier
    // checks, so every round decides at least one and there are at most as many rounds.
    for _ in 0..lab.checks.len() {
        let ready: Vec<usize> = (0..lab.checks.len())
            .filter(|&i| results[i].is_none())
            .filter(|&i| {
                lab.checks[i]
                    .needs
                    .iter()
                    .all(|n| decided(lab, &results, n).is_some())
            })
            .collect();
        if ready.is_empty() {
            break;
        }
        let round: Vec<(usize, CheckResult)> = std::thread::scope(|scope| {
            let handles: Vec<_> = ready
                .iter()
                .map(|&i| {
                    let check = &lab.checks[i];
                    let unmet = check
                        .needs
                        .iter()
                        .find(|n| decided(lab, &results, n) != Some(true))
                        .cloned();
                    let handle = scope.spawn(move || match unmet {
                        Some(needed) => skipped(check, &needed),
                        None => run_check(check, dir, toolbox),
                    });
                    (i, handle)
                })
                .collect();
            handles
                .into_iter()
                .map(|(i, handle)| {
                    let check = &lab.checks[i];
                    let result = handle.join().unwrap_or_else(|_| CheckResult {
                        name: check.name.clone(),
                        rule: check.rule.clone(),
                        meaning: String::new(),
                        remediation: String::new(),
                        hint: check.hint.clone(),
                        passes_in_scenario: check.passes_in_scenario,
                        outcome: Outcome::fail("internal error: the check's thread died"),
                        elapsed: started.elapsed(),
                    });
                    (i, result)
                })
                .collect()
        });
        for (i, result) in round {
            results[i] = Some(result);
        }
    }
    let results = results.into_iter().flatten().collect();
    let mut notes = Vec::new();
    if crate::cleanroom::confine::unconfined_commands() > unconfined_before {
        notes.push(crate::cleanroom::confine::DETECT_ONLY_NOTE.to_string());
    }
    Report {
        lab_id: lab.id.clone(),
        lab_title: lab.title.clone(),
        dir: dir.to_path_buf(),
        results,
        notes,
        elapsed: started.elapsed(),
    }
}
