//! The engine: one run is cases plus a target (or the built-in mock) →
//! one result per case, told to listeners as it goes. The libtest harness
//! and the `check` command are two faces over it: both select
//! ([`select`]), plan ([`plan`]), order ([`order`]), send, judge and decide
//! verdicts here (many at once: `parallel`), and both show what happens by
//! listening ([`events`]).
//!
//! Decisions, and why:
//! - **The engine decides, listeners show.** Verdicts (with the baseline as
//!   an input), ignore reasons, totals and the exit status are made here;
//!   no face nor report reads a message back to classify it.
//! - **The documented side is compiled once.** Each case that will be sent
//!   gets its [`crate::judge::JudgePlan`] when the session opens; every
//!   exchange (every `--repeat` pass) walks only its answer against it.
//! - **Results are scrubbed once judged.** Answers are judged as sent (a
//!   secret id still reads as a GUID), then every secret is taken out of
//!   the result (its answer and findings) before any listener sees it.
//! - **Library code never prints.** Warnings (a replay thread that could
//!   not start) are [`events::Event::Warning`]s; the faces print them,
//!   through their redacting writer.

pub mod coverage;
pub mod events;
mod metadata;
pub mod order;
mod parallel;
pub mod plan;
pub mod select;
mod steps;

pub use coverage::Coverage;
pub use events::{Event, Listener, Listeners, RunFinished, RunStarted, Totals};
pub use parallel::Finished;
pub use plan::Planned;

use crate::baseline::Baseline;
use crate::csdl::SchemaJudge;
use crate::error::Error;
use crate::judge::{JudgePlan, judge_parsed};
use crate::mock::{self, MockServer, Routes};
use crate::model::{Actual, Case, Finding, FindingKind, IgnoreReason, JudgeOptions, Severity};
use crate::scenario::{Place, Scenarios, Vars};
use crate::target::{Prepared, Replayer, SendConfig, Target};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::error::exit;

/// The cases a run takes, and what to say before it.
#[derive(Debug)]
pub struct ReadCases {
    /// The selected cases.
    pub cases: Vec<Case>,
    /// Pages skipped, and what the configuration names that the pages do
    /// not have: told to the listeners as warnings.
    pub warnings: Vec<String>,
    /// Pages read.
    pub pages: usize,
}

/// Read the configured pages and select their cases; a path that does not
/// exist and an empty selection are configuration errors.
pub fn read_cases(config: &crate::config::Config) -> Result<ReadCases, crate::error::Error> {
    let corpus = read_pages(&config.pages)?;
    // A page that cannot be read is skipped, and said so.
    let mut warnings: Vec<String> = corpus
        .diagnostics
        .iter()
        .filter(|d| d.kind.starts_with("unreadable"))
        .map(|d| format!("skipped {d}"))
        .collect();
    // Against every case read, not only the selected ones.
    warnings.extend(stale_references(&corpus.cases, &config.settings));
    let cases = select::select(corpus.cases, &config.select, &config.pages)?;
    Ok(ReadCases {
        cases,
        warnings,
        pages: corpus.pages,
    })
}

/// Read the pages; a path that does not exist is a configuration error.
pub fn read_pages(
    pages: &[std::path::PathBuf],
) -> Result<crate::docs::Corpus, crate::error::Error> {
    for p in pages {
        if !p.exists() {
            return Err(config_err!(
                "no such file or folder: {} (the pages: give them as arguments, or set GRAPH_CONTRACT_SPECS)",
                p.display()
            ));
        }
    }
    let refs: Vec<&std::path::Path> = pages.iter().map(|p| p.as_path()).collect();
    let mut corpus = crate::docs::read_paths(&refs);
    // A page given twice (a folder listed twice, or a folder and a page in
    // it) is read once: its cases would run twice under one id, and the
    // page-order rule would interleave the two readings.
    // Each page is canonicalized once, not once per case (a readlink per
    // path component each time: 13.7k system calls for the v1.0 folder).
    let mut canonical: std::collections::HashMap<String, std::rc::Rc<std::path::Path>> =
        std::collections::HashMap::new();
    let mut seen = std::collections::HashSet::new();
    corpus.cases.retain(|c| {
        let file = match canonical.get(&c.page) {
            Some(file) => file.clone(),
            None => {
                let file: std::rc::Rc<std::path::Path> = std::fs::canonicalize(&c.page)
                    .unwrap_or_else(|_| c.page.clone().into())
                    .into();
                canonical.insert(c.page.clone(), file.clone());
                file
            }
        };
        seen.insert((file, c.line()))
    });
    Ok(corpus)
}

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
    /// Judge answers against the declared `$metadata` schema too, and
    /// send no example whose path it does not declare.
    pub metadata: Option<MetadataSource>,
    /// With metadata: send the examples whose path the metadata does not
    /// declare anyway (judged as without it).
    pub send_undeclared: bool,
    /// Fail the run when fewer than this percentage of the declared
    /// operations that ran conform.
    pub min_coverage: Option<f64>,
    /// Further pages followed through `@odata.nextLink`.
    pub follow_pages: FollowPages,
}

/// How many further pages a collection's `@odata.nextLink` is followed
/// (`--follow-pages`; 2 unless told).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowPages(pub usize);

impl Default for FollowPages {
    fn default() -> Self {
        FollowPages(2)
    }
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

/// Versions already fetched: version segment → the judge (or why not),
/// and the status the target answered.
pub type MetadataCache =
    tokio::sync::Mutex<HashMap<String, (Result<Option<Arc<SchemaJudge>>, String>, Option<u16>)>>;

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
    Ignored(IgnoreReason),
    /// Not sent: the service's `$metadata` does not declare the path (the
    /// reason names the segment). Never fails the run.
    NotImplemented(String),
}

impl Verdict {
    /// The word used in reports: pass, fail, known-failure, ignored,
    /// not-implemented.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::KnownFailure => "known-failure",
            Verdict::Ignored(_) => "ignored",
            Verdict::NotImplemented(_) => "not-implemented",
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
    /// Each case's plan: its request prepared once, or why it will not run.
    plan: Vec<Planned>,
    /// Each case's documented response compiled for judging, once per run
    /// (`None` for a case that is not sent).
    judges: Vec<Option<JudgePlan>>,
    judge: JudgeOptions,
    deny_warnings: bool,
    baseline: Baseline,
    vars: Vars,
    scenarios: Scenarios,
    metadata: Option<MetadataSource>,
    /// Each case's path, resolved against the metadata when there is some.
    paths: Vec<coverage::PathInfo>,
    /// The service's model (the metadata's declarations), when known.
    inventory: Option<std::collections::BTreeSet<crate::csdl::Declaration>>,
    min_coverage: Option<f64>,
    follow_pages: FollowPages,
    /// What opening found that the user should know (metadata that could
    /// not be fetched, paths the resolver could not read).
    notes: Vec<String>,
    /// The replay threads' runtimes and forks, between runs
    /// ([`parallel::Spare`]).
    spares: std::sync::Mutex<Vec<parallel::Spare>>,
}

impl Session {
    /// Start a session over these cases. With no target, the built-in mock
    /// serves the same cases on an ephemeral loopback port and placeholders
    /// are filled (the mock matches any value for them).
    pub fn open(settings: Settings, cases: Arc<Vec<Case>>) -> Result<Session, crate::error::Error> {
        Session::open_with(settings, cases, true)
    }

    /// The cases known before any request not to run, with the reason (no
    /// documented response, a placeholder without a value, a refused write,
    /// an example the built-in mock cannot tell apart), as [`Session::open`]
    /// finds them, but starting nothing: no mock, no connection. For
    /// listings that must mark them ignored up front (cargo nextest).
    ///
    /// The cases whose path the service's `$metadata` does not declare are
    /// among them, with the reason as text: under `--metadata-from-target`
    /// the listing fetches it (the one request a listing sends), so that
    /// nextest, which runs each case in a process of its own and reads only
    /// the listing's ignores, never reports one as passed.
    pub fn static_ignores(
        settings: &Settings,
        cases: Arc<Vec<Case>>,
    ) -> Result<HashMap<usize, String>, crate::error::Error> {
        Session::open_with(settings.clone(), cases, false).map(|s| {
            s.plan
                .into_iter()
                .enumerate()
                .filter_map(|(i, p)| match p {
                    Planned::Ignored(r) => Some((i, r.to_string())),
                    Planned::NotImplemented(why) => Some((i, format!("not implemented: {why}"))),
                    _ => None,
                })
                .collect()
        })
    }

    /// `open`; with `start` false, no mock is started (a loopback stand-in
    /// URL takes its place) and no runtime thread either.
    fn open_with(
        settings: Settings,
        cases: Arc<Vec<Case>>,
        start: bool,
    ) -> Result<Session, crate::error::Error> {
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
        .map_err(|e| config_err!("cannot start the async runtime: {e}"))?;
        let mut send = settings.send.clone();
        send.deadline = settings.deadline.map(|d| Instant::now() + d);
        send.scrub = Arc::new(crate::redact::Redactor::new(settings.secrets()));
        let mut ignored = HashMap::new();
        let (target, mock) = match &settings.target {
            Some(url) => (Target::parse(url).map_err(Error::config)?, None),
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
                        .map_err(|e| config_err!("cannot start the built-in mock: {e}"))?;
                    (
                        Target::parse(&server.url()).map_err(Error::config)?,
                        Some(server),
                    )
                } else {
                    (
                        Target::parse("http://127.0.0.1:9").map_err(Error::config)?,
                        None,
                    )
                }
            }
        };
        let replayer = {
            let _guard = runtime.enter();
            Replayer::new(target, send).map_err(Error::config)?
        };
        let mut notes = Vec::new();
        let declared = if start || settings.target.is_some() {
            runtime.block_on(metadata::declared(&replayer, &settings, &cases, &mut notes))
        } else {
            metadata::declared_offline(&settings)
        };
        let paths = coverage::paths(&cases, |case| match declared.for_case(case) {
            metadata::Against::Metadata(m) => coverage::Against::Metadata(m),
            metadata::Against::NotServed(why) => coverage::Against::Undeclared(why),
            metadata::Against::Nothing => coverage::Against::Nothing,
        });
        let inventory = declared.inventory();
        let mut undeclared = HashMap::new();
        let mut unresolvable = Vec::new();
        for (i, p) in paths.iter().enumerate() {
            match &p.status {
                coverage::PathStatus::NotDeclared(why) if !settings.send_undeclared => {
                    undeclared.insert(i, why.clone());
                }
                coverage::PathStatus::Unresolvable(why) => unresolvable.push((i, why)),
                _ => {}
            }
        }
        if let Some(&(i, why)) = unresolvable.first() {
            notes.push(format!(
                "{} could not be resolved against the $metadata, judged as without it; first: {} ({}:{}): {why}",
                crate::report::count(unresolvable.len(), "example path", "example paths"),
                cases[i].id,
                cases[i].page,
                cases[i].line(),
            ));
        }
        let plan = plan::plan(
            &cases,
            &replayer,
            &settings.scenarios,
            &settings.vars,
            ignored,
            undeclared,
        );
        let judges = cases
            .iter()
            .zip(&plan)
            .map(|(case, planned)| match planned {
                Planned::Ready(..) | Planned::AfterSetup => {
                    case.response.as_ref().map(JudgePlan::compile)
                }
                Planned::Ignored(_) | Planned::NotImplemented(_) => None,
            })
            .collect();
        Ok(Session {
            runtime,
            cases,
            replayer,
            mock,
            plan,
            judges,
            judge: settings.judge,
            deny_warnings: settings.deny_warnings,
            baseline: settings.baseline,
            vars: settings.vars,
            scenarios: settings.scenarios,
            metadata: settings.metadata,
            paths,
            inventory,
            min_coverage: settings.min_coverage,
            follow_pages: settings.follow_pages,
            notes,
            spares: Default::default(),
        })
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
    pub fn prepared(&self, index: usize) -> Result<Option<&Prepared>, &IgnoreReason> {
        match self.plan.get(index) {
            Some(Planned::Ready(p, _)) => Ok(Some(p)),
            Some(Planned::Ignored(reason)) => Err(reason),
            _ => Ok(None),
        }
    }

    /// Why a case is not sent because the service does not declare its
    /// path, if it is not.
    pub fn not_implemented(&self, index: usize) -> Option<&str> {
        match self.plan.get(index) {
            Some(Planned::NotImplemented(why)) => Some(why),
            _ => None,
        }
    }

    /// What opening the session found that the user should know: told as
    /// warnings by the faces.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Each case's path as the run resolved it.
    pub fn paths(&self) -> &[coverage::PathInfo] {
        &self.paths
    }

    /// Why a case will not run, if it will not.
    pub fn ignore_reason(&self, index: usize) -> Option<&IgnoreReason> {
        match self.plan.get(index) {
            Some(Planned::Ignored(reason)) => Some(reason),
            _ => None,
        }
    }

    /// The scenarios of this session (for the page-order rule).
    pub fn scenarios(&self) -> &Scenarios {
        &self.scenarios
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
        if let Some(why) = self.not_implemented(index) {
            result.verdict = Verdict::NotImplemented(why.to_owned());
            return result;
        }
        if let Some(reason) = self.ignore_reason(index) {
            result.verdict = Verdict::Ignored(reason.clone());
            return result;
        }
        let Some(expected) = &case.response else {
            result.verdict = Verdict::Ignored(IgnoreReason::NoResponse);
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
        // An answer breaking every rule at every element (three million
        // findings from a 6 MB body) would make every report unopenable:
        // the first ones are kept, the rest counted, once the verdict is
        // decided.
        if result.findings.len() > MAX_FINDINGS {
            let dropped = result.findings.len() - MAX_FINDINGS;
            result
                .findings
                .sort_by_key(|f| std::cmp::Reverse(f.severity));
            result.findings.truncate(MAX_FINDINGS);
            result.findings.push(Finding {
                pointer: String::new(),
                kind: FindingKind::Transport,
                severity: Severity::Warning,
                message: format!(
                    "{dropped} more findings not kept (at most {MAX_FINDINGS} per case)"
                ),
                documented: None,
                actual: None,
            });
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
        let (prepared, planned_query) = match self.plan.get(result.index) {
            Some(Planned::Ready(p, q)) => (p.clone(), Some(q)),
            _ => match plan::prepare_resolved(rep, &self.vars, case, captured) {
                Ok(p) => (Arc::new(p), None),
                Err(e) => {
                    result.findings.push(transport(e.to_string()));
                    return;
                }
            },
        };
        match rep.send(&prepared).await {
            Ok(actual) => {
                use crate::judge::{Tree, odata};
                let query = (self.judge.odata != odata::Mode::Off).then(|| match planned_query {
                    Some(q) => std::borrow::Cow::Borrowed(&**q),
                    None => std::borrow::Cow::Owned(odata::Query::of(prepared.url.as_str())),
                });
                // The whole answer as a tree only when a later rule reads it.
                let tree = match &query {
                    _ if self.metadata.is_some() => Tree::Full,
                    None => Tree::Nothing,
                    Some(q)
                        if q.reads_only_paging_links() && (200..300).contains(&actual.status) =>
                    {
                        Tree::PagingLinks
                    }
                    Some(_) => Tree::Full,
                };
                let (mut findings, body) = match self.judges.get(result.index) {
                    Some(Some(plan)) => plan.judge_tree(&actual, &self.judge, tree),
                    _ => judge_parsed(expected, &actual, &self.judge),
                };
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
                if let Some(query) = &query {
                    self.judge_odata(
                        rep,
                        expected,
                        (&prepared, query),
                        &actual,
                        body.as_ref(),
                        &mut result.findings,
                    )
                    .await;
                }
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
}

impl Session {
    /// The OData protocol rules over the answer, then over the further
    /// pages its `@odata.nextLink` leads to (up to `--follow-pages`, only
    /// on the target): the judge says which link comes next, replay sends.
    async fn judge_odata(
        &self,
        rep: &Replayer,
        expected: &crate::model::DocResponse,
        (prepared, query): (&Prepared, &crate::judge::odata::Query),
        actual: &Actual,
        body: Option<&serde_json::Value>,
        findings: &mut Vec<Finding>,
    ) {
        use crate::judge::odata;
        let parsed;
        let body = match body {
            Some(b) => Some(b),
            None => {
                parsed = parse_json(&actual.body);
                parsed.as_ref()
            }
        };
        let strict = self.judge.strict;
        let mode = self.judge.odata;
        let judged = odata::judge_page(
            query,
            expected.body.json(),
            odata_page(1, actual, body),
            mode,
            strict,
        );
        findings.extend(judged.findings);
        let mut next = judged.next;
        let mut number = 1;
        while let Some(link) = next.take() {
            let url = match odata::on_target(&link, rep.target().base()) {
                Ok(url) => url,
                Err(why) => {
                    findings.push(Finding {
                        pointer: if number == 1 {
                            "/@odata.nextLink".into()
                        } else {
                            String::new()
                        },
                        kind: FindingKind::OdataPaging,
                        severity: Severity::Error,
                        message: if number == 1 {
                            why
                        } else {
                            format!("page {number}: {why}")
                        },
                        documented: None,
                        actual: Some(crate::judge::short(&link)),
                    });
                    break;
                }
            };
            if number > self.follow_pages.0 {
                break;
            }
            number += 1;
            let p = Prepared {
                method: "GET".to_owned(),
                url,
                headers: prepared.headers.clone(),
                body: None,
                head: Default::default(),
            };
            let answer = match rep.send(&p).await {
                Ok(a) => a,
                Err(message) => {
                    findings.push(transport(format!("page {number}: {message}")));
                    break;
                }
            };
            if !(200..300).contains(&answer.status) {
                findings.push(Finding {
                    pointer: String::new(),
                    kind: FindingKind::OdataPaging,
                    severity: Severity::Error,
                    message: format!(
                        "page {number}: the @odata.nextLink of page {} was answered {} (JSON Format 4.01 §4.5.5)",
                        number - 1,
                        answer.status
                    ),
                    documented: Some("2xx".into()),
                    actual: Some(answer.status.to_string()),
                });
                break;
            }
            let json = parse_json(&answer.body);
            let judged = odata::judge_page(
                query,
                expected.body.json(),
                odata_page(number, &answer, json.as_ref()),
                mode,
                strict,
            );
            findings.extend(judged.findings);
            next = judged.next;
        }
    }
}

/// One answer as the OData judge reads it.
fn odata_page<'a>(
    number: usize,
    a: &'a Actual,
    json: Option<&'a serde_json::Value>,
) -> crate::judge::odata::Page<'a> {
    crate::judge::odata::Page {
        number,
        status: a.status,
        json,
        raw: &a.body,
        ieee754_strings: a
            .header("content-type")
            .is_some_and(|t| t.to_ascii_lowercase().contains("ieee754compatible=true")),
    }
}

/// A body as JSON, when it is (a BOM allowed).
fn parse_json(body: &[u8]) -> Option<serde_json::Value> {
    let b = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    let first = b.iter().find(|c| !c.is_ascii_whitespace())?;
    if !matches!(first, b'{' | b'[') {
        return None;
    }
    serde_json::from_slice(b).ok()
}

/// Findings kept per case.
pub const MAX_FINDINGS: usize = 1000;

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

pub(crate) fn internal_error(index: usize, message: &str) -> CaseResult {
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
pub(crate) fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the case panicked".to_owned())
}

/// How values are written into a body: JSON-escaped in a JSON one.
pub(crate) fn body_place(body: &str) -> Place {
    if body.trim_start().starts_with(['{', '[']) {
        Place::Json
    } else {
        Place::Text
    }
}

pub(crate) fn transport(message: String) -> Finding {
    Finding {
        pointer: String::new(),
        kind: FindingKind::Transport,
        severity: Severity::Error,
        message,
        documented: None,
        actual: None,
    }
}
