//! Orphans must not linger as zombies. When a start script or resource agent exits, the
//! service it launched is re-parented; if nobody reaps it after it dies, `kill -0` keeps
//! reporting it alive and a correct `stop` loop waits in vain. Many containers run a PID 1
//! that reaps slowly or never (`docker run` without `--init`), so on Linux the checker makes
//! itself a child subreaper and reaps the orphans it adopts.
//!
//! The checker's own children are reaped by their owners ([`crate::cleanroom::process::GroupChild`]);
//! the reaper leaves every tracked process-group leader alone, and spawning holds the same
//! lock as a reaping pass, so a child can never be reaped before it is tracked.

use std::sync::{Mutex, MutexGuard, Once};

static SPAWN: Mutex<()> = Mutex::new(());
static INSTALL: Once = Once::new();

/// Held while a child is spawned and tracked, and while orphans are reaped.
pub(crate) fn spawn_guard() -> MutexGuard<'static, ()> {
    SPAWN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Become a subreaper and start reaping adopted orphans (Linux; elsewhere a no-op).
pub fn install() {
    INSTALL.call_once(|| {
        #[cfg(target_os = "linux")]
        {
            let me = rustix::process::getpid();
            if rustix::process::set_child_subreaper(Some(me)).is_ok() {
                std::thread::spawn(|| {
                    loop {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        reap_orphans();
                    }
                });
            }
        }
    });
}

/// Reap the orphans adopted so far, now (a no-op unless [`install`] made this process a
/// subreaper, or elsewhere than Linux).
pub(crate) fn reap_now() {
    #[cfg(target_os = "linux")]
    if INSTALL.is_completed() {
        reap_orphans();
    }
}

#[cfg(target_os = "linux")]
fn reap_orphans() {
    use rustix::process::{Pid, WaitOptions, waitpid};

    let _guard = spawn_guard();
    let me = std::process::id() as i32;
    let tracked = crate::cleanroom::interrupt::tracked_groups();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if tracked.contains(&pid) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": comm may contain spaces, so split after the last ')'.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let (Some(state), Some(ppid)) = (fields.next(), fields.next()) else {
            continue;
        };
        if state == "Z"
            && ppid.parse::<i32>().ok() == Some(me)
            && let Some(pid) = Pid::from_raw(pid)
        {
            let _ = waitpid(Some(pid), WaitOptions::NOHANG);
        }
    }
}
