//! K8S012: a Deployment selector that matches its pods.

use super::*;

pub(super) fn deployment_selector(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let mut findings = Vec::new();
    for template in manifests
        .pod_templates()
        .into_iter()
        .filter(|t| t.owner.kind == "Deployment")
    {
        let owner = template.owner;
        match owner.node.at(&["spec", "selector"]) {
            None => findings.push(Finding::new(
                &owner.file,
                Some(owner.line()),
                format!("{} has no spec.selector (required by apps/v1)", owner.display()),
            )),
            Some(selector) if !selector_matches(selector, &template.labels) => findings.push(Finding::new(
                &owner.file,
                Some(selector.line),
                format!("{}: spec.selector does not match its own template labels: the API server rejects it", owner.display()),
            )),
            Some(_) => {}
        }
    }
    finish(
        &manifests,
        findings,
        "Deployment selectors match their templates".into(),
    )
}
