//! A real browser: headless Chromium, driven through chromedriver's WebDriver HTTP API,
//! opens a served page; the chapter is edited on disk and the tab must reload by itself.
//! Then a broken chapter must show the error overlay on the open page, and fixing it must
//! remove it.
//!
//! Needs `chromium` and `chromedriver` (Debian packages `chromium`, `chromium-driver`; `CHROMIUM` and
//! `CHROMEDRIVER` override the paths). Set `DEVOOPS_SCREENSHOTS=dir` to keep screenshots.

mod serve_support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use serve_support::*;

fn tool(env: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.exists(),
        "{} not found: install the Debian packages `chromium` and `chromium-driver` (or set {env})",
        path.display()
    );
    path
}

/// chromedriver on a free port with one headless Chromium session; both end on drop.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: ureq::Agent,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Browser {
        let chromium = tool("CHROMIUM", "/usr/bin/chromium");
        let chromedriver = tool("CHROMEDRIVER", "/usr/bin/chromedriver");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = agent();
        assert!(
            wait_until(Duration::from_secs(20), || {
                http.get(format!("{base}/status"))
                    .call()
                    .is_ok_and(|r| r.status() == 200)
            }),
            "chromedriver did not come up"
        );
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            http,
            _profile: profile,
        };
        let created = browser.call(
            "POST",
            "/session",
            json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                // Navigation returns once the document is parsed; every test then waits for
                // what it needs to see, so a slow subresource on a loaded machine cannot
                // stall the WebDriver call itself.
                "pageLoadStrategy": "eager",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--window-size=1200,900",
                        format!("--user-data-dir={}", browser._profile.path().display()),
                    ],
                },
            }}}),
        );
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        browser
    }

    /// One WebDriver command; returns its `value`.
    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let response = match method {
            "GET" => self.http.get(&url).call(),
            "DELETE" => self.http.delete(&url).call(),
            _ => self
                .http
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.to_string()),
        }
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let text = response.into_body().read_to_string().unwrap();
        let reply: Value = serde_json::from_str(&text).unwrap();
        reply["value"].clone()
    }

    fn open(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    fn run(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    fn wait_for(&self, what: &str, script: &str) {
        assert!(
            wait_until(Duration::from_secs(20), || self.run(script) == json!(true)),
            "the browser never saw: {what} (page text: {})",
            self.run("return document.body ? document.body.innerText : ''")
        );
    }

    fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("DEVOOPS_SCREENSHOTS") else {
            return;
        };
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(
                self.call("GET", "/screenshot", Value::Null)
                    .as_str()
                    .unwrap(),
            )
            .unwrap();
        std::fs::write(Path::new(&dir).join(name), png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .http
                .delete(format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[test]
fn the_open_tab_reloads_by_itself_and_shows_build_errors() {
    let book = SampleBook::new(0);
    let server = Server::start(&book.root, &[]);
    let browser = Browser::start();

    browser.open(&server.url("/setup.html"));
    browser.wait_for(
        "the page and its live-reload stream",
        "return document.body.innerText.includes('Original setup text.') && !!window.__devoopsLiveReload && window.__devoopsLiveReload.readyState === 1",
    );
    // Anything set on this page's window is gone after a reload.
    browser.run("window.__beforeEdit = true; return true");

    book.write(
        "content/setup.md",
        "# Setting up\n\nText edited while the tab was open.\n",
    );
    browser.wait_for(
        "the tab reloading with the edited chapter",
        "return window.__beforeEdit === undefined && document.body.innerText.includes('Text edited while the tab was open.')",
    );
    browser.screenshot("serve-reloaded.png");

    // A mistake: the overlay appears on the open page, which stays as it was.
    browser.run("window.__beforeError = true; return true");
    book.write(
        "content/setup.md",
        "# Setting up\n\n{{#include setup.md}}\n",
    );
    browser.wait_for(
        "the build-error overlay",
        "var box = document.getElementById('devoops-build-error'); return !!box && box.innerText.includes('setup.md:3') && box.innerText.includes('nest')",
    );
    assert_eq!(
        browser.run("return window.__beforeError === true"),
        json!(true)
    );
    browser.screenshot("serve-error-overlay.png");

    // Fixed: the tab reloads and the overlay is gone.
    book.write("content/setup.md", "# Setting up\n\nFixed again.\n");
    browser.wait_for(
        "recovery",
        "return window.__beforeError === undefined && !document.getElementById('devoops-build-error') && document.body.innerText.includes('Fixed again.')",
    );
}
