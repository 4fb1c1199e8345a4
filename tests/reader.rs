//! The reader on small pages written for one quirk each (`fixtures/pages`),
//! and on the seed page. Every assertion names what the page is about.

use graph_contract::docs::{read_page, read_paths};
use graph_contract::{Case, Diagnostic, DocBody, Severity};
use serde_json::json;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pages")
        .join(format!("{name}.md"))
}

/// Every fixture page, sorted.
fn fixture_pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(fixture("x").parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages
}

fn read(name: &str) -> (Vec<Case>, Vec<Diagnostic>) {
    let c = read_paths(&[fixture(name).as_path()]);
    assert_eq!(c.pages, 1, "{name}: one page");
    for case in &c.cases {
        assert_eq!(case.page_id, name);
        assert!(case.id.starts_with(&format!("{name}::")));
    }
    (c.cases, c.diagnostics)
}

/// (kind, line) of every diagnostic.
fn kinds(d: &[Diagnostic]) -> Vec<(&str, usize)> {
    d.iter().map(|d| (d.kind.as_str(), d.line)).collect()
}

fn status(c: &Case) -> u16 {
    c.response.as_ref().expect("a response").status
}

#[test]
fn seed_page() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/onenote/onenote-post-operations.md");
    let c = read_paths(&[path.as_path()]);
    assert_eq!(
        c.cases.len(),
        1,
        "exactly one case; the ignored block is not one"
    );
    let case = &c.cases[0];
    assert_eq!(
        case.id,
        "onenote-post-operations::create_onenoteoperation_from_"
    );
    assert_eq!(case.request.method, "POST");
    assert_eq!(
        case.request.url,
        "https://graph.microsoft.com/localtest/me/onenote/operations"
    );
    assert_eq!(case.request.line, 71);
    assert_eq!(
        case.request.headers[0],
        ("Content-type".into(), "application/json".into())
    );
    assert!(
        case.request
            .body
            .as_deref()
            .unwrap()
            .starts_with("{\n  \"@odata.type\"")
    );
    let r = case.response.as_ref().unwrap();
    assert_eq!((r.status, r.line), (201, 99));
    assert!(r.truncated);
    assert_eq!(
        r.odata_type.as_deref(),
        Some("microsoft.graph.onenoteoperation")
    );
    assert_eq!(
        r.body.json().unwrap()["id"],
        "08fa4fcd-4fcd-08fa-cd4f-fa08cd4ffa08"
    );
    assert!(!case.inferred);
    assert!(case.alternatives.is_empty());
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
}

#[test]
fn folder_ids_are_relative_and_sorted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let c = read_paths(&[dir.as_path()]);
    assert!(c.pages >= 20);
    // Ids are relative to the folder given: `pages/...`, `e2e/...`, never
    // the folder itself or an absolute path.
    assert!(
        c.cases
            .iter()
            .all(|c| !c.page_id.starts_with('/') && !c.page_id.contains("fixtures"))
    );
    let ids: Vec<&str> = c.cases.iter().map(|c| c.page_id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert!(
        c.cases
            .iter()
            .any(|c| c.id == "pages/blank-line-before-fence::get_widget")
    );
}

#[test]
fn unreadable_pages_are_diagnostics() {
    let dir = std::env::temp_dir().join(format!("graph-contract-reader-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a-bad.md"), b"# bad \xff\xfe page\n").unwrap();
    std::fs::copy(fixture("blank-line-before-fence"), dir.join("b-good.md")).unwrap();
    std::fs::write(dir.join("notes.txt"), b"not a page").unwrap();
    let c = read_paths(&[dir.as_path(), dir.join("missing").as_path()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(c.pages, 1);
    assert_eq!(c.cases.len(), 1);
    assert_eq!(c.cases[0].id, "b-good::get_widget");
    let k: Vec<_> = c
        .diagnostics
        .iter()
        .map(|d| (d.kind.as_str(), d.severity))
        .collect();
    assert_eq!(
        k,
        [
            ("unreadable-page", Severity::Error),
            ("unreadable-path", Severity::Error)
        ]
    );
}

#[test]
fn blank_line_between_annotation_and_fence() {
    let (c, d) = read("blank-line-before-fence");
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].name.as_str(), c[0].request.line), ("get_widget", 6));
    let r = c[0].response.as_ref().unwrap();
    assert_eq!((r.status, r.line, r.truncated), (200, 15, true));
    assert_eq!(r.body, DocBody::Json(json!({"id": "42"})));
    assert_eq!(r.body_text, "{ \"id\": \"42\" }");
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn tab_headers_and_other_tabs() {
    let (c, d) = read("tab-header");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].request.url, "https://graph.microsoft.com/v1.0/gadgets");
    assert_eq!(status(&c[0]), 200);
    assert_eq!(c[0].response.as_ref().unwrap().line, 18);
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn msgraph_interactive_indented_in_a_list() {
    let (c, d) = read("msgraph-interactive");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].request.line, 7);
    assert_eq!(
        c[0].request.url,
        "https://graph.microsoft.com/v1.0/gizmos/7"
    );
    let r = c[0].response.as_ref().unwrap();
    assert_eq!((r.status, r.line), (200, 14));
    assert_eq!(r.body, DocBody::Json(json!({"id": "7"})));
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn names_as_lists_on_both_sides() {
    let (c, d) = read("name-list");
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].name, "folder_by_id", "first name of a list");
    assert_eq!(c[0].request.url, "/folders/{folder-id}");
    assert_eq!(c[1].request.url, "/root:/{path}");
    for case in &c {
        let r = case
            .response
            .as_ref()
            .expect("the listed response answers both");
        assert_eq!((r.status, r.line), (200, 15));
        assert_eq!(r.odata_type.as_deref(), Some("microsoft.graph.folder"));
    }
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn second_response_is_an_alternative() {
    let (c, d) = read("two-responses");
    assert_eq!(c.len(), 1);
    assert_eq!(status(&c[0]), 200);
    assert_eq!(c[0].alternatives.len(), 1);
    let alt = &c[0].alternatives[0];
    assert_eq!((alt.status, alt.line), (202, 19));
    assert_eq!(
        alt.header("location"),
        Some("https://graph.microsoft.com/v1.0/jobs/9")
    );
    assert_eq!(alt.body, DocBody::Empty);
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn trailing_commas_in_annotation_and_bodies() {
    let (c, d) = read("trailing-comma");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name, "update_note");
    assert_eq!(c[0].request.method, "PATCH");
    assert_eq!(
        c[0].request.body.as_deref(),
        Some("{\n  \"title\": \"groceries\",\n}"),
        "kept verbatim"
    );
    let r = c[0].response.as_ref().unwrap();
    assert_eq!(
        r.body,
        DocBody::Json(json!({"id": "3", "title": "groceries", "tags": ["a", "b"]}))
    );
    assert!(r.body_text.contains("\"b\",],"), "text as written");
    assert_eq!(
        kinds(&d),
        [
            ("annotation-json", 5),
            ("request-body-json", 12),
            ("body-json", 24)
        ]
    );
    assert!(d.iter().all(|d| d.severity == Severity::Warning));
    assert!(d[2].message.contains("trailing comma"));
}

#[test]
fn unannotated_request_and_response_are_inferred() {
    let (c, d) = read("inferred");
    assert_eq!(c.len(), 1, "the syntax block is not a case");
    assert!(c[0].inferred);
    assert_eq!(c[0].name, "#1");
    assert_eq!(c[0].id, "inferred::#1");
    assert_eq!(
        (c[0].request.method.as_str(), c[0].request.line),
        ("DELETE", 16)
    );
    assert_eq!(
        c[0].request.url,
        "https://graph.microsoft.com/v1.0/sprockets/{sprocketId}"
    );
    assert_eq!(c[0].response.as_ref().unwrap().line, 22);
    assert_eq!(status(&c[0]), 204);
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn response_after_ignored_request_belongs_to_it() {
    let (c, d) = read("after-ignored");
    assert_eq!(c.len(), 1);
    assert_eq!(status(&c[0]), 200);
    assert!(
        c[0].alternatives.is_empty(),
        "the $count response is not an alternative"
    );
    assert_eq!(kinds(&d), [("orphan-response", 23)]);
    assert!(d[0].message.contains("line 18"));
}

#[test]
fn unclosed_fence_is_split_and_rest_of_page_read() {
    let (c, d) = read("unclosed-fence");
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].request.body.as_deref(), Some("{ \"name\": \"desk\" }"));
    let r = c[0]
        .response
        .as_ref()
        .expect("the swallowed response is recovered");
    assert_eq!((r.status, r.line), (204, 13));
    assert_eq!(c[1].name, "get_lamp");
    assert_eq!(c[1].request.line, 20);
    assert!(c[1].response.is_none());
    assert_eq!(kinds(&d), [("unclosed-fence", 4), ("unclosed-fence", 19)]);
}

#[test]
fn annotation_separated_by_prose() {
    let (c, d) = read("annotation-separated");
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].name.as_str(), c[0].request.line), ("get_kettle", 6));
    assert!(c[0].response.is_none());
    assert_eq!(
        kinds(&d),
        [("annotation-separated", 3), ("dangling-annotation", 9)]
    );
}

#[test]
fn smart_quotes_and_nbsp() {
    let (c, d) = read("smart-quotes-nbsp");
    let r = c[0].response.as_ref().unwrap();
    assert_eq!(
        r.body,
        DocBody::Json(json!({"id": "p1", "label": "frying"}))
    );
    assert_eq!(
        c[0].request.body.as_deref(),
        Some("{\n  \"label\":\u{a0}\"frying\"\n}")
    );
    assert_eq!(kinds(&d), [("request-body-json", 9), ("body-json", 20)]);
}

#[test]
fn status_without_or_with_odd_reason() {
    let (c, d) = read("status-without-reason");
    assert_eq!(c.len(), 2);
    assert_eq!((status(&c[0]), status(&c[1])), (204, 202));
    assert_eq!(c[1].response.as_ref().unwrap().line, 20);
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn count_number_body() {
    let (c, d) = read("count-number");
    assert_eq!(
        c[0].request.headers,
        [("ConsistencyLevel".to_string(), "eventual".to_string())]
    );
    let r = c[0].response.as_ref().unwrap();
    assert_eq!(
        r.body,
        DocBody::Text("893".into()),
        "text/plain number stays text"
    );
    assert_eq!(r.odata_type.as_deref(), Some("Edm.Int32"));
    let r = c[1].response.as_ref().unwrap();
    assert_eq!(
        r.body,
        DocBody::Json(json!(893)),
        "a JSON content type makes it JSON"
    );
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn csv_body_is_text() {
    let (c, d) = read("csv-body");
    assert_eq!(
        c[0].request.url,
        "https://graph.microsoft.com/v1.0/reports/getUsage(period='D7')"
    );
    let r = c[0].response.as_ref().unwrap();
    assert_eq!(
        r.body,
        DocBody::Text(
            "Report Refresh Date,User Principal Name,Count\n2024-01-02,ann@contoso.test,3".into()
        )
    );
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn urls_kept_verbatim() {
    let (c, d) = read("url-forms");
    assert_eq!(c.len(), 3);
    assert_eq!(
        c[0].request.url,
        "https://graph.microsoft.com/v1.0/users?$filter=startswith(displayName,'Ann B') and city eq \"Oslo\""
    );
    assert_eq!(c[0].request.http_version.as_deref(), Some("HTTP/1.1"));
    assert_eq!(
        c[1].request.url,
        "https://graph.microsoft.com/V1.0/me/photo/$value"
    );
    assert_eq!(c[1].request.http_version.as_deref(), Some("HTTP/2.0"));
    assert_eq!(c[2].request.method, "PUT");
    assert_eq!(
        c[2].request.url,
        "/printers/<printerId>/jobs/{jobId}/documents/{documentId}/$value"
    );
    assert_eq!(c[2].request.body.as_deref(), Some("<Image>"));
    assert!(c.iter().all(|c| c.response.is_none()));
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn headers_after_a_blank_line_and_body_without_one() {
    let (c, d) = read("headers-after-blank");
    assert_eq!(c.len(), 1);
    assert!(c[0].inferred);
    assert_eq!(c[0].request.headers.len(), 2);
    assert_eq!(
        c[0].request.body.as_deref(),
        Some("{\n  \"assignments\": []\n}")
    );
    let r = c[0].response.as_ref().unwrap();
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body, DocBody::Json(json!({"ok": true})));
    assert_eq!(kinds(&d), [("request-headers-after-blank", 6)]);
}

#[test]
fn annotation_flags_written_loosely() {
    let (c, d) = read("annotation-flags");
    let r = c[0].response.as_ref().unwrap();
    assert!(r.truncated, "\"true\" as a string");
    assert_eq!(r.is_collection, Some(false));
    assert_eq!(
        r.odata_type.as_deref(),
        Some("microsoft.graph.thing"),
        "@type"
    );
    assert!(!r.is_empty);
    let r = c[1].response.as_ref().unwrap();
    assert!(r.is_empty);
    assert_eq!(r.is_collection, None);
    assert!(!r.truncated);
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn response_block_holding_a_request() {
    let (c, d) = read("response-holds-request");
    assert_eq!(c.len(), 1);
    assert_eq!(status(&c[0]), 202);
    assert!(
        c[0].alternatives.is_empty(),
        "the 201 answers the mislabelled block"
    );
    assert_eq!(
        kinds(&d),
        [("response-holds-request", 16), ("orphan-response", 23)]
    );
}

#[test]
fn annotation_json_missing_comma_unquoted_key_control_char() {
    let (c, d) = read("annotation-lenient");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name, "loose");
    assert_eq!(c[0].response.as_ref().unwrap().is_collection, Some(true));
    assert_eq!(kinds(&d), [("annotation-json", 5), ("annotation-json", 13)]);
    assert!(d[0].message.contains("missing comma"));
    assert!(d[1].message.contains("control character") && d[1].message.contains("unquoted key"));
}

#[test]
fn several_request_lines_take_the_first() {
    let (c, d) = read("multiple-request-lines");
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].request.url,
        "https://graph.microsoft.com/v1.0/me/acceptances"
    );
    assert_eq!(c[0].request.body, None);
    assert_eq!(status(&c[0]), 200);
    assert_eq!(kinds(&d), [("multiple-request-lines", 7)]);
}

#[test]
fn response_without_status_line() {
    let (c, d) = read("no-status-line");
    assert_eq!(c.len(), 1, "the request is still a case");
    assert!(c[0].response.is_none());
    assert_eq!(kinds(&d), [("response-unreadable", 9)]);
    assert_eq!(d[0].severity, Severity::Error);
}

#[test]
fn numbering_duplicates_and_other_block_types() {
    let (c, d) = read("names-and-numbers");
    let ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "names-and-numbers::#1",
            "names-and-numbers::same",
            "names-and-numbers::same~2",
            "names-and-numbers::#4"
        ]
    );
    assert!(c[1].response.is_none());
    assert_eq!(
        status(&c[2]),
        200,
        "a named response answers the latest request of that name"
    );
    assert_eq!(
        c[3].request.url, "https://graph.microsoft.com/v1.0/d",
        "fence without info"
    );
    assert_eq!(kinds(&d), [("other-block-type", 24)]);
}

#[test]
fn elided_body_with_comments() {
    let (c, d) = read("elided-body");
    let r = c[0].response.as_ref().unwrap();
    assert_eq!(r.body, DocBody::Json(json!({"value": [{"id": "1"}]})));
    assert_eq!(kinds(&d), [("body-json", 14)]);
    assert!(d[0].message.contains("comment") && d[0].message.contains("ellipsis"));
}

#[test]
fn read_page_directly_never_panics_on_fragments() {
    let samples = [
        "",
        "```",
        "<!-- { \"blockType\": \"request\"",
        "<!-- { \"blockType\": \"response\" } -->\n```http\n",
        "```http\nGET\n```\n```http\nHTTP/1.1\n```",
        "<!-- {\"blockType\": \"request\"} -->\n```http\nGET /a\n```json\n{\n```\n```\n",
        "\u{feff}# t\r\n<!-- { \"blockType\": \"request\" } -->\r\n```http\r\nGET /x\r\n```\r\n",
    ];
    for s in samples {
        let _ = read_page("p.md", "p", s);
    }
    let (c, _) = read_page("p.md", "p", samples[6]);
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].request.url.as_str(), c[0].request.line), ("/x", 4));
}

#[test]
fn bracketed_placeholders_under_binary_types_are_text() {
    let page = "<!-- { \"blockType\": \"request\", \"name\": \"upload\" } -->\n```http\nPOST /apps\nContent-type: application/zip\n\n[Zip file containing the app]\n```\n\n<!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 200 OK\nContent-type: image/png\n\n[binary image data]\n```\n";
    let (c, d) = read_page("p.md", "p", page);
    assert_eq!(
        c[0].request.body.as_deref(),
        Some("[Zip file containing the app]")
    );
    let r = c[0].response.as_ref().unwrap();
    assert_eq!(r.body, DocBody::Text("[binary image data]".into()));
    assert!(d.is_empty(), "{d:?}");
}

/// Found by fuzzing (`fuzz/run.sh`): a status or request line whose first
/// bytes are multi-byte characters must not be sliced inside one.
#[test]
fn lines_starting_with_multibyte_characters_do_not_panic() {
    use graph_contract::docs::http_text::{parse_response, request_line, status_line};
    assert_eq!(status_line("H\u{2022}\u{2022}P/1.1 200 OK"), None);
    assert_eq!(status_line("\u{fffd}\u{fffd}Content-type: x"), None);
    assert_eq!(
        request_line("GET HT\u{2022}\u{2022} https://x"),
        Some(("GET".into(), "HT\u{2022}\u{2022} https://x".into(), None))
    );
    assert!(
        parse_response(
            "HTTP/1.1 200 OK\n\u{fffd}\u{fffd}\u{fffd}Content-type: application/json\n\n{}"
        )
        .is_some()
    );
    let page = format!(
        "<!-- {{\"blockType\": \"response\"}} -->\n```http\n{}\n```\n",
        "\u{fffd}".repeat(40)
    );
    let (cases, _) = read_page("p.md", "p", &page);
    assert!(cases.is_empty());
}

// Issue #17: the last quirk shapes.

#[test]
fn annotation_then_heading_lines_belongs_to_the_fence() {
    let (c, d) = read("annotation-heading");
    assert_eq!(c.len(), 1, "the prose-separated request is no case");
    assert_eq!(
        (c[0].name.as_str(), c[0].request.line),
        ("get_teapot", 9),
        "across `##### Request`"
    );
    assert!(!c[0].inferred);
    let r = c[0]
        .response
        .as_ref()
        .expect("across `### Response` and a tab header");
    assert_eq!((r.status, r.line, r.truncated), (200, 22, true));
    assert_eq!(r.odata_type.as_deref(), Some("microsoft.graph.teapot"));
    // a heading and a line of prose: dangling, as before
    assert_eq!(kinds(&d), [("dangling-annotation", 30)]);
}

/// Across headings, the fence must hold what the annotation says; prose
/// between them is as before: a heading with it detaches, without a
/// heading an HTTP block is taken with a warning.
#[test]
fn what_crosses_a_heading_and_what_does_not() {
    let req = "```http\nGET /a\n```\n";
    let resp = "```http\nHTTP/1.1 200 OK\n```\n";
    let ann = |t: &str| format!("<!-- {{ \"blockType\": \"{t}\", \"name\": \"x\" }} -->\n");
    // (page, cases, response line of the first case, diagnostics)
    type Row = (String, usize, Option<usize>, Vec<(&'static str, usize)>);
    let rows: Vec<Row> = vec![
        // request annotation, heading, request; then a response
        (
            format!(
                "{}## Request\n\n{req}{}### Response\n{resp}",
                ann("request"),
                ann("response")
            ),
            1,
            Some(10),
            vec![],
        ),
        // several heading lines, blank lines and a tab header
        (
            format!(
                "{}#### Request\n\n##### HTTP\n# [HTTP](#tab/http)\n{req}",
                ann("request")
            ),
            1,
            None,
            vec![],
        ),
        // a request annotation whose block is missing: not the response's
        (
            format!("{}### Response\n{resp}", ann("request")),
            0,
            None,
            vec![("dangling-annotation", 1), ("orphan-response", 3)],
        ),
        // a response annotation over a request, across a heading: dangling
        (
            format!("{}### Request\n{req}", ann("response")),
            0,
            None,
            vec![("dangling-annotation", 1)],
        ),
        // heading and prose: dangling (unchanged); the request block is
        // then unannotated, and the annotated response makes it a case
        // (inferred)
        (
            format!(
                "{}### Request\nSome prose.\n{req}{}{resp}",
                ann("request"),
                ann("response")
            ),
            1,
            Some(9),
            vec![("dangling-annotation", 1)],
        ),
        (
            format!("{}### Request\nSome prose.\n{req}", ann("request")),
            0,
            None,
            vec![("dangling-annotation", 1)],
        ),
        // prose without a heading before an HTTP block: attached, warned (unchanged)
        (
            format!("{}Some prose.\n{req}", ann("request")),
            1,
            None,
            vec![("annotation-separated", 1)],
        ),
        // a hashtag is no heading: prose
        (
            format!("{}#hashtag\n{req}", ann("request")),
            1,
            None,
            vec![("annotation-separated", 1)],
        ),
    ];
    for (page, n, resp_line, want) in rows {
        let (c, d) = read_page("p.md", "p", &page);
        assert_eq!(c.len(), n, "{page}\n{d:?}");
        if let Some(line) = resp_line {
            assert_eq!(c[0].response.as_ref().map(|r| r.line), Some(line), "{page}");
        }
        assert_eq!(kinds(&d), want, "{page}");
    }
}

#[test]
fn unannotated_request_then_annotated_response_is_one_inferred_case() {
    let (c, d) = read("unannotated-request-annotated-response");
    assert_eq!(c.len(), 1, "the ignored syntax block is not a case");
    let case = &c[0];
    assert!(case.inferred, "the request's part is inferred");
    assert_eq!(case.id, "unannotated-request-annotated-response::#1");
    assert_eq!(
        (case.request.method.as_str(), case.request.line),
        ("GET", 16)
    );
    assert_eq!(
        case.request.url,
        "https://graph.microsoft.com/v1.0/me/gears"
    );
    let r = case.response.as_ref().unwrap();
    assert_eq!((r.status, r.line), (200, 31));
    assert!(r.truncated, "the response's annotation is kept");
    assert_eq!(r.is_collection, Some(true));
    assert_eq!(r.odata_type.as_deref(), Some("microsoft.graph.gear"));
    assert!(d.is_empty(), "no orphan-response: {d:?}");
}

/// Which response an unannotated request gets, and which it does not.
#[test]
fn annotated_responses_after_unannotated_requests() {
    let resp = |name: &str| {
        format!(
            "<!-- {{ \"blockType\": \"response\"{} }} -->\n```http\nHTTP/1.1 200 OK\n```\n",
            if name.is_empty() {
                String::new()
            } else {
                format!(", \"name\": \"{name}\"")
            }
        )
    };
    let named_req =
        "<!-- { \"blockType\": \"request\", \"name\": \"a\" } -->\n```http\nGET /a\n```\n";
    let bare = |url: &str| format!("```http\nGET {url}\n```\n");
    // (page, (id, url, inferred, responses) per case, diagnostic kinds)
    type Row = (
        String,
        Vec<(&'static str, &'static str, bool, usize)>,
        Vec<&'static str>,
    );
    let rows: Vec<Row> = vec![
        // a named response goes to its request, not to the block between
        (
            format!("{named_req}{}{}", bare("/a/syntax"), resp("a")),
            vec![("p::a", "/a", false, 1)],
            vec![],
        ),
        // a name no request has: the unannotated request's, under that name
        (
            format!("{}{}", bare("/b"), resp("get_b")),
            vec![("p::get_b", "/b", true, 1)],
            vec![],
        ),
        // the latest request-looking block before it is the request
        (
            format!("{}```csharp\nvar b = 1;\n```\n{}", bare("/b"), resp("")),
            vec![("p::#1", "/b", true, 1)],
            vec![],
        ),
        // a second response is an alternative
        (
            format!("{}{}{}", bare("/b"), resp(""), resp("")),
            vec![("p::#1", "/b", true, 2)],
            vec![],
        ),
        // an ignored request is still no case (unchanged)
        (
            format!(
                "<!-- {{ \"blockType\": \"ignored\" }} -->\n{}{}",
                bare("/c"),
                resp("")
            ),
            vec![],
            vec!["orphan-response"],
        ),
        // nothing before it (unchanged)
        (resp(""), vec![], vec!["orphan-response"]),
    ];
    for (page, want, want_kinds) in rows {
        let (c, d) = read_page("p.md", "p", &page);
        let got: Vec<_> = c
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    c.request.url.as_str(),
                    c.inferred,
                    c.response.iter().count() + c.alternatives.len(),
                )
            })
            .collect();
        assert_eq!(got, want, "{page}");
        let k: Vec<&str> = d.iter().map(|d| d.kind.as_str()).collect();
        assert_eq!(k, want_kinds, "{page}");
    }
}

#[test]
fn json_body_in_its_own_block_joins_the_request() {
    let (c, d) = read("json-body-block");
    assert_eq!(c.len(), 1, "only the first request takes the json block");
    let case = &c[0];
    assert!(case.inferred);
    assert_eq!(
        (case.request.method.as_str(), case.request.line),
        ("POST", 6)
    );
    assert_eq!(
        case.request.body.as_deref(),
        Some("{\n  \"displayName\": \"Blue widget\",\n  \"size\": 3,\n}"),
        "the json block's text, kept as written"
    );
    assert_eq!(
        case.request.headers,
        [("Content-type".to_string(), "application/json".to_string())]
    );
    let r = case.response.as_ref().unwrap();
    assert_eq!((r.status, r.line), (201, 20));
    assert_eq!(
        kinds(&d),
        [
            // the lenient body is linted on its own page line
            ("request-body-json", 13),
            // prose between request and json block: apart, as before
            ("orphan-response", 38),
            // a GET takes no body
            ("orphan-response", 51),
        ]
    );
}

/// When a `json` block is a request's body, and when it is not.
#[test]
fn json_body_block_rules() {
    let resp = "```http\nHTTP/1.1 204 No Content\n```\n";
    let json = "```json\n\n{ \"a\": 1 }\n\n```\n";
    // (page, Some(body) of the one case, or None when no case)
    let rows: Vec<(String, Option<Option<&str>>)> = vec![
        (
            format!("```http\nPOST /x\n```\n\n\n{json}{resp}"),
            Some(Some("{ \"a\": 1 }")),
        ),
        (
            format!("```http\nPATCH /x\n```\n{json}{resp}"),
            Some(Some("{ \"a\": 1 }")),
        ),
        (
            format!("```http\nPUT /x\n```\n{json}{resp}"),
            Some(Some("{ \"a\": 1 }")),
        ),
        (
            format!(
                "```http\nPOST /x\nContent-type: application/json\n\n{{\"own\": true}}\n```\n{json}{resp}"
            ),
            None,
        ),
        (format!("```http\nDELETE /x\n```\n{json}{resp}"), None),
        (format!("```http\nPOST /x\n```\nprose\n{json}{resp}"), None),
        (
            format!("```http\nPOST /x\n```\n```javascript\n{{ \"a\": 1 }}\n```\n{resp}"),
            None,
        ),
        (
            format!("```http\nPOST /x\n```\n```json\n\"a string\"\n```\n{resp}"),
            None,
        ),
        (
            format!(
                "```http\nPOST /x\n```\n<!-- {{ \"blockType\": \"ignored\" }} -->\n{json}{resp}"
            ),
            None,
        ),
        // an annotated request is left as written
        (
            format!(
                "<!-- {{ \"blockType\": \"request\" }} -->\n```http\nPOST /x\n```\n{json}<!-- {{ \"blockType\": \"response\" }} -->\n{resp}"
            ),
            Some(None),
        ),
    ];
    for (page, want) in rows {
        let (c, _) = read_page("p.md", "p", &page);
        let got = c.first().map(|c| c.request.body.as_deref());
        assert_eq!(got, want, "{page}");
        assert!(c.len() <= 1, "{page}");
    }
}

/// A folder of more pages than are read on the calling thread, nested and
/// listed in whatever order the file system gives, some unreadable: the
/// corpus is what reading each page alone, in sorted id order, gives
/// (cases and diagnostics in that order), whatever order the pool's
/// threads read them in while the walk went on.
#[test]
fn a_folder_read_in_parallel_is_its_pages_read_one_by_one_in_order() {
    let dir = std::env::temp_dir().join(format!("graph-contract-walk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let fixtures = fixture_pages();
    // 3 × the fixtures, in folders up to three deep; every 9th page not
    // UTF-8, one a link to nowhere
    let mut want_pages = Vec::new();
    for (i, f) in fixtures.iter().cycle().take(3 * fixtures.len()).enumerate() {
        let sub = ["", "z/", "a/b/", "a/b/c/", "m/"][i % 5];
        let id = format!(
            "{sub}{:03}-{}",
            97 * i % 1000,
            f.file_stem().unwrap().to_string_lossy()
        );
        let to = dir.join(format!("{id}.md"));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if i % 9 == 4 {
            std::fs::write(&to, b"# bad \xff page\n").unwrap();
        } else {
            std::fs::copy(f, &to).unwrap();
        }
        want_pages.push((id, to));
    }
    #[cfg(unix)]
    {
        let to = dir.join("a/dangling.md");
        std::os::unix::fs::symlink(dir.join("nowhere"), &to).unwrap();
        want_pages.push(("a/dangling".into(), to));
    }
    // folders nested deeper than the walk goes (as a link loop would nest
    // them): the walk's one diagnostic, which comes before every page's
    std::fs::create_dir_all(dir.join("deep").join(["d"; 66].join("/"))).unwrap();
    want_pages.sort();
    assert!(want_pages.len() > 2 * graph_contract::docs::PARALLEL_MIN_PAGES);
    let got = read_paths(&[dir.as_path()]);
    // each page alone: its cases and diagnostics, or the one diagnostic
    // that says why it cannot be read
    let mut want_cases = Vec::new();
    let mut want_diags = Vec::new();
    let mut readable = 0;
    for (id, path) in &want_pages {
        let page = path.to_string_lossy().into_owned();
        let unreadable = |message: String| Diagnostic {
            page: page.clone(),
            line: 1,
            column: None,
            severity: Severity::Error,
            kind: "unreadable-page".into(),
            message,
        };
        match std::fs::read(path) {
            Ok(bytes) => match std::str::from_utf8(&bytes) {
                Ok(text) => {
                    let (c, d) = read_page(&page, id, text);
                    readable += 1;
                    want_cases.extend(c);
                    want_diags.extend(d);
                }
                Err(e) => want_diags.push(unreadable(format!("not UTF-8: {e}"))),
            },
            Err(e) => want_diags.push(unreadable(e.to_string())),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    let mut got_diags = got.diagnostics;
    let first = got_diags.remove(0);
    assert_eq!(
        (first.kind.as_str(), first.message.as_str()),
        (
            "unreadable-path",
            "folders nested too deeply (a link loop?)"
        ),
        "{first:?}"
    );
    assert_eq!(got.pages, readable);
    assert_eq!(got.cases, want_cases);
    assert_eq!(got_diags, want_diags);
    let got_cases = got.cases;
    assert!(got_cases.len() > 2 * graph_contract::docs::PARALLEL_MIN_PAGES);
}

/// Many pages given one by one as paths (a shell's `specs/**/*.md`) are
/// read on the pool together; the corpus is still each path's, in the
/// order given.
#[test]
fn many_file_paths_read_together_are_each_read_alone_in_order() {
    let files = fixture_pages();
    let mut paths: Vec<PathBuf> = files.iter().rev().chain(&files).cloned().collect();
    paths.push(fixture("missing"));
    assert!(paths.len() >= graph_contract::docs::PARALLEL_MIN_PAGES);
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let together = read_paths(&refs);
    let (mut cases, mut diags, mut pages) = (Vec::new(), Vec::new(), 0);
    for p in &refs {
        let one = read_paths(&[p]);
        pages += one.pages;
        cases.extend(one.cases);
        diags.extend(one.diagnostics);
    }
    assert_eq!(together.pages, pages);
    assert_eq!(together.cases, cases);
    assert_eq!(together.diagnostics, diags);
    assert!(diags.iter().any(|d| d.kind == "unreadable-path"));
}
