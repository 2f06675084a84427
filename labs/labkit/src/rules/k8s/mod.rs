//! The K8Sxxx rules, after kube-score and kube-linter: what a Deployment needs to
//! survive rollouts, node drains and day-11 surprises.

use std::path::Path;

use serde::Deserialize;

use formats::image_ref::{ImageRef, Pinning};
use formats::k8s::{Container, Manifests, Object, PodTemplate, selector_matches};
use formats::yaml::{self, Node, Value};

use crate::engine::findings::{Finding, outcome};
use crate::engine::params::StrList;
use crate::engine::rule::{CheckCtx, Outcome, Rule, RuleDef};
use crate::tri;

/// The files named by the `files` parameter, or every `.yaml`/`.yml` file under the
/// checked directory, read as Kubernetes objects.
fn load(ctx: &CheckCtx, files: &StrList) -> Result<Manifests, Outcome> {
    let mut files: Vec<String> = files.0.clone();
    if files.is_empty() {
        collect_yaml_files(ctx.dir, "", &mut files);
        files.sort();
    }
    let mut manifests = Manifests::default();
    for file in files {
        let text = ctx.read_text(&file)?;
        let docs = yaml::parse_documents(&text).map_err(|e| {
            Outcome::fail(format!("`{file}` is not valid YAML: {}", e.message)).at(&file, e.line)
        })?;
        manifests.add_documents(&file, docs);
    }
    if manifests.objects.is_empty() {
        return Err(Outcome::fail(
            "no Kubernetes objects (documents with `kind:`) found in the YAML files here",
        )
        .at(".", None));
    }
    Ok(manifests)
}

fn collect_yaml_files(root: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root.join(prefix)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            collect_yaml_files(root, &rel, out);
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(rel);
        }
    }
}

const FILES_PARAM: &str =
    "files: the manifest files (default: every .yaml/.yml file in the checked directory)";

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(RuleDef {
            id: "K8S001",
            meaning: "Every container image is pinned to a version tag or digest",
            remediation: "Write image: registry/name:<version> (best with @sha256:<digest>); never latest or no tag",
            params: &[FILES_PARAM],
            check: images_pinned,
        }),
        Box::new(RuleDef {
            id: "K8S002",
            meaning: "Deployments and StatefulSets run at least two replicas (or an autoscaler keeps at least two)",
            remediation: "Set spec.replicas: 2 or more, so one pod can go away (rollout, drain, crash) while another serves",
            params: &[
                FILES_PARAM,
                "min: the minimum number of replicas (default 2)",
            ],
            check: enough_replicas,
        }),
        Box::new(RuleDef {
            id: "K8S003",
            meaning: "Every container has a readiness probe aimed at a port it declares",
            remediation: "Add readinessProbe: {httpGet: {path: /healthz, port: http}} where `http` is a declared containerPort",
            params: &[FILES_PARAM],
            check: readiness_probes,
        }),
        Box::new(RuleDef {
            id: "K8S004",
            meaning: "Every container has a liveness probe aimed at a port it declares",
            remediation: "Add livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10, failureThreshold: 3}",
            params: &[FILES_PARAM],
            check: liveness_probes,
        }),
        Box::new(RuleDef {
            id: "K8S005",
            meaning: "Every container requests CPU and memory and has a memory limit",
            remediation: "Add resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}",
            params: &[FILES_PARAM],
            check: resources_set,
        }),
        Box::new(RuleDef {
            id: "K8S006",
            meaning: "Containers run as non-root: runAsNonRoot is true, no runAsUser 0, not privileged",
            remediation: "Set securityContext: {runAsNonRoot: true, runAsUser: 10001} on the pod or each container",
            params: &[FILES_PARAM],
            check: run_as_non_root,
        }),
        Box::new(RuleDef {
            id: "K8S007",
            meaning: "Every container has a read-only root filesystem",
            remediation: "Set securityContext.readOnlyRootFilesystem: true and mount a volume (emptyDir or PVC) where the service writes",
            params: &[FILES_PARAM],
            check: read_only_root,
        }),
        Box::new(RuleDef {
            id: "K8S008",
            meaning: "Deployments roll out with an explicit RollingUpdate strategy that keeps pods serving",
            remediation: "Set strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}",
            params: &[FILES_PARAM],
            check: rolling_update,
        }),
        Box::new(RuleDef {
            id: "K8S009",
            meaning: "A PodDisruptionBudget selects each Deployment's pods and still lets a node drain",
            remediation: "Add a PodDisruptionBudget with selector.matchLabels equal to the pod labels and maxUnavailable: 1 (or minAvailable below replicas)",
            params: &[FILES_PARAM],
            check: disruption_budget,
        }),
        Box::new(RuleDef {
            id: "K8S010",
            meaning: "Every Service selector matches the labels of a pod template",
            remediation: "Make spec.selector of the Service equal to (a subset of) the Deployment's spec.template.metadata.labels",
            params: &[FILES_PARAM],
            check: service_selects_pods,
        }),
        Box::new(RuleDef {
            id: "K8S011",
            meaning: "Every Service targetPort is a port the selected containers declare",
            remediation: "Point targetPort at a declared containerPort, by number or by its name",
            params: &[FILES_PARAM],
            check: service_target_port,
        }),
        Box::new(RuleDef {
            id: "K8S012",
            meaning: "Each Deployment's selector matches its own pod template labels",
            remediation: "Make spec.selector.matchLabels a subset of spec.template.metadata.labels (the API server rejects a mismatch)",
            params: &[FILES_PARAM],
            check: deployment_selector,
        }),
    ]
}

/// The parameter every K8S rule takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilesParams {
    #[serde(default)]
    files: StrList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplicaParams {
    #[serde(default)]
    files: StrList,
    #[serde(default)]
    min: Option<i64>,
}

/// The file a passing outcome points at: the first manifest.
fn first_file(manifests: &Manifests) -> String {
    manifests
        .objects
        .first()
        .map(|o| o.file.clone())
        .unwrap_or_default()
}

fn finish(manifests: &Manifests, findings: Vec<Finding>, pass: String) -> Outcome {
    outcome(&first_file(manifests), findings, pass)
}

/// Runs `check` over every container of every pod template.
fn per_container(
    manifests: &Manifests,
    mut check: impl FnMut(&PodTemplate, &Container, &mut Vec<Finding>),
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for template in manifests.pod_templates() {
        for container in template.containers() {
            check(&template, &container, &mut findings);
        }
    }
    findings
}

fn who(template: &PodTemplate, container: &Container) -> String {
    format!(
        "{} container `{}`",
        template.owner.display(),
        container.name
    )
}

// ---------------------------------------------------------------- K8S001

fn images_pinned(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let findings = per_container(&manifests, |t, c, out| {
        let Some(image) = c.node.get("image") else {
            out.push(Finding::new(
                &t.owner.file,
                Some(c.node.line),
                format!("{} has no image", who(t, c)),
            ));
            return;
        };
        let text = image.scalar_text().unwrap_or_default();
        let pinning = Pinning::of(&ImageRef::parse(&text));
        if !pinning.is_pinned() {
            out.push(Finding::new(
                &t.owner.file,
                Some(image.line),
                format!("{}: {}", who(t, c), pinning.describe(&text)),
            ));
        }
    });
    finish(
        &manifests,
        findings,
        "every container image is pinned".into(),
    )
}

// ---------------------------------------------------------------- K8S002

fn enough_replicas(ctx: &CheckCtx, p: &ReplicaParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let min = p.min.unwrap_or(2);
    let mut findings = Vec::new();
    for object in manifests
        .objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "Deployment" | "StatefulSet"))
    {
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
fn autoscaler_minimum(manifests: &Manifests, target: &Object) -> Option<i64> {
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

// ---------------------------------------------------------------- K8S003 / K8S004

fn readiness_probes(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    probes(
        ctx,
        p,
        "readinessProbe",
        "without it, pods get traffic before they can answer and during shutdown",
    )
}

fn liveness_probes(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    probes(
        ctx,
        p,
        "livenessProbe",
        "without it, a hung process is never restarted",
    )
}

fn probes(ctx: &CheckCtx, p: &FilesParams, key: &str, why_missing: &str) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let findings = per_container(&manifests, |t, c, out| {
        // Init containers and Jobs run to completion: nothing to route to or revive.
        if c.init || matches!(t.owner.kind.as_str(), "Job" | "CronJob") {
            return;
        }
        let file = &t.owner.file;
        let Some(probe) = c.node.get(key) else {
            out.push(Finding::new(
                file,
                Some(c.node.line),
                format!("{} has no {key}: {why_missing}", who(t, c)),
            ));
            return;
        };
        if let Some(problem) = probe_port_problem(c, probe) {
            out.push(Finding::new(
                file,
                Some(probe.line),
                format!("{} {key}: {problem}", who(t, c)),
            ));
        }
    });
    finish(
        &manifests,
        findings,
        format!("every container has a {key} on a declared port"),
    )
}

/// Why a probe's port is wrong, if it is: not declared by the container, or not the
/// port the service listens on (its literal `PORT` environment value).
fn probe_port_problem(container: &Container, probe: &Node) -> Option<String> {
    let handler = ["httpGet", "tcpSocket", "grpc"]
        .iter()
        .find_map(|h| probe.get(h));
    let Some(handler) = handler else {
        return if probe.get("exec").is_some() {
            None
        } else {
            Some("has no httpGet, tcpSocket, grpc or exec handler".into())
        };
    };
    let Some(port) = handler.get("port") else {
        return Some("names no port".into());
    };
    let declared = container.ports();
    let number = match &port.value {
        Value::Int(n) => Some(*n),
        Value::Str(name) => match name.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => match declared.iter().find(|(_, n)| n.as_deref() == Some(name)) {
                Some((n, _)) => Some(*n),
                None => {
                    return Some(format!(
                        "port `{name}` is not the name of any declared containerPort"
                    ));
                }
            },
        },
        _ => None,
    }?;
    if !declared.iter().any(|(n, _)| *n == number) {
        let list: Vec<String> = declared.iter().map(|(n, _)| n.to_string()).collect();
        return Some(format!(
            "probes port {number}, which the container does not declare (declared: {})",
            if list.is_empty() {
                "none".to_string()
            } else {
                list.join(", ")
            }
        ));
    }
    if let Some(listening) = container
        .env("PORT")
        .and_then(|p| p.trim().parse::<i64>().ok())
        && listening != number
    {
        return Some(format!(
            "probes port {number}, but the service listens on PORT={listening}"
        ));
    }
    None
}

// ---------------------------------------------------------------- K8S005

fn resources_set(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
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
        .filter(|(section, what)| resources.and_then(|r| r.at(&[section, what])).is_none())
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

// ---------------------------------------------------------------- K8S006 / K8S007

/// A container's security setting, the container's own overriding the pod's.
fn security<'a>(
    template: &'a PodTemplate,
    container: &'a Container,
    key: &str,
) -> Option<&'a Node> {
    container
        .node
        .at(&["securityContext", key])
        .or_else(|| template.spec.at(&["securityContext", key]))
}

fn run_as_non_root(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
    let manifests = tri!(load(ctx, &p.files));
    let findings = per_container(&manifests, |t, c, out| {
        let file = &t.owner.file;
        let non_root = security(t, c, "runAsNonRoot");
        if non_root.and_then(Node::as_bool) != Some(true) {
            let line = non_root.map_or(c.node.line, |n| n.line);
            out.push(Finding::new(
                file,
                Some(line),
                format!("{} may run as root: runAsNonRoot is not true", who(t, c)),
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

fn read_only_root(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
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

// ---------------------------------------------------------------- K8S008

fn rolling_update(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
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
    finish(
        &manifests,
        findings,
        "Deployments roll out gradually".into(),
    )
}

/// True when `value` (a count or a percentage) lets `replicas` pods all be unavailable.
fn takes_all_down(value: &Node, replicas: i64) -> bool {
    match value.scalar_text() {
        Some(text) if text.ends_with('%') => text
            .trim_end_matches('%')
            .parse::<i64>()
            .is_ok_and(|p| p.saturating_mul(replicas) / 100 >= replicas),
        Some(text) => text.parse::<i64>().is_ok_and(|n| n >= replicas),
        None => false,
    }
}

// ---------------------------------------------------------------- K8S009

fn disruption_budget(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
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

// ---------------------------------------------------------------- K8S010 / K8S011

fn service_selects_pods(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
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
        if !matched {
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

fn service_target_port(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
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

// ---------------------------------------------------------------- K8S012

fn deployment_selector(ctx: &CheckCtx, p: &FilesParams) -> Outcome {
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
