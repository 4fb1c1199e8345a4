//! JSON batching (`POST /{version}/$batch`) for the mock: the batch body read
//! into sub-requests ([`parse`]), the sub-requests run in dependency order
//! through a caller's dispatch function, and their answers written back as
//! one `{"responses": [...]}` body ([`run`]). Pure: no HTTP, no I/O; the
//! server answers each sub-request as it would answer it alone.
//!
//! Sources: the Graph json-batching page (learn.microsoft.com/graph/json-batching,
//! `concepts/json-batching.md` in microsoft-graph-docs-contrib) and OData
//! JSON Format 4.01 §19 (batch requests and responses).
//!
//! Decisions, with their reasons:
//! - **A malformed batch is one `400`** ([`BatchError`], Graph's error
//!   envelope, code `BadRequest`): the body is not JSON or not an object
//!   with a `requests` array; more than [`MAX_REQUESTS`] (20, Graph's limit;
//!   the message names the count); an item that is not an object; an `id`
//!   missing, not a string, empty, or equal to another's (ids are "not
//!   case-sensitive" per the page, so `A` and `a` collide); `method` or `url`
//!   missing or not a string; a method that is not an HTTP token; `headers`
//!   not an object of string values, or a header name or value that could
//!   not travel in HTTP (CR, LF, NUL...); `dependsOn` not an array of
//!   strings, naming an id not in the batch, naming the item itself, or
//!   forming a cycle (the message names the cycle); a string body declared
//!   non-JSON that is not base64. Graph's page documents the `400` for
//!   these, not its wording: the messages are ours and name what is wrong.
//!   Quoted client text is cut to 64 characters. The server adds
//!   `innerError` (`date`, `request-id`, `client-request-id`), as on its
//!   other errors.
//! - **An empty `requests` array is a batch of nothing** (`{"responses":
//!   []}`): neither the page nor OData forbid it.
//! - **Members we do not know are ignored** (OData's `atomicityGroup`,
//!   `if`): Graph does not document them; ignoring is what Graph does with
//!   unknown members of a request body.
//! - **Methods are upper-cased** (`get` is `GET`): the mock's routes are
//!   keyed by upper-case methods.
//! - **URLs** ([`SubRequest::url`]): a relative one (`/me`, `me`,
//!   `users?$top=1`) is relative to the batch's own version: leading `/`s
//!   dropped, `/{version}/` put before it. An absolute `http(s)://` one keeps
//!   its path and query whatever its host (`https://graph.microsoft.com/beta/me`
//!   in a v1.0 batch is `/beta/me`: the path is kept as written). A fragment
//!   is dropped (it never travels in HTTP). What may not stand in a URL as
//!   written (the page's own example has spaces in `$filter`) is
//!   percent-encoded by [`crate::target::url::encode`], which keeps existing
//!   escapes: the mock decodes them again when it matches a route.
//! - **Request bodies**: a JSON value is sent as its JSON text, with
//!   `Content-Type: application/json` added when no content type is given
//!   (the page says one is required; refusing a body without one would
//!   fail clients for a detail the mock does not need). A string body under
//!   a non-JSON content type (`image/jpeg`, `text/plain`) is base64 (the
//!   page says "base64 URL-encoded"; both alphabets are read, padding or
//!   not, whitespace ignored) and is decoded. `"body": null` is no body.
//! - **Order**: an item runs after every item it depends on; among items
//!   ready to run, the earlier in the request runs first, so a batch without
//!   `dependsOn` runs in request order. Responses are written in request
//!   order (OData and Graph allow any order; request order is the least
//!   surprising and makes answers reproducible). Any DAG is accepted: the
//!   page's "fully sequential or fully parallel" is a tip to clients.
//! - **Failed dependencies**: an item whose dependency answered `>= 400`
//!   (a `424` included) is not dispatched and answers `424` with Graph's
//!   error envelope, code `FailedDependency`, naming the dependency (Graph
//!   documents the status, not its body's wording). The server gives such
//!   a `424` what a dispatched answer has ([`run_with`]'s `finish`): its
//!   own `request-id` and `client-request-id`, Graph's Content-Type and
//!   `OData-Version`, `innerError`. [`run`] never panics on
//!   items built by hand: an unknown dependency or a cycle (which [`parse`]
//!   refuses) makes the items involved `424` too.
//! - **Response bodies**: empty (or only whitespace) is omitted; a body
//!   whose content type is JSON (`application/json`, `*+json`) or absent and
//!   that parses as JSON is embedded as JSON; anything else (an image, a
//!   `text/plain` `$count`, a documented JSON body that does not parse) is a
//!   standard base64 string, as Graph answers an image in a batch. Headers
//!   are one object (a repeated name joined with `, `, the first spelling
//!   kept); `Content-Length`, `Transfer-Encoding` and `Connection` are
//!   dropped: they describe the sub-response's own framing, which no longer
//!   exists (and the docs' Content-Length values are mostly wrong).
//! - **Hostile JSON**: serde_json refuses nesting deeper than 128 levels (an
//!   error, not a stack overflow), and every member is type-checked before
//!   use, so no input can panic.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value, json};

/// Most sub-requests in one batch (Graph's limit).
pub const MAX_REQUESTS: usize = 20;

/// One request of a batch, ready to dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubRequest {
    /// The client's id, as written (compared case-insensitively).
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path and query, absolute-path form (`/v1.0/users?$top=1`),
    /// percent-encoded where needed.
    pub url: String,
    /// Headers as given (plus `Content-Type: application/json` for a JSON
    /// body that named none).
    pub headers: Vec<(String, String)>,
    /// The body's bytes: JSON text, or decoded base64.
    pub body: Option<Bytes>,
    /// Ids of the items this one runs after, as written.
    pub depends_on: Vec<String>,
}

impl SubRequest {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The path part of [`SubRequest::url`].
    pub fn path(&self) -> &str {
        self.url.split_once('?').map_or(&self.url, |(p, _)| p)
    }

    /// The query part of [`SubRequest::url`] (without `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.url.split_once('?').map(|(_, q)| q)
    }
}

/// What the server answered one sub-request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// Why a batch body is refused: each is a `400` whose body is
/// [`BatchError::error_body`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// The body is not JSON (serde_json's reason).
    NotJson(String),
    /// Not an object with a `requests` array.
    NotABatch,
    /// More than [`MAX_REQUESTS`] items (the count).
    TooMany(usize),
    /// Item at this index (from 0) is not a JSON object.
    ItemNotObject(usize),
    /// Item at this index has no usable id (the reason).
    BadId(usize, &'static str),
    /// Two items share this id (case-insensitively).
    DuplicateId(String),
    /// The item with this id lacks a field (`method` or `url`) or has one of
    /// the wrong type (the reason).
    BadField {
        id: String,
        field: &'static str,
        why: String,
    },
    /// The item's `dependsOn` names an id not in the batch.
    UnknownDependency { id: String, depends_on: String },
    /// The item's `dependsOn` names the item itself.
    DependsOnItself(String),
    /// These ids depend on each other in a cycle (in dependency order).
    Cycle(Vec<String>),
}

impl BatchError {
    /// Always 400.
    pub fn status(&self) -> u16 {
        400
    }

    /// Graph's error envelope: `{"error": {"code": "BadRequest", "message"}}`
    /// (the server may add `innerError`).
    pub fn error_body(&self) -> Value {
        json!({"error": {"code": "BadRequest", "message": self.to_string()}})
    }
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchError::NotJson(e) => write!(f, "the batch body is not JSON: {e}"),
            BatchError::NotABatch => write!(
                f,
                "the batch body must be a JSON object with a \"requests\" array"
            ),
            BatchError::TooMany(n) => write!(
                f,
                "the batch holds {n} requests; at most {MAX_REQUESTS} are allowed"
            ),
            BatchError::ItemNotObject(i) => {
                write!(f, "requests[{i}] is not a JSON object")
            }
            BatchError::BadId(i, why) => write!(f, "requests[{i}]: \"id\" {why}"),
            BatchError::DuplicateId(id) => write!(
                f,
                "request id {} is used more than once (ids are not case-sensitive)",
                quote(id)
            ),
            BatchError::BadField { id, field, why } => {
                write!(f, "request {}: \"{field}\" {why}", quote(id))
            }
            BatchError::UnknownDependency { id, depends_on } => write!(
                f,
                "request {} depends on {}, which is not in the batch",
                quote(id),
                quote(depends_on)
            ),
            BatchError::DependsOnItself(id) => {
                write!(f, "request {} depends on itself", quote(id))
            }
            BatchError::Cycle(ids) => {
                let shown: Vec<String> = ids.iter().take(MAX_REQUESTS).map(|i| quote(i)).collect();
                write!(
                    f,
                    "the dependsOn of requests {} form a cycle",
                    shown.join(" -> ")
                )
            }
        }
    }
}

impl std::error::Error for BatchError {}

/// Client text in a message: JSON-quoted, cut to 64 characters.
fn quote(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", Value::from(&text[..cut])),
        None => Value::from(text).to_string(),
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `application/json`, `application/problem+json`, ... (parameters ignored).
fn is_json_media_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or("").trim();
    let lower = essence.to_ascii_lowercase();
    lower == "application/json" || (lower.starts_with("application/") && lower.ends_with("+json"))
}

/// RFC 9110 token characters (methods, header names).
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A header value that can travel: no control characters but tab.
fn is_header_value(text: &str) -> bool {
    text.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Read a batch body. `version` is the batch's own version segment (`v1.0`,
/// `beta`), which relative sub-request URLs resolve against.
pub fn parse(body: &[u8], version: &str) -> Result<Vec<SubRequest>, BatchError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| BatchError::NotJson(e.to_string()))?;
    let Some(items) = value.get("requests").and_then(Value::as_array) else {
        return Err(BatchError::NotABatch);
    };
    if items.len() > MAX_REQUESTS {
        return Err(BatchError::TooMany(items.len()));
    }
    let mut out: Vec<SubRequest> = Vec::with_capacity(items.len());
    let mut keys: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(item) = item.as_object() else {
            return Err(BatchError::ItemNotObject(i));
        };
        let id = match item.get("id") {
            None | Some(Value::Null) => return Err(BatchError::BadId(i, "is missing")),
            Some(Value::String(s)) if s.is_empty() => {
                return Err(BatchError::BadId(i, "is empty"));
            }
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(BatchError::BadId(i, "must be a string")),
        };
        let key = id.to_lowercase();
        if keys.contains(&key) {
            return Err(BatchError::DuplicateId(id));
        }
        keys.push(key);
        out.push(item_of(id, item, version)?);
    }
    check_dependencies(&out, &keys)?;
    Ok(out)
}

fn bad(id: &str, field: &'static str, why: impl Into<String>) -> BatchError {
    BatchError::BadField {
        id: id.to_owned(),
        field,
        why: why.into(),
    }
}

fn required_string<'a>(
    id: &str,
    item: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, BatchError> {
    match item.get(field) {
        None | Some(Value::Null) => Err(bad(id, field, "is missing")),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(bad(id, field, "must be a string")),
    }
}

fn item_of(id: String, item: &Map<String, Value>, version: &str) -> Result<SubRequest, BatchError> {
    let method = required_string(&id, item, "method")?.trim();
    if !is_token(method) {
        return Err(bad(
            &id,
            "method",
            format!("{} is not an HTTP method", quote(method)),
        ));
    }
    let url_text = required_string(&id, item, "url")?;
    let url = resolve_url(url_text, version).ok_or_else(|| bad(&id, "url", "is empty"))?;
    let mut headers = headers_of(&id, item.get("headers"))?;
    let body = body_of(&id, item.get("body"), &mut headers)?;
    let depends_on = match item.get("dependsOn") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => {
            let mut out = Vec::with_capacity(ids.len());
            for dep in ids {
                match dep {
                    Value::String(s) => out.push(s.clone()),
                    _ => return Err(bad(&id, "dependsOn", "must be an array of id strings")),
                }
            }
            out
        }
        Some(_) => return Err(bad(&id, "dependsOn", "must be an array of id strings")),
    };
    Ok(SubRequest {
        id,
        method: method.to_ascii_uppercase(),
        url,
        headers,
        body,
        depends_on,
    })
}

/// A sub-request URL as path and query on the mock (see the module docs);
/// `None` when it is blank.
fn resolve_url(text: &str, version: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let (path, query) = crate::target::url::doc_path_and_query(text);
    let absolute = {
        let b = text.as_bytes();
        let starts = |p: &str| {
            b.get(..p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p.as_bytes()))
        };
        starts("https://") || starts("http://")
    };
    let mut url = if absolute {
        path.to_owned()
    } else {
        format!("/{version}/{}", path.trim_start_matches('/'))
    };
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(q);
    }
    Some(crate::target::url::encode(&url))
}

fn headers_of(id: &str, value: Option<&Value>) -> Result<Vec<(String, String)>, BatchError> {
    let map = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(bad(id, "headers", "must be an object")),
    };
    let mut out = Vec::with_capacity(map.len());
    for (name, value) in map {
        if !is_token(name) {
            return Err(bad(
                id,
                "headers",
                format!("{} is not a header name", quote(name)),
            ));
        }
        let Value::String(value) = value else {
            return Err(bad(
                id,
                "headers",
                format!("the value of {} must be a string", quote(name)),
            ));
        };
        if !is_header_value(value) {
            return Err(bad(
                id,
                "headers",
                format!("the value of {} holds a control character", quote(name)),
            ));
        }
        out.push((name.clone(), value.clone()));
    }
    Ok(out)
}

/// base64 in either alphabet, padded or not, whitespace ignored.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::alphabet::{STANDARD, URL_SAFE};
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let alphabet = if compact.contains(['-', '_']) {
        &URL_SAFE
    } else {
        &STANDARD
    };
    GeneralPurpose::new(alphabet, config).decode(compact).ok()
}

fn body_of(
    id: &str,
    value: Option<&Value>,
    headers: &mut Vec<(String, String)>,
) -> Result<Option<Bytes>, BatchError> {
    let value = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    let content_type = header(headers, "content-type");
    if let (Value::String(text), Some(ct)) = (value, content_type)
        && !is_json_media_type(ct)
    {
        return decode_base64(text)
            .map(|b| Some(Bytes::from(b)))
            .ok_or_else(|| {
                bad(
                    id,
                    "body",
                    format!("is not base64, as a {} body must be", quote(ct.trim())),
                )
            });
    }
    if content_type.is_none() {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    Ok(Some(Bytes::from(value.to_string())))
}

/// Every dependsOn names another item; no cycle. `keys` are the lower-case ids.
fn check_dependencies(items: &[SubRequest], keys: &[String]) -> Result<(), BatchError> {
    let mut deps: Vec<Vec<usize>> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut mine = Vec::with_capacity(item.depends_on.len());
        for dep in &item.depends_on {
            match keys.iter().position(|k| *k == dep.to_lowercase()) {
                Some(j) if j == i => return Err(BatchError::DependsOnItself(item.id.clone())),
                Some(j) => mine.push(j),
                None => {
                    return Err(BatchError::UnknownDependency {
                        id: item.id.clone(),
                        depends_on: dep.clone(),
                    });
                }
            }
        }
        deps.push(mine);
    }
    let order = schedule(&deps);
    let mut scheduled = vec![false; items.len()];
    for &i in &order {
        scheduled[i] = true;
    }
    // Every item left out waits on another left out: walk first waits from
    // the first one until an item repeats; from there it is the cycle.
    let Some(start) = scheduled.iter().position(|s| !s) else {
        return Ok(());
    };
    let mut path = vec![start];
    let mut at = start;
    loop {
        let Some(&next) = deps[at].iter().find(|&&d| !scheduled[d]) else {
            // unreachable by construction; refuse rather than loop
            return Err(BatchError::Cycle(vec![items[at].id.clone()]));
        };
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|&p| items[p].id.clone()).collect();
            cycle.push(items[next].id.clone());
            return Err(BatchError::Cycle(cycle));
        }
        path.push(next);
        at = next;
    }
}

/// Run order: repeatedly the earliest item whose dependencies have all run.
/// Items that can never run (a cycle) are left out.
fn schedule(deps: &[Vec<usize>]) -> Vec<usize> {
    let mut done = vec![false; deps.len()];
    let mut order = Vec::with_capacity(deps.len());
    while let Some(i) = (0..deps.len()).find(|&i| !done[i] && deps[i].iter().all(|&d| done[d])) {
        done[i] = true;
        order.push(i);
    }
    order
}

/// Run the items in dependency order through `dispatch` and write the outer
/// body, `{"responses": [{"id", "status", "headers", "body"?}, ...]}`, in
/// request order. An item whose dependency failed (`>= 400`) is not
/// dispatched: it answers `424`.
pub fn run(items: Vec<SubRequest>, dispatch: impl FnMut(&SubRequest) -> SubResponse) -> Value {
    run_with(items, |_, answer| answer, dispatch)
}

/// [`run`], each `424` the batch answers itself (an item not dispatched)
/// passed through `finish` with its item before it is written: the server
/// gives it the ids and headers a dispatched answer has.
pub fn run_with(
    items: Vec<SubRequest>,
    mut finish: impl FnMut(&SubRequest, SubResponse) -> SubResponse,
    mut dispatch: impl FnMut(&SubRequest) -> SubResponse,
) -> Value {
    let keys: Vec<String> = items.iter().map(|i| i.id.to_lowercase()).collect();
    // An unknown id (items built by hand) is left unresolved: the item
    // never becomes ready and ends a 424 below.
    let mut deps: Vec<Vec<usize>> = Vec::with_capacity(items.len());
    let mut unknown: Vec<Option<&str>> = Vec::with_capacity(items.len());
    for item in &items {
        let mut mine = Vec::new();
        let mut missing = None;
        for dep in &item.depends_on {
            match keys.iter().position(|k| *k == dep.to_lowercase()) {
                Some(j) => mine.push(j),
                None => missing = missing.or(Some(dep.as_str())),
            }
        }
        deps.push(mine);
        unknown.push(missing);
    }
    let mut answers: Vec<Option<SubResponse>> = vec![None; items.len()];
    for i in schedule(&deps) {
        if let Some(missing) = unknown[i] {
            let answer = failed_dependency(missing, "is not in the batch");
            answers[i] = Some(finish(&items[i], answer));
            continue;
        }
        let failed = deps[i]
            .iter()
            .find(|&&d| answers[d].as_ref().is_none_or(|a| a.status >= 400));
        answers[i] = Some(match failed {
            Some(&d) => finish(&items[i], failed_dependency(&items[d].id, "failed")),
            None => dispatch(&items[i]),
        });
    }
    let responses: Vec<Value> = items
        .iter()
        .zip(answers)
        .map(|(item, answer)| {
            let answer = answer.unwrap_or_else(|| {
                finish(
                    item,
                    failed_dependency(&item.id, "is part of a dependsOn cycle"),
                )
            });
            response_json(&item.id, &answer)
        })
        .collect();
    json!({ "responses": responses })
}

/// Graph's `424` for an item not run because of `dependency`.
fn failed_dependency(dependency: &str, what: &str) -> SubResponse {
    let body = json!({"error": {
        "code": "FailedDependency",
        "message": format!(
            "the request was not run: request {}, which it depends on, {what}",
            quote(dependency)
        ),
    }});
    SubResponse {
        status: 424,
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: Bytes::from(body.to_string()),
    }
}

/// Sub-response headers that describe its own framing, dropped.
const FRAMING: [&str; 3] = ["content-length", "transfer-encoding", "connection"];

fn response_json(id: &str, answer: &SubResponse) -> Value {
    let mut headers = Map::new();
    let mut names: Vec<(String, String)> = Vec::new(); // lower-case → spelling
    for (name, value) in &answer.headers {
        let lower = name.to_ascii_lowercase();
        if FRAMING.contains(&lower.as_str()) {
            continue;
        }
        let spelling = match names.iter().find(|(l, _)| *l == lower) {
            Some((_, s)) => s.clone(),
            None => {
                names.push((lower, name.clone()));
                name.clone()
            }
        };
        match headers.get_mut(&spelling) {
            Some(Value::String(old)) => {
                old.push_str(", ");
                old.push_str(value);
            }
            _ => {
                headers.insert(spelling, Value::String(value.clone()));
            }
        }
    }
    let mut out = Map::new();
    out.insert("id".to_owned(), Value::String(id.to_owned()));
    out.insert("status".to_owned(), Value::from(answer.status));
    out.insert("headers".to_owned(), Value::Object(headers));
    if let Some(body) = body_json(answer) {
        out.insert("body".to_owned(), body);
    }
    Value::Object(out)
}

/// A sub-response body as the batch carries it (see the module docs).
fn body_json(answer: &SubResponse) -> Option<Value> {
    let body = &answer.body;
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let json_typed = header(&answer.headers, "content-type").is_none_or(is_json_media_type);
    if json_typed && let Ok(value) = serde_json::from_slice::<Value>(body) {
        return Some(value);
    }
    Some(Value::String(
        base64::engine::general_purpose::STANDARD.encode(body),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(id: &str, method: &str, url: &str) -> SubRequest {
        SubRequest {
            id: id.into(),
            method: method.into(),
            url: url.into(),
            headers: vec![],
            body: None,
            depends_on: vec![],
        }
    }

    /// Refused batches: (body, expected message fragment).
    #[test]
    fn malformed_batches_are_400_naming_the_fault() {
        let many = |n: usize| {
            let items: Vec<Value> = (0..n)
                .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
                .collect();
            json!({ "requests": items }).to_string()
        };
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let deep_in_body = format!(
            r#"{{"requests":[{{"id":"1","method":"GET","url":"/me","body":{}{}}}]}}"#,
            "[".repeat(5_000),
            "]".repeat(5_000)
        );
        let rows: Vec<(String, &str)> = vec![
            ("".into(), "not JSON"),
            ("{".into(), "not JSON"),
            ("\u{0}".into(), "not JSON"),
            (deep, "not JSON: recursion limit"),
            (deep_in_body, "not JSON: recursion limit"),
            ("[]".into(), "a \"requests\" array"),
            ("null".into(), "a \"requests\" array"),
            (r#"{"requests": {}}"#.into(), "a \"requests\" array"),
            (r#"{"requests": "x"}"#.into(), "a \"requests\" array"),
            (r#"{"Requests": []}"#.into(), "a \"requests\" array"),
            (many(21), "holds 21 requests; at most 20"),
            (many(500), "holds 500 requests; at most 20"),
            (r#"{"requests": [1]}"#.into(), "requests[0] is not a JSON object"),
            (r#"{"requests": [[]]}"#.into(), "requests[0] is not a JSON object"),
            (
                r#"{"requests": [{"method":"GET","url":"/me"}]}"#.into(),
                "requests[0]: \"id\" is missing",
            ),
            (
                r#"{"requests": [{"id":null,"method":"GET","url":"/me"}]}"#.into(),
                "requests[0]: \"id\" is missing",
            ),
            (
                r#"{"requests": [{"id":1,"method":"GET","url":"/me"}]}"#.into(),
                "requests[0]: \"id\" must be a string",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"/me"},{"id":["2"],"method":"GET","url":"/me"}]}"#.into(),
                "requests[1]: \"id\" must be a string",
            ),
            (
                r#"{"requests": [{"id":"","method":"GET","url":"/me"}]}"#.into(),
                "requests[0]: \"id\" is empty",
            ),
            (
                r#"{"requests": [{"id":"a","method":"GET","url":"/me"},{"id":"a","method":"GET","url":"/me"}]}"#.into(),
                "request id \"a\" is used more than once",
            ),
            (
                r#"{"requests": [{"id":"Ab","method":"GET","url":"/me"},{"id":"aB","method":"GET","url":"/me"}]}"#.into(),
                "request id \"aB\" is used more than once",
            ),
            (
                r#"{"requests": [{"id":"1","url":"/me"}]}"#.into(),
                "request \"1\": \"method\" is missing",
            ),
            (
                r#"{"requests": [{"id":"1","method":7,"url":"/me"}]}"#.into(),
                "request \"1\": \"method\" must be a string",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GE T","url":"/me"}]}"#.into(),
                "\"GE T\" is not an HTTP method",
            ),
            (
                r#"{"requests": [{"id":"1","method":"","url":"/me"}]}"#.into(),
                "\"\" is not an HTTP method",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET"}]}"#.into(),
                "request \"1\": \"url\" is missing",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":{"a":1}}]}"#.into(),
                "request \"1\": \"url\" must be a string",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"  "}]}"#.into(),
                "request \"1\": \"url\" is empty",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"/me","headers":[]}]}"#.into(),
                "\"headers\" must be an object",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"/me","headers":{"a":1}}]}"#.into(),
                "the value of \"a\" must be a string",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"/me","headers":{"a b":"1"}}]}"#.into(),
                "\"a b\" is not a header name",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"/me","headers":{"x":"a\r\nInjected: 1"}}]}"#.into(),
                "the value of \"x\" holds a control character",
            ),
            (
                r#"{"requests": [{"id":"1","method":"PUT","url":"/me/photo/$value","headers":{"Content-Type":"image/jpeg"},"body":"not base64!"}]}"#.into(),
                "\"body\" is not base64, as a \"image/jpeg\" body must be",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"/me","dependsOn":"2"}]}"#.into(),
                "\"dependsOn\" must be an array of id strings",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"/me","dependsOn":[2]}]}"#.into(),
                "\"dependsOn\" must be an array of id strings",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"/me","dependsOn":["9"]}]}"#.into(),
                "request \"1\" depends on \"9\", which is not in the batch",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"/me","dependsOn":["1"]}]}"#.into(),
                "request \"1\" depends on itself",
            ),
            (
                r#"{"requests": [{"id":"1","method":"GET","url":"/me","dependsOn":["2"]},{"id":"2","method":"GET","url":"/me","dependsOn":["1"]}]}"#.into(),
                "requests \"1\" -> \"2\" -> \"1\" form a cycle",
            ),
            (
                // 0 waits on the cycle 1 -> 2 -> 3 -> 1 but is not in it
                r#"{"requests": [
                    {"id":"0","method":"GET","url":"/me","dependsOn":["1"]},
                    {"id":"1","method":"GET","url":"/me","dependsOn":["2"]},
                    {"id":"2","method":"GET","url":"/me","dependsOn":["3"]},
                    {"id":"3","method":"GET","url":"/me","dependsOn":["1"]}]}"#.into(),
                "requests \"1\" -> \"2\" -> \"3\" -> \"1\" form a cycle",
            ),
        ];
        for (body, want) in rows {
            let err = parse(body.as_bytes(), "v1.0").expect_err(&body[..body.len().min(200)]);
            let message = err.to_string();
            assert!(
                message.contains(want),
                "{:.200}: got {message:?}, want {want:?}",
                body
            );
            assert_eq!(err.status(), 400);
            assert_eq!(err.error_body()["error"]["code"], "BadRequest");
            assert_eq!(err.error_body()["error"]["message"], message.as_str());
        }
    }

    #[test]
    fn long_client_text_is_cut_in_messages() {
        let id = "é".repeat(500);
        let body = json!({"requests": [
            {"id": id, "method": "GET", "url": "/me"},
            {"id": id, "method": "GET", "url": "/me"},
        ]});
        let err = parse(body.to_string().as_bytes(), "v1.0").unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains(&format!("\"{}\"...", "é".repeat(64))),
            "{message}"
        );
        assert!(!message.contains(&"é".repeat(65)), "{message}");
    }

    /// (url as written, batch version, url dispatched).
    #[test]
    fn urls_resolve_against_the_batch_version() {
        let rows = [
            ("/me", "v1.0", "/v1.0/me"),
            ("me", "v1.0", "/v1.0/me"),
            ("me", "beta", "/beta/me"),
            ("//me", "v1.0", "/v1.0/me"),
            ("/", "v1.0", "/v1.0/"),
            ("users?$top=1", "v1.0", "/v1.0/users?$top=1"),
            ("users?", "v1.0", "/v1.0/users"),
            ("  /me  ", "v1.0", "/v1.0/me"),
            ("/me#frag", "v1.0", "/v1.0/me"),
            ("https://graph.microsoft.com/v1.0/me", "v1.0", "/v1.0/me"),
            (
                "HTTPS://graph.microsoft.com/beta/me?$select=id",
                "v1.0",
                "/beta/me?$select=id",
            ),
            ("http://localhost:8080/v1.0/users", "beta", "/v1.0/users"),
            ("https://graph.microsoft.com", "v1.0", "/"),
            (
                "users?$select=id,displayName&$filter=city eq null&$count=true",
                "v1.0",
                "/v1.0/users?$select=id,displayName&$filter=city%20eq%20null&$count=true",
            ),
            (
                "/me/drive/root:/a%20b.txt:/content",
                "v1.0",
                "/v1.0/me/drive/root:/a%20b.txt:/content",
            ),
            ("/users/{id}", "v1.0", "/v1.0/users/%7Bid%7D"),
            ("/users/é", "v1.0", "/v1.0/users/%C3%A9"),
            ("/users\n/x", "v1.0", "/v1.0/users%0A/x"),
            ("/v1.0/me", "v1.0", "/v1.0/v1.0/me"),
        ];
        for (url, version, want) in rows {
            let body = json!({"requests": [{"id": "1", "method": "get", "url": url}]});
            let items = parse(body.to_string().as_bytes(), version).unwrap();
            assert_eq!(items[0].url, want, "{url:?} in {version}");
            assert_eq!(items[0].method, "GET");
        }
    }

    /// (item's headers and body, headers dispatched, body dispatched).
    #[test]
    fn request_bodies_are_json_text_or_decoded_base64() {
        type Row = (
            Value,
            Vec<(&'static str, &'static str)>,
            Option<&'static [u8]>,
        );
        let rows: Vec<Row> = vec![
            (json!({}), vec![], None),
            (json!({"body": null}), vec![], None),
            (
                json!({"body": {"city": "Redmond"}, "headers": {"Content-Type": "application/json"}}),
                vec![("Content-Type", "application/json")],
                Some(br#"{"city":"Redmond"}"#),
            ),
            (
                json!({"body": {"city": "Redmond"}}),
                vec![("Content-Type", "application/json")],
                Some(br#"{"city":"Redmond"}"#),
            ),
            (
                json!({"body": {}, "headers": {"content-type": "application/json; charset=utf-8"}}),
                vec![("content-type", "application/json; charset=utf-8")],
                Some(b"{}"),
            ),
            (
                json!({"body": [1, true], "headers": {"ConsistencyLevel": "eventual"}}),
                vec![
                    ("ConsistencyLevel", "eventual"),
                    ("Content-Type", "application/json"),
                ],
                Some(b"[1,true]"),
            ),
            (
                json!({"body": "text", "headers": {"Content-Type": "application/json"}}),
                vec![("Content-Type", "application/json")],
                Some(br#""text""#),
            ),
            (
                json!({"body": "text"}),
                vec![("Content-Type", "application/json")],
                Some(br#""text""#),
            ),
            (
                json!({"body": "aGVsbG8=", "headers": {"Content-Type": "text/plain"}}),
                vec![("Content-Type", "text/plain")],
                Some(b"hello"),
            ),
            (
                json!({"body": "aGVsbG8", "headers": {"Content-Type": "text/plain"}}),
                vec![("Content-Type", "text/plain")],
                Some(b"hello"),
            ),
            (
                json!({"body": "/+8=", "headers": {"Content-Type": "image/jpeg"}}),
                vec![("Content-Type", "image/jpeg")],
                Some(&[0xff, 0xef]),
            ),
            (
                json!({"body": "_-8", "headers": {"Content-Type": "image/jpeg"}}),
                vec![("Content-Type", "image/jpeg")],
                Some(&[0xff, 0xef]),
            ),
            (
                json!({"body": "aGVs\nbG8=", "headers": {"Content-Type": "application/octet-stream"}}),
                vec![("Content-Type", "application/octet-stream")],
                Some(b"hello"),
            ),
            (
                json!({"body": "", "headers": {"Content-Type": "text/plain"}}),
                vec![("Content-Type", "text/plain")],
                Some(b""),
            ),
            (
                json!({"body": {"a": 1}, "headers": {"Content-Type": "text/plain"}}),
                vec![("Content-Type", "text/plain")],
                Some(br#"{"a":1}"#),
            ),
            (
                json!({"body": {"a": 1}, "headers": {"Content-Type": "application/merge-patch+json"}}),
                vec![("Content-Type", "application/merge-patch+json")],
                Some(br#"{"a":1}"#),
            ),
        ];
        for (extra, want_headers, want_body) in rows {
            let mut item = json!({"id": "1", "method": "PATCH", "url": "/me"});
            for (k, v) in extra.as_object().unwrap() {
                item[k] = v.clone();
            }
            let body = json!({ "requests": [item] });
            let items = parse(body.to_string().as_bytes(), "v1.0").unwrap();
            let got: Vec<(&str, &str)> = items[0]
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            assert_eq!(got, want_headers, "{extra}");
            assert_eq!(items[0].body.as_deref(), want_body, "{extra}");
        }
    }

    #[test]
    fn parse_keeps_ids_dependencies_and_unknown_members() {
        let body = br#"{"requests": [
            {"id": "A", "method": "POST", "url": "/users", "atomicityGroup": "g"},
            {"id": "b", "method": "DELETE", "url": "/users/1", "dependsOn": ["a"]}
        ], "extra": 1}"#;
        let items = parse(body, "beta").unwrap();
        assert_eq!(
            items
                .iter()
                .map(|i| (i.id.as_str(), i.method.as_str(), i.path(), i.query()))
                .collect::<Vec<_>>(),
            [
                ("A", "POST", "/beta/users", None),
                ("b", "DELETE", "/beta/users/1", None)
            ]
        );
        assert_eq!(items[1].depends_on, ["a"]);
        assert_eq!(parse(br#"{"requests": []}"#, "v1.0").unwrap(), vec![]);
        assert_eq!(run(vec![], |_| unreachable!()), json!({"responses": []}));
        let twenty: Vec<Value> = (0..20)
            .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
            .collect();
        let body = json!({ "requests": twenty }).to_string();
        assert_eq!(parse(body.as_bytes(), "v1.0").unwrap().len(), 20);
    }

    /// One answer of the test server: (method and url, status, headers, body).
    type Answer = (
        &'static str,
        u16,
        &'static [(&'static str, &'static str)],
        &'static [u8],
    );

    /// Run a batch against a table of answers (an unknown request is 404);
    /// the outer body and the order requests were dispatched in.
    fn run_table(batch: &str, answers: &[Answer]) -> (Value, Vec<String>) {
        let items = parse(batch.as_bytes(), "v1.0").unwrap();
        let mut calls = Vec::new();
        let out = run(items, |r| {
            let key = format!("{} {}", r.method, r.url);
            calls.push(r.id.clone());
            match answers.iter().find(|a| a.0 == key) {
                Some(&(_, status, headers, body)) => SubResponse {
                    status,
                    headers: headers.iter().map(|&(n, v)| (n.into(), v.into())).collect(),
                    body: Bytes::from_static(body),
                },
                None => SubResponse {
                    status: 404,
                    headers: vec![],
                    body: Bytes::new(),
                },
            }
        });
        (out, calls)
    }

    fn failed(dep: &str) -> Value {
        json!({"error": {
            "code": "FailedDependency",
            "message": format!("the request was not run: request \"{dep}\", which it depends on, failed"),
        }})
    }

    const JSON: &[(&str, &str)] = &[("Content-Type", "application/json")];

    /// (batch, answers, expected responses, expected dispatch order).
    #[test]
    fn batches_run_in_dependency_order_and_answer_in_request_order() {
        type Row = (&'static str, Vec<Answer>, Value, Vec<&'static str>);
        let rows: Vec<Row> = vec![
            // independent items: request order, JSON embedded, empty omitted
            (
                r#"{"requests": [
                    {"id": "1", "method": "GET", "url": "/me"},
                    {"id": "2", "method": "DELETE", "url": "/groups/9"}]}"#,
                vec![
                    ("GET /v1.0/me", 200, JSON, br#"{"id":"u1"}"#),
                    ("DELETE /v1.0/groups/9", 204, &[], b""),
                ],
                json!([
                    {"id": "1", "status": 200, "headers": {"Content-Type": "application/json"}, "body": {"id": "u1"}},
                    {"id": "2", "status": 204, "headers": {}},
                ]),
                vec!["1", "2"],
            ),
            // dependsOn reorders dispatch (4 before 3), not the answers
            (
                r#"{"requests": [
                    {"id": "1", "method": "GET", "url": "/a"},
                    {"id": "3", "method": "GET", "url": "/c", "dependsOn": ["4"]},
                    {"id": "2", "method": "GET", "url": "/b", "dependsOn": ["1"]},
                    {"id": "4", "method": "GET", "url": "/d", "dependsOn": ["2"]}]}"#,
                vec![
                    ("GET /v1.0/a", 200, JSON, b"1"),
                    ("GET /v1.0/b", 200, JSON, b"2"),
                    ("GET /v1.0/c", 200, JSON, b"3"),
                    ("GET /v1.0/d", 200, JSON, b"4"),
                ],
                json!([
                    {"id": "1", "status": 200, "headers": json_headers(), "body": 1},
                    {"id": "3", "status": 200, "headers": json_headers(), "body": 3},
                    {"id": "2", "status": 200, "headers": json_headers(), "body": 2},
                    {"id": "4", "status": 200, "headers": json_headers(), "body": 4},
                ]),
                vec!["1", "2", "4", "3"],
            ),
            // a failed dependency: 424, not dispatched, and its dependents too
            (
                r#"{"requests": [
                    {"id": "1", "method": "GET", "url": "/missing"},
                    {"id": "2", "method": "GET", "url": "/me", "dependsOn": ["1"]},
                    {"id": "3", "method": "GET", "url": "/me", "dependsOn": ["2"]},
                    {"id": "4", "method": "GET", "url": "/me"}]}"#,
                vec![("GET /v1.0/me", 200, JSON, b"{}")],
                json!([
                    {"id": "1", "status": 404, "headers": {}},
                    {"id": "2", "status": 424, "headers": json_headers(), "body": failed("1")},
                    {"id": "3", "status": 424, "headers": json_headers(), "body": failed("2")},
                    {"id": "4", "status": 200, "headers": json_headers(), "body": {}},
                ]),
                vec!["1", "4"],
            ),
            // a 3xx does not fail its dependents; ids match case-insensitively
            (
                r#"{"requests": [
                    {"id": "A", "method": "GET", "url": "/r"},
                    {"id": "b", "method": "GET", "url": "/me", "dependsOn": ["a"]}]}"#,
                vec![
                    (
                        "GET /v1.0/r",
                        302,
                        &[("Location", "https://x.example/f")],
                        b"",
                    ),
                    ("GET /v1.0/me", 201, JSON, b"[]"),
                ],
                json!([
                    {"id": "A", "status": 302, "headers": {"Location": "https://x.example/f"}},
                    {"id": "b", "status": 201, "headers": json_headers(), "body": []},
                ]),
                vec!["A", "b"],
            ),
            // several dependencies: the first that failed is named
            (
                r#"{"requests": [
                    {"id": "1", "method": "GET", "url": "/me"},
                    {"id": "2", "method": "GET", "url": "/bad"},
                    {"id": "3", "method": "GET", "url": "/me", "dependsOn": ["1", "2"]}]}"#,
                vec![
                    ("GET /v1.0/me", 200, JSON, b"{}"),
                    (
                        "GET /v1.0/bad",
                        500,
                        JSON,
                        br#"{"error":{"code":"x","message":"y"}}"#,
                    ),
                ],
                json!([
                    {"id": "1", "status": 200, "headers": json_headers(), "body": {}},
                    {"id": "2", "status": 500, "headers": json_headers(), "body": {"error": {"code": "x", "message": "y"}}},
                    {"id": "3", "status": 424, "headers": json_headers(), "body": failed("2")},
                ]),
                vec!["1", "2"],
            ),
            // bodies: non-JSON types base64, invalid JSON base64, untyped
            // JSON embedded, whitespace omitted; framing headers dropped,
            // repeated headers joined
            (
                r#"{"requests": [
                    {"id": "1", "method": "GET", "url": "/me/photo/$value"},
                    {"id": "2", "method": "GET", "url": "/users/$count"},
                    {"id": "3", "method": "GET", "url": "/broken"},
                    {"id": "4", "method": "GET", "url": "/untyped"},
                    {"id": "5", "method": "GET", "url": "/blank"}]}"#,
                vec![
                    (
                        "GET /v1.0/me/photo/$value",
                        200,
                        &[("Content-Type", "image/jpeg"), ("Content-Length", "2")],
                        &[0xff, 0xd8],
                    ),
                    (
                        "GET /v1.0/users/$count",
                        200,
                        &[("Content-Type", "text/plain")],
                        b"12",
                    ),
                    (
                        "GET /v1.0/broken",
                        200,
                        &[
                            ("content-type", "application/json"),
                            ("Vary", "a"),
                            ("vary", "b"),
                        ],
                        b"{\"a\":1,}",
                    ),
                    (
                        "GET /v1.0/untyped",
                        200,
                        &[("Transfer-Encoding", "chunked"), ("Connection", "close")],
                        b"{\"a\":1}",
                    ),
                    ("GET /v1.0/blank", 200, JSON, b"  \r\n"),
                ],
                json!([
                    {"id": "1", "status": 200, "headers": {"Content-Type": "image/jpeg"}, "body": "/9g="},
                    {"id": "2", "status": 200, "headers": {"Content-Type": "text/plain"}, "body": "MTI="},
                    {"id": "3", "status": 200, "headers": {"content-type": "application/json", "Vary": "a, b"}, "body": "eyJhIjoxLH0="},
                    {"id": "4", "status": 200, "headers": {}, "body": {"a": 1}},
                    {"id": "5", "status": 200, "headers": json_headers()},
                ]),
                vec!["1", "2", "3", "4", "5"],
            ),
        ];
        for (batch, answers, want, want_calls) in rows {
            let (got, calls) = run_table(batch, &answers);
            assert_eq!(got, json!({ "responses": want }), "{batch}");
            assert_eq!(calls, want_calls, "{batch}");
        }
    }

    fn json_headers() -> Value {
        json!({"Content-Type": "application/json"})
    }

    #[test]
    fn dispatch_sees_method_url_headers_and_body() {
        let batch = br#"{"requests": [{"id": "4", "url": "me", "method": "patch",
            "body": {"city": "Redmond"}, "headers": {"If-Match": "W/\"1\""}}]}"#;
        let items = parse(batch, "v1.0").unwrap();
        let mut seen = None;
        run(items, |r| {
            seen = Some(r.clone());
            SubResponse {
                status: 204,
                ..Default::default()
            }
        });
        let seen = seen.expect("dispatched");
        assert_eq!(
            (seen.method.as_str(), seen.url.as_str()),
            ("PATCH", "/v1.0/me")
        );
        assert_eq!(seen.header("if-match"), Some("W/\"1\""));
        assert_eq!(seen.header("CONTENT-TYPE"), Some("application/json"));
        assert_eq!(seen.body.as_deref(), Some(&br#"{"city":"Redmond"}"#[..]));
    }

    /// Items built by hand with what parse refuses: no panic, 424s.
    #[test]
    fn run_survives_items_parse_would_refuse() {
        let mut a = req("a", "GET", "/v1.0/a");
        a.depends_on = vec!["b".into()];
        let mut b = req("b", "GET", "/v1.0/b");
        b.depends_on = vec!["a".into()];
        let mut c = req("c", "GET", "/v1.0/c");
        c.depends_on = vec!["nowhere".into()];
        let d = req("d", "GET", "/v1.0/d");
        let mut e = req("e", "GET", "/v1.0/e");
        e.depends_on = vec!["e".into()];
        let mut calls = Vec::new();
        let out = run(vec![a, b, c, d, e], |r| {
            calls.push(r.id.clone());
            SubResponse {
                status: 200,
                ..Default::default()
            }
        });
        let statuses: Vec<(String, u64)> = out["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["status"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            statuses,
            [("a", 424), ("b", 424), ("c", 424), ("d", 200), ("e", 424)]
                .map(|(i, s)| (i.to_owned(), s))
        );
        assert_eq!(calls, ["d"]);
        assert!(
            out["responses"][2]["body"]["error"]["message"]
                .as_str()
                .unwrap()
                .contains("\"nowhere\", which it depends on, is not in the batch")
        );
        assert!(
            out["responses"][0]["body"]["error"]["message"]
                .as_str()
                .unwrap()
                .contains("is part of a dependsOn cycle")
        );
    }

    /// Hostile shapes anywhere in a batch: an answer, never a panic.
    #[test]
    fn hostile_json_never_panics() {
        let rows = [
            r#"{"requests": [{"id": "1", "method": "GET", "url": "/me", "headers": {"a": {"b": [1, {"c": null}]}}}]}"#,
            r#"{"requests": [{"id": "1", "method": "GET", "url": "/me", "dependsOn": [null]}]}"#,
            r#"{"requests": [{"id": "1", "method": "GET", "url": "/me", "dependsOn": {"0": "1"}}]}"#,
            r#"{"requests": [{"id": "1", "method": ["GET"], "url": "/me"}]}"#,
            r#"{"requests": [{"id": "1", "method": "GET", "url": "/me", "body": "\ud800"}]}"#,
            r#"{"requests": [{"id": "\u0000", "method": "GET", "url": "\u0000"}]}"#,
            r#"{"requests": [{"id": "1", "method": "GET", "url": "https://"}]}"#,
            r#"{"requests": [{"id": "1", "method": "GET", "url": "https://€/é"}]}"#,
            r#"{"requests": [{"id": "1", "method": "GET", "url": "/me", "headers": {"Content-Type": "image/png"}, "body": 12}]}"#,
            r#"{"requests": null}"#,
            r#"{"requests": [1e999]}"#,
            "\u{feff}{\"requests\": []}",
        ];
        for body in rows {
            if let Ok(items) = parse(body.as_bytes(), "v1.0") {
                let out = run(items, |_| SubResponse::default());
                assert!(out["responses"].is_array(), "{body}");
            }
        }
    }
}
