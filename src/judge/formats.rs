//! Well-known string formats. Docs show values as placeholders ("String",
//! "Int32"), so values are not compared; but a documented value that *is* a
//! real date-time or GUID says what the property holds, and the actual value
//! must be one too. ApiDoctor misses date-times with offsets (`+03:00`, as in
//! the seed page) and 7 fractional digits; both are accepted here.
//!
//! Recognised (and nothing else, so placeholders are never in a format):
//! - `date-time`: RFC 3339 (`2017-01-01T00:00:51.2796212+03:00`, `...Z`);
//!   `T`/`Z` in either case, any number of fractional digits, ranges checked;
//! - `local date-time`: the same without an offset, as Graph's
//!   `dateTimeTimeZone.dateTime` shows it (`2017-04-15T12:00:00.0000000`); an
//!   actual value with or without an offset satisfies it;
//! - `guid`: 8-4-4-4-12 hexadecimal digits, either case.

/// A string format a documented value is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    DateTime,
    LocalDateTime,
    Guid,
}

impl Format {
    /// The name used in findings (and, for JSON Schema, see [`Format::schema_name`]).
    pub fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::LocalDateTime => "local date-time",
            Format::Guid => "guid",
        }
    }

    /// The JSON Schema `format` keyword value, when there is one.
    pub fn schema_name(self) -> Option<&'static str> {
        match self {
            Format::DateTime => Some("date-time"),
            Format::LocalDateTime => None,
            Format::Guid => Some("uuid"),
        }
    }

    /// The format a documented value is written in, if any.
    pub fn detect(s: &str) -> Option<Format> {
        if is_guid(s) {
            return Some(Format::Guid);
        }
        match date_time(s) {
            Some(true) => Some(Format::DateTime),
            Some(false) => Some(Format::LocalDateTime),
            None => None,
        }
    }

    /// Whether an actual value satisfies the format.
    pub fn accepts(self, s: &str) -> bool {
        match self {
            Format::DateTime => date_time(s) == Some(true),
            Format::LocalDateTime => date_time(s).is_some(),
            Format::Guid => is_guid(s),
        }
    }
}

/// `8-4-4-4-12` hexadecimal digits.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Parse an RFC 3339 date-time, the offset optional: `Some(true)` with an
/// offset (`Z`, `+03:00`), `Some(false)` without one, `None` when it is not a
/// date-time.
pub fn date_time(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    let mut p = Cursor { b, i: 0 };
    let year = p.digits(4)?;
    p.byte(b'-')?;
    let month = p.digits(2)?;
    p.byte(b'-')?;
    let day = p.digits(2)?;
    if !matches!(p.next()?, b'T' | b't') {
        return None;
    }
    let hour = p.digits(2)?;
    p.byte(b':')?;
    let minute = p.digits(2)?;
    p.byte(b':')?;
    let second = p.digits(2)?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    if p.peek() == Some(b'.') {
        p.i += 1;
        let start = p.i;
        while p.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
        }
        if p.i == start {
            return None;
        }
    }
    let offset = match p.next() {
        None => return Some(false),
        Some(b'Z' | b'z') => true,
        Some(b'+' | b'-') => {
            let h = p.digits(2)?;
            p.byte(b':')?;
            let m = p.digits(2)?;
            h <= 23 && m <= 59
        }
        Some(_) => false,
    };
    (offset && p.i == b.len()).then_some(true)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn byte(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }
    fn digits(&mut self, n: usize) -> Option<u32> {
        let mut v = 0;
        for _ in 0..n {
            let c = self.next()?;
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        for ok in [
            "2017-01-01T00:00:51.2796212+03:00",
            "2017-01-01T00:00:06Z",
            "2016-02-29T23:59:60.5z",
            "2020-12-31t10:00:00-08:00",
        ] {
            assert_eq!(date_time(ok), Some(true), "{ok}");
            assert_eq!(Format::detect(ok), Some(Format::DateTime), "{ok}");
        }
        assert_eq!(date_time("2017-04-15T12:00:00.0000000"), Some(false));
        assert_eq!(
            Format::detect("2017-04-15T12:00:00"),
            Some(Format::LocalDateTime)
        );
        for bad in [
            "July 8, 2015 3:48 PM",
            "String",
            "datetime",
            "2017-13-01T00:00:00Z",
            "2017-02-29T00:00:00Z",
            "2017-01-01T24:00:00Z",
            "2017-01-01T00:00Z",
            "2017-01-01",
            "2017-01-01T00:00:00.Z",
            "2017-01-01T00:00:00+3:00",
            "2017-01-01T00:00:00Zjunk",
            "2017-01-01T00:00:00+03:00 ",
        ] {
            assert_eq!(Format::detect(bad), None, "{bad}");
        }
        assert!(Format::LocalDateTime.accepts("2017-01-01T00:00:00Z"));
        assert!(!Format::DateTime.accepts("2017-01-01T00:00:00"));
    }

    #[test]
    fn guids() {
        assert!(is_guid("08fa4fcd-4fcd-08fa-cd4f-fa08cd4ffa08"));
        assert!(is_guid("AB8FA4FC-4FCD-08FA-CD4F-FA08CD4FFA08"));
        assert!(!is_guid("08fa4fcd-4fcd-08fa-cd4f-fa08cd4ffa0g"));
        assert!(!is_guid("{08fa4fcd-4fcd-08fa-cd4f-fa08cd4ffa08}"));
        assert!(!is_guid("String"));
    }
}
