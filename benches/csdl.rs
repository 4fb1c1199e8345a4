//! Benchmark of the `$metadata` support on the real Microsoft Graph v1.0
//! metadata: load + parse, compile every type's validator, validate a
//! typical payload, peak memory. Prints figures; `cargo bench --bench csdl`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use graph_contract::csdl::{Metadata, SchemaJudge, lint_example};
use serde_json::json;

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
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let path = metadata_path();
    if !path.exists() {
        eprintln!(
            "csdl bench: the Graph metadata is expected at {} (or set GRAPH_CONTRACT_METADATA)",
            path.display()
        );
        std::process::exit(1);
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
    for (name, ty, body) in [
        (
            "onenoteOperation (valid)",
            "microsoft.graph.onenoteOperation",
            &op,
        ),
        ("user (valid)", "microsoft.graph.user", &user),
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
    println!("  peak RSS (VmHWM):             {}", vm_hwm());
}
