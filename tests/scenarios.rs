//! Pointing the docs at a real service: variables fill the docs'
//! placeholders (URL, header values, JSON bodies; per-case matches; the
//! environment overrides), and scenarios create what an example reads and
//! delete it afterwards — against a stateful in-process service that checks
//! what it receives, and that must end as it started even when an example
//! fails. Broken scenario and variable files are refused before any request.

mod support;

use graph_contract::docs;
use graph_contract::model::{FindingKind, Severity};
use graph_contract::run::{CaseResult, Session, Settings, Verdict};
use graph_contract::scenario::{Scenarios, Vars};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use support::{Req, Resp, TestServer, binary, crate_path, output_text, serve};

const NOTEBOOK_PAGE: &str = "fixtures/scenario/onenote-notebook.md";
const CALENDAR_PAGE: &str = "fixtures/scenario/calendar-update.md";
const SCENARIO: &str = "examples/onenote-scenario.toml";
const VARS: &str = "examples/vars.toml";

// ---------------------------------------------------------------- helpers

fn tmp_dir_named(name: &str) -> PathBuf {
    support::tmp_dir(&format!("scenarios-{name}"))
}

/// Open a session over pages with variables and scenarios, run every case
/// with up to 8 in flight, and return the results in case order.
fn run(
    page: &str,
    target: &str,
    vars: Option<&str>,
    scenarios: Option<&str>,
) -> (Arc<Session>, Vec<CaseResult>) {
    let corpus = docs::read_paths(&[crate_path(page).as_path()]);
    assert!(!corpus.cases.is_empty(), "cases on {page}");
    let vars = vars
        .map(|v| Vars::load(&crate_path(v)).expect("vars load"))
        .unwrap_or_default();
    let scenarios = scenarios
        .map(|s| Scenarios::load(&crate_path(s), &vars).expect("scenarios load"))
        .unwrap_or_default();
    let settings = Settings {
        target: Some(target.to_owned()),
        vars,
        scenarios,
        ..Settings::default()
    };
    let session = Arc::new(Session::open(settings, Arc::new(corpus.cases)).expect("session"));
    let all: Vec<usize> = (0..session.cases.len()).collect();
    let results = session.run_all(&all, 8, |_| {});
    (session, results)
}

fn verdicts(session: &Session, results: &[CaseResult]) -> BTreeMap<String, String> {
    results
        .iter()
        .map(|r| {
            (
                session.cases[r.index].name.clone(),
                format!("{} {:?}", r.verdict.word(), r.findings),
            )
        })
        .collect()
}

// --------------------------------------------------- a stateful notebook service

/// What the notebook service holds and saw.
#[derive(Default)]
struct Notebooks {
    next: usize,
    live: BTreeMap<String, Value>,
    /// `METHOD /path` of every request, in arrival order.
    log: Vec<String>,
    /// Problems the service noticed in what it received.
    problems: Vec<String>,
}

/// `/v1.0/me/onenote/notebooks[/{id}[/sections]]`: create, read, rename,
/// list sections, delete. `drift` may change a GET answer before it goes.
fn notebook_service(
    drift: impl Fn(&mut Value) + Send + Sync + 'static,
) -> (TestServer, Arc<Mutex<Notebooks>>) {
    let state = Arc::new(Mutex::new(Notebooks::default()));
    let s = state.clone();
    let server = serve(move |req: Req| {
        let mut st = s.lock().unwrap();
        st.log.push(format!("{} {}", req.method, req.path));
        let rest = req.path.strip_prefix("/v1.0/me/onenote/notebooks");
        let parts: Vec<&str> = rest
            .unwrap_or("!")
            .split('/')
            .filter(|p| !p.is_empty())
            .collect();
        let not_found = || {
            Resp::json(
                404,
                &json!({"error": {"code": "itemNotFound", "message": "no such notebook"}}),
            )
        };
        match (req.method.as_str(), rest.is_some(), parts.as_slice()) {
            ("POST", true, []) => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let Some(name) = body["displayName"].as_str() else {
                    st.problems.push(format!("POST body {body}"));
                    return Resp::json(400, &json!({"error": {"code": "badRequest"}}));
                };
                st.next += 1;
                let id = format!("1-nb{}", st.next);
                let nb = json!({"id": id, "displayName": name, "isDefault": false});
                st.live.insert(id, nb.clone());
                Resp::json(201, &nb)
            }
            ("GET", true, [id]) => match st.live.get(*id) {
                Some(nb) => {
                    let mut nb = nb.clone();
                    drift(&mut nb);
                    Resp::json(200, &nb)
                }
                None => not_found(),
            },
            ("GET", true, [id, "sections"]) => match st.live.get(*id) {
                Some(_) => Resp::json(
                    200,
                    &json!({"value": [{"id": "1-s1", "displayName": "Quick Notes"}]}),
                ),
                None => not_found(),
            },
            ("PATCH", true, [id]) => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let id = id.to_string();
                match (st.live.get_mut(&id), body["displayName"].as_str()) {
                    (Some(nb), Some(name)) => {
                        nb["displayName"] = name.into();
                        Resp {
                            status: 204,
                            headers: vec![],
                            body: vec![],
                        }
                    }
                    (None, _) => not_found(),
                    (_, None) => {
                        st.problems.push(format!("PATCH body {body}"));
                        Resp::json(400, &json!({"error": {"code": "badRequest"}}))
                    }
                }
            }
            ("DELETE", true, [id]) => match st.live.remove(*id) {
                Some(_) => Resp {
                    status: 204,
                    headers: vec![],
                    body: vec![],
                },
                None => not_found(),
            },
            _ => {
                st.problems
                    .push(format!("unexpected {} {}", req.method, req.path));
                not_found()
            }
        }
    });
    (server, state)
}

// ---------------------------------------------------------------- scenarios

#[test]
fn scenario_creates_reads_and_deletes_in_page_order() {
    let (server, state) = notebook_service(|_| {});
    let (session, results) = run(NOTEBOOK_PAGE, &server.url, Some(VARS), Some(SCENARIO));
    let v = verdicts(&session, &results);
    assert!(
        results.iter().all(|r| r.verdict == Verdict::Pass),
        "every example passes: {v:#?}"
    );
    assert_eq!(results.len(), 3);
    let st = state.lock().unwrap();
    assert!(st.problems.is_empty(), "{:?}", st.problems);
    assert!(st.live.is_empty(), "notebooks left behind: {:?}", st.live);
    // One example at a time, in page order, each between its own setup and
    // teardown — although 8 could be in flight.
    let nb = "/v1.0/me/onenote/notebooks";
    assert_eq!(
        st.log,
        vec![
            format!("POST {nb}"),
            format!("GET {nb}/1-nb1"),
            format!("DELETE {nb}/1-nb1"),
            format!("POST {nb}"),
            format!("PATCH {nb}/1-nb2"),
            format!("DELETE {nb}/1-nb2"),
            format!("POST {nb}"),
            format!("GET {nb}/1-nb3/sections"),
            format!("DELETE {nb}/1-nb3"),
        ]
    );
    // The documented request ran on the captured id.
    let get = &results[0];
    assert_eq!(
        get.sent.as_ref().unwrap().url.as_str(),
        format!("{}{nb}/1-nb1", server.url)
    );
    // The PATCH body took the variable (JSON-escaped) and kept the rest.
    let patch = results[1].sent.as_ref().unwrap();
    let body: Value = serde_json::from_str(patch.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body["displayName"],
        "graph-contract scratch notebook (renamed)"
    );
}

#[test]
fn teardown_runs_when_the_example_fails() {
    // The service drifts: displayName comes back as a number.
    let (server, state) = notebook_service(|nb| nb["displayName"] = json!(42));
    let (session, results) = run(NOTEBOOK_PAGE, &server.url, Some(VARS), Some(SCENARIO));
    let v = verdicts(&session, &results);
    let get = &results[0];
    assert_eq!(get.verdict, Verdict::Fail, "{v:#?}");
    assert!(
        get.findings.iter().any(|f| f.pointer == "/displayName"
            && f.kind == FindingKind::Type
            && f.severity == Severity::Error),
        "{:#?}",
        get.findings
    );
    assert_eq!(results[1].verdict, Verdict::Pass, "{v:#?}");
    let st = state.lock().unwrap();
    assert!(st.live.is_empty(), "notebooks left behind: {:?}", st.live);
    assert_eq!(
        st.log.iter().filter(|l| l.starts_with("DELETE")).count(),
        3,
        "{:#?}",
        st.log
    );
}

#[test]
fn teardown_runs_when_setup_fails_after_creating() {
    // Setup creates the notebook, then a second setup step fails: the
    // example is not sent, and the teardown still deletes the notebook.
    let dir = tmp_dir_named("setup-fails");
    let scenario = dir.join("scenario.toml");
    let base = std::fs::read_to_string(crate_path(SCENARIO)).unwrap();
    let extra = "\n[[scenario]]\ncase = \"onenote-notebook::get_notebook\"\n\
                 [[scenario.setup]]\nmethod = \"GET\"\nurl = \"/v1.0/me/onenote/nothing-here\"\n";
    std::fs::write(&scenario, format!("{base}{extra}")).unwrap();
    let (server, state) = notebook_service(|_| {});
    let (session, results) = run(
        NOTEBOOK_PAGE,
        &server.url,
        Some(VARS),
        Some(scenario.to_str().unwrap()),
    );
    let v = verdicts(&session, &results);
    let get = &results[0];
    assert_eq!(get.verdict, Verdict::Fail, "{v:#?}");
    assert!(
        get.sent.is_none(),
        "the example is not sent after a failed setup"
    );
    assert!(
        get.findings
            .iter()
            .any(|f| f.message.contains("setup step 1") && f.message.contains("answered 404")),
        "{:#?}",
        get.findings
    );
    let st = state.lock().unwrap();
    assert!(st.live.is_empty(), "notebooks left behind: {:?}", st.live);
}

#[test]
fn teardown_is_not_sent_with_a_placeholder_nobody_filled() {
    // The create answers without an id: nothing is captured, the example
    // is not sent, and the teardown must not DELETE `.../{notebook-id}`
    // literally: it says why it did not run.
    let state = Arc::new(Mutex::new(Vec::<String>::new()));
    let s = state.clone();
    let server = serve(move |req: Req| {
        s.lock()
            .unwrap()
            .push(format!("{} {}", req.method, req.path));
        match req.method.as_str() {
            "POST" => Resp::json(201, &json!({"displayName": "x"})),
            _ => Resp::json(404, &json!({"error": {"code": "itemNotFound"}})),
        }
    });
    let (session, results) = run(NOTEBOOK_PAGE, &server.url, Some(VARS), Some(SCENARIO));
    let v = verdicts(&session, &results);
    for r in &results {
        assert_eq!(r.verdict, Verdict::Fail, "{v:#?}");
        assert!(
            r.findings.iter().any(|f| f
                .message
                .contains("nothing at /id to capture as notebook-id")),
            "{:#?}",
            r.findings
        );
        assert!(
            r.findings
                .iter()
                .any(|f| f.message.contains("teardown step 1")
                    && f.message.contains("{notebook-id}")),
            "the teardown says why it did not run: {:#?}",
            r.findings
        );
    }
    let log = state.lock().unwrap();
    assert_eq!(
        *log,
        vec!["POST /v1.0/me/onenote/notebooks"; 3],
        "only the creates were sent"
    );
}

#[test]
fn teardown_goes_on_after_a_failing_step() {
    // The first teardown step fails (404): the second still deletes.
    let dir = tmp_dir_named("teardown-goes-on");
    let scenario = dir.join("scenario.toml");
    let base = std::fs::read_to_string(crate_path(SCENARIO)).unwrap();
    let first = "[[scenario.teardown]]\nmethod = \"DELETE\"\n\
                 url = \"/v1.0/me/onenote/notebooks/{notebook-id}/sections/none\"\n\n";
    let with_first = base.replacen(
        "[[scenario.teardown]]\n",
        &format!("{first}[[scenario.teardown]]\n"),
        1,
    );
    assert_ne!(with_first, base);
    std::fs::write(&scenario, with_first).unwrap();
    let (server, state) = notebook_service(|_| {});
    let (session, results) = run(
        NOTEBOOK_PAGE,
        &server.url,
        Some(VARS),
        Some(scenario.to_str().unwrap()),
    );
    let v = verdicts(&session, &results);
    for r in &results {
        assert_eq!(r.verdict, Verdict::Fail, "{v:#?}");
        assert!(
            r.findings
                .iter()
                .any(|f| f.message.contains("teardown step 1") && f.message.contains("404")),
            "{v:#?}"
        );
    }
    let st = state.lock().unwrap();
    assert!(st.live.is_empty(), "notebooks left behind: {:?}", st.live);
}

#[test]
fn binary_runs_the_scenario_in_order_and_cleans_up() {
    let (server, state) = notebook_service(|_| {});
    let out = binary()
        .args([
            "check",
            NOTEBOOK_PAGE,
            "--jobs",
            "8",
            "--target",
            &server.url,
        ])
        .args(["--vars", VARS, "--scenarios", SCENARIO])
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("3 passed; 0 failed"), "{t}");
    let st = state.lock().unwrap();
    assert!(st.live.is_empty(), "{:?}", st.live);
    let methods: Vec<&str> = st
        .log
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        methods,
        [
            "POST", "GET", "DELETE", "POST", "PATCH", "DELETE", "POST", "GET", "DELETE"
        ]
    );

    // The same through the environment (GRAPH_CONTRACT_VARS / _SCENARIOS).
    let (server, state) = notebook_service(|nb| nb["isDefault"] = json!("no"));
    let out = binary()
        .args(["check", NOTEBOOK_PAGE, "--target", &server.url])
        .env("GRAPH_CONTRACT_VARS", VARS)
        .env("GRAPH_CONTRACT_SCENARIOS", SCENARIO)
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("2 passed; 1 failed"), "{t}");
    assert!(t.contains("/isDefault"), "{t}");
    assert!(state.lock().unwrap().live.is_empty());
}

// ---------------------------------------------------------------- variables

/// A calendar service recording what it received.
fn calendar_service() -> (TestServer, Arc<Mutex<Vec<Req>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let server = serve(move |req: Req| {
        s.lock().unwrap().push(req.clone());
        let name = serde_json::from_slice::<Value>(&req.body)
            .ok()
            .and_then(|v| v["name"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "Social events".into());
        let id = req.path.rsplit('/').next().unwrap_or_default().to_owned();
        Resp::json(200, &json!({"id": id, "name": name, "color": "lightBlue"}))
    });
    (server, seen)
}

fn find<'a>(seen: &'a [Req], method: &str) -> &'a Req {
    seen.iter()
        .find(|r| r.method == method)
        .unwrap_or_else(|| panic!("no {method} among {seen:#?}"))
}

#[test]
fn vars_fill_url_header_and_body_with_per_case_matches() {
    let (server, seen) = calendar_service();
    let (session, results) = run(CALENDAR_PAGE, &server.url, Some(VARS), None);
    let v = verdicts(&session, &results);
    assert!(results.iter().all(|r| r.verdict == Verdict::Pass), "{v:#?}");
    let seen = seen.lock().unwrap();
    let patch = find(&seen, "PATCH");
    assert_eq!(
        patch.path,
        "/v1.0/users/48d31887-5fad-4d73-a9f5-3c356e68a038/calendars/AAMkAGViNDU7zAAAAAGtlAAA="
    );
    assert_eq!(
        patch.header("prefer"),
        Some("outlook.timezone=\"Pacific Standard Time\"")
    );
    let body: Value = serde_json::from_slice(&patch.body).expect("JSON body");
    assert_eq!(
        body,
        json!({"name": "Renamed by graph-contract", "color": "lightBlue"})
    );
    // `[[match]]` gives get_calendar another calendar.
    let get = find(&seen, "GET");
    assert_eq!(
        get.path,
        "/v1.0/users/48d31887-5fad-4d73-a9f5-3c356e68a038/calendars/AAMkAGI2TAAAAAGtlBBB="
    );
}

#[test]
fn without_vars_the_placeholder_cases_are_ignored_and_nothing_is_sent() {
    let (server, seen) = calendar_service();
    let (_session, results) = run(CALENDAR_PAGE, &server.url, None, None);
    for r in &results {
        match &r.verdict {
            Verdict::Ignored(reason) => {
                assert!(reason.to_string().contains("{user-id}"), "{reason}")
            }
            other => panic!("ignored expected, got {other:?}"),
        }
    }
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn binary_env_overrides_the_vars_file_json_escaped_in_bodies() {
    let (server, seen) = calendar_service();
    let name = "Team \"A\" \\ calendar: <b>";
    let out = binary()
        .args([
            "check",
            CALENDAR_PAGE,
            "--target",
            &server.url,
            "--vars",
            VARS,
        ])
        .env("GRAPH_CONTRACT_VAR_CALENDAR_NAME", name)
        .env("GRAPH_CONTRACT_VAR_CALENDAR_ID", "AAMkFromEnv=")
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let seen = seen.lock().unwrap();
    let patch = find(&seen, "PATCH");
    let body: Value = serde_json::from_slice(&patch.body).expect("still JSON");
    assert_eq!(body["name"], name);
    // The environment wins over the file and over `[[match]]`.
    for r in seen.iter() {
        assert!(r.path.ends_with("/calendars/AAMkFromEnv="), "{}", r.path);
    }
}

// ----------------------------------------------------- broken files: exit 2

fn check_with(dir: &Path, vars: &str, scenario: &str, server: &str) -> Output {
    let v = dir.join("vars.toml");
    let s = dir.join("scenario.toml");
    std::fs::write(&v, vars).unwrap();
    std::fs::write(&s, scenario).unwrap();
    binary()
        .args(["check", NOTEBOOK_PAGE, "--target", server])
        .arg("--vars")
        .arg(&v)
        .arg("--scenarios")
        .arg(&s)
        .output()
        .unwrap()
}

#[test]
fn broken_scenario_and_vars_files_exit_2_before_any_request() {
    let (server, state) = notebook_service(|_| {});
    let dir = tmp_dir_named("broken");
    let vars = std::fs::read_to_string(crate_path(VARS)).unwrap();
    let scenario = std::fs::read_to_string(crate_path(SCENARIO)).unwrap();

    // An unknown placeholder in a teardown step: file and step named.
    let bad = scenario.replace(
        "notebooks/{notebook-id}\"\nexpect = 204",
        "notebooks/{notebok-id}\"\nexpect = 204",
    );
    assert_ne!(bad, scenario);
    let out = check_with(&dir, &vars, &bad, &server.url);
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("scenario.toml"), "{t}");
    assert!(t.contains("teardown step 1"), "{t}");
    assert!(t.contains("{notebok-id}"), "{t}");
    assert!(!t.contains("panicked"), "{t}");

    // An unknown placeholder in a setup body.
    let bad = scenario.replace("{display-name}", "{display_name}");
    let out = check_with(&dir, &vars, &bad, &server.url);
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("setup step 1") && t.contains("{display_name}"),
        "{t}"
    );

    // TOML syntax errors: file:line:column.
    let bad = scenario.replace("expect = 201", "expect = 201,");
    let line = bad
        .lines()
        .position(|l| l.starts_with("expect = 201,"))
        .unwrap()
        + 1;
    let out = check_with(&dir, &vars, &bad, &server.url);
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains(&format!("scenario.toml:{line}:")), "{t}");

    let bad = vars.replace("user-id = \"", "user-id = ");
    let line = bad
        .lines()
        .position(|l| l.starts_with("user-id = "))
        .unwrap()
        + 1;
    let out = check_with(&dir, &bad, &scenario, &server.url);
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains(&format!("vars.toml:{line}:")), "{t}");

    // An unknown key (a typo of `capture`).
    let bad = scenario.replace("capture = {", "captures = {");
    let out = check_with(&dir, &vars, &bad, &server.url);
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("scenario.toml:") && t.contains("captures"),
        "{t}"
    );

    assert!(
        state.lock().unwrap().log.is_empty(),
        "no request before the files are valid"
    );
}
