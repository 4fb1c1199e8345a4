//! Baselines of known failures, so a team can adopt the gate on day one: a
//! listed case that fails is a known failure (the run still passes); a listed
//! case that passes now is reported as fixed, so the list shrinks.
//!
//! An input of the engine (it decides the verdict `KnownFailure`), so it
//! lives beside the configuration, not in `report`: reports render the
//! verdict, they do not feed it (`run` and `report` imported each other).
//!
//! Decisions, and why:
//! - **A run that writes a baseline passes** (exit 0, under `check` and
//!   the harness): the failures it wrote are known failures from then on,
//!   and adopting the gate is one command, not one that "fails" and leaves
//!   the user wondering whether the file is good. The verdicts are not
//!   changed (the run still shows each failure and the totals count them
//!   as failed: that is what was written); only the exit status is, and the
//!   summary says how many were written ([`written_line`]). A file that
//!   cannot be written is still a configuration error (exit 2).

use crate::model::Case;
use crate::run::{CaseResult, Verdict};
use std::collections::BTreeSet;
use std::path::Path;

/// Case ids, one per line; `#` at the start of a line or after a space
/// starts a comment (a `#` inside an id, as in `page::#2`, does not).
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    ids: BTreeSet<String>,
}

/// The line without its comment.
fn strip_comment(line: &str) -> &str {
    let mut prev_blank = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_blank {
            return &line[..i];
        }
        prev_blank = c.is_whitespace();
    }
    line
}

impl Baseline {
    pub fn parse(text: &str) -> Baseline {
        let ids = text
            .lines()
            .map(|l| strip_comment(l).trim())
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        Baseline { ids }
    }

    pub fn load(path: &Path) -> Result<Baseline, crate::error::Error> {
        std::fs::read_to_string(path)
            .map(|t| Baseline::parse(&t))
            .map_err(|e| config_err!("cannot read baseline {}: {e}", path.display()))
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Listed ids of a page among these cases' pages that name none of its
    /// examples: renamed or removed since the baseline was written (the list
    /// rots silently otherwise, and a renamed failing example would fail the
    /// gate). Ids of pages not read are not judged.
    pub fn unknown<'a>(&'a self, cases: &[Case]) -> Vec<&'a str> {
        use std::collections::HashSet;
        let known: HashSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        let pages: HashSet<&str> = cases.iter().map(|c| c.page_id.as_str()).collect();
        self.ids
            .iter()
            .map(String::as_str)
            .filter(|id| !known.contains(id))
            .filter(|id| {
                id.split_once("::")
                    .is_some_and(|(page, _)| pages.contains(page))
            })
            .collect()
    }
}

/// Whether a written baseline lists a case of this verdict: every failure,
/// known ones included (the report's baseline writer lists the same).
pub fn listed(verdict: &Verdict) -> bool {
    matches!(verdict, Verdict::Fail | Verdict::KnownFailure)
}

/// How many case ids a baseline written from these results lists.
pub fn written(results: &[CaseResult]) -> usize {
    results.iter().filter(|r| listed(&r.verdict)).count()
}

/// The line a run that wrote a baseline ends with: how many ids, where,
/// and how to use the file (`hint`: `--baseline FILE` under `check`, the
/// variable under the harness).
pub fn written_line(path: &Path, written: usize, hint: &str) -> String {
    let (n, s) = match written {
        1 => ("1 failure".to_owned(), ""),
        n => (format!("{n} failures"), "s"),
    };
    format!(
        "baseline: wrote {n} to {} as known failure{s}: this run passes ({hint} from now on)",
        path.display()
    )
}
