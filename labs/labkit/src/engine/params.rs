//! A rule's parameters, typed: each rule names a serde struct with `deny_unknown_fields`,
//! and lab.toml's `[check.params]` table is read into it. One reader for every rule means
//! every rule gets the same errors for a misspelt, unknown, wrongly typed or missing
//! parameter (see [`crate::engine::lab`], which puts them at `lab.toml:line`).

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, forward_to_deserialize_any};

/// What is wrong with a check's parameters: the parameter concerned (when there is one)
/// and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// The top-level parameter the problem is in (`None`: the table as a whole, e.g. a
    /// missing parameter).
    pub param: Option<String>,
    pub message: String,
    /// The parameter was not one the rule takes.
    pub unknown: bool,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.param {
            Some(param) => write!(f, "parameter `{param}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Read `params` into `P`. Keys `P` does not have are reported first, by name; serde then
/// reports wrong types and missing parameters, and the path of the failing value says
/// which parameter it is in.
pub fn parse<P: DeserializeOwned>(params: &toml::Table) -> Result<P, ParamError> {
    let known = field_names::<P>();
    if let Some(unknown) = params.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(ParamError {
            param: Some(unknown.clone()),
            message: "not a parameter of this rule".into(),
            unknown: true,
        });
    }
    serde_path_to_error::deserialize(toml::Value::Table(params.clone())).map_err(|e| {
        let param = match e.path().iter().next() {
            Some(serde_path_to_error::Segment::Map { key }) => Some(key.clone()),
            _ => None,
        };
        ParamError {
            param,
            message: e.inner().message().trim().to_string(),
            unknown: false,
        }
    })
}

/// The field names of the parameter struct `P`, in declaration order.
///
/// serde hands a struct's field list to the deserializer in `deserialize_struct`; this
/// deserializer records it and stops. (serde has no reflection API; serde-aux's
/// `serde_introspect` does the same thing for a whole dependency.)
pub fn field_names<P: DeserializeOwned>() -> &'static [&'static str] {
    struct FieldNames<'a>(&'a mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for FieldNames<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("parameters must be a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("field names recorded"))
        }

        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = P::deserialize(FieldNames(&mut fields));
    fields
}

/// A parameter that takes one string or a list of strings (`files = "a.yaml"` or
/// `files = ["a.yaml", "b.yaml"]`); absent is an empty list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrList(pub Vec<String>);

impl StrList {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn to_strs(&self) -> Vec<&str> {
        self.iter().collect()
    }

    pub fn contains(&self, wanted: &str) -> bool {
        self.iter().any(|s| s == wanted)
    }

    pub fn join(&self, separator: &str) -> String {
        self.0.join(separator)
    }
}

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrListVisitor;

        impl<'de> Visitor<'de> for StrListVisitor {
            type Value = StrList;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<StrList, E> {
                Ok(StrList(vec![s.to_string()]))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrList, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(StrList(items))
            }
        }

        deserializer.deserialize_any(StrListVisitor)
    }
}

/// A rule that takes no parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Example {
        path: String,
        #[serde(default)]
        min: Option<u32>,
        #[serde(default)]
        files: StrList,
    }

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn names_types_and_lists() {
        assert_eq!(field_names::<Example>(), ["path", "min", "files"]);
        assert!(field_names::<NoParams>().is_empty());
        let ok: Example = parse(&table("path = \"a\"\nfiles = \"x\"\n")).unwrap();
        assert_eq!(
            (ok.path.as_str(), ok.min, ok.files.0),
            ("a", None, vec!["x".into()])
        );

        let unknown = parse::<Example>(&table("path = \"a\"\nminn = 1\n")).unwrap_err();
        assert_eq!(
            (unknown.param.as_deref(), unknown.unknown),
            (Some("minn"), true)
        );

        let wrong = parse::<Example>(&table("path = \"a\"\nmin = \"five\"\n")).unwrap_err();
        assert_eq!(wrong.param.as_deref(), Some("min"));
        assert!(wrong.message.contains("invalid type"), "{}", wrong.message);

        let nested = parse::<Example>(&table("path = \"a\"\nfiles = [1]\n")).unwrap_err();
        assert_eq!(nested.param.as_deref(), Some("files"));

        let missing = parse::<Example>(&table("min = 1\n")).unwrap_err();
        assert_eq!(missing.param, None);
        assert!(missing.message.contains("`path`"), "{}", missing.message);
    }
}
