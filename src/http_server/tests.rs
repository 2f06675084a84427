//! The limits, against a real server on 127.0.0.1 with a tiny handler.

use super::*;
use std::io::{Read, Write};
use std::time::Instant;

fn small_limits() -> Limits {
    Limits {
        max_connections: 8,
        head_timeout: Duration::from_millis(1500),
        io_timeout: Duration::from_secs(2),
        max_head_bytes: 4096,
    }
}

fn start(limits: Limits) -> SocketAddr {
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        limits,
        HostPolicy::for_bind("127.0.0.1".parse().unwrap()),
    )
    .unwrap();
    let addr = server.local_addr().unwrap();
    server
        .start(Arc::new(|request: Request, conn: Connection| {
            let _ = conn.respond_text(200, &format!("you asked for {}\n", request.target));
        }))
        .unwrap();
    addr
}

/// Sends `head` and reads the whole answer (the server closes the connection).
fn exchange(addr: SocketAddr, head: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(head);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn get(addr: SocketAddr, host: &str) -> String {
    exchange(
        addr,
        format!("GET /page HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes(),
    )
}

#[test]
fn answers_once_and_closes() {
    let addr = start(small_limits());
    let answer = get(addr, &addr.to_string());
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("Connection: close\r\n"), "{answer}");
    assert!(answer.ends_with("you asked for /page\n"), "{answer}");
}

#[test]
fn a_foreign_host_name_is_refused() {
    let addr = start(small_limits());
    let answer = get(addr, "rebind.example:3000");
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(get(addr, "localhost").starts_with("HTTP/1.1 200"));
    let answer = exchange(addr, b"GET / HTTP/1.1\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
}

#[test]
fn an_oversized_head_is_refused_without_reading_it_all() {
    let addr = start(small_limits());
    let mut head = b"GET / HTTP/1.1\r\nHost: localhost\r\n".to_vec();
    for n in 0..200 {
        head.extend_from_slice(format!("X-Filler-{n}: {}\r\n", "a".repeat(100)).as_bytes());
    }
    let answer = exchange(addr, &head);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
}

#[test]
fn idle_sockets_are_closed_to_make_room_for_a_reader() {
    let addr = start(small_limits());
    let idle: Vec<TcpStream> = (0..40).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let started = Instant::now();
    let answer = get(addr, "127.0.0.1");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
}

#[test]
fn a_silent_client_is_closed_after_the_head_timeout() {
    let addr = start(small_limits());
    let mut silent = TcpStream::connect(addr).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 16];
    assert_eq!(
        silent.read(&mut buf).unwrap_or(0),
        0,
        "closed without an answer"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[test]
fn an_event_stream_write_to_a_stalled_reader_fails_at_once() {
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        small_limits(),
        HostPolicy::for_bind("127.0.0.1".parse().unwrap()),
    )
    .unwrap();
    let addr = server.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = Mutex::new(tx);
    server
        .start(Arc::new(move |_: Request, conn: Connection| {
            let _ = tx.lock().unwrap().send(conn.into_event_stream().unwrap());
        }))
        .unwrap();
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .write_all(b"GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut stream = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    // The client never reads: once the socket buffers are full a write must fail, not wait.
    let started = Instant::now();
    let chunk = vec![b'x'; 64 * 1024];
    let mut failed = false;
    for _ in 0..2000 {
        if stream.write_all(&chunk).is_err() {
            failed = true;
            break;
        }
    }
    assert!(failed, "128 MiB went into a socket nobody reads");
    assert!(started.elapsed() < Duration::from_secs(5));
}
