//! YAML read as a tree of nodes that remember their line, for the Compose and
//! Kubernetes models. serde-saphyr does the parsing (merge keys `<<:`, anchors,
//! several documents per file, a budget against alias bombs); [`Node`] keeps the
//! line every value was written on so that a finding can point at it.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::LineError;

/// One YAML value and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Line where the value is used: for a value pulled in by an alias or a merge
    /// key, the line of the `*alias` or `<<:` that brought it here. For a mapping
    /// or sequence under a key, the key's line.
    pub line: usize,
    /// Line where the value is written (the anchor's definition, for aliases).
    pub defined_line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order.
    Map(Vec<(Node, Node)>),
}

/// A YAML file that could not be read, and where.
pub type YamlError = LineError;

fn to_error(e: serde_saphyr::Error) -> YamlError {
    use serde_saphyr::{DefaultMessageFormatter, Error, MessageFormatter};
    let location = e.location().filter(|l| l.line() > 0);
    // The reason, from the error's own data (not its rendered Display text, which adds a
    // snippet and wording of its own): unwrap the alias and snippet layers first, as the
    // crate's renderer does before it asks a formatter for the message.
    let mut inner = &e;
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = inner {
        inner = error;
    }
    let reason: String = DefaultMessageFormatter
        .format_message(inner)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let message = match location {
        Some(l) if l.column() > 0 => format!("{} (column {})", reason.trim(), l.column()),
        _ => reason.trim().to_string(),
    };
    YamlError {
        line: location.map(|l| l.line() as usize),
        message,
    }
}

/// Values parsed, with what the reader should hear about although Kubernetes and
/// Compose accept it (a key given twice).
#[derive(Debug, Clone, PartialEq)]
pub struct Warned<T> {
    pub value: T,
    pub warnings: Vec<LineError>,
}

/// The loaders the files are written for read YAML the 1.1 way: `mode: 0400` is
/// octal (256), and a key given twice is kept, the later value winning, with a
/// warning (`kubectl` prints one). Duplicates are passed through to [`Node`] and
/// settled by [`settle_duplicates`], which knows both lines.
fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    options.legacy_octal_numbers = true;
    options
}

/// Parses a file holding one YAML document.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    parse_warned(text).map(|w| w.value)
}

/// Parses a file holding one YAML document, with its warnings.
pub fn parse_warned(text: &str) -> Result<Warned<Node>, YamlError> {
    let mut node: Node = serde_saphyr::from_str_with_options(text, options()).map_err(to_error)?;
    let mut warnings = Vec::new();
    settle_duplicates(&mut node, &mut warnings);
    Ok(Warned {
        value: node,
        warnings,
    })
}

/// Parses every document of a file (`---` separated), skipping empty ones.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    parse_documents_warned(text).map(|w| w.value)
}

/// Parses every document of a file, skipping empty ones, with their warnings.
pub fn parse_documents_warned(text: &str) -> Result<Warned<Vec<Node>>, YamlError> {
    let docs: Vec<Option<Node>> =
        serde_saphyr::from_multiple_with_options(text, options()).map_err(to_error)?;
    let mut warnings = Vec::new();
    let mut value: Vec<Node> = docs
        .into_iter()
        .flatten()
        .filter(|n| n.value != Value::Null)
        .collect();
    for doc in &mut value {
        settle_duplicates(doc, &mut warnings);
    }
    Ok(Warned { value, warnings })
}

/// Keeps one entry per key in every mapping. A key written in the mapping beats
/// one pulled in by a merge key (`<<: *defaults`), as YAML's merge says; of two
/// keys written in the mapping the later wins and the duplicate is a warning
/// naming both lines. Recursion is bounded by the parser's own depth budget.
fn settle_duplicates(node: &mut Node, warnings: &mut Vec<LineError>) {
    match &mut node.value {
        Value::Seq(items) => items
            .iter_mut()
            .for_each(|item| settle_duplicates(item, warnings)),
        Value::Map(entries) => {
            let mut kept: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
            for (key, mut value) in std::mem::take(entries) {
                settle_duplicates(&mut value, warnings);
                let written_here = |k: &Node| k.line == k.defined_line;
                match kept.iter().position(|(k, _)| k.value == key.value) {
                    None => kept.push((key, value)),
                    Some(at) => {
                        let earlier = &kept[at].0;
                        match (written_here(earlier), written_here(&key)) {
                            (true, false) => {}
                            (false, true) => kept[at] = (key, value),
                            _ => {
                                if written_here(&key) {
                                    warnings.push(LineError::at(
                                        key.line,
                                        format!(
                                            "the key `{}` is given twice, on lines {} and {}: the later value is used",
                                            key.scalar_text().unwrap_or_default(),
                                            earlier.line,
                                            key.line
                                        ),
                                    ));
                                }
                                kept.remove(at);
                                kept.push((key, value));
                            }
                        }
                    }
                }
            }
            *entries = kept;
        }
        _ => {}
    }
}

impl Node {
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text, whatever its type (`8080`, `true`, `"8080"` → text).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Int(i) => Some(*i),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// `key: value` string pairs of a mapping (labels, selectors, environment).
    pub fn string_map(&self) -> Vec<(String, String)> {
        self.entries()
            .iter()
            .filter_map(|(k, v)| Some((k.scalar_text()?, v.scalar_text().unwrap_or_default())))
            .collect()
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        Ok(Node {
            line: spanned.referenced.line() as usize,
            defined_line: spanned.defined.line() as usize,
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_char<E: de::Error>(self, v: char) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        while let Some((key, mut value)) = map.next_entry::<Node, Node>()? {
            // A block mapping or sequence starts on the line after its key; a finding
            // about "this probe" or "these resources" should point at the key.
            if matches!(value.value, Value::Map(_) | Value::Seq(_)) {
                value.line = key.line;
            }
            // Keys given twice are kept here and settled by `settle_duplicates`.
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_their_lines() {
        let doc = parse("# comment\nservices:\n  app:\n    image: demo:1.0\n    ports:\n      - \"8080:8080\"\n").unwrap();
        let app = doc.at(&["services", "app"]).unwrap();
        assert_eq!(app.get("image").unwrap().line, 4);
        assert_eq!(app.get("image").unwrap().as_str(), Some("demo:1.0"));
        assert_eq!(app.get("ports").unwrap().as_seq()[0].line, 6);
    }

    #[test]
    fn merge_keys_and_anchors_are_applied() {
        let text = "x-defaults: &defaults\n  restart: unless-stopped\n  image: demo:1.0\nservices:\n  app:\n    <<: *defaults\n    image: demo:2.0\n";
        let doc = parse(text).unwrap();
        let app = doc.at(&["services", "app"]).unwrap();
        assert_eq!(app.get("image").unwrap().as_str(), Some("demo:2.0"));
        let restart = app.get("restart").unwrap();
        assert_eq!(restart.as_str(), Some("unless-stopped"));
        assert_eq!(restart.defined_line, 2);
    }

    #[test]
    fn scalars_keep_their_types() {
        let doc = parse("a: 3\nb: \"3\"\nc: true\nd: ~\ne: 1.5\n").unwrap();
        assert_eq!(doc.get("a").unwrap().value, Value::Int(3));
        assert_eq!(doc.get("b").unwrap().value, Value::Str("3".into()));
        assert_eq!(doc.get("c").unwrap().as_bool(), Some(true));
        assert_eq!(doc.get("d").unwrap().value, Value::Null);
        assert_eq!(doc.get("e").unwrap().scalar_text().as_deref(), Some("1.5"));
    }

    #[test]
    fn several_documents_with_their_own_lines() {
        let text =
            "---\nkind: Deployment\n---\n# empty\n---\nkind: Service\nmetadata:\n  name: web\n";
        let docs = parse_documents(text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("kind").unwrap().line, 6);
        assert_eq!(docs[1].at(&["metadata", "name"]).unwrap().line, 8);
    }

    #[test]
    fn a_key_given_twice_is_a_warning_naming_both_lines() {
        let text = "metadata:\n  name: web\n  labels:\n    app: web\n  name: api\n";
        let parsed = parse_warned(text).unwrap();
        assert_eq!(
            parsed.value.at(&["metadata", "name"]).unwrap().as_str(),
            Some("api")
        );
        assert_eq!(parsed.value.at(&["metadata"]).unwrap().entries().len(), 2);
        let messages: Vec<String> = parsed.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            messages,
            ["line 5: the key `name` is given twice, on lines 2 and 5: the later value is used"]
        );
    }

    #[test]
    fn a_merged_key_overridden_locally_is_no_warning() {
        let text = "x: &d\n  image: a\napp:\n  image: b\n  <<: *d\n";
        let parsed = parse_warned(text).unwrap();
        assert_eq!(
            parsed.value.at(&["app", "image"]).unwrap().as_str(),
            Some("b")
        );
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    }

    #[test]
    fn zero_prefixed_modes_are_octal() {
        let doc = parse("defaultMode: 0400\nmode: 0o644\nport: 8080\n").unwrap();
        assert_eq!(doc.get("defaultMode").unwrap().as_i64(), Some(0o400));
        assert_eq!(doc.get("mode").unwrap().as_i64(), Some(0o644));
        assert_eq!(doc.get("port").unwrap().as_i64(), Some(8080));
    }

    #[test]
    fn broken_yaml_is_an_error_with_a_line() {
        let e = parse("services:\n  app:\n    image: [unclosed\n").unwrap_err();
        assert!(e.line.is_some(), "{e}");
        let e = parse_documents("a: 1\n---\nb: : :\n").unwrap_err();
        assert!(e.line.is_some(), "{e}");
        assert!(!e.message.contains('\n'));
        let e = parse("services:\n  app:\n    image: [unclosed\n").unwrap_err();
        assert_eq!(e.message, "unclosed bracket '[' (column 12)");
    }
}
