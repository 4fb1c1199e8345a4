//! Pointing the docs at a real service: variables that replace the docs'
//! `{placeholders}` with real ids, and scenarios that create what a case
//! reads (setup requests whose JSON answers fill variables by JSON pointer)
//! and remove it afterwards (teardown requests, run even when the case
//! fails). Both are TOML files; a syntax error names file, line and column,
//! and a scenario that uses a name nobody provides is refused before any
//! request is sent.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
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
    env: HashMap<String, String>,
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

fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        format!("{}:{line}:{col}: {}", path.display(), e.message())
    })
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

impl Vars {
    pub fn parse(path: &Path, text: &str) -> Result<Vars, String> {
        Ok(Vars {
            file: parse_toml(path, text)?,
            env: HashMap::new(),
        })
    }

    pub fn load(path: &Path) -> Result<Vars, String> {
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

/// Replace each `{name}` and `<name>` whose name `lookup` knows; others stay.
/// `json` escapes the values for use inside a JSON string.
pub fn substitute(text: &str, json: bool, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['{', '<']) {
        let close = if rest.as_bytes()[i] == b'{' { '}' } else { '>' };
        let inner_end = rest[i + 1..]
            .find([close, '{', '<', '\n', '"'])
            .map(|j| i + 1 + j);
        match inner_end {
            Some(j) if rest.as_bytes()[j] == close as u8 => {
                let name = &rest[i + 1..j];
                match (!name.is_empty()).then(|| lookup(name.trim())).flatten() {
                    Some(value) => {
                        out.push_str(&rest[..i]);
                        if json {
                            let quoted = serde_json::to_string(&value).unwrap_or_default();
                            out.push_str(&quoted[1..quoted.len() - 1]);
                        } else {
                            out.push_str(&value);
                        }
                    }
                    None => out.push_str(&rest[..=j]),
                }
                rest = &rest[j + 1..];
            }
            _ => {
                out.push_str(&rest[..=i]);
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Names of the `{name}` placeholders in a text.
pub fn placeholder_names(text: &str) -> Vec<String> {
    // `substitute` asks the lookup once per placeholder, in order.
    let names = std::cell::RefCell::new(Vec::new());
    let _ = substitute(text, false, &|n| {
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
    pub fn parse(path: &Path, text: &str, vars: &Vars) -> Result<Scenarios, String> {
        let s: Scenarios = parse_toml(path, text)?;
        let known = vars.names();
        for (i, sc) in s.list.iter().enumerate() {
            let what = match (&sc.case, &sc.page) {
                (Some(c), None) => format!("scenario {} (case {c})", i + 1),
                (None, Some(p)) => format!("scenario {} (page {p})", i + 1),
                _ => {
                    return Err(format!(
                        "{}: scenario {} must name exactly one of `case` or `page`",
                        path.display(),
                        i + 1
                    ));
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
                                return Err(format!(
                                    "{}: {what}, {kind} step {}: unknown placeholder {{{name}}} \
                                     (not a variable, not captured by an earlier setup step)",
                                    path.display(),
                                    j + 1
                                ));
                            }
                        }
                    }
                    for (name, pointer) in &step.capture {
                        if !pointer.is_empty() && !pointer.starts_with('/') {
                            return Err(format!(
                                "{}: {what}, {kind} step {}: capture {name} = {pointer:?} is not a JSON pointer (it starts with /)",
                                path.display(),
                                j + 1
                            ));
                        }
                        available.insert(name.clone());
                    }
                }
            }
        }
        Ok(s)
    }

    pub fn load(path: &Path, vars: &Vars) -> Result<Scenarios, String> {
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
            substitute("/x/{id}/y/{other}", false, &lookup),
            "/x/a\"b/y/{other}"
        );
        assert_eq!(
            substitute(r#"{"v": "{id}"}"#, true, &lookup),
            r#"{"v": "a\"b"}"#
        );
        assert_eq!(substitute("<id> and {", false, &lookup), "a\"b and {");
        assert_eq!(placeholder_names("/a/{x}/b/<y>?q={z}"), vec!["x", "y", "z"]);
    }

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let err = Vars::parse(Path::new("v.toml"), "[vars]\nid = \n").unwrap_err();
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
        let err = Scenarios::parse(Path::new("s.toml"), &bad, &vars).unwrap_err();
        assert!(err.contains("unknown placeholder {nope}"), "{err}");
    }
}
