//! K8S005: resource requests and limits.

use super::*;

pub(super) fn resources_set(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let findings = per_container(&manifests, |t, c, out| {
        let resources = c.node.get("resources");
        let line = resources.map_or(c.node.line, |r| r.line);
        // A CPU limit is not required: it throttles a busy service even when the node
        // is idle. Memory has no such trade-off: without a limit one leak takes the node.
        let missing: Vec<&str> = [
            ("requests", "cpu"),
            ("requests", "memory"),
            ("limits", "memory"),
        ]
        .iter()
        // Kubernetes copies a limit into a missing request of the same resource, so a
        // limit alone is a request too.
        .filter(|(section, what)| {
            let set = |s: &str| resources.and_then(|r| r.at(&[s, what])).is_some();
            !(set(section) || (*section == "requests" && set("limits")))
        })
        .map(|(section, what)| match (*section, *what) {
            ("requests", "cpu") => "requests.cpu",
            ("requests", _) => "requests.memory",
            _ => "limits.memory",
        })
        .collect();
        if let Some(resources) = resources {
            out.extend(request_over_limit(resources, &t.owner.file, &who(t, c)));
        }
        if !missing.is_empty() {
            out.push(Finding::new(
                &t.owner.file,
                Some(line),
                format!(
                    "{} lacks {}: the scheduler guesses and one leak can starve the node",
                    who(t, c),
                    missing.join(", ")
                ),
            ));
        }
    });
    finish(
        &manifests,
        findings,
        "every container has requests and a memory limit".into(),
    )
}

/// A request above its limit, or a value that is no quantity: the API server refuses such
/// a pod ("must be less than or equal to memory limit"), so nothing of it is deployed.
fn request_over_limit(resources: &Node, file: &str, who: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    for what in ["cpu", "memory"] {
        let value = |section: &str| {
            let node = resources.at(&[section, what])?;
            Some((node, node.scalar_text()?))
        };
        for (section, entry) in [("requests", value("requests")), ("limits", value("limits"))] {
            if let Some((node, text)) = &entry
                && formats::k8s::quantity(text).is_none()
            {
                found.push(Finding::new(
                    file,
                    Some(node.line),
                    format!("{who} {section}.{what} `{text}` is not a Kubernetes quantity (e.g. 128Mi, 0.5Gi, 250m): the API server refuses the pod"),
                ));
            }
        }
        let (Some((request, request_text)), Some((_, limit_text))) =
            (value("requests"), value("limits"))
        else {
            continue;
        };
        if let (Some(r), Some(l)) = (
            formats::k8s::quantity(&request_text),
            formats::k8s::quantity(&limit_text),
        ) && r > l
        {
            found.push(Finding::new(
                file,
                Some(request.line),
                format!("{who} requests.{what} {request_text} is above limits.{what} {limit_text}: the API server refuses the pod (a request must fit under its limit), so nothing is deployed; raise the limit or lower the request"),
            ));
        }
    }
    found
}
