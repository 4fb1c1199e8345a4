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
//!   #17). [`read_paths`] walks each root on the calling thread and, once
//!   it has listed [`PARALLEL_MIN_PAGES`] pages, hands them to rayon's
//!   work-stealing pool as it lists them, a few pages per task (pages
//!   range from 1 KB to megabytes, so a static split would leave a core
//!   idle behind the biggest; and listing 7,116 files took as long as
//!   reading a fifth of them, so reading waits for no listing). Each
//!   page's cases and diagnostics are kept apart and merged in sorted page
//!   order: `list`, `lint` and the case ids are byte-identical whatever
//!   the threads did (`tests/reader.rs` checks it against reading each
//!   page alone).
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

/// Below this many pages in a folder (or files given as paths), [`read_paths`]
/// reads them on the calling thread: a page takes about 50 µs, so a
/// handful of pages would pay more for the pool's threads (started on
/// first use) than they gain.
pub const PARALLEL_MIN_PAGES: usize = 32;

/// Read every `.md` page under each path (a file or a folder, walked
/// recursively). Page ids are relative to the path given; pages come in
/// sorted id order, each root after the one before it.
///
/// The pages are read in parallel (rayon's work-stealing pool, from the
/// moment the walk has listed [`PARALLEL_MIN_PAGES`] of them, a few pages
/// per task); the result is the same as reading them one by one in that
/// order: cases and diagnostics are collected per page and merged in it,
/// after the diagnostics of each root's walk.
pub fn read_paths(paths: &[&Path]) -> Corpus {
    // per root: the walk's diagnostics, and each page (id, file, read)
    let mut roots: Vec<(Vec<Diagnostic>, Vec<Page>)> = Vec::with_capacity(paths.len());
    // roots that are files, read after the loop: together on the pool when
    // there are many (`specs/**/*.md` from a shell is one root per page)
    let mut files: Vec<(usize, String, PathBuf)> = Vec::new();
    for root in paths {
        let mut diags = Vec::new();
        let mut pages = match std::fs::metadata(root) {
            Ok(m) if m.is_dir() => read_folder(root, &mut diags),
            Ok(_) => {
                let id = root
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push((roots.len(), id, root.to_path_buf()));
                Vec::new()
            }
            Err(e) => {
                diags.push(file_diag(root, "unreadable-path", &e.to_string()));
                Vec::new()
            }
        };
        // the order they were read in is whatever the threads did: the
        // order they are merged in is the sorted one
        pages.sort_unstable_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        roots.push((diags, pages));
    }
    let read = |(i, id, path): (usize, String, PathBuf)| {
        let read = read_file(&id, &path);
        (i, (id, path, read))
    };
    let files: Vec<(usize, Page)> = if files.len() >= PARALLEL_MIN_PAGES {
        use rayon::prelude::*;
        files.into_par_iter().map(read).collect()
    } else {
        files.into_iter().map(read).collect()
    };
    for (i, page) in files {
        roots[i].1.push(page);
    }
    let mut corpus = Corpus::default();
    // one allocation each, not a doubling per few hundred pages (a case is
    // a few hundred bytes, moved on every growth, on this one thread)
    let (mut cases, mut diags) = (0, 0);
    for (walked, pages) in &roots {
        diags += walked.len();
        for (_, _, page) in pages {
            match page {
                PageRead::Read(c, d) => (cases, diags) = (cases + c.len(), diags + d.len()),
                PageRead::Unreadable(_) => diags += 1,
            }
        }
    }
    corpus.cases.reserve_exact(cases);
    corpus.diagnostics.reserve_exact(diags);
    for (diags, pages) in roots {
        corpus.diagnostics.extend(diags);
        for (_, _, page) in pages {
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

/// A page of a folder: its id, its file, and what reading it gave.
type Page = (String, PathBuf, PageRead);

/// Pages read per task once a folder has [`PARALLEL_MIN_PAGES`]: small
/// enough that the biggest pages do not leave a core idle at the end,
/// large enough that a task's cost is the pages', not the pool's.
const PAGES_PER_TASK: usize = 8;

/// Walk `root` and read its pages, in the order listed (sorted later). The
/// first [`PARALLEL_MIN_PAGES`] are only listed; from there on the walk
/// hands pages to rayon's pool as it lists them, so reading starts while
/// the folder is still being listed (listing 7,116 files took 8 to 25 ms,
/// as long as reading a fifth of them on both cores), and a small folder
/// is read on the calling thread without starting the pool.
fn read_folder(root: &Path, diags: &mut Vec<Diagnostic>) -> Vec<Page> {
    let mut walk = Walk::new(root);
    let mut first = Vec::new();
    while first.len() < PARALLEL_MIN_PAGES {
        match walk.next(diags) {
            Some(file) => first.push(file),
            None => {
                return first
                    .into_iter()
                    .map(|(id, path)| {
                        let read = read_file(&id, &path);
                        (id, path, read)
                    })
                    .collect();
            }
        }
    }
    let done: std::sync::Mutex<Vec<Page>> = std::sync::Mutex::new(Vec::new());
    let read_all = |files: Vec<(String, PathBuf)>| {
        for (id, path) in files {
            let read = read_file(&id, &path);
            // one page at a time, not a task's pages collected first: a
            // vector of them is over 1 KB, and each allocation that size
            // makes glibc's malloc merge every small block freed since
            // the last (9 % of the time of a read, measured)
            //
            // a poisoned lock means a page's task panicked, and the scope
            // re-raises that panic: the pages are not needed then
            if let Ok(mut done) = done.lock() {
                done.push((id, path, read));
            }
        }
    };
    // the calling thread lists; the pool's threads read
    rayon::in_place_scope(|s| {
        let mut batch = first;
        loop {
            let file = walk.next(diags);
            let end = file.is_none();
            batch.extend(file);
            if batch.len() >= PAGES_PER_TASK || (end && !batch.is_empty()) {
                for chunk in take_chunks(&mut batch) {
                    s.spawn(|_| read_all(chunk));
                }
            }
            if end {
                break;
            }
        }
    });
    done.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// `batch`'s files in tasks of [`PAGES_PER_TASK`], leaving it empty.
fn take_chunks(batch: &mut Vec<(String, PathBuf)>) -> Vec<Vec<(String, PathBuf)>> {
    let mut chunks = Vec::with_capacity(batch.len().div_ceil(PAGES_PER_TASK));
    let mut rest = std::mem::take(batch).into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(PAGES_PER_TASK).collect());
    }
    chunks
}

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

/// The `.md` files under a folder, depth first in listing order, each with
/// its id (path relative to the root, `/` separators, no `.md`); what
/// cannot be listed becomes a diagnostic, in the same order. A stack of
/// open listings rather than recursion, so that [`read_folder`] can read
/// pages while the walk goes on.
struct Walk {
    /// Open listings: the folder, its entries, the ids' prefix (empty or
    /// ending in `/`), its depth.
    stack: Vec<(PathBuf, std::fs::ReadDir, String, usize)>,
    /// The root, until it is opened.
    root: Option<PathBuf>,
}

impl Walk {
    fn new(root: &Path) -> Self {
        Walk {
            stack: Vec::new(),
            root: Some(root.to_path_buf()),
        }
    }

    /// Open `dir` (or say why not) and put its listing on top.
    fn open(&mut self, dir: PathBuf, prefix: String, depth: usize, diags: &mut Vec<Diagnostic>) {
        if depth > 64 {
            diags.push(file_diag(
                &dir,
                "unreadable-path",
                "folders nested too deeply (a link loop?)",
            ));
            return;
        }
        match std::fs::read_dir(&dir) {
            Ok(entries) => self.stack.push((dir, entries, prefix, depth)),
            Err(e) => diags.push(file_diag(&dir, "unreadable-path", &e.to_string())),
        }
    }

    /// The next page file, or `None` when the walk is over.
    fn next(&mut self, diags: &mut Vec<Diagnostic>) -> Option<(String, PathBuf)> {
        if let Some(root) = self.root.take() {
            self.open(root, String::new(), 0, diags);
        }
        loop {
            let (dir, entries, prefix, depth) = self.stack.last_mut()?;
            let Some(entry) = entries.next() else {
                self.stack.pop();
                continue;
            };
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
            let name = entry.file_name();
            let name = Path::new(&name);
            if is_dir {
                let sub = format!("{prefix}{}/", name.to_string_lossy());
                let depth = *depth + 1;
                self.open(path, sub, depth, diags);
            } else if name.extension().is_some_and(|e| e == "md") {
                let stem = name.file_stem().unwrap_or_default().to_string_lossy();
                return Some((format!("{prefix}{stem}"), path));
            }
        }
    }
}

/// Read one page's text. `page` is the display path, `page_id` the id prefix
/// of its cases (path relative to its root, without `.md`).
pub fn read_page(page: &str, page_id: &str, text: &str) -> (Vec<Case>, Vec<Diagnostic>) {
    thread_local! {
        /// The last page's line index, whose memory the next page's reuses
        /// (freed when it outgrew 1 MB, as the page buffer is).
        static LINE_STARTS: std::cell::Cell<Vec<usize>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let idx = blocks::LineIndex::reusing(text, LINE_STARTS.take());
    let out = {
        let mut sink = Sink::new(page, text, &idx);
        let blocks = blocks::read_blocks(text, &idx, &mut sink);
        let cases = case::pair(page, page_id, &blocks, &mut sink);
        (cases, sink.finish())
    };
    let buf = idx.into_buffer();
    if buf.capacity() * std::mem::size_of::<usize>() <= PAGE_BUF_KEEP {
        LINE_STARTS.set(buf);
    }
    out
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
