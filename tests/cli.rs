//! The machine outputs of `list --json` and `lint --json`: one JSON object
//! per line, agreeing with what the library reads from the same pages.

mod support;

use graph_contract::docs;
use graph_contract::model::Severity;
use serde_json::Value;
use support::{binary, crate_path, output_text};

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn list_json_has_one_object_per_case_with_every_field() {
    let pages = crate_path("fixtures/pages");
    let corpus = docs::read_paths(&[pages.as_path()]);
    let out = binary()
        .args(["list", "--json"])
        .arg(&pages)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), corpus.cases.len());
    for (row, case) in rows.iter().zip(&corpus.cases) {
        assert_eq!(row["id"], case.id.as_str());
        assert_eq!(row["page"], case.page.as_str());
        assert_eq!(row["line"], case.line());
        assert_eq!(row["method"], case.request.method.as_str());
        assert_eq!(row["url"], case.request.url.as_str());
        assert_eq!(row["inferred"], case.inferred);
        match &case.response {
            Some(r) => {
                assert_eq!(row["status"], r.status);
                assert_eq!(row["truncated"], r.truncated);
            }
            None => assert!(row["status"].is_null()),
        }
    }
    assert!(
        rows.iter().any(|r| r["inferred"] == true),
        "the fixtures hold an inferred case"
    );
    // Plain `list` prints the same ids, one per line.
    let out = binary().arg("list").arg(&pages).output().unwrap();
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let want: Vec<String> = corpus.cases.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, want);
}

#[test]
fn lint_json_lists_every_diagnostic_then_a_summary_by_kind() {
    let pages = crate_path("fixtures/pages");
    let corpus = docs::read_paths(&[pages.as_path()]);
    let out = binary()
        .args(["lint", "--json"])
        .arg(&pages)
        .output()
        .unwrap();
    let errors = corpus
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    assert_eq!(
        out.status.code(),
        Some(if errors > 0 { 1 } else { 0 }),
        "{}",
        output_text(&out)
    );
    let mut rows = json_lines(&out.stdout);
    let summary = rows.pop().expect("a summary line")["summary"].clone();
    assert_eq!(rows.len(), corpus.diagnostics.len());
    for row in &rows {
        for field in ["page", "line", "severity", "kind", "message"] {
            assert!(!row[field].is_null(), "{field} in {row}");
        }
    }
    assert_eq!(summary["diagnostics"], corpus.diagnostics.len());
    assert_eq!(summary["errors"], errors);
    assert_eq!(summary["cases"], corpus.cases.len());
    let by_kind = summary["by_kind"].as_object().unwrap();
    let total: u64 = by_kind.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total as usize, corpus.diagnostics.len());
    // The short text form: `page:line: kind: message`, then the counts.
    let out = binary()
        .args(["lint", "--short"])
        .arg(&pages)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let first = &corpus.diagnostics[0];
    assert!(
        text.contains(&format!("{}:{}: {}: ", first.page, first.line, first.kind)),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{} diagnostics ({errors} errors)",
            corpus.diagnostics.len()
        )),
        "{text}"
    );
}
