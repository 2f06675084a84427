//! K8S003 / K8S004: readiness and liveness probes that can see a sick container.

use super::served::{self, Ask, Heard};
use super::*;
use formats::dockerfile::shell::{exec_form, never_fails_script};

/// K8S003's and K8S004's parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProbeParams {
    #[serde(default)]
    files: StrList,
    /// The image repository of the lab's service, e.g. "ghcr.io/devoops/demo-service".
    #[serde(default)]
    service_image: Option<String>,
}

pub(super) const SERVICE_IMAGE_PARAM: &str = "service_image: the image repository that runs the lab's service (any tag or digest), e.g. \"ghcr.io/devoops/demo-service\": an httpGet probe of such a container is asked of the real demo service, started with the container's literal env (optional)";

/// The demo service's health endpoint, the path a failing probe is pointed at.
const HEALTH_PATH: &str = "/healthz";

pub(super) fn readiness_probes(ctx: &CheckCtx, p: &ProbeParams) -> Outcome {
    probes(
        ctx,
        p,
        "readinessProbe",
        "without it, pods get traffic before they can answer and during shutdown",
    )
}

pub(super) fn liveness_probes(ctx: &CheckCtx, p: &ProbeParams) -> Outcome {
    probes(
        ctx,
        p,
        "livenessProbe",
        "without it, a hung process is never restarted",
    )
}

/// A probe to be asked of the service, and where its finding goes.
struct Pending {
    file: String,
    line: usize,
    who: String,
    ask: Ask,
}

fn probes(ctx: &CheckCtx, p: &ProbeParams, key: &str, why_missing: &str) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let mut pending = Vec::new();
    let mut warnings = manifests.warnings.clone();
    let mut findings = per_container(&manifests, |t, c, out| {
        // Init containers and Jobs run to completion: nothing to route to or revive.
        if c.init || matches!(t.owner.kind.as_str(), "Job" | "CronJob") {
            return;
        }
        let file = &t.owner.file;
        let Some(probe) = c.node.get(key) else {
            out.push(Finding::new(
                file,
                Some(c.node.line),
                format!("{} has no {key}: {why_missing}", who(t, c)),
            ));
            return;
        };
        if let Some(problem) = probe_port_problem(c, probe).or_else(|| proves_nothing(probe)) {
            out.push(Finding::new(
                file,
                Some(probe.line),
                format!("{} {key}: {problem}", who(t, c)),
            ));
        } else if let Some(image) = &p.service_image
            && runs_image(c, image)
            && let Some(http) = probe.get("httpGet")
        {
            let (line, ask) = http_ask(http, c.node);
            let who = who(t, c);
            match http.get("scheme").and_then(Node::scalar_text) {
                Some(scheme) if !scheme.eq_ignore_ascii_case("HTTP") => warnings.push(format!(
                    "{file}:{line}: {who} {key} GET {} uses scheme {scheme}, which cannot be judged here (the clean room's demo service speaks plain HTTP): the path was not tried",
                    ask.path
                )),
                _ => pending.push(Pending {
                    file: file.clone(),
                    line,
                    who,
                    ask,
                }),
            }
        }
        // kube-score's "identical probes": a liveness probe that fails exactly when
        // readiness does restarts every pod that is merely busy, at the moment it was
        // taken out of rotation.
        if key == "livenessProbe"
            && let Some(readiness) = c.node.get("readinessProbe")
            && same_value(probe, readiness)
        {
            out.push(Finding::new(
                file,
                Some(probe.line),
                format!(
                    "{} livenessProbe is identical to its readinessProbe (line {}): a pod slow under load is restarted the moment it stops getting traffic; give liveness a longer periodSeconds or failureThreshold, or a cheaper check",
                    who(t, c),
                    readiness.line
                ),
            ));
        }
    });
    let mut pass = format!("every container has a {key} on a declared port");
    let asks: Vec<Ask> = pending.iter().map(|p| p.ask.clone()).collect();
    let mut answered: Vec<String> = Vec::new();
    for (p, heard) in pending.iter().zip(served::ask_all(ctx, &asks)) {
        let path = &p.ask.path;
        let consequence = if key == "readinessProbe" {
            "the pod never becomes ready"
        } else {
            "the kubelet restarts the container again and again"
        };
        let better = if path == HEALTH_PATH {
            String::new()
        } else {
            format!("; probe {HEALTH_PATH}")
        };
        match heard {
            Heard::Status(status) if (200..400).contains(&status) => {
                let said = format!("GET {path} with {status}");
                if !answered.contains(&said) {
                    answered.push(said);
                }
            }
            Heard::Status(status) => findings.push(Finding::new(
                &p.file,
                Some(p.line),
                format!(
                    "{} {key} GET {path}: the service answers {status} (Kubernetes counts only 200–399): {consequence}{better}",
                    p.who
                ),
            )),
            Heard::NoStart(output) => findings.push(Finding::new(
                &p.file,
                Some(p.line),
                format!(
                    "{} {key} GET {path}: the service does not start with this container's env (its last output: {output}): {consequence}",
                    p.who
                ),
            )),
            Heard::NotTried(why) => warnings.push(format!(
                "{}:{}: {} {key} GET {path} was not tried ({why}): judged on the manifest only",
                p.file, p.line, p.who
            )),
        }
    }
    if !answered.is_empty() {
        pass.push_str(&format!(
            "; the demo service answers {}",
            answered.join(", ")
        ));
    }
    outcome(&first_file(&manifests), findings, pass).with_warnings(warnings)
}

/// Whether the container runs `repository` (any tag or digest; Docker Hub's implied
/// `docker.io/library/` prefix does not count).
fn runs_image(container: &Container, repository: &str) -> bool {
    fn plain(name: &str) -> &str {
        let name = name
            .strip_prefix("docker.io/")
            .or_else(|| name.strip_prefix("index.docker.io/"))
            .unwrap_or(name);
        name.strip_prefix("library/").unwrap_or(name)
    }
    container
        .node
        .get("image")
        .and_then(Node::scalar_text)
        .is_some_and(|image| {
            plain(&ImageRef::parse(image.trim()).name) == plain(&ImageRef::parse(repository).name)
        })
}

/// The request the kubelet sends for an `httpGet` handler (path `/` when none is given),
/// and the line a finding about it points at.
fn http_ask(http: &Node, container: &Node) -> (usize, Ask) {
    let path_node = http.get("path");
    let path = path_node
        .and_then(Node::scalar_text)
        .unwrap_or_default()
        .trim()
        .to_string();
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let headers = http
        .get("httpHeaders")
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|h| {
            Some((
                h.get("name").and_then(Node::scalar_text)?,
                h.get("value")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default(),
            ))
        })
        .collect();
    let line = path_node.map_or(http.line, |n| n.line);
    (
        line,
        Ask {
            env: served::literal_env(container),
            path,
            headers,
        },
    )
}

/// Why an `exec` probe can never fail, if it cannot: `["true"]`, `["sh", "-c", "exit 0"]`,
/// `… || true` (the same judgement as a Dockerfile HEALTHCHECK).
fn proves_nothing(probe: &Node) -> Option<String> {
    let words: Vec<String> = probe
        .at(&["exec", "command"])?
        .as_seq()
        .iter()
        .filter_map(Node::scalar_text)
        .collect();
    let why = never_fails_script(&exec_form(&words))?;
    Some(format!(
        "exec `{}` always succeeds ({why}): it cannot report a sick container",
        words.join(" ")
    ))
}

/// Equal as values, whatever the lines and the order of mapping keys.
fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .any(|(k2, v2)| k.value == k2.value && same_value(v, v2))
                })
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_value(v, w))
        }
        (x, y) => x == y,
    }
}

/// Why a probe's port is wrong, if it is: not declared by the container, or not the
/// port the service listens on (its literal `PORT` environment value).
pub(super) fn probe_port_problem(container: &Container, probe: &Node) -> Option<String> {
    let handler = ["httpGet", "tcpSocket", "grpc"]
        .iter()
        .find_map(|h| probe.get(h));
    let Some(handler) = handler else {
        return if probe.get("exec").is_some() {
            None
        } else {
            Some("has no httpGet, tcpSocket, grpc or exec handler".into())
        };
    };
    let Some(port) = handler.get("port") else {
        return Some("names no port".into());
    };
    let declared = container.ports();
    let number = match &port.value {
        Value::Int(n) => Some(*n),
        Value::Str(name) => match name.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => match declared.iter().find(|(_, n)| n.as_deref() == Some(name)) {
                Some((n, _)) => Some(*n),
                None => {
                    return Some(format!(
                        "port `{name}` is not the name of any declared containerPort"
                    ));
                }
            },
        },
        _ => None,
    }?;
    if !declared.iter().any(|(n, _)| *n == number) {
        let list: Vec<String> = declared.iter().map(|(n, _)| n.to_string()).collect();
        return Some(format!(
            "probes port {number}, which the container does not declare (declared: {})",
            if list.is_empty() {
                "none".to_string()
            } else {
                list.join(", ")
            }
        ));
    }
    if let Some(listening) = container
        .env("PORT")
        .and_then(|p| p.trim().parse::<i64>().ok())
        && listening != number
    {
        return Some(format!(
            "probes port {number}, but the service listens on PORT={listening}"
        ));
    }
    None
}
