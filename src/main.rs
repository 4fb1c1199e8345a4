//! The `graph-contract` command: check, list, lint, mock. A thin face over
//! the library; every decision is made there.
//!
//! Decisions of this face, and why:
//! - Numeric flags are parsed by the library's [`knob`] parsers, the ones
//!   the harness reads its variables with: same forms, same ranges, and a
//!   value out of range is clap's usage error (exit 2) naming the flag and
//!   the range, never a panic nor a silent clamp.
//! - `--header` and `--secret-header` are checked by [`knob::header`] when
//!   the settings are made, not by clap: clap would quote the refused value,
//!   and a secret header's value is never printed. They take values that
//!   start with `-` for the same reason (clap would print one as an unknown
//!   argument).
//! - `--help` shows which variable a flag reads, never its value, for every
//!   flag: `TARGET_URL` may hold a password, and a flag added later is
//!   covered without anyone remembering to.
//! - A variable set to an empty or blank value counts as unset, as under the
//!   harness (a CI template leaves an undefined variable empty).
//! - A panic prints through the library's redacting hook
//!   ([`graph_contract::harness::panics`]); the message is withheld until the
//!   command knows its secrets (at once for commands that read none).

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use graph_contract::csdl::{Metadata, SchemaJudge};
use graph_contract::docs::{self, Corpus};
use graph_contract::harness::{knob, panics};
use graph_contract::mock::{self, Routes};
use graph_contract::model::{Case, Severity};
use graph_contract::report::baseline::Baseline;
use graph_contract::report::{self, Outputs, Redactor, Totals};
use graph_contract::run::{MetadataSource, Session, Settings, Verdict};
use graph_contract::scenario::{Scenarios, Vars};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

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
    Check(Box<CheckArgs>),
    /// List the cases read from the pages.
    List(ListArgs),
    /// Report what the reader noticed in the pages (page:line: kind: message).
    Lint(LintArgs),
    /// Serve the documented responses over HTTP.
    Mock(MockArgs),
    /// Print the JSON Schema (draft 2020-12) of a type declared in a CSDL
    /// `$metadata` document, or write one file per type.
    Schema(SchemaArgs),
    /// Show one case: documented request and response, the request that
    /// would be sent (as curl), and with a target the actual answer and verdict.
    Show(ShowArgs),
}

#[derive(Args)]
struct Selection {
    /// Pages: files or folders of `.md` pages [default: specs]
    paths: Vec<PathBuf>,
    /// Keep cases whose id contains TEXT (repeatable: any of them).
    #[arg(long, value_name = "TEXT")]
    filter: Vec<String>,
    /// Drop cases whose id contains TEXT (repeatable).
    #[arg(long, value_name = "TEXT")]
    skip: Vec<String>,
    /// Keep cases of these methods (comma-separated: GET,POST).
    #[arg(long, value_delimiter = ',', value_name = "METHODS")]
    method: Vec<String>,
    /// Keep cases of pages changed since this git revision of the docs
    /// repository (for docs pull requests).
    #[arg(long, value_name = "GIT_REV")]
    changed_since: Option<String>,
}

/// How to reach and judge the target: shared by `check` and `show`.
#[derive(Args)]
struct RunArgs {
    /// Base URL of the service under test [default: the built-in mock]
    #[arg(long, env = "TARGET_URL")]
    target: Option<String>,
    /// Per-request timeout in seconds (0.001 to 86400).
    #[arg(long, default_value = "30", value_name = "SECONDS", value_parser = timeout)]
    timeout: Duration,
    /// Environment variable holding the bearer token.
    #[arg(long, default_value = "GRAPH_CONTRACT_TOKEN", value_name = "VAR")]
    token_env: String,
    /// OAuth 2.0 token endpoint for client credentials (client id and secret
    /// from GRAPH_CONTRACT_CLIENT_ID and GRAPH_CONTRACT_CLIENT_SECRET).
    #[arg(long, value_name = "URL", env = "GRAPH_CONTRACT_OAUTH_TOKEN_URL")]
    oauth_token_url: Option<String>,
    /// Scope asked of the token endpoint.
    #[arg(long, value_name = "SCOPE", env = "GRAPH_CONTRACT_OAUTH_SCOPE")]
    oauth_scope: Option<String>,
    /// Extra request header, 'Name: value' (repeatable).
    #[arg(long, value_name = "HEADER", allow_hyphen_values = true)]
    header: Vec<String>,
    /// Extra request header whose value is secret: never printed (repeatable).
    #[arg(long, value_name = "HEADER", allow_hyphen_values = true)]
    secret_header: Vec<String>,
    /// Stop sending after this many seconds for the whole run (0.001 to
    /// 604800).
    #[arg(long, value_name = "SECONDS", env = "GRAPH_CONTRACT_DEADLINE", value_parser = deadline)]
    deadline: Option<Duration>,
    /// Also judge answers against the types declared in this CSDL `$metadata`.
    #[arg(long, value_name = "FILE", env = "GRAPH_CONTRACT_METADATA")]
    metadata: Option<PathBuf>,
    /// Fetch `<target>/<version>/$metadata` once per version and judge
    /// answers against it.
    #[arg(long, conflicts_with = "metadata")]
    metadata_from_target: bool,
    /// Values for the docs' placeholders (TOML; see the README).
    #[arg(long, value_name = "FILE", env = "GRAPH_CONTRACT_VARS")]
    vars: Option<PathBuf>,
    /// Setup and teardown requests for cases and pages (TOML).
    #[arg(long, value_name = "FILE", env = "GRAPH_CONTRACT_SCENARIOS")]
    scenarios: Option<PathBuf>,
    /// Retries of 429/503 answers and failed connections (0 to 100).
    #[arg(long, default_value = "3", value_name = "N", value_parser = retries)]
    retries: u32,
    /// Largest response body read, in bytes (1 to 1073741824).
    #[arg(long, default_value = "16777216", value_name = "BYTES", value_parser = max_body)]
    max_body: usize,
    /// Send writes (every method but GET, HEAD and OPTIONS) to a target that is not loopback.
    #[arg(long, env = "GRAPH_CONTRACT_ALLOW_WRITES")]
    allow_writes: bool,
    /// Fill `{placeholders}` in URLs with stable generated values.
    #[arg(long)]
    fill_placeholders: bool,
    /// Warnings that have an error form become errors.
    #[arg(long)]
    strict: bool,
    /// Any warning fails its case.
    #[arg(long)]
    deny_warnings: bool,
    /// Send each case's id in `x-graph-contract-case`, so that a separately
    /// started `graph-contract mock` answers examples that share method and
    /// path each with its own response (checks against the built-in mock do
    /// this by themselves).
    #[arg(long)]
    case_header: bool,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    select: Selection,
    #[command(flatten)]
    run: RunArgs,
    /// Exchanges in flight at once (shared out over one replay thread per
    /// core; 1 to 1024).
    #[arg(long, default_value = "32", value_name = "N", env = "GRAPH_CONTRACT_JOBS", value_parser = jobs)]
    jobs: usize,
    /// Print findings and the diff for passing cases too.
    #[arg(long)]
    details: bool,
    /// Print only failures and the totals.
    #[arg(long, short)]
    quiet: bool,
    /// Write a JUnit XML report (one testcase per example).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a JSON report (one object per case and a summary).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a Markdown summary (for a CI job summary page).
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Known failures, one case id per line: they do not fail the run.
    #[arg(long, value_name = "FILE", env = "GRAPH_CONTRACT_BASELINE")]
    baseline: Option<PathBuf>,
    /// Write the current failures as a baseline.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Benchmarks: replay the selection N times over one session (reports
    /// the last pass; earlier failures still fail the run).
    #[arg(long, default_value = "1", hide = true, value_parser = repeat)]
    repeat: usize,
}

#[derive(Args)]
struct SchemaArgs {
    /// The CSDL document (`$metadata`).
    #[arg(long, value_name = "FILE")]
    metadata: PathBuf,
    /// The type: `microsoft.graph.user`, `graph.user`, `#microsoft.graph.User`, `Collection(...)`.
    #[arg(long = "type", value_name = "NAME", required_unless_present = "all")]
    type_name: Option<String>,
    /// Every entity and complex type, one file each, into --out.
    #[arg(long, requires = "out")]
    all: bool,
    /// Folder for --all.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct ShowArgs {
    /// The case id (as `list` prints it).
    case_id: String,
    /// Pages: files or folders of `.md` pages [default: specs]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
struct ListArgs {
    #[command(flatten)]
    select: Selection,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    /// Print `METHOD URL` per case, the URL mapped onto this target with
    /// placeholders filled, as `check --fill-placeholders` sends it (for a
    /// load generator).
    #[arg(long, value_name = "BASE_URL", hide = true)]
    urls: Option<String>,
}

#[derive(Args)]
struct LintArgs {
    /// Pages: files or folders of `.md` pages [default: specs]
    paths: Vec<PathBuf>,
    /// Also validate every documented response example against its
    /// annotated type in this CSDL `$metadata` document.
    #[arg(long, value_name = "FILE")]
    metadata: Option<PathBuf>,
    /// One JSON object per diagnostic, then a summary object.
    #[arg(long)]
    json: bool,
    /// One line per diagnostic (`page:line: kind: message`), without the
    /// page's line and caret.
    #[arg(long, conflicts_with = "json")]
    short: bool,
}

#[derive(Args)]
struct MockArgs {
    /// Pages: files or folders of `.md` pages [default: specs]
    paths: Vec<PathBuf>,
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

/// clap's parsers for the numeric flags: the library's, so that the flag
/// and the harness variable take the same text to the same value. Where the
/// flag has an environment form, the message says the value may come from
/// there (clap names only the flag).
fn timeout(s: &str) -> Result<Duration, String> {
    knob::TIMEOUT.parse(s)
}

fn deadline(s: &str) -> Result<Duration, String> {
    knob::DEADLINE
        .parse(s)
        .map_err(|e| from_var(e, knob::DEADLINE.var))
}

fn jobs(s: &str) -> Result<usize, String> {
    knob::JOBS
        .parse_usize(s)
        .map_err(|e| from_var(e, "GRAPH_CONTRACT_JOBS"))
}

fn retries(s: &str) -> Result<u32, String> {
    // Within 0..=100: fits.
    knob::RETRIES.parse(s).map(|n| n as u32)
}

fn max_body(s: &str) -> Result<usize, String> {
    knob::MAX_BODY.parse_usize(s)
}

fn repeat(s: &str) -> Result<usize, String> {
    knob::REPEAT.parse_usize(s)
}

fn port(s: &str) -> Result<u16, String> {
    // Within 0..=65535: fits.
    knob::PORT.parse(s).map(|n| n as u16)
}

fn delay_ms(s: &str) -> Result<u64, String> {
    knob::DELAY_MS.parse(s)
}

fn from_var(message: String, var: &str) -> String {
    format!("{message} (the flag, or {var} when the flag is not given)")
}

/// The command line's grammar, with every flag's environment value hidden
/// from `--help` and variables set to a blank value treated as unset.
fn cli_command() -> clap::Command {
    fn each(cmd: clap::Command) -> clap::Command {
        cmd.mut_args(|a| {
            let blank = a.get_env().is_some_and(|name| {
                std::env::var_os(name).is_some_and(|v| v.to_string_lossy().trim().is_empty())
            });
            let a = a.hide_env_values(true);
            if blank { a.env(None) } else { a }
        })
        .mut_subcommands(each)
    }
    each(Cli::command())
}

/// A configuration or usage error: exit code 2.
struct ConfigError(String);

impl<T: std::fmt::Display> From<T> for ConfigError {
    fn from(value: T) -> Self {
        ConfigError(value.to_string())
    }
}

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    panics::install();
    let cli = match Cli::from_arg_matches(&cli_command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Commands that read no secret: a panic message can be printed at once.
    if !matches!(cli.command, Command::Check(_) | Command::Show(_)) {
        panics::known_secrets(Vec::new());
    }
    let result = match cli.command {
        Command::Check(a) => check(*a),
        Command::List(a) => list(a),
        Command::Lint(a) => lint(a),
        Command::Mock(a) => serve_mock(a),
        Command::Show(a) => show(a),
        Command::Schema(a) => schema(a),
    };
    match result {
        Ok(code) => code,
        Err(ConfigError(message)) => {
            eprintln!("graph-contract: error: {}", report::visible(&message));
            ExitCode::from(2)
        }
    }
}

fn default_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from("specs")]
    } else {
        paths.to_vec()
    }
}

/// Read the pages; a path that does not exist is a configuration error.
fn read(paths: &[PathBuf]) -> Result<Corpus, ConfigError> {
    let paths = default_paths(paths);
    for p in &paths {
        if !p.exists() {
            return Err(ConfigError(format!(
                "no such file or folder: {}",
                p.display()
            )));
        }
    }
    let refs: Vec<&std::path::Path> = paths.iter().map(PathBuf::as_path).collect();
    Ok(docs::read_paths(&refs))
}

/// Apply the selection; an empty result is an error naming the filter that
/// emptied it.
fn select(cases: Vec<Case>, s: &Selection) -> Result<Vec<Case>, ConfigError> {
    let total = cases.len();
    if total == 0 {
        return Err(ConfigError(format!(
            "no documented example found in {}",
            default_paths(&s.paths)
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut kept = cases;
    if !s.filter.is_empty() {
        kept.retain(|c| s.filter.iter().any(|f| c.id.contains(f.as_str())));
        if kept.is_empty() {
            return Err(ConfigError(format!(
                "--filter {:?} matched none of the {total} cases",
                s.filter
            )));
        }
    }
    if !s.skip.is_empty() {
        let before = kept.len();
        kept.retain(|c| !s.skip.iter().any(|f| c.id.contains(f.as_str())));
        if kept.is_empty() {
            return Err(ConfigError(format!(
                "--skip {:?} removed all {before} remaining cases",
                s.skip
            )));
        }
    }
    if let Some(rev) = &s.changed_since {
        let changed = changed_pages(&default_paths(&s.paths), rev)?;
        let before = kept.len();
        kept.retain(|c| std::fs::canonicalize(&c.page).is_ok_and(|p| changed.contains(&p)));
        if kept.is_empty() {
            return Err(ConfigError(format!(
                "--changed-since {rev}: none of the {before} remaining cases is on a page changed since {rev}"
            )));
        }
    }
    if !s.method.is_empty() {
        let before = kept.len();
        kept.retain(|c| {
            s.method
                .iter()
                .any(|m| m.trim().eq_ignore_ascii_case(&c.request.method))
        });
        if kept.is_empty() {
            return Err(ConfigError(format!(
                "--method {} matched none of the {before} remaining cases",
                s.method.join(",")
            )));
        }
    }
    Ok(kept)
}

impl RunArgs {
    /// The run settings these options describe; a bad value is a
    /// configuration error.
    fn settings(&self) -> Result<Settings, ConfigError> {
        let mut settings = Settings {
            target: self.target.clone(),
            ..Settings::default()
        };
        settings.send.timeout = self.timeout;
        // Blank values count as unset, as in the harness.
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if self.token_env.trim().is_empty() || self.token_env.contains(['=', '\0']) {
            return Err(ConfigError(format!(
                "--token-env {}: not the name of an environment variable",
                knob::quoted(&self.token_env)
            )));
        }
        if let Some(url) = &self.oauth_token_url {
            knob::oauth_token_url("--oauth-token-url (GRAPH_CONTRACT_OAUTH_TOKEN_URL)", url)?;
        }
        settings.send.credentials = graph_contract::target::auth::from_env(
            &env,
            &self.token_env,
            self.oauth_token_url.clone(),
            self.oauth_scope.clone(),
        )?;
        if let graph_contract::target::Credentials::Token(t) = &settings.send.credentials {
            knob::token(&self.token_env, t)?;
        }
        for (text, secret) in self
            .header
            .iter()
            .map(|h| (h, false))
            .chain(self.secret_header.iter().map(|h| (h, true)))
        {
            let flag = if secret {
                "--secret-header"
            } else {
                "--header"
            };
            let (name, value) = knob::header(flag, text)?;
            if secret
                || graph_contract::target::SECRET_HEADERS
                    .contains(&name.to_ascii_lowercase().as_str())
            {
                settings.secret_values.push(value.clone());
            }
            settings.send.headers.push((name, value));
        }
        settings.deadline = self.deadline;
        settings.vars = match &self.vars {
            Some(p) => Vars::load(p)?,
            None => Vars::default(),
        }
        .with_env(std::env::vars());
        if let Some(p) = &self.scenarios {
            settings.scenarios = Scenarios::load(p, &settings.vars)?;
        }
        if let Some(p) = &self.metadata {
            settings.metadata = Some(MetadataSource::File(load_metadata(p)?));
        } else if self.metadata_from_target {
            if self.target.is_none() {
                return Err(ConfigError("--metadata-from-target needs --target".into()));
            }
            settings.metadata = Some(MetadataSource::from_target());
        }
        settings.send.retries = self.retries;
        settings.send.max_body = self.max_body;
        settings.send.allow_writes = self.allow_writes;
        settings.send.fill_placeholders = self.fill_placeholders;
        settings.send.case_header = self.case_header;
        settings.judge.strict = self.strict;
        settings.deny_warnings = self.deny_warnings;
        Ok(settings)
    }
}

/// Pages changed since `rev` in the git repositories holding `paths`
/// (committed changes and the work tree), canonicalized.
fn changed_pages(
    paths: &[PathBuf],
    rev: &str,
) -> Result<std::collections::HashSet<PathBuf>, ConfigError> {
    // A revision is passed to git as an argument: one that starts with `-`
    // would be read as an option (`--output=FILE` writes a file).
    if rev.trim().is_empty() || rev.starts_with('-') {
        return Err(ConfigError(format!(
            "--changed-since {}: not a git revision",
            knob::quoted(rev)
        )));
    }
    let mut out = std::collections::HashSet::new();
    for p in paths {
        let dir = if p.is_dir() {
            p.clone()
        } else {
            p.parent().map(PathBuf::from).unwrap_or_default()
        };
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let git = |args: &[&str]| -> Result<String, ConfigError> {
            let o = std::process::Command::new("git")
                .arg("-C")
                .arg(&dir)
                .args(args)
                .output()
                .map_err(|e| ConfigError(format!("--changed-since needs git: {e}")))?;
            if !o.status.success() {
                return Err(ConfigError(format!(
                    "--changed-since {rev}: git {} in {}: {}",
                    args.join(" "),
                    dir.display(),
                    String::from_utf8_lossy(&o.stderr).trim()
                )));
            }
            Ok(String::from_utf8_lossy(&o.stdout).into_owned())
        };
        let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?.trim());
        let commit = format!("{rev}^{{commit}}");
        if git(&["rev-parse", "--verify", "--quiet", &commit]).is_err() {
            return Err(ConfigError(format!(
                "--changed-since {rev}: no such revision in the git repository at {} \
                 (a shallow CI clone may lack it: fetch it, or check out with full history)",
                top.display()
            )));
        }
        for name in git(&["diff", "--name-only", rev, "--"])?.lines() {
            if let Ok(c) = std::fs::canonicalize(top.join(name)) {
                out.insert(c);
            }
        }
        for name in git(&["ls-files", "--others", "--exclude-standard", "--full-name"])?.lines() {
            if let Ok(c) = std::fs::canonicalize(top.join(name)) {
                out.insert(c);
            }
        }
    }
    Ok(out)
}

fn check(a: CheckArgs) -> Result<ExitCode, ConfigError> {
    let start = Instant::now();
    // The settings first: until their secrets are known, a panic's message
    // is withheld (reading the pages could panic on a hostile page).
    let mut settings = a.run.settings()?;
    panics::known_secrets(settings.secrets());
    let corpus = read(&a.select.paths)?;
    // A page that cannot be read is skipped, and said so.
    for d in corpus
        .diagnostics
        .iter()
        .filter(|d| d.kind.starts_with("unreadable"))
    {
        eprintln!(
            "graph-contract: warning: skipped {}",
            report::visible(&d.to_string())
        );
    }
    settings.send.jobs = a.jobs;
    if let Some(p) = &a.baseline {
        settings.baseline = Baseline::load(p)?;
    }
    let redactor = Redactor::new(settings.secrets());
    // Against every case read, not only the selected ones.
    for w in graph_contract::run::stale_references(&corpus.cases, &settings) {
        eprintln!("graph-contract: warning: {}", report::shown(&redactor, &w));
    }
    let cases = select(corpus.cases, &a.select)?;
    let outputs = Outputs {
        junit: a.junit.clone(),
        json: a.json.clone(),
        summary: a.summary.clone(),
        write_baseline: a.write_baseline.clone(),
    };
    let enforced = report::enforced(a.run.strict, a.run.deny_warnings);
    let session = Arc::new(Session::open(settings, Arc::new(cases))?);
    let color = report::stdout_color();
    let mut out = anstream::stdout();
    let _ = writeln!(
        out,
        "graph-contract: {}",
        redactor.apply(&session.describe_target())
    );
    let _ = writeln!(out, "\nrunning {} cases", session.cases.len());
    let indices: Vec<usize> = (0..session.cases.len()).collect();
    let repeat = a.repeat;
    let progress = Progress::new((indices.len() * repeat) as u64);
    let replay_start = Instant::now();
    let mut earlier_failures = 0;
    for _ in 1..repeat {
        let results = session.run_all(&indices, a.jobs, |_| progress.tick());
        earlier_failures += results
            .iter()
            .filter(|r| r.verdict == Verdict::Fail)
            .count();
    }
    let results = session.run_all(&indices, a.jobs, |r| {
        progress.tick();
        if a.quiet {
            return;
        }
        let case = &session.cases[r.index];
        let status = match &r.verdict {
            Verdict::Pass if r.warnings().next().is_some() => paint("ok (warnings)", "33", color),
            Verdict::Pass => paint("ok", "32", color),
            Verdict::Fail => paint("FAILED", "31", color),
            Verdict::KnownFailure => paint("known failure (baseline)", "33", color),
            Verdict::Ignored(reason) => format!(
                "{}, {}",
                paint("ignored", "33", color),
                report::shown(&redactor, reason)
            ),
        };
        progress.suspend(|| {
            let _ = writeln!(
                out,
                "test {} ... {status}",
                report::shown(&redactor, &case.id)
            );
            if a.details && !r.findings.is_empty() && r.verdict != Verdict::Fail {
                let details = report::case_details(case, r, color, true);
                let _ = write!(out, "{}", redactor.apply(&details));
            }
        });
    });
    progress.finish();
    let replay_time = replay_start.elapsed().as_secs_f64();
    let failures: Vec<_> = results
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\nfailures:");
        for r in &failures {
            let case = &session.cases[r.index];
            let _ = writeln!(out, "\n---- {} ----", report::shown(&redactor, &case.id));
            let _ = write!(
                out,
                "{}",
                redactor.apply(&report::case_details(case, r, color, true))
            );
        }
        let _ = writeln!(out, "\nfailures:");
        for r in &failures {
            let _ = writeln!(
                out,
                "    {}",
                report::shown(&redactor, &session.cases[r.index].id)
            );
        }
    }
    let fixed = session.fixed(&results);
    let totals = Totals::of(&results);
    let verdict = if totals.failed == 0 {
        paint("ok", "32", color)
    } else {
        paint("FAILED", "31", color)
    };
    let mut line = format!(
        "\ntest result: {verdict}. {} passed; {} failed; {} ignored; {} warnings",
        totals.passed,
        totals.failed,
        totals.ignored_total(),
        totals.warnings,
    );
    if totals.known_failures > 0 {
        line.push_str(&format!("; {} known failures", totals.known_failures));
    }
    line.push_str(&format!(
        "; finished in {:.2}s",
        start.elapsed().as_secs_f64()
    ));
    if !enforced.is_empty() {
        line.push_str(&format!(" [{}]", enforced.join(", ")));
    }
    let _ = writeln!(out, "{line}");
    for (reason, n) in &totals.ignored {
        let _ = writeln!(out, "  ignored {n}: {}", report::shown(&redactor, reason));
    }
    for id in &fixed {
        let _ = writeln!(
            out,
            "  fixed (remove it from the baseline): {}",
            report::visible(id)
        );
    }
    if repeat > 1 {
        let n = indices.len() * repeat;
        let _ = writeln!(
            out,
            "replayed {repeat} passes: {n} cases in {replay_time:.3}s ({:.0} cases/s), \
             {earlier_failures} failures in earlier passes",
            n as f64 / replay_time
        );
    }
    report::write_outputs(
        &outputs,
        &session.cases,
        &results,
        &enforced,
        &fixed,
        &redactor,
    )?;
    Ok(if totals.failed == 0 && earlier_failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A progress bar on stderr, shown only when stderr is a terminal and the
/// run lasts over a second.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new(len: u64) -> Progress {
        use std::io::IsTerminal as _;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(len),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} cases, {per_sec}, {elapsed}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn tick(&self) {
        if let Some(bar) = &self.bar {
            if !self.shown.load(Relaxed) && self.start.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                self.shown.store(true, Relaxed);
            }
            bar.inc(1);
        }
    }

    fn suspend(&self, f: impl FnOnce()) {
        match &self.bar {
            Some(bar) if self.shown.load(Relaxed) => bar.suspend(f),
            _ => f(),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn list(a: ListArgs) -> Result<ExitCode, ConfigError> {
    let corpus = read(&a.select.paths)?;
    let cases = select(corpus.cases, &a.select)?;
    let target = a
        .urls
        .as_deref()
        .map(graph_contract::target::Target::parse)
        .transpose()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
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

fn show(a: ShowArgs) -> Result<ExitCode, ConfigError> {
    let mut settings = a.run.settings()?;
    panics::known_secrets(settings.secrets());
    let corpus = read(&a.paths)?;
    let Some(index) = corpus.cases.iter().position(|c| c.id == a.case_id) else {
        let near = similar_ids(&a.case_id, corpus.cases.iter().map(|c| c.id.as_str()));
        return Err(ConfigError(format!(
            "no case {:?} in {} cases{}",
            a.case_id,
            corpus.cases.len(),
            if near.is_empty() {
                String::new()
            } else {
                format!("; similar: {}", near.join(", "))
            }
        )));
    };
    settings.send.fill_placeholders |= a.run.target.is_none();
    let redactor = Redactor::new(settings.secrets());
    let with_target = a.run.target.is_some();
    let has_token = !matches!(
        settings.send.credentials,
        graph_contract::target::Credentials::None
    );
    let session = Arc::new(Session::open(settings, Arc::new(corpus.cases))?);
    let case = &session.cases[index];
    let mut text = format!(
        "{}\n  example: {}:{}{}\n\n",
        case.id,
        case.page,
        case.line(),
        if case.inferred { " (inferred)" } else { "" }
    );
    text.push_str("documented request:\n");
    text.push_str(&indent(&report::documented_request(case)));
    text.push_str("\ndocumented response:\n");
    match &case.response {
        Some(r) => text.push_str(&indent(&report::documented_response(r))),
        None => text.push_str("  (none)\n"),
    }
    for (i, alt) in case.alternatives.iter().enumerate() {
        text.push_str(&format!(
            "\nalternative response {} (line {}):\n",
            i + 1,
            alt.line
        ));
        text.push_str(&indent(&report::documented_response(alt)));
    }
    // The request as `check` prepares it (variables, scenarios, refusals),
    // not the documented one mapped afresh.
    let authorization = if has_token {
        Some("Bearer")
    } else {
        session.replayer().target().basic_auth().map(|_| "Basic")
    };
    text.push_str("\nrequest to send:\n");
    let prepared = session.prepared(index);
    match prepared {
        Ok(Some(p)) => text.push_str(&indent(&report::curl(p, authorization))),
        Ok(None) => text.push_str(
            "  prepared once its scenarios' setup has run (it uses values they capture)\n",
        ),
        Err(reason) => text.push_str(&format!("  not sent: {reason}\n")),
    }
    let mut code = ExitCode::SUCCESS;
    if with_target && prepared.is_ok() {
        let r = session.runtime.block_on(session.run_case(index));
        if let (Ok(None), Some(sent)) = (prepared, &r.sent) {
            text.push_str("\nrequest sent:\n");
            text.push_str(&indent(&report::curl(sent, authorization)));
        }
        text.push_str("\nactual response:\n");
        match &r.actual {
            Some(actual) => text.push_str(&indent(&report::actual_response(actual))),
            None => text.push_str("  (none)\n"),
        }
        text.push_str(&format!("\nverdict: {}\n", r.verdict.word()));
        text.push_str(&report::case_details(
            case,
            &r,
            report::stdout_color(),
            true,
        ));
        if r.verdict == Verdict::Fail {
            code = ExitCode::from(1);
        }
    }
    emit(&redactor.apply(&text));
    Ok(code)
}

/// Load a CSDL document and compile its validator (errors with line and column).
fn load_metadata(path: &std::path::Path) -> Result<Arc<SchemaJudge>, ConfigError> {
    let meta = Metadata::load(path)?;
    let judge = SchemaJudge::new(Arc::new(meta));
    judge
        .compile_all()
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    Ok(Arc::new(judge))
}

/// `schema --type NAME`: one standalone schema on stdout. `schema --all
/// --out DIR`: the whole metadata as one document, `DIR/$metadata.json`,
/// and per entity or complex type a `DIR/<qualified name>.json` that refers
/// to its definition there. Written so, the output is linear in the
/// document: a standalone schema per type holds every type it reaches (the
/// types derived from it, their properties' types...), and those add up to
/// gigabytes for a long inheritance chain.
fn schema(a: SchemaArgs) -> Result<ExitCode, ConfigError> {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let meta = Metadata::load(&a.metadata)?;
    if a.all {
        let out = a.out.clone().unwrap_or_default();
        std::fs::create_dir_all(&out)
            .map_err(|e| ConfigError(format!("cannot create {}: {e}", out.display())))?;
        let write = |file: &std::path::Path, schema: &serde_json::Value| {
            std::fs::write(
                file,
                serde_json::to_string_pretty(schema).unwrap_or_default(),
            )
            .map_err(|e| ConfigError(format!("cannot write {}: {e}", file.display())))
        };
        // `$` starts no CSDL identifier: no type's file has this name.
        const DOCUMENT: &str = "$metadata.json";
        write(&out.join(DOCUMENT), &meta.document_schema())?;
        let names = meta.structured_type_names();
        // A pointer in a URI fragment: anything but letters, digits, `.`
        // and `_` percent-encoded.
        const FRAGMENT: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'_');
        for name in &names {
            // Names are CSDL identifiers (the reader checks): never a path.
            if name.contains(['/', '\\']) || name.starts_with('.') {
                return Err(ConfigError(format!("{name:?} cannot be a file name")));
            }
            let schema = serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": name,
                "$ref": format!("{DOCUMENT}#/$defs/{}", utf8_percent_encode(name, FRAGMENT)),
            });
            write(&out.join(format!("{name}.json")), &schema)?;
        }
        eprintln!(
            "graph-contract: wrote {DOCUMENT} and {} schemas referring to it to {}",
            names.len(),
            out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let name = a.type_name.unwrap_or_default();
    let schema = meta.schema_for(&name).ok_or_else(|| {
        ConfigError(format!(
            "{name:?} is not a type declared in {}",
            a.metadata.display()
        ))
    })?;
    emit(&(serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"));
    Ok(ExitCode::SUCCESS)
}

/// Write to stdout; a closed pipe (`| head`) ends the output quietly.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Up to five ids like `asked`, closest first: ids containing it, then ids a
/// few edits away (whole id, or the example name on another page).
fn similar_ids<'a>(asked: &str, ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let name_of = |id: &'a str| id.rsplit("::").next().unwrap_or(id);
    let asked_name = asked.rsplit("::").next().unwrap_or(asked);
    let limit = (asked.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = ids
        .filter_map(|id| {
            if !asked.is_empty() && id.contains(asked) {
                return Some((0, id));
            }
            let mut d = edit_distance(asked, id);
            if !asked_name.is_empty() {
                d = d.min(edit_distance(asked_name, name_of(id)) + 1);
            }
            (d <= limit).then_some((d, id))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, id)| id).collect()
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn lint(a: LintArgs) -> Result<ExitCode, ConfigError> {
    let mut corpus = read(&a.paths)?;
    if let Some(p) = &a.metadata {
        let judge = load_metadata(p)?;
        let found = graph_contract::csdl::lint_cases(&judge, &corpus.cases);
        corpus.diagnostics.extend(found);
        corpus
            .diagnostics
            .sort_by(|x, y| (&x.page, x.line).cmp(&(&y.page, y.line)));
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut counts: std::collections::BTreeMap<(&str, Severity), usize> = Default::default();
    // each page read once (diagnostics come grouped by page) for its lines
    let (mut sources, color) = (
        graph_contract::error::Sources::default(),
        report::stdout_color(),
    );
    for (i, d) in corpus.diagnostics.iter().enumerate() {
        *counts.entry((d.kind.as_str(), d.severity)).or_default() += 1;
        let line = if a.json {
            serde_json::to_string(d).unwrap_or_default()
        } else if a.short {
            report::visible(&d.to_string()).into_owned()
        } else {
            // rustc-style, a blank line between diagnostics
            let r = sources.render(d, color);
            format!("{}{}", if i > 0 { "\n" } else { "" }, r.trim_end())
        };
        let _ = writeln!(out, "{line}");
    }
    let errors = corpus
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if a.json {
        // A kind seen at both severities is counted once, in total.
        let mut totals: std::collections::BTreeMap<&str, usize> = Default::default();
        for ((k, _), n) in &counts {
            *totals.entry(k).or_default() += n;
        }
        let by_kind: serde_json::Map<String, serde_json::Value> = totals
            .iter()
            .map(|(k, n)| (k.to_string(), (*n).into()))
            .collect();
        let _ = writeln!(
            out,
            "{}",
            serde_json::json!({"summary": {"pages": corpus.pages, "cases": corpus.cases.len(),
                "diagnostics": corpus.diagnostics.len(), "errors": errors, "by_kind": by_kind}})
        );
    } else {
        let _ = writeln!(
            out,
            "\n{} pages, {} cases, {} diagnostics ({} errors)",
            corpus.pages,
            corpus.cases.len(),
            corpus.diagnostics.len(),
            errors
        );
        for ((kind, sev), n) in &counts {
            let sev = if *sev == Severity::Error {
                "error"
            } else {
                "warning"
            };
            let _ = writeln!(out, "  {n:>6}  {kind} ({sev})");
        }
    }
    let _ = out.flush();
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn serve_mock(a: MockArgs) -> Result<ExitCode, ConfigError> {
    let corpus = read(&a.paths)?;
    if corpus.cases.is_empty() {
        return Err(ConfigError("no documented example to serve".into()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let routes = Arc::new(Routes::new(&corpus.cases));
    let served = corpus.cases.iter().filter(|c| c.response.is_some()).count();
    runtime.block_on(async move {
        let delay = Duration::from_millis(a.delay_ms);
        let server = mock::start_with(routes, (a.bind, a.port).into(), delay)
            .await
            .map_err(|e| ConfigError(format!("cannot listen on {}:{}: {e}", a.bind, a.port)))?;
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
