//! Issue #15, the OData protocol judge, through the binary: a service that
//! honours the documented request's query options passes; one that breaks
//! each of them fails with that option's finding; paging follows
//! `@odata.nextLink` only on the target, judges each page, and names it.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use support::{Resp, TestServer, crate_path, gc, serve, tmp_dir};

const PAGE: &str = "fixtures/odata/users-query.md";

/// How the service misbehaves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Breach {
    None,
    Top,
    Count,
    Orderby,
    Select,
    ErrorEnvelope,
    /// The next link of page 1 points at Graph itself.
    OffHost,
    /// Page 2 breaks `$top`.
    SecondPage,
    /// Page 2 answers 500.
    SecondPageFails,
    /// Page 1 carries a delta link too.
    NextAndDelta,
    Filter,
}

fn users(names: &[&str]) -> Value {
    json!({"value": names.iter().enumerate().map(|(i, n)| json!({"id": i.to_string(), "displayName": n})).collect::<Vec<_>>()})
}

fn messages(ids: &[(&str, &str)], next: Option<String>) -> Value {
    let mut v = json!({"value": ids.iter().map(|(id, at)| json!({"id": id, "receivedDateTime": at})).collect::<Vec<_>>()});
    if let Some(n) = next {
        v["@odata.nextLink"] = json!(n);
    }
    v
}

/// The service, and every path (with query) it was asked for.
fn service(breach: Breach) -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let base = Arc::new(Mutex::new(String::new()));
    let base2 = base.clone();
    let server = serve(move |req| {
        let q = req.query.clone().unwrap_or_default();
        log.lock().unwrap().push(format!("{}?{q}", req.path));
        let host = req.header("host").unwrap_or("").to_owned();
        let me = format!("http://{host}");
        *base2.lock().unwrap() = me.clone();
        let b = breach;
        let body = match req.path.as_str() {
            "/v1.0/users" if b == Breach::ErrorEnvelope => {
                return Resp {
                    status: 404,
                    headers: vec![("Content-Type".into(), "text/plain".into())],
                    body: b"not found".to_vec(),
                };
            }
            "/v1.0/users" if b == Breach::Top => users(&["a", "b", "c"]),
            "/v1.0/users" => users(&["a", "b"]),
            "/v1.0/groups" if b == Breach::Count => users(&["a", "b"]),
            "/v1.0/groups" => {
                let mut v = users(&["a", "b"]);
                v["@odata.count"] = json!(7);
                v
            }
            "/v1.0/contacts" if b == Breach::Orderby => users(&["bob", "Adele"]),
            "/v1.0/contacts" => users(&["Adele", "bob", "Carl"]),
            "/v1.0/people" if b == Breach::Filter => users(&["Adele", "Bob"]),
            "/v1.0/people" => users(&["Al", "adele"]),
            "/v1.0/devices" if b == Breach::Select => json!({"value": [{
                "id": "1", "displayName": "d", "deviceId": "x", "operatingSystem": "w",
                "trustType": "t", "isCompliant": true
            }]}),
            "/v1.0/devices" => json!({"value": [{"id": "1", "displayName": "d"}]}),
            "/v1.0/me/messages" => {
                let page: u32 = q
                    .split('&')
                    .find_map(|p| p.strip_prefix("$skiptoken="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                let next = |n: u32| Some(format!("{me}/v1.0/me/messages?$top=2&$skiptoken={n}"));
                match page {
                    1 if b == Breach::OffHost => messages(
                        &[
                            ("m1", "2024-01-03T00:00:00Z"),
                            ("m2", "2024-01-02T00:00:00Z"),
                        ],
                        Some("https://graph.microsoft.com/v1.0/me/messages?$skiptoken=2".into()),
                    ),
                    1 if b == Breach::NextAndDelta => {
                        let mut v = messages(&[("m1", "2024-01-03T00:00:00Z")], next(2));
                        v["@odata.deltaLink"] = json!(format!("{me}/v1.0/me/messages/delta"));
                        v
                    }
                    1 => messages(
                        &[
                            ("m1", "2024-01-06T00:00:00Z"),
                            ("m2", "2024-01-05T00:00:00Z"),
                        ],
                        next(2),
                    ),
                    2 if b == Breach::SecondPageFails => {
                        return Resp::json(
                            500,
                            &json!({"error": {"code": "x", "message": "boom"}}),
                        );
                    }
                    2 if b == Breach::SecondPage => messages(
                        &[
                            ("m3", "2024-01-04T00:00:00Z"),
                            ("m4", "2024-01-03T00:00:00Z"),
                            ("m5", "2024-01-02T00:00:00Z"),
                        ],
                        next(3),
                    ),
                    2 => messages(
                        &[
                            ("m3", "2024-01-04T00:00:00Z"),
                            ("m4", "2024-01-03T00:00:00Z"),
                        ],
                        next(3),
                    ),
                    3 => messages(&[("m5", "2024-01-02T00:00:00Z")], next(4)),
                    _ => messages(&[], None),
                }
            }
            _ => {
                return Resp::json(
                    404,
                    &json!({"error": {"code": "Request_ResourceNotFound", "message": "no"}}),
                );
            }
        };
        Resp::json(200, &body)
    });
    (server, seen)
}

/// Case name → its findings as `kind severity: message`.
fn check(
    server: &TestServer,
    name: &str,
    args: &[&str],
) -> (Option<i32>, BTreeMap<String, Vec<String>>, String) {
    let dir = tmp_dir(name);
    let json_path = dir.join("report.json");
    let mut a = vec![
        "check".to_owned(),
        crate_path(PAGE).display().to_string(),
        "--target".into(),
        server.url.clone(),
        "--json".into(),
        json_path.display().to_string(),
    ];
    a.extend(args.iter().map(|s| s.to_string()));
    let run = gc(&a);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap_or_default())
            .unwrap_or(Value::Null);
    let mut out = BTreeMap::new();
    for c in report["cases"].as_array().into_iter().flatten() {
        let name = c["id"]
            .as_str()
            .unwrap()
            .rsplit("::")
            .next()
            .unwrap()
            .to_owned();
        let findings = c["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"].as_str().unwrap().starts_with("odata"))
            .map(|f| {
                format!(
                    "{} {}: {}",
                    f["kind"].as_str().unwrap(),
                    f["severity"].as_str().unwrap(),
                    f["message"].as_str().unwrap()
                )
            })
            .collect();
        out.insert(name, findings);
    }
    (run.code, out, format!("{run}"))
}

#[test]
fn a_service_that_honours_every_option_passes() {
    let (server, seen) = service(Breach::None);
    let (code, findings, run) = check(&server, "odata-honours", &[]);
    assert_eq!(code, Some(0), "{run}");
    assert!(findings.values().all(Vec::is_empty), "{findings:#?}");
    // Pages 2 and 3 were followed (the default: 2 further pages), not 4.
    let pages: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|p| p.starts_with("/v1.0/me/messages"))
        .cloned()
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[2].contains("skiptoken=3"), "{pages:?}");
}

#[test]
fn each_broken_option_is_its_own_finding() {
    // (breach, the case that fails, the finding it carries, exit code)
    let rows: &[(Breach, &str, &str, i32)] = &[
        (
            Breach::Top,
            "list_top",
            "odata-top error: $top=2 asks for at most 2 elements; the page holds 3",
            1,
        ),
        (
            Breach::Count,
            "list_count",
            "odata-count error: $count=true asks for @odata.count",
            1,
        ),
        (
            Breach::Orderby,
            "list_orderby",
            "odata-orderby error: displayName \"Adele\" comes after \"bob\" (asc)",
            1,
        ),
        (
            Breach::Select,
            "list_select",
            "odata-select warning: $select=displayName was ignored: 4 properties not selected",
            0,
        ),
        (
            Breach::ErrorEnvelope,
            "list_top",
            "odata-error warning: a 404 answer without the OData error envelope",
            1,
        ),
        (
            Breach::OffHost,
            "list_messages",
            "odata-paging error: @odata.nextLink points at https://graph.microsoft.com/v1.0/me/messages, not at the target",
            1,
        ),
        (
            Breach::SecondPage,
            "list_messages",
            "odata-top error: page 2: /value: $top=2 asks for at most 2 elements; the page holds 3",
            1,
        ),
        (
            Breach::SecondPageFails,
            "list_messages",
            "odata-paging error: page 2: the @odata.nextLink of page 1 was answered 500",
            1,
        ),
        (
            Breach::Filter,
            "list_filter",
            "odata-filter error: does not satisfy $filter: startswith(displayName,'a') is false",
            1,
        ),
        (
            Breach::NextAndDelta,
            "list_messages",
            "odata-paging error: a page carries both @odata.nextLink and @odata.deltaLink",
            1,
        ),
    ];
    for (breach, case, want, code) in rows {
        let (server, seen) = service(*breach);
        let (got_code, findings, run) = check(&server, &format!("odata-{breach:?}"), &[]);
        assert_eq!(got_code, Some(*code), "{breach:?}\n{run}");
        let f = &findings[*case];
        assert!(f.iter().any(|m| m.starts_with(want)), "{breach:?}: {f:#?}");
        // Every other case has nothing of the protocol to say.
        for (other, f) in &findings {
            if other != case {
                assert!(f.is_empty(), "{breach:?}: {other}: {f:?}");
            }
        }
        if *breach == Breach::OffHost {
            let asked = seen
                .lock()
                .unwrap()
                .iter()
                .filter(|p| p.contains("skiptoken"))
                .count();
            assert_eq!(asked, 0, "a link elsewhere is never requested");
        }
    }
}

#[test]
fn strict_off_and_follow_pages_are_honoured() {
    let (server, _) = service(Breach::Select);
    let (code, findings, run) = check(&server, "odata-strict", &["--odata", "strict"]);
    assert_eq!(code, Some(1), "{run}");
    assert!(
        findings["list_select"][0].starts_with("odata-select error"),
        "{findings:#?}"
    );
    let (server, _) = service(Breach::Top);
    let (code, findings, run) = check(&server, "odata-off", &["--odata", "off"]);
    assert_eq!(code, Some(0), "{run}");
    assert!(findings.values().all(Vec::is_empty), "{findings:#?}");
    for (n, pages) in [("0", 1), ("1", 2), ("5", 4)] {
        let (server, seen) = service(Breach::None);
        let (code, _, run) = check(
            &server,
            &format!("odata-follow-{n}"),
            &["--follow-pages", n],
        );
        assert_eq!(code, Some(0), "{run}");
        let asked = seen
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.starts_with("/v1.0/me/messages"))
            .count();
        assert_eq!(asked, pages, "--follow-pages {n}");
    }
    // Off-host is an error even when no page is followed.
    let (server, _) = service(Breach::OffHost);
    let (code, _, run) = check(&server, "odata-follow-0-offhost", &["--follow-pages", "0"]);
    assert_eq!(code, Some(1), "{run}");
    let run = gc(["check", PAGE, "--odata", "sometimes"]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("--odata") && run.stderr.contains("off, on or strict"),
        "{run}"
    );
}

#[test]
fn list_json_names_the_rules_of_each_case() {
    let run = gc(["list", PAGE, "--json"]);
    assert_eq!(run.code, Some(0), "{run}");
    let rules: BTreeMap<String, Vec<String>> = run
        .stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["id"]
                    .as_str()
                    .unwrap()
                    .rsplit("::")
                    .next()
                    .unwrap()
                    .to_owned(),
                serde_json::from_value(v["odata"].clone()).unwrap(),
            )
        })
        .collect();
    assert_eq!(rules["list_top"], ["top", "paging", "error-envelope"]);
    assert_eq!(
        rules["list_messages"],
        ["top", "orderby", "paging", "error-envelope"]
    );
    assert_eq!(rules["get_missing"], ["paging", "error-envelope"]);
}

/// Under `cargo test` (the harness, its knobs from the environment): the
/// same rules, `GRAPH_CONTRACT_ODATA=off` turns them off, and
/// `GRAPH_CONTRACT_FOLLOW_PAGES` bounds the pages followed.
#[test]
fn the_harness_judges_the_protocol_too() {
    use graph_contract::config::Env;
    use graph_contract::harness;
    let run = |breach: Breach, env: &[(&str, &str)]| {
        let (server, seen) = service(breach);
        let mut vars: Vec<(String, String)> = vec![
            ("TARGET_URL".into(), server.url.clone()),
            (
                "GRAPH_CONTRACT_SPECS".into(),
                crate_path(PAGE).display().to_string(),
            ),
        ];
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let log = support::harness_log();
        let o = harness::run(
            libtest_mimic::Arguments::from_iter(["contract", "--logfile", &log]),
            &Env::from_pairs(vars),
        )
        .unwrap();
        let kinds: Vec<String> = o
            .results
            .iter()
            .flat_map(|r| r.findings.iter())
            .map(|f| {
                serde_json::to_value(f.kind)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .filter(|k| k.starts_with("odata"))
            .collect();
        let pages = seen
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.starts_with("/v1.0/me/messages"))
            .count();
        (o.code, kinds, pages)
    };
    let (code, kinds, _) = run(Breach::Top, &[]);
    assert_eq!((code, kinds), (101, vec!["odata-top".to_owned()]));
    let (code, kinds, _) = run(Breach::Top, &[("GRAPH_CONTRACT_ODATA", "off")]);
    assert_eq!((code, kinds), (0, vec![]));
    let (code, _, pages) = run(Breach::None, &[("GRAPH_CONTRACT_FOLLOW_PAGES", "0")]);
    assert_eq!((code, pages), (0, 1));
}
