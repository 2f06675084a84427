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
        let docs = yaml::parse_documents_warned(&text).map_err(|e| {
            Outcome::fail(format!("`{file}` is not valid YAML: {}", e.message)).at(&file, e.line)
        })?;
        manifests
            .warnings
            .extend(docs.warnings.iter().map(|w| match w.line {
                Some(line) => format!("{file}:{line}: {}", w.message),
                None => format!("{file}: {}", w.message),
            }));
        manifests.add_documents(&file, docs.value);
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

/// Workloads that run `spec.replicas` copies of a pod (a DaemonSet runs one per node
/// instead, and has no replica count to judge).
fn is_replicated(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController"
    )
}

mod disruption_budget;
mod pinned_images;
mod probes;
mod replicas;
mod resources;
mod rolling_update;
mod security;
mod selector;
mod served;
mod services;

const FILES_PARAM: &str =
    "files: the manifest files (default: every .yaml/.yml file in the checked directory)";

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(RuleDef {
            id: "K8S001",
            meaning: "Every container image is pinned to a version tag or digest",
            remediation: "Write image: registry/name:<version> (best with @sha256:<digest>); never latest or no tag",
            params: &[FILES_PARAM],
            check: pinned_images::images_pinned,
        }),
        Box::new(RuleDef {
            id: "K8S002",
            meaning: "Deployments, StatefulSets, ReplicaSets and ReplicationControllers run at least two replicas (or an autoscaler keeps at least two); a DaemonSet runs one pod per node and has no replica count to judge",
            remediation: "Set spec.replicas: 2 or more, so one pod can go away (rollout, drain, crash) while another serves",
            params: &[
                FILES_PARAM,
                "min: the minimum number of replicas (default 2)",
            ],
            check: replicas::enough_replicas,
        }),
        Box::new(RuleDef {
            id: "K8S003",
            meaning: "Every container has a readiness probe aimed at a port it declares, that can fail (not `exec: [\"true\"]`), on a path the lab's service answers with 200–399",
            remediation: "Add readinessProbe: {httpGet: {path: /healthz, port: http}} where `http` is a declared containerPort",
            params: &[FILES_PARAM, probes::SERVICE_IMAGE_PARAM],
            check: probes::readiness_probes,
        }),
        Box::new(RuleDef {
            id: "K8S004",
            meaning: "Every container has a liveness probe aimed at a port it declares, that can fail, on a path the lab's service answers with 200–399, and that is not identical to its readiness probe",
            remediation: "Add livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10, failureThreshold: 3}",
            params: &[FILES_PARAM, probes::SERVICE_IMAGE_PARAM],
            check: probes::liveness_probes,
        }),
        Box::new(RuleDef {
            id: "K8S005",
            meaning: "Every container requests CPU and memory and has a memory limit, each a valid quantity, no request above its limit",
            remediation: "Add resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}",
            params: &[FILES_PARAM],
            check: resources::resources_set,
        }),
        Box::new(RuleDef {
            id: "K8S006",
            meaning: "Containers run as non-root: runAsNonRoot is true, no runAsUser 0, not privileged",
            remediation: "Set securityContext: {runAsNonRoot: true, runAsUser: 10001} on the pod or each container",
            params: &[FILES_PARAM],
            check: security::run_as_non_root,
        }),
        Box::new(RuleDef {
            id: "K8S007",
            meaning: "Every container has a read-only root filesystem, with a writable volume mounted where its DATA_DIR points",
            remediation: "Set securityContext.readOnlyRootFilesystem: true and mount a volume (emptyDir or PVC) at the DATA_DIR path (or a directory above it)",
            params: &[FILES_PARAM],
            check: security::read_only_root,
        }),
        Box::new(RuleDef {
            id: "K8S008",
            meaning: "Deployments roll out with an explicit RollingUpdate strategy that keeps pods serving; StatefulSets and DaemonSets do not use OnDelete or a maxUnavailable that stops every pod",
            remediation: "Set strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}} on a Deployment; leave a StatefulSet's or DaemonSet's updateStrategy at RollingUpdate with maxUnavailable 1",
            params: &[FILES_PARAM],
            check: rolling_update::rolling_update,
        }),
        Box::new(RuleDef {
            id: "K8S009",
            meaning: "A PodDisruptionBudget selects the pods of each Deployment, StatefulSet and DaemonSet, and still lets a node drain",
            remediation: "Add a PodDisruptionBudget with selector.matchLabels equal to the pod labels and maxUnavailable: 1 (or minAvailable below replicas)",
            params: &[FILES_PARAM],
            check: disruption_budget::disruption_budget,
        }),
        Box::new(RuleDef {
            id: "K8S010",
            meaning: "Every Service selector matches the labels of a pod template",
            remediation: "Make spec.selector of the Service equal to (a subset of) the Deployment's spec.template.metadata.labels",
            params: &[FILES_PARAM],
            check: services::service_selects_pods,
        }),
        Box::new(RuleDef {
            id: "K8S011",
            meaning: "Every Service targetPort is a port the selected containers declare",
            remediation: "Point targetPort at a declared containerPort, by number or by its name",
            params: &[FILES_PARAM],
            check: services::service_target_port,
        }),
        Box::new(RuleDef {
            id: "K8S012",
            meaning: "Each Deployment's selector matches its own pod template labels",
            remediation: "Make spec.selector.matchLabels a subset of spec.template.metadata.labels (the API server rejects a mismatch)",
            params: &[FILES_PARAM],
            check: selector::deployment_selector,
        }),
        Box::new(RuleDef {
            id: "K8S013",
            meaning: "No container can gain privileges: allowPrivilegeEscalation is false and every capability is dropped (the Pod Security \"restricted\" profile; seccomp is not judged here)",
            remediation: "Set securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [\"ALL\"]}} on each container; add back only NET_BIND_SERVICE if it binds a port below 1024",
            params: &[FILES_PARAM],
            check: security::no_privilege_escalation,
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

/// The rule's outcome, with the warnings the YAML reader had about the files.
fn finish(manifests: &Manifests, findings: Vec<Finding>, pass: String) -> Outcome {
    outcome(&first_file(manifests), findings, pass).with_warnings(manifests.warnings.clone())
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
