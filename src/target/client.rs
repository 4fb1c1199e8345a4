//! The two HTTP clients: hyper's own pooled client for a plain-HTTP
//! loopback target (the hot path: no TLS, no proxy lookup, no redirect
//! policy to consult), reqwest (rustls) for every other target and for the
//! token endpoint. Both are built bounded alike: the per-request timeout,
//! no redirects, the pinned loopback addresses. reqwest's carries the TLS
//! settings ([`super::tls`]): the CAs added, the client certificate, HTTP/2
//! by ALPN unless `--http1.1`, and `--insecure` for the target's client
//! only.

use super::send::{SendError, error_chain};
use super::{Prepared, SendConfig, Target};
use hyper::http;
use std::sync::Arc;
use std::time::Duration;

/// hyper's pooled client over plain TCP (see [`HttpClient::Auto`]).
pub(super) type Direct = hyper_util::client::legacy::Client<
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
pub(super) struct Pinned(Arc<Vec<std::net::SocketAddr>>);

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

/// The request for the direct client, with what reqwest adds by itself:
/// `User-Agent` and `Accept: */*` unless documented (hyper adds `Host` and
/// `Content-Length`), then `Authorization` when there is a token. The head
/// is built once per prepared request ([`HeadCache`]) and cloned.
pub(super) fn direct_request(
    p: &Prepared,
    authorization: Option<String>,
) -> Result<http::Request<http_body_util::Full<bytes::Bytes>>, SendError> {
    use http::header::{AUTHORIZATION, HeaderValue};
    let cannot = |e: &http::Error| {
        SendError::Other(format!(
            "{}: cannot send: {}",
            p.request_line(),
            error_chain(e)
        ))
    };
    let head = match p.head.0.get() {
        Some(head) => head,
        // a head HTTP cannot carry is said on every send, not kept
        None => {
            let head = build_head(p).map_err(|e| cannot(&e))?;
            p.head.0.get_or_init(|| Arc::new(head))
        }
    };
    let mut req = http::Request::new(http_body_util::Full::new(head.body.clone()));
    *req.method_mut() = head.method.clone();
    *req.uri_mut() = head.uri.clone();
    *req.headers_mut() = head.headers.clone();
    if let Some(auth) = authorization {
        let value = HeaderValue::try_from(auth).map_err(|e| cannot(&e.into()))?;
        req.headers_mut().append(AUTHORIZATION, value);
    }
    Ok(req)
}

/// What [`direct_request`] sends but the token: parsed and checked once.
fn build_head(p: &Prepared) -> Result<Head, http::Error> {
    use http::header::{ACCEPT, USER_AGENT};
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
    let (parts, ()) = rb.body(())?.into_parts();
    Ok(Head {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body: match &p.body {
            Some(b) => bytes::Bytes::copy_from_slice(b.as_bytes()),
            None => bytes::Bytes::new(),
        },
    })
}

/// A prepared request's head and body for the direct client.
struct Head {
    method: http::Method,
    uri: http::Uri,
    headers: http::HeaderMap,
    body: bytes::Bytes,
}

/// [`Prepared::head`]: empty until the first send. Equal to any other
/// (it is derived from the request, not part of it), and printed as
/// nothing but whether it is built.
#[derive(Default)]
pub struct HeadCache(std::sync::OnceLock<Arc<Head>>);

/// A copy starts empty: a cloned request may be changed before it is sent
/// (its fields are public), and must not send the first one's head. The
/// runs share a prepared request through its `Arc`, which keeps the head.
impl Clone for HeadCache {
    fn clone(&self) -> Self {
        HeadCache::default()
    }
}

impl PartialEq for HeadCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for HeadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "built"
        } else {
            "not built"
        })
    }
}

pub(super) const USER_AGENT_VALUE: &str = concat!("graph-contract/", env!("CARGO_PKG_VERSION"));

/// The direct client: a pool as big as the number of exchanges in flight,
/// no Nagle delay, a connect timeout (as reqwest is configured), and
/// connections only to the addresses the loopback decision saw.
pub(super) fn build_direct(target: &Target, config: &SendConfig) -> Direct {
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
/// pool as big as the number of exchanges in flight, the TLS settings
/// (with `verify`, certificates are verified even under `--insecure`: the
/// token endpoint's client).
pub(super) fn build_client(
    target: &Target,
    config: &SendConfig,
    verify: bool,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.timeout.min(Duration::from_secs(10)))
        .pool_max_idle_per_host(config.jobs.max(1))
        .user_agent(USER_AGENT_VALUE);
    builder = config.tls.apply(builder, verify)?;
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
