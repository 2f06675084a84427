//! `devoops serve` on a classroom network: it keeps answering a reader while idle sockets,
//! stalled downloads and a stalled live-reload tab pile up, refuses oversized heads and
//! foreign Host names, and closes every connection after its answer. All traffic stays on
//! 127.0.0.1 and is bounded in count and time.
#![cfg(target_os = "linux")]

mod serve_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serve_support::*;

/// One reader's request on a fresh connection: the status and how long the answer took.
fn read_page(addr: &str, path: &str) -> (u16, Duration) {
    let started = Instant::now();
    let (status, response) = raw_request(addr, "GET", path);
    assert!(response.contains("Connection: close"), "{response}");
    (status, started.elapsed())
}

#[test]
fn a_thousand_idle_sockets_at_ulimit_256_do_not_lock_out_a_reader() {
    let book = SampleBook::new(0);
    let server = Server::start_with_open_files(&book.root, &[], 256);
    let addr = server.addr();
    let sock: SocketAddr = addr.parse().unwrap();
    let mut idle = Vec::new();
    for _ in 0..1000 {
        if let Ok(s) = TcpStream::connect_timeout(&sock, Duration::from_secs(2)) {
            idle.push(s);
        }
    }
    eprintln!("{} idle sockets open", idle.len());
    assert!(
        idle.len() >= 900,
        "only {} connections were accepted",
        idle.len()
    );
    for _ in 0..5 {
        let (status, took) = read_page(&addr, "/intro.html");
        assert_eq!(status, 200);
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
    // More idle sockets after the reader, then a reader again: the server never went deaf.
    for _ in 0..300 {
        if let Ok(s) = TcpStream::connect_timeout(&sock, Duration::from_secs(2)) {
            idle.push(s);
        }
    }
    assert_eq!(read_page(&addr, "/setup.html").0, 200);
    drop(idle);
    assert_eq!(read_page(&addr, "/intro.html").0, 200);
    assert!(
        !server.output().iter().any(|l| l.contains("panicked")),
        "{:?}",
        server.output()
    );
}

#[test]
fn stalled_downloads_and_a_stalled_live_reload_tab_block_nobody() {
    let book = SampleBook::new(0);
    // Large enough that the socket buffers fill and each download's writer waits.
    let big: Vec<u8> = (0..24 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    std::fs::create_dir_all(book.path("content/files")).unwrap();
    std::fs::write(book.path("content/files/big.bin"), &big).unwrap();
    let server = Server::start(&book.root, &[]);
    let addr = server.addr();
    let healthy = Events::connect(&addr);
    // A tab that opened the stream and then stopped reading (a laptop gone to sleep).
    let mut asleep = TcpStream::connect(&addr).unwrap();
    write!(
        asleep,
        "GET /__devoops/events HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    // Eight downloads that never read a byte of their answer.
    let stalled: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = TcpStream::connect(&addr).unwrap();
            write!(s, "GET /files/big.bin HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    for path in ["/intro.html", "/setup.html", "/css/main.css"] {
        let (status, took) = read_page(&addr, path);
        assert_eq!(status, 200, "{path}");
        assert!(took < Duration::from_secs(5), "{path}: {took:?}");
    }
    // Live reload still reaches the tab that reads.
    book.write(
        "content/intro.md",
        "# Introduction\n\nEdited while others stall.\n",
    );
    assert!(
        healthy
            .wait_for("reload", "intro.html", Duration::from_secs(20))
            .is_some(),
        "the reading tab got the reload"
    );
    // A full download still arrives whole for a reader that reads.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(s, "GET /files/big.bin HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    assert!(
        answer.ends_with(&big[big.len() - 4096..]),
        "{} bytes",
        answer.len()
    );
    drop((stalled, asleep));
}

#[test]
fn oversized_heads_and_foreign_host_names_are_refused() {
    let book = SampleBook::new(0);
    let server = Server::start(&book.root, &[]);
    let addr = server.addr();

    // Headers without end: refused after a bounded amount, long before 1 MiB is read.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET / HTTP/1.1\r\nHost: {addr}\r\n").unwrap();
    let line = format!("X-Filler: {}\r\n", "a".repeat(1000));
    for _ in 0..1024 {
        if s.write_all(line.as_bytes()).is_err() {
            break;
        }
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer}"
    );

    // A DNS-rebinding page reaches 127.0.0.1 under its own name: no answer for it.
    let answer = intro_for_host(&addr, "rebind.example:3000");
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(!answer.contains("Intro body text"), "{answer}");

    // `localhost` is this machine, and the connection ends after the answer.
    let port = addr.rsplit(':').next().unwrap();
    let answer = intro_for_host(&addr, &format!("localhost:{port}"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("Connection: close\r\n"), "{answer}");
}

/// The whole answer to `GET /intro.html` sent with `Host: host`.
fn intro_for_host(addr: &str, host: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET /intro.html HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}
