//! Output stays well-formed whatever bytes a service (or a page) sends: the
//! JUnit file is XML 1.0 (every character one XML can hold, every element
//! closed), and the terminal shows a service's control characters made
//! visible (`\x1b`), never interpreted.

mod support;

use support::tcp::{Next, raw_serve, response};
use support::{binary, output_text, tmp_dir};

/// What a hostile service sends: escape sequences (clear screen, set the
/// window title, a C1 CSI), NUL, a bare CR, a bidi override, a
/// non-character, invalid UTF-8.
const HOSTILE: &[u8] =
    b"\x1b[2J\x1b]0;owned\x07 \x00 \r \xc2\x9b31m \xe2\x80\xae \xef\xbf\xbe \xff\xfe end";

const PAGE: &str = r#"# Hostile bytes

### Request
<!-- {"blockType": "request", "name": "json_with_controls"} -->
```http
GET https://graph.microsoft.com/v1.0/me/json
```

### Response
<!-- {"blockType": "response", "truncated": false} -->
```http
HTTP/1.1 200 OK
Content-type: application/json

{"id": "String", "displayName": "String"}
```

### Request
<!-- {"blockType": "request", "name": "binary_body"} -->
```http
GET https://graph.microsoft.com/v1.0/me/binary
```

### Response
<!-- {"blockType": "response", "truncated": false} -->
```http
HTTP/1.1 200 OK
Content-type: application/json

{"id": "String"}
```
"#;

fn hostile_service() -> support::tcp::RawServer {
    raw_serve(|req, conn| {
        let mut body = Vec::new();
        if req.path.contains("/json") {
            // Raw controls inside JSON strings: not JSON, shown as text.
            body.extend_from_slice(b"{\"id\": \"");
            body.extend_from_slice(HOSTILE);
            body.extend_from_slice(b"\", \"displayName\": 3}");
        } else {
            body.extend_from_slice(HOSTILE);
        }
        // Header values may carry obs-text: a C1 CSI in UTF-8.
        let head = response(
            "200 OK",
            &[
                ("Content-Type", "application/json"),
                ("X-Hostile", "a\u{9b}31m b"),
                ("Connection", "close"),
            ],
            &body,
        );
        conn.send(&head);
        Next::Close
    })
}

/// Characters XML 1.0 can hold (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// A terminal acts on these: C0 but newline and tab, DEL, C1, bidi controls.
fn acted_on(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn junit_is_well_formed_xml_and_the_terminal_shows_service_bytes_made_visible() {
    let server = hostile_service();
    let dir = tmp_dir("hardening-output");
    let page = dir.join("hostile.md");
    std::fs::write(&page, PAGE).unwrap();
    let junit = dir.join("junit.xml");
    let summary = dir.join("summary.md");
    let out = binary()
        .arg("check")
        .arg(&page)
        .args(["--target", &server.url, "--details", "--retries", "0"])
        .arg("--junit")
        .arg(&junit)
        .arg("--summary")
        .arg(&summary)
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");

    // The JUnit file: UTF-8, only XML characters, and it parses to the end
    // with every element closed.
    let xml = String::from_utf8(std::fs::read(&junit).unwrap()).expect("UTF-8");
    let bad: Vec<char> = xml.chars().filter(|&c| !xml_char(c)).collect();
    assert!(bad.is_empty(), "not XML characters: {bad:?}\n{xml}");
    let mut reader = quick_xml::Reader::from_str(&xml);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i32;
    let mut failures = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) => {
                depth += 1;
                if e.name().0 == "failure" {
                    failures += 1;
                }
            }
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "JUnit does not parse at {}: {e}\n{xml}",
                reader.buffer_position()
            ),
        }
    }
    assert_eq!(depth, 0, "{xml}");
    assert_eq!(failures, 2, "{xml}");
    assert!(xml.contains("\\x1b[2J"), "made visible: {xml}");

    // The terminal and the summary: nothing a terminal would act on, and
    // the escape shown as text.
    for (name, bytes) in [
        ("stdout", out.stdout.clone()),
        ("stderr", out.stderr.clone()),
        ("summary", std::fs::read(&summary).unwrap()),
    ] {
        let text = String::from_utf8_lossy(&bytes);
        let acted: Vec<char> = text.chars().filter(|&c| acted_on(c)).collect();
        assert!(acted.is_empty(), "{name} holds {acted:?}:\n{text}");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\\x1b]0;owned\\x07"), "{stdout}");

    // `show` prints the whole answer, headers and all: made visible too.
    let out = binary()
        .args(["show", "hostile::binary_body"])
        .arg(&page)
        .args(["--target", &server.url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let acted: Vec<char> = text.chars().filter(|&c| acted_on(c)).collect();
    assert!(acted.is_empty(), "show holds {acted:?}:\n{text}");
    assert!(text.contains("\\x1b[2J"), "{}", output_text(&out));
}
