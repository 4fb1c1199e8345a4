//! The JSON annotation in the HTML comment before an example block
//! (`<!-- { "blockType": "request", "name": "..." } -->`).
//!
//! It says what the next fenced block is and carries the facts the judge
//! needs about a response (truncated, isCollection, isEmpty, `@odata.type`).
//! The pages write it loosely: strings where booleans are meant, `@type` for
//! `@odata.type`, a list of names, and JSON that is not strict. This module
//! turns all of that into one typed value and lists what it had to forgive.

use super::lenient_json::{self, Repair};
use serde_json::Value;

/// What an annotation says its block is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockType {
    Request,
    Response,
    Ignored,
    /// `example`, `samples`, `resource`, `none`, ...: not an HTTP example.
    Other(String),
}

/// A read annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub block_type: BlockType,
    /// `name`: one string, or every string of a list (in order).
    pub names: Vec<String>,
    pub truncated: bool,
    pub is_collection: Option<bool>,
    pub is_empty: bool,
    pub odata_type: Option<String>,
}

/// The outcome of reading an annotation comment's inner text.
pub enum Read {
    /// Not an annotation (no `blockType`): some other comment.
    NotAnnotation,
    /// An annotation; `repairs` lists lenient fixes (empty when strict JSON),
    /// offsets relative to the inner text.
    Annotation(Annotation, Vec<Repair>),
    /// Looks like an annotation (mentions `blockType`) but cannot be read.
    Unreadable(lenient_json::Failure),
}

/// Cheap check: is this comment's inner text an annotation candidate?
pub fn is_candidate(inner: &str) -> bool {
    inner.trim_start().starts_with('{') && inner.contains("lockType")
}

/// Read the inner text of an HTML comment (between `<!--` and `-->`).
pub fn read(inner: &str) -> Read {
    if !is_candidate(inner) {
        return Read::NotAnnotation;
    }
    // strict JSON (nearly every annotation): only the keys read below are
    // kept, the rest skipped unbuilt; the tree and its dozen allocations
    // were most of the cost of an annotation
    if let Ok(Relevant(obj)) = serde_json::from_str::<Relevant>(inner.trim()) {
        return match from_value(&Value::Object(obj)) {
            Some(a) => Read::Annotation(a, Vec::new()),
            None => Read::NotAnnotation,
        };
    }
    let (value, repairs) = match lenient_json::parse_any(inner.trim()) {
        Ok(ok) => ok,
        Err(f) => return Read::Unreadable(f),
    };
    // offsets of repairs are relative to the trimmed text
    let shift = inner.len() - inner.trim_start().len();
    let repairs = repairs
        .into_iter()
        .map(|r| Repair {
            offset: r.offset + shift,
            what: r.what,
        })
        .collect();
    match from_value(&value) {
        Some(a) => Read::Annotation(a, repairs),
        None => Read::NotAnnotation,
    }
}

/// The members of a JSON object that [`from_value`] reads (every key
/// that is `blockType` ignoring case, `name`, `@odata.type`, `@type` and
/// the three flags), the last of each repeated key as serde_json keeps it:
/// `from_value` of this object is `from_value` of the whole one. Anything
/// but an object, or JSON that is not strict, is an error (the caller then
/// reads the text the lenient way, which says what it is).
struct Relevant(serde_json::Map<String, Value>);

impl<'de> serde::Deserialize<'de> for Relevant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Obj;
        impl<'de> serde::de::Visitor<'de> for Obj {
            type Value = Relevant;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Relevant, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some(Key(k)) = m.next_key()? {
                    let read = k.eq_ignore_ascii_case("blockType")
                        || matches!(
                            &*k,
                            "name"
                                | "@odata.type"
                                | "@type"
                                | "truncated"
                                | "isCollection"
                                | "isEmpty"
                        );
                    if read {
                        out.insert(k.into_owned(), m.next_value()?);
                    } else {
                        m.next_value::<Skip>()?;
                    }
                }
                Ok(Relevant(out))
            }
        }
        d.deserialize_map(Obj)
    }
}

/// A member's value skipped unbuilt, but read through `deserialize_any` as a
/// `Value` is: serde_json's `IgnoredAny` skips without its nesting limit
/// or its number range, so `1e400` or 128 nested lists would pass here
/// and fail the tree (which reads them leniently, or not at all).
struct Skip;

impl<'de> serde::Deserialize<'de> for Skip {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> serde::de::Visitor<'de> for Skip {
    type Value = Skip;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Skip, A::Error> {
        while a.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Skip, A::Error> {
        while m.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct K;
        impl<'de> serde::de::Visitor<'de> for K {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(v.into()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(v.to_owned().into()))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(v.into()))
            }
        }
        d.deserialize_str(K)
    }
}

fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn from_value(v: &Value) -> Option<Annotation> {
    let obj = v.as_object()?;
    let bt = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("blockType"))
        .and_then(|(_, v)| v.as_str())?;
    let block_type = match bt.trim().to_ascii_lowercase().as_str() {
        "request" => BlockType::Request,
        "response" => BlockType::Response,
        "ignored" => BlockType::Ignored,
        other => BlockType::Other(other.to_string()),
    };
    let names = match obj.get("name") {
        Some(Value::String(s)) => vec![s.trim().to_string()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|n| n.as_str())
            .map(|s| s.trim().to_string())
            .collect(),
        _ => Vec::new(),
    };
    let names = names.into_iter().filter(|n| !n.is_empty()).collect();
    let odata_type = obj
        .get("@odata.type")
        .or_else(|| obj.get("@type"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    Some(Annotation {
        block_type,
        names,
        truncated: flag(obj.get("truncated")).unwrap_or(false),
        is_collection: flag(obj.get("isCollection")),
        is_empty: flag(obj.get("isEmpty")).unwrap_or(false),
        odata_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(s: &str) -> (Annotation, usize) {
        match read(s) {
            Read::Annotation(a, r) => (a, r.len()),
            _ => panic!("not read: {s}"),
        }
    }

    #[test]
    fn strings_for_flags_and_type_alias() {
        let (a, r) = ann(
            r#" { "blockType": "response", "truncated": "true", "isCollection": "false", "@type": "microsoft.graph.user" } "#,
        );
        assert_eq!(r, 0);
        assert!(a.truncated);
        assert_eq!(a.is_collection, Some(false));
        assert_eq!(a.odata_type.as_deref(), Some("microsoft.graph.user"));
    }

    #[test]
    fn names_list_and_lenient() {
        let (a, r) = ann("{ \"blockType\": \"request\", \"name\": [\"a\", \"b\"], }");
        assert_eq!(a.block_type, BlockType::Request);
        assert_eq!(a.names, ["a", "b"]);
        assert_eq!(r, 1);
    }

    /// The strict path, which builds only the keys it reads, reads every
    /// annotation as the whole tree does: repeated keys (the last wins),
    /// `blockType` in other cases (the first in key order wins, as over
    /// the tree's sorted map), escaped keys, values of other types, nested
    /// members skipped, and what is not an object.
    #[test]
    fn the_strict_path_reads_as_the_whole_tree() {
        let rows = [
            r#"{ "blockType": "request", "name": "a" }"#,
            r#"{ "blockType": "response", "truncated": true, "isCollection": "true", "isEmpty": "FALSE ", "@odata.type": "microsoft.graph.user" }"#,
            r#"{ "blockType": "response", "name": "a", "name": ["b", 1, " c ", ""] }"#,
            r#"{ "BlockType": "ignored", "blockType": "request", "blocktype": "response" }"#,
            r#"{ "blocktype": "response", "BLOCKTYPE": 3 }"#,
            r#"{ "blockType": 1 }"#,
            r#"{ "blockType": "request", "blockType": "response" }"#,
            r#"{ "blockType": "request", "name": "esc" }"#,
            r#"{ "blockType": "response", "@odata.type": 5, "@type": "microsoft.graph.x" }"#,
            r#"{ "blockType": "response", "@type": "microsoft.graph.x" }"#,
            r#"{ "blockType": "Example", "deep": { "a": [1, {"b": null}], "blockType": "request" } }"#,
            r#"{ "blockType": "response", "truncated": "yes", "isEmpty": null, "isCollection": [true] }"#,
            r#"{ "name": "no type" }"#,
            r#"[ { "blockType": "request" } ]"#,
            r#"{ "blockType": "request", }"#,
            r#"{ "blockType": "request" } trailing"#,
            r#"  { "blockType" : "request" , "name" : "spaced" }  "#,
            r#"{ "blockType": "request", "x": 1e400 }"#,
            r#"{ "blockType": "request", "x": -1e400, "y": 1.5e-400 }"#,
            r#"{ "blockType": "request", "x": "\ud800" }"#,
        ];
        let deep = |n: usize| {
            format!(
                r#"{{ "blockType": "request", "x": {}{} }}"#,
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        let deep: Vec<String> = [126, 127, 128, 200].map(deep).into();
        for text in rows.into_iter().chain(deep.iter().map(String::as_str)) {
            let tree = match lenient_json::parse_any(text.trim()) {
                Ok((v, r)) => format!("{:?} {}", from_value(&v), r.len()),
                Err(_) => "unreadable".into(),
            };
            let got = match read(text) {
                Read::Annotation(a, r) => format!("{:?} {}", Some(a), r.len()),
                Read::NotAnnotation => {
                    // the tree's reading of a text that is no annotation
                    if tree.starts_with("None") {
                        tree.clone()
                    } else {
                        "not".into()
                    }
                }
                Read::Unreadable(_) => "unreadable".into(),
            };
            assert_eq!(got, tree, "{text}");
        }
    }

    #[test]
    fn other_comments() {
        assert!(matches!(read(" uuid: 1234 "), Read::NotAnnotation));
        assert!(matches!(
            read("{ \"type\": \"#page.annotation\" }"),
            Read::NotAnnotation
        ));
    }
}
