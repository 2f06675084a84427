//! Compose files read as data: the services, their mounts, health checks and
//! dependencies, each with the line it is written on.

use crate::LineError;
use crate::yaml::{self, Node, Value};

/// How deep `extends` may chain (base of a base of …) before it counts as a cycle.
const MAX_EXTENDS: usize = 8;

/// `file` named from inside `from` (both relative to the checked directory).
fn relative_to(from: &str, file: &str) -> String {
    match std::path::Path::new(from).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(file).display().to_string(),
        _ => file.trim_start_matches("./").to_string(),
    }
}

/// The service `name` in another Compose file, if that file defines it.
fn load_service(
    read: &dyn Fn(&str) -> Result<String, String>,
    file: &str,
    name: &str,
) -> Result<Option<Node>, String> {
    let text = read(file).map_err(|e| format!("`extends` names `{file}`: {e}"))?;
    let root = yaml::parse(&text).map_err(|e| {
        format!(
            "`{file}` (named by `extends`) is not valid YAML at line {}: {}",
            e.line.unwrap_or(1),
            e.message
        )
    })?;
    Ok(root.get("services").and_then(|s| s.get(name)).cloned())
}

/// Compose's merge for `extends`: the service's own keys win; where both sides hold a
/// mapping under the same key, the mappings merge (the service's entries win).
fn merge_service(own: &Node, base: &Node) -> Node {
    let (Value::Map(own_entries), Value::Map(base_entries)) = (&own.value, &base.value) else {
        return own.clone();
    };
    let mut merged: Vec<(Node, Node)> = base_entries
        .iter()
        .filter(|(k, _)| k.as_str() != Some("extends"))
        .cloned()
        .collect();
    for (key, value) in own_entries {
        if key.as_str() == Some("extends") {
            continue;
        }
        match merged.iter_mut().find(|(k, _)| k.as_str() == key.as_str()) {
            Some((_, slot)) if slot.is_map() && value.is_map() => {
                *slot = merge_service(value, slot)
            }
            Some(slot) => *slot = (key.clone(), value.clone()),
            None => merged.push((key.clone(), value.clone())),
        }
    }
    Node {
        value: Value::Map(merged),
        ..own.clone()
    }
}

/// `node` with every line set to `line`: inherited values are reported where `extends:`
/// brought them in.
fn relined(mut node: Node, line: usize) -> Node {
    node.line = line;
    match &mut node.value {
        Value::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                *k = relined(k.clone(), line);
                *v = relined(v.clone(), line);
            }
        }
        Value::Seq(items) => {
            for item in items.iter_mut() {
                *item = relined(item.clone(), line);
            }
        }
        _ => {}
    }
    node
}

/// The names `docker compose` looks for, in its order of preference.
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// A loaded Compose file.
pub struct ComposeFile {
    /// The path it was read from, as given to [`ComposeFile::parse`].
    pub file: String,
    pub root: Node,
    /// What Compose accepts but the reader should hear about (a key given twice).
    pub warnings: Vec<LineError>,
}

/// One service: its name, the line of its `name:` key and its definition.
pub struct Service<'a> {
    pub name: String,
    pub line: usize,
    pub node: &'a Node,
}

impl ComposeFile {
    /// Parse the Compose file `file` (its path, kept for messages) from its text.
    pub fn parse(file: &str, text: &str) -> Result<ComposeFile, LineError> {
        let yaml::Warned {
            value: root,
            warnings,
        } = yaml::parse_warned(text).map_err(|e| LineError {
            line: e.line,
            message: format!("`{file}` is not valid YAML: {}", e.message),
        })?;
        if !root.get("services").is_some_and(Node::is_map) {
            return Err(LineError {
                line: Some(root.line.max(1)),
                message: format!("`{file}` has no `services:` mapping"),
            });
        }
        Ok(ComposeFile {
            file: file.to_string(),
            root,
            warnings,
        })
    }

    /// Applies every service's `extends:` the way Compose does for the keys the rules read:
    /// the base service's keys are inherited, the service's own keys win, and mappings
    /// under the same key are merged. The base may be in this file or in `file:` (relative
    /// to the file that names it). Inherited values report the line of the `extends:` that
    /// brought them, in this file.
    pub fn resolve_extends(
        &mut self,
        read: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<(), LineError> {
        let services: Vec<(String, Node)> = self
            .services()
            .into_iter()
            .map(|s| (s.name, s.node.clone()))
            .collect();
        let mut resolved = Vec::new();
        for (name, node) in services {
            let mut chain = vec![(self.file.clone(), name.clone())];
            let node = self.extended(read, node, &mut chain, None)?;
            resolved.push((name, node));
        }
        if let Some(Value::Map(entries)) = self.root_services_mut() {
            for (key, slot) in entries.iter_mut() {
                if let Some((_, node)) = resolved.iter().find(|(n, _)| key.as_str() == Some(n)) {
                    *slot = node.clone();
                }
            }
        }
        Ok(())
    }

    fn root_services_mut(&mut self) -> Option<&mut Value> {
        match &mut self.root.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some("services"))
                .map(|(_, v)| &mut v.value),
            _ => None,
        }
    }

    /// `node` with its `extends` chain applied. `chain` holds the (file, service) pairs
    /// visited so far; `line` is the line in this file of the first `extends:`.
    fn extended(
        &self,
        read: &dyn Fn(&str) -> Result<String, String>,
        node: Node,
        chain: &mut Vec<(String, String)>,
        line: Option<usize>,
    ) -> Result<Node, LineError> {
        let Some(extends) = node.get("extends") else {
            return Ok(node);
        };
        let (current_file, name) = chain[0].clone();
        let here = chain.last().map(|c| c.0.clone()).unwrap_or_default();
        let line = line.unwrap_or_else(|| {
            node.entries()
                .iter()
                .find(|(k, _)| k.as_str() == Some("extends"))
                .map_or(node.line, |(k, _)| k.line)
        });
        let fail = |message: String| LineError {
            line: Some(line),
            message,
        };
        let _ = &current_file;
        let (base_file, base_name) = match (&extends.value, extends.get("service")) {
            (Value::Str(s), _) => (here.clone(), s.clone()),
            (_, Some(service)) => (
                extends
                    .get("file")
                    .and_then(Node::scalar_text)
                    .map_or(here.clone(), |f| relative_to(&here, &f)),
                service.scalar_text().unwrap_or_default(),
            ),
            _ => {
                return Err(fail(format!(
                    "service `{name}`: `extends` needs `service:` (and optionally `file:`)"
                )));
            }
        };
        if chain.len() > MAX_EXTENDS || chain.contains(&(base_file.clone(), base_name.clone())) {
            return Err(fail(format!(
                "service `{name}`: `extends` goes round in a circle through `{base_name}`"
            )));
        }
        let base = if base_file == self.file {
            self.service(&base_name).map(|s| s.node.clone())
        } else {
            load_service(read, &base_file, &base_name).map_err(fail)?
        };
        let Some(base) = base else {
            return Err(fail(format!(
                "service `{name}` extends `{base_name}`, which `{base_file}` does not define"
            )));
        };
        chain.push((base_file, base_name));
        let base = self.extended(read, base, chain, Some(line))?;
        Ok(merge_service(&node, &relined(base, line)))
    }

    pub fn services(&self) -> Vec<Service<'_>> {
        self.root
            .get("services")
            .map(|s| s.entries())
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| {
                Some(Service {
                    name: k.scalar_text()?,
                    line: k.line,
                    node: v,
                })
            })
            .collect()
    }

    pub fn service(&self, name: &str) -> Option<Service<'_>> {
        self.services().into_iter().find(|s| s.name == name)
    }

    /// A top-level `volumes:` entry.
    pub fn declared_volume(&self, name: &str) -> Option<&Node> {
        self.root.get("volumes").and_then(|v| {
            v.entries()
                .iter()
                .find(|(k, _)| k.as_str() == Some(name))
                .map(|(_, v)| v)
        })
    }
}

/// What backs a mount point in a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSource {
    Named(String),
    Bind(String),
    Anonymous,
    Tmpfs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub source: MountSource,
    pub target: String,
    pub read_only: bool,
    pub line: usize,
}

const MODES: [&str; 8] = [
    "ro",
    "rw",
    "z",
    "Z",
    "cached",
    "delegated",
    "consistent",
    "nocopy",
];

impl Service<'_> {
    /// The service's `volumes:` (short and long syntax) and `tmpfs:` mounts.
    pub fn mounts(&self) -> Vec<Mount> {
        let mut mounts: Vec<Mount> = self
            .node
            .get("volumes")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(parse_mount)
            .collect();
        if let Some(tmpfs) = self.node.get("tmpfs") {
            let targets: Vec<&Node> = match &tmpfs.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![tmpfs],
            };
            for t in targets {
                if let Some(target) = t.as_str() {
                    let target = target.split(':').next().unwrap_or(target).to_string();
                    mounts.push(Mount {
                        source: MountSource::Tmpfs,
                        target,
                        read_only: false,
                        line: t.line,
                    });
                }
            }
        }
        mounts
    }

    /// `environment:` as pairs, from the mapping or the `KEY=value` list form, with
    /// the line of each entry. A bare `KEY` (passed through from the host) has no value.
    pub fn environment(&self) -> Vec<(String, Option<String>, usize)> {
        let Some(env) = self.node.get("environment") else {
            return Vec::new();
        };
        match &env.value {
            Value::Map(entries) => entries
                .iter()
                .filter_map(|(k, v)| Some((k.scalar_text()?, v.scalar_text(), k.line)))
                .collect(),
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| {
                    let text = item.scalar_text()?;
                    Some(match text.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string()), item.line),
                        None => (text, None, item.line),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn env_value(&self, key: &str) -> Option<String> {
        self.environment()
            .into_iter()
            .find(|(k, _, _)| k == key)
            .and_then(|(_, v, _)| v)
    }

    /// `depends_on` entries: (service, condition, line). The short list form means
    /// `service_started`.
    pub fn depends_on(&self) -> Vec<(String, String, usize)> {
        let Some(deps) = self.node.get("depends_on") else {
            return Vec::new();
        };
        match &deps.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|i| Some((i.scalar_text()?, "service_started".to_string(), i.line)))
                .collect(),
            Value::Map(entries) => entries
                .iter()
                .filter_map(|(k, v)| {
                    let condition = v
                        .get("condition")
                        .and_then(Node::as_str)
                        .unwrap_or("service_started");
                    Some((k.scalar_text()?, condition.to_string(), k.line))
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The line of `key:` inside this service, or the service's own line.
    pub fn key_line(&self, key: &str) -> usize {
        self.node
            .entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map_or(self.line, |(k, _)| k.line)
    }
}

fn parse_mount(item: &Node) -> Option<Mount> {
    let line = item.line;
    if let Some(written) = item.as_str() {
        // `${NOTES_VOLUME:-notes}:/data`: judge what the defaults make of it.
        let text = interpolate_defaults(written).unwrap_or_else(|| written.to_string());
        let parts: Vec<&str> = text.split(':').collect();
        let (source, target, mode) = match parts.as_slice() {
            [target] => (None, *target, None),
            [target, mode] if MODES.contains(mode) || mode.contains(',') => {
                (None, *target, Some(*mode))
            }
            [source, target] => (Some(*source), *target, None),
            [source, target, mode, ..] => (Some(*source), *target, Some(*mode)),
            [] => return None,
        };
        let read_only = mode.is_some_and(|m| m.split(',').any(|o| o == "ro"));
        let source = match source {
            None => MountSource::Anonymous,
            Some(s) if is_host_path(s) => MountSource::Bind(s.to_string()),
            Some(s) => MountSource::Named(s.to_string()),
        };
        return Some(Mount {
            source,
            target: target.to_string(),
            read_only,
            line,
        });
    }
    let target = item.get("target").and_then(Node::scalar_text)?;
    let source_text = item.get("source").and_then(Node::scalar_text);
    let kind = item.get("type").and_then(Node::as_str).unwrap_or("volume");
    let source = match (kind, source_text) {
        ("bind", Some(s)) => MountSource::Bind(s),
        ("tmpfs", _) => MountSource::Tmpfs,
        ("volume", Some(s)) if !s.is_empty() => MountSource::Named(s),
        ("volume", _) => MountSource::Anonymous,
        (_, Some(s)) => MountSource::Bind(s),
        (_, None) => MountSource::Anonymous,
    };
    let read_only = item
        .get("read_only")
        .and_then(Node::as_bool)
        .unwrap_or(false);
    Some(Mount {
        source,
        target,
        read_only,
        line,
    })
}

/// Compose treats a source starting with `.`, `/`, `~` (or a variable, which in
/// practice holds a path) as a host path.
fn is_host_path(source: &str) -> bool {
    source.starts_with(['.', '/', '~', '$']) || source.chars().nth(1) == Some(':')
}

/// A path that lives in somebody's home directory.
pub fn is_home_path(path: &str) -> bool {
    path.starts_with('~')
        || path.starts_with("$HOME")
        || path.starts_with("${HOME")
        || path.starts_with("/home/")
        || path.starts_with("/Users/")
        || path.starts_with("/root")
}

/// `${VAR:-default}` resolved to its default, `${VAR}` left as `None`: a checker
/// has no environment to take values from.
pub fn interpolate_defaults(text: &str) -> Option<String> {
    crate::dockerfile::expand_vars(text, &|_| None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mounts(yaml_text: &str) -> Vec<Mount> {
        let node = yaml::parse(yaml_text).unwrap();
        Service {
            name: "app".into(),
            line: 1,
            node: &node,
        }
        .mounts()
    }

    #[test]
    fn short_syntax_mounts() {
        let m = mounts(
            "volumes:\n  - ${VOL:-data}:/data\n  - ./conf:/etc/app:ro\n  - /cache\n  - /logs:rw\n  - ~/notes:/srv/notes\n",
        );
        assert_eq!(m[0].source, MountSource::Named("data".into()));
        assert_eq!(m[0].line, 2);
        assert_eq!(m[1].source, MountSource::Bind("./conf".into()));
        assert!(m[1].read_only);
        assert_eq!(
            (m[2].source.clone(), m[2].target.as_str()),
            (MountSource::Anonymous, "/cache")
        );
        assert_eq!(
            (m[3].source.clone(), m[3].target.as_str()),
            (MountSource::Anonymous, "/logs")
        );
        assert_eq!(m[4].source, MountSource::Bind("~/notes".into()));
    }

    #[test]
    fn long_syntax_and_tmpfs() {
        let m = mounts(
            "volumes:\n  - type: volume\n    source: notes\n    target: /data\n  - type: bind\n    source: /home/dev/x\n    target: /x\n    read_only: true\ntmpfs: /tmp\n",
        );
        assert_eq!(m[0].source, MountSource::Named("notes".into()));
        assert_eq!(m[0].line, 2);
        assert!(m[1].read_only);
        assert_eq!(m[2].source, MountSource::Tmpfs);
    }

    #[test]
    fn environment_both_forms() {
        let node = yaml::parse("environment:\n  - DATA_DIR=/data\n  - TOKEN\n").unwrap();
        let s = Service {
            name: "a".into(),
            line: 1,
            node: &node,
        };
        assert_eq!(
            s.environment(),
            [
                ("DATA_DIR".into(), Some("/data".into()), 2),
                ("TOKEN".into(), None, 3)
            ]
        );
        let node = yaml::parse("environment:\n  DATA_DIR: /data\n  PORT: 8080\n").unwrap();
        let s = Service {
            name: "a".into(),
            line: 1,
            node: &node,
        };
        assert_eq!(s.env_value("PORT").as_deref(), Some("8080"));
    }

    #[test]
    fn defaults_are_interpolated() {
        assert_eq!(
            interpolate_defaults("demo:${TAG:-1.2}").as_deref(),
            Some("demo:1.2")
        );
        assert_eq!(interpolate_defaults("demo:${TAG}"), None);
    }
}
