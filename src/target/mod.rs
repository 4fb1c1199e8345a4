//! Talking to the service under test: the only part of graph-contract that
//! does network I/O. A documented request becomes a `Prepared` request (URL
//! mapped onto the target, placeholders checked, documented `Content-Length`
//! and `Host` dropped, credentials added), then a client sends it with a
//! timeout over the whole exchange, a size cap and no redirects: hyper's own
//! HTTP/1.1 connections for a plain-HTTP loopback target, reqwest for any
//! other (see [`HttpClient`]). Each replay thread has a fork of the clients.
//!
//! Here: the configuration, the prepared request, the write-refusal rule
//! and the `Replayer`; `client` builds the two HTTP clients, `send`
//! sends with retries and tokens and reads the answer, [`url`] maps URLs,
//! [`auth`] fetches tokens, [`tls`] holds the HTTPS settings (trusted CAs,
//! `--insecure`, the client certificate, the HTTP version) and names a
//! failed handshake.
//!
//! Decisions, with their reasons:
//! - Every request graph-contract makes goes through here and is bounded
//!   alike: the exchanges with the target, the `$metadata` fetch (sent as
//!   an exchange), and the OAuth token requests (see [`auth`]): the
//!   per-request timeout over connect and the whole answer, the run's
//!   deadline, the body cap. A hostile endpoint can fail cases, not hang
//!   the run or fill memory.
//! - A write is any method but GET, HEAD and OPTIONS ([`is_write`]), and a
//!   write goes to a target that is not loopback only with `allow_writes`.
//! - Loopback is decided on the addresses connected to
//!   ([`Target::is_loopback`]); a loopback target named `localhost` is
//!   connected, by either client, only to the addresses it was judged on
//!   ([`Target::pinned`]), so the guard and the connection cannot disagree.
//!   A literal address is never resolved: the direct client's hot path is
//!   unchanged by the guard.

pub mod auth;
mod client;
mod send;
use client::{Direct, build_client, build_direct};
pub use send::error_chain;
pub mod tls;
pub mod url;

use crate::model::{Case, Header, IgnoreReason};
pub use auth::{Credentials, OAuth, TokenSource};
use std::sync::Arc;
use std::time::Duration;
pub use url::{Target, fill_placeholders, find_placeholder};

/// How requests are sent.
#[derive(Debug, Clone)]
pub struct SendConfig {
    /// Per-request timeout (connect + whole response).
    pub timeout: Duration,
    /// Largest response body read; a bigger one is a transport failure.
    pub max_body: usize,
    /// Where the bearer token for `Authorization` comes from.
    pub credentials: Credentials,
    /// Extra headers added to every request (they replace documented ones of
    /// the same name).
    pub headers: Vec<Header>,
    /// Upper bound of exchanges in flight (sizes the connection pool).
    pub jobs: usize,
    /// Fill `{placeholder}` segments with generated values instead of
    /// ignoring the case.
    pub fill_placeholders: bool,
    /// Send writes (any method but GET, HEAD, OPTIONS) to a target that is
    /// not loopback.
    pub allow_writes: bool,
    /// Retries of a 429 or 503 answer (honouring `Retry-After`) and of a
    /// failed connection (with back-off). Besides, an idempotent request
    /// whose connection closes before any answer (a kept-alive connection
    /// the service closed as it was reused) is sent once more at once.
    /// Nothing else is retried.
    pub retries: u32,
    /// The longest wait between two tries, whatever `Retry-After` asks.
    pub max_retry_wait: Duration,
    /// No request goes on past this instant (the run's total deadline).
    pub deadline: Option<std::time::Instant>,
    /// Send each case's id in `x-graph-contract-case` (for a graph-contract
    /// mock started on its own, so that examples sharing method, path and
    /// query are each answered with their own response).
    pub case_header: bool,
    /// Which HTTP client sends the exchanges.
    pub client: HttpClient,
    /// HTTPS: the CAs trusted besides the built-in roots, `--insecure`, the
    /// client certificate, the HTTP versions offered.
    pub tls: tls::Tls,
    /// The run's secrets, scrubbed from every case's result (its answer
    /// and findings) once it is judged (see `redact`).
    pub scrub: std::sync::Arc<crate::redact::Redactor>,
}

/// Which HTTP client sends the exchanges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpClient {
    /// hyper's own HTTP/1.1 connections for plain HTTP to a loopback
    /// target (`client::Direct`: a list of idle connections per fork), where
    /// no TLS and no proxy apply and where the harness must keep pace with
    /// the service (reqwest re-parses every request's URL twice in its
    /// redirect layer, a fifth of a replay's CPU); reqwest for every other
    /// target (TLS, proxies from the environment).
    #[default]
    Auto,
    /// reqwest for every target.
    Reqwest,
}

impl Default for SendConfig {
    fn default() -> Self {
        SendConfig {
            timeout: Duration::from_secs(30),
            max_body: 16 * 1024 * 1024,
            credentials: Credentials::None,
            headers: Vec::new(),
            jobs: 32,
            fill_placeholders: false,
            allow_writes: false,
            retries: 3,
            max_retry_wait: Duration::from_secs(10),
            deadline: None,
            case_header: false,
            client: HttpClient::Auto,
            tls: tls::Tls::default(),
            scrub: Default::default(),
        }
    }
}

/// A request ready to go: what will be sent, byte for byte.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub method: String,
    pub url: ::url::Url,
    pub headers: Vec<Header>,
    pub body: Option<String>,
    /// The direct client's request head, built on the first send and
    /// cloned for the next (every `--repeat` pass, every retry): the
    /// method, URI and headers parsed and checked once per case, not once
    /// per exchange. Not part of what the request is: equal whatever it
    /// holds.
    #[doc(hidden)]
    pub head: client::HeadCache,
}

impl Prepared {
    /// `POST http://127.0.0.1:8080/v1.0/me`: the request line for reports.
    pub fn request_line(&self) -> String {
        format!("{} {}", self.method, self.url)
    }
}

/// Documented request headers never sent: the client computes them.
const NEVER_SENT: &[&str] = &["content-length", "host", "transfer-encoding", "connection"];

/// Methods that may change state on the target: every method but GET, HEAD
/// and OPTIONS, in any case. A list of the known writes would let through
/// what it forgot (`MERGE`, `PROPPATCH`, `PURGE`, any extension method);
/// the three read methods are all a page may send freely.
pub fn is_write(method: &str) -> bool {
    !["GET", "HEAD", "OPTIONS"]
        .iter()
        .any(|read| read.eq_ignore_ascii_case(method))
}

/// The clients and the target they talk to.
pub struct Replayer {
    /// Exchanges with targets the direct client does not serve, and the
    /// OAuth token requests.
    client: reqwest::Client,
    /// The OAuth token requests under `--insecure`, which turns
    /// verification off for the target only (see [`tls`]).
    token_client: Option<reqwest::Client>,
    /// Exchanges with a plain-HTTP loopback target.
    direct: Option<Direct>,
    target: Target,
    config: SendConfig,
    /// Shared by every fork: a token is fetched once per run.
    tokens: Arc<TokenSource>,
    /// The redactor of the OAuth token last seen (built once per token,
    /// not per answer).
    oauth_scrub: std::sync::Mutex<Option<(String, Arc<crate::redact::Redactor>)>>,
    /// What the exchanges showed (HTTP versions, the first TLS failure):
    /// shared by every fork.
    observed: Arc<tls::Observed>,
    /// Held by this fork's first exchange over TLS, until its answer's
    /// head came (`warmed`): see `Replayer::first_alone`.
    first: tokio::sync::Mutex<()>,
    warmed: std::sync::atomic::AtomicBool,
}

impl Replayer {
    pub fn new(target: Target, config: SendConfig) -> Result<Replayer, String> {
        let tokens = Arc::new(TokenSource::new(config.credentials.clone()));
        Replayer::with_tokens(target, config, tokens, tls::observed())
    }

    fn with_tokens(
        target: Target,
        config: SendConfig,
        tokens: Arc<TokenSource>,
        observed: Arc<tls::Observed>,
    ) -> Result<Replayer, String> {
        let client = build_client(&target, &config, false)?;
        let token_client = match (config.tls.insecure, &config.credentials) {
            (true, Credentials::ClientCredentials(_)) => {
                Some(build_client(&target, &config, true)?)
            }
            _ => None,
        };
        let direct = (config.client == HttpClient::Auto
            && target.base().scheme() == "http"
            && target.is_loopback())
        .then(|| build_direct(&target, &config));
        Ok(Replayer {
            client,
            token_client,
            direct,
            target,
            config,
            tokens,
            oauth_scrub: Default::default(),
            observed,
            first: tokio::sync::Mutex::new(()),
            warmed: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The same target, settings and credentials with connection pools of
    /// its own, for a thread that drives its own runtime: a connection's
    /// task runs on the runtime that opened it, so sharing one pool across
    /// runtimes would wake another thread on every exchange.
    pub fn fork(&self) -> Result<Replayer, String> {
        Replayer::with_tokens(
            self.target.clone(),
            self.config.clone(),
            self.tokens.clone(),
            self.observed.clone(),
        )
    }

    /// This fork is taken up again for another run (a kept runtime's,
    /// `run::parallel`): its first exchange over TLS goes alone again, as
    /// its connection may have died meanwhile and every exchange would
    /// then open one of its own (see `Replayer::first_alone`).
    pub fn rewarm(&self) {
        self.warmed
            .store(false, std::sync::atomic::Ordering::Release);
    }

    /// What the run's exchanges showed so far (every fork's): the HTTP
    /// versions that answered, the first TLS failure explained.
    pub fn observed(&self) -> &tls::Observed {
        &self.observed
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn config(&self) -> &SendConfig {
        &self.config
    }

    /// The one write-refusal rule: a write (every method but GET, HEAD and
    /// OPTIONS) to a target that is not loopback is refused unless
    /// `--allow-writes`; `step` names the scenario step it is, if one.
    pub fn refuse_write(
        &self,
        method: &str,
        step: Option<(&'static str, usize)>,
    ) -> Result<(), IgnoreReason> {
        if is_write(method) && !self.config.allow_writes && !self.target.is_loopback() {
            return Err(IgnoreReason::WriteRefused {
                method: method.to_ascii_uppercase(),
                target: self.target.base().to_string(),
                step,
            });
        }
        Ok(())
    }

    /// The request to send for a case, or the reason it cannot be sent.
    pub fn prepare(&self, case: &Case) -> Result<Prepared, IgnoreReason> {
        let req = &case.request;
        let method = req.method.to_ascii_uppercase();
        self.refuse_write(&method, None)?;
        let filled;
        let doc_url = if self.config.fill_placeholders {
            filled = fill_placeholders(&req.url);
            filled.as_str()
        } else {
            if let Some(p) = find_placeholder(&req.url) {
                return Err(IgnoreReason::Placeholder { name: p.to_owned() });
            }
            req.url.as_str()
        };
        let url = self
            .target
            .map(doc_url)
            .map_err(|why| IgnoreReason::Unmapped { why })?;
        let mut headers: Vec<Header> = Vec::with_capacity(req.headers.len() + 2);
        for (name, value) in &req.headers {
            let lower = name.to_ascii_lowercase();
            if NEVER_SENT.contains(&lower.as_str())
                || lower == "authorization"
                || self
                    .config
                    .headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                continue;
            }
            headers.push((name.clone(), value.clone()));
        }
        headers.extend(self.config.headers.iter().cloned());
        if self.config.case_header && case.id.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            headers.push((crate::mock::CASE_HEADER.to_owned(), case.id.clone()));
        }
        Ok(Prepared {
            method,
            url,
            headers,
            body: req.body.clone(),
            head: Default::default(),
        })
    }
}

/// Header values never kept from an answer (and never printed from a request).
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
];

#[cfg(test)]
mod tests {
    use super::client::{USER_AGENT_VALUE, direct_request};
    use super::*;

    fn direct(base: &str, client: HttpClient) -> bool {
        let config = SendConfig {
            client,
            ..SendConfig::default()
        };
        let target = Target::parse(base).unwrap();
        // hyper's pool needs a runtime to be built in.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _guard = rt.enter();
        let r = Replayer::new(target, config).unwrap();
        assert_eq!(r.fork().unwrap().direct.is_some(), r.direct.is_some());
        r.direct.is_some()
    }

    #[test]
    fn only_plain_http_to_loopback_goes_through_the_direct_client() {
        assert!(direct("http://127.0.0.1:8080", HttpClient::Auto));
        assert!(direct("http://localhost:8080/base", HttpClient::Auto));
        assert!(direct("http://[::1]:8080", HttpClient::Auto));
        // TLS, or another host (a proxy may apply): reqwest.
        assert!(!direct("https://127.0.0.1:8443", HttpClient::Auto));
        assert!(!direct("http://graph.contoso.test", HttpClient::Auto));
        // A name under .localhost is not loopback: the resolver may send it
        // anywhere.
        assert!(!direct("http://evil.localhost:8080", HttpClient::Auto));
        assert!(direct("http://[::ffff:127.0.0.1]:8080", HttpClient::Auto));
        assert!(!direct("https://graph.microsoft.com", HttpClient::Auto));
        // Asked for reqwest: always reqwest.
        assert!(!direct("http://127.0.0.1:8080", HttpClient::Reqwest));
    }

    #[test]
    fn insecure_does_not_relax_the_write_guard() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _guard = rt.enter();
        // A literal address is never resolved, and nothing is sent.
        for insecure in [false, true] {
            let config = SendConfig {
                tls: tls::Tls {
                    insecure,
                    ..tls::Tls::default()
                },
                ..SendConfig::default()
            };
            let r = Replayer::new(Target::parse("https://192.0.2.1").unwrap(), config).unwrap();
            assert!(
                matches!(
                    r.refuse_write("POST", None),
                    Err(IgnoreReason::WriteRefused { .. })
                ),
                "insecure {insecure}"
            );
            assert!(r.refuse_write("GET", None).is_ok());
        }
    }

    #[test]
    fn the_direct_request_carries_what_reqwest_would_add() {
        let p = Prepared {
            method: "POST".into(),
            url: ::url::Url::parse("http://127.0.0.1:1/v1.0/me/onenote/pages").unwrap(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some("{}".into()),
            head: Default::default(),
        };
        let req = direct_request(&p, Some("Bearer t0ken".into()))
            .ok()
            .unwrap();
        assert_eq!(req.method(), "POST");
        // What hyper-util's pooled client did on each send, done once: the
        // URI in origin form, `Host` from the URL.
        assert_eq!(req.uri(), "/v1.0/me/onenote/pages");
        let h = req.headers();
        assert_eq!(h["host"], "127.0.0.1:1");
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["authorization"], "Bearer t0ken");
        assert_eq!(h["accept"], "*/*");
        assert_eq!(h["user-agent"], USER_AGENT_VALUE);
        // The head is built once and reused; the token is the send's own
        // (a renewed one replaces the first, never joins it).
        assert_eq!(format!("{:?}", p.head), "built");
        let again = direct_request(&p, Some("Bearer renewed".into()))
            .ok()
            .unwrap();
        let auth: Vec<_> = again.headers().get_all("authorization").iter().collect();
        assert_eq!(auth, ["Bearer renewed"]);
        assert_eq!(again.headers().len(), h.len());
        assert_eq!((again.method(), again.uri()), (req.method(), req.uri()));
        assert!(direct_request(&p, Some("Bearer \n".into())).is_err());
        // A documented Accept or User-Agent is sent as documented, alone.
        let p = Prepared {
            headers: vec![("Accept".into(), "application/json".into())],
            head: Default::default(),
            ..p
        };
        let req = direct_request(&p, None).ok().unwrap();
        let accept: Vec<_> = req.headers().get_all("accept").iter().collect();
        assert_eq!(accept, ["application/json"]);
        assert!(req.headers().get("authorization").is_none());
        // A documented Host is sent alone; the default port is not written;
        // the query stays, an empty path is `/`.
        for (url, documented, host, uri) in [
            (
                "http://127.0.0.1:1/a",
                Some("graph.microsoft.com"),
                "graph.microsoft.com",
                "/a",
            ),
            (
                "http://127.0.0.1:80/a?$top=1",
                None,
                "127.0.0.1",
                "/a?$top=1",
            ),
            ("http://[::1]:8080", None, "[::1]:8080", "/"),
        ] {
            let p = Prepared {
                url: ::url::Url::parse(url).unwrap(),
                headers: documented
                    .map(|h| vec![("Host".to_owned(), h.to_owned())])
                    .unwrap_or_default(),
                head: Default::default(),
                ..p.clone()
            };
            let req = direct_request(&p, None).ok().unwrap();
            let hosts: Vec<_> = req
                .headers()
                .get_all("host")
                .iter()
                .map(|v| v.to_str().unwrap())
                .collect();
            assert_eq!(
                (hosts, req.uri().to_string()),
                (vec![host], uri.to_owned()),
                "{url}"
            );
        }
        // A header value HTTP cannot carry is an error, not a panic.
        let p = Prepared {
            headers: vec![("X-Bad".into(), "line\nbreak".into())],
            head: Default::default(),
            ..p
        };
        match direct_request(&p, None) {
            Err(e) => assert!(e.into_message().contains("cannot send"), "message"),
            Ok(_) => panic!("a header value with a line break was accepted"),
        }
    }

    #[test]
    fn a_method_http_cannot_carry_is_an_error_on_both_clients() {
        let p = Prepared {
            method: "GET POST".into(),
            url: ::url::Url::parse("http://127.0.0.1:1/v1.0/me").unwrap(),
            headers: Vec::new(),
            body: None,
            head: Default::default(),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for client in [HttpClient::Auto, HttpClient::Reqwest] {
            let config = SendConfig {
                client,
                retries: 0,
                ..SendConfig::default()
            };
            let r = {
                let _guard = rt.enter();
                Replayer::new(Target::parse("http://127.0.0.1:1").unwrap(), config).unwrap()
            };
            let e = rt.block_on(r.send(&p)).unwrap_err();
            assert!(e.contains("cannot send"), "{client:?}: {e}");
            assert!(
                e.contains("GET POST http://127.0.0.1:1/v1.0/me"),
                "{client:?}: {e}"
            );
        }
    }
}

#[cfg(test)]
mod error_chain_tests {
    /// An error with a message and an optional source.
    #[derive(Debug)]
    struct E(&'static str, Option<Box<E>>);

    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for E {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    fn chain(links: &[&'static str]) -> E {
        let mut e = None;
        for l in links.iter().rev() {
            e = Some(E(l, e.map(Box::new)));
        }
        e.expect("at least one link")
    }

    #[test]
    fn layers_are_left_out_of_an_error_chain_when_a_cause_follows() {
        // (the chain, outermost first; the line told)
        let rows: &[(&[&str], &str)] = &[
            (
                &[
                    "error sending request",
                    "client error (SendRequest)",
                    "connection closed before message completed",
                ],
                "error sending request: connection closed before message completed",
            ),
            (
                &[
                    "error sending request",
                    "client error (Connect)",
                    "tcp connect error",
                    "Connection refused (os error 111)",
                ],
                "error sending request: tcp connect error: Connection refused (os error 111)",
            ),
            (
                &[
                    "request or response body error",
                    "error reading a body from connection",
                    "unexpected end of file",
                ],
                "error reading a body from connection: unexpected end of file",
            ),
            (
                &[
                    "error decoding response body",
                    "request or response body error",
                    "error reading a body from connection",
                ],
                "error decoding response body: error reading a body from connection",
            ),
            // the last link is the cause, whatever it says
            (
                &["error sending request", "client error (SendRequest)"],
                "error sending request: client error (SendRequest)",
            ),
            // not a layer's name: kept
            (
                &["x", "client error (a b)", "y"],
                "x: client error (a b): y",
            ),
            // a link already said is not said twice
            (
                &["timed out: operation timed out", "operation timed out"],
                "timed out: operation timed out",
            ),
        ];
        for (links, want) in rows {
            assert_eq!(super::error_chain(&chain(links)), *want, "{links:?}");
        }
    }
}
