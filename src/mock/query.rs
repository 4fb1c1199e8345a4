//! The mock's OData query options: a documented body turned into the
//! answer to the options a request asks (issue #16). Real SDKs ask a
//! collection with other options than the example shows (`GET
//! /users?$top=1&$select=id,displayName` where the page documents `GET
//! /users`); the mock answers with the documented body, with the options
//! the request adds or changes applied to it. Pure: no I/O, no HTTP.
//!
//! The options are read by [`Query::of`] (the judge's reader, so the mock
//! and the judge agree on what a URL asks), and `$filter` is evaluated by
//! [`crate::judge::filter::eval`]. What each does (OData 4.01 Part 1
//! Protocol, "PROT"; OData JSON Format 4.01, "JSON"):
//!
//! | option | what the mock does | source |
//! |---|---|---|
//! | `$filter` | keeps the elements the filter does not make false | PROT §11.2.6.1 |
//! | `$orderby` | a stable sort by the listed paths | PROT §11.2.6.2 |
//! | `$count=true` | `@odata.count`: the elements after `$filter`, before `$top` | PROT §11.2.6.5, JSON §4.5.4 |
//! | `$top=N` | at most N elements; a next link when more remain ([`apply_paged`]) | PROT §11.2.6.3, §11.2.5.7 |
//! | `$skip=N` | the first N elements left out ([`apply_paged`]) | PROT §11.2.6.4 |
//! | `$select` | each element (or the entity) keeps only what is selected | PROT §11.2.5.1 |
//! | `/$count` | [`count_of`]: the number of elements, as plain text | PROT §11.2.10 |
//! | `$expand`, `$search` | nothing: the body as documented | PROT §11.2.5.2, §11.2.6.6 |
//!
//! They apply in the order OData evaluates them (PROT §11.2.6: filter,
//! order, count, skip, top; then the projection).
//!
//! Decisions, and why:
//! - **A malformed option is Graph's `400`, not ignored** ([`malformed`]):
//!   `$top` or `$skip` that is not a non-negative integer (negative, a
//!   fraction, empty, beyond 64 bits), `$count` that is neither `true` nor
//!   `false`, and a system query option given twice (`$top=1&%24TOP=2`:
//!   keys compared decoded and case-insensitively) are refused with code
//!   `BadRequest` and the message Graph's OData parser gives (PROT
//!   §11.2.6.3-5 define the values), the value quoted cut to 64
//!   characters. Answering them with the documented body would let a
//!   client's bug pass against the mock and fail against Graph. Only
//!   `$`-prefixed keys are judged (a key without `$` may be a function's
//!   parameter), and only options the example does not write itself (its
//!   `$top={n}` is its own business; the documented request is always
//!   served).
//! - **Only what the request adds or changes.** The documented body already
//!   honours the options of the example's own URL (`answered`): an option
//!   asked as the example asks it is not applied again, so the documented
//!   request gets the documented body exactly ([`Applied::Unchanged`], served
//!   as written, key order and all). What the example applied cannot be
//!   undone: asked without the example's `$filter`, `$top` or `$select`, the
//!   mock has no other elements or properties to give; the body stays as it
//!   is and [`unhonoured`] says why.
//! - **Only a collection is queried.** A collection body is an object with a
//!   `value` array whose other members are all annotations (`@odata.context`,
//!   `@odata.nextLink`, ...; also `odata.context`, the older spelling without
//!   `@` that a page of the corpus writes): that is how JSON §12 writes one. Any other
//!   object is an entity (or a complex value) and gets `$select` only. An
//!   error envelope (`{"error": {...}}`) is never changed. Elements that are
//!   not objects (a collection of strings) are filtered as `$it` (`$filter=
//!   startswith($it,'a')`), sorted last by a property path (they lack it),
//!   and kept whole by `$select`.
//! - **`$filter` never guesses.** An element is dropped only when the
//!   evaluator says the filter is false for it; an element it cannot decide
//!   (`Unknown`: a property absent from the documented element, a type
//!   mismatch) is kept, as the judge gives it no verdict either. A filter
//!   the evaluator does not read (`Unsupported`: `isof`, placeholders)
//!   changes nothing. A filter asked while the example has another one is
//!   applied to the elements the example shows, which the example's filter
//!   already chose: the best the mock can do.
//! - **`$orderby` is a total order, so sorting never panics** (Rust's sort
//!   may panic on an inconsistent comparator). Per key: an element lacking
//!   the property (absent, or not an object) comes last in either direction;
//!   `null` is the smallest value (PROT §11.2.6.2: nulls first ascending,
//!   last descending); then booleans, numbers (numerically), strings, and
//!   objects or arrays (equal to each other), in that order. Strings compare
//!   as date-time instants ([`crate::judge::filter::instant`], offsets
//!   honoured) when every string of that key in the collection is one, and
//!   otherwise case-insensitively (Graph's directory does; the judge orders
//!   the same way). Ties keep the documented order (a stable sort).
//! - **`$count=true` counts what the mock has**: the elements after
//!   `$filter`, before `$top`. Asked by the example too, the documented
//!   `@odata.count` (often a total larger than the page) is kept unless the
//!   request's `$filter` changed the elements. Asked by the example and not
//!   by the request, `@odata.count` is removed (PROT §11.2.6.5: without
//!   `$count=true` the service should not count). The member sits right
//!   after `@odata.context` (first when there is none): serde_json is built
//!   here without `preserve_order`, so a re-serialized body has its keys in
//!   name order anyway, and `@odata.context` < `@odata.count` < every
//!   property name; the insertion also keeps that place if `preserve_order`
//!   is ever turned on.
//! - **`$top` cuts, and pages the rest as Graph does.** The elements beyond
//!   N are dropped. [`apply`] stops there (a documented `@odata.nextLink`
//!   stays: the mock's paging rewrites it elsewhere). [`apply_paged`], the
//!   mock's answer, also says where the next page starts when elements
//!   remain, and the mock writes an `@odata.nextLink` asking `$skip` for
//!   them: a client asking `GET /me/mailFolders?$top=2` of a documented list
//!   of five gets pages of 2, 2 and 1 and then no next link, as Graph pages
//!   a collection cut by `$top` (PROT §11.2.5.7, server-driven paging). The
//!   pages hold the documented elements only: the mock has no others, so a
//!   documented next link is not given on these pages (following it would
//!   give the same elements again and the paging would never end). `$top=0`
//!   is an empty `value`; a `$top` larger than what remains writes no next
//!   link.
//! - **`$skip` is applied after `$count` and before `$top`** (PROT
//!   §11.2.6.4; `@odata.count` counts every element the filter keeps). A
//!   `$skip` beyond the elements is an empty `value`. The example's own
//!   `$skip`, if it writes one, is taken as already applied, like its other
//!   options.
//! - **`$select` keeps `id` and every annotation.** Each element (or the
//!   entity) keeps the selected properties (names matched
//!   case-insensitively, as Graph resolves them), `id` (Graph always returns
//!   the key), and every member whose name holds `@` (`@odata.type`,
//!   `@odata.etag`, `manager@odata.navigationLink`, `@microsoft.graph.*`):
//!   clients must accept annotations (JSON §20), and the judge never counts
//!   them against a `$select`. A selected name the body does not show is
//!   simply absent. `$select=*` selects everything. `$select=manager/id`
//!   keeps `manager` whole (the reader keeps the first segment). The context
//!   URL (`$metadata#users(id,displayName)`) is not rewritten. Two
//!   selections naming the same properties in another order or case are the
//!   same selection.
//! - **Never panics**, on any body or query: no indexing, `$top` beyond
//!   `usize` saturates, nothing recurses deeper than the body's top level.

use crate::judge::filter::{Outcome, eval, instant};
use crate::judge::is_annotation;
use crate::judge::odata::Query;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// The system query options a request may give once (OData's
/// `$`-prefixed options that Graph reads).
const ONCE: &[&str] = &[
    "top",
    "skip",
    "count",
    "select",
    "filter",
    "orderby",
    "expand",
    "search",
    "format",
    "skiptoken",
    "deltatoken",
];

/// Why Graph would refuse a request's system query options with `400`
/// (see the module docs), in the words of Graph's OData parser; `None`
/// when it would not. `example` is the example's own query set (keys
/// without `$`, lower case): an option it writes is not judged.
pub fn malformed(query: &str, example: &[(String, String)]) -> Option<String> {
    let quote = |v: &str| match v.char_indices().nth(64) {
        Some((at, _)) => format!("{}...", &v[..at]),
        None => v.to_owned(),
    };
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let key = key.trim();
        let Some(name) = key.strip_prefix('$') else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        let Some(&name) = ONCE.iter().find(|o| **o == name) else {
            continue;
        };
        if example.iter().any(|(k, _)| k == name) {
            continue;
        }
        if seen.contains(&name) {
            return Some(format!(
                "Query option '${name}' was specified more than once, but it must be specified at most once."
            ));
        }
        seen.push(name);
        let value = value.trim();
        match name {
            "top" | "skip" if value.parse::<i64>().is_ok_and(|n| n >= 0) => {}
            "top" | "skip" => {
                return Some(format!(
                    "Invalid value '{}' for ${name} query option found. The ${name} query option requires a non-negative integer value.",
                    quote(value)
                ));
            }
            "count"
                if !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false") =>
            {
                return Some(format!("'{}' is not a valid count option.", quote(value)));
            }
            _ => {}
        }
    }
    None
}

/// What the asked options do to a documented body.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// Nothing to change: serve the documented body as written.
    Unchanged,
    /// The documented body with the asked options applied.
    Body(Value),
}

/// What [`apply`] will do, read from the two queries alone.
struct Plan<'q> {
    /// The request's `$filter`, when it is read and differs from the
    /// example's.
    filter: Option<&'q crate::judge::filter::Expr>,
    orderby: Option<&'q [(Vec<String>, bool)]>,
    /// `Some(true)`: set `@odata.count`; `Some(false)`: remove it.
    count: Option<bool>,
    top: Option<u64>,
    /// The request's `$skip` (0: none).
    skip: u64,
    select: Option<&'q [String]>,
}

impl<'q> Plan<'q> {
    fn of(asked: &'q Query, answered: &Query, skip: u64) -> Plan<'q> {
        let filter = match (&asked.filter, &answered.filter) {
            (Some((a, _)), Some((b, _))) if a == b => None,
            (Some((_, Ok(expr))), _) => Some(expr),
            _ => None,
        };
        let orderby = (!asked.orderby.is_empty() && asked.orderby != answered.orderby)
            .then_some(asked.orderby.as_slice());
        let count = if asked.count {
            (!answered.count || filter.is_some()).then_some(true)
        } else {
            answered.count.then_some(false)
        };
        let top = asked.top.filter(|_| asked.top != answered.top);
        let select = (!asked.select.is_empty()
            && !selects_all(&asked.select)
            && !same_selection(&asked.select, &answered.select))
        .then_some(asked.select.as_slice());
        Plan {
            filter,
            orderby,
            count,
            top,
            skip,
            select,
        }
    }

    fn is_empty(&self) -> bool {
        self.filter.is_none()
            && self.orderby.is_none()
            && self.count.is_none()
            && self.top.is_none()
            && self.skip == 0
            && self.select.is_none()
    }
}

/// The answer to `asked` from a documented body. `answered` holds the
/// options of the example's own URL: the body already honours them, so only
/// what the request adds or changes is applied (see the module docs for each
/// option). [`Applied::Unchanged`] when nothing changes.
pub fn apply(body: &Value, asked: &Query, answered: &Query) -> Applied {
    apply_paged(body, asked, answered, 0).applied
}

/// What [`apply_paged`] gives: the answer, and where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged {
    pub applied: Applied,
    /// The `$skip` of the next page, when the request's `$top` left
    /// elements of the collection out; `None` on the last page.
    pub next_skip: Option<u64>,
}

/// [`apply`] with the request's `$skip` (0 when it asks none), telling
/// where the next page starts when `$top` leaves elements out (see the
/// module docs: the mock writes the next link).
pub fn apply_paged(body: &Value, asked: &Query, answered: &Query, skip: u64) -> Paged {
    let unchanged = Paged {
        applied: Applied::Unchanged,
        next_skip: None,
    };
    if asked.count_segment {
        // A `/$count` request is answered by `count_of`, not with JSON.
        return unchanged;
    }
    let plan = Plan::of(asked, answered, skip);
    if plan.is_empty() || is_error_envelope(body) {
        return unchanged;
    }
    let (out, next_skip) = if let Some((obj, elements)) = collection(body) {
        apply_collection(obj, elements, &plan)
    } else if let (Some(select), Value::Object(entity)) = (plan.select, body) {
        (Value::Object(project(entity, select)), None)
    } else {
        return unchanged;
    };
    Paged {
        applied: if out == *body {
            Applied::Unchanged
        } else {
            Applied::Body(out)
        },
        next_skip,
    }
}

/// The plain-text count for `GET .../collection/$count` (PROT §11.2.10):
/// the number of elements of the documented collection body, after the
/// request's `$filter` when it asks one the evaluator reads (elements it
/// cannot decide counted). `None` when the body is not a collection. The
/// count is of the elements the mock has, not a documented `@odata.count`:
/// it agrees with what the mock serves for the collection itself.
pub fn count_of(body: &Value, asked: &Query) -> Option<u64> {
    let (_, elements) = collection(body)?;
    let n = match &asked.filter {
        Some((_, Ok(expr))) => elements.iter().filter(|e| kept(expr, e)).count(),
        _ => elements.len(),
    };
    Some(u64::try_from(n).unwrap_or(u64::MAX))
}

/// Why an answer will not honour all of `asked`, read from the two queries
/// (for the mock's log or a diagnostic header); empty when it will (as far
/// as the documented elements go). Options the mock never applies
/// (`$expand`, `$search`) are not in [`Query`] and not listed, nor is
/// `$skip` (the caller reads it: see [`apply_paged`]).
pub fn unhonoured(asked: &Query, answered: &Query) -> Vec<String> {
    let mut out = Vec::new();
    match (&asked.filter, &answered.filter) {
        (Some((a, _)), Some((b, _))) if a == b => {}
        (Some((text, Err(why))), _) => {
            out.push(format!("{why}: $filter={text} not applied"));
        }
        (_, Some((text, _))) => out.push(format!(
            "the example is filtered by $filter={text}: the elements it leaves out are not there to give"
        )),
        _ => {}
    }
    if let Some(m) = answered.top
        && asked.top.is_none_or(|n| n > m)
    {
        out.push(format!(
            "the example is cut by $top={m}: no more elements to give"
        ));
    }
    if !answered.select.is_empty() && !selects_all(&answered.select) {
        let missing = asked.select.is_empty()
            || selects_all(&asked.select)
            || asked
                .select
                .iter()
                .any(|a| !answered.select.iter().any(|b| b.eq_ignore_ascii_case(a)));
        if missing {
            out.push(format!(
                "the example selects only $select={}: no other properties to give",
                answered.select.join(",")
            ));
        }
    }
    out.extend(asked.unread.iter().map(|u| format!("{u}: not applied")));
    out
}

/// A collection body: an object with a `value` array and nothing else but
/// annotations.
fn collection(body: &Value) -> Option<(&Map<String, Value>, &Vec<Value>)> {
    let obj = body.as_object()?;
    let elements = obj.get("value")?.as_array()?;
    obj.keys()
        .all(|k| k == "value" || is_control(k))
        .then_some((obj, elements))
}

/// An annotation (`@odata.context`, `manager@odata.navigationLink`,
/// `@microsoft.graph.tips`), or control information in OData's older
/// spelling without `@` (`odata.context`: a page of the corpus writes it).
fn is_control(name: &str) -> bool {
    is_annotation(name) || name.starts_with("odata.")
}

fn is_error_envelope(body: &Value) -> bool {
    body.as_object()
        .is_some_and(|o| o.len() == 1 && o.get("error").is_some_and(Value::is_object))
}

fn apply_collection(
    obj: &Map<String, Value>,
    elements: &[Value],
    plan: &Plan<'_>,
) -> (Value, Option<u64>) {
    let mut els: Vec<&Value> = match plan.filter {
        Some(expr) => elements.iter().filter(|e| kept(expr, e)).collect(),
        None => elements.iter().collect(),
    };
    if let Some(keys) = plan.orderby {
        sort(&mut els, keys);
    }
    let counted = els.len();
    let skipped = usize::try_from(plan.skip).map_or(els.len(), |n| n.min(els.len()));
    els.drain(..skipped);
    let mut next_skip = None;
    if let Some(n) = plan.top {
        let keep = usize::try_from(n).unwrap_or(usize::MAX);
        // `$top=0` asks no element: a next link to the same page would
        // never end.
        if n > 0 && els.len() > keep {
            next_skip = Some(plan.skip.saturating_add(n));
        }
        els.truncate(keep);
    }
    let mut value: Vec<Value> = match plan.select {
        Some(select) => els
            .into_iter()
            .map(|e| match e {
                Value::Object(o) => Value::Object(project(o, select)),
                other => other.clone(),
            })
            .collect(),
        None => els.into_iter().cloned().collect(),
    };
    let mut out = Map::new();
    let count = match plan.count {
        Some(true) => Some(Value::from(u64::try_from(counted).unwrap_or(u64::MAX))),
        _ => None,
    };
    let has_context = obj.contains_key("@odata.context");
    if let (Some(c), false) = (&count, has_context) {
        out.insert("@odata.count".to_owned(), c.clone());
    }
    for (k, v) in obj {
        match k.as_str() {
            "@odata.count" if plan.count.is_some() => {}
            "value" => {
                out.insert(k.clone(), Value::Array(std::mem::take(&mut value)));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
        if k == "@odata.context"
            && let Some(c) = &count
        {
            out.insert("@odata.count".to_owned(), c.clone());
        }
    }
    (Value::Object(out), next_skip)
}

/// An element survives a filter unless the filter is false for it.
fn kept(expr: &crate::judge::filter::Expr, element: &Value) -> bool {
    !matches!(eval(expr, element), Outcome::False { .. })
}

fn selects_all(select: &[String]) -> bool {
    select.iter().any(|s| s == "*")
}

/// The same properties, in any order or case.
fn same_selection(a: &[String], b: &[String]) -> bool {
    let covers = |x: &[String], y: &[String]| {
        x.iter()
            .all(|s| y.iter().any(|t| t.eq_ignore_ascii_case(s)))
    };
    covers(a, b) && covers(b, a)
}

/// The members an entity keeps under `$select`.
fn project(entity: &Map<String, Value>, select: &[String]) -> Map<String, Value> {
    entity
        .iter()
        .filter(|(k, _)| {
            is_control(k)
                || k.eq_ignore_ascii_case("id")
                || select.iter().any(|s| s.eq_ignore_ascii_case(k))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// One element's value for one `$orderby` key.
#[derive(Debug, Clone, PartialEq)]
enum SortKey {
    Null,
    Bool(bool),
    Num(f64),
    Instant(crate::judge::filter::Instant),
    Str(String),
    /// An object or an array: equal to each other, after every scalar.
    Other,
    /// The element lacks the property: last in either direction.
    Absent,
}

impl SortKey {
    fn rank(&self) -> u8 {
        match self {
            SortKey::Null => 0,
            SortKey::Bool(_) => 1,
            SortKey::Num(_) => 2,
            SortKey::Instant(_) => 3,
            SortKey::Str(_) => 4,
            SortKey::Other => 5,
            SortKey::Absent => 6,
        }
    }

    /// A total order of present values (`Absent` is placed by the caller).
    fn order(&self, other: &SortKey) -> Ordering {
        match (self, other) {
            (SortKey::Bool(a), SortKey::Bool(b)) => a.cmp(b),
            (SortKey::Num(a), SortKey::Num(b)) => a.total_cmp(b),
            (SortKey::Instant(a), SortKey::Instant(b)) => a.cmp(b),
            (SortKey::Str(a), SortKey::Str(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// The value at a property path of an element: exact names first, then
/// case-insensitively (Graph resolves names leniently).
fn at<'a>(e: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut v = e;
    for seg in path {
        let o = v.as_object()?;
        v = o.get(seg).or_else(|| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(seg))
                .map(|(_, v)| v)
        })?;
    }
    Some(v)
}

/// A stable sort by the `$orderby` keys.
fn sort(els: &mut Vec<&Value>, keys: &[(Vec<String>, bool)]) {
    // Per key: are all its strings date-times?
    let as_instants: Vec<bool> = keys
        .iter()
        .map(|(path, _)| {
            els.iter()
                .filter_map(|e| at(e, path).and_then(Value::as_str))
                .all(|s| instant(s).is_some())
        })
        .collect();
    let mut keyed: Vec<(Vec<SortKey>, &Value)> = els
        .iter()
        .map(|e| {
            let ks = keys
                .iter()
                .zip(&as_instants)
                .map(|((path, _), &instants)| match at(e, path) {
                    None => SortKey::Absent,
                    Some(Value::Null) => SortKey::Null,
                    Some(Value::Bool(b)) => SortKey::Bool(*b),
                    Some(Value::Number(n)) => n.as_f64().map_or(SortKey::Other, SortKey::Num),
                    Some(Value::String(s)) => match instant(s).filter(|_| instants) {
                        Some(t) => SortKey::Instant(t),
                        None => SortKey::Str(s.to_lowercase()),
                    },
                    Some(_) => SortKey::Other,
                })
                .collect();
            (ks, *e)
        })
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        for ((x, y), (_, desc)) in a.iter().zip(b).zip(keys) {
            let o = match (x, y) {
                (SortKey::Absent, SortKey::Absent) => Ordering::Equal,
                (SortKey::Absent, _) => Ordering::Greater,
                (_, SortKey::Absent) => Ordering::Less,
                _ if *desc => y.order(x),
                _ => x.order(y),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    *els = keyed.into_iter().map(|(_, e)| e).collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// (documented body, asked URL, answered URL, expected body; `null`:
    /// unchanged).
    type Row = (Value, &'static str, &'static str, Value);

    fn users(names: &[&str]) -> Value {
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
            "value": names.iter().enumerate().map(|(i, n)| json!({"id": format!("{i}"), "displayName": n, "mail": format!("{n}@x")})).collect::<Vec<_>>()
        })
    }

    fn names(v: &[(&str, &str)]) -> Value {
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
            "value": v.iter().map(|(i, n)| json!({"id": i, "displayName": n, "mail": format!("{n}@x")})).collect::<Vec<_>>()
        })
    }

    fn rows() -> Vec<Row> {
        let nums = json!({"value": [{"id": "a", "n": 10}, {"id": "b", "n": 2}, {"id": "c"}, {"id": "d", "n": null}, {"id": "e", "n": 2.5}]});
        vec![
            // nothing asked, or asked as the example asks: unchanged
            (users(&["a", "b"]), "/users", "/users", Value::Null),
            (
                users(&["a", "b"]),
                "/users?$top=1",
                "/users?$top=1",
                Value::Null,
            ),
            (
                users(&["b", "a"]),
                "/users?$orderby=displayName",
                "/users?$orderby=displayName",
                Value::Null,
            ),
            (
                users(&["Bob"]),
                "/users?$filter=startswith(displayName,'a')",
                "/users?$filter=startswith(displayName,%27a%27)",
                Value::Null,
            ),
            (
                users(&["a"]),
                "/users?$select=displayName,id",
                "/users?$select=ID,displayName",
                Value::Null,
            ),
            (
                users(&["a"]),
                "/users?$count=true",
                "/users?$count=true",
                Value::Null,
            ),
            // $filter: false dropped, unknown kept, unsupported ignored
            (
                users(&["adele", "Bob", "alex"]),
                "/users?$filter=startswith(displayName,'a')",
                "/users",
                names(&[("0", "adele"), ("2", "alex")]),
            ),
            (
                json!({"value": [{"id": "1", "mail": "a"}, {"id": "2", "mail": "b"}, {"id": "3"}]}),
                "/users?$filter=mail eq 'a'",
                "/users",
                json!({"value": [{"id": "1", "mail": "a"}, {"id": "3"}]}),
            ),
            (
                users(&["a", "b"]),
                "/users?$filter=isof('microsoft.graph.user')",
                "/users",
                Value::Null,
            ),
            (
                users(&["a", "b"]),
                "/users?$filter=displayName eq '{name}'",
                "/users",
                Value::Null,
            ),
            (
                users(&["a", "b"]),
                "/users?$filter=displayName eq 'b'",
                "/users?$filter=displayName ne 'c'",
                names(&[("1", "b")]),
            ),
            (
                json!({"value": ["a", 1, null]}),
                "/x?$filter=startswith($it,'a')",
                "/x",
                json!({"value": ["a", 1]}),
            ),
            // $orderby: stable, case-insensitive, numbers, absent last
            (
                users(&["b", "A", "a", "C"]),
                "/users?$orderby=displayName",
                "/users",
                names(&[("1", "A"), ("2", "a"), ("0", "b"), ("3", "C")]),
            ),
            (
                users(&["b", "A", "a", "C"]),
                "/users?$orderby=displayName desc",
                "/users",
                names(&[("3", "C"), ("0", "b"), ("1", "A"), ("2", "a")]),
            ),
            (
                nums.clone(),
                "/x?$orderby=n",
                "/x",
                json!({"value": [{"id": "d", "n": null}, {"id": "b", "n": 2}, {"id": "e", "n": 2.5}, {"id": "a", "n": 10}, {"id": "c"}]}),
            ),
            (
                nums.clone(),
                "/x?$orderby=n%20desc",
                "/x",
                json!({"value": [{"id": "a", "n": 10}, {"id": "e", "n": 2.5}, {"id": "b", "n": 2}, {"id": "d", "n": null}, {"id": "c"}]}),
            ),
            (
                json!({"value": [{"t": "2024-01-01T10:00:00+02:00"}, {"t": "2024-01-01T09:00:00Z"}, {"t": "2024-01-01T07:30:00Z"}]}),
                "/x?$orderby=t",
                "/x",
                json!({"value": [{"t": "2024-01-01T07:30:00Z"}, {"t": "2024-01-01T10:00:00+02:00"}, {"t": "2024-01-01T09:00:00Z"}]}),
            ),
            (
                json!({"value": [{"s": {"dateTime": "2024-01-02T00:00:00"}}, {"s": {"dateTime": "2024-01-01T00:00:00"}}]}),
                "/x?$orderby=s/dateTime",
                "/x",
                json!({"value": [{"s": {"dateTime": "2024-01-01T00:00:00"}}, {"s": {"dateTime": "2024-01-02T00:00:00"}}]}),
            ),
            (
                json!({"value": [{"a": 1, "b": 1}, {"a": 2, "b": 9}, {"a": 1, "b": 2}]}),
                "/x?$orderby=a,b desc",
                "/x",
                json!({"value": [{"a": 1, "b": 2}, {"a": 1, "b": 1}, {"a": 2, "b": 9}]}),
            ),
            (
                json!({"value": [{"a": "x"}, 3, {"a": 1}, {"a": [1]}, {"a": true}]}),
                "/x?$orderby=a",
                "/x",
                json!({"value": [{"a": true}, {"a": 1}, {"a": "x"}, {"a": [1]}, 3]}),
            ),
            (
                users(&["b", "a"]),
                "/users?$orderby=tolower(displayName)",
                "/users",
                Value::Null,
            ),
            // $count=true: after $filter, before $top, next to the context
            (
                users(&["a", "b", "c"]),
                "/users?$count=true&$top=1",
                "/users",
                json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "@odata.count": 3, "value": [{"id": "0", "displayName": "a", "mail": "a@x"}]}),
            ),
            (
                users(&["a", "b", "ab"]),
                "/users?$count=true&$filter=startswith(displayName,'a')",
                "/users?$count=true",
                json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "@odata.count": 2, "value": [{"id": "0", "displayName": "a", "mail": "a@x"}, {"id": "2", "displayName": "ab", "mail": "ab@x"}]}),
            ),
            (
                json!({"@odata.count": 500, "value": [{"id": "1"}, {"id": "2"}]}),
                "/users?$count=true&$top=1",
                "/users?$count=true",
                json!({"@odata.count": 500, "value": [{"id": "1"}]}),
            ),
            (
                json!({"@odata.count": 500, "value": [{"id": "1"}]}),
                "/users",
                "/users?$count=true",
                json!({"value": [{"id": "1"}]}),
            ),
            (
                json!({"value": [{"id": "1"}]}),
                "/users?$count=true",
                "/users",
                json!({"@odata.count": 1, "value": [{"id": "1"}]}),
            ),
            (
                json!({"id": "1", "displayName": "a"}),
                "/me?$count=true&$top=1&$orderby=id&$filter=id eq '2'",
                "/me",
                Value::Null,
            ),
            // $top: cut, never a next link invented, one kept
            (
                users(&["a", "b", "c"]),
                "/users?$top=2",
                "/users",
                names(&[("0", "a"), ("1", "b")]),
            ),
            (
                json!({"value": [{"id": "1"}, {"id": "2"}], "@odata.nextLink": "https://g/users?$skiptoken=x"}),
                "/users?$top=1",
                "/users",
                json!({"value": [{"id": "1"}], "@odata.nextLink": "https://g/users?$skiptoken=x"}),
            ),
            (users(&["a", "b"]), "/users?$top=5", "/users", Value::Null),
            (
                users(&["a", "b"]),
                "/users?$top=99999999999999999999",
                "/users",
                Value::Null,
            ),
            (
                users(&["a", "b"]),
                "/users?$top=0",
                "/users",
                json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": []}),
            ),
            (
                users(&["a", "b", "c"]),
                "/users?$top=1",
                "/users?$top=3",
                names(&[("0", "a")]),
            ),
            (users(&["a", "b"]), "/users?$top={n}", "/users", Value::Null),
            // $select: selected, id, annotations; unknown names absent
            (
                json!({"value": [{"id": "1", "displayName": "a", "mail": "m", "@odata.type": "#microsoft.graph.user", "manager@odata.navigationLink": "l", "@odata.etag": "e"}, "s"]}),
                "/users?$select=DISPLAYNAME,nosuch",
                "/users",
                json!({"value": [{"id": "1", "displayName": "a", "@odata.type": "#microsoft.graph.user", "manager@odata.navigationLink": "l", "@odata.etag": "e"}, "s"]}),
            ),
            (
                json!({"@odata.context": "c", "id": "1", "displayName": "a", "mail": "m", "manager": {"id": "2", "x": 1}}),
                "/me?$select=mail,manager/id",
                "/me",
                json!({"@odata.context": "c", "id": "1", "mail": "m", "manager": {"id": "2", "x": 1}}),
            ),
            (
                json!({"id": "1", "displayName": "a"}),
                "/me?$select=*",
                "/me",
                Value::Null,
            ),
            (
                json!({"id": "1", "displayName": "a", "mail": "m"}),
                "/me?$select=displayName",
                "/me?$select=displayName,mail",
                json!({"id": "1", "displayName": "a"}),
            ),
            (
                json!({"id": "1", "displayName": "a"}),
                "/me?$select=mail",
                "/me",
                json!({"id": "1"}),
            ),
            (
                json!({"error": {"code": "x", "message": "y"}}),
                "/me?$select=mail",
                "/me",
                Value::Null,
            ),
            // the older control spelling, without `@`, is control too
            (
                json!({"odata.context": "c", "value": [{"id": "1", "a": 1, "b": 2}, {"id": "2"}]}),
                "/x?$top=1&$select=b",
                "/x",
                json!({"odata.context": "c", "value": [{"id": "1", "b": 2}]}),
            ),
            // an entity holding a `value` array is not a collection
            (
                json!({"id": "1", "value": [{"a": 1}, {"a": 2}], "name": "n"}),
                "/x?$top=1&$select=name",
                "/x",
                json!({"id": "1", "name": "n"}),
            ),
            // everything at once: filter, order, count, top, select
            (
                users(&["ann", "bob", "al", "Abe"]),
                "/users?$filter=startswith(displayName,'a')&$orderby=displayName&$count=true&$top=2&$select=displayName",
                "/users",
                json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "@odata.count": 3, "value": [{"id": "3", "displayName": "Abe"}, {"id": "2", "displayName": "al"}]}),
            ),
            // not JSON objects at all
            (json!("text"), "/x?$select=a&$top=1", "/x", Value::Null),
            (json!([1, 2, 3]), "/x?$top=1", "/x", Value::Null),
            (Value::Null, "/x?$count=true", "/x", Value::Null),
        ]
    }

    #[test]
    fn table() {
        let rows = rows();
        assert!(rows.len() >= 40, "{} rows", rows.len());
        let mut bad = Vec::new();
        for (body, asked, answered, want) in &rows {
            let got = apply(body, &Query::of(asked), &Query::of(answered));
            let want = if want.is_null() {
                Applied::Unchanged
            } else {
                Applied::Body(want.clone())
            };
            if got != want {
                bad.push(format!(
                    "{asked} (example {answered}) on {body}:\n  want {want:?}\n  got  {got:?}"
                ));
            }
        }
        assert!(
            bad.is_empty(),
            "{} rows wrong:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }

    /// `@odata.count` right after `@odata.context` in the serialized body.
    /// `$skip` and the next page's start: (documented names, asked,
    /// example's URL, `$skip`, names served, next `$skip`).
    #[test]
    fn skip_and_server_driven_paging() {
        type Row = (
            &'static [&'static str],
            &'static str,
            &'static str,
            u64,
            &'static [&'static str],
            Option<u64>,
        );
        let five: &[&str] = &["a", "b", "c", "d", "e"];
        let rows: Vec<Row> = vec![
            // $top cuts: the next page starts after it
            (five, "/f?$top=2", "/f", 0, &["a", "b"], Some(2)),
            (five, "/f?$top=2", "/f", 2, &["c", "d"], Some(4)),
            (five, "/f?$top=2", "/f", 4, &["e"], None),
            (five, "/f?$top=5", "/f", 0, five, None),
            (five, "/f?$top=9", "/f", 0, five, None),
            (five, "/f?$top=2", "/f", 5, &[], None),
            (five, "/f?$top=2", "/f", u64::MAX, &[], None),
            (five, "/f?$top=0", "/f", 0, &[], None),
            // $skip alone: no paging
            (five, "/f", "/f", 3, &["d", "e"], None),
            // after $filter and $orderby
            (
                five,
                "/f?$filter=displayName ne 'a'&$orderby=displayName desc&$top=3",
                "/f",
                0,
                &["e", "d", "c"],
                Some(3),
            ),
            (
                five,
                "/f?$filter=displayName ne 'a'&$orderby=displayName desc&$top=3",
                "/f",
                3,
                &["b"],
                None,
            ),
            // the example's own $top is not applied again, and writes no page
            (&["a", "b"], "/f?$top=2", "/f?$top=2", 0, &["a", "b"], None),
        ];
        let mut bad = Vec::new();
        for (docs, asked, answered, skip, want, want_next) in rows {
            let body = users(docs);
            let got = apply_paged(&body, &Query::of(asked), &Query::of(answered), skip);
            let served = match &got.applied {
                Applied::Unchanged => body.clone(),
                Applied::Body(v) => v.clone(),
            };
            let names: Vec<&str> = served["value"]
                .as_array()
                .map(|a| a.iter().filter_map(|e| e["displayName"].as_str()).collect())
                .unwrap_or_default();
            if names != want || got.next_skip != want_next {
                bad.push(format!(
                    "{asked} (example {answered}) $skip={skip}: want {want:?} next {want_next:?}, got {names:?} next {:?}",
                    got.next_skip
                ));
            }
        }
        // $count counts every element the filter keeps, before $skip
        let got = apply_paged(
            &users(five),
            &Query::of("/f?$count=true&$top=1"),
            &Query::of("/f"),
            3,
        );
        match got.applied {
            Applied::Body(v) => assert_eq!(v["@odata.count"], 5, "{v}"),
            other => panic!("{other:?}"),
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn count_sits_after_the_context() {
        let body = json!({"value": [{"id": "1"}], "@odata.nextLink": "n", "@odata.context": "c"});
        let Applied::Body(out) = apply(&body, &Query::of("/x?$count=true"), &Query::of("/x"))
        else {
            panic!("unchanged")
        };
        let text = serde_json::to_string(&out).unwrap();
        let keys: Vec<&str> = out
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys[..2], ["@odata.context", "@odata.count"], "{text}");
        assert!(
            text.starts_with(r#"{"@odata.context":"c","@odata.count":1,"#),
            "{text}"
        );
    }

    #[test]
    fn counts() {
        // (body, asked URL, count)
        let rows: Vec<(Value, &str, Option<u64>)> = vec![
            (users(&["a", "b", "c"]), "/users/$count", Some(3)),
            (
                users(&["ab", "b", "ac"]),
                "/users/$count?$filter=startswith(displayName,'a')",
                Some(2),
            ),
            (
                json!({"value": [{"mail": "a"}, {"id": "1"}, {"mail": "b"}]}),
                "/users/$count?$filter=mail eq 'a'",
                Some(2),
            ),
            (
                users(&["a", "b"]),
                "/users/$count?$filter=isof('microsoft.graph.user')",
                Some(2),
            ),
            (
                json!({"@odata.count": 40, "value": []}),
                "/users/$count",
                Some(0),
            ),
            (json!({"id": "1"}), "/me/$count", None),
            (json!({"id": "1", "value": [1], "x": 2}), "/x/$count", None),
            (json!("7"), "/users/$count", None),
            (Value::Null, "/users/$count", None),
        ];
        for (body, url, want) in rows {
            assert_eq!(count_of(&body, &Query::of(url)), want, "{url} on {body}");
        }
    }

    #[test]
    fn unhonoured_options_are_named() {
        // (asked, answered, a part of each reason, in order)
        let rows: &[(&str, &str, &[&str])] = &[
            ("/users", "/users", &[]),
            ("/users?$top=1&$select=id", "/users", &[]),
            ("/users?$filter=isof('x')", "/users", &["function isof"]),
            (
                "/users",
                "/users?$filter=a eq 1",
                &["filtered by $filter=a eq 1"],
            ),
            ("/users?$filter=a eq 1", "/users?$filter=a eq 1", &[]),
            ("/users?$top=5", "/users?$top=2", &["cut by $top=2"]),
            ("/users?$top=1", "/users?$top=2", &[]),
            (
                "/users?$select=mail",
                "/users?$select=id,displayName",
                &["selects only $select=id,displayName"],
            ),
            (
                "/users?$select=displayname",
                "/users?$select=id,displayName",
                &[],
            ),
            ("/users?$top={n}", "/users", &["$top={n}: not a number"]),
        ];
        for (asked, answered, want) in rows {
            let got = unhonoured(&Query::of(asked), &Query::of(answered));
            assert_eq!(got.len(), want.len(), "{asked} / {answered}: {got:?}");
            for (g, w) in got.iter().zip(want.iter()) {
                assert!(g.contains(w), "{asked} / {answered}: {g:?} lacks {w:?}");
            }
        }
    }

    /// Hostile bodies and queries: an answer, never a panic, and `$top`
    /// always honoured on a collection.
    #[test]
    fn never_panics() {
        let bodies = [
            json!({"value": [null, 1, "s", [], {}, {"a": {"b": [1]}}, {"a": f64::MAX}, {"a": -0.0}, {"a": u64::MAX}, {"a": i64::MIN}]}),
            json!({"value": []}),
            json!({"value": {"not": "an array"}}),
            json!({"value": null}),
            json!({}),
            json!([]),
            json!(null),
            json!({"value": (0..200).map(|i| json!({"a": if i % 3 == 0 { json!(i) } else if i % 3 == 1 { json!(format!("{i}")) } else { json!(null) }})).collect::<Vec<_>>()}),
        ];
        let urls = [
            "/x?$top=0&$count=true",
            "/x?$top=18446744073709551615&$orderby=a,a/b desc,c&$select=a",
            "/x?$orderby=a desc&$filter=a gt 1 or a eq null",
            "/x?$filter=a/b/any(v:v eq 1)&$select=*",
            "/x?$filter=(((&$orderby=&$select=,,,&$top=-1",
            "/x/$count?$filter=a eq 1",
        ];
        for body in &bodies {
            for asked in urls {
                for answered in urls.iter().chain(&["/x"]) {
                    let (q, a) = (Query::of(asked), Query::of(answered));
                    let got = apply(body, &q, &a);
                    let _ = count_of(body, &q);
                    let _ = unhonoured(&q, &a);
                    if let (Applied::Body(out), Some(n)) = (&got, q.top) {
                        let len = out["value"].as_array().map_or(0, Vec::len);
                        assert!(len as u64 <= n, "{asked} on {body}: {len}");
                    }
                }
            }
        }
    }
}
