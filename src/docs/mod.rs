//! Reading pages: markdown in, cases and diagnostics out. Pure: no I/O beyond
//! reading the files.
//!
//! The steps, one module each: [`blocks`] finds the fenced code blocks and
//! the annotation comment introducing each ([`annotation`]); [`http_text`]
//! splits a block's text into request or response parts; [`case`] pairs
//! requests with responses into cases; [`lenient_json`] reads the JSON the
//! pages actually hold. Every recovery is a [`Diagnostic`] naming page and
//! line; nothing here panics on a bad page, and one bad page never stops the
//! others.
//!
//! Hardening decisions (issue #11), with their reasons:
//! - **Linear in the page.** Every step is linear in the page's size and
//!   number of examples (line numbers from one line-start index with binary
//!   search, comments checked against code blocks by binary search, named
//!   responses paired through a name map, `~k` ids from a per-name counter):
//!   a 47 MB page reads in about two seconds, not minutes.
//!   `cargo bench --bench read` shows it, also on hostile shapes.
//! - **Bounded output.** At most [`MAX_PER_KIND`] diagnostics of one kind are
//!   listed per page, then one more says how many were left out (a page of a
//!   million stray request lines gives a readable lint, not a million
//!   lines); the severity of what was left out is kept.
//! - **One JSON depth.** JSON nested deeper than
//!   [`lenient_json::MAX_DEPTH`] (serde_json's limit, which the mock and the
//!   judge use) is not read as JSON: a documented response body that deep is
//!   judged as text, with one `body-too-deep` warning naming its line, so the
//!   mock and the judge never meet JSON they cannot read.
//! - **Columns where the position is known** (issue #12): a JSON repair or
//!   failure in an annotation or a body, a comment, a fence. A body's
//!   offset is mapped to the page through its line: the block's line is
//!   the page's without the container's indentation (a list, a quote), so
//!   the page line ends with it; when it does not (a tab pulldown-cmark
//!   expanded) the column is left out rather than guessed. A column is
//!   computed only for a diagnostic that is listed, counting on from the
//!   last one on the same line: still linear in the page.
//! - **Pages read in parallel, the result as if read one by one** (issue
//!   #17). [`read_paths`] lists the files first (sorted, per root), reads
//!   and parses each page on rayon's work-stealing pool (one task per page:
//!   pages range from 1 KB to megabytes, so a static split would leave a
//!   core idle behind the biggest), collects each page's cases and
//!   diagnostics apart, and merges them in the sorted page order: `list`,
//!   `lint` and the case ids are byte-identical whatever the threads did.
//!   rayon is a library dependency, not a CLI one, because the library
//!   reads folders too (the harness reads `specs/`, a consumer's tests the
//!   pages it copied): they gain the same. A caller of [`read_page`] (one
//!   page's text) never touches the pool, and [`read_paths`] below
//!   [`PARALLEL_MIN_PAGES`] pages reads on the calling thread, so reading
//!   a page or a few starts no threads. `RAYON_NUM_THREADS` bounds the
//!   pool, as rayon documents.
//! - **No byte slicing inside a character.** Text is cut only at offsets
//!   found by searching for ASCII (or taken from `char_indices`), or through
//!   `str::get`; the fuzz target `read_page` checks it.

pub mod annotation;
mod blocks;
mod case;
mod fences;
pub mod http_text;
pub mod lenient_json;

use crate::model::{Case, Diagnostic, Severity};
use std::path::{Path, PathBuf};

/// Everything read from a set of pages.
#[derive(Debug, Default)]
pub struct Corpus {
    pub pages: usize,
    pub cases: Vec<Case>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Diagnostics of one kind listed per page; the rest are counted.
pub const MAX_PER_KIND: usize = 100;

/// Collects the diagnostics of one page.
pub(crate) struct Sink<'a> {
    page: &'a str,
    /// The page's text and its line index: columns are computed from byte
    /// offsets into it.
    text: &'a str,
    idx: &'a blocks::LineIndex,
    diags: Vec<Diagnostic>,
    /// Per kind: how many were raised, and the first left out (line and
    /// the highest severity left out).
    counts: std::collections::HashMap<String, (usize, usize, Severity)>,
    /// The last column computed: (line start, offset, column of the
    /// offset). Diagnostics come mostly in page order, so the next column
    /// on the same line counts on from there: columns cost the page's
    /// length, not that times the diagnostics on a long line.
    last_column: (usize, usize, usize),
}

impl<'a> Sink<'a> {
    fn new(page: &'a str, text: &'a str, idx: &'a blocks::LineIndex) -> Self {
        Sink {
            page,
            text,
            idx,
            diags: Vec::new(),
            counts: Default::default(),
            last_column: (0, 0, 1),
        }
    }

    /// The 1-based column (in characters) of byte `offset` of the page;
    /// `None` inside a character.
    fn column(&mut self, offset: usize) -> Option<usize> {
        let start = self.idx.start(self.idx.line(offset));
        let (last_start, last_offset, last_col) = self.last_column;
        let (from, col) = if last_start == start && last_offset <= offset {
            (last_offset, last_col)
        } else {
            (start, 1)
        };
        let col = col + self.text.get(from..offset)?.chars().count();
        self.last_column = (start, offset, col);
        Some(col)
    }

    /// The page offset of byte `at` of `line_text`, a line of a block's
    /// content standing on page line `line`: the content is the page's
    /// line without the indentation of its container (a list, a quote), so
    /// the page line ends with it. `None` when it does not.
    pub(crate) fn block_offset(&self, line: usize, line_text: &str, at: usize) -> Option<usize> {
        let start = self.idx.start(line);
        let rest = self.text.get(start..)?;
        let page_line = rest.split('\n').next().unwrap_or_default().trim_end();
        let content = line_text.trim_end();
        let shift = page_line.strip_suffix(content)?.len();
        let offset = start + shift + at;
        (at <= line_text.len() && self.text.is_char_boundary(offset)).then_some(offset)
    }

    /// The diagnostics, with one for each kind that had more than
    /// [`MAX_PER_KIND`], in line order.
    fn finish(mut self) -> Vec<Diagnostic> {
        let mut over: Vec<(String, (usize, usize, Severity))> = self
            .counts
            .drain()
            .filter(|(_, (n, _, _))| *n > MAX_PER_KIND)
            .collect();
        over.sort_by(|a, b| a.0.cmp(&b.0));
        for (kind, (n, line, severity)) in over {
            self.diags.push(Diagnostic {
                page: self.page.to_string(),
                line,
                column: None,
                severity,
                kind: kind.clone(),
                message: format!(
                    "{} more `{kind}` diagnostics on this page from this line on are not listed",
                    n - MAX_PER_KIND
                ),
            });
        }
        let mut diags = self.diags;
        diags.sort_by_key(|d| d.line);
        diags
    }

    pub(crate) fn warn(&mut self, line: usize, kind: &str, message: String) {
        self.push(Severity::Warning, line, None, kind, message);
    }
    /// A warning at byte `offset` of the page (its line and column).
    pub(crate) fn warn_at(&mut self, offset: usize, kind: &str, message: String) {
        let line = self.idx.line(offset);
        self.push(Severity::Warning, line, Some(offset), kind, message);
    }
    /// An error at byte `offset` of the page (its line and column).
    pub(crate) fn error_at(&mut self, offset: usize, kind: &str, message: String) {
        let line = self.idx.line(offset);
        self.push(Severity::Error, line, Some(offset), kind, message);
    }
    /// A warning on `line`, at byte `offset` of the page when known.
    pub(crate) fn warn_near(
        &mut self,
        line: usize,
        offset: Option<usize>,
        kind: &str,
        message: String,
    ) {
        self.push(Severity::Warning, line, offset, kind, message);
    }
    /// The column is computed only for a diagnostic that is listed.
    fn push(
        &mut self,
        severity: Severity,
        line: usize,
        offset: Option<usize>,
        kind: &str,
        message: String,
    ) {
        let line = line.max(1);
        let count = match self.counts.get_mut(kind) {
            Some(c) => c,
            None => self
                .counts
                .entry(kind.to_string())
                .or_insert((0, line, severity)),
        };
        count.0 += 1;
        if count.0 > MAX_PER_KIND {
            if count.0 == MAX_PER_KIND + 1 {
                count.1 = line;
                count.2 = severity;
            } else if severity == Severity::Error {
                count.2 = severity;
            }
            return;
        }
        // a column only where the offset is on the line said
        let column = offset
            .filter(|&o| self.idx.line(o) == line)
            .and_then(|o| self.column(o));
        self.diags.push(Diagnostic {
            page: self.page.to_string(),
            line: line.max(1),
            column,
            severity,
            kind: kind.to_string(),
            message,
        });
    }
}

/// Below this many pages [`read_paths`] reads on the calling thread: a
/// page takes about 50 µs, so a handful of pages would pay more for the
/// pool's threads (started on first use) than they gain.
pub const PARALLEL_MIN_PAGES: usize = 32;

/// Read every `.md` page under each path (a file or a folder, walked
/// recursively in sorted order). Page ids are relative to the path given.
///
/// The pages are read in parallel (rayon's work-stealing pool) when there
/// are at least [`PARALLEL_MIN_PAGES`] of them, one page per task; the
/// result is the same as reading them one by one: cases and diagnostics are
/// collected per page and merged in the order above.
pub fn read_paths(paths: &[&Path]) -> Corpus {
    // Walking the folders is cheap and its diagnostics come first for
    // each root, as when the pages of one root were read after its walk.
    let roots: Vec<Root> = paths
        .iter()
        .map(|root| {
            let mut diags = Vec::new();
            let mut files: Vec<(String, PathBuf)> = Vec::new();
            match std::fs::metadata(root) {
                Ok(m) if m.is_dir() => walk(root, root, &mut files, &mut diags, 0),
                Ok(_) => {
                    let id = root
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    files.push((id, root.to_path_buf()));
                }
                Err(e) => diags.push(file_diag(root, "unreadable-path", &e.to_string())),
            }
            files.sort();
            (diags, files)
        })
        .collect();
    let files: Vec<&(String, PathBuf)> = roots.iter().flat_map(|(_, f)| f).collect();
    let read: Vec<PageRead> = if files.len() >= PARALLEL_MIN_PAGES {
        use rayon::prelude::*;
        files
            .par_iter()
            .map(|(id, path)| read_file(id, path))
            .collect()
    } else {
        files.iter().map(|(id, path)| read_file(id, path)).collect()
    };
    let mut corpus = Corpus::default();
    // one allocation each, not a doubling per few hundred pages (a case is
    // a few hundred bytes, moved on every growth, on this one thread)
    let (cases, diags) = read.iter().fold((0, 0), |(c, d), p| match p {
        PageRead::Read(cases, diags) => (c + cases.len(), d + diags.len()),
        PageRead::Unreadable(_) => (c, d + 1),
    });
    corpus.cases.reserve_exact(cases);
    corpus
        .diagnostics
        .reserve_exact(diags + roots.iter().map(|(d, _)| d.len()).sum::<usize>());
    let mut read = read.into_iter();
    for (diags, files) in roots {
        corpus.diagnostics.extend(diags);
        for page in read.by_ref().take(files.len()) {
            match page {
                PageRead::Read(cases, diags) => {
                    corpus.pages += 1;
                    corpus.cases.extend(cases);
                    corpus.diagnostics.extend(diags);
                }
                PageRead::Unreadable(d) => corpus.diagnostics.push(d),
            }
        }
    }
    corpus
}

/// A root's diagnostics from the walk, and its pages (id, file), sorted.
type Root = (Vec<Diagnostic>, Vec<(String, PathBuf)>);

/// One page read from its file.
enum PageRead {
    Read(Vec<Case>, Vec<Diagnostic>),
    /// The file could not be read, or is not UTF-8.
    Unreadable(Diagnostic),
}

thread_local! {
    /// The page being read, one buffer per thread, kept between pages.
    static PAGE_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A buffer bigger than this is let go after its page: one huge page does
/// not keep its memory for the rest of the run.
const PAGE_BUF_KEEP: usize = 1 << 20;

fn read_file(id: &str, path: &Path) -> PageRead {
    PAGE_BUF.with_borrow_mut(|buf| {
        let read = read_file_into(id, path, buf);
        if buf.capacity() > PAGE_BUF_KEEP {
            *buf = Vec::new();
        }
        read
    })
}

/// [`read_file`] into `buf`: no allocation per page for the bytes, and no
/// `stat` for a size hint (`std::fs::read` makes one per file; the buffer
/// already has room for nearly every page).
fn read_file_into(id: &str, path: &Path, buf: &mut Vec<u8>) -> PageRead {
    use std::io::Read as _;
    buf.clear();
    if buf.capacity() == 0 {
        buf.reserve(256 << 10);
    }
    let read = std::fs::File::open(path).and_then(|f| f.take(u64::MAX).read_to_end(buf));
    if let Err(e) = read {
        return PageRead::Unreadable(file_diag(path, "unreadable-page", &e.to_string()));
    }
    let text = match std::str::from_utf8(buf) {
        Ok(t) => t,
        Err(e) => {
            return PageRead::Unreadable(file_diag(
                path,
                "unreadable-page",
                &format!("not UTF-8: {e}"),
            ));
        }
    };
    let page = path.to_string_lossy();
    let (cases, diags) = read_page(&page, id, text);
    PageRead::Read(cases, diags)
}

fn file_diag(path: &Path, kind: &str, message: &str) -> Diagnostic {
    Diagnostic {
        page: path.to_string_lossy().into_owned(),
        line: 1,
        column: None,
        severity: Severity::Error,
        kind: kind.to_string(),
        message: message.to_string(),
    }
}

/// Collect `.md` files under `dir` with their ids (relative path, `/`
/// separators, no `.md`).
fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, PathBuf)>,
    diags: &mut Vec<Diagnostic>,
    depth: usize,
) {
    if depth > 64 {
        diags.push(file_diag(
            dir,
            "unreadable-path",
            "folders nested too deeply (a link loop?)",
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(file_diag(dir, "unreadable-path", &e.to_string()));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                diags.push(file_diag(dir, "unreadable-path", &e.to_string()));
                continue;
            }
        };
        let path = entry.path();
        // the entry's type comes with the listing; only a link costs a
        // `stat` (followed, as before: a linked folder is walked)
        let is_dir = match entry.file_type() {
            Ok(t) if !t.is_symlink() => t.is_dir(),
            _ => std::fs::metadata(&path)
                .map(|m| m.is_dir())
                .unwrap_or(false),
        };
        if is_dir {
            walk(root, &path, out, diags, depth + 1);
        } else if path.extension().is_some_and(|e| e == "md") {
            let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
            let id = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((id, path));
        }
    }
}

/// Read one page's text. `page` is the display path, `page_id` the id prefix
/// of its cases (path relative to its root, without `.md`).
pub fn read_page(page: &str, page_id: &str, text: &str) -> (Vec<Case>, Vec<Diagnostic>) {
    let idx = blocks::LineIndex::new(text);
    let mut sink = Sink::new(page, text, &idx);
    let blocks = blocks::read_blocks(text, &idx, &mut sink);
    let cases = case::pair(page, page_id, &blocks, &mut sink);
    (cases, sink.finish())
}

/// How the two fence readers compare on one text (for `tests/reader_fast.rs`,
/// which checks the line scan against pulldown-cmark over the corpus).
#[doc(hidden)]
#[derive(Debug, PartialEq, Eq)]
pub enum FenceReaders {
    /// The line scan left the text to pulldown-cmark.
    Declined,
    /// Both found these many fences, the same, and the same code around
    /// every `<!--`.
    Agree(usize),
    /// The first difference.
    Differ(String),
}

#[doc(hidden)]
pub fn compare_fence_readers(text: &str) -> FenceReaders {
    let idx = blocks::LineIndex::new(text);
    let Some(fast) = fences::scan(text) else {
        return FenceReaders::Declined;
    };
    let (slow, code) = blocks::pulldown_fences(text, 0, &idx);
    if fast.len() != slow.len() {
        return FenceReaders::Differ(format!(
            "{} fences by the scan, {} by pulldown-cmark",
            fast.len(),
            slow.len()
        ));
    }
    for (f, s) in fast.iter().zip(&slow) {
        let line = idx.line(f.range.start);
        let same = line == s.line
            && f.info == s.info
            && text[f.content.clone()] == s.content
            && (s.content.is_empty() || line + 1 == s.content_line)
            && f.range == s.range;
        if !same {
            return FenceReaders::Differ(format!(
                "fence at line {line}: scan {:?} info {:?} content {:?}; pulldown line {} {:?} info {:?} content {:?} (line {})",
                f.range,
                f.info,
                &text[f.content.clone()],
                s.line,
                s.range,
                s.info,
                s.content,
                s.content_line
            ));
        }
    }
    // the comment search skips the code range holding a `<!--`: the same
    // one, or none, for every `<!--` of the text
    for p in memchr::memmem::find_iter(text.as_bytes(), b"<!--") {
        let by_scan = fast
            .iter()
            .find(|f| f.range.contains(&p))
            .map(|f| f.range.clone());
        let by_pulldown = code.iter().find(|c| c.contains(&p)).cloned();
        if by_scan != by_pulldown {
            return FenceReaders::Differ(format!(
                "`<!--` at line {}: in code {by_scan:?} by the scan, {by_pulldown:?} by pulldown-cmark",
                idx.line(p)
            ));
        }
    }
    FenceReaders::Agree(fast.len())
}

/// [`read_page`] with every fence read by pulldown-cmark (for
/// `tests/reader_fast.rs`: the whole reading must not change).
#[doc(hidden)]
pub fn read_page_pulldown_only(
    page: &str,
    page_id: &str,
    text: &str,
) -> (Vec<Case>, Vec<Diagnostic>) {
    blocks::PULLDOWN_ONLY.set(true);
    let read = read_page(page, page_id, text);
    blocks::PULLDOWN_ONLY.set(false);
    read
}
