//! The configuration values that are numbers or headers, each read by one
//! parser whichever face gives it: a `check`/`show`/`mock` flag, the flag's
//! environment form, or the harness's `GRAPH_CONTRACT_*` variable.
//!
//! Decisions, and why:
//! - **One parser per unit.** A duration is a decimal number of seconds
//!   under both faces (`30`, `2.5`, `1e3`). The harness used to read whole
//!   seconds (`GRAPH_CONTRACT_DEADLINE=0.5` was an error there and worked
//!   for `check`): the same text now means the same thing everywhere.
//! - **Refused, not clamped.** Every knob has a range, and a value outside
//!   it is a configuration error (exit 2) naming the option and the range.
//!   `--jobs 0` silently became 1, `--timeout 1e20` panicked in `Duration`:
//!   a typo should be said, not guessed at. The bounds are far beyond any
//!   real run and small enough that nothing downstream overflows (a
//!   deadline is added to `Instant::now()`, a timeout to every exchange):
//!
//!   | knob | flag / variable | unit | accepted |
//!   |---|---|---|---|
//!   | timeout | `--timeout`, `GRAPH_CONTRACT_TIMEOUT` | seconds | 0.001 to 86400 (a day) |
//!   | deadline | `--deadline`, `GRAPH_CONTRACT_DEADLINE` | seconds | 0.001 to 604800 (a week) |
//!   | jobs | `--jobs`, `GRAPH_CONTRACT_JOBS` | exchanges in flight | 1 to 1024 |
//!   | retries | `--retries`, `GRAPH_CONTRACT_RETRIES` | retries | 0 to 100 |
//!   | max-body | `--max-body`, `GRAPH_CONTRACT_MAX_BODY` | bytes | 1 to 1073741824 (1 GiB) |
//!   | repeat | `check --repeat` (benchmarks) | passes | 1 to 10000 |
//!   | delay-ms | `mock --delay-ms` | milliseconds | 0 to 86400000 (a day) |
//!   | port | `mock --port` | port | 0 to 65535 (0: any free port) |
//!
//!   0 is refused where it means nothing (no time to answer, no exchange,
//!   no byte of body, no pass) and kept where it does (no retry, no delay,
//!   any port).
//! - **Numbers are quoted, headers are not.** A refused number is repeated
//!   in the message (cut to 40 characters): it is no secret. A header's
//!   value never is, nor the text of a name that is not a header name (a
//!   credential typed without its colon, `--secret-header 'Bearer abc'`,
//!   would be all name): the message says what is wrong with it instead.
//! - **Empty.** An empty flag value (`--timeout=`) is refused. An
//!   environment variable set to an empty or blank value counts as unset,
//!   under both faces: a CI template leaves an undefined variable empty.

use std::time::Duration;

/// A duration knob, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Seconds {
    pub flag: &'static str,
    /// The harness variable (also the flag's environment form, where the
    /// flag has one).
    pub var: &'static str,
    pub min: f64,
    pub max: f64,
}

/// A whole-number knob.
#[derive(Debug, Clone, Copy)]
pub struct Count {
    pub flag: &'static str,
    /// The harness variable, if the harness reads this knob.
    pub var: Option<&'static str>,
    pub min: u64,
    pub max: u64,
    /// What is counted, for the message.
    pub unit: &'static str,
}

pub const TIMEOUT: Seconds = Seconds {
    flag: "--timeout",
    var: "GRAPH_CONTRACT_TIMEOUT",
    min: 0.001,
    max: 86_400.0,
};
pub const DEADLINE: Seconds = Seconds {
    flag: "--deadline",
    var: "GRAPH_CONTRACT_DEADLINE",
    min: 0.001,
    max: 604_800.0,
};
pub const JOBS: Count = Count {
    flag: "--jobs",
    var: Some("GRAPH_CONTRACT_JOBS"),
    min: 1,
    max: 1024,
    unit: "exchanges in flight",
};
pub const RETRIES: Count = Count {
    flag: "--retries",
    var: Some("GRAPH_CONTRACT_RETRIES"),
    min: 0,
    max: 100,
    unit: "retries",
};

/// `--follow-pages`: further pages of a collection followed.
pub const FOLLOW_PAGES: Count = Count {
    flag: "--follow-pages",
    var: Some("GRAPH_CONTRACT_FOLLOW_PAGES"),
    min: 0,
    max: 100,
    unit: "pages",
};
pub const MAX_BODY: Count = Count {
    flag: "--max-body",
    var: Some("GRAPH_CONTRACT_MAX_BODY"),
    min: 1,
    max: 1 << 30,
    unit: "bytes",
};
pub const REPEAT: Count = Count {
    flag: "--repeat",
    var: None,
    min: 1,
    max: 10_000,
    unit: "passes",
};
pub const PORT: Count = Count {
    flag: "--port",
    var: None,
    min: 0,
    max: 65_535,
    unit: "port (0: any free one)",
};
pub const DELAY_MS: Count = Count {
    flag: "--delay-ms",
    var: None,
    min: 0,
    max: 86_400_000,
    unit: "milliseconds",
};

/// A refused value as the message quotes it: at most 40 characters.
pub fn quoted(text: &str) -> String {
    let cut: String = text.chars().take(40).collect();
    if cut.len() < text.len() {
        format!("{:?}...", cut)
    } else {
        format!("{text:?}")
    }
}

/// A percentage from 0 to 100 (`--min-coverage`); a trailing `%` is
/// allowed.
pub fn percent(text: &str) -> Result<f64, String> {
    const RULE: &str = "must be a percentage from 0 to 100";
    let t = text.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim_end();
    if t.is_empty() {
        return Err(format!("empty: {RULE}"));
    }
    match t.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        Ok(p) if p.is_nan() => Err(format!("not a number: {RULE}")),
        Ok(_) => Err(format!("out of range: {RULE}")),
        Err(_) => Err(format!("not a number: {RULE}")),
    }
}

impl Seconds {
    /// What the knob accepts, for messages.
    pub fn rule(&self) -> String {
        format!(
            "must be a number of seconds from {} to {}",
            self.min, self.max
        )
    }

    /// The duration `text` gives, or the rule it breaks (without the
    /// knob's name: the caller says where the value came from).
    pub fn parse(&self, text: &str) -> Result<Duration, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err(format!("empty: {}", self.rule()));
        }
        match t.parse::<f64>() {
            Ok(s) if s.is_finite() && s >= self.min && s <= self.max => {
                Duration::try_from_secs_f64(s).map_err(|_| self.rule())
            }
            Ok(s) if s.is_nan() => Err(format!("not a number: {}", self.rule())),
            Ok(_) => Err(format!("out of range: {}", self.rule())),
            Err(_) => Err(format!("not a number: {}", self.rule())),
        }
    }
}

impl Count {
    /// What the knob accepts, for messages.
    pub fn rule(&self) -> String {
        format!(
            "must be a whole number of {} from {} to {}",
            self.unit, self.min, self.max
        )
    }

    /// The number `text` gives, or the rule it breaks (without the
    /// knob's name).
    pub fn parse(&self, text: &str) -> Result<u64, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err(format!("empty: {}", self.rule()));
        }
        match t.parse::<u64>() {
            Ok(n) if (self.min..=self.max).contains(&n) => Ok(n),
            Ok(_) => Err(format!("out of range: {}", self.rule())),
            // `1e3`, `-1`, `2.5`, a number past u64::MAX: a number, but
            // not one of these.
            Err(_) if t.parse::<f64>().is_ok_and(|f| !f.is_nan()) => {
                Err(format!("out of range: {}", self.rule()))
            }
            Err(_) => Err(format!("not a whole number: {}", self.rule())),
        }
    }

    /// [`Count::parse`] as a `usize`.
    pub fn parse_usize(&self, text: &str) -> Result<usize, String> {
        self.parse(text)
            .and_then(|n| usize::try_from(n).map_err(|_| self.rule()))
    }
}

/// Headers a caller may not set: they frame the message, and the client
/// computes them (a wrong one would desynchronise every exchange).
pub const FRAMING_HEADERS: &[&str] = &["content-length", "transfer-encoding"];

/// An extra request header, `Name: value`, given with `option`
/// (`--header`, `--secret-header`). The name must be an HTTP token and
/// the value free of control characters (CR and LF would start another
/// header). The message names the option and never repeats the value,
/// nor a name that is not a header name.
pub fn header(option: &str, text: &str) -> Result<(String, String), String> {
    let (name, value) = text.split_once(':').ok_or_else(|| {
        // Without the colon, the value cannot be told from the name:
        // none of it is repeated (it may be a credential).
        format!("{option} value must look like 'Name: value' (no ':' in the one given)")
    })?;
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() {
        return Err(format!(
            "{option}: no header name before the ':' (expected 'Name: value')"
        ));
    }
    if let Some(c) = name.chars().find(|c| !is_token_char(*c)) {
        return Err(format!(
            "{option}: the text before the first ':' is not a header name: it holds {} \
             (a name is letters, digits and !#$%&'*+-.^_`|~; expected 'Name: value')",
            describe_char(c)
        ));
    }
    // Every control character but the tab: C0 and DEL split or garble
    // the head, and C1 ones (U+0085, NEL) are line breaks to some
    // readers.
    if let Some(c) = value.chars().find(|&c| c.is_control() && c != '\t') {
        return Err(format!(
            "{option} {}: the value holds {} (a header value is one line of text)",
            short(name),
            describe_char(c)
        ));
    }
    if FRAMING_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "{option} {}: the client sets this header itself (it frames the body)",
            short(name)
        ));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// A header name as a message shows it: at most 40 characters, so that
/// no message grows with its input.
fn short(name: &str) -> String {
    match name.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &name[..i]),
        None => name.to_owned(),
    }
}

/// An HTTP token character (RFC 9110 `tchar`).
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// A character named without printing it (it may be part of a secret;
/// a control character would reach the terminal).
fn describe_char(c: char) -> String {
    match c {
        '\r' => "a carriage return (CR)".into(),
        '\n' => "a line feed (LF)".into(),
        '\0' => "a NUL byte".into(),
        ' ' => "a space".into(),
        '\t' => "a tab".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c if !c.is_ascii() => format!("the non-ASCII character U+{:04X}", c as u32),
        c => format!("the character U+{:04X}", c as u32),
    }
}

/// The bearer token, `token_var` naming where it came from: it goes in
/// an `Authorization` header, so it must be one line of text (a token
/// file read with its final newline would fail every case otherwise).
/// Never repeated.
pub fn token(token_var: &str, token: &str) -> Result<(), String> {
    match token.chars().find(|&c| c.is_control()) {
        Some(c) => Err(format!(
            "{token_var}: the token holds {} (a bearer token is one line of text)",
            describe_char(c)
        )),
        None => Ok(()),
    }
}

/// The OAuth token endpoint, `option` naming where it came from: an
/// http or https URL. Not repeated (it may carry credentials).
pub fn oauth_token_url(option: &str, url: &str) -> Result<(), String> {
    match ::url::Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        Ok(_) => Err(format!(
            "{option}: the token endpoint must be an http or https URL"
        )),
        Err(e) => Err(format!(
            "{option}: the token endpoint does not parse as a URL ({e})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rules() {
        // (text, accepted, what the message says)
        let rows: &[(&str, bool, &str)] = &[
            ("X-A: b", true, ""),
            ("  X-A :  b c\t ", true, ""),
            ("X-A:", true, ""),
            ("X-A: caf\u{e9}", true, ""),
            ("X-A: a\0b", false, "NUL"),
            ("X-A: a\rb", false, "carriage return"),
            ("X-A: a\nb", false, "line feed"),
            ("X-A: a\x7fb", false, "U+007F"),
            ("X-A: a\u{85}b", false, "U+0085"),
            ("X\0A: b", false, "not a header name"),
            ("X A: b", false, "a space"),
            ("X-A b", false, "no ':'"),
            (": b", false, "no header name"),
            ("Content-Length: 3", false, "sets this header itself"),
        ];
        for (text, ok, says) in rows {
            match header("--header", text) {
                Ok(_) => assert!(ok, "{text:?} accepted"),
                Err(e) => {
                    assert!(!ok, "{text:?}: {e}");
                    assert!(e.contains(says) && e.contains("--header"), "{text:?}: {e}");
                }
            }
        }
        assert!(token("T", "a\0b").unwrap_err().contains("NUL"));
        assert!(token("T", "abc.def-ghi_jkl").is_ok());
    }

    #[test]
    fn percent_rules() {
        let rows: &[(&str, Result<f64, &str>)] = &[
            ("80", Ok(80.0)),
            ("80%", Ok(80.0)),
            (" 12.5 % ", Ok(12.5)),
            ("0", Ok(0.0)),
            ("100", Ok(100.0)),
            ("100.01", Err("out of range")),
            ("-1", Err("out of range")),
            ("NaN", Err("not a number")),
            ("inf", Err("out of range")),
            ("eighty", Err("not a number")),
            ("", Err("empty")),
            ("%", Err("empty")),
        ];
        for (text, want) in rows {
            match (percent(text), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, *w, "{text:?}"),
                (Err(e), Err(w)) => assert!(e.starts_with(w), "{text:?}: {e}"),
                (got, w) => panic!("{text:?}: got {got:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn number_rules() {
        assert_eq!(TIMEOUT.parse("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(TIMEOUT.parse("86400"), Ok(Duration::from_secs(86_400)));
        assert!(TIMEOUT.parse("86400.001").is_err());
        assert!(DEADLINE.parse("1e300").is_err());
        assert_eq!(JOBS.parse("+7"), Ok(7));
        assert_eq!(RETRIES.parse("0"), Ok(0));
        assert!(JOBS.parse("0").unwrap_err().contains("from 1 to 1024"));
        assert!(MAX_BODY.parse("1e3").unwrap_err().contains("out of range"));
        assert!(PORT.parse("65536").is_err());
        assert_eq!(quoted(&"9".repeat(100)).len(), 45);
    }
}
