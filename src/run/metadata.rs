//! Judging answers against a declared `$metadata` schema: a CSDL file
//! loaded before the run, or the target's own, fetched once per version.

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
            Some(version) => fetch_version(rep, &version, cache).await,
            None => Ok(None),
        }
    }
}

/// The version segment of a documented URL, absolute
/// (`https://graph.microsoft.com/v1.0/...`) or not (`/beta/me`),
/// lower-cased: `v1.0`, `beta`, or another `v<digits>[.<digits>]`. A URL
/// whose first segment is no version has none (the docs write a few:
/// `https://graph.microsoft.com/Contoso/...`, `/me`): there is no
/// `$metadata` of theirs to fetch.
fn version_of(case: &Case) -> Option<String> {
    let (path, _) = crate::target::url::doc_path_and_query(&case.request.url);
    let first = path.trim_start_matches('/').split('/').next()?;
    let v = first.to_ascii_lowercase();
    let numbered = v.strip_prefix('v').is_some_and(|n| {
        let mut parts = n.split('.');
        let whole = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        whole(parts.next())
            && parts.clone().count() <= 1
            && parts.next().is_none_or(|p| whole(Some(p)))
    });
    (v == "beta" || numbered).then_some(v)
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
}

impl Declared {
    /// The metadata a case's path is resolved against: the file's, else
    /// the target's of its version; a URL without a version segment
    /// (`/me`) takes the one version fetched, when there is one. A URL
    /// under a version that was not fetched (`/beta/me` when only v1.0
    /// was, `/v1.0.1/me`, `/{version}/me`) has none: resolving it against
    /// another version's would call it declared, and send it.
    pub(super) fn for_case(&self, case: &Case) -> Option<&crate::csdl::Metadata> {
        let judge = match self.by_version.get("") {
            Some(file) => Some(file),
            None => match version_of(case) {
                Some(v) => self.by_version.get(&v),
                None if has_version_segment(case) => None,
                None if self.by_version.len() == 1 => self.by_version.values().next(),
                None => None,
            },
        };
        judge.map(|j| j.metadata().as_ref())
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
    judge.metadata().inventory().iter().any(|d| {
        matches!(
            d,
            Declaration::EntitySet(_)
                | Declaration::Singleton(_)
                | Declaration::ActionImport(_)
                | Declaration::FunctionImport(_)
        )
    })
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
    let versions: BTreeSet<String> = cases.iter().filter_map(version_of).collect();
    if versions.len() > MAX_VERSIONS {
        notes.push(format!(
            "the pages name {} version segments: the $metadata of the first {MAX_VERSIONS} is fetched, \
             the examples under the others are sent and judged as without it",
            versions.len()
        ));
        // Known now as not to be had: the schema judge does not fetch them
        // either, case by case (the cap would hold for the paths only).
        let mut known = cache.lock().await;
        for version in versions.iter().skip(MAX_VERSIONS) {
            known.insert(version.to_owned(), Ok(None));
        }
    }
    for version in versions.iter().take(MAX_VERSIONS) {
        match fetch_version(rep, version, cache).await {
            Ok(Some(judge)) if declares_paths(&judge) => {
                d.by_version.insert(version.to_owned(), judge);
            }
            Ok(Some(_)) => notes.push(format!(
                "the target's /{version}/$metadata declares no entity set, singleton or operation \
                 import: it judges bodies only, and every example under /{version} is sent"
            )),
            Ok(None) => {}
            Err(e) => notes.push(format!(
                "{e}: the examples under /{version} are sent and judged as without it"
            )),
        }
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
) -> Result<Option<Arc<SchemaJudge>>, String> {
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
        url: rep.target().map(&url)?,
        headers: vec![("Accept".into(), "application/xml".into())],
        body: None,
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
    let fetched = fetched.map_err(|e| format!("metadata unavailable: {e}"));
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
            ("https://graph.microsoft.com/v2/me", Some("v2")),
            ("https://graph.microsoft.com/Contoso/me", None),
            ("https://graph.microsoft.com/v1./me", None),
            ("https://graph.microsoft.com/v1.0.1/me", None),
            ("https://graph.microsoft.com/vx/me", None),
            ("https://graph.microsoft.com/", None),
            // A relative URL's version is its own too.
            ("/v1.0/me", Some("v1.0")),
            ("/Beta/me", Some("beta")),
            ("beta/me", Some("beta")),
            ("/me", None),
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
