//! `graph-contract report`: draw reports again from JSON reports, merged:
//! `check` runs over parts of the pages (a CI matrix), re-runs, the v1.0
//! and beta halves → one HTML, one
//! JUnit, one summary, one JSON.
//!
//! Decisions, and why:
//! - **Read back, then the run's own renderers** ([`report::json::read`],
//!   [`report::write_reports`]): a merged report says what a live one
//!   would.
//! - **A case in several inputs is kept once, the last one read** (a
//!   re-run shard replaces the first), and the merge says how many were
//!   replaced: counting it twice would make totals no run had. Coverage
//!   is counted again from the kept results ([`Coverage::regroup`]), each
//!   case in the operation its report recorded.
//! - **It renders; it does not gate.** Exit 0 once the files are written,
//!   2 for an input that cannot be read (naming it and the case): the runs
//!   that wrote the inputs were the gate.

use super::ConfigError;
use graph_contract::error::Error;
use graph_contract::redact::Redactor;
use graph_contract::report::{self, Extra, Outputs, View, json::Loaded};
use graph_contract::run::{CaseResult, Coverage, exit};
use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// The largest JSON report read (1 GiB).
const MAX_INPUT: u64 = 1 << 30;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// JSON reports written by `check --json` (or GRAPH_CONTRACT_JSON under cargo test).
    #[arg(value_name = "JSON", required = true)]
    inputs: Vec<PathBuf>,
    /// Write the merged HTML report.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the merged JUnit XML report.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the merged Markdown summary.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Write the merged JSON report.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

pub fn run(a: ReportArgs) -> Result<ExitCode, ConfigError> {
    let outputs = Outputs {
        junit: a.junit,
        json: a.json,
        summary: a.summary,
        html: a.html,
        write_baseline: None,
    };
    if outputs.junit.is_none()
        && outputs.json.is_none()
        && outputs.summary.is_none()
        && outputs.html.is_none()
    {
        return Err(Error::config(
            "report: nothing to write: give --html FILE, --junit FILE, --summary FILE or --json FILE"
                .to_owned(),
        ));
    }
    let mut parts = Vec::new();
    let mut sources = Vec::new();
    for path in &a.inputs {
        let name = path.display().to_string();
        // Only a regular file, and not a huge one: a FIFO would block,
        // /dev/zero never end.
        match std::fs::metadata(path) {
            Err(e) => return Err(Error::config(format!("cannot read {name}: {e}"))),
            Ok(m) if !m.is_file() => {
                return Err(Error::config(format!(
                    "cannot read {name}: not a regular file"
                )));
            }
            Ok(m) if m.len() > MAX_INPUT => {
                return Err(Error::config(format!(
                    "cannot read {name}: {} bytes, more than the {} a JSON report may have",
                    m.len(),
                    MAX_INPUT
                )));
            }
            Ok(_) => {}
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("cannot read {name}: {e}")))?;
        parts.push(report::json::read(&name, &text).map_err(Error::config)?);
        sources.push(name);
    }
    let (merged, replaced) = merge(parts);
    if replaced > 0 {
        let _ = writeln!(
            std::io::stderr(),
            "graph-contract: {} in more than one report: the last one read is kept",
            report::count(replaced, "case was", "cases were")
        );
    }
    let view = View {
        cases: &merged.cases,
        results: &merged.results,
        extras: &merged.extras,
        coverage: &merged.coverage,
        enforced: &merged.enforced,
        fixed: &merged.fixed,
        target: &merged.target,
        sources: &sources,
    };
    // The inputs were redacted when written; the writer is the one every
    // output passes.
    let redactor = Arc::new(Redactor::new(Vec::<String>::new()));
    report::write_reports(&outputs, &view, &redactor)?;
    let t = report::Totals::of(&merged.results);
    let mut line = format!(
        "merged {}: {} passed, {} failed",
        report::count(sources.len(), "report", "reports"),
        t.passed,
        t.failed
    );
    for p in [
        &outputs.html,
        &outputs.junit,
        &outputs.summary,
        &outputs.json,
    ]
    .into_iter()
    .flatten()
    {
        line.push_str(&format!("; wrote {}", p.display()));
    }
    let _ = writeln!(std::io::stdout(), "{}", report::visible(&line));
    Ok(ExitCode::from(exit::OK))
}

/// Several reports as one; how many cases were replaced by a later report.
fn merge(parts: Vec<Loaded>) -> (Loaded, usize) {
    let mut out = Loaded::default();
    let mut coverages = Vec::new();
    let mut targets: Vec<String> = Vec::new();
    let mut at: HashMap<(String, String), usize> = HashMap::new();
    let mut replaced = 0;
    // The report each kept case came from.
    let mut source: Vec<usize> = Vec::new();
    for (n, part) in parts.into_iter().enumerate() {
        coverages.push(part.coverage);
        if !part.target.is_empty() && !targets.contains(&part.target) {
            targets.push(part.target);
        }
        for e in part.enforced {
            if !out.enforced.contains(&e) {
                out.enforced.push(e);
            }
        }
        for f in part.fixed {
            if !out.fixed.contains(&f) {
                out.fixed.push(f);
            }
        }
        // Pages as the run wrote them are relative to where it ran: made
        // absolute, so links and re-run commands hold from anywhere, and
        // one page spelled two ways (`./docs/x.md`) is one page.
        let root = std::path::PathBuf::from(&part.root);
        let mut cases: Vec<Option<graph_contract::model::Case>> = part
            .cases
            .into_iter()
            .map(|mut c| {
                c.page = absolute_page(&root, &c.page);
                Some(c)
            })
            .collect();
        for (result, extra) in part.results.into_iter().zip(part.extras) {
            let Some(case) = cases.get_mut(result.index).and_then(Option::take) else {
                continue;
            };
            let key = (case.page.clone(), case.id.clone());
            match at.get(&key) {
                Some(&i) => {
                    replaced += 1;
                    source[i] = n;
                    put(&mut out, i, case, result, extra);
                }
                None => {
                    let i = out.cases.len();
                    at.insert(key, i);
                    out.cases.push(case.clone());
                    out.results.push(result.clone());
                    out.extras.push(Extra::default());
                    source.push(n);
                    put(&mut out, i, case, result, extra);
                }
            }
        }
    }
    let kept: Vec<(usize, &graph_contract::model::Case, &CaseResult)> = out
        .results
        .iter()
        .map(|r| (source[r.index], &out.cases[r.index], r))
        .collect();
    let coverage = Coverage::regroup(&coverages, &kept);
    out.coverage = coverage;
    out.target = targets.join("; ");
    (out, replaced)
}

/// A page path as an absolute one (lexically: `.` and `..` resolved), from
/// the folder its run ran in.
fn absolute_page(root: &std::path::Path, page: &str) -> String {
    let p = std::path::Path::new(page);
    let joined = if p.is_absolute() || root.as_os_str().is_empty() {
        p.to_path_buf()
    } else {
        root.join(p)
    };
    report::html::normalize(&joined).display().to_string()
}

fn put(out: &mut Loaded, i: usize, case: graph_contract::model::Case, r: CaseResult, e: Extra) {
    out.cases[i] = case;
    out.results[i] = CaseResult { index: i, ..r };
    out.extras[i] = e;
}
