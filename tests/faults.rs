//! Hostile servers: each fault a service can commit on the wire (refusing,
//! hanging, lying about lengths, sending garbage, oversized or non-JSON
//! bodies, throttling forever) must end in a clear per-case failure, never a
//! hang or a panic, and the rest of the run must go on. Every server is a
//! hand-written TCP server on loopback (`support::tcp`), every run is timed
//! and watched: a run that does not end within its bound fails the test
//! instead of hanging it.
//!
//! The bounds are generous (a loaded two-core machine): they say "nothing
//! hangs", not "this is fast".
//!
//! The tests are in `faults/all.rs`, shared with `faults_reqwest.rs`: here
//! they run through the default client, which for these plain-HTTP loopback
//! targets is hyper's own.

mod support;

/// The client the fault tests go through.
const CLIENT: graph_contract::target::HttpClient = graph_contract::target::HttpClient::Auto;

include!("faults/all.rs");
