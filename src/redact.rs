//! Redaction: a secret appears in no byte of any output, in any encoding.
//!
//! graph-contract holds its users' credentials (bearer and OAuth tokens, the
//! client secret, `--secret-header` values, `[secrets]` variables, the
//! target URL's password and the HTTP Basic value made of it) and talks to
//! services it does not trust yet. A service can echo any of them back, in
//! any encoding it likes, and our own outputs re-encode what they print
//! (JSON reports escape, URLs percent-encode). Decisions:
//!
//! - **Match through the encodings, do not list them.** A secret of n
//!   characters has 2ⁿ JSON-escaped spellings (`\uXXXX` for any character,
//!   upper- or lower-case hex), and as many percent-encoded ones. Listing
//!   forms (what the first round did) always misses one, so the matcher
//!   walks the text and accepts, for each character of the secret, any of:
//!   the character itself; `%HH` for each of its UTF-8 bytes (any case,
//!   doubly encoded as `%25HH` too, `+` for a space); a JSON or JavaScript
//!   escape behind any run of backslashes (`\u002B`, `\\u002B`, `\/`,
//!   `\\\"`, `\n`, surrogate pairs for characters beyond the BMP), which
//!   covers doubly escaped JSON; an XML/HTML character reference (`&#43;`,
//!   `&#x2b;`, `&amp;`). A backslash of the secret matches 1, 2, 4, 8 or 16
//!   backslashes (each level of escaping doubles it). Overlapping spellings are tried together (a small set of
//!   positions, not backtracking), so the cost is linear in the text.
//! - **Base64 is a set of extra secrets.** The Basic value is one secret of
//!   its own (the target URL's helper adds it); besides, each secret of 8
//!   bytes or more is also looked for as base64 (standard and URL-safe
//!   alphabets) at each of the three alignments it can take inside a longer
//!   base64 text: the characters that depend on the secret alone.
//! - **Whole match, longest first.** A match is replaced by `***` from its
//!   first to its last byte (the longest spelling found at that position);
//!   secrets are tried longest first, so one that contains another is
//!   replaced whole.
//! - **Short secrets are not secrets.** Under 3 bytes a value would cut
//!   ordinary words everywhere; the target URL's user name follows a stricter
//!   rule of its own (see `target::url::url_secrets`).
//! - **Judged as sent, redacted once judged.** The judge sees the answer
//!   as the service sent it (a secret id must still read as a GUID, a
//!   number holding a secret's digits must still be a number); then the
//!   case's result is scrubbed ([`Redactor::scrub`] over the answer kept for
//!   the reports, [`Redactor::apply_cut`] over every finding, which also
//!   masks the beginning of a secret left before a `…` where a value was
//!   cut short). Only an OAuth token is scrubbed from the answer on arrival:
//!   it is fetched during the run, and no judged value should depend on it.
//!   Every text written (terminal, report files, panic messages) is redacted
//!   again, for what we built ourselves (the request as sent holds
//!   substituted secrets).
//! - **One pass.** Every position is tried only against the secrets whose
//!   spellings can start with its byte; the cost on an answer without any
//!   such byte is one table look-up a byte.

use std::borrow::Cow;

/// What a secret is replaced by.
pub const MASK: &str = "***";

/// Secrets shorter than this (in bytes) are not redacted.
const MIN_LEN: usize = 3;
/// Secrets this long or longer are also looked for as base64.
const MIN_BASE64: usize = 8;
/// The fewest base64 characters an aligned form must keep to be looked for.
const MIN_BASE64_FORM: usize = 6;
/// The most levels of escaping looked through (backslashes in a run, `25`s
/// after a `%`): each level doubles a run, so 16 is four levels of JSON in
/// JSON. Bounding the look keeps the cost linear on a text made of
/// backslashes; a longer run is still caught, at its last 16.
const MAX_LEVELS: usize = 16;

/// One secret, ready to be looked for.
#[derive(Debug, Clone)]
struct Secret {
    chars: Vec<char>,
    /// Bytes a spelling of the secret may start with.
    starts: [bool; 256],
}

/// The two position sets of one match, reused across tries.
#[derive(Default)]
struct Scratch {
    here: Vec<usize>,
    next: Vec<usize>,
}

impl Secret {
    fn new(text: &str) -> Secret {
        let chars: Vec<char> = text.chars().collect();
        let mut starts = [false; 256];
        for b in [b'%', b'\\', b'&'] {
            starts[usize::from(b)] = true;
        }
        if let Some(&c) = chars.first() {
            let mut buf = [0; 4];
            starts[usize::from(c.encode_utf8(&mut buf).as_bytes()[0])] = true;
            if c == ' ' {
                starts[usize::from(b'+')] = true;
            }
        }
        Secret { chars, starts }
    }

    /// Walks the secret's characters from `at`: the end of the longest
    /// whole spelling, or with `to_end`, whether a spelling of a prefix of
    /// the secret (at least one character) ends exactly at the text's end.
    fn walk(&self, text: &[u8], at: usize, to_end: bool, s: &mut Scratch) -> Option<usize> {
        s.here.clear();
        s.here.push(at);
        for &c in &self.chars {
            s.next.clear();
            for k in 0..s.here.len() {
                spellings(text, s.here[k], c, &mut s.next);
            }
            if s.next.is_empty() {
                return None;
            }
            s.next.sort_unstable();
            s.next.dedup();
            std::mem::swap(&mut s.here, &mut s.next);
            if to_end && s.here.last() == Some(&text.len()) {
                return Some(text.len());
            }
        }
        if to_end { None } else { s.here.last().copied() }
    }
}

/// Replaces every secret by `***`, in any encoding (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first.
    secrets: Vec<Secret>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut texts: Vec<String> = Vec::new();
        for s in secrets {
            if s.len() < MIN_LEN {
                continue;
            }
            if s.len() >= MIN_BASE64 {
                texts.extend(base64_forms(s.as_bytes()));
            }
            // The form a terminal or a report shows of a secret that holds
            // a control character (`report::visible` writes it `\x01`):
            // the writers redact text already made visible.
            // A JSON pointer's form (RFC 6901): a secret echoed as a
            // property name is quoted in a finding's pointer.
            if s.contains(['/', '~']) {
                texts.push(s.replace('~', "~0").replace('/', "~1"));
            }
            let shown = crate::report::visible(&s);
            if shown != s.as_str() {
                texts.push(shown.into_owned());
            }
            texts.push(s);
        }
        texts.sort();
        texts.dedup();
        texts.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        Redactor {
            secrets: texts.iter().map(|t| Secret::new(t)).collect(),
        }
    }

    /// True when there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The text with every secret replaced by `***`.
    pub fn apply(&self, text: &str) -> String {
        self.apply_str(text).into_owned()
    }

    /// As [`Redactor::apply`], borrowing when nothing was found.
    pub fn apply_str<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.apply_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Whole spellings of whole characters are replaced by ASCII, so
            // what is left is still UTF-8; lossy only to never panic.
            Cow::Owned(b) => Cow::Owned(match String::from_utf8(b) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }),
        }
    }

    /// An answer with every secret gone from its header names and values
    /// and its body.
    pub fn scrub(&self, actual: &mut crate::model::Actual) {
        if self.is_empty() {
            return;
        }
        for (n, v) in &mut actual.headers {
            if let Cow::Owned(s) = self.apply_str(n) {
                *n = s;
            }
            if let Cow::Owned(s) = self.apply_str(v) {
                *v = s;
            }
        }
        if let Cow::Owned(b) = self.apply_bytes(&actual.body) {
            actual.body = b;
        }
    }

    /// Bytes (an answer's body) with every secret replaced by `***`: one
    /// pass, each position tried only against the secrets whose spellings
    /// can start with its byte, longest secret first.
    pub fn apply_bytes<'a>(&self, text: &'a [u8]) -> Cow<'a, [u8]> {
        if self.secrets.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut any = [false; 256];
        for s in &self.secrets {
            for (b, starts) in s.starts.iter().enumerate() {
                any[b] |= starts;
            }
        }
        let mut scratch = Scratch::default();
        let mut out: Option<Vec<u8>> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < text.len() {
            let b = usize::from(text[i]);
            if any[b]
                && let Some(end) = self
                    .secrets
                    .iter()
                    .filter(|s| s.starts[b])
                    .find_map(|s| s.walk(text, i, false, &mut scratch).filter(|&e| e > i))
            {
                let o = out.get_or_insert_with(|| Vec::with_capacity(text.len()));
                o.extend_from_slice(&text[copied..i]);
                o.extend_from_slice(MASK.as_bytes());
                copied = end;
                i = end;
                continue;
            }
            i += 1;
        }
        match out {
            None => Cow::Borrowed(text),
            Some(mut o) => {
                o.extend_from_slice(&text[copied..]);
                Cow::Owned(o)
            }
        }
    }

    /// A text that may hold values cut short (`abc…`, as findings quote
    /// them): every secret redacted, and besides, before each `…`, the
    /// beginning of a secret (3 bytes of its spelling or more) that the cut
    /// left there. Redacting the whole text first and cutting after would
    /// need the judge to know the secrets; this keeps it pure.
    pub fn apply_cut(&self, text: &str) -> String {
        if self.secrets.is_empty() || !text.contains(CUT) {
            return self.apply(text);
        }
        // The beginnings first, on the text as it is (a shorter secret
        // inside one would otherwise be masked first and hide it), then
        // every whole secret.
        let longest = self.secrets.iter().map(|s| s.chars.len() * 16).max();
        let mut scratch = Scratch::default();
        let mut masked = String::with_capacity(text.len());
        let mut last = 0;
        for (p, _) in text.match_indices(CUT) {
            let head = &text.as_bytes()[..p];
            let earliest = p.saturating_sub(longest.unwrap_or(0)).max(last);
            let start = (earliest..p.saturating_sub(2)).find(|&i| {
                text.is_char_boundary(i)
                    && self.secrets.iter().any(|s| {
                        s.starts[usize::from(head[i])]
                            && s.walk(head, i, true, &mut scratch).is_some()
                    })
            });
            if let Some(i) = start {
                masked.push_str(&text[last..i]);
                masked.push_str(MASK);
                last = p;
            }
        }
        masked.push_str(&text[last..]);
        self.apply(&masked)
    }
}

/// What marks a value cut short (`judge::short`).
const CUT: &str = "…";

fn hex_value(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// `HH` at `at` (any case) as a byte value.
fn hex2(text: &[u8], at: usize) -> Option<u8> {
    let h = hex_value(*text.get(at)?)?;
    let l = hex_value(*text.get(at + 1)?)?;
    Some((h * 16 + l) as u8)
}

/// `HHHH` at `at` (any case) as a UTF-16 code unit.
fn hex4(text: &[u8], at: usize) -> Option<u32> {
    let mut v = 0;
    for k in 0..4 {
        v = v * 16 + hex_value(*text.get(at + k)?)?;
    }
    Some(v)
}

/// Every end of a spelling of the byte `b` at `at`: itself, `%HH`,
/// `%25HH` (and deeper), `+` for a space.
fn byte_spellings(text: &[u8], at: usize, b: u8, out: &mut Vec<usize>) {
    let Some(&t) = text.get(at) else {
        return;
    };
    if t == b {
        out.push(at + 1);
    }
    if b == b' ' && t == b'+' {
        out.push(at + 1);
    }
    if t == b'%' {
        // `%` then any number of `25` (each level of encoding adds one),
        // then the byte's hex.
        let mut j = at + 1;
        for _ in 0..MAX_LEVELS {
            match hex2(text, j) {
                Some(v) if v == b => out.push(j + 2),
                _ => {}
            }
            if hex2(text, j) == Some(0x25) {
                j += 2;
            } else {
                break;
            }
        }
    }
}

/// Every end of a spelling of the character `c` at `at`.
fn spellings(text: &[u8], at: usize, c: char, out: &mut Vec<usize>) {
    let mut buf = [0; 4];
    let bytes = c.encode_utf8(&mut buf).as_bytes();
    // Byte by byte: literal or percent-encoded, each byte on its own.
    if let [b] = bytes {
        byte_spellings(text, at, *b, out);
        escape_spellings(text, at, c, out);
        entity_spellings(text, at, c, out);
        return;
    }
    let mut ends = vec![at];
    for &b in bytes {
        let mut next = Vec::with_capacity(2);
        for &j in &ends {
            byte_spellings(text, j, b, &mut next);
        }
        ends = next;
        if ends.is_empty() {
            break;
        }
    }
    out.extend(ends);
    escape_spellings(text, at, c, out);
    entity_spellings(text, at, c, out);
}

/// How many backslashes start at `at`, at most [`MAX_LEVELS`].
fn backslashes(text: &[u8], at: usize) -> usize {
    text.get(at..)
        .unwrap_or_default()
        .iter()
        .take(MAX_LEVELS)
        .take_while(|&&b| b == b'\\')
        .count()
}

/// JSON / JavaScript escapes behind a run of backslashes (one per level of
/// escaping).
fn escape_spellings(text: &[u8], at: usize, c: char, out: &mut Vec<usize>) {
    let run = backslashes(text, at);
    if run == 0 {
        return;
    }
    let j = at + run;
    if c == '\\' {
        // A backslash of the secret: as many backslashes as the levels of
        // escaping make of one (1, 2, 4, 8, 16), or `\u005C` below.
        out.extend(
            [1, 2, 4, 8, 16]
                .into_iter()
                .take_while(|&n| n <= run)
                .map(|n| at + n),
        );
    }
    let Some(&t) = text.get(j) else {
        return;
    };
    // `\/`, `\"`, `\'` and any other character behind backslashes.
    let mut buf = [0; 4];
    let bytes = c.encode_utf8(&mut buf).as_bytes();
    if c != '\\' && text[j..].starts_with(bytes) {
        out.push(j + bytes.len());
    }
    let short = match c {
        '\n' => Some(b'n'),
        '\t' => Some(b't'),
        '\r' => Some(b'r'),
        '\u{8}' => Some(b'b'),
        '\u{c}' => Some(b'f'),
        _ => None,
    };
    if short == Some(t) {
        out.push(j + 1);
    }
    if t == b'u'
        && let Some(unit) = hex4(text, j + 1)
    {
        let mut units = [0u16; 2];
        let want = c.encode_utf16(&mut units);
        if want.len() == 1 && unit == u32::from(want[0]) {
            out.push(j + 5);
        } else if want.len() == 2 && unit == u32::from(want[0]) {
            // The low surrogate, behind its own run of backslashes.
            let k = j + 5;
            let run2 = backslashes(text, k);
            if run2 > 0
                && text.get(k + run2) == Some(&b'u')
                && hex4(text, k + run2 + 1) == Some(u32::from(want[1]))
            {
                out.push(k + run2 + 5);
            }
        }
    }
}

/// XML/HTML character references: `&#43;`, `&#x2B;`, and the five named
/// ones.
fn entity_spellings(text: &[u8], at: usize, c: char, out: &mut Vec<usize>) {
    if text.get(at) != Some(&b'&') {
        return;
    }
    let rest = &text[at + 1..];
    let named: &[u8] = match c {
        '&' => b"amp;",
        '<' => b"lt;",
        '>' => b"gt;",
        '"' => b"quot;",
        '\'' => b"apos;",
        _ => b"",
    };
    if !named.is_empty() && rest.starts_with(named) {
        out.push(at + 1 + named.len());
    }
    if rest.first() != Some(&b'#') {
        return;
    }
    let (radix, digits_at) = match rest.get(1) {
        Some(b'x' | b'X') => (16, 2),
        _ => (10, 1),
    };
    let digits: usize = rest[digits_at.min(rest.len())..]
        .iter()
        .take(8)
        .take_while(|b| (**b as char).is_digit(radix))
        .count();
    if digits == 0 || rest.get(digits_at + digits) != Some(&b';') {
        return;
    }
    let text_digits = &rest[digits_at..digits_at + digits];
    let value = std::str::from_utf8(text_digits)
        .ok()
        .and_then(|d| u32::from_str_radix(d, radix).ok());
    if value == Some(c as u32) {
        out.push(at + 1 + digits_at + digits + 1);
    }
}

/// The base64 texts that stand for a secret inside any longer base64 text:
/// for each alignment (0, 1, 2 bytes before it in its group of 3), the
/// characters that depend on the secret's bytes alone; in the standard and
/// the URL-safe alphabets.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    use base64::Engine as _;
    let mut out = Vec::new();
    for align in 0..3usize {
        let mut bytes = vec![0u8; align];
        bytes.extend_from_slice(secret);
        // Whole groups of 3 only: a last partial group depends on what
        // follows the secret.
        let whole = bytes.len() / 3 * 3;
        if whole == 0 {
            continue;
        }
        for engine in [
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            let text = engine.encode(&bytes[..whole]);
            // The first group's characters that hold padding bits are
            // dropped: with `align` bytes before, the first `align + 1`
            // characters depend on them (none when aligned).
            let skip = if align == 0 { 0 } else { align + 1 };
            let form = &text[skip.min(text.len())..];
            if form.len() >= MIN_BASE64_FORM {
                out.push(form.to_owned());
            }
        }
        // The whole secret encoded alone, padding and all.
        if align == 0 {
            out.push(base64::engine::general_purpose::STANDARD.encode(secret));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(secret: &str, text: &str) -> String {
        Redactor::new([secret.to_owned()]).apply(text)
    }

    /// Spellings of `a/b+c="d\\é😀` (and a base64 secret), by rule. The
    /// binary's table (tests/hardening_secrets.rs) crosses every kind of
    /// secret with every spelling and every output.
    #[test]
    fn each_spelling_rule_is_caught() {
        let s = "a/b+c=\"d\\é😀";
        let table: &[(&str, &str)] = &[
            ("raw", "a/b+c=\"d\\é😀"),
            ("json", r#"a/b+c=\"d\\é😀"#),
            ("json \\/", r#"a\/b+c=\"d\\é😀"#),
            (
                "json \\u upper",
                r"\u0061\u002F\u0062\u002B\u0063\u003D\u0022\u0064\u005C\u00E9\uD83D\uDE00",
            ),
            (
                "json \\u lower",
                r"\u0061\u002f\u0062\u002b\u0063\u003d\u0022\u0064\u005c\u00e9\ud83d\ude00",
            ),
            ("json twice", r#"a/b+c=\\\"d\\\\é😀"#),
            (
                "json \\u twice",
                r"\\u0061/b\\u002Bc=\\u0022d\\u005C\\u00e9\\ud83d\\ude00",
            ),
            ("percent upper", "a%2Fb%2Bc%3D%22d%5C%C3%A9%F0%9F%98%80"),
            ("percent lower", "a%2fb%2bc%3d%22d%5c%c3%a9%f0%9f%98%80"),
            (
                "percent twice",
                "a%252Fb%252Bc%253D%2522d%255C%25C3%25A9%25F0%259F%2598%2580",
            ),
            ("xml references", "&#97;/b&#x2B;c=&quot;d\\&#xe9;&#128512;"),
            ("mixed", r"a\/b%2bc\u003d&quot;d\\\\%C3%A9\uD83D\uDE00"),
        ];
        for (rule, text) in table {
            assert_eq!(redact(s, &format!("<{text}>")), "<***>", "{rule}: {text}");
        }
        use base64::Engine as _;
        let token = "0123456789abcdef0123";
        let b64 = |t: String| base64::engine::general_purpose::STANDARD.encode(t);
        for (rule, text) in [
            ("base64", b64(token.to_owned())),
            ("base64 after 1", b64(format!("x{token}."))),
            ("base64 after 2", b64(format!("xy{token}."))),
            ("base64 in Basic", b64(format!("user:{token}"))),
        ] {
            let out = redact(token, &text);
            assert!(out.contains("***"), "{rule}: {out}");
            // What is left is the few characters that also depend on the
            // text around.
            assert!(out.len() < text.len() / 2, "{rule}: {out}");
        }
    }

    #[test]
    fn mixed_spellings_and_neighbours() {
        let s = "ab/cd+ef";
        // Some characters escaped, some not, some percent-encoded.
        for text in [
            "ab\\/cd\\u002bef",
            "a\\u0062%2Fcd%2bef",
            "ab\\\\\\/cd+ef",
            "&#97;b/cd&#x2B;ef",
        ] {
            assert_eq!(redact(s, text), "***", "{text}");
        }
        // Text around and between is kept; two matches, two masks.
        assert_eq!(redact(s, "x ab/cd+ef y ab/cd+ef z"), "x *** y *** z");
        // Not the secret: left alone.
        assert_eq!(redact(s, "ab/cd+eg"), "ab/cd+eg");
        assert_eq!(redact(s, "ab/cd"), "ab/cd");
        // Short values are not secrets.
        assert_eq!(redact("ab", "ab"), "ab");
    }

    #[test]
    fn the_beginning_of_a_secret_before_a_cut_is_masked() {
        let r = Redactor::new(["s3cret-t0ken/value".to_owned()]);
        // Text before `…` → as shown.
        let table = [
            ("\"s3cret-t0k…\" is not a guid", "\"***…\" is not a guid"),
            ("x s3cret-t0ken/value y", "x *** y"),
            ("id s3c…", "id ***…"),
            ("s3cret\\/val…", "s3cret\\/val…"),
            ("s3cret-t0ken\\/val…", "***…"),
            ("s3cret%2Dt0…", "***…"),
            // Two letters could be anything: kept.
            ("s3… and …", "s3… and …"),
            // Not the secret's beginning.
            ("t0ken/value…", "t0ken/value…"),
            ("a…b s3cret-t…", "a…b ***…"),
        ];
        for (text, want) in table {
            assert_eq!(r.apply_cut(text), want, "{text}");
        }
    }

    #[test]
    fn a_secret_inside_another_is_replaced_whole() {
        let r = Redactor::new(["abcdef".to_owned(), "abcdefghijkl".to_owned()]);
        assert_eq!(r.apply("x abcdefghijkl y abcdef"), "x *** y ***");
    }

    #[test]
    fn hostile_texts_do_not_panic_and_stay_utf8() {
        let r = Redactor::new(["sécret\\\\x".to_owned(), "😀😀😀".to_owned()]);
        for text in [
            "%",
            "%2",
            "%%%",
            "\\",
            "\\u",
            "\\uD83D",
            "\\uD83D\\u",
            "&#",
            "&#x;",
            "&#99999999999;",
            "s%C3",
            "s\\u00e9cret\\",
            "😀\\uD83D\\uDE00😀",
            "😀%F0%9F%98%80\\ud83d\\ude00",
        ] {
            let _ = r.apply(text);
            let _ = r.apply_bytes(text.as_bytes());
        }
        assert_eq!(r.apply("😀\\uD83D\\uDE00%F0%9f%98%80"), "***");
        assert_eq!(r.apply("s\\u00e9cret\\\\\\x"), "***");
        // Invalid UTF-8 around a match.
        let out = r.apply_bytes(b"\xff s\xc3\xa9cret\\\\x \xfe");
        assert_eq!(out.as_ref(), b"\xff *** \xfe");
    }

    #[test]
    fn cost_is_linear_in_runs_of_escape_characters() {
        // Long runs of what could start a spelling: the matcher gives up
        // after the secret's length, whatever the run.
        let r = Redactor::new(["\\\\\\\\zz".to_owned(), "%%%x".to_owned()]);
        let text = "\\".repeat(10_000) + &"%25".repeat(10_000);
        assert!(r.apply(&text) == text, "nothing to redact");
        // The secret at the end of a long run is still found (its `zz` and
        // the backslashes it is spelled with are gone).
        let text = format!("{}zz", "\\".repeat(10_001));
        let out = r.apply(&text);
        assert!(
            out.ends_with("\\***") && !out.contains('z'),
            "{}",
            out.len()
        );
    }
}
