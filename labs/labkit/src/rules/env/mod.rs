//! `.env` / environment facts: the variables a service needs are declared, documented, and
//! carry no real secrets.

use formats::dotenv::{self, EnvVar};
use serde::Deserialize;

use crate::engine::findings::{Finding, outcome};
use crate::engine::params::StrList;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::tri;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(RuleDef {
            id: "ENV001",
            meaning: "The env file declares every variable the service reads, each with a comment saying what it is for",
            remediation: "Add `NAME=default` for each variable with a `# what it does` line above it; the file is the service's configuration contract",
            params: &[
                "file: the env file, e.g. \".env.example\"",
                "keys: the variables that must be declared",
                "documented: require a comment for each (default true)",
            ],
            check: declared,
        }),
        Box::new(RuleDef {
            id: "ENV002",
            meaning: "Secret variables in a committed env file are empty or obvious placeholders, and no committed script gives them a real default",
            remediation: "Leave the value empty (or `change-me`) and provide the real secret at deploy time from the environment or a secret store",
            params: &[
                "file: the env file",
                "keys: the variables that hold secrets",
                "scripts: shell scripts whose assignments and ${VAR:-default} defaults of those keys are checked too (optional)",
            ],
            check: no_secret_values,
        }),
    ]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclaredParams {
    file: String,
    #[serde(default)]
    keys: StrList,
    #[serde(default = "yes")]
    documented: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretParams {
    file: String,
    #[serde(default)]
    keys: StrList,
    #[serde(default)]
    scripts: StrList,
}

fn load(ctx: &CheckCtx, file: &str) -> Result<(String, Vec<EnvVar>), Outcome> {
    let text = ctx.read_text(file)?;
    let vars = dotenv::parse(&text).map_err(|e| {
        Outcome::fail(format!("not a valid env file: {}", e.message)).at(file, e.line)
    })?;
    Ok((file.to_string(), vars))
}

/// ENV001: the env file declares (and documents) the variables the service reads.
fn declared(ctx: &CheckCtx, p: &DeclaredParams) -> Outcome {
    let (file, vars) = tri!(load(ctx, &p.file));
    let keys = p.keys.to_strs();
    let documented = p.documented;
    let missing: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !vars.iter().any(|v| v.key == *k))
        .collect();
    if !missing.is_empty() {
        return Outcome::fail(format!("does not declare {}", missing.join(", "))).at(file, None);
    }
    if documented
        && let Some(var) = vars
            .iter()
            .find(|v| keys.contains(&v.key.as_str()) && !v.documented)
    {
        return Outcome::fail(format!("{} has no comment saying what it is for", var.key))
            .at(file, Some(var.line));
    }
    Outcome::pass(format!("declares {}", keys.join(", "))).at(file, None)
}

/// Values that plainly are placeholders, not secrets.
fn is_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.is_empty()
        || (v.starts_with('<') && v.ends_with('>'))
        || v.starts_with("change")
        || v.starts_with("replace")
        || v.starts_with("your")
        || v.chars().all(|c| c == 'x' || c == '*')
        || v.contains("example")
}

/// ENV002: secrets are declared but never given a real value in a committed file.
fn no_secret_values(ctx: &CheckCtx, p: &SecretParams) -> Outcome {
    let (file, vars) = tri!(load(ctx, &p.file));
    let keys = p.keys.to_strs();
    let mut findings: Vec<Finding> = vars
        .iter()
        .filter(|var| keys.contains(&var.key.as_str()) && !is_placeholder(&var.value))
        .map(|var| {
            Finding::new(
                &file,
                Some(var.line),
                format!(
                    "{} carries a value that looks real; a committed file is not a secret store",
                    var.key
                ),
            )
        })
        .collect();
    for script in p.scripts.iter() {
        if !ctx.path(script).is_file() {
            continue;
        }
        let text = tri!(ctx.read_text(script));
        findings.extend(script_defaults(script, &text, &keys));
    }
    outcome(
        &file,
        findings,
        format!("no real values for {}", keys.join(", ")),
    )
}

/// Real values a shell script gives `keys`: `KEY=value`, `export KEY=value`, and the
/// defaults in `${KEY:-value}`, `${KEY:=value}`, `${KEY-value}`, `${KEY=value}`.
fn script_defaults(script: &str, text: &str, keys: &[&str]) -> Vec<Finding> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.split(" #").next().unwrap_or(line);
        if code.trim_start().starts_with('#') {
            continue;
        }
        for key in keys {
            let key = regex::escape(key);
            let patterns = [
                format!(r#"(?:^|[\s;]){key}=("[^"]*"|'[^']*'|[^\s;]*)"#),
                format!(r#"\$\{{{key}:?[-=]([^}}]*)\}}"#),
            ];
            for pattern in &patterns {
                let Ok(re) = regex::Regex::new(pattern) else {
                    continue;
                };
                for caps in re.captures_iter(code) {
                    let value = caps[1].trim_matches(|c| c == '"' || c == '\'');
                    if !value.contains('$') && !is_placeholder(value) {
                        found.push(Finding::new(
                            script,
                            Some(index + 1),
                            format!(
                                "{script} gives {} a built-in value that looks real: whoever has the tarball has the token; leave it to the environment",
                                key.replace('\\', "")
                            ),
                        ));
                    }
                }
            }
        }
    }
    found
}
