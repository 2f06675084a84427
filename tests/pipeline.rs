//! The pipeline's steps as a library: each chapter's text is scanned once per full build, and
//! once per save in `serve`, however many pages (handbook page, deck, presenter page, print
//! page, whole-talk deck, search index) are made from it.
//!
//! One test in this binary on purpose: the scan counter is per process, and tests of one
//! binary run in parallel.

mod support;

use std::collections::BTreeSet;
use std::time::Instant;

use devoops::book::blocks::scans;
use devoops::serve::derived::assemble_again;
use devoops::serve::rebuild::Builder;
use support::write;

const CHAPTERS: usize = 6;

#[test]
fn each_chapter_is_scanned_once_per_build_and_once_per_save() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    write(
        &root,
        "book.toml",
        "[book]\ntitle = \"Count\"\nsrc = \"content\"\n",
    );
    let mut summary = String::from("# Summary\n\n");
    for n in 0..CHAPTERS {
        summary.push_str(&format!("- [C{n}](c{n}.md)\n"));
        write(
            &root,
            &format!("content/c{n}.md"),
            &format!(
                "+++\nminutes = 2\n+++\n# C{n}\n\nText.\n\n::: notes\nSay {n}.\n:::\n\n---\n\n## More\n\n```rust\nfn c{n}() {{}}\n```\n"
            ),
        );
    }
    write(&root, "content/SUMMARY.md", &summary);

    // `devoops build`: load, render, assemble, write.
    let dest = root.join("site");
    let before = scans();
    let options = devoops::build::BuildOptions::default();
    let report = devoops::build::build_with(&root, Some(&dest), &|_, _| {}, options).unwrap();
    assert_eq!(report.pages.len(), CHAPTERS);
    assert_eq!(scans() - before, CHAPTERS, "one scan per chapter per build");
    for file in [
        "slides/index.html",
        "slides/c3.presenter.html",
        "print.html",
    ] {
        assert!(dest.join(file).is_file(), "{file}");
    }

    // `devoops check-links` assembles the same site without writing it.
    let before = scans();
    let links = devoops::build::check_links(&root).unwrap();
    assert!(links.broken.is_empty(), "{:?}", links.broken);
    assert_eq!(scans() - before, CHAPTERS);

    // `devoops serve`: a full build into memory, then one save.
    let mut builder = Builder::new(root.clone());
    let before = scans();
    let full = builder.full().unwrap();
    assert_eq!(scans() - before, CHAPTERS);
    write(
        &root,
        "content/c2.md",
        "+++\nminutes = 2\n+++\n# C2\n\nEdited text.\n\n---\n\nA new slide.\n\n---\n\n## More\n",
    );
    let before = scans();
    let plan = builder.plan(&BTreeSet::from([root.join("content/c2.md")]));
    assert_eq!(plan.chapters, BTreeSet::from([2]));
    let mut written = Vec::new();
    builder
        .rebuild_chapters(&plan.chapters, &full.site, &mut |paths| written = paths)
        .unwrap();
    assert_eq!(written, ["c2.html"]);
    // The pages made of every chapter follow from the kept chapters, without a scan.
    let job = builder.derived_job(&full.site, Instant::now()).unwrap();
    let changed = assemble_again(&job).unwrap();
    assert_eq!(
        scans() - before,
        1,
        "one scan for the saved chapter, none after"
    );
    for path in [
        "print.html",
        "slides/c2.html",
        "slides/index.html",
        "searchindex.js",
    ] {
        assert!(changed.iter().any(|c| c == path), "{path} in {changed:?}");
    }
    // A later chapter's deck points at its place in the whole talk, which moved.
    assert!(changed.iter().any(|c| c == "slides/c4.html"), "{changed:?}");
    assert!(!changed.iter().any(|c| c == "c4.html"), "{changed:?}");
    let print = String::from_utf8(full.site.get("print.html").unwrap().to_vec()).unwrap();
    assert!(print.contains("Edited text."));
}
