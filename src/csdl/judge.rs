//! Judging JSON bodies with the `$metadata` schemas: [`SchemaJudge`] compiles
//! one validator per type on first use (cached, shared between threads) and
//! turns validation errors into [`Finding`]s of kind `Schema`;
//! [`lint_example`] sorts the disagreements of a documented example, telling
//! the placeholders the docs write on purpose (`"String"`, `"a | b"`) from
//! real drift.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Keyword, ValidationError, Validator};
use serde::Serialize;
use serde_json::Value;

use super::schema::{self, Flavor, PatternMeaning};
use super::{Declared, Metadata, PRIMITIVES, Target};
use crate::model::{Finding, FindingKind, Severity};

/// What kind of disagreement between a value and the metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LintKind {
    /// A placeholder written on purpose (`"String"`, `"Int32"`, `"a | b"`).
    Placeholder,
    /// Another JSON type than declared.
    WrongType,
    /// A string that is not a member of the declared enum type.
    NotEnumMember,
    /// `null` where the property is not nullable.
    NullNotNullable,
    /// A string that does not read as the declared format (date-time, guid...).
    BadFormat,
    /// A number outside the range of the declared integer type (an Int32
    /// of 3000000000).
    OutOfRange,
    /// A property the (closed) type does not declare.
    UndeclaredProperty,
    /// The payload's `@odata.type` names an unknown type, or one that is not
    /// the expected type or derived from it.
    OdataType,
    /// Any other schema disagreement.
    Other,
}

impl LintKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LintKind::Placeholder => "placeholder",
            LintKind::WrongType => "wrong-type",
            LintKind::NotEnumMember => "not-enum-member",
            LintKind::NullNotNullable => "null-not-nullable",
            LintKind::BadFormat => "bad-format",
            LintKind::OutOfRange => "out-of-range",
            LintKind::UndeclaredProperty => "undeclared-property",
            LintKind::OdataType => "odata-type",
            LintKind::Other => "schema",
        }
    }
    fn severity(self) -> Severity {
        match self {
            LintKind::UndeclaredProperty | LintKind::OdataType => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl std::fmt::Display for LintKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One disagreement of a documented example with the metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaLint {
    /// JSON pointer into the example body.
    pub pointer: String,
    pub kind: LintKind,
    pub message: String,
}

/// One disagreement, before it becomes a finding or a lint.
#[derive(Debug, Clone)]
struct Issue {
    pointer: String,
    kind: LintKind,
    message: String,
    /// The declared type at the pointer, when known.
    declared: Option<String>,
    /// The offending value (absent for undeclared properties).
    value: Option<Value>,
}

/// Validates JSON values against the metadata's types. `Send + Sync`: share
/// one (in an `Arc`) between threads.
///
/// All types are compiled together, once, on first use (or by
/// [`compile_all`](Self::compile_all)): one validator over the metadata's
/// whole schema document, whose `properties` hold an entry per type. A value
/// of type `T` is validated as `{"T": value}`. Compiling the types one by one
/// compiles the types they share over and over (every entity type needs
/// `microsoft.graph.entity`'s derived types): 2.2 s for the Graph metadata,
/// against about 0.2 s for the whole document.
pub struct SchemaJudge {
    meta: Arc<Metadata>,
    root: OnceLock<Result<Validator, String>>,
}

impl std::fmt::Debug for SchemaJudge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaJudge")
            .field("compiled", &self.root.get().is_some())
            .finish()
    }
}

/// The `x-odata-type-is-a` and `x-odata-type-derived-from` keywords: a
/// string naming a type (as [`Metadata::lookup`] reads it) that is `ty` or
/// derived from it. Asks the metadata: constant size whatever the hierarchy
/// (a list of the derived types at every level is quadratic in its depth).
struct OdataIsA {
    meta: Arc<Metadata>,
    ty: usize,
    /// `ty` itself does not match.
    strictly: bool,
}

impl OdataIsA {
    fn matches(&self, s: &str) -> bool {
        self.meta
            .lookup(s)
            .is_some_and(|j| (j != self.ty || !self.strictly) && self.meta.is_a(j, self.ty))
    }
}

impl<'i> Keyword<'i> for OdataIsA {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            Err(ValidationError::custom("@odata.type names another type"))
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        instance.as_str().is_none_or(|s| self.matches(s))
    }
}

/// What a keyword factory gives.
type KeywordResult<'a> = Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>>;

/// The factory of an [`OdataIsA`] keyword: its value is a qualified name.
fn odata_is_a(
    meta: Arc<Metadata>,
    strictly: bool,
) -> impl for<'a> Fn(
    &'a serde_json::Map<String, Value>,
    &'a Value,
    jsonschema::paths::Location,
) -> KeywordResult<'a>
+ Send
+ Sync
+ 'static {
    move |_, value, _| {
        let Some(ty) = value.as_str().and_then(|name| meta.lookup(name)) else {
            return Err(ValidationError::custom(format!("no type {value}")));
        };
        Ok(Box::new(OdataIsA {
            meta: meta.clone(),
            ty,
            strictly,
        }))
    }
}

fn compile(meta: &Arc<Metadata>) -> Result<Validator, String> {
    let document = schema::document(meta, Flavor::Compiled);
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(false)
        .with_keyword(schema::IS_A_KEYWORD, odata_is_a(meta.clone(), false))
        .with_keyword(schema::DERIVED_FROM_KEYWORD, odata_is_a(meta.clone(), true))
        .build(&document)
        .map_err(|e| e.to_string())
}

impl SchemaJudge {
    pub fn new(meta: Arc<Metadata>) -> Self {
        SchemaJudge {
            meta,
            root: OnceLock::new(),
        }
    }

    pub fn metadata(&self) -> &Arc<Metadata> {
        &self.meta
    }

    fn root(&self) -> Result<&Validator, &str> {
        self.root
            .get_or_init(|| compile(&self.meta))
            .as_ref()
            .map_err(String::as_str)
    }

    /// Compile the validators of every type now rather than on first use;
    /// returns how many entity and complex types they cover.
    pub fn compile_all(&self) -> Result<usize, String> {
        self.root().map_err(str::to_string)?;
        Ok(self
            .meta
            .types
            .iter()
            .filter(|t| matches!(t, Declared::Structured(_)))
            .count())
    }

    /// Whether the validators are compiled.
    pub fn is_compiled(&self) -> bool {
        self.root.get().is_some_and(|r| r.is_ok())
    }

    /// Validate a response body against the annotated type (a `@odata.type`
    /// from a doc annotation, possibly `Collection(...)`), or a `value`
    /// collection of it; the payload's own `@odata.type` picks a derived
    /// type. `None` when the type does not resolve.
    pub fn validate(&self, annotated_type: &str, body: &Value) -> Option<Vec<Finding>> {
        let issues = self.issues(annotated_type, body)?;
        Some(issues.into_iter().map(to_finding).collect())
    }

    fn issues(&self, annotated_type: &str, body: &Value) -> Option<Vec<Issue>> {
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
                    PRIMITIVES[super::primitive_index(&t.underlying).expect("checked")].to_string()
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

fn to_finding(issue: Issue) -> Finding {
    Finding {
        pointer: issue.pointer,
        kind: FindingKind::Schema,
        severity: issue.kind.severity(),
        message: format!("{}: {}", issue.kind, issue.message),
        documented: issue.declared,
        actual: issue.value.as_ref().map(short_text),
    }
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

fn short_text(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        let mut t: String = s.chars().take(77).collect();
        t.push_str("...");
        t
    } else {
        s
    }
}

/// Type-like words the docs write where a value should be.
const PLACEHOLDER_WORDS: &[&str] = &[
    "string",
    "str",
    "int",
    "integer",
    "int16",
    "int32",
    "int64",
    "long",
    "number",
    "double",
    "single",
    "float",
    "decimal",
    "byte",
    "sbyte",
    "boolean",
    "bool",
    "datetime",
    "datetimeoffset",
    "date",
    "timeofday",
    "time",
    "timestamp",
    "duration",
    "timespan",
    "guid",
    "uuid",
    "binary",
    "base64",
    "stream",
    "url",
    "uri",
    "email",
    "id",
    "identifier",
    "value",
    "enum",
    "object",
    "collection",
    "true | false",
];

/// Whether a documented string is a placeholder for a value rather than a
/// value: a type word (`"String"`, `"Edm.Int32"`, `"String (identifier)"`),
/// an alternative (`"a | b | c"`), the declared type's own name, or a
/// bracketed hole (`"<string>"`, `"{id}"`).
pub(crate) fn is_placeholder(s: &str, declared: Option<&str>) -> bool {
    let t = s.trim();
    if t.is_empty() {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if t.contains('|') {
        return lower
            .split('|')
            .all(|p| !p.trim().is_empty() && p.trim().len() < 60);
    }
    if (t.starts_with('<') && t.ends_with('>')) || (t.starts_with('{') && t.ends_with('}')) {
        return true;
    }
    // Generated docs write `"status-value"`, `"Resource Id value"` and
    // `"@odata.type: microsoft.graph.alertFeedback"` for a value of the type.
    if lower.ends_with("-value") || lower.ends_with(" value") || lower.starts_with("@odata.type:") {
        return true;
    }
    let head = match lower.find('(') {
        Some(k) if lower.ends_with(')') => lower[..k].trim(),
        _ => lower.as_str(),
    };
    let head = head
        .trim_start_matches('#')
        .trim_start_matches("edm.")
        .trim_start_matches("microsoft.graph.")
        .trim_start_matches("graph.");
    if PLACEHOLDER_WORDS.contains(&head) {
        return true;
    }
    if let Some(d) = declared {
        let d = d.to_ascii_lowercase();
        let d = d
            .strip_prefix("collection(")
            .and_then(|x| x.strip_suffix(')'))
            .unwrap_or(&d);
        let simple = d.rsplit('.').next().unwrap_or(d);
        if head == d || head == simple {
            return true;
        }
    }
    false
}

/// Docs vs metadata: classify each disagreement of a documented example.
/// Placeholders written on purpose are reported as
/// [`LintKind::Placeholder`] so that real drift stands out. `None` when the
/// type does not resolve.
pub fn lint_example(
    judge: &SchemaJudge,
    annotated_type: &str,
    body: &Value,
) -> Option<Vec<SchemaLint>> {
    let issues = judge.issues(annotated_type, body)?;
    Some(
        issues
            .into_iter()
            .map(|i| {
                let placeholder = matches!(
                    i.kind,
                    LintKind::WrongType | LintKind::NotEnumMember | LintKind::BadFormat
                ) && matches!(&i.value, Some(Value::String(s)) if is_placeholder(s, i.declared.as_deref()));
                if placeholder {
                    SchemaLint {
                        pointer: i.pointer,
                        kind: LintKind::Placeholder,
                        message: format!(
                            "placeholder {} where {} is declared",
                            i.value.as_ref().map(short_text).unwrap_or_default(),
                            i.declared.as_deref().unwrap_or("a value")
                        ),
                    }
                } else {
                    SchemaLint {
                        pointer: i.pointer,
                        kind: i.kind,
                        message: i.message,
                    }
                }
            })
            .collect(),
    )
}
