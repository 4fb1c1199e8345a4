//! The built-in mock: a real HTTP server answering each documented request
//! with its documented response. It is the default target (so `cargo test`
//! and `graph-contract check` are green on a fresh machine), a stand-in for a
//! service while its team writes it, and the server the benchmarks load.
//!
//! Matching: method, then path segment by segment (case-insensitive, percent
//! escapes decoded; a `{...}` or `<...>` segment in the docs matches any
//! segment, a literal id in an example any id, `me` any user; a versionless
//! example is served under every version). When several examples match, the
//! ranking of `Routes::find_route` decides: the most literal segments, the
//! example's own version, the same query set, the most query pairs shared,
//! the resource's own page, annotated over inferred, then the first
//! documented; the case header of graph-contract's own client wins over all.
//!
//! Decisions on what every answer is, with their reasons:
//! - **An item addressed by its path is one segment** (`split_path`):
//!   `root:/Docs/2026/a.txt:` and `{hostname}:/sites/marketing` (a segment
//!   ending in its only `:` opens the path; it runs to the next segment
//!   ending in `:`, or to the end). The docs write `root:/{item-path}:`
//!   and clients send paths of any depth (the JS client's
//!   `.api('/me/drive/root:/FolderA/FileB.txt:/content')`); an example's
//!   path, placeholder or literal, stands for any path. Kiota's encoded
//!   form (`root:%2Fa.txt:`) is one segment already.
//! - **HEAD is GET without a body; OPTIONS lists the methods**: a `HEAD`
//!   with no example of its own is answered as the `GET` (same status and
//!   headers; hyper sends no body), RFC 9110 §9.3.2. An `OPTIONS` with no
//!   example is `204` with `Allow` naming the methods documented on that
//!   path (§9.3.7), or the `404` below when there are none.
//! - **CORS for browser apps** (the JS Graph client in a page served from
//!   another origin, as Graph itself allows): a request with `Origin` gets
//!   `Access-Control-Allow-Origin` echoing it (with `Vary: Origin`, so
//!   credentialed `fetch` works too) and `Access-Control-Expose-Headers`
//!   naming Graph's ids, `Retry-After`, `Location` and `ETag` (a script
//!   reads them: the SDK's retry handler needs `Retry-After`). A preflight
//!   (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is
//!   answered `204` before routing and throttling, allowing every method
//!   and the headers it asks for, cached 10 minutes: the mock is a test
//!   double, not a policy. An `Origin` that is not a valid header value
//!   gets nothing.
//! - **Graph's envelope on every error the mock makes**: the `404` of an
//!   unmatched request (its message names the nearest documented routes,
//!   the request's method and path cut to 200 characters), the `400` of a
//!   malformed system query option ([`query::malformed`]) or batch, a
//!   batch item's `424`, the `429` of `--throttle`, and the mock's own
//!   `413`/`408`/`400` refusals of a body: `code`, `message`, `innerError`
//!   with `date`, `request-id` and `client-request-id`, the same ids in
//!   headers, Graph's JSON Content-Type and `OData-Version: 4.0`. A
//!   `/$count` answer carries `OData-Version` too (an OData response, in
//!   plain text).
//! - **Next links are on the mock's own origin** (`origin`): the request
//!   target's authority (absolute form), else the `Host` header, when it
//!   is a host and optional port only (`is_authority`); else the address
//!   the connection reached. A `Host` with a path, user info, a fragment,
//!   quotes or spaces (`evil.example/x?y=`) would otherwise make the next
//!   link point elsewhere or not parse, and a client without `Host`
//!   (HTTP/1.0) would page on graph.microsoft.com: either way its pages
//!   would not end on the mock.
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
//!   A `$batch` body is the one kept, and read: at most [`MAX_BATCH_BODY`]
//!   (4 MiB), else the same `413`.
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

use crate::judge::odata::Query;
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
    /// A literal id in an example URL (`02bd9fd6-...`, `AAMkAGI2...=`,
    /// `19:...@thread.tacv2`): itself, or any id when nothing more specific
    /// fits.
    Id(String),
    /// `me`, written as `users/{me}`: `me` itself, or any user id.
    Me,
    /// Literal pieces around placeholders inside one segment, as in
    /// `root:{item-path}:` or `cell(row={row},column={column})`.
    Glob(Vec<String>),
}

/// Weights of a segment's match; a route's score is their sum, so more
/// literal segments win. An example's literal id standing for another id
/// counts least: a route written with `{id}` is the more general one.
const W_LITERAL: u32 = 4;
const W_GLOB: u32 = 2;
const W_ANY: u32 = 1;
const W_ID_AS_ANY: u32 = 0;

/// Segments no placeholder or literal id stands for: the system segments
/// (`$count`, `$value`, `$ref`, `$batch`, `$metadata`, ...) and `delta`
/// (written `delta()` too: the same function call).
fn reserved(text: &str) -> bool {
    text.starts_with('$') || text == "delta"
}

impl Segment {
    /// How well a segment matches (see the weights); None if not.
    fn score(&self, text: &str) -> Option<u32> {
        match self {
            Segment::Literal(l) => (l == text).then_some(W_LITERAL),
            Segment::Any => (!reserved(text)).then_some(W_ANY),
            Segment::Id(l) if l == text => Some(W_LITERAL),
            Segment::Id(_) => (!reserved(text)).then_some(W_ID_AS_ANY),
            Segment::Me if text == "me" => Some(W_LITERAL),
            Segment::Me => (!reserved(text)).then_some(W_ANY),
            Segment::Glob(pieces) => glob_match(pieces, text).then_some(W_GLOB),
        }
    }
}

/// Whether a literal segment of an example URL is an id (it then matches
/// any id in its place): a GUID; a number; a Teams thread id
/// (`19:...@thread.tacv2`); an address (`user@contoso.com`); a drive id
/// (`b!...`); a SharePoint site id (`host,guid,guid`); a long base64-ish
/// token (`AAMkAGI2...=`: 16 or more characters, letters and digits mixed).
/// Words (`messages`, `root`, `microsoft.graph.user`) are never ids.
fn looks_like_id(seg: &str) -> bool {
    let b = seg.as_bytes();
    let hex = |s: &[u8]| s.iter().all(u8::is_ascii_hexdigit);
    let guid = |s: &[u8]| {
        s.len() == 36
            && [8, 13, 18, 23].iter().all(|&i| s[i] == b'-')
            && s.iter()
                .enumerate()
                .all(|(i, c)| [8, 13, 18, 23].contains(&i) || c.is_ascii_hexdigit())
    };
    if guid(b) || (b.len() == 38 && b[0] == b'{' && guid(&b[1..37])) {
        return true;
    }
    if !b.is_empty() && b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    if seg.contains("@thread") || (seg.starts_with("19:") && seg.contains('@')) {
        return true;
    }
    if let Some((user, host)) = seg.split_once('@')
        && !user.is_empty()
        && !seg.contains(['(', '=', '\''])
        && host.contains('.')
    {
        return true;
    }
    if seg.starts_with("b!") && seg.len() > 8 {
        return true;
    }
    if seg.matches(',').count() == 2 && seg.split(',').skip(1).all(|p| guid(p.as_bytes())) {
        return true;
    }
    // A token: mostly capitals and digits (`AAMkAGI2TG93AAA=`,
    // `01BYE5RZZ5OJSCSRM6BZDY7ZEFZ3NJ2QAY`), unlike a camel-case name with a
    // digit in it (`oauth2PermissionGrants`).
    let dense = b
        .iter()
        .filter(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        .count();
    let token = b.len() >= 16
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"+/=_-!".contains(c))
        && (b.iter().any(u8::is_ascii_digit) || seg.ends_with('='))
        && b.iter().any(u8::is_ascii_alphabetic)
        && (dense * 3 >= b.len() || seg.ends_with('='));
    token || (b.len() >= 12 && hex(b) && b.iter().any(u8::is_ascii_digit))
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
    /// `v1.0` or `beta` as the example writes it; None for a versionless
    /// URL (`GET /me/drive`), served under every version.
    version: Option<&'static str>,
    segments: Vec<Segment>,
    /// The example's query, as a sorted set of (key without `$`, value)
    /// pairs, lower-cased and decoded: SDKs order and spell them otherwise.
    query: Vec<(String, String)>,
    case: usize,
    /// 2: the resource's own page (`user-get` for `GET /users/{id}`); 1: its
    /// own page in an Intune area (`intune-devices-user-get`); 0: another.
    own: u8,
    annotated: bool,
    /// `GET /v1.0/users/{id}` as documented: the not-found message names it.
    display: String,
    response: Prepared,
}

/// A documented response made ready to send once.
struct Prepared {
    status: StatusCode,
    headers: Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
    body: Bytes,
    /// The documented JSON body and the example's own query options, when
    /// the body is JSON: what query options and `/$count` work from.
    json: Option<(serde_json::Value, Box<Query>)>,
    /// The body's paging links (JSON-quoted as written; a next link?),
    /// rewritten onto the mock as it is answered.
    links: Vec<(String, bool)>,
    /// The body without its next links: the answer to a followed one.
    last_page: Option<Bytes>,
    /// The example is a delta query: its last page carries the delta link.
    delta: bool,
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
    delta_last: bool,
) -> Bytes {
    let mut text = String::from_utf8_lossy(body).into_owned();
    let next = match query.filter(|q| !q.is_empty()) {
        Some(q) => format!("http://{host}{path}?{q}&{LAST_PAGE}"),
        None => format!("http://{host}{path}?{LAST_PAGE}"),
    };
    let delta = format!("http://{host}{path}?$deltatoken=graph-contract");
    for (quoted, is_next) in links {
        let to = serde_json::to_string(if *is_next && !delta_last {
            &next
        } else {
            &delta
        })
        .unwrap_or_default();
        text = text.replace(quoted.as_str(), &to);
    }
    Bytes::from(text)
}

/// A body without its next links (the last page of a collection); for a
/// delta query (`delta`), the top-level next link becomes the round's
/// delta link instead (OData JSON §4.5.7: a delta link only on the last
/// page, never beside a next link).
fn without_next_links(value: &serde_json::Value, delta: bool) -> serde_json::Value {
    match value {
        serde_json::Value::Object(o) => serde_json::Value::Object(
            o.iter()
                .filter_map(|(k, v)| match k.strip_suffix("@odata.nextLink") {
                    Some("") if delta => Some(("@odata.deltaLink".to_owned(), v.clone())),
                    Some(_) => None,
                    None => Some((k.clone(), without_next_links(v, false))),
                })
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(|v| without_next_links(v, false)).collect())
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
    /// Case id → where its route is: (method, segment count, position).
    by_id: HashMap<String, (String, usize, usize)>,
    ids: Vec<String>,
    /// `mock --throttle`: answers a share of requests 429.
    throttle: Option<throttle::Throttle>,
}

/// Lower-cased, percent-decoded text of a path segment or query.
fn normalize(text: &str) -> String {
    let plus_free = text.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_free)
        .decode_utf8_lossy()
        .to_lowercase()
}

/// How a matching route ranks (greater wins): segment score, own version,
/// same query set, query pairs shared, own page, annotated.
type RouteKey = (u32, bool, bool, usize, u8, bool);

/// The versions Graph serves; a request's first segment when it is one.
const VERSIONS: &[&str] = &["v1.0", "beta"];

fn version_of(seg: &str) -> Option<&'static str> {
    VERSIONS
        .iter()
        .copied()
        .find(|v| seg.eq_ignore_ascii_case(v))
}

/// The normalized segments of a request path, in one buffer: no allocation
/// per segment on the hot path. The version segment is taken out, `me` is
/// read as `users/me`, and a function call without arguments (`delta()`) as
/// its name.
struct Parts {
    version: Option<&'static str>,
    text: String,
    ends: Vec<usize>,
}

impl Parts {
    fn of(path: &str) -> Parts {
        let mut text = String::with_capacity(path.len() + 6);
        let mut ends = Vec::with_capacity(8);
        let mut version = None;
        for (i, seg) in split_path(path).into_iter().enumerate() {
            if i == 0
                && let Some(v) = version_of(seg)
            {
                version = Some(v);
                continue;
            }
            let start = text.len();
            if seg.bytes().all(|b| b.is_ascii() && b != b'%' && b != b'+') {
                text.extend(seg.bytes().map(|b| b.to_ascii_lowercase() as char));
            } else {
                text.push_str(&normalize(seg));
            }
            if ends.is_empty() && &text[start..] == "me" {
                text.insert_str(start, "users");
                ends.push(start + "users".len());
            }
            if text.len() > start + 2 && text.ends_with("()") {
                text.truncate(text.len() - 2);
            }
            ends.push(text.len());
        }
        Parts {
            version,
            text,
            ends,
        }
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.text[a..b])
    }
}

/// A query string as a sorted set of (key without `$`, value) pairs,
/// lower-cased and decoded; the mock's own [`LAST_PAGE`] marker left out.
fn query_set(query: Option<&str>) -> Vec<(String, String)> {
    let Some(q) = query else { return Vec::new() };
    let mut set: Vec<(String, String)> = q
        .split('&')
        .filter(|p| !p.is_empty() && *p != LAST_PAGE)
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let k = normalize(k);
            (k.trim().trim_start_matches('$').to_owned(), normalize(v))
        })
        .collect();
    set.sort();
    set
}

/// The request's `$skip` (a query set's `skip` pair), 0 when it asks none
/// or not as a number.
fn skip_of(set: &[(String, String)]) -> u64 {
    set.iter()
        .find(|(k, _)| k == "skip")
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The mock's next link for a page cut by `$top`: the request's own URL on
/// `http://{host}`, its `$skip` (in any spelling) replaced by `skip`.
fn skip_link(host: &str, path: &str, query: Option<&str>, skip: u64) -> String {
    let mut pairs: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| {
            let k = p.split_once('=').map_or(*p, |(k, _)| k);
            !p.is_empty() && normalize(k).trim().trim_start_matches('$') != "skip"
        })
        .collect();
    let own = format!("$skip={skip}");
    pairs.push(&own);
    format!("http://{host}{path}?{}", pairs.join("&"))
}

/// How many pairs two sorted sets share.
fn shared(a: &[(String, String)], b: &[(String, String)]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Split a path on `/`, except inside `{...}` (docs write `{a/b}`) and
/// inside an item addressed by its path (`root:/Folder/File.txt:`,
/// `{hostname}:/sites/marketing`): a segment ending in its only `:` opens
/// a path that runs to the next segment ending in `:`, or to the end, and
/// the whole is one segment.
fn split_path(path: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    for (i, c) in path.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => {
                spans.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    spans.push((start, path.len()));
    spans.retain(|&(a, b)| a < b);
    let mut out = Vec::with_capacity(spans.len());
    let mut i = 0;
    while i < spans.len() {
        let (start, mut end) = spans[i];
        let seg = &path[start..end];
        i += 1;
        if seg.len() > 1 && seg.ends_with(':') && seg.matches(':').count() == 1 {
            while i < spans.len() {
                end = spans[i].1;
                i += 1;
                if path[..end].ends_with(':') {
                    break;
                }
            }
        }
        out.push(&path[start..end]);
    }
    out
}

fn is_placeholder(seg: &str) -> bool {
    crate::placeholder::is_whole(seg)
}

/// An example URL's path as a pattern: (version, segments), read as
/// [`Parts::of`] reads a request.
fn pattern(path: &str) -> (Option<&'static str>, Vec<Segment>) {
    let mut version = None;
    let mut out = Vec::new();
    for (i, s) in split_path(path).into_iter().enumerate() {
        if i == 0
            && let Some(v) = version_of(s)
        {
            version = Some(v);
            continue;
        }
        if out.is_empty() && s.eq_ignore_ascii_case("me") {
            out.push(Segment::Literal("users".to_owned()));
            out.push(Segment::Me);
            continue;
        }
        out.push(if is_placeholder(s) {
            Segment::Any
        } else if let Some(at) = s.find(":/") {
            // an item addressed by its path: the example's path, written
            // or a placeholder, stands for any path
            let close = if s.len() > at + 2 && s.ends_with(':') {
                ":"
            } else {
                ""
            };
            Segment::Glob(glob_pieces(&format!("{}{{path}}{close}", &s[..at + 2])))
        } else if s.contains('{') || s.contains('<') {
            Segment::Glob(glob_pieces(s))
        } else if looks_like_id(s) {
            Segment::Id(normalize(s))
        } else {
            let mut l = normalize(s);
            if l.len() > 2 && l.ends_with("()") {
                l.truncate(l.len() - 2);
            }
            Segment::Literal(l)
        });
    }
    (version, out)
}

/// 2 when the page documents the resource the route ends in (`user-get`
/// for `/users/{id}`, `user-list` for `/users`), 1 when it is that page in
/// an Intune area (`intune-devices-user-get`), else 0.
fn own_page(page_id: &str, segments: &[Segment]) -> u8 {
    let Some(name) = segments.iter().rev().find_map(|s| match s {
        Segment::Literal(l) if !l.contains('.') && !l.contains('(') => Some(l.as_str()),
        _ => None,
    }) else {
        return 0;
    };
    let entity = if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if name.ends_with("sses") || name.ends_with("ss") {
        name.trim_end_matches("es").to_owned()
    } else {
        name.strip_suffix('s').unwrap_or(name).to_owned()
    };
    let page = page_id.to_ascii_lowercase();
    let own = |p: &str| {
        p.strip_prefix(entity.as_str())
            .is_some_and(|r| r.starts_with('-'))
    };
    if own(&page) {
        2
    } else if page
        .strip_prefix("intune-")
        .and_then(|r| r.split_once('-'))
        .is_some_and(|(_, r)| own(r))
    {
        1
    } else {
        0
    }
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

/// Graph's Content-Type for JSON answers.
pub const GRAPH_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Whether a documented Content-Type is plain JSON (`application/json`,
/// perhaps with a charset): the mock then sends Graph's full one. One with
/// other parameters (`odata.metadata=none`) is sent as documented.
fn plain_json(value: &str) -> bool {
    let mut parts = value.split(';').map(str::trim);
    parts
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("application/json"))
        && parts.all(|p| {
            p.is_empty()
                || p.split_once('=')
                    .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        })
}

fn prepare(resp: &DocResponse, url: &str, metadata: Option<&crate::csdl::Metadata>) -> Prepared {
    let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::OK);
    let no_body = resp.status == 204 || resp.status == 304 || resp.is_empty;
    let json_body = matches!(resp.body, DocBody::Json(_)) && !no_body;
    let mut headers = Vec::new();
    let mut has_type = false;
    for (name, value) in &resp.headers {
        if NOT_COPIED.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            continue;
        }
        let value = value.trim();
        let is_type = name.trim().eq_ignore_ascii_case("content-type");
        let value = if is_type && json_body && plain_json(value) {
            GRAPH_JSON
        } else {
            value
        };
        let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.trim().as_bytes()),
            hyper::header::HeaderValue::from_str(value),
        ) else {
            continue;
        };
        has_type |= is_type;
        headers.push((n, v));
    }
    // Placeholder values typed SDKs cannot parse, made valid ones; the
    // keys a truncated example leaves out, given.
    let mut typed = None;
    if let DocBody::Json(v) = &resp.body
        && !no_body
    {
        let mut v = v.clone();
        let ty = resp.odata_type.as_deref();
        let given = values::typed(&mut v, ty, metadata)
            + values::keyed(&mut v, ty, metadata, resp.truncated, url);
        if given > 0 {
            typed = Some(v);
        }
    }
    let body: Bytes = match &resp.body {
        _ if no_body => Bytes::new(),
        DocBody::Empty => Bytes::new(),
        DocBody::Json(_) if typed.is_some() => {
            Bytes::from(serde_json::to_vec(&typed).unwrap_or_default())
        }
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
    let mut json = None;
    let delta = {
        let (path, _) = doc_path_and_query(url);
        let (_, segments) = pattern(path);
        matches!(segments.last(), Some(Segment::Literal(l)) if l == "delta" || l.ends_with(".delta"))
    };
    if let DocBody::Json(v) = &resp.body
        && !no_body
    {
        let v = typed.as_ref().unwrap_or(v);
        paging_links(v, &mut links);
        if links.iter().any(|(_, next)| *next) {
            last_page = Some(Bytes::from(
                serde_json::to_vec(&without_next_links(v, delta)).unwrap_or_default(),
            ));
        }
        json = Some((v.clone(), Box::new(Query::of(url))));
    }
    if !has_type && json_body && !body.is_empty() {
        headers.push((
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static(GRAPH_JSON),
        ));
    }
    if json_body {
        headers.push((
            hyper::header::HeaderName::from_static("odata-version"),
            hyper::header::HeaderValue::from_static("4.0"),
        ));
    }
    Prepared {
        status,
        headers,
        body,
        json,
        links,
        last_page,
        delta,
    }
}

/// A fresh `request-id`: a GUID from a process-wide counter, mixed
/// (splitmix64) with the time the mock started, so ids differ across runs
/// and never repeat within one.
fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let seed = *SEED.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9)
    });
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let a = mix(seed.wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
    let b = mix(a ^ seed);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        a as u16 & 0xfff,
        (b >> 48) as u16 & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// What the mock answers one request (or one item of a `$batch`).
struct Answer {
    status: StatusCode,
    headers: Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
    body: Bytes,
}

impl Answer {
    /// Graph's error envelope (`error` with `code`, `message` and
    /// `innerError` carrying `date`, `request-id` and `client-request-id`).
    fn error(status: StatusCode, code: &str, message: &str, ids: &Ids) -> Answer {
        let body = serde_json::json!({"error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": crate::report::html::now_rfc3339(),
                "request-id": ids.request,
                "client-request-id": ids.client,
            },
        }});
        Answer {
            status,
            headers: vec![
                (
                    hyper::header::CONTENT_TYPE,
                    hyper::header::HeaderValue::from_static(GRAPH_JSON),
                ),
                (
                    hyper::header::HeaderName::from_static("odata-version"),
                    hyper::header::HeaderValue::from_static("4.0"),
                ),
            ],
            body: Bytes::from(body.to_string()),
        }
    }

    fn into_response(self, ids: &Ids) -> Response<Full<Bytes>> {
        let mut resp = Response::new(Full::new(self.body));
        *resp.status_mut() = self.status;
        let h = resp.headers_mut();
        for (n, v) in self.headers {
            h.append(n, v);
        }
        ids.insert(h);
        resp
    }
}

/// The ids of one exchange: Graph's `request-id`, and the client's
/// `client-request-id` (echoed; the request-id when it sent none, as
/// Graph and Dev Proxy do).
struct Ids {
    request: String,
    client: String,
}

impl Ids {
    fn new(client: Option<&str>) -> Ids {
        let request = request_id();
        // Echo what can travel back as a header value, within reason.
        let client = client
            .filter(|c| c.len() <= 200 && c.bytes().all(|b| b.is_ascii_graphic()))
            .map_or_else(|| request.clone(), str::to_owned);
        Ids { request, client }
    }

    fn insert(&self, h: &mut hyper::HeaderMap) {
        for (name, value) in [
            ("request-id", &self.request),
            ("client-request-id", &self.client),
        ] {
            if let Ok(v) = hyper::header::HeaderValue::from_str(value) {
                h.insert(hyper::header::HeaderName::from_static(name), v);
            }
        }
    }
}

/// An answer as a `$batch` item: its headers, with the item's own ids.
fn sub_response(a: Answer, ids: &Ids) -> batch::SubResponse {
    let mut headers: Vec<(String, String)> = a
        .headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    headers.push(("request-id".to_owned(), ids.request.clone()));
    headers.push(("client-request-id".to_owned(), ids.client.clone()));
    batch::SubResponse {
        status: a.status.as_u16(),
        headers,
        body: a.body,
    }
}

/// Client text quoted in a message, cut to 200 characters: a 64 KiB path
/// is not echoed whole.
fn cut(text: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}...", &text[..at]).into(),
        None => text.into(),
    }
}

/// Whether a request's `Host` (or its target's authority) is a host and
/// port a next link can be written on: a name of letters, digits and
/// `-._~`, or a bracketed IPv6 address, with an optional port of 1 to 5
/// digits up to 65535. No user info, path, query, fragment, quote or
/// space: the next link must be the mock's own URL.
fn is_authority(text: &str) -> bool {
    let (host_ok, port) = match text.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((v6, after)) => (
                !v6.is_empty()
                    && v6
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.'),
                match after {
                    "" => None,
                    a => Some(a.strip_prefix(':').unwrap_or("x")),
                },
            ),
            None => (false, None),
        },
        None => {
            let (host, port) = match text.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (text, None),
            };
            (
                !host.is_empty()
                    && host
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)),
                port,
            )
        }
    };
    host_ok
        && port.is_none_or(|p| {
            (1..=5).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| n <= 65535)
        })
}

/// The origin the mock writes its next links on: the request target's
/// authority (an absolute-form target, RFC 9112 §3.2.2), else the `Host`
/// header, when either [`is_authority`]; else the address the connection
/// reached (a client without a usable `Host`, HTTP/1.0, still pages on the
/// mock, not on graph.microsoft.com).
fn origin(target: Option<&str>, host: Option<&str>, local: SocketAddr) -> String {
    target
        .filter(|a| is_authority(a))
        .or(host.filter(|h| is_authority(h)))
        .map_or_else(|| local.to_string(), str::to_owned)
}

/// One request as the mock reads it.
struct Asked<'a> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    /// The case graph-contract's own client says the request is from.
    hint: Option<&'a str>,
    host: Option<&'a str>,
    /// The body, read only for a `$batch`.
    body: Option<&'a Bytes>,
    /// Inside a `$batch`: no batch in a batch.
    in_batch: bool,
}

/// Largest `$batch` body the mock reads (20 requests; Graph refuses far
/// smaller ones than this).
pub const MAX_BATCH_BODY: usize = 4 * 1024 * 1024;

/// Whether a request is a JSON batch (`POST /{version}/$batch`): its body
/// is read, not thrown away.
fn is_batch(method: &str, path: &str) -> bool {
    method.eq_ignore_ascii_case("POST")
        && path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .is_some_and(|s| s.eq_ignore_ascii_case("$batch") || s.eq_ignore_ascii_case("%24batch"))
}

impl Routes {
    /// The routes of every case that has a documented response.
    pub fn new(cases: &[Case]) -> Routes {
        Routes::with_metadata(cases, None)
    }

    /// The routes, with the service's `$metadata` to type placeholder
    /// values by (see [`values`]).
    pub fn with_metadata(cases: &[Case], metadata: Option<&crate::csdl::Metadata>) -> Routes {
        let mut by_method: HashMap<String, Vec<Vec<Route>>> = HashMap::new();
        let mut by_id = HashMap::new();
        for (i, case) in cases.iter().enumerate() {
            let Some(resp) = &case.response else { continue };
            let (path, query) = doc_path_and_query(&case.request.url);
            let (version, segments) = pattern(path);
            let n = segments.len();
            let method = case.request.method.to_ascii_uppercase();
            let by_len = by_method.entry(method.clone()).or_default();
            if by_len.len() <= n {
                by_len.resize_with(n + 1, Vec::new);
            }
            by_id
                .entry(case.id.clone())
                .or_insert((method.clone(), n, by_len[n].len()));
            by_len[n].push(Route {
                version,
                own: own_page(&case.page_id, &segments),
                segments,
                query: query_set(query),
                case: i,
                annotated: !case.inferred,
                display: format!("{method} {path}"),
                response: prepare(resp, &case.request.url, metadata),
            });
        }
        Routes {
            by_method,
            by_id,
            ids: cases.iter().map(|c| c.id.clone()).collect(),
            throttle: None,
        }
    }

    /// These routes, answering a share of requests `429` ([`throttle`]).
    pub fn with_throttle(mut self, throttle: throttle::Throttle) -> Routes {
        self.throttle = Some(throttle);
        self
    }

    /// The index of the case that answers a request, if any.
    pub fn find(&self, method: &str, path: &str, query: Option<&str>) -> Option<usize> {
        self.find_route(method, &Parts::of(path), &query_set(query), None)
            .map(|r| r.case)
    }

    /// The best route for a request. `hint` (a case id sent by
    /// graph-contract's own client) answers when its route matches the
    /// path; otherwise, in this order: the most literal segments (see the
    /// weights), the example's own version over a versionless example, the
    /// same query set, the most query pairs shared, the resource's own
    /// page, annotated over inferred, the first documented.
    fn find_route(
        &self,
        method: &str,
        parts: &Parts,
        query: &[(String, String)],
        hint: Option<&str>,
    ) -> Option<&Route> {
        let segs: Vec<&str> = parts.iter().collect();
        let by_len = match self.by_method.get(method) {
            Some(m) => m,
            None => self.by_method.get(&method.to_ascii_uppercase())?,
        };
        let candidates = by_len.get(segs.len())?;
        let score = |r: &Route| -> Option<u32> {
            if r.version.is_some() && r.version != parts.version {
                return None;
            }
            let mut score = 0;
            for (s, p) in r.segments.iter().zip(&segs) {
                score += s.score(p)?;
            }
            Some(score)
        };
        // The hinted case answers when its own route matches the request.
        if let Some(h) = hint
            && let Some((m, n, pos)) = self.by_id.get(h)
            && m.eq_ignore_ascii_case(method)
            && *n == segs.len()
            && let Some(r) = candidates.get(*pos)
            && self.ids[r.case] == h
            && score(r).is_some()
        {
            return Some(r);
        }
        let mut best: Option<(&Route, RouteKey)> = None;
        for r in candidates {
            let Some(score) = score(r) else { continue };
            let key = (
                score,
                r.version == parts.version,
                r.query == query,
                shared(&r.query, query),
                r.own,
                r.annotated,
            );
            if best.as_ref().is_none_or(|(_, k)| key > *k) {
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
                &Parts::of(&path),
                &query_set(query.as_deref()),
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

    /// Up to three documented routes nearest to a request no example
    /// matches: the most leading segments in common, then the same method,
    /// then the same number of segments.
    fn nearest(&self, method: &str, parts: &Parts) -> Vec<&str> {
        let segs: Vec<&str> = parts.iter().collect();
        let mut scored: Vec<((usize, bool, bool), &str)> = Vec::new();
        for (m, by_len) in &self.by_method {
            for r in by_len.iter().flatten() {
                let lead = r
                    .segments
                    .iter()
                    .zip(&segs)
                    .take_while(|(s, p)| s.score(p).is_some())
                    .count();
                if lead == 0 {
                    continue;
                }
                let key = (
                    lead,
                    m.eq_ignore_ascii_case(method),
                    r.segments.len() == segs.len(),
                );
                scored.push((key, r.display.as_str()));
            }
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let mut out: Vec<&str> = Vec::new();
        for (_, d) in scored {
            if !out.contains(&d) {
                out.push(d);
                if out.len() == 3 {
                    break;
                }
            }
        }
        out
    }

    /// The answer to one request (a top-level one or a `$batch` item).
    fn answer(&self, asked: &Asked<'_>, ids: &Ids) -> Answer {
        let method = asked.method;
        let path = asked.path;
        // A next link the mock wrote: the same route, its last page.
        let (query, last) = match asked.query {
            Some(q) if q.split('&').any(|p| p == LAST_PAGE) => {
                let rest: Vec<&str> = q.split('&').filter(|p| *p != LAST_PAGE).collect();
                (Some(rest.join("&")), true)
            }
            q => (q.map(str::to_owned), false),
        };
        let query = query.as_deref().filter(|q| !q.is_empty());
        let parts = Parts::of(path);
        let set = query_set(query);
        // HEAD is GET without the body (RFC 9110 §9.3.2): hyper sends the
        // head only.
        let route = self
            .find_route(method, &parts, &set, asked.hint)
            .or_else(|| {
                method
                    .eq_ignore_ascii_case("HEAD")
                    .then(|| self.find_route("GET", &parts, &set, asked.hint))
                    .flatten()
            });
        if route.is_none() && is_batch(method, path) {
            return self.batch(asked, parts.version.unwrap_or("v1.0"), ids);
        }
        let Some(route) = route else {
            if let Some(count) = self.count(method, path, query, asked.hint) {
                return count;
            }
            if method.eq_ignore_ascii_case("OPTIONS")
                && let Some(allow) = self.allow(&parts, &set)
            {
                return allow;
            }
            let near = self.nearest(method, &parts);
            let (method, path) = (cut(method), cut(path));
            let message = if near.is_empty() {
                format!(
                    "graph-contract mock: no documented example matches {method} {path}, nor any route that starts like it"
                )
            } else {
                format!(
                    "graph-contract mock: no documented example matches {method} {path}; nearest documented: {}",
                    near.join(", ")
                )
            };
            return Answer::error(StatusCode::NOT_FOUND, "ResourceNotFound", &message, ids);
        };
        if !last
            && route.query != set
            && let Some(message) = query::malformed(query.unwrap_or(""), &route.query)
        {
            return Answer::error(StatusCode::BAD_REQUEST, "BadRequest", &message, ids);
        }
        let p = &route.response;
        // Only a host and port go into a next link (see `origin`).
        let host = asked.host.filter(|h| is_authority(h));
        // Query options the request asks that its example did not answer;
        // `$top` paging over the documented elements (query::apply_paged):
        // such a page is cut from the body without its next links, and the
        // pages end where the elements do.
        let mut final_page = last;
        let applied = match &p.json {
            Some((value, answered)) if route.query != set || last => {
                let asked_q = Query::of(&format!("{path}?{}", query.unwrap_or("")));
                let skip = skip_of(&set);
                // (The mock's last page is the last, whatever it asks.)
                let paging =
                    !last && (skip > 0 || (asked_q.top.is_some() && asked_q.top != answered.top));
                let base = if last || paging {
                    std::borrow::Cow::Owned(without_next_links(value, p.delta))
                } else {
                    std::borrow::Cow::Borrowed(value)
                };
                let paged = query::apply_paged(&base, &asked_q, answered, skip);
                let next_skip = paged.next_skip.filter(|_| paging);
                final_page |= paging && next_skip.is_none();
                match paged.applied {
                    query::Applied::Body(mut v) => {
                        if let (Some(n), Some(h), Some(o)) = (next_skip, host, v.as_object_mut()) {
                            o.remove("@odata.deltaLink");
                            o.insert(
                                "@odata.nextLink".to_owned(),
                                serde_json::Value::String(skip_link(h, path, query, n)),
                            );
                        }
                        Some(Bytes::from(serde_json::to_vec(&v).unwrap_or_default()))
                    }
                    query::Applied::Unchanged if paging => {
                        Some(Bytes::from(serde_json::to_vec(&*base).unwrap_or_default()))
                    }
                    query::Applied::Unchanged if last => p.last_page.clone(),
                    query::Applied::Unchanged => None,
                }
            }
            _ => None,
        };
        let body = applied.unwrap_or_else(|| p.body.clone());
        let body = match host {
            Some(h) if !p.links.is_empty() => {
                rewrite_links(&body, &p.links, h, path, query, final_page && p.delta)
            }
            _ => body,
        };
        Answer {
            status: p.status,
            headers: p.headers.clone(),
            body,
        }
    }

    /// `GET .../collection/$count` with no example of its own: the number
    /// of elements of the collection's documented answer, as plain text.
    fn count(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        hint: Option<&str>,
    ) -> Option<Answer> {
        let trimmed = path.trim_end_matches('/');
        let (collection, last) = trimmed.rsplit_once('/')?;
        if !(last.eq_ignore_ascii_case("$count") || last.eq_ignore_ascii_case("%24count"))
            || !method.eq_ignore_ascii_case("GET")
        {
            return None;
        }
        let set = query_set(query);
        let route = self.find_route("GET", &Parts::of(collection), &set, hint)?;
        let (value, _) = route.response.json.as_ref()?;
        let asked = Query::of(&format!("{path}?{}", query.unwrap_or("")));
        let n = query::count_of(value, &asked)?;
        Some(Answer {
            status: StatusCode::OK,
            headers: vec![
                (
                    hyper::header::CONTENT_TYPE,
                    hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
                ),
                (
                    hyper::header::HeaderName::from_static("odata-version"),
                    hyper::header::HeaderValue::from_static("4.0"),
                ),
            ],
            body: Bytes::from(n.to_string()),
        })
    }

    /// `OPTIONS` on a documented path with no example of its own: `204`
    /// and `Allow` naming the documented methods (RFC 9110 §9.3.7), with
    /// `HEAD` beside `GET`, and `OPTIONS`. None when no method is
    /// documented there.
    fn allow(&self, parts: &Parts, set: &[(String, String)]) -> Option<Answer> {
        let mut methods: Vec<&str> = self
            .by_method
            .keys()
            .filter(|m| self.find_route(m, parts, set, None).is_some())
            .map(String::as_str)
            .collect();
        if methods.is_empty() {
            return None;
        }
        if methods.contains(&"GET") {
            methods.push("HEAD");
        }
        methods.push("OPTIONS");
        methods.sort_unstable();
        methods.dedup();
        let allow = hyper::header::HeaderValue::from_str(&methods.join(", ")).ok()?;
        Some(Answer {
            status: StatusCode::NO_CONTENT,
            headers: vec![(hyper::header::ALLOW, allow)],
            body: Bytes::new(),
        })
    }

    /// `POST /{version}/$batch`: each item answered as the same request
    /// alone would be (see [`batch`]).
    fn batch(&self, asked: &Asked<'_>, version: &str, ids: &Ids) -> Answer {
        if asked.in_batch {
            return Answer::error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "a $batch cannot hold another $batch",
                ids,
            );
        }
        let empty = Bytes::new();
        let items = match batch::parse(asked.body.unwrap_or(&empty), version) {
            Ok(items) => items,
            Err(e) => {
                return Answer::error(
                    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
                    "BadRequest",
                    &e.to_string(),
                    ids,
                );
            }
        };
        // An item the batch does not run (a failed dependency) still has
        // its own ids and Graph's envelope, as a dispatched one.
        let finish = |item: &batch::SubRequest, r: batch::SubResponse| {
            let sub_ids = Ids::new(item.header("client-request-id"));
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let code = v["error"]["code"].as_str().unwrap_or("FailedDependency");
            let message = v["error"]["message"].as_str().unwrap_or_default();
            let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::FAILED_DEPENDENCY);
            let a = Answer::error(status, code, message, &sub_ids);
            sub_response(a, &sub_ids)
        };
        let out = batch::run_with(items, finish, |item| {
            let sub_ids = Ids::new(item.header("client-request-id"));
            let sub = Asked {
                method: &item.method,
                path: item.path(),
                query: item.query(),
                hint: None,
                host: asked.host,
                body: item.body.as_ref(),
                in_batch: true,
            };
            sub_response(self.answer(&sub, &sub_ids), &sub_ids)
        });
        Answer {
            status: StatusCode::OK,
            headers: vec![
                (
                    hyper::header::CONTENT_TYPE,
                    hyper::header::HeaderValue::from_static(GRAPH_JSON),
                ),
                (
                    hyper::header::HeaderName::from_static("odata-version"),
                    hyper::header::HeaderValue::from_static("4.0"),
                ),
            ],
            body: Bytes::from(out.to_string()),
        }
    }

    /// The HTTP answer to a request: throttled first when `--throttle`
    /// says so, then [`Routes::answer`], with Graph's ids on it.
    fn respond(
        &self,
        asked: &Asked<'_>,
        client: Option<&str>,
        peer: std::net::IpAddr,
    ) -> Response<Full<Bytes>> {
        let ids = Ids::new(client);
        if let Some(t) = &self.throttle {
            let decision = t.decide(peer, std::time::Instant::now());
            if let Some(line) = decision.log_line(peer) {
                eprintln!("graph-contract mock: {line}");
            }
            if let Some(after) = decision.retry_after_header() {
                let date = crate::report::html::now_rfc3339();
                let body = throttle::error_body(&ids.request, &ids.client, &date);
                let mut a = Answer::error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "TooManyRequests",
                    throttle::MESSAGE,
                    &ids,
                );
                a.body = Bytes::from(body.to_string());
                if let Ok(v) = hyper::header::HeaderValue::from_str(&after) {
                    a.headers.push((hyper::header::RETRY_AFTER, v));
                }
                return a.into_response(&ids);
            }
        }
        self.answer(asked, &ids).into_response(&ids)
    }
}

/// The headers a browser script may read from a cross-origin answer.
const CORS_EXPOSE: &str =
    "request-id, client-request-id, Retry-After, Location, ETag, OData-Version, Content-Type";

/// A CORS preflight (see the module docs): `OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`; `cors` adds the origin afterwards.
fn cors_preflight(
    method: &hyper::Method,
    headers: &hyper::HeaderMap,
) -> Option<Response<Full<Bytes>>> {
    use hyper::header::{
        ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE,
        ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderValue, ORIGIN,
    };
    if method != hyper::Method::OPTIONS
        || !headers.contains_key(ORIGIN)
        || !headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
    {
        return None;
    }
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::NO_CONTENT;
    let h = resp.headers_mut();
    h.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
    );
    if let Some(asked) = headers.get(ACCESS_CONTROL_REQUEST_HEADERS) {
        h.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    Some(resp)
}

/// CORS headers on an answer to a request with `Origin`.
fn cors(request: &hyper::HeaderMap, answer: &mut hyper::HeaderMap) {
    use hyper::header::{
        ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue, ORIGIN, VARY,
    };
    let Some(origin) = request.get(ORIGIN) else {
        return;
    };
    if origin.to_str().is_err() {
        return;
    }
    answer.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    answer.append(VARY, HeaderValue::from_static("Origin"));
    answer.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(CORS_EXPOSE),
    );
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

/// Read the body to its end, counting its bytes: thrown away as it
/// arrives, or kept (a `$batch`'s, at most `max` bytes then).
async fn drain(mut body: Incoming, max: u64, keep: bool) -> Result<Option<Bytes>, BodyRefused> {
    if body.size_hint().lower() > max {
        return Err(BodyRefused::TooLarge);
    }
    let mut seen: u64 = 0;
    let mut kept = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyRefused::Broken)?;
        if let Some(data) = frame.data_ref() {
            seen = seen.saturating_add(data.len() as u64);
            if seen > max {
                return Err(BodyRefused::TooLarge);
            }
            if keep {
                kept.extend_from_slice(data);
            }
        }
    }
    Ok(keep.then(|| Bytes::from(kept)))
}

/// An error answer after which the connection is closed (its request was not
/// read to the end, so nothing after it on the connection can be trusted):
/// Graph's envelope and ids, as every answer of the mock.
fn refusal(
    status: StatusCode,
    code: &str,
    message: String,
    client: Option<&str>,
) -> Response<Full<Bytes>> {
    let ids = Ids::new(client);
    let mut resp = Answer::error(status, code, &message, &ids).into_response(&ids);
    resp.headers_mut().insert(
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
        let Ok((stream, peer)) = listener.accept().await else {
            // Out of file descriptors and the like: back off briefly.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let local = stream
            .local_addr()
            .or_else(|_| listener.local_addr())
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
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
                    let client = parts
                        .headers
                        .get("client-request-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let client = client.as_deref();
                    let keep = is_batch(parts.method.as_str(), parts.uri.path());
                    let max = if keep {
                        limits.max_body_bytes.min(MAX_BATCH_BODY as u64)
                    } else {
                        limits.max_body_bytes
                    };
                    let mut kept = None;
                    let refused =
                        match tokio::time::timeout(limits.body_timeout, drain(body, max, keep))
                            .await
                        {
                            Ok(Ok(body)) => {
                                kept = body;
                                None
                            }
                            Ok(Err(BodyRefused::TooLarge)) => Some(refusal(
                                StatusCode::PAYLOAD_TOO_LARGE,
                                "graphContract.bodyTooLarge",
                                format!("request body larger than the mock's limit of {max} bytes"),
                                client,
                            )),
                            Ok(Err(BodyRefused::Broken)) => Some(refusal(
                                StatusCode::BAD_REQUEST,
                                "graphContract.bodyBroken",
                                "request body broken off".to_owned(),
                                client,
                            )),
                            Err(_) => Some(refusal(
                                StatusCode::REQUEST_TIMEOUT,
                                "graphContract.bodyTimeout",
                                format!(
                                    "request body not received within {} ms",
                                    limits.body_timeout.as_millis()
                                ),
                                client,
                            )),
                        };
                    if let Some(resp) = refused {
                        return Ok(resp);
                    }
                    let req = Request::from_parts(parts, ());
                    let uri = req.uri();
                    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
                    let host = origin(
                        uri.authority().map(|a| a.as_str()),
                        header(hyper::header::HOST.as_str()),
                        local,
                    );
                    let asked = Asked {
                        method: req.method().as_str(),
                        path: uri.path(),
                        query: uri.query(),
                        hint: header(CASE_HEADER),
                        host: Some(&host),
                        body: kept.as_ref(),
                        in_batch: false,
                    };
                    let mut resp = match cors_preflight(req.method(), req.headers()) {
                        Some(preflight) => preflight,
                        None => routes.respond(&asked, header("client-request-id"), peer.ip()),
                    };
                    cors(req.headers(), resp.headers_mut());
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
        assert_eq!(pattern("/v1.0/users/{id}").1[1], Segment::Any);
        assert_eq!(normalize("Foo%20Bar"), "foo bar");
    }

    #[test]
    fn path_addressed_items_are_one_segment() {
        // (path, segments)
        let rows: &[(&str, &[&str])] = &[
            (
                "/me/drive/root:/A/B.txt:/content",
                &["me", "drive", "root:/A/B.txt:", "content"],
            ),
            (
                "/drives/x/root:/a:/children",
                &["drives", "x", "root:/a:", "children"],
            ),
            (
                "/sites/contoso.com:/sites/marketing",
                &["sites", "contoso.com:/sites/marketing"],
            ),
            ("/sites/h:/a/b:/drive", &["sites", "h:/a/b:", "drive"]),
            (
                "/drives/{drive-id}/root:/{path-relative-to-root}:/children",
                &[
                    "drives",
                    "{drive-id}",
                    "root:/{path-relative-to-root}:",
                    "children",
                ],
            ),
            // Kiota's encoded form is one segment already
            (
                "/me/drive/items/root:%2Fa.txt:/content",
                &["me", "drive", "items", "root:%2Fa.txt:", "content"],
            ),
            (
                "/chats/19:abc@thread.v2/messages",
                &["chats", "19:abc@thread.v2", "messages"],
            ),
            ("/me/drive/root:", &["me", "drive", "root:"]),
            ("/me/drive/root://a//b:", &["me", "drive", "root://a//b:"]),
        ];
        for (path, want) in rows {
            assert_eq!(split_path(path), *want, "{path}");
        }
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
        // (path, version, segments)
        let rows: &[(&str, Option<&str>, &[&str])] = &[
            (
                "/v1.0/Users/A%20B//x+y/{a/b}/",
                Some("v1.0"),
                &["users", "a b", "x y", "{a/b}"],
            ),
            ("/", None, &[]),
            ("/BETA/me", Some("beta"), &["users", "me"]),
            ("/me/drive", None, &["users", "me", "drive"]),
            ("/v1.0/users/me", Some("v1.0"), &["users", "me"]),
            (
                "/v1.0/me/messages/delta()",
                Some("v1.0"),
                &["users", "me", "messages", "delta"],
            ),
            ("/v1.0/x/()", Some("v1.0"), &["x", "()"]),
            ("/v2.0/me", None, &["v2.0", "me"]),
            ("/x/v1.0", None, &["x", "v1.0"]),
        ];
        for (path, version, segs) in rows {
            let p = Parts::of(path);
            assert_eq!(p.version, *version, "{path}");
            assert_eq!(p.iter().collect::<Vec<_>>(), *segs, "{path}");
        }
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

    #[test]
    fn ids_are_told_from_words() {
        // (segment, an id?)
        let rows: &[(&str, bool)] = &[
            ("02bd9fd6-8f93-4758-87c3-1fb73740a315", true),
            ("{02bd9fd6-8f93-4758-87c3-1fb73740a315}", true),
            ("1590776551682", true),
            ("19:4b6bed8d24574f6a9e436813cb2617d8@thread.tacv2", true),
            ("19:meeting_MjA5@thread.v2", true),
            ("AdeleV@contoso.onmicrosoft.com", true),
            ("b!t18F8ybsHUq1z3LTz8xvZqP8zaSWjkFNhsME", true),
            (
                "contoso.sharepoint.com,2C712604-1370-44E7-A1F5-426573FDA80A,2D2244C3-251A-49EA-93A8-39E1C3A060FE",
                true,
            ),
            ("AAMkAGI2TG93AAA=", true),
            ("01BYE5RZZ5OJSCSRM6BZDY7ZEFZ3NJ2QAY", true),
            ("AAMkADYAAAImV_jAAA=", true),
            ("1234fba0cbf0", true),
            ("messages", false),
            ("root", false),
            ("microsoft.graph.user", false),
            ("oauth2PermissionGrants", false),
            ("windows10GeneralConfiguration", false),
            ("v1.0", false),
            ("delta()", false),
            ("$count", false),
            ("", false),
            ("getByPath(path='a@b.c')", false),
        ];
        for (seg, want) in rows {
            assert_eq!(looks_like_id(seg), *want, "{seg}");
        }
    }

    #[test]
    fn own_pages_are_found_by_the_resource_name() {
        let segs = |p: &str| pattern(p).1;
        // (page id, example path, own)
        let rows: &[(&str, &str, u8)] = &[
            ("user-get", "/v1.0/users/{id}", 2),
            ("user-list", "/v1.0/users", 2),
            ("intune-devices-user-get", "/v1.0/users/{id}", 1),
            ("user-list-manager", "/v1.0/users/{id}/manager", 0),
            ("message-get", "/v1.0/me/messages/{id}", 2),
            ("policy-get", "/v1.0/policies/{id}", 2),
            ("group-get", "/v1.0/users/{id}", 0),
            ("user-get", "/v1.0/{x}", 0),
            ("usergroup-get", "/v1.0/users/{id}", 0),
        ];
        for (page, path, want) in rows {
            assert_eq!(own_page(page, &segs(path)), *want, "{page} {path}");
        }
    }

    fn on_page(mut c: Case, page_id: &str, inferred: bool) -> Case {
        c.page_id = page_id.into();
        c.inferred = inferred;
        c
    }

    /// Which example answers which request (no case header): one table row
    /// per rule of Graph-faithful routing.
    #[test]
    fn routes_that_real_sdk_urls_reach() {
        let cases = vec![
            /* 0 */ case("drive", "GET", "/me/drive", 200),
            /* 1 */ case("v1-only", "GET", "/v1.0/reports/x", 200),
            /* 2 */ case("me-messages", "GET", "/v1.0/me/messages", 200),
            /* 3 */ case("user-cal", "GET", "/v1.0/users/{id}/calendar", 200),
            /* 4 */
            case(
                "group-lit",
                "GET",
                "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315",
                200,
            ),
            /* 5 */
            case(
                "sel",
                "GET",
                "/v1.0/users?$select=id,displayName&$top=2",
                200,
            ),
            /* 6 */ case("user-any", "GET", "/v1.0/users/{id}", 200),
            /* 7 */
            case(
                "msg-delta",
                "GET",
                "/v1.0/me/mailFolders/{id}/messages/delta()",
                200,
            ),
            /* 8 */
            case(
                "item",
                "GET",
                "/v1.0/me/mailFolders/{id}/messages/{id}",
                200,
            ),
            /* 9 */
            on_page(
                case("intune-user", "GET", "/v1.0/users/{id}/photo", 200),
                "intune-devices-user-get",
                false,
            ),
            /* 10 */
            on_page(
                case("own-user", "GET", "/v1.0/users/{id}/photo", 200),
                "photo-get",
                false,
            ),
            /* 11 */
            on_page(
                case("inferred", "GET", "/v1.0/chats/{id}", 200),
                "chat-get",
                true,
            ),
            /* 12 */
            on_page(
                case("annotated", "GET", "/v1.0/chats/{id}", 200),
                "chat-get",
                false,
            ),
            /* 13 */ case("group-any", "GET", "/v1.0/groups/{id}/members", 200),
            /* 14 */
            case(
                "group-lit-members",
                "GET",
                "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/members",
                200,
            ),
            /* 15 */ case("beta-only", "GET", "/beta/reports/y", 200),
            /* 16 */
            case(
                "children-by-path",
                "GET",
                "/drives/{drive-id}/root:/{path-relative-to-root}:/children",
                200,
            ),
            /* 17 */
            case(
                "upload-by-path",
                "PUT",
                "/me/drive/root:/FolderA/FileB.txt:/content",
                201,
            ),
            /* 18 */
            case(
                "site-by-path",
                "GET",
                "/sites/{hostname}:/{relative-path}",
                200,
            ),
        ];
        let r = Routes::new(&cases);
        // (method, path, query, the case that answers)
        let rows: &[(&str, &str, Option<&str>, Option<usize>)] = &[
            // versionless pages under /v1.0, /beta and as written
            ("GET", "/v1.0/me/drive", None, Some(0)),
            ("GET", "/beta/me/drive", None, Some(0)),
            ("GET", "/me/drive", None, Some(0)),
            // a versioned example only under its version
            ("GET", "/v1.0/reports/x", None, Some(1)),
            ("GET", "/beta/reports/x", None, None),
            ("GET", "/beta/reports/y", None, Some(15)),
            ("GET", "/v1.0/reports/y", None, None),
            // /me and /users/{id} are one resource, either way
            ("GET", "/v1.0/users/48d31887/messages", None, Some(2)),
            (
                "GET",
                "/v1.0/users/AdeleV@contoso.com/messages",
                None,
                Some(2),
            ),
            ("GET", "/v1.0/me/calendar", None, Some(3)),
            ("GET", "/v1.0/me", None, Some(6)),
            // a literal id stands for any id, unless a {id} route fits
            (
                "GET",
                "/v1.0/groups/b320ee12-b1cd-4cca-b648-a437be61c5cd",
                None,
                Some(4),
            ),
            (
                "GET",
                "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/members",
                None,
                Some(14),
            ),
            (
                "GET",
                "/v1.0/groups/b320ee12-b1cd-4cca-b648-a437be61c5cd/members",
                None,
                Some(13),
            ),
            // query parameters as a set: order, key case, `$`, escapes
            (
                "GET",
                "/v1.0/users",
                Some("$top=2&$select=id,displayName"),
                Some(5),
            ),
            (
                "GET",
                "/v1.0/users",
                Some("%24TOP=2&select=id%2CdisplayName"),
                Some(5),
            ),
            // {id} never swallows a system segment or delta
            ("GET", "/v1.0/users/$count", None, None),
            ("GET", "/v1.0/users/$value", None, None),
            ("GET", "/v1.0/users/$ref", None, None),
            ("GET", "/v1.0/users/delta", None, None),
            ("GET", "/v1.0/users/delta()", None, None),
            (
                "GET",
                "/v1.0/me/mailFolders/inbox/messages/delta",
                None,
                Some(7),
            ),
            (
                "GET",
                "/v1.0/me/mailFolders/inbox/messages/delta()",
                None,
                Some(7),
            ),
            (
                "GET",
                "/v1.0/me/mailFolders/inbox/messages/AAMkAGI2TG93AAA=",
                None,
                Some(8),
            ),
            // the resource's own page over an Intune page; annotated over inferred
            ("GET", "/v1.0/users/x/photo", None, Some(10)),
            ("GET", "/v1.0/chats/19:abc@thread.v2", None, Some(12)),
            // an item addressed by its path (`root:/a/b:`): the path is one
            // segment, however deep; an example's literal path is any path
            (
                "GET",
                "/v1.0/drives/b!abc/root:/Docs/2024/Q1:/children",
                None,
                Some(16),
            ),
            (
                "GET",
                "/v1.0/drives/b!abc/root:/Docs:/children",
                None,
                Some(16),
            ),
            (
                "PUT",
                "/v1.0/me/drive/root:/Other/Deep/x.txt:/content",
                None,
                Some(17),
            ),
            (
                "PUT",
                "/v1.0/users/7/drive/root:/x.txt:/content",
                None,
                Some(17),
            ),
            ("PUT", "/v1.0/me/drive/special/content", None, None),
            (
                "GET",
                "/v1.0/sites/contoso.sharepoint.com:/sites/marketing",
                None,
                Some(18),
            ),
        ];
        for (method, path, query, want) in rows {
            let got = r.find(method, path, *query);
            assert_eq!(
                got.map(|i| cases[i].id.as_str()),
                want.map(|i| cases[i].id.as_str()),
                "{method} {path} {query:?}"
            );
        }
        // The case header still wins over every rule.
        let hinted = r
            .find_route(
                "GET",
                &Parts::of("/v1.0/users/x/photo"),
                &[],
                Some("intune-user"),
            )
            .map(|r| r.case);
        assert_eq!(hinted, Some(9));
    }

    fn answer(
        r: &Routes,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: Option<&Bytes>,
    ) -> Answer {
        let asked = Asked {
            method,
            path,
            query,
            hint: None,
            host: Some("mock.test"),
            body,
            in_batch: false,
        };
        r.answer(&asked, &Ids::new(Some("client-1")))
    }

    fn json_case(id: &str, method: &str, url: &str, status: u16, body: &str) -> Case {
        let mut c = case(id, method, url, status);
        let resp = c.response.as_mut().unwrap();
        resp.body = DocBody::Json(serde_json::from_str(body).unwrap());
        resp.body_text = body.to_owned();
        c
    }

    fn header<'a>(a: &'a Answer, name: &str) -> Option<&'a str> {
        a.headers
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.to_str().ok())
    }

    #[test]
    fn answers_carry_graph_headers_and_errors_name_the_nearest_routes() {
        let cases = vec![
            json_case("u", "GET", "/v1.0/users/{id}", 200, r#"{"id":"1"}"#),
            case("del", "DELETE", "/v1.0/users/{id}", 204),
            json_case("msgs", "GET", "/v1.0/me/messages", 200, r#"{"value":[]}"#),
        ];
        let r = Routes::new(&cases);
        let a = answer(&r, "GET", "/v1.0/users/7", None, None);
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(header(&a, "content-type"), Some(GRAPH_JSON));
        assert_eq!(header(&a, "odata-version"), Some("4.0"));
        let d = answer(&r, "DELETE", "/v1.0/users/7", None, None);
        assert_eq!(d.status, StatusCode::NO_CONTENT);
        assert_eq!(header(&d, "odata-version"), None, "no OData payload");
        // ids on the response: request-id fresh, client-request-id echoed
        let resp = a.into_response(&Ids::new(Some("client-1")));
        let h = resp.headers();
        assert_eq!(h.get("client-request-id").unwrap(), "client-1");
        let rid = h.get("request-id").unwrap().to_str().unwrap().to_owned();
        assert_eq!(rid.len(), 36, "{rid}");
        assert_ne!(rid, request_id());
        let own = Ids::new(None);
        assert_eq!(own.client, own.request, "no client id: the request-id");
        assert_eq!(Ids::new(Some("a\nb c")).client.len(), 36, "not echoed");
        // unmatched: Graph's envelope naming the nearest routes
        let e = answer(&r, "GET", "/v1.0/users/7/nothing", None, None);
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        let v: serde_json::Value = serde_json::from_slice(&e.body).unwrap();
        assert_eq!(v["error"]["code"], "ResourceNotFound");
        let m = v["error"]["message"].as_str().unwrap();
        assert!(m.contains("GET /v1.0/users/7/nothing"), "{m}");
        assert!(
            m.contains("; nearest documented: ") && m.contains("GET /v1.0/users/{id}"),
            "{m}"
        );
        for k in ["date", "request-id", "client-request-id"] {
            assert!(v["error"]["innerError"][k].is_string(), "{k}: {v}");
        }
        assert_eq!(v["error"]["innerError"]["client-request-id"], "client-1");
    }

    #[test]
    fn query_options_count_and_paging_on_documented_collections() {
        let list = r#"{"@odata.context":"c","value":[{"id":"1","displayName":"b","mail":"x"},{"id":"2","displayName":"A","mail":"y"},{"id":"3","displayName":"c","mail":"z"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=abc"}"#;
        let delta = r#"{"value":[{"id":"1"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users/delta()?$skiptoken=q"}"#;
        let cases = vec![
            json_case("list", "GET", "/v1.0/users", 200, list),
            json_case("delta", "GET", "/v1.0/users/delta", 200, delta),
        ];
        let r = Routes::new(&cases);
        let body = |a: &Answer| serde_json::from_slice::<serde_json::Value>(&a.body).unwrap();
        // as documented: nothing applied, the next link on the mock
        let a = answer(&r, "GET", "/v1.0/users", None, None);
        let v = body(&a);
        assert_eq!(v["value"].as_array().unwrap().len(), 3);
        assert_eq!(
            v["@odata.nextLink"],
            format!("http://mock.test/v1.0/users?{LAST_PAGE}")
        );
        // $top, $select (id kept), $count, $orderby, $filter
        let a = answer(
            &r,
            "GET",
            "/v1.0/users",
            Some(
                "$orderby=displayName&$top=2&$select=displayName&$count=true&$filter=id%20ne%20'3'",
            ),
            None,
        );
        let v = body(&a);
        assert_eq!(v["@odata.count"], 2);
        assert_eq!(
            v["value"],
            serde_json::json!([{"id":"2","displayName":"A"},{"id":"1","displayName":"b"}])
        );
        // the next link followed: the last page, no next link
        let a = answer(
            &r,
            "GET",
            "/v1.0/users",
            Some(&format!("$top=2&{LAST_PAGE}")),
            None,
        );
        let v = body(&a);
        assert!(v.get("@odata.nextLink").is_none(), "{v}");
        assert_eq!(v["value"].as_array().unwrap().len(), 2);
        // $top cuts the documented elements into pages that end (Graph's
        // server-driven paging): the mock's next links ask $skip, and the
        // documented next link is not given on them
        let mut link = "/v1.0/users?%24top=2&%24select=id".to_owned();
        let mut pages = Vec::new();
        while pages.len() < 5 {
            let (path, query) = link.split_once('?').unwrap();
            let v = body(&answer(&r, "GET", path, Some(query), None));
            let ids: Vec<String> = v["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned())
                .collect();
            pages.push(ids);
            match v.get("@odata.nextLink").and_then(|l| l.as_str()) {
                Some(next) => {
                    link = next.strip_prefix("http://mock.test").unwrap().to_owned();
                }
                None => break,
            }
        }
        assert_eq!(pages, [vec!["1", "2"], vec!["3"]]);
        assert_eq!(link, "/v1.0/users?%24top=2&%24select=id&$skip=2");
        // a delta round paged by $top ends on its delta link
        let v = body(&answer(
            &r,
            "GET",
            "/v1.0/users/delta()",
            Some("$top=1"),
            None,
        ));
        assert!(v.get("@odata.nextLink").is_none(), "{v}");
        assert_eq!(
            v["@odata.deltaLink"],
            "http://mock.test/v1.0/users/delta()?$deltatoken=graph-contract"
        );
        // a delta round ends on a page with the delta link
        let a = answer(&r, "GET", "/v1.0/users/delta()", Some(LAST_PAGE), None);
        let v = body(&a);
        assert!(v.get("@odata.nextLink").is_none(), "{v}");
        assert_eq!(
            v["@odata.deltaLink"],
            "http://mock.test/v1.0/users/delta()?$deltatoken=graph-contract"
        );
        // /$count as plain text, after $filter
        let a = answer(&r, "GET", "/v1.0/users/$count", None, None);
        assert_eq!((a.status, &a.body[..]), (StatusCode::OK, &b"3"[..]));
        assert_eq!(
            header(&a, "content-type"),
            Some("text/plain; charset=utf-8")
        );
        let a = answer(
            &r,
            "GET",
            "/v1.0/users/%24count",
            Some("$filter=id%20eq%20'1'"),
            None,
        );
        assert_eq!(&a.body[..], b"1");
        // no collection documented: no count
        let a = answer(&r, "GET", "/v1.0/groups/$count", None, None);
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }

    #[test]
    fn batches_are_answered_item_by_item() {
        let cases = vec![
            json_case(
                "me",
                "GET",
                "/v1.0/me",
                200,
                r#"{"id":"me-1","displayName":"Adele"}"#,
            ),
            case("patch", "PATCH", "/v1.0/users/{id}", 204),
        ];
        let r = Routes::new(&cases);
        let batch = Bytes::from_static(br#"{"requests":[
            {"id":"1","method":"GET","url":"/me"},
            {"id":"2","method":"GET","url":"/nothing"},
            {"id":"3","method":"PATCH","url":"users/7","body":{"a":1},"headers":{"content-type":"application/json"},"dependsOn":["2"]},
            {"id":"4","method":"PATCH","url":"users/7","body":{"a":1},"dependsOn":["1"]}
        ]}"#);
        let a = answer(&r, "POST", "/v1.0/$batch", None, Some(&batch));
        assert_eq!(a.status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        let statuses: Vec<_> = v["responses"]
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
            [
                ("1".into(), 200),
                ("2".into(), 404),
                ("3".into(), 424),
                ("4".into(), 204)
            ]
        );
        assert_eq!(v["responses"][0]["body"]["displayName"], "Adele");
        assert!(
            v["responses"][0]["headers"]["request-id"].is_string(),
            "{v}"
        );
        // 21 requests: 400
        let many: Vec<_> = (0..21)
            .map(|i| serde_json::json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
            .collect();
        let body = Bytes::from(serde_json::json!({"requests": many}).to_string());
        let a = answer(&r, "POST", "/v1.0/$batch", None, Some(&body));
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        // a batch inside a batch is refused, not run
        let nested = Bytes::from_static(
            br#"{"requests":[{"id":"1","method":"POST","url":"/$batch","body":{"requests":[]}}]}"#,
        );
        let a = answer(&r, "POST", "/v1.0/$batch", None, Some(&nested));
        let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(v["responses"][0]["status"], 400, "{v}");
    }

    #[test]
    fn head_is_get_without_a_body_and_options_lists_the_methods() {
        let cases = vec![
            json_case("u", "GET", "/v1.0/users/{id}", 200, r#"{"id":"1"}"#),
            case("del", "DELETE", "/v1.0/users/{id}", 204),
            case("patch", "PATCH", "/v1.0/users/{id}", 204),
        ];
        let r = Routes::new(&cases);
        let get = answer(&r, "GET", "/v1.0/users/7", None, None);
        let head = answer(&r, "HEAD", "/v1.0/users/7", None, None);
        assert_eq!(head.status, StatusCode::OK);
        assert_eq!(header(&head, "content-type"), Some(GRAPH_JSON));
        // the same headers and length as GET (hyper sends no body on HEAD)
        assert_eq!(head.body, get.body);
        let o = answer(&r, "OPTIONS", "/v1.0/users/7", None, None);
        assert_eq!(o.status, StatusCode::NO_CONTENT);
        assert_eq!(
            header(&o, "allow"),
            Some("DELETE, GET, HEAD, OPTIONS, PATCH")
        );
        assert!(o.body.is_empty());
        // (method, path): nothing documented there
        for (method, path) in [("OPTIONS", "/v1.0/nothing"), ("HEAD", "/v1.0/nothing")] {
            let a = answer(&r, method, path, None, None);
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{method} {path}");
        }
    }

    #[test]
    fn malformed_system_query_options_are_graphs_400() {
        let list = r#"{"value":[{"id":"1"},{"id":"2"}]}"#;
        let cases = vec![
            json_case("list", "GET", "/v1.0/users", 200, list),
            json_case("own-top", "GET", "/v1.0/groups?$top={n}", 200, list),
        ];
        let r = Routes::new(&cases);
        // (path, query, status, message fragment)
        let top = "for $top query option found. The $top query option requires a non-negative integer value";
        let rows: &[(&str, &str, u16, &str)] = &[
            ("/v1.0/users", "$top=-1", 400, "Invalid value '-1' "),
            ("/v1.0/users", "$top=abc", 400, top),
            ("/v1.0/users", "$top=1.5", 400, top),
            ("/v1.0/users", "$top=", 400, top),
            ("/v1.0/users", "$top=99999999999999999999", 400, top),
            ("/v1.0/users", "%24top=x", 400, top),
            (
                "/v1.0/users",
                "$skip=-5",
                400,
                "for $skip query option found",
            ),
            (
                "/v1.0/users",
                "$count=maybe",
                400,
                "'maybe' is not a valid count option",
            ),
            (
                "/v1.0/users",
                "$top=1&$top=2",
                400,
                "Query option '$top' was specified more than once",
            ),
            (
                "/v1.0/users",
                "$top=1&%24TOP=1",
                400,
                "'$top' was specified more than once",
            ),
            (
                "/v1.0/users",
                "$select=id&$select=mail",
                400,
                "'$select' was specified",
            ),
            ("/v1.0/users", &"$top=x".repeat(40), 400, "...' for $top"),
            ("/v1.0/users", "$top=2", 200, ""),
            ("/v1.0/users", "$top=0", 200, ""),
            ("/v1.0/users", "$skip=1&$top=1", 200, ""),
            ("/v1.0/users", "$count=TRUE", 200, ""),
            ("/v1.0/users", "$count=false", 200, ""),
            // without `$`: maybe a function's parameter, not read strictly
            ("/v1.0/users", "top=abc", 200, ""),
            ("/v1.0/users", "&&&", 200, ""),
            ("/v1.0/users", "===", 200, ""),
            ("/v1.0/users", "%", 200, ""),
            ("/v1.0/users", "%ff%fe=%c0", 200, ""),
            // an option the example writes itself is the example's business
            ("/v1.0/groups", "$top=abc", 200, ""),
        ];
        for (path, query, status, fragment) in rows {
            let a = answer(&r, "GET", path, Some(query), None);
            assert_eq!(a.status.as_u16(), *status, "{path}?{query}");
            let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
            if *status == 400 {
                assert_eq!(v["error"]["code"], "BadRequest", "{v}");
                let m = v["error"]["message"].as_str().unwrap();
                assert!(m.contains(fragment), "{query}: {m}");
                assert!(m.len() < 300, "{m}");
                assert_eq!(v["error"]["innerError"]["client-request-id"], "client-1");
            }
        }
    }

    #[test]
    fn every_error_is_graphs_envelope_with_the_exchange_ids() {
        let list = r#"{"value":[{"id":"1"},{"id":"2"}]}"#;
        let cases = vec![
            json_case("list", "GET", "/v1.0/users", 200, list),
            case("patch", "PATCH", "/v1.0/users/{id}", 204),
        ];
        let r = Routes::new(&cases);
        let json = |b: &Bytes| serde_json::from_slice::<serde_json::Value>(b).unwrap();
        let inner_ok = |v: &serde_json::Value, client: &str| {
            let i = &v["error"]["innerError"];
            assert!(i["date"].is_string(), "{v}");
            assert_eq!(i["request-id"].as_str().map(str::len), Some(36), "{v}");
            assert_eq!(i["client-request-id"], client, "{v}");
        };
        // a refused batch
        let cycle = Bytes::from_static(
            br#"{"requests":[{"id":"a","method":"GET","url":"/users","dependsOn":["b"]},{"id":"b","method":"GET","url":"/users","dependsOn":["a"]}]}"#,
        );
        let a = answer(&r, "POST", "/v1.0/$batch", None, Some(&cycle));
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        let v = json(&a.body);
        assert!(
            v["error"]["message"].as_str().unwrap().contains("cycle"),
            "{v}"
        );
        inner_ok(&v, "client-1");
        // a failed dependency: its 424 has its own ids, in headers and body
        let failing = Bytes::from_static(
            br#"{"requests":[{"id":"1","method":"GET","url":"/nothing"},{"id":"2","method":"PATCH","url":"/users/7","dependsOn":["1"],"headers":{"client-request-id":"item-2"}}]}"#,
        );
        let a = answer(&r, "POST", "/v1.0/$batch", None, Some(&failing));
        let v = json(&a.body);
        let item = &v["responses"][1];
        assert_eq!(item["status"], 424, "{v}");
        assert_eq!(item["body"]["error"]["code"], "FailedDependency", "{v}");
        inner_ok(&item["body"], "item-2");
        assert_eq!(item["headers"]["client-request-id"], "item-2", "{v}");
        assert_eq!(
            item["headers"]["request-id"], item["body"]["error"]["innerError"]["request-id"],
            "{v}"
        );
        assert_eq!(item["headers"]["content-type"], GRAPH_JSON, "{v}");
        assert_eq!(item["headers"]["odata-version"], "4.0", "{v}");
        // a 429
        let t = Routes::new(&cases).with_throttle(throttle::Throttle::new(
            1.0,
            Duration::from_secs(1),
            1,
        ));
        let asked = Asked {
            method: "GET",
            path: "/v1.0/users",
            query: None,
            hint: None,
            host: Some("mock.test"),
            body: None,
            in_batch: false,
        };
        let resp = t.respond(&asked, Some("c-9"), std::net::Ipv4Addr::LOCALHOST.into());
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        let v = json(&body_of(resp));
        assert_eq!(v["error"]["code"], "TooManyRequests");
        inner_ok(&v, "c-9");
        // the mock's own refusals (413, 408, a broken body)
        let resp = refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "graphContract.bodyTooLarge",
            "too large".into(),
            Some("c-7"),
        );
        let h = resp.headers().clone();
        assert_eq!(h.get("connection").unwrap(), "close");
        assert_eq!(h.get("content-type").unwrap(), GRAPH_JSON);
        assert_eq!(h.get("odata-version").unwrap(), "4.0");
        assert_eq!(h.get("client-request-id").unwrap(), "c-7");
        let v = json(&body_of(resp));
        inner_ok(&v, "c-7");
        assert_eq!(
            h.get("request-id").unwrap().to_str().unwrap(),
            v["error"]["innerError"]["request-id"]
        );
        // `/$count`, an OData answer too
        let a = answer(&r, "GET", "/v1.0/users/$count", None, None);
        assert_eq!((a.status, &a.body[..]), (StatusCode::OK, &b"2"[..]));
        assert_eq!(header(&a, "odata-version"), Some("4.0"));
        // a 404 quotes a long path cut
        let long = format!("/v1.0/{}", "a/".repeat(20_000));
        let a = answer(&r, "GET", &long, None, None);
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        let v = json(&a.body);
        let m = v["error"]["message"].as_str().unwrap();
        assert!(
            m.len() < 1_000 && m.contains("GET /v1.0/a/a/a/") && m.contains("..."),
            "{m}"
        );
    }

    fn body_of(resp: Response<Full<Bytes>>) -> Bytes {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(resp.into_body().collect())
            .unwrap()
            .to_bytes()
    }

    #[test]
    fn only_a_host_and_port_go_into_next_links() {
        // (Host header, usable as the origin of a next link)
        let rows: &[(&str, bool)] = &[
            ("mock.test", true),
            ("127.0.0.1:8080", true),
            ("[::1]:18116", true),
            ("[::1]", true),
            ("Mock-1.example_x~", true),
            ("a\"b", false),
            ("a\\\\b", false),
            ("evil.com/x?y=", false),
            ("evil.com#", false),
            ("user@evil.com", false),
            ("", false),
            ("a,b", false),
            ("<script>", false),
            ("m\u{f6}ck", false),
            ("a b", false),
            ("host:", false),
            ("host:99999", false),
            ("host:8a", false),
            ("x:1:2", false),
            ("[::1", false),
            ("[zz]:1", false),
            ("[::1]x", false),
            (":80", false),
        ];
        for (host, want) in rows {
            assert_eq!(is_authority(host), *want, "{host:?}");
        }
        // next links on an unusable Host are not rewritten onto it
        let list = r#"{"value":[{"id":"1"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=1"}"#;
        let r = Routes::new(&[json_case("list", "GET", "/v1.0/users", 200, list)]);
        for host in ["evil.com/x?y=", "user@evil.com", ""] {
            let asked = Asked {
                method: "GET",
                path: "/v1.0/users",
                query: None,
                hint: None,
                host: Some(host),
                body: None,
                in_batch: false,
            };
            let a = r.answer(&asked, &Ids::new(None));
            let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
            let next = v["@odata.nextLink"].as_str().unwrap();
            assert!(!next.contains(host) || host.is_empty(), "{host}: {next}");
            assert!(!next.starts_with("http:///"), "{next}");
        }
        // the origin a server uses: the request target's authority, a
        // usable Host, else the connection's own address
        let local: SocketAddr = ([127, 0, 0, 1], 9).into();
        assert_eq!(origin(Some("a.test:1"), Some("b.test"), local), "a.test:1");
        assert_eq!(origin(Some("u@a.test"), Some("b.test"), local), "b.test");
        assert_eq!(origin(None, Some("b.test"), local), "b.test");
        assert_eq!(origin(None, Some("b/c"), local), "127.0.0.1:9");
        assert_eq!(origin(None, None, local), "127.0.0.1:9");
        let v6: SocketAddr = "[::1]:9".parse().unwrap();
        assert_eq!(origin(None, None, v6), "[::1]:9");
    }
}
