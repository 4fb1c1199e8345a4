//! Issue #12, the one page-order rule under the harness: cases of a page a
//! scenario touches run in document order, and no arrangement of pages can
//! make a trial wait for one libtest starts after it (a deadlock with one
//! thread). Found by the review: two roots holding pages of one id.

use graph_contract::config::Env;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

mod support;

/// Two roots, each with `p.md` (page id `p`), and a scenario on page `p`.
fn layout(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("gc-order-{name}-{}", std::process::id()));
    let page = std::fs::read_to_string(support::crate_path("fixtures/gate/users.md")).unwrap();
    for root in ["v1/api", "beta/api"] {
        std::fs::create_dir_all(dir.join(root)).unwrap();
        std::fs::write(dir.join(root).join("p.md"), &page).unwrap();
    }
    let scenarios = dir.join("sc.toml");
    std::fs::write(
        &scenarios,
        "[[scenario]]\npage = \"p\"\n[[scenario.setup]]\nmethod = \"GET\"\n\
         url = \"https://graph.microsoft.com/v1.0/users/u-1\"\n",
    )
    .unwrap();
    (dir.join("v1/api"), dir.join("beta/api"), scenarios)
}

/// The harness run, or `None` when it did not finish in time.
fn run_within(specs: String, scenarios: &std::path::Path, threads: &str) -> Option<usize> {
    let env = Env::from_pairs([
        ("GRAPH_CONTRACT_SPECS".to_owned(), specs),
        (
            "GRAPH_CONTRACT_SCENARIOS".to_owned(),
            scenarios.display().to_string(),
        ),
    ]);
    let log = support::harness_log();
    let argv = vec![
        "contract".to_owned(),
        "--quiet".to_owned(),
        "--logfile".to_owned(),
        log,
        "--test-threads".to_owned(),
        threads.to_owned(),
    ];
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let args = libtest_mimic::Arguments::from_iter(argv);
        let o = graph_contract::harness::run(args, &env).expect("harness runs");
        let _ = tx.send(o.results.len());
    });
    rx.recv_timeout(Duration::from_secs(60)).ok()
}

#[test]
fn pages_of_one_id_under_two_roots_or_one_root_twice_never_deadlock() {
    let (v1, beta, scenarios) = layout("turns");
    // (pages, threads, cases run: a page given twice is read once)
    let rows = [
        (format!("{}\n{}", v1.display(), beta.display()), "1", 4),
        (format!("{}\n{}", v1.display(), beta.display()), "4", 4),
        (format!("{}\n{}", v1.display(), v1.display()), "1", 2),
    ];
    for (specs, threads, cases) in rows {
        let ran = run_within(specs.clone(), &scenarios, threads);
        assert!(
            ran.is_some(),
            "{specs:?} with {threads} thread(s) did not finish"
        );
        assert_eq!(ran.unwrap(), cases, "{specs:?}: every case ran once");
    }
    let _ = std::fs::remove_dir_all(v1.parent().unwrap().parent().unwrap());
}

#[test]
fn groups_keep_each_file_in_document_order() {
    let (v1, beta, scenarios) = layout("groups");
    let corpus = graph_contract::docs::read_paths(&[v1.as_path(), beta.as_path()]);
    let sc = graph_contract::scenario::Scenarios::load(
        &scenarios,
        &graph_contract::scenario::Vars::default(),
    )
    .unwrap();
    // Shuffled selection, as `check --repeat` and tests give.
    let mut indices: Vec<usize> = (0..corpus.cases.len()).collect();
    indices.reverse();
    let groups = graph_contract::run::order::groups(&corpus.cases, &sc, &indices);
    assert_eq!(groups.len(), 2, "one group per file: {groups:?}");
    for g in &groups {
        let page = &corpus.cases[g[0].1].page;
        assert!(g.iter().all(|&(_, i)| &corpus.cases[i].page == page));
        let lines: Vec<usize> = g.iter().map(|&(_, i)| corpus.cases[i].line()).collect();
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "{lines:?}");
    }
    let _ = std::fs::remove_dir_all(v1.parent().unwrap().parent().unwrap());
}
