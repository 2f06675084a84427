//! Notes stored as one file per key under `DATA_DIR/notes/`, so a backup is a plain copy.

use std::io;
use std::path::{Path, PathBuf};

pub struct Store {
    dir: PathBuf,
}

/// Keys are restricted so a key can never name a path outside the store.
pub fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Store {
    pub fn open(data_dir: &Path) -> io::Result<Store> {
        let dir = data_dir.join("notes");
        std::fs::create_dir_all(&dir)?;
        Ok(Store { dir })
    }

    /// Healthy when the directory is still there and writable.
    pub fn healthy(&self) -> bool {
        let probe = self.dir.join(".healthz");
        std::fs::write(&probe, b"ok").is_ok() && std::fs::remove_file(&probe).is_ok()
    }

    pub fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.dir.join(key)) {
            Ok(body) => Ok(Some(body)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Write through a temporary file and rename, so a crash never leaves half a note.
    pub fn put(&self, key: &str, body: &[u8]) -> io::Result<()> {
        let tmp = self.dir.join(format!(".{key}.tmp"));
        std::fs::write(&tmp, body)?;
        std::fs::rename(&tmp, self.dir.join(key))
    }

    pub fn delete(&self, key: &str) -> io::Result<bool> {
        match std::fs::remove_file(self.dir.join(key)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub fn keys(&self) -> io::Result<Vec<String>> {
        let mut keys: Vec<String> = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| valid_key(name))
            .collect();
        keys.sort();
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_store() {
        assert!(valid_key("shopping-list_2"));
        for bad in ["", "../etc", "a/b", ".hidden", &"x".repeat(65)] {
            assert!(!valid_key(bad), "{bad:?}");
        }
    }
}
