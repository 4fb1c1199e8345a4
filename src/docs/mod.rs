//! Reading pages: markdown in, cases and diagnostics out. Pure: no I/O beyond
//! reading the files.
//!
//! The steps, one module each: [`blocks`] finds the fenced code blocks and
//! the annotation comment introducing each ([`annotation`]); [`http_text`]
//! splits a block's text into request or response parts; [`case`] pairs
//! requests with responses into cases; [`lenient_json`] reads the JSON the
//! pages actually hold. Every recovery is a [`Diagnostic`] naming page and
//! line; nothing here panics on a bad page, and one bad page never stops the
//! others.

pub mod annotation;
mod blocks;
mod case;
pub mod http_text;
pub mod lenient_json;

use crate::model::{Case, Diagnostic, Severity};
use std::path::{Path, PathBuf};

/// Everything read from a set of pages.
#[derive(Debug, Default)]
pub struct Corpus {
    pub pages: usize,
    pub cases: Vec<Case>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Collects the diagnostics of one page.
pub(crate) struct Sink<'a> {
    page: &'a str,
    diags: Vec<Diagnostic>,
}

impl Sink<'_> {
    pub(crate) fn warn(&mut self, line: usize, kind: &str, message: String) {
        self.push(Severity::Warning, line, kind, message);
    }
    pub(crate) fn error(&mut self, line: usize, kind: &str, message: String) {
        self.push(Severity::Error, line, kind, message);
    }
    fn push(&mut self, severity: Severity, line: usize, kind: &str, message: String) {
        self.diags.push(Diagnostic {
            page: self.page.to_string(),
            line: line.max(1),
            severity,
            kind: kind.to_string(),
            message,
        });
    }
}

/// Read every `.md` page under each path (a file or a folder, walked
/// recursively in sorted order). Page ids are relative to the path given.
pub fn read_paths(paths: &[&Path]) -> Corpus {
    let mut corpus = Corpus::default();
    for root in paths {
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        match std::fs::metadata(root) {
            Ok(m) if m.is_dir() => walk(root, root, &mut files, &mut corpus.diagnostics, 0),
            Ok(_) => {
                let id = root
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push((id, root.to_path_buf()));
            }
            Err(e) => corpus
                .diagnostics
                .push(file_diag(root, "unreadable-path", &e.to_string())),
        }
        files.sort();
        for (id, path) in files {
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    corpus
                        .diagnostics
                        .push(file_diag(&path, "unreadable-page", &e.to_string()));
                    continue;
                }
            };
            let text = match std::str::from_utf8(&bytes) {
                Ok(t) => t,
                Err(e) => {
                    corpus.diagnostics.push(file_diag(
                        &path,
                        "unreadable-page",
                        &format!("not UTF-8: {e}"),
                    ));
                    continue;
                }
            };
            let page = path.to_string_lossy();
            let (cases, diags) = read_page(&page, &id, text);
            corpus.pages += 1;
            corpus.cases.extend(cases);
            corpus.diagnostics.extend(diags);
        }
    }
    corpus
}

fn file_diag(path: &Path, kind: &str, message: &str) -> Diagnostic {
    Diagnostic {
        page: path.to_string_lossy().into_owned(),
        line: 1,
        severity: Severity::Error,
        kind: kind.to_string(),
        message: message.to_string(),
    }
}

/// Collect `.md` files under `dir` with their ids (relative path, `/`
/// separators, no `.md`).
fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, PathBuf)>,
    diags: &mut Vec<Diagnostic>,
    depth: usize,
) {
    if depth > 64 {
        diags.push(file_diag(
            dir,
            "unreadable-path",
            "folders nested too deeply (a link loop?)",
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(file_diag(dir, "unreadable-path", &e.to_string()));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                diags.push(file_diag(dir, "unreadable-path", &e.to_string()));
                continue;
            }
        };
        let path = entry.path();
        let is_dir = std::fs::metadata(&path)
            .map(|m| m.is_dir())
            .unwrap_or(false);
        if is_dir {
            walk(root, &path, out, diags, depth + 1);
        } else if path.extension().is_some_and(|e| e == "md") {
            let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
            let id = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((id, path));
        }
    }
}

/// Read one page's text. `page` is the display path, `page_id` the id prefix
/// of its cases (path relative to its root, without `.md`).
pub fn read_page(page: &str, page_id: &str, text: &str) -> (Vec<Case>, Vec<Diagnostic>) {
    let mut sink = Sink {
        page,
        diags: Vec::new(),
    };
    let idx = blocks::LineIndex::new(text);
    let blocks = blocks::read_blocks(text, &idx, &mut sink);
    let cases = case::pair(page, page_id, &blocks, &mut sink);
    let mut diags = sink.diags;
    diags.sort_by_key(|d| d.line);
    (cases, diags)
}
