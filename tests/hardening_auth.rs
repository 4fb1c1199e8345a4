//! Hardening (#11), credentials and the write guard:
//! - every request the tool makes is bounded: a token endpoint that never
//!   answers, answers without end or trickles is held to `--timeout`,
//!   `--deadline` and `--max-body` like the target, and fails each case
//!   with a message naming the endpoint and the cause;
//! - a 401 renews the token single-flight and bounded: a service refusing
//!   everything costs two token fetches, not one per case, and each case
//!   says how many times it was really sent;
//! - every method but GET, HEAD and OPTIONS is a write;
//! - loopback is decided on the addresses connected to, never on a name
//!   (`evil.localhost` is refused as a write before any connection).
//!
//! Every server is in-process on 127.0.0.1; no request leaves loopback
//! (names that are not loopback are only given cases refused before
//! sending, and never resolved).

mod support;

use graph_contract::model::{Case, FindingKind};
use graph_contract::run::{CaseResult, Session, Settings, Verdict};
use graph_contract::scenario::{Scenarios, Vars};
use graph_contract::target::{Credentials, OAuth, Target, is_write};
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::tcp::{Conn, Next, RawReq, RawServer, raw_serve, response};
use support::{Req, Resp, TestServer, binary, output_text, serve};

// ---------------------------------------------------------------- helpers

/// A run of the binary that must end: killed (and the test failed) past a
/// bound far above what the run needs, so a hang is a failure, not a stuck
/// test suite.
fn run_bounded(mut cmd: Command) -> Output {
    const BOUND: Duration = Duration::from_secs(60);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the run hung: killed after {BOUND:?}\n{}",
                output_text(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A page of `n` GET examples, each documented as `200 {"id": ...}`.
fn page_of_gets(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("---\ntitle: \"Get items\"\n---\n\n# Get items\n\n");
    for i in 0..n {
        text.push_str(&format!(
            "## Example {i}\n\n### Request\n<!-- {{\n  \"blockType\": \"request\",\n  \"name\": \"get_item_{i}\"\n}}-->\n\
             ```http\nGET https://graph.microsoft.com/v1.0/me/items/{i}\n```\n\n\
             ### Response\n<!-- {{\n  \"blockType\": \"response\",\n  \"truncated\": false\n}} -->\n\
             ```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{{\n  \"id\": \"item-{i}\"\n}}\n```\n\n"
        ));
    }
    let path = dir.join("items.md");
    std::fs::write(&path, text).unwrap();
    path
}

/// A page of one POST example.
fn page_of_a_post(dir: &Path) -> PathBuf {
    let text = "---\ntitle: \"Create item\"\n---\n\n# Create item\n\n## Example\n\n### Request\n\
                <!-- {\n  \"blockType\": \"request\",\n  \"name\": \"create_item\"\n}-->\n\
                ```http\nPOST https://graph.microsoft.com/v1.0/me/items\nContent-type: application/json\n\n\
                {\n  \"name\": \"a\"\n}\n```\n\n### Response\n\
                <!-- {\n  \"blockType\": \"response\",\n  \"truncated\": false\n} -->\n\
                ```http\nHTTP/1.1 201 Created\nContent-type: application/json\n\n{\n  \"id\": \"item-1\"\n}\n```\n";
    let path = dir.join("create.md");
    std::fs::write(&path, text).unwrap();
    path
}

/// A healthy service that counts what reaches it.
fn counting_service() -> (TestServer, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    let server = serve(move |_req: Req| {
        s.fetch_add(1, Ordering::SeqCst);
        Resp::json(200, &json!({"id": "item"}))
    });
    (server, seen)
}

fn case(name: &str, method: &str, path: &str) -> Case {
    support::json_case("hardening", name, method, path)
}

fn gets(n: usize) -> Vec<Case> {
    (0..n)
        .map(|i| case(&format!("get{i}"), "GET", &format!("/me/items/{i}")))
        .collect()
}

fn open(settings: Settings, cases: Vec<Case>) -> Arc<Session> {
    Arc::new(Session::open(settings, Arc::new(cases)).expect("session opens"))
}

fn run_all(session: &Arc<Session>, jobs: usize) -> Vec<CaseResult> {
    let all: Vec<usize> = (0..session.cases.len()).collect();
    session.run_all(&all, jobs, |_| {})
}

fn oauth(token_url: String) -> Credentials {
    Credentials::ClientCredentials(OAuth {
        token_url,
        client_id: "contract-client".into(),
        client_secret: "s3cret".into(),
        scope: None,
    })
}

// ------------------------------------------- item 1: bounded token fetches

/// How a hostile token endpoint misbehaves.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    /// Accepts the connection, reads the request, never answers.
    Silent,
    /// A 200 head without a length, then a body without end.
    Endless,
    /// A 200 head declaring a body far over the cap, then that body.
    Declared,
    /// The answer's head one byte at a time, 50 ms apart.
    TrickleHead,
    /// A complete head, then the body one byte at a time.
    TrickleBody,
}

impl Hostile {
    /// What the failure must say besides the token endpoint's URL.
    fn cause(self) -> &'static str {
        match self {
            Hostile::Silent | Hostile::TrickleHead | Hostile::TrickleBody => "(timeout)",
            Hostile::Endless | Hostile::Declared => "larger than the cap of 1000 bytes",
        }
    }
}

/// Write `bytes` one at a time, `gap` apart, until done or the peer goes.
fn trickle(conn: &mut Conn, bytes: &[u8], gap: Duration) {
    for b in bytes {
        if conn.stopped() || !conn.send(std::slice::from_ref(b)) {
            return;
        }
        std::thread::sleep(gap);
    }
}

/// Write `chunk` again and again (at most 256 MiB) until the peer goes.
fn flood(conn: &mut Conn, chunk: &[u8]) {
    for _ in 0..(256 << 20) / chunk.len() {
        if conn.stopped() || !conn.send(chunk) {
            return;
        }
    }
}

fn hostile_token_endpoint(kind: Hostile) -> RawServer {
    raw_serve(move |_req: &RawReq, conn: &mut Conn| {
        let chunk = [b'x'; 16 * 1024];
        match kind {
            Hostile::Silent => conn.stall(Duration::from_secs(30)),
            Hostile::Endless => {
                conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"access_token\":\"");
                flood(conn, &chunk);
            }
            Hostile::Declared => {
                conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000000\r\n\r\n");
                flood(conn, &chunk);
            }
            Hostile::TrickleHead => {
                let answer = response(
                    "200 OK",
                    &[("Content-Type", "application/json")],
                    br#"{"access_token":"tok"}"#,
                );
                trickle(conn, &answer, Duration::from_millis(50));
            }
            Hostile::TrickleBody => {
                let body =
                    br#"{"token_type":"Bearer","expires_in":3599,"access_token":"tok-slow"}"#;
                conn.send(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                    .as_bytes(),
                );
                trickle(conn, body, Duration::from_millis(50));
            }
        }
        Next::Close
    })
}

#[test]
fn a_hostile_token_endpoint_fails_every_case_cleanly_and_the_run_ends() {
    let dir = support::tmp_dir("hardening-auth-hostile");
    let page = page_of_gets(&dir, 6);
    for kind in [
        Hostile::Silent,
        Hostile::Endless,
        Hostile::Declared,
        Hostile::TrickleHead,
        Hostile::TrickleBody,
    ] {
        let tokens = hostile_token_endpoint(kind);
        let (service, seen) = counting_service();
        let token_url = format!("{}/tenant/token", tokens.url);
        let mut cmd = binary();
        cmd.arg("check")
            .arg(&page)
            .args(["--target", &service.url, "--oauth-token-url", &token_url])
            .args(["--timeout", "0.5", "--max-body", "1000", "--jobs", "3"])
            .env("GRAPH_CONTRACT_CLIENT_ID", "contract-client")
            .env("GRAPH_CONTRACT_CLIENT_SECRET", "s3cret");
        let out = run_bounded(cmd);
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(1), "{kind:?}: {t}");
        assert!(t.contains("0 passed; 6 failed"), "{kind:?}: {t}");
        // Every case's failure names the endpoint and the cause.
        let naming = t
            .lines()
            .filter(|l| l.contains(&format!("token endpoint {token_url}")))
            .filter(|l| l.contains(kind.cause()))
            .count();
        assert!(naming >= 6, "{kind:?}: {naming} lines name it: {t}");
        assert_eq!(
            seen.load(Ordering::SeqCst),
            0,
            "{kind:?}: no token, no request"
        );
        // Single-flight, and given up after two failures in a row: not one
        // fetch per case.
        let fetches = tokens.connections();
        assert!(
            (1..=graph_contract::target::auth::GIVE_UP_AFTER as usize).contains(&fetches),
            "{kind:?}: {fetches} token fetches for 6 cases"
        );
    }
}

#[test]
fn the_run_deadline_bounds_a_token_fetch_too() {
    let dir = support::tmp_dir("hardening-auth-deadline");
    let page = page_of_gets(&dir, 2);
    let tokens = hostile_token_endpoint(Hostile::Silent);
    let (service, seen) = counting_service();
    let token_url = format!("{}/token", tokens.url);
    let mut cmd = binary();
    // The per-request timeout is far away: only the deadline can end it.
    cmd.arg("check")
        .arg(&page)
        .args(["--target", &service.url, "--oauth-token-url", &token_url])
        .args(["--timeout", "3600", "--deadline", "1"])
        .env("GRAPH_CONTRACT_CLIENT_ID", "contract-client")
        .env("GRAPH_CONTRACT_CLIENT_SECRET", "s3cret");
    let out = run_bounded(cmd);
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("deadline"), "{t}");
    assert!(t.contains(&token_url), "{t}");
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

#[test]
fn a_failing_token_endpoint_is_asked_at_most_twice_per_run() {
    // A config error (the endpoint refuses the client) over 200 cases:
    // every case fails with the endpoint's answer, and the endpoint is not
    // asked once per case.
    let fetches = Arc::new(AtomicUsize::new(0));
    let f = fetches.clone();
    let tokens = serve(move |_req: Req| {
        f.fetch_add(1, Ordering::SeqCst);
        Resp::json(400, &json!({"error": "invalid_client"}))
    });
    let (service, seen) = counting_service();
    let mut settings = Settings {
        target: Some(service.url.clone()),
        ..Settings::default()
    };
    settings.send.credentials = oauth(format!("{}/token", tokens.url));
    let session = open(settings, gets(200));
    for r in run_all(&session, 8) {
        assert_eq!(r.verdict, Verdict::Fail);
        let m = &r.findings[0].message;
        assert_eq!(r.findings[0].kind, FindingKind::Transport);
        assert!(
            m.contains("token endpoint") && m.contains("answered 400 (invalid_client)"),
            "{m}"
        );
    }
    let n = fetches.load(Ordering::SeqCst);
    assert!(
        (1..=graph_contract::target::auth::GIVE_UP_AFTER as usize).contains(&n),
        "{n} fetches"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

// ------------------------------------- item 2: single-flight 401 renewal

/// A service behind OAuth: the token endpoint (same server) hands out
/// `tok-1`, `tok-2`, ... and counts them; `accept` judges a bearer token;
/// the requests of each path are counted.
struct OAuthService {
    server: TestServer,
    fetches: Arc<AtomicUsize>,
    per_path: Arc<Mutex<HashMap<String, u32>>>,
}

impl OAuthService {
    fn start(accept: impl Fn(&str) -> bool + Send + Sync + 'static) -> OAuthService {
        let fetches = Arc::new(AtomicUsize::new(0));
        let per_path = Arc::new(Mutex::new(HashMap::new()));
        let (f, p) = (fetches.clone(), per_path.clone());
        let server = serve(move |req: Req| {
            if req.path == "/token" {
                let n = f.fetch_add(1, Ordering::SeqCst) + 1;
                return Resp::json(
                    200,
                    &json!({"token_type": "Bearer", "expires_in": 3599,
                            "access_token": format!("tok-{n}")}),
                );
            }
            *p.lock().unwrap().entry(req.path.clone()).or_insert(0) += 1;
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
            fetches,
            per_path,
        }
    }

    fn session(&self, cases: Vec<Case>) -> Arc<Session> {
        let mut settings = Settings {
            target: Some(self.server.url.clone()),
            ..Settings::default()
        };
        settings.send.credentials = oauth(format!("{}/token", self.server.url));
        open(settings, cases)
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// How many times the service saw the request of case `i` of `gets`.
    fn sent(&self, i: usize) -> u32 {
        let key = format!("/v1.0/me/items/{i}");
        self.per_path
            .lock()
            .unwrap()
            .get(&key)
            .copied()
            .unwrap_or(0)
    }
}

#[test]
fn a_service_refusing_every_token_costs_two_fetches_not_one_per_case() {
    let svc = OAuthService::start(|_| false);
    let session = svc.session(gets(200));
    let results = run_all(&session, 8);
    // The first token, and one in place of it once refused; that one
    // refused too, renewing stops.
    assert_eq!(svc.fetches(), 2, "token fetches for 200 cases refused");
    for r in &results {
        assert_eq!(r.verdict, Verdict::Fail, "case {}", r.index);
        let actual = r.actual.as_ref().expect("an answer");
        assert_eq!(actual.status, 401);
        // Tries as really sent: twice when renewed, else once.
        let sent = svc.sent(r.index);
        assert_eq!(actual.tries, sent, "case {}", r.index);
        assert!(
            (1..=2).contains(&sent),
            "case {}: sent {sent} times",
            r.index
        );
        let status = r
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::Status)
            .expect("a status finding");
        assert_eq!(
            status.message.contains("after 2 tries"),
            sent == 2,
            "case {}: {}",
            r.index,
            status.message
        );
        assert!(!status.message.contains("after 3"), "{}", status.message);
    }
}

#[test]
fn concurrent_401s_for_one_token_share_one_fetch() {
    // Only the second token is good: all cases refused with the first
    // renew it once between them, and pass.
    let svc = OAuthService::start(|t| t == "tok-2");
    let session = svc.session(gets(200));
    let results = run_all(&session, 8);
    assert_eq!(svc.fetches(), 2);
    for r in &results {
        assert_eq!(
            r.verdict,
            Verdict::Pass,
            "case {}: {:#?}",
            r.index,
            r.findings
        );
        let actual = r.actual.as_ref().unwrap();
        assert_eq!(actual.tries, svc.sent(r.index), "case {}", r.index);
        assert!(actual.tries <= 2);
    }
}

// ---------------------------------------------- item 3: what is a write

#[test]
fn every_method_but_get_head_and_options_is_a_write() {
    for (method, write) in [
        ("GET", false),
        ("get", false),
        ("Head", false),
        ("HEAD", false),
        ("OPTIONS", false),
        ("options", false),
        ("POST", true),
        ("post", true),
        ("PUT", true),
        ("PATCH", true),
        ("DELETE", true),
        ("MERGE", true),
        ("merge", true),
        ("PROPPATCH", true),
        ("MKCOL", true),
        ("PURGE", true),
        ("TRACE", true),
        ("CONNECT", true),
        ("LINK", true),
        ("M-SEARCH", true),
        ("GETX", true),
        ("", true),
    ] {
        assert_eq!(is_write(method), write, "{method:?}");
    }
}

#[test]
fn cases_and_scenario_steps_of_any_write_method_are_refused_off_loopback() {
    // Documented requests of unlisted methods, in any case.
    let cases = vec![
        case("merge", "MERGE", "/me/items/1"),
        case("purge", "purge", "/me/items/1"),
        case("proppatch", "PropPatch", "/me/items/1"),
    ];
    for target in ["http://192.0.2.1:9", "http://evil.localhost:9"] {
        let session = open(
            Settings {
                target: Some(target.into()),
                ..Settings::default()
            },
            cases.clone(),
        );
        for (i, c) in session.cases.iter().enumerate() {
            let reason = session.ignore_reason(i).unwrap_or_else(|| {
                panic!("{target}: {} would be sent: refusing to run the test", c.id)
            });
            assert!(
                reason.to_string().starts_with("write refused"),
                "{target}: {reason}"
            );
        }
    }
    // A GET whose scenario step is a MERGE or a lower-case purge: the case
    // is refused before anything is sent.
    for method in ["MERGE", "purge", "PROPPATCH"] {
        let toml = format!(
            "[[scenario]]\ncase = \"hardening::get0\"\n[[scenario.setup]]\n\
             method = \"{method}\"\nurl = \"/v1.0/me/items/0\"\n"
        );
        let scenarios = Scenarios::parse(Path::new("t.toml"), &toml, &Vars::default()).unwrap();
        let session = open(
            Settings {
                target: Some("http://192.0.2.1:9".into()),
                scenarios,
                ..Settings::default()
            },
            gets(1),
        );
        let reason = session
            .ignore_reason(0)
            .unwrap_or_else(|| panic!("{method}: the case would be sent: refusing to run"));
        assert!(
            reason.to_string().starts_with("write refused"),
            "{method}: {reason}"
        );
    }
}

// ------------------------------------------ item 4: loopback by address

#[test]
fn loopback_is_decided_on_addresses_not_names() {
    // `localhost` counts when the system resolves it to loopback only (as
    // it does on any sane machine); every other name never counts.
    let localhost = graph_contract::target::url::localhost_addrs().is_some();
    for (target, loopback) in [
        ("http://127.0.0.1", true),
        ("http://127.1.2.3:8080", true),
        ("http://[::1]:8080", true),
        ("http://[::ffff:127.0.0.1]", true),
        ("http://[::ffff:127.9.9.9]:1", true),
        // The URL parser reads these as 127.0.0.1.
        ("http://2130706433", true),
        ("http://0x7f000001", true),
        ("http://127.1", true),
        ("http://localhost", localhost),
        ("http://LOCALHOST.:9", localhost),
        ("https://localhost:8443", localhost),
        // Names the resolver may send anywhere.
        ("http://evil.localhost", false),
        ("http://api.localhost:9", false),
        ("http://localhost.example.com", false),
        ("http://127.0.0.1.nip.io", false),
        ("http://graph.microsoft.com", false),
        // "Any address" and neighbours are not loopback.
        ("http://0.0.0.0", false),
        ("http://[::]", false),
        ("http://[::ffff:10.0.0.1]", false),
        ("http://192.0.2.1", false),
        ("http://[fe80::1]", false),
    ] {
        let t = Target::parse(target).unwrap();
        assert_eq!(t.is_loopback(), loopback, "{target}");
        // A name that counts is pinned to the addresses it was judged on;
        // a literal address needs no pin; a name that does not count is
        // left alone (nothing that writes goes there).
        let pinned = t.pinned();
        let is_name = matches!(t.base().host(), Some(url::Host::Domain(_)));
        assert_eq!(pinned.is_some(), is_name && loopback, "{target}");
        if let Some((_, addrs)) = pinned {
            assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{target}");
        }
    }
}

#[test]
fn the_decision_on_resolved_addresses_needs_every_one_loopback() {
    let ips = |list: &[&str]| -> Vec<IpAddr> { list.iter().map(|s| s.parse().unwrap()).collect() };
    for (addrs, loopback) in [
        (ips(&["127.0.0.1"]), true),
        (ips(&["127.0.0.1", "::1"]), true),
        (ips(&["127.255.0.9", "::ffff:127.0.0.1"]), true),
        // One address elsewhere is enough to refuse: a client may pick it.
        (ips(&["127.0.0.1", "192.0.2.1"]), false),
        (ips(&["::1", "2001:db8::1"]), false),
        (ips(&["192.0.2.1"]), false),
        (ips(&["0.0.0.0"]), false),
        (ips(&["::"]), false),
        // Nothing resolved: nothing known, not loopback.
        (ips(&[]), false),
    ] {
        assert_eq!(
            graph_contract::target::url::all_loopback(&addrs),
            loopback,
            "{addrs:?}"
        );
    }
}

#[test]
fn binary_refuses_a_post_to_a_name_under_localhost_before_any_connection() {
    let dir = support::tmp_dir("hardening-auth-evil-localhost");
    let page = page_of_a_post(&dir);
    // Were the name connected to, it would be here.
    let listener = raw_serve(|_req, conn| {
        conn.send(&response("201 Created", &[], b"{}"));
        Next::Close
    });
    let port = listener.url.rsplit(':').next().unwrap().to_owned();
    let mut cmd = binary();
    cmd.arg("check")
        .arg(&page)
        .args(["--target", &format!("http://evil.localhost:{port}")]);
    let out = run_bounded(cmd);
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("0 passed; 0 failed; 1 ignored"), "{t}");
    assert!(t.contains("write refused"), "{t}");
    assert!(t.contains("--allow-writes"), "{t}");
    assert_eq!(listener.connections(), 0);
    // The same POST to loopback by address is sent.
    let mut cmd = binary();
    cmd.arg("check")
        .arg(&page)
        .args(["--target", &format!("http://127.0.0.1:{port}")]);
    let out = run_bounded(cmd);
    let t = output_text(&out);
    assert!(!t.contains("write refused"), "{t}");
    assert_eq!(listener.requests("/v1.0/me/items"), 1, "{t}");
}

#[test]
fn localhost_is_connected_on_the_addresses_it_was_judged_on_by_both_clients() {
    use graph_contract::target::HttpClient;
    if graph_contract::target::url::localhost_addrs().is_none() {
        // This machine's `localhost` is not loopback: nothing to connect.
        return;
    }
    let (service, seen) = counting_service();
    let port = service.url.rsplit(':').next().unwrap().to_owned();
    let serves_v4 = graph_contract::target::url::localhost_addrs()
        .unwrap()
        .iter()
        .any(IpAddr::is_ipv4);
    if !serves_v4 {
        // The test server listens on 127.0.0.1 only.
        return;
    }
    for client in [HttpClient::Auto, HttpClient::Reqwest] {
        for target in [
            format!("http://localhost:{port}"),
            format!("http://LOCALHOST.:{port}"),
        ] {
            let before = seen.load(Ordering::SeqCst);
            let mut settings = Settings {
                target: Some(target.clone()),
                ..Settings::default()
            };
            settings.send.client = client;
            let session = open(settings, vec![case("post", "POST", "/me/items")]);
            assert_eq!(
                session.ignore_reason(0),
                None,
                "{target}: a write to loopback"
            );
            let results = run_all(&session, 1);
            assert!(
                results[0].actual.is_some(),
                "{client:?} {target}: {:#?}",
                results[0].findings
            );
            assert_eq!(
                seen.load(Ordering::SeqCst),
                before + 1,
                "{client:?} {target}"
            );
        }
    }
}
