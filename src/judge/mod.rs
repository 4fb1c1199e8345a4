//! Judging: documented response vs actual response → findings. Pure.

use crate::model::{Actual, DocResponse, Finding, JudgeOptions};

/// Every finding of the rules of design.md §3, in a stable order: status,
/// headers, body.
pub fn judge(expected: &DocResponse, actual: &Actual, opts: &JudgeOptions) -> Vec<Finding> {
    let _ = (expected, actual, opts);
    todo!("judge")
}
