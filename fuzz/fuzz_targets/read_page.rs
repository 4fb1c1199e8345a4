//! The page reader on arbitrary text: it must never panic, and every
//! diagnostic and case must name a line inside the page.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count().max(1) + 1;
    let (cases, diagnostics) = graph_contract::docs::read_page("fuzz.md", "fuzz", &text);
    for c in &cases {
        assert!(c.line() >= 1 && c.line() <= lines, "case line {} of {lines}", c.line());
        assert!(c.id.starts_with("fuzz::"));
    }
    for d in &diagnostics {
        assert!(d.line >= 1 && d.line <= lines, "diagnostic line {} of {lines}", d.line);
    }
});
