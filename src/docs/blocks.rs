//! Markdown → the page's fenced code blocks, each with the annotation comment
//! that introduces it, and 1-based line numbers.
//!
//! pulldown-cmark finds the fences (indented ones, ones in lists and quotes,
//! unclosed ones) the way a renderer would, except on the pages the line
//! scan of `fences.rs` reads exactly as it does (nearly all of them, at a
//! fraction of the cost; issue #17); this module adds what a renderer
//! does not care about: which `<!-- { "blockType": ... } -->` comment belongs
//! to which fence (directly above, after a blank line, after a tab header
//! `# [HTTP](#tab/http)`, after heading lines, or, when the intent is clear,
//! after a line of prose), and the recovery of fences that swallowed the next
//! block because their closing line was missing or mistyped.
//!
//! Decisions, and why:
//! - **Headings do not detach an annotation** (issue #17): the beta pages and
//!   other snapshots write `<!-- { "blockType": "request" } -->`, then
//!   `##### Request`, then the fence. Only blank lines, tab headers, other
//!   comments and heading lines between annotation and fence: the
//!   annotation is that fence's. Across a heading the fence must also hold
//!   what the annotation says (a request for `request`, a status line for
//!   `response`, an HTTP block otherwise): a request annotation whose block
//!   is missing, then `### Response` and the response, stays dangling rather
//!   than turning the response into an unreadable request.
//! - **Prose still detaches**: a line of text between them is kept as today:
//!   attached with an `annotation-separated` warning when no heading is
//!   among the lines and the fence is HTTP, dangling otherwise (a heading
//!   and prose mean a new section, whose block is another one).

use super::Sink;
use super::annotation::{self, Annotation};
use super::lenient_json;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use std::borrow::Cow;
use std::ops::Range;

/// Byte offset → 1-based line number.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        Self::reusing(text, Vec::new())
    }

    /// The index of `text`, in `starts`'s memory (cleared first): a reader
    /// of many pages gives each one the last one's (`into_buffer`), which
    /// spares an allocation of a quarter of the page's size per page, the
    /// one large enough to make malloc sort its free lists every time.
    pub fn reusing(text: &str, mut starts: Vec<usize>) -> Self {
        let bytes = text.as_bytes();
        starts.clear();
        // a line is about 40 bytes: one allocation for most pages
        starts.reserve(bytes.len() / 32 + 2);
        starts.push(0);
        // memchr's vector search (32 bytes a step where AVX2 is there)
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        LineIndex { starts }
    }

    /// The memory of the index, for the next page's (`reusing`).
    pub fn into_buffer(self) -> Vec<usize> {
        self.starts
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn start(&self, line: usize) -> usize {
        self.starts[line.saturating_sub(1).min(self.starts.len() - 1)]
    }
}

/// One fenced code block.
///
/// `info` and `content` borrow the page where the line scan read them (it
/// reads only fences whose content is the page's text verbatim), and own
/// what pulldown-cmark unescaped or took out of a container: most fences
/// are code samples no case reads, and a copy of each cost more than
/// finding it.
#[derive(Debug, Clone)]
pub struct Fence<'a> {
    /// Line of the opening fence.
    pub line: usize,
    /// The first word of the info string (`http`, `msgraph-interactive`, ...).
    pub info: Cow<'a, str>,
    /// The content, container indentation removed by pulldown-cmark.
    pub content: Cow<'a, str>,
    /// Page line of the content's first line.
    pub content_line: usize,
    /// Byte range of the whole fence in the page.
    pub range: Range<usize>,
}

impl Fence<'_> {
    /// Info string or content says HTTP.
    pub fn http_like(&self) -> bool {
        self.info.eq_ignore_ascii_case("http")
            || self.info.eq_ignore_ascii_case("msgraph-interactive")
            || super::http_text::looks_like_request(&self.content)
            || super::http_text::looks_like_response(&self.content)
    }
}

/// A fence and the annotation that introduces it.
#[derive(Debug, Clone)]
pub struct Block<'a> {
    pub fence: Fence<'a>,
    /// The annotation and the line of its comment.
    pub annotation: Option<(Annotation, usize)>,
}

/// An annotation comment found in the page.
struct Comment {
    range: Range<usize>,
    line: usize,
    annotation: Annotation,
}

enum Item<'a> {
    Comment(Comment),
    Fence(Fence<'a>),
}

impl Item<'_> {
    fn start(&self) -> usize {
        match self {
            Item::Comment(c) => c.range.start,
            Item::Fence(f) => f.range.start,
        }
    }
}

/// Every fenced block of the page, in order, with its annotation.
pub fn read_blocks<'a>(text: &'a str, idx: &LineIndex, sink: &mut Sink) -> Vec<Block<'a>> {
    let mut items = Vec::new();
    scan(text, 0..text.len(), idx, sink, &mut items, 0);
    items.sort_by_key(Item::start);
    attach(text, items, idx, sink)
}

/// Is this line a tab header (`# [HTTP](#tab/http)`)?
fn is_tab_header(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('#') && t.contains("](#tab/")
}

fn is_heading(line: &str) -> bool {
    let t = line.trim_start();
    let hashes = t.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&hashes) && t[hashes..].starts_with([' ', '\t'])
}

fn is_fence_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("```") || t.starts_with("~~~")
}

thread_local! {
    /// Every fence by pulldown-cmark, for the comparison of the two readers
    /// (`read_page_pulldown_only`).
    pub(super) static PULLDOWN_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Find fences and annotation comments in `text[range]`; push them to `out`.
fn scan<'a>(
    text: &'a str,
    range: Range<usize>,
    idx: &LineIndex,
    sink: &mut Sink,
    out: &mut Vec<Item<'a>>,
    depth: usize,
) {
    let base = range.start;
    let sub = &text[range];
    let (fences, code) = fences(sub, base, idx);
    find_comments(text, base, sub, &code, idx, sink, out);
    for f in fences {
        recover(text, f, idx, sink, out, depth);
    }
}

/// The fences of `sub` (at `base`) and the code ranges, in page order, the
/// comment search must skip: by the line scan when it can read the page
/// (`fences.rs`), by pulldown-cmark otherwise.
fn fences<'a>(sub: &'a str, base: usize, idx: &LineIndex) -> (Vec<Fence<'a>>, Vec<Range<usize>>) {
    let fast = if PULLDOWN_ONLY.get() {
        None
    } else {
        super::fences::scan(sub)
    };
    match fast {
        Some(fast) => {
            let fences: Vec<Fence> = fast
                .into_iter()
                .map(|f| {
                    let line = idx.line(base + f.range.start);
                    Fence {
                        line,
                        info: Cow::Borrowed(f.info),
                        content: Cow::Borrowed(&sub[f.content]),
                        content_line: line + 1,
                        range: base + f.range.start..base + f.range.end,
                    }
                })
                .collect();
            let code = fences.iter().map(|f| f.range.clone()).collect();
            (fences, code)
        }
        None => pulldown_fences(sub, base, idx),
    }
}

/// The fences and code ranges of `sub` (at `base`) as pulldown-cmark reads
/// them: every page the line scan declines.
pub(super) fn pulldown_fences<'a>(
    sub: &'a str,
    base: usize,
    idx: &LineIndex,
) -> (Vec<Fence<'a>>, Vec<Range<usize>>) {
    let mut code: Vec<Range<usize>> = Vec::new();
    let mut fences: Vec<Fence<'a>> = Vec::new();
    let mut cur: Option<Fence<'a>> = None;
    for (ev, r) in Parser::new_ext(sub, Options::empty()).into_offset_iter() {
        match ev {
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => {
                        Cow::Owned(info.split_whitespace().next().unwrap_or("").to_string())
                    }
                    CodeBlockKind::Indented => {
                        code.push(r.start + base..r.end + base);
                        continue;
                    }
                };
                let line = idx.line(base + r.start);
                cur = Some(Fence {
                    line,
                    info,
                    content: Cow::Borrowed(""),
                    content_line: line + 1,
                    range: base + r.start..base + r.end,
                });
            }
            Event::Text(t) => {
                if let Some(f) = cur.as_mut() {
                    if f.content.is_empty() {
                        f.content_line = idx.line(base + r.start);
                    }
                    f.content.to_mut().push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(f) = cur.take() {
                    code.push(f.range.clone());
                    fences.push(f);
                }
            }
            _ => {}
        }
    }
    code.sort_unstable_by_key(|r| r.start);
    (fences, code)
}

/// Annotation comments in `sub` (at `base`), outside code blocks.
fn find_comments(
    text: &str,
    base: usize,
    sub: &str,
    code: &[Range<usize>],
    idx: &LineIndex,
    sink: &mut Sink,
    out: &mut Vec<Item>,
) {
    let _ = text;
    let mut from = 0;
    // `<!--` by memchr's substring search: the pages' prose holds many a
    // `<` that is not a comment (`<br/>`, `<id>`)
    let open = memchr::memmem::Finder::new("<!--");
    while let Some(p) = open.find(&sub.as_bytes()[from..]) {
        let start = from + p;
        let abs = base + start;
        // `code` is in page order and its ranges do not overlap: the one
        // that could hold `abs` is the first ending after it (a binary
        // search, not a scan per comment: pages hold thousands of both)
        let k = code.partition_point(|c| c.end <= abs);
        if let Some(c) = code.get(k).filter(|c| c.contains(&abs)) {
            from = c.end - base;
            continue;
        }
        let inner_start = start + 4;
        let (inner, end) = match sub[inner_start..].find("-->") {
            Some(e) => (&sub[inner_start..inner_start + e], inner_start + e + 3),
            None => {
                if annotation::is_candidate(&sub[inner_start..]) {
                    sink.warn_at(
                        abs,
                        "unterminated-comment",
                        "annotation comment is never closed with `-->`".into(),
                    );
                }
                return;
            }
        };
        from = end;
        let line = idx.line(abs);
        match annotation::read(inner) {
            annotation::Read::NotAnnotation => {}
            annotation::Read::Unreadable(f) => sink.warn_at(
                base + inner_start + f.offset,
                "annotation-unreadable",
                format!(
                    "annotation comment cannot be read as JSON ({}); block treated as unannotated",
                    f.message
                ),
            ),
            annotation::Read::Annotation(a, repairs) => {
                if let Some(r) = repairs.first() {
                    sink.warn_at(
                        base + inner_start + r.offset,
                        "annotation-json",
                        format!(
                            "annotation is not strict JSON ({}); read leniently",
                            lenient_json::summary(&repairs)
                        ),
                    );
                }
                out.push(Item::Comment(Comment {
                    range: abs..base + end,
                    line,
                    annotation: a,
                }));
            }
        }
    }
}

/// A fence whose content holds a fence line swallowed the next block (its
/// own closing line was missing or mistyped): cut it where the next block
/// starts and scan the rest again.
fn recover<'a>(
    text: &'a str,
    mut f: Fence<'a>,
    idx: &LineIndex,
    sink: &mut Sink,
    out: &mut Vec<Item<'a>>,
    depth: usize,
) {
    // most fences hold no fence line: look before collecting the lines,
    // and look line by line only when a marker is there at all
    let c = f.content.as_bytes();
    let stray =
        if memchr::memmem::find(c, b"```").is_some() || memchr::memmem::find(c, b"~~~").is_some() {
            f.content.lines().position(is_fence_line)
        } else {
            None
        };
    let closed = {
        let src = text[f.range.clone()].trim_end();
        let last = src.rsplit('\n').next().unwrap_or("");
        src.contains('\n') && is_fence_line(last)
    };
    let Some(k) = stray.filter(|_| depth < 8) else {
        if !closed {
            sink.warn_at(
                f.range.start,
                "unclosed-fence",
                "code fence is never closed; read to the end of the page".into(),
            );
        }
        out.push(Item::Fence(f));
        return;
    };
    let lines: Vec<&str> = f.content.lines().collect();
    let stray_line = f.content_line + k;
    let bare = lines[k]
        .trim()
        .trim_start_matches(['`', '~'])
        .trim()
        .is_empty();
    let first_content = lines.iter().position(|l| !l.trim().is_empty()).unwrap_or(0);
    // where the swallowed material starts: a bare fence line is the intended
    // close; an opener with an info string starts the next block, and an
    // annotation comment or heading before it belongs to that next block.
    let (cut_keep, resume) = if bare {
        (k, k + 1)
    } else {
        let marker = (first_content + 1..k).find(|&j| {
            let t = lines[j].trim_start();
            t.starts_with("<!--") || is_heading(t)
        });
        let m = marker.unwrap_or(k);
        (m, m)
    };
    sink.warn_at(
        f.range.start,
        "unclosed-fence",
        format!("code fence is not closed before the fence line at line {stray_line}; split there"),
    );
    let range_end = f.range.end;
    let resume_at = idx.start(f.content_line + resume);
    let mut keep = lines[..cut_keep].join("\n");
    keep.truncate(keep.trim_end().len());
    keep.push('\n');
    f.content = Cow::Owned(keep);
    f.range = f.range.start..resume_at.min(range_end);
    out.push(Item::Fence(f));
    if resume_at < range_end {
        scan(text, resume_at..range_end, idx, sink, out, depth + 1);
    }
}

/// Give each fence the annotation comment that introduces it.
fn attach<'a>(
    text: &'a str,
    items: Vec<Item<'a>>,
    idx: &LineIndex,
    sink: &mut Sink,
) -> Vec<Block<'a>> {
    let mut blocks = Vec::new();
    let mut pending: Option<Comment> = None;
    for item in items {
        match item {
            Item::Comment(c) => {
                if let Some(p) = pending.take() {
                    dangling(&p, sink);
                }
                pending = Some(c);
            }
            Item::Fence(f) => {
                let annotation = match pending.take() {
                    None => None,
                    Some(c) => {
                        let gap = text.get(c.range.end..f.range.start).unwrap_or("");
                        let mut prose = false;
                        let mut heading = false;
                        for l in gap.lines() {
                            let t = l.trim();
                            if t.is_empty()
                                || is_tab_header(t)
                                || t.starts_with("<!--")
                                || t.ends_with("-->")
                            {
                                continue;
                            }
                            if is_heading(t) {
                                heading = true;
                            } else {
                                prose = true;
                            }
                        }
                        if !prose && (!heading || agrees(&c.annotation, &f)) {
                            Some((c.annotation, c.line))
                        } else if !heading && f.http_like() {
                            sink.warn(
                                idx.line(c.range.end),
                                "annotation-separated",
                                format!(
                                    "text between the annotation and its code block (line {}); attached anyway",
                                    f.line
                                ),
                            );
                            Some((c.annotation, c.line))
                        } else {
                            dangling(&c, sink);
                            None
                        }
                    }
                };
                blocks.push(Block {
                    fence: f,
                    annotation,
                });
            }
        }
    }
    if let Some(p) = pending {
        dangling(&p, sink);
    }
    blocks
}

/// Does the fence hold what the annotation says it is? Checked only across
/// headings: `<!-- request -->`, `### Response`, then a response block is
/// an annotation whose own block is missing, not the response's.
fn agrees(a: &Annotation, f: &Fence) -> bool {
    use super::http_text::{looks_like_request, looks_like_response};
    match a.block_type {
        annotation::BlockType::Request => looks_like_request(&f.content),
        annotation::BlockType::Response => looks_like_response(&f.content),
        annotation::BlockType::Ignored | annotation::BlockType::Other(_) => f.http_like(),
    }
}

fn dangling(c: &Comment, sink: &mut Sink) {
    sink.warn_at(
        c.range.start,
        "dangling-annotation",
        "annotation is not followed by its code block; ignored".into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let idx = LineIndex::new("a\nbb\n\nc");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 2);
        assert_eq!(idx.line(5), 3);
        assert_eq!(idx.line(6), 4);
        assert_eq!(idx.start(4), 6);
    }

    /// The vector search finds every `\n` a plain search finds:
    /// in words and in the tail, runs of them, next to bytes one off
    /// (`\x0b`, `\t`), after multi-byte characters.
    #[test]
    fn line_index_matches_a_plain_search() {
        let samples = [
            String::new(),
            "\n".into(),
            "\n".repeat(17),
            "abcdefg\nabcdefgh\nabcdefghi\n".into(),
            "\x0b\n\x0b\x0b\t\n\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\n\x0b".into(),
            "ünïcödé 名前\r\n<!-- x -->\n```http\nGET /a\n```".repeat(9),
            (0..300)
                .map(|i| if i % 7 == 3 { '\n' } else { 'x' })
                .collect(),
        ];
        for s in &samples {
            let want: Vec<usize> = std::iter::once(0)
                .chain(s.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            assert_eq!(LineIndex::new(s).starts, want, "{s:?}");
        }
    }

    #[test]
    fn tab_header_and_heading() {
        assert!(is_tab_header("# [HTTP](#tab/http)"));
        assert!(is_heading("### Response"));
        assert!(!is_heading("#hashtag"));
    }
}
