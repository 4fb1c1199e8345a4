//! What the service implements, and how much of it conforms: each case's
//! path resolved against the service's `$metadata` before anything is sent
//! ([`paths`]), and at the end of a run the documented operations counted
//! overall, per area and over the service's own model ([`Coverage`]).
//!
//! Decisions, and why:
//! - **An operation is a method and a path template** (`GET /users/{id}`):
//!   the unit a service team implements. Two examples of one operation
//!   (a page's `$select` and `$filter` variants) are one operation; it
//!   conforms when every judged example of it passes, fails when one
//!   fails. With metadata the template is the resolver's (it knows which
//!   segment is a key); without, the URL's own ([`resolve::path_template`]).
//! - **Not implemented is the service's word, not a guess.** Only a path
//!   its `$metadata` does not declare is not implemented (and not sent;
//!   sent with `--send-undeclared`, it is still not implemented here: its
//!   answer, failing or passing, is no declared operation's).
//!   Without metadata every operation counts as implemented, and those
//!   answered only 404, 405 or 501 are counted apart (`not_found`): the
//!   summary can say "probably not implemented" and point at
//!   `--metadata-from-target`, without deciding it.
//! - **The coverage figure is conforming over judged:** of the operations
//!   the service declares (all, without metadata), those that pass, over
//!   those that were judged (an operation whose examples have no documented
//!   response cannot pass or fail, and is left out of both). It is what
//!   `--min-coverage` holds a run to.
//! - **The model's side counts what an example addresses** (its last
//!   declaration: `GET /me/messages` addresses the navigation
//!   `user/messages`, not the singleton `me`), so a declaration with a
//!   passing example is one a documented request really exercised.
//! - **With metadata, only what was resolved counts as declared.** An
//!   operation whose path the resolver could not read (an upload URL on
//!   another host) is judged, but counted apart (`unresolved`): neither
//!   implemented nor not, and out of the coverage figure.
//! - **An area is the first segment** (`me`, `users`, `groups`), the
//!   entity set or singleton when the path resolves: what a team splits its
//!   work by.

use super::{CaseResult, Verdict};
use crate::csdl::Metadata;
use crate::csdl::resolve::{self, Declaration, Resolution};
use crate::model::Case;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the run knows of a case's path before sending it.
#[derive(Debug, Clone)]
pub struct PathInfo {
    /// The operation's path template (version dropped, keys as `{id}`).
    pub template: String,
    /// The first segment: entity set or singleton.
    pub area: String,
    pub status: PathStatus,
}

/// A case's path against the service's `$metadata`.
#[derive(Debug, Clone)]
pub enum PathStatus {
    /// No metadata to resolve it against.
    Unknown,
    /// Declared: what it addresses.
    Declared(Declaration),
    /// Not declared: why (names the segment).
    NotDeclared(String),
    /// The resolver cannot read the path: why.
    Unresolvable(String),
}

/// What a case's path is resolved against.
pub enum Against<'m> {
    /// The service's metadata.
    Metadata(&'m Metadata),
    /// Nothing: the service declares nothing there (why).
    Undeclared(String),
    /// No metadata: [`PathStatus::Unknown`].
    Nothing,
}

/// Each case's path resolved against what `meta_for` gives it. Areas are
/// one whatever the case the docs write them in (Graph's names are
/// case-insensitive: `/Me/events` is in `me`), spelled as the metadata
/// declares them, else as first written.
pub fn paths<'m>(cases: &[Case], meta_for: impl Fn(&Case) -> Against<'m>) -> Vec<PathInfo> {
    let mut infos = resolve_each(cases, meta_for);
    let mut spelling: HashMap<String, String> = HashMap::new();
    for declared in [true, false] {
        for p in &infos {
            if matches!(p.status, PathStatus::Declared(_)) == declared {
                spelling
                    .entry(p.area.to_ascii_lowercase())
                    .or_insert_with(|| p.area.clone());
            }
        }
    }
    for p in &mut infos {
        if let Some(s) = spelling.get(&p.area.to_ascii_lowercase()) {
            p.area.clone_from(s);
        }
    }
    infos
}

fn resolve_each<'m>(cases: &[Case], meta_for: impl Fn(&Case) -> Against<'m>) -> Vec<PathInfo> {
    cases
        .iter()
        .map(|case| {
            let url = &case.request.url;
            let meta = match meta_for(case) {
                Against::Metadata(meta) => meta,
                other => {
                    return PathInfo {
                        template: resolve::path_template(url),
                        area: resolve::area(url),
                        status: match other {
                            Against::Undeclared(why) => PathStatus::NotDeclared(why),
                            _ => PathStatus::Unknown,
                        },
                    };
                }
            };
            match meta.resolve_path(url) {
                Resolution::Declared(route) => PathInfo {
                    area: route
                        .through
                        .first()
                        .map_or_else(|| resolve::area(url), declaration_name),
                    template: route.template,
                    status: PathStatus::Declared(route.target),
                },
                Resolution::NotDeclared(n) => PathInfo {
                    template: resolve::path_template(url),
                    area: resolve::area(url),
                    status: PathStatus::NotDeclared(n.message),
                },
                Resolution::Unresolvable(why) => PathInfo {
                    template: resolve::path_template(url),
                    area: resolve::area(url),
                    status: PathStatus::Unresolvable(why),
                },
            }
        })
        .collect()
}

/// The name a declaration is known by in a URL (`users`, `messages`).
fn declaration_name(d: &Declaration) -> String {
    match d {
        Declaration::EntitySet(n)
        | Declaration::Singleton(n)
        | Declaration::ActionImport(n)
        | Declaration::FunctionImport(n) => n.clone(),
        Declaration::Navigation(_, n) => n.clone(),
        Declaration::Action(n, _) | Declaration::Function(n, _) => {
            n.rsplit('.').next().unwrap_or(n).to_owned()
        }
    }
}

/// Where an operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OperationState {
    /// Every judged example passes.
    Conforming,
    /// An example fails (a known failure included).
    Failing,
    /// The service's `$metadata` does not declare it.
    NotImplemented,
    /// Nothing could be judged (no documented response, refused...).
    Unjudged,
}

/// One documented operation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operation {
    pub method: String,
    pub template: String,
    pub area: String,
    pub state: OperationState,
    /// Its examples (case ids), in case order.
    pub cases: Vec<String>,
    /// Failing, and every failing example was answered 404, 405 or 501.
    pub not_found: bool,
    /// An example was answered with a success status (the service does
    /// something here, conforming or not).
    pub answered: bool,
    /// With metadata: an example's path resolved as declared. An
    /// operation judged without that (its path unreadable to the resolver)
    /// is counted apart: whether the service declares it is not known.
    pub declared: bool,
}

/// Operations counted by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub operations: usize,
    pub conforming: usize,
    pub failing: usize,
    pub not_implemented: usize,
    pub unjudged: usize,
    /// Failing operations answered only 404, 405 or 501.
    pub not_found: usize,
    /// Operations an example of which was answered with a success status.
    pub answered: usize,
    /// With metadata: operations judged although their path could not be
    /// resolved against it; in none of the counts above but `operations`.
    pub unresolved: usize,
}

impl Counts {
    fn add(&mut self, op: &Operation, with_metadata: bool) {
        self.operations += 1;
        if with_metadata && !op.declared && op.state != OperationState::NotImplemented {
            self.unresolved += 1;
            return;
        }
        match op.state {
            OperationState::Conforming => self.conforming += 1,
            OperationState::Failing => self.failing += 1,
            OperationState::NotImplemented => self.not_implemented += 1,
            OperationState::Unjudged => self.unjudged += 1,
        }
        self.not_found += usize::from(op.not_found);
        self.answered += usize::from(op.answered);
    }

    /// Operations the service declares (all of them without metadata).
    pub fn implemented(&self) -> usize {
        self.operations - self.not_implemented - self.unresolved
    }

    /// Conforming over judged, in percent; `None` when nothing was judged.
    pub fn percent(&self) -> Option<f64> {
        let judged = self.conforming + self.failing;
        (judged > 0).then(|| 100.0 * self.conforming as f64 / judged as f64)
    }
}

/// One kind of declaration in the service's model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCounts {
    /// Declared by the service.
    pub declared: usize,
    /// Addressed by a documented example of the run.
    pub documented: usize,
    /// Addressed by an example that passed.
    pub passing: usize,
}

/// The service's model against the documented examples.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Model {
    /// By [`Declaration::kind`].
    pub kinds: BTreeMap<String, ModelCounts>,
    /// Declarations no documented example of the run addresses (shown
    /// names: `navigation microsoft.graph.user/messages`).
    pub undocumented: Vec<String>,
    /// Declarations addressed by an example that passed (shown names):
    /// what merging runs' coverage needs to count `passing` exactly.
    #[serde(default)]
    pub passing: Vec<String>,
}

/// Coverage of a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Coverage {
    /// Paths were resolved against the service's `$metadata`.
    pub with_metadata: bool,
    pub total: Counts,
    pub areas: BTreeMap<String, Counts>,
    pub operations: Vec<Operation>,
    /// With metadata: the service's model.
    pub model: Option<Model>,
    /// Example paths the resolver could not read (judged as without
    /// metadata).
    pub unresolvable: usize,
    /// Examples whose path the `$metadata` does not declare that were sent
    /// all the same (`--send-undeclared`): counted as not implemented.
    pub undeclared_sent: usize,
    /// `--min-coverage`, when given.
    pub min: Option<f64>,
}

impl Coverage {
    /// Count the run's operations: `paths[i]` is case `i`'s, `results` the
    /// run's (any subset of the cases); `inventory` the service's model
    /// when there is metadata.
    pub fn of(
        cases: &[Case],
        results: &[CaseResult],
        paths: &[PathInfo],
        inventory: Option<&BTreeSet<Declaration>>,
        min: Option<f64>,
    ) -> Coverage {
        let mut ops: Vec<Operation> = Vec::new();
        let mut by_key: HashMap<(String, String), usize> = HashMap::new();
        // Per operation: passes, failures, failures not answered 404/405/501.
        let mut tally: Vec<(usize, usize, usize, usize)> = Vec::new();
        let mut addressed: HashMap<&Declaration, bool> = HashMap::new();
        let mut unresolvable = 0;
        let mut undeclared_sent = 0;
        for r in results {
            let (Some(case), Some(path)) = (cases.get(r.index), paths.get(r.index)) else {
                continue;
            };
            let key = (case.request.method.clone(), path.template.clone());
            let slot = *by_key.entry(key).or_insert_with(|| {
                ops.push(Operation {
                    method: case.request.method.clone(),
                    template: path.template.clone(),
                    area: path.area.clone(),
                    state: OperationState::Unjudged,
                    cases: Vec::new(),
                    not_found: false,
                    answered: false,
                    declared: false,
                });
                tally.push((0, 0, 0, 0));
                ops.len() - 1
            });
            ops[slot].cases.push(case.id.clone());
            ops[slot].answered |= r
                .actual
                .as_ref()
                .is_some_and(|a| (200..300).contains(&a.status));
            let t = &mut tally[slot];
            match &r.verdict {
                // Sent all the same (`--send-undeclared`): the service's
                // `$metadata` still does not declare it, and its answer
                // counts for no declared operation.
                _ if matches!(path.status, PathStatus::NotDeclared(_)) => {
                    t.3 += 1;
                    undeclared_sent += usize::from(r.sent.is_some());
                }
                Verdict::Pass => t.0 += 1,
                Verdict::Fail | Verdict::KnownFailure => {
                    t.1 += 1;
                    let status = r.actual.as_ref().map(|a| a.status);
                    if !matches!(status, Some(404 | 405 | 501)) {
                        t.2 += 1;
                    }
                }
                Verdict::NotImplemented(_) => t.3 += 1,
                Verdict::Ignored(_) => {}
            }
            match &path.status {
                PathStatus::Declared(d) => {
                    ops[slot].declared = true;
                    let passed = addressed.entry(d).or_default();
                    *passed |= r.verdict == Verdict::Pass;
                }
                PathStatus::Unresolvable(_) => unresolvable += 1,
                PathStatus::Unknown | PathStatus::NotDeclared(_) => {}
            }
        }
        let with_metadata = inventory.is_some();
        let (total, areas) = settle(&mut ops, &tally, with_metadata);
        let model = inventory.map(|inv| {
            let mut m = Model::default();
            for d in inv {
                let row = m.kinds.entry(d.kind().to_owned()).or_default();
                row.declared += 1;
                match addressed.get(d) {
                    Some(&passed) => {
                        row.documented += 1;
                        row.passing += usize::from(passed);
                        if passed {
                            m.passing.push(d.to_string());
                        }
                    }
                    None => m.undocumented.push(d.to_string()),
                }
            }
            m
        });
        Coverage {
            with_metadata,
            total,
            areas,
            operations: ops,
            model,
            unresolvable,
            undeclared_sent,
            min,
        }
    }

    /// The coverage figure ([`Counts::percent`]) over the whole run.
    pub fn percent(&self) -> Option<f64> {
        self.total.percent()
    }

    /// Why the run falls short of `--min-coverage`, if it does. A run that
    /// judged nothing falls short of any figure above 0, unless it had
    /// nothing to judge (no operation at all: `--changed-since` with no
    /// page changed).
    pub fn shortfall(&self) -> Option<String> {
        let min = self.min?;
        if self.total.operations == 0 || (min <= 0.0 && self.percent().is_none()) {
            return None;
        }
        let declared = if self.with_metadata {
            "the operations the service declares"
        } else {
            "the documented operations"
        };
        let shown = min_text(min);
        match self.percent() {
            Some(p) if p + 1e-9 >= min => None,
            None if min <= 0.0 => None,
            Some(p) => Some(format!(
                "coverage {}% is below --min-coverage {shown}%: {} of {} of {declared} that ran conform",
                percent_text(p),
                self.total.conforming,
                self.total.conforming + self.total.failing
            )),
            None => Some(format!(
                "coverage unknown, below --min-coverage {shown}%: none of {declared} could be judged"
            )),
        }
    }
}

impl Coverage {
    /// The coverage of several runs' reports as one (`graph-contract
    /// report` over shards, or the v1.0 and beta halves), exactly as if
    /// one run had held their cases: an operation in several parts is
    /// failing when any part fails it, conforming when a part passes it and
    /// none fails it, then not implemented, then unjudged (the order
    /// [`Coverage::of`] decides in); it failed on 404/405/501 only when
    /// every failing part says so and no part passed it. Totals and areas
    /// are counted again. The model (with metadata) is the first part's
    /// (the parts of one service share it): a declaration is undocumented
    /// when no part addresses it, and passing when a part passed it.
    pub fn merge(parts: &[Coverage]) -> Coverage {
        let mut by_key: HashMap<(String, String), usize> = HashMap::new();
        let mut ops: Vec<Operation> = Vec::new();
        // Per merged operation: a part passed it; every failing part said
        // not found.
        let mut passed: Vec<bool> = Vec::new();
        let mut all_not_found: Vec<bool> = Vec::new();
        for part in parts {
            for op in &part.operations {
                let key = (op.method.clone(), op.template.clone());
                let slot = *by_key.entry(key).or_insert_with(|| {
                    ops.push(Operation {
                        state: OperationState::Unjudged,
                        cases: Vec::new(),
                        not_found: false,
                        answered: false,
                        declared: false,
                        ..op.clone()
                    });
                    passed.push(false);
                    all_not_found.push(true);
                    ops.len() - 1
                });
                let m = &mut ops[slot];
                m.cases.extend(op.cases.iter().cloned());
                m.answered |= op.answered;
                m.declared |= op.declared;
                let rank = |s: OperationState| match s {
                    OperationState::Failing => 3,
                    OperationState::Conforming => 2,
                    OperationState::NotImplemented => 1,
                    OperationState::Unjudged => 0,
                };
                if rank(op.state) > rank(m.state) {
                    m.state = op.state;
                }
                passed[slot] |= op.state == OperationState::Conforming;
                if op.state == OperationState::Failing {
                    all_not_found[slot] &= op.not_found;
                }
            }
        }
        let with_metadata = parts.iter().any(|p| p.with_metadata);
        let mut total = Counts::default();
        let mut areas: BTreeMap<String, Counts> = BTreeMap::new();
        for (i, op) in ops.iter_mut().enumerate() {
            op.not_found = op.state == OperationState::Failing && all_not_found[i] && !passed[i];
            total.add(op, with_metadata);
            areas
                .entry(op.area.clone())
                .or_default()
                .add(op, with_metadata);
        }
        ops.sort_by(|a, b| (&a.template, &a.method).cmp(&(&b.template, &b.method)));
        let models: Vec<&Model> = parts.iter().filter_map(|p| p.model.as_ref()).collect();
        let model = models.first().map(|first| {
            // Undocumented in every part that has a model; passing in any.
            let undocumented_in_others: Vec<std::collections::HashSet<&str>> = models[1..]
                .iter()
                .map(|o| o.undocumented.iter().map(String::as_str).collect())
                .collect();
            let mut m = Model {
                undocumented: first
                    .undocumented
                    .iter()
                    .filter(|d| {
                        undocumented_in_others
                            .iter()
                            .all(|o| o.contains(d.as_str()))
                    })
                    .cloned()
                    .collect(),
                ..Model::default()
            };
            let mut passing: Vec<String> = models.iter().flat_map(|o| o.passing.clone()).collect();
            passing.sort();
            passing.dedup();
            for (kind, row) in &first.kinds {
                let of_kind =
                    |list: &[String]| list.iter().filter(|d| shown_kind(d) == kind).count();
                let documented = row.declared.saturating_sub(of_kind(&m.undocumented));
                m.kinds.insert(
                    kind.clone(),
                    ModelCounts {
                        declared: row.declared,
                        documented,
                        passing: of_kind(&passing).min(documented),
                    },
                );
            }
            m.passing = passing;
            m
        });
        Coverage {
            with_metadata,
            total,
            areas,
            operations: ops,
            model,
            unresolvable: parts.iter().map(|p| p.unresolvable).sum(),
            undeclared_sent: parts.iter().map(|p| p.undeclared_sent).sum(),
            min: parts.iter().find_map(|p| p.min),
        }
    }
}

impl Coverage {
    /// The coverage of merged reports, counted again from the results
    /// kept (`kept`: each result with the index of the report it came
    /// from): a case a later report replaced counts as the later report
    /// says, once. Each case's operation (method, template, area, whether
    /// the metadata declared it) is the one its report recorded; states
    /// are decided as [`Coverage::of`] decides them. The model is
    /// [`Coverage::merge`]'s.
    pub fn regroup(parts: &[Coverage], kept: &[(usize, &Case, &CaseResult)]) -> Coverage {
        let lookup: Vec<HashMap<&str, &Operation>> = parts
            .iter()
            .map(|p| {
                p.operations
                    .iter()
                    .flat_map(|op| op.cases.iter().map(move |id| (id.as_str(), op)))
                    .collect()
            })
            .collect();
        let mut ops: Vec<Operation> = Vec::new();
        let mut by_key: HashMap<(String, String), usize> = HashMap::new();
        let mut tally: Vec<(usize, usize, usize, usize)> = Vec::new();
        for &(part, case, r) in kept {
            let Some(op) = lookup.get(part).and_then(|l| l.get(case.id.as_str())) else {
                continue;
            };
            let key = (op.method.clone(), op.template.clone());
            let slot = *by_key.entry(key).or_insert_with(|| {
                ops.push(Operation {
                    state: OperationState::Unjudged,
                    cases: Vec::new(),
                    not_found: false,
                    answered: false,
                    declared: false,
                    ..(*op).clone()
                });
                tally.push((0, 0, 0, 0));
                ops.len() - 1
            });
            let m = &mut ops[slot];
            m.cases.push(case.id.clone());
            m.declared |= op.declared;
            m.answered |= r
                .actual
                .as_ref()
                .is_some_and(|a| (200..300).contains(&a.status));
            let t = &mut tally[slot];
            match &r.verdict {
                Verdict::Pass => t.0 += 1,
                Verdict::Fail | Verdict::KnownFailure => {
                    t.1 += 1;
                    if !matches!(r.actual.as_ref().map(|a| a.status), Some(404 | 405 | 501)) {
                        t.2 += 1;
                    }
                }
                Verdict::NotImplemented(_) => t.3 += 1,
                Verdict::Ignored(_) => {}
            }
        }
        let merged = Coverage::merge(parts);
        let with_metadata = merged.with_metadata;
        let (total, areas) = settle(&mut ops, &tally, with_metadata);
        Coverage {
            total,
            areas,
            operations: ops,
            ..merged
        }
    }
}

/// Decide each operation's state from its tally (passes, failures,
/// failures not answered 404/405/501, not implemented), as [`Coverage::of`]
/// and [`Coverage::regroup`] both do; count them, in total and by area; put
/// the operations in template order.
fn settle(
    ops: &mut [Operation],
    tally: &[(usize, usize, usize, usize)],
    with_metadata: bool,
) -> (Counts, BTreeMap<String, Counts>) {
    let mut total = Counts::default();
    let mut areas: BTreeMap<String, Counts> = BTreeMap::new();
    for (op, &(pass, fail, other, not_impl)) in ops.iter_mut().zip(tally) {
        op.state = if fail > 0 {
            OperationState::Failing
        } else if pass > 0 {
            OperationState::Conforming
        } else if not_impl > 0 {
            OperationState::NotImplemented
        } else {
            OperationState::Unjudged
        };
        op.not_found = fail > 0 && other == 0 && pass == 0;
        total.add(op, with_metadata);
        areas
            .entry(op.area.clone())
            .or_default()
            .add(op, with_metadata);
    }
    ops.sort_by(|a, b| (&a.template, &a.method).cmp(&(&b.template, &b.method)));
    (total, areas)
}

/// The [`Declaration::kind`] of a declaration as shown
/// (`action import foo` → `action-import`).
fn shown_kind(shown: &str) -> &str {
    for (prefix, kind) in [
        ("entity set ", "entity-set"),
        ("action import ", "action-import"),
        ("function import ", "function-import"),
    ] {
        if shown.starts_with(prefix) {
            return kind;
        }
    }
    shown.split(' ').next().unwrap_or("")
}

/// A coverage figure for people: one decimal, never rounded up (2,499 of
/// 2,500 is `99.9`, not a `100.0` that reads as meeting
/// `--min-coverage 100`).
pub fn percent_text(p: f64) -> String {
    // The epsilon keeps 57.3 (57.29999…) from reading 57.2.
    format!("{:.1}", ((p * 10.0) + 1e-6).floor() / 10.0)
}

/// A `--min-coverage` threshold for people: as given, up to six decimals
/// (`50`, `33.34`; not `-0`, nor the 300 digits of `1e-300`).
pub fn min_text(min: f64) -> String {
    let text = format!("{min:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" | "" => "0".to_owned(),
        t => t.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Actual, IgnoreReason};
    use std::time::Duration;

    fn case(id: &str, method: &str, url: &str) -> Case {
        let page = format!(
            "<!-- {{ \"blockType\": \"request\", \"name\": \"{id}\" }} -->\n```http\n{method} {url}\n```\n\
             <!-- {{ \"blockType\": \"response\" }} -->\n```http\nHTTP/1.1 200 OK\n```\n"
        );
        crate::read_page("p.md", "p", &page).0.remove(0)
    }

    fn result(index: usize, verdict: Verdict, status: Option<u16>) -> CaseResult {
        CaseResult {
            index,
            verdict,
            findings: Vec::new(),
            duration: Duration::ZERO,
            sent: None,
            actual: status.map(|s| Actual {
                status: s,
                ..Actual::default()
            }),
        }
    }

    /// (method, url, verdict, answered status) → operations and counts.
    #[test]
    fn operations_are_method_and_template_and_take_the_worst_verdict() {
        let rows: &[(&str, &str, Verdict, Option<u16>)] = &[
            (
                "GET",
                "https://graph.microsoft.com/v1.0/me",
                Verdict::Pass,
                Some(200),
            ),
            (
                "GET",
                "https://graph.microsoft.com/v1.0/me?$select=id",
                Verdict::Pass,
                Some(200),
            ),
            (
                "GET",
                "https://graph.microsoft.com/v1.0/users/{id}",
                Verdict::Pass,
                Some(200),
            ),
            (
                "GET",
                "https://graph.microsoft.com/v1.0/users/{user-id}",
                Verdict::Fail,
                Some(201),
            ),
            (
                "GET",
                "https://graph.microsoft.com/v1.0/groups",
                Verdict::Fail,
                Some(404),
            ),
            (
                "POST",
                "https://graph.microsoft.com/v1.0/groups",
                Verdict::NotImplemented("x".into()),
                None,
            ),
            (
                "GET",
                "https://graph.microsoft.com/v1.0/sites",
                Verdict::Ignored(IgnoreReason::NoResponse),
                None,
            ),
        ];
        let cases: Vec<Case> = rows
            .iter()
            .enumerate()
            .map(|(i, (m, u, _, _))| case(&format!("c{i}"), m, u))
            .collect();
        let results: Vec<CaseResult> = rows
            .iter()
            .enumerate()
            .map(|(i, (_, _, v, s))| result(i, v.clone(), *s))
            .collect();
        let paths = paths(&cases, |_| Against::Nothing);
        let c = Coverage::of(&cases, &results, &paths, None, Some(50.0));
        let states: Vec<(&str, &str, OperationState, bool)> = c
            .operations
            .iter()
            .map(|o| (o.method.as_str(), o.template.as_str(), o.state, o.not_found))
            .collect();
        assert_eq!(
            states,
            [
                ("GET", "/groups", OperationState::Failing, true),
                ("POST", "/groups", OperationState::NotImplemented, false),
                ("GET", "/me", OperationState::Conforming, false),
                ("GET", "/sites", OperationState::Unjudged, false),
                ("GET", "/users/{id}", OperationState::Failing, false),
            ]
        );
        assert_eq!(
            c.total,
            Counts {
                operations: 5,
                conforming: 1,
                failing: 2,
                not_implemented: 1,
                unjudged: 1,
                not_found: 1,
                answered: 2,
                unresolved: 0,
            }
        );
        assert_eq!(c.areas["groups"].operations, 2);
        assert_eq!(c.total.implemented(), 4);
        // 1 conforming of 3 judged.
        assert!((c.percent().unwrap() - 100.0 / 3.0).abs() < 1e-9);
        let short = c.shortfall().unwrap();
        assert!(
            short.contains("33.3% is below --min-coverage 50%"),
            "{short}"
        );
        let met = Coverage {
            min: Some(33.0),
            ..c.clone()
        };
        assert_eq!(met.shortfall(), None);
    }
}
