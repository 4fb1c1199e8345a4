//! Hostile clients against the mock binary (`graph-contract mock`) over
//! loopback: each gets an answer a Graph client can read (Graph's headers,
//! JSON that parses, Graph's error envelope), paging stays on the mock and
//! ends, and the mock keeps answering others. One table row per attack.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::binary;

const PAGE: &str = r#"# Users (graph-contract's attack page)

<!-- { "blockType": "request", "name": "list_users" } -->
```http
GET https://graph.microsoft.com/v1.0/users
```

<!-- { "blockType": "response", "truncated": true } -->
```http
HTTP/1.1 200 OK
Content-type: application/json

{"value": [{"id": "1", "displayName": "Adele"}, {"id": "2", "displayName": "Bob"}, {"id": "3", "displayName": "Cy"}], "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=X"}
```

<!-- { "blockType": "request", "name": "get_user" } -->
```http
GET https://graph.microsoft.com/v1.0/users/{id}
```

<!-- { "blockType": "response", "truncated": true } -->
```http
HTTP/1.1 200 OK
Content-type: application/json

{"id": "1", "displayName": "Adele"}
```

<!-- { "blockType": "request", "name": "update_user" } -->
```http
PATCH https://graph.microsoft.com/v1.0/users/{id}
Content-type: application/json

{"displayName": "A"}
```

<!-- { "blockType": "response" } -->
```http
HTTP/1.1 204 No Content
```

<!-- { "blockType": "request", "name": "children_by_path" } -->
```http
GET https://graph.microsoft.com/v1.0/drives/{drive-id}/root:/{item-path}:/children
```

<!-- { "blockType": "response", "truncated": true } -->
```http
HTTP/1.1 200 OK
Content-type: application/json

{"value": [{"id": "f1", "name": "a.txt"}]}
```
"#;

/// The mock binary over `PAGE` on an ephemeral port; killed when dropped.
struct Mock {
    child: std::process::Child,
    /// `127.0.0.1:port`
    addr: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_mock(name: &str) -> Mock {
    use std::io::BufRead;
    let dir = support::tmp_dir(name);
    let page = dir.join("user-attack.md");
    std::fs::write(&page, PAGE).unwrap();
    let mut child = binary()
        .args(["mock", page.to_str().unwrap(), "--port", "0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    // keep reading what it says, so that it never writes to a closed pipe
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    let at = line.find(" on http://").expect(&line);
    let addr = line[at + " on http://".len()..].trim().to_owned();
    Mock { child, addr }
}

/// One answer read to its end: status, lower-cased header pairs, body.
#[derive(Debug)]
struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("{e}: {:?}", String::from_utf8_lossy(&self.body));
        })
    }
}

/// Send raw bytes (a request closing its connection) and read the answer.
fn raw(addr: &str, request: &[u8]) -> Got {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let end = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(&out)));
    let head = String::from_utf8_lossy(&out[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Got {
        status,
        headers,
        body: out[end + 4..].to_vec(),
    }
}

fn get(addr: &str, target: &str, host: &str) -> Got {
    raw(
        addr,
        format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

fn post(addr: &str, target: &str, body: &[u8]) -> Got {
    let mut req = format!(
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    raw(addr, &req)
}

/// Graph's envelope with its ids, agreeing with the headers.
fn assert_graph_error(g: &Got, code: &str, what: &str) {
    let v = g.json();
    assert_eq!(v["error"]["code"], code, "{what}: {v}");
    let inner = &v["error"]["innerError"];
    assert!(inner["date"].is_string(), "{what}: {v}");
    assert_eq!(
        inner["request-id"].as_str(),
        g.header("request-id"),
        "{what}: {v}"
    );
    assert_eq!(
        inner["client-request-id"].as_str(),
        g.header("client-request-id"),
        "{what}: {v}"
    );
    assert_eq!(
        g.header("content-type"),
        Some(graph_contract::mock::GRAPH_JSON),
        "{what}"
    );
    assert_eq!(g.header("odata-version"), Some("4.0"), "{what}");
}

/// The next link of an answer, split into (authority, path and query).
fn next_link(g: &Got) -> Option<(String, String)> {
    let v = g.json();
    let link = v["@odata.nextLink"].as_str()?.to_owned();
    let rest = link
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("{link}"));
    let (authority, target) = rest.split_at(rest.find('/').unwrap_or_else(|| panic!("{link}")));
    Some((authority.to_owned(), target.to_owned()))
}

#[test]
fn next_links_are_on_the_mock_whatever_the_host_and_paging_ends() {
    let m = spawn_mock("mock_attack_hosts");
    // (request head after the request line, the authority next links must name)
    let own = m.addr.as_str();
    let rows: Vec<(String, &str)> = vec![
        (format!("Host: {own}\r\n"), own),
        ("Host: mock.test:8080\r\n".into(), "mock.test:8080"),
        ("Host: [::1]:9\r\n".into(), "[::1]:9"),
        // not a host and port: the mock's own address instead
        ("Host: evil.example/x?y=\r\n".into(), own),
        ("Host: evil.example#\r\n".into(), own),
        ("Host: user@evil.example\r\n".into(), own),
        ("Host: a\"b\r\n".into(), own),
        ("Host: <script>\r\n".into(), own),
        ("Host: \r\n".into(), own),
        ("Host: m\u{f6}ck\r\n".into(), own),
        ("Host: a,b\r\n".into(), own),
        ("Host: a b\r\n".into(), own),
        ("Host: h:99999\r\n".into(), own),
    ];
    for (head, want) in &rows {
        let g = raw(
            &m.addr,
            format!("GET /v1.0/users HTTP/1.1\r\n{head}Connection: close\r\n\r\n").as_bytes(),
        );
        assert_eq!(g.status, 200, "{head:?}");
        let (authority, target) = next_link(&g).unwrap_or_else(|| panic!("{head:?}"));
        assert_eq!(authority, *want, "{head:?}");
        // followed (on the mock, whatever it names): the last page
        let last = get(&m.addr, &target, own);
        assert_eq!(last.status, 200, "{target}");
        assert!(next_link(&last).is_none(), "{head:?}: {:?}", last.json());
    }
    // HTTP/1.0 without Host, and an absolute-form target (its authority)
    let g = raw(&m.addr, b"GET /v1.0/users HTTP/1.0\r\n\r\n");
    assert_eq!(next_link(&g).map(|l| l.0), Some(own.to_owned()));
    let g = get(&m.addr, "http://proxy.test:81/v1.0/users", "other.test");
    assert_eq!(next_link(&g).map(|l| l.0), Some("proxy.test:81".to_owned()));
    // `$top` paging over the documented elements ends, on the mock
    let mut target = "/v1.0/users?$top=1".to_owned();
    let mut pages = 0;
    while pages < 10 {
        pages += 1;
        let g = get(&m.addr, &target, "evil.example/");
        assert_eq!(g.status, 200, "{target}");
        match next_link(&g) {
            Some((authority, t)) => {
                assert_eq!(authority, own);
                target = t;
            }
            None => break,
        }
    }
    assert_eq!(pages, 3, "3 elements, $top=1");
}

#[test]
fn head_options_and_path_addressing_over_the_wire() {
    let m = spawn_mock("mock_attack_methods");
    let get_answer = get(&m.addr, "/v1.0/users/7", &m.addr);
    let head = raw(
        &m.addr,
        format!(
            "HEAD /v1.0/users/7 HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            m.addr
        )
        .as_bytes(),
    );
    assert_eq!(head.status, 200, "{head:?}");
    assert!(head.body.is_empty(), "{head:?}");
    assert_eq!(
        head.header("content-length"),
        Some(get_answer.body.len().to_string().as_str())
    );
    assert_eq!(
        head.header("content-type"),
        get_answer.header("content-type")
    );
    assert!(head.header("request-id").is_some());
    let options = raw(
        &m.addr,
        format!(
            "OPTIONS /v1.0/users/7 HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            m.addr
        )
        .as_bytes(),
    );
    assert_eq!(options.status, 204, "{options:?}");
    assert_eq!(options.header("allow"), Some("GET, HEAD, OPTIONS, PATCH"));
    assert!(options.header("request-id").is_some());
    // (target, status): an item addressed by a path of any depth
    let rows = [
        ("/v1.0/drives/b!x/root:/a.txt:/children", 200),
        ("/v1.0/drives/b!x/root:/Docs/2026/Q1/a.txt:/children", 200),
        ("/v1.0/drives/b!x/root:/Docs/x:/nothing", 404),
    ];
    for (target, status) in rows {
        let g = get(&m.addr, target, &m.addr);
        assert_eq!(g.status, status, "{target}");
        g.json();
    }
}

#[test]
fn hostile_query_strings_and_paths_get_graph_answers() {
    let m = spawn_mock("mock_attack_queries");
    let long_path = format!("/v1.0/{}", "a/".repeat(20_000));
    let deep_filter = format!(
        "/v1.0/users?$filter={}true{}",
        "(".repeat(3000),
        ")".repeat(3000)
    );
    let many_pairs = format!("/v1.0/users?{}", "a=1&".repeat(4000));
    // (target, status)
    let rows: Vec<(&str, u16)> = vec![
        ("/v1.0/users?&&&", 200),
        ("/v1.0/users?===", 200),
        ("/v1.0/users?%", 200),
        ("/v1.0/users?%zz=%", 200),
        ("/v1.0/users?%ff%fe=%c0%80", 200),
        ("/v1.0/users?$select=%ff", 200),
        ("/v1.0/us%ffers", 404),
        ("/v1.0/users?$top=-1", 400),
        ("/v1.0/users?$top=abc", 400),
        ("/v1.0/users?$top=99999999999999999999999", 400),
        ("/v1.0/users?$skip=-5", 400),
        ("/v1.0/users?$top=1&$top=2", 400),
        ("/v1.0/users?$count=1", 400),
        ("/v1.0/users?$top=18446744073709551615", 400),
        (
            "/v1.0/users?$top=9223372036854775807&$skip=9223372036854775807",
            200,
        ),
        ("/v1.0/users?$top=0", 200),
        (&deep_filter, 200),
        (&many_pairs, 200),
        (&long_path, 404),
    ];
    for (target, status) in &rows {
        let g = get(&m.addr, target, &m.addr);
        let shown = &target[..target.len().min(80)];
        assert_eq!(g.status, *status, "{shown}");
        assert!(g.header("request-id").is_some(), "{shown}");
        let v = g.json();
        match status {
            400 => assert_graph_error(&g, "BadRequest", shown),
            404 => {
                assert_graph_error(&g, "ResourceNotFound", shown);
                let message = v["error"]["message"].as_str().unwrap();
                assert!(message.len() < 1_000, "{shown}: {} bytes", message.len());
            }
            _ => assert!(v["value"].is_array(), "{shown}: {v}"),
        }
    }
}

#[test]
fn hostile_batches_get_graph_answers() {
    let m = spawn_mock("mock_attack_batches");
    let item = |id: usize, deps: &[usize]| {
        serde_json::json!({"id": id.to_string(), "method": "GET", "url": "/users/7",
            "dependsOn": deps.iter().map(|d| d.to_string()).collect::<Vec<_>>()})
    };
    let batch =
        |items: Vec<serde_json::Value>| serde_json::json!({ "requests": items }).to_string();
    // a chain of 20: every item runs, in order
    let chain = batch(
        (0..20)
            .map(|i| item(i, &(0..i).rev().take(1).collect::<Vec<_>>()))
            .collect(),
    );
    let g = post(&m.addr, "/v1.0/$batch", chain.as_bytes());
    assert_eq!(g.status, 200);
    let v = g.json();
    let statuses: Vec<u64> = v["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![200; 20]);
    // a failed dependency: 424 with its own ids
    let failing = r#"{"requests":[{"id":"1","method":"GET","url":"/nothing"},{"id":"2","method":"GET","url":"/users/7","dependsOn":["1"]}]}"#;
    let v = post(&m.addr, "/v1.0/%24batch", failing.as_bytes()).json();
    let second = &v["responses"][1];
    assert_eq!(second["status"], 424, "{v}");
    assert!(second["headers"]["request-id"].is_string(), "{v}");
    assert!(
        second["body"]["error"]["innerError"]["request-id"].is_string(),
        "{v}"
    );
    // refused whole: Graph's envelope with the exchange's ids
    let deep = format!(
        r#"{{"requests":[{{"id":"1","method":"GET","url":"/me","body":{}{}}}]}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let rows: Vec<(&str, String)> = vec![
        ("21 items", batch((0..21).map(|i| item(i, &[])).collect())),
        ("a cycle", batch(vec![item(1, &[2]), item(2, &[1])])),
        ("an unknown dependency", batch(vec![item(1, &[9])])),
        ("a duplicate id", batch(vec![item(1, &[]), item(1, &[])])),
        ("deep JSON", deep),
        ("not JSON", "{".repeat(100)),
    ];
    for (what, body) in &rows {
        let g = post(&m.addr, "/v1.0/$batch", body.as_bytes());
        assert_eq!(g.status, 400, "{what}");
        assert_graph_error(&g, "BadRequest", what);
    }
    // a batch in a batch: that item is refused, not run
    let nested =
        r#"{"requests":[{"id":"1","method":"POST","url":"/$batch","body":{"requests":[]}}]}"#;
    let v = post(&m.addr, "/v1.0/$batch", nested.as_bytes()).json();
    assert_eq!(v["responses"][0]["status"], 400, "{v}");
    // a body over the batch limit, declared: 413 at once, Graph's envelope
    let g = raw(
        &m.addr,
        format!(
            "POST /v1.0/$batch HTTP/1.1\r\nHost: {}\r\nclient-request-id: big-1\r\nContent-Length: {}\r\n\r\n",
            m.addr,
            5 * 1024 * 1024
        )
        .as_bytes(),
    );
    assert_eq!(g.status, 413);
    assert_eq!(g.header("connection"), Some("close"));
    assert_eq!(g.header("client-request-id"), Some("big-1"));
    assert_graph_error(&g, "graphContract.bodyTooLarge", "413");
}

#[test]
fn many_idle_connections_do_not_stop_the_mock() {
    let m = spawn_mock("mock_attack_connections");
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut s = TcpStream::connect(&m.addr).unwrap();
            // half a request head, never finished
            s.write_all(b"GET /v1.0/users HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            s
        })
        .collect();
    let g = get(&m.addr, "/v1.0/users/7", &m.addr);
    assert_eq!(g.status, 200);
    assert_eq!(g.json()["id"], "1");
    drop(idle);
    let g = get(&m.addr, "/v1.0/users/7", &m.addr);
    assert_eq!(g.status, 200);
}
