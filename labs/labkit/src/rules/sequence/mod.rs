//! Command sequences with expected exit codes, run in a clean room: the way ocf-tester drives
//! a resource agent (`start`, `monitor`, `stop`… each with the exit code the spec demands).

use std::time::Duration;

use crate::cleanroom::process::{GroupChild, Waited};
use crate::cleanroom::sandbox::Sandbox;
use crate::cleanroom::service::{self, cleanroom_params};
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::tri;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![Box::new(RuleDef {
        id: "SEQ001",
        meaning: "In a clean room, a sequence of commands (and HTTP probes) gives the expected exit codes, e.g. an OCF agent's start → monitor → stop",
        remediation: "Make each action return the code its contract demands, also when repeated (start on a running service succeeds; stop on a stopped one succeeds)",
        params: &[
            "(clean room) command (the program), env_file, env, tools",
            "steps: [{ args = [...], expect = code or [codes], unset = [vars] }, { probe = \"/path\", status = 200 }, { down = true } (nothing answers any more) or { crash = true } (SIGKILL whatever is left running)]",
            "cleanup: steps run afterwards whatever happened (exit codes ignored)",
            "ocf: name exit codes as in the OCF spec (default false)",
            "step_seconds: deadline for each command (default 10)",
        ],
        check: sequence,
    })]
}

/// Names of the OCF return codes, so messages speak the spec's language.
pub fn ocf_name(code: i32) -> &'static str {
    match code {
        0 => "OCF_SUCCESS",
        1 => "OCF_ERR_GENERIC",
        2 => "OCF_ERR_ARGS",
        3 => "OCF_ERR_UNIMPLEMENTED",
        4 => "OCF_ERR_PERM",
        5 => "OCF_ERR_INSTALLED",
        6 => "OCF_ERR_CONFIGURED",
        7 => "OCF_NOT_RUNNING",
        8 => "OCF_RUNNING_PROMOTED",
        9 => "OCF_FAILED_PROMOTED",
        _ => "unknown",
    }
}

/// One step of a sequence, read from lab.toml.
enum Step {
    Run {
        args: Vec<String>,
        expect: Vec<i32>,
        unset: Vec<String>,
    },
    Probe {
        path: String,
        status: u16,
    },
    /// Nothing answers on the port any more: the service really stopped.
    Down,
    /// Every process the sequence left running is killed with SIGKILL, the way a crash or
    /// the kernel's OOM killer ends a service: pid files and sockets are left behind.
    Crash,
}

impl Step {
    fn describe(&self, program: &str) -> String {
        match self {
            Step::Run { args, unset, .. } if unset.is_empty() => {
                format!("`{program} {}`", args.join(" "))
            }
            Step::Run { args, unset, .. } => {
                format!(
                    "`{program} {}` without {}",
                    args.join(" "),
                    unset.join(", ")
                )
            }
            Step::Probe { path, .. } => format!("GET {path}"),
            Step::Down => "nothing answers".to_string(),
            Step::Crash => "the service crashes (SIGKILL)".to_string(),
        }
    }
}

fn bad_step(ctx: &CheckCtx, index: usize, what: &str) -> Outcome {
    Outcome::fail(format!(
        "lab.toml: check \"{}\": step {} {what}",
        ctx.check_name,
        index + 1
    ))
}

fn strings(value: Option<&toml::Value>) -> Option<Vec<String>> {
    match value {
        None => Some(Vec::new()),
        Some(toml::Value::String(s)) => Some(vec![s.clone()]),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(_) => None,
    }
}

/// A step's own keys are read here rather than by serde: a step is either a probe or a
/// command, and serde's untagged enums would only say that neither matched.
fn read_steps(ctx: &CheckCtx, items: &[toml::Table]) -> Result<Vec<Step>, Outcome> {
    items
        .iter()
        .enumerate()
        .map(|(i, table)| {
            if table.get("down").and_then(toml::Value::as_bool) == Some(true) {
                return Ok(Step::Down);
            }
            if table.get("crash").and_then(toml::Value::as_bool) == Some(true) {
                return Ok(Step::Crash);
            }
            if let Some(path) = table.get("probe") {
                let path = path
                    .as_str()
                    .ok_or_else(|| bad_step(ctx, i, "`probe` must be a path"))?;
                let status = table
                    .get("status")
                    .and_then(|s| s.as_integer())
                    .unwrap_or(200);
                return Ok(Step::Probe {
                    path: path.to_string(),
                    status: status as u16,
                });
            }
            let args = strings(table.get("args"))
                .filter(|a| !a.is_empty())
                .ok_or_else(|| bad_step(ctx, i, "needs `args` (a list of strings) or `probe`"))?;
            let expect = match table.get("expect") {
                None => vec![0],
                Some(toml::Value::Integer(code)) => vec![*code as i32],
                Some(toml::Value::Array(codes)) => codes
                    .iter()
                    .map(|c| c.as_integer().map(|c| c as i32))
                    .collect::<Option<Vec<i32>>>()
                    .ok_or_else(|| bad_step(ctx, i, "`expect` must be exit codes"))?,
                Some(_) => return Err(bad_step(ctx, i, "`expect` must be an exit code")),
            };
            let unset = strings(table.get("unset"))
                .ok_or_else(|| bad_step(ctx, i, "`unset` must be variable names"))?;
            Ok(Step::Run {
                args,
                expect,
                unset,
            })
        })
        .collect()
}

fn code_name(code: i32, ocf: bool) -> String {
    if ocf {
        format!("{code} ({})", ocf_name(code))
    } else {
        code.to_string()
    }
}

/// Every process group a sequence started lives until the sequence is over (a daemon
/// started by `start` is in its group); dropping the list kills them all.
struct Started(Vec<GroupChild>);

/// Run one command step; returns its exit code.
fn run(
    sandbox: &Sandbox,
    started: &mut Started,
    program: &str,
    args: &[String],
    unset: &[String],
    timeout: Duration,
) -> Result<Result<i32, String>, Outcome> {
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = sandbox.command(program, &arg_refs)?;
    for var in unset {
        cmd.env_remove(var);
    }
    let log = sandbox.log_prefix(&format!("step{}", started.0.len()));
    let mut child = GroupChild::spawn(&mut cmd, &log)
        .map_err(|e| Outcome::fail(format!("cannot run `{program}`: {e}")))?;
    let waited = child.wait_for(timeout);
    let result = match waited {
        Waited::Exited(status) => Ok(status.code().unwrap_or(-1)),
        Waited::TimedOut => {
            child.kill_group();
            Err(format!("did not finish within {}s", timeout.as_secs()))
        }
    };
    let result =
        result.map_err(|m| format!("{m}; last output: {}", sandbox.tidy(&child.output_tail(2))));
    started.0.push(child);
    Ok(result)
}

cleanroom_params! {
    struct SequenceParams {
        /// The program each step runs.
        command: String,
        #[serde(default)]
        steps: Vec<toml::Table>,
        #[serde(default)]
        cleanup: Vec<toml::Table>,
        #[serde(default)]
        ocf: bool,
        #[serde(default)]
        step_seconds: Option<u64>,
    }
}

/// SEQ001: a command sequence gives the expected exit codes.
fn sequence(ctx: &CheckCtx, p: &SequenceParams) -> Outcome {
    let program = p.command.as_str();
    let steps = tri!(read_steps(ctx, &p.steps));
    let cleanup = tri!(read_steps(ctx, &p.cleanup));
    let ocf = p.ocf;
    let timeout =
        Duration::from_secs(p.step_seconds.unwrap_or(10).max(1)).min(ctx.toolbox.process_timeout);
    if steps.is_empty() {
        return Outcome::fail(format!(
            "lab.toml: check \"{}\" needs `steps`",
            ctx.check_name
        ));
    }
    let sandbox = tri!(service::prepare(ctx, &p.room()));
    let mut started = Started(Vec::new());
    let verdict = run_steps(&sandbox, &mut started, program, &steps, ocf, timeout);
    for step in &cleanup {
        if let Step::Run { args, unset, .. } = step {
            let _ = run(&sandbox, &mut started, program, args, unset, timeout);
        }
    }
    drop(started);
    drop(sandbox);
    verdict
}

/// What still answers on `port` right after a stop, if anything. The kernel closes a
/// process's sockets as it exits, so once a stop that waits for its process has returned,
/// nothing answers; the short grace only covers a connection racing that close. It must
/// stay well below the lab's `STOP_DELAY_MS` (the service's own shutdown time): a stop that
/// sends SIGTERM and returns at once is then seen answering, every time.
fn still_answering(port: u16) -> Option<String> {
    let deadline = std::time::Instant::now() + Duration::from_millis(150);
    loop {
        match service::request("GET", port, "/healthz", None, None) {
            Err(_) => return None,
            Ok(answer) if std::time::Instant::now() >= deadline => {
                return Some(format!("GET /healthz answered {}", answer.status));
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Kill everything the sequence started so far, without any chance to clean up, and wait
/// until the port is free again.
fn crash(sandbox: &Sandbox, started: &mut Started) {
    for child in &mut started.0 {
        child.kill_group_abruptly();
    }
    sandbox.kill_strays();
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while service::request("GET", sandbox.port, "/healthz", None, None).is_ok()
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_steps(
    sandbox: &Sandbox,
    started: &mut Started,
    program: &str,
    steps: &[Step],
    ocf: bool,
    timeout: Duration,
) -> Outcome {
    let rel = program.trim_start_matches("./");
    for (i, step) in steps.iter().enumerate() {
        let what = step.describe(rel);
        match step {
            Step::Run {
                args,
                expect,
                unset,
            } => {
                let code = match tri!(run(sandbox, started, program, args, unset, timeout)) {
                    Ok(code) => code,
                    Err(problem) => {
                        return Outcome::fail(format!("step {}: {what} {problem}", i + 1))
                            .at(rel, None);
                    }
                };
                if !expect.contains(&code) {
                    let wanted: Vec<String> = expect.iter().map(|c| code_name(*c, ocf)).collect();
                    let tail = started
                        .0
                        .last()
                        .map(|c| sandbox.tidy(&c.output_tail(2)))
                        .unwrap_or_default();
                    let output = if tail.is_empty() {
                        String::new()
                    } else {
                        format!("; it said: {tail}")
                    };
                    return Outcome::fail(format!(
                        "step {}: {what} returned {}, expected {}{output}",
                        i + 1,
                        code_name(code, ocf),
                        wanted.join(" or ")
                    ))
                    .at(rel, None);
                }
            }
            Step::Down => {
                if let Some(answer) = still_answering(sandbox.port) {
                    let before = i
                        .checked_sub(1)
                        .map(|b| steps[b].describe(rel))
                        .unwrap_or_else(|| "the step before".to_string());
                    return Outcome::fail(format!(
                        "step {}: the service still answers on port {} ({answer}): {before} returned before the service was gone (wait until its process has exited)",
                        i + 1,
                        sandbox.port
                    ))
                    .at(rel, None);
                }
            }
            Step::Crash => crash(sandbox, started),
            Step::Probe { path, status } => {
                let answer = service::request("GET", sandbox.port, path, None, None);
                match answer {
                    Ok(a) if a.status == *status => {}
                    Ok(a) => {
                        return Outcome::fail(format!(
                            "step {}: {what} answered {}, expected {status}",
                            i + 1,
                            a.status
                        ));
                    }
                    Err(e) => {
                        return Outcome::fail(format!(
                            "step {}: nothing answers on port {} ({e})",
                            i + 1,
                            sandbox.port
                        ));
                    }
                }
            }
        }
    }
    let all: Vec<String> = steps.iter().map(|s| s.describe(rel)).collect();
    Outcome::pass(all.join(" → ")).at(rel, None)
}
