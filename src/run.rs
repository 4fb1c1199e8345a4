//! One run: cases plus a target (or the built-in mock) → one result per
//! case. The libtest harness and the `check` command are two faces over this
//! module, so both select, send, judge and decide verdicts the same way.

use crate::docs::Corpus;
use crate::judge::judge;
use crate::mock::{self, MockServer, Routes};
use crate::model::{Actual, Case, Finding, FindingKind, JudgeOptions, Severity};
use crate::report::baseline::Baseline;
use crate::target::{Prepared, Replayer, SendConfig, Target};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Everything a run needs besides the cases.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Base URL of the service under test; `None` starts the built-in mock.
    pub target: Option<String>,
    pub send: SendConfig,
    pub judge: JudgeOptions,
    /// Fail a case that has warnings.
    pub deny_warnings: bool,
    /// Known failures: they do not fail the run.
    pub baseline: Baseline,
    /// Values never to print (secret headers and variables); the
    /// credentials' secrets are added to these.
    pub secret_values: Vec<String>,
    /// The whole run stops sending after this long.
    pub deadline: Option<Duration>,
}

impl Settings {
    /// Every value that must never appear in any output.
    pub fn secrets(&self) -> Vec<String> {
        let mut v = self.send.credentials.secrets();
        v.extend(self.secret_values.iter().cloned());
        v
    }
}

/// The verdict of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No error (warnings may be listed).
    Pass,
    Fail,
    /// Failed, but listed in the baseline of known failures: does not fail
    /// the run.
    KnownFailure,
    /// Not run, with the reason.
    Ignored(String),
}

impl Verdict {
    /// The word used in reports: pass, fail, known-failure, ignored.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::KnownFailure => "known-failure",
            Verdict::Ignored(_) => "ignored",
        }
    }
}

/// What happened to one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// Index into the session's cases.
    pub index: usize,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub duration: Duration,
    /// The request as sent (when it was).
    pub sent: Option<Prepared>,
    /// The answer (when there was one).
    pub actual: Option<Actual>,
}

impl CaseResult {
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }
}

/// The state shared by every case of a run: runtime, client, mock.
pub struct Session {
    pub runtime: tokio::runtime::Runtime,
    pub cases: Arc<Vec<Case>>,
    replayer: Replayer,
    mock: Option<MockServer>,
    /// Cases known before the run not to be runnable, with the reason.
    ignored: HashMap<usize, String>,
    judge: JudgeOptions,
    deny_warnings: bool,
    baseline: Baseline,
}

impl Session {
    /// Start a session over these cases. With no target, the built-in mock
    /// serves the same cases on an ephemeral loopback port and placeholders
    /// are filled (the mock matches any value for them).
    pub fn open(settings: Settings, cases: Arc<Vec<Case>>) -> Result<Session, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .worker_threads(2)
            .thread_name("graph-contract")
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        let mut send = settings.send.clone();
        send.deadline = settings.deadline.map(|d| Instant::now() + d);
        let mut ignored = HashMap::new();
        let (target, mock) = match &settings.target {
            Some(url) => (Target::parse(url)?, None),
            None => {
                let routes = Routes::new(&cases);
                for (i, reason) in routes.shadowed(&cases) {
                    ignored.insert(i, reason);
                }
                let server = runtime
                    .block_on(mock::start(Arc::new(routes), ([127, 0, 0, 1], 0).into()))
                    .map_err(|e| format!("cannot start the built-in mock: {e}"))?;
                send.fill_placeholders = true;
                (Target::parse(&server.url())?, Some(server))
            }
        };
        let replayer = {
            let _guard = runtime.enter();
            Replayer::new(target, send)?
        };
        for (i, case) in cases.iter().enumerate() {
            if ignored.contains_key(&i) {
                continue;
            }
            if let Some(reason) = static_reason(&replayer, case) {
                ignored.insert(i, reason);
            }
        }
        Ok(Session {
            runtime,
            cases,
            replayer,
            mock,
            ignored,
            judge: settings.judge,
            deny_warnings: settings.deny_warnings,
            baseline: settings.baseline,
        })
    }

    /// Read pages and open a session over their cases.
    pub fn from_corpus(settings: Settings, corpus: Corpus) -> Result<Session, String> {
        Session::open(settings, Arc::new(corpus.cases))
    }

    /// One line saying what the run talks to.
    pub fn describe_target(&self) -> String {
        match &self.mock {
            Some(m) => format!(
                "no target given: checking against the built-in mock at {} (serving the same pages)",
                m.url()
            ),
            None => format!("target: {}", self.replayer.target().base()),
        }
    }

    pub fn uses_mock(&self) -> bool {
        self.mock.is_some()
    }

    pub fn replayer(&self) -> &Replayer {
        &self.replayer
    }

    /// Why a case will not run, if it will not.
    pub fn ignore_reason(&self, index: usize) -> Option<&str> {
        self.ignored.get(&index).map(String::as_str)
    }

    /// Ids of baseline cases that passed: the baseline can shrink.
    pub fn fixed(&self, results: &[CaseResult]) -> Vec<String> {
        results
            .iter()
            .filter(|r| r.verdict == Verdict::Pass)
            .map(|r| &self.cases[r.index].id)
            .filter(|id| self.baseline.contains(id))
            .cloned()
            .collect()
    }

    /// Send one case and judge the answer.
    pub async fn run_case(&self, index: usize) -> CaseResult {
        let case = &self.cases[index];
        let start = Instant::now();
        let mut result = CaseResult {
            index,
            verdict: Verdict::Pass,
            findings: Vec::new(),
            duration: Duration::ZERO,
            sent: None,
            actual: None,
        };
        if let Some(reason) = self.ignore_reason(index) {
            result.verdict = Verdict::Ignored(reason.to_owned());
            return result;
        }
        let (Some(expected), Ok(prepared)) = (&case.response, self.replayer.prepare(case)) else {
            // Both are checked in `open`; kept total for safety.
            result.verdict = Verdict::Ignored("cannot be sent".into());
            return result;
        };
        match self.replayer.send(&prepared).await {
            Ok(actual) => {
                result.findings = judge(expected, &actual, &self.judge);
                result.actual = Some(actual);
            }
            Err(message) => result.findings.push(Finding {
                pointer: String::new(),
                kind: FindingKind::Transport,
                severity: Severity::Error,
                message,
                documented: Some(expected.status.to_string()),
                actual: None,
            }),
        }
        result.sent = Some(prepared);
        result.duration = start.elapsed();
        let failing = |f: &Finding| {
            f.severity == Severity::Error || (self.deny_warnings && f.severity == Severity::Warning)
        };
        if result.findings.iter().any(failing) {
            result.verdict = if self.baseline.contains(&case.id) {
                Verdict::KnownFailure
            } else {
                Verdict::Fail
            };
        }
        result
    }

    /// Run the given cases with up to `jobs` exchanges in flight; `on_result`
    /// sees each result as it completes. Results come back in input order.
    pub fn run_all(
        self: &Arc<Self>,
        indices: &[usize],
        jobs: usize,
        mut on_result: impl FnMut(&CaseResult),
    ) -> Vec<CaseResult> {
        let session = self.clone();
        let indices = indices.to_vec();
        self.runtime.block_on(async move {
            let sem = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            for (slot, &index) in indices.iter().enumerate() {
                let session = session.clone();
                let sem = sem.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let _permit = sem.acquire_owned().await;
                    let r = session.run_case(index).await;
                    let _ = tx.send((slot, r));
                });
            }
            drop(tx);
            let mut results: Vec<Option<CaseResult>> = vec![None; indices.len()];
            while let Some((slot, r)) = rx.recv().await {
                on_result(&r);
                results[slot] = Some(r);
            }
            // A task that panicked never sent: report it rather than lose it.
            results
                .into_iter()
                .enumerate()
                .map(|(slot, r)| {
                    r.unwrap_or_else(|| CaseResult {
                        index: indices[slot],
                        verdict: Verdict::Fail,
                        findings: vec![Finding {
                            pointer: String::new(),
                            kind: FindingKind::Transport,
                            severity: Severity::Error,
                            message: "internal error: the case did not complete".into(),
                            documented: None,
                            actual: None,
                        }],
                        duration: Duration::ZERO,
                        sent: None,
                        actual: None,
                    })
                })
                .collect()
        })
    }
}

/// Why a case cannot run, known before any request.
fn static_reason(replayer: &Replayer, case: &Case) -> Option<String> {
    if case.response.is_none() {
        return Some("no documented response".into());
    }
    replayer.prepare(case).err()
}
