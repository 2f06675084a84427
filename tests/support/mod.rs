//! Helpers shared by the end-to-end tests: fixture books in temporary folders and the real CLI.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies `tests/fixtures/<name>` into a fresh temporary folder, so tests can edit it freely.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture_dir(name), tmp.path());
    tmp
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The real `devoops` binary, with colours off.
pub fn devoops() -> Command {
    let mut cmd = Command::cargo_bin("devoops").expect("devoops binary");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Writes `text` to `root/rel`, creating folders: for books made up inside a test.
pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Every file under `dir`, as paths relative to it with `/` separators, sorted.
pub fn list_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    files.sort();
    files
}

/// Values of `attr="…"` attributes in an HTML document.
pub fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let start = i + needle.len();
            html[start..].find('"').map(|end| &html[start..start + end])
        })
        .collect()
}

// ---- browser tests ----

pub mod cdp;
pub mod dist;
pub mod static_server;

/// Builds the book in `book_dir` with the real `devoops` binary into `<temp>/site`.
pub fn build_site(book_dir: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    devoops()
        .arg("build")
        .arg(book_dir)
        .arg("--dest-dir")
        .arg(out.path().join("site"))
        .assert()
        .success();
    out
}

/// `target/screenshots/<name>`: screenshots the test run leaves for people to look at.
pub fn screenshot_path(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots").join(name)
}

/// A `file://` URL for a path.
pub fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A small book with one lab, its solution and fixtures, in `<temp>/book`, and made-up
/// checker binaries in `<temp>/checkers` (Linux x86_64, and an empty folder for macOS).
pub fn kit_book() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    write(
        &root,
        "book.toml",
        "[book]\ntitle = \"Kit test\"\nsrc = \"content\"\n",
    );
    write(
        &root,
        "content/SUMMARY.md",
        "# Summary\n\n- [Intro](intro.md)\n",
    );
    write(&root, "content/intro.md", "# Intro\n\nHello.\n");
    write(
        &root,
        "labs/01-demo/lab.toml",
        "id = \"01-demo\"\ntitle = \"Demo\"\ngoal = \"A start script.\"\nminutes = 5\nchapter = \"intro.md\"\n\n[[check]]\nrule = \"FILE001\"\nname = \"start.sh is there\"\n[check.params]\npath = \"start.sh\"\n",
    );
    write(
        &root,
        "labs/01-demo/README.md",
        "# Lab 01: Demo\n\nFix it.\n",
    );
    write(
        &root,
        "labs/01-demo/scenario/start.sh",
        "#!/bin/sh\necho broken\n",
    );
    write(&root, "labs/01-demo/scenario/notes.txt", "notes\n");
    write(
        &root,
        "labs/01-demo/solution/start.sh",
        "#!/bin/sh\necho the answer\n",
    );
    write(&root, "labs/01-demo/fixtures/case.toml", "x = 1\n");
    use std::os::unix::fs::PermissionsExt;
    let script = root.join("labs/01-demo/scenario/start.sh");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let checkers = dir.path().join("checkers");
    // Bytes that look like a program (an ELF header), as a browser sees a real checker.
    let binary = checkers.join("x86_64-unknown-linux-gnu/lab-01-check");
    std::fs::create_dir_all(binary.parent().unwrap()).unwrap();
    std::fs::write(
        &binary,
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    )
    .unwrap();
    std::fs::create_dir_all(checkers.join("aarch64-apple-darwin")).unwrap();
    dir
}
