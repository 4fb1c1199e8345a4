//! graph-contract: replay the examples of Microsoft Graph style API reference
//! pages against a service and judge its answers.
//!
//! The pipeline, one way through:
//!
//! ```text
//! config::build ──▶ Config (every knob, flag or variable, files loaded once)
//! pages ──docs::read──▶ cases ──run::select / run::plan──▶ planned cases
//!   ──target (send)──▶ exchanges ──judge──▶ results, verdicts (run)
//!   ──events──▶ listeners: render::Terminal, report::Files, libtest, ...
//!                                   └──output::Redacting──▶ stdout / stderr / files
//!   (no target: mock::serve answers with the documented responses)
//! ```
//!
//! `docs` and `judge` are pure; `target` is the only part that talks to the
//! service under test; `run` is the only engine: it selects, plans, orders,
//! sends, judges and decides verdicts, and tells listeners. Listeners show;
//! they never decide. The CLI (`src/main.rs`, one file per command under
//! `src/cmd/`) and the libtest harness ([`harness`]) are two thin faces over
//! `config` and `run`.
//!
//! # The library
//!
//! A service's crate takes graph-contract as a dev-dependency (with
//! `default-features = false`: the `cli` feature is the binary's) and uses:
//! - [`harness`]: the `cargo test` face, a `harness = false` test whose
//!   `main` is `graph_contract::harness::main()`;
//! - [`model`] (also at the crate root): cases, responses, findings;
//! - [`read_page`] and [`judge()`]: the two pure steps, a page's text into
//!   cases and a documented response against an actual one into findings.
//!
//! Decisions, and why:
//! - **A small surface.** Only what a user calls is documented API; the
//!   other modules are `#[doc(hidden)]` and may change in any release.
//!   They stay `pub` because this crate's own tests, benches and fuzz
//!   targets reach into them (`graph_contract::run::...`), and a second
//!   crate for them would cost more than it saves.
//! - **No CLI in the library.** clap, indicatif, mimalloc and notify (and
//!   libc, directly) are used only by `src/main.rs` and its `src/cmd/`,
//!   behind the default `cli` feature; nothing else under `src/` may use
//!   them. (A consumer's tree still holds clap,
//!   through libtest-mimic, which depends on it unconditionally:
//!   graph-contract itself adds neither it nor the other two.)

/// A configuration error ([`error::Error`] of kind `Config`), its message
/// formatted as `format!` would.
macro_rules! config_err {
    ($($t:tt)*) => {
        $crate::error::Error::config(format!($($t)*))
    };
}

pub mod harness;
pub mod model;

pub use docs::read_page;
pub use judge::judge;
pub use model::*;

// Not API: reachable for this crate's tests, benches and fuzz targets only.
#[doc(hidden)]
pub mod baseline;
#[doc(hidden)]
pub mod config;
#[doc(hidden)]
pub mod csdl;
#[doc(hidden)]
pub mod docs;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod judge;
#[doc(hidden)]
pub mod mock;
#[doc(hidden)]
pub mod output;
#[doc(hidden)]
pub mod placeholder;
#[doc(hidden)]
pub mod redact;
#[doc(hidden)]
pub mod render;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod run;
#[doc(hidden)]
pub mod scenario;
#[doc(hidden)]
pub mod target;
#[doc(hidden)]
pub mod watch;
