//! What a checker sends to the room, and the checks a body must pass before it is stored.
//!
//! The body is an envelope around the exact document `--format json` prints:
//! `{"name": "Ada", "id": "<run id>", "at": <unix ms>, "result": {…}}`. The run id makes a
//! report idempotent: a queued report that is sent twice (the answer got lost on the way
//! back) is stored once. Every limit here is checked before anything touches the database,
//! and an error names the field and what is allowed.

use serde::Deserialize;

/// The largest body the room reads; a lab's full JSON result is a few KiB.
pub const MAX_BODY: usize = 64 * 1024;
const MAX_NAME_CHARS: usize = 60;
const MAX_CHECKS: usize = 200;
const MAX_CHECK_NAME_CHARS: usize = 200;
const MAX_LAB_CHARS: usize = 64;

#[derive(Deserialize)]
struct Envelope {
    name: String,
    id: String,
    at: u64,
    result: WireResult,
}

/// The parts of the `--format json` document the room uses; other fields are allowed and
/// ignored, so a newer checker can still report to an older room.
#[derive(Deserialize)]
struct WireResult {
    lab: String,
    total: usize,
    passed: usize,
    checks: Vec<WireCheck>,
}

#[derive(Deserialize)]
struct WireCheck {
    name: String,
    verdict: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Verdict {
    pub fn parse(text: &str) -> Option<Verdict> {
        match text {
            "pass" => Some(Verdict::Pass),
            "fail" => Some(Verdict::Fail),
            "skip" => Some(Verdict::Skip),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Check {
    pub name: String,
    pub verdict: Verdict,
}

/// One checker run, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub name: String,
    pub run_id: String,
    /// When the checker ran, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    pub lab: String,
    pub passed: usize,
    pub total: usize,
    pub checks: Vec<Check>,
}

/// Parses and checks a report body. The error is one line for the participant's terminal.
pub fn parse(body: &[u8]) -> Result<Report, String> {
    if body.len() > MAX_BODY {
        return Err(format!("the report is larger than {MAX_BODY} bytes"));
    }
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| format!("not a report: {e}"))?;
    let name = envelope.name.trim().to_string();
    text_field("name", &name, MAX_NAME_CHARS)?;
    if envelope.id.len() < 8
        || envelope.id.len() > 64
        || !envelope
            .id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err("id: 8 to 64 letters, digits or '-'".into());
    }
    let result = envelope.result;
    if result.lab.is_empty()
        || result.lab.len() > MAX_LAB_CHARS
        || !result
            .lab
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(format!(
            "result.lab: 1 to {MAX_LAB_CHARS} letters, digits, '-', '_' or '.'"
        ));
    }
    if result.checks.len() > MAX_CHECKS {
        return Err(format!("result.checks: at most {MAX_CHECKS} checks"));
    }
    let mut checks = Vec::with_capacity(result.checks.len());
    for (n, check) in result.checks.into_iter().enumerate() {
        text_field(
            &format!("result.checks[{n}].name"),
            &check.name,
            MAX_CHECK_NAME_CHARS,
        )?;
        let verdict = Verdict::parse(&check.verdict).ok_or_else(|| {
            format!(
                "result.checks[{n}].verdict: one of pass, fail, skip (got {:?})",
                check.verdict
            )
        })?;
        checks.push(Check {
            name: check.name,
            verdict,
        });
    }
    let passed = checks.iter().filter(|c| c.verdict == Verdict::Pass).count();
    if result.total != checks.len() || result.passed != passed {
        return Err(format!(
            "result: total ({}) and passed ({}) must match the checks ({} checks, {passed} passed)",
            result.total,
            result.passed,
            checks.len()
        ));
    }
    Ok(Report {
        name,
        run_id: envelope.id,
        at_ms: envelope.at,
        lab: result.lab,
        passed,
        total: checks.len(),
        checks,
    })
}

/// A participant's text: not empty, bounded, and free of control characters (which would
/// garble the board, the CSV export and terminals). HTML is allowed here and escaped on output.
fn text_field(field: &str, value: &str, max_chars: usize) -> Result<(), String> {
    let chars = value.chars().count();
    if chars == 0 || chars > max_chars {
        return Err(format!("{field}: 1 to {max_chars} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{field}: no control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(name: &str, checks: serde_json::Value, total: usize, passed: usize) -> Vec<u8> {
        json!({"name": name, "id": "run-0001", "at": 1_700_000_000_000u64,
               "result": {"lab": "01-tarball", "title": "t", "ok": false, "total": total,
                          "passed": passed, "checks": checks}})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn accepts_a_checker_result() {
        let checks = json!([{"name": "a", "verdict": "pass", "rule": "FILE001"},
                            {"name": "b", "verdict": "fail"}]);
        let report = parse(&body(" <b>Ada</b> ", checks, 2, 1)).unwrap();
        assert_eq!(report.name, "<b>Ada</b>");
        assert_eq!((report.passed, report.total), (1, 2));
        assert_eq!(report.checks[1].verdict, Verdict::Fail);
    }

    #[test]
    fn rejects_what_does_not_fit_the_schema() {
        let one = json!([{"name": "a", "verdict": "pass"}]);
        let cases = [
            (body("", one.clone(), 1, 1), "name"),
            (body(&"x".repeat(61), one.clone(), 1, 1), "name"),
            (body("a\u{7}b", one.clone(), 1, 1), "control"),
            (body("Ada", one.clone(), 2, 1), "must match"),
            (body("Ada", one.clone(), 1, 0), "must match"),
            (
                body("Ada", json!([{"name": "a", "verdict": "maybe"}]), 1, 0),
                "verdict",
            ),
            (b"{}".to_vec(), "not a report"),
            (vec![b' '; MAX_BODY + 1], "larger"),
        ];
        for (body, needle) in cases {
            let err = parse(&body).unwrap_err();
            assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        }
    }
}
