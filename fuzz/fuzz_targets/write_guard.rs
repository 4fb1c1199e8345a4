//! The write guard on arbitrary target URLs and methods: never a panic; a
//! target judged loopback is connected only to loopback addresses (a
//! literal one, or the pinned addresses of `localhost`); a method other than
//! GET, HEAD or OPTIONS is always a write.
#![no_main]

use graph_contract::target::url::is_loopback_ip;
use graph_contract::target::{Target, is_write};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (method, url) = text.split_once(' ').unwrap_or(("POST", &text));
    let read = ["GET", "HEAD", "OPTIONS"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method));
    assert_eq!(is_write(method), !read, "{method:?}");
    let Ok(target) = Target::parse(url) else {
        return;
    };
    if !target.is_loopback() {
        assert!(target.pinned().is_none(), "{url:?}");
        return;
    }
    let host = target.base().host_str().unwrap_or_default();
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    match literal.parse::<std::net::IpAddr>() {
        Ok(ip) => assert!(is_loopback_ip(ip), "{url:?}"),
        Err(_) => {
            let (_, addrs) = target.pinned().expect("a loopback name is pinned");
            assert!(!addrs.is_empty());
            assert!(addrs.iter().all(|a| is_loopback_ip(a.ip())), "{url:?}");
        }
    }
});
