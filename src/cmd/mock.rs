//! `graph-contract mock`: serve the documented responses over HTTP.

use super::ConfigError;
use clap::Args;
use graph_contract::config::{self, Env, Given, Scope, knob};
use graph_contract::mock::{self, Routes};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The knobs `mock` takes.
pub const SCOPES: &[Scope] = &[Scope::Pages];

#[derive(Args)]
pub struct MockArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value = "8080", value_parser = port)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Delay every answer by this many milliseconds (latency benchmarks; 0
    /// to 86400000).
    #[arg(long, default_value = "0", value_name = "MS", value_parser = delay_ms)]
    delay_ms: u64,
}

fn port(s: &str) -> Result<u16, String> {
    // Within 0..=65535: fits.
    knob::PORT.parse(s).map(|n| n as u16)
}

fn delay_ms(s: &str) -> Result<u64, String> {
    knob::DELAY_MS.parse(s)
}

pub fn run(a: MockArgs, given: &Given) -> Result<ExitCode, ConfigError> {
    let config = config::build(given, &Env::process(), SCOPES)?;
    let corpus = graph_contract::run::read_pages(&config.pages)?;
    if corpus.cases.is_empty() {
        return Err(ConfigError::config("no documented example to serve"));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ConfigError::internal(format!("cannot start the async runtime: {e}")))?;
    let routes = Arc::new(Routes::new(&corpus.cases));
    let served = corpus.cases.iter().filter(|c| c.response.is_some()).count();
    runtime.block_on(async move {
        let delay = Duration::from_millis(a.delay_ms);
        let server = mock::start_with(routes, (a.bind, a.port).into(), delay)
            .await
            .map_err(|e| {
                ConfigError::config(format!("cannot listen on {}:{}: {e}", a.bind, a.port))
            })?;
        eprintln!(
            "graph-contract mock: serving {served} documented responses from {} pages on {}",
            corpus.pages,
            server.url()
        );
        let _ = tokio::signal::ctrl_c().await;
        server.abort();
        Ok(ExitCode::SUCCESS)
    })
}
