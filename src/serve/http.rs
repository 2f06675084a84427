//! The HTTP side: a tiny_http server answering GET and HEAD from the in-memory site.
//!
//! Every response is built from memory (`LiveSite`), so a half-finished rebuild on disk can
//! never be served and nothing outside the site is reachable. HTML pages get the live-reload
//! script on the way out. Pages carry an ETag (a hash of the exact bytes sent) and
//! `Cache-Control: no-cache`, so browsers revalidate on every load and get a cheap 304 when
//! nothing changed.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::Arc;

use std::io::Write;
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

use super::inject;
use super::live_site::LiveSite;
use super::livereload::Broadcaster;
use super::request_path::{self, BadPath};
use crate::error::{Error, Result};

/// Threads answering requests. Answers come from memory and are quick; tiny_http gives each
/// open connection its own reading thread, so this does not limit concurrent readers.
const WORKERS: usize = 8;

/// The live-reload event stream (see `livereload.js`).
const EVENTS_PATH: &str = "/__devoops/events";
/// A JSON snapshot of the server's state: build generation, current error, open streams.
const STATUS_PATH: &str = "/__devoops/status";

/// Binds `addr` and starts answering requests on background threads. Returns the address
/// actually bound (port 0 picks a free port).
pub fn start(addr: SocketAddr, live: Arc<LiveSite>, reload: Broadcaster) -> Result<SocketAddr> {
    let server = Server::http(addr).map_err(|e| {
        Error::new(format!("cannot listen on {addr}: {e}"))
            .help("pick another port with --port, or stop the program using this one")
    })?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| Error::new("the server is not listening on an IP address"))?;
    let server = Arc::new(server);
    for n in 0..WORKERS {
        let (server, live, reload) = (server.clone(), live.clone(), reload.clone());
        std::thread::Builder::new()
            .name(format!("http-{n}"))
            .spawn(move || {
                while let Ok(request) = server.recv() {
                    answer(request, &live, &reload);
                }
            })
            .map_err(|e| Error::new(format!("cannot start an HTTP worker: {e}")))?;
    }
    Ok(bound)
}

/// A site file shared with the response without copying it.
struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn answer(request: Request, live: &LiveSite, reload: &Broadcaster) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        let response = text(405, "only GET and HEAD are supported\n")
            .with_header(header("Allow", "GET, HEAD"));
        send(request, response);
        return;
    }
    let target = request.url().split(['?', '#']).next().unwrap_or_default();
    if target == EVENTS_PATH && *request.method() == Method::Get {
        reload.join(request.into_writer(), live.generation());
        return;
    }
    if target == STATUS_PATH {
        let status = serde_json::json!({
            "generation": live.generation(),
            "error": live.failure(),
            "live_reload_clients": reload.clients(),
        });
        let response =
            Response::from_data(status.to_string()).with_header(content_type("application/json"));
        send(request, response);
        return;
    }
    let response = match request_path::site_path(request.url()) {
        Ok(path) => file_response(&path, live, if_none_match(&request)),
        Err(BadPath(why)) => text(400, &format!("bad request: {why}\n")),
    };
    send(request, response);
}

type Reply = Response<Cursor<Shared>>;

/// Writes `reply` and asks the browser to close the connection afterwards.
///
/// tiny_http serves each connection on a pooled thread for as long as the client keeps it
/// open, and its pool can lose the wake-up for a connection accepted while another is being
/// handed out: that connection then waits until some other one closes. Browsers keep idle
/// connections open for minutes, so a page load could stall on its last script. With
/// `Connection: close` (a header tiny_http's `Response` refuses to carry, hence the raw
/// write) every connection ends after one answer and a queued one is picked up at once.
/// Loopback connections are cheap; the live-reload stream is the only long-lived one.
fn send<R: std::io::Read>(request: Request, reply: Response<R>) {
    let head_only = *request.method() == Method::Head;
    let status = reply.status_code();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        status.0,
        status.default_reason_phrase()
    );
    for h in reply.headers() {
        head.push_str(&format!("{}: {}\r\n", h.field, h.value));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.data_length().unwrap_or(0)
    ));
    let mut body = reply.into_reader();
    let mut writer = request.into_writer();
    let _ = writer.write_all(head.as_bytes());
    if !head_only {
        let _ = std::io::copy(&mut body, &mut writer);
    }
    let _ = writer.flush();
}

fn file_response(path: &str, live: &LiveSite, if_none_match: Option<String>) -> Reply {
    let failure = live.failure();
    let Some(site) = live.site() else {
        let page = inject::placeholder_page(live.generation(), failure.as_deref());
        let status = if failure.is_some() { 500 } else { 503 };
        return body(status, "text/html; charset=utf-8", Arc::new(page));
    };
    let (status, path, bytes) = match site.get(path) {
        Some(bytes) => (200, path.to_string(), bytes),
        None => {
            // `/labs` for a folder with an index: send the browser to `/labs/`, so relative
            // links on that page resolve inside the folder.
            if site.get(&format!("{path}/index.html")).is_some() {
                return redirect(&format!("/{path}/"));
            }
            match site.get("404.html") {
                Some(bytes) => (404, "404.html".to_string(), bytes),
                None => return text(404, "not found\n"),
            }
        }
    };
    let kind = content_type_of(&path);
    let bytes = if kind.starts_with("text/html") {
        Arc::new(inject::with_live_reload(
            &bytes,
            live.generation(),
            failure.as_deref(),
        ))
    } else {
        bytes
    };
    let etag = etag_of(&bytes);
    if status == 200 && if_none_match.is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag))
    {
        return Response::new(
            StatusCode(304),
            Vec::new(),
            Cursor::new(Shared(Arc::default())),
            Some(0),
            None,
        )
        .with_header(header("ETag", &etag));
    }
    body(status, kind, bytes).with_header(header("ETag", &etag))
}

fn body(status: u16, kind: &str, bytes: Arc<Vec<u8>>) -> Reply {
    let len = bytes.len();
    Response::new(
        StatusCode(status),
        vec![
            content_type(kind),
            header("Cache-Control", "no-cache"),
            header("X-Content-Type-Options", "nosniff"),
        ],
        Cursor::new(Shared(bytes)),
        Some(len),
        None,
    )
}

fn text(status: u16, message: &str) -> Reply {
    body(
        status,
        "text/plain; charset=utf-8",
        Arc::new(message.as_bytes().to_vec()),
    )
}

fn redirect(location: &str) -> Reply {
    text(301, &format!("moved to {location}\n")).with_header(header("Location", location))
}

fn if_none_match(request: &Request) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv("If-None-Match"))
        .map(|h| h.value.as_str().to_string())
}

fn etag_of(bytes: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    format!("\"{:016x}-{:x}\"", hasher.finish(), bytes.len())
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header names are ASCII")
}

fn content_type(kind: &str) -> Header {
    header("Content-Type", kind)
}

/// The Content-Type for a site path, by extension. Unknown kinds are sent as bytes to
/// download (`nosniff` stops browsers from guessing otherwise).
pub fn content_type_of(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("otf") => "font/otf",
        Some("xml") => "application/xml",
        Some("txt" | "md" | "toml" | "sh") => "text/plain; charset=utf-8",
        Some("pdf") => "application/pdf",
        Some("wasm") => "application/wasm",
        Some("mp4") => "video/mp4",
        Some("webm") => "video/webm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(content_type_of("a/b.HTML"), "text/html; charset=utf-8");
        assert_eq!(content_type_of("css/main.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type_of("js/book.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type_of("images/favicon.svg"), "image/svg+xml");
        assert_eq!(content_type_of("fonts/x.woff2"), "font/woff2");
        assert_eq!(content_type_of("search.json"), "application/json");
        assert_eq!(content_type_of("x.png"), "image/png");
        assert_eq!(content_type_of("noext"), "application/octet-stream");
    }

    #[test]
    fn etags_follow_the_bytes() {
        assert_eq!(etag_of(b"abc"), etag_of(b"abc"));
        assert_ne!(etag_of(b"abc"), etag_of(b"abd"));
    }
}
