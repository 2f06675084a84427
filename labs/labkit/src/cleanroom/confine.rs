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
//! can say "wrote outside DATA_DIR: /tmp/notes.pid".

use std::path::{Path, PathBuf};
use std::process::Command;

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
    if landlock_abi() < 1 {
        return Walls::DetectOnly;
    }
    let ruleset = Ruleset::default()
        .handle_access(write)
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(path_beneath_rules([allowed], write)))
        .and_then(|r| r.add_rules(path_beneath_rules(WRITABLE_DEVICES, write)));
    let Ok(ruleset) = ruleset else {
        return Walls::DetectOnly;
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
    Walls::DetectOnly
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

/// Files outside `inside` that any of `pids` holds open for writing (Linux; empty
/// elsewhere): what a service writes to when the kernel could not stop it.
pub fn open_for_writing_outside(pids: &[i32], inside: &Path) -> Vec<PathBuf> {
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
}
