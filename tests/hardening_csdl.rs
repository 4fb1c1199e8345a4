//! Hardening of the `$metadata` support (issue #11): no CSDL document can
//! crash the run, hang it or blow its memory.
//!
//! - inheritance: a chain as long as the reader allows (`MAX_DEPTH` types)
//!   loads and is judged like a short one, by the compiled judge and by the
//!   exported schemas; a longer one, a cycle and an unknown base are errors
//!   naming the type, also through the binary (exit 2);
//! - document structure: a 10⁵-deep element nesting, a 10⁵-deep
//!   `Collection(...)` and multi-byte text anywhere are errors or nothing,
//!   never a stack overflow or a panic;
//! - output: `schema --all` writes a few bytes per byte of the document;
//! - `--metadata-from-target`: an endless or huge `$metadata` is refused at
//!   the cap, with a clear message.
//!
//! No timed assertions: the figures are in `benches/csdl.rs`.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use graph_contract::csdl::{MAX_DEPTH, Metadata, SchemaJudge};
use graph_contract::docs;
use graph_contract::model::{FindingKind, Severity};
use graph_contract::run::{MetadataSource, Session, Settings};
use serde_json::{Value, json};
use support::tcp::{Next, raw_serve};
use support::{binary, output_text, seed_page, tmp_dir};

const HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="deep" Alias="d" xmlns="http://docs.oasis-open.org/odata/ns/edm">
"#;
const TAIL: &str = "</Schema></edmx:DataServices></edmx:Edmx>\n";

/// `levels` entity types `deep.t0` ← `deep.t1` ← ...: `t0` has `p0`, a
/// string that is not nullable; `tk` has `pk`, an Int32. Declared root
/// first, or leaf first when `reversed`.
fn chain(levels: usize, reversed: bool) -> String {
    let mut types: Vec<String> = (0..levels)
        .map(|i| match i {
            0 => r#"<EntityType Name="t0"><Property Name="p0" Type="Edm.String" Nullable="false"/></EntityType>"#.to_owned(),
            _ => format!(
                r#"<EntityType Name="t{i}" BaseType="deep.t{}"><Property Name="p{i}" Type="Edm.Int32"/></EntityType>"#,
                i - 1
            ),
        })
        .collect();
    if reversed {
        types.reverse();
    }
    format!("{HEAD}{}\n{TAIL}", types.join("\n"))
}

fn doc(body: &str) -> String {
    format!("{HEAD}{body}\n{TAIL}")
}

/// (pointer, severity) of each finding.
type Findings = Vec<(String, Severity)>;

/// (pointer, severity) of each finding, sorted.
fn brief(judge: &SchemaJudge, ty: &str, body: Value) -> Findings {
    let mut v: Vec<_> = judge
        .validate(ty, &body)
        .unwrap_or_else(|| panic!("{ty} resolves"))
        .into_iter()
        .map(|f| {
            assert_eq!(f.kind, FindingKind::Schema, "{f}");
            (f.pointer, f.severity)
        })
        .collect();
    v.sort();
    v
}

fn e(p: &str) -> (String, Severity) {
    (p.to_owned(), Severity::Error)
}

fn w(p: &str) -> (String, Severity) {
    (p.to_owned(), Severity::Warning)
}

fn write_tmp(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

// ------------------------------------------------------------ inheritance

#[test]
fn a_chain_as_deep_as_allowed_loads_and_judges_like_a_short_one() {
    // On the test thread's own (2 MiB) stack: the judge nests one `$ref`
    // per level of dispatch and per 8 levels of properties.
    let meta = Arc::new(Metadata::parse(&chain(MAX_DEPTH, false)).expect("loads"));
    let leaf = format!("deep.t{}", MAX_DEPTH - 1);
    assert_eq!(meta.base_types(&leaf).len(), MAX_DEPTH - 1);
    let judge = SchemaJudge::new(meta.clone());
    assert_eq!(judge.compile_all(), Ok(MAX_DEPTH));
    let mid = format!("p{}", MAX_DEPTH / 2);
    let last = format!("p{}", MAX_DEPTH - 1);
    // (type judged, body, findings): the leaf knows every inherited
    // property, the root's `p0` first of all; a root-typed value whose
    // `@odata.type` names the leaf is judged as the leaf.
    let as_leaf = json!(format!("#deep.t{}", MAX_DEPTH - 1));
    let table: Vec<(&str, Value, Findings)> = vec![
        (&leaf, json!({"p0": "x", &mid: 1, &last: 2}), vec![]),
        (&leaf, json!({"p0": 5}), vec![e("/p0")]),
        (&leaf, json!({"p0": null}), vec![e("/p0")]),
        (
            &leaf,
            json!({"p0": "x", &mid: "1"}),
            vec![e(&format!("/{mid}"))],
        ),
        (&leaf, json!({"p0": "x", "nope": 1}), vec![w("/nope")]),
        (
            "deep.t0",
            json!({"p0": "x", &mid: 1}),
            vec![w(&format!("/{mid}"))],
        ),
        (
            "deep.t0",
            json!({"@odata.type": as_leaf, "p0": "x", &mid: 1, &last: 2}),
            vec![],
        ),
        (
            "deep.t0",
            json!({"@odata.type": as_leaf, "p0": 1, &last: "2", "nope": 1}),
            vec![w("/nope"), e("/p0"), e(&format!("/{last}"))],
        ),
        (
            "deep.t3",
            json!({"@odata.type": "#d.T40", "p0": "x", "p40": "no"}),
            vec![e("/p40")],
        ),
    ];
    for (ty, body, want) in table {
        assert_eq!(brief(&judge, ty, body.clone()), want, "{ty} {body}");
    }
    // The exported schemas say the same to any 2020-12 validator.
    let s = meta.type_schema(&leaf).expect("schema");
    let v = jsonschema::validator_for(&s).expect("the leaf's schema compiles");
    assert!(v.is_valid(&json!({"p0": "x", &mid: 1, &last: 2})));
    assert!(!v.is_valid(&json!({"p0": 5})));
    assert!(!v.is_valid(&json!({"p0": "x", "nope": 1})));
    let s = meta.type_schema("deep.t0").expect("schema");
    let v = jsonschema::validator_for(&s).expect("the root's schema compiles");
    assert!(v.is_valid(&json!({"@odata.type": as_leaf, "p0": "x", &last: 2})));
    assert!(!v.is_valid(&json!({"@odata.type": as_leaf, "p0": "x", &last: "2"})));
    assert!(!v.is_valid(&json!({"p0": "x", &last: 2})));
}

#[test]
fn a_chain_deeper_than_allowed_is_an_error_naming_the_type() {
    for (levels, reversed) in [(MAX_DEPTH + 1, false), (20_000, false), (20_000, true)] {
        let err = Metadata::parse(&chain(levels, reversed)).expect_err("too deep");
        let culprit = format!("deep.t{MAX_DEPTH}:");
        assert!(
            err.message.starts_with(&culprit) && err.message.contains("deeper than 64"),
            "{levels} {reversed}: {err}"
        );
        assert!(err.line() > 3, "points at the type: {err}");
    }
}

#[test]
fn cycles_and_unknown_bases_are_errors_naming_the_type() {
    let long_cycle: String = (0..10_000)
        .map(|i| {
            format!(
                r#"<EntityType Name="c{i}" BaseType="deep.c{}"/>"#,
                (i + 1) % 10_000
            )
        })
        .collect();
    for (body, line, what) in [
        (
            r#"<EntityType Name="a" BaseType="deep.a"/>"#.to_owned(),
            4,
            "deep.a: its base types form a cycle (deep.a -> deep.a)",
        ),
        (
            r#"<EntityType Name="x" BaseType="d.a"/>
<ComplexType Name="a" BaseType="deep.b"/>
<ComplexType Name="b" BaseType="DEEP.A"/>"#
                .to_owned(),
            5,
            "deep.a: its base types form a cycle (deep.a -> deep.b -> deep.a)",
        ),
        (
            long_cycle,
            4,
            "deep.c0: its base types form a cycle (deep.c0 -> deep.c1",
        ),
        (
            r#"<EntityType Name="a"/>
<EntityType Name="b" BaseType="deep.nowhere"/>"#
                .to_owned(),
            5,
            "deep.b: base type deep.nowhere is not declared",
        ),
        (
            r#"<EnumType Name="e"><Member Name="m"/></EnumType>
<EntityType Name="b" BaseType="deep.e"/>"#
                .to_owned(),
            5,
            "deep.b: base type deep.e is not declared",
        ),
    ] {
        let err = Metadata::parse(&doc(&body)).expect_err(what);
        assert!(err.message.starts_with(what), "{what}: {err}");
        assert_eq!(err.line(), line, "{err}");
        assert!(err.message.len() < 600, "a short message: {err}");
    }
}

#[test]
fn check_with_a_bogus_metadata_file_exits_2_naming_file_and_type() {
    let dir = tmp_dir("hardening_csdl_bogus");
    for (name, text, what) in [
        (
            "cycle.xml",
            doc(
                r#"<EntityType Name="a" BaseType="deep.b"/><EntityType Name="b" BaseType="deep.a"/>"#,
            ),
            "deep.a: its base types form a cycle",
        ),
        (
            "self.xml",
            doc(r#"<ComplexType Name="me" BaseType="d.me"/>"#),
            "deep.me: its base types form a cycle",
        ),
        (
            "unknown.xml",
            doc(r#"<EntityType Name="a" BaseType="deep.gone"/>"#),
            "deep.a: base type deep.gone is not declared",
        ),
        (
            "deep.xml",
            chain(1000, false),
            "deep.t64: its inheritance chain is deeper than 64",
        ),
        (
            "path.xml",
            doc(r#"<EntityType Name="../../escape"/>"#),
            "is not a CSDL identifier",
        ),
    ] {
        let file = write_tmp(&dir, name, &text);
        let out_dir = dir.join(format!("{name}.out"));
        for args in [
            vec!["check", "--metadata"],
            vec!["schema", "--type", "deep.a", "--metadata"],
            vec![
                "schema",
                "--all",
                "--out",
                out_dir.to_str().unwrap(),
                "--metadata",
            ],
        ] {
            let out = binary().args(&args).arg(&file).output().unwrap();
            let text = output_text(&out);
            assert_eq!(out.status.code(), Some(2), "{name}: {text}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(name) && stderr.contains(what),
                "{name}: {text}"
            );
            assert!(!stderr.contains("panicked"), "{name}: {text}");
        }
        assert!(!out_dir.exists(), "nothing written for {name}");
    }
}

// ------------------------------------------------------ document structure

#[test]
fn deep_element_nesting_and_nested_collections_never_overflow() {
    let n = 100_000;
    let nested = format!(
        r#"<EntityType Name="a"><Annotation Term="x">{}{}</Annotation></EntityType>"#,
        "<Record>".repeat(n),
        "</Record>".repeat(n)
    );
    let meta = Metadata::parse(&doc(&nested)).expect("well-formed and deep: fine");
    assert!(meta.structured("deep.a").is_some());
    let unclosed = format!(r#"<EntityType Name="a">{}"#, "<Record>".repeat(n));
    let err = Metadata::parse(&doc(&unclosed)).expect_err("unclosed");
    assert!(
        err.message.contains("malformed XML") || err.message.contains("not closed"),
        "{err}"
    );

    // `Collection(Collection(...))`: OData has no such type, whoever writes
    // it (a page's annotation, a service's `@odata.type`).
    let deep_type = format!("{}Edm.String{}", "Collection(".repeat(n), ")".repeat(n));
    let meta = Metadata::parse(&chain(2, false)).unwrap();
    assert!(meta.resolve(&deep_type).is_none());
    assert!(meta.resolve("Collection(Collection(deep.t0))").is_none());
    assert!(meta.resolve("Collection(deep.t0)").is_some());
    let judge = SchemaJudge::new(Arc::new(meta));
    assert!(judge.validate(&deep_type, &json!([])).is_none());
    let prop = doc(&format!(
        r#"<ComplexType Name="a"><Property Name="x" Type="{deep_type}"/></ComplexType>"#
    ));
    let err = Metadata::parse(&prop).expect_err("no such type");
    assert!(
        err.message.contains("is not declared"),
        "{}",
        &err.message[..200.min(err.message.len())]
    );
}

#[test]
fn multi_byte_text_anywhere_is_never_a_panic() {
    let meta = Metadata::parse(&chain(3, false)).unwrap();
    // Type names with a multi-byte character where a prefix or suffix
    // (`Collection(`, `#`, `Edm.`) would be cut.
    for name in [
        "Collectioné(deep.t0)",
        "Collection(é",
        "Collection\u{1F600}(x)",
        "é",
        "#é",
        "Edmé.String",
        "Ed\u{1F600}",
        "deep.t0é",
        "Collection(\u{1F600})",
    ] {
        assert!(meta.resolve(name).is_none(), "{name}");
    }
    // An `Edm.` type we do not know is anything, multi-byte or not.
    assert!(meta.resolve("Collection(Edm.Stringé)").is_some());
    // Documents with multi-byte text in every attribute and element.
    for body in [
        r#"<EntityType Name="é"><Property Name="ü" Type="Edm.String"/></EntityType>"#,
        r#"<EntityType Name="a"><Property Name="ü" Type="Collectioné(Edm.String)"/></EntityType>"#,
        r#"<EntityType Name="a" BaseType="deep.é"/>"#,
        r#"<EntityType Name="a"><Property Name="x" Type="Collection(é"/></EntityType>"#,
        "<EntityType Name=\"a\">\u{1F600}</EntityType>",
        "<EntityType Name=\"a\"/>\u{1F600}<",
        r#"<EntityType Name="a-é"/>"#,
        r#"<EnumType Name="e" IsFlags="true"><Member Name="é"/><Member Name="(x|"/></EnumType>"#,
    ] {
        let text = doc(body);
        if let Ok(meta) = Metadata::parse(&text) {
            // Whatever loads compiles and judges.
            let judge = SchemaJudge::new(Arc::new(meta));
            let _ = judge.compile_all();
            for t in judge.metadata().structured_type_names() {
                let _ = judge.validate(&t, &json!({"ü": "é", "@odata.type": "#é"}));
            }
        }
    }
    // Multi-byte text right before a malformed spot: the error points at a
    // line and column.
    let err = Metadata::parse(&format!(
        "{HEAD}é\u{1F600}<EntityType Name=\"a\"></ComplexType>{TAIL}"
    ))
    .expect_err("mismatched");
    assert!(err.line() >= 4, "{err}");
}

#[test]
fn names_that_are_not_identifiers_are_refused() {
    for (body, what) in [
        (r#"<EntityType Name="a/b"/>"#, "\"a/b\""),
        (r#"<EntityType Name="..\x"/>"#, "\"..\\\\x\""),
        (r#"<ComplexType Name="a.b"/>"#, "\"a.b\""),
        (r#"<EnumType Name="1a"/>"#, "\"1a\""),
        (
            r#"<TypeDefinition Name="a b" UnderlyingType="Edm.String"/>"#,
            "\"a b\"",
        ),
    ] {
        let err = Metadata::parse(&doc(body)).expect_err(body);
        assert!(
            err.message.contains("is not a CSDL identifier") && err.message.contains(what),
            "{body}: {err}"
        );
    }
    let err = Metadata::parse("<Schema Namespace=\"a..b\"><EntityType Name=\"x\"/></Schema>")
        .expect_err("namespace");
    assert!(err.message.contains("Namespace \"a..b\""), "{err}");
    let err = Metadata::parse("<Schema Namespace=\"a\" Alias=\"b.c\"/>").expect_err("alias");
    assert!(err.message.contains("Alias \"b.c\""), "{err}");
    // Unicode letters are identifiers.
    assert!(Metadata::parse(&doc(r#"<EntityType Name="größe"/>"#)).is_ok());
}

// ------------------------------------------------------------------ output

/// Every file `schema --all` wrote: (count, total bytes).
fn written(dir: &Path) -> (usize, u64) {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .fold((0, 0), |(n, total), len| (n + 1, total + len))
}

#[test]
fn schema_all_writes_output_linear_in_the_document() {
    let dir = tmp_dir("hardening_csdl_schema_all");
    let wide: String = (0..2_000)
        .map(|i| format!(r#"<EntityType Name="w{i}" BaseType="deep.t0"><Property Name="q{i}" Type="Edm.Int32"/></EntityType>"#))
        .collect();
    for (name, text) in [
        ("chain.xml", chain(MAX_DEPTH, false)),
        (
            "wide.xml",
            doc(&format!(
                r#"<EntityType Name="t0"><Property Name="p0" Type="Edm.String" Nullable="false"/></EntityType>{wide}"#
            )),
        ),
    ] {
        let file = write_tmp(&dir, name, &text);
        let out_dir = dir.join(format!("{name}.out"));
        let out = binary()
            .args(["schema", "--all", "--out"])
            .arg(&out_dir)
            .arg("--metadata")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
        let types = Metadata::parse(&text)
            .unwrap()
            .structured_type_names()
            .len();
        let (files, bytes) = written(&out_dir);
        assert_eq!(files, types + 1, "a file per type and the document");
        // Pretty-printed JSON Schema: a few tens of bytes per byte of CSDL
        // at most (a whole-chain copy per type was 711 MB for 200 levels).
        assert!(
            bytes < 40 * text.len() as u64,
            "{name}: {bytes} bytes written for a document of {}",
            text.len()
        );
        // Each type's file refers to its definition in the document, and
        // the two together validate like the type's own schema.
        let document: Value =
            serde_json::from_slice(&std::fs::read(out_dir.join("$metadata.json")).unwrap())
                .unwrap();
        let one: Value =
            serde_json::from_slice(&std::fs::read(out_dir.join("deep.t0.json")).unwrap()).unwrap();
        assert_eq!(one["$ref"], "$metadata.json#/$defs/deep.t0");
        let v = jsonschema::options()
            .with_base_uri("file:///schemas/deep.t0.json")
            .with_retriever(Sibling(document))
            .build(&one)
            .expect("the type's file compiles with the document");
        assert!(v.is_valid(&json!({"p0": "x"})));
        assert!(!v.is_valid(&json!({"p0": 1})));
        assert!(!v.is_valid(&json!({"p0": "x", "nope": 1})));
    }
}

/// Serves `$metadata.json` next to the schema being compiled.
struct Sibling(Value);

impl jsonschema::Retrieve for Sibling {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str() == "file:///schemas/$metadata.json" {
            Ok(self.0.clone())
        } else {
            Err(format!("no {uri}").into())
        }
    }
}

// ---------------------------------------------------- --metadata-from-target

/// Peak resident memory of this process, in KiB.
fn vm_hwm_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[test]
fn metadata_from_target_refuses_an_endless_or_huge_document_at_the_cap() {
    let answer = serde_json::to_vec(&support::seed::conforming_body()).unwrap();
    // (how `$metadata` is served, what the finding says)
    for endless in [true, false] {
        let answer = answer.clone();
        let server = raw_serve(move |req, conn| {
            if req.path.ends_with("/$metadata") {
                if endless {
                    conn.send(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n",
                    );
                    let chunk = format!("<!--{}-->", "x".repeat(64 * 1024 - 7));
                    let frame = format!("{:x}\r\n{chunk}\r\n", chunk.len());
                    while !conn.stopped() && conn.send(frame.as_bytes()) {}
                } else {
                    // Declared bigger than the cap: refused before reading.
                    conn.send(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 100000000000\r\n\r\n<Schema",
                    );
                }
                return Next::Close;
            }
            let mut head = Vec::new();
            write!(
                head,
                "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                answer.len()
            )
            .unwrap();
            head.extend_from_slice(&answer);
            conn.send(&head);
            Next::KeepAlive
        });
        let before = vm_hwm_kib();
        let corpus = docs::read_paths(&[seed_page().as_path()]);
        let settings = Settings {
            target: Some(server.url.clone()),
            metadata: Some(MetadataSource::from_target()),
            ..Settings::default()
        };
        let session = Arc::new(Session::open(settings, Arc::new(corpus.cases)).unwrap());
        let r = session.run_all(&[0], 1, |_| {}).remove(0);
        let finding = r
            .findings
            .iter()
            .find(|f| f.message.contains("metadata unavailable"))
            .unwrap_or_else(|| panic!("endless {endless}: {:#?}", r.findings));
        assert_eq!(finding.kind, FindingKind::Schema, "{finding}");
        assert_eq!(finding.severity, Severity::Warning, "{finding}");
        assert!(
            finding.message.contains("/localtest/$metadata")
                && finding.message.contains("read up to 64 MiB"),
            "{}",
            finding.message
        );
        if let (Some(a), Some(b)) = (before, vm_hwm_kib()) {
            // The cap is 64 MiB: reading up to it (and a copy) is fine;
            // holding the whole stream is not.
            assert!(b - a < 512 * 1024, "peak RSS grew by {} KiB", b - a);
        }
    }
}
