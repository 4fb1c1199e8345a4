//! The redactor: a secret embedded in a random text, each of its characters
//! spelled in a randomly chosen encoding (raw, `\uXXXX` in either case,
//! behind any run of backslashes, `%HH` in either case, `%25HH`, an XML
//! reference), or the whole secret in base64, must not survive: neither the
//! spelling nor the secret itself is left in the redacted text. And no input
//! makes the redactor panic.
#![no_main]

use base64::Engine as _;
use graph_contract::redact::Redactor;
use libfuzzer_sys::fuzz_target;

/// A small deterministic generator, seeded by the input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn spell(c: char, rng: &mut Rng, out: &mut String) {
    let mut buf = [0; 4];
    let bytes = c.encode_utf8(&mut buf).as_bytes();
    match rng.below(7) {
        0 => out.push(c),
        1 | 2 => {
            let run = "\\".repeat(1 << rng.below(3));
            let lower = rng.below(2) == 0;
            for unit in c.encode_utf16(&mut [0; 2]) {
                let hex = format!("{unit:04X}");
                out.push_str(&run);
                out.push('u');
                out.push_str(&if lower { hex.to_ascii_lowercase() } else { hex });
            }
        }
        3 if c != '\\' => {
            out.push_str(&"\\".repeat(1 + rng.below(3) as usize));
            out.push(c);
        }
        4 => {
            for b in bytes {
                out.push_str(&if rng.below(2) == 0 { format!("%{b:02X}") } else { format!("%{b:02x}") });
            }
        }
        5 => {
            for b in bytes {
                out.push_str(&format!("%25{b:02X}"));
            }
        }
        6 => out.push_str(&format!("&#x{:x};", c as u32)),
        _ => out.push(c),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 12 {
        return;
    }
    let seed = u64::from_le_bytes(data[..8].try_into().unwrap()) | 1;
    let n = 3 + data[8] as usize % 40;
    let cut = data[9] as usize;
    let rest = &data[10..];
    if rest.len() < n {
        return;
    }
    let secret = String::from_utf8_lossy(&rest[..n]).into_owned();
    let text = String::from_utf8_lossy(&rest[n..]).into_owned();
    if secret.len() < 3 || secret.contains('*') {
        return;
    }
    let mut rng = Rng(seed);
    let mut spelled = String::new();
    if secret.len() >= 8 && rng.below(5) == 0 {
        spelled = base64::engine::general_purpose::STANDARD.encode(&secret);
    } else {
        for c in secret.chars() {
            spell(c, &mut rng, &mut spelled);
        }
    }
    let mut at = cut.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let embedded = format!("{}{spelled}{}", &text[..at], &text[at..]);
    let redactor = Redactor::new([secret.clone()]);
    let out = redactor.apply(&embedded);
    assert!(!out.contains(&spelled), "{spelled:?} survived in {out:?}");
    assert!(!out.contains(&secret), "{secret:?} survived in {out:?}");
    let _ = redactor.apply_bytes(data);
});
