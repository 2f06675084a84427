//! The participant's view: one line per check, details under failures, a summary.

use std::fmt::Write;

use crate::report::Report;
use crate::rule::Verdict;

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
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        HumanOptions {
            color: !no_color && std::io::stdout().is_terminal(),
            hints,
        }
    }
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
