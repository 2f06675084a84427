//! The rule model every check is built on.
//!
//! A [`Rule`] is a named, documented assertion about a directory (the participant's
//! `scenario/`, or a lab's `solution/`). `lab.toml` selects rules by ID and gives each one
//! parameters; the engine hands those to the rule in a [`CheckCtx`] and gets back an
//! [`Outcome`]. Rules never modify the directory they look at.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Pass,
    Fail,
    /// The check could not run here (e.g. no container engine) and says why in its message.
    Skip,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
        }
    }
}

/// Where a check looked: a file relative to the checked directory, and a line when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    /// 1-based line number.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.file, line),
            None => f.write_str(&self.file),
        }
    }
}

/// What a rule reports: a verdict, a message a participant can act on, and where it looked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub message: String,
    pub location: Option<Location>,
}

impl Outcome {
    pub fn pass(message: impl Into<String>) -> Self {
        Self::new(Verdict::Pass, message)
    }

    pub fn fail(message: impl Into<String>) -> Self {
        Self::new(Verdict::Fail, message)
    }

    pub fn skip(message: impl Into<String>) -> Self {
        Self::new(Verdict::Skip, message)
    }

    fn new(verdict: Verdict, message: impl Into<String>) -> Self {
        Outcome {
            verdict,
            message: message.into(),
            location: None,
        }
    }

    /// Attach the file (relative to the checked directory) and optional 1-based line.
    pub fn at(mut self, file: impl Into<String>, line: Option<usize>) -> Self {
        self.location = Some(Location {
            file: file.into(),
            line,
        });
        self
    }

    pub fn is_pass(&self) -> bool {
        self.verdict == Verdict::Pass
    }
}

/// Programs and limits the engine provides to rules that start processes.
#[derive(Debug, Clone)]
pub struct Toolbox {
    /// The `demo-service` binary, when it could be found (see [`crate::cleanroom::toolbox::find_demo_service`]).
    /// `None` means: look it up when a clean room needs it.
    pub demo_service: Option<PathBuf>,
    /// Upper bound for any single child process a check starts.
    pub process_timeout: Duration,
}

impl Default for Toolbox {
    fn default() -> Self {
        Toolbox {
            demo_service: None,
            process_timeout: Duration::from_secs(10),
        }
    }
}

/// What a rule sees: the directory being checked and the parameters `lab.toml` gave this check.
///
/// Helpers read files so that a missing, unreadable, binary or non-UTF-8 file becomes a failed
/// [`Outcome`] with a clear message, never a panic. Parameter helpers turn a mistake in
/// `lab.toml` into a failed outcome that names the check and the parameter.
pub struct CheckCtx<'a> {
    pub dir: &'a Path,
    pub params: &'a toml::Table,
    /// The check's name in lab.toml, used in messages about bad parameters.
    pub check_name: &'a str,
    pub toolbox: &'a Toolbox,
}

impl<'a> CheckCtx<'a> {
    /// The absolute path of `rel` inside the checked directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// Read a text file relative to the checked directory.
    pub fn read_text(&self, rel: &str) -> Result<String, Outcome> {
        let path = self.path(rel);
        let fail = |msg: String| Outcome::fail(msg).at(rel, None);
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(fail(format!("`{rel}` does not exist")));
            }
            Err(e) => return Err(fail(format!("cannot read `{rel}`: {e}"))),
        };
        if meta.is_dir() {
            return Err(fail(format!("`{rel}` is a directory, expected a file")));
        }
        let bytes = std::fs::read(&path).map_err(|e| fail(format!("cannot read `{rel}`: {e}")))?;
        if bytes.contains(&0) {
            return Err(fail(format!(
                "`{rel}` looks binary (contains NUL bytes), expected a text file"
            )));
        }
        String::from_utf8(bytes).map_err(|e| {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            Outcome::fail(format!("`{rel}` is not valid UTF-8 text")).at(rel, Some(line))
        })
    }

    fn param_error(&self, key: &str, expected: &str) -> Outcome {
        Outcome::fail(format!(
            "lab.toml: check \"{}\" needs parameter `{key}` ({expected})",
            self.check_name
        ))
        .at("lab.toml", None)
    }

    /// A required string parameter.
    pub fn str_param(&self, key: &str) -> Result<&'a str, Outcome> {
        self.opt_str_param(key)?
            .ok_or_else(|| self.param_error(key, "a string"))
    }

    /// An optional string parameter; present but not a string is an error.
    pub fn opt_str_param(&self, key: &str) -> Result<Option<&'a str>, Outcome> {
        match self.params.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.param_error(key, "a string")),
        }
    }

    /// An optional integer parameter.
    pub fn opt_int_param(&self, key: &str) -> Result<Option<i64>, Outcome> {
        match self.params.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(i)) => Ok(Some(*i)),
            Some(_) => Err(self.param_error(key, "an integer")),
        }
    }

    /// An optional boolean parameter with a default.
    pub fn bool_param_or(&self, key: &str, default: bool) -> Result<bool, Outcome> {
        match self.params.get(key) {
            None => Ok(default),
            Some(toml::Value::Boolean(b)) => Ok(*b),
            Some(_) => Err(self.param_error(key, "true or false")),
        }
    }

    /// A list of strings; a single string counts as a list of one; absent is empty.
    pub fn str_list_param(&self, key: &str) -> Result<Vec<&'a str>, Outcome> {
        match self.params.get(key) {
            None => Ok(Vec::new()),
            Some(toml::Value::String(s)) => Ok(vec![s.as_str()]),
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| self.param_error(key, "a list of strings"))
                })
                .collect(),
            Some(_) => Err(self.param_error(key, "a list of strings")),
        }
    }
}

/// A named, documented assertion. IDs are stable: docs, lab.toml and reports refer to them.
pub trait Rule: Send + Sync {
    /// e.g. "DF003", "K8S010", "RUN001".
    fn id(&self) -> &'static str;
    /// One line: what the rule asserts.
    fn meaning(&self) -> &'static str;
    /// What to do when it fails.
    fn remediation(&self) -> &'static str;
    /// The parameters lab.toml may give this rule, as `name: meaning` lines (for `--list-rules`).
    fn params_doc(&self) -> &'static [&'static str] {
        &[]
    }
    /// Every parameter name the rule reads: lab.toml keys outside this list are reported as
    /// mistakes when the lab is loaded. `None` (the default) accepts any key.
    fn param_names(&self) -> Option<&'static [&'static str]> {
        None
    }
    fn check(&self, ctx: &CheckCtx) -> Outcome;
}

/// Shorthand for rule families: unwrap a `Result<T, Outcome>` or return the failed outcome.
#[macro_export]
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(outcome) => return outcome,
        }
    };
}
