//! A small HTTP/1.1 server that holds up on a classroom network: `devoops serve` and the
//! instructor's board both sit on it.
//!
//! Why not tiny_http (0.12, the server used before): its accept thread ends for good on the
//! first accept error, and "too many open files" is one, so a few hundred idle sockets left
//! the server listening but deaf; it gives every connection a thread with no read timeout, no
//! cap and no limit on header size. None of that can be set from outside. The maintained
//! alternatives (hyper, axum, actix) bring an async runtime to serve files from memory. So
//! parsing is httparse's, and this module adds only the limits:
//!
//! - at most [`Limits::max_connections`] connections, below the file-descriptor limit (raised
//!   from soft to hard at start); when full, the connection that has waited longest without
//!   sending a complete request is closed to make room, so idle sockets cannot lock out a
//!   reader; an accept error (out of descriptors) waits a moment and carries on;
//! - the whole request head must arrive within [`Limits::head_timeout`] and fit in
//!   [`Limits::max_head_bytes`];
//! - every read and write after that gives up after [`Limits::io_timeout`] without progress;
//! - one request per connection, answered with `Connection: close`, and the socket is closed;
//! - the `Host` header must name this server ([`HostPolicy`]), against DNS rebinding.

mod host;
mod request;

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use host::HostPolicy;
pub use request::Request;

use request::HeadError;

/// The bounds every connection lives within.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    pub head_timeout: Duration,
    pub io_timeout: Duration,
    pub max_head_bytes: usize,
}

/// Descriptors kept free for everything else the process opens (source files, the watcher).
const RESERVED_FDS: u64 = 64;
/// More connection threads than this help nobody on a laptop.
const MOST_CONNECTIONS: u64 = 1024;
/// Each connection's thread only parses a head and writes an answer from memory.
const THREAD_STACK: usize = 256 * 1024;

impl Limits {
    /// Raises this process's soft limit on open files to the hard limit, and sets the
    /// connection cap below it.
    pub fn for_this_process() -> Limits {
        let fds = raise_fd_limit();
        let max = fds.saturating_sub(RESERVED_FDS).clamp(16, MOST_CONNECTIONS);
        Limits {
            max_connections: max as usize,
            head_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(10),
            max_head_bytes: 32 * 1024,
        }
    }
}

/// The soft limit on open files after raising it as far as allowed.
fn raise_fd_limit() -> u64 {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        // `None` is "unlimited". macOS refuses a soft limit above OPEN_MAX (10240) even when
        // the hard limit is unlimited.
        let ceiling = cfg!(target_os = "macos").then_some(10240);
        let wanted = match (limit.maximum, ceiling) {
            (Some(hard), Some(ceiling)) => Some(hard.min(ceiling)),
            (hard, None) => hard,
            (None, ceiling) => ceiling,
        };
        if wanted != limit.current {
            limit.current = wanted;
            let _ = setrlimit(Resource::Nofile, limit);
        }
        getrlimit(Resource::Nofile)
            .current
            .unwrap_or(MOST_CONNECTIONS + RESERVED_FDS)
    }
    #[cfg(not(unix))]
    {
        MOST_CONNECTIONS + RESERVED_FDS
    }
}

/// Connections the kernel may hold for the accept thread. The standard library asks for 128:
/// a room of laptops reconnecting at once (the Wi-Fi coming back, a hundred checkers in the
/// same second) overflows that on a busy machine, and every dropped connection attempt
/// costs its client a retransmission of a second or more.
#[cfg(target_os = "linux")]
const LISTEN_BACKLOG: i32 = 1024;

/// A listening socket on `addr`, with a longer queue of pending connections where the
/// platform lets one ask for it.
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    #[cfg(target_os = "linux")]
    {
        use rustix::net::{AddressFamily, SocketFlags, SocketType, sockopt};
        let family = if addr.is_ipv4() {
            AddressFamily::INET
        } else {
            AddressFamily::INET6
        };
        let fd = rustix::net::socket_with(family, SocketType::STREAM, SocketFlags::CLOEXEC, None)?;
        sockopt::set_socket_reuseaddr(&fd, true)?;
        rustix::net::bind(&fd, &addr)?;
        rustix::net::listen(&fd, LISTEN_BACKLOG)?;
        Ok(TcpListener::from(fd))
    }
    #[cfg(not(target_os = "linux"))]
    {
        TcpListener::bind(addr)
    }
}

/// What a connection thread is given to answer with. Handlers run on that thread.
pub type Handler = dyn Fn(Request, Connection) + Send + Sync;

/// Serves `handler` on `addr` with this process's limits and the Host policy of the
/// address, on background threads for the rest of the process. Returns the address bound
/// (port 0 picks a free one); `what` names the server in errors.
pub fn serve_on(
    addr: SocketAddr,
    what: &str,
    handler: Arc<Handler>,
) -> crate::error::Result<SocketAddr> {
    use crate::error::Error;
    let server = Server::bind(
        addr,
        Limits::for_this_process(),
        HostPolicy::for_bind(addr.ip()),
    )
    .map_err(|e| {
        Error::new(format!("cannot listen on {addr}: {e}"))
            .help("pick another port with --port, or stop the program using this one")
    })?;
    let bound = server
        .local_addr()
        .map_err(|e| Error::new(format!("{what} has no address: {e}")))?;
    server
        .start(handler)
        .map_err(|e| Error::new(format!("cannot start {what}: {e}")))?;
    Ok(bound)
}

/// A bound listener, not yet accepting.
pub struct Server {
    listener: TcpListener,
    limits: Limits,
    hosts: HostPolicy,
}

impl Server {
    pub fn bind(addr: SocketAddr, limits: Limits, hosts: HostPolicy) -> io::Result<Server> {
        Ok(Server {
            listener: listen(addr)?,
            limits,
            hosts,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections on a background thread for the rest of the process, answering
    /// each request with `handler`.
    pub fn start(self, handler: Arc<Handler>) -> io::Result<()> {
        let shared = Arc::new(Shared::default());
        std::thread::Builder::new()
            .name("http-accept".into())
            .spawn(move || accept_loop(self, shared, handler))?;
        Ok(())
    }
}

#[derive(Default)]
struct Shared {
    open: AtomicUsize,
    next_id: AtomicU64,
    /// Connections still waiting for their request head, oldest first.
    waiting: Mutex<VecDeque<(u64, Arc<TcpStream>)>>,
}

impl Shared {
    /// Closes the connection that has waited longest for its request head.
    fn evict_oldest(&self) -> bool {
        let oldest = self.waiting.lock().expect("connection list").pop_front();
        match oldest {
            Some((_, stream)) => {
                let _ = stream.shutdown(Shutdown::Both);
                true
            }
            None => false,
        }
    }

    fn done_waiting(&self, id: u64) {
        self.waiting
            .lock()
            .expect("connection list")
            .retain(|(i, _)| *i != id);
    }
}

/// One open connection's share of the cap, given back when dropped.
struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 2\r\nContent-Length: 21\r\nConnection: close\r\n\r\ntoo many connections\n";

fn accept_loop(server: Server, shared: Arc<Shared>, handler: Arc<Handler>) {
    let limits = Arc::new(server.limits);
    let hosts = Arc::new(server.hosts);
    loop {
        let stream = match server.listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of descriptors (or memory): free one and give the rest a moment. The
                // pending connection stays queued in the kernel and is accepted next time.
                shared.evict_oldest();
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        if shared.open.load(Ordering::SeqCst) >= limits.max_connections && !shared.evict_oldest() {
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = (&stream).write_all(BUSY);
            continue;
        }
        shared.open.fetch_add(1, Ordering::SeqCst);
        let slot = Slot(shared.clone());
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        let stream = Arc::new(stream);
        shared
            .waiting
            .lock()
            .expect("connection list")
            .push_back((id, stream.clone()));
        let (limits, hosts, handler, registry) = (
            limits.clone(),
            hosts.clone(),
            handler.clone(),
            shared.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("http-conn".into())
            .stack_size(THREAD_STACK)
            .spawn(move || {
                let result = request::read_head(&stream, &limits);
                registry.done_waiting(id);
                let conn = Connection {
                    stream,
                    _slot: slot,
                    body_start: Vec::new(),
                    io_timeout: limits.io_timeout,
                };
                serve_one(result, conn, &hosts, &*handler);
            });
        if spawned.is_err() {
            // No thread to spare: the closure (and with it the socket and slot) is dropped.
            shared.done_waiting(id);
        }
    }
}

fn serve_one(
    head: Result<(Request, Vec<u8>), HeadError>,
    mut conn: Connection,
    hosts: &HostPolicy,
    handler: &Handler,
) {
    let _ = conn.stream.set_write_timeout(Some(conn.io_timeout));
    let _ = conn.stream.set_read_timeout(Some(conn.io_timeout));
    match head {
        Ok((request, body_start)) => match request.header("Host") {
            Some(host) if hosts.allows(host) => {
                conn.body_start = body_start;
                handler(request, conn);
            }
            Some(_) => {
                let _ = conn.respond_text(
                    403,
                    "this server answers only to the names it is served at; open it by its address (such as http://127.0.0.1:3000/)\n",
                );
            }
            None => {
                let _ = conn.respond_text(400, "a Host header is required\n");
            }
        },
        Err(HeadError::TooLarge) => {
            let _ = conn.respond_text(431, "request headers too large\n");
        }
        Err(HeadError::Malformed) => {
            let _ = conn.respond_text(400, "malformed request\n");
        }
        Err(HeadError::Gone) => {}
    }
}

/// The client's socket, once its request head is read: answer once with [`respond`], or
/// keep it open for a stream of events with [`into_event_stream`].
///
/// [`respond`]: Connection::respond
/// [`into_event_stream`]: Connection::into_event_stream
pub struct Connection {
    stream: Arc<TcpStream>,
    _slot: Slot,
    body_start: Vec<u8>,
    io_timeout: Duration,
}

/// Why a request body was not read.
#[derive(Debug)]
pub enum BodyError {
    /// No `Content-Length` (chunked bodies are not accepted).
    NoLength,
    TooLarge,
    Io(io::Error),
}

impl Connection {
    /// Reads the request body (`Content-Length` bytes, at most `max`).
    pub fn read_body(&mut self, request: &Request, max: usize) -> Result<Vec<u8>, BodyError> {
        self.read_body_within(request, max, None)
    }

    /// As [`read_body`](Connection::read_body), with the whole body due within `deadline`:
    /// a client trickling its body a byte at a time is cut off like one trickling its head.
    /// `None` waits as long as bytes keep coming within the I/O timeout.
    pub fn read_body_within(
        &mut self,
        request: &Request,
        max: usize,
        deadline: Option<Duration>,
    ) -> Result<Vec<u8>, BodyError> {
        let length: usize = request
            .header("Content-Length")
            .and_then(|v| v.trim().parse().ok())
            .ok_or(BodyError::NoLength)?;
        if length > max {
            return Err(BodyError::TooLarge);
        }
        let mut body = std::mem::take(&mut self.body_start);
        body.truncate(length);
        let due = deadline.map(|d| std::time::Instant::now() + d);
        let mut chunk = [0u8; 8192];
        while body.len() < length {
            if let Some(due) = due {
                let left = due.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    return Err(BodyError::Io(io::ErrorKind::TimedOut.into()));
                }
                let _ = self
                    .stream
                    .set_read_timeout(Some(left.min(self.io_timeout)));
            }
            let want = (length - body.len()).min(chunk.len());
            match (&*self.stream).read(&mut chunk[..want]) {
                Ok(0) => return Err(BodyError::Io(io::ErrorKind::UnexpectedEof.into())),
                Ok(n) => body.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(BodyError::Io(e)),
            }
        }
        Ok(body)
    }

    /// Sends one complete answer and closes the connection. `head_only` (for HEAD) sends
    /// the headers, with the body's length, and no body.
    pub fn respond(
        self,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
        head_only: bool,
    ) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (name, value) in headers {
            if name.contains(['\r', '\n']) || value.contains(['\r', '\n']) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "header with a line break",
                ));
            }
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        let mut out = &*self.stream;
        out.write_all(head.as_bytes())?;
        if !head_only {
            out.write_all(body)?;
        }
        out.flush()?;
        self.close_gently();
        Ok(())
    }

    pub fn respond_text(self, status: u16, text: &str) -> io::Result<()> {
        self.respond(
            status,
            &[("Content-Type", "text/plain; charset=utf-8")],
            text.as_bytes(),
            false,
        )
    }

    /// Keeps the socket for a long-lived stream (Server-Sent Events). Writes to it never
    /// wait: one that cannot complete at once fails, so a reader that stopped reading (a
    /// laptop gone to sleep) is dropped instead of holding up everyone else's events.
    pub fn into_event_stream(self) -> io::Result<EventStream> {
        self.stream.set_nonblocking(true)?;
        Ok(EventStream {
            stream: self.stream,
            _slot: self._slot,
        })
    }

    /// Keeps the socket for a long-lived stream written from this connection's own thread:
    /// writes wait up to the I/O timeout, so a large event reaches a slow but live reader,
    /// and a reader that stopped reading frees the thread once the timeout passes.
    pub fn into_blocking_stream(self) -> EventStream {
        EventStream {
            stream: self.stream,
            _slot: self._slot,
        }
    }

    /// Closes after the answer without losing it: ends our side, lets the client's
    /// remaining bytes drain (briefly, boundedly), then closes. Closing with unread input
    /// makes the kernel reset the connection, which can cut off the answer.
    fn close_gently(self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let _ = self
            .stream
            .set_read_timeout(Some(Duration::from_millis(500)));
        let mut sink = [0u8; 4096];
        let mut left = 64 * 1024;
        while left > 0 {
            match (&*self.stream).read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => left -= n.min(left),
            }
        }
    }
}

/// A connection kept open for events, see [`Connection::into_event_stream`].
pub struct EventStream {
    stream: Arc<TcpStream>,
    _slot: Slot,
}

impl Write for EventStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.stream).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.stream).flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests;
