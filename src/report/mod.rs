//! Rendering results: the failure text shown in the terminal (and as the
//! libtest failure message), totals. Reports render verdicts; they never
//! decide them.

pub mod diff;
pub mod html;
pub mod json;
pub mod junit;
pub mod summary;

use crate::model::{Case, FindingKind, Severity};
use crate::run::{CaseResult, Event, Listener, RunFinished, Verdict};
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

/// `1 case`, `2 cases`, `1,990 cases`: a count with its noun, singular or
/// plural, thousands separated.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `1990` → `1,990`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The findings that made a case fail: its errors (its warnings when it
/// failed on warnings alone, under `--deny-warnings`).
fn failing_findings(result: &CaseResult) -> Vec<&crate::model::Finding> {
    let errors: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        result.findings.iter().collect()
    } else {
        errors
    }
}

/// Whether a failure is about the exchange, not the body: every finding
/// that failed it is the status or the transport. Such a failure reads as
/// one line; a diff would show only the documented body against an error.
pub fn fails_on_status_only(result: &CaseResult) -> bool {
    let failing = failing_findings(result);
    !failing.is_empty()
        && failing
            .iter()
            .all(|f| matches!(f.kind, FindingKind::Status | FindingKind::Transport))
}

/// Longest cause text, in characters (a transport message can be long).
const CAUSE_CHARS: usize = 100;

/// What a finding says as a cause: the status pair, `pointer: kind` for
/// the body (`/value/0/subject: missing`), the kind and message for the
/// rest. Values are left out (they differ from case to case).
pub fn cause(f: &crate::model::Finding) -> String {
    let kind = serde_json::to_value(f.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let text = match (f.kind, &f.documented, &f.actual) {
        (FindingKind::Status, Some(d), Some(a)) => format!("status {a}, documented {d}"),
        // `GET http://host/v1.0/me: connection refused`: the request
        // differs from case to case, the reason is the cause.
        (FindingKind::Transport, ..) => match f.message.split_once(": ") {
            Some((request, reason))
                if request.split_once(' ').is_some_and(|(m, _)| {
                    !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase())
                }) =>
            {
                reason.to_owned()
            }
            _ => f.message.clone(),
        },
        _ if !f.pointer.is_empty() => format!("{}: {}", f.pointer, kind.replace('-', " ")),
        _ => format!("{}: {}", kind.replace('-', " "), f.message),
    };
    match text.char_indices().nth(CAUSE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// Findings of one kind under one parent that a case's causes name one by
/// one; more collapse into one cause (`/value/0/*: missing (several
/// properties)`): a message lacking 26 properties is one drift, not 26.
const SIBLINGS_NAMED: usize = 3;

/// The causes of one failing case, each once.
pub fn case_causes(result: &CaseResult) -> Vec<String> {
    use std::collections::BTreeMap;
    let mut keys = Vec::new();
    // (kind, parent pointer) → the last segments under it.
    let mut siblings: BTreeMap<(FindingKind, &str), Vec<&str>> = BTreeMap::new();
    for f in failing_findings(result) {
        match f.pointer.rsplit_once('/') {
            Some((parent, leaf))
                if !matches!(f.kind, FindingKind::Status | FindingKind::Transport) =>
            {
                siblings.entry((f.kind, parent)).or_default().push(leaf)
            }
            _ => keys.push(cause(f)),
        }
    }
    for ((kind, parent), mut leaves) in siblings {
        leaves.sort_unstable();
        leaves.dedup();
        let kind_text = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(|k| k.replace('-', " ")))
            .unwrap_or_default();
        if leaves.len() <= SIBLINGS_NAMED {
            keys.extend(
                leaves
                    .iter()
                    .map(|leaf| format!("{parent}/{leaf}: {kind_text}")),
            );
        } else {
            // No names nor count in the key: two messages lacking 26 and
            // 27 properties are one drift (the JSON report names each).
            keys.push(format!("{parent}/*: {kind_text} (several properties)"));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The failures grouped by cause, biggest first (then by cause): each
/// failing case counts once under each distinct cause it has.
pub fn causes(results: &[CaseResult]) -> Vec<(String, usize)> {
    let mut groups: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in results.iter().filter(|r| r.verdict == Verdict::Fail) {
        for k in case_causes(r) {
            *groups.entry(k).or_default() += 1;
        }
    }
    let mut out: Vec<(String, usize)> = groups.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Causes listed by [`causes_text`]; the rest are counted.
const MAX_CAUSES: usize = 20;

/// `failures by cause:` and one line per cause, biggest first; empty
/// when nothing failed.
pub fn causes_text(results: &[CaseResult]) -> String {
    let all = causes(results);
    if all.is_empty() {
        return String::new();
    }
    let width = all.first().map_or(1, |(_, n)| thousands(*n).len());
    let mut out = String::from("failures by cause:\n");
    for (text, n) in all.iter().take(MAX_CAUSES) {
        let _ = writeln!(out, "  {:>width$} × {}", thousands(*n), visible(text));
    }
    if all.len() > MAX_CAUSES {
        let rest: usize = all[MAX_CAUSES..].iter().map(|(_, n)| n).sum();
        let _ = writeln!(
            out,
            "  … and {} more {} ({}; the JSON report lists every cause)",
            thousands(all.len() - MAX_CAUSES),
            if all.len() - MAX_CAUSES == 1 {
                "cause"
            } else {
                "causes"
            },
            count(rest, "case", "cases"),
        );
    }
    out
}

/// Areas listed by [`coverage_text`]; the rest are counted.
const MAX_AREAS: usize = 30;
/// Declarations without an example named by [`coverage_text`].
const MAX_UNDOCUMENTED: usize = 8;

/// The coverage section of the terminal summary.
pub fn coverage_text(c: &crate::run::Coverage) -> String {
    let t = &c.total;
    let mut out = String::new();
    if t.operations == 0 {
        return out;
    }
    let cases: usize = c.operations.iter().map(|o| o.cases.len()).sum();
    let _ = writeln!(
        out,
        "coverage: {} (method + path) in {}",
        count(
            t.operations,
            "documented operation",
            "documented operations"
        ),
        count(cases, "case", "cases"),
    );
    let mut judged = format!(
        "{} conforming, {} failing",
        thousands(t.conforming),
        thousands(t.failing)
    );
    if t.unjudged > 0 {
        let _ = write!(judged, ", {} not judged", thousands(t.unjudged));
    }
    if c.with_metadata {
        let sent = if c.undeclared_sent > 0 {
            format!(
                "; {} of theirs sent by --send-undeclared",
                count(c.undeclared_sent, "example", "examples")
            )
        } else {
            ", not sent".to_owned()
        };
        let _ = writeln!(
            out,
            "  the service declares {}: {judged}; {} not implemented (not in its $metadata{sent})",
            thousands(t.implemented()),
            thousands(t.not_implemented),
        );
        if t.unresolved > 0 {
            let _ = writeln!(
                out,
                "  {} judged without knowing whether the service declares them (paths the resolver cannot read)",
                count(t.unresolved, "operation", "operations"),
            );
        }
    } else {
        let _ = writeln!(out, "  {judged}");
    }
    if t.not_found > 0 {
        let _ = writeln!(
            out,
            "  {} of the failing answered only 404, 405 or 501{}",
            thousands(t.not_found),
            if c.with_metadata {
                " although the service declares them"
            } else {
                ": probably not implemented (--metadata-from-target sends only what the service declares)"
            }
        );
    }
    let of = if c.with_metadata {
        "of the declared operations that ran"
    } else {
        "of the operations that ran"
    };
    match c.percent() {
        Some(p) => {
            let _ = write!(
                out,
                "  {}% conform {of}",
                crate::run::coverage::percent_text(p)
            );
        }
        None => {
            let _ = write!(out, "  none {of} could be judged");
        }
    }
    match (c.min.map(crate::run::coverage::min_text), c.shortfall()) {
        (Some(min), None) => {
            let _ = writeln!(out, " (--min-coverage {min}%: met)");
        }
        (Some(min), Some(_)) => {
            let _ = writeln!(out, " (--min-coverage {min}%: BELOW)");
        }
        _ => out.push('\n'),
    }
    // The areas where something answers: a conforming operation, or a
    // failure other than "not found".
    let active: Vec<(&String, &crate::run::coverage::Counts)> =
        c.areas.iter().filter(|(_, a)| a.answered > 0).collect();
    // A table only when something is short of conforming.
    if !active.is_empty() && t.failing + t.not_implemented > 0 {
        let width = active
            .iter()
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        let _ = writeln!(
            out,
            "  {:<width$}  {:>10}  {:>10}  {:>7}  {:>9}",
            "area", "operations", "conforming", "failing", "not impl."
        );
        for (name, a) in active.iter().take(MAX_AREAS) {
            let _ = writeln!(
                out,
                "  {:<width$}  {:>10}  {:>10}  {:>7}  {:>9}",
                visible(name),
                thousands(a.operations),
                thousands(a.conforming),
                thousands(a.failing),
                thousands(a.not_implemented)
            );
        }
        if active.len() > MAX_AREAS {
            let _ = writeln!(
                out,
                "  … {} more (the JSON report lists every area)",
                count(active.len() - MAX_AREAS, "area", "areas")
            );
        }
    }
    let idle = c.areas.len() - active.len();
    if idle > 0 {
        let _ = writeln!(
            out,
            "  {} with nothing that answers{}",
            count(idle, "area", "areas"),
            if c.with_metadata {
                " (no success status: not implemented, or answered with errors)"
            } else {
                " (no success status: every example answered with an error, or was not judged)"
            }
        );
    }
    if let Some(m) = c.model.as_ref().filter(|m| !m.kinds.is_empty()) {
        out.push_str("  the service's $metadata:\n");
        for (kind, k) in &m.kinds {
            let _ = writeln!(
                out,
                "    {:<16} {:>6} declared, {:>6} with an example, {:>6} passing",
                kind,
                thousands(k.declared),
                thousands(k.documented),
                thousands(k.passing)
            );
        }
        if !m.undocumented.is_empty() {
            let shown: Vec<String> = m
                .undocumented
                .iter()
                .take(MAX_UNDOCUMENTED)
                .map(|d| visible(d).into_owned())
                .collect();
            let _ = writeln!(
                out,
                "    no example addresses {}: {}{}",
                count(m.undocumented.len(), "declaration", "declarations"),
                shown.join(", "),
                if m.undocumented.len() > MAX_UNDOCUMENTED {
                    ", …"
                } else {
                    ""
                }
            );
        }
    }
    if c.unresolvable > 0 {
        let _ = writeln!(
            out,
            "  {} could not be resolved against the $metadata (judged as without it)",
            count(c.unresolvable, "example path", "example paths")
        );
    }
    out
}

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
    rerun: Rerun,
    /// What the run talks to (from [`Event::RunStarted`]).
    target: String,
    error: Option<crate::error::Error>,
}

impl Files {
    pub fn new(outputs: Outputs, redactor: std::sync::Arc<Redactor>) -> Files {
        Files {
            outputs,
            redactor,
            rerun: Rerun::Unknown,
            target: String::new(),
            error: None,
        }
    }

    /// How the face re-runs one case, for the reports' re-run commands.
    pub fn rerun(mut self, rerun: Rerun) -> Files {
        self.rerun = rerun;
        self
    }

    fn write(&mut self, finished: &RunFinished<'_>) -> Result<(), crate::error::Error> {
        let extras = extras(
            finished.cases,
            finished.results,
            finished.coverage,
            &self.rerun,
        );
        let enforced: Vec<String> = finished.enforced.iter().map(|s| (*s).to_owned()).collect();
        let view = View {
            cases: finished.cases,
            results: finished.results,
            extras: &extras,
            coverage: finished.coverage,
            enforced: &enforced,
            fixed: finished.fixed,
            target: &self.target,
            sources: &[],
        };
        write_reports(&self.outputs, &view, &self.redactor)
    }
}

/// Write every report the outputs name, from one view of a run (a live
/// one, or JSON reports read back and merged).
pub fn write_reports(
    outputs: &Outputs,
    view: &View<'_>,
    redactor: &std::sync::Arc<Redactor>,
) -> Result<(), crate::error::Error> {
    let write = |p: &std::path::Path, text: String| crate::output::write_file(p, &text, redactor);
    let (cases, results) = (view.cases, view.results);
    if let Some(p) = &outputs.junit {
        write(p, junit::render(cases, results))?;
    }
    if let Some(p) = &outputs.json {
        write(p, json::render(view))?;
    }
    if let Some(p) = &outputs.summary {
        let enforced: Vec<&str> = view.enforced.iter().map(String::as_str).collect();
        write(
            p,
            summary::render(
                cases,
                results,
                &enforced,
                view.fixed,
                view.coverage,
                redactor,
            ),
        )?;
    }
    if let Some(p) = &outputs.html {
        write(p, html::render(view, p, redactor))?;
    }
    if let Some(p) = &outputs.write_baseline {
        write(p, baseline_text(cases, results))?;
    }
    Ok(())
}

/// One run as the report files see it.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub cases: &'a [Case],
    /// Each result's `index` points into `cases`.
    pub results: &'a [CaseResult],
    /// One per result, in the same order.
    pub extras: &'a [Extra],
    pub coverage: &'a crate::run::Coverage,
    pub enforced: &'a [String],
    /// Baseline cases that passed.
    pub fixed: &'a [String],
    /// One line saying what the run talked to.
    pub target: &'a str,
    /// The JSON reports merged into this view (none for a live run).
    pub sources: &'a [String],
}

/// What the reports show of a case besides its result: computed once by
/// the run's face, or read back from a JSON report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extra {
    /// The request as sent, as a curl command line.
    pub curl: Option<String>,
    /// The command that re-runs this one case.
    pub rerun: Option<String>,
    /// Its operation's area (`users`, `groups`).
    pub area: Option<String>,
}

/// The extras of a live run's results.
pub fn extras(
    cases: &[Case],
    results: &[CaseResult],
    coverage: &crate::run::Coverage,
    rerun: &Rerun,
) -> Vec<Extra> {
    let areas: std::collections::HashMap<&str, &str> = coverage
        .operations
        .iter()
        .flat_map(|op| op.cases.iter().map(|id| (id.as_str(), op.area.as_str())))
        .collect();
    results
        .iter()
        .map(|r| {
            let case = &cases[r.index];
            Extra {
                curl: r.sent.as_ref().map(|p| curl(p, None)),
                rerun: rerun.command(case),
                area: areas.get(case.id.as_str()).map(|a| (*a).to_owned()),
            }
        })
        .collect()
}

/// How a face re-runs one case: the command every report shows per case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Rerun {
    /// Not known (a library caller's own face).
    #[default]
    Unknown,
    /// `PROGRAM check PAGE --filter ID --exact ARGS...`: `args` are the
    /// run's own options that decide verdicts, as given.
    Check { program: String, args: Vec<String> },
    /// `cargo test [--test NAME] -- ID --exact` (the knobs are in the
    /// environment, which the command keeps).
    CargoTest { test: Option<String> },
}

impl Rerun {
    /// The command that re-runs this case, quoted for a POSIX shell.
    pub fn command(&self, case: &Case) -> Option<String> {
        match self {
            Rerun::Unknown => None,
            Rerun::Check { program, args } => {
                // `--filter=ID`: an id may start with `-` (a page named
                // `-draft.md`).
                let mut out = format!(
                    "{} check {} {} --exact",
                    shell_word(program),
                    shell_word(&page_root(case)),
                    shell_word(&format!("--filter={}", case.id))
                );
                for a in args {
                    out.push(' ');
                    out.push_str(&shell_word(a));
                }
                Some(out)
            }
            // A binary named `my_contract` may be the target `my-contract`
            // (cargo writes dashes as underscores): no `--test` then; the
            // other targets run zero tests.
            Rerun::CargoTest { test } => Some(format!(
                "cargo test{} -- --exact {}{}",
                test.as_ref()
                    .filter(|t| !t.contains('_'))
                    .map(|t| format!(" --test {}", shell_word(t)))
                    .unwrap_or_default(),
                if case.id.starts_with('-') { "-- " } else { "" },
                shell_word(&case.id)
            )),
        }
    }
}

/// What to give `check` so that a case keeps its id: the folder the run
/// was given, when the page was found under one (ids are relative to it:
/// `v1.0/api/group-get::get_group`), else the page itself.
pub fn page_root(case: &Case) -> String {
    let suffix = format!("{}.md", case.page_id);
    match case.page.strip_suffix(&suffix) {
        // A page id without a folder is the page's own name: the page
        // alone gives it (and reads one page, not the folder).
        Some(root) if case.page_id.contains('/') => {
            let root = root.trim_end_matches('/');
            if root.is_empty() {
                ".".to_owned()
            } else {
                root.to_owned()
            }
        }
        _ => case.page.clone(),
    }
}

/// A word for a POSIX shell: as it is when nothing in it is special,
/// quoted otherwise. A variable reference written `"$NAME"` (how a re-run
/// command names a secret option's value: `--key "$GRAPH_CONTRACT_KEY"`)
/// stays as it is, for the shell to expand.
pub fn shell_word(text: &str) -> String {
    if let Some(name) = text
        .strip_prefix("\"$")
        .and_then(|t| t.strip_suffix('"'))
        .filter(|n| {
            !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
    {
        return format!("\"${name}\"");
    }
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:=@%+-,".contains(&b));
    if plain {
        text.to_owned()
    } else {
        shell_quote(text)
    }
}

impl Listener for Files {
    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::RunStarted(started) => self.target = started.target.to_owned(),
            Event::RunFinished(finished) if self.error.is_none() => {
                self.error = self.write(finished).err();
            }
            _ => {}
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

#[cfg(test)]
mod cause_tests {
    use super::*;
    use crate::model::Finding;

    fn f(kind: FindingKind, pointer: &str, message: &str) -> Finding {
        Finding {
            pointer: pointer.into(),
            kind,
            severity: Severity::Error,
            message: message.into(),
            documented: Some("200".into()),
            actual: Some("404".into()),
        }
    }

    fn failed(findings: Vec<Finding>) -> CaseResult {
        CaseResult {
            index: 0,
            verdict: Verdict::Fail,
            findings,
            duration: std::time::Duration::ZERO,
            sent: None,
            actual: None,
        }
    }

    /// A case's findings → its causes.
    #[test]
    fn causes_of_one_case() {
        use FindingKind::*;
        let missing = |p: &str| f(Missing, p, "missing (documented string)");
        let rows: Vec<(Vec<Finding>, Vec<&str>)> = vec![
            (
                vec![f(Status, "", "status 404, documented 200 after 3 tries")],
                vec!["status 404, documented 200"],
            ),
            (
                vec![f(
                    Transport,
                    "",
                    "GET http://127.0.0.1:1/v1.0/me: connection refused",
                )],
                vec!["connection refused"],
            ),
            (
                vec![f(Transport, "", "the run's deadline passed")],
                vec!["the run's deadline passed"],
            ),
            (
                vec![missing("/value/0/subject"), missing("/value/0/body")],
                vec!["/value/0/body: missing", "/value/0/subject: missing"],
            ),
            (
                vec![
                    missing("/a"),
                    missing("/b"),
                    missing("/c"),
                    missing("/d"),
                    missing("/d"),
                    f(Type, "/e", "number (documented string)"),
                ],
                vec!["/*: missing (several properties)", "/e: type"],
            ),
            (
                vec![f(Header, "", "Location absent")],
                vec!["header: Location absent"],
            ),
        ];
        for (findings, want) in rows {
            let got = case_causes(&failed(findings.clone()));
            assert_eq!(got, want, "{findings:?}");
        }
        // Warnings count only when they alone failed the case.
        let mut w = missing("/x");
        w.severity = Severity::Warning;
        assert_eq!(
            case_causes(&failed(vec![w.clone(), f(Status, "", "")])),
            ["status 404, documented 200"]
        );
        assert_eq!(case_causes(&failed(vec![w])), ["/x: missing"]);
    }

    #[test]
    fn causes_count_cases_biggest_first() {
        let status = || failed(vec![f(FindingKind::Status, "", "")]);
        let mut passed = status();
        passed.verdict = Verdict::KnownFailure;
        let results = vec![
            status(),
            failed(vec![f(FindingKind::Missing, "/id", "")]),
            status(),
            passed,
        ];
        assert_eq!(
            causes(&results),
            [
                ("status 404, documented 200".to_owned(), 2),
                ("/id: missing".to_owned(), 1)
            ]
        );
    }

    #[test]
    fn counts_say_singular_and_plural() {
        for (n, want) in [
            (0, "0 cases"),
            (1, "1 case"),
            (2, "2 cases"),
            (1990, "1,990 cases"),
            (1234567, "1,234,567 cases"),
        ] {
            assert_eq!(count(n, "case", "cases"), want);
        }
    }
}

#[cfg(test)]
mod shell_word_tests {
    use super::shell_word;

    /// (word, as a shell command writes it)
    #[test]
    fn words_are_quoted_unless_plain_and_variable_references_stay() {
        let rows = [
            ("users::get_user", "users::get_user"),
            ("--filter=a b", "'--filter=a b'"),
            ("", "''"),
            ("it's", r#"'it'\''s'"#),
            (r#""$GRAPH_CONTRACT_KEY""#, r#""$GRAPH_CONTRACT_KEY""#),
            // not a plain variable name: quoted, never expanded
            (r#""$(rm -rf x)""#, r#"'"$(rm -rf x)"'"#),
            (r#""$lower""#, r#"'"$lower"'"#),
            (r#""$""#, r#"'"$"'"#),
            ("$HOME", "'$HOME'"),
        ];
        for (word, want) in rows {
            assert_eq!(shell_word(word), want, "{word}");
        }
    }
}
