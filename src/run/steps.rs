//! Scenario steps: the setup and teardown requests a scenario attaches to
//! a case or a page, with values captured from their answers.
//!
//! Decisions, and why:
//! - **Setup stops at the first failing step; teardown tries every one**:
//!   one failed delete must not leave the rest behind.
//! - **A step with a placeholder nobody filled is not sent** (a capture an
//!   earlier, failed step never made).
//! - **Messages say the step as written** (`teardown step 1 (DELETE
//!   /items/{id})`), never the URL with values in: a value may be a secret,
//!   or whatever a hostile service gave to capture.
//! - **Writes are refused by the one rule** ([`Replayer::refuse_write`]).

use super::{Session, body_place};
use crate::model::Case;
use crate::scenario::{Place, Step, placeholder_names, substitute};
use crate::target::{Prepared, Replayer};
use std::collections::HashMap;

impl Session {
    /// Run scenario steps; captures go into `captured`. Setup stops at the
    /// first failing step; teardown tries every step (one failed delete
    /// must not leave the rest behind). Returns the failures' messages.
    pub(super) async fn run_steps(
        &self,
        rep: &Replayer,
        case: &Case,
        steps: &[Step],
        what: &str,
        captured: &mut HashMap<String, String>,
    ) -> Vec<String> {
        let mut errors = Vec::new();
        for (n, step) in steps.iter().enumerate() {
            if let Err(e) = self.run_step(rep, case, n, step, what, captured).await {
                errors.push(e);
                if what != "teardown" {
                    break;
                }
            }
        }
        errors
    }

    /// One scenario step. A step that still has a placeholder nobody filled
    /// (a capture an earlier, failed step never made) is not sent.
    async fn run_step(
        &self,
        rep: &Replayer,
        case: &Case,
        n: usize,
        step: &Step,
        what: &str,
        captured: &mut HashMap<String, String>,
    ) -> Result<(), String> {
        {
            let lookup = |name: &str| {
                captured
                    .get(name)
                    .cloned()
                    .or_else(|| self.vars.get(&case.id, name).map(str::to_owned))
            };
            let url = substitute(&step.url, Place::Url, &lookup);
            // The step as written: its URL with values put in may quote a
            // secret, or what a hostile service gave to capture.
            let label = format!("{what} step {} ({} {})", n + 1, step.method, step.url);
            let unfilled = std::iter::once(step.url.as_str())
                .chain(step.headers.values().map(String::as_str))
                .chain(step.body.as_deref())
                .flat_map(placeholder_names)
                .find(|name| lookup(name).is_none());
            if let Some(name) = unfilled {
                return Err(format!(
                    "{label}: not sent: {{{name}}} has no value (an earlier step did not capture it)"
                ));
            }
            let prepared = Prepared {
                method: step.method.to_ascii_uppercase(),
                url: rep
                    .target()
                    .map(&url)
                    .map_err(|e| format!("{label}: {e}"))?,
                headers: step
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), substitute(v, Place::Text, &lookup)))
                    .collect(),
                body: step
                    .body
                    .as_ref()
                    .map(|b| substitute(b, body_place(b), &lookup)),
                head: Default::default(),
            };
            rep.refuse_write(&prepared.method, None)
                .map_err(|reason| format!("{label}: {reason}"))?;
            let actual = rep
                .send(&prepared)
                .await
                .map_err(|e| format!("{label}: {e}"))?;
            let ok = match step.expect {
                Some(code) => actual.status == code,
                None => (200..300).contains(&actual.status),
            };
            if !ok {
                return Err(format!(
                    "{label}: answered {}{}",
                    actual.status,
                    step.expect
                        .map(|c| format!(", expected {c}"))
                        .unwrap_or_default()
                ));
            }
            if !step.capture.is_empty() {
                let body: serde_json::Value = serde_json::from_slice(&actual.body)
                    .map_err(|_| format!("{label}: the answer is not JSON, nothing to capture"))?;
                for (name, pointer) in &step.capture {
                    let v = body.pointer(pointer).ok_or_else(|| {
                        format!("{label}: nothing at {pointer} to capture as {name}")
                    })?;
                    captured.insert(name.clone(), captured_text(v));
                }
            }
        }
        Ok(())
    }
}

/// A value found at a JSON pointer, as text (strings without quotes).
fn captured_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
