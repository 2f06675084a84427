//! `devoops build` never loses the user's files: destinations that reach the sources through
//! symlinks or `..`, folders it did not write, leftovers of killed builds, an old site that
//! cannot be deleted, and builds running at the same time. Each case runs the real binary.
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use support::{copy_tree, devoops, fixture_dir, list_files};

/// Every entry under `dir` with its bytes (symlinks as their target), to prove nothing changed.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            let bytes = if e.path_is_symlink() {
                std::fs::read_link(e.path())
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else if e.file_type().is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                b"<dir>".to_vec()
            };
            (rel, bytes)
        })
        .collect()
}

/// A scratch folder holding the fixture book in `book/`, plus a file of the user's own.
fn scratch_book() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    copy_tree(&fixture_dir("mdbook-basic"), &book);
    std::fs::write(book.join("notes.txt"), "the user's own file\n").unwrap();
    (tmp, book)
}

/// `devoops build BOOK -d DEST`, ready to run.
fn build_into(book: &Path, dest: &Path) -> assert_cmd::Command {
    let mut command = devoops();
    command.arg("build").arg(book).arg("-d").arg(dest);
    command
}

fn refused(book: &Path, dest: &Path, needle: &str) {
    let out = build_into(book, dest).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}: {stderr}", dest.display());
    assert!(stderr.contains(needle), "expected `{needle}` in:\n{stderr}");
    assert!(stderr.contains("help:"), "no fix suggested:\n{stderr}");
}

#[test]
fn symlinked_destinations_on_either_side_leave_the_sources_byte_identical() {
    let (tmp, book) = scratch_book();
    symlink(&book, tmp.path().join("alias")).unwrap();
    symlink(tmp.path(), tmp.path().join("up")).unwrap();
    let before = snapshot(tmp.path());
    // The destination names the book through a symlink.
    refused(&book, &tmp.path().join("alias"), "holds the book's folder");
    // The book is named through a symlink, the destination by its real path.
    refused(&tmp.path().join("alias"), &book, "holds the book's folder");
    // A symlink to a folder holding the book, and a path with `..` back into it.
    refused(&book, &tmp.path().join("up"), "holds the book's folder");
    refused(
        &book,
        &tmp.path().join("alias/src/../../book"),
        "holds the book's folder",
    );
    // Inside the sources, through the symlink.
    refused(
        &book,
        &tmp.path().join("alias/src/site"),
        "inside the sources",
    );
    assert_eq!(snapshot(tmp.path()), before, "nothing changed on disk");
}

#[test]
fn a_dotdot_build_dir_naming_the_book_is_refused_and_a_sibling_one_works() {
    let (tmp, book) = scratch_book();
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        toml.replace("build-dir = \"book\"", "build-dir = \"../book\""),
    )
    .unwrap();
    let before = snapshot(tmp.path());
    let out = devoops().arg("build").arg(&book).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("holds the book's folder"), "{stderr}");
    assert_eq!(snapshot(tmp.path()), before, "nothing changed on disk");

    std::fs::write(
        book.join("book.toml"),
        toml.replace("build-dir = \"book\"", "build-dir = \"../site\""),
    )
    .unwrap();
    let before = snapshot(&book);
    devoops().arg("build").arg(&book).assert().success();
    assert!(tmp.path().join("site/index.html").is_file());
    assert_eq!(snapshot(&book), before, "the sources are untouched");
}

#[test]
fn a_folder_the_build_did_not_write_is_never_replaced() {
    let (tmp, book) = scratch_book();
    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("thesis.tex"), "years of work\n").unwrap();
    let file = tmp.path().join("file-dest");
    std::fs::write(&file, "a file\n").unwrap();
    let before = snapshot(tmp.path());
    refused(&book, &mine, "no earlier `devoops build` wrote it");
    refused(&book, &file, "it is a file, not a folder");
    assert_eq!(snapshot(tmp.path()), before, "nothing changed on disk");

    // An empty folder, and a folder an earlier build wrote, are replaced.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    build_into(&book, &empty).assert().success();
    build_into(&book, &empty).assert().success();
    assert!(empty.join("index.html").is_file());
    assert!(empty.join(".devoops-site").is_file());
}

/// The names in `dir` other than `keep`: anything a build left behind.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

#[test]
fn leftovers_of_killed_builds_are_cleaned_up_and_do_not_block_later_builds() {
    let (tmp, book) = scratch_book();
    let out = tmp.path().join("out");
    build_into(&book, &out).assert().success();
    for name in [
        ".out.old-1234-0-0",
        ".out.building-XYZ",
        ".out.building-empty",
    ] {
        let dir = tmp.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        if !name.ends_with("empty") {
            std::fs::write(dir.join(".devoops-site"), "").unwrap();
            std::fs::write(dir.join("index.html"), "stale").unwrap();
        }
    }
    // Not ours: no marker, so it stays.
    std::fs::create_dir(tmp.path().join(".out.old-users")).unwrap();
    std::fs::write(tmp.path().join(".out.old-users/keep.txt"), "mine").unwrap();
    for _ in 0..2 {
        build_into(&book, &out).assert().success();
    }
    assert!(out.join("index.html").is_file());
    assert_eq!(
        leftovers(tmp.path(), &["book", "out"]),
        vec![".out.old-users".to_string()]
    );
}

/// Makes a file immutable (`chattr +i`) for as long as it lives: even root cannot delete it.
struct Immutable(PathBuf);

impl Immutable {
    fn new(path: &Path) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status();
        ok.is_ok_and(|s| s.success())
            .then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn an_old_site_that_cannot_be_deleted_still_gets_the_new_site_in_place() {
    let (tmp, book) = scratch_book();
    let out = tmp.path().join("out");
    build_into(&book, &out).assert().success();
    let stuck = out.join("css/main.css");
    let guard = if rustix::process::geteuid().is_root() {
        Immutable::new(&stuck)
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out.join("css"), std::fs::Permissions::from_mode(0o555)).unwrap();
        None
    };
    if rustix::process::geteuid().is_root() && guard.is_none() {
        eprintln!("skipped: running as root and `chattr +i` is unavailable here");
        return;
    }
    std::fs::write(book.join("src/code.md"), "# Rewritten\n").unwrap();
    let run = build_into(&book, &out).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("could not be removed from"), "{stderr}");
    assert!(support::read(&out.join("code.html")).contains("Rewritten"));
    // The old site now waits beside the new one, named in the warning.
    let stale = leftovers(tmp.path(), &["book", "out"]);
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(stderr.contains(&stale[0]), "{stderr}");
    let stale = tmp.path().join(&stale[0]);
    match guard {
        Some(mut guard) => {
            guard.0 = stale.join("css/main.css");
            drop(guard);
        }
        None => {
            use std::os::unix::fs::PermissionsExt;
            let css = stale.join("css");
            std::fs::set_permissions(css, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    build_into(&book, &out).assert().success();
    assert_eq!(
        leftovers(tmp.path(), &["book", "out"]),
        Vec::<String>::new()
    );
}

#[test]
fn concurrent_builds_of_one_destination_all_succeed_and_leak_nothing() {
    let (tmp, book) = scratch_book();
    let out = tmp.path().join("out");
    let reference = tmp.path().join("reference");
    build_into(&book, &reference).assert().success();
    let bin = assert_cmd::cargo::cargo_bin("devoops");
    let children: Vec<_> = (0..6)
        .map(|_| {
            std::process::Command::new(&bin)
                .arg("build")
                .arg(&book)
                .arg("-d")
                .arg(&out)
                .arg("-q")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(list_files(&out), list_files(&reference));
    assert_eq!(
        leftovers(tmp.path(), &["book", "out", "reference"]),
        Vec::<String>::new()
    );
}
