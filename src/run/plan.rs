//! Planning: before any request, each case gets its prepared request, or
//! the typed reason it will not run ([`IgnoreReason`]). Pure: it reads the
//! cases, the client's configuration and the scenarios; it sends nothing.
//!
//! Decisions, and why:
//! - **Values go in once, as data** ([`crate::scenario::substitute`]):
//!   percent-encoded in URLs, JSON-escaped in JSON bodies. A placeholder the
//!   URL still has afterwards that the documented URL did not (its own
//!   braces around a value, `{{id}}`) refuses the case without quoting it,
//!   rather than letting the replayer fill it or name it.
//! - **A scenario that writes refuses its whole case** on a target that is
//!   not loopback: the steps would be refused one by one, but a read
//!   between them would still go out. The rule is the client's one
//!   ([`Replayer::refuse_write`]).
//! - **A case whose scenarios capture values is prepared once they have
//!   run** ([`Planned::AfterSetup`]); planning checks it with stand-in
//!   values, so a placeholder nothing fills is said before the run.

use super::body_place;
use crate::model::{Case, IgnoreReason};
use crate::scenario::{Place, Scenarios, Vars, substitute};
use crate::target::{Prepared, Replayer};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// What planning decided for a case.
#[derive(Debug, Clone)]
pub enum Planned {
    /// Its request, prepared once for every pass, and the request's query
    /// options as the OData rules read them (read once, not per pass).
    Ready(Arc<Prepared>, Arc<crate::judge::odata::Query>),
    /// Prepared once its scenarios' setup has captured values.
    AfterSetup,
    /// It will not run.
    Ignored(IgnoreReason),
    /// It is not sent: the service's `$metadata` does not declare its path
    /// (why, naming the segment).
    NotImplemented(String),
}

/// The plan of every case; `known` holds reasons decided beforehand (the
/// built-in mock's routing), `undeclared` the cases whose path the
/// service's `$metadata` does not declare (they come first: nothing of
/// them is sent, whatever else would be said of them).
pub fn plan(
    cases: &[Case],
    rep: &Replayer,
    scenarios: &Scenarios,
    vars: &Vars,
    mut known: HashMap<usize, IgnoreReason>,
    mut undeclared: HashMap<usize, String>,
) -> Vec<Planned> {
    cases
        .iter()
        .enumerate()
        .map(
            |(i, case)| match (undeclared.remove(&i), known.remove(&i)) {
                (Some(why), _) => Planned::NotImplemented(why),
                (None, Some(reason)) => Planned::Ignored(reason),
                (None, None) => match plan_case(case, rep, scenarios, vars) {
                    Ok(Some(p)) => {
                        let query = crate::judge::odata::Query::of(p.url.as_str());
                        Planned::Ready(Arc::new(p), Arc::new(query))
                    }
                    Ok(None) => Planned::AfterSetup,
                    Err(reason) => Planned::Ignored(reason),
                },
            },
        )
        .collect()
}

/// One case's plan: its request, `None` when its scenarios capture values
/// first, or why it will not run.
fn plan_case(
    case: &Case,
    rep: &Replayer,
    scenarios: &Scenarios,
    vars: &Vars,
) -> Result<Option<Prepared>, IgnoreReason> {
    if case.response.is_none() {
        return Err(IgnoreReason::NoResponse);
    }
    for sc in scenarios.for_case(&case.id, &case.page_id) {
        for (kind, steps) in [("setup", &sc.setup), ("teardown", &sc.teardown)] {
            for (n, step) in steps.iter().enumerate() {
                rep.refuse_write(&step.method, Some((kind, n + 1)))?;
            }
        }
    }
    let will_capture: HashMap<String, String> = scenarios
        .captured_names(&case.id, &case.page_id)
        .into_iter()
        .map(|n| (n, "captured".to_owned()))
        .collect();
    let prepared = prepare_resolved(rep, vars, case, &will_capture)?;
    Ok(will_capture.is_empty().then_some(prepared))
}

/// The case with variables and captured values in place of its
/// placeholders (URL, header values, body); the case itself when there is
/// nothing to put in (no copy per exchange).
fn resolve<'a>(vars: &Vars, case: &'a Case, captured: &HashMap<String, String>) -> Cow<'a, Case> {
    if vars.is_empty() && captured.is_empty() {
        return Cow::Borrowed(case);
    }
    let lookup = |name: &str| {
        captured
            .get(name)
            .cloned()
            .or_else(|| vars.get(&case.id, name).map(str::to_owned))
    };
    let mut c = case.clone();
    c.request.url = substitute(&c.request.url, Place::Url, &lookup);
    for (_, v) in c.request.headers.iter_mut() {
        *v = substitute(v, Place::Text, &lookup);
    }
    if let Some(b) = &mut c.request.body {
        *b = substitute(b, body_place(b), &lookup);
    }
    Cow::Owned(c)
}

/// The case's request, its variables and captured values put in. A
/// placeholder the URL still has is one the values made of the URL's own
/// braces (`{{id}}`): refused without saying it (it holds a value, maybe a
/// secret), rather than filled or quoted by the replayer, which would read
/// the value again.
pub(super) fn prepare_resolved(
    rep: &Replayer,
    vars: &Vars,
    case: &Case,
    captured: &HashMap<String, String>,
) -> Result<Prepared, IgnoreReason> {
    let resolved = resolve(vars, case, captured);
    if let Cow::Owned(c) = &resolved
        && let Some(p) = crate::target::find_placeholder(&c.request.url)
        && !case.request.url.contains(p)
    {
        return Err(IgnoreReason::PlaceholderAroundValue);
    }
    rep.prepare(&resolved)
}
