//! Emit: where rendered files go. `build` writes into a staging folder next to the destination
//! and swaps it in only when every file is written, so a failed build never leaves a
//! half-written site; `serve` keeps files in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::error::{Error, Result};

/// A sink for the files of a site, addressed by site path (`css/main.css`, `labs/x.html`).
/// Renderers call it from several threads at once.
pub trait Output: Sync {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<()>;
}

/// Writes into a hidden staging folder beside `dest`; [`DirOutput::commit`] swaps it in.
pub struct DirOutput {
    staging: tempfile::TempDir,
    dest: PathBuf,
}

impl DirOutput {
    pub fn new(dest: &Path) -> Result<DirOutput> {
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "book".into());
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}.building-"))
            .tempdir_in(parent)
            .map_err(|e| Error::io(parent, &e))?;
        Ok(DirOutput {
            staging,
            dest: dest.to_path_buf(),
        })
    }

    pub fn staging_dir(&self) -> &Path {
        self.staging.path()
    }

    /// Replaces `dest` with the staged site. The old site is moved aside first and removed
    /// only after the new one is in place. Dropping a `DirOutput` without committing deletes
    /// the staging folder and leaves `dest` untouched.
    pub fn commit(self) -> Result<()> {
        let staged = self.staging.keep();
        let backup = if self.dest.exists() {
            let backup = staged.with_extension("old");
            std::fs::rename(&self.dest, &backup).map_err(|e| Error::io(&self.dest, &e))?;
            Some(backup)
        } else {
            None
        };
        if let Err(e) = std::fs::rename(&staged, &self.dest) {
            if let Some(backup) = &backup {
                let _ = std::fs::rename(backup, &self.dest);
            }
            let _ = std::fs::remove_dir_all(&staged);
            return Err(Error::io(&self.dest, &e));
        }
        if let Some(backup) = backup {
            std::fs::remove_dir_all(&backup).map_err(|e| Error::io(&backup, &e))?;
        }
        Ok(())
    }
}

impl Output for DirOutput {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<()> {
        let target = self.staging.path().join(safe_relative(path)?);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        }
        std::fs::write(&target, bytes).map_err(|e| Error::io(&target, &e))
    }
}

/// Rejects site paths that would escape the output folder.
fn safe_relative(path: &str) -> Result<&Path> {
    let p = Path::new(path);
    let ok = !path.is_empty()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    if ok {
        Ok(p)
    } else {
        Err(Error::new(format!(
            "refusing to write outside the site: `{path}`"
        )))
    }
}

/// A site held in memory, shared cheaply between the builder and the HTTP server.
#[derive(Default, Clone)]
pub struct MemoryOutput {
    files: Arc<RwLock<BTreeMap<String, Arc<Vec<u8>>>>>,
}

impl MemoryOutput {
    pub fn get(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        self.files
            .read()
            .expect("site lock poisoned")
            .get(path)
            .cloned()
    }

    pub fn paths(&self) -> Vec<String> {
        self.files
            .read()
            .expect("site lock poisoned")
            .keys()
            .cloned()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.files.read().expect("site lock poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Output for MemoryOutput {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<()> {
        safe_relative(path)?;
        self.files
            .write()
            .expect("site lock poisoned")
            .insert(path.to_string(), Arc::new(bytes.to_vec()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_swaps_and_drop_keeps_the_old_site() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        let first = DirOutput::new(&dest).unwrap();
        first.write("index.html", b"one").unwrap();
        first.write("a/b.html", b"nested").unwrap();
        first.commit().unwrap();
        assert_eq!(std::fs::read(dest.join("index.html")).unwrap(), b"one");

        let failed = DirOutput::new(&dest).unwrap();
        failed.write("index.html", b"half").unwrap();
        drop(failed);
        assert_eq!(std::fs::read(dest.join("index.html")).unwrap(), b"one");

        let second = DirOutput::new(&dest).unwrap();
        second.write("index.html", b"two").unwrap();
        second.commit().unwrap();
        assert_eq!(std::fs::read(dest.join("index.html")).unwrap(), b"two");
        assert!(!dest.join("a").exists(), "files of the old site are gone");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(
            leftovers.len(),
            1,
            "no staging or backup folders left behind"
        );
    }

    #[test]
    fn paths_cannot_escape() {
        let mem = MemoryOutput::default();
        assert!(mem.write("../x", b"").is_err());
        assert!(mem.write("/etc/passwd", b"").is_err());
        assert!(mem.write("a/../../x", b"").is_err());
        assert!(mem.write("ok/x.html", b"1").is_ok());
        assert_eq!(mem.get("ok/x.html").unwrap().as_slice(), b"1");
    }
}
