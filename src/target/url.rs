//! Mapping a documented URL onto the target. Docs write absolute URLs on
//! `graph.microsoft.com` (or other hosts) and relative ones (`/me/...`); a
//! service under test lives elsewhere. An absolute URL keeps its path (version
//! segment included) on the target's scheme, host and base path; a relative
//! one is appended to the base. What the docs leave unencoded (spaces, quotes
//! in `$filter`) is percent-encoded here, and nowhere else.
//!
//! Decisions:
//! - **Text is never cut inside a character.** A documented URL may hold
//!   anything (`/me/événements`, `https“://...`): every prefix test compares
//!   bytes and every cut is at an ASCII delimiter found by search, so no
//!   input can panic (fuzzed by `fuzz/fuzz_targets/url_map.rs`).
//! - **A mapped URL never leaves the target's base path.** The url crate
//!   resolves dot segments after the documented path is appended to the
//!   base, so `/base` + `/../../admin` would be `/admin`. A documented path
//!   with a dot segment, in any spelling the url crate resolves (`.`, `..`,
//!   `%2e`, `.%2E`, `%2e.`, `%2e%2e`, any case), between `/` or `\` (which
//!   the url crate reads as `/`, and the docs' author may have meant so), is
//!   refused: the case does not run, with that reason. So is a path that
//!   has one once percent-decoded (up to three levels): a service that
//!   decodes `%2F` before routing reads `..%2F..%2Fadmin` (a value sent as
//!   one segment) as `../../admin`. Resolving it within
//!   the documented path instead would send a request the page does not
//!   document (no page of the Graph docs has one), and a value `.` or `..`
//!   put into a segment (see below) would still steer the request to
//!   another resource. After parsing, a last check refuses a URL whose
//!   scheme, host or port differ from the target's or whose path is not the
//!   base path or below it, whatever produced it.
//! - **Substituted values are data.** A value put into a URL (a variable, a
//!   value captured from the service) is percent-encoded by
//!   [`encode_value`] before the URL is mapped, so it can add no segment,
//!   query parameter or fragment, and holds no `{` or `<` a later look for
//!   placeholders could take for one. [`encode`] keeps what is already
//!   encoded, so the value arrives as it was, once decoded.
//! - **Errors do not quote the URL.** It may hold substituted values
//!   (secrets among them); the case id says which documented URL it is.

use url::Url;

/// The part of a documented URL that travels to the target: path (always
/// starting with `/`) and query (without `?`), both as written.
pub fn doc_path_and_query(doc_url: &str) -> (&str, Option<&str>) {
    let rest = strip_origin(doc_url.trim());
    let rest = rest.split('#').next().unwrap_or(rest);
    match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    }
}

/// `https://host/v1.0/me` → `/v1.0/me`; `/me` → `/me`; `me` → `me`.
fn strip_origin(url: &str) -> &str {
    // Bytes, not a `&str` slice: the prefix may end inside a character.
    let starts = |p: &str| {
        url.as_bytes()
            .get(..p.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(p.as_bytes()))
    };
    let after = if starts("https://") {
        &url["https://".len()..]
    } else if starts("http://") {
        &url["http://".len()..]
    } else {
        return url;
    };
    // The authority ends where the url crate ends it: at `/`, `\`, `?` or
    // `#` (`https://host?$top=1` keeps its query; `https://host\..` is a
    // path, refused for its dot segment).
    match after.find(['/', '\\', '?', '#']) {
        Some(i) => &after[i..],
        None => "/",
    }
}

/// Where a substituted value stands in a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlPart {
    /// Before `?`: the value is (part of) one path segment.
    Path,
    /// After `?` (or `#`): the value is (part of) one query component.
    Query,
}

/// What a value keeps as it is in a path segment and in a query component
/// alike: unreserved characters and the quotes, parentheses and separators
/// of OData literals (`'`, `(`, `)`, `!`, `$`, `*`, `,`).
const DATA_BASE: percent_encoding::AsciiSet = percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',');

/// What a value may keep as it is in a path segment: unreserved characters
/// and the sub-delimiters that structure no path (`=` stands in Graph ids,
/// `AAMk...=`). Everything else is encoded: `/`, `\`, `?`, `#`, `%`, `@`,
/// `;` (Tomcat reads `..;` as `..`), `+` (a space to some servers), `&`,
/// `{`, `<`, space, non-ASCII...
const PATH_DATA: &percent_encoding::AsciiSet = &DATA_BASE.remove(b'=').remove(b':');

/// What a value may keep as it is in a query component: unreserved
/// characters and those that separate nothing in a query (`/`, `?`, `:`, `@`,
/// quotes and parentheses of `$filter`). `&`, `=`, `+`, `;`, `#`, `%` and
/// the rest are encoded.
const QUERY_DATA: &percent_encoding::AsciiSet = &DATA_BASE
    .remove(b':')
    .remove(b'@')
    .remove(b'/')
    .remove(b'?');

/// A value as data in a URL: percent-encoded so that it cannot change the
/// URL's structure where it stands (no new segment, parameter or fragment,
/// no `%` read as an escape, no `{`/`<` read as a placeholder).
pub fn encode_value(value: &str, part: UrlPart) -> String {
    let set = match part {
        UrlPart::Path => PATH_DATA,
        UrlPart::Query => QUERY_DATA,
    };
    percent_encoding::utf8_percent_encode(value, set).to_string()
}

/// True when a path has a segment the url crate resolves as `.` or `..`:
/// `.`, `%2e`, `..`, `.%2e`, `%2e.`, `%2e%2e`, in any case, between `/` or
/// `\` (the url crate reads `\` as `/` in http URLs; [`encode`] encodes it
/// first, but the docs' author may have meant a separator).
pub fn has_dot_segment(path: &str) -> bool {
    path.split(['/', '\\']).any(|segment| {
        let lower = segment.to_ascii_lowercase();
        matches!(
            lower.as_str(),
            "." | "%2e" | ".." | ".%2e" | "%2e." | "%2e%2e"
        )
    })
}

/// A path percent-decoded as a service that decodes before routing would
/// read it (up to three levels: `%252F` is `/` to a service that decodes
/// twice). A value that arrives as one segment, `..%2F..%2Fadmin`, must not
/// become `../../admin` there.
fn decoded(path: &str) -> String {
    let mut text = path.to_owned();
    for _ in 0..3 {
        if !text.contains('%') {
            break;
        }
        text = percent_encoding::percent_decode_str(&text)
            .decode_utf8_lossy()
            .into_owned();
    }
    text
}

/// Characters that may stand in a URL as written; everything else (space,
/// quotes, braces, non-ASCII, ...) is percent-encoded. `%` is kept so that
/// what the docs already encoded is not encoded twice.
fn keep(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b)
}

/// Percent-encode what must be encoded, keep the rest byte for byte. An
/// existing `%XX` escape stays; a `%` that starts no escape becomes `%25`.
pub fn encode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &b) in bytes.iter().enumerate() {
        let escape = b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if escape || (b != b'%' && keep(b)) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The target: a base URL such as `http://127.0.0.1:8080` or
/// `https://contoso.example/graph-proxy`. Credentials in the URL
/// (`http://user:pass@host`) are taken out of it: every request carries
/// them as HTTP Basic authentication (as reqwest and curl do), and no
/// URL that is printed or reported holds them.
#[derive(Debug, Clone)]
pub struct Target {
    base: Url,
    basic: Option<(String, Option<String>)>,
}

impl Target {
    /// Parse a target base URL; only http and https.
    pub fn parse(text: &str) -> Result<Target, String> {
        // A refused URL is said without its credentials.
        let shown = without_userinfo(text);
        let mut base = Url::parse(text.trim())
            .map_err(|e| format!("target URL {shown:?} does not parse: {e}"))?;
        if base.scheme() != "http" && base.scheme() != "https" {
            return Err(format!(
                "target URL {shown:?} must be http or https, not {}",
                base.scheme()
            ));
        }
        if base.host_str().is_none() {
            return Err(format!("target URL {shown:?} has no host"));
        }
        let basic = userinfo(&base);
        if basic.is_some() {
            let _ = base.set_username("");
            let _ = base.set_password(None);
        }
        Ok(Target { base, basic })
    }

    /// The base URL, without credentials.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// User and password the target URL carried, percent-decoded.
    pub fn basic_auth(&self) -> Option<(&str, Option<&str>)> {
        self.basic.as_ref().map(|(u, p)| (u.as_str(), p.as_deref()))
    }

    /// True when every address the target will be connected to is this
    /// machine: writes go there freely. Decided on addresses, never on a
    /// name: a literal loopback address (127.0.0.0/8, `::1`, an IPv4-mapped
    /// `::ffff:127.x.y.z`; the URL parser already reads `2130706433` and
    /// `0x7f000001` as 127.0.0.1), or the name `localhost` (`localhost.`)
    /// when the system resolves it to loopback addresses only — and the
    /// clients then connect to those addresses alone ([`Target::pinned`]).
    /// Any other name (`evil.localhost` included: the system resolver may
    /// send it anywhere) is not loopback, and is never resolved for this.
    pub fn is_loopback(&self) -> bool {
        match self.base.host() {
            Some(url::Host::Ipv4(ip)) => is_loopback_ip(ip.into()),
            Some(url::Host::Ipv6(ip)) => is_loopback_ip(ip.into()),
            Some(url::Host::Domain(d)) => is_localhost_name(d) && localhost_addrs().is_some(),
            None => false,
        }
    }

    /// The URL to send for a documented URL: on the target's origin and
    /// under its base path, or refused (the reason does not quote the URL).
    pub fn map(&self, doc_url: &str) -> Result<Url, String> {
        const REFUSED: &str = "documented URL cannot be mapped onto the target";
        let (path, query) = doc_path_and_query(doc_url);
        if has_dot_segment(path) || has_dot_segment(&decoded(path)) {
            return Err(format!(
                "{REFUSED}: its path has a `.` or `..` segment (it could climb out of the base path)"
            ));
        }
        let base_path = self.base.path().trim_end_matches('/');
        let mut text = String::with_capacity(doc_url.len() + 32);
        text.push_str(self.base.scheme());
        text.push_str("://");
        text.push_str(&self.base[url::Position::BeforeUsername..url::Position::AfterPort]);
        text.push_str(base_path);
        if !path.starts_with('/') {
            text.push('/');
        }
        text.push_str(&encode(path));
        if let Some(q) = query {
            text.push('?');
            text.push_str(&encode(q));
        }
        let url = Url::parse(&text).map_err(|e| format!("{REFUSED}: {e}"))?;
        if !self.contains(&url) {
            return Err(format!(
                "{REFUSED}: it would leave the target's base URL {}",
                self.base
            ));
        }
        Ok(url)
    }

    /// True when a URL is on the target's scheme, host and port, and its
    /// path is the base path or below it (`/base`, `/base/...`, never
    /// `/basement`).
    pub fn contains(&self, url: &Url) -> bool {
        let base = &self.base;
        let base_path = base.path().trim_end_matches('/');
        let below = url
            .path()
            .strip_prefix(base_path)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        url.scheme() == base.scheme()
            && url.host() == base.host()
            && url.port_or_known_default() == base.port_or_known_default()
            && url.username().is_empty()
            && url.password().is_none()
            && below
    }
}

/// User and password of a URL's userinfo, percent-decoded; `None` when it
/// has neither.
fn userinfo(url: &Url) -> Option<(String, Option<String>)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let user = decode(url.username());
    let password = url.password().map(decode);
    (!user.is_empty() || password.is_some()).then_some((user, password))
}

/// Where the userinfo of a URL-like text would be: from after `scheme://`
/// (or `scheme:`, or the start) to the last `@`. Found without parsing, for
/// texts that do not parse; too long (a path holding `@`) rather than short.
fn userinfo_span(text: &str) -> Option<std::ops::Range<usize>> {
    let at = text.rfind('@')?;
    let start = text
        .find("://")
        .map(|i| i + 3)
        .or_else(|| text.find(':').map(|i| i + 1))
        .filter(|&i| i <= at)
        .unwrap_or(0);
    Some(start..at)
}

/// The text with what may be its userinfo replaced by `***`
/// (`http://***@host`): a target URL as an error message may show it.
pub fn without_userinfo(text: &str) -> std::borrow::Cow<'_, str> {
    match userinfo_span(text) {
        Some(span) => format!("{}***{}", &text[..span.start], &text[span.end..]).into(),
        None => text.into(),
    }
}

/// Lone user names shorter than this are not secrets: a token passed as
/// the user name (`http://TOKEN@host`) is long, and redacting a short name
/// (`admin`) would cut ordinary words in every report.
const TOKEN_LEN: usize = 16;

/// What a target URL's userinfo gives away, as values no report may show
/// (a service may echo them back, `Authorization` header and all): the
/// password as the URL holds it and decoded, the Basic credentials made of
/// them, and a token given as the user name alone. From the parsed URL
/// (what is sent), else, for a text that does not parse, from the text.
pub fn url_secrets(text: &str) -> Vec<String> {
    let text = text.trim();
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let (raw_user, raw_password) = match Url::parse(text) {
        Ok(url) => (url.username().to_owned(), url.password().map(str::to_owned)),
        Err(_) => {
            let Some(span) = userinfo_span(text) else {
                return Vec::new();
            };
            let info = &text[span];
            match info.split_once(':') {
                Some((u, p)) => (u.to_owned(), Some(p.to_owned())),
                None => (info.to_owned(), None),
            }
        }
    };
    let user = decode(&raw_user);
    let mut out = Vec::new();
    match raw_password {
        Some(raw) => {
            let password = decode(&raw);
            out.push(basic_credentials(&user, Some(&password)));
            out.push(raw);
            out.push(password);
        }
        None if user.is_empty() => return Vec::new(),
        None => {
            out.push(basic_credentials(&user, None));
            if user.chars().count() >= TOKEN_LEN {
                out.push(raw_user);
                out.push(user);
            }
        }
    }
    out.retain(|s| !s.is_empty());
    out.dedup();
    out
}

/// `user:password` in base64, as HTTP Basic authentication sends them.
pub fn basic_credentials(user: &str, password: Option<&str>) -> String {
    use base64::Engine as _;
    let pair = format!("{user}:{}", password.unwrap_or_default());
    base64::engine::general_purpose::STANDARD.encode(pair)
}

/// The first `{...}` or `<...>` placeholder left in a URL, if any.
pub fn find_placeholder(url: &str) -> Option<&str> {
    let (path, query) = doc_path_and_query(url);
    [Some(path), query]
        .into_iter()
        .flatten()
        .find_map(|part| crate::placeholder::next(part, 0).map(|f| f.text(part)))
}

/// Replace every `{name}` and `<name>` placeholder with a stable generated
/// value: a GUID derived from the name for id-like names, otherwise a token
/// made of the name's letters. The same name always gives the same value, so
/// a run is repeatable and the built-in mock (which matches `{...}` against
/// any segment) serves the case. The values are ASCII letters, digits and
/// `-` only: data wherever they stand, nothing to encode or to read again.
pub fn fill_placeholders(url: &str) -> String {
    let mut out = String::with_capacity(url.len() + 32);
    let mut last = 0;
    for f in crate::placeholder::iter(url) {
        out.push_str(&url[last..f.start]);
        out.push_str(&placeholder_value(f.name));
        last = f.end;
    }
    out.push_str(&url[last..]);
    out
}

/// The generated value for one placeholder name.
pub fn placeholder_value(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let h = fnv1a(lower.as_bytes());
    if lower.contains("id") || lower.is_empty() {
        let h2 = fnv1a(&h.to_le_bytes());
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (h >> 32) as u32,
            (h >> 16) as u16,
            (h & 0xfff) as u16,
            (h2 >> 52) as u16 & 0xfff,
            h2 & 0xffff_ffff_ffff
        )
    } else {
        let token: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if token.is_empty() {
            format!("x{:x}", h & 0xffff)
        } else {
            token
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// True for an address of this machine's loopback interface: 127.0.0.0/8,
/// `::1`, and 127.x.y.z written as an IPv4-mapped IPv6 address (a
/// dual-stack socket connects it to 127.x.y.z). `0.0.0.0` and `::` are not:
/// "any address" is no promise about where a connection goes.
pub fn is_loopback_ip(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The loopback decision on a resolved name: loopback only when it has
/// addresses and every one of them is loopback (a client may connect to any
/// of them).
pub fn all_loopback(addrs: &[std::net::IpAddr]) -> bool {
    !addrs.is_empty() && addrs.iter().all(|&ip| is_loopback_ip(ip))
}

/// `localhost` or `localhost.`, in any case: the one name resolved to
/// decide loopback.
fn is_localhost_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
}

/// What the system resolves `localhost` to, when every address is loopback;
/// `None` when it does not resolve or any address is elsewhere. Resolved
/// once per process: every decision and every connection of the run use the
/// same answer (no second lookup that could answer otherwise, and no lookup
/// per request).
pub fn localhost_addrs() -> Option<&'static [std::net::IpAddr]> {
    static ADDRS: std::sync::OnceLock<Option<Vec<std::net::IpAddr>>> = std::sync::OnceLock::new();
    ADDRS
        .get_or_init(|| {
            use std::net::ToSocketAddrs as _;
            let mut addrs: Vec<std::net::IpAddr> = Vec::new();
            for a in ("localhost", 0).to_socket_addrs().ok()? {
                if !addrs.contains(&a.ip()) {
                    addrs.push(a.ip());
                }
            }
            all_loopback(&addrs).then_some(addrs)
        })
        .as_deref()
}

impl Target {
    /// For a loopback target given by name: its host as written and the
    /// addresses every connection to it must go to (port 0: the client puts
    /// the URL's port). `None` for a literal address (nothing to resolve)
    /// and for a target that is not loopback (the client resolves it as
    /// usual; no write goes there).
    pub fn pinned(&self) -> Option<(&str, Vec<std::net::SocketAddr>)> {
        let Some(url::Host::Domain(d)) = self.base.host() else {
            return None;
        };
        if !is_localhost_name(d) {
            return None;
        }
        let addrs = localhost_addrs()?;
        Some((d, addrs.iter().map(|&ip| (ip, 0).into()).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_target_url_never_show() {
        assert_eq!(
            without_userinfo("http://alice:pw@127.0.0.1:99999/x"),
            "http://***@127.0.0.1:99999/x"
        );
        assert_eq!(without_userinfo("http://127.0.0.1/a"), "http://127.0.0.1/a");
        // Refused URLs are said without them, however they are written.
        for bad in [
            "http://alice:SECRETpw@127.0.0.1:99999",
            "ftp://alice:SECRETpw@host",
            "http://alice:SECRETpw@[::1",
            "alice:SECRETpw@graph.local:8080",
            "http://alice:SEC#RETpw@graph.local:8080",
            "http://alice:SEC/RETpw@graph.local:8080",
        ] {
            let e = Target::parse(bad).unwrap_err();
            assert!(!e.contains("SECRETpw") && !e.contains("RETpw"), "{e}");
            assert!(e.contains("***@"), "{e}");
        }
        // What a report must not show: from the parsed URL (what is sent),
        // also when it is written without `//` or with a backslash...
        let basic = |u, p| basic_credentials(u, p);
        assert_eq!(
            url_secrets("http://alice:p%2Fw@127.0.0.1:8080"),
            [basic("alice", Some("p/w")), "p%2Fw".into(), "p/w".into()]
        );
        assert_eq!(
            url_secrets("http:alice:SECRETpw@host"),
            [basic("alice", Some("SECRETpw")), "SECRETpw".into()]
        );
        assert_eq!(
            url_secrets("http://alice:SECRETpw@host\\a@b"),
            [basic("alice", Some("SECRETpw")), "SECRETpw".into()]
        );
        // ...and from the text when it does not parse.
        assert_eq!(
            url_secrets("http://alice:SEC/RETpw@127.0.0.1:99999"),
            [basic("alice", Some("SEC/RETpw")), "SEC/RETpw".into()]
        );
        // A token as the user name is secret; a short name is not (it would
        // cut `administrativeUnit`), only the Basic value made of it.
        let token = "0123456789abcdef0123";
        assert_eq!(
            url_secrets(&format!("http://{token}@graph.contoso.test")),
            [basic(token, None), token.to_owned()]
        );
        assert_eq!(url_secrets("http://admin@host"), [basic("admin", None)]);
        assert!(url_secrets("http://127.0.0.1:8080/base").is_empty());
        // A parsed target keeps them apart from its URL.
        let t = Target::parse("http://alice:p%2Fw@127.0.0.1:8080/base").unwrap();
        assert_eq!(t.base().as_str(), "http://127.0.0.1:8080/base");
        assert_eq!(t.basic_auth(), Some(("alice", Some("p/w"))));
    }

    #[test]
    fn absolute_url_keeps_its_path_on_the_target() {
        let t = Target::parse("http://127.0.0.1:8080/base/").unwrap();
        let u = t
            .map("https://graph.microsoft.com/localtest/me/onenote/operations")
            .unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:8080/base/localtest/me/onenote/operations"
        );
    }

    #[test]
    fn relative_url_is_appended_to_the_base() {
        let t = Target::parse("http://localhost:1/x").unwrap();
        assert_eq!(
            t.map("/me/events").unwrap().as_str(),
            "http://localhost:1/x/me/events"
        );
        assert_eq!(
            t.map("me/events").unwrap().as_str(),
            "http://localhost:1/x/me/events"
        );
    }

    #[test]
    fn spaces_and_quotes_are_encoded_and_escapes_kept() {
        let t = Target::parse("http://127.0.0.1:9").unwrap();
        let u = t
            .map("https://graph.microsoft.com/v1.0/users?$filter=name eq 'a\"b' and x%20y&$top=5")
            .unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:9/v1.0/users?$filter=name%20eq%20%27a%22b%27%20and%20x%20y&$top=5"
        );
        assert_eq!(encode("100%"), "100%25");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn placeholders_are_found_and_filled_stably() {
        assert_eq!(find_placeholder("/users/{id}/photo"), Some("{id}"));
        assert_eq!(find_placeholder("/reports/x(period=<p>)"), Some("<p>"));
        assert_eq!(find_placeholder("/users?$filter=a eq 'b'"), None);
        let a = fill_placeholders("/users/{user-id}/groups/{name}");
        assert_eq!(a, fill_placeholders("/users/{user-id}/groups/{name}"));
        assert!(find_placeholder(&a).is_none());
        assert!(a.ends_with("/groups/name"), "{a}");
        for name in ["user-id", "", "../..", "a/b?c#d", "é", "{x}", "<y>"] {
            let v = placeholder_value(name);
            assert!(
                !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                "{name:?}: {v}"
            );
        }
        let guid = placeholder_value("user-id");
        assert_eq!(guid.len(), 36);
        assert_eq!(guid.matches('-').count(), 4);
    }

    /// URLs that cut text at the wrong place, or hold what a parser might
    /// trip on: multi-byte characters at every early offset, lone
    /// delimiters, broken escapes.
    fn hostile_urls() -> Vec<String> {
        let mut urls: Vec<String> = [
            "",
            "?",
            "#",
            "??",
            "/",
            "//",
            "\\",
            "{",
            "}",
            "<",
            ">",
            "%",
            "%e9",
            "%%",
            "%2",
            "{{}",
            "<{>}",
            "/users/é",
            "/me/événements",
            "https“://graph.microsoft.com/v1.0/me",
            "https:/",
            "https://",
            "http://",
            "HTTPS://",
            "http://é",
            "https://h",
            "h€ttp://x",
            "/a?b?c#d#e",
            "/é?é=é#é",
            "/{é}/<é>",
            "/{",
            "/x/{a",
            "/x/<a",
            "@",
            ":",
            "[::1",
            "http://[::1",
            "http://a:b@c:d@e",
            "\u{0}",
            "\0",
            "/\u{7f}\u{80}",
        ]
        .map(str::to_owned)
        .to_vec();
        urls.push("\0".into());
        for c in ['é', '“', '€', '😀'] {
            for prefix in [
                "", "h", "ht", "htt", "http", "https", "https:", "https:/", "https://", "/", "/me/",
            ] {
                for suffix in ["", "://x/y", "/x", "?q", "{", "%"] {
                    urls.push(format!("{prefix}{c}{suffix}"));
                    urls.push(format!("{prefix}{c}{c}{suffix}"));
                }
            }
        }
        urls
    }

    #[test]
    fn no_url_function_panics_on_hostile_text() {
        let t = Target::parse("http://127.0.0.1:8080/base").unwrap();
        for url in hostile_urls() {
            let _ = doc_path_and_query(&url);
            let _ = find_placeholder(&url);
            let filled = fill_placeholders(&url);
            let _ = encode(&url);
            let _ = encode_value(&url, UrlPart::Path);
            let _ = encode_value(&url, UrlPart::Query);
            let _ = without_userinfo(&url);
            let _ = url_secrets(&url);
            let _ = Target::parse(&url);
            for u in [&url, &filled] {
                if let Ok(mapped) = t.map(u) {
                    assert!(t.contains(&mapped), "{url:?} → {mapped}");
                }
            }
        }
    }

    #[test]
    fn mapped_urls_never_leave_the_base_path() {
        let t = Target::parse("http://127.0.0.1:8080/base/").unwrap();
        // Documented URL → the URL sent, or None: refused.
        let table: &[(&str, Option<&str>)] = &[
            ("/me/events", Some("http://127.0.0.1:8080/base/me/events")),
            ("/../../admin", None),
            ("/base/../../admin", None),
            ("https://graph.microsoft.com/v1.0/../../admin", None),
            ("/v1.0/%2e%2e/admin", None),
            ("/v1.0/%2E%2E/admin", None),
            ("/v1.0/.%2E/admin", None),
            ("/v1.0/%2e./admin", None),
            ("/v1.0/..", None),
            ("/v1.0/.", None),
            ("/v1.0/%2e/x", None),
            ("/v1.0/..\\..\\admin", None),
            ("/v1.0\\..\\admin", None),
            ("..", None),
            ("../admin", None),
            ("/x/..?a=b", None),
            ("https://graph.microsoft.com\\..\\..\\admin", None),
            (
                "https://graph.microsoft.com?$top=1",
                Some("http://127.0.0.1:8080/base/?$top=1"),
            ),
            (
                "https://graph.microsoft.com#x",
                Some("http://127.0.0.1:8080/base/"),
            ),
            // Dot segments once decoded, as a service that decodes `%2F`
            // (once, twice) before routing would read them.
            ("/v1.0/..%2Fadmin", None),
            ("/v1.0/..%5Cadmin", None),
            ("/v1.0/x%2F..%2F..%2Fadmin", None),
            ("/v1.0/%252e%252e/x", None),
            ("/v1.0/..%252F..%252Fadmin", None),
            // Not dot segments: data the url crate leaves alone.
            ("/v1.0/...", Some("http://127.0.0.1:8080/base/v1.0/...")),
            ("/v1.0/..a", Some("http://127.0.0.1:8080/base/v1.0/..a")),
            ("/v1.0/a%2Fb", Some("http://127.0.0.1:8080/base/v1.0/a%2Fb")),
            (
                "/v1.0/x?a=../..",
                Some("http://127.0.0.1:8080/base/v1.0/x?a=../.."),
            ),
            // Other hosts, userinfo and `//` stay in the path.
            (
                "//evil.invalid/x",
                Some("http://127.0.0.1:8080/base//evil.invalid/x"),
            ),
            (
                "@evil.invalid/x",
                Some("http://127.0.0.1:8080/base/@evil.invalid/x"),
            ),
            (
                "https://a@evil.invalid:1/x",
                Some("http://127.0.0.1:8080/base/x"),
            ),
        ];
        for (doc, want) in table {
            let got = t.map(doc);
            match want {
                Some(w) => assert_eq!(got.as_ref().map(Url::as_str), Ok(*w), "{doc}"),
                None => {
                    let e = got.expect_err(doc);
                    assert!(e.contains("`..` segment"), "{doc}: {e}");
                }
            }
        }
        // The final check: origin and base path, never a prefix of a name.
        let parse = |u| Url::parse(u).unwrap();
        assert!(t.contains(&parse("http://127.0.0.1:8080/base")));
        assert!(t.contains(&parse("http://127.0.0.1:8080/base/x")));
        for out in [
            "http://127.0.0.1:8080/basement",
            "http://127.0.0.1:8080/",
            "https://127.0.0.1:8080/base/x",
            "http://127.0.0.2:8080/base/x",
            "http://127.0.0.1:8081/base/x",
            "http://u:p@127.0.0.1:8080/base/x",
        ] {
            assert!(!t.contains(&parse(out)), "{out}");
        }
    }

    #[test]
    fn values_are_encoded_as_data_where_they_stand() {
        // Value → in a path segment, in a query component.
        let table: &[(&str, &str, &str)] = &[
            ("48d31887-5fad", "48d31887-5fad", "48d31887-5fad"),
            ("AAMkAG=", "AAMkAG=", "AAMkAG%3D"),
            (
                "../../admin/@evil.invalid",
                "..%2F..%2Fadmin%2F%40evil.invalid",
                "../../admin/@evil.invalid",
            ),
            ("a?b#c", "a%3Fb%23c", "a?b%23c"),
            ("a&b=c+d", "a%26b=c%2Bd", "a%26b%3Dc%2Bd"),
            ("100%", "100%25", "100%25"),
            ("a\\b", "a%5Cb", "a%5Cb"),
            ("x;y", "x%3By", "x%3By"),
            ("s3cr<et>{x}", "s3cr%3Cet%3E%7Bx%7D", "s3cr%3Cet%3E%7Bx%7D"),
            ("é é", "%C3%A9%20%C3%A9", "%C3%A9%20%C3%A9"),
        ];
        for (value, path, query) in table {
            assert_eq!(encode_value(value, UrlPart::Path), *path, "{value}");
            assert_eq!(encode_value(value, UrlPart::Query), *query, "{value}");
            // Mapping keeps them as they are: no second encoding; a value
            // holding a dot segment is refused (see `decoded`).
            let t = Target::parse("http://h/base").unwrap();
            let mapped = t.map(&format!("/x/{path}?q={query}"));
            if has_dot_segment(value) {
                assert!(mapped.is_err(), "{value}: {mapped:?}");
                continue;
            }
            let u = mapped.unwrap();
            assert_eq!(u.path(), format!("/base/x/{path}"), "{value}");
            assert_eq!(u.query(), Some(format!("q={query}").as_str()), "{value}");
            // Nothing a later look could take for a placeholder.
            assert_eq!(find_placeholder(path), None);
            assert_eq!(find_placeholder(query), None);
        }
    }

    #[test]
    fn bad_targets_are_refused_with_a_reason() {
        assert!(
            Target::parse("not a url")
                .unwrap_err()
                .contains("does not parse")
        );
        assert!(
            Target::parse("ftp://x")
                .unwrap_err()
                .contains("http or https")
        );
        assert!(Target::parse("http://127.0.0.1:1").unwrap().is_loopback());
        assert!(
            !Target::parse("https://graph.microsoft.com")
                .unwrap()
                .is_loopback()
        );
    }
}
