//! Run a lab's checks on a directory and collect one [`Report`].

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use crate::engine::lab::{Check, Lab};
use crate::engine::registry;
use crate::engine::report::{CheckResult, Report};
use crate::engine::rule::{CheckCtx, Outcome, Toolbox};

/// Run one check. A rule that panics is a bug in the engine, reported as a failed check
/// rather than taking the whole run down.
pub fn run_check(check: &Check, dir: &Path, toolbox: &Toolbox) -> CheckResult {
    let started = Instant::now();
    let rule = registry::find(&check.rule);
    let outcome = match &rule {
        None => Outcome::fail(format!("unknown rule {}", check.rule)),
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
pub fn run_lab(lab: &Lab, dir: &Path, toolbox: &Toolbox) -> Report {
    let started = Instant::now();
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = lab
            .checks
            .iter()
            .map(|check| scope.spawn(move || run_check(check, dir, toolbox)))
            .collect();
        handles
            .into_iter()
            .zip(&lab.checks)
            .map(|(handle, check)| {
                handle.join().unwrap_or_else(|_| CheckResult {
                    name: check.name.clone(),
                    rule: check.rule.clone(),
                    meaning: String::new(),
                    remediation: String::new(),
                    hint: check.hint.clone(),
                    passes_in_scenario: check.passes_in_scenario,
                    outcome: Outcome::fail("internal error: the check's thread died"),
                    elapsed: started.elapsed(),
                })
            })
            .collect()
    });
    Report {
        lab_id: lab.id.clone(),
        lab_title: lab.title.clone(),
        dir: dir.to_path_buf(),
        results,
        elapsed: started.elapsed(),
    }
}
