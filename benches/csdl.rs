//! Benchmark of the `$metadata` support: load + parse, compile every type's
//! validator, validate typical payloads, peak memory; on the real Microsoft
//! Graph v1.0 metadata and on generated documents made to be expensive (a
//! long `BaseType` chain, a wide hierarchy). Prints figures;
//! `cargo bench --bench csdl`.
//!
//! Each case runs in a child process of its own (this binary again, with
//! `CSDL_BENCH_CASE` set) so that its peak RSS (`VmHWM`, which only grows)
//! is its own. `CSDL_BENCH_CASES=chain:200,real` picks the cases (default:
//! `chain:1000,chain:20000,wide:20000,real`).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use graph_contract::csdl::{Metadata, SchemaJudge, lint_example};
use serde_json::{Value, json};

const DEFAULT_CASES: &str = "chain:1000,chain:20000,wide:20000,real";

fn metadata_path() -> PathBuf {
    match std::env::var_os("GRAPH_CONTRACT_METADATA") {
        Some(p) => PathBuf::from(p),
        None => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/graph-metadata/v1.0.csdl")
        }
    }
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `levels` entity types, each derived from the previous one, each with one
/// property; the root's property is not nullable.
fn chain(levels: usize) -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="deep" xmlns="http://docs.oasis-open.org/odata/ns/edm">
<EntityType Name="t0"><Property Name="p0" Type="Edm.String" Nullable="false"/></EntityType>
"#,
    );
    for i in 1..levels {
        x.push_str(&format!(
            "<EntityType Name=\"t{i}\" BaseType=\"deep.t{}\"><Property Name=\"p{i}\" Type=\"Edm.Int32\"/></EntityType>\n",
            i - 1
        ));
    }
    x.push_str("</Schema></edmx:DataServices></edmx:Edmx>\n");
    x
}

/// One root with `n` direct derived types (Graph's `entity` shape, wider).
fn wide(n: usize) -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="wide" xmlns="http://docs.oasis-open.org/odata/ns/edm">
<EntityType Name="root"><Property Name="id" Type="Edm.String" Nullable="false"/></EntityType>
"#,
    );
    for i in 0..n {
        x.push_str(&format!(
            "<EntityType Name=\"t{i}\" BaseType=\"wide.root\"><Property Name=\"p{i}\" Type=\"Edm.Int32\"/></EntityType>\n"
        ));
    }
    x.push_str("</Schema></edmx:DataServices></edmx:Edmx>\n");
    x
}

fn main() {
    if let Ok(case) = std::env::var("CSDL_BENCH_CASE") {
        run_case(&case);
        return;
    }
    let cases = std::env::var("CSDL_BENCH_CASES").unwrap_or_else(|_| DEFAULT_CASES.into());
    let exe = std::env::current_exe().expect("the bench binary");
    for case in cases.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let status = Command::new(&exe)
            .env("CSDL_BENCH_CASE", case)
            .status()
            .expect("the case runs");
        if !status.success() {
            println!("  {case}: the child process failed ({status})");
        }
    }
}

fn run_case(case: &str) {
    let (kind, n) = case.split_once(':').unwrap_or((case, ""));
    let n: usize = n.parse().unwrap_or(1000);
    match kind {
        "chain" => generated(&format!("BaseType chain of {n} levels"), &chain(n), n),
        "wide" => generated(&format!("{n} types derived from one"), &wide(n), n),
        "real" => real(),
        other => println!("csdl bench: unknown case {other:?}"),
    }
}

/// Load and compile a generated document, validate a value of its most
/// derived (last) type, and size what `schema --all` would write.
fn generated(title: &str, xml: &str, n: usize) {
    println!("csdl bench: {title} ({} KB)", xml.len() / 1024);
    let t = Instant::now();
    let meta = match Metadata::parse(xml) {
        Ok(m) => m,
        Err(e) => {
            println!(
                "  load + parse:                 {:8.1} ms: refused: {e}",
                ms(t.elapsed())
            );
            println!("  peak RSS (VmHWM):             {}", vm_hwm());
            return;
        }
    };
    let load = t.elapsed();
    println!("  load + parse:                 {:8.1} ms", ms(load));
    let judge = SchemaJudge::new(Arc::new(meta));
    let t = Instant::now();
    let compiled = judge.compile_all();
    let compile = t.elapsed();
    println!(
        "  compile all type validators:  {:8.1} ms ({})",
        ms(compile),
        match &compiled {
            Ok(k) => format!("{k} entity/complex types"),
            Err(e) => format!("failed: {e}"),
        }
    );
    let ns = if title.starts_with("BaseType") {
        "deep"
    } else {
        "wide"
    };
    let last = format!("{ns}.t{}", n.saturating_sub(1));
    let first_prop = if ns == "deep" { "p0" } else { "id" };
    let body = json!({ first_prop: 5, "@odata.type": format!("#{last}") });
    let t = Instant::now();
    let findings = judge.validate(&last, &body).unwrap_or_default();
    println!(
        "  validate a value of {last}:   {:8.2} ms ({} findings)",
        ms(t.elapsed()),
        findings.len()
    );
    let base = if ns == "deep" {
        "deep.t0".to_owned()
    } else {
        "wide.root".to_owned()
    };
    let t = Instant::now();
    let findings = judge.validate(&base, &body).unwrap_or_default();
    println!(
        "  validate it as {base}:        {:8.2} ms ({} findings)",
        ms(t.elapsed()),
        findings.len()
    );
    let meta = judge.metadata();
    let t = Instant::now();
    let bytes: usize = meta
        .structured_type_names()
        .iter()
        .filter_map(|name| meta.type_schema(name))
        .map(|s| s.to_string().len())
        .sum();
    println!(
        "  every type_schema (schema --type each): {:8.1} ms, {} KB",
        ms(t.elapsed()),
        bytes / 1024
    );
    println!("  peak RSS (VmHWM):             {}", vm_hwm());
}

fn real() {
    let path = metadata_path();
    if !path.exists() {
        println!(
            "csdl bench: the Graph metadata is expected at {} (or set GRAPH_CONTRACT_METADATA); skipped",
            path.display()
        );
        return;
    }
    println!("csdl bench: {}", path.display());
    println!("  VmHWM at start:               {}", vm_hwm());

    let t = Instant::now();
    let meta = Metadata::load(&path).expect("the metadata loads");
    let load = t.elapsed();
    let types = meta.structured_type_names().len();
    println!(
        "  load + parse:                 {:8.1} ms ({types} entity/complex types)",
        ms(load)
    );

    let judge = SchemaJudge::new(Arc::new(meta));
    let t = Instant::now();
    let compiled = judge.compile_all().expect("every type compiles");
    let compile = t.elapsed();
    println!(
        "  compile all type validators:  {:8.1} ms (one validator over the metadata, {compiled} entity/complex types)",
        ms(compile)
    );
    println!(
        "  load + compile:               {:8.1} ms (target < 300 ms)",
        ms(load + compile)
    );
    println!("  peak RSS after compile:       {}", vm_hwm());

    // A typical payload: the seed's onenoteOperation, and a user.
    let op = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('x')/onenote/operations/$entity",
        "@odata.type": "#microsoft.graph.onenoteOperation",
        "id": "GetNotebooks-8fcb5dbc-d5aa-4681-8e31-b001d5168d79",
        "status": "Completed",
        "createdDateTime": "2016-03-11T00:24:08.5616367Z",
        "lastActionDateTime": "2016-03-11T00:24:08.5616367+03:00",
        "resourceLocation": "https://graph.microsoft.com/v1.0/me/onenote/notebooks/1-abc",
        "resourceId": "1-abc",
        "percentComplete": "100.0",
        "error": null
    });
    let user = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "businessPhones": ["+1 425 555 0109"],
        "displayName": "Adele Vance",
        "givenName": "Adele",
        "jobTitle": "Retail Manager",
        "mail": "AdeleV@contoso.onmicrosoft.com",
        "mobilePhone": null,
        "officeLocation": "18/2111",
        "preferredLanguage": "en-US",
        "surname": "Vance",
        "userPrincipalName": "AdeleV@contoso.onmicrosoft.com",
        "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
        "accountEnabled": true,
        "assignedLicenses": [{"disabledPlans": [], "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df"}],
        "identities": [{"signInType": "userPrincipalName", "issuer": "contoso.onmicrosoft.com", "issuerAssignedId": "AdeleV@contoso.onmicrosoft.com"}]
    });
    let bad_op = json!({
        "@odata.type": "#microsoft.graph.onenoteOperation",
        "id": "x",
        "status": "notAMember",
        "createdDateTime": "yesterday",
        "percentComplete": 100,
        "extra": 1
    });
    // A user typed by its abstract base: the dispatch on `@odata.type`.
    let mut as_entity = user.clone();
    as_entity["@odata.type"] = json!("#microsoft.graph.user");
    for (name, ty, body) in [
        (
            "onenoteOperation (valid)",
            "microsoft.graph.onenoteOperation",
            &op,
        ),
        ("user (valid)", "microsoft.graph.user", &user),
        ("user typed as entity", "microsoft.graph.entity", &as_entity),
        (
            "onenoteOperation (4 drifts)",
            "microsoft.graph.onenoteOperation",
            &bad_op,
        ),
    ] {
        let n = 20_000;
        let first = judge.validate(ty, body).expect("resolves");
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(judge.validate(ty, std::hint::black_box(body)));
        }
        let per = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!(
            "  validate {name:28} {per:8.2} µs/case ({} findings)",
            first.len()
        );
    }
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(lint_example(
            &judge,
            "microsoft.graph.onenoteOperation",
            &bad_op,
        ));
    }
    println!(
        "  lint_example (4 drifts)               {:8.2} µs/case",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );

    // Many threads sharing one judge.
    let judge = Arc::new(judge);
    let t = Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let judge = judge.clone();
            let user = user.clone();
            std::thread::spawn(move || {
                for _ in 0..20_000 {
                    std::hint::black_box(judge.validate("microsoft.graph.user", &user));
                }
            })
        })
        .collect();
    for th in threads {
        th.join().expect("thread");
    }
    println!(
        "  2 threads x 20000 user validations: {:8.1} ms",
        ms(t.elapsed())
    );
    let meta = judge.metadata();
    let t = Instant::now();
    let bytes: usize = meta
        .structured_type_names()
        .iter()
        .filter_map(|name| meta.type_schema(name))
        .map(|s: Value| s.to_string().len())
        .sum();
    println!(
        "  every type_schema (schema --type each): {:8.1} ms, {} KB",
        ms(t.elapsed()),
        bytes / 1024
    );
    println!("  peak RSS (VmHWM):             {}", vm_hwm());
}
