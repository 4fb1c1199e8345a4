//! Running many cases at once: one replay thread per core, each with a
//! single-threaded runtime and its own fork of the client, workers taking
//! the next group (the page-order rule's, [`super::order::groups`]) from a
//! shared counter, results and events handed to the calling thread in
//! batches.
//!
//! Decisions, and why:
//! - **An exchange never wakes another thread**: its connection, its timers
//!   and its judging stay on one (cross-thread wake-ups were a quarter of
//!   the replay's CPU time with one shared multi-threaded runtime).
//! - **Listeners are told on the calling thread**, in batches
//!   ([`RESULT_BATCH`]): a slow listener (a paused terminal) holds up no
//!   exchange, and a case start costs a channel send, not a lock.
//! - **A session's next run reuses its threads' runtimes and forks**
//!   ([`Spare`]): a second pass opened 64 new connections (and the
//!   service accepted them) for nothing. A watch loop closes them before
//!   it waits, so nothing idles on the service while the user edits.
//! - **A pass run for its verdicts drops its exchanges where they were
//!   made** ([`Session::run_events_verdicts`], `--repeat`'s earlier
//!   passes): freeing 2,283 answers on the listeners' thread, each freed
//!   across threads, cost that pass about a tenth of its throughput.
//! - **No case is lost**: one that never completed (no thread could run
//!   it, a panic) is reported as an internal error, with the reason.

use super::coverage::Coverage;
use super::{
    CaseResult, Event, Listeners, RunFinished, RunStarted, Session, Totals, internal_error,
    panic_text,
};
use futures_util::{FutureExt, StreamExt, stream::FuturesUnordered};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

impl Session {
    /// Run the given cases with up to `jobs` exchanges in flight; `on_result`
    /// sees each result as it completes, on the calling thread. Results come
    /// back in input order.
    ///
    /// The exchanges are spread over one thread per core, each driving a
    /// single-threaded runtime with its own fork of the client, and within
    /// a thread over workers that take the next group from a shared counter.
    /// So an exchange never wakes another thread: its connection, its timers
    /// and its judging stay on one (cross-thread wake-ups were a quarter of
    /// the replay's CPU time with one shared multi-threaded runtime). The
    /// calling thread takes the results in batches (see [`RESULT_BATCH`]),
    /// so a slow `on_result` (a paused terminal) holds up no exchange.
    pub fn run_all(
        self: &Arc<Self>,
        indices: &[usize],
        jobs: usize,
        mut on_result: impl FnMut(&CaseResult),
    ) -> Vec<CaseResult> {
        self.run_all_with(indices, jobs, Detail::Whole, |step| match step {
            Step::Finished(r) => on_result(r),
            Step::Started(_) | Step::Warning(_) => {}
        })
    }

    /// [`Session::run_all`], telling `listeners` of each case's start and
    /// finish and of any warning, on the calling thread.
    pub fn run_events(
        self: &Arc<Self>,
        indices: &[usize],
        jobs: usize,
        listeners: &Listeners,
    ) -> Vec<CaseResult> {
        self.run_events_with(indices, jobs, listeners, Detail::Whole)
    }

    /// [`Session::run_events`] for a pass whose exchanges nobody will read
    /// (the passes of `--repeat` before the last): each result comes without
    /// its `sent` and `actual`, dropped on the replay thread that made
    /// them. The calling thread freed them before, each a free across
    /// threads (slower in the allocator), on the thread that also tells
    /// the listeners.
    pub fn run_events_verdicts(
        self: &Arc<Self>,
        indices: &[usize],
        jobs: usize,
        listeners: &Listeners,
    ) -> Vec<CaseResult> {
        self.run_events_with(indices, jobs, listeners, Detail::Verdicts)
    }

    fn run_events_with(
        self: &Arc<Self>,
        indices: &[usize],
        jobs: usize,
        listeners: &Listeners,
        detail: Detail,
    ) -> Vec<CaseResult> {
        let cases = self.cases.clone();
        self.run_all_with(indices, jobs, detail, |step| match step {
            Step::Started(index) => listeners.emit(&Event::CaseStarted {
                case: &cases[index],
                index,
            }),
            Step::Finished(result) => listeners.emit(&Event::CaseFinished {
                case: &cases[result.index],
                result,
            }),
            Step::Warning(w) => listeners.emit(&Event::Warning(w)),
        })
    }

    /// Run one case on the calling thread (the harness: libtest owns the
    /// threads), telling `listeners`; a panic becomes the case's failure
    /// (libtest-mimic would catch it too, but print its message as it is,
    /// where no redactor sees it).
    pub fn run_one(&self, index: usize, listeners: &Listeners) -> CaseResult {
        let case = &self.cases[index];
        listeners.emit(&Event::CaseStarted { case, index });
        let run = std::panic::AssertUnwindSafe(|| self.runtime.block_on(self.run_case(index)));
        let result = std::panic::catch_unwind(run).unwrap_or_else(|panic| {
            internal_error(index, &format!("internal error: {}", panic_text(&panic)))
        });
        listeners.emit(&Event::CaseFinished {
            case,
            result: &result,
        });
        result
    }

    /// Tell `listeners` the run starts.
    pub fn start(&self, listeners: &Listeners, selected: usize, pass: usize, passes: usize) {
        let target = self.describe_target();
        listeners.emit(&Event::RunStarted(&RunStarted {
            target: &target,
            cases: &self.cases,
            selected,
            pass,
            passes,
        }));
    }

    /// Tell `listeners` the run is over (`results` in any order: they are
    /// put in case order); what it came to, and the first listener's
    /// failure to report.
    pub fn finish(
        &self,
        listeners: &Listeners,
        results: &mut [CaseResult],
        enforced: &[&'static str],
        elapsed: Duration,
        earlier_failures: usize,
    ) -> Result<Finished, crate::error::Error> {
        results.sort_by_key(|r| r.index);
        let totals = Totals::of(results);
        let fixed = self.fixed(results);
        let coverage = self.coverage(results);
        let finished = RunFinished {
            cases: &self.cases,
            results,
            totals: &totals,
            fixed: &fixed,
            enforced,
            elapsed,
            earlier_failures,
            coverage: &coverage,
        };
        let failed = finished.failed();
        listeners.emit(&Event::RunFinished(&finished));
        listeners.done()?;
        Ok(Finished {
            totals,
            coverage,
            failed,
        })
    }

    /// The coverage of these results.
    pub fn coverage(&self, results: &[CaseResult]) -> Coverage {
        Coverage::of(
            &self.cases,
            results,
            &self.paths,
            self.inventory.as_ref(),
            self.min_coverage,
        )
    }

    /// The groups of these cases under the page-order rule
    /// ([`order::groups`]).
    pub fn groups(&self, indices: &[usize]) -> Vec<Vec<(usize, usize)>> {
        super::order::groups(&self.cases, &self.scenarios, indices)
    }

    /// `run_all`, each step of the run told to `on` on the calling thread.
    fn run_all_with(
        self: &Arc<Self>,
        indices: &[usize],
        jobs: usize,
        detail: Detail,
        mut on: impl FnMut(Step<'_>),
    ) -> Vec<CaseResult> {
        let groups = self.groups(indices);
        let jobs = jobs.clamp(1, groups.len().max(1));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = cores.min(jobs);
        let next = AtomicUsize::new(0);
        let mut results: Vec<Option<CaseResult>> = vec![None; indices.len()];
        let mut failures: Vec<String> = Vec::new();
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::channel();
            let mut running = Vec::new();
            for t in 0..threads {
                // 64 jobs on 2 threads: 32 workers each.
                let workers = jobs / threads + usize::from(t < jobs % threads);
                let (groups, next, tx) = (&groups, &next, tx.clone());
                let thread = std::thread::Builder::new()
                    .name(format!("graph-contract-{t}"))
                    .spawn_scoped(scope, move || {
                        self.run_thread(groups, next, workers, detail, &tx)
                    });
                match thread {
                    Ok(handle) => running.push(handle),
                    // The other threads take its share of the groups.
                    Err(e) => failures.push(format!("cannot start a replay thread: {e}")),
                }
            }
            drop(tx);
            let mut received = 0;
            while let Ok(first) = rx.recv() {
                let mut item = Some(first);
                while let Some(message) = item {
                    match message {
                        Message::Started(index) => on(Step::Started(index)),
                        Message::Finished(slot, r) => {
                            on(Step::Finished(&r));
                            results[slot] = Some(r);
                            received += 1;
                        }
                    }
                    item = rx.try_recv().ok();
                }
                if received == indices.len() {
                    break; // the last one: no wait
                }
                std::thread::sleep(RESULT_BATCH);
            }
            for handle in running {
                match handle.join() {
                    Ok(Ok(())) => {}
                    Ok(Err(reason)) => failures.push(reason),
                    Err(panic) => {
                        failures.push(format!("a replay thread panicked: {}", panic_text(&panic)))
                    }
                }
            }
        });
        for f in &failures {
            on(Step::Warning(f));
        }
        // A case that never completed (no thread could run it) is reported
        // rather than lost, with the reason when there is one.
        let why = match failures.first() {
            Some(f) => format!("internal error: the case did not run ({f})"),
            None => "internal error: the case did not complete".to_owned(),
        };
        // Told like any other, so that every case has its `CaseFinished`.
        results
            .into_iter()
            .enumerate()
            .map(|(slot, r)| {
                r.unwrap_or_else(|| {
                    let r = internal_error(indices[slot], &why);
                    on(Step::Finished(&r));
                    r
                })
            })
            .collect()
    }

    /// One replay thread: `workers` exchanges in flight on a runtime of its
    /// own, until the shared counter runs past the last group; each result
    /// goes to `results` with its slot. Fails only when it cannot start.
    fn run_thread(
        &self,
        groups: &[Vec<(usize, usize)>],
        next: &AtomicUsize,
        workers: usize,
        detail: Detail,
        results: &std::sync::mpsc::Sender<Message>,
    ) -> Result<(), String> {
        let taken = self.spares.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let spare = match taken {
            Some(spare) => {
                spare.settle();
                spare.replayer.rewarm();
                spare
            }
            None => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start a replay runtime: {e}"))?;
                let replayer = {
                    let _guard = runtime.enter();
                    self.replayer.fork()?
                };
                Spare { runtime, replayer }
            }
        };
        let (runtime, rep) = (&spare.runtime, &spare.replayer);
        let worker = || async {
            while let Some(group) = groups.get(next.fetch_add(1, Ordering::Relaxed)) {
                for &(slot, index) in group {
                    if results.send(Message::Started(index)).is_err() {
                        next.store(groups.len(), Ordering::Relaxed);
                        return;
                    }
                    let run = std::panic::AssertUnwindSafe(self.run_case_on(rep, index));
                    let mut r = run.catch_unwind().await.unwrap_or_else(|panic| {
                        internal_error(index, &format!("internal error: {}", panic_text(&panic)))
                    });
                    if detail == Detail::Verdicts {
                        r.sent = None;
                        r.actual = None;
                    }
                    // The caller is gone only if on_result panicked: no
                    // new group starts (the cases in flight finish, their
                    // teardowns run).
                    if results.send(Message::Finished(slot, r)).is_err() {
                        next.store(groups.len(), Ordering::Relaxed);
                        return;
                    }
                }
            }
        };
        runtime.block_on(async {
            let mut running: FuturesUnordered<_> = (0..workers).map(|_| worker()).collect();
            while running.next().await.is_some() {}
        });
        // A connection the run's last exchanges dropped (a body cut short,
        // a timeout) is closed now, not left open until the next run.
        spare.settle();
        let mut spares = self.spares.lock().unwrap_or_else(|e| e.into_inner());
        if spares.len() < MAX_SPARES {
            spares.push(spare);
        }
        Ok(())
    }
}

/// How much of each result a run hands back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    Whole,
    /// Without the exchange (`sent`, `actual`).
    Verdicts,
}

/// A replay thread's runtime and client fork, kept by the session for its
/// next run (a `--repeat` pass, a library caller's next batch): the
/// connections they opened stay open, so a pass after the first connects
/// nothing, as a load generator's later requests do not. A watch loop
/// lets them go before it waits ([`Session::release_connections`]). A current-thread runtime may be
/// driven from any thread, one at a time; the connections' tasks, idle
/// between runs, go on when it is driven again.
pub(super) struct Spare {
    runtime: tokio::runtime::Runtime,
    replayer: crate::target::Replayer,
}

impl Spare {
    /// Let the runtime catch up on what happened while nobody drove it:
    /// before its next run, so that a connection the service closed
    /// meanwhile (an idle timeout) is known closed when it is taken, and
    /// its request goes out on a new one rather than onto a dead socket
    /// (lost for a write, retried for a read); and after a run, so that
    /// the connections its exchanges dropped are closed at once.
    /// The first yield lets the runtime poll its sockets, which queues the
    /// tasks of those that changed; the second lets those tasks run. This
    /// leans on the order of tokio's current-thread `block_on` (a yielded
    /// task is woken after the sockets are polled; queued tasks run before
    /// the runtime parks again): one yield left the connection tasks
    /// queued behind the next run itself, and a POST was lost 1 run in 15
    /// under load. `a_kept_alive_connection_the_service_hung_up_between_runs_is_not_a_failure`
    /// in `tests/faults` is the guard.
    fn settle(&self) {
        self.runtime.block_on(async {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
        });
    }
}

impl Session {
    /// Close the connections kept for the next run (the spares' runtimes
    /// and forks): a watch loop calls this before it waits for a change,
    /// so no connection sits idle on the service for minutes while the
    /// user edits (a single-threaded dev server would serve nobody else).
    pub fn release_connections(&self) {
        let spares = std::mem::take(&mut *self.spares.lock().unwrap_or_else(|e| e.into_inner()));
        drop(spares);
    }
}

/// At most this many spares are kept (a run starts one thread per core).
const MAX_SPARES: usize = 64;

/// What a run came to ([`Session::finish`]).
#[derive(Debug, Clone)]
pub struct Finished {
    pub totals: Totals,
    pub coverage: Coverage,
    /// The run fails ([`RunFinished::failed`]).
    pub failed: bool,
}

/// What a replay thread tells the calling thread.
enum Message {
    Started(usize),
    Finished(usize, CaseResult),
}

/// What the calling thread tells `run_all_with`'s caller.
enum Step<'a> {
    Started(usize),
    Finished(&'a CaseResult),
    Warning(&'a str),
}

/// After each batch of results, the caller waits this long before taking
/// the next: results finished meanwhile are then taken together, instead of
/// each waking the calling thread (a futex wake-up per exchange).
const RESULT_BATCH: Duration = Duration::from_millis(1);
