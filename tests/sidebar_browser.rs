//! A large book loads its chapter list from one shared `toc.js` instead of repeating it in
//! every page. In Chromium, from `file://`, the list must appear, link correctly from a page
//! in a sub-folder, and mark the current page.

mod support;

use std::fmt::Write as _;
use std::fs;

use serde_json::json;
use support::cdp::Browser;
use support::{devoops, file_url, write};

#[test]
fn a_large_book_shares_its_sidebar_and_marks_the_current_page() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "book.toml",
        "[book]\ntitle = \"Large\"\nsrc = \"content\"\n",
    );
    let mut summary = String::from("# Summary\n\n");
    for part in 0..20 {
        writeln!(
            summary,
            "- [Part {part} with a long enough title](part{part}/README.md)"
        )
        .unwrap();
        write(
            root,
            &format!("content/part{part}/README.md"),
            &format!("# Part {part}\n"),
        );
        for page in 0..20 {
            writeln!(
                summary,
                "  - [Chapter {part}.{page}: a descriptive title](part{part}/page{page}.md)"
            )
            .unwrap();
            write(
                root,
                &format!("content/part{part}/page{page}.md"),
                &format!("# Chapter {part}.{page}\n\nText.\n"),
            );
        }
    }
    write(root, "content/SUMMARY.md", &summary);
    let site = root.join("site");
    devoops()
        .args(["build", "-q", "-d"])
        .arg(&site)
        .arg(root)
        .assert()
        .success();

    let page = fs::read_to_string(site.join("part7/page3.html")).unwrap();
    assert!(page.contains("<script src=\"../toc.js\"></script>"));
    assert!(
        !page.contains("Chapter 12.9: a descriptive title"),
        "the list is not inlined"
    );
    assert!(
        fs::read_to_string(site.join("toc.html"))
            .unwrap()
            .contains("href=\"part7/page4.html\"")
    );

    let mut browser = Browser::launch();
    let tab = browser.open(&file_url(&site.join("part7/page3.html")));
    assert_eq!(
        browser.eval(
            &tab,
            "document.querySelectorAll('#sidebar .chapter-item a').length"
        ),
        json!(420)
    );
    let current = browser.eval(
        &tab,
        "document.querySelector('#sidebar a[aria-current=page]').href",
    );
    assert_eq!(current, json!(file_url(&site.join("part7/page3.html"))));
    let first = browser.eval(
        &tab,
        "document.querySelector('#sidebar .chapter-item a').href",
    );
    assert_eq!(first, json!(file_url(&site.join("part0/index.html"))));
    browser.assert_no_errors();
}
