//! Writing a site to a folder without ever losing the previous one or the user's files.
//!
//! A build of `DIR/NAME`:
//! 1. takes the destination's lock (`DIR/.NAME.lock`), so two builds never interleave;
//! 2. tidies what killed builds left: staging and backup folders (`.NAME.building-*`,
//!    `.NAME.old-*`, each carrying the site marker), and puts a backup back when a build died
//!    between the two renames of a swap and left no site;
//! 3. writes every file into a fresh, uniquely named staging folder, marker first;
//! 4. swaps it in (see `swap`) and removes the old site, marker last, so a half-removed
//!    leftover is still recognisably ours and is finished off by the next build.
//!
//! Folders are removed only when they hold the marker (or are empty): never anything the
//! user made.

use std::path::{Path, PathBuf};

use super::destination::{self, MARKER, MARKER_TEXT};
use super::fault::{self, Moment};
use super::{Output, interrupt, safe_relative};
use crate::error::{Error, Result};

/// Writes into a hidden staging folder beside the destination; [`DirOutput::commit`] swaps
/// it in. Dropping it without committing removes the staging folder and leaves the
/// destination untouched.
pub struct DirOutput {
    staging: tempfile::TempDir,
    dest: PathBuf,
    name: String,
    parent: PathBuf,
    warnings: Vec<String>,
    _registered: Registered,
    _lock: super::lock::DestLock,
}

/// Keeps the staging folder on the list a Ctrl-C removes, for as long as it is staging.
struct Registered(PathBuf);

impl Drop for Registered {
    fn drop(&mut self) {
        interrupt::unregister(&self.0);
    }
}

impl DirOutput {
    /// Prepares to replace `dest` (which [`destination::check`] has approved). Waits while
    /// another build holds the destination, telling `waiting` once who that is.
    pub fn new(dest: &Path) -> Result<DirOutput> {
        Self::new_with(dest, &|holder| {
            eprintln!("waiting for {holder} to finish writing {}", dest.display());
        })
    }

    fn new_with(dest: &Path, waiting: &dyn Fn(&str)) -> Result<DirOutput> {
        let real = destination::resolve(dest).map_err(|e| Error::io(dest, &e))?;
        let parent = real
            .parent()
            .ok_or_else(|| {
                Error::new(format!(
                    "cannot build into {}: it has no parent folder",
                    dest.display()
                ))
            })?
            .to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, &e))?;
        let name = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "book".into());
        let lock = super::lock::DestLock::acquire(&parent.join(format!(".{name}.lock")), waiting)?;
        let mut warnings = Vec::new();
        tidy_leftovers(&parent, &name, &real, &mut warnings)?;
        // Checked again under the lock: the folder may have changed since the first check.
        match std::fs::symlink_metadata(&real) {
            Ok(meta) if !meta.is_dir() || !destination::is_replaceable(&real).unwrap_or(false) => {
                return Err(Error::new(format!(
                    "refusing to replace {}: it is not a folder an earlier `devoops build` wrote",
                    dest.display()
                ))
                .help(
                    "move it away, or choose another folder with --dest-dir or `[build] build-dir`",
                ));
            }
            _ => {}
        }
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}.building-"))
            .tempdir_in(&parent)
            .map_err(|e| Error::io(&parent, &e))?;
        let marker = staging.path().join(MARKER);
        std::fs::write(&marker, MARKER_TEXT).map_err(|e| Error::io(&marker, &e))?;
        interrupt::register(staging.path());
        Ok(DirOutput {
            _registered: Registered(staging.path().to_path_buf()),
            staging,
            dest: real,
            name,
            parent,
            warnings,
            _lock: lock,
        })
    }

    /// Puts the staged site in place of the destination. Returns warnings, such as an old
    /// site that could not be removed (the new one is in place all the same).
    pub fn commit(self) -> Result<Vec<String>> {
        interrupt::check()?;
        fault::point(Moment::Staged);
        let DirOutput {
            staging,
            dest,
            name,
            parent,
            mut warnings,
            _registered,
            _lock,
        } = self;
        let staged = staging.keep();
        let exists = std::fs::symlink_metadata(&dest).is_ok();
        let old = if exists {
            let backup = unique_sibling(&parent, &format!(".{name}.old-"));
            match super::swap::replace(&staged, &dest, &backup) {
                Ok(old) => Some(old.to_path_buf()),
                Err(e) => {
                    let _ = remove_site(&staged);
                    return Err(Error::io(&dest, &e));
                }
            }
        } else {
            if let Err(e) = std::fs::rename(&staged, &dest) {
                let _ = remove_site(&staged);
                return Err(Error::io(&dest, &e));
            }
            None
        };
        fault::point(Moment::Swapped);
        if let Some(old) = old
            && let Err(e) = remove_site(&old)
        {
            warnings.push(format!(
                "the new site is in place, but the previous one could not be removed from {}: {e}; the next build tries again",
                old.display()
            ));
        }
        Ok(warnings)
    }
}

impl Output for DirOutput {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<()> {
        interrupt::check()?;
        let target = self.staging.path().join(safe_relative(path)?);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        }
        std::fs::write(&target, bytes).map_err(|e| Error::io(&target, &e))
    }

    fn write_pieces(
        &self,
        path: &str,
        pieces: &mut dyn Iterator<Item = Result<Vec<u8>>>,
    ) -> Result<()> {
        use std::io::Write;
        interrupt::check()?;
        let target = self.staging.path().join(safe_relative(path)?);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        }
        let file = std::fs::File::create(&target).map_err(|e| Error::io(&target, &e))?;
        let mut writer = std::io::BufWriter::new(file);
        for piece in pieces {
            interrupt::check()?;
            writer
                .write_all(&piece?)
                .map_err(|e| Error::io(&target, &e))?;
        }
        writer.flush().map_err(|e| Error::io(&target, &e))
    }
}

/// A name in `parent` starting with `prefix` that nothing uses yet.
fn unique_sibling(parent: &Path, prefix: &str) -> PathBuf {
    let pid = std::process::id();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    (0u32..)
        .map(|n| parent.join(format!("{prefix}{pid}-{nanos:x}-{n}")))
        .find(|p| std::fs::symlink_metadata(p).is_err())
        .expect("some name is free")
}

/// Removes staging and backup folders that builds killed earlier left beside the destination
/// (the lock guarantees none of them is in use), after putting a backup back in place if
/// there is no site. A leftover that cannot be removed is a warning, not a failure.
fn tidy_leftovers(
    parent: &Path,
    name: &str,
    dest: &Path,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let building = format!(".{name}.building-");
    let old = format!(".{name}.old-");
    let entries = std::fs::read_dir(parent).map_err(|e| Error::io(parent, &e))?;
    let mut leftovers = Vec::new();
    let mut backups = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let is_backup = file_name.starts_with(&old);
        if !(is_backup || file_name.starts_with(&building)) {
            continue;
        }
        let path = entry.path();
        let ours = entry.file_type().is_ok_and(|t| t.is_dir())
            && destination::is_replaceable(&path).unwrap_or(false);
        if !ours {
            continue;
        }
        if is_backup && std::fs::symlink_metadata(path.join(MARKER)).is_ok() {
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            backups.push((modified, path));
        } else {
            leftovers.push(path);
        }
    }
    if std::fs::symlink_metadata(dest).is_err() {
        backups.sort();
        if let Some((_, newest)) = backups.pop() {
            std::fs::rename(&newest, dest).map_err(|e| Error::io(&newest, &e))?;
        }
    }
    leftovers.extend(backups.into_iter().map(|(_, p)| p));
    for path in leftovers {
        if let Err(e) = remove_site(&path) {
            warnings.push(format!(
                "cannot remove {}, left by an earlier build: {e}; remove it yourself",
                path.display()
            ));
        }
    }
    Ok(())
}

/// Removes a site folder written by a build, its marker last: if this is cut short, what is
/// left still carries the marker and the next build finishes the job.
fn remove_site(dir: &Path) -> std::io::Result<()> {
    let mut first = true;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == MARKER {
            continue;
        }
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
        if first {
            fault::point(Moment::Removing);
            first = false;
        }
    }
    match std::fs::remove_file(dir.join(MARKER)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::remove_dir(dir)
}
