//! K8S002: enough replicas to lose one.

use super::*;

pub(super) fn enough_replicas(ctx: &CheckCtx, p: &ReplicaParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let min = p.min.unwrap_or(2);
    let mut findings = Vec::new();
    for object in manifests.objects.iter().filter(|o| is_replicated(&o.kind)) {
        let spec = object.node.get("spec");
        let replicas_node = spec.and_then(|s| s.get("replicas"));
        let replicas = replicas_node.and_then(Node::as_i64).unwrap_or(1);
        let autoscaled = autoscaler_minimum(&manifests, object);
        if replicas >= min || autoscaled.is_some_and(|m| m >= min) {
            continue;
        }
        let line = replicas_node
            .map(|n| n.line)
            .or(spec.map(|s| s.line))
            .unwrap_or(object.line());
        let stated = if replicas_node.is_some() {
            ""
        } else {
            " (replicas is not set, which means 1)"
        };
        findings.push(Finding::new(
            &object.file,
            Some(line),
            format!(
                "{} runs {replicas} replica{}{stated}: any rollout, node drain or crash takes the service down; use at least {min}",
                object.display(),
                if replicas == 1 { "" } else { "s" }
            ),
        ));
    }
    finish(
        &manifests,
        findings,
        format!("workloads run at least {min} replicas"),
    )
}

/// `minReplicas` of a HorizontalPodAutoscaler that scales `target`.
pub(super) fn autoscaler_minimum(manifests: &Manifests, target: &Object) -> Option<i64> {
    manifests
        .of_kind("HorizontalPodAutoscaler")
        .find_map(|hpa| {
            let reference = hpa.node.at(&["spec", "scaleTargetRef"])?;
            let kind = reference.get("kind").and_then(Node::as_str)?;
            let name = reference.get("name").and_then(Node::as_str)?;
            (kind == target.kind && name == target.name && hpa.namespace == target.namespace).then(
                || {
                    hpa.node
                        .at(&["spec", "minReplicas"])
                        .and_then(Node::as_i64)
                        .unwrap_or(1)
                },
            )
        })
}
