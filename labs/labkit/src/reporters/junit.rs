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
        match r.outcome.verdict {
            Verdict::Pass => out.push_str("/>\n"),
            Verdict::Skip => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    e(&r.outcome.message)
                );
            }
            Verdict::Fail => {
                let mut body = format!("{place}{}", r.outcome.message);
                if let Some(hint) = &r.hint {
                    body.push_str(&format!("\nhint: {hint}"));
                }
                body.push_str(&format!("\nfix: {}", r.remediation));
                // Newlines stay literal in element text (only attributes need &#10;).
                let text = e(&body).replace("&#10;", "\n");
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{text}</failure>\n    </testcase>",
                    e(&r.outcome.message),
                    e(&r.rule),
                );
            }
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
}
