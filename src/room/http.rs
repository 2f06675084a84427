//! The room's side of HTTP, on the shared hardened server (`crate::http_server`: connection
//! cap below the file-descriptor limit, idle connections evicted first, time and size limits
//! on the request head, I/O timeouts, Host check). This module adds what only the room
//! needs: a report's body, read within 64 KiB and a deadline, and event streams written
//! from their own connection thread. Routing lives in `routes`.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Result;
use crate::http_server::{self, BodyError, Connection};

/// How long a request body may take to arrive in full, so a client trickling its body a
/// byte at a time is cut off like one trickling its head.
const BODY_DEADLINE: Duration = Duration::from_secs(10);

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

/// Binds `addr` and answers with `handler` on background threads; returns the address
/// bound (port 0 picks a free one).
pub fn start(addr: SocketAddr, max_body: usize, handler: Arc<dyn Handler>) -> Result<SocketAddr> {
    http_server::serve_on(
        addr,
        "the room's HTTP server",
        Arc::new(move |request, conn| answer(request, conn, max_body, handler.as_ref())),
    )
}

fn answer(
    request: http_server::Request,
    mut conn: Connection,
    max_body: usize,
    handler: &dyn Handler,
) {
    let head_only = request.method == "HEAD";
    if request.header("Transfer-Encoding").is_some() {
        // Chunked bodies are not taken (a checker always sends a length); with a
        // Content-Length beside it the request is ambiguous, so it is refused either way.
        return send(
            conn,
            Reply::text(411, "send a Content-Length, not chunks"),
            false,
        );
    }
    let body = if request.method == "POST" {
        match conn.read_body_within(&request, max_body, Some(BODY_DEADLINE)) {
            Ok(body) => body,
            Err(BodyError::NoLength) => {
                return send(conn, Reply::text(411, "send a Content-Length"), false);
            }
            Err(BodyError::TooLarge) => {
                return send(
                    conn,
                    Reply::text(413, "the body is larger than 64 KiB"),
                    false,
                );
            }
            Err(BodyError::Io(_)) => return,
        }
    } else {
        Vec::new()
    };
    let path = request.target.split(['?', '#']).next().unwrap_or("/");
    let reply = handler.handle(Request {
        method: request.method.clone(),
        path: path.to_string(),
        body,
    });
    send(conn, reply, head_only);
}

fn send(conn: Connection, reply: Reply, head_only: bool) {
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let _ = conn.respond(status, &headers, &body, head_only);
        }
        Reply::Events(events) => {
            // Blocking writes with the server's I/O timeout, from this connection's own
            // thread: a full board frame reaches a slow but live reader, and a reader that
            // stopped reading only ever holds up its own thread.
            let mut stream = conn.into_blocking_stream();
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).is_ok() && !head_only {
                let _ = events(&mut stream);
            }
        }
    }
}
