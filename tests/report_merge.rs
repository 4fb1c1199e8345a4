//! Issue #14, `graph-contract report`: JSON reports read back and merged
//! into one HTML, JUnit, summary or JSON. Shards of one run merged say what
//! the whole run said (verdicts, totals, coverage to the model's counts);
//! a report read back and written again is the same report; each case's
//! re-run command runs that case alone; a bad input is exit 2 naming it.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::{Resp, TestServer, crate_path, gc, serve, tmp_dir};

/// The partial service of tests/partial.rs: declares `me`, `users` and
/// `me/messages`, answers `/me` as documented, `/me/messages` with a drift,
/// the rest 404.
fn service() -> TestServer {
    let csdl = std::fs::read(crate_path("fixtures/partial/service.csdl")).unwrap();
    serve(move |req| match (req.method.as_str(), req.path.as_str()) {
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
    })
}

fn page(name: &str) -> String {
    crate_path("fixtures/partial")
        .join(name)
        .display()
        .to_string()
}

/// `check` of these pages against the service, writing JSON and JUnit.
fn shard(server: &TestServer, dir: &Path, name: &str, pages: &[String]) -> (PathBuf, PathBuf) {
    let json = dir.join(format!("{name}.json"));
    let junit = dir.join(format!("{name}.xml"));
    let mut args: Vec<String> = vec!["check".into()];
    args.extend(pages.iter().cloned());
    args.extend(
        [
            "--target",
            &server.url,
            "--metadata-from-target",
            "--fill-placeholders",
            "--json",
            json.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let run = gc(&args);
    assert!(matches!(run.code, Some(0 | 1)), "{run}");
    (json, junit)
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn verdicts(report: &Value) -> BTreeMap<String, String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The coverage with each operation's cases sorted (shards list them in
/// another order).
fn coverage(report: &Value) -> Value {
    let mut c = report["coverage"].clone();
    for op in c["operations"].as_array_mut().unwrap() {
        op["cases"]
            .as_array_mut()
            .unwrap()
            .sort_by_key(|v| v.to_string());
    }
    if let Some(p) = c["model"]["passing"].as_array_mut() {
        p.sort_by_key(|v| v.to_string());
    }
    c
}

#[test]
fn shards_merged_say_what_the_whole_run_said() {
    let server = service();
    let dir = tmp_dir("report-merge-shards");
    let all = ["user-get.md", "group-list.md", "user-list-messages.md"].map(page);
    let (whole, whole_xml) = shard(&server, &dir, "whole", &all);
    let (a, _) = shard(&server, &dir, "a", &all[..2]);
    let (b, _) = shard(&server, &dir, "b", &all[2..]);
    let merged = dir.join("merged.json");
    let merged_xml = dir.join("merged.xml");
    let html = dir.join("merged.html");
    let run = gc([
        "report".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "--json".as_ref(),
        merged.as_os_str(),
        "--junit".as_ref(),
        merged_xml.as_os_str(),
        "--html".as_ref(),
        html.as_os_str(),
    ]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("merged 2 reports"), "{run}");
    let (whole, merged) = (read(&whole), read(&merged));
    // The run fails some cases and leaves some not implemented: the merge
    // has something to get wrong.
    let v = verdicts(&whole);
    assert!(v.values().any(|v| v == "fail"), "{v:?}");
    assert!(v.values().any(|v| v == "not-implemented"), "{v:?}");
    assert_eq!(verdicts(&merged), v);
    assert_eq!(merged["summary"], whole["summary"]);
    assert_eq!(coverage(&merged), coverage(&whole));
    assert_eq!(merged["failures_by_cause"], whole["failures_by_cause"]);
    let count = |p: &Path, what: &str| std::fs::read_to_string(p).unwrap().matches(what).count();
    for what in ["<testcase ", "<failure ", "<skipped "] {
        assert_eq!(count(&merged_xml, what), count(&whole_xml, what), "{what}");
    }
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("a.json") && page.contains("b.json"),
        "sources"
    );
}

#[test]
fn a_report_read_back_is_the_same_report() {
    let server = service();
    let dir = tmp_dir("report-merge-roundtrip");
    let all = ["user-get.md", "group-list.md", "user-list-messages.md"].map(page);
    let (first, _) = shard(&server, &dir, "first", &all);
    let again = dir.join("again.json");
    let run = gc([
        "report".as_ref(),
        first.as_os_str(),
        "--json".as_ref(),
        again.as_os_str(),
    ]);
    assert_eq!(run.code, Some(0), "{run}");
    let (first, again) = (read(&first), read(&again));
    assert_eq!(again["cases"], first["cases"]);
    assert_eq!(again["summary"], first["summary"]);
    assert_eq!(again["coverage"], first["coverage"]);
}

#[test]
fn each_rerun_command_runs_its_case_alone() {
    let server = service();
    let dir = tmp_dir("report-merge-rerun");
    let all = ["user-get.md", "group-list.md", "user-list-messages.md"].map(page);
    let (json, _) = shard(&server, &dir, "run", &all);
    let report = read(&json);
    let mut tried = 0;
    for c in report["cases"].as_array().unwrap() {
        let verdict = c["verdict"].as_str().unwrap();
        if !matches!(verdict, "pass" | "fail") {
            continue;
        }
        let rerun = c["rerun"].as_str().unwrap();
        assert!(rerun.contains("--exact"), "{rerun}");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(rerun)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let want = if verdict == "pass" {
            "1 passed; 0 failed"
        } else {
            "0 passed; 1 failed"
        };
        assert!(text.contains(want), "{rerun}\n{text}");
        assert_eq!(
            out.status.code(),
            Some(i32::from(verdict == "fail")),
            "{rerun}"
        );
        tried += 1;
    }
    assert!(tried >= 2, "{tried}");
}

#[test]
fn inputs_that_cannot_be_read_are_named() {
    let dir = tmp_dir("report-merge-bad");
    let not_json = dir.join("not.json");
    std::fs::write(&not_json, "{ nope").unwrap();
    let old = dir.join("old.json");
    std::fs::write(&old, r#"{"cases": [], "summary": {}}"#).unwrap();
    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        r#"{"format": 2, "coverage": {}, "cases": [{"id": "p::x", "verdict": "fail"}]}"#,
    )
    .unwrap();
    let out = dir.join("out.html");
    // (input, what the error must say)
    let rows: &[(&Path, &str)] = &[
        (&not_json, "not.json: not a JSON report"),
        (
            &old,
            "old.json: a JSON report from an earlier graph-contract",
        ),
        (&broken, "broken.json: case 1 (p::x): example"),
        (&dir.join("absent.json"), "cannot read"),
    ];
    for (input, want) in rows {
        let run = gc([
            "report".as_ref(),
            input.as_os_str(),
            "--html".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(run.code, Some(2), "{run}");
        assert!(run.stderr.contains(want), "{want}\n{run}");
    }
    let run = gc(["report".as_ref(), not_json.as_os_str()]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("nothing to write"), "{run}");
}

#[test]
fn exact_filters_name_whole_ids() {
    let pages = crate_path("fixtures/partial");
    // (arguments, ids listed)
    let rows: &[(&[&str], &[&str])] = &[
        (&["--filter", "user-get::get_me"], &["user-get::get_me"]),
        (
            &["--filter", "user-get::get_"],
            &["user-get::get_me", "user-get::get_user"],
        ),
        (
            &["--filter", "user-get::get_me", "--exact"],
            &["user-get::get_me"],
        ),
        (
            &[
                "--filter",
                "user-get",
                "--skip",
                "user-get::get_me",
                "--exact",
            ],
            &[],
        ),
    ];
    for (args, want) in rows {
        let mut a = vec!["list", pages.to_str().unwrap()];
        a.extend_from_slice(args);
        let run = gc(&a);
        let got: Vec<&str> = run.stdout.lines().collect();
        if want.is_empty() {
            assert_eq!(run.code, Some(2), "{args:?}: {run}");
            assert!(run.stderr.contains("whole ids: --exact"), "{run}");
        } else {
            assert_eq!(&got, want, "{args:?}: {run}");
        }
    }
}

// ------------------------------------------------- review of #14 (h/review)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// `service()`, whose drift on `/me/messages` is fixed once `fixed` is set.
fn fixable_service(fixed: Arc<AtomicBool>) -> TestServer {
    let csdl = std::fs::read(crate_path("fixtures/partial/service.csdl")).unwrap();
    serve(move |req| match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/v1.0/$metadata") => Resp {
            status: 200,
            headers: vec![("Content-Type".into(), "application/xml".into())],
            body: csdl.clone(),
        },
        ("GET", "/v1.0/me") => Resp::json(
            200,
            &json!({"id": "1", "displayName": "Adele", "mail": "a@contoso.com"}),
        ),
        ("GET", "/v1.0/me/messages") if fixed.load(Ordering::SeqCst) => {
            Resp::json(200, &json!({"value": [{"id": "m1", "subject": "s"}]}))
        }
        ("GET", "/v1.0/me/messages") => Resp::json(200, &json!({"value": [{"id": "m1"}]})),
        _ => Resp::json(
            404,
            &json!({"error": {"code": "ResourceNotFound", "message": "no"}}),
        ),
    })
}

/// Run every pass/fail case's re-run command; (command, what it printed)
/// for those that did not run their case with its verdict.
fn reruns_that_miss(report: &Value) -> Vec<(String, String)> {
    let mut missed = Vec::new();
    for c in report["cases"].as_array().unwrap() {
        let verdict = c["verdict"].as_str().unwrap();
        if !matches!(verdict, "pass" | "fail") {
            continue;
        }
        let rerun = c["rerun"].as_str().unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(rerun)
            .output()
            .unwrap();
        let text = support::output_text(&out);
        let want = if verdict == "pass" {
            "1 passed; 0 failed"
        } else {
            "0 passed; 1 failed"
        };
        if !text.contains(want) {
            missed.push((rerun.to_owned(), text));
        }
    }
    missed
}

/// Review #14: `check FOLDER` with pages in a subfolder (the corpus's
/// `graph-docs` holding `v1.0/api/`) names its cases `v1.0/user-get::…`;
/// the re-run command passes the page file itself, under which the same
/// case is `user-get::…`, so `--filter ID --exact` matches nothing and the
/// command exits 2. Fails today (src/report/mod.rs `Rerun::command`).
#[test]
fn review14_rerun_commands_of_a_folder_run_run_their_case() {
    let server = service();
    let dir = tmp_dir("review14-rerun-folder");
    let sub = dir.join("docs").join("v1.0");
    std::fs::create_dir_all(&sub).unwrap();
    for name in ["user-get.md", "group-list.md", "user-list-messages.md"] {
        std::fs::copy(page(name), sub.join(name)).unwrap();
    }
    let (json, _) = shard(
        &server,
        &dir,
        "run",
        &[dir.join("docs").display().to_string()],
    );
    let report = read(&json);
    assert!(
        verdicts(&report).keys().all(|id| id.starts_with("v1.0/")),
        "{:?}",
        verdicts(&report)
    );
    let missed = reruns_that_miss(&report);
    assert!(missed.is_empty(), "{missed:#?}");
}

/// Review #14: a shard run again (the service fixed in between) replaces
/// its cases, and the merged report must then say what one run over the
/// fixed service says. Fails today: `Coverage::merge` still counts the
/// replaced run, so the merge says "0 failed" over a coverage with
/// failing operations (each listing its cases twice).
#[test]
fn review14_a_shard_run_again_replaces_its_coverage_too() {
    let fixed = Arc::new(AtomicBool::new(false));
    let server = fixable_service(fixed.clone());
    let dir = tmp_dir("review14-rerun-shard");
    let all = ["user-get.md", "group-list.md", "user-list-messages.md"].map(page);
    let (a, _) = shard(&server, &dir, "a", &all[..2]);
    let (b, _) = shard(&server, &dir, "b", &all[2..]);
    fixed.store(true, Ordering::SeqCst);
    let (b2, _) = shard(&server, &dir, "b2", &all[2..]);
    let (whole, _) = shard(&server, &dir, "whole", &all);
    assert_ne!(verdicts(&read(&b)), verdicts(&read(&b2)), "the fix shows");
    let merged = dir.join("merged.json");
    let run = gc([
        "report".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        b2.as_os_str(),
        "--json".as_ref(),
        merged.as_os_str(),
    ]);
    assert_eq!(run.code, Some(0), "{run}");
    let (whole, merged) = (read(&whole), read(&merged));
    assert_eq!(verdicts(&merged), verdicts(&whole));
    assert_eq!(merged["summary"], whole["summary"]);
    assert_eq!(coverage(&merged), coverage(&whole));
}

/// Review #14: a report drawn again from its own JSON says what the run's
/// said, the baseline's "Fixed since the baseline (remove them from it)"
/// included. Fails today: the JSON report does not record the fixed
/// cases, and `report` passes `fixed: &[]` (src/cmd/report.rs).
#[test]
fn review14_a_summary_drawn_again_keeps_the_baselines_fixed_cases() {
    let server = service();
    let dir = tmp_dir("review14-baseline");
    let all = ["user-get.md", "group-list.md", "user-list-messages.md"].map(page);
    let (first, _) = shard(&server, &dir, "first", &all);
    let v = verdicts(&read(&first));
    let passing: Vec<&String> = v
        .iter()
        .filter(|(_, v)| *v == "pass")
        .map(|(k, _)| k)
        .collect();
    assert!(!passing.is_empty(), "{v:?}");
    let baseline = dir.join("baseline.txt");
    std::fs::write(&baseline, format!("{}\n", passing[0])).unwrap();
    let json = dir.join("run.json");
    let summary = dir.join("run.md");
    let mut args: Vec<String> = vec!["check".into()];
    args.extend(all.iter().cloned());
    for a in [
        "--target",
        &server.url,
        "--metadata-from-target",
        "--fill-placeholders",
        "--baseline",
        baseline.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ] {
        args.push(a.into());
    }
    let run = gc(&args);
    assert!(matches!(run.code, Some(0 | 1)), "{run}");
    let live = std::fs::read_to_string(&summary).unwrap();
    assert!(live.contains("Fixed since the baseline"), "{live}");
    let again = dir.join("again.md");
    let run = gc([
        "report".as_ref(),
        json.as_os_str(),
        "--summary".as_ref(),
        again.as_os_str(),
    ]);
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(std::fs::read_to_string(&again).unwrap(), live);
}

/// Review #14: one case run twice is kept once, however its page was
/// spelled (`docs/x.md` by one run, `./docs/x.md` by its re-run). Fails
/// today: the merge keys cases on the page path as given (src/cmd/report.rs
/// `merge`), so the merge counts the case twice: totals no run had.
#[test]
fn review14_one_page_spelled_two_ways_is_one_page() {
    let server = service();
    let dir = tmp_dir("review14-spelling");
    let mut reports = Vec::new();
    for (name, page) in [
        ("plain", "fixtures/partial/user-get.md"),
        ("dotted", "./fixtures/partial/user-get.md"),
    ] {
        let json = dir.join(format!("{name}.json"));
        let mut c = support::binary();
        c.current_dir(crate_path("."));
        c.args([
            "check",
            page,
            "--target",
            &server.url,
            "--fill-placeholders",
        ]);
        c.arg("--json").arg(&json);
        let run = support::run_cmd(c);
        assert!(matches!(run.code, Some(0 | 1)), "{run}");
        reports.push(json);
    }
    let merged = dir.join("merged.json");
    let run = gc([
        "report".as_ref(),
        reports[0].as_os_str(),
        reports[1].as_os_str(),
        "--json".as_ref(),
        merged.as_os_str(),
    ]);
    assert_eq!(run.code, Some(0), "{run}");
    let (one, merged) = (read(&reports[0]), read(&merged));
    assert_eq!(merged["summary"], one["summary"]);
}
