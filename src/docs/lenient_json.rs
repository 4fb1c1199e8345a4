//! A forgiving JSON reader for the JSON the pages actually hold.
//!
//! Annotation comments and example bodies are hand-written: trailing commas,
//! missing commas between members, unquoted keys, `//` comments, `...` lines
//! standing for elided content, smart quotes, non-breaking spaces and raw
//! control characters inside strings all occur. `serde_json` rejects them;
//! dropping those examples would hide real contracts. This module reads them
//! anyway into a `serde_json::Value` and lists every repair it made (with its
//! byte offset), so the caller can raise a lint warning naming the line.
//!
//! Callers try `serde_json` first; this parser only runs on text it rejected,
//! so its speed matters little; but it runs on whatever a page holds, so it
//! is linear on any input, and bounded:
//! - **depth**: at most [`MAX_DEPTH`] nested arrays and objects, the deepest
//!   serde_json reads (its recursion limit). One limit for the whole crate:
//!   a value read here is one the mock can send and the judge can read back,
//!   and the recursion here stays shallow (no stack overflow on `[` × 10⁷).
//!   Deeper text fails with [`Failure::too_deep`] at the offset where the
//!   limit is crossed; the reader then keeps the body as text and says so.
//! - **repairs**: the first of each kind is always kept (the summary names
//!   every kind), then at most [`MAX_REPAIRS`] in all: a run of ten million
//!   commas costs no more memory than its text.

use serde_json::{Map, Number, Value};

/// One repair made while reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// Byte offset in the input where the repair applies.
    pub offset: usize,
    /// What was repaired, short (`trailing comma`, `missing comma`, ...).
    pub what: &'static str,
}

/// Why the text could not be read even leniently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub offset: usize,
    pub message: String,
    /// Failed only because arrays and objects nest deeper than [`MAX_DEPTH`].
    pub too_deep: bool,
}

/// Read `text` leniently. The top-level value must be an object or an array
/// (anything else is not worth guessing at). Returns the value and the
/// repairs, in input order.
pub fn parse(text: &str) -> Result<(Value, Vec<Repair>), Failure> {
    let mut p = Parser {
        s: text,
        i: 0,
        repairs: Vec::new(),
        kinds: Vec::new(),
        depth: 0,
    };
    p.ws();
    match p.peek() {
        Some('{') | Some('[') => {}
        _ => return Err(p.fail("not an object or array")),
    }
    let v = p.value()?;
    p.ws();
    if p.i < p.s.len() {
        p.repair("text after the value");
    }
    Ok((v, p.repairs))
}

/// Read strictly with serde_json, and leniently when that fails.
/// `Ok((value, repairs))` with empty repairs means the text was valid JSON.
pub fn parse_any(text: &str) -> Result<(Value, Vec<Repair>), Failure> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok((v, Vec::new())),
        Err(_) => parse(text),
    }
}

/// A short, one-line summary of the repairs (distinct kinds, in order).
pub fn summary(repairs: &[Repair]) -> String {
    let mut kinds: Vec<&str> = Vec::new();
    for r in repairs {
        if !kinds.contains(&r.what) {
            kinds.push(r.what);
        }
    }
    kinds.join(", ")
}

/// The deepest nesting of arrays and objects read: serde_json's (its
/// recursion limit of 128 lets 127 containers nest).
pub const MAX_DEPTH: usize = 127;

/// Repairs listed past the first of each kind.
pub const MAX_REPAIRS: usize = 256;

struct Parser<'a> {
    s: &'a str,
    i: usize,
    repairs: Vec<Repair>,
    /// The kinds repaired so far (a few dozen at most).
    kinds: Vec<&'static str>,
    depth: usize,
}

fn is_open_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\'' | '\u{2018}' | '\u{2019}'
    )
}

fn closes(open: char, c: char) -> bool {
    match open {
        '"' => c == '"',
        '\'' => c == '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' => matches!(c, '\u{201D}' | '\u{201C}' | '"'),
        '\u{2018}' | '\u{2019}' => matches!(c, '\u{2019}' | '\u{2018}' | '\''),
        _ => false,
    }
}

fn is_bare(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '_' | '@' | '.' | '$' | '-' | '+' | '#' | '<' | '>' | ':' | '/'
        )
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += c.len_utf8();
        Some(c)
    }

    fn fail(&self, message: &str) -> Failure {
        Failure {
            offset: self.i,
            message: message.to_string(),
            too_deep: false,
        }
    }

    fn repair_at(&mut self, offset: usize, what: &'static str) {
        let new_kind = !self.kinds.contains(&what);
        if new_kind {
            self.kinds.push(what);
        }
        if new_kind || self.repairs.len() < MAX_REPAIRS {
            self.repairs.push(Repair { offset, what });
        }
    }

    fn repair(&mut self, what: &'static str) {
        self.repair_at(self.i, what);
    }

    /// Skip whitespace (also non-breaking and zero-width spaces), comments
    /// and `...` ellipsis markers.
    fn ws(&mut self) {
        loop {
            let Some(c) = self.peek() else { return };
            match c {
                ' ' | '\t' | '\n' | '\r' => {
                    self.i += 1;
                }
                '\u{00A0}' | '\u{200B}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{202F}' => {
                    self.repair("non-breaking or zero-width space");
                    self.i += c.len_utf8();
                }
                '/' if self.s[self.i..].starts_with("//") => {
                    self.repair("comment");
                    let end = self.s[self.i..]
                        .find('\n')
                        .map_or(self.s.len(), |n| self.i + n);
                    self.i = end;
                }
                '/' if self.s[self.i..].starts_with("/*") => {
                    self.repair("comment");
                    let end = self.s[self.i + 2..]
                        .find("*/")
                        .map_or(self.s.len(), |n| self.i + 2 + n + 2);
                    self.i = end;
                }
                '.' if self.s[self.i..].starts_with("..") => {
                    self.repair("ellipsis");
                    while let Some('.') = self.peek() {
                        self.i += 1;
                    }
                }
                '\u{2026}' => {
                    self.repair("ellipsis");
                    self.i += c.len_utf8();
                }
                _ => return,
            }
        }
    }

    fn value(&mut self) -> Result<Value, Failure> {
        self.ws();
        let Some(c) = self.peek() else {
            return Err(self.fail("unexpected end of text"));
        };
        match c {
            '{' => self.object(),
            '[' => self.array(),
            c if is_open_quote(c) => {
                if c != '"' {
                    self.repair("non-ASCII or single quotes");
                }
                Ok(Value::String(self.string()?))
            }
            '-' | '0'..='9' => self.number_or_bare(),
            _ if is_bare(c) => {
                let word = self.bare();
                Ok(match word {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    w => {
                        self.repair("unquoted value");
                        Value::String(w.to_string())
                    }
                })
            }
            _ => Err(self.fail("unexpected character")),
        }
    }

    fn enter(&mut self) -> Result<(), Failure> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Failure {
                too_deep: true,
                ..self.fail(&format!("nested more than {MAX_DEPTH} levels deep"))
            });
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, Failure> {
        self.enter()?;
        self.i += 1; // '{'
        let mut map = Map::new();
        let mut need_comma = false;
        while !self.next_item(
            '}',
            ']',
            &mut need_comma,
            "unbalanced braces",
            "mismatched bracket",
        ) {
            let key = self.key()?;
            self.ws();
            if let Some(':') = self.peek() {
                self.i += 1;
            } else {
                self.repair("missing colon");
            }
            let v = self.value()?;
            map.insert(key, v);
            need_comma = true;
        }
        self.depth -= 1;
        Ok(Value::Object(map))
    }

    /// Before each member or element: skip commas (repairing trailing,
    /// extra and missing ones) and say whether the container ends here, at
    /// its closing character, at the other kind's (mismatched) or at the end
    /// of the text (unbalanced).
    fn next_item(
        &mut self,
        close: char,
        other: char,
        need_comma: &mut bool,
        unbalanced: &'static str,
        mismatched: &'static str,
    ) -> bool {
        loop {
            self.ws();
            match self.peek() {
                None => {
                    self.repair(unbalanced);
                    return true;
                }
                Some(c) if c == close => {
                    self.i += 1;
                    return true;
                }
                Some(',') => {
                    let at = self.i;
                    self.i += 1;
                    self.ws();
                    if self.peek() == Some(close) {
                        self.repair_at(at, "trailing comma");
                    } else if !*need_comma {
                        self.repair_at(at, "extra comma");
                    }
                    *need_comma = false;
                }
                Some(c) if c == other => {
                    self.repair(mismatched);
                    self.i += 1;
                    return true;
                }
                Some(_) => {
                    if *need_comma {
                        self.repair("missing comma");
                    }
                    return false;
                }
            }
        }
    }

    fn key(&mut self) -> Result<String, Failure> {
        match self.peek() {
            Some(c) if is_open_quote(c) => {
                if c != '"' {
                    self.repair("non-ASCII or single quotes");
                }
                self.string()
            }
            Some(c) if is_bare(c) => {
                self.repair("unquoted key");
                let start = self.i;
                while let Some(c) = self.peek() {
                    if c.is_alphanumeric() || matches!(c, '_' | '@' | '.' | '$' | '-' | '#') {
                        self.i += c.len_utf8();
                    } else {
                        break;
                    }
                }
                Ok(self.s[start..self.i].to_string())
            }
            _ => Err(self.fail("expected a member name")),
        }
    }

    fn array(&mut self) -> Result<Value, Failure> {
        self.enter()?;
        self.i += 1; // '['
        let mut items = Vec::new();
        let mut need_comma = false;
        while !self.next_item(
            ']',
            '}',
            &mut need_comma,
            "unbalanced brackets",
            "mismatched brace",
        ) {
            items.push(self.value()?);
            need_comma = true;
        }
        self.depth -= 1;
        Ok(Value::Array(items))
    }

    /// A quoted string; the opening quote is at `self.i`. Raw control
    /// characters are kept (with a repair); unknown escapes are kept as
    /// written.
    fn string(&mut self) -> Result<String, Failure> {
        let open = self.bump().unwrap_or('"');
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                self.repair("unterminated string");
                return Ok(out);
            };
            if closes(open, c) {
                return Ok(out);
            }
            match c {
                '\\' => {
                    let Some(e) = self.bump() else {
                        self.repair("unterminated string");
                        return Ok(out);
                    };
                    match e {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let hex = self.s.get(self.i..self.i + 4).unwrap_or("");
                            match u32::from_str_radix(hex, 16) {
                                Ok(n)
                                    if hex.len() == 4
                                        && hex.bytes().all(|b| b.is_ascii_hexdigit()) =>
                                {
                                    self.i += 4;
                                    let ch = if (0xD800..0xDC00).contains(&n)
                                        && self.s[self.i..].starts_with("\\u")
                                    {
                                        let lo_hex =
                                            self.s.get(self.i + 2..self.i + 6).unwrap_or("");
                                        match u32::from_str_radix(lo_hex, 16) {
                                            Ok(lo) if (0xDC00..0xE000).contains(&lo) => {
                                                self.i += 6;
                                                char::from_u32(
                                                    0x10000 + ((n - 0xD800) << 10) + (lo - 0xDC00),
                                                )
                                            }
                                            _ => None,
                                        }
                                    } else {
                                        char::from_u32(n)
                                    };
                                    out.push(ch.unwrap_or('\u{FFFD}'));
                                }
                                _ => {
                                    self.repair("invalid escape");
                                    out.push_str("\\u");
                                }
                            }
                        }
                        other => {
                            self.repair("invalid escape");
                            out.push('\\');
                            out.push(other);
                        }
                    }
                }
                c if (c as u32) < 0x20 => {
                    self.repair_at(self.i - 1, "raw control character in string");
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }

    fn bare(&mut self) -> &'a str {
        let start = self.i;
        while let Some(c) = self.peek() {
            if is_bare(c) {
                self.i += c.len_utf8();
            } else {
                break;
            }
        }
        &self.s[start..self.i]
    }

    fn number_or_bare(&mut self) -> Result<Value, Failure> {
        let start = self.i;
        let word = self.bare();
        if let Ok(Value::Number(n)) = serde_json::from_str::<Value>(word) {
            return Ok(Value::Number(n));
        }
        if let Ok(f) = word.parse::<f64>()
            && let Some(n) = Number::from_f64(f)
        {
            self.repair_at(start, "non-JSON number");
            return Ok(Value::Number(n));
        }
        self.repair_at(start, "unquoted value");
        Ok(Value::String(word.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(text: &str) -> (Value, Vec<&'static str>) {
        let (v, r) = parse(text).unwrap();
        (v, r.into_iter().map(|r| r.what).collect())
    }

    #[test]
    fn trailing_and_missing_commas() {
        let (v, k) = kinds("{\"a\": 1,\n \"b\": [1, 2,],\n}");
        assert_eq!(v, json!({"a": 1, "b": [1, 2]}));
        assert_eq!(k, ["trailing comma", "trailing comma"]);
        let (v, k) = kinds("{\"a\": \"x\"\n \"b\": true}");
        assert_eq!(v, json!({"a": "x", "b": true}));
        assert_eq!(k, ["missing comma"]);
    }

    #[test]
    fn unquoted_keys_comments_ellipsis_smart_quotes() {
        let (v, k) = kinds("{ isCollection: true, // note\n \"v\": [ {\"id\": 1},\n ...\n ] }");
        assert_eq!(v, json!({"isCollection": true, "v": [{"id": 1}]}));
        assert!(k.contains(&"unquoted key") && k.contains(&"comment") && k.contains(&"ellipsis"));
        let (v, _) = kinds("{\u{201C}name\u{201D}:\u{00A0}\u{201C}x\u{201D}}");
        assert_eq!(v, json!({"name": "x"}));
    }

    #[test]
    fn control_chars_and_unbalanced() {
        let (v, k) = kinds("{\"d\": \"line one\nline two\"");
        assert_eq!(v, json!({"d": "line one\nline two"}));
        assert_eq!(k, ["raw control character in string", "unbalanced braces"]);
    }

    #[test]
    fn refuses_scalars_and_garbage() {
        assert!(parse("42").is_err());
        assert!(parse("hello").is_err());
        assert!(parse("{\"a\": }").is_err());
    }
}
