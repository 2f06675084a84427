//! `--watch`: run, then re-run whenever a file under the directory changes (like rustlings).
//! Editors save in bursts (temp file, rename, chmod), so events are gathered for a short
//! quiet period before one re-run.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

const QUIET: Duration = Duration::from_millis(250);

fn relevant(event: &notify::Result<notify::Event>) -> bool {
    matches!(event, Ok(e) if !matches!(e.kind, EventKind::Access(_)))
}

/// Run `once` now and after every burst of changes under `dir`. Returns only on a watcher
/// error; the participant stops it with Ctrl-C.
pub fn watch(dir: &Path, clear_screen: bool, once: impl Fn() -> bool) -> notify::Result<()> {
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)?;
    watcher.watch(dir, RecursiveMode::Recursive)?;
    loop {
        if clear_screen {
            print!("\x1b[2J\x1b[H");
        }
        once();
        println!("\nwatching {} for changes (Ctrl-C to stop)", dir.display());
        // Block for the first relevant change, then drain the burst.
        loop {
            match rx.recv() {
                Ok(event) if relevant(&event) => break,
                Ok(_) => continue,
                Err(_) => return Ok(()),
            }
        }
        while rx.recv_timeout(QUIET).is_ok() {}
    }
}
