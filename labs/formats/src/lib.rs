//! formats: the file formats the devoops labs look at, read as data that remembers lines.
//!
//! Dockerfiles (and `.dockerignore`), Compose files, Kubernetes manifests, YAML in general,
//! the Prometheus text exposition format, `.env` files and container image references. This
//! crate knows nothing of rules or labs: it parses, and says where a problem is, the way
//! hadolint keeps its parser apart in language-docker. labkit's rules ask their questions
//! through these models.

use std::fmt;

pub mod compose;
pub mod dockerfile;
pub mod dotenv;
pub mod image_ref;
pub mod k8s;
pub mod promtext;
pub mod yaml;

/// A problem in a file and the 1-based line it is on (`None` when the parser cannot say).
/// Every parser here reports its errors with this one type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: Option<usize>,
    pub message: String,
}

impl LineError {
    /// A problem on a known line.
    pub fn at(line: usize, message: impl Into<String>) -> Self {
        LineError {
            line: Some(line),
            message: message.into(),
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for LineError {}
