//! Errors that say where: a kind, a message, a location (file, line,
//! column, span) and a hint, shown in one line ([`Display`]) or rendered
//! rustc/hurl-style with the offending line and a caret ([`Error::render`]):
//!
//! ```text
//! error: the annotation is not JSON: expected `,` or `}`
//!   --> specs/user-get.md:12:31
//!    |
//! 12 | <!-- { "blockType": "request" "name": "x" } -->
//!    |                               ^
//!    = hint: ...
//! ```
//!
//! The reader's [`Diagnostic`]s render through the same function
//! ([`Diagnostic::render`]), with their kind in the header
//! (`warning[annotation-json]: ...`). The exit codes of both faces are named
//! in [`exit`].
//!
//! Decisions, and why:
//! - **One type, a kind enum, text for the rest.** Callers branch on
//!   [`ErrorKind`] (which exit code, whether the file may be shown); the
//!   message is for a human. `From<Error> for String` and `Display` keep
//!   every caller that passes errors on as text (`?` into `String`, or into
//!   a `From<T: Display>` type) compiling unchanged.
//! - **`Display` is one line**, `file:line:col: message` (the form editors
//!   and `grep` understand, and what tests and users already parse), plus
//!   ` (hint: ...)` when there is one. [`Error::render`] is the long form.
//! - **Columns count characters** (1-based), not bytes and not terminal
//!   cells: every producer can compute them the same way, and a multi-byte
//!   character before the column moves nothing. East Asian wide characters
//!   count as one cell in the caret line (no width table: it would be a
//!   dependency for a rare case); the caret may sit a little left on such
//!   lines.
//! - **Text from a file never reaches a terminal raw**: the source line,
//!   the message, the hint and the file name pass
//!   [`crate::report::visible`] (control characters and bidirectional
//!   overrides as escapes); tabs become spaces up to the next multiple of
//!   [`TAB_WIDTH`], so the caret lines up. The caret is placed from the same
//!   expansion, escapes counted at their shown width.
//! - **Long lines are cut** to [`MAX_WIDTH`] shown cells around the column,
//!   `…` marking each cut; the work is bounded by the column, not by the
//!   line (a page can be one line of 47 MB).
//! - **A TOML file's line is never shown** ([`ErrorKind::Toml`]), whatever
//!   source the caller passes: vars and scenarios files hold secrets, and
//!   their errors are printed before redaction is set up. The location says
//!   where to look, and a note says why the line is missing.
//! - **Colour only when asked** (`color`), with the escapes added after the
//!   text was made visible: bold red `error`, bold yellow `warning`, a blue
//!   gutter, the caret in the severity's colour.

use crate::model::{Diagnostic, Severity};
use std::fmt::{self, Write as _};

/// The exit codes of the CLI and of the libtest harness, in one place.
pub mod exit {
    /// Everything ran and nothing failed (warnings do not fail a run unless
    /// `--deny-warnings`); `lint` found no error.
    pub const OK: u8 = 0;
    /// A case failed (or a warning under `--deny-warnings`); `lint` found
    /// an error diagnostic; `show` of a failing case.
    pub const FAILED: u8 = 1;
    /// Nothing was judged: a flag, an environment variable or a file
    /// (pages, vars, scenarios, baseline, metadata) is wrong, or the
    /// selection is empty. The harness exits with it too.
    pub const CONFIG: u8 = 2;
    /// The libtest harness (`cargo test`): a case failed. libtest's own
    /// code, so `cargo test` reports it like any failing test binary.
    pub const HARNESS_FAILED: i32 = 101;
}

/// Cells of text shown of a source line at most (the cut marks not
/// counted).
pub const MAX_WIDTH: usize = 120;

/// A tab in a source line is shown as spaces up to the next multiple of
/// this.
pub const TAB_WIDTH: usize = 4;

/// What an error is about: decides the exit code and whether the file's
/// line may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A setting is wrong: a flag, an environment variable, a value that
    /// reads but makes no sense (a scenario naming neither a case nor a
    /// page, an unknown placeholder). Exit [`exit::CONFIG`].
    Config,
    /// A documentation page cannot be used (none found, not UTF-8). The
    /// reader's recoverable findings are [`Diagnostic`]s, not errors.
    Page,
    /// A TOML file (vars, scenarios) does not read: syntax, an unknown key,
    /// a wrong type. Its line is never shown (secrets).
    Toml,
    /// A CSDL `$metadata` document does not read or does not hold together
    /// (an undeclared type, a cycle of base types).
    Csdl,
    /// A file cannot be read or written.
    Io,
    /// A bug in graph-contract: reported, never expected.
    Internal,
}

/// Where an error is: a file, a 1-based line, and when known a 1-based
/// column (in characters) and how many characters to underline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// As shown to the user; empty for a document given as text (a
    /// `$metadata` read from a service): then `line L, column C` is shown.
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: Option<usize>,
    /// Characters underlined from the column (one caret when `None`).
    pub span: Option<usize>,
}

impl Location {
    pub fn new(file: impl Into<String>, line: usize) -> Location {
        Location {
            file: file.into(),
            line,
            column: None,
            span: None,
        }
    }

    /// With a 1-based column (in characters).
    pub fn col(mut self, column: usize) -> Location {
        self.column = Some(column);
        self
    }

    /// Underlining `chars` characters from the column.
    pub fn spanning(mut self, chars: usize) -> Location {
        self.span = Some(chars);
        self
    }

    /// The location of byte `offset` of `text` (taken back to the start of
    /// its character, so any offset is safe): line and column.
    pub fn of_offset(file: impl Into<String>, text: &str, offset: usize) -> Location {
        let (line, column) = line_col(text, offset);
        Location::new(file, line).col(column)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.file.is_empty(), self.column) {
            (false, Some(c)) => write!(f, "{}:{}:{c}", self.file, self.line),
            (false, None) => write!(f, "{}:{}", self.file, self.line),
            (true, Some(c)) => write!(f, "line {}, column {c}", self.line),
            (true, None) => write!(f, "line {}", self.line),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset, taken back to
/// the start of its character.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

/// An error for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// `Error` unless made a warning ([`Error::warning`]): the header word.
    pub severity: Severity,
    /// One line, for a human; no location in it.
    pub message: String,
    pub location: Option<Location>,
    /// What to do about it, one line.
    pub hint: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            severity: Severity::Error,
            message: message.into(),
            location: None,
            hint: None,
        }
    }
    pub fn config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config, message)
    }
    /// The error with every secret of the run taken out of its text (an
    /// error raised once the secrets are known may quote anything).
    pub fn redacted(mut self, redactor: &crate::redact::Redactor) -> Error {
        self.message = redactor.apply(&self.message);
        if let Some(h) = &mut self.hint {
            *h = redactor.apply(h);
        }
        self
    }
    pub fn page(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Page, message)
    }
    pub fn toml(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Toml, message)
    }
    pub fn csdl(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Csdl, message)
    }
    pub fn io(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Io, message)
    }
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
    }

    /// At a location.
    pub fn at(mut self, location: Location) -> Error {
        self.location = Some(location);
        self
    }

    /// With a hint (what to do about it).
    pub fn hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// Shown as a warning.
    pub fn warning(mut self) -> Error {
        self.severity = Severity::Warning;
        self
    }

    /// Name the file of the location (for an error raised on text that
    /// turns out to come from a file).
    pub fn in_file(mut self, file: impl Into<String>) -> Error {
        if let Some(l) = &mut self.location {
            l.file = file.into();
        }
        self
    }

    /// The located file, when there is one.
    pub fn file(&self) -> Option<&str> {
        self.location
            .as_ref()
            .map(|l| l.file.as_str())
            .filter(|f| !f.is_empty())
    }

    /// The 1-based line; 0 when not located.
    pub fn line(&self) -> usize {
        self.location.as_ref().map_or(0, |l| l.line)
    }

    /// The 1-based column; 0 when not known.
    pub fn column(&self) -> usize {
        self.location.as_ref().and_then(|l| l.column).unwrap_or(0)
    }

    /// The rustc-style form: header, `-->` location, the source line with a
    /// caret under the column, the hint. `source` is the whole text of the
    /// located file; without it (or when the line is not in it) only the
    /// `-->` line is shown, and never for a TOML file.
    pub fn render(&self, source: Option<&str>, color: bool) -> String {
        let line = match (self.kind, &self.location, source) {
            (ErrorKind::Toml, _, _) => None,
            (_, Some(l), Some(s)) => source_line(s, l.line),
            _ => None,
        };
        self.render_line(line, color)
    }

    /// Like [`Error::render`], reading the source line from the located
    /// file (not for a TOML file; nothing shown when it cannot be read).
    pub fn render_from_file(&self, color: bool) -> String {
        let text = match (self.kind, self.file()) {
            (ErrorKind::Toml, _) | (_, None) => None,
            (_, Some(f)) => std::fs::read(f)
                .ok()
                .and_then(|b| String::from_utf8(b).ok()),
        };
        self.render(text.as_deref(), color)
    }

    /// The rendering given the located line's text itself.
    fn render_line(&self, line: Option<&str>, color: bool) -> String {
        let note = (self.kind == ErrorKind::Toml && self.location.is_some())
            .then_some("the line is not shown: the file may hold secrets");
        render_parts(
            &Parts {
                severity: self.severity,
                code: None,
                message: &self.message,
                location: self.location.as_ref(),
                hint: self.hint.as_deref(),
                note,
            },
            line,
            color,
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.location {
            write!(f, "{l}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<Error> for String {
    fn from(e: Error) -> String {
        e.to_string()
    }
}

impl Diagnostic {
    /// Where the diagnostic points.
    pub fn location(&self) -> Location {
        Location {
            file: self.page.clone(),
            line: self.line,
            column: self.column,
            span: None,
        }
    }

    /// The rustc-style form (`warning[kind]: message`, `--> page:line:col`,
    /// the page's line, a caret under the column). `source` is the whole
    /// text of the page; without it only the `-->` line is shown.
    pub fn render(&self, source: Option<&str>, color: bool) -> String {
        self.render_line(source.and_then(|s| source_line(s, self.line)), color)
    }

    /// The rendering given the text of the diagnostic's line itself.
    pub fn render_line(&self, line: Option<&str>, color: bool) -> String {
        let location = self.location();
        render_parts(
            &Parts {
                severity: self.severity,
                code: Some(&self.kind),
                message: &self.message,
                location: Some(&location),
                hint: None,
                note: None,
            },
            line,
            color,
        )
    }
}

/// The pages diagnostics point into, read when first needed and kept one
/// at a time with an index of their lines: rendering a page's diagnostics
/// (they come grouped by page) reads it once and finds each line by binary
/// search, whatever the page's size.
#[derive(Debug, Default)]
pub struct Sources {
    /// The page held: its name, its text (`None` when it cannot be read as
    /// UTF-8) and the byte offset of each line's start.
    current: Option<(String, Option<String>, Vec<usize>)>,
}

impl Sources {
    /// Line `line` (1-based) of `file`, without its line break.
    pub fn line(&mut self, file: &str, line: usize) -> Option<&str> {
        if self.current.as_ref().is_none_or(|(f, _, _)| f != file) {
            let text = std::fs::read(file)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            let mut starts = vec![0];
            if let Some(t) = &text {
                starts.extend(t.match_indices('\n').map(|(i, _)| i + 1));
            }
            self.current = Some((file.to_owned(), text, starts));
        }
        let (_, text, starts) = self.current.as_ref()?;
        let text = text.as_deref()?;
        let start = *starts.get(line.checked_sub(1)?)?;
        let end = starts.get(line).map_or(text.len(), |&e| e - 1);
        let l = text.get(start..end)?;
        Some(l.strip_suffix('\r').unwrap_or(l))
    }

    /// [`Diagnostic::render`] with the diagnostic's page read from disk.
    pub fn render(&mut self, d: &Diagnostic, color: bool) -> String {
        let line = self.line(&d.page, d.line);
        d.render_line(line, color)
    }
}

/// Line `line` (1-based) of `text`, without its line break.
fn source_line(text: &str, line: usize) -> Option<&str> {
    let l = text.split('\n').nth(line.checked_sub(1)?)?;
    Some(l.strip_suffix('\r').unwrap_or(l))
}

/// What a rendering is made of.
struct Parts<'a> {
    severity: Severity,
    /// The diagnostic kind shown in brackets (`warning[body-json]`).
    code: Option<&'a str>,
    message: &'a str,
    location: Option<&'a Location>,
    hint: Option<&'a str>,
    note: Option<&'a str>,
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const BLUE: &str = "\x1b[1;34m";

fn paint(out: &mut String, text: &str, style: &str, color: bool) {
    if color {
        out.push_str(style);
        out.push_str(text);
        out.push_str(RESET);
    } else {
        out.push_str(text);
    }
}

/// The one renderer: every line of the result ends with `\n`.
fn render_parts(p: &Parts<'_>, line: Option<&str>, color: bool) -> String {
    use crate::report::visible;
    let (word, style) = match p.severity {
        Severity::Error => ("error", "\x1b[1;31m"),
        Severity::Warning => ("warning", "\x1b[1;33m"),
        Severity::Note => ("note", "\x1b[1;36m"),
    };
    let mut out = String::new();
    let head = match p.code {
        Some(code) => format!("{word}[{}]", visible(code)),
        None => word.to_owned(),
    };
    paint(&mut out, &head, style, color);
    paint(&mut out, &format!(": {}", visible(p.message)), BOLD, color);
    out.push('\n');
    let number = p.location.map(|l| l.line.to_string()).unwrap_or_default();
    let pad = " ".repeat(number.len().max(1));
    if let Some(l) = p.location {
        out.push_str(&pad);
        paint(&mut out, "-->", BLUE, color);
        let _ = writeln!(out, " {}", visible(&l.to_string()));
        if let Some(text) = line {
            let (shown, caret) = snippet(text, l.column, l.span);
            out.push_str(&pad);
            paint(&mut out, " |", BLUE, color);
            out.push('\n');
            paint(&mut out, &format!("{number} |"), BLUE, color);
            if !shown.is_empty() {
                out.push(' ');
                out.push_str(&shown);
            }
            out.push('\n');
            if let Some((at, width)) = caret {
                out.push_str(&pad);
                paint(&mut out, " |", BLUE, color);
                out.push(' ');
                out.push_str(&" ".repeat(at));
                paint(&mut out, &"^".repeat(width), style, color);
                out.push('\n');
            }
        }
    }
    for (label, text) in [("hint", p.hint), ("note", p.note)] {
        if let Some(text) = text {
            out.push_str(&pad);
            paint(&mut out, " =", BLUE, color);
            out.push(' ');
            paint(&mut out, &format!("{label}:"), BOLD, color);
            let _ = writeln!(out, " {}", visible(text));
        }
    }
    out
}

/// A source line as shown (tabs expanded, hidden characters escaped, cut
/// to [`MAX_WIDTH`] cells around the column) and where the caret goes in
/// it: (cells before the caret, carets). No caret without a column.
fn snippet(
    line: &str,
    column: Option<usize>,
    span: Option<usize>,
) -> (String, Option<(usize, usize)>) {
    use crate::report::visible;
    // 0-based character index of the column, and the characters to read:
    // the column's, up to MAX_WIDTH before it and MAX_WIDTH after, enough
    // to fill the window whatever is cut (every character is at least one
    // cell).
    let col = column.map(|c| c.saturating_sub(1));
    let at = col.unwrap_or(0);
    let span = span.unwrap_or(1).max(1);
    let first = at.saturating_sub(MAX_WIDTH);
    let take = (at - first)
        .saturating_add(span.min(MAX_WIDTH))
        .saturating_add(MAX_WIDTH);
    let mut chars = line.chars().skip(first);
    // Each character read becomes a piece: its text as shown, and width.
    let mut pieces: Vec<(String, usize)> = Vec::new();
    let mut cells = 0usize;
    for c in chars.by_ref().take(take) {
        let piece = if c == '\t' {
            " ".repeat(TAB_WIDTH - cells % TAB_WIDTH)
        } else {
            let mut buf = [0u8; 4];
            visible(c.encode_utf8(&mut buf)).into_owned()
        };
        let width = piece.chars().count();
        cells += width;
        pieces.push((piece, width));
    }
    let more_after = chars.next().is_some();
    // Cells before each piece, and after the last: `offset(i)` for `i` up
    // to (and clamped at) one past the end.
    let mut starts = Vec::with_capacity(pieces.len() + 1);
    starts.push(0);
    for (_, width) in &pieces {
        starts.push(starts[starts.len() - 1] + width);
    }
    let offset = |i: usize| -> usize { starts[i.min(pieces.len())] };
    let caret = col.map(|_| {
        let i = (at - first).min(pieces.len());
        let start = offset(i);
        let width = (offset(i + span) - start).max(1);
        (start, width)
    });
    // The window of pieces shown: from the start when the caret fits in
    // it, else centred on the caret.
    let (caret_start, caret_width) = caret.unwrap_or((0, 1));
    let mut lo = 0;
    if first > 0 || caret_start + caret_width.min(MAX_WIDTH / 2) > MAX_WIDTH {
        let want = caret_start.saturating_sub(MAX_WIDTH / 2);
        while lo < pieces.len() && offset(lo + 1) <= want {
            lo += 1;
        }
    }
    let base = offset(lo);
    let mut hi = lo;
    while hi < pieces.len() && offset(hi + 1) - base <= MAX_WIDTH {
        hi += 1;
    }
    let cut_before = first > 0 || lo > 0;
    let cut_after = more_after || hi < pieces.len();
    let mut shown = String::new();
    if cut_before {
        shown.push('…');
    }
    for (piece, _) in &pieces[lo..hi] {
        shown.push_str(piece);
    }
    if cut_after {
        shown.push('…');
    }
    let shift = usize::from(cut_before);
    let caret = caret.map(|(start, width)| {
        let start = start.saturating_sub(base) + shift;
        // never underline past the text shown (and its cut mark)
        let end = shown.chars().count().max(start + 1);
        (start, width.min(end - start).max(1))
    });
    (shown, caret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn located(line: usize, column: Option<usize>, span: Option<usize>) -> Error {
        let mut l = Location::new("p.md", line);
        l.column = column;
        l.span = span;
        Error::config("it is wrong").at(l)
    }

    /// (source, line, column, span, rendered text)
    type Row = (
        &'static str,
        usize,
        Option<usize>,
        Option<usize>,
        &'static str,
    );

    /// (source, line, column, span) → the rendered text.
    #[test]
    fn renders_the_line_and_a_caret() {
        let long: String = (0..300)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let table: &[Row] = &[
            (
                "first\nlet x = 1;\n",
                2,
                Some(5),
                None,
                "error: it is wrong\n --> p.md:2:5\n  |\n2 | let x = 1;\n  |     ^\n",
            ),
            (
                "let x = 1;",
                1,
                Some(5),
                Some(5),
                "error: it is wrong\n --> p.md:1:5\n  |\n1 | let x = 1;\n  |     ^^^^^\n",
            ),
            // a tab expands to the next stop of 4; the caret follows it
            (
                "\tx\t= 1",
                1,
                Some(4),
                None,
                "error: it is wrong\n --> p.md:1:4\n  |\n1 |     x   = 1\n  |         ^\n",
            ),
            // the column counts characters: `é` and `名` are one each
            (
                "é名 = \"x\"",
                1,
                Some(4),
                None,
                "error: it is wrong\n --> p.md:1:4\n  |\n1 | é名 = \"x\"\n  |    ^\n",
            ),
            // a control character is shown as an escape, the caret after it
            (
                "a\u{1b}[31mb",
                1,
                Some(6),
                None,
                "error: it is wrong\n --> p.md:1:6\n  |\n1 | a\\x1b[31mb\n  |         ^\n",
            ),
            // a bidirectional override too
            (
                "x\u{202e}y",
                1,
                Some(3),
                None,
                "error: it is wrong\n --> p.md:1:3\n  |\n1 | x\\u{202e}y\n  |          ^\n",
            ),
            // a line out of range: only the location
            (
                "one line\n",
                7,
                Some(1),
                None,
                "error: it is wrong\n --> p.md:7:1\n",
            ),
            // line 0 is no line
            ("x", 0, Some(1), None, "error: it is wrong\n --> p.md:0:1\n"),
            // no column: the line, no caret
            (
                "a\nb\n",
                2,
                None,
                None,
                "error: it is wrong\n --> p.md:2\n  |\n2 | b\n",
            ),
            // a column past the end: the caret right after the text
            (
                "ab\r\n",
                1,
                Some(9),
                None,
                "error: it is wrong\n --> p.md:1:9\n  |\n1 | ab\n  |   ^\n",
            ),
            // an empty line
            (
                "\n",
                1,
                Some(1),
                None,
                "error: it is wrong\n --> p.md:1:1\n  |\n1 |\n  | ^\n",
            ),
        ];
        for &(source, line, column, span, want) in table {
            let e = located(line, column, span);
            assert_eq!(
                e.render(Some(source), false),
                want,
                "{source:?} {line} {column:?}"
            );
        }
        // A long line is cut around the column, `…` marking each cut.
        let e = located(1, Some(200), None);
        let got = e.render(Some(&long), false);
        let shown = got.lines().nth(3).unwrap();
        let caret = got.lines().nth(4).unwrap();
        assert!(shown.starts_with("1 | …") && shown.ends_with('…'), "{got}");
        assert_eq!(shown.chars().count(), "1 | ".len() + MAX_WIDTH + 2, "{got}");
        let at = caret.find('^').unwrap();
        assert_eq!(
            shown.chars().nth(at),
            long.chars().nth(199),
            "the caret is under column 200: {got}"
        );
        // Near the start: cut at the end only.
        let got = located(1, Some(3), None).render(Some(&long), false);
        let shown = got.lines().nth(3).unwrap();
        assert!(
            shown.starts_with("1 | abc") && shown.ends_with('…'),
            "{got}"
        );
        assert!(got.lines().nth(4).unwrap().ends_with("|   ^"), "{got}");
        // Near the end: cut at the start only.
        let got = located(1, Some(300), None).render(Some(&long), false);
        let shown = got.lines().nth(3).unwrap();
        assert!(shown.starts_with("1 | …") && !shown.ends_with('…'), "{got}");
        let at = got.lines().nth(4).unwrap().find('^').unwrap();
        assert_eq!(shown.chars().nth(at), long.chars().nth(299), "{got}");
        // A line of millions of characters costs the column, not the line.
        let huge = "x".repeat(20_000_000);
        let t = std::time::Instant::now();
        let got = located(1, Some(10), None).render(Some(&huge), false);
        assert!(got.len() < 400, "{got}");
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn headers_hints_and_severities() {
        let e = Error::config("bad value")
            .at(Location::new("c.toml", 12).col(3))
            .hint("quote it");
        assert_eq!(e.to_string(), "c.toml:12:3: bad value (hint: quote it)");
        assert_eq!(
            e.render(Some(&"x = 1\n".repeat(12)), false),
            "error: bad value\n  --> c.toml:12:3\n   |\n12 | x = 1\n   |   ^\n   = hint: quote it\n"
        );
        let w = Error::page("odd").warning();
        assert_eq!(w.to_string(), "odd");
        assert_eq!(w.render(None, false), "warning: odd\n");
        // A document given as text: no file.
        let c = Error::csdl("no").at(Location::new("", 9).col(9));
        assert_eq!(c.to_string(), "line 9, column 9: no");
        assert_eq!(c.render(None, false), "error: no\n --> line 9, column 9\n");
        assert_eq!((c.file(), c.line(), c.column()), (None, 9, 9));
        let c = c.in_file("m.xml");
        assert_eq!(c.file(), Some("m.xml"));
        let s: String = c.into();
        assert_eq!(s, "m.xml:9:9: no");
        // Colour: bold red error, blue gutter, red caret.
        let got = located(1, Some(1), None).render(Some("x"), true);
        assert!(
            got.starts_with("\x1b[1;31merror\x1b[0m\x1b[1m: it is wrong\x1b[0m\n"),
            "{got:?}"
        );
        assert!(got.contains("\x1b[1;34m-->\x1b[0m p.md:1:1"), "{got:?}");
        assert!(got.contains("\x1b[1;31m^\x1b[0m"), "{got:?}");
        // A message with a control character is made visible.
        assert_eq!(Error::io("a\u{7}b").render(None, false), "error: a\\x07b\n");
    }

    #[test]
    fn a_toml_error_never_shows_its_line() {
        let e = Error::toml("invalid type: integer, expected a string").at(Location::new(
            "vars.toml",
            2,
        )
        .col(5));
        let source = "[secrets]\nk = 12345678\n";
        for got in [e.render(Some(source), false), e.render_from_file(false)] {
            assert_eq!(
                got,
                "error: invalid type: integer, expected a string\n --> vars.toml:2:5\n  = note: the line is not shown: the file may hold secrets\n"
            );
        }
    }

    #[test]
    fn diagnostics_render_with_their_kind() {
        let d = Diagnostic {
            page: "p.md".into(),
            line: 2,
            column: Some(3),
            severity: Severity::Warning,
            kind: "body-json".into(),
            message: "not strict".into(),
        };
        assert_eq!(d.to_string(), "p.md:2: body-json: not strict");
        assert_eq!(
            d.render(Some("a\n{ x: 1 }\n"), false),
            "warning[body-json]: not strict\n --> p.md:2:3\n  |\n2 | { x: 1 }\n  |   ^\n"
        );
        assert_eq!(
            d.render(None, false),
            "warning[body-json]: not strict\n --> p.md:2:3\n"
        );
    }

    #[test]
    fn sources_read_a_page_once_and_find_its_lines() {
        let dir = std::env::temp_dir().join(format!("gc-error-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let page = dir.join("p.md");
        std::fs::write(&page, "one\r\ntwo\nthree").unwrap();
        let page = page.to_string_lossy().into_owned();
        let mut s = Sources::default();
        assert_eq!(s.line(&page, 1), Some("one"));
        assert_eq!(s.line(&page, 3), Some("three"));
        assert_eq!(s.line(&page, 4), None);
        assert_eq!(s.line(&page, 0), None);
        assert_eq!(s.line("/nonexistent/p.md", 1), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The names agree with the literals the faces use until they use the
    /// names (the harness's own constant, libtest's 101).
    #[test]
    fn exit_codes_are_the_documented_ones() {
        assert_eq!(
            [exit::OK, exit::FAILED, exit::CONFIG].map(i32::from),
            [0, 1, crate::harness::EXIT_CONFIG]
        );
        assert_eq!(exit::HARNESS_FAILED, 101);
    }

    #[test]
    fn line_and_column_of_an_offset() {
        assert_eq!(line_col("é\nxé", 4), (2, 2));
        assert_eq!(line_col("é", 1), (1, 1));
        assert_eq!(line_col("ab", 99), (1, 3));
        let l = Location::of_offset("f", "a\nbc", 3);
        assert_eq!((l.line, l.column), (2, Some(2)));
    }
}
