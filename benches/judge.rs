//! What judging costs per exchange, without the network: every documented
//! response of the corpus judged against an answer carrying that same
//! example (so every rule runs to the end, as on a passing case).
//! `cargo bench --bench judge` (corpus: `$GRAPH_CONTRACT_CORPUS` or
//! `../shared/graph-docs/v1.0/api`; `JUDGE_BENCH_ROUNDS` rounds, 20 by
//! default). Prints the time per judged exchange, parse included, and the
//! parse alone, so the walk's share is visible.

mod common;

use graph_contract::docs::read_paths;
use graph_contract::judge::{judge_parsed, odata};
use graph_contract::model::{Actual, JudgeOptions};
use std::time::Instant;

fn main() {
    let dir = common::corpus_dir();
    let rounds = common::env_count("JUDGE_BENCH_ROUNDS", 20);
    let corpus = read_paths(&[dir.as_path()]);
    // Each documented response, and the answer a faithful service gives.
    let pairs: Vec<_> = corpus
        .cases
        .iter()
        .filter_map(|c| c.response.as_ref().map(|r| (c.request.url.as_str(), r)))
        .map(|(url, r)| {
            let headers = r.headers.clone();
            let body = match r.body.json() {
                Some(v) => serde_json::to_vec(v).unwrap_or_default(),
                None => r.body_text.clone().into_bytes(),
            };
            let actual = Actual {
                status: r.status,
                headers,
                body,
                tries: 1,
                version: None,
            };
            (url, r, actual)
        })
        .collect();
    let bytes: usize = pairs.iter().map(|(_, _, a)| a.body.len()).sum();
    let opts = JudgeOptions::default();

    let mut findings = 0;
    let mut judge_times = Vec::with_capacity(rounds);
    let mut parse_times = Vec::with_capacity(rounds);
    let mut odata_times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        for (_, expected, actual) in &pairs {
            let (f, body) = judge_parsed(expected, actual, &opts);
            findings += f.len();
            std::hint::black_box(body);
        }
        judge_times.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for (_, _, actual) in &pairs {
            let v = serde_json::from_slice::<serde_json::Value>(&actual.body).ok();
            std::hint::black_box(v);
        }
        parse_times.push(t.elapsed().as_secs_f64());
        // The shape judge, then the OData protocol rules over the same
        // parsed answer (the query read per exchange, as replay does).
        let t = Instant::now();
        for (url, expected, actual) in &pairs {
            let (f, body) = judge_parsed(expected, actual, &opts);
            let page = odata::Page {
                number: 1,
                status: actual.status,
                json: body.as_ref(),
                raw: &actual.body,
                ieee754_strings: false,
            };
            let j = odata::judge_page(
                &odata::Query::of(url),
                expected.body.json(),
                page,
                odata::Mode::On,
                false,
            );
            std::hint::black_box((f, j));
        }
        odata_times.push(t.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let per = |s: f64| s / pairs.len() as f64 * 1e6;
    let judge = median(&mut judge_times);
    let parse = median(&mut parse_times);
    let with_odata = median(&mut odata_times);
    println!(
        "judge {}: {} documented responses, {:.1} MB of answers, {} rounds",
        dir.display(),
        pairs.len(),
        bytes as f64 / 1e6,
        rounds
    );
    println!(
        "per exchange (median round): judge {:.2} µs (parse {:.2} µs + rules {:.2} µs); {} findings per round",
        per(judge),
        per(parse),
        per(judge - parse),
        findings / rounds
    );
    println!(
        "with the OData protocol rules: {:.2} µs per exchange ({:.2}× the shape judge alone)",
        per(with_odata),
        with_odata / judge
    );
}
