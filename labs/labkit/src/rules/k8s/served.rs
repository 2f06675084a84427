//! K8S003 / K8S004's behavioural half: an `httpGet` probe of a container that runs the lab's
//! service is asked of the real demo service, started in a clean room with the container's
//! literal environment. Reading the manifest cannot tell that `/ready` is a path the service
//! answers with 404; asking it can.

// Without a clean room (non-Unix systems) nothing is asked: the request side is unused there.
#![cfg_attr(not(unix), allow(dead_code))]

use std::collections::BTreeMap;

/// One probe to ask: the environment the service gets and the request the kubelet sends.
#[derive(Debug, Clone)]
pub(super) struct Ask {
    /// The container's literal `env` values (later entries win, as in Kubernetes), without
    /// the variables the clean room sets itself (see [`ROOM_SETS`]).
    pub env: BTreeMap<String, String>,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

/// What asking gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Heard {
    /// The HTTP status the service answered.
    Status(u16),
    /// The service exited before it listened, with this environment: its last output.
    NoStart(String),
    /// Nothing was asked, and why (no demo service here, no clean room on this system…).
    NotTried(String),
}

/// Variables the clean room decides: where the service listens (the probe's port was
/// judged against `PORT` already), where it writes (`DATA_DIR` becomes a folder of the
/// clean room, whatever path the pod mounts), the clean room's own `PATH`/`HOME`/`TMPDIR`,
/// and `START_DELAY_MS`, which only delays the start (that is what the probe's
/// `initialDelaySeconds` and `failureThreshold` are for), never changes an answer.
const ROOM_SETS: &[&str] = &[
    "PORT",
    "BIND",
    "DATA_DIR",
    "PATH",
    "HOME",
    "TMPDIR",
    "START_DELAY_MS",
];

/// At most this many differently configured services are started per check run; asks
/// beyond are not tried (a lab has one or two containers running the service).
const MAX_STARTS: usize = 3;

/// How long the service may take to listen, at most (the toolbox's limit may be lower).
const STARTUP: std::time::Duration = std::time::Duration::from_secs(5);

/// Ask every probe of `asks`, starting the service once per distinct environment (so once
/// per check run for a lab's manifests), and give what each heard, in order.
pub(super) fn ask_all(ctx: &crate::engine::rule::CheckCtx, asks: &[Ask]) -> Vec<Heard> {
    #[cfg(unix)]
    {
        let mut heard = vec![None; asks.len()];
        let mut starts = 0;
        for i in 0..asks.len() {
            if heard[i].is_some() {
                continue;
            }
            let same: Vec<usize> = (i..asks.len())
                .filter(|&j| heard[j].is_none() && asks[j].env == asks[i].env)
                .collect();
            starts += 1;
            let answers = if starts > MAX_STARTS {
                vec![
                    Heard::NotTried(format!(
                        "more than {MAX_STARTS} differently configured containers run the service"
                    ));
                    same.len()
                ]
            } else {
                let requests: Vec<&Ask> = same.iter().map(|&j| &asks[j]).collect();
                unix::ask_one_service(ctx, &asks[i].env, &requests)
            };
            for (j, answer) in same.into_iter().zip(answers) {
                heard[j] = Some(answer);
            }
        }
        heard.into_iter().flatten().collect()
    }
    #[cfg(not(unix))]
    {
        let _ = ctx;
        vec![Heard::NotTried("clean rooms need a Unix system".into()); asks.len()]
    }
}

/// The env list of a container as the service would read it: literal values only (a
/// `valueFrom` has no value to read here), the clean room's own variables left out.
pub(super) fn literal_env(container: &formats::yaml::Node) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for entry in container
        .get("env")
        .map(formats::yaml::Node::as_seq)
        .unwrap_or_default()
    {
        let (Some(name), Some(value)) = (
            entry.get("name").and_then(formats::yaml::Node::scalar_text),
            entry
                .get("value")
                .and_then(formats::yaml::Node::scalar_text),
        ) else {
            continue;
        };
        if !ROOM_SETS.contains(&name.as_str()) {
            env.insert(name, value);
        }
    }
    env
}

#[cfg(unix)]
mod unix {
    use std::collections::BTreeMap;
    use std::time::Instant;

    use super::{Ask, Heard, STARTUP};
    use crate::cleanroom::process::GroupChild;
    use crate::cleanroom::sandbox::Sandbox;
    use crate::cleanroom::service::{listening_at, request_with_headers};
    use crate::engine::rule::CheckCtx;

    /// Start the demo service once with `env` and send it every request of `asks`.
    pub(super) fn ask_one_service(
        ctx: &CheckCtx,
        env: &BTreeMap<String, String>,
        asks: &[&Ask],
    ) -> Vec<Heard> {
        let not_tried = |why: String| vec![Heard::NotTried(why); asks.len()];
        let mut sandbox = match Sandbox::new(ctx, &[]) {
            Ok(sandbox) => sandbox,
            Err(outcome) => return not_tried(outcome.message),
        };
        let program = sandbox.bin.join("demo-service");
        if !program.exists() {
            return not_tried(
                "`demo-service` was not found (put it next to the checker, on PATH, or set DEVOOPS_DEMO_SERVICE)".into(),
            );
        }
        let data = sandbox.work.join("data");
        let host = std::net::Ipv4Addr::LOCALHOST;
        // The clean room's own variables (its marker among them) stay as they are.
        for (key, value) in env {
            sandbox
                .env
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
        sandbox
            .env
            .insert("DATA_DIR".into(), data.display().to_string());
        sandbox.env.insert("BIND".into(), host.to_string());
        let mut cmd = sandbox.program(&program, &[]);
        let mut service = match GroupChild::spawn(&mut cmd, &sandbox.log_prefix("service")) {
            Ok(service) => service,
            Err(e) => return not_tried(format!("cannot start demo-service: {e}")),
        };
        let startup = STARTUP.min(ctx.toolbox.process_timeout);
        let deadline = Instant::now() + startup;
        while !listening_at(host, sandbox.port) {
            if service.try_status().is_some() {
                let output = sandbox.tidy(&service.output_tail(3));
                return vec![Heard::NoStart(output); asks.len()];
            }
            if Instant::now() >= deadline {
                service.kill_group();
                return not_tried(format!(
                    "demo-service did not listen within {}s",
                    startup.as_secs()
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let heard = asks
            .iter()
            .map(|ask| {
                match request_with_headers(host, "GET", sandbox.port, &ask.path, None, &ask.headers)
                {
                    Ok(answer) => Heard::Status(answer.status),
                    Err(e) => Heard::NotTried(e),
                }
            })
            .collect();
        service.kill_group();
        heard
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rule::{CheckCtx, Toolbox};

    fn ask(metrics: &str) -> Ask {
        Ask {
            env: BTreeMap::from([("METRICS".to_string(), metrics.to_string())]),
            path: "/healthz".into(),
            headers: Vec::new(),
        }
    }

    #[test]
    fn asks_beyond_the_start_limit_are_not_tried_and_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let params = toml::Table::new();
        let toolbox = Toolbox::default();
        let ctx = CheckCtx {
            dir: dir.path(),
            params: &params,
            check_name: "probes",
            toolbox: &toolbox,
        };
        // Four configurations, the first one twice: four starts are needed, three allowed.
        let asks = [ask("0"), ask("1"), ask("0"), ask("yes"), ask("no")];
        let heard = ask_all(&ctx, &asks);
        assert_eq!(heard.len(), asks.len());
        // The same configuration is one start: both asks hear the same.
        assert_eq!(heard[0], heard[2]);
        match &heard[4] {
            Heard::NotTried(why) => assert!(why.contains("more than 3"), "{why}"),
            other => panic!("the fourth configuration was started: {other:?}"),
        }
    }

    #[test]
    fn the_clean_room_decides_port_bind_and_data_dir() {
        let node = formats::yaml::parse_documents_warned(
            "env:\n  - {name: PORT, value: \"9\"}\n  - {name: DATA_DIR, value: /d}\n  - {name: METRICS, value: \"0\"}\n  - {name: METRICS, value: \"1\"}\n  - name: API_TOKEN\n    valueFrom: {secretKeyRef: {name: s, key: k}}\n",
        )
        .unwrap()
        .value
        .remove(0);
        let env = literal_env(&node);
        assert_eq!(
            env,
            BTreeMap::from([("METRICS".to_string(), "1".to_string())])
        );
    }
}
