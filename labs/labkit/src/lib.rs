//! labkit: the check engine behind the devoops labs.
//!
//! Labs are data (`lab.toml`) over one engine: named rules with an ID, a one-line meaning and
//! a remediation text. The flow is one way: load an [`engine::lab::Lab`] →
//! [`engine::runner::run_lab`] on a directory → one [`engine::report::Report`] → a reporter
//! renders it (human, JSON, JUnit, TAP).
//!
//! The crate is grouped by job:
//!
//! | module | job |
//! |---|---|
//! | [`engine`] | lab.toml, the rule shape, the registry, the runner and the result type |
//! | [`rules`] | the rule families, one module each, with their fixtures |
//! | [`cleanroom`] | child processes, the sandbox a service starts in, and the cleanup that keeps none behind |
//! | [`platform`] | the operating system calls the clean room makes, and the run without one (Windows, `LABKIT_NO_CLEANROOM=1`) |
//! | [`reporters`] | human, JSON, JUnit and TAP renderings of a report |
//! | [`cli`], [`verify`], [`page`] | the faces: the checker binaries and `devoops check`, the author's proof, the site's lab pages |
//!
//! The file formats rules read (Dockerfile, Compose, Kubernetes, Prometheus text, dotenv)
//! live in the `formats` crate.

pub mod cleanroom;
pub mod cli;
pub mod engine;
pub mod guidance;
pub mod multicall;
pub mod page;
pub mod platform;
pub mod reporters;
pub mod room;
pub mod rules;
pub mod verify;
mod watch;

pub use cli::{CheckArgs, RunOptions, run_check};
pub use engine::rule::{CheckCtx, Location, Outcome, Rule, Toolbox, Verdict};
pub use page::{LabPage, lab_page};
