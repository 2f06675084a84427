//! Start the participant's service inside a [`Sandbox`], wait until it listens, probe it over
//! HTTP, and stop it. Shared by every rule that needs a running service.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::cleanroom::process::GroupChild;
use crate::cleanroom::sandbox::Sandbox;
use crate::engine::params::StrList;
use crate::engine::rule::{CheckCtx, Outcome};

/// A service started from the participant's start command, plus its clean room.
/// Field order matters: the service is stopped before the sandbox is removed.
pub struct CleanRoom {
    pub service: GroupChild,
    pub sandbox: Sandbox,
}

/// An HTTP answer: status code and body text.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Parameters every clean-room rule understands (documented once, listed by each rule).
pub const CLEANROOM_PARAMS: &[&str] = &[
    "command: the start command, relative to the checked directory (e.g. \"./start.sh\")",
    "env_file: the participant's declared environment (e.g. \".env.example\"); optional",
    "env: table of extra variables from the lab; {port} {home} {work} {app} {tmp} expand",
    "tools: extra programs offered on PATH beyond the POSIX baseline",
    "startup_seconds: how long the service may take to listen (default 5)",
];

/// The line a clean-room rule's `params` documentation starts with.
pub const CLEANROOM_PARAMS_LINE: &str =
    "(clean room) command, env_file, env, tools, startup_seconds";

/// The clean-room parameters of a check, borrowed from its parameter struct.
pub struct Room<'a> {
    pub env_file: Option<&'a str>,
    pub env: &'a BTreeMap<String, String>,
    pub tools: &'a StrList,
}

/// A rule's parameter struct with the clean room's `env_file`, `env` and `tools` added to
/// the rule's own fields (serde's `flatten` cannot be combined with `deny_unknown_fields`,
/// so the shared fields are written into each struct). `service` also adds the
/// `command` and `startup_seconds` that [`start`] needs.
macro_rules! cleanroom_params {
    (service $(#[$meta:meta])* struct $name:ident { $($body:tt)* }) => {
        $crate::cleanroom::service::cleanroom_params! {
            $(#[$meta])*
            struct $name {
                /// The start command, relative to the checked directory.
                command: String,
                /// How long the service may take to listen (default 5).
                #[serde(default)]
                startup_seconds: Option<u64>,
                $($body)*
            }
        }
    };
    ($(#[$meta:meta])* struct $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $name {
            /// The participant's declared environment, e.g. ".env.example".
            #[serde(default)]
            env_file: Option<String>,
            /// Extra variables from the lab; placeholders expand.
            #[serde(default)]
            env: std::collections::BTreeMap<String, String>,
            /// Extra programs offered on PATH.
            #[serde(default)]
            tools: $crate::engine::params::StrList,
            $($(#[$fmeta])* $field: $ty),*
        }

        impl $name {
            fn room(&self) -> $crate::cleanroom::service::Room<'_> {
                $crate::cleanroom::service::Room {
                    env_file: self.env_file.as_deref(),
                    env: &self.env,
                    tools: &self.tools,
                }
            }
        }
    };
}
pub(crate) use cleanroom_params;

pub(crate) fn listening_at(host: Ipv4Addr, port: u16) -> bool {
    let addr = SocketAddr::from((host, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok()
}

fn listening(port: u16) -> bool {
    listening_at(Ipv4Addr::LOCALHOST, port)
}

/// Why a service may be missing, appended to start failures when it is.
fn demo_service_note(ctx: &CheckCtx) -> &'static str {
    if ctx.toolbox.demo_service.is_none()
        && crate::cleanroom::toolbox::find_demo_service().is_none()
    {
        " (note: `demo-service` was not found, so the clean room could not offer it: put it next to the checker, on PATH, or set DEVOOPS_DEMO_SERVICE)"
    } else {
        ""
    }
}

/// Prepare a sandbox from the check's clean-room parameters (see [`CLEANROOM_PARAMS`]).
pub fn prepare(ctx: &CheckCtx, room: &Room) -> Result<Sandbox, Outcome> {
    let mut sandbox = Sandbox::new(ctx, &room.tools.to_strs())?;
    if let Some(env_file) = room.env_file {
        // Without the file the run still happens (its failure says more), just with nothing
        // declared.
        if ctx.path(env_file).exists() {
            sandbox.declare_env_file(ctx, env_file)?;
        } else {
            sandbox.notes.push(format!(
                "{env_file} is missing, so no variables were declared"
            ));
        }
    }
    sandbox.declare_lab_env(room.env);
    Ok(sandbox)
}

/// Start the check's `command` in a fresh clean room and wait until it listens on the port
/// the clean room gave it.
pub fn start(
    ctx: &CheckCtx,
    room: &Room,
    command: &str,
    startup_seconds: Option<u64>,
) -> Result<CleanRoom, Outcome> {
    let sandbox = prepare(ctx, room)?;
    let startup =
        Duration::from_secs(startup_seconds.unwrap_or(5).max(1)).min(ctx.toolbox.process_timeout);
    let mut cmd = sandbox.command(command, &[])?;
    let mut service = GroupChild::spawn(&mut cmd, &sandbox.log_prefix("service"))
        .map_err(|e| Outcome::fail(format!("cannot start `{command}`: {e}")))?;
    let port = sandbox.port;
    let host = sandbox.host();
    let script = script_of(command).to_string();
    let deadline = Instant::now() + startup;
    let mut elsewhere_since: Option<Instant> = None;
    loop {
        if listening_at(host, port) {
            return Ok(CleanRoom { service, sandbox });
        }
        // Listening on another address than the BIND it was given: give it a moment (it
        // may be opening both), then say so rather than wait for the deadline.
        if host != Ipv4Addr::LOCALHOST && listening_elsewhere(port) {
            let since = *elsewhere_since.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_millis(300) {
                service.kill_group();
                return Err(ignores_bind(&script, host, port));
            }
        }
        if let Some(status) = service.try_status() {
            if wait_listening(host, port, Duration::from_millis(500)) {
                // A supervisor (systemd, a container runtime, Pacemaker) watches the process
                // it started; once that is gone it counts the service as stopped.
                return Err(Outcome::fail(format!(
                    "`{command}` exited ({status}) and left the service running in the background, where nothing supervises it: a supervisor takes the exit for a stop. Make the start command the service (`exec demo-service` as its last line) or keep it in the foreground and wait for the service"
                ))
                .at(script, None));
            }
            let output = format!("{}\n{}", service.stderr(), service.stdout());
            if let Some(outside) = sandbox.outside_writes(&output) {
                return Err(Outcome::fail(outside).at(script, None));
            }
            return Err(Outcome::fail(format!(
                "`{command}` exited ({status}) before anything listened on port {port} \
                 (the clean room sets PORT={port}, an empty HOME and only declared variables); \
                 its last output: {}{}{}",
                sandbox.tidy(&quote_tail(&service)),
                sandbox.notes_suffix(),
                demo_service_note(ctx)
            ))
            .at(script, None));
        }
        if Instant::now() >= deadline {
            let tail = sandbox.tidy(&quote_tail(&service));
            service.kill_group();
            return Err(Outcome::fail(format!(
                "nothing listened on port {port} within {}s: {script} ignores PORT, or misses a variable (the clean room sets PORT={port}); last output: {tail}{}{}",
                startup.as_secs(),
                sandbox.notes_suffix(),
                demo_service_note(ctx)
            ))
            .at(script, None));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether something listens on `port` at 127.0.0.1 or ::1 (where `localhost` leads).
fn listening_elsewhere(port: u16) -> bool {
    let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port));
    listening(port) || TcpStream::connect_timeout(&v6, Duration::from_millis(100)).is_ok()
}

fn ignores_bind(script: &str, host: Ipv4Addr, port: u16) -> Outcome {
    Outcome::fail(format!(
        "{script} ignores BIND: the clean room sets BIND={host}, and the service listens on localhost:{port} instead; take the address from the environment (a default such as `: \"${{BIND:=0.0.0.0}}\"` is fine)"
    ))
    .at(script, None)
}

/// The script a command line starts, as a path relative to the checked directory.
pub fn script_of(command: &str) -> &str {
    command
        .split_whitespace()
        .next()
        .unwrap_or(command)
        .trim_start_matches("./")
}

fn wait_listening(host: Ipv4Addr, port: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if listening_at(host, port) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn quote_tail(child: &GroupChild) -> String {
    let tail = child.output_tail(3);
    if tail.is_empty() {
        "(nothing)".into()
    } else {
        format!("\"{tail}\"")
    }
}

/// One HTTP request to the local service on 127.0.0.1. Non-2xx statuses are answers, not
/// errors.
pub fn request(
    method: &str,
    port: u16,
    path: &str,
    body: Option<&str>,
    bearer: Option<&str>,
) -> Result<Answer, String> {
    request_at(Ipv4Addr::LOCALHOST, method, port, path, body, bearer)
}

/// [`request`] to the service listening on `host`.
pub fn request_at(
    host: Ipv4Addr,
    method: &str,
    port: u16,
    path: &str,
    body: Option<&str>,
    bearer: Option<&str>,
) -> Result<Answer, String> {
    let auth: Vec<(String, String)> = bearer
        .map(|t| ("Authorization".to_string(), format!("Bearer {t}")))
        .into_iter()
        .collect();
    request_with_headers(host, method, port, path, body, &auth)
}

/// [`request_at`] with any request headers (`name`, `value`), e.g. a Kubernetes probe's
/// `httpHeaders`.
pub fn request_with_headers(
    host: Ipv4Addr,
    method: &str,
    port: u16,
    path: &str,
    body: Option<&str>,
    headers: &[(String, String)],
) -> Result<Answer, String> {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(3)))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let url = format!("http://{host}:{port}{path}");
    let result = match (method, body) {
        ("GET", _) => {
            let mut req = agent.get(&url);
            for (name, value) in headers {
                req = req.header(name, value);
            }
            req.call()
        }
        (_, body) => {
            let mut req = match method {
                "POST" => agent.post(&url),
                _ => agent.put(&url),
            };
            for (name, value) in headers {
                req = req.header(name, value);
            }
            req.send(body.unwrap_or(""))
        }
    };
    let mut response = result.map_err(|e| format!("{method} {path} failed: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("{method} {path}: cannot read the body: {e}"))?;
    Ok(Answer { status, body })
}

impl CleanRoom {
    pub fn get(&self, path: &str) -> Result<Answer, Outcome> {
        request_at(
            self.sandbox.host(),
            "GET",
            self.sandbox.port,
            path,
            None,
            None,
        )
        .map_err(Outcome::fail)
    }

    /// Why the start command does not supervise the service, if it does not: it exited
    /// although the service answers.
    pub fn left_in_background(&mut self) -> Option<Outcome> {
        let status = self.service.try_status()?;
        Some(Outcome::fail(format!(
            "the start command exited ({status}) while the service kept answering in the background, where nothing supervises it: a supervisor takes the exit for a stop. Make the start command the service (`exec demo-service`) or wait for it in the foreground"
        )))
    }

    /// Why the service wrote outside the clean room, if it did as far as can be seen while
    /// it runs: a file outside that it holds open for writing, or a write to a path outside
    /// named in `script` (see [`Sandbox::scripted_outside`]).
    pub fn writes_outside(&self, script: &str) -> Option<Outcome> {
        self.sandbox
            .open_outside(&self.service.members())
            .map(Outcome::fail)
            .or_else(|| self.sandbox.scripted_outside(script))
    }

    /// Stop the service (whole process group) and anything it left behind.
    pub fn stop(&mut self) {
        self.service.kill_group();
    }
}
