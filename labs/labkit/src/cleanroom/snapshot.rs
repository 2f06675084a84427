//! A record of every file under a directory (path, mode, content hash), to prove that
//! nothing changed, or to list what did.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::os::unix::fs::PermissionsExt;
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

fn walk(root: &Path, dir: &Path, map: &mut BTreeMap<PathBuf, (u32, u64)>) {
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
        } else {
            std::fs::read(&path).ok().hash(&mut hasher);
        }
        map.insert(rel, (meta.permissions().mode(), hasher.finish()));
    }
}
