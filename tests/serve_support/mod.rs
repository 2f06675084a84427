//! Shared by the `serve` end-to-end tests: a small book on disk, the real `devoops serve`
//! process on a free port, plain HTTP requests and a Server-Sent Events reader.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A book in a temporary folder: `dir/book/` holds it, `dir/secret.txt` sits outside it.
pub struct SampleBook {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
}

pub const SECRET_OUTSIDE: &str = "SECRET-OUTSIDE-THE-BOOK-7f3a";
pub const FRONT_MATTER_MARKER: &str = "FRONT-MATTER-ONLY-91c2";
pub const BOOK_TOML: &str = "[book]\ntitle = \"Serve test book\"\nsrc = \"content\"\n\n[output.html]\nsite-url = \"/\"\n\n[devoops]\n";

impl SampleBook {
    /// A book with `extra_chapters` more chapters (`extra-N.md`) after the three fixed ones.
    pub fn new(extra_chapters: usize) -> SampleBook {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("book");
        std::fs::write(dir.path().join("secret.txt"), SECRET_OUTSIDE).unwrap();
        let mut summary = String::from(
            "# Summary\n\n[Introduction](intro.md)\n\n- [Setting up](setup.md)\n- [Lab one](labs/01-tarball.md)\n",
        );
        for n in 0..extra_chapters {
            summary.push_str(&format!("- [Extra {n}](extra-{n}.md)\n"));
        }
        let book = SampleBook { dir, root };
        book.write("book.toml", BOOK_TOML);
        book.write("content/SUMMARY.md", &summary);
        book.write(
            "content/intro.md",
            "# Introduction\n\nIntro body text.\n\n![diagram](images/flow.svg)\n",
        );
        book.write(
            "content/setup.md",
            &format!(
                "+++\nminutes = 7 # {FRONT_MATTER_MARKER}\n+++\n# Setting up\n\nOriginal setup text.\n\n```sh\n{{{{#include snippet.sh}}}}\n```\n"
            ),
        );
        book.write("content/snippet.sh", "echo included-snippet-v1\n");
        book.write(
            "content/labs/01-tarball.md",
            "# Lab one\n\nShip a tarball.\n",
        );
        book.write(
            "content/images/flow.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>",
        );
        for n in 0..extra_chapters {
            book.write(
                &format!("content/extra-{n}.md"),
                &format!("# Extra {n}\n\nBody of extra chapter {n}.\n"),
            );
        }
        book
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

/// `devoops serve` running on a free loopback port; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    output: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(root: &Path, extra_args: &[&str]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_devoops"));
        command
            .arg("serve")
            .arg(root)
            .args(["--port", "0"])
            .args(extra_args);
        Server::run(command)
    }

    /// Like [`Server::start`], with the limit on open files (soft and hard) set to `limit`,
    /// as `ulimit -n` does: a Mac's default is 256.
    pub fn start_with_open_files(root: &Path, extra_args: &[&str], limit: u32) -> Server {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_devoops"))
            .arg("serve")
            .arg(root)
            .args(["--port", "0"])
            .args(extra_args);
        Server::run(command)
    }

    fn run(mut command: Command) -> Server {
        let mut child = command
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("devoops runs");
        let output = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let (output, tx) = (output.clone(), tx.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(url) = line
                        .strip_prefix("Serving the book at ")
                        .and_then(|rest| rest.split_whitespace().next())
                    {
                        let _ = tx.send(url.trim_end_matches('/').to_string());
                    }
                    output.lock().unwrap().push(line);
                }
            });
        }
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("serve did not start: {:?}", output.lock().unwrap()));
        Server {
            child,
            base,
            output,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the server printed so far (stdout and stderr, line by line).
    pub fn output(&self) -> Vec<String> {
        self.output.lock().unwrap().clone()
    }

    pub fn wait_for_output(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.output().iter().any(|l| l.contains(needle)))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

pub struct Fetched {
    pub status: u16,
    pub content_type: String,
    pub etag: Option<String>,
    pub body: String,
}

pub fn get(agent: &ureq::Agent, url: &str) -> Fetched {
    let response = agent
        .get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (status, content_type, etag) = (
        response.status().as_u16(),
        header("content-type").unwrap_or_default(),
        header("etag"),
    );
    let body = response
        .into_body()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .unwrap();
    Fetched {
        status,
        content_type,
        etag,
        body,
    }
}

/// Sends `target` exactly as written (no client-side URL clean-up) and returns the status
/// code and the whole response.
pub fn raw_request(addr: &str, method: &str, target: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line for {target:?}: {response:?}"));
    (status, response)
}

/// One open live-reload stream, its events read on a background thread.
pub struct Events {
    stream: TcpStream,
    events: Receiver<(String, String)>,
}

impl Events {
    /// Connects and waits for the server's `hello`.
    pub fn connect(addr: &str) -> Events {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /__devoops/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        let (tx, events) = channel();
        std::thread::spawn(move || {
            let mut lines = reader.lines().map_while(Result::ok);
            let status = lines.next().unwrap_or_default();
            if !status.contains(" 200 ") {
                let _ = tx.send(("status".to_string(), status));
                return;
            }
            let (mut event, mut data) = (String::new(), String::new());
            for line in lines {
                if let Some(v) = line.strip_prefix("event: ") {
                    event = v.to_string();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = v.to_string();
                } else if line.is_empty()
                    && !event.is_empty()
                    && tx
                        .send((std::mem::take(&mut event), std::mem::take(&mut data)))
                        .is_err()
                {
                    return;
                }
            }
        });
        let events = Events { stream, events };
        let hello = events.next(Duration::from_secs(10));
        assert_eq!(
            hello.as_ref().map(|(e, _)| e.as_str()),
            Some("hello"),
            "live-reload stream opens with hello, got {hello:?}"
        );
        events
    }

    /// The next event of any kind.
    pub fn next(&self, timeout: Duration) -> Option<(String, String)> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Waits for an event named `name` whose data contains `needle`, skipping others.
    pub fn wait_for(&self, name: &str, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.events.recv_timeout(left) {
                Ok((event, data)) if event == name && data.contains(needle) => return Some(data),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// Events that arrive within `window`.
    pub fn collect(&self, window: Duration) -> Vec<(String, String)> {
        let deadline = Instant::now() + window;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.events.recv_timeout(left) {
                Ok(e) => seen.push(e),
                Err(_) => break,
            }
        }
        seen
    }

    pub fn close(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}
