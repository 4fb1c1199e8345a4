//! How fast the reader reads, and how much memory it takes.
//!
//! `cargo bench --bench read` runs three parts (`READ_BENCH=corpus`,
//! `page` or `hostile` runs one):
//!
//! - **corpus**: the whole v1.0 corpus (`$GRAPH_CONTRACT_CORPUS` or
//!   `../shared/graph-docs/v1.0/api`; skipped when absent), `READ_BENCH_RUNS`
//!   runs, 10 by default; then the same pages copied round after round into
//!   a temporary folder until there are `READ_BENCH_PAGES` of them (7,116 by
//!   default, the count of v1.0 and beta pages the design notes measured;
//!   0 skips it), read the same way. Targets: under 150 ms per read of the
//!   v1.0 folder, under 0.12 s for the 7,116 pages (issue #17), peak RSS
//!   under 100 MB. The reads run on rayon's pool: `RAYON_NUM_THREADS=1`
//!   gives the one-thread figures to compare.
//! - **page**: one generated page holding many examples, at several sizes
//!   (`READ_BENCH_PAGE_MB=3,6,12,24,47`, the default), to show that reading
//!   is linear in examples per page: the time per MB should stay flat as the
//!   page grows. The examples are what a huge page holds: annotated request
//!   and response pairs, names repeated (so the `~k` ids and name look-ups
//!   are exercised), lenient JSON bodies, unannotated blocks, comments that
//!   are not annotations, multi-byte text.
//! - **hostile**: pages of one pathological shape each (long runs of commas
//!   or closers, deep nesting, a huge string, thousands of dangling
//!   annotations or unclosed fences, deep quotes and lists, ...;
//!   `READ_BENCH_SHAPES` picks some) at two sizes (`READ_BENCH_HOSTILE_MB`,
//!   `2,8` by default): s/MB must not grow with the size.
//!
//! Each page is read in a child process of its own (this binary, re-run with
//! `READ_BENCH_CHILD=<shape>:<MB>`, `many` being the page above), so its peak
//! RSS (`VmHWM`) is that page's alone.

#[allow(dead_code)] // corpus_dir exits when absent; this bench skips instead
mod common;

use graph_contract::docs::{read_page, read_paths};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
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

/// CPU time of this process so far (user, system; every thread), in ms,
/// from `/proc/self/stat` (clock ticks, 100 per second on Linux).
fn cpu_ms() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // the fields after the command name, which is in parentheses
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let user: f64 = f.get(11)?.parse().ok()?;
    let sys: f64 = f.get(12)?.parse().ok()?;
    Some((user * 10.0, sys * 10.0))
}

/// Every page's bytes read and dropped, on the same pool: what the file
/// system alone costs, the floor under a read of the folder.
fn read_files_only(files: &[PathBuf]) -> usize {
    use rayon::prelude::*;
    files
        .par_iter()
        .map(|p| std::fs::read(p).map_or(0, |b| b.len()))
        .sum()
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("GRAPH_CONTRACT_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-docs/v1.0/api"),
    };
    dir.is_dir().then_some(dir)
}

/// Time `READ_BENCH_RUNS` reads of `dir` (after one warm-up read for the
/// page cache) and print the figures under `label`.
fn time_reads(label: &str, dir: &Path) {
    let runs = common::env_count("READ_BENCH_RUNS", 10).max(1);
    let mb = md_bytes(dir) as f64 / 1e6;
    let first = read_paths(&[dir]);
    let mut times = Vec::with_capacity(runs);
    let cpu_before = cpu_ms();
    for _ in 0..runs {
        let t = Instant::now();
        let c = read_paths(&[dir]);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(c.cases.len(), first.cases.len());
    }
    let cpu = cpu_before
        .zip(cpu_ms())
        .map(|(a, b)| ((b.0 - a.0) / runs as f64, (b.1 - a.1) / runs as f64));
    times.sort_by(|a, b| a.total_cmp(b));
    let median = times[times.len() / 2];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "read {label} ({}): {} pages, {} cases, {} diagnostics, {:.1} MB",
        dir.display(),
        first.pages,
        first.cases.len(),
        first.diagnostics.len(),
        mb
    );
    println!(
        "  {runs} runs: min {:.1} ms, median {:.1} ms, mean {:.1} ms, max {:.1} ms per read; {:.0} MB/s (median)",
        times[0],
        median,
        mean,
        times[times.len() - 1],
        mb / (median / 1e3)
    );
    // CPU time says what a read costs whatever else runs on the machine;
    // over the wall time, how many cores it kept busy
    if let Some((user, sys)) = cpu {
        println!(
            "  CPU {:.0} ms per read (user {user:.0}, system {sys:.0}; every thread; reading and dropping), {:.2} cores busy on average",
            user + sys,
            (user + sys) / mean
        );
    }
    // the floor: the same files read and dropped, nothing parsed
    let mut files = Vec::new();
    pages_under(dir, Path::new(""), &mut files);
    let files: Vec<PathBuf> = files.iter().map(|r| dir.join(r)).collect();
    let mut floor = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(read_files_only(&files));
        floor.push(t.elapsed().as_secs_f64() * 1e3);
    }
    floor.sort_by(|a, b| a.total_cmp(b));
    println!(
        "  the files alone (opened, read, dropped; no parsing): median {:.1} ms",
        floor[floor.len() / 2]
    );
}

/// The `.md` files under `dir`, relative to it, sorted.
fn pages_under(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir.join(rel))
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let r = rel.join(e.file_name());
        if e.path().is_dir() {
            pages_under(dir, &r, out);
        } else if r.extension().is_some_and(|x| x == "md") {
            out.push(r);
        }
    }
}

/// A folder of `n` pages: the corpus's pages copied round after round
/// (`copy-0/...`, `copy-1/...`) until there are `n`, in a fresh folder
/// under the system's temporary directory.
fn replicate(corpus: &Path, n: usize) -> std::io::Result<PathBuf> {
    let mut pages = Vec::new();
    pages_under(corpus, Path::new(""), &mut pages);
    if pages.is_empty() {
        return Err(std::io::Error::other("no page in the corpus"));
    }
    let dir =
        std::env::temp_dir().join(format!("graph-contract-read-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for i in 0..n {
        let (round, rel) = (i / pages.len(), &pages[i % pages.len()]);
        let to = dir.join(format!("copy-{round}")).join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(corpus.join(rel), &to)?;
    }
    Ok(dir)
}

fn bench_corpus() {
    let Some(dir) = corpus_dir() else {
        println!("corpus: not found (set GRAPH_CONTRACT_CORPUS); skipped");
        return;
    };
    println!(
        "reading on {} threads (rayon; RAYON_NUM_THREADS=1 for one), folders of at least {} pages in parallel",
        rayon::current_num_threads(),
        graph_contract::docs::PARALLEL_MIN_PAGES
    );
    time_reads("the corpus", &dir);
    // The issue's figure: 7,116 pages (v1.0 and beta); only v1.0 is here,
    // so its pages stand in, copied as often as it takes.
    let n = common::env_count("READ_BENCH_PAGES", 7116);
    if n > 0 {
        match replicate(&dir, n) {
            Ok(many) => {
                time_reads(&format!("{n} pages, the corpus replicated"), &many);
                let _ = std::fs::remove_dir_all(&many);
            }
            Err(e) => println!("replicated corpus: cannot write it ({e}); skipped"),
        }
    }
    match peak_rss_kb() {
        Some(kb) => println!("peak RSS (VmHWM): {:.1} MB", kb as f64 / 1024.0),
        None => println!("peak RSS: unavailable (no /proc/self/status)"),
    }
}

/// One example of the generated page; `i` varies names and shapes.
fn example(out: &mut String, i: usize) {
    // every 8th name repeats an earlier one: ids get `~k` suffixes
    let name = if i % 8 == 7 {
        format!("get_thing_{}", i % 64)
    } else {
        format!("get_thing_{i}")
    };
    let _ = write!(
        out,
        "\n### Example {i}: ünïcödé 名前\n\n\
         <!-- uuid: {i:08x} not an annotation -->\n\
         # [HTTP](#tab/http)\n\
         <!-- {{ \"blockType\": \"request\", \"name\": \"{name}\" }} -->\n\
         ```http\n\
         POST https://graph.microsoft.com/v1.0/things/{{id}}/children?$filter=name eq 'é {i}'\n\
         Content-type: application/json\n\n\
         {{\n  \"displayName\": \"Thing № {i}\",\n  \"tags\": [\"a\", \"b\",],\n}}\n\
         ```\n\n\
         # [C#](#tab/csharp)\n\
         ```csharp\nvar thing = new Thing {{ DisplayName = \"{i}\" }};\n```\n\n\
         ---\n\n\
         <!-- {{ \"blockType\": \"response\", \"name\": \"{name}\", \"truncated\": true, \"@odata.type\": \"microsoft.graph.thing\" }} -->\n\
         ```http\n\
         HTTP/1.1 201 Created\n\
         Content-type: application/json\n\n\
         {{\n  \"@odata.context\": \"https://graph.microsoft.com/v1.0/$metadata#things/$entity\",\n  \
         \"id\": \"{i}\",\n  \"displayName\": \"Thing № {i}\"\n  \"value\": [ {{\"n\": 1}}, ... ]\n}}\n\
         ```\n"
    );
    if i.is_multiple_of(16) {
        // an unannotated pair: an inferred case
        let _ = write!(
            out,
            "\n```http\nGET /v1.0/things/{i}\n```\n\n```http\nHTTP/1.1 200 OK\n\n{{\"id\": \"{i}\"}}\n```\n"
        );
    }
}

/// A page of about `bytes` bytes; returns it and its example count.
fn page(bytes: usize) -> (String, usize) {
    let mut out = String::with_capacity(bytes + 4096);
    out.push_str("---\ntitle: \"Many things\"\n---\n\n# Many things\n");
    let mut n = 0;
    while out.len() < bytes {
        example(&mut out, n);
        n += 1;
    }
    (out, n)
}

/// A hostile page of about `bytes` bytes, by shape name; `None` when the
/// name is unknown.
fn hostile(shape: &str, bytes: usize) -> Option<String> {
    let fill = |head: &str, unit: &str, tail: &str| {
        let n = bytes.saturating_sub(head.len() + tail.len()) / unit.len().max(1);
        format!("{head}{}{tail}", unit.repeat(n))
    };
    let body = |json_head: &str, unit: &str| {
        fill(
            &format!(
                "<!-- {{\"blockType\": \"request\"}} -->\n```http\nGET /a\n```\n<!-- {{\"blockType\": \"response\"}} -->\n```http\nHTTP/1.1 200 OK\n\n{json_head}"
            ),
            unit,
            "\n```\n",
        )
    };
    Some(match shape {
        "commas" => body("[", ","),
        "closers" => body("{\"a\": [1", "]}"),
        "nesting" => body("", "["),
        "objects" => body("", "{\"a\":"),
        "string" => body("{\"a\": \"", "é"),
        "repairs" => body("{", "a:1 "),
        "comments" => fill("", "<!-- ", ""),
        "dangling" => fill("", "<!-- { \"blockType\": \"request\" } -->\n", ""),
        "fences" => fill("", "```http\nGET /a\n```http\n", ""),
        "request-lines" => fill(
            "<!-- {\"blockType\": \"request\"} -->\n```http\n",
            "GET /a\n",
            "```\n",
        ),
        "headers" => fill(
            "<!-- {\"blockType\": \"request\"} -->\n```http\nGET /a\n",
            "X-A: b\n",
            "```\n",
        ),
        "quotes" => fill("", "> ", "x\n"),
        "lists" => fill("", "- ", "x\n"),
        "brackets" => fill("", "[", "x\n"),
        "emphasis" => fill("", "*a _b ", "\n"),
        _ => return None,
    })
}

const HOSTILE: &str = "commas,closers,nesting,objects,string,repairs,comments,dangling,fences,request-lines,headers,quotes,lists,brackets,emphasis";

/// In the child: generate and read one page (`many:<MB>` or
/// `<shape>:<MB>`), print one line of figures.
fn child(spec: &str) {
    let (shape, mb) = spec.split_once(':').unwrap_or(("many", spec));
    let mb: f64 = mb.parse().expect("READ_BENCH_CHILD=<shape>:<MB>");
    let bytes = (mb * 1e6) as usize;
    let (text, examples) = match shape {
        "many" => page(bytes),
        s => (hostile(s, bytes).expect("a known shape"), 0),
    };
    let t = Instant::now();
    let (cases, diags) = read_page("many.md", "many", &text);
    let secs = t.elapsed().as_secs_f64();
    let rss = peak_rss_kb().map_or("n/a".to_string(), |kb| {
        format!("{:.0} MB", kb as f64 / 1024.0)
    });
    let per_example = if examples > 0 {
        format!(", {:>7.2} µs/example", secs * 1e6 / examples as f64)
    } else {
        String::new()
    };
    println!(
        "{shape:>13} {:>6.1} MB {:>8} examples {:>8} cases {:>8} diagnostics: {:>8.3} s, {:>6.3} s/MB{per_example}, peak RSS {rss}",
        text.len() as f64 / 1e6,
        examples,
        cases.len(),
        diags.len(),
        secs,
        secs / (text.len() as f64 / 1e6),
    );
}

/// Run one child per `shape:size`.
fn children(specs: impl Iterator<Item = String>) {
    let exe = std::env::current_exe().expect("the bench binary's path");
    for spec in specs {
        let status = std::process::Command::new(&exe)
            .env("READ_BENCH_CHILD", &spec)
            .status();
        if !status.as_ref().is_ok_and(|s| s.success()) {
            println!("{spec}: the child failed ({status:?})");
        }
    }
}

fn list(var: &str, default: &str) -> Vec<String> {
    std::env::var(var)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn bench_page() {
    println!("one generated page per size, read in a child process each:");
    let sizes = list("READ_BENCH_PAGE_MB", "3,6,12,24,47");
    children(sizes.iter().map(|s| format!("many:{s}")));
}

fn bench_hostile() {
    println!("hostile pages, two sizes each (s/MB should not grow with the size):");
    let sizes = list("READ_BENCH_HOSTILE_MB", "2,8");
    let shapes = list("READ_BENCH_SHAPES", HOSTILE);
    children(
        shapes
            .iter()
            .flat_map(|shape| sizes.iter().map(move |s| format!("{shape}:{s}"))),
    );
}

fn main() {
    if let Ok(spec) = std::env::var("READ_BENCH_CHILD") {
        child(&spec);
        return;
    }
    let which = std::env::var("READ_BENCH").unwrap_or_default();
    if which.is_empty() || which == "corpus" {
        bench_corpus();
    }
    if which.is_empty() || which == "page" {
        bench_page();
    }
    if which.is_empty() || which == "hostile" {
        bench_hostile();
    }
}
