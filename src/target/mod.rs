//! Talking to the service under test: the only part of graph-contract that
//! does network I/O. A documented request becomes a `Prepared` request (URL
//! mapped onto the target, placeholders checked, documented `Content-Length`
//! and `Host` dropped, credentials added), then a client sends it with a
//! timeout over the whole exchange, a size cap and no redirects: hyper's own
//! pooled client for a plain-HTTP loopback target, reqwest for any other
//! (see [`HttpClient`]). Each replay thread has a fork of the clients.
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
pub mod url;

use crate::model::{Actual, Case, Header, IgnoreReason};
pub use auth::{Credentials, OAuth, TokenSource};
use hyper::http;
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
    /// The run's secrets, scrubbed from every case's result (its answer
    /// and findings) once it is judged (see `redact`).
    pub scrub: std::sync::Arc<crate::redact::Redactor>,
}

/// Which HTTP client sends the exchanges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpClient {
    /// hyper's own pooled client for plain HTTP to a loopback target, where
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

/// hyper's pooled client over plain TCP (see [`HttpClient::Auto`]).
type Direct = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector<Pinned>,
    http_body_util::Full<bytes::Bytes>,
>;

/// The direct client's resolver: the addresses the loopback decision was
/// made on ([`Target::pinned`]), and no lookup of its own. A literal
/// address is never resolved (the connector connects it as it is), so the
/// hot path of a `127.0.0.1` target is unchanged; `localhost` is connected
/// to the loopback addresses it resolved to when the run began, not to
/// whatever a later lookup says.
#[derive(Clone, Debug)]
struct Pinned(Arc<Vec<std::net::SocketAddr>>);

impl tower_service::Service<hyper_util::client::legacy::connect::dns::Name> for Pinned {
    type Response = std::vec::IntoIter<std::net::SocketAddr>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: hyper_util::client::legacy::connect::dns::Name) -> Self::Future {
        std::future::ready(if self.0.is_empty() {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "{name}: not resolved (the direct client connects loopback addresses only)"
                ),
            ))
        } else {
            Ok(Vec::clone(&self.0).into_iter())
        })
    }
}

/// The clients and the target they talk to.
pub struct Replayer {
    /// Exchanges with targets the direct client does not serve, and the
    /// OAuth token requests.
    client: reqwest::Client,
    /// Exchanges with a plain-HTTP loopback target.
    direct: Option<Direct>,
    target: Target,
    config: SendConfig,
    /// Shared by every fork: a token is fetched once per run.
    tokens: Arc<TokenSource>,
    /// The redactor of the OAuth token last seen (built once per token,
    /// not per answer).
    oauth_scrub: std::sync::Mutex<Option<(String, Arc<crate::redact::Redactor>)>>,
}

impl Replayer {
    pub fn new(target: Target, config: SendConfig) -> Result<Replayer, String> {
        let tokens = Arc::new(TokenSource::new(config.credentials.clone()));
        Replayer::with_tokens(target, config, tokens)
    }

    fn with_tokens(
        target: Target,
        config: SendConfig,
        tokens: Arc<TokenSource>,
    ) -> Result<Replayer, String> {
        let client = build_client(&target, &config)?;
        let direct = (config.client == HttpClient::Auto
            && target.base().scheme() == "http"
            && target.is_loopback())
        .then(|| build_direct(&target, &config));
        Ok(Replayer {
            client,
            direct,
            target,
            config,
            tokens,
            oauth_scrub: Default::default(),
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
        )
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
        })
    }

    /// Send a prepared request, retrying what may be retried, and read the
    /// whole response (up to the cap).
    pub async fn send(&self, p: &Prepared) -> Result<Actual, String> {
        // Every exchange sent, for "after N tries"...
        let mut tries = 0u32;
        // ...and those that count against `retries` and set the back-off:
        // not the resend of a closed kept-alive connection, nor the resend
        // with a renewed token.
        let mut attempt = 0u32;
        let mut renewed = false;
        let mut resent = false;
        loop {
            let result = match self.config.deadline {
                Some(d) => {
                    let remaining = d
                        .checked_duration_since(std::time::Instant::now())
                        .filter(|r| !r.is_zero())
                        .ok_or_else(|| {
                            "the run's deadline passed before this request".to_owned()
                        })?;
                    match tokio::time::timeout(remaining, self.send_once(p)).await {
                        Ok(r) => r,
                        Err(_) => {
                            return Err("the run's deadline passed during this request".into());
                        }
                    }
                }
                // No deadline: no second timer per request.
                None => self.send_once(p).await,
            };
            tries += 1;
            if let Err(SendError::Closed(_)) = &result
                && !resent
                && is_idempotent(&p.method)
            {
                // The connection closed before any answer: a kept-alive one
                // the service closed as we reused it. Sent once more, at once.
                resent = true;
                continue;
            }
            if let Ok((actual, Some(token))) = &result
                && actual.status == 401
                && !renewed
                && self.tokens.invalidate(token).await
            {
                // A refused OAuth token: sent once more with a fresh one (a
                // case renews at most once; see `TokenSource::invalidate`
                // for when the run stops renewing).
                renewed = true;
                continue;
            }
            attempt += 1;
            let result = result.map(|(mut actual, _)| {
                actual.tries = tries;
                actual
            });
            let wait = match &result {
                Ok(actual) if matches!(actual.status, 429 | 503) => retry_after(actual)
                    .unwrap_or(Duration::from_millis(200u64.saturating_mul(attempt.into()))),
                Err(SendError::Connect(_)) => {
                    Duration::from_millis(100u64.saturating_mul(3u64.saturating_pow(attempt - 1)))
                }
                _ => return result.map_err(SendError::into_message),
            };
            // What is left of the run now, after this try: a wait that
            // would cross the deadline is not started, and this try's
            // answer (or error) is the result, not a "deadline passed".
            let left = match self.config.deadline {
                Some(d) => d.saturating_duration_since(std::time::Instant::now()),
                None => Duration::MAX,
            };
            if attempt > self.config.retries || wait > self.config.max_retry_wait || wait >= left {
                return match result {
                    Ok(actual) => Ok(actual),
                    Err(e) => Err(format!("{} (after {tries} tries)", e.into_message())),
                };
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// One try: the answer and the token it carried. The timeout covers
    /// the whole exchange, body included.
    async fn send_once(&self, p: &Prepared) -> Result<(Actual, Option<String>), SendError> {
        let token = self
            .tokens
            .token(&self.client, self.token_limits())
            .await
            .map_err(SendError::Other)?;
        let deadline = tokio::time::Instant::now() + self.config.timeout;
        let mut actual = match &self.direct {
            Some(direct) => {
                let request = direct_request(p, self.authorization(token.as_deref()))?;
                let sent = tokio::time::timeout_at(deadline, direct.request(request)).await;
                let response = sent
                    .map_err(|_| self.timed_out())?
                    .map_err(|e| self.failed(p, &e, e.is_connect()))?;
                self.read_answer(p, response, deadline).await?
            }
            None => {
                let request = self.reqwest(p, token.as_deref())?;
                let sent = tokio::time::timeout_at(deadline, request.send())
                    .await
                    .map_err(|_| self.timed_out())?;
                let response = sent.map_err(|e| {
                    let e = e.without_url(); // the URL is said once, by us
                    // A connect timeout is a failed connection (retried),
                    // as on the direct client.
                    if e.is_timeout() && !e.is_connect() {
                        self.timed_out()
                    } else {
                        self.failed(p, &e, e.is_connect())
                    }
                })?;
                self.read_answer(p, http::Response::from(response), deadline)
                    .await?
            }
        };
        if let Some(t) = &token
            && self.tokens.is_oauth()
        {
            // An OAuth token is fetched during the run, so the run's
            // redactor does not know it: a service echoing it back must not
            // put it in a report. Gone from the answer, it is in none.
            let redactor = {
                let mut cached = self.oauth_scrub.lock().unwrap_or_else(|e| e.into_inner());
                match cached.as_ref() {
                    Some((token, r)) if token == t => r.clone(),
                    _ => {
                        let r = Arc::new(crate::redact::Redactor::new([t.clone()]));
                        *cached = Some((t.clone(), r.clone()));
                        r
                    }
                }
            };
            redactor.scrub(&mut actual);
        }
        Ok((actual, token))
    }

    /// The request through reqwest.
    fn reqwest(
        &self,
        p: &Prepared,
        token: Option<&str>,
    ) -> Result<reqwest::RequestBuilder, SendError> {
        let method = reqwest::Method::from_bytes(p.method.as_bytes()).map_err(|_| {
            SendError::Other(format!(
                "{}: cannot send: invalid method {:?}",
                p.request_line(),
                p.method
            ))
        })?;
        let mut rb = self.client.request(method, p.url.clone());
        for (name, value) in &p.headers {
            rb = rb.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &p.body {
            rb = rb.body(body.clone());
        }
        if let Some(auth) = self.authorization(token) {
            rb = rb.header("Authorization", auth);
        }
        Ok(rb)
    }

    /// The `Authorization` value: the bearer token, else the target URL's
    /// user and password as Basic.
    fn authorization(&self, token: Option<&str>) -> Option<String> {
        if let Some(t) = token {
            return Some(format!("Bearer {t}"));
        }
        let (user, password) = self.target.basic_auth()?;
        Some(format!("Basic {}", url::basic_credentials(user, password)))
    }

    /// The token endpoint is held to the target's bounds: per-request
    /// timeout over the whole exchange, the run's deadline, the body cap.
    fn token_limits(&self) -> auth::Limits {
        auth::Limits {
            timeout: self.config.timeout,
            max_body: self.config.max_body,
            deadline: self.config.deadline,
        }
    }

    fn timed_out(&self) -> SendError {
        SendError::Other(format!(
            "no complete answer within {:.1?} (timeout)",
            self.config.timeout
        ))
    }

    /// Why an exchange failed before any answer came.
    fn failed(
        &self,
        p: &Prepared,
        e: &(dyn std::error::Error + 'static),
        connect: bool,
    ) -> SendError {
        if connect {
            SendError::Connect(format!("cannot connect to {}: {}", p.url, error_chain(e)))
        } else if closed_before_answer(e) {
            SendError::Closed(format!("{}: {}", p.request_line(), error_chain(e)))
        } else {
            SendError::Other(format!("{}: {}", p.request_line(), error_chain(e)))
        }
    }

    /// The status, the headers (secret ones masked) and the whole body, up
    /// to the cap and the deadline. A failure after the head says what came.
    async fn read_answer<B>(
        &self,
        p: &Prepared,
        response: http::Response<B>,
        deadline: tokio::time::Instant,
    ) -> Result<Actual, SendError>
    where
        B: hyper::body::Body<Data = bytes::Bytes>,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        use http_body_util::BodyExt as _;
        let (head, body) = response.into_parts();
        let status = head.status.as_u16();
        let headers = head
            .headers
            .iter()
            .map(|(n, v)| {
                let value = if SECRET_HEADERS.contains(&n.as_str()) {
                    "***".to_owned()
                } else {
                    String::from_utf8_lossy(v.as_bytes()).into_owned()
                };
                (n.as_str().to_owned(), value)
            })
            .collect();
        let max = self.config.max_body;
        // The body's own exact length, not the Content-Length header: the
        // answer to a HEAD, or a 304, declares the length of a body it does
        // not send.
        let declared = hyper::body::Body::size_hint(&body).exact();
        if let Some(n) = declared.filter(|&n| n > max as u64) {
            return Err(SendError::Other(format!(
                "response body of {n} bytes is larger than the cap of {max} bytes"
            )));
        }
        let mut body = std::pin::pin!(body);
        let mut bytes = Vec::new();
        loop {
            let failure = match tokio::time::timeout_at(deadline, body.frame()).await {
                Ok(None) => break,
                Ok(Some(Ok(frame))) => {
                    let Ok(data) = frame.into_data() else {
                        continue; // trailers
                    };
                    if bytes.len() + data.len() > max {
                        return Err(SendError::Other(format!(
                            "response body larger than the cap of {max} bytes"
                        )));
                    }
                    if bytes.is_empty() && declared.is_some_and(|n| n == data.len() as u64) {
                        // The whole body in one piece, as is usual.
                        bytes = Vec::from(data);
                    } else {
                        bytes.extend_from_slice(&data);
                    }
                    continue;
                }
                Ok(Some(Err(e))) => self.failed(p, &e, false).into_message(),
                Err(_) => self.timed_out().into_message(),
            };
            // The head came: say so, and how much of the body.
            let got = match declared {
                Some(n) => format!("{} of {n} declared bytes", bytes.len()),
                None => format!("{} bytes", bytes.len()),
            };
            return Err(SendError::Other(format!(
                "{failure}; status {status} received, then {got} of the body"
            )));
        }
        Ok(Actual {
            status,
            headers,
            body: bytes,
            tries: 1,
        })
    }
}

/// The request for the direct client, with what reqwest adds by itself:
/// `User-Agent` and `Accept: */*` unless documented (hyper adds `Host` and
/// `Content-Length`).
fn direct_request(
    p: &Prepared,
    authorization: Option<String>,
) -> Result<http::Request<http_body_util::Full<bytes::Bytes>>, SendError> {
    use http::header::{ACCEPT, AUTHORIZATION, USER_AGENT};
    let mut rb = http::Request::builder()
        .method(p.method.as_str())
        .uri(p.url.as_str());
    let has = |name: &http::HeaderName| {
        p.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name.as_str()))
    };
    if !has(&USER_AGENT) {
        rb = rb.header(USER_AGENT, USER_AGENT_VALUE);
    }
    if !has(&ACCEPT) {
        rb = rb.header(ACCEPT, "*/*");
    }
    for (name, value) in &p.headers {
        rb = rb.header(name.as_str(), value.as_str());
    }
    if let Some(auth) = authorization {
        rb = rb.header(AUTHORIZATION, auth);
    }
    let body = match &p.body {
        Some(b) => bytes::Bytes::copy_from_slice(b.as_bytes()),
        None => bytes::Bytes::new(),
    };
    rb.body(http_body_util::Full::new(body)).map_err(|e| {
        SendError::Other(format!(
            "{}: cannot send: {}",
            p.request_line(),
            error_chain(&e)
        ))
    })
}

const USER_AGENT_VALUE: &str = concat!("graph-contract/", env!("CARGO_PKG_VERSION"));

/// The direct client: a pool as big as the number of exchanges in flight,
/// no Nagle delay, a connect timeout (as reqwest is configured), and
/// connections only to the addresses the loopback decision saw.
fn build_direct(target: &Target, config: &SendConfig) -> Direct {
    let pinned = target.pinned().map(|(_, addrs)| addrs).unwrap_or_default();
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new_with_resolver(Pinned(
        pinned.into(),
    ));
    http.set_connect_timeout(Some(config.timeout.min(Duration::from_secs(10))));
    http.set_nodelay(true);
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_max_idle_per_host(config.jobs.max(1))
        .pool_timer(hyper_util::rt::TokioTimer::new())
        .build(http)
}

/// One reqwest client: no redirects, no proxy for loopback (and a loopback
/// target named `localhost` connected to the addresses it was judged on), a
/// pool as big as the number of exchanges in flight.
fn build_client(target: &Target, config: &SendConfig) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.timeout.min(Duration::from_secs(10)))
        .pool_max_idle_per_host(config.jobs.max(1))
        .user_agent(USER_AGENT_VALUE);
    if target.is_loopback() {
        builder = builder.no_proxy();
        if let Some((host, addrs)) = target.pinned() {
            builder = builder.resolve_to_addrs(host, &addrs);
        }
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", error_chain(&e)))
}

/// Header values never kept from an answer (and never printed from a request).
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
];

/// Why one try failed: a connection that could not be made may be retried,
/// and so may (once) an idempotent request whose connection closed before
/// any answer.
enum SendError {
    Connect(String),
    Closed(String),
    Other(String),
}

impl SendError {
    fn into_message(self) -> String {
        match self {
            SendError::Connect(m) | SendError::Closed(m) | SendError::Other(m) => m,
        }
    }
}

/// Methods that may be sent twice with the effect of once.
fn is_idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE")
}

/// True when the connection was closed or reset before the answer's head
/// came (what a reused keep-alive connection the service just closed does).
fn closed_before_answer(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    while let Some(s) = source {
        if s.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            )
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// `Retry-After` in seconds (an HTTP date is read as "soon": one second).
/// A number of seconds too large for a `Duration` (`1e300`, `inf`) is read
/// as "longer than any wait": never a panic.
fn retry_after(actual: &Actual) -> Option<Duration> {
    let v = actual.header("retry-after")?.trim();
    match v.parse::<f64>() {
        Ok(secs) if secs >= 0.0 => Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)),
        _ => Some(Duration::from_secs(1)),
    }
}

/// An error and its sources on one line: `error sending request: connection refused`.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
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
    fn the_direct_request_carries_what_reqwest_would_add() {
        let p = Prepared {
            method: "POST".into(),
            url: ::url::Url::parse("http://127.0.0.1:1/v1.0/me/onenote/pages").unwrap(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some("{}".into()),
        };
        let req = direct_request(&p, Some("Bearer t0ken".into()))
            .ok()
            .unwrap();
        assert_eq!(req.method(), "POST");
        assert_eq!(req.uri(), "http://127.0.0.1:1/v1.0/me/onenote/pages");
        let h = req.headers();
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["authorization"], "Bearer t0ken");
        assert_eq!(h["accept"], "*/*");
        assert_eq!(h["user-agent"], USER_AGENT_VALUE);
        // A documented Accept or User-Agent is sent as documented, alone.
        let p = Prepared {
            headers: vec![("Accept".into(), "application/json".into())],
            ..p
        };
        let req = direct_request(&p, None).ok().unwrap();
        let accept: Vec<_> = req.headers().get_all("accept").iter().collect();
        assert_eq!(accept, ["application/json"]);
        assert!(req.headers().get("authorization").is_none());
        // A header value HTTP cannot carry is an error, not a panic.
        let p = Prepared {
            headers: vec![("X-Bad".into(), "line\nbreak".into())],
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
