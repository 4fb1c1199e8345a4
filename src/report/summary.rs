//! A Markdown summary fit for a CI job summary page: totals, a table of
//! failures with their first finding, and the details folded away.

use super::{Redactor, Totals, case_details, first_finding};
use crate::model::Case;
use crate::run::{CaseResult, Verdict};
use std::fmt::Write as _;

fn cell(text: &str) -> String {
    super::visible(text).replace('|', "\\|").replace('\n', " ")
}

pub fn render(
    cases: &[Case],
    results: &[CaseResult],
    enforced: &[&str],
    fixed: &[String],
    redactor: &Redactor,
) -> String {
    let t = Totals::of(results);
    let mut out = String::from("## graph-contract\n\n");
    let icon = if t.failed == 0 { "✅" } else { "❌" };
    let _ = writeln!(
        out,
        "{icon} **{} passed**, **{} failed**, {} known failures, {} ignored, {} warnings{}\n",
        t.passed,
        t.failed,
        t.known_failures,
        t.ignored_total(),
        t.warnings,
        if enforced.is_empty() {
            String::new()
        } else {
            format!(" (enforced: {})", enforced.join(", "))
        }
    );
    if !t.ignored.is_empty() {
        out.push_str("| ignored because | cases |\n|---|---:|\n");
        for (reason, n) in &t.ignored {
            let _ = writeln!(out, "| {} | {n} |", cell(&redactor.apply(reason)));
        }
        out.push('\n');
    }
    let failures: Vec<&CaseResult> = results
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .collect();
    if !failures.is_empty() {
        out.push_str("### Failures\n\n| case | example | first finding |\n|---|---|---|\n");
        for r in &failures {
            let case = &cases[r.index];
            let first = first_finding(r).map(|f| f.to_string()).unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{}` | {}:{} | {} |",
                cell(&case.id),
                cell(&case.page),
                case.line(),
                cell(&redactor.apply(&first))
            );
        }
        out.push('\n');
        for r in &failures {
            let case = &cases[r.index];
            let _ = writeln!(
                out,
                "<details><summary><code>{}</code></summary>\n\n```diff\n{}```\n\n</details>\n",
                quick_xml::escape::escape(&case.id),
                redactor
                    .apply(&case_details(case, r, false, super::diff::View::Folded))
                    .replace("```", "'''")
            );
        }
    }
    if !fixed.is_empty() {
        out.push_str("### Fixed since the baseline (remove them from it)\n\n");
        for id in fixed {
            let _ = writeln!(out, "- `{id}`");
        }
    }
    out
}
