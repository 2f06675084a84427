//! `devoops check-links` and `devoops build --strict` on small books written to a temp folder.

mod support;

use std::fs;

use predicates::prelude::*;
use support::{devoops, write};

/// A book whose links are all fine, with a lab page as an extra chapter under `labs/`.
fn good_book() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "book.toml",
        "[book]\ntitle = \"Links\"\nsrc = \"content\"\n\n[devoops]\n",
    );
    write(
        root,
        "content/SUMMARY.md",
        "# Summary\n\n- [Intro](intro.md)\n- [Setup](setup/README.md)\n- [Lab: tarball](labs/01-tarball.md)\n",
    );
    write(
        root,
        "content/intro.md",
        "# Intro\n\nRead [the setup](setup/README.md#install-docker), then [below](#why).\n\n## Why\n\n![diagram](img/flow.svg) and [docs](https://docs.docker.com/).\n",
    );
    write(
        root,
        "content/setup/README.md",
        "# Setup\n\n## Install Docker\n\nBack to [the intro](../intro.md#why) or [the lab](../labs/01-tarball.md).\n",
    );
    write(
        root,
        "content/labs/01-tarball.md",
        "# Lab: tarball\n\nStart from [the intro](../intro.md) and [install](../setup/#install-docker).\n",
    );
    write(
        root,
        "content/img/flow.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    dir
}

#[test]
fn a_book_with_good_links_passes_and_lists_external_ones() {
    let book = good_book();
    devoops()
        .args(["check-links"])
        .arg(book.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("https://docs.docker.com/"))
        .stdout(predicate::str::contains(
            "intro.md:7: https://docs.docker.com/",
        ))
        .stdout(predicate::str::contains("0 broken"));
}

#[test]
fn missing_page_and_missing_anchor_are_reported_with_file_and_line() {
    let book = good_book();
    write(
        book.path(),
        "content/intro.md",
        "# Intro\n\nSee [nothing](nowhere.md).\n\nAnd [setup](setup/README.md#install-podman).\n\nAnd [here](#nope).\n\n## Why\n",
    );
    devoops()
        .args(["check-links"])
        .arg(book.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "content/intro.md:3:5: broken link `nowhere.md`: no chapter `nowhere.md` in SUMMARY.md",
        ))
        .stderr(predicate::str::contains(
            "content/intro.md:5:5: broken link `setup/README.md#install-podman`: setup/index.html has no anchor `#install-podman`",
        ))
        .stderr(predicate::str::contains("did you mean `#install-docker`?"))
        .stderr(predicate::str::contains(
            "content/intro.md:7:5: broken link `#nope`: intro.html has no anchor `#nope`",
        ))
        .stderr(predicate::str::contains("3 broken link(s)"));
}

#[test]
fn links_from_a_lab_page_resolve_from_labs() {
    let book = good_book();
    write(
        book.path(),
        "content/labs/01-tarball.md",
        "# Lab: tarball\n\nFine: [intro](../intro.md#why).\nBroken: [intro](intro.md) and [other lab](02-dockerfile.md).\n",
    );
    devoops()
        .args(["check-links"])
        .arg(book.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "content/labs/01-tarball.md:4:9: broken link `intro.md`: no chapter `labs/intro.md` in SUMMARY.md",
        ))
        .stderr(predicate::str::contains(
            "content/labs/01-tarball.md:4:31: broken link `02-dockerfile.md`: no chapter `labs/02-dockerfile.md`",
        ))
        .stderr(predicate::str::contains("2 broken link(s)"));
}

#[test]
fn a_summary_entry_without_a_file_names_its_line() {
    let book = good_book();
    write(
        book.path(),
        "content/SUMMARY.md",
        "# Summary\n\n- [Intro](intro.md)\n- [Gone](gone.md)\n",
    );
    assert_check_links_fails(book.path(), &["SUMMARY.md:4", "gone.md"]);
}

/// `build --strict` into `dir/site`, which must succeed; returns the site's folder.
fn strict_build(dir: &std::path::Path) -> std::path::PathBuf {
    let dest = dir.join("site");
    devoops()
        .args(["build", "--strict", "-d"])
        .arg(&dest)
        .arg(dir)
        .assert()
        .success();
    dest
}

/// `check-links` fails, naming each of `needles` in its errors.
fn assert_check_links_fails(dir: &std::path::Path, needles: &[&str]) {
    let assert = devoops().args(["check-links"]).arg(dir).assert().failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for needle in needles {
        assert!(stderr.contains(needle), "expected `{needle}` in:\n{stderr}");
    }
}

#[test]
fn strict_build_fails_and_keeps_the_previous_site() {
    let book = good_book();
    let dest = strict_build(book.path());
    assert!(dest.join("labs/01-tarball.html").is_file());
    let before = fs::read_to_string(dest.join("intro.html")).unwrap();

    write(
        book.path(),
        "content/intro.md",
        "# Intro changed\n\nSee [the lab](labs/01-tarball.md#no-such-step).\n\n## Why\n",
    );
    devoops()
        .args(["build", "--strict", "-d"])
        .arg(&dest)
        .arg(book.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "content/intro.md:3:5: broken link `labs/01-tarball.md#no-such-step`: labs/01-tarball.html has no anchor `#no-such-step`",
        ));
    assert_eq!(fs::read_to_string(dest.join("intro.html")).unwrap(), before);

    // Without --strict the same book builds, and the broken link is a warning.
    devoops()
        .args(["build", "-d"])
        .arg(&dest)
        .arg(book.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("warning:"))
        .stderr(predicate::str::contains("no-such-step"));
    assert!(
        fs::read_to_string(dest.join("intro.html"))
            .unwrap()
            .contains("Intro changed")
    );
}

/// A real lab of this repository as a page of a small book: its links (written in repository
/// space in the README, rewritten to site space on the page) must reach the chapter it
/// practises.
#[test]
fn a_real_lab_page_links_to_its_chapter() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    support::copy_tree(&repo.join("labs/01-tarball"), &root.join("labs/01-tarball"));
    write(
        root,
        "book.toml",
        "[book]\ntitle = \"Labs\"\nsrc = \"content\"\n",
    );
    write(
        root,
        "content/SUMMARY.md",
        "# Summary\n\n- [Intro](intro.md)\n",
    );
    write(
        root,
        "content/intro.md",
        "# Intro\n\nDo [the lab](labs/01-tarball.md).\n",
    );
    devoops()
        .args(["check-links"])
        .arg(root)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "labs/01-tarball/README.md:3:49: broken link `../tarball.md`: no chapter `tarball.md` in SUMMARY.md",
        ));

    write(
        root,
        "content/SUMMARY.md",
        "# Summary\n\n- [Intro](intro.md)\n- [Here's a tarball](tarball.md)\n",
    );
    write(root, "content/tarball.md", "# Here's a tarball\n");
    devoops()
        .args(["check-links"])
        .arg(root)
        .assert()
        .success()
        .stdout(predicate::str::contains("0 broken"));
}

/// The workshop itself: every chapter link, anchor and chapter→lab link resolves, both ways.
#[test]
fn every_link_of_the_workshop_resolves() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let assert = devoops().args(["check-links"]).arg(repo).assert().success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains(" 0 broken"), "{stdout}");
    for chapter in ["tarball", "dev-vs-prod", "failed-kubernetes", "linux-ha"] {
        let text = std::fs::read_to_string(repo.join(format!("content/{chapter}.md"))).unwrap();
        assert!(text.contains("labs/0"), "{chapter}.md links to its lab");
    }
}

#[test]
fn links_to_decks_presenter_pages_and_the_print_page_pass_strict_checks() {
    let book = good_book();
    write(
        book.path(),
        "content/intro.md",
        "# Intro\n\nThe [deck](slides/intro.html), its [presenter view](slides/intro.presenter.html), \
         the [whole talk](slides/index.html), the [lab's deck](slides/labs/01-tarball.html) and \
         [everything on one page](print.html).\n\n## Why\n\nBecause.\n",
    );
    devoops()
        .args(["check-links"])
        .arg(book.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("0 broken"));
    let dest = strict_build(book.path());
    for built in [
        "slides/intro.html",
        "slides/intro.presenter.html",
        "slides/index.html",
        "slides/labs/01-tarball.html",
        "print.html",
    ] {
        assert!(dest.join(built).is_file(), "{built} is linked and built");
    }
    // A deck the site does not have is still a broken link.
    write(
        book.path(),
        "content/intro.md",
        "# Intro\n\nThe [deck](slides/nope.html).\n",
    );
    assert_check_links_fails(book.path(), &["intro.md:3:", "slides/nope.html"]);
}
