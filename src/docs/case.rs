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
                        let request = doc_request(&r, f.content_line, sink);
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
                    let resp = doc_response(&r, Some(a), f.content_line, sink);
                    attach_response(&mut pending, anchor, a, resp, f.range.start, sink);
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
                    anchor = Anchor::NotACase {
                        line: f.line,
                        why: "unannotated",
                    };
                    continue;
                }
                if !http_text::looks_like_response(&f.content) {
                    continue;
                }
                let prev = i.checked_sub(1).map(|p| &blocks[p]);
                let prev_unannotated_request = prev
                    .filter(|p| p.annotation.is_none())
                    .and_then(|p| http_text::parse_request(&p.fence.content).map(|r| (p, r)));
                let Some(r) = http_text::parse_response(&f.content) else {
                    continue;
                };
                if let Some((p, req)) = prev_unannotated_request {
                    let request = doc_request(&req, p.fence.content_line, sink);
                    let resp = doc_response(&r, None, f.content_line, sink);
                    let c = pending.push(Pending {
                        names: Vec::new(),
                        request,
                        responses: vec![resp],
                        inferred: true,
                        block: i - 1,
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
                    let resp = doc_response(&r, None, f.content_line, sink);
                    pending.list[c].responses.push(resp);
                } else {
                    let message = match anchor {
                        Anchor::NotACase { line, why } => format!(
                            "unannotated response block follows the request block at line {line}, which is {why}; no case"
                        ),
                        Anchor::Case(_) => {
                            "unannotated response block is not directly after a request still waiting for its response; skipped".into()
                        }
                        Anchor::Nothing => "unannotated response block with no request before it; skipped".into(),
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
        Anchor::Nothing => sink.warn_at(at, "orphan-response", "response with no request before it; skipped".into()),
    }
}

fn emit_notes(notes: &[Note], content_line: usize, sink: &mut Sink) {
    for n in notes {
        sink.warn(content_line + n.line, n.kind, n.message.clone());
    }
}

fn doc_request(r: &http_text::Request, content_line: usize, sink: &mut Sink) -> DocRequest {
    emit_notes(&r.notes, content_line, sink);
    // a body under a non-JSON content type (`[zip file bytes]`) is not linted
    let not_json_type = header(&r.headers, "content-type")
        .is_some_and(|ct| !ct.to_ascii_lowercase().contains("json"));
    if let Some(body) = &r.body
        && !not_json_type
        && body.starts_with(['{', '['])
        && serde_json::from_str::<serde_json::Value>(body).is_err()
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
        method: r.method.clone(),
        url: r.url.clone(),
        http_version: r.version.clone(),
        headers: r.headers.clone(),
        body: r.body.clone(),
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
    r: &http_text::Response,
    a: Option<&Annotation>,
    content_line: usize,
    sink: &mut Sink,
) -> DocResponse {
    emit_notes(&r.notes, content_line, sink);
    DocResponse {
        line: content_line + r.line,
        status: r.status,
        headers: r.headers.clone(),
        body: doc_body(r, content_line, sink),
        body_text: r.body.clone(),
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
