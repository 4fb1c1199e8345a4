//! Does the service declare this path? A documented example's URL resolved
//! against a CSDL document (OData 4.01 URL Conventions §4, Graph dialect),
//! and the operation's path template for coverage.
//!
//! [`Metadata::resolve_path`] walks the path segment by segment from the
//! entity container: entity set, singleton or operation import first; then
//! keys, navigation properties (declared on the current type or a base
//! type), casts, bound actions and functions, structural properties and
//! `$value`/`$count`/`$ref`. It answers [`Resolution::Declared`] with the
//! route (template, target, every declaration walked),
//! [`Resolution::NotDeclared`] with the first segment the service does not
//! declare and a sentence for the user, or [`Resolution::Unresolvable`]
//! when the text is not an OData path shape at all. [`path_template`] makes
//! the same template from the URL alone (no metadata), [`area`] names the
//! first segment, [`Metadata::inventory`] lists what the model declares.
//!
//! Decisions, and why:
//! - **Bias to "declared".** A segment that is not declared on the current
//!   type but on a type derived from it (an implicit cast, as Graph docs
//!   write `/directoryObjects/{id}/members` for a group, or
//!   `/deviceAppManagement/mobileApps/{id}/contentVersions`, declared on
//!   `mobileLobApp`; the nearest derived type is named) counts as declared:
//!   calling a path "not implemented" skips it, and skipping a case the
//!   service answers is the costlier error (a failure still shows).
//!   For the same reason a function that is not `IsComposable` may still
//!   be followed by segments its return type declares, a `$value` follows
//!   any single entity (a message's MIME, a media entity), and a type
//!   declared in a referenced document (unknown here) accepts anything
//!   below it.
//! - **Key or name.** On a collection a segment is, in order: `$count` or
//!   `$ref`, a cast (a qualified name that is the type or a derived type), a
//!   bound operation of that name bound to a collection of the type (or a
//!   base type, or a derived type), else a key (`/users/{id}`,
//!   `/users/x@y.com`, `/mailFolders/inbox`): OData's key-as-segment reads
//!   anything else as a key, except what the service's own metadata says is
//!   none: a name qualified by one of its namespaces, or the name of an
//!   operation it binds to other types (`/me/messages/send` where `send` is
//!   bound to one message). A name the service declares nothing by is a
//!   key (the bias: a partial service that lacks `delta` altogether gets
//!   `/me/messages/delta` sent, and its 404 fails). `users('x')` and
//!   `users(id='x')` are keys too. On a single entity a segment is a cast,
//!   a navigation property, a structural property, a bound operation, then
//!   the same on derived types, then a placeholder (`{size}`) for a
//!   dynamic property when the type is open; anything else is not declared
//!   (an open type does not make every name declared: Graph's `user` is
//!   open, and `/me/anything` must stay "not implemented").
//! - **Another host is no path of the service.** An absolute URL without a
//!   version segment on a host that is not Graph's (an upload session's
//!   `https://sn3302.up.1drv.com/up/...`, a download URL, a partner's
//!   callback) is `Unresolvable`: judged as today, not skipped.
//! - **Matching is case-insensitive** (Graph's), by the lower-cased indexes
//!   of `mod.rs`; the template spells every name as the metadata declares
//!   it.
//! - **The template** (`Route::template`, [`path_template`]): version
//!   dropped, every key `{id}` as a segment of its own (`users('x')` →
//!   `/users/{id}`), function arguments reduced to their names, sorted
//!   (`getEmailActivityCounts(period)`; `delta()` stays `delta()`, a bare
//!   `delta` stays bare), a OneDrive or SharePoint path `root:/a/b.txt:`
//!   becomes `root:{path}:`, `$value`/`$count`/`$ref` lower-cased, casts
//!   qualified by namespace (not alias), names spelled as declared. A bound
//!   operation keeps the qualification it was written with
//!   (`microsoft.graph.move` or `move`): without metadata a qualified
//!   operation cannot be told from a cast, and the two functions should
//!   agree on the corpus (`tests/resolve.rs` measures it: 97.9 %, 98.3 %
//!   ignoring case; the rest are keys written as lower-case words,
//!   `inbox`, `en`, `fido2`, which only the metadata tells from names,
//!   and names the docs write in another case).
//! - **Structural properties are declared** (`/me/mailboxSettings`,
//!   `/drive/items/{id}/content`) but [`Declaration`] has no kind for
//!   them: they do not change `target`, which stays the navigation, set or
//!   operation they belong to.
//! - **Graph's path addressing**: `root:/path/to/file:` and
//!   `items/{id}:/x.txt:` (and SharePoint's `sites/{host}:/path:`) are read
//!   as one segment, the `:...:` part a key-like suffix: the position
//!   becomes one item of the same type. The closing colon may be missing at
//!   the end of the path.
//! - **Bounded work.** A path has at most [`MAX_SEGMENTS`] segments (more
//!   is `Unresolvable`); each segment costs a few hash look-ups and walks
//!   of inheritance chains (at most [`MAX_DEPTH`](super::MAX_DEPTH) long)
//!   over the declarations of that name: linear in the path. Splitting
//!   tracks quotes, parentheses and braces with counters, never recursion;
//!   text is cut at positions found in it.
//! - **The path resolved is the path sent.** The URL is cut into path and
//!   query where the sender cuts it (authority up to the first `/`, `\`,
//!   `?` or `#`; path up to the first `?` or `#`, inside parentheses too),
//!   and no segment is trimmed (`me%20` is sent as it is): a reading of its
//!   own would call one path declared and let another go to the service.
//! - Not resource paths: `$batch`, `$metadata` and other `$` first
//!   segments are `Unresolvable` (every OData service answers them; no
//!   declaration says so).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use super::parse::{OperationKind, StructuredKind};
use super::{Metadata, PRIMITIVES, RootTarget, Target};

/// The most segments a path may have (version excluded).
pub const MAX_SEGMENTS: usize = 64;

/// Whether the service declares a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The service declares this path.
    Declared(Route),
    /// A segment the service does not declare.
    NotDeclared(NotDeclared),
    /// The resolver cannot read the path (not an OData path shape); the
    /// reason.
    Unresolvable(String),
}

/// A declared path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The operation's path template: version dropped, keys `{id}`,
    /// function arguments by name (sorted), names as the metadata spells
    /// them, operations qualified as written
    /// (`/users/{id}/messages/{id}/microsoft.graph.move`,
    /// `/reports/getEmailActivityCounts(period)`,
    /// `/me/drive/root:{path}:/content`).
    pub template: String,
    /// What the path addresses: the last declaration walked (a key,
    /// `$value`, `$count`, `$ref`, a cast or a structural property does not
    /// change it).
    pub target: Declaration,
    /// Every declaration the path went through, first to last (target
    /// included).
    pub through: Vec<Declaration>,
}

/// The first segment of a path that the service does not declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotDeclared {
    /// 0-based index of the segment in the path (version segment excluded).
    pub index: usize,
    /// The segment as written (percent-decoded).
    pub segment: String,
    /// One sentence for the user.
    pub message: String,
}

/// Something the model declares that a path can go through.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Declaration {
    EntitySet(String),
    Singleton(String),
    /// (qualified owner type, property name)
    Navigation(String, String),
    /// (qualified name, qualified binding type, `Collection(...)` when bound
    /// to a collection)
    Action(String, String),
    Function(String, String),
    ActionImport(String),
    FunctionImport(String),
}

impl Declaration {
    /// `entity-set`, `singleton`, `navigation`, `action`, `function`,
    /// `action-import`, `function-import`.
    pub fn kind(&self) -> &'static str {
        match self {
            Declaration::EntitySet(_) => "entity-set",
            Declaration::Singleton(_) => "singleton",
            Declaration::Navigation(..) => "navigation",
            Declaration::Action(..) => "action",
            Declaration::Function(..) => "function",
            Declaration::ActionImport(_) => "action-import",
            Declaration::FunctionImport(_) => "function-import",
        }
    }
}

impl fmt::Display for Declaration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Declaration::EntitySet(n) => write!(f, "entity set {n}"),
            Declaration::Singleton(n) => write!(f, "singleton {n}"),
            Declaration::Navigation(t, p) => write!(f, "navigation {t}/{p}"),
            Declaration::Action(n, b) => write!(f, "action {n} on {b}"),
            Declaration::Function(n, b) => write!(f, "function {n} on {b}"),
            Declaration::ActionImport(n) => write!(f, "action import {n}"),
            Declaration::FunctionImport(n) => write!(f, "function import {n}"),
        }
    }
}

// ------------------------------------------------------------------ reading

/// One segment of a path, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    /// The whole segment as written, percent-decoded (for messages).
    pub text: String,
    /// The name (or key) before any `(...)` and `:/path:`, decoded.
    pub name: String,
    /// The text between the parentheses, when there are some, decoded.
    pub args: Option<String>,
    /// The path of a `:/path:` suffix (Graph's path addressing), decoded.
    pub colon: Option<String>,
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The path of a URL, query and fragment dropped, and its host when the
/// URL is absolute: the path the request is sent to, cut where the sender
/// cuts it ([`crate::target::url::doc_path_and_query`]: the authority ends
/// at the first `/`, `\`, `?` or `#`, the path at the first `?` or `#`,
/// inside parentheses or not). A reading of its own would resolve one path
/// and let another be sent: `https://graph.microsoft.com?x=/v1.0/me` is
/// sent as `/`, `https://host\v1.0\admin/v1.0/me` as
/// `/%5Cv1.0%5Cadmin/v1.0/me`, `/users('a#b')` as `/users('a`.
fn path_part(url: &str) -> (&str, Option<&str>) {
    let url = url.trim();
    let (path, _) = crate::target::url::doc_path_and_query(url);
    let lower_head = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let host = if lower_head.starts_with("https://") || lower_head.starts_with("http://") {
        let after = url.find("://").map_or(url, |i| &url[i + 3..]);
        let end = after.find(['/', '\\', '?', '#']).unwrap_or(after.len());
        Some(&after[..end])
    } else {
        None
    };
    (path, host)
}

fn push_segment<'a>(out: &mut Vec<&'a str>, s: &'a str) -> Result<(), String> {
    if !s.is_empty() {
        if out.len() == MAX_SEGMENTS {
            return Err(format!(
                "the path has more than {MAX_SEGMENTS} segments (the most the resolver reads)"
            ));
        }
        out.push(s);
    }
    Ok(())
}

/// Split a path on `/` outside parentheses, quotes (inside parentheses) and
/// braces, keeping a `:/path:` suffix in its segment; empty segments are
/// dropped. Errors name what is unbalanced.
pub(crate) fn split_segments(path: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut paren = 0usize;
    let mut brace = 0usize;
    let mut quote = false;
    let mut colon = false;
    let mut chars = path.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if quote {
            if c == '\'' {
                quote = false;
            }
            continue;
        }
        if colon {
            if c == ':' && matches!(next, None | Some('/')) {
                colon = false;
            }
            continue;
        }
        match c {
            '\'' if paren > 0 => quote = true,
            '(' if brace == 0 => paren += 1,
            ')' if brace == 0 => {
                paren = paren
                    .checked_sub(1)
                    .ok_or_else(|| "a `)` closes no `(`".to_string())?;
            }
            '{' => brace += 1,
            '}' => brace = brace.saturating_sub(1),
            ':' if paren == 0 && brace == 0 && next == Some('/') => colon = true,
            '/' if paren == 0 && brace == 0 => {
                push_segment(&mut out, &path[start..i])?;
                start = i + 1;
            }
            _ => {}
        }
    }
    if quote {
        return Err("a quoted string is not closed".into());
    }
    if paren > 0 {
        return Err("a `(` is not closed".into());
    }
    if brace > 0 {
        return Err("a `{` is not closed".into());
    }
    push_segment(&mut out, &path[start..])?;
    Ok(out)
}

/// Read one raw segment: `name`, `name(args)`, `name:/path:`,
/// `name(args):/path:`.
fn read_segment(raw: &str) -> Result<Segment, String> {
    // The colon suffix: the first `:/` outside parentheses and braces.
    let mut paren = 0usize;
    let mut brace = 0usize;
    let mut quote = false;
    let mut colon_at = None;
    let mut open = None;
    let mut close = None;
    let bytes = raw.as_bytes();
    for (i, c) in raw.char_indices() {
        if quote {
            if c == '\'' {
                quote = false;
            }
            continue;
        }
        match c {
            '\'' if paren > 0 => quote = true,
            '(' if brace == 0 => {
                if paren == 0 && open.is_none() {
                    open = Some(i);
                }
                paren += 1;
            }
            ')' if brace == 0 => {
                paren = paren.saturating_sub(1);
                if paren == 0 && close.is_none() {
                    close = Some(i);
                }
            }
            '{' => brace += 1,
            '}' => brace = brace.saturating_sub(1),
            ':' if paren == 0 && brace == 0 && bytes.get(i + 1) == Some(&b'/') => {
                colon_at = Some(i);
                break;
            }
            _ => {}
        }
    }
    let (base, colon) = match colon_at {
        Some(i) => {
            let path = &raw[i + 1..];
            let path = path.strip_suffix(':').unwrap_or(path);
            (&raw[..i], Some(decode(path)))
        }
        None => (raw, None),
    };
    let (name, args) = match (open, close) {
        (Some(o), Some(c)) if o < base.len() => {
            if c + 1 != base.len() {
                return Err(format!(
                    "segment {:?}: text after the closing `)`",
                    short(&decode(raw))
                ));
            }
            (&base[..o], Some(decode(&base[o + 1..c])))
        }
        _ => (base, None),
    };
    Ok(Segment {
        text: decode(raw),
        // Not trimmed: the sender sends `me%20` as it is, and `me ` is no
        // name the service declares.
        name: decode(name),
        args,
        colon,
    })
}

/// At most 60 characters of a segment, for a message.
fn short(s: &str) -> String {
    if s.chars().count() > 60 {
        let mut out: String = s.chars().take(57).collect();
        out.push_str("...");
        out
    } else {
        s.to_string()
    }
}

/// A version segment: `v1.0`, `beta`, `v2`, `{version}` (what the
/// resolver drops before the first name).
pub(crate) fn is_version(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    if l == "beta" {
        return true;
    }
    if l.starts_with('{') && l.ends_with('}') && l.contains("version") {
        return true;
    }
    l.strip_prefix('v').is_some_and(|rest| {
        !rest.is_empty()
            && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
            && rest.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// A URL's path, read.
pub(crate) struct PathRead {
    /// The segments, version dropped.
    pub segments: Vec<Segment>,
    /// The host of an absolute URL.
    pub host: Option<String>,
    /// Whether a version segment was dropped.
    pub versioned: bool,
}

/// Read the path of a URL into segments, dropping a leading version.
pub(crate) fn read_path(url: &str) -> Result<PathRead, String> {
    let (path, host) = path_part(url);
    let raw = split_segments(path)?;
    let mut segments = Vec::with_capacity(raw.len());
    let mut versioned = false;
    for (i, r) in raw.iter().enumerate() {
        let seg = read_segment(r)?;
        if i == 0 && seg.args.is_none() && seg.colon.is_none() && is_version(&seg.name) {
            versioned = true;
            continue;
        }
        segments.push(seg);
    }
    Ok(PathRead {
        segments,
        host: host.map(str::to_string),
        versioned,
    })
}

/// One argument: `name=value`, where name is an identifier (a `=` inside
/// a quoted value is no separator), or a positional value.
fn arg_piece<'a>(s: &'a str, out: &mut Vec<(Option<&'a str>, &'a str)>) {
    let s = s.trim();
    if s.is_empty() {
        return;
    }
    match s.find('=') {
        Some(i)
            if !s[..i].trim().is_empty()
                && s[..i]
                    .trim()
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '@') =>
        {
            out.push((Some(s[..i].trim()), s[i + 1..].trim()));
        }
        _ => out.push((None, s)),
    }
}

/// The arguments of a `(...)`: (name, value) pairs split on `,` outside
/// quotes, parentheses, brackets and braces; a positional value has no name.
fn split_args(args: &str) -> Vec<(Option<&str>, &str)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in args.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                arg_piece(&args[start..i], &mut out);
                start = i + 1;
            }
            _ => {}
        }
    }
    arg_piece(&args[start..], &mut out);
    out
}

/// Whether the arguments of a `(...)` are a key: one positional value, or
/// named values of which none is a parameter alias... in practice: any
/// positional value, or the single name `id`.
fn args_are_key(args: &str) -> bool {
    let parts = split_args(args);
    !parts.is_empty()
        && (parts.iter().any(|(n, _)| n.is_none())
            || (parts.len() == 1 && parts[0].0.is_some_and(|n| n.eq_ignore_ascii_case("id"))))
}

/// Whether a segment's name looks like a key rather than a name (Graph's
/// names, read from its `$metadata`, are lowerCamel identifiers, some
/// with digits or `_`, and qualified names are under `microsoft.graph`): a
/// placeholder (`{user-id}`, `<id>`), a quoted string, anything that is not
/// shaped like a (qualified) identifier (GUIDs, numbers, e-mail addresses
/// and UPNs, `19:...@thread.v2`, base64 with `=`, `+` or `-`, `b!...`
/// drive ids, host names with commas), a dotted name outside the
/// `microsoft.graph` namespaces (a host name, an extension's name), an
/// identifier that starts upper-case (`AAMkAGI2TG93AAA`, `Sheet1`,
/// `NonOwnerAccess`), or a long one mostly of capitals and digits.
/// Keys written as lower-case words (`inbox`, `root`, `en`) are not seen.
pub(crate) fn looks_like_id(s: &str) -> bool {
    let s = s.trim();
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.contains('{') || first == '<' || first == '\'' || first == '"' {
        return true;
    }
    if !(first.is_alphabetic() || first == '_' || first == '$') || first.is_uppercase() {
        return true;
    }
    if s.chars()
        .any(|c| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '$'))
    {
        return true;
    }
    if s.contains('.') {
        let lower = s.to_ascii_lowercase();
        return !(lower.starts_with("microsoft.graph.") || lower.starts_with("graph."));
    }
    let len = s.chars().count();
    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
    let upper = s.chars().filter(|c| c.is_uppercase()).count();
    len >= 16 && (upper + digits) * 3 >= len
}

/// A placeholder segment: `{size}`, `<name>`.
fn is_placeholder(s: &str) -> bool {
    let s = s.trim();
    (s.starts_with('{') && s.ends_with('}')) || (s.starts_with('<') && s.ends_with('>'))
}

/// `(sorted argument names)` for a template: `(a,b)`, `()`.
fn arg_names<'a>(args: &'a str, canonical: impl Fn(&'a str) -> String) -> String {
    let mut names: Vec<String> = split_args(args)
        .into_iter()
        .filter_map(|(n, _)| n.map(&canonical))
        .collect();
    names.sort_by_key(|n| n.to_ascii_lowercase());
    format!("({})", names.join(","))
}

/// Without metadata: the operation template of a URL from its text alone.
/// Version dropped; placeholders and segments that look like ids (see the
/// module docs) become `{id}`; `(key)` becomes `/{id}`; `(a='x',b=1)`
/// becomes `(a,b)`; a `:/path:` suffix `:{path}:`; `$value`, `$count`,
/// `$ref` lower-cased. A URL that cannot be read is returned as its path.
pub fn path_template(url: &str) -> String {
    let segments = match read_path(url) {
        Ok(p) => p.segments,
        Err(_) => return path_part(url).0.to_string(),
    };
    let mut out = String::new();
    for (i, seg) in segments.iter().enumerate() {
        out.push('/');
        if seg.name.starts_with('$') {
            out.push_str(&seg.name.to_ascii_lowercase());
        } else if i > 0 && looks_like_id(&seg.name) {
            out.push_str("{id}");
        } else {
            out.push_str(&seg.name);
        }
        match &seg.args {
            None => {}
            Some(a) if a.trim().is_empty() => out.push_str("()"),
            Some(a) if args_are_key(a) => out.push_str("/{id}"),
            Some(a) => out.push_str(&arg_names(a, str::to_string)),
        }
        if seg.colon.is_some() {
            out.push_str(":{path}:");
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The area of a path for coverage: its first segment after the version
/// (`me`, `users`, `groups`), without arguments; empty when there is none.
pub fn area(url: &str) -> String {
    match read_path(url) {
        Ok(p) => p
            .segments
            .first()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        Err(_) => path_part(url)
            .0
            .split('/')
            .find(|s| !s.is_empty() && !is_version(s))
            .map(|s| s.split(['(', ':']).next().unwrap_or("").to_string())
            .unwrap_or_default(),
    }
}

// ---------------------------------------------------------------- resolving

/// Where a walk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pos {
    /// A value of a structured type, or a collection of them.
    Structured { ty: usize, coll: bool },
    /// A primitive or enum value (or collection).
    Value { target: Target, coll: bool },
    /// A type declared in a referenced document: anything may follow.
    Unknown,
    /// Nothing may follow.
    End,
}

enum Miss {
    NotDeclared(String),
    Unresolvable(String),
}

struct Walk<'m> {
    meta: &'m Metadata,
    template: String,
    through: Vec<Declaration>,
    pos: Pos,
    /// What gave the current position its type, for messages (`the type
    /// of singleton me`).
    origin: String,
    /// What ended the path (`Pos::End`), for messages (`$count`, `action
    /// microsoft.graph.sendMail on microsoft.graph.user`).
    ended: String,
}

/// Which member a name found, and whether on a derived type (an implicit
/// cast).
#[derive(Clone, Copy)]
enum Member {
    Nav(usize, usize),
    Prop(usize, usize),
    Op(usize),
}

impl Metadata {
    /// Resolve a documented URL (absolute
    /// `https://graph.microsoft.com/v1.0/me/messages?$top=1`, or a path
    /// `/me/messages`, versionless or with `v1.0`/`beta`; query and
    /// fragment ignored) against the declarations of this document.
    pub fn resolve_path(&self, url: &str) -> Resolution {
        let segments = match read_path(url) {
            Ok(p) => {
                // An absolute URL on a host that is not Graph's, without a
                // version segment (an upload session's
                // `https://sn3302.up.1drv.com/up/...`, a download URL, a
                // partner's callback), is no path of the service.
                if let Some(host) = &p.host
                    && !p.versioned
                    && !p.segments.is_empty()
                    && !host.to_ascii_lowercase().contains("graph")
                {
                    return Resolution::Unresolvable(format!(
                        "an absolute URL on {host} without a version segment: \
                         not a path of the service"
                    ));
                }
                p.segments
            }
            Err(e) => return Resolution::Unresolvable(e),
        };
        let Some(first) = segments.first() else {
            return Resolution::Unresolvable("the URL has no path".into());
        };
        if first.name.starts_with('$') {
            return Resolution::Unresolvable(format!(
                "{} is not a resource path (no declaration addresses it)",
                first.name
            ));
        }
        let mut walk = Walk {
            meta: self,
            template: String::new(),
            through: Vec::new(),
            pos: Pos::End,
            origin: String::new(),
            ended: String::new(),
        };
        for (index, seg) in segments.iter().enumerate() {
            let step = if index == 0 {
                walk.first(seg)
            } else {
                walk.next(seg)
            };
            let step = step.and_then(|()| match &seg.colon {
                Some(_) => walk.colon(),
                None => Ok(()),
            });
            match step {
                Ok(()) => {}
                Err(Miss::NotDeclared(message)) => {
                    return Resolution::NotDeclared(NotDeclared {
                        index,
                        segment: seg.text.clone(),
                        message,
                    });
                }
                Err(Miss::Unresolvable(reason)) => {
                    return Resolution::Unresolvable(format!(
                        "segment {} {:?}: {reason}",
                        index + 1,
                        short(&seg.text)
                    ));
                }
            }
        }
        match walk.through.last() {
            Some(target) => Resolution::Declared(Route {
                template: walk.template,
                target: target.clone(),
                through: walk.through,
            }),
            None => Resolution::Unresolvable("the path declares nothing".into()),
        }
    }

    /// The model side for coverage: every entity set, singleton, navigation
    /// property of a structured type reachable from the container (through
    /// navigation, complex properties, casts and function results), bound
    /// action and function (one row per (name, binding type)), and
    /// operation import; sorted.
    pub fn inventory(&self) -> Vec<Declaration> {
        let mut out = BTreeSet::new();
        let mut reached: HashSet<usize> = HashSet::new();
        let mut queue: Vec<usize> = Vec::new();
        // Bound operations by the type they are bound to.
        let mut bound_to: HashMap<usize, Vec<usize>> = HashMap::new();
        for (o, b) in self.op_binding.iter().enumerate() {
            if let Some((Some(Target::Named(t)), _)) = b {
                bound_to.entry(*t).or_default().push(o);
            }
        }
        let returns = |o: usize| match self.op_return[o] {
            Some((Some(Target::Named(t)), _)) => Some(t),
            _ => None,
        };
        for (element, root) in self.container.iter().zip(&self.roots) {
            let name = element.name().to_string();
            match root {
                RootTarget::EntitySet(t) => {
                    out.insert(Declaration::EntitySet(name));
                    queue.extend(t);
                }
                RootTarget::Singleton(t) => {
                    out.insert(Declaration::Singleton(name));
                    queue.extend(t);
                }
                RootTarget::ActionImport(ops) => {
                    out.insert(Declaration::ActionImport(name));
                    queue.extend(ops.iter().filter_map(|&o| returns(o)));
                }
                RootTarget::FunctionImport(ops) => {
                    out.insert(Declaration::FunctionImport(name));
                    queue.extend(ops.iter().filter_map(|&o| returns(o)));
                }
            }
        }
        // Each type's own declarations are read once: a walk up a chain stops
        // at the first type already read (its bases were read with it).
        let mut read: HashSet<usize> = HashSet::new();
        while let Some(t) = queue.pop() {
            if !reached.insert(t) {
                continue;
            }
            queue.extend(self.derived[t].iter().copied());
            for j in self.chain(t) {
                if !read.insert(j) {
                    break;
                }
                let Some(st) = self.structured_at(j) else {
                    continue;
                };
                for (k, nav) in st.navigation_properties.iter().enumerate() {
                    out.insert(Declaration::Navigation(
                        self.qualified[j].clone(),
                        nav.name.clone(),
                    ));
                    queue.extend(self.nav_targets[j][k]);
                }
                for target in &self.property_targets[j] {
                    if let Target::Named(p) = target
                        && self.structured_at(*p).is_some()
                    {
                        queue.push(*p);
                    }
                }
                for &o in bound_to.get(&j).into_iter().flatten() {
                    queue.extend(returns(o));
                }
            }
        }
        for o in 0..self.operations.len() {
            if self.op_binding[o].is_some() {
                out.insert(self.op_declaration(o));
            }
        }
        out.into_iter().collect()
    }

    /// The declaration of a bound operation.
    fn op_declaration(&self, o: usize) -> Declaration {
        let op = &self.operations[o];
        let name = format!("{}.{}", op.namespace, op.name);
        let binding = match (&self.op_binding[o], op.parameters.first()) {
            (Some((t, coll)), Some(p)) => {
                let inner = match t {
                    Some(Target::Named(i)) => self.qualified[*i].clone(),
                    Some(Target::Primitive(i)) => PRIMITIVES[*i].to_string(),
                    None => p.type_name.clone(),
                };
                if *coll {
                    format!("Collection({inner})")
                } else {
                    inner
                }
            }
            _ => String::new(),
        };
        match op.kind {
            OperationKind::Action => Declaration::Action(name, binding),
            OperationKind::Function => Declaration::Function(name, binding),
        }
    }

    /// The best member named `lower` on type `ty` in `index`: declared on
    /// the type or a base type (the most derived declaration), else on a
    /// derived type (the nearest, then the first declared); `true` for the
    /// second.
    fn member_in(
        &self,
        index: &HashMap<String, Vec<(usize, usize)>>,
        lower: &str,
        ty: usize,
    ) -> Option<((usize, usize), bool)> {
        let candidates = index.get(lower)?;
        let direct = candidates
            .iter()
            .filter(|(owner, _)| self.is_a(ty, *owner))
            .max_by_key(|(owner, _)| self.depth[*owner]);
        if let Some(&m) = direct {
            return Some((m, false));
        }
        candidates
            .iter()
            .filter(|(owner, _)| self.is_a(*owner, ty))
            .min_by_key(|(owner, _)| self.depth[*owner])
            .map(|&m| (m, true))
    }

    /// The best bound operation named `lower` (in namespace `ns` when
    /// qualified) for a binding of (`ty`, `coll`): bound to the type or a
    /// base type, else to a derived type (the nearest, then the first
    /// declared); a function first when written with parentheses, an
    /// action first otherwise, then the most derived binding.
    fn op_for(
        &self,
        lower: &str,
        ns: Option<&str>,
        ty: usize,
        coll: bool,
        parens: bool,
    ) -> Option<(usize, bool)> {
        let candidates = self.bound_by_name.get(lower)?;
        let mut best: Option<(usize, (bool, usize))> = None;
        let mut implicit: Option<(usize, usize)> = None;
        for &o in candidates {
            let op = &self.operations[o];
            if ns.is_some_and(|ns| op.namespace != ns) {
                continue;
            }
            let Some((Some(Target::Named(b)), bcoll)) = self.op_binding[o] else {
                continue;
            };
            if bcoll != coll {
                continue;
            }
            let preferred = (op.kind == OperationKind::Function) == parens;
            if self.is_a(ty, b) {
                let score = (preferred, self.depth[b]);
                if best.is_none_or(|(_, s)| score > s) {
                    best = Some((o, score));
                }
            } else if self.is_a(b, ty) && implicit.is_none_or(|(_, d)| self.depth[b] < d) {
                implicit = Some((o, self.depth[b]));
            }
        }
        best.map(|(o, _)| (o, false))
            .or(implicit.map(|(o, _)| (o, true)))
    }
}

/// A qualified name split into (namespace as declared, lower-cased simple
/// name), when its namespace or alias is declared.
fn qualified<'a>(meta: &'a Metadata, name: &str) -> Option<(&'a str, String)> {
    let (ns, simple) = name.rsplit_once('.')?;
    let ns = meta.namespace_of.get(&ns.to_ascii_lowercase())?;
    Some((ns.as_str(), simple.to_ascii_lowercase()))
}

impl Walk<'_> {
    fn type_name(&self, ty: usize) -> &str {
        &self.meta.qualified[ty]
    }

    /// `microsoft.graph.user (the type of singleton me)`.
    fn here(&self, ty: usize) -> String {
        format!("{} ({})", self.type_name(ty), self.origin)
    }

    /// The current position for a message: `microsoft.graph.user (the type
    /// of singleton me)`, `a collection of ...`, `Edm.String (the type of
    /// property ...)`.
    fn describe(&self) -> String {
        match self.pos {
            Pos::Structured { ty, coll: false } => self.here(ty),
            Pos::Structured { ty, coll: true } => format!("a collection of {}", self.here(ty)),
            Pos::Value { target, coll } => format!(
                "{}{} ({})",
                if coll { "a collection of " } else { "" },
                self.value_name(target),
                self.origin
            ),
            Pos::Unknown => format!("an unknown type ({})", self.origin),
            Pos::End => self.ended.clone(),
        }
    }

    fn declare(&mut self, d: Declaration) {
        self.origin = format!("the type of {d}");
        self.through.push(d);
    }

    fn first(&mut self, seg: &Segment) -> Result<(), Miss> {
        let meta = self.meta;
        let Some(&i) = meta.root_index.get(&seg.name.to_ascii_lowercase()) else {
            let imports = meta.roots.iter().any(|r| {
                matches!(
                    r,
                    RootTarget::ActionImport(_) | RootTarget::FunctionImport(_)
                )
            });
            return Err(Miss::NotDeclared(format!(
                "no entity set{} or singleton {:?}",
                if imports { ", operation import" } else { "" },
                seg.name
            )));
        };
        let name = meta.container[i].name().to_string();
        self.template.push('/');
        self.template.push_str(&name);
        match &meta.roots[i] {
            RootTarget::EntitySet(t) => {
                self.declare(Declaration::EntitySet(name));
                self.pos = t.map_or(Pos::Unknown, |ty| Pos::Structured { ty, coll: true });
                if let Some(args) = &seg.args {
                    self.key_args(args, &seg.name)?;
                }
            }
            RootTarget::Singleton(t) => {
                if seg.args.is_some() {
                    return Err(Miss::NotDeclared(format!(
                        "singleton {name} is one entity: it takes no key"
                    )));
                }
                self.declare(Declaration::Singleton(name));
                self.pos = t.map_or(Pos::Unknown, |ty| Pos::Structured { ty, coll: false });
            }
            RootTarget::ActionImport(_) => {
                self.ended = format!("action import {name}");
                self.declare(Declaration::ActionImport(name));
                self.pos = Pos::End;
            }
            RootTarget::FunctionImport(ops) => {
                let ops = ops.clone();
                self.ended = format!("function import {name}");
                self.declare(Declaration::FunctionImport(name));
                if let Some(args) = &seg.args {
                    self.function_args(args, &ops);
                }
                self.pos = ops.first().map_or(Pos::Unknown, |&o| self.returns(o));
            }
        }
        Ok(())
    }

    /// `(key)` after a collection: one entity of it.
    fn key_args(&mut self, args: &str, name: &str) -> Result<(), Miss> {
        if args.trim().is_empty() {
            return Err(Miss::NotDeclared(format!(
                "\"{name}()\": empty parentheses are neither a key nor a function call"
            )));
        }
        self.key()
    }

    /// A key segment: one entity of the collection.
    fn key(&mut self) -> Result<(), Miss> {
        match self.pos {
            Pos::Structured { ty, coll: true } => {
                if let Some(t) = self.meta.structured_at(ty)
                    && t.kind == StructuredKind::Complex
                {
                    return Err(Miss::NotDeclared(format!(
                        "a key, but {} is a collection of a complex type (no keys)",
                        self.here(ty)
                    )));
                }
                self.pos = Pos::Structured { ty, coll: false };
            }
            Pos::Unknown => {}
            _ => {
                return Err(Miss::NotDeclared(format!(
                    "a key, but {} is not a collection",
                    self.describe()
                )));
            }
        }
        self.template.push_str("/{id}");
        Ok(())
    }

    /// The template's `(names)` for a function call, names as declared by
    /// the overloads.
    fn function_args(&mut self, args: &str, ops: &[usize]) {
        let meta = self.meta;
        // One map over the overloads' parameters: linear in them and in the
        // arguments, whatever both number.
        let mut declared: HashMap<String, &str> = HashMap::new();
        for p in ops.iter().flat_map(|&o| meta.operations[o].arguments()) {
            declared
                .entry(p.name.to_ascii_lowercase())
                .or_insert(p.name.as_str());
        }
        let canonical = |n: &str| {
            declared
                .get(&n.to_ascii_lowercase())
                .map_or_else(|| n.to_string(), |p| p.to_string())
        };
        self.template.push_str(&arg_names(args, canonical));
    }

    /// The position after an operation: its return type.
    fn returns(&self, o: usize) -> Pos {
        if self.meta.operations[o].kind == OperationKind::Action {
            return Pos::End;
        }
        self.value_of(self.meta.op_return[o])
    }

    fn value_of(&self, t: Option<(Option<Target>, bool)>) -> Pos {
        match t {
            None => Pos::End,
            Some((None, _)) => Pos::Unknown,
            Some((Some(target), coll)) => self.position(target, coll),
        }
    }

    fn position(&self, target: Target, coll: bool) -> Pos {
        match target {
            Target::Named(i) if self.meta.structured_at(i).is_some() => {
                Pos::Structured { ty: i, coll }
            }
            Target::Primitive(p) if PRIMITIVES[p] == "Edm.Untyped" => Pos::Unknown,
            _ => Pos::Value { target, coll },
        }
    }

    fn value_name(&self, target: Target) -> &str {
        match target {
            Target::Primitive(p) => PRIMITIVES[p],
            Target::Named(i) => &self.meta.qualified[i],
        }
    }

    fn next(&mut self, seg: &Segment) -> Result<(), Miss> {
        let lower = seg.name.to_ascii_lowercase();
        if lower.starts_with('$') {
            return self.dollar(&lower);
        }
        match self.pos {
            Pos::End => Err(Miss::NotDeclared(format!(
                "nothing can follow {}",
                self.ended
            ))),
            Pos::Unknown => {
                self.template.push('/');
                if looks_like_id(&seg.name) {
                    self.template.push_str("{id}");
                } else {
                    self.template.push_str(&seg.name);
                }
                match &seg.args {
                    None => {}
                    Some(a) if a.trim().is_empty() => self.template.push_str("()"),
                    Some(a) if args_are_key(a) => self.template.push_str("/{id}"),
                    Some(a) => self.template.push_str(&arg_names(a, str::to_string)),
                }
                Ok(())
            }
            Pos::Value { .. } => Err(Miss::NotDeclared(format!(
                "{:?} follows {}, a value with no members",
                seg.name,
                self.describe()
            ))),
            Pos::Structured { ty, coll: true } => self.in_collection(seg, ty),
            Pos::Structured { ty, coll: false } => self.in_single(seg, &lower, ty),
        }
    }

    fn dollar(&mut self, lower: &str) -> Result<(), Miss> {
        let ok = match (lower, self.pos) {
            (_, Pos::End) => false,
            ("$count", Pos::Structured { coll, .. } | Pos::Value { coll, .. }) => coll,
            ("$value", Pos::Structured { coll, .. } | Pos::Value { coll, .. }) => !coll,
            ("$ref", Pos::Structured { .. }) => true,
            ("$count" | "$value" | "$ref", Pos::Unknown) => true,
            ("$ref", _) => false,
            _ => {
                return Err(Miss::Unresolvable(format!(
                    "{lower} is not a path segment this resolver reads \
                     (it reads $count, $value and $ref)"
                )));
            }
        };
        if !ok {
            let what = match (lower, self.pos) {
                (_, Pos::End) => format!("nothing can follow {}", self.ended),
                ("$count", _) => format!(
                    "$count follows a collection, but {} is not one",
                    self.describe()
                ),
                ("$value", _) => format!(
                    "$value follows one value, but {} is a collection",
                    self.describe()
                ),
                _ => format!("$ref follows entities, but {} is a value", self.describe()),
            };
            return Err(Miss::NotDeclared(what));
        }
        self.template.push('/');
        self.template.push_str(lower);
        self.ended = lower.to_string();
        self.pos = Pos::End;
        Ok(())
    }

    /// A cast to `name` if it names the type or a derived type.
    fn cast(&mut self, name: &str, ty: usize, coll: bool) -> Result<bool, Miss> {
        let Some(t) = self.meta.lookup(name) else {
            return Ok(false);
        };
        if self.meta.structured_at(t).is_none() {
            return Ok(false);
        }
        if !self.meta.is_a(t, ty) {
            return Err(Miss::NotDeclared(format!(
                "cast to {}, which is not {} or a type derived from it",
                self.meta.qualified[t],
                self.here(ty)
            )));
        }
        self.template.push('/');
        self.template.push_str(&self.meta.qualified[t]);
        self.origin = format!("the cast to {}", self.meta.qualified[t]);
        self.pos = Pos::Structured { ty: t, coll };
        Ok(true)
    }

    /// A bound operation named by the segment, for a binding of (ty, coll).
    fn operation(&mut self, seg: &Segment, ty: usize, coll: bool) -> Option<bool> {
        let (ns, lower, qualified_as) = match qualified(self.meta, &seg.name) {
            Some((ns, simple)) if seg.name.contains('.') => (Some(ns), simple, Some(ns)),
            _ => (None, seg.name.to_ascii_lowercase(), None),
        };
        let (o, implicit) = self.meta.op_for(&lower, ns, ty, coll, seg.args.is_some())?;
        self.call(o, seg, qualified_as);
        Some(implicit)
    }

    /// Walk through bound operation `o`.
    fn call(&mut self, o: usize, seg: &Segment, qualified_as: Option<&str>) {
        let meta = self.meta;
        let op = &meta.operations[o];
        self.template.push('/');
        if let Some(ns) = qualified_as {
            self.template.push_str(ns);
            self.template.push('.');
        }
        self.template.push_str(&op.name);
        if let Some(args) = &seg.args {
            // The overloads of this name and binding, for parameter names.
            let binding = &meta.op_binding[o];
            let overloads: Vec<usize> = meta
                .bound_by_name
                .get(&op.name.to_ascii_lowercase())
                .into_iter()
                .flatten()
                .copied()
                .filter(|&p| &meta.op_binding[p] == binding)
                .collect();
            self.function_args(args, &overloads);
        }
        let d = meta.op_declaration(o);
        self.pos = self.returns(o);
        self.origin = format!("the return type of {d}");
        self.ended = d.to_string();
        self.through.push(d);
    }

    fn in_collection(&mut self, seg: &Segment, ty: usize) -> Result<(), Miss> {
        if seg.name.contains('.') && self.cast(&seg.name, ty, true)? {
            return self.no_args(seg);
        }
        if self.operation(seg, ty, true).is_some() {
            return Ok(());
        }
        if seg.args.is_some() {
            return Err(Miss::NotDeclared(format!(
                "{:?} is not a function bound to a collection of {}",
                seg.name,
                self.here(ty)
            )));
        }
        // Not a key: a name qualified by a namespace of the service, or the
        // name of an operation the service binds to other types
        // (`/me/messages/delta` where only users have `delta`).
        if seg.name.contains('.') && qualified(self.meta, &seg.name).is_some() {
            return Err(Miss::NotDeclared(format!(
                "{:?} is neither a type derived from {} nor an operation bound to a collection of it",
                seg.name,
                self.here(ty)
            )));
        }
        if self
            .meta
            .op_for(&seg.name.to_ascii_lowercase(), None, ty, false, false)
            .is_some()
        {
            return Err(Miss::NotDeclared(format!(
                "{:?} is bound to one entity, not to a collection: {} needs a key first",
                seg.name,
                self.describe()
            )));
        }
        if let Some(bindings) = self.bindings_of(&seg.name) {
            return Err(Miss::NotDeclared(format!(
                "{:?} is an operation bound to {bindings}, not to a collection of {}",
                seg.name,
                self.here(ty)
            )));
        }
        self.key()
    }

    /// The types operations of this name are bound to, for a message
    /// (`microsoft.graph.message, Collection(microsoft.graph.user), ...`:
    /// at most three); `None` when no bound operation has the name.
    fn bindings_of(&self, name: &str) -> Option<String> {
        let ops = self.meta.bound_by_name.get(&name.to_ascii_lowercase())?;
        let mut bindings: Vec<String> = Vec::new();
        let mut more = false;
        for &o in ops {
            let b = match self.meta.op_declaration(o) {
                Declaration::Action(_, b) | Declaration::Function(_, b) => b,
                _ => continue,
            };
            if bindings.contains(&b) {
                continue;
            }
            if bindings.len() == 3 {
                more = true;
                break;
            }
            bindings.push(b);
        }
        Some(format!(
            "{}{}",
            bindings.join(", "),
            if more { ", ..." } else { "" }
        ))
    }

    fn no_args(&self, seg: &Segment) -> Result<(), Miss> {
        match &seg.args {
            None => Ok(()),
            Some(_) => Err(Miss::NotDeclared(format!(
                "{:?} takes no parentheses",
                seg.name
            ))),
        }
    }

    fn in_single(&mut self, seg: &Segment, lower: &str, ty: usize) -> Result<(), Miss> {
        if seg.name.contains('.') {
            if self.cast(&seg.name, ty, false)? {
                return self.no_args(seg);
            }
            if self.operation(seg, ty, false).is_some() {
                return Ok(());
            }
            return Err(Miss::NotDeclared(format!(
                "{:?} is neither a type derived from {} nor an operation bound to it",
                seg.name,
                self.here(ty)
            )));
        }
        let meta = self.meta;
        let nav = meta.member_in(&meta.nav_by_name, lower, ty);
        let prop = meta.member_in(&meta.prop_by_name, lower, ty);
        let direct = match (nav, prop) {
            (Some((n, false)), _) => Some(Member::Nav(n.0, n.1)),
            (_, Some((p, false))) => Some(Member::Prop(p.0, p.1)),
            _ => None,
        };
        if let Some(m) = direct {
            return self.member(m, seg);
        }
        // A bound operation (on the type, a base type, or a derived type).
        let parens = seg.args.is_some();
        let op = meta.op_for(lower, None, ty, false, parens);
        if let Some((o, false)) = op {
            self.call(o, seg, None);
            return Ok(());
        }
        // Declared on a derived type: an implicit cast.
        let implicit = match (nav, prop, op) {
            (Some((n, true)), _, _) => Some(Member::Nav(n.0, n.1)),
            (_, Some((p, true)), _) => Some(Member::Prop(p.0, p.1)),
            (_, _, Some((o, true))) => Some(Member::Op(o)),
            _ => None,
        };
        if let Some(m) = implicit {
            return self.member(m, seg);
        }
        // A placeholder for a dynamic property of an open type
        // (`/thumbnails/{id}/{size}`).
        if is_placeholder(&seg.name) && seg.args.is_none() && meta.open_at(ty) {
            self.template.push_str("/{id}");
            self.origin = format!("a dynamic property of open type {}", self.type_name(ty));
            self.pos = Pos::Unknown;
            return Ok(());
        }
        if looks_like_id(&seg.name) {
            return Err(Miss::NotDeclared(format!(
                "{:?} reads as a key, but {} is one entity, not a collection",
                seg.name,
                self.here(ty)
            )));
        }
        if meta.op_for(lower, None, ty, true, parens).is_some() {
            return Err(Miss::NotDeclared(format!(
                "{:?} is bound to a collection of {}, not to one entity",
                seg.name,
                self.here(ty)
            )));
        }
        if let Some(bindings) = self.bindings_of(&seg.name) {
            return Err(Miss::NotDeclared(format!(
                "{:?} is an operation bound to {bindings}, not to {}",
                seg.name,
                self.here(ty)
            )));
        }
        Err(Miss::NotDeclared(format!(
            "{:?} is not a navigation property of {}",
            seg.name,
            self.here(ty)
        )))
    }

    fn member(&mut self, m: Member, seg: &Segment) -> Result<(), Miss> {
        let meta = self.meta;
        match m {
            Member::Op(o) => {
                self.call(o, seg, None);
                Ok(())
            }
            Member::Nav(owner, k) => {
                let Some(st) = meta.structured_at(owner) else {
                    return Err(Miss::Unresolvable("an index out of date".into()));
                };
                let nav = &st.navigation_properties[k];
                self.template.push('/');
                self.template.push_str(&nav.name);
                self.declare(Declaration::Navigation(
                    meta.qualified[owner].clone(),
                    nav.name.clone(),
                ));
                self.pos = match meta.nav_targets[owner][k] {
                    Some(t) => Pos::Structured {
                        ty: t,
                        coll: nav.collection,
                    },
                    None => Pos::Unknown,
                };
                match &seg.args {
                    None => Ok(()),
                    Some(_) if !nav.collection => Err(Miss::NotDeclared(format!(
                        "navigation {}/{} is single-valued: it takes no key",
                        meta.qualified[owner], nav.name
                    ))),
                    Some(args) => self.key_args(args, &seg.name),
                }
            }
            Member::Prop(owner, k) => {
                let Some(st) = meta.structured_at(owner) else {
                    return Err(Miss::Unresolvable("an index out of date".into()));
                };
                let p = &st.properties[k];
                self.template.push('/');
                self.template.push_str(&p.name);
                self.origin = format!("the type of property {}/{}", meta.qualified[owner], p.name);
                self.pos = self.position(meta.property_targets[owner][k], p.collection);
                self.no_args(seg)
            }
        }
    }

    /// A `:/path:` suffix: one item of the current type.
    fn colon(&mut self) -> Result<(), Miss> {
        match self.pos {
            Pos::Structured { ty, .. } => {
                self.pos = Pos::Structured { ty, coll: false };
            }
            Pos::Unknown => {}
            _ => {
                return Err(Miss::NotDeclared(format!(
                    "a :/path: addresses an item, but {} is not one",
                    self.describe()
                )));
            }
        }
        self.template.push_str(":{path}:");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_segments() {
        // (path, segments)
        let table: &[(&str, &[&str])] = &[
            ("/me/messages", &["me", "messages"]),
            ("me//messages/", &["me", "messages"]),
            ("/users('a/b')/x", &["users('a/b')", "x"]),
            (
                "/w/range(address='A1:B2')/x",
                &["w", "range(address='A1:B2')", "x"],
            ),
            ("/f(q='it''s/a)')/y", &["f(q='it''s/a)')", "y"]),
            (
                "/me/drive/root:/a/b.txt:/content",
                &["me", "drive", "root:/a/b.txt:", "content"],
            ),
            ("/me/drive/root:/a/b.txt", &["me", "drive", "root:/a/b.txt"]),
            (
                "/drives/{id}/items/{id}:/x.txt:",
                &["drives", "{id}", "items", "{id}:/x.txt:"],
            ),
            ("/sites/{a/b}/lists", &["sites", "{a/b}", "lists"]),
            (
                "/chats/19:abc@thread.v2/messages",
                &["chats", "19:abc@thread.v2", "messages"],
            ),
            (
                "/users/O'Brien@x.com/messages",
                &["users", "O'Brien@x.com", "messages"],
            ),
        ];
        for (path, want) in table {
            assert_eq!(split_segments(path).as_deref(), Ok(*want), "{path}");
        }
        for bad in ["/f(a", "/f)a", "/f('a)", "/{id"] {
            assert!(split_segments(bad).is_err(), "{bad} splits");
        }
        let long = "/a".repeat(MAX_SEGMENTS + 1);
        assert!(split_segments(&long).is_err());
        assert!(split_segments(&"/a".repeat(MAX_SEGMENTS)).is_ok());
    }

    #[test]
    fn reads_segments() {
        let s = read_segment("getX(period='D7')").unwrap();
        assert_eq!(
            (s.name.as_str(), s.args.as_deref(), s.colon.as_deref()),
            ("getX", Some("period='D7'"), None)
        );
        let s = read_segment("root:/a%20b/c.txt:").unwrap();
        assert_eq!(
            (s.name.as_str(), s.args.as_deref(), s.colon.as_deref()),
            ("root", None, Some("/a b/c.txt"))
        );
        let s = read_segment("%24value").unwrap();
        assert_eq!(s.name, "$value");
        assert!(read_segment("f(a)b").is_err());
    }

    #[test]
    fn strips_host_version_query() {
        let table = [
            (
                "https://graph.microsoft.com/v1.0/me/messages?$top=1",
                "/me/messages",
            ),
            ("HTTPS://graph.microsoft.com/beta/me#x", "/me"),
            ("/{version}/me", "/me"),
            ("me/messages", "/me/messages"),
            ("https://graph.microsoft.com", "/"),
            // The sender cuts at the first `?`, inside parentheses too:
            // this is sent as `search(q='a` (and read as sent).
            (
                "/v1.0/me/drive/root/search(q='a?b')?$top=1",
                "/v1.0/me/drive/root/search(q='a",
            ),
            (
                "/v1.0/me/drive/root/search(q='a%3Fb')?$top=1",
                "/me/drive/root/search(q)",
            ),
        ];
        for (url, want) in table {
            assert_eq!(path_template(url), want, "{url}");
        }
    }

    #[test]
    fn templates_without_metadata() {
        // (url, template)
        let table = [
            (
                "/users/{user-id}/messages/<id>",
                "/users/{id}/messages/{id}",
            ),
            ("/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd", "/users/{id}"),
            (
                "/users/AdeleV@contoso.com/photo/$value",
                "/users/{id}/photo/$value",
            ),
            ("/users('x')/messages('y')", "/users/{id}/messages/{id}"),
            ("/users(id='x')", "/users/{id}"),
            (
                "/me/messages/AAMkAGI2TG93AAA=/move",
                "/me/messages/{id}/move",
            ),
            (
                "/me/messages/AAMkAGI2THVSAAA/move",
                "/me/messages/{id}/move",
            ),
            (
                "/chats/19:abc@thread.v2/messages/1616990032035",
                "/chats/{id}/messages/{id}",
            ),
            (
                "/reports/getEmailActivityCounts(period='D7')",
                "/reports/getEmailActivityCounts(period)",
            ),
            (
                "/me/calendar/getSchedule(b=@p,a='x')",
                "/me/calendar/getSchedule(a,b)",
            ),
            ("/me/drive/root/delta()", "/me/drive/root/delta()"),
            ("/users/delta", "/users/delta"),
            (
                "/me/drive/root:/a/b.txt:/content",
                "/me/drive/root:{path}:/content",
            ),
            (
                "/sites/contoso.sharepoint.com:/sites/x",
                "/sites/{id}:{path}:",
            ),
            (
                "/groups/{id}/members/microsoft.graph.user/$COUNT",
                "/groups/{id}/members/microsoft.graph.user/$count",
            ),
            (
                "/sites/contoso.sharepoint.com,2C712604-1370-44E7,2D2244C3",
                "/sites/{id}",
            ),
            (
                "/drives/b!t18F8ybsHUq1z3LTz8xvZqP8zaSWjkFNhsME-Fepo75dTf9vQKfeRblBZjoSQrd7/root",
                "/drives/{id}/root",
            ),
            (
                "/me/getOffice365ActivationsUserDetail",
                "/me/getOffice365ActivationsUserDetail",
            ),
            (
                "/workbook/worksheets/Sheet1/range",
                "/workbook/worksheets/{id}/range",
            ),
            ("/me/messages/'quoted'", "/me/messages/{id}"),
            ("/me/mailFolders/AAMkAGVmMDEzM", "/me/mailFolders/{id}"),
            (
                "/security/secureScoreControlProfiles/NonOwnerAccess",
                "/security/secureScoreControlProfiles/{id}",
            ),
            ("/me/extensions/Com.Contoso.Estimate", "/me/extensions/{id}"),
            (
                "/me/extensions/Microsoft.OutlookServices.OpenTypeExtension.x",
                "/me/extensions/{id}",
            ),
            ("/places/graph.roomList", "/places/graph.roomList"),
            ("/me/mailFolders/inbox", "/me/mailFolders/inbox"),
            (
                "https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337",
                "/up/{id}",
            ),
        ];
        for (url, want) in table {
            assert_eq!(path_template(url), want, "{url}");
        }
    }

    #[test]
    fn areas() {
        for (url, want) in [
            ("https://graph.microsoft.com/v1.0/me/messages", "me"),
            ("/users('x')/messages", "users"),
            ("/beta/groups", "groups"),
            ("/v1.0", ""),
            ("/f(a/x", "f"),
        ] {
            assert_eq!(area(url), want, "{url}");
        }
    }

    #[test]
    fn arguments() {
        assert_eq!(
            split_args("a='x,y', b=[1,2], c=@p"),
            vec![
                (Some("a"), "'x,y'"),
                (Some("b"), "[1,2]"),
                (Some("c"), "@p")
            ]
        );
        assert_eq!(split_args("'k=1'"), vec![(None, "'k=1'")]);
        assert!(args_are_key("'x'"));
        assert!(args_are_key("id='x'"));
        assert!(!args_are_key("period='D7'"));
        assert!(!args_are_key(""));
    }
}
