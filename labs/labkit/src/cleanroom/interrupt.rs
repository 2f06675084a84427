//! Ctrl-C (and SIGTERM/SIGHUP) must not leave a participant's service running.
//!
//! Children run in their own process groups, so the terminal's SIGINT never reaches them.
//! When the checker itself is interrupted, a signal handler (which may only do
//! async-signal-safe things) writes one byte to a pipe; a cleanup thread reading that pipe
//! kills every live process group and every marked sandbox process, then exits with the
//! conventional 128 + signal code.

use std::sync::{Mutex, Once};

use rustix::process::{Pid, Signal, kill_process_group};

static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());
static MARKERS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();
static mut WAKE_FD: libc::c_int = -1;

extern "C" fn on_signal(signal: libc::c_int) {
    // SAFETY: write(2) is async-signal-safe; WAKE_FD is set before the handler is installed
    // and never changed afterwards.
    unsafe {
        let byte = signal as u8;
        libc::write(WAKE_FD, (&byte as *const u8).cast(), 1);
    }
}

/// Install the handlers once per process (idempotent).
pub fn install() {
    INSTALL.call_once(|| {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: fds has room for the two descriptors pipe(2) writes.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return; // without the pipe, process groups still die on normal exit paths
        }
        let read_fd = fds[0];
        // SAFETY: set once, before any handler can run.
        unsafe { WAKE_FD = fds[1] };
        std::thread::spawn(move || {
            let mut byte = 0u8;
            // SAFETY: reading one byte into a valid buffer from our own pipe.
            let n = unsafe { libc::read(read_fd, (&mut byte as *mut u8).cast(), 1) };
            if n == 1 {
                kill_everything();
                std::process::exit(128 + i32::from(byte));
            }
        });
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: on_signal only performs an async-signal-safe write.
            unsafe { libc::signal(signal, on_signal as *const () as libc::sighandler_t) };
        }
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
