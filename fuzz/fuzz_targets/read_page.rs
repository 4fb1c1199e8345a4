//! The page reader on arbitrary text: it must never panic, every diagnostic
//! and case must name a line inside the page, every JSON body it reads must
//! be one the mock can send and the judge can read back (one depth limit),
//! and the mock must build and route its routes from whatever was read.
#![no_main]

use graph_contract::model::DocBody;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count().max(1) + 1;
    let (cases, diagnostics) = graph_contract::docs::read_page("fuzz.md", "fuzz", &text);
    for c in &cases {
        assert!(
            c.line() >= 1 && c.line() <= lines,
            "case line {} of {lines}",
            c.line()
        );
        assert!(c.id.starts_with("fuzz::"));
        for r in c.response.iter().chain(&c.alternatives) {
            if let DocBody::Json(v) = &r.body {
                let sent = serde_json::to_string(v).expect("a read body serializes");
                assert!(
                    serde_json::from_str::<serde_json::Value>(&sent).is_ok(),
                    "a read body the judge cannot read back: {sent:.200}"
                );
            }
        }
    }
    for d in &diagnostics {
        assert!(
            d.line >= 1 && d.line <= lines,
            "diagnostic line {} of {lines}",
            d.line
        );
    }
    let routes = graph_contract::mock::Routes::new(&cases);
    for c in &cases {
        let (path, query) = graph_contract::target::url::doc_path_and_query(&c.request.url);
        let _ = routes.find(&c.request.method, path, query);
    }
});
