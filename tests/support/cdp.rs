//! A small Chrome DevTools Protocol client for end-to-end tests: starts Debian's headless
//! Chromium, talks to it over one WebSocket (tungstenite, blocking), and gives tests what a
//! user does: open a page, press keys, read what is visible, take a screenshot.
//!
//! Sessions are "flattened" (one socket, a `sessionId` per page), so pop-up windows a page
//! opens can be found with `Target.getTargets` and driven like any other page.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

/// Where Debian puts Chromium; `CHROMIUM` overrides it.
fn chromium_path() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string())
}

pub struct Browser {
    child: Child,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// Uncaught JavaScript exceptions and console/network errors seen in any page.
    errors: Vec<String>,
    _profile: tempfile::TempDir,
}

/// One page (tab or window) the test drives.
#[derive(Clone, Debug)]
pub struct Page {
    pub target_id: String,
    session_id: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    /// Starts headless Chromium with a throw-away profile. Panics with the fix when Chromium
    /// is missing: these tests must not pass by not running.
    pub fn launch() -> Browser {
        let chromium = chromium_path();
        assert!(
            Path::new(&chromium).exists(),
            "{chromium} not found: install Debian's `chromium` package (apt-get install chromium) or set CHROMIUM"
        );
        let profile = tempfile::tempdir().expect("temp profile");
        let mut child = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--window-size=1280,720",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {chromium}: {e}"));

        // Chromium prints the browser's WebSocket address on stderr once it listens.
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_string());
                    sent = true;
                }
            }
        });
        let ws_url = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("Chromium did not print its DevTools address within 30 s");
        let host_port = ws_url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("host:port")
            .to_string();
        let stream = TcpStream::connect(&host_port).expect("connect to DevTools");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let (socket, _) =
            tungstenite::client(ws_url.as_str(), stream).expect("WebSocket handshake");
        Browser {
            child,
            socket,
            next_id: 0,
            errors: Vec::new(),
            _profile: profile,
        }
    }

    /// Sends one command and waits for its answer; panics if Chromium reports an error.
    pub fn call(&mut self, session: Option<&Page>, method: &str, params: Value) -> Value {
        self.try_call(session, method, params)
            .unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    /// Sends one command and waits for its answer or error. Events arriving meanwhile are
    /// checked for page errors and otherwise dropped.
    pub fn try_call(
        &mut self,
        session: Option<&Page>,
        method: &str,
        params: Value,
    ) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(page) = session {
            message["sessionId"] = json!(page.session_id);
        }
        self.socket
            .send(Message::Text(message.to_string().into()))
            .expect("send to DevTools");
        loop {
            let reply = match self.socket.read().expect("read from DevTools") {
                Message::Text(text) => serde_json::from_str::<Value>(text.as_str()).unwrap(),
                _ => continue,
            };
            if reply["id"].as_u64() != Some(id) {
                self.note_error(&reply);
                continue;
            }
            if let Some(error) = reply.get("error") {
                return Err(error.clone());
            }
            return Ok(reply["result"].clone());
        }
    }

    /// Keeps JavaScript exceptions and error-level log entries (e.g. a missing script).
    fn note_error(&mut self, event: &Value) {
        match event["method"].as_str() {
            Some("Runtime.exceptionThrown") => {
                let details = &event["params"]["exceptionDetails"];
                self.errors.push(format!(
                    "{} ({}:{})",
                    details["exception"]["description"]
                        .as_str()
                        .or(details["text"].as_str())
                        .unwrap_or("exception"),
                    details["url"].as_str().unwrap_or(""),
                    details["lineNumber"]
                ));
            }
            Some("Log.entryAdded") if event["params"]["entry"]["level"] == "error" => {
                let entry = &event["params"]["entry"];
                self.errors.push(format!(
                    "{} {}",
                    entry["text"].as_str().unwrap_or(""),
                    entry["url"].as_str().unwrap_or("")
                ));
            }
            _ => {}
        }
    }

    /// Fails the test if any page threw or logged an error so far.
    pub fn assert_no_errors(&mut self) {
        // Collect events still in flight.
        self.call(None, "Target.getTargets", json!({}));
        assert!(
            self.errors.is_empty(),
            "the pages reported errors:\n{}",
            self.errors.join("\n")
        );
    }

    fn attach(&mut self, target_id: &str) -> Page {
        let result = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        let page = Page {
            target_id: target_id.to_string(),
            session_id: result["sessionId"].as_str().unwrap().to_string(),
        };
        self.call(Some(&page), "Page.enable", json!({}));
        self.call(Some(&page), "Runtime.enable", json!({}));
        self.call(Some(&page), "Log.enable", json!({}));
        self.set_size(&page, 1280, 720);
        page
    }

    /// Emulates a screen of the given size for the page.
    pub fn set_size(&mut self, page: &Page, width: u32, height: u32) {
        self.call(
            Some(page),
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        );
    }

    /// Opens a new tab at `url` and waits until it has loaded.
    pub fn open(&mut self, url: &str) -> Page {
        let result = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let page = self.attach(result["targetId"].as_str().unwrap());
        self.navigate(&page, url);
        page
    }

    pub fn navigate(&mut self, page: &Page, url: &str) {
        self.mark_document(page);
        self.call(Some(page), "Page.navigate", json!({ "url": url }));
        self.wait_loaded(page);
    }

    pub fn reload(&mut self, page: &Page) {
        self.mark_document(page);
        self.call(Some(page), "Page.reload", json!({}));
        self.wait_loaded(page);
    }

    /// Tags the current document, so waiting for a load cannot mistake it for the next one.
    fn mark_document(&mut self, page: &Page) {
        let _ = self.try_call(
            Some(page),
            "Runtime.evaluate",
            json!({ "expression": "window.__cdpOldDocument = true" }),
        );
    }

    fn wait_loaded(&mut self, page: &Page) {
        self.wait_for(
            page,
            "!window.__cdpOldDocument && document.readyState === 'complete'",
            "the page to load",
        );
    }

    /// Waits for a window whose URL contains `url_part` (e.g. a pop-up) and attaches to it.
    pub fn wait_for_window(&mut self, url_part: &str) -> Page {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let targets = self.call(None, "Target.getTargets", json!({}));
            let found = targets["targetInfos"].as_array().unwrap().iter().find(|t| {
                t["type"] == "page" && t["url"].as_str().unwrap_or("").contains(url_part)
            });
            if let Some(target) = found {
                let page = self.attach(target["targetId"].as_str().unwrap());
                self.wait_loaded(&page);
                return page;
            }
            assert!(
                Instant::now() < deadline,
                "no window with {url_part} in its URL opened; windows: {targets}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its (JSON) value.
    pub fn eval(&mut self, page: &Page, expression: &str) -> Value {
        let result = self.call(
            Some(page),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("`{expression}` threw: {exception}");
        }
        result["result"]["value"].clone()
    }

    pub fn eval_string(&mut self, page: &Page, expression: &str) -> String {
        match self.eval(page, expression) {
            Value::String(s) => s,
            other => panic!("`{expression}` gave {other}, not a string"),
        }
    }

    /// Polls `condition` (a JavaScript expression) until it is true, for up to 10 s. While
    /// the page navigates, evaluation can fail ("execution context was destroyed"): that
    /// counts as not yet.
    pub fn wait_for(&mut self, page: &Page, condition: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let expression = json!({
            "expression": format!("!!({condition})"),
            "returnByValue": true,
        });
        loop {
            let done = self
                .try_call(Some(page), "Runtime.evaluate", expression.clone())
                .is_ok_and(|r| r["result"]["value"] == Value::Bool(true));
            if done {
                return;
            }
            if Instant::now() >= deadline {
                let url = self.eval(page, "location.href");
                panic!("timed out waiting for {what} (`{condition}`); the page is at {url}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Presses and releases one key, as a user would: `ArrowRight`, `End`, `o`, `?`, ` `.
    pub fn press(&mut self, page: &Page, key: &str) {
        let (code, key_code, text) = key_codes(key);
        let mut down = json!({
            "type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": key_code,
        });
        if let Some(text) = text {
            down["text"] = json!(text);
            if key == "?" || key == "+" {
                down["modifiers"] = json!(8); // Shift
            }
        }
        self.call(Some(page), "Input.dispatchKeyEvent", down);
        self.call(
            Some(page),
            "Input.dispatchKeyEvent",
            json!({ "type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": key_code }),
        );
    }

    /// A one-finger swipe on a touch screen from `from` to `to` (CSS pixels).
    pub fn swipe(&mut self, page: &Page, from: (f64, f64), to: (f64, f64)) {
        self.call(
            Some(page),
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": true, "maxTouchPoints": 1 }),
        );
        let point = |(x, y): (f64, f64)| json!([{ "x": x, "y": y }]);
        let middle = ((from.0 + to.0) / 2.0, (from.1 + to.1) / 2.0);
        for (kind, points) in [
            ("touchStart", point(from)),
            ("touchMove", point(middle)),
            ("touchMove", point(to)),
            ("touchEnd", json!([])),
        ] {
            self.call(
                Some(page),
                "Input.dispatchTouchEvent",
                json!({ "type": kind, "touchPoints": points }),
            );
        }
    }

    /// Types text into the focused field.
    pub fn type_text(&mut self, page: &Page, text: &str) {
        self.call(Some(page), "Input.insertText", json!({ "text": text }));
    }

    /// Saves a PNG of what the page shows.
    pub fn screenshot(&mut self, page: &Page, path: &Path) {
        let result = self.call(
            Some(page),
            "Page.captureScreenshot",
            json!({ "format": "png" }),
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(result["data"].as_str().unwrap())
            .unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

impl Browser {
    /// Prints the page to PDF as the browser's print dialog would, with the page's own
    /// `@page` size (`preferCSSPageSize`).
    pub fn print_pdf(&mut self, page: &Page) -> Vec<u8> {
        let result = self.call(
            Some(page),
            "Page.printToPDF",
            json!({ "preferCSSPageSize": true, "printBackground": true }),
        );
        base64::engine::general_purpose::STANDARD
            .decode(result["data"].as_str().unwrap())
            .unwrap()
    }
}

/// How many pages a PDF has (its `/Type /Page` objects).
pub fn pdf_page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .filter(|(at, m)| !text[at + m.len()..].starts_with('s'))
        .count()
}

/// DOM `code`, Windows virtual key code and typed text for a key name.
fn key_codes(key: &str) -> (String, u32, Option<String>) {
    let named = |code: &str, vk: u32| (code.to_string(), vk, None);
    match key {
        "ArrowLeft" => named("ArrowLeft", 37),
        "ArrowUp" => named("ArrowUp", 38),
        "ArrowRight" => named("ArrowRight", 39),
        "ArrowDown" => named("ArrowDown", 40),
        "PageUp" => named("PageUp", 33),
        "PageDown" => named("PageDown", 34),
        "End" => named("End", 35),
        "Home" => named("Home", 36),
        "Escape" => named("Escape", 27),
        "Enter" => ("Enter".into(), 13, Some("\r".into())),
        " " => ("Space".into(), 32, Some(" ".into())),
        "?" => ("Slash".into(), 191, Some("?".into())),
        "+" => ("Equal".into(), 187, Some("+".into())),
        "-" => ("Minus".into(), 189, Some("-".into())),
        "." => ("Period".into(), 190, Some(".".into())),
        _ => {
            let c = key.chars().next().expect("a key");
            assert!(c.is_ascii_alphanumeric(), "no key code for {key:?}");
            let upper = c.to_ascii_uppercase();
            let code = if c.is_ascii_digit() {
                format!("Digit{c}")
            } else {
                format!("Key{upper}")
            };
            (code, upper as u32, Some(key.to_string()))
        }
    }
}
