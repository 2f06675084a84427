//! `lab.toml`: a lab is data over the engine — which rules, with which parameters and hints.
//!
//! ```toml
//! id = "01-tarball"
//! title = "Here's a tarball"
//! goal = "One sentence: what 'fixed' means"
//! minutes = 20
//! chapter = "tarball.md"          # the content/ chapter it practises
//!
//! [[check]]
//! rule = "RUN001"
//! name = "Starts in a clean room and answers /healthz"
//! hint = "lab-specific hint"
//! passes_in_scenario = false      # default; true marks a check scenario/ already passes
//! needs = ["an earlier check"]    # skipped ("needs …") while that one does not pass
//! [check.params]
//! command = "./start.sh"
//! ```

use std::fmt;
use std::ops::Range;

use serde::Deserialize;

use crate::engine::params::ParamError;
use crate::engine::registry;

/// A problem in a lab.toml, with the file and line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for LabError {}

/// A loaded, validated lab.
#[derive(Debug, Clone)]
pub struct Lab {
    pub id: String,
    pub title: String,
    pub goal: String,
    pub minutes: u32,
    /// The content/ chapter file this lab practises, e.g. "tarball.md".
    pub chapter: String,
    pub checks: Vec<Check>,
}

/// One `[[check]]`: a rule with parameters and a lab-specific hint.
#[derive(Debug, Clone)]
pub struct Check {
    pub rule: String,
    pub name: String,
    pub hint: Option<String>,
    pub passes_in_scenario: bool,
    pub params: toml::Table,
    /// Names of earlier checks this one builds on: when one of them does not pass, this
    /// check is reported as skipped ("needs …") instead of failing for the same cause.
    pub needs: Vec<String>,
    /// Line of the `rule = …` entry in lab.toml.
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLab {
    id: String,
    title: String,
    goal: String,
    minutes: u32,
    chapter: String,
    #[serde(rename = "check", default)]
    checks: Vec<RawCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    rule: toml::Spanned<String>,
    name: toml::Spanned<String>,
    hint: Option<String>,
    #[serde(default)]
    passes_in_scenario: bool,
    #[serde(default)]
    params: toml::Table,
    #[serde(default)]
    needs: Vec<toml::Spanned<String>>,
}

fn line_of(text: &str, span: Range<usize>) -> usize {
    text[..span.start.min(text.len())].matches('\n').count() + 1
}

/// The known name within two edits of `wanted` (case-insensitive), for "did you mean".
fn closest<'k>(wanted: &str, known: &[&'k str]) -> Option<&'k str> {
    let wanted = wanted.to_ascii_uppercase();
    known
        .iter()
        .map(|k| (edit_distance(&wanted, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance over bytes (rule IDs are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The line of `key = …` in the check that starts on `check_line` (the check's own line
/// when the key cannot be found, e.g. in an inline table).
fn param_line(text: &str, check_line: usize, key: &str) -> usize {
    text.lines()
        .enumerate()
        .skip(check_line)
        .take_while(|(_, l)| l.trim() != "[[check]]")
        .find(|(_, l)| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|(i, _)| i + 1)
        .unwrap_or(check_line)
}

/// A check's parameter mistake as a lab.toml error on the parameter's line: an unknown
/// name with the nearest one the rule takes, a wrong type, or a missing parameter.
fn param_error(
    text: &str,
    check_line: usize,
    rule: &str,
    known: &[&str],
    e: ParamError,
    file: &str,
) -> LabError {
    let line = e
        .param
        .as_deref()
        .map_or(check_line, |p| param_line(text, check_line, p));
    let takes = if known.is_empty() {
        "it takes no parameters".to_string()
    } else {
        format!("it takes: {}", known.join(", "))
    };
    let message = match (&e.param, e.unknown) {
        (Some(param), true) => {
            let near = known
                .iter()
                .map(|k| (edit_distance(param, k), *k))
                .filter(|(d, _)| *d <= 2)
                .min()
                .map(|(_, k)| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            format!("{rule} has no parameter `{param}`{near}; {takes}")
        }
        (Some(param), false) => format!("{rule} parameter `{param}`: {}", e.message),
        (None, _) => format!("{rule}: {}; {takes}", e.message),
    };
    LabError {
        file: file.to_string(),
        line: Some(line),
        message,
    }
}

impl Lab {
    /// Parse and validate lab.toml text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Lab, LabError> {
        let error = |line: Option<usize>, message: String| LabError {
            file: file.to_string(),
            line,
            message,
        };
        let raw: RawLab = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s));
            error(line, e.message().trim().to_string())
        })?;
        if raw.checks.is_empty() {
            return Err(error(None, "a lab needs at least one [[check]]".into()));
        }
        if !(raw.chapter.ends_with(".md")) {
            return Err(error(
                None,
                format!(
                    "chapter = {:?}: name the content/ chapter file, e.g. \"tarball.md\"",
                    raw.chapter
                ),
            ));
        }
        let mut checks: Vec<Check> = Vec::new();
        for check in raw.checks {
            let line = line_of(text, check.rule.span());
            let rule = check.rule.into_inner();
            if registry::find(&rule).is_none() {
                let rules = registry::all_rules();
                let known: Vec<&str> = rules.iter().map(|r| r.id()).collect();
                let message = match closest(&rule, &known) {
                    Some(near) => format!("unknown rule {rule:?}: did you mean {near}?"),
                    None => format!("unknown rule {rule:?}; known rules: {}", known.join(", ")),
                };
                return Err(error(Some(line), message));
            }
            let name_line = line_of(text, check.name.span());
            let name = check.name.into_inner();
            if checks.iter().any(|c| c.name == name) {
                return Err(error(
                    Some(name_line),
                    format!("two checks are named {name:?}; names identify checks in reports"),
                ));
            }
            if let Some(found) = registry::find(&rule)
                && let Err(e) = found.validate(&check.params)
            {
                return Err(param_error(text, line, &rule, found.param_names(), e, file));
            }
            let mut needs = Vec::new();
            for needed in check.needs {
                let needed_line = line_of(text, needed.span());
                let needed = needed.into_inner();
                if !checks.iter().any(|c| c.name == needed) {
                    return Err(error(
                        Some(needed_line),
                        format!(
                            "needs {needed:?}: no earlier check has that name (a check can only build on checks above it)"
                        ),
                    ));
                }
                needs.push(needed);
            }
            checks.push(Check {
                rule,
                name,
                hint: check.hint,
                passes_in_scenario: check.passes_in_scenario,
                params: check.params,
                needs,
                line,
            });
        }
        Ok(Lab {
            id: raw.id,
            title: raw.title,
            goal: raw.goal,
            minutes: raw.minutes,
            chapter: raw.chapter,
            checks,
        })
    }

    /// Load `<dir>/lab.toml`.
    pub fn load(dir: &std::path::Path) -> Result<Lab, LabError> {
        let path = dir.join("lab.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| LabError {
            file: path.display().to_string(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Lab::parse(&text, &path.display().to_string())
    }

    /// The name of this lab's own checker binary, e.g. `lab-01-check`.
    pub fn checker_name(&self) -> String {
        let number = self.id.split('-').next().unwrap_or(&self.id);
        format!("lab-{number}-check")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "id = \"x\"\ntitle = \"T\"\ngoal = \"G\"\nminutes = 20\nchapter = \"tarball.md\"\n\n[[check]]\nrule = \"FILE001\"\nname = \"A\"\n[check.params]\npath = \"a\"\n";

    #[test]
    fn loads_a_lab() {
        let lab = Lab::parse(GOOD, "lab.toml").unwrap();
        assert_eq!(lab.checks[0].line, 8);
        assert_eq!(lab.checks[0].params["path"].as_str(), Some("a"));
        assert_eq!(
            Lab {
                id: "06-linux-ha".into(),
                ..lab
            }
            .checker_name(),
            "lab-06-check"
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let unknown = GOOD.replace("FILE001", "NOPE42");
        let err = Lab::parse(&unknown, "labs/x/lab.toml").unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("labs/x/lab.toml", Some(8)));
        assert!(
            err.to_string()
                .starts_with("labs/x/lab.toml:8: unknown rule \"NOPE42\"")
        );

        let typo = GOOD.replace("minutes = 20", "minutes = \"twenty\"");
        assert_eq!(Lab::parse(&typo, "l").unwrap_err().line, Some(4));

        let extra = GOOD.replace("name = \"A\"", "name = \"A\"\nhnit = \"x\"");
        let err = Lab::parse(&extra, "l").unwrap_err();
        assert_eq!(err.line, Some(10));
        assert!(err.message.contains("hnit"), "{}", err.message);

        let dup = format!("{GOOD}\n[[check]]\nrule = \"FILE001\"\nname = \"A\"\n");
        assert_eq!(Lab::parse(&dup, "l").unwrap_err().line, Some(15));

        let typo = GOOD.replace("path = \"a\"", "path = \"a\"\nknd = \"dir\"");
        let err = Lab::parse(&typo, "l").unwrap_err();
        assert_eq!(err.line, Some(12));
        assert!(
            err.message.starts_with(
                "FILE001 has no parameter `knd` (did you mean `kind`?); it takes: path, kind"
            ),
            "{}",
            err.message
        );
    }
}
