//! `graph-contract show`: one case, whole: the documented request and
//! response, the request `check` would send (as curl), and with a target
//! the answer and the verdict.
//!
//! Decisions, and why:
//! - **Without `--target` the curl line is against `$TARGET_URL`** (the
//!   shell variable, left for the user's shell to expand): the request is
//!   prepared as for the built-in mock (placeholders filled), but that mock
//!   is gone once `show` exits, and its random port with it. The variable
//!   is the one `check` and the harness read for the base URL, and it
//!   stands where the base goes (`"$TARGET_URL/v1.0/me"`), so the line is
//!   right for a base with a path too. A path a double-quoted shell word
//!   would change (`$value`, `$count`) is single-quoted after it:
//!   `"$TARGET_URL"'/v1.0/me/messages/$count'`. With `--target`, the line
//!   is the real URL, unchanged.
//! - **The TLS knobs are curl's options**: `--cacert FILE`, `-k` for
//!   `--insecure`, `--cert FILE --key "$GRAPH_CONTRACT_KEY"` (the key's
//!   path is a secret: the variable stands for it, as `$TARGET_URL` does
//!   for the base), `--http1.1`. curl's `--cacert` replaces its bundle
//!   where ours adds to the built-in roots: against the target, whose CA
//!   the file holds, both trust the same.

use super::ConfigError;
use clap::Args;
use graph_contract::config::{self, Env, Given, Scope};
use graph_contract::harness::panics;
use graph_contract::redact::Redactor;
use graph_contract::report;
use graph_contract::run::{Session, Verdict, exit};
use std::process::ExitCode;
use std::sync::Arc;

/// The knobs `show` takes.
pub const SCOPES: &[Scope] = &[Scope::Pages, Scope::Run];

#[derive(Args)]
pub struct ShowArgs {
    /// The case id (as `list` prints it).
    case_id: String,
}

pub fn run(a: ShowArgs, given: &Given) -> Result<ExitCode, ConfigError> {
    let config = config::build(given, &Env::process(), SCOPES)?;
    let mut settings = config.settings;
    panics::known_secrets(settings.secrets());
    let corpus = graph_contract::run::read_pages(&config.pages)?;
    let Some(index) = corpus.cases.iter().position(|c| c.id == a.case_id) else {
        let near = similar_ids(&a.case_id, corpus.cases.iter().map(|c| c.id.as_str()));
        return Err(ConfigError::config(format!(
            "no case {:?} in {} cases{}",
            a.case_id,
            corpus.cases.len(),
            if near.is_empty() {
                String::new()
            } else {
                format!("; similar: {}", near.join(", "))
            }
        )));
    };
    let with_target = settings.target.is_some();
    settings.send.fill_placeholders |= !with_target;
    let redactor = Arc::new(Redactor::new(settings.secrets()));
    let has_token = !matches!(
        settings.send.credentials,
        graph_contract::target::Credentials::None
    );
    if settings.send.tls.insecure {
        use std::io::Write as _;
        let _ = writeln!(
            super::stderr(&redactor),
            "graph-contract: warning: {}",
            graph_contract::target::tls::INSECURE_WARNING
        );
    }
    let session = Arc::new(
        Session::open(settings, Arc::new(corpus.cases)).map_err(|e| e.redacted(&redactor))?,
    );
    let tls = &session.replayer().config().tls;
    let case = &session.cases[index];
    let mut text = format!(
        "{}\n  example: {}:{}{}\n\n",
        case.id,
        case.page,
        case.line(),
        if case.inferred { " (inferred)" } else { "" }
    );
    text.push_str("documented request:\n");
    text.push_str(&indent(&report::documented_request(case)));
    text.push_str("\ndocumented response:\n");
    match &case.response {
        Some(r) => text.push_str(&indent(&report::documented_response(r))),
        None => text.push_str("  (none)\n"),
    }
    for (i, alt) in case.alternatives.iter().enumerate() {
        text.push_str(&format!(
            "\nalternative response {} (line {}):\n",
            i + 1,
            alt.line
        ));
        text.push_str(&indent(&report::documented_response(alt)));
    }
    // The request as `check` prepares it (variables, scenarios, refusals),
    // not the documented one mapped afresh.
    let authorization = if has_token {
        Some("Bearer")
    } else {
        session.replayer().target().basic_auth().map(|_| "Basic")
    };
    let curl = |p: &graph_contract::target::Prepared| with_tls(report::curl(p, authorization), tls);
    if with_target {
        text.push_str("\nrequest to send:\n");
    } else {
        text.push_str("\nrequest to send (set TARGET_URL to your service's base URL):\n");
    }
    if tls.identity.is_some() {
        text.push_str("  (set GRAPH_CONTRACT_KEY to the client key's path: it is not printed)\n");
    }
    let prepared = session.prepared(index);
    match prepared {
        _ if session.not_implemented(index).is_some() => text.push_str(&format!(
            "  not sent: not implemented: {}\n",
            report::visible(session.not_implemented(index).unwrap_or_default())
        )),
        Ok(Some(p)) if !with_target => text.push_str(&indent(&with_tls(
            curl_at_placeholder(p, authorization),
            tls,
        ))),
        Ok(Some(p)) => text.push_str(&indent(&curl(p))),
        Ok(None) => text.push_str(
            "  prepared once its scenarios' setup has run (it uses values they capture)\n",
        ),
        Err(reason) => text.push_str(&format!(
            "  not sent: {}\n",
            report::visible(&reason.to_string())
        )),
    }
    let mut code = ExitCode::SUCCESS;
    if with_target && prepared.is_ok() && session.not_implemented(index).is_none() {
        let r = session.runtime.block_on(session.run_case(index));
        if let (Ok(None), Some(sent)) = (prepared, &r.sent) {
            text.push_str("\nrequest sent:\n");
            text.push_str(&indent(&curl(sent)));
        }
        text.push_str("\nactual response:\n");
        match &r.actual {
            Some(actual) => text.push_str(&indent(&report::actual_response(actual))),
            None => text.push_str("  (none)\n"),
        }
        if let Some(why) = session.replayer().observed().tls_failure() {
            text.push_str(&format!("\n{}\n", report::visible(why)));
        }
        text.push_str(&format!("\nverdict: {}\n", r.verdict.word()));
        text.push_str(&report::case_details(
            case,
            &r,
            report::stdout_color(),
            report::diff::View::Values,
        ));
        if r.verdict == Verdict::Fail {
            code = ExitCode::from(exit::FAILED);
        }
    }
    super::emit(&redactor, &text);
    Ok(code)
}

/// A curl line with the run's TLS options after `curl -i` (module docs).
fn with_tls(curl: String, tls: &graph_contract::target::tls::Tls) -> String {
    let args = tls.curl_args();
    match curl.strip_prefix("curl -i ") {
        Some(rest) if !args.is_empty() => format!("curl -i {} {rest}", args.join(" ")),
        _ => curl,
    }
}

/// The curl line of a request prepared for the built-in mock, against
/// `$TARGET_URL` instead of the mock's address (module docs).
fn curl_at_placeholder(
    p: &graph_contract::target::Prepared,
    authorization: Option<&str>,
) -> String {
    // The header that tells the built-in mock which example to answer is
    // the mock's, not the service's: not in a line meant for the service.
    let mut p = p.clone();
    p.headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case(graph_contract::mock::CASE_HEADER));
    let curl = report::curl(&p, authorization);
    let url = p.url.as_str();
    let origin = p.url.origin().ascii_serialization();
    let Some(rest) = url.strip_prefix(origin.as_str()) else {
        return curl;
    };
    // The URL as `report::curl` quotes it.
    let quoted = format!("'{}'", url.replace('\'', r"'\''"));
    curl.replacen(&quoted, &placeholder_url(rest), 1)
}

/// `rest` (a path and query) after `$TARGET_URL`, as a shell word:
/// `"$TARGET_URL/v1.0/me"`, or, when the path holds a character a
/// double-quoted word would expand or end at, `"$TARGET_URL"'/v1.0/$value'`.
fn placeholder_url(rest: &str) -> String {
    if rest.contains(['$', '`', '\\', '"', '!']) {
        format!("\"$TARGET_URL\"'{}'", rest.replace('\'', r"'\''"))
    } else {
        format!("\"$TARGET_URL{rest}\"")
    }
}

/// Up to five ids like `asked`, closest first: ids containing it, then ids a
/// few edits away (whole id, or the example name on another page).
fn similar_ids<'a>(asked: &str, ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let name_of = |id: &'a str| id.rsplit("::").next().unwrap_or(id);
    let asked_name = asked.rsplit("::").next().unwrap_or(asked);
    let limit = (asked.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = ids
        .filter_map(|id| {
            if !asked.is_empty() && id.contains(asked) {
                return Some((0, id));
            }
            let mut d = edit_distance(asked, id);
            if !asked_name.is_empty() {
                d = d.min(edit_distance(asked_name, name_of(id)) + 1);
            }
            (d <= limit).then_some((d, id))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, id)| id).collect()
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
