//! graph-contract: replay the examples of Microsoft Graph style API reference
//! pages against a service and judge its answers.
//!
//! The pipeline, one way through:
//!
//! ```text
//! pages ──docs::read──▶ cases ──target::replay──▶ exchanges ──judge──▶ verdicts ──report──▶ terminal / JUnit / JSON
//!                         └──mock::serve──▶ a server answering with the documented responses
//! ```
//!
//! `docs` and `judge` are pure; `target` is the only part that talks to the
//! service under test; `report` renders verdicts and never decides them. The
//! CLI (`src/main.rs`) and the libtest harness (`harness`) are two thin faces
//! over the same `run` module.

pub mod csdl;
pub mod docs;
pub mod error;
pub mod judge;
pub mod model;

pub use model::*;
pub mod harness;
pub mod mock;
pub mod redact;
pub mod report;
pub mod run;
pub mod scenario;
pub mod target;
