//! A real headless Chromium opens a built page from `file://`, presses `/`, types a query,
//! and follows the first result with Enter.

mod support;

use std::path::PathBuf;

use serde_json::json;
use support::cdp::Browser;
use support::{devoops, file_url, screenshot_path, write};

fn build_book() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "book.toml",
        "[book]\ntitle = \"Works on my machine\"\nsrc = \"content\"\n",
    );
    write(
        root,
        "content/SUMMARY.md",
        "# Summary\n\n- [Intro](intro.md)\n- [Images](images.md)\n- [Lab: tarball](labs/01-tarball.md)\n",
    );
    write(
        root,
        "content/intro.md",
        "# Intro\n\nIt works on my machine, said every developer ever.\n\n## Why ops cares\n\nSomeone has to run it at three in the morning.\n",
    );
    write(
        root,
        "content/images.md",
        "# Images\n\nA container image is a stack of layers.\n\n## Caching layers\n\nPut the slow, rarely changing steps first so the layer cache keeps them.\n\n```dockerfile\nFROM debian:12\nRUN apt-get install -y nginx\n```\n",
    );
    write(
        root,
        "content/labs/01-tarball.md",
        "# Lab: tarball\n\nShip the release as a tarball.\n",
    );
    let site = root.join("site");
    devoops()
        .args(["build", "-q", "-d"])
        .arg(&site)
        .arg(root)
        .assert()
        .success();
    (dir, site)
}

#[test]
fn typing_a_query_and_pressing_enter_opens_the_section() {
    let (_book, site) = build_book();
    let mut browser = Browser::launch();
    // A page one folder down, so the result link must climb back to the root.
    let page = browser.open(&file_url(&site.join("labs/01-tarball.html")));

    // "/" focuses the search box from anywhere on the page.
    browser.press(&page, "/");
    browser.wait_for(
        &page,
        "document.activeElement && document.activeElement.id === 'search-input'",
        "the search box to take the focus",
    );
    assert_eq!(
        browser.eval(&page, "document.getElementById('search-input').value"),
        json!("")
    );

    browser.type_text(&page, "cach lay");
    browser.wait_for(
        &page,
        "document.querySelectorAll('#search-results .search-result').length > 0",
        "results",
    );
    let first = browser.eval(
        &page,
        "(() => { const a = document.querySelector('#search-results .search-result'); return [a.href, a.textContent]; })()",
    );
    let expected = file_url(&site.join("images.html#caching-layers"));
    assert_eq!(first[0], json!(expected), "{first}");
    let text = first[1].as_str().unwrap();
    assert!(text.contains("Images › Caching layers"), "{text}");
    assert!(
        text.contains("slow, rarely changing steps"),
        "teaser shown: {text}"
    );
    assert_eq!(
        browser.eval(
            &page,
            "document.querySelector('#search-results mark').textContent"
        ),
        json!("layer"),
        "query words are marked in the teaser"
    );
    browser.screenshot(&page, &screenshot_path("search-results.png"));

    browser.press(&page, "Enter");
    browser.wait_for(
        &page,
        "location.href.endsWith('/images.html#caching-layers') && document.readyState === 'complete'",
        "the result's page",
    );
    assert_eq!(
        browser.eval(
            &page,
            "document.querySelector('h2#caching-layers') !== null"
        ),
        json!(true)
    );

    // "s" works too, and Escape closes the results.
    browser.press(&page, "s");
    browser.wait_for(
        &page,
        "document.activeElement.id === 'search-input'",
        "the search box to take the focus",
    );
    browser.type_text(&page, "nothingmatchesthis");
    browser.wait_for(
        &page,
        "document.querySelector('#search-results .search-empty') !== null",
        "the no-results message",
    );
    browser.press(&page, "Escape");
    browser.wait_for(
        &page,
        "document.getElementById('search-results').hidden",
        "the results to close",
    );
    browser.assert_no_errors();
}
