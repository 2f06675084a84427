//! Child processes that can never outlive a check.
//!
//! Every child is started as the leader of a new process group, with its output read by
//! threads that keep only its end (a full pipe can never block it, and no amount of output
//! fills memory or disk), and is waited for with a deadline. Dropping a
//! [`GroupChild`] kills the whole group: the service a start script launched in the
//! background goes with it. Children are also marked with [`SANDBOX_MARKER`] in their
//! environment, so on Linux a process that left the group (setsid, double fork) is still
//! found and killed by [`kill_marked`].

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::platform::process::{Pid, Signal, kill_process_group};

/// Environment variable set in every sandboxed child; its value is unique per sandbox.
pub const SANDBOX_MARKER: &str = "DEVOOPS_SANDBOX";

/// How long a group gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_millis(300);

/// A running child that leads its own process group.
pub struct GroupChild {
    child: Child,
    pgid: Option<Pid>,
    /// Where the keeper records the program's status (the child is then the keeper).
    status_file: Option<PathBuf>,
    stdout: Tail,
    stderr: Tail,
    status: Option<ExitStatus>,
}

/// How much of a child's output is kept: the end, where the error usually is. Whatever
/// the child prints before that is read and dropped, so a script printing gigabytes costs
/// neither memory nor disk.
const TAIL_BYTES: usize = 64 * 1024;

/// The last [`TAIL_BYTES`] of one output stream, filled by a reader thread, and whether
/// the stream has ended.
#[derive(Clone, Default)]
struct Tail(Arc<Mutex<VecDeque<u8>>>, Arc<AtomicBool>);

impl Tail {
    /// Drain `pipe` into a new tail on a thread of its own; the thread ends at EOF, when
    /// the last process holding the pipe's write end is gone.
    fn follow(pipe: impl Read + Send + 'static, copy_to: Option<PathBuf>) -> Tail {
        let tail = Tail::default();
        let keep = tail.clone();
        std::thread::spawn(move || {
            let mut pipe = pipe;
            let mut log = copy_to.and_then(|p| File::create(p).ok());
            let mut logged = 0usize;
            let mut block = [0u8; 8192];
            loop {
                match pipe.read(&mut block) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        // A bounded copy on disk for whoever debugs the checker.
                        if let Some(file) = log.as_mut()
                            && logged < TAIL_BYTES
                        {
                            let take = n.min(TAIL_BYTES - logged);
                            let _ = file.write_all(&block[..take]);
                            logged += take;
                        }
                        let mut buf = keep.0.lock().unwrap_or_else(|p| p.into_inner());
                        buf.extend(&block[..n]);
                        let excess = buf.len().saturating_sub(TAIL_BYTES);
                        buf.drain(..excess);
                    }
                }
            }
            keep.1.store(true, Ordering::Release);
        });
        tail
    }

    fn ended(&self) -> bool {
        self.1.load(Ordering::Acquire)
    }

    fn text(&self) -> String {
        let buf = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (a, b) = buf.as_slices();
        String::from_utf8_lossy(&[a, b].concat()).into_owned()
    }
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
        let status_file = crate::cleanroom::keeper::status_file_of(cmd);
        crate::platform::own_process_group(cmd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Spawn and track under the reaper's lock: it must never reap our own child.
        let mut child = {
            let _guard = crate::cleanroom::reaper::spawn_guard();
            let child = cmd.spawn()?;
            crate::cleanroom::interrupt::track_group(child.id() as i32);
            child
        };
        let stdout = match child.stdout.take() {
            Some(pipe) => Tail::follow(pipe, Some(log_prefix.with_extension("out"))),
            None => Tail::default(),
        };
        let stderr = match child.stderr.take() {
            Some(pipe) => Tail::follow(pipe, Some(log_prefix.with_extension("err"))),
            None => Tail::default(),
        };
        let pgid = Pid::from_raw(child.id() as i32);
        Ok(GroupChild {
            child,
            pgid,
            status_file,
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
        // The leader's own exit is reaped on every call, first (so a keeper gone has
        // written all it will): a keeper left a zombie after its program's status was
        // recorded would keep the group "alive" through every grace period.
        let _ = self.child.try_wait();
        if self.status.is_none() {
            self.status = match &self.status_file {
                // Under a keeper: the program's status, which the keeper records when the
                // program ends (the keeper itself stays while anything it started lives).
                Some(file) => crate::cleanroom::keeper::recorded_status(file),
                None => self.child.try_wait().ok().flatten(),
            };
            if self.status.is_some() {
                // Let the readers catch up with what the child wrote just before it exited
                // (briefly: a background process may hold the pipes open for good).
                let deadline = Instant::now() + Duration::from_millis(50);
                while !(self.stdout.ended() && self.stderr.ended()) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
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
        // Taken while the keeper lives: once it is gone, its orphans are nobody's.
        let below = crate::cleanroom::keeper::descendants(self.child.id() as i32);
        let signal_below = |signal: Signal| {
            for pid in below.iter().filter_map(|p| Pid::from_raw(*p)) {
                let _ = crate::platform::process::kill_process(pid, signal);
            }
        };
        if let Some(pgid) = self.pgid
            && kill_process_group(pgid, Signal::TERM).is_ok()
        {
            signal_below(Signal::TERM);
            let deadline = Instant::now() + GRACE;
            while Instant::now() < deadline && group_alive(pgid) {
                let _ = self.try_status();
                std::thread::sleep(Duration::from_millis(5));
            }
            self.kill_escaped();
            let _ = kill_process_group(pgid, Signal::KILL);
        }
        signal_below(Signal::KILL);
        self.kill_escaped();
        let _ = self.try_status();
        // Reap the leader (the keeper, or the program itself).
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
    }

    /// SIGKILL whatever is still below the leader: processes that left the group (a new
    /// session) but not the keeper's tree. A few rounds, for children forked meanwhile.
    fn kill_escaped(&self) {
        for _ in 0..4 {
            let below = crate::cleanroom::keeper::descendants(self.child.id() as i32);
            if below.is_empty() {
                return;
            }
            for pid in below {
                if let Some(pid) = Pid::from_raw(pid) {
                    let _ = crate::platform::process::kill_process(pid, Signal::KILL);
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGKILL the whole group at once, with no grace period: a crash, not a stop. Returns
    /// once the group's processes are gone (reaped, not zombies that `kill -0` still
    /// finds), at most five seconds later.
    pub fn kill_group_abruptly(&mut self) {
        let Some(pgid) = self.pgid else {
            return;
        };
        self.kill_escaped();
        let _ = kill_process_group(pgid, Signal::KILL);
        // Generous: on a loaded machine reaping takes a while, and a zombie still counts.
        let deadline = Instant::now() + Duration::from_secs(5);
        while group_alive(pgid) && Instant::now() < deadline {
            let _ = self.try_status();
            crate::cleanroom::reaper::reap_now();
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The processes this child started that still run: its group and everything below
    /// it (Linux; elsewhere just the leader).
    pub fn members(&self) -> Vec<i32> {
        let leader = self.child.id() as i32;
        let mut all = self.group_members(leader);
        for pid in crate::cleanroom::keeper::descendants(leader) {
            if !all.contains(&pid) {
                all.push(pid);
            }
        }
        all
    }

    fn group_members(&self, leader: i32) -> Vec<i32> {
        #[cfg(target_os = "linux")]
        {
            let Ok(entries) = std::fs::read_dir("/proc") else {
                return vec![leader];
            };
            entries
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
                .filter(|pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/stat"))
                        .ok()
                        .and_then(|stat| {
                            // "pid (comm) state ppid pgrp …": comm may hold spaces.
                            let (_, rest) = stat.rsplit_once(')')?;
                            rest.split_whitespace().nth(2)?.parse::<i32>().ok()
                        })
                        == Some(leader)
                })
                .collect()
        }
        #[cfg(not(target_os = "linux"))]
        vec![leader]
    }

    /// The end of what the child wrote to stdout so far (lossy UTF-8).
    pub fn stdout(&self) -> String {
        self.stdout.text()
    }

    /// The end of what the child wrote to stderr so far (lossy UTF-8).
    pub fn stderr(&self) -> String {
        self.stderr.text()
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
    crate::platform::process::test_kill_process_group(pgid).is_ok()
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
                let _ = crate::platform::process::kill_process(pid, Signal::KILL);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = value;
}
