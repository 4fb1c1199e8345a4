//! The built-in mock: a real HTTP server answering each documented request
//! with its documented response. It is the default target (so `cargo test`
//! and `graph-contract check` are green on a fresh machine), a stand-in for a
//! service while its team writes it, and the server the benchmarks load.
//!
//! Matching: method, then path segment by segment (case-insensitive, percent
//! escapes decoded; a `{...}` or `<...>` segment in the docs matches any
//! segment). When several examples share method and path, the one whose query
//! string matches wins, then the first documented.
//!
//! Limits ([`MockLimits`], defaults below): the mock answers anyone who can
//! reach its port, so no client can make it hold memory or a connection
//! without bound. Decisions, with their reasons:
//! - **Request head**: at most 64 KiB (request line and headers) and 100
//!   headers; more gets hyper's `431` and the connection closed. Documented
//!   URLs are far shorter; a client sending more is not one of ours.
//! - **Head timeout**: a request head must arrive whole within 30 s of the
//!   connection becoming ready for it (hyper's `header_read_timeout`, on a
//!   tokio timer), else the connection is closed without an answer. This is
//!   also the idle timeout of a kept-alive connection: hyper waits for the
//!   next head from the moment the previous answer is sent. A slowloris
//!   client trickling a head byte by byte holds a connection 30 s at most.
//! - **Body**: read and thrown away as it arrives (the mock answers from the
//!   route, never from the body), so a body costs no memory; more than
//!   256 MiB (declared in `Content-Length` or counted as it arrives) gets
//!   `413` and the connection closed: a documented body is never near that.
//! - **Body timeout**: the whole body must arrive within 60 s of its head,
//!   else `408` and the connection closed: a half-sent body holds a
//!   connection no longer.
//! - An answer that cannot be sent (the client stopped reading) is bounded by
//!   the client's own socket; the mock sends no answer larger than a
//!   documented one.

pub mod batch;
pub mod query;
pub mod throttle;
pub mod values;

use crate::model::{Case, DocBody, DocResponse, IgnoreReason};
use crate::target::url::doc_path_and_query;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Incoming};
use hyper::{Request, Response, StatusCode};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// A whole `{...}` segment.
    Any,
    /// Literal pieces around placeholders inside one segment, as in
    /// `root:{item-path}:` or `cell(row={row},column={column})`.
    Glob(Vec<String>),
}

impl Segment {
    /// How well a segment matches: 2 literal, 1 glob, 0 any; None if not.
    fn score(&self, text: &str) -> Option<u32> {
        match self {
            Segment::Literal(l) => (l == text).then_some(2),
            Segment::Any => Some(0),
            Segment::Glob(pieces) => glob_match(pieces, text).then_some(1),
        }
    }
}

/// `pieces` are the literal parts between placeholders (first and last may be
/// empty); each placeholder matches any text.
fn glob_match(pieces: &[String], text: &str) -> bool {
    let (Some(first), Some(last)) = (pieces.first(), pieces.last()) else {
        return true;
    };
    if pieces.len() == 1 {
        return first == text;
    }
    // both ends checked before the cut: with them, both cut points fall on
    // character boundaries (a request path may hold any UTF-8)
    if !text.starts_with(first.as_str())
        || !text.ends_with(last.as_str())
        || text.len() < first.len() + last.len()
    {
        return false;
    }
    let Some(mut rest) = text.get(first.len()..text.len() - last.len()) else {
        return false;
    };
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece.as_str()) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    true
}

/// One served example.
struct Route {
    segments: Vec<Segment>,
    query: Option<String>,
    case: usize,
    response: Prepared,
}

/// A documented response made ready to send once.
struct Prepared {
    status: StatusCode,
    headers: Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
    body: Bytes,
    /// The body's paging links (JSON-quoted as written; a next link?),
    /// rewritten onto the mock as it is answered.
    links: Vec<(String, bool)>,
    /// The body without its next links: the answer to a followed one.
    last_page: Option<Bytes>,
}

/// The paging links of a documented body (`@odata.nextLink`,
/// `@odata.deltaLink`, and their property forms), each as the body writes
/// it (JSON-quoted) and whether it is a next link.
fn paging_links(value: &serde_json::Value, out: &mut Vec<(String, bool)>) {
    match value {
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                let next = k.ends_with("@odata.nextLink");
                if (next || k.ends_with("@odata.deltaLink"))
                    && let Some(link) = v.as_str()
                {
                    out.push((serde_json::to_string(link).unwrap_or_default(), next));
                } else {
                    paging_links(v, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| paging_links(v, out)),
        _ => {}
    }
}

/// The query parameter of the mock's own next links: a request carrying
/// it is answered with the route's last page.
pub const LAST_PAGE: &str = "graph-contract-page=last";

/// The body with its paging links on the mock: a next link becomes the
/// request's own URL on `http://{host}` with [`LAST_PAGE`] added (the
/// mock answers it with the last page: no next link), a delta link the
/// request's path on the mock. A client paging through the mock stays on
/// it and stops.
fn rewrite_links(
    body: &Bytes,
    links: &[(String, bool)],
    host: &str,
    path: &str,
    query: Option<&str>,
) -> Bytes {
    let mut text = String::from_utf8_lossy(body).into_owned();
    let next = match query.filter(|q| !q.is_empty()) {
        Some(q) => format!("http://{host}{path}?{q}&{LAST_PAGE}"),
        None => format!("http://{host}{path}?{LAST_PAGE}"),
    };
    let delta = format!("http://{host}{path}?$deltatoken=graph-contract");
    for (quoted, is_next) in links {
        let to = serde_json::to_string(if *is_next { &next } else { &delta }).unwrap_or_default();
        text = text.replace(quoted.as_str(), &to);
    }
    Bytes::from(text)
}

/// A body without its next links (the last page of a collection).
fn without_next_links(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(o) => serde_json::Value::Object(
            o.iter()
                .filter(|(k, _)| !k.ends_with("@odata.nextLink"))
                .map(|(k, v)| (k.clone(), without_next_links(v)))
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(without_next_links).collect())
        }
        v => v.clone(),
    }
}

/// Sent by graph-contract's own client to the built-in mock only: the case a
/// request comes from, so that examples sharing method, path and query are
/// each answered with their own documented response. Other clients (a load
/// generator, a browser) get the best route by path.
pub const CASE_HEADER: &str = "x-graph-contract-case";

/// Headers the mock never copies from the docs: hyper computes them.
const NOT_COPIED: &[&str] = &["content-length", "transfer-encoding", "connection", "date"];

/// The routes of a set of cases, indexed by method and segment count.
pub struct Routes {
    /// Method (upper case) → for each segment count, the routes having it,
    /// in document order.
    by_method: HashMap<String, Vec<Vec<Route>>>,
    /// Case id → where its route is: (segment count, position).
    by_id: HashMap<String, (usize, usize)>,
    ids: Vec<String>,
}

/// Lower-cased, percent-decoded text of a path segment or query.
fn normalize(text: &str) -> String {
    let plus_free = text.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_free)
        .decode_utf8_lossy()
        .to_lowercase()
}

/// The normalized segments of a request path, in one buffer: no allocation
/// per segment on the hot path.
struct Parts {
    text: String,
    ends: Vec<usize>,
}

impl Parts {
    fn of(path: &str) -> Parts {
        let mut text = String::with_capacity(path.len());
        let mut ends = Vec::with_capacity(8);
        for seg in split_path(path) {
            if seg.bytes().all(|b| b.is_ascii() && b != b'%' && b != b'+') {
                text.extend(seg.bytes().map(|b| b.to_ascii_lowercase() as char));
            } else {
                text.push_str(&normalize(seg));
            }
            ends.push(text.len());
        }
        Parts { text, ends }
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.text[a..b])
    }
}

/// Split a path on `/`, except inside `{...}` (docs write `{a/b}`).
fn split_path(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    for (i, c) in path.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => {
                out.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&path[start..]);
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

fn is_placeholder(seg: &str) -> bool {
    crate::placeholder::is_whole(seg)
}

fn pattern(path: &str) -> Vec<Segment> {
    split_path(path)
        .into_iter()
        .map(|s| {
            if is_placeholder(s) {
                Segment::Any
            } else if s.contains('{') || s.contains('<') {
                Segment::Glob(glob_pieces(s))
            } else {
                Segment::Literal(normalize(s))
            }
        })
        .collect()
}

/// The literal pieces of a segment around its `{...}` / `<...>` placeholders.
fn glob_pieces(seg: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = seg;
    while let Some(i) = rest.find(['{', '<']) {
        let close = if rest.as_bytes()[i] == b'{' { '}' } else { '>' };
        let Some(j) = rest[i..].find(close) else {
            break;
        };
        pieces.push(normalize(&rest[..i]));
        rest = &rest[i + j + 1..];
    }
    pieces.push(normalize(rest));
    pieces
}

fn prepare(resp: &DocResponse) -> Prepared {
    let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::OK);
    let mut headers = Vec::new();
    let mut has_type = false;
    for (name, value) in &resp.headers {
        if NOT_COPIED.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            continue;
        }
        let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.trim().as_bytes()),
            hyper::header::HeaderValue::from_str(value.trim()),
        ) else {
            continue;
        };
        has_type |= n == hyper::header::CONTENT_TYPE;
        headers.push((n, v));
    }
    let no_body = resp.status == 204 || resp.status == 304 || resp.is_empty;
    let body: Bytes = match &resp.body {
        _ if no_body => Bytes::new(),
        DocBody::Empty => Bytes::new(),
        DocBody::Json(value) => {
            // The text as written when it is valid JSON; otherwise the value
            // read leniently, serialized, so the mock never sends broken JSON.
            if serde_json::from_str::<serde::de::IgnoredAny>(&resp.body_text).is_ok() {
                Bytes::from(resp.body_text.clone())
            } else {
                Bytes::from(serde_json::to_vec(value).unwrap_or_default())
            }
        }
        DocBody::Text(text) => Bytes::from(text.clone()),
    };
    let mut links = Vec::new();
    let mut last_page = None;
    if let DocBody::Json(v) = &resp.body
        && !no_body
    {
        paging_links(v, &mut links);
        if links.iter().any(|(_, next)| *next) {
            last_page = Some(Bytes::from(
                serde_json::to_vec(&without_next_links(v)).unwrap_or_default(),
            ));
        }
    }
    if !has_type && matches!(resp.body, DocBody::Json(_)) && !body.is_empty() {
        headers.push((
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json"),
        ));
    }
    Prepared {
        status,
        headers,
        body,
        links,
        last_page,
    }
}

impl Routes {
    /// The routes of every case that has a documented response.
    pub fn new(cases: &[Case]) -> Routes {
        let mut by_method: HashMap<String, Vec<Vec<Route>>> = HashMap::new();
        let mut by_id = HashMap::new();
        for (i, case) in cases.iter().enumerate() {
            let Some(resp) = &case.response else { continue };
            let (path, query) = doc_path_and_query(&case.request.url);
            let segments = pattern(path);
            let n = segments.len();
            let by_len = by_method
                .entry(case.request.method.to_ascii_uppercase())
                .or_default();
            if by_len.len() <= n {
                by_len.resize_with(n + 1, Vec::new);
            }
            by_id.entry(case.id.clone()).or_insert((n, by_len[n].len()));
            by_len[n].push(Route {
                segments,
                query: query.map(normalize),
                case: i,
                response: prepare(resp),
            });
        }
        Routes {
            by_method,
            by_id,
            ids: cases.iter().map(|c| c.id.clone()).collect(),
        }
    }

    /// The index of the case that answers a request, if any.
    pub fn find(&self, method: &str, path: &str, query: Option<&str>) -> Option<usize> {
        self.find_route(method, path, query, None).map(|r| r.case)
    }

    /// The best route: the most literal segments first, then a matching
    /// query string, then the first documented. `hint` (a case id sent by
    /// graph-contract's own client) picks among routes that match the path.
    fn find_route(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        hint: Option<&str>,
    ) -> Option<&Route> {
        let normalized = Parts::of(path);
        let parts: Vec<&str> = normalized.iter().collect();
        let by_len = match self.by_method.get(method) {
            Some(m) => m,
            None => self.by_method.get(&method.to_ascii_uppercase())?,
        };
        let candidates = by_len.get(parts.len())?;
        let score = |r: &Route| -> Option<u32> {
            let mut score = 0;
            for (s, p) in r.segments.iter().zip(&parts) {
                score += s.score(p)?;
            }
            Some(score)
        };
        // The hinted case answers when its own route matches the request.
        if let Some(h) = hint
            && let Some(&(n, pos)) = self.by_id.get(h)
            && n == parts.len()
            && let Some(r) = candidates.get(pos)
            && self.ids[r.case] == h
            && score(r).is_some()
        {
            return Some(r);
        }
        let query = query.map(normalize);
        let mut best: Option<(&Route, (u32, bool))> = None;
        for r in candidates {
            let Some(score) = score(r) else { continue };
            let key = (score, r.query.as_deref() == query.as_deref());
            if best.is_none_or(|(_, k)| key > k) {
                best = Some((r, key));
            }
        }
        best.map(|(r, _)| r)
    }

    /// For each case the mock cannot serve as documented because an earlier
    /// example answers the same request: (case index, reason).
    pub fn shadowed(&self, cases: &[Case]) -> Vec<(usize, IgnoreReason)> {
        let mut out = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            if case.response.is_none() {
                continue;
            }
            let filled = crate::target::fill_placeholders(&case.request.url);
            let (path, query) = doc_path_and_query(&filled);
            let path = crate::target::url::encode(path);
            let query = query.map(crate::target::url::encode);
            let route = self.find_route(
                &case.request.method,
                &path,
                query.as_deref(),
                Some(&case.id),
            );
            match route {
                Some(r) if r.case == i => {}
                Some(r) => out.push((
                    i,
                    IgnoreReason::MockShadowed {
                        by: self.ids[r.case].clone(),
                    },
                )),
                None => out.push((i, IgnoreReason::MockUnroutable)),
            }
        }
        out
    }

    fn respond(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        hint: Option<&str>,
        host: Option<&str>,
    ) -> Response<Full<Bytes>> {
        // A next link the mock wrote: the same route, its last page.
        let (query, last) = match query {
            Some(q) if q.split('&').any(|p| p == LAST_PAGE) => {
                let rest: Vec<&str> = q.split('&').filter(|p| *p != LAST_PAGE).collect();
                (Some(rest.join("&")), true)
            }
            q => (q.map(str::to_owned), false),
        };
        let query = query.as_deref().filter(|q| !q.is_empty());
        match self.find_route(method, path, query, hint) {
            Some(route) => {
                let p = &route.response;
                // A host a client may send: no quote, no backslash.
                let host = host.filter(|h| {
                    h.bytes()
                        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
                });
                let body = match (last, &p.last_page) {
                    (true, Some(last_body)) => last_body.clone(),
                    _ => p.body.clone(),
                };
                let body = match host {
                    Some(h) if !p.links.is_empty() => {
                        rewrite_links(&body, &p.links, h, path, query)
                    }
                    _ => body,
                };
                let mut resp = Response::new(Full::new(body));
                *resp.status_mut() = p.status;
                let h = resp.headers_mut();
                for (n, v) in &p.headers {
                    h.append(n.clone(), v.clone());
                }
                resp
            }
            None => {
                let body = serde_json::json!({"error": {
                    "code": "graphContract.noExample",
                    "message": format!("no documented example matches {method} {path}"),
                }});
                let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
                *resp.status_mut() = StatusCode::NOT_FOUND;
                resp.headers_mut().insert(
                    hyper::header::CONTENT_TYPE,
                    hyper::header::HeaderValue::from_static("application/json"),
                );
                resp
            }
        }
    }
}

/// What one client may make the mock hold or wait for (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockLimits {
    /// Largest request head (request line and headers), in bytes; at least
    /// 8 KiB (less is raised to it: hyper's smallest read buffer).
    pub max_head_bytes: usize,
    /// Most headers in one request.
    pub max_headers: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: u64,
    /// Time for a whole request head to arrive (also the keep-alive idle
    /// timeout).
    pub head_timeout: Duration,
    /// Time for a whole request body to arrive after its head.
    pub body_timeout: Duration,
}

impl Default for MockLimits {
    fn default() -> Self {
        MockLimits {
            max_head_bytes: 64 * 1024,
            max_headers: 100,
            max_body_bytes: 256 * 1024 * 1024,
            head_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(60),
        }
    }
}

/// Why a request body was not read to its end.
enum BodyRefused {
    TooLarge,
    /// The client broke the body off (a malformed chunk, a hang-up).
    Broken,
}

/// Read the body to its end, throwing it away, counting its bytes.
async fn drain(mut body: Incoming, max: u64) -> Result<(), BodyRefused> {
    if body.size_hint().lower() > max {
        return Err(BodyRefused::TooLarge);
    }
    let mut seen: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyRefused::Broken)?;
        if let Some(data) = frame.data_ref() {
            seen = seen.saturating_add(data.len() as u64);
            if seen > max {
                return Err(BodyRefused::TooLarge);
            }
        }
    }
    Ok(())
}

/// An error answer after which the connection is closed (its request was not
/// read to the end, so nothing after it on the connection can be trusted).
fn refusal(status: StatusCode, code: &str, message: String) -> Response<Full<Bytes>> {
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    h.insert(
        hyper::header::CONNECTION,
        hyper::header::HeaderValue::from_static("close"),
    );
    resp
}

/// A running mock; dropping it does not stop it (it lives as long as its
/// runtime), `abort` does.
pub struct MockServer {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl MockServer {
    /// The base URL to use as target.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn abort(&self) {
        self.task.abort();
    }
}

/// Bind `addr` and serve the routes on the current tokio runtime.
pub async fn start(routes: Arc<Routes>, addr: SocketAddr) -> std::io::Result<MockServer> {
    start_with(routes, addr, Duration::ZERO).await
}

/// Like [`start`], every answer held back by `delay` (a slow service, for
/// latency benchmarks and tests).
pub async fn start_with(
    routes: Arc<Routes>,
    addr: SocketAddr,
    delay: Duration,
) -> std::io::Result<MockServer> {
    start_limited(routes, addr, delay, MockLimits::default()).await
}

/// Like [`start_with`], under `limits` instead of the defaults.
pub async fn start_limited(
    routes: Arc<Routes>,
    addr: SocketAddr,
    delay: Duration,
    limits: MockLimits,
) -> std::io::Result<MockServer> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(serve_limited(routes, listener, delay, limits));
    Ok(MockServer { addr, task })
}

/// Accept connections forever.
pub async fn serve(routes: Arc<Routes>, listener: TcpListener) {
    serve_with(routes, listener, Duration::ZERO).await
}

/// Accept connections forever, each answer delayed by `delay`.
pub async fn serve_with(routes: Arc<Routes>, listener: TcpListener, delay: Duration) {
    serve_limited(routes, listener, delay, MockLimits::default()).await
}

/// Accept connections forever under `limits`, each answer delayed by `delay`.
pub async fn serve_limited(
    routes: Arc<Routes>,
    listener: TcpListener,
    delay: Duration,
    limits: MockLimits,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.keep_alive(true)
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.head_timeout)
        .max_headers(limits.max_headers)
        .max_header_size(limits.max_head_bytes.max(8192))
        // the read buffer holds a head and then body frames; never below
        // hyper's default (~400 KiB), which bounds it anyway
        .max_buf_size((limits.max_head_bytes + 64 * 1024).max(400 * 1024));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors and the like: back off briefly.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let routes = routes.clone();
        let http = http.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let routes = routes.clone();
                async move {
                    // Read the body first: a connection whose request body was
                    // left unread is closed after the answer, and a client that
                    // already reused it would see a broken pipe.
                    let (parts, body) = req.into_parts();
                    let max = limits.max_body_bytes;
                    let refused =
                        match tokio::time::timeout(limits.body_timeout, drain(body, max)).await {
                            Ok(Ok(())) => None,
                            Ok(Err(BodyRefused::TooLarge)) => Some(refusal(
                                StatusCode::PAYLOAD_TOO_LARGE,
                                "graphContract.bodyTooLarge",
                                format!("request body larger than the mock's limit of {max} bytes"),
                            )),
                            Ok(Err(BodyRefused::Broken)) => Some(refusal(
                                StatusCode::BAD_REQUEST,
                                "graphContract.bodyBroken",
                                "request body broken off".to_owned(),
                            )),
                            Err(_) => Some(refusal(
                                StatusCode::REQUEST_TIMEOUT,
                                "graphContract.bodyTimeout",
                                format!(
                                    "request body not received within {} ms",
                                    limits.body_timeout.as_millis()
                                ),
                            )),
                        };
                    if let Some(resp) = refused {
                        return Ok(resp);
                    }
                    let req = Request::from_parts(parts, ());
                    let uri = req.uri();
                    let hint = req.headers().get(CASE_HEADER).and_then(|v| v.to_str().ok());
                    let host = req
                        .headers()
                        .get(hyper::header::HOST)
                        .and_then(|v| v.to_str().ok());
                    let resp =
                        routes.respond(req.method().as_str(), uri.path(), uri.query(), hint, host);
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    Ok::<_, std::convert::Infallible>(resp)
                }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = http.serve_connection(io, service).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_outside_braces_and_match_placeholders() {
        assert_eq!(split_path("/a/{b/c}/d"), vec!["a", "{b/c}", "d"]);
        assert_eq!(pattern("/v1.0/users/{id}")[2], Segment::Any);
        assert_eq!(normalize("Foo%20Bar"), "foo bar");
    }

    #[test]
    fn globs_never_cut_inside_a_character() {
        let pieces = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // (pieces, segment, matches)
        let table: &[(&[&str], &str, bool)] = &[
            (&["a", "x"], "aé", false),
            (&["a", "x"], "aéx", true),
            (&["é", "é"], "é", false),
            (&["é", "é"], "éé", true),
            (&["ab(", ")"], "ab(名前)", true),
            (&["ab(", ",", ")"], "ab(名,前)", true),
            (&["ab(", ",", ")"], "ab(名前)", false),
        ];
        for (p, text, want) in table {
            assert_eq!(glob_match(&pieces(p), text), *want, "{p:?} {text}");
        }
    }

    #[test]
    fn request_segments_are_normalized_in_one_buffer() {
        let p = Parts::of("/v1.0/Users/A%20B//x+y/{a/b}/");
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            vec!["v1.0", "users", "a b", "x y", "{a/b}"]
        );
        assert_eq!(Parts::of("/").iter().count(), 0);
    }

    fn case(id: &str, method: &str, url: &str, status: u16) -> Case {
        use crate::model::{DocRequest, DocResponse};
        Case {
            id: id.into(),
            page: "p.md".into(),
            page_id: "p".into(),
            name: id.into(),
            request: DocRequest {
                line: 1,
                method: method.into(),
                url: url.into(),
                http_version: None,
                headers: vec![],
                body: None,
            },
            response: Some(DocResponse {
                line: 2,
                status,
                headers: vec![],
                body: DocBody::Empty,
                body_text: String::new(),
                truncated: false,
                is_collection: None,
                is_empty: false,
                odata_type: None,
            }),
            alternatives: vec![],
            inferred: false,
        }
    }

    #[test]
    fn the_most_literal_route_wins_then_the_query_then_the_first() {
        let cases = vec![
            case(
                "any",
                "GET",
                "https://graph.microsoft.com/v1.0/users/{id}",
                200,
            ),
            case(
                "delta",
                "GET",
                "https://graph.microsoft.com/v1.0/users/delta",
                200,
            ),
            case("top", "GET", "/v1.0/users?$top=5", 200),
            case("all", "GET", "/v1.0/users", 200),
            case(
                "cell",
                "GET",
                "/v1.0/ws/cell(row={row},column={column})",
                200,
            ),
            case("post", "POST", "/v1.0/users", 201),
        ];
        let r = Routes::new(&cases);
        assert_eq!(r.find("GET", "/v1.0/users/delta", None), Some(1));
        assert_eq!(r.find("GET", "/v1.0/Users/48d3", None), Some(0));
        assert_eq!(r.find("GET", "/v1.0/users", Some("$top=5")), Some(2));
        assert_eq!(r.find("GET", "/v1.0/users", Some("$top=9")), Some(2));
        assert_eq!(r.find("POST", "/v1.0/users", None), Some(5));
        assert_eq!(
            r.find("GET", "/v1.0/ws/cell(row=1,column=2)", None),
            Some(4)
        );
        assert_eq!(r.find("GET", "/v1.0/ws/row(1)", None), None);
        assert_eq!(r.find("DELETE", "/v1.0/users", None), None);
    }
}
