//! K8S003 / K8S004: readiness and liveness probes.

use super::*;

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
        if let Some(problem) = probe_port_problem(c, probe) {
            out.push(Finding::new(
                file,
                Some(probe.line),
                format!("{} {key}: {problem}", who(t, c)),
            ));
        }
    });
    finish(
        &manifests,
        findings,
        format!("every container has a {key} on a declared port"),
    )
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
