//! Search index round trip: build a book with the CLI, then run the site's own `js/search.js`
//! against the site's own `searchindex.js` in Node, the same code the browser runs.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::{devoops, write};

fn build_book() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "book.toml",
        "[book]\ntitle = \"Search\"\nsrc = \"content\"\n",
    );
    write(
        root,
        "content/SUMMARY.md",
        "# Summary\n\n- [Intro](intro.md)\n- [Images](images.md)\n- [Lab: tarball](labs/01-tarball.md)\n",
    );
    write(
        root,
        "content/intro.md",
        "# Intro\n\nWorks on my machine: the classic excuse.\n\n## Why ops cares\n\nBecause a tarball thrown over the wall still needs someone to run it.\n",
    );
    write(
        root,
        "content/images.md",
        "# Images\n\nA container image is layers.\n\n## Caching layers\n\nOrder the Dockerfile so that slow steps are cached.\n\n```dockerfile\nFROM debian:12\nRUN apt-get install -y nginx\n```\n\n## Caching layers\n\nThe second heading of the same name gets its own anchor.\n\n## Ünïcode heading\n\nSchlüsselwörter zählen.\n\n## Custom anchor {#pinned}\n\nQuarantined flaky tests.\n",
    );
    write(
        root,
        "content/labs/01-tarball.md",
        "# Lab: tarball\n\nShip the release as a tarball and write down every step.\n",
    );
    let out = root.join("site");
    devoops()
        .args(["build", "-q", "-d"])
        .arg(&out)
        .arg(root)
        .assert()
        .success();
    dir
}

/// Runs a query through the site's search.js in Node and returns `[path, heading]` per result.
fn query(site: &Path, text: &str) -> Vec<(String, String)> {
    let script = format!(
        "globalThis.window = globalThis;\n\
         require({index});\n\
         const s = require({search});\n\
         console.log(JSON.stringify(s.search(window.devoopsSearchIndex, {text}).map(r => [r.path, r.heading])));",
        index = serde_json::to_string(&site.join("searchindex.js")).unwrap(),
        search = serde_json::to_string(&site.join("js/search.js")).unwrap(),
        text = serde_json::to_string(text).unwrap(),
    );
    let output = Command::new("node")
        .arg("-e")
        .arg(script)
        .output()
        .expect("this test runs the site's search script in Node: install nodejs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn queries_find_the_right_page_and_anchor() {
    let book = build_book();
    let site = book.path().join("site");
    assert!(site.join("searchindex.js").is_file());

    // Title beats body: the lab page's title, then the intro's body.
    let hits = query(&site, "tarball");
    assert_eq!(hits[0].0, "labs/01-tarball.html");
    assert!(
        hits.iter().any(|h| h.0 == "intro.html#why-ops-cares"),
        "{hits:?}"
    );

    // Prefix matching, all words required, the section's anchor.
    let hits = query(&site, "cach layer");
    assert_eq!(
        hits[0],
        ("images.html#caching-layers".into(), "Caching layers".into())
    );
    assert_eq!(hits[1].0, "images.html#caching-layers-1");

    // Code is searchable; Unicode words and custom anchors survive the trip.
    assert_eq!(query(&site, "nginx")[0].0, "images.html#caching-layers");
    assert_eq!(
        query(&site, "schlüsselwörter")[0].0,
        "images.html#ünïcode-heading"
    );
    assert_eq!(query(&site, "quarantined")[0].0, "images.html#pinned");

    // Stop words alone fall back to themselves and find nothing indexed; nonsense finds nothing.
    assert!(query(&site, "zzzz").is_empty());
    assert!(query(&site, "the").is_empty());
}

#[test]
fn every_page_carries_the_search_box_and_script() {
    let book = build_book();
    let site = book.path().join("site");
    for page in [
        "intro.html",
        "labs/01-tarball.html",
        "print.html",
        "404.html",
    ] {
        let html = fs::read_to_string(site.join(page)).unwrap();
        assert!(html.contains("id=\"search-input\""), "{page}");
        assert!(html.contains("js/search.js\""), "{page}");
    }
    let lab = fs::read_to_string(site.join("labs/01-tarball.html")).unwrap();
    assert!(lab.contains("src=\"../js/search.js\""));
}

/// The browser's decoder reads what the Rust encoder writes, in both of its forms.
#[test]
fn the_script_decodes_what_the_encoder_writes() {
    use devoops::search::encode::{BODY, HEADING, TITLE, decode_postings, postings};
    let cases: Vec<(Vec<(u32, u32)>, usize)> = vec![
        (
            vec![(0, BODY), (7, HEADING), (40, TITLE), (100_000, BODY)],
            200_000,
        ),
        (
            (0..90).filter(|s| s % 4 != 3).map(|s| (s, BODY)).collect(),
            100,
        ),
        (
            vec![(3, BODY), (4, TITLE), (5, BODY), (6, BODY), (9, HEADING)],
            12,
        ),
        (vec![(2, TITLE)], 5),
    ];
    let encoded: Vec<String> = cases
        .iter()
        .map(|(hits, sections)| {
            let mut text = String::new();
            postings(hits, *sections, &mut text);
            assert_eq!(&decode_postings(&text), hits);
            text
        })
        .collect();
    assert!(encoded[1].starts_with('!') && !encoded[0].starts_with('!'));
    let book = build_book();
    let script = format!(
        "const s = require({search});\n\
         console.log(JSON.stringify({encoded}.map(t => {{ const d = s.decode(t), out = [];\n\
           for (let i = 0; i < d.length; i += 2) out.push([d[i], d[i + 1]]);\n\
           return out.sort((a, b) => a[0] - b[0]); }})));",
        search = serde_json::to_string(&book.path().join("site/js/search.js")).unwrap(),
        encoded = serde_json::to_string(&encoded).unwrap(),
    );
    let output = Command::new("node").arg("-e").arg(script).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let decoded: Vec<Vec<(u32, u32)>> = serde_json::from_slice(&output.stdout).unwrap();
    let expected: Vec<Vec<(u32, u32)>> = cases.into_iter().map(|(hits, _)| hits).collect();
    assert_eq!(decoded, expected);
}
