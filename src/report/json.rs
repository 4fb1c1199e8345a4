//! The JSON report: one object per case (id, page, line, verdict, findings,
//! duration, the request line sent) and a summary object, for dashboards and
//! scripts; and, since format 2, everything another report needs to be
//! drawn from it again (`graph-contract report --html` over shards).
//!
//! Decisions, and why:
//! - **A report is enough to redraw every report.** Each case carries the
//!   documented example (`example`), the request as sent (`sent`), the
//!   answer (`actual`), the curl line and the re-run command: `report`
//!   merges `check` runs over parts of the pages, re-runs, or the v1.0 and
//!   beta halves into
//!   one HTML, JUnit or summary with no page and no service at hand. The
//!   first-round fields stay where they were, for the scripts that read
//!   them.
//! - **Read back into the engine's own types** ([`read`]): the merged
//!   reports are drawn by the same renderers as a live run's, so a merged
//!   HTML cannot say something a live one would not.
//! - **Written as judged, scrubbed**: results hold no secret once judged;
//!   the file is written through the redacting writer all the same, and a
//!   secret header's value is `***`, as in the curl line.
//! - **A body that is not UTF-8** is kept as base64 (`body_base64`), so
//!   reading it back gives the bytes the service sent.

use super::{Extra, Totals, View};
use crate::model::{Actual, Case, Finding, IgnoreReason};
use crate::run::{CaseResult, Coverage, Verdict};
use base64::Engine as _;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The format written; [`read`] takes this one only.
pub const FORMAT: u64 = 2;

pub fn render(view: &View<'_>) -> String {
    let cases: Vec<CaseOut<'_>> = view
        .results
        .iter()
        .zip(view.extras)
        .map(|(r, extra)| {
            let case = &view.cases[r.index];
            let (reason, reason_kind) = match &r.verdict {
                Verdict::Ignored(reason) => (Some(reason.to_string()), Some(reason.slug())),
                Verdict::NotImplemented(why) => (Some(why.clone()), Some("not-implemented")),
                _ => (None, None),
            };
            CaseOut {
                id: &case.id,
                page: &case.page,
                line: case.line(),
                method: &case.request.method,
                verdict: r.verdict.word(),
                reason,
                reason_kind,
                findings: &r.findings,
                duration_ms: r.duration.as_secs_f64() * 1000.0,
                request: r.sent.as_ref().map(|s| s.request_line()),
                status: r.actual.as_ref().map(|a| a.status),
                area: extra.area.as_deref(),
                curl: extra.curl.as_deref(),
                rerun: extra.rerun.as_deref(),
                example: case,
                sent: r.sent.as_ref().map(|p| SentOut {
                    method: &p.method,
                    url: p.url.as_str(),
                    headers: shown_headers(&p.headers),
                    body: p.body.as_deref(),
                }),
                actual: r.actual.as_ref().map(actual_out),
            }
        })
        .collect();
    let t = Totals::of(view.results);
    let coverage = view.coverage;
    let doc = ReportOut {
        format: FORMAT,
        target: view.target,
        root: std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default(),
        fixed: view.fixed,
        cases,
        summary: json!({
            "total": view.results.len(),
            "passed": t.passed,
            "failed": t.failed,
            "known_failures": t.known_failures,
            "ignored": t.ignored_total(),
            "ignored_by_reason": t.ignored,
            "not_implemented": t.not_implemented,
            "warnings": t.warnings,
            "enforced": view.enforced,
            "coverage_percent": coverage.percent(),
            "coverage_shortfall": coverage.shortfall(),
        }),
        coverage,
        failures_by_cause: super::causes(view.results)
            .into_iter()
            .map(|(cause, cases)| json!({"cause": cause, "cases": cases}))
            .collect(),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// The report, serialized from borrowed data (no copy of a body).
#[derive(Serialize)]
struct ReportOut<'a> {
    format: u64,
    target: &'a str,
    /// The folder the run ran in: relative page paths are relative to it.
    root: String,
    /// Baseline cases that passed.
    fixed: &'a [String],
    cases: Vec<CaseOut<'a>>,
    summary: Value,
    coverage: &'a Coverage,
    failures_by_cause: Vec<Value>,
}

#[derive(Serialize)]
struct CaseOut<'a> {
    id: &'a str,
    page: &'a str,
    line: usize,
    method: &'a str,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason_kind: Option<&'static str>,
    findings: &'a [Finding],
    duration_ms: f64,
    request: Option<String>,
    status: Option<u16>,
    area: Option<&'a str>,
    curl: Option<&'a str>,
    rerun: Option<&'a str>,
    example: &'a Case,
    sent: Option<SentOut<'a>>,
    actual: Option<ActualOut<'a>>,
}

#[derive(Serialize)]
struct SentOut<'a> {
    method: &'a str,
    url: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    body: Option<&'a str>,
}

#[derive(Serialize)]
struct ActualOut<'a> {
    status: u16,
    headers: Vec<(&'a str, &'a str)>,
    tries: u32,
    /// The HTTP version that answered, when known (`HTTP/2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
}

fn shown_headers(headers: &[crate::model::Header]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str(), super::header_shown(n, v)))
        .collect()
}

fn actual_out(a: &Actual) -> ActualOut<'_> {
    let (body, body_base64) = match std::str::from_utf8(&a.body) {
        Ok(text) => (Some(text), None),
        Err(_) => (
            None,
            Some(base64::engine::general_purpose::STANDARD.encode(&a.body)),
        ),
    };
    ActualOut {
        status: a.status,
        headers: shown_headers(&a.headers),
        tries: a.tries,
        version: a.version,
        body,
        body_base64,
    }
}

/// A JSON report read back: the engine's types, for the renderers.
#[derive(Debug, Default)]
pub struct Loaded {
    pub cases: Vec<Case>,
    /// `results[i].index == i`.
    pub results: Vec<CaseResult>,
    pub extras: Vec<Extra>,
    pub coverage: Coverage,
    pub enforced: Vec<String>,
    pub target: String,
    /// Baseline cases that passed.
    pub fixed: Vec<String>,
    /// The folder the run ran in (page paths are relative to it).
    pub root: String,
}

/// Read a JSON report written by [`render`]; `name` (the file) names it in
/// errors, with the case that could not be read.
pub fn read(name: &str, text: &str) -> Result<Loaded, String> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| format!("{name}: not a JSON report: {e}"))?;
    match doc.get("format").and_then(Value::as_u64) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(format!(
                "{name}: a JSON report of format {other}; this graph-contract reads format {FORMAT}"
            ));
        }
        None if doc.get("cases").is_some() => {
            return Err(format!(
                "{name}: a JSON report from an earlier graph-contract (it holds no examples): \
                 write it again with this version's --json"
            ));
        }
        None => return Err(format!("{name}: not a graph-contract JSON report")),
    }
    let mut out = Loaded {
        target: doc["target"].as_str().unwrap_or_default().to_owned(),
        root: doc["root"].as_str().unwrap_or_default().to_owned(),
        fixed: doc["fixed"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        enforced: doc["summary"]["enforced"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        coverage: serde_json::from_value(doc["coverage"].clone())
            .map_err(|e| format!("{name}: coverage: {e}"))?,
        ..Loaded::default()
    };
    let cases = doc["cases"]
        .as_array()
        .ok_or_else(|| format!("{name}: no `cases` array"))?;
    for (i, c) in cases.iter().enumerate() {
        let what = || {
            format!(
                "{name}: case {} ({})",
                i + 1,
                c["id"].as_str().unwrap_or("no id")
            )
        };
        let (case, result, extra) = read_case(c, i).map_err(|e| format!("{}: {e}", what()))?;
        out.cases.push(case);
        out.results.push(result);
        out.extras.push(extra);
    }
    Ok(out)
}

fn read_case(c: &Value, index: usize) -> Result<(Case, CaseResult, Extra), String> {
    let case: Case =
        serde_json::from_value(c["example"].clone()).map_err(|e| format!("example: {e}"))?;
    let text = |key: &str| c[key].as_str().map(str::to_owned);
    let reason = text("reason").unwrap_or_default();
    let verdict = match c["verdict"].as_str() {
        Some("pass") => Verdict::Pass,
        Some("fail") => Verdict::Fail,
        Some("known-failure") => Verdict::KnownFailure,
        Some("not-implemented") => Verdict::NotImplemented(reason),
        Some("ignored") => {
            let slug = text("reason_kind").unwrap_or_default();
            if !IgnoreReason::KINDS.iter().any(|(s, _)| *s == slug) {
                return Err(format!("unknown reason_kind {slug:?}"));
            }
            Verdict::Ignored(IgnoreReason::Recorded { slug, text: reason })
        }
        other => return Err(format!("unknown verdict {other:?}")),
    };
    let findings: Vec<Finding> =
        serde_json::from_value(c["findings"].clone()).map_err(|e| format!("findings: {e}"))?;
    let sent = match &c["sent"] {
        Value::Null => None,
        s => Some(Arc::new(crate::target::Prepared {
            method: s["method"].as_str().unwrap_or_default().to_owned(),
            url: s["url"]
                .as_str()
                .and_then(|u| url::Url::parse(u).ok())
                .ok_or("sent: no URL")?,
            headers: headers(&s["headers"]).map_err(|e| format!("sent: {e}"))?,
            body: s["body"].as_str().map(str::to_owned),
            head: Default::default(),
        })),
    };
    let actual = match &c["actual"] {
        Value::Null => None,
        a => Some(Actual {
            status: a["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .ok_or("actual: no status")?,
            headers: headers(&a["headers"]).map_err(|e| format!("actual: {e}"))?,
            body: match (&a["body"], &a["body_base64"]) {
                (Value::String(t), _) => t.clone().into_bytes(),
                (_, Value::String(b)) => base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|e| format!("actual: body_base64: {e}"))?,
                _ => Vec::new(),
            },
            tries: a["tries"].as_u64().unwrap_or(0) as u32,
            version: a["version"]
                .as_str()
                .and_then(crate::target::tls::known_version),
        }),
    };
    let duration = c["duration_ms"]
        .as_f64()
        .filter(|ms| ms.is_finite() && *ms >= 0.0 && *ms < 1e12)
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .unwrap_or_default();
    let result = CaseResult {
        index,
        verdict,
        findings,
        duration,
        sent,
        actual,
    };
    let extra = Extra {
        curl: text("curl"),
        rerun: text("rerun"),
        area: text("area"),
    };
    Ok((case, result, extra))
}

fn headers(v: &Value) -> Result<Vec<crate::model::Header>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        v => serde_json::from_value(v.clone()).map_err(|e| format!("headers: {e}")),
    }
}
