//! The judge as a table: (documented response, actual response, expected
//! findings as (pointer, kind, severity)), one row per rule of design.md §3,
//! plus the example-schema export checked against the same rows.

use graph_contract::judge::{JudgePlan, example_schema, judge, judge_reference};
use graph_contract::{Actual, DocBody, DocResponse, Finding, FindingKind, JudgeOptions, Severity};
use serde_json::{Value, json};

use FindingKind::*;
use Severity::{Error as E, Warning as W};

/// Graph's real Content-Type for JSON.
const GRAPH_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

// ---- builders -------------------------------------------------------------

/// A documented response; `body` is read as JSON when it parses, as text
/// otherwise, and as no body when blank.
fn doc(status: u16, headers: &[(&str, &str)], body: &str) -> DocResponse {
    let parsed = if body.trim().is_empty() {
        DocBody::Empty
    } else {
        match serde_json::from_str::<Value>(body) {
            Ok(v) => DocBody::Json(v),
            Err(_) => DocBody::Text(body.to_owned()),
        }
    };
    DocResponse {
        line: 1,
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: parsed,
        body_text: body.to_owned(),
        truncated: false,
        is_collection: None,
        is_empty: false,
        odata_type: None,
    }
}

/// A documented `200` with `Content-Type: application/json` and a JSON body.
fn jdoc(body: Value) -> DocResponse {
    doc(
        200,
        &[("Content-Type", "application/json")],
        &body.to_string(),
    )
}

/// A documented text body (a `$count`, CSV), never read as JSON.
fn tdoc(content_type: &str, body: &str) -> DocResponse {
    let mut d = doc(200, &[("Content-Type", content_type)], "");
    d.body = DocBody::Text(body.to_owned());
    d.body_text = body.to_owned();
    d
}

trait DocExt {
    fn truncated(self) -> Self;
    fn collection(self) -> Self;
    fn empty_body(self) -> Self;
    fn status(self, code: u16) -> Self;
}

impl DocExt for DocResponse {
    fn truncated(mut self) -> Self {
        self.truncated = true;
        self
    }
    fn collection(mut self) -> Self {
        self.is_collection = Some(true);
        self
    }
    fn empty_body(mut self) -> Self {
        self.is_empty = true;
        self
    }
    fn status(mut self, code: u16) -> Self {
        self.status = code;
        self
    }
}

fn act(status: u16, headers: &[(&str, &str)], body: impl AsRef<[u8]>) -> Actual {
    Actual {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.as_ref().to_vec(),
        tries: 1,
        version: None,
    }
}

/// An actual `200` as Graph sends JSON.
fn jact(body: Value) -> Actual {
    act(200, &[("Content-Type", GRAPH_JSON)], body.to_string())
}

type Want = (&'static str, FindingKind, Severity);

struct Row {
    name: &'static str,
    doc: DocResponse,
    act: Actual,
    strict: bool,
    want: Vec<Want>,
}

fn row(name: &'static str, doc: DocResponse, act: Actual, want: &[Want]) -> Row {
    Row {
        name,
        doc,
        act,
        strict: false,
        want: want.to_vec(),
    }
}

fn strict(name: &'static str, doc: DocResponse, act: Actual, want: &[Want]) -> Row {
    Row {
        strict: true,
        ..row(name, doc, act, want)
    }
}

fn seed_response() -> DocResponse {
    let page = include_str!("../specs/onenote/onenote-post-operations.md");
    let at = page.find("HTTP/1.1 201 Created").expect("seed status line");
    let rest = &page[at..];
    let body = &rest[rest.find('{').unwrap()..rest.find("\n```").unwrap()];
    let mut d = doc(
        201,
        &[
            ("Content-Type", "application/json"),
            ("Content-Length", "527"),
        ],
        body,
    );
    d.truncated = true;
    d.odata_type = Some("microsoft.graph.onenoteoperation".into());
    assert!(d.body.json().is_some(), "seed body is JSON");
    d
}

fn users_and_groups() -> Value {
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
        "value": [
            {"@odata.type": "#microsoft.graph.user", "id": "String", "displayName": "String", "mail": "String"},
            {"@odata.type": "#microsoft.graph.group", "id": "String", "displayName": "String", "groupTypes": ["String"]}
        ]
    })
}

// ---- the table -------------------------------------------------------------

fn rows() -> Vec<Row> {
    let guid = "08fa4fcd-4fcd-08fa-cd4f-fa08cd4ffa08";
    vec![
        // -- status
        row("status equal", jdoc(json!({"a": "String"})), jact(json!({"a": "x"})), &[]),
        row(
            "status 200 where 201 documented: still judges the body",
            jdoc(json!({"a": "String", "b": "String"})).status(201),
            jact(json!({"a": "x"})),
            &[("", Status, E), ("/b", Missing, E)],
        ),
        row(
            "status 404 with an error body: only the status",
            jdoc(json!({"a": "String"})),
            act(404, &[("Content-Type", "text/html")], r#"{"error":{"code":"NotFound"}}"#),
            &[("", Status, E)],
        ),
        // -- headers
        row(
            "content-type parameters not documented are ignored",
            jdoc(json!({"a": "String"})),
            jact(json!({"a": "x"})),
            &[],
        ),
        row(
            "content-type type/subtype case-insensitive",
            jdoc(json!({"a": "String"})),
            act(200, &[("content-type", "Application/JSON")], r#"{"a":"x"}"#),
            &[],
        ),
        row(
            "text/plain where application/json documented",
            jdoc(json!({"a": "String"})),
            act(200, &[("Content-Type", "text/plain")], r#"{"a":"x"}"#),
            &[("", ContentType, E)],
        ),
        row(
            "documented parameter compared, case-insensitively",
            doc(200, &[("Content-Type", "application/json; charset=utf-8")], r#"{"a":"String"}"#),
            act(200, &[("Content-Type", "application/json;charset=UTF-8")], r#"{"a":"x"}"#),
            &[],
        ),
        row(
            "documented parameter with another value",
            doc(200, &[("Content-Type", "application/json; charset=utf-8")], r#"{"a":"String"}"#),
            act(200, &[("Content-Type", "application/json; charset=utf-16")], r#"{"a":"x"}"#),
            &[("", ContentType, E)],
        ),
        row(
            "documented parameter absent",
            doc(
                200,
                &[("Content-Type", "application/json;odata.metadata=full")],
                r#"{"a":"String"}"#,
            ),
            act(200, &[("Content-Type", "application/json")], r#"{"a":"x"}"#),
            &[("", ContentType, E)],
        ),
        row(
            "never-compared headers absent",
            doc(
                200,
                &[
                    ("Content-Type", "application/json"),
                    ("Content-Length", "527"),
                    ("Date", "Mon, 01 Jan 2017 00:00:00 GMT"),
                    ("request-id", "x"),
                    ("client-request-id", "y"),
                    ("x-ms-ags-diagnostic", "{}"),
                    ("Transfer-Encoding", "chunked"),
                    ("Connection", "close"),
                ],
                r#"{"a":"String"}"#,
            ),
            jact(json!({"a": "x"})),
            &[],
        ),
        row(
            "missing documented Location",
            doc(
                201,
                &[
                    ("Content-Type", "application/json"),
                    ("Location", "https://graph.microsoft.com/v1.0/me/events/1"),
                ],
                r#"{"a":"String"}"#,
            ),
            act(201, &[("Content-Type", "application/json")], r#"{"a":"x"}"#),
            &[("", Header, E)],
        ),
        row(
            "header names case-insensitive, values are examples",
            doc(204, &[("ETag", "W/\"1\""), ("Location", "https://x/1")], ""),
            act(204, &[("etag", "W/\"2\""), ("LOCATION", "/other")], ""),
            &[],
        ),
        row(
            "content-type documented on a 204 and no body sent",
            doc(204, &[("Content-Type", "application/json")], ""),
            act(204, &[], ""),
            &[],
        ),
        row(
            "content-type header missing on a body",
            jdoc(json!({"a": "String"})),
            act(200, &[], r#"{"a":"x"}"#),
            &[("", Header, E)],
        ),
        row(
            "200 shown without body: an html body has the wrong media type and is unexpected",
            doc(200, &[("Content-Type", "application/json")], ""),
            act(200, &[("Content-Type", "text/html")], "<html></html>"),
            &[("", ContentType, E), ("", UnexpectedBody, W)],
        ),
        // -- properties
        row(
            "truncated shows a and b, actual only a",
            jdoc(json!({"a": "String", "b": "String"})).truncated(),
            jact(json!({"a": "x"})),
            &[("/b", Missing, E)],
        ),
        row(
            "non-truncated, one documented property absent",
            jdoc(json!({"a": "String", "b": 1})),
            jact(json!({"b": 2})),
            &[("/a", Missing, E)],
        ),
        row(
            "extra property, not truncated: warning",
            jdoc(json!({"a": "String"})),
            jact(json!({"a": "x", "extra": true})),
            &[("/extra", Undocumented, W)],
        ),
        row(
            "extra property, truncated: nothing",
            jdoc(json!({"a": "String"})).truncated(),
            jact(json!({"a": "x", "extra": true, "more": {"x": 1}})),
            &[],
        ),
        strict(
            "extra property in strict mode: error",
            jdoc(json!({"a": "String"})),
            jact(json!({"a": "x", "extra": true})),
            &[("/extra", Undocumented, E)],
        ),
        row(
            "undocumented annotations never reported",
            jdoc(json!({"a": "String"})),
            jact(json!({"@odata.context": "x", "@microsoft.graph.tips": "y", "a@odata.type": "z", "a": "x"})),
            &[],
        ),
        row(
            "string holds a number, number holds a numeric string",
            jdoc(json!({"name": "String", "count": 3})),
            jact(json!({"name": 5, "count": "5"})),
            &[("/name", Type, E), ("/count", Type, E)],
        ),
        row(
            "scalar where an array is documented",
            jdoc(json!({"tags": ["String"]})),
            jact(json!({"tags": "a"})),
            &[("/tags", Type, E)],
        ),
        row(
            "array where a scalar is documented",
            jdoc(json!({"name": "String"})),
            jact(json!({"name": ["a"]})),
            &[("/name", Type, E)],
        ),
        row(
            "boolean and object types",
            jdoc(json!({"on": true, "o": {"x": 1}})),
            jact(json!({"on": "true", "o": 1})),
            &[("/on", Type, E), ("/o", Type, E)],
        ),
        row(
            "array body where object documented",
            jdoc(json!({"a": "String"})),
            jact(json!([{"a": "x"}])),
            &[("", Type, E)],
        ),
        row(
            "nested object member missing",
            jdoc(json!({"a": {"b": "String", "c": "String"}})),
            jact(json!({"a": {"c": "x"}})),
            &[("/a/b", Missing, E)],
        ),
        row(
            "object carrying @odata.type still validated",
            jdoc(json!({"error": {"@odata.type": "microsoft.graph.onenoteOperationError", "code": "String", "message": "String"}})),
            jact(json!({"error": {"@odata.type": "#microsoft.graph.onenoteOperationError", "message": 1}})),
            &[("/error/code", Missing, E), ("/error/message", Type, E)],
        ),
        row(
            "numbers: integer and float are both number; values not compared",
            jdoc(json!({"size": 0, "ratio": 1.5})),
            jact(json!({"size": 12.25, "ratio": 7})),
            &[],
        ),
        row(
            "enum and url placeholders: values never compared",
            jdoc(json!({"season": "summer | fall | winter", "webUrl": "url"})),
            jact(json!({"season": "jupiter", "webUrl": "../relative/path"})),
            &[],
        ),
        row(
            "pointer escaping of / and ~",
            jdoc(json!({"a/b": "String", "m~n": {"x~/y": "String"}})),
            jact(json!({"m~n": {}})),
            &[("/a~1b", Missing, E), ("/m~0n/x~0~1y", Missing, E)],
        ),
        row(
            "missing non-odata annotation is a missing property",
            jdoc(json!({"@microsoft.graph.downloadUrl": "url", "name": "String"})),
            jact(json!({"name": "x"})),
            &[("/@microsoft.graph.downloadUrl", Missing, E)],
        ),
        // -- nulls
        row(
            "documented null matches any type",
            jdoc(json!({"a": null, "b": null, "c": null})),
            jact(json!({"a": "x", "b": {"y": 1}, "c": null})),
            &[],
        ),
        row(
            "actual null where the doc shows a value",
            jdoc(json!({"a": "String", "o": {"x": 1}, "l": [1]})),
            jact(json!({"a": null, "o": null, "l": null})),
            &[("/a", Null, W), ("/o", Null, W), ("/l", Null, W)],
        ),
        row(
            "documented null still required",
            jdoc(json!({"a": null})),
            jact(json!({})),
            &[("/a", Missing, E)],
        ),
        // -- arrays
        row(
            "arrays are order-free",
            jdoc(json!({"mixed": ["String", 1, {"id": "String"}]})),
            jact(json!({"mixed": [{"id": "x"}, 2, "s"]})),
            &[],
        ),
        row(
            "element must carry what every documented element carries",
            jdoc(json!({"value": [{"id": "String", "name": "String"}, {"id": "String"}]})),
            jact(json!({"value": [{"name": "x"}, {"id": "y", "name": 5}]})),
            &[("/value/0/id", Missing, E), ("/value/1/name", Type, E)],
        ),
        row(
            "polymorphic value of users and groups, order-free",
            jdoc(users_and_groups()),
            jact(json!({"value": [
                {"@odata.type": "#microsoft.graph.group", "id": "g", "displayName": "G", "groupTypes": ["Unified"]},
                {"@odata.type": "#microsoft.graph.user", "id": "u", "displayName": "U", "mail": "u@x"}
            ]})),
            &[("/@odata.context", OdataAnnotation, W)],
        ),
        row(
            "polymorphic: each element judged against its own type",
            jdoc(users_and_groups()),
            jact(json!({"@odata.context": "x", "value": [
                {"@odata.type": "#microsoft.graph.user", "id": "u", "displayName": "U", "groupTypes": []},
                {"@odata.type": "microsoft.graph.GROUP", "id": "g", "displayName": "G", "groupTypes": "Unified"}
            ]})),
            &[
                ("/value/0/mail", Missing, E),
                ("/value/0/groupTypes", Undocumented, W),
                ("/value/1/groupTypes", Type, E),
            ],
        ),
        row(
            "polymorphic: a type the doc does not show",
            jdoc(users_and_groups()),
            jact(json!({"@odata.context": "x", "value": [
                {"@odata.type": "#microsoft.graph.device", "id": "d", "displayName": "D"}
            ]})),
            &[("/value/0/@odata.type", OdataType, E)],
        ),
        row(
            "shorter array: warning",
            jdoc(json!({"tags": ["String", "String"]})),
            jact(json!({"tags": ["a"]})),
            &[("/tags", ArrayLength, W)],
        ),
        row(
            "empty array where the doc shows elements: warning",
            jdoc(json!({"tags": ["String"]})),
            jact(json!({"tags": []})),
            &[("/tags", ArrayLength, W)],
        ),
        row(
            "longer array is fine and elements still judged",
            jdoc(json!({"tags": ["String"]})),
            jact(json!({"tags": ["a", "b", 3]})),
            &[("/tags/2", Type, E)],
        ),
        row(
            "isCollection: any length",
            jdoc(json!({"tags": ["String", "String"]})).collection(),
            jact(json!({"tags": []})),
            &[],
        ),
        row(
            "truncated: any length",
            jdoc(json!({"tags": ["String", "String"]})).truncated(),
            jact(json!({"tags": ["a"]})),
            &[],
        ),
        row(
            "top-level value: any length without isCollection",
            jdoc(json!({"value": [{"id": "String"}, {"id": "String"}]})),
            jact(json!({"value": [{"id": "1"}]})),
            &[],
        ),
        row(
            "empty value",
            jdoc(json!({"value": [{"id": "String"}]})),
            jact(json!({"value": []})),
            &[],
        ),
        row(
            "nested value is not the collection",
            jdoc(json!({"a": {"value": ["String"]}})),
            jact(json!({"a": {"value": []}})),
            &[("/a/value", ArrayLength, W)],
        ),
        row(
            "documented [] says nothing about elements",
            jdoc(json!({"tags": []})),
            jact(json!({"tags": [1, "a", {}]})),
            &[],
        ),
        // -- @odata
        row(
            "@odata.type: case and # differences pass",
            jdoc(json!({"@odata.type": "#microsoft.graph.onenoteOperation", "id": "String"})),
            jact(json!({"@odata.type": "Microsoft.Graph.OneNoteOperation", "id": "x"})),
            &[],
        ),
        row(
            "@odata.type: another type fails",
            jdoc(json!({"@odata.type": "#microsoft.graph.onenoteOperation", "id": "String"})),
            jact(json!({"@odata.type": "#microsoft.graph.onenotePage", "id": "x"})),
            &[("/@odata.type", OdataType, E)],
        ),
        row(
            "missing @odata.context: warning",
            jdoc(json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity", "id": "String"})),
            jact(json!({"id": "x"})),
            &[("/@odata.context", OdataAnnotation, W)],
        ),
        strict(
            "missing @odata annotations: warnings even in strict mode",
            jdoc(json!({"@odata.type": "#x.y", "@odata.etag": "W/\"1\"", "value@odata.nextLink": "https://x", "value": []})),
            jact(json!({"value": []})),
            &[
                ("/@odata.type", OdataAnnotation, W),
                ("/@odata.etag", OdataAnnotation, W),
                ("/value@odata.nextLink", OdataAnnotation, W),
            ],
        ),
        // -- formats
        row(
            "date-time with +03:00 offset and 7 digits passes",
            jdoc(json!({"createdDateTime": "2017-01-01T00:00:51.2796212+03:00"})),
            jact(json!({"createdDateTime": "2024-05-06T07:08:09.1234567+03:00"})),
            &[],
        ),
        row(
            "Z date-time satisfies an offset one",
            jdoc(json!({"createdDateTime": "2017-01-01T00:00:51.2796212+03:00"})),
            jact(json!({"createdDateTime": "2024-05-06T07:08:09Z"})),
            &[],
        ),
        row(
            "not a date-time: warning",
            jdoc(json!({"createdDateTime": "2017-01-01T00:00:00Z"})),
            jact(json!({"createdDateTime": "July 8, 2015 3:48 PM"})),
            &[("/createdDateTime", Format, W)],
        ),
        strict(
            "not a date-time, strict: error",
            jdoc(json!({"createdDateTime": "2017-01-01T00:00:00Z"})),
            jact(json!({"createdDateTime": "July 8, 2015 3:48 PM"})),
            &[("/createdDateTime", Format, E)],
        ),
        row(
            "date-time placeholder 'datetime' is no format",
            jdoc(json!({"createdDateTime": "datetime"})),
            jact(json!({"createdDateTime": "July 8, 2015 3:48 PM"})),
            &[],
        ),
        row(
            "local date-time (dateTimeTimeZone) accepts with or without offset",
            jdoc(json!({"start": {"dateTime": "2017-04-15T12:00:00.0000000", "timeZone": "UTC"}})),
            jact(json!({"start": {"dateTime": "2017-04-15T12:00:00Z", "timeZone": "Pacific Standard Time"}})),
            &[],
        ),
        row(
            "GUID passes in either case",
            jdoc(json!({"id": guid})),
            jact(json!({"id": "AB8FA4FC-4FCD-08FA-CD4F-FA08CD4FFA08"})),
            &[],
        ),
        row(
            "not a GUID: warning",
            jdoc(json!({"id": guid})),
            jact(json!({"id": "1-abc!23"})),
            &[("/id", Format, W)],
        ),
        // -- empty bodies
        row("204 without body", doc(204, &[], ""), act(204, &[], ""), &[]),
        row(
            "204 with a body",
            doc(204, &[], ""),
            act(204, &[("Content-Type", "application/json")], "{}"),
            &[("", UnexpectedBody, E)],
        ),
        row(
            "isEmpty with a body",
            doc(200, &[], "").empty_body(),
            act(200, &[], "hello"),
            &[("", UnexpectedBody, E)],
        ),
        row(
            "200 documented without body, actual body: warning",
            doc(200, &[], ""),
            jact(json!({"a": 1})),
            &[("", UnexpectedBody, W)],
        ),
        row(
            "201 documented without body, none sent",
            doc(201, &[], ""),
            act(201, &[], "\r\n"),
            &[],
        ),
        row(
            "JSON documented, empty body",
            jdoc(json!({"a": "String"})),
            act(200, &[("Content-Type", "application/json")], ""),
            &[("", EmptyBody, E)],
        ),
        // -- non-JSON bodies
        row(
            "CSV: text not compared",
            tdoc("text/csv", "Report Refresh Date,User Principal Name\n2017-09-01,a@b"),
            act(200, &[("Content-Type", "text/csv; charset=utf-8")], "Report Refresh Date\n"),
            &[],
        ),
        row(
            "CSV documented, empty body",
            tdoc("text/csv", "a,b\n1,2"),
            act(200, &[("Content-Type", "text/csv")], ""),
            &[("", EmptyBody, E)],
        ),
        row(
            "$count: a number as text",
            tdoc("text/plain", "893"),
            act(200, &[("Content-Type", "text/plain")], "12"),
            &[],
        ),
        row(
            "$count served as JSON: media type differs",
            tdoc("text/plain", "893"),
            act(200, &[("Content-Type", "application/json")], "12"),
            &[("", ContentType, E)],
        ),
        row(
            "not JSON",
            jdoc(json!({"a": "String"})),
            act(200, &[("Content-Type", "text/html")], "<html><body>oops</body></html>"),
            &[("", ContentType, E), ("", NotJson, E)],
        ),
        row(
            "truncated JSON",
            jdoc(json!({"a": "String"})),
            act(200, &[("Content-Type", "application/json")], r#"{"a": "x""#),
            &[("", NotJson, E)],
        ),
        row(
            "invalid UTF-8",
            jdoc(json!({"a": "String"})),
            act(200, &[("Content-Type", "application/json")], b"{\"a\": \"\xff\xfe\"}"),
            &[("", NotJson, E)],
        ),
        row(
            "UTF-8 byte order mark skipped",
            jdoc(json!({"a": "String"})),
            act(200, &[("Content-Type", "application/json")], b"\xEF\xBB\xBF{\"a\": \"x\"}"),
            &[],
        ),
        // -- the seed page
        row(
            "seed: a conforming answer",
            seed_response(),
            act(
                201,
                &[("Content-Type", GRAPH_JSON)],
                json!({
                    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('x')/onenote/operations/$entity",
                    "@odata.type": "#microsoft.graph.onenoteOperation",
                    "id": "f0c7d3d2-0c3b-4e8d-b0b1-6b3f1a2b3c4d",
                    "status": "Completed",
                    "createdDateTime": "2024-01-01T10:00:00Z",
                    "lastActionDateTime": "2024-01-01T10:00:01.5+01:00",
                    "resourceLocation": "https://x/pages/1",
                    "resourceId": "1-abc",
                    "error": {"@odata.type": "microsoft.graph.onenoteOperationError", "code": "", "message": ""},
                    "percentComplete": "100",
                    "somethingNew": 1
                })
                .to_string(),
            ),
            &[],
        ),
        row(
            "seed: a drifted answer",
            seed_response(),
            act(
                201,
                &[("Content-Type", "application/json")],
                json!({
                    "id": "1-abc!23",
                    "status": "Completed",
                    "createdDateTime": "yesterday",
                    "lastActionDateTime": null,
                    "resourceLocation": "https://x/pages/1",
                    "error": {"@odata.type": "microsoft.graph.onenoteOperationError", "code": 42},
                    "percentComplete": 100
                })
                .to_string(),
            ),
            &[
                ("/@odata.type", OdataAnnotation, W),
                ("/id", Format, W),
                ("/createdDateTime", Format, W),
                ("/lastActionDateTime", Null, W),
                ("/resourceId", Missing, E),
                ("/error/code", Type, E),
                ("/error/message", Missing, E),
                ("/percentComplete", Type, E),
            ],
        ),
    ]
}

fn run(row: &Row) -> Vec<Finding> {
    judge(
        &row.doc,
        &row.act,
        &JudgeOptions {
            strict: row.strict,
            ..JudgeOptions::default()
        },
    )
}

#[test]
fn table() {
    let rows = rows();
    assert!(rows.len() >= 40, "{} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let got = run(row);
        // Compared as sets: the walk follows the documented object's key
        // order, which these rows do not pin.
        let mut got_keys: Vec<Want> = got
            .iter()
            .map(|f| {
                // Leak is fine in a test: compare pointers as &'static str.
                let p: &'static str = Box::leak(f.pointer.clone().into_boxed_str());
                (p, f.kind, f.severity)
            })
            .collect();
        let mut want = row.want.clone();
        got_keys.sort_by_key(|&(p, k, s)| (p, k, s));
        want.sort_by_key(|&(p, k, s)| (p, k, s));
        if got_keys != want {
            let shown: Vec<String> = got.iter().map(|f| format!("    {f:?}")).collect();
            failures.push(format!(
                "{}:\n  want {:?}\n  got\n{}",
                row.name,
                row.want,
                shown.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// The compiled plan against the reference walk on every row, under both
/// settings of `--strict`: the same findings in the same order, text
/// included, and the same parsed answer.
#[test]
fn the_plan_gives_the_reference_findings_on_every_row() {
    let mut failures = Vec::new();
    let rows = rows();
    for row in &rows {
        let plan = JudgePlan::compile(&row.doc);
        for strict in [row.strict, !row.strict] {
            let opts = JudgeOptions {
                strict,
                ..JudgeOptions::default()
            };
            let want = judge_reference(&row.doc, &row.act, &opts);
            let got = plan.judge_parsed(&row.act, &opts);
            if got != want {
                failures.push(format!(
                    "{} (strict {strict}):\n  reference {:?}\n  plan      {:?}",
                    row.name, want.0, got.0
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows differ:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

#[test]
fn findings_are_readable() {
    for row in rows() {
        for f in run(&row) {
            assert!(
                !f.message.is_empty() && !f.message.contains('\n'),
                "{}: {f:?}",
                row.name
            );
            for side in [&f.documented, &f.actual].into_iter().flatten() {
                assert!(side.chars().count() <= 61, "{}: {f:?}", row.name);
            }
        }
    }
}

#[test]
fn messages() {
    let one = |d: DocResponse, a: Actual| judge(&d, &a, &JudgeOptions::default());
    let f = one(
        jdoc(json!({"value": [{"id": "String"}]})),
        jact(json!({"value": [{}]})),
    );
    assert_eq!(
        f[0].to_string(),
        "error: /value/0/id: missing (documented string)"
    );
    let f = one(jdoc(json!({"a": "String"})), jact(json!({"a": 1})));
    assert_eq!(f[0].message, "documented string, actual number");
    assert_eq!(f[0].documented.as_deref(), Some("string"));
    assert_eq!(f[0].actual.as_deref(), Some("number"));
    let f = one(
        jdoc(json!({"a": "String"})).status(201),
        jact(json!({"a": "x"})),
    );
    assert_eq!(f[0].message, "status 200, documented 201");
    let f = one(
        jdoc(json!({"a": "String"})),
        act(200, &[("Content-Type", "text/html")], "<html>oops</html>"),
    );
    let not_json = f.iter().find(|f| f.kind == NotJson).unwrap();
    assert!(
        not_json.message.contains("text/html"),
        "{}",
        not_json.message
    );
    assert!(not_json.message.contains("<html>"), "{}", not_json.message);
    let f = one(jdoc(json!({"a": "String"})), act(200, &[], b"\xff\xfe{}"));
    assert!(f[1].message.contains("UTF-8"), "{}", f[1].message);
    let long = "x".repeat(500);
    let f = one(
        jdoc(json!({"@odata.type": "#microsoft.graph.user"})),
        jact(json!({"@odata.type": long})),
    );
    assert!(f[0].actual.as_ref().unwrap().ends_with('…'));
}

#[test]
fn large_collection_is_judged_element_by_element() {
    let d = jdoc(users_and_groups());
    let mut value = Vec::new();
    for i in 0..2000 {
        value.push(if i % 2 == 0 {
            json!({"@odata.type": "#microsoft.graph.user", "id": i.to_string(), "displayName": "U", "mail": null})
        } else {
            json!({"@odata.type": "#microsoft.graph.group", "id": i.to_string(), "displayName": "G", "groupTypes": ["Unified", 1]})
        });
    }
    let a = jact(json!({"@odata.context": "x", "value": value}));
    let started = std::time::Instant::now();
    let f = judge(&d, &a, &JudgeOptions::default());
    eprintln!("2000 elements judged in {:?}", started.elapsed());
    assert_eq!(f.len(), 2000);
    assert_eq!((f[0].pointer.as_str(), f[0].kind), ("/value/0/mail", Null));
    assert_eq!(
        (f[1].pointer.as_str(), f[1].kind),
        ("/value/1/groupTypes/1", Type)
    );
}

// ---- the exported schema --------------------------------------------------

fn validator(d: &DocResponse) -> jsonschema::Validator {
    let schema = example_schema(d);
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("invalid schema {schema}: {e}"))
}

#[test]
fn schema_of_seed() {
    let d = seed_response();
    let schema = example_schema(&d);
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(required.contains(&"id") && required.contains(&"error"));
    assert!(!required.contains(&"@odata.type"));
    assert_eq!(
        schema["properties"]["createdDateTime"]["format"],
        "date-time"
    );
    assert_eq!(schema["properties"]["id"]["format"], "uuid");
    let v = validator(&d);
    let good = json!({
        "@odata.type": "#Microsoft.Graph.OneNoteOperation",
        "id": "x", "status": "s", "createdDateTime": "2024-01-01T00:00:00Z",
        "lastActionDateTime": null, "resourceLocation": "r", "resourceId": "r",
        "error": {"code": "c", "message": "m"}, "percentComplete": "1", "extra": [1]
    });
    assert!(v.is_valid(&good));
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("resourceId");
    assert!(!v.is_valid(&missing));
    let mut wrong = good.clone();
    wrong["error"]["code"] = json!(1);
    assert!(!v.is_valid(&wrong));
    let mut other_type = good;
    other_type["@odata.type"] = json!("#microsoft.graph.onenotePage");
    assert!(!v.is_valid(&other_type));
}

#[test]
fn schema_of_non_json_bodies_accepts_anything() {
    for d in [
        doc(204, &[], ""),
        doc(200, &[], ""),
        tdoc("text/csv", "a,b"),
    ] {
        let v = validator(&d);
        assert!(v.is_valid(&json!({"x": 1})));
        assert!(example_schema(&d)["description"].is_string());
    }
}

/// The schema and the walk agree: on every table row with JSON on both sides
/// and equal status, the actual body validates exactly when the walk finds no
/// shape error (Missing, Type, OdataType); warnings are not in the schema.
#[test]
fn schema_agrees_with_the_walk() {
    let mut checked = 0;
    for row in rows() {
        if row.doc.status != row.act.status || row.doc.status == 204 || row.doc.is_empty {
            continue;
        }
        let Some(_) = row.doc.body.json() else {
            continue;
        };
        let bytes = row
            .act
            .body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&row.act.body);
        let Ok(body) = serde_json::from_slice::<Value>(bytes) else {
            continue;
        };
        let shape_error = run(&row)
            .iter()
            .any(|f| matches!(f.kind, Missing | Type | OdataType));
        let valid = validator(&row.doc).is_valid(&body);
        assert_eq!(
            valid,
            !shape_error,
            "{}: schema {}",
            row.name,
            example_schema(&row.doc)
        );
        checked += 1;
    }
    assert!(checked >= 30, "{checked}");
}
