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
//!
//! Decisions, and why (the ignored cases):
//! - **`--ignored` and `--list --ignored` name the cases known not to run**
//!   (no documented response, a placeholder without a value, a refused
//!   write, an example the built-in mock cannot tell apart): the set
//!   planning decides before any request, the same set a plain run reports
//!   as ignored (with its reason beside each). Under a plain `cargo test`
//!   no trial carries libtest's ignored flag, so that libtest prints each
//!   reason when the case reports itself ignored; with `--ignored`, under
//!   `--list` and under nextest they carry it, so that libtest and nextest
//!   select and list them.
//! - **Asked to run, a case that cannot run fails, with its reason.**
//!   `cargo test -- --ignored` (or `--include-ignored`) and
//!   `cargo nextest run --run-ignored only` run them; nothing can be sent
//!   for them, so they do not pass. They fail rather than report
//!   themselves ignored again because nextest knows only a process's exit
//!   status (0 is a pass: there is no runtime skip), and one rule for both
//!   runners: a user who asked for them reads why each cannot run, and no
//!   run counts one as tested. A case the service's `$metadata` does not
//!   declare (not implemented) is one of them. Known failures (the baseline) are a
//!   different thing: they run, fail as expected and are reported to
//!   libtest as ignored ("known failure"); they are not in `--ignored`.
//! - **`--ignored` with no ignored case runs zero trials** (exit 0, and a
//!   line saying so), not the empty-selection error: `cargo test --
//!   --ignored` passes it to every test target of a crate, and a contract
//!   whose every case can run is not a mistake. A name filter that matches
//!   nothing is still an error.
//! - **No page changed** (`GRAPH_CONTRACT_CHANGED_SINCE`): zero trials, and
//!   the line `no page changed since REV: nothing to check` (exit 0).
//! - **Writing a baseline passes** (`GRAPH_CONTRACT_WRITE_BASELINE`), as
//!   under `check` ([`crate::baseline`]).
//! - **TLS is said as under `check`**: `GRAPH_CONTRACT_INSECURE` warns
//!   first in every run (each nextest process too: never silently) and in
//!   the summaries; a failed handshake is explained once, after libtest's
//!   lines; `GRAPH_CONTRACT_DETAILS` ends with the HTTP versions that
//!   answered.
//!
//! Every variable is declared once, with its flag, in [`crate::config`]:
//! the same parser, units and default as the CLI's flag, and a bad value
//! is a configuration error (exit 2) naming the variable. A panic prints through [`panics`], with the
//! run's secrets taken out; a case that panics fails, with its message
//! redacted like any other failure's.

use crate::config::{self, Given, Scope};
use crate::error::Error;
use crate::model::Case;
use crate::output::Redacting;
use crate::redact::Redactor;
use crate::render::{self, Face, Terminal};
use crate::report::{self, Files};
use crate::run::{self, CaseResult, Listeners, Session, Settings, Verdict, order};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

pub use crate::config::Env;
pub use crate::config::knob;

/// Exit code for configuration errors (and an empty selection).
pub const EXIT_CONFIG: i32 = crate::run::exit::CONFIG as i32;

/// The process environment, blank values counting as unset.
pub fn process_env() -> Env {
    Env::process()
}

/// Panic messages without the run's secrets, for both faces (`check` and
/// friends, and [`main`]).
///
/// Decisions, and why:
/// - **A hook of our own, not the default one.** The default hook prints the
///   panic's message as it is, and a message may quote an answer, a header
///   or a variable, any of which may hold a token. Ours prints the same
///   lines (thread, place, message, a backtrace when `RUST_BACKTRACE` asks)
///   with every secret the run knows replaced by `***`.
/// - **Withheld until the secrets are known.** Before a face has read its
///   configuration, the hook cannot tell a secret from any other text: it
///   prints where the panic happened, not what it said. The faces say the
///   secrets as soon as they have them ([`panics::known_secrets`]); commands that
///   read no secret (`list`, `lint`, `mock`, `schema`) say so at once.
/// - **Secrets add up.** Several runs in one process (tests calling
///   [`run`] in turn) each add theirs; none is ever forgotten.
/// - **Never blocks.** A panic while the list is being updated finds it
///   locked and withholds the message rather than wait on itself.
pub mod panics {
    use crate::report::Redactor;
    use std::sync::{Mutex, Once, TryLockError};

    /// The secrets known so far; `None` until a face says it knows them.
    static SECRETS: Mutex<Option<Vec<String>>> = Mutex::new(None);

    /// Replace the process's panic hook by the redacting one (once).
    pub fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| {
                let payload = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned());
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                let thread = std::thread::current();
                let redactor = match SECRETS.try_lock() {
                    Ok(guard) => guard.as_ref().map(|s| Redactor::new(s.iter().cloned())),
                    Err(TryLockError::Poisoned(e)) => e
                        .into_inner()
                        .as_ref()
                        .map(|s| Redactor::new(s.iter().cloned())),
                    Err(TryLockError::WouldBlock) => None,
                };
                let mut text = render(
                    thread.name().unwrap_or("<unnamed>"),
                    location.as_deref(),
                    payload.as_deref(),
                    redactor.as_ref(),
                );
                let trace = std::backtrace::Backtrace::capture();
                if trace.status() == std::backtrace::BacktraceStatus::Captured {
                    text.push_str(&format!("stack backtrace:\n{trace}\n"));
                }
                use std::io::Write as _;
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }));
        });
    }

    /// The run's secrets are known: from now on panic messages are printed,
    /// with these replaced (in addition to any said before).
    pub fn known_secrets(secrets: impl IntoIterator<Item = String>) {
        let mut guard = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
        guard.get_or_insert_with(Vec::new).extend(secrets);
    }

    /// What the hook prints for a panic: the thread, the place, then the
    /// message with the secrets replaced, or a note that it is withheld when
    /// the secrets are not known yet (`redactor` is `None`).
    pub fn render(
        thread: &str,
        location: Option<&str>,
        message: Option<&str>,
        redactor: Option<&Redactor>,
    ) -> String {
        let at = location.unwrap_or("an unknown place");
        let body = match (message, redactor) {
            (_, None) => "(message withheld: the run's secrets were not known yet, \
                          and it might have held one)"
                .to_owned(),
            (Some(m), Some(r)) => r.apply(m),
            (None, Some(_)) => "(no message)".to_owned(),
        };
        format!(
            "thread '{thread}' panicked at {at}:\n{body}\n\
             graph-contract: this is a bug in graph-contract, please report it\n"
        )
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn render_replaces_secrets_and_withholds_before_they_are_known() {
            let r = Redactor::new(["tok-S3CRET-1".to_owned(), "pw-Hidden".to_owned()]);
            let msg =
                "index out of bounds in answer {\"t\":\"tok-S3CRET-1\"} from http://u:pw-Hidden@h/";
            // (thread, location, message, redactor) → must contain / must not.
            type Row<'a> = (
                Option<&'a str>,
                Option<&'a Redactor>,
                &'a [&'a str],
                &'a [&'a str],
            );
            let rows: &[Row] = &[
                (
                    Some(msg),
                    Some(&r),
                    &[
                        "thread 'w' panicked at src/x.rs:1:2:",
                        "index out of bounds",
                        "***",
                    ],
                    &["tok-S3CRET-1", "pw-Hidden"],
                ),
                (
                    Some(msg),
                    None,
                    &["thread 'w' panicked at src/x.rs:1:2:", "withheld"],
                    &["tok-S3CRET-1", "pw-Hidden", "index out of bounds"],
                ),
                (None, Some(&r), &["(no message)"], &[]),
            ];
            for (message, redactor, present, absent) in rows {
                let text = render("w", Some("src/x.rs:1:2"), *message, *redactor);
                for p in *present {
                    assert!(text.contains(p), "{p:?} in {text}");
                }
                for a in *absent {
                    assert!(!text.contains(a), "{a:?} not in {text}");
                }
            }
            assert!(render("w", None, Some("m"), Some(&r)).contains("an unknown place"));
        }
    }
}

/// The knobs the harness reads.
const SCOPES: &[Scope] = &[Scope::Pages, Scope::Select, Scope::Run, Scope::Report];

/// The run settings the environment describes (the knobs of `check` and
/// `show`, from their variables).
#[doc(hidden)]
pub fn settings_from_env(env: &Env) -> Result<Settings, Error> {
    config::build(&Given::default(), env, SCOPES).map(|c| c.settings)
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
    panics::install();
    let args = Arguments::from_args();
    match run(args, &Env::process()) {
        Ok(outcome) => std::process::exit(outcome.code),
        Err(e) => {
            // Before the secrets are known the message cannot be redacted:
            // configuration errors never quote a secret knob's value, and a
            // vars or scenarios file's line is never shown.
            eprint!(
                "graph-contract: {}",
                e.render_from_file(report::stderr_color())
            );
            std::process::exit(EXIT_CONFIG)
        }
    }
}

/// The harness with explicit arguments and environment.
pub fn run(args: Arguments, env: &Env) -> Result<Outcome, Error> {
    run_with(args, env, Vec::new())
}

/// [`run`], with more listeners told the run's events (after the
/// terminal and the report files).
pub fn run_with(
    args: Arguments,
    env: &Env,
    listen: Vec<Box<dyn run::Listener>>,
) -> Result<Outcome, Error> {
    let started = std::time::Instant::now();
    let config = config::build(&Given::default(), env, SCOPES)?;
    let secrets = config.settings.secrets();
    panics::known_secrets(secrets.clone());
    let redactor = Arc::new(Redactor::new(secrets));
    // From here an error may quote anything the run holds: redacted.
    run_configured(args, env, config, &redactor, listen, started).map_err(|e| e.redacted(&redactor))
}

/// The harness run, once the configuration and its secrets are known.
fn run_configured(
    mut args: Arguments,
    env: &Env,
    config: config::Config,
    redactor: &Arc<Redactor>,
    listen: Vec<Box<dyn run::Listener>>,
    started: std::time::Instant,
) -> Result<Outcome, Error> {
    let redactor = redactor.clone();
    let read = run::read_cases(&config)?;
    let nothing_changed = run::select::nothing_to_check(&config.select, &read.cases);
    let settings = config.settings;
    // Exchanges are I/O bound: run many at once unless told otherwise.
    if args.test_threads.is_none() {
        args.test_threads = Some(settings.send.jobs);
    }
    let nextest = under_nextest(env);
    if !args.list && nextest {
        let o = &config.outputs;
        let vars = [
            ("GRAPH_CONTRACT_JUNIT", &o.junit),
            ("GRAPH_CONTRACT_JSON", &o.json),
            ("GRAPH_CONTRACT_SUMMARY", &o.summary),
            ("GRAPH_CONTRACT_HTML", &o.html),
            ("GRAPH_CONTRACT_WRITE_BASELINE", &o.write_baseline),
        ];
        if let Some((var, _)) = vars.iter().find(|(_, p)| p.is_some()) {
            return Err(config_err!(
                "{var} is set under cargo nextest, which runs each case in its own process: \
                 the file would hold only the last case. Use nextest's own JUnit report \
                 ([profile.ci.junit] in .config/nextest.toml), or `graph-contract check`, \
                 or `cargo test`, for graph-contract's reports"
            ));
        }
    }
    let mut enforced = run::events::enforced(settings.judge.strict, settings.deny_warnings);
    let insecure = settings.send.tls.insecure;
    if insecure {
        enforced.push(crate::target::tls::INSECURE);
    }
    let color = report::stdout_color();
    let listeners = Listeners::new(vec![
        Box::new(Terminal::new(
            Redacting::new(std::io::stdout(), redactor.clone()),
            Redacting::new(std::io::stderr(), redactor.clone()),
            Face::Libtest {
                details: config.details,
            },
            color,
        )),
        Box::new(Files::new(config.outputs.clone(), redactor.clone()).rerun(
            report::Rerun::CargoTest {
                test: test_target(),
            },
        )),
    ]);
    for l in listen {
        listeners.push(l);
    }
    // `--insecure` is said by every run, each nextest process included
    // (never silently).
    if insecure && !args.list {
        listeners.emit(&run::Event::Warning(crate::target::tls::INSECURE_WARNING));
    }
    // Under nextest each case is a process of its own, and the warnings
    // would repeat in every one: cargo test and `check` say them.
    if !args.list && !nextest {
        for w in &read.warnings {
            listeners.emit(&run::Event::Warning(w));
        }
    }
    let cases = Arc::new(read.cases);
    // The cases known not to run carry libtest's ignored flag where it
    // selects or lists (`--ignored`, `--list`, nextest, which knows only
    // the listing's ignores); a plain run leaves it off, so that each
    // reports itself ignored with its reason (module docs). Listing opens
    // nothing.
    let session = if args.list {
        None
    } else {
        Some(Arc::new(Session::open(settings.clone(), cases.clone())?))
    };
    if let Some(s) = &session
        && !nextest
    {
        for note in s.notes() {
            listeners.emit(&run::Event::Warning(note));
        }
    }
    let flag_ignored = nextest || args.list || args.ignored;
    let known_ignored: HashSet<usize> = match (&session, flag_ignored) {
        (_, false) => HashSet::new(),
        (Some(s), true) => (0..cases.len())
            .filter(|&i| s.ignore_reason(i).is_some() || s.not_implemented(i).is_some())
            .collect(),
        (None, true) => Session::static_ignores(&settings, cases.clone())?
            .into_keys()
            .collect(),
    };
    let trial_of = |index: usize, run: Box<dyn FnOnce() -> Result<Completion, Failed> + Send>| {
        let case = &cases[index];
        Trial::ignorable_test(report::shown(&redactor, &case.id), run)
            .with_kind(case.request.method.clone())
            .with_ignored_flag(known_ignored.contains(&index))
    };
    // The page-order rule of `check` ([`order::groups`]), over the cases
    // libtest will run: a case filtered out or ignored takes no turn.
    let selected: Vec<usize> = (0..cases.len())
        .filter(|&i| {
            let probe = trial_of(i, Box::new(|| Ok(Completion::Completed)));
            !args.is_filtered_out(&probe) && !args.is_ignored(&probe)
        })
        .collect();
    let shared = Arc::new(Shared {
        turns: order::Turns::new(&order::groups(&cases, &settings.scenarios, &selected)),
        cases: cases.clone(),
        session: session.clone(),
        listeners,
        results: Mutex::new(Vec::new()),
        redactor: redactor.clone(),
        color,
        run_ignored: args.ignored || args.include_ignored,
        view: crate::report::diff::View::of(config.details),
    });
    let trials: Vec<Trial> = (0..cases.len())
        .map(|index| {
            let shared = shared.clone();
            trial_of(index, Box::new(move || shared.run_trial(index)))
        })
        .collect();
    if !args.list
        && let Some(line) = &nothing_changed
    {
        use std::io::Write as _;
        let mut out = Redacting::new(std::io::stdout(), redactor.clone());
        let _ = writeln!(out, "{}", report::visible(line));
        let _ = out.flush();
    }
    if !args.list && nothing_changed.is_none() {
        // `--ignored` leaving nothing is no typo: nothing is ignored, and
        // zero trials run (`cargo test -- --ignored` runs every target).
        // The name filter emptying the set stays an error.
        let mut by_name = args.clone();
        by_name.ignored = false;
        let matched = trials
            .iter()
            .filter(|t| !by_name.is_filtered_out(t))
            .count();
        if matched > 0 && args.ignored && trials.iter().all(|t| args.is_filtered_out(t)) {
            use std::io::Write as _;
            let mut out = Redacting::new(std::io::stdout(), redactor.clone());
            let _ = writeln!(
                out,
                "graph-contract: none of the {} is known not to run: \
                 nothing to run under --ignored",
                report::count(matched, "selected case", "selected cases")
            );
            let _ = out.flush();
        }
        if matched == 0 {
            return Err(config_err!(
                "the selection {} matched none of the {} cases read from {}",
                describe_filter(&args),
                trials.len(),
                config
                    .pages
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if let Some(s) = &session {
        s.start(&shared.listeners, selected.len(), 1, 1);
    }
    let conclusion = libtest_mimic::run(&args, trials);
    let mut results =
        std::mem::take(&mut *shared.results.lock().unwrap_or_else(|e| e.into_inner()));
    // Below --min-coverage fails the run too (the epilogue says why).
    let mut short = false;
    if let Some(s) = &session {
        // A failed handshake, explained once (each case says it briefly).
        if let Some(why) = s.replayer().observed().tls_failure() {
            shared.listeners.emit(&run::Event::Warning(why));
        }
        short = s
            .finish(
                &shared.listeners,
                &mut results,
                &enforced,
                started.elapsed(),
                0,
            )?
            .coverage
            .shortfall()
            .is_some();
    }
    if config.details
        && let Some(line) = session
            .as_ref()
            .and_then(|s| s.replayer().observed().versions().line())
    {
        use std::io::Write as _;
        let mut out = Redacting::new(std::io::stdout(), redactor.clone());
        let _ = writeln!(out, "graph-contract: {line}");
        let _ = out.flush();
    }
    // A run that wrote a baseline passes: what failed is known now.
    let wrote = config
        .outputs
        .write_baseline
        .as_ref()
        .filter(|_| !args.list);
    if let Some(path) = wrote {
        use std::io::Write as _;
        let n = crate::baseline::written(&results);
        let hint = format!("GRAPH_CONTRACT_BASELINE={}", path.display());
        let line = crate::baseline::written_line(path, n, &hint);
        let mut out = Redacting::new(std::io::stdout(), redactor.clone());
        let _ = writeln!(out, "{}", report::visible(&line));
        let _ = out.flush();
    }
    Ok(Outcome {
        code: if (conclusion.has_failed() && wrote.is_none()) || short {
            crate::run::exit::HARNESS_FAILED
        } else {
            0
        },
        cases,
        results,
    })
}

/// What every trial of a harness run shares.
struct Shared {
    turns: order::Turns,
    cases: Arc<Vec<Case>>,
    /// `None` when listing (nothing runs).
    session: Option<Arc<Session>>,
    listeners: Listeners,
    results: Mutex<Vec<CaseResult>>,
    redactor: Arc<Redactor>,
    color: bool,
    /// libtest was asked to run ignored cases (`--ignored`,
    /// `--include-ignored`): one that cannot run fails.
    run_ignored: bool,
    /// The diff under a failure (values with `GRAPH_CONTRACT_DETAILS`).
    view: crate::report::diff::View,
}

impl Shared {
    fn run_trial(&self, index: usize) -> Result<Completion, Failed> {
        let session = self
            .session
            .as_ref()
            .ok_or_else(|| Failed::from("graph-contract: no session (listing)"))?;
        let result = self.turns.in_turn(index, || {
            let why = match (session.ignore_reason(index), session.not_implemented(index)) {
                (_, Some(why)) => Some(format!("not implemented: {why}")),
                (Some(reason), None) => Some(reason.to_string()),
                (None, None) => None,
            };
            match why {
                Some(why) if self.run_ignored => self.cannot_run(index, &why),
                _ => session.run_one(index, &self.listeners),
            }
        });
        // libtest prints what it is handed, past our writers: redacted here.
        let outcome = match &result.verdict {
            Verdict::Ignored(reason) => Ok(Completion::ignored_with(report::shown(
                &self.redactor,
                &reason.to_string(),
            ))),
            Verdict::NotImplemented(why) => Ok(Completion::ignored_with(report::shown(
                &self.redactor,
                &format!("not implemented: {why}"),
            ))),
            Verdict::Pass => Ok(Completion::Completed),
            Verdict::KnownFailure => Ok(Completion::ignored_with(
                "known failure (listed in the baseline)",
            )),
            Verdict::Fail => Err(Failed::from(self.redactor.apply(&render::failure_text(
                &self.cases[index],
                &result,
                self.color,
                self.view,
            )))),
        };
        self.results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(result);
        outcome
    }

    /// A case known not to run, run because libtest was asked for the
    /// ignored ones: a failure saying why, nothing sent (module docs). The
    /// listeners are told as of any case.
    fn cannot_run(&self, index: usize, reason: &str) -> CaseResult {
        let case = &self.cases[index];
        self.listeners
            .emit(&run::Event::CaseStarted { case, index });
        let mut result = run::internal_error(
            index,
            &format!(
                "cannot run: {reason}; nothing was sent (--ignored or --include-ignored asked to run it)"
            ),
        );
        result.verdict = Verdict::Fail;
        self.listeners.emit(&run::Event::CaseFinished {
            case,
            result: &result,
        });
        result
    }
}

/// True when cargo nextest runs this process for one test (it sets these
/// for every test process).
fn under_nextest(env: &Env) -> bool {
    env.get("NEXTEST_EXECUTION_MODE")
        .is_some_and(|m| m == "process-per-test")
        || env.get("NEXTEST").is_some_and(|v| v == "1")
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

/// The name of the test target running the harness (`contract` for
/// `target/debug/deps/contract-0123456789abcdef`), for `cargo test --test
/// NAME`: cargo adds a `-` and 16 hex digits to the target's name.
fn test_target() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_str()?;
    let (name, hash) = stem.rsplit_once('-')?;
    (hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| name.to_owned())
}
