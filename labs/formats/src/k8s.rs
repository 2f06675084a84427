//! Kubernetes manifests read as data: every object of every YAML document in the
//! files it is given, the pod templates inside workloads, and label selectors.

#[cfg(test)]
use crate::yaml;
use crate::yaml::Node;

/// One Kubernetes object and the file it came from.
pub struct Object {
    pub file: String,
    pub node: Node,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

/// A pod template inside a workload (or a bare Pod).
pub struct PodTemplate<'a> {
    pub owner: &'a Object,
    /// The pod's `spec`.
    pub spec: &'a Node,
    /// The template's `metadata.labels`.
    pub labels: Vec<(String, String)>,
    /// Line of the pod spec, for findings about something missing in it.
    pub line: usize,
}

/// A container of a pod template.
pub struct Container<'a> {
    pub name: String,
    pub node: &'a Node,
    pub init: bool,
}

#[derive(Default)]
pub struct Manifests {
    pub objects: Vec<Object>,
    /// What the files do that Kubernetes accepts with a warning (a key given twice),
    /// each as `file:line: what`.
    pub warnings: Vec<String>,
}

impl Manifests {
    /// Add the objects of one file's YAML documents (a `List` contributes its items).
    pub fn add_documents(&mut self, file: &str, documents: Vec<Node>) {
        for doc in documents {
            push_objects(file, doc, &mut self.objects);
        }
    }

    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Object> + 'a {
        self.objects.iter().filter(move |o| o.kind == kind)
    }

    /// Every pod template: Deployments, StatefulSets, DaemonSets, ReplicaSets,
    /// ReplicationControllers, Jobs,
    /// CronJobs and bare Pods.
    pub fn pod_templates(&self) -> Vec<PodTemplate<'_>> {
        self.objects.iter().filter_map(PodTemplate::of).collect()
    }
}

fn push_objects(file: &str, doc: Node, out: &mut Vec<Object>) {
    let Some(kind) = doc.get("kind").and_then(Node::scalar_text) else {
        return;
    };
    if kind == "List" {
        for item in doc.get("items").map(Node::as_seq).unwrap_or_default() {
            push_objects(file, item.clone(), out);
        }
        return;
    }
    let name = doc
        .at(&["metadata", "name"])
        .and_then(Node::scalar_text)
        .unwrap_or_default();
    let namespace = doc
        .at(&["metadata", "namespace"])
        .and_then(Node::scalar_text)
        .unwrap_or_else(|| "default".into());
    out.push(Object {
        file: file.to_string(),
        node: doc,
        kind,
        name,
        namespace,
    });
}

impl Object {
    /// `Deployment/web`.
    pub fn display(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// The line of `kind:` in this object's document.
    pub fn line(&self) -> usize {
        self.node.get("kind").map_or(self.node.line, |k| k.line)
    }

    /// Line of the `key:` entry in `map`, or of the map itself.
    pub fn key_line(map: &Node, key: &str) -> usize {
        map.entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map_or(map.line, |(k, _)| k.line)
    }
}

impl<'a> PodTemplate<'a> {
    fn of(owner: &'a Object) -> Option<PodTemplate<'a>> {
        let template = match owner.kind.as_str() {
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job" => owner.node.at(&["spec", "template"])?,
            "CronJob" => owner
                .node
                .at(&["spec", "jobTemplate", "spec", "template"])?,
            "Pod" => &owner.node,
            _ => return None,
        };
        let spec = template.get("spec")?;
        let labels = template
            .at(&["metadata", "labels"])
            .map(Node::string_map)
            .unwrap_or_default();
        Some(PodTemplate {
            owner,
            spec,
            labels,
            line: Object::key_line(template, "spec"),
        })
    }

    pub fn containers(&self) -> Vec<Container<'a>> {
        let list = |key: &str, init: bool| {
            self.spec
                .get(key)
                .map(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .map(move |c| Container {
                    name: c
                        .get("name")
                        .and_then(Node::scalar_text)
                        .unwrap_or_default(),
                    node: c,
                    init,
                })
                .collect::<Vec<_>>()
        };
        let mut all = list("initContainers", true);
        all.extend(list("containers", false));
        all
    }

    /// Application containers only (init containers run to completion before them).
    pub fn app_containers(&self) -> Vec<Container<'a>> {
        self.containers().into_iter().filter(|c| !c.init).collect()
    }
}

impl Container<'_> {
    /// `containerPort` numbers and port names declared by this container.
    pub fn ports(&self) -> Vec<(i64, Option<String>)> {
        self.node
            .get("ports")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| {
                Some((
                    p.get("containerPort")?.as_i64()?,
                    p.get("name").and_then(Node::scalar_text),
                ))
            })
            .collect()
    }

    /// A literal `env` value.
    pub fn env(&self, name: &str) -> Option<String> {
        self.node
            .get("env")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .find_map(|e| {
                (e.get("name").and_then(Node::as_str) == Some(name))
                    .then(|| e.get("value").and_then(Node::scalar_text))?
            })
    }
}

/// True when a `matchLabels` / `matchExpressions` selector (or a Service's plain
/// map) selects pods carrying `labels`. An empty selector selects nothing here:
/// for a PodDisruptionBudget or Service that is never what was meant.
pub fn selector_matches(selector: &Node, labels: &[(String, String)]) -> bool {
    let has = |k: &str, v: &str| labels.iter().any(|(lk, lv)| lk == k && lv == v);
    let has_key = |k: &str| labels.iter().any(|(lk, _)| lk == k);
    let plain = selector
        .get("matchLabels")
        .or(if selector.get("matchExpressions").is_some() {
            None
        } else {
            Some(selector)
        });
    let match_labels = plain.map(Node::string_map).unwrap_or_default();
    let expressions = selector
        .get("matchExpressions")
        .map(Node::as_seq)
        .unwrap_or_default();
    if match_labels.is_empty() && expressions.is_empty() {
        return false;
    }
    let labels_ok = match_labels.iter().all(|(k, v)| has(k, v));
    let expressions_ok = expressions.iter().all(|e| {
        let key = e.get("key").and_then(Node::scalar_text).unwrap_or_default();
        let values: Vec<String> = e
            .get("values")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::scalar_text)
            .collect();
        match e.get("operator").and_then(Node::as_str) {
            Some("In") => values.iter().any(|v| has(&key, v)),
            Some("NotIn") => !values.iter().any(|v| has(&key, v)),
            Some("Exists") => has_key(&key),
            Some("DoesNotExist") => !has_key(&key),
            _ => false,
        }
    });
    labels_ok && expressions_ok
}

/// A Kubernetes resource quantity (`128Mi`, `0.5Gi`, `250m`, `1e3`, `2`) as a plain number
/// (bytes, or cores). `None` for text that is not one. Written here because the quantity
/// grammar is small and the crates that carry it (k8s-openapi) keep it as an opaque string.
pub fn quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let factor = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        exponent if exponent.starts_with(['e', 'E']) => {
            10f64.powi(exponent[1..].parse::<i32>().ok()?.clamp(-30, 30))
        }
        _ => return None,
    };
    let value: f64 = number.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value * factor)
}

#[cfg(test)]
mod tests {
    #[test]
    fn quantities_are_read_as_kubernetes_reads_them() {
        let q = |t: &str| super::quantity(t);
        assert_eq!(q("128Mi"), Some(128.0 * 1024.0 * 1024.0));
        assert_eq!(q("0.5Gi"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(q("250m"), Some(0.25));
        assert_eq!(q("1e3"), Some(1000.0));
        assert_eq!(q("2"), Some(2.0));
        assert_eq!(q("100M"), Some(1e8));
        assert!(q("128MB").is_none() && q("lots").is_none() && q("").is_none());
        assert!(q("256Mi") > q("200M"));
    }

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selectors() {
        let pod = labels(&[("app", "notes"), ("tier", "web")]);
        let sel = |y: &str| yaml::parse(y).unwrap();
        assert!(selector_matches(&sel("app: notes\n"), &pod));
        assert!(!selector_matches(&sel("app: notes-api\n"), &pod));
        assert!(selector_matches(&sel("matchLabels:\n  app: notes\n"), &pod));
        assert!(selector_matches(
            &sel(
                "matchExpressions:\n  - {key: tier, operator: In, values: [web, api]}\n  - {key: canary, operator: DoesNotExist}\n"
            ),
            &pod
        ));
        assert!(!selector_matches(&sel("matchLabels: {}\n"), &pod));
    }
}
