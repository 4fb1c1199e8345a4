//! The `graph-contract` command: parse the command line, build the
//! configuration, run the command, exit with its code. Every command is a
//! file of [`cmd`]; every decision is the library's.
//!
//! Decisions of this face, and why:
//! - **Flags are the library's knobs** ([`graph_contract::config::KNOBS`]),
//!   added to each command from the table ([`cmd::knob_args`]): a flag and
//!   its variable are one declaration, with one parser, under `check` and
//!   under `cargo test`.
//! - **`--help` names each flag's variable, never its value**: the knobs'
//!   variables are not given to clap at all (the library reads them), so
//!   clap can neither print nor misread them.
//! - **A panic prints through the library's redacting hook**
//!   ([`graph_contract::harness::panics`]); the message is withheld until the
//!   command knows its secrets (at once for commands that read none).
//! - **Exit codes are named** ([`graph_contract::run::exit`]): 0 all passed,
//!   1 a case failed, 2 a usage or configuration error.

mod cmd;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use graph_contract::config::Scope;
use graph_contract::harness::panics;
use graph_contract::report;
use graph_contract::run::exit;
use std::process::ExitCode;

/// Contract tests for services that speak the Microsoft Graph REST dialect,
/// from the examples of the API reference pages.
#[derive(Parser)]
#[command(name = "graph-contract", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay every documented example against a target and judge the answers.
    Check,
    /// List the cases read from the pages.
    List(cmd::list::ListArgs),
    /// Report what the reader noticed in the pages (page:line: kind: message).
    Lint(cmd::lint::LintArgs),
    /// Serve the documented responses over HTTP.
    Mock(cmd::mock::MockArgs),
    /// Draw reports again from JSON reports, merged into one: parts of a CI matrix,
    /// several runs, the v1.0 and beta halves (`report --html all.html *.json`).
    Report(cmd::report::ReportArgs),
    /// Print the JSON Schema (draft 2020-12) of a type declared in a CSDL
    /// `$metadata` document, or write one file per type.
    Schema(cmd::schema::SchemaArgs),
    /// Show one case: documented request and response, the request that
    /// would be sent (as curl), and with a target the actual answer and verdict.
    Show(cmd::show::ShowArgs),
    /// Run the selection, then re-run a page's cases when it is saved
    /// (`r` all, `f` the failing ones, `q` quits); waits for a target that
    /// stops answering.
    Watch,
}

/// The knobs each command takes.
fn scopes(command: &str) -> &'static [Scope] {
    match command {
        "check" => cmd::check::SCOPES,
        "list" => cmd::list::SCOPES,
        "lint" => cmd::lint::SCOPES,
        "mock" => cmd::mock::SCOPES,
        "show" => cmd::show::SCOPES,
        "watch" => cmd::check::SCOPES,
        _ => &[],
    }
}

/// The command line's grammar: the derived commands, each with the knobs
/// of its scopes.
fn cli_command() -> clap::Command {
    let mut command = Cli::command();
    for name in ["check", "list", "lint", "mock", "show", "watch"] {
        command = command.mut_subcommand(name, |c| c.args(cmd::knob_args(scopes(name))));
    }
    command
}

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    panics::install();
    let matches = cli_command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Commands that read no secret: a panic message can be printed at once.
    if !matches!(
        cli.command,
        Command::Check | Command::Show(_) | Command::Watch
    ) {
        panics::known_secrets(Vec::new());
    }
    let given = match matches.subcommand() {
        Some((name, m)) => cmd::given(m, scopes(name)),
        None => Default::default(),
    };
    let result = match cli.command {
        Command::Check => cmd::check::run(&given),
        Command::List(a) => cmd::list::run(a, &given),
        Command::Lint(a) => cmd::lint::run(a, &given),
        Command::Mock(a) => cmd::mock::run(a, &given),
        Command::Show(a) => cmd::show::run(a, &given),
        Command::Watch => cmd::watch::run(&given),
        Command::Schema(a) => cmd::schema::run(a),
        Command::Report(a) => cmd::report::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Configuration errors never quote a secret knob's value, and a
            // vars or scenarios file's line is never shown.
            eprint!(
                "graph-contract: {}",
                e.render_from_file(report::stderr_color())
            );
            ExitCode::from(exit::CONFIG)
        }
    }
}
