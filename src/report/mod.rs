//! Rendering results: the failure text shown in the terminal (and as the
//! libtest failure message), totals. Reports render verdicts; they never
//! decide them.

pub mod baseline;
pub mod diff;
pub mod json;
pub mod junit;
pub mod summary;

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
    pub known_failures: usize,
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
                Verdict::KnownFailure => t.known_failures += 1,
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

/// What a run enforced, for the summary line: `strict`, `warnings denied`.
pub fn enforced(strict: bool, deny_warnings: bool) -> Vec<&'static str> {
    let mut v = Vec::new();
    if strict {
        v.push("strict");
    }
    if deny_warnings {
        v.push("warnings denied");
    }
    v
}

/// The first finding that decided a failure (an error, else a warning).
pub fn first_finding(result: &CaseResult) -> Option<&crate::model::Finding> {
    result
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .or_else(|| result.findings.first())
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

/// The report files one run writes, any combination.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub junit: Option<std::path::PathBuf>,
    pub json: Option<std::path::PathBuf>,
    pub summary: Option<std::path::PathBuf>,
    pub write_baseline: Option<std::path::PathBuf>,
}

/// Write every requested report; the error names the file.
pub fn write_outputs(
    outputs: &Outputs,
    cases: &[Case],
    results: &[CaseResult],
    enforced: &[&str],
    fixed: &[String],
    redactor: &Redactor,
) -> Result<(), String> {
    let write = |path: &std::path::Path, text: String| {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    if let Some(p) = &outputs.junit {
        write(p, junit::render(cases, results, redactor))?;
    }
    if let Some(p) = &outputs.json {
        write(p, json::render(cases, results, enforced, redactor))?;
    }
    if let Some(p) = &outputs.summary {
        write(
            p,
            summary::render(cases, results, enforced, fixed, redactor),
        )?;
    }
    if let Some(p) = &outputs.write_baseline {
        write(p, baseline::render(cases, results))?;
    }
    Ok(())
}
