//! What the room answers, and who may ask.
//!
//! - `POST /r/CODE`: a checker's report (the only write; the room code is the secret).
//!   `GET /r/CODE` is a page telling a participant how to report.
//! - `/board/KEY` (the instructor key is the secret): the board, `events` (SSE),
//!   `export.json`, `export.csv`. Only these carry names.
//! - `/`: the projector view, and `/events` its stream: counts only.
//! - `/assets/…`: the pages' script and style (no inline code, so the pages can forbid it).
//!
//! A wrong code or key is 401, an unknown path 404, a method a path does not take 405.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::board::Board;
use super::http::{Handler, Reply, Request};
use super::live::Live;
use super::rate_limit::RateLimit;
use super::report;
use super::store::{Secrets, Writer};

/// Open event streams allowed at once, each holding a connection thread: projector streams
/// (anyone on the LAN can open one) and board streams (instructor key) are counted apart,
/// so projector tabs can never lock the instructor out of the board.
const MAX_PROJECTOR_STREAMS: usize = 48;
const MAX_BOARD_STREAMS: usize = 16;
/// A comment line this often keeps idle streams open through proxies and detects boards
/// that went away.
const KEEPALIVE: Duration = Duration::from_secs(15);

const PAGE: &str = include_str!("assets/board.html");
const SCRIPT: &str = include_str!("assets/board.js");
const STYLE: &str = include_str!("assets/board.css");
const ICON: &str = include_str!("assets/favicon.svg");

/// Pages load only their own script and style, and connect only back to the room.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub struct Room {
    writer: Writer,
    board: Mutex<Board>,
    live: Arc<Live>,
    secrets: Secrets,
    rate: Mutex<RateLimit>,
    /// Open streams: projector, board.
    streams: [Arc<AtomicUsize>; 2],
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Room {
    pub fn new(writer: Writer, board: Board, secrets: Secrets) -> Arc<Room> {
        let room = Arc::new(Room {
            writer,
            board: Mutex::new(board),
            live: Arc::new(Live::default()),
            secrets,
            rate: Mutex::new(RateLimit::default()),
            streams: Default::default(),
        });
        let weak = Arc::downgrade(&room);
        room.live.start_publisher(move || match weak.upgrade() {
            Some(room) => {
                let board = room.board.lock().unwrap_or_else(|e| e.into_inner());
                let now = now_ms();
                (
                    board.instructor_view(now).to_string(),
                    board.projector_view(now).to_string(),
                )
            }
            None => (String::new(), String::new()),
        });
        room
    }

    fn accept_report(&self, body: &[u8]) -> Reply {
        let report = match report::parse(body) {
            Ok(report) => report,
            Err(why) => return Reply::text(400, &format!("bad report: {why}")),
        };
        let allowed = self
            .rate
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .allow(&report.name, Instant::now());
        if !allowed {
            return Reply::text(
                429,
                "too many reports; the checker keeps this one for later",
            )
            .with_header("Retry-After", "1");
        }
        let received = now_ms();
        // Committed to disk before the 200 goes out: that is the promise to the checker.
        let added = self.writer.insert(report.clone(), received);
        match added {
            Ok(true) => {
                self.board
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .apply(&report, received);
                self.live.touch();
                Reply::text(200, "reported")
            }
            Ok(false) => Reply::text(200, "reported (already stored)"),
            Err(e) => Reply::text(500, &format!("the room could not store the report: {e}")),
        }
    }

    fn events(&self, names: bool) -> Reply {
        let (streams, max) = if names {
            (&self.streams[1], MAX_BOARD_STREAMS)
        } else {
            (&self.streams[0], MAX_PROJECTOR_STREAMS)
        };
        if streams.fetch_add(1, Ordering::SeqCst) >= max {
            streams.fetch_sub(1, Ordering::SeqCst);
            return Reply::text(503, "too many open boards");
        }
        let live = self.live.clone();
        let streams = streams.clone();
        Reply::Events(Box::new(move |out: &mut dyn Write| {
            let result = stream_frames(out, &live, names);
            streams.fetch_sub(1, Ordering::SeqCst);
            result
        }))
    }

    fn board_route(&self, rest: &str, method: &str) -> Reply {
        let (key, sub) = rest.split_once('/').unwrap_or((rest, ""));
        if !same_secret(key, &self.secrets.instructor_key) {
            return Reply::text(
                401,
                "wrong instructor key: use the board address `devoops room` printed",
            );
        }
        if !matches!(method, "GET" | "HEAD") {
            return method_not_allowed("GET, HEAD");
        }
        let board = || self.board.lock().unwrap_or_else(|e| e.into_inner());
        match sub {
            "" => page("board", &format!("/board/{key}/events")),
            "events" => self.events(true),
            "export.json" => Reply::new(200, "application/json", board().export_json().to_string())
                .with_header("Cache-Control", "no-store"),
            "export.csv" => Reply::new(200, "text/csv; charset=utf-8", board().export_csv())
                .with_header("Cache-Control", "no-store")
                .with_header("Content-Disposition", "attachment; filename=\"room.csv\""),
            _ => Reply::text(404, "not found"),
        }
    }

    fn report_route(&self, code: &str, request: &Request) -> Reply {
        if !same_secret(code, &self.secrets.room_code) {
            return Reply::text(
                401,
                "wrong room code: use the join address the instructor gave",
            );
        }
        match request.method.as_str() {
            "POST" => self.accept_report(&request.body),
            "GET" | "HEAD" => page("join", ""),
            _ => method_not_allowed("GET, HEAD, POST"),
        }
    }
}

impl Handler for Room {
    fn handle(&self, request: Request) -> Reply {
        let path = request.path.as_str();
        if let Some(code) = path.strip_prefix("/r/") {
            return self.report_route(code.trim_end_matches('/'), &request);
        }
        if let Some(rest) = path.strip_prefix("/board/") {
            return self.board_route(rest, &request.method);
        }
        if !matches!(request.method.as_str(), "GET" | "HEAD") {
            return method_not_allowed("GET, HEAD");
        }
        match path {
            "/" => page("projector", "/events"),
            "/events" => self.events(false),
            "/assets/board.js" => asset("text/javascript; charset=utf-8", SCRIPT),
            "/assets/board.css" => asset("text/css; charset=utf-8", STYLE),
            "/assets/favicon.svg" | "/favicon.ico" => asset("image/svg+xml", ICON),
            _ => Reply::text(404, "not found"),
        }
    }
}

/// Sends the current frame, then each new one, with keep-alive comments in between.
fn stream_frames(out: &mut dyn Write, live: &Live, names: bool) -> std::io::Result<()> {
    out.write_all(b"retry: 2000\n\n")?;
    let mut frame = live.current();
    loop {
        let data = if names {
            &frame.instructor
        } else {
            &frame.projector
        };
        out.write_all(format!("data: {data}\n\n").as_bytes())?;
        out.flush()?;
        loop {
            match live.next_after(frame.generation, KEEPALIVE) {
                Some(next) => {
                    frame = next;
                    break;
                }
                None => {
                    out.write_all(b": keep-alive\n\n")?;
                    out.flush()?;
                }
            }
        }
    }
}

/// The one page: `mode` is board, projector or join. Names never appear in the page
/// itself; the board's script fetches them over the keyed event stream.
fn page(mode: &str, events: &str) -> Reply {
    let html = PAGE.replace("{{mode}}", mode).replace("{{events}}", events);
    Reply::new(200, "text/html; charset=utf-8", html)
        .with_header("Content-Security-Policy", PAGE_POLICY)
        .with_header("Cache-Control", "no-store")
        .with_header("Referrer-Policy", "no-referrer")
        .with_header("X-Content-Type-Options", "nosniff")
}

fn asset(kind: &str, text: &str) -> Reply {
    Reply::new(200, kind, text).with_header("X-Content-Type-Options", "nosniff")
}

fn method_not_allowed(allow: &str) -> Reply {
    Reply::text(405, "method not allowed").with_header("Allow", allow)
}

/// Compares a secret in time independent of where the first difference is.
fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}
