//! `graph-contract list`: the cases read from the pages, selected as
//! `check` selects them: ids, one JSON object per line, or (hidden, for a
//! load generator) the URLs `check --fill-placeholders` sends.

use super::ConfigError;
use clap::Args;
use graph_contract::config::{self, Env, Given, Scope};
use graph_contract::redact::Redactor;
use graph_contract::report;
use graph_contract::run;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

/// The knobs `list` takes.
pub const SCOPES: &[Scope] = &[Scope::Pages, Scope::Select];

#[derive(Args)]
pub struct ListArgs {
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    /// Print `METHOD URL` per case, the URL mapped onto this target with
    /// placeholders filled, as `check --fill-placeholders` sends it (for a
    /// load generator).
    #[arg(long, value_name = "BASE_URL", hide = true)]
    urls: Option<String>,
}

pub fn run(a: ListArgs, given: &Given) -> Result<ExitCode, ConfigError> {
    let config = config::build(given, &Env::process(), SCOPES)?;
    let cases = run::read_cases(&config)?.cases;
    if let Some(line) = run::select::nothing_to_check(&config.select, &cases) {
        eprintln!("graph-contract: {}", report::visible(&line));
    }
    let target = a
        .urls
        .as_deref()
        .map(graph_contract::target::Target::parse)
        .transpose()
        .map_err(ConfigError::config)?;
    let redactor = Arc::new(Redactor::default());
    let mut out = std::io::BufWriter::new(super::stdout(&redactor));
    for c in &cases {
        let line = if let Some(t) = &target {
            let filled = graph_contract::target::fill_placeholders(&c.request.url);
            match t.map(&filled) {
                Ok(url) => format!("{} {url}", c.request.method.to_ascii_uppercase()),
                Err(_) => continue,
            }
        } else if a.json {
            serde_json::json!({
                "id": c.id,
                "page": c.page,
                "line": c.line(),
                "method": c.request.method,
                "url": c.request.url,
                "status": c.response.as_ref().map(|r| r.status),
                "inferred": c.inferred,
                "truncated": c.response.as_ref().is_some_and(|r| r.truncated),
                // The OData protocol rules its answer is judged by.
                "odata": graph_contract::judge::odata::Query::of(&c.request.url).rules(),
            })
            .to_string()
        } else {
            report::visible(&c.id).into_owned()
        };
        if writeln!(out, "{line}").is_err() {
            break; // a closed pipe (`| head`) is not an error
        }
    }
    let _ = out.flush();
    Ok(ExitCode::SUCCESS)
}
