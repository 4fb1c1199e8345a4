//! `graph-contract check`: replay every selected example against the
//! target (or the built-in mock) and judge the answers. Configuration,
//! then the engine; what is shown is the listeners' (the terminal renderer
//! behind the progress bar, the report files). Under `--insecure` a warning
//! comes first and the summaries say it; a failed TLS handshake is
//! explained once after the run; `--details` ends with the HTTP versions
//! that answered.

use super::{ConfigError, progress::Progress};
use graph_contract::config::{self, Env, Given, Scope};
use graph_contract::harness::panics;
use graph_contract::redact::Redactor;
use graph_contract::render::{Face, Terminal};
use graph_contract::report::{self, Files};
use graph_contract::run::{self, Event, Listeners, Session, Verdict, exit};
use graph_contract::target::tls;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// What a run ran under, for its summaries: `strict`, `--deny-warnings`,
/// `--insecure` (`watch`'s runs too).
pub(super) fn enforced(config: &config::Config) -> Vec<&'static str> {
    let mut enforced =
        run::events::enforced(config.settings.judge.strict, config.settings.deny_warnings);
    if config.settings.send.tls.insecure {
        enforced.push(tls::INSECURE);
    }
    enforced
}

/// The `--insecure` warning, first thing of a run (`watch`: of every run).
pub(super) fn warn_insecure(settings: &tls::Tls, listeners: &Listeners) {
    if settings.insecure {
        listeners.emit(&Event::Warning(tls::INSECURE_WARNING));
    }
}

/// The knobs `check` takes.
pub const SCOPES: &[Scope] = &[Scope::Pages, Scope::Select, Scope::Run, Scope::Report];

pub fn run(given: &Given) -> Result<ExitCode, ConfigError> {
    let start = Instant::now();
    // The configuration first: until its secrets are known, a panic's
    // message is withheld (reading the pages could panic on a hostile page).
    let config = config::build(given, &Env::process(), SCOPES)?;
    let secrets = config.settings.secrets();
    panics::known_secrets(secrets.clone());
    let redactor = Arc::new(Redactor::new(secrets));
    // From here an error may quote anything the run holds: redacted.
    let rerun = report::Rerun::Check {
        program: std::env::args()
            .next()
            .unwrap_or_else(|| "graph-contract".into()),
        args: given.rerun_args(),
    };
    replay(config, rerun, &redactor, start).map_err(|e| e.redacted(&redactor))
}

/// How the report files say to re-run one case: this program's `check`
/// with the options that decide verdicts, as given.
pub fn rerun(given: &Given) -> report::Rerun {
    report::Rerun::Check {
        program: std::env::args()
            .next()
            .unwrap_or_else(|| "graph-contract".into()),
        args: given.rerun_args(),
    }
}

/// The run, once the secrets are known.
fn replay(
    config: config::Config,
    rerun: report::Rerun,
    redactor: &Arc<Redactor>,
    start: Instant,
) -> Result<ExitCode, ConfigError> {
    let read = run::read_cases(&config)?;
    if let Some(line) = run::select::nothing_to_check(&config.select, &read.cases) {
        let _ = writeln!(super::stdout(redactor), "{}", report::visible(&line));
    }
    let jobs = config.settings.send.jobs;
    let enforced = enforced(&config);
    let repeat = config.repeat;
    let color = report::stdout_color();
    let progress = Progress::new((read.cases.len() * repeat) as u64);
    let terminal = Terminal::new(
        super::stdout(redactor),
        super::stderr(redactor),
        Face::Check {
            quiet: config.quiet,
            details: config.details,
        },
        color,
    );
    let listeners = Listeners::new(vec![
        progress.around(Some(Box::new(terminal))),
        Box::new(Files::new(config.outputs.clone(), redactor.clone()).rerun(rerun)),
    ]);
    warn_insecure(&config.settings.send.tls, &listeners);
    for w in &read.warnings {
        listeners.emit(&Event::Warning(w));
    }
    let session = Arc::new(Session::open(config.settings, Arc::new(read.cases))?);
    for note in session.notes() {
        listeners.emit(&Event::Warning(note));
    }
    let indices: Vec<usize> = (0..session.cases.len()).collect();
    // Earlier passes (`--repeat`, benchmarks) tick the bar only.
    let ticking = Listeners::new(vec![progress.around(None)]);
    let replay_start = Instant::now();
    let mut earlier_failures = 0;
    for _ in 1..repeat {
        let results = session.run_events_verdicts(&indices, jobs, &ticking);
        earlier_failures += results
            .iter()
            .filter(|r| r.verdict == Verdict::Fail)
            .count();
    }
    session.start(&listeners, indices.len(), repeat, repeat);
    let mut results = session.run_events(&indices, jobs, &listeners);
    let replay_time = replay_start.elapsed().as_secs_f64();
    // A failed handshake is explained once, whatever the number of cases
    // it failed (each says it in a few words).
    if let Some(why) = session.replayer().observed().tls_failure() {
        listeners.emit(&Event::Warning(why));
    }
    let finished = session.finish(
        &listeners,
        &mut results,
        &enforced,
        start.elapsed(),
        earlier_failures,
    )?;
    if config.details
        && let Some(line) = session.replayer().observed().versions().line()
    {
        let _ = writeln!(super::stdout(redactor), "{line}");
    }
    if repeat > 1 {
        let n = indices.len() * repeat;
        let mut out = super::stdout(redactor);
        let _ = writeln!(
            out,
            "replayed {repeat} passes: {n} cases in {replay_time:.3}s ({:.0} cases/s), \
             {earlier_failures} failures in earlier passes",
            n as f64 / replay_time
        );
    }
    // A run that wrote a baseline passes: what failed is known now.
    let wrote = config.outputs.write_baseline.as_ref();
    if let Some(path) = wrote {
        let n = graph_contract::baseline::written(&results);
        let hint = format!("--baseline {}", path.display());
        let line = graph_contract::baseline::written_line(path, n, &hint);
        let _ = writeln!(super::stdout(redactor), "{}", report::visible(&line));
    }
    Ok(ExitCode::from(
        // Coverage below --min-coverage is no failure a baseline knows.
        if !finished.failed || (wrote.is_some() && finished.coverage.shortfall().is_none()) {
            exit::OK
        } else {
            exit::FAILED
        },
    ))
}
