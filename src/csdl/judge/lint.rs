//! Docs vs metadata: the disagreements of a documented example with the
//! declared types, sorted into placeholders the docs write on purpose
//! (`"String"`, `"Int32"`, `"a | b"`, `"<id>"`) and real drift.
//!
//! Decisions, and why:
//! - **The judge's issues, relabelled.** [`lint_example`] takes the same
//!   issues as [`SchemaJudge::validate`](super::SchemaJudge::validate) and
//!   only renames those whose value is a placeholder: what the lint calls
//!   drift is exactly what the judge would fail.
//! - **Only where a placeholder can stand.** A wrong type, a non-member of
//!   an enum or a bad format may be a placeholder; an undeclared property or
//!   a wrong `@odata.type` never is.
//! - **Words, not patterns.** The placeholder words are a list read in the
//!   corpus (`PLACEHOLDER_WORDS`), plus the declared type's own name: a
//!   new word is one line, and a real value is never taken for one by a
//!   too-wide pattern.

use serde::Serialize;
use serde_json::Value;

use super::issues::short_text;
use super::{LintKind, SchemaJudge};

/// One disagreement of a documented example with the metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaLint {
    /// JSON pointer into the example body.
    pub pointer: String,
    pub kind: LintKind,
    pub message: String,
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
