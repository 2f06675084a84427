//! `devoops check` and `devoops labs verify` are thin faces over labkit: prove the wiring
//! with the real binary on a real lab.

use assert_cmd::Command;

fn devoops() -> Command {
    Command::cargo_bin("devoops").expect("devoops is built")
}

#[test]
fn check_finds_the_lab_from_the_directory_and_sets_the_exit_code() {
    let root = env!("CARGO_MANIFEST_DIR");
    let scenario = format!("{root}/labs/01-tarball/scenario");
    let out = devoops()
        .arg("check")
        .current_dir(&scenario)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1/8 checks pass"));

    // By name, with --dir; the clean room is served by devoops itself (no demo-service
    // binary needed).
    let solution = format!("{root}/labs/01-tarball/solution");
    let out = devoops()
        .args([
            "check",
            "01-tarball",
            "--format",
            "json",
            "--dir",
            &solution,
        ])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true);
}

#[test]
fn check_outside_a_lab_says_how_to_name_one() {
    let out = devoops()
        .arg("check")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not inside a lab"));
}
