//! labkit: the check engine behind the devoops labs.
//!
//! Labs are data (`lab.toml`) over one engine: named rules with an ID, a one-line meaning and
//! a remediation text. The flow is one way: load a lab → run its checks on a directory → one
//! [`report::Report`] value → a reporter renders it (human, JSON, JUnit, TAP).

pub mod compose;
pub mod dockerfile;
pub mod image_ref;
pub mod k8s;
pub mod registry;
pub mod rule;
pub mod secrets;
pub mod simple_rule;
pub mod yaml;

pub use rule::{CheckCtx, Location, Outcome, Rule, Toolbox, Verdict};
