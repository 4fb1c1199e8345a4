//! The commands of the `graph-contract` binary, one file each, and what
//! they share: the knob flags made from the library's table, and the
//! configuration error.
//!
//! Decisions, and why:
//! - **Flags come from the table** ([`graph_contract::config::KNOBS`]): a
//!   knob added there is a flag of every command of its scope, with its
//!   variable named in `--help` (never its value: `TARGET_URL` may hold a
//!   password), and the same parser as under the harness.
//! - **clap parses, the library validates.** Knob values reach
//!   [`graph_contract::config::build`] as text: its errors name the flag
//!   (or the variable) and the range, exit 2, and never quote a secret
//!   knob's value (clap would).
//! - **Every output passes a redacting writer**
//!   ([`graph_contract::output::Redacting`]).

pub mod check;
pub mod lint;
pub mod list;
pub mod mock;
pub mod progress;
pub mod report;
pub mod schema;
pub mod show;

use clap::{Arg, ArgAction, ArgMatches};
use graph_contract::config::{Given, KNOBS, Kind, Scope};
use graph_contract::output::Redacting;
use graph_contract::redact::Redactor;
use std::sync::Arc;

/// A configuration or usage error: exit code 2, rendered with its place
/// (`--> vars.toml:3:7`) when it has one.
pub type ConfigError = graph_contract::error::Error;

/// The clap arguments of the knobs of these scopes.
pub fn knob_args(scopes: &[Scope]) -> Vec<Arg> {
    KNOBS
        .iter()
        .filter(|k| scopes.contains(&k.scope))
        .map(|k| {
            let mut help = k.help.to_owned();
            if let Some(d) = k.default {
                help.push_str(&format!(" [default: {d}]"));
            }
            help.push_str(&format!(" [env: {}]", k.var));
            let arg = Arg::new(k.flag).help(help).hide(k.hidden);
            let arg = match k.kind {
                Kind::Positional => arg
                    .value_name(k.value_name)
                    .num_args(0..)
                    .action(ArgAction::Append),
                Kind::Switch => arg.long(k.flag).action(ArgAction::SetTrue),
                Kind::Value => arg
                    .long(k.flag)
                    .value_name(k.value_name)
                    .action(ArgAction::Set)
                    .allow_hyphen_values(k.secret),
                Kind::List => arg
                    .long(k.flag)
                    .value_name(k.value_name)
                    .action(ArgAction::Append)
                    .allow_hyphen_values(k.secret),
            };
            match k.short {
                Some(c) => arg.short(c),
                None => arg,
            }
        })
        .collect()
}

/// What the command line gave for the knobs of these scopes.
pub fn given(m: &ArgMatches, scopes: &[Scope]) -> Given {
    let mut g = Given::default();
    for k in KNOBS.iter().filter(|k| scopes.contains(&k.scope)) {
        match k.kind {
            Kind::Switch => {
                if m.get_flag(k.flag) {
                    g.set(k.flag, vec![String::new()]);
                }
            }
            _ => {
                if let Some(v) = m.get_many::<String>(k.flag) {
                    g.set(k.flag, v.cloned().collect());
                }
            }
        }
    }
    g
}

/// stdout through the run's redactor.
pub fn stdout(redactor: &Arc<Redactor>) -> Redacting<std::io::Stdout> {
    Redacting::new(std::io::stdout(), redactor.clone())
}

/// stderr through the run's redactor.
pub fn stderr(redactor: &Arc<Redactor>) -> Redacting<std::io::Stderr> {
    Redacting::new(std::io::stderr(), redactor.clone())
}

/// Write to a redacting stdout; a closed pipe (`| head`) ends the output
/// quietly.
pub fn emit(redactor: &Arc<Redactor>, text: &str) {
    use std::io::Write as _;
    let mut out = stdout(redactor);
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
