//! The HTML report: one self-contained file a person opens from disk to
//! triage a run: totals and coverage at the top, failures first, filters
//! and search whose state lives in the link, and per case the request as
//! sent, the curl line, the re-run command, the findings and documented vs
//! actual side by side with the findings' pointers highlighted.
//!
//! Decisions, and why:
//! - **Data, then one script.** Rust writes the run as one JSON payload
//!   (`<script type="application/json">`); the page's script
//!   (`html/app.js`, with `html/app.css`, both compiled in) draws it. Case
//!   details are drawn when opened: 7,535 cases stay a fast page.
//! - **Nothing leaves the file.** No CDN, font or remote script; a
//!   Content-Security-Policy (`default-src 'none'`) makes the browser
//!   refuse any request the page (or a hostile body in it) might try.
//! - **Hostile text stays text.** Everything in the payload comes from
//!   pages and from the service: `<`, `>` and `&` are written as JSON
//!   escapes, so nothing can close the data block; the script inserts text
//!   as text and shows control and bidi characters as escapes, as the
//!   terminal does.
//! - **Redacted twice.** The payload is redacted before its `<` and `&`
//!   are escaped (a secret holding them would not be found after), and the
//!   file is written through the redacting writer like every output.
//! - **Bodies are capped** at [`BODY_CAP`] bytes each in the page (the
//!   JSON report keeps them whole): one 16 MiB answer must not make the
//!   file unopenable. An actual body equal to the documented one is not
//!   written twice (`"same": true`).

use super::{View, visible};
use crate::model::{Case, DocBody, Severity};
use crate::redact::Redactor;
use crate::run::{CaseResult, Verdict};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::Path;

/// The largest body written into the page, per side.
pub const BODY_CAP: usize = 256 * 1024;

const CSS: &str = include_str!("html/app.css");
const JS: &str = include_str!("html/app.js");

/// The whole page for this view; `path` is where it will be written (page
/// links are made relative to it).
pub fn render(view: &View<'_>, path: &Path, redactor: &Redactor) -> String {
    let payload = payload(view, path, redactor);
    let data = serde_json::to_string(&payload).unwrap_or_default();
    let data = redactor.apply_str(&data);
    let title = redactor.apply_str(&payload.title).into_owned();
    let mut out = String::with_capacity(data.len() + CSS.len() + JS.len() + 1024);
    out.push_str(concat!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\n",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ",
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<meta name=\"generator\" content=\"graph-contract\">\n<title>"
    ));
    out.push_str(&escape_text(&title));
    out.push_str("</title>\n<style>\n");
    out.push_str(CSS);
    out.push_str("</style></head>\n<body>\n<noscript>This report draws itself with JavaScript; the JSON report holds the same data.</noscript>\n<div id=\"app\"></div>\n<script id=\"gc-data\" type=\"application/json\">");
    out.push_str(&escape_script_json(&data));
    out.push_str("</script>\n<script>\n");
    out.push_str(JS);
    out.push_str("</script>\n</body></html>\n");
    out
}

/// Text for an HTML element.
fn escape_text(text: &str) -> String {
    visible(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// JSON text that may sit inside `<script>`: `<`, `>` and `&` (only ever
/// inside JSON strings) written as `\u` escapes, and the two line
/// separators JavaScript once read as line ends.
fn escape_script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 50);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The word the page files a case under.
fn verdict(r: &CaseResult) -> &'static str {
    match &r.verdict {
        Verdict::Pass if r.warnings().next().is_some() => "warn",
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::KnownFailure => "known",
        Verdict::Ignored(_) => "ignored",
        Verdict::NotImplemented(_) => "ni",
    }
}

/// The payload the page's script draws (its format is `v`), borrowed from
/// the run: serialized once, no body copied.
#[derive(Serialize)]
pub struct Payload<'a> {
    v: u32,
    pub title: String,
    generated: String,
    target: &'a str,
    sources: &'a [String],
    enforced: &'a [String],
    totals: Value,
    coverage: Value,
    causes: Vec<(String, usize)>,
    cases: Vec<CasePayload<'a>>,
}

#[derive(Serialize)]
struct CasePayload<'a> {
    id: &'a str,
    page: &'a str,
    href: String,
    line: usize,
    method: &'a str,
    url: &'a str,
    area: Option<&'a str>,
    verdict: &'static str,
    status: Option<u16>,
    doc_status: Option<u16>,
    reason: Option<String>,
    ms: f64,
    findings: Vec<FindingPayload<'a>>,
    causes: Vec<String>,
    sent: Option<String>,
    curl: Option<&'a str>,
    rerun: Option<&'a str>,
    doc: Option<Side<'a>>,
    actual: Option<Side<'a>>,
}

#[derive(Serialize)]
struct FindingPayload<'a> {
    pointer: &'a str,
    kind: crate::model::FindingKind,
    severity: &'static str,
    message: &'a str,
    documented: Option<&'a str>,
    actual: Option<&'a str>,
}

/// One response, documented or actual.
#[derive(Serialize)]
struct Side<'a> {
    status: u16,
    headers: Vec<(&'a str, &'a str)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    json: Option<JsonBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    same: bool,
}

/// A JSON body: borrowed from the page, or parsed from the answer.
#[derive(Serialize)]
#[serde(untagged)]
enum JsonBody<'a> {
    Doc(&'a Value),
    Answer(Value),
}

pub fn payload<'a>(view: &View<'a>, path: &Path, redactor: &Redactor) -> Payload<'a> {
    let t = super::Totals::of(view.results);
    let base = report_dir(path);
    let cases = view
        .results
        .iter()
        .zip(view.extras)
        .map(|(r, extra)| case_payload(&view.cases[r.index], r, extra, base.as_deref(), redactor))
        .collect();
    let c = view.coverage;
    let title = if t.failed > 0 {
        format!(
            "graph-contract: {} failed, {} passed",
            super::thousands(t.failed),
            super::thousands(t.passed)
        )
    } else {
        format!("graph-contract: {} passed", super::thousands(t.passed))
    };
    Payload {
        v: 1,
        title,
        generated: now_rfc3339(),
        target: view.target,
        sources: view.sources,
        enforced: view.enforced,
        totals: json!({
            "total": view.results.len(),
            "passed": t.passed,
            "failed": t.failed,
            "known": t.known_failures,
            "warnings": t.warnings,
            "ignored": t.ignored_total(),
            "not_implemented": t.not_implemented,
        }),
        coverage: json!({
            "with_metadata": c.with_metadata,
            "percent": c.percent(),
            "shortfall": c.shortfall(),
            "total": c.total,
            "areas": c.areas,
        }),
        causes: super::causes(view.results),
        cases,
    }
}

fn shown(headers: &[crate::model::Header]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str(), super::header_shown(n, v)))
        .collect()
}

fn case_payload<'a>(
    case: &'a Case,
    r: &'a CaseResult,
    extra: &'a super::Extra,
    base: Option<&Path>,
    redactor: &Redactor,
) -> CasePayload<'a> {
    let reason = match &r.verdict {
        Verdict::Ignored(reason) => Some(reason.to_string()),
        Verdict::NotImplemented(why) => Some(format!("not implemented: {why}")),
        _ => None,
    };
    let findings = r
        .findings
        .iter()
        .map(|f| FindingPayload {
            pointer: &f.pointer,
            kind: f.kind,
            severity: match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            },
            message: &f.message,
            documented: f.documented.as_deref(),
            actual: f.actual.as_deref(),
        })
        .collect();
    let causes = if matches!(r.verdict, Verdict::Fail | Verdict::KnownFailure) {
        super::case_causes(r)
    } else {
        Vec::new()
    };
    let doc = case.response.as_ref().map(|d| {
        let (json, text) = match &d.body {
            DocBody::Json(v) => capped_json(JsonBody::Doc(v)),
            DocBody::Text(t) => (None, Some(capped_text(t.as_bytes()))),
            DocBody::Empty => (None, None),
        };
        Side {
            status: d.status,
            headers: shown(&d.headers),
            truncated: Some(d.truncated),
            json,
            text,
            same: false,
        }
    });
    let actual = r.actual.as_ref().map(|a| {
        let mut side = Side {
            status: a.status,
            headers: shown(&a.headers),
            truncated: None,
            json: None,
            text: None,
            same: false,
        };
        if !a.body.is_empty() {
            match serde_json::from_slice::<Value>(&a.body) {
                Ok(v) if case.response.as_ref().and_then(|d| d.body.json()) == Some(&v) => {
                    side.same = true
                }
                Ok(v) => (side.json, side.text) = capped_json(JsonBody::Answer(v)),
                Err(_) => side.text = Some(capped_text(&a.body)),
            }
        }
        side
    });
    let sent = r.sent.as_ref().map(|p| {
        let mut text = p.request_line();
        text.push('\n');
        for (n, v) in &p.headers {
            text.push_str(&format!("{n}: {}\n", super::header_shown(n, v)));
        }
        if let Some(b) = &p.body {
            // Redacted whole before it is cut: a cut through a secret
            // would leave its beginning for the redactor to miss.
            let b = redactor.apply_str(b);
            text.push('\n');
            text.push_str(cap(&b));
            if b.len() > BODY_CAP {
                text.push_str(&format!("\n… {} more bytes", b.len() - cap(&b).len()));
            }
        }
        text
    });
    CasePayload {
        id: &case.id,
        page: &case.page,
        href: page_href(&case.page, base),
        line: case.line(),
        method: &case.request.method,
        url: &case.request.url,
        area: extra.area.as_deref(),
        verdict: verdict(r),
        status: r.actual.as_ref().map(|a| a.status),
        doc_status: case.response.as_ref().map(|d| d.status),
        reason,
        ms: (r.duration.as_secs_f64() * 1e4).round() / 10.0,
        findings,
        causes,
        sent,
        curl: extra.curl.as_deref(),
        rerun: extra.rerun.as_deref(),
        doc,
        actual,
    }
}

fn cap(text: &str) -> &str {
    if text.len() <= BODY_CAP {
        return text;
    }
    let mut end = BODY_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A JSON body as it is, or as text cut at [`BODY_CAP`] when it is bigger.
fn capped_json(v: JsonBody<'_>) -> (Option<JsonBody<'_>>, Option<String>) {
    let value = match &v {
        JsonBody::Doc(v) => *v,
        JsonBody::Answer(v) => v,
    };
    // Compact size without writing it: a serializer into a counter.
    let mut size = Counter(0);
    let _ = serde_json::to_writer(&mut size, value);
    if size.0 <= BODY_CAP {
        (Some(v), None)
    } else {
        let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
        (None, Some(capped_text(pretty.as_bytes())))
    }
}

/// Counts the bytes written to it.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A text body, cut at [`BODY_CAP`] with a note of what was left out.
fn capped_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let shown = cap(&text);
    if shown.len() < text.len() {
        format!(
            "{shown}\n… {} more bytes (the JSON report holds the whole body)",
            text.len() - shown.len()
        )
    } else {
        text.into_owned()
    }
}

/// The folder the report is written in, absolute.
fn report_dir(path: &Path) -> Option<std::path::PathBuf> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::path::PathBuf::from("."),
    };
    std::path::absolute(dir).ok()
}

/// A link to the page file: relative to the report when both are on one
/// tree, an absolute `file:` URL otherwise.
fn page_href(page: &str, base: Option<&Path>) -> String {
    let Ok(abs) = std::path::absolute(page) else {
        return encode_path(page);
    };
    let abs = normalize(&abs);
    if let Some(base) = base.map(normalize)
        && let Some(rel) = relative(&abs, &base)
    {
        return encode_path(&rel);
    }
    match url::Url::from_file_path(&abs) {
        Ok(u) => u.to_string(),
        Err(()) => encode_path(page),
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize(p: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// `to` relative to the folder `from` (both absolute, normalized).
fn relative(to: &Path, from: &Path) -> Option<String> {
    let to: Vec<_> = to.components().collect();
    let from: Vec<_> = from.components().collect();
    if to.first() != from.first() {
        return None;
    }
    let common = to.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(parts.join("/"))
}

/// A path as a relative URL: each segment percent-encoded.
fn encode_path(p: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    p.split('/')
        .map(|s| percent_encoding::utf8_percent_encode(s, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// Now, as `2026-12-02T05:10:00Z`.
pub(crate) fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script() {
        // (payload text, must not appear in the page's data block)
        let rows = [
            ("\"</script><script>alert(1)</script>\"", "</script"),
            ("\"<!-- \"", "<!--"),
            ("\"a & b\"", "&"),
            ("\"\u{2028}\"", "\u{2028}"),
        ];
        for (text, absent) in rows {
            let out = escape_script_json(text);
            assert!(!out.contains(absent), "{text:?} → {out}");
            let back: Value = serde_json::from_str(&out).unwrap();
            assert_eq!(back, serde_json::from_str::<Value>(text).unwrap());
        }
    }

    #[test]
    fn page_links_are_relative_to_the_report() {
        // (page, report folder, link)
        let rows = [
            ("/a/docs/user-get.md", "/a/out", "../docs/user-get.md"),
            ("/a/docs/user get.md", "/a", "docs/user%20get.md"),
            ("/a/b/c.md", "/a/b", "c.md"),
            ("/a/x/../b/c.md", "/a/./b", "c.md"),
        ];
        for (page, base, want) in rows {
            assert_eq!(
                page_href(page, Some(Path::new(base))),
                want,
                "{page} from {base}"
            );
        }
    }

    #[test]
    fn days_become_dates() {
        let rows = [
            (0, (1970, 1, 1)),
            (19_723, (2024, 1, 1)),
            (20_424, (2025, 12, 2)),
            (11_016, (2000, 2, 29)),
        ];
        for (days, want) in rows {
            assert_eq!(civil_from_days(days), want, "{days}");
        }
    }

    #[test]
    fn big_bodies_are_cut_on_a_character() {
        let body = "é".repeat(BODY_CAP);
        let text = capped_text(body.as_bytes());
        assert!(text.len() < BODY_CAP + 100, "{}", text.len());
        assert!(text.ends_with("more bytes (the JSON report holds the whole body)"));
    }
}
