//! Shared helpers for end-to-end tests.
#![allow(dead_code)] // each test binary uses its own part of these helpers

pub mod cdp;
pub mod static_server;

use std::path::{Path, PathBuf};

/// Builds the book in `book_dir` with the real `devoops` binary into a fresh temporary folder.
pub fn build_site(book_dir: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    let site = out.path().join("site");
    assert_cmd::Command::cargo_bin("devoops")
        .unwrap()
        .arg("build")
        .arg(book_dir)
        .arg("--dest-dir")
        .arg(&site)
        .assert()
        .success();
    out
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
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
