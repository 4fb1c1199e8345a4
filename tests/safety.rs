//! Ready for real services, and no harm done: credentials reach the service
//! (a static bearer token, extra headers, OAuth client credentials fetched
//! once, reused, renewed on expiry and once on a 401); writes never leave
//! for a non-loopback target unless allowed — refused before any
//! connection; no secret reaches any byte graph-contract writes, even when
//! the service echoes them back; bad input ends in a message and exit 2,
//! never a panic.
//!
//! Every server is in-process on 127.0.0.1. No request leaves loopback: the
//! non-loopback targets below only ever see cases refused before sending,
//! and the tests check the refusal before they run anything.

mod support;

use graph_contract::model::{Case, FindingKind};
use graph_contract::run::{CaseResult, Session, Settings, Verdict};
use graph_contract::scenario::{Scenarios, Vars};
use graph_contract::target::{Credentials, OAuth};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::tcp::{Next, RawServer, raw_serve, response};
use support::{Req, Resp, TestServer, binary, crate_path, output_text, serve};

// ---------------------------------------------------------------- helpers

fn tmp_dir_named(name: &str) -> PathBuf {
    support::tmp_dir(&format!("safety-{name}"))
}

/// A case documented as `200 {"id": "String"}`.
fn case(name: &str, method: &str, path: &str) -> Case {
    support::json_case("safety", name, method, path)
}

fn gets(n: usize) -> Vec<Case> {
    (0..n)
        .map(|i| case(&format!("get{i}"), "GET", &format!("/me/items/{i}")))
        .collect()
}

fn open(settings: Settings, cases: Vec<Case>) -> Arc<Session> {
    Arc::new(Session::open(settings, Arc::new(cases)).expect("session opens"))
}

fn run_all(session: &Arc<Session>) -> Vec<CaseResult> {
    let all: Vec<usize> = (0..session.cases.len()).collect();
    session.run_all(&all, 8, |_| {})
}

fn assert_all_pass(results: &[CaseResult]) {
    for r in results {
        assert_eq!(
            r.verdict,
            Verdict::Pass,
            "case {}: {:#?}",
            r.index,
            r.findings
        );
    }
}

// ---------------------------------------------------------------- credentials

/// The page of `fixtures/e2e`, answered as documented; the service records
/// every request.
fn operation_service() -> (TestServer, Arc<Mutex<Vec<Req>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let server = serve(move |req: Req| {
        s.lock().unwrap().push(req);
        Resp::json(
            200,
            &json!({"id": "op-7311", "status": "Completed",
                    "createdDateTime": "2024-03-01T10:00:00Z", "percentComplete": "100"}),
        )
    });
    (server, seen)
}

#[test]
fn bearer_token_from_the_environment_and_extra_headers_reach_the_service() {
    let (server, seen) = operation_service();
    let out = binary()
        .args(["check", "fixtures/e2e/onenote-get-operation.md"])
        .args(["--target", &server.url])
        .args(["--header", "X-Client-Name: contract-tests"])
        .args(["--secret-header", "X-Api-Key: k-98765"])
        .env("GRAPH_CONTRACT_TOKEN", "tok-static-1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].header("authorization"), Some("Bearer tok-static-1"));
        assert_eq!(seen[0].header("x-client-name"), Some("contract-tests"));
        assert_eq!(seen[0].header("x-api-key"), Some("k-98765"));
    }
    // --token-env names another variable.
    let out = binary()
        .args(["check", "fixtures/e2e/onenote-get-operation.md"])
        .args(["--target", &server.url, "--token-env", "MY_SERVICE_TOKEN"])
        .env("MY_SERVICE_TOKEN", "tok-other-2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let seen = seen.lock().unwrap();
    assert_eq!(seen[1].header("authorization"), Some("Bearer tok-other-2"));
}

/// A service behind OAuth: its token endpoint (on the same loopback
/// server) hands out `tok-1`, `tok-2`, ...; `accept` decides whether a
/// bearer token is good.
struct OAuthService {
    server: TestServer,
    token_requests: Arc<AtomicUsize>,
    forms: Arc<Mutex<Vec<String>>>,
    service_requests: Arc<AtomicUsize>,
}

impl OAuthService {
    fn start(
        token_answer: impl Fn(usize) -> Resp + Send + Sync + 'static,
        accept: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> OAuthService {
        let token_requests = Arc::new(AtomicUsize::new(0));
        let forms = Arc::new(Mutex::new(Vec::new()));
        let service_requests = Arc::new(AtomicUsize::new(0));
        let (t, f, s) = (
            token_requests.clone(),
            forms.clone(),
            service_requests.clone(),
        );
        let server = serve(move |req: Req| {
            if req.path == "/tenant/oauth2/v2.0/token" {
                let n = t.fetch_add(1, Ordering::SeqCst) + 1;
                f.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&req.body).into_owned());
                return token_answer(n);
            }
            s.fetch_add(1, Ordering::SeqCst);
            let token = req
                .header("authorization")
                .and_then(|a| a.strip_prefix("Bearer "))
                .unwrap_or_default();
            if accept(token) {
                Resp::json(200, &json!({"id": "AAMkAGI2"}))
            } else {
                Resp::json(
                    401,
                    &json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired or is not yet valid."}}),
                )
            }
        });
        OAuthService {
            server,
            token_requests,
            forms,
            service_requests,
        }
    }

    fn tokens(expires_in: u64) -> impl Fn(usize) -> Resp + Send + Sync + 'static {
        move |n| {
            Resp::json(
                200,
                &json!({"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in,
                        "access_token": format!("tok-{n}")}),
            )
        }
    }

    fn token_url(&self) -> String {
        format!("{}/tenant/oauth2/v2.0/token", self.server.url)
    }

    fn settings(&self) -> Settings {
        let mut s = Settings {
            target: Some(self.server.url.clone()),
            ..Settings::default()
        };
        s.send.credentials = Credentials::ClientCredentials(OAuth {
            token_url: self.token_url(),
            client_id: "contract-client".into(),
            client_secret: "s3cret value&=".into(),
            scope: Some("https://graph.microsoft.com/.default".into()),
        });
        s
    }

    fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }
}

#[test]
fn oauth_token_is_fetched_once_and_reused_across_cases() {
    let svc = OAuthService::start(OAuthService::tokens(3599), |t| t == "tok-1");
    let session = open(svc.settings(), gets(24));
    let results = run_all(&session);
    assert_all_pass(&results);
    assert_eq!(
        svc.token_requests(),
        1,
        "one token for 24 cases, 8 in flight"
    );
    assert_eq!(svc.service_requests.load(Ordering::SeqCst), 24);
    let form = svc.forms.lock().unwrap()[0].clone();
    for part in [
        "grant_type=client%5Fcredentials",
        "client_id=contract%2Dclient",
        "client_secret=s3cret%20value%26%3D",
        "scope=https%3A%2F%2Fgraph%2Emicrosoft%2Ecom%2F%2Edefault",
    ] {
        // Either encoding of `_`, `-` and `.` is valid form encoding.
        let relaxed = part
            .replace("%5F", "_")
            .replace("%2D", "-")
            .replace("%2E", ".");
        assert!(
            form.contains(part) || form.contains(&relaxed),
            "{part} in {form}"
        );
    }
}

#[test]
fn oauth_token_is_fetched_again_after_it_expires() {
    // 8 s announced: renewed a little early (half the lifetime for short
    // ones, at most 30 s), so it is good for at least 3 s and at most 8.
    let svc = OAuthService::start(OAuthService::tokens(8), |t| t.starts_with("tok-"));
    let session = open(svc.settings(), gets(4));
    let fetched = Instant::now();
    assert_all_pass(&run_all(&session));
    assert_eq!(svc.token_requests(), 1);
    std::thread::sleep(Duration::from_millis(1500).saturating_sub(fetched.elapsed()));
    assert_all_pass(&run_all(&session));
    assert!(
        fetched.elapsed() < Duration::from_secs(3),
        "machine too slow for this test's timing: {:?}",
        fetched.elapsed()
    );
    assert_eq!(
        svc.token_requests(),
        1,
        "an 8 s token is still good after 1.5 s"
    );
    std::thread::sleep(Duration::from_millis(8200).saturating_sub(fetched.elapsed()));
    assert_all_pass(&run_all(&session));
    assert_eq!(svc.token_requests(), 2, "fetched again once expired");
}

#[test]
fn oauth_token_refused_with_401_is_fetched_again_once_then_the_case_passes() {
    // The service only takes the second token.
    let svc = OAuthService::start(OAuthService::tokens(3599), |t| t == "tok-2");
    let session = open(svc.settings(), gets(6));
    let results = run_all(&session);
    assert_all_pass(&results);
    assert_eq!(svc.token_requests(), 2, "one more token after the 401s");

    // A service that refuses every token: one renewal per case, then the
    // 401 is the answer (no loop).
    let svc = OAuthService::start(OAuthService::tokens(3599), |_| false);
    let session = open(svc.settings(), gets(3));
    let results = run_all(&session);
    for r in &results {
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(r.actual.as_ref().map(|a| a.status), Some(401));
    }
    assert!(svc.service_requests.load(Ordering::SeqCst) <= 6);
    assert!(svc.token_requests() <= 4, "{}", svc.token_requests());
}

#[test]
fn oauth_token_endpoint_failures_are_a_clear_error_per_case() {
    let refused = |_| {
        Resp::json(
            401,
            &json!({"error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided."}),
        )
    };
    let svc = OAuthService::start(refused, |_| true);
    let session = open(svc.settings(), gets(3));
    for r in run_all(&session) {
        assert_eq!(r.verdict, Verdict::Fail);
        let f = &r.findings[0];
        assert_eq!(f.kind, FindingKind::Transport, "{f:#?}");
        assert!(
            f.message.contains("token endpoint") && f.message.contains("answered 401"),
            "{}",
            f.message
        );
        assert!(f.message.contains("invalid_client"), "{}", f.message);
    }
    assert_eq!(svc.service_requests.load(Ordering::SeqCst), 0);

    let no_token = |_| Resp::json(200, &json!({"token_type": "Bearer"}));
    let svc = OAuthService::start(no_token, |_| true);
    let session = open(svc.settings(), gets(1));
    let r = &run_all(&session)[0];
    assert!(
        r.findings[0].message.contains("no access_token"),
        "{:#?}",
        r.findings
    );

    // Nobody listens at the token endpoint.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (server, seen) = operation_service();
    let mut settings = Settings {
        target: Some(server.url.clone()),
        ..Settings::default()
    };
    settings.send.credentials = Credentials::ClientCredentials(OAuth {
        token_url: format!("http://127.0.0.1:{port}/token"),
        client_id: "c".into(),
        client_secret: "s3cret".into(),
        scope: None,
    });
    let session = open(settings, gets(2));
    for r in run_all(&session) {
        assert_eq!(r.verdict, Verdict::Fail);
        let m = &r.findings[0].message;
        assert!(
            m.contains("token endpoint") && m.contains(&port.to_string()),
            "{m}"
        );
    }
    assert!(seen.lock().unwrap().is_empty());
}

// ---------------------------------------------------------------- no harm

/// Targets that are not this machine. Nothing is ever sent to them: every
/// case given to them below is refused before sending, and checked to be
/// so before anything runs.
const ELSEWHERE: &[&str] = &[
    "http://192.0.2.1:9",
    "http://notloopback.invalid:9",
    "https://graph.microsoft.com",
    "http://localhost.example.com:9",
    "http://127.0.0.1.nip.io:9",
    // Loopback is decided on addresses: a name under .localhost may resolve
    // anywhere, so only `localhost` itself (resolved, every address
    // loopback) counts.
    "http://api.localhost:9",
];

fn writes() -> Vec<Case> {
    vec![
        case("post", "POST", "/me/events"),
        case("put", "PUT", "/me/photo/$value"),
        case("patch", "PATCH", "/me/events/1"),
        case("delete", "DELETE", "/me/events/1"),
        case("lower", "post", "/me/events"),
        case("placeholder", "DELETE", "/me/events/{event-id}"),
    ]
}

/// Every case of the session is ignored as a refused write: nothing of it
/// will be sent.
fn assert_all_refused(session: &Session, target: &str) {
    for (i, c) in session.cases.iter().enumerate() {
        let reason = session.ignore_reason(i).unwrap_or_else(|| {
            panic!("{target}: {} would be sent: refusing to run the test", c.id)
        });
        assert!(
            reason.to_string().starts_with("write refused"),
            "{target}: {}: {reason}",
            c.id
        );
        if graph_contract::target::is_write(&c.request.method.to_ascii_uppercase()) {
            assert!(
                session.replayer().prepare(c).is_err(),
                "{target}: prepare refuses {}",
                c.id
            );
        }
    }
}

#[test]
fn writes_to_a_non_loopback_target_are_refused_before_any_connection() {
    for target in ELSEWHERE {
        let settings = Settings {
            target: Some((*target).to_owned()),
            deadline: Some(Duration::from_secs(5)),
            ..Settings::default()
        };
        let session = open(settings, writes());
        assert_all_refused(&session, target);
        // Only now, every case known to be refused, run them: each ends
        // ignored at once, with the reason.
        for r in run_all(&session) {
            match &r.verdict {
                Verdict::Ignored(reason) => {
                    assert!(reason.to_string().contains("--allow-writes"), "{reason}")
                }
                other => panic!("{target}: {other:?}"),
            }
            assert!(r.sent.is_none() && r.actual.is_none());
        }
    }
}

#[test]
fn a_case_whose_scenario_writes_is_refused_too() {
    // A GET whose scenario creates and deletes: on a non-loopback target
    // without --allow-writes, the whole case is refused up front (not just
    // its steps, which would let the GET go out between them).
    let vars = Vars::load(&crate_path("examples/vars.toml")).unwrap();
    let scenarios = Scenarios::load(&crate_path("examples/onenote-scenario.toml"), &vars).unwrap();
    let corpus =
        graph_contract::docs::read_paths(&[
            crate_path("fixtures/scenario/onenote-notebook.md").as_path()
        ]);
    for target in ELSEWHERE {
        let settings = Settings {
            target: Some((*target).to_owned()),
            vars: vars.clone(),
            scenarios: scenarios.clone(),
            ..Settings::default()
        };
        let session = open(settings, corpus.cases.clone());
        assert_all_refused(&session, target);
    }
    // A teardown-only write is enough.
    let only_teardown = "[[scenario]]\ncase = \"safety::get0\"\n[[scenario.teardown]]\n\
                         method = \"DELETE\"\nurl = \"/v1.0/me/items/0\"\n";
    let scenarios = Scenarios::parse(Path::new("t.toml"), only_teardown, &Vars::default()).unwrap();
    let settings = Settings {
        target: Some("http://192.0.2.1:9".into()),
        scenarios,
        ..Settings::default()
    };
    let session = open(settings, gets(1));
    assert_all_refused(&session, "teardown only");
}

#[test]
fn writes_are_allowed_on_loopback_and_with_allow_writes() {
    for target in [
        "http://127.0.0.1:9",
        "http://127.8.9.10:9",
        "http://[::1]:9",
        "http://localhost:9",
    ] {
        let settings = Settings {
            target: Some(target.to_owned()),
            ..Settings::default()
        };
        let session = open(settings, writes());
        for i in 0..5 {
            assert_eq!(session.ignore_reason(i), None, "{target}");
        }
    }
    let mut settings = Settings {
        target: Some("http://192.0.2.1:9".into()),
        ..Settings::default()
    };
    settings.send.allow_writes = true;
    let session = open(settings, writes());
    let p = session.replayer().prepare(&session.cases[0]).unwrap();
    assert_eq!(p.url.as_str(), "http://192.0.2.1:9/v1.0/me/events");
    // (Not run: nothing is sent off this machine.)
}

#[test]
fn binary_refuses_writes_to_a_non_loopback_target() {
    for target in ["http://192.0.2.1:9", "http://notloopback.invalid:9"] {
        // Only the write examples: a GET would be sent.
        let out = binary()
            .args([
                "check",
                "fixtures/scenario/",
                "--method",
                "POST,PUT,PATCH,DELETE",
            ])
            .args(["--target", target, "--vars", "examples/vars.toml"])
            .output()
            .unwrap();
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(0), "{t}");
        assert!(t.contains("0 passed; 0 failed; 2 ignored"), "{t}");
        assert!(t.contains("ignored 2: write refused"), "{t}");
        // With the scenario, the GET examples are refused as well.
        let out = binary()
            .args(["check", "fixtures/scenario/onenote-notebook.md"])
            .args(["--target", target, "--vars", "examples/vars.toml"])
            .args(["--scenarios", "examples/onenote-scenario.toml"])
            .output()
            .unwrap();
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(0), "{t}");
        assert!(t.contains("3 ignored"), "{t}");
        // `show` says it would not send.
        let out = binary()
            .args(["show", "onenote-notebook::update_notebook"])
            .arg("fixtures/scenario/onenote-notebook.md")
            .args(["--target", target])
            .output()
            .unwrap();
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(0), "{t}");
        assert!(t.contains("not sent: write refused"), "{t}");
        assert!(!t.contains("actual response"), "{t}");
    }
}

// ---------------------------------------------------------------- secrets

/// The value of a header in a raw request head.
fn head_value(head: &str, name: &str) -> String {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// A service that echoes everything it receives — the whole request head,
/// credentials, cookies, the decoded URL — in its body, in `Set-Cookie` and
/// other headers, in error messages; that drops `/drop` without an answer,
/// answers `/messages` with 401 and every write with 500.
fn echo_service() -> (RawServer, Arc<Mutex<Vec<String>>>) {
    let heads = Arc::new(Mutex::new(Vec::new()));
    let h = heads.clone();
    let server = raw_serve(move |req, conn| {
        h.lock().unwrap().push(req.head.clone());
        if req.path.contains("/drop") {
            return Next::Close;
        }
        let auth = head_value(&req.head, "authorization");
        let cookie = head_value(&req.head, "cookie");
        let key = head_value(&req.head, "x-api-key");
        let decoded = percent_encoding::percent_decode_str(&req.path)
            .decode_utf8_lossy()
            .into_owned();
        let status = if req.method != "GET" {
            "500 Internal Server Error"
        } else if req.path.contains("/messages") {
            "401 Unauthorized"
        } else {
            "200 OK"
        };
        let body = json!({
            "id": 7,
            "displayName": decoded,
            "youSent": req.head,
            "error": {"code": "InvalidAuthenticationToken",
                      "message": format!("{auth} with key {key} and cookie {cookie} is not valid for {decoded}")},
        });
        let set_cookie = format!("echo={}; HttpOnly", cookie.replace(';', ""));
        let headers = [
            ("Content-Type", "application/json"),
            ("Set-Cookie", set_cookie.as_str()),
            ("X-Echo-Authorization", auth.as_str()),
            ("X-Echo-Key", key.as_str()),
            ("Connection", "close"),
        ];
        conn.send(&response(status, &headers, body.to_string().as_bytes()));
        Next::Close
    });
    (server, heads)
}

/// Every file under `dir` and the run's stdout and stderr must be free of
/// every marker.
fn assert_no_secret(label: &str, outputs: &[(String, Vec<u8>)], markers: &[&str]) {
    let mut leaks = Vec::new();
    for (name, bytes) in outputs {
        for m in markers {
            if let Some(i) = bytes.windows(m.len()).position(|w| w == m.as_bytes()) {
                let around = &bytes[i.saturating_sub(80)..(i + 80).min(bytes.len())];
                leaks.push(format!(
                    "{label}: {m} in {name}: …{}…",
                    String::from_utf8_lossy(around)
                ));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

fn collect(out: &Output, files: &[PathBuf]) -> Vec<(String, Vec<u8>)> {
    let mut v = vec![
        ("stdout".to_owned(), out.stdout.clone()),
        ("stderr".to_owned(), out.stderr.clone()),
    ];
    for f in files {
        v.push((
            f.display().to_string(),
            std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())),
        ));
    }
    v
}

const ECHO_PAGE: &str = "fixtures/scenario/echo.md";
const SETUP_SCENARIO: &str = "[[scenario]]\ncase = \"echo::with_setup\"\n[[scenario.setup]]\n\
     method = \"POST\"\nurl = \"/v1.0/me/events?key={api-key}\"\n\
     body = '{\"key\": \"{api-key}\"}'\n";

fn report_args(dir: &Path, tag: &str) -> (Vec<String>, Vec<PathBuf>) {
    let files: Vec<PathBuf> = ["junit.xml", "report.json", "summary.md", "baseline.txt"]
        .iter()
        .map(|f| dir.join(format!("{tag}-{f}")))
        .collect();
    let mut args = Vec::new();
    for (flag, f) in ["--junit", "--json", "--summary", "--write-baseline"]
        .iter()
        .zip(&files)
    {
        args.push(flag.to_string());
        args.push(f.display().to_string());
    }
    (args, files)
}

#[test]
fn no_secret_reaches_any_output_even_when_the_service_echoes_them() {
    let dir = tmp_dir_named("secrets");
    let (server, heads) = echo_service();
    let vars = dir.join("vars.toml");
    std::fs::write(
        &vars,
        "[vars]\nplain = \"not-secret\"\n\n[secrets]\napi-key = 'var SECRET dddd4444 \"q\"'\n",
    )
    .unwrap();
    let scenario = dir.join("scenario.toml");
    std::fs::write(&scenario, SETUP_SCENARIO).unwrap();
    let markers = ["aaaa1111", "bbbb2222", "cccc3333", "dddd4444"];

    // A static token, a secret header, a cookie, a secret variable.
    let (reports, files) = report_args(&dir, "static");
    let out = binary()
        .args(["check", ECHO_PAGE, "--target", &server.url, "--details"])
        .args(["--retries", "0", "--timeout", "5"])
        .args(["--secret-header", "X-Api-Key: hdr-SECRET-bbbb2222"])
        .args(["--header", "Cookie: sid=cookie-SECRET-cccc3333"])
        .arg("--vars")
        .arg(&vars)
        .arg("--scenarios")
        .arg(&scenario)
        .args(&reports)
        .env("GRAPH_CONTRACT_TOKEN", "tok-SECRET-aaaa1111")
        .output()
        .unwrap();
    let t = output_text(&out);
    // Failures, written as a baseline (`report_args`): that run passes.
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("0 passed; 4 failed"), "{t}");
    // The service did get every secret (else this test proves nothing)...
    let all_heads = heads.lock().unwrap().join("\n");
    for m in markers {
        assert!(all_heads.contains(m), "{m} sent: {all_heads}");
    }
    // ...and echoed them: the output shows where they were, redacted.
    assert!(t.contains("Bearer ***"), "{t}");
    assert!(t.contains("\"youSent\""), "the diff shows the echo: {t}");
    assert_no_secret("check", &collect(&out, &files), &markers);

    // `show` with the token: the actual answer, headers and all.
    let out = binary()
        .args(["show", "echo::whoami", ECHO_PAGE, "--target", &server.url])
        .env("GRAPH_CONTRACT_TOKEN", "tok-SECRET-aaaa1111")
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("x-echo-authorization: Bearer ***"), "{t}");
    assert_no_secret("show", &collect(&out, &[]), &markers);
}

#[test]
fn no_oauth_secret_nor_env_secret_reaches_any_output() {
    let dir = tmp_dir_named("secrets-oauth");
    let (server, _heads) = echo_service();
    let tokens = serve(|_req: Req| {
        Resp::json(
            200,
            &json!({"token_type": "Bearer", "expires_in": 3599,
                    "access_token": "oauth-SECRET-eeee5555"}),
        )
    });
    // The secret's real value comes from the environment.
    let vars = dir.join("vars.toml");
    std::fs::write(&vars, "[secrets]\napi-key = \"set-in-env\"\n").unwrap();
    let scenario = dir.join("scenario.toml");
    std::fs::write(&scenario, SETUP_SCENARIO).unwrap();
    let (reports, files) = report_args(&dir, "oauth");
    let out = binary()
        .args(["check", ECHO_PAGE, "--target", &server.url, "--details"])
        .args(["--retries", "0", "--timeout", "5"])
        .args(["--oauth-token-url", &format!("{}/token", tokens.url)])
        .arg("--vars")
        .arg(&vars)
        .arg("--scenarios")
        .arg(&scenario)
        .args(&reports)
        .env("GRAPH_CONTRACT_CLIENT_ID", "contract-client")
        .env("GRAPH_CONTRACT_CLIENT_SECRET", "client-SECRET-ffff6666")
        .env("GRAPH_CONTRACT_VAR_API_KEY", "env SECRET/gggg7777 'q'")
        .output()
        .unwrap();
    let t = output_text(&out);
    // Failures, written as a baseline (`report_args`): that run passes.
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("0 passed; 4 failed"), "{t}");
    assert_no_secret(
        "oauth",
        &collect(&out, &files),
        &["eeee5555", "ffff6666", "gggg7777"],
    );
}

#[test]
fn credentials_in_the_target_url_go_as_basic_auth_on_both_clients_and_are_never_reported() {
    use graph_contract::target::HttpClient;
    let (server, heads) = echo_service();
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    // A password with a character that must be percent-encoded in a URL.
    let target = format!("http://alice:pw-SECRET-hhhh8888%2F@127.0.0.1:{port}");
    let basic =
        graph_contract::target::url::basic_credentials("alice", Some("pw-SECRET-hhhh8888/"));
    for client in [HttpClient::Auto, HttpClient::Reqwest] {
        heads.lock().unwrap().clear();
        let mut settings = Settings {
            target: Some(target.clone()),
            ..Default::default()
        };
        settings.send.client = client;
        let session = open(settings, gets(1));
        let r = &run_all(&session)[0];
        let head = heads.lock().unwrap().join("\n");
        assert_eq!(
            head_value(&head, "authorization"),
            format!("Basic {basic}"),
            "{client:?}: {head}"
        );
        // Neither the request line nor Host carries them.
        assert!(!head.contains("hhhh8888"), "{client:?}: {head}");
        let sent = r.sent.as_ref().expect("sent");
        assert_eq!(
            sent.url.as_str(),
            format!("http://127.0.0.1:{port}/v1.0/me/items/0")
        );
        assert!(!session.describe_target().contains("hhhh8888"));
    }
    // The binary, against a service echoing the Authorization header back:
    // no output holds the password, encoded or not, nor the Basic value.
    let dir = tmp_dir_named("secrets-basic");
    let (reports, files) = report_args(&dir, "basic");
    let out = binary()
        .args(["check", ECHO_PAGE, "--target", &target, "--details"])
        .args(["--retries", "0", "--timeout", "5"])
        .args(&reports)
        .output()
        .unwrap();
    let t = output_text(&out);
    // Failures, written as a baseline (`report_args`): that run passes.
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("FAILED"), "{t}");
    // The echoed request head shows where the credentials were.
    assert!(t.contains("authorization: Basic ***"), "{t}");
    assert_no_secret(
        "basic",
        &collect(&out, &files),
        &["hhhh8888", &basic, "alice:pw"],
    );
    let out = binary()
        .args(["show", "echo::whoami", ECHO_PAGE, "--target", &target])
        .output()
        .unwrap();
    let t = output_text(&out);
    assert!(t.contains("-H 'Authorization: Basic ***'"), "{t}");
    assert_no_secret("basic show", &collect(&out, &[]), &["hhhh8888", &basic]);
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_input_is_a_message_and_exit_2_never_a_panic() {
    let dir = tmp_dir_named("bad-input");
    let (server, seen) = operation_service();
    let page = "fixtures/e2e/onenote-get-operation.md";
    let expect_2 = |args: &[&str], needle: &str| {
        let out = binary().args(args).output().unwrap();
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {t}");
        assert!(t.contains("graph-contract: error:"), "{args:?}: {t}");
        assert!(t.contains(needle), "{args:?} should say {needle:?}: {t}");
        assert!(!t.contains("panicked"), "{t}");
        t
    };
    for target in ["not a url", "http://[::1", "http://127.0.0.1:99999", ""] {
        expect_2(&["check", page, "--target", target], "does not parse");
        expect_2(
            &[
                "show",
                "onenote-get-operation::get_onenoteoperation",
                page,
                "--target",
                target,
            ],
            "does not parse",
        );
    }
    expect_2(
        &["check", page, "--target", "ftp://127.0.0.1/"],
        "http or https",
    );
    expect_2(
        &["check", page, "--target", "localhost:8080"],
        "http or https",
    );

    // Files that cannot be read.
    let missing = dir.join("missing.toml");
    let missing = missing.to_str().unwrap();
    let folder = dir.to_str().unwrap();
    for flag in ["--vars", "--scenarios", "--baseline"] {
        expect_2(
            &["check", page, "--target", &server.url, flag, missing],
            "missing.toml",
        );
        expect_2(
            &["check", page, "--target", &server.url, flag, folder],
            folder,
        );
    }
    let not_utf8 = dir.join("latin1.toml");
    std::fs::write(&not_utf8, b"[vars]\nname = \"caf\xe9\"\n").unwrap();
    expect_2(
        &[
            "check",
            page,
            "--target",
            &server.url,
            "--vars",
            not_utf8.to_str().unwrap(),
        ],
        "latin1.toml",
    );
    // A header without a colon: refused, and a secret one is not echoed.
    let t = expect_2(
        &[
            "check",
            page,
            "--target",
            &server.url,
            "--secret-header",
            "X-Api-Key hdr-hhhh8888",
        ],
        "Name: value",
    );
    assert!(!t.contains("hhhh8888"), "{t}");
    let t = expect_2(
        &[
            "check",
            page,
            "--target",
            &server.url,
            "--header",
            "Authorization Bearer tok-iiii9999",
        ],
        "Name: value",
    );
    assert!(!t.contains("iiii9999"), "{t}");
    assert!(seen.lock().unwrap().is_empty(), "nothing sent on bad input");
}

#[test]
fn unreadable_and_non_utf8_pages_are_reported_and_the_run_goes_on() {
    let dir = tmp_dir_named("bad-pages");
    std::fs::copy(
        crate_path("fixtures/e2e/onenote-get-operation.md"),
        dir.join("good.md"),
    )
    .unwrap();
    let mut latin1 = std::fs::read(crate_path("fixtures/e2e/onenote-get-operation.md")).unwrap();
    latin1.extend_from_slice(b"\nCaf\xe9 au lait\n");
    std::fs::write(dir.join("latin1.md"), latin1).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("nowhere.md"), dir.join("dangling.md")).unwrap();
    let (server, seen) = operation_service();
    let out = binary()
        .arg("check")
        .arg(&dir)
        .args(["--target", &server.url])
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("1 passed; 0 failed"), "{t}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("latin1.md") && stderr.contains("not UTF-8"),
        "the skipped page is named: {t}"
    );
    #[cfg(unix)]
    assert!(stderr.contains("dangling.md"), "{t}");
    // `lint` names them too, as errors.
    let out = binary()
        .args(["lint", "--short"])
        .arg(&dir)
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("latin1.md:1: unreadable-page"), "{t}");
}
