//! Pointing the docs at a real service: variables that replace the docs'
//! `{placeholders}` with real ids, and scenarios that create what a case
//! reads (setup requests whose JSON answers fill variables by JSON pointer)
//! and remove it afterwards (teardown requests, run even when the case
//! fails). Both are TOML files; a syntax error names file, line and column,
//! and a scenario that uses a name nobody provides is refused before any
//! request is sent.
//!
//! Decisions:
//! - **Values are data where they stand.** A variable, an environment
//!   value or a value captured from the service is percent-encoded in a URL
//!   (as one path segment's data before `?`, one query component's after),
//!   JSON-escaped in a JSON body, and put as it is in a header or another
//!   body. So a service answering `"id": "../../admin/@evil.invalid"` steers
//!   no teardown DELETE: it goes to `.../items/..%2F..%2Fadmin%2F%40evil.invalid`.
//!   A value that can only be a dot segment (`.`, `..`) is refused by the
//!   URL mapping. Hence a value cannot stand for a whole URL or several
//!   segments (`{item-path}` = `a/b` travels as `a%2Fb`): a scenario
//!   rebuilds such URLs from their parts.
//! - **One pass.** What is put in is never read again as a placeholder, so
//!   a secret holding `{x}` or `<x>` is neither filled nor quoted.
//! - **TOML errors quote nothing of the file**: a value next to the error
//!   may be a secret, and errors are printed before redaction is set up.
//!   Location and kind (`v.toml:3:9: invalid type: integer, expected a
//!   string`) say what to fix.

use crate::error::{Error, Location, line_col};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

/// A variables file.
///
/// ```toml
/// [vars]
/// user-id = "48d31887-5fad-4d73-a9f5-3c356e68a038"
///
/// [secrets]            # like vars, but never printed
/// api-key = "..."
///
/// [[match]]            # for cases whose id contains `cases`
/// cases = "onenote"
/// vars = { id = "1-abc" }
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarsFile {
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    #[serde(default, rename = "match")]
    pub matches: Vec<VarsMatch>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarsMatch {
    /// A substring of the case id (page id and example name).
    pub cases: String,
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
}

/// Variables for a run: the file's, then per-case matches, then
/// `GRAPH_CONTRACT_VAR_<NAME>` from the environment (the name upper-cased,
/// every other character than a letter or digit as `_`).
#[derive(Debug, Clone, Default)]
pub struct Vars {
    file: VarsFile,
    env: BTreeMap<String, String>,
}

/// Environment name of a variable: `user-id` → `GRAPH_CONTRACT_VAR_USER_ID`.
pub fn env_name(name: &str) -> String {
    let mut out = String::from("GRAPH_CONTRACT_VAR_");
    out.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    out
}

/// A TOML file's error as `file:line:col: kind`. The kind is toml's
/// message without what it quotes of the file (`invalid type: integer
/// `1234`, expected a string` → `invalid type: integer, expected a
/// string`): the offending value may be a `[secrets]` entry, and errors are
/// printed before any redaction is set up. The location says where to look.
fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| {
        let span = e.span();
        let (line, col) = span
            .as_ref()
            .map(|s| line_col(text, s.start))
            .unwrap_or((1, 1));
        let near = span.clone().and_then(|s| text.get(s)).unwrap_or_default();
        // A key (a typo of a field name) may be said: it is no value.
        let key = span.is_some_and(|s| is_key(text, s)).then_some(near.trim());
        let kind = error_kind(e.message(), if key.is_some() { "" } else { near }, key);
        let mut at = Location::new(path.display().to_string(), line).col(col);
        if !near.is_empty() {
            at = at.spanning(near.chars().count());
        }
        // rendered without the file's line, whatever the caller passes
        Error::toml(kind).at(at)
    })
}

/// True when the text at `span` is a key: `=` or `.` follows it on its
/// line, or it stands in a `[table]` header.
fn is_key(text: &str, span: std::ops::Range<usize>) -> bool {
    let (Some(before), Some(after)) = (text.get(..span.start), text.get(span.end..)) else {
        return false;
    };
    let line_start = before.rsplit('\n').next().unwrap_or_default();
    let next = after.trim_start_matches([' ', '\t']);
    let in_header = line_start.trim_start().starts_with('[') && !line_start.contains([']', '=']);
    next.starts_with(['=', '.']) || (in_header && next.starts_with(']'))
}

/// Names of the files' own tables and keys: an error may quote these.
const SCHEMA_WORDS: &[&str] = &[
    "vars", "secrets", "match", "cases", "scenario", "case", "page", "setup", "teardown", "method",
    "url", "headers", "body", "capture", "expect",
];

/// A toml error message without the file's text: every `quoted` or
/// "quoted" fragment goes, unless it is one of the files' own names, the
/// erring key, or a bit of TOML syntax (`=`, `'`, `b` of an escape); so
/// does any occurrence of the erring text itself. Lines are joined with
/// `; `.
fn error_kind(message: &str, near: &str, key: Option<&str>) -> String {
    let allowed = |fragment: &str| {
        SCHEMA_WORDS.contains(&fragment)
            || key.is_some_and(|k| k.trim_matches(['"', '\'']) == fragment)
            || fragment.chars().count() <= 1
            || fragment.chars().all(|c| c.is_ascii_punctuation())
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(['`', '"']) {
        out.push_str(&rest[..i]);
        let quote = rest.as_bytes()[i];
        let after = &rest[i + 1..];
        // The closing quote; `"` fragments are Rust-escaped (`\"` inside).
        let mut escaped = false;
        let close = after.bytes().position(|b| {
            let end = b == quote && !escaped;
            escaped = quote == b'"' && b == b'\\' && !escaped;
            end
        });
        let Some(len) = close else {
            rest = ""; // unterminated: nothing after it is shown
            break;
        };
        let fragment = &after[..len];
        if allowed(fragment) {
            out.push_str(&rest[i..i + len + 2]);
        } else if out.ends_with(' ') {
            out.pop(); // `integer `5`,` → `integer,`
        }
        rest = &after[len + 1..];
    }
    out.push_str(rest);
    let near = near.trim();
    if near.chars().count() > 1 && !SCHEMA_WORDS.contains(&near) {
        out = out.replace(near, "…");
    }
    let kind: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if kind.is_empty() {
        "not valid here".to_owned()
    } else {
        kind.join("; ")
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}: {e}", path.display())))
}

impl Vars {
    pub fn parse(path: &Path, text: &str) -> Result<Vars, Error> {
        Ok(Vars {
            file: parse_toml(path, text)?,
            env: BTreeMap::new(),
        })
    }

    pub fn load(path: &Path) -> Result<Vars, Error> {
        Vars::parse(path, &read(path)?)
    }

    /// Take `GRAPH_CONTRACT_VAR_*` overrides from an environment.
    pub fn with_env(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Vars {
        self.env = vars
            .into_iter()
            .filter(|(k, _)| k.starts_with("GRAPH_CONTRACT_VAR_"))
            .collect();
        self
    }

    /// Every value that must never be printed: the `[secrets]`, and the
    /// environment's values for their names.
    pub fn secrets(&self) -> Vec<String> {
        let f = &self.file;
        f.secrets
            .values()
            .cloned()
            .chain(
                f.secrets
                    .keys()
                    .filter_map(|name| self.env.get(&env_name(name)).cloned()),
            )
            .collect()
    }

    /// Names known for every case (used to validate scenarios).
    pub fn names(&self) -> BTreeSet<String> {
        let f = &self.file;
        f.vars
            .keys()
            .chain(f.secrets.keys())
            .chain(f.matches.iter().flat_map(|m| m.vars.keys()))
            .cloned()
            .collect()
    }

    /// The value of a variable for a case, if any.
    pub fn get(&self, case_id: &str, name: &str) -> Option<&str> {
        if let Some(v) = self.env.get(&env_name(name)) {
            return Some(v);
        }
        let f = &self.file;
        f.matches
            .iter()
            .rev()
            .filter(|m| case_id.contains(m.cases.as_str()))
            .find_map(|m| m.vars.get(name))
            .or_else(|| f.secrets.get(name))
            .or_else(|| f.vars.get(name))
            .map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        let f = &self.file;
        f.vars.is_empty() && f.secrets.is_empty() && f.matches.is_empty() && self.env.is_empty()
    }
}

/// How a value is written where it is put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// As it is (header values, bodies that are not JSON).
    Text,
    /// Escaped for use inside a JSON string.
    Json,
    /// Percent-encoded as data of a URL: of a path segment before the
    /// URL's `?` or `#`, of a query component after it (see
    /// [`crate::target::url::encode_value`]).
    Url,
}

/// Replace each `{name}` and `<name>` whose name `lookup` knows; others stay.
///
/// One pass: a value put in is never read again, so a value holding `{x}`
/// or `<x>` is not taken for a placeholder, here or later. Where a value
/// stands decides how it is written (see [`Place`]): in a URL it cannot add
/// a segment, a parameter or a fragment, whatever it holds.
pub fn substitute(text: &str, place: Place, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    use crate::target::url::{UrlPart, encode_value};
    let mut out = String::with_capacity(text.len());
    // Where the next value stands in a URL: decided by the text around it
    // (the values themselves hold no `?` or `#` once encoded).
    let mut part = UrlPart::Path;
    let mut keep = |out: &mut String, piece: &str| {
        if piece.contains(['?', '#']) {
            part = UrlPart::Query;
        }
        out.push_str(piece);
        part
    };
    let mut last = 0;
    for f in crate::placeholder::iter(text) {
        let value = (!f.name.is_empty())
            .then(|| lookup(f.name.trim()))
            .flatten();
        match value {
            Some(value) => {
                let part = keep(&mut out, &text[last..f.start]);
                match place {
                    Place::Text => out.push_str(&value),
                    Place::Json => {
                        let quoted = serde_json::to_string(&value).unwrap_or_default();
                        let inner = quoted.get(1..quoted.len().saturating_sub(1));
                        out.push_str(inner.unwrap_or_default());
                    }
                    Place::Url => out.push_str(&encode_value(&value, part)),
                }
            }
            None => {
                keep(&mut out, &text[last..f.end]);
            }
        }
        last = f.end;
    }
    let rest = &text[last..];
    out.push_str(rest);
    out
}

/// Names of the `{name}` placeholders in a text.
pub fn placeholder_names(text: &str) -> Vec<String> {
    // `substitute` asks the lookup once per placeholder, in order.
    let names = std::cell::RefCell::new(Vec::new());
    let _ = substitute(text, Place::Text, &|n| {
        names.borrow_mut().push(n.to_owned());
        None
    });
    names.into_inner()
}

/// One request of a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub method: String,
    /// Absolute or relative, mapped onto the target like documented URLs.
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    /// Variable name → JSON pointer into the answer's JSON body.
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    /// The status the step must answer with (any 2xx when absent).
    #[serde(default)]
    pub expect: Option<u16>,
}

/// Setup and teardown attached to a case (by exact id) or a page (by page id).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub case: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub setup: Vec<Step>,
    #[serde(default)]
    pub teardown: Vec<Step>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenarios {
    #[serde(default, rename = "scenario")]
    pub list: Vec<Scenario>,
}

impl Scenarios {
    /// Parse and validate: each scenario names a case or a page, and every
    /// `{name}` its steps use is a variable or captured by an earlier step.
    pub fn parse(path: &Path, text: &str, vars: &Vars) -> Result<Scenarios, Error> {
        let s: Scenarios = parse_toml(path, text)?;
        let known = vars.names();
        for (i, sc) in s.list.iter().enumerate() {
            let what = match (&sc.case, &sc.page) {
                (Some(c), None) => format!("scenario {} (case {c})", i + 1),
                (None, Some(p)) => format!("scenario {} (page {p})", i + 1),
                _ => {
                    return Err(Error::config(format!(
                        "{}: scenario {} must name exactly one of `case` or `page`",
                        path.display(),
                        i + 1
                    )));
                }
            };
            let mut available = known.clone();
            for (kind, steps) in [("setup", &sc.setup), ("teardown", &sc.teardown)] {
                for (j, step) in steps.iter().enumerate() {
                    let texts = std::iter::once(step.url.as_str())
                        .chain(step.headers.values().map(String::as_str))
                        .chain(step.body.as_deref());
                    for t in texts {
                        for name in placeholder_names(t) {
                            if !available.contains(&name) && vars.get("", &name).is_none() {
                                return Err(Error::config(format!(
                                    "{}: {what}, {kind} step {}: unknown placeholder {{{name}}} \
                                     (not a variable, not captured by an earlier setup step)",
                                    path.display(),
                                    j + 1
                                )));
                            }
                        }
                    }
                    for (name, pointer) in &step.capture {
                        if !pointer.is_empty() && !pointer.starts_with('/') {
                            return Err(Error::config(format!(
                                "{}: {what}, {kind} step {}: capture {name} = {pointer:?} is not a JSON pointer (it starts with /)",
                                path.display(),
                                j + 1
                            )));
                        }
                        available.insert(name.clone());
                    }
                }
            }
        }
        Ok(s)
    }

    pub fn load(path: &Path, vars: &Vars) -> Result<Scenarios, Error> {
        Scenarios::parse(path, &read(path)?, vars)
    }

    /// The scenarios of a case: its page's first, then its own.
    pub fn for_case<'a>(
        &'a self,
        case_id: &'a str,
        page_id: &'a str,
    ) -> impl Iterator<Item = &'a Scenario> {
        self.list.iter().filter(move |s| {
            s.page.as_deref() == Some(page_id) || s.case.as_deref() == Some(case_id)
        })
    }

    /// True when some scenario touches this page (its cases then run in
    /// document order, one at a time).
    pub fn touches_page(&self, page_id: &str) -> bool {
        self.list.iter().any(|s| {
            s.page.as_deref() == Some(page_id)
                || s.case
                    .as_deref()
                    .is_some_and(|c| c.split("::").next() == Some(page_id))
        })
    }

    /// Scenarios that name an example its page (read in this run) does not
    /// have: a typo or a renamed example, whose setup and teardown would
    /// silently never run. Scenarios of pages not read are not judged (a
    /// run over part of the docs).
    pub fn unmatched(&self, cases: &[crate::model::Case]) -> Vec<String> {
        let ids: HashSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        let pages: HashSet<&str> = cases.iter().map(|c| c.page_id.as_str()).collect();
        let mut out = Vec::new();
        for (i, sc) in self.list.iter().enumerate() {
            if let Some(c) = &sc.case
                && !ids.contains(c.as_str())
                && let Some((page, _)) = c.split_once("::")
                && pages.contains(page)
            {
                out.push(format!(
                    "scenario {} names case {c:?}, which page {page:?} does not have",
                    i + 1
                ));
            }
        }
        out
    }

    /// Names captured by the setup steps of a case's scenarios.
    pub fn captured_names(&self, case_id: &str, page_id: &str) -> BTreeSet<String> {
        self.for_case(case_id, page_id)
            .flat_map(|s| s.setup.iter().flat_map(|st| st.capture.keys().cloned()))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitute_replaces_known_names_only() {
        let lookup = |n: &str| (n == "id").then(|| "a\"b".to_owned());
        assert_eq!(
            substitute("/x/{id}/y/{other}", Place::Text, &lookup),
            "/x/a\"b/y/{other}"
        );
        assert_eq!(
            substitute(r#"{"v": "{id}"}"#, Place::Json, &lookup),
            r#"{"v": "a\"b"}"#
        );
        assert_eq!(substitute("<id> and {", Place::Text, &lookup), "a\"b and {");
        assert_eq!(placeholder_names("/a/{x}/b/<y>?q={z}"), vec!["x", "y", "z"]);
    }

    #[test]
    fn values_are_data_where_they_stand_and_read_once() {
        let values = |n: &str| {
            Some(
                match n {
                    "id" => "../../admin/@evil.invalid",
                    "q" => "a&b=c#d+e%",
                    "brace" => "{id}<q>",
                    _ => return None,
                }
                .to_owned(),
            )
        };
        // Template → in a URL.
        let table = [
            ("/items/{id}", "/items/..%2F..%2Fadmin%2F%40evil.invalid"),
            (
                "/items/{id}?x={q}",
                "/items/..%2F..%2Fadmin%2F%40evil.invalid?x=a%26b%3Dc%23d%2Be%25",
            ),
            (
                "/items?{q}={id}",
                "/items?a%26b%3Dc%23d%2Be%25=../../admin/@evil.invalid",
            ),
            ("/items#{q}", "/items#a%26b%3Dc%23d%2Be%25"),
            ("/a/{brace}/{other}", "/a/%7Bid%7D%3Cq%3E/{other}"),
            ("/a/{{id}}", "/a/{..%2F..%2Fadmin%2F%40evil.invalid}"),
        ];
        for (template, want) in table {
            assert_eq!(
                substitute(template, Place::Url, &values),
                want,
                "{template}"
            );
        }
        // One pass in every place: `{id}<q>` stays as it is, once.
        assert_eq!(substitute("{brace}", Place::Text, &values), "{id}<q>");
        assert_eq!(
            substitute("\"{brace}\"", Place::Json, &values),
            "\"{id}<q>\""
        );
        assert_eq!(placeholder_names("{brace}/{brace}"), ["brace", "brace"]);
    }

    /// A TOML error: `file:line:col: kind`, without the file's text.
    #[test]
    fn toml_errors_say_where_and_what_but_quote_no_value() {
        let table = [
            (
                "[secrets]\nk = 12345678\n",
                "v.toml:2:5: invalid type: integer, expected a string",
            ),
            (
                "[secrets]\nk = 1.25e3\n",
                "v.toml:2:5: invalid type: floating point, expected a string",
            ),
            (
                "[secrets]\nk = true\n",
                "v.toml:2:5: invalid type: boolean, expected a string",
            ),
            (
                "[secrets]\nk = [\"SECRETarr\"]\n",
                "v.toml:2:5: invalid type: sequence, expected a string",
            ),
            (
                "[secrets]\nk = \"SECRETa\"\nk = \"SECRETb\"\n",
                "v.toml:3:1: duplicate key",
            ),
            (
                "[secrets]\nk = SECRETbare\n",
                "v.toml:2:5: string values must be quoted, expected literal string",
            ),
            (
                "[secrets]\nk = \"ok\" SECRETtrail\n",
                "v.toml:2:10: unexpected key or value, expected newline, `#`",
            ),
            (
                "[secrets]\nk = \"SECRET\\q\"\n",
                "v.toml:2:13: missing escaped value, expected `b`, `e`, `f`, `n`, `r`, `\\`, `\"`, `x`, `u`, `U`",
            ),
            (
                "[sekrets]\nk = \"v\"\n",
                "v.toml:1:2: unknown field `sekrets`, expected one of `vars`, `secrets`, `match`",
            ),
            (
                "[secrets]\né = 1\n",
                "v.toml:2:1: invalid unquoted key, expected letters, numbers, `-`, `_`",
            ),
        ];
        for (text, want) in table {
            let err = Vars::parse(Path::new("v.toml"), text)
                .unwrap_err()
                .to_string();
            assert_eq!(err, want, "{text:?}");
            assert!(!err.contains("SECRET"), "{err}");
        }
        // A key is said; the same text as a value is not.
        for (text, want) in [
            (
                "[vars]\nSECRETkey = \"v\"\n[sekrets]\n",
                "v.toml:3:2: unknown field `sekrets`",
            ),
            (
                "[[match]]\ncases = \"a\"\ncase = \"x\"\n",
                "v.toml:3:1: unknown field `case`",
            ),
            (
                "[vars]\nk = [\"a\", 12345]\n",
                "v.toml:2:5: invalid type: sequence",
            ),
        ] {
            let err = Vars::parse(Path::new("v.toml"), text)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(want), "{text:?}: {err}");
        }
        // A message quoting a value with quotes in it (serde's `string "..."`).
        assert_eq!(
            error_kind(
                r#"invalid value: string "a\"SECRET\"b", expected x"#,
                "",
                None
            ),
            "invalid value: string, expected x"
        );
        assert_eq!(error_kind("bad `SECRET", "", None), "bad");
        assert_eq!(
            error_kind("near SECRET here", "SECRET", None),
            "near … here"
        );
        assert_eq!(line_col("é\nxé", 4), (2, 2));
        assert_eq!(line_col("é", 1), (1, 1));
    }

    /// A TOML error is typed and located (line, column, the span of the
    /// offending text), and its rendering names the place without showing
    /// the line or any value, even when given the file's text.
    #[test]
    fn toml_errors_are_located_and_render_without_the_line() {
        use crate::error::ErrorKind;
        let text = "[vars]\nid = \"u\"\n[secrets]\nkey =   SECRETbare\n";
        let err = Vars::parse(Path::new("vars.toml"), text).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Toml);
        let at = err.location.clone().expect("located");
        assert_eq!(
            (at.file.as_str(), at.line, at.column),
            ("vars.toml", 4, Some(9))
        );
        assert_eq!(
            err.render(Some(text), false),
            "error: string values must be quoted, expected literal string\n \
             --> vars.toml:4:9\n  \
             = note: the line is not shown: the file may hold secrets\n"
        );
        for shown in [err.to_string(), err.render(Some(text), true)] {
            assert!(!shown.contains("SECRET"), "{shown}");
        }
        // A scenario that names neither a case nor a page: a config error.
        let err =
            Scenarios::parse(Path::new("s.toml"), "[[scenario]]\n", &Vars::default()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert_eq!(
            err.to_string(),
            "s.toml: scenario 1 must name exactly one of `case` or `page`"
        );
        let err = Vars::load(Path::new("/nonexistent/vars.toml")).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Io);
        assert!(
            err.to_string()
                .starts_with("cannot read /nonexistent/vars.toml: ")
        );
    }

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let err = Vars::parse(Path::new("v.toml"), "[vars]\nid = \n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("v.toml:2:"), "{err}");
    }

    #[test]
    fn case_matches_and_env_override_the_file() {
        let v = Vars::parse(
            Path::new("v.toml"),
            "[vars]\nid = \"g\"\n[[match]]\ncases = \"onenote\"\nvars = { id = \"o\" }\n",
        )
        .unwrap();
        assert_eq!(v.get("users::get", "id"), Some("g"));
        assert_eq!(v.get("onenote::get", "id"), Some("o"));
        let v = v.with_env([("GRAPH_CONTRACT_VAR_ID".to_owned(), "e".to_owned())]);
        assert_eq!(v.get("onenote::get", "id"), Some("e"));
        assert_eq!(env_name("user-id"), "GRAPH_CONTRACT_VAR_USER_ID");
    }

    #[test]
    fn scenarios_refuse_unknown_names() {
        let vars = Vars::default();
        let ok = "[[scenario]]\ncase = \"p::c\"\n[[scenario.setup]]\nmethod = \"POST\"\nurl = \"/x\"\ncapture = { nid = \"/id\" }\n[[scenario.teardown]]\nmethod = \"DELETE\"\nurl = \"/x/{nid}\"\n";
        assert!(Scenarios::parse(Path::new("s.toml"), ok, &vars).is_ok());
        let bad = ok.replace("/x/{nid}", "/x/{nope}");
        let err = Scenarios::parse(Path::new("s.toml"), &bad, &vars)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown placeholder {nope}"), "{err}");
    }
}
