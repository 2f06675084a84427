//! Shared by the integration tests: a built demo-service and a toolbox that offers it.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use labkit::Toolbox;

/// Build the demo service once per test binary (cargo does not build other packages'
/// binaries for a package's tests) and return its path.
pub fn demo_service() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "-q", "-p", "demo-service"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building demo-service failed");
        // Test binaries live in target/<profile>/deps; the service one level up.
        let exe = std::env::current_exe().expect("test binary path");
        let path = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("target/<profile>")
            .join("demo-service");
        assert!(path.is_file(), "{} was not built", path.display());
        path
    })
    .clone()
}

pub fn toolbox() -> Toolbox {
    Toolbox {
        demo_service: Some(demo_service()),
        process_timeout: Duration::from_secs(10),
    }
}
