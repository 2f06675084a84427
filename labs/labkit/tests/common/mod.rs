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
