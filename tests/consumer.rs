//! A service's crate that takes graph-contract as a dev-dependency, the way
//! the README says, built and run for real: its dependency tree holds no
//! CLI-only crate, and its one-line `harness = false` test runs the seed
//! page against the built-in mock and passes.
//!
//! Decisions, and why:
//! - **What is promised about clap.** libtest-mimic (the harness) depends on
//!   clap, with `derive`, unconditionally: a consumer's tree holds clap
//!   through it whatever graph-contract does. What graph-contract promises,
//!   and this test checks, is that it adds no dependency on clap of its own
//!   (clap's only dependent is libtest-mimic), and that indicatif and
//!   mimalloc are not in the tree at all.
//! - **The lock file, offline.** The consumer gets this crate's `Cargo.lock`
//!   and every cargo command runs `--offline`: the same versions as this
//!   crate's own build, no registry access, and everything it needs is in
//!   the local cache once this crate was built (`--locked` cannot work: the
//!   consumer's own package is not in the lock, so cargo must add it).
//! - **Its own target directory**, `consumer/target` under
//!   `CARGO_TARGET_TMPDIR`: the `cargo test` running this test holds the
//!   lock of the main one (sharing it would deadlock), and a fixed place
//!   keeps the consumer's build between runs, so only the first run pays
//!   for compiling graph-contract's dependencies a second time.
//! - **A fixed crate directory, rewritten only where it changed**
//!   (`consumer/crate`): the same path and unchanged files make the warm
//!   run's build a no-op, and no stale test binary piles up per run.
//! - **No debug info, no incremental state** (`CARGO_PROFILE_DEV_DEBUG=0`,
//!   `CARGO_INCREMENTAL=0`) for the consumer's build: the cold build is the
//!   cost of this test, and both are a share of it (and of its disk) that
//!   nobody uses here. The build is otherwise a plain `cargo test`.
//! - **Nothing of the caller's configuration leaks in.** `TARGET_URL` and
//!   every `GRAPH_CONTRACT_*` and `NEXTEST*` variable are removed from the
//!   inner cargo's environment: the test is about the built-in mock and the
//!   seed page, whatever the outer run is pointed at.
//! - **Nor the outer package's.** The `CARGO_PKG_*`, `CARGO_MANIFEST_*`
//!   (and like) variables cargo set for this test are removed too: build
//!   scripts watch some of them (ring's, `CARGO_MANIFEST_DIR`), and an
//!   inherited value would make the consumer's build differ from the one
//!   a developer runs by hand in its directory, each rebuilding the other's.
//! - **Bounded.** Each cargo command has a deadline; past it the command is
//!   killed and the test fails saying so, rather than hanging the suite.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The consumer's manifest: graph-contract by path, without its default
/// (`cli`) feature, and the harness test stanza.
fn manifest(graph_contract: &Path) -> String {
    format!(
        r#"[package]
name = "graph-contract-consumer"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]

[dev-dependencies]
graph-contract = {{ path = {path}, default-features = false }}

[[test]]
name = "contract"
harness = false

# Not part of any enclosing workspace.
[workspace]
"#,
        path = toml_string(&graph_contract.display().to_string())
    )
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const CONTRACT_RS: &str = "fn main() {\n    graph_contract::harness::main()\n}\n";
const LIB_RS: &str = "//! A service would live here.\n";

/// The seed page, relative to `specs/` (this crate's and the consumer's).
const SEED: &str = "onenote/onenote-post-operations.md";

/// Each cargo command's deadline: a cold build of every dependency on a
/// loaded two-core machine stays well under it.
const DEADLINE: Duration = Duration::from_secs(900);

fn this_crate() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn consumer_root() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("consumer")
}

/// Write `text` at `path` unless it already holds exactly that.
fn write_if_changed(path: &Path, text: &[u8]) {
    if std::fs::read(path).is_ok_and(|old| old == text) {
        return;
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// Lay out the consumer crate; returns its directory.
fn make_consumer() -> PathBuf {
    let dir = consumer_root().join("crate");
    let me = this_crate();
    write_if_changed(&dir.join("Cargo.toml"), manifest(&me).as_bytes());
    write_if_changed(&dir.join("src/lib.rs"), LIB_RS.as_bytes());
    write_if_changed(&dir.join("tests/contract.rs"), CONTRACT_RS.as_bytes());
    let seed = std::fs::read(me.join("specs").join(SEED)).unwrap();
    write_if_changed(&dir.join("specs").join(SEED), &seed);
    // This crate's lock, every run: cargo adds the consumer's own package
    // to it and drops what the consumer does not use (the `cli` crates).
    let lock = std::fs::read(me.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("Cargo.lock"), lock).unwrap();
    dir
}

/// A cargo command in the consumer, with a clean environment for it.
fn cargo(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(dir)
        .args(args)
        .arg("--offline")
        .env("CARGO_TARGET_DIR", consumer_root().join("target"))
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_TERM_COLOR", "never")
        .stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let leaks = name == "TARGET_URL"
            || name.starts_with("GRAPH_CONTRACT_")
            || name.starts_with("NEXTEST");
        // What the outer cargo set for this test's package: ring's build
        // script watches `CARGO_MANIFEST_DIR`, so an inherited one makes
        // the consumer's build differ from a plain `cargo test` in it.
        let outer_package = [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
        ]
        .iter()
        .any(|p| name.starts_with(p))
            || name == "CARGO_PRIMARY_PACKAGE";
        if leaks || outer_package {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    fn text(&self) -> String {
        let tail = |s: &str| {
            let lines: Vec<&str> = s.lines().collect();
            lines[lines.len().saturating_sub(60)..].join("\n")
        };
        format!(
            "exit {:?} after {:.1} s\n--- stdout (tail)\n{}\n--- stderr (tail)\n{}",
            self.code,
            self.took.as_secs_f64(),
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

/// Run to completion, or kill at the deadline and fail.
fn run(mut cmd: Command) -> Run {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {DEADLINE:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        took: started.elapsed(),
    }
}

/// `cargo tree --prefix depth` lines into (dependent, dependency) edges,
/// by package name. With deduplication a package's children are printed
/// once, but every edge into it is printed: the edge list is complete.
fn edges(tree: &str) -> Vec<(String, String)> {
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for line in tree.lines() {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(depth) = line[..digits].parse::<usize>() else {
            continue;
        };
        let Some(name) = line[digits..].split_whitespace().next() else {
            continue;
        };
        path.truncate(depth);
        if let Some(parent) = path.last() {
            out.push((parent.clone(), name.to_string()));
        }
        path.push(name.to_string());
    }
    out
}

#[test]
fn a_consumer_crate_builds_without_the_cli_and_runs_the_seed_against_the_mock() {
    let dir = make_consumer();

    // The tree: normal dependencies, and the consumer's dev-dependency on
    // graph-contract (dev-dependencies of others are never in it).
    let tree = run(cargo(
        &dir,
        &["tree", "-e", "normal,dev", "--prefix", "depth"],
    ));
    assert_eq!(tree.code, Some(0), "cargo tree: {}", tree.text());
    let edges = edges(&tree.stdout);
    assert!(
        edges
            .iter()
            .any(|(a, b)| a == "graph-contract-consumer" && b == "graph-contract"),
        "graph-contract is not in the consumer's tree:\n{}",
        tree.stdout
    );
    // Each package that the binary alone needs, and the only packages
    // allowed to depend on it in a consumer's tree.
    let rules: &[(&str, &[&str])] = &[
        ("indicatif", &[]),
        ("notify", &[]),
        ("mimalloc", &[]),
        ("libmimalloc-sys", &[]),
        // Through the harness (libtest-mimic needs clap with derive), never
        // graph-contract's own.
        ("clap", &["libtest-mimic"]),
    ];
    for (package, allowed) in rules {
        let mut dependents: Vec<&str> = edges
            .iter()
            .filter(|(_, b)| b == package)
            .map(|(a, _)| a.as_str())
            .collect();
        dependents.sort();
        dependents.dedup();
        let wrong: Vec<&&str> = dependents
            .iter()
            .filter(|d| !allowed.contains(*d))
            .collect();
        assert!(
            wrong.is_empty(),
            "{package} is a dependency of {wrong:?} in the consumer's tree \
             (allowed: {allowed:?}):\n{}",
            tree.stdout
        );
    }
    let direct: Vec<&str> = edges
        .iter()
        .filter(|(a, _)| a == "graph-contract")
        .map(|(_, b)| b.as_str())
        .collect();
    for cli_only in ["clap", "indicatif", "mimalloc", "notify"] {
        assert!(
            !direct.contains(&cli_only),
            "graph-contract depends on {cli_only} without its cli feature: {direct:?}"
        );
    }

    // The one-line harness against the built-in mock (no TARGET_URL).
    let test = run(cargo(&dir, &["test", "--test", "contract"]));
    eprintln!(
        "consumer: cargo test --test contract took {:.1} s",
        test.took.as_secs_f64()
    );
    assert_eq!(test.code, Some(0), "cargo test: {}", test.text());
    let passed = test
        .stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("test result: ok. ")?
                .split_whitespace()
                .next()?
                .parse::<usize>()
                .ok()
        })
        .unwrap_or(0);
    assert!(
        passed > 0,
        "no passing case in the consumer's run: {}",
        test.text()
    );
    assert!(
        test.stdout.contains("onenote"),
        "the seed's cases are not in the consumer's run: {}",
        test.text()
    );
}

/// The parser of `cargo tree --prefix depth`, on a table of shapes.
#[test]
fn tree_edges_are_read_from_depth_prefixes() {
    let tree = "0root v0.0.0 (/x)\n\
                1a v1.0.0\n\
                2c v1.0.0\n\
                1b v1.0.0\n\
                2c v1.0.0 (*)\n\
                \n\
                0other v1.0.0\n";
    let cases: &[(&str, &str, bool)] = &[
        ("root", "a", true),
        ("a", "c", true),
        ("root", "b", true),
        ("b", "c", true),
        ("root", "c", false),
        ("c", "other", false),
        ("b", "other", false),
    ];
    let edges = edges(tree);
    for (a, b, present) in cases {
        assert_eq!(
            edges.iter().any(|(x, y)| x == a && y == b),
            *present,
            "{a} -> {b} in {edges:?}"
        );
    }
}
