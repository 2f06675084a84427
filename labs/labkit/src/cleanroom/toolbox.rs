//! Finding the programs clean rooms offer. The demo service is looked up, in order:
//! 1. `DEVOOPS_DEMO_SERVICE` (a path to the binary);
//! 2. the running program itself, when it carries the service (see [`crate::multicall`]):
//!    a `demo-service` beside it may be the kit's script, which finds its checker only
//!    from its own folder, not from a clean room's;
//! 3. a `demo-service` next to the running program, or one level up (cargo puts test
//!    binaries in `target/<profile>/deps/`);
//! 4. `demo-service` on `PATH`;
//! 5. a sibling checker (`lab-NN-check`), which carries it too.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cleanroom::sandbox::{is_executable, which};
use crate::engine::rule::Toolbox;
use crate::multicall;

fn sibling_checker(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("lab-") && n.ends_with("-check"))
                && is_executable(p)
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

pub fn find_demo_service() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DEVOOPS_DEMO_SERVICE").map(PathBuf::from)
        && is_executable(&path)
    {
        return path.canonicalize().ok();
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.to_path_buf();
    let up = dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.clone());
    multicall::self_serves()
        .then(|| exe.clone())
        .or_else(|| {
            [dir.join("demo-service"), up.join("demo-service")]
                .into_iter()
                .find(|candidate| is_executable(candidate))
        })
        .or_else(|| which("demo-service"))
        .or_else(|| sibling_checker(&dir))
        .or_else(|| sibling_checker(&up))
        .and_then(|p| p.canonicalize().ok())
}

/// The toolbox for a normal run: the demo service if found, a 10 s limit per child process.
pub fn discover() -> Toolbox {
    Toolbox {
        demo_service: find_demo_service(),
        process_timeout: Duration::from_secs(10),
    }
}
