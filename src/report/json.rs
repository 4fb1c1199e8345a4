//! The JSON report: one object per case (id, page, line, verdict, findings,
//! duration, the request line sent) and a summary object, for dashboards and
//! scripts.

use super::Totals;
use crate::model::Case;
use crate::run::{CaseResult, Verdict};
use serde_json::{Value, json};

pub fn render(
    cases: &[Case],
    results: &[CaseResult],
    enforced: &[&str],
    coverage: &crate::run::Coverage,
) -> String {
    let items: Vec<Value> = results
        .iter()
        .map(|r| {
            let case = &cases[r.index];
            let mut o = json!({
                "id": case.id,
                "page": case.page,
                "line": case.line(),
                "method": case.request.method,
                "verdict": r.verdict.word(),
                "findings": r.findings,
                "duration_ms": r.duration.as_secs_f64() * 1000.0,
                "request": r.sent.as_ref().map(|s| s.request_line()),
                "status": r.actual.as_ref().map(|a| a.status),
            });
            match &r.verdict {
                Verdict::Ignored(reason) => {
                    o["reason"] = json!(reason.to_string());
                    o["reason_kind"] = json!(reason.slug());
                }
                Verdict::NotImplemented(why) => {
                    o["reason"] = json!(why);
                    o["reason_kind"] = json!("not-implemented");
                }
                _ => {}
            }
            o
        })
        .collect();
    let t = Totals::of(results);
    let doc = json!({
        "cases": items,
        "summary": {
            "total": results.len(),
            "passed": t.passed,
            "failed": t.failed,
            "known_failures": t.known_failures,
            "ignored": t.ignored_total(),
            "ignored_by_reason": t.ignored,
            "not_implemented": t.not_implemented,
            "warnings": t.warnings,
            "enforced": enforced,
            "coverage_percent": coverage.percent(),
            "coverage_shortfall": coverage.shortfall(),
        },
        "coverage": coverage,
        "failures_by_cause": super::causes(results)
            .into_iter()
            .map(|(cause, cases)| json!({"cause": cause, "cases": cases}))
            .collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
