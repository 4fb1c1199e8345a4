//! Hand-written TCP servers on 127.0.0.1 (ephemeral port) that misbehave on
//! purpose: no HTTP library on the server side, so a handler can send
//! anything (garbage, half a body, nothing at all) and hang up whenever it
//! likes. Plain threads, bounded everywhere: the accept loop polls and stops
//! when the server is dropped or after its lifetime; every read has a
//! timeout; a stall ends when the server is dropped or after its bound.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest a server lives, whatever the test does.
const LIFETIME: Duration = Duration::from_secs(60);
/// The longest a connection waits for a request head.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head read.
const MAX_HEAD: usize = 64 * 1024;

/// A request head as received.
#[derive(Debug, Clone)]
pub struct RawReq {
    pub method: String,
    /// The request target as sent (`/v1.0/ok?x=1`).
    pub path: String,
    /// The whole head, request line and headers, as text.
    pub head: String,
    /// 0 for the first request on its connection, 1 for the next, ...
    pub on_connection: usize,
}

/// What to do with the connection after the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Read another request on the same connection.
    KeepAlive,
    /// Hang up.
    Close,
}

/// The server side of one connection, handed to the handler.
pub struct Conn {
    stream: TcpStream,
    stop: Arc<AtomicBool>,
}

impl Conn {
    /// Write bytes; false when the peer is gone (never panics).
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream
            .write_all(bytes)
            .and_then(|_| self.stream.flush())
            .is_ok()
    }

    /// Do nothing for up to `max`, or until the server is dropped.
    pub fn stall(&self, max: Duration) {
        let end = Instant::now() + max;
        while Instant::now() < end && !self.stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// True once the server is dropped.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

type Handler = dyn Fn(&RawReq, &mut Conn) -> Next + Send + Sync;

/// A running raw server; stops accepting when dropped.
pub struct RawServer {
    pub url: String,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    ended: Arc<AtomicUsize>,
    requests: Arc<Mutex<HashMap<String, usize>>>,
    accept: Option<JoinHandle<()>>,
}

impl RawServer {
    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Connections over so far: the client hung up (or the handler did).
    pub fn ended(&self) -> usize {
        self.ended.load(Ordering::SeqCst)
    }

    /// Requests received so far whose path ends with `suffix`.
    pub fn requests(&self, suffix: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.ends_with(suffix))
            .map(|(_, n)| n)
            .sum()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// Start a raw server: `handler` sees each request head and writes whatever
/// it wants on the connection.
pub fn raw_serve(
    handler: impl Fn(&RawReq, &mut Conn) -> Next + Send + Sync + 'static,
) -> RawServer {
    let handler: Arc<Handler> = Arc::new(handler);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let connections = Arc::new(AtomicUsize::new(0));
    let ended = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(HashMap::new()));
    let accept = {
        let (stop, connections, requests) = (stop.clone(), connections.clone(), requests.clone());
        let ended = ended.clone();
        std::thread::spawn(move || {
            let born = Instant::now();
            while !stop.load(Ordering::SeqCst) && born.elapsed() < LIFETIME {
                match listener.accept() {
                    Ok((stream, _)) => {
                        connections.fetch_add(1, Ordering::SeqCst);
                        let (handler, stop, requests) =
                            (handler.clone(), stop.clone(), requests.clone());
                        let ended = ended.clone();
                        std::thread::spawn(move || {
                            serve_connection(stream, handler, stop, requests);
                            ended.fetch_add(1, Ordering::SeqCst);
                        });
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        })
    };
    RawServer {
        url,
        stop,
        connections,
        ended,
        requests,
        accept: Some(accept),
    }
}

fn serve_connection(
    stream: TcpStream,
    handler: Arc<Handler>,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<HashMap<String, usize>>>,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
    let mut conn = Conn { stream, stop };
    let mut pending = Vec::new();
    for on_connection in 0.. {
        let Some(head) = read_head(&mut conn.stream, &mut pending) else {
            return;
        };
        let mut words = head.split_whitespace();
        let method = words.next().unwrap_or_default().to_owned();
        let path = words.next().unwrap_or_default().to_owned();
        *requests.lock().unwrap().entry(path.clone()).or_insert(0) += 1;
        let req = RawReq {
            method,
            path,
            head,
            on_connection,
        };
        if handler(&req, &mut conn) == Next::Close || conn.stopped() {
            return;
        }
    }
}

/// Read up to the blank line ending a request head (GET requests: no body).
fn read_head(stream: &mut TcpStream, pending: &mut Vec<u8>) -> Option<String> {
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head: Vec<u8> = pending.drain(..end + 4).collect();
            return Some(String::from_utf8_lossy(&head).into_owned());
        }
        if pending.len() > MAX_HEAD {
            return None;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
    }
}

/// A complete response: status line, headers (Content-Length added), body.
pub fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// The healthy answer: 200 with a small JSON body matching the documented
/// `{"id": "String"}`.
pub fn healthy() -> Vec<u8> {
    response(
        "200 OK",
        &[("Content-Type", "application/json")],
        br#"{"id":"AAMkAGI2TG93AAA="}"#,
    )
}
