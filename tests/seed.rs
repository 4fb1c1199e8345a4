//! The seed page end to end over real HTTP: a conforming server that does not
//! echo the docs passes; drifting servers fail with the right finding at the
//! right pointer; an extra property on a non-truncated response only warns.
//! Each path is exercised through the library, the libtest harness and the
//! binary.

mod support;

use graph_contract::docs;
use graph_contract::model::{FindingKind, Severity};
use graph_contract::run::{CaseResult, Session, Settings, Verdict};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use support::seed::seed_server;
use support::{Resp, binary, crate_path, now_rfc3339, seed_page, serve};

fn run_page(page: &std::path::Path, target: &str) -> CaseResult {
    let corpus = docs::read_paths(&[page]);
    assert_eq!(corpus.cases.len(), 1, "one example on {}", page.display());
    let settings = Settings {
        target: Some(target.to_owned()),
        ..Settings::default()
    };
    let session = Arc::new(Session::open(settings, Arc::new(corpus.cases)).expect("session"));
    session.run_all(&[0], 4, |_| {}).remove(0)
}

/// (pointer, kind, severity) of every finding.
fn shape(r: &CaseResult) -> Vec<(String, FindingKind, Severity)> {
    r.findings
        .iter()
        .map(|f| (f.pointer.clone(), f.kind, f.severity))
        .collect()
}

#[test]
fn conforming_server_passes_without_findings() {
    let server = seed_server(|_, _| {});
    let r = run_page(&seed_page(), &server.url);
    assert_eq!(r.verdict, Verdict::Pass, "findings: {:#?}", r.findings);
    assert!(
        r.findings.is_empty(),
        "truncated example: extras are silent: {:#?}",
        r.findings
    );
    let sent = r.sent.expect("sent");
    assert_eq!(
        sent.url.as_str(),
        format!("{}/localtest/me/onenote/operations", server.url)
    );
    assert!(
        !sent
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    );
}

fn assert_drift(
    drift: impl Fn(&mut Value, &mut Resp) + Send + Sync + 'static,
    pointer: &str,
    kind: FindingKind,
) {
    let server = seed_server(drift);
    let r = run_page(&seed_page(), &server.url);
    assert_eq!(r.verdict, Verdict::Fail, "findings: {:#?}", r.findings);
    assert!(
        shape(&r).contains(&(pointer.to_owned(), kind, Severity::Error)),
        "expected an error {kind:?} at {pointer:?}, got {:#?}",
        r.findings
    );
}

#[test]
fn drift_status_200_instead_of_201() {
    assert_drift(|_, r| r.status = 200, "", FindingKind::Status);
}

#[test]
fn drift_content_type_text_plain() {
    assert_drift(
        |_, r| r.headers = vec![("Content-Type".into(), "text/plain".into())],
        "",
        FindingKind::ContentType,
    );
}

#[test]
fn drift_resource_id_missing() {
    assert_drift(
        |b, _| {
            b.as_object_mut().unwrap().remove("resourceId");
        },
        "/resourceId",
        FindingKind::Missing,
    );
}

#[test]
fn drift_percent_complete_a_number() {
    assert_drift(
        |b, _| b["percentComplete"] = json!(40),
        "/percentComplete",
        FindingKind::Type,
    );
}

#[test]
fn drift_error_an_array() {
    assert_drift(|b, _| b["error"] = json!([]), "/error", FindingKind::Type);
}

#[test]
fn drift_odata_type_of_another_type() {
    assert_drift(
        |b, _| b["@odata.type"] = json!("#microsoft.graph.notebook"),
        "/@odata.type",
        FindingKind::OdataType,
    );
}

#[test]
fn extra_property_on_a_non_truncated_response_only_warns() {
    let server = serve(|req| {
        assert_eq!(req.path, "/v1.0/me/onenote/operations/op-7311");
        Resp::json(
            200,
            &json!({"id": "op-7311", "status": "Running", "createdDateTime": now_rfc3339(),
                    "percentComplete": "5", "resourceId": "1-abc"}),
        )
    });
    let r = run_page(
        &crate_path("fixtures/e2e/onenote-get-operation.md"),
        &server.url,
    );
    assert_eq!(r.verdict, Verdict::Pass, "findings: {:#?}", r.findings);
    assert_eq!(
        shape(&r),
        vec![(
            "/resourceId".to_owned(),
            FindingKind::Undocumented,
            Severity::Warning
        )]
    );
}

#[test]
fn unreachable_target_fails_the_case_with_a_clear_message() {
    // Bind then drop a listener: the port is (almost surely) closed now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = run_page(&seed_page(), &format!("http://127.0.0.1:{port}"));
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.findings[0].kind, FindingKind::Transport);
    assert!(
        r.findings[0].message.contains("cannot connect"),
        "{}",
        r.findings[0].message
    );
}

/// The libtest face, in process: same cases, libtest's arguments.
fn harness(
    target: &str,
    specs: &std::path::Path,
    args: &[&str],
) -> graph_contract::harness::Outcome {
    let env: HashMap<&str, String> = HashMap::from([
        ("TARGET_URL", target.to_owned()),
        ("GRAPH_CONTRACT_SPECS", specs.display().to_string()),
    ]);
    let lookup = graph_contract::config::Env::from_pairs(env.clone());
    let log = support::harness_log();
    let mut argv = vec!["contract", "--quiet", "--logfile", &log];
    argv.extend_from_slice(args);
    graph_contract::harness::run(libtest_mimic::Arguments::from_iter(argv), &lookup)
        .expect("harness")
}

#[test]
fn harness_passes_against_a_conforming_server_and_fails_against_a_drift() {
    let good = seed_server(|_, _| {});
    let outcome = harness(&good.url, &seed_page(), &[]);
    assert_eq!(outcome.code, 0);
    assert_eq!(outcome.results.len(), 1);
    assert_eq!(
        outcome.cases[0].id,
        "onenote-post-operations::create_onenoteoperation_from_"
    );

    let bad = seed_server(|b, _| b["percentComplete"] = json!(40));
    let outcome = harness(&bad.url, &seed_page(), &[]);
    assert_eq!(outcome.code, 101);
    assert_eq!(outcome.results[0].verdict, Verdict::Fail);
}

#[test]
fn harness_filter_and_exact_select_by_case_id() {
    let good = seed_server(|_, _| {});
    let specs = crate_path("specs");
    let outcome = harness(
        &good.url,
        &specs,
        &[
            "--exact",
            "onenote/onenote-post-operations::create_onenoteoperation_from_",
        ],
    );
    assert_eq!(outcome.code, 0);
    assert_eq!(outcome.results.len(), 1);
    // A filter that selects nothing is an error, never a pass.
    let env = HashMap::from([
        ("TARGET_URL", good.url.clone()),
        ("GRAPH_CONTRACT_SPECS", specs.display().to_string()),
    ]);
    let lookup = graph_contract::config::Env::from_pairs(env.clone());
    let err = graph_contract::harness::run(
        libtest_mimic::Arguments::from_iter(["contract", "no-such-case"]),
        &lookup,
    )
    .err()
    .expect("an empty selection is an error")
    .to_string();
    assert!(err.contains("no-such-case"), "{err}");
}

#[test]
fn binary_check_exit_codes_and_findings() {
    let good = seed_server(|_, _| {});
    let out = binary()
        .args(["check", "--target", &good.url])
        .arg(seed_page())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("1 passed; 0 failed"), "{stdout}");

    let bad = seed_server(|b, _| {
        b.as_object_mut().unwrap().remove("resourceId");
    });
    let out = binary()
        .args(["check", "--target", &bad.url])
        .arg(seed_page())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("error: /resourceId: missing"), "{stdout}");
    assert!(
        stdout.contains("specs/onenote/onenote-post-operations.md:"),
        "page:line named: {stdout}"
    );
    assert!(stdout.contains("-  \"resourceId\""), "a diff: {stdout}");
    assert!(!stdout.contains('\x1b'), "no colour when NO_COLOR is set");
}

#[test]
fn binary_check_without_target_uses_the_built_in_mock() {
    let out = binary().args(["check"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("built-in mock"), "{stdout}");
    assert!(stdout.contains("1 passed; 0 failed"), "{stdout}");
}

#[test]
fn binary_configuration_errors_exit_2() {
    let out = binary()
        .args(["check", "--target", "not a url"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not parse"));
    let out = binary()
        .args(["check", "--filter", "nothing-like-this"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--filter"));
    let out = binary().args(["list", "no/such/folder"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
