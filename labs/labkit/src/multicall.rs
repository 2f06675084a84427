//! The checker binaries carry the demo service inside them (like busybox carries its
//! applets): started under the name `demo-service`, a checker *is* the demo service. So a
//! participant needs one copied binary, and a clean room can always offer the service by
//! linking `demo-service` to the running checker. Started as `devoops-clean-room`, a
//! checker is the clean room's keeper (see [`crate::cleanroom::keeper`]).

use std::ffi::OsStr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

static SELF_SERVES: AtomicBool = AtomicBool::new(false);

/// Call first in `main` of every binary that links labkit. When the program was started as
/// `demo-service`, this runs the service and returns its exit code.
pub fn dispatch() -> Option<ExitCode> {
    SELF_SERVES.store(true, Ordering::Relaxed);
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let name = Path::new(args.first()?).file_name()?;
    if name == OsStr::new(crate::cleanroom::keeper::NAME) {
        return Some(crate::cleanroom::keeper::run(&args[1..]));
    }
    (name == OsStr::new("demo-service")).then(demo_service::run)
}

/// Whether the running binary called [`dispatch`], i.e. can stand in for `demo-service`.
pub fn self_serves() -> bool {
    SELF_SERVES.load(Ordering::Relaxed)
}
