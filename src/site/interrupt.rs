//! Ctrl-C (or SIGTERM) during `devoops build`: the build is asked to stop, the next file
//! write fails with "interrupted", and the staging folder is removed on the way out. A build
//! busy without writing (rendering one huge chapter) may not get there soon, so if it has not
//! ended [`GRACE`] after the signal, or at a second signal, the staging folders are removed
//! here and the process exits. Whatever a hard kill leaves is tidied by the next build.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result};

/// How long a build may take to notice the stop before the process ends without it.
#[cfg(unix)]
const GRACE: std::time::Duration = std::time::Duration::from_secs(2);

static STOP: AtomicBool = AtomicBool::new(false);

/// Staging folders being written now and the lock files held, removed if the process has
/// to end mid-build.
fn staging() -> &'static Mutex<Vec<PathBuf>> {
    static STAGING: OnceLock<Mutex<Vec<PathBuf>>> = OnceLock::new();
    STAGING.get_or_init(Mutex::default)
}

pub(super) fn register(dir: &Path) {
    staging()
        .lock()
        .expect("staging list")
        .push(dir.to_path_buf());
}

pub(super) fn unregister(dir: &Path) {
    staging().lock().expect("staging list").retain(|d| d != dir);
}

/// Installs the handler. Called by the `build` command, not by the library on its own.
pub fn stop_builds_on_signal() -> Result<()> {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
            .map_err(|e| Error::new(format!("cannot handle Ctrl-C: {e}")))?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for _ in signals.forever() {
                    let _ = tx.send(());
                }
            })
            .map_err(|e| Error::new(format!("cannot handle Ctrl-C: {e}")))?;
        std::thread::Builder::new()
            .name("interrupt".into())
            .spawn(move || {
                if rx.recv().is_err() {
                    return;
                }
                STOP.store(true, Ordering::SeqCst);
                // The build stops by itself at its next write; if it has not ended after the
                // grace period, or at a second signal, end it here.
                let _ = rx.recv_timeout(GRACE);
                for path in staging().lock().map(|d| d.clone()).unwrap_or_default() {
                    if path.is_dir() {
                        let _ = std::fs::remove_dir_all(path);
                    } else {
                        let _ = std::fs::remove_file(path);
                    }
                }
                eprintln!("error: interrupted: the previous site is unchanged");
                std::process::exit(130);
            })
            .map_err(|e| Error::new(format!("cannot handle Ctrl-C: {e}")))?;
    }
    Ok(())
}

/// Fails once a stop was asked for.
pub fn check() -> Result<()> {
    if STOP.load(Ordering::Relaxed) {
        Err(Error::new("interrupted: the previous site is unchanged"))
    } else {
        Ok(())
    }
}
