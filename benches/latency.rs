//! Latency hiding: how close a run gets to the ideal time against a slow
//! service. A page of `LATENCY_BENCH_CASES` examples (2,000 by default) is
//! served by the built-in mock on loopback with every answer held back by
//! `LATENCY_BENCH_DELAY_MS` (50 ms), and replayed with `LATENCY_BENCH_JOBS`
//! (64) exchanges in flight. Ideal: cases × delay / jobs (≈ 1.56 s).
//! Target: under twice the ideal. `cargo bench --bench latency`.

use graph_contract::docs::read_page;
use graph_contract::mock::{self, Routes};
use graph_contract::run::{Session, Settings, Verdict};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// One page holding `n` documented GET examples, each on its own path.
fn page(n: u64) -> String {
    let mut text = String::from("# Latency benchmark\n\n");
    for i in 0..n {
        let _ = write!(
            text,
            "<!-- {{ \"blockType\": \"request\", \"name\": \"get_item_{i}\" }} -->\n\
             ```http\nGET https://graph.microsoft.com/v1.0/items/item-{i}\n```\n\n\
             <!-- {{ \"blockType\": \"response\" }} -->\n\
             ```http\nHTTP/1.1 200 OK\nContent-type: application/json\n\n\
             {{\n  \"id\": \"item-{i}\",\n  \"displayName\": \"Item {i}\",\n  \"size\": {i}\n}}\n```\n\n"
        );
    }
    text
}

fn main() {
    let n = env_number("LATENCY_BENCH_CASES", 2000);
    let delay = Duration::from_millis(env_number("LATENCY_BENCH_DELAY_MS", 50));
    let jobs = env_number("LATENCY_BENCH_JOBS", 64) as usize;

    let (cases, _) = read_page("latency.md", "latency", &page(n));
    assert_eq!(
        cases.len() as u64,
        n,
        "the generated page reads as {n} cases"
    );

    // The slow service: the built-in mock on its own runtime, as a separate
    // process would be.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let server = server_rt
        .block_on(mock::start_with(
            Arc::new(Routes::new(&cases)),
            ([127, 0, 0, 1], 0).into(),
            delay,
        ))
        .expect("bind the delaying mock");

    let mut settings = Settings {
        target: Some(server.url()),
        ..Settings::default()
    };
    settings.send.jobs = jobs;
    let session = Arc::new(Session::open(settings, Arc::new(cases)).expect("session"));
    let indices: Vec<usize> = (0..session.cases.len()).collect();

    let start = Instant::now();
    let results = session.run_all(&indices, jobs, |_| {});
    let wall = start.elapsed().as_secs_f64();

    let passed = results
        .iter()
        .filter(|r| r.verdict == Verdict::Pass)
        .count();
    let ideal = n as f64 * delay.as_secs_f64() / jobs as f64;
    println!(
        "latency: {n} cases, {} ms per answer, --jobs {jobs}: {passed} passed in {wall:.3} s; \
         ideal {ideal:.3} s ({n} x {} ms / {jobs}); {:.2}x ideal; {:.0} cases/s",
        delay.as_millis(),
        delay.as_millis(),
        wall / ideal,
        n as f64 / wall
    );
    println!(
        "latency target (under 2x ideal, {:.3} s): {}",
        2.0 * ideal,
        if wall < 2.0 * ideal { "met" } else { "MISSED" }
    );
    server.abort();
    if passed as u64 != n {
        eprintln!("{} cases did not pass", n - passed as u64);
        std::process::exit(1);
    }
}
