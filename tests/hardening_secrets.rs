//! The redaction promise as a table: every kind of secret graph-contract
//! holds × every spelling a service (or our own output) can give it × every
//! output the binary writes. The service under test knows the secrets (it is
//! hostile: it echoes them) and sends each one back in every spelling, in
//! JSON string values (which the diff parses and pretty-prints), in a text
//! body and in headers; no byte of stdout, stderr, `--details`, `show`,
//! JUnit, JSON, the summary, the HTML report or the baseline may hold any
//! of them.

mod support;

use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use support::tcp::{Next, raw_serve, response};
use support::{binary, output_text, tmp_dir};

const TOKEN: &str = "tok.SECRET/aa+11=&\"x\\y";
const OAUTH_TOKEN: &str = "oauth.SECRET/bb+22==";
const CLIENT_SECRET: &str = "client SECRET&cc=33/+";
const SECRET_HEADER: &str = "hdr-SECRET\"dd\\44";
const VAR_SECRET: &str = "var SECRÉT ee/55 ü";
/// As the target URL writes it (percent-encoded) and as it is sent.
const URL_PASSWORD_WRITTEN: &str = "pw-SECRET%2Fff%2B66";
const URL_PASSWORD: &str = "pw-SECRET/ff+66";

fn basic() -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("alice:{URL_PASSWORD}"))
}

/// Every spelling of a secret the redactor promises to catch, written by
/// this test's own encoders.
fn spellings(secret: &str) -> Vec<(&'static str, String)> {
    let json = serde_json::to_string(secret).unwrap();
    let json = json[1..json.len() - 1].to_owned();
    let all_u: String = secret
        .encode_utf16()
        .map(|u| format!("\\u{u:04X}"))
        .collect();
    let twice = serde_json::to_string(&serde_json::to_string(secret).unwrap()).unwrap();
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let pct = |upper: bool| -> String {
        secret
            .bytes()
            .map(|b| {
                if upper {
                    format!("%{b:02X}")
                } else {
                    format!("%{b:02x}")
                }
            })
            .collect()
    };
    let reserved =
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    vec![
        ("raw", secret.to_owned()),
        ("json", json.clone()),
        ("json \\/", json.replace('/', "\\/")),
        ("json \\uXXXX", all_u.clone()),
        ("json \\uxxxx", all_u.to_ascii_lowercase()),
        ("json twice", twice[3..twice.len() - 3].to_owned()),
        ("json \\uXXXX twice", all_u.replace('\\', "\\\\")),
        ("percent upper", pct(true)),
        ("percent lower", pct(false)),
        ("percent reserved", reserved.clone()),
        ("percent twice", reserved.replace('%', "%25")),
        ("form", secret.replace(' ', "+")),
        (
            "xml references",
            secret
                .chars()
                .map(|c| format!("&#x{:x};", c as u32))
                .collect(),
        ),
        ("base64", b64(secret.to_owned())),
        ("base64 in Bearer", b64(format!("Bearer {secret}"))),
        ("base64 after 2", b64(format!("xy{secret}."))),
    ]
}

/// What the service echoes: every spelling of every secret, as JSON string
/// values where the spelling is valid inside one (the diff parses and
/// re-prints them, decoding the escapes), all of them in a text body, and
/// the header-safe ones as headers.
fn echo_answer(path: &str, secrets: &[&str]) -> Vec<u8> {
    let forms: Vec<String> = secrets
        .iter()
        .flat_map(|s| spellings(s))
        .map(|(_, f)| f)
        .collect();
    let header_safe: Vec<(String, String)> = forms
        .iter()
        .filter(|f| f.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
        .enumerate()
        .map(|(i, f)| (format!("X-Echo-{i}"), f.clone()))
        .collect();
    let mut headers: Vec<(&str, &str)> = header_safe
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    headers.push(("Connection", "close"));
    if path.contains("/text") {
        headers.push(("Content-Type", "text/plain"));
        return response("200 OK", &headers, forms.join("\n").as_bytes());
    }
    let json_safe: Vec<String> = forms
        .iter()
        .filter(|f| serde_json::from_str::<String>(&format!("\"{f}\"")).is_ok())
        .map(|f| format!("\"{f}\""))
        .collect();
    let body = format!("{{\"id\": 7, \"echo\": [{}]}}", json_safe.join(", "));
    headers.push(("Content-Type", "application/json"));
    response("200 OK", &headers, body.as_bytes())
}

const PAGE: &str = r#"# Echo

### Request
<!-- {"blockType": "request", "name": "echo_json"} -->
```http
GET https://graph.microsoft.com/v1.0/me/echo
```

### Response
<!-- {"blockType": "response", "truncated": false} -->
```http
HTTP/1.1 200 OK
Content-type: application/json

{"id": "String", "displayName": "String"}
```

### Request
<!-- {"blockType": "request", "name": "echo_text"} -->
```http
GET https://graph.microsoft.com/v1.0/me/text
```

### Response
<!-- {"blockType": "response", "truncated": false} -->
```http
HTTP/1.1 200 OK
Content-type: application/json

{"id": "String"}
```
"#;

/// Every file and both streams, each spelling of each secret looked for.
fn leaks(outputs: &[(String, Vec<u8>)], secrets: &[(&str, &str)]) -> Vec<String> {
    let mut found = Vec::new();
    for (output, bytes) in outputs {
        for (kind, secret) in secrets {
            for (spelling, form) in spellings(secret) {
                let needle = form.as_bytes();
                if let Some(i) = bytes.windows(needle.len()).position(|w| w == needle) {
                    let around =
                        &bytes[i.saturating_sub(60)..(i + needle.len() + 60).min(bytes.len())];
                    found.push(format!(
                        "{kind} as {spelling} in {output}: …{}…",
                        String::from_utf8_lossy(around)
                    ));
                }
            }
        }
    }
    found
}

fn outputs(out: &Output, files: &[PathBuf]) -> Vec<(String, Vec<u8>)> {
    let mut v = vec![
        ("stdout".to_owned(), out.stdout.clone()),
        ("stderr".to_owned(), out.stderr.clone()),
    ];
    for f in files {
        let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        v.push((f.file_name().unwrap().to_string_lossy().into_owned(), bytes));
    }
    v
}

fn report_args(dir: &Path) -> (Vec<String>, Vec<PathBuf>) {
    let mut args = Vec::new();
    let mut files = Vec::new();
    for (flag, name) in [
        ("--junit", "junit.xml"),
        ("--json", "report.json"),
        ("--summary", "summary.md"),
        ("--html", "report.html"),
        ("--write-baseline", "baseline.txt"),
    ] {
        let f = dir.join(name);
        args.push(flag.to_owned());
        args.push(f.display().to_string());
        files.push(f);
    }
    (args, files)
}

/// One run of `check --details` with every report, and one of `show`.
fn check_and_show(
    dir: &Path,
    target: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Vec<(String, Vec<u8>)> {
    let page = dir.join("echo.md");
    std::fs::write(&page, PAGE).unwrap();
    let vars = dir.join("vars.toml");
    std::fs::write(&vars, format!("[secrets]\nkey = {:?}\n", VAR_SECRET)).unwrap();
    let (reports, files) = report_args(dir);
    let mut cmd = binary();
    cmd.arg("check")
        .arg(&page)
        .args(["--target", target, "--details", "--retries", "0"])
        .args(["--timeout", "10", "--vars"])
        .arg(&vars)
        .args(extra)
        .args(&reports);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let t = output_text(&out);
    // Failures, written as a baseline: that run passes.
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("FAILED"), "{t}");
    // The failures are shown with their diffs (else this proves nothing).
    assert!(t.contains("\"echo\""), "{t}");
    assert!(t.contains("***"), "{t}");
    let mut all = outputs(&out, &files);
    let mut cmd = binary();
    cmd.args(["show", "echo::echo_json"])
        .arg(&page)
        .args(["--target", target, "--timeout", "10", "--vars"])
        .arg(&vars)
        .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let t = output_text(&out);
    assert!(
        t.contains("x-echo-0: ***"),
        "show prints the answer's headers: {t}"
    );
    for (name, bytes) in outputs(&out, &[]) {
        all.push((format!("show {name}"), bytes));
    }
    all
}

#[test]
fn no_spelling_of_a_static_secret_reaches_any_output() {
    let basic = basic();
    let secrets = [
        TOKEN,
        SECRET_HEADER,
        VAR_SECRET,
        URL_PASSWORD,
        basic.as_str(),
    ];
    let echoed: Vec<String> = secrets.iter().map(|s| s.to_string()).collect();
    let server = raw_serve(move |req, conn| {
        let refs: Vec<&str> = echoed.iter().map(String::as_str).collect();
        conn.send(&echo_answer(&req.path, &refs));
        Next::Close
    });
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    let target = format!("http://alice:{URL_PASSWORD_WRITTEN}@127.0.0.1:{port}");
    let dir = tmp_dir("hardening-secrets-static");
    let header = format!("X-Api-Key: {SECRET_HEADER}");
    let all = check_and_show(
        &dir,
        &target,
        &["--secret-header", &header],
        &[("GRAPH_CONTRACT_TOKEN", TOKEN)],
    );
    let found = leaks(
        &all,
        &[
            ("token", TOKEN),
            ("--secret-header value", SECRET_HEADER),
            ("[secrets] value", VAR_SECRET),
            ("URL password", URL_PASSWORD),
            ("URL password as written", URL_PASSWORD_WRITTEN),
            ("Basic value", &basic),
        ],
    );
    assert!(found.is_empty(), "leaked:\n{}", found.join("\n"));
}

#[test]
fn no_spelling_of_an_oauth_token_or_client_secret_reaches_any_output() {
    let server = raw_serve(move |req, conn| {
        if req.path.ends_with("/token") {
            let body = serde_json::json!({"token_type": "Bearer", "expires_in": 3599,
                                          "access_token": OAUTH_TOKEN});
            conn.send(&response(
                "200 OK",
                &[
                    ("Content-Type", "application/json"),
                    ("Connection", "close"),
                ],
                body.to_string().as_bytes(),
            ));
        } else {
            conn.send(&echo_answer(&req.path, &[OAUTH_TOKEN, CLIENT_SECRET]));
        }
        Next::Close
    });
    let dir = tmp_dir("hardening-secrets-oauth");
    let token_url = format!("{}/token", server.url);
    let all = check_and_show(
        &dir,
        &server.url,
        &["--oauth-token-url", &token_url],
        &[
            ("GRAPH_CONTRACT_CLIENT_ID", "contract-client"),
            ("GRAPH_CONTRACT_CLIENT_SECRET", CLIENT_SECRET),
        ],
    );
    let found = leaks(
        &all,
        &[
            ("OAuth token", OAUTH_TOKEN),
            ("client secret", CLIENT_SECRET),
        ],
    );
    assert!(found.is_empty(), "leaked:\n{}", found.join("\n"));
}

/// Secrets are redacted once the answer is judged, not before: a secret id
/// still reads as a GUID and a number holding a secret's digits is still a
/// number, so the verdict is the one the answer deserves; and a secret a
/// finding quotes cut short (`"abc…" is not a guid`) leaves no beginning
/// of itself either.
#[test]
fn answers_are_judged_as_sent_and_redacted_after() {
    const GUID: &str = "48d31887-5fad-4d73-a9f5-3c356e68a038";
    const PIN: &str = "123";
    // Longer than a finding quotes (60 characters), and no GUID.
    const LONG: &str = "long-SECRET-value-that-a-finding-cuts-short-0123456789-abcdefghij-tail";
    let server = raw_serve(move |req, conn| {
        let body = if req.path.contains("/long") {
            serde_json::json!({"id": LONG})
        } else {
            serde_json::json!({"id": GUID, "count": 12345})
        };
        conn.send(&response(
            "200 OK",
            &[
                ("Content-Type", "application/json"),
                ("Connection", "close"),
            ],
            body.to_string().as_bytes(),
        ));
        Next::Close
    });
    let dir = tmp_dir("hardening-secrets-judged");
    let page = dir.join("p.md");
    let example = |name: &str, path: &str, body: &str| {
        format!(
            "### Request\n<!-- {{\"blockType\": \"request\", \"name\": \"{name}\"}} -->\n```http\nGET https://graph.microsoft.com/v1.0{path}\n```\n\n### Response\n<!-- {{\"blockType\": \"response\", \"truncated\": true}} -->\n```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{body}\n```\n\n"
        )
    };
    std::fs::write(
        &page,
        format!(
            "# P\n\n{}{}",
            example(
                "echo_id",
                "/me/item",
                r#"{"id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "count": 1}"#
            ),
            example(
                "long_id",
                "/me/long",
                r#"{"id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"}"#
            ),
        ),
    )
    .unwrap();
    let vars = dir.join("vars.toml");
    std::fs::write(
        &vars,
        format!("[secrets]\nid = {GUID:?}\npin = {PIN:?}\nlong = {LONG:?}\n"),
    )
    .unwrap();
    let (reports, files) = report_args(&dir);
    let out = binary()
        .arg("check")
        .arg(&page)
        .args(["--target", &server.url, "--details", "--deny-warnings"])
        .arg("--vars")
        .arg(&vars)
        .args(&reports)
        .output()
        .unwrap();
    let t = output_text(&out);
    // The echoed id is a GUID and the count a number: that case passes
    // (even with warnings denied); the long id is not a GUID: a warning,
    // which fails under --deny-warnings (written as a baseline: that run
    // passes).
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("test p::long_id ... FAILED"), "{t}");
    assert!(t.contains("test p::echo_id ... ok"), "{t}");
    assert!(t.contains("is not a guid"), "{t}");
    let all = outputs(&out, &files);
    let found = leaks(&all, &[("[secrets] id", GUID), ("[secrets] long", LONG)]);
    assert!(found.is_empty(), "leaked:\n{}", found.join("\n"));
    // Nor the beginning a finding's cut left.
    for (name, bytes) in &all {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(&LONG[..20]), "{name}: {text}");
    }
}

/// An error raised once the secrets are known may quote anything the run
/// holds (here a page path that happens to hold the token): both faces
/// print it redacted.
#[test]
fn errors_after_the_secrets_are_known_are_redacted() {
    let token = "tok-ErrPath-S3CRET";
    let missing = format!("/nonexistent/{token}/pages");
    let out = binary()
        .args(["check", &missing])
        .env("GRAPH_CONTRACT_TOKEN", token)
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("no such file or folder") && t.contains("***"),
        "{t}"
    );
    assert!(!t.contains(token), "{t}");
    let env = graph_contract::config::Env::from_pairs([
        ("GRAPH_CONTRACT_TOKEN", token),
        ("GRAPH_CONTRACT_SPECS", missing.as_str()),
    ]);
    let args = libtest_mimic::Arguments::from_iter(["contract", "--quiet"]);
    let e = graph_contract::harness::run(args, &env)
        .err()
        .expect("no pages")
        .to_string();
    assert!(e.contains("***") && !e.contains(token), "{e}");
}
