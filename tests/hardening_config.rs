//! Issue #11, configuration: no flag or variable value can crash a run,
//! slip a header past the checks, or print a secret.
//!
//! - Every numeric knob, flag and variable, refuses every bad value (not a
//!   number, NaN, infinities, negative, 0 where it means nothing, too large,
//!   past `u64::MAX`, empty) with exit 2 (the CLI) or a configuration error
//!   (the harness), naming the option and its range; never a panic.
//! - Both faces take the same forms (`0.5` seconds is half a second for
//!   `check` and for `cargo test`).
//! - A header (or token) that would split a request, or whose name is not a
//!   token, is a configuration error naming the option, never its value.
//! - `show` sends and prints what `check` would: variables in place, secret
//!   ones as `***`, scenario captures after their setup.
//! - `--help` never shows an environment value.

mod support;

use graph_contract::harness;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use support::{Req, Resp, binary, crate_path, output_text, serve, tmp_dir};

/// A page of one plain case the built-in mock answers.
const PAGE: &str = "fixtures/e2e/onenote-get-operation.md";

/// Values no numeric knob takes; `0` is added for knobs where it means
/// nothing.
const BAD_NUMBERS: &[&str] = &[
    "abc",
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "infinity",
    "-1",
    "1e20",
    "18446744073709551616",
    "99999999999999999999999999",
    "0x10",
    "1,5",
    "5s",
];

/// (command and arguments before the knob, flag, 0 is refused too, a
/// whole number is expected).
const CLI_KNOBS: &[(&[&str], &str, bool, bool)] = &[
    (&["check", PAGE], "--timeout", true, false),
    (&["check", PAGE], "--deadline", true, false),
    (&["check", PAGE], "--jobs", true, true),
    (&["check", PAGE], "--retries", false, true),
    (&["check", PAGE], "--max-body", true, true),
    (&["check", PAGE], "--repeat", true, true),
    (
        &["show", "onenote-get-operation::get_onenoteoperation", PAGE],
        "--timeout",
        true,
        false,
    ),
    (
        &["show", "onenote-get-operation::get_onenoteoperation", PAGE],
        "--deadline",
        true,
        false,
    ),
    (
        &["show", "onenote-get-operation::get_onenoteoperation", PAGE],
        "--retries",
        false,
        true,
    ),
    (
        &["show", "onenote-get-operation::get_onenoteoperation", PAGE],
        "--max-body",
        true,
        true,
    ),
    (&["mock", PAGE], "--delay-ms", false, true),
    (&["mock", PAGE], "--port", false, true),
];

fn no_panic(what: &str, text: &str) {
    for p in ["panicked", "RUST_BACKTRACE", "unwrap()"] {
        assert!(!text.contains(p), "{what}: panic text {p:?}: {text}");
    }
}

#[test]
fn every_numeric_flag_refuses_every_bad_value_with_exit_2_naming_it() {
    for (before, flag, zero_refused, whole) in CLI_KNOBS {
        let mut bad: Vec<&str> = BAD_NUMBERS.to_vec();
        if *zero_refused {
            bad.extend(["0", "0.0", "1e-9"]);
        }
        if *whole {
            bad.extend(["2.5", "1e3"]);
        }
        for value in bad {
            let out = binary()
                .args(*before)
                .arg(format!("{flag}={value}"))
                .output()
                .unwrap();
            let t = output_text(&out);
            let what = format!("{before:?} {flag}={value:?}");
            assert_eq!(out.status.code(), Some(2), "{what}: {t}");
            assert!(t.contains(flag), "{what} names the flag: {t}");
            // The range is said (every message but clap's own for `u16`
            // has "from A to B").
            assert!(
                t.contains(" to ") || t.contains("..="),
                "{what} says the range: {t}"
            );
            no_panic(&what, &t);
        }
    }
}

#[test]
fn the_flags_environment_forms_refuse_the_same_values_naming_the_variable() {
    for (var, flag) in [
        ("GRAPH_CONTRACT_DEADLINE", "--deadline"),
        ("GRAPH_CONTRACT_JOBS", "--jobs"),
    ] {
        for value in ["1e20", "nan", "-1", "0", "abc", "18446744073709551616"] {
            let out = binary()
                .args(["check", PAGE])
                .env(var, value)
                .output()
                .unwrap();
            let t = output_text(&out);
            assert_eq!(out.status.code(), Some(2), "{var}={value}: {t}");
            assert!(t.contains(flag) && t.contains(var), "{var}={value}: {t}");
            no_panic(var, &t);
        }
        // Blank is unset, as under the harness: the run goes on.
        let out = binary()
            .args(["check", PAGE, "-q"])
            .env(var, " ")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{var} blank: {}",
            output_text(&out)
        );
    }
}

/// A harness run over `PAGE` with an injected environment.
fn harness_with(env: &[(&str, &str)]) -> Result<harness::Outcome, String> {
    let mut map: HashMap<String, String> = HashMap::from([(
        "GRAPH_CONTRACT_SPECS".to_owned(),
        crate_path(PAGE).display().to_string(),
    )]);
    for (k, v) in env {
        map.insert((*k).to_owned(), (*v).to_owned());
    }
    let lookup = graph_contract::config::Env::from_pairs(map.clone());
    let log = support::harness_log();
    let args = libtest_mimic::Arguments::from_iter(["contract", "--quiet", "--logfile", &log]);
    harness::run(args, &lookup).map_err(|e| e.to_string())
}

#[test]
fn every_numeric_variable_of_the_harness_is_a_configuration_error_naming_it() {
    // (variable, 0 is refused too, a whole number is expected)
    let knobs = [
        ("GRAPH_CONTRACT_TIMEOUT", true, false),
        ("GRAPH_CONTRACT_DEADLINE", true, false),
        ("GRAPH_CONTRACT_JOBS", true, true),
        ("GRAPH_CONTRACT_RETRIES", false, true),
        ("GRAPH_CONTRACT_MAX_BODY", true, true),
    ];
    for (var, zero_refused, whole) in knobs {
        let mut bad: Vec<&str> = BAD_NUMBERS.to_vec();
        if zero_refused {
            bad.extend(["0", "0.0", "1e-9"]);
        }
        if whole {
            bad.extend(["2.5", "1e3"]);
        }
        // Blank is unset under the harness too, injected or not (it used
        // to be an error only when injected): the run goes on.
        for blank in ["", " "] {
            bad.retain(|v| v != &blank);
            let r = harness_with(&[(var, blank)]);
            assert!(r.is_ok(), "{var}={blank:?} is unset: {:?}", r.err());
        }
        for value in bad {
            let r = std::panic::catch_unwind(|| harness_with(&[(var, value)]));
            let r = r.unwrap_or_else(|_| panic!("{var}={value:?} panicked"));
            let e = r
                .err()
                .unwrap_or_else(|| panic!("{var}={value:?} accepted"));
            assert!(e.contains(var), "{var}={value:?}: {e}");
            assert!(e.contains(" to "), "{var}={value:?} says the range: {e}");
        }
    }
    assert_eq!(harness::EXIT_CONFIG, 2);
}

#[test]
fn both_faces_take_the_same_forms_of_a_duration() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        graph_contract::config::Env::from_pairs(pairs.iter().copied())
    };
    // (text, seconds): fractions and exponents under both faces.
    let forms: &[(&str, f64)] = &[("0.5", 0.5), ("2", 2.0), ("1e1", 10.0), (" 3 ", 3.0)];
    for &(text, secs) in forms {
        let want = std::time::Duration::from_secs_f64(secs);
        let pairs: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
            ("GRAPH_CONTRACT_DEADLINE", text),
            ("GRAPH_CONTRACT_TIMEOUT", text),
        ]));
        // The harness used whole seconds: 0.5 was an error there.
        let s = harness::settings_from_env(&env(pairs)).unwrap();
        assert_eq!(s.deadline, Some(want), "{text:?}");
        assert_eq!(s.send.timeout, want, "{text:?}");
        for flag in ["--deadline", "--timeout"] {
            let out = binary()
                .args(["check", PAGE, "-q", flag, text])
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{flag} {text:?}: {}",
                output_text(&out)
            );
        }
        let out = binary()
            .args(["check", PAGE, "-q"])
            .env("GRAPH_CONTRACT_DEADLINE", text)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{text:?}: {}",
            output_text(&out)
        );
    }
    // The edges of the ranges are in them: the run goes on (a 1 ms timeout
    // may well fail its case: exit 1, not 2).
    for (flag, value) in [
        ("--timeout", "86400"),
        ("--timeout", "0.001"),
        ("--deadline", "604800"),
        ("--jobs", "1024"),
        ("--jobs", "1"),
        ("--retries", "0"),
        ("--retries", "100"),
        ("--max-body", "1073741824"),
    ] {
        let out = binary()
            .args(["check", PAGE, "-q", flag, value])
            .output()
            .unwrap();
        let t = output_text(&out);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{flag} {value}: {t}"
        );
        assert!(t.contains("test result:"), "{flag} {value}: {t}");
    }
}

// ---------------------------------------------------------------- headers

const SECRET: &str = "S3CRET-hdr-7777";

#[test]
fn a_header_that_would_split_a_request_or_has_no_token_name_is_exit_2() {
    // (value after the flag, what the message says)
    let rows: &[(String, &str)] = &[
        (format!("X-Key: a{SECRET}\r\nX-Evil: 1"), "carriage return"),
        (format!("X-Key: a{SECRET}\nX-Evil: 1"), "line feed"),
        (format!("X-Key: {SECRET}\rX"), "carriage return"),
        (format!("X-Key: {SECRET}\x1b[2J"), "control character"),
        (format!("X Key: {SECRET}"), "not a header name"),
        (format!("X-Key{SECRET} more: v"), "not a header name"),
        (format!("X\r\nKey: {SECRET}"), "not a header name"),
        (format!("(X): {SECRET}"), "not a header name"),
        (format!("Ключ: {SECRET}"), "not a header name"),
        (format!(": {SECRET}"), "no header name"),
        (format!("Bearer {SECRET}"), "'Name: value'"),
        (
            format!("Content-Length: 1{SECRET}"),
            "sets this header itself",
        ),
        (
            format!("transfer-encoding: {SECRET}"),
            "sets this header itself",
        ),
    ];
    for flag in ["--header", "--secret-header"] {
        for (value, says) in rows {
            for command in [
                &["check", PAGE][..],
                &["show", "onenote-get-operation::get_onenoteoperation", PAGE],
            ] {
                let out = binary()
                    .args(command)
                    .arg(flag)
                    .arg(value)
                    .output()
                    .unwrap();
                let t = output_text(&out);
                let what = format!("{} {flag} {value:?}", command[0]);
                assert_eq!(out.status.code(), Some(2), "{what}: {t}");
                assert!(t.contains(flag), "{what} names the flag: {t}");
                assert!(t.contains(says), "{what} says {says:?}: {t}");
                assert!(!t.contains(SECRET), "{what} repeats the value: {t}");
                no_panic(&what, &t);
            }
        }
    }
    // A value that starts with `-` is a value, not a flag clap would quote.
    let out = binary()
        .args(["check", PAGE, "-q", "--secret-header"])
        .arg(format!("-X-{SECRET}"))
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(!t.contains(SECRET), "{t}");
    // A good one is fine.
    let out = binary()
        .args([
            "check",
            PAGE,
            "-q",
            "--header",
            "X-Ok: a\tb",
            "--secret-header",
        ])
        .arg(format!("X-Key: {SECRET}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
}

#[test]
fn a_token_that_would_split_its_header_is_a_configuration_error_in_both_faces() {
    // (A NUL cannot be passed in an argument or a variable: the knob's
    // unit tests have it.)
    for token in [format!("{SECRET}\n"), format!("{SECRET}\r\nX-Evil: 1")] {
        let out = binary()
            .args(["check", PAGE])
            .env("GRAPH_CONTRACT_TOKEN", &token)
            .output()
            .unwrap();
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(2), "{token:?}: {t}");
        assert!(t.contains("GRAPH_CONTRACT_TOKEN"), "{t}");
        assert!(!t.contains(SECRET), "{t}");
        let out = binary()
            .args(["check", PAGE, "--token-env", "MY_TOKEN"])
            .env("MY_TOKEN", &token)
            .output()
            .unwrap();
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(2), "{token:?}: {t}");
        assert!(t.contains("MY_TOKEN") && !t.contains(SECRET), "{t}");

        let e = harness_with(&[("GRAPH_CONTRACT_TOKEN", &token)])
            .err()
            .expect("refused");
        assert!(
            e.contains("GRAPH_CONTRACT_TOKEN") && !e.contains(SECRET),
            "{e}"
        );
    }
    for name in ["", " ", "A=B"] {
        let out = binary()
            .args(["check", PAGE, "--token-env", name])
            .output()
            .unwrap();
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(2), "{name:?}: {t}");
        assert!(t.contains("--token-env"), "{t}");
    }
    // A token endpoint that is no http(s) URL, and is not repeated.
    let url = format!("ftp://user:{SECRET}@host/token");
    let out = binary()
        .args(["check", PAGE, "--oauth-token-url", &url])
        .env("GRAPH_CONTRACT_CLIENT_ID", "id")
        .env("GRAPH_CONTRACT_CLIENT_SECRET", "secret-value")
        .output()
        .unwrap();
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("--oauth-token-url") && !t.contains(SECRET),
        "{t}"
    );
    let e = harness_with(&[("GRAPH_CONTRACT_OAUTH_TOKEN_URL", &url)])
        .err()
        .expect("refused");
    assert!(
        e.contains("GRAPH_CONTRACT_OAUTH_TOKEN_URL") && !e.contains(SECRET),
        "{e}"
    );
}

// ---------------------------------------------------------------- show

const USERS_PAGE: &str = "# Users\n\n\
<!-- { \"blockType\": \"request\", \"name\": \"get_user\" } -->\n\
```http\nGET https://graph.microsoft.com/v1.0/users/{user-id}\nX-Api-Key: {api-key}\n```\n\n\
<!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 200 OK\n\
Content-Type: application/json\n\n{\"id\": \"String\"}\n```\n\n\
<!-- { \"blockType\": \"request\", \"name\": \"get_made_user\" } -->\n\
```http\nGET https://graph.microsoft.com/v1.0/users/{made-id}\n```\n\n\
<!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 200 OK\n\
Content-Type: application/json\n\n{\"id\": \"String\"}\n```\n";

/// The lines under `title` in `show`'s output, up to the next blank line.
fn section(text: &str, title: &str) -> String {
    text.lines()
        .skip_while(|l| !l.starts_with(title))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

const VAR_SECRET: &str = "k-S3CRET-var-9999";

#[test]
fn show_prepares_a_case_exactly_as_check_with_vars_and_scenarios() {
    let dir = tmp_dir("hardening-config-show");
    let page = dir.join("users.md");
    std::fs::write(&page, USERS_PAGE).unwrap();
    let vars = dir.join("vars.toml");
    std::fs::write(
        &vars,
        format!("[vars]\nuser-id = \"u-42\"\n[secrets]\napi-key = \"{VAR_SECRET}\"\n"),
    )
    .unwrap();
    let scenarios = dir.join("scenarios.toml");
    std::fs::write(
        &scenarios,
        "[[scenario]]\ncase = \"users::get_made_user\"\n\
         [[scenario.setup]]\nmethod = \"POST\"\nurl = \"/v1.0/users\"\n\
         body = '{\"displayName\": \"x\"}'\ncapture = { made-id = \"/id\" }\n",
    )
    .unwrap();
    let seen: Arc<Mutex<Vec<Req>>> = Arc::default();
    let s = seen.clone();
    let server = serve(move |req: Req| {
        s.lock().unwrap().push(req.clone());
        let id = if req.method == "POST" { "m-7" } else { "u-42" };
        Resp::json(
            if req.method == "POST" { 201 } else { 200 },
            &serde_json::json!({"id": id}),
        )
    });
    let show = |case: &str| {
        let out = binary()
            .args(["show", case])
            .arg(&page)
            .args(["--target", &server.url])
            .arg("--vars")
            .arg(&vars)
            .arg("--scenarios")
            .arg(&scenarios)
            .output()
            .unwrap();
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(0), "{case}: {t}");
        assert!(
            !t.contains(VAR_SECRET),
            "{case}: the secret var is printed: {t}"
        );
        t
    };

    // Variables: the curl line and the request sent carry their values.
    let t = show("users::get_user");
    let curl = section(&t, "request to send:");
    assert!(curl.contains("/v1.0/users/u-42"), "{curl}\n{t}");
    assert!(curl.contains("X-Api-Key: ***"), "{curl}\n{t}");
    assert!(t.contains("verdict: pass"), "{t}");
    {
        let seen = seen.lock().unwrap();
        let get = seen.iter().find(|r| r.method == "GET").expect("sent");
        assert_eq!(get.path, "/v1.0/users/u-42");
        assert_eq!(get.header("x-api-key"), Some(VAR_SECRET));
    }

    // A scenario's capture: prepared after its setup, shown as sent.
    seen.lock().unwrap().clear();
    let t = show("users::get_made_user");
    assert!(
        t.contains("prepared once its scenarios' setup has run"),
        "{t}"
    );
    let sent = section(&t, "request sent:");
    assert!(sent.contains("/v1.0/users/m-7"), "{sent}\n{t}");
    let paths: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(paths, ["POST /v1.0/users", "GET /v1.0/users/m-7"]);

    // `check` sends the same.
    seen.lock().unwrap().clear();
    let out = binary()
        .args(["check", "-q"])
        .arg(&page)
        .args(["--target", &server.url, "--jobs", "1"])
        .arg("--vars")
        .arg(&vars)
        .arg("--scenarios")
        .arg(&scenarios)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let mut paths: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "GET /v1.0/users/m-7",
            "GET /v1.0/users/u-42",
            "POST /v1.0/users"
        ]
    );
}

// ---------------------------------------------------------------- help

#[test]
fn help_never_shows_an_environment_value() {
    let secrets = [
        ("TARGET_URL", "http://user:S3CRETpw@host.example/"),
        ("GRAPH_CONTRACT_TOKEN", "tok-S3CRET-help-1"),
        ("GRAPH_CONTRACT_CLIENT_SECRET", "cs-S3CRET-help-2"),
        (
            "GRAPH_CONTRACT_OAUTH_TOKEN_URL",
            "https://u:S3CRET-oauth@login.example/token",
        ),
        ("GRAPH_CONTRACT_OAUTH_SCOPE", "scope-S3CRET-3"),
        ("GRAPH_CONTRACT_VARS", "/S3CRET/vars.toml"),
        ("GRAPH_CONTRACT_SCENARIOS", "/S3CRET/scenarios.toml"),
        ("GRAPH_CONTRACT_METADATA", "/S3CRET/metadata.xml"),
        ("GRAPH_CONTRACT_BASELINE", "/S3CRET/baseline.txt"),
        ("GRAPH_CONTRACT_DEADLINE", "4242.5"),
        ("GRAPH_CONTRACT_JOBS", "987"),
        ("GRAPH_CONTRACT_ALLOW_WRITES", "S3CRET"),
    ];
    for command in [
        &["--help"][..],
        &["check", "--help"],
        &["show", "--help"],
        &["list", "--help"],
        &["lint", "--help"],
        &["mock", "--help"],
        &["schema", "--help"],
        &["help", "check"],
        &["check", "-h"],
    ] {
        let mut c = binary();
        c.args(command);
        for (k, v) in secrets {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        let t = output_text(&out);
        assert_eq!(out.status.code(), Some(0), "{command:?}: {t}");
        for needle in ["S3CRET", "4242.5", "987"] {
            assert!(!t.contains(needle), "{command:?} shows {needle:?}: {t}");
        }
        // No value of any variable: `[env: NAME]`, never `[env: NAME=...]`.
        for (i, _) in t.match_indices("[env: ") {
            let name: String = t[i + 6..].chars().take_while(|c| *c != ']').collect();
            assert!(!name.contains('='), "{command:?} shows [env: {name}]: {t}");
        }
        if command[0] == "check" {
            // Which variable a flag reads is still said.
            assert!(t.contains("TARGET_URL"), "{t}");
        }
    }
}
