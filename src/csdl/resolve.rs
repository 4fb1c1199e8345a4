//! TEMPORARY STUB (lead's branch): the resolver's API, replaced by h/resolve at merge.
#![allow(dead_code, unused_variables)]
use super::Metadata;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Declared(Route),
    NotDeclared(NotDeclared),
    Unresolvable(String),
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub template: String,
    pub target: Declaration,
    pub through: Vec<Declaration>,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotDeclared {
    pub index: usize,
    pub segment: String,
    pub message: String,
}
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Declaration {
    EntitySet(String),
    Singleton(String),
    Navigation(String, String),
    Action(String, String),
    Function(String, String),
    ActionImport(String),
    FunctionImport(String),
}
impl Declaration {
    pub fn kind(&self) -> &'static str {
        match self {
            Declaration::EntitySet(_) => "entity-set",
            Declaration::Singleton(_) => "singleton",
            Declaration::Navigation(..) => "navigation",
            Declaration::Action(..) => "action",
            Declaration::Function(..) => "function",
            Declaration::ActionImport(_) => "action-import",
            Declaration::FunctionImport(_) => "function-import",
        }
    }
}
impl std::fmt::Display for Declaration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Declaration::EntitySet(n) => write!(f, "entity set {n}"),
            Declaration::Singleton(n) => write!(f, "singleton {n}"),
            Declaration::Navigation(t, n) => write!(f, "navigation {t}/{n}"),
            Declaration::Action(n, b) => write!(f, "action {n} on {b}"),
            Declaration::Function(n, b) => write!(f, "function {n} on {b}"),
            Declaration::ActionImport(n) => write!(f, "action import {n}"),
            Declaration::FunctionImport(n) => write!(f, "function import {n}"),
        }
    }
}
impl Metadata {
    pub fn resolve_path(&self, url: &str) -> Resolution {
        let segs = segments(url);
        match segs.first() {
            Some(s) if s == "me" || s == "users" => Resolution::Declared(Route {
                template: path_template(url),
                target: Declaration::Singleton(s.clone()),
                through: vec![Declaration::Singleton(s.clone())],
            }),
            Some(s) => Resolution::NotDeclared(NotDeclared {
                index: 0,
                segment: s.clone(),
                message: format!("no entity set or singleton \"{s}\""),
            }),
            None => Resolution::Unresolvable("empty path".into()),
        }
    }
    pub fn inventory(&self) -> Vec<Declaration> {
        vec![Declaration::Singleton("me".into())]
    }
}
fn segments(url: &str) -> Vec<String> {
    let (path, _) = crate::target::url::doc_path_and_query(url);
    let mut s: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if s.first().is_some_and(|v| v == "v1.0" || v == "beta") {
        s.remove(0);
    }
    s
}
pub fn path_template(url: &str) -> String {
    let s = segments(url);
    let t: Vec<String> = s
        .into_iter()
        .map(|x| if x.starts_with('{') { "{id}".into() } else { x })
        .collect();
    format!("/{}", t.join("/"))
}
pub fn area(url: &str) -> String {
    segments(url).into_iter().next().unwrap_or_default()
}
