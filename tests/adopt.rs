//! Adopting the gate (issue 13, item 5, and part of item 4), end to end over
//! real HTTP on 127.0.0.1, through the binary and the libtest harness in
//! process: a run that writes a baseline passes; no changed page is
//! "nothing to check", not an error; `--ignored` lists, runs and reports
//! one set of cases, and a case that cannot run never passes; `show`
//! without a target prints its curl line against `$TARGET_URL`; `--filter`
//! reads the documented URL path; the diff folds what the contract does not
//! fix.

mod support;

use graph_contract::config::Env;
use graph_contract::harness;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::{Req, Resp, Run, TestServer, binary, crate_path, gc, run_cmd, serve};

// ---------------------------------------------------------------- helpers

/// A fresh, empty scratch folder under cargo's target tmp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("adopt")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The ids a `check` run reports on (`test ID ... verdict` lines), sorted.
fn ran(r: &Run) -> Vec<String> {
    let mut ids: Vec<String> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test "))
        .filter_map(|l| l.split_once(" ... ").map(|(id, _)| id.to_owned()))
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// An example of a page: a request line (and body), a response (or none).
fn example(name: &str, request: &str, response: Option<&str>) -> String {
    let mut out = format!(
        "### Request\n<!-- {{\"blockType\": \"request\", \"name\": \"{name}\"}} -->\n\
         ```http\n{request}\n```\n\n"
    );
    if let Some(body) = response {
        out.push_str(&format!(
            "### Response\n<!-- {{\"blockType\": \"response\", \"truncated\": true}} -->\n\
             ```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{body}\n```\n\n"
        ));
    }
    out
}

/// A page of these examples.
fn page(dir: &Path, name: &str, examples: &[String]) -> PathBuf {
    let p = dir.join(format!("{name}.md"));
    std::fs::write(&p, format!("# {name}\n\n{}", examples.concat())).unwrap();
    p
}

/// A service counting its requests: `GET /v1.0/users/u-1` and
/// `/v1.0/me/messages` answer; with `drift`, `GET /v1.0/groups/g-1` drops
/// `displayName`; anything else is a 404.
fn service(drift: bool) -> (TestServer, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let server = serve(move |req: Req| {
        seen.fetch_add(1, Ordering::SeqCst);
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/v1.0/users/u-1") => {
                Resp::json(200, &json!({"id": "u-1", "displayName": "Adele Vance"}))
            }
            ("GET", "/v1.0/me/messages") => {
                Resp::json(200, &json!({"value": [{"id": "m-1", "subject": "Hello"}]}))
            }
            ("GET", "/v1.0/groups/g-1") if drift => {
                Resp::json(200, &json!({"id": "g-1", "mailEnabled": true}))
            }
            ("GET", "/v1.0/groups/g-1") => Resp::json(
                200,
                &json!({"id": "g-1", "displayName": "Finance", "mailEnabled": true}),
            ),
            (m, p) => Resp::json(
                404,
                &json!({"error": {"code": "itemNotFound", "message": format!("{m} {p}")}}),
            ),
        }
    });
    (server, count)
}

/// The harness in process: these libtest arguments, `TARGET_URL` and the
/// pages, and more variables; libtest's own output goes to a log file,
/// returned with the outcome.
fn harness_run(
    target: &str,
    pages: &Path,
    args: &[&str],
    extra_env: &[(&str, String)],
) -> Result<(harness::Outcome, String), String> {
    let mut env: HashMap<String, String> = HashMap::from([
        ("TARGET_URL".into(), target.to_owned()),
        ("GRAPH_CONTRACT_SPECS".into(), pages.display().to_string()),
    ]);
    for (k, v) in extra_env {
        env.insert(k.to_string(), v.clone());
    }
    let log = support::harness_log();
    let mut argv = vec!["contract", "--logfile", &log];
    argv.extend_from_slice(args);
    let o = harness::run(
        libtest_mimic::Arguments::from_iter(argv),
        &Env::from_pairs(env),
    )
    .map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    Ok((o, text))
}

/// libtest's lines for tests (`test [GET] id ... verdict`, `[GET] id: test`
/// under `--list`): (id, the rest), in order.
fn libtest_lines(log: &str) -> Vec<(String, String)> {
    let strip_kind = |s: &str| match s.strip_prefix('[').and_then(|s| s.split_once("] ")) {
        Some((_, name)) => name.trim().to_owned(),
        None => s.trim().to_owned(),
    };
    log.lines()
        .filter_map(|l| {
            if let Some(rest) = l.strip_prefix("test ") {
                let (name, verdict) = rest.split_once(" ... ")?;
                Some((strip_kind(name), verdict.trim().to_owned()))
            } else {
                let name = l.strip_suffix(": test")?;
                Some((strip_kind(name), "listed".to_owned()))
            }
        })
        .collect()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=adopt",
            "-c",
            "user.email=adopt@example.test",
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

// ---------------------------------------------------------------- 1. baseline

#[test]
fn writing_a_baseline_passes_and_says_how_many_it_wrote() {
    let dir = scratch("write-baseline");
    let pages = crate_path("fixtures/gate");
    let (server, _) = service(true);
    let baseline = dir.join("baseline.txt");
    let mut c = binary();
    c.args(["check", "--target", &server.url, "--write-baseline"])
        .arg(&baseline)
        .arg(&pages);
    let r = run_cmd(c);
    assert_eq!(r.code, Some(0), "{r}");
    let written = std::fs::read_to_string(&baseline).unwrap();
    let ids: Vec<&str> = written
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    // get_group drifts; the others but get_user are 404s here (manager is
    // ignored: a placeholder).
    let mut ids = ids;
    ids.sort();
    assert_eq!(
        ids,
        [
            "drives::get_drive",
            "groups::delete_group",
            "groups::get_group",
            "users::create_user"
        ],
        "{written}"
    );
    // The failures still show, and the summary says what was written.
    assert!(
        r.stdout.contains("test groups::get_group ... FAILED"),
        "{r}"
    );
    let line = format!(
        "baseline: wrote {} failures to {} as known failures: this run passes \
         (--baseline {} from now on)",
        ids.len(),
        baseline.display(),
        baseline.display()
    );
    assert!(r.stdout.contains(&line), "{line}\n{r}");
    // With it, the next run passes; without it, it fails.
    let mut c = binary();
    c.args(["check", "--target", &server.url, "--baseline"])
        .arg(&baseline)
        .arg(&pages);
    let r = run_cmd(c);
    assert_eq!(r.code, Some(0), "{r}");
    let mut c = binary();
    c.args(["check", "--target", &server.url]).arg(&pages);
    assert_eq!(run_cmd(c).code, Some(1));
    // One failure: said in the singular.
    let one = dir.join("one.txt");
    let mut c = binary();
    c.args(["check", "--target", &server.url, "--filter", "get_group"])
        .arg("--write-baseline")
        .arg(&one)
        .arg(&pages);
    let r = run_cmd(c);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stdout.contains("baseline: wrote 1 failure to ")
            && r.stdout.contains("as known failure: this run passes"),
        "{r}"
    );
    // A baseline that cannot be written (a folder stands there) is still a
    // configuration error, and says nothing was written.
    let mut c = binary();
    c.args(["check", "--target", &server.url, "--write-baseline"])
        .arg(&dir)
        .arg(&pages);
    let r = run_cmd(c);
    assert_eq!(r.code, Some(2), "{r}");
    assert!(!r.stdout.contains("baseline: wrote"), "{r}");

    // The harness: the same (GRAPH_CONTRACT_WRITE_BASELINE), exit 0.
    let again = dir.join("harness.txt");
    let (o, _) = harness_run(
        &server.url,
        &pages,
        &[],
        &[("GRAPH_CONTRACT_WRITE_BASELINE", again.display().to_string())],
    )
    .unwrap();
    assert_eq!(o.code, 0);
    assert_eq!(std::fs::read_to_string(&again).unwrap(), written);
    let (o, _) = harness_run(&server.url, &pages, &[], &[]).unwrap();
    assert_eq!(o.code, 101, "without writing one, the failures fail");
}

// ---------------------------------------------------------------- 2. changed-since

#[test]
fn no_changed_page_is_nothing_to_check_and_every_other_empty_selection_an_error() {
    let repo = scratch("changed-since");
    let pages = repo.join("docs");
    std::fs::create_dir_all(&pages).unwrap();
    for name in ["users.md", "groups.md", "drives.md"] {
        std::fs::copy(crate_path("fixtures/gate").join(name), pages.join(name)).unwrap();
    }
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "pages"]);
    let (server, count) = service(false);
    let junit = repo.join("junit.xml");
    let check = |args: &[&str]| {
        let mut c = binary();
        c.args(["check", "--target", &server.url])
            .args(args)
            .arg(&pages);
        run_cmd(c)
    };

    // Nothing changed: exit 0, the line, no case, no request; the reports
    // are still written (a CI step reading them finds them).
    let r = check(&[
        "--changed-since",
        "HEAD",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stdout
            .contains("no page changed since HEAD: nothing to check\n"),
        "{r}"
    );
    assert!(ran(&r).is_empty(), "{r}");
    assert_eq!(count.load(Ordering::SeqCst), 0);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("tests=\"0\""), "{xml}");

    // The harness: zero trials, and the line (printed to stdout).
    let env = [("GRAPH_CONTRACT_CHANGED_SINCE", "HEAD".to_owned())];
    let (o, log) = harness_run(&server.url, &pages, &[], &env).unwrap();
    assert_eq!(o.code, 0);
    assert!(o.results.is_empty());
    assert!(log.contains("running 0 tests"), "{log}");
    assert_eq!(count.load(Ordering::SeqCst), 0);

    // Every other empty selection is still an error naming its knob: a
    // filter that matches nothing, before and with --changed-since...
    let rows: &[(&[&str], &str)] = &[
        (&["--filter", "nope"], "--filter"),
        (&["--filter", "nope", "--changed-since", "HEAD"], "--filter"),
        (&["--skip", "::", "--changed-since", "HEAD"], "--skip"),
    ];
    for (args, named) in rows {
        let r = check(args);
        assert_eq!(r.code, Some(2), "{args:?}: {r}");
        assert!(r.stderr.contains(named), "{args:?}: {r}");
        assert!(!r.stdout.contains("nothing to check"), "{args:?}: {r}");
    }
    let err = harness_run(
        &server.url,
        &pages,
        &[],
        &[
            ("GRAPH_CONTRACT_CHANGED_SINCE", "HEAD".to_owned()),
            ("GRAPH_CONTRACT_FILTER", "nope".to_owned()),
        ],
    )
    .err()
    .expect("an error");
    assert!(err.contains("--filter"), "{err}");

    // ...and a changed page whose cases --method then removes.
    let drives = pages.join("drives.md");
    let text = std::fs::read_to_string(&drives).unwrap();
    std::fs::write(&drives, text.replace("# Get drive", "# Get a drive")).unwrap();
    let r = check(&["--changed-since", "HEAD", "--method", "PATCH"]);
    assert_eq!(r.code, Some(2), "{r}");
    assert!(r.stderr.contains("--method PATCH"), "{r}");
    // A changed page: its cases run, nothing said of "nothing".
    let r = check(&["--changed-since", "HEAD"]);
    assert_eq!(r.code, Some(1), "{r}"); // /v1.0/drives/d-1 is a 404 here
    assert_eq!(ran(&r), sorted(&["drives::get_drive"]), "{r}");
    assert!(!r.stdout.contains("nothing to check"), "{r}");
}

// ---------------------------------------------------------------- 3. --ignored

#[test]
fn ignored_cases_are_one_set_listed_run_and_reported_and_never_pass() {
    let dir = scratch("ignored");
    let pages = page(
        &dir,
        "users",
        &[
            example(
                "get_user",
                "GET https://graph.microsoft.com/v1.0/users/u-1",
                Some(r#"{"id": "String", "displayName": "String"}"#),
            ),
            example(
                "by_placeholder",
                "GET https://graph.microsoft.com/v1.0/users/{user-id}",
                Some(r#"{"id": "String"}"#),
            ),
            example(
                "no_response",
                "GET https://graph.microsoft.com/v1.0/users/u-1/manager",
                None,
            ),
        ],
    );
    let (server, count) = service(false);
    let nextest = [
        ("NEXTEST", "1".to_owned()),
        ("NEXTEST_EXECUTION_MODE", "process-per-test".to_owned()),
    ];
    let ignored_of = |lines: &[(String, String)]| -> Vec<String> {
        let mut v: Vec<String> = lines
            .iter()
            .filter(|(_, verdict)| verdict.starts_with("ignored"))
            .map(|(id, _)| id.clone())
            .collect();
        v.sort();
        v
    };
    let want = sorted(&["users::by_placeholder", "users::no_response"]);

    // A plain run reports them ignored, each with its reason.
    let (o, log) = harness_run(&server.url, &pages, &[], &[]).unwrap();
    assert_eq!(o.code, 0, "{log}");
    let lines = libtest_lines(&log);
    assert_eq!(ignored_of(&lines), want, "{log}");
    assert!(
        log.contains("ignored (placeholder {user-id} in the URL")
            && log.contains("ignored (no documented response)"),
        "{log}"
    );
    let sent = count.load(Ordering::SeqCst);
    assert_eq!(sent, 1, "only get_user is sent");

    // `--list --ignored` lists that set, under cargo test and nextest.
    for env in [&[][..], &nextest[..]] {
        let (_, log) = harness_run(&server.url, &pages, &["--list", "--ignored"], env).unwrap();
        let mut listed: Vec<String> = libtest_lines(&log).into_iter().map(|(id, _)| id).collect();
        listed.sort();
        assert_eq!(listed, want, "{env:?}: {log}");
    }
    // `--list` alone lists every case.
    let (_, log) = harness_run(&server.url, &pages, &["--list"], &[]).unwrap();
    assert_eq!(libtest_lines(&log).len(), 3, "{log}");

    // `--ignored` runs that set; nothing can be sent for them, so they
    // fail with the reason (none passes), and nothing is sent.
    for env in [&[][..], &nextest[..]] {
        let (o, log) = harness_run(&server.url, &pages, &["--ignored"], env).unwrap();
        assert_eq!(o.code, 101, "{env:?}: {log}");
        let lines = libtest_lines(&log);
        let mut run: Vec<String> = lines.iter().map(|(id, _)| id.clone()).collect();
        run.sort();
        assert_eq!(run, want, "{env:?}: {log}");
        assert!(lines.iter().all(|(_, v)| v == "FAILED"), "{env:?}: {log}");
        assert!(
            log.contains("cannot run: no documented response; nothing was sent")
                && log.contains("cannot run: placeholder {user-id} in the URL"),
            "{env:?}: {log}"
        );
        assert!(o.results.iter().all(|r| r.verdict.word() == "fail"));
        assert_eq!(count.load(Ordering::SeqCst), sent, "nothing sent");
    }
    // One of them by name under nextest (how it runs each test), the same.
    let (o, log) = harness_run(
        &server.url,
        &pages,
        &["--ignored", "--exact", "users::no_response"],
        &nextest,
    )
    .unwrap();
    assert_eq!(o.code, 101, "{log}");
    assert_eq!(
        libtest_lines(&log),
        [("users::no_response".to_owned(), "FAILED".to_owned())]
    );
    // Nothing ignored: `--ignored` runs zero trials and passes (cargo test
    // hands it to every target); a name filter matching nothing is still an
    // error.
    let (o, log) = harness_run(&server.url, &pages, &["--ignored", "get_user"], &[]).unwrap();
    assert_eq!(o.code, 0, "{log}");
    assert!(
        o.results.is_empty() && log.contains("running 0 tests"),
        "{log}"
    );
    let err = harness_run(&server.url, &pages, &["--ignored", "no-such-case"], &[])
        .err()
        .expect("an empty selection");
    assert!(err.contains("no-such-case"), "{err}");
    // `--include-ignored`: the others run and pass, these fail.
    let (o, log) = harness_run(&server.url, &pages, &["--include-ignored"], &[]).unwrap();
    assert_eq!(o.code, 101, "{log}");
    let lines = libtest_lines(&log);
    assert!(
        lines.contains(&("users::get_user".to_owned(), "ok".to_owned())),
        "{log}"
    );
    assert_eq!(
        lines.iter().filter(|(_, v)| v == "FAILED").count(),
        2,
        "{log}"
    );
}

// ---------------------------------------------------------------- 4. show

#[test]
fn show_without_a_target_prints_its_curl_line_against_target_url() {
    let dir = scratch("show");
    let pages = page(
        &dir,
        "me",
        &[
            example(
                "get_user",
                "GET https://graph.microsoft.com/v1.0/users/u-1",
                Some(r#"{"id": "String"}"#),
            ),
            example(
                "count",
                "GET https://graph.microsoft.com/v1.0/me/messages/$count",
                Some("{}"),
            ),
            example(
                "quoted_key",
                "GET https://graph.microsoft.com/v1.0/users('u-1')",
                Some(r#"{"id": "String"}"#),
            ),
        ],
    );
    // (case, the URL the curl line reaches once TARGET_URL is set)
    let rows = [
        (
            "me::get_user",
            "http://svc.example.test/base/v1.0/users/u-1",
        ),
        (
            "me::count",
            "http://svc.example.test/base/v1.0/me/messages/$count",
        ),
        (
            "me::quoted_key",
            "http://svc.example.test/base/v1.0/users('u-1')",
        ),
    ];
    for (id, want) in rows {
        let r = gc(["show".as_ref(), id.as_ref(), pages.as_os_str()]);
        assert_eq!(r.code, Some(0), "{r}");
        assert!(r.stdout.contains("\"$TARGET_URL"), "{id}: {r}");
        // The built-in mock's routing header is not the service's.
        assert!(!r.stdout.contains("x-graph-contract-case"), "{id}: {r}");
        assert!(!r.stdout.contains("127.0.0.1"), "no dead mock port: {r}");
        // The curl line as the shell reads it, `curl` replaced by a
        // function printing its arguments: the URL argument is the base
        // and the documented path.
        let (_, rest) = r.stdout.split_once("  curl ").expect("a curl line");
        let mut command = String::from("curl");
        for l in rest.lines() {
            command.push(' ');
            command.push_str(l.trim());
            if !l.ends_with('\\') {
                break;
            }
        }
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("curl() {{ printf '%s\\n' \"$@\"; }}\n{command}"))
            .env("TARGET_URL", "http://svc.example.test/base")
            .output()
            .unwrap();
        let args = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command}: {out:?}");
        assert!(
            args.lines().any(|a| a == want),
            "{id}: {command}\nexpands to\n{args}"
        );
    }
    // With --target: the real URL, as before.
    let (server, _) = service(false);
    let r = gc([
        "show".as_ref(),
        "me::get_user".as_ref(),
        pages.as_os_str(),
        "--target".as_ref(),
        server.url.as_ref(),
    ]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stdout
            .contains(&format!("curl -i -X GET '{}/v1.0/users/u-1'", server.url)),
        "{r}"
    );
    assert!(!r.stdout.contains("$TARGET_URL"), "{r}");
}

// ---------------------------------------------------------------- 5. --filter

#[test]
fn filter_keeps_cases_whose_id_or_documented_path_contains_the_text() {
    let dir = scratch("filter");
    let pages = dir.join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    page(
        &pages,
        "messages",
        &[
            example(
                "list_messages",
                "GET https://graph.microsoft.com/v1.0/me/messages",
                Some(r#"{"value": [{"id": "String", "subject": "String"}]}"#),
            ),
            example(
                "relative",
                "GET /me/messages?$select=subject",
                Some(r#"{"value": [{"subject": "String"}]}"#),
            ),
            example("no_slash", "GET me/mailFolders", Some(r#"{"value": []}"#)),
        ],
    );
    page(
        &pages,
        "users",
        &[example(
            "get_user",
            "GET https://graph.microsoft.com/v1.0/users/u-1",
            Some(r#"{"id": "String"}"#),
        )],
    );
    // (filter, the ids kept; none: an error naming --filter)
    let rows: &[(&str, Option<&[&str]>)] = &[
        (
            "/me/messages",
            Some(&["messages::list_messages", "messages::relative"]),
        ),
        ("/v1.0/me/messages", Some(&["messages::list_messages"])),
        ("/me/mailFolders", Some(&["messages::no_slash"])),
        ("/users/u-1", Some(&["users::get_user"])),
        ("get_user", Some(&["users::get_user"])), // the id still counts
        (
            "v1.0",
            Some(&["messages::list_messages", "users::get_user"]),
        ),
        ("$select", None),             // the query is not the path
        ("graph.microsoft.com", None), // nor the origin
    ];
    for (filter, want) in rows {
        let r = gc([
            "list".as_ref(),
            "--filter".as_ref(),
            filter.as_ref(),
            pages.as_os_str(),
        ]);
        match want {
            Some(ids) => {
                assert_eq!(r.code, Some(0), "{filter}: {r}");
                let mut got: Vec<String> = r.stdout.lines().map(str::to_owned).collect();
                got.sort();
                assert_eq!(got, sorted(ids), "{filter}: {r}");
            }
            None => {
                assert_eq!(r.code, Some(2), "{filter}: {r}");
                assert!(
                    r.stderr.contains("--filter") && r.stderr.contains("documented URL path"),
                    "{filter}: {r}"
                );
            }
        }
    }
    // check selects the same way, and so does the harness's variable.
    let (server, _) = service(false);
    let mut c = binary();
    c.args(["check", "--target", &server.url, "--filter", "/me/messages"])
        .arg(&pages);
    let r = run_cmd(c);
    assert_eq!(
        ran(&r),
        sorted(&["messages::list_messages", "messages::relative"]),
        "{r}"
    );
    let (o, _) = harness_run(
        &server.url,
        &pages,
        &[],
        &[("GRAPH_CONTRACT_FILTER", "/me/messages".to_owned())],
    )
    .unwrap();
    let mut ids: Vec<String> = o
        .results
        .iter()
        .map(|r| o.cases[r.index].id.clone())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        sorted(&["messages::list_messages", "messages::relative"])
    );
    // libtest's own filter stays by name: a path selects no test.
    let err = harness_run(&server.url, &pages, &["/me/messages"], &[])
        .err()
        .expect("an empty selection");
    assert!(err.contains("matched none"), "{err}");
}

// ---------------------------------------------------------------- 6. the folded diff

#[test]
fn the_diff_under_a_failure_folds_values_the_contract_does_not_fix() {
    let dir = scratch("folded");
    let pages = page(
        &dir,
        "mail",
        &[example(
            "list_messages",
            "GET https://graph.microsoft.com/v1.0/me/messages",
            Some(
                r##"{"value": [{"@odata.type": "#microsoft.graph.message", "id": "String", "subject": "String", "isRead": false, "importance": "normal"}]}"##,
            ),
        )],
    );
    // The service's message: another @odata.type (a finding), its own id,
    // subject and isRead (values), importance a number (a type finding).
    let server = serve(|req: Req| match req.path.as_str() {
        "/v1.0/me/messages" => Resp::json(
            200,
            &json!({"value": [{
                "@odata.type": "#microsoft.graph.eventMessage",
                "id": "m-1", "subject": "Hello", "isRead": true, "importance": 1
            }]}),
        ),
        _ => Resp::json(404, &json!({})),
    });
    let check = |args: &[&str]| {
        let mut c = binary();
        c.args(["check", "--target", &server.url])
            .args(args)
            .arg(&pages);
        run_cmd(c)
    };
    let r = check(&[]);
    assert_eq!(r.code, Some(1), "{r}");
    // (the lines under `diff (documented vs actual):`, unindented)
    let lines = [
        "--- documented",
        "+++ actual",
        "@@ -4,9 +4,9 @@",
        " {",
        "   \"value\": [",
        "     {",
        "-      \"@odata.type\": \"#microsoft.graph.message\",",
        "+      \"@odata.type\": \"#microsoft.graph.eventMessage\",",
        "       \"id\": \"m-1\",",
        "-      \"importance\": \"normal\",",
        "+      \"importance\": 1,",
        "       \"isRead\": true,",
        "       \"subject\": \"Hello\"",
        "     }",
        "(3 lines differ only in values the contract does not fix; --details shows them)",
    ];
    let want: String = lines.iter().map(|l| format!("    {l}\n")).collect();
    assert!(r.stdout.contains(&want), "want:\n{want}\n{r}");
    // --details: the value-level diff.
    let r = check(&["--details"]);
    for line in [
        "-      \"id\": \"String\",",
        "+      \"id\": \"m-1\",",
        "-      \"isRead\": false,",
        "+      \"isRead\": true,",
    ] {
        assert!(r.stdout.contains(line), "{line}: {r}");
    }
    assert!(!r.stdout.contains("differ only"), "{r}");
}
