//! The CI gate, end to end over real HTTP on 127.0.0.1: selection, report
//! files (JUnit, JSON, Markdown summary) parsed back, terminal output,
//! strictness, baselines, `show`, and exit codes, through the binary and,
//! where it applies, through the libtest harness in process.
//!
//! The pages are `fixtures/gate/*.md`: `users` passes, `groups::get_group`
//! fails against a drifting server, `manager` has a placeholder (ignored),
//! `drives` passes with an undocumented-property warning.

mod support;

use graph_contract::harness;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{Req, Resp, Run, TestServer, binary, crate_path, gc, run_cmd, serve};

// ---------------------------------------------------------------- servers

/// A service for the gate pages. With `group_drifts`, `get_group` answers
/// without `displayName` and with `mailEnabled` a string. `drives/d-1`
/// always adds a `quota` property the (non-truncated) page does not show.
fn gate_server(group_drifts: bool) -> TestServer {
    serve(
        move |req: Req| match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/v1.0/users/u-1") => {
                Resp::json(200, &json!({"id": "u-1", "displayName": "Adele Vance"}))
            }
            ("POST", "/v1.0/users") => Resp::json(
                201,
                &json!({"id": "u-2", "displayName": "Bob Kelly", "mail": null}),
            ),
            ("GET", "/v1.0/groups/g-1") if group_drifts => {
                Resp::json(200, &json!({"id": "g-1", "mailEnabled": "yes"}))
            }
            ("GET", "/v1.0/groups/g-1") => Resp::json(
                200,
                &json!({"id": "g-1", "displayName": "Finance", "mailEnabled": true}),
            ),
            ("DELETE", "/v1.0/groups/g-1") => Resp {
                status: 204,
                headers: vec![],
                body: vec![],
            },
            ("GET", "/v1.0/drives/d-1") => Resp::json(
                200,
                &json!({"id": "d-1", "driveType": "business", "quota": {"used": 1}}),
            ),
            (m, p) => Resp::json(
                404,
                &json!({"error": {"code": "itemNotFound", "message": format!("{m} {p}")}}),
            ),
        },
    )
}

fn gate_pages() -> PathBuf {
    crate_path("fixtures/gate")
}

/// A fresh, empty scratch folder under cargo's target tmp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("gate")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------- binary

/// `check --target URL fixtures/gate ARGS...`
fn check(target: &str, args: &[&str]) -> Run {
    let mut c = binary();
    c.args(["check", "--target", target])
        .arg(gate_pages())
        .args(args);
    run_cmd(c)
}

/// The ids a `check` run reports on (`test ID ... verdict` lines), sorted.
fn ran(r: &Run) -> Vec<String> {
    let mut ids: Vec<String> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test "))
        .filter_map(|l| l.split_once(" ... ").map(|(id, _)| id))
        .map(str::to_owned)
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

// ---------------------------------------------------------------- harness

fn harness_run(
    target: &str,
    args: &[&str],
    extra_env: &[(&str, String)],
) -> Result<harness::Outcome, String> {
    let mut env: HashMap<String, String> = HashMap::from([
        ("TARGET_URL".into(), target.to_owned()),
        (
            "GRAPH_CONTRACT_SPECS".into(),
            gate_pages().display().to_string(),
        ),
    ]);
    for (k, v) in extra_env {
        env.insert(k.to_string(), v.clone());
    }
    let lookup = graph_contract::config::Env::from_pairs(env.clone());
    let log = support::harness_log();
    let mut argv = vec!["contract", "--quiet", "--logfile", &log];
    argv.extend_from_slice(args);
    harness::run(libtest_mimic::Arguments::from_iter(argv), &lookup).map_err(|e| e.to_string())
}

/// Ids of the cases the harness ran, sorted.
fn harness_ids(o: &harness::Outcome) -> Vec<String> {
    let mut v: Vec<String> = o
        .results
        .iter()
        .map(|r| o.cases[r.index].id.clone())
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------- JUnit

/// A parsed XML element: enough of a DOM to check a JUnit report.
#[derive(Debug, Default)]
struct Elem {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<Elem>,
}

impl Elem {
    fn attr(&self, name: &str) -> &str {
        self.attrs
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("<{}> has no {name} attribute: {self:?}", self.name))
    }
    fn child(&self, name: &str) -> Option<&Elem> {
        self.children.iter().find(|c| c.name == name)
    }
    fn all<'a>(&'a self, name: &str, out: &mut Vec<&'a Elem>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.all(name, out);
        }
    }
}

fn parse_xml(text: &str) -> Elem {
    use quick_xml::XmlVersion;
    use quick_xml::events::{BytesStart, Event};
    fn elem(e: &BytesStart) -> Elem {
        Elem {
            name: e.name().as_ref().to_owned(),
            attrs: e
                .attributes()
                .map(|a| {
                    let a = a.expect("attribute");
                    (
                        a.key.as_ref().to_owned(),
                        a.normalized_value(XmlVersion::Implicit1_0)
                            .expect("attribute value")
                            .into_owned(),
                    )
                })
                .collect(),
            ..Elem::default()
        }
    }
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack = vec![Elem::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(elem(&e)),
            Event::Empty(e) => {
                let el = elem(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::CData(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let name = r.into_inner();
                let ch = match name.as_ref() {
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "amp" => "&".to_owned(),
                    "quot" => "\"".to_owned(),
                    "apos" => "'".to_owned(),
                    n => {
                        let code = if let Some(h) = n.strip_prefix("#x") {
                            u32::from_str_radix(h, 16).unwrap()
                        } else {
                            n.strip_prefix('#').unwrap().parse().unwrap()
                        };
                        char::from_u32(code).unwrap().to_string()
                    }
                };
                stack.last_mut().unwrap().text.push_str(&ch);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unbalanced XML");
    stack.pop().unwrap()
}

/// Checks a JUnit report of the gate pages against the drifting server:
/// one testcase per example, classname = page id, name = example name.
fn assert_junit(path: &Path, expect_cases: usize) {
    let text = std::fs::read_to_string(path).expect("JUnit written");
    let doc = parse_xml(&text);
    let suites = doc.child("testsuites").expect("<testsuites>");
    assert_eq!(suites.attr("tests"), expect_cases.to_string());
    assert_eq!(suites.attr("failures"), "1");
    assert_eq!(suites.attr("skipped"), "1");
    let mut cases = Vec::new();
    doc.all("testcase", &mut cases);
    assert_eq!(cases.len(), expect_cases, "one <testcase> per example");
    let by_id: HashMap<String, &Elem> = cases
        .iter()
        .map(|c| (format!("{}::{}", c.attr("classname"), c.attr("name")), *c))
        .collect();
    for id in [
        "users::get_user",
        "groups::get_group",
        "groups::delete_group",
        "manager::get_manager",
        "drives::get_drive",
    ] {
        let c = by_id.get(id).unwrap_or_else(|| panic!("no testcase {id}"));
        let t: f64 = c.attr("time").parse().expect("time is a number");
        assert!(t >= 0.0);
        assert!(c.attr("file").ends_with(".md"));
        assert!(c.attr("line").parse::<usize>().unwrap() > 0);
    }
    let failed = by_id["groups::get_group"];
    let failure = failed.child("failure").expect("<failure> on get_group");
    assert!(
        failure
            .attr("message")
            .starts_with("error: /displayName: missing"),
        "the first finding is the message: {failure:?}"
    );
    for needle in [
        "groups.md:",
        "error: /displayName: missing",
        "error: /mailEnabled:",
        "diff (documented vs actual)",
        "-  \"displayName\": \"Finance\"",
        "+  \"mailEnabled\": \"yes\"",
    ] {
        assert!(
            failure.text.contains(needle),
            "failure text lacks {needle:?}:\n{}",
            failure.text
        );
    }
    let ignored = by_id["manager::get_manager"];
    let skipped = ignored.child("skipped").expect("<skipped> on get_manager");
    assert!(
        skipped.attr("message").contains("placeholder {user-id}"),
        "{skipped:?}"
    );
    for id in [
        "users::get_user",
        "drives::get_drive",
        "groups::delete_group",
    ] {
        assert!(
            by_id[id].children.is_empty(),
            "{id} passed: no child elements"
        );
    }
}

// ---------------------------------------------------------------- 1. selection

#[test]
fn selection_filter_skip_method_through_check_and_list() {
    let server = gate_server(false);
    // --filter is repeatable (any of them), a substring of the id or of the
    // documented URL's path (`manager`'s is /v1.0/users/{user-id}/manager).
    let r = check(&server.url, &["--filter", "users", "--filter", "drive"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert_eq!(
        ran(&r),
        sorted(&[
            "users::get_user",
            "users::create_user",
            "drives::get_drive",
            "manager::get_manager"
        ]),
        "{r}"
    );
    assert!(r.stdout.contains("running 4 cases"), "{r}");
    // --skip drops by substring of the id, after --filter.
    let r = check(&server.url, &["--filter", "users", "--skip", "create"]);
    assert_eq!(
        ran(&r),
        sorted(&["users::get_user", "manager::get_manager"]),
        "{r}"
    );
    // --method: comma-separated, case-insensitive, repeatable.
    let r = check(&server.url, &["--method", "get,post", "--skip", "manager"]);
    assert_eq!(
        ran(&r),
        sorted(&[
            "users::get_user",
            "users::create_user",
            "groups::get_group",
            "drives::get_drive"
        ]),
        "{r}"
    );
    let r = check(&server.url, &["--method", "DELETE", "--method", "POST"]);
    assert_eq!(
        ran(&r),
        sorted(&["users::create_user", "groups::delete_group"]),
        "{r}"
    );
    // list selects the same way.
    let mut c = binary();
    c.args(["list", "--filter", "groups", "--method", "GET"])
        .arg(gate_pages());
    let r = run_cmd(c);
    assert_eq!(r.stdout, "groups::get_group\n", "{r}");
}

#[test]
fn selecting_nothing_exits_2_and_names_the_filter_that_emptied_the_set() {
    let server = gate_server(false);
    let cases: &[(&[&str], &str)] = &[
        (&["--filter", "nope", "--filter", "nada"], "--filter"),
        (&["--filter", "drives", "--skip", "drives"], "--skip"),
        (
            &["--filter", "drives", "--method", "PATCH"],
            "--method PATCH",
        ),
    ];
    for (args, named) in cases {
        let r = check(&server.url, args);
        assert_eq!(r.code, Some(2), "{args:?}: {r}");
        assert!(
            r.stderr.contains(named),
            "{args:?}: the message names {named}: {r}"
        );
        assert!(!r.stdout.contains("test result"), "nothing ran: {r}");
    }
    let r = check(&server.url, &["--filter", "nope", "--filter", "nada"]);
    assert!(
        r.stderr.contains("nope") && r.stderr.contains("nada"),
        "{r}"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=gate",
            "-c",
            "user.email=gate@example.test",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn changed_since_selects_the_cases_of_changed_pages_only() {
    let repo = scratch("changed-since");
    let pages = repo.join("docs").join("api");
    std::fs::create_dir_all(&pages).unwrap();
    for name in ["users.md", "groups.md", "drives.md", "manager.md"] {
        std::fs::copy(gate_pages().join(name), pages.join(name)).unwrap();
    }
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "pages"]);

    // Nothing changed yet: nothing to list, said on stderr, not an error
    // (the one empty selection that is not).
    let r = gc([
        "list".as_ref(),
        "--changed-since".as_ref(),
        "HEAD".as_ref(),
        pages.as_os_str(),
    ]);
    assert_eq!(r.code, Some(0), "{r}");
    assert_eq!(r.stdout, "", "{r}");
    assert!(
        r.stderr
            .contains("no page changed since HEAD: nothing to check"),
        "{r}"
    );

    // Change one page (committed changes and the work tree both count).
    let drives = pages.join("drives.md");
    let text = std::fs::read_to_string(&drives).unwrap();
    std::fs::write(&drives, text.replace("# Get drive", "# Get a drive")).unwrap();
    let r = gc([
        "list".as_ref(),
        "--changed-since".as_ref(),
        "HEAD".as_ref(),
        pages.as_os_str(),
    ]);
    assert_eq!(r.code, Some(0), "{r}");
    assert_eq!(r.stdout, "drives::get_drive\n", "{r}");
    git(&repo, &["commit", "-q", "-am", "retitle drives"]);
    // A new page not yet added counts as changed too.
    std::fs::copy(gate_pages().join("users.md"), pages.join("people.md")).unwrap();
    let server = gate_server(false);
    let mut c = binary();
    c.args([
        "check",
        "--target",
        &server.url,
        "--changed-since",
        "HEAD~1",
    ])
    .arg(&pages);
    let r = run_cmd(c);
    assert_eq!(r.code, Some(0), "{r}");
    assert_eq!(
        ran(&r),
        sorted(&[
            "drives::get_drive",
            "people::get_user",
            "people::create_user"
        ]),
        "{r}"
    );

    // A revision git does not know: exit 2 and a clear message.
    let r = gc([
        "check".as_ref(),
        "--changed-since".as_ref(),
        "no-such-rev".as_ref(),
        pages.as_os_str(),
    ]);
    assert_eq!(r.code, Some(2), "{r}");
    assert!(
        r.stderr
            .contains("--changed-since no-such-rev: no such revision"),
        "{r}"
    );
    assert!(
        r.stderr.lines().count() <= 3,
        "one short message, not a git dump: {r}"
    );
}

#[test]
fn harness_selection_through_libtest_arguments() {
    let server = gate_server(false);
    let o = harness_run(&server.url, &["--exact", "users::get_user"], &[]).unwrap();
    assert_eq!(harness_ids(&o), sorted(&["users::get_user"]));
    assert_eq!(o.code, 0);
    let o = harness_run(&server.url, &["users"], &[]).unwrap();
    assert_eq!(
        harness_ids(&o),
        sorted(&["users::get_user", "users::create_user"])
    );
    let o = harness_run(
        &server.url,
        &["--skip", "users", "--skip", "manager", "--skip", "drives"],
        &[],
    )
    .unwrap();
    assert_eq!(
        harness_ids(&o),
        sorted(&["groups::get_group", "groups::delete_group"])
    );
    // The method is the libtest "kind": `[POST]` selects by method.
    let o = harness_run(&server.url, &["[POST]"], &[]).unwrap();
    assert_eq!(harness_ids(&o), sorted(&["users::create_user"]));
    // An empty selection is an error naming the filter.
    let err = harness_run(&server.url, &["--exact", "users::get_usr"], &[])
        .err()
        .expect("an empty selection is an error");
    assert!(
        err.contains("users::get_usr") && err.contains("exact"),
        "{err}"
    );
}

// ---------------------------------------------------------------- 2. reports

#[test]
fn reports_from_one_check_run_parse_back() {
    let server = gate_server(true);
    let dir = scratch("reports");
    let (junit, json_path, summary) = (
        dir.join("out/junit.xml"),
        dir.join("out/report.json"),
        dir.join("summary.md"),
    );
    let r = check(
        &server.url,
        &[
            "--junit",
            junit.to_str().unwrap(),
            "--json",
            json_path.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, Some(1), "{r}");
    assert_junit(&junit, 6);
    assert_json(&json_path, &server.url);
    assert_summary(&summary, &[]);

    // Any combination: JSON alone writes only JSON.
    let dir = scratch("reports-json-only");
    let only = dir.join("r.json");
    let r = check(&server.url, &["--json", only.to_str().unwrap(), "-q"]);
    assert_eq!(r.code, Some(1), "{r}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    assert_json(&only, &server.url);
}

fn assert_json(path: &Path, target: &str) {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 6);
    let by_id: HashMap<&str, &Value> = cases
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c))
        .collect();
    let verdict = |id: &str| by_id[id]["verdict"].as_str().unwrap().to_owned();
    assert_eq!(verdict("users::get_user"), "pass");
    assert_eq!(verdict("drives::get_drive"), "pass");
    assert_eq!(verdict("groups::get_group"), "fail");
    assert_eq!(verdict("manager::get_manager"), "ignored");
    assert!(
        by_id["manager::get_manager"]["reason"]
            .as_str()
            .unwrap()
            .contains("placeholder")
    );
    let failed = by_id["groups::get_group"];
    assert_eq!(
        failed["request"],
        json!(format!("GET {target}/v1.0/groups/g-1"))
    );
    assert_eq!(failed["status"], json!(200));
    assert_eq!(failed["method"], json!("GET"));
    assert!(failed["page"].as_str().unwrap().ends_with("groups.md"));
    assert!(failed["line"].as_u64().unwrap() > 0);
    assert!(failed["duration_ms"].as_f64().unwrap() >= 0.0);
    let findings = failed["findings"].as_array().unwrap();
    let missing = findings
        .iter()
        .find(|f| f["pointer"] == "/displayName")
        .expect("a finding at /displayName");
    assert_eq!(missing["kind"], "missing");
    assert_eq!(missing["severity"], "error");
    let ty = findings
        .iter()
        .find(|f| f["pointer"] == "/mailEnabled")
        .expect("a finding at /mailEnabled");
    assert_eq!(ty["kind"], "type");
    assert_eq!(ty["documented"], "boolean");
    assert_eq!(ty["actual"], "string");
    let warning = &by_id["drives::get_drive"]["findings"][0];
    assert_eq!(warning["pointer"], "/quota");
    assert_eq!(warning["kind"], "undocumented");
    assert_eq!(warning["severity"], "warning");

    let s = &doc["summary"];
    assert_eq!(s["total"], 6);
    assert_eq!(s["passed"], 4);
    assert_eq!(s["failed"], 1);
    assert_eq!(s["ignored"], 1);
    assert_eq!(s["known_failures"], 0);
    assert_eq!(s["warnings"], 1);
    assert_eq!(s["ignored_by_reason"]["placeholder in the URL"], 1);
}

fn assert_summary(path: &Path, enforced: &[&str]) {
    let md = std::fs::read_to_string(path).unwrap();
    assert!(md.contains("**4 passed**, **1 failed**"), "{md}");
    assert!(md.contains("1 ignored, 1 warning"), "{md}");
    assert!(
        md.contains("| placeholder in the URL | 1 |"),
        "ignored by reason: {md}"
    );
    assert!(md.contains("### Failures"), "{md}");
    let row = md
        .lines()
        .find(|l| l.starts_with("| `groups::get_group` |"))
        .unwrap_or_else(|| panic!("a failures row: {md}"));
    assert!(row.contains("groups.md:"), "{row}");
    assert!(
        row.contains("error: /displayName: missing"),
        "first finding: {row}"
    );
    assert!(
        md.contains("<details><summary><code>groups::get_group</code></summary>"),
        "{md}"
    );
    assert!(md.contains("```diff\n"), "{md}");
    for e in enforced {
        assert!(md.contains(e), "{md}");
    }
}

#[test]
fn reports_under_the_harness_from_environment_variables() {
    let server = gate_server(true);
    let dir = scratch("harness-reports");
    let (junit, json_path, summary) = (
        dir.join("junit.xml"),
        dir.join("report.json"),
        dir.join("summary.md"),
    );
    let o = harness_run(
        &server.url,
        &[],
        &[
            ("GRAPH_CONTRACT_JUNIT", junit.display().to_string()),
            ("GRAPH_CONTRACT_JSON", json_path.display().to_string()),
            ("GRAPH_CONTRACT_SUMMARY", summary.display().to_string()),
        ],
    )
    .unwrap();
    assert_eq!(o.code, 101);
    assert_junit(&junit, 6);
    assert_json(&json_path, &server.url);
    assert_summary(&summary, &[]);
}

// ---------------------------------------------------------------- 3. terminal

#[test]
fn failure_output_names_the_case_its_line_each_finding_and_a_diff() {
    let server = gate_server(true);
    let r = check(&server.url, &[]);
    assert_eq!(r.code, Some(1), "{r}");
    assert!(!r.stdout.contains('\x1b'), "NO_COLOR: no escape bytes: {r}");
    assert!(!r.stderr.contains('\x1b'), "NO_COLOR: no escape bytes: {r}");
    let block = r
        .stdout
        .split("---- groups::get_group ----")
        .nth(1)
        .unwrap_or_else(|| panic!("a failure block for the case: {r}"));
    let block = block.split("\nfailures:").next().unwrap();
    let line = std::fs::read_to_string(gate_pages().join("groups.md"))
        .unwrap()
        .lines()
        .position(|l| l == "GET https://graph.microsoft.com/v1.0/groups/g-1")
        .unwrap()
        + 1;
    assert!(
        block.contains(&format!("fixtures/gate/groups.md:{line}\n")),
        "page:line of the request: {block}"
    );
    assert!(block.contains(&format!("sent:    GET {}/v1.0/groups/g-1", server.url)));
    let finding_lines: Vec<&str> = block
        .lines()
        .filter(|l| l.starts_with("  error: ") || l.starts_with("  warning: "))
        .collect();
    assert_eq!(finding_lines.len(), 2, "one line per finding: {block}");
    assert!(block.contains("  diff (documented vs actual):"), "{block}");
    assert!(
        block.contains("    --- documented\n    +++ actual\n"),
        "{block}"
    );
    assert!(
        block.contains("    -  \"displayName\": \"Finance\","),
        "{block}"
    );
    assert!(block.contains("    +  \"mailEnabled\": \"yes\""), "{block}");
    // Totals: passed, failed, ignored, warnings, and ignored by reason.
    assert!(
        r.stdout
            .contains("test result: FAILED. 4 passed; 1 failed; 1 ignored; 1 warning;"),
        "{r}"
    );
    assert!(
        r.stdout.contains("  ignored 1: placeholder in the URL\n"),
        "{r}"
    );
    assert!(
        r.stdout
            .contains("test manager::get_manager ... ignored, placeholder"),
        "{r}"
    );
    assert!(
        r.stdout
            .contains("test drives::get_drive ... ok (warnings)"),
        "{r}"
    );
    // Passing cases print no details without --details.
    assert!(!r.stdout.contains("drives.md:"), "{r}");
    // Colour is for terminals: forced with CLICOLOR_FORCE, NO_COLOR wins;
    // report files never hold escape bytes.
    let dir = scratch("colour");
    let junit = dir.join("junit.xml");
    let summary = dir.join("summary.md");
    let mut c = binary();
    c.env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["check", "--target", &server.url])
        .arg(gate_pages())
        .arg("--junit")
        .arg(&junit)
        .arg("--summary")
        .arg(&summary);
    let forced = run_cmd(c);
    assert!(forced.stdout.contains("\x1b[31mFAILED"), "{forced}");
    for file in [&junit, &summary] {
        assert!(!std::fs::read_to_string(file).unwrap().contains('\x1b'));
    }
    let mut c = binary();
    c.env("CLICOLOR_FORCE", "1")
        .args(["check", "--target", &server.url])
        .arg(gate_pages());
    let r = run_cmd(c);
    assert!(
        !r.stdout.contains('\x1b'),
        "NO_COLOR beats CLICOLOR_FORCE: {r}"
    );
    // -q: failures and totals only.
    let q = check(&server.url, &["-q"]);
    assert!(!q.stdout.contains("test users::get_user ... ok"), "{q}");
    assert!(q.stdout.contains("---- groups::get_group ----"), "{q}");
    assert!(q.stdout.contains("test result: FAILED."), "{q}");
}

#[test]
fn details_prints_the_diff_of_passing_cases_with_warnings() {
    let server = gate_server(false);
    let r = check(&server.url, &["--details", "--filter", "drives"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(r.stdout.contains("drives.md:"), "{r}");
    assert!(r.stdout.contains("  warning: /quota: "), "{r}");
    assert!(r.stdout.contains("    +  \"quota\": {"), "{r}");
}

/// A page whose documented body is a 500-line JSON array.
fn long_page(dir: &Path) -> PathBuf {
    let items: Vec<String> = (0..500).map(|i| format!("item-{i}")).collect();
    let body = serde_json::to_string_pretty(&json!({ "value": items })).unwrap();
    let page = format!(
        "# Long list\n\n### Request\n<!-- {{ \"blockType\": \"request\", \"name\": \"list_items\" }} -->\n\
         ```http\nGET https://graph.microsoft.com/v1.0/items\n```\n\n### Response\n\
         <!-- {{ \"blockType\": \"response\", \"truncated\": false }} -->\n\
         ```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{body}\n```\n"
    );
    let path = dir.join("long.md");
    std::fs::write(&path, page).unwrap();
    path
}

#[test]
fn long_bodies_are_folded_around_the_difference() {
    let dir = scratch("long");
    let page = long_page(&dir);
    for changed in [7usize, 450] {
        let server = serve(move |_req| {
            let mut items: Vec<Value> = (0..500).map(|i| json!(format!("item-{i}"))).collect();
            items[changed] = json!(changed);
            Resp::json(200, &json!({ "value": items }))
        });
        let mut c = binary();
        c.args(["check", "--target", &server.url]).arg(&page);
        let r = run_cmd(c);
        assert_eq!(r.code, Some(1), "item {changed} is a number: {r}");
        let diff = r
            .stdout
            .split("  diff (documented vs actual):\n")
            .nth(1)
            .unwrap_or_else(|| panic!("a diff for a change at item {changed}: {r}"));
        let diff: Vec<&str> = diff.lines().take_while(|l| l.starts_with("    ")).collect();
        assert!(
            diff.contains(&format!("    -    \"item-{changed}\",").as_str()),
            "{diff:#?}"
        );
        assert!(
            diff.contains(&format!("    +    {changed},").as_str()),
            "{diff:#?}"
        );
        assert!(
            diff.len() < 20,
            "a small diff, not the whole body ({} lines): {diff:#?}",
            diff.len()
        );
        assert!(r.stdout.len() < 4000, "{r}");
    }
    // A body different everywhere: the diff itself is capped, and says so.
    let server = serve(|_req| {
        let items: Vec<Value> = (0..500).map(|i| json!(i)).collect();
        Resp::json(200, &json!({ "value": items }))
    });
    let mut c = binary();
    c.args(["check", "--target", &server.url]).arg(&page);
    let r = run_cmd(c);
    assert_eq!(r.code, Some(1), "{r}");
    let diff_lines = r
        .stdout
        .split("  diff (documented vs actual):\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("    "))
        .count();
    assert!(diff_lines <= 201, "capped: {diff_lines} lines");
    assert!(r.stdout.contains(" more diff lines\n"), "{r}");
    // 500 findings: the first ones one per line, the rest counted.
    let finding_lines = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("  error: "))
        .count();
    assert!(finding_lines <= 30, "{finding_lines} finding lines");
    assert!(
        r.stdout
            .contains(&format!("  … {} more findings", 500 - finding_lines)),
        "{r}"
    );
    assert!(r.stdout.lines().count() < 300, "{r}");
}

#[test]
fn strict_and_deny_warnings_turn_an_undocumented_property_into_a_failure() {
    let server = gate_server(false);
    let r = check(&server.url, &["--filter", "drives"]);
    assert_eq!(r.code, Some(0), "a warning alone passes: {r}");
    assert!(
        r.stdout
            .contains("test result: ok. 1 passed; 0 failed; 0 ignored; 1 warning;"),
        "{r}"
    );
    assert!(!r.stdout.contains('['), "nothing enforced: {r}");

    let dir = scratch("strict");
    for (flag, word) in [
        ("--deny-warnings", "warnings denied"),
        ("--strict", "strict"),
    ] {
        let summary = dir.join(format!("{word}.md"));
        let r = check(
            &server.url,
            &[
                "--filter",
                "drives",
                flag,
                "--summary",
                summary.to_str().unwrap(),
            ],
        );
        assert_eq!(r.code, Some(1), "{flag}: {r}");
        let totals = r
            .stdout
            .lines()
            .find(|l| l.starts_with("test result:"))
            .unwrap();
        assert!(totals.starts_with("test result: FAILED. 0 passed; 1 failed;"));
        assert!(
            totals.ends_with(&format!("[{word}]")),
            "{flag} named: {totals}"
        );
        assert!(r.stdout.contains("---- drives::get_drive ----"), "{r}");
        let md = std::fs::read_to_string(&summary).unwrap();
        assert!(md.contains(&format!("(enforced: {word})")), "{md}");
    }
    let r = check(
        &server.url,
        &["--filter", "drives", "--strict", "--deny-warnings"],
    );
    assert!(r.stdout.contains("[strict, warnings denied]"), "{r}");

    // The same under the harness.
    for var in ["GRAPH_CONTRACT_STRICT", "GRAPH_CONTRACT_DENY_WARNINGS"] {
        let o = harness_run(&server.url, &["drives"], &[]).unwrap();
        assert_eq!(o.code, 0);
        let o = harness_run(&server.url, &["drives"], &[(var, "1".into())]).unwrap();
        assert_eq!(o.code, 101, "{var}");
        let o = harness_run(&server.url, &["drives"], &[(var, "0".into())]).unwrap();
        assert_eq!(o.code, 0, "{var}=0 is off");
    }
}

// ---------------------------------------------------------------- 4. baselines

#[test]
fn baseline_transitions_new_failure_known_failure_fixed() {
    let dir = scratch("baseline");
    let baseline = dir.join("baseline.txt");
    let drifting = gate_server(true);

    // 1. A new failure; --write-baseline records it, and the run that
    // wrote it passes (the failure is a known one now).
    let r = check(
        &drifting.url,
        &["--write-baseline", baseline.to_str().unwrap()],
    );
    assert_eq!(r.code, Some(0), "{r}");
    let written = std::fs::read_to_string(&baseline).unwrap();
    let ids: Vec<&str> = written
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(ids, ["groups::get_group"], "{written}");

    // Comments are allowed, whole-line and trailing.
    std::fs::write(
        &baseline,
        format!("{written}\n# owner: groups team\ngroups::get_group   # tracked as #123\n"),
    )
    .unwrap();

    // 2. Listed and still failing: a known failure, the run passes.
    let json_path = dir.join("known.json");
    let junit = dir.join("known.xml");
    let r = check(
        &drifting.url,
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--json",
            json_path.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stdout
            .contains("test groups::get_group ... known failure (baseline)"),
        "{r}"
    );
    assert!(r.stdout.contains("; 1 known failure;"), "{r}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let known = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "groups::get_group")
        .unwrap();
    assert_eq!(known["verdict"], "known-failure");
    assert_eq!(doc["summary"]["known_failures"], 1);
    assert_eq!(doc["summary"]["failed"], 0);
    let x = parse_xml(&std::fs::read_to_string(&junit).unwrap());
    let mut tcs = Vec::new();
    x.all("testcase", &mut tcs);
    let tc = tcs.iter().find(|t| t.attr("name") == "get_group").unwrap();
    assert!(tc.child("failure").is_none());
    assert!(
        tc.child("skipped")
            .unwrap()
            .attr("message")
            .contains("known failure")
    );

    // 3. Listed and passing now: reported as fixed, in stdout and the summary.
    let fixed_server = gate_server(false);
    let summary = dir.join("fixed.md");
    let r = check(
        &fixed_server.url,
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stdout
            .contains("fixed (remove it from the baseline): groups::get_group"),
        "{r}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("### Fixed since the baseline"), "{md}");
    assert!(md.contains("- `groups::get_group`"), "{md}");

    // 4. The same transitions under the harness (GRAPH_CONTRACT_BASELINE).
    let env = [("GRAPH_CONTRACT_BASELINE", baseline.display().to_string())];
    let o = harness_run(&drifting.url, &[], &env).unwrap();
    assert_eq!(o.code, 0, "a known failure does not fail cargo test");
    let o = harness_run(&fixed_server.url, &[], &env).unwrap();
    assert_eq!(o.code, 0);
    let rewritten = dir.join("rewritten.txt");
    let o = harness_run(
        &drifting.url,
        &[],
        &[(
            "GRAPH_CONTRACT_WRITE_BASELINE",
            rewritten.display().to_string(),
        )],
    )
    .unwrap();
    assert_eq!(o.code, 0, "writing a baseline passes under cargo test too");
    assert!(
        std::fs::read_to_string(&rewritten)
            .unwrap()
            .contains("\ngroups::get_group\n")
    );
}

#[test]
fn a_baseline_round_trips_ids_of_unnamed_examples() {
    // Unannotated examples are named `#N`: `#` in an id is not a comment.
    let dir = scratch("baseline-unnamed");
    std::fs::write(
        dir.join("sites.md"),
        "# Get a site\n\n### Request\n```http\nGET https://graph.microsoft.com/v1.0/sites/s-1\n```\n\n\
         ### Response\n```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{\"id\": \"s-1\"}\n```\n",
    )
    .unwrap();
    let server = gate_server(false); // answers 404 to /sites/s-1
    let baseline = dir.join("baseline.txt");
    let mut c = binary();
    c.args(["check", "--target", &server.url, "--write-baseline"])
        .arg(&baseline)
        .arg(dir.join("sites.md"));
    let r = run_cmd(c);
    assert_eq!(r.code, Some(0), "writing the baseline passes: {r}");
    let written = std::fs::read_to_string(&baseline).unwrap();
    assert!(written.contains("\nsites::#1\n"), "{written}");
    let mut c = binary();
    c.args(["check", "--target", &server.url, "--baseline"])
        .arg(&baseline)
        .arg(dir.join("sites.md"));
    let r = run_cmd(c);
    assert_eq!(r.code, Some(0), "the written baseline covers it: {r}");
    assert!(r.stdout.contains("known failure"), "{r}");
}

#[test]
fn stale_baseline_ids_and_scenarios_are_warned_about_and_change_no_verdict() {
    let dir = scratch("stale");
    let baseline = dir.join("baseline.txt");
    std::fs::write(
        &baseline,
        "groups::get_group\ngroups::get_group_renamed  # gone\nold-page::#1\n",
    )
    .unwrap();
    let scenarios = dir.join("scenarios.toml");
    std::fs::write(
        &scenarios,
        "[[scenario]]\ncase = \"groups::delete_group\"\n\
         [[scenario]]\ncase = \"groups::delete_the_group\"\n\
         [[scenario]]\ncase = \"old-page::setup\"\n\
         [[scenario]]\npage = \"old-page\"\n",
    )
    .unwrap();
    let server = gate_server(false);
    // Only users are selected, but every page was read: a name on a page
    // that was read and has no such example is stale. Names on pages this
    // run did not read (old-page) are not judged: it may be a partial run.
    let r = check(
        &server.url,
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--scenarios",
            scenarios.to_str().unwrap(),
            "--filter",
            "users::",
        ],
    );
    assert_eq!(r.code, Some(0), "warnings change no verdict: {r}");
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "graph-contract: warning: scenario 2 names case \"groups::delete_the_group\", \
             which page \"groups\" does not have",
            "graph-contract: warning: 1 baseline id(s) name no example of their page \
             (renamed or removed?): groups::get_group_renamed",
        ],
        "{r}"
    );
    // The harness (settings from the environment) finds the same.
    let env: HashMap<String, String> = HashMap::from([
        ("TARGET_URL".into(), server.url.clone()),
        (
            "GRAPH_CONTRACT_SPECS".into(),
            gate_pages().display().to_string(),
        ),
        (
            "GRAPH_CONTRACT_BASELINE".into(),
            baseline.display().to_string(),
        ),
    ]);
    let lookup = graph_contract::config::Env::from_pairs(env.clone());
    let stale = graph_contract::run::stale_references(
        &graph_contract::docs::read_paths(&[gate_pages().as_path()]).cases,
        &graph_contract::harness::settings_from_env(&lookup).unwrap(),
    );
    assert_eq!(
        stale,
        [
            "1 baseline id(s) name no example of their page (renamed or removed?): \
          groups::get_group_renamed"
        ]
    );
}

#[test]
fn show_prints_the_documented_exchange_a_curl_line_and_the_actual_answer() {
    let token = "gate-secret-token-4711";
    let server = serve(move |req: Req| {
        if req.header("authorization") != Some(&format!("Bearer {token}")) {
            return Resp::json(401, &json!({"error": {"code": "unauthenticated"}}));
        }
        Resp::json(200, &json!({"id": "g-1", "mailEnabled": "yes"}))
    });
    // Without a target: documented request and response, curl line.
    let mut c = binary();
    c.env("GRAPH_CONTRACT_TOKEN", token)
        .args(["show", "groups::get_group"])
        .arg(gate_pages());
    let r = run_cmd(c);
    assert_eq!(r.code, Some(0), "{r}");
    for needle in [
        "documented request:\n  GET https://graph.microsoft.com/v1.0/groups/g-1\n",
        "documented response:\n  HTTP 200",
        "\"displayName\": \"Finance\"",
        "curl -i -X GET",
        "-H 'Authorization: Bearer ***'",
        "groups.md:",
    ] {
        assert!(r.stdout.contains(needle), "{needle:?}: {r}");
    }
    assert!(
        !r.stdout.contains(token) && !r.stderr.contains(token),
        "{r}"
    );
    assert!(!r.stdout.contains("verdict"), "no target, no verdict: {r}");

    // With a target: the actual answer and the verdict (the token was sent).
    let mut c = binary();
    c.env("GRAPH_CONTRACT_TOKEN", token)
        .args(["show", "groups::get_group", "--target", &server.url])
        .arg(gate_pages());
    let r = run_cmd(c);
    assert_eq!(r.code, Some(1), "a failing case: exit 1: {r}");
    assert!(
        r.stdout
            .contains(&format!("curl -i -X GET '{}/v1.0/groups/g-1'", server.url)),
        "{r}"
    );
    assert!(r.stdout.contains("actual response:\n  HTTP 200"), "{r}");
    assert!(r.stdout.contains("\"mailEnabled\": \"yes\""), "{r}");
    assert!(r.stdout.contains("verdict: fail"), "{r}");
    assert!(r.stdout.contains("error: /displayName: missing"), "{r}");
    assert!(!r.stdout.contains(token), "{r}");

    let passing = gate_server(false);
    let mut c = binary();
    c.args(["show", "users::get_user", "--target", &passing.url])
        .arg(gate_pages());
    let r = run_cmd(c);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(r.stdout.contains("verdict: pass"), "{r}");
}

#[test]
fn show_an_unknown_id_exits_2_and_suggests_similar_ids() {
    for (asked, suggested) in [
        ("users::get_usr", "users::get_user"),
        ("get_user", "users::get_user"),
        ("user::create_user", "users::create_user"),
        ("groups::", "groups::get_group"),
    ] {
        let mut c = binary();
        c.args(["show", asked]).arg(gate_pages());
        let r = run_cmd(c);
        assert_eq!(r.code, Some(2), "{asked}: {r}");
        assert!(r.stderr.contains(&format!("no case \"{asked}\"")), "{r}");
        assert!(
            r.stderr.contains(suggested),
            "{asked}: suggests {suggested}: {r}"
        );
    }
}

// ---------------------------------------------------------------- 6. exit codes

#[test]
fn exit_codes() {
    let good = gate_server(false);
    let bad = gate_server(true);
    // 0: all passed (a warning is allowed unless denied).
    assert_eq!(check(&good.url, &[]).code, Some(0));
    // 1: any failure.
    assert_eq!(check(&bad.url, &[]).code, Some(1));
    // 1: a warning with --deny-warnings.
    assert_eq!(
        check(&good.url, &["--deny-warnings", "--filter", "drives"]).code,
        Some(1)
    );
    // 2: usage and configuration errors, and an empty selection.
    for args in [
        &["--filter", "nothing-like-this"][..],
        &["--no-such-flag"],
        &["--timeout", "0"],
        &["--header", "no colon"],
        &["--baseline", "/no/such/baseline.txt"],
    ] {
        let r = check(&good.url, args);
        assert_eq!(r.code, Some(2), "{args:?}: {r}");
        assert!(!r.stderr.is_empty(), "{args:?}: says why");
    }
    let r = gc(["check", "--target", "not a url", "fixtures/gate"]);
    assert_eq!(r.code, Some(2), "{r}");
    let r = gc(["check", "no/such/folder"]);
    assert_eq!(r.code, Some(2), "{r}");
    assert!(r.stderr.contains("no/such/folder"), "{r}");

    // The harness: libtest's 101 on a failure, 0 otherwise; a configuration
    // error is an Err (its `main` exits 2).
    assert_eq!(harness_run(&good.url, &[], &[]).unwrap().code, 0);
    assert_eq!(harness_run(&bad.url, &[], &[]).unwrap().code, 101);
    assert!(harness_run("not a url", &[], &[]).is_err());
    assert!(harness_run(&good.url, &["nothing-like-this"], &[]).is_err());
    assert_eq!(harness::EXIT_CONFIG, 2);
}

#[test]
fn under_nextest_cases_known_not_to_run_are_listed_as_ignored() {
    // nextest knows only the listing's ignores: a case ignored at run time
    // would show there as passed.
    let server = gate_server(false);
    let dir = scratch("nextest-ignored");
    std::fs::write(
        dir.join("users.md"),
        "# Users\n\n<!-- { \"blockType\": \"request\", \"name\": \"get_user\" } -->\n\
         ```http\nGET https://graph.microsoft.com/v1.0/users/u-1\n```\n\n\
         <!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 200 OK\n\
         Content-Type: application/json\n\n{\"id\": \"u-1\", \"displayName\": \"String\"}\n```\n\n\
         <!-- { \"blockType\": \"request\", \"name\": \"get_by_placeholder\" } -->\n\
         ```http\nGET https://graph.microsoft.com/v1.0/users/{user-id}\n```\n\n\
         <!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 200 OK\n\
         Content-Type: application/json\n\n{\"id\": \"String\"}\n```\n\n\
         <!-- { \"blockType\": \"request\", \"name\": \"get_user_again\" } -->\n\
         ```http\nGET https://graph.microsoft.com/v1.0/users/u-1\n```\n\n\
         <!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 200 OK\n\
         Content-Type: application/json\n\n{\"id\": \"u-1\"}\n```\n",
    )
    .unwrap();
    let specs = ("GRAPH_CONTRACT_SPECS", dir.display().to_string());
    let nextest = [
        specs.clone(),
        ("NEXTEST", "1".to_owned()),
        ("NEXTEST_EXECUTION_MODE", "process-per-test".to_owned()),
    ];
    let ran = |o: &harness::Outcome| -> Vec<(String, String)> {
        o.results
            .iter()
            .map(|r| (o.cases[r.index].id.clone(), r.verdict.word().to_owned()))
            .collect()
    };
    // cargo test: the placeholder case runs and is ignored then, with its
    // reason.
    let o = harness_run(&server.url, &[], std::slice::from_ref(&specs)).unwrap();
    assert_eq!(o.code, 0);
    assert_eq!(
        ran(&o),
        [
            ("users::get_user".to_owned(), "pass".to_owned()),
            ("users::get_by_placeholder".to_owned(), "ignored".to_owned()),
            ("users::get_user_again".to_owned(), "pass".to_owned()),
        ]
    );
    // nextest: it is ignored in the listing, so it never runs as a pass...
    let o = harness_run(&server.url, &[], &nextest).unwrap();
    assert_eq!(o.code, 0);
    assert_eq!(
        ran(&o),
        [
            ("users::get_user".to_owned(), "pass".to_owned()),
            ("users::get_user_again".to_owned(), "pass".to_owned()),
        ]
    );
    // ...and asked for the ignored ones, nextest gets it alone: it cannot
    // run, so it fails with the reason (nextest would count an exit 0 as a
    // pass).
    let o = harness_run(&server.url, &["--ignored"], &nextest).unwrap();
    assert_eq!(
        ran(&o),
        [("users::get_by_placeholder".to_owned(), "fail".to_owned())]
    );
    assert_eq!(o.code, 101);
    // On a page whose cases run in order (a scenario touches it), the case
    // listed as ignored takes no turn: the one after it does not wait for
    // it forever.
    let scenarios = dir.join("scenarios.toml");
    std::fs::write(
        &scenarios,
        "[[scenario]]\npage = \"users\"\n[[scenario.setup]]\nmethod = \"GET\"\nurl = \"/v1.0/users/u-1\"\n",
    )
    .unwrap();
    let mut env = nextest.to_vec();
    env.push(("GRAPH_CONTRACT_SCENARIOS", scenarios.display().to_string()));
    let url = server.url.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(harness_run(&url, &[], &env).map(|o| (o.code, ran(&o))));
    });
    let (code, ran) = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the run hung")
        .unwrap();
    assert_eq!(code, 0);
    assert_eq!(
        ran,
        [
            ("users::get_user".to_owned(), "pass".to_owned()),
            ("users::get_user_again".to_owned(), "pass".to_owned()),
        ]
    );
}

#[test]
fn harness_report_files_under_nextest_are_a_configuration_error() {
    // nextest runs one case per process: a report file would be overwritten
    // by each, leaving one testcase. Say so instead of writing a wrong file.
    let server = gate_server(false);
    let dir = scratch("nextest");
    let junit = dir.join("junit.xml");
    let nextest = [
        ("NEXTEST", "1".to_owned()),
        ("NEXTEST_EXECUTION_MODE", "process-per-test".to_owned()),
    ];
    let mut env = nextest.to_vec();
    env.push(("GRAPH_CONTRACT_JUNIT", junit.display().to_string()));
    let err = harness_run(&server.url, &["--exact", "users::get_user"], &env)
        .err()
        .expect("an error");
    assert!(
        err.contains("GRAPH_CONTRACT_JUNIT") && err.contains("nextest"),
        "{err}"
    );
    assert!(!junit.exists());
    // Without report files, nextest runs are fine.
    let o = harness_run(&server.url, &["--exact", "users::get_user"], &nextest).unwrap();
    assert_eq!(o.code, 0);
}
