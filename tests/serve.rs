//! `devoops serve` end to end: the real binary on a free port, real HTTP requests, real
//! file edits on disk.

mod serve_support;

use std::path::Path;
use std::time::Duration;

use serve_support::*;

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn serves_pages_assets_and_errors_from_memory() {
    let book = SampleBook::new(0);
    let server = Server::start(&book.root, &[]);
    let agent = agent();

    let page = get(&agent, &server.url("/setup.html"));
    assert_eq!(page.status, 200);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(page.body.contains("Original setup text."));
    assert!(
        page.body.contains("included-snippet-v1"),
        "includes are expanded"
    );
    assert!(
        page.body.contains("/__devoops/events"),
        "live reload is injected"
    );

    let index = get(&agent, &server.url("/"));
    assert_eq!(index.status, 200);
    assert!(index.body.contains("Intro body text."));

    for (path, kind) in [
        ("/css/main.css", "text/css; charset=utf-8"),
        ("/js/book.js", "text/javascript; charset=utf-8"),
        ("/images/favicon.svg", "image/svg+xml"),
        ("/images/flow.svg", "image/svg+xml"),
        ("/labs/01-tarball.html", "text/html; charset=utf-8"),
    ] {
        let f = get(&agent, &server.url(path));
        assert_eq!((f.status, f.content_type.as_str()), (200, kind), "{path}");
    }

    // A second request with the ETag is answered 304 without a body.
    let etag = page.etag.expect("pages carry an ETag");
    let again = agent
        .get(server.url("/setup.html"))
        .header("If-None-Match", &etag)
        .call()
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);

    let missing = get(&agent, &server.url("/no-such-page.html"));
    assert_eq!(missing.status, 404);
    assert!(missing.content_type.starts_with("text/html"));
    assert!(
        missing.body.contains("/__devoops/events"),
        "404 page reloads too"
    );

    let folder = agent
        .get(server.url("/labs"))
        .config()
        .max_redirects(0)
        .build()
        .call()
        .unwrap();
    assert_eq!(
        folder.status().as_u16(),
        404,
        "no labs/index.html in this book"
    );

    // Only GET and HEAD.
    let (status, head) = raw_request(&server.addr(), "HEAD", "/setup.html");
    assert_eq!(status, 200);
    assert!(!head.contains("Original setup text."), "HEAD sends no body");
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
        let (status, response) = raw_request(&server.addr(), method, "/setup.html");
        assert_eq!(status, 405, "{method}");
        assert!(response.contains("Allow: GET, HEAD"));
    }

    // The build on disk never carries the live-reload script.
    let out = book.dir.path().join("built");
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_devoops"))
        .args(["build", "-q", "-d"])
        .arg(&out)
        .arg(&book.root)
        .status()
        .unwrap();
    assert!(built.success());
    let html = std::fs::read_to_string(out.join("setup.html")).unwrap();
    assert!(html.contains("Original setup text."));
    assert!(
        !html.contains("__devoops"),
        "no live reload in `devoops build` output"
    );
}

#[test]
fn path_traversal_corpus_never_escapes_the_site() {
    let book = SampleBook::new(0);
    let server = Server::start(&book.root, &[]);
    let long = format!("/{}", "a/".repeat(3000));
    let corpus: Vec<String> = [
        "/../secret.txt",
        "/../../secret.txt",
        "/../../../../../../etc/passwd",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/%25%32%65%25%32%65/secret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/..%5Csecret.txt",
        "/%2e%2e%5csecret.txt",
        "/..%255csecret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%ae%c0%ae%c0%afsecret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/./../secret.txt",
        "/labs/../../secret.txt",
        "/labs/..%2f..%2fsecret.txt",
        "/css/../../book.toml",
        "//etc/passwd",
        "/etc/passwd",
        "///etc//passwd",
        "/book.toml",
        "/content/setup.md",
        "/setup.md",
        "/SUMMARY.md",
        "/setup.html%00.md",
        "/%00",
        "/setup.html%00",
        "/..;/secret.txt",
        "/....//secret.txt",
        "/..././secret.txt",
        "/C:/Windows/win.ini",
        "/C:%5cWindows%5cwin.ini",
        "/file:///etc/passwd",
        "file:///etc/passwd",
        "http://evil.example/../secret.txt",
        "../secret.txt",
        "*",
        "/%",
        "/%2",
        "/%zz/secret.txt",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([long])
    .collect();
    assert!(corpus.len() >= 30);

    let secrets = [
        SECRET_OUTSIDE,
        FRONT_MATTER_MARKER,
        "root:x:0:",
        "Serve test book\"\nsrc",
        "[book]",
    ];
    let mut escapes = Vec::new();
    for target in &corpus {
        let (status, response) = raw_request(&server.addr(), "GET", target);
        let leaked = secrets.iter().any(|s| response.contains(s));
        if leaked || !(status == 400 || status == 404) {
            escapes.push(format!(
                "{target:?} → {status}{}",
                if leaked { " LEAKED" } else { "" }
            ));
        }
    }
    assert!(escapes.is_empty(), "requests not refused: {escapes:#?}");
    // The server is still fine afterwards.
    assert_eq!(raw_request(&server.addr(), "GET", "/setup.html").0, 200);
}

#[test]
fn editing_a_chapter_reloads_the_tab_and_rebuilds_only_what_depends_on_it() {
    let book = SampleBook::new(3);
    let server = Server::start(&book.root, &[]);
    let agent = agent();
    let events = Events::connect(&server.addr());
    assert!(
        get(&agent, &server.url("/setup.html"))
            .body
            .contains("Original setup text.")
    );

    book.write(
        "content/setup.md",
        "+++\nminutes = 7\n+++\n# Setting up\n\nEdited setup text.\n\n```sh\n{{#include snippet.sh}}\n```\n",
    );
    let reload = events.wait_for("reload", "\"setup.html\"", WAIT);
    assert!(
        reload.is_some(),
        "a reload event names the page: {:?}",
        server.output()
    );
    let page = get(&agent, &server.url("/setup.html"));
    assert!(page.body.contains("Edited setup text."));
    assert!(!page.body.contains("Original setup text."));
    // The print page and the chapter's slide deck are made of the chapter too; decks of
    // other chapters are untouched and not announced.
    let derived = events
        .wait_for("reload", "\"print.html\"", WAIT)
        .expect("derived pages follow");
    assert!(derived.contains("\"slides/setup.html\""), "{derived}");
    assert!(!derived.contains("\"slides/extra-1.html\""), "{derived}");
    for page in ["/print.html", "/slides/setup.html"] {
        assert!(
            get(&agent, &server.url(page))
                .body
                .contains("Edited setup text."),
            "{page}"
        );
    }
    assert!(
        server.wait_for_output("Rebuilt setup.html", WAIT),
        "only the chapter was rebuilt: {:?}",
        server.output()
    );

    // An included file re-renders the chapter that includes it.
    book.write("content/snippet.sh", "echo included-snippet-v2\n");
    assert!(events.wait_for("reload", "\"setup.html\"", WAIT).is_some());
    assert!(
        get(&agent, &server.url("/setup.html"))
            .body
            .contains("included-snippet-v2")
    );

    // An editor's atomic save (write a temporary file, rename it over the chapter) is one
    // rebuild.
    std::thread::sleep(Duration::from_millis(300));
    let _ = events.collect(Duration::from_millis(100));
    let temp = book.path("content/extra-1.md.tmp-4242");
    std::fs::write(&temp, "# Extra 1\n\nSaved atomically.\n").unwrap();
    std::fs::rename(&temp, book.path("content/extra-1.md")).unwrap();
    let seen = events.collect(Duration::from_secs(3));
    let reloads: Vec<_> = seen
        .iter()
        .filter(|(e, d)| e == "reload" && d.contains("\"extra-1.html\""))
        .collect();
    assert_eq!(reloads.len(), 1, "one save, one rebuild: {seen:?}");
    assert!(
        !seen.iter().any(|(_, d)| d.contains("\"*\"")),
        "no full rebuild: {seen:?}"
    );
    assert!(
        get(&agent, &server.url("/extra-1.html"))
            .body
            .contains("Saved atomically.")
    );

    // SUMMARY.md changes every page's sidebar: a full rebuild, every tab reloads.
    let summary = std::fs::read_to_string(book.path("content/SUMMARY.md")).unwrap();
    book.write(
        "content/SUMMARY.md",
        &summary.replace("[Extra 2]", "[Extra two, renamed]"),
    );
    assert!(events.wait_for("reload", "\"*\"", WAIT).is_some());
    assert!(
        get(&agent, &server.url("/intro.html"))
            .body
            .contains("Extra two, renamed")
    );

    // A new image is served without a full rebuild.
    book.write(
        "content/images/new.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    assert!(
        events
            .wait_for("reload", "\"images/new.svg\"", WAIT)
            .is_some()
    );
    assert_eq!(get(&agent, &server.url("/images/new.svg")).status, 200);
}

#[test]
fn build_errors_show_in_the_browser_and_terminal_while_the_last_good_build_serves() {
    let book = SampleBook::new(0);
    let server = Server::start(&book.root, &[]);
    let agent = agent();
    let events = Events::connect(&server.addr());

    // A broken book.toml.
    book.write(
        "book.toml",
        "[book]\ntitle = \"Serve test book\nsrc = \"content\"\n",
    );
    let error = events
        .wait_for("build-error", "book.toml", WAIT)
        .expect("an error event reaches open tabs");
    assert!(
        error.contains("book.toml:2"),
        "names file and line: {error}"
    );
    assert!(
        server.wait_for_output("book.toml:2", WAIT),
        "and the terminal: {:?}",
        server.output()
    );
    let page = get(&agent, &server.url("/setup.html"));
    assert_eq!(page.status, 200, "the last good build keeps serving");
    assert!(page.body.contains("Original setup text."));
    assert!(
        page.body.contains("book.toml:2"),
        "every page carries the overlay"
    );

    book.write("book.toml", BOOK_TOML);
    assert!(
        events.wait_for("reload", "\"*\"", WAIT).is_some(),
        "recovery reloads all tabs"
    );
    let page = get(&agent, &server.url("/setup.html"));
    assert!(page.body.contains("\"error\":null"), "the overlay is gone");
    assert!(server.wait_for_output("the error is fixed", WAIT));

    // A broken chapter (it includes itself): the other pages still serve.
    book.write(
        "content/setup.md",
        "# Setting up\n\n{{#include setup.md}}\n",
    );
    let error = events
        .wait_for("build-error", "setup.md:3", WAIT)
        .expect("chapter error");
    assert!(error.contains("nest"));
    let intro = get(&agent, &server.url("/intro.html"));
    assert!(intro.body.contains("Intro body text.") && intro.body.contains("setup.md:3"));
    book.write("content/setup.md", "# Setting up\n\nRepaired text.\n");
    assert!(events.wait_for("reload", "\"*\"", WAIT).is_some());
    let page = get(&agent, &server.url("/setup.html"));
    assert!(page.body.contains("Repaired text.") && page.body.contains("\"error\":null"));

    // A broken template.
    book.write("theme/page.html", "{% extends \"base.html\" %}{% block content %}{{ page.content | safe }{% endblock content %}");
    let error = events
        .wait_for("build-error", "page.html", WAIT)
        .expect("template error");
    assert!(
        error.contains("theme/page.html") || error.contains("page.html:1"),
        "{error}"
    );
    std::fs::remove_file(book.path("theme/page.html")).unwrap();
    assert!(
        events.wait_for("reload", "\"*\"", WAIT).is_some(),
        "{:?}",
        server.output()
    );
}

#[test]
fn a_book_that_never_built_shows_the_error_then_recovers() {
    let book = SampleBook::new(0);
    book.write("content/SUMMARY.md", "# Summary\n\n- [Gone](gone.md)\n");
    let server = Server::start(&book.root, &[]);
    let agent = agent();
    let page = get(&agent, &server.url("/"));
    assert_eq!(page.status, 500);
    assert!(
        page.body.contains("gone.md"),
        "the error is on the page: {}",
        page.body
    );
    let events = Events::connect(&server.addr());
    book.write("content/gone.md", "# Gone\n\nBack again.\n");
    assert!(events.wait_for("reload", "\"*\"", WAIT).is_some());
    let page = get(&agent, &server.url("/"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Back again."));
}

#[test]
fn polling_notices_changes_too() {
    let book = SampleBook::new(0);
    let server = Server::start(&book.root, &["--poll"]);
    let agent = agent();
    let events = Events::connect(&server.addr());
    book.write("content/intro.md", "# Introduction\n\nPolled change.\n");
    assert!(
        events.wait_for("reload", "\"intro.html\"", WAIT).is_some(),
        "{:?}",
        server.output()
    );
    assert!(
        get(&agent, &server.url("/intro.html"))
            .body
            .contains("Polled change.")
    );
}

#[test]
fn live_reload_connections_are_capped_and_non_loopback_binds_warn() {
    let book = SampleBook::new(0);
    let server = Server::start(&book.root, &["--bind", "0.0.0.0"]);
    assert!(
        server.wait_for_output("warning: serving on 0.0.0.0:", WAIT),
        "{:?}",
        server.output()
    );
    let addr = server.addr().replace("0.0.0.0", "127.0.0.1");
    let open: Vec<Events> = (0..64).map(|_| Events::connect(&addr)).collect();
    let (status, _) = raw_request(&addr, "GET", "/__devoops/events");
    assert_eq!(status, 503, "the 65th live-reload stream is refused");
    for events in open {
        events.close();
    }
    let agent = agent();
    assert!(
        wait_until(Duration::from_secs(15), || {
            get(&agent, &format!("http://{addr}/__devoops/status"))
                .body
                .contains("\"live_reload_clients\":0")
        }),
        "closed streams are dropped"
    );
    Events::connect(&addr);
}

#[test]
fn editing_a_lab_readme_rebuilds_its_page() {
    let book = SampleBook::new(0);
    let lab = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/01-tarball");
    copy_tree(&lab, &book.path("labs/01-tarball"));
    let server = Server::start(&book.root, &[]);
    let agent = agent();
    let events = Events::connect(&server.addr());
    let page = get(&agent, &server.url("/labs/01-tarball.html"));
    assert_eq!(page.status, 200, "{:?}", server.output());

    let readme = book.path("labs/01-tarball/README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    std::fs::write(&readme, format!("{text}\n\nA note added while serving.\n")).unwrap();
    // Lab pages are assembled from lab.toml and the README: the whole book is reloaded.
    assert!(events.wait_for("reload", "\"*\"", WAIT).is_some());
    let page = get(&agent, &server.url("/labs/01-tarball.html"));
    assert!(page.body.contains("A note added while serving."));
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
