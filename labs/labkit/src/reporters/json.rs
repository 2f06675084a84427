//! One JSON document per run, for collecting results across participants or in CI.

use serde_json::{Value, json as j};

use crate::engine::report::Report;
use crate::engine::rule::Verdict;

pub fn json(report: &Report) -> String {
    let checks: Vec<Value> = report
        .results
        .iter()
        .map(|r| {
            let location = r.outcome.location.as_ref();
            j!({
                "name": r.name,
                "rule": r.rule,
                "verdict": r.outcome.verdict.as_str(),
                "message": r.outcome.message,
                "warnings": r.outcome.warnings,
                "file": location.map(|l| l.file.clone()),
                "line": location.and_then(|l| l.line),
                "hint": r.hint,
                "meaning": r.meaning,
                "remediation": r.remediation,
                "elapsed_ms": r.elapsed.as_millis() as u64,
            })
        })
        .collect();
    let doc = j!({
        "lab": report.lab_id,
        "title": report.lab_title,
        "dir": report.dir.display().to_string(),
        "ok": report.all_pass(),
        "summary": report.summary(),
        "total": report.results.len(),
        "passed": report.count(Verdict::Pass),
        "failed": report.count(Verdict::Fail),
        "skipped": report.count(Verdict::Skip),
        "elapsed_ms": report.elapsed.as_millis() as u64,
        "notes": report.notes,
        "checks": checks,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}
