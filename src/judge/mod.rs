//! Judging: a documented response against the actual one, into findings.
//!
//! This is the heart of the contract: it decides what "the service behaves as
//! documented" means (design.md §3). It is pure and cheap (no I/O, the actual
//! body is parsed once, the documented one is only borrowed) because it runs
//! once per exchange for thousands of cases.
//!
//! The parts, in the order their findings are reported:
//! - [`status`]: the code, never the reason phrase;
//! - [`headers`]: presence of documented headers, Content-Type as a media type;
//! - [`body`]: the body class (empty, text, JSON) and the JSON shape walk, one
//!   JSON pointer per finding, in document walk order;
//! - [`formats`]: the string formats the walk recognises (date-time, GUID);
//! - [`schema`]: the same shape rules exported as a JSON Schema;
//! - [`plan`]: the documented side compiled once per case; the rules
//!   above are its reference walk ([`judge_reference`]);
//! - [`odata`]: the OData protocol rules the request's query options and
//!   the answer's control information ask for (design.md §10), judged one
//!   page at a time (replay follows the next links), with [`filter`], the
//!   `$filter` evaluator.
//!
//! One rule lives here: when the status codes differ and they are not both
//! success codes (2xx), only the status finding is reported. An error body (a
//! 404's `{"error": ...}`) or a redirect is a different document from the one
//! documented; walking it would bury the one finding that matters under a
//! heap of "missing" ones. Two success codes (a 200 where 201 is documented)
//! still describe the documented resource, so headers and body are judged.

pub mod body;
pub mod filter;
pub mod formats;
pub mod headers;
pub mod light;
pub mod odata;
pub mod plan;
pub mod schema;
pub mod status;

pub use plan::{JudgePlan, Tree};
pub use schema::example_schema;

use crate::model::{Actual, DocResponse, Finding, FindingKind, JudgeOptions, Severity};
use serde_json::Value;

/// Every finding of the rules of design.md §3, in a stable order: status,
/// headers, body (body findings in document walk order).
pub fn judge(expected: &DocResponse, actual: &Actual, opts: &JudgeOptions) -> Vec<Finding> {
    judge_parsed(expected, actual, opts).0
}

/// [`judge`], also handing back the answer's JSON when the judge parsed it
/// (a JSON body documented and a JSON body received). It compiles the
/// documented response each time: a run compiles each one once
/// ([`JudgePlan::compile`]) and judges every exchange with the plan.
pub fn judge_parsed(
    expected: &DocResponse,
    actual: &Actual,
    opts: &JudgeOptions,
) -> (Vec<Finding>, Option<Value>) {
    JudgePlan::compile(expected).judge_parsed(actual, opts)
}

/// The walk the plan replaced, over both documents per exchange: the
/// reference the plan is tested against (`tests/judge.rs`,
/// `tests/judge_plan.rs`). Same contract as [`judge_parsed`].
#[doc(hidden)]
pub fn judge_reference(
    expected: &DocResponse,
    actual: &Actual,
    opts: &JudgeOptions,
) -> (Vec<Finding>, Option<Value>) {
    let mut out = Vec::new();
    let same_status = status::judge_status(expected.status, actual.status, &mut out);
    let both_success = is_success(expected.status) && is_success(actual.status);
    if !same_status && !both_success {
        return (out, None);
    }
    headers::judge_headers(expected, actual, &mut out);
    let body = body::judge_body(expected, actual, opts, &mut out);
    (out, body)
}

fn is_success(code: u16) -> bool {
    (200..300).contains(&code)
}

/// Longest `documented`/`actual` string a finding carries, in characters.
const SHORT: usize = 60;

/// A value cut to [`SHORT`] characters (on a character boundary), with `…`
/// when cut.
pub(crate) fn short(s: &str) -> String {
    match s.char_indices().nth(SHORT) {
        None => s.to_owned(),
        Some((at, _)) => {
            let mut t = String::with_capacity(at + 3);
            t.push_str(&s[..at]);
            t.push('…');
            t
        }
    }
}

/// The JSON type name used in messages: string, number, boolean, object,
/// array, null.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// An OData control annotation (`@odata.context`, `value@odata.nextLink`,
/// `manager@odata.context`): documented ones that are absent are only a
/// warning, since services emit them depending on `odata.metadata`.
pub(crate) fn is_odata_control(name: &str) -> bool {
    name.contains("@odata.")
}

/// Any instance or property annotation (`@odata.*`, `@microsoft.graph.*`,
/// `name@odata.type`). OData clients must be ready for annotations they do
/// not know, so undocumented ones are never reported.
pub(crate) fn is_annotation(name: &str) -> bool {
    name.contains('@')
}

/// A type name as `@odata.type` spells it, without the leading `#`.
pub(crate) fn bare_type(name: &str) -> &str {
    name.trim().trim_start_matches('#')
}

/// Two `@odata.type` names name the same type: case-insensitive, leading `#`
/// optional.
pub(crate) fn same_type(a: &str, b: &str) -> bool {
    bare_type(a).eq_ignore_ascii_case(bare_type(b))
}

/// The `@odata.type` an element carries, when it is an object that has one.
pub(crate) fn odata_type_of(v: &Value) -> Option<&str> {
    v.as_object()?.get("@odata.type")?.as_str()
}

/// True when a body is empty or only whitespace (some servers send a newline
/// for "no content").
pub(crate) fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// Build a finding (the one constructor the submodules use).
pub(crate) fn finding(
    pointer: &str,
    kind: FindingKind,
    severity: Severity,
    message: String,
    documented: Option<String>,
    actual: Option<String>,
) -> Finding {
    Finding {
        pointer: pointer.to_owned(),
        kind,
        severity,
        message,
        documented,
        actual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_cuts_on_char_boundary() {
        assert_eq!(short("abc"), "abc");
        let long = "é".repeat(100);
        let s = short(&long);
        assert_eq!(s.chars().count(), SHORT + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn type_names_compare_loosely() {
        assert!(same_type(
            "#microsoft.graph.onenoteOperation",
            "microsoft.graph.onenoteoperation"
        ));
        assert!(same_type("#Microsoft.Graph.User", "#microsoft.graph.user"));
        assert!(!same_type(
            "#microsoft.graph.user",
            "#microsoft.graph.group"
        ));
    }

    #[test]
    fn annotations() {
        assert!(is_odata_control("@odata.context"));
        assert!(is_odata_control("value@odata.nextLink"));
        assert!(!is_odata_control("@microsoft.graph.downloadUrl"));
        assert!(is_annotation("@microsoft.graph.downloadUrl"));
        assert!(!is_annotation("displayName"));
    }
}
