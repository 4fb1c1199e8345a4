//! The HTML report at the size of both corpora: the v1.0 pages
//! (`HTML_BENCH_PAGES`, default `../shared/graph-docs/v1.0/api`) replayed
//! against the built-in mock, their results repeated under new ids up to
//! `HTML_BENCH_CASES` (7,535: the v1.0 and beta sets), one in three turned
//! into a failure whose answer lost a property (so its body is written
//! apart from the documented one, as a real drift's is). Prints the time
//! to draw the page and its size; with Chromium on the PATH, the time a
//! headless browser takes to open it and draw the list.
//! `cargo bench --bench html`.

use graph_contract::model::{Finding, FindingKind, Severity};
use graph_contract::redact::Redactor;
use graph_contract::report::{self, View};
use graph_contract::run::{self, Listeners, Session, Settings, Verdict};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let pages = std::env::var("HTML_BENCH_PAGES")
        .unwrap_or_else(|_| "../shared/graph-docs/v1.0/api".to_owned());
    let want: usize = std::env::var("HTML_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7535);
    if !std::path::Path::new(&pages).exists() {
        eprintln!(
            "html bench: {pages} not found (the corpus lives in ../shared); nothing measured"
        );
        std::process::exit(2);
    }
    let corpus = run::read_pages(&[PathBuf::from(&pages)]).expect("pages");
    let n = corpus.cases.len();
    let session =
        Arc::new(Session::open(Settings::default(), Arc::new(corpus.cases)).expect("session"));
    let indices: Vec<usize> = (0..n).collect();
    let none = Listeners::default();
    let mut results = session.run_events(&indices, 32, &none);
    let finished = session
        .finish(&none, &mut results, &[], std::time::Duration::ZERO, 0)
        .expect("finish");

    // Both corpora's worth: the v1.0 results again under new ids.
    let mut cases = Vec::with_capacity(want);
    let mut all = Vec::with_capacity(want);
    for i in 0..want {
        let (round, r) = (i / n, &results[i % n]);
        let mut case = session.cases[r.index].clone();
        if round > 0 {
            case.id = format!("{}~{round}", case.id);
        }
        let mut r = r.clone();
        r.index = i;
        if i % 3 == 0
            && let Some(a) = &mut r.actual
            && let Ok(serde_json::Value::Object(mut o)) =
                serde_json::from_slice::<serde_json::Value>(&a.body)
            && let Some(k) = o.keys().find(|k| !k.starts_with('@')).cloned()
        {
            o.remove(&k);
            a.body = serde_json::to_vec(&o).unwrap_or_default();
            r.verdict = Verdict::Fail;
            r.findings.push(Finding {
                pointer: format!("/{k}"),
                kind: FindingKind::Missing,
                severity: Severity::Error,
                message: "missing (documented string)".into(),
                documented: Some("string".into()),
                actual: None,
            });
        }
        cases.push(case);
        all.push(r);
    }
    let rerun = report::Rerun::Check {
        program: "graph-contract".into(),
        args: vec![],
    };
    let extras = report::extras(&cases, &all, &finished.coverage, &rerun);
    let view = View {
        cases: &cases,
        results: &all,
        extras: &extras,
        coverage: &finished.coverage,
        enforced: &[],
        fixed: &[],
        target: "the built-in mock",
        sources: &[],
    };
    let out = PathBuf::from("target/bench-html/report.html");
    let _ = std::fs::create_dir_all(out.parent().unwrap());
    let redactor = Redactor::new(Vec::<String>::new());
    let mut times = Vec::new();
    let mut page = String::new();
    for _ in 0..5 {
        let t = Instant::now();
        page = report::html::render(&view, &out, &redactor);
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    std::fs::write(&out, &page).expect("write the page");
    println!(
        "html: {} cases ({} read from {pages}, {} failing): drawn in {:.3} s (min of 5; max {:.3} s), {:.1} MB, {}",
        want,
        n,
        all.iter().filter(|r| r.verdict == Verdict::Fail).count(),
        times[0],
        times[4],
        page.len() as f64 / 1e6,
        out.display()
    );
    browser(&out);
}

/// Open the page in headless Chromium and print how long until the list
/// was drawn (the page records it in `data-drawn-ms` on `<body>`).
fn browser(page: &std::path::Path) {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        println!("browser: no chromium on the PATH; not measured");
        return;
    };
    let url = url::Url::from_file_path(std::path::absolute(page).unwrap()).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        let out = std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--virtual-time-budget=10000",
                "--dump-dom",
            ])
            .arg(url.as_str())
            .output();
        let wall = t.elapsed().as_secs_f64();
        let Ok(out) = out else {
            println!("browser: {chromium} did not start");
            return;
        };
        let dom = String::from_utf8_lossy(&out.stdout);
        let drawn = dom
            .split("data-drawn-ms=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("?");
        println!(
            "browser: {chromium} headless: list drawn {drawn} ms after navigation start; whole process {wall:.2} s"
        );
    }
}
