//! The one result model every reporter renders: a lab run on a directory.

use std::path::PathBuf;
use std::time::Duration;

use crate::engine::rule::{Outcome, Verdict};

/// The result of one check.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub name: String,
    pub rule: String,
    /// The rule's one-line meaning and remediation (for `--hints` and machine formats).
    pub meaning: String,
    pub remediation: String,
    /// The lab's hint for this check.
    pub hint: Option<String>,
    pub passes_in_scenario: bool,
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// A lab run on one directory.
#[derive(Debug, Clone)]
pub struct Report {
    pub lab_id: String,
    pub lab_title: String,
    pub dir: PathBuf,
    pub results: Vec<CheckResult>,
    /// What the participant should know about the run as a whole, each said once (e.g. that
    /// the clean room could only detect writes outside it).
    pub notes: Vec<String>,
    pub elapsed: Duration,
}

impl Report {
    pub fn count(&self, verdict: Verdict) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.verdict == verdict)
            .count()
    }

    /// True when no check failed (skipped checks do not block a participant).
    pub fn all_pass(&self) -> bool {
        self.count(Verdict::Fail) == 0
    }

    /// `3/5 checks pass`, plus skips when there are any.
    pub fn summary(&self) -> String {
        let passed = self.count(Verdict::Pass);
        let skipped = self.count(Verdict::Skip);
        let total = self.results.len();
        let noun = if total == 1 { "check" } else { "checks" };
        let verb = if passed == 1 && total == 1 {
            "passes"
        } else {
            "pass"
        };
        let mut text = format!("{passed}/{total} {noun} {verb}");
        if skipped > 0 {
            text.push_str(&format!(", {skipped} skipped"));
        }
        text
    }
}
