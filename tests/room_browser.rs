//! The board in a real headless Chromium: it updates by itself when a checker reports,
//! shows a hostile name as text, sorts, and the projector view shows no names.
//!
//! Leaves `target/screenshots/room-board.png` and `room-projector.png` (1280×720).

#[path = "support/room.rs"]
mod room_support;
mod support;

use std::path::Path;
use std::process::Command;

use room_support::*;
use support::cdp::Browser;

const HOSTILE: &str = "<img src=x onerror=\"window.pwned=1\">";

/// The real checker reports a failing run of lab 01 under `name`.
fn checker_reports(join: &str, name: &str) {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let scenario = work.path().join("scenario");
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/01-tarball/scenario");
    assert!(
        Command::new("cp")
            .arg("-a")
            .arg(&from)
            .arg(&scenario)
            .status()
            .unwrap()
            .success()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_devoops"))
        .args(["check", "01-tarball", "--dir"])
        .arg(&scenario)
        .args(["--report", join, "--name", name])
        .env("HOME", home.path())
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("room: reported"), "{stderr}");
}

#[test]
fn the_board_follows_reports_live_and_escapes_names() {
    let data = tempfile::tempdir().unwrap();
    let room = RoomProcess::start(data.path(), 0);
    let mut browser = Browser::launch();
    let board = browser.open(&room.board);
    browser.wait_for(
        &board,
        "document.getElementById('status').textContent.startsWith('live')",
        "the live stream",
    );

    checker_reports(&room.join, HOSTILE);
    browser.wait_for(
        &board,
        "document.querySelector('#grid-body th.name')?.textContent === '<img src=x onerror=\"window.pwned=1\">'",
        "the hostile name, as text, without a reload",
    );
    let images = browser.eval(&board, "document.querySelectorAll('main img').length");
    assert_eq!(images, 0, "the name became markup");
    assert_eq!(browser.eval(&board, "window.pwned === undefined"), true);
    let cell = browser.eval_string(
        &board,
        "document.querySelector('#grid-body td.cell').textContent",
    );
    assert!(cell.ends_with("/8") || cell.contains('/'), "{cell}");
    let explain = browser.eval_string(
        &board,
        "document.querySelector('#lab-list .explain').textContent",
    );
    assert!(explain.starts_with("Explain next: "), "{explain}");

    // A second participant who has passed everything: sorting by progress puts them first.
    let all_pass = report_body(
        "Zoe",
        "run-zoe-00001",
        "01-tarball",
        &[("a", "pass"), ("b", "pass")],
    );
    assert_eq!(post(&room.join, &all_pass).status, 200);
    browser.wait_for(
        &board,
        "document.querySelectorAll('#grid-body tr').length === 2",
        "the second row",
    );
    let first = "document.querySelector('#grid-body th.name').textContent";
    assert_eq!(
        browser.eval_string(&board, first),
        HOSTILE,
        "by name: '<' sorts before 'Z'"
    );
    browser.eval(
        &board,
        "document.querySelector('[data-sort=progress]').click()",
    );
    assert_eq!(
        browser.eval_string(&board, first),
        "Zoe",
        "most checks passed first"
    );
    browser.eval(
        &board,
        "document.querySelector('[data-sort=stuck]').click()",
    );
    assert_eq!(
        browser.eval_string(&board, first),
        HOSTILE,
        "stuck longest first"
    );
    let export = browser.eval_string(&board, "document.getElementById('export-json').href");
    assert_eq!(export, format!("{}/export.json", room.board));
    browser.screenshot(&board, &support::screenshot_path("room-board.png"));

    // The projector: counts, no names, live too.
    let projector = browser.open(&room.url("/"));
    browser.wait_for(
        &projector,
        "document.getElementById('summary').textContent.startsWith('2 participants')",
        "the projector's counts",
    );
    let text = browser.eval_string(&projector, "document.documentElement.outerHTML");
    assert!(
        !text.contains("Zoe") && !text.contains("pwned"),
        "a name on the projector: {text}"
    );
    assert_eq!(
        browser.eval(&projector, "document.getElementById('grid-section').hidden"),
        true
    );
    let more = report_body("Yann", "run-yann-0001", "02-dockerfile", &[("a", "fail")]);
    assert_eq!(post(&room.join, &more).status, 200);
    browser.wait_for(
        &projector,
        "document.querySelectorAll('#lab-list li').length === 2",
        "a new lab without a reload",
    );
    browser.screenshot(&projector, &support::screenshot_path("room-projector.png"));
    browser.assert_no_errors();
}
