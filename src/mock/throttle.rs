//! `graph-contract mock --throttle RATE`: the mock answers a share of
//! requests `429 Too Many Requests` with `Retry-After`, so a client's retry
//! logic can be tried against it. A pure state machine: the caller passes the
//! client's address and the time; the server writes the answer.
//!
//! Decisions, with their reasons:
//! - **The rate** ([`parse_rate`]) is a share from 0 to 1 (`0.1`) or a
//!   percentage (`10%`). `10` is refused with a hint (`10%`?) rather than
//!   read as either; NaN, infinities, negatives and shares above 1 are
//!   refused with the reason.
//! - **Which requests**: request number *n* (counted from 0 over the whole
//!   server, early retries not counted) is throttled when a counter-based
//!   hash (splitmix64 of the seed and *n*) falls below `rate × 2⁶⁴`. The same
//!   seed and the same order of requests give the same answers (no `rand`
//!   crate, no clock in the choice); over many requests the share is the
//!   rate. Rate 0 never throttles (and keeps no state), 1 always does.
//! - **Early retries** (Microsoft Dev Proxy's RetryAfterPlugin): a client
//!   throttled is remembered until its `Retry-After` elapses; a request
//!   from it before then is throttled again, whatever the draw, with
//!   `early_retry: true` for the server to log, and, as Dev Proxy does, its
//!   wait starts over (the full `Retry-After` from now). The client is its IP
//!   address (an IPv4-mapped IPv6 address is its IPv4 one): Dev Proxy keys
//!   on the client too, and the mock sees nothing finer that a client cannot
//!   change at will.
//! - **Bounded memory**: at most [`MAX_CLIENTS`] waits are remembered;
//!   when full, elapsed waits are dropped first, and if none has elapsed a
//!   new throttle is answered but not remembered (that client's early retry
//!   goes unnoticed: better than memory a client spraying addresses grows).
//! - **`Retry-After`** is whole seconds, rounded up
//!   ([`Decision::retry_after_header`]): RFC 9110 `delay-seconds` is an
//!   integer, and rounding up means a client that waits what it was told is
//!   never early. The wait itself is at most [`MAX_RETRY_AFTER`] (one day).
//! - **The body** ([`error_body`]) is Graph's: code `TooManyRequests`,
//!   message [`MESSAGE`] (Graph's throttling page), `innerError` with the
//!   server's `date`, `request-id` and the `client-request-id` (as on
//!   every error envelope of the mock).
//! - **Shared across tasks**: `&self` with one `Mutex` inside (a poisoned
//!   lock is taken over, never a panic). One short critical section per
//!   request; the lock is not taken at all at rate 0.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Graph's message on a 429.
pub const MESSAGE: &str = "Please retry again later.";

/// The longest `Retry-After` a [`Throttle`] keeps (longer is cut to it).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Most clients whose wait is remembered at once.
pub const MAX_CLIENTS: usize = 10_000;

const RATE_HELP: &str = "give a share from 0 to 1 (0.1) or a percentage (10%)";

/// `0.1`, `10%`, ` 2.5 % ` → the share of requests to throttle, 0 to 1.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("the throttle rate is empty: {RATE_HELP}"));
    }
    let (number, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim_end(), true),
        None => (t, false),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("throttle rate {t:?} is not a number: {RATE_HELP}"))?;
    if !value.is_finite() {
        return Err(format!("throttle rate {t:?} is not finite: {RATE_HELP}"));
    }
    let share = if percent {
        if !(0.0..=100.0).contains(&value) {
            return Err(format!(
                "throttle rate {t:?} is not a percentage from 0% to 100%"
            ));
        }
        value / 100.0
    } else {
        if value > 1.0 && value <= 100.0 {
            return Err(format!(
                "throttle rate {t:?} is more than 1 (a share is from 0 to 1); for {number} percent write {number}%"
            ));
        }
        if !(0.0..=1.0).contains(&value) {
            return Err(format!("throttle rate {t:?} is out of range: {RATE_HELP}"));
        }
        value
    };
    // -0 is 0
    Ok(if share == 0.0 { 0.0 } else { share })
}

/// What to answer one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Answer as usual.
    Pass,
    /// Answer 429 with `Retry-After`; `early_retry` when the client came back
    /// before its previous `Retry-After` elapsed (log it).
    Throttle {
        retry_after: Duration,
        early_retry: bool,
    },
}

impl Decision {
    /// The `Retry-After` value, whole seconds rounded up; `None` on Pass.
    pub fn retry_after_header(&self) -> Option<String> {
        match self {
            Decision::Pass => None,
            Decision::Throttle { retry_after, .. } => {
                let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                Some(secs.to_string())
            }
        }
    }

    /// One log line for an early retry; `None` otherwise.
    pub fn log_line(&self, client: IpAddr) -> Option<String> {
        match self {
            Decision::Throttle {
                early_retry: true, ..
            } => Some(format!(
                "throttle: {} retried before its Retry-After elapsed; throttled again for {} s",
                client.to_canonical(),
                self.retry_after_header().unwrap_or_default()
            )),
            _ => None,
        }
    }
}

/// Graph's 429 body. The server gives the ids and date it also sends in
/// headers (`request-id`, `client-request-id`, `Date`).
pub fn error_body(request_id: &str, client_request_id: &str, date: &str) -> serde_json::Value {
    serde_json::json!({"error": {
        "code": "TooManyRequests",
        "message": MESSAGE,
        "innerError": {
            "date": date,
            "request-id": request_id,
            "client-request-id": client_request_id,
        },
    }})
}

/// The throttle of one server (see the module docs).
#[derive(Debug)]
pub struct Throttle {
    rate: f64,
    /// A draw below this throttles (used when 0 < rate < 1).
    threshold: u64,
    retry_after: Duration,
    seed: u64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Draws made so far.
    draws: u64,
    /// Client → the end of its wait.
    waits: HashMap<IpAddr, Instant>,
}

/// splitmix64 of the seed's stream at position `n`.
fn draw(seed: u64, n: u64) -> u64 {
    let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Throttle {
    /// `rate` is clamped to 0..=1 (NaN is 0); `retry_after` to
    /// [`MAX_RETRY_AFTER`].
    pub fn new(rate: f64, retry_after: Duration, seed: u64) -> Throttle {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        Throttle {
            rate,
            // saturating cast; only used below 1
            threshold: (rate * 18_446_744_073_709_551_616.0) as u64,
            retry_after: retry_after.min(MAX_RETRY_AFTER),
            seed,
            state: Mutex::new(State::default()),
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    pub fn retry_after(&self) -> Duration {
        self.retry_after
    }

    /// Whether draw number `n` throttles.
    fn hit(&self, n: u64) -> bool {
        if self.rate >= 1.0 {
            true
        } else if self.rate <= 0.0 {
            false
        } else {
            draw(self.seed, n) < self.threshold
        }
    }

    /// Decide one request from `client` arriving at `now`.
    pub fn decide(&self, client: IpAddr, now: Instant) -> Decision {
        if self.rate <= 0.0 {
            return Decision::Pass;
        }
        let client = client.to_canonical();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let throttled = |early_retry| Decision::Throttle {
            retry_after: self.retry_after,
            early_retry,
        };
        if let Some(&until) = state.waits.get(&client) {
            if now < until {
                state.waits.insert(client, now + self.retry_after);
                return throttled(true);
            }
            state.waits.remove(&client);
        }
        let n = state.draws;
        state.draws = n.wrapping_add(1);
        if !self.hit(n) {
            return Decision::Pass;
        }
        if !self.retry_after.is_zero() {
            if state.waits.len() >= MAX_CLIENTS {
                state.waits.retain(|_, until| now < *until);
            }
            if state.waits.len() < MAX_CLIENTS {
                state.waits.insert(client, now + self.retry_after);
            }
        }
        throttled(false)
    }

    /// How many client waits are remembered (for tests and diagnostics).
    pub fn remembered(&self) -> usize {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.waits.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// (text, expected share or a fragment of the error).
    #[test]
    fn rates_parse_as_shares_or_percentages() {
        let rows: [(&str, Result<f64, &str>); 22] = [
            ("0", Ok(0.0)),
            ("1", Ok(1.0)),
            ("0.1", Ok(0.1)),
            (" 0.25 ", Ok(0.25)),
            ("1e-2", Ok(0.01)),
            ("-0", Ok(0.0)),
            ("10%", Ok(0.1)),
            ("2.5 %", Ok(0.025)),
            ("100%", Ok(1.0)),
            ("0%", Ok(0.0)),
            ("", Err("is empty")),
            ("   ", Err("is empty")),
            ("%", Err("is not a number")),
            ("ten", Err("is not a number")),
            ("0,1", Err("is not a number")),
            ("10", Err("for 10 percent write 10%")),
            ("1.5", Err("for 1.5 percent write 1.5%")),
            ("250", Err("out of range")),
            ("-0.1", Err("out of range")),
            ("101%", Err("not a percentage from 0% to 100%")),
            ("NaN", Err("not finite")),
            ("inf%", Err("not finite")),
        ];
        for (text, want) in rows {
            match (parse_rate(text), want) {
                (Ok(got), Ok(want)) => {
                    assert!((got - want).abs() < 1e-12, "{text:?}: {got}");
                    assert!(got.is_sign_positive(), "{text:?}: {got}");
                }
                (Err(got), Err(want)) => assert!(got.contains(want), "{text:?}: {got}"),
                (got, want) => panic!("{text:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
    }

    /// `n` decisions from one client, far enough apart that no wait is
    /// still running: the share throttled.
    fn share(rate: f64, seed: u64, n: u32) -> f64 {
        let t = Throttle::new(rate, Duration::from_secs(1), seed);
        let start = Instant::now();
        let hits = (0..n)
            .filter(|&i| {
                let now = start + Duration::from_secs(2 * u64::from(i));
                matches!(t.decide(ip(1), now), Decision::Throttle { .. })
            })
            .count();
        hits as f64 / f64::from(n)
    }

    /// (rate, seed, tolerance on 10,000 decisions): 0 and 1 exactly, others
    /// within about four standard deviations.
    #[test]
    fn the_share_throttled_is_the_rate() {
        let rows = [
            (0.0, 1, 0.0),
            (1.0, 1, 0.0),
            (0.01, 7, 0.005),
            (0.1, 42, 0.012),
            (0.1, 43, 0.012),
            (0.5, 42, 0.02),
            (0.9, 3, 0.012),
        ];
        for (rate, seed, tolerance) in rows {
            let got = share(rate, seed, 10_000);
            assert!(
                (got - rate).abs() <= tolerance,
                "rate {rate} seed {seed}: share {got}"
            );
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_answers() {
        let run = |seed| {
            let t = Throttle::new(0.3, Duration::ZERO, seed);
            let now = Instant::now();
            (0..200u8)
                .map(|i| t.decide(ip(i), now) != Decision::Pass)
                .collect::<Vec<bool>>()
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }

    /// Rate 1, Retry-After 1 s, one timeline: (ms from start, client,
    /// expected early_retry). Every request is throttled; an early one
    /// restarts the wait.
    #[test]
    fn early_retries_are_throttled_again_and_restart_the_wait() {
        let rows = [
            (0, 1, false),
            (500, 1, true),    // wait ran to 1000; now to 1500
            (1_400, 1, true),  // inside the restarted wait; now to 2400
            (500, 2, false),   // another client (the timeline is per client)
            (2_400, 1, false), // the wait has just elapsed: a fresh draw
            (2_401, 1, true),
        ];
        let t = Throttle::new(1.0, Duration::from_secs(1), 9);
        let start = Instant::now();
        for (ms, client, early) in rows {
            let got = t.decide(ip(client), start + Duration::from_millis(ms));
            assert_eq!(
                got,
                Decision::Throttle {
                    retry_after: Duration::from_secs(1),
                    early_retry: early
                },
                "{ms} ms, client {client}"
            );
            assert_eq!(got.log_line(ip(client)).is_some(), early);
        }
    }

    /// At a rate between 0 and 1, a request during a wait is an early retry
    /// whatever the draw, and takes no draw: the other requests follow the
    /// seed's sequence exactly as if the early ones had not come.
    #[test]
    fn early_retries_take_no_draw() {
        let retry = Duration::from_secs(10);
        let t = Throttle::new(0.5, retry, 77);
        let reference = Throttle::new(0.5, Duration::ZERO, 77);
        let start = Instant::now();
        let mut now = start;
        let mut early = 0;
        for _ in 0..300 {
            now += Duration::from_secs(11);
            let got = t.decide(ip(1), now);
            let want = reference.decide(ip(1), now);
            assert_eq!(got != Decision::Pass, want != Decision::Pass);
            if got != Decision::Pass {
                // come back one second later: early, and again at 10 s
                for back in [1, 10] {
                    let again = t.decide(ip(1), now + Duration::from_secs(back));
                    assert_eq!(
                        again,
                        Decision::Throttle {
                            retry_after: retry,
                            early_retry: true
                        }
                    );
                    early += 1;
                }
                now += Duration::from_secs(10);
            }
        }
        assert!(early > 100, "{early} early retries");
    }

    #[test]
    fn mapped_ipv6_is_the_ipv4_client() {
        let t = Throttle::new(1.0, Duration::from_secs(5), 0);
        let now = Instant::now();
        let v4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped());
        let other = IpAddr::V6(Ipv6Addr::LOCALHOST);
        assert!(matches!(
            t.decide(v4, now),
            Decision::Throttle {
                early_retry: false,
                ..
            }
        ));
        let later = now + Duration::from_secs(1);
        assert!(matches!(
            t.decide(mapped, later),
            Decision::Throttle {
                early_retry: true,
                ..
            }
        ));
        assert!(matches!(
            t.decide(other, later),
            Decision::Throttle {
                early_retry: false,
                ..
            }
        ));
        let line = t.decide(mapped, later).log_line(mapped).unwrap();
        assert!(line.contains("192.0.2.1 retried before"), "{line}");
    }

    #[test]
    fn remembered_waits_are_bounded() {
        let t = Throttle::new(1.0, Duration::from_secs(60), 0);
        let now = Instant::now();
        let client = |i: u32| IpAddr::V6(Ipv6Addr::from(u128::from(i) + 1));
        for i in 0..=MAX_CLIENTS as u32 {
            t.decide(client(i), now);
        }
        assert_eq!(t.remembered(), MAX_CLIENTS);
        // the last client was throttled but not remembered
        let last = client(MAX_CLIENTS as u32);
        assert!(matches!(
            t.decide(last, now + Duration::from_secs(1)),
            Decision::Throttle {
                early_retry: false,
                ..
            }
        ));
        // once the waits have elapsed they make room
        let later = now + Duration::from_secs(61);
        t.decide(last, later);
        assert_eq!(t.remembered(), 1);
    }

    /// (retry_after, header value).
    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let rows = [
            (Duration::ZERO, "0"),
            (Duration::from_millis(1), "1"),
            (Duration::from_secs(1), "1"),
            (Duration::from_millis(2_128), "3"),
            (Duration::from_secs(u64::MAX), "86400"),
        ];
        for (retry, want) in rows {
            let t = Throttle::new(1.0, retry, 0);
            let got = t.decide(ip(1), Instant::now());
            assert_eq!(got.retry_after_header().as_deref(), Some(want), "{retry:?}");
        }
        assert_eq!(Decision::Pass.retry_after_header(), None);
        assert_eq!(Decision::Pass.log_line(ip(1)), None);
    }

    /// (rate given, rate kept).
    #[test]
    fn rates_out_of_range_are_clamped() {
        let rows = [(f64::NAN, 0.0), (-1.0, 0.0), (2.0, 1.0), (0.5, 0.5)];
        for (given, want) in rows {
            assert_eq!(
                Throttle::new(given, Duration::ZERO, 0).rate(),
                want,
                "{given}"
            );
        }
        // zero keeps no state; a zero Retry-After remembers nobody
        let never = Throttle::new(0.0, Duration::from_secs(1), 0);
        let always = Throttle::new(1.0, Duration::ZERO, 0);
        let now = Instant::now();
        for i in 0..50 {
            assert_eq!(never.decide(ip(i), now), Decision::Pass);
            assert_ne!(always.decide(ip(i), now), Decision::Pass);
        }
        assert_eq!(never.remembered() + always.remembered(), 0);
    }

    #[test]
    fn error_body_is_graphs() {
        let body = error_body("rid", "cid", "2026-01-02T03:04:05");
        assert_eq!(
            body,
            serde_json::json!({"error": {
                "code": "TooManyRequests",
                "message": "Please retry again later.",
                "innerError": {
                    "date": "2026-01-02T03:04:05",
                    "request-id": "rid",
                    "client-request-id": "cid",
                },
            }})
        );
    }

    #[test]
    fn shared_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Throttle>();
        let t = std::sync::Arc::new(Throttle::new(0.5, Duration::ZERO, 1));
        let now = Instant::now();
        let handles: Vec<_> = (0..4)
            .map(|k| {
                let t = t.clone();
                std::thread::spawn(move || {
                    (0..1_000)
                        .filter(|_| t.decide(ip(k), now) != Decision::Pass)
                        .count()
                })
            })
            .collect();
        let hits: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert!((1_800..=2_200).contains(&hits), "{hits} of 4000");
    }
}
