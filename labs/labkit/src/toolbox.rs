//! Finding the programs clean rooms offer. The demo service is looked up, in order:
//! 1. `DEVOOPS_DEMO_SERVICE` (a path to the binary);
//! 2. next to the running checker (how a participant gets it: both binaries in one folder),
//!    or one level up (cargo's `target/debug/deps/` for test binaries);
//! 3. on `PATH`.

use std::path::PathBuf;
use std::time::Duration;

use crate::rule::Toolbox;
use crate::sandbox::{is_executable, which};

pub fn find_demo_service() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DEVOOPS_DEMO_SERVICE").map(PathBuf::from)
        && is_executable(&path)
    {
        return path.canonicalize().ok();
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [dir.join("demo-service"), dir.join("../demo-service")]
        .into_iter()
        .find(|candidate| is_executable(candidate))
        .and_then(|p| p.canonicalize().ok())
        .or_else(|| which("demo-service"))
}

/// The toolbox for a normal run: the demo service if found, a 10 s limit per child process.
pub fn discover() -> Toolbox {
    Toolbox {
        demo_service: find_demo_service(),
        process_timeout: Duration::from_secs(10),
    }
}
