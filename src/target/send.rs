//! Sending one prepared request: retries (429/503 with `Retry-After`, a
//! failed connection with back-off, once at once a kept-alive connection
//! closed before any answer), the token (fetched once per run, renewed on
//! a 401), the deadline, and reading the answer up to the body cap. A
//! failed TLS handshake is not retried: it says what failed in a few words,
//! and the run keeps the first one's explanation (see [`super::tls`]).
//! Over TLS a fork's first exchange goes alone, so that an HTTP/2 server
//! costs one handshake per fork, not one per exchange in flight.

use super::client::direct_request;
use super::{Prepared, Replayer, SECRET_HEADERS, auth, url};
use crate::model::Actual;
use hyper::http;
use std::sync::Arc;
use std::time::Duration;

impl Replayer {
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
            .token(
                self.token_client.as_ref().unwrap_or(&self.client),
                self.token_limits(),
            )
            .await
            .map_err(SendError::Other)?;
        let deadline = tokio::time::Instant::now() + self.config.timeout;
        let mut actual = match &self.direct {
            Some(direct) => {
                let request = direct_request(p, self.authorization(token.as_deref()))?;
                let sent = tokio::time::timeout_at(deadline, direct.send(request)).await;
                let (response, lease) = sent
                    .map_err(|_| self.timed_out())?
                    .map_err(|e| self.failed(p, &e, e.is_connect()))?;
                let actual = self.read_answer(p, response, deadline).await?;
                lease.reuse();
                actual
            }
            None => {
                let request = self.reqwest(p, token.as_deref())?;
                let first = self.first_alone(p).await;
                let sent = tokio::time::timeout_at(deadline, request.send()).await;
                if first.is_some() {
                    self.warmed
                        .store(true, std::sync::atomic::Ordering::Release);
                }
                drop(first);
                let sent = sent.map_err(|_| self.timed_out())?;
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

    /// Over TLS, a fork's first exchange goes alone: the others wait for
    /// its answer's head (at most [`FIRST_ALONE`]). hyper's pool learns that
    /// a connection is HTTP/2 only once ALPN said so, and until then every
    /// exchange waiting for a connection opens one: 32 handshakes for the
    /// one connection they then share. The guard, for the first exchange.
    async fn first_alone(&self, p: &Prepared) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        use std::sync::atomic::Ordering;
        if p.url.scheme() != "https" || self.warmed.load(Ordering::Acquire) {
            return None;
        }
        let guard = tokio::time::timeout(FIRST_ALONE, self.first.lock())
            .await
            .ok()?;
        // Let through once the first one is done.
        (!self.warmed.load(Ordering::Acquire)).then_some(guard)
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
        if p.url.scheme() == "https" {
            let host = match (p.url.host_str(), p.url.port_or_known_default()) {
                (Some(h), Some(port)) => format!("{h}:{port}"),
                (Some(h), None) => h.to_owned(),
                _ => p.url.to_string(),
            };
            if let Some(f) = super::tls::failure(e, &host, &self.config.tls) {
                self.observed.saw_tls_failure(|| f.explained.clone());
                // Not retried; the request line first, so that the cause
                // is the same words for every case.
                return SendError::Other(format!("{}: {}", p.request_line(), f.short));
            }
        }
        if connect {
            // reqwest's outermost words say what "cannot connect" says
            // already; the direct client has no such link (both word it alike)
            let chain = error_chain(e);
            let cause = chain
                .strip_prefix("error sending request: ")
                .unwrap_or(&chain);
            SendError::Connect(format!("cannot connect to {}: {cause}", p.url))
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
        let version = head.version;
        self.observed.versions().count(version);
        let status = head.status.as_u16();
        let headers = head
            .headers
            .iter()
            .map(|(n, v)| {
                let value = if SECRET_HEADERS.contains(&n.as_str()) {
                    "***".to_owned()
                } else {
                    // Nearly every value is ASCII: checked, not rebuilt.
                    match std::str::from_utf8(v.as_bytes()) {
                        Ok(text) => text.to_owned(),
                        Err(_) => String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    }
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
            version: Some(super::tls::version_name(version)),
        })
    }
}

/// The longest the other exchanges of a fork wait for its first one over
/// TLS (see `Replayer::first_alone`); past it they go on, each with a
/// connection of its own as before.
const FIRST_ALONE: Duration = Duration::from_secs(1);

/// Why one try failed: a connection that could not be made may be retried,
/// and so may (once) an idempotent request whose connection closed before
/// any answer.
pub(super) enum SendError {
    Connect(String),
    Closed(String),
    Other(String),
}

impl SendError {
    pub(super) fn into_message(self) -> String {
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
/// A link that only names the layer it passed through (hyper-util's
/// `client error (SendRequest)`, reqwest's `request or response body
/// error`) is left out when a cause follows it, so both clients word the
/// same failure the same way (the direct client has no such layers), and
/// the run's "failures by cause" tally does not split on the client.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = String::new();
    let mut link = Some(e);
    while let Some(l) = link {
        let text = l.to_string();
        let layer = l.source().is_some() && is_layer_name(&text);
        if !layer && !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        link = l.source();
    }
    out
}

/// A link of an error chain that names a layer, not a cause.
fn is_layer_name(text: &str) -> bool {
    let hyper_util = text
        .strip_prefix("client error (")
        .is_some_and(|kind| kind.ends_with(')') && !kind.contains(' '));
    hyper_util || text == "request or response body error"
}
