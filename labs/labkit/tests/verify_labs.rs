//! The author's proof, for every lab in the repository: each check fails on scenario/
//! (unless marked passes_in_scenario), passes on solution/, and every fixture gets the
//! verdicts its .toml expects.

use std::path::Path;

use labkit::verify;

mod common;

#[test]
fn every_lab_fails_before_and_passes_after() {
    let toolbox = common::toolbox();
    let labs_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let results = verify::verify_all(&labs_root, &toolbox);
    let text = verify::render(&results);
    eprintln!("{text}");
    let ids: Vec<&str> = results.iter().map(|v| v.lab_id.as_str()).collect();
    for mine in ["01-tarball", "04-monitoring", "06-linux-ha"] {
        assert!(ids.contains(&mine), "lab {mine} not found among {ids:?}");
    }
    assert!(results.iter().all(|v| v.ok()), "{text}");
    for v in &results {
        assert!(
            v.runs.iter().any(|(what, _)| what.starts_with("fixtures/")),
            "lab {} has no fixtures: {text}",
            v.lab_id
        );
    }
}
