//! Issue #12, one engine that emits events: a recording listener sees one
//! start and one finish per case and the run's totals, under `check`'s
//! engine calls and under the harness, and the totals it is told are the
//! results' own.

use graph_contract::config::Env;
use graph_contract::run::{Event, Listener, Listeners, Session, Settings, Totals};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

mod support;

/// What a listener saw, in order.
#[derive(Default, Debug)]
struct Seen {
    runs_started: usize,
    selected: usize,
    started: Vec<usize>,
    finished: Vec<usize>,
    /// A case finished before it started.
    out_of_order: Vec<usize>,
    totals: Option<Totals>,
    results: usize,
    after_finish: usize,
}

struct Recorder(Arc<Mutex<Seen>>);

impl Listener for Recorder {
    fn event(&mut self, event: &Event<'_>) {
        let mut s = self.0.lock().unwrap();
        if s.totals.is_some() {
            s.after_finish += 1;
        }
        match event {
            Event::RunStarted(r) => {
                s.runs_started += 1;
                s.selected = r.selected;
            }
            Event::CaseStarted { index, .. } => s.started.push(*index),
            Event::CaseFinished { result, .. } => {
                if !s.started.contains(&result.index) {
                    s.out_of_order.push(result.index);
                }
                s.finished.push(result.index);
            }
            Event::Warning(_) => {}
            Event::RunFinished(f) => {
                s.totals = Some(f.totals.clone());
                s.results = f.results.len();
            }
        }
    }
}

fn check_seen(seen: &Seen, cases: usize, results_totals: &Totals) {
    assert_eq!(seen.runs_started, 1, "{seen:?}");
    assert_eq!(seen.selected, cases, "{seen:?}");
    let mut started = seen.started.clone();
    started.sort();
    let mut finished = seen.finished.clone();
    finished.sort();
    let all: Vec<usize> = (0..cases).collect();
    assert_eq!(started, all, "one start per case: {seen:?}");
    assert_eq!(finished, all, "one finish per case: {seen:?}");
    assert!(seen.out_of_order.is_empty(), "{seen:?}");
    assert_eq!(seen.totals.as_ref(), Some(results_totals), "{seen:?}");
    assert_eq!(seen.results, cases);
    assert_eq!(seen.after_finish, 0, "nothing after the run finished");
}

#[test]
fn checks_engine_tells_one_start_and_finish_per_case_and_the_totals() {
    let corpus =
        graph_contract::docs::read_paths(&[support::crate_path("fixtures/gate").as_path()]);
    let cases = corpus.cases.len();
    assert!(cases >= 5, "the gate pages have examples");
    let session = Arc::new(Session::open(Settings::default(), Arc::new(corpus.cases)).unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let listeners = Listeners::new(vec![Box::new(Recorder(seen.clone()))]);
    let indices: Vec<usize> = (0..cases).collect();
    session.start(&listeners, cases, 1, 1);
    let mut results = session.run_events(&indices, 8, &listeners);
    let totals = session
        .finish(&listeners, &mut results, &[], std::time::Duration::ZERO, 0)
        .unwrap()
        .totals;
    assert_eq!(totals, Totals::of(&results));
    // Not a vacuous run: the mock answers its own pages, some are ignored.
    assert!(totals.passed > 0, "{totals:?}");
    check_seen(&seen.lock().unwrap(), cases, &totals);
}

#[test]
fn the_harness_tells_the_same_events() {
    let specs = support::crate_path("fixtures/gate");
    let env = Env::from_pairs(HashMap::from([(
        "GRAPH_CONTRACT_SPECS".to_owned(),
        specs.display().to_string(),
    )]));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let log = support::harness_log();
    let args = libtest_mimic::Arguments::from_iter(["contract", "--quiet", "--logfile", &log]);
    let outcome =
        graph_contract::harness::run_with(args, &env, vec![Box::new(Recorder(seen.clone()))])
            .unwrap();
    let cases = outcome.cases.len();
    assert!(cases >= 5);
    check_seen(&seen.lock().unwrap(), cases, &Totals::of(&outcome.results));
}

#[test]
fn a_listener_that_cannot_report_fails_the_run_after_every_listener_ran() {
    struct Broken;
    impl Listener for Broken {
        fn event(&mut self, _: &Event<'_>) {}
        fn done(&mut self) -> Result<(), graph_contract::error::Error> {
            Err(graph_contract::error::Error::io("cannot write report.xml"))
        }
    }
    let corpus = graph_contract::docs::read_paths(&[support::seed_page().as_path()]);
    let session = Arc::new(Session::open(Settings::default(), Arc::new(corpus.cases)).unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let listeners = Listeners::new(vec![Box::new(Broken), Box::new(Recorder(seen.clone()))]);
    session.start(&listeners, 1, 1, 1);
    let mut results = session.run_events(&[0], 1, &listeners);
    let e = session
        .finish(&listeners, &mut results, &[], std::time::Duration::ZERO, 0)
        .unwrap_err();
    assert!(e.to_string().contains("report.xml"), "{e}");
    assert!(
        seen.lock().unwrap().totals.is_some(),
        "the other listener was told"
    );
}

/// A pass run for its verdicts (`--repeat`'s earlier passes) gives each
/// case the verdict and findings a whole run gives, told to the listeners
/// the same way, without the exchange (`sent`, `actual`).
#[test]
fn a_pass_run_for_its_verdicts_judges_as_a_whole_run_does() {
    let server = support::serve(|req| {
        let n: usize = req
            .path
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        match n % 4 {
            0 => support::Resp::json(200, &serde_json::json!({"id": "x"})),
            1 => support::Resp::json(200, &serde_json::json!({"other": 1})),
            2 => support::Resp::json(500, &serde_json::json!({"error": {"code": "x"}})),
            _ => support::Resp::json(200, &serde_json::json!({"id": 5})),
        }
    });
    let cases: Vec<_> = (0..24)
        .map(|i| support::json_case("verdicts", &format!("c{i}"), "GET", &format!("/c-{i}")))
        .collect();
    let settings = Settings {
        target: Some(server.url.clone()),
        ..Default::default()
    };
    let session = Arc::new(Session::open(settings, Arc::new(cases)).unwrap());
    let indices: Vec<usize> = (0..24).collect();
    let (whole_seen, verdicts_seen) = (Arc::default(), Arc::default());
    let whole = session.run_events(
        &indices,
        4,
        &Listeners::new(vec![Box::new(Recorder(Arc::clone(&whole_seen)))]),
    );
    let verdicts = session.run_events_verdicts(
        &indices,
        4,
        &Listeners::new(vec![Box::new(Recorder(Arc::clone(&verdicts_seen)))]),
    );
    let shown = |r: &graph_contract::run::CaseResult| {
        let findings: Vec<String> = r.findings.iter().map(|f| f.to_string()).collect();
        (r.index, format!("{:?}", r.verdict), findings)
    };
    let (a, b): (Vec<_>, Vec<_>) = (
        whole.iter().map(shown).collect(),
        verdicts.iter().map(shown).collect(),
    );
    assert_eq!(a, b);
    let kinds: std::collections::BTreeSet<&str> = a.iter().map(|(_, v, _)| v.as_str()).collect();
    assert!(kinds.len() >= 2, "the answers pass and fail: {kinds:?}");
    assert!(whole.iter().all(|r| r.sent.is_some() && r.actual.is_some()));
    assert!(
        verdicts
            .iter()
            .all(|r| r.sent.is_none() && r.actual.is_none())
    );
    let (w, v) = (whole_seen.lock().unwrap(), verdicts_seen.lock().unwrap());
    assert_eq!((w.started.len(), w.finished.len()), (24, 24));
    assert_eq!((v.started.len(), v.finished.len()), (24, 24));
}
