//! A real `devoops room` child process, a raw HTTP client that measures what a checker
//! waits for, the room's SQLite file read directly, and the load generator shared by the
//! room tests and `benches/room_load.rs`. All traffic goes to 127.0.0.1.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct RoomProcess {
    child: Child,
    pub join: String,
    pub board: String,
    pub addr: SocketAddr,
    pub data: PathBuf,
}

impl Drop for RoomProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn devoops_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_devoops"))
}

impl RoomProcess {
    /// Starts `devoops room --port PORT --data DATA` and waits for its `join:` and `board:` lines.
    pub fn start(data: &Path, port: u16) -> RoomProcess {
        let mut child = Command::new(devoops_binary())
            .args(["room", "--port", &port.to_string(), "--data"])
            .arg(data)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start devoops room");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut join, mut board) = (None, None);
        let deadline = Instant::now() + Duration::from_secs(30);
        while join.is_none() || board.is_none() {
            assert!(
                Instant::now() < deadline,
                "devoops room printed no addresses"
            );
            let line = lines
                .next()
                .expect("devoops room exited before printing its addresses")
                .unwrap();
            if let Some(url) = line.strip_prefix("join: ") {
                join = Some(url.to_string());
            } else if let Some(url) = line.strip_prefix("board: ") {
                board = Some(url.to_string());
            }
        }
        // Keep reading, so the room never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let join = join.unwrap();
        let authority = join
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap();
        RoomProcess {
            child,
            addr: authority.parse().expect("join URL has an IP address"),
            join,
            board: board.unwrap(),
            data: data.to_path_buf(),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: no chance to flush or clean up anything.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// The answer to one request: status and body.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// One HTTP/1.1 request over a fresh connection, read until the server closes it.
pub fn request(
    method: &str,
    url: &str,
    body: &[u8],
    extra_headers: &str,
) -> std::io::Result<Answer> {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let addr: SocketAddr = authority.parse().expect("IP:port");
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.set_write_timeout(Some(Duration::from_secs(20)))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra_headers}\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {text:?}")))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok(Answer { status, body })
}

pub fn get(url: &str) -> Answer {
    request("GET", url, b"", "").unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

pub fn post(url: &str, body: &str) -> Answer {
    request("POST", url, body.as_bytes(), "").unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

/// A report as a checker sends it: the `--format json` document in its envelope.
pub fn report_body(name: &str, id: &str, lab: &str, verdicts: &[(&str, &str)]) -> String {
    let checks: Vec<serde_json::Value> = verdicts
        .iter()
        .map(|(check, verdict)| serde_json::json!({"name": check, "rule": "FILE001", "verdict": verdict}))
        .collect();
    let passed = verdicts.iter().filter(|(_, v)| *v == "pass").count();
    serde_json::json!({
        "name": name,
        "id": id,
        "at": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64,
        "result": {
            "lab": lab, "title": "A lab", "ok": passed == verdicts.len(),
            "total": verdicts.len(), "passed": passed, "failed": verdicts.len() - passed,
            "skipped": 0, "checks": checks
        }
    })
    .to_string()
}

fn database(data: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data.join("room.sqlite")).expect("open the room's database")
}

/// Rows in the room's database, read from the file itself.
pub fn stored_rows(data: &Path) -> i64 {
    database(data)
        .query_row("SELECT count(*) FROM reports", [], |row| row.get(0))
        .expect("count reports")
}

pub fn stored_ids(data: &Path) -> HashSet<String> {
    let conn = database(data);
    let mut statement = conn.prepare("SELECT run_id FROM reports").unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// Reads an event stream's `data:` lines into a counter until `stop` is set.
pub fn open_board_stream(
    url: &str,
    frames: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let url = url.to_string();
    std::thread::spawn(move || {
        let rest = url.strip_prefix("http://").unwrap();
        let (authority, path) = rest.split_at(rest.find('/').unwrap());
        let mut stream = TcpStream::connect(authority).expect("connect a board");
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {authority}\r\n\r\n").unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while !stop.load(Ordering::SeqCst) {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) => break,
                Ok(_) if line.starts_with("data: ") => {
                    frames.fetch_add(1, Ordering::SeqCst);
                }
                _ => {}
            }
        }
    })
}

/// What a load run sends.
pub struct LoadPlan {
    pub participants: usize,
    /// Reports each participant sends, one a second.
    pub seconds: usize,
    pub boards: usize,
    pub idle_sockets: usize,
}

pub struct LoadResult {
    /// Reports answered 200.
    pub accepted: usize,
    /// Anything else: (participant, what happened).
    pub failures: Vec<String>,
    /// Time from connecting to the full answer, per accepted report.
    pub latencies: Vec<Duration>,
    /// Frames the boards received.
    pub frames: usize,
    /// Idle sockets the room closed (and the load reopened) during the run.
    pub idle_reopened: usize,
}

impl LoadResult {
    pub fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index]
    }
}

/// Runs the plan against `room`: participants report once a second each (spread over the
/// second), boards read the live stream, and idle sockets are held open (reopened when the
/// room times them out).
pub fn run_load(room: &RoomProcess, plan: &LoadPlan) -> LoadResult {
    let stop = Arc::new(AtomicBool::new(false));
    let frames = Arc::new(AtomicUsize::new(0));
    let boards: Vec<_> = (0..plan.boards)
        .map(|_| {
            open_board_stream(
                &format!("{}/events", room.board),
                frames.clone(),
                stop.clone(),
            )
        })
        .collect();
    let reopened = Arc::new(AtomicUsize::new(0));
    let idle = {
        let (addr, count, stop, reopened) =
            (room.addr, plan.idle_sockets, stop.clone(), reopened.clone());
        std::thread::spawn(move || {
            let mut sockets: Vec<TcpStream> = (0..count)
                .filter_map(|_| TcpStream::connect(addr).ok())
                .collect();
            for s in &sockets {
                let _ = s.set_nonblocking(true);
            }
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(250));
                // A socket the room closed reads as end of file: open a new one in its place.
                for socket in sockets.iter_mut() {
                    let mut byte = [0u8; 64];
                    if socket.read(&mut byte).is_ok()
                        && let Ok(fresh) = TcpStream::connect(addr)
                    {
                        let _ = fresh.set_nonblocking(true);
                        *socket = fresh;
                        reopened.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(300));

    let results = Arc::new(Mutex::new((0usize, Vec::new(), Vec::new())));
    let start = Instant::now();
    let senders: Vec<_> = (0..plan.participants)
        .map(|n| {
            let (join, results, seconds, participants) = (
                room.join.clone(),
                results.clone(),
                plan.seconds,
                plan.participants,
            );
            std::thread::spawn(move || {
                let offset = Duration::from_millis((1000 * n / participants) as u64);
                for second in 0..seconds {
                    let due = start + offset + Duration::from_secs(second as u64);
                    std::thread::sleep(due.saturating_duration_since(Instant::now()));
                    let verdict = if second % 2 == 0 { "fail" } else { "pass" };
                    let body = report_body(
                        &format!("participant {n:03}"),
                        &format!("load-{n:03}-{second:04}"),
                        &format!("0{}-lab", 1 + second % 3),
                        &[("first check", "pass"), ("second check", verdict)],
                    );
                    let sent = Instant::now();
                    let answer = request("POST", &join, body.as_bytes(), "");
                    let took = sent.elapsed();
                    let mut results = results.lock().unwrap();
                    match answer {
                        Ok(a) if a.status == 200 => {
                            results.0 += 1;
                            results.2.push(took);
                        }
                        Ok(a) => results.1.push(format!(
                            "participant {n}: {} {}",
                            a.status,
                            a.body.trim()
                        )),
                        Err(e) => results.1.push(format!("participant {n}: {e}")),
                    }
                }
            })
        })
        .collect();
    for sender in senders {
        sender.join().unwrap();
    }
    // One more frame interval, so the boards see the last reports.
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    for board in boards {
        let _ = board.join();
    }
    let _ = idle.join();
    let (accepted, failures, latencies) = std::mem::take(&mut *results.lock().unwrap());
    LoadResult {
        accepted,
        failures,
        latencies,
        frames: frames.load(Ordering::SeqCst),
        idle_reopened: reopened.load(Ordering::SeqCst),
    }
}
