//! End to end: the real `devoops build` on fixture books, checking what a reader would get.

mod support;

use std::path::Path;

use predicates::prelude::*;
use support::{attribute_values, copy_fixture, devoops, list_files, read};

fn build(dir: &Path) {
    devoops().arg("build").arg(dir).assert().success();
}

/// The `<article>` of a page: the chapter body, without the layout around it.
fn article(html: &str) -> &str {
    let start = html.find("<article").expect("page has an article");
    let end = html.find("</article>").expect("article closes");
    &html[start..end + "</article>".len()]
}

#[test]
fn builds_an_mdbook_book_with_every_summary_construct() {
    let book = copy_fixture("mdbook-basic");
    devoops()
        .arg("build")
        .arg(book.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("Built 6 pages"))
        .stderr(predicate::str::contains(
            "preprocessor `mermaid` is not run",
        ))
        .stderr(predicate::str::contains(
            "no sitemap.xml, because `[output.html] site-url` is not set",
        ));
    let out = book.path().join("book");
    let files = list_files(&out);
    for expected in [
        "index.html",
        "guide/install.html",
        "guide/linux.html",
        "config.html",
        "code.html",
        "credits.html",
        "print.html",
        "404.html",
        "css/main.css",
        "css/highlight.css",
        "js/book.js",
        "images/logo.svg",
    ] {
        assert!(
            files.contains(&expected.to_string()),
            "{expected} missing from {files:?}"
        );
    }
    assert!(
        !files.iter().any(|f| f.ends_with(".md")),
        "sources are not published: {files:?}"
    );

    let linux = read(&out.join("guide/linux.html"));
    // Sidebar: relative links from a nested page, numbering, the current page marked, drafts and parts.
    assert!(linux.contains(r#"<a href="../guide/linux.html" data-path="guide/linux.html" aria-current="page"><strong class="section-number">1.1.</strong> On Linux</a>"#));
    assert!(
        linux.contains(r#"<span><strong class="section-number">1.2.</strong> On Plan 9</span>"#)
    );
    assert!(linux.contains(r#"<li class="part-title">Reference</li>"#));
    assert_eq!(linux.matches("aria-current=\"page\"").count(), 1);
    // The include took lines 2..3 of the script only.
    assert!(linux.contains("curl"));
    assert!(!linux.contains("#!/bin/sh"));
    assert!(linux.contains("type=\"checkbox\""));
    // Previous/next follow reading order, skipping the draft.
    assert!(linux.contains(r#"rel="prev" href="../guide/install.html""#));
    assert!(linux.contains(r#"rel="next" href="../config.html""#));

    let intro = read(&out.join("index.html"));
    assert!(
        intro.contains(r#"href="guide/install.html""#),
        ".md links become .html"
    );
    assert!(intro.contains(r#"href="config.html#the-file""#));
    assert!(intro.contains("admonition-tip"));

    let install = read(&out.join("guide/install.html"));
    assert!(
        install.contains(r#"href="../index.html""#),
        "README.md becomes index.html"
    );
    assert!(install.contains(r#"id="steps""#) && install.contains(r#"id="steps-1""#));

    let config = read(&out.join("config.html"));
    assert!(
        config.contains("<title>Configuring the fixture</title>"),
        "{{#title}} sets the page title"
    );

    let print = read(&out.join("print.html"));
    for title in [
        "Introduction",
        "Installation",
        "On Linux",
        "Configuration",
        "Code samples",
        "Credits",
    ] {
        assert!(
            print.contains(&format!(">{title}</a></h1>")),
            "print page lacks {title}"
        );
    }
    assert!(
        print.contains(r#"href="guide/linux.html""#),
        "nested chapters' links are rebased on the print page"
    );

    // No site-url: no sitemap (its <loc>s must be absolute), and the warning says so.
    assert!(!out.join("sitemap.xml").exists());
}

#[test]
fn a_sitemap_needs_an_absolute_site_url() {
    let book = copy_fixture("mdbook-basic");
    let toml = read(&book.path().join("book.toml"));
    let with_url = |url: &str| {
        toml.replace(
            "[output.html]",
            &format!("[output.html]\nsite-url = \"{url}\""),
        )
    };
    std::fs::write(
        book.path().join("book.toml"),
        with_url("https://example.org/workshop"),
    )
    .unwrap();
    devoops()
        .arg("build")
        .arg(book.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("sitemap").not());
    let sitemap = read(&book.path().join("book/sitemap.xml"));
    assert!(sitemap.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    assert!(
        sitemap.contains("<loc>https://example.org/workshop/guide/linux.html</loc>"),
        "{sitemap}"
    );
    assert!(!sitemap.contains("<loc>/"), "{sitemap}");

    // A path alone is not enough: no sitemap, a warning naming book.toml and the fix, and
    // the sitemap of the earlier build is gone with the rest of that build.
    std::fs::write(book.path().join("book.toml"), with_url("/workshop/")).unwrap();
    devoops()
        .arg("build")
        .arg(book.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("book.toml: no sitemap.xml, because `[output.html] site-url` (\"/workshop/\") is not an absolute URL"))
        .stderr(predicate::str::contains("site-url = \"https://example.org/workshop/\""));
    assert!(!book.path().join("book/sitemap.xml").exists());
}

#[test]
fn highlighted_code_matches_snapshot() {
    let book = copy_fixture("mdbook-basic");
    build(book.path());
    let code = read(&book.path().join("book/code.html"));
    insta::assert_snapshot!("code_article", article(&code));
    let config = read(&book.path().join("book/config.html"));
    insta::assert_snapshot!("config_article", article(&config));
}

#[test]
fn works_under_a_sub_path_and_from_disk() {
    let book = copy_fixture("mdbook-basic");
    let toml = read(&book.path().join("book.toml"))
        .replace("[output.html]", "[output.html]\nsite-url = \"/workshop/\"");
    std::fs::write(book.path().join("book.toml"), toml).unwrap();
    build(book.path());
    let out = book.path().join("book");
    for page in list_files(&out).iter().filter(|f| f.ends_with(".html")) {
        let html = read(&out.join(page));
        for url in attribute_values(&html, "href")
            .into_iter()
            .chain(attribute_values(&html, "src"))
        {
            if page == "404.html" {
                // Served for any missing path, so it links from the site URL.
                assert!(
                    url.starts_with("/workshop/")
                        || url.starts_with("http")
                        || url.starts_with('#'),
                    "{page}: {url}"
                );
            } else {
                assert!(
                    !url.starts_with('/'),
                    "{page}: root-absolute link {url} breaks under a sub-path and from file://"
                );
            }
        }
    }
    assert!(
        !out.join("sitemap.xml").exists(),
        "a path is no sitemap base"
    );
}

#[test]
fn output_references_nothing_remote() {
    let book = copy_fixture("mdbook-basic");
    build(book.path());
    let out = book.path().join("book");
    for file in list_files(&out) {
        let text = std::fs::read_to_string(out.join(&file)).unwrap_or_default();
        if file.ends_with(".html") {
            // Scripts, styles, fonts, images, frames: anything the browser would fetch.
            for (tag, attr) in [
                ("<script", "src"),
                ("<link", "href"),
                ("<img", "src"),
                ("<iframe", "src"),
                ("<source", "src"),
            ] {
                for (i, _) in text.match_indices(tag) {
                    let element = &text[i..i + text[i..].find('>').unwrap_or(0)];
                    for url in attribute_values(element, attr) {
                        assert!(
                            !(url.starts_with("http:")
                                || url.starts_with("https:")
                                || url.starts_with("//")),
                            "{file}: remote {tag} {attr}={url}"
                        );
                    }
                }
            }
        }
        if file.ends_with(".css") {
            assert!(!text.contains("@import"), "{file}: @import");
            for (i, _) in text.match_indices("url(") {
                let url = text[i + 4..].trim_start_matches(['"', '\'']);
                assert!(
                    !url.starts_with("http") && !url.starts_with("//"),
                    "{file}: remote url()"
                );
            }
        }
    }
}

#[test]
fn a_failed_build_leaves_the_previous_site_intact() {
    let book = copy_fixture("mdbook-basic");
    build(book.path());
    let out = book.path().join("book");
    let before = read(&out.join("code.html"));
    std::fs::write(book.path().join("src/code.md"), "# Changed\n").unwrap();
    std::fs::write(
        book.path().join("src/SUMMARY.md"),
        "- [Code](code.md)\n- [Gone](gone.md)\n",
    )
    .unwrap();
    devoops().arg("build").arg(book.path()).assert().failure();
    assert_eq!(read(&out.join("code.html")), before, "old output untouched");
    let leftovers: Vec<_> = std::fs::read_dir(book.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging folders left behind: {leftovers:?}"
    );
}

/// A failed build (exit code 1) with one clean error naming the spot and a fix.
fn assert_clean_error(dir: &Path, needles: &[&str]) {
    assert_clean_error_with_code(dir, needles, 1);
}

/// The same for a configuration error, which exits with 2.
fn assert_clean_config_error(dir: &Path, needles: &[&str]) {
    assert_clean_error_with_code(dir, needles, 2);
}

fn assert_clean_error_with_code(dir: &Path, needles: &[&str], code: i32) {
    let assert = devoops()
        .arg("build")
        .arg(dir)
        .assert()
        .failure()
        .code(code);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "panic instead of an error:\n{stderr}"
    );
    assert!(stderr.contains("help:"), "no fix suggested:\n{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "one error line:\n{stderr}"
    );
    for needle in needles {
        assert!(stderr.contains(needle), "expected `{needle}` in:\n{stderr}");
    }
}

#[test]
fn malformed_book_toml_names_line_and_column() {
    let book = copy_fixture("mdbook-basic");
    std::fs::write(
        book.path().join("book.toml"),
        "[book]\ntitle = \"ok\"\nauthors = [\"a\"\n",
    )
    .unwrap();
    assert_clean_config_error(book.path(), &["book.toml:3:", "TOML"]);
    std::fs::write(book.path().join("book.toml"), "[book]\ntitle = 42\n").unwrap();
    assert_clean_config_error(book.path(), &["book.toml:2:"]);
}

#[test]
fn summary_entry_for_a_missing_file_names_the_summary_line() {
    let book = copy_fixture("mdbook-basic");
    let summary = read(&book.path().join("src/SUMMARY.md"))
        .replace("[Credits](credits.md)", "[Credits](missing/credits.md)");
    std::fs::write(book.path().join("src/SUMMARY.md"), summary).unwrap();
    assert_clean_error(
        book.path(),
        &["SUMMARY.md:20:", "missing/credits.md", "does not exist"],
    );
}

#[test]
fn template_error_names_the_template_and_line() {
    let book = copy_fixture("mdbook-basic");
    std::fs::create_dir_all(book.path().join("theme")).unwrap();
    std::fs::write(
        book.path().join("theme/page.html"),
        "{% extends \"base.html\" %}\n{% block content %}\n{{ page.content | safe }\n{% endblock content %}\n",
    )
    .unwrap();
    assert_clean_error(book.path(), &["page.html:3:"]);
}

#[test]
fn a_book_can_override_a_theme_file() {
    let book = copy_fixture("mdbook-basic");
    std::fs::create_dir_all(book.path().join("theme/css")).unwrap();
    std::fs::write(
        book.path().join("theme/css/main.css"),
        "body { color: rebeccapurple; }\n",
    )
    .unwrap();
    build(book.path());
    assert_eq!(
        read(&book.path().join("book/css/main.css")),
        "body { color: rebeccapurple; }\n"
    );
}

#[test]
fn refuses_to_build_over_its_own_sources() {
    let book = copy_fixture("mdbook-basic");
    devoops()
        .arg("build")
        .arg(book.path())
        .arg("--dest-dir")
        .arg(book.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("refusing to build"));
    assert!(book.path().join("src/SUMMARY.md").exists());
}

#[test]
fn the_workshop_itself_builds_with_a_page_per_lab() {
    let dest = tempfile::tempdir().unwrap();
    let site = dest.path().join("site");
    devoops()
        .arg("build")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("-d")
        .arg(&site)
        .assert()
        .success();
    assert!(site.join("index.html").exists());
    let labs =
        devoops::book::labs::lab_dirs(&Path::new(env!("CARGO_MANIFEST_DIR")).join("labs")).unwrap();
    assert!(!labs.is_empty(), "the workshop has labs");
    for lab in labs {
        let id = lab.file_name().unwrap().to_string_lossy().into_owned();
        let page = read(&site.join(format!("labs/{id}.html")));
        assert!(
            page.contains("<li class=\"part-title\">Labs</li>"),
            "{id}: sidebar lists the labs"
        );
        assert!(page.contains("Goal:"), "{id}: page states the goal");
    }
    let published = list_files(&site);
    assert!(
        !published
            .iter()
            .any(|f| f.contains("solution") || f.contains("scenario")),
        "lab folders are described, not published: {published:?}"
    );
}

#[test]
fn a_broken_lab_toml_is_reported_with_its_line() {
    let book = copy_fixture("mdbook-basic");
    let lab = book.path().join("labs/01-broken");
    std::fs::create_dir_all(lab.join("scenario")).unwrap();
    std::fs::write(lab.join("README.md"), "# Broken\n").unwrap();
    std::fs::write(lab.join("lab.toml"), "id = \"01-broken\"\ntitle = \n").unwrap();
    let assert = devoops().arg("build").arg(book.path()).assert().failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("lab.toml:2"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_synthetic_benchmark_book_builds_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen_book.py");
    let status = std::process::Command::new("python3")
        .arg(&generator)
        .args(["--pages", "30", "--out"])
        .arg(tmp.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs");
    assert!(status.success());
    build(&tmp.path().join("mdbook"));
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&tmp.path().join("manifest.json"))).unwrap();
    let docs = manifest["docs"].as_array().expect("manifest lists docs");
    assert!(docs.len() >= 30);
    for doc in docs {
        let out = doc["mdbook_out"].as_str().expect("mdbook_out");
        assert!(
            tmp.path().join("mdbook").join(out).exists(),
            "{out} not built"
        );
    }
}

#[test]
fn slide_markup_errors_count_front_matter_lines() {
    let book = copy_fixture("mdbook-basic");
    std::fs::write(
        book.path().join("src/credits.md"),
        "+++\nminutes = 2\n+++\n# Credits\n\n::: note\ntypo in the block name\n:::\n",
    )
    .unwrap();
    assert_clean_error(book.path(), &["credits.md:6:", "unknown block `::: note`"]);
}

#[test]
fn exit_codes_tell_a_failed_build_from_a_usage_error() {
    let code = |args: &[&std::ffi::OsStr]| {
        devoops()
            .args(args)
            .output()
            .expect("devoops runs")
            .status
            .code()
    };
    let book = copy_fixture("mdbook-basic");
    let dir = book.path().as_os_str();
    // Usage and configuration: exit code 2.
    assert_eq!(code(&["build".as_ref(), "/no/such/book".as_ref()]), Some(2));
    assert_eq!(
        code(&["build".as_ref(), "--no-such-flag".as_ref()]),
        Some(2)
    );
    std::fs::write(book.path().join("book.toml"), "[book\ntitle = 1\n").unwrap();
    assert_eq!(code(&["build".as_ref(), dir]), Some(2));
    assert_eq!(code(&["check-links".as_ref(), dir]), Some(2));
    // A build or check that ran and failed: exit code 1.
    let book = copy_fixture("mdbook-basic");
    let dir = book.path().as_os_str();
    std::fs::write(book.path().join("src/credits.md"), "::: nope\n:::\n").unwrap();
    assert_eq!(code(&["build".as_ref(), dir]), Some(1));
    std::fs::write(book.path().join("src/credits.md"), "[gone](gone.md)\n").unwrap();
    assert_eq!(code(&["check-links".as_ref(), dir]), Some(1));
    assert_eq!(code(&["build".as_ref(), "--strict".as_ref(), dir]), Some(1));
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let book = copy_fixture("mdbook-basic");
    // More external links than a pipe buffers, so the listing must meet the closed pipe.
    let links: String = (0..3000)
        .map(|n| format!("[l{n}](https://example.org/a/long/path/to/page-{n}.html)\n"))
        .collect();
    std::fs::write(book.path().join("src/credits.md"), links).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("devoops"))
        .arg("check-links")
        .arg(book.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "quiet: {stderr}");
    assert_eq!(output.status.code(), Some(0));
}
