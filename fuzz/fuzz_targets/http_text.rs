//! The HTTP text parsers and the lenient JSON reader on arbitrary text:
//! never a panic; what parses as a request has a method and a URL.
#![no_main]

use graph_contract::docs::{http_text, lenient_json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(r) = http_text::parse_request(&text) {
        assert!(!r.method.is_empty());
    }
    let _ = http_text::parse_response(&text);
    let _ = lenient_json::parse_any(&text);
    for line in text.lines().take(4) {
        let _ = http_text::request_line(line);
        let _ = http_text::status_line(line);
        let _ = http_text::header_line(line);
    }
});
