//! K8S009: a PodDisruptionBudget for each replicated workload.

use super::*;

pub(super) fn disruption_budget(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let mut findings = Vec::new();
    for template in manifests
        .pod_templates()
        .into_iter()
        .filter(|t| t.owner.kind == "Deployment")
    {
        let owner = template.owner;
        let replicas = owner
            .node
            .at(&["spec", "replicas"])
            .and_then(Node::as_i64)
            .unwrap_or(1);
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
            let blocks = match min.scalar_text() {
                Some(t) if t.ends_with('%') => t
                    .trim_end_matches('%')
                    .parse::<i64>()
                    .is_ok_and(|p| p >= 100),
                Some(t) => t.parse::<i64>().is_ok_and(|n| n >= replicas),
                None => false,
            };
            if blocks {
                findings.push(Finding::new(
                    &pdb.file,
                    Some(min.line),
                    format!("{} demands minAvailable {} of {replicas} replicas: no node can ever be drained", pdb.display(), min.scalar_text().unwrap_or_default()),
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
        "every Deployment has a PodDisruptionBudget that still lets nodes drain".into(),
    )
}
