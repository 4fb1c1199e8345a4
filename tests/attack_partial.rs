//! Issue #13's partial-service surface, attacked: what a hostile or sloppy
//! page, service or user does to "not implemented", coverage and the
//! output. Each test is a defect found by hand, kept so it stays fixed.
//!
//! The rule under most of them: **a path called declared is the path sent**.
//! The resolver decides "not implemented" on the documented URL, the
//! replayer sends the URL it maps onto the target; where the two read the
//! URL differently, a path the service does not declare is sent while the
//! run counts it as declared (and its 404 as a failure).

mod support;

use graph_contract::config::Env;
use graph_contract::csdl::{Metadata, Resolution};
use graph_contract::harness;
use graph_contract::run::coverage::{min_text, percent_text};
use graph_contract::target::{Target, fill_placeholders};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use support::{Req, Resp, TestServer, binary, crate_path, output_text, serve, tmp_dir};

/// The partial service's CSDL: `me`, `users`, `user/messages`.
fn small() -> Metadata {
    Metadata::load(&crate_path("fixtures/partial/service.csdl")).expect("the fixture loads")
}

/// The template of what the resolver makes of `url`, or why not.
fn resolved(meta: &Metadata, url: &str) -> String {
    match meta.resolve_path(url) {
        Resolution::Declared(r) => format!("declared {}", r.template),
        Resolution::NotDeclared(n) => format!("not declared: {}", n.message),
        Resolution::Unresolvable(why) => format!("unresolvable: {why}"),
    }
}

/// The path (and query) the replayer sends for a documented URL, as
/// `--fill-placeholders` fills it; `None` when it refuses it.
fn sent(url: &str) -> Option<String> {
    let target = Target::parse("http://127.0.0.1:9").unwrap();
    let mapped = target.map(&fill_placeholders(url)).ok()?;
    Some(match mapped.query() {
        Some(q) => format!("{}?{q}", mapped.path()),
        None => mapped.path().to_owned(),
    })
}

/// URLs on which the resolver and the sender disagreed: each was called
/// declared (`/me`, `/users/{id}`, `/me/messages`) and sent as another
/// path. Now each is read as it is sent.
#[test]
fn a_declared_path_is_the_path_sent() {
    let meta = small();
    // (documented URL, what the resolver must say, what is sent)
    let rows: &[(&str, &str, &str)] = &[
        // The authority ends at `\`, `?` or `#` for the sender, not only
        // at `/`.
        (
            r"https://graph.microsoft.com\v1.0\admin/v1.0/me",
            r#"not declared: no entity set or singleton "\\v1.0\\admin""#,
            "/%5Cv1.0%5Cadmin/v1.0/me",
        ),
        (
            "https://graph.microsoft.com?x=/v1.0/me",
            "unresolvable: the URL has no path",
            "/?x=/v1.0/me",
        ),
        (
            "https://graph.microsoft.com#/v1.0/me",
            "unresolvable: the URL has no path",
            "/",
        ),
        // `#` and `?` cut the path inside parentheses too.
        (
            "https://graph.microsoft.com/v1.0/users('x#y')/messages",
            "unresolvable: a quoted string is not closed",
            "/v1.0/users('x",
        ),
        (
            "https://graph.microsoft.com/v1.0/users('a?b')/messages",
            "unresolvable: a quoted string is not closed",
            "/v1.0/users('a?b%27)/messages",
        ),
        // A segment is not trimmed: `me%20` is sent as it is, and is no
        // name the service declares.
        (
            "https://graph.microsoft.com/v1.0/me%20/messages",
            r#"not declared: no entity set or singleton "me ""#,
            "/v1.0/me%20/messages",
        ),
        (
            "https://graph.microsoft.com/v1.0/%20me",
            r#"not declared: no entity set or singleton " me""#,
            "/v1.0/%20me",
        ),
        (
            "https://graph.microsoft.com/v1.0/me/messages%09",
            r#"not declared: "messages\t" is not a navigation property of microsoft.graph.user (the type of singleton me)"#,
            "/v1.0/me/messages%09",
        ),
        // Still declared: what is sent is what was resolved.
        (
            "https://graph.microsoft.com/v1.0/me/messages?$top=1#frag",
            "declared /me/messages",
            "/v1.0/me/messages?$top=1",
        ),
        (
            "https://graph.microsoft.com/v1.0/users('a%3Fb')",
            "declared /users/{id}",
            "/v1.0/users('a%3Fb')",
        ),
    ];
    let mut wrong = Vec::new();
    for (url, want, want_sent) in rows {
        let got = (resolved(&meta, url), sent(url));
        if (got.0.as_str(), got.1.as_deref()) != (*want, Some(*want_sent)) {
            wrong.push(format!(
                "{url}\n   want {want} / sent {want_sent}\n   got  {} / sent {:?}",
                got.0, got.1
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The same rule over many generated URLs: whenever the documented URL
/// resolves as declared, the path sent resolves to the same operation.
#[test]
fn generated_urls_resolve_as_they_are_sent() {
    let meta = small();
    let pieces = [
        "/", "(", ")", "'", "{", "}", ":", "$", ".", "@", "=", ",", "%", "?", "#", "\\", "%2F",
        "%5C", "%3F", "%23", "%27", "%20", " ", "\t", "é", ";", "&", "+", "me", "users",
        "messages", "x", "v1.0", "$value", "$count", "$ref",
    ];
    let prefixes = [
        "https://graph.microsoft.com/v1.0/me",
        "https://graph.microsoft.com",
        "/v1.0/users",
        "/me/messages",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut differ = Vec::new();
    for _ in 0..40_000 {
        let len = (next() % 7) as usize;
        let tail: String = (0..len)
            .map(|_| pieces[(next() % pieces.len() as u64) as usize])
            .collect();
        for prefix in prefixes {
            let url = format!("{prefix}{tail}");
            let Resolution::Declared(doc) = meta.resolve_path(&url) else {
                continue;
            };
            let Some(path) = sent(&url) else { continue };
            match meta.resolve_path(&path) {
                Resolution::Declared(r) if r.template == doc.template => {}
                other => differ.push(format!(
                    "{url:?} ({}) sent as {path:?}: {other:?}",
                    doc.template
                )),
            }
        }
    }
    differ.sort();
    differ.dedup();
    assert!(
        differ.is_empty(),
        "{} URLs resolve as declared and are sent as another path:\n{}",
        differ.len(),
        differ[..differ.len().min(20)].join("\n")
    );
}

// ------------------------------------------------------------ end to end

/// A service that declares `me`, `users` and `me/messages` under v1.0 and
/// only `users` under beta; it records every request (path and query).
fn service() -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let v1 = std::fs::read_to_string(crate_path("fixtures/partial/service.csdl")).unwrap();
    let beta = v1.replace(r#"<Singleton Name="me" Type="microsoft.graph.user" />"#, "");
    assert_ne!(v1, beta);
    let server = serve(move |req: Req| {
        let line = match &req.query {
            Some(q) => format!("{} {}?{q}", req.method, req.path),
            None => format!("{} {}", req.method, req.path),
        };
        log.lock().unwrap().push(line);
        let xml = |body: &str| Resp {
            status: 200,
            headers: vec![("Content-Type".into(), "application/xml".into())],
            body: body.as_bytes().to_vec(),
        };
        match req.path.as_str() {
            "/v1.0/$metadata" => xml(&v1),
            "/beta/$metadata" => xml(&beta),
            p if p.ends_with("/$metadata") => Resp::json(404, &json!({"error": {"code": "x"}})),
            "/v1.0/me" | "/beta/me" => Resp::json(
                200,
                &json!({
                    "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
                    "displayName": "Adele Vance",
                    "mail": "AdeleV@contoso.com"
                }),
            ),
            _ => Resp::json(404, &json!({"error": {"code": "ResourceNotFound"}})),
        }
    });
    (server, seen)
}

/// A page of GET examples, each documented as `200` with `{"id": "1"}`.
fn page(dir: &Path, name: &str, examples: &[(&str, &str)]) -> PathBuf {
    let mut text = format!("# {name}\n\n");
    for (case, url) in examples {
        text.push_str(&format!(
            "<!-- {{ \"blockType\": \"request\", \"name\": \"{case}\" }} -->\n```http\nGET {url}\n```\n\n\
             <!-- {{ \"blockType\": \"response\" }} -->\n```http\nHTTP/1.1 200 OK\n\
             Content-Type: application/json\n\n{{\"id\": \"1\"}}\n```\n\n"
        ));
    }
    let path = dir.join(format!("{name}.md"));
    std::fs::write(&path, text).unwrap();
    path
}

struct Checked {
    code: Option<i32>,
    text: String,
    stdout: String,
    report: Value,
}

fn check(server: &TestServer, dir: &Path, pages: &Path, args: &[&str]) -> Checked {
    let json_path = dir.join("report.json");
    let _ = std::fs::remove_file(&json_path);
    let out = binary()
        .arg("check")
        .arg(pages)
        .args([
            "--target",
            &server.url,
            "--fill-placeholders",
            "--retries",
            "0",
        ])
        .args(args)
        .arg("--json")
        .arg(&json_path)
        .output()
        .unwrap();
    let report = std::fs::read_to_string(&json_path)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    Checked {
        code: out.status.code(),
        text: output_text(&out),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        report,
    }
}

/// Case name → verdict.
fn verdicts(report: &Value) -> BTreeMap<String, String> {
    report["cases"]
        .as_array()
        .map(|cases| {
            cases
                .iter()
                .map(|c| {
                    let id = c["id"].as_str().unwrap_or_default();
                    (
                        id.rsplit("::").next().unwrap_or(id).to_owned(),
                        c["verdict"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn want(rows: &[(&str, &str)]) -> BTreeMap<String, String> {
    rows.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn sorted(seen: &Mutex<Vec<String>>) -> Vec<String> {
    let mut v = seen.lock().unwrap().clone();
    v.sort();
    v
}

/// Pages whose URLs the resolver used to call declared while another path
/// went out: none of them reaches the service now.
#[test]
fn undeclared_paths_of_hostile_urls_are_not_sent() {
    let dir = tmp_dir("attack-hostile-urls");
    let pages = page(
        &dir,
        "hostile",
        &[
            ("me", "https://graph.microsoft.com/v1.0/me"),
            (
                "backslash_host",
                r"https://graph.microsoft.com\v1.0\admin/v1.0/me",
            ),
            ("space", "https://graph.microsoft.com/v1.0/me%20"),
            ("tab", "https://graph.microsoft.com/v1.0/me/messages%09"),
        ],
    );
    let (server, seen) = service();
    let r = check(&server, &dir, &pages, &["--metadata-from-target"]);
    assert_eq!(
        verdicts(&r.report),
        want(&[
            ("me", "pass"),
            ("backslash_host", "not-implemented"),
            ("space", "not-implemented"),
            ("tab", "not-implemented"),
        ]),
        "{}",
        r.text
    );
    assert_eq!(
        sorted(&seen),
        ["GET /v1.0/$metadata", "GET /v1.0/me"],
        "{}",
        r.text
    );
}

/// A relative URL under `/beta` is resolved against beta's `$metadata`
/// (fetched for it), not against the one version the absolute URLs name:
/// beta does not declare `me`, so `/beta/me` is not sent.
#[test]
fn a_relative_url_is_resolved_against_its_own_version() {
    let dir = tmp_dir("attack-relative-version");
    let pages = page(
        &dir,
        "relative",
        &[
            ("me", "https://graph.microsoft.com/v1.0/me"),
            ("beta_me", "/beta/me"),
            ("beta_users", "/beta/users/{id}"),
        ],
    );
    let (server, seen) = service();
    let r = check(&server, &dir, &pages, &["--metadata-from-target"]);
    assert_eq!(
        verdicts(&r.report),
        want(&[
            ("me", "pass"),
            ("beta_me", "not-implemented"),
            ("beta_users", "fail"),
        ]),
        "{}",
        r.text
    );
    // The user's id is a generated value: its segment is left out.
    let seen: Vec<String> = sorted(&seen)
        .into_iter()
        .map(|p| match p.strip_prefix("GET /beta/users/") {
            Some(_) => "GET /beta/users/{id}".to_owned(),
            None => p,
        })
        .collect();
    assert_eq!(
        seen,
        [
            "GET /beta/$metadata",
            "GET /beta/users/{id}",
            "GET /v1.0/$metadata",
            "GET /v1.0/me",
        ],
        "{}",
        r.text
    );
}

/// Pages naming more versions than are fetched: the schema judge does not
/// fetch the others one by one either (the note says they are judged
/// without `$metadata`, and they are).
#[test]
fn versions_past_the_cap_are_not_fetched_by_the_schema_judge() {
    let dir = tmp_dir("attack-versions");
    let urls: Vec<(String, String)> = (0..20)
        .map(|i| {
            (
                format!("v{i}"),
                format!("https://graph.microsoft.com/v{i}/me"),
            )
        })
        .collect();
    let examples: Vec<(&str, &str)> = urls.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let pages = page(&dir, "versions", &examples);
    let metadata = std::fs::read_to_string(crate_path("fixtures/partial/service.csdl")).unwrap();
    let fetched = Arc::new(Mutex::new(0usize));
    let count = fetched.clone();
    let server = serve(move |req: Req| {
        if req.path.ends_with("/$metadata") {
            *count.lock().unwrap() += 1;
            return Resp {
                status: 200,
                headers: vec![("Content-Type".into(), "application/xml".into())],
                body: metadata.as_bytes().to_vec(),
            };
        }
        Resp::json(
            200,
            &json!({"id": "1", "@odata.type": "#microsoft.graph.user"}),
        )
    });
    let r = check(&server, &dir, &pages, &["--metadata-from-target"]);
    assert!(
        r.text.contains(
            "the pages name 20 version segments: the $metadata of the first 8 is fetched (the most used)"
        ),
        "{}",
        r.text
    );
    assert_eq!(*fetched.lock().unwrap(), 8, "{}", r.text);
}

/// `--send-undeclared` sends the undeclared examples, but they stay not
/// implemented in the coverage: the service declares 3 operations, not 6,
/// and they were sent, which the line says.
#[test]
fn sent_undeclared_examples_are_still_not_declared_in_the_coverage() {
    let dir = tmp_dir("attack-send-undeclared");
    let (server, seen) = service();
    let pages = crate_path("fixtures/partial");
    let r = check(
        &server,
        &dir,
        &pages,
        &["--metadata-from-target", "--send-undeclared"],
    );
    assert_eq!(r.code, Some(1), "{}", r.text);
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().any(|p| p.contains("/groups")), "{seen:?}");
    let total = &r.report["coverage"]["total"];
    assert_eq!(
        (
            total["operations"].as_u64(),
            total["not_implemented"].as_u64(),
            total["failing"].as_u64(),
        ),
        (Some(6), Some(3), Some(2)),
        "{total}"
    );
    assert_eq!(r.report["coverage"]["undeclared_sent"], 3, "{}", r.text);
    assert!(
        r.stdout.contains(
            "the service declares 3: 1 conforming, 2 failing; 3 not implemented \
             (not in its $metadata; 3 examples of theirs sent by --send-undeclared)"
        ),
        "{}",
        r.text
    );
    // Without the flag, the line says they were not sent.
    let r = check(&server, &dir, &pages, &["--metadata-from-target"]);
    assert!(
        r.stdout
            .contains("3 not implemented (not in its $metadata, not sent)"),
        "{}",
        r.text
    );
}

/// One area whatever the case the docs write it in.
#[test]
fn an_area_is_one_whatever_its_case() {
    let dir = tmp_dir("attack-area-case");
    let pages = page(
        &dir,
        "area",
        &[
            ("me", "https://graph.microsoft.com/v1.0/me"),
            ("me_events", "https://graph.microsoft.com/v1.0/ME/events"),
            (
                "me_messages",
                "https://graph.microsoft.com/v1.0/Me/messages",
            ),
        ],
    );
    let (server, _) = service();
    let r = check(&server, &dir, &pages, &["--metadata-from-target"]);
    let areas: Vec<&String> = r.report["coverage"]["areas"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(areas, ["me"], "{}", r.text);
}

// ------------------------------------------------------- what is printed

/// `--min-coverage` as people read it: a threshold of 0 is met by any
/// run (one where nothing could be judged too); `-0` and `1e-300` print
/// as `0`; a figure is never rounded up to one that reads as meeting the
/// threshold.
#[test]
fn min_coverage_reads_right() {
    let dir = tmp_dir("attack-min-coverage");
    let (server, _) = service();
    let pages = crate_path("fixtures/partial");
    // (value, filter, exit code, a line of the output)
    let rows: &[(&str, &str, i32, &str)] = &[
        // Nothing judged (the one case is not implemented).
        (
            "0",
            "list_groups",
            0,
            "none of the declared operations that ran could be judged (--min-coverage 0%: met)",
        ),
        (
            "0.5",
            "list_groups",
            1,
            "coverage unknown, below --min-coverage 0.5%",
        ),
        ("-0", "user-get::get_me", 0, "(--min-coverage 0%: met)"),
        ("1e-300", "user-get::get_me", 0, "(--min-coverage 0%: met)"),
        (
            "33.34",
            "user-get::get_me",
            0,
            "(--min-coverage 33.34%: met)",
        ),
    ];
    for (value, filter, code, line) in rows {
        let r = check(
            &server,
            &dir,
            &pages,
            &[
                "--metadata-from-target",
                &format!("--min-coverage={value}"),
                "--filter",
                filter,
            ],
        );
        assert_eq!(r.code, Some(*code), "{value}: {}", r.text);
        assert!(r.text.contains(line), "{value}: want {line:?}\n{}", r.text);
    }
    // (figure, shown)
    for (p, want) in [
        (99.96, "99.9"),
        (99.99999, "99.9"),
        (100.0, "100.0"),
        (57.3, "57.3"),
        (100.0 / 3.0, "33.3"),
        (0.0, "0.0"),
    ] {
        assert_eq!(percent_text(p), want, "{p}");
    }
    for (min, want) in [
        (-0.0, "0"),
        (1e-300, "0"),
        (50.0, "50"),
        (33.34, "33.34"),
        (100.0, "100"),
    ] {
        assert_eq!(min_text(min), want, "{min}");
    }
}

/// Singular and plural right: `running 1 case`, `1 example path`.
#[test]
fn one_case_and_one_path_are_singular() {
    let dir = tmp_dir("attack-plural");
    let pages = page(
        &dir,
        "one",
        &[
            ("me", "https://graph.microsoft.com/v1.0/me"),
            ("unbalanced", "https://graph.microsoft.com/v1.0/users('x"),
        ],
    );
    let (server, _) = service();
    let r = check(
        &server,
        &dir,
        &pages,
        &["--metadata-from-target", "--filter", "::me"],
    );
    assert!(r.stdout.contains("\nrunning 1 case\n"), "{}", r.text);
    let r = check(&server, &dir, &pages, &["--metadata-from-target"]);
    assert!(r.stdout.contains("\nrunning 2 cases\n"), "{}", r.text);
    assert!(
        r.text
            .contains("warning: 1 example path could not be resolved against the $metadata"),
        "{}",
        r.text
    );
}

/// Under `cargo nextest run --run-ignored only` (or `cargo test --
/// --ignored`), a not-implemented case is one that cannot run: it fails
/// saying why, and is never reported as passed (nextest counts an exit 0
/// as a pass) — as the cases that cannot run for other reasons.
#[test]
fn a_not_implemented_case_run_as_ignored_never_passes() {
    let (server, seen) = service();
    let nextest = [
        ("NEXTEST", "1".to_owned()),
        ("NEXTEST_EXECUTION_MODE", "process-per-test".to_owned()),
    ];
    let pages = crate_path("fixtures/partial");
    let meta = small();
    for extra in [&[][..], &nextest[..]] {
        let mut env: HashMap<String, String> = HashMap::from([
            ("TARGET_URL".into(), server.url.clone()),
            ("GRAPH_CONTRACT_SPECS".into(), pages.display().to_string()),
            ("GRAPH_CONTRACT_METADATA_FROM_TARGET".into(), "1".into()),
            ("GRAPH_CONTRACT_FILL_PLACEHOLDERS".into(), "1".into()),
        ]);
        for (k, v) in extra {
            env.insert(k.to_string(), v.clone());
        }
        let log = support::harness_log();
        let argv = ["contract", "--logfile", &log, "--ignored"];
        let o = harness::run(
            libtest_mimic::Arguments::from_iter(argv),
            &Env::from_pairs(env),
        )
        .expect("the harness runs");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("test [")).collect();
        assert_eq!(lines.len(), 3, "{extra:?}: {text}");
        assert!(
            lines.iter().all(|l| l.ends_with(" ... FAILED")),
            "{extra:?}: {text}"
        );
        assert!(
            text.contains("cannot run: not implemented: no entity set or singleton \"groups\""),
            "{extra:?}: {text}"
        );
        assert_eq!(o.code, 101, "{extra:?}: {text}");
        let coverage = graph_contract::run::Coverage::of(
            &o.cases,
            &o.results,
            &graph_contract::run::coverage::paths(&o.cases, |_| {
                graph_contract::run::coverage::Against::Metadata(&meta)
            }),
            None,
            None,
        );
        // Failed as "cannot run", they were not sent: the coverage does not
        // say they were.
        assert_eq!(coverage.total.not_implemented, 3, "{extra:?}: {text}");
        assert_eq!(coverage.undeclared_sent, 0, "{extra:?}: {text}");
        let seen = seen.lock().unwrap().clone();
        assert!(
            !seen
                .iter()
                .any(|p| p.contains("groups") || p.contains("events") || p.contains("sendMail")),
            "{seen:?}"
        );
    }
}
