//! `devoops serve --bind 0.0.0.0` is how an instructor shares the handbook with a room.
//! A bounded load test on loopback: 200 concurrent readers while 20 live-reload streams are
//! open and a chapter is edited. Every answer must be right, and once everyone disconnects
//! the server must be back to the threads and file descriptors it started with.

mod serve_support;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serve_support::*;

const READERS: usize = 200;
const REQUESTS_PER_READER: usize = 10;
const STREAMS: usize = 20;
const CHAPTERS: usize = 30;

#[cfg(target_os = "linux")]
fn count_entries(pid: u32, what: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/{what}"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[test]
fn two_hundred_readers_and_twenty_live_streams_during_an_edit() {
    let book = SampleBook::new(CHAPTERS);
    let server = Server::start(&book.root, &[]);
    let addr = server.addr();
    let status_url = server.url("/__devoops/status");
    // Settle: let the first request's threads come and go.
    let warm = agent();
    assert_eq!(get(&warm, &server.url("/intro.html")).status, 200);
    drop(warm);
    std::thread::sleep(Duration::from_millis(300));
    let (threads_before, fds_before) = (
        count_entries(server.pid(), "task"),
        count_entries(server.pid(), "fd"),
    );

    let started = Instant::now();
    let streams: Vec<Events> = (0..STREAMS).map(|_| Events::connect(&addr)).collect();
    let barrier = Arc::new(Barrier::new(READERS + 1));
    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let (barrier, base) = (barrier.clone(), server.base.clone());
            std::thread::spawn(move || {
                let agent = agent();
                barrier.wait();
                let mut wrong = Vec::new();
                for k in 0..REQUESTS_PER_READER {
                    let n = (r + k) % CHAPTERS;
                    let page = get(&agent, &format!("{base}/extra-{n}.html"));
                    let expected = if n == 0 {
                        // The chapter being edited: either version is right, never a mix.
                        page.body.contains("Body of extra chapter 0.")
                            ^ page.body.contains("Edited during the load test.")
                    } else {
                        page.body.contains(&format!("Body of extra chapter {n}."))
                    };
                    if page.status != 200 || !expected || !page.body.ends_with("</html>\n") {
                        wrong.push(format!("extra-{n}.html: {}", page.status));
                    }
                }
                wrong
            })
        })
        .collect();
    barrier.wait();
    book.write(
        "content/extra-0.md",
        "# Extra 0\n\nEdited during the load test.\n",
    );
    let wrong: Vec<String> = readers
        .into_iter()
        .flat_map(|r| r.join().expect("reader thread"))
        .collect();
    assert!(wrong.is_empty(), "wrong answers: {wrong:?}");
    for (i, events) in streams.iter().enumerate() {
        assert!(
            events
                .wait_for("reload", "\"extra-0.html\"", Duration::from_secs(20))
                .is_some(),
            "stream {i} got the reload"
        );
    }
    let page = get(&agent(), &server.url("/extra-0.html"));
    assert!(page.body.contains("Edited during the load test."));
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(60),
        "{} requests took {elapsed:?}",
        READERS * REQUESTS_PER_READER
    );

    // The open streams hold a socket each, but no thread: the broadcaster writes to them all.
    let (threads_during, fds_during) = (
        count_entries(server.pid(), "task"),
        count_entries(server.pid(), "fd"),
    );
    assert!(
        threads_during < threads_before + STREAMS,
        "{threads_before} → {threads_during}"
    );
    assert!(fds_during >= fds_before + STREAMS, "{fds_during}");
    eprintln!(
        "threads {threads_before} → {threads_during}, fds {fds_before} → {fds_during}, {} requests in {elapsed:?}",
        READERS * REQUESTS_PER_READER
    );

    // Everyone leaves: streams are dropped at the next heartbeat, idle connection threads
    // end a few seconds later. Nothing may stay behind.
    for events in streams {
        events.close();
    }
    let status = agent();
    let settled = wait_until(Duration::from_secs(30), || {
        let threads = count_entries(server.pid(), "task");
        let fds = count_entries(server.pid(), "fd");
        // The status request itself holds one connection (thread + socket).
        threads <= threads_before + 1
            && fds <= fds_before + 1
            && get(&status, &status_url)
                .body
                .contains("\"live_reload_clients\":0")
    });
    assert!(
        settled,
        "leak: threads {threads_before} → {}, fds {fds_before} → {}",
        count_entries(server.pid(), "task"),
        count_entries(server.pid(), "fd")
    );
}
