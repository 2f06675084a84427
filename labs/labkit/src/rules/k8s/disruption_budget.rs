//! K8S009: a PodDisruptionBudget for each replicated workload.

use super::*;

pub(super) fn disruption_budget(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let mut findings = Vec::new();
    for template in manifests
        .pod_templates()
        .into_iter()
        .filter(|t| is_replicated(&t.owner.kind) || t.owner.kind == "DaemonSet")
    {
        let owner = template.owner;
        // A DaemonSet's pod count is the node count, unknown here: only budgets that
        // block whatever the count (100%, maxUnavailable 0) can be judged.
        let replicas = match owner.kind.as_str() {
            "DaemonSet" => None,
            _ => Some(
                owner
                    .node
                    .at(&["spec", "replicas"])
                    .and_then(Node::as_i64)
                    .unwrap_or(1),
            ),
        };
        let budget = manifests.of_kind("PodDisruptionBudget").find(|pdb| {
            pdb.namespace == owner.namespace
                && pdb
                    .node
                    .at(&["spec", "selector"])
                    .is_some_and(|s| selector_matches(s, &template.labels))
        });
        let Some(pdb) = budget else {
            findings.push(Finding::new(
                &owner.file,
                Some(owner.line()),
                format!("no PodDisruptionBudget selects the pods of {}: a node drain may evict them all at once", owner.display()),
            ));
            continue;
        };
        let spec = pdb.node.get("spec");
        if let Some(min) = spec.and_then(|s| s.get("minAvailable")) {
            // The disruption controller rounds a percentage of minAvailable up:
            // 60% of 2 pods is 2, and then no pod may ever be evicted.
            let blocks = match min.scalar_text() {
                Some(t) if t.ends_with('%') => {
                    t.trim_end_matches('%').parse::<i64>().is_ok_and(|p| {
                        p >= 100 || replicas.is_some_and(|r| r > 0 && (p * r + 99) / 100 >= r)
                    })
                }
                Some(t) => t
                    .parse::<i64>()
                    .is_ok_and(|n| replicas.is_some_and(|r| n >= r)),
                None => false,
            };
            if blocks {
                findings.push(Finding::new(
                    &pdb.file,
                    Some(min.line),
                    format!(
                        "{} demands minAvailable {} of {} replicas{}: no node can ever be drained",
                        pdb.display(),
                        min.scalar_text().unwrap_or_default(),
                        replicas.map_or("all".to_string(), |r| r.to_string()),
                        if min.scalar_text().is_some_and(|t| t.ends_with('%')) {
                            " (rounded up)"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
        if let Some(max) = spec.and_then(|s| s.get("maxUnavailable"))
            && matches!(max.scalar_text().as_deref(), Some("0" | "0%"))
        {
            findings.push(Finding::new(
                &pdb.file,
                Some(max.line),
                format!(
                    "{} allows maxUnavailable 0: no node can ever be drained",
                    pdb.display()
                ),
            ));
        }
    }
    finish(
        &manifests,
        findings,
        "every replicated workload has a PodDisruptionBudget that still lets nodes drain".into(),
    )
}
