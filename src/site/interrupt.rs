//! Ctrl-C during `devoops build`: the first SIGINT or SIGTERM asks the build to stop, the next
//! file write fails with "interrupted", and the staging folder is removed on the way out. A
//! second signal ends the process at once (whatever is left is tidied by the next build).

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

fn flag() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Installs the handlers. Called by the `build` command, not by the library on its own.
pub fn stop_builds_on_signal() -> Result<()> {
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let fail = |e: std::io::Error| Error::new(format!("cannot handle Ctrl-C: {e}"));
        // Order matters: the second signal finds the flag already set and exits.
        signal_hook::flag::register_conditional_shutdown(signal, 130, flag().clone())
            .map_err(fail)?;
        signal_hook::flag::register(signal, flag().clone()).map_err(fail)?;
    }
    Ok(())
}

/// Fails once a stop was asked for.
pub fn check() -> Result<()> {
    if flag().load(Ordering::Relaxed) {
        Err(Error::new("interrupted: the previous site is unchanged"))
    } else {
        Ok(())
    }
}
