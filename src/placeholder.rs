//! The one placeholder grammar: `{name}` or `<name>` in a documented URL,
//! header value or body, or in a scenario step. Every reader of
//! placeholders scans with [`iter`]: the replayer refusing an unfilled URL
//! ([`crate::target::find_placeholder`]), `--fill-placeholders`
//! ([`crate::target::fill_placeholders`]), variables and captures
//! ([`crate::scenario::substitute`]) and the built-in mock's routes.
//!
//! Decisions, and why:
//! - **A name ends at its closing bracket and holds none of `{`, `<`, a
//!   line break or `"`.** The pages write `{user-id}` and `<period>`;
//!   with a `"` or a line between them, the brackets are JSON or prose
//!   (`{"a": 1, "b": {"c": 2}}` holds no placeholder), and an opening
//!   bracket inside a name starts the placeholder again (`{{id}}` holds
//!   `{id}`, so a value that makes braces of the URL's own is seen).
//! - **The name may be empty** (`{}`): it is a placeholder to refuse or
//!   fill, never a variable to look up.

/// One placeholder in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'a> {
    /// Byte offset of the opening bracket.
    pub start: usize,
    /// Byte offset just past the closing bracket.
    pub end: usize,
    /// The text between the brackets.
    pub name: &'a str,
}

impl<'a> Found<'a> {
    /// The placeholder as written, brackets included.
    pub fn text(&self, of: &'a str) -> &'a str {
        &of[self.start..self.end]
    }
}

/// Every placeholder of `text`, in order.
pub fn iter(text: &str) -> impl Iterator<Item = Found<'_>> {
    let mut from = 0;
    std::iter::from_fn(move || {
        let found = next(text, from)?;
        from = found.end;
        Some(found)
    })
}

/// The first placeholder at or after byte `from`.
pub fn next(text: &str, mut from: usize) -> Option<Found<'_>> {
    let bytes = text.as_bytes();
    while let Some(i) = text.get(from..)?.find(['{', '<']).map(|i| from + i) {
        let close = if bytes[i] == b'{' { b'}' } else { b'>' };
        let end = bytes[i + 1..]
            .iter()
            .position(|&b| b == close || matches!(b, b'{' | b'<' | b'\n' | b'"'))
            .map(|j| i + 1 + j);
        match end {
            Some(j) if bytes[j] == close => {
                return Some(Found {
                    start: i,
                    end: j + 1,
                    name: &text[i + 1..j],
                });
            }
            _ => from = i + 1,
        }
    }
    None
}

/// True when the whole of `text` is one placeholder (a route segment).
pub fn is_whole(text: &str) -> bool {
    next(text, 0).is_some_and(|f| f.start == 0 && f.end == text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar() {
        // (text, the placeholders found)
        let rows: &[(&str, &[&str])] = &[
            ("/users/{user-id}/photo", &["{user-id}"]),
            ("/reports/x(period=<p>)", &["<p>"]),
            ("/a/{x}/b/<y>/{z}", &["{x}", "<y>", "{z}"]),
            ("/users?$filter=a eq 'b'", &[]),
            ("{{id}}", &["{id}"]),
            ("{}", &["{}"]),
            ("{\"a\": 1, \"b\": {\"c\": 2}}", &[]),
            ("{unclosed", &[]),
            ("{a\nb}", &[]),
            ("{a<b}", &[]),
            ("<a{b}>", &["{b}"]),
            ("é{é}é", &["{é}"]),
            ("}{", &[]),
        ];
        for (text, want) in rows {
            let got: Vec<&str> = iter(text).map(|f| f.text(text)).collect();
            assert_eq!(&got, want, "{text:?}");
        }
        assert!(is_whole("{id}") && is_whole("<p>"));
        assert!(!is_whole("{id}x") && !is_whole("x{id}") && !is_whole("{a}{b}"));
    }
}
