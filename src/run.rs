//! One run: cases plus a target (or the built-in mock) → one result per
//! case. The libtest harness and the `check` command are two faces over this
//! module, so both select, send, judge and decide verdicts the same way.
//!
//! Decisions:
//! - **Values go in once, as data** ([`crate::scenario::substitute`]):
//!   percent-encoded in URLs, JSON-escaped in JSON bodies. A placeholder the
//!   URL still has afterwards that the documented URL did not (its own
//!   braces around a value, `{{id}}`) refuses the case without quoting it,
//!   rather than letting the replayer fill it or name it.
//! - **Messages say the step as written** (`teardown step 1 (DELETE
//!   /items/{id})`), never the URL with values in: a value may be a secret,
//!   or whatever a hostile service gave to capture.

use crate::csdl::SchemaJudge;
use crate::judge::judge_parsed;
use crate::mock::{self, MockServer, Routes};
use crate::model::{Actual, Case, Finding, FindingKind, JudgeOptions, Severity};
use crate::report::baseline::Baseline;
use crate::scenario::{Place, Scenarios, Step, Vars, placeholder_names, substitute};
use crate::target::{Prepared, Replayer, SendConfig, Target, is_write};
use futures_util::{FutureExt, StreamExt, stream::FuturesUnordered};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
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
    /// Values for the docs' `{placeholders}`.
    pub vars: Vars,
    /// Setup and teardown requests attached to cases and pages.
    pub scenarios: Scenarios,
    /// Judge answers against the declared `$metadata` schema too.
    pub metadata: Option<MetadataSource>,
}

/// What the run's configuration names that its pages do not have: baseline
/// ids and scenarios naming an example of a page that was read but has no
/// such example (renamed, removed or mistyped). Only pages that were read
/// are judged: a run over part of the docs says nothing of the others. Said
/// as warnings before the run; they change no verdict.
pub fn stale_references(cases: &[Case], settings: &Settings) -> Vec<String> {
    let mut out = settings.scenarios.unmatched(cases);
    let unknown = settings.baseline.unknown(cases);
    if !unknown.is_empty() {
        out.push(format!(
            "{} baseline id(s) name no example of their page (renamed or removed?): {}",
            unknown.len(),
            unknown.join(", ")
        ));
    }
    out
}

/// Versions already fetched: version segment → the judge (or why not).
pub type MetadataCache =
    tokio::sync::Mutex<HashMap<String, Result<Option<Arc<SchemaJudge>>, String>>>;

/// Where the declared schema comes from.
#[derive(Debug, Clone)]
pub enum MetadataSource {
    /// A CSDL file, loaded before the run.
    File(Arc<SchemaJudge>),
    /// `<target>/<version>/$metadata`, fetched once per version.
    Target(Arc<MetadataCache>),
}

impl MetadataSource {
    pub fn from_target() -> MetadataSource {
        MetadataSource::Target(Arc::new(tokio::sync::Mutex::new(HashMap::new())))
    }
}

impl Settings {
    /// Every value that must never appear in any output.
    pub fn secrets(&self) -> Vec<String> {
        let mut v = self.send.credentials.secrets();
        if let Some(target) = &self.target {
            v.extend(crate::target::url::url_secrets(target));
        }
        v.extend(self.secret_values.iter().cloned());
        v.extend(self.vars.secrets());
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
    pub sent: Option<Arc<Prepared>>,
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
    /// The request of each case that has no scenario, prepared once.
    prepared: Vec<Option<Arc<Prepared>>>,
    judge: JudgeOptions,
    deny_warnings: bool,
    baseline: Baseline,
    vars: Vars,
    scenarios: Scenarios,
    metadata: Option<MetadataSource>,
}

impl Session {
    /// Start a session over these cases. With no target, the built-in mock
    /// serves the same cases on an ephemeral loopback port and placeholders
    /// are filled (the mock matches any value for them).
    pub fn open(settings: Settings, cases: Arc<Vec<Case>>) -> Result<Session, String> {
        Session::open_with(settings, cases, true)
    }

    /// The cases known before any request not to run, with the reason (no
    /// documented response, a placeholder without a value, a refused write,
    /// an example the built-in mock cannot tell apart), as [`Session::open`]
    /// finds them, but starting nothing: no mock, no connection. For
    /// listings that must mark them ignored up front (cargo nextest).
    pub fn static_ignores(
        settings: &Settings,
        cases: Arc<Vec<Case>>,
    ) -> Result<HashMap<usize, String>, String> {
        Session::open_with(settings.clone(), cases, false).map(|s| s.ignored)
    }

    /// `open`; with `start` false, no mock is started (a loopback stand-in
    /// URL takes its place) and no runtime thread either.
    fn open_with(
        settings: Settings,
        cases: Arc<Vec<Case>>,
        start: bool,
    ) -> Result<Session, String> {
        let runtime = if start {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .worker_threads(2)
                .thread_name("graph-contract")
                .build()
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        }
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        let mut send = settings.send.clone();
        send.deadline = settings.deadline.map(|d| Instant::now() + d);
        send.scrub = Arc::new(crate::redact::Redactor::new(settings.secrets()));
        let mut ignored = HashMap::new();
        let (target, mock) = match &settings.target {
            Some(url) => (Target::parse(url)?, None),
            None => {
                let routes = Routes::new(&cases);
                for (i, reason) in routes.shadowed(&cases) {
                    ignored.insert(i, reason);
                }
                send.fill_placeholders = true;
                send.case_header = true;
                if start {
                    let server = runtime
                        .block_on(mock::start(Arc::new(routes), ([127, 0, 0, 1], 0).into()))
                        .map_err(|e| format!("cannot start the built-in mock: {e}"))?;
                    (Target::parse(&server.url())?, Some(server))
                } else {
                    (Target::parse("http://127.0.0.1:9")?, None)
                }
            }
        };
        let replayer = {
            let _guard = runtime.enter();
            Replayer::new(target, send)?
        };
        let mut session = Session {
            runtime,
            cases,
            replayer,
            mock,
            ignored: HashMap::new(),
            prepared: Vec::new(),
            judge: settings.judge,
            deny_warnings: settings.deny_warnings,
            baseline: settings.baseline,
            vars: settings.vars,
            scenarios: settings.scenarios,
            metadata: settings.metadata,
        };
        let mut prepared = vec![None; session.cases.len()];
        for (i, case) in session.cases.iter().enumerate() {
            if ignored.contains_key(&i) {
                continue;
            }
            match session.prepare_static(case) {
                Err(reason) => {
                    ignored.insert(i, reason);
                }
                Ok(p) => prepared[i] = p.map(Arc::new),
            }
        }
        session.ignored = ignored;
        session.prepared = prepared;
        Ok(session)
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

    /// The request a case sends, as prepared before the run (variables in
    /// place of placeholders), or why it will not run; `Ok(None)` for a case
    /// whose scenarios capture values first (it is prepared once they have
    /// run). `show` prints it, so that it shows what `check` sends.
    pub fn prepared(&self, index: usize) -> Result<Option<&Prepared>, &str> {
        if let Some(reason) = self.ignore_reason(index) {
            return Err(reason);
        }
        Ok(self.prepared.get(index).and_then(|p| p.as_deref()))
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

    /// Before any request: why a case cannot run (no response, a
    /// placeholder no variable or scenario capture fills, a refused write),
    /// or its prepared request (`None` when its scenarios capture values: it
    /// is prepared once they have run).
    fn prepare_static(&self, case: &Case) -> Result<Option<Prepared>, String> {
        if case.response.is_none() {
            return Err("no documented response".into());
        }
        // A scenario that writes refuses its whole case: the steps would be
        // refused one by one, but a read between them would still go out.
        let replayer = &self.replayer;
        if !replayer.config().allow_writes && !replayer.target().is_loopback() {
            for sc in self.scenarios.for_case(&case.id, &case.page_id) {
                for (kind, steps) in [("setup", &sc.setup), ("teardown", &sc.teardown)] {
                    for (n, step) in steps.iter().enumerate() {
                        let method = step.method.to_ascii_uppercase();
                        if is_write(&method) {
                            return Err(format!(
                                "write refused: {kind} step {} is a {method} to non-loopback target {} (use --allow-writes)",
                                n + 1,
                                replayer.target().base()
                            ));
                        }
                    }
                }
            }
        }
        let will_capture: HashMap<String, String> = self
            .scenarios
            .captured_names(&case.id, &case.page_id)
            .into_iter()
            .map(|n| (n, "captured".to_owned()))
            .collect();
        let prepared = self.prepare_resolved(&self.replayer, case, &will_capture)?;
        Ok(will_capture.is_empty().then_some(prepared))
    }

    /// The case with variables and captured values in place of its
    /// placeholders (URL, header values, body); the case itself when there
    /// is nothing to put in (no copy per exchange).
    fn resolve<'a>(
        &self,
        case: &'a Case,
        captured: &HashMap<String, String>,
    ) -> std::borrow::Cow<'a, Case> {
        if self.vars.is_empty() && captured.is_empty() {
            return std::borrow::Cow::Borrowed(case);
        }
        let lookup = |name: &str| {
            captured
                .get(name)
                .cloned()
                .or_else(|| self.vars.get(&case.id, name).map(str::to_owned))
        };
        let mut c = case.clone();
        c.request.url = substitute(&c.request.url, Place::Url, &lookup);
        for (_, v) in c.request.headers.iter_mut() {
            *v = substitute(v, Place::Text, &lookup);
        }
        if let Some(b) = &mut c.request.body {
            *b = substitute(b, body_place(b), &lookup);
        }
        std::borrow::Cow::Owned(c)
    }

    /// The case's request, its variables and captured values put in. A
    /// placeholder the URL still has is one the values made of the URL's own
    /// braces (`{{id}}`): refused without saying it (it holds a value, maybe
    /// a secret), rather than filled or quoted by the replayer, which would
    /// read the value again.
    fn prepare_resolved(
        &self,
        rep: &Replayer,
        case: &Case,
        captured: &HashMap<String, String>,
    ) -> Result<Prepared, String> {
        let resolved = self.resolve(case, captured);
        if let std::borrow::Cow::Owned(c) = &resolved
            && let Some(p) = crate::target::find_placeholder(&c.request.url)
            && !case.request.url.contains(p)
        {
            return Err("placeholder in the URL around a variable's value \
                        (braces of the documented URL around a placeholder)"
                .to_owned());
        }
        rep.prepare(&resolved)
    }

    /// Run scenario steps; captures go into `captured`. Setup stops at the
    /// first failing step; teardown tries every step (one failed delete
    /// must not leave the rest behind). Returns the failures' messages.
    async fn run_steps(
        &self,
        rep: &Replayer,
        case: &Case,
        steps: &[Step],
        what: &str,
        captured: &mut HashMap<String, String>,
    ) -> Vec<String> {
        let mut errors = Vec::new();
        for (n, step) in steps.iter().enumerate() {
            if let Err(e) = self.run_step(rep, case, n, step, what, captured).await {
                errors.push(e);
                if what != "teardown" {
                    break;
                }
            }
        }
        errors
    }

    /// One scenario step. A step that still has a placeholder nobody filled
    /// (a capture an earlier, failed step never made) is not sent.
    async fn run_step(
        &self,
        rep: &Replayer,
        case: &Case,
        n: usize,
        step: &Step,
        what: &str,
        captured: &mut HashMap<String, String>,
    ) -> Result<(), String> {
        {
            let lookup = |name: &str| {
                captured
                    .get(name)
                    .cloned()
                    .or_else(|| self.vars.get(&case.id, name).map(str::to_owned))
            };
            let url = substitute(&step.url, Place::Url, &lookup);
            // The step as written: its URL with values put in may quote a
            // secret, or what a hostile service gave to capture.
            let label = format!("{what} step {} ({} {})", n + 1, step.method, step.url);
            let unfilled = std::iter::once(step.url.as_str())
                .chain(step.headers.values().map(String::as_str))
                .chain(step.body.as_deref())
                .flat_map(placeholder_names)
                .find(|name| lookup(name).is_none());
            if let Some(name) = unfilled {
                return Err(format!(
                    "{label}: not sent: {{{name}}} has no value (an earlier step did not capture it)"
                ));
            }
            let prepared = Prepared {
                method: step.method.to_ascii_uppercase(),
                url: rep
                    .target()
                    .map(&url)
                    .map_err(|e| format!("{label}: {e}"))?,
                headers: step
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), substitute(v, Place::Text, &lookup)))
                    .collect(),
                body: step
                    .body
                    .as_ref()
                    .map(|b| substitute(b, body_place(b), &lookup)),
            };
            if is_write(&prepared.method)
                && !rep.config().allow_writes
                && !rep.target().is_loopback()
            {
                return Err(format!(
                    "{label}: write refused on a non-loopback target (use --allow-writes)"
                ));
            }
            let actual = rep
                .send(&prepared)
                .await
                .map_err(|e| format!("{label}: {e}"))?;
            let ok = match step.expect {
                Some(code) => actual.status == code,
                None => (200..300).contains(&actual.status),
            };
            if !ok {
                return Err(format!(
                    "{label}: answered {}{}",
                    actual.status,
                    step.expect
                        .map(|c| format!(", expected {c}"))
                        .unwrap_or_default()
                ));
            }
            if !step.capture.is_empty() {
                let body: serde_json::Value = serde_json::from_slice(&actual.body)
                    .map_err(|_| format!("{label}: the answer is not JSON, nothing to capture"))?;
                for (name, pointer) in &step.capture {
                    let v = body.pointer(pointer).ok_or_else(|| {
                        format!("{label}: nothing at {pointer} to capture as {name}")
                    })?;
                    captured.insert(name.clone(), captured_text(v));
                }
            }
        }
        Ok(())
    }

    /// Send one case and judge the answer.
    pub async fn run_case(&self, index: usize) -> CaseResult {
        self.run_case_on(&self.replayer, index).await
    }

    /// `run_case` through the given client (the session's own, or a fork of
    /// it on a run_all thread).
    async fn run_case_on(&self, rep: &Replayer, index: usize) -> CaseResult {
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
        let Some(expected) = &case.response else {
            result.verdict = Verdict::Ignored("no documented response".into());
            return result;
        };
        let scenarios: Vec<&crate::scenario::Scenario> =
            self.scenarios.for_case(&case.id, &case.page_id).collect();
        let mut captured = HashMap::new();
        let mut setup_ok = true;
        for sc in &scenarios {
            let errors = self
                .run_steps(rep, case, &sc.setup, "setup", &mut captured)
                .await;
            if !errors.is_empty() {
                result.findings.extend(errors.into_iter().map(transport));
                setup_ok = false;
                break;
            }
        }
        if setup_ok {
            self.exchange(rep, case, expected, &captured, &mut result)
                .await;
        }
        // Teardown runs whatever happened, in reverse order of the scenarios.
        for sc in scenarios.iter().rev() {
            let errors = self
                .run_steps(rep, case, &sc.teardown, "teardown", &mut captured)
                .await;
            result.findings.extend(errors.into_iter().map(transport));
        }
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
        scrub_result(&rep.config().scrub, &mut result);
        result
    }

    /// The documented exchange itself: send, judge, record.
    async fn exchange(
        &self,
        rep: &Replayer,
        case: &Case,
        expected: &crate::model::DocResponse,
        captured: &HashMap<String, String>,
        result: &mut CaseResult,
    ) {
        let prepared = match self.prepared.get(result.index).cloned().flatten() {
            Some(p) => p,
            None => match self.prepare_resolved(rep, case, captured) {
                Ok(p) => Arc::new(p),
                Err(e) => {
                    result.findings.push(transport(e));
                    return;
                }
            },
        };
        match rep.send(&prepared).await {
            Ok(actual) => {
                let (mut findings, body) = judge_parsed(expected, &actual, &self.judge);
                if actual.tries > 1 {
                    // Say that a 429/503 (or a lost connection) was retried.
                    for f in findings
                        .iter_mut()
                        .filter(|f| f.kind == FindingKind::Status)
                    {
                        f.message
                            .push_str(&format!(" after {} tries", actual.tries));
                    }
                }
                result.findings.extend(findings);
                self.judge_schema(rep, case, expected, &actual, body, &mut result.findings)
                    .await;
                result.actual = Some(actual);
            }
            Err(message) => result.findings.push(Finding {
                documented: Some(expected.status.to_string()),
                ..transport(message)
            }),
        }
        result.sent = Some(prepared);
    }

    /// Validate a successful JSON answer against the declared type: the
    /// annotation's `@odata.type`, else the payload's own.
    async fn judge_schema(
        &self,
        rep: &Replayer,
        case: &Case,
        expected: &crate::model::DocResponse,
        actual: &Actual,
        parsed: Option<serde_json::Value>,
        findings: &mut Vec<Finding>,
    ) {
        let Some(source) = &self.metadata else { return };
        if !(200..300).contains(&actual.status) || actual.status != expected.status {
            return;
        }
        // The judge parsed the answer when the doc shows JSON; otherwise try.
        let Some(body) = parsed.or_else(|| serde_json::from_slice(&actual.body).ok()) else {
            return;
        };
        let type_name = match &expected.odata_type {
            Some(t) => t.clone(),
            None => match body.get("@odata.type").and_then(|v| v.as_str()) {
                Some(t) => t.to_owned(),
                None => return,
            },
        };
        let judge = match source {
            MetadataSource::File(j) => j.clone(),
            MetadataSource::Target(cache) => match self.fetch_metadata(rep, case, cache).await {
                Ok(Some(j)) => j,
                Ok(None) => return,
                Err(e) => {
                    findings.push(Finding {
                        kind: FindingKind::Schema,
                        severity: Severity::Warning,
                        ..transport(e)
                    });
                    return;
                }
            },
        };
        if let Some(found) = judge.validate(&type_name, &body) {
            findings.extend(found);
        }
    }

    /// `<target>/<version>/$metadata`, fetched once per version segment of
    /// the documented URL (`v1.0`, `beta`); `None` for URLs without one.
    ///
    /// The document is read up to 64 MiB whatever
    /// `--max-body` says (a bigger one is refused with that figure, an
    /// endless one costs no more memory than the cap), and within the
    /// run's timeout per request and its deadline: the fetch goes through a
    /// client with the run's settings but its own size cap. (With OAuth
    /// client credentials that client fetches its own token, once.)
    async fn fetch_metadata(
        &self,
        rep: &Replayer,
        case: &Case,
        cache: &MetadataCache,
    ) -> Result<Option<Arc<SchemaJudge>>, String> {
        // About twenty times Graph's own (v1.0: 3.3 MB, 2,961 entity and
        // complex types): room for any real service, and a bound on what a
        // hostile or broken one makes the run hold.
        const METADATA_MAX_BYTES: usize = 64 << 20;
        // The first segment of an absolute documented URL is its version
        // (`https://graph.microsoft.com/v1.0/...`); a relative one has none.
        let url = case.request.url.trim();
        if !url.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("http")) {
            return Ok(None);
        }
        let (path, _) = crate::target::url::doc_path_and_query(url);
        let Some(version) = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .filter(|v| !v.is_empty())
        else {
            return Ok(None);
        };
        let mut cache = cache.lock().await;
        if let Some(known) = cache.get(version) {
            return known.clone();
        }
        let url = format!("/{version}/$metadata");
        let prepared = Prepared {
            method: "GET".into(),
            url: rep.target().map(&url)?,
            headers: vec![("Accept".into(), "application/xml".into())],
            body: None,
        };
        let client = Replayer::new(
            rep.target().clone(),
            crate::target::SendConfig {
                max_body: METADATA_MAX_BYTES,
                ..rep.config().clone()
            },
        );
        let sent = match client {
            Ok(client) => client.send(&prepared).await,
            Err(e) => Err(e),
        };
        let fetched = match sent {
            Ok(a) if a.status == 200 => String::from_utf8(a.body)
                .map_err(|_| format!("{} is not UTF-8", prepared.url))
                .and_then(|xml| {
                    crate::csdl::Metadata::parse(&xml).map_err(|e| format!("{}: {e}", prepared.url))
                })
                .map(|m| Some(Arc::new(SchemaJudge::new(Arc::new(m))))),
            Ok(a) => Err(format!("{} answered {}", prepared.url, a.status)),
            Err(e) => Err(format!(
                "cannot fetch {}: {e} (a $metadata document is read up to {} MiB)",
                prepared.url,
                METADATA_MAX_BYTES >> 20
            )),
        };
        let fetched = fetched.map_err(|e| format!("metadata unavailable: {e}"));
        cache.insert(version.to_owned(), fetched.clone());
        fetched
    }

    /// Split (slot, case index) pairs into groups that run one after the
    /// other: the cases of a page touched by a scenario stay together in
    /// document order; every other case is a group of its own.
    pub fn groups(&self, indices: &[usize]) -> Vec<Vec<(usize, usize)>> {
        let mut groups: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut by_page: HashMap<&str, usize> = HashMap::new();
        for (slot, &index) in indices.iter().enumerate() {
            let page = self.cases[index].page_id.as_str();
            if self.scenarios.touches_page(page) {
                let g = *by_page.entry(page).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                });
                groups[g].push((slot, index));
            } else {
                groups.push(vec![(slot, index)]);
            }
        }
        for g in &mut groups {
            g.sort_by_key(|&(_, index)| self.cases[index].line());
        }
        groups
    }

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
                    .spawn_scoped(scope, move || self.run_thread(groups, next, workers, &tx));
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
                while let Some((slot, r)) = item {
                    on_result(&r);
                    results[slot] = Some(r);
                    received += 1;
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
            eprintln!("graph-contract: warning: {f}");
        }
        // A case that never completed (no thread could run it) is reported
        // rather than lost, with the reason when there is one.
        let why = match failures.first() {
            Some(f) => format!("internal error: the case did not run ({f})"),
            None => "internal error: the case did not complete".to_owned(),
        };
        results
            .into_iter()
            .enumerate()
            .map(|(slot, r)| r.unwrap_or_else(|| internal_error(indices[slot], &why)))
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
        results: &std::sync::mpsc::Sender<(usize, CaseResult)>,
    ) -> Result<(), String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a replay runtime: {e}"))?;
        let rep = {
            let _guard = runtime.enter();
            self.replayer.fork()?
        };
        let worker = || async {
            while let Some(group) = groups.get(next.fetch_add(1, Ordering::Relaxed)) {
                for &(slot, index) in group {
                    let run = std::panic::AssertUnwindSafe(self.run_case_on(&rep, index));
                    let r = run.catch_unwind().await.unwrap_or_else(|panic| {
                        internal_error(index, &format!("internal error: {}", panic_text(&panic)))
                    });
                    // The caller is gone only if on_result panicked: no
                    // new group starts (the cases in flight finish, their
                    // teardowns run).
                    if results.send((slot, r)).is_err() {
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
        Ok(())
    }
}

/// After each batch of results, the caller waits this long before taking
/// the next: results finished meanwhile are then taken together, instead of
/// each waking the calling thread (a futex wake-up per exchange).
const RESULT_BATCH: Duration = Duration::from_millis(1);

/// The result of a case the harness itself failed to complete.
/// A judged result with every secret gone (`redact`): the answer kept for
/// the reports, and every finding, where a value cut short may have kept
/// the beginning of one. The verdict was reached on the answer as sent.
fn scrub_result(redactor: &crate::redact::Redactor, result: &mut CaseResult) {
    if redactor.is_empty() {
        return;
    }
    if let Some(actual) = &mut result.actual {
        redactor.scrub(actual);
    }
    for f in &mut result.findings {
        f.message = redactor.apply_cut(&f.message);
        for v in [&mut f.documented, &mut f.actual].into_iter().flatten() {
            *v = redactor.apply_cut(v);
        }
    }
}

fn internal_error(index: usize, message: &str) -> CaseResult {
    CaseResult {
        index,
        verdict: Verdict::Fail,
        findings: vec![Finding {
            pointer: String::new(),
            kind: FindingKind::Transport,
            severity: Severity::Error,
            message: message.to_owned(),
            documented: None,
            actual: None,
        }],
        duration: Duration::ZERO,
        sent: None,
        actual: None,
    }
}

/// What a panic said, when it said it with a string.
fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the case panicked".to_owned())
}

/// How values are written into a body: JSON-escaped in a JSON one.
fn body_place(body: &str) -> Place {
    if body.trim_start().starts_with(['{', '[']) {
        Place::Json
    } else {
        Place::Text
    }
}

/// A value found at a JSON pointer, as text (strings without quotes).
fn captured_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn transport(message: String) -> Finding {
    Finding {
        pointer: String::new(),
        kind: FindingKind::Transport,
        severity: Severity::Error,
        message,
        documented: None,
        actual: None,
    }
}
