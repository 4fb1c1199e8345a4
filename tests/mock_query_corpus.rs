//! The mock's query options (`graph_contract::mock::query`) over the Graph
//! v1.0 reference (`../shared/graph-docs/v1.0/api`, or
//! `$GRAPH_CONTRACT_CORPUS`):
//! - every documented JSON body whose request has query options, asked
//!   with those same options, is served unchanged (the example already
//!   honours them);
//! - every documented collection, asked with options its example does not
//!   have (`$orderby` on one of its properties, `$top=2`, `$count=true`,
//!   `$select`, and the page's own `$filter` where it has one), gives an
//!   answer the OData judge finds no error in, with `@odata.count` and
//!   [`count_of`] agreeing.
//!
//! `cargo test --test mock_query_corpus -- --nocapture` prints the figures.

mod support;

use graph_contract::judge::odata::{Mode, Page, Query, judge_page};
use graph_contract::mock::query::{Applied, apply, count_of};
use graph_contract::{FindingKind, Severity};
use serde_json::Value;

/// A collection body: `value` an array, every other member an annotation
/// (the module's own definition, restated to count what it applies to).
fn is_collection(body: &Value) -> bool {
    body.as_object().is_some_and(|o| {
        o.get("value").is_some_and(Value::is_array)
            && o.keys()
                .all(|k| k == "value" || k.contains('@') || k.starts_with("odata."))
    })
}

fn elements(body: &Value) -> &[Value] {
    body.get("value")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A property to order and select by: the first plain, non-key name of the
/// first object element holding a scalar.
fn a_property(body: &Value) -> Option<String> {
    let first = elements(body).iter().find_map(Value::as_object)?;
    first
        .iter()
        .find(|(k, v)| {
            !k.eq_ignore_ascii_case("id")
                && !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !v.is_object()
                && !v.is_array()
        })
        .map(|(k, _)| k.clone())
}

#[test]
fn documented_options_change_nothing_and_added_ones_satisfy_the_judge() {
    let dir = support::corpus();
    let corpus = graph_contract::docs::read_paths(&[dir.as_path()]);
    assert!(
        !corpus.cases.is_empty(),
        "no cases read from {}",
        dir.display()
    );

    let (mut with_options, mut collections_with_options) = (0, 0);
    let (mut collections, mut queried, mut filtered, mut other_shapes) = (0, 0, 0, 0);
    let mut changed = Vec::new();
    let mut judged_wrong = Vec::new();
    let cases_with_options = corpus
        .cases
        .iter()
        .filter(|c| Query::of(&c.request.url) != Query::default())
        .count();
    for case in &corpus.cases {
        let Some(body) = case.response.as_ref().and_then(|r| r.body.json()) else {
            continue;
        };
        let status = case.response.as_ref().map_or(0, |r| r.status);
        let own = Query::of(&case.request.url);
        let at = format!("{} (line {})", case.id, case.line());

        // 1. The documented request: the documented body.
        if own != Query::default() {
            with_options += 1;
            if is_collection(body) {
                collections_with_options += 1;
            }
            if let Applied::Body(out) = apply(body, &own, &own) {
                changed.push(format!("{at}: {} changed to {out}", case.request.url));
            }
        }

        // 2. A collection asked what its example does not ask.
        if !(200..300).contains(&status) || case.request.method != "GET" {
            continue;
        }
        if !is_collection(body) {
            if body.get("value").is_some_and(Value::is_array) {
                other_shapes += 1;
                eprintln!("  not a collection, though it has a `value` array: {at}");
            }
            continue;
        }
        collections += 1;
        let Some(prop) = a_property(body) else {
            continue;
        };
        queried += 1;
        let mut url = format!("/x?$orderby={prop}%20desc&$top=2&$count=true&$select={prop}");
        if let Some(raw) = graph_contract::judge::filter::raw_filter_of(&case.request.url)
            && own.filter.as_ref().is_some_and(|f| f.1.is_ok())
        {
            filtered += 1;
            url.push_str("&$filter=");
            url.push_str(raw);
        }
        let asked = Query::of(&url);
        let answered = Query::default();
        let out = match apply(body, &asked, &answered) {
            Applied::Body(out) => out,
            Applied::Unchanged => body.clone(),
        };
        let n = elements(&out).len();
        assert!(n <= 2, "{at}: $top=2 gave {n} elements");
        let count = out.get("@odata.count").and_then(Value::as_u64);
        assert_eq!(
            count,
            count_of(body, &asked),
            "{at}: @odata.count and count_of disagree"
        );
        assert!(
            count.is_some_and(|c| c >= n as u64),
            "{at}: count {count:?}"
        );
        for e in elements(&out).iter().filter_map(Value::as_object) {
            for k in e.keys() {
                assert!(
                    k.contains('@')
                        || k.starts_with("odata.")
                        || k.eq_ignore_ascii_case("id")
                        || k.eq_ignore_ascii_case(&prop),
                    "{at}: {k} kept under $select={prop}"
                );
            }
        }
        let raw = serde_json::to_vec(&out).expect("serializes");
        let page = Page {
            number: 1,
            status,
            json: Some(&out),
            raw: &raw,
            ieee754_strings: false,
        };
        for f in judge_page(&asked, None, page, Mode::Strict, true).findings {
            let ours = matches!(
                f.kind,
                FindingKind::OdataTop
                    | FindingKind::OdataCount
                    | FindingKind::OdataOrderby
                    | FindingKind::OdataSelect
                    | FindingKind::OdataFilter
            );
            if ours && f.severity == Severity::Error {
                judged_wrong.push(format!("{at}: {url}: {}", f.message));
            }
        }
    }
    eprintln!(
        "cases whose request has query options: {cases_with_options}; with a documented JSON \
         body: {with_options} ({collections_with_options} collections); changed by their own \
         options: {}",
        changed.len()
    );
    eprintln!(
        "documented GET 2xx collections: {collections}; asked $orderby/$top/$count/$select: \
         {queried} ({filtered} with their own $filter too); judge errors: {}; \
         objects with a `value` array and other properties (entities, not queried): {other_shapes}",
        judged_wrong.len()
    );
    for c in &changed {
        eprintln!("  changed: {c}");
    }
    for j in &judged_wrong {
        eprintln!("  judged wrong: {j}");
    }
    assert!(with_options > 0, "no documented request with query options");
    assert!(queried > 0, "no documented collection to query");
    assert!(
        changed.is_empty(),
        "{} bodies changed by their own options",
        changed.len()
    );
    assert!(
        judged_wrong.is_empty(),
        "{} answers the judge faults",
        judged_wrong.len()
    );
}
