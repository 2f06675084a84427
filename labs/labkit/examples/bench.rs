//! How long one checker run takes per lab (the target: under 2 s on a 2-core machine).
//!
//! `cargo run -p labkit --release --example bench [runs]` runs every lab's checks on its
//! scenario/ and solution/ `runs` times (default 5) and prints the median and worst wall time,
//! and the check that took longest in the worst run (where the time goes).
//! `bench [runs] LAB-ID` times only that lab and lists each of its checks.

use std::path::Path;
use std::time::{Duration, Instant};

use labkit::cleanroom::toolbox;
use labkit::engine::{catalog, lab::Lab, runner};

fn main() -> std::process::ExitCode {
    // The clean rooms link `demo-service` to this program, which then serves.
    if let Some(code) = labkit::multicall::dispatch() {
        return code;
    }
    labkit::cleanroom::guard_processes();
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let only = std::env::args().nth(2);
    let labs_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let toolbox = toolbox::discover();
    println!(
        "{:<28} {:>10} {:>10}  slowest check (worst run)",
        "lab/dir", "median", "worst"
    );
    for dir in catalog::lab_dirs(&labs_root) {
        let lab = match Lab::load(&dir) {
            Ok(lab) => lab,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        if only.as_ref().is_some_and(|id| *id != lab.id) {
            continue;
        }
        for which in ["scenario", "solution"] {
            let mut times: Vec<(Duration, String)> = (0..runs.max(1))
                .map(|_| {
                    let started = Instant::now();
                    let report = runner::run_lab(&lab, &dir.join(which), &toolbox);
                    if only.is_some() {
                        for r in &report.results {
                            println!("    {:>9.2?} {}", r.elapsed, r.name);
                        }
                    }
                    let slowest = report
                        .results
                        .iter()
                        .max_by_key(|r| r.elapsed)
                        .map(|r| format!("{:.2?} {}", r.elapsed, r.name))
                        .unwrap_or_default();
                    (started.elapsed(), slowest)
                })
                .collect();
            times.sort();
            let (worst, slowest) = &times[times.len() - 1];
            println!(
                "{:<28} {:>9.2?} {:>9.2?}  {slowest}",
                format!("{}/{which}", lab.id),
                times[times.len() / 2].0,
                worst
            );
        }
    }
    std::process::ExitCode::SUCCESS
}
