//! The participant's view: one line per check, details under failures, a summary.

use std::fmt::Write;

use crate::engine::report::Report;
use crate::engine::rule::Verdict;

#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    /// ANSI colours (off when NO_COLOR is set or output is not a terminal).
    pub color: bool,
    /// Also show each failed rule's ID, meaning and remediation.
    pub hints: bool,
}

impl HumanOptions {
    /// Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org).
    pub fn for_terminal(hints: bool) -> HumanOptions {
        use std::io::IsTerminal;
        HumanOptions {
            color: color_wanted(
                std::env::var_os("NO_COLOR"),
                std::io::stdout().is_terminal(),
            ),
            hints,
        }
    }
}

/// NO_COLOR set to anything non-empty turns colour off; otherwise colour only on a terminal.
pub fn color_wanted(no_color: Option<std::ffi::OsString>, terminal: bool) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

pub fn human(report: &Report, options: HumanOptions) -> String {
    let c = options.color;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}",
        paint(&format!("Lab {}", report.lab_id), "1", c),
        report.lab_title
    );
    let _ = writeln!(out, "checking {}\n", report.dir.display());
    for result in &report.results {
        let (mark, color) = match result.outcome.verdict {
            Verdict::Pass => ("✔", "32"),
            Verdict::Fail => ("✘", "31"),
            Verdict::Skip => ("○", "33"),
        };
        let _ = writeln!(out, "{} {}", paint(mark, color, c), result.name);
        for warning in &result.outcome.warnings {
            let _ = writeln!(out, "    {} {warning}", paint("warning:", "33", c));
        }
        if result.outcome.verdict == Verdict::Pass {
            continue;
        }
        let place = result
            .outcome
            .location
            .as_ref()
            .map(|l| format!("{l}: "))
            .unwrap_or_default();
        let _ = writeln!(out, "    {place}{}", result.outcome.message);
        if result.outcome.verdict == Verdict::Skip {
            continue;
        }
        if let Some(hint) = &result.hint {
            let _ = writeln!(out, "    {} {hint}", paint("hint:", "36", c));
        }
        if options.hints {
            let _ = writeln!(
                out,
                "    {} {}: {}",
                paint("rule:", "36", c),
                result.rule,
                result.meaning
            );
            let _ = writeln!(out, "    {} {}", paint("fix:", "36", c), result.remediation);
        }
    }
    for note in &report.notes {
        let _ = writeln!(out, "\n{} {note}", paint("note:", "33", c));
    }
    let summary = report.summary();
    let _ = writeln!(
        out,
        "\n{}",
        paint(&summary, if report.all_pass() { "1;32" } else { "1;31" }, c)
    );
    if !report.all_pass() && !options.hints {
        out.push_str("(--hints shows each failed rule and how to fix it)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::report::{CheckResult, Report};
    use crate::engine::rule::Outcome;
    use std::time::Duration;

    fn report() -> Report {
        let result = |name: &str, outcome: Outcome| CheckResult {
            name: name.into(),
            rule: "FILE001".into(),
            meaning: "A file is present".into(),
            remediation: "Create it".into(),
            hint: Some("look in the README".into()),
            passes_in_scenario: false,
            outcome,
            elapsed: Duration::ZERO,
        };
        Report {
            lab_id: "01-x".into(),
            lab_title: "X".into(),
            dir: "/tmp/x".into(),
            results: vec![
                result("good", Outcome::pass("fine")),
                result("bad", Outcome::fail("`a` is missing").at("a", Some(3))),
                result("later", Outcome::skip("no container engine answers")),
            ],
            notes: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn failures_show_place_message_and_hint_and_skips_do_not_fail() {
        let text = human(&report(), HumanOptions::default());
        assert!(text.contains("✔ good\n✘ bad\n    a:3: `a` is missing\n    hint: look in the README\n○ later\n    no container engine answers\n"), "{text}");
        assert!(text.contains("1/3 checks pass, 1 skipped"));
        assert!(!text.contains("fix: Create it"));
        let hints = human(
            &report(),
            HumanOptions {
                color: false,
                hints: true,
            },
        );
        assert!(hints.contains("    rule: FILE001: A file is present\n    fix: Create it\n"));
    }

    #[test]
    fn colour_follows_no_color_and_the_terminal() {
        assert!(
            human(
                &report(),
                HumanOptions {
                    color: true,
                    hints: false
                }
            )
            .contains("\x1b[31m✘")
        );
        assert!(!human(&report(), HumanOptions::default()).contains('\x1b'));
        assert!(color_wanted(None, true));
        assert!(!color_wanted(None, false));
        assert!(!color_wanted(Some("1".into()), true));
        assert!(
            color_wanted(Some("".into()), true),
            "an empty NO_COLOR does not count"
        );
    }
}
