//! `.env` / environment facts: the variables a service needs are declared, documented, and
//! carry no real secrets.

use formats::dotenv::{self, EnvVar};
use crate::engine::rule::{CheckCtx, Outcome, Rule};
use crate::tri;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![Box::new(Declared), Box::new(NoSecretValues)]
}

fn load(ctx: &CheckCtx) -> Result<(String, Vec<EnvVar>), Outcome> {
    let file = ctx.str_param("file")?;
    let text = ctx.read_text(file)?;
    let vars = dotenv::parse(&text).map_err(|e| {
        Outcome::fail(format!("not a valid env file: {}", e.message)).at(file, e.line)
    })?;
    Ok((file.to_string(), vars))
}

/// ENV001: the env file declares (and documents) the variables the service reads.
struct Declared;

impl Rule for Declared {
    fn id(&self) -> &'static str {
        "ENV001"
    }
    fn param_names(&self) -> Option<&'static [&'static str]> {
        Some(&["file", "keys", "documented"])
    }
    fn meaning(&self) -> &'static str {
        "The env file declares every variable the service reads, each with a comment saying what it is for"
    }
    fn remediation(&self) -> &'static str {
        "Add `NAME=default` for each variable with a `# what it does` line above it; the file is the service's configuration contract"
    }
    fn params_doc(&self) -> &'static [&'static str] {
        &[
            "file: the env file, e.g. \".env.example\"",
            "keys: the variables that must be declared",
            "documented: require a comment for each (default true)",
        ]
    }
    fn check(&self, ctx: &CheckCtx) -> Outcome {
        let (file, vars) = tri!(load(ctx));
        let keys = tri!(ctx.str_list_param("keys"));
        let documented = tri!(ctx.bool_param_or("documented", true));
        let missing: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| !vars.iter().any(|v| v.key == *k))
            .collect();
        if !missing.is_empty() {
            return Outcome::fail(format!("does not declare {}", missing.join(", ")))
                .at(file, None);
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
struct NoSecretValues;

impl Rule for NoSecretValues {
    fn id(&self) -> &'static str {
        "ENV002"
    }
    fn param_names(&self) -> Option<&'static [&'static str]> {
        Some(&["file", "keys"])
    }
    fn meaning(&self) -> &'static str {
        "Secret variables in a committed env file are empty or obvious placeholders"
    }
    fn remediation(&self) -> &'static str {
        "Leave the value empty (or `change-me`) and provide the real secret at deploy time from the environment or a secret store"
    }
    fn params_doc(&self) -> &'static [&'static str] {
        &[
            "file: the env file",
            "keys: the variables that hold secrets",
        ]
    }
    fn check(&self, ctx: &CheckCtx) -> Outcome {
        let (file, vars) = tri!(load(ctx));
        let keys = tri!(ctx.str_list_param("keys"));
        for var in &vars {
            if keys.contains(&var.key.as_str()) && !is_placeholder(&var.value) {
                return Outcome::fail(format!(
                    "{} carries a value that looks real; a committed file is not a secret store",
                    var.key
                ))
                .at(file, Some(var.line));
            }
        }
        Outcome::pass(format!("no real values for {}", keys.join(", "))).at(file, None)
    }
}
