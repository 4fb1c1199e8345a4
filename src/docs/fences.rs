//! The fast path of the fence reader: a page's fenced code blocks found line
//! by line, for the pages whose fences a line scan reads exactly as
//! pulldown-cmark does; every other page is left to pulldown-cmark.
//!
//! Reading the 7,116 pages of v1.0 and beta spent half its time in
//! pulldown-cmark (issue #17), building events for every paragraph, list
//! and emphasis of the prose only to keep the code blocks. The reference
//! pages are simple where it matters: their fences open at column 0, their
//! comments start at column 0, nothing is nested in a quote or a list.
//!
//! Decisions, and why:
//! - **Exact or nothing.** The scan answers only when its answer is
//!   pulldown-cmark's: the same fences (line, info word, content, byte
//!   range) and the same code ranges for the comment search. Whenever a
//!   page holds a line whose reading depends on CommonMark's container
//!   rules, the scan declines ([`scan`] returns `None`) and the page goes
//!   to pulldown-cmark whole. `tests/reader_fast.rs` compares both on every
//!   corpus page (2,100 of the 2,102 v1.0 pages are read by the scan),
//!   mutated copies of them, the fixtures and random line soups; a decline
//!   costs only time. Each decline rule below was found by that comparison
//!   or by reading CommonMark's block rules.
//! - **What declines**, each because a line scan cannot know it without
//!   the container rules: a `\r` or NUL anywhere (line ends and U+FFFD are
//!   pulldown's to decide); a fence marker (three backticks or tildes)
//!   anywhere but at column 0 outside a fence, or at the start of an
//!   indented line inside one (an indented close, a fence in a list or a
//!   quote); an info string holding a backslash or `&` (pulldown unescapes
//!   it) or, after backticks, a backtick (not a fence at all); a fence
//!   marker inside a comment; HTML blocks that can hide a fence: `<pre`,
//!   `<script`, `<style`, `<textarea`, `<?`, `<!` not followed by `--`,
//!   `<!-->` and `<!--->`, and a fence or a comment start before the blank
//!   line that ends a line starting with `<` (after any indentation, quote
//!   or list markers); a comment that starts after indentation or a quote
//!   or list marker and does not end on its line (where it ends is its
//!   container's business: pulldown-cmark carries it on lines a line scan
//!   would take for top-level ones); a `<!--` with a tab or four spaces
//!   before it on its line (it may sit in an indented code block, which
//!   the comment search must skip).
//! - **What it reads**: a line starting with three or more backticks or
//!   tildes opens a fence, closed by a column-0 line of at least as many of
//!   the same character followed only by spaces (a tab there declines:
//!   pulldown-cmark 0.13 does not close on it, CommonMark does); an unclosed fence
//!   runs to the end (unless its last line is spaces without a line end,
//!   which pulldown-cmark drops: that declines too). A `<!--` at column 0
//!   opens an HTML block that ends on the line holding `-->`. The
//!   content is the lines in between, verbatim: at column 0 there is no
//!   indentation to remove.

use std::ops::Range;

/// One fence found by the scan, offsets relative to the scanned text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fast<'a> {
    /// The whole fence: the opening line's start to the end of the closing
    /// line (its line end excluded, as pulldown-cmark has it), or to the
    /// end of the text.
    pub range: Range<usize>,
    /// The content lines.
    pub content: Range<usize>,
    /// The first word of the info string.
    pub info: &'a str,
}

enum State {
    Top,
    Fence {
        ch: u8,
        n: usize,
        open: usize,
        content: usize,
        info: Range<usize>,
    },
    Comment,
}

fn blank(line: &[u8]) -> bool {
    line.iter().all(|&b| b == b' ' || b == b'\t')
}

/// Starts with three of `` ` `` or `~` after spaces and tabs.
fn marker_at_start(line: &[u8]) -> bool {
    let t = &line[line
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(line.len())..];
    t.starts_with(b"```") || t.starts_with(b"~~~")
}

/// A sorted list of positions, walked forward with the lines.
struct Marks {
    at: Vec<usize>,
    k: usize,
}

impl Marks {
    fn new(text: &[u8], needles: &[&[u8]]) -> Self {
        let mut at: Vec<usize> = Vec::new();
        for n in needles {
            at.extend(memchr::memmem::find_iter(text, n));
        }
        if needles.len() > 1 {
            at.sort_unstable();
        }
        Marks { at, k: 0 }
    }

    /// The first mark in `from..to` (marks before `from` are passed by).
    fn within(&mut self, from: usize, to: usize) -> Option<usize> {
        while self.at.get(self.k).is_some_and(|&p| p < from) {
            self.k += 1;
        }
        self.at.get(self.k).copied().filter(|&p| p < to)
    }
}

/// The fences of `text`, or `None` when it holds a line only pulldown-cmark
/// reads right (see the module's decisions).
pub fn scan(text: &str) -> Option<Vec<Fast<'_>>> {
    let b = text.as_bytes();
    if memchr::memchr2(b'\r', 0, b).is_some() {
        return None;
    }
    let mut markers = Marks::new(b, &[b"```", b"~~~"]);
    let mut comments = Marks::new(b, &[b"<!--"]);
    let mut out = Vec::new();
    let mut state = State::Top;
    // a line starting with `<` (an HTML block of kind 6 or 7) that no blank
    // line has ended yet
    let mut html = false;
    let mut pos = 0;
    while pos < b.len() {
        let eol = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |e| pos + e);
        let next = (eol + 1).min(b.len());
        let line = &b[pos..eol];
        match &state {
            State::Fence {
                ch,
                n,
                open,
                content,
                info,
            } => {
                let run = line.iter().take_while(|&&c| c == *ch).count();
                if run >= *n && blank(&line[run..]) && line[run..].contains(&b'\t') {
                    // pulldown-cmark 0.13 does not close on a tab after the
                    // run, CommonMark does: its reading is the one kept
                    return None;
                }
                if run >= *n && blank(&line[run..]) {
                    out.push(Fast {
                        range: *open..eol,
                        content: *content..pos,
                        info: first_word(&text[info.clone()]),
                    });
                    state = State::Top;
                } else if matches!(line.first(), Some(b' ' | b'\t'))
                    && markers.within(pos, eol).is_some()
                    && marker_at_start(line)
                {
                    return None;
                }
            }
            State::Comment => {
                if markers.within(pos, eol).is_some() {
                    return None;
                }
                if let Some(c) = comments.within(pos, eol)
                    && !comment_prefix_ok(&line[..c - pos])
                {
                    return None;
                }
                if memchr::memmem::find(line, b"-->").is_some() {
                    state = State::Top;
                }
            }
            State::Top => {
                if blank(line) {
                    html = false;
                    pos = next;
                    continue;
                }
                let first = line[0];
                if first == b'`' || first == b'~' {
                    let run = line.iter().take_while(|&&c| c == first).count();
                    if run >= 3 {
                        let rest = &line[run..];
                        if html
                            || (first == b'`' && rest.contains(&b'`'))
                            || rest.iter().any(|&c| c == b'\\' || c == b'&')
                        {
                            return None;
                        }
                        state = State::Fence {
                            ch: first,
                            n: run,
                            open: pos,
                            content: next,
                            info: pos + run..eol,
                        };
                        pos = next;
                        continue;
                    }
                }
                if markers.within(pos, eol).is_some() {
                    return None;
                }
                if let Some(c) = comments.within(pos, eol)
                    && !comment_prefix_ok(&line[..c - pos])
                {
                    return None;
                }
                let ind = line.iter().take_while(|&&c| c == b' ').count();
                let t = strip_containers(line);
                let nested = t.len() + ind != line.len();
                if t.starts_with(b"<!--") && !nested && ind == 0 {
                    if html || t.starts_with(b"<!-->") || t.starts_with(b"<!--->") {
                        return None;
                    }
                    if memchr::memmem::find(&t[4..], b"-->").is_none() {
                        state = State::Comment;
                    }
                } else if t.first() == Some(&b'<') {
                    if t.starts_with(b"<?") || (t.starts_with(b"<!") && !t.starts_with(b"<!--")) {
                        return None;
                    }
                    // a comment in a list or a quote, or indented: where
                    // pulldown-cmark ends it is its container's business
                    if t.starts_with(b"<!--")
                        && (html
                            || t.starts_with(b"<!-->")
                            || t.starts_with(b"<!--->")
                            || memchr::memmem::find(&t[4..], b"-->").is_none())
                    {
                        return None;
                    }
                    let head: Vec<u8> = t.iter().take(10).map(u8::to_ascii_lowercase).collect();
                    if ["<pre", "<script", "<style", "<textarea"]
                        .iter()
                        .any(|tag| head.starts_with(tag.as_bytes()))
                    {
                        return None;
                    }
                    html = true;
                }
            }
        }
        pos = next;
    }
    if let State::Fence {
        open,
        content,
        info,
        ..
    } = state
    {
        // an unclosed fence ending in spaces without a line end: pulldown
        // leaves that last line out of the content
        let last = &b[memchr::memrchr(b'\n', b).map_or(0, |p| p + 1)..];
        if !last.is_empty() && blank(last) {
            return None;
        }
        out.push(Fast {
            range: open..b.len(),
            content: content.min(b.len())..b.len(),
            info: first_word(&text[info]),
        });
    }
    Some(out)
}

/// The line without what may open containers before its text: spaces,
/// tabs, quote markers, list markers (`-`, `*`, `+`, `1.`, `1)` followed by
/// a space, a tab or the line end).
fn strip_containers(mut t: &[u8]) -> &[u8] {
    loop {
        match t.first() {
            Some(b' ' | b'\t' | b'>') => t = &t[1..],
            Some(b'-' | b'*' | b'+') if matches!(t.get(1), None | Some(b' ' | b'\t')) => {
                t = &t[1..]
            }
            Some(b'0'..=b'9') => {
                let d = t.iter().take_while(|c| c.is_ascii_digit()).count();
                if d <= 9
                    && matches!(t.get(d), Some(b'.' | b')'))
                    && matches!(t.get(d + 1), None | Some(b' ' | b'\t'))
                {
                    t = &t[d + 1..];
                } else {
                    return t;
                }
            }
            _ => return t,
        }
    }
}

/// What may stand before a `<!--` on its line for the comment to be outside
/// any indented code block: no tab, never four spaces in a row.
fn comment_prefix_ok(prefix: &[u8]) -> bool {
    !prefix.contains(&b'\t') && memchr::memmem::find(prefix, b"    ").is_none()
}

fn first_word(info: &str) -> &str {
    info.split_whitespace().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(page, fences as (info, content) or None for a decline)`: the rules,
    /// row by row; the corpus-wide comparison with pulldown-cmark is in
    /// `tests/reader_fast.rs`.
    #[test]
    fn rules() {
        type Row = (
            &'static str,
            Option<&'static [(&'static str, &'static str)]>,
        );
        let rows: &[Row] = &[
            (
                "text\n```http\nGET /me\n```\nmore\n",
                Some(&[("http", "GET /me\n")]),
            ),
            (
                "~~~~ json x\n{}\n~~~\n~~~~~\n",
                Some(&[("json", "{}\n~~~\n")]),
            ),
            ("```\nopen to the end\n", Some(&[("", "open to the end\n")])),
            ("```\n", Some(&[("", "")])),
            ("```\nx\n ", None),
            ("```http\nGET /\n```  \nx", Some(&[("http", "GET /\n")])),
            ("```http\nGET /\n```\t\nx", None),
            // a longer run of the other character does not close
            ("```\na\n~~~~\n```\n", Some(&[("", "a\n~~~~\n")])),
            // an info string after the run does not close
            ("```\na\n```json\n```\n", Some(&[("", "a\n```json\n")])),
            // comments hide fences
            ("<!-- a\n\nb -->\n```\nx\n```\n", Some(&[("", "x\n")])),
            (
                "<!-- { \"blockType\": \"request\" } -->\n```http\nGET /\n```\n",
                Some(&[("http", "GET /\n")]),
            ),
            ("<div>\n\n```\nx\n```\n", Some(&[("", "x\n")])),
            ("- item\n\n```\nx\n```\n", Some(&[("", "x\n")])),
            ("no fence ``inline`` here\n", Some(&[])),
            // declines
            ("a\r\n```\nx\n```\n", None),
            ("a\0\n", None),
            ("  ```\nx\n```\n", None),
            ("> ```\n> x\n", None),
            ("- ```\n  x\n  ```\n", None),
            ("text ``` in prose\n", None),
            ("```\nx\n  ```\n", None),
            ("``` a`b\n", None),
            ("```j\\son\nx\n```\n", None),
            ("```j&amp;\nx\n```\n", None),
            ("<!-- a\n```\n-->\n", None),
            ("<pre>\n\n```\n", None),
            ("<SCRIPT>\n", None),
            ("<?php\n", None),
            ("<!DOCTYPE html>\n", None),
            ("<!-->\n", None),
            ("<!--->\n", None),
            ("<div>\n```\nx\n```\n", None),
            ("<span>\n<!-- a\n\n```\n-->\n", None),
            ("    <!-- in code -->\n", None),
            ("\t<!-- in code -->\n", None),
            ("-     <!-- code in a list -->\n", None),
        ];
        for (page, want) in rows {
            let got = scan(page).map(|fs| {
                fs.iter()
                    .map(|f| (f.info, &page[f.content.clone()]))
                    .collect::<Vec<_>>()
            });
            assert_eq!(got.as_deref(), *want, "page {page:?}");
        }
    }
}
