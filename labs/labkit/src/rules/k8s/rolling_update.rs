//! K8S008: rolling updates that keep pods serving: a Deployment's `strategy`, and the
//! `updateStrategy` of StatefulSets and DaemonSets.

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
    for object in manifests
        .objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "StatefulSet" | "DaemonSet"))
    {
        update_strategy(object, &mut findings);
    }
    finish(
        &manifests,
        findings,
        "Deployments, StatefulSets and DaemonSets roll out gradually".into(),
    )
}

/// A StatefulSet or DaemonSet: without `updateStrategy` it rolls one pod at a time
/// (the default), which keeps serving. `OnDelete` never rolls a new version out; a
/// maxUnavailable that covers every pod stops them all at once.
fn update_strategy(object: &Object, findings: &mut Vec<Finding>) {
    let Some(strategy) = object.node.at(&["spec", "updateStrategy"]) else {
        return;
    };
    let kind = strategy
        .get("type")
        .and_then(Node::as_str)
        .unwrap_or("RollingUpdate");
    if kind == "OnDelete" {
        findings.push(Finding::new(
            &object.file,
            Some(strategy.get("type").map_or(strategy.line, |t| t.line)),
            format!(
                "{} uses updateStrategy OnDelete: a new version reaches a pod only when someone deletes it by hand",
                object.display()
            ),
        ));
        return;
    }
    // A DaemonSet runs one pod per node: only "all of them" (100%) can be judged.
    let replicas = match object.kind.as_str() {
        "StatefulSet" => object
            .node
            .at(&["spec", "replicas"])
            .and_then(Node::as_i64)
            .unwrap_or(1),
        _ => 1,
    };
    if let Some(max) = strategy.at(&["rollingUpdate", "maxUnavailable"])
        && (object.kind == "StatefulSet" || max.scalar_text().is_some_and(|t| t.ends_with('%')))
        && takes_all_down(max, replicas)
    {
        findings.push(Finding::new(
            &object.file,
            Some(max.line),
            format!(
                "{} allows maxUnavailable {}: a rollout may stop every pod at once",
                object.display(),
                max.scalar_text().unwrap_or_default()
            ),
        ));
    }
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
