//! The data that flows through the pipeline: cases read from pages, the
//! diagnostics the reader raises, the findings the judge raises and the
//! verdict of one case. Every stage speaks these types, so they carry no
//! behaviour beyond small accessors.

use serde::{Deserialize, Serialize};

/// A header as written in a page or received on the wire: name as written,
/// value trimmed.
pub type Header = (String, String);

/// How bad a diagnostic or a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Said, never decisive: a rule that could give no verdict (a
    /// `$filter` using what is not evaluated).
    Note,
    Warning,
    Error,
}

/// Why a case is not run. Decided before any request by the engine's
/// planning (or by the built-in mock's routing), and read by every report:
/// the terminal prints [`IgnoreReason`]'s message, the summaries count by
/// [`IgnoreReason::kind`], the JSON report adds [`IgnoreReason::slug`].
///
/// Decisions, and why:
/// - **A type, not a message parsed back.** Reports used to classify the
///   reason by matching the first words of messages written in three other
///   modules; a reworded message silently moved cases between counts.
/// - **The message never quotes a value.** A placeholder is named as the
///   page wrote it (`{user-id}`); a URL with values in, never: a value may be
///   a secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IgnoreReason {
    /// The example has a request and no response to judge against.
    NoResponse,
    /// The URL has a placeholder no variable fills (`{user-id}`).
    Placeholder { name: String },
    /// A value put into the URL made a placeholder of the URL's own braces
    /// (`{{id}}`).
    PlaceholderAroundValue,
    /// A write to a target that is not loopback, without `--allow-writes`;
    /// `step` names the scenario step (`setup`, 1-based) when it is one.
    WriteRefused {
        method: String,
        target: String,
        step: Option<(&'static str, usize)>,
    },
    /// The documented URL cannot be mapped onto the target (why, without
    /// the URL).
    Unmapped { why: String },
    /// Under the built-in mock: another example with the same method and
    /// path answers this request.
    MockShadowed { by: String },
    /// Under the built-in mock: no route serves this URL.
    MockUnroutable,
    /// Read back from a JSON report (`graph-contract report`): the kind by
    /// its slug (one of [`IgnoreReason::KINDS`]), the message as written.
    Recorded { slug: String, text: String },
}

impl IgnoreReason {
    /// Every kind, in report order: `(slug, kind)`.
    pub const KINDS: &[(&str, &str)] = &[
        ("no-response", "no documented response"),
        ("placeholder", "placeholder in the URL"),
        ("write-refused", "write refused (non-loopback target)"),
        (
            "unmapped",
            "documented URL cannot be mapped onto the target",
        ),
        ("mock-shadowed", "shadowed in the built-in mock"),
        ("mock-unroutable", "the built-in mock cannot route this URL"),
    ];

    fn position(&self) -> usize {
        match self {
            IgnoreReason::NoResponse => 0,
            IgnoreReason::Placeholder { .. } | IgnoreReason::PlaceholderAroundValue => 1,
            IgnoreReason::WriteRefused { .. } => 2,
            IgnoreReason::Unmapped { .. } => 3,
            IgnoreReason::MockShadowed { .. } => 4,
            IgnoreReason::MockUnroutable => 5,
            IgnoreReason::Recorded { slug, .. } => {
                Self::KINDS.iter().position(|(s, _)| s == slug).unwrap_or(3)
            }
        }
    }

    /// The reason without its particulars, for counting
    /// (`placeholder in the URL`).
    pub fn kind(&self) -> &'static str {
        Self::KINDS[self.position()].1
    }

    /// A stable kebab-case name for machine-read reports (`placeholder`).
    pub fn slug(&self) -> &'static str {
        Self::KINDS[self.position()].0
    }
}

impl std::fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IgnoreReason::NoResponse => f.write_str("no documented response"),
            IgnoreReason::Placeholder { name } => write!(
                f,
                "placeholder {name} in the URL (give it a value, or use --fill-placeholders)"
            ),
            IgnoreReason::PlaceholderAroundValue => f.write_str(
                "placeholder in the URL around a variable's value \
                 (braces of the documented URL around a placeholder)",
            ),
            IgnoreReason::WriteRefused {
                method,
                target,
                step: None,
            } => write!(
                f,
                "write refused: {method} to non-loopback target {target} (use --allow-writes)"
            ),
            IgnoreReason::WriteRefused {
                method,
                target,
                step: Some((kind, n)),
            } => write!(
                f,
                "write refused: {kind} step {n} is a {method} to non-loopback target {target} (use --allow-writes)"
            ),
            IgnoreReason::Unmapped { why } => f.write_str(why),
            IgnoreReason::MockShadowed { by } => {
                write!(f, "the built-in mock answers this request with {by}")
            }
            IgnoreReason::MockUnroutable => f.write_str("the built-in mock cannot route this URL"),
            IgnoreReason::Recorded { text, .. } => f.write_str(text),
        }
    }
}

/// Something the reader noticed about a page: a lenient recovery, a skipped
/// block, an example it cannot read. Always names the page and line, and
/// the column when the reader knows it. `Display` is the one-line form
/// (`page:line: kind: message`, parsed by users and tests);
/// [`Diagnostic::render`] (in `error.rs`) the long one, with the page's line
/// and a caret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The page as it was given (path as displayed to the user).
    pub page: String,
    /// 1-based line in the page.
    pub line: usize,
    /// 1-based column in the line, in characters, when known (a JSON error
    /// in an annotation or a body, a fence, a comment). Left out of the
    /// JSON form when unknown, so `lint --json` rows keep their shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub severity: Severity,
    /// A short kebab-case kind, stable across releases (`annotation-json`,
    /// `body-json`, `unclosed-fence`, ...), counted by `lint`.
    pub kind: String,
    /// One line, for a human.
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.page, self.line, self.kind, self.message
        )
    }
}

/// A documented request, as written in the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocRequest {
    /// 1-based line of the request line (`GET https://...`) in the page.
    pub line: usize,
    /// Upper-case method.
    pub method: String,
    /// The URL verbatim: absolute or relative, unencoded spaces and quotes kept.
    pub url: String,
    /// `HTTP/1.1` when the request line names a version.
    pub http_version: Option<String>,
    pub headers: Vec<Header>,
    /// The body text verbatim; `None` when the block has no body.
    pub body: Option<String>,
}

/// A documented response body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum DocBody {
    /// No body shown.
    Empty,
    /// A JSON body (possibly read leniently; the diagnostic says so).
    Json(serde_json::Value),
    /// Anything else shown as text: CSV, a `$count` number that is not meant
    /// as JSON, a binary placeholder.
    Text(String),
}

impl DocBody {
    pub fn is_empty(&self) -> bool {
        matches!(self, DocBody::Empty)
    }
    pub fn json(&self) -> Option<&serde_json::Value> {
        match self {
            DocBody::Json(v) => Some(v),
            _ => None,
        }
    }
}

/// A documented response with what its annotation says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocResponse {
    /// 1-based line of the status line in the page.
    pub line: usize,
    pub status: u16,
    pub headers: Vec<Header>,
    pub body: DocBody,
    /// The body text as written (for diffs and for the mock when not JSON).
    pub body_text: String,
    /// `"truncated": true`: the example shows part of the real body.
    pub truncated: bool,
    /// `isCollection` when the annotation says so; `None` when silent.
    pub is_collection: Option<bool>,
    /// `"isEmpty": true`: the real body is empty.
    pub is_empty: bool,
    /// `@odata.type` of the annotation (`@type` too), verbatim.
    pub odata_type: Option<String>,
}

impl DocResponse {
    /// The documented value of a header, name compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// The first header of that name (case-insensitive).
pub fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One documented example: a request and (usually) its response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// `<page id>::<name>`, unique in a run: the test name.
    pub id: String,
    /// The page as displayed (the path the user gave, joined with the file).
    pub page: String,
    /// The page path relative to the root it was found under, without `.md`.
    pub page_id: String,
    /// The example name from the annotation, or `#N` (N counts the page's
    /// cases from 1) when there is none.
    pub name: String,
    pub request: DocRequest,
    /// The expected response: the first one documented for the request.
    pub response: Option<DocResponse>,
    /// Further documented responses for the same request.
    pub alternatives: Vec<DocResponse>,
    /// True when the case's request is an unannotated block that parses as
    /// a request: followed by an unannotated response, or by an annotated
    /// response that has no request of its own.
    pub inferred: bool,
}

impl Case {
    /// The line of the example in its page (the request line).
    pub fn line(&self) -> usize {
        self.request.line
    }
}

/// What the target actually answered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Actual {
    pub status: u16,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
    /// How many times the request was sent for this answer (more than one
    /// after retries of 429/503 or of a lost connection; 0 when unknown).
    pub tries: u32,
    /// The HTTP version that answered (`HTTP/1.1`, `HTTP/2`), when known:
    /// said under `--details` only.
    pub version: Option<&'static str>,
}

impl Actual {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// What a finding is about. Serialized kebab-case; stable for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Status code differs.
    Status,
    /// A documented header is absent.
    Header,
    /// Content-Type media type differs.
    ContentType,
    /// A documented property is absent.
    Missing,
    /// A property has another JSON type than documented.
    Type,
    /// An actual `null` where the doc shows a value.
    Null,
    /// A property the doc does not show (non-truncated example).
    Undocumented,
    /// `@odata.type` names another type.
    OdataType,
    /// A documented `@odata.*` annotation is absent.
    OdataAnnotation,
    /// A documented string in a well-known format does not parse as it.
    Format,
    /// An array shorter than documented, or empty where elements are shown.
    ArrayLength,
    /// A body where none is allowed (204, `isEmpty`), or an unexpected body.
    UnexpectedBody,
    /// No body where the doc shows one.
    EmptyBody,
    /// A JSON body documented, the actual one is not JSON.
    NotJson,
    /// A disagreement with the declared (`$metadata`) schema.
    Schema,
    /// The exchange itself failed (connection, timeout, size cap).
    Transport,
    /// More elements than `$top` asks for.
    OdataTop,
    /// `$select` ignored: many unselected properties.
    OdataSelect,
    /// `$count=true` without a fitting `@odata.count`, or a `/$count`
    /// answer that is not a plain integer.
    OdataCount,
    /// Elements out of `$orderby` order.
    OdataOrderby,
    /// An element that does not satisfy `$filter`.
    OdataFilter,
    /// Paging: a next link off the target, or next and delta links on one
    /// page.
    OdataPaging,
    /// A non-2xx answer without the OData error envelope.
    OdataError,
}

/// One thing the judge found, at a JSON pointer into the body (`""` for the
/// whole body; a header or the status use `""` too and say so in `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub pointer: String,
    pub kind: FindingKind,
    pub severity: Severity,
    /// One line for a human: `missing (documented string)`.
    pub message: String,
    /// The documented side, short (a type name, a value, a status).
    pub documented: Option<String>,
    /// The actual side, short.
    pub actual: Option<String>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        if self.pointer.is_empty() {
            write!(f, "{sev}: {}", self.message)
        } else {
            write!(f, "{sev}: {}: {}", self.pointer, self.message)
        }
    }
}

/// Options of the judge.
#[derive(Debug, Clone, Copy, Default)]
pub struct JudgeOptions {
    /// Turn the warnings of design.md §3 that have an error form
    /// (undocumented properties, formats) into errors.
    pub strict: bool,
    /// The OData protocol rules (design.md §10).
    pub odata: crate::judge::odata::Mode,
}
