//! A body validated against the compiled schema, and each validation error
//! turned into an `Issue`: the JSON pointer into the body, the kind of
//! disagreement, a message, the declared type at that place and the value.
//!
//! Decisions, and why:
//! - **Where the values of the type are.** An annotated collection is an
//!   array or a `value` array; a structured type answered as `{"value":
//!   [...]}` (a list) is judged item by item unless the type declares a
//!   `value` property; a primitive's OData form is `{"value": ...}`.
//! - **The declared type is said, not the schema's path.** Each issue names
//!   the type declared at its pointer, found by walking the metadata along
//!   the pointer (following each object's own `@odata.type`), because a
//!   `$defs` path means nothing to whoever reads the report.
//! - **One finding per wrong value.** A value of the wrong type also fails
//!   its type's enum or pattern: only the type disagreement is kept.
//! - **Small values.** An issue carries an object or an array as a summary
//!   (`{object with 3 members}`), never the whole body, and a value quoted
//!   in a message is cut at 80 characters.

use std::collections::HashSet;

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use super::{Issue, LintKind, SchemaJudge};
use crate::csdl::schema::{self, PatternMeaning};
use crate::csdl::{Declared, Metadata, PRIMITIVES, Target, primitive_index};

impl SchemaJudge {
    pub(super) fn issues(&self, annotated_type: &str, body: &Value) -> Option<Vec<Issue>> {
        let t = self.meta.resolve(annotated_type)?;
        let (target, collection) = self.meta.target_of(&t)?;
        let mut issues = Vec::new();
        if matches!(target, Target::Primitive(p) if PRIMITIVES[p] == "Edm.Stream") {
            return Some(issues);
        }
        let structured = match target {
            Target::Named(i) => self.meta.structured_at(i).map(|_| i),
            Target::Primitive(_) => None,
        };
        // Where the values of the type are in the body.
        let mut values: Vec<(String, &Value)> = Vec::new();
        let value_array = body.get("value").and_then(Value::as_array);
        if collection {
            match (body, value_array) {
                (Value::Array(items), _) => {
                    values.extend(items.iter().enumerate().map(|(k, v)| (format!("/{k}"), v)))
                }
                (_, Some(items)) => values.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(k, v)| (format!("/value/{k}"), v)),
                ),
                _ => issues.push(Issue {
                    pointer: String::new(),
                    kind: LintKind::WrongType,
                    message: format!(
                        "expected a collection of {} (an array or a `value` array), found {}",
                        t.element().name(),
                        json_type(body)
                    ),
                    declared: Some(t.name()),
                    value: Some(short_value(body)),
                }),
            }
        } else if let Some(i) = structured {
            let declares_value = self.meta.chain(i).any(|j| {
                self.meta
                    .structured_at(j)
                    .is_some_and(|t| t.properties.iter().any(|p| p.name == "value"))
            });
            match value_array {
                Some(items) if !declares_value => values.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(k, v)| (format!("/value/{k}"), v)),
                ),
                _ => values.push((String::new(), body)),
            }
        } else {
            // A primitive or enum: the OData form is `{"value": ...}`.
            match body.get("value") {
                Some(v) if body.is_object() => values.push(("/value".into(), v)),
                _ => values.push((String::new(), body)),
            }
        }
        let validator = match self.root() {
            Ok(v) => v,
            Err(e) => {
                issues.push(Issue {
                    pointer: String::new(),
                    kind: LintKind::Other,
                    message: format!("cannot compile the schema of {}: {e}", t.name()),
                    declared: Some(t.name()),
                    value: None,
                });
                return Some(issues);
            }
        };
        let entry = match target {
            Target::Primitive(p) => PRIMITIVES[p].to_string(),
            Target::Named(i) => match &self.meta.types[i] {
                Declared::TypeDefinition(t) => {
                    PRIMITIVES[primitive_index(&t.underlying).expect("checked")].to_string()
                }
                _ => self.meta.qualified[i].clone(),
            },
        };
        let entry_path = format!("/{entry}");
        for (prefix, value) in values {
            if let Some(i) = structured {
                self.check_odata_type(i, &prefix, value, &mut issues);
            }
            // The entry of the type in the document: `{"<type>": value}`.
            let mut wrapped = serde_json::Map::with_capacity(1);
            wrapped.insert(entry.clone(), value.clone());
            let wrapped = Value::Object(wrapped);
            if validator.is_valid(&wrapped) {
                continue;
            }
            for err in validator.iter_errors(&wrapped) {
                self.convert(target, value, &prefix, &entry_path, &err, &mut issues);
            }
        }
        // A value of the wrong type also fails the enum or pattern of its
        // type: one finding is enough.
        let typed: HashSet<String> = issues
            .iter()
            .filter(|i| matches!(i.kind, LintKind::WrongType | LintKind::NullNotNullable))
            .map(|i| i.pointer.clone())
            .collect();
        if !typed.is_empty() {
            issues.retain(|i| {
                !(matches!(i.kind, LintKind::NotEnumMember | LintKind::BadFormat)
                    && typed.contains(&i.pointer))
            });
        }
        Some(issues)
    }

    /// The payload's own `@odata.type` must name the type or one derived
    /// from it.
    fn check_odata_type(&self, i: usize, prefix: &str, value: &Value, issues: &mut Vec<Issue>) {
        let Some(named) = value.get("@odata.type").and_then(Value::as_str) else {
            return;
        };
        let meta = &self.meta;
        let message = match meta.lookup_loose(named) {
            Some(j) if meta.is_a(j, i) => return,
            Some(j) => format!(
                "@odata.type {named} names {}, which is not {} nor derived from it",
                meta.qualified[j], meta.qualified[i]
            ),
            None => format!("@odata.type {named} names no type of the metadata"),
        };
        issues.push(Issue {
            pointer: format!("{prefix}/@odata.type"),
            kind: LintKind::OdataType,
            message,
            declared: Some(meta.qualified[i].clone()),
            value: Some(Value::String(named.to_string())),
        });
    }

    fn convert(
        &self,
        target: Target,
        root: &Value,
        prefix: &str,
        entry_path: &str,
        err: &ValidationError<'_>,
        issues: &mut Vec<Issue>,
    ) {
        let at = err.instance_path().as_str();
        let at = at.strip_prefix(entry_path).unwrap_or(at);
        let pointer = format!("{prefix}{at}");
        let instance: &Value = err.instance();
        let declared = || self.declared_at(target, root, at);
        match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                let owner = self
                    .declared_at(target, root, at)
                    .unwrap_or_else(|| "the type".into());
                for name in unexpected {
                    issues.push(Issue {
                        pointer: format!("{pointer}/{}", escape_pointer(name)),
                        kind: LintKind::UndeclaredProperty,
                        message: format!("property {name} is not declared by {owner}"),
                        declared: Some(owner.clone()),
                        value: None,
                    });
                }
            }
            ValidationErrorKind::Type { kind } => {
                let expected = expected_types(kind);
                let declared = declared();
                let (kind, message) = if instance.is_null() {
                    (
                        LintKind::NullNotNullable,
                        format!(
                            "null, but {} is not nullable",
                            declared.as_deref().unwrap_or("the property")
                        ),
                    )
                } else {
                    (
                        LintKind::WrongType,
                        format!(
                            "{} where {} declares {expected}",
                            json_type(instance),
                            declared.as_deref().unwrap_or("the schema")
                        ),
                    )
                };
                issues.push(Issue {
                    pointer,
                    kind,
                    message,
                    declared,
                    value: Some(short_value(instance)),
                });
            }
            ValidationErrorKind::Enum { .. } => {
                let declared = declared();
                issues.push(Issue {
                    pointer,
                    kind: LintKind::NotEnumMember,
                    message: format!(
                        "{} is not a member of {}",
                        short_text(instance),
                        declared.as_deref().unwrap_or("the enum type")
                    ),
                    declared,
                    value: Some(short_value(instance)),
                });
            }
            ValidationErrorKind::Minimum { limit } | ValidationErrorKind::Maximum { limit } => {
                let declared = declared();
                let bound = if matches!(err.kind(), ValidationErrorKind::Minimum { .. }) {
                    "under the least"
                } else {
                    "over the greatest"
                };
                issues.push(Issue {
                    pointer,
                    kind: LintKind::OutOfRange,
                    message: format!(
                        "{instance} is {bound} value of {} ({limit})",
                        declared.as_deref().unwrap_or("the declared integer type")
                    ),
                    declared,
                    value: Some(short_value(instance)),
                });
            }
            ValidationErrorKind::Pattern { pattern } => {
                let declared = declared();
                let (kind, message) = match schema::pattern_meaning(pattern) {
                    Some(PatternMeaning::Format(f)) => (
                        LintKind::BadFormat,
                        format!("{} is not a {f}", short_text(instance)),
                    ),
                    Some(PatternMeaning::NumberString(n)) => (
                        LintKind::WrongType,
                        format!(
                            "string {} where {} declares a {n}",
                            short_text(instance),
                            declared.as_deref().unwrap_or("the schema")
                        ),
                    ),
                    // Our only other patterns are those of flags enums.
                    None => (
                        LintKind::NotEnumMember,
                        format!(
                            "{} is not a comma-separated list of members of {}",
                            short_text(instance),
                            declared.as_deref().unwrap_or("the flags enum type")
                        ),
                    ),
                };
                issues.push(Issue {
                    pointer,
                    kind,
                    message,
                    declared,
                    value: Some(short_value(instance)),
                });
            }
            other => issues.push(Issue {
                pointer,
                kind: LintKind::Other,
                message: format!("{other:?}").chars().take(200).collect(),
                declared: declared(),
                value: Some(short_value(instance)),
            }),
        }
    }

    /// The declared type at a pointer into a value of `target`, following
    /// properties, collections and the `@odata.type` of each object.
    fn declared_at(&self, target: Target, root: &Value, pointer: &str) -> Option<String> {
        let meta = &self.meta;
        // (current type, is a collection, current value)
        let mut cur = target;
        let mut coll = false;
        let mut value = root;
        for seg in pointer.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            if coll {
                value = value.get(seg.parse::<usize>().ok()?)?;
                coll = false;
                continue;
            }
            let Target::Named(i) = cur else { return None };
            let i = effective_type(meta, i, value);
            let (p, t) = meta
                .all_properties(i)
                .into_iter()
                .find(|(p, _)| p.name == seg)?;
            cur = t;
            coll = p.collection;
            value = value.get(&seg)?;
        }
        let name = match cur {
            Target::Primitive(p) => PRIMITIVES[p].to_string(),
            Target::Named(i) => {
                let i = if coll {
                    i
                } else {
                    match meta.types[i] {
                        Declared::Structured(_) => effective_type(meta, i, value),
                        _ => i,
                    }
                };
                meta.qualified[i].clone()
            }
        };
        Some(if coll {
            format!("Collection({name})")
        } else {
            name
        })
    }
}

/// The type an object claims by its `@odata.type` when it is derived from
/// `i`; `i` otherwise.
fn effective_type(meta: &Metadata, i: usize, value: &Value) -> usize {
    value
        .get("@odata.type")
        .and_then(Value::as_str)
        .and_then(|n| meta.lookup_loose(n))
        .filter(|&j| meta.is_a(j, i))
        .unwrap_or(i)
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn expected_types(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value small enough to carry around: objects and arrays are summarized.
fn short_value(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::String(format!("{{object with {} members}}", m.len())),
        Value::Array(a) => Value::String(format!("[array of {}]", a.len())),
        other => other.clone(),
    }
}

pub(super) fn short_text(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        let mut t: String = s.chars().take(77).collect();
        t.push_str("...");
        t
    } else {
        s
    }
}
