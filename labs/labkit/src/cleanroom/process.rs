//! Child processes that can never outlive a check.
//!
//! Every child is started as the leader of a new process group, with its output going to
//! files (a full pipe can never block it), and is waited for with a deadline. Dropping a
//! [`GroupChild`] kills the whole group: the service a start script launched in the
//! background goes with it. Children are also marked with [`SANDBOX_MARKER`] in their
//! environment, so on Linux a process that left the group (setsid, double fork) is still
//! found and killed by [`kill_marked`].

use std::fs::File;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process_group};

/// Environment variable set in every sandboxed child; its value is unique per sandbox.
pub const SANDBOX_MARKER: &str = "DEVOOPS_SANDBOX";

/// How long a group gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_millis(300);

/// A running child that leads its own process group.
pub struct GroupChild {
    child: Child,
    pgid: Option<Pid>,
    stdout: PathBuf,
    stderr: PathBuf,
    status: Option<ExitStatus>,
}

/// How a bounded wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    Exited(ExitStatus),
    TimedOut,
}

impl GroupChild {
    /// Start `cmd` in a new process group, stdin from /dev/null, stdout and stderr into
    /// `<log_prefix>.out` / `<log_prefix>.err`.
    pub fn spawn(cmd: &mut Command, log_prefix: &Path) -> io::Result<GroupChild> {
        let stdout = log_prefix.with_extension("out");
        let stderr = log_prefix.with_extension("err");
        cmd.stdin(Stdio::null())
            .stdout(File::create(&stdout)?)
            .stderr(File::create(&stderr)?)
            .process_group(0);
        // Spawn and track under the reaper's lock: it must never reap our own child.
        let child = {
            let _guard = crate::cleanroom::reaper::spawn_guard();
            let child = cmd.spawn()?;
            crate::cleanroom::interrupt::track_group(child.id() as i32);
            child
        };
        let pgid = Pid::from_raw(child.id() as i32);
        Ok(GroupChild {
            child,
            pgid,
            stdout,
            stderr,
            status: None,
        })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the leader has exited (never blocks).
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// Wait for the leader to exit, at most `limit`.
    pub fn wait_for(&mut self, limit: Duration) -> Waited {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.try_status() {
                return Waited::Exited(status);
            }
            if Instant::now() >= deadline {
                return Waited::TimedOut;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGTERM the whole group, then SIGKILL whatever is left after a short grace period,
    /// and reap the leader.
    pub fn kill_group(&mut self) {
        if let Some(pgid) = self.pgid
            && kill_process_group(pgid, Signal::TERM).is_ok()
        {
            let deadline = Instant::now() + GRACE;
            while Instant::now() < deadline && group_alive(pgid) {
                let _ = self.try_status();
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = kill_process_group(pgid, Signal::KILL);
        }
        if self.try_status().is_none() {
            let _ = self.child.kill();
            self.status = self.child.wait().ok();
        }
    }

    /// What the child wrote to stdout so far (lossy UTF-8).
    pub fn stdout(&self) -> String {
        read_lossy(&self.stdout)
    }

    /// What the child wrote to stderr so far (lossy UTF-8).
    pub fn stderr(&self) -> String {
        read_lossy(&self.stderr)
    }

    /// The last few non-empty lines of stderr (then stdout), for a failure message.
    pub fn output_tail(&self, lines: usize) -> String {
        let err = self.stderr();
        let text = if err.trim().is_empty() {
            self.stdout()
        } else {
            err
        };
        let kept: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        kept[kept.len().saturating_sub(lines)..].join(" | ")
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        self.kill_group();
        crate::cleanroom::interrupt::untrack_group(self.child.id() as i32);
    }
}

/// Whether any process is still in the group (signal 0 probes without sending).
fn group_alive(pgid: Pid) -> bool {
    rustix::process::test_kill_process_group(pgid).is_ok()
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Run `cmd` to completion with a deadline; on timeout the group is killed.
pub fn run_bounded(
    cmd: &mut Command,
    log_prefix: &Path,
    limit: Duration,
) -> io::Result<(Waited, GroupChild)> {
    let mut child = GroupChild::spawn(cmd, log_prefix)?;
    let waited = child.wait_for(limit);
    if waited == Waited::TimedOut {
        child.kill_group();
    }
    Ok((waited, child))
}

/// Kill every process whose environment carries `SANDBOX_MARKER=<value>`: the ones that left
/// their process group. Linux only (reads /proc); elsewhere process groups are the net.
pub fn kill_marked(value: &str) {
    #[cfg(target_os = "linux")]
    {
        let needle = format!("{SANDBOX_MARKER}={value}");
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return;
        };
        let me = std::process::id();
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            if pid as u32 == me {
                continue;
            }
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
                continue;
            };
            let marked = environ
                .split(|&b| b == 0)
                .any(|var| var == needle.as_bytes());
            if let (true, Some(pid)) = (marked, Pid::from_raw(pid)) {
                let _ = rustix::process::kill_process(pid, Signal::KILL);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = value;
}
