//! K8S006 / K8S007: non-root containers and read-only root filesystems.

use super::*;

/// A container's security setting, the container's own overriding the pod's.
pub(super) fn security<'a>(
    template: &'a PodTemplate,
    container: &'a Container,
    key: &str,
) -> Option<&'a Node> {
    container
        .node
        .at(&["securityContext", key])
        .or_else(|| template.spec.at(&["securityContext", key]))
}

pub(super) fn run_as_non_root(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let findings = per_container(&manifests, |t, c, out| {
        let file = &t.owner.file;
        let non_root = security(t, c, "runAsNonRoot");
        if non_root.and_then(Node::as_bool) != Some(true) {
            let line = non_root.map_or(c.node.line, |n| n.line);
            out.push(Finding::new(
                file,
                Some(line),
                match security(t, c, "runAsUser").and_then(Node::as_i64) {
                    Some(uid) if uid != 0 => format!(
                        "{} runs as UID {uid} but does not set runAsNonRoot: true, so nothing stops a later change to UID 0 (the Pod Security \"restricted\" profile requires it)",
                        who(t, c)
                    ),
                    _ => format!("{} may run as root: runAsNonRoot is not true", who(t, c)),
                },
            ));
        }
        if let Some(user) = security(t, c, "runAsUser").filter(|u| u.as_i64() == Some(0)) {
            out.push(Finding::new(
                file,
                Some(user.line),
                format!("{} sets runAsUser: 0 (root): with runAsNonRoot the kubelet refuses to start it", who(t, c)),
            ));
        }
        if let Some(p) = c
            .node
            .at(&["securityContext", "privileged"])
            .filter(|p| p.as_bool() == Some(true))
        {
            out.push(Finding::new(
                file,
                Some(p.line),
                format!("{} is privileged: root on the node", who(t, c)),
            ));
        }
    });
    finish(
        &manifests,
        findings,
        "every container runs as non-root".into(),
    )
}

pub(super) fn read_only_root(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let findings = per_container(&manifests, |t, c, out| {
        let setting = c.node.at(&["securityContext", "readOnlyRootFilesystem"]);
        if setting.and_then(Node::as_bool) != Some(true) {
            let line = setting.map_or(c.node.line, |n| n.line);
            out.push(Finding::new(
                &t.owner.file,
                Some(line),
                format!("{} can write to its root filesystem: state written there vanishes with the pod", who(t, c)),
            ));
        }
    });
    finish(
        &manifests,
        findings,
        "every container has a read-only root filesystem".into(),
    )
}
