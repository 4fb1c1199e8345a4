//! Credentials for the target: a static bearer token, or OAuth 2.0 client
//! credentials (a token fetched once, reused, and fetched again when it
//! expires or the service answers 401). The token is added when a request is
//! sent, never stored in what is reported.
//!
//! Decisions, with their reasons:
//! - The token endpoint is held to the target's bounds: the per-request
//!   timeout over connect and the whole answer, the run's deadline, the body
//!   cap. It is a service like any other: one that never answers, or answers
//!   without end, must not hang the run or fill memory.
//! - One fetch at a time (single-flight): the cache's lock is held during
//!   the fetch, so cases that need a token while one is being fetched wait
//!   for it and take its outcome, success or failure, instead of each
//!   fetching their own.
//! - A failed fetch is tried again by the next case that needs a token (one
//!   failure may be a blip), but after [`GIVE_UP_AFTER`] failures in a row
//!   the endpoint is taken as down for the run: every later case fails at
//!   once with the last failure, and a run of N cases makes at most that
//!   many fetches, not N.
//! - A 401 renews the refused token once per case (in `Replayer::send`),
//!   and concurrent 401s for the same token share one fetch (the refused
//!   token is compared with the cached one under the lock: another one
//!   there means it was renewed already). A token fetched in place of a
//!   refused one that is refused too is not renewed again: the service
//!   refuses what the endpoint hands out, and another fetch would only be
//!   refused as well. So a service answering 401 to everything costs two
//!   fetches per token lifetime, whatever the number of cases. Expiry still
//!   renews (a token fetched on expiry may be renewed on a 401 again).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// OAuth 2.0 client-credentials settings.
#[derive(Clone)]
pub struct OAuth {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: Option<String>,
}

/// Where bearer tokens come from. Their `Debug` form shows no secret (the
/// token and the client secret by length only; the endpoint, which may
/// hold credentials, not at all).
#[derive(Clone, Default)]
pub enum Credentials {
    #[default]
    None,
    Token(String),
    ClientCredentials(OAuth),
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field(
                "token_url",
                &format_args!("*** ({} bytes)", self.token_url.len()),
            )
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &format_args!("*** ({} bytes)", self.client_secret.len()),
            )
            .field("scope", &self.scope)
            .finish()
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Token(t) => write!(f, "Token(*** ({} bytes))", t.len()),
            Credentials::ClientCredentials(o) => {
                f.debug_tuple("ClientCredentials").field(o).finish()
            }
        }
    }
}

impl Credentials {
    /// Every secret these credentials hold.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Credentials::None => Vec::new(),
            Credentials::Token(t) => vec![t.clone()],
            // A token URL may carry credentials of its own (`https://user:pw@`);
            // its error messages quote the URL.
            Credentials::ClientCredentials(o) => {
                let mut v = vec![o.client_secret.clone()];
                v.extend(super::url::url_secrets(&o.token_url));
                v
            }
        }
    }
}

/// Credentials from the environment: OAuth client credentials when a token
/// URL is given (client id and secret from `GRAPH_CONTRACT_CLIENT_ID` and
/// `GRAPH_CONTRACT_CLIENT_SECRET`), else the bearer token in `token_var`.
pub fn from_env(
    env: &dyn Fn(&str) -> Option<String>,
    token_var: &str,
    oauth_token_url: Option<String>,
    oauth_scope: Option<String>,
) -> Result<Credentials, String> {
    if let Some(token_url) = oauth_token_url {
        let need = |var: &str| {
            env(var)
                .ok_or_else(|| format!("OAuth client credentials need {var} in the environment"))
        };
        return Ok(Credentials::ClientCredentials(OAuth {
            token_url,
            client_id: need("GRAPH_CONTRACT_CLIENT_ID")?,
            client_secret: need("GRAPH_CONTRACT_CLIENT_SECRET")?,
            scope: oauth_scope,
        }));
    }
    Ok(env(token_var).map(Credentials::Token).unwrap_or_default())
}

/// Failed fetches in a row after which the token endpoint is not asked
/// again during the run.
pub const GIVE_UP_AFTER: u32 = 2;

/// The bounds of one token fetch (the target's: see [`super::SendConfig`]).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connect and the whole answer.
    pub timeout: Duration,
    /// Largest body read.
    pub max_body: usize,
    /// The run's deadline.
    pub deadline: Option<Instant>,
}

impl Default for Limits {
    fn default() -> Self {
        let d = super::SendConfig::default();
        Limits {
            timeout: d.timeout,
            max_body: d.max_body,
            deadline: d.deadline,
        }
    }
}

/// A token and when to stop using it.
#[derive(Debug, Clone)]
struct Cached {
    token: String,
    expires: Option<Instant>,
    /// Fetched in place of a token the service refused.
    replaces_refused: bool,
}

/// What the token source knows, behind its lock.
#[derive(Debug, Default)]
struct State {
    cached: Option<Cached>,
    /// The last fetch's failure, while no fetch has succeeded since.
    failure: Option<String>,
    /// Fetches that failed in a row.
    failures: u32,
    /// The next fetch replaces a refused token.
    replacing: bool,
}

/// Hands out tokens, fetching and caching OAuth ones.
#[derive(Debug, Default)]
pub struct TokenSource {
    credentials: Credentials,
    state: Mutex<State>,
    /// Fetches finished (read before taking the lock: one that finished
    /// while a caller waited for the lock is that caller's outcome too).
    fetches: AtomicU64,
}

impl TokenSource {
    pub fn new(credentials: Credentials) -> TokenSource {
        TokenSource {
            credentials,
            ..TokenSource::default()
        }
    }

    pub fn is_oauth(&self) -> bool {
        matches!(self.credentials, Credentials::ClientCredentials(_))
    }

    /// How many times the token endpoint answered or failed so far.
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }

    /// The current token; with OAuth, fetched when there is none or it
    /// expired (one fetch at a time, within `limits`).
    pub async fn token(
        &self,
        client: &reqwest::Client,
        limits: Limits,
    ) -> Result<Option<String>, String> {
        let o = match &self.credentials {
            Credentials::None => return Ok(None),
            Credentials::Token(t) => return Ok(Some(t.clone())),
            Credentials::ClientCredentials(o) => o,
        };
        let seen = self.fetches.load(Ordering::SeqCst);
        let mut state = self.state.lock().await;
        if let Some(c) = state.cached.as_ref()
            && c.expires.is_none_or(|e| Instant::now() < e)
        {
            return Ok(Some(c.token.clone()));
        }
        if let Some(failure) = &state.failure {
            if state.failures >= GIVE_UP_AFTER {
                return Err(format!(
                    "{failure} (not asked again: {} fetches failed in a row)",
                    state.failures
                ));
            }
            if self.fetches.load(Ordering::SeqCst) != seen {
                // It failed while this case waited for it.
                return Err(failure.clone());
            }
        }
        // Dropped here (the run's deadline), the fetch counts for nothing:
        // the lock goes, and the next caller fetches.
        let outcome = fetch(client, o, limits).await;
        self.fetches.fetch_add(1, Ordering::SeqCst);
        match outcome {
            Ok(mut fresh) => {
                fresh.replaces_refused = std::mem::take(&mut state.replacing);
                let token = fresh.token.clone();
                state.cached = Some(fresh);
                state.failure = None;
                state.failures = 0;
                Ok(Some(token))
            }
            Err(e) => {
                state.failures += 1;
                state.failure = Some(e.clone());
                Err(e)
            }
        }
    }

    /// The service refused `refused` (401): true when the request is worth
    /// sending again with the token [`TokenSource::token`] gives next. A
    /// refused cached token is forgotten, so the next call fetches anew —
    /// unless it was itself fetched in place of a refused one: then it is
    /// kept, and the 401 stands. Another token in the cache means the
    /// refused one was renewed already (by a concurrent case): no fetch.
    pub async fn invalidate(&self, refused: &str) -> bool {
        if !self.is_oauth() {
            return false;
        }
        let mut state = self.state.lock().await;
        match &state.cached {
            Some(c) if c.token == refused => {
                if c.replaces_refused {
                    return false;
                }
                state.cached = None;
                state.replacing = true;
                true
            }
            _ => true,
        }
    }
}

/// One token request, within `limits`: every failure says the token
/// endpoint and why.
async fn fetch(client: &reqwest::Client, o: &OAuth, limits: Limits) -> Result<Cached, String> {
    let now = Instant::now();
    let by_timeout = now + limits.timeout;
    let (end, why) = match limits.deadline {
        Some(d) if d < by_timeout => (
            d,
            "the run's deadline passed during the token request".to_owned(),
        ),
        _ => (
            by_timeout,
            format!("no complete answer within {:.1?} (timeout)", limits.timeout),
        ),
    };
    match tokio::time::timeout_at(end.into(), exchange(client, o, limits.max_body)).await {
        Ok(answer) => answer,
        Err(_) => Err(format!("token endpoint {}: {why}", o.token_url)),
    }
}

/// The token request and its answer, the body read up to `max_body`.
async fn exchange(client: &reqwest::Client, o: &OAuth, max_body: usize) -> Result<Cached, String> {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", o.client_id.as_str()),
        ("client_secret", o.client_secret.as_str()),
    ];
    if let Some(scope) = &o.scope {
        form.push(("scope", scope.as_str()));
    }
    let body: String = form
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let mut resp = client
        .post(&o.token_url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("token endpoint {}: {}", o.token_url, super::error_chain(&e)))?;
    let status = resp.status().as_u16();
    let too_large = |n: String| {
        format!(
            "token endpoint {}: response body {n}larger than the cap of {max_body} bytes",
            o.token_url
        )
    };
    if let Some(n) = resp.content_length().filter(|&n| n > max_body as u64) {
        return Err(too_large(format!("of {n} bytes is ")));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("token endpoint {}: {}", o.token_url, super::error_chain(&e)))?
    {
        if bytes.len() + chunk.len() > max_body {
            return Err(too_large(String::new()));
        }
        bytes.extend_from_slice(&chunk);
    }
    if status != 200 {
        // The OAuth error code (`invalid_client`, `invalid_scope`) says what
        // to fix; the description may quote the request, so it is left out.
        let code = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_graphic()))
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        return Err(format!(
            "token endpoint {} answered {status}{code}",
            o.token_url
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| format!("token endpoint {} did not answer JSON", o.token_url))?;
    let token = v["access_token"]
        .as_str()
        .ok_or_else(|| format!("token endpoint {} sent no access_token", o.token_url))?
        .to_owned();
    // Renew a little before the announced expiry: 30 s early, or half
    // the lifetime for a short-lived token (renewing a 20 s token 30 s early
    // would fetch one per request); never sooner than 1 s.
    let expires = v["expires_in"]
        .as_u64()
        .or_else(|| v["expires_in"].as_str().and_then(|s| s.parse().ok()))
        .map(|s| Instant::now() + Duration::from_secs((s - (s / 2).min(30)).max(1)));
    Ok(Cached {
        token,
        expires,
        replaces_refused: false,
    })
}
