//! Rendering results: the failure text shown in the terminal (and as the
//! libtest failure message), totals. Reports render verdicts; they never
//! decide them.

pub mod diff;
pub mod json;
pub mod junit;
pub mod summary;

use crate::model::{Case, Severity};
use crate::run::{CaseResult, Event, Listener, RunFinished};
use owo_colors::OwoColorize;
use std::fmt::Write as _;

/// Whether to colour text written to stdout: only on a terminal, never with
/// `NO_COLOR` (anstream's detection follows the NO_COLOR and CLICOLOR rules).
pub fn stdout_color() -> bool {
    !matches!(
        anstream::AutoStream::choice(&std::io::stdout()),
        anstream::ColorChoice::Never
    )
}

/// Whether to colour text written to stderr (the same rules).
pub fn stderr_color() -> bool {
    !matches!(
        anstream::AutoStream::choice(&std::io::stderr()),
        anstream::ColorChoice::Never
    )
}

pub use crate::redact::Redactor;

/// Text for the terminal: secrets redacted, then made [`visible`].
pub fn shown(redactor: &Redactor, text: &str) -> String {
    visible(&redactor.apply_str(text)).into_owned()
}

/// Text from a service or a page as a terminal (or an XML file) may show
/// it: every control character but newline and tab (C0, DEL, C1), the
/// bidirectional overrides and isolates (which reorder what a reader sees),
/// and the two non-characters XML cannot hold are written as escapes
/// (`\x1b`, `\u{202e}`), never sent raw. Our own colours are added after.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}')
            || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    if !text.chars().any(hidden) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !hidden(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    out.into()
}

/// Findings listed one per line under a case; the rest are counted.
const MAX_FINDINGS_SHOWN: usize = 30;

/// The text under a failing (or, with `details`, any) case: where the example
/// is, the request sent, one line per finding, then the diff (folded, or
/// with every value: [`diff::View`]).
pub fn case_details(case: &Case, result: &CaseResult, color: bool, view: diff::View) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  example: {}:{}", visible(&case.page), case.line());
    if let Some(sent) = &result.sent {
        let _ = writeln!(out, "  sent:    {}", visible(&sent.request_line()));
    }
    // Errors first (they decided the verdict), each group in walk order.
    let mut shown: Vec<&crate::model::Finding> = result.findings.iter().collect();
    shown.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in shown.into_iter().take(MAX_FINDINGS_SHOWN) {
        let line = format!("  {}", visible(&f.to_string()));
        let line = match (color, f.severity) {
            (true, Severity::Error) => line.red().to_string(),
            (true, Severity::Warning) => line.yellow().to_string(),
            _ => line,
        };
        let _ = writeln!(out, "{line}");
    }
    if result.findings.len() > MAX_FINDINGS_SHOWN {
        let _ = writeln!(
            out,
            "  … {} more findings (the JSON report lists every one)",
            result.findings.len() - MAX_FINDINGS_SHOWN
        );
    }
    if let (Some(doc), Some(actual)) = (&case.response, &result.actual)
        && let Some(d) = diff::unified(doc, actual, &result.findings, view, color)
    {
        let _ = writeln!(out, "  diff (documented vs actual):");
        for line in d.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

pub use crate::run::events::{Totals, enforced};

/// The first finding that decided a failure (an error, else a warning).
pub fn first_finding(result: &CaseResult) -> Option<&crate::model::Finding> {
    result
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .or_else(|| result.findings.first())
}

pub use crate::config::Outputs;

/// The report files as a listener: written when the run finishes, each
/// through the redacting writer ([`crate::output::write_file`]); the first
/// that cannot be written is the run's error ([`Listener::done`]).
pub struct Files {
    outputs: Outputs,
    redactor: std::sync::Arc<Redactor>,
    error: Option<crate::error::Error>,
}

impl Files {
    pub fn new(outputs: Outputs, redactor: std::sync::Arc<Redactor>) -> Files {
        Files {
            outputs,
            redactor,
            error: None,
        }
    }

    fn write(&mut self, finished: &RunFinished<'_>) -> Result<(), crate::error::Error> {
        let (cases, results) = (finished.cases, finished.results);
        let write =
            |p: &std::path::Path, text: String| crate::output::write_file(p, &text, &self.redactor);
        if let Some(p) = &self.outputs.junit {
            write(p, junit::render(cases, results))?;
        }
        if let Some(p) = &self.outputs.json {
            write(p, json::render(cases, results, finished.enforced))?;
        }
        if let Some(p) = &self.outputs.summary {
            write(
                p,
                summary::render(
                    cases,
                    results,
                    finished.enforced,
                    finished.fixed,
                    &self.redactor,
                ),
            )?;
        }
        if let Some(p) = &self.outputs.write_baseline {
            write(p, baseline_text(cases, results))?;
        }
        Ok(())
    }
}

impl Listener for Files {
    fn event(&mut self, event: &Event<'_>) {
        if let Event::RunFinished(finished) = event
            && self.error.is_none()
        {
            self.error = self.write(finished).err();
        }
    }

    fn done(&mut self) -> Result<(), crate::error::Error> {
        self.error.take().map_or(Ok(()), Err)
    }
}

/// A documented request as text (request line, headers, body), made
/// [`visible`].
pub fn documented_request(case: &Case) -> String {
    visible(&documented_request_text(case)).into_owned()
}

fn documented_request_text(case: &Case) -> String {
    let r = &case.request;
    let mut out = format!("{} {}", r.method, r.url);
    if let Some(v) = &r.http_version {
        out.push(' ');
        out.push_str(v);
    }
    out.push('\n');
    for (n, v) in &r.headers {
        out.push_str(&format!("{n}: {}\n", header_shown(n, v)));
    }
    if let Some(b) = &r.body {
        out.push('\n');
        out.push_str(b);
        out.push('\n');
    }
    out
}

/// A documented response as text, made [`visible`].
pub fn documented_response(r: &crate::model::DocResponse) -> String {
    visible(&documented_response_text(r)).into_owned()
}

fn documented_response_text(r: &crate::model::DocResponse) -> String {
    let mut out = format!("HTTP {}", r.status);
    let mut notes = Vec::new();
    if r.truncated {
        notes.push("truncated".to_owned());
    }
    if let Some(t) = &r.odata_type {
        notes.push(format!("@odata.type {t}"));
    }
    if !notes.is_empty() {
        out.push_str(&format!("   ({})", notes.join(", ")));
    }
    out.push('\n');
    for (n, v) in &r.headers {
        out.push_str(&format!("{n}: {}\n", header_shown(n, v)));
    }
    if !r.body_text.trim().is_empty() {
        out.push('\n');
        out.push_str(r.body_text.trim_end());
        out.push('\n');
    }
    out
}

/// An actual response as text (JSON pretty-printed), made [`visible`].
pub fn actual_response(a: &crate::model::Actual) -> String {
    visible(&actual_response_text(a)).into_owned()
}

fn actual_response_text(a: &crate::model::Actual) -> String {
    let mut out = format!("HTTP {}\n", a.status);
    for (n, v) in &a.headers {
        out.push_str(&format!("{n}: {}\n", header_shown(n, v)));
    }
    if !a.body.is_empty() {
        out.push('\n');
        match serde_json::from_slice::<serde_json::Value>(&a.body) {
            Ok(v) => out.push_str(&serde_json::to_string_pretty(&v).unwrap_or_default()),
            Err(_) => out.push_str(&String::from_utf8_lossy(&a.body)),
        }
        out.push('\n');
    }
    out
}

/// The value of a header as it may be printed: secret ones never are.
fn header_shown<'a>(name: &str, value: &'a str) -> &'a str {
    if crate::target::SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        "***"
    } else {
        value
    }
}

/// Quote for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The request as a curl command line; credentials are never shown, only
/// the scheme of the `Authorization` that will be sent (`Bearer`, `Basic`).
pub fn curl(p: &crate::target::Prepared, authorization: Option<&str>) -> String {
    let mut out = format!("curl -i -X {} {}", p.method, shell_quote(p.url.as_str()));
    for (n, v) in &p.headers {
        out.push_str(&format!(
            " \\\n  -H {}",
            shell_quote(&format!("{n}: {}", header_shown(n, v)))
        ));
    }
    if let Some(scheme) = authorization {
        out.push_str(&format!(" \\\n  -H 'Authorization: {scheme} ***'"));
    }
    if let Some(b) = &p.body {
        out.push_str(&format!(" \\\n  --data-binary {}", shell_quote(b)));
    }
    out.push('\n');
    // The body and URL may hold page text and values captured from the
    // service.
    visible(&out).into_owned()
}

/// The text of a baseline listing the current failures (known ones included).
pub fn baseline_text(cases: &[Case], results: &[CaseResult]) -> String {
    let mut out = String::from(
        "# graph-contract baseline: known failures, one case id per line.\n\
         # A listed case that fails does not fail the run; remove a line once it passes.\n",
    );
    for r in results {
        if crate::baseline::listed(&r.verdict) {
            out.push_str(&cases[r.index].id);
            out.push('\n');
        }
    }
    out
}
