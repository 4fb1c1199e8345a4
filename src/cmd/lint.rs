//! `graph-contract lint`: what the reader noticed in the pages, and with
//! `--metadata` what of the documented responses the declared types refuse.

use super::ConfigError;
use clap::Args;
use graph_contract::config::{self, Env, Given, Scope};
use graph_contract::model::Severity;
use graph_contract::report;
use graph_contract::run::exit;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// The knobs `lint` takes.
pub const SCOPES: &[Scope] = &[Scope::Pages];

#[derive(Args)]
pub struct LintArgs {
    /// Also validate every documented response example against its
    /// annotated type in this CSDL `$metadata` document.
    #[arg(long, value_name = "FILE")]
    metadata: Option<PathBuf>,
    /// One JSON object per diagnostic, then a summary object.
    #[arg(long)]
    json: bool,
    /// One line per diagnostic (`page:line: kind: message`), without the
    /// page's line and caret.
    #[arg(long, conflicts_with = "json")]
    short: bool,
}

pub fn run(a: LintArgs, given: &Given) -> Result<ExitCode, ConfigError> {
    let config = config::build(given, &Env::process(), SCOPES)?;
    let mut corpus = graph_contract::run::read_pages(&config.pages)?;
    if let Some(p) = &a.metadata {
        let judge = config::load_metadata(p)?;
        let found = graph_contract::csdl::lint_cases(&judge, &corpus.cases);
        corpus.diagnostics.extend(found);
        corpus
            .diagnostics
            .sort_by(|x, y| (&x.page, x.line).cmp(&(&y.page, y.line)));
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut counts: std::collections::BTreeMap<(&str, Severity), usize> = Default::default();
    // Each page read once (diagnostics come grouped by page) for its lines.
    let (mut sources, color) = (
        graph_contract::error::Sources::default(),
        report::stdout_color(),
    );
    for (i, d) in corpus.diagnostics.iter().enumerate() {
        *counts.entry((d.kind.as_str(), d.severity)).or_default() += 1;
        let line = if a.json {
            serde_json::to_string(d).unwrap_or_default()
        } else if a.short {
            report::visible(&d.to_string()).into_owned()
        } else {
            // rustc-style, a blank line between diagnostics
            let r = sources.render(d, color);
            format!("{}{}", if i > 0 { "\n" } else { "" }, r.trim_end())
        };
        let _ = writeln!(out, "{line}");
    }
    let errors = corpus
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if a.json {
        // A kind seen at both severities is counted once, in total.
        let mut totals: std::collections::BTreeMap<&str, usize> = Default::default();
        for ((k, _), n) in &counts {
            *totals.entry(k).or_default() += n;
        }
        let by_kind: serde_json::Map<String, serde_json::Value> = totals
            .iter()
            .map(|(k, n)| (k.to_string(), (*n).into()))
            .collect();
        let _ = writeln!(
            out,
            "{}",
            serde_json::json!({"summary": {"pages": corpus.pages, "cases": corpus.cases.len(),
                "diagnostics": corpus.diagnostics.len(), "errors": errors, "by_kind": by_kind}})
        );
    } else {
        let _ = writeln!(
            out,
            "\n{} pages, {} cases, {} diagnostics ({} errors)",
            corpus.pages,
            corpus.cases.len(),
            corpus.diagnostics.len(),
            errors
        );
        for ((kind, sev), n) in &counts {
            let sev = if *sev == Severity::Error {
                "error"
            } else {
                "warning"
            };
            let _ = writeln!(out, "  {n:>6}  {kind} ({sev})");
        }
    }
    let _ = out.flush();
    Ok(ExitCode::from(if errors > 0 {
        exit::FAILED
    } else {
        exit::OK
    }))
}
