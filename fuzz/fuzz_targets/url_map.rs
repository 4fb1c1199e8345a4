//! Mapping documented URLs onto a target: the input is a target base URL,
//! a newline, a documented URL, and optionally a newline and a value put
//! into the documented URL's `{v}` placeholders. Never a panic; whenever a
//! URL maps, it is on the target's scheme, host and port and its path is
//! the base path or below it; a value put into the path or the query of a
//! relative URL adds no path segment, query parameter or fragment (the URL
//! has as many as with the value `x`).
#![no_main]

use graph_contract::scenario::{Place, substitute};
use graph_contract::target::Target;
use graph_contract::target::url as doc_url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let base = parts.next().unwrap_or_default();
    let doc = parts.next().unwrap_or_default();
    let value = parts.next();

    // Every public URL function, on both texts.
    for t in [base, doc] {
        let _ = doc_url::doc_path_and_query(t);
        let _ = doc_url::find_placeholder(t);
        let _ = doc_url::fill_placeholders(t);
        let _ = doc_url::encode(t);
        let _ = doc_url::without_userinfo(t);
        let _ = doc_url::url_secrets(t);
    }
    let Ok(target) = Target::parse(base) else {
        return;
    };
    let stays = |mapped: &url::Url| {
        let b = target.base();
        let base_path = b.path().trim_end_matches('/');
        assert_eq!(mapped.scheme(), b.scheme(), "{base:?} {doc:?} → {mapped}");
        assert_eq!(mapped.host(), b.host(), "{base:?} {doc:?} → {mapped}");
        assert_eq!(mapped.port_or_known_default(), b.port_or_known_default());
        let rest = mapped.path().strip_prefix(base_path);
        assert!(
            rest.is_some_and(|r| r.is_empty() || r.starts_with('/')),
            "{base:?} {doc:?} → {mapped} leaves base path {base_path:?}"
        );
    };
    for d in [doc.to_owned(), doc_url::fill_placeholders(doc)] {
        if let Ok(mapped) = target.map(&d) {
            stays(&mapped);
        }
    }
    let Some(value) = value else {
        return;
    };
    let _ = doc_url::encode_value(value, doc_url::UrlPart::Path);
    let _ = doc_url::encode_value(value, doc_url::UrlPart::Query);
    let put = |v: &str| {
        let v = v.to_owned();
        let filled = substitute(doc, Place::Url, &|name| (name == "v").then(|| v.clone()));
        target.map(&filled)
    };
    let (Ok(with_value), Ok(with_x)) = (put(value), put("x")) else {
        return;
    };
    stays(&with_value);
    // A placeholder in the origin (`http{v}://`) may make or unmake one;
    // scenario steps and docs put values in the path or the query.
    if !doc.starts_with('/') {
        return;
    }
    let shape = |u: &url::Url| {
        (
            u.path().matches('/').count(),
            u.query().map(|q| q.matches(['&', '=']).count()),
            u.fragment().is_some(),
        )
    };
    assert_eq!(
        shape(&with_value),
        shape(&with_x),
        "{doc:?} with {value:?}: {with_value} vs {with_x}"
    );
});
