//! The configuration parsers (numeric knobs, headers, tokens, the token
//! endpoint) on arbitrary text: never a panic; what is accepted is in range
//! (a header: a token name, a one-line value); a refusal's message does not
//! grow with the input (it never repeats a value, and a name at most cut
//! short).
#![no_main]

use graph_contract::harness::knob;
use libfuzzer_sys::fuzz_target;

const LONGEST_MESSAGE: usize = 400;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for k in [knob::TIMEOUT, knob::DEADLINE] {
        match k.parse(&text) {
            Ok(d) => {
                let s = d.as_secs_f64();
                assert!(s >= k.min * 0.999 && s <= k.max, "{s}");
            }
            Err(e) => assert!(e.len() <= LONGEST_MESSAGE),
        }
    }
    for k in [
        knob::JOBS,
        knob::RETRIES,
        knob::MAX_BODY,
        knob::REPEAT,
        knob::DELAY_MS,
        knob::PORT,
    ] {
        match k.parse(&text) {
            Ok(n) => assert!((k.min..=k.max).contains(&n)),
            Err(e) => assert!(e.len() <= LONGEST_MESSAGE),
        }
    }
    match knob::header("--secret-header", &text) {
        Ok((name, value)) => {
            assert!(!name.is_empty());
            assert!(name.bytes().all(|b| b.is_ascii_graphic() && b != b':'));
            assert!(!value.chars().any(|c| c.is_control() && c != '\t'));
        }
        Err(e) => assert!(e.len() <= LONGEST_MESSAGE, "{e}"),
    }
    if let Err(e) = knob::token("GRAPH_CONTRACT_TOKEN", &text) {
        assert!(e.len() <= LONGEST_MESSAGE);
    }
    let _ = knob::oauth_token_url("--oauth-token-url", &text);
});
