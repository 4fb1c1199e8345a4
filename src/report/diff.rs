//! The documented-vs-actual diff shown under a failure: status line,
//! Content-Type and body, JSON pretty-printed on both sides so the diff is by
//! value, never by whitespace. Long bodies are folded around the differences
//! (unified diff with context).

use crate::model::{Actual, DocBody, DocResponse};
use owo_colors::OwoColorize;
use similar::TextDiff;

/// Lines of context kept around each difference.
const CONTEXT: usize = 3;
/// Bodies longer than this are cut (in lines) before diffing.
const MAX_LINES: usize = 400;

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
    cut(out)
}

fn actual_text(actual: &Actual) -> String {
    let mut out = format!("HTTP {}\n", actual.status);
    if let Some(ct) = actual.header("content-type") {
        out.push_str(&format!("Content-Type: {ct}\n"));
    }
    out.push('\n');
    match serde_json::from_slice::<serde_json::Value>(&actual.body) {
        Ok(v) if !actual.body.is_empty() => {
            out.push_str(&serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        _ => out.push_str(&String::from_utf8_lossy(&actual.body)),
    }
    cut(out)
}

fn cut(mut text: String) -> String {
    if let Some((i, _)) = text.match_indices('\n').nth(MAX_LINES) {
        let rest = text[i..].lines().count();
        text.truncate(i);
        text.push_str(&format!("\n… {rest} more lines\n"));
    } else if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// A unified diff, documented (`-`) vs actual (`+`); `None` when equal.
pub fn unified(doc: &DocResponse, actual: &Actual, color: bool) -> Option<String> {
    let (left, right) = (documented_text(doc), actual_text(actual));
    if left == right {
        return None;
    }
    let diff = TextDiff::from_lines(&left, &right);
    let text = diff
        .unified_diff()
        .context_radius(CONTEXT)
        .header("documented", "actual")
        .to_string();
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
