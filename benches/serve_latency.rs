//! Edit → new page served: how long after a chapter is saved does `devoops serve` answer
//! with the new page, on the 1,000-page synthetic book, next to `mdbook serve` in the same
//! run. Not a timed test: it reports numbers.
//!
//!     cargo bench --bench serve_latency
//!
//! Environment: `BENCH_PAGES` (default 1000), `BENCH_ROUNDS` (default 20),
//! `BENCH_MDBOOK_ROUNDS` (default 5: each of its rebuilds takes seconds), `BENCH_BOOK_DIR` (reuse a generated book), `GEN_BOOK` (the generator, default
//! `benches/gen_book.py`), `MDBOOK` (default `~/.cargo/bin/mdbook`, skipped if absent).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A running server, killed when dropped.
struct Running {
    child: Child,
    lines: Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(command: &mut Command) -> Running {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let (tx, lines) = channel();
    let out: [Box<dyn Read + Send>; 2] = [
        Box::new(child.stdout.take().unwrap()),
        Box::new(child.stderr.take().unwrap()),
    ];
    for stream in out {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    Running { child, lines }
}

/// GET over a fresh connection; the body, or `None` for anything but 200.
fn fetch(addr: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let response = String::from_utf8_lossy(&response);
    response
        .starts_with("HTTP/1.1 200")
        .then(|| response.into_owned())
}

fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if done() {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Appends a marker to the chapter `rounds` times and times each until the served page
/// shows it. The first edit (a warm-up) is not counted.
fn measure(addr: &str, chapter: &Path, page: &str, rounds: usize, tag: &str) -> Vec<Duration> {
    let original = std::fs::read_to_string(chapter).unwrap();
    let mut samples = Vec::new();
    for round in 0..=rounds {
        let marker = format!("latency-marker-{tag}-{round}");
        std::fs::write(chapter, format!("{original}\n\n{marker}\n")).unwrap();
        let took = wait_until(Duration::from_secs(120), || {
            fetch(addr, page).is_some_and(|body| body.contains(&marker))
        })
        .unwrap_or_else(|| panic!("{tag}: the edit never showed up in {page}"));
        if round > 0 {
            samples.push(took);
        }
        // Let the server finish what follows the page (print page, search index) before
        // the next save: an author does not save twice a second.
        std::thread::sleep(Duration::from_millis(1500));
    }
    std::fs::write(chapter, original).unwrap();
    samples
}

/// A log line with a long list of paths cut down to its first few.
fn shorten(line: &str) -> String {
    let paths: Vec<&str> = line.split(", ").collect();
    if paths.len() <= 4 {
        return line.to_string();
    }
    let tail = paths
        .last()
        .and_then(|p| p.split_once(' '))
        .map_or("", |(_, t)| t);
    format!(
        "{}, … ({} files) {tail}",
        paths[..3].join(", "),
        paths.len()
    )
}

fn summary(samples: &mut [Duration]) -> String {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pick = |q: f64| ms(samples[((samples.len() - 1) as f64 * q).round() as usize]);
    format!(
        "median {:8.1} ms   p90 {:8.1} ms   min {:8.1} ms   max {:8.1} ms   (n={})",
        pick(0.5),
        pick(0.9),
        ms(samples[0]),
        ms(samples[samples.len() - 1]),
        samples.len()
    )
}

fn main() {
    let pages: usize = env_or("BENCH_PAGES", 1000);
    let rounds: usize = env_or("BENCH_ROUNDS", 20);
    let mdbook_rounds: usize = env_or("BENCH_MDBOOK_ROUNDS", 5);
    let scratch = tempfile::tempdir().unwrap();
    let book_dir = match std::env::var_os("BENCH_BOOK_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let generator = std::env::var_os("GEN_BOOK").map_or_else(
                || Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen_book.py"),
                PathBuf::from,
            );
            let out = scratch.path().join("book");
            let status = Command::new("python3")
                .arg(&generator)
                .args(["--pages", &pages.to_string(), "--out"])
                .arg(&out)
                .stdout(Stdio::null())
                .status()
                .expect("python3 runs");
            assert!(status.success(), "{} failed", generator.display());
            out
        }
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(book_dir.join("manifest.json")).unwrap())
            .unwrap();
    let docs = manifest["docs"].as_array().unwrap();
    let leaf = docs
        .iter()
        .filter(|d| d["kind"] == "page")
        .nth(docs.len() / 3)
        .unwrap_or(&docs[docs.len() / 2]);
    let root = book_dir.join("mdbook");
    let chapter = root.join(leaf["mdbook_src"].as_str().unwrap());
    let page = leaf["mdbook_out"]
        .as_str()
        .unwrap()
        .trim_start_matches("book/")
        .to_string();
    println!(
        "edit → new page served, {} pages, chapter {}",
        docs.len(),
        leaf["mdbook_src"].as_str().unwrap()
    );

    // devoops serve
    let started = Instant::now();
    let devoops = spawn(
        Command::new(env!("CARGO_BIN_EXE_devoops"))
            .args(["serve", "--port", "0"])
            .arg(&root),
    );
    let url = devoops
        .lines
        .iter()
        .find_map(|line| {
            line.strip_prefix("Serving the book at ")
                .map(|rest| rest.split_whitespace().next().unwrap().to_string())
        })
        .expect("devoops serve prints its address");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    println!(
        "devoops serve: first build and listening in {:.2?}",
        started.elapsed()
    );
    let mut ours = measure(&addr, &chapter, &page, rounds, "devoops");
    // Its own log: the page of the last save, then the print page and decks, which follow
    // on a worker thread (and skip saves that came while they were being rebuilt).
    let mut rebuilt: Vec<String> = devoops
        .lines
        .try_iter()
        .filter(|l| l.starts_with("Rebuilt"))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !rebuilt.last().is_some_and(|l| l.contains("since the save")) {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            break;
        };
        match devoops.lines.recv_timeout(left) {
            Ok(line) if line.starts_with("Rebuilt") => rebuilt.push(line),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    drop(devoops);
    println!("  devoops serve  {}", summary(&mut ours));
    let page_line = rebuilt.iter().rev().find(|l| !l.contains("since the save"));
    let derived_line = rebuilt.iter().rev().find(|l| l.contains("since the save"));
    for line in [page_line, derived_line].into_iter().flatten() {
        println!("  (its log: {})", shorten(line));
    }

    // mdbook serve, same book, same chapter
    let mdbook_bin = std::env::var_os("MDBOOK").map_or_else(
        || PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo/bin/mdbook"),
        PathBuf::from,
    );
    if !mdbook_bin.exists() {
        println!(
            "  mdbook serve   skipped: {} not found",
            mdbook_bin.display()
        );
        return;
    }
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let mdbook = spawn(
        Command::new(&mdbook_bin)
            .args(["serve", "-n", "127.0.0.1", "-p", &port.to_string()])
            .arg(&root),
    );
    // It serves before its watcher has scanned the book: wait for it to say it watches.
    mdbook
        .lines
        .iter()
        .find(|line| line.contains("Watching for changes"))
        .expect("mdbook serve watches the book");
    std::thread::sleep(Duration::from_secs(2));
    wait_until(Duration::from_secs(60), || fetch(&addr, &page).is_some())
        .expect("mdbook serve came up");
    println!(
        "mdbook serve: first build and listening in {:.2?}",
        started.elapsed()
    );
    let mut theirs = measure(&addr, &chapter, &page, mdbook_rounds, "mdbook");
    println!("  mdbook serve   {}", summary(&mut theirs));
}
