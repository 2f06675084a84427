//! The keeper: the process every participant command in a clean room runs under.
//!
//! A checker binary started as `devoops-clean-room STATUS-FILE PROGRAM ARGS…` (see
//! [`crate::multicall`]) becomes the keeper: it makes itself a child subreaper, runs the
//! program, writes the program's wait status to STATUS-FILE when it exits, and then stays,
//! reaping, until no descendant is left. So:
//!
//! - every process the command starts stays below the keeper, whatever it does to escape
//!   (a new session with `setsid`, a double fork, a scrubbed environment): the clean room
//!   finds them all by walking the process tree from the keeper (Linux);
//! - the command's parent is the keeper, whose environment is the clean room's own:
//!   `/proc/$PPID/environ` shows nothing of the checker's. One step further up is the
//!   checker itself, which [`hide_environment`] has blanked (see there for what that does
//!   and does not cover);
//! - no zombie lingers for a `kill -0` to mistake for a live service.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus};

/// The name a checker binary answers to as the keeper.
pub const NAME: &str = "devoops-clean-room";

/// Run as the keeper with `args` = STATUS-FILE PROGRAM ARGS….
pub fn run(args: &[OsString]) -> ExitCode {
    let (Some(status_file), Some(program)) = (args.first(), args.get(1)) else {
        eprintln!("{NAME}: usage: {NAME} STATUS-FILE PROGRAM [ARGS…]");
        return ExitCode::from(2);
    };
    #[cfg(target_os = "linux")]
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
    let child = match Command::new(program).args(&args[2..]).spawn() {
        Ok(child) => child,
        Err(e) => {
            // The way a shell reports it: 127 not found, 126 found but not runnable.
            eprintln!("{}: {e}", Path::new(program).display());
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            let _ = std::fs::write(status_file, (code << 8).to_string());
            return ExitCode::from(code as u8);
        }
    };
    let program_pid = child.id() as i32;
    reap_all(program_pid, Path::new(status_file));
    ExitCode::SUCCESS
}

/// Wait for every descendant; record the program's status when it ends.
#[cfg(target_os = "linux")]
fn reap_all(program_pid: i32, status_file: &Path) {
    use rustix::process::{WaitOptions, wait};
    loop {
        match wait(WaitOptions::empty()) {
            Ok(Some((pid, status))) => {
                if pid.as_raw_nonzero().get() == program_pid {
                    let _ = std::fs::write(status_file, status.as_raw().to_string());
                }
            }
            // ECHILD: nobody is left.
            Ok(None) | Err(_) => return,
        }
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn reap_all(program_pid: i32, status_file: &Path) {
    use rustix::process::{Pid, WaitOptions, waitpid};
    if let Some(pid) = Pid::from_raw(program_pid)
        && let Ok(Some((_, status))) = waitpid(Some(pid), WaitOptions::empty())
    {
        let _ = std::fs::write(status_file, status.as_raw().to_string());
    }
}

/// Elsewhere the keeper is never started (see [`crate::platform`]).
#[cfg(not(unix))]
fn reap_all(_program_pid: i32, _status_file: &Path) {}

/// Blank what `/proc/<checker>/environ` shows, so a participant's script that walks up its
/// ancestors finds nothing of the checker's environment (tokens, keys) in the checker.
/// Call first thing in `main`, while no other thread exists ([`crate::multicall::dispatch`]
/// does). The variables stay usable: each is first copied to the heap (`set_var` replaces the
/// C library's pointer), and only when no pointer of `environ` still points into the
/// original block is that block zeroed. Linux only; a no-op elsewhere or when anything
/// looks unexpected.
///
/// What it does not cover: the checker's own ancestors (the shell it was started from)
/// keep their environments. Where Landlock confines the clean room (see
/// [`crate::cleanroom::confine`]), the kernel refuses a confined process access to
/// `/proc/<pid>/environ` of every process outside the clean room; not every kernel applies
/// that to root.
pub fn hide_environment() {
    #[cfg(target_os = "linux")]
    {
        let Some((start, end)) = environment_block() else {
            return;
        };
        for (key, value) in std::env::vars_os() {
            let plain = key
                .to_str()
                .is_some_and(|k| !k.is_empty() && !k.contains('='));
            if plain {
                // SAFETY: the caller runs this before any other thread exists, so nothing
                // reads the environment while it changes.
                unsafe { std::env::set_var(&key, &value) };
            }
        }
        unsafe extern "C" {
            static environ: *const *const libc::c_char;
        }
        // SAFETY: `environ` is the C library's NULL-terminated array of pointers; it is
        // read only, in this single thread. The block [start, end) is this process's own
        // writable stack memory (the kernel put the environment strings there at exec),
        // and it is zeroed only once nothing points into it any more.
        unsafe {
            let mut entry = environ;
            let mut count = 0;
            while !entry.is_null() && !(*entry).is_null() && count < 1_000_000 {
                let at = *entry as usize;
                if (start..end).contains(&at) {
                    return;
                }
                entry = entry.add(1);
                count += 1;
            }
            std::ptr::write_bytes(start as *mut u8, 0, end - start);
        }
    }
}

/// Where the kernel put this process's environment strings: fields 50 and 51 of
/// /proc/self/stat (env_start, env_end).
#[cfg(target_os = "linux")]
fn environment_block() -> Option<(usize, usize)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // "pid (comm) state …": comm may hold spaces and parentheses; field 3 follows the last ')'.
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let start = fields.get(50 - 3)?.parse::<usize>().ok()?;
    let end = fields.get(51 - 3)?.parse::<usize>().ok()?;
    (start != 0 && start < end && end - start < (64 << 20)).then_some((start, end))
}

/// The status file of a command built to run under the keeper (see
/// [`crate::cleanroom::sandbox::Sandbox::program`]): its first argument.
pub fn status_file_of(cmd: &Command) -> Option<PathBuf> {
    let keeper = executable(None).or_else(|| Some(PathBuf::from(cmd.get_program())))?;
    let runs_keeper = Path::new(cmd.get_program()).file_name() == keeper.file_name();
    let first = cmd.get_args().next().map(PathBuf::from)?;
    (runs_keeper && first.extension().is_some_and(|e| e == "status")).then_some(first)
}

/// The program's exit status once the keeper has recorded it.
pub fn recorded_status(status_file: &Path) -> Option<ExitStatus> {
    let text = std::fs::read_to_string(status_file).ok()?;
    crate::platform::exit_status_from_raw(text.trim().parse::<i32>().ok()?)
}

/// A binary that can serve as the keeper: the running checker, or the checker binary the
/// toolbox offers as `demo-service` (tests run the engine from a test binary).
pub fn executable(demo_service: Option<&Path>) -> Option<PathBuf> {
    let is_checker = |path: &Path| {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| (n.starts_with("lab-") && n.ends_with("-check")) || n == "devoops")
    };
    if crate::multicall::self_serves()
        && let Ok(me) = std::env::current_exe()
    {
        return Some(me);
    }
    demo_service
        .filter(|p| is_checker(p))
        .map(Path::to_path_buf)
}

/// Every process below `root` (its children, theirs, …), by walking /proc (Linux; empty
/// elsewhere). Bounded by the process table.
pub fn descendants(root: i32) -> Vec<i32> {
    #[cfg(target_os = "linux")]
    {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        let parents: Vec<(i32, i32)> = entries
            .flatten()
            .filter_map(|e| {
                let pid = e.file_name().to_str()?.parse::<i32>().ok()?;
                let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
                // "pid (comm) state ppid …": comm may hold spaces and parentheses.
                let (_, rest) = stat.rsplit_once(')')?;
                let ppid = rest.split_whitespace().nth(1)?.parse::<i32>().ok()?;
                Some((pid, ppid))
            })
            .collect();
        let mut found = vec![root];
        let mut i = 0;
        while i < found.len() {
            let parent = found[i];
            found.extend(
                parents
                    .iter()
                    .filter(|(pid, ppid)| *ppid == parent && !found.contains(pid))
                    .map(|(pid, _)| *pid)
                    .collect::<Vec<_>>(),
            );
            i += 1;
        }
        found.remove(0);
        found
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = root;
        Vec::new()
    }
}
