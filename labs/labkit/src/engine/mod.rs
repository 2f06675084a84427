//! The check engine: a lab is loaded from its `lab.toml` ([`lab`]), its checks name rules
//! from the [`registry`], the [`runner`] runs them on a directory and collects one
//! [`report::Report`]. [`rule`] is the shape every rule has; [`catalog`] knows the labs
//! built into this binary; [`docs`] writes RULES.md from the registry.

pub mod catalog;
pub mod docs;
pub mod findings;
pub mod lab;
pub mod params;
pub mod registry;
pub mod report;
pub mod rule;
pub mod runner;
