//! End to end: a real checker binary on real lab directories, as a participant runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use labkit::cleanroom::snapshot::Snapshot;

fn lab(id: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(id)
}

fn checker(bin: &str) -> Command {
    let mut cmd = Command::cargo_bin(bin).expect("checker binary is built");
    cmd.env_remove("NO_COLOR");
    cmd
}

/// Run `bin --dir dir args…`; return (exit code, stdout).
fn run(bin: &str, dir: &Path, args: &[&str]) -> (i32, String) {
    let out = checker(bin)
        .arg("--dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("checker runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
    )
}

/// A copy of `dir` in a fresh temporary directory (modes kept).
fn copy_of(dir: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    labkit::cleanroom::sandbox::copy_tree(dir, tmp.path()).unwrap();
    tmp
}

#[test]
fn scenario_fails_and_solution_passes_in_human_form() {
    let (code, out) = run("lab-01-check", &lab("01-tarball").join("scenario"), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("✘ start.sh can be executed"), "{out}");
    assert!(
        out.contains("✔ The start script is in the tarball"),
        "{out}"
    );
    assert!(
        out.contains("start.sh:5: a path into somebody's home directory"),
        "{out}"
    );
    assert!(out.contains("hint: "), "{out}");
    assert!(out.contains("1/8 checks pass"), "{out}");
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal: {out}"
    );

    let (code, out) = run("lab-01-check", &lab("01-tarball").join("solution"), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("8/8 checks pass"), "{out}");
    assert!(!out.contains('✘'), "{out}");
}

#[test]
fn hints_flag_adds_rule_and_remediation() {
    let (_, out) = run(
        "lab-04-check",
        &lab("04-monitoring").join("scenario"),
        &["--hints"],
    );
    assert!(out.contains("rule: PROM003:"), "{out}");
    assert!(out.contains("fix: "), "{out}");
}

#[test]
fn json_report_parses_and_matches_the_run() {
    let (code, out) = run(
        "lab-04-check",
        &lab("04-monitoring").join("scenario"),
        &["--format", "json"],
    );
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(doc["lab"], "04-monitoring");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["total"], 5);
    assert_eq!(doc["passed"], 1);
    assert_eq!(doc["summary"], "1/5 checks pass");
    let checks = doc["checks"].as_array().unwrap();
    let scrape = checks
        .iter()
        .find(|c| c["rule"] == "PROM003")
        .expect("the scrape check is reported");
    assert_eq!(scrape["verdict"], "fail");
    assert_eq!(scrape["file"], "prometheus.yml");
    assert_eq!(scrape["line"], 6);

    let (code, out) = run(
        "lab-04-check",
        &lab("04-monitoring").join("solution"),
        &["--format", "json"],
    );
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["ok"], true);
    assert!(
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["verdict"] == "pass")
    );
}

#[test]
fn junit_report_is_well_formed_xml_with_failures() {
    let (code, out) = run(
        "lab-06-check",
        &lab("06-linux-ha").join("scenario"),
        &["--format", "junit"],
    );
    assert_eq!(code, 1);
    let doc = roxmltree::Document::parse(&out).expect("well-formed JUnit XML");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("a testsuite");
    assert_eq!(suite.attribute("name"), Some("06-linux-ha"));
    assert_eq!(suite.attribute("tests"), Some("9"));
    assert_eq!(suite.attribute("failures"), Some("8"));
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 9);
    let failures = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .count();
    assert_eq!(failures, 8);

    let (code, out) = run(
        "lab-06-check",
        &lab("06-linux-ha").join("solution"),
        &["--format", "junit"],
    );
    assert_eq!(code, 0, "{out}");
    let doc = roxmltree::Document::parse(&out).unwrap();
    assert!(!doc.descendants().any(|n| n.has_tag_name("failure")));
}

#[test]
fn tap_report_counts_every_check() {
    let (code, out) = run(
        "lab-01-check",
        &lab("01-tarball").join("scenario"),
        &["--format", "tap"],
    );
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(&lines[..2], ["TAP version 13", "1..8"]);
    // The clean-room checks and the documentation check wait for the ones they need.
    let skipped = lines
        .iter()
        .filter(|l| l.contains(" # SKIP needs "))
        .count();
    assert_eq!(skipped, 3);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("ok ")).count(),
        1 + skipped
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("not ok ")).count(), 4);
}

#[test]
fn a_copied_checker_works_alone_from_the_current_directory() {
    // Only the checker binary, in a directory of its own, with a PATH that has no
    // demo-service: the checker carries the service inside.
    let bin_dir = tempfile::tempdir().unwrap();
    let copied = bin_dir.path().join("lab-01-check");
    std::fs::copy(assert_cmd::cargo::cargo_bin("lab-01-check"), &copied).unwrap();
    let work = copy_of(&lab("01-tarball").join("solution"));
    let out = Command::new(&copied)
        .current_dir(work.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("8/8 checks pass"), "{stdout}");
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let out = checker("lab-01-check")
        .args(["--dir", "/nonexistent/devoops"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a directory"));
}

#[test]
fn list_rules_documents_every_rule() {
    let out = checker("lab-01-check")
        .arg("--list-rules")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for rule in labkit::engine::registry::all_rules() {
        assert!(
            text.contains(rule.id()),
            "{} missing from --list-rules",
            rule.id()
        );
        assert!(text.contains(rule.remediation()));
    }
}

#[test]
fn participants_files_are_byte_identical_after_a_run() {
    let labs = labkit::engine::catalog::lab_dirs(&lab(""));
    assert!(labs.len() >= 3, "labs found: {labs:?}");
    for dir in labs {
        let lab = labkit::engine::lab::Lab::load(&dir).unwrap();
        for which in ["scenario", "solution"] {
            let copy = copy_of(&dir.join(which));
            let before = Snapshot::take(copy.path());
            assert!(!before.0.is_empty());
            let (code, out) = run(&lab.checker_name(), copy.path(), &[]);
            assert!(
                code == 0 || code == 1,
                "{}/{which}: exit {code}: {out}",
                lab.id
            );
            let after = Snapshot::take(copy.path());
            assert_eq!(
                before.changes(&after),
                Vec::<PathBuf>::new(),
                "{}/{which} changed",
                lab.id
            );
        }
    }
}

/// Processes whose command line contains `needle` (Linux /proc).
/// Processes whose command line holds `needle`, once any that were just killed have had up to
/// two seconds to finish dying (a SIGKILLed process lingers briefly before it is gone).
fn survivors_with(needle: &str) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let found = processes_with(needle);
        if found.is_empty() || std::time::Instant::now() >= deadline {
            return found;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(needle) {
                found.push(format!(
                    "{}: {cmdline}",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
    }
    found
}

/// A scenario whose start script never listens: it leaves a child in its process group,
/// one that escaped the group with setsid, and then blocks forever itself. All three
/// processes carry `unique` in their command line.
fn hanging_scenario(unique: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "#!/bin/sh\nsleep {unique}1 &\n/usr/bin/setsid sleep {unique}2 &\nexec sleep {unique}3\n"
    );
    let start = dir.path().join("start.sh");
    std::fs::write(&start, script).unwrap();
    std::fs::set_permissions(&start, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(dir.path().join(".env.example"), "# port\nPORT=1\n").unwrap();
    dir
}

#[test]
fn no_process_survives_a_scenario_that_hangs() {
    let unique = 4_000_000 + (std::process::id() % 1_000_000);
    let dir = hanging_scenario(unique);
    let (code, out) = run("lab-01-check", dir.path(), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("nothing listened on port"), "{out}");
    let survivors = survivors_with(&unique.to_string());
    assert!(
        survivors.is_empty(),
        "orphans survived the run: {survivors:?}"
    );
}

#[test]
fn ctrl_c_during_a_run_leaves_no_process_behind() {
    let unique = 6_000_000 + (std::process::id() % 1_000_000);
    let dir = hanging_scenario(unique);
    let mut child = checker("lab-01-check")
        .arg("--dir")
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the clean rooms have started the hanging script.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(4);
    while processes_with(&format!("{unique}3")).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        !processes_with(&format!("{unique}3")).is_empty(),
        "the scenario never started"
    );
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let survivors = survivors_with(&unique.to_string());
    assert!(
        survivors.is_empty(),
        "orphans survived Ctrl-C: {survivors:?}"
    );
}

#[test]
fn watch_reruns_the_checks_when_a_file_changes() {
    watch_case(false);
}

#[test]
fn watch_by_polling_reruns_the_checks_too() {
    watch_case(true);
}

fn watch_case(poll: bool) {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    use std::time::Duration;

    let copy = copy_of(&lab("04-monitoring").join("solution"));
    let mut cmd = checker("lab-04-check");
    if poll {
        cmd.env("DEVOOPS_WATCH_POLL", "1");
    }
    let mut child = KillOnDrop(
        cmd.arg("--watch")
            .arg("--dir")
            .arg(copy.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = mpsc::channel();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |needle: &str| -> Vec<String> {
        let mut seen = Vec::new();
        // Generous: on a loaded 2-core machine one run of the checks can take seconds.
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
            let done = line.contains(needle);
            seen.push(line);
            if done {
                return seen;
            }
        }
        panic!("never saw {needle:?}; output: {seen:#?}");
    };
    let first = wait_for("watching");
    assert!(
        first.iter().any(|l| l.contains("5/5 checks pass")),
        "{first:#?}"
    );

    // Break the scrape config: the next run must notice on its own.
    std::fs::write(
        copy.path().join("prometheus.yml"),
        "scrape_configs:\n  - job_name: notes\n    static_configs:\n      - targets: [\"notes:9100\"]\n",
    )
    .unwrap();
    let second = wait_for("watching");
    assert!(
        second.iter().any(|l| l.contains("4/5 checks pass")),
        "{second:#?}"
    );

    let pid = rustix::process::Pid::from_raw(child.0.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert_eq!(child.0.wait().unwrap().code(), Some(143));
}

/// A watching checker must not outlive a failed assertion.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
