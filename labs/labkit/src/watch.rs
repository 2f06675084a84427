//! `--watch`: run, then re-run whenever a file under the directory changes (like rustlings).
//! Editors save in bursts (temp file, rename, chmod), so events are gathered for a short
//! quiet period before one re-run. Where native notifications are unavailable or unreliable
//! (some Docker, WSL and network file systems), it polls instead: automatically when the
//! native watcher cannot start, or on request with `DEVOOPS_WATCH_POLL=1`.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

const QUIET: Duration = Duration::from_millis(250);
const POLL_EVERY: Duration = Duration::from_secs(1);

type Events = mpsc::Sender<notify::Result<notify::Event>>;

fn native(dir: &Path, tx: Events) -> notify::Result<Box<dyn Watcher>> {
    let mut watcher = notify::recommended_watcher(tx)?;
    watcher.watch(dir, RecursiveMode::Recursive)?;
    Ok(Box::new(watcher))
}

fn polling(dir: &Path, tx: Events) -> notify::Result<Box<dyn Watcher>> {
    // Modification times are compared in whole seconds, so a save within the same second
    // as the previous scan would go unseen: compare contents too (lab folders are small).
    let config = notify::Config::default()
        .with_poll_interval(POLL_EVERY)
        .with_compare_contents(true);
    let mut watcher = notify::PollWatcher::new(tx, config)?;
    watcher.watch(dir, RecursiveMode::Recursive)?;
    Ok(Box::new(watcher))
}

fn relevant(event: &notify::Result<notify::Event>) -> bool {
    matches!(event, Ok(e) if !matches!(e.kind, EventKind::Access(_)))
}

/// Run `once` now and after every burst of changes under `dir`. Returns only on a watcher
/// error; the participant stops it with Ctrl-C.
pub fn watch(dir: &Path, clear_screen: bool, once: impl Fn() -> bool) -> notify::Result<()> {
    let (tx, rx) = mpsc::channel();
    let force_poll = std::env::var_os("DEVOOPS_WATCH_POLL").is_some_and(|v| v == "1");
    // Kept alive for as long as we watch.
    let _watcher = if force_poll {
        polling(dir, tx)?
    } else {
        native(dir, tx.clone()).or_else(|_| polling(dir, tx))?
    };
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
