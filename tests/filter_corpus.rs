//! Every top-level `$filter` in the documented requests of the Graph v1.0
//! reference (`../shared/graph-docs/v1.0/api`, or `$GRAPH_CONTRACT_CORPUS`):
//! parsed, the unsupported ones counted by construct; and for each example
//! whose documented answer is a collection, the filter evaluated over the
//! documented elements. Elements that do not satisfy their own filter are
//! documentation bugs to list, not failures: the test asserts that nothing
//! panics and that the figures add up.
//!
//! `cargo test --test filter_corpus -- --nocapture` prints the figures.
//! `GRAPH_CONTRACT_FILTER_DUMP=FILE` also writes the distinct filters, one a
//! line, for evaluating other parsers on them.

mod support;

use graph_contract::judge::filter::{self, Outcome};
use std::collections::{BTreeMap, BTreeSet};

/// The construct an `Unsupported` names, without the specifics (which
/// placeholder, where the syntax error is).
fn construct(what: &str) -> &str {
    for prefix in [
        "placeholder",
        "type-cast segment",
        "syntax",
        "parameter alias",
    ] {
        if what.starts_with(prefix) {
            return prefix;
        }
    }
    what
}

/// The `$filter`s inside `$expand=nav($filter=...)` of a URL: the navigation
/// property and the raw filter (up to the `)` or `;` closing it, outside
/// string literals).
fn expand_filters(url: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = url;
    while let Some(at) = rest.find("($filter=") {
        let before = &rest[..at];
        let nav_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let nav = &before[nav_start..];
        let value = &rest[at + "($filter=".len()..];
        let (mut depth, mut in_str, mut end) = (0usize, false, value.len());
        for (i, c) in value.char_indices() {
            match c {
                '\'' => in_str = !in_str,
                '(' if !in_str => depth += 1,
                ')' | ';' if !in_str && depth == 0 => {
                    end = i;
                    break;
                }
                ')' if !in_str => depth -= 1,
                _ => {}
            }
        }
        out.push((nav, &value[..end]));
        rest = &value[end..];
    }
    out
}

#[test]
fn every_documented_filter() {
    let dir = support::corpus();
    let corpus = graph_contract::docs::read_paths(&[dir.as_path()]);

    // Distinct filters, and the cases that use each.
    let mut filters: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, case) in corpus.cases.iter().enumerate() {
        if let Some(raw) = filter::raw_filter_of(&case.request.url) {
            filters
                .entry(filter::from_query_value(raw))
                .or_default()
                .push(i);
        }
    }
    let cases_with_filter: usize = filters.values().map(Vec::len).sum();

    let mut parsed = Vec::new();
    let mut unsupported: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut whats = Vec::new();
    for text in filters.keys() {
        match filter::parse(text) {
            Ok(e) => parsed.push(e),
            Err(u) => whats.push((text.as_str(), u.what)),
        }
    }
    for (text, what) in &whats {
        unsupported
            .entry(construct(what))
            .or_default()
            .push(format!("{what}: {text}"));
    }
    let n_unsupported: usize = unsupported.values().map(Vec::len).sum();
    eprintln!(
        "$filter: {} distinct in {} cases; parsed {}; unsupported {}",
        filters.len(),
        cases_with_filter,
        parsed.len(),
        n_unsupported
    );
    for (what, list) in &unsupported {
        eprintln!("  unsupported {what}: {}", list.len());
        for l in list {
            eprintln!("    {l}");
        }
    }
    for e in &parsed {
        eprintln!("  parsed: {}", e.text());
    }

    // Documented collections against their own filter.
    let mut examples = 0;
    let (mut t, mut f, mut u) = (0, 0, 0);
    let mut violations = Vec::new();
    let mut unknown_reasons: BTreeSet<String> = BTreeSet::new();
    for e in &parsed {
        for &i in &filters[e.text()] {
            let case = &corpus.cases[i];
            let Some(items) = case
                .response
                .as_ref()
                .and_then(|r| r.body.json())
                .and_then(|b| b.get("value"))
                .and_then(|v| v.as_array())
            else {
                continue;
            };
            examples += 1;
            for (k, item) in items.iter().enumerate() {
                match filter::eval(e, item) {
                    Outcome::True => t += 1,
                    Outcome::False { failed } => {
                        f += 1;
                        violations.push(format!(
                            "{} (line {}): /value/{k} fails `{failed}` of $filter={}",
                            case.id,
                            case.line(),
                            e.text()
                        ));
                    }
                    Outcome::Unknown(why) => {
                        u += 1;
                        unknown_reasons.insert(why);
                    }
                }
            }
        }
    }
    eprintln!(
        "documented collections with a parsed filter: {examples}; elements: {} \
         (satisfy {t}, violate {f}, no verdict {u})",
        t + f + u
    );
    for r in &unknown_reasons {
        eprintln!("  no verdict: {r}");
    }

    // `$expand=nav($filter=...)`: the filter applies to the expanded
    // collection of each answered entity.
    let (mut nested, mut nested_parsed, mut nested_elements) = (0, 0, 0);
    for case in &corpus.cases {
        for (nav, raw) in expand_filters(&case.request.url) {
            nested += 1;
            let text = filter::from_query_value(raw);
            let e = match filter::parse(&text) {
                Ok(e) => e,
                Err(u) => {
                    eprintln!("  nested in $expand, unsupported {}: {text}", u.what);
                    continue;
                }
            };
            nested_parsed += 1;
            let Some(body) = case.response.as_ref().and_then(|r| r.body.json()) else {
                continue;
            };
            let entities: Vec<&serde_json::Value> = match body.get("value") {
                Some(serde_json::Value::Array(v)) => v.iter().collect(),
                _ => vec![body],
            };
            for entity in entities {
                let Some(items) = entity.as_object().and_then(|o| {
                    o.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(nav))
                        .and_then(|(_, v)| v.as_array())
                }) else {
                    continue;
                };
                for (k, item) in items.iter().enumerate() {
                    nested_elements += 1;
                    match filter::eval(&e, item) {
                        Outcome::True => {}
                        Outcome::False { failed } => violations.push(format!(
                            "{} (line {}): {nav}/{k} fails `{failed}` of $expand={nav}($filter={text})",
                            case.id,
                            case.line()
                        )),
                        Outcome::Unknown(why) => {
                            eprintln!("  nested no verdict: {why}");
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "$filter nested in $expand: {nested}, parsed {nested_parsed}, \
         expanded elements evaluated {nested_elements}; violations in all: {}",
        violations.len()
    );

    for v in &violations {
        eprintln!("  doc example violates its own filter: {v}");
    }

    if let Some(path) = std::env::var_os("GRAPH_CONTRACT_FILTER_DUMP") {
        let all: String = filters.keys().map(|k| format!("{k}\n")).collect();
        std::fs::write(path, all).expect("dump written");
    }

    assert_eq!(parsed.len() + n_unsupported, filters.len());
    assert_eq!(whats.len(), n_unsupported);
    assert!(violations.len() >= f);
    assert!(nested_parsed <= nested);
    assert!(!filters.is_empty(), "no $filter found in the corpus");
}
