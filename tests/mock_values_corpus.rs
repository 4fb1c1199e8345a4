//! Every documented JSON response of the Graph v1.0 reference
//! (`../shared/graph-docs/v1.0/api`, or `$GRAPH_CONTRACT_CORPUS`) typed with
//! the v1.0 `$metadata` (`../shared/graph-metadata/v1.0.csdl`, or
//! `$GRAPH_CONTRACT_METADATA`) as the mock would type it
//! (`graph_contract::mock::values::typed`), and then:
//! - every value at an `Edm.DateTimeOffset` position parses as a date-time,
//!   every enum position holds a member, every date, time of day, duration
//!   and GUID position a valid value, but for two rules: values of another
//!   JSON type than declared are left (`"Boolean"` where a boolean goes,
//!   `{}` where an enum goes), and so are values in a format the shape
//!   judge holds the answer to (a date-time where a date goes);
//! - the shape judge (`graph_contract::judge`, the run's `judge_parsed`,
//!   default and strict) finds no error in the typed body against the
//!   documented response, and the OData rules of the request's query find
//!   none the documented body does not already break: `check` against the
//!   mock stays green;
//! - the schema judge (`SchemaJudge`, what `--metadata` adds to a run)
//!   reports no format or enum disagreement but those values kept for
//!   their format;
//! - without metadata, every replacement is at a position the metadata
//!   declares `Edm.DateTimeOffset`, or at no declared position.
//!
//! `cargo test --test mock_values_corpus -- --nocapture` prints the
//! placeholder shapes found, by kind, and the figures.

use graph_contract::csdl::{Metadata, SchemaJudge};
use graph_contract::judge::{formats, odata};
use graph_contract::mock::values::{self, Kind, Options, Position};
use graph_contract::model::{Actual, DocBody, DocResponse, JudgeOptions, Severity};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

fn path_from(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(default),
    }
}

/// The key a position is counted under: the declared primitive type, or
/// `enum`.
fn key(p: &Position) -> String {
    match p.kind {
        Kind::Enum => "enum".to_owned(),
        _ => p.declared.clone(),
    }
}

fn shape(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => format!("<{other}>"),
    }
}

fn errors(findings: &[graph_contract::Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.to_string())
        .collect()
}

/// The judge's findings of a body served for a documented response.
fn judged(resp: &DocResponse, body: &Value, strict: bool) -> Vec<String> {
    let actual = Actual {
        status: resp.status,
        headers: resp.headers.clone(),
        body: serde_json::to_vec(body).expect("a value serializes"),
        tries: 1,
        version: None,
    };
    let opts = JudgeOptions {
        strict,
        ..JudgeOptions::default()
    };
    errors(&graph_contract::judge(resp, &actual, &opts))
}

/// The OData rules' errors on a body served for a request.
fn odata_errors(url: &str, resp: &DocResponse, body: &Value) -> Vec<String> {
    let raw = serde_json::to_vec(body).expect("a value serializes");
    let page = odata::Page {
        number: 1,
        status: resp.status,
        json: Some(body),
        raw: &raw,
        ieee754_strings: false,
    };
    let judged = odata::judge_page(
        &odata::Query::of(url),
        resp.body.json(),
        page,
        odata::Mode::On,
        false,
    );
    errors(&judged.findings)
}

/// Format and enum disagreements the schema judge finds.
fn schema_value_issues(judge: &SchemaJudge, t: Option<&str>, body: &Value) -> usize {
    let Some(t) = t else { return 0 };
    judge
        .validate(t, body)
        .unwrap_or_default()
        .iter()
        .filter(|f| {
            f.message.starts_with("bad-format:") || f.message.starts_with("not-enum-member:")
        })
        .count()
}

#[test]
fn every_documented_response_typed_with_the_v1_metadata() {
    let dir = path_from("GRAPH_CONTRACT_CORPUS", "../shared/graph-docs/v1.0/api");
    let csdl = path_from(
        "GRAPH_CONTRACT_METADATA",
        "../shared/graph-metadata/v1.0.csdl",
    );
    // never skipped: a CI job that lost the data must not pass by testing less
    assert!(
        dir.is_dir() && csdl.is_file(),
        "the Graph docs corpus and metadata are expected at {} and {} \
         (GRAPH_CONTRACT_CORPUS, GRAPH_CONTRACT_METADATA; CI lays ../shared beside the clone)",
        dir.display(),
        csdl.display()
    );
    let meta = Arc::new(Metadata::load(&csdl).expect("the v1.0 metadata loads"));
    let schema = SchemaJudge::new(meta.clone());
    let corpus = graph_contract::run::read_pages(&[dir]).expect("the corpus reads");
    let wide = Options { json_types: true };

    let mut bodies = 0;
    let mut annotated = 0;
    // (kind, shape) → count, of the values typed replaces or leaves invalid
    let mut shapes: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut valid_before: BTreeMap<String, usize> = BTreeMap::new();
    let mut replaced: BTreeMap<String, usize> = BTreeMap::new();
    let mut left: Vec<String> = Vec::new();
    let mut kept_format: Vec<String> = Vec::new();
    let (mut date_times, mut enums, mut replaced_total) = (0, 0, 0);
    let mut broken = Vec::new();
    let mut judge_errors = Vec::new();
    let mut odata_new = Vec::new();
    let (mut schema_before, mut schema_after) = (0, 0);
    let mut wide_judge_errors = Vec::new();
    let (mut guessed, mut guessed_at_date_times) = (0, 0);
    let mut guessed_elsewhere = Vec::new();

    for case in &corpus.cases {
        for resp in case.response.iter().chain(&case.alternatives) {
            let DocBody::Json(doc) = &resp.body else {
                continue;
            };
            if resp.status == 204 || resp.is_empty {
                continue;
            }
            bodies += 1;
            annotated += usize::from(resp.odata_type.is_some());
            let t = resp.odata_type.as_deref();
            let at = format!("{} ({}:{})", case.id, case.page, resp.line);

            let before = values::positions(doc, t, Some(&meta), Options::default());
            for p in &before {
                if p.valid {
                    *valid_before.entry(key(p)).or_default() += 1;
                } else {
                    *shapes.entry((key(p), shape(&p.was))).or_default() += 1;
                }
            }

            let mut body = doc.clone();
            let n = values::typed(&mut body, t, Some(&meta));
            replaced_total += n;
            for p in before.iter().filter(|p| p.now.is_some()) {
                *replaced.entry(key(p)).or_default() += 1;
            }
            assert_eq!(
                n,
                before.iter().filter(|p| p.now.is_some()).count(),
                "{at}: typed replaces what positions says"
            );

            // Every position valid now, but values of another JSON type
            // and values in a format the shape judge holds the answer to;
            // date-times parse (checked here, not by `valid`), enums hold
            // members (the same).
            for p in values::positions(&body, t, Some(&meta), Options::default()) {
                let what = format!("{at}: {} = {} ({})", p.pointer, p.was, p.declared);
                let ok = match (p.kind, &p.was) {
                    (_, Value::Null) => true,
                    (Kind::DateTimeOffset, Value::String(s)) => {
                        date_times += 1;
                        formats::date_time(s).is_some()
                    }
                    (Kind::Enum, Value::String(s)) => {
                        enums += 1;
                        match meta.declared(&p.declared) {
                            Some(graph_contract::csdl::Declared::Enum(e)) => s
                                .split(',')
                                .all(|m| e.members.iter().any(|x| x == m.trim())),
                            _ => false,
                        }
                    }
                    _ => p.valid,
                };
                assert_eq!(ok, p.valid, "{what}: the test and the module disagree");
                let numeric = matches!(p.kind, Kind::Integer | Kind::Number | Kind::Boolean);
                match &p.was {
                    _ if ok => {}
                    Value::String(_) if numeric => left.push(what),
                    Value::String(s) if formats::Format::detect(s).is_some() => {
                        kept_format.push(what)
                    }
                    Value::String(_) => broken.push(what),
                    _ => left.push(what),
                }
            }

            // The mock's answer judged against the documented response.
            for strict in [false, true] {
                for e in judged(resp, &body, strict) {
                    judge_errors.push(format!("{at} (strict {strict}): {e}"));
                }
            }
            let doc_odata = odata_errors(&case.request.url, resp, doc);
            for e in odata_errors(&case.request.url, resp, &body) {
                if !doc_odata.contains(&e) {
                    odata_new.push(format!("{at}: {e}"));
                }
            }
            schema_before += schema_value_issues(&schema, t, doc);
            schema_after += schema_value_issues(&schema, t, &body);

            // Numbers and booleans too: what the judge says of them.
            let mut wide_body = doc.clone();
            values::typed_with(&mut wide_body, t, Some(&meta), wide);
            for e in judged(resp, &wide_body, false) {
                wide_judge_errors.push(format!("{at}: {e}"));
            }

            // Without metadata: only date-times, where the metadata says so.
            let declared: HashMap<String, Kind> =
                before.iter().map(|p| (p.pointer.clone(), p.kind)).collect();
            let mut bare = doc.clone();
            for p in values::typed_with(&mut bare, t, None, Options::default()) {
                guessed += 1;
                match declared.get(&p.pointer) {
                    Some(Kind::DateTimeOffset) => guessed_at_date_times += 1,
                    Some(k) => panic!("{at}: {} guessed a date-time, declared {k:?}", p.pointer),
                    None => guessed_elsewhere.push(format!("{at}: {} = {}", p.pointer, p.was)),
                }
            }
        }
    }

    eprintln!("{bodies} JSON response bodies, {annotated} with an annotated type");
    eprintln!("valid values before, by declared type: {valid_before:?}");
    let mut by_kind: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for ((k, s), n) in &shapes {
        by_kind.entry(k).or_default().push((*n, s));
    }
    for (k, mut list) in by_kind {
        list.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let total: usize = list.iter().map(|x| x.0).sum();
        eprintln!("{k}: {total} invalid, {} shapes", list.len());
        for (n, s) in list.iter().take(60) {
            eprintln!("  {n:4} {s}");
        }
    }
    eprintln!("replaced: {replaced_total} ({replaced:?})");
    eprintln!("after: {date_times} date-time positions, {enums} enum positions");
    eprintln!("left, of another JSON type than declared: {}", left.len());
    for l in &left {
        eprintln!("  {l}");
    }
    eprintln!(
        "left, in the format the documented value shows: {}",
        kept_format.len()
    );
    for l in &kept_format {
        eprintln!("  {l}");
    }
    eprintln!(
        "schema judge: {schema_before} format or enum disagreements before, {schema_after} after"
    );
    eprintln!(
        "with json_types: {} judge errors (the type rule against the docs)",
        wide_judge_errors.len()
    );
    for e in wide_judge_errors.iter().take(20) {
        eprintln!("  {e}");
    }
    eprintln!(
        "without metadata: {guessed} replaced, {guessed_at_date_times} at declared date-times, {} undeclared",
        guessed_elsewhere.len()
    );
    for g in &guessed_elsewhere {
        eprintln!("  {g}");
    }

    assert!(bodies >= 1_500, "only {bodies} JSON bodies read");
    assert!(date_times >= 1_000, "only {date_times} date-time positions");
    assert!(enums >= 1_000, "only {enums} enum positions");
    assert!(replaced_total > 0, "nothing replaced");
    assert!(
        broken.is_empty(),
        "invalid after typed:\n{}",
        broken.join("\n")
    );
    assert!(
        judge_errors.is_empty(),
        "the judge fails typed bodies:\n{}",
        judge_errors.join("\n")
    );
    assert!(
        odata_new.is_empty(),
        "the OData rules fail typed bodies:\n{}",
        odata_new.join("\n")
    );
    assert!(
        schema_after < schema_before,
        "schema disagreements {schema_before} → {schema_after}"
    );
    assert_eq!(
        schema_after,
        kept_format.len(),
        "the schema judge's format and enum disagreements left are the values kept \
         for their format (another JSON type is a type disagreement)"
    );
    // What json_types costs: one type error per value whose JSON type it
    // changes, no more.
    assert_eq!(
        wide_judge_errors.len(),
        left.len(),
        "{}",
        wide_judge_errors.join("\n")
    );
    assert!(guessed_at_date_times > 0);
}
