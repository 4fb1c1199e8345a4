//! Judging answers against a declared `$metadata` schema: a CSDL file
//! loaded before the run, or the target's own, fetched once per version.

use super::{MetadataCache, MetadataSource, Session, transport};
use crate::csdl::SchemaJudge;
use crate::model::{Actual, Case, Finding, FindingKind, Severity};
use crate::target::{Prepared, Replayer};
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
    ///
    /// The document is read up to 64 MiB whatever
    /// `--max-body` says (a bigger one is refused with that figure, an
    /// endless one costs no more memory than the cap), and within the
    /// run's timeout per request and its deadline: the fetch goes through a
    /// client with the run's settings but its own size cap. (With OAuth
    /// client credentials that client fetches its own token, once.)
    async fn fetch_metadata(
        &self,
        rep: &Replayer,
        case: &Case,
        cache: &MetadataCache,
    ) -> Result<Option<Arc<SchemaJudge>>, String> {
        // About twenty times Graph's own (v1.0: 3.3 MB, 2,961 entity and
        // complex types): room for any real service, and a bound on what a
        // hostile or broken one makes the run hold.
        const METADATA_MAX_BYTES: usize = 64 << 20;
        // The first segment of an absolute documented URL is its version
        // (`https://graph.microsoft.com/v1.0/...`); a relative one has none.
        let url = case.request.url.trim();
        if !url.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("http")) {
            return Ok(None);
        }
        let (path, _) = crate::target::url::doc_path_and_query(url);
        let Some(version) = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .filter(|v| !v.is_empty())
        else {
            return Ok(None);
        };
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
}
