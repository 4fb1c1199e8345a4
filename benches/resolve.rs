//! How long resolving documented paths against a `$metadata` takes (it
//! runs before anything is sent): every request URL of the v1.0 corpus
//! (`$GRAPH_CONTRACT_CORPUS` or `../shared/graph-docs/v1.0/api`) against
//! the Graph v1.0 metadata (`$GRAPH_CONTRACT_METADATA` or
//! `../shared/graph-metadata/v1.0.csdl`), `RESOLVE_BENCH_RUNS` runs (20 by
//! default); also `path_template` alone, the inventory, and paths made to
//! be expensive (64 segments, long keys). Prints figures;
//! `cargo bench --bench resolve`.

#[allow(dead_code)] // env_count only
mod common;

use graph_contract::csdl::{Metadata, Resolution, path_template};
use graph_contract::docs::read_paths;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn metadata_path() -> PathBuf {
    match std::env::var_os("GRAPH_CONTRACT_METADATA") {
        Some(p) => PathBuf::from(p),
        None => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-metadata/v1.0.csdl")
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Run `f` `runs` times; (min, median) per run.
fn time(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[times.len() / 2])
}

fn main() {
    let path = metadata_path();
    if !path.exists() {
        println!(
            "resolve bench: the Graph metadata is expected at {} (or set GRAPH_CONTRACT_METADATA); skipped",
            path.display()
        );
        return;
    }
    let dir = common::corpus_dir();
    let runs = common::env_count("RESOLVE_BENCH_RUNS", 20).max(1);

    let t = Instant::now();
    let meta = Metadata::load(&path).expect("the metadata loads");
    println!(
        "resolve bench: {} loaded in {:.1} ms (types, container, operations, indexes)",
        path.display(),
        ms(t.elapsed())
    );
    let corpus = read_paths(&[dir.as_path()]);
    let urls: Vec<&str> = corpus
        .cases
        .iter()
        .map(|c| c.request.url.as_str())
        .collect();
    let n = urls.len();
    let declared = urls
        .iter()
        .filter(|u| matches!(meta.resolve_path(u), Resolution::Declared(_)))
        .count();
    println!(
        "  corpus {}: {n} request URLs, {declared} declared ({:.2} %)",
        dir.display(),
        declared as f64 * 100.0 / n.max(1) as f64
    );

    let (min, median) = time(runs, || {
        for u in &urls {
            black_box(meta.resolve_path(black_box(u)));
        }
    });
    println!(
        "  resolve_path, whole corpus: min {:.2} ms, median {:.2} ms ({runs} runs); {:.2} µs per path (median)",
        ms(min),
        ms(median),
        median.as_secs_f64() * 1e6 / n.max(1) as f64
    );
    let (min, median) = time(runs, || {
        for u in &urls {
            black_box(path_template(black_box(u)));
        }
    });
    println!(
        "  path_template, whole corpus: min {:.2} ms, median {:.2} ms; {:.2} µs per path (median)",
        ms(min),
        ms(median),
        median.as_secs_f64() * 1e6 / n.max(1) as f64
    );
    let (_, median) = time(runs.min(5), || {
        black_box(meta.inventory());
    });
    println!(
        "  inventory: {:.2} ms ({} declarations)",
        ms(median),
        meta.inventory().len()
    );

    // Paths made to be expensive: the most segments the resolver reads,
    // each a navigation; a 1 MB key; a function call with 10^5 arguments.
    let deep = format!("/me{}", "/manager/microsoft.graph.user".repeat(31));
    let long_key = format!("/users/{}/messages", "a".repeat(1 << 20));
    let many_args = format!(
        "/me/drive/root/search({})",
        (0..100_000)
            .map(|i| format!("p{i}='x'"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for (name, url) in [
        ("63 segments", deep.as_str()),
        ("1 MB key", long_key.as_str()),
        ("10^5 arguments", many_args.as_str()),
    ] {
        let kind = match meta.resolve_path(url) {
            Resolution::Declared(_) => "declared",
            Resolution::NotDeclared(_) => "not declared",
            Resolution::Unresolvable(_) => "unresolvable",
        };
        let (_, median) = time(runs.min(5), || {
            black_box(meta.resolve_path(black_box(url)));
        });
        println!(
            "  {name:16} ({} KB, {kind}): {:.3} ms",
            url.len() / 1024,
            ms(median)
        );
    }
}
