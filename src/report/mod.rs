//! Rendering results: the failure text shown in the terminal (and as the
//! libtest failure message), totals. Reports render verdicts; they never
//! decide them.

pub mod diff;

use crate::model::{Case, Severity};
use crate::run::{CaseResult, Verdict};
use owo_colors::OwoColorize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Whether to colour text written to stdout: only on a terminal, never with
/// `NO_COLOR` (anstream's detection follows the NO_COLOR and CLICOLOR rules).
pub fn stdout_color() -> bool {
    !matches!(
        anstream::AutoStream::choice(&std::io::stdout()),
        anstream::ColorChoice::Never
    )
}

/// Replaces every secret by `***`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 3).collect();
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

/// The text under a failing (or, with `details`, any) case: where the example
/// is, the request sent, one line per finding, then the diff.
pub fn case_details(case: &Case, result: &CaseResult, color: bool, diff: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  example: {}:{}", case.page, case.line());
    if let Some(sent) = &result.sent {
        let _ = writeln!(out, "  sent:    {}", sent.request_line());
    }
    for f in &result.findings {
        let line = format!("  {f}");
        let line = match (color, f.severity) {
            (true, Severity::Error) => line.red().to_string(),
            (true, Severity::Warning) => line.yellow().to_string(),
            _ => line,
        };
        let _ = writeln!(out, "{line}");
    }
    if diff
        && let (Some(doc), Some(actual)) = (&case.response, &result.actual)
        && let Some(d) = diff::unified(doc, actual, color)
    {
        let _ = writeln!(out, "  diff (documented vs actual):");
        for line in d.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// Totals of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub warnings: usize,
    pub ignored: BTreeMap<String, usize>,
}

impl Totals {
    pub fn of(results: &[CaseResult]) -> Totals {
        let mut t = Totals::default();
        for r in results {
            match &r.verdict {
                Verdict::Pass => t.passed += 1,
                Verdict::Fail => t.failed += 1,
                Verdict::Ignored(reason) => *t.ignored.entry(reason_kind(reason)).or_default() += 1,
            }
            t.warnings += r.warnings().count();
        }
        t
    }

    pub fn ignored_total(&self) -> usize {
        self.ignored.values().sum()
    }
}

/// The reason without its particulars (`placeholder {id} in the URL ...` →
/// `placeholder in the URL`), for counting.
pub fn reason_kind(reason: &str) -> String {
    if reason.starts_with("placeholder") {
        "placeholder in the URL".into()
    } else if reason.starts_with("write refused") {
        "write refused (non-loopback target)".into()
    } else if reason.starts_with("the built-in mock answers") {
        "shadowed in the built-in mock".into()
    } else {
        reason
            .split([':', '('])
            .next()
            .unwrap_or(reason)
            .trim()
            .to_owned()
    }
}
