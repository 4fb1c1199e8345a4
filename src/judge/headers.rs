//! The header rules. Documented header values are examples (a `Location` URL,
//! an `ETag`), so for most headers only presence is judged; `Content-Type` is
//! the exception and is compared as a media type, because a wrong media type
//! breaks clients while a `charset` or `odata.metadata` parameter the doc does
//! not show must not (Dredd's false failures on `charset`, dredd#553).
//!
//! Decisions:
//! - names are compared case-insensitively; a header documented twice is
//!   judged once (the first value);
//! - never judged, not even for presence: Content-Length (wrong in most docs),
//!   Date, request-id, client-request-id, x-ms-ags-diagnostic,
//!   Transfer-Encoding, Connection (per-request or transport details);
//! - Content-Type describes a body, so it is judged only when the actual
//!   response has a (non-blank) body. A documented 204 that shows
//!   `Content-Type: application/json` passes without one; a missing body where
//!   one is documented is the body judge's finding (EmptyBody), not a header's;
//! - a documented Content-Type that is not a media type (no `/`, e.g. a
//!   placeholder) is judged for presence only;
//! - media types: type/subtype case-insensitive; parameters the doc does not
//!   show are ignored; each documented parameter must be present in the actual
//!   value with the same value (case-insensitive, quotes removed), one
//!   ContentType finding per parameter that is not.

use super::{finding, is_blank, short};
use crate::model::{Actual, DocResponse, Finding, FindingKind, Severity};

/// Headers never judged (compared lower-case).
pub(super) const NEVER_JUDGED: [&str; 7] = [
    "content-length",
    "date",
    "request-id",
    "client-request-id",
    "x-ms-ags-diagnostic",
    "transfer-encoding",
    "connection",
];

pub(crate) fn judge_headers(expected: &DocResponse, actual: &Actual, out: &mut Vec<Finding>) {
    let has_body = !is_blank(&actual.body);
    for (i, (name, value)) in expected.headers.iter().enumerate() {
        let name = name.trim();
        if NEVER_JUDGED.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            continue;
        }
        if expected.headers[..i]
            .iter()
            .any(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        {
            continue;
        }
        let content_type = name.eq_ignore_ascii_case("content-type");
        if content_type && !has_body {
            continue;
        }
        match actual.header(name) {
            None => out.push(finding(
                "",
                FindingKind::Header,
                Severity::Error,
                format!("missing header {name}"),
                Some(short(&format!("{name}: {value}"))),
                None,
            )),
            Some(got) if content_type => judge_media_type(value, got, out),
            Some(_) => {}
        }
    }
}

/// A media type split into its essence (`type/subtype`) and parameters.
struct MediaType<'a> {
    essence: &'a str,
    params: &'a str,
}

impl<'a> MediaType<'a> {
    /// `None` when the value is not a media type (no `type/subtype`).
    fn parse(value: &'a str) -> Option<Self> {
        let (essence, params) = value.split_once(';').unwrap_or((value, ""));
        let essence = essence.trim();
        let (ty, sub) = essence.split_once('/')?;
        if ty.trim().is_empty() || sub.trim().is_empty() {
            return None;
        }
        Some(MediaType { essence, params })
    }

    /// `(name, value)` pairs, trimmed, quotes removed; a bare name has "".
    fn params(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.params.split(';').filter_map(|p| {
            let p = p.trim();
            if p.is_empty() {
                return None;
            }
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            Some((n.trim(), v.trim().trim_matches('"')))
        })
    }

    fn param(&self, name: &str) -> Option<&'a str> {
        self.params()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    fn same_essence(&self, other: &MediaType<'_>) -> bool {
        // Compare type and subtype separately so `application / json` spacing
        // does not matter.
        let (a1, a2) = self.essence.split_once('/').unwrap_or_default();
        let (b1, b2) = other.essence.split_once('/').unwrap_or_default();
        a1.trim().eq_ignore_ascii_case(b1.trim()) && a2.trim().eq_ignore_ascii_case(b2.trim())
    }
}

/// True when the judge takes `actual` for the documented media type (both
/// media types, same type/subtype, every documented parameter present with
/// its value): parameters only the answer shows are not part of the
/// contract.
pub(crate) fn media_type_matches(documented: &str, actual: &str) -> bool {
    if MediaType::parse(documented).is_none() || MediaType::parse(actual).is_none() {
        return false;
    }
    let mut findings = Vec::new();
    judge_media_type(documented, actual, &mut findings);
    findings.is_empty()
}

fn judge_media_type(documented: &str, actual: &str, out: &mut Vec<Finding>) {
    let Some(doc) = MediaType::parse(documented) else {
        return; // a placeholder: presence only
    };
    let mismatch = |message: String| {
        finding(
            "",
            FindingKind::ContentType,
            Severity::Error,
            message,
            Some(short(documented)),
            Some(short(actual)),
        )
    };
    let Some(act) = MediaType::parse(actual) else {
        out.push(mismatch(format!(
            "content-type {:?} is not a media type, documented {}",
            short(actual),
            doc.essence
        )));
        return;
    };
    if !doc.same_essence(&act) {
        out.push(mismatch(format!(
            "content-type {}, documented {}",
            act.essence, doc.essence
        )));
        return;
    }
    for (name, want) in doc.params() {
        match act.param(name) {
            None => out.push(mismatch(format!(
                "content-type lacks documented parameter {name}={want}"
            ))),
            Some(got) if !got.eq_ignore_ascii_case(want) => out.push(mismatch(format!(
                "content-type parameter {name}={got}, documented {name}={want}"
            ))),
            Some(_) => {}
        }
    }
}

/// A documented media type split once (the judge plan's form of
/// [`judge_media_type`]): the same findings, the documented side not parsed
/// again per answer.
#[derive(Debug, Clone)]
pub(super) struct DocumentedMediaType {
    /// `type/subtype` as written (trimmed), for messages.
    essence: String,
    ty: String,
    sub: String,
    params: Vec<(String, String)>,
    /// The documented value, shortened, for findings.
    shown: String,
}

impl DocumentedMediaType {
    /// `None` when the documented value is not a media type (a
    /// placeholder: presence only).
    pub(super) fn compile(documented: &str) -> Option<Self> {
        let doc = MediaType::parse(documented)?;
        let (ty, sub) = doc.essence.split_once('/').unwrap_or_default();
        Some(DocumentedMediaType {
            essence: doc.essence.to_owned(),
            ty: ty.trim().to_owned(),
            sub: sub.trim().to_owned(),
            params: doc
                .params()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
            shown: short(documented),
        })
    }

    pub(super) fn judge(&self, actual: &str, out: &mut Vec<Finding>) {
        let mismatch = |message: String| {
            finding(
                "",
                FindingKind::ContentType,
                Severity::Error,
                message,
                Some(self.shown.clone()),
                Some(short(actual)),
            )
        };
        let Some(act) = MediaType::parse(actual) else {
            out.push(mismatch(format!(
                "content-type {:?} is not a media type, documented {}",
                short(actual),
                self.essence
            )));
            return;
        };
        let (b1, b2) = act.essence.split_once('/').unwrap_or_default();
        if !(self.ty.eq_ignore_ascii_case(b1.trim()) && self.sub.eq_ignore_ascii_case(b2.trim())) {
            out.push(mismatch(format!(
                "content-type {}, documented {}",
                act.essence, self.essence
            )));
            return;
        }
        for (name, want) in &self.params {
            match act.param(name) {
                None => out.push(mismatch(format!(
                    "content-type lacks documented parameter {name}={want}"
                ))),
                Some(got) if !got.eq_ignore_ascii_case(want) => out.push(mismatch(format!(
                    "content-type parameter {name}={got}, documented {name}={want}"
                ))),
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ct(doc: &str, act: &str) -> usize {
        let mut out = Vec::new();
        judge_media_type(doc, act, &mut out);
        out.len()
    }

    #[test]
    fn media_types() {
        assert_eq!(ct("application/json", "application/json"), 0);
        assert_eq!(ct("application/json", "Application/JSON; charset=utf-8"), 0);
        assert_eq!(
            ct(
                "application/json",
                "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
            ),
            0
        );
        assert_eq!(
            ct(
                "application/json; charset=utf-8",
                "application/json;charset=\"UTF-8\""
            ),
            0
        );
        assert_eq!(ct("application/json; charset=utf-8", "application/json"), 1);
        assert_eq!(
            ct(
                "application/json; charset=utf-8",
                "application/json; charset=utf-16"
            ),
            1
        );
        assert_eq!(ct("application/json", "text/plain"), 1);
        assert_eq!(ct("application/json", "garbage"), 1);
        assert_eq!(ct("{content-type}", "anything"), 0);
        assert_eq!(ct("application / json", "application/json"), 0);
    }
}
