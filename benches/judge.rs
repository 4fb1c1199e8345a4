//! What judging costs per exchange, without the network: every documented
//! response of the corpus judged against an answer carrying that same
//! example (so every rule runs to the end, as on a passing case).
//! `cargo bench --bench judge` (corpus: `$GRAPH_CONTRACT_CORPUS` or
//! `../shared/graph-docs/v1.0/api`; `JUDGE_BENCH_ROUNDS` rounds, 20 by
//! default). Prints the time per judged exchange, parse included, and the
//! parse alone, so the walk's share is visible; the judge is the compiled
//! plan (compiled once, outside the timed rounds, as a run does), and the
//! reference walk it replaced is timed beside it.
//!
//! For a profiler (callgrind counts instructions where timings are noise):
//! `JUDGE_BENCH_PROFILE=plan|reference|borrowed` runs only that judge, the
//! rounds over every exchange, in `profiled_<name>` (a function to toggle
//! collection on), and prints nothing else.

mod common;

use graph_contract::docs::read_paths;
use graph_contract::judge::light::Light;
use graph_contract::judge::{JudgePlan, Tree, judge_reference, odata};
use graph_contract::model::{Actual, DocResponse, JudgeOptions};
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
    let t = Instant::now();
    let plans: Vec<JudgePlan> = pairs
        .iter()
        .map(|(_, r, _)| JudgePlan::compile(r))
        .collect();
    let compile = t.elapsed().as_secs_f64();

    if let Ok(which) = std::env::var("JUDGE_BENCH_PROFILE") {
        let n = match which.as_str() {
            "plan" => profiled_plan(&pairs, &plans, &opts, rounds),
            "reference" => profiled_reference(&pairs, &opts, rounds),
            "borrowed" => profiled_borrowed(&pairs, &plans, &opts, rounds),
            other => {
                eprintln!("JUDGE_BENCH_PROFILE: plan, reference or borrowed, not {other:?}");
                std::process::exit(2);
            }
        };
        println!(
            "{which}: {} exchanges judged, {n} findings",
            pairs.len() * rounds
        );
        return;
    }
    let mut findings = 0;
    let mut judge_times = Vec::with_capacity(rounds);
    let mut parse_times = Vec::with_capacity(rounds);
    let mut odata_times = Vec::with_capacity(rounds);
    let mut reference_times = Vec::with_capacity(rounds);
    let mut light_times = Vec::with_capacity(rounds);
    let mut light_parse_times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        for ((_, _, actual), plan) in pairs.iter().zip(&plans) {
            let (f, body) = plan.judge_parsed(actual, &opts);
            findings += f.len();
            std::hint::black_box(body);
        }
        judge_times.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for (_, expected, actual) in &pairs {
            let (f, body) = judge_reference(expected, actual, &opts);
            std::hint::black_box((f, body));
        }
        reference_times.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for ((_, _, actual), plan) in pairs.iter().zip(&plans) {
            let (f, body) = plan.judge_tree(actual, &opts, Tree::PagingLinks);
            std::hint::black_box((f, body));
        }
        light_times.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for (_, _, actual) in &pairs {
            std::hint::black_box(Light::parse(&actual.body).ok());
        }
        light_parse_times.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for (_, _, actual) in &pairs {
            let v = serde_json::from_slice::<serde_json::Value>(&actual.body).ok();
            std::hint::black_box(v);
        }
        parse_times.push(t.elapsed().as_secs_f64());
        // The shape judge, then the OData protocol rules over the same
        // parsed answer (the query read per exchange, as replay does).
        let t = Instant::now();
        for ((url, expected, actual), plan) in pairs.iter().zip(&plans) {
            let (f, body) = plan.judge_parsed(actual, &opts);
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
    let reference = median(&mut reference_times);
    let light = median(&mut light_times);
    let light_parse = median(&mut light_parse_times);
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
        "reference walk (per exchange, both documents): {:.2} µs (parse included); plans compiled once in {:.1} ms",
        per(reference),
        compile * 1e3
    );
    println!(
        "borrowed parse (no tree; paging links kept): judge {:.2} µs (parse {:.2} µs + rules {:.2} µs)",
        per(light),
        per(light_parse),
        per(light - light_parse)
    );
    println!(
        "with the OData protocol rules: {:.2} µs per exchange ({:.2}× the shape judge alone)",
        per(with_odata),
        with_odata / judge
    );
}

type Pair<'a> = (&'a str, &'a DocResponse, Actual);

#[inline(never)]
fn profiled_plan(
    pairs: &[Pair<'_>],
    plans: &[JudgePlan],
    opts: &JudgeOptions,
    rounds: usize,
) -> usize {
    let mut n = 0;
    for _ in 0..rounds {
        for ((_, _, actual), plan) in pairs.iter().zip(plans) {
            n += std::hint::black_box(plan.judge_parsed(actual, opts))
                .0
                .len();
        }
    }
    n
}

#[inline(never)]
fn profiled_reference(pairs: &[Pair<'_>], opts: &JudgeOptions, rounds: usize) -> usize {
    let mut n = 0;
    for _ in 0..rounds {
        for (_, expected, actual) in pairs {
            n += std::hint::black_box(judge_reference(expected, actual, opts))
                .0
                .len();
        }
    }
    n
}

#[inline(never)]
fn profiled_borrowed(
    pairs: &[Pair<'_>],
    plans: &[JudgePlan],
    opts: &JudgeOptions,
    rounds: usize,
) -> usize {
    let mut n = 0;
    for _ in 0..rounds {
        for ((_, _, actual), plan) in pairs.iter().zip(plans) {
            n += std::hint::black_box(plan.judge_tree(actual, opts, Tree::PagingLinks))
                .0
                .len();
        }
    }
    n
}
