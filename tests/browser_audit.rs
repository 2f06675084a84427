//! The workshop's own site in one real headless Chromium, driven by playwright-core from
//! `tests/e2e/audit.mjs`: an axe-core accessibility audit of every page type (index, chapter
//! with code and a diagram, lab page, open search, 404, print, a deck, the presenter view) in
//! both themes at desktop and phone widths; page width, search results and presenter controls
//! at 360, 390 and 768 px; swiping the deck and the presenter view; print colours in the dark
//! theme; every theme text colour against every theme background (WCAG AA); copy buttons,
//! search words marked on arrival, the presenter's clocks, fragments.
//!
//! Leaves `target/screenshots/<page>-<desktop|phone>-<light|dark>.png` for people to look at.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::static_server::StaticServer;
use support::{build_site, screenshot_path};

/// Longer than the audit ever takes on a busy two-core machine, short enough that a hung
/// browser cannot hold CI.
const AUDIT_DEADLINE: Duration = Duration::from_secs(8 * 60);

/// `tests/e2e/node_modules`, installed from the lockfile when it is missing (`.ci/run` does
/// the same before the tests start).
fn e2e_dir() -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    if !dir.join("node_modules/playwright-core").is_dir()
        || !dir.join("node_modules/axe-core").is_dir()
    {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm (apt-get install npm) is needed to install tests/e2e's packages");
        assert!(status.success(), "`npm ci` in tests/e2e failed");
    }
    dir
}

#[test]
fn every_page_type_is_accessible_fits_a_phone_and_prints_light() {
    let e2e = e2e_dir();
    let out = build_site(Path::new(env!("CARGO_MANIFEST_DIR")));
    let server = StaticServer::start(&out.path().join("site"));
    let shots = screenshot_path("");

    // Output goes to files, not pipes: a full pipe would stall the browser mid-audit.
    let log = out.path().join("audit.log");
    let errors = out.path().join("audit.err");
    let mut child = Command::new("node")
        .arg(e2e.join("audit.mjs"))
        .arg(&server.base_url)
        .arg(&shots)
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&errors).unwrap()))
        .spawn()
        .expect("node (apt-get install nodejs) runs the browser audit");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for node") {
            break status;
        }
        if started.elapsed() > AUDIT_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser audit ran longer than {AUDIT_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = support::read(&log);
    let stderr = support::read(&errors);
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    println!("{stdout}");
    assert!(
        status.success() && failed.is_empty(),
        "browser audit failed ({status}):\n{}\n{stderr}",
        failed.join("\n")
    );
    // The audit really ran: one line per check, and the screenshots are there.
    assert!(
        stdout.lines().filter(|l| l.starts_with("ok")).count() > 60,
        "{stdout}"
    );
    assert!(shots.join("search-phone-dark.png").is_file());
    assert!(shots.join("presenter-phone-light.png").is_file());
}
