//! What the engine tells its listeners: the only interface between the
//! run and whatever shows it (the terminal, libtest, the report files, and
//! next the HTML report and watch mode). Model: nextest's
//! `reporter/events.rs`.
//!
//! Decisions, and why:
//! - **Four events, in order.** [`Event::RunStarted`] once (what will run),
//!   then per case [`Event::CaseStarted`] and [`Event::CaseFinished`] (its
//!   result), then [`Event::RunFinished`] once (totals, every result, the
//!   baseline cases now passing); [`Event::Warning`]s may come between.
//!   A listener needs nothing else, and decides nothing: the verdicts, the
//!   totals and the exit status are the engine's.
//! - **Borrowed, not copied.** Events lend the engine's own data: telling a
//!   listener costs a call, not a clone of a result (a run replays tens of
//!   thousands of 20 µs exchanges a second).
//! - **Listeners run on one thread at a time.** [`Listeners`] holds them
//!   behind one lock: `check` tells them from its calling thread (the lock
//!   is never contended), the harness from libtest's threads.
//! - **A listener's failure is the run's** (a report file that cannot be
//!   written): [`Listener::done`] returns it once the run is over, and the
//!   face exits with a configuration error, after every listener ran.

use super::{CaseResult, Verdict};
use crate::model::Case;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// One thing that happened in a run.
#[derive(Debug)]
pub enum Event<'a> {
    /// The run is about to send: what it talks to and what it will run.
    RunStarted(&'a RunStarted<'a>),
    /// A case is about to be sent (scenario setup first, if any).
    CaseStarted { case: &'a Case, index: usize },
    /// A case is done: its result, verdict decided.
    CaseFinished {
        case: &'a Case,
        result: &'a CaseResult,
    },
    /// Something the user should know that belongs to no case.
    Warning(&'a str),
    /// The run is over.
    RunFinished(&'a RunFinished<'a>),
}

/// What a run is about to do.
#[derive(Debug)]
pub struct RunStarted<'a> {
    /// One line saying what the run talks to.
    pub target: &'a str,
    /// Every case of the session (indices point here).
    pub cases: &'a [Case],
    /// The cases this run will run.
    pub selected: usize,
    /// Which pass this is, from 1, of how many (`--repeat`).
    pub pass: usize,
    pub passes: usize,
}

/// What a run did.
#[derive(Debug)]
pub struct RunFinished<'a> {
    pub cases: &'a [Case],
    /// Every result, in case order.
    pub results: &'a [CaseResult],
    pub totals: &'a Totals,
    /// Baseline cases that passed: the baseline can shrink.
    pub fixed: &'a [String],
    /// What the run enforced, for the summary line: `strict`, `warnings denied`.
    pub enforced: &'a [&'static str],
    /// From the start of the command.
    pub elapsed: Duration,
    /// Failures in earlier passes (`--repeat`).
    pub earlier_failures: usize,
    /// What the service implements and how much of it conforms.
    pub coverage: &'a super::coverage::Coverage,
}

impl RunFinished<'_> {
    /// Whether the run fails: a failure in this pass or an earlier one, or
    /// coverage below `--min-coverage`. The engine's decision; faces exit
    /// on it.
    pub fn failed(&self) -> bool {
        self.totals.failed > 0 || self.earlier_failures > 0 || self.coverage.shortfall().is_some()
    }
}

/// Something that is told what a run does.
pub trait Listener: Send {
    fn event(&mut self, event: &Event<'_>);

    /// Called once the run is over: a failure to report (a file that
    /// cannot be written) fails the command.
    fn done(&mut self) -> Result<(), crate::error::Error> {
        Ok(())
    }
}

/// The listeners of a run, told one at a time.
#[derive(Default)]
pub struct Listeners {
    list: Mutex<Vec<Box<dyn Listener>>>,
}

impl Listeners {
    pub fn new(list: Vec<Box<dyn Listener>>) -> Listeners {
        Listeners {
            list: Mutex::new(list),
        }
    }

    pub fn push(&self, l: Box<dyn Listener>) {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).push(l);
    }

    /// Tell every listener, in order.
    pub fn emit(&self, event: &Event<'_>) {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        for l in list.iter_mut() {
            l.event(event);
        }
    }

    /// Every listener's [`Listener::done`]; the first failure.
    pub fn done(&self) -> Result<(), crate::error::Error> {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let mut first = Ok(());
        for l in list.iter_mut() {
            let r = l.done();
            if first.is_ok() {
                first = r;
            }
        }
        first
    }
}

impl<F: FnMut(&Event<'_>) + Send> Listener for F {
    fn event(&mut self, event: &Event<'_>) {
        self(event)
    }
}

/// Totals of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub known_failures: usize,
    /// Not sent: the service's `$metadata` does not declare the path.
    pub not_implemented: usize,
    pub warnings: usize,
    /// Ignored cases by [`crate::model::IgnoreReason::kind`].
    pub ignored: BTreeMap<String, usize>,
}

impl Totals {
    pub fn of(results: &[CaseResult]) -> Totals {
        let mut t = Totals::default();
        for r in results {
            match &r.verdict {
                Verdict::Pass => t.passed += 1,
                Verdict::Fail => t.failed += 1,
                Verdict::KnownFailure => t.known_failures += 1,
                Verdict::NotImplemented(_) => t.not_implemented += 1,
                Verdict::Ignored(reason) => {
                    *t.ignored.entry(reason.kind().to_owned()).or_default() += 1
                }
            }
            t.warnings += r.warnings().count();
        }
        t
    }

    pub fn ignored_total(&self) -> usize {
        self.ignored.values().sum()
    }
}

/// What a run enforced, for the summary line: `strict`, `warnings denied`.
pub fn enforced(strict: bool, deny_warnings: bool) -> Vec<&'static str> {
    let mut v = Vec::new();
    if strict {
        v.push("strict");
    }
    if deny_warnings {
        v.push("warnings denied");
    }
    v
}
