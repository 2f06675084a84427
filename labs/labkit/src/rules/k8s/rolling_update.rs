//! K8S008: rolling updates that keep pods serving.

use super::*;

pub(super) fn rolling_update(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let mut findings = Vec::new();
    for deployment in manifests.of_kind("Deployment") {
        let file = &deployment.file;
        let spec = deployment.node.get("spec");
        let replicas = spec
            .and_then(|s| s.get("replicas"))
            .and_then(Node::as_i64)
            .unwrap_or(1);
        let Some(strategy) = spec.and_then(|s| s.get("strategy")) else {
            let line = spec.map_or(deployment.line(), |s| s.line);
            findings.push(Finding::new(
                file,
                Some(line),
                format!(
                    "{} sets no strategy: say RollingUpdate and how many pods may be down",
                    deployment.display()
                ),
            ));
            continue;
        };
        let kind = strategy
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("RollingUpdate");
        if kind != "RollingUpdate" {
            findings.push(Finding::new(
                file,
                Some(strategy.get("type").map_or(strategy.line, |t| t.line)),
                format!(
                    "{} uses strategy {kind}: every pod stops before the new ones start",
                    deployment.display()
                ),
            ));
            continue;
        }
        if let Some(max) = strategy.at(&["rollingUpdate", "maxUnavailable"])
            && takes_all_down(max, replicas)
        {
            findings.push(Finding::new(
                file,
                Some(max.line),
                format!(
                    "{} allows maxUnavailable {} of {replicas} replicas: a rollout may stop them all",
                    deployment.display(),
                    max.scalar_text().unwrap_or_default()
                ),
            ));
        }
    }
    finish(
        &manifests,
        findings,
        "Deployments roll out gradually".into(),
    )
}

/// True when `value` (a count or a percentage) lets `replicas` pods all be unavailable.
pub(super) fn takes_all_down(value: &Node, replicas: i64) -> bool {
    match value.scalar_text() {
        Some(text) if text.ends_with('%') => text
            .trim_end_matches('%')
            .parse::<i64>()
            .is_ok_and(|p| p.saturating_mul(replicas) / 100 >= replicas),
        Some(text) => text.parse::<i64>().is_ok_and(|n| n >= replicas),
        None => false,
    }
}
