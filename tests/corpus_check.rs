//! The whole real corpus (`../shared/graph-docs/v1.0/api`) checked against
//! the built-in mock: every case that has a documented response is served
//! and passes; the rest are listed with their reason. Fails with a clear
//! message when the corpus is absent (CI lays `../shared` beside the clone).

mod support;

use graph_contract::docs;
use graph_contract::run::{Session, Settings, Verdict};
use std::sync::Arc;

#[test]
fn every_servable_case_of_the_corpus_passes_against_the_built_in_mock() {
    let dir = support::corpus_dir();
    assert!(
        dir.is_dir(),
        "the Graph docs corpus is expected at {} (or set GRAPH_CONTRACT_CORPUS); \
         CI lays ../shared beside the clone",
        dir.display()
    );
    let corpus = docs::read_paths(&[dir.as_path()]);
    let total = corpus.cases.len();
    assert!(total >= 2_200, "only {total} cases read");
    let session = Arc::new(Session::open(Settings::default(), Arc::new(corpus.cases)).unwrap());
    assert!(session.uses_mock());
    let indices: Vec<usize> = (0..total).collect();
    let results = session.run_all(&indices, 64, |_| {});
    assert_eq!(results.len(), total, "every case reported exactly once");
    let mut seen = vec![false; total];
    let mut failed = Vec::new();
    let mut ignored = Vec::new();
    for r in &results {
        assert!(!seen[r.index], "case {} reported twice", r.index);
        seen[r.index] = true;
        let case = &session.cases[r.index];
        match &r.verdict {
            Verdict::Pass => {}
            Verdict::Ignored(reason) => ignored.push(format!(
                "{} ({}:{}): {reason}",
                case.id,
                case.page,
                case.line()
            )),
            _ => failed.push(format!(
                "{}: {}",
                case.id,
                r.findings
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        }
    }
    println!("{} cases; {} ignored:", total, ignored.len());
    for i in &ignored {
        println!("  {i}");
    }
    assert!(
        failed.is_empty(),
        "{} servable cases fail against the mock:\n{}",
        failed.len(),
        failed.join("\n")
    );
    // The only cases the mock cannot serve are those with no documented response.
    for i in &ignored {
        assert!(
            i.ends_with("no documented response"),
            "unexpected reason: {i}"
        );
    }
    let with_response = session
        .cases
        .iter()
        .filter(|c| c.response.is_some())
        .count();
    assert_eq!(total - ignored.len(), with_response);
}
