//! Slide decks and the presenter view in a real headless Chromium: keys move the visible
//! slide and the URL hash, the presenter window follows the deck (and the other way round),
//! speaker notes stay out of the handbook and the audience deck, from file:// and over http.
//!
//! Leaves `target/screenshots/slide.png` and `target/screenshots/presenter.png` (1280×720).

mod support;

use std::path::Path;

use support::cdp::{Browser, Page, pdf_page_count};
use support::static_server::StaticServer;
use support::{build_site, file_url, fixture_dir, screenshot_path};

/// The text of the one slide on screen (fails when zero or several are visible).
const VISIBLE_SLIDE: &str = "(function () {
  var shown = [].filter.call(document.querySelectorAll('.deck .frame'), function (f) {
    return getComputedStyle(f).visibility === 'visible';
  });
  return shown.length === 1 ? shown[0].innerText : 'visible slides: ' + shown.length;
})()";

fn visible_slide(browser: &mut Browser, page: &Page) -> String {
    browser.eval_string(page, VISIBLE_SLIDE)
}

fn hash(browser: &mut Browser, page: &Page) -> String {
    browser.eval_string(page, "location.hash")
}

/// Presses `key` and waits until the deck shows slide `number`.
fn press_expecting(browser: &mut Browser, page: &Page, key: &str, number: usize, heading: &str) {
    browser.press(page, key);
    browser.wait_for(
        page,
        &format!("location.hash === '#{number}'"),
        &format!("slide {number} after pressing {key:?}"),
    );
    let text = visible_slide(browser, page);
    assert!(
        text.contains(heading),
        "after {key:?} the visible slide should show {heading:?}, shows {text:?}"
    );
}

fn site_root(dir: &Path) -> std::path::PathBuf {
    dir.join("site")
}

#[test]
fn keys_move_the_visible_slide_and_the_hash() {
    let out = build_site(&fixture_dir("slides-book"));
    let site = site_root(out.path());
    let mut browser = Browser::launch();
    let deck = browser.open(&file_url(&site.join("slides/shipping.html")));
    browser.wait_for(
        &deck,
        "document.body.classList.contains('ready')",
        "the deck",
    );

    assert_eq!(hash(&mut browser, &deck), "#1");
    assert!(visible_slide(&mut browser, &deck).contains("Shipping tarballs"));
    // The 16:9 stage fills a 1280×720 screen exactly.
    let width = browser.eval(
        &deck,
        "Math.round(document.querySelector('.frame.current').getBoundingClientRect().width)",
    );
    assert_eq!(width, 1280);
    // On a 4:3 screen the stage shrinks to the width and sits in the middle, letterboxed.
    browser.set_size(&deck, 800, 600);
    browser.wait_for(
        &deck,
        "(function () { var r = document.querySelector('.frame.current').getBoundingClientRect(); return Math.round(r.width) === 800 && Math.round(r.height) === 450 && Math.round(r.top) === 75; })()",
        "the stage to scale to 800×450",
    );
    browser.set_size(&deck, 1280, 720);

    // F: full screen.
    browser.press(&deck, "f");
    browser.wait_for(&deck, "document.fullscreenElement !== null", "full screen");
    browser.press(&deck, "f");
    browser.wait_for(
        &deck,
        "document.fullscreenElement === null",
        "leaving full screen",
    );

    press_expecting(&mut browser, &deck, "ArrowRight", 2, "What went wrong");
    press_expecting(&mut browser, &deck, "End", 3, "A compose file");
    press_expecting(&mut browser, &deck, "Home", 1, "Shipping tarballs");
    press_expecting(&mut browser, &deck, " ", 2, "What went wrong");
    press_expecting(&mut browser, &deck, "PageDown", 3, "A compose file");
    press_expecting(&mut browser, &deck, "PageUp", 2, "What went wrong");
    press_expecting(&mut browser, &deck, "ArrowLeft", 1, "Shipping tarballs");
    press_expecting(&mut browser, &deck, "ArrowDown", 2, "What went wrong");

    // The slide survives a reload.
    browser.reload(&deck);
    browser.wait_for(
        &deck,
        "document.body.classList.contains('ready')",
        "the deck",
    );
    assert_eq!(hash(&mut browser, &deck), "#2");
    assert!(visible_slide(&mut browser, &deck).contains("What went wrong"));

    // Slide-only blocks are on the slide; the code fence with `---` inside stayed whole.
    assert!(visible_slide(&mut browser, &deck).contains("SLIDE-ONLY-LINE"));
    press_expecting(&mut browser, &deck, "ArrowRight", 3, "# not a heading");

    // G: go to a slide by number.
    browser.press(&deck, "g");
    browser.wait_for(
        &deck,
        "!document.getElementById('goto').hidden",
        "the go-to box",
    );
    browser.type_text(&deck, "1");
    press_expecting(&mut browser, &deck, "Enter", 1, "Shipping tarballs");

    // O: the overview shows every slide at once; Esc closes it.
    browser.press(&deck, "o");
    assert_eq!(
        browser.eval(&deck, "[].filter.call(document.querySelectorAll('.frame'), function (f) { return getComputedStyle(f).visibility === 'visible'; }).length"),
        3
    );
    browser.press(&deck, "Escape");
    browser.wait_for(
        &deck,
        "!document.body.classList.contains('overview')",
        "overview closed",
    );
    assert!(visible_slide(&mut browser, &deck).contains("Shipping tarballs"));

    // A click on a thumbnail in the overview goes to that slide.
    browser.press(&deck, "o");
    browser.eval(&deck, "document.querySelectorAll('.frame')[2].click()");
    browser.wait_for(
        &deck,
        "location.hash === '#3'",
        "slide 3 after a click in the overview",
    );
    assert_eq!(
        browser.eval(&deck, "document.body.classList.contains('overview')"),
        false
    );

    // A swipe to the left on a touch screen is the next slide, to the right the previous.
    browser.press(&deck, "Home");
    browser.swipe(&deck, (900.0, 360.0), (300.0, 380.0));
    browser.wait_for(
        &deck,
        "location.hash === '#2'",
        "slide 2 after a swipe left",
    );
    browser.swipe(&deck, (300.0, 360.0), (900.0, 350.0));
    browser.wait_for(
        &deck,
        "location.hash === '#1'",
        "slide 1 after a swipe right",
    );

    // B: a black screen, and back.
    browser.press(&deck, "b");
    assert_eq!(
        browser.eval(
            &deck,
            "getComputedStyle(document.getElementById('blackout')).display"
        ),
        "block"
    );
    browser.press(&deck, "b");
    assert_eq!(
        browser.eval(&deck, "document.getElementById('blackout').hidden"),
        true
    );

    // ?: the help; Esc closes it.
    browser.press(&deck, "?");
    assert_eq!(
        browser.eval(&deck, "document.getElementById('help').hidden"),
        false
    );
    browser.press(&deck, "Escape");
    assert_eq!(
        browser.eval(&deck, "document.getElementById('help').hidden"),
        true
    );

    // The audience never gets the notes, not even hidden in the page.
    let html = browser.eval_string(&deck, "document.documentElement.outerHTML");
    assert!(!html.contains("TARBALL-NOTE") && !html.contains("COMPOSE-NOTE"));
    assert!(!html.contains("HANDBOOK-ONLY-PARAGRAPH"));

    // Dark mode applies to the slides.
    browser.eval(&deck, "document.getElementById('theme-toggle').click()");
    let background = browser.eval_string(
        &deck,
        "getComputedStyle(document.querySelector('.frame.current .slide')).backgroundColor",
    );
    assert_eq!(background, "rgb(21, 24, 28)", "the dark --bg");
    browser.eval(&deck, "document.getElementById('theme-toggle').click()");

    press_expecting(&mut browser, &deck, "End", 3, "A compose file");
    browser.screenshot(&deck, &screenshot_path("slide.png"));
    browser.assert_no_errors();
}

/// Opens the presenter with `S` and checks both windows follow each other.
fn presenter_follows_the_deck(browser: &mut Browser, deck_url: &str, screenshot: Option<&str>) {
    let deck = browser.open(deck_url);
    browser.wait_for(
        &deck,
        "document.body.classList.contains('ready')",
        "the deck",
    );
    assert!(visible_slide(browser, &deck).contains("Shipping tarballs"));

    browser.press(&deck, "s");
    let presenter = browser.wait_for_window("shipping.presenter.html");
    browser.wait_for(
        &presenter,
        "document.body.classList.contains('ready')",
        "the presenter view",
    );
    let current = "document.getElementById('pv-current').innerText";
    let notes = "document.getElementById('pv-notes').innerText";
    assert!(
        browser
            .eval_string(&presenter, current)
            .contains("Shipping tarballs")
    );
    assert!(
        browser
            .eval_string(&presenter, notes)
            .contains("TARBALL-NOTE")
    );
    assert!(
        browser
            .eval_string(&presenter, "document.getElementById('pv-next').innerText")
            .contains("What went wrong")
    );

    // Deck → presenter.
    browser.press(&deck, "ArrowRight");
    browser.wait_for(
        &presenter,
        "document.getElementById('pv-counter').textContent === '2 / 3'",
        "the presenter to follow the deck to slide 2",
    );
    assert!(
        browser
            .eval_string(&presenter, current)
            .contains("What went wrong")
    );
    assert!(browser.eval_string(&presenter, notes).contains("No notes"));

    // Presenter → deck.
    browser.press(&presenter, "ArrowRight");
    browser.wait_for(
        &deck,
        "location.hash === '#3'",
        "the deck to follow the presenter to slide 3",
    );
    assert!(visible_slide(browser, &deck).contains("A compose file"));
    assert!(
        browser
            .eval_string(&presenter, notes)
            .contains("COMPOSE-NOTE")
    );
    assert!(
        browser
            .eval_string(&presenter, "document.getElementById('pv-budget').innerText")
            .contains("5 min")
    );
    // B in the presenter view blacks out the audience screen.
    browser.press(&presenter, "b");
    browser.wait_for(
        &deck,
        "!document.getElementById('blackout').hidden",
        "the audience screen to go black",
    );
    browser.press(&presenter, "b");
    browser.wait_for(
        &deck,
        "document.getElementById('blackout').hidden",
        "the audience screen to come back",
    );

    // + and − change the size of the notes.
    let size = "getComputedStyle(document.getElementById('pv-notes')).fontSize";
    browser.press(&presenter, "+");
    assert_eq!(browser.eval_string(&presenter, size), "22px");
    browser.press(&presenter, "-");
    assert_eq!(browser.eval_string(&presenter, size), "20px");

    // The clock runs, and the time goes to the chapter on screen.
    browser.wait_for(
        &presenter,
        "document.getElementById('pv-elapsed').textContent !== '0:00' && document.querySelector('#pv-budget tr.current .spent').textContent !== '0:00'",
        "the presenter's clock to count",
    );
    if let Some(name) = screenshot {
        browser.press(&presenter, "ArrowLeft");
        browser.wait_for(&deck, "location.hash === '#2'", "the deck back on slide 2");
        browser.press(&presenter, "ArrowLeft");
        browser.wait_for(&deck, "location.hash === '#1'", "the deck back on slide 1");
        browser.screenshot(&presenter, &screenshot_path(name));
    }
    browser.assert_no_errors();
}

#[test]
fn presenter_window_follows_from_file_urls() {
    let out = build_site(&fixture_dir("slides-book"));
    let site = site_root(out.path());
    let mut browser = Browser::launch();
    presenter_follows_the_deck(
        &mut browser,
        &file_url(&site.join("slides/shipping.html")),
        Some("presenter.png"),
    );
}

#[test]
fn presenter_window_follows_over_http() {
    let out = build_site(&fixture_dir("slides-book"));
    let server = StaticServer::start(&site_root(out.path()));
    let mut browser = Browser::launch();
    presenter_follows_the_deck(
        &mut browser,
        &format!("{}slides/shipping.html", server.base_url),
        None,
    );
}

/// Two windows opened separately (no opener between them) still sync: through
/// BroadcastChannel over http, and through localStorage events from file://.
#[test]
fn separately_opened_windows_sync_without_an_opener() {
    let out = build_site(&fixture_dir("slides-book"));
    let site = site_root(out.path());
    let server = StaticServer::start(&site);
    let mut browser = Browser::launch();
    for base in [file_url(&site) + "/", server.base_url.clone()] {
        let deck = browser.open(&format!("{base}slides/shipping.html"));
        let presenter = browser.open(&format!("{base}slides/shipping.presenter.html"));
        browser.wait_for(
            &presenter,
            "document.body.classList.contains('ready')",
            "presenter",
        );
        browser.press(&presenter, "End");
        browser.wait_for(
            &deck,
            "location.hash === '#3'",
            &format!("the deck at {base} to follow a presenter it did not open"),
        );
        browser.press(&deck, "Home");
        browser.wait_for(
            &presenter,
            "document.getElementById('pv-counter').textContent === '1 / 3'",
            &format!("the presenter at {base} to follow the deck"),
        );
        // A deck opened later without a slide number joins the talk where it is.
        browser.press(&presenter, "ArrowRight");
        let late = browser.open(&format!("{base}slides/shipping.html"));
        browser.wait_for(
            &late,
            "location.hash === '#2'",
            &format!("a deck opened later at {base} to join at slide 2"),
        );
    }
    browser.assert_no_errors();
}

#[test]
fn handbook_and_deck_link_to_each_other_and_notes_stay_private() {
    let out = build_site(&fixture_dir("slides-book"));
    let site = site_root(out.path());
    let mut browser = Browser::launch();
    let page = browser.open(&file_url(&site.join("shipping.html")));

    let visible = browser.eval_string(&page, "document.body.innerText");
    assert!(visible.contains("HANDBOOK-ONLY-PARAGRAPH"));
    for private in ["TARBALL-NOTE", "COMPOSE-NOTE", "SLIDE-ONLY-LINE"] {
        assert!(
            !visible.contains(private),
            "{private} is visible in the handbook"
        );
    }
    let html = browser.eval_string(&page, "document.documentElement.outerHTML");
    assert!(
        !html.contains("NOTE:"),
        "notes must not even be in the handbook's HTML"
    );

    // Handbook → slides, at the section being read.
    browser.eval(
        &page,
        "document.getElementById('a-compose-file').scrollIntoView(); document.getElementById('slides-link').click()",
    );
    browser.wait_for(
        &page,
        "/slides\\/shipping\\.html#3$/.test(location.href) && document.body.classList.contains('ready')",
        "the deck to open at the compose slide",
    );
    assert!(visible_slide(&mut browser, &page).contains("A compose file"));

    // Slides → handbook (H), at the matching section.
    browser.press(&page, "h");
    browser.wait_for(
        &page,
        "/\\/shipping\\.html#a-compose-file$/.test(location.href)",
        "the handbook at the compose section",
    );

    // The whole-talk deck: the chapters with a time budget, images and links relocated to
    // work from slides/.
    browser.navigate(&page, &file_url(&site.join("slides/index.html#2")));
    browser.wait_for(
        &page,
        "document.body.classList.contains('ready')",
        "the talk deck",
    );
    assert_eq!(
        browser.eval(&page, "document.querySelectorAll('.frame').length"),
        4
    );
    assert!(visible_slide(&mut browser, &page).contains("Shipping tarballs"));
    browser.wait_for(
        &page,
        "document.querySelector('.frame.current img').naturalWidth > 0",
        "the chapter's image to load in the talk deck",
    );
    press_expecting(&mut browser, &page, "End", 4, "A compose file");
    let link = browser.eval_string(&page, "document.querySelector('.frame.current p a').href");
    assert!(link.ends_with("/site/labs/tarball.html"), "{link}");
    browser.assert_no_errors();
}

#[test]
fn printing_gives_one_slide_per_page_and_handouts_with_notes() {
    let out = build_site(&fixture_dir("slides-book"));
    let site = site_root(out.path());
    let mut browser = Browser::launch();

    let deck = browser.open(&file_url(&site.join("slides/shipping.html")));
    browser.wait_for(
        &deck,
        "document.body.classList.contains('ready')",
        "the deck",
    );
    let pdf = browser.print_pdf(&deck);
    std::fs::write(screenshot_path("deck.pdf"), &pdf).unwrap();
    assert_eq!(pdf_page_count(&pdf), 3, "one page per slide");
    // 1280×720 CSS pixels are 960×540 PDF points.
    assert!(
        String::from_utf8_lossy(&pdf).contains("/MediaBox [0 0 960 540]"),
        "pages have the stage's 16:9 size"
    );

    let presenter = browser.open(&file_url(&site.join("slides/shipping.presenter.html")));
    browser.wait_for(
        &presenter,
        "document.body.classList.contains('ready')",
        "presenter",
    );
    let handouts = browser.print_pdf(&presenter);
    std::fs::write(screenshot_path("handouts.pdf"), &handouts).unwrap();
    assert_eq!(pdf_page_count(&handouts), 3, "one handout page per slide");
    // Printing shows the notes under each slide (and hides the presenter's controls).
    browser.call(
        Some(&presenter),
        "Emulation.setEmulatedMedia",
        serde_json::json!({ "media": "print" }),
    );
    let printed = browser.eval_string(&presenter, "document.body.innerText");
    assert!(printed.contains("TARBALL-NOTE") && printed.contains("COMPOSE-NOTE"));
    assert!(!printed.contains("Print handouts"));

    // The overview, for people to look at.
    browser.press(&deck, "o");
    browser.screenshot(&deck, &screenshot_path("overview.png"));
    browser.assert_no_errors();
}
