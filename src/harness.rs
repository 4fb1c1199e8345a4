//! The `cargo test` face: one libtest-mimic trial per documented example.
//! A service's own crate uses it as a dev-dependency with a `harness = false`
//! test whose `main` is one line:
//!
//! ```no_run
//! // tests/contract.rs, with `[[test]] name = "contract" harness = false`
//! graph_contract::harness::main()
//! ```
//!
//! Configuration comes from the environment (`TARGET_URL`, then
//! `GRAPH_CONTRACT_*`, the same options as the CLI's flags); libtest's own
//! arguments select (`cargo test -- onenote`, `--exact`, `--list`,
//! `--ignored`, `--test-threads`).

use crate::docs;
use crate::model::{Case, Severity};
use crate::report::baseline::Baseline;
use crate::report::{self, Outputs, Redactor, Totals};
use crate::run::{CaseResult, MetadataSource, Session, Settings, Verdict};
use crate::scenario::{Scenarios, Vars};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

/// Exit code for configuration errors (and an empty selection).
pub const EXIT_CONFIG: i32 = 2;

/// Where the harness reads its configuration: the process environment, or a
/// map in tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, empty values treated as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_flag(env: Env, name: &str) -> bool {
    env(name).is_some_and(|v| !matches!(v.trim(), "0" | "false" | "no" | "off"))
}

fn env_number(env: Env, name: &str) -> Result<Option<u64>, String> {
    env(name)
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| format!("{name}={v:?} is not a whole number"))
        })
        .transpose()
}

/// The run settings described by the environment.
pub fn settings_from_env(env: Env) -> Result<Settings, String> {
    let mut s = Settings {
        target: env("TARGET_URL"),
        ..Settings::default()
    };
    s.send.credentials = crate::target::auth::from_env(
        env,
        "GRAPH_CONTRACT_TOKEN",
        env("GRAPH_CONTRACT_OAUTH_TOKEN_URL"),
        env("GRAPH_CONTRACT_OAUTH_SCOPE"),
    )?;
    if let Some(secs) = env_number(env, "GRAPH_CONTRACT_DEADLINE")? {
        s.deadline = Some(Duration::from_secs(secs.max(1)));
    }
    s.send.allow_writes = env_flag(env, "GRAPH_CONTRACT_ALLOW_WRITES");
    s.send.fill_placeholders = env_flag(env, "GRAPH_CONTRACT_FILL_PLACEHOLDERS");
    s.send.case_header = env_flag(env, "GRAPH_CONTRACT_CASE_HEADER");
    if let Some(secs) = env_number(env, "GRAPH_CONTRACT_TIMEOUT")? {
        s.send.timeout = Duration::from_secs(secs.max(1));
    }
    if let Some(jobs) = env_number(env, "GRAPH_CONTRACT_JOBS")? {
        s.send.jobs = jobs.max(1) as usize;
    }
    s.judge.strict = env_flag(env, "GRAPH_CONTRACT_STRICT");
    s.deny_warnings = env_flag(env, "GRAPH_CONTRACT_DENY_WARNINGS");
    s.vars = match env("GRAPH_CONTRACT_VARS") {
        Some(p) => Vars::load(std::path::Path::new(&p))?,
        None => Vars::default(),
    }
    .with_env(std::env::vars());
    if let Some(p) = env("GRAPH_CONTRACT_SCENARIOS") {
        s.scenarios = Scenarios::load(std::path::Path::new(&p), &s.vars)?;
    }
    if let Some(p) = env("GRAPH_CONTRACT_METADATA") {
        let meta =
            crate::csdl::Metadata::load(std::path::Path::new(&p)).map_err(|e| e.to_string())?;
        let judge = crate::csdl::SchemaJudge::new(Arc::new(meta));
        judge.compile_all().map_err(|e| format!("{p}: {e}"))?;
        s.metadata = Some(MetadataSource::File(Arc::new(judge)));
    } else if env_flag(env, "GRAPH_CONTRACT_METADATA_FROM_TARGET") {
        s.metadata = Some(MetadataSource::from_target());
    }
    if let Some(p) = env("GRAPH_CONTRACT_BASELINE") {
        s.baseline = Baseline::load(std::path::Path::new(&p))?;
    }
    Ok(s)
}

/// Where the pages are: `GRAPH_CONTRACT_SPECS`, else `specs/` of the crate
/// under test.
pub fn specs_path(env: Env) -> PathBuf {
    match env("GRAPH_CONTRACT_SPECS") {
        Some(p) => PathBuf::from(p),
        None => {
            let local = PathBuf::from("specs");
            match env("CARGO_MANIFEST_DIR") {
                Some(dir) if !local.exists() => PathBuf::from(dir).join("specs"),
                _ => local,
            }
        }
    }
}

/// What a harness run did.
pub struct Outcome {
    /// The process exit code: 0, or 101 when a case failed (libtest's).
    pub code: i32,
    pub cases: Arc<Vec<Case>>,
    /// The result of every case that ran, in case order.
    pub results: Vec<CaseResult>,
}

/// Run the contract tests and exit: the whole `main` of a `harness = false`
/// test target.
pub fn main() -> ! {
    let args = Arguments::from_args();
    match run(args, &process_env) {
        Ok(outcome) => std::process::exit(outcome.code),
        Err(message) => {
            eprintln!("graph-contract: error: {message}");
            std::process::exit(EXIT_CONFIG)
        }
    }
}

/// The harness with explicit arguments and environment.
pub fn run(mut args: Arguments, env: Env) -> Result<Outcome, String> {
    let settings = settings_from_env(env)?;
    let specs = specs_path(env);
    if !specs.exists() {
        return Err(format!(
            "no pages at {} (set GRAPH_CONTRACT_SPECS to a page or a folder of pages)",
            specs.display()
        ));
    }
    let corpus = docs::read_paths(&[specs.as_path()]);
    if corpus.cases.is_empty() {
        return Err(format!(
            "no documented example found under {}",
            specs.display()
        ));
    }
    let jobs = settings.send.jobs;
    // Exchanges are I/O bound: run many at once unless told otherwise.
    if args.test_threads.is_none() {
        args.test_threads = Some(jobs);
    }
    let outputs = Outputs {
        junit: env("GRAPH_CONTRACT_JUNIT").map(PathBuf::from),
        json: env("GRAPH_CONTRACT_JSON").map(PathBuf::from),
        summary: env("GRAPH_CONTRACT_SUMMARY").map(PathBuf::from),
        write_baseline: env("GRAPH_CONTRACT_WRITE_BASELINE").map(PathBuf::from),
    };
    if !args.list && under_nextest(env) {
        let vars = [
            ("GRAPH_CONTRACT_JUNIT", &outputs.junit),
            ("GRAPH_CONTRACT_JSON", &outputs.json),
            ("GRAPH_CONTRACT_SUMMARY", &outputs.summary),
            ("GRAPH_CONTRACT_WRITE_BASELINE", &outputs.write_baseline),
        ];
        if let Some((var, _)) = vars.iter().find(|(_, p)| p.is_some()) {
            return Err(format!(
                "{var} is set under cargo nextest, which runs each case in its own process: \
                 the file would hold only the last case. Use nextest's own JUnit report \
                 ([profile.ci.junit] in .config/nextest.toml), or `graph-contract check`, \
                 or `cargo test`, for graph-contract's reports"
            ));
        }
    }
    let enforced = report::enforced(settings.judge.strict, settings.deny_warnings);
    let redactor = Redactor::new(settings.secrets());
    let nextest = under_nextest(env);
    // Under nextest each case is a process of its own, and the warnings
    // would repeat in every one: cargo test and `check` say them.
    if !args.list && !nextest {
        for w in crate::run::stale_references(&corpus.cases, &settings) {
            eprintln!("graph-contract: warning: {}", redactor.apply(&w));
        }
    }
    let cases = Arc::new(corpus.cases);
    // nextest knows only the ignores of the listing, and would show a case
    // ignored when it runs as passed: under nextest, the cases known not to
    // run are listed (and run) as ignored. Under cargo test they stay
    // ignored at run time, where libtest prints the reason beside them.
    // Listing opens nothing; a run takes them from its session, opened now
    // rather than at the first case.
    let mut opened = None;
    let known_ignored: HashSet<usize> = if !nextest {
        HashSet::new()
    } else if args.list {
        Session::static_ignores(&settings, cases.clone())?
            .into_keys()
            .collect()
    } else {
        let session = open_session(&settings, &cases)?;
        let ignored = (0..cases.len())
            .filter(|&i| session.ignore_reason(i).is_some())
            .collect();
        opened = Some(session);
        ignored
    };
    let trial_of = |index: usize, run: Box<dyn FnOnce() -> Result<Completion, Failed> + Send>| {
        let case = &cases[index];
        Trial::ignorable_test(case.id.clone(), run)
            .with_kind(case.request.method.clone())
            .with_ignored_flag(known_ignored.contains(&index))
    };
    // Cases of a page touched by a scenario run one at a time, in order:
    // each waits for the selected case before it on its page (a case that
    // will not run, filtered out or ignored, takes no turn).
    let mut order = HashMap::new();
    let mut next: HashMap<&str, usize> = HashMap::new();
    for (i, c) in cases.iter().enumerate() {
        if !settings.scenarios.touches_page(&c.page_id) {
            continue;
        }
        let probe = trial_of(i, Box::new(|| Ok(Completion::Completed)));
        if args.is_filtered_out(&probe) || args.is_ignored(&probe) {
            continue;
        }
        let n = next.entry(c.page_id.as_str()).or_default();
        order.insert(i, (c.page_id.clone(), *n));
        *n += 1;
    }
    let shared = Arc::new(Shared {
        order,
        turns: Mutex::new(HashMap::new()),
        turn_changed: Condvar::new(),
        cases: cases.clone(),
        settings,
        session: OnceLock::new(),
        results: Mutex::new(Vec::new()),
        redactor,
        color: report::stdout_color(),
    });
    if let Some(session) = opened {
        let _ = shared.session.set(Ok(session));
    }
    let trials: Vec<Trial> = (0..cases.len())
        .map(|index| {
            let shared2 = shared.clone();
            trial_of(index, Box::new(move || shared2.run_trial(index)))
        })
        .collect();

    if !args.list {
        let selected = trials.iter().filter(|t| !args.is_filtered_out(t)).count();
        if selected == 0 {
            return Err(format!(
                "the selection {} matched none of the {} cases read from {}",
                describe_filter(&args),
                trials.len(),
                specs.display()
            ));
        }
        // A target that cannot be used is a configuration error (exit 2),
        // not the same failure repeated for every case.
        if let Err(e) = shared.open() {
            return Err(e.clone());
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    let mut results =
        std::mem::take(&mut *shared.results.lock().unwrap_or_else(|e| e.into_inner()));
    results.sort_by_key(|r| r.index);
    let cases = shared.cases.clone();
    if !args.list {
        let fixed = match shared.session.get() {
            Some(Ok(session)) => session.fixed(&results),
            _ => Vec::new(),
        };
        print_epilogue(&cases, &results, &fixed, &shared.redactor);
        report::write_outputs(
            &outputs,
            &cases,
            &results,
            &enforced,
            &fixed,
            &shared.redactor,
        )?;
    }
    Ok(Outcome {
        code: if conclusion.has_failed() { 101 } else { 0 },
        cases,
        results,
    })
}

/// What every trial of a harness run shares.
struct Shared {
    /// Case index → (page id, position among the page's selected cases),
    /// for pages whose cases run in order.
    order: HashMap<usize, (String, usize)>,
    /// Page id → position whose turn it is.
    turns: Mutex<HashMap<String, usize>>,
    turn_changed: Condvar,
    cases: Arc<Vec<Case>>,
    settings: Settings,
    /// Opened by the first trial that runs (so `--list` starts nothing).
    session: OnceLock<Result<Arc<Session>, String>>,
    results: Mutex<Vec<CaseResult>>,
    redactor: Redactor,
    color: bool,
}

impl Shared {
    /// The session, opened on first use.
    fn open(&self) -> &Result<Arc<Session>, String> {
        self.session
            .get_or_init(|| open_session(&self.settings, &self.cases))
    }

    fn session(&self) -> Result<&Arc<Session>, Failed> {
        self.open()
            .as_ref()
            .map_err(|e| Failed::from(format!("graph-contract: {e}")))
    }

    fn run_trial(&self, index: usize) -> Result<Completion, Failed> {
        let session = self.session();
        let result = match self.order.get(&index) {
            None => session.map(|s| s.runtime.block_on(s.run_case(index))),
            Some((page, position)) => {
                let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
                while turns.get(page).copied().unwrap_or(0) != *position {
                    turns = self
                        .turn_changed
                        .wait(turns)
                        .unwrap_or_else(|e| e.into_inner());
                }
                drop(turns);
                let r = session.map(|s| s.runtime.block_on(s.run_case(index)));
                let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
                *turns.entry(page.clone()).or_default() += 1;
                self.turn_changed.notify_all();
                r
            }
        };
        let result = result?;
        let outcome = match &result.verdict {
            Verdict::Ignored(reason) => Ok(Completion::ignored_with(self.redactor.apply(reason))),
            Verdict::Pass => Ok(Completion::Completed),
            Verdict::KnownFailure => Ok(Completion::ignored_with(
                "known failure (listed in the baseline)",
            )),
            Verdict::Fail => Err(Failed::from(self.redactor.apply(&report::case_details(
                &self.cases[index],
                &result,
                self.color,
                true,
            )))),
        };
        self.results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(result);
        outcome
    }
}

/// Open the run's session and say what it talks to.
fn open_session(settings: &Settings, cases: &Arc<Vec<Case>>) -> Result<Arc<Session>, String> {
    let s = Arc::new(Session::open(settings.clone(), cases.clone())?);
    eprintln!("graph-contract: {}", s.describe_target());
    Ok(s)
}

/// True when cargo nextest runs this process for one test (it sets these
/// for every test process).
fn under_nextest(env: Env) -> bool {
    env("NEXTEST_EXECUTION_MODE").is_some_and(|m| m == "process-per-test")
        || env("NEXTEST").is_some_and(|v| v == "1")
}

fn describe_filter(args: &Arguments) -> String {
    let mut parts = Vec::new();
    if let Some(f) = &args.filter {
        parts.push(format!(
            "filter {f:?}{}",
            if args.exact { " (exact)" } else { "" }
        ));
    }
    for s in &args.skip {
        parts.push(format!("--skip {s:?}"));
    }
    if args.ignored {
        parts.push("--ignored".into());
    }
    if parts.is_empty() {
        "(none)".into()
    } else {
        parts.join(", ")
    }
}

/// Warnings of passing cases and the ignored reasons, after libtest's lines.
fn print_epilogue(cases: &[Case], results: &[CaseResult], fixed: &[String], redactor: &Redactor) {
    let mut out = String::new();
    for r in results {
        if r.verdict == Verdict::Pass && r.warnings().next().is_some() {
            let case = &cases[r.index];
            out.push_str(&format!(
                "warning: {} ({}:{})\n",
                case.id,
                case.page,
                case.line()
            ));
            for f in r
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
            {
                out.push_str(&format!("  {f}\n"));
            }
        }
    }
    let totals = Totals::of(results);
    if totals.warnings > 0 || totals.ignored_total() > 0 {
        out.push_str(&format!("graph-contract: {} warning(s)", totals.warnings));
        for (reason, n) in &totals.ignored {
            out.push_str(&format!("; {n} ignored: {reason}"));
        }
        out.push('\n');
    }
    for id in fixed {
        out.push_str(&format!(
            "graph-contract: fixed, remove from the baseline: {id}\n"
        ));
    }
    print!("{}", redactor.apply(&out));
}
