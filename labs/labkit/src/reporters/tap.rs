//! TAP version 13: `ok`/`not ok` per check, YAML diagnostics under failures.

use std::fmt::Write;

use crate::engine::report::Report;
use crate::engine::rule::Verdict;

/// A YAML double-quoted scalar (JSON strings are valid YAML).
fn yaml_str(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// TAP descriptions must not contain `#` (it starts a directive).
fn description(text: &str) -> String {
    text.replace('#', "\\#").replace('\n', " ")
}

pub fn tap(report: &Report) -> String {
    let mut out = String::from("TAP version 13\n");
    let _ = writeln!(out, "1..{}", report.results.len());
    for (i, r) in report.results.iter().enumerate() {
        let n = i + 1;
        let name = description(&r.name);
        match r.outcome.verdict {
            Verdict::Pass => {
                let _ = writeln!(out, "ok {n} - {name}");
            }
            Verdict::Skip => {
                let _ = writeln!(
                    out,
                    "ok {n} - {name} # SKIP {}",
                    description(&r.outcome.message)
                );
            }
            Verdict::Fail => {
                let _ = writeln!(out, "not ok {n} - {name}");
                out.push_str("  ---\n");
                let _ = writeln!(out, "  rule: {}", r.rule);
                let _ = writeln!(out, "  message: {}", yaml_str(&r.outcome.message));
                if let Some(loc) = &r.outcome.location {
                    let _ = writeln!(out, "  at: {}", yaml_str(&loc.to_string()));
                }
                if let Some(hint) = &r.hint {
                    let _ = writeln!(out, "  hint: {}", yaml_str(hint));
                }
                out.push_str("  ...\n");
            }
        }
        for warning in &r.outcome.warnings {
            let _ = writeln!(out, "# warning: {}", description(warning));
        }
    }
    let _ = writeln!(out, "# {}", report.summary());
    out
}
