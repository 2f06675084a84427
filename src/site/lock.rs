//! One build at a time per destination: an exclusive `flock` on a small file beside it
//! (`.NAME.lock`, holding the builder's process id so a waiting build can say who it waits
//! for). The kernel drops the lock when its holder dies, so a killed build never leaves a
//! stale lock; the file itself is removed on release.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How long a build waits for another build of the same destination before giving up.
const PATIENCE: Duration = Duration::from_secs(600);
const POLL: Duration = Duration::from_millis(50);

/// Held while a build writes and swaps in its destination.
pub struct DestLock {
    path: PathBuf,
    _file: File,
}

impl DestLock {
    /// Takes the lock at `path`, waiting while another build holds it. `waiting` is called
    /// once, with the holder's process id, if the lock is busy.
    pub fn acquire(path: &Path, waiting: &dyn Fn(&str)) -> Result<DestLock> {
        let started = Instant::now();
        let mut told = false;
        loop {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(|e| Error::io(path, &e))?;
            if try_lock(&file).map_err(|e| Error::io(path, &e))? {
                // The holder before us removes the file on release; a lock on a file that is no
                // longer at `path` guards nothing, so start again with the new one.
                if same_file(&file, path) {
                    let _ = file.set_len(0);
                    let _ = write!(file, "{}", std::process::id());
                    super::interrupt::register(path);
                    return Ok(DestLock {
                        path: path.to_path_buf(),
                        _file: file,
                    });
                }
                continue;
            }
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = match holder.trim() {
                "" => "another devoops build".to_string(),
                pid => format!("devoops build (process {pid})"),
            };
            if started.elapsed() > PATIENCE {
                return Err(Error::new(format!(
                    "{holder} has been writing this site for {} minutes (lock {})",
                    PATIENCE.as_secs() / 60,
                    path.display()
                ))
                .help("wait for it to finish or stop it, then build again"));
            }
            if !told {
                waiting(&holder);
                told = true;
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for DestLock {
    fn drop(&mut self) {
        // Unlink while still holding the lock, so no one can lock the old file after us.
        let _ = std::fs::remove_file(&self.path);
        super::interrupt::unregister(&self.path);
    }
}

#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use rustix::fs::{FlockOperation, flock};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_second_holder_waits_and_names_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".book.lock");
        let first = DestLock::acquire(&path, &|_| panic!("free lock")).unwrap();
        let waited = AtomicBool::new(false);
        std::thread::scope(|s| {
            let second = s.spawn(|| {
                DestLock::acquire(&path, &|holder| {
                    assert!(holder.contains(&std::process::id().to_string()), "{holder}");
                    waited.store(true, Ordering::SeqCst);
                })
                .unwrap()
            });
            while !waited.load(Ordering::SeqCst) {
                std::thread::sleep(POLL);
            }
            drop(first);
            drop(second.join().unwrap());
        });
        assert!(!path.exists(), "the lock file is removed on release");
    }
}
