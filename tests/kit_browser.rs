//! A real headless Chromium opens a lab page of a built site from `file://`, follows the
//! download links of its "Get the lab" box, and the files it saves have the SHA-256 the page
//! shows next to them.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use sha2::{Digest, Sha256};
use support::cdp::Browser;
use support::{devoops, file_url};

/// Waits until `dir/name` is completely downloaded (Chromium writes `*.crdownload` first).
fn downloaded(dir: &Path, name: &str) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let done = dir.join(name);
        let partial = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
        if done.is_file() && !partial {
            return std::fs::read(done).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "{name} was not downloaded into {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_download_links_of_a_lab_page_give_files_with_the_checksum_shown() {
    let book = support::kit_book();
    let site = book.path().join("site");
    devoops()
        .args(["build", "-q", "-d"])
        .arg(&site)
        .arg("--checkers")
        .arg(book.path().join("checkers"))
        .arg(book.path().join("book"))
        .assert()
        .success();
    let downloads = tempfile::tempdir().unwrap();
    let mut browser = Browser::launch();
    browser.call(
        None,
        "Browser.setDownloadBehavior",
        json!({ "behavior": "allow", "downloadPath": downloads.path().to_str().unwrap() }),
    );
    let page = browser.open(&file_url(&site.join("labs/01-demo.html")));
    // Each row of the box: the link's file name, and the SHA-256 printed beside it.
    let rows = browser.eval(
        &page,
        "[...document.querySelectorAll('table tr')].filter(r => r.querySelector('code.sha256')).map(r => [r.querySelector('a').getAttribute('href'), r.querySelector('code.sha256').textContent])",
    );
    let rows = rows.as_array().unwrap();
    let hrefs: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(
        hrefs,
        [
            "../downloads/01-demo/01-demo.zip",
            "../downloads/01-demo/01-demo.tar.gz",
            "../downloads/checkers/x86_64-unknown-linux-gnu/lab-01-check",
        ],
        "the scenario twice, and the one platform the build was given"
    );
    for (i, row) in rows.iter().enumerate() {
        let (href, shown) = (row[0].as_str().unwrap(), row[1].as_str().unwrap());
        browser.eval(
            &page,
            &format!("document.querySelectorAll('table tr a[href]')[{i}].click()"),
        );
        let name = href.rsplit('/').next().unwrap();
        let bytes = downloaded(downloads.path(), name);
        let actual: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(actual, shown, "{href}");
    }
    browser.assert_no_errors();
}
