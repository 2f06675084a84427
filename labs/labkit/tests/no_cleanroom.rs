//! The run without a clean room, as on Windows: selected here with `LABKIT_NO_CLEANROOM=1`.
//! Every check that reads files runs as usual, every clean-room check is skipped with one
//! reason, and the run ends with one note saying why.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;

const LABS: [(&str, &str); 6] = [
    ("lab-01-check", "01-tarball"),
    ("lab-02-check", "02-dockerfile"),
    ("lab-03-check", "03-state"),
    ("lab-04-check", "04-monitoring"),
    ("lab-05-check", "05-kubernetes"),
    ("lab-06-check", "06-linux-ha"),
];

const REASON: &str = "not run: clean-room checks are off (LABKIT_NO_CLEANROOM)";

fn dir_of(lab: &str, side: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(lab)
        .join(side)
}

fn without_cleanroom(bin: &str, dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin(bin)
        .unwrap()
        .env("LABKIT_NO_CLEANROOM", "1")
        .env("NO_COLOR", "1")
        .arg("--dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn solutions_pass_every_file_check_and_skip_the_clean_room_once() {
    let mut skipped_somewhere = 0;
    for (bin, lab) in LABS {
        let out = without_cleanroom(bin, &dir_of(lab, "solution"), &["--format", "json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        let checks = doc["checks"].as_array().unwrap();
        let not_run: Vec<&str> = checks
            .iter()
            .filter(|c| c["message"] == REASON)
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        for check in checks {
            match check["verdict"].as_str().unwrap() {
                "pass" => {}
                // Skipped for the clean room, or after a check that was.
                "skip" => {
                    assert!(
                        check["message"] == REASON
                            || not_run.iter().any(|name| check["message"]
                                == format!("needs \"{name}\" to pass first")),
                        "{lab}: {check}"
                    )
                }
                _ => panic!("{lab}: a check failed without the clean room: {check}"),
            }
        }
        let skipped = not_run.len();
        assert!(
            checks.iter().any(|c| c["verdict"] == "pass"),
            "{lab}: file checks still run"
        );
        assert_eq!(out.status.code(), Some(0), "{lab}: {stderr}");
        let notes = stderr.matches("clean-room check").count();
        if skipped > 0 {
            assert_eq!(notes, 1, "{lab}: one note: {stderr}");
            assert!(
                stderr.contains(&format!("{skipped} clean-room check")),
                "{stderr}"
            );
            assert!(stderr.contains("LABKIT_NO_CLEANROOM"), "{stderr}");
        } else {
            assert_eq!(notes, 0, "{lab}: {stderr}");
        }
        skipped_somewhere += skipped;
    }
    assert!(skipped_somewhere > 0, "some lab has clean-room checks");
}

#[test]
fn a_scenario_still_fails_on_its_file_checks() {
    let out = without_cleanroom("lab-01-check", &dir_of("01-tarball", "scenario"), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("start.sh:5: a path into somebody's home directory"),
        "{stdout}"
    );
    assert!(stdout.contains("✘ start.sh can be executed"), "{stdout}");
}
