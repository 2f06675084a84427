//! Books that try to hang, exhaust or leak through `devoops build`: each ends with a clear
//! error naming file:line (or a warning), never a hang, a crash or a stack overflow.
#![cfg(unix)]

mod support;

use std::path::Path;
use std::time::Duration;

use support::{devoops, write};

fn book(dir: &Path, summary: &str) {
    write(
        dir,
        "book.toml",
        "[book]\ntitle = \"Hostile\"\nsrc = \"content\"\n",
    );
    write(dir, "content/SUMMARY.md", summary);
}

fn failing_build(dir: &Path) -> String {
    let out = devoops()
        .arg("build")
        .arg(dir)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("overflow"),
        "{stderr}"
    );
    assert!(stderr.contains("help:"), "{stderr}");
    stderr
}

#[test]
fn a_summary_nested_twenty_thousand_levels_deep_is_an_error_at_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    book(
        tmp.path(),
        &format!("# Summary\n\n{}[x](x.md)\n", "- ".repeat(20_000)),
    );
    write(tmp.path(), "content/x.md", "# X\n");
    let stderr = failing_build(tmp.path());
    assert!(stderr.contains("SUMMARY.md:3"), "{stderr}");
    assert!(stderr.contains("nest deeper than"), "{stderr}");
}

#[test]
fn includes_of_devices_and_pipes_are_refused_and_outside_files_are_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("book");
    book(&root, "# Summary\n\n- [A](a.md)\n");
    for special in ["/dev/zero", "/dev/urandom"] {
        write(
            &root,
            "content/a.md",
            &format!("# A\n\n{{{{#include {special}}}}}\n"),
        );
        let stderr = failing_build(&root);
        assert!(stderr.contains("a.md:3"), "{stderr}");
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
    let fifo = root.join("content/pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    write(&root, "content/a.md", "# A\n\n{{#include pipe}}\n");
    assert!(failing_build(&root).contains("not a regular file"));
    std::fs::remove_file(&fifo).unwrap();

    std::fs::write(tmp.path().join("secret.env"), "TOKEN=hunter2\n").unwrap();
    write(
        &root,
        "content/a.md",
        "# A\n\n```\n{{#include ../../secret.env}}\n```\n",
    );
    let out = devoops().arg("build").arg(&root).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("outside the book's folder"), "{stderr}");
    assert!(stderr.contains("secret.env"), "{stderr}");
}
