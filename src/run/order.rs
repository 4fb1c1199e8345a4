//! The one page-order rule: the cases of a page touched by a scenario run
//! one after the other, in document order (a setup on one may create what
//! the next reads); every other case is a group of its own and runs in
//! any order, in parallel.
//!
//! `check` runs the [`groups`] itself; the libtest harness, where libtest
//! owns the threads, makes each trial wait for its [`Turns`] — computed
//! from the same groups, so both faces order cases the same way. A case
//! not selected (filtered out, or ignored by libtest) takes no turn.
//!
//! A group is one file's cases in document order, which for the cases the
//! reader gives is case order, the order libtest starts trials in (a page
//! given twice is read once: [`super::read_pages`]): a trial only ever
//! waits for trials started before it, so as few threads as one cannot
//! deadlock.

use crate::model::Case;
use crate::scenario::Scenarios;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

/// Split (slot, case index) pairs into groups that run one after the
/// other: the cases of a page touched by a scenario stay together in
/// document order; every other case is a group of its own.
pub fn groups(
    cases: &[Case],
    scenarios: &Scenarios,
    indices: &[usize],
) -> Vec<Vec<(usize, usize)>> {
    let mut groups: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut by_page: HashMap<&str, usize> = HashMap::new();
    for (slot, &index) in indices.iter().enumerate() {
        let case = &cases[index];
        if scenarios.touches_page(&case.page_id) {
            // By file: two roots may hold pages of one id (`v1.0/api/p.md`
            // and `beta/api/p.md`); each is a sequence of its own.
            let g = *by_page.entry(case.page.as_str()).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push((slot, index));
        } else {
            groups.push(vec![(slot, index)]);
        }
    }
    for g in &mut groups {
        g.sort_by_key(|&(_, index)| (cases[index].line(), index));
    }
    groups
}

/// Turns for cases run by threads the engine does not own: a case of an
/// ordered group waits until the cases before it in its group are done.
#[derive(Debug, Default)]
pub struct Turns {
    /// Case index → (group, position in it), for groups of more than one.
    place: HashMap<usize, (usize, usize)>,
    /// Group → position whose turn it is.
    now: Mutex<HashMap<usize, usize>>,
    changed: Condvar,
}

impl Turns {
    /// The turns of these groups ([`groups`] of the selected cases).
    pub fn new(groups: &[Vec<(usize, usize)>]) -> Turns {
        let place = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.len() > 1)
            .flat_map(|(n, g)| {
                g.iter()
                    .enumerate()
                    .map(move |(pos, &(_, i))| (i, (n, pos)))
            })
            .collect();
        Turns {
            place,
            ..Turns::default()
        }
    }

    /// Run `f` for the case at `index` in its turn (at once for a case of
    /// no ordered group), then hand the turn on, even when `f` panics.
    pub fn in_turn<T>(&self, index: usize, f: impl FnOnce() -> T) -> T {
        let Some(&(group, position)) = self.place.get(&index) else {
            return f();
        };
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        while now.get(&group).copied().unwrap_or(0) != position {
            now = self.changed.wait(now).unwrap_or_else(|e| e.into_inner());
        }
        drop(now);
        struct Next<'a>(&'a Turns, usize);
        impl Drop for Next<'_> {
            fn drop(&mut self) {
                let mut now = self.0.now.lock().unwrap_or_else(|e| e.into_inner());
                *now.entry(self.1).or_default() += 1;
                self.0.changed.notify_all();
            }
        }
        let _next = Next(self, group);
        f()
    }
}
