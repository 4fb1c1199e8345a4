//! Hardening of the reader and the built-in mock (issue #11):
//! - the mock bounds what a client can make it hold or wait for: a head
//!   trickled byte by byte, a silent connection, a half-sent body, a body or
//!   a head too large; each is cut off, and the mock keeps serving others
//!   (the mock started in process on 127.0.0.1, raw TCP clients, short
//!   limits through `MockLimits`);
//! - one JSON depth for the whole crate: a page whose documented body nests
//!   deeper than the reader reads JSON still passes `check` against the
//!   built-in mock, and `lint` names it once (through the binary);
//! - hostile and multi-byte text never panics the reader and every line it
//!   names is inside the page.
//!
//! Every wait below is a guard against a hang, never a timed assertion.

mod support;

use graph_contract::docs::{MAX_PER_KIND, lenient_json, read_page};
use graph_contract::mock::{self, MockLimits, Routes};
use graph_contract::model::DocBody;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::{binary, output_text};

/// The longest any step here may take before the test calls it a hang.
const GUARD: Duration = Duration::from_secs(20);

const PAGE: &str = r#"# Things

<!-- { "blockType": "request", "name": "get_thing" } -->
```http
GET https://graph.microsoft.com/v1.0/things/{id}
```

<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
Content-type: application/json

{ "id": "1" }
```

<!-- { "blockType": "request", "name": "post_thing" } -->
```http
POST https://graph.microsoft.com/v1.0/things
Content-type: application/json

{ "id": "1" }
```

<!-- { "blockType": "response" } -->
```http
HTTP/1.1 201 Created
```
"#;

fn short_limits() -> MockLimits {
    MockLimits {
        max_head_bytes: 8 * 1024,
        max_headers: 20,
        max_body_bytes: 64 * 1024,
        head_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
    }
}

/// The mock over `PAGE` under `limits`, on a runtime of its own.
fn start_mock(limits: MockLimits) -> (tokio::runtime::Runtime, SocketAddr) {
    let (cases, diags) = read_page("things.md", "things", PAGE);
    assert_eq!(cases.len(), 2, "{diags:?}");
    let routes = Arc::new(Routes::new(&cases));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(mock::start_limited(
            routes,
            ([127, 0, 0, 1], 0).into(),
            Duration::ZERO,
            limits,
        ))
        .unwrap();
    (rt, server.addr)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(GUARD)).unwrap();
    s.set_write_timeout(Some(GUARD)).unwrap();
    s
}

/// Read until the peer closes; the bytes read, or None when the guard ran
/// out first (the connection was left open: a hang).
fn read_to_close(s: &mut TcpStream) -> Option<Vec<u8>> {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // reset by the peer: closed too
            Err(_) => return Some(got),
        }
        if start.elapsed() > GUARD {
            return None;
        }
    }
}

/// A well-behaved request on a fresh connection gets its documented answer.
fn still_serves(addr: SocketAddr) {
    let mut s = connect(addr);
    s.write_all(b"GET /v1.0/things/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let got = read_to_close(&mut s).expect("the answer within the guard");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"id\""), "{text}");
}

fn status_of(got: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(got).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// Write `bytes` one at a time, `gap` apart, from a thread of its own, until
/// they are all sent, the peer is gone, or `stop` is set.
fn trickle(
    mut s: TcpStream,
    bytes: Vec<u8>,
    gap: Duration,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for b in bytes {
            if stop.load(Ordering::Relaxed) || s.write_all(&[b]).is_err() {
                return;
            }
            std::thread::sleep(gap);
        }
    })
}

#[test]
fn a_head_trickled_byte_by_byte_is_cut_off_and_others_are_served_meanwhile() {
    let (_rt, addr) = start_mock(short_limits());
    let mut s = connect(addr);
    // 400 bytes 50 ms apart: 20 s to send the head, far past the timeout
    let mut head = b"GET /v1.0/things/1 HTTP/1.1\r\nHost: x\r\n".to_vec();
    while head.len() < 400 {
        head.extend_from_slice(b"X-Slow: y\r\n");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let writer = trickle(
        s.try_clone().unwrap(),
        head,
        Duration::from_millis(50),
        stop.clone(),
    );
    // served while the slow client is still trickling
    still_serves(addr);
    let got = read_to_close(&mut s);
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let got = got.expect("the mock closes a connection whose head never completes");
    // closed without an answer to the unfinished request (or a 408)
    assert!(
        got.is_empty() || status_of(&got) == Some(408),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    still_serves(addr);
}

#[test]
fn a_silent_connection_is_closed() {
    let (_rt, addr) = start_mock(short_limits());
    let mut s = connect(addr);
    let got = read_to_close(&mut s).expect("the mock closes a connection that never sends");
    assert!(got.is_empty() || status_of(&got) == Some(408), "{got:?}");
    // and a kept-alive connection left idle after an answer
    let mut s = connect(addr);
    s.write_all(b"GET /v1.0/things/7 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let got = read_to_close(&mut s).expect("an idle kept-alive connection is closed");
    assert_eq!(
        status_of(&got),
        Some(200),
        "{}",
        String::from_utf8_lossy(&got)
    );
    still_serves(addr);
}

#[test]
fn a_half_sent_body_is_cut_off_with_408() {
    let (_rt, addr) = start_mock(short_limits());
    let mut s = connect(addr);
    s.write_all(
        b"POST /v1.0/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":",
    )
    .unwrap();
    let got = read_to_close(&mut s).expect("the mock closes a connection whose body never ends");
    assert_eq!(
        status_of(&got),
        Some(408),
        "{}",
        String::from_utf8_lossy(&got)
    );
    // a chunked body that stops halfway, too
    let mut s = connect(addr);
    s.write_all(
        b"POST /v1.0/things HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"id\"\r\n",
    )
    .unwrap();
    let got = read_to_close(&mut s).expect("the mock closes a connection whose body never ends");
    assert_eq!(
        status_of(&got),
        Some(408),
        "{}",
        String::from_utf8_lossy(&got)
    );
    still_serves(addr);
}

#[test]
fn a_whole_body_within_the_limits_is_answered() {
    let (_rt, addr) = start_mock(short_limits());
    let mut s = connect(addr);
    let body = format!("{{\"id\": \"{}\"}}", "x".repeat(60 * 1024));
    let head = format!(
        "POST /v1.0/things HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let got = read_to_close(&mut s).expect("an answer");
    assert_eq!(
        status_of(&got),
        Some(201),
        "{}",
        String::from_utf8_lossy(&got)
    );
}

#[test]
fn an_oversized_body_gets_413_or_is_cut_off_and_others_are_served() {
    let (_rt, addr) = start_mock(short_limits());
    // declared too large: refused before any of it is read
    let mut s = connect(addr);
    s.write_all(b"POST /v1.0/things HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
        .unwrap();
    let got = read_to_close(&mut s).expect("refused at once");
    assert_eq!(
        status_of(&got),
        Some(413),
        "{}",
        String::from_utf8_lossy(&got)
    );
    // chunked, counted as it arrives: 413, or cut off while still sending
    let mut s = connect(addr);
    s.write_all(b"POST /v1.0/things HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let chunk = format!("4000\r\n{}\r\n", "a".repeat(0x4000));
    for _ in 0..64 {
        if s.write_all(chunk.as_bytes()).is_err() {
            break;
        }
    }
    let got = read_to_close(&mut s).expect("refused, connection closed");
    assert!(
        got.is_empty() || status_of(&got) == Some(413),
        "{}",
        String::from_utf8_lossy(&got)
    );
    still_serves(addr);
}

#[test]
fn an_oversized_head_or_too_many_headers_get_431_and_others_are_served() {
    let (_rt, addr) = start_mock(short_limits());
    let heads = [
        format!(
            "GET /v1.0/things/1 HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "b".repeat(32 * 1024)
        ),
        format!(
            "GET /v1.0/things/1 HTTP/1.1\r\nHost: x\r\n{}\r\n",
            (0..50)
                .map(|i| format!("X-H{i}: v\r\n"))
                .collect::<String>()
        ),
        format!(
            "GET /v1.0/things/{} HTTP/1.1\r\nHost: x\r\n\r\n",
            "é".repeat(8 * 1024)
        ),
    ];
    for head in heads {
        let mut s = connect(addr);
        let _ = s.write_all(head.as_bytes());
        let got = read_to_close(&mut s).expect("refused, connection closed");
        assert!(
            got.is_empty() || matches!(status_of(&got), Some(431 | 400 | 414)),
            "{}",
            String::from_utf8_lossy(&got)
        );
    }
    still_serves(addr);
}

#[test]
fn multi_byte_request_paths_never_break_the_mock() {
    // a route with a glob segment, asked with paths whose bytes fall inside
    // characters where the glob's pieces would be cut
    let page = "<!-- { \"blockType\": \"request\", \"name\": \"cell\" } -->\n```http\nGET /v1.0/ws/cell(row={row},column={col})x\n```\n<!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 200 OK\n```\n";
    let (cases, _) = read_page("cell.md", "cell", page);
    assert_eq!(cases.len(), 1);
    let routes = Routes::new(&cases);
    // (path, routed)
    let table = [
        ("/v1.0/ws/cell(row=1,column=2)x", true),
        ("/v1.0/ws/cell(row=é,column=名)x", true),
        ("/v1.0/ws/cell(é", false),
        ("/v1.0/ws/cell(row=1,column=2)é", false),
        ("/v1.0/ws/cell(row=1,column=2)%C3%A9", false),
        ("/v1.0/ws/éééé", false),
        ("/v1.0/ws/%FF%FE", false),
    ];
    for (path, routed) in table {
        assert_eq!(routes.find("GET", path, None).is_some(), routed, "{path}");
    }
}

/// A page whose documented response body nests `depth` arrays.
fn deep_page(depth: usize) -> String {
    format!(
        "# Deep\n\n<!-- {{ \"blockType\": \"request\", \"name\": \"deep\" }} -->\n```http\nGET https://graph.microsoft.com/v1.0/deep\n```\n\n\
         <!-- {{ \"blockType\": \"response\" }} -->\n```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{}{}\n```\n",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

#[test]
fn bodies_of_any_depth_pass_check_against_the_mock_and_too_deep_is_said_once() {
    let dir = std::env::temp_dir().join(format!("gc-hardening-deep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for depth in [100, 127, 128, 129, 200, 256, 1000, 100_000] {
        let page = dir.join(format!("deep-{depth}.md"));
        std::fs::write(&page, deep_page(depth)).unwrap();
        let page = page.to_str().unwrap();
        let out = binary().args(["check", page]).output().unwrap();
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(0), "depth {depth}: {t}");
        assert!(t.contains("1 passed; 0 failed"), "depth {depth}: {t}");
        assert!(!t.contains("panicked"), "depth {depth}: {t}");
        let out = binary().args(["lint", "--short", page]).output().unwrap();
        let t = output_text(&out);
        assert!(!t.contains("panicked"), "depth {depth}: {t}");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "depth {depth}: {t}"
        );
        let too_deep = depth > lenient_json::MAX_DEPTH;
        // the diagnostic lines (`page:line: kind: message`), not the summary
        let said = t
            .lines()
            .filter(|l| l.contains(": body-too-deep: "))
            .count();
        assert_eq!(said, usize::from(too_deep), "depth {depth}: {t}");
        if too_deep {
            // names the page and the body's line
            let line = t.lines().find(|l| l.contains(": body-too-deep: ")).unwrap();
            assert!(line.contains(&format!("deep-{depth}.md:13")), "{line}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_reader_reads_json_no_deeper_than_serde_json() {
    // (depth, read as JSON)
    for depth in [1, 100, 126, 127, 128, 129, 256, 10_000] {
        let (cases, diags) = read_page("d.md", "d", &deep_page(depth));
        let body = &cases[0].response.as_ref().unwrap().body;
        assert_eq!(
            matches!(body, DocBody::Json(_)),
            depth <= lenient_json::MAX_DEPTH,
            "depth {depth}: {diags:?}"
        );
        if let DocBody::Json(v) = body {
            let text = serde_json::to_string(v).unwrap();
            assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
        }
        // lenient text too deep: the same limit
        let lenient = format!("{}1,{}", "[".repeat(depth), "]".repeat(depth));
        let r = lenient_json::parse(&lenient);
        assert_eq!(r.is_ok(), depth <= lenient_json::MAX_DEPTH, "depth {depth}");
        if let Err(f) = r {
            assert!(f.too_deep);
        }
    }
    // ten million brackets: no stack overflow, a failure at the limit
    let f = lenient_json::parse(&"[".repeat(10_000_000)).unwrap_err();
    assert!(f.too_deep && f.offset == lenient_json::MAX_DEPTH, "{f:?}");
}

#[test]
fn lenient_json_keeps_few_repairs_on_long_runs_but_names_every_kind() {
    let commas = format!("[1{}2, a]", ",".repeat(1_000_000));
    let (v, repairs) = lenient_json::parse(&commas).unwrap();
    assert_eq!(v, serde_json::json!([1, 2, "a"]));
    assert!(
        repairs.len() <= lenient_json::MAX_REPAIRS + 2,
        "{}",
        repairs.len()
    );
    assert_eq!(
        lenient_json::summary(&repairs),
        "extra comma, unquoted value"
    );
    // closers, a huge unterminated string
    for text in [
        format!("{{\"a\": [1{}", "]}".repeat(100_000)),
        format!("{{\"a\": \"{}", "é".repeat(1_000_000)),
        format!("{{{}", "a:1 ".repeat(100_000)),
    ] {
        let (_, repairs) = lenient_json::parse(&text).unwrap();
        assert!(repairs.len() <= lenient_json::MAX_REPAIRS + 8);
    }
}

#[test]
fn diagnostics_of_one_kind_are_capped_per_page_and_the_rest_counted() {
    let n = 3 * MAX_PER_KIND;
    let page = "<!-- { \"blockType\": \"request\" } -->\n\n".repeat(n);
    let (_, diags) = read_page("p.md", "p", &page);
    let dangling: Vec<_> = diags
        .iter()
        .filter(|d| d.kind == "dangling-annotation")
        .collect();
    assert_eq!(dangling.len(), MAX_PER_KIND + 1);
    let last = dangling
        .iter()
        .find(|d| d.message.contains("not listed"))
        .expect("a counting diagnostic");
    assert!(
        last.message.contains(&format!("{} more", n - MAX_PER_KIND)),
        "{}",
        last.message
    );
    // at the line of the first one left out
    assert_eq!(last.line, 2 * MAX_PER_KIND + 1);
}

/// Hostile and multi-byte pages: the reader never panics, and every line
/// it names is inside the page.
#[test]
fn hostile_and_multi_byte_pages_read_cleanly() {
    let pages = [
        // multi-byte everywhere a byte offset is taken
        "<!-- { “blockType”: “request”, ‘name’: 'é名' } -->\n```http\nGET /v1.0/é/{名}\nContent-type: application/json\n\n{ é: ‘ü’, \"x\": [1,,2,], … }\n```\n<!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 200 ÖK\n\n{\"a\": \"\\ud800\\u+abc\\uZZZZ\", é: 1e999999}\n```\n".to_string(),
        "#é\n#".to_string() + &"é".repeat(3),
        "HTTPé 200\n".to_string(),
        "```http\nHTTP/1.1 2é0 OK\n```\n```http\nHTTP/1.1 200é\n```\n".to_string(),
        "```http\nGET /a\n```http\nGET /b\n<!-- {\"blockType\":\"response\"}\n````\nHTTP/1.1 200\n\n{\"a\":1".to_string(),
        format!("<!--{}", "é".repeat(1000)),
        format!("<!-- {{\"blockType\": \"request\", \"name\": [{}]}} -->\n```http\nGET /a\n```\n", "\"é\",".repeat(1000)),
        format!("```http\nHTTP/1.1 200 OK\n\n{}\n```\n", "{\"é\":".repeat(50_000)),
        format!("{}```http\nGET /x\n```\n", "> ".repeat(10_000)),
        format!("{}```http\nGET /x\n```\n", "- ".repeat(10_000)),
        "\u{FEFF}<!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 200 OK\n\n\u{00A0}{\"a\":1}\n```\n".to_string(),
        "\r\n```http\r\nGET /a\r\n```\r\n\r\n```http\r\nHTTP/1.1 200 OK\r\n\r\n{}\r\n```\r\n".to_string(),
    ];
    for page in &pages {
        let lines = page.lines().count().max(1) + 1;
        let (cases, diags) = read_page("h.md", "h", page);
        for c in &cases {
            assert!((1..=lines).contains(&c.line()), "case line {}", c.line());
        }
        for d in &diags {
            assert!((1..=lines).contains(&d.line), "{d:?}");
        }
    }
}

/// A response naming every request of the page is not copied without
/// bound: the page's memory stays a small multiple of its size.
#[test]
fn one_response_answering_many_requests_is_copied_within_a_budget() {
    let n = 2000;
    let mut page = String::new();
    for i in 0..n {
        page.push_str(&format!(
            "<!-- {{ \"blockType\": \"request\", \"name\": \"r{i}\" }} -->\n```http\nGET /a/{i}\n```\n"
        ));
    }
    let names: Vec<String> = (0..n).map(|i| format!("\"r{i}\"")).collect();
    let body = format!("{{\"a\": \"{}\"}}", "x".repeat(200_000));
    page.push_str(&format!(
        "<!-- {{ \"blockType\": \"response\", \"name\": [{}] }} -->\n```http\nHTTP/1.1 200 OK\n\n{body}\n```\n",
        names.join(",")
    ));
    let (cases, diags) = read_page("m.md", "m", &page);
    assert_eq!(cases.len(), n);
    let answered = cases.iter().filter(|c| c.response.is_some()).count();
    assert!(answered >= 1 && answered < n, "{answered}");
    let copied: usize = cases
        .iter()
        .filter_map(|c| c.response.as_ref())
        .map(|r| r.body_text.len())
        .sum();
    assert!(copied < 8 * page.len() + (32 << 20), "{copied}");
    assert_eq!(
        diags
            .iter()
            .filter(|d| d.kind == "response-answers-too-many")
            .count(),
        1
    );
    // the few a response usually answers are all answered
    let page = "<!-- { \"blockType\": \"request\", \"name\": \"a\" } -->\n```http\nGET /a\n```\n<!-- { \"blockType\": \"request\", \"name\": \"b\" } -->\n```http\nGET /b\n```\n<!-- { \"blockType\": \"response\", \"name\": [\"a\", \"b\"] } -->\n```http\nHTTP/1.1 200 OK\n\n{}\n```\n";
    let (cases, _) = read_page("m.md", "m", page);
    assert!(cases.iter().all(|c| c.response.is_some()));
}
