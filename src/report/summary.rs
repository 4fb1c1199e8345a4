//! A Markdown summary fit for a CI job summary page: totals, a table of
//! failures with their first finding, and the details folded away. A run
//! under `--insecure` says so under the totals.

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
    coverage: &crate::run::Coverage,
    redactor: &Redactor,
) -> String {
    let t = Totals::of(results);
    let mut out = String::from("## graph-contract\n\n");
    let icon = if t.failed == 0 && coverage.shortfall().is_none() {
        "✅"
    } else {
        "❌"
    };
    let not_implemented = if t.not_implemented > 0 {
        format!(", {} not implemented", t.not_implemented)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{icon} **{} passed**, **{} failed**, {}, {} ignored{not_implemented}, {}{}\n",
        t.passed,
        t.failed,
        super::count(t.known_failures, "known failure", "known failures"),
        t.ignored_total(),
        super::count(t.warnings, "warning", "warnings"),
        if enforced.is_empty() {
            String::new()
        } else {
            format!(" (enforced: {})", enforced.join(", "))
        }
    );
    if enforced.contains(&crate::target::tls::INSECURE) {
        let _ = writeln!(
            out,
            "> **Warning:** {}\n",
            cell(crate::target::tls::INSECURE_WARNING)
        );
    }
    if !t.ignored.is_empty() {
        out.push_str("| ignored because | cases |\n|---|---:|\n");
        for (reason, n) in &t.ignored {
            let _ = writeln!(out, "| {} | {n} |", cell(&redactor.apply(reason)));
        }
        out.push('\n');
    }
    if let Some(short) = coverage.shortfall() {
        let _ = writeln!(out, "**{}**\n", cell(&short));
    }
    coverage_table(&mut out, coverage);
    let causes = super::causes(results);
    if !causes.is_empty() {
        out.push_str("### Failures by cause\n\n| cases | cause |\n|---:|---|\n");
        for (cause, n) in causes.iter().take(50) {
            let _ = writeln!(
                out,
                "| {} | {} |",
                super::thousands(*n),
                cell(&redactor.apply(cause))
            );
        }
        if causes.len() > 50 {
            let _ = writeln!(
                out,
                "| … | {} more (see the JSON report) |",
                super::count(causes.len() - 50, "cause", "causes")
            );
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

/// The coverage, as tables: the totals, the areas where something
/// answers, the service's model.
fn coverage_table(out: &mut String, c: &crate::run::Coverage) {
    let t = &c.total;
    if t.operations == 0 {
        return;
    }
    out.push_str("### Coverage\n\n");
    let figure = c.percent().map_or_else(
        || "not judged".to_owned(),
        |p| format!("{}%", crate::run::coverage::percent_text(p)),
    );
    let _ = writeln!(
        out,
        "**{figure}** of the {} operations that ran conform{}.\n",
        if c.with_metadata {
            "declared"
        } else {
            "documented"
        },
        c.min.map_or_else(String::new, |m| format!(
            " (--min-coverage {}%)",
            crate::run::coverage::min_text(m)
        ))
    );
    out.push_str("| | operations | conforming | failing | not judged | not implemented |\n|---|---:|---:|---:|---:|---:|\n");
    let row = |out: &mut String, name: &str, a: &crate::run::coverage::Counts| {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(name),
            a.operations,
            a.conforming,
            a.failing,
            a.unjudged,
            a.not_implemented
        );
    };
    row(out, "**all**", t);
    let mut idle = 0;
    for (name, a) in &c.areas {
        if a.answered > 0 {
            row(out, name, a);
        } else {
            idle += 1;
        }
    }
    out.push('\n');
    if idle > 0 {
        let _ = writeln!(
            out,
            "{} with nothing that answers with a success status.\n",
            super::count(idle, "area", "areas")
        );
    }
    if let Some(m) = &c.model {
        out.push_str("| the service's `$metadata` | declared | with an example | passing |\n|---|---:|---:|---:|\n");
        for (kind, k) in &m.kinds {
            let _ = writeln!(
                out,
                "| {kind} | {} | {} | {} |",
                k.declared, k.documented, k.passing
            );
        }
        out.push('\n');
    }
}
