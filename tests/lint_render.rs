//! `lint` prints each diagnostic rustc-style: the header with its kind, the
//! `-->` line with page, line and column, the page's line and a caret under
//! the column (a snapshot of the whole output, the temp path replaced);
//! `--short` keeps the one-line form and `--json` adds the column.

mod support;

use support::{binary, output_text, tmp_dir};

/// A page whose examples are broken in the ways the reader can locate: an
/// annotation missing a comma, a request body missing one (in a list item,
/// so the block's lines are indented in the page), a response body that
/// is not JSON at all (after a tab and a multi-byte character), and a
/// fence never closed.
const PAGE: &str = concat!(
    "# Create user\n",
    "\n",
    "<!-- { \"blockType\": \"request\" \"name\": \"create_user\" } -->\n",
    "```http\n",
    "POST https://graph.microsoft.com/v1.0/users\n",
    "Content-Type: application/json\n",
    "\n",
    "{\"displayName\": \"Adele\", \"mailNickname\": \"adele\"}\n",
    "```\n",
    "\n",
    "<!-- { \"blockType\": \"response\", \"name\": \"create_user\" } -->\n",
    "```http\n",
    "HTTP/1.1 201 Created\n",
    "Content-Type: application/json\n",
    "\n",
    "{\n",
    "\t\"id\": \"87d349ed\",\n",
    "\t\"名前\": \"Adele\", \"x\": ?\n",
    "}\n",
    "```\n",
    "\n",
    "- In a list:\n",
    "\n",
    "  <!-- { \"blockType\": \"request\", \"name\": \"listed\" } -->\n",
    "  ```http\n",
    "  POST https://graph.microsoft.com/v1.0/groups\n",
    "\n",
    "  {\"a\": 1 \"b\": 2}\n",
    "  ```\n",
    "\n",
    "<!-- { \"blockType\": \"request\", \"name\": \"open\" } -->\n",
    "```http\n",
    "GET https://graph.microsoft.com/v1.0/me\n",
);

const RENDERED: &str = "\
warning[annotation-json]: annotation is not strict JSON (missing comma); read leniently
 --> DIR/create-user.md:3:31
  |
3 | <!-- { \"blockType\": \"request\" \"name\": \"create_user\" } -->
  |                               ^

warning[body-not-json]: response body looks like JSON but cannot be read (unexpected character); kept as text
  --> DIR/create-user.md:18:22
   |
18 |     \"名前\": \"Adele\", \"x\": ?
   |                         ^

warning[request-body-json]: request body is not strict JSON (missing comma); kept as written
  --> DIR/create-user.md:28:11
   |
28 |   {\"a\": 1 \"b\": 2}
   |           ^

warning[unclosed-fence]: code fence is never closed; read to the end of the page
  --> DIR/create-user.md:32:1
   |
32 | ```http
   | ^

1 pages, 3 cases, 4 diagnostics (0 errors)
       1  annotation-json (warning)
       1  body-not-json (warning)
       1  request-body-json (warning)
       1  unclosed-fence (warning)
";

#[test]
fn lint_renders_the_line_and_a_caret_under_the_column() {
    let dir = tmp_dir("lint-render");
    std::fs::write(dir.join("create-user.md"), PAGE).unwrap();
    let out = binary().arg("lint").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let text = String::from_utf8_lossy(&out.stdout).replace(&dir.display().to_string(), "DIR");
    assert_eq!(text, RENDERED, "{}", output_text(&out));

    // `--short`: the one-line form, `page:line: kind: message`.
    let out = binary()
        .args(["lint", "--short"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace(&dir.display().to_string(), "DIR");
    let lines: Vec<&str> = text.lines().take(4).collect();
    assert_eq!(
        lines,
        [
            "DIR/create-user.md:3: annotation-json: annotation is not strict JSON (missing comma); read leniently",
            "DIR/create-user.md:18: body-not-json: response body looks like JSON but cannot be read (unexpected character); kept as text",
            "DIR/create-user.md:28: request-body-json: request body is not strict JSON (missing comma); kept as written",
            "DIR/create-user.md:32: unclosed-fence: code fence is never closed; read to the end of the page",
        ]
    );

    // `--json`: the column where known.
    let out = binary()
        .args(["lint", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    let columns: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["column"].clone())
        .collect();
    assert_eq!(
        columns,
        [31, 22, 11, 1]
            .map(serde_json::Value::from)
            .into_iter()
            .chain([serde_json::Value::Null])
            .collect::<Vec<_>>()
    );
}

/// A control character in the page reaches the terminal as an escape, and
/// the caret still stands under the column.
#[test]
fn lint_shows_control_characters_as_escapes() {
    let dir = tmp_dir("lint-render-control");
    std::fs::write(
        dir.join("p.md"),
        "<!-- { \"blockType\": \"request\", \"name\": \"\u{1b}[2Jx\" } -->\n```http\nGET https://graph.microsoft.com/v1.0/me\n```\n",
    )
    .unwrap();
    let out = binary().arg("lint").arg(&dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace(&dir.display().to_string(), "DIR");
    assert!(!text.contains('\u{1b}'), "{text}");
    let want = "\
warning[annotation-json]: annotation is not strict JSON (raw control character in string); read leniently
 --> DIR/p.md:1:41
  |
1 | <!-- { \"blockType\": \"request\", \"name\": \"\\x1b[2Jx\" } -->
  |                                         ^^^^
";
    assert!(text.starts_with(want), "{text}");
}
