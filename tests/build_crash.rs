//! `kill -9` at any moment of `devoops build` leaves a complete site, old or new, and the next
//! build recovers. The moments inside the swap are reached with the build's own fault hook
//! (`DEVOOPS_TEST_KILL_AT`, see `src/site/fault.rs`); the others by killing from outside.
#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{copy_tree, devoops, fixture_dir};

fn site(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

struct Scene {
    tmp: tempfile::TempDir,
    book: PathBuf,
    old: BTreeMap<PathBuf, Vec<u8>>,
    new: BTreeMap<PathBuf, Vec<u8>>,
}

impl Scene {
    /// A book built once into `out/`, then edited: the old and new sites, for comparison.
    fn new() -> Scene {
        let tmp = tempfile::tempdir().unwrap();
        let book = tmp.path().join("book");
        copy_tree(&fixture_dir("mdbook-basic"), &book);
        let build = |dest: &str| {
            devoops()
                .arg("build")
                .arg(&book)
                .arg("-d")
                .arg(tmp.path().join(dest))
                .assert()
                .success();
        };
        build("old");
        std::fs::write(book.join("src/code.md"), "# Rewritten\n\nNew text.\n").unwrap();
        build("new");
        let old = site(&tmp.path().join("old"));
        let new = site(&tmp.path().join("new"));
        assert_ne!(old, new);
        std::fs::rename(tmp.path().join("old"), tmp.path().join("out")).unwrap();
        std::fs::remove_dir_all(tmp.path().join("new")).unwrap();
        Scene {
            tmp,
            book,
            old,
            new,
        }
    }

    fn out(&self) -> PathBuf {
        self.tmp.path().join("out")
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("devoops"));
        cmd.arg("build")
            .arg(&self.book)
            .arg("-d")
            .arg(self.out())
            .arg("-q");
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        cmd
    }

    fn assert_complete(&self, when: &str) {
        let now = site(&self.out());
        assert!(
            now == self.old || now == self.new,
            "{when}: a partial site: {:?}",
            now.keys().collect::<Vec<_>>()
        );
    }

    /// The next build succeeds, gives the new site and leaves nothing beside it.
    fn assert_recovers(&self, when: &str) {
        let status = self.command().status().unwrap();
        assert!(status.success(), "{when}: the next build failed");
        assert!(site(&self.out()) == self.new, "{when}: not the new site");
        let names = self.leftovers();
        assert!(names.is_empty(), "{when}: left behind {names:?}");
    }

    /// Everything beside the book and the site: what a build left behind.
    fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "book" && n != "out")
            .collect()
    }
}

#[test]
fn a_kill_at_each_moment_of_the_swap_leaves_a_complete_site() {
    for moment in ["staged", "mid-swap", "swapped", "removing"] {
        let scene = Scene::new();
        let status = scene
            .command()
            .env("DEVOOPS_TEST_KILL_AT", moment)
            .status()
            .unwrap();
        assert_eq!(status.signal(), Some(9), "{moment}: the hook did not fire");
        if moment == "mid-swap" {
            // Between the two renames of the fallback swap there is no site until the next
            // build puts the backup back.
            assert!(!scene.out().exists());
        } else {
            scene.assert_complete(moment);
        }
        scene.assert_recovers(moment);
    }
}

#[test]
fn a_kill_from_outside_at_any_time_leaves_a_complete_site() {
    let scene = Scene::new();
    for delay_ms in [0, 5, 15, 30, 60, 120, 250] {
        let mut child = scene.command().spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        scene.assert_complete(&format!("killed after {delay_ms} ms"));
    }
    scene.assert_recovers("after the kills");
}

#[test]
fn ctrl_c_removes_the_staging_folder_and_keeps_the_old_site() {
    let scene = Scene::new();
    for delay_ms in [20, 60, 150] {
        let mut child = scene.command().spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let pid = rustix::process::Pid::from_child(&child);
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
        let _ = child.wait();
        let when = format!("Ctrl-C after {delay_ms} ms");
        scene.assert_complete(&when);
        let staging: Vec<_> = std::fs::read_dir(scene.tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".building-") || n.contains(".old-"))
            .collect();
        assert!(staging.is_empty(), "{when}: left behind {staging:?}");
    }
}

#[test]
fn ctrl_c_ends_a_build_busy_rendering_within_seconds() {
    let scene = Scene::new();
    // One long chapter: rendering it writes nothing for a while, so the build cannot notice
    // the stop at a write; the grace period ends it.
    let long = "## Example\n\nText.\n\n".repeat(20_000);
    std::fs::write(scene.book.join("src/code.md"), format!("# Long\n\n{long}")).unwrap();
    let mut child = scene.command().spawn().unwrap();
    let staged = || {
        std::fs::read_dir(scene.tmp.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".building-")
        })
    };
    let started = std::time::Instant::now();
    while !staged() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = rustix::process::Pid::from_child(&child);
    let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
    let signalled = std::time::Instant::now();
    let status = child.wait().unwrap();
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "{:?}",
        signalled.elapsed()
    );
    if !status.success() {
        let names = scene.leftovers();
        assert!(names.is_empty(), "left behind {names:?}");
        assert!(site(&scene.out()) == scene.old, "the old site is intact");
    }
}
