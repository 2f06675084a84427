//! The room's HTTP transport: a listener that a room of laptops on venue Wi-Fi, and a few
//! hostile ones, cannot wear down. Routing lives in `routes`; this module only moves
//! requests and answers, so it can be swapped for a shared server without touching them.
//!
//! Why not tiny_http, which `serve` uses: it has no read timeouts and no connection cap (a
//! few hundred idle sockets take every thread and then the file descriptors, and its accept
//! thread panics on "too many open files"), and it cannot bound the request head. A full
//! async stack (hyper on tokio) could, at the cost of a second runtime and some forty crates
//! for a server that answers about a hundred small requests a second. So this is a plain
//! thread per connection over `std::net`, with `httparse` (the parser hyper uses) reading
//! the request head, and these limits:
//! - at most `max_connections` open connections, and `max_per_peer` from one address
//!   other than this machine's own;
//!   past either, a new connection gets a 503 at once and is closed;
//! - the whole request (head and body) must arrive within `request_deadline`, so a
//!   slowloris client that trickles a byte at a time is cut off like an idle one;
//! - the head is at most `MAX_HEAD` bytes, the body at most `max_body` (413 otherwise,
//!   before it is read);
//! - writes time out, so a reader that stops reading frees its thread;
//! - every answer closes its connection.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest request head read (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;
/// Stack of a connection thread: parsing JSON and one SQLite insert need little.
const THREAD_STACK: usize = 256 * 1024;

#[derive(Clone, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub max_per_peer: usize,
    pub request_deadline: Duration,
    pub write_timeout: Duration,
    pub max_body: usize,
}

pub struct Request {
    pub method: String,
    /// The path without the query string.
    pub path: String,
    pub body: Vec<u8>,
}

/// Writes an event stream until the client goes away.
pub type Stream = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + Send>;

pub enum Reply {
    Full {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// `text/event-stream`: the headers are sent, then the stream writes events.
    Events(Stream),
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
        }
    }

    pub fn text(status: u16, message: &str) -> Reply {
        Reply::new(status, "text/plain; charset=utf-8", format!("{message}\n"))
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name, value.to_string()));
        }
        self
    }
}

pub trait Handler: Send + Sync + 'static {
    fn handle(&self, request: Request) -> Reply;
}

/// Open connections, in total and per peer address.
struct Counts {
    total: AtomicUsize,
    per_peer: Mutex<HashMap<IpAddr, usize>>,
}

/// Holds one connection's place in `Counts` until it is dropped.
struct Slot {
    counts: Arc<Counts>,
    peer: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.counts.total.fetch_sub(1, Ordering::SeqCst);
        let mut per_peer = self
            .counts
            .per_peer
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = per_peer.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                per_peer.remove(&self.peer);
            }
        }
    }
}

impl Counts {
    fn take(self: &Arc<Self>, peer: IpAddr, limits: &Limits) -> Option<Slot> {
        let mut per_peer = self.per_peer.lock().unwrap_or_else(|e| e.into_inner());
        let mine = per_peer.get(&peer).copied().unwrap_or(0);
        // A loopback peer is this machine: the instructor's own browser and tools.
        let peer_cap = if peer.is_loopback() {
            limits.max_connections
        } else {
            limits.max_per_peer
        };
        if mine >= peer_cap || self.total.load(Ordering::SeqCst) >= limits.max_connections {
            return None;
        }
        per_peer.insert(peer, mine + 1);
        self.total.fetch_add(1, Ordering::SeqCst);
        Some(Slot {
            counts: self.clone(),
            peer,
        })
    }
}

/// Accepts connections on `listener` on a thread of its own, forever.
pub fn start(listener: TcpListener, limits: Limits, handler: Arc<dyn Handler>) {
    let counts = Arc::new(Counts {
        total: AtomicUsize::new(0),
        per_peer: Mutex::new(HashMap::new()),
    });
    std::thread::Builder::new()
        .name("room-accept".into())
        .spawn(move || {
            loop {
                let (stream, peer) = match listener.accept() {
                    Ok(accepted) => accepted,
                    // Out of file descriptors, or a connection reset before it was
                    // accepted: wait a moment and go on; never stop listening.
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    }
                };
                let Some(slot) = counts.take(peer.ip(), &limits) else {
                    refuse(stream);
                    continue;
                };
                let (limits, handler) = (limits.clone(), handler.clone());
                let spawned = std::thread::Builder::new()
                    .name("room-conn".into())
                    .stack_size(THREAD_STACK)
                    .spawn(move || {
                        let _slot = slot;
                        connection(stream, &limits, handler.as_ref());
                    });
                if spawned.is_err() {
                    // Out of threads: the stream was moved into the closure and dropped,
                    // which closes it; the client will retry or queue.
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        })
        .expect("cannot start the room's accept thread");
}

/// Full: answer 503 without waiting on the client, and close.
fn refuse(mut stream: TcpStream) {
    let _ = stream.set_nonblocking(true);
    let _ = stream.write_all(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n",
    );
}

fn connection(mut stream: TcpStream, limits: &Limits, handler: &dyn Handler) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(limits.write_timeout));
    let mut head_only = false;
    let reply = match read_request(&mut stream, limits) {
        Ok(request) => {
            head_only = request.method == "HEAD";
            handler.handle(request)
        }
        Err(Refusal::Gone) => return,
        Err(Refusal::Status(status, why)) => Reply::text(status, why),
    };
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (name, value) in &headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ));
            let body: &[u8] = if head_only { &[] } else { &body };
            let _ = stream
                .write_all(head.as_bytes())
                .and_then(|()| stream.write_all(body))
                .and_then(|()| stream.flush());
        }
        Reply::Events(events) => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).is_ok() && !head_only {
                let _ = events(&mut stream);
            }
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

enum Refusal {
    /// The client closed or timed out before sending anything: nothing to answer.
    Gone,
    Status(u16, &'static str),
}

fn read_request(stream: &mut TcpStream, limits: &Limits) -> Result<Request, Refusal> {
    let deadline = Instant::now() + limits.request_deadline;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let (head_len, method, path, content_length, expects_continue) = loop {
        let n = read_some(stream, &mut chunk, deadline).map_err(|timed_out| {
            if timed_out && !buf.is_empty() {
                Refusal::Status(408, "the request took too long to arrive")
            } else {
                Refusal::Gone
            }
        })?;
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let mut content_length = 0usize;
                let mut expects_continue = false;
                for header in parsed.headers.iter() {
                    if header.name.eq_ignore_ascii_case("content-length") {
                        content_length = std::str::from_utf8(header.value)
                            .ok()
                            .and_then(|v| v.trim().parse().ok())
                            .ok_or(Refusal::Status(400, "bad Content-Length"))?;
                    } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                        return Err(Refusal::Status(411, "send a Content-Length"));
                    } else if header.name.eq_ignore_ascii_case("expect") {
                        expects_continue = header.value.eq_ignore_ascii_case(b"100-continue");
                    }
                }
                let target = parsed.path.unwrap_or("/");
                let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
                break (
                    len,
                    parsed.method.unwrap_or("GET").to_string(),
                    path,
                    content_length,
                    expects_continue,
                );
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) => {
                return Err(Refusal::Status(431, "request head too large"));
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(Refusal::Status(431, "too many headers"));
            }
            Err(_) => return Err(Refusal::Status(400, "not an HTTP request")),
        }
    };
    if content_length > limits.max_body {
        return Err(Refusal::Status(413, "the body is larger than 64 KiB"));
    }
    if expects_continue && buf.len() - head_len < content_length {
        let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let mut body = buf.split_off(head_len.min(buf.len()));
    while body.len() < content_length {
        let n = read_some(stream, &mut chunk, deadline)
            .map_err(|_| Refusal::Status(408, "the request body took too long to arrive"))?;
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(content_length);
    Ok(Request { method, path, body })
}

/// Reads what is there before `deadline`. `Err(true)` on timeout, `Err(false)` when the
/// client closed the connection or it failed.
fn read_some(stream: &mut TcpStream, chunk: &mut [u8], deadline: Instant) -> Result<usize, bool> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(true);
    }
    stream.set_read_timeout(Some(left)).map_err(|_| false)?;
    match stream.read(chunk) {
        Ok(0) => Err(false),
        Ok(n) => Ok(n),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Err(true)
        }
        Err(_) => Err(false),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Raises the soft limit on open files to the hard limit, so the connection cap, not the
/// operating system (256 by default on macOS), decides how many participants fit.
pub fn raise_open_file_limit() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        if let Some(max) = limit.maximum {
            limit.current = Some(max.min(65_536));
            let _ = setrlimit(Resource::Nofile, limit);
        }
    }
}

/// The open-file limit in force (`None` where the platform has none to ask).
pub fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_capped_in_total_and_per_peer() {
        let limits = Limits {
            max_connections: 4,
            max_per_peer: 2,
            request_deadline: Duration::from_secs(1),
            write_timeout: Duration::from_secs(1),
            max_body: 10,
        };
        let counts = Arc::new(Counts {
            total: AtomicUsize::new(0),
            per_peer: Mutex::new(HashMap::new()),
        });
        let laptop: IpAddr = "192.168.1.20".parse().unwrap();
        let other: IpAddr = "192.168.1.21".parse().unwrap();
        let here: IpAddr = "127.0.0.1".parse().unwrap();
        let a = counts.take(laptop, &limits).unwrap();
        let _b = counts.take(laptop, &limits).unwrap();
        assert!(
            counts.take(laptop, &limits).is_none(),
            "third from one laptop"
        );
        let _c = counts.take(other, &limits).unwrap();
        let _d = counts.take(here, &limits).unwrap();
        assert!(counts.take(here, &limits).is_none(), "over the total");
        drop(a);
        assert!(
            counts.take(laptop, &limits).is_some(),
            "a closed connection frees its slot"
        );
    }
}
