//! The checker binaries carry the demo service inside them (like busybox carries its
//! applets): started under the name `demo-service`, a checker *is* the demo service. So a
//! participant needs one copied binary, and a clean room can always offer the service by
//! linking `demo-service` to the running checker.

use std::ffi::OsStr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

static SELF_SERVES: AtomicBool = AtomicBool::new(false);

/// Call first in `main` of every binary that links labkit. When the program was started as
/// `demo-service`, this runs the service and returns its exit code.
pub fn dispatch() -> Option<ExitCode> {
    SELF_SERVES.store(true, Ordering::Relaxed);
    let argv0 = std::env::args_os().next()?;
    let name = Path::new(&argv0).file_name()?;
    (name == OsStr::new("demo-service")).then(demo_service::run)
}

/// Whether the running binary called [`dispatch`], i.e. can stand in for `demo-service`.
pub fn self_serves() -> bool {
    SELF_SERVES.load(Ordering::Relaxed)
}
