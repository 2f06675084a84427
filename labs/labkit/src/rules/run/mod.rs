//! Clean-room runs: start the participant's service the way a fresh server would (see
//! [`crate::cleanroom::sandbox`]) and look at what it does.

use std::path::Path;

use crate::cleanroom::service::{self, cleanroom_params};
use crate::cleanroom::snapshot::Snapshot;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::tri;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(RuleDef {
            id: "RUN001",
            meaning: "The start command brings the service up in a clean room (empty environment except declared variables, fresh working directory, other HOME, a free PORT) and an HTTP probe gets the expected answer",
            remediation: "Read every setting from the environment, declare it with a default in the env file, bind the port in $PORT, and depend on nothing in anyone's home directory",
            params: &[
                service::CLEANROOM_PARAMS_LINE,
                "probe: the path to GET (default \"/healthz\")",
                "expect_status: the status code expected (default 200)",
                "expect_body: text the body must contain (optional)",
            ],
            check: starts_and_answers,
        }),
        Box::new(RuleDef {
            id: "RUN002",
            meaning: "In a clean room, data written through the service lands under its data directory, and nothing is written to HOME, the working directory or the application's own files",
            remediation: "Take the data directory from DATA_DIR (declared in the env file) and write logs to stdout/stderr, pid files and caches under DATA_DIR or TMPDIR",
            params: &[
                service::CLEANROOM_PARAMS_LINE,
                "data_var: the variable naming the data directory (default \"DATA_DIR\")",
                "token_var: the variable holding the API token, if any (default \"API_TOKEN\")",
                "write: the path to PUT a note to (default \"/notes/cleanroom-check\")",
            ],
            check: writes_only_data,
        }),
    ]
}

cleanroom_params! {
    service struct StartParams {
        #[serde(default)]
        probe: Option<String>,
        #[serde(default)]
        expect_status: Option<u16>,
        #[serde(default)]
        expect_body: Option<String>,
    }
}

cleanroom_params! {
    service struct WriteParams {
        #[serde(default)]
        data_var: Option<String>,
        #[serde(default)]
        token_var: Option<String>,
        #[serde(default)]
        write: Option<String>,
    }
}

/// RUN001: the service starts from nothing but its declared configuration and answers.
fn starts_and_answers(ctx: &CheckCtx, p: &StartParams) -> Outcome {
    let probe = p.probe.as_deref().unwrap_or("/healthz");
    let expect_status = p.expect_status.unwrap_or(200);
    let expect_body = p.expect_body.as_deref();
    let mut room = tri!(service::start(
        ctx,
        &p.room(),
        &p.command,
        p.startup_seconds
    ));
    let answer = tri!(room.get(probe));
    if let Some(problem) = room.left_in_background() {
        return problem.at(service::script_of(&p.command), None);
    }
    room.stop();
    let port = room.sandbox.port;
    if answer.status != expect_status {
        return Outcome::fail(format!(
            "GET {probe} on port {port} answered {}, expected {expect_status}: {}",
            answer.status,
            answer.body.trim()
        ));
    }
    if let Some(wanted) = expect_body
        && !answer.body.contains(wanted)
    {
        return Outcome::fail(format!(
            "GET {probe} answered {} but the body lacks {wanted:?}",
            answer.status
        ));
    }
    Outcome::pass(format!(
        "started in a clean room on port {port}; GET {probe} answered {}",
        answer.status
    ))
}

/// RUN002: the service writes its data under DATA_DIR and nowhere else.
/// Name up to three of `paths` (relative to `root`), files before the directories that
/// merely contain them.
fn describe(root: &Path, paths: &[std::path::PathBuf], under: &str) -> String {
    let files: Vec<&std::path::PathBuf> = paths.iter().filter(|p| !root.join(p).is_dir()).collect();
    let paths: Vec<&std::path::PathBuf> = if files.is_empty() {
        paths.iter().collect()
    } else {
        files
    };
    let shown: Vec<String> = paths
        .iter()
        .take(3)
        .map(|p| format!("{under}{}", p.display()))
        .collect();
    let more = paths.len().saturating_sub(3);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn contains_file_with(dir: &Path, needle: &str) -> bool {
    Snapshot::take(dir).0.keys().any(|rel| {
        let path = dir.join(rel);
        // A note is small; a big file cannot be the one just stored (and is not read whole).
        std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() < 1 << 20)
            && std::fs::read(&path)
                .map(|bytes| String::from_utf8_lossy(&bytes).contains(needle))
                .unwrap_or(false)
    })
}

fn writes_only_data(ctx: &CheckCtx, p: &WriteParams) -> Outcome {
    let data_var = p.data_var.as_deref().unwrap_or("DATA_DIR");
    let token_var = p.token_var.as_deref().unwrap_or("API_TOKEN");
    let write = p.write.as_deref().unwrap_or("/notes/cleanroom-check");
    // The participant's own directory is what the copy started as.
    let app_before = Snapshot::take(ctx.dir);
    let mut room = tri!(service::start(
        ctx,
        &p.room(),
        &p.command,
        p.startup_seconds
    ));
    let Some(data_dir) = room.sandbox.env.get(data_var).cloned() else {
        return Outcome::fail(format!(
            "{data_var} is not declared, so nobody can tell where the data lives"
        ));
    };
    let data_dir = room.sandbox.child_path(&data_dir);
    let token = room.sandbox.env.get(token_var).cloned();
    let marker = format!("clean-room-note-{}", room.sandbox.port);
    let answer = tri!(
        service::request_at(
            room.sandbox.host(),
            "PUT",
            room.sandbox.port,
            write,
            Some(&marker),
            token.as_deref().filter(|t| !t.is_empty())
        )
        .map_err(Outcome::fail)
    );
    let outside = room.writes_outside(service::script_of(&p.command));
    room.stop();
    if let Some(outside) = outside {
        return outside;
    }
    // Where things were written says more than a refused write, so judge that first.
    let sandbox = &room.sandbox;
    let in_home = Snapshot::default().changes(&Snapshot::take(&sandbox.home));
    if !in_home.is_empty() {
        return Outcome::fail(format!(
            "wrote into HOME: {} (a server's HOME is not yours)",
            describe(&sandbox.home, &in_home, "~/")
        ));
    }
    let mut app_before = app_before;
    app_before
        .0
        .retain(|rel, _| !sandbox.not_copied.contains(rel));
    let app_changes = app_before.changes(&Snapshot::take(&sandbox.app));
    if !app_changes.is_empty() {
        return Outcome::fail(format!(
            "wrote into its own files: {} (the application directory may be read-only)",
            describe(&sandbox.app, &app_changes, "")
        ));
    }
    let outside: Vec<_> = Snapshot::take(&sandbox.work)
        .0
        .into_keys()
        .filter(|rel| {
            let abs = sandbox.work.join(rel);
            !abs.starts_with(&data_dir) && !data_dir.starts_with(&abs)
        })
        .collect();
    if !outside.is_empty() {
        return Outcome::fail(format!(
            "wrote outside {data_var} in its working directory: {}",
            describe(&sandbox.work, &outside, "./")
        ));
    }
    if !(200..300).contains(&answer.status) {
        return Outcome::fail(format!(
            "PUT {write} answered {}: {}",
            answer.status,
            answer.body.trim()
        ));
    }
    if !contains_file_with(&data_dir, &marker) {
        return Outcome::fail(format!(
            "the note stored through PUT {write} is not under {data_var}={}",
            data_dir.display()
        ));
    }
    Outcome::pass(format!("data landed under {data_var} and nowhere else"))
}
