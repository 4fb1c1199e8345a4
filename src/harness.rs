//! The `cargo test` face: one libtest-mimic trial per documented example.
//! A service's own crate uses it as a dev-dependency with a `harness = false`
//! test whose `main` is one line:
//!
//! ```no_run
//! // tests/contract.rs, with `[[test]] name = "contract" harness = false`
//! graph_contract::harness::main()
//! ```
//!
//! Configuration comes from the environment (`TARGET_URL`, then
//! `GRAPH_CONTRACT_*`, the same options as the CLI's flags); libtest's own
//! arguments select (`cargo test -- onenote`, `--exact`, `--list`,
//! `--ignored`, `--test-threads`).
//!
//! The numeric variables (`GRAPH_CONTRACT_TIMEOUT`, `_DEADLINE`, `_JOBS`,
//! `_RETRIES`, `_MAX_BODY`) are read by the [`knob`] parsers the CLI's flags
//! use: same forms, same ranges, and a bad value is a configuration error
//! (exit 2) naming the variable. A panic prints through [`panics`], with the
//! run's secrets taken out; a case that panics fails, with its message
//! redacted like any other failure's.

use crate::docs;
use crate::model::{Case, Severity};
use crate::report::baseline::Baseline;
use crate::report::{self, Outputs, Redactor, Totals};
use crate::run::{CaseResult, MetadataSource, Session, Settings, Verdict};
use crate::scenario::{Scenarios, Vars};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// Exit code for configuration errors (and an empty selection).
pub const EXIT_CONFIG: i32 = 2;

/// Where the harness reads its configuration: the process environment, or a
/// map in tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, empty values treated as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_flag(env: Env, name: &str) -> bool {
    env(name).is_some_and(|v| !matches!(v.trim(), "0" | "false" | "no" | "off"))
}

/// The configuration values that are numbers or headers, each read by one
/// parser whichever face gives it: a `check`/`show`/`mock` flag, the flag's
/// environment form, or the harness's `GRAPH_CONTRACT_*` variable.
///
/// Decisions, and why:
/// - **One parser per unit.** A duration is a decimal number of seconds
///   under both faces (`30`, `2.5`, `1e3`). The harness used to read whole
///   seconds (`GRAPH_CONTRACT_DEADLINE=0.5` was an error there and worked
///   for `check`): the same text now means the same thing everywhere.
/// - **Refused, not clamped.** Every knob has a range, and a value outside
///   it is a configuration error (exit 2) naming the option and the range.
///   `--jobs 0` silently became 1, `--timeout 1e20` panicked in `Duration`:
///   a typo should be said, not guessed at. The bounds are far beyond any
///   real run and small enough that nothing downstream overflows (a
///   deadline is added to `Instant::now()`, a timeout to every exchange):
///
///   | knob | flag / variable | unit | accepted |
///   |---|---|---|---|
///   | timeout | `--timeout`, `GRAPH_CONTRACT_TIMEOUT` | seconds | 0.001 to 86400 (a day) |
///   | deadline | `--deadline`, `GRAPH_CONTRACT_DEADLINE` | seconds | 0.001 to 604800 (a week) |
///   | jobs | `--jobs`, `GRAPH_CONTRACT_JOBS` | exchanges in flight | 1 to 1024 |
///   | retries | `--retries`, `GRAPH_CONTRACT_RETRIES` | retries | 0 to 100 |
///   | max-body | `--max-body`, `GRAPH_CONTRACT_MAX_BODY` | bytes | 1 to 1073741824 (1 GiB) |
///   | repeat | `check --repeat` (benchmarks) | passes | 1 to 10000 |
///   | delay-ms | `mock --delay-ms` | milliseconds | 0 to 86400000 (a day) |
///   | port | `mock --port` | port | 0 to 65535 (0: any free port) |
///
///   0 is refused where it means nothing (no time to answer, no exchange,
///   no byte of body, no pass) and kept where it does (no retry, no delay,
///   any port).
/// - **Numbers are quoted, headers are not.** A refused number is repeated
///   in the message (cut to 40 characters): it is no secret. A header's
///   value never is, nor the text of a name that is not a header name (a
///   credential typed without its colon, `--secret-header 'Bearer abc'`,
///   would be all name): the message says what is wrong with it instead.
/// - **Empty.** An empty flag value (`--timeout=`) is refused. An
///   environment variable set to an empty or blank value counts as unset,
///   under both faces: a CI template leaves an undefined variable empty.
pub mod knob {
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

        /// The knob's value in the environment, if set.
        pub fn from_env(&self, env: super::Env) -> Result<Option<Duration>, String> {
            env(self.var)
                .map(|v| {
                    self.parse(&v)
                        .map_err(|e| format!("{}={}: {e}", self.var, quoted(&v)))
                })
                .transpose()
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

        /// The knob's value in the environment, if the harness reads it and
        /// it is set.
        pub fn from_env(&self, env: super::Env) -> Result<Option<u64>, String> {
            let Some(var) = self.var else {
                return Ok(None);
            };
            env(var)
                .map(|v| {
                    self.parse(&v)
                        .map_err(|e| format!("{var}={}: {e}", quoted(&v)))
                })
                .transpose()
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
}

/// Panic messages without the run's secrets, for both faces (`check` and
/// friends, and [`main`]).
///
/// Decisions, and why:
/// - **A hook of our own, not the default one.** The default hook prints the
///   panic's message as it is, and a message may quote an answer, a header
///   or a variable, any of which may hold a token. Ours prints the same
///   lines (thread, place, message, a backtrace when `RUST_BACKTRACE` asks)
///   with every secret the run knows replaced by `***`.
/// - **Withheld until the secrets are known.** Before a face has read its
///   configuration, the hook cannot tell a secret from any other text: it
///   prints where the panic happened, not what it said. The faces say the
///   secrets as soon as they have them ([`known_secrets`]); commands that
///   read no secret (`list`, `lint`, `mock`, `schema`) say so at once.
/// - **Secrets add up.** Several runs in one process (tests calling
///   [`run`] in turn) each add theirs; none is ever forgotten.
/// - **Never blocks.** A panic while the list is being updated finds it
///   locked and withholds the message rather than wait on itself.
pub mod panics {
    use crate::report::Redactor;
    use std::sync::{Mutex, Once, TryLockError};

    /// The secrets known so far; `None` until a face says it knows them.
    static SECRETS: Mutex<Option<Vec<String>>> = Mutex::new(None);

    /// Replace the process's panic hook by the redacting one (once).
    pub fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| {
                let payload = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned());
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                let thread = std::thread::current();
                let redactor = match SECRETS.try_lock() {
                    Ok(guard) => guard.as_ref().map(|s| Redactor::new(s.iter().cloned())),
                    Err(TryLockError::Poisoned(e)) => e
                        .into_inner()
                        .as_ref()
                        .map(|s| Redactor::new(s.iter().cloned())),
                    Err(TryLockError::WouldBlock) => None,
                };
                let mut text = render(
                    thread.name().unwrap_or("<unnamed>"),
                    location.as_deref(),
                    payload.as_deref(),
                    redactor.as_ref(),
                );
                let trace = std::backtrace::Backtrace::capture();
                if trace.status() == std::backtrace::BacktraceStatus::Captured {
                    text.push_str(&format!("stack backtrace:\n{trace}\n"));
                }
                use std::io::Write as _;
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }));
        });
    }

    /// The run's secrets are known: from now on panic messages are printed,
    /// with these replaced (in addition to any said before).
    pub fn known_secrets(secrets: impl IntoIterator<Item = String>) {
        let mut guard = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
        guard.get_or_insert_with(Vec::new).extend(secrets);
    }

    /// What the hook prints for a panic: the thread, the place, then the
    /// message with the secrets replaced, or a note that it is withheld when
    /// the secrets are not known yet (`redactor` is `None`).
    pub fn render(
        thread: &str,
        location: Option<&str>,
        message: Option<&str>,
        redactor: Option<&Redactor>,
    ) -> String {
        let at = location.unwrap_or("an unknown place");
        let body = match (message, redactor) {
            (_, None) => "(message withheld: the run's secrets were not known yet, \
                          and it might have held one)"
                .to_owned(),
            (Some(m), Some(r)) => r.apply(m),
            (None, Some(_)) => "(no message)".to_owned(),
        };
        format!(
            "thread '{thread}' panicked at {at}:\n{body}\n\
             graph-contract: this is a bug in graph-contract, please report it\n"
        )
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn render_replaces_secrets_and_withholds_before_they_are_known() {
            let r = Redactor::new(["tok-S3CRET-1".to_owned(), "pw-Hidden".to_owned()]);
            let msg =
                "index out of bounds in answer {\"t\":\"tok-S3CRET-1\"} from http://u:pw-Hidden@h/";
            // (thread, location, message, redactor) → must contain / must not.
            type Row<'a> = (
                Option<&'a str>,
                Option<&'a Redactor>,
                &'a [&'a str],
                &'a [&'a str],
            );
            let rows: &[Row] = &[
                (
                    Some(msg),
                    Some(&r),
                    &[
                        "thread 'w' panicked at src/x.rs:1:2:",
                        "index out of bounds",
                        "***",
                    ],
                    &["tok-S3CRET-1", "pw-Hidden"],
                ),
                (
                    Some(msg),
                    None,
                    &["thread 'w' panicked at src/x.rs:1:2:", "withheld"],
                    &["tok-S3CRET-1", "pw-Hidden", "index out of bounds"],
                ),
                (None, Some(&r), &["(no message)"], &[]),
            ];
            for (message, redactor, present, absent) in rows {
                let text = render("w", Some("src/x.rs:1:2"), *message, *redactor);
                for p in *present {
                    assert!(text.contains(p), "{p:?} in {text}");
                }
                for a in *absent {
                    assert!(!text.contains(a), "{a:?} not in {text}");
                }
            }
            assert!(render("w", None, Some("m"), Some(&r)).contains("an unknown place"));
        }
    }
}

/// The run settings described by the environment.
pub fn settings_from_env(env: Env) -> Result<Settings, String> {
    let mut s = Settings {
        target: env("TARGET_URL"),
        ..Settings::default()
    };
    let token_url = env("GRAPH_CONTRACT_OAUTH_TOKEN_URL");
    if let Some(url) = &token_url {
        knob::oauth_token_url("GRAPH_CONTRACT_OAUTH_TOKEN_URL", url)?;
    }
    s.send.credentials = crate::target::auth::from_env(
        env,
        "GRAPH_CONTRACT_TOKEN",
        token_url,
        env("GRAPH_CONTRACT_OAUTH_SCOPE"),
    )?;
    if let crate::target::Credentials::Token(t) = &s.send.credentials {
        knob::token("GRAPH_CONTRACT_TOKEN", t)?;
    }
    s.deadline = knob::DEADLINE.from_env(env)?;
    s.send.allow_writes = env_flag(env, "GRAPH_CONTRACT_ALLOW_WRITES");
    s.send.fill_placeholders = env_flag(env, "GRAPH_CONTRACT_FILL_PLACEHOLDERS");
    s.send.case_header = env_flag(env, "GRAPH_CONTRACT_CASE_HEADER");
    if let Some(t) = knob::TIMEOUT.from_env(env)? {
        s.send.timeout = t;
    }
    // Within 1..=1024 (and 0..=100, 1..=1 GiB): they fit any usize and u32.
    if let Some(jobs) = knob::JOBS.from_env(env)? {
        s.send.jobs = jobs as usize;
    }
    if let Some(retries) = knob::RETRIES.from_env(env)? {
        s.send.retries = retries as u32;
    }
    if let Some(max) = knob::MAX_BODY.from_env(env)? {
        s.send.max_body = max as usize;
    }
    s.judge.strict = env_flag(env, "GRAPH_CONTRACT_STRICT");
    s.deny_warnings = env_flag(env, "GRAPH_CONTRACT_DENY_WARNINGS");
    s.vars = match env("GRAPH_CONTRACT_VARS") {
        Some(p) => Vars::load(std::path::Path::new(&p))?,
        None => Vars::default(),
    }
    .with_env(std::env::vars());
    if let Some(p) = env("GRAPH_CONTRACT_SCENARIOS") {
        s.scenarios = Scenarios::load(std::path::Path::new(&p), &s.vars)?;
    }
    if let Some(p) = env("GRAPH_CONTRACT_METADATA") {
        let meta =
            crate::csdl::Metadata::load(std::path::Path::new(&p)).map_err(|e| e.to_string())?;
        let judge = crate::csdl::SchemaJudge::new(Arc::new(meta));
        judge.compile_all().map_err(|e| format!("{p}: {e}"))?;
        s.metadata = Some(MetadataSource::File(Arc::new(judge)));
    } else if env_flag(env, "GRAPH_CONTRACT_METADATA_FROM_TARGET") {
        s.metadata = Some(MetadataSource::from_target());
    }
    if let Some(p) = env("GRAPH_CONTRACT_BASELINE") {
        s.baseline = Baseline::load(std::path::Path::new(&p))?;
    }
    Ok(s)
}

/// Where the pages are: `GRAPH_CONTRACT_SPECS`, else `specs/` of the crate
/// under test.
pub fn specs_path(env: Env) -> PathBuf {
    match env("GRAPH_CONTRACT_SPECS") {
        Some(p) => PathBuf::from(p),
        None => {
            let local = PathBuf::from("specs");
            match env("CARGO_MANIFEST_DIR") {
                Some(dir) if !local.exists() => PathBuf::from(dir).join("specs"),
                _ => local,
            }
        }
    }
}

/// What a harness run did.
pub struct Outcome {
    /// The process exit code: 0, or 101 when a case failed (libtest's).
    pub code: i32,
    pub cases: Arc<Vec<Case>>,
    /// The result of every case that ran, in case order.
    pub results: Vec<CaseResult>,
}

/// Run the contract tests and exit: the whole `main` of a `harness = false`
/// test target.
pub fn main() -> ! {
    panics::install();
    let args = Arguments::from_args();
    match run(args, &process_env) {
        Ok(outcome) => std::process::exit(outcome.code),
        Err(message) => {
            eprintln!("graph-contract: error: {}", report::visible(&message));
            std::process::exit(EXIT_CONFIG)
        }
    }
}

/// The harness with explicit arguments and environment.
pub fn run(mut args: Arguments, env: Env) -> Result<Outcome, String> {
    let settings = settings_from_env(env)?;
    panics::known_secrets(settings.secrets());
    let specs = specs_path(env);
    if !specs.exists() {
        return Err(format!(
            "no pages at {} (set GRAPH_CONTRACT_SPECS to a page or a folder of pages)",
            specs.display()
        ));
    }
    let corpus = docs::read_paths(&[specs.as_path()]);
    if corpus.cases.is_empty() {
        return Err(format!(
            "no documented example found under {}",
            specs.display()
        ));
    }
    let jobs = settings.send.jobs;
    // Exchanges are I/O bound: run many at once unless told otherwise.
    if args.test_threads.is_none() {
        args.test_threads = Some(jobs);
    }
    let outputs = Outputs {
        junit: env("GRAPH_CONTRACT_JUNIT").map(PathBuf::from),
        json: env("GRAPH_CONTRACT_JSON").map(PathBuf::from),
        summary: env("GRAPH_CONTRACT_SUMMARY").map(PathBuf::from),
        write_baseline: env("GRAPH_CONTRACT_WRITE_BASELINE").map(PathBuf::from),
    };
    if !args.list && under_nextest(env) {
        let vars = [
            ("GRAPH_CONTRACT_JUNIT", &outputs.junit),
            ("GRAPH_CONTRACT_JSON", &outputs.json),
            ("GRAPH_CONTRACT_SUMMARY", &outputs.summary),
            ("GRAPH_CONTRACT_WRITE_BASELINE", &outputs.write_baseline),
        ];
        if let Some((var, _)) = vars.iter().find(|(_, p)| p.is_some()) {
            return Err(format!(
                "{var} is set under cargo nextest, which runs each case in its own process: \
                 the file would hold only the last case. Use nextest's own JUnit report \
                 ([profile.ci.junit] in .config/nextest.toml), or `graph-contract check`, \
                 or `cargo test`, for graph-contract's reports"
            ));
        }
    }
    let enforced = report::enforced(settings.judge.strict, settings.deny_warnings);
    let redactor = Redactor::new(settings.secrets());
    let nextest = under_nextest(env);
    // Under nextest each case is a process of its own, and the warnings
    // would repeat in every one: cargo test and `check` say them.
    if !args.list && !nextest {
        for w in crate::run::stale_references(&corpus.cases, &settings) {
            eprintln!("graph-contract: warning: {}", report::shown(&redactor, &w));
        }
    }
    let cases = Arc::new(corpus.cases);
    // nextest knows only the ignores of the listing, and would show a case
    // ignored when it runs as passed: under nextest, the cases known not to
    // run are listed (and run) as ignored. Under cargo test they stay
    // ignored at run time, where libtest prints the reason beside them.
    // Listing opens nothing; a run takes them from its session, opened now
    // rather than at the first case.
    let mut opened = None;
    let known_ignored: HashSet<usize> = if !nextest {
        HashSet::new()
    } else if args.list {
        Session::static_ignores(&settings, cases.clone())?
            .into_keys()
            .collect()
    } else {
        let session = open_session(&settings, &cases)?;
        let ignored = (0..cases.len())
            .filter(|&i| session.ignore_reason(i).is_some())
            .collect();
        opened = Some(session);
        ignored
    };
    let names = redactor.clone();
    let trial_of = |index: usize, run: Box<dyn FnOnce() -> Result<Completion, Failed> + Send>| {
        let case = &cases[index];
        Trial::ignorable_test(report::shown(&names, &case.id), run)
            .with_kind(case.request.method.clone())
            .with_ignored_flag(known_ignored.contains(&index))
    };
    // Cases of a page touched by a scenario run one at a time, in order:
    // each waits for the selected case before it on its page (a case that
    // will not run, filtered out or ignored, takes no turn).
    let mut order = HashMap::new();
    let mut next: HashMap<&str, usize> = HashMap::new();
    for (i, c) in cases.iter().enumerate() {
        if !settings.scenarios.touches_page(&c.page_id) {
            continue;
        }
        let probe = trial_of(i, Box::new(|| Ok(Completion::Completed)));
        if args.is_filtered_out(&probe) || args.is_ignored(&probe) {
            continue;
        }
        let n = next.entry(c.page_id.as_str()).or_default();
        order.insert(i, (c.page_id.clone(), *n));
        *n += 1;
    }
    let shared = Arc::new(Shared {
        order,
        turns: Mutex::new(HashMap::new()),
        turn_changed: Condvar::new(),
        cases: cases.clone(),
        settings,
        session: OnceLock::new(),
        results: Mutex::new(Vec::new()),
        redactor,
        color: report::stdout_color(),
    });
    if let Some(session) = opened {
        let _ = shared.session.set(Ok(session));
    }
    let trials: Vec<Trial> = (0..cases.len())
        .map(|index| {
            let shared2 = shared.clone();
            trial_of(index, Box::new(move || shared2.run_trial(index)))
        })
        .collect();

    if !args.list {
        let selected = trials.iter().filter(|t| !args.is_filtered_out(t)).count();
        if selected == 0 {
            return Err(format!(
                "the selection {} matched none of the {} cases read from {}",
                describe_filter(&args),
                trials.len(),
                specs.display()
            ));
        }
        // A target that cannot be used is a configuration error (exit 2),
        // not the same failure repeated for every case.
        if let Err(e) = shared.open() {
            return Err(e.clone());
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    let mut results =
        std::mem::take(&mut *shared.results.lock().unwrap_or_else(|e| e.into_inner()));
    results.sort_by_key(|r| r.index);
    let cases = shared.cases.clone();
    if !args.list {
        let fixed = match shared.session.get() {
            Some(Ok(session)) => session.fixed(&results),
            _ => Vec::new(),
        };
        print_epilogue(&cases, &results, &fixed, &shared.redactor);
        report::write_outputs(
            &outputs,
            &cases,
            &results,
            &enforced,
            &fixed,
            &shared.redactor,
        )?;
    }
    Ok(Outcome {
        code: if conclusion.has_failed() { 101 } else { 0 },
        cases,
        results,
    })
}

/// What every trial of a harness run shares.
struct Shared {
    /// Case index → (page id, position among the page's selected cases),
    /// for pages whose cases run in order.
    order: HashMap<usize, (String, usize)>,
    /// Page id → position whose turn it is.
    turns: Mutex<HashMap<String, usize>>,
    turn_changed: Condvar,
    cases: Arc<Vec<Case>>,
    settings: Settings,
    /// Opened by the first trial that runs (so `--list` starts nothing).
    session: OnceLock<Result<Arc<Session>, String>>,
    results: Mutex<Vec<CaseResult>>,
    redactor: Redactor,
    color: bool,
}

impl Shared {
    /// The session, opened on first use.
    fn open(&self) -> &Result<Arc<Session>, String> {
        self.session
            .get_or_init(|| open_session(&self.settings, &self.cases))
    }

    fn session(&self) -> Result<&Arc<Session>, Failed> {
        self.open()
            .as_ref()
            .map_err(|e| Failed::from(format!("graph-contract: {e}")))
    }

    fn run_trial(&self, index: usize) -> Result<Completion, Failed> {
        let session = self.session();
        let result = match self.order.get(&index) {
            None => session.map(|s| run_caught(s, index)),
            Some((page, position)) => {
                let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
                while turns.get(page).copied().unwrap_or(0) != *position {
                    turns = self
                        .turn_changed
                        .wait(turns)
                        .unwrap_or_else(|e| e.into_inner());
                }
                drop(turns);
                // Caught: a panic must still pass the page's turn on.
                let r = session.map(|s| run_caught(s, index));
                let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
                *turns.entry(page.clone()).or_default() += 1;
                self.turn_changed.notify_all();
                r
            }
        };
        let result = result?;
        let outcome = match &result.verdict {
            Verdict::Ignored(reason) => Ok(Completion::ignored_with(report::shown(
                &self.redactor,
                reason,
            ))),
            Verdict::Pass => Ok(Completion::Completed),
            Verdict::KnownFailure => Ok(Completion::ignored_with(
                "known failure (listed in the baseline)",
            )),
            Verdict::Fail => Err(Failed::from(self.redactor.apply(&report::case_details(
                &self.cases[index],
                &result,
                self.color,
                true,
            )))),
        };
        self.results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(result);
        outcome
    }
}

/// Run one case; a panic becomes the case's failure. libtest-mimic would
/// catch it too, but print its message as it is (`test panicked: ...`),
/// where the run's redactor never sees it; and a case of an ordered page
/// must hand the turn on whatever happens.
fn run_caught(session: &Session, index: usize) -> CaseResult {
    let run = std::panic::AssertUnwindSafe(|| session.runtime.block_on(session.run_case(index)));
    std::panic::catch_unwind(run).unwrap_or_else(|panic| {
        let text = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the case panicked".to_owned());
        CaseResult {
            index,
            verdict: Verdict::Fail,
            findings: vec![crate::model::Finding {
                pointer: String::new(),
                kind: crate::model::FindingKind::Transport,
                severity: Severity::Error,
                message: format!("internal error: {text}"),
                documented: None,
                actual: None,
            }],
            duration: std::time::Duration::ZERO,
            sent: None,
            actual: None,
        }
    })
}

/// Open the run's session and say what it talks to.
fn open_session(settings: &Settings, cases: &Arc<Vec<Case>>) -> Result<Arc<Session>, String> {
    let s = Arc::new(Session::open(settings.clone(), cases.clone())?);
    eprintln!("graph-contract: {}", s.describe_target());
    Ok(s)
}

/// True when cargo nextest runs this process for one test (it sets these
/// for every test process).
fn under_nextest(env: Env) -> bool {
    env("NEXTEST_EXECUTION_MODE").is_some_and(|m| m == "process-per-test")
        || env("NEXTEST").is_some_and(|v| v == "1")
}

fn describe_filter(args: &Arguments) -> String {
    let mut parts = Vec::new();
    if let Some(f) = &args.filter {
        parts.push(format!(
            "filter {f:?}{}",
            if args.exact { " (exact)" } else { "" }
        ));
    }
    for s in &args.skip {
        parts.push(format!("--skip {s:?}"));
    }
    if args.ignored {
        parts.push("--ignored".into());
    }
    if parts.is_empty() {
        "(none)".into()
    } else {
        parts.join(", ")
    }
}

/// Warnings of passing cases and the ignored reasons, after libtest's lines.
fn print_epilogue(cases: &[Case], results: &[CaseResult], fixed: &[String], redactor: &Redactor) {
    let mut out = String::new();
    for r in results {
        if r.verdict == Verdict::Pass && r.warnings().next().is_some() {
            let case = &cases[r.index];
            out.push_str(&format!(
                "warning: {} ({}:{})\n",
                case.id,
                case.page,
                case.line()
            ));
            for f in r
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
            {
                out.push_str(&format!("  {f}\n"));
            }
        }
    }
    let totals = Totals::of(results);
    if totals.warnings > 0 || totals.ignored_total() > 0 {
        out.push_str(&format!("graph-contract: {} warning(s)", totals.warnings));
        for (reason, n) in &totals.ignored {
            out.push_str(&format!("; {n} ignored: {reason}"));
        }
        out.push('\n');
    }
    for id in fixed {
        out.push_str(&format!(
            "graph-contract: fixed, remove from the baseline: {id}\n"
        ));
    }
    print!("{}", report::shown(redactor, &out));
}
