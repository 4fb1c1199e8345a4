//! The compiled judge: each documented response turned once, at the start
//! of a run, into a [`JudgePlan`] (pure data), so the per-exchange work
//! walks only the actual answer against it.
//!
//! A plan holds what the walk of [`super::body`] and [`super::headers`]
//! derives from the documented side every time: per level, the documented
//! members in walk order with whether each is required, whether its name
//! needs escaping in a pointer, the type a missing one was documented with,
//! the JSON types a value may have (as bits; their `a | b` text is built
//! only for a finding), the string format every documented string shares, the array element rules (the shortest documented length, the
//! element pool and its `@odata.type` groups, each compiled as a set), and
//! the headers to judge, deduplicated, with the never-judged ones gone.
//!
//! Decisions, and why:
//! - **Same findings, same order, same text** as the reference walk
//!   ([`super::judge_reference`], kept `#[doc(hidden)]`): the rows of
//!   `tests/judge.rs` and every case of the corpus, with mutated answers,
//!   run through both (`tests/judge_plan.rs`). Nothing of the verdict moved
//!   into the plan; only work that depends on the documented side alone.
//! - **Sets are compiled as sets.** The walk judges a value against a set
//!   of documented values (the elements of an array, the members of a
//!   polymorphic group); the plan compiles each set into one node (merged
//!   members, required only when every documented value shows them), so
//!   nothing is merged per exchange. A polymorphic array compiles its pool
//!   and each `@odata.type` group, a bounded duplication (each group is a
//!   part of the pool).
//! - **Options stay per exchange.** `--strict` changes only severities, so
//!   one plan serves any options.
//! - **Header names are trimmed and lowered once**, Content-Type's
//!   documented media type split once; a lookup compares the answer's names
//!   without a copy.
//! - **A tree only for the rules that read one** ([`Tree`]). The walk reads
//!   a `serde_json::Value` or the borrowed parse of [`super::light`] through
//!   one generic walk. Replay asks for the `Value` only when the schema
//!   judge (metadata) or the OData rules on elements (`$top`, `$select`,
//!   `$count`, `$orderby`, `$filter`) or on an error answer will read it;
//!   otherwise the OData rules get the top-level paging links alone.
//! - **Failure text is built on failure.** Messages a missing member or a
//!   wrong type gives are made when reported, not kept in the plan: a whole
//!   corpus's plans cost about 10 MB (peak RSS of a check 57 -> 67 MB).

use super::body::{describe, empty_body, not_json};
use super::formats::Format;
use super::headers::{DocumentedMediaType, NEVER_JUDGED};
use super::light::{Answer, Light};
use super::{bare_type, finding, is_annotation, is_blank, is_odata_control, odata_type_of, short};
use crate::model::{Actual, DocBody, DocResponse, Finding, FindingKind, JudgeOptions, Severity};
use serde_json::{Map, Value};

/// How much of a JSON answer the judge hands back, besides its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tree {
    /// The whole answer as a `Value` (the OData rules on elements, the
    /// schema judge read it).
    Full,
    /// Walked over a borrowed parse ([`super::light::Light`]); handed back
    /// is the top-level object with only `@odata.nextLink` and
    /// `@odata.deltaLink` (what the OData rules read of a page whose query
    /// asks nothing of its elements), `null` when the answer is no object.
    PagingLinks,
    /// Walked over a borrowed parse; nothing handed back.
    Nothing,
}

/// One documented response, compiled for judging (see the module doc).
#[derive(Debug, Clone)]
pub struct JudgePlan {
    status: u16,
    headers: Vec<HeaderRule>,
    body: BodyRule,
}

#[derive(Debug, Clone)]
struct HeaderRule {
    /// Trimmed and lower-cased, for the lookup.
    lower: String,
    /// `missing header {name}`.
    missing_message: String,
    /// `{name}: {value}`, shortened.
    missing_documented: String,
    content_type: bool,
    /// Content-Type's documented media type (judged as one); `None` for a
    /// placeholder (presence only) or another header.
    media_type: Option<DocumentedMediaType>,
}

#[derive(Debug, Clone)]
enum BodyRule {
    /// 204 or `isEmpty`: no body at all.
    NoneAllowed(&'static str),
    /// The doc shows none: a body is a warning.
    Empty,
    Text,
    Json {
        root: Node,
        /// The documented type name, for an empty answer.
        doc_type: &'static str,
        truncated: bool,
    },
}

/// A documented set of values, compiled.
#[derive(Debug, Clone)]
enum Node {
    /// No documented value other than null: any type.
    Any,
    Typed(Box<Typed>),
}

// JSON types as bits.
pub(crate) const NULL: u8 = 1;
pub(crate) const BOOL: u8 = 2;
pub(crate) const NUMBER: u8 = 4;
pub(crate) const STRING: u8 = 8;
pub(crate) const ARRAY: u8 = 16;
pub(crate) const OBJECT: u8 = 32;

fn type_bit(v: &Value) -> u8 {
    match v {
        Value::Null => NULL,
        Value::Bool(_) => BOOL,
        Value::Number(_) => NUMBER,
        Value::String(_) => STRING,
        Value::Array(_) => ARRAY,
        Value::Object(_) => OBJECT,
    }
}

#[derive(Debug, Clone)]
struct Typed {
    /// One documented value is null.
    null_ok: bool,
    /// The documented types, as bits.
    types: u8,
    object: Option<ObjectNode>,
    array: Option<ArrayNode>,
    /// The format every documented string is in.
    format: Option<Format>,
}

#[derive(Debug, Clone)]
struct ObjectNode {
    /// In walk order.
    members: Vec<Member>,
    /// `members` are in name order (always so for one documented object):
    /// the walk merges them with the answer's sorted map.
    sorted: bool,
    /// Otherwise the indices of `members` in name order (the undocumented
    /// test).
    by_name: Vec<u32>,
}

#[derive(Debug, Clone)]
struct Member {
    name: String,
    required: bool,
    /// The name holds `~` or `/` (escaped in pointers).
    escaped: bool,
    /// The JSON type of the first documented value (a missing member's
    /// finding names it).
    missing_type: &'static str,
    /// An `@odata.*` control annotation: missing is a warning, showing the
    /// documented value.
    control: Option<Box<str>>,
    /// `@odata.type` with documented strings: the names, bare, and the
    /// `a | b` list.
    odata_types: Option<(Vec<String>, String)>,
    child: Node,
}

#[derive(Debug, Clone)]
struct ArrayNode {
    /// The length rule applies here.
    judge_length: bool,
    /// The shortest documented length.
    min_len: usize,
    /// Every documented element, as one set; `None` for `[]`.
    pool: Option<Node>,
    /// Documented elements grouped by `@odata.type` (bare names).
    groups: Vec<(String, Node)>,
}

/// What compiling needs from the documented response.
struct Ctx {
    any_length: bool,
}

impl JudgePlan {
    /// Compile one documented response.
    pub fn compile(expected: &DocResponse) -> JudgePlan {
        let mut headers: Vec<HeaderRule> = Vec::new();
        for (i, (name, value)) in expected.headers.iter().enumerate() {
            let name = name.trim();
            if NEVER_JUDGED.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                continue;
            }
            if expected.headers[..i]
                .iter()
                .any(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            {
                continue;
            }
            let content_type = name.eq_ignore_ascii_case("content-type");
            headers.push(HeaderRule {
                lower: name.to_ascii_lowercase(),
                missing_message: format!("missing header {name}"),
                missing_documented: short(&format!("{name}: {value}")),
                content_type,
                media_type: if content_type {
                    DocumentedMediaType::compile(value)
                } else {
                    None
                },
            });
        }
        let body = if expected.status == 204 || expected.is_empty {
            BodyRule::NoneAllowed(if expected.is_empty { "isEmpty" } else { "204" })
        } else {
            match &expected.body {
                DocBody::Empty => BodyRule::Empty,
                DocBody::Text(_) => BodyRule::Text,
                DocBody::Json(doc) => {
                    let cx = Ctx {
                        any_length: expected.truncated || expected.is_collection == Some(true),
                    };
                    BodyRule::Json {
                        root: compile_set(&cx, &[doc], true, false),
                        doc_type: super::type_name(doc),
                        truncated: expected.truncated,
                    }
                }
            }
        };
        JudgePlan {
            status: expected.status,
            headers,
            body,
        }
    }

    /// [`super::judge`] through the plan.
    pub fn judge(&self, actual: &Actual, opts: &JudgeOptions) -> Vec<Finding> {
        self.judge_parsed(actual, opts).0
    }

    /// [`super::judge_parsed`] through the plan: the findings, and the
    /// answer's JSON when it was parsed to be walked.
    pub fn judge_parsed(
        &self,
        actual: &Actual,
        opts: &JudgeOptions,
    ) -> (Vec<Finding>, Option<Value>) {
        self.judge_tree(actual, opts, Tree::Full)
    }

    /// The same findings, the answer parsed only as far as `tree` says
    /// (the caller's later rules decide what they need): with
    /// [`Tree::Full`] this is [`Self::judge_parsed`].
    pub fn judge_tree(
        &self,
        actual: &Actual,
        opts: &JudgeOptions,
        tree: Tree,
    ) -> (Vec<Finding>, Option<Value>) {
        let mut out = Vec::new();
        let same_status = super::status::judge_status(self.status, actual.status, &mut out);
        let both_success = super::is_success(self.status) && super::is_success(actual.status);
        if !same_status && !both_success {
            return (out, None);
        }
        let empty = is_blank(&actual.body);
        self.judge_headers(actual, !empty, &mut out);
        let body = self.judge_body(actual, empty, opts, tree, &mut out);
        (out, body)
    }

    fn judge_headers(&self, actual: &Actual, has_body: bool, out: &mut Vec<Finding>) {
        for rule in &self.headers {
            if rule.content_type && !has_body {
                continue;
            }
            let got = actual
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&rule.lower))
                .map(|(_, v)| v.as_str());
            match got {
                None => out.push(finding(
                    "",
                    FindingKind::Header,
                    Severity::Error,
                    rule.missing_message.clone(),
                    Some(rule.missing_documented.clone()),
                    None,
                )),
                Some(got) => {
                    if let Some(media) = &rule.media_type {
                        media.judge(got, out);
                    }
                }
            }
        }
    }

    fn judge_body(
        &self,
        actual: &Actual,
        empty: bool,
        opts: &JudgeOptions,
        tree: Tree,
        out: &mut Vec<Finding>,
    ) -> Option<Value> {
        match &self.body {
            BodyRule::NoneAllowed(why) => {
                if !empty {
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
                None
            }
            BodyRule::Empty => {
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
                None
            }
            BodyRule::Text => {
                if empty {
                    out.push(empty_body("text"));
                }
                None
            }
            BodyRule::Json {
                root,
                doc_type,
                truncated,
            } => {
                if empty {
                    out.push(empty_body(doc_type));
                    return None;
                }
                let bytes = actual
                    .body
                    .strip_prefix(b"\xEF\xBB\xBF")
                    .unwrap_or(&actual.body);
                let severity = if opts.strict {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                let mut run = Run {
                    ptr: String::new(),
                    truncated: *truncated,
                    undocumented: severity,
                    format: severity,
                    out,
                };
                if tree == Tree::Full {
                    // UTF-8 checked once for the body, not per string.
                    let parsed = match std::str::from_utf8(bytes) {
                        Ok(text) => serde_json::from_str::<Value>(text),
                        Err(_) => serde_json::from_slice::<Value>(bytes),
                    };
                    return match parsed {
                        Ok(value) => {
                            run.walk(root, &value);
                            Some(value)
                        }
                        Err(err) => {
                            run.out.push(not_json(actual, bytes, &err));
                            None
                        }
                    };
                }
                match Light::parse(bytes) {
                    Ok(light) => {
                        run.walk(root, &light);
                        (tree == Tree::PagingLinks).then(|| light.paging_links())
                    }
                    Err(err) => {
                        run.out.push(not_json(actual, bytes, &err));
                        None
                    }
                }
            }
        }
    }
}

/// Compile a documented set. `root` marks the top-level value, `top_value`
/// the top-level `value` member of a collection.
fn compile_set(cx: &Ctx, docs: &[&Value], root: bool, top_value: bool) -> Node {
    if docs.iter().all(|d| d.is_null()) {
        return Node::Any;
    }
    let mut types = 0;
    for d in docs {
        types |= type_bit(d);
    }
    let maps: Vec<&Map<String, Value>> = docs.iter().filter_map(|d| d.as_object()).collect();
    let arrays: Vec<&Vec<Value>> = docs.iter().filter_map(|d| d.as_array()).collect();
    let object = (!maps.is_empty()).then(|| compile_object(cx, &maps, root));
    let array = (!arrays.is_empty()).then(|| compile_array(cx, &arrays, top_value));
    let mut format = None;
    for d in docs.iter().filter_map(|d| d.as_str()) {
        match (Format::detect(d), format) {
            (None, _) => {
                format = None;
                break;
            }
            (Some(f), None) => format = Some(f),
            (Some(f), Some(g)) if f == g => {}
            _ => {
                format = None;
                break;
            }
        }
    }
    Node::Typed(Box::new(Typed {
        null_ok: types & NULL != 0,
        types,
        object,
        array,
        format,
    }))
}

fn compile_object(cx: &Ctx, docs: &[&Map<String, Value>], root: bool) -> ObjectNode {
    let mut members = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        for (name, dv) in doc.iter() {
            if docs[..i].iter().any(|d| d.contains_key(name)) {
                continue; // compiled with an earlier documented value
            }
            let mut vals = vec![dv];
            vals.extend(docs[i + 1..].iter().filter_map(|d| d.get(name)));
            let required = i == 0 && docs[1..].iter().all(|d| d.contains_key(name));
            let odata_types =
                (name == "@odata.type" && vals.iter().any(|d| d.is_string())).then(|| {
                    let names: Vec<String> = vals
                        .iter()
                        .filter_map(|d| d.as_str())
                        .map(|d| bare_type(d).to_owned())
                        .collect();
                    let joined = names.join(" | ");
                    (names, joined)
                });
            members.push(Member {
                name: name.clone(),
                required,
                escaped: needs_escape(name),
                missing_type: super::type_name(dv),
                control: is_odata_control(name).then(|| match dv {
                    Value::String(s) => short(s).into(),
                    _ => super::type_name(dv).into(),
                }),
                odata_types,
                child: compile_set(cx, &vals, false, root && name == "value"),
            });
        }
    }
    let sorted = members.windows(2).all(|w| w[0].name < w[1].name);
    let mut by_name = Vec::new();
    if !sorted {
        by_name = (0..members.len() as u32).collect();
        by_name.sort_unstable_by(|&a, &b| members[a as usize].name.cmp(&members[b as usize].name));
    }
    ObjectNode {
        members,
        sorted,
        by_name,
    }
}

fn compile_array(cx: &Ctx, docs: &[&Vec<Value>], top_value: bool) -> ArrayNode {
    let pool: Vec<&Value> = docs.iter().flat_map(|d| d.iter()).collect();
    let mut groups: Vec<(&str, Vec<&Value>)> = Vec::new();
    for d in &pool {
        if let Some(t) = odata_type_of(d) {
            match groups.iter_mut().find(|(g, _)| super::same_type(g, t)) {
                Some((_, members)) => members.push(d),
                None => groups.push((t, vec![d])),
            }
        }
    }
    ArrayNode {
        judge_length: !(cx.any_length || top_value),
        min_len: docs.iter().map(|d| d.len()).min().unwrap_or(0),
        pool: (!pool.is_empty()).then(|| compile_set(cx, &pool, false, false)),
        groups: groups
            .into_iter()
            .map(|(t, set)| (bare_type(t).to_owned(), compile_set(cx, &set, false, false)))
            .collect(),
    }
}

/// The sorted `a | b` list of the JSON types of documented values, nulls
/// left out (the reference walk's `types_of`), from their bits.
fn types_text(types: u8) -> String {
    let mut out = String::new();
    for (bit, name) in [
        (ARRAY, "array"),
        (BOOL, "boolean"),
        (NUMBER, "number"),
        (OBJECT, "object"),
        (STRING, "string"),
    ] {
        if types & bit != 0 {
            if !out.is_empty() {
                out.push_str(" | ");
            }
            out.push_str(name);
        }
    }
    out
}

fn needs_escape(name: &str) -> bool {
    name.bytes().any(|b| b == b'~' || b == b'/')
}

/// Push `/name`, escaped per RFC 6901.
fn push_segment(ptr: &mut String, name: &str) {
    ptr.push('/');
    if !needs_escape(name) {
        ptr.push_str(name);
        return;
    }
    for c in name.chars() {
        match c {
            '~' => ptr.push_str("~0"),
            '/' => ptr.push_str("~1"),
            c => ptr.push(c),
        }
    }
}

/// One walk of an answer against a plan.
struct Run<'o> {
    ptr: String,
    truncated: bool,
    undocumented: Severity,
    format: Severity,
    out: &'o mut Vec<Finding>,
}

impl Run<'_> {
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

    fn walk<J: Answer>(&mut self, node: &Node, act: &J) {
        let Node::Typed(t) = node else {
            return; // documented null (or nothing): any type
        };
        let bit = act.bit();
        if bit == NULL {
            if t.null_ok {
                return;
            }
            let documented = types_text(t.types);
            self.report(
                FindingKind::Null,
                Severity::Warning,
                format!("null (documented {documented})"),
                Some(documented),
                Some("null".into()),
            );
            return;
        }
        if t.types & bit == 0 {
            let actual_type = act.type_name();
            let documented = types_text(t.types);
            self.report(
                FindingKind::Type,
                Severity::Error,
                format!("documented {documented}, actual {actual_type}"),
                Some(documented),
                Some(actual_type.into()),
            );
            return;
        }
        match bit {
            OBJECT => {
                if let Some(o) = &t.object {
                    self.object(o, act);
                }
            }
            ARRAY => {
                if let (Some(a), Some(aa)) = (&t.array, act.elements()) {
                    self.array(a, aa);
                }
            }
            STRING => {
                if let (Some(f), Some(s)) = (t.format, act.text())
                    && !f.accepts(s)
                {
                    self.report(
                        FindingKind::Format,
                        self.format,
                        format!("{:?} is not a {}", short(s), f.name()),
                        Some(f.name().into()),
                        Some(short(s)),
                    );
                }
            }
            _ => {}
        }
    }

    fn object<J: Answer>(&mut self, node: &ObjectNode, act: &J) {
        if node.sorted {
            // One documented object (or members that happen to be in key
            // order): a merged pass over both sorted maps, no lookups.
            let Some(members) = act.members() else { return };
            let mut rest = members.peekable();
            for m in &node.members {
                while let Some(&(an, _)) = rest.peek()
                    && an < m.name.as_str()
                {
                    rest.next();
                }
                let found = match rest.peek() {
                    Some(&(an, av)) if an == m.name => {
                        rest.next();
                        Some(av)
                    }
                    _ => None,
                };
                self.present_or_missing(m, found);
            }
        } else {
            for m in &node.members {
                self.present_or_missing(m, act.member(&m.name));
            }
        }
        if self.truncated {
            return;
        }
        // Undocumented names, in the answer's (sorted) order: merged with
        // the sorted documented names.
        let Some(members) = act.members() else { return };
        let name_at = |k: usize| {
            let i = if node.sorted {
                Some(k)
            } else {
                node.by_name.get(k).map(|&i| i as usize)
            };
            i.and_then(|i| node.members.get(i)).map(|m| m.name.as_str())
        };
        let mut k = 0;
        let mut next = name_at(0);
        for (name, av) in members {
            while let Some(n) = next
                && n < name
            {
                k += 1;
                next = name_at(k);
            }
            if next == Some(name) || is_annotation(name) {
                continue;
            }
            let mark = self.ptr.len();
            push_segment(&mut self.ptr, name);
            let actual_type = av.type_name();
            self.report(
                FindingKind::Undocumented,
                self.undocumented,
                format!("undocumented property (actual {actual_type})"),
                None,
                Some(actual_type.into()),
            );
            self.ptr.truncate(mark);
        }
    }

    /// One documented member, found in the answer or not.
    fn present_or_missing<J: Answer>(&mut self, m: &Member, found: Option<&J>) {
        let mark = self.ptr.len();
        if m.escaped {
            push_segment(&mut self.ptr, &m.name);
        } else {
            self.ptr.push('/');
            self.ptr.push_str(&m.name);
        }
        match found {
            Some(av) => self.member(m, av),
            None if m.required => {
                let t = m.missing_type;
                match &m.control {
                    Some(shown) => self.report(
                        FindingKind::OdataAnnotation,
                        Severity::Warning,
                        format!("missing annotation (documented {t})"),
                        Some(shown.to_string()),
                        None,
                    ),
                    None => self.report(
                        FindingKind::Missing,
                        Severity::Error,
                        format!("missing (documented {t})"),
                        Some(t.into()),
                        None,
                    ),
                }
            }
            None => {}
        }
        self.ptr.truncate(mark);
    }

    fn member<J: Answer>(&mut self, m: &Member, act: &J) {
        if let (Some((names, documented)), Some(got)) = (&m.odata_types, act.text()) {
            let bare = bare_type(got);
            if !names.iter().any(|d| d.eq_ignore_ascii_case(bare)) {
                self.report(
                    FindingKind::OdataType,
                    Severity::Error,
                    format!("type {bare}, documented {documented}"),
                    Some(short(documented)),
                    Some(short(got)),
                );
            }
            return;
        }
        self.walk(&m.child, act);
    }

    fn array<J: Answer>(&mut self, node: &ArrayNode, act: &[J]) {
        if node.judge_length && act.len() < node.min_len {
            let documented = node.min_len;
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
        let Some(pool) = &node.pool else {
            return; // `[]` documented: nothing said about elements
        };
        for (i, av) in act.iter().enumerate() {
            use std::fmt::Write;
            let mark = self.ptr.len();
            let _ = write!(self.ptr, "/{i}");
            let set = match av.odata_type() {
                Some(t) if !node.groups.is_empty() => {
                    let t = bare_type(t);
                    node.groups
                        .iter()
                        .find(|(g, _)| g.eq_ignore_ascii_case(t))
                        .map_or(pool, |(_, n)| n)
                }
                _ => pool,
            };
            self.walk(set, av);
            self.ptr.truncate(mark);
        }
    }
}
