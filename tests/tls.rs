//! Issue #18, HTTPS targets: an in-process TLS server (rustls; HTTP/1.1
//! and HTTP/2 by ALPN; client certificates optional, required or not
//! asked) with a CA and leaves made here by rcgen. The real binary drives
//! it (`check`, `show`), and the harness face in process (its knobs from
//! the environment). The server tells what it saw: each request's HTTP
//! version, whether a client certificate came, how many TLS connections
//! were made.

mod support;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use support::{binary, output_text, tmp_dir};

// --- certificates ----------------------------------------------------------

/// A CA, and leaves it signs, written as PEM files in a folder of the test.
struct Pki {
    dir: PathBuf,
    ca: Issuer<'static, KeyPair>,
    ca_der: CertificateDer<'static>,
}

/// A certificate and its key, in memory and as files.
struct Leaf {
    der: CertificateDer<'static>,
    key_der: Vec<u8>,
    cert_file: PathBuf,
    key_file: PathBuf,
    /// The key's PEM text (what must never be printed).
    key_pem: String,
}

impl Pki {
    fn new(test: &str) -> Pki {
        let dir = tmp_dir(&format!("tls-{test}"));
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "graph-contract test CA");
        let cert = params.self_signed(&key).unwrap();
        std::fs::write(dir.join("ca.pem"), cert.pem()).unwrap();
        Pki {
            dir,
            ca_der: cert.der().clone(),
            ca: Issuer::new(params, key),
        }
    }

    fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// A leaf for these names, signed by the CA (or by itself), valid
    /// until `not_after` (a year) when given.
    fn leaf(&self, name: &str, sans: &[&str], self_signed: bool, expired: bool) -> Leaf {
        self.make(name, sans, self_signed, expired, IsCa::NoCa)
    }

    /// A self-signed certificate whose basic constraints say CA:TRUE, for
    /// these names: what `openssl req -x509` makes, served as the
    /// server's own.
    fn self_signed_ca(&self, name: &str, sans: &[&str], expired: bool) -> Leaf {
        let ca = IsCa::Ca(BasicConstraints::Unconstrained);
        self.make(name, sans, true, expired, ca)
    }

    fn make(&self, name: &str, sans: &[&str], self_signed: bool, expired: bool, ca: IsCa) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = ca;
        if expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let cert = if self_signed {
            params.self_signed(&key).unwrap()
        } else {
            params.signed_by(&key, &self.ca).unwrap()
        };
        let cert_file = self.dir.join(format!("{name}.pem"));
        let key_file = self.dir.join(format!("{name}-key.pem"));
        std::fs::write(&cert_file, cert.pem()).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        Leaf {
            der: cert.der().clone(),
            key_der: key.serialize_der(),
            cert_file,
            key_file,
            key_pem: key.serialize_pem(),
        }
    }

    /// The server's usual leaf: valid for 127.0.0.1 and localhost.
    fn server(&self) -> Leaf {
        self.leaf("server", &["127.0.0.1", "localhost"], false, false)
    }
}

// --- the server ------------------------------------------------------------

/// Whether the server asks for a client certificate.
#[derive(Clone, Copy, PartialEq)]
enum ClientAuth {
    None,
    /// Asked for, checked when given, not required.
    Optional,
    Required,
}

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    version: String,
    client_cert: bool,
}

struct TlsServer {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl TlsServer {
    fn versions(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.version.clone())
            .collect();
        v.dedup();
        v
    }

    fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// The body every example of [`page`] documents, and the server answers.
fn body() -> serde_json::Value {
    serde_json::json!({"id": "u-1", "displayName": "Adele Vance"})
}

/// An HTTPS server on 127.0.0.1 with this certificate; ALPN offers h2
/// and http/1.1. It answers every GET with [`body`].
fn serve(pki: &Pki, leaf: &Leaf, auth: ClientAuth) -> TlsServer {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Optional | ClientAuth::Required => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(pki.ca_der.clone()).unwrap();
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider);
            let verifier = if auth == ClientAuth::Optional {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            builder.with_client_cert_verifier(verifier.build().unwrap())
        }
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key_der.clone()));
    let mut config = builder
        .with_single_cert(vec![leaf.der.clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let (seen2, connections2) = (seen.clone(), connections.clone());
    runtime.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let (acceptor, seen, connections) =
                (acceptor.clone(), seen2.clone(), connections2.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return; // a refused handshake: no request
                };
                connections.fetch_add(1, Ordering::SeqCst);
                let client_cert = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .is_some_and(|c| !c.is_empty());
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let seen = seen.clone();
                        async move {
                            let version = format!("{:?}", req.version());
                            let get = req.method() == hyper::Method::GET;
                            let _ = req.into_body().collect().await;
                            seen.lock().unwrap().push(Seen {
                                version,
                                client_cert,
                            });
                            let (status, text) = if get {
                                (200, body().to_string())
                            } else {
                                (405, String::new())
                            };
                            let mut resp = hyper::Response::new(Full::new(Bytes::from(text)));
                            *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                            resp.headers_mut().insert(
                                "content-type",
                                hyper::header::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    },
                );
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
            });
        }
    });
    TlsServer {
        url,
        seen,
        connections,
        runtime: Some(runtime),
    }
}

// --- pages and runs ----------------------------------------------------------

/// A page of `n` GET examples, each documenting [`body`].
fn page(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("---\ntitle: \"TLS test page\"\n---\n\n# Users\n");
    for i in 0..n {
        text.push_str(&format!(
            "\n## Example {i}\n\n<!-- {{\n  \"blockType\": \"request\",\n  \"name\": \"get_user_{i}\"\n}}-->\n\
             ```http\nGET https://graph.microsoft.com/v1.0/users/u-{i}\n```\n\n\
             <!-- {{\n  \"blockType\": \"response\",\n  \"truncated\": false,\n  \"@odata.type\": \"microsoft.graph.user\"\n}} -->\n\
             ```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n{}\n```\n",
            serde_json::to_string_pretty(&body()).unwrap()
        ));
    }
    let p = dir.join("users.md");
    std::fs::write(&p, text).unwrap();
    p
}

/// `graph-contract check PAGE --target URL ARGS...`.
fn check(page: &Path, url: &str, args: &[&str]) -> std::process::Output {
    binary()
        .arg("check")
        .arg(page)
        .args(["--target", url])
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

const CASES: usize = 6;

// --- trust --------------------------------------------------------------------

#[test]
fn a_private_ca_is_trusted_with_cacert_and_connections_are_reused() {
    let pki = Pki::new("trusted");
    let server = serve(&pki, &pki.server(), ClientAuth::None);
    let page = page(&pki.dir, CASES);
    let out = check(
        &page,
        &server.url,
        &["--cacert", path(&pki.ca_file()), "--jobs", "1"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert!(
        text(&out).contains(&format!("{CASES} passed; 0 failed")),
        "{}",
        output_text(&out)
    );
    assert_eq!(server.requests(), CASES);
    // One TLS handshake per connection, not per case: one connection per
    // replay thread at most.
    let connections = server.connections.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&connections),
        "{connections} TLS connections for {CASES} cases"
    );
    // Over HTTP/2, one handshake per replay thread, whatever the number
    // of exchanges in flight (hyper's pool would open one per exchange
    // waiting, until ALPN said h2).
    let server = serve(&pki, &pki.server(), ClientAuth::None);
    let out = check(
        &page,
        &server.url,
        &["--cacert", path(&pki.ca_file()), "--jobs", "16"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let connections = server.connections.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&connections),
        "{connections} TLS handshakes for {CASES} cases at 16 in flight"
    );
    // An emulator's self-signed certificate, given as the CA.
    let own = pki.leaf("own", &["127.0.0.1"], true, false);
    let server2 = serve(&pki, &own, ClientAuth::None);
    let out = check(&page, &server2.url, &["--cacert", path(&own.cert_file)]);
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    // The same from the environment.
    let out = binary()
        .arg("check")
        .arg(&page)
        .env("TARGET_URL", &server.url)
        .env("GRAPH_CONTRACT_CACERT", pki.ca_file())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
}

#[test]
fn an_unknown_ca_fails_every_case_and_is_explained_once() {
    let pki = Pki::new("unknown-ca");
    let server = serve(&pki, &pki.server(), ClientAuth::None);
    let page = page(&pki.dir, CASES);
    let out = check(&page, &server.url, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let all = text(&out);
    assert!(all.contains(&format!("0 passed; {CASES} failed")), "{all}");
    assert_eq!(server.requests(), 0, "nothing reached the service");
    // Each case says it in the same few words: one cause.
    let short = "TLS: the server's certificate is not trusted (unknown issuer)";
    assert!(
        all.contains(&format!("{CASES} × {short}")),
        "one cause line for every case:\n{all}"
    );
    // The explanation, with its remedy, once.
    let remedy = "--cacert FILE (GRAPH_CONTRACT_CACERT)";
    assert_eq!(all.matches(remedy).count(), 1, "{all}");
    let explained = all.lines().find(|l| l.contains(remedy)).unwrap_or_default();
    assert!(
        explained.contains(&server.url.trim_start_matches("https://").to_string())
            && explained.contains("built-in roots"),
        "{explained}"
    );
    // Not retried: a certificate does not get better in 100 ms.
    assert!(!all.contains("tries"), "{all}");
}

#[test]
fn a_name_mismatch_and_an_expired_certificate_are_named() {
    let pki = Pki::new("names");
    let page = page(&pki.dir, 2);
    // (leaf, what each case says, what the explanation says)
    let rows: Vec<(Leaf, &str, &str)> = vec![
        (
            pki.leaf("other", &["service.test"], false, false),
            "is not valid for this host name (name mismatch)",
            "it names service.test but not 127.0.0.1",
        ),
        (
            pki.leaf("old", &["127.0.0.1"], false, true),
            "has expired",
            "it was valid until 2001-01-01",
        ),
        (
            pki.leaf("selfsigned", &["127.0.0.1"], true, false),
            "is not trusted (unknown issuer)",
            "not signed by a CA among the built-in roots and the 1 certificate of --cacert",
        ),
    ];
    for (leaf, short, explained) in &rows {
        let server = serve(&pki, leaf, ClientAuth::None);
        let out = check(&page, &server.url, &["--cacert", path(&pki.ca_file())]);
        assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
        let all = text(&out);
        assert!(
            all.contains(&format!("2 × TLS: the server's certificate {short}")),
            "{short}:\n{all}"
        );
        assert_eq!(all.matches(explained).count(), 1, "{explained}:\n{all}");
    }
}

#[test]
fn a_self_signed_ca_certificate_served_as_the_server_s_is_trusted_as_itself() {
    let pki = Pki::new("ca-as-leaf");
    let page = page(&pki.dir, 2);
    let own = pki.self_signed_ca("own-ca", &["127.0.0.1", "localhost"], false);
    let server = serve(&pki, &own, ClientAuth::None);
    // Given with --cacert: trusted as itself, over HTTP/2 and HTTP/1.1.
    // (extra options, what the server saw)
    let rows: &[(&[&str], &str)] = &[(&[], "HTTP/2.0"), (&["--http1.1"], "HTTP/1.1")];
    for (extra, saw) in rows {
        let server = serve(&pki, &own, ClientAuth::None);
        let mut args = vec!["--cacert", path(&own.cert_file)];
        args.extend_from_slice(extra);
        let out = check(&page, &server.url, &args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{extra:?}: {}",
            output_text(&out)
        );
        assert_eq!(server.versions(), [saw.to_string()], "{extra:?}");
    }
    // In a bundle with other certificates, too.
    let other = pki.self_signed_ca("other-ca", &["127.0.0.1", "localhost"], false);
    let bundle = pki.dir.join("bundle.pem");
    let pem = |l: &Leaf| std::fs::read_to_string(&l.cert_file).unwrap();
    std::fs::write(&bundle, pem(&other) + &pem(&own)).unwrap();
    let out = check(&page, &server.url, &["--cacert", path(&bundle)]);
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    // With a client certificate (the server asks for one from the CA).
    let mtls = serve(&pki, &own, ClientAuth::Required);
    let client = pki.leaf("client", &["client.test"], false, false);
    let out = check(
        &page,
        &mtls.url,
        &[
            "--cacert",
            path(&own.cert_file),
            "--cert",
            path(&client.cert_file),
            "--key",
            path(&client.key_file),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert!(mtls.seen.lock().unwrap().iter().all(|s| s.client_cert));

    // Refused: another CA certificate of the same names, none, the wrong
    // name, past its dates. (certificate served, --cacert, what each
    // case says, what the explanation says)
    let misnamed = pki.self_signed_ca("misnamed-ca", &["service.test"], false);
    let old = pki.self_signed_ca("old-ca", &["127.0.0.1"], true);
    let ca_words = "is a CA certificate, not a server's";
    let ca_remedy = "the server presents a CA certificate (basic constraints CA:TRUE";
    let rows: Vec<(&Leaf, Option<&Leaf>, &str, &str)> = vec![
        (&own, Some(&other), ca_words, ca_remedy),
        (&own, None, ca_words, ca_remedy),
        (
            &misnamed,
            Some(&misnamed),
            "is not valid for this host name (name mismatch)",
            "it names service.test but not 127.0.0.1",
        ),
        (&old, Some(&old), "has expired", "2001-01-01"),
    ];
    for (served, cacert, short, explained) in rows {
        let server = serve(&pki, served, ClientAuth::None);
        let args: Vec<&str> = match cacert {
            Some(c) => vec!["--cacert", path(&c.cert_file)],
            None => vec![],
        };
        let out = check(&page, &server.url, &args);
        assert_eq!(out.status.code(), Some(1), "{short}: {}", output_text(&out));
        let all = text(&out);
        assert!(
            all.contains(&format!("2 × TLS: the server's certificate {short}")),
            "{short}:\n{all}"
        );
        assert_eq!(all.matches(explained).count(), 1, "{explained}:\n{all}");
        // In words, not a Debug dump.
        assert!(
            !all.contains("OtherError") && !all.contains("CaUsedAsEndEntity"),
            "{all}"
        );
        assert_eq!(server.requests(), 0, "nothing reached the service");
    }
    // The remedy names --cacert; with one given, it says the server's
    // certificate is not in it.
    let server = serve(&pki, &own, ClientAuth::None);
    let out = check(&page, &server.url, &["--cacert", path(&other.cert_file)]);
    assert!(
        text(&out).contains("the server's is not among the certificates of --cacert"),
        "{}",
        output_text(&out)
    );
}

#[test]
fn insecure_accepts_any_certificate_and_says_so_everywhere() {
    let pki = Pki::new("insecure");
    let server = serve(
        &pki,
        &pki.leaf("selfsigned", &["service.test"], true, false),
        ClientAuth::None,
    );
    let page = page(&pki.dir, CASES);
    let reports = ["junit", "json", "summary", "html"].map(|r| pki.dir.join(r));
    let mut args = vec!["--insecure".to_owned()];
    for (flag, p) in ["--junit", "--json", "--summary", "--html"]
        .iter()
        .zip(&reports)
    {
        args.push(flag.to_string());
        args.push(path(p).to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = check(&page, &server.url, &args);
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert_eq!(server.requests(), CASES);
    let warning = graph_contract::target::tls::INSECURE_WARNING;
    // First thing said, on stderr.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.lines().next().is_some_and(|l| l.contains(warning)),
        "{stderr}"
    );
    // And in the summary, at the end.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tail: Vec<&str> = stdout.lines().rev().take(3).collect();
    assert!(
        tail.iter().any(|l| l.contains(warning)),
        "the summary says it:\n{stdout}"
    );
    assert!(
        stdout.contains("[TLS not verified (--insecure)]"),
        "{stdout}"
    );
    // Every report that has a summary.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&reports[1]).unwrap()).unwrap();
    assert!(
        json["summary"]["enforced"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == graph_contract::target::tls::INSECURE),
        "{}",
        json["summary"]
    );
    let summary = std::fs::read_to_string(&reports[2]).unwrap();
    assert!(summary.contains(warning), "{summary}");
    let html = std::fs::read_to_string(&reports[3]).unwrap();
    assert!(
        html.contains("TLS not verified (--insecure)"),
        "HTML report"
    );
    // Never on by default: the same run without it fails.
    let out = check(&page, &server.url, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(!text(&out).contains(warning));
}

#[test]
fn watch_says_insecure_at_the_start_of_every_run() {
    use std::io::Write as _;
    let pki = Pki::new("watch-insecure");
    let server = serve(&pki, &pki.server(), ClientAuth::None);
    let page = page(&pki.dir, 2);
    let mut child = binary()
        .arg("watch")
        .arg(&page)
        .args(["--target", &server.url, "--insecure"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Not a terminal: one command a line. The first run, `r`, then quit.
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "r").unwrap();
    writeln!(stdin, "q").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let all = text(&out);
    let warning = "--insecure: the target's TLS certificate is not verified";
    assert_eq!(all.matches(warning).count(), 2, "{all}");
    // Each run's warning comes before its first case.
    for run in all.split(warning).skip(1) {
        assert!(run.contains("2 passed"), "{all}");
    }
    assert_eq!(server.requests(), 4);
}

#[test]
fn insecure_still_verifies_the_token_endpoint() {
    // The token endpoint receives the client secret: `--insecure` is the
    // target's only. The same self-signed server as target (accepted) and
    // as token endpoint (refused): no token, so nothing is sent.
    let pki = Pki::new("insecure-token");
    let server = serve(
        &pki,
        &pki.leaf("selfsigned", &["127.0.0.1"], true, false),
        ClientAuth::None,
    );
    let page = page(&pki.dir, 1);
    let out = binary()
        .arg("check")
        .arg(&page)
        .args(["--target", &server.url, "--insecure"])
        .args(["--oauth-token-url", &format!("{}/token", server.url)])
        .env("GRAPH_CONTRACT_CLIENT_ID", "client")
        .env("GRAPH_CONTRACT_CLIENT_SECRET", "s3cret-of-the-client")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let all = text(&out);
    assert!(all.contains("UnknownIssuer"), "{all}");
    assert!(!all.contains("s3cret-of-the-client"), "{all}");
    assert_eq!(server.requests(), 0, "the token was never asked for");
}

// --- mutual TLS -------------------------------------------------------------------

#[test]
fn a_client_certificate_is_sent_when_given_and_its_absence_is_explained() {
    let pki = Pki::new("mtls");
    let server = serve(&pki, &pki.server(), ClientAuth::Required);
    let client = pki.leaf("client", &["client.test"], false, false);
    let page = page(&pki.dir, CASES);
    let ca = path(&pki.ca_file()).to_owned();
    let out = check(
        &page,
        &server.url,
        &[
            "--cacert",
            &ca,
            "--cert",
            path(&client.cert_file),
            "--key",
            path(&client.key_file),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert_eq!(server.requests(), CASES);
    assert!(server.seen.lock().unwrap().iter().all(|s| s.client_cert));
    // Without it: refused, explained once.
    let out = check(&page, &server.url, &["--cacert", &ca]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let all = text(&out);
    let remedy = "--cert FILE --key FILE (GRAPH_CONTRACT_CERT, GRAPH_CONTRACT_KEY)";
    assert_eq!(all.matches(remedy).count(), 1, "{all}");
    assert!(
        all.contains("TLS: the server refused the handshake"),
        "{all}"
    );
    assert_eq!(server.requests(), CASES, "nothing more reached the service");
    // The same over HTTP/1.1 (the alert comes through another stack).
    let out = check(&page, &server.url, &["--cacert", &ca, "--http1.1"]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let all = text(&out);
    assert_eq!(all.matches(remedy).count(), 1, "{all}");
    assert!(
        all.contains(&format!(
            "{CASES} × TLS: the server refused the handshake (certificate required)"
        )),
        "{all}"
    );
    // A certificate the server's CA did not sign: refused, and said so.
    let other = Pki::new("mtls-other");
    let stranger = other.leaf("stranger", &["client.test"], false, false);
    let out = check(
        &page,
        &server.url,
        &[
            "--cacert",
            &ca,
            "--cert",
            path(&stranger.cert_file),
            "--key",
            path(&stranger.key_file),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let all = text(&out);
    assert_eq!(
        all.matches("did not accept the client certificate").count(),
        1,
        "{all}"
    );
}

#[test]
fn an_optional_client_certificate_is_presented_when_given() {
    let pki = Pki::new("mtls-optional");
    let server = serve(&pki, &pki.server(), ClientAuth::Optional);
    let client = pki.leaf("client", &["client.test"], false, false);
    let page = page(&pki.dir, 2);
    let out = binary()
        .arg("check")
        .arg(&page)
        .env("TARGET_URL", &server.url)
        .env("GRAPH_CONTRACT_CACERT", pki.ca_file())
        .env("GRAPH_CONTRACT_CERT", &client.cert_file)
        .env("GRAPH_CONTRACT_KEY", &client.key_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.client_cert), "{seen:?}");
}

// --- HTTP versions ------------------------------------------------------------------

#[test]
fn http2_is_negotiated_and_http1_1_is_honoured_and_only_details_say_which() {
    let pki = Pki::new("versions");
    let page = page(&pki.dir, 3);
    let ca = path(&pki.ca_file()).to_owned();
    // (extra options, what the server saw, what --details says)
    let rows: &[(&[&str], &str, &str)] = &[
        (&[], "HTTP/2.0", "protocol: HTTP/2 (3 answers)"),
        (&["--http1.1"], "HTTP/1.1", "protocol: HTTP/1.1 (3 answers)"),
    ];
    for (extra, saw, says) in rows {
        let server = serve(&pki, &pki.server(), ClientAuth::None);
        let mut args = vec!["--cacert", &ca, "--details"];
        args.extend_from_slice(extra);
        let out = check(&page, &server.url, &args);
        assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
        assert_eq!(server.versions(), [saw.to_string()], "{extra:?}");
        assert!(text(&out).contains(says), "{says}:\n{}", output_text(&out));
        // Each case's own, under its line.
        let version = says
            .trim_start_matches("protocol: ")
            .split(' ')
            .next()
            .unwrap();
        let line = format!("  version: {version}\n");
        assert_eq!(
            text(&out).matches(&line).count(),
            3,
            "{line}:\n{}",
            output_text(&out)
        );
        // Without --details, no word of it; the JSON report carries it.
        let server = serve(&pki, &pki.server(), ClientAuth::None);
        let json = pki.dir.join("report.json");
        let mut args = vec!["--cacert", &ca, "--json", path(&json)];
        args.extend_from_slice(extra);
        let out = check(&page, &server.url, &args);
        assert_eq!(server.versions(), [saw.to_string()], "{extra:?}");
        assert!(!text(&out).contains("protocol:"), "{}", output_text(&out));
        assert!(!text(&out).contains("version:"), "{}", output_text(&out));
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let versions: Vec<&str> = report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["actual"]["version"].as_str())
            .collect();
        assert_eq!(versions, [version; 3], "{report}");
    }
}

// --- files and errors ------------------------------------------------------------------

#[test]
fn a_bad_pem_file_is_exit_2_naming_the_option_and_the_file() {
    let pki = Pki::new("bad-pem");
    let page = page(&pki.dir, 1);
    let client = pki.leaf("client", &["client.test"], false, false);
    let other = pki.leaf("other", &["client.test"], false, false);
    let garbage = pki.dir.join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let truncated = pki.dir.join("truncated.pem");
    std::fs::write(
        &truncated,
        &std::fs::read_to_string(pki.ca_file()).unwrap()[..100],
    )
    .unwrap();
    let missing = pki.dir.join("missing.pem");
    let (g, t, m) = (path(&garbage), path(&truncated), path(&missing));
    let (cert, key, other_key) = (
        path(&client.cert_file),
        path(&client.key_file),
        path(&other.key_file),
    );
    // (options, the message has, it has not)
    let rows: &[(&[&str], &[&str], &[&str])] = &[
        (
            &["--cacert", g],
            &[&format!("--cacert {g}"), "no certificate in the file"],
            &[],
        ),
        (
            &["--cacert", t],
            &[&format!("--cacert {t}"), "no -----END line"],
            &[],
        ),
        (
            &["--cacert", m],
            &[&format!("--cacert {m}"), "cannot read the file"],
            &[],
        ),
        (
            &["--cert", g, "--key", key],
            &[&format!("--cert {g}"), "no certificate"],
            &[key],
        ),
        (
            &["--cert", cert, "--key", g],
            &["--key: no private key in the file"],
            &[g],
        ),
        (
            &["--cert", cert, "--key", m],
            &["--key: the key file it names: cannot read the file"],
            &[m],
        ),
        (
            &["--cert", cert, "--key", other_key],
            &["--key: the private key is not the key of the certificate"],
            &[other_key],
        ),
        (&["--cert", cert], &["--cert needs --key"], &[]),
        (&["--key", key], &["--key needs --cert"], &[key]),
    ];
    for (args, has, hasnt) in rows {
        let out = check(&page, "https://127.0.0.1:9", args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            output_text(&out)
        );
        let all = text(&out);
        for h in *has {
            assert!(all.contains(h), "{args:?}: {h:?} in {all}");
        }
        for h in *hasnt {
            assert!(!all.contains(h), "{args:?}: {h:?} not in {all}");
        }
        assert!(!all.contains(&client.key_pem[30..80]), "{all}");
    }
    // The environment form names the variable.
    let out = binary()
        .arg("check")
        .arg(&page)
        .env("TARGET_URL", "https://127.0.0.1:9")
        .env("GRAPH_CONTRACT_CACERT", &garbage)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let all = text(&out);
    assert!(
        all.contains(&format!(
            "GRAPH_CONTRACT_CACERT (the environment form of --cacert) {g}"
        )),
        "{all}"
    );
}

#[test]
fn the_key_is_never_printed_nor_its_path() {
    let pki = Pki::new("redaction");
    // A server that requires the certificate and answers one case wrongly
    // would need a handler; a second page whose example documents another
    // body fails against this server instead.
    let server = serve(&pki, &pki.server(), ClientAuth::Required);
    let client = pki.leaf("client", &["client.test"], false, false);
    let page = page(&pki.dir, 2);
    let failing = pki.dir.join("failing.md");
    std::fs::write(
        &failing,
        std::fs::read_to_string(&page)
            .unwrap()
            .replace("Adele Vance", "Someone Else")
            .replace("\"u-1\"", "42"),
    )
    .unwrap();
    let reports = ["junit", "json", "summary", "html"].map(|r| pki.dir.join(r));
    let key = path(&client.key_file).to_owned();
    let ca = path(&pki.ca_file()).to_owned();
    let mut args: Vec<String> = [
        "--cacert",
        &ca,
        "--cert",
        path(&client.cert_file),
        "--key",
        &key,
        "--details",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (flag, p) in ["--junit", "--json", "--summary", "--html"]
        .iter()
        .zip(&reports)
    {
        args.push(flag.to_string());
        args.push(path(p).to_owned());
    }
    let out = binary()
        .arg("check")
        .arg(&page)
        .arg(&failing)
        .args(["--target", &server.url])
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert_eq!(server.requests(), 4, "every case was sent");
    let mut outputs = vec![("terminal".to_owned(), text(&out))];
    for r in &reports {
        outputs.push((r.display().to_string(), std::fs::read_to_string(r).unwrap()));
    }
    // `show`: the curl line names the variable, not the path.
    let id = "users::get_user_0";
    let out = binary()
        .args(["show", id])
        .arg(&page)
        .args(["--target", &server.url])
        .args(&args[..6])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let shown = text(&out);
    assert!(
        shown.contains(&format!(
            "--cacert {ca} --cert {} --key \"$GRAPH_CONTRACT_KEY\"",
            path(&client.cert_file)
        )),
        "{shown}"
    );
    outputs.push(("show".to_owned(), shown));
    // The key's body lines, and its path.
    let key_lines: Vec<&str> = client
        .key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(!key_lines.is_empty());
    for (name, text) in &outputs {
        assert!(!text.contains(&key), "{name} names the key's path:\n{text}");
        for l in &key_lines {
            assert!(!text.contains(l), "{name} holds the key:\n{text}");
        }
    }
    // The re-run commands keep the option, naming the variable the shell
    // expands (as `show` does), so they can be pasted with it set.
    let json = &outputs[2].1;
    assert!(
        json.contains(r#"--key \"$GRAPH_CONTRACT_KEY\""#),
        "re-run commands hold --key \"$GRAPH_CONTRACT_KEY\":\n{json}"
    );
    assert!(!json.contains("--key '***'"), "{json}");
    // Nor in the settings' Debug form, under either face (the key's
    // path is there only among the secret values, as a secret header's
    // value is).
    let mut given = graph_contract::config::Given::default();
    given.set("cert", vec![path(&client.cert_file).to_owned()]);
    given.set("key", vec![key.clone()]);
    let scopes = [graph_contract::config::Scope::Run];
    let from_flags = graph_contract::config::build(&given, &Default::default(), &scopes).unwrap();
    let env = graph_contract::config::Env::from_pairs([
        ("GRAPH_CONTRACT_CERT", path(&client.cert_file)),
        ("GRAPH_CONTRACT_KEY", key.as_str()),
    ]);
    let from_env = graph_contract::config::build(&Default::default(), &env, &scopes).unwrap();
    for c in [from_flags, from_env] {
        let tls = format!("{:?}", c.settings.send.tls);
        assert!(
            tls.contains("client.pem") && tls.contains("withheld"),
            "{tls}"
        );
        assert!(!tls.contains(&key), "{tls}");
        let debug = format!("{c:?}");
        for l in &key_lines {
            assert!(!debug.contains(l), "{debug}");
        }
        // The key's path is one of the run's secrets (masked everywhere).
        assert!(c.settings.secrets().contains(&key));
    }
}

#[test]
fn show_prints_curl_s_tls_options() {
    let pki = Pki::new("show");
    let server = serve(
        &pki,
        &pki.leaf("selfsigned", &["127.0.0.1"], true, false),
        ClientAuth::None,
    );
    let page = page(&pki.dir, 1);
    let ca = path(&pki.ca_file()).to_owned();
    let out = binary()
        .args(["show", "users::get_user_0"])
        .arg(&page)
        .args([
            "--target",
            &server.url,
            "--cacert",
            &ca,
            "--insecure",
            "--http1.1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let all = text(&out);
    assert!(
        all.contains(&format!("curl -i --cacert {ca} -k --http1.1 -X GET")),
        "{all}"
    );
    assert!(
        all.contains(graph_contract::target::tls::INSECURE_WARNING),
        "{all}"
    );
    assert_eq!(server.versions(), ["HTTP/1.1"]);
}

// --- the harness face --------------------------------------------------------------------

/// The harness over `page` against `url`, with these variables; the
/// warnings it told.
fn harness(
    page: &Path,
    url: &str,
    vars: &[(&str, &str)],
) -> (graph_contract::harness::Outcome, Vec<String>) {
    use graph_contract::run::{Event, Listener};
    struct Warnings(Arc<Mutex<Vec<String>>>);
    impl Listener for Warnings {
        fn event(&mut self, e: &Event<'_>) {
            if let Event::Warning(w) = e {
                self.0.lock().unwrap().push((*w).to_owned());
            }
        }
    }
    let mut env: HashMap<String, String> = HashMap::from([
        ("TARGET_URL".into(), url.into()),
        ("GRAPH_CONTRACT_SPECS".into(), page.display().to_string()),
    ]);
    for (k, v) in vars {
        env.insert((*k).into(), (*v).into());
    }
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let log = support::harness_log();
    let args = libtest_mimic::Arguments::from_iter(["contract", "--quiet", "--logfile", &log]);
    let outcome = graph_contract::harness::run_with(
        args,
        &graph_contract::config::Env::from_pairs(env),
        vec![Box::new(Warnings(warnings.clone()))],
    )
    .expect("the harness runs");
    let w = warnings.lock().unwrap().clone();
    (outcome, w)
}

#[test]
fn the_harness_takes_the_same_knobs_from_the_environment() {
    let pki = Pki::new("harness");
    let page = page(&pki.dir, 3);
    let ca = path(&pki.ca_file()).to_owned();
    let server = serve(&pki, &pki.server(), ClientAuth::None);
    let (o, _) = harness(
        &page,
        &server.url,
        &[
            ("GRAPH_CONTRACT_CACERT", &ca),
            ("GRAPH_CONTRACT_HTTP1_1", "1"),
        ],
    );
    assert_eq!(o.code, 0);
    assert_eq!(server.versions(), ["HTTP/1.1"]);
    // Without the CA: every case fails, and the explanation is one warning.
    let (o, warnings) = harness(&page, &server.url, &[]);
    assert_eq!(o.code, 101);
    assert_eq!(
        warnings
            .iter()
            .filter(|w| w.contains("unknown issuer"))
            .count(),
        1,
        "{warnings:?}"
    );
    // --insecure: passes, and says so first.
    let (o, warnings) = harness(&page, &server.url, &[("GRAPH_CONTRACT_INSECURE", "yes")]);
    assert_eq!(o.code, 0);
    assert_eq!(
        warnings.first().map(String::as_str),
        Some(graph_contract::target::tls::INSECURE_WARNING)
    );
    // mTLS from the environment.
    let server = serve(&pki, &pki.server(), ClientAuth::Required);
    let client = pki.leaf("client", &["client.test"], false, false);
    let (o, _) = harness(
        &page,
        &server.url,
        &[
            ("GRAPH_CONTRACT_CACERT", &ca),
            ("GRAPH_CONTRACT_CERT", path(&client.cert_file)),
            ("GRAPH_CONTRACT_KEY", path(&client.key_file)),
        ],
    );
    assert_eq!(o.code, 0);
    assert!(server.seen.lock().unwrap().iter().all(|s| s.client_cert));
    assert_eq!(server.versions(), ["HTTP/2.0"]);
}
