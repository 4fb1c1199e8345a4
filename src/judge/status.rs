//! The status rule: the code must equal the documented one. The reason phrase
//! is never compared: docs carry odd ones (`202 Accpted`), HTTP/2 has none,
//! and ApiDoctor's habit of comparing it is a known source of false failures.

use super::finding;
use crate::model::{Finding, FindingKind, Severity};

/// Push a Status error when the codes differ; true when they are equal.
pub(crate) fn judge_status(documented: u16, actual: u16, out: &mut Vec<Finding>) -> bool {
    if documented == actual {
        return true;
    }
    out.push(finding(
        "",
        FindingKind::Status,
        Severity::Error,
        format!("status {actual}, documented {documented}"),
        Some(documented.to_string()),
        Some(actual.to_string()),
    ));
    false
}
