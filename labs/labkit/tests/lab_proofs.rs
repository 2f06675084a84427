//! The author's proof for the labs built on the static rules and the backup round
//! trip (02-dockerfile, 03-state, 05-kubernetes): every check fails on scenario/
//! unless lab.toml marks it as passing there, passes on solution/, and each fixture
//! (an alternative fix that must pass, a fix that only hides the problem and must
//! fail exactly where its .toml says) gets its verdicts.

use std::path::Path;

use labkit::verify;

mod common;

fn prove(lab_id: &str) {
    let lab_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(lab_id);
    let proof = verify::verify_lab(&lab_dir, &common::toolbox());
    let text = verify::render(std::slice::from_ref(&proof));
    assert!(proof.ok(), "{text}");
    let ran: Vec<&str> = proof.runs.iter().map(|(what, _)| what.as_str()).collect();
    for needed in [
        "scenario",
        "solution",
        "fixtures/alt-solution",
        "fixtures/hides-problem",
    ] {
        assert!(
            ran.contains(&needed),
            "{lab_id}: no run of {needed}: {text}"
        );
    }
}

#[test]
fn lab_02_dockerfile_holds() {
    prove("02-dockerfile");
}

#[test]
fn lab_03_state_holds() {
    prove("03-state");
}

#[test]
fn lab_05_kubernetes_holds() {
    prove("05-kubernetes");
}
