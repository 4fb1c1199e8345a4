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

    #[test]
    fn other_comments() {
        assert!(matches!(read(" uuid: 1234 "), Read::NotAnnotation));
        assert!(matches!(
            read("{ \"type\": \"#page.annotation\" }"),
            Read::NotAnnotation
        ));
    }
}
