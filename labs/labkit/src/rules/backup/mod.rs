//! BACKUP001: backups are only real once a restore has been seen to work. The rule
//! runs the demo service natively in a clean room (no container engine needed),
//! writes notes through its API, runs the participant's `backup.sh`, loses the data
//! directory the way a lost volume would be, runs `restore.sh` into a data directory at
//! another path that already holds a note of its own, starts the service again and reads
//! every note back, and checks the other note is gone (a restore replaces, it does not
//! merge).
//!
//! The scripts' contract: the data directory is in `DATA_DIR`, the archive path is
//! the first argument, the service is stopped during the restore.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cleanroom::process::{GroupChild, Waited, run_bounded};
use crate::cleanroom::sandbox::Sandbox;
use crate::cleanroom::service::{self, cleanroom_params};
use crate::engine::rule::RuleDef;
use crate::engine::rule::{CheckCtx, Outcome, Rule};
use crate::tri;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![Box::new(RuleDef {
        id: "BACKUP001",
        meaning: "backup.sh and restore.sh round-trip the service's data: notes written through the API survive backup, a wiped data directory and restore",
        remediation: "backup.sh: archive everything under $DATA_DIR into the file given as $1 (tar -czf \"$1\" -C \"$DATA_DIR\" .); restore.sh: empty $DATA_DIR and unpack $1 into it",
        params: &[
            "backup: the backup command, relative to the checked directory (default \"./backup.sh\")",
            "restore: the restore command (default \"./restore.sh\")",
            "(clean room) env_file, env, tools: as for RUN001",
        ],
        check: round_trip,
    })]
}

/// What the checker writes before the backup: several notes, one with several lines
/// and one with non-ASCII text, so a backup that mangles content is caught too.
const NOTES: [(&str, &str); 3] = [
    ("shopping", "milk\neggs\n"),
    (
        "runbook",
        "restart: systemctl restart notes\nescalate: #ops channel\n",
    ),
    ("cafe", "naïve café ☕ — opens at 07:00\n"),
];

/// The bearer token the checker gives the service, so writes are authorised.
const TOKEN: &str = "backup-round-trip";

cleanroom_params! {
    struct BackupParams {
        #[serde(default)]
        backup: Option<String>,
        #[serde(default)]
        restore: Option<String>,
    }
}

fn round_trip(ctx: &CheckCtx, p: &BackupParams) -> Outcome {
    let backup = p.backup.as_deref().unwrap_or("./backup.sh");
    let restore = p.restore.as_deref().unwrap_or("./restore.sh");
    let mut sandbox = tri!(service::prepare(ctx, &p.room()));
    // Started through the clean room's own `bin/demo-service` link: the name matters
    // (a checker binary started as `demo-service` is the service, see `multicall`).
    let demo = sandbox.bin.join("demo-service");
    if !demo.exists() {
        return Outcome::fail(
            "`demo-service` was not found, so the round trip cannot run: put it next to the checker, on PATH, or set DEVOOPS_DEMO_SERVICE",
        );
    }
    let volume = sandbox.root().join("volume");
    // The archive is named the way an operator types it, relative to the current
    // directory (`./backup.sh backups/notes.tar.gz`): a script that changes directory
    // before it opens "$1" writes or reads somewhere else.
    let archive_rel = "backups/notes-backup.tar.gz";
    let backups = sandbox.work.join("backups");
    for dir in [&volume, &backups] {
        if let Err(e) = std::fs::create_dir_all(dir) {
            return Outcome::fail(format!("cannot prepare the clean room: {e}"));
        }
    }
    let archive = sandbox.work.join(archive_rel);
    sandbox
        .env
        .insert("DATA_DIR".into(), volume.display().to_string());
    sandbox.env.insert("API_TOKEN".into(), TOKEN.into());

    let mut running = tri!(start_service(&sandbox, &demo, ctx));
    for (key, body) in NOTES {
        let answer = service::request(
            "PUT",
            sandbox.port,
            &format!("/notes/{key}"),
            Some(body),
            Some(TOKEN),
        );
        match answer {
            Ok(a) if (200..300).contains(&a.status) => {}
            Ok(a) => {
                return Outcome::fail(format!(
                    "the service refused to store a note: {} {}",
                    a.status,
                    a.body.trim()
                ));
            }
            Err(e) => return Outcome::fail(format!("the service did not take a note: {e}")),
        }
    }

    // Backups usually run while the service is up (a nightly job).
    let archive_arg = archive_rel.to_string();
    tri!(run_script(&sandbox, ctx, backup, &archive_arg, "backup"));
    if !archive.exists() {
        return Outcome::fail(format!(
            "{backup} exited 0 but wrote nothing at the path it was given ($1 = {archive_arg}, relative to the directory it was started in): the backup went somewhere a restore cannot find it (resolve \"$1\" before any cd)"
        ))
        .at(script_file(backup), None);
    }
    running.kill_group();

    // The disaster: the volume is gone. The restore goes to another machine's data
    // directory, at another path, which already holds a note of its own: restore must
    // replace what is there (not merge into it) and must not depend on where the backup
    // was taken (an archive of absolute paths unpacks back to the old place).
    if let Err(e) = std::fs::remove_dir_all(&volume) {
        return Outcome::fail(format!("cannot wipe the data directory: {e}"));
    }
    let restored = sandbox.root().join("restored-volume");
    sandbox
        .env
        .insert("DATA_DIR".into(), restored.display().to_string());
    tri!(seed_leftover(&sandbox, &demo, ctx));
    tri!(run_script(&sandbox, ctx, restore, &archive_arg, "restore"));

    let restarted = tri!(start_service(&sandbox, &demo, ctx));
    let mut lost = Vec::new();
    for (key, body) in NOTES {
        match service::request("GET", sandbox.port, &format!("/notes/{key}"), None, None) {
            Ok(a) if a.status == 200 && a.body == body => {}
            Ok(a) if a.status == 200 => lost.push(format!("`{key}` came back changed")),
            Ok(a) => lost.push(format!("`{key}` is gone ({})", a.status)),
            Err(e) => lost.push(format!("`{key}` could not be read: {e}")),
        }
    }
    let leftover = service::request(
        "GET",
        sandbox.port,
        &format!("/notes/{LEFTOVER}"),
        None,
        None,
    );
    drop(restarted);
    if !lost.is_empty() && volume.exists() {
        return Outcome::fail(format!(
            "restore.sh put the data back where the backup was taken ({}), not into DATA_DIR={}: the archive holds absolute paths; archive relative to the directory (tar -C \"$DATA_DIR\" .) and unpack with -C \"$DATA_DIR\"",
            sandbox.tidy(&volume.display().to_string()),
            sandbox.tidy(&restored.display().to_string())
        ))
        .at(script_file(restore), None);
    }
    if !lost.is_empty() {
        return Outcome::fail(format!(
            "after backup, a lost volume and restore into DATA_DIR at another path: {} of {} notes lost ({}); the archive does not hold the data, holds absolute paths, or restore does not put it under $DATA_DIR",
            lost.len(),
            NOTES.len(),
            lost.join(", ")
        ))
        .at(script_file(restore), None);
    }
    if matches!(leftover, Ok(ref a) if a.status == 200) {
        return Outcome::fail(format!(
            "restore merged the archive into the existing data: the note `{LEFTOVER}`, which was in DATA_DIR before the restore and not in the backup, is still there; restore.sh must empty DATA_DIR before unpacking"
        ))
        .at(script_file(restore), None);
    }
    Outcome::pass(format!(
        "{} notes written through the service survived {backup}, a wiped data directory and {restore}",
        NOTES.len()
    ))
}

/// `./backup.sh --flag` → `backup.sh`, for the outcome's location.
fn script_file(command: &str) -> String {
    command
        .split_whitespace()
        .next()
        .unwrap_or(command)
        .trim_start_matches("./")
        .to_string()
}

/// The note a restore target already holds: it is not in the backup, so after a restore
/// that replaces the data it must be gone.
const LEFTOVER: &str = "not-in-the-backup";

/// Puts [`LEFTOVER`] into the (new) data directory through the service, then stops it.
fn seed_leftover(sandbox: &Sandbox, demo: &Path, ctx: &CheckCtx) -> Result<(), Outcome> {
    let mut seeding = start_service(sandbox, demo, ctx)?;
    let answer = service::request(
        "PUT",
        sandbox.port,
        &format!("/notes/{LEFTOVER}"),
        Some("written after the backup\n"),
        Some(TOKEN),
    );
    seeding.kill_group();
    match answer {
        Ok(a) if (200..300).contains(&a.status) => Ok(()),
        Ok(a) => Err(Outcome::fail(format!(
            "the service refused to store a note: {} {}",
            a.status,
            a.body.trim()
        ))),
        Err(e) => Err(Outcome::fail(format!(
            "the service did not take a note: {e}"
        ))),
    }
}

/// Starts the demo service with the sandbox's environment and waits until it listens.
fn start_service(sandbox: &Sandbox, demo: &Path, ctx: &CheckCtx) -> Result<GroupChild, Outcome> {
    let mut cmd = sandbox.program(demo, &[]);
    let mut child = GroupChild::spawn(&mut cmd, &sandbox.log_prefix("demo-service"))
        .map_err(|e| Outcome::fail(format!("cannot start demo-service: {e}")))?;
    let deadline = Instant::now() + Duration::from_secs(5).min(ctx.toolbox.process_timeout);
    let addr = SocketAddr::from(([127, 0, 0, 1], sandbox.port));
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return Ok(child);
        }
        if child.try_status().is_some() || Instant::now() >= deadline {
            let tail = child.output_tail(3);
            child.kill_group();
            return Err(Outcome::fail(format!(
                "demo-service did not start on the restored data directory: {}",
                if tail.is_empty() {
                    "(no output)".to_string()
                } else {
                    tail
                }
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a participant's script with the archive path as its argument; a non-zero
/// exit or a timeout is a failed outcome quoting the script's last output.
fn run_script(
    sandbox: &Sandbox,
    ctx: &CheckCtx,
    command: &str,
    archive: &str,
    what: &str,
) -> Result<(), Outcome> {
    let mut cmd = sandbox.command(command, &[archive])?;
    let log: PathBuf = sandbox.log_prefix(what);
    let limit = ctx.toolbox.process_timeout;
    let (waited, child) = run_bounded(&mut cmd, &log, limit)
        .map_err(|e| Outcome::fail(format!("cannot run {command}: {e}")))?;
    let file = script_file(command);
    let tail = child.output_tail(3);
    let said = if tail.is_empty() {
        String::new()
    } else {
        format!("; it said: {tail}")
    };
    match waited {
        Waited::Exited(status) if status.success() => Ok(()),
        Waited::Exited(_) if sandbox.outside_writes(&child.stderr()).is_some() => Err(Outcome::fail(
            sandbox
                .outside_writes(&child.stderr())
                .unwrap_or_default(),
        )
        .at(file, None)),
        Waited::Exited(status) => Err(Outcome::fail(format!(
            "{command} failed ({status}) in a clean room (DATA_DIR set, archive path as $1, no docker, empty HOME){said}{}",
            sandbox.notes_suffix()
        ))
        .at(file, None)),
        Waited::TimedOut => Err(Outcome::fail(format!(
            "{command} did not finish within {}s{said}",
            limit.as_secs()
        ))
        .at(file, None)),
    }
}
