//! How long one checker run takes per lab (the target: under 2 s on a 2-core machine).
//!
//! `cargo run -p labkit --release --example bench [runs]` runs every lab's checks on its
//! scenario/ and solution/ `runs` times (default 5) and prints the median and worst wall time.

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
    let labs_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let toolbox = toolbox::discover();
    println!("{:<28} {:>10} {:>10}", "lab/dir", "median", "worst");
    for dir in catalog::lab_dirs(&labs_root) {
        let lab = match Lab::load(&dir) {
            Ok(lab) => lab,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        for which in ["scenario", "solution"] {
            let mut times: Vec<Duration> = (0..runs)
                .map(|_| {
                    let started = Instant::now();
                    runner::run_lab(&lab, &dir.join(which), &toolbox);
                    started.elapsed()
                })
                .collect();
            times.sort();
            println!(
                "{:<28} {:>9.0?} {:>9.0?}",
                format!("{}/{which}", lab.id),
                times[times.len() / 2],
                times[times.len() - 1]
            );
        }
    }
    std::process::ExitCode::SUCCESS
}
