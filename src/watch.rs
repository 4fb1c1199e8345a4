//! Watch mode's library half: which pages changed and what their cases
//! are now ([`Pages`]), what the last run left ([`Previous`]), what changed
//! since ([`changes`]: newly failing, fixed, still failing, dropped), and
//! the screen each run draws, as a listener ([`Screen`]). The loop (file
//! events, keys, the target probe, the terminal's mode) is the binary's,
//! `src/cmd/watch.rs`.
//!
//! Decisions, and why:
//! - **The engine still decides.** A watch run is a `check` run over part
//!   of the selection: the cases of the pages that changed (or the failing
//!   ones, or all) are sent and judged by [`crate::run::Session`]; every
//!   other case keeps its last result ([`merge`]), and the run finishes
//!   over the whole selection, so the totals, the coverage and the report
//!   files are the whole selection's, as `check` would give them.
//! - **Pure diff.** [`changes`] takes the previous results and the new
//!   ones and says what moved; it decides no verdict. A case is known by
//!   its page and id (its line moves when the page is edited). The first
//!   run has no previous: every failure is newly failing.
//! - **Full blocks for new failures only.** A newly failing case gets the
//!   block `check` prints ([`crate::render::failure_text`]); a fixed case
//!   one line; a still failing one one line with its first finding
//!   ([`crate::report::first_finding`]), at most [`MAX_STILL_LINES`] of
//!   them (the rest counted): the news comes first and stays on the screen.
//! - **A plain terminal.** Lines only, no cursor movement nor full-screen
//!   mode: it works over SSH, in tmux, piped into a file. Colour through
//!   [`crate::render::paint`], only when the face says so.
//! - **A page is re-read alone.** A changed file is read as
//!   [`crate::docs::read_paths`] would read it under its root (same display
//!   path, same page id) and the selection is applied to its cases; a file
//!   that cannot be read keeps its last cases and says why (an editor may
//!   be half-way through writing it); a file gone drops its cases.

use crate::model::Case;
use crate::output::Redacting;
use crate::render::{Tone, failure_text, paint};
use crate::report::{self, diff::View, visible};
use crate::run::select::{self, Selection};
use crate::run::{CaseResult, Event, Listener, RunFinished, Verdict};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Still-failing cases listed one line each; the rest are counted.
pub const MAX_STILL_LINES: usize = 100;

/// The key hint under every run's screen.
pub const KEY_HINT: &str = "r all · f failing · q quit · ? help";

/// What `?` (or `h`) prints.
pub const HELP: &str = "keys: r re-runs every case · f re-runs the failing ones · q quits · \
                        ? or h this help; saving a page re-runs its cases \
                        (not a terminal: one command a line, end of input quits)";

/// A command typed at the watch prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `r`: re-run every case.
    All,
    /// `f`: re-run the failing cases.
    Failing,
    /// `q` (or end of input, Ctrl-D): quit.
    Quit,
    /// `?` or `h`: the help line.
    Help,
}

impl Key {
    /// A key pressed on a terminal (no Enter needed); `None` for a key
    /// that is no command (Enter, space: ignored; others: say so).
    pub fn of_byte(b: u8) -> Option<Key> {
        match b {
            b'r' | b'R' => Some(Key::All),
            b'f' | b'F' => Some(Key::Failing),
            b'q' | b'Q' | 0x04 => Some(Key::Quit),
            b'?' | b'h' | b'H' => Some(Key::Help),
            _ => None,
        }
    }

    /// A line of standard input when it is not a terminal: `Ok(None)` for
    /// a blank line, an error naming the line for anything else unknown.
    pub fn of_line(line: &str) -> Result<Option<Key>, String> {
        let t = line.trim();
        let key = match t.to_ascii_lowercase().as_str() {
            "" => return Ok(None),
            "r" | "all" => Key::All,
            "f" | "failing" => Key::Failing,
            "q" | "quit" | "exit" => Key::Quit,
            "?" | "h" | "help" => Key::Help,
            _ => {
                return Err(format!(
                    "unknown command {}: {KEY_HINT}",
                    crate::config::knob::quoted(t)
                ));
            }
        };
        Ok(Some(key))
    }
}

/// A case as the diff knows it across runs: its page and id.
pub type CaseKey = (String, String);

fn key(case: &Case) -> CaseKey {
    (case.page.clone(), case.id.clone())
}

/// What one case came to in the last run.
#[derive(Debug, Clone)]
pub struct Kept {
    pub result: CaseResult,
    pub id: String,
    pub page: String,
    pub line: usize,
}

/// What the last run left: every case's last result.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    cases: HashMap<CaseKey, Kept>,
}

impl Previous {
    /// The results of a finished run (`results[i].index` points into `cases`).
    pub fn of(cases: &[Case], results: &[CaseResult]) -> Previous {
        let cases = results
            .iter()
            .filter_map(|r| {
                let c = cases.get(r.index)?;
                Some((
                    key(c),
                    Kept {
                        result: r.clone(),
                        id: c.id.clone(),
                        page: c.page.clone(),
                        line: c.line(),
                    },
                ))
            })
            .collect();
        Previous { cases }
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    pub fn get(&self, case: &Case) -> Option<&Kept> {
        self.cases.get(&key(case))
    }

    /// Whether this case failed last time.
    pub fn failed(&self, case: &Case) -> bool {
        self.get(case)
            .is_some_and(|k| k.result.verdict == Verdict::Fail)
    }

    /// How many cases failed last time.
    pub fn failing(&self) -> usize {
        self.cases
            .values()
            .filter(|k| k.result.verdict == Verdict::Fail)
            .count()
    }
}

/// The cases a run sends: the `wanted` ones, and every case the last run
/// left no result for (a page added, a case renamed), in case order.
pub fn to_run(previous: &Previous, cases: &[Case], wanted: impl Fn(usize) -> bool) -> Vec<usize> {
    (0..cases.len())
        .filter(|&i| wanted(i) || previous.get(&cases[i]).is_none())
        .collect()
}

/// Every case's result over the whole selection: the fresh one where the
/// case ran, else its last one (its index pointed at `cases`). A case with
/// neither is left out ([`to_run`] runs every such case).
pub fn merge(previous: &Previous, cases: &[Case], fresh: Vec<CaseResult>) -> Vec<CaseResult> {
    let mut by_index: Vec<Option<CaseResult>> = vec![None; cases.len()];
    for r in fresh {
        if r.index < by_index.len() {
            let i = r.index;
            by_index[i] = Some(r);
        }
    }
    by_index
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.or_else(|| {
                let mut r = previous.get(&cases[i])?.result.clone();
                r.index = i;
                Some(r)
            })
        })
        .collect()
}

/// What changed between the last run and this one, as indices into the
/// new results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Failing now, not failing (or not there) before.
    pub newly_failing: Vec<usize>,
    /// Failing before, not now.
    pub fixed: Vec<usize>,
    /// Failing before and now (re-run or kept).
    pub still_failing: Vec<usize>,
    /// There before, gone now (their page removed, or no longer selected):
    /// `(id, page, line)`, in page and line order.
    pub dropped: Vec<(String, String, usize)>,
}

impl Changes {
    /// Nothing moved.
    pub fn is_empty(&self) -> bool {
        self.newly_failing.is_empty() && self.fixed.is_empty() && self.dropped.is_empty()
    }
}

/// What changed from `previous` to `results` (over `cases`).
pub fn changes(previous: &Previous, cases: &[Case], results: &[CaseResult]) -> Changes {
    let mut out = Changes::default();
    let mut present = HashSet::new();
    for (at, r) in results.iter().enumerate() {
        let Some(case) = cases.get(r.index) else {
            continue;
        };
        present.insert(key(case));
        let now = r.verdict == Verdict::Fail;
        match (previous.failed(case), now) {
            (false, true) => out.newly_failing.push(at),
            (true, false) => out.fixed.push(at),
            (true, true) => out.still_failing.push(at),
            (false, false) => {}
        }
    }
    for c in cases {
        present.insert(key(c));
    }
    let mut dropped: Vec<&Kept> = previous
        .cases
        .iter()
        .filter(|(k, _)| !present.contains(*k))
        .map(|(_, v)| v)
        .collect();
    dropped.sort_by(|a, b| (&a.page, a.line, &a.id).cmp(&(&b.page, b.line, &b.id)));
    out.dropped = dropped
        .into_iter()
        .map(|k| (k.id.clone(), k.page.clone(), k.line))
        .collect();
    out
}

/// What a run's header says: its number, why it runs, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub run: usize,
    /// `user-get.md changed`, `r: every case`, `target answers again`.
    pub why: String,
    /// The local time, `12:04:31`.
    pub clock: String,
}

impl Header {
    /// `── run 3 · user-get.md changed · 12:04:31 ──`
    pub fn line(&self) -> String {
        format!(
            "── run {} · {} · {} ──",
            self.run,
            visible(&self.why),
            self.clock
        )
    }
}

/// A case named on one line: `id (page:line)`.
fn named(id: &str, page: &str, line: usize) -> String {
    format!("{} ({}:{})", visible(id), visible(page), line)
}

/// What a case is now, for a `fixed` line.
fn now_word(r: &CaseResult) -> String {
    match &r.verdict {
        Verdict::Pass if r.warnings().next().is_some() => "ok (warnings)".to_owned(),
        Verdict::Pass => "ok".to_owned(),
        Verdict::Fail => "FAILED".to_owned(),
        Verdict::KnownFailure => "known failure (baseline)".to_owned(),
        Verdict::Ignored(reason) => format!("ignored, {}", visible(&reason.to_string())),
        Verdict::NotImplemented(why) => format!("not implemented, {}", visible(why)),
    }
}

/// The screen at the end of a run: what changed since `previous` (dropped
/// cases, newly failing with their blocks, fixed, still failing), then the
/// totals over the whole selection and the key hint. `ran` is how many
/// cases this run sent.
pub fn screen_text(
    previous: &Previous,
    f: &RunFinished<'_>,
    ran: usize,
    view: View,
    color: bool,
) -> String {
    let ch = changes(previous, f.cases, f.results);
    let mut out = String::new();
    if !ch.dropped.is_empty() {
        let _ = writeln!(
            out,
            "\ndropped ({}; their page is gone or no longer selected):",
            ch.dropped.len()
        );
        for (id, page, line) in &ch.dropped {
            let _ = writeln!(out, "    {}", named(id, page, *line));
        }
    }
    if !ch.newly_failing.is_empty() {
        let _ = writeln!(out, "\nnewly failing ({}):", ch.newly_failing.len());
        for &at in &ch.newly_failing {
            let r = &f.results[at];
            let case = &f.cases[r.index];
            let _ = writeln!(
                out,
                "\n---- {} ----",
                paint(&visible(&case.id), Tone::Bad, color)
            );
            out.push_str(&failure_text(case, r, color, view));
        }
    }
    if !ch.fixed.is_empty() {
        let _ = writeln!(out, "\nfixed ({}):", ch.fixed.len());
        for &at in &ch.fixed {
            let r = &f.results[at];
            let case = &f.cases[r.index];
            let _ = writeln!(
                out,
                "    {}: {}",
                named(&case.id, &case.page, case.line()),
                paint(&now_word(r), Tone::Good, color)
            );
        }
    }
    if !ch.still_failing.is_empty() {
        let _ = writeln!(out, "\nstill failing ({}):", ch.still_failing.len());
        for &at in ch.still_failing.iter().take(MAX_STILL_LINES) {
            let r = &f.results[at];
            let case = &f.cases[r.index];
            let why = report::first_finding(r)
                .map(|x| x.to_string())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    {}: {}",
                named(&case.id, &case.page, case.line()),
                paint(&visible(&why), Tone::Bad, color)
            );
        }
        if ch.still_failing.len() > MAX_STILL_LINES {
            let _ = writeln!(
                out,
                "    … {} more still failing",
                ch.still_failing.len() - MAX_STILL_LINES
            );
        }
    }
    if ch.is_empty() && !previous.is_empty() {
        out.push_str("\nnothing changed since the last run\n");
    }
    out.push('\n');
    out.push_str(&totals_line(f, ran, color));
    out.push('\n');
    if let Some(short) = f.coverage.shortfall() {
        let _ = writeln!(out, "  {}", paint(&short, Tone::Bad, color));
    }
    let _ = writeln!(out, "{KEY_HINT}");
    out
}

/// `FAILED. 10 passed; 2 failed; 0 ignored; 1 warning (the whole selection:
/// 12 cases; 3 run now in 0.42s)`
pub fn totals_line(f: &RunFinished<'_>, ran: usize, color: bool) -> String {
    let t = f.totals;
    let verdict = if f.failed() {
        paint("FAILED", Tone::Bad, color)
    } else {
        paint("ok", Tone::Good, color)
    };
    let mut out = format!(
        "{verdict}. {} passed; {} failed; {} ignored",
        t.passed,
        t.failed,
        t.ignored_total()
    );
    if t.not_implemented > 0 {
        let _ = write!(out, "; {} not implemented", t.not_implemented);
    }
    let _ = write!(
        out,
        "; {}",
        report::count(t.warnings, "warning", "warnings")
    );
    if t.known_failures > 0 {
        let _ = write!(
            out,
            "; {}",
            report::count(t.known_failures, "known failure", "known failures")
        );
    }
    let _ = write!(
        out,
        " (the whole selection: {}; {} run now in {:.2}s)",
        report::count(f.results.len(), "case", "cases"),
        report::thousands(ran),
        f.elapsed.as_secs_f64()
    );
    out
}

/// One run's screen, as a listener: the header when the run starts, what
/// changed and the totals when it finishes ([`screen_text`]), warnings as
/// they come. It decides nothing.
pub struct Screen<W: Write + Send> {
    out: Redacting<W>,
    header: Header,
    previous: Arc<Previous>,
    view: View,
    color: bool,
    ran: usize,
}

impl<W: Write + Send> Screen<W> {
    pub fn new(
        out: Redacting<W>,
        header: Header,
        previous: Arc<Previous>,
        view: View,
        color: bool,
    ) -> Self {
        Screen {
            out,
            header,
            previous,
            view,
            color,
            ran: 0,
        }
    }

    fn out(&mut self, text: &str) {
        // A closed pipe ends the output quietly.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

impl<W: Write + Send> Listener for Screen<W> {
    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::RunStarted(s) => {
                let text = format!(
                    "\n{}\nrunning {} of {} ({})\n",
                    self.header.line(),
                    report::thousands(s.selected),
                    report::count(s.cases.len(), "case", "cases"),
                    visible(s.target)
                );
                self.out(&text);
            }
            Event::CaseStarted { .. } => {}
            Event::CaseFinished { .. } => self.ran += 1,
            Event::Warning(w) => {
                let line = format!("graph-contract: warning: {}\n", visible(w));
                self.out(&line);
            }
            Event::RunFinished(f) => {
                let text = screen_text(&self.previous, f, self.ran, self.view, self.color);
                self.out(&text);
            }
        }
    }

    fn done(&mut self) -> Result<(), crate::error::Error> {
        let _ = self.out.flush();
        Ok(())
    }
}

/// A path the pages were given as (a folder or a page).
#[derive(Debug, Clone)]
pub struct Root {
    /// As given: display paths start with it.
    pub given: PathBuf,
    /// Canonical, as a file watcher reports paths under it.
    pub canon: PathBuf,
    pub is_dir: bool,
}

/// One page and its selected cases.
#[derive(Debug, Clone)]
struct Page {
    root: usize,
    /// The page id (path under its root, no `.md`).
    id: String,
    /// The path under the canonical root: what a file watcher reports.
    file: PathBuf,
    /// As displayed (the given root joined with the path under it).
    display: String,
    cases: Vec<Case>,
}

/// What one page did in an [`Pages::update`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageChange {
    /// A new page: its selected cases.
    Added { page: String, cases: usize },
    /// Read again: its selected cases now.
    Changed { page: String, cases: usize },
    /// Gone: the cases it had.
    Removed { page: String, cases: usize },
    /// Could not be read: its last cases are kept.
    Unreadable { page: String, error: String },
}

impl PageChange {
    pub fn page(&self) -> &str {
        match self {
            PageChange::Added { page, .. }
            | PageChange::Changed { page, .. }
            | PageChange::Removed { page, .. }
            | PageChange::Unreadable { page, .. } => page,
        }
    }

    /// Whether its cases are to run.
    pub fn reruns(&self) -> bool {
        matches!(self, PageChange::Added { .. } | PageChange::Changed { .. })
    }
}

/// Why a run after these page changes runs, for its header:
/// `user-get.md changed`, `a.md added, b.md removed`, `4 pages changed`.
pub fn why(changes: &[PageChange]) -> String {
    let name = |p: &str| {
        Path::new(p)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.to_owned())
    };
    let mut parts: Vec<String> = Vec::new();
    for (word, list) in [
        (
            "changed",
            changes
                .iter()
                .filter(|c| matches!(c, PageChange::Changed { .. }))
                .collect::<Vec<_>>(),
        ),
        (
            "added",
            changes
                .iter()
                .filter(|c| matches!(c, PageChange::Added { .. }))
                .collect(),
        ),
        (
            "removed",
            changes
                .iter()
                .filter(|c| matches!(c, PageChange::Removed { .. }))
                .collect(),
        ),
    ] {
        match list.len() {
            0 => {}
            1..=2 => parts.push(format!(
                "{} {word}",
                list.iter()
                    .map(|c| name(c.page()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            n => parts.push(format!("{n} pages {word}")),
        }
    }
    if parts.is_empty() {
        "pages changed".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The watched pages and their selected cases, kept up to date from file
/// events.
#[derive(Debug, Clone)]
pub struct Pages {
    roots: Vec<Root>,
    /// The paths as given (for the selection's `--changed-since`).
    given: Vec<PathBuf>,
    selection: Selection,
    /// In root order, then by page id, as the reader orders them.
    pages: Vec<Page>,
}

impl Pages {
    /// The pages behind `cases` (the selected cases of a first read of
    /// `roots`); pages without a selected case are found when they change.
    pub fn new(roots: &[PathBuf], selection: Selection, cases: Vec<Case>) -> Pages {
        let roots: Vec<Root> = roots
            .iter()
            .map(|p| Root {
                given: p.clone(),
                canon: std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()),
                is_dir: p.is_dir(),
            })
            .collect();
        let mut pages = Pages {
            roots,
            given: Vec::new(),
            selection,
            pages: Vec::new(),
        };
        pages.given = pages.roots.iter().map(|r| r.given.clone()).collect();
        for c in cases {
            let at = match pages.pages.iter().position(|p| p.display == c.page) {
                Some(at) => at,
                None => {
                    let (root, file) = pages.place(&c.page);
                    pages.pages.push(Page {
                        root,
                        id: c.page_id.clone(),
                        file,
                        display: c.page.clone(),
                        cases: Vec::new(),
                    });
                    pages.pages.len() - 1
                }
            };
            pages.pages[at].cases.push(c);
        }
        pages.sort();
        pages
    }

    /// The root a displayed page was read under, and its file as a watcher
    /// reports it.
    fn place(&self, display: &str) -> (usize, PathBuf) {
        let shown = Path::new(display);
        for (i, r) in self.roots.iter().enumerate() {
            if r.is_dir {
                if let Ok(rel) = shown.strip_prefix(&r.given) {
                    return (i, r.canon.join(rel));
                }
            } else if shown == r.given {
                return (i, r.canon.clone());
            }
        }
        let canon = std::fs::canonicalize(shown).unwrap_or_else(|_| shown.to_path_buf());
        let root = self
            .roots
            .iter()
            .position(|r| canon.starts_with(&r.canon))
            .unwrap_or(0);
        (root, canon)
    }

    fn sort(&mut self) {
        self.pages
            .sort_by(|a, b| (a.root, &a.id, &a.file).cmp(&(b.root, &b.id, &b.file)));
    }

    /// What to watch: each folder root (recursively), and for a page root
    /// its folder (editors replace a file by renaming another onto it).
    pub fn watched(&self) -> Vec<(PathBuf, bool)> {
        let mut out: Vec<(PathBuf, bool)> = Vec::new();
        for r in &self.roots {
            let w = if r.is_dir {
                (r.canon.clone(), true)
            } else {
                let dir = r
                    .canon
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."));
                (dir, false)
            };
            if !out.contains(&w) {
                out.push(w);
            }
        }
        out
    }

    /// Every selected case, in page order.
    pub fn cases(&self) -> Vec<Case> {
        self.pages.iter().flat_map(|p| p.cases.clone()).collect()
    }

    /// The root a watcher's path is under (the first that holds it).
    fn root_of(&self, path: &Path) -> Option<usize> {
        self.roots.iter().position(|r| {
            if r.is_dir {
                path.starts_with(&r.canon) && path != r.canon
            } else {
                path == r.canon
            }
        })
    }

    /// Read again what these paths (as a watcher reports them) touch:
    /// pages changed, added or removed (a folder: every page under it).
    /// Reading errors are said, never fatal.
    pub fn update(&mut self, paths: &[PathBuf]) -> Vec<PageChange> {
        // Every page file touched, once, in order.
        let mut files: Vec<PathBuf> = Vec::new();
        let add = |f: PathBuf, files: &mut Vec<PathBuf>| {
            if !files.contains(&f) {
                files.push(f);
            }
        };
        for path in paths {
            if self.root_of(path).is_none() {
                continue;
            }
            for p in self.pages.iter().filter(|p| p.file.starts_with(path)) {
                add(p.file.clone(), &mut files);
            }
            match std::fs::metadata(path) {
                Ok(m) if m.is_dir() => {
                    let mut found = Vec::new();
                    walk_pages(path, &mut found, 0);
                    for f in found {
                        add(f, &mut files);
                    }
                }
                _ if is_page_file(path, &self.roots) => add(path.clone(), &mut files),
                _ => {}
            }
        }
        files.sort();
        let mut out = Vec::new();
        for file in files {
            if let Some(change) = self.reread(&file) {
                out.push(change);
            }
        }
        self.sort();
        out
    }

    /// Read one page file again; `None` when nothing is to be said (a file
    /// that is not a page, gone and never read).
    fn reread(&mut self, file: &Path) -> Option<PageChange> {
        let root = self.root_of(file)?;
        let known = self.pages.iter().position(|p| p.file == file);
        // A page already read under another path (through a link into the
        // tree) is that page: not a second copy of its cases.
        if known.is_none()
            && let Ok(real) = std::fs::canonicalize(file)
            && self
                .pages
                .iter()
                .any(|p| std::fs::canonicalize(&p.file).is_ok_and(|r| r == real))
        {
            return None;
        }
        let (id, display) = page_names(&self.roots[root], file)?;
        if !file.is_file() {
            let at = known?;
            let gone = self.pages.remove(at);
            return Some(PageChange::Removed {
                page: gone.display,
                cases: gone.cases.len(),
            });
        }
        let text = match std::fs::read(file) {
            Err(e) => Err(e.to_string()),
            Ok(bytes) => String::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}")),
        };
        let text = match text {
            Ok(t) => t,
            Err(error) => {
                return Some(PageChange::Unreadable {
                    page: display,
                    error,
                });
            }
        };
        let (cases, diagnostics) = crate::docs::read_page(&display, &id, &text);
        // An example that cannot be read (a save halfway through an edit,
        // a mistyped request line): said, and the page's last cases kept
        // until it reads again, rather than a case silently gone.
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.severity == crate::model::Severity::Error)
            .map(|d| d.to_string())
            .collect();
        if !errors.is_empty() && known.is_some() {
            return Some(PageChange::Unreadable {
                page: display,
                error: errors.join("; "),
            });
        }
        // A page whose cases the selection leaves out has none selected
        // (the selection's error is for a whole run, not one page).
        let cases = if cases.is_empty() {
            cases
        } else {
            select::select(cases, &self.selection, &self.given).unwrap_or_default()
        };
        let n = cases.len();
        match known {
            Some(at) => {
                self.pages[at].cases = cases;
                Some(PageChange::Changed {
                    page: display,
                    cases: n,
                })
            }
            None => {
                self.pages.push(Page {
                    root,
                    id,
                    file: file.to_path_buf(),
                    display: display.clone(),
                    cases,
                });
                Some(PageChange::Added {
                    page: display,
                    cases: n,
                })
            }
        }
    }
}

/// Whether a path is a page: a `.md` file, or a page given as a root
/// whatever its name.
fn is_page_file(path: &Path, roots: &[Root]) -> bool {
    path.extension().is_some_and(|e| e == "md")
        || roots.iter().any(|r| !r.is_dir && r.canon == path)
}

/// A page file's id and display path under its root, as the reader names
/// them (`docs::read_paths`); `None` for a file that is no page.
fn page_names(root: &Root, file: &Path) -> Option<(String, String)> {
    if !root.is_dir {
        let id = root.given.file_stem()?.to_string_lossy().into_owned();
        return Some((id, root.given.to_string_lossy().into_owned()));
    }
    if file.extension().is_none_or(|e| e != "md") {
        return None;
    }
    let rel = file.strip_prefix(&root.canon).ok()?;
    let id = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    Some((id, root.given.join(rel).to_string_lossy().into_owned()))
}

/// The `.md` files under a folder (bounded depth: a link loop ends).
fn walk_pages(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let mut seen = std::collections::HashSet::new();
    walk_pages_once(dir, out, depth, &mut seen);
}

/// [`walk_pages`], each folder entered once by its real path: a link back
/// up the tree (`ln -s .. loop`) neither multiplies the pages nor makes
/// the walk exponential.
fn walk_pages_once(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    depth: usize,
    seen: &mut std::collections::HashSet<PathBuf>,
) {
    if depth > 64 {
        return;
    }
    let Ok(real) = std::fs::canonicalize(dir) else {
        return;
    };
    if !seen.insert(real) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk_pages_once(&path, out, depth + 1, seen);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// The address to probe for a target URL: `host:port` (the scheme's
/// port when none is given); `None` when the URL names no host.
pub fn probe_address(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    // An IPv6 literal keeps its brackets (`[::1]:8080`).
    Some(format!("{host}:{port}"))
}

/// Why a probe failed, in a few words: `connection refused`.
pub fn probe_error(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused".to_owned(),
        K::ConnectionReset => "connection reset".to_owned(),
        K::TimedOut | K::WouldBlock => "no answer within a second".to_owned(),
        _ => e.to_string(),
    }
}

/// The line said once when the target stops answering.
pub fn not_answering(target: &str, why: &str) -> String {
    format!("target {target} is not answering ({why}): waiting; re-running when it answers")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Actual, Finding, FindingKind, IgnoreReason, Severity};
    use crate::run::coverage::{Coverage, paths};
    use crate::run::{RunFinished, Totals};
    use std::time::Duration;

    const PAGE: &str = r#"
<!-- { "blockType": "request", "name": "a" } -->
```http
GET https://graph.microsoft.com/v1.0/me
```
<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
```
<!-- { "blockType": "request", "name": "b" } -->
```http
GET https://graph.microsoft.com/v1.0/groups
```
<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
```
<!-- { "blockType": "request", "name": "c" } -->
```http
GET https://graph.microsoft.com/v1.0/sites
```
<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
```
"#;

    fn cases() -> Vec<Case> {
        crate::read_page("p.md", "p", PAGE).0
    }

    fn missing(pointer: &str) -> Finding {
        Finding {
            pointer: pointer.into(),
            kind: FindingKind::Missing,
            severity: Severity::Error,
            message: "missing (documented string)".into(),
            documented: Some("string".into()),
            actual: None,
        }
    }

    fn result(index: usize, verdict: &str) -> CaseResult {
        let (verdict, findings) = match verdict {
            "pass" => (Verdict::Pass, vec![]),
            "fail" => (Verdict::Fail, vec![missing("/mail")]),
            "known" => (Verdict::KnownFailure, vec![missing("/mail")]),
            "ignored" => (Verdict::Ignored(IgnoreReason::NoResponse), vec![]),
            other => panic!("{other}"),
        };
        CaseResult {
            index,
            verdict,
            findings,
            duration: Duration::ZERO,
            sent: None,
            actual: Some(Actual {
                status: 200,
                ..Actual::default()
            }),
        }
    }

    /// The diff, one case at a time: (before, now, where it lands).
    /// `-` before: the case was not there (first run, page added).
    #[test]
    fn changes_table() {
        let rows: &[(&str, &str, &str)] = &[
            ("-", "pass", ""),
            ("-", "fail", "newly failing"),
            ("pass", "pass", ""),
            ("pass", "fail", "newly failing"),
            ("fail", "fail", "still failing"),
            ("fail", "pass", "fixed"),
            ("fail", "ignored", "fixed"),
            ("fail", "known", "fixed"),
            ("known", "fail", "newly failing"),
            ("known", "known", ""),
            ("ignored", "fail", "newly failing"),
        ];
        let cases = cases();
        for (before, now, want) in rows {
            let previous = if *before == "-" {
                Previous::default()
            } else {
                Previous::of(&cases, &[result(0, before)])
            };
            let ch = changes(&previous, &cases, &[result(0, now)]);
            let got = if ch.newly_failing == [0] {
                "newly failing"
            } else if ch.fixed == [0] {
                "fixed"
            } else if ch.still_failing == [0] {
                "still failing"
            } else {
                ""
            };
            assert_eq!(got, *want, "{before} → {now}: {ch:?}");
            assert!(ch.dropped.is_empty());
        }
    }

    /// A case of the last run that is gone (its page removed) is dropped;
    /// one renamed is dropped and its new name newly there.
    #[test]
    fn dropped_cases() {
        let cases = cases();
        let previous = Previous::of(
            &cases,
            &[result(0, "fail"), result(1, "pass"), result(2, "pass")],
        );
        let now: Vec<Case> = cases[1..].to_vec();
        let results = vec![result(0, "pass"), result(1, "pass")];
        let ch = changes(&previous, &now, &results);
        assert_eq!(ch.dropped, vec![("p::a".into(), "p.md".into(), 4)]);
        assert!(ch.newly_failing.is_empty() && ch.fixed.is_empty());
    }

    /// Cases not re-run keep their last result, at their new index; a case
    /// with no last result is always run.
    #[test]
    fn merge_and_to_run() {
        let cases = cases();
        let previous = Previous::of(&cases, &[result(0, "fail"), result(1, "pass")]);
        // The page re-read: `c` is new, `a` and `b` kept.
        assert_eq!(to_run(&previous, &cases, |i| i == 1), vec![1, 2]);
        assert_eq!(to_run(&previous, &cases, |_| false), vec![2]);
        let shifted: Vec<Case> = vec![cases[2].clone(), cases[0].clone(), cases[1].clone()];
        let merged = merge(&previous, &shifted, vec![result(0, "pass")]);
        let got: Vec<(usize, &str)> = merged.iter().map(|r| (r.index, r.verdict.word())).collect();
        assert_eq!(got, vec![(0, "pass"), (1, "fail"), (2, "pass")]);
        // The failing ones, for `f`.
        assert!(previous.failed(&cases[0]) && !previous.failed(&cases[1]));
        assert_eq!(previous.failing(), 1);
    }

    fn finished_text(previous: &Previous, cases: &[Case], results: &[CaseResult]) -> String {
        let totals = Totals::of(results);
        let coverage = Coverage::of(
            cases,
            results,
            &paths(cases, |_| crate::run::coverage::Against::Nothing),
            None,
            None,
        );
        let f = RunFinished {
            cases,
            results,
            totals: &totals,
            fixed: &[],
            enforced: &[],
            elapsed: Duration::ZERO,
            earlier_failures: 0,
            coverage: &coverage,
        };
        screen_text(previous, &f, 1, View::Folded, false)
    }

    /// A run's screen: a new failure in full, a fix and a still failing
    /// case one line each, the totals over the whole selection.
    #[test]
    fn screen_snapshot() {
        let cases = cases();
        let previous = Previous::of(
            &cases,
            &[result(0, "pass"), result(1, "fail"), result(2, "fail")],
        );
        let results = vec![result(0, "fail"), result(1, "pass"), result(2, "fail")];
        let got = finished_text(&previous, &cases, &results);
        let want = "
newly failing (1):

---- p::a ----
  example: p.md:4
  error: /mail: missing (documented string)

fixed (1):
    p::b (p.md:12): ok

still failing (1):
    p::c (p.md:20): error: /mail: missing (documented string)

FAILED. 1 passed; 2 failed; 0 ignored; 0 warnings (the whole selection: 3 cases; 1 run now in 0.00s)
r all · f failing · q quit · ? help
";
        if got != want {
            panic!(
                "{}",
                similar::TextDiff::from_lines(want, &got).unified_diff()
            );
        }
        // The same results again: nothing moved.
        let again = finished_text(&Previous::of(&cases, &results), &cases, &results);
        assert!(
            again.contains("nothing changed since the last run"),
            "{again}"
        );
        assert!(!again.contains("newly failing"), "{again}");
        assert!(again.contains("still failing (2)"), "{again}");
    }

    #[test]
    fn header_line() {
        let h = Header {
            run: 3,
            why: "user-get.md changed".into(),
            clock: "12:04:31".into(),
        };
        assert_eq!(h.line(), "── run 3 · user-get.md changed · 12:04:31 ──");
    }

    /// Keys on a terminal and lines on a pipe.
    #[test]
    fn keys_table() {
        let bytes: &[(u8, Option<Key>)] = &[
            (b'r', Some(Key::All)),
            (b'f', Some(Key::Failing)),
            (b'q', Some(Key::Quit)),
            (0x04, Some(Key::Quit)),
            (b'?', Some(Key::Help)),
            (b'h', Some(Key::Help)),
            (b'\n', None),
            (b'x', None),
        ];
        for (b, want) in bytes {
            assert_eq!(Key::of_byte(*b), *want, "{b}");
        }
        let lines: &[(&str, Result<Option<Key>, ()>)] = &[
            ("r\n", Ok(Some(Key::All))),
            ("  f  \n", Ok(Some(Key::Failing))),
            ("q", Ok(Some(Key::Quit))),
            ("help\n", Ok(Some(Key::Help))),
            ("\n", Ok(None)),
            ("rr\n", Err(())),
        ];
        for (line, want) in lines {
            assert_eq!(Key::of_line(line).map_err(|_| ()), *want, "{line:?}");
        }
    }

    #[test]
    fn why_table() {
        let c = |p: &str| PageChange::Changed {
            page: format!("docs/{p}"),
            cases: 1,
        };
        let rows: Vec<(Vec<PageChange>, &str)> = vec![
            (vec![c("user-get.md")], "user-get.md changed"),
            (vec![c("a.md"), c("b.md")], "a.md, b.md changed"),
            (vec![c("a.md"), c("b.md"), c("c.md")], "3 pages changed"),
            (
                vec![
                    PageChange::Added {
                        page: "docs/n.md".into(),
                        cases: 2,
                    },
                    PageChange::Removed {
                        page: "docs/o.md".into(),
                        cases: 1,
                    },
                ],
                "n.md added, o.md removed",
            ),
        ];
        for (changes, want) in rows {
            assert_eq!(why(&changes), want);
        }
    }

    #[test]
    fn probe_addresses() {
        let rows: &[(&str, Option<&str>)] = &[
            ("http://127.0.0.1:8080/", Some("127.0.0.1:8080")),
            ("http://localhost/base", Some("localhost:80")),
            ("https://example.test", Some("example.test:443")),
            ("http://[::1]:9000", Some("[::1]:9000")),
        ];
        for (url, want) in rows {
            let u = url::Url::parse(url).unwrap();
            assert_eq!(probe_address(&u).as_deref(), *want, "{url}");
        }
    }

    /// A folder of pages: an edit re-reads its page (same id, display path
    /// under the root as given), a new page is added, a removed one drops
    /// its cases, an unreadable one keeps them.
    #[test]
    fn pages_follow_the_folder() {
        let dir = std::env::temp_dir().join(format!("gc-watch-pages-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let one = PAGE
            .split("<!-- { \"blockType\": \"request\", \"name\": \"b\"")
            .next()
            .unwrap();
        std::fs::write(dir.join("sub/x.md"), one).unwrap();
        let corpus = crate::docs::read_paths(&[dir.as_path()]);
        assert_eq!(corpus.cases.len(), 1);
        let mut pages = Pages::new(
            std::slice::from_ref(&dir),
            Selection::default(),
            corpus.cases.clone(),
        );
        let canon = std::fs::canonicalize(&dir).unwrap();
        assert_eq!(pages.watched(), vec![(canon.clone(), true)]);
        // Edit: three cases now, ids as the reader gives them.
        std::fs::write(dir.join("sub/x.md"), PAGE).unwrap();
        let ch = pages.update(&[canon.join("sub/x.md")]);
        let display = dir.join("sub/x.md").to_string_lossy().into_owned();
        assert_eq!(
            ch,
            vec![PageChange::Changed {
                page: display.clone(),
                cases: 3
            }]
        );
        let ids: Vec<String> = pages.cases().iter().map(|c| c.id.clone()).collect();
        assert_eq!(ids, ["sub/x::a", "sub/x::b", "sub/x::c"]);
        assert_eq!(pages.cases()[0].page, corpus.cases[0].page);
        // Added, and a file that is not a page.
        std::fs::write(dir.join("a.md"), one).unwrap();
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        let ch = pages.update(&[canon.join("a.md"), canon.join("notes.txt")]);
        assert!(
            matches!(&ch[..], [PageChange::Added { cases: 1, .. }]),
            "{ch:?}"
        );
        assert_eq!(pages.cases()[0].id, "a::a", "page order");
        // Unreadable: kept.
        std::fs::write(dir.join("a.md"), [0xff, 0xfe]).unwrap();
        let ch = pages.update(&[canon.join("a.md")]);
        assert!(matches!(&ch[..], [PageChange::Unreadable { .. }]), "{ch:?}");
        assert_eq!(pages.cases().len(), 4);
        // A folder removed: its pages dropped.
        std::fs::remove_dir_all(dir.join("sub")).unwrap();
        let ch = pages.update(&[canon.join("sub")]);
        assert_eq!(
            ch,
            vec![PageChange::Removed {
                page: display,
                cases: 3
            }]
        );
        assert_eq!(pages.cases().len(), 1);
        // A path outside every root: nothing.
        assert!(pages.update(&[PathBuf::from("/elsewhere/y.md")]).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The selection applies to a page read again; a page it leaves empty
    /// has no case (no error).
    #[test]
    fn selection_applies_to_a_page_read_again() {
        let dir = std::env::temp_dir().join(format!("gc-watch-sel-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let page = dir.join("p.md");
        std::fs::write(&page, PAGE).unwrap();
        let sel = Selection {
            filter: vec!["/groups".into()],
            ..Selection::default()
        };
        let mut pages = Pages::new(std::slice::from_ref(&page), sel.clone(), Vec::new());
        let canon = std::fs::canonicalize(&page).unwrap();
        let ch = pages.update(std::slice::from_ref(&canon));
        assert!(
            matches!(&ch[..], [PageChange::Added { cases: 1, .. }]),
            "{ch:?}"
        );
        assert_eq!(pages.cases()[0].id, "p::b");
        std::fs::write(&page, PAGE.replace("/groups", "/teams")).unwrap();
        let ch = pages.update(&[canon]);
        assert!(
            matches!(&ch[..], [PageChange::Changed { cases: 0, .. }]),
            "{ch:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
