//! All rule families, concatenated. Each family lives in its own module and exposes
//! `pub fn rules() -> Vec<Box<dyn Rule>>`; add a new family with one line below.

use crate::engine::rule::Rule;

/// Every rule the engine knows, in ID order.
pub fn all_rules() -> Vec<Box<dyn Rule>> {
    let families: Vec<Vec<Box<dyn Rule>>> = vec![
        crate::rules::files::rules(),
        crate::rules::env::rules(),
        crate::rules::container::rules(),
        crate::rules::run::rules(),
        crate::rules::prometheus::rules(),
        crate::rules::sequence::rules(),
        crate::rules::ocf::rules(),
        crate::rules::dockerfile::rules(),
        crate::rules::compose::rules(),
        crate::rules::k8s::rules(),
        crate::rules::backup::rules(),
    ];
    let mut rules: Vec<Box<dyn Rule>> = families.into_iter().flatten().collect();
    rules.sort_by_key(|r| r.id());
    rules
}

/// Look a rule up by its ID (case-sensitive, e.g. "RUN001").
pub fn find(id: &str) -> Option<Box<dyn Rule>> {
    all_rules().into_iter().find(|r| r.id() == id)
}
