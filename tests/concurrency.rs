//! Concurrency is correct, not just fast: exchanges really overlap up to
//! `jobs` (never more), the cases of a page touched by a scenario run one at a
//! time in document order while other pages overlap, and every case is
//! reported exactly once, in input order. No timing assertions: the server
//! counts what is in flight and records the order it was asked things in.

use bytes::Bytes;
use graph_contract::docs::read_page;
use graph_contract::model::Case;
use graph_contract::run::{Session, Settings, Verdict};
use graph_contract::scenario::{Scenarios, Vars};
use http_body_util::Full;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server saw.
#[derive(Default)]
struct Seen {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// ("start" | "end", path) in the order they happened.
    events: Mutex<Vec<(&'static str, String)>>,
}

/// A loopback server answering `{"id": "<last path segment>"}` to anything.
/// Each request waits (up to `hold`) until `gather` requests have been in
/// flight at once, then for `pause`: a client that never overlaps still
/// finishes, later.
struct Server {
    url: String,
    seen: Arc<Seen>,
    _runtime: tokio::runtime::Runtime,
}

fn serve(gather: usize, hold: Duration, pause: Duration) -> Server {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let gathered = Arc::new(tokio::sync::Notify::new());
    let state = seen.clone();
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let seen = state.clone();
            let gathered = gathered.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<_>| {
                    let seen = seen.clone();
                    let gathered = gathered.clone();
                    async move {
                        let path = req.uri().path().to_owned();
                        let _ = http_body_util::BodyExt::collect(req.into_body()).await;
                        seen.events.lock().unwrap().push(("start", path.clone()));
                        let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        seen.max_in_flight.fetch_max(now, Ordering::SeqCst);
                        if now >= gather {
                            gathered.notify_waiters();
                        } else {
                            let _ = tokio::time::timeout(hold, gathered.notified()).await;
                        }
                        tokio::time::sleep(pause).await;
                        seen.in_flight.fetch_sub(1, Ordering::SeqCst);
                        seen.events.lock().unwrap().push(("end", path.clone()));
                        let id = path.rsplit('/').next().unwrap_or_default();
                        let body = format!("{{\"id\":\"{id}\"}}");
                        let mut resp = hyper::Response::new(Full::new(Bytes::from(body)));
                        resp.headers_mut().insert(
                            hyper::header::CONTENT_TYPE,
                            hyper::header::HeaderValue::from_static("application/json"),
                        );
                        Ok::<_, std::convert::Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Server {
        url,
        seen,
        _runtime: runtime,
    }
}

/// A page of `n` GET examples on `/v1.0/<page>/<page>-<i>`.
fn page(page_id: &str, n: usize) -> Vec<Case> {
    let mut text = String::new();
    for i in 0..n {
        let _ = write!(
            text,
            "<!-- {{ \"blockType\": \"request\", \"name\": \"c{i}\" }} -->\n\
             ```http\nGET https://graph.microsoft.com/v1.0/{page_id}/{page_id}-{i}\n```\n\n\
             <!-- {{ \"blockType\": \"response\" }} -->\n\
             ```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n\
             {{\"id\": \"{page_id}-{i}\"}}\n```\n\n"
        );
    }
    let (cases, _) = read_page(&format!("{page_id}.md"), page_id, &text);
    assert_eq!(cases.len(), n);
    cases
}

fn session(url: &str, cases: Vec<Case>, jobs: usize, scenarios: Scenarios) -> Arc<Session> {
    let mut settings = Settings {
        target: Some(url.to_owned()),
        scenarios,
        ..Settings::default()
    };
    settings.send.jobs = jobs;
    settings.send.timeout = Duration::from_secs(20);
    Arc::new(Session::open(settings, Arc::new(cases)).unwrap())
}

#[test]
fn exchanges_overlap_up_to_jobs_and_never_more() {
    // The jobs are shared out over the replay threads (one per core): an
    // odd number and a prime must add up all the same.
    for jobs in [8, 3, 1] {
        let server = serve(jobs, Duration::from_secs(2), Duration::from_millis(2));
        let s = session(
            &server.url,
            page("free", 5 * jobs),
            jobs,
            Scenarios::default(),
        );
        let indices: Vec<usize> = (0..s.cases.len()).collect();
        let results = s.run_all(&indices, jobs, |_| {});
        assert!(results.iter().all(|r| r.verdict == Verdict::Pass));
        assert_eq!(
            server.seen.max_in_flight.load(Ordering::SeqCst),
            jobs,
            "--jobs {jobs}"
        );
    }
}

#[test]
fn every_case_is_reported_exactly_once_in_input_order() {
    let server = serve(usize::MAX, Duration::ZERO, Duration::ZERO);
    let cases: Vec<Case> = (0..5).flat_map(|p| page(&format!("p{p}"), 60)).collect();
    let s = session(&server.url, cases, 64, Scenarios::default());
    // A shuffled selection with a repeat: slots, not case indices, count.
    let mut indices: Vec<usize> = (0..s.cases.len()).rev().collect();
    indices.push(7);
    let mut seen = vec![0usize; s.cases.len()];
    let results = s.run_all(&indices, 64, |r| seen[r.index] += 1);
    assert_eq!(results.len(), indices.len());
    for (slot, r) in results.iter().enumerate() {
        assert_eq!(r.index, indices[slot], "result of slot {slot}");
        assert_eq!(r.verdict, Verdict::Pass, "{}", s.cases[r.index].id);
    }
    for (i, n) in seen.iter().enumerate() {
        assert_eq!(
            *n,
            if i == 7 { 2 } else { 1 },
            "case {i} reported {n} times"
        );
    }
}

#[test]
fn a_page_touched_by_a_scenario_runs_in_document_order_one_case_at_a_time() {
    let server = serve(usize::MAX, Duration::ZERO, Duration::from_millis(3));
    let toml = "[[scenario]]\npage = \"ordered\"\n\
                [[scenario.setup]]\nmethod = \"GET\"\nurl = \"/v1.0/setup/before\"\n\
                [[scenario.teardown]]\nmethod = \"GET\"\nurl = \"/v1.0/setup/after\"\n";
    let scenarios =
        Scenarios::parse(std::path::Path::new("s.toml"), toml, &Vars::default()).unwrap();
    let mut cases = page("free", 30);
    let ordered = page("ordered", 8);
    cases.extend(ordered.iter().rev().cloned()); // selected out of order
    cases.extend(page("other", 30));
    let s = session(&server.url, cases, 16, scenarios);
    let indices: Vec<usize> = (0..s.cases.len()).collect();
    let results = s.run_all(&indices, 16, |_| {});
    assert!(results.iter().all(|r| r.verdict == Verdict::Pass));

    // The ordered page's requests: setup, case, teardown, case after case,
    // in document order, each started after the previous one ended.
    let events = server.seen.events.lock().unwrap().clone();
    let ours: Vec<&(&str, String)> = events
        .iter()
        .filter(|(_, p)| p.contains("/ordered/") || p.contains("/setup/"))
        .collect();
    let mut expected = Vec::new();
    for i in 0..8 {
        for p in [
            "/v1.0/setup/before".to_owned(),
            format!("/v1.0/ordered/ordered-{i}"),
            "/v1.0/setup/after".to_owned(),
        ] {
            expected.push(("start", p.clone()));
            expected.push(("end", p));
        }
    }
    let got: Vec<(&str, String)> = ours.iter().map(|(e, p)| (*e, p.clone())).collect();
    assert_eq!(got, expected);
    // Other pages did overlap meanwhile.
    assert!(server.seen.max_in_flight.load(Ordering::SeqCst) > 1);
}

#[test]
fn a_panicking_result_listener_stops_the_run_and_the_panic_reaches_the_caller() {
    // 200 cases of 50 ms at 2 jobs: five seconds if nothing stopped them,
    // so that a slow unwind on a loaded machine (the hook symbolizing a
    // backtrace) still leaves the bound below meaningful: 150 starts is 3.75 s
    // (a correct run stops after a few cases, so it costs nothing).
    let server = serve(usize::MAX, Duration::ZERO, Duration::from_millis(50));
    let s = session(&server.url, page("free", 200), 2, Scenarios::default());
    let indices: Vec<usize> = (0..s.cases.len()).collect();
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        s.run_all(&indices, 2, |_| panic!("the listener broke"))
    }));
    let panic = run.expect_err("the listener's panic reaches the caller");
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"the listener broke"));
    // No new case started once nobody listened: the ones in flight while
    // the panic unwound finished, not the 200. (Unwinding is not instant: the
    // panic hook may print a symbolized backtrace first.)
    let started = server
        .seen
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|(e, _)| *e == "start")
        .count();
    assert!(started < 150, "{started} requests after the listener broke");
}
