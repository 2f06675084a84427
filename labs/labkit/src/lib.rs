//! labkit: the check engine behind the devoops labs.
//!
//! Labs are data (`lab.toml`) over one engine: named rules with an ID, a one-line meaning and
//! a remediation text. The flow is one way: load a [`lab::Lab`] → [`runner::run_lab`] on a
//! directory → one [`report::Report`] → a reporter renders it (human, JSON, JUnit, TAP).
//!
//! Public faces: [`cli`] (the checker binaries and `devoops check`), [`verify`] (the
//! author's proof), [`page::lab_page`] (the site's lab pages).

pub mod backup;
pub mod catalog;
pub mod cli;
pub mod docs;
pub mod interrupt;
pub mod lab;
pub mod multicall;
pub mod page;
pub mod process;
pub mod reaper;
pub mod registry;
pub mod report;
pub mod reporters;
pub mod rule;
pub mod rules;
pub mod runner;
pub mod sandbox;
pub mod secrets;
pub mod service;
pub mod simple_rule;
pub mod snapshot;
pub mod toolbox;
pub mod verify;
pub mod watch;
pub mod xmlish;

pub use cli::{CheckArgs, RunOptions, run_check};
pub use page::{LabPage, lab_page};
pub use rule::{CheckCtx, Location, Outcome, Rule, Toolbox, Verdict};
