//! The checker binaries carry the demo service inside them (like busybox carries its
//! applets): started under the name `demo-service`, or as `lab-NN-check demo-service …`, a
//! checker *is* the demo service. So a participant needs one copied binary, and a clean room
//! can always offer the service by linking `demo-service` to the running checker.
//! `lab-NN-check --install-tools DIR` makes that `demo-service` for the participant's own
//! shell, so their `start.sh` runs outside the checker exactly as it does inside. Started as
//! `devoops-clean-room`, a checker is the clean room's keeper (see [`crate::cleanroom::keeper`]).

use std::ffi::OsStr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

static SELF_SERVES: AtomicBool = AtomicBool::new(false);

/// Call first in `main` of every binary that links labkit. When the program was started as
/// `demo-service`, or with `demo-service` as its first argument, this runs the service and
/// returns its exit code.
pub fn dispatch() -> Option<ExitCode> {
    SELF_SERVES.store(true, Ordering::Relaxed);
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let name = Path::new(args.first()?).file_name()?;
    if cfg!(unix) && name == OsStr::new(crate::cleanroom::keeper::NAME) {
        return Some(crate::cleanroom::keeper::run(&args[1..]));
    }
    let called_so = name == OsStr::new("demo-service");
    let asked_for = args.get(1).is_some_and(|a| a == "demo-service");
    if !(called_so || asked_for) {
        // A checker: nothing of its environment for a clean room to read from /proc.
        crate::cleanroom::keeper::hide_environment();
    }
    (called_so || asked_for).then(demo_service::run)
}

/// Whether the running binary called [`dispatch`], i.e. can stand in for `demo-service`.
pub fn self_serves() -> bool {
    SELF_SERVES.load(Ordering::Relaxed)
}

/// `--install-tools DIR`: puts a `demo-service` into `dir` that runs this binary's service,
/// and says how to put `dir` on PATH.
pub fn install_tools(dir: &Path) -> ExitCode {
    let exe = match std::env::current_exe().and_then(|p| p.canonicalize()) {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("error: cannot find this program's own file: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    match write_tool(&exe, dir) {
        Ok(made) => {
            println!("made {}", made.display());
            println!(
                "put the folder on your PATH, e.g.  export PATH=\"{}:$PATH\"",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "error: cannot write demo-service into {}: {e}",
                dir.display()
            );
            ExitCode::from(2)
        }
    }
}

/// A symbolic link named `demo-service` to the checker (replacing an older one).
#[cfg(unix)]
fn write_tool(exe: &Path, dir: &Path) -> std::io::Result<std::path::PathBuf> {
    let link = dir.join("demo-service");
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link)?;
    }
    std::os::unix::fs::symlink(exe, &link)?;
    Ok(link)
}

/// Without symbolic links, a copy of the checker named `demo-service.exe` does the same.
#[cfg(not(unix))]
fn write_tool(exe: &Path, dir: &Path) -> std::io::Result<std::path::PathBuf> {
    let copy = dir.join("demo-service.exe");
    std::fs::copy(exe, &copy)?;
    Ok(copy)
}
