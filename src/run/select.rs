//! Which cases a run takes: `--filter`, `--skip`, `--method` and
//! `--changed-since` (and their variables), the same for `check`, `list`
//! and the harness.
//!
//! Decisions, and why:
//! - **An empty selection is an error naming the knob that emptied it.** A
//!   gate that runs nothing because of a typo must not pass.
//! - **Except one: no page changed.** `--changed-since REV` leaving nothing
//!   is the everyday case of a docs pull request that touches no selected
//!   page, not a mistake: the selection is empty without an error, and the
//!   faces say [`nothing_to_check`] and run zero cases (exit 0). It is
//!   checked after `--filter` and `--skip`, so a typo in those is still
//!   named; `--method` is not applied to nothing.
//! - **`--filter` reads the id and the documented URL's path.** A user
//!   thinks of an endpoint (`--filter /me/messages`), the ids are page
//!   names: a case is kept when either contains the text. The path is the
//!   documented one with its origin stripped and its version segment kept
//!   (`/v1.0/me/messages`), so both spellings match; never the query, nor
//!   the URL as mapped onto the target. `--skip`, and libtest's own name
//!   filter under `cargo test`, stay by id: they name tests.
//! - **Filters apply in a fixed order** (filter, skip, changed pages,
//!   method), so the error names the first one that left nothing.
//! - **`--changed-since` asks git** of every repository holding the pages,
//!   for committed changes and the work tree's untracked files; a revision
//!   a shallow CI clone lacks is said so, with the fix.

use crate::model::Case;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The selection knobs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Keep cases whose id or documented URL path contains any of these.
    pub filter: Vec<String>,
    /// Drop cases whose id contains any of these.
    pub skip: Vec<String>,
    /// `filter` and `skip` name whole ids (libtest's `--exact`).
    pub exact: bool,
    /// Keep cases of these methods (any case).
    pub method: Vec<String>,
    /// Keep cases of pages changed since this git revision.
    pub changed_since: Option<String>,
}

impl Selection {
    /// True when nothing is selected out.
    pub fn is_empty(&self) -> bool {
        *self == Selection::default()
    }
}

/// Apply the selection to the cases read from `pages`; an empty result is
/// an error naming the knob that emptied it.
pub fn select(
    cases: Vec<Case>,
    s: &Selection,
    pages: &[PathBuf],
) -> Result<Vec<Case>, crate::error::Error> {
    let total = cases.len();
    if total == 0 {
        return Err(config_err!(
            "no documented example found in {}",
            pages
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut kept = cases;
    if !s.filter.is_empty() {
        kept.retain(|c| {
            s.filter.iter().any(|f| match s.exact {
                true => c.id == *f,
                false => filter_matches(c, f),
            })
        });
        if kept.is_empty() {
            return Err(config_err!(
                "--filter {:?} matched none of the {total} cases ({})",
                s.filter,
                if s.exact {
                    "whole ids: --exact"
                } else {
                    "by id or documented URL path"
                }
            ));
        }
    }
    if !s.skip.is_empty() {
        let before = kept.len();
        kept.retain(|c| {
            !s.skip.iter().any(|f| match s.exact {
                true => c.id == *f,
                false => c.id.contains(f.as_str()),
            })
        });
        if kept.is_empty() {
            return Err(config_err!(
                "--skip {:?} removed all {before} remaining cases",
                s.skip
            ));
        }
    }
    if let Some(rev) = &s.changed_since {
        let changed = changed_pages(pages, rev)?;
        kept.retain(|c| std::fs::canonicalize(&c.page).is_ok_and(|p| changed.contains(&p)));
        if kept.is_empty() {
            // The one empty selection that is not an error (see above).
            return Ok(kept);
        }
    }
    if !s.method.is_empty() {
        let before = kept.len();
        kept.retain(|c| {
            s.method
                .iter()
                .any(|m| m.trim().eq_ignore_ascii_case(&c.request.method))
        });
        if kept.is_empty() {
            return Err(config_err!(
                "--method {} matched none of the {before} remaining cases",
                s.method.join(",")
            ));
        }
    }
    Ok(kept)
}

/// Whether `--filter TEXT` keeps this case: its id or its documented URL's
/// path (origin stripped, version segment kept, always starting with `/`)
/// contains TEXT.
pub fn filter_matches(case: &Case, text: &str) -> bool {
    if case.id.contains(text) {
        return true;
    }
    let (path, _) = crate::target::url::doc_path_and_query(&case.request.url);
    if path.starts_with('/') {
        path.contains(text)
    } else {
        format!("/{path}").contains(text)
    }
}

/// What to say when the selection is empty because no selected page
/// changed since `--changed-since`'s revision (the one empty selection
/// [`select`] returns): `no page changed since REV: nothing to check`.
pub fn nothing_to_check(s: &Selection, selected: &[Case]) -> Option<String> {
    let rev = s.changed_since.as_ref()?;
    selected
        .is_empty()
        .then(|| format!("no page changed since {rev}: nothing to check"))
}

/// Pages changed since `rev` in the git repositories holding `paths`
/// (committed changes and the work tree), canonicalized.
pub fn changed_pages(
    paths: &[PathBuf],
    rev: &str,
) -> Result<HashSet<PathBuf>, crate::error::Error> {
    // A revision is passed to git as an argument: one that starts with `-`
    // would be read as an option (`--output=FILE` writes a file).
    if rev.trim().is_empty() || rev.starts_with('-') {
        return Err(config_err!(
            "--changed-since {}: not a git revision",
            crate::config::knob::quoted(rev)
        ));
    }
    let mut out = HashSet::new();
    for p in paths {
        let dir = if p.is_dir() {
            p.clone()
        } else {
            p.parent().map(PathBuf::from).unwrap_or_default()
        };
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let top = PathBuf::from(git(&dir, rev, &["rev-parse", "--show-toplevel"])?.trim());
        let commit = format!("{rev}^{{commit}}");
        if git(&dir, rev, &["rev-parse", "--verify", "--quiet", &commit]).is_err() {
            return Err(config_err!(
                "--changed-since {rev}: no such revision in the git repository at {} \
                 (a shallow CI clone may lack it: fetch it, or check out with full history)",
                top.display()
            ));
        }
        let listed = [
            git(&dir, rev, &["diff", "--name-only", rev, "--"])?,
            git(
                &dir,
                rev,
                &["ls-files", "--others", "--exclude-standard", "--full-name"],
            )?,
        ];
        for name in listed.iter().flat_map(|l| l.lines()) {
            if let Ok(c) = std::fs::canonicalize(top.join(name)) {
                out.insert(c);
            }
        }
    }
    Ok(out)
}

/// `git -C dir args...`: its standard output, or an error saying the
/// command and git's message.
fn git(dir: &Path, rev: &str, args: &[&str]) -> Result<String, crate::error::Error> {
    let o = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| config_err!("--changed-since needs git: {e}"))?;
    if !o.status.success() {
        return Err(config_err!(
            "--changed-since {rev}: git {} in {}: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}
