//! Watching the book's sources: notify + notify-debouncer-full.
//!
//! The full debouncer folds an editor's save (write a temporary file, rename it over the
//! original, touch metadata) into one batch, so one save is one rebuild. The debounce window
//! is short because its length is added to every edit → reload round trip. `--poll` swaps the
//! native backend (inotify, FSEvents, ReadDirectoryChangesW) for periodic scanning, for
//! Docker bind mounts, WSL and network filesystems where native events never arrive.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    DebounceEventResult, Debouncer, NoCache, RecommendedCache, new_debouncer, new_debouncer_opt,
};

use crate::error::{Error, Result};

/// Changes closer together than this become one batch.
const DEBOUNCE: Duration = Duration::from_millis(20);
/// How often `--poll` scans the watched folders.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

enum Backend {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

pub struct Watcher {
    backend: Backend,
    events: Receiver<DebounceEventResult>,
    /// Every folder asked for, with the identity of the folder watched at that path (`None`
    /// while the path is missing). A watch follows a folder, not its name: when `content/`
    /// is moved away and back, or deleted and restored, the folder at the path is a new one
    /// (or an old one whose watch notify dropped), so it is watched again.
    watched: BTreeMap<PathBuf, (RecursiveMode, Option<Identity>)>,
}

/// Which folder a path leads to: device and inode (on Unix), so a replaced folder differs.
type Identity = (u64, u64);

fn identity(dir: &Path) -> Option<Identity> {
    let meta = std::fs::metadata(dir).ok().filter(|m| m.is_dir())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let created = meta
            .created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        Some((0, created))
    }
}

/// What one batch of file-system events amounts to.
pub struct Batch {
    pub paths: BTreeSet<PathBuf>,
    /// Watcher errors worth telling the user (e.g. the inotify watch limit).
    pub errors: Vec<String>,
    /// A watched folder was replaced, removed or restored: what it holds may differ in any
    /// way, so the whole book must be rebuilt.
    pub folders_replaced: bool,
}

impl Watcher {
    pub fn start(poll: bool) -> Result<Watcher> {
        let (tx, events) = channel();
        let failed = |e: notify::Error| Error::new(format!("cannot watch the book's files: {e}"));
        let backend = if poll {
            // The poller compares modification times in whole seconds, so a second save
            // within the same second would go unnoticed; comparing contents catches it, at
            // the cost of reading the (small) sources once per interval.
            let config = notify::Config::default()
                .with_poll_interval(POLL_INTERVAL)
                .with_compare_contents(true);
            Backend::Poll(new_debouncer_opt(DEBOUNCE, None, tx, NoCache, config).map_err(failed)?)
        } else {
            Backend::Native(new_debouncer(DEBOUNCE, None, tx).map_err(failed)?)
        };
        Ok(Watcher {
            backend,
            events,
            watched: BTreeMap::new(),
        })
    }

    /// Watches `dir`'s entries (not its subfolders): the book root, for `book.toml` and for
    /// source folders that appear later.
    pub fn watch_shallow(&mut self, dir: &Path) -> Result<()> {
        self.watch(dir, RecursiveMode::NonRecursive)
    }

    /// Watches everything under `dir`; does nothing if it is already watched or missing.
    pub fn watch_tree(&mut self, dir: &Path) -> Result<()> {
        self.watch(dir, RecursiveMode::Recursive)
    }

    fn watch(&mut self, dir: &Path, mode: RecursiveMode) -> Result<()> {
        if self.watched.contains_key(dir) {
            return Ok(());
        }
        let id = identity(dir);
        self.watched.insert(dir.to_path_buf(), (mode, None));
        if id.is_some() {
            self.subscribe(dir, mode)?;
            self.watched.insert(dir.to_path_buf(), (mode, id));
        }
        Ok(())
    }

    fn subscribe(&mut self, dir: &Path, mode: RecursiveMode) -> Result<()> {
        let result = match &mut self.backend {
            Backend::Native(d) => d.watch(dir, mode),
            Backend::Poll(d) => d.watch(dir, mode),
        };
        result.map_err(|e| {
            Error::in_file(dir, format!("cannot watch: {e}"))
                .help("on Linux, raise fs.inotify.max_user_watches, or run `devoops serve --poll`")
        })
    }

    fn unsubscribe(&mut self, dir: &Path) {
        let _ = match &mut self.backend {
            Backend::Native(d) => d.unwatch(dir),
            Backend::Poll(d) => d.unwatch(dir),
        };
    }

    /// Watches again every folder whose path now leads to another folder, or to none.
    /// Returns whether any did, and the errors of those that cannot be watched.
    fn follow_replaced_folders(&mut self, errors: &mut Vec<String>) -> bool {
        let changed: Vec<(PathBuf, RecursiveMode, Option<Identity>)> = self
            .watched
            .iter()
            .filter_map(|(dir, (mode, id))| {
                let now = identity(dir);
                (now != *id).then(|| (dir.clone(), *mode, now))
            })
            .collect();
        for (dir, mode, now) in &changed {
            self.unsubscribe(dir);
            let mut recorded = *now;
            if now.is_some()
                && let Err(e) = self.subscribe(dir, *mode)
            {
                errors.push(e.to_string());
                recorded = None;
            }
            self.watched.insert(dir.clone(), (*mode, recorded));
        }
        !changed.is_empty()
    }

    /// Blocks until something changes, then returns every change reported so far (batches
    /// that queued up during a long rebuild are merged into one). `None` when the watcher
    /// has stopped.
    pub fn next_batch(&mut self) -> Option<Batch> {
        let mut batch = Batch {
            paths: BTreeSet::new(),
            errors: Vec::new(),
            folders_replaced: false,
        };
        let first = self.events.recv().ok()?;
        for result in std::iter::once(first).chain(self.events.try_iter()) {
            match result {
                Ok(events) => batch.paths.extend(
                    events
                        .into_iter()
                        .filter(|e| !e.kind.is_access())
                        .flat_map(|e| e.event.paths),
                ),
                Err(errors) => batch.errors.extend(errors.iter().map(|e| e.to_string())),
            }
        }
        batch.folders_replaced = self.follow_replaced_folders(&mut batch.errors);
        Some(batch)
    }
}
