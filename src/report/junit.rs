//! JUnit XML: one `<testcase>` per example (classname = page, name = example
//! name), so CI systems show each example as its own test, unlike tools that
//! write one testcase per file.

use super::{Totals, case_details, first_finding};
use crate::model::Case;
use crate::run::{CaseResult, Verdict};
use std::fmt::Write as _;

/// Text as XML 1.0 can hold it, whatever bytes a service or a page sent:
/// what XML cannot hold (controls, U+FFFE/U+FFFF) made [`visible`]
/// (`\x00`), then the markup characters escaped.
///
/// [`visible`]: super::visible
fn escape(text: impl AsRef<str>) -> String {
    quick_xml::escape::escape(super::visible(text.as_ref()).as_ref()).into_owned()
}

pub fn render(cases: &[Case], results: &[CaseResult]) -> String {
    let t = Totals::of(results);
    let time: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"graph-contract\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{time:.3}\">",
        results.len(),
        t.failed,
        t.ignored_total() + t.not_implemented
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"graph-contract\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{time:.3}\">",
        results.len(),
        t.failed,
        t.ignored_total() + t.not_implemented
    );
    for r in results {
        let case = &cases[r.index];
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.3}\"",
            escape(&case.page_id),
            escape(&case.name),
            escape(&case.page),
            case.line(),
            r.duration.as_secs_f64()
        );
        let details = || escape(case_details(case, r, false, super::diff::View::Folded));
        match &r.verdict {
            Verdict::Pass => out.push_str(" />\n"),
            Verdict::Ignored(reason) => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\" />\n    </testcase>",
                    escape(reason.to_string())
                );
            }
            Verdict::NotImplemented(why) => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"not implemented: {}\" />\n    </testcase>",
                    escape(why)
                );
            }
            Verdict::KnownFailure => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"known failure (in the baseline)\" />\n      <system-out>{}</system-out>\n    </testcase>",
                    details()
                );
            }
            Verdict::Fail => {
                let message = first_finding(r).map(|f| f.to_string()).unwrap_or_default();
                let kind = first_finding(r)
                    .map(|f| format!("{:?}", f.kind))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    escape(&message),
                    escape(&kind),
                    details()
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
