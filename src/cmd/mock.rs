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
    /// The service's CSDL `$metadata`: placeholder values in documented
    /// bodies (`"datetime-value"`, `"status-value"`) are served as valid
    /// values of their declared types, so typed SDKs can read them.
    #[arg(long, value_name = "FILE")]
    metadata: Option<std::path::PathBuf>,
    /// Answer this share of requests `429 Too Many Requests` with
    /// `Retry-After` (`0.1` or `10%`); a client that retries before its
    /// `Retry-After` elapsed is throttled again, and the mock says so.
    #[arg(long, value_name = "RATE", value_parser = rate)]
    throttle: Option<f64>,
    /// The `Retry-After` of a throttled answer, in seconds (1 to 3600).
    #[arg(long, default_value = "5", value_name = "SECONDS", value_parser = retry_after)]
    retry_after: u64,
}

fn rate(s: &str) -> Result<f64, String> {
    mock::throttle::parse_rate(s)
}

fn retry_after(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (1..=3600).contains(&n) => Ok(n),
        _ => Err(format!(
            "{:?} is not a number of seconds from 1 to 3600",
            s.chars().take(40).collect::<String>()
        )),
    }
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
    let metadata = match &a.metadata {
        Some(path) => Some(
            graph_contract::csdl::Metadata::load(path)
                .map_err(|e| ConfigError::config(format!("--metadata: {e}")))?,
        ),
        None => None,
    };
    let mut routes = Routes::with_metadata(&corpus.cases, metadata.as_ref());
    if let Some(rate) = a.throttle {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        routes = routes.with_throttle(mock::throttle::Throttle::new(
            rate,
            Duration::from_secs(a.retry_after),
            seed,
        ));
    }
    let routes = Arc::new(routes);
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
