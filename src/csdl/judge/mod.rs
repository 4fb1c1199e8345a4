//! Judging JSON bodies with the `$metadata` schemas: [`SchemaJudge`] compiles
//! one validator per type on first use (cached, shared between threads) and
//! turns validation errors into [`Finding`]s of kind `Schema`;
//! [`lint_example`] sorts the disagreements of a documented example, telling
//! the placeholders the docs write on purpose (`"String"`, `"a | b"`) from
//! real drift.
//!
//! One judge, three steps, a file each:
//! - this file: the vocabulary ([`LintKind`], the internal `Issue`) and
//!   [`SchemaJudge`]'s public face, with the cache of its one validator;
//! - `compile.rs`: the metadata's schema document compiled into that
//!   validator, with the `@odata.type` keywords it needs;
//! - `issues.rs`: a body validated, and each validation error turned into
//!   an `Issue` that names the pointer, the declared type and the value;
//! - `lint.rs`: the docs-vs-metadata lint, which sorts the same issues of a
//!   documented example into placeholders and drift.
//!
//! Decisions, and why:
//! - **Split where the readers differ.** Whoever changes the judge's
//!   verdicts reads `issues.rs`; whoever tunes compile time or the custom
//!   keywords reads `compile.rs`; whoever teaches the lint a new placeholder
//!   reads `lint.rs`. Each is read without the others' detail.
//! - **One `Issue` for both uses.** [`SchemaJudge::validate`] (findings of a
//!   response) and [`lint_example`] (lints of a documented example) share
//!   the same issue list, so the judge and the lint can never disagree on
//!   what is wrong; only how it is reported differs. `Issue` and the
//!   validator cache live here, where both uses can reach them.

mod compile;
mod issues;
mod lint;

use std::sync::{Arc, OnceLock};

use jsonschema::Validator;
use serde::Serialize;
use serde_json::Value;

use super::{Declared, Metadata};
use crate::model::{Finding, FindingKind, Severity};

pub use lint::{SchemaLint, lint_example};

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
            .get_or_init(|| compile::compile(&self.meta))
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
}

fn to_finding(issue: Issue) -> Finding {
    Finding {
        pointer: issue.pointer,
        kind: FindingKind::Schema,
        severity: issue.kind.severity(),
        message: format!("{}: {}", issue.kind, issue.message),
        documented: issue.declared,
        actual: issue.value.as_ref().map(issues::short_text),
    }
}
