//! `devoops room` as participants' checkers and the instructor meet it: real HTTP against
//! the real binary, its SQLite file read directly, restarts and `kill -9`.

#[path = "support/room.rs"]
mod room_support;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use room_support::*;

fn sample(name: &str, id: &str) -> String {
    report_body(
        name,
        id,
        "01-tarball",
        &[("start.sh exists", "pass"), ("PORT is read", "fail")],
    )
}

#[test]
fn a_report_is_stored_and_exported_with_its_checks() {
    let data = tempfile::tempdir().unwrap();
    let room = RoomProcess::start(data.path(), 0);
    assert!(room.join.contains("/r/"), "{}", room.join);
    let answer = post(&room.join, &sample("Ada Lovelace", "run-ada-0001"));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body.trim(), "reported");
    assert_eq!(stored_rows(data.path()), 1);

    let export = get(&format!("{}/export.json", room.board));
    assert_eq!(export.status, 200);
    let rows: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    let row = &rows[0];
    assert_eq!(row["name"], "Ada Lovelace");
    assert_eq!(row["lab"], "01-tarball");
    assert_eq!(
        (row["passed"].as_u64(), row["total"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(row["checks"][1]["name"], "PORT is read");
    assert_eq!(row["checks"][1]["verdict"], "fail");
    assert!(row["at"].as_str().unwrap().ends_with('Z'), "{row}");

    let csv = get(&format!("{}/export.csv", room.board));
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "name,lab,passed,total,at,check,verdict");
    assert!(
        lines[2].starts_with("Ada Lovelace,01-tarball,1,2,")
            && lines[2].ends_with(",PORT is read,fail"),
        "{}",
        csv.body
    );

    // The same run sent again (its answer was lost on the way back) is stored once.
    assert_eq!(
        post(&room.join, &sample("Ada Lovelace", "run-ada-0001")).status,
        200
    );
    assert_eq!(stored_rows(data.path()), 1);
}

#[test]
fn only_the_report_endpoint_with_the_room_code_writes() {
    let data = tempfile::tempdir().unwrap();
    let room = RoomProcess::start(data.path(), 0);
    let body = sample("Mallory", "run-mallory-1");
    let wrong_code = room.url("/r/wrongcode");
    assert_eq!(post(&wrong_code, &body).status, 401);
    assert_eq!(post(&room.url("/"), &body).status, 405);
    assert_eq!(post(&room.url("/board/x/export.json"), &body).status, 401);
    assert_eq!(
        post(&format!("{}/export.json", room.board), &body).status,
        405
    );
    assert_eq!(
        request("PUT", &room.join, body.as_bytes(), "")
            .unwrap()
            .status,
        405
    );
    assert_eq!(request("DELETE", &room.join, b"", "").unwrap().status, 405);
    assert_eq!(post(&room.url("/elsewhere"), &body).status, 405);
    assert_eq!(get(&room.url("/elsewhere")).status, 404);
    assert_eq!(
        stored_rows(data.path()),
        0,
        "nothing but the right endpoint writes"
    );

    // Names only with the instructor key.
    assert_eq!(
        post(&room.join, &sample("Ada Secretname", "run-ada-1")).status,
        200
    );
    assert_eq!(get(&room.url("/board/notthekey/export.json")).status, 401);
    assert_eq!(get(&room.url("/board/notthekey")).status, 401);
    let projector = get(&room.url("/"));
    assert_eq!(projector.status, 200);
    assert!(!projector.body.contains("Secretname"));
    let events = first_event(&room.url("/events"));
    assert!(events.contains("\"participant_count\":1"), "{events}");
    assert!(!events.contains("Secretname"), "{events}");
    let board_events = first_event(&format!("{}/events", room.board));
    assert!(board_events.contains("Ada Secretname"), "{board_events}");
}

/// The first `data:` line of an event stream.
fn first_event(url: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rest = url.strip_prefix("http://").unwrap();
        let (authority, path) = rest.split_at(rest.find('/').unwrap());
        let mut stream = TcpStream::connect(authority).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {authority}\r\n\r\n").unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen).to_string();
            if let Some(line) = text
                .lines()
                .find(|l| l.starts_with("data: ") && l.contains("\"reports\":1"))
            {
                return line.to_string();
            }
            if text.contains("\n\n") && text.matches("data: ").count() >= 1 {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no event with the report from {url}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn bad_bodies_are_refused_with_the_reason() {
    let data = tempfile::tempdir().unwrap();
    let room = RoomProcess::start(data.path(), 0);
    let big = vec![b' '; 64 * 1024 + 1];
    assert_eq!(request("POST", &room.join, &big, "").unwrap().status, 413);
    let answer = post(&room.join, "{\"name\": \"Ada\"}");
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("bad report"), "{}", answer.body);
    let lying = sample("Ada", "run-ada-2").replace("\"passed\":1", "\"passed\":2");
    let answer = post(&room.join, &lying);
    assert_eq!(answer.status, 400);
    assert!(
        answer.body.contains("must match the checks"),
        "{}",
        answer.body
    );
    let chunked = request("POST", &room.join, b"", "Transfer-Encoding: chunked\r\n").unwrap();
    assert_eq!(chunked.status, 411);
    let garbage = request("POST", &room.join, &[0xff, 0xfe, 0x00], "").unwrap();
    assert_eq!(garbage.status, 400);
    assert_eq!(stored_rows(data.path()), 0);
}

#[test]
fn reports_are_rate_limited_per_participant() {
    let data = tempfile::tempdir().unwrap();
    let room = RoomProcess::start(data.path(), 0);
    let statuses: Vec<u16> = (0..40)
        .map(|n| post(&room.join, &sample("Flood", &format!("run-flood-{n:03}"))).status)
        .collect();
    assert!(statuses[..20].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses.contains(&429), "a flood is limited: {statuses:?}");
    assert_eq!(
        post(&room.join, &sample("Calm", "run-calm-0001")).status,
        200
    );
}

#[test]
fn idle_and_trickling_connections_do_not_stop_reports() {
    let data = tempfile::tempdir().unwrap();
    let room = RoomProcess::start(data.path(), 0);
    // 200 connections that send nothing, 100 that send a request head a byte at a time, and
    // 50 that send a whole head, then their body a byte at a time.
    let idle: Vec<TcpStream> = (0..200)
        .map(|_| TcpStream::connect(room.addr).unwrap())
        .collect();
    let trickling = Arc::new(Mutex::new(
        (0..100)
            .map(|_| TcpStream::connect(room.addr).unwrap())
            .collect::<Vec<_>>(),
    ));
    let join_path = room
        .join
        .split_once("/r/")
        .map(|(_, code)| format!("/r/{code}"))
        .unwrap();
    let slow_bodies: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = TcpStream::connect(room.addr).unwrap();
            write!(
                s,
                "POST {join_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4000\r\n\r\n{{"
            )
            .unwrap();
            s
        })
        .collect();
    trickling.lock().unwrap().extend(slow_bodies);
    let dripping = {
        let trickling = trickling.clone();
        std::thread::spawn(move || {
            for byte in b"POST /r/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                .iter()
                .cycle()
                .take(12)
            {
                for s in trickling.lock().unwrap().iter_mut() {
                    let _ = s.write_all(&[*byte]);
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    for n in 0..10 {
        let started = Instant::now();
        let answer = post(
            &room.join,
            &sample(&format!("P{n}"), &format!("run-busy-{n:04}")),
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a report waited {:?}",
            started.elapsed()
        );
    }
    dripping.join().unwrap();
    drop(idle);
    assert_eq!(stored_rows(data.path()), 10);
}

#[test]
fn a_restarted_room_shows_the_same_board_at_the_same_addresses() {
    let data = tempfile::tempdir().unwrap();
    let mut room = RoomProcess::start(data.path(), 0);
    for n in 0..3 {
        assert_eq!(
            post(
                &room.join,
                &sample(&format!("P{n}"), &format!("run-restart-{n}"))
            )
            .status,
            200
        );
    }
    let before = get(&format!("{}/export.json", room.board)).body;
    let (join, board) = (room.join.clone(), room.board.clone());
    let port = room.port();
    room.kill_hard();
    let again = RoomProcess::start(data.path(), port);
    assert_eq!(
        (again.join.as_str(), again.board.as_str()),
        (join.as_str(), board.as_str())
    );
    assert_eq!(get(&format!("{}/export.json", again.board)).body, before);
}

/// `kill -9` in the middle of a load: every report answered 200 is in the database after a
/// restart, and what the participants could not send (their queue) arrives once it is back.
#[test]
fn kill_nine_mid_load_loses_no_answered_report() {
    let data = tempfile::tempdir().unwrap();
    let mut room = RoomProcess::start(data.path(), 0);
    let (join, port) = (room.join.clone(), room.port());
    let answered = Arc::new(Mutex::new(HashSet::new()));
    let queued = Arc::new(Mutex::new(Vec::new()));
    let stop_at = Instant::now() + Duration::from_millis(2500);
    let senders: Vec<_> = (0..20)
        .map(|n| {
            let (join, answered, queued) = (join.clone(), answered.clone(), queued.clone());
            std::thread::spawn(move || {
                let mut k = 0;
                while Instant::now() < stop_at {
                    let id = format!("run-kill-{n:02}-{k:04}");
                    let body = sample(&format!("P{n:02}"), &id);
                    match request("POST", &join, body.as_bytes(), "") {
                        Ok(a) if a.status == 200 => {
                            answered.lock().unwrap().insert(id);
                        }
                        Ok(a) if a.status == 429 => queued.lock().unwrap().push(body),
                        _ => queued.lock().unwrap().push(body),
                    }
                    k += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1000));
    room.kill_hard();
    for sender in senders {
        sender.join().unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    let queued = queued.lock().unwrap().clone();
    assert!(
        answered.len() > 50,
        "the load ran before the kill: {}",
        answered.len()
    );
    assert!(!queued.is_empty(), "the kill happened mid-load");

    let room = RoomProcess::start(data.path(), port);
    let stored = stored_ids(data.path());
    let lost: Vec<_> = answered.difference(&stored).collect();
    assert!(lost.is_empty(), "answered 200 but lost: {lost:?}");
    // The participants' queues drain once the room is back.
    for body in &queued {
        let mut status = 0;
        for _ in 0..50 {
            status = post(&room.join, body).status;
            if status != 429 {
                break;
            }
            std::thread::sleep(Duration::from_millis(400));
        }
        assert_eq!(status, 200);
    }
    assert_eq!(
        stored_ids(data.path()).len(),
        answered.len() + queued.len(),
        "every report sent, answered before the kill or queued during it, is stored once"
    );
}

/// The load test's shape, shortened: 100 participants reporting every second for 3 s while
/// 5 boards stream and 200 idle sockets are held. `benches/room_load.rs` runs it for 60 s
/// and prints the latency percentiles.
#[test]
fn a_short_load_loses_no_report() {
    let data = tempfile::tempdir().unwrap();
    let room = RoomProcess::start(data.path(), 0);
    let plan = LoadPlan {
        participants: 100,
        seconds: 3,
        boards: 5,
        idle_sockets: 200,
    };
    let result = run_load(&room, &plan);
    assert!(
        result.failures.is_empty(),
        "{:?}",
        &result.failures[..result.failures.len().min(5)]
    );
    assert_eq!(result.accepted, 300);
    assert_eq!(
        stored_rows(data.path()),
        300,
        "rows in the database equal reports sent"
    );
    assert!(
        result.frames >= 5,
        "the boards got live frames: {}",
        result.frames
    );
    eprintln!(
        "short load: {} reports, p50 {:?}, p99 {:?}",
        result.accepted,
        result.percentile(0.50),
        result.percentile(0.99)
    );
}

/// The status line of a GET, leaving the connection open (for event streams).
fn open_stream(room: &RoomProcess, path: &str) -> (u16, TcpStream) {
    let mut stream = TcpStream::connect(room.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", room.addr).unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    let status = String::from_utf8_lossy(&head[9..12]).parse().unwrap();
    (status, stream)
}

#[test]
fn projector_tabs_cannot_lock_the_instructor_out() {
    let data = tempfile::tempdir().unwrap();
    let room = RoomProcess::start(data.path(), 0);
    let projectors: Vec<TcpStream> = (0..48)
        .map(|_| {
            let (status, stream) = open_stream(&room, "/events");
            assert_eq!(status, 200);
            stream
        })
        .collect();
    assert_eq!(
        open_stream(&room, "/events").0,
        503,
        "projector streams are capped"
    );
    let board_path = room.board.split_once("/board/").unwrap().1;
    assert_eq!(
        open_stream(&room, &format!("/board/{board_path}/events")).0,
        200
    );
    drop(projectors);
}
