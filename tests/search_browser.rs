//! A real headless Chromium opens a built page from `file://`, presses `/`, types a query,
//! and follows the first result with Enter.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::Command as CargoCommand;
use serde_json::json;
use support::{Browser, write};

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
    CargoCommand::cargo_bin("devoops")
        .unwrap()
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
    let start = format!("file://{}", site.join("labs/01-tarball.html").display());
    browser.open(&start);
    browser.wait_for("document.readyState === 'complete'");

    // "/" focuses the search box from anywhere on the page.
    browser.press("/", "Slash", 191, Some("/"));
    browser.wait_for("document.activeElement && document.activeElement.id === 'search-input'");
    assert_eq!(
        browser.eval("document.getElementById('search-input').value"),
        json!("")
    );

    browser.call("Input.insertText", json!({ "text": "cach lay" }));
    browser.wait_for("document.querySelectorAll('#search-results .search-result').length > 0");
    let first = browser.eval(
        "(() => { const a = document.querySelector('#search-results .search-result'); return [a.href, a.textContent]; })()",
    );
    let expected = format!(
        "file://{}",
        site.join("images.html#caching-layers").display()
    );
    assert_eq!(first[0], json!(expected), "{first}");
    let text = first[1].as_str().unwrap();
    assert!(text.contains("Images › Caching layers"), "{text}");
    assert!(
        text.contains("slow, rarely changing steps"),
        "teaser shown: {text}"
    );
    assert_eq!(
        browser.eval("document.querySelector('#search-results mark').textContent"),
        json!("layer"),
        "query words are marked in the teaser"
    );
    if let Some(dir) = std::env::var_os("DEVOOPS_SCREENSHOT") {
        browser.screenshot(&Path::new(&dir).join("search-results.png"));
    }

    browser.press("Enter", "Enter", 13, Some("\r"));
    browser.wait_for("location.href.endsWith('/images.html#caching-layers')");
    browser.wait_for("document.readyState === 'complete'");
    assert_eq!(
        browser.eval("document.querySelector('h2#caching-layers') !== null"),
        json!(true)
    );

    // "s" works too, and Escape closes the results.
    browser.press("s", "KeyS", 83, Some("s"));
    browser.wait_for("document.activeElement.id === 'search-input'");
    browser.call("Input.insertText", json!({ "text": "nothingmatchesthis" }));
    browser.wait_for("document.querySelector('#search-results .search-empty') !== null");
    browser.press("Escape", "Escape", 27, None);
    browser.wait_for("document.getElementById('search-results').hidden");
}
