//! mdBook compatibility: small books, one per construct mdBook books use, built by the real
//! `devoops build` and checked for what mdBook would have produced.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::{copy_fixture, devoops, read};

/// Builds `tests/fixtures/compat/<name>` in a temporary copy; returns the copy, the output
/// folder and the build's stderr (its warnings).
fn build(name: &str) -> (tempfile::TempDir, PathBuf, String) {
    let book = copy_fixture(&format!("compat/{name}"));
    let (site, stderr) = run_build(book.path());
    (book, site, stderr)
}

/// `devoops build DIR`, which must succeed: the site and the build's stderr.
fn run_build(dir: &Path) -> (PathBuf, String) {
    let out = devoops()
        .arg("build")
        .arg(dir)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("devoops runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{} failed to build:\n{stderr}",
        dir.display()
    );
    (dir.join("book"), stderr)
}

fn page(site: &Path, path: &str) -> String {
    read(&site.join(path))
}

/// A small mdBook book from `(path, text)` pairs (`src/SUMMARY.md` lists `src/a.md` unless
/// given), built by devoops: the folder, the site and the build's stderr.
fn build_book(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut all: Vec<(&str, &str)> = vec![
        ("book.toml", "[book]\ntitle = \"Construct\"\n"),
        ("src/SUMMARY.md", "# Summary\n\n- [A](a.md)\n"),
        ("src/a.md", "# A\n"),
    ];
    for file in files {
        all.retain(|(path, _)| *path != file.0);
        all.push(*file);
    }
    for (path, text) in all {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (site, stderr) = run_build(dir.path());
    (dir, site, stderr)
}

/// The chapter body of `a.html`.
fn chapter(site: &Path) -> String {
    let html = page(site, "a.html");
    let start = html.find("<article").expect("article");
    let end = html.find("</article>").expect("article ends");
    html[start..end].to_string()
}

#[test]
fn code_that_hangs_syntect_builds_highlighted_and_quickly() {
    let started = Instant::now();
    let (_book, site, stderr) = build("highlight-hangers");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    let html = page(&site, "scripts.html");
    assert!(
        html.contains("hl-numeric hl-js\">1</span> <span class=\"hl-comment"),
        "js not highlighted: {html}"
    );
    assert!(!stderr.contains("stuck"), "{stderr}");
}

/// `page <path>` for every HTML page of a built site and `link <page> <href>` for every link in
/// a chapter's content: the facts `tests/support/mdbook_expectation.py` records from mdBook.
fn site_facts(site: &Path) -> Vec<String> {
    let mut facts = Vec::new();
    for path in support::list_files(site) {
        if !path.ends_with(".html") {
            continue;
        }
        facts.push(format!("page {path}"));
        if ["print.html", "toc.html", "404.html"].contains(&path.as_str()) {
            continue;
        }
        let html = page(site, &path);
        let Some(start) = html.find("<article") else {
            continue;
        };
        let end = html[start..]
            .find("</article>")
            .map_or(html.len(), |e| start + e);
        let mut links: Vec<String> = anchor_hrefs(&html[start..end])
            .into_iter()
            .map(|href| {
                href.replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&")
            })
            .collect();
        links.sort();
        links.dedup();
        facts.extend(links.into_iter().map(|href| format!("link {path} {href}")));
    }
    facts.sort();
    facts
}

/// The `href` of every `<a>` tag in `html`.
fn anchor_hrefs(html: &str) -> Vec<&str> {
    html.match_indices("<a ")
        .filter_map(|(at, _)| {
            let tag = &html[at..at + html[at..].find('>')?];
            let start = tag.find(" href=\"")? + 7;
            let len = tag[start..].find('"')?;
            Some(&tag[start..start + len])
        })
        .collect()
}

/// What mdBook has and devoops lacks, and the other way round.
fn differences(expected: &[String], actual: &[String]) -> (Vec<String>, Vec<String>) {
    let missing = expected
        .iter()
        .filter(|f| !actual.contains(f))
        .cloned()
        .collect();
    let extra = actual
        .iter()
        .filter(|f| !expected.contains(f))
        .cloned()
        .collect();
    (missing, extra)
}

#[test]
fn mdbooks_own_guide_builds_with_the_pages_and_links_mdbook_makes() {
    let book = copy_fixture("mdbook-guide");
    let (_, stderr) = run_build(book.path());
    assert!(!stderr.contains("error"), "{stderr}");
    let expected: Vec<String> = read(&book.path().join("expected-by-mdbook.txt"))
        .lines()
        .map(str::to_string)
        .collect();
    let actual = site_facts(&book.path().join("book"));
    let (missing, extra) = differences(&expected, &actual);
    let pages = |facts: &[String]| -> Vec<String> {
        facts
            .iter()
            .filter(|f| f.starts_with("page "))
            .cloned()
            .collect()
    };
    assert_eq!(
        pages(&missing),
        Vec::<String>::new(),
        "pages mdBook makes and devoops does not"
    );
    assert_eq!(
        pages(&extra),
        Vec::<String>::new(),
        "pages devoops makes and mdBook does not"
    );
    assert_eq!(
        missing,
        Vec::<String>::new(),
        "links mdBook makes and devoops does not"
    );
    assert_eq!(
        extra,
        Vec::<String>::new(),
        "links devoops makes and mdBook does not"
    );
}

#[test]
fn rust_hidden_lines_are_hidden_with_a_toggle_and_double_hash_is_undone() {
    let (_dir, site, _) = build_book(&[(
        "src/a.md",
        "# A\n\n```rust\n# fn main() {\nlet x = 1;\n## not_hidden!();\n# }\n```\n",
    )]);
    let body = chapter(&site);
    assert!(body.contains("hide-boring"), "{body}");
    assert!(body.contains("<span class=\"boring\">"), "{body}");
    assert!(!body.contains("# fn main"), "the marker is gone: {body}");
    assert!(!body.contains("##"), "`##` shows as `#`: {body}");
    assert!(page(&site, "js/book.js").contains("Show hidden lines"));
    assert!(page(&site, "css/main.css").contains(".hide-boring .boring"));
}

#[test]
fn configured_hidelines_hide_other_languages() {
    let (_dir, site, stderr) = build_book(&[
        (
            "book.toml",
            "[book]\ntitle = \"T\"\n[output.html.code.hidelines]\npython = \"~\"\n",
        ),
        ("src/a.md", "```python\n~import os\nprint(os.name)\n```\n"),
    ]);
    let body = chapter(&site);
    assert!(body.contains("<span class=\"boring\">"), "{body}");
    assert!(!body.contains('~'), "{body}");
    assert!(!stderr.contains("hidelines"), "{stderr}");
}

#[test]
fn smart_punctuation_is_on_and_changes_heading_ids_as_in_mdbook() {
    let (_dir, site, _) =
        build_book(&[("src/a.md", "## Don't -- stop\n\nWait... \"yes\" --- no\n")]);
    let body = chapter(&site);
    assert!(body.contains("id=\"dont--stop\""), "{body}");
    assert!(body.contains("Wait… “yes” — no"), "{body}");
}

#[test]
fn redirects_and_cname_are_written() {
    let (_dir, site, _) = build_book(&[(
        "book.toml",
        "[book]\ntitle = \"T\"\n[output.html]\ncname = \"book.example.org\"\n\
         [output.html.redirect]\n\"/old/place.html\" = \"../a.html\"\n",
    )]);
    let old = page(&site, "old/place.html");
    assert!(old.contains("URL=../a.html"), "{old}");
    assert_eq!(page(&site, "CNAME"), "book.example.org\n");
}

#[test]
fn include_problems_warn_and_the_build_goes_on() {
    let (_dir, site, stderr) = build_book(&[
        (
            "src/a.md",
            "Write `{{#include}}` like this.\n\n{{#include missing.rs}}\n\n{{#include ex.rs:nope}}\n\n{{#playground ex.rs editable}}\n\n```rust\n{{#include ex.rs}}\n```\n",
        ),
        ("src/ex.rs", "fn main() {}\n"),
    ]);
    assert!(
        stderr.contains("a.md:3: cannot include `missing.rs`"),
        "{stderr}"
    );
    assert!(stderr.contains("a.md:5: no `ANCHOR: nope`"), "{stderr}");
    let body = chapter(&site);
    assert!(
        body.contains("Write <code>{{#include}}</code> like this."),
        "{body}"
    );
    assert!(body.contains("class=\"language-rust editable\""), "{body}");
    assert!(
        !body.contains("</span>\n</code>") && !body.contains("}\n\n</code>"),
        "no blank line after included code: {body}"
    );
}

#[test]
fn code_block_attributes_are_classes() {
    let (_dir, site, _) = build_book(&[(
        "src/a.md",
        "```rust,ignore\nfn a() {}\n```\n\n```rust,should_panic,edition2021\nfn b() {}\n```\n",
    )]);
    let body = chapter(&site);
    assert!(body.contains("class=\"language-rust ignore\""), "{body}");
    assert!(
        body.contains("class=\"language-rust should_panic edition2021\""),
        "{body}"
    );
}

#[test]
fn footnotes_have_prefixed_ids_back_links_and_come_last() {
    let (_dir, site, _) = build_book(&[(
        "src/a.md",
        "# 1\n\nText[^1].\n\n[^1]: The note.\n\n## Later\n",
    )]);
    let body = chapter(&site);
    assert!(
        body.contains("id=\"fr-1-1\"><a href=\"#footnote-1\">1</a>"),
        "{body}"
    );
    assert!(body.contains("<li id=\"footnote-1\">"), "{body}");
    assert!(body.contains("<a href=\"#fr-1-1\">↩</a>"), "{body}");
    assert!(body.find("id=\"later\"").unwrap() < body.find("footnote-definition").unwrap());
}

#[test]
fn links_with_a_query_are_rewritten_and_the_checker_is_quiet_about_mdbook_habits() {
    let (_dir, site, stderr) = build_book(&[
        ("src/SUMMARY.md", "# Summary\n\n- [A](a.md)\n- [B](b.md)\n"),
        (
            "src/a.md",
            "[b](b.md?x=1#there) [std](../std/index.html) <someone@example.org> [here](#mark)\n\n<a name=\"mark\"></a>\n",
        ),
        ("src/b.md", "## There\n"),
    ]);
    assert!(chapter(&site).contains("href=\"b.html?x=1#there\""));
    assert!(!stderr.contains("broken link"), "{stderr}");
}

#[test]
fn a_plain_mdbook_book_gets_no_decks_and_a_workshop_book_does() {
    let (_dir, site, _) = build_book(&[("src/a.md", "# A\n\n## One\n\n## Two\n")]);
    assert!(!site.join("slides").exists(), "no decks for a plain book");
    assert!(!chapter(&site).contains("slides/"));
    let (_dir, site, _) = build_book(&[
        ("book.toml", "[book]\ntitle = \"T\"\n[devoops]\n"),
        ("src/a.md", "# A\n\n## One\n"),
    ]);
    assert!(site.join("slides/a.html").is_file());
    let (_dir, site, _) = build_book(&[("src/a.md", "+++\nminutes = 5\n+++\n# A\n\n## One\n")]);
    assert!(
        site.join("slides/a.html").is_file(),
        "`minutes` asks for a deck"
    );
}

#[test]
fn every_setting_not_acted_on_is_named_in_a_warning() {
    let (_dir, _site, stderr) = build_book(&[(
        "book.toml",
        "[book]\ntitle = \"T\"\n[output.html]\nhash-files = true\nsidebar-header-nav = true\n\
         [output.html.playground]\neditable = true\n",
    )]);
    for key in ["hash-files", "sidebar-header-nav", "playground"] {
        assert!(
            stderr.contains(&format!("`output.html.{key}` is not used")),
            "{key}: {stderr}"
        );
    }
}

#[test]
fn print_page_links_stay_on_the_page_and_its_ids_are_unique() {
    let (_dir, site, _) = build_book(&[
        (
            "src/SUMMARY.md",
            "# Summary\n\n- [A](a.md)\n- [B](guide/b.md)\n",
        ),
        (
            "src/a.md",
            "# A\n\n## Setup\n\n[b's setup](guide/b.md#setup) [b](guide/b.md) [nothing]()\n",
        ),
        (
            "src/guide/b.md",
            "# B\n\n## Setup\n\n[back](../a.md#setup)\n",
        ),
    ]);
    let print = page(&site, "print.html");
    let mut ids: Vec<&str> = support::attribute_values(&print, "id");
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "repeated ids on the print page");
    assert!(
        print.contains("<a href=\"#setup-1\">b’s setup</a>"),
        "{print}"
    );
    assert!(print.contains("<a href=\"#guide-b-html\">b</a>"), "{print}");
    assert!(print.contains("<a href=\"#setup\">back</a>"), "{print}");
    assert!(print.contains("<a href=\"\">nothing</a>"), "{print}");
}

#[test]
fn mathjax_is_shipped_with_the_site_and_loaded_from_it() {
    let (_dir, site, stderr) = build_book(&[
        (
            "book.toml",
            "[book]\ntitle = \"T\"\n[output.html]\nmathjax-support = true\n",
        ),
        ("src/a.md", "# A\n\nInline \\\\( a^2 \\\\) maths.\n"),
    ]);
    assert!(!stderr.contains("mathjax"), "{stderr}");
    let html = page(&site, "a.html");
    assert!(
        html.contains("<script async src=\"mathjax/tex-svg.js\"></script>"),
        "{html}"
    );
    assert!(!html.contains("cdn"), "nothing from a CDN");
    assert!(
        std::fs::metadata(site.join("mathjax/tex-svg.js"))
            .unwrap()
            .len()
            > 1_000_000
    );
    assert!(site.join("mathjax/LICENSE").is_file());
    assert!(chapter(&site).contains("Inline \\( a^2 \\) maths."));
    let (_dir, plain, _) = build_book(&[]);
    assert!(
        !plain.join("mathjax").exists(),
        "only books that ask get it"
    );
}

#[test]
fn the_404_page_is_made_from_404_md() {
    let (_dir, site, _) =
        build_book(&[("src/404.md", "# Lost?\n\nTry [the start](index.html).\n")]);
    let page = page(&site, "404.html");
    assert!(page.contains("Lost?"), "{page}");
    assert!(!page.contains("Page not found</h1>"), "{page}");
}

#[test]
fn book_theme_files_are_used_or_named_and_mdbook_class_names_exist() {
    let (_dir, site, stderr) = build_book(&[
        ("theme/favicon.png", "png"),
        ("theme/highlight.css", ".hljs { color: red }"),
        ("theme/css/general.css", ".content main { max-width: 40em }"),
        ("src/a.md", "# A\n\n<div class=\"warning\">Careful.</div>\n"),
    ]);
    let html = page(&site, "a.html");
    assert!(
        html.contains("<link rel=\"icon\" href=\"favicon.png\">"),
        "{html}"
    );
    assert!(site.join("favicon.png").is_file());
    assert!(
        stderr.contains("highlight.css: highlight.js colours"),
        "{stderr}"
    );
    assert!(
        stderr.contains("general.css: this stylesheet is written for mdBook"),
        "{stderr}"
    );
    assert!(
        html.contains("<div id=\"content\" class=\"content\">\n    <main>"),
        "`.content main` matches"
    );
    assert!(page(&site, "css/main.css").contains(".warning {"));
}

#[test]
fn fold_settings_reach_the_sidebar() {
    let (_dir, site, stderr) = build_book(&[(
        "book.toml",
        "[book]\ntitle = \"T\"\n[output.html.fold]\nenable = true\nlevel = 1\n",
    )]);
    assert!(!stderr.contains("fold"), "{stderr}");
    assert!(page(&site, "a.html").contains("<ol class=\"chapter-list\" data-fold-level=\"1\">"));
    assert!(page(&site, "js/book.js").contains("data-fold-level"));
    let (_dir, unfolded, _) = build_book(&[]);
    assert!(!page(&unfolded, "a.html").contains("data-fold-level"));
}
