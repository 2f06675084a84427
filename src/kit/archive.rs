//! Deterministic archives: the same files give the same bytes, so two instructors can compare
//! checksums. Entries are sorted by path, every timestamp is the zip epoch (1980-01-01), owners
//! are 0, and only the executable bit of a file's mode is kept (0755 or 0644), which is what a
//! participant needs after unpacking (`start.sh` stays executable on Linux and macOS).

use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The most files one archive may hold: a bound on walking outside input.
pub const MAX_ENTRIES: usize = 100_000;

/// Where an entry's bytes come from.
#[derive(Debug, Clone)]
pub enum Content {
    File(PathBuf),
    Bytes(Vec<u8>),
}

/// One file of an archive, at a `/`-separated path inside it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub executable: bool,
    pub content: Content,
}

impl Entry {
    pub fn bytes(path: impl Into<String>, executable: bool, bytes: impl Into<Vec<u8>>) -> Entry {
        Entry {
            path: path.into(),
            executable,
            content: Content::Bytes(bytes.into()),
        }
    }

    pub fn file(path: impl Into<String>, source: &Path) -> Result<Entry> {
        Ok(Entry {
            path: path.into(),
            executable: is_executable(source)?,
            content: Content::File(source.to_path_buf()),
        })
    }

    fn mode(&self) -> u32 {
        if self.executable { 0o755 } else { 0o644 }
    }

    fn read(&self) -> Result<std::borrow::Cow<'_, [u8]>> {
        match &self.content {
            Content::Bytes(b) => Ok(b.into()),
            Content::File(p) => std::fs::read(p)
                .map(Into::into)
                .map_err(|e| Error::io(p, &e)),
        }
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
    Ok(meta.permissions().mode() & 0o111 != 0)
}

/// Other systems have no mode bits: a script is executable when it starts with `#!`.
#[cfg(not(unix))]
fn is_executable(path: &Path) -> Result<bool> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    Ok(bytes.starts_with(b"#!"))
}

/// Every regular file under `dir`, as entries under `prefix/` (paths relative to `dir`).
/// Symbolic links and other special files are refused: an archive must unpack the same on
/// every system.
pub fn files_under(dir: &Path, prefix: &str) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for item in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let item = item.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::in_file(&path, format!("cannot read: {e}"))
        })?;
        let kind = item.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(
                Error::in_file(item.path(), "not a regular file (a link or a device)").help(
                    "replace the link by the file it points to; archives hold plain files only",
                ),
            );
        }
        if entries.len() == MAX_ENTRIES {
            return Err(
                Error::in_file(dir, format!("more than {MAX_ENTRIES} files"))
                    .help("a lab's scenario should be a handful of files"),
            );
        }
        let relative = item.path().strip_prefix(dir).unwrap_or(item.path());
        let inner = crate::render::slash_path(relative);
        let path = if prefix.is_empty() {
            inner
        } else {
            format!("{prefix}/{inner}")
        };
        entries.push(Entry::file(path, item.path())?);
    }
    Ok(entries)
}

fn sorted(entries: &mut [Entry]) -> Result<()> {
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = entries.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(Error::new(format!(
            "two files at {} in one archive",
            pair[0].path
        )));
    }
    Ok(())
}

/// Writes a zip of `entries` to `out`, calling `progress(done, total)` after each file.
pub fn write_zip<W: Write + Seek>(
    mut entries: Vec<Entry>,
    out: W,
    progress: &dyn Fn(usize, usize),
) -> Result<W> {
    sorted(&mut entries)?;
    let mut zip = zip::ZipWriter::new(out);
    let total = entries.len();
    for (i, entry) in entries.iter().enumerate() {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(entry.mode())
            .large_file(false);
        let bytes = entry.read()?;
        zip.start_file(entry.path.as_str(), options)
            .and_then(|()| zip.write_all(&bytes).map_err(Into::into))
            .map_err(|e| Error::new(format!("cannot write {} into the zip: {e}", entry.path)))?;
        progress(i + 1, total);
    }
    zip.finish()
        .map_err(|e| Error::new(format!("cannot finish the zip: {e}")))
}

/// The zip of `entries` in memory.
pub fn zip_bytes(entries: Vec<Entry>) -> Result<Vec<u8>> {
    let cursor = write_zip(entries, std::io::Cursor::new(Vec::new()), &|_, _| ())?;
    Ok(cursor.into_inner())
}

/// A gzipped tar of `entries` in memory (ustar headers, mtime 0, owner 0:0).
pub fn tar_gz_bytes(mut entries: Vec<Entry>) -> Result<Vec<u8>> {
    sorted(&mut entries)?;
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let failed = |e: std::io::Error| Error::new(format!("cannot write the tar.gz: {e}"));
    for entry in &entries {
        let bytes = entry.read()?;
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(entry.mode());
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, &entry.path, bytes.as_ref())
            .map_err(failed)?;
    }
    let gz = tar.into_inner().map_err(failed)?;
    gz.finish().map_err(failed)
}

/// Lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex SHA-256 of a file, read in pieces.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| Error::io(path, &e))?;
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Entry> {
        vec![
            Entry::bytes("b/start.sh", true, "#!/bin/sh\n"),
            Entry::bytes("a/README", false, "hello\n"),
        ]
    }

    #[test]
    fn the_same_files_give_the_same_bytes_whatever_their_order() {
        let mut reversed = sample();
        reversed.reverse();
        assert_eq!(
            zip_bytes(sample()).unwrap(),
            zip_bytes(reversed.clone()).unwrap()
        );
        assert_eq!(
            tar_gz_bytes(sample()).unwrap(),
            tar_gz_bytes(reversed).unwrap()
        );
    }

    #[test]
    fn zip_entries_are_sorted_and_keep_the_executable_bit() {
        let bytes = zip_bytes(sample()).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<&str> = (0..zip.len())
            .map(|i| zip.name_for_index(i).unwrap())
            .collect();
        assert_eq!(names, ["a/README", "b/start.sh"]);
        let script = zip.by_name("b/start.sh").unwrap();
        assert_eq!(script.unix_mode().unwrap() & 0o777, 0o755);
        drop(script);
        assert_eq!(
            zip.by_name("a/README").unwrap().unix_mode().unwrap() & 0o777,
            0o644
        );
    }

    #[test]
    fn two_files_at_one_path_are_an_error() {
        let twice = vec![Entry::bytes("x", false, "1"), Entry::bytes("x", false, "2")];
        assert!(
            zip_bytes(twice)
                .unwrap_err()
                .to_string()
                .contains("two files at x")
        );
    }

    #[test]
    fn sha256_is_the_known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
