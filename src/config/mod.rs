//! One configuration for both faces: every knob is declared once, in
//! [`KNOBS`] (flag, environment variable, unit, default, whether its value
//! is secret, which commands take it), and one [`build`] turns what was
//! given into a [`Config`], validating every value and loading every file
//! (variables, scenarios, baseline, `$metadata`) once.
//!
//! The CLI fills a [`Given`] from its command line; the libtest harness
//! passes an empty one. Both hand [`build`] the environment ([`Env`]: the
//! process's, or a map in tests), which gives every knob the flag did not.
//! So a knob means the same thing under `check` and under `cargo test`: the
//! same variable, the same parser, the same units, the same default.
//!
//! Decisions, and why:
//! - **A table, not two builders.** `check` and the harness built their
//!   settings separately and drifted (`GRAPH_CONTRACT_STRICT` ignored by
//!   `check`, the deadline in whole seconds under one face only, headers
//!   with no environment form). A knob is now a row; the parity test walks
//!   the rows and checks that the flag and the variable give the same
//!   configuration. Model: ripgrep's `flags/` (one definition per flag).
//! - **The flag wins over the variable**, per knob, as with clap's `env`;
//!   a repeatable flag given once replaces the variable's whole list.
//! - **Lists in a variable are one value per line** (`GRAPH_CONTRACT_HEADER`
//!   holds headers, one per line: a header value may hold commas);
//!   `--method` and its variable also take commas.
//! - **Blank is unset.** A variable set to an empty or blank value counts
//!   as unset: a CI template leaves an undefined variable empty.
//! - **Switches in a variable** are on unless `0`, `false`, `no` or `off`.
//! - **Credentials have no flag.** The bearer token (in the variable
//!   `--token-env` names) and the OAuth client id and secret
//!   ([`CREDENTIAL_VARS`]) are read from the environment only: a flag's
//!   value shows in `ps` and in shell history. `--secret-header` stays,
//!   for values a CI secret store hands over on the command line.
//! - **Values are never quoted in errors when the knob is secret** (the
//!   target URL may hold a password, a header a token); numbers are.
//! - **Only the commands' knobs are read.** `list` reads the selection
//!   knobs, not `GRAPH_CONTRACT_METADATA`: a variable meant for `check`
//!   costs `list` nothing and cannot fail it.
//! - **PEM files are loaded here, the key's path is a secret.** `--cacert`,
//!   `--cert` and `--key` are read and checked when the configuration is
//!   built (see [`crate::target::tls`]); an error names the option and the
//!   file, except the key's, which is named by its option only: the key's
//!   path joins the run's secrets, so no output (re-run commands included)
//!   shows it.

pub mod knob;

use crate::error::Error;

use crate::baseline::Baseline;
use crate::run::select::Selection;
use crate::run::{MetadataSource, Settings};
use crate::scenario::{Scenarios, Vars};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Which commands take a knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The pages: `check`, `list`, `show`, `lint`, `mock` and the harness.
    Pages,
    /// Which cases: `check`, `list` and the harness.
    Select,
    /// How to reach and judge the target: `check`, `show` and the harness.
    Run,
    /// What a whole run reports: `check` and the harness.
    Report,
}

/// How a knob's value is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `--flag VALUE`.
    Value,
    /// `--flag` (on), or in the variable `1`/`0`.
    Switch,
    /// `--flag VALUE`, repeatable; in the variable one value per line.
    List,
    /// Positional arguments (the pages); in the variable one per line.
    Positional,
}

/// One configuration knob: its flag, its variable, what it takes.
#[derive(Debug, Clone, Copy)]
pub struct Knob {
    /// The long flag without its dashes (`timeout`); for a positional
    /// knob, its name in the usage line.
    pub flag: &'static str,
    /// The environment variable.
    pub var: &'static str,
    pub kind: Kind,
    pub scope: Scope,
    /// A one-letter flag too (`-q`).
    pub short: Option<char>,
    /// The value's name in `--help` (`SECONDS`).
    pub value_name: &'static str,
    /// The default, as text (shown in `--help`).
    pub default: Option<&'static str>,
    /// The value is never printed (help, errors, output).
    pub secret: bool,
    /// Left out of `--help` (benchmarks).
    pub hidden: bool,
    pub help: &'static str,
}

const fn knob(
    flag: &'static str,
    var: &'static str,
    kind: Kind,
    scope: Scope,
    value_name: &'static str,
    help: &'static str,
) -> Knob {
    Knob {
        flag,
        var,
        kind,
        scope,
        short: None,
        value_name,
        default: None,
        secret: false,
        hidden: false,
        help,
    }
}

impl Knob {
    const fn default(mut self, text: &'static str) -> Knob {
        self.default = Some(text);
        self
    }
    const fn secret(mut self) -> Knob {
        self.secret = true;
        self
    }
    const fn short(mut self, c: char) -> Knob {
        self.short = Some(c);
        self
    }
    const fn hidden(mut self) -> Knob {
        self.hidden = true;
        self
    }

    /// `--timeout`, or the positional name.
    pub fn option(&self) -> String {
        match self.kind {
            Kind::Positional => self.value_name.to_owned(),
            _ => format!("--{}", self.flag),
        }
    }
}

use Kind::*;
use Scope::*;

/// Every knob. The order is `--help`'s.
pub const KNOBS: &[Knob] = &[
    knob("paths", "GRAPH_CONTRACT_SPECS", Positional, Pages, "PATHS",
        "Pages: files or folders of `.md` pages").default("specs"),
    knob("filter", "GRAPH_CONTRACT_FILTER", List, Select, "TEXT",
        "Keep cases whose id or documented URL path contains TEXT (`/me/messages`; repeatable: any of them)."),
    knob("exact", "GRAPH_CONTRACT_EXACT", Switch, Select, "",
        "`--filter` and `--skip` name whole case ids (`user-get::get_user`, not every id containing it), as libtest's `--exact`."),
    knob("skip", "GRAPH_CONTRACT_SKIP", List, Select, "TEXT",
        "Drop cases whose id contains TEXT (repeatable)."),
    knob("method", "GRAPH_CONTRACT_METHOD", List, Select, "METHODS",
        "Keep cases of these methods (comma-separated: GET,POST)."),
    knob("changed-since", "GRAPH_CONTRACT_CHANGED_SINCE", Value, Select, "GIT_REV",
        "Keep cases of pages changed since this git revision of the docs repository (for docs pull requests)."),
    knob("target", "TARGET_URL", Value, Run, "URL",
        "Base URL of the service under test [default: the built-in mock]").secret(),
    knob("timeout", "GRAPH_CONTRACT_TIMEOUT", Value, Run, "SECONDS",
        "Per-request timeout in seconds (0.001 to 86400).").default("30"),
    knob("token-env", "GRAPH_CONTRACT_TOKEN_ENV", Value, Run, "VAR",
        "Environment variable holding the bearer token.").default("GRAPH_CONTRACT_TOKEN"),
    knob("oauth-token-url", "GRAPH_CONTRACT_OAUTH_TOKEN_URL", Value, Run, "URL",
        "OAuth 2.0 token endpoint for client credentials (client id and secret from GRAPH_CONTRACT_CLIENT_ID and GRAPH_CONTRACT_CLIENT_SECRET).").secret(),
    knob("oauth-scope", "GRAPH_CONTRACT_OAUTH_SCOPE", Value, Run, "SCOPE",
        "Scope asked of the token endpoint."),
    knob("header", "GRAPH_CONTRACT_HEADER", List, Run, "HEADER",
        "Extra request header, 'Name: value' (repeatable; one per line in the variable).").secret(),
    knob("secret-header", "GRAPH_CONTRACT_SECRET_HEADER", List, Run, "HEADER",
        "Extra request header whose value is secret: never printed (repeatable).").secret(),
    knob("deadline", "GRAPH_CONTRACT_DEADLINE", Value, Run, "SECONDS",
        "Stop sending after this many seconds for the whole run (0.001 to 604800)."),
    knob("metadata", "GRAPH_CONTRACT_METADATA", Value, Run, "FILE",
        "The service's CSDL `$metadata`: examples whose path it does not declare are not implemented (not sent); answers are judged against its types too."),
    knob("metadata-from-target", "GRAPH_CONTRACT_METADATA_FROM_TARGET", Switch, Run, "",
        "`--metadata` from `<target>/<version>/$metadata`, fetched once per version before anything else is sent."),
    knob("send-undeclared", "GRAPH_CONTRACT_SEND_UNDECLARED", Switch, Run, "",
        "With metadata, send the examples whose path it does not declare too (otherwise they are not implemented: not sent)."),
    knob("min-coverage", "GRAPH_CONTRACT_MIN_COVERAGE", Value, Report, "PERCENT",
        "Fail the run when fewer than PERCENT of the documented operations the service declares (all, without metadata) that ran conform."),
    knob("vars", "GRAPH_CONTRACT_VARS", Value, Run, "FILE",
        "Values for the docs' placeholders (TOML; see the README)."),
    knob("scenarios", "GRAPH_CONTRACT_SCENARIOS", Value, Run, "FILE",
        "Setup and teardown requests for cases and pages (TOML)."),
    knob("retries", "GRAPH_CONTRACT_RETRIES", Value, Run, "N",
        "Retries of 429/503 answers and failed connections (0 to 100).").default("3"),
    knob("max-body", "GRAPH_CONTRACT_MAX_BODY", Value, Run, "BYTES",
        "Largest response body read, in bytes (1 to 1073741824).").default("16777216"),
    knob("cacert", "GRAPH_CONTRACT_CACERT", Value, Run, "FILE",
        "HTTPS: CA certificates (PEM, one or more) trusted besides the built-in roots."),
    knob("insecure", "GRAPH_CONTRACT_INSECURE", Switch, Run, "",
        "HTTPS: do not verify the target's certificate (said at the start and in every report's summary; the token endpoint is still verified; writes are still guarded)."),
    knob("cert", "GRAPH_CONTRACT_CERT", Value, Run, "FILE",
        "HTTPS: client certificate for mutual TLS (PEM, the leaf first, then its chain); needs --key."),
    knob("key", "GRAPH_CONTRACT_KEY", Value, Run, "FILE",
        "HTTPS: the client certificate's private key (PEM, unencrypted); neither its contents nor its path are ever printed.").secret(),
    knob("http1.1", "GRAPH_CONTRACT_HTTP1_1", Switch, Run, "",
        "HTTPS: offer only HTTP/1.1 (otherwise HTTP/2 when the server offers it, by ALPN)."),
    knob("allow-writes", "GRAPH_CONTRACT_ALLOW_WRITES", Switch, Run, "",
        "Send writes (every method but GET, HEAD and OPTIONS) to a target that is not loopback."),
    knob("fill-placeholders", "GRAPH_CONTRACT_FILL_PLACEHOLDERS", Switch, Run, "",
        "Fill `{placeholders}` in URLs with stable generated values."),
    knob("strict", "GRAPH_CONTRACT_STRICT", Switch, Run, "",
        "Warnings that have an error form become errors."),
    knob("odata", "GRAPH_CONTRACT_ODATA", Value, Run, "off|on|strict",
        "The OData protocol rules ($top, $select, $count, $orderby, $filter, paging, error envelope): strict makes an ignored $select an error.").default("on"),
    knob("follow-pages", "GRAPH_CONTRACT_FOLLOW_PAGES", Value, Run, "N",
        "Further pages followed through @odata.nextLink when it stays on the target, each judged like the first (0 to 100; 0: none).").default("2"),
    knob("deny-warnings", "GRAPH_CONTRACT_DENY_WARNINGS", Switch, Run, "",
        "Any warning fails its case."),
    knob("case-header", "GRAPH_CONTRACT_CASE_HEADER", Switch, Run, "",
        "Send each case's id in `x-graph-contract-case`, so that a separately started `graph-contract mock` answers examples that share method and path each with its own response (checks against the built-in mock do this by themselves)."),
    knob("jobs", "GRAPH_CONTRACT_JOBS", Value, Report, "N",
        "Exchanges in flight at once (shared out over one replay thread per core; 1 to 1024).").default("32"),
    knob("details", "GRAPH_CONTRACT_DETAILS", Switch, Report, "",
        "Print findings and the diff for passing cases too."),
    knob("quiet", "GRAPH_CONTRACT_QUIET", Switch, Report, "",
        "Print only failures and the totals.").short('q'),
    knob("junit", "GRAPH_CONTRACT_JUNIT", Value, Report, "FILE",
        "Write a JUnit XML report (one testcase per example)."),
    knob("json", "GRAPH_CONTRACT_JSON", Value, Report, "FILE",
        "Write a JSON report (one object per case and a summary)."),
    knob("summary", "GRAPH_CONTRACT_SUMMARY", Value, Report, "FILE",
        "Write a Markdown summary (for a CI job summary page)."),
    knob("html", "GRAPH_CONTRACT_HTML", Value, Report, "FILE",
        "Write an HTML report: one self-contained file to browse, filter and share (filters live in the link)."),
    knob("baseline", "GRAPH_CONTRACT_BASELINE", Value, Report, "FILE",
        "Known failures, one case id per line: they do not fail the run."),
    knob("write-baseline", "GRAPH_CONTRACT_WRITE_BASELINE", Value, Report, "FILE",
        "Write the current failures as a baseline."),
    knob("repeat", "GRAPH_CONTRACT_REPEAT", Value, Report, "N",
        "Benchmarks: replay the selection N times over one session (reports the last pass; earlier failures still fail the run).").default("1").hidden(),
];

/// Variables read for credentials, which have no flag (see the module
/// docs), besides the one `--token-env` names.
pub const CREDENTIAL_VARS: &[&str] = &["GRAPH_CONTRACT_CLIENT_ID", "GRAPH_CONTRACT_CLIENT_SECRET"];

/// The knob with this flag name (`timeout`).
pub fn find(flag: &str) -> Option<&'static Knob> {
    KNOBS.iter().find(|k| k.flag == flag)
}

/// The environment: the process's, or a map in tests. Blank values are
/// unset; values that are not UTF-8 too.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The process environment.
    pub fn process() -> Env {
        Env::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .filter(|(_, v)| !v.trim().is_empty())
                .collect(),
        }
    }

    /// A variable's value, if set and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Every variable, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A switch: `1`, `true`, `yes`, `on` (any case) turn it on; `0`,
    /// `false`, `no`, `off` off; unset is off; anything else is an error
    /// (`GRAPH_CONTRACT_ALLOW_WRITES=flase` must not send writes).
    pub fn switch(&self, name: &str) -> Result<bool, String> {
        let Some(v) = self.get(name) else {
            return Ok(false);
        };
        match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(format!(
                "{name}={}: not a switch value (1, true, yes, on or 0, false, no, off)",
                knob::quoted(v)
            )),
        }
    }
}

/// What a command line gave: flag name → its values (a switch: one empty
/// value). Knobs it does not hold come from the environment.
#[derive(Debug, Clone, Default)]
pub struct Given {
    values: BTreeMap<&'static str, Vec<String>>,
}

impl Given {
    /// The command line gave this knob these values.
    pub fn set(&mut self, flag: &str, values: Vec<String>) {
        if let Some(k) = find(flag) {
            self.values.insert(k.flag, values);
        }
    }

    /// The options a re-run of one case repeats, as words: every knob the
    /// command line gave that decides a verdict (how to reach and judge
    /// the target, and `--baseline`), in table order. Pages, selection and
    /// outputs are the re-run's own; the environment's knobs still hold
    /// where it runs. Secret values are kept: every output is redacted.
    pub fn rerun_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        for k in KNOBS {
            let Some(values) = self.values.get(k.flag) else {
                continue;
            };
            if k.scope != Scope::Run && k.flag != "baseline" {
                continue;
            }
            match k.kind {
                Kind::Switch => out.push(k.option()),
                Kind::Positional => {}
                // A secret file's path (the key's) is never written: the
                // command names its variable instead, which the shell
                // expands (see `report::shell_word`). Other secret values
                // (a target URL, headers) keep their text, whose secret
                // parts the redactor masks.
                Kind::Value if k.secret && k.value_name == "FILE" => {
                    out.push(k.option());
                    out.push(format!("\"${}\"", k.var));
                }
                Kind::Value | Kind::List => {
                    for v in values {
                        out.push(k.option());
                        out.push(v.clone());
                    }
                }
            }
        }
        out
    }
}

/// Where a knob's value came from, for messages: `--timeout` or
/// `GRAPH_CONTRACT_TIMEOUT="..." (the environment form of --timeout)`.
struct Source<'a> {
    knob: &'a Knob,
    from_flag: bool,
    values: Vec<String>,
}

impl Source<'_> {
    /// The option as an error names it, with the value when it is not
    /// secret (cut to 40 characters).
    fn name(&self, value: &str) -> String {
        let shown = if self.knob.secret {
            String::new()
        } else {
            knob::quoted(value)
        };
        if self.from_flag {
            match self.knob.kind {
                Kind::Positional => self.knob.option(),
                _ if shown.is_empty() => self.knob.option(),
                _ => format!("{} {shown}", self.knob.option()),
            }
        } else if shown.is_empty() {
            format!(
                "{} (the environment form of {})",
                self.knob.var,
                self.knob.option()
            )
        } else {
            format!(
                "{}={shown} (the environment form of {})",
                self.knob.var,
                self.knob.option()
            )
        }
    }

    fn one(&self) -> Option<&str> {
        self.values.last().map(String::as_str)
    }
}

/// The report files one run writes, any combination.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub junit: Option<std::path::PathBuf>,
    pub json: Option<std::path::PathBuf>,
    pub summary: Option<std::path::PathBuf>,
    pub html: Option<std::path::PathBuf>,
    pub write_baseline: Option<std::path::PathBuf>,
}

/// Everything a command's run needs, validated, its files loaded.
#[derive(Debug, Clone)]
pub struct Config {
    /// The pages to read.
    pub pages: Vec<PathBuf>,
    /// Which of their cases run.
    pub select: Selection,
    /// How to reach and judge the target.
    pub settings: Settings,
    /// The report files to write.
    pub outputs: Outputs,
    /// Findings of passing cases too.
    pub details: bool,
    /// Only failures and the totals.
    pub quiet: bool,
    /// Passes over the selection (benchmarks).
    pub repeat: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            pages: vec![PathBuf::from("specs")],
            select: Selection::default(),
            settings: Settings::default(),
            outputs: Outputs::default(),
            details: false,
            quiet: false,
            repeat: 1,
        }
    }
}

/// The configuration the command line (`given`) and the environment give
/// for the knobs of these scopes, every value checked and every file
/// loaded; the error names the flag or the variable.
pub fn build(given: &Given, env: &Env, scopes: &[Scope]) -> Result<Config, crate::error::Error> {
    // A switch's variable that is neither on nor off is refused first.
    for k in KNOBS
        .iter()
        .filter(|k| k.kind == Kind::Switch && scopes.contains(&k.scope))
    {
        if !given.values.contains_key(k.flag) {
            env.switch(k.var).map_err(|e| {
                Error::config(format!("{e} (the environment form of {})", k.option()))
            })?;
        }
    }
    let source = |flag: &str| -> Option<Source<'static>> {
        let knob = find(flag)?;
        if !scopes.contains(&knob.scope) {
            return None;
        }
        if let Some(v) = given.values.get(knob.flag) {
            return Some(Source {
                knob,
                from_flag: true,
                values: v.clone(),
            });
        }
        let text = env.get(knob.var)?;
        let values = match knob.kind {
            Kind::List | Kind::Positional => text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            Kind::Switch => {
                if env.switch(knob.var).unwrap_or(false) {
                    vec![String::new()]
                } else {
                    return None;
                }
            }
            Kind::Value => vec![text.to_owned()],
        };
        Some(Source {
            knob,
            from_flag: false,
            values,
        })
    };
    let switch = |flag: &str| source(flag).is_some();
    let text = |flag: &str| source(flag).and_then(|s| s.one().map(str::to_owned));
    let path = |flag: &str| text(flag).map(PathBuf::from);
    let seconds = |flag: &str, k: knob::Seconds| -> Result<Option<std::time::Duration>, Error> {
        let Some(s) = source(flag) else {
            return Ok(None);
        };
        let v = s.one().unwrap_or_default();
        k.parse(v)
            .map(Some)
            .map_err(|e| config_err!("{}: {e}", s.name(v)))
    };
    let count = |flag: &str, k: knob::Count| -> Result<Option<u64>, Error> {
        let Some(s) = source(flag) else {
            return Ok(None);
        };
        let v = s.one().unwrap_or_default();
        k.parse(v)
            .map(Some)
            .map_err(|e| config_err!("{}: {e}", s.name(v)))
    };

    let mut c = Config::default();
    if let Some(s) = source("paths")
        && !s.values.is_empty()
    {
        c.pages = s.values.iter().map(PathBuf::from).collect();
    } else if scopes.contains(&Scope::Pages) {
        // The harness runs in the crate under test: `specs/` there.
        let local = PathBuf::from("specs");
        if !local.exists()
            && let Some(dir) = env.get("CARGO_MANIFEST_DIR")
        {
            c.pages = vec![PathBuf::from(dir).join("specs")];
        }
    }

    // Selection.
    let list = |flag: &str| source(flag).map(|s| s.values).unwrap_or_default();
    c.select.filter = list("filter");
    c.select.skip = list("skip");
    c.select.exact = switch("exact");
    c.select.method = list("method")
        .iter()
        .flat_map(|m| m.split(','))
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect();
    if let Some(s) = source("changed-since") {
        let rev = s.one().unwrap_or_default().to_owned();
        // Passed to git as an argument: one that starts with `-` would be
        // read as an option (`--output=FILE` writes a file).
        if rev.trim().is_empty() || rev.starts_with('-') {
            return Err(config_err!("{}: not a git revision", s.name(&rev)));
        }
        c.select.changed_since = Some(rev);
    }

    // Reaching the target.
    let st = &mut c.settings;
    st.target = text("target");
    if let Some(t) = seconds("timeout", knob::TIMEOUT)? {
        st.send.timeout = t;
    }
    st.deadline = seconds("deadline", knob::DEADLINE)?;
    // Within 0..=100, 1..=1 GiB and 1..=1024: they fit u32 and usize.
    if let Some(n) = count("retries", knob::RETRIES)? {
        st.send.retries = n as u32;
    }
    if let Some(n) = count("follow-pages", knob::FOLLOW_PAGES)? {
        st.follow_pages = crate::run::FollowPages(n as usize);
    }
    if let Some(s) = source("odata") {
        let v = s.one().unwrap_or_default();
        st.judge.odata =
            crate::judge::odata::Mode::parse(v).map_err(|e| config_err!("{}: {e}", s.name(v)))?;
    }
    if let Some(n) = count("max-body", knob::MAX_BODY)? {
        st.send.max_body = n as usize;
    }
    if let Some(n) = count("jobs", knob::JOBS)? {
        st.send.jobs = n as usize;
    }
    if let Some(n) = count("repeat", knob::REPEAT)? {
        c.repeat = n as usize;
    }
    if scopes.contains(&Scope::Run) {
        let token_env = text("token-env").unwrap_or_else(|| "GRAPH_CONTRACT_TOKEN".to_owned());
        if token_env.trim().is_empty() || token_env.contains(['=', '\0']) {
            let named =
                source("token-env").map_or("--token-env".to_owned(), |s| s.name(&token_env));
            return Err(config_err!(
                "{named}: not the name of an environment variable"
            ));
        }
        let token_url = text("oauth-token-url");
        if let Some(url) = &token_url {
            knob::oauth_token_url("--oauth-token-url (GRAPH_CONTRACT_OAUTH_TOKEN_URL)", url)
                .map_err(Error::config)?;
        }
        let lookup = |name: &str| env.get(name).map(str::to_owned);
        st.send.credentials =
            crate::target::auth::from_env(&lookup, &token_env, token_url, text("oauth-scope"))
                .map_err(Error::config)?;
        if let crate::target::Credentials::Token(t) = &st.send.credentials {
            knob::token(&token_env, t).map_err(Error::config)?;
        }
    }
    for (flag, secret) in [("header", false), ("secret-header", true)] {
        // The option as the message names it: the flag, or the variable.
        let option = match source(flag) {
            Some(s) if !s.from_flag => s.name(""),
            _ => format!("--{flag}"),
        };
        for h in list(flag) {
            let (name, value) = knob::header(&option, &h).map_err(Error::config)?;
            if secret || crate::target::SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str())
            {
                st.secret_values.push(value.clone());
            }
            st.send.headers.push((name, value));
        }
    }
    if scopes.contains(&Scope::Run) {
        tls(&source, &mut st.send.tls, &mut st.secret_values)?;
    }
    st.send.allow_writes = switch("allow-writes");
    st.send.fill_placeholders = switch("fill-placeholders");
    st.send.case_header = switch("case-header");
    st.judge.strict = switch("strict");
    st.deny_warnings = switch("deny-warnings");
    c.details = switch("details");
    c.quiet = switch("quiet");

    // Files, loaded once.
    if scopes.contains(&Scope::Run) {
        st.vars = match path("vars") {
            Some(p) => Vars::load(&p)?,
            None => Vars::default(),
        }
        .with_env(env.iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
    }
    if let Some(p) = path("scenarios") {
        st.scenarios = Scenarios::load(&p, &st.vars)?;
    }
    if let Some(p) = path("metadata") {
        if switch("metadata-from-target") {
            return Err(Error::config(
                "--metadata and --metadata-from-target: give one (a file, or the target's own)",
            ));
        }
        st.metadata = Some(MetadataSource::File(load_metadata(&p)?));
    } else if switch("metadata-from-target") {
        if st.target.is_none() {
            return Err(Error::config(
                "--metadata-from-target needs --target (TARGET_URL)",
            ));
        }
        st.metadata = Some(MetadataSource::from_target());
    }
    st.send_undeclared = switch("send-undeclared");
    if let Some(s) = source("send-undeclared")
        && st.metadata.is_none()
    {
        return Err(config_err!(
            "{} needs --metadata or --metadata-from-target (it says what to do with the paths they do not declare)",
            if s.from_flag {
                s.knob.option()
            } else {
                s.knob.var.to_owned()
            }
        ));
    }
    if let Some(s) = source("min-coverage") {
        let v = s.one().unwrap_or_default();
        st.min_coverage = Some(knob::percent(v).map_err(|e| config_err!("{}: {e}", s.name(v)))?);
    }
    if let Some(p) = path("baseline") {
        st.baseline = Baseline::load(&p)?;
    }
    c.outputs = Outputs {
        junit: path("junit"),
        json: path("json"),
        summary: path("summary"),
        html: path("html"),
        write_baseline: path("write-baseline"),
    };
    Ok(c)
}

/// The HTTPS knobs: every PEM file read and checked now; the key's path
/// added to the run's secrets.
fn tls(
    source: &dyn Fn(&str) -> Option<Source<'static>>,
    tls: &mut crate::target::tls::Tls,
    secrets: &mut Vec<String>,
) -> Result<(), Error> {
    use crate::target::tls::{load_cacert, load_identity};
    // The option as a message names it, and the path it gave.
    let file = |flag: &str| -> Result<Option<(String, PathBuf)>, Error> {
        let Some(s) = source(flag) else {
            return Ok(None);
        };
        let named = if s.from_flag {
            s.knob.option()
        } else {
            format!(
                "{} (the environment form of {})",
                s.knob.var,
                s.knob.option()
            )
        };
        let path = s.one().unwrap_or_default();
        if path.trim().is_empty() {
            return Err(config_err!(
                "{named}: empty: expected the path of a PEM file"
            ));
        }
        Ok(Some((named, PathBuf::from(path))))
    };
    if let Some((named, path)) = file("cacert")? {
        tls.cacert = Some(load_cacert(&named, &path).map_err(Error::config)?);
    }
    match (file("cert")?, file("key")?) {
        (Some((cert_named, cert)), Some((key_named, key))) => {
            tls.identity =
                Some(load_identity(&cert_named, &cert, &key_named, &key).map_err(Error::config)?);
            secrets.push(key.display().to_string());
        }
        (Some((named, _)), None) => {
            return Err(config_err!(
                "{named} needs --key FILE (GRAPH_CONTRACT_KEY): the certificate's private key, \
                 PEM (a file holding both may be given to both)"
            ));
        }
        (None, Some((named, _))) => {
            return Err(config_err!(
                "{named} needs --cert FILE (GRAPH_CONTRACT_CERT): the client certificate \
                 the key belongs to, PEM"
            ));
        }
        (None, None) => {}
    }
    tls.insecure = source("insecure").is_some();
    tls.http1_only = source("http1.1").is_some();
    Ok(())
}

/// Load a CSDL document and compile its validator (errors name the file,
/// with line and column).
pub fn load_metadata(
    path: &std::path::Path,
) -> Result<Arc<crate::csdl::SchemaJudge>, crate::error::Error> {
    let meta = crate::csdl::Metadata::load(path)?;
    let judge = crate::csdl::SchemaJudge::new(Arc::new(meta));
    judge
        .compile_all()
        .map_err(|e| config_err!("{}: {e}", path.display()))?;
    Ok(Arc::new(judge))
}
