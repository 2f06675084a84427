//! What the clean room needs from the operating system, in one place.
//!
//! The clean room ([`crate::cleanroom`]) is Unix code: process groups and signals, file
//! modes, symbolic links, a keeper started under another `argv[0]`, and on Linux Landlock, a
//! subreaper and `/proc`. Everything else in labkit (the file, Dockerfile, YAML and Prometheus
//! checks, the reporters, the room client) is portable. So the checker builds for Windows as
//! well: there it runs every check that only reads files, and a check that would start the
//! participant's service is skipped with [`Unavailable::reason`], said once at the end of
//! the run ([`Unavailable::note`]).
//!
//! The same path is selectable at run time on Unix with `LABKIT_NO_CLEANROOM=1`, so it is
//! compiled and tested on the machines that build the project, not only on Windows.
//!
//! The clean room's Unix calls go through this module: on Unix they are rustix's and std's
//! own; elsewhere they are stand-ins that do nothing or answer `Unsupported`. They are never
//! reached there (the engine skips clean-room checks before they start), but the code that
//! calls them still compiles, so the rules need no gates of their own. To type-check the
//! non-Unix build from Linux (a nightly-style std source is needed, e.g. Debian's
//! `rust-web-src` with its `rustc-web`):
//!
//! ```sh
//! RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=/tmp/win /usr/bin/cargo check -Zbuild-std=std,panic_abort \
//!     --target x86_64-pc-windows-msvc -p labkit --bins
//! ```

use std::fs::Metadata;
use std::io;
use std::path::Path;
use std::process::{Command, ExitStatus};

use crate::engine::rule::Rule;

/// Set to `1` (any value but `0` or empty) to run without the clean room on Unix too.
pub const NO_CLEANROOM_VAR: &str = "LABKIT_NO_CLEANROOM";

/// Why this run has no clean room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Not a Unix system (Windows): start scripts, process groups and file modes are missing.
    NotUnix,
    /// `LABKIT_NO_CLEANROOM` asked for a run without it.
    TurnedOff,
}

impl Unavailable {
    /// The message of each skipped check.
    pub fn reason(self) -> &'static str {
        match self {
            Unavailable::NotUnix => {
                "not run: clean-room checks need Linux or macOS (on Windows: WSL)"
            }
            Unavailable::TurnedOff => "not run: clean-room checks are off (LABKIT_NO_CLEANROOM)",
        }
    }

    /// What the checker says once, after a run that skipped `skipped` clean-room checks.
    pub fn note(self, skipped: usize) -> String {
        let what = if skipped == 1 {
            "1 clean-room check was".to_string()
        } else {
            format!("{skipped} clean-room checks were")
        };
        match self {
            Unavailable::NotUnix => format!(
                "note: {what} skipped. They start your service the way a fresh Linux server \
                 would, which needs Linux or macOS. On Windows, install WSL (`wsl --install`) \
                 and run the Linux checker inside it, in the same folder. The file checks \
                 above ran as usual."
            ),
            Unavailable::TurnedOff => format!(
                "note: {what} skipped because {NO_CLEANROOM_VAR} is set; unset it to run them."
            ),
        }
    }
}

/// Whether this run has a clean room: `None` when it does, else why not.
pub fn cleanroom_unavailable() -> Option<Unavailable> {
    unavailable_given(cfg!(unix), std::env::var_os(NO_CLEANROOM_VAR).as_deref())
}

fn unavailable_given(unix: bool, var: Option<&std::ffi::OsStr>) -> Option<Unavailable> {
    if !unix {
        return Some(Unavailable::NotUnix);
    }
    match var {
        Some(v) if !v.is_empty() && v != "0" => Some(Unavailable::TurnedOff),
        _ => None,
    }
}

/// The parameters only clean-room rules take (every `cleanroom_params!` struct has them).
const CLEANROOM_FIELDS: [&str; 3] = ["env_file", "env", "tools"];

/// Whether `rule` starts the participant's service in a clean room: its parameters are the
/// clean room's (see [`crate::cleanroom::service::CLEANROOM_PARAMS`]).
pub fn needs_cleanroom(rule: &dyn Rule) -> bool {
    let names = rule.param_names();
    CLEANROOM_FIELDS.iter().all(|f| names.contains(f))
}

/// A file's Unix permission bits; elsewhere 0o444 or 0o644 (read-only or not), never
/// executable, as Windows files carry no such bit.
pub fn mode(meta: &Metadata) -> u32 {
    #[cfg(unix)]
    {
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions())
    }
    #[cfg(not(unix))]
    {
        if meta.permissions().readonly() {
            0o444
        } else {
            0o644
        }
    }
}

/// A symbolic link at `link` pointing to `original`.
pub fn symlink(original: &Path, link: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(original, link)
    }
    #[cfg(not(unix))]
    {
        let _ = (original, link);
        Err(unsupported())
    }
}

/// Start `cmd` as the leader of a new process group (Unix; elsewhere unchanged).
pub fn own_process_group(cmd: &mut Command) -> &mut Command {
    #[cfg(unix)]
    {
        std::os::unix::process::CommandExt::process_group(cmd, 0)
    }
    #[cfg(not(unix))]
    {
        cmd
    }
}

/// Start `cmd` under the name `arg0` (Unix; elsewhere under its program's name).
pub fn arg0<'a>(cmd: &'a mut Command, arg0: &str) -> &'a mut Command {
    #[cfg(unix)]
    {
        std::os::unix::process::CommandExt::arg0(cmd, arg0)
    }
    #[cfg(not(unix))]
    {
        let _ = arg0;
        cmd
    }
}

/// An exit status from its raw `wait` value (Unix; elsewhere there is none).
pub fn exit_status_from_raw(raw: i32) -> Option<ExitStatus> {
    #[cfg(unix)]
    {
        Some(std::os::unix::process::ExitStatusExt::from_raw(raw))
    }
    #[cfg(not(unix))]
    {
        let _ = raw;
        None
    }
}

/// Call `then` with the signal number on the first SIGINT, SIGTERM or SIGHUP (on a thread of
/// its own). False when no handler could be installed; elsewhere than Unix there is nothing
/// to clean up on Ctrl-C (no process groups were started), so none is.
pub fn on_termination(then: impl FnOnce(i32) + Send + 'static) -> bool {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return false;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                then(signal);
            }
        });
        true
    }
    #[cfg(not(unix))]
    {
        let _ = then;
        false
    }
}

#[cfg(not(unix))]
fn unsupported() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, Unavailable::NotUnix.reason())
}

/// Process ids, signals and group kills: rustix's on Unix; elsewhere stand-ins with the
/// same names that send nothing.
pub mod process {
    #[cfg(unix)]
    pub use rustix::process::{
        Pid, Signal, kill_process, kill_process_group, test_kill_process_group,
    };

    #[cfg(not(unix))]
    pub use self::other::*;

    /// The stand-ins, compiled on every system so that their shape is checked everywhere.
    #[cfg_attr(unix, allow(dead_code))]
    mod other {
        use std::io;
        use std::num::NonZeroI32;

        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Pid(NonZeroI32);

        impl Pid {
            pub fn from_raw(raw: i32) -> Option<Pid> {
                NonZeroI32::new(raw).filter(|n| n.get() > 0).map(Pid)
            }
            pub fn as_raw_nonzero(self) -> NonZeroI32 {
                self.0
            }
        }

        /// Named as rustix names them, so the clean room's code reads the same everywhere.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(clippy::upper_case_acronyms)]
        pub enum Signal {
            TERM,
            KILL,
        }

        fn none_sent() -> io::Error {
            io::Error::new(
                io::ErrorKind::Unsupported,
                super::super::Unavailable::NotUnix.reason(),
            )
        }

        pub fn kill_process(_pid: Pid, _signal: Signal) -> io::Result<()> {
            Err(none_sent())
        }

        pub fn kill_process_group(_pgid: Pid, _signal: Signal) -> io::Result<()> {
            Err(none_sent())
        }

        pub fn test_kill_process_group(_pgid: Pid) -> io::Result<()> {
            Err(none_sent())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::other;

        #[test]
        fn stand_ins_send_nothing_and_say_why() {
            let pid = other::Pid::from_raw(42).unwrap();
            assert_eq!(other::Pid::from_raw(0), None);
            assert_eq!(other::Pid::from_raw(-1), None);
            assert_eq!(pid.as_raw_nonzero().get(), 42);
            let e = other::kill_process_group(pid, other::Signal::KILL).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::Unsupported);
            assert!(e.to_string().contains("WSL"), "{e}");
            assert!(other::test_kill_process_group(pid).is_err());
            assert!(other::kill_process(pid, other::Signal::TERM).is_err());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn the_clean_room_is_off_where_there_is_no_unix_or_when_asked() {
        assert_eq!(unavailable_given(false, None), Some(Unavailable::NotUnix));
        assert_eq!(
            unavailable_given(false, Some(OsStr::new("0"))),
            Some(Unavailable::NotUnix)
        );
        assert_eq!(unavailable_given(true, None), None);
        assert_eq!(unavailable_given(true, Some(OsStr::new(""))), None);
        assert_eq!(unavailable_given(true, Some(OsStr::new("0"))), None);
        assert_eq!(
            unavailable_given(true, Some(OsStr::new("1"))),
            Some(Unavailable::TurnedOff)
        );
    }

    #[test]
    fn the_notes_say_what_to_do() {
        assert!(
            Unavailable::NotUnix
                .note(3)
                .contains("3 clean-room checks were skipped")
        );
        assert!(
            Unavailable::NotUnix
                .note(1)
                .contains("1 clean-room check was skipped")
        );
        assert!(Unavailable::NotUnix.note(2).contains("WSL"));
        assert!(Unavailable::TurnedOff.note(2).contains(NO_CLEANROOM_VAR));
    }

    #[test]
    fn clean_room_rules_are_the_ones_with_clean_room_parameters() {
        let rules = crate::engine::registry::all_rules();
        let needing: Vec<&str> = rules
            .iter()
            .filter(|r| needs_cleanroom(r.as_ref()))
            .map(|r| r.id())
            .collect();
        for id in ["RUN001", "RUN002", "PROM001"] {
            assert!(
                needing.contains(&id),
                "{id} starts a clean room: {needing:?}"
            );
        }
        for id in ["FILE001", "DF001", "PROM002", "PROM003", "ENGINE001"] {
            assert!(!needing.contains(&id), "{id} only reads files: {needing:?}");
        }
        // Every rule whose documentation lists the clean room's parameters is one.
        for rule in &rules {
            let documented = rule
                .params_doc()
                .contains(&crate::cleanroom::service::CLEANROOM_PARAMS_LINE);
            if documented {
                assert!(needing.contains(&rule.id()), "{}", rule.id());
            }
        }
    }

    #[test]
    fn modes_and_links_work_here() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let mode = mode(&std::fs::metadata(&file).unwrap());
        assert_eq!(mode & 0o400, 0o400, "{mode:o}");
        if cfg!(unix) {
            symlink(&file, &dir.path().join("l")).unwrap();
            assert!(
                dir.path()
                    .join("l")
                    .symlink_metadata()
                    .unwrap()
                    .is_symlink()
            );
            assert!(exit_status_from_raw(0).unwrap().success());
        }
    }
}
