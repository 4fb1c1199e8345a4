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

/// `graph-contract mock` as a client developer starts it, stderr read line
/// by line; killed when dropped.
struct MockProcess {
    child: std::process::Child,
    url: String,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_mock(args: &[&str]) -> MockProcess {
    use std::io::BufRead;
    let mut child = binary()
        .args(["mock", PAGE, "--port", "0"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let serving = lines
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the mock says where it serves");
    let at = serving.find(" on http://").expect(&serving);
    let url = serving[at + 4..].trim().trim_end_matches('/').to_owned();
    MockProcess { child, url, lines }
}

/// One plain HTTP/1.1 GET: (status, lowercased head, body).
fn get(base: &str, path: &str) -> (u16, String, String) {
    exchange(base, "GET", path, "")
}

#[test]
fn mock_throttle_answers_429_with_retry_after_and_tells_early_retries() {
    let m = spawn_mock(&["--throttle", "100%", "--retry-after", "1"]);
    let (status, head, body) = get(&m.url, "/v1.0/users/7");
    assert_eq!(status, 429, "{head}\n{body}");
    assert!(head.contains("\r\nretry-after: 1\r\n"), "{head}");
    assert!(head.contains("\r\nrequest-id: "), "{head}");
    let v: serde_json::Value = serde_json::from_str(&body).expect(&body);
    assert_eq!(v["error"]["code"], "TooManyRequests", "{v}");
    assert!(v["error"]["innerError"]["request-id"].is_string(), "{v}");
    // retried at once: throttled again, and the mock's log says why
    let (status, _, _) = get(&m.url, "/v1.0/users/7");
    assert_eq!(status, 429);
    let said = m
        .lines
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("a log line for the early retry");
    assert!(
        said.contains("throttle: 127.0.0.1 retried before its Retry-After elapsed"),
        "{said}"
    );
    // a client that waits what it was told is throttled by the draw (rate
    // 1), not as an early retry: no second log line
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let (status, _, _) = get(&m.url, "/v1.0/users/7");
    assert_eq!(status, 429);
    assert!(
        m.lines
            .recv_timeout(std::time::Duration::from_millis(300))
            .is_err(),
        "an early retry was logged for a client that waited"
    );
    // rate 0: never throttled
    let m = spawn_mock(&["--throttle", "0"]);
    let (status, head, _) = get(&m.url, "/v1.0/users/7");
    assert_eq!(status, 200, "{head}");
    // a rate that could mean either is refused, naming the option
    let out = binary()
        .args(["mock", PAGE, "--port", "0", "--throttle", "10"])
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("--throttle") && t.contains("10%"), "{t}");
}

/// One raw HTTP/1.1 exchange with extra header lines: (status,
/// lowercased head, body).
fn exchange(base: &str, method: &str, path: &str, extra: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

#[test]
fn browser_apps_get_cors_preflights_and_exposed_graph_headers() {
    let (_rt, server) = start_mock();
    let url = server.url();
    // the preflight: 204 before routing, the asked headers allowed
    let (status, head, _) = exchange(
        &url,
        "OPTIONS",
        "/v1.0/users/7",
        "Origin: http://localhost:3000\r\nAccess-Control-Request-Method: PATCH\r\nAccess-Control-Request-Headers: authorization, content-type\r\n",
    );
    assert_eq!(status, 204, "{head}");
    for line in [
        "access-control-allow-origin: http://localhost:3000",
        "access-control-allow-methods: get, head, post, put, patch, delete, options",
        "access-control-allow-headers: authorization, content-type",
        "access-control-max-age: 600",
    ] {
        assert!(head.contains(&format!("\r\n{line}\r\n")), "{line}:\n{head}");
    }
    // the request itself: the origin echoed, Graph's headers readable
    let (status, head, _) = exchange(
        &url,
        "GET",
        "/v1.0/users/7",
        "Origin: http://localhost:3000\r\n",
    );
    assert_eq!(status, 200, "{head}");
    assert!(
        head.contains("\r\naccess-control-allow-origin: http://localhost:3000\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nvary: origin\r\n"), "{head}");
    assert!(
        head.contains("access-control-expose-headers: request-id, client-request-id, retry-after"),
        "{head}"
    );
    // an unmatched request from a page: the 404 is readable too
    let (status, head, _) = exchange(
        &url,
        "GET",
        "/v1.0/nothing",
        "Origin: http://localhost:3000\r\n",
    );
    assert_eq!(status, 404, "{head}");
    assert!(head.contains("access-control-allow-origin"), "{head}");
    // no Origin: no CORS headers; a plain OPTIONS still lists the methods
    let (status, head, _) = exchange(&url, "GET", "/v1.0/users/7", "");
    assert_eq!(status, 200);
    assert!(!head.contains("access-control-"), "{head}");
    let (status, head, _) = exchange(&url, "OPTIONS", "/v1.0/users/7", "");
    assert_eq!(status, 204, "{head}");
    assert!(
        head.contains("\r\nallow: ") && !head.contains("access-control-"),
        "{head}"
    );
}
