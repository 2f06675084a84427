//! K8S010 / K8S011: Services that select pods and reach their ports.

use super::*;

pub(super) fn service_selects_pods(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let templates = manifests.pod_templates();
    let mut findings = Vec::new();
    for service in manifests.of_kind("Service") {
        if service.node.at(&["spec", "type"]).and_then(Node::as_str) == Some("ExternalName") {
            continue;
        }
        let Some(selector) = service
            .node
            .at(&["spec", "selector"])
            .filter(|s| !s.entries().is_empty())
        else {
            findings.push(Finding::new(
                &service.file,
                Some(service.line()),
                format!(
                    "{} has no selector: it sends traffic to no pod",
                    service.display()
                ),
            ));
            continue;
        };
        let matched = templates.iter().any(|t| {
            t.owner.namespace == service.namespace && selector_matches(selector, &t.labels)
        });
        let elsewhere = templates.iter().find(|t| {
            t.owner.namespace != service.namespace && selector_matches(selector, &t.labels)
        });
        if !matched && let Some(t) = elsewhere {
            findings.push(Finding::new(
                &service.file,
                Some(selector.line),
                format!(
                    "{} is in namespace `{}`, but the pods it selects ({}) are in namespace `{}`: a Service only reaches pods of its own namespace",
                    service.display(),
                    service.namespace,
                    t.owner.display(),
                    t.owner.namespace
                ),
            ));
        } else if !matched {
            let wanted: Vec<String> = selector
                .string_map()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let offered: Vec<String> = templates
                .iter()
                .map(|t| {
                    let labels: Vec<String> =
                        t.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!("{} has {}", t.owner.display(), labels.join(","))
                })
                .collect();
            findings.push(Finding::new(
                &service.file,
                Some(selector.line),
                format!(
                    "{} selects {} but no pod template carries those labels ({}): it has no endpoints",
                    service.display(),
                    wanted.join(","),
                    if offered.is_empty() { "no workloads".to_string() } else { offered.join("; ") }
                ),
            ));
        }
    }
    finish(&manifests, findings, "every Service selects pods".into())
}

pub(super) fn service_target_port(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let templates = manifests.pod_templates();
    let mut findings = Vec::new();
    for service in manifests.of_kind("Service") {
        let Some(selector) = service.node.at(&["spec", "selector"]) else {
            continue;
        };
        let selected: Vec<&PodTemplate> = templates
            .iter()
            .filter(|t| {
                t.owner.namespace == service.namespace && selector_matches(selector, &t.labels)
            })
            .collect();
        if selected.is_empty() {
            findings.push(Finding::new(
                &service.file,
                Some(selector.line),
                format!(
                    "{} selects no pods, so its ports lead nowhere (see its selector)",
                    service.display()
                ),
            ));
            continue;
        }
        let declared: Vec<(i64, Option<String>)> = selected
            .iter()
            .flat_map(|t| t.app_containers())
            .flat_map(|c| c.ports())
            .collect();
        for port in service
            .node
            .at(&["spec", "ports"])
            .map(Node::as_seq)
            .unwrap_or_default()
        {
            let target = port.get("targetPort").or_else(|| port.get("port"));
            let Some(target) = target else { continue };
            let ok = match &target.value {
                Value::Int(n) => declared.iter().any(|(p, _)| p == n),
                Value::Str(name) => match name.parse::<i64>() {
                    Ok(n) => declared.iter().any(|(p, _)| *p == n),
                    Err(_) => declared
                        .iter()
                        .any(|(_, n)| n.as_deref() == Some(name.as_str())),
                },
                _ => false,
            };
            if !ok {
                let list: Vec<String> = declared
                    .iter()
                    .map(|(p, n)| n.as_ref().map_or(p.to_string(), |n| format!("{p} ({n})")))
                    .collect();
                findings.push(Finding::new(
                    &service.file,
                    Some(target.line),
                    format!(
                        "{} targets port {}, which the selected containers do not declare (declared: {})",
                        service.display(),
                        target.scalar_text().unwrap_or_default(),
                        if list.is_empty() { "none".into() } else { list.join(", ") }
                    ),
                ));
            }
        }
    }
    finish(
        &manifests,
        findings,
        "every Service targets a declared container port".into(),
    )
}
