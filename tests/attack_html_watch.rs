//! Issue #14's HTML report, `report` merging and `watch`, attacked: each
//! test is a defect found by hand with the binary (and headless Chromium),
//! kept so that it stays fixed once it is. Every one of them fails on the
//! branch it was written against (r/htmlapp, ee1abfa).
//!
//! The promise attacked: no crash, no hang, no leak; hostile input gives a
//! clear error naming the file (and case) and loses nothing else.

mod support;

use serde_json::{Value, json};
use std::io::{BufRead as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::tcp::{Next, raw_serve, response};
use support::{Resp, binary, output_text, serve, tmp_dir};

/// One documented example: GET `path`, 200 with `body`.
fn example(name: &str, path: &str, truncated: bool, body: &str) -> String {
    format!(
        "### Request\n<!-- {{\"blockType\": \"request\", \"name\": \"{name}\"}} -->\n```http\n\
         GET https://graph.microsoft.com/v1.0{path}\n```\n\n### Response\n\
         <!-- {{\"blockType\": \"response\", \"truncated\": {truncated}}} -->\n```http\n\
         HTTP/1.1 200 OK\nContent-type: application/json\n\n{body}\n```\n\n"
    )
}

fn page(examples: &[String]) -> String {
    format!("# Page\n\n{}", examples.concat())
}

/// A service answering `{"id": "x"}` to everything.
fn plain_service() -> support::TestServer {
    serve(|_| Resp::json(200, &json!({"id": "x"})))
}

/// The JSON payload of a report page (`#gc-data`), unescaped.
fn payload(html: &str) -> Value {
    let start = html
        .find("type=\"application/json\">")
        .expect("a data block")
        + 24;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("the data block is JSON")
}

// ------------------------------------------------------------ the report

/// The request as sent is cut at BODY_CAP in the page, and cut *before*
/// redaction: a `[secrets]` value straddling the cut leaves its first
/// bytes in the HTML (here `SuperSecre` of `SuperSecretValue-0123456789`),
/// where the redactor no longer recognizes it.
#[test]
fn html_request_body_cut_leaves_no_part_of_a_secret() {
    const SECRET: &str = "SuperSecretValue-0123456789";
    let server = plain_service();
    let dir = tmp_dir("attack14-cut-secret");
    let prefix = "{\"pad\": \"";
    let middle = "\", \"k\": \"";
    // The secret starts 10 bytes before the 256 KiB cut.
    let pad = "A".repeat(256 * 1024 - 10 - prefix.len() - middle.len());
    let body = format!("{prefix}{pad}{middle}{{api-key}}\"}}");
    let p = format!(
        "# C\n\n### Request\n<!-- {{\"blockType\": \"request\", \"name\": \"cut\"}} -->\n```http\n\
         POST https://graph.microsoft.com/v1.0/me/x\nContent-type: application/json\n\n{body}\n```\n\n\
         ### Response\n<!-- {{\"blockType\": \"response\", \"truncated\": true}} -->\n```http\n\
         HTTP/1.1 200 OK\nContent-type: application/json\n\n{{\"id\": \"String\"}}\n```\n"
    );
    std::fs::write(dir.join("cut.md"), p).unwrap();
    std::fs::write(
        dir.join("vars.toml"),
        format!("[secrets]\napi-key = {SECRET:?}\n"),
    )
    .unwrap();
    let html = dir.join("r.html");
    let out = binary()
        .arg("check")
        .arg(dir.join("cut.md"))
        .args(["--target", &server.url, "--retries", "0", "--vars"])
        .arg(dir.join("vars.toml"))
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(!text.contains(SECRET), "the whole secret is in the page");
    let sent = payload(&text)["cases"][0]["sent"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(sent.len() > 200 * 1024, "the sent body is in the page");
    for n in 4..SECRET.len() {
        assert!(
            !sent.ends_with(&SECRET[..n]),
            "the page's request ends with the first {n} bytes of the secret: …{}",
            &sent[sent.len() - 40..]
        );
    }
}

/// Bodies are capped in the page, findings are not: an answer of 100,000
/// array items that each break the documented type (a 200 KB body) gives
/// 100,000 findings, every one in the payload. At 3,000,000 items (6 MB)
/// the page was 440 MB and Chromium could not draw it in 120 s.
#[test]
fn html_page_stays_small_when_an_answer_has_many_findings() {
    const ITEMS: usize = 100_000;
    let body = format!(
        "{{\"id\":\"x\",\"value\":[{}]}}",
        vec!["1"; ITEMS].join(",")
    );
    let server = serve(move |_| Resp {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.clone().into_bytes(),
    });
    let dir = tmp_dir("attack14-many-findings");
    std::fs::write(
        dir.join("m.md"),
        page(&[example(
            "many",
            "/me/many",
            false,
            r#"{"id": "String", "value": ["String"]}"#,
        )]),
    )
    .unwrap();
    let html = dir.join("r.html");
    let out = binary()
        .arg("check")
        .arg(dir.join("m.md"))
        .args(["--target", &server.url, "--retries", "0", "--html"])
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let size = std::fs::metadata(&html).unwrap().len();
    assert!(
        size < 4 * 1024 * 1024,
        "one case of a 200 KB answer made a page of {size} bytes"
    );
}

/// `report` reads its inputs with `read_to_string`, whatever they are: a
/// FIFO nobody writes blocks it forever (and /dev/zero reads until memory
/// runs out). It should refuse what is not a regular file, naming it.
#[test]
fn report_refuses_a_fifo_without_hanging() {
    let dir = tmp_dir("attack14-report-fifo");
    let fifo = dir.join("shard.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let mut child = binary()
        .arg("report")
        .arg("--html")
        .arg(dir.join("o.html"))
        .arg(&fifo)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_or_kill(&mut child, Duration::from_secs(10));
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    let status = status.expect("report hung on a FIFO (killed after 10 s)");
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("shard.json"), "{err}");
}

/// A page's documented body nested 124 deep is read by `check` and written
/// into its JSON report (inside `cases[i].example.response.body.value`);
/// `report` then refuses the whole file: "not a JSON report: recursion
/// limit exceeded". A report `check` wrote must be one `report` reads.
#[test]
#[ignore = "open (#14 note): serde_json recursion limit (128) on read-back"]
fn report_reads_back_what_check_wrote_for_a_deeply_nested_example() {
    let server = plain_service();
    let dir = tmp_dir("attack14-deep-example");
    let depth = 124;
    let body = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    std::fs::write(
        dir.join("d.md"),
        page(&[example("deep", "/me/deep", false, &body)]),
    )
    .unwrap();
    let json = dir.join("d.json");
    let out = binary()
        .arg("check")
        .arg(dir.join("d.md"))
        .args(["--target", &server.url, "--retries", "0", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(json.is_file(), "{}", output_text(&out));
    let out = binary()
        .arg("report")
        .arg("--html")
        .arg(dir.join("d.html"))
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
}

/// The re-run command writes `--filter ID` with the id as a shell word;
/// an id starting with `-` (a page named `-draft.md`) is then read by the
/// argument parser as an option: `error: unexpected argument '-d' found`.
#[test]
fn rerun_command_runs_a_case_whose_id_starts_with_a_dash() {
    let server = plain_service();
    let dir = tmp_dir("attack14-dash-id");
    let docs = dir.join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(
        docs.join("-draft.md"),
        page(&[example("get", "/me/x", true, r#"{"id": "String"}"#)]),
    )
    .unwrap();
    let json = dir.join("r.json");
    let out = binary()
        .arg("check")
        .arg(&docs)
        .args(["--target", &server.url, "--retries", "0", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rerun = report["cases"][0]["rerun"].as_str().unwrap().to_owned();
    let out = Command::new("sh")
        .args(["-c", &rerun])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{rerun}\n{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "{rerun}\n{}",
        output_text(&out)
    );
}

/// A token echoed back in UTF-16 (a service answering
/// `charset=utf-16`) or as hex reaches the HTML and JSON reports: the
/// redactor knows percent, JSON, XML and base64 spellings only, while the
/// module promises "a secret appears in no byte of any output, in any
/// encoding".
#[test]
#[ignore = "open (#14 note): the redactor knows no UTF-16, hex or wrapped-base64 spellings yet"]
fn no_utf16_or_hex_spelling_of_the_token_reaches_the_reports() {
    const TOKEN: &str = "tok-SECRET-0123456789abcdef";
    let server = raw_serve(|req, conn| {
        let echoed = json!({"id": "x", "head": req.head}).to_string();
        let (body, ct) = if req.path.ends_with("/utf16") {
            let b: Vec<u8> = echoed.encode_utf16().flat_map(u16::to_le_bytes).collect();
            (b, "application/json; charset=utf-16")
        } else {
            let hex: String = req.head.bytes().map(|b| format!("{b:02x}")).collect();
            (
                json!({"id": "x", "hex": hex}).to_string().into_bytes(),
                "application/json",
            )
        };
        conn.send(&response(
            "200 OK",
            &[("Content-Type", ct), ("Connection", "close")],
            &body,
        ));
        Next::Close
    });
    let dir = tmp_dir("attack14-utf16-token");
    std::fs::write(
        dir.join("s.md"),
        page(&[
            example("utf16", "/me/utf16", true, r#"{"id": "String"}"#),
            example("hex", "/me/hex", true, r#"{"id": "String"}"#),
        ]),
    )
    .unwrap();
    let (html, json) = (dir.join("r.html"), dir.join("r.json"));
    let out = binary()
        .arg("check")
        .arg(dir.join("s.md"))
        .args(["--target", &server.url, "--retries", "0", "--html"])
        .arg(&html)
        .arg("--json")
        .arg(&json)
        .env("GRAPH_CONTRACT_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(html.is_file(), "{}", output_text(&out));
    let forms = [
        (
            "UTF-16 (JSON \\u0000)",
            TOKEN
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join("\\u0000"),
        ),
        ("hex", TOKEN.bytes().map(|b| format!("{b:02x}")).collect()),
    ];
    let mut leaks = Vec::new();
    for f in [&html, &json] {
        let text = std::fs::read_to_string(f).unwrap();
        for (kind, form) in &forms {
            if text.contains(form.as_str()) {
                leaks.push(format!("{kind} in {}", f.display()));
            }
        }
    }
    assert!(leaks.is_empty(), "the token leaked: {leaks:?}");
}

// ------------------------------------------------------------ the browser

fn chromium() -> Option<PathBuf> {
    let p = std::env::var_os("GRAPH_CONTRACT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if p.is_file() {
        Some(p)
    } else {
        if std::env::var("GRAPH_CONTRACT_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("chromium not found and GRAPH_CONTRACT_REQUIRE_TOOLS=1");
        }
        println!("skipped: chromium not found");
        None
    }
}

/// Open `html` at `#fragment` with `steps` (JS, `out` an object to fill,
/// `tick()` a pause) appended; what the steps put in `out`.
fn in_browser(bin: &Path, name: &str, html: &str, fragment: &str, steps: &str) -> Value {
    let dir = tmp_dir(&format!("attack14-browser-{name}"));
    let end = html.rfind("</body>").unwrap();
    let page = format!(
        "{}<script>(async () => {{ const out = {{}}; \
         const tick = (ms) => new Promise((r) => setTimeout(r, ms || 50)); await tick(100); \
         try {{ {steps} }} catch (e) {{ out.error = String(e); }} \
         const pre = document.createElement('pre'); pre.id = 'gc-test-out'; \
         pre.textContent = JSON.stringify(out).replace(/[<>&]/g, (c) => '\\\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')); \
         document.body.append(pre); }})();</script>{}",
        &html[..end],
        &html[end..]
    );
    let file = dir.join("report.html");
    std::fs::write(&file, page).unwrap();
    let mut url = url::Url::from_file_path(&file).unwrap();
    if !fragment.is_empty() {
        url.set_fragment(Some(fragment));
    }
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(["--virtual-time-budget=8000", "--dump-dom"])
        .arg(url.as_str())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    wait_or_kill(&mut child, Duration::from_secs(60)).expect("chromium took over 60 s");
    let dom = reader.join().unwrap();
    let start = dom.find("<pre id=\"gc-test-out\">").expect("driver output") + 22;
    let end = start + dom[start..].find("</pre>").unwrap();
    let out: Value = serde_json::from_str(&dom[start..end]).unwrap();
    assert!(out.get("error").is_none(), "driver: {}", out["error"]);
    out
}

/// Two roots with the same relative pages (the v1.0 and beta halves the
/// issue names) give two cases with one id; the page finds a case by id
/// only, so the link copied from the failing beta case
/// (`#case=user-get::get_user`) opens the passing v1.0 one.
#[test]
fn html_case_link_opens_the_case_it_was_copied_from() {
    let Some(bin) = chromium() else { return };
    let server = plain_service();
    let dir = tmp_dir("attack14-same-id");
    for (root, body) in [
        ("v1.0", r#"{"id": "String"}"#),
        ("beta", r#"{"id": "String", "mustHave": "String"}"#),
    ] {
        std::fs::create_dir_all(dir.join(root)).unwrap();
        std::fs::write(
            dir.join(root).join("user-get.md"),
            page(&[example("get_user", "/me/x", true, body)]),
        )
        .unwrap();
    }
    let html = dir.join("r.html");
    let out = binary()
        .arg("check")
        .arg(dir.join("v1.0"))
        .arg(dir.join("beta"))
        .args(["--target", &server.url, "--retries", "0", "--html"])
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let text = std::fs::read_to_string(&html).unwrap();
    // Click the failing case: the fragment it writes is the link to paste.
    let clicked = in_browser(
        &bin,
        "same-id-click",
        &text,
        "",
        "const r = document.querySelector('#list .row[data-verdict=fail]'); r.click(); await tick(); \
         out.hash = location.hash.slice(1); \
         out.where = document.querySelector('#detail .where').textContent;",
    );
    assert!(
        clicked["where"].as_str().unwrap().contains("beta"),
        "{clicked}"
    );
    let hash = clicked["hash"].as_str().unwrap().to_owned();
    let opened = in_browser(
        &bin,
        "same-id-open",
        &text,
        &hash,
        "out.where = (document.querySelector('#detail .where') || {}).textContent; \
         out.badge = (document.querySelector('#detail .badge') || {}).textContent;",
    );
    assert!(
        opened["where"]
            .as_str()
            .unwrap_or_default()
            .contains("beta"),
        "#{hash} opened another case: {opened}"
    );
}

/// The actual side is drawn from the body parsed twice (serde_json, then
/// `JSON.parse`): a service's 9007199254740993 is shown as
/// 9007199254740992 (and `1e2` as `100`, members sorted by name), a value
/// it never sent, in the panel a person trusts to say what came back.
#[test]
#[ignore = "open (#14 note): the page shows bodies through JSON.parse; exact text not sent yet"]
fn html_actual_side_shows_the_numbers_the_service_sent() {
    let Some(bin) = chromium() else { return };
    let server = serve(|_| Resp {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: br#"{"id":"x","n":9007199254740993}"#.to_vec(),
    });
    let dir = tmp_dir("attack14-numbers");
    std::fs::write(
        dir.join("n.md"),
        page(&[example("num", "/me/n", true, r#"{"id": "String", "n": 1}"#)]),
    )
    .unwrap();
    let html = dir.join("r.html");
    let out = binary()
        .arg("check")
        .arg(dir.join("n.md"))
        .args(["--target", &server.url, "--retries", "0", "--html"])
        .arg(&html)
        .output()
        .unwrap();
    assert!(html.is_file(), "{}", output_text(&out));
    let text = std::fs::read_to_string(&html).unwrap();
    let seen = in_browser(
        &bin,
        "numbers",
        &text,
        "",
        "document.querySelector('#list .row').click(); await tick(); \
         out.lines = [...document.querySelectorAll('#detail .side-actual .ln')].map((l) => l.textContent);",
    );
    let lines = seen["lines"].to_string();
    assert!(lines.contains("9007199254740993"), "actual side: {lines}");
}

// ------------------------------------------------------------ watch

/// A `watch` child: stdin piped, stdout gathered by a thread.
struct Watching {
    child: Child,
    out: Arc<Mutex<String>>,
}

impl Watching {
    fn start(args: &[&std::ffi::OsStr]) -> Watching {
        let mut child = binary()
            .arg("watch")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let out = out.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let mut o = out.lock().unwrap();
                    o.push_str(&line);
                    o.push('\n');
                }
            });
        }
        Watching { child, out }
    }

    fn text(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Wait until the output says `what` (true) or `limit` passes (false).
    fn wait_for(&self, what: &str, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.text().contains(what) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Wait until the output says `what` after the last `mark` it holds.
    fn wait_for_after(&self, mark: &str, what: &str, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            let text = self.text();
            if text.rfind(mark).is_some_and(|at| text[at..].contains(what)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn say(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        let _ = writeln!(stdin, "{line}");
        let _ = stdin.flush();
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.say("q");
        if wait_or_kill(&mut self.child, Duration::from_secs(5)).is_none() {
            let _ = self.child.wait();
        }
    }
}

/// The watched folder removed and made again (a docs generator's clean
/// build, a branch switch, `mv docs.new docs`): the watch says "waiting
/// for a page to change" and never sees a change again; `r` finds no case
/// either.
#[test]
#[ignore = "open (#14 note): a watched root removed and made again is not watched again"]
fn watch_follows_a_root_folder_removed_and_made_again() {
    let server = plain_service();
    let dir = tmp_dir("attack14-watch-root-again");
    let docs = dir.join("docs");
    let write = |body: &str| {
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(
            docs.join("p.md"),
            page(&[example("c", "/me/x", true, body)]),
        )
        .unwrap();
    };
    write(r#"{"id": "String"}"#);
    let w = Watching::start(&[
        docs.as_os_str(),
        "--target".as_ref(),
        server.url.as_ref(),
        "--retries".as_ref(),
        "0".as_ref(),
    ]);
    assert!(
        w.wait_for("── run 1", Duration::from_secs(20)),
        "{}",
        w.text()
    );
    std::fs::remove_dir_all(&docs).unwrap();
    assert!(
        w.wait_for("removed", Duration::from_secs(5)),
        "{}",
        w.text()
    );
    write(r#"{"id": "String", "mustHave": "String"}"#);
    assert!(
        w.wait_for("── run 2", Duration::from_secs(8)),
        "the page in the folder made again was never run:\n{}",
        w.text()
    );
    assert!(
        w.wait_for("/mustHave", Duration::from_secs(5)),
        "{}",
        w.text()
    );
}

/// A link back up (`ln -s .. docs/sub/loop`) made while watching: the
/// watch walks it 64 levels deep and adds every page again under
/// `sub/loop/sub/loop/…`: 97 "pages added", the selection from 3 cases to
/// 100. With two such links the walk is exponential: one core busy,
/// memory growing, `q` unanswered.
#[test]
fn watch_does_not_multiply_pages_through_a_link_loop() {
    let server = plain_service();
    let dir = tmp_dir("attack14-watch-loop");
    let docs = dir.join("docs");
    std::fs::create_dir_all(docs.join("sub")).unwrap();
    let p = page(&[example("c", "/me/x", true, r#"{"id": "String"}"#)]);
    std::fs::write(docs.join("p.md"), &p).unwrap();
    std::fs::write(docs.join("sub").join("s.md"), &p).unwrap();
    let mut w = Watching::start(&[
        docs.as_os_str(),
        "--target".as_ref(),
        server.url.as_ref(),
        "--retries".as_ref(),
        "0".as_ref(),
    ]);
    assert!(
        w.wait_for("── run 1", Duration::from_secs(20)),
        "{}",
        w.text()
    );
    std::os::unix::fs::symlink("..", docs.join("sub").join("loop")).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    w.say("r");
    assert!(
        w.wait_for("r: every case", Duration::from_secs(20)),
        "{}",
        w.text()
    );
    // the footer of the run `r` started, not run 1's (already in the text)
    assert!(
        w.wait_for_after(
            "r: every case",
            "r all · f failing",
            Duration::from_secs(20)
        ),
        "{}",
        w.text()
    );
    let text = w.text();
    let last = text.rsplit("── run").next().unwrap_or_default();
    assert!(
        last.contains("the whole selection: 2 cases"),
        "a link loop multiplied the pages: {}",
        last.lines()
            .filter(|l| l.contains("added") || l.contains("whole selection"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
}

// ------------------------------------------------------------ helpers

/// The child's status, or None after killing it when `limit` passes.
fn wait_or_kill(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}
