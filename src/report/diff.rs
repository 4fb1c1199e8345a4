//! The documented-vs-actual diff shown under a failure: status line,
//! Content-Type and body, JSON pretty-printed on both sides so the diff is by
//! value, never by whitespace. Long bodies are folded around the differences
//! (unified diff with context): the whole bodies are compared, so a change on
//! line 450 of a 500-line body shows as a few lines; only the diff itself is
//! capped. A Content-Type the judge accepts (same media type, the
//! documented parameters present) is shown as documented on both sides: the
//! parameters only the answer adds (`odata.metadata=minimal`, `charset`) are
//! not part of the contract and would otherwise stand in every diff.
//!
//! Two views ([`View`]):
//! - **Folded** (the default): the diff shows what the findings say. A line
//!   whose only difference is a value the judge does not compare (the
//!   documented value is a placeholder or an example, the actual one a real
//!   value of the same JSON type, and no finding at that pointer) is not a
//!   change: it is shown once, as context, as the actual's line, and the
//!   footer says how many lines were folded so.
//! - **Values** (`--details`): every line that differs, values included
//!   (a line-level text diff of the two pretty-printed bodies).
//!
//! Decisions, and why:
//! - **The folded view walks the two JSON trees, not text lines.** Both
//!   values are walked in parallel by JSON pointer (a line is a leaf:
//!   pretty-printed JSON puts every scalar on a line of its own), so a line
//!   is paired with the line of the same pointer, never with a look-alike
//!   elsewhere that a text diff might align it with, and the finding
//!   pointers the judge reported (the same RFC 6901 spelling) say which
//!   leaves the contract flags.
//! - **Objects by sorted key, arrays by index.** Keys are sorted on both
//!   sides (serde_json's maps), so the walk is a merge; array elements are
//!   paired by position, as the judge's pointers name them (the actual's
//!   index). An element only one side has is a change, as in the text diff.
//! - **A line that differs only by its trailing comma is context.** A
//!   neighbour missing on one side moves the comma; that is not a change of
//!   this line, and the actual's spelling is shown.
//! - **Anything but two JSON bodies is the values view**: there is no leaf
//!   to fold in a text body.
//! - **Same JSON type means the judge's type names** (`string`, `number`,
//!   `boolean`): `null` against a value, a string against a number, a
//!   scalar against an object are always changes.

use crate::model::{Actual, DocBody, DocResponse, Finding};
use owo_colors::OwoColorize;
use serde_json::Value;
use similar::{DiffOp, DiffTag, TextDiff};
use std::collections::HashSet;
use std::fmt::Write as _;

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

/// Which diff to show under a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Values the contract does not fix are folded (the default).
    Folded,
    /// Every differing value is shown (`--details`).
    Values,
}

impl View {
    /// `--details` shows values; otherwise they are folded.
    pub fn of(details: bool) -> View {
        if details { View::Values } else { View::Folded }
    }
}

/// A unified diff, documented (`-`) vs actual (`+`); `None` when equal.
/// `findings` are the judge's for this exchange: a leaf with a finding at
/// its pointer is never folded.
pub fn unified(
    doc: &DocResponse,
    actual: &Actual,
    findings: &[Finding],
    view: View,
    color: bool,
) -> Option<String> {
    let text = match (view, json_pair(doc, actual)) {
        (View::Folded, Some((d, a))) => folded(doc, actual, d, &a, findings)?,
        _ => values(doc, actual)?,
    };
    Some(if color { paint(&text) } else { text })
}

/// The line-level diff of the two texts, values included.
fn values(doc: &DocResponse, actual: &Actual) -> Option<String> {
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
    Some(cap(diff
        .unified_diff()
        .context_radius(CONTEXT)
        .header("documented", "actual")
        .to_string()))
}

/// Both bodies as JSON, when they are (the folded view needs two trees).
fn json_pair<'a>(doc: &'a DocResponse, actual: &Actual) -> Option<(&'a Value, Value)> {
    let d = doc.body.json()?;
    let bytes = actual
        .body
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&actual.body);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some((d, serde_json::from_slice(bytes).ok()?))
}

/// The folded diff of two JSON exchanges; `None` when nothing differs.
fn folded(
    doc: &DocResponse,
    actual: &Actual,
    d: &Value,
    a: &Value,
    findings: &[Finding],
) -> Option<String> {
    let mut walk = Fold {
        flagged: findings.iter().map(|f| f.pointer.as_str()).collect(),
        ptr: String::new(),
        lines: Lines::default(),
    };
    // The head: status line, Content-Type (as `actual_text` shows it), a
    // blank line.
    walk.lines.pair(
        format!("HTTP {}", doc.status),
        format!("HTTP {}", actual.status),
    );
    let shown_ct = |ct: &str| match doc.header("content-type") {
        Some(d) if crate::judge::headers::media_type_matches(d, ct) => d.to_owned(),
        _ => ct.to_owned(),
    };
    match (doc.header("content-type"), actual.header("content-type")) {
        (Some(d), Some(a)) => walk.lines.pair(
            format!("Content-Type: {d}"),
            format!("Content-Type: {}", shown_ct(a)),
        ),
        (Some(d), None) => walk.lines.delete(format!("Content-Type: {d}")),
        (None, Some(a)) => walk.lines.insert(format!("Content-Type: {}", shown_ct(a))),
        (None, None) => {}
    }
    walk.lines.equal(String::new(), String::new());
    walk.walk(d, a, None, 0, false, false);
    let Lines {
        old,
        new,
        ops,
        folded,
    } = walk.lines;
    let groups = similar::group_diff_ops(ops, CONTEXT);
    if groups.is_empty() && folded == 0 {
        return None;
    }
    let mut out = String::new();
    if !groups.is_empty() {
        out.push_str("--- documented\n+++ actual\n");
        for group in &groups {
            let _ = writeln!(out, "{}", similar::udiff::UnifiedHunkHeader::new(group));
            for op in group {
                let (tag, old_range, new_range) = op.as_tag_tuple();
                let (sign, lines) = match tag {
                    DiffTag::Equal => (' ', &new[new_range]),
                    DiffTag::Delete => ('-', &old[old_range]),
                    DiffTag::Insert => ('+', &new[new_range]),
                    DiffTag::Replace => {
                        for l in &old[old_range] {
                            let _ = writeln!(out, "-{l}");
                        }
                        ('+', &new[new_range])
                    }
                };
                for l in lines {
                    let _ = writeln!(out, "{sign}{l}");
                }
            }
        }
        out = cap(out);
    }
    match folded {
        0 => {}
        1 => out.push_str(
            "(1 line differs only in a value the contract does not fix; --details shows it)\n",
        ),
        n => {
            let _ = writeln!(
                out,
                "({n} lines differ only in values the contract does not fix; --details shows them)"
            );
        }
    }
    Some(out)
}

/// Both sides' lines and the diff between them, built line by line.
#[derive(Default)]
struct Lines {
    old: Vec<String>,
    new: Vec<String>,
    ops: Vec<DiffOp>,
    /// Leaves shown as context though their values differ.
    folded: usize,
}

impl Lines {
    /// The same line on both sides (the actual's spelling is shown).
    fn equal(&mut self, old: String, new: String) {
        let (o, n) = (self.old.len(), self.new.len());
        self.old.push(super::visible(&old).into_owned());
        self.new.push(super::visible(&new).into_owned());
        match self.ops.last_mut() {
            Some(DiffOp::Equal { len, .. }) => *len += 1,
            _ => self.ops.push(DiffOp::Equal {
                old_index: o,
                new_index: n,
                len: 1,
            }),
        }
    }

    fn delete(&mut self, old: String) {
        let (o, n) = (self.old.len(), self.new.len());
        self.old.push(super::visible(&old).into_owned());
        match self.ops.last_mut() {
            Some(DiffOp::Delete { old_len, .. }) => *old_len += 1,
            _ => self.ops.push(DiffOp::Delete {
                old_index: o,
                old_len: 1,
                new_index: n,
            }),
        }
    }

    fn insert(&mut self, new: String) {
        let (o, n) = (self.old.len(), self.new.len());
        self.new.push(super::visible(&new).into_owned());
        match self.ops.last_mut() {
            Some(DiffOp::Insert { new_len, .. }) => *new_len += 1,
            _ => self.ops.push(DiffOp::Insert {
                old_index: o,
                new_index: n,
                new_len: 1,
            }),
        }
    }

    /// A line on each side: one line of context when they are the same,
    /// else a change.
    fn pair(&mut self, old: String, new: String) {
        if old == new {
            self.equal(old, new);
        } else {
            self.delete(old);
            self.insert(new);
        }
    }
}

/// The parallel walk of the documented and the actual JSON.
struct Fold<'f> {
    /// Pointers the judge reported a finding at.
    flagged: HashSet<&'f str>,
    /// The pointer of the values being walked (RFC 6901, as the judge's).
    ptr: String,
    lines: Lines,
}

impl Fold<'_> {
    /// Walk `d` (documented) and `a` (actual), written after `key` at
    /// `indent` levels, each followed by a comma when its side has more.
    fn walk(
        &mut self,
        d: &Value,
        a: &Value,
        key: Option<&str>,
        indent: usize,
        d_comma: bool,
        a_comma: bool,
    ) {
        let pad = "  ".repeat(indent);
        let lead = match key {
            Some(k) => format!("{pad}{}: ", json_text(&Value::String(k.to_owned()))),
            None => pad.clone(),
        };
        let close = |c: char, comma: bool| format!("{pad}{c}{}", if comma { "," } else { "" });
        match (d, a) {
            (Value::Object(dm), Value::Object(am)) if !dm.is_empty() && !am.is_empty() => {
                self.lines.equal(format!("{lead}{{"), format!("{lead}{{"));
                let (mut di, mut ai) = (dm.iter().peekable(), am.iter().peekable());
                let (mut dn, mut an) = (dm.len(), am.len());
                loop {
                    match (di.peek().copied(), ai.peek().copied()) {
                        (Some((dk, dv)), Some((ak, av))) if dk == ak => {
                            di.next();
                            ai.next();
                            (dn, an) = (dn - 1, an - 1);
                            let mark = self.enter(dk);
                            self.walk(dv, av, Some(dk), indent + 1, dn > 0, an > 0);
                            self.ptr.truncate(mark);
                        }
                        (Some((dk, dv)), next) if next.is_none_or(|(ak, _)| dk < ak) => {
                            di.next();
                            dn -= 1;
                            for l in pretty(dv, Some(dk), indent + 1, dn > 0) {
                                self.lines.delete(l);
                            }
                        }
                        (_, Some((ak, av))) => {
                            ai.next();
                            an -= 1;
                            for l in pretty(av, Some(ak), indent + 1, an > 0) {
                                self.lines.insert(l);
                            }
                        }
                        (_, None) => break,
                    }
                }
                self.lines.equal(close('}', d_comma), close('}', a_comma));
            }
            (Value::Array(da), Value::Array(aa)) if !da.is_empty() && !aa.is_empty() => {
                self.lines.equal(format!("{lead}["), format!("{lead}["));
                for i in 0..da.len().max(aa.len()) {
                    let (d_more, a_more) = (i + 1 < da.len(), i + 1 < aa.len());
                    match (da.get(i), aa.get(i)) {
                        (Some(dv), Some(av)) => {
                            let mark = self.ptr.len();
                            let _ = write!(self.ptr, "/{i}");
                            self.walk(dv, av, None, indent + 1, d_more, a_more);
                            self.ptr.truncate(mark);
                        }
                        (Some(dv), None) => {
                            for l in pretty(dv, None, indent + 1, d_more) {
                                self.lines.delete(l);
                            }
                        }
                        (None, Some(av)) => {
                            for l in pretty(av, None, indent + 1, a_more) {
                                self.lines.insert(l);
                            }
                        }
                        (None, None) => {}
                    }
                }
                self.lines.equal(close(']', d_comma), close(']', a_comma));
            }
            _ if d == a => {
                for (o, n) in pretty(d, key, indent, d_comma)
                    .into_iter()
                    .zip(pretty(a, key, indent, a_comma))
                {
                    self.lines.equal(o, n);
                }
            }
            _ if self.foldable(d, a) => {
                let comma = |c: bool| if c { "," } else { "" };
                self.lines.equal(
                    format!("{lead}{}{}", json_text(d), comma(d_comma)),
                    format!("{lead}{}{}", json_text(a), comma(a_comma)),
                );
                self.lines.folded += 1;
            }
            _ => {
                for l in pretty(d, key, indent, d_comma) {
                    self.lines.delete(l);
                }
                for l in pretty(a, key, indent, a_comma) {
                    self.lines.insert(l);
                }
            }
        }
    }

    /// A leaf whose values differ in nothing the judge compares: two
    /// scalars of one JSON type (not null), no finding at this pointer.
    fn foldable(&self, d: &Value, a: &Value) -> bool {
        let scalar = |v: &Value| matches!(v, Value::Bool(_) | Value::Number(_) | Value::String(_));
        scalar(d)
            && scalar(a)
            && crate::judge::type_name(d) == crate::judge::type_name(a)
            && !self.flagged.contains(self.ptr.as_str())
    }

    /// Push a property name (escaped per RFC 6901, as the judge does);
    /// returns the length to restore.
    fn enter(&mut self, name: &str) -> usize {
        let mark = self.ptr.len();
        self.ptr.push('/');
        for c in name.chars() {
            match c {
                '~' => self.ptr.push_str("~0"),
                '/' => self.ptr.push_str("~1"),
                c => self.ptr.push(c),
            }
        }
        mark
    }
}

/// A value as serde_json writes it on one line.
fn json_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The lines serde_json's pretty printer writes for `v` nested `indent`
/// levels deep, after `key`, with a comma after it when `comma`.
fn pretty(v: &Value, key: Option<&str>, indent: usize, comma: bool) -> Vec<String> {
    let pad = "  ".repeat(indent);
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let mut out: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| match (i, key) {
            (0, Some(k)) => format!("{pad}{}: {l}", json_text(&Value::String(k.to_owned()))),
            _ => format!("{pad}{l}"),
        })
        .collect();
    if comma && let Some(last) = out.last_mut() {
        last.push(',');
    }
    out
}

/// The diff coloured: headers bold, removals red, additions green, hunk
/// headers cyan.
fn paint(text: &str) -> String {
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
    out
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
            version: None,
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
        for view in [View::Folded, View::Values] {
            let d = unified(&doc("application/json"), &actual(graph), &[], view, false).unwrap();
            assert_eq!(
                changed_lines(&d),
                ["-  \"displayName\": \"String\","],
                "{view:?}: {d}"
            );
            // Another media type, or a documented parameter the answer
            // lacks, is a difference the judge reports: the diff shows it.
            let d = unified(
                &doc("application/json"),
                &actual("text/plain"),
                &[],
                view,
                false,
            )
            .unwrap();
            assert!(
                changed_lines(&d).contains(&"+Content-Type: text/plain"),
                "{view:?}: {d}"
            );
            let d = unified(
                &doc("application/json; charset=utf-8"),
                &actual("application/json"),
                &[],
                view,
                false,
            )
            .unwrap();
            assert!(
                changed_lines(&d).contains(&"+Content-Type: application/json"),
                "{view:?}: {d}"
            );
        }
    }

    /// The diff of two 200 `application/json` exchanges with these bodies,
    /// the judge having reported findings at `flagged`.
    fn diff_of(doc_body: &str, actual_body: &str, flagged: &[&str], view: View) -> String {
        let body: Value = serde_json::from_str(doc_body).unwrap();
        let doc = DocResponse {
            body_text: doc_body.to_owned(),
            body: DocBody::Json(body),
            ..doc("application/json")
        };
        let actual = Actual {
            body: actual_body.as_bytes().to_vec(),
            ..actual("application/json")
        };
        let findings: Vec<Finding> = flagged
            .iter()
            .map(|p| Finding {
                pointer: (*p).to_owned(),
                kind: crate::model::FindingKind::Format,
                severity: crate::model::Severity::Warning,
                message: "flagged".into(),
                documented: None,
                actual: None,
            })
            .collect();
        unified(&doc, &actual, &findings, view, false).unwrap_or_else(|| "(no diff)\n".into())
    }

    #[test]
    fn the_folded_diff_shows_what_the_contract_fixes() {
        // (what the row shows, documented body, actual body, pointers with a
        // finding, the folded diff).
        let rows: &[(&str, &str, &str, &[&str], &str)] = &[
            (
                "same type, another value: folded, counted",
                r#"{"id": "String", "count": 0, "enabled": false}"#,
                r#"{"id": "u-1", "count": 3, "enabled": true}"#,
                &[],
                "(3 lines differ only in values the contract does not fix; --details shows them)\n",
            ),
            (
                "different type: shown; its neighbour folded, as the actual's line",
                r#"{"a": "String", "b": "String"}"#,
                r#"{"a": 1, "b": "x"}"#,
                &[],
                "--- documented\n+++ actual\n@@ -2,6 +2,6 @@\n \
                 Content-Type: application/json\n \n {\n\
                 -  \"a\": \"String\",\n\
                 +  \"a\": 1,\n   \
                 \"b\": \"x\"\n }\n\
                 (1 line differs only in a value the contract does not fix; --details shows it)\n",
            ),
            (
                "a finding at the pointer: shown",
                r#"{"id": "String", "mail": "String"}"#,
                r#"{"id": "u-1", "mail": "x"}"#,
                &["/mail"],
                "--- documented\n+++ actual\n@@ -3,5 +3,5 @@\n \n {\n   \
                 \"id\": \"u-1\",\n\
                 -  \"mail\": \"String\"\n\
                 +  \"mail\": \"x\"\n }\n\
                 (1 line differs only in a value the contract does not fix; --details shows it)\n",
            ),
            (
                "a missing key: shown; the comma its absence moves is no change",
                r#"{"id": "String", "subject": "String"}"#,
                r#"{"id": "m-1"}"#,
                &[],
                "--- documented\n+++ actual\n@@ -3,5 +3,4 @@\n \n {\n   \
                 \"id\": \"m-1\"\n\
                 -  \"subject\": \"String\"\n }\n\
                 (1 line differs only in a value the contract does not fix; --details shows it)\n",
            ),
            (
                "an undocumented key: shown",
                r#"{"id": "String"}"#,
                r#"{"id": "d-1", "quota": {"used": 1}}"#,
                &["/quota"],
                "--- documented\n+++ actual\n@@ -3,4 +3,7 @@\n \n {\n   \
                 \"id\": \"d-1\",\n\
                 +  \"quota\": {\n\
                 +    \"used\": 1\n\
                 +  }\n }\n\
                 (1 line differs only in a value the contract does not fix; --details shows it)\n",
            ),
            (
                "null against a value: shown",
                r#"{"mail": "String"}"#,
                r#"{"mail": null}"#,
                &[],
                "--- documented\n+++ actual\n@@ -2,5 +2,5 @@\n \
                 Content-Type: application/json\n \n {\n\
                 -  \"mail\": \"String\"\n\
                 +  \"mail\": null\n }\n",
            ),
            (
                "arrays by index, nested by pointer; an element only the actual has is shown",
                r#"{"value": [{"id": "String", "subject": "String"}]}"#,
                r#"{"value": [{"id": "m-1", "subject": "Hi"}, {"id": "m-2", "subject": 7}]}"#,
                &["/value/1/subject"],
                "--- documented\n+++ actual\n@@ -7,5 +7,9 @@\n       \
                 \"id\": \"m-1\",\n       \
                 \"subject\": \"Hi\"\n     \
                 },\n\
                 +    {\n\
                 +      \"id\": \"m-2\",\n\
                 +      \"subject\": 7\n\
                 +    }\n   ]\n }\n\
                 (2 lines differ only in values the contract does not fix; --details shows them)\n",
            ),
            (
                "a key with `/` is flagged by its escaped pointer",
                r#"{"a/b": "String", "c": "String"}"#,
                r#"{"a/b": "x", "c": "y"}"#,
                &["/a~1b"],
                "--- documented\n+++ actual\n@@ -2,6 +2,6 @@\n \
                 Content-Type: application/json\n \n {\n\
                 -  \"a/b\": \"String\",\n\
                 +  \"a/b\": \"x\",\n   \
                 \"c\": \"y\"\n }\n\
                 (1 line differs only in a value the contract does not fix; --details shows it)\n",
            ),
            (
                "equal bodies: no diff",
                r#"{"id": "u-1"}"#,
                r#"{"id": "u-1"}"#,
                &[],
                "(no diff)\n",
            ),
        ];
        for (what, doc_body, actual_body, flagged, want) in rows {
            let got = diff_of(doc_body, actual_body, flagged, View::Folded);
            assert_eq!(&got, want, "{what}:\n{got}");
        }
    }

    #[test]
    fn with_details_every_value_shows() {
        let got = diff_of(
            r#"{"id": "String", "count": 0}"#,
            r#"{"id": "u-1", "count": 3}"#,
            &[],
            View::Values,
        );
        assert_eq!(
            changed_lines(&got),
            [
                "-  \"count\": 0,",
                "-  \"id\": \"String\"",
                "+  \"count\": 3,",
                "+  \"id\": \"u-1\""
            ],
            "{got}"
        );
        assert!(!got.contains("differ only"), "{got}");
        assert_eq!(View::of(true), View::Values);
        assert_eq!(View::of(false), View::Folded);
    }

    #[test]
    fn the_folded_walk_writes_the_lines_serde_json_writes() {
        // With nothing to fold and nothing changed, the walk's lines are the
        // pretty printer's: line numbers in hunk headers are the texts'.
        let v: Value = serde_json::from_str(
            r#"{"a": [1, {"b": [], "c": {}}, [true, null]], "d": {"e": "x\u001by"}, "f": ""}"#,
        )
        .unwrap();
        let mut walk = Fold {
            flagged: HashSet::new(),
            ptr: String::new(),
            lines: Lines::default(),
        };
        walk.walk(&v, &v, None, 0, false, false);
        let want: Vec<String> = serde_json::to_string_pretty(&v)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(walk.lines.old, want);
        assert_eq!(walk.lines.new, want);
        assert_eq!(walk.lines.folded, 0);
    }

    #[test]
    fn a_body_that_is_not_json_gets_the_values_diff() {
        let d = doc("application/json");
        let a = Actual {
            body: b"<html>oops</html>".to_vec(),
            ..actual("text/html")
        };
        let folded = unified(&d, &a, &[], View::Folded, false).unwrap();
        assert_eq!(folded, unified(&d, &a, &[], View::Values, false).unwrap());
        assert!(folded.contains("+<html>oops</html>"), "{folded}");
    }
}
