//! No URL a page documents, and no value put into one, can crash a run,
//! take a request out of the target's base path or change a URL's
//! structure; no secret held in a value, nor a vars file's broken line,
//! shows in any output.
//!
//! - Hostile URLs (multi-byte characters at every early offset, `https“://`,
//!   lone delimiters, broken escapes) go through every public URL function
//!   and through the binary (`list`, `check`, `show`, `mock`): no panic, the
//!   exit code the run deserves, the page's other cases still run.
//! - Dot segments in any spelling are refused; whatever maps stays on the
//!   target's origin under its base path (a recording server checks what
//!   actually arrives).
//! - Values captured from a hostile service, given as variables or from the
//!   environment, travel as data: one path segment, one query component.
//! - A secret holding `<…>` or `{…}` is put in once and never printed: not
//!   by `check`'s stdout, stderr, JUnit or JSON report.
//! - A broken vars file is refused with its file, line and column, without
//!   quoting the secret next to the error.

mod support;

use graph_contract::docs;
use graph_contract::run::{Session, Settings, Verdict};
use graph_contract::scenario::{Scenarios, Vars};
use graph_contract::target::url::{self, UrlPart};
use graph_contract::target::{Target, fill_placeholders, find_placeholder};
use serde_json::json;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use support::{Req, Resp, TestServer, binary, output_text, serve};

// ---------------------------------------------------------------- helpers

fn tmp_dir_named(name: &str) -> PathBuf {
    support::tmp_dir(&format!("hardening-urls-{name}"))
}

/// A page whose examples are `(name, METHOD URL)`, each documented as
/// `200 {"id": "x"}`.
fn page(examples: &[(String, String)]) -> String {
    let mut out = String::from("---\ntitle: \"Hostile URLs\"\n---\n\n# Hostile URLs\n");
    for (name, request) in examples {
        out.push_str(&format!(
            "\n## {name}\n\n### Request\n<!-- {{ \"blockType\": \"request\", \"name\": \"{name}\" }}-->\n\
             ```http\n{request}\n```\n\n### Response\n\
             <!-- {{ \"blockType\": \"response\", \"truncated\": false }} -->\n\
             ```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{{\"id\": \"x\"}}\n```\n"
        ));
    }
    out
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("the binary runs")
}

fn assert_no_panic(out: &Output, what: &str) {
    let text = output_text(out);
    assert!(
        !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
        "{what}: {text}"
    );
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{what}: exit {:?}\n{text}",
        out.status.code()
    );
}

/// URLs that cut text at the wrong place, or hold what a parser might trip
/// on.
fn hostile_urls() -> Vec<String> {
    let mut urls: Vec<String> = [
        "",
        "?",
        "#",
        "/",
        "//",
        "\\",
        "{",
        "}",
        "<",
        ">",
        "%",
        "%e9",
        "%%",
        "%2",
        "{{}",
        "<{>}",
        "/users/é",
        "/me/événements",
        "https“://graph.microsoft.com/v1.0/me",
        "https:/",
        "https://",
        "http://é",
        "h€ttp://x",
        "/é?é=é#é",
        "/{é}/<é>",
        "/x/{a",
        "/x/<a",
        "/x/%",
        "/x/%e",
        "@",
        "http://[::1",
        "http://a:b@c:d@e",
        "/\u{0}\u{7f}\u{80}",
        "/../../admin",
        "/%2e%2E/admin",
    ]
    .map(str::to_owned)
    .to_vec();
    for c in ['é', '“', '€', '😀'] {
        for prefix in [
            "", "h", "ht", "htt", "http", "https", "https:", "https:/", "https://", "/", "/me/",
        ] {
            for suffix in ["", "://x/y", "/x", "?q", "{", "%"] {
                urls.push(format!("{prefix}{c}{suffix}"));
            }
        }
    }
    urls
}

// ------------------------------------------------ every URL function, every URL

/// Every public URL function on every hostile URL, against targets with and
/// without a base path: no panic, and what maps stays under the base.
#[test]
fn no_url_function_panics_on_hostile_text() {
    let targets: Vec<Target> = [
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080/base/",
        "https://h/a/b",
    ]
    .iter()
    .map(|t| Target::parse(t).unwrap())
    .collect();
    let mut mapped = 0;
    for u in hostile_urls() {
        let _ = url::doc_path_and_query(&u);
        let _ = find_placeholder(&u);
        let filled = fill_placeholders(&u);
        let _ = url::encode(&u);
        let _ = url::encode_value(&u, UrlPart::Path);
        let _ = url::encode_value(&u, UrlPart::Query);
        let _ = url::without_userinfo(&u);
        let _ = url::url_secrets(&u);
        let _ = url::has_dot_segment(&u);
        let _ = Target::parse(&u);
        for t in &targets {
            for d in [&u, &filled] {
                if let Ok(m) = t.map(d) {
                    mapped += 1;
                    assert!(t.contains(&m), "{d:?} on {} → {m}", t.base());
                }
            }
        }
    }
    // Most of them map (percent-encoded): the check above saw something.
    assert!(mapped > hostile_urls().len(), "{mapped}");
}

// ------------------------------------------------------------- the binary

/// The hostile examples, plus one ordinary one that must still pass.
fn hostile_page(dir: &Path) -> (PathBuf, Vec<String>) {
    let mut examples: Vec<(String, String)> =
        vec![("ordinary".into(), "GET /v1.0/me/events".into())];
    for (i, u) in hostile_urls().into_iter().enumerate() {
        // A request line holds no line break and no space (the URL ends there).
        if u.is_empty() || u.contains(['\n', '\r', ' ', '\u{0}']) {
            continue;
        }
        examples.push((format!("hostile{i}"), format!("GET {u}")));
    }
    let names = examples.iter().map(|(n, _)| n.clone()).collect();
    (write(dir, "hostile.md", &page(&examples)), names)
}

#[test]
fn the_binary_survives_hostile_urls() {
    let dir = tmp_dir_named("binary");
    let (page, names) = hostile_page(&dir);
    let page = page.to_str().unwrap();

    let out = run(&["list", page]);
    assert_no_panic(&out, "list");
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let listed = String::from_utf8_lossy(&out.stdout);
    // The reader keeps every example (none was lost to the URL).
    assert_eq!(listed.lines().count(), names.len(), "{listed}");

    for args in [
        vec!["list", "--json", page],
        vec!["list", "--urls", "http://127.0.0.1:9/base", page],
        vec!["lint", page],
    ] {
        let out = run(&args);
        assert_no_panic(&out, &args.join(" "));
    }
    let out = run(&["list", "--urls", "http://127.0.0.1:9/base", page]);
    let urls = String::from_utf8_lossy(&out.stdout);
    assert!(urls.lines().count() > names.len() / 2, "{urls}");
    for line in urls.lines() {
        assert!(line.starts_with("GET http://127.0.0.1:9/base/"), "{line}");
    }

    // Against the built-in mock: every case runs or is ignored with a
    // reason; the ordinary one passes; dot segments are refused.
    let out = run(&["check", page]);
    assert_no_panic(&out, "check");
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("test hostile::ordinary ... ok"), "{text}");
    assert!(
        text.contains("ignored, documented URL cannot be mapped onto the target: its path has a `.` or `..` segment"),
        "{text}"
    );

    // `show` of the fixed ones and of a sample of the generated ones (a
    // process each: every one would take long).
    for name in names
        .iter()
        .take(40)
        .chain(names.iter().skip(40).step_by(9))
    {
        let id = format!("hostile::{name}");
        let out = run(&["show", &id, page]);
        assert_no_panic(&out, &id);
        assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    }
}

/// What a target receives from a run of the hostile page: every request
/// stays under its base path, and the ordinary case still passes.
#[test]
fn requests_of_hostile_urls_stay_under_the_base_path() {
    let dir = tmp_dir_named("recorded");
    let (page, names) = hostile_page(&dir);
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s = seen.clone();
    let server = serve(move |req: Req| {
        s.lock().unwrap().push(req.path.clone());
        Resp::json(200, &json!({"id": "x"}))
    });
    let target = format!("{}/base", server.url);
    let out = run(&[
        "check",
        page.to_str().unwrap(),
        "--target",
        &target,
        "--fill-placeholders",
    ]);
    assert_no_panic(&out, "check --target");
    let text = output_text(&out);
    assert!(text.contains("test hostile::ordinary ... ok"), "{text}");
    let seen = seen.lock().unwrap();
    assert!(seen.len() > names.len() / 2, "{seen:?}");
    for path in seen.iter() {
        assert!(
            path.starts_with("/base/"),
            "{path} left the base path\n{text}"
        );
    }
}

/// A mock serving the hostile page answers hostile request targets and
/// stays up.
#[test]
fn the_mock_serves_a_hostile_page_and_stays_up() {
    let dir = tmp_dir_named("mock");
    let (page, _) = hostile_page(&dir);
    let mut child = binary()
        .args(["mock", page.to_str().unwrap(), "--port", "0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mock starts");
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let Some(addr) = line
        .trim()
        .rsplit("http://")
        .next()
        .filter(|_| line.contains("serving"))
    else {
        let _ = child.kill();
        panic!("no address in {line:?}");
    };
    let addr = addr.trim_end_matches('/').to_owned();
    let mut answered = Vec::new();
    for target in [
        "/me/%C3%A9v%C3%A9nements",
        "/users/%C3%A9",
        "/https%E2%80%9C://graph.microsoft.com/v1.0/me",
        "/%",
        "/%e9",
        "/%7B",
        "/?",
        "/v1.0/me/events",
        "/users/\u{e9}",
    ] {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        answered.push((target, String::from_utf8_lossy(&answer).into_owned()));
    }
    let alive = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    let mut rest = String::new();
    let _ = stderr.read_to_string(&mut rest);
    assert!(alive, "the mock stopped: {rest}");
    assert!(!rest.contains("panicked"), "{rest}");
    for (target, answer) in &answered {
        assert!(answer.starts_with("HTTP/1.1 "), "{target}: {answer:?}");
    }
    // The ordinary example is served as documented.
    let ordinary = &answered
        .iter()
        .find(|(t, _)| *t == "/v1.0/me/events")
        .unwrap()
        .1;
    assert!(ordinary.starts_with("HTTP/1.1 200"), "{ordinary}");
}

// ------------------------------------------------------- the base path

/// Base URL, documented URL → the URL sent, or `None`: refused.
#[test]
fn mapped_urls_never_leave_the_base_path() {
    let table: &[(&str, &str, Option<&str>)] = &[
        (
            "http://127.0.0.1:1/base",
            "/me",
            Some("http://127.0.0.1:1/base/me"),
        ),
        (
            "http://127.0.0.1:1/base/",
            "/me",
            Some("http://127.0.0.1:1/base/me"),
        ),
        ("http://127.0.0.1:1/base", "/base/../../admin", None),
        (
            "http://127.0.0.1:1/base",
            "https://graph.microsoft.com/v1.0/../../admin",
            None,
        ),
        ("http://127.0.0.1:1/base", "/v1.0/%2e%2e/%2E%2E/admin", None),
        ("http://127.0.0.1:1/base", "/v1.0/.%2E/admin", None),
        ("http://127.0.0.1:1/base", "/v1.0/%2E./admin", None),
        ("http://127.0.0.1:1/base", "/v1.0/..\\admin", None),
        ("http://127.0.0.1:1/base", "/v1.0\\..\\..\\admin", None),
        ("http://127.0.0.1:1/base", "/v1.0/%2e", None),
        ("http://127.0.0.1:1/base", "/v1.0/./x", None),
        ("http://127.0.0.1:1/base", "..", None),
        ("http://127.0.0.1:1/base", "../admin?x=1", None),
        ("http://127.0.0.1:1/a/b", "/../b2/x", None),
        // A dot segment once decoded: refused, as a service that decodes
        // `%2F` before routing would climb.
        ("http://127.0.0.1:1/base", "/v1.0/..%2Fadmin", None),
        // Data, not dot segments: they stay as they are.
        ("http://127.0.0.1:1/base", "/v1.0/%252e%252e", None),
        (
            "http://127.0.0.1:1/base",
            "/v1.0/...",
            Some("http://127.0.0.1:1/base/v1.0/..."),
        ),
        (
            "http://127.0.0.1:1/base",
            "/v1.0/x?next=../../admin",
            Some("http://127.0.0.1:1/base/v1.0/x?next=../../admin"),
        ),
        // Another origin in the documented URL is not followed.
        (
            "http://127.0.0.1:1/base",
            "https://u:p@evil.invalid:9/x",
            Some("http://127.0.0.1:1/base/x"),
        ),
        (
            "http://127.0.0.1:1/base",
            "//evil.invalid/x",
            Some("http://127.0.0.1:1/base//evil.invalid/x"),
        ),
        (
            "http://127.0.0.1:1",
            "//evil.invalid/x",
            Some("http://127.0.0.1:1//evil.invalid/x"),
        ),
    ];
    for (base, doc, want) in table {
        let t = Target::parse(base).unwrap();
        match (t.map(doc), want) {
            (Ok(u), Some(w)) => assert_eq!(u.as_str(), *w, "{base} + {doc}"),
            (Err(e), None) => assert_eq!(
                e,
                "documented URL cannot be mapped onto the target: its path has a `.` or `..` \
                 segment (it could climb out of the base path)",
                "{base} + {doc}"
            ),
            (got, want) => panic!("{base} + {doc}: {got:?}, expected {want:?}"),
        }
    }
}

// ------------------------------------------------ values are data

/// What the items service saw.
#[derive(Default)]
struct Seen {
    /// `METHOD path[?query]`, as received (not decoded).
    requests: Vec<String>,
}

/// A service whose POST answers `{"id": <value>, "q": <value>}`: the
/// captured values a scenario puts into later URLs.
fn hostile_items(value: &'static str) -> (TestServer, Arc<Mutex<Seen>>) {
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let s = seen.clone();
    let server = serve(move |req: Req| {
        let target = match &req.query {
            Some(q) => format!("{} {}?{q}", req.method, req.path),
            None => format!("{} {}", req.method, req.path),
        };
        s.lock().unwrap().requests.push(target);
        match req.method.as_str() {
            "POST" => Resp::json(201, &json!({"id": value, "q": value})),
            "DELETE" => Resp {
                status: 204,
                headers: vec![],
                body: vec![],
            },
            _ => Resp::json(200, &json!({"id": "x"})),
        }
    });
    (server, seen)
}

const ITEMS_SCENARIO: &str = r#"
[[scenario]]
page = "items"

[[scenario.setup]]
method = "POST"
url = "/v1.0/items"
body = '{"name": "a"}'
capture = { item-id = "/id", q = "/q" }

[[scenario.teardown]]
method = "DELETE"
url = "/v1.0/items/{item-id}?q={q}"
expect = 204
"#;

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// A captured value steers nothing: the teardown DELETE goes to the one
/// item, under the base path, the value encoded as one path segment and as
/// one query component. A value that is or holds a dot segment (`..`,
/// `../../admin`, also percent-encoded: a service decoding `%2F` before
/// routing would climb) is refused: the step fails cleanly, nothing leaves
/// the base.
#[test]
fn captured_values_are_data_in_the_teardown_url() {
    let dir = tmp_dir_named("captured");
    let page = write(
        &dir,
        "items.md",
        &page(&[("get_item".into(), "GET /v1.0/items/{item-id}?q={q}".into())]),
    );
    // Value → sent (the DELETE goes out) or refused.
    let table: &[(&'static str, bool)] = &[
        ("a/b/../../admin/@evil.invalid", false),
        ("../../admin/@evil.invalid", false),
        ("..\\..\\admin", false),
        ("%2e%2e/%2E%2E/admin", false),
        ("admin/@evil.invalid/x", true),
        ("a?b#c&d=e+f%", true),
        ("{item-id}<q>", true),
        ("é/😀", true),
        ("..", false),
        (".", false),
    ];
    for &(value, sent) in table {
        let (server, seen) = hostile_items(value);
        let vars = Vars::default();
        let scenarios = Scenarios::parse(Path::new("s.toml"), ITEMS_SCENARIO, &vars).unwrap();
        let settings = Settings {
            target: Some(format!("{}/base", server.url)),
            vars,
            scenarios,
            ..Settings::default()
        };
        let corpus = docs::read_paths(&[page.as_path()]);
        let session = Arc::new(Session::open(settings, Arc::new(corpus.cases)).unwrap());
        let results = session.run_all(&[0], 1, |_| {});
        let requests = seen.lock().unwrap().requests.clone();
        for r in &requests {
            let path = r.split_once(' ').unwrap().1;
            assert!(path.starts_with("/base/v1.0/items"), "{value:?}: {r}");
        }
        let deletes: Vec<&String> = requests
            .iter()
            .filter(|r| r.starts_with("DELETE"))
            .collect();
        if sent {
            assert_eq!(
                results[0].verdict,
                Verdict::Pass,
                "{value:?}: {:?}",
                results[0].findings
            );
            assert_eq!(deletes.len(), 1, "{value:?}: {requests:?}");
            let (path, query) = deletes[0]["DELETE ".len()..].split_once('?').unwrap();
            // One segment below the collection, one query component...
            let segment = path.strip_prefix("/base/v1.0/items/").unwrap();
            assert!(!segment.contains('/'), "{value:?}: {path}");
            let q = query.strip_prefix("q=").unwrap();
            assert!(!q.contains(['&', '=', '#', '+']), "{value:?}: {query}");
            // ...which decode to the value itself.
            assert_eq!(percent_decode(segment), value);
            assert_eq!(percent_decode(q), value);
        } else {
            assert_eq!(results[0].verdict, Verdict::Fail, "{value:?}");
            assert!(deletes.is_empty(), "{value:?}: {requests:?}");
            let messages: Vec<&str> = results[0]
                .findings
                .iter()
                .map(|f| f.message.as_str())
                .collect();
            assert!(
                messages.iter().any(|m| m
                    .starts_with("teardown step 1 (DELETE /v1.0/items/{item-id}?q={q})")
                    && m.contains("`.` or `..` segment")),
                "{value:?}: {messages:?}"
            );
        }
    }
}

/// Variables from a vars file and the environment are data too, in the
/// documented request's URL, through the binary.
#[test]
fn variables_are_data_in_the_documented_url() {
    let dir = tmp_dir_named("vars");
    let page = write(
        &dir,
        "items.md",
        &page(&[(
            "get_item".into(),
            "GET /v1.0/items/{item-id}/parts/{part}?q={q}".into(),
        )]),
    );
    let vars = write(
        &dir,
        "vars.toml",
        "[vars]\nitem-id = \"a/b@admin\"\nq = \"a&admin=true#x\"\npart = \"p\"\n",
    );
    let seen: Arc<Mutex<Vec<Req>>> = Arc::default();
    let s = seen.clone();
    let server = serve(move |req: Req| {
        s.lock().unwrap().push(req);
        Resp::json(200, &json!({"id": "x"}))
    });
    let target = format!("{}/base", server.url);
    let out = binary()
        .args(["check", page.to_str().unwrap(), "--target", &target])
        .args(["--vars", vars.to_str().unwrap()])
        .env("GRAPH_CONTRACT_VAR_PART", "@evil.invalid/x?y")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let (path, query) = (&seen[0].path, &seen[0].query);
    assert_eq!(
        path.split('/').map(percent_decode).collect::<Vec<_>>(),
        [
            "",
            "base",
            "v1.0",
            "items",
            "a/b@admin",
            "parts",
            "@evil.invalid/x?y"
        ]
    );
    let query = query.as_deref().unwrap();
    assert_eq!(query.matches('&').count(), 0, "{query}");
    assert_eq!(
        percent_decode(query.strip_prefix("q=").unwrap()),
        "a&admin=true#x"
    );
}

// ------------------------------------------------ secrets stay unsaid

/// A secret that looks like placeholders (`<et>`, `{x}`) in the path, the
/// query and around the URL's own braces: each case runs or is reported,
/// and no byte of `check`'s output (stdout, stderr, JUnit, JSON) holds the
/// secret or a piece of it, with or without `--fill-placeholders`.
#[test]
fn a_secret_with_placeholder_syntax_is_put_in_once_and_never_shown() {
    const SECRET: &str = "s3cr<et>{x}";
    let dir = tmp_dir_named("secret");
    let page = write(
        &dir,
        "keys.md",
        &page(&[
            ("in_path".into(), "GET /v1.0/keys/{api-key}".into()),
            (
                "in_query".into(),
                "GET /v1.0/keys?key={api-key}&other=1".into(),
            ),
            ("in_braces".into(), "GET /v1.0/keys/{{api-key}}".into()),
            ("unknown".into(), "GET /v1.0/keys/{x}".into()),
            (
                "other".into(),
                "GET /v1.0/keys/{other-key}?k={other-key}".into(),
            ),
        ]),
    );
    // A second one with what stays as it is in a URL (`-`) and what does
    // not (`@`, `;`, `&`).
    const OTHER: &str = "ot-her@se;cr&et";
    let vars = write(
        &dir,
        "vars.toml",
        &format!("[secrets]\napi-key = {SECRET:?}\nother-key = {OTHER:?}\n"),
    );
    // The service echoes what it received (decoded) and disagrees with the
    // docs, so every report shows the request and the answer.
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s = seen.clone();
    let server = serve(move |req: Req| {
        let target = format!("{}?{}", req.path, req.query.clone().unwrap_or_default());
        s.lock().unwrap().push(percent_decode(&target));
        Resp::json(500, &json!({"error": {"message": percent_decode(&target)}}))
    });
    for fill in [false, true] {
        let junit = dir.join(format!("junit-{fill}.xml"));
        let report = dir.join(format!("report-{fill}.json"));
        let mut cmd = binary();
        cmd.args(["check", page.to_str().unwrap(), "--target", &server.url])
            .args(["--vars", vars.to_str().unwrap(), "--details"])
            .args([
                "--junit",
                junit.to_str().unwrap(),
                "--json",
                report.to_str().unwrap(),
            ]);
        if fill {
            cmd.arg("--fill-placeholders");
        }
        let out = cmd.output().unwrap();
        let text = output_text(&out);
        assert_no_panic(&out, "check");
        assert_eq!(out.status.code(), Some(1), "{text}");
        let files = [&junit, &report].map(|p| std::fs::read_to_string(p).unwrap());
        for (what, bytes) in [("output", &text), ("junit", &files[0]), ("json", &files[1])] {
            for piece in [
                SECRET,
                "s3cr",
                "et%3E%7Bx",
                "<et>{x}",
                "%7Bx%7D",
                "ot-her",
                "her%40se",
                "cr%26et",
            ] {
                assert!(
                    !bytes.contains(piece),
                    "fill {fill}: {what} shows {piece:?}:\n{bytes}"
                );
            }
        }
        // The cases ran (the secret arrived whole, once, where the docs put
        // it: below) and failed on the service's 500.
        for name in ["in_path", "in_query", "other"] {
            assert!(
                text.contains(&format!("test keys::{name} ... FAILED")),
                "{text}"
            );
        }
        // Its own braces around a value: refused, without the value.
        assert!(
            text.contains(
                "test keys::in_braces ... ignored, placeholder in the URL around a variable's value"
            ),
            "{text}"
        );
    }
    let seen = seen.lock().unwrap();
    assert!(seen.contains(&format!("/v1.0/keys/{SECRET}?")), "{seen:?}");
    assert!(
        seen.iter()
            .any(|s| s.starts_with(&format!("/v1.0/keys?key={SECRET}&other="))),
        "{seen:?}"
    );
}

// ------------------------------------------------ broken vars files

/// A broken line next to a secret: exit 2, the file and line named, the
/// secret's text absent.
#[test]
fn a_broken_vars_file_names_the_line_not_the_secret() {
    let dir = tmp_dir_named("toml");
    let page = write(
        &dir,
        "p.md",
        &page(&[("get".into(), "GET /v1.0/me".into())]),
    );
    // Vars file → the line the error names.
    let table: &[(&str, usize)] = &[
        ("[secrets]\napi-key = 9876543210123\n", 2),
        ("[secrets]\napi-key = 98765.43210123\n", 2),
        ("[secrets]\napi-key = [\"SeCrEt-Value-42\"]\n", 2),
        ("[secrets]\napi-key = { v = \"SeCrEt-Value-42\" }\n", 2),
        (
            "[secrets]\napi-key = \"SeCrEt-Value-42\"\napi-key = \"SeCrEt-Value-43\"\n",
            3,
        ),
        ("[secrets]\napi-key = \"SeCrEt-Value-42\" trailing\n", 2),
        ("[secrets]\napi-key = SeCrEt-Value-42\n", 2),
        ("[secrets]\napi-key = \"SeCrEt-Value-42\n", 2),
        ("[secrets]\napi-key = \"SeCrEt-Value-42\\q\"\n", 2),
        (
            "[vars]\nx = \"1\"\n[secrets]\napi-key = 'SeCrEt-Value-42\n",
            4,
        ),
        ("[secrets]\napi-key = \"SeCrEt-Value-42\"\n[secrets]\n", 3),
    ];
    for (i, (text, line)) in table.iter().enumerate() {
        let vars = write(&dir, &format!("vars{i}.toml"), text);
        let vars = vars.to_str().unwrap();
        let out = run(&["check", page.to_str().unwrap(), "--vars", vars]);
        let all = output_text(&out);
        assert_eq!(out.status.code(), Some(2), "{text:?}: {all}");
        assert!(all.contains(&format!("{vars}:{line}:")), "{text:?}: {all}");
        for piece in ["SeCrEt", "98765", "43210123", "9876543210123"] {
            assert!(!all.contains(piece), "{text:?} shows {piece}: {all}");
        }
    }
}
