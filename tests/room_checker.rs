//! The participant's side of the room: the real `devoops check` reports each run to a real
//! `devoops room`, queues runs while the room is down and sends them once it is back,
//! remembers the name, and finds the room in the kit's `room.toml`. HOME is an empty
//! folder, so the name and the queue live where a participant's would.

#[path = "support/room.rs"]
mod room_support;

use std::path::Path;
use std::process::Command;

use room_support::*;

/// `devoops check 01-tarball --dir DIR ARGS…` as a participant with `home` as HOME.
fn check(home: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_devoops"));
    command
        .args(["check", "01-tarball", "--dir"])
        .arg(dir)
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("DEVOOPS_ROOM")
        .env_remove("DEVOOPS_NAME")
        .env("NO_COLOR", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().expect("run devoops check");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scenario_copy(into: &Path) -> std::path::PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/01-tarball/scenario");
    let to = into.join("scenario");
    let status = Command::new("cp")
        .arg("-a")
        .arg(&from)
        .arg(&to)
        .status()
        .unwrap();
    assert!(status.success());
    to
}

fn room_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("room: ")).collect()
}

#[test]
fn runs_made_while_the_room_is_down_arrive_once_it_is_back() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let scenario = scenario_copy(work.path());
    let data = tempfile::tempdir().unwrap();
    let mut room = RoomProcess::start(data.path(), 0);
    let (join, port) = (room.join.clone(), room.port());
    room.kill_hard();

    // Offline: the run is shown as usual, then queued, with one line saying so.
    let (code, stdout, stderr) = check(
        home.path(),
        &scenario,
        &["--report", &join, "--name", "Ada <b>"],
        &[],
    );
    assert_eq!(code, 1, "the scenario fails its checks: {stdout}");
    assert!(stdout.contains("checks pass"), "{stdout}");
    let lines = room_lines(&stderr);
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("room: queued (1 waiting"), "{stderr}");

    // Back online: the next run (name remembered, room from the environment) sends both.
    let room = RoomProcess::start(data.path(), port);
    let (_, _, stderr) = check(home.path(), &scenario, &[], &[("DEVOOPS_ROOM", &join)]);
    assert_eq!(room_lines(&stderr), ["room: reported"], "{stderr}");
    assert_eq!(stored_rows(data.path()), 2);
    let export: serde_json::Value =
        serde_json::from_str(&get(&format!("{}/export.json", room.board)).body).unwrap();
    assert_eq!(export[0]["name"], "Ada <b>");
    assert_eq!(export[0]["lab"], "01-tarball");
    assert!(export[0]["total"].as_u64().unwrap() > 1, "{export}");

    // `--format json` output stays one clean document on stdout; the room line is on stderr.
    let (_, stdout, stderr) = check(
        home.path(),
        &scenario,
        &["--format", "json", "--report", &join],
        &[],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is the JSON result");
    assert_eq!(doc["lab"], "01-tarball");
    assert_eq!(room_lines(&stderr), ["room: reported"]);
    assert_eq!(stored_rows(data.path()), 3);
}

#[test]
fn the_room_address_comes_from_the_kit_and_a_name_is_asked_for_once() {
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let room = RoomProcess::start(data.path(), 0);
    let kit = tempfile::tempdir().unwrap();
    std::fs::write(
        kit.path().join("room.toml"),
        format!("url = \"{}\"\n", room.join),
    )
    .unwrap();
    let lab = kit.path().join("labs/01-tarball");
    std::fs::create_dir_all(&lab).unwrap();
    let scenario = scenario_copy(&lab);

    // No name yet: the run is kept, and the line says how to give one.
    let (_, _, stderr) = check(home.path(), &scenario, &[], &[]);
    let lines = room_lines(&stderr);
    assert!(lines[0].contains("--name"), "{stderr}");
    assert_eq!(stored_rows(data.path()), 0);

    let (_, _, stderr) = check(home.path(), &scenario, &[], &[("DEVOOPS_NAME", "Grace")]);
    assert_eq!(room_lines(&stderr), ["room: reported"], "{stderr}");
    assert_eq!(
        stored_rows(data.path()),
        2,
        "the run made before the name was given arrives too"
    );

    // Without a room anywhere, a run prints no room line at all.
    let elsewhere = tempfile::tempdir().unwrap();
    let plain = scenario_copy(elsewhere.path());
    let (_, _, stderr) = check(home.path(), &plain, &[], &[]);
    assert!(room_lines(&stderr).is_empty(), "{stderr}");
}

#[test]
fn every_watch_run_is_reported() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let scenario = scenario_copy(work.path());
    let data = tempfile::tempdir().unwrap();
    let room = RoomProcess::start(data.path(), 0);
    let mut watcher = Command::new(env!("CARGO_BIN_EXE_devoops"))
        .args(["check", "01-tarball", "--watch", "--dir"])
        .arg(&scenario)
        .args(["--report", &room.join, "--name", "Watcher"])
        .env("HOME", home.path())
        .env_remove("XDG_CONFIG_HOME")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let wait_for_rows = |rows: i64| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while stored_rows(data.path()) < rows {
            assert!(
                std::time::Instant::now() < deadline,
                "no report {rows} from --watch"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    wait_for_rows(1);
    std::fs::write(scenario.join(".env.example"), "PORT=8080\n").unwrap();
    wait_for_rows(2);
    let _ = watcher.kill();
    let _ = watcher.wait();
}
