//! The fault tests of `faults.rs` (in `faults/all.rs`) through reqwest, the
//! client that serves TLS and proxied targets: each fault must end in the
//! same clear per-case failure whichever client met it.

mod support;

/// The client the fault tests go through.
const CLIENT: graph_contract::target::HttpClient = graph_contract::target::HttpClient::Reqwest;

include!("faults/all.rs");
