//! The site: [`assemble`] puts rendered chapters together into every file of the site, and
//! the outputs here are where those files go. `build` writes into a staging folder next to the
//! destination and swaps it in only when every file is written, so a failed build never leaves
//! a half-written site and never touches a folder it did not write (`destination`, `folder`);
//! `serve` keeps files in memory.

pub mod assemble;
pub mod spool;

pub use assemble::{Assembly, Discard, Site, assemble, write_page};

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use crate::error::{Error, Result};

pub mod destination;
mod fault;
mod folder;
pub mod interrupt;
mod lock;
mod swap;

pub use folder::DirOutput;

/// A sink for the files of a site, addressed by site path (`css/main.css`, `labs/x.html`).
/// The assembly writes to it from several threads at once.
pub trait Output: Sync {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<()>;

    /// Writes a file given in pieces, for pages too large to assemble in memory (the print
    /// page of a big book). The default joins the pieces; [`DirOutput`] streams them to disk.
    fn write_pieces(
        &self,
        path: &str,
        pieces: &mut dyn Iterator<Item = Result<Vec<u8>>>,
    ) -> Result<()> {
        let mut all = Vec::new();
        for piece in pieces {
            all.extend_from_slice(&piece?);
        }
        self.write(path, &all)
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
