//! Judging against the declared schema (`$metadata`) as well as the example:
//! the seed case against a conforming server passes with `--metadata`; drifts
//! that only the schema catches fail with a `schema` finding at the right
//! pointer; `--metadata-from-target` fetches `$metadata` once per version;
//! and over the real metadata every annotated type it declares resolves.

mod support;

use graph_contract::csdl::{Metadata, SchemaJudge, TypeRef};
use graph_contract::docs;
use graph_contract::model::{FindingKind, Severity};
use graph_contract::run::{CaseResult, MetadataSource, Session, Settings, Verdict};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::seed::seed_server;
use support::{Resp, binary, crate_path, seed_page, serve};

fn fixture_metadata() -> PathBuf {
    crate_path("fixtures/csdl/onenote.xml")
}

fn run_seed(target: &str, metadata: MetadataSource) -> CaseResult {
    let corpus = docs::read_paths(&[seed_page().as_path()]);
    let settings = Settings {
        target: Some(target.to_owned()),
        metadata: Some(metadata),
        ..Settings::default()
    };
    let session = Arc::new(Session::open(settings, Arc::new(corpus.cases)).unwrap());
    session.run_all(&[0], 2, |_| {}).remove(0)
}

fn file_source() -> MetadataSource {
    let meta = Metadata::load(&fixture_metadata()).unwrap();
    MetadataSource::File(Arc::new(SchemaJudge::new(Arc::new(meta))))
}

fn schema_errors(r: &CaseResult) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.kind == FindingKind::Schema && f.severity == Severity::Error)
        .map(|f| f.pointer.clone())
        .collect()
}

#[test]
fn conforming_server_passes_with_metadata() {
    let server = seed_server(|_, _| {});
    let r = run_seed(&server.url, file_source());
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.findings);
    assert!(schema_errors(&r).is_empty());
    // The server adds `operationKind`, which the closed type does not declare.
    assert!(
        r.findings.iter().any(|f| f.kind == FindingKind::Schema
            && f.severity == Severity::Warning
            && f.pointer == "/operationKind"),
        "{:#?}",
        r.findings
    );
}

#[test]
fn drifts_only_the_schema_catches() {
    let cases: [(&str, Value, &str); 3] = [
        ("status", json!("Paused"), "/status"),
        ("percentComplete", json!(40), "/percentComplete"),
        (
            "createdDateTime",
            json!("yesterday at noon"),
            "/createdDateTime",
        ),
    ];
    for (property, value, pointer) in cases {
        let v = value.clone();
        let server = seed_server(move |b, _| b[property] = v.clone());
        let r = run_seed(&server.url, file_source());
        assert_eq!(r.verdict, Verdict::Fail, "{property}: {:#?}", r.findings);
        assert!(
            schema_errors(&r).contains(&pointer.to_owned()),
            "{property}: expected a schema error at {pointer}: {:#?}",
            r.findings
        );
    }
    // Without metadata the enum drift and the date drift pass the example
    // judge (values are placeholders there; formats only warn).
    for (property, value) in [
        ("status", json!("Paused")),
        ("createdDateTime", json!("yesterday")),
    ] {
        let server = seed_server(move |b, _| b[property] = value.clone());
        let corpus = docs::read_paths(&[seed_page().as_path()]);
        let settings = Settings {
            target: Some(server.url.clone()),
            ..Settings::default()
        };
        let session = Arc::new(Session::open(settings, Arc::new(corpus.cases)).unwrap());
        let r = session.run_all(&[0], 1, |_| {}).remove(0);
        assert_eq!(r.verdict, Verdict::Pass, "{property}: {:#?}", r.findings);
    }
}

#[test]
fn metadata_from_target_is_fetched_once_per_version() {
    let xml = std::fs::read_to_string(fixture_metadata()).unwrap();
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let server = serve(move |req| {
        if req.path == "/localtest/$metadata" {
            counter.fetch_add(1, Ordering::SeqCst);
            return Resp {
                status: 200,
                headers: vec![("Content-Type".into(), "application/xml".into())],
                body: xml.clone().into_bytes(),
            };
        }
        let mut body = support::seed::conforming_body();
        body["status"] = json!("Paused");
        Resp::json(201, &body)
    });
    let corpus = docs::read_paths(&[seed_page().as_path()]);
    let case = corpus.cases[0].clone();
    let cases = vec![case.clone(), case.clone(), case];
    let settings = Settings {
        target: Some(server.url.clone()),
        metadata: Some(MetadataSource::from_target()),
        ..Settings::default()
    };
    let session = Arc::new(Session::open(settings, Arc::new(cases)).unwrap());
    let results = session.run_all(&[0, 1, 2], 3, |_| {});
    for r in &results {
        assert!(
            schema_errors(r).contains(&"/status".to_owned()),
            "{:#?}",
            r.findings
        );
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

#[test]
fn binary_check_with_metadata_and_schema_command() {
    let server = seed_server(|b, _| b["status"] = json!("Paused"));
    let out = binary()
        .args(["check", "--target", &server.url, "--metadata"])
        .arg(fixture_metadata())
        .arg(seed_page())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("error: /status:"), "{stdout}");

    let out = binary()
        .args(["schema", "--type", "graph.onenoteoperation", "--metadata"])
        .arg(fixture_metadata())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    assert!(validator.is_valid(&json!({"id": "x", "status": "Running", "percentComplete": "5"})));
    assert!(!validator.is_valid(&json!({"id": "x", "status": "Paused"})));

    let out = binary()
        .args(["check", "--metadata", "fixtures/csdl/broken-truncated.xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken-truncated.xml"), "{stderr}");
}

#[test]
fn lint_with_metadata_reports_the_seed_placeholder_under_its_own_kind() {
    let out = binary()
        .args(["lint", "--short", "--metadata"])
        .arg(fixture_metadata())
        .arg(seed_page())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(": schema-placeholder: /status:"),
        "{stdout}"
    );
    assert!(!stdout.contains("schema-not-enum-member"), "{stdout}");
}

fn shared(rel: &str, var: &str) -> PathBuf {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared")
            .join(rel),
    }
}

#[test]
fn real_metadata_resolves_every_declared_annotated_type_of_the_real_pages() {
    let csdl = shared("graph-metadata/v1.0.csdl", "GRAPH_CONTRACT_METADATA");
    let pages = shared("graph-docs/v1.0/api", "GRAPH_CONTRACT_CORPUS");
    assert!(
        csdl.is_file() && pages.is_dir(),
        "the real metadata and pages are expected at {} and {} (CI lays ../shared beside the clone)",
        csdl.display(),
        pages.display()
    );
    let meta = Arc::new(Metadata::load(&csdl).unwrap());
    let declared: std::collections::HashSet<String> = meta
        .structured_type_names()
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    let corpus = docs::read_paths(&[pages.as_path()]);
    let mut annotated = 0;
    for case in &corpus.cases {
        for r in case.response.iter().chain(&case.alternatives) {
            let Some(t) = &r.odata_type else { continue };
            let bare = t.trim().trim_start_matches('#').to_ascii_lowercase();
            let bare = bare
                .strip_prefix("collection(")
                .and_then(|b| b.strip_suffix(')'))
                .unwrap_or(&bare)
                .trim_start_matches('#')
                .to_owned();
            if declared.contains(&bare) {
                annotated += 1;
                let resolved = meta.resolve(t);
                assert!(
                    matches!(
                        resolved,
                        Some(TypeRef::Entity(_) | TypeRef::Complex(_) | TypeRef::Collection(_))
                    ),
                    "{}:{}: {t:?} is declared but resolved to {resolved:?}",
                    case.page,
                    r.line
                );
            }
        }
    }
    assert!(
        annotated > 900,
        "only {annotated} annotated types found declared"
    );
    // And validating every documented example against it never panics.
    let judge = SchemaJudge::new(meta);
    let lints = graph_contract::csdl::lint_cases(&judge, &corpus.cases);
    assert!(lints.iter().any(|d| d.kind == "schema-not-enum-member"));
}

#[test]
fn graph_json_type_holds_any_json() {
    let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <ComplexType Name="Json" />
      <ComplexType Name="Empty" />
      <EntityType Name="namedItem">
        <Key><PropertyRef Name="name" /></Key>
        <Property Name="name" Type="Edm.String" Nullable="false" />
        <Property Name="value" Type="graph.Json" />
        <Property Name="other" Type="graph.Empty" />
      </EntityType>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;
    let judge = SchemaJudge::new(Arc::new(Metadata::parse(xml).unwrap()));
    for value in [
        json!([[1, "a"]]),
        json!("=A1"),
        json!(3),
        json!({"a": 1}),
        Value::Null,
    ] {
        let found = judge
            .validate(
                "microsoft.graph.namedItem",
                &json!({"name": "n", "value": value}),
            )
            .unwrap();
        assert!(found.is_empty(), "{value}: {found:#?}");
    }
    // Any other property-less complex type is still an object.
    let found = judge
        .validate(
            "microsoft.graph.namedItem",
            &json!({"name": "n", "other": [1]}),
        )
        .unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].pointer, "/other");
}
