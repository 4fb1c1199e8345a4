//! The two HTTP clients: hyper's own HTTP/1.1 connections for a plain-HTTP
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

/// The direct client: hyper's HTTP/1.1 connections over plain TCP, kept
/// by the fork that opened them (see [`HttpClient::Auto`]).
///
/// Decisions, and why:
/// - **No pool keyed by host.** A fork talks to one target, and each of
///   its exchanges holds a connection from send to the body's last byte,
///   so a list of idle connections is the whole pool. hyper-util's pooled
///   client hashed and compared the target's authority, checked out and
///   put back through shared maps, and wrote `Host` with `format!` on
///   every exchange: about 9k of the 62k instructions an exchange took.
/// - **What that client did, done once per request** ([`build_head`]):
///   `Host` from the URL unless documented, the URI in origin form.
/// - **A request never sent is sent again on a new connection.** An idle
///   connection the service closed is found out when it is taken (or when
///   hyper hands the request back unsent), as the pooled client's
///   `retry_canceled_requests` did; one closed after the request went out
///   is the caller's to retry ([`super::send`], idempotent methods only).
/// - **A connection goes back only after its whole answer was read**
///   ([`Lease::reuse`]); one whose body was cut short is dropped, not
///   reused half-read. One still busy then (the service answered before it
///   read all of a request's body) goes back once hyper says it is ready,
///   from a task of its own, as the pooled client did; or is dropped if it
///   is not ready within the request timeout. An exchange never waits on
///   another's connection.
pub(super) struct Direct {
    /// The addresses the loopback decision was made on
    /// ([`Target::pinned`]): a literal address as it is, `localhost` as it
    /// resolved when the run began; never looked up again.
    addrs: Arc<Vec<std::net::SocketAddr>>,
    connect_timeout: Duration,
    /// How long a busy connection may take to become ready again.
    ready_timeout: Duration,
    idle: Arc<Idle>,
}

/// The idle connections, most recently used last.
struct Idle {
    connections: std::sync::Mutex<Vec<Connection>>,
    /// At most this many are kept (the exchanges in flight).
    max: usize,
}

impl Idle {
    fn put(&self, connection: Connection) {
        let mut idle = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max {
            idle.push(connection);
        }
    }

    fn take(&self) -> Option<Connection> {
        self.connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
    }
}

type Connection = hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>;

/// A connection lent to one exchange (see [`Direct`]).
pub(super) struct Lease<'a> {
    direct: &'a Direct,
    connection: Connection,
}

impl Lease<'_> {
    /// The whole answer was read: the connection may carry the next one.
    pub(super) fn reuse(self) {
        let mut connection = self.connection;
        if connection.is_closed() {
            return;
        }
        if connection.is_ready() {
            self.direct.idle.put(connection);
            return;
        }
        let (idle, wait) = (self.direct.idle.clone(), self.direct.ready_timeout);
        tokio::spawn(async move {
            if let Ok(Ok(())) = tokio::time::timeout(wait, connection.ready()).await {
                idle.put(connection);
            }
        });
    }
}

/// Why the direct client got no answer's head.
#[derive(Debug)]
pub(super) struct DirectError {
    connect: bool,
    what: &'static str,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl DirectError {
    /// No connection could be made (retried as a connection failure).
    pub(super) fn is_connect(&self) -> bool {
        self.connect
    }
}

impl std::fmt::Display for DirectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.what)
    }
}

impl std::error::Error for DirectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

impl Direct {
    /// Send one request and wait for its answer's head; the body is read
    /// through the response, the lease given back when it is done.
    pub(super) async fn send(
        &self,
        mut request: http::Request<http_body_util::Full<bytes::Bytes>>,
    ) -> Result<(http::Response<hyper::body::Incoming>, Lease<'_>), DirectError> {
        loop {
            let taken = self.idle.take();
            let reused = taken.is_some();
            let mut connection = match taken {
                Some(c) => c,
                None => self.connect().await?,
            };
            if let Err(e) = connection.ready().await {
                if reused {
                    continue; // closed while idle: the next one
                }
                return Err(DirectError {
                    connect: false,
                    what: "connection closed before the request was sent",
                    source: Box::new(e),
                });
            }
            match connection.try_send_request(request).await {
                Ok(response) => {
                    return Ok((
                        response,
                        Lease {
                            direct: self,
                            connection,
                        },
                    ));
                }
                Err(mut e) => match e.take_message() {
                    // not sent: on another connection
                    Some(unsent) if reused => request = unsent,
                    _ => {
                        return Err(DirectError {
                            connect: false,
                            what: "error sending request",
                            source: Box::new(e.into_error()),
                        });
                    }
                },
            }
        }
    }

    /// A new connection: each pinned address in turn, the connect timeout
    /// shared among them, no Nagle delay; the first address's error is the
    /// one told (the others are fallbacks: `localhost`'s second family).
    async fn connect(&self) -> Result<Connection, DirectError> {
        let failed = |source: Box<dyn std::error::Error + Send + Sync>| DirectError {
            connect: true,
            what: "tcp connect error",
            source,
        };
        let Some(first) = self.addrs.first() else {
            return Err(failed(
                "not resolved (the direct client connects loopback addresses only)".into(),
            ));
        };
        let each = self.connect_timeout / u32::try_from(self.addrs.len()).unwrap_or(u32::MAX);
        let mut first_error = None;
        for addr in self.addrs.iter() {
            let stream =
                match tokio::time::timeout(each, tokio::net::TcpStream::connect(addr)).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) => {
                        first_error.get_or_insert(e);
                        continue;
                    }
                    Err(_) => {
                        first_error.get_or_insert(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            format!("no connection to {addr} within {each:.1?}"),
                        ));
                        continue;
                    }
                };
            let _ = stream.set_nodelay(true);
            let io = hyper_util::rt::TokioIo::new(stream);
            let (sender, connection) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| failed(Box::new(e)))?;
            // Its errors reach the exchange through the response.
            tokio::spawn(async move {
                let _ = connection.await;
            });
            return Ok(sender);
        }
        let e =
            first_error.unwrap_or_else(|| std::io::Error::other(format!("{first}: no address")));
        Err(failed(Box::new(e)))
    }
}

/// The request for the direct client, with what reqwest adds by itself:
/// `User-Agent` and `Accept: */*` unless documented, `Host` from the URL
/// unless documented ([`build_head`]; hyper adds `Content-Length`), then `Authorization` when there is a token. The head
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
    use http::header::{ACCEPT, HOST, USER_AGENT};
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
    let mut headers = parts.headers;
    // What hyper-util's client wrote on each send: `Host` from the URL (its
    // port unless the default one) unless documented, and the URI in
    // origin form.
    if let (false, Some(host)) = (headers.contains_key(HOST), p.url.host_str()) {
        let value = match p.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        headers.insert(HOST, http::HeaderValue::try_from(value)?);
    }
    let uri = match parts.uri.path_and_query() {
        Some(pq) if pq.as_str() != "/" => http::Uri::from(pq.clone()),
        _ => http::Uri::default(),
    };
    Ok(Head {
        method: parts.method,
        uri,
        headers,
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

/// The direct client: as many idle connections kept as exchanges in
/// flight, a connect timeout (as reqwest is configured), and connections
/// only to the addresses the loopback decision saw.
pub(super) fn build_direct(target: &Target, config: &SendConfig) -> Direct {
    let base = target.base();
    let port = base.port_or_known_default().unwrap_or(80);
    // A literal address is connected as it is; `localhost` to where it
    // resolved when the run began (its port 0 is the URL's).
    let addrs = match (base.host(), target.pinned()) {
        (_, Some((_, pinned))) => pinned
            .into_iter()
            .map(|a| std::net::SocketAddr::new(a.ip(), port))
            .collect(),
        (Some(url::Host::Ipv4(ip)), None) => vec![(ip, port).into()],
        (Some(url::Host::Ipv6(ip)), None) => vec![(ip, port).into()],
        _ => Vec::new(),
    };
    Direct {
        addrs: Arc::new(addrs),
        connect_timeout: config.timeout.min(Duration::from_secs(10)),
        ready_timeout: config.timeout,
        idle: Arc::new(Idle {
            connections: std::sync::Mutex::new(Vec::new()),
            max: config.jobs.max(1),
        }),
    }
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
