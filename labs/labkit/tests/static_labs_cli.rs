//! End to end through the real checker binaries of labs 02, 03 and 05: exit codes,
//! JSON that names rule, file and line for each failure, and the participant's files
//! left byte for byte as they were, even though lab 03 runs their scripts.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn lab_dir(id: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(id)
}

fn checker(id: &str) -> Command {
    let exe = match id {
        "02-dockerfile" => env!("CARGO_BIN_EXE_lab-02-check"),
        "03-state" => env!("CARGO_BIN_EXE_lab-03-check"),
        _ => env!("CARGO_BIN_EXE_lab-05-check"),
    };
    let mut cmd = Command::new(exe);
    // The checker finds the demo service in itself (it is a multicall binary).
    cmd.env_remove("DEVOOPS_DEMO_SERVICE");
    cmd
}

fn run_json(id: &str, dir: &Path) -> (i32, serde_json::Value) {
    let out = checker(id)
        .arg("--dir")
        .arg(dir)
        .args(["--format", "json"])
        .output()
        .expect("checker runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let json =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{id}: not JSON ({e}): {text}"));
    (out.status.code().unwrap_or(-1), json)
}

/// Every file under `dir` with its bytes and permission bits.
fn contents(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path.clone());
            }
            let bytes = if meta.is_file() {
                std::fs::read(&path).unwrap()
            } else {
                Vec::new()
            };
            out.insert(
                path.strip_prefix(dir).unwrap().to_path_buf(),
                (bytes, meta.permissions().mode()),
            );
        }
    }
    out
}

#[test]
fn scenarios_fail_with_rule_file_and_line_and_solutions_pass() {
    for id in ["02-dockerfile", "03-state", "05-kubernetes"] {
        let (code, json) = run_json(id, &lab_dir(id).join("scenario"));
        assert_eq!(code, 1, "{id} scenario: {json}");
        let checks = json["checks"].as_array().expect("checks array");
        assert!(!checks.is_empty());
        for check in checks.iter().filter(|c| c["verdict"] == "fail") {
            let rule = check["rule"].as_str().unwrap();
            assert!(
                check["file"].is_string(),
                "{id}: {rule} names no file: {check}"
            );
            let has_line = check["line"].as_u64().is_some_and(|l| l > 0);
            // A missing .dockerignore and the backup round trip point at a whole file.
            let whole_file = matches!(rule, "DF007" | "BACKUP001");
            assert!(
                has_line || whole_file,
                "{id}: {rule} gives no line: {check}"
            );
        }
        let (code, json) = run_json(id, &lab_dir(id).join("solution"));
        assert_eq!(code, 0, "{id} solution: {json}");
        assert!(
            json["checks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["verdict"] == "pass"),
            "{json}"
        );
    }
}

#[test]
fn running_the_checks_leaves_the_participants_files_untouched() {
    for id in ["02-dockerfile", "03-state", "05-kubernetes"] {
        for which in ["scenario", "solution"] {
            let copy = tempfile::tempdir().unwrap();
            let status = Command::new("cp")
                .arg("-a")
                .arg(lab_dir(id).join(which).join("."))
                .arg(copy.path())
                .status()
                .unwrap();
            assert!(status.success());
            let before = contents(copy.path());
            let (code, _) = run_json(id, copy.path());
            assert!(code == 0 || code == 1, "{id}/{which}: exit {code}");
            assert_eq!(
                before,
                contents(copy.path()),
                "{id}/{which}: the checker changed files"
            );
        }
    }
}
