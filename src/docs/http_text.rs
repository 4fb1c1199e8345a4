//! The text inside an example block, read as an HTTP request or response.
//!
//! The pages write HTTP messages by hand: URLs with unencoded spaces, quotes
//! and `{placeholders}`, an optional version (also before the URL, as in
//! `GET HTTP/2.0 https://...`), headers after a blank line, bodies with or
//! without the blank line before them, status lines with or without a
//! reason. This module splits a block's text into those parts and keeps
//! everything verbatim; it judges nothing and never fails loudly: what it
//! had to forgive comes back as [`Note`]s (line offsets within the block) for
//! the caller to turn into diagnostics when the block matters.

/// Something forgiven while reading a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// 0-based line within the block text.
    pub line: usize,
    pub kind: &'static str,
    pub message: String,
}

/// A request as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// 0-based line of the request line within the block.
    pub line: usize,
    pub method: String,
    pub url: String,
    pub version: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// 0-based line of the first body line.
    pub body_line: usize,
    pub notes: Vec<Note>,
}

/// A response as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// 0-based line of the status line within the block.
    pub line: usize,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as written, trailing blank lines removed; empty when none.
    pub body: String,
    /// 0-based line of the first body line.
    pub body_line: usize,
    pub notes: Vec<Note>,
}

/// Stray request lines noted one by one in a block; one more note counts
/// the rest (a block of a million request lines is one case, not a million
/// notes held in memory).
const MAX_STRAY_NOTES: usize = 50;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn is_version(tok: &str) -> bool {
    tok.len() > 5
        && tok
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("HTTP/"))
}

/// `METHOD URL [HTTP/x]` or `METHOD HTTP/x URL`: (method, url, version).
/// The method must be written in capitals (prose never is).
pub fn request_line(line: &str) -> Option<(String, String, Option<String>)> {
    let t = line.trim();
    let (method, rest) = t.split_once(|c: char| c.is_ascii_whitespace())?;
    if !METHODS.contains(&method) {
        return None;
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return None;
    }
    if let Some((first, url)) = rest.split_once(|c: char| c.is_ascii_whitespace())
        && is_version(first)
    {
        return Some((
            method.to_string(),
            url.trim().to_string(),
            Some(first.to_string()),
        ));
    }
    if let Some((url, last)) = rest.rsplit_once(|c: char| c.is_ascii_whitespace())
        && is_version(last)
    {
        return Some((
            method.to_string(),
            url.trim().to_string(),
            Some(last.to_string()),
        ));
    }
    if is_version(rest) {
        return None;
    }
    Some((method.to_string(), rest.to_string(), None))
}

/// `HTTP/1.1 200 OK`, `HTTP/1.1 204`, `HTTP 200`: the status code.
pub fn status_line(line: &str) -> Option<u16> {
    let t = line.trim();
    if !t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("HTTP")) {
        return None;
    }
    let rest = &t[4..];
    let rest = if let Some(r) = rest.strip_prefix('/') {
        r.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
    } else {
        rest
    };
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let rest = rest.trim_start();
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() != 3 {
        return None;
    }
    let after = &rest[3..];
    if !after.is_empty() && !after.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let code: u16 = digits.parse().ok()?;
    (100..=599).contains(&code).then_some(code)
}

/// `Name: value`: a token name, then a colon (not `https://...`).
pub fn header_line(line: &str) -> Option<(String, String)> {
    let t = line.trim();
    let (name, value) = t.split_once(':')?;
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+.^_`|~-".contains(&b))
    {
        return None;
    }
    if value.starts_with("//") {
        return None;
    }
    Some((name.to_string(), value.trim().to_string()))
}

fn first_nonblank(lines: &[&str], from: usize) -> Option<usize> {
    (from..lines.len()).find(|&i| !lines[i].trim().is_empty())
}

/// The body: lines `from..`, leading blank lines dropped, trailing blank
/// lines and trailing whitespace dropped; `(text, first line)`.
fn body(lines: &[&str], from: usize) -> (String, usize) {
    let Some(start) = first_nonblank(lines, from) else {
        return (String::new(), lines.len());
    };
    let mut end = lines.len();
    while end > start && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let mut s = lines[start..end].join("\n");
    s.truncate(s.trim_end().len());
    (s, start)
}

/// Does the block's first non-blank line read as a request line?
pub fn looks_like_request(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| request_line(l).is_some())
}

/// Does the block's first non-blank line read as a status line?
pub fn looks_like_response(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| status_line(l).is_some())
}

/// Read a block as a request; `None` when its first non-blank line is not a
/// request line.
pub fn parse_request(text: &str) -> Option<Request> {
    let lines: Vec<&str> = text.lines().collect();
    let first = first_nonblank(&lines, 0)?;
    let (method, url, version) = request_line(lines[first])?;
    let mut notes = Vec::new();
    let mut headers = Vec::new();
    let mut i = first + 1;
    let mut strays = 0usize;
    let mut strays_from = 0usize;
    loop {
        match lines.get(i) {
            None => break,
            Some(l) if l.trim().is_empty() => {
                // headers after a blank line (only before any header), or
                // another request line after a blank line
                if !headers.is_empty() {
                    break;
                }
                let Some(j) = first_nonblank(&lines, i) else {
                    break;
                };
                if request_line(lines[j]).is_some() {
                    i = j;
                    continue;
                }
                if header_line(lines[j]).is_some() {
                    notes.push(Note {
                        line: i,
                        kind: "request-headers-after-blank",
                        message:
                            "blank line between the request line and the headers; read as headers"
                                .into(),
                    });
                    i = j;
                    continue;
                }
                break;
            }
            Some(l) => {
                if request_line(l).is_some() {
                    strays += 1;
                    if strays <= MAX_STRAY_NOTES {
                        notes.push(Note {
                            line: i,
                            kind: "multiple-request-lines",
                            message: format!(
                                "more than one request line in the block; using the first, ignoring `{}`",
                                l.trim()
                            ),
                        });
                    } else if strays == MAX_STRAY_NOTES + 1 {
                        strays_from = i;
                    }
                    i += 1;
                    continue;
                }
                if let Some(h) = header_line(l) {
                    headers.push(h);
                    i += 1;
                    continue;
                }
                break;
            }
        }
    }
    if strays > MAX_STRAY_NOTES {
        notes.push(Note {
            line: strays_from,
            kind: "multiple-request-lines",
            message: format!(
                "{} more request lines in the block from this line on; all ignored",
                strays - MAX_STRAY_NOTES
            ),
        });
    }
    let (b, body_line) = body(&lines, i);
    Some(Request {
        line: first,
        method,
        url,
        version,
        headers,
        body: (!b.is_empty()).then_some(b),
        body_line,
        notes,
    })
}

/// Read a block as a response; `None` when its first non-blank line is not a
/// status line.
pub fn parse_response(text: &str) -> Option<Response> {
    let lines: Vec<&str> = text.lines().collect();
    let first = first_nonblank(&lines, 0)?;
    let status = status_line(lines[first])?;
    let mut headers = Vec::new();
    let mut i = first + 1;
    while let Some(l) = lines.get(i) {
        if l.trim().is_empty() {
            break;
        }
        match header_line(l) {
            Some(h) => headers.push(h),
            None => break,
        }
        i += 1;
    }
    let (body, body_line) = body(&lines, i);
    Some(Response {
        line: first,
        status,
        headers,
        body,
        body_line,
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        let r = request_line(
            "GET https://graph.microsoft.com/v1.0/users?$filter=name eq 'a b' HTTP/1.1",
        )
        .unwrap();
        assert_eq!(
            r.1,
            "https://graph.microsoft.com/v1.0/users?$filter=name eq 'a b'"
        );
        assert_eq!(r.2.as_deref(), Some("HTTP/1.1"));
        let r = request_line("GET HTTP/2.0 https://x.test/a").unwrap();
        assert_eq!(
            (r.1.as_str(), r.2.as_deref()),
            ("https://x.test/a", Some("HTTP/2.0"))
        );
        assert!(request_line("Get the user").is_none());
        assert!(request_line("GET").is_none());
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_line("HTTP/1.1 200 OK"), Some(200));
        assert_eq!(status_line("HTTP/1.1 204"), Some(204));
        assert_eq!(status_line("HTTP/1.1 202 Accpted"), Some(202));
        assert_eq!(status_line("HTTP 201"), Some(201));
        assert_eq!(status_line("HTTP/1.1 20x"), None);
        assert_eq!(status_line("HTTPS stuff"), None);
    }

    #[test]
    fn stray_request_lines_are_noted_up_to_a_limit_then_counted() {
        let text = "GET /a\n".repeat(MAX_STRAY_NOTES + 11);
        let r = parse_request(&text).unwrap();
        assert_eq!(r.notes.len(), MAX_STRAY_NOTES + 1);
        let last = r.notes.last().unwrap();
        assert_eq!(last.line, MAX_STRAY_NOTES + 1);
        assert!(last.message.starts_with("10 more"), "{}", last.message);
    }

    #[test]
    fn headers_after_blank_and_body_without_blank() {
        let r = parse_request("POST /a\n\nContent-type: application/json\n\n{\"a\": 1}\n").unwrap();
        assert_eq!(r.headers.len(), 1);
        assert_eq!(r.body.as_deref(), Some("{\"a\": 1}"));
        assert_eq!(r.notes[0].kind, "request-headers-after-blank");
        let r = parse_response("HTTP/1.1 200 OK\nContent-type: text/plain\n42").unwrap();
        assert_eq!(r.body, "42");
        assert_eq!(r.body_line, 2);
    }
}
