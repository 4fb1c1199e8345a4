//! Microsoft's real Python Graph SDK (`msgraph-sdk`, pinned in
//! tests/sdk/requirements.txt) against the built-in mock on the whole v1.0
//! corpus (issue #16, "How it is checked"): tests/sdk/graph_calls.py makes
//! 40-odd calls the way an application does (me, users, groups, mail,
//! calendar, drive, OneNote, Teams, applications, a page iterator, `$batch`,
//! `$select`/`$top`/`$count`, an unknown path, POST/PATCH/DELETE) and checks
//! the typed objects the SDK hands back; every call must be ok.
//!
//! Decisions, and why:
//! - **The binary, not the library.** The mock is `graph-contract mock
//!   --port 0` as a user starts it; the port is read from its
//!   `serving … on http://…` line. A [`Mock`] guard kills it whatever happens.
//! - **`--metadata` when the mock has it.** The typed placeholder values need
//!   the v1.0 `$metadata`; a mock that rejects the option is started without
//!   it, and the test says so.
//! - **The venv is CI's job.** `.ci/run` creates `target/sdk-venv` from
//!   requirements.txt; `GRAPH_CONTRACT_SDK_PYTHON` names another interpreter.
//!   Without one the tests say `skipped` and pass, except under
//!   `GRAPH_CONTRACT_REQUIRE_TOOLS=1` (CI), where they fail, as the
//!   chromium and tmux tests do. Without the corpus (`../shared`, or
//!   `GRAPH_CONTRACT_CORPUS`; the metadata from `GRAPH_CONTRACT_METADATA`)
//!   the mock test says `skipped` (CI lays `../shared` beside the clone).
//! - **The script's checks can fail.** Controls run the same script against
//!   small fake services (a table: what the service answers, which calls may
//!   pass): a service answering `200 {}` to everything passes no call, one
//!   answering Graph's 404 error passes only the unknown-path calls, and a
//!   nextLink to graph.microsoft.com is refused, never followed.
//! - **Failures print the lines.** Each failing call's line carries the
//!   exception and every request the SDK made (method, URL, routing headers,
//!   body) with the answer's status and first bytes.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{Req, Resp, serve};

/// How long the mock may take to read the corpus (a debug build, a busy machine).
const MOCK_START: Duration = Duration::from_secs(180);
/// How long the script may run (it takes a few seconds).
const SCRIPT_LIMIT: Duration = Duration::from_secs(120);
/// The fewest calls the script must report.
const MIN_CALLS: usize = 30;

fn manifest(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A path of the shared data: the variable's value, else `rel` beside the clone.
fn shared(var: &str, rel: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => manifest(rel),
    }
}

fn require_tools() -> bool {
    std::env::var("GRAPH_CONTRACT_REQUIRE_TOOLS").as_deref() == Ok("1")
}

// ------------------------------------------------------------------ python

/// The interpreter with the SDK, or None (and a line saying why).
fn sdk_python(test: &str) -> Option<PathBuf> {
    let (python, named) = match std::env::var_os("GRAPH_CONTRACT_SDK_PYTHON") {
        Some(p) if !p.is_empty() => (PathBuf::from(p), "GRAPH_CONTRACT_SDK_PYTHON"),
        _ => (manifest("target/sdk-venv/bin/python"), "the default venv"),
    };
    let probe = Command::new(&python)
        .args(["-c", "import msgraph, msgraph_core, deprecated"])
        .stdin(Stdio::null())
        .output();
    let why = match probe {
        Ok(o) if o.status.success() => return Some(python),
        Ok(o) => format!(
            "{} ({named}) cannot import the SDK: {}",
            python.display(),
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => format!("{} ({named}): {e}", python.display()),
    };
    let fix = ".ci/run creates it: python3 -m venv target/sdk-venv && \
               target/sdk-venv/bin/pip install -r tests/sdk/requirements.txt";
    if require_tools() {
        panic!(
            "{test}: the Graph SDK venv is missing: {why}; {fix}; GRAPH_CONTRACT_REQUIRE_TOOLS=1 requires it"
        );
    }
    println!("{test}: skipped: the Graph SDK venv is missing: {why} ({fix})");
    None
}

/// One line of the script's output.
#[derive(Debug)]
struct CallLine {
    call: String,
    ok: bool,
    detail: String,
    line: String,
}

/// What one run of the script said.
struct ScriptRun {
    calls: Vec<CallLine>,
    code: Option<i32>,
    stderr: String,
    took: Duration,
}

impl ScriptRun {
    fn ok_calls(&self) -> BTreeSet<&str> {
        self.calls
            .iter()
            .filter(|c| c.ok)
            .map(|c| c.call.as_str())
            .collect()
    }

    fn get(&self, call: &str) -> &CallLine {
        self.calls
            .iter()
            .find(|c| c.call == call)
            .unwrap_or_else(|| panic!("no line for call {call}\n{}", self.stderr))
    }
}

/// Run graph_calls.py against `base`; killed past [`SCRIPT_LIMIT`]. Every
/// stdout line must be a call line; the exit code must agree with them.
fn run_script(python: &Path, base: &str) -> ScriptRun {
    let started = Instant::now();
    let mut child = Command::new(python)
        .arg(manifest("tests/sdk/graph_calls.py"))
        .arg(base)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the SDK script");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > SCRIPT_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the SDK script ran more than {SCRIPT_LIMIT:?}\n--- stderr\n{}",
                err_t.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = out_t.join().unwrap();
    let stderr = err_t.join().unwrap();
    let mut calls = Vec::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\n--- stderr\n{stderr}"));
        let (Some(call), Some(ok), Some(detail)) =
            (v["call"].as_str(), v["ok"].as_bool(), v["detail"].as_str())
        else {
            panic!("a line without call/ok/detail: {line}");
        };
        calls.push(CallLine {
            call: call.into(),
            ok,
            detail: detail.into(),
            line: line.into(),
        });
    }
    let run = ScriptRun {
        calls,
        code: status.code(),
        stderr,
        took: started.elapsed(),
    };
    let names: BTreeSet<&str> = run.calls.iter().map(|c| c.call.as_str()).collect();
    assert_eq!(names.len(), run.calls.len(), "a call reported twice");
    let all_ok = run.calls.iter().all(|c| c.ok);
    assert_eq!(
        run.code,
        Some(if all_ok { 0 } else { 1 }),
        "the exit code disagrees with the lines\n--- stderr\n{}",
        run.stderr
    );
    run
}

// ------------------------------------------------------------------ mock

/// `graph-contract mock` on a free port; killed when dropped.
struct Mock {
    child: Child,
    url: String,
    with_metadata: bool,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the mock on `corpus`, with `--metadata` when it accepts the option.
fn start_mock(corpus: &Path, metadata: &Path) -> Mock {
    if !metadata.is_file() {
        println!(
            "no metadata at {} (GRAPH_CONTRACT_METADATA): the mock starts without --metadata",
            metadata.display()
        );
        return spawn_mock(corpus, None).unwrap_or_else(|e| panic!("the mock did not start:\n{e}"));
    }
    match spawn_mock(corpus, Some(metadata)) {
        Ok(m) => m,
        Err(stderr) if stderr.contains("--metadata") => {
            println!(
                "the mock rejects --metadata ({}); started without it",
                stderr
                    .lines()
                    .find(|l| l.contains("--metadata"))
                    .unwrap_or("")
                    .trim()
            );
            spawn_mock(corpus, None).unwrap_or_else(|e| panic!("the mock did not start:\n{e}"))
        }
        Err(e) => panic!("the mock did not start:\n{e}"),
    }
}

/// The mock once it says where it serves, or its stderr if it exits first.
fn spawn_mock(corpus: &Path, metadata: Option<&Path>) -> Result<Mock, String> {
    let mut cmd = support::binary();
    cmd.arg("mock").arg(corpus).args(["--port", "0"]);
    if let Some(m) = metadata {
        cmd.arg("--metadata").arg(m);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start graph-contract mock");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    // Reads every line for the mock's whole life, so its pipe never fills.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            // Once nobody listens the send fails; the loop goes on draining.
            let _ = tx.send(line);
        }
    });
    let mut mock = Mock {
        child,
        url: String::new(),
        with_metadata: metadata.is_some(),
    };
    let deadline = Instant::now() + MOCK_START;
    let mut said = String::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                if let Some(at) = line
                    .find(" on http://")
                    .filter(|_| line.contains("serving"))
                {
                    mock.url = line[at + 4..].trim().trim_end_matches('/').to_owned();
                    println!("{line}");
                    return Ok(mock);
                }
                said.push_str(&line);
                said.push('\n');
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = mock.child.wait().ok();
                return Err(format!("exited ({status:?}):\n{said}"));
            }
        }
        if Instant::now() > deadline {
            return Err(format!("no `serving` line within {MOCK_START:?}:\n{said}"));
        }
    }
}

// ------------------------------------------------------------------ tests

/// The areas the brief asks for, each with calls the script must report.
const COVERAGE: &[(&str, &[&str])] = &[
    ("me", &["me_get", "me_select", "response_headers"]),
    (
        "users",
        &[
            "users_list",
            "users_top",
            "users_select_top",
            "users_filter",
            "users_count_param",
            "users_count_segment",
            "user_by_id",
        ],
    ),
    (
        "groups",
        &[
            "groups_list",
            "group_get",
            "group_members",
            "groups_count",
            "group_create",
            "group_update",
            "group_delete",
        ],
    ),
    (
        "mail",
        &[
            "messages_list",
            "messages_top_select",
            "message_get",
            "message_create",
            "mail_folders",
            "inbox_messages",
            "send_mail",
        ],
    ),
    (
        "calendar",
        &[
            "events_list",
            "event_get",
            "event_create",
            "calendar_get",
            "calendar_view",
        ],
    ),
    ("contacts", &["contacts_list"]),
    (
        "drive",
        &["drive_get", "drive_by_id", "drive_root_children"],
    ),
    ("onenote", &["notebooks", "onenote_sections"]),
    ("teams", &["joined_teams", "team_channels"]),
    (
        "applications",
        &["applications_list", "application_create_get"],
    ),
    ("paging", &["page_iterator", "page_iterator_top"]),
    ("batch", &["batch"]),
    ("errors", &["unknown_path", "unknown_navigation"]),
];

#[test]
fn the_python_graph_sdk_gets_what_it_expects_from_the_mock_on_the_v1_corpus() {
    let test = "sdk_against_mock";
    let corpus = shared("GRAPH_CONTRACT_CORPUS", "../shared/graph-docs/v1.0/api");
    let metadata = shared(
        "GRAPH_CONTRACT_METADATA",
        "../shared/graph-metadata/v1.0.csdl",
    );
    if !corpus.is_dir() {
        println!(
            "{test}: skipped: no corpus at {} (set GRAPH_CONTRACT_CORPUS; \
             CI lays ../shared beside the clone)",
            corpus.display()
        );
        return;
    }
    let Some(python) = sdk_python(test) else {
        return;
    };
    let mock = start_mock(&corpus, &metadata);
    println!(
        "mock at {} ({})",
        mock.url,
        if mock.with_metadata {
            "with --metadata"
        } else {
            "without --metadata"
        }
    );
    let run = run_script(&python, &mock.url);
    drop(mock);
    println!("{} ({:.1} s)", run.stderr.trim(), run.took.as_secs_f64());
    assert!(
        run.calls.len() >= MIN_CALLS,
        "{} calls, expected at least {MIN_CALLS}",
        run.calls.len()
    );
    let names: BTreeSet<&str> = run.calls.iter().map(|c| c.call.as_str()).collect();
    for (area, calls) in COVERAGE {
        for call in *calls {
            assert!(names.contains(call), "{area}: no line for call {call}");
        }
    }
    let failing: Vec<&str> = run
        .calls
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.line.as_str())
        .collect();
    assert!(
        failing.is_empty(),
        "{} of {} SDK calls fail against the mock:\n{}",
        failing.len(),
        run.calls.len(),
        failing.join("\n")
    );
}

/// A Graph error envelope.
fn graph_error(status: u16, code: &str) -> Resp {
    Resp::json(
        status,
        &json!({"error": {"code": code, "message": format!("{code} (a fake service)")}}),
    )
}

/// A fake service for the controls: what it answers to a request.
type Answer = fn(&Req) -> Resp;

/// A control: the service, its answers, the calls that may pass, and a call
/// whose detail must contain a text.
type Control = (
    &'static str,
    Answer,
    &'static [&'static str],
    Option<(&'static str, &'static str)>,
);

fn empty_object(_: &Req) -> Resp {
    Resp::json(200, &json!({}))
}

fn not_found(_: &Req) -> Resp {
    graph_error(404, "Request_ResourceNotFound")
}

fn next_link_away(r: &Req) -> Resp {
    if r.path.ends_with("/auditLogs/signIns") {
        Resp::json(
            200,
            &json!({
                "@odata.nextLink": "https://graph.microsoft.com/v1.0/auditLogs/signIns?$skiptoken=x",
                "value": [{"id": "1", "createdDateTime": "2026-01-01T00:00:00Z"}]
            }),
        )
    } else {
        not_found(r)
    }
}

#[test]
fn the_sdk_scripts_checks_fail_on_services_that_answer_wrongly() {
    let test = "sdk_controls";
    let Some(python) = sdk_python(test) else {
        return;
    };
    const UNKNOWN: &[&str] = &["unknown_path", "unknown_navigation"];
    // (service, what it answers, the calls that may pass, (call, its detail has)).
    let rows: &[Control] = &[
        ("200 {} to everything", empty_object, &[], None),
        ("Graph's 404 to everything", not_found, UNKNOWN, None),
        (
            "a nextLink to graph.microsoft.com",
            next_link_away,
            UNKNOWN,
            Some(("page_iterator", "refused to leave the service under test")),
        ),
    ];
    for (name, answer, may_pass, detail) in rows {
        let answer = *answer;
        let server = serve(move |r| answer(&r));
        let run = run_script(&python, &server.url);
        assert!(
            run.calls.len() >= MIN_CALLS,
            "{name}: {} calls",
            run.calls.len()
        );
        let expected: BTreeSet<&str> = may_pass.iter().copied().collect();
        assert_eq!(
            run.ok_calls(),
            expected,
            "{name}: these calls passed\n--- stderr\n{}",
            run.stderr
        );
        if let Some((call, has)) = detail {
            let line = run.get(call);
            assert!(
                !line.ok && line.detail.contains(has),
                "{name}: {}",
                line.line
            );
        }
    }
}
