//! Real HTTP servers on 127.0.0.1 (ephemeral port) for the integration
//! tests: a handler closure decides each answer. Each server runs on its own
//! runtime and stops when dropped.
#![allow(dead_code)]

pub mod seed;

pub mod tcp;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::path::PathBuf;
use std::sync::Arc;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The answer a handler gives.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(status: u16, body: &serde_json::Value) -> Resp {
        Resp {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.to_string().into_bytes(),
        }
    }
}

pub struct TestServer {
    pub url: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Start a server whose every answer comes from `handler`.
pub fn serve(handler: impl Fn(Req) -> Resp + Send + Sync + 'static) -> TestServer {
    let handler = Arc::new(handler);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let handler = handler.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let req = Req {
                                method: parts.method.to_string(),
                                path: parts.uri.path().to_owned(),
                                query: parts.uri.query().map(str::to_owned),
                                headers: parts
                                    .headers
                                    .iter()
                                    .map(|(n, v)| {
                                        (
                                            n.to_string(),
                                            String::from_utf8_lossy(v.as_bytes()).into(),
                                        )
                                    })
                                    .collect(),
                                body: body.to_vec(),
                            };
                            let r = handler(req);
                            let mut resp = hyper::Response::new(Full::new(Bytes::from(r.body)));
                            *resp.status_mut() = hyper::StatusCode::from_u16(r.status).unwrap();
                            for (n, v) in r.headers {
                                resp.headers_mut().append(
                                    hyper::header::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                                    hyper::header::HeaderValue::from_str(&v).unwrap(),
                                );
                            }
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    TestServer {
        url,
        runtime: Some(runtime),
    }
}

/// A path inside the crate.
pub fn crate_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The Graph docs corpus (`v1.0/api`): `GRAPH_CONTRACT_CORPUS` when set and
/// not empty, else `../shared/graph-docs/v1.0/api` beside the checkout.
/// Callers say what is missing when it is not there.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("GRAPH_CONTRACT_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-docs/v1.0/api"),
    }
}

/// [`corpus_dir`], failing the test when it is not there: never skipped, so
/// a CI job that lost the data cannot pass by testing less.
#[track_caller]
pub fn corpus() -> PathBuf {
    let dir = corpus_dir();
    assert!(
        dir.is_dir(),
        "corpus not found at {}: set GRAPH_CONTRACT_CORPUS to the Graph docs `v1.0/api` folder \
         (expected by default at <crate>/../shared/graph-docs/v1.0/api, where CI lays ../shared)",
        dir.display()
    );
    dir
}

/// The seed page.
pub fn seed_page() -> PathBuf {
    crate_path("specs/onenote/onenote-post-operations.md")
}

/// A fresh GUID-looking id, different on every call.
pub fn fresh_guid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        t as u32,
        (t >> 32) as u16,
        n & 0xfff,
        (t >> 20) & 0xfff,
        n.wrapping_mul(0x9e37_79b9)
    )
}

/// Now as RFC 3339 (UTC, with fractional seconds), computed by hand so the
/// tests need no date crate.
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { y + 1 } else { y };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:07}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_nanos() / 100
    )
}

/// A fresh file for an in-process harness run's libtest output
/// (`--logfile`), so its own "test result" lines stay out of this suite's.
pub fn harness_log() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir()
        .join(format!(
            "graph-contract-harness-{}-{}.log",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ))
        .display()
        .to_string()
}

/// The `graph-contract` binary, run from the crate's folder with no colour
/// and none of the caller's `TARGET_URL` / `GRAPH_CONTRACT_*` settings.
pub fn binary() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_graph-contract"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    for (k, _) in std::env::vars() {
        if k == "TARGET_URL" || k.starts_with("GRAPH_CONTRACT") {
            c.env_remove(k);
        }
    }
    c
}

/// Exit code, stdout and stderr of a run, for assertion messages.
pub fn output_text(out: &std::process::Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A fresh, empty folder under the target dir for one test.
pub fn tmp_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A case on page `page` (ids `page::name`) for `METHOD https://graph.microsoft.com/v1.0{path}`,
/// documented as `200`, `Content-Type: application/json`, `{"id": "String"}`;
/// writes other than DELETE carry a small JSON body.
pub fn json_case(page: &str, name: &str, method: &str, path: &str) -> graph_contract::model::Case {
    use graph_contract::model::{Case, DocBody, DocRequest, DocResponse};
    let body = serde_json::json!({"id": "String"});
    Case {
        id: format!("{page}::{name}"),
        page: format!("{page}.md"),
        page_id: page.into(),
        name: name.into(),
        request: DocRequest {
            line: 1,
            method: method.into(),
            url: format!("https://graph.microsoft.com/v1.0{path}"),
            http_version: None,
            headers: vec![],
            body: (method != "GET" && method != "DELETE").then(|| "{\"a\": 1}".to_owned()),
        },
        response: Some(DocResponse {
            line: 5,
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body_text: body.to_string(),
            body: DocBody::Json(body),
            truncated: false,
            is_collection: None,
            is_empty: false,
            odata_type: None,
        }),
        alternatives: vec![],
        inferred: false,
    }
}

/// What a run of the binary printed and returned.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Run a prepared command of the binary.
pub fn run_cmd(mut c: std::process::Command) -> Run {
    let out = c.output().expect("run graph-contract");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run the binary with these arguments.
pub fn gc<S: AsRef<std::ffi::OsStr>>(args: impl IntoIterator<Item = S>) -> Run {
    let mut c = binary();
    c.args(args);
    run_cmd(c)
}
