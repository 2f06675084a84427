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
