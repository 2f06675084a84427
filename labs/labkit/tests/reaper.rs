//! Orphans adopted by the checker are reaped: a service killed by a resource agent's `stop`
//! must really disappear, or `kill -0` keeps saying it runs. (Its own test binary: the
//! reaper makes the whole process a subreaper.)

use std::process::Command;
use std::time::{Duration, Instant};

use labkit::cleanroom::process::{GroupChild, Waited};

#[cfg(target_os = "linux")]
#[test]
fn an_orphan_that_exits_is_reaped_not_left_a_zombie() {
    labkit::cleanroom::guard_processes();
    let logs = tempfile::tempdir().unwrap();
    // The shell starts a short sleep in the background, prints its pid and exits: the sleep
    // is orphaned and adopted by this process.
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "sleep 0.2 & echo $!"]);
    let mut shell = GroupChild::spawn(&mut cmd, &logs.path().join("sh")).unwrap();
    assert!(matches!(shell.wait_for(Duration::from_secs(5)), Waited::Exited(s) if s.success()));
    let orphan: u32 = shell.stdout().trim().parse().expect("the orphan's pid");
    let proc_dir = format!("/proc/{orphan}");
    // Some PID 1s reap adopted zombies only now and then (seconds here); the reaper polls
    // every 20 ms, so well within a second of the sleep ending the pid must be gone.
    let deadline = Instant::now() + Duration::from_millis(1000);
    while std::path::Path::new(&proc_dir).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let state = std::fs::read_to_string(format!("{proc_dir}/stat")).unwrap_or_default();
    assert!(
        !std::path::Path::new(&proc_dir).exists(),
        "pid {orphan} still exists a second later: {state}"
    );
}
