// The fault tests, shared by tests/faults.rs (the default client: hyper's
// own for these loopback targets) and tests/faults_reqwest.rs (reqwest, the
// client of TLS and proxied targets): both must fail each fault the same
// clear way.

use graph_contract::model::{Case, Finding, FindingKind};
use graph_contract::run::{CaseResult, Session, Settings, Verdict};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::tcp::{Conn, Next, RawReq, RawServer, healthy, raw_serve, response};

// ---------------------------------------------------------------- helpers

/// A GET case for `path` (under `/v1.0`) documented as 200 with
/// `Content-Type: application/json` and `{"id": "String"}`.
fn get_case(name: &str, path: &str) -> Case {
    support::json_case("faults", name, "GET", path)
}

/// Settings for a hostile target, through [`CLIENT`]: 1 s per request, 2 retries, waits of at
/// most 2 s, a 1 KiB body cap, a 20 s run deadline.
fn settings(url: &str) -> Settings {
    let mut s = Settings {
        target: Some(url.to_owned()),
        ..Default::default()
    };
    s.send.client = CLIENT;
    s.send.timeout = Duration::from_secs(1);
    s.send.retries = 2;
    s.send.max_retry_wait = Duration::from_secs(2);
    s.send.max_body = 1024;
    s.deadline = Some(Duration::from_secs(20));
    s
}

struct Outcome {
    results: Vec<CaseResult>,
    elapsed: Duration,
}

/// Run `cases` against the settings' target with `jobs` in flight, on a
/// thread watched by a watchdog: a run that takes longer than `bound` fails
/// the test (and one that never ends fails it too, 30 s later, instead of
/// hanging the test binary). A panic inside the run fails the test with its
/// message.
fn run(settings: Settings, cases: Vec<Case>, jobs: usize, bound: Duration) -> Outcome {
    let all: Vec<usize> = (0..cases.len()).collect();
    run_batches(settings, cases, vec![all], jobs, bound)
}

/// Like [`run`], but one session runs the batches one after the other
/// (`run_all` once per batch). Within one `run_all` the cases start in no
/// set order, even with one job; batches make "after the fault" certain,
/// and show the session (its client and connection pool) still works after
/// a fault.
fn run_batches(
    settings: Settings,
    cases: Vec<Case>,
    batches: Vec<Vec<usize>>,
    jobs: usize,
    bound: Duration,
) -> Outcome {
    let (tx, rx) = std::sync::mpsc::channel();
    let n = cases.len();
    let worker = std::thread::spawn(move || {
        let session = Arc::new(Session::open(settings, Arc::new(cases)).expect("session opens"));
        let start = Instant::now();
        let mut results: Vec<Option<CaseResult>> = vec![None; n];
        for batch in &batches {
            for r in session.run_all(batch, jobs, |_| {}) {
                let i = r.index;
                results[i] = Some(r);
            }
        }
        let elapsed = start.elapsed();
        // Closing the session (runtime, pool, half-open connections) is
        // watched too, but outside the run's clock.
        let closing = Instant::now();
        drop(session);
        assert!(
            closing.elapsed() < Duration::from_secs(5),
            "closing the session took {:?}",
            closing.elapsed()
        );
        let results = results
            .into_iter()
            .map(|r| r.expect("every case is in a batch"))
            .collect();
        let _ = tx.send(Outcome { results, elapsed });
    });
    match rx.recv_timeout(bound + Duration::from_secs(30)) {
        Ok(outcome) => {
            let _ = worker.join();
            assert!(
                outcome.elapsed < bound,
                "the run took {:.1?}, more than the bound of {bound:?}",
                outcome.elapsed
            );
            outcome
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("the run ended without results"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("the run hung: no results 30 s after its bound of {bound:?}")
        }
    }
}

/// A server answering `/ok` healthily and everything else with `fault`.
fn fault_server(fault: impl Fn(&RawReq, &mut Conn) -> Next + Send + Sync + 'static) -> RawServer {
    raw_serve(move |req, conn| {
        if req.path.ends_with("/ok") {
            conn.send(&healthy());
            Next::KeepAlive
        } else {
            fault(req, conn)
        }
    })
}

/// The case's only error finding: a failed verdict with exactly one error,
/// printed so the messages can be read in `--nocapture` output.
fn only_error<'r>(label: &str, r: &'r CaseResult) -> &'r Finding {
    let errors: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.severity == graph_contract::model::Severity::Error)
        .collect();
    eprintln!(
        "[{label}] verdict {} after {:.2?}: {:?}",
        r.verdict.word(),
        r.duration,
        errors
            .iter()
            .map(|f| (f.kind, &f.message))
            .collect::<Vec<_>>()
    );
    assert_eq!(r.verdict, Verdict::Fail, "{label}: {:#?}", r.findings);
    assert_eq!(errors.len(), 1, "{label}: one error expected: {errors:#?}");
    errors[0]
}

fn assert_pass(label: &str, r: &CaseResult) {
    assert_eq!(r.verdict, Verdict::Pass, "{label}: {:#?}", r.findings);
}

fn assert_mentions(f: &Finding, kind: FindingKind, parts: &[&str]) {
    assert_eq!(f.kind, kind, "{f:#?}");
    for p in parts {
        assert!(
            f.message.contains(p),
            "message {:?} should mention {p:?}",
            f.message
        );
    }
}

/// The common shape: a healthy case, the faulty one, a healthy one, in
/// three batches on one session (so the last one runs after the fault, on
/// the same client). Both healthy cases pass; the faulty one fails with one
/// error of `kind` mentioning every `parts`.
fn check_fault(
    label: &str,
    settings_for: impl FnOnce(&str) -> Settings,
    fault: impl Fn(&RawReq, &mut Conn) -> Next + Send + Sync + 'static,
    kind: FindingKind,
    parts: &[&str],
    bound: Duration,
) -> (Outcome, RawServer) {
    let server = fault_server(fault);
    let cases = vec![
        get_case("before", "/ok"),
        get_case(label, "/fault"),
        get_case("after", "/ok"),
    ];
    let batches = vec![vec![0], vec![1], vec![2]];
    let outcome = run_batches(settings_for(&server.url), cases, batches, 1, bound);
    assert_pass("before", &outcome.results[0]);
    let f = only_error(label, &outcome.results[1]);
    assert_mentions(f, kind, parts);
    assert_pass("after", &outcome.results[2]);
    (outcome, server)
}

const HEAD_JSON_1000: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
const HEAD_JSON_1MIB: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n";
const HEAD_JSON_CHUNKED: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

// ------------------------------------------------------------ connections

#[test]
fn a_kept_alive_connection_the_service_hung_up_between_runs_is_not_a_failure() {
    // Every answer says nothing of closing, then the service hangs up (as
    // an idle timeout does): the session kept the connection for its next
    // run. That run sees the hang-up before it sends anything, and sends on
    // a new connection, once: a write (never resent once it went out)
    // passes as a read does.
    let server = raw_serve(|_, conn| {
        conn.send(&healthy());
        Next::Close
    });
    let cases = vec![
        get_case("first", "/ok"),
        support::json_case("faults", "write", "POST", "/ok"),
        get_case("then", "/ok"),
        support::json_case("faults", "again", "PATCH", "/ok"),
    ];
    let session = Session::open(settings(&server.url), Arc::new(cases)).expect("session opens");
    let session = Arc::new(session);
    for (i, label) in ["first", "write", "then", "again"].into_iter().enumerate() {
        // the service's hang-up is on the wire before the next run
        std::thread::sleep(Duration::from_millis(100));
        let results = session.run_all(&[i], 1, |_| {});
        assert_pass(label, &results[0]);
        let tries = results[0].actual.as_ref().map(|a| a.tries);
        assert_eq!(tries, Some(1), "{label}: sent once");
    }
    assert_eq!(server.connections(), 4, "one connection per exchange");
    assert_eq!(server.requests("/ok"), 4, "each request received once");
}

#[test]
fn a_connection_still_sending_a_body_the_service_answered_early_is_not_waited_on() {
    // The service answers a large POST at once, without reading its body,
    // and reads nothing more for 3 s: the client is still writing the body
    // when the answer is whole. The next case (timeout 1 s) must not wait
    // for that connection to come free: it goes out on another one.
    let server = raw_serve(|req, conn| {
        conn.send(&healthy());
        if req.path.ends_with("/big") {
            conn.stall(Duration::from_secs(3));
            return Next::Close;
        }
        Next::KeepAlive
    });
    let mut big = support::json_case("faults", "big", "POST", "/big");
    // far past what the two sockets' buffers hold
    big.request.body = Some(format!("\"{}\"", "x".repeat(32 << 20)));
    let cases = vec![big, get_case("next", "/ok")];
    let outcome = run_batches(
        settings(&server.url),
        cases,
        vec![vec![0], vec![1]],
        1,
        Duration::from_secs(15),
    );
    assert_pass("big", &outcome.results[0]);
    assert_pass("next", &outcome.results[1]);
    assert_eq!(server.connections(), 2, "the next case on a connection of its own");
}

#[test]
fn a_session_keeps_whole_connections_for_its_next_run_and_closes_the_rest() {
    // Kept: a connection whose answer was read whole, until the session
    // lets it go. Closed when the run ends, not at the next run: one whose
    // answer was cut short (over the body cap).
    let server = raw_serve(|req, conn| {
        if req.path.ends_with("/huge") {
            // 4 KiB of the 1 MiB it declares, then nothing: over the cap,
            // and never whole
            let mut answer = HEAD_JSON_1MIB.to_vec();
            answer.extend_from_slice(&[b' '; 4096]);
            conn.send(&answer);
        } else {
            conn.send(&healthy());
        }
        Next::KeepAlive
    });
    let cases = vec![get_case("ok", "/ok"), get_case("huge", "/huge"), get_case("again", "/ok")];
    let session = Arc::new(Session::open(settings(&server.url), Arc::new(cases)).expect("session opens"));
    let ended_within = |n: usize| {
        let end = Instant::now() + Duration::from_secs(5);
        while server.ended() < n && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(10));
        }
        server.ended()
    };
    let results = session.run_all(&[0], 1, |_| {});
    assert_pass("ok", &results[0]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.ended(), 0, "kept for the next run");
    let results = session.run_all(&[1], 1, |_| {});
    assert_ne!(results[0].verdict, Verdict::Pass, "over the body cap");
    assert_eq!(ended_within(1), 1, "the cut-short connection closed after its run");
    assert_eq!(server.connections(), 1, "the kept connection carried the second run");
    let results = session.run_all(&[2], 1, |_| {});
    assert_pass("again", &results[0]);
    assert_eq!(server.connections(), 2);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.ended(), 1, "the third run's connection is kept");
    session.release_connections();
    assert_eq!(ended_within(2), 2, "released");
}

#[test]
fn connection_refused_is_retried_with_back_off_then_fails() {
    // A port nobody listens on: bind, read the port, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let outcome = run(
        settings(&url),
        vec![get_case("refused-a", "/a"), get_case("refused-b", "/b")],
        2,
        Duration::from_secs(10),
    );
    for (label, r) in ["refused-a", "refused-b"].iter().zip(&outcome.results) {
        let f = only_error(label, r);
        assert_mentions(
            f,
            FindingKind::Transport,
            &["cannot connect to", &url, "refused", "(after 3 tries)"],
        );
        // both clients word it alike (the tally of causes does not split)
        let lead = format!("cannot connect to {url}/v1.0/{}: tcp connect error: ", &label[8..]);
        assert!(f.message.starts_with(&lead), "{:?} should start {lead:?}", f.message);
        // Back-off of 100 ms then 300 ms between the three tries.
        assert!(r.duration >= Duration::from_millis(350), "{:?}", r.duration);
    }
    // Another target in another session of the same process still passes.
    let server = fault_server(|_, conn| {
        conn.send(&healthy());
        Next::KeepAlive
    });
    let outcome = run(
        settings(&server.url),
        vec![get_case("healthy", "/ok")],
        1,
        Duration::from_secs(10),
    );
    assert_pass("healthy", &outcome.results[0]);
}

#[test]
fn accepted_then_closed_without_answer() {
    check_fault(
        "closed-at-once",
        settings,
        |_, _| Next::Close,
        FindingKind::Transport,
        &["GET http://127.0.0.1:", "/v1.0/fault", "closed"],
        Duration::from_secs(10),
    );
}

#[test]
fn reset_mid_body() {
    check_fault(
        "reset-mid-body",
        settings,
        |_, conn| {
            conn.send(HEAD_JSON_1000);
            conn.send(br#"{"id":"AAM"#);
            Next::Close
        },
        FindingKind::Transport,
        &[
            "/v1.0/fault",
            "end of file before message length reached",
            "status 200 received, then 10 of 1000 declared bytes of the body",
        ],
        Duration::from_secs(10),
    );
}

// ------------------------------------------------------------------ hangs

#[test]
fn accepts_and_never_answers() {
    let (outcome, server) = check_fault(
        "never-answers",
        settings,
        |_, conn| {
            conn.stall(Duration::from_secs(30));
            Next::Close
        },
        FindingKind::Transport,
        &["no complete answer within 1.0s", "timeout"],
        Duration::from_secs(10),
    );
    // A timeout is not retried; no head came, so no status is claimed.
    assert_eq!(server.requests("/fault"), 1);
    let message = &outcome.results[1].findings[0].message;
    assert!(!message.contains("status"), "{message}");
}

#[test]
fn headers_then_stall() {
    check_fault(
        "headers-then-stall",
        settings,
        |_, conn| {
            conn.send(HEAD_JSON_1000);
            conn.stall(Duration::from_secs(30));
            Next::Close
        },
        FindingKind::Transport,
        &[
            "no complete answer within 1.0s (timeout)",
            "status 200 received, then 0 of 1000 declared bytes of the body",
        ],
        Duration::from_secs(10),
    );
}

#[test]
fn chunked_headers_then_stall() {
    check_fault(
        "chunked-then-stall",
        settings,
        |_, conn| {
            conn.send(HEAD_JSON_CHUNKED);
            conn.send(b"5\r\n{\"id\"\r\n");
            conn.stall(Duration::from_secs(30));
            Next::Close
        },
        FindingKind::Transport,
        &[
            "no complete answer within 1.0s (timeout)",
            "status 200 received, then 5 bytes of the body",
        ],
        Duration::from_secs(10),
    );
}

#[test]
fn body_trickling_forever_is_cut_by_the_timeout() {
    // One byte every 50 ms: never idle, never done. The timeout covers the
    // whole response, not the gaps between reads.
    check_fault(
        "trickle",
        |url| {
            let mut s = settings(url);
            s.send.max_body = 1024 * 1024;
            s
        },
        |_, conn| {
            conn.send(HEAD_JSON_CHUNKED);
            let end = Instant::now() + Duration::from_secs(30);
            while Instant::now() < end && !conn.stopped() && conn.send(b"1\r\n \r\n") {
                std::thread::sleep(Duration::from_millis(50));
            }
            Next::Close
        },
        FindingKind::Transport,
        &[
            "no complete answer within 1.0s (timeout)",
            "status 200 received",
        ],
        Duration::from_secs(10),
    );
}

// ---------------------------------------------------------- invalid HTTP

#[test]
fn garbage_instead_of_http() {
    check_fault(
        "garbage",
        settings,
        |_, conn| {
            conn.send(b"\x00\x01\xfe\xffSSH-2.0-OpenSSH_9.6 this is not HTTP\r\n\r\n");
            Next::Close
        },
        FindingKind::Transport,
        &[
            "GET http://127.0.0.1:",
            "/v1.0/fault",
            "invalid HTTP version parsed",
        ],
        Duration::from_secs(10),
    );
}

#[test]
fn malformed_status_lines_and_headers() {
    // (what the server sends, what the message must mention)
    let variants: [(&'static [u8], &str); 6] = [
        (
            b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
            "invalid HTTP status-code",
        ),
        (
            b"HTTP/1.1 20\r\nContent-Length: 0\r\n\r\n",
            "invalid HTTP status-code",
        ),
        (
            b"HTTP/1.1 200 OK\r\nX-Bad\x01: v\r\n\r\n",
            "invalid HTTP header",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde",
            "invalid content-length parsed",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            "Invalid chunk size line",
        ),
        (b"\r\n\r\n", "connection closed before message completed"),
    ];
    for (bytes, part) in variants {
        check_fault(
            "malformed",
            settings,
            move |_, conn| {
                conn.send(bytes);
                Next::Close
            },
            FindingKind::Transport,
            &["GET http://127.0.0.1:", "/v1.0/fault", part],
            Duration::from_secs(10),
        );
    }
}

#[test]
fn endless_informational_responses() {
    // `100 Continue` again and again: the client skips 1xx answers and
    // waits for a final one that never comes; the timeout ends it.
    check_fault(
        "endless-100",
        settings,
        |_, conn| {
            let end = Instant::now() + Duration::from_secs(30);
            while Instant::now() < end
                && !conn.stopped()
                && conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Next::Close
        },
        FindingKind::Transport,
        &["no complete answer within 1.0s", "timeout"],
        Duration::from_secs(10),
    );
}

#[test]
fn endless_response_head() {
    check_fault(
        "endless-head",
        settings,
        |_, conn| {
            conn.send(b"HTTP/1.1 200 OK\r\n");
            let line = format!("X-Pad: {}\r\n", "a".repeat(1000));
            for _ in 0..2000 {
                if conn.stopped() || !conn.send(line.as_bytes()) {
                    break;
                }
            }
            Next::Close
        },
        FindingKind::Transport,
        &["/v1.0/fault", "message head is too large"],
        Duration::from_secs(10),
    );
}

// ------------------------------------------------------------- size caps

#[test]
fn declared_body_larger_than_the_cap() {
    let (_, server) = check_fault(
        "declared-too-large",
        settings,
        |_, conn| {
            let body = format!(r#"{{"id":"{}"}}"#, "x".repeat(5000));
            conn.send(&response(
                "200 OK",
                &[("Content-Type", "application/json")],
                body.as_bytes(),
            ));
            Next::Close
        },
        FindingKind::Transport,
        &[
            "response body of 5009 bytes",
            "larger than the cap of 1024 bytes",
        ],
        Duration::from_secs(10),
    );
    assert_eq!(server.requests("/fault"), 1, "a size cap is not retried");
}

#[test]
fn chunked_body_larger_than_the_cap() {
    check_fault(
        "chunked-too-large",
        settings,
        |_, conn| {
            conn.send(HEAD_JSON_CHUNKED);
            let chunk = format!("200\r\n{}\r\n", "x".repeat(0x200));
            // 64 KiB in 512-byte chunks; the client stops reading long before.
            for _ in 0..128 {
                if !conn.send(chunk.as_bytes()) {
                    return Next::Close;
                }
            }
            conn.send(b"0\r\n\r\n");
            Next::Close
        },
        FindingKind::Transport,
        &["response body larger than the cap of 1024 bytes"],
        Duration::from_secs(10),
    );
}

#[test]
fn close_delimited_body_larger_than_the_cap() {
    check_fault(
        "close-delimited-too-large",
        settings,
        |_, conn| {
            conn.send(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
            );
            for _ in 0..64 {
                if !conn.send(&[b'x'; 1024]) {
                    break;
                }
            }
            Next::Close
        },
        FindingKind::Transport,
        &["response body larger than the cap of 1024 bytes"],
        Duration::from_secs(10),
    );
}

#[test]
fn body_of_exactly_the_cap_passes() {
    let server = fault_server(|_, conn| {
        // {"id":"xxx…"} padded with spaces to 1024 bytes: valid JSON.
        let mut body = br#"{"id":"AAMkAGI2TG93AAA="}"#.to_vec();
        body.resize(1024, b' ');
        conn.send(&response(
            "200 OK",
            &[("Content-Type", "application/json")],
            &body,
        ));
        Next::KeepAlive
    });
    let outcome = run(
        settings(&server.url),
        vec![get_case("exactly-the-cap", "/fault")],
        1,
        Duration::from_secs(10),
    );
    assert_pass("exactly-the-cap", &outcome.results[0]);
}

#[test]
fn a_head_or_304_declaring_a_length_over_the_cap_sends_no_body_and_passes() {
    // A HEAD answer and a 304 declare the length of a body they do not
    // send: that length is not a body over the cap.
    let server = raw_serve(|req, conn| {
        let status = if req.method == "HEAD" {
            "200 OK"
        } else {
            "304 Not Modified"
        };
        conn.send(format!("HTTP/1.1 {status}\r\nContent-Length: 999999\r\n\r\n").as_bytes());
        Next::KeepAlive
    });
    let no_body = |name: &str, method: &str, status: u16| {
        let mut c = support::json_case("faults", name, method, "/me/photo");
        let r = c.response.as_mut().unwrap();
        r.status = status;
        r.headers.clear();
        r.body = graph_contract::model::DocBody::Empty;
        r.body_text.clear();
        c
    };
    let outcome = run(
        settings(&server.url),
        vec![
            no_body("head", "HEAD", 200),
            no_body("not-modified", "GET", 304),
        ],
        1,
        Duration::from_secs(10),
    );
    assert_pass("head", &outcome.results[0]);
    assert_pass("not-modified", &outcome.results[1]);
}

// ---------------------------------------------------------- bodies, JSON

#[test]
fn invalid_utf8_under_application_json() {
    check_fault(
        "invalid-utf8",
        settings,
        |_, conn| {
            conn.send(&response(
                "200 OK",
                &[("Content-Type", "application/json")],
                b"{\"id\":\"\xff\xfe\xfd\"}",
            ));
            Next::KeepAlive
        },
        FindingKind::NotJson,
        &[
            "body is not JSON",
            "invalid UTF-8 at byte 7",
            "ff fe fd",
            "application/json",
        ],
        Duration::from_secs(10),
    );
}

#[test]
fn invalid_json_under_application_json() {
    check_fault(
        "invalid-json",
        settings,
        |_, conn| {
            conn.send(&response(
                "200 OK",
                &[("Content-Type", "application/json")],
                br#"{"id": "AAMk",,}"#,
            ));
            Next::KeepAlive
        },
        FindingKind::NotJson,
        &[
            "body is not JSON",
            "line 1 column",
            "application/json",
            "{\\\"id\\\"",
        ],
        Duration::from_secs(10),
    );
}

// --------------------------------------------------------------- retries

#[test]
fn throttled_forever_is_retried_then_fails_with_the_status() {
    let (_, server) = check_fault(
        "429-forever",
        |url| {
            let mut s = settings(url);
            s.send.retries = 3;
            s
        },
        |_, conn| {
            conn.send(&response(
                "429 Too Many Requests",
                &[("Retry-After", "0"), ("Content-Type", "application/json")],
                br#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
            ));
            Next::KeepAlive
        },
        FindingKind::Status,
        &["status 429, documented 200", "after 4 tries"],
        Duration::from_secs(10),
    );
    assert_eq!(server.requests("/fault"), 4, "one try and 3 retries");
}

#[test]
fn unavailable_then_ok_passes_after_waiting_retry_after() {
    let tries = Arc::new(AtomicUsize::new(0));
    let server = {
        let tries = tries.clone();
        raw_serve(move |_, conn| {
            if tries.fetch_add(1, Ordering::SeqCst) == 0 {
                conn.send(&response(
                    "503 Service Unavailable",
                    &[("Retry-After", "1")],
                    b"",
                ));
            } else {
                conn.send(&healthy());
            }
            Next::KeepAlive
        })
    };
    let outcome = run(
        settings(&server.url),
        vec![get_case("503-then-200", "/flaky")],
        1,
        Duration::from_secs(10),
    );
    let r = &outcome.results[0];
    assert_pass("503-then-200", r);
    assert_eq!(server.requests("/flaky"), 2);
    assert!(
        r.duration >= Duration::from_millis(950),
        "Retry-After: 1 was not waited: {:?}",
        r.duration
    );
}

#[test]
fn retry_after_longer_than_the_longest_wait_is_not_waited() {
    let (outcome, server) = check_fault(
        "retry-after-too-long",
        settings,
        |_, conn| {
            conn.send(&response(
                "503 Service Unavailable",
                &[("Retry-After", "120")],
                b"",
            ));
            Next::KeepAlive
        },
        FindingKind::Status,
        &["status 503, documented 200"],
        Duration::from_secs(10),
    );
    assert_eq!(server.requests("/fault"), 1, "no retry");
    assert!(outcome.results[1].duration < Duration::from_secs(5));
}

#[test]
fn absurd_retry_after_values_neither_panic_nor_wait() {
    // (value, requests expected): numbers too large for a Duration are
    // "longer than any wait" (not waited); a negative number or an HTTP
    // date is read as one second (waited once, 1 retry allowed).
    let values = [
        ("1e300", 1),
        ("99999999999999999999", 1),
        ("18446744073709551616", 1),
        ("inf", 1),
        ("-5", 2),
        ("Wed, 21 Oct 2099 07:28:00 GMT", 2),
    ];
    for (value, requests) in values {
        let (outcome, server) = check_fault(
            "absurd-retry-after",
            |url| {
                let mut s = settings(url);
                s.send.retries = 1;
                s.send.max_retry_wait = Duration::from_millis(1500);
                s
            },
            move |_, conn| {
                conn.send(&response(
                    "429 Too Many Requests",
                    &[("Retry-After", value)],
                    b"",
                ));
                Next::KeepAlive
            },
            FindingKind::Status,
            &["status 429, documented 200"],
            Duration::from_secs(10),
        );
        let took = outcome.results[1].duration;
        eprintln!("Retry-After {value:?}: {requests} request(s), {took:.2?}");
        assert_eq!(server.requests("/fault"), requests, "Retry-After {value:?}");
        if requests == 1 {
            assert!(
                took < Duration::from_millis(900),
                "{value:?} waited {took:?}"
            );
        }
    }
}

// -------------------------------------------------------------- deadline

#[test]
fn throttled_near_the_deadline_reports_the_last_answer() {
    // A slow 429 (600 ms) asking for one more second; the deadline is
    // 1.5 s away, so waiting would cross it: the 429 is the answer, not a
    // "deadline passed" that hides what the service said.
    let server = fault_server(|_, conn| {
        conn.stall(Duration::from_millis(600));
        conn.send(&response(
            "429 Too Many Requests",
            &[("Retry-After", "1")],
            b"",
        ));
        Next::KeepAlive
    });
    let mut s = settings(&server.url);
    s.send.timeout = Duration::from_secs(5);
    s.send.retries = 3;
    s.deadline = Some(Duration::from_millis(1500));
    let outcome = run(
        s,
        vec![get_case("429-near-deadline", "/fault")],
        1,
        Duration::from_secs(10),
    );
    let f = only_error("429-near-deadline", &outcome.results[0]);
    assert_mentions(f, FindingKind::Status, &["status 429, documented 200"]);
    assert_eq!(server.requests("/fault"), 1);
}

#[test]
fn run_deadline_shorter_than_a_hanging_servers_timeout() {
    let server = fault_server(|_, conn| {
        conn.stall(Duration::from_secs(30));
        Next::Close
    });
    let mut s = settings(&server.url);
    s.send.timeout = Duration::from_secs(30);
    s.deadline = Some(Duration::from_millis(1500));
    let outcome = run_batches(
        s,
        vec![
            get_case("before", "/ok"),
            get_case("hangs", "/hang"),
            get_case("queued", "/ok"),
        ],
        vec![vec![0], vec![1], vec![2]],
        1,
        Duration::from_secs(10),
    );
    assert_pass("before", &outcome.results[0]);
    let f = only_error("hangs", &outcome.results[1]);
    assert_mentions(
        f,
        FindingKind::Transport,
        &["the run's deadline passed during this request"],
    );
    let f = only_error("queued", &outcome.results[2]);
    assert_mentions(
        f,
        FindingKind::Transport,
        &["the run's deadline passed before this request"],
    );
    assert!(
        outcome.elapsed >= Duration::from_millis(1400),
        "{:?}",
        outcome.elapsed
    );
}

#[test]
fn many_hanging_cases_in_parallel_end_together() {
    // Twenty hanging cases, eight in flight, healthy ones interleaved: the
    // run takes about three timeouts, the healthy cases all pass.
    let server = fault_server(|_, conn| {
        conn.stall(Duration::from_secs(30));
        Next::Close
    });
    let cases: Vec<Case> = (0..30)
        .map(|i| {
            if i % 3 == 0 {
                get_case(&format!("ok-{i}"), "/ok")
            } else {
                get_case(&format!("hang-{i}"), &format!("/hang/{i}"))
            }
        })
        .collect();
    let outcome = run(settings(&server.url), cases, 8, Duration::from_secs(20));
    for (i, r) in outcome.results.iter().enumerate() {
        if i % 3 == 0 {
            assert_pass("ok", r);
        } else {
            assert_eq!(r.verdict, Verdict::Fail);
            assert!(
                r.findings[0].message.contains("timeout"),
                "{:?}",
                r.findings
            );
        }
    }
}
