//! Reads the real Graph v1.0 reference pages and checks the reader's counts
//! against an independent census (1,469 annotated request blocks, about 800
//! unannotated request/response pairs). The corpus is test data outside the
//! project: `$GRAPH_CONTRACT_CORPUS`, or `../shared/graph-docs/v1.0/api`
//! next to the crate. Missing corpus is a failure, never a silent pass.
//! Reading it in parallel gives the bytes a reading on one thread gives.

mod support;

use graph_contract::docs::read_paths;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

#[test]
fn reads_the_v1_corpus() {
    let dir = support::corpus();
    let corpus = read_paths(&[dir.as_path()]);
    let annotated = corpus.cases.iter().filter(|c| !c.inferred).count();
    let inferred = corpus.cases.iter().filter(|c| c.inferred).count();
    let with_response = corpus
        .cases
        .iter()
        .filter(|c| !c.inferred && c.response.is_some())
        .count();
    let mut kinds: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for d in &corpus.diagnostics {
        let sev = match d.severity {
            graph_contract::Severity::Error => "error",
            graph_contract::Severity::Warning => "warning",
            graph_contract::Severity::Note => "note",
        };
        *kinds.entry((sev, d.kind.clone())).or_default() += 1;
    }
    eprintln!(
        "pages {} cases {} annotated {} (with response {}) inferred {} diagnostics {}",
        corpus.pages,
        corpus.cases.len(),
        annotated,
        with_response,
        inferred,
        corpus.diagnostics.len()
    );
    for ((sev, kind), n) in &kinds {
        eprintln!("  {sev:7} {kind:28} {n}");
    }
    if let Ok(kind) = std::env::var("SHOW_KIND") {
        for d in corpus.diagnostics.iter().filter(|d| d.kind == kind) {
            eprintln!("{d}");
        }
    }

    assert_eq!(corpus.pages, 2102, "pages read");
    assert_eq!(annotated, 1469, "annotated (non-inferred) cases");
    assert!(
        inferred >= 780,
        "inferred cases: {inferred}, expected at least 780"
    );
    let mut ids = HashSet::new();
    for c in &corpus.cases {
        assert!(!c.page.is_empty(), "{}: no page", c.id);
        assert!(c.line() > 0, "{}: no line", c.id);
        if let Some(r) = &c.response {
            assert!(r.line > c.line(), "{}: response line before request", c.id);
        }
        assert!(ids.insert(c.id.as_str()), "duplicate case id {}", c.id);
    }
    for d in &corpus.diagnostics {
        assert!(d.line > 0, "{d}: no line");
        assert!(!d.message.contains('\n'), "{d}: multi-line message");
    }
    // Issue #17: a response after an unannotated request block is that
    // request's (8 annotated responses, and one unannotated response after
    // a request whose body is a `json` block, were orphans before).
    let orphans_of_unannotated: Vec<String> = corpus
        .diagnostics
        .iter()
        .filter(|d| d.kind == "orphan-response" && d.message.contains("which is unannotated"))
        .map(|d| d.to_string())
        .collect();
    assert!(
        orphans_of_unannotated.is_empty(),
        "responses left without the unannotated request before them: {orphans_of_unannotated:#?}"
    );
}

/// Issue #17: the pages are read in parallel, and the result is what
/// reading them one by one gives; the output is the same bytes run after
/// run: `list --json` and `lint`, each run three times (rayon on 4 threads
/// twice, on 1 once).
#[test]
fn parallel_reading_is_deterministic() {
    let dir = support::corpus();
    let parallel = read_paths(&[dir.as_path()]);
    assert!(
        parallel.pages >= graph_contract::docs::PARALLEL_MIN_PAGES,
        "{} pages: too few for the parallel path",
        parallel.pages
    );
    // The reference: page by page, each read alone (one page never takes
    // the parallel path), in the folder's order (sorted by page id; the
    // folder is flat, so a page's id is its file's stem).
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    files.sort();
    assert_eq!(files.len(), parallel.pages, "a flat folder of pages");
    let (mut cases, mut diagnostics) = (Vec::new(), Vec::new());
    for (_, file) in &files {
        let one = read_paths(&[file.as_path()]);
        cases.extend(one.cases);
        diagnostics.extend(one.diagnostics);
    }
    assert!(
        cases == parallel.cases,
        "cases differ from a page-by-page reading"
    );
    assert!(
        diagnostics == parallel.diagnostics,
        "diagnostics differ from a page-by-page reading"
    );
    for args in [&["list", "--json"][..], &["lint"][..]] {
        let run = |threads: &str| {
            let out = support::binary()
                .args(args)
                .arg(&dir)
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", support::output_text(&out));
            out.stdout
        };
        let first = run("4");
        assert!(first.len() > 10_000, "{args:?}: {} bytes", first.len());
        for threads in ["4", "1"] {
            let again = run(threads);
            assert!(
                again == first,
                "{args:?} on {threads} threads differs from the first reading: line {}",
                first
                    .split(|&b| b == b'\n')
                    .zip(again.split(|&b| b == b'\n'))
                    .position(|(a, b)| a != b)
                    .map_or(0, |i| i + 1)
            );
        }
    }
}

/// `SHOW_CASES=1 cargo test --test corpus_read -- --ignored --nocapture`:
/// list cases of interest for investigation.
#[test]
#[ignore]
fn show_cases() {
    let corpus = read_paths(&[support::corpus_dir().as_path()]);
    for c in &corpus.cases {
        if c.inferred && !c.page_id.starts_with("intune") {
            eprintln!("inferred-nonintune {} {}", c.id, c.line());
        }
        if !c.inferred && c.response.is_none() {
            eprintln!("no-response {} {}", c.id, c.line());
        }
        if !c.alternatives.is_empty() {
            eprintln!("alternatives {} {}", c.id, c.alternatives.len());
        }
    }
    let intune_pages: HashSet<&str> = corpus
        .cases
        .iter()
        .filter(|c| c.inferred && c.page_id.starts_with("intune"))
        .map(|c| c.page_id.as_str())
        .collect();
    eprintln!("intune pages with inferred cases: {}", intune_pages.len());
}

#[test]
#[ignore]
fn show_non_adjacent_pairs() {
    let corpus = read_paths(&[support::corpus_dir().as_path()]);
    let mut n = 0;
    for c in corpus.cases.iter().filter(|c| !c.inferred) {
        let Some(r) = &c.response else { continue };
        let between = corpus
            .cases
            .iter()
            .any(|o| o.page == c.page && !o.inferred && o.line() > c.line() && o.line() < r.line);
        if between {
            n += 1;
            eprintln!("non-adjacent {} {} -> {}", c.id, c.line(), r.line);
        }
    }
    eprintln!("non-adjacent pairs: {n}");
}
