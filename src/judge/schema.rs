//! The judge's shape rules written as a JSON Schema (draft 2020-12) generated
//! from a documented example, so a user can export the contract of every case
//! and validate payloads with any JSON Schema tool.
//!
//! The schema expresses the *errors* of the body walk, not its warnings:
//! - types as documented; a documented `null` allows anything; `null` is
//!   allowed wherever a value is documented (the walk only warns);
//! - `required`: the documented properties, except `@odata.*` control
//!   annotations (missing ones are warnings); `additionalProperties` is left
//!   open (undocumented properties are warnings, or nothing when truncated);
//! - `@odata.type`: a case-insensitive `pattern` naming the documented type(s),
//!   with an optional leading `#`;
//! - strings in a well-known format carry `format` (`date-time`, `uuid`),
//!   which 2020-12 treats as an annotation, as the walk treats it as a warning;
//! - arrays: no length constraints; `items` merges the documented elements
//!   the way the walk does (a property is required when every element shows
//!   it). In a polymorphic array, an element whose `@odata.type` names a
//!   documented element's type is held to the elements of that type
//!   (`if`/`then`/`else` chain), any other element to the merge of all.
//!
//! Bodies that are not JSON (none documented, 204, `isEmpty`, text) give a
//! schema that accepts anything and says why in `description`.

use super::formats::Format;
use super::{bare_type, is_odata_control, odata_type_of, same_type, type_name};
use crate::model::{DocBody, DocResponse};
use serde_json::{Map, Value, json};
use std::slice;

const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The documented example as a JSON Schema (draft 2020-12).
pub fn example_schema(expected: &DocResponse) -> Value {
    let (shape, description) = match &expected.body {
        _ if expected.status == 204 || expected.is_empty => {
            (Value::Object(Map::new()), "no body allowed".to_owned())
        }
        DocBody::Empty => (Value::Object(Map::new()), "no body documented".to_owned()),
        DocBody::Text(_) => (
            Value::Object(Map::new()),
            format!(
                "a non-JSON body{}",
                expected
                    .header("content-type")
                    .map(|ct| format!(" ({ct})"))
                    .unwrap_or_default()
            ),
        ),
        DocBody::Json(v) => (
            shape(slice::from_ref(&v)),
            format!(
                "documented {} response (line {}){}",
                expected.status,
                expected.line,
                if expected.truncated {
                    ", truncated example"
                } else {
                    ""
                }
            ),
        ),
    };
    let mut root = Map::new();
    root.insert("$schema".into(), DIALECT.into());
    root.insert("description".into(), description.into());
    if let Value::Object(m) = shape {
        root.extend(m);
    }
    Value::Object(root)
}

/// The schema of a set of documented values (see the body walk).
fn shape(docs: &[&Value]) -> Value {
    let mut order: Vec<&'static str> = Vec::new();
    for d in docs.iter().filter(|d| !d.is_null()) {
        let t = type_name(d);
        if !order.contains(&t) {
            order.push(t);
        }
    }
    let mut alternatives: Vec<Value> = order
        .iter()
        .map(|&t| {
            let same: Vec<&Value> = docs.iter().copied().filter(|d| type_name(d) == t).collect();
            typed_shape(t, &same)
        })
        .collect();
    match alternatives.len() {
        0 => json!({}),
        1 => alternatives.pop().unwrap_or_default(),
        _ => json!({ "anyOf": alternatives }),
    }
}

/// The schema of documented values that all have the JSON type `t`.
fn typed_shape(t: &'static str, docs: &[&Value]) -> Value {
    let mut s = Map::new();
    s.insert("type".into(), json!([t, "null"]));
    match t {
        "object" => {
            let maps: Vec<&Map<String, Value>> =
                docs.iter().filter_map(|d| d.as_object()).collect();
            object_shape(&maps, &mut s);
        }
        "array" => {
            let pool: Vec<&Value> = docs
                .iter()
                .filter_map(|d| d.as_array())
                .flat_map(|a| a.iter())
                .collect();
            if !pool.is_empty() {
                s.insert("items".into(), items_shape(&pool));
            }
        }
        "string" => {
            if let Some(f) = common_format(docs).and_then(Format::schema_name) {
                s.insert("format".into(), f.into());
            }
        }
        _ => {}
    }
    Value::Object(s)
}

fn common_format(docs: &[&Value]) -> Option<Format> {
    let mut format = None;
    for d in docs.iter().filter_map(|d| d.as_str()) {
        let f = Format::detect(d)?;
        if format.is_some_and(|g| g != f) {
            return None;
        }
        format = Some(f);
    }
    format
}

fn object_shape(maps: &[&Map<String, Value>], s: &mut Map<String, Value>) {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (i, m) in maps.iter().enumerate() {
        for name in m.keys() {
            if maps[..i].iter().any(|p| p.contains_key(name)) {
                continue;
            }
            let values: Vec<&Value> = maps[i..].iter().filter_map(|p| p.get(name)).collect();
            let property = if name == "@odata.type" && values.iter().any(|v| v.is_string()) {
                json!({
                    "type": ["string", "null"],
                    "pattern": type_pattern(values.iter().filter_map(|v| v.as_str())),
                })
            } else {
                shape(&values)
            };
            properties.insert(name.clone(), property);
            if i == 0 && values.len() == maps.len() && !is_odata_control(name) {
                required.push(Value::String(name.clone()));
            }
        }
    }
    s.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        s.insert("required".into(), Value::Array(required));
    }
}

/// Array `items`: the merge of all documented elements, or, for an element
/// whose `@odata.type` matches a documented group, the merge of that group.
fn items_shape(pool: &[&Value]) -> Value {
    let mut groups: Vec<(&str, Vec<&Value>)> = Vec::new();
    for d in pool {
        if let Some(t) = odata_type_of(d) {
            match groups.iter_mut().find(|(g, _)| same_type(g, t)) {
                Some((_, members)) => members.push(d),
                None => groups.push((t, vec![d])),
            }
        }
    }
    let mut schema = shape(pool);
    if groups.len() < 2 && groups.first().is_none_or(|(_, m)| m.len() == pool.len()) {
        return schema; // not polymorphic: every element has the one type (or none)
    }
    for (t, members) in groups.iter().rev() {
        schema = json!({
            "if": {
                "required": ["@odata.type"],
                "properties": { "@odata.type": { "pattern": type_pattern([*t]) } },
            },
            "then": shape(members),
            "else": schema,
        });
    }
    schema
}

/// `^#?(?:name|...)$`, each letter as a `[xX]` class (ECMA-262 regexes have
/// no portable case-insensitive flag).
fn type_pattern<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut p = String::from("^#?(?:");
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            p.push('|');
        }
        for c in bare_type(name).chars() {
            if c.is_ascii_alphabetic() {
                p.push('[');
                p.push(c.to_ascii_lowercase());
                p.push(c.to_ascii_uppercase());
                p.push(']');
            } else if r".^$|?*+()[]{}\".contains(c) {
                p.push('\\');
                p.push(c);
            } else {
                p.push(c);
            }
        }
    }
    p.push_str(")$");
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern() {
        assert_eq!(type_pattern(["#a.B"]), "^#?(?:[aA]\\.[bB])$");
    }
}
