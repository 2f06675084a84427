//! What the board shows, kept in memory and rebuilt from the database at start: each
//! participant's latest result per lab, when they last made progress, and per lab the check
//! most participants are failing now.
//!
//! Two views leave this module: the instructor's (names) and the projector's (counts only).
//! The projector view is built from counts alone, so no name can reach it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};

use super::report::{Check, Report, Verdict};

/// The latest result of one participant on one lab.
struct Cell {
    passed: usize,
    total: usize,
    checks: Vec<Check>,
    at_ms: u64,
    /// The most checks this participant has passed on this lab so far.
    best: usize,
}

#[derive(Default)]
struct Participant {
    labs: BTreeMap<String, Cell>,
    /// When the room last received a report that passed more checks than before.
    progress_ms: u64,
    /// When the room last received any report.
    last_ms: u64,
}

#[derive(Default)]
pub struct Board {
    participants: BTreeMap<String, Participant>,
    labs: BTreeSet<String>,
    reports: u64,
}

impl Board {
    pub fn reports(&self) -> u64 {
        self.reports
    }

    /// Takes in one stored report. A run older than the one already shown (a queued report
    /// arriving late) counts, but does not replace the newer result.
    pub fn apply(&mut self, report: &Report, received_ms: u64) {
        self.reports += 1;
        self.labs.insert(report.lab.clone());
        let participant = self.participants.entry(report.name.clone()).or_default();
        participant.last_ms = participant.last_ms.max(received_ms);
        let progressed = match participant.labs.get_mut(&report.lab) {
            None => {
                participant.labs.insert(
                    report.lab.clone(),
                    Cell {
                        passed: report.passed,
                        total: report.total,
                        checks: report.checks.clone(),
                        at_ms: report.at_ms,
                        best: report.passed,
                    },
                );
                true
            }
            Some(cell) => {
                let progressed = report.passed > cell.best;
                cell.best = cell.best.max(report.passed);
                if report.at_ms >= cell.at_ms {
                    cell.passed = report.passed;
                    cell.total = report.total;
                    cell.checks = report.checks.clone();
                    cell.at_ms = report.at_ms;
                }
                progressed
            }
        };
        if progressed {
            participant.progress_ms = participant.progress_ms.max(received_ms);
        }
    }

    /// Per lab: how many participants report it, how many pass every check, and the check
    /// failed by most of them in their latest run (ties go to the check listed first).
    fn lab_summaries(&self) -> Vec<Value> {
        self.labs
            .iter()
            .map(|lab| {
                let cells: Vec<&Cell> = self
                    .participants
                    .values()
                    .filter_map(|p| p.labs.get(lab))
                    .collect();
                let done = cells
                    .iter()
                    .filter(|c| c.total > 0 && c.passed == c.total)
                    .count();
                let mut failing: HashMap<&str, (usize, usize)> = HashMap::new();
                for cell in &cells {
                    for (order, check) in cell.checks.iter().enumerate() {
                        if check.verdict == Verdict::Fail {
                            let entry = failing.entry(&check.name).or_insert((0, order));
                            entry.0 += 1;
                            entry.1 = entry.1.min(order);
                        }
                    }
                }
                let most_failed = failing
                    .into_iter()
                    .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
                    .map(|(check, (count, _))| json!({"check": check, "failing": count}));
                json!({
                    "id": lab,
                    "participants": cells.len(),
                    "done": done,
                    "most_failed": most_failed,
                })
            })
            .collect()
    }

    /// The instructor's view: every name, with a cell per lab.
    pub fn instructor_view(&self, now_ms: u64) -> Value {
        let participants: Vec<Value> = self
            .participants
            .iter()
            .map(|(name, p)| {
                let cells: serde_json::Map<String, Value> = p
                    .labs
                    .iter()
                    .map(|(lab, c)| {
                        let failing: Vec<&str> = c
                            .checks
                            .iter()
                            .filter(|check| check.verdict == Verdict::Fail)
                            .map(|check| check.name.as_str())
                            .collect();
                        (
                            lab.clone(),
                            json!({"passed": c.passed, "total": c.total, "failing": failing}),
                        )
                    })
                    .collect();
                json!({
                    "name": name,
                    "passed": p.labs.values().map(|c| c.passed).sum::<usize>(),
                    "progress_ms": p.progress_ms,
                    "last_ms": p.last_ms,
                    "cells": cells,
                })
            })
            .collect();
        json!({
            "now_ms": now_ms,
            "reports": self.reports,
            "labs": self.lab_summaries(),
            "participants": participants,
        })
    }

    /// The projector's view: counts only.
    pub fn projector_view(&self, now_ms: u64) -> Value {
        json!({
            "now_ms": now_ms,
            "reports": self.reports,
            "labs": self.lab_summaries(),
            "participant_count": self.participants.len(),
        })
    }

    /// `export.json`: every participant's latest result per lab.
    pub fn export_json(&self) -> Value {
        Value::Array(
            self.export_rows()
                .map(|(name, lab, c)| {
                    json!({
                        "name": name,
                        "lab": lab,
                        "passed": c.passed,
                        "total": c.total,
                        "checks": c.checks,
                        "at": rfc3339(c.at_ms),
                    })
                })
                .collect(),
        )
    }

    /// `export.csv`: the same as `export.json`, one line per check.
    pub fn export_csv(&self) -> Vec<u8> {
        let mut out = csv::Writer::from_writer(Vec::new());
        let _ = out.write_record(["name", "lab", "passed", "total", "at", "check", "verdict"]);
        for (name, lab, c) in self.export_rows() {
            let (passed, total, at) = (c.passed.to_string(), c.total.to_string(), rfc3339(c.at_ms));
            for check in &c.checks {
                let _ = out.write_record([
                    &spreadsheet_safe(name),
                    lab,
                    &passed,
                    &total,
                    &at,
                    &spreadsheet_safe(&check.name),
                    check.verdict.as_str(),
                ]);
            }
        }
        out.into_inner().unwrap_or_default()
    }

    fn export_rows(&self) -> impl Iterator<Item = (&str, &str, &Cell)> {
        self.participants.iter().flat_map(|(name, p)| {
            p.labs
                .iter()
                .map(move |(lab, cell)| (name.as_str(), lab.as_str(), cell))
        })
    }
}

/// A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula: prefix it
/// with `'` so a participant's name stays text when the instructor opens the CSV.
fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn rfc3339(ms: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str, lab: &str, verdicts: &[(&str, Verdict)], at_ms: u64) -> Report {
        let checks: Vec<Check> = verdicts
            .iter()
            .map(|(n, v)| Check {
                name: n.to_string(),
                verdict: *v,
            })
            .collect();
        Report {
            name: name.into(),
            run_id: format!("{name}-{at_ms}"),
            at_ms,
            lab: lab.into(),
            passed: checks.iter().filter(|c| c.verdict == Verdict::Pass).count(),
            total: checks.len(),
            checks,
        }
    }

    use Verdict::{Fail, Pass};

    #[test]
    fn most_failed_check_and_progress() {
        let mut board = Board::default();
        board.apply(&report("ada", "01", &[("a", Fail), ("b", Fail)], 10), 100);
        board.apply(&report("bob", "01", &[("a", Pass), ("b", Fail)], 10), 100);
        board.apply(&report("ada", "01", &[("a", Fail), ("b", Fail)], 20), 200);
        let view = board.instructor_view(300);
        assert_eq!(view["labs"][0]["most_failed"]["check"], "b");
        assert_eq!(view["labs"][0]["most_failed"]["failing"], 2);
        // ada's second run passed nothing new: her progress is still her first report.
        assert_eq!(view["participants"][0]["progress_ms"], 100);
        assert_eq!(view["participants"][0]["last_ms"], 200);
        board.apply(&report("ada", "01", &[("a", Pass), ("b", Pass)], 30), 400);
        let view = board.instructor_view(500);
        assert_eq!(view["participants"][0]["progress_ms"], 400);
        assert_eq!(view["labs"][0]["done"], 1);
    }

    #[test]
    fn a_late_old_run_does_not_hide_the_newer_one() {
        let mut board = Board::default();
        board.apply(&report("ada", "01", &[("a", Pass)], 50), 100);
        board.apply(&report("ada", "01", &[("a", Fail)], 10), 200);
        assert_eq!(board.export_json()[0]["passed"], 1);
        assert_eq!(board.reports(), 2);
    }

    #[test]
    fn projector_view_has_no_names() {
        let mut board = Board::default();
        board.apply(&report("Zelda Secret", "01", &[("a", Fail)], 1), 1);
        let text = board.projector_view(2).to_string();
        assert!(!text.contains("Zelda"), "{text}");
        assert!(text.contains("\"participant_count\":1"), "{text}");
    }

    #[test]
    fn csv_keeps_names_as_text() {
        let mut board = Board::default();
        board.apply(&report("=HYPERLINK(1)", "01", &[("a, \"b\"", Fail)], 1), 1);
        let csv = String::from_utf8(board.export_csv()).unwrap();
        assert!(csv.contains("'=HYPERLINK(1)"), "{csv}");
        assert!(csv.contains("\"a, \"\"b\"\"\""), "{csv}");
    }
}
