//! The HTTP side: answers GET and HEAD from the in-memory site, on the hardened server in
//! `crate::http_server` (connection cap, timeouts, header limit, Host check).
//!
//! Every response is built from memory (`LiveSite`), so a half-finished rebuild on disk can
//! never be served and nothing outside the site is reachable. HTML pages get the live-reload
//! script on the way out. Pages carry an ETag (a hash of the exact bytes sent) and
//! `Cache-Control: no-cache`, so browsers revalidate on every load and get a cheap 304 when
//! nothing changed. Every connection carries one request and is closed after its answer.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::net::SocketAddr;
use std::sync::Arc;

use super::inject;
use super::live_site::LiveSite;
use super::livereload::Broadcaster;
use super::request_path::{self, BadPath};
use crate::error::Result;
use crate::http_server::{Connection, Request};

/// The live-reload event stream (see `livereload.js`).
const EVENTS_PATH: &str = "/__devoops/events";
/// A JSON snapshot of the server's state: build generation, current error, open streams.
const STATUS_PATH: &str = "/__devoops/status";

/// Binds `addr` and starts answering requests on background threads. Returns the address
/// actually bound (port 0 picks a free port).
pub fn start(addr: SocketAddr, live: Arc<LiveSite>, reload: Broadcaster) -> Result<SocketAddr> {
    crate::http_server::serve_on(
        addr,
        "the HTTP server",
        Arc::new(move |request, conn| answer(request, conn, &live, &reload)),
    )
}

/// An answer from memory: status, headers and a body shared with the site without copying.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Arc<Vec<u8>>,
}

impl Reply {
    fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }
}

fn answer(request: Request, conn: Connection, live: &LiveSite, reload: &Broadcaster) {
    let head_only = request.method == "HEAD";
    if !(request.method == "GET" || head_only) {
        let reply =
            text(405, "only GET and HEAD are supported\n").with_header("Allow", "GET, HEAD");
        send(conn, reply, head_only);
        return;
    }
    let target = request.target.split(['?', '#']).next().unwrap_or_default();
    if target == EVENTS_PATH && !head_only {
        if let Ok(stream) = conn.into_event_stream() {
            reload.join(Box::new(stream), live.generation());
        }
        return;
    }
    if target == STATUS_PATH {
        let status = serde_json::json!({
            "generation": live.generation(),
            "error": live.failure(),
            "live_reload_clients": reload.clients(),
        });
        let reply = body(
            200,
            "application/json",
            Arc::new(status.to_string().into_bytes()),
        );
        send(conn, reply, head_only);
        return;
    }
    let reply = match request_path::site_path(&request.target) {
        Ok(path) => file_response(&path, live, request.header("If-None-Match")),
        Err(BadPath(why)) => text(400, &format!("bad request: {why}\n")),
    };
    send(conn, reply, head_only);
}

fn send(conn: Connection, reply: Reply, head_only: bool) {
    let headers: Vec<(&str, &str)> = reply
        .headers
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    let _ = conn.respond(reply.status, &headers, &reply.body, head_only);
}

fn file_response(path: &str, live: &LiveSite, if_none_match: Option<&str>) -> Reply {
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
        return Reply {
            status: 304,
            headers: vec![("ETag", etag)],
            body: Arc::default(),
        };
    }
    body(status, kind, bytes).with_header("ETag", &etag)
}

fn body(status: u16, kind: &str, bytes: Arc<Vec<u8>>) -> Reply {
    Reply {
        status,
        headers: vec![
            ("Content-Type", kind.to_string()),
            ("Cache-Control", "no-cache".to_string()),
            ("X-Content-Type-Options", "nosniff".to_string()),
        ],
        body: bytes,
    }
}

fn text(status: u16, message: &str) -> Reply {
    body(
        status,
        "text/plain; charset=utf-8",
        Arc::new(message.as_bytes().to_vec()),
    )
}

fn redirect(location: &str) -> Reply {
    text(301, &format!("moved to {location}\n")).with_header("Location", location)
}

fn etag_of(bytes: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    format!("\"{:016x}-{:x}\"", hasher.finish(), bytes.len())
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
