//! The service's declared `$metadata`: a CSDL file loaded before the run,
//! or the target's own, fetched once per version before anything else is
//! sent. It decides two things: which examples' paths the service declares
//! (the others are not implemented, [`Declared`]), and whether successful
//! answers conform to the declared types ([`Session::judge_schema`]).
//!
//! Decisions, and why:
//! - **Fetched first, by use.** The versions the examples name are fetched
//!   before the run, most used first, at most [`MAX_VERSIONS`]; the schema
//!   judge reuses them.
//! - **A version not served is not implemented.** When the target serves
//!   one version's `$metadata` and answers 404 for another's, it serves
//!   nothing under the other. Any other failure (a timeout, a document
//!   that does not parse), or a target with no `$metadata` at all, says
//!   nothing: those examples are sent and judged as without metadata, and
//!   one note says so.
//! - **A types-only document says nothing of paths.** Metadata without an
//!   entity set, singleton or operation import (a schema fragment given for
//!   judging bodies) leaves every example sent.

use super::{MetadataCache, MetadataSource, Session, Settings, transport};
use crate::csdl::{Declaration, SchemaJudge};
use crate::model::{Actual, Case, Finding, FindingKind, Severity};
use crate::target::{Prepared, Replayer};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

impl Session {
    /// Validate a successful JSON answer against the declared type: the
    /// annotation's `@odata.type`, else the payload's own.
    pub(super) async fn judge_schema(
        &self,
        rep: &Replayer,
        case: &Case,
        expected: &crate::model::DocResponse,
        actual: &Actual,
        parsed: Option<serde_json::Value>,
        findings: &mut Vec<Finding>,
    ) {
        let Some(source) = &self.metadata else { return };
        if !(200..300).contains(&actual.status) || actual.status != expected.status {
            return;
        }
        // The judge parsed the answer when the doc shows JSON; otherwise try.
        let Some(body) = parsed.or_else(|| serde_json::from_slice(&actual.body).ok()) else {
            return;
        };
        let type_name = match &expected.odata_type {
            Some(t) => t.clone(),
            None => match body.get("@odata.type").and_then(|v| v.as_str()) {
                Some(t) => t.to_owned(),
                None => return,
            },
        };
        let judge = match source {
            MetadataSource::File(j) => j.clone(),
            MetadataSource::Target(cache) => match self.fetch_metadata(rep, case, cache).await {
                Ok(Some(j)) => j,
                Ok(None) => return,
                Err(e) => {
                    findings.push(Finding {
                        kind: FindingKind::Schema,
                        severity: Severity::Warning,
                        ..transport(e)
                    });
                    return;
                }
            },
        };
        if let Some(found) = judge.validate(&type_name, &body) {
            findings.extend(found);
        }
    }

    /// `<target>/<version>/$metadata`, fetched once per version segment of
    /// the documented URL (`v1.0`, `beta`); `None` for URLs without one.
    async fn fetch_metadata(
        &self,
        rep: &Replayer,
        case: &Case,
        cache: &MetadataCache,
    ) -> Result<Option<Arc<SchemaJudge>>, String> {
        match version_of(case) {
            Some(version) => fetch_version(rep, &version, cache).await.0,
            None => Ok(None),
        }
    }
}

/// The version segment of a documented URL, lower-cased (the docs write
/// `V1.0` too): the first segment of an absolute one
/// (`https://graph.microsoft.com/v1.0/...`, `/beta/`, the seed's
/// `/localtest/`); of a relative one only when it reads as a version
/// (`/beta/me`, not `/me/drive`). A placeholder (`{version}`) is none: there
/// is no `$metadata` of it to fetch.
fn version_of(case: &Case) -> Option<String> {
    let url = case.request.url.trim();
    let absolute = url.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("http"));
    let (path, _) = crate::target::url::doc_path_and_query(url);
    let first = path.trim_start_matches('/').split('/').next()?;
    // Only a plain name is fetched as `/<version>/$metadata`: not a
    // placeholder, not `\v1.0\admin` (a backslash the url crate reads as a
    // separator), nothing that would need escaping.
    if first.is_empty()
        || !first
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        return None;
    }
    (absolute || crate::csdl::resolve::is_version(first)).then(|| first.to_ascii_lowercase())
}

/// Whether the resolver drops the URL's first segment as a version
/// (`v1.0`, `beta`, but also `v1.0.1`, `{version}`): its path is then
/// resolved against that version's `$metadata` or none, never another's.
fn has_version_segment(case: &Case) -> bool {
    let (path, _) = crate::target::url::doc_path_and_query(&case.request.url);
    path.trim_start_matches('/')
        .split('/')
        .next()
        .is_some_and(crate::csdl::resolve::is_version)
}

/// The metadata each case's path is resolved against, decided before the
/// run: what the service declares.
#[derive(Default)]
pub(super) struct Declared {
    /// Version segment → metadata; `""` holds the one file given, which
    /// answers for every case.
    by_version: HashMap<String, Arc<SchemaJudge>>,
    /// Versions whose `$metadata` the target answered 404 while it serves
    /// another's: it does not serve them.
    not_served: BTreeSet<String>,
}

/// What a case's path is resolved against.
pub(super) enum Against<'a> {
    /// This metadata.
    Metadata(&'a crate::csdl::Metadata),
    /// Nothing: the service does not serve this version (why).
    NotServed(String),
    /// No metadata says anything of it.
    Nothing,
}

impl Declared {
    /// The metadata a case's path is resolved against: the file's, else
    /// the target's of its version; a relative URL takes the one version
    /// fetched, when there is one.
    pub(super) fn for_case(&self, case: &Case) -> Against<'_> {
        let version = version_of(case);
        let judge = match self.by_version.get("") {
            Some(file) => Some(file),
            None => match &version {
                Some(v) if self.not_served.contains(v) => {
                    return Against::NotServed(format!(
                        "the service serves no /{v}/$metadata (it answered 404): it declares nothing under /{v}"
                    ));
                }
                Some(v) => self.by_version.get(v),
                // `/{version}/me`: no fetched version is its own.
                None if has_version_segment(case) => None,
                None if self.by_version.len() == 1 => self.by_version.values().next(),
                None => None,
            },
        };
        match judge {
            Some(j) => Against::Metadata(j.metadata()),
            None => Against::Nothing,
        }
    }

    /// Every declaration of the metadata in use (each version's, merged).
    pub(super) fn inventory(&self) -> Option<BTreeSet<Declaration>> {
        if self.by_version.is_empty() {
            return None;
        }
        let mut all = BTreeSet::new();
        for judge in self.by_version.values() {
            all.extend(judge.metadata().inventory());
        }
        Some(all)
    }
}

/// Whether a metadata document says which paths the service serves: it
/// declares an entity set, a singleton or an operation import. One that
/// declares types only (a schema fragment, for judging bodies) says
/// nothing of paths, and no example is not implemented by it.
fn declares_paths(judge: &SchemaJudge) -> bool {
    !judge.metadata().container.is_empty()
}

/// What the service declares, known without sending: a `--metadata` file
/// that declares paths.
pub(super) fn declared_offline(settings: &Settings) -> Declared {
    let mut d = Declared::default();
    if let Some(MetadataSource::File(judge)) = &settings.metadata
        && declares_paths(judge)
    {
        d.by_version.insert(String::new(), judge.clone());
    }
    d
}

/// Versions whose `$metadata` is fetched before a run (Graph has two:
/// `v1.0` and `beta`); pages naming more (a hostile or broken corpus)
/// cost no more than this many fetches.
const MAX_VERSIONS: usize = 8;

/// What the service declares: a `--metadata` file, or the target's own
/// `$metadata` of each version the cases use, fetched now (before anything
/// else is sent) and kept for the schema judge. A version whose document
/// cannot be had is said in `notes`, and its cases are judged as without
/// metadata.
pub(super) async fn declared(
    rep: &Replayer,
    settings: &Settings,
    cases: &[Case],
    notes: &mut Vec<String>,
) -> Declared {
    let mut d = declared_offline(settings);
    let cache = match &settings.metadata {
        Some(MetadataSource::Target(cache)) => cache,
        Some(MetadataSource::File(judge)) if !declares_paths(judge) => {
            notes.push(
                "the --metadata file declares no entity set, singleton or operation import: \
                 it judges bodies only, and every example is sent"
                    .to_owned(),
            );
            return d;
        }
        _ => return d,
    };
    // The versions most examples use first (v1.0 before a typo's `/v1/`).
    let mut uses: HashMap<String, usize> = HashMap::new();
    for v in cases.iter().filter_map(version_of) {
        *uses.entry(v).or_default() += 1;
    }
    let mut versions: Vec<(String, usize)> = uses.into_iter().collect();
    versions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut unavailable: Vec<(String, usize, String)> = Vec::new();
    if versions.len() > MAX_VERSIONS {
        notes.push(format!(
            "the pages name {} version segments: the $metadata of the first {MAX_VERSIONS} is fetched \
             (the most used), the examples under the others are sent and judged as without it",
            versions.len()
        ));
    }
    for (i, (version, n)) in versions.iter().enumerate() {
        if i >= MAX_VERSIONS {
            // Known now as not to be had: the schema judge does not fetch
            // it either, case by case (the cap holds for both).
            cache
                .lock()
                .await
                .insert(version.to_owned(), (Ok(None), None));
            continue;
        }
        match fetch_version(rep, version, cache).await {
            (Ok(Some(judge)), _) if declares_paths(&judge) => {
                d.by_version.insert(version.to_owned(), judge);
            }
            (Ok(Some(_)), _) => unavailable.push((
                version.clone(),
                *n,
                "declares no entity set, singleton or operation import".to_owned(),
            )),
            (Ok(None), _) => {}
            (Err(_), Some(404)) => {
                d.not_served.insert(version.to_owned());
            }
            (Err(e), _) => unavailable.push((version.clone(), *n, e)),
        }
    }
    // A service that serves the `$metadata` of one version and answers 404
    // for another's does not serve that version: its examples are not
    // implemented. With none found, a 404 says nothing (a service without
    // `$metadata` at all): those examples are judged as without it.
    if d.by_version.is_empty() {
        for v in std::mem::take(&mut d.not_served) {
            let n = versions
                .iter()
                .find(|(x, _)| *x == v)
                .map_or(0, |(_, n)| *n);
            unavailable.push((v.clone(), n, format!("/{v}/$metadata answered 404")));
        }
        unavailable.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    // One note for them all: a corpus's odd first segments (`/Contoso/`)
    // would otherwise each say the same.
    if let Some((first, n, why)) = unavailable.first() {
        let others: Vec<String> = unavailable[1..]
            .iter()
            .take(5)
            .map(|(v, n, _)| format!("/{v} ({n})"))
            .collect();
        notes.push(format!(
            "no $metadata of the target says what it declares under /{first} ({}): {why}{}; \
             those examples are sent and judged as without it",
            crate::report::count(*n, "example", "examples"),
            if others.is_empty() {
                String::new()
            } else {
                format!(
                    "; nor under {}{}",
                    others.join(", "),
                    if unavailable.len() > 6 { ", …" } else { "" }
                )
            }
        ));
    }
    d
}

/// `<target>/<version>/$metadata`, fetched once per version (the cache
/// keeps the answer, or why there is none).
///
/// The document is read up to 64 MiB whatever
/// `--max-body` says (a bigger one is refused with that figure, an
/// endless one costs no more memory than the cap), and within the
/// run's timeout per request and its deadline: the fetch goes through a
/// client with the run's settings but its own size cap. (With OAuth
/// client credentials that client fetches its own token, once.)
async fn fetch_version(
    rep: &Replayer,
    version: &str,
    cache: &MetadataCache,
) -> (Result<Option<Arc<SchemaJudge>>, String>, Option<u16>) {
    // About twenty times Graph's own (v1.0: 3.3 MB, 2,961 entity and
    // complex types): room for any real service, and a bound on what a
    // hostile or broken one makes the run hold.
    const METADATA_MAX_BYTES: usize = 64 << 20;
    let mut cache = cache.lock().await;
    if let Some(known) = cache.get(version) {
        return known.clone();
    }
    let url = format!("/{version}/$metadata");
    let prepared = Prepared {
        method: "GET".into(),
        url: match rep.target().map(&url) {
            Ok(u) => u,
            Err(e) => return (Err(e), None),
        },
        headers: vec![("Accept".into(), "application/xml".into())],
        body: None,
        head: Default::default(),
    };
    let client = Replayer::new(
        rep.target().clone(),
        crate::target::SendConfig {
            max_body: METADATA_MAX_BYTES,
            ..rep.config().clone()
        },
    );
    let sent = match client {
        Ok(client) => client.send(&prepared).await,
        Err(e) => Err(e),
    };
    let status = sent.as_ref().ok().map(|a| a.status);
    let fetched = match sent {
        Ok(a) if a.status == 200 => String::from_utf8(a.body)
            .map_err(|_| format!("{} is not UTF-8", prepared.url))
            .and_then(|xml| {
                crate::csdl::Metadata::parse(&xml).map_err(|e| format!("{}: {e}", prepared.url))
            })
            .map(|m| Some(Arc::new(SchemaJudge::new(Arc::new(m))))),
        Ok(a) => Err(format!("{} answered {}", prepared.url, a.status)),
        Err(e) => Err(format!(
            "cannot fetch {}: {e} (a $metadata document is read up to {} MiB)",
            prepared.url,
            METADATA_MAX_BYTES >> 20
        )),
    };
    let fetched = (
        fetched.map_err(|e| format!("metadata unavailable: {e}")),
        status,
    );
    cache.insert(version.to_owned(), fetched.clone());
    fetched
}

#[cfg(test)]
mod tests {
    use super::version_of;

    #[test]
    fn version_segments() {
        let rows: &[(&str, Option<&str>)] = &[
            ("https://graph.microsoft.com/v1.0/me", Some("v1.0")),
            ("https://graph.microsoft.com/V1.0/me", Some("v1.0")),
            ("https://graph.microsoft.com/beta/me", Some("beta")),
            ("HTTPS://graph.microsoft.com/Beta", Some("beta")),
            (
                "https://graph.microsoft.com/localtest/me",
                Some("localtest"),
            ),
            ("https://graph.microsoft.com/", None),
            ("https://graph.microsoft.com", None),
            ("https://graph.microsoft.com/{version}/me", None),
            ("/v1.0/me", Some("v1.0")),
            ("/beta/me", Some("beta")),
            ("/me/drive", None),
            ("me", None),
        ];
        for (url, want) in rows {
            let page = format!(
                "<!-- {{ \"blockType\": \"request\", \"name\": \"x\" }} -->\n```http\nGET {url}\n```\n"
            );
            let (cases, _) = crate::read_page("p.md", "p", &page);
            assert_eq!(version_of(&cases[0]).as_deref(), *want, "{url}");
        }
    }
}
