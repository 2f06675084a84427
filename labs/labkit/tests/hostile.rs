//! Hostile participant folders: whatever a start script does, the checker ends with a
//! clear verdict, stays small, leaves no process behind and nothing in its temporary
//! directory, and changes nothing outside its clean room (also when run as root).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The most memory the checker may use on any of these folders.
const PEAK_LIMIT_KB: i64 = 100 * 1024;

struct Run {
    code: Option<i32>,
    report: String,
    peak_kb: i64,
}

/// A participant folder: lab 01's reference solution with `start.sh` replaced.
fn folder(start_sh: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let solution = Path::new(env!("CARGO_MANIFEST_DIR")).join("../01-tarball/solution");
    for name in [".env.example", "HOWTO.txt", "start.sh"] {
        std::fs::copy(solution.join(name), dir.path().join(name)).unwrap();
    }
    if let Some(script) = start_sh {
        let path = dir.path().join("start.sh");
        std::fs::write(&path, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

/// Runs lab 01's checker on `dir` with a private TMPDIR, then proves that TMPDIR is empty
/// again and that no process is left in it or in `dir`.
fn check(dir: &Path, extra_env: &[(&str, &str)]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_lab-01-check"))
        .current_dir(dir)
        .env("TMPDIR", tmp.path())
        .env("NO_COLOR", "1")
        .envs(extra_env.iter().copied())
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the checker took {:?}",
        started.elapsed()
    );
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let left: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}\n{report}");
    let orphans = processes_inside(&[tmp.path(), dir]);
    assert!(
        orphans.is_empty(),
        "processes left behind: {orphans:?}\n{report}"
    );
    Run {
        code: output.status.code(),
        report,
        peak_kb: peak_child_rss_kb(),
    }
}

/// Largest resident set of any child this test process has waited for, in KiB.
fn peak_child_rss_kb() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss
}

/// Processes whose working directory or command line is under one of `dirs`.
fn processes_inside(dirs: &[&Path]) -> Vec<String> {
    // A process being killed may take a moment to go.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            if entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
                .is_none()
            {
                continue;
            }
            let cwd = std::fs::read_link(entry.path().join("cwd")).unwrap_or_default();
            let cmdline = std::fs::read(entry.path().join("cmdline"))
                .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
                .unwrap_or_default();
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            if stat.contains(") Z ") {
                continue;
            }
            if dirs.iter().any(|d| {
                let d = d.canonicalize().unwrap_or(d.to_path_buf());
                cwd.starts_with(&d) || cmdline.contains(&*d.to_string_lossy())
            }) {
                found.push(format!("{} {cmdline}", entry.file_name().to_string_lossy()));
            }
        }
        if found.is_empty() || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn gigabytes_of_output_cost_neither_memory_nor_disk() {
    let dir = folder(Some(
        "#!/bin/sh\nhead -c 2000000000 /dev/zero\necho 'starting the service' >&2\nexec demo-service\n",
    ));
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, Some(0), "{}", run.report);
    assert!(run.report.contains("8/8 checks pass"), "{}", run.report);
    assert!(run.peak_kb <= PEAK_LIMIT_KB, "peak {} KiB", run.peak_kb);
}

#[test]
fn a_daemon_that_escapes_its_session_and_marker_is_stopped() {
    let nap = format!("{}.{}", 900 + std::process::id() % 97, std::process::id());
    let dir = folder(Some(&format!(
        "#!/bin/sh\nsetsid env -u DEVOOPS_SANDBOX sleep {nap} </dev/null >/dev/null 2>&1 &\nexec demo-service\n"
    )));
    let setsid = ["/usr/bin/setsid", "/bin/setsid"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(setsid) = setsid else {
        eprintln!("skipped: no setsid on this machine");
        return;
    };
    // The clean room's PATH has no setsid; this script brings its own.
    let script = std::fs::read_to_string(dir.path().join("start.sh"))
        .unwrap()
        .replace("setsid env", &format!("{setsid} /usr/bin/env"));
    std::fs::write(dir.path().join("start.sh"), script).unwrap();
    let run = check(dir.path(), &[]);
    assert!(run.report.contains("checks pass"), "{}", run.report);
    let survivors = processes_with(&format!("sleep {nap}"));
    assert!(survivors.is_empty(), "survived the checker: {survivors:?}");
}

fn processes_with(needle: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(needle).then_some(cmdline)
        })
        .collect()
}

#[test]
fn the_parent_of_a_script_holds_only_the_clean_rooms_environment() {
    let dir = folder(Some(
        "#!/bin/sh\necho \"parent: $(tr '\\0' ' ' < /proc/$PPID/environ)\" >&2\nexit 1\n",
    ));
    let secret = "s3cr3t-canary-7f3a";
    let run = check(dir.path(), &[("CHECKER_SECRET", secret)]);
    assert_eq!(run.code, Some(1), "{}", run.report);
    assert!(run.report.contains("parent: "), "{}", run.report);
    assert!(run.report.contains("PORT="), "{}", run.report);
    assert!(!run.report.contains(secret), "{}", run.report);
}

#[test]
fn a_fifo_named_like_the_script_gets_a_verdict() {
    let dir = folder(None);
    std::fs::remove_file(dir.path().join("start.sh")).unwrap();
    let fifo = std::ffi::CString::new(dir.path().join("start.sh").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path it is given.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o755) }, 0);
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.report);
    assert!(run.report.contains("is not a file"), "{}", run.report);
}

#[test]
fn a_huge_sparse_file_is_not_copied() {
    let dir = folder(None);
    let big = std::fs::File::create(dir.path().join("big.bin")).unwrap();
    big.set_len(3 << 30).unwrap();
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, Some(0), "{}", run.report);
    assert!(run.peak_kb <= PEAK_LIMIT_KB, "peak {} KiB", run.peak_kb);
}

#[test]
fn nothing_is_written_outside_the_clean_room_whoever_runs_it() {
    let nonce = format!("devoops-probe-{}-{}", std::process::id(), line!());
    let targets = [format!("/tmp/{nonce}"), format!("/var/lib/{nonce}")];
    let dir = folder(Some(&format!(
        "#!/bin/sh\nset -e\nmkdir -p {}\necho x > {}\nexec demo-service\n",
        targets[1], targets[0]
    )));
    let run = check(dir.path(), &[]);
    for target in &targets {
        assert!(
            !Path::new(target).exists(),
            "the clean room let the script create {target} (uid {})",
            rustix::process::getuid().as_raw()
        );
    }
    assert_eq!(run.code, Some(1), "{}", run.report);
    assert!(
        run.report.contains("wrote outside DATA_DIR: /var/lib/"),
        "{}",
        run.report
    );
}

#[test]
fn no_ancestor_of_a_script_shows_the_checkers_environment() {
    // Walk up from the script through every parent, looking for the secret in each one's
    // environment: the keeper has only the clean room's, the checker has blanked its own.
    let dir = folder(Some(
        "#!/bin/sh\npid=$$\nseen=''\ni=0\nwhile [ \"$pid\" -gt 1 ] && [ $i -lt 40 ]; do\n  seen=\"$seen $(cat /proc/$pid/comm)\"\n  found=$(tr '\\0' '\\n' < /proc/$pid/environ 2>/dev/null | grep '^CHECKER_SECRET=')\n  [ -n \"$found\" ] && seen=\"$seen[$found]\"\n  pid=$(awk '{print $4}' /proc/$pid/stat)\n  i=$((i+1))\ndone\necho \"ancestors:$seen\" >&2\nexit 1\n",
    ));
    let secret = "s3cr3t-ancestor-canary-91c2";
    let run = check(dir.path(), &[("CHECKER_SECRET", secret)]);
    assert_eq!(run.code, Some(1), "{}", run.report);
    // The walk reached the checker itself (so it did look there).
    assert!(
        run.report
            .contains("ancestors: start.sh lab-01-check lab-01-check"),
        "{}",
        run.report
    );
    assert!(!run.report.contains(secret), "{}", run.report);
}

#[test]
fn a_silenced_write_outside_is_refused_and_reported() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("notes.pid");
    let dir = folder(Some(&format!(
        "#!/bin/sh\necho $$ > {} 2>/dev/null || true\nexec demo-service\n",
        target.display()
    )));
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.report);
    assert!(
        run.report.contains(&format!(
            "start.sh:2: wrote outside DATA_DIR: {}",
            target.display()
        )),
        "{}",
        run.report
    );
    if labkit::cleanroom::confine::landlock_available() {
        assert!(
            !target.exists(),
            "the clean room let the script write {target:?}"
        );
        assert!(!run.report.contains("without Landlock"), "{}", run.report);
    }
}

#[test]
fn without_landlock_writes_outside_are_detected_and_the_report_says_so_once() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("notes.log");
    let dir = folder(Some(&format!(
        "#!/bin/sh\ndate >> {} 2>/dev/null || true\nexec demo-service\n",
        target.display()
    )));
    let run = check(dir.path(), &[("DEVOOPS_NO_LANDLOCK", "1")]);
    assert_eq!(run.code, Some(1), "{}", run.report);
    // Nothing stopped it: this is the path where the walls are down.
    assert!(target.exists(), "{}", run.report);
    assert!(
        run.report
            .contains(&format!("wrote outside DATA_DIR: {}", target.display())),
        "{}",
        run.report
    );
    assert_eq!(
        run.report.matches("ran without Landlock").count(),
        1,
        "{}",
        run.report
    );
    // With the walls up (where the kernel has them) the note is absent.
    let plain = folder(None);
    let clean = check(plain.path(), &[]);
    assert_eq!(clean.code, Some(0), "{}", clean.report);
    assert_eq!(
        clean.report.contains("ran without Landlock"),
        !labkit::cleanroom::confine::landlock_available(),
        "{}",
        clean.report
    );
}
