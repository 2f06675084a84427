//! The room under a full workshop's load: 100 participants each reporting once a second
//! for 60 s, while 5 boards stream live updates and 200 idle sockets are held open. Prints
//! how long a checker waits for its report to be accepted (connect to full answer), against
//! the 100 ms goal, and checks that the rows in the database equal the reports sent. All
//! traffic goes to 127.0.0.1. Not a timed test: it reports numbers.
//!
//!     cargo bench --bench room_load
//!
//! Environment: `BENCH_PARTICIPANTS` (100), `BENCH_SECONDS` (60), `BENCH_BOARDS` (5),
//! `BENCH_IDLE` (200), `BENCH_DATA_DIR` (where the room's database goes; default a temporary
//! folder). A report is answered only once it is flushed to disk, so the disk's flush time
//! is part of every accept time: the benchmark measures it first and prints it beside the
//! result. `BENCH_DATA_DIR=/dev/shm/room` (memory, where a flush costs nothing) shows the
//! room's own share.

#[path = "../tests/support/room.rs"]
mod room_support;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use room_support::{LoadPlan, RoomProcess, run_load, stored_rows};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The disk's flush time where the database goes: 100 small writes, each flushed.
fn flush_times(dir: &Path) -> (Duration, Duration) {
    let path = dir.join("flush-probe");
    let mut file = std::fs::File::create(&path).expect("probe file");
    let mut times: Vec<Duration> = (0..100)
        .map(|_| {
            file.write_all(&[0u8; 128]).unwrap();
            let started = Instant::now();
            file.sync_all().unwrap();
            started.elapsed()
        })
        .collect();
    let _ = std::fs::remove_file(&path);
    times.sort();
    (times[50], times[98])
}

fn main() {
    let plan = LoadPlan {
        participants: env_or("BENCH_PARTICIPANTS", 100),
        seconds: env_or("BENCH_SECONDS", 60),
        boards: env_or("BENCH_BOARDS", 5),
        idle_sockets: env_or("BENCH_IDLE", 200),
    };
    let data = match std::env::var_os("BENCH_DATA_DIR") {
        Some(dir) => {
            std::fs::create_dir_all(&dir).expect("BENCH_DATA_DIR");
            tempfile::tempdir_in(dir).expect("temp dir")
        }
        None => tempfile::tempdir().expect("temp dir"),
    };
    let (flush_p50, flush_p99) = flush_times(data.path());
    let room = RoomProcess::start(data.path(), 0);
    println!(
        "room load: {} participants x 1 report/s x {} s, {} boards, {} idle sockets, on {}",
        plan.participants, plan.seconds, plan.boards, plan.idle_sockets, room.addr
    );
    let result = run_load(&room, &plan);
    let sent = plan.participants * plan.seconds;
    let rows = stored_rows(data.path());
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p99 = result.percentile(0.99);
    println!(
        "disk flush        p50 {:.1} ms  p99 {:.1} ms  ({})",
        ms(flush_p50),
        ms(flush_p99),
        data.path().display()
    );
    println!("reports sent      {sent}");
    println!("answered 200      {}", result.accepted);
    println!("rows in database  {rows}");
    println!(
        "board frames      {} ({} boards)",
        result.frames, plan.boards
    );
    println!(
        "idle reopened     {} (the room closed idle sockets after its read deadline)",
        result.idle_reopened
    );
    println!(
        "accept time       p50 {:.1} ms  p90 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        ms(result.percentile(0.50)),
        ms(result.percentile(0.90)),
        ms(p99),
        ms(result.percentile(1.0))
    );
    println!(
        "p99 against goal  {:.1} ms / 100 ms = {:.2}",
        ms(p99),
        ms(p99) / 100.0
    );
    for failure in result.failures.iter().take(10) {
        println!("failure: {failure}");
    }
    assert_eq!(
        rows as usize, sent,
        "rows in the database must equal the reports sent"
    );
    assert!(
        result.failures.is_empty(),
        "{} reports failed",
        result.failures.len()
    );
}
