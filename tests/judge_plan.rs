//! The differential test of the compiled judge: every case of the real
//! corpus (`../shared/graph-docs/v1.0/api`, or `GRAPH_CONTRACT_CORPUS`)
//! judged by the reference walk (`judge_reference`) and by its compiled
//! plan (`JudgePlan`), against the documented answer itself and against
//! answers mutated from it (a property dropped, a type changed, a format
//! broken, a property added, arrays emptied or cut, nulls, another
//! `@odata.type`, another status, another content-type, no body, a body
//! that is not JSON), under both settings of `--strict` and with the
//! documented `truncated` flag turned over: the findings (text, order,
//! pointers) and the parsed answer must be equal, for the plan over a
//! `Value` and over the borrowed parse; the paging links the borrowed
//! parse hands the OData rules give them the verdict the whole answer
//! gives. Fails with a clear
//! message when the corpus is absent, as `tests/corpus_check.rs` does.

mod support;

use graph_contract::docs;
use graph_contract::judge::{JudgePlan, Tree, judge_reference, odata};
use graph_contract::model::{Actual, DocResponse, JudgeOptions};
use serde_json::{Value, json};

/// At most this many places per mutation kind and case (the first ones in
/// walk order, then spread over the rest).
const PLACES: usize = 6;

/// Every pointer of a value, in walk order, with the value there.
fn places(v: &Value, ptr: &mut String, out: &mut Vec<(String, Value)>) {
    out.push((ptr.clone(), v.clone()));
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let mark = ptr.len();
                ptr.push('/');
                ptr.push_str(&k.replace('~', "~0").replace('/', "~1"));
                places(child, ptr, out);
                ptr.truncate(mark);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let mark = ptr.len();
                ptr.push_str(&format!("/{i}"));
                places(child, ptr, out);
                ptr.truncate(mark);
            }
        }
        _ => {}
    }
}

/// Up to [`PLACES`] items spread over the list.
fn spread<T: Clone>(items: &[T]) -> Vec<T> {
    if items.len() <= PLACES {
        return items.to_vec();
    }
    let step = items.len() / PLACES;
    items.iter().step_by(step).take(PLACES).cloned().collect()
}

/// The parent pointer and last segment (unescaped) of a pointer.
fn split(ptr: &str) -> Option<(&str, String)> {
    let at = ptr.rfind('/')?;
    Some((
        &ptr[..at],
        ptr[at + 1..].replace("~1", "/").replace("~0", "~"),
    ))
}

/// Mutated bodies of a documented JSON body, each with what was done.
fn mutations(doc: &Value) -> Vec<(String, Value)> {
    let mut all = Vec::new();
    places(doc, &mut String::new(), &mut all);
    let mut out = Vec::new();
    let mut with = |what: String, ptr: &str, f: &dyn Fn(&mut Value)| {
        let mut v = doc.clone();
        if let Some(at) = v.pointer_mut(ptr) {
            f(at);
            out.push((format!("{what} at {ptr:?}"), v));
        }
    };
    // Drop a member of an object (the parent edited).
    let members: Vec<&(String, Value)> = all
        .iter()
        .filter(|(p, _)| {
            split(p).is_some_and(|(parent, _)| doc.pointer(parent).is_some_and(Value::is_object))
        })
        .collect();
    for (p, _) in spread(&members) {
        let (parent, name) = split(p).unwrap();
        with("drop".into(), parent, &|v| {
            v.as_object_mut().unwrap().remove(&name);
        });
    }
    for (p, v) in spread(&all) {
        // Another JSON type.
        let other = match v {
            Value::String(_) => json!(42),
            Value::Number(_) => json!("42"),
            Value::Bool(_) => json!("true"),
            Value::Object(_) => json!([]),
            Value::Array(_) => json!({}),
            Value::Null => json!(false),
        };
        with("retype".into(), &p, &|at| *at = other.clone());
        with("null".into(), &p, &|at| *at = Value::Null);
    }
    let strings: Vec<&(String, Value)> = all.iter().filter(|(_, v)| v.is_string()).collect();
    for (p, _) in spread(&strings) {
        with("bad format".into(), p, &|at| {
            *at = json!("not-a-date-nor-a-guid")
        });
        with("date-time".into(), p, &|at| {
            *at = json!("2024-01-02T03:04:05Z")
        });
        with("guid".into(), p, &|at| {
            *at = json!("0e4a1b9f-2c3d-4e5f-8a9b-0c1d2e3f4a5b")
        });
    }
    let objects: Vec<&(String, Value)> = all.iter().filter(|(_, v)| v.is_object()).collect();
    for (p, _) in spread(&objects) {
        with("extra".into(), p, &|at| {
            let m = at.as_object_mut().unwrap();
            m.insert("zzUndocumented".into(), json!(1));
            m.insert("aaUndocumented".into(), json!({"x": 1}));
            m.insert("extra@odata.type".into(), json!("#x"));
            m.insert("a/b~c".into(), json!(null));
        });
        with("odata.type".into(), p, &|at| {
            at.as_object_mut().unwrap().insert(
                "@odata.type".into(),
                json!("#microsoft.graph.somethingElse"),
            );
        });
        with("emptied".into(), p, &|at| *at = json!({}));
    }
    let arrays: Vec<&(String, Value)> = all.iter().filter(|(_, v)| v.is_array()).collect();
    for (p, _) in spread(&arrays) {
        with("empty array".into(), p, &|at| *at = json!([]));
        with("cut array".into(), p, &|at| {
            let a = at.as_array_mut().unwrap();
            a.truncate(1);
        });
        with("grown array".into(), p, &|at| {
            let a = at.as_array_mut().unwrap();
            let more: Vec<Value> = a.iter().cloned().chain([json!(7), json!(null)]).collect();
            *a = more;
        });
        with("swapped elements".into(), p, &|at| {
            let a = at.as_array_mut().unwrap();
            a.reverse();
        });
    }
    out
}

fn answer(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Actual {
    Actual {
        status,
        headers,
        body,
        tries: 1,
        version: None,
    }
}

/// Answers for one documented response: the documented one, then each
/// mutation of it.
fn answers(r: &DocResponse) -> Vec<(String, Actual)> {
    let body = match r.body.json() {
        Some(v) => serde_json::to_vec(v).unwrap(),
        None => r.body_text.clone().into_bytes(),
    };
    let headers = r.headers.clone();
    let mut out = vec![
        (
            "documented".to_owned(),
            answer(r.status, headers.clone(), body.clone()),
        ),
        (
            "status 404".into(),
            answer(
                404,
                headers.clone(),
                br#"{"error":{"code":"x","message":"y"}}"#.to_vec(),
            ),
        ),
        (
            "status 201/200".into(),
            answer(
                if r.status == 200 { 201 } else { 200 },
                headers.clone(),
                body.clone(),
            ),
        ),
        (
            "no headers".into(),
            answer(r.status, Vec::new(), body.clone()),
        ),
        (
            "text/plain".into(),
            answer(
                r.status,
                vec![("content-type".into(), "text/plain; charset=utf-16".into())],
                body.clone(),
            ),
        ),
        (
            "graph content-type, upper-case names".into(),
            answer(
                r.status,
                headers
                    .iter()
                    .map(|(n, v)| (n.to_uppercase(), v.clone()))
                    .chain([(
                        "Content-Type".into(),
                        "application/json;odata.metadata=minimal;charset=utf-8".into(),
                    )])
                    .collect(),
                body.clone(),
            ),
        ),
        (
            "content-type not a media type".into(),
            answer(r.status, vec![("Content-Type".into(), "json".into())], body.clone()),
        ),
        (
            "content-type parameters".into(),
            answer(
                r.status,
                vec![(
                    "content-type".into(),
                    " Application / JSON ; charset=\"UTF-16\"; odata.metadata=full; odata.streaming".into(),
                )],
                body.clone(),
            ),
        ),
        (
            "no body".into(),
            answer(r.status, headers.clone(), Vec::new()),
        ),
        (
            "not JSON".into(),
            answer(r.status, headers.clone(), b"<html>oops</html>".to_vec()),
        ),
        (
            "BOM".into(),
            answer(
                r.status,
                headers.clone(),
                [b"\xEF\xBB\xBF".as_slice(), &body].concat(),
            ),
        ),
        (
            "invalid UTF-8".into(),
            answer(r.status, headers.clone(), b"{\"a\": \"\xff\xfe\"}".to_vec()),
        ),
    ];
    if let Some(doc) = r.body.json() {
        if let Value::Object(m) = doc {
            // The paging links the OData rules read of a page.
            for (what, links) in [
                (
                    "next link",
                    json!({"@odata.nextLink": "https://graph.microsoft.com/v1.0/me?$skiptoken=x"}),
                ),
                (
                    "both links",
                    json!({"@odata.nextLink": "n", "@odata.deltaLink": "d"}),
                ),
                ("next link not a string", json!({"@odata.nextLink": 3})),
                ("next link blank", json!({"@odata.nextLink": " "})),
            ] {
                let mut m = m.clone();
                m.extend(links.as_object().unwrap().clone());
                out.push((
                    what.into(),
                    answer(r.status, headers.clone(), serde_json::to_vec(&m).unwrap()),
                ));
            }
        }
        // Escapes in names and strings, duplicate names (the last wins).
        let text = String::from_utf8(body.clone()).unwrap();
        if let Some(rest) = text.strip_prefix('{')
            && rest.len() > 1
        {
            out.push((
                "duplicates and escapes".into(),
                answer(
                    r.status,
                    headers.clone(),
                    format!(r#"{{"v\u0061lue": 1, "a\/b": "\u00e9", "@odata.nextLink": "x", "@odata.nextLink": "y\n", {rest}"#).into_bytes(),
                ),
            ));
        }
        for (what, v) in mutations(doc) {
            out.push((
                what,
                answer(r.status, headers.clone(), serde_json::to_vec(&v).unwrap()),
            ));
        }
    }
    out
}

#[test]
fn the_plan_judges_every_corpus_case_and_its_mutations_as_the_reference_walk() {
    let dir = support::corpus_dir();
    assert!(
        dir.is_dir(),
        "the Graph docs corpus is expected at {} (or set GRAPH_CONTRACT_CORPUS); \
         CI lays ../shared beside the clone",
        dir.display()
    );
    let corpus = docs::read_paths(&[dir.as_path()]);
    let responses: Vec<(&str, &DocResponse)> = corpus
        .cases
        .iter()
        .filter_map(|c| c.response.as_ref().map(|r| (c.id.as_str(), r)))
        .collect();
    assert!(
        responses.len() >= 2_000,
        "only {} documented responses",
        responses.len()
    );
    // Each case on its own, on rayon's pool (the suite's binaries run one
    // after another, and this one has a single test: on one core it was
    // the second-longest of the suite); the tallies and the first failures
    // are merged in case order.
    use rayon::prelude::*;
    let per_case: Vec<(usize, usize, Vec<String>)> = responses
        .par_iter()
        .map(|(id, documented)| {
            let mut compared = 0usize;
            let mut with_findings = 0usize;
            let mut failures = Vec::new();
            let mut flipped = (*documented).clone();
            flipped.truncated = !flipped.truncated;
            flipped.is_collection = Some(flipped.is_collection != Some(true));
            let sides = [(*documented).clone(), flipped];
            for (side, doc) in sides.iter().enumerate() {
                let plan = JudgePlan::compile(doc);
                for (what, actual) in answers(doc) {
                    // The flipped side only for a few answers: the flags change
                    // the length and undocumented rules, not the rest.
                    if side == 1
                        && !(what == "documented"
                            || what.starts_with("extra")
                            || what.contains("array"))
                    {
                        continue;
                    }
                    for strict in [false, true] {
                        let opts = JudgeOptions {
                            strict,
                            ..JudgeOptions::default()
                        };
                        let want = judge_reference(doc, &actual, &opts);
                        let got = plan.judge_parsed(&actual, &opts);
                        compared += 1;
                        with_findings += usize::from(!want.0.is_empty());
                        let mut differs = Vec::new();
                        if got != want {
                            differs.push(format!("plan      {:?}", got.0));
                        }
                        // The borrowed parse: the same findings.
                        let (light, nothing) = plan.judge_tree(&actual, &opts, Tree::Nothing);
                        if light != want.0 || nothing.is_some() {
                            differs.push(format!("borrowed  {light:?}"));
                        }
                        // The paging links handed to the OData rules: the same
                        // verdict as from the whole answer, for a query that
                        // asks nothing of the elements.
                        let (links_findings, links) =
                            plan.judge_tree(&actual, &opts, Tree::PagingLinks);
                        if links_findings != want.0 || links.is_some() != want.1.is_some() {
                            differs.push(format!("links     {links_findings:?}"));
                        }
                        if (200..300).contains(&actual.status) && want.1.is_some() {
                            let page = |json| odata::Page {
                                number: 1,
                                status: actual.status,
                                json,
                                raw: &actual.body,
                                ieee754_strings: false,
                            };
                            let query = odata::Query::default();
                            assert!(query.reads_only_paging_links());
                            let mode = odata::Mode::On;
                            let full = odata::judge_page(
                                &query,
                                doc.body.json(),
                                page(want.1.as_ref()),
                                mode,
                                strict,
                            );
                            let cut = odata::judge_page(
                                &query,
                                doc.body.json(),
                                page(links.as_ref()),
                                mode,
                                strict,
                            );
                            if full != cut {
                                differs.push(format!(
                                    "OData on the links {cut:?}, on the answer {full:?}"
                                ));
                            }
                        }
                        if !differs.is_empty() && failures.len() < 20 {
                            failures.push(format!(
                                "{id} ({what}; strict {strict}; flags turned {}):\n  reference {:?}\n  {}",
                                side == 1,
                                want.0,
                                differs.join("\n  ")
                            ));
                        }
                    }
                }
            }
            (compared, with_findings, failures)
        })
        .collect();
    let compared: usize = per_case.iter().map(|c| c.0).sum();
    let with_findings: usize = per_case.iter().map(|c| c.1).sum();
    let failures: Vec<String> = per_case.into_iter().flat_map(|c| c.2).take(20).collect();
    eprintln!(
        "{} documented responses, {compared} judgements compared ({with_findings} with findings)",
        responses.len()
    );
    assert!(
        failures.is_empty(),
        "the plan differs from the reference walk:\n{}",
        failures.join("\n")
    );
    // The mutations must reach the rules: most judgements find something.
    assert!(
        with_findings * 2 > compared,
        "{with_findings} of {compared}"
    );
}
