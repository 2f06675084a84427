//! A record of every file under a directory (path, mode, content hash), to prove that
//! nothing changed, or to list what did.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

/// Relative path → (permission bits, content hash, or symlink target hash).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot(pub BTreeMap<PathBuf, (u32, u64)>);

impl Snapshot {
    pub fn take(root: &Path) -> Snapshot {
        let mut map = BTreeMap::new();
        walk(root, root, &mut map);
        Snapshot(map)
    }

    /// Paths that were added, removed or changed between `self` and `after`.
    pub fn changes(&self, after: &Snapshot) -> Vec<PathBuf> {
        let mut changed: Vec<PathBuf> = after
            .0
            .iter()
            .filter(|(path, entry)| self.0.get(*path) != Some(entry))
            .map(|(path, _)| path.clone())
            .collect();
        changed.extend(
            self.0
                .keys()
                .filter(|path| !after.0.contains_key(*path))
                .cloned(),
        );
        changed.sort();
        changed
    }
}

/// Files up to this size are hashed whole; bigger ones by size and their first and last
/// blocks, so a huge (or sparse) file costs no more than a small one.
const HASH_WHOLE_UP_TO: u64 = 8 << 20;

/// Stream `path` into `hasher` in blocks, never holding the file in memory.
fn hash_file(path: &Path, len: u64, hasher: &mut DefaultHasher) {
    use std::io::{Read, Seek, SeekFrom};
    len.hash(hasher);
    let Ok(mut file) = std::fs::File::open(path) else {
        return;
    };
    let mut block = vec![0u8; 64 * 1024];
    let mut feed = |file: &mut std::fs::File, limit: u64| {
        let mut left = limit;
        while left > 0 {
            let want = block.len().min(left as usize);
            match file.read(&mut block[..want]) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    block[..n].hash(hasher);
                    left -= n as u64;
                }
            }
        }
    };
    if len <= HASH_WHOLE_UP_TO {
        feed(&mut file, HASH_WHOLE_UP_TO);
    } else {
        feed(&mut file, 64 * 1024);
        if file.seek(SeekFrom::End(-(64 * 1024))).is_ok() {
            feed(&mut file, 64 * 1024);
        }
    }
}

/// Bounded walk: at most this many entries are recorded (a lab folder holds dozens).
const MAX_ENTRIES: usize = 20_000;

fn walk(root: &Path, dir: &Path, map: &mut BTreeMap<PathBuf, (u32, u64)>) {
    if map.len() >= MAX_ENTRIES {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let mut hasher = DefaultHasher::new();
        if meta.file_type().is_symlink() {
            std::fs::read_link(&path).ok().hash(&mut hasher);
        } else if meta.is_dir() {
            walk(root, &path, map);
            "dir".hash(&mut hasher);
        } else if meta.is_file() {
            hash_file(&path, meta.len(), &mut hasher);
        } else {
            // A FIFO, socket or device: its kind is its content (reading could block).
            "special".hash(&mut hasher);
        }
        map.insert(rel, (crate::platform::mode(&meta), hasher.finish()));
    }
}
