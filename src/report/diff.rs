//! The documented-vs-actual diff shown under a failure: status line,
//! Content-Type and body, JSON pretty-printed on both sides so the diff is by
//! value, never by whitespace. Long bodies are folded around the differences
//! (unified diff with context): the whole bodies are compared, so a change on
//! line 450 of a 500-line body shows as a few lines; only the diff itself is
//! capped. A Content-Type the judge accepts (same media type, the
//! documented parameters present) is shown as documented on both sides: the
//! parameters only the answer adds (`odata.metadata=minimal`, `charset`) are
//! not part of the contract and would otherwise stand in every diff.

use crate::model::{Actual, DocBody, DocResponse};
use owo_colors::OwoColorize;
use similar::TextDiff;

/// Lines of context kept around each difference.
const CONTEXT: usize = 3;
/// Diffs longer than this (in lines) are cut, saying how much was left out.
const MAX_DIFF_LINES: usize = 200;
/// Time given to the diff algorithm before it settles for a coarser diff.
const DIFF_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

fn documented_text(doc: &DocResponse) -> String {
    let mut out = format!("HTTP {}\n", doc.status);
    if let Some(ct) = doc.header("content-type") {
        out.push_str(&format!("Content-Type: {ct}\n"));
    }
    out.push('\n');
    match &doc.body {
        DocBody::Empty => {}
        DocBody::Json(v) => out.push_str(&serde_json::to_string_pretty(v).unwrap_or_default()),
        DocBody::Text(t) => out.push_str(t),
    }
    end_line(out)
}

fn actual_text(doc: &DocResponse, actual: &Actual) -> String {
    let mut out = format!("HTTP {}\n", actual.status);
    if let Some(ct) = actual.header("content-type") {
        let shown = match doc.header("content-type") {
            Some(d) if crate::judge::headers::media_type_matches(d, ct) => d,
            _ => ct,
        };
        out.push_str(&format!("Content-Type: {shown}\n"));
    }
    out.push('\n');
    match serde_json::from_slice::<serde_json::Value>(&actual.body) {
        Ok(v) if !actual.body.is_empty() => {
            out.push_str(&serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        _ => out.push_str(&String::from_utf8_lossy(&actual.body)),
    }
    end_line(out)
}

fn end_line(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// At most `MAX_DIFF_LINES` lines of the diff, then how many more there are.
fn cap(text: String) -> String {
    match text.match_indices('\n').nth(MAX_DIFF_LINES - 1) {
        Some((i, _)) if i + 1 < text.len() => {
            let rest = text[i + 1..].lines().count();
            let mut out = text[..=i].to_owned();
            out.push_str(&format!("… {rest} more diff lines\n"));
            out
        }
        _ => text,
    }
}

/// A unified diff, documented (`-`) vs actual (`+`); `None` when equal.
pub fn unified(doc: &DocResponse, actual: &Actual, color: bool) -> Option<String> {
    // Service and page bytes are made visible before they are diffed (and
    // coloured), so an escape sequence in a body shows as `\x1b`.
    let left = super::visible(&documented_text(doc)).into_owned();
    let right = super::visible(&actual_text(doc, actual)).into_owned();
    if left == right {
        return None;
    }
    let diff = TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(&left, &right);
    let text = cap(diff
        .unified_diff()
        .context_radius(CONTEXT)
        .header("documented", "actual")
        .to_string());
    if !color {
        return Some(text);
    }
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.lines() {
        let styled = if line.starts_with("+++") || line.starts_with("---") {
            line.bold().to_string()
        } else if line.starts_with('+') {
            line.green().to_string()
        } else if line.starts_with('-') {
            line.red().to_string()
        } else if line.starts_with("@@") {
            line.cyan().to_string()
        } else {
            line.to_string()
        };
        out.push_str(&styled);
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DocBody;

    fn doc(ct: &str) -> DocResponse {
        let body = serde_json::json!({"id": "String", "displayName": "String"});
        DocResponse {
            line: 1,
            status: 200,
            headers: vec![("Content-Type".into(), ct.into())],
            body_text: body.to_string(),
            body: DocBody::Json(body),
            truncated: false,
            is_collection: None,
            is_empty: false,
            odata_type: None,
        }
    }

    fn actual(ct: &str) -> Actual {
        Actual {
            status: 200,
            headers: vec![("content-type".into(), ct.into())],
            body: br#"{"id": "String"}"#.to_vec(),
            tries: 1,
        }
    }

    fn changed_lines(d: &str) -> Vec<&str> {
        d.lines()
            .filter(|l| {
                (l.starts_with('+') || l.starts_with('-'))
                    && !l.starts_with("+++")
                    && !l.starts_with("---")
            })
            .collect()
    }

    #[test]
    fn parameters_the_judge_ignores_make_no_diff_line() {
        let graph = "application/json;odata.metadata=minimal;odata.streaming=true;charset=utf-8";
        let d = unified(&doc("application/json"), &actual(graph), false).unwrap();
        assert_eq!(
            changed_lines(&d),
            ["-  \"displayName\": \"String\","],
            "{d}"
        );
        // Another media type, or a documented parameter the answer lacks,
        // is a difference the judge reports: the diff shows it.
        let d = unified(&doc("application/json"), &actual("text/plain"), false).unwrap();
        assert!(
            changed_lines(&d).contains(&"+Content-Type: text/plain"),
            "{d}"
        );
        let d = unified(
            &doc("application/json; charset=utf-8"),
            &actual("application/json"),
            false,
        )
        .unwrap();
        assert!(
            changed_lines(&d).contains(&"+Content-Type: application/json"),
            "{d}"
        );
    }
}
