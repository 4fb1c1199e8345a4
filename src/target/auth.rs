//! Credentials for the target: a static bearer token, or OAuth 2.0 client
//! credentials (a token fetched once, reused, and fetched again once when it
//! expires or the service answers 401). The token is added when a request is
//! sent, never stored in what is reported.

use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// OAuth 2.0 client-credentials settings.
#[derive(Debug, Clone)]
pub struct OAuth {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: Option<String>,
}

/// Where bearer tokens come from.
#[derive(Debug, Clone, Default)]
pub enum Credentials {
    #[default]
    None,
    Token(String),
    ClientCredentials(OAuth),
}

impl Credentials {
    /// Every secret these credentials hold.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Credentials::None => Vec::new(),
            Credentials::Token(t) => vec![t.clone()],
            Credentials::ClientCredentials(o) => vec![o.client_secret.clone()],
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

/// A token and when to stop using it.
#[derive(Debug, Clone)]
struct Cached {
    token: String,
    expires: Option<Instant>,
}

/// Hands out tokens, fetching and caching OAuth ones.
#[derive(Debug, Default)]
pub struct TokenSource {
    credentials: Credentials,
    cached: Mutex<Option<Cached>>,
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

    /// The current token; with OAuth, fetched when there is none or it expired.
    pub async fn token(&self, client: &reqwest::Client) -> Result<Option<String>, String> {
        match &self.credentials {
            Credentials::None => Ok(None),
            Credentials::Token(t) => Ok(Some(t.clone())),
            Credentials::ClientCredentials(o) => {
                let mut cached = self.cached.lock().await;
                if let Some(c) = cached.as_ref()
                    && c.expires.is_none_or(|e| Instant::now() < e)
                {
                    return Ok(Some(c.token.clone()));
                }
                let fresh = fetch(client, o).await?;
                let token = fresh.token.clone();
                *cached = Some(fresh);
                Ok(Some(token))
            }
        }
    }

    /// Forget a token the service refused, so the next call fetches anew.
    /// Returns true when there is something to fetch again (OAuth).
    pub async fn invalidate(&self, refused: &str) -> bool {
        if !self.is_oauth() {
            return false;
        }
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| c.token == refused) {
            *cached = None;
        }
        true
    }
}

async fn fetch(client: &reqwest::Client, o: &OAuth) -> Result<Cached, String> {
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
    let resp = client
        .post(&o.token_url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("token endpoint {}: {}", o.token_url, super::error_chain(&e)))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("token endpoint {}: {}", o.token_url, super::error_chain(&e)))?;
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
    Ok(Cached { token, expires })
}
