//! The room's durable memory: one SQLite file under `--data`.
//!
//! Every accepted report is one row, written in its own transaction with `synchronous=FULL`
//! in WAL mode, so it is on disk before the participant hears 200, and a room killed at any
//! moment restarts with every answered report. The room code and instructor key live here
//! too: a restarted room keeps its URLs, so the addresses already handed out stay valid.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, SyncSender, channel, sync_channel};

use rusqlite::{Connection, OptionalExtension, params};

use super::report::{Check, Report, Verdict};
use crate::error::{Error, Result};

pub const FILE_NAME: &str = "room.sqlite";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    seq INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    lab TEXT NOT NULL,
    passed INTEGER NOT NULL,
    total INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    checks TEXT NOT NULL
);
";

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A stored report and when the room received it.
pub struct Stored {
    pub report: Report,
    pub received_ms: u64,
}

/// The two secrets in the room's URLs.
#[derive(Clone)]
pub struct Secrets {
    /// In the join URL; it lets a checker write reports.
    pub room_code: String,
    /// In the board URL; it shows names.
    pub instructor_key: String,
}

impl Store {
    /// Opens (or creates) `dir/room.sqlite`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::io(dir, &e).help("pass a folder you can write to with --data DIR")
        })?;
        let path = dir.join(FILE_NAME);
        let failed = |e: rusqlite::Error| {
            Error::in_file(&path, format!("cannot use the room's database: {e}")).help(
                "another `devoops room` may be using this folder; stop it or pass another --data DIR",
            )
        };
        let conn = Connection::open(&path).map_err(failed)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(failed)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(failed)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(failed)?;
        conn.execute_batch(SCHEMA).map_err(failed)?;
        Ok(Store { conn, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The room code and instructor key, made on first use and kept from then on.
    pub fn secrets(&self) -> Result<Secrets> {
        Ok(Secrets {
            room_code: self.secret("room_code", 8)?,
            instructor_key: self.secret("instructor_key", 24)?,
        })
    }

    fn secret(&self, key: &str, len: usize) -> Result<String> {
        let failed = |e: rusqlite::Error| Error::in_file(&self.path, e.to_string());
        let existing: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(failed)?;
        if let Some(value) = existing {
            return Ok(value);
        }
        let value = random_code(len)?;
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )
            .map_err(failed)?;
        Ok(value)
    }

    /// Stores reports in one transaction; per report, `false` when one with its run id is
    /// already stored. One commit (one flush to disk) for the whole batch.
    pub fn insert_batch(&mut self, reports: &[(Report, u64)]) -> rusqlite::Result<Vec<bool>> {
        let transaction = self.conn.transaction()?;
        let mut added = Vec::with_capacity(reports.len());
        {
            let mut statement = transaction.prepare_cached(
                "INSERT OR IGNORE INTO reports
                 (run_id, name, lab, passed, total, at_ms, received_ms, checks)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (report, received_ms) in reports {
                let checks = serde_json::to_string(&report.checks).expect("checks serialize");
                let rows = statement.execute(params![
                    report.run_id,
                    report.name,
                    report.lab,
                    report.passed as i64,
                    report.total as i64,
                    report.at_ms as i64,
                    *received_ms as i64,
                    checks,
                ])?;
                added.push(rows == 1);
            }
        }
        transaction.commit()?;
        Ok(added)
    }

    /// Every stored report, oldest first.
    pub fn all(&self) -> Result<Vec<Stored>> {
        let failed = |e: rusqlite::Error| Error::in_file(&self.path, e.to_string());
        let mut statement = self
            .conn
            .prepare(
                "SELECT run_id, name, lab, passed, total, at_ms, received_ms, checks
                 FROM reports ORDER BY seq",
            )
            .map_err(failed)?;
        let rows = statement
            .query_map([], |row| {
                let checks: String = row.get(7)?;
                Ok(Stored {
                    report: Report {
                        run_id: row.get(0)?,
                        name: row.get(1)?,
                        lab: row.get(2)?,
                        passed: row.get::<_, i64>(3)? as usize,
                        total: row.get::<_, i64>(4)? as usize,
                        at_ms: row.get::<_, i64>(5)? as u64,
                        checks: parse_checks(&checks),
                    },
                    received_ms: row.get::<_, i64>(6)? as u64,
                })
            })
            .map_err(failed)?;
        rows.collect::<rusqlite::Result<_>>().map_err(failed)
    }
}

/// Checks as stored by `insert`; a row edited by hand into something else reads as none.
fn parse_checks(text: &str) -> Vec<Check> {
    #[derive(serde::Deserialize)]
    struct Row {
        name: String,
        verdict: String,
    }
    let rows: Vec<Row> = serde_json::from_str(text).unwrap_or_default();
    rows.into_iter()
        .filter_map(|row| {
            Some(Check {
                verdict: Verdict::parse(&row.verdict)?,
                name: row.name,
            })
        })
        .collect()
}

/// A random code from letters and digits that cannot be mistaken for each other when read
/// off a projector (no 0/O, 1/l/I).
fn random_code(len: usize) -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::new(format!("cannot get random bytes for the room's codes: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect())
}

/// Most reports committed in one transaction.
const MAX_BATCH: usize = 256;

type Job = ((Report, u64), SyncSender<Result<bool, String>>);

/// Group commit: the one thread that writes to the database. Reports arriving while a
/// commit is flushed to disk wait and go into the next transaction together, so a hundred
/// reports a second cost a handful of disk flushes, not a hundred, and each is still on
/// disk before its sender hears back.
#[derive(Clone)]
pub struct Writer {
    jobs: Sender<Job>,
}

impl Writer {
    pub fn start(mut store: Store) -> Writer {
        let (jobs, queue) = channel::<Job>();
        std::thread::Builder::new()
            .name("room-writer".into())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    let (reports, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                    match store.insert_batch(&reports) {
                        Ok(added) => {
                            for (reply, added) in replies.into_iter().zip(added) {
                                let _ = reply.send(Ok(added));
                            }
                        }
                        Err(e) => {
                            for reply in replies {
                                let _ = reply.send(Err(e.to_string()));
                            }
                        }
                    }
                }
            })
            .expect("cannot start the room's database writer");
        Writer { jobs }
    }

    /// Stores one report and returns once it is committed: `Ok(false)` for a run already stored.
    pub fn insert(&self, report: Report, received_ms: u64) -> Result<bool, String> {
        let (reply, answer) = sync_channel(1);
        self.jobs
            .send(((report, received_ms), reply))
            .map_err(|_| "the database writer has stopped".to_string())?;
        answer
            .recv()
            .map_err(|_| "the database writer has stopped".to_string())?
    }
}
