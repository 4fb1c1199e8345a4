//! Tests of the `$metadata` support: reading CSDL (small fixtures in
//! `fixtures/csdl/` and the real Graph v1.0 metadata), the JSON Schemas made
//! from it, the findings of `SchemaJudge` and the lints of `lint_example`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use graph_contract::csdl::{
    CsdlError, Declared, LintKind, Metadata, SchemaJudge, StructuredKind, TypeRef, lint_example,
};
use graph_contract::{Finding, FindingKind, Severity};
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/csdl")
        .join(name)
}

fn model() -> Arc<Metadata> {
    static M: OnceLock<Arc<Metadata>> = OnceLock::new();
    M.get_or_init(|| Arc::new(Metadata::load(&fixture("model.xml")).expect("model.xml loads")))
        .clone()
}

fn model_judge() -> &'static SchemaJudge {
    static J: OnceLock<SchemaJudge> = OnceLock::new();
    J.get_or_init(|| SchemaJudge::new(model()))
}

fn onenote_judge() -> &'static SchemaJudge {
    static J: OnceLock<SchemaJudge> = OnceLock::new();
    J.get_or_init(|| {
        SchemaJudge::new(Arc::new(
            Metadata::load(&fixture("onenote.xml")).expect("onenote.xml loads"),
        ))
    })
}

/// (pointer, severity) of each finding, sorted.
fn brief(findings: &[Finding]) -> Vec<(String, Severity)> {
    for f in findings {
        assert_eq!(f.kind, FindingKind::Schema, "{f}");
    }
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| (f.pointer.clone(), f.severity))
        .collect();
    v.sort();
    v
}

fn check(ty: &str, body: Value) -> Vec<Finding> {
    model_judge()
        .validate(ty, &body)
        .unwrap_or_else(|| panic!("{ty} resolves"))
}

fn lints(judge: &SchemaJudge, ty: &str, body: Value) -> Vec<(String, LintKind)> {
    let mut v: Vec<_> = lint_example(judge, ty, &body)
        .unwrap_or_else(|| panic!("{ty} resolves"))
        .into_iter()
        .map(|l| (l.pointer, l.kind))
        .collect();
    v.sort();
    v
}

fn e(p: &str) -> (String, Severity) {
    (p.to_string(), Severity::Error)
}
fn w(p: &str) -> (String, Severity) {
    (p.to_string(), Severity::Warning)
}

// ---------------------------------------------------------------- reading

#[test]
fn reads_schemas_namespaces_and_aliases() {
    let m = model();
    let schemas: Vec<_> = m
        .schemas()
        .iter()
        .map(|s| (s.namespace.as_str(), s.alias.as_deref()))
        .collect();
    assert_eq!(
        schemas,
        [("test.core", Some("core")), ("test.extra", Some("ext"))]
    );
    let mut names = m.structured_type_names();
    names.sort();
    assert_eq!(
        names,
        [
            "test.core.bag",
            "test.core.entity",
            "test.core.gadget",
            "test.core.identity",
            "test.core.openThing",
            "test.core.taggedBag",
            "test.core.thing",
            "test.core.userIdentity",
            "test.core.widget",
            "test.extra.identity",
            "test.extra.note",
            "test.extra.report",
        ]
    );
    assert_eq!(m.enum_type_names(), ["test.core.color", "test.core.perms"]);
}

#[test]
fn reads_properties_nullable_and_collections() {
    let m = model();
    let thing = m.structured("test.core.thing").expect("thing");
    assert_eq!(thing.kind, StructuredKind::Entity);
    assert_eq!(thing.base_type.as_deref(), Some("core.entity"));
    let p = |n: &str| thing.properties.iter().find(|p| p.name == n).expect(n);
    assert!(p("name").nullable);
    assert!(!p("perms").nullable);
    assert!(p("tags").collection && !p("tags").nullable);
    assert_eq!(p("tags").type_name, "Edm.String");
    assert!(p("sizes").collection && p("sizes").nullable);
    assert_eq!(p("owners").type_name, "core.identity");
    let navs: Vec<_> = thing
        .navigation_properties
        .iter()
        .map(|n| (n.name.as_str(), n.collection))
        .collect();
    assert_eq!(navs, [("related", true), ("parent", false)]);
    let Some(Declared::Enum(perms)) = m.declared("core.perms") else {
        panic!("perms is an enum")
    };
    assert!(perms.is_flags);
    assert_eq!(perms.members, ["none", "read", "write", "admin"]);
    let Some(Declared::Enum(color)) = m.declared("test.core.color") else {
        panic!("color is an enum")
    };
    assert!(!color.is_flags);
}

#[test]
fn inheritance_three_levels() {
    let m = model();
    assert_eq!(
        m.base_types("core.gadget"),
        ["test.core.widget", "test.core.thing", "test.core.entity"]
    );
    let mut derived = m.derived_types("test.core.entity");
    derived.sort();
    assert_eq!(
        derived,
        [
            "test.core.gadget",
            "test.core.openThing",
            "test.core.thing",
            "test.core.widget",
            "test.extra.report"
        ]
    );
    // The schema of the most derived type knows every inherited property.
    let s = m.type_schema("test.core.gadget").expect("schema");
    let props = &s["$defs"]["test.core.gadget"]["properties"];
    for p in ["id", "name", "weight", "voltage", "related"] {
        assert!(props.get(p).is_some(), "gadget has {p}: {props}");
    }
    // A gadget with properties of all three levels is fine.
    let f = check(
        "test.core.gadget",
        json!({"id": "g1", "name": "n", "weight": 3, "voltage": 1.5, "perms": "read"}),
    );
    assert_eq!(brief(&f), []);
    // A widget does not have a voltage; the id of the abstract base must
    // not be null.
    let f = check("test.core.widget", json!({"id": null, "voltage": 1.5}));
    assert_eq!(brief(&f), [e("/id"), w("/voltage")]);
}

#[test]
fn abstract_types_resolve_and_validate() {
    let m = model();
    let entity = m.structured("core.entity").expect("entity");
    assert!(entity.is_abstract);
    assert!(!m.structured("core.thing").expect("thing").is_abstract);
    // A payload typed by the abstract base is judged by its own @odata.type.
    let f = check(
        "test.core.entity",
        json!({"@odata.type": "#test.core.widget", "id": "w", "weight": 1}),
    );
    assert_eq!(brief(&f), []);
}

#[test]
fn open_types_allow_undeclared_properties_and_pass_it_on() {
    let m = model();
    assert!(m.is_open("core.openThing"));
    assert!(m.is_open("core.bag"));
    assert!(m.is_open("core.taggedBag"), "OpenType is inherited");
    assert!(!m.is_open("core.thing"));
    assert_eq!(
        brief(&check(
            "core.openThing",
            json!({"id": "o", "label": "l", "anything": {"goes": [1]}})
        )),
        []
    );
    assert_eq!(
        brief(&check("core.taggedBag", json!({"tag": "t", "extra": 1}))),
        []
    );
    // Declared properties of open types are still checked.
    assert_eq!(
        brief(&check("core.taggedBag", json!({"tag": 1}))),
        [e("/tag")]
    );
    assert_eq!(
        brief(&check("core.thing", json!({"id": "t", "extra": 1}))),
        [w("/extra")]
    );
}

#[test]
fn enums_and_flags() {
    assert_eq!(
        brief(&check(
            "core.thing",
            json!({"color": "green", "perms": "read"})
        )),
        []
    );
    let f = check(
        "core.thing",
        json!({"color": "purple", "perms": "read, write"}),
    );
    assert_eq!(brief(&f), [e("/color")]);
    assert!(f[0].message.contains("not-enum-member"), "{}", f[0].message);
    assert_eq!(f[0].documented.as_deref(), Some("test.core.color"));
    assert_eq!(
        brief(&check("core.thing", json!({"perms": "read,write,admin"}))),
        []
    );
    let f = check("core.thing", json!({"perms": "read,delete"}));
    assert_eq!(brief(&f), [e("/perms")]);
    assert!(f[0].message.contains("not-enum-member"), "{}", f[0].message);
    // Enum values are strings.
    let f = check("core.thing", json!({"color": 1}));
    assert_eq!(brief(&f), [e("/color")]);
    assert!(f[0].message.contains("wrong-type"), "{}", f[0].message);
    // Nullable enum vs not nullable flags.
    let f = check("core.thing", json!({"color": null, "perms": null}));
    assert_eq!(brief(&f), [e("/perms")]);
    assert!(
        f[0].message.contains("null-not-nullable"),
        "{}",
        f[0].message
    );
}

#[test]
fn collections() {
    let f = check(
        "core.thing",
        json!({"tags": ["a", 1], "sizes": [1, null, 2.5], "owners": [{"displayName": "x"}, {"bogus": 1}]}),
    );
    assert_eq!(
        brief(&f),
        [w("/owners/1/bogus"), e("/sizes/2"), e("/tags/1")]
    );
    // A collection where a single value is declared, and the reverse.
    let f = check("core.thing", json!({"tags": "a", "name": ["a"]}));
    assert_eq!(brief(&f), [e("/name"), e("/tags")]);
    // `Nullable=false` on a collection: no null items, no null collection.
    let f = check("core.thing", json!({"tags": [null], "sizes": null}));
    assert_eq!(brief(&f), [e("/tags/0")]);
    let f = check("core.thing", json!({"tags": null}));
    assert_eq!(brief(&f), [e("/tags")]);
    // A collection response: `value` array or bare array, by annotation or not.
    let body = json!({"@odata.context": "x", "value": [{"id": "a"}, {"id": 2}]});
    assert_eq!(
        brief(&check("Collection(test.core.thing)", body.clone())),
        [e("/value/1/id")]
    );
    assert_eq!(brief(&check("test.core.thing", body)), [e("/value/1/id")]);
    assert_eq!(
        brief(&check(
            "Collection(core.thing)",
            json!([{"id": "a"}, {"name": 3}])
        )),
        [e("/1/name")]
    );
    assert_eq!(
        brief(&check("Collection(Edm.String)", json!({"value": ["a", 3]}))),
        [e("/value/1")]
    );
    assert_eq!(
        brief(&check("Collection(core.thing)", json!({"id": "a"}))),
        [e("")]
    );
}

#[test]
fn nullable() {
    assert_eq!(
        brief(&check(
            "core.widget",
            json!({"id": "w", "name": null, "owner": null, "created": null, "ratio": null})
        )),
        []
    );
    let f = check(
        "core.widget",
        json!({"id": "w", "weight": null, "hits": null}),
    );
    assert_eq!(brief(&f), [e("/hits"), e("/weight")]);
    for x in &f {
        assert!(x.message.contains("null-not-nullable"), "{}", x.message);
    }
    let f = check("ext.report", json!({"subject": {"text": null}}));
    assert_eq!(brief(&f), [e("/subject/text")]);
}

#[test]
fn primitive_types_and_formats() {
    let ok = json!({
        "created": "2021-07-01T10:00:00.1234567+03:00",
        "day": "2021-07-01",
        "at": "13:45:00.0000000",
        "span": "PT1H30M",
        "uid": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
        "blob": "aGVsbG8gd29ybGQ=",
        "ratio": "NaN",
        "big": "9007199254740993",
        "small": 7,
        "flag": false,
        "content": {"whatever": true},
        "place": {"type": "Point", "coordinates": [1, 2]},
        "mail": "a@b.c",
        "hits": 12
    });
    assert_eq!(brief(&check("core.thing", ok)), []);
    for (ts, _) in [
        ("2021-07-01T10:00:00Z", 0),
        ("2021-07-01T10:00:00", 0),
        ("2021-07-01T10:00Z", 0),
    ] {
        assert_eq!(
            brief(&check("core.thing", json!({"created": ts}))),
            [],
            "{ts}"
        );
    }
    let f = check(
        "core.thing",
        json!({
            "created": "yesterday",
            "day": "2021-07-01T00:00:00Z",
            "uid": "not-a-guid",
            "ratio": "1.5",
            "big": "12a",
            "small": 1.5,
            "flag": "true",
            "mail": 5,
            "hits": "x"
        }),
    );
    assert_eq!(
        brief(&f),
        [
            e("/big"),
            e("/created"),
            e("/day"),
            e("/flag"),
            e("/hits"),
            e("/mail"),
            e("/ratio"),
            e("/small"),
            e("/uid")
        ]
    );
    let msg = |p: &str| f.iter().find(|x| x.pointer == p).expect(p).message.clone();
    assert!(
        msg("/created").contains("bad-format"),
        "{}",
        msg("/created")
    );
    assert!(msg("/big").contains("wrong-type"), "{}", msg("/big"));
    let created = f.iter().find(|x| x.pointer == "/created").expect("created");
    assert_eq!(created.documented.as_deref(), Some("Edm.DateTimeOffset"));
    assert_eq!(created.actual.as_deref(), Some("\"yesterday\""));
}

#[test]
fn integers_must_fit_their_declared_size() {
    // The edges of Edm.Int16 and Edm.Int32 pass; one past them does not.
    for (small, weight) in [(-32768, i64::from(i32::MIN)), (32767, i64::from(i32::MAX))] {
        assert_eq!(
            brief(&check(
                "core.widget",
                json!({"small": small, "weight": weight})
            )),
            [],
            "{small} {weight}"
        );
    }
    let f = check(
        "core.widget",
        json!({"small": 40000, "weight": 3_000_000_000_i64}),
    );
    assert_eq!(brief(&f), [e("/small"), e("/weight")]);
    for x in &f {
        assert!(x.message.contains("out-of-range"), "{}", x.message);
    }
    let weight = f.iter().find(|x| x.pointer == "/weight").unwrap();
    assert!(weight.message.contains("2147483647"), "{}", weight.message);
    assert_eq!(
        lints(model_judge(), "core.widget", json!({"small": -40000})),
        [("/small".to_owned(), LintKind::OutOfRange)]
    );
}

#[test]
fn annotations_are_always_allowed() {
    let f = check(
        "core.thing",
        json!({
            "@odata.context": "https://x/$metadata#things/$entity",
            "@odata.etag": "W/\"1\"",
            "@odata.type": "#test.core.thing",
            "name@odata.type": "#String",
            "related@odata.navigationLink": "https://x",
            "@microsoft.graph.tips": "hi",
            "owner": {"@odata.type": "#test.core.identity", "displayName@odata.x": 1}
        }),
    );
    assert_eq!(brief(&f), []);
}

#[test]
fn navigation_properties_are_allowed_never_required() {
    assert_eq!(brief(&check("core.thing", json!({}))), []);
    assert_eq!(
        brief(&check(
            "core.thing",
            json!({"related": [{"id": "x"}], "parent": {"id": "y"}})
        )),
        []
    );
    assert_eq!(
        brief(&check("core.thing", json!({"related": 3}))),
        [e("/related")]
    );
}

#[test]
fn derived_types_in_a_payload() {
    // The payload's own @odata.type picks the derived type, in any spelling.
    for t in [
        "#test.core.gadget",
        "test.core.gadget",
        "#core.gadget",
        "#TEST.CORE.GADGET",
        "Core.Gadget",
    ] {
        let f = check(
            "test.core.thing",
            json!({"@odata.type": t, "id": "g", "weight": 1, "voltage": 2.0}),
        );
        assert_eq!(brief(&f), [], "{t}");
    }
    // ... and is checked against it.
    let f = check(
        "core.thing",
        json!({"@odata.type": "#test.core.gadget", "weight": "heavy", "voltage": "high", "nope": 1}),
    );
    assert_eq!(brief(&f), [w("/nope"), e("/voltage"), e("/weight")]);
    let v = f.iter().find(|x| x.pointer == "/voltage").expect("voltage");
    assert_eq!(v.documented.as_deref(), Some("Edm.Double"));
    // Without @odata.type, the declared type rules.
    assert_eq!(
        brief(&check("core.thing", json!({"weight": 1}))),
        [w("/weight")]
    );
    // Nested complex values and collection items too.
    let f = check(
        "core.thing",
        json!({
            "owner": {"@odata.type": "#test.core.userIdentity", "email": "a@b"},
            "owners": [
                {"@odata.type": "core.userIdentity", "email": 3},
                {"email": "x"}
            ]
        }),
    );
    assert_eq!(brief(&f), [e("/owners/0/email"), w("/owners/1/email")]);
    // An @odata.type that is not the type nor derived from it.
    let f = check(
        "core.widget",
        json!({"@odata.type": "#test.core.openThing", "id": "x"}),
    );
    assert_eq!(brief(&f), [w("/@odata.type")]);
    let f = check(
        "core.widget",
        json!({"@odata.type": "#test.core.unknown", "id": "x"}),
    );
    assert_eq!(brief(&f), [w("/@odata.type")]);
}

#[test]
fn several_namespaces_by_name_or_alias() {
    let m = model();
    for n in [
        "test.extra.report",
        "ext.report",
        "#EXT.REPORT",
        "#test.extra.Report",
        "report",
    ] {
        assert_eq!(
            m.resolve(n),
            Some(TypeRef::Entity("test.extra.report".into())),
            "{n}"
        );
    }
    assert_eq!(
        m.resolve("ext.identity"),
        Some(TypeRef::Complex("test.extra.identity".into()))
    );
    assert_eq!(
        m.resolve("core.identity"),
        Some(TypeRef::Complex("test.core.identity".into()))
    );
    // An unqualified name found in several schemas: the first schema's.
    assert_eq!(
        m.resolve("identity"),
        Some(TypeRef::Complex("test.core.identity".into()))
    );
    assert_eq!(m.resolve("nope.report"), None);
    let f = check(
        "ext.report",
        json!({
            "id": "r",
            "subject": {"text": "t"},
            "notes": [{"text": "a"}, {"text": 1}],
            "color": "blue",
            "author": {"issuer": "x"}
        }),
    );
    // `author` is a test.core.identity, which has no issuer.
    assert_eq!(brief(&f), [w("/author/issuer"), e("/notes/1/text")]);
}

#[test]
fn type_definitions_are_their_underlying_type() {
    let m = model();
    assert_eq!(
        m.resolve("core.emailAddress"),
        Some(TypeRef::Primitive("Edm.String".into()))
    );
    assert_eq!(
        m.resolve("Collection(test.core.counter)"),
        Some(TypeRef::Collection(Box::new(TypeRef::Primitive(
            "Edm.Int64".into()
        ))))
    );
    assert_eq!(
        brief(&check("core.thing", json!({"hits": "123", "mail": "x"}))),
        []
    );
    assert_eq!(
        brief(&check("core.userIdentity", json!({"email": false}))),
        [e("/email")]
    );
    assert_eq!(brief(&check("core.counter", json!({"value": 5}))), []);
    assert_eq!(
        brief(&check("core.counter", json!({"value": "five"}))),
        [e("/value")]
    );
}

#[test]
fn resolves_primitive_names() {
    let m = model();
    for (n, p) in [
        ("string", "Edm.String"),
        ("stream", "Edm.Stream"),
        ("Edm.Int32", "Edm.Int32"),
        ("edm.datetimeoffset", "Edm.DateTimeOffset"),
        ("Edm.GeographyPoint", "Edm.Geography"),
    ] {
        assert_eq!(m.resolve(n), Some(TypeRef::Primitive(p.into())), "{n}");
    }
    assert_eq!(m.resolve(""), None);
    assert_eq!(m.resolve("Collection()"), None);
    // A stream body is not JSON: nothing to judge.
    assert_eq!(model_judge().validate("stream", &json!("x")), Some(vec![]));
    assert_eq!(model_judge().validate("nope.nothing", &json!({})), None);
}

#[test]
fn type_schema_is_a_standalone_2020_12_schema() {
    let m = model();
    let s = m.type_schema("core.thing").expect("schema");
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let defs = s["$defs"].as_object().expect("$defs");
    for k in [
        "test.core.thing",
        "test.core.color",
        "test.core.perms",
        "test.core.identity",
        "test.core.userIdentity",
        "test.core.gadget",
    ] {
        assert!(defs.contains_key(k), "{k} in {:?}", defs.keys());
    }
    assert!(
        m.type_schema("core.color").is_none(),
        "not a structured type"
    );
    assert!(m.type_schema("nope").is_none());
    // Any 2020-12 validator can use it, derived types included.
    let v = jsonschema::validator_for(&s).expect("compiles");
    assert!(v.is_valid(&json!({"id": "x", "color": "red"})));
    assert!(!v.is_valid(&json!({"id": "x", "color": "pink"})));
    assert!(!v.is_valid(&json!({"id": "x", "weight": 1})));
    assert!(v.is_valid(&json!({"@odata.type": "#Core.Widget", "id": "x", "weight": 1})));
    assert!(!v.is_valid(&json!({"@odata.type": "#test.core.widget", "weight": "1"})));
    let doc = m.document_schema();
    let v = jsonschema::validator_for(&doc).expect("document compiles");
    assert!(v.is_valid(&json!({"test.core.widget": {"weight": 1}})));
    assert!(!v.is_valid(&json!({"test.core.widget": {"weight": "1"}})));
}

#[test]
fn judge_is_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Metadata>();
    send_sync::<SchemaJudge>();
    let judge = Arc::new(SchemaJudge::new(model()));
    let handles: Vec<_> = (0..4)
        .map(|k| {
            let judge = judge.clone();
            std::thread::spawn(move || {
                let f = judge
                    .validate("core.widget", &json!({"id": "w", "weight": k}))
                    .expect("resolves");
                assert!(f.is_empty());
                let f = judge
                    .validate("core.widget", &json!({"id": "w", "weight": "k"}))
                    .expect("resolves");
                assert_eq!(f.len(), 1);
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    assert!(judge.is_compiled());
    assert_eq!(judge.compile_all(), Ok(12));
}

// ---------------------------------------------------------------- errors

fn load_err(name: &str) -> CsdlError {
    Metadata::load(&fixture(name)).expect_err("a broken document")
}

#[test]
fn truncated_document_is_an_error_with_line_and_column() {
    let err = load_err("broken-truncated.xml");
    assert_eq!(err.line(), 7, "{err}");
    assert!(err.message.contains("not closed"), "{err}");
    let text = err.to_string();
    assert!(text.contains("broken-truncated.xml:7:"), "{text}");
    let _: &dyn std::error::Error = &err;
}

#[test]
fn mismatched_tag_is_an_error_with_line_and_column() {
    let err = load_err("broken-mismatch.xml");
    assert_eq!((err.line(), err.column()), (7, 7), "{err}");
    assert!(err.message.contains("malformed XML"), "{err}");
}

#[test]
fn undeclared_types_are_errors_at_their_element() {
    let err = load_err("broken-base.xml");
    assert_eq!((err.line(), err.column()), (5, 7), "{err}");
    assert!(err.message.contains("t.missing"), "{err}");
    let xml = std::fs::read_to_string(fixture("broken-base.xml"))
        .expect("read")
        .replace(" BaseType=\"t.missing\"", "");
    let err = Metadata::parse(&xml).expect_err("t.nowhere");
    assert_eq!((err.line(), err.column()), (9, 9), "{err}");
    assert!(err.message.contains("t.nowhere"), "{err}");
    assert!(err.file().is_none());
    assert!(err.to_string().starts_with("line 9, column 9: "), "{err}");
}

#[test]
fn other_broken_documents() {
    for (xml, line, col, what) in [
        ("", 1, 1, "no root element"),
        ("<a><b></a>", 1, 7, "malformed"),
        ("<root/>", 1, 1, "no <Schema>"),
        (
            "<Schema Namespace=\"n\">\n  <ComplexType>\n  </ComplexType>\n</Schema>",
            2,
            3,
            "without a Name",
        ),
        (
            "<Schema Namespace=\"n\">\n  <ComplexType Name=\"a\"><Property Name=\"x\"/></ComplexType>\n</Schema>",
            2,
            25,
            "without a Type",
        ),
        (
            "<Schema Namespace=\"n\"><ComplexType Name=\"a\"/>\n<ComplexType Name=\"a\"/></Schema>",
            2,
            1,
            "declared twice",
        ),
        (
            "<Schema Namespace=\"n\"><ComplexType Name=\"a\" BaseType=\"n.b\"/>\n<ComplexType Name=\"b\" BaseType=\"n.a\"/></Schema>",
            1,
            23,
            "cycle",
        ),
        (
            "<Schema Namespace=\"n\"></Schema>trailing",
            1,
            32,
            "outside",
        ),
    ] {
        let err = Metadata::parse(xml).expect_err(xml);
        assert_eq!((err.line(), err.column()), (line, col), "{xml:?}: {err}");
        assert!(err.message.contains(what), "{xml:?}: {err}");
    }
    let err = Metadata::load(Path::new("/nonexistent/metadata.csdl")).expect_err("no file");
    assert!(
        err.to_string().contains("/nonexistent/metadata.csdl"),
        "{err}"
    );
}

// ---------------------------------------------------------------- drifts

fn seed_like() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.onenoteOperation",
        "id": "08fa4fcd-4fcd-08fa-cd4f-fa08cd4ffa08",
        "status": "Completed",
        "createdDateTime": "2017-01-01T00:00:51.2796212+03:00",
        "lastActionDateTime": "2017-01-01T00:00:06.3761313+03:00",
        "resourceLocation": "Resource Location value",
        "resourceId": "Resource Id value",
        "error": {
            "@odata.type": "microsoft.graph.onenoteOperationError",
            "code": "Code value",
            "message": "Message value"
        },
        "percentComplete": "Percent Complete value"
    })
}

fn with(mut v: Value, key: &str, x: Value) -> Value {
    v[key] = x;
    v
}

#[test]
fn onenote_valid_example_has_no_finding() {
    let f = onenote_judge()
        .validate("microsoft.graph.onenoteoperation", &seed_like())
        .expect("resolves");
    assert_eq!(brief(&f), []);
}

#[test]
fn onenote_drifts_are_errors_at_their_pointers() {
    let j = onenote_judge();
    let body = with(seed_like(), "status", json!("notAMember"));
    let body = with(body, "percentComplete", json!(42.5));
    let body = with(body, "createdDateTime", json!("last tuesday"));
    let body = with(body, "id", Value::Null);
    let f = j
        .validate("#microsoft.graph.onenoteOperation", &body)
        .expect("resolves");
    assert_eq!(
        brief(&f),
        [
            e("/createdDateTime"),
            e("/id"),
            e("/percentComplete"),
            e("/status")
        ]
    );
    let by = |p: &str| f.iter().find(|x| x.pointer == p).expect(p);
    assert!(by("/status").message.starts_with("not-enum-member"));
    assert_eq!(
        by("/status").documented.as_deref(),
        Some("microsoft.graph.operationStatus")
    );
    assert!(by("/percentComplete").message.starts_with("wrong-type"));
    assert_eq!(by("/percentComplete").actual.as_deref(), Some("42.5"));
    assert!(by("/createdDateTime").message.starts_with("bad-format"));
    assert!(by("/id").message.starts_with("null-not-nullable"));
    // Errors inside the complex property.
    let body = with(seed_like(), "error", json!({"code": 5, "message": null}));
    let f = j
        .validate("graph.onenoteOperation", &body)
        .expect("resolves");
    assert_eq!(brief(&f), [e("/error/code")]);
}

#[test]
fn onenote_undeclared_property_is_a_warning_but_not_on_open_types() {
    let j = onenote_judge();
    let body = with(seed_like(), "progress", json!(50));
    let f = j
        .validate("microsoft.graph.onenoteOperation", &body)
        .expect("resolves");
    assert_eq!(brief(&f), [w("/progress")]);
    assert!(
        f[0].message.starts_with("undeclared-property"),
        "{}",
        f[0].message
    );
    let body = json!({"id": "o", "status": "Running", "progress": 50, "whatever": {"a": 1}});
    let f = j
        .validate("microsoft.graph.openOperation", &body)
        .expect("resolves");
    assert_eq!(brief(&f), []);
}

#[test]
fn lint_tells_placeholders_from_drift() {
    let j = onenote_judge();
    // The seed's documented example: "status": "String" is a placeholder.
    let body = with(seed_like(), "status", json!("String"));
    assert_eq!(
        lints(j, "microsoft.graph.onenoteoperation", body),
        [("/status".to_string(), LintKind::Placeholder)]
    );
    let body = with(seed_like(), "status", json!("notAMember"));
    assert_eq!(
        lints(j, "microsoft.graph.onenoteoperation", body),
        [("/status".to_string(), LintKind::NotEnumMember)]
    );
    for placeholder in [
        "NotStarted | Running | Completed | Failed",
        "operationStatus",
        "Enum",
    ] {
        let body = with(seed_like(), "status", json!(placeholder));
        assert_eq!(
            lints(j, "microsoft.graph.onenoteoperation", body),
            [("/status".to_string(), LintKind::Placeholder)],
            "{placeholder}"
        );
    }
    for placeholder in [
        "datetime",
        "DateTimeOffset",
        "String (timestamp)",
        "Edm.DateTimeOffset",
    ] {
        let body = with(seed_like(), "createdDateTime", json!(placeholder));
        assert_eq!(
            lints(j, "microsoft.graph.onenoteoperation", body),
            [("/createdDateTime".to_string(), LintKind::Placeholder)],
            "{placeholder}"
        );
    }
    let body = with(seed_like(), "createdDateTime", json!("2017-13-01"));
    assert_eq!(
        lints(j, "microsoft.graph.onenoteoperation", body),
        [("/createdDateTime".to_string(), LintKind::BadFormat)]
    );
    let body = with(seed_like(), "percentComplete", json!(50));
    let body = with(body, "id", Value::Null);
    let body = with(body, "extra", json!(true));
    assert_eq!(
        lints(j, "microsoft.graph.onenoteoperation", body),
        [
            ("/extra".to_string(), LintKind::UndeclaredProperty),
            ("/id".to_string(), LintKind::NullNotNullable),
            ("/percentComplete".to_string(), LintKind::WrongType),
        ]
    );
    // Placeholders in the model fixture: numbers, booleans, guids, flags.
    let body = json!({
        "small": "Int32",
        "big": "Int64",
        "flag": "Boolean",
        "uid": "Guid",
        "blob": "Binary",
        "perms": "read | write",
        "ratio": "Double",
        "id": "String (identifier)"
    });
    let got = lints(model_judge(), "core.thing", body);
    assert!(
        got.iter().all(|(_, k)| *k == LintKind::Placeholder),
        "{got:?}"
    );
    assert_eq!(got.len(), 6, "{got:?}"); // id and blob are valid strings
    assert_eq!(lint_example(model_judge(), "nope", &json!({})), None);
    assert_eq!(LintKind::NotEnumMember.as_str(), "not-enum-member");
    assert_eq!(
        serde_json::to_value(LintKind::NullNotNullable).expect("json"),
        json!("null-not-nullable")
    );
}

// ---------------------------------------------------------------- real metadata

fn real_metadata_path() -> PathBuf {
    match std::env::var_os("GRAPH_CONTRACT_METADATA") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-metadata/v1.0.csdl"),
    }
}

fn real() -> Arc<Metadata> {
    static M: OnceLock<Arc<Metadata>> = OnceLock::new();
    M.get_or_init(|| {
        let path = real_metadata_path();
        assert!(
            path.exists(),
            "the Microsoft Graph v1.0 metadata is expected at {} \
             (set GRAPH_CONTRACT_METADATA to its path); it is test data kept \
             outside the project (shared/graph-metadata/v1.0.csdl)",
            path.display()
        );
        Arc::new(Metadata::load(&path).unwrap_or_else(|e| panic!("the real metadata loads: {e}")))
    })
    .clone()
}

#[test]
fn real_metadata_loads_and_resolves() {
    let m = real();
    let names = m.structured_type_names();
    assert_eq!(names.len(), 1182 + 1779, "entity + complex types");
    assert_eq!(m.enum_type_names().len(), 861);
    let want = Some(TypeRef::Entity("microsoft.graph.onenoteOperation".into()));
    for n in [
        "microsoft.graph.onenoteOperation",
        "microsoft.graph.onenoteoperation",
        "#microsoft.graph.onenoteOperation",
        "graph.onenoteOperation",
    ] {
        assert_eq!(m.resolve(n), want, "{n}");
    }
    assert_eq!(
        m.resolve("Collection(microsoft.graph.user)"),
        Some(TypeRef::Collection(Box::new(TypeRef::Entity(
            "microsoft.graph.user".into()
        ))))
    );
    assert_eq!(
        m.base_types("microsoft.graph.onenoteOperation"),
        ["microsoft.graph.operation", "microsoft.graph.entity"]
    );
    // The security schema's alias is `self`.
    assert_eq!(
        m.resolve("self.alert").map(|t| t.name()).as_deref(),
        Some("microsoft.graph.security.alert")
    );
    assert!(m.resolve("microsoft.graph.security.alert").is_some());
    let Some(Declared::Enum(status)) = m.declared("graph.operationStatus") else {
        panic!("operationStatus is an enum")
    };
    assert_eq!(
        status.members,
        ["NotStarted", "Running", "Completed", "Failed"]
    );
}

#[test]
fn real_metadata_every_type_schema_compiles() {
    let m = real();
    let names = m.structured_type_names();
    // One by one on rayon's pool: each compile is independent, and this
    // test alone was most of the suite's time for this file.
    use rayon::prelude::*;
    let failures: Vec<String> = names
        .par_iter()
        .filter_map(|n| {
            let s = m
                .type_schema(n)
                .unwrap_or_else(|| panic!("{n} has a schema"));
            // The largest (microsoft.graph.entity: every entity type) is
            // compiled through the whole document below; compile the
            // others one by one.
            if n == "microsoft.graph.entity" {
                assert!(jsonschema::meta::is_valid(&s), "{n}");
                return None;
            }
            jsonschema::validator_for(&s)
                .err()
                .map(|e| format!("{n}: {e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let judge = SchemaJudge::new(m);
    assert_eq!(judge.compile_all(), Ok(names.len()));
}

#[test]
fn real_metadata_judges_the_seed() {
    let judge = SchemaJudge::new(real());
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/onenote/onenote-post-operations.md"),
    )
    .expect("the seed page");
    // The documented response body: the last ```http block's JSON.
    let block = page
        .rsplit("HTTP/1.1 201 Created")
        .next()
        .expect("response");
    let json_text = &block[block.find('{').expect("{")..=block.rfind('}').expect("}")];
    let body: Value = serde_json::from_str(json_text).expect("the documented body is JSON");
    assert_eq!(
        lints(&judge, "microsoft.graph.onenoteoperation", body.clone()),
        [("/status".to_string(), LintKind::Placeholder)]
    );
    let f = judge
        .validate("microsoft.graph.onenoteoperation", &body)
        .expect("resolves");
    assert_eq!(brief(&f), [e("/status")]);
    let body = with(body, "status", json!("notAMember"));
    assert_eq!(
        lints(&judge, "microsoft.graph.onenoteoperation", body),
        [("/status".to_string(), LintKind::NotEnumMember)]
    );
    // A derived type through a base-typed annotation.
    let f = judge
        .validate(
            "microsoft.graph.directoryObject",
            &json!({"@odata.type": "#microsoft.graph.user", "id": "x", "displayName": "A", "accountEnabled": true}),
        )
        .expect("resolves");
    assert_eq!(brief(&f), []);
    let f = judge
        .validate(
            "Collection(microsoft.graph.directoryObject)",
            &json!({"value": [{"@odata.type": "#microsoft.graph.group", "id": "x", "mailEnabled": "yes"}]}),
        )
        .expect("resolves");
    assert_eq!(brief(&f), [e("/value/0/mailEnabled")]);
}
