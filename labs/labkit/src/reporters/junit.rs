//! JUnit XML: one <testsuite> per lab, one <testcase> per check.

use std::fmt::Write;

use crate::engine::report::Report;
use crate::engine::rule::Verdict;

/// Escape text for XML attributes and content; drop characters XML 1.0 cannot carry.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// Text for element content: escaped, with newlines left literal (only attributes need
/// `&#10;`).
fn element_text(text: &str) -> String {
    xml_escape(text).replace("&#10;", "\n")
}

pub fn junit(report: &Report) -> String {
    let e = xml_escape;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"devoops labs\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
        report.results.len(),
        report.count(Verdict::Fail),
        report.count(Verdict::Skip),
        report.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3}\">",
        e(&report.lab_id),
        report.results.len(),
        report.count(Verdict::Fail),
        report.count(Verdict::Skip),
        report.elapsed.as_secs_f64()
    );
    for r in &report.results {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}.{}\" time=\"{:.3}\"",
            e(&r.name),
            e(&report.lab_id),
            e(&r.rule),
            r.elapsed.as_secs_f64()
        );
        let place = r
            .outcome
            .location
            .as_ref()
            .map(|l| format!("{l}: "))
            .unwrap_or_default();
        // What goes inside <testcase>: the verdict's element, then the warnings as
        // <system-out> (CI servers show a test case's output next to it, whatever the
        // verdict, and the JUnit schema puts it after <failure>/<skipped>).
        let mut inner = String::new();
        match r.outcome.verdict {
            Verdict::Pass => {}
            Verdict::Skip => {
                let _ = writeln!(
                    inner,
                    "      <skipped message=\"{}\"/>",
                    e(&r.outcome.message)
                );
            }
            Verdict::Fail => {
                let mut body = format!("{place}{}", r.outcome.message);
                if let Some(hint) = &r.hint {
                    body.push_str(&format!("\nhint: {hint}"));
                }
                body.push_str(&format!("\nfix: {}", r.remediation));
                let _ = writeln!(
                    inner,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    e(&r.outcome.message),
                    e(&r.rule),
                    element_text(&body),
                );
            }
        }
        if !r.outcome.warnings.is_empty() {
            let lines: Vec<String> = r
                .outcome
                .warnings
                .iter()
                .map(|w| format!("warning: {w}"))
                .collect();
            let _ = writeln!(
                inner,
                "      <system-out>{}</system-out>",
                element_text(&lines.join("\n"))
            );
        }
        if inner.is_empty() {
            out.push_str("/>\n");
        } else {
            let _ = writeln!(out, ">\n{inner}    </testcase>");
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::report::CheckResult;
    use crate::engine::rule::Outcome;
    use std::time::Duration;

    #[test]
    fn awkward_text_survives_as_xml() {
        let nasty = "a <b> & \"c\" 'd'\nline two \u{1b}[31m";
        let report = Report {
            lab_id: "01-x".into(),
            lab_title: "X".into(),
            dir: "/tmp".into(),
            results: vec![CheckResult {
                name: nasty.into(),
                rule: "FILE003".into(),
                meaning: String::new(),
                remediation: "fix & retry".into(),
                hint: None,
                passes_in_scenario: false,
                outcome: Outcome::fail(nasty),
                elapsed: Duration::ZERO,
            }],
            notes: Vec::new(),
            elapsed: Duration::ZERO,
        };
        let xml = junit(&report);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(
            failure.attribute("message"),
            Some("a <b> & \"c\" 'd'\nline two [31m")
        );
        assert!(failure.text().unwrap().contains("fix: fix & retry"));
    }

    fn result(name: &str, outcome: Outcome) -> CheckResult {
        CheckResult {
            name: name.into(),
            rule: "K8S003".into(),
            meaning: String::new(),
            remediation: "fix".into(),
            hint: None,
            passes_in_scenario: false,
            outcome,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn warnings_are_the_test_case_output_whatever_the_verdict() {
        let warned = |outcome: Outcome| {
            outcome.with_warnings([
                "a.yaml:3: key `image` given twice".to_string(),
                "a.yaml:9: GET /ready <not tried>".to_string(),
            ])
        };
        let report = Report {
            lab_id: "05-x".into(),
            lab_title: "X".into(),
            dir: "/tmp".into(),
            results: vec![
                result("passes", warned(Outcome::pass("ok"))),
                result("fails", warned(Outcome::fail("bad"))),
                result("skips", warned(Outcome::skip("no engine"))),
                result("quiet", Outcome::pass("ok")),
            ],
            notes: Vec::new(),
            elapsed: Duration::ZERO,
        };
        let xml = junit(&report);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 4);
        for case in &cases[..3] {
            let out = case
                .children()
                .find(|n| n.has_tag_name("system-out"))
                .unwrap_or_else(|| panic!("no system-out in {xml}"));
            assert_eq!(
                out.text(),
                Some(
                    "warning: a.yaml:3: key `image` given twice\nwarning: a.yaml:9: GET /ready <not tried>"
                )
            );
            // The verdict's element comes first, as the JUnit schema orders them.
            let first = case.children().find(|n| n.is_element()).unwrap();
            assert_eq!(
                first.tag_name().name() == "system-out",
                case.attribute("name") == Some("passes"),
                "{xml}"
            );
        }
        assert!(cases[1].children().any(|n| n.has_tag_name("failure")));
        assert!(cases[2].children().any(|n| n.has_tag_name("skipped")));
        assert!(!cases[3].children().any(|n| n.is_element()), "{xml}");
    }
}
