//! The participants' checkers as the release builds them: `cargo dist-build` (the `dist`
//! profile, statically linked on x86_64 Linux), run once per test binary. The first run on a
//! fresh clone compiles the engine with LTO (a few minutes); later runs are no-ops.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The folder `--checkers` takes: the workspace's target/, holding
/// `x86_64-unknown-linux-gnu/dist/lab-NN-check`.
pub fn checkers_dir() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = std::process::Command::new(cargo)
            .arg("dist-build")
            .arg("--quiet")
            .current_dir(root)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo dist-build failed");
        target
    })
}

/// One lab's dist checker.
pub fn checker(lab_number: &str) -> PathBuf {
    checkers_dir()
        .join("x86_64-unknown-linux-gnu/dist")
        .join(format!("lab-{lab_number}-check"))
}
