//! How fast the reader reads the whole v1.0 corpus, and how much memory it
//! takes. `cargo bench --bench read` (corpus: `$GRAPH_CONTRACT_CORPUS` or
//! `../shared/graph-docs/v1.0/api`; `READ_BENCH_RUNS` runs, 10 by default).
//! Targets: under 150 ms per whole-folder read, peak RSS under 100 MB.

mod common;

use graph_contract::docs::read_paths;
use std::path::Path;
use std::time::Instant;

fn md_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            total += md_bytes(&p);
        } else if p.extension().is_some_and(|x| x == "md") {
            total += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let dir = common::corpus_dir();
    let runs = common::env_count("READ_BENCH_RUNS", 10);
    let mb = md_bytes(&dir) as f64 / 1e6;
    // one warm-up read (page cache), then timed reads
    let first = read_paths(&[dir.as_path()]);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let c = read_paths(&[dir.as_path()]);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(c.cases.len(), first.cases.len());
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let median = times[times.len() / 2];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "read {}: {} pages, {} cases, {} diagnostics, {:.1} MB",
        dir.display(),
        first.pages,
        first.cases.len(),
        first.diagnostics.len(),
        mb
    );
    println!(
        "{runs} runs: min {:.1} ms, median {:.1} ms, mean {:.1} ms, max {:.1} ms per read; {:.0} MB/s (median)",
        times[0],
        median,
        mean,
        times[times.len() - 1],
        mb / (median / 1e3)
    );
    match peak_rss_kb() {
        Some(kb) => println!("peak RSS (VmHWM): {:.1} MB", kb as f64 / 1024.0),
        None => println!("peak RSS: unavailable (no /proc/self/status)"),
    }
}
