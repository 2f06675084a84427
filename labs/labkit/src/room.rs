//! Reporting a run to the instructor's room (`devoops room`), without ever getting in the
//! participant's way.
//!
//! After the output of a run is shown, its result (the document `--format json` prints)
//! goes into a queue on disk, and the queue is sent to the room oldest first, each with a
//! short timeout. What the room answered 200 to leaves the queue; the rest waits for the next
//! run that gets through. The participant sees one line on stderr: reported, or queued.
//!
//! Where things are:
//! - the room's join address: `--report`, else `DEVOOPS_ROOM`, else the `url` in a
//!   `room.toml` (written by `devoops kit --room URL` at the top of the kit) found above the
//!   checker binary or above the checked folder;
//! - the participant's name: `--name`, else `DEVOOPS_NAME`, else the one remembered in
//!   `<config>/devoops/room.toml` (`~/.config` on Linux, `~/Library/Application Support` on
//!   macOS, `%APPDATA%` on Windows), written whenever a name is given;
//! - the queue: `<config>/devoops/room-queue/`, one JSON file per run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::engine::report::Report;

/// The file `devoops kit --room URL` writes at the top of the kit, and the one remembering
/// the participant's name.
pub const ROOM_FILE: &str = "room.toml";
/// How long one report may take to be sent.
const SEND_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the queue may take to drain in one run, so a slow room never stalls a run.
const FLUSH_BUDGET: Duration = Duration::from_secs(6);
/// Runs kept while the room cannot be reached; past this the oldest are dropped.
const MAX_QUEUED: usize = 500;
/// Folders searched upwards for the kit's `room.toml`.
const SEARCH_DEPTH: usize = 6;
/// The longest name the room takes.
const MAX_NAME_CHARS: usize = 60;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct RoomArgs {
    /// Report every run to the instructor's room: the `join:` address `devoops room` printed.
    #[arg(long, value_name = "JOIN_URL", env = "DEVOOPS_ROOM")]
    pub report: Option<String>,
    /// Your name on the room's board (remembered after the first run).
    #[arg(long, value_name = "NAME", env = "DEVOOPS_NAME")]
    pub name: Option<String>,
}

/// Where the room is and who is reporting, resolved once per checker start.
pub struct Reporting {
    url: String,
    name: Option<String>,
    config: Option<PathBuf>,
    /// Why the `--name` given cannot be used, to say with the room line.
    bad_name: Option<String>,
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
struct RoomFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

fn config_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("devoops"))
}

fn read_room_file(path: &Path) -> Option<RoomFile> {
    let text = std::fs::read_to_string(path).ok()?;
    toml::from_str(&text).ok()
}

/// The kit's `room.toml` in `start` or a folder above it.
fn kit_room_url(start: &Path) -> Option<String> {
    start
        .ancestors()
        .take(SEARCH_DEPTH)
        .find_map(|dir| read_room_file(&dir.join(ROOM_FILE))?.url)
}

impl Reporting {
    /// `None` when no room is set up: then runs are not reported and nothing is printed.
    pub fn resolve(args: &RoomArgs, checked_dir: &Path) -> Option<Reporting> {
        let config = config_dir();
        let exe_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf));
        let url = args
            .report
            .clone()
            .filter(|u| !u.trim().is_empty())
            .or_else(|| exe_dir.as_deref().and_then(kit_room_url))
            .or_else(|| kit_room_url(checked_dir))?;
        let remembered = config
            .as_ref()
            .and_then(|dir| read_room_file(&dir.join(ROOM_FILE)))
            .and_then(|file| file.name);
        let given = args
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let bad_name = given.and_then(name_problem);
        let given = given.filter(|_| bad_name.is_none());
        if let (Some(name), Some(dir)) = (given, &config)
            && remembered.as_deref() != Some(name)
        {
            remember_name(dir, name);
        }
        Some(Reporting {
            url: url.trim().to_string(),
            name: given.map(str::to_string).or(remembered),
            config,
            bad_name,
        })
    }

    /// Queues this run's result and sends the queue; returns the one line to show.
    pub fn report(&self, report: &Report) -> String {
        let Some(queue) = self.config.as_ref().map(|dir| dir.join("room-queue")) else {
            return "room: not reported (no config folder to keep reports in; set HOME)".into();
        };
        if let Err(e) = enqueue(&queue, report) {
            return format!("room: not reported (cannot write {}: {e})", queue.display());
        }
        if let Some(problem) = &self.bad_name {
            return format!(
                "room: queued ({} waiting): the name given with --name {problem}",
                queued(&queue).len()
            );
        }
        let Some(name) = &self.name else {
            return format!(
                "room: queued ({} waiting): give your name once with --name \"Your Name\"",
                queued(&queue).len()
            );
        };
        let outcome = flush(&queue, &self.url, name);
        let waiting = queued(&queue).len();
        match outcome {
            Ok(()) if waiting == 0 => "room: reported".into(),
            Ok(()) => format!("room: reported; {waiting} older runs still queued"),
            Err(why) => format!("room: queued ({waiting} waiting, sent with a later run): {why}"),
        }
    }
}

/// What the room would refuse in a name (it checks the same), before it is remembered.
fn name_problem(name: &str) -> Option<String> {
    if name.chars().count() > MAX_NAME_CHARS {
        Some(format!("is longer than {MAX_NAME_CHARS} characters"))
    } else if name.chars().any(char::is_control) {
        Some("holds control characters".into())
    } else {
        None
    }
}

fn remember_name(config: &Path, name: &str) {
    let path = config.join(ROOM_FILE);
    let mut file = read_room_file(&path).unwrap_or_default();
    file.name = Some(name.to_string());
    if let Ok(text) = toml::to_string(&file) {
        let _ = std::fs::create_dir_all(config);
        let _ = write_atomically(&path, text.as_bytes());
    }
}

/// Writes a file so that a crash leaves either the old content or the new, never half.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A run id unique across laptops and runs: the room stores a run once however often it
/// is sent. Hashing with the standard library's randomly keyed hasher mixes in per-process
/// randomness; the time and process id keep ids apart even if that repeats.
fn run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.write_u32(std::process::id());
    format!(
        "{:x}-{:x}-{:016x}",
        now_ms(),
        std::process::id(),
        hasher.finish()
    )
}

fn enqueue(queue: &Path, report: &Report) -> std::io::Result<()> {
    std::fs::create_dir_all(queue)?;
    let result: serde_json::Value =
        serde_json::from_str(&crate::reporters::json(report)).unwrap_or_default();
    let at = now_ms();
    let id = run_id();
    // The name is filled in when the run is sent, so a run made before the name was given
    // is not lost.
    let entry = serde_json::json!({"id": id, "at": at, "result": result});
    write_atomically(
        &queue.join(format!("{at:015}-{id}.json")),
        entry.to_string().as_bytes(),
    )?;
    let mut files = queued(queue);
    while files.len() > MAX_QUEUED {
        let _ = std::fs::remove_file(files.remove(0));
    }
    Ok(())
}

/// Queued runs, oldest first.
fn queued(queue: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(queue)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

/// Sends queued runs oldest first until one cannot be sent; the reason when one could not.
fn flush(queue: &Path, url: &str, name: &str) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(SEND_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let started = Instant::now();
    for file in queued(queue) {
        if started.elapsed() > FLUSH_BUDGET {
            return Err("the room is slow to answer".into());
        }
        let Some(mut entry) = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        else {
            // Half a file from a crash long ago: it cannot be sent, and must not block the rest.
            let _ = std::fs::remove_file(&file);
            continue;
        };
        entry["name"] = serde_json::Value::String(name.to_string());
        let answer = agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(entry.to_string().as_bytes());
        let mut answer = match answer {
            Ok(answer) => answer,
            Err(e) => return Err(format!("the room at {url} cannot be reached ({e})")),
        };
        let status = answer.status().as_u16();
        let text = answer
            .body_mut()
            .with_config()
            .limit(4096)
            .read_to_string()
            .unwrap_or_default();
        match status {
            200 => {
                let _ = std::fs::remove_file(&file);
            }
            // The room will never take this run (it does not fit the room's schema): keeping
            // it would block every later one.
            400 | 413 => {
                let _ = std::fs::remove_file(&file);
                return Err(format!("the room refused a run: {}", text.trim()));
            }
            401 => return Err("wrong room code: check the join address".into()),
            404 | 405 => {
                return Err(format!(
                    "{url} is not a room's join address: use the `join:` line `devoops room` printed"
                ));
            }
            429 => return Err("the room asked to slow down".into()),
            other => return Err(format!("the room answered {other}: {}", text.trim())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kit_room_file_is_found_above() {
        let kit = tempfile::tempdir().unwrap();
        std::fs::write(
            kit.path().join(ROOM_FILE),
            "url = \"http://10.0.0.2:3400/r/abc\"\n",
        )
        .unwrap();
        let deep = kit.path().join("labs/01-tarball/scenario");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(
            kit_room_url(&deep).as_deref(),
            Some("http://10.0.0.2:3400/r/abc")
        );
        assert_eq!(kit_room_url(Path::new("/")), None);
    }

    #[test]
    fn names_the_room_would_refuse_are_caught_first() {
        assert_eq!(name_problem("Ada Lovelace"), None);
        assert_eq!(name_problem("<img src=x>"), None, "the board escapes it");
        assert!(name_problem(&"x".repeat(61)).unwrap().contains("60"));
        assert!(name_problem("a\tb").unwrap().contains("control"));
    }

    #[test]
    fn run_ids_differ() {
        assert_ne!(run_id(), run_id());
    }
}
