//! K8S006 / K8S007: non-root containers and read-only root filesystems.
//! K8S013: no privilege escalation and no capabilities (Pod Security "restricted").

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
        // runAsNonRoot alone leaves the UID to the image: the kubelet can verify only a
        // numeric USER, and refuses to start a container whose image names its user
        // (CreateContainerConfigError). A runAsUser makes the manifest say who runs.
        if let Some(flag) = non_root.filter(|n| n.as_bool() == Some(true))
            && security(t, c, "runAsUser").is_none()
        {
            out.push(Finding::new(
                file,
                Some(flag.line),
                format!(
                    "{} sets runAsNonRoot: true without a runAsUser: the UID then comes from the image, and an image whose USER is a name (`USER notes`) is refused by the kubelet; set runAsUser to a non-zero UID",
                    who(t, c)
                ),
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
            return;
        }
        // Read-only root: where the service writes (its literal DATA_DIR) must be a
        // writable volume, or the first write fails.
        let Some(data_dir) = c.env("DATA_DIR").filter(|d| d.starts_with('/')) else {
            return;
        };
        let mounts = c
            .node
            .get("volumeMounts")
            .map(Node::as_seq)
            .unwrap_or_default();
        let writable = mounts.iter().any(|m| {
            let path = m.get("mountPath").and_then(Node::as_str).unwrap_or("");
            let read_only = m.get("readOnly").and_then(Node::as_bool) == Some(true);
            !read_only && !path.is_empty() && is_within(&data_dir, path)
        });
        if !writable {
            let elsewhere: Vec<&str> = mounts
                .iter()
                .filter_map(|m| m.get("mountPath").and_then(Node::as_str))
                .collect();
            out.push(Finding::new(
                &t.owner.file,
                Some(setting.map_or(c.node.line, |n| n.line)),
                format!(
                    "{} has a read-only root filesystem but no writable volume at DATA_DIR={data_dir} ({}): the service cannot write its data",
                    who(t, c),
                    if elsewhere.is_empty() {
                        "no volumeMounts at all".to_string()
                    } else {
                        format!("volumes are mounted at {}", elsewhere.join(", "))
                    }
                ),
            ));
        }
    });
    finish(
        &manifests,
        findings,
        "every container has a read-only root filesystem and a writable volume where it writes"
            .into(),
    )
}

/// True when `path` is `mount` or below it (`/var/lib/notes` is within `/var/lib`).
fn is_within(path: &str, mount: &str) -> bool {
    let (path, mount) = (path.trim_end_matches('/'), mount.trim_end_matches('/'));
    mount.is_empty()
        || path == mount
        || path.strip_prefix(mount).is_some_and(|r| r.starts_with('/'))
}

/// The capabilities the "restricted" profile lets a container add back.
const ALLOWED_CAPABILITIES: [&str; 1] = ["NET_BIND_SERVICE"];

pub(super) fn no_privilege_escalation(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let findings = per_container(&manifests, |t, c, out| {
        let file = &t.owner.file;
        let escalation = c.node.at(&["securityContext", "allowPrivilegeEscalation"]);
        if escalation.and_then(Node::as_bool) != Some(false) {
            out.push(Finding::new(
                file,
                Some(escalation.map_or(c.node.line, |n| n.line)),
                format!(
                    "{} does not set allowPrivilegeEscalation: false, so a setuid binary in the image can still gain root",
                    who(t, c)
                ),
            ));
        }
        let capabilities = c.node.at(&["securityContext", "capabilities"]);
        let names = |key: &str| -> Vec<String> {
            capabilities
                .and_then(|caps| caps.get(key))
                .map(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .map(|n| n.trim_start_matches("CAP_").to_ascii_uppercase())
                .collect()
        };
        if !names("drop").iter().any(|n| n == "ALL") {
            out.push(Finding::new(
                file,
                Some(capabilities.map_or(c.node.line, |n| n.line)),
                format!(
                    "{} keeps the runtime's default capabilities (NET_RAW, CHOWN, SETUID, …): drop them with capabilities: {{drop: [\"ALL\"]}}",
                    who(t, c)
                ),
            ));
        }
        for added in names("add")
            .iter()
            .filter(|n| !ALLOWED_CAPABILITIES.contains(&n.as_str()))
        {
            out.push(Finding::new(
                file,
                Some(capabilities.map_or(c.node.line, |n| n.line)),
                format!(
                    "{} adds the capability {added}: the \"restricted\" profile allows only NET_BIND_SERVICE",
                    who(t, c)
                ),
            ));
        }
    });
    finish(
        &manifests,
        findings,
        "no container can escalate privileges or keeps capabilities".into(),
    )
}
