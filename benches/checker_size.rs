//! How big is what a participant downloads? Builds the checkers as the release does
//! (`cargo dist-build`: the `dist` profile, statically linked on x86_64 Linux) and prints each
//! one's size against the goal of 5 MB, with its gzipped size (about what a zip holds).
//! Not a timed test: it reports numbers.
//!
//!     cargo bench --bench checker_size

use std::path::{Path, PathBuf};
use std::process::Command;

/// The goal per checker: 5 MB (decimal megabytes, as download pages count).
const GOAL: u64 = 5_000_000;
/// The same goal read as binary megabytes (5 MiB), as some tools count.
const GOAL_MIB: u64 = 5 << 20;

fn gzipped_len(path: &Path) -> u64 {
    use std::io::Write;
    let bytes = std::fs::read(path).expect("read the checker");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).expect("gzip in memory");
    gz.finish().expect("gzip in memory").len() as u64
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["dist-build", "--quiet"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo dist-build failed");
    let dist = target.join("x86_64-unknown-linux-gnu/dist");
    let labs = devoops::book::labs::lab_dirs(&root.join("labs")).expect("read labs/");
    let checkers: Vec<PathBuf> = labs
        .iter()
        .filter_map(|dir| dir.file_name()?.to_str())
        .map(|id| dist.join(devoops::kit::checkers::checker_name(id)))
        .collect();
    println!(
        "checker size, x86_64-unknown-linux-gnu, profile dist (goal: {} each)",
        mb(GOAL)
    );
    println!(
        "{:<14} {:>11} {:>10} {:>9} {:>10} {:>10} {:>9}",
        "binary", "bytes", "size", "of 5 MB", "of 5 MiB", "gzipped", "of 5 MB"
    );
    let mut worst = 0;
    for checker in &checkers {
        let size = std::fs::metadata(checker).expect("stat the checker").len();
        let gz = gzipped_len(checker);
        worst = worst.max(size);
        println!(
            "{:<14} {:>11} {:>10} {:>8.1}% {:>9.1}% {:>10} {:>8.1}%",
            checker.file_name().unwrap().to_string_lossy(),
            size,
            mb(size),
            100.0 * size as f64 / GOAL as f64,
            100.0 * size as f64 / GOAL_MIB as f64,
            mb(gz),
            100.0 * gz as f64 / GOAL as f64,
        );
    }
    let verdict = if worst <= GOAL { "within" } else { "OVER" };
    println!(
        "largest: {worst} bytes = {} = {:.3} x the goal ({verdict} 5 MB), {:.3} x 5 MiB",
        mb(worst),
        worst as f64 / GOAL as f64,
        worst as f64 / GOAL_MIB as f64
    );
}
