//! Ctrl-C (and SIGTERM/SIGHUP) must not leave a participant's service running.
//!
//! Children run in their own process groups, so the terminal's SIGINT never reaches them.
//! When the checker itself is interrupted, signal-hook's handler (which does only
//! async-signal-safe work) wakes a cleanup thread; that thread kills every live process
//! group and every marked sandbox process, then exits with the conventional 128 + signal
//! code.

use std::sync::{Mutex, Once};

use crate::platform::process::{Pid, Signal, kill_process_group};

static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());
static MARKERS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

/// Install the handlers once per process (idempotent).
pub fn install() {
    INSTALL.call_once(|| {
        // Without the handlers, process groups still die on the normal exit paths.
        crate::platform::on_termination(|signal| {
            kill_everything();
            std::process::exit(128 + signal);
        });
    });
}

fn kill_everything() {
    // Stop new children first: once the running check's service dies, the runner moves on to
    // the next check and would start another clean room that nobody is left to kill. The
    // guard is never released; the process exits right after this.
    std::mem::forget(crate::cleanroom::reaper::spawn_guard());
    for pgid in GROUPS.lock().map(|g| g.clone()).unwrap_or_default() {
        if let Some(pid) = Pid::from_raw(pgid) {
            let _ = kill_process_group(pid, Signal::KILL);
        }
    }
    for marker in MARKERS.lock().map(|m| m.clone()).unwrap_or_default() {
        crate::cleanroom::process::kill_marked(&marker);
    }
}

pub(crate) fn track_group(pgid: i32) {
    if let Ok(mut groups) = GROUPS.lock() {
        groups.push(pgid);
    }
}

/// The process-group leaders (= the checker's own children) currently alive.
#[cfg(target_os = "linux")]
pub(crate) fn tracked_groups() -> Vec<i32> {
    GROUPS.lock().map(|g| g.clone()).unwrap_or_default()
}

pub(crate) fn untrack_group(pgid: i32) {
    if let Ok(mut groups) = GROUPS.lock() {
        groups.retain(|g| *g != pgid);
    }
}

pub(crate) fn track_marker(marker: &str) {
    if let Ok(mut markers) = MARKERS.lock() {
        markers.push(marker.to_string());
    }
}

pub(crate) fn untrack_marker(marker: &str) {
    if let Ok(mut markers) = MARKERS.lock() {
        markers.retain(|m| m != marker);
    }
}
