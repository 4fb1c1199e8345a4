//! Pairing: the page's annotated (and unannotated) blocks → cases.
//!
//! A page is a sequence of blocks; which response answers which request is
//! only implied by order and names. The rules (design.md §2): a named
//! response answers the earlier request of that name (names may be lists on
//! either side, and one response may answer several requests); an unnamed
//! response answers the most recent request-looking block, and when that
//! block is not an example (`ignored`, another block type, or unannotated)
//! the response belongs to it and makes no case; later responses of a
//! request are alternatives. Unannotated request blocks directly followed by
//! an unannotated response block are cases too, marked inferred.
//!
//! Decisions, and why (issue #17):
//! - **An unannotated request, then an annotated response, is one case**
//!   (`authentication-list-methods`: the request block lost its annotation,
//!   the response kept its own). The response names no earlier request (or
//!   none at all), and the last request-looking block before it is that
//!   unannotated one: it is the response's request, as the old
//!   `orphan-response` message already said. The case is marked `inferred`
//!   (the request's part is inferred; the existing flag, so `list --json`,
//!   the mock's preference for annotated examples and the counts treat it
//!   as one of the inferred), and carries the response's annotation
//!   (truncated, `@odata.type`, ...) and its name, if any.
//! - **An unannotated request's body may stand in a `json` block right after
//!   it** (only blank lines between, the json block unannotated): joined
//!   into one request, the body's lines those of the json block. Only for a
//!   method that takes a body (POST, PATCH, PUT) and a request without a
//!   body of its own: a `json` block after a GET, or after a request that
//!   has its body, is something else (a resource's shape, an option).
//!   Annotated requests are left as written: their annotation says where
//!   the example is.

use super::Sink;
use super::annotation::{Annotation, BlockType};
use super::blocks::Block;
use super::http_text::{self, Note};
use super::lenient_json;
use crate::model::{Case, DocBody, DocRequest, DocResponse, header};
use std::collections::{HashMap, HashSet};

struct Pending {
    names: Vec<String>,
    request: DocRequest,
    responses: Vec<DocResponse>,
    inferred: bool,
    /// Index of the request's block.
    block: usize,
}

/// The requests read so far, and by name the latest of each: a named
/// response finds its request in one look-up, not by a scan of every earlier
/// request (pages hold thousands).
#[derive(Default)]
struct Pendings {
    list: Vec<Pending>,
    latest: HashMap<String, usize>,
    /// Bytes a response may still be copied for when it answers several
    /// requests: one response naming every request of a page would otherwise
    /// multiply the page's size in memory.
    copy_budget: usize,
}

impl Pendings {
    fn push(&mut self, p: Pending) -> usize {
        let i = self.list.len();
        for n in &p.names {
            self.latest.insert(n.clone(), i);
        }
        self.list.push(p);
        i
    }
}

/// The rough size of a response in memory, for the copy budget.
fn weight(r: &DocResponse) -> usize {
    let headers: usize = r.headers.iter().map(|(n, v)| n.len() + v.len() + 48).sum();
    // the text and the value read from it
    2 * r.body_text.len() + headers + 256
}

/// What an unnamed response would answer.
#[derive(Clone, Copy)]
enum Anchor {
    Nothing,
    Case(usize),
    /// A request-looking block that is not an example.
    NotACase {
        line: usize,
        why: &'static str,
    },
    /// An unannotated request block (index `block`), its body perhaps in
    /// the `json` block right after it (`last` is then that block's index,
    /// else `block`): the response after it makes it an inferred case.
    Unannotated {
        block: usize,
        last: usize,
    },
}

impl Anchor {
    /// The line and the reason of a request block that is no case (yet).
    fn not_a_case(self, blocks: &[Block]) -> Option<(usize, &'static str)> {
        match self {
            Anchor::NotACase { line, why } => Some((line, why)),
            Anchor::Unannotated { block, .. } => Some((blocks[block].fence.line, "unannotated")),
            Anchor::Nothing | Anchor::Case(_) => None,
        }
    }
}

/// Methods whose request carries a body: only their requests take one
/// from a `json` block after theirs.
const BODY_METHODS: &[&str] = &["POST", "PATCH", "PUT"];

/// The block after the unannotated request block `i` when it holds that
/// request's JSON body: an unannotated `json` block of an object or array,
/// nothing but blank lines between the two, a request of a method that
/// takes a body and has none of its own.
fn body_block(blocks: &[Block], i: usize, text: &str) -> Option<usize> {
    let req = &blocks[i].fence;
    let next = blocks.get(i + 1).filter(|b| b.annotation.is_none())?;
    let json = &next.fence;
    if !json.info.eq_ignore_ascii_case("json")
        || !json.content.trim_start().starts_with(['{', '['])
        || !text.get(req.range.end..json.range.start)?.trim().is_empty()
    {
        return None;
    }
    let r = http_text::parse_request(&req.content)?;
    (r.body.is_none() && BODY_METHODS.contains(&r.method.as_str())).then_some(i + 1)
}

/// The request of an unannotated block (`block`), with its body from the
/// `json` block `last` when that is another block. (`None` cannot happen:
/// the block was taken for a request because its first line reads as one.)
fn unannotated_request(
    blocks: &[Block],
    block: usize,
    last: usize,
    sink: &mut Sink,
) -> Option<DocRequest> {
    let f = &blocks[block].fence;
    let mut r = http_text::parse_request(&f.content)?;
    if last != block {
        let json = &blocks[last].fence;
        let lines: Vec<&str> = json.content.lines().collect();
        let start = lines.iter().position(|l| !l.trim().is_empty()).unwrap_or(0);
        let mut body = lines.get(start..).unwrap_or_default().join("\n");
        body.truncate(body.trim_end().len());
        r.body = Some(body);
        // the body's line as counted from the request block's content
        r.body_line = (json.content_line + start).saturating_sub(f.content_line);
    }
    Some(doc_request(r, f.content_line, sink))
}

/// Turn the page's blocks into cases (in page order of their requests).
pub fn pair(page: &str, page_id: &str, blocks: &[Block], sink: &mut Sink) -> Vec<Case> {
    let mut pending = Pendings {
        // a few copies of everything the page holds, whatever its shape
        copy_budget: 4 * blocks.iter().map(|b| b.fence.content.len()).sum::<usize>() + (16 << 20),
        ..Pendings::default()
    };
    let mut anchor = Anchor::Nothing;
    for (i, b) in blocks.iter().enumerate() {
        let f = &b.fence;
        match &b.annotation {
            Some((a, ann_line)) => match &a.block_type {
                BlockType::Request => match http_text::parse_request(&f.content) {
                    Some(r) => {
                        let request = doc_request(r, f.content_line, sink);
                        let c = pending.push(Pending {
                            names: a.names.clone(),
                            request,
                            responses: Vec::new(),
                            inferred: false,
                            block: i,
                        });
                        anchor = Anchor::Case(c);
                    }
                    None => {
                        sink.error_at(
                            f.range.start,
                            "request-unreadable",
                            format!(
                                "block annotated as a request (line {ann_line}) has no request line (`METHOD URL`)"
                            ),
                        );
                        anchor = Anchor::NotACase {
                            line: f.line,
                            why: "an unreadable request",
                        };
                    }
                },
                BlockType::Response => {
                    if http_text::looks_like_request(&f.content) {
                        sink.warn_at(
                            f.range.start,
                            "response-holds-request",
                            format!(
                                "block annotated as a response (line {ann_line}) holds a request; read as a request that is not an example"
                            ),
                        );
                        anchor = Anchor::NotACase {
                            line: f.line,
                            why: "annotated as a response",
                        };
                        continue;
                    }
                    let Some(r) = http_text::parse_response(&f.content) else {
                        sink.error_at(
                            f.range.start,
                            "response-unreadable",
                            format!("block annotated as a response (line {ann_line}) has no status line (`HTTP/1.1 200 OK`)"),
                        );
                        continue;
                    };
                    // an unannotated request before it, and no earlier
                    // request of its name: the response is that request's
                    let request = match anchor {
                        Anchor::Unannotated { block, last }
                            if !a.names.iter().any(|n| pending.latest.contains_key(n)) =>
                        {
                            unannotated_request(blocks, block, last, sink).map(|r| (r, last))
                        }
                        _ => None,
                    };
                    let resp = doc_response(r, Some(a), f.content_line, sink);
                    match request {
                        Some((request, last)) => {
                            let c = pending.push(Pending {
                                names: a.names.clone(),
                                request,
                                responses: vec![resp],
                                inferred: true,
                                block: last,
                            });
                            anchor = Anchor::Case(c);
                        }
                        None => attach_response(
                            &mut pending,
                            anchor
                                .not_a_case(blocks)
                                .map_or(anchor, |(line, why)| Anchor::NotACase { line, why }),
                            a,
                            resp,
                            f.range.start,
                            sink,
                        ),
                    }
                }
                BlockType::Ignored => {
                    if http_text::looks_like_request(&f.content) {
                        anchor = Anchor::NotACase {
                            line: f.line,
                            why: "ignored",
                        };
                    }
                }
                BlockType::Other(t) => {
                    sink.warn_at(
                        f.range.start,
                        "other-block-type",
                        format!("block of type `{t}` is not an example; skipped"),
                    );
                    if http_text::looks_like_request(&f.content) {
                        anchor = Anchor::NotACase {
                            line: f.line,
                            why: "not an example block type",
                        };
                    }
                }
            },
            None => {
                if http_text::looks_like_request(&f.content) {
                    anchor = Anchor::Unannotated {
                        block: i,
                        last: body_block(blocks, i, sink.text).unwrap_or(i),
                    };
                    continue;
                }
                if !http_text::looks_like_response(&f.content) {
                    continue;
                }
                let Some(r) = http_text::parse_response(&f.content) else {
                    continue;
                };
                if let Anchor::Unannotated { block, last } = anchor
                    && last + 1 == i
                    && let Some(request) = unannotated_request(blocks, block, last, sink)
                {
                    let resp = doc_response(r, None, f.content_line, sink);
                    let c = pending.push(Pending {
                        names: Vec::new(),
                        request,
                        responses: vec![resp],
                        inferred: true,
                        block: last,
                    });
                    anchor = Anchor::Case(c);
                } else if let Anchor::Case(c) = anchor
                    && pending.list[c].block + 1 == i
                    && pending.list[c].responses.is_empty()
                {
                    sink.warn_at(
                        f.range.start,
                        "unannotated-response",
                        "response block has no annotation; paired with the request just before it"
                            .into(),
                    );
                    let resp = doc_response(r, None, f.content_line, sink);
                    pending.list[c].responses.push(resp);
                } else {
                    let message = match (anchor, anchor.not_a_case(blocks)) {
                        (_, Some((line, why))) => format!(
                            "unannotated response block follows the request block at line {line}, which is {why}; no case"
                        ),
                        (Anchor::Case(_), None) => {
                            "unannotated response block is not directly after a request still waiting for its response; skipped".into()
                        }
                        (_, None) => "unannotated response block with no request before it; skipped".into(),
                    };
                    sink.warn_at(f.range.start, "orphan-response", message);
                }
            }
        }
    }
    finish(page, page_id, pending.list)
}

fn attach_response(
    pending: &mut Pendings,
    anchor: Anchor,
    a: &Annotation,
    resp: DocResponse,
    at: usize,
    sink: &mut Sink,
) {
    if !a.names.is_empty() {
        // the latest earlier request of each name
        let mut targets: Vec<usize> = a
            .names
            .iter()
            .filter_map(|n| pending.latest.get(n).copied())
            .collect();
        targets.sort_unstable();
        targets.dedup();
        if let Some((&first, rest)) = targets.split_first() {
            let w = weight(&resp);
            for (k, &c) in rest.iter().enumerate() {
                if pending.copy_budget < w {
                    sink.warn_at(
                        at,
                        "response-answers-too-many",
                        format!(
                            "response answers {} requests; too large to pair with more than {}, the rest get no response from it",
                            targets.len(),
                            k + 1
                        ),
                    );
                    break;
                }
                pending.copy_budget -= w;
                pending.list[c].responses.push(resp.clone());
            }
            pending.list[first].responses.push(resp);
            return;
        }
    }
    match anchor {
        Anchor::Case(c) => {
            if !a.names.is_empty() {
                sink.warn_at(
                    at,
                    "response-name-mismatch",
                    format!(
                        "response named `{}` matches no earlier request; paired with the request just before it",
                        a.names.join("`, `")
                    ),
                );
            }
            pending.list[c].responses.push(resp);
        }
        Anchor::NotACase { line: rl, why } => sink.warn_at(
            at,
            "orphan-response",
            format!("response follows the request block at line {rl}, which is {why}: it answers that block; no case"),
        ),
        Anchor::Nothing | Anchor::Unannotated { .. } => sink.warn_at(at, "orphan-response", "response with no request before it; skipped".into()),
    }
}

fn emit_notes(notes: &[Note], content_line: usize, sink: &mut Sink) {
    for n in notes {
        sink.warn(content_line + n.line, n.kind, n.message.clone());
    }
}

fn doc_request(r: http_text::Request, content_line: usize, sink: &mut Sink) -> DocRequest {
    emit_notes(&r.notes, content_line, sink);
    // a body under a non-JSON content type (`[zip file bytes]`) is not linted
    let not_json_type = header(&r.headers, "content-type")
        .is_some_and(|ct| !ct.to_ascii_lowercase().contains("json"));
    if let Some(body) = &r.body
        && !not_json_type
        && body.starts_with(['{', '['])
        // validity only: nothing built
        && serde_json::from_str::<serde::de::IgnoredAny>(body).is_err()
    {
        let body_line = content_line + r.body_line;
        match lenient_json::parse(body) {
            Ok((_, repairs)) => {
                let at = repairs.first().map_or(0, |x| x.offset);
                warn_in(
                    sink,
                    body,
                    body_line,
                    at,
                    "request-body-json",
                    format!(
                        "request body is not strict JSON ({}); kept as written",
                        lenient_json::summary(&repairs)
                    ),
                );
            }
            Err(f) => warn_in(
                sink,
                body,
                body_line,
                f.offset,
                "request-body-json",
                format!("request body is not JSON ({}); kept as written", f.message),
            ),
        }
    }
    DocRequest {
        line: content_line + r.line,
        method: r.method,
        url: r.url,
        http_version: r.version,
        headers: r.headers,
        body: r.body,
    }
}

/// 0-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// A warning at byte `at` of a block's `text` (a body) whose first line
/// stands on page line `first_line`: the line, and the column when the
/// text's line is found in the page's.
fn warn_in(sink: &mut Sink, text: &str, first_line: usize, at: usize, kind: &str, message: String) {
    let at = at.min(text.len());
    let bytes = text.as_bytes();
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| at + i);
    let line = first_line + line_of(text, at);
    let offset = text
        .get(start..end)
        .and_then(|l| sink.block_offset(line, l, at - start));
    sink.warn_near(line, offset, kind, message);
}

/// The documented body. JSON when it looks like JSON (read leniently, with a
/// `body-json` warning, when it is not strict); a bare scalar (`$count`'s
/// `42`) is JSON only when the documented Content-Type says JSON, text
/// otherwise (Graph serves `$count` as text/plain); anything else is text.
fn doc_body(r: &http_text::Response, content_line: usize, sink: &mut Sink) -> DocBody {
    let text = r.body.as_str();
    if text.is_empty() {
        return DocBody::Empty;
    }
    let body_line = content_line + r.body_line;
    let trimmed = text.trim_start_matches(['\u{FEFF}', '\u{00A0}', ' ', '\t']);
    let content_type = header(&r.headers, "content-type").map(str::to_ascii_lowercase);
    let json_type = content_type
        .as_deref()
        .is_some_and(|ct| ct.contains("json"));
    // JSON-looking text under a declared non-JSON type (`[binary image]`
    // under image/png) is read strictly only
    let other_type = content_type.is_some() && !json_type;
    if other_type && serde_json::from_str::<serde_json::Value>(text).is_err() {
        return DocBody::Text(text.to_string());
    }
    if trimmed.starts_with(['{', '[']) {
        return match lenient_json::parse_any(text) {
            Ok((v, repairs)) => {
                if let Some(first) = repairs.first() {
                    warn_in(
                        sink,
                        text,
                        body_line,
                        first.offset,
                        "body-json",
                        format!(
                            "response body is not strict JSON ({}); read leniently",
                            lenient_json::summary(&repairs)
                        ),
                    );
                }
                DocBody::Json(v)
            }
            Err(f) if f.too_deep => {
                warn_in(
                    sink,
                    text,
                    body_line,
                    f.offset,
                    "body-too-deep",
                    format!(
                        "response body nests arrays and objects more than {} levels deep, deeper than graph-contract reads JSON; judged as text (any non-empty body passes)",
                        lenient_json::MAX_DEPTH
                    ),
                );
                DocBody::Text(text.to_string())
            }
            Err(f) => {
                warn_in(
                    sink,
                    text,
                    body_line,
                    f.offset,
                    "body-not-json",
                    format!(
                        "response body looks like JSON but cannot be read ({}); kept as text",
                        f.message
                    ),
                );
                DocBody::Text(text.to_string())
            }
        };
    }
    if json_type && let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        return DocBody::Json(v);
    }
    DocBody::Text(text.to_string())
}

fn doc_response(
    r: http_text::Response,
    a: Option<&Annotation>,
    content_line: usize,
    sink: &mut Sink,
) -> DocResponse {
    emit_notes(&r.notes, content_line, sink);
    let body = doc_body(&r, content_line, sink);
    DocResponse {
        line: content_line + r.line,
        status: r.status,
        headers: r.headers,
        body,
        body_text: r.body,
        truncated: a.is_some_and(|a| a.truncated),
        is_collection: a.and_then(|a| a.is_collection),
        is_empty: a.is_some_and(|a| a.is_empty),
        odata_type: a.and_then(|a| a.odata_type.clone()),
    }
}

/// Names, ids (`<page id>::<name>`, `#N` when unnamed, `~2` suffixes for
/// repeats), and responses split into the expected one and alternatives.
fn finish(page: &str, page_id: &str, pending: Vec<Pending>) -> Vec<Case> {
    let mut seen: HashSet<String> = HashSet::new();
    // the last `~k` given to each name: a name repeated n times costs n
    // tries in all, not n² (every `~k` skipped was taken)
    let mut last_k: HashMap<String, usize> = HashMap::new();
    let mut cases = Vec::with_capacity(pending.len());
    for (n, p) in pending.into_iter().enumerate() {
        let base = p
            .names
            .first()
            .cloned()
            .unwrap_or_else(|| format!("#{}", n + 1));
        let mut name = base.clone();
        let k = last_k.entry(base.clone()).or_insert(1);
        while !seen.insert(name.clone()) {
            *k += 1;
            name = format!("{base}~{k}");
        }
        let mut responses = p.responses.into_iter();
        cases.push(Case {
            id: format!("{page_id}::{name}"),
            page: page.to_string(),
            page_id: page_id.to_string(),
            name,
            request: p.request,
            response: responses.next(),
            alternatives: responses.collect(),
            inferred: p.inferred,
        });
    }
    cases
}
