//! A real headless Chromium opens a built page from `file://`, presses `/`, types a query,
//! and follows the first result with Enter. Driven over the DevTools protocol (a WebSocket).
//!
//! Needs Chromium: `/usr/bin/chromium`, or the path in `CHROMIUM`.

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command as CargoCommand;
use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Headless Chromium, killed when dropped.
struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    session: Option<String>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    fn launch() -> Browser {
        let binary = std::env::var_os("CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(&binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e} (set CHROMIUM)", binary.display()));
        // Chromium announces its DevTools endpoint on stderr.
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut url = None;
        for line in stderr.lines() {
            let line = line.unwrap();
            if let Some(at) = line.find("ws://") {
                url = Some(line[at..].trim().to_string());
                break;
            }
        }
        let url = url.expect("Chromium printed no DevTools URL");
        let (ws, _) = tungstenite::connect(url.as_str()).unwrap();
        if let MaybeTlsStream::Plain(stream) = ws.get_ref() {
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
        }
        Browser {
            child,
            _profile: profile,
            ws,
            next_id: 0,
            session: None,
        }
    }

    /// Sends one command and waits for its answer (events in between are skipped).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        self.ws.send(Message::text(message.to_string())).unwrap();
        loop {
            let reply = self.ws.read().unwrap();
            let Ok(text) = reply.to_text() else { continue };
            let value: Value = serde_json::from_str(text).unwrap();
            if value["id"] == json!(id) {
                assert!(value.get("error").is_none(), "{method}: {value}");
                return value["result"].clone();
            }
        }
    }

    /// Loads `url` in the tab Chromium started with (a tab made with `Target.createTarget`
    /// never gets keyboard focus in headless mode).
    fn open(&mut self, url: &str) {
        let targets = self.call("Target.getTargets", json!({}));
        let page = targets["targetInfos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == json!("page"))
            .expect("Chromium has a page")
            .clone();
        let attached = self.call(
            "Target.attachToTarget",
            json!({ "targetId": page["targetId"], "flatten": true }),
        );
        self.session = Some(attached["sessionId"].as_str().unwrap().to_string());
        self.call("Page.enable", json!({}));
        self.call("Page.navigate", json!({ "url": url }));
    }

    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        result["result"]["value"].clone()
    }

    /// Polls `expression` until it is true, or fails after 15 s.
    fn wait_for(&mut self, expression: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.eval(expression) == json!(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("timed out waiting for `{expression}`");
    }

    fn press(&mut self, key: &str, code: &str, key_code: u32, text: Option<&str>) {
        let mut down = json!({ "type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": key_code });
        if let Some(text) = text {
            down["text"] = json!(text);
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            json!({ "type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": key_code }),
        );
    }

    fn screenshot(&mut self, path: &Path) {
        use base64_png::decode;
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" }));
        fs::write(path, decode(shot["data"].as_str().unwrap())).unwrap();
    }
}

/// Just enough base64 to save a screenshot when asked (`DEVOOPS_SCREENSHOT=dir`).
mod base64_png {
    pub fn decode(text: &str) -> Vec<u8> {
        const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = Vec::with_capacity(text.len() * 3 / 4);
        let (mut bits, mut count) = (0u32, 0);
        for c in text.bytes().filter(|&c| c != b'=') {
            let Some(v) = DIGITS.iter().position(|&d| d == c) else {
                continue;
            };
            bits = bits << 6 | v as u32;
            count += 6;
            if count >= 8 {
                count -= 8;
                out.push((bits >> count) as u8);
            }
        }
        out
    }
}

fn build_book() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "book.toml",
        "[book]\ntitle = \"Works on my machine\"\nsrc = \"content\"\n",
    );
    write(
        root,
        "content/SUMMARY.md",
        "# Summary\n\n- [Intro](intro.md)\n- [Images](images.md)\n- [Lab: tarball](labs/01-tarball.md)\n",
    );
    write(
        root,
        "content/intro.md",
        "# Intro\n\nIt works on my machine, said every developer ever.\n\n## Why ops cares\n\nSomeone has to run it at three in the morning.\n",
    );
    write(
        root,
        "content/images.md",
        "# Images\n\nA container image is a stack of layers.\n\n## Caching layers\n\nPut the slow, rarely changing steps first so the layer cache keeps them.\n\n```dockerfile\nFROM debian:12\nRUN apt-get install -y nginx\n```\n",
    );
    write(
        root,
        "content/labs/01-tarball.md",
        "# Lab: tarball\n\nShip the release as a tarball.\n",
    );
    let site = root.join("site");
    CargoCommand::cargo_bin("devoops")
        .unwrap()
        .args(["build", "-q", "-d"])
        .arg(&site)
        .arg(root)
        .assert()
        .success();
    (dir, site)
}

#[test]
fn typing_a_query_and_pressing_enter_opens_the_section() {
    let (_book, site) = build_book();
    let mut browser = Browser::launch();
    // A page one folder down, so the result link must climb back to the root.
    let start = format!("file://{}", site.join("labs/01-tarball.html").display());
    browser.open(&start);
    browser.wait_for("document.readyState === 'complete'");

    // "/" focuses the search box from anywhere on the page.
    browser.press("/", "Slash", 191, Some("/"));
    browser.wait_for("document.activeElement && document.activeElement.id === 'search-input'");
    assert_eq!(
        browser.eval("document.getElementById('search-input').value"),
        json!("")
    );

    browser.call("Input.insertText", json!({ "text": "cach lay" }));
    browser.wait_for("document.querySelectorAll('#search-results .search-result').length > 0");
    let first = browser.eval(
        "(() => { const a = document.querySelector('#search-results .search-result'); return [a.href, a.textContent]; })()",
    );
    let expected = format!(
        "file://{}",
        site.join("images.html#caching-layers").display()
    );
    assert_eq!(first[0], json!(expected), "{first}");
    let text = first[1].as_str().unwrap();
    assert!(text.contains("Images › Caching layers"), "{text}");
    assert!(
        text.contains("slow, rarely changing steps"),
        "teaser shown: {text}"
    );
    assert_eq!(
        browser.eval("document.querySelector('#search-results mark').textContent"),
        json!("layer"),
        "query words are marked in the teaser"
    );
    if let Some(dir) = std::env::var_os("DEVOOPS_SCREENSHOT") {
        browser.screenshot(&Path::new(&dir).join("search-results.png"));
    }

    browser.press("Enter", "Enter", 13, Some("\r"));
    browser.wait_for("location.href.endsWith('/images.html#caching-layers')");
    browser.wait_for("document.readyState === 'complete'");
    assert_eq!(
        browser.eval("document.querySelector('h2#caching-layers') !== null"),
        json!(true)
    );

    // "s" works too, and Escape closes the results.
    browser.press("s", "KeyS", 83, Some("s"));
    browser.wait_for("document.activeElement.id === 'search-input'");
    browser.call("Input.insertText", json!({ "text": "nothingmatchesthis" }));
    browser.wait_for("document.querySelector('#search-results .search-empty') !== null");
    browser.press("Escape", "Escape", 27, None);
    browser.wait_for("document.getElementById('search-results').hidden");
}
