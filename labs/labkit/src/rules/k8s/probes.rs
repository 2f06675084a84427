//! K8S003 / K8S004: readiness and liveness probes that can see a sick container.

use super::*;
use formats::dockerfile::shell::{exec_form, never_fails_script};

pub(super) fn readiness_probes(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    probes(
        ctx,
        p,
        "readinessProbe",
        "without it, pods get traffic before they can answer and during shutdown",
    )
}

pub(super) fn liveness_probes(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    probes(
        ctx,
        p,
        "livenessProbe",
        "without it, a hung process is never restarted",
    )
}

pub(super) fn probes(ctx: &CheckCtx, p: &FilesParams, key: &str, why_missing: &str) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let findings = per_container(&manifests, |t, c, out| {
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
    finish(
        &manifests,
        findings,
        format!("every container has a {key} on a declared port"),
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
