//! The clean room's walls: a participant's command may write only inside the clean room's
//! own folders, whoever runs the checker (root included).
//!
//! On Linux this is Landlock, applied in the child between fork and exec: every write
//! outside the allowed folders (create, write, delete, rename, truncate) fails with
//! "Permission denied" and changes nothing. Reads stay open, so the system's tools work.
//! Where the kernel offers no Landlock the command runs unconfined and the clean room falls
//! back to detection (files the service holds open for writing, see
//! [`open_for_writing_outside`]).
//!
//! A denied write shows up in the command's own error output ("cannot create
//! /tmp/notes.pid: Permission denied"); [`denied_writes`] finds those paths so the report
//! can say "wrote outside DATA_DIR: /tmp/notes.pid". A write whose error the script
//! silences is found in the script's text instead ([`script_write_targets`]).
//!
//! Setting [`NO_LANDLOCK_VAR`] in the checker's environment forces the fallback (tests use
//! it to prove that path); a run that used it carries [`DETECT_ONLY_NOTE`] once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Set to anything non-empty in the checker's environment, the clean room runs commands
/// without Landlock even where the kernel offers it, as on a kernel without it.
pub const NO_LANDLOCK_VAR: &str = "DEVOOPS_NO_LANDLOCK";

/// What a report says, once, when a clean room ran a command without walls.
pub const DETECT_ONLY_NOTE: &str = "the clean room ran without Landlock (this machine's kernel offers none, or DEVOOPS_NO_LANDLOCK is set), so it could not stop the participant's commands from writing outside it, only detect such writes (files the service holds open, paths the scripts name, refusals in their output): a write it missed may have changed this machine. On Linux 5.13 or later with Landlock enabled, such writes fail and change nothing.";

static UNCONFINED: AtomicUsize = AtomicUsize::new(0);

/// How many commands this process has run without walls so far (see [`DETECT_ONLY_NOTE`]).
pub fn unconfined_commands() -> usize {
    UNCONFINED.load(Ordering::Relaxed)
}

fn unconfined() -> Walls {
    UNCONFINED.fetch_add(1, Ordering::Relaxed);
    Walls::DetectOnly
}

#[cfg(target_os = "linux")]
fn forced_off() -> bool {
    std::env::var_os(NO_LANDLOCK_VAR).is_some_and(|v| !v.is_empty())
}

/// Whether a command was confined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walls {
    /// Writes outside the allowed folders fail.
    Enforced,
    /// The kernel cannot confine; writes outside are only detected.
    DetectOnly,
}

/// Devices a shell script legitimately writes to: they change nothing on disk.
const WRITABLE_DEVICES: [&str; 4] = ["/dev/null", "/dev/zero", "/dev/full", "/dev/tty"];

/// Confine `cmd` to writing under `allowed` (and to the harmless devices).
#[cfg(target_os = "linux")]
pub fn confine(cmd: &mut Command, allowed: &Path) -> Walls {
    use landlock::{ABI, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, path_beneath_rules};
    use std::os::unix::process::CommandExt;

    // ABI 4 covers every kind of write (refer and truncate included) without the device
    // ioctl right of ABI 5, which would also stop a shell's harmless terminal ioctls.
    let abi = ABI::V4;
    let write = AccessFs::from_write(abi);
    if forced_off() || landlock_abi() < 1 {
        return unconfined();
    }
    let ruleset = Ruleset::default()
        .handle_access(write)
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(path_beneath_rules([allowed], write)))
        .and_then(|r| r.add_rules(path_beneath_rules(WRITABLE_DEVICES, write)));
    let Ok(ruleset) = ruleset else {
        return unconfined();
    };
    let mut pending = Some(ruleset);
    // SAFETY: the closure runs in the forked child before exec. It only takes the prepared
    // ruleset and makes the two system calls of `restrict_self` (no_new_privs, then
    // landlock_restrict_self); nothing is allocated on the way to exec.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(ruleset) = pending.take() {
                ruleset
                    .restrict_self()
                    .map_err(|_| std::io::Error::from_raw_os_error(libc::EPERM))?;
            }
            Ok(())
        });
    }
    Walls::Enforced
}

#[cfg(not(target_os = "linux"))]
pub fn confine(_cmd: &mut Command, _allowed: &Path) -> Walls {
    unconfined()
}

/// Whether this kernel offers Landlock at all (whatever [`NO_LANDLOCK_VAR`] says).
#[cfg(target_os = "linux")]
pub fn landlock_available() -> bool {
    landlock_abi() >= 1
}

#[cfg(not(target_os = "linux"))]
pub fn landlock_available() -> bool {
    false
}

/// The kernel's Landlock ABI version, 0 where it has none.
#[cfg(target_os = "linux")]
fn landlock_abi() -> i64 {
    // landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) returns the ABI.
    // SAFETY: this form of the call takes no pointer the kernel would read.
    unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            1u32,
        )
    }
}

/// Absolute paths outside `inside` that `output` says a write to was refused, in order,
/// without repeats (at most a few: one is usually the whole story).
pub fn denied_writes(output: &str, inside: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    for line in output
        .lines()
        .filter(|l| l.contains("Permission denied") || l.contains("Operation not permitted"))
    {
        for word in line.split(|c: char| c.is_whitespace() || "'\"`:,;()=".contains(c)) {
            let path = Path::new(word);
            if word.starts_with('/')
                && !path.starts_with(inside)
                && !WRITABLE_DEVICES.contains(&word)
                && !found.iter().any(|f| f == path)
                && found.len() < 3
            {
                found.push(path.to_path_buf());
            }
        }
    }
    found
}

/// Whether a path in a script names a place outside the clean room that a write to would
/// change: not a device (`/dev/null`, `/dev/stderr`, bash's `/dev/tcp/…`) nor the process's
/// own descriptors.
fn outside_target(word: &str) -> bool {
    word.starts_with('/')
        && word.len() > 1
        && !word.starts_with("/dev/")
        && !word.starts_with("/proc/self/")
        && !word.contains('$')
        && !word.contains('`')
}

/// The words of one shell line, unquoted, with the control operators (`;`, `|`, `&`, `(`,
/// `)`) and redirections (`>`, `>>`, `>|`, `&>`, `2>`) as words of their own, up to an
/// unquoted `#` that starts a comment.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\\') => word.extend(chars.next()),
            (None, '\'' | '"') => quote = Some(c),
            (None, '#') if word.is_empty() => break,
            (None, c) if c.is_whitespace() => flush(&mut word, &mut words),
            (None, ';' | '|' | '(' | ')') => {
                flush(&mut word, &mut words);
                words.push(c.to_string());
            }
            (None, '&') if chars.peek() != Some(&'>') => {
                flush(&mut word, &mut words);
                words.push("&".into());
            }
            (None, '&') => {}
            (None, '>') => {
                // A descriptor number right before it belongs to the redirection.
                if word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                }
                flush(&mut word, &mut words);
                let mut op = String::from(">");
                while let Some(&next) = chars.peek()
                    && matches!(next, '>' | '|' | '&')
                {
                    op.push(next);
                    chars.next();
                }
                words.push(op);
            }
            (None, c) => word.push(c),
        }
    }
    flush(&mut word, &mut words);
    words
}

/// Commands whose every path argument is a place they write to.
const WRITING_COMMANDS: [&str; 3] = ["tee", "touch", "mkdir"];
/// Commands that write to their last argument.
const COPYING_COMMANDS: [&str; 4] = ["cp", "mv", "ln", "install"];

/// Places outside the clean room that a shell script writes to, with their line numbers
/// (1-based), read from the script's text.
///
/// Why read the script: a write the clean room's walls refuse fails with "Permission
/// denied", and the report names it from the command's error output ([`denied_writes`]);
/// but a script that silences it (`echo x > /etc/foo 2>/dev/null || true`) leaves no trace
/// a process outside can see without tracing the script's system calls (ptrace, or
/// Landlock's audit log, which needs the audit subsystem and privileges the checker does
/// not have). So the script itself is read for writes to a literal absolute path.
///
/// Caught: redirections (`>`, `>>`, `>|`, `&>`, `2>`) to such a path, and the paths given
/// to `tee`, `touch` and `mkdir`, or as the last argument of `cp`, `mv`, `ln` and
/// `install`. Lines inside here-documents and comments are skipped.
///
/// Not caught: a path built at run time (`> "$PIDFILE"`, `> "$(dirname "$0")/x"`), a write
/// made by another program the script runs (`demo-service`, `python -c …`, `dd of=…`),
/// a script sourced from another file, and a write in a branch that never runs is still
/// reported (a script for a fresh server has no business naming such a place at all).
pub fn script_write_targets(text: &str) -> Vec<(PathBuf, usize)> {
    let mut found: Vec<(PathBuf, usize)> = Vec::new();
    let mut heredoc_end: Option<String> = None;
    for (index, raw) in text.lines().enumerate().take(100_000) {
        let line = raw.trim_end_matches('\r');
        if let Some(end) = &heredoc_end {
            if line.trim() == end {
                heredoc_end = None;
            }
            continue;
        }
        if let Some((_, after)) = line.split_once("<<")
            && !after.starts_with('<')
        {
            let delimiter: String = after
                .trim_start_matches('-')
                .trim_start()
                .chars()
                .take_while(|c| !c.is_whitespace() && !";|&)".contains(*c))
                .filter(|c| !"'\"\\".contains(*c))
                .collect();
            if !delimiter.is_empty() {
                heredoc_end = Some(delimiter);
            }
        }
        let words = shell_words(line);
        let mut push = |word: &str| {
            let path = PathBuf::from(word);
            if outside_target(word) && !found.iter().any(|(p, _)| *p == path) && found.len() < 3 {
                found.push((path, index + 1));
            }
        };
        let mut i = 0;
        while i < words.len() {
            let word = words[i].as_str();
            if word.starts_with('>') && !word.ends_with('&') {
                if let Some(target) = words.get(i + 1) {
                    push(target);
                }
            } else if WRITING_COMMANDS.contains(&word) || COPYING_COMMANDS.contains(&word) {
                let args: Vec<&str> = words[i + 1..]
                    .iter()
                    .map(String::as_str)
                    .take_while(|w| {
                        !matches!(*w, ";" | "|" | "&" | "(" | ")") && !w.starts_with('>')
                    })
                    .filter(|w| !w.starts_with('-'))
                    .collect();
                if WRITING_COMMANDS.contains(&word) {
                    args.iter().for_each(|a| push(a));
                } else if args.len() >= 2
                    && let Some(last) = args.last()
                {
                    push(last);
                }
            }
            i += 1;
        }
    }
    found
}

/// Files outside `inside` that any of `pids` holds open for writing (Linux; empty
/// elsewhere): what a service writes to when the kernel could not stop it.
pub fn open_for_writing_outside(pids: &[i32], inside: &Path) -> Vec<PathBuf> {
    #[cfg_attr(not(target_os = "linux"), allow(unused_mut))]
    let mut found = Vec::new();
    #[cfg(target_os = "linux")]
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten().take(1024) {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let info = format!("/proc/{pid}/fdinfo/{}", fd.file_name().to_string_lossy());
            let writing = std::fs::read_to_string(info)
                .ok()
                .and_then(|text| {
                    text.lines()
                        .find_map(|l| l.strip_prefix("flags:"))
                        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
                })
                .is_some_and(|flags| flags & 0o3 != 0);
            if writing
                && target.is_absolute()
                && target.is_file()
                && !target.starts_with(inside)
                && !found.contains(&target)
            {
                found.push(target);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (pids, inside);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_paths_are_read_from_the_usual_messages() {
        let inside = Path::new("/tmp/devoops-cleanroom-x");
        let output = "sh: 1: cannot create /tmp/notes.pid: Permission denied\n\
                      mkdir: cannot create directory '/var/lib/notes': Permission denied\n\
                      demo-service: cannot use DATA_DIR=/tmp/devoops-cleanroom-x/work/data: Permission denied\n\
                      touch: cannot touch '/tmp/notes.pid': Permission denied\n";
        assert_eq!(
            denied_writes(output, inside),
            [Path::new("/tmp/notes.pid"), Path::new("/var/lib/notes")]
        );
        assert!(denied_writes("all fine\n", inside).is_empty());
    }

    #[test]
    fn writes_to_literal_paths_outside_are_read_from_a_script() {
        let script = "#!/bin/sh\n\
                      # echo x > /etc/in-a-comment\n\
                      echo \"a > /not/a/redirect\" >&2\n\
                      echo $$ >/tmp/notes.pid 2>/dev/null || true\n\
                      cat <<EOF >\"$DATA_DIR/x\"\n\
                      <tag>/inside/heredoc</tag> > /etc/heredoc\n\
                      EOF\n\
                      exec 3<>/dev/tcp/127.0.0.1/80; date | tee -a /var/log/notes.log >/dev/null\n\
                      mkdir -p \"$DATA_DIR\" /srv/notes && cp a.txt /opt/a.txt\n\
                      demo-service 2>>/tmp/notes.err &>/tmp/all.log\n";
        let found: Vec<(String, usize)> = script_write_targets(script)
            .into_iter()
            .map(|(p, l)| (p.display().to_string(), l))
            .collect();
        assert_eq!(
            found,
            [
                ("/tmp/notes.pid".to_string(), 4),
                ("/var/log/notes.log".to_string(), 8),
                ("/srv/notes".to_string(), 9),
            ]
        );
        let rest = script_write_targets("cp a.txt /opt/a.txt\nx 2>>/tmp/e &>/tmp/all\n");
        let rest: Vec<PathBuf> = rest.into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            rest,
            [
                Path::new("/opt/a.txt"),
                Path::new("/tmp/e"),
                Path::new("/tmp/all")
            ]
        );
        assert!(
            script_write_targets("exec demo-service >&2\n[ -f /etc/x ] && echo ok > \"$LOG\"\n")
                .is_empty()
        );
    }
}
