//! The COMPOSExxx rules: where a service keeps its state, whether Compose can tell
//! it is healthy, waits for it, and restarts it.

use serde::Deserialize;

use formats::compose::{
    ComposeFile, DEFAULT_FILES, Mount, MountSource, Service, interpolate_defaults, is_home_path,
};
use formats::dockerfile::shell::never_fails;
use formats::image_ref::{ImageRef, Pinning};
use formats::yaml::{Node, Value};

use crate::engine::findings::{Finding, outcome};
use crate::engine::params::StrList;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::rules::healthprobe::{self, HealthTest};
use crate::rules::secrets::{is_secret_name, secret_value_kind};
use crate::tri;

/// The Compose file named by the `file` parameter, or the first default name present.
fn load(ctx: &CheckCtx, file: Option<&str>) -> Result<ComposeFile, Outcome> {
    let file = match file {
        Some(file) => file.to_string(),
        None => DEFAULT_FILES
            .iter()
            .find(|f| ctx.path(f).is_file())
            .map(|f| f.to_string())
            .ok_or_else(|| {
                Outcome::fail(format!(
                    "no Compose file here (looked for {})",
                    DEFAULT_FILES.join(", ")
                ))
                .at(DEFAULT_FILES[0], None)
            })?,
    };
    let text = ctx.read_text(&file)?;
    let mut compose =
        ComposeFile::parse(&file, &text).map_err(|e| Outcome::fail(e.message).at(&file, e.line))?;
    // Files named by `extends:` are read the way every participant file is.
    let read = |other: &str| ctx.read_text(other).map_err(|o| o.message);
    compose
        .resolve_extends(&read)
        .map_err(|e| Outcome::fail(e.message).at(&file, e.line))?;
    Ok(compose)
}

/// The service named `name` (a required `service` parameter), or a failed outcome
/// listing the services there are.
/// `outcome` with the warnings the YAML reader had about the Compose file (a key given
/// twice: Compose takes the later value). The file is read again: it is small, and
/// every rule's own exits stay as they are.
fn warned(ctx: &CheckCtx, file: Option<&str>, outcome: Outcome) -> Outcome {
    match load(ctx, file) {
        Ok(compose) => {
            let warnings = compose.warnings.iter().map(|w| match w.line {
                Some(line) => format!("{}:{line}: {}", compose.file, w.message),
                None => format!("{}: {}", compose.file, w.message),
            });
            outcome.with_warnings(warnings)
        }
        Err(_) => outcome,
    }
}

fn required_service<'a>(compose: &'a ComposeFile, name: &str) -> Result<Service<'a>, Outcome> {
    compose.service(name).ok_or_else(|| {
        let names: Vec<String> = compose.services().into_iter().map(|s| s.name).collect();
        Outcome::fail(format!(
            "`{}` has no service `{name}` (services: {})",
            compose.file,
            names.join(", ")
        ))
        .at(&compose.file, None)
    })
}

/// The services named by an optional `services` list parameter; all services when absent.
fn selected_services<'a>(
    compose: &'a ComposeFile,
    names: &StrList,
) -> Result<Vec<Service<'a>>, Outcome> {
    if names.is_empty() {
        return Ok(compose.services());
    }
    names
        .iter()
        .map(|name| {
            compose.service(name).ok_or_else(|| {
                Outcome::fail(format!("`{}` has no service `{name}`", compose.file))
                    .at(&compose.file, None)
            })
        })
        .collect()
}

const FILE_PARAM: &str = "file: the Compose file (default: compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml)";
const SERVICES_PARAM: &str = "services: the services to look at (default: all)";

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(RuleDef {
            id: "COMPOSE001",
            meaning: "The service keeps its data in a named volume, not in the container's writable layer or a host directory",
            remediation: "Mount a named volume at the data directory (volumes: [notes-data:/data]) and declare it under the top-level volumes:",
            params: &[
                FILE_PARAM,
                "service: the service that owns the data (required)",
                "data_dir: where it writes (default: the service's DATA_DIR environment value)",
            ],
            check: |ctx, p| {
                let outcome = data_in_named_volume(ctx, p);
                warned(ctx, p.file.as_deref(), outcome)
            },
        }),
        Box::new(RuleDef {
            id: "COMPOSE002",
            meaning: "Each service has a healthcheck that really probes it",
            remediation: "Add healthcheck: {test: [\"CMD\", \"curl\", \"-fsS\", \"http://localhost:8080/healthz\"], interval: 10s, retries: 3}",
            params: &[FILE_PARAM, SERVICES_PARAM],
            check: |ctx, p| {
                let outcome = healthcheck_present(ctx, p);
                warned(ctx, p.file.as_deref(), outcome)
            },
        }),
        Box::new(RuleDef {
            id: "COMPOSE003",
            meaning: "depends_on waits for dependencies to be healthy (condition: service_healthy), not merely started",
            remediation: "Write depends_on: {app: {condition: service_healthy}} and give the dependency a healthcheck",
            params: &[
                FILE_PARAM,
                "service: the dependent service (required)",
                "depends_on: services it must wait for (default: whatever it lists)",
            ],
            check: |ctx, p| {
                let outcome = depends_on_healthy(ctx, p);
                warned(ctx, p.file.as_deref(), outcome)
            },
        }),
        Box::new(RuleDef {
            id: "COMPOSE004",
            meaning: "Each service has a restart policy, so a crash or a host reboot does not leave it down",
            remediation: "Add restart: unless-stopped (or always / on-failure)",
            params: &[FILE_PARAM, SERVICES_PARAM],
            check: |ctx, p| {
                let outcome = restart_policy(ctx, p);
                warned(ctx, p.file.as_deref(), outcome)
            },
        }),
        Box::new(RuleDef {
            id: "COMPOSE005",
            meaning: "Every image a service pulls is pinned to a version tag or digest",
            remediation: "Write image: name:<version> (best with @sha256:<digest>), never latest or no tag",
            params: &[FILE_PARAM, SERVICES_PARAM],
            check: |ctx, p| {
                let outcome = images_pinned(ctx, p);
                warned(ctx, p.file.as_deref(), outcome)
            },
        }),
        Box::new(RuleDef {
            id: "COMPOSE006",
            meaning: "No secrets written into the Compose file's environment",
            remediation: "Reference them (API_TOKEN: ${API_TOKEN}), load an env_file kept out of git, or use Compose secrets:",
            params: &[FILE_PARAM, SERVICES_PARAM],
            check: |ctx, p| {
                let outcome = no_literal_secrets(ctx, p);
                warned(ctx, p.file.as_deref(), outcome)
            },
        }),
    ]
}

/// The parameters of the rules that look at a selection of services.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServicesParams {
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    services: StrList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VolumeParams {
    #[serde(default)]
    file: Option<String>,
    service: String,
    #[serde(default)]
    data_dir: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DependsParams {
    #[serde(default)]
    file: Option<String>,
    service: String,
    #[serde(default)]
    depends_on: StrList,
}

// ---------------------------------------------------------------- COMPOSE001

fn data_in_named_volume(ctx: &CheckCtx, p: &VolumeParams) -> Outcome {
    let compose = tri!(load(ctx, p.file.as_deref()));
    let file = compose.file.as_str();
    let service = tri!(required_service(&compose, &p.service));
    let data_dir = match p.data_dir.as_deref() {
        Some(dir) => dir.to_string(),
        None => match service
            .env_value("DATA_DIR")
            .and_then(|d| interpolate_defaults(&d))
        {
            Some(dir) => dir,
            None => {
                return Outcome::fail(format!(
                    "service `{}` sets no DATA_DIR, so where its data goes cannot be told: set DATA_DIR in its environment",
                    service.name
                ))
                .at(file, Some(service.line));
            }
        },
    };
    let data_dir = data_dir.trim_end_matches('/');
    let covering: Option<Mount> = service
        .mounts()
        .into_iter()
        .filter(|m| {
            let target = m.target.trim_end_matches('/');
            data_dir == target || data_dir.starts_with(&format!("{target}/")) || target.is_empty()
        })
        .max_by_key(|m| m.target.len());
    let Some(mount) = covering else {
        return Outcome::fail(format!(
            "`{}` writes to {data_dir} inside the container's writable layer: `docker compose down` or a recreate on the next image update deletes it",
            service.name
        ))
        .at(file, Some(service.line));
    };
    let at = Some(mount.line);
    let target = &mount.target;
    match &mount.source {
        MountSource::Anonymous => Outcome::fail(format!(
            "{target} is an anonymous volume: it has no name to back up, and `docker compose down -v` or `rm` loses it"
        ))
        .at(file, at),
        MountSource::Tmpfs => Outcome::fail(format!("{target} is a tmpfs: the data lives in memory and is gone on restart")).at(file, at),
        MountSource::Bind(path) => Outcome::fail(bind_message(path, target)).at(file, at),
        MountSource::Named(_) if mount.read_only => {
            Outcome::fail(format!("{target} is mounted read-only: the service cannot write its data")).at(file, at)
        }
        MountSource::Named(name) => match compose.declared_volume(name) {
            None => Outcome::fail(format!(
                "volume `{name}` is not declared under the top-level `volumes:`; Compose refuses to start"
            ))
            .at(file, at),
            Some(decl) => match disguised_bind(decl) {
                Some(device) => Outcome::fail(format!(
                    "volume `{name}` is a bind mount in disguise (driver_opts device {device}): {}",
                    bind_message(&device, target)
                ))
                .at(file, Some(decl.line.max(mount.line))),
                None => Outcome::pass(format!(
                    "`{}` keeps {data_dir} in the named volume `{name}`",
                    service.name
                ))
                .at(file, at),
            },
        },
    }
}

fn bind_message(path: &str, target: &str) -> String {
    if is_home_path(path) {
        format!(
            "{target} is bound to {path}, a path in someone's home directory: it exists on one laptop only"
        )
    } else {
        format!(
            "{target} is bound to the host directory {path}: state tied to one machine's file layout, not managed by Compose"
        )
    }
}

/// A named volume declared as `driver_opts: {type: none, o: bind, device: /path}`.
fn disguised_bind(decl: &Node) -> Option<String> {
    let opts = decl.get("driver_opts")?;
    let o = opts
        .get("o")
        .and_then(Node::scalar_text)
        .unwrap_or_default();
    let device = opts.get("device").and_then(Node::scalar_text)?;
    o.split(',').any(|part| part == "bind").then_some(device)
}

// ---------------------------------------------------------------- COMPOSE002

fn healthcheck_present(ctx: &CheckCtx, p: &ServicesParams) -> Outcome {
    let compose = tri!(load(ctx, p.file.as_deref()));
    let file = compose.file.as_str();
    let mut findings = Vec::new();
    let mut seen = Vec::new();
    for service in tri!(selected_services(&compose, &p.services)) {
        match healthcheck_problem(&service) {
            Some((line, message)) => findings.push(Finding::new(file, Some(line), message)),
            None => seen.push(service.name.clone()),
        }
    }
    outcome(file, findings, format!("healthchecks: {}", seen.join(", ")))
}

/// What is wrong with a service's healthcheck, if anything, and where.
fn healthcheck_problem(service: &Service) -> Option<(usize, String)> {
    let name = &service.name;
    let Some(check) = service.node.get("healthcheck") else {
        return Some((
            service.line,
            format!(
                "service `{name}` has no healthcheck: Compose cannot tell a hung service from a healthy one"
            ),
        ));
    };
    let line = service.key_line("healthcheck");
    if check.get("disable").and_then(Node::as_bool) == Some(true) {
        return Some((line, format!("service `{name}` disables its healthcheck")));
    }
    let Some(test) = check.get("test") else {
        return Some((line, format!("the healthcheck of `{name}` has no `test`")));
    };
    let (script, played) = match &test.value {
        Value::Str(s) => (s.clone(), HealthTest::Shell(s.clone())),
        Value::Seq(items) => {
            let words: Vec<String> = items.iter().filter_map(Node::scalar_text).collect();
            match words.first().map(String::as_str) {
                Some("NONE") => {
                    return Some((
                        test.line,
                        format!("the healthcheck of `{name}` is NONE: switched off"),
                    ));
                }
                Some("CMD-SHELL") => (
                    words[1..].join(" "),
                    HealthTest::Shell(words[1..].join(" ")),
                ),
                Some("CMD") => (words[1..].join(" "), HealthTest::Exec(words[1..].to_vec())),
                _ => {
                    return Some((
                        test.line,
                        format!(
                            "the healthcheck test of `{name}` must start with CMD, CMD-SHELL or NONE"
                        ),
                    ));
                }
            }
        }
        _ => {
            return Some((
                test.line,
                format!("the healthcheck test of `{name}` is neither a string nor a list"),
            ));
        }
    };
    if let Some(why) = never_fails(&script, '\\') {
        return Some((
            test.line,
            format!("the healthcheck of `{name}` (`{script}`) always succeeds: {why}"),
        ));
    }
    healthprobe::problem(&played).map(|why| {
        (
            test.line,
            format!("the healthcheck of `{name}` (`{script}`) cannot report a sick service: {why}"),
        )
    })
}

// ---------------------------------------------------------------- COMPOSE003

fn depends_on_healthy(ctx: &CheckCtx, p: &DependsParams) -> Outcome {
    let compose = tri!(load(ctx, p.file.as_deref()));
    let file = compose.file.as_str();
    let service = tri!(required_service(&compose, &p.service));
    let required = p.depends_on.to_strs();
    let deps = service.depends_on();
    let mut findings = Vec::new();
    for needed in &required {
        if !deps.iter().any(|(d, _, _)| d == needed) {
            findings.push(Finding::new(
                file,
                Some(service.line),
                format!("`{}` does not declare depends_on `{needed}`: it may start before `{needed}` is up", service.name),
            ));
        }
    }
    if deps.is_empty() && required.is_empty() {
        findings.push(Finding::new(
            file,
            Some(service.line),
            format!("`{}` has no depends_on", service.name),
        ));
    }
    for (dep, condition, line) in &deps {
        let Some(target) = compose.service(dep) else {
            findings.push(Finding::new(
                file,
                Some(*line),
                format!("depends_on names `{dep}`, which is not a service here"),
            ));
            continue;
        };
        match condition.as_str() {
            "service_healthy" => {
                if let Some((_, why)) = healthcheck_problem(&target) {
                    findings.push(Finding::new(
                        file,
                        Some(*line),
                        format!("`{dep}` is awaited as healthy but its health cannot be known: {why}"),
                    ));
                }
            }
            "service_completed_successfully" => {}
            other => findings.push(Finding::new(
                file,
                Some(*line),
                format!(
                    "`{}` waits for `{dep}` only to be started ({other}): it starts while `{dep}` cannot answer yet",
                    service.name
                ),
            )),
        }
    }
    outcome(
        file,
        findings,
        format!("`{}` waits for healthy dependencies", service.name),
    )
}

// ---------------------------------------------------------------- COMPOSE004

const RESTARTING: [&str; 3] = ["always", "unless-stopped", "on-failure"];

fn restart_policy(ctx: &CheckCtx, p: &ServicesParams) -> Outcome {
    let compose = tri!(load(ctx, p.file.as_deref()));
    let file = compose.file.as_str();
    let mut findings = Vec::new();
    for service in tri!(selected_services(&compose, &p.services)) {
        let restart = service.node.get("restart").and_then(Node::scalar_text);
        let deploy = service
            .node
            .at(&["deploy", "restart_policy", "condition"])
            .and_then(Node::scalar_text);
        let ok = restart
            .as_deref()
            .is_some_and(|r| RESTARTING.contains(&r.split(':').next().unwrap_or(r)))
            || deploy
                .as_deref()
                .is_some_and(|c| c == "any" || c == "on-failure");
        if ok {
            continue;
        }
        let message = match restart {
            Some(policy) => format!(
                "service `{}` has restart: {policy}: after a crash or reboot it stays down",
                service.name
            ),
            None => format!(
                "service `{}` has no restart policy: after a crash or reboot it stays down",
                service.name
            ),
        };
        findings.push(Finding::new(
            file,
            Some(service.key_line("restart")),
            message,
        ));
    }
    outcome(file, findings, "every service has a restart policy")
}

// ---------------------------------------------------------------- COMPOSE005

fn images_pinned(ctx: &CheckCtx, p: &ServicesParams) -> Outcome {
    let compose = tri!(load(ctx, p.file.as_deref()));
    let file = compose.file.as_str();
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    for service in tri!(selected_services(&compose, &p.services)) {
        // With `build:`, `image:` only names what Compose builds: nothing is pulled.
        if service.node.get("build").is_some() {
            continue;
        }
        let Some(image_node) = service.node.get("image") else {
            continue;
        };
        let line = Some(image_node.line);
        let Some(written) = image_node.scalar_text() else {
            continue;
        };
        let Some(image) = interpolate_defaults(&written) else {
            findings.push(Finding::new(
                file,
                line,
                format!("image `{written}` depends on a variable with no default"),
            ));
            continue;
        };
        let pinning = Pinning::of(&ImageRef::parse(&image));
        if pinning.is_pinned() {
            notes.push(pinning.describe(&image));
        } else {
            findings.push(Finding::new(file, line, pinning.describe(&image)));
        }
    }
    outcome(
        file,
        findings,
        format!("images pinned: {}", notes.join("; ")),
    )
}

// ---------------------------------------------------------------- COMPOSE006

fn no_literal_secrets(ctx: &CheckCtx, p: &ServicesParams) -> Outcome {
    let compose = tri!(load(ctx, p.file.as_deref()));
    let file = compose.file.as_str();
    let mut findings = Vec::new();
    for service in tri!(selected_services(&compose, &p.services)) {
        for (key, value, line) in service.environment() {
            let Some(value) = value else { continue };
            let referenced = value.trim_start().starts_with('$');
            if let Some(kind) = secret_value_kind(&value) {
                findings.push(Finding::new(
                    file,
                    Some(line),
                    format!("`{}`: {key} holds {kind}", service.name),
                ));
            } else if is_secret_name(&key) && !value.is_empty() && !referenced {
                findings.push(Finding::new(
                    file,
                    Some(line),
                    format!(
                        "`{}`: {key} is written into the Compose file, and so into git",
                        service.name
                    ),
                ));
            }
        }
    }
    outcome(file, findings, "no secrets written into the Compose file")
}
