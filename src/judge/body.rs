//! The body rules: which kind of body is allowed (none, text, JSON), and for
//! JSON the shape walk. Docs show *shapes*, not values ("String", "Int32",
//! "a | b | c" are placeholders), so the walk compares JSON types and
//! property presence at every level, with a JSON pointer (RFC 6901) for each
//! finding, and compares no values except `@odata.type` and string formats.
//!
//! The walk judges an actual value against a *set* of documented values: one
//! for a plain property, several for the elements of a documented array (an
//! actual element is judged against all documented elements, or against those
//! of its own `@odata.type` in a polymorphic collection). Over a set:
//! - a property is required when every documented value of the set shows it,
//!   and, when present, must have the type of a documented value showing it
//!   (nested objects are judged against the set of those values, recursively);
//! - a string must be in a format when every documented string of the set is
//!   in that format;
//! - a documented `null` constrains nothing.
//!
//! Decisions beyond design.md §3:
//! - a body that is only whitespace counts as empty;
//! - a 204 or `isEmpty` wins over any documented body text;
//! - any documented status shown without a body (not only 200/201) makes an
//!   actual body a warning;
//! - missing `@odata.*` control annotations (also property ones such as
//!   `value@odata.nextLink`) are OdataAnnotation warnings; other annotations
//!   (`@microsoft.graph.downloadUrl`) are judged as properties;
//! - undocumented annotations (any name with `@`) are never reported: OData
//!   clients must accept annotations they do not know;
//! - the length rule: with `truncated` or `isCollection: true` no array length
//!   is judged anywhere in the body; otherwise only the top-level `value` array
//!   may have any length. A documented set of arrays requires the shortest
//!   documented length;
//! - a UTF-8 byte order mark before a JSON body is skipped.

use super::formats::Format;
use super::{
    bare_type, finding, is_annotation, is_blank, is_odata_control, odata_type_of, same_type, short,
    type_name,
};
use crate::model::{Actual, DocBody, DocResponse, Finding, FindingKind, JudgeOptions, Severity};
use serde_json::{Map, Value};
use std::slice;

/// Judges the body; returns the answer's JSON when it was parsed to be
/// walked (so callers need not parse it again).
pub(crate) fn judge_body(
    expected: &DocResponse,
    actual: &Actual,
    opts: &JudgeOptions,
    out: &mut Vec<Finding>,
) -> Option<Value> {
    let empty = is_blank(&actual.body);
    if expected.status == 204 || expected.is_empty {
        if !empty {
            let why = if expected.is_empty { "isEmpty" } else { "204" };
            out.push(finding(
                "",
                FindingKind::UnexpectedBody,
                Severity::Error,
                format!(
                    "body of {} bytes where none is allowed ({why})",
                    actual.body.len()
                ),
                Some("no body".into()),
                Some(describe(actual)),
            ));
        }
        return None;
    }
    match &expected.body {
        DocBody::Empty => {
            if !empty {
                out.push(finding(
                    "",
                    FindingKind::UnexpectedBody,
                    Severity::Warning,
                    format!(
                        "body of {} bytes where the doc shows none",
                        actual.body.len()
                    ),
                    Some("no body".into()),
                    Some(describe(actual)),
                ));
            }
        }
        DocBody::Text(_) => {
            if empty {
                out.push(empty_body("text"));
            }
        }
        DocBody::Json(doc) => {
            if empty {
                out.push(empty_body(type_name(doc)));
                return None;
            }
            let bytes = actual
                .body
                .strip_prefix(b"\xEF\xBB\xBF")
                .unwrap_or(&actual.body);
            match serde_json::from_slice::<Value>(bytes) {
                Ok(value) => {
                    let mut walker = Walker {
                        ptr: String::new(),
                        truncated: expected.truncated,
                        any_length: expected.truncated || expected.is_collection == Some(true),
                        undocumented: if opts.strict {
                            Severity::Error
                        } else {
                            Severity::Warning
                        },
                        format: if opts.strict {
                            Severity::Error
                        } else {
                            Severity::Warning
                        },
                        out,
                    };
                    walker.walk(slice::from_ref(&doc), &value, false);
                    return Some(value);
                }
                Err(err) => out.push(not_json(actual, bytes, &err)),
            }
        }
    }
    None
}

pub(super) fn empty_body(documented: &str) -> Finding {
    finding(
        "",
        FindingKind::EmptyBody,
        Severity::Error,
        format!("empty body, documented {documented}"),
        Some(documented.into()),
        Some("empty".into()),
    )
}

/// A short description of an actual body: its content-type or its first bytes.
pub(super) fn describe(actual: &Actual) -> String {
    match actual.header("content-type") {
        Some(ct) => short(ct),
        None => prefix(&actual.body),
    }
}

/// The first bytes of a body, printable (invalid UTF-8 replaced, controls
/// escaped).
fn prefix(body: &[u8]) -> String {
    let head = &body[..body.len().min(40)];
    let text = String::from_utf8_lossy(head);
    let mut s = format!("{:?}", text.as_ref());
    if body.len() > head.len() {
        s.push('…');
    }
    s
}

pub(super) fn not_json(actual: &Actual, bytes: &[u8], err: &serde_json::Error) -> Finding {
    let ct = actual.header("content-type").unwrap_or("none");
    let message = match std::str::from_utf8(bytes) {
        Err(utf8) => {
            let at = utf8.valid_up_to();
            let bad: Vec<String> = bytes[at..bytes.len().min(at + 4)]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!(
                "body is not JSON: invalid UTF-8 at byte {at} ({}; content-type {ct})",
                bad.join(" ")
            )
        }
        Ok(_) => format!(
            "body is not JSON ({err}; content-type {ct}; starts {})",
            prefix(bytes)
        ),
    };
    finding(
        "",
        FindingKind::NotJson,
        Severity::Error,
        message,
        Some("JSON".into()),
        Some(prefix(bytes)),
    )
}

/// The JSON shape walk over one body.
struct Walker<'o> {
    /// The pointer of the value being judged; segments are pushed and popped.
    ptr: String,
    truncated: bool,
    /// No array length is judged.
    any_length: bool,
    undocumented: Severity,
    format: Severity,
    out: &'o mut Vec<Finding>,
}

/// A sorted, deduplicated `a | b` list of the JSON types of documented values.
pub(super) fn types_of(docs: &[&Value]) -> String {
    let mut names: Vec<&str> = docs
        .iter()
        .filter(|d| !d.is_null())
        .map(|d| type_name(d))
        .collect();
    names.dedup();
    if names.len() > 1 {
        names.sort_unstable();
        names.dedup();
    }
    names.join(" | ")
}

impl Walker<'_> {
    fn report(
        &mut self,
        kind: FindingKind,
        severity: Severity,
        message: String,
        documented: Option<String>,
        actual: Option<String>,
    ) {
        self.out.push(finding(
            &self.ptr, kind, severity, message, documented, actual,
        ));
    }

    /// Push a property name (escaped per RFC 6901); returns the length to
    /// restore.
    fn enter(&mut self, name: &str) -> usize {
        let mark = self.ptr.len();
        self.ptr.push('/');
        if !name.contains(['~', '/']) {
            self.ptr.push_str(name);
            return mark;
        }
        for c in name.chars() {
            match c {
                '~' => self.ptr.push_str("~0"),
                '/' => self.ptr.push_str("~1"),
                c => self.ptr.push(c),
            }
        }
        mark
    }

    fn enter_index(&mut self, i: usize) -> usize {
        use std::fmt::Write;
        let mark = self.ptr.len();
        let _ = write!(self.ptr, "/{i}");
        mark
    }

    fn leave(&mut self, mark: usize) {
        self.ptr.truncate(mark);
    }

    /// Judge `act` against the documented set `docs`. `top_value` marks the
    /// top-level `value` array of a collection.
    fn walk(&mut self, docs: &[&Value], act: &Value, top_value: bool) {
        let Some(first) = docs.iter().find(|d| !d.is_null()) else {
            return; // documented null (or nothing): any type
        };
        if act.is_null() {
            if docs.iter().any(|d| d.is_null()) {
                return; // one documented value shows null: null is fine
            }
            let documented = types_of(docs);
            self.report(
                FindingKind::Null,
                Severity::Warning,
                format!("null (documented {documented})"),
                Some(documented),
                Some("null".into()),
            );
            return;
        }
        let actual_type = type_name(act);
        if !docs.iter().any(|d| type_name(d) == actual_type) {
            let documented = types_of(docs);
            self.report(
                FindingKind::Type,
                Severity::Error,
                format!("documented {documented}, actual {actual_type}"),
                Some(documented),
                Some(actual_type.into()),
            );
            return;
        }
        match act {
            Value::Object(am) => {
                if let (1, Value::Object(dm)) = (docs.len(), first) {
                    self.object(slice::from_ref(&dm), am);
                } else {
                    let maps: Vec<&Map<String, Value>> =
                        docs.iter().filter_map(|d| d.as_object()).collect();
                    self.object(&maps, am);
                }
            }
            Value::Array(aa) => {
                if let (1, Value::Array(da)) = (docs.len(), first) {
                    self.array(slice::from_ref(&da), aa, top_value);
                } else {
                    let arrays: Vec<&Vec<Value>> =
                        docs.iter().filter_map(|d| d.as_array()).collect();
                    self.array(&arrays, aa, top_value);
                }
            }
            Value::String(s) => self.string(docs, s),
            _ => {}
        }
    }

    fn object(&mut self, docs: &[&Map<String, Value>], act: &Map<String, Value>) {
        let root = self.ptr.is_empty();
        if let [doc] = docs {
            return self.object_one(doc, act, root);
        }
        for (i, doc) in docs.iter().enumerate() {
            for (name, dv) in doc.iter() {
                if docs[..i].iter().any(|d| d.contains_key(name)) {
                    continue; // judged with an earlier documented value
                }
                let mark = self.enter(name);
                match act.get(name) {
                    Some(av) => {
                        let top_value = root && name == "value";
                        let rest = &docs[i + 1..];
                        if rest.iter().all(|d| !d.contains_key(name)) {
                            self.member(name, slice::from_ref(&dv), av, top_value);
                        } else {
                            let mut vals = Vec::with_capacity(rest.len() + 1);
                            vals.push(dv);
                            vals.extend(rest.iter().filter_map(|d| d.get(name)));
                            self.member(name, &vals, av, top_value);
                        }
                    }
                    None => {
                        let required = i == 0 && docs[1..].iter().all(|d| d.contains_key(name));
                        if required {
                            self.missing(name, dv);
                        }
                    }
                }
                self.leave(mark);
            }
        }
        if self.truncated {
            return;
        }
        for (name, av) in act {
            if is_annotation(name) || docs.iter().any(|d| d.contains_key(name)) {
                continue;
            }
            self.undocumented(name, av);
        }
    }

    /// An actual property no documented value shows.
    fn undocumented(&mut self, name: &str, av: &Value) {
        let mark = self.enter(name);
        let actual_type = type_name(av);
        self.report(
            FindingKind::Undocumented,
            self.undocumented,
            format!("undocumented property (actual {actual_type})"),
            None,
            Some(actual_type.into()),
        );
        self.leave(mark);
    }

    /// [`Self::object`] against one documented object (the common case): the
    /// two maps iterate in key order (serde_json without `preserve_order`),
    /// so one merged pass finds the shared, missing and undocumented names
    /// without a lookup per name. Findings come in the same order as from
    /// the general walk: documented names first, then undocumented ones.
    fn object_one(&mut self, doc: &Map<String, Value>, act: &Map<String, Value>, root: bool) {
        let mut rest = act.iter().peekable();
        let mut extra: Vec<(&String, &Value)> = Vec::new();
        let keep_extra = !self.truncated;
        for (name, dv) in doc {
            while let Some(&(an, av)) = rest.peek()
                && an < name
            {
                if keep_extra && !is_annotation(an) {
                    extra.push((an, av));
                }
                rest.next();
            }
            let mark = self.enter(name);
            match rest.peek() {
                Some(&(an, av)) if an == name => {
                    rest.next();
                    self.member(name, slice::from_ref(&dv), av, root && name == "value");
                }
                _ => self.missing(name, dv),
            }
            self.leave(mark);
        }
        if !keep_extra {
            return;
        }
        extra.extend(rest.filter(|(an, _)| !is_annotation(an)));
        for (name, av) in extra {
            self.undocumented(name, av);
        }
    }

    fn missing(&mut self, name: &str, documented: &Value) {
        let documented_type = type_name(documented);
        if is_odata_control(name) {
            let shown = match documented {
                Value::String(s) => short(s),
                _ => documented_type.into(),
            };
            self.report(
                FindingKind::OdataAnnotation,
                Severity::Warning,
                format!("missing annotation (documented {documented_type})"),
                Some(shown),
                None,
            );
        } else {
            self.report(
                FindingKind::Missing,
                Severity::Error,
                format!("missing (documented {documented_type})"),
                Some(documented_type.into()),
                None,
            );
        }
    }

    /// A property present on both sides.
    fn member(&mut self, name: &str, docs: &[&Value], act: &Value, top_value: bool) {
        if name == "@odata.type"
            && let Value::String(got) = act
            && docs.iter().any(|d| d.is_string())
        {
            if !docs
                .iter()
                .filter_map(|d| d.as_str())
                .any(|d| same_type(d, got))
            {
                let mut documented = String::new();
                for d in docs.iter().filter_map(|d| d.as_str()) {
                    if !documented.is_empty() {
                        documented.push_str(" | ");
                    }
                    documented.push_str(bare_type(d));
                }
                self.report(
                    FindingKind::OdataType,
                    Severity::Error,
                    format!("type {}, documented {documented}", bare_type(got)),
                    Some(short(&documented)),
                    Some(short(got)),
                );
            }
            return;
        }
        self.walk(docs, act, top_value);
    }

    fn array(&mut self, docs: &[&Vec<Value>], act: &[Value], top_value: bool) {
        if !(self.any_length || top_value) {
            let documented = docs.iter().map(|d| d.len()).min().unwrap_or(0);
            if act.len() < documented {
                let plural = if documented == 1 { "" } else { "s" };
                let message = if act.is_empty() {
                    format!("empty array, documented {documented} element{plural}")
                } else {
                    let n = act.len();
                    let s = if n == 1 { "" } else { "s" };
                    format!("{n} element{s}, documented {documented}")
                };
                self.report(
                    FindingKind::ArrayLength,
                    Severity::Warning,
                    message,
                    Some(documented.to_string()),
                    Some(act.len().to_string()),
                );
            }
        }
        if act.is_empty() {
            return;
        }
        let pool: Vec<&Value> = docs.iter().flat_map(|d| d.iter()).collect();
        if pool.is_empty() {
            return; // `[]` documented: nothing said about elements
        }
        // Polymorphic collections: documented elements grouped by @odata.type.
        let mut groups: Vec<(&str, Vec<&Value>)> = Vec::new();
        for d in &pool {
            if let Some(t) = odata_type_of(d) {
                match groups.iter_mut().find(|(g, _)| same_type(g, t)) {
                    Some((_, members)) => members.push(d),
                    None => groups.push((t, vec![d])),
                }
            }
        }
        for (i, av) in act.iter().enumerate() {
            let mark = self.enter_index(i);
            let set = odata_type_of(av)
                .and_then(|t| groups.iter().find(|(g, _)| same_type(g, t)))
                .map_or(pool.as_slice(), |(_, members)| members.as_slice());
            self.walk(set, av, false);
            self.leave(mark);
        }
    }

    fn string(&mut self, docs: &[&Value], act: &str) {
        let mut format = None;
        for d in docs.iter().filter_map(|d| d.as_str()) {
            match (Format::detect(d), format) {
                (None, _) => return,
                (Some(f), None) => format = Some(f),
                (Some(f), Some(g)) if f == g => {}
                _ => return,
            }
        }
        if let Some(f) = format
            && !f.accepts(act)
        {
            self.report(
                FindingKind::Format,
                self.format,
                format!("{:?} is not a {}", short(act), f.name()),
                Some(f.name().into()),
                Some(short(act)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// `Walker::object_one` merges two maps in one pass: it needs
    /// serde_json's maps to iterate in key order. A dependency turning on
    /// `preserve_order` would break that, and this test.
    #[test]
    fn json_objects_iterate_in_key_order() {
        let v: Value = serde_json::from_str(r#"{"b": 1, "a": 2, "C": 3, "ab": 4}"#).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["C", "a", "ab", "b"]);
    }
}
