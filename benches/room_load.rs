//! The room under a full workshop's load: 100 participants each reporting once a second
//! for 60 s, while 5 boards stream live updates and 200 idle sockets are held open. Prints
//! how long a checker waits for its report to be accepted (connect to full answer), against
//! the 100 ms goal, and checks that the rows in the database equal the reports sent. All
//! traffic goes to 127.0.0.1. Not a timed test: it reports numbers.
//!
//!     cargo bench --bench room_load
//!
//! Environment: `BENCH_PARTICIPANTS` (100), `BENCH_SECONDS` (60), `BENCH_BOARDS` (5),
//! `BENCH_IDLE` (200).

#[path = "../tests/support/room.rs"]
mod room_support;

use std::time::Duration;

use room_support::{LoadPlan, RoomProcess, run_load, stored_rows};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let plan = LoadPlan {
        participants: env_or("BENCH_PARTICIPANTS", 100),
        seconds: env_or("BENCH_SECONDS", 60),
        boards: env_or("BENCH_BOARDS", 5),
        idle_sockets: env_or("BENCH_IDLE", 200),
    };
    let data = tempfile::tempdir().expect("temp dir");
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
