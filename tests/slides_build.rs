//! What `devoops build` writes for slides, read straight from the built files: which decks
//! exist, where the notes go (and do not), and that `slide-heading-level` is honoured.

mod support;

use std::path::Path;

use support::{build_site, copy_fixture, fixture_dir};

fn read(site: &Path, path: &str) -> String {
    std::fs::read_to_string(site.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn slide_count(html: &str) -> usize {
    html.matches("<div class=\"frame\"").count()
}

#[test]
fn decks_presenter_pages_and_where_the_notes_go() {
    let out = build_site(&fixture_dir("slides-book"));
    let site = out.path().join("site");

    for deck in [
        "slides/README.html",
        "slides/shipping.html",
        "slides/labs/tarball.html",
        "slides/index.html",
    ] {
        let audience = read(&site, deck);
        assert!(!audience.contains("NOTE:"), "{deck} carries speaker notes");
        assert!(
            !audience.contains("HANDBOOK-ONLY"),
            "{deck} carries handbook-only text"
        );
        let presenter = read(&site, &deck.replace(".html", ".presenter.html"));
        assert!(presenter.contains("js/presenter.js"));
    }
    let presenter = read(&site, "slides/shipping.presenter.html");
    assert!(presenter.contains("TARBALL-NOTE") && presenter.contains("COMPOSE-NOTE"));
    assert!(
        !presenter.contains("WELCOME-NOTE"),
        "another chapter's notes"
    );
    assert!(read(&site, "slides/index.presenter.html").contains("WELCOME-NOTE"));

    for page in ["shipping.html", "index.html", "print.html"] {
        let handbook = read(&site, page);
        assert!(!handbook.contains("NOTE:"), "{page} carries speaker notes");
        assert!(
            !handbook.contains("SLIDE-ONLY"),
            "{page} carries slide-only text"
        );
    }

    assert_eq!(slide_count(&read(&site, "slides/shipping.html")), 3);
    // The whole talk: the chapters with a time budget (not the lab page, which has none).
    assert_eq!(slide_count(&read(&site, "slides/index.html")), 4);
    assert!(!read(&site, "slides/index.html").contains("Lab: a tarball"));
    assert!(!read(&site, "slides/labs/tarball.html").contains("id=\"talk-link\""));
    // Links point back at the handbook and across to the whole-talk deck.
    let shipping = read(&site, "slides/shipping.html");
    assert!(shipping.contains("data-handbook=\"../shipping.html#a-compose-file\""));
    assert!(
        shipping.contains("href=\"index.html#2\""),
        "the whole-talk link"
    );
    assert!(
        shipping.contains("src=\"../images/box.svg\""),
        "images relocated"
    );
    let lab = read(&site, "slides/labs/tarball.html");
    assert!(
        lab.contains("href=\"../../labs/../shipping.html\""),
        "{lab}"
    );
    // A reference link defined at the end of the chapter works on every slide.
    assert!(
        lab.contains("href=\"../../labs/../shipping.html#what-went-wrong\">the changelog</a>"),
        "{lab}"
    );
    assert!(read(&site, "shipping.html").contains("href=\"slides/shipping.html\""));
    assert!(read(&site, "labs/tarball.html").contains("href=\"../slides/labs/tarball.html\""));
    // Budgets: the chapter's own, and their sum for the whole talk.
    assert!(read(&site, "slides/shipping.presenter.html").contains("data-total-minutes=\"5\""));
    assert!(read(&site, "slides/index.presenter.html").contains("data-total-minutes=\"7\""));
}

#[test]
fn slide_heading_level_comes_from_book_toml() {
    let book = copy_fixture("slides-book");
    let toml = book.path().join("book.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("[devoops]\n", "[devoops]\nslide-heading-level = 1\n"),
    )
    .unwrap();
    let out = build_site(book.path());
    let deck = read(&out.path().join("site"), "slides/shipping.html");
    // Only `#` and the one `---` break cut the chapter now.
    assert_eq!(slide_count(&deck), 2);
}
