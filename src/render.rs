//! The terminal renderer, one for both faces: what `check` and the libtest
//! harness print (status lines, warnings, failure blocks, the summary line)
//! is drawn here, from the engine's events, in one way.
//!
//! Decisions, and why:
//! - **A listener.** [`Terminal`] is told the run's events and draws them;
//!   it decides nothing (verdicts, totals and the exit status come in the
//!   events).
//! - **Two faces, one drawing.** Under `check` it draws every line. Under
//!   the harness libtest draws the status lines and failures itself (it
//!   owns the test protocol `cargo test` and nextest read): the renderer
//!   draws what libtest cannot know, after libtest's lines: the warnings
//!   of passing cases, the ignored counts, the baseline cases fixed.
//! - **Case order, whatever the concurrency.** Under `check` a case's
//!   lines wait until every earlier case's are printed, so two runs print
//!   the same. Under the harness libtest prints its own lines as trials
//!   finish: their order is libtest's (`--test-threads 1` for page order).
//! - **A failure reads at the size of what it says.** One on the status or
//!   the exchange alone is one line under `check` (and a block without a
//!   diff under libtest); one in the body is a block with the diff;
//!   `--details` gives every one its block. The summary then counts the
//!   failures by cause and gives the coverage ([`crate::report::causes_text`],
//!   [`crate::report::coverage_text`]); the harness's epilogue adds the
//!   same after libtest's lines.
//! - **A passing case's warnings are one line each** under both faces:
//!   `check` prints them under the case's status line, the harness after
//!   libtest's lines (under the case's name); `--details` adds the diff.
//! - **`--insecure` is said at both ends**: its warning comes first (a
//!   warning event), and the summary repeats it under the totals, under
//!   both faces, so that a log read from the end shows it too.
//! - **Colour through one mechanism** ([`paint`]): only when stdout is a
//!   terminal and `NO_COLOR` is unset ([`crate::report::stdout_color`]).
//! - **Redacted by the writer, made visible here.** The renderer writes to
//!   [`crate::output::Redacting`] writers, which take every secret out;
//!   text from a page or a service is made [`visible`] (no raw control
//!   character reaches the terminal) before our own colours are added.

use crate::model::{Case, Severity};
use crate::output::Redacting;
use crate::report::{self, case_details, diff::View, visible};
use crate::run::{CaseResult, Event, Listener, RunFinished, Verdict};
use std::fmt::Write as _;
use std::io::Write;

/// The colours the renderer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Notice,
}

/// `text` in `tone` when `color`.
pub fn paint(text: &str, tone: Tone, color: bool) -> String {
    use owo_colors::OwoColorize as _;
    if !color {
        return text.to_owned();
    }
    match tone {
        Tone::Good => text.green().to_string(),
        Tone::Bad => text.red().to_string(),
        Tone::Notice => text.yellow().to_string(),
    }
}

/// Which face draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// `check`: every line. `quiet`: only failures and totals; `details`:
    /// findings and the diff of passing cases too.
    Check { quiet: bool, details: bool },
    /// The harness: what libtest does not draw.
    Libtest { details: bool },
}

/// The terminal renderer.
pub struct Terminal<O: Write + Send, E: Write + Send> {
    out: Redacting<O>,
    err: Redacting<E>,
    face: Face,
    color: bool,
    /// Status lines of cases finished ahead of an earlier one, by case
    /// index: printed once every earlier case has been.
    pending: std::collections::BTreeMap<usize, String>,
    /// The next case index to print.
    next: usize,
}

impl<O: Write + Send, E: Write + Send> Terminal<O, E> {
    pub fn new(out: Redacting<O>, err: Redacting<E>, face: Face, color: bool) -> Self {
        Terminal {
            out,
            err,
            face,
            color,
            pending: Default::default(),
            next: 0,
        }
    }

    /// A case's lines, in case order: held until every earlier case has
    /// printed, so that the output is the same whatever the concurrency.
    fn in_order(&mut self, index: usize, text: String) {
        self.pending.insert(index, text);
        while let Some(text) = self.pending.remove(&self.next) {
            self.out(&text);
            self.next += 1;
        }
    }

    /// Whatever is still held (a case that never finished: not in this
    /// run's selection), in case order.
    fn flush_pending(&mut self) {
        for text in std::mem::take(&mut self.pending).into_values() {
            self.out(&text);
        }
    }

    fn out(&mut self, text: &str) {
        // A closed pipe (`| head`) ends the output quietly.
        let _ = self.out.write_all(text.as_bytes());
    }

    fn err(&mut self, text: &str) {
        let _ = self.err.write_all(text.as_bytes());
        let _ = self.err.flush();
    }

    /// The diff under a failure: values with `--details`, else folded.
    fn view(&self) -> View {
        View::of(matches!(self.face, Face::Check { details: true, .. }))
    }

    /// The status word of a case under `check`.
    fn status(&self, r: &CaseResult) -> String {
        let c = self.color;
        match &r.verdict {
            Verdict::Pass if r.warnings().next().is_some() => {
                paint("ok (warnings)", Tone::Notice, c)
            }
            Verdict::Pass => paint("ok", Tone::Good, c),
            Verdict::Fail => paint("FAILED", Tone::Bad, c),
            Verdict::KnownFailure => paint("known failure (baseline)", Tone::Notice, c),
            Verdict::Ignored(reason) => format!(
                "{}, {}",
                paint("ignored", Tone::Notice, c),
                visible(&reason.to_string())
            ),
            Verdict::NotImplemented(why) => format!(
                "{}, {}",
                paint("not implemented", Tone::Notice, c),
                visible(why)
            ),
        }
    }

    fn case_finished(&mut self, case: &Case, r: &CaseResult) {
        let Face::Check { quiet, details } = self.face else {
            return;
        };
        if quiet {
            return;
        }
        let index = r.index;
        let mut text = format!("test {} ... {}\n", visible(&case.id), self.status(r));
        if details && !r.findings.is_empty() && r.verdict != Verdict::Fail {
            text.push_str(&details_block(case, r, self.color, View::Values));
        } else if details && r.verdict != Verdict::Fail {
            // No block: the HTTP version alone (a failure's block, at the
            // end, says it).
            if let Some(v) = r.actual.as_ref().and_then(|a| a.version) {
                let _ = writeln!(text, "{}", version_line(v));
            }
        } else if r.verdict == Verdict::Pass {
            // The warnings of a passing case, one line each, under it.
            for f in r.warnings() {
                let line = format!("    {}", visible(&f.to_string()));
                let _ = writeln!(text, "{}", paint(&line, Tone::Notice, self.color));
            }
        }
        self.in_order(index, text);
    }

    fn run_finished(&mut self, f: &RunFinished<'_>) {
        self.flush_pending();
        let text = match self.face {
            Face::Check { .. } => self.check_summary(f),
            Face::Libtest { details } => libtest_epilogue(f, details),
        };
        self.out(&text);
        let _ = self.out.flush();
    }

    /// The end of a `check` run: the failures (a block with the diff for
    /// those about the body, one line for those about the status or the
    /// exchange; `--details` gives every one its block), the coverage, the
    /// failures grouped by cause, the totals.
    fn check_summary(&self, f: &RunFinished<'_>) -> String {
        let Face::Check { details, .. } = self.face else {
            return String::new();
        };
        let mut out = String::new();
        let failures: Vec<&CaseResult> = f
            .results
            .iter()
            .filter(|r| r.verdict == Verdict::Fail)
            .collect();
        let (lines, blocks): (Vec<&CaseResult>, Vec<&CaseResult>) = failures
            .iter()
            .partition(|r| !details && report::fails_on_status_only(r));
        if !blocks.is_empty() {
            out.push_str("\nfailures:\n");
            for r in &blocks {
                let case = &f.cases[r.index];
                let _ = writeln!(out, "\n---- {} ----", visible(&case.id));
                out.push_str(&if details {
                    details_block(case, r, self.color, self.view())
                } else {
                    case_details(case, r, self.color, self.view())
                });
            }
        }
        if !lines.is_empty() {
            let _ = writeln!(
                out,
                "\nfailing on the status or the exchange ({}; --details shows each one's request and diff):",
                report::count(lines.len(), "case", "cases")
            );
            for r in &lines {
                let case = &f.cases[r.index];
                let why = report::first_finding(r)
                    .map(|x| x.message.clone())
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    {} ({}:{}): {}",
                    visible(&case.id),
                    visible(&case.page),
                    case.line(),
                    paint(&visible(&why), Tone::Bad, self.color)
                );
            }
        }
        if !blocks.is_empty() {
            out.push_str("\nfailures:\n");
            for r in &blocks {
                let _ = writeln!(out, "    {}", visible(&f.cases[r.index].id));
            }
        }
        let coverage = report::coverage_text(f.coverage);
        if !coverage.is_empty() {
            out.push('\n');
            out.push_str(&coverage);
        }
        let causes = report::causes_text(f.results);
        if !causes.is_empty() {
            out.push('\n');
            out.push_str(&causes);
        }
        let t = f.totals;
        let verdict = if f.failed() {
            paint("FAILED", Tone::Bad, self.color)
        } else {
            paint("ok", Tone::Good, self.color)
        };
        let _ = write!(
            out,
            "\ntest result: {verdict}. {} passed; {} failed; {} ignored",
            t.passed,
            t.failed,
            t.ignored_total(),
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
        let _ = write!(out, "; finished in {:.2}s", f.elapsed.as_secs_f64());
        if !f.enforced.is_empty() {
            let _ = write!(out, " [{}]", f.enforced.join(", "));
        }
        out.push('\n');
        if insecure(f) {
            let line = format!("  warning: {}", crate::target::tls::INSECURE_WARNING);
            let _ = writeln!(out, "{}", paint(&line, Tone::Notice, self.color));
        }
        for (reason, n) in &t.ignored {
            let _ = writeln!(out, "  ignored {n}: {}", visible(reason));
        }
        if let Some(short) = f.coverage.shortfall() {
            let _ = writeln!(out, "  {}", paint(&short, Tone::Bad, self.color));
        }
        for id in f.fixed {
            let _ = writeln!(
                out,
                "  fixed (remove it from the baseline): {}",
                visible(id)
            );
        }
        out
    }
}

impl<O: Write + Send, E: Write + Send> Listener for Terminal<O, E> {
    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Warning(w) => {
                let line = format!("graph-contract: warning: {}\n", visible(w));
                self.err(&line);
            }
            Event::RunStarted(s) => {
                self.pending.clear();
                self.next = 0;
                let line = format!("graph-contract: {}\n", visible(s.target));
                match self.face {
                    Face::Check { .. } => {
                        self.out(&line);
                        self.out(&format!(
                            "\nrunning {}\n",
                            report::count(s.selected, "case", "cases")
                        ));
                    }
                    Face::Libtest { .. } => self.err(&line),
                }
            }
            Event::CaseStarted { .. } => {}
            Event::CaseFinished { case, result } => self.case_finished(case, result),
            Event::RunFinished(f) => self.run_finished(f),
        }
    }

    fn done(&mut self) -> Result<(), crate::error::Error> {
        let _ = self.out.flush();
        let _ = self.err.flush();
        Ok(())
    }
}

/// The run did not verify the target's certificate (`--insecure`): its
/// summary says so, under both faces.
fn insecure(f: &RunFinished<'_>) -> bool {
    f.enforced.contains(&crate::target::tls::INSECURE)
}

/// The line naming a passing case with warnings: its id and where it is.
fn warning_header(case: &Case) -> String {
    format!(
        "warning: {} ({}:{})\n",
        visible(&case.id),
        visible(&case.page),
        case.line()
    )
}

/// The warnings of passing cases, one line each under the case (the
/// harness's epilogue).
pub fn warnings_block(cases: &[Case], results: &[CaseResult]) -> String {
    let mut out = String::new();
    for r in results {
        if r.verdict == Verdict::Pass && r.warnings().next().is_some() {
            let case = &cases[r.index];
            out.push_str(&warning_header(case));
            for f in r
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
            {
                let _ = writeln!(out, "  {}", visible(&f.to_string()));
            }
        }
    }
    out
}

/// After libtest's lines: the warnings of passing cases, the ignored
/// reasons, the baseline cases fixed.
fn libtest_epilogue(f: &RunFinished<'_>, details: bool) -> String {
    let mut out = if details {
        // Findings and the diff of every passing case that has findings.
        let mut out = String::new();
        for r in f
            .results
            .iter()
            .filter(|r| r.verdict == Verdict::Pass && !r.findings.is_empty())
        {
            let case = &f.cases[r.index];
            out.push_str(&warning_header(case));
            out.push_str(&details_block(case, r, false, View::Values));
        }
        out
    } else {
        warnings_block(f.cases, f.results)
    };
    let t = f.totals;
    if t.warnings > 0 || t.ignored_total() > 0 || t.not_implemented > 0 {
        let _ = write!(
            out,
            "graph-contract: {}",
            report::count(t.warnings, "warning", "warnings")
        );
        if t.not_implemented > 0 {
            let _ = write!(out, "; {} not implemented", t.not_implemented);
        }
        for (reason, n) in &t.ignored {
            let _ = write!(out, "; {n} ignored: {}", visible(reason));
        }
        out.push('\n');
    }
    let coverage = report::coverage_text(f.coverage);
    if f.coverage.with_metadata || f.coverage.min.is_some() {
        for line in coverage.lines() {
            let _ = writeln!(out, "graph-contract: {line}");
        }
    }
    for line in report::causes_text(f.results).lines() {
        let _ = writeln!(out, "graph-contract: {line}");
    }
    if let Some(short) = f.coverage.shortfall() {
        let _ = writeln!(out, "graph-contract: {short}");
    }
    if insecure(f) {
        let _ = writeln!(
            out,
            "graph-contract: warning: {}",
            crate::target::tls::INSECURE_WARNING
        );
    }
    for id in f.fixed {
        let _ = writeln!(
            out,
            "graph-contract: fixed, remove from the baseline: {}",
            visible(id)
        );
    }
    out
}

/// A failing case as libtest shows it (libtest prints it; the harness
/// hands it over redacted, since it passes no writer of ours).
///
/// A failure on the status or the exchange alone shows no diff (the
/// documented body against an error says nothing more), unless `view`
/// asks for values (`--details`), as under `check`.
pub fn failure_text(case: &Case, result: &CaseResult, color: bool, view: View) -> String {
    if view == View::Folded && report::fails_on_status_only(result) {
        let without_body = CaseResult {
            actual: None,
            ..result.clone()
        };
        return case_details(case, &without_body, color, view);
    }
    if view == View::Values {
        return details_block(case, result, color, view);
    }
    case_details(case, result, color, view)
}

/// A case's block under `--details`: [`case_details`] with the HTTP
/// version that answered (`  version: HTTP/2`) after the request sent.
fn details_block(case: &Case, result: &CaseResult, color: bool, view: View) -> String {
    let block = case_details(case, result, color, view);
    match result.actual.as_ref().and_then(|a| a.version) {
        Some(v) => with_version(&block, v),
        None => block,
    }
}

/// `  version: HTTP/2`, aligned with the block's `example:` and `sent:`.
fn version_line(v: &str) -> String {
    format!("  version: {v}")
}

/// The block with the version's line after its `sent:` line (else after
/// its first line).
fn with_version(block: &str, v: &str) -> String {
    let lines: Vec<&str> = block.split_inclusive('\n').collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("  sent:"))
        .unwrap_or(0);
    let mut out = String::with_capacity(block.len() + 24);
    for (i, l) in lines.iter().enumerate() {
        out.push_str(l);
        if i == at {
            let _ = writeln!(out, "{}", version_line(v));
        }
    }
    if lines.is_empty() {
        let _ = writeln!(out, "{}", version_line(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Actual, Finding, FindingKind, IgnoreReason};
    use crate::run::coverage::{Coverage, paths};
    use crate::run::{Totals, Verdict};
    use std::sync::Arc;
    use std::time::Duration;

    const PAGE: &str = r#"
<!-- { "blockType": "request", "name": "get_me" } -->
```http
GET https://graph.microsoft.com/v1.0/me
```
<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
```
<!-- { "blockType": "request", "name": "list_groups" } -->
```http
GET https://graph.microsoft.com/v1.0/groups
```
<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
```
<!-- { "blockType": "request", "name": "list_sites" } -->
```http
GET https://graph.microsoft.com/v1.0/sites
```
<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
```
<!-- { "blockType": "request", "name": "get_messages" } -->
```http
GET https://graph.microsoft.com/v1.0/me/messages
```
<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
```
<!-- { "blockType": "request", "name": "get_events" } -->
```http
GET https://graph.microsoft.com/v1.0/me/events
```
<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
```
"#;

    fn finding(kind: FindingKind, pointer: &str, message: &str, doc: &str, act: &str) -> Finding {
        Finding {
            pointer: pointer.into(),
            kind,
            severity: crate::model::Severity::Error,
            message: message.into(),
            documented: Some(doc.into()),
            actual: Some(act.into()),
        }
    }

    fn result(
        index: usize,
        verdict: Verdict,
        findings: Vec<Finding>,
        status: Option<u16>,
    ) -> CaseResult {
        CaseResult {
            index,
            verdict,
            findings,
            duration: Duration::ZERO,
            sent: None,
            actual: status.map(|s| Actual {
                status: s,
                ..Actual::default()
            }),
        }
    }

    #[test]
    fn the_version_goes_after_the_request_sent() {
        // (block, version, what comes out)
        let rows: &[(&str, &str, &str)] = &[
            (
                "  example: p.md:3\n  sent:    GET https://a.test/me\n  error: x\n",
                "HTTP/2",
                "  example: p.md:3\n  sent:    GET https://a.test/me\n  version: HTTP/2\n  error: x\n",
            ),
            (
                "  example: p.md:3\n  error: x\n",
                "HTTP/1.1",
                "  example: p.md:3\n  version: HTTP/1.1\n  error: x\n",
            ),
            ("", "HTTP/2", "  version: HTTP/2\n"),
        ];
        for (block, v, want) in rows {
            assert_eq!(with_version(block, v), *want, "{block:?}");
        }
        // A block without an answer, or an answer of unknown version,
        // gains nothing.
        let (cases, _) = crate::read_page("p.md", "p", PAGE);
        let mut r = result(0, Verdict::Pass, vec![], Some(200));
        let plain = details_block(&cases[0], &r, false, View::Values);
        assert!(!plain.contains("version:"), "{plain}");
        if let Some(a) = r.actual.as_mut() {
            a.version = Some("HTTP/2");
        }
        let with = details_block(&cases[0], &r, false, View::Values);
        assert!(with.contains("  version: HTTP/2\n"), "{with}");
        // Only under --details: the folded failure text says nothing of it.
        r.verdict = Verdict::Fail;
        let folded = failure_text(&cases[0], &r, false, View::Folded);
        assert!(!folded.contains("version:"), "{folded}");
    }

    /// The end of a `check -q` run against a partial service: one line per
    /// status failure, a block for the body's, the coverage, the causes.
    #[test]
    fn grouped_summary_snapshot() {
        let (cases, _) = crate::read_page("p.md", "p", PAGE);
        let status = |i| {
            result(
                i,
                Verdict::Fail,
                vec![finding(
                    FindingKind::Status,
                    "",
                    "status 404, documented 200",
                    "200",
                    "404",
                )],
                Some(404),
            )
        };
        let mut warning = finding(
            FindingKind::Undocumented,
            "/color",
            "undocumented property",
            "",
            "",
        );
        warning.severity = crate::model::Severity::Warning;
        let results = vec![
            result(0, Verdict::Pass, vec![warning], Some(200)),
            status(1),
            status(2),
            result(
                3,
                Verdict::Fail,
                vec![finding(
                    FindingKind::Missing,
                    "/value/0/subject",
                    "missing (documented string)",
                    "string",
                    "",
                )],
                None,
            ),
            result(4, Verdict::Ignored(IgnoreReason::NoResponse), vec![], None),
        ];
        let totals = Totals::of(&results);
        let coverage = Coverage::of(
            &cases,
            &results,
            &paths(&cases, |_| crate::run::coverage::Against::Nothing),
            None,
            Some(50.0),
        );
        let finished = RunFinished {
            cases: &cases,
            results: &results,
            totals: &totals,
            fixed: &[],
            enforced: &[],
            elapsed: Duration::ZERO,
            earlier_failures: 0,
            coverage: &coverage,
        };
        let redactor = Arc::new(crate::redact::Redactor::new(Vec::new()));
        let terminal = Terminal::new(
            Redacting::new(Vec::new(), redactor.clone()),
            Redacting::new(Vec::new(), redactor),
            Face::Check {
                quiet: true,
                details: false,
            },
            false,
        );
        let want = "
failures:

---- p::get_messages ----
  example: p.md:28
  error: /value/0/subject: missing (documented string)

failing on the status or the exchange (2 cases; --details shows each one's request and diff):
    p::list_groups (p.md:12): status 404, documented 200
    p::list_sites (p.md:20): status 404, documented 200

failures:
    p::get_messages

coverage: 5 documented operations (method + path) in 5 cases
  1 conforming, 3 failing, 1 not judged
  2 of the failing answered only 404, 405 or 501: probably not implemented (--metadata-from-target sends only what the service declares)
  25.0% conform of the operations that ran (--min-coverage 50%: BELOW)
  area  operations  conforming  failing  not impl.
  me             3           1        1          0
  2 areas with nothing that answers (no success status: every example answered with an error, or was not judged)

failures by cause:
  2 × status 404, documented 200
  1 × /value/0/subject: missing

test result: FAILED. 1 passed; 3 failed; 1 ignored; 1 warning; finished in 0.00s
  ignored 1: no documented response
  coverage 25.0% is below --min-coverage 50%: 1 of 4 of the documented operations that ran conform
";
        let got = terminal.check_summary(&finished);
        if got != want {
            panic!(
                "{}",
                similar::TextDiff::from_lines(want, &got).unified_diff()
            );
        }
    }
}
