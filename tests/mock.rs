//! The built-in mock started on its own (`graph-contract mock`), spoken to
//! over real HTTP: examples that share method and path are each answered
//! with their own response when the client names the case
//! (`check --case-header`, `GRAPH_CONTRACT_CASE_HEADER` under the harness),
//! and with the first one's otherwise, which a contract run then reports.

mod support;

use graph_contract::docs::read_paths;
use graph_contract::harness;
use graph_contract::mock::{self, Routes};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::{binary, output_text};

const PAGE: &str = "fixtures/shared-route/user-get.md";

/// The mock over `PAGE` on an ephemeral loopback port, on a runtime of its
/// own (kept alive with it).
fn start_mock() -> (tokio::runtime::Runtime, mock::MockServer) {
    let corpus = read_paths(&[Path::new(PAGE)]);
    assert_eq!(corpus.cases.len(), 2, "{:?}", corpus.diagnostics);
    let routes = Arc::new(Routes::new(&corpus.cases));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(mock::start(routes, ([127, 0, 0, 1], 0).into()))
        .unwrap();
    (rt, server)
}

#[test]
fn check_names_the_case_with_case_header_and_each_example_gets_its_own_answer() {
    let (_rt, server) = start_mock();
    let url = server.url();
    let check = |extra: &[&str]| {
        let out = binary()
            .args(["check", PAGE, "--target", &url, "--fill-placeholders"])
            .args(extra)
            .output()
            .unwrap();
        (out.status.code(), output_text(&out))
    };
    // Without the hint the mock cannot tell the two apart: both get the
    // first example's answer, and the second example's manager is missing.
    let (code, t) = check(&[]);
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("1 passed; 1 failed"), "{t}");
    assert!(t.contains("user-get::get_user_expand_manager"), "{t}");
    assert!(t.contains("/manager: missing"), "{t}");
    // With it, each example is answered with its own response.
    let (code, t) = check(&["--case-header"]);
    assert_eq!(code, Some(0), "{t}");
    assert!(t.contains("2 passed; 0 failed"), "{t}");
}

#[test]
fn the_harness_names_the_case_when_graph_contract_case_header_is_set() {
    let (_rt, server) = start_mock();
    let run = |case_header: Option<&str>| {
        let mut env: HashMap<String, String> = HashMap::from([
            ("TARGET_URL".into(), server.url()),
            (
                "GRAPH_CONTRACT_SPECS".into(),
                PathBuf::from(PAGE).display().to_string(),
            ),
            ("GRAPH_CONTRACT_FILL_PLACEHOLDERS".into(), "1".into()),
        ]);
        if let Some(v) = case_header {
            env.insert("GRAPH_CONTRACT_CASE_HEADER".into(), v.into());
        }
        let lookup = graph_contract::config::Env::from_pairs(env.clone());
        let log = support::harness_log();
        let argv = ["contract", "--quiet", "--logfile", &log];
        harness::run(libtest_mimic::Arguments::from_iter(argv), &lookup).unwrap()
    };
    let failed = |o: &harness::Outcome| -> Vec<String> {
        o.results
            .iter()
            .filter(|r| r.verdict == graph_contract::run::Verdict::Fail)
            .map(|r| o.cases[r.index].id.clone())
            .collect()
    };
    let o = run(None);
    assert_eq!(o.code, 101);
    assert_eq!(failed(&o), ["user-get::get_user_expand_manager"]);
    let o = run(Some("0"));
    assert_eq!(o.code, 101, "0 means off");
    let o = run(Some("1"));
    assert_eq!(o.code, 0, "{:?}", failed(&o));
    assert_eq!(o.results.len(), 2);
}
