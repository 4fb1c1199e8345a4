//! The OData protocol, Graph dialect (design.md §10): what the request's
//! query options and the answer's control information say the answer must
//! honour, beyond its shape.
//!
//! Rules, each a [`FindingKind`] of its own, each message citing its source:
//! - `$top=N`: at most N elements in `value` (Protocol 4.01 §11.2.6.3);
//! - `$count=true`: `@odata.count` present, an integer, and not smaller
//!   than the page (Protocol §11.2.6.5, JSON Format 4.01 §4.5.4); a
//!   `/$count` segment answers a plain-text integer (Protocol §11.2.10);
//! - `$orderby`: elements in that order where they have the properties
//!   (Protocol §11.2.6.2);
//! - `$select`: an answer carrying many unselected properties ignored it
//!   (Protocol §11.2.5.1): a warning, an error under `--odata strict` or
//!   `--strict`;
//! - `$filter`: every element satisfies it, for the grammar
//!   [`super::filter`] evaluates (Protocol §11.2.6.1);
//! - paging: a page never carries both `@odata.nextLink` and
//!   `@odata.deltaLink` (JSON Format §4.5.5, §4.5.7); the next link is handed
//!   to replay ([`Judged::next`]), which follows it only onto the target
//!   ([`on_target`]);
//! - a non-2xx answer carries the error envelope `{"error": {"code",
//!   "message"}}` (JSON Format §21.1): a warning (the status is the error).
//!
//! Decisions, and why:
//! - **False failures are worse than misses.** A rule judges only what it
//!   can read: an unreadable option (`$top={n}`), an element lacking an
//!   `$orderby` property, values of different types, a `$filter` using what
//!   is not evaluated — no verdict, never a guess (one note says so).
//! - **The documented example is the contract.** When the page's own
//!   example breaks a rule (shows 3 elements for `$top=2`), an answer that
//!   breaks it the same way is a warning naming the example, not an error:
//!   a service copying the docs must not fail for the docs' mistake.
//! - **Strings order case-insensitively** (Graph's directory does), numbers
//!   numerically, date-times as instants; nulls and mixed types are not
//!   judged (the spec puts nulls first, services differ).
//! - **The query read is the one sent** (placeholders filled), so the rules
//!   judge what the service was asked.
//! - **Pure.** Following pages is replay's job: the judge says which link
//!   comes next and judges what comes back, one page at a time.

use crate::model::{Finding, FindingKind, Severity};
use serde_json::{Map, Value};

/// `--odata off|on|strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    Off,
    #[default]
    On,
    /// The `$select` rule is an error.
    Strict,
}

impl Mode {
    pub fn parse(text: &str) -> Result<Mode, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(Mode::Off),
            "on" => Ok(Mode::On),
            "strict" => Ok(Mode::Strict),
            _ => Err("expected off, on or strict".to_owned()),
        }
    }
}

/// The query options of a request, read once per case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub top: Option<u64>,
    /// Top-level property names of `$select`.
    pub select: Vec<String>,
    pub count: bool,
    /// `$orderby` items: property path, descending.
    pub orderby: Vec<(Vec<String>, bool)>,
    /// The `$filter` expression, decoded, and read (or why it is not
    /// evaluated).
    pub filter: Option<(
        String,
        Result<super::filter::Expr, super::filter::Unsupported>,
    )>,
    /// The path ends in `/$count`.
    pub count_segment: bool,
    /// Options that could not be read, with why: no verdict on them.
    pub unread: Vec<String>,
}

impl Query {
    /// True when the rules read nothing of a 2xx page but its top-level
    /// `@odata.nextLink` and `@odata.deltaLink` (no `$top`, `$select`,
    /// `$count`, `$orderby` nor `$filter`): the judge then need not hand
    /// over the whole answer ([`super::Tree::PagingLinks`]).
    pub fn reads_only_paging_links(&self) -> bool {
        self.top.is_none()
            && self.select.is_empty()
            && !self.count
            && self.orderby.is_empty()
            && self.filter.is_none()
    }

    /// The options of a URL (absolute or not): keys with or without `$`,
    /// any case; values percent- and `+`-decoded.
    pub fn of(url: &str) -> Query {
        let mut q = Query::default();
        let url = url.split('#').next().unwrap_or("");
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let path = path.trim_end_matches('/');
        q.count_segment = path.ends_with("/$count") || path.ends_with("/%24count");
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let key = key.trim().trim_start_matches('$').to_ascii_lowercase();
            let value = value.trim();
            let placeholder = value.contains('{') && value.contains('}');
            match key.as_str() {
                "top" => match value.parse::<u64>() {
                    Ok(n) if !placeholder => q.top = Some(n),
                    _ => q.unread.push(format!("$top={value}: not a number")),
                },
                "count" => q.count = value.eq_ignore_ascii_case("true"),
                "select" if !placeholder => {
                    q.select = value
                        .split(',')
                        .map(|s| s.trim().split('/').next().unwrap_or("").to_owned())
                        .filter(|s| !s.is_empty())
                        .collect();
                }
                "orderby" if !placeholder => match orderby(value) {
                    Some(items) => q.orderby = items,
                    None => q.unread.push(format!("$orderby={value}: not read")),
                },
                _ => {}
            }
        }
        if let Some(raw) = super::filter::raw_filter_of(url) {
            let text = super::filter::from_query_value(raw);
            let parsed = super::filter::parse(&text);
            q.filter = Some((text, parsed));
        }
        q
    }

    /// The rules that apply to this query (for `list --json`): `top`,
    /// `select`, `count`, `count-segment`, `orderby`, `filter`; paging and
    /// the error envelope apply to every request.
    pub fn rules(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.top.is_some() {
            v.push("top");
        }
        if !self.select.is_empty() {
            v.push("select");
        }
        if self.count {
            v.push("count");
        }
        if self.count_segment {
            v.push("count-segment");
        }
        if !self.orderby.is_empty() {
            v.push("orderby");
        }
        if self.filter.is_some() {
            v.push("filter");
        }
        v.push("paging");
        v.push("error-envelope");
        v
    }
}

/// `a/b desc, c` → `[(["a","b"], true), (["c"], false)]`; `None` when an
/// item is not a plain property path.
fn orderby(text: &str) -> Option<Vec<(Vec<String>, bool)>> {
    let mut out = Vec::new();
    for item in text.split(',') {
        let mut words = item.split_whitespace();
        let path = words.next()?;
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return None,
        };
        if words.next().is_some() {
            return None;
        }
        let segs: Vec<String> = path.split('/').map(str::to_owned).collect();
        let plain =
            |s: &String| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !segs.iter().all(plain) {
            return None;
        }
        out.push((segs, desc));
    }
    (!out.is_empty()).then_some(out)
}

/// One answer (a page) to judge.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// 1 for the answer to the documented request, 2... for followed pages.
    pub number: usize,
    pub status: u16,
    /// The body, when it is JSON.
    pub json: Option<&'a Value>,
    /// The body as received.
    pub raw: &'a [u8],
    /// `IEEE754Compatible=true` in its Content-Type (numbers may be strings).
    pub ieee754_strings: bool,
}

/// What judging a page found.
#[derive(Debug, Default, PartialEq)]
pub struct Judged {
    pub findings: Vec<Finding>,
    /// The page's `@odata.nextLink`, for replay to follow (or refuse).
    pub next: Option<String>,
}

/// Judge one page against the query; `documented` is the page's example
/// body (its own breaches of a rule make the answer's a warning).
pub fn judge_page(
    q: &Query,
    documented: Option<&Value>,
    page: Page<'_>,
    mode: Mode,
    strict: bool,
) -> Judged {
    let mut findings = Vec::new();
    let mut next_link = None;
    if mode == Mode::Off {
        return Judged::default();
    }
    let mut push = |kind, severity, pointer: String, message: String| {
        let message = if page.number > 1 {
            let at = if pointer.is_empty() {
                String::new()
            } else {
                format!("{pointer}: ")
            };
            format!("page {}: {at}{message}", page.number)
        } else {
            message
        };
        findings.push(Finding {
            pointer: if page.number > 1 {
                String::new()
            } else {
                pointer
            },
            kind,
            severity,
            message,
            documented: None,
            actual: None,
        });
    };
    if !(200..300).contains(&page.status) {
        if page.status >= 400 && page.number == 1 && !is_error_envelope(page.json) {
            push(
                FindingKind::OdataError,
                Severity::Warning,
                String::new(),
                format!(
                    "a {} answer without the OData error envelope {{\"error\": {{\"code\": string, \"message\": string}}}} (JSON Format 4.01 §21.1){}",
                    page.status,
                    if documented.is_some_and(|d| !is_error_envelope(Some(d))) {
                        " (the documented example shows the same)"
                    } else {
                        ""
                    }
                ),
            );
        }
        return Judged {
            findings,
            next: None,
        };
    }
    if q.count_segment && page.number == 1 {
        let text = String::from_utf8_lossy(page.raw);
        let t = text.trim().trim_start_matches('\u{feff}');
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            push(
                FindingKind::OdataCount,
                Severity::Error,
                String::new(),
                format!(
                    "a /$count answer is a plain-text integer, not {} (Protocol 4.01 §11.2.10)",
                    super::short(t)
                ),
            );
        }
        return Judged {
            findings,
            next: None,
        };
    }
    let Some(Value::Object(obj)) = page.json else {
        return Judged {
            findings,
            next: None,
        };
    };
    let doc_obj = documented.and_then(Value::as_object);
    // A breach the documented example shows too is a warning.
    let sev = |doc_breaks: bool, kind_error: Severity| {
        if doc_breaks {
            Severity::Warning
        } else {
            kind_error
        }
    };
    let as_doc = |doc_breaks: bool| {
        if doc_breaks {
            " (the documented example shows the same)"
        } else {
            ""
        }
    };
    if obj.contains_key("@odata.nextLink") && obj.contains_key("@odata.deltaLink") {
        let doc_breaks = doc_obj.is_some_and(|d| {
            d.contains_key("@odata.nextLink") && d.contains_key("@odata.deltaLink")
        });
        push(
            FindingKind::OdataPaging,
            sev(doc_breaks, Severity::Error),
            String::new(),
            format!(
                "a page carries both @odata.nextLink and @odata.deltaLink (JSON Format 4.01 §4.5.5, §4.5.7){}",
                as_doc(doc_breaks)
            ),
        );
    } else if let Some(next) = obj.get("@odata.nextLink") {
        match next.as_str() {
            Some(s) if !s.trim().is_empty() => next_link = Some(s.to_owned()),
            _ => push(
                FindingKind::OdataPaging,
                Severity::Error,
                "/@odata.nextLink".to_owned(),
                "@odata.nextLink is not a URL string (JSON Format 4.01 §4.5.5)".to_owned(),
            ),
        }
    }
    let elements = obj.get("value").and_then(Value::as_array);
    let doc_elements = doc_obj
        .and_then(|d| d.get("value"))
        .and_then(Value::as_array);
    if let (Some(n), Some(els)) = (q.top, elements)
        && els.len() as u64 > n
    {
        let doc_breaks = doc_elements.is_some_and(|d| d.len() as u64 > n);
        push(
            FindingKind::OdataTop,
            sev(doc_breaks, Severity::Error),
            "/value".to_owned(),
            format!(
                "$top={n} asks for at most {n} elements; the page holds {} (Protocol 4.01 §11.2.6.3){}",
                els.len(),
                as_doc(doc_breaks)
            ),
        );
    }
    if q.count && page.number == 1 {
        let doc_breaks = doc_obj.is_some_and(|d| !d.contains_key("@odata.count"));
        match obj.get("@odata.count") {
            None if elements.is_some() => push(
                FindingKind::OdataCount,
                sev(doc_breaks, Severity::Error),
                "/@odata.count".to_owned(),
                format!(
                    "$count=true asks for @odata.count; the answer has none (Protocol 4.01 §11.2.6.5){}",
                    as_doc(doc_breaks)
                ),
            ),
            None => {}
            Some(c) => {
                let n = match c {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) if page.ieee754_strings => s.parse::<u64>().ok(),
                    _ => None,
                };
                match n {
                    None => push(
                        FindingKind::OdataCount,
                        Severity::Error,
                        "/@odata.count".to_owned(),
                        format!(
                            "@odata.count is a non-negative integer, not {} (JSON Format 4.01 §4.5.4)",
                            super::short(&c.to_string())
                        ),
                    ),
                    Some(n) => {
                        if let Some(els) = elements
                            && (els.len() as u64) > n
                        {
                            push(
                                FindingKind::OdataCount,
                                Severity::Error,
                                "/@odata.count".to_owned(),
                                format!(
                                    "@odata.count is {n}, fewer than the {} elements on this page: it counts every match (Protocol 4.01 §11.2.6.5)",
                                    els.len()
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
    if let Some(els) = elements {
        if !q.orderby.is_empty()
            && let Some((i, why)) = out_of_order(&q.orderby, els)
        {
            let doc_breaks = doc_elements.is_some_and(|d| out_of_order(&q.orderby, d).is_some());
            push(
                FindingKind::OdataOrderby,
                sev(doc_breaks, Severity::Error),
                format!("/value/{i}"),
                format!(
                    "{why}: not in $orderby order (Protocol 4.01 §11.2.6.2){}",
                    as_doc(doc_breaks)
                ),
            );
        }
        if let Some((text, parsed)) = &q.filter {
            filter_rule(text, parsed, els, doc_elements, &mut push);
        }
        if !q.select.is_empty()
            && let Some((i, extra)) = ignored_select(&q.select, els.iter())
        {
            let doc_breaks =
                doc_elements.is_some_and(|d| ignored_select(&q.select, d.iter()).is_some());
            let error = (mode == Mode::Strict || strict) && !doc_breaks;
            push(
                FindingKind::OdataSelect,
                if error {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                format!("/value/{i}"),
                format!(
                    "$select={} was ignored: {} (Protocol 4.01 §11.2.5.1){}",
                    q.select.join(","),
                    extra,
                    as_doc(doc_breaks)
                ),
            );
        }
    } else if !q.select.is_empty()
        && page.number == 1
        && let Some((_, extra)) =
            ignored_select(&q.select, std::iter::once(&Value::Object(obj.clone())))
    {
        let doc_breaks =
            documented.is_some_and(|d| ignored_select(&q.select, std::iter::once(d)).is_some());
        let error = (mode == Mode::Strict || strict) && !doc_breaks;
        push(
            FindingKind::OdataSelect,
            if error {
                Severity::Error
            } else {
                Severity::Warning
            },
            String::new(),
            format!(
                "$select={} was ignored: {} (Protocol 4.01 §11.2.5.1){}",
                q.select.join(","),
                extra,
                as_doc(doc_breaks)
            ),
        );
    }
    Judged {
        findings,
        next: next_link,
    }
}

/// Elements failing `$filter` named, up to this many; the rest counted.
const FILTER_SHOWN: usize = 5;

/// `$filter`: each element satisfies it, for the grammar evaluated. A
/// filter not evaluated, or elements it cannot decide, give one note.
fn filter_rule(
    text: &str,
    parsed: &Result<super::filter::Expr, super::filter::Unsupported>,
    els: &[Value],
    doc_elements: Option<&Vec<Value>>,
    push: &mut impl FnMut(FindingKind, Severity, String, String),
) {
    use super::filter::{Outcome, eval};
    let expr = match parsed {
        Ok(e) => e,
        Err(why) => {
            push(
                FindingKind::OdataFilter,
                Severity::Note,
                String::new(),
                format!("{why}: no verdict on $filter={}", super::short(text)),
            );
            return;
        }
    };
    // The page's own example failing its filter: a breach like it is a
    // warning.
    let doc_breaks = doc_elements.is_some_and(|d| {
        d.iter()
            .any(|e| matches!(eval(expr, e), Outcome::False { .. }))
    });
    let mut failing = 0;
    let mut unknown: Option<(usize, String)> = None;
    let mut unknowns = 0;
    for (i, e) in els.iter().enumerate() {
        match eval(expr, e) {
            Outcome::True => {}
            Outcome::False { failed } => {
                failing += 1;
                if failing <= FILTER_SHOWN {
                    push(
                        FindingKind::OdataFilter,
                        if doc_breaks {
                            Severity::Warning
                        } else {
                            Severity::Error
                        },
                        format!("/value/{i}"),
                        format!(
                            "does not satisfy $filter: {} is false (Protocol 4.01 §11.2.6.1){}",
                            super::short(&failed),
                            if doc_breaks {
                                " (the documented example shows the same)"
                            } else {
                                ""
                            }
                        ),
                    );
                }
            }
            Outcome::Unknown(why) => {
                unknowns += 1;
                unknown.get_or_insert((i, why));
            }
        }
    }
    if failing > FILTER_SHOWN {
        push(
            FindingKind::OdataFilter,
            if doc_breaks {
                Severity::Warning
            } else {
                Severity::Error
            },
            "/value".to_owned(),
            format!(
                "{} more elements do not satisfy $filter (Protocol 4.01 §11.2.6.1)",
                failing - FILTER_SHOWN
            ),
        );
    }
    if let Some((i, why)) = unknown {
        push(
            FindingKind::OdataFilter,
            Severity::Note,
            format!("/value/{i}"),
            format!(
                "no verdict on $filter for {}: {}",
                crate::report::count(unknowns, "element", "elements"),
                super::short(&why)
            ),
        );
    }
}

/// `{"error": {"code": string, "message": string, ...}}`.
fn is_error_envelope(body: Option<&Value>) -> bool {
    let Some(e) = body.and_then(|b| b.get("error")).and_then(Value::as_object) else {
        return false;
    };
    e.get("code").is_some_and(Value::is_string) && e.get("message").is_some_and(Value::is_string)
}

/// More unselected properties than this, besides the key and annotations,
/// in one element: `$select` was ignored.
const SELECT_SLACK: usize = 3;

/// The first element carrying more than [`SELECT_SLACK`] properties that
/// were not selected (annotations, `id` and navigation-looking `@` members
/// aside), and which ones.
fn ignored_select<'a>(
    select: &[String],
    elements: impl Iterator<Item = &'a Value>,
) -> Option<(usize, String)> {
    if select.iter().any(|s| s == "*") {
        return None;
    }
    for (i, e) in elements.enumerate() {
        let Some(o) = e.as_object() else { continue };
        let extra: Vec<&str> = o
            .keys()
            .map(String::as_str)
            .filter(|k| !k.contains('@') && !k.eq_ignore_ascii_case("id"))
            .filter(|k| !select.iter().any(|s| s.eq_ignore_ascii_case(k)))
            .collect();
        if extra.len() > SELECT_SLACK.max(select.len()) {
            let shown: Vec<&str> = extra.iter().take(4).copied().collect();
            return Some((
                i,
                format!(
                    "{} properties not selected ({}{})",
                    extra.len(),
                    shown.join(", "),
                    if extra.len() > 4 { ", …" } else { "" }
                ),
            ));
        }
    }
    None
}

/// The value at a property path of an element.
fn at<'a>(e: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut v = e;
    for seg in path {
        v = v.as_object().and_then(|o| get_ci(o, seg))?;
    }
    Some(v)
}

/// A member by name, exact first, then case-insensitively (OData names
/// are case-sensitive, Graph's services are lenient).
fn get_ci<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.get(name).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// How two values of one `$orderby` key compare, when they can be.
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::String(x), Value::String(y)) => {
            if let (Some(p), Some(q)) = (super::filter::instant(x), super::filter::instant(y)) {
                return Some(p.cmp(&q));
            }
            Some(x.to_lowercase().cmp(&y.to_lowercase()))
        }
        _ => None,
    }
}

/// The first element out of `$orderby` order, and why.
fn out_of_order(keys: &[(Vec<String>, bool)], els: &[Value]) -> Option<(usize, String)> {
    for i in 1..els.len() {
        for (path, desc) in keys {
            let (Some(a), Some(b)) = (at(&els[i - 1], path), at(&els[i], path)) else {
                // Lacking the key: not judged, and no later key either.
                break;
            };
            let Some(ord) = compare(a, b) else { break };
            let ord = if *desc { ord.reverse() } else { ord };
            match ord {
                std::cmp::Ordering::Less => break,
                std::cmp::Ordering::Equal => continue,
                std::cmp::Ordering::Greater => {
                    return Some((
                        i,
                        format!(
                            "{} {} comes after {} {}",
                            path.join("/"),
                            super::short(&b.to_string()),
                            super::short(&a.to_string()),
                            if *desc { "(desc)" } else { "(asc)" }
                        ),
                    ));
                }
            }
        }
    }
    None
}

/// Whether a next link stays on the target: same scheme, host and port,
/// and under its base path. The link resolved, or why it is refused.
pub fn on_target(link: &str, base: &url::Url) -> Result<url::Url, String> {
    let url = base
        .join(link)
        .map_err(|e| format!("@odata.nextLink {} is not a URL: {e}", super::short(link)))?;
    let same_origin = url.scheme() == base.scheme()
        && url.host_str() == base.host_str()
        && url.port_or_known_default() == base.port_or_known_default();
    let base_path = base.path().trim_end_matches('/');
    let under = url.path() == base_path
        || url.path().starts_with(&format!("{base_path}/"))
        || base_path.is_empty();
    if same_origin && under {
        Ok(url)
    } else {
        Err(format!(
            "@odata.nextLink points at {}, not at the target {}: never requested (a client following it would leave the service; JSON Format 4.01 §4.5.5)",
            // the query left out (it may carry a token); the port kept: it
            // may be all that differs from the target
            super::short(&format!(
                "{}://{}{}{}",
                url.scheme(),
                url.host_str().unwrap_or(""),
                url.port().map(|p| format!(":{p}")).unwrap_or_default(),
                url.path()
            )),
            base
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// (request URL, documented body, actual status, actual body, the
    /// findings as `kind severity`, in order).
    type Row = (&'static str, Value, u16, Value, &'static [&'static str]);

    fn kinds(
        url: &str,
        doc: &Value,
        status: u16,
        body: &Value,
        mode: Mode,
        strict: bool,
    ) -> Vec<String> {
        let raw = serde_json::to_vec(body).unwrap();
        let page = Page {
            number: 1,
            status,
            json: Some(body),
            raw: &raw,
            ieee754_strings: false,
        };
        let doc = (!doc.is_null()).then_some(doc);
        judge_page(&Query::of(url), doc, page, mode, strict)
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    serde_json::to_value(f.kind).unwrap().as_str().unwrap(),
                    match f.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                        Severity::Note => "note",
                    }
                )
            })
            .collect()
    }

    fn v(n: usize) -> Value {
        json!({"value": (0..n).map(|i| json!({"id": i.to_string()})).collect::<Vec<_>>()})
    }

    #[test]
    fn rules_as_a_table() {
        let users = |names: &[&str]| json!({"value": names.iter().map(|n| json!({"id": "1", "displayName": n})).collect::<Vec<_>>()});
        let rows: Vec<Row> = vec![
            // $top
            ("/v1.0/users?$top=2", v(2), 200, v(2), &[]),
            ("/v1.0/users?$top=2", v(2), 200, v(1), &[]),
            ("/v1.0/users?$top=2", v(2), 200, v(3), &["odata-top error"]),
            ("/v1.0/users?top=2", v(2), 200, v(3), &["odata-top error"]),
            ("/v1.0/users?$TOP=2", v(2), 200, v(3), &["odata-top error"]),
            ("/v1.0/users?$top=0", v(0), 200, v(0), &[]),
            (
                "/v1.0/users?$top=2",
                v(3),
                200,
                v(3),
                &["odata-top warning"],
            ),
            ("/v1.0/users?$top={n}", v(2), 200, v(9), &[]),
            ("/v1.0/users?$top=abc", v(2), 200, v(9), &[]),
            ("/v1.0/users", v(2), 200, v(50), &[]),
            // $count
            (
                "/v1.0/users?$count=true",
                json!({"@odata.count": 2, "value": []}),
                200,
                json!({"@odata.count": 5, "value": [{"id": "1"}]}),
                &[],
            ),
            (
                "/v1.0/users?$count=true",
                json!({"@odata.count": 2, "value": []}),
                200,
                json!({"value": [{"id": "1"}]}),
                &["odata-count error"],
            ),
            (
                "/v1.0/users?$count=true",
                json!({"value": []}),
                200,
                json!({"value": [{"id": "1"}]}),
                &["odata-count warning"],
            ),
            (
                "/v1.0/users?$count=true",
                json!({"@odata.count": 2, "value": []}),
                200,
                json!({"@odata.count": "5", "value": []}),
                &["odata-count error"],
            ),
            (
                "/v1.0/users?$count=true",
                json!({"@odata.count": 2, "value": []}),
                200,
                json!({"@odata.count": -1, "value": []}),
                &["odata-count error"],
            ),
            (
                "/v1.0/users?$count=true",
                json!({"@odata.count": 2, "value": []}),
                200,
                json!({"@odata.count": 1, "value": [{"id": "1"}, {"id": "2"}]}),
                &["odata-count error"],
            ),
            (
                "/v1.0/users?$count=false",
                json!({"value": []}),
                200,
                json!({"value": [{"id": "1"}]}),
                &[],
            ),
            (
                "/v1.0/users?$count=true",
                json!({"id": "1"}),
                200,
                json!({"id": "1"}),
                &[],
            ),
            // $orderby
            (
                "/v1.0/users?$orderby=displayName",
                Value::Null,
                200,
                users(&["adele", "Bob", "carl"]),
                &[],
            ),
            (
                "/v1.0/users?$orderby=displayName",
                Value::Null,
                200,
                users(&["Bob", "adele"]),
                &["odata-orderby error"],
            ),
            (
                "/v1.0/users?$orderby=displayName%20desc",
                Value::Null,
                200,
                users(&["carl", "Bob", "adele"]),
                &[],
            ),
            (
                "/v1.0/users?$orderby=displayName+desc",
                Value::Null,
                200,
                users(&["adele", "Bob"]),
                &["odata-orderby error"],
            ),
            (
                "/v1.0/users?$orderby=displayName",
                users(&["b", "a"]),
                200,
                users(&["b", "a"]),
                &["odata-orderby warning"],
            ),
            (
                "/v1.0/users?$orderby=displayName",
                Value::Null,
                200,
                users(&["A", "a", "B"]),
                &[],
            ),
            (
                "/v1.0/users?$orderby=size",
                Value::Null,
                200,
                json!({"value": [{"size": 2}, {"size": 10}]}),
                &[],
            ),
            (
                "/v1.0/users?$orderby=size",
                Value::Null,
                200,
                json!({"value": [{"size": 10}, {"size": 2}]}),
                &["odata-orderby error"],
            ),
            (
                "/v1.0/users?$orderby=size",
                Value::Null,
                200,
                json!({"value": [{"size": 10}, {"id": "x"}, {"size": 2}]}),
                &[],
            ),
            (
                "/v1.0/users?$orderby=size",
                Value::Null,
                200,
                json!({"value": [{"size": 10}, {"size": null}]}),
                &[],
            ),
            (
                "/v1.0/users?$orderby=size",
                Value::Null,
                200,
                json!({"value": [{"size": "10"}, {"size": 2}]}),
                &[],
            ),
            (
                "/v1.0/me/messages?$orderby=receivedDateTime%20desc",
                Value::Null,
                200,
                json!({"value": [{"receivedDateTime": "2024-01-02T00:00:00Z"}, {"receivedDateTime": "2024-01-01T23:00:00-02:00"}]}),
                &["odata-orderby error"],
            ),
            (
                "/v1.0/me/messages?$orderby=receivedDateTime",
                Value::Null,
                200,
                json!({"value": [{"receivedDateTime": "2024-01-01T10:00:00+02:00"}, {"receivedDateTime": "2024-01-01T09:00:00Z"}]}),
                &[],
            ),
            (
                "/v1.0/me/events?$orderby=start/dateTime",
                Value::Null,
                200,
                json!({"value": [{"start": {"dateTime": "2024-01-01T10:00:00"}}, {"start": {"dateTime": "2024-01-01T09:00:00"}}]}),
                &["odata-orderby error"],
            ),
            (
                "/v1.0/users?$orderby=a,b%20desc",
                Value::Null,
                200,
                json!({"value": [{"a": 1, "b": 2}, {"a": 1, "b": 1}, {"a": 2, "b": 9}]}),
                &[],
            ),
            (
                "/v1.0/users?$orderby=a,b%20desc",
                Value::Null,
                200,
                json!({"value": [{"a": 1, "b": 1}, {"a": 1, "b": 2}]}),
                &["odata-orderby error"],
            ),
            (
                "/v1.0/users?$orderby=tolower(displayName)",
                Value::Null,
                200,
                users(&["b", "a"]),
                &[],
            ),
            (
                "/v1.0/users?$orderby=displayName%20sideways",
                Value::Null,
                200,
                users(&["b", "a"]),
                &[],
            ),
            // $select
            (
                "/v1.0/users?$select=displayName",
                Value::Null,
                200,
                json!({"value": [{"id": "1", "displayName": "a"}]}),
                &[],
            ),
            (
                "/v1.0/users?$select=displayName",
                Value::Null,
                200,
                json!({"value": [{"id": "1", "displayName": "a", "mail": "m", "jobTitle": "j", "surname": "s", "givenName": "g"}]}),
                &["odata-select warning"],
            ),
            (
                "/v1.0/users?$select=displayName,mail",
                Value::Null,
                200,
                json!({"value": [{"id": "1", "displayName": "a", "mail": "m", "jobTitle": "j", "surname": "s", "@odata.etag": "x"}]}),
                &[],
            ),
            (
                "/v1.0/users?$select=*",
                Value::Null,
                200,
                json!({"value": [{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}]}),
                &[],
            ),
            (
                "/v1.0/me?$select=displayName",
                Value::Null,
                200,
                json!({"id": "1", "displayName": "a", "mail": "m", "jobTitle": "j", "surname": "s", "givenName": "g"}),
                &["odata-select warning"],
            ),
            (
                "/v1.0/me?$select=displayName",
                Value::Null,
                200,
                json!({"id": "1", "displayName": "a", "manager@odata.navigationLink": "x"}),
                &[],
            ),
            // paging
            (
                "/v1.0/users",
                Value::Null,
                200,
                json!({"value": [], "@odata.nextLink": "https://x/a", "@odata.deltaLink": "https://x/b"}),
                &["odata-paging error"],
            ),
            (
                "/v1.0/users",
                Value::Null,
                200,
                json!({"value": [], "@odata.nextLink": 7}),
                &["odata-paging error"],
            ),
            (
                "/v1.0/users",
                Value::Null,
                200,
                json!({"value": [], "@odata.deltaLink": "https://x/b"}),
                &[],
            ),
            // $filter (the evaluator's own table is in judge::filter)
            (
                "/v1.0/users?$filter=startswith(displayName,'a')",
                Value::Null,
                200,
                users(&["Adele", "alex"]),
                &[],
            ),
            (
                "/v1.0/users?$filter=startswith(displayName,'a')",
                Value::Null,
                200,
                users(&["Adele", "Bob"]),
                &["odata-filter error"],
            ),
            (
                "/v1.0/users?$filter=startswith(displayName,%27a%27)",
                Value::Null,
                200,
                users(&["Bob"]),
                &["odata-filter error"],
            ),
            (
                "/v1.0/users?$filter=startswith(displayName,'a')",
                users(&["Bob"]),
                200,
                users(&["Bob"]),
                &["odata-filter warning"],
            ),
            (
                "/v1.0/users?$filter=isof('microsoft.graph.user')",
                Value::Null,
                200,
                users(&["Bob"]),
                &["odata-filter note"],
            ),
            (
                "/v1.0/users?$filter=mail+eq+'a@b.c'",
                Value::Null,
                200,
                users(&["Bob"]),
                &["odata-filter note"],
            ),
            (
                "/v1.0/groups?$filter=groupTypes/any(c:c+eq+'Unified')",
                Value::Null,
                200,
                json!({"value": [{"groupTypes": ["Unified"]}, {"groupTypes": ["DynamicMembership", "unified"]}]}),
                &[],
            ),
            (
                "/v1.0/groups?$filter=groupTypes/any(c:c+eq+'Unified')",
                Value::Null,
                200,
                json!({"value": [{"groupTypes": []}]}),
                &["odata-filter error"],
            ),
            (
                "/v1.0/users?$filter=displayName eq 'x'",
                Value::Null,
                200,
                json!({"value": (0..8).map(|_| json!({"displayName": "y"})).collect::<Vec<_>>()}),
                &[
                    "odata-filter error",
                    "odata-filter error",
                    "odata-filter error",
                    "odata-filter error",
                    "odata-filter error",
                    "odata-filter error",
                ],
            ),
            // the error envelope
            (
                "/v1.0/users/x",
                Value::Null,
                404,
                json!({"error": {"code": "NotFound", "message": "no"}}),
                &[],
            ),
            (
                "/v1.0/users/x",
                Value::Null,
                404,
                json!({"error": {"code": "", "message": "no", "innerError": {}}}),
                &[],
            ),
            (
                "/v1.0/users/x",
                Value::Null,
                404,
                json!({"message": "no"}),
                &["odata-error warning"],
            ),
            (
                "/v1.0/users/x",
                Value::Null,
                500,
                json!({"error": "boom"}),
                &["odata-error warning"],
            ),
            ("/v1.0/users/x", Value::Null, 302, json!({}), &[]),
        ];
        assert!(rows.len() >= 45, "{}", rows.len());
        for (url, doc, status, body, want) in &rows {
            let got = kinds(url, doc, *status, body, Mode::On, false);
            assert_eq!(got, *want, "{url}\n{body}");
        }
    }

    #[test]
    fn strict_and_off() {
        let url = "/v1.0/users?$select=displayName&$top=1";
        let body = json!({"value": [{"id": "1", "displayName": "a", "mail": "m", "jobTitle": "j", "surname": "s", "givenName": "g"}, {"id": "2"}]});
        // (mode, --strict, findings)
        let rows: &[(Mode, bool, &[&str])] = &[
            (
                Mode::On,
                false,
                &["odata-top error", "odata-select warning"],
            ),
            (
                Mode::Strict,
                false,
                &["odata-top error", "odata-select error"],
            ),
            (Mode::On, true, &["odata-top error", "odata-select error"]),
            (Mode::Off, true, &[]),
        ];
        for (mode, strict, want) in rows {
            assert_eq!(
                kinds(url, &Value::Null, 200, &body, *mode, *strict),
                *want,
                "{mode:?} {strict}"
            );
        }
    }

    #[test]
    fn count_segments_are_plain_integers() {
        // (answer body, findings)
        let rows: &[(&[u8], usize)] = &[
            (b"42", 0),
            (b" 7\n", 0),
            (b"\xef\xbb\xbf3", 0),
            (b"", 1),
            (b"{\"count\": 4}", 1),
            (b"-1", 1),
            (b"4.0", 1),
        ];
        let q = Query::of("https://graph.microsoft.com/v1.0/users/$count");
        assert!(q.count_segment);
        for (raw, want) in rows {
            let page = Page {
                number: 1,
                status: 200,
                json: None,
                raw,
                ieee754_strings: false,
            };
            let got = judge_page(&q, None, page, Mode::On, false).findings;
            assert_eq!(
                got.len(),
                *want,
                "{:?}: {got:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn next_links_stay_on_the_target() {
        let base = url::Url::parse("http://127.0.0.1:8080/api/").unwrap();
        // (link, followed)
        let rows = [
            ("http://127.0.0.1:8080/api/v1.0/users?$skiptoken=a", true),
            ("/api/v1.0/users?$skiptoken=a", true),
            ("v1.0/users?$skiptoken=a", true),
            ("https://graph.microsoft.com/v1.0/users?$skiptoken=a", false),
            ("http://127.0.0.1:8081/api/v1.0/users", false),
            ("https://127.0.0.1:8080/api/v1.0/users", false),
            ("http://127.0.0.1:8080/other/v1.0/users", false),
            ("http://localhost:8080/api/v1.0/users", false),
            ("http://127.0.0.1:8080/apix/v1.0", false),
        ];
        for (link, want) in rows {
            assert_eq!(on_target(link, &base).is_ok(), want, "{link}");
        }
        let root = url::Url::parse("http://127.0.0.1:8080/").unwrap();
        assert!(on_target("http://127.0.0.1:8080/v1.0/users?x", &root).is_ok());
        // what the message shows of the link: enough to see what differs
        let shown = |link: &str| {
            let e = on_target(link, &base).unwrap_err();
            e.split(", not at").next().unwrap().to_owned()
        };
        let rows = [
            (
                "http://127.0.0.1/api/v1.0/users?$skiptoken=secret",
                "@odata.nextLink points at http://127.0.0.1/api/v1.0/users",
            ),
            (
                "http://127.0.0.1:8081/api/v1.0/users",
                "@odata.nextLink points at http://127.0.0.1:8081/api/v1.0/users",
            ),
            (
                "http://[::1]:8080/api/v1.0/users",
                "@odata.nextLink points at http://[::1]:8080/api/v1.0/users",
            ),
        ];
        for (link, want) in rows {
            assert_eq!(shown(link), want, "{link}");
        }
    }

    #[test]
    fn queries_are_read_from_urls() {
        let q = Query::of(
            "https://graph.microsoft.com/v1.0/users?$select=id,displayName,manager/id&$top=5&$count=true&$orderby=displayName%20desc,mail&$filter=startswith(displayName,%27a%27)",
        );
        assert_eq!(q.top, Some(5));
        assert_eq!(q.select, ["id", "displayName", "manager"]);
        assert!(q.count);
        assert_eq!(
            q.orderby,
            vec![
                (vec!["displayName".to_owned()], true),
                (vec!["mail".to_owned()], false)
            ]
        );
        assert_eq!(
            q.filter.as_ref().map(|f| f.0.as_str()),
            Some("startswith(displayName,'a')")
        );
        assert!(q.filter.as_ref().is_some_and(|f| f.1.is_ok()));
        assert_eq!(
            q.rules(),
            [
                "top",
                "select",
                "count",
                "orderby",
                "filter",
                "paging",
                "error-envelope"
            ]
        );
        assert_eq!(Query::of("/me").rules(), ["paging", "error-envelope"]);
    }

    #[test]
    fn instants_honour_offsets() {
        use super::super::filter::{Instant, instant};
        let at = |secs, nanos| Some(Instant { secs, nanos });
        let rows = [
            ("1970-01-01T00:00:00Z", at(0, 0)),
            ("1970-01-01T01:00:00+01:00", at(0, 0)),
            ("2024-02-29T12:00:00.5Z", at(1_709_208_000, 500_000_000)),
            ("2024-01-01", None),
            ("not a date", None),
            ("2024-13-01T00:00:00Z", None),
        ];
        for (text, want) in rows {
            assert_eq!(instant(text), want, "{text}");
        }
    }
}
