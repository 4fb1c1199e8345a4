//! A partial service, as every Graph-compatible one is: it declares `me`,
//! `users` and `me/messages` in its own `$metadata`, answers `GET /me` as
//! documented, `GET /me/messages` with a drift (a message without
//! `subject`) and `GET /users/{id}` with 404. The pages also document
//! `/groups`, `/me/events` and `/me/sendMail`, which it does not declare.
//!
//! What must hold: the undeclared paths are not implemented (never sent,
//! their own verdict in every report, no failure), the declared path
//! answered 404 and the drift still fail (the drift with its pointer), the
//! coverage counts them, and `--min-coverage` holds the run to a figure.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use support::{Resp, TestServer, binary, crate_path, output_text, serve, tmp_dir};

const PAGES: &str = "fixtures/partial";

/// The service, and the paths it was asked for.
fn service() -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let csdl = std::fs::read(crate_path("fixtures/partial/service.csdl")).unwrap();
    let server = serve(move |req| {
        log.lock()
            .unwrap()
            .push(format!("{} {}", req.method, req.path));
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/v1.0/$metadata") => Resp {
                status: 200,
                headers: vec![("Content-Type".into(), "application/xml".into())],
                body: csdl.clone(),
            },
            ("GET", "/v1.0/me") => Resp::json(
                200,
                &json!({"id": "1", "displayName": "Adele", "mail": "a@contoso.com"}),
            ),
            ("GET", "/v1.0/me/messages") => Resp::json(200, &json!({"value": [{"id": "m1"}]})),
            _ => Resp::json(
                404,
                &json!({"error": {"code": "ResourceNotFound", "message": "no"}}),
            ),
        }
    });
    (server, seen)
}

/// `check` over the pages against the service, with `args`; the exit code,
/// the output, and the JSON report.
fn check(server: &TestServer, name: &str, args: &[&str]) -> (Option<i32>, String, Value) {
    let dir = tmp_dir(name);
    let json_path = dir.join("report.json");
    let out = binary()
        .args([
            "check",
            PAGES,
            "--target",
            &server.url,
            "--fill-placeholders",
        ])
        .args(args)
        .arg("--json")
        .arg(&json_path)
        .output()
        .unwrap();
    let text = output_text(&out);
    let report = std::fs::read_to_string(&json_path)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (out.status.code(), text, report)
}

/// Case name → verdict, from the JSON report.
fn verdicts(report: &Value) -> BTreeMap<String, String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let id = c["id"].as_str().unwrap();
            let name = id.rsplit("::").next().unwrap().to_owned();
            (name, c["verdict"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"].as_str().unwrap().ends_with(&format!("::{name}")))
        .unwrap()
}

#[test]
fn undeclared_paths_are_not_implemented_and_not_sent() {
    for (source, args) in [
        ("target", vec!["--metadata-from-target"]),
        ("file", vec!["--metadata", "fixtures/partial/service.csdl"]),
    ] {
        let (server, seen) = service();
        let (code, text, report) = check(&server, &format!("partial-{source}"), &args);
        assert_eq!(code, Some(1), "{source}: {text}");
        let want: BTreeMap<String, String> = [
            ("get_me", "pass"),
            ("get_user", "fail"),
            ("get_messages", "fail"),
            ("get_events", "not-implemented"),
            ("list_groups", "not-implemented"),
            ("user_sendmail", "not-implemented"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
        assert_eq!(verdicts(&report), want, "{source}: {text}");

        // Nothing undeclared reached the service.
        let seen = seen.lock().unwrap().clone();
        for path in &seen {
            assert!(
                !["groups", "events", "sendMail"]
                    .iter()
                    .any(|p| path.contains(p)),
                "{source}: sent {path}: {seen:?}"
            );
        }
        assert!(seen.contains(&"GET /v1.0/me".to_owned()), "{seen:?}");

        // The not-implemented verdict says why, naming the segment.
        let groups = case(&report, "list_groups");
        assert_eq!(groups["reason_kind"], "not-implemented");
        assert!(
            groups["reason"].as_str().unwrap().contains("groups"),
            "{groups}"
        );
        let events = case(&report, "get_events");
        assert!(
            events["reason"].as_str().unwrap().contains("events"),
            "{events}"
        );
        // The drift still fails, at its pointer; the declared path answered
        // 404 is a failure.
        let drift = case(&report, "get_messages");
        assert!(
            drift["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["pointer"] == "/value/0/subject" && f["kind"] == "missing"),
            "{drift}"
        );
        assert_eq!(case(&report, "get_user")["status"], 404);

        // The counts.
        let s = &report["summary"];
        assert_eq!(
            (&s["passed"], &s["failed"], &s["not_implemented"]),
            (&json!(1), &json!(2), &json!(3)),
            "{s}"
        );
        let total = &report["coverage"]["total"];
        assert_eq!(
            [
                &total["operations"],
                &total["conforming"],
                &total["failing"],
                &total["not_implemented"]
            ],
            [&json!(6), &json!(1), &json!(2), &json!(3)],
            "{total}"
        );
        assert_eq!(report["coverage"]["with_metadata"], true);
        // The model: every declaration addressed, `me` by a passing example.
        let kinds = &report["coverage"]["model"]["kinds"];
        for (kind, declared, documented, passing) in [
            ("singleton", 1, 1, 1),
            ("entity-set", 1, 1, 0),
            ("navigation", 1, 1, 0),
        ] {
            assert_eq!(
                (
                    &kinds[kind]["declared"],
                    &kinds[kind]["documented"],
                    &kinds[kind]["passing"]
                ),
                (&json!(declared), &json!(documented), &json!(passing)),
                "{source} {kind}: {kinds}"
            );
        }
        // A passing case's warnings are one line each under it, and the
        // status lines come in case order whatever the concurrency.
        let lines: Vec<&str> = text.lines().collect();
        let me = lines
            .iter()
            .position(|l| l.starts_with("test user-get::get_me ... ok (warnings)"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(lines[me + 1].starts_with("    warning: "), "{text}");
        let printed: Vec<&str> = lines
            .iter()
            .filter(|l| !l.starts_with("test result:"))
            .filter_map(|l| l.strip_prefix("test ")?.split(" ... ").next())
            .collect();
        let ids: Vec<&str> = report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(printed, ids, "{text}");
        // The terminal says it too.
        assert!(
            text.contains("1 passed; 2 failed; 0 ignored; 3 not implemented"),
            "{text}"
        );
        assert!(text.contains("1 × status 404, documented 200"), "{text}");
        assert!(text.contains("1 × /value/0/subject: missing"), "{text}");
    }
}

#[test]
fn junit_summary_and_baseline_treat_not_implemented_as_its_own_verdict() {
    let (server, _) = service();
    let dir = tmp_dir("partial-reports");
    let (junit, summary, baseline) = (
        dir.join("junit.xml"),
        dir.join("summary.md"),
        dir.join("baseline.txt"),
    );
    let out = binary()
        .args([
            "check",
            PAGES,
            "--target",
            &server.url,
            "--fill-placeholders",
        ])
        .args(["--metadata-from-target", "-q"])
        .arg("--junit")
        .arg(&junit)
        .arg("--summary")
        .arg(&summary)
        .arg("--write-baseline")
        .arg(&baseline)
        .output()
        .unwrap();
    let text = output_text(&out);
    // -q: no status lines, so no warning lines either.
    assert!(!text.contains("test user-get::get_me"), "{text}");
    assert!(!text.contains("    warning: "), "{text}");
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(
        junit
            .matches("<skipped message=\"not implemented: ")
            .count(),
        3,
        "{junit}"
    );
    assert!(junit.contains("failures=\"2\" skipped=\"3\""), "{junit}");
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.contains("3 not implemented"), "{summary}");
    assert!(summary.contains("### Coverage"), "{summary}");
    assert!(summary.contains("### Failures by cause"), "{summary}");
    // Only the failures are known failures: not the paths not implemented.
    let baseline = std::fs::read_to_string(&baseline).unwrap();
    let ids: Vec<&str> = baseline.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        ids,
        ["user-get::get_user", "user-list-messages::get_messages"],
        "{text}"
    );
}

#[test]
fn min_coverage_holds_the_run_to_a_figure() {
    let (server, _) = service();
    let dir = tmp_dir("partial-coverage");
    let baseline = dir.join("baseline.txt");
    std::fs::write(
        &baseline,
        "user-get::get_user\nuser-list-messages::get_messages\n",
    )
    .unwrap();
    let baseline = baseline.to_str().unwrap();
    // The two failures are known: only the coverage can fail the run. 1 of
    // the 3 declared operations that ran conforms: 33.3%.
    let rows: &[(&str, Option<i32>, &str)] = &[
        ("30", Some(0), "(--min-coverage 30%: met)"),
        ("33.3%", Some(0), "met"),
        ("34", Some(1), "coverage 33.3% is below --min-coverage 34%"),
        (
            "50",
            Some(1),
            "1 of 3 of the operations the service declares",
        ),
        ("101", Some(2), "--min-coverage"),
        ("lots", Some(2), "not a number"),
    ];
    for (min, code, says) in rows {
        let (got, text, _) = check(
            &server,
            "partial-min",
            &[
                "--metadata-from-target",
                "-q",
                "--baseline",
                baseline,
                "--min-coverage",
                min,
            ],
        );
        assert_eq!(got, *code, "--min-coverage {min}: {text}");
        assert!(text.contains(says), "--min-coverage {min}: {text}");
    }
}

#[test]
fn send_undeclared_sends_them_and_judges_them() {
    let (server, seen) = service();
    let (code, text, report) = check(
        &server,
        "partial-send",
        &["--metadata-from-target", "--send-undeclared"],
    );
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(verdicts(&report)["list_groups"], "fail", "{text}");
    assert!(
        seen.lock()
            .unwrap()
            .contains(&"GET /v1.0/groups".to_owned())
    );
    // Without metadata it has nothing to say.
    let (code, text, _) = check(&server, "partial-send-alone", &["--send-undeclared"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("--send-undeclared needs --metadata"),
        "{text}"
    );
}

#[test]
fn without_metadata_the_not_found_operations_are_counted_apart() {
    let (server, _) = service();
    let (code, text, report) = check(&server, "partial-none", &["-q"]);
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(report["coverage"]["with_metadata"], false);
    assert_eq!(report["coverage"]["total"]["not_implemented"], 0);
    // groups, events, users/{id} answered 404; sendMail 404 too.
    assert_eq!(
        report["coverage"]["total"]["not_found"], 4,
        "{}",
        report["coverage"]
    );
    assert!(
        text.contains("4 of the failing answered only 404, 405 or 501: probably not implemented"),
        "{text}"
    );
    // One line per status failure, not a block.
    assert!(
        text.contains(
            "group-list::list_groups (fixtures/partial/group-list.md:5): status 404, documented 200"
        ),
        "{text}"
    );
    assert!(
        !text.contains("---- group-list::list_groups ----"),
        "{text}"
    );
    assert!(
        text.contains("---- user-list-messages::get_messages ----"),
        "{text}"
    );
}

/// Under `cargo test` (the harness, from its variables): the same verdicts,
/// and the coverage fails the run below its figure.
#[test]
fn the_harness_says_the_same() {
    use graph_contract::harness;
    use graph_contract::run::Verdict;
    let (server, seen) = service();
    let dir = tmp_dir("partial-harness");
    let baseline = dir.join("baseline.txt");
    std::fs::write(
        &baseline,
        "user-get::get_user\nuser-list-messages::get_messages\n",
    )
    .unwrap();
    for (min, code) in [("30", 0), ("50", 101)] {
        let env = graph_contract::config::Env::from_pairs([
            ("TARGET_URL".to_owned(), server.url.clone()),
            (
                "GRAPH_CONTRACT_SPECS".to_owned(),
                crate_path(PAGES).display().to_string(),
            ),
            (
                "GRAPH_CONTRACT_METADATA_FROM_TARGET".to_owned(),
                "1".to_owned(),
            ),
            (
                "GRAPH_CONTRACT_FILL_PLACEHOLDERS".to_owned(),
                "1".to_owned(),
            ),
            (
                "GRAPH_CONTRACT_BASELINE".to_owned(),
                baseline.display().to_string(),
            ),
            ("GRAPH_CONTRACT_MIN_COVERAGE".to_owned(), min.to_owned()),
        ]);
        let log = support::harness_log();
        let args = libtest_mimic::Arguments::from_iter(["partial", "--quiet", "--logfile", &log]);
        let o = harness::run(args, &env).unwrap();
        assert_eq!(o.code, code, "--min-coverage {min}");
        let not_implemented: Vec<&str> = o
            .results
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::NotImplemented(_)))
            .map(|r| o.cases[r.index].name.as_str())
            .collect();
        assert_eq!(
            not_implemented.len(),
            3,
            "{not_implemented:?} of {:?}",
            o.results.iter().map(|r| &r.verdict).collect::<Vec<_>>()
        );
    }
    assert!(!seen.lock().unwrap().iter().any(|p| p.contains("groups")));
}

/// A service that serves `/v1.0/$metadata` and answers 404 for
/// `/beta/$metadata` serves no beta: its beta examples are not implemented,
/// and nothing under /beta is sent.
#[test]
fn a_version_whose_metadata_is_not_served_is_not_implemented() {
    let (server, seen) = service();
    let dir = tmp_dir("partial-beta");
    std::fs::write(
        dir.join("beta.md"),
        "<!-- { \"blockType\": \"request\", \"name\": \"beta_me\" } -->\n```http\n\
         GET https://graph.microsoft.com/beta/me\n```\n\
         <!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 200 OK\n```\n",
    )
    .unwrap();
    let out = binary()
        .args(["check", "--target", &server.url, "--metadata-from-target"])
        .arg(dir.join("beta.md"))
        .arg(crate_path("fixtures/partial/user-get.md"))
        .args(["--filter", "me"])
        .output()
        .unwrap();
    let text = output_text(&out);
    assert!(
        text.contains("beta::beta_me ... not implemented, the service serves no /beta/$metadata"),
        "{text}"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(seen.contains(&"GET /beta/$metadata".to_owned()), "{seen:?}");
    assert!(!seen.contains(&"GET /beta/me".to_owned()), "{seen:?}");
    // Only the v1.0 example ran, and it passes: the run passes.
    assert_eq!(out.status.code(), Some(0), "{text}");
}

/// `--min-coverage` and runs that judge nothing: an empty selection has
/// nothing to fall short of; a run of not-implemented cases only meets 0
/// and falls short of anything above.
#[test]
fn min_coverage_when_nothing_is_judged() {
    let (server, _) = service();
    for (min, code) in [("0", Some(0)), ("10", Some(1))] {
        let (got, text, _) = check(
            &server,
            "partial-nothing",
            &[
                "--metadata-from-target",
                "--filter",
                "list_groups",
                "--min-coverage",
                min,
            ],
        );
        assert_eq!(got, code, "--min-coverage {min}: {text}");
        assert!(text.contains("1 not implemented"), "{text}");
    }
}
