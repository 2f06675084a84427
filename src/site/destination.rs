//! Where a build may write. A build replaces its destination folder whole, so before any file
//! is written the destination is checked against the sources by *canonical* path (symlinks
//! and `..` resolved, also for the part of the path that does not exist yet), and an existing
//! folder is replaced only when an earlier `devoops build` wrote it (it holds [`MARKER`]).

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// The file every built site carries, so a later build knows the folder is its own to replace.
pub const MARKER: &str = ".devoops-site";

/// What the marker file says to a person who finds it.
pub const MARKER_TEXT: &str =
    "This folder was written by `devoops build`; the next build replaces it as a whole.\n";

/// The folder a build will replace, resolved to where it really is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The path as the user gave it, for messages.
    pub given: PathBuf,
    /// The canonical path: a symlinked destination is replaced at its target, never the link.
    pub real: PathBuf,
}

/// Resolves `dest` and refuses it when replacing it could touch the user's files: when it is
/// or holds one of `sources` (folders read by the build) or `root` (the book's own folder,
/// whose `book/` is the usual destination), when it lies inside a source folder (unless
/// `skipped_inside` — the configured build folder, which the renderer leaves out when it copies
/// a source folder, as mdBook does for `src = "."`), when it is not a folder, or when it is a
/// non-empty folder that no earlier build wrote.
pub fn check(
    dest: &Path,
    root: &Path,
    sources: &[&Path],
    skipped_inside: bool,
) -> Result<Destination> {
    let real = resolve(dest).map_err(|e| Error::io(dest, &e))?;
    let refuse = |what: &str| {
        Error::new(format!("refusing to build into {}: {what}", dest.display()))
            .help("choose another folder with --dest-dir or `[build] build-dir` in book.toml")
    };
    let root_real = resolve(root).map_err(|e| Error::io(root, &e))?;
    if root_real.starts_with(&real) {
        return Err(refuse(&format!(
            "it holds the book's folder {} and would be replaced",
            root.display()
        )));
    }
    for source in sources {
        let Ok(source_real) = resolve(source) else {
            continue;
        };
        if source_real.starts_with(&real) {
            return Err(refuse(&format!(
                "it holds the sources in {} and would be replaced",
                source.display()
            )));
        }
        if real.starts_with(&source_real) && !skipped_inside {
            return Err(refuse(&format!(
                "it lies inside the sources in {}, so the site would become part of the book",
                source.display()
            )));
        }
    }
    match std::fs::symlink_metadata(&real) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(dest, &e)),
        Ok(meta) if !meta.is_dir() => {
            return Err(Error::new(format!(
                "refusing to build into {}: it is a file, not a folder",
                dest.display()
            ))
            .help("move the file away, or choose another folder with --dest-dir or `[build] build-dir`"));
        }
        Ok(_) => {
            if !is_replaceable(&real).map_err(|e| Error::io(dest, &e))? {
                return Err(Error::new(format!(
                    "refusing to replace {}: the folder is not empty and no earlier `devoops build` wrote it (it has no {MARKER} file)",
                    dest.display()
                ))
                .help("move its files away or delete it yourself, or choose another folder with --dest-dir or `[build] build-dir`"));
            }
        }
    }
    Ok(Destination {
        given: dest.to_path_buf(),
        real,
    })
}

/// An existing folder a build may replace: empty, or written by an earlier build.
pub fn is_replaceable(dir: &Path) -> std::io::Result<bool> {
    if std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file()) {
        return Ok(true);
    }
    Ok(std::fs::read_dir(dir)?.next().is_none())
}

/// The canonical form of `path`, which need not exist: its longest existing ancestor is
/// canonicalized (resolving symlinks) and the rest is appended with `.` and `..` applied.
/// The missing part cannot hold symlinks, so this is where the path will really lead.
pub fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut missing = Vec::new();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(real) => {
                let mut out = real;
                for part in missing.iter().rev() {
                    match part {
                        Component::ParentDir => {
                            out.pop();
                        }
                        Component::CurDir => {}
                        other => out.push(other.as_os_str()),
                    }
                }
                return Ok(out);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let Some(parent) = existing.parent() else {
                    return Err(e);
                };
                missing.push(
                    existing
                        .components()
                        .next_back()
                        .expect("a path with a parent has a last part"),
                );
                existing = parent;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn resolve_follows_symlinks_in_existing_ancestors_and_applies_dotdot_after() {
        let dir = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(real.join("a")).unwrap();
        symlink(real.join("a"), real.join("link")).unwrap();
        assert_eq!(resolve(&real.join("link/x/y")).unwrap(), real.join("a/x/y"));
        assert_eq!(resolve(&real.join("link/x/../..")).unwrap(), real);
        assert_eq!(resolve(&real.join("a/../a/./b")).unwrap(), real.join("a/b"));
    }

    #[test]
    fn a_destination_holding_or_inside_the_sources_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("book");
        let src = root.join("src");
        std::fs::create_dir_all(&src).unwrap();
        symlink(&root, dir.path().join("alias")).unwrap();
        for dest in [
            root.clone(),
            dir.path().join("alias"),
            root.join("../book"),
            src.join("site"),
            dir.path().join("alias/src"),
            dir.path().to_path_buf(),
        ] {
            assert!(
                check(&dest, &root, &[&src], false).is_err(),
                "{}",
                dest.display()
            );
        }
        let ok = check(&root.join("out"), &root, &[&src], false).unwrap();
        assert!(
            check(&src.join("book"), &root, &[&src], true).is_ok(),
            "src = \".\""
        );
        assert_eq!(ok.real, std::fs::canonicalize(&root).unwrap().join("out"));
    }

    #[test]
    fn only_empty_or_marked_folders_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("book");
        std::fs::create_dir_all(&root).unwrap();
        let dest = dir.path().join("site");
        std::fs::create_dir(&dest).unwrap();
        assert!(check(&dest, &root, &[], false).is_ok(), "empty folder");
        std::fs::write(dest.join("notes.txt"), "mine").unwrap();
        let err = check(&dest, &root, &[], false).unwrap_err().to_string();
        assert!(err.contains("no earlier `devoops build` wrote it"), "{err}");
        std::fs::write(dest.join(MARKER), MARKER_TEXT).unwrap();
        assert!(check(&dest, &root, &[], false).is_ok(), "marked folder");
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let err = check(&file, &root, &[], false).unwrap_err().to_string();
        assert!(err.contains("it is a file"), "{err}");
    }
}
