//! Shared by the integration tests: a toolbox whose clean rooms offer the demo service.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use labkit::Toolbox;

/// A checker binary of this package: started as `demo-service` it is the demo service
/// (see `labkit::multicall`), and cargo builds it for integration tests.
pub fn demo_service() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_lab-01-check"))
}

pub fn toolbox() -> Toolbox {
    Toolbox {
        demo_service: Some(demo_service()),
        process_timeout: Duration::from_secs(10),
    }
}

/// Every rule's golden fixtures: `(rule ID, folder)` for each `src/rules/<family>/fixtures/<ID>/`,
/// sorted by ID. The fixtures live next to the rule they prove.
pub fn rule_fixture_dirs() -> Vec<(String, PathBuf)> {
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let mut dirs: Vec<(String, PathBuf)> = std::fs::read_dir(&rules)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", rules.display()))
        .flatten()
        .filter_map(|family| std::fs::read_dir(family.path().join("fixtures")).ok())
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    dirs.sort();
    dirs
}
