//! What the corpus benchmarks share: where the corpus is, and their knobs.

use std::path::PathBuf;

/// `$GRAPH_CONTRACT_CORPUS` (when not empty, as in the tests), or
/// `../shared/graph-docs/v1.0/api` beside the crate; exit 2 with a message when it is not there.
pub fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("GRAPH_CONTRACT_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-docs/v1.0/api"),
    };
    if !dir.is_dir() {
        eprintln!(
            "corpus not found at {} (set GRAPH_CONTRACT_CORPUS)",
            dir.display()
        );
        std::process::exit(2);
    }
    dir
}

/// A count from the environment (`READ_BENCH_RUNS=5`), else `default`.
pub fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
