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
//! - **A passing case's warnings are one line each** under both faces:
//!   `check` prints them under the case's status line, the harness after
//!   libtest's lines (under the case's name); `--details` adds the diff.
//! - **Colour through one mechanism** ([`paint`]): only when stdout is a
//!   terminal and `NO_COLOR` is unset ([`crate::report::stdout_color`]).
//! - **Redacted by the writer, made visible here.** The renderer writes to
//!   [`crate::output::Redacting`] writers, which take every secret out;
//!   text from a page or a service is made [`visible`] (no raw control
//!   character reaches the terminal) before our own colours are added.

use crate::model::{Case, Severity};
use crate::output::Redacting;
use crate::report::{case_details, diff::View, visible};
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
}

impl<O: Write + Send, E: Write + Send> Terminal<O, E> {
    pub fn new(out: Redacting<O>, err: Redacting<E>, face: Face, color: bool) -> Self {
        Terminal {
            out,
            err,
            face,
            color,
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
        }
    }

    fn case_finished(&mut self, case: &Case, r: &CaseResult) {
        let Face::Check { quiet, details } = self.face else {
            return;
        };
        if quiet {
            return;
        }
        let mut text = format!("test {} ... {}\n", visible(&case.id), self.status(r));
        if details && !r.findings.is_empty() && r.verdict != Verdict::Fail {
            text.push_str(&case_details(case, r, self.color, View::Values));
        } else if r.verdict == Verdict::Pass {
            // The warnings of a passing case, one line each, under it.
            for f in r.warnings() {
                let line = format!("    {}", visible(&f.to_string()));
                let _ = writeln!(text, "{}", paint(&line, Tone::Notice, self.color));
            }
        }
        self.out(&text);
    }

    fn run_finished(&mut self, f: &RunFinished<'_>) {
        let text = match self.face {
            Face::Check { .. } => self.check_summary(f),
            Face::Libtest { details } => libtest_epilogue(f, details),
        };
        self.out(&text);
        let _ = self.out.flush();
    }

    fn check_summary(&self, f: &RunFinished<'_>) -> String {
        let mut out = String::new();
        let failures: Vec<&CaseResult> = f
            .results
            .iter()
            .filter(|r| r.verdict == Verdict::Fail)
            .collect();
        if !failures.is_empty() {
            out.push_str("\nfailures:\n");
            for r in &failures {
                let case = &f.cases[r.index];
                let _ = writeln!(out, "\n---- {} ----", visible(&case.id));
                out.push_str(&case_details(case, r, self.color, self.view()));
            }
            out.push_str("\nfailures:\n");
            for r in &failures {
                let _ = writeln!(out, "    {}", visible(&f.cases[r.index].id));
            }
        }
        let t = f.totals;
        let verdict = if t.failed == 0 {
            paint("ok", Tone::Good, self.color)
        } else {
            paint("FAILED", Tone::Bad, self.color)
        };
        let _ = write!(
            out,
            "\ntest result: {verdict}. {} passed; {} failed; {} ignored; {} warnings",
            t.passed,
            t.failed,
            t.ignored_total(),
            t.warnings,
        );
        if t.known_failures > 0 {
            let _ = write!(out, "; {} known failures", t.known_failures);
        }
        let _ = write!(out, "; finished in {:.2}s", f.elapsed.as_secs_f64());
        if !f.enforced.is_empty() {
            let _ = write!(out, " [{}]", f.enforced.join(", "));
        }
        out.push('\n');
        for (reason, n) in &t.ignored {
            let _ = writeln!(out, "  ignored {n}: {}", visible(reason));
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
                let line = format!("graph-contract: {}\n", visible(s.target));
                match self.face {
                    Face::Check { .. } => {
                        self.out(&line);
                        self.out(&format!("\nrunning {} cases\n", s.selected));
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
            out.push_str(&case_details(case, r, false, View::Values));
        }
        out
    } else {
        warnings_block(f.cases, f.results)
    };
    let t = f.totals;
    if t.warnings > 0 || t.ignored_total() > 0 {
        let _ = write!(out, "graph-contract: {} warning(s)", t.warnings);
        for (reason, n) in &t.ignored {
            let _ = write!(out, "; {n} ignored: {}", visible(reason));
        }
        out.push('\n');
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
pub fn failure_text(case: &Case, result: &CaseResult, color: bool, view: View) -> String {
    case_details(case, result, color, view)
}
