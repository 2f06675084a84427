//! The rule model every check is built on.
//!
//! A rule ([`RuleDef`]) is a named, documented assertion about a directory (the
//! participant's `scenario/`, or a lab's `solution/`). `lab.toml` selects rules by ID and
//! gives each one parameters, read into the rule's own typed struct; the engine hands the
//! directory to the rule in a [`CheckCtx`] and gets back an [`Outcome`]. Rules never modify
//! the directory they look at.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::engine::params::{self, ParamError};

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
    /// What the participant should hear although it does not change the verdict
    /// (`file:line: …`): a YAML key given twice, a RUN whose shell was read word by word.
    pub warnings: Vec<String>,
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
            warnings: Vec::new(),
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

    /// Adds warnings (each `file:line: what`), shown with the outcome whatever its verdict.
    pub fn with_warnings(mut self, warnings: impl IntoIterator<Item = String>) -> Self {
        self.warnings.extend(warnings);
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

/// The largest text file a rule reads (scripts, env files, manifests are kilobytes).
pub const MAX_TEXT_BYTES: u64 = 4 << 20;

/// What a rule sees: the directory being checked and the parameters `lab.toml` gave this check.
///
/// Helpers read files so that a missing, unreadable, binary or non-UTF-8 file becomes a failed
/// [`Outcome`] with a clear message, never a panic.
pub struct CheckCtx<'a> {
    pub dir: &'a Path,
    /// The check's `[check.params]`, read into the rule's parameter struct by [`Rule::check`].
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
    /// The participant's text file `rel`: a regular file of at most [`MAX_TEXT_BYTES`], as
    /// UTF-8 without NUL bytes.
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
        if !meta.is_file() {
            // A FIFO or a device would block the read or never end.
            return Err(fail(format!(
                "`{rel}` is not a regular file (a pipe, socket or device): replace it with the file itself"
            )));
        }
        if meta.len() > MAX_TEXT_BYTES {
            return Err(fail(format!(
                "`{rel}` is {} MB; a lab's text files are far smaller, so this is not the file the lab means",
                meta.len() / 1_000_000
            )));
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
}

/// The rule shape every check has: a stable ID, what it asserts, how to fix a failure, the
/// documentation of its parameters, and a check over a typed parameter struct `P` (a serde
/// struct with `#[serde(deny_unknown_fields)]`, read from lab.toml's `[check.params]`).
///
/// The check answers with an [`Outcome`] (pass, fail, or skipped with a reason); rules that
/// collect several problems build it from [`Finding`](crate::engine::findings::Finding)s
/// with [`outcome`](crate::engine::findings::outcome).
pub struct RuleDef<P> {
    /// e.g. "DF003", "K8S010", "RUN001". Docs, lab.toml and reports refer to it.
    pub id: &'static str,
    /// One line: what the rule asserts.
    pub meaning: &'static str,
    /// What to do when it fails.
    pub remediation: &'static str,
    /// `name: meaning` for each field of `P` (a test keeps them in step with the struct).
    pub params: &'static [&'static str],
    pub check: fn(&CheckCtx, &P) -> Outcome,
}

/// What the registry holds: any [`RuleDef`], whatever its parameter type.
pub trait Rule: Send + Sync {
    fn id(&self) -> &'static str;
    fn meaning(&self) -> &'static str;
    fn remediation(&self) -> &'static str;
    /// The parameters lab.toml may give this rule, as `name: meaning` lines (for `--list-rules`).
    fn params_doc(&self) -> &'static [&'static str];
    /// Every parameter name the rule takes: the fields of its parameter struct.
    fn param_names(&self) -> &'static [&'static str];
    /// Read a check's parameters as the rule would, without running it.
    fn validate(&self, params: &toml::Table) -> Result<(), ParamError>;
    /// Read `ctx.params` and run the check; bad parameters are a failed outcome.
    fn check(&self, ctx: &CheckCtx) -> Outcome;
}

impl<P: DeserializeOwned> Rule for RuleDef<P> {
    fn id(&self) -> &'static str {
        self.id
    }
    fn meaning(&self) -> &'static str {
        self.meaning
    }
    fn remediation(&self) -> &'static str {
        self.remediation
    }
    fn params_doc(&self) -> &'static [&'static str] {
        self.params
    }
    fn param_names(&self) -> &'static [&'static str] {
        params::field_names::<P>()
    }
    fn validate(&self, params: &toml::Table) -> Result<(), ParamError> {
        params::parse::<P>(params).map(drop)
    }
    fn check(&self, ctx: &CheckCtx) -> Outcome {
        match params::parse::<P>(ctx.params) {
            Ok(params) => (self.check)(ctx, &params),
            Err(e) => Outcome::fail(format!(
                "lab.toml: check \"{}\" ({}): {e}",
                ctx.check_name, self.id
            ))
            .at("lab.toml", None),
        }
    }
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
