//! Reports per participant are limited by a token bucket: a burst for the queued reports
//! a laptop sends when it gets back online, then a steady rate well above what a
//! `--watch` run produces. A limited report is answered 429, and the checker queues it.

use std::collections::HashMap;
use std::time::Instant;

/// Reports a participant may send at once.
const BURST: f64 = 30.0;
/// Reports per second a participant may send after the burst.
const PER_SECOND: f64 = 3.0;
/// Participants remembered; past this, buckets that are full again are forgotten (a full
/// bucket is the same as a new one), so made-up names cannot grow memory without bound.
const MAX_TRACKED: usize = 10_000;

#[derive(Default)]
pub struct RateLimit {
    buckets: HashMap<String, (f64, Instant)>,
}

impl RateLimit {
    /// Takes one token for `who`; false when their bucket is empty.
    pub fn allow(&mut self, who: &str, now: Instant) -> bool {
        if self.buckets.len() >= MAX_TRACKED && !self.buckets.contains_key(who) {
            self.buckets
                .retain(|_, (tokens, at)| refill(*tokens, *at, now) < BURST);
            if self.buckets.len() >= MAX_TRACKED {
                return false;
            }
        }
        let (tokens, at) = self.buckets.entry(who.to_string()).or_insert((BURST, now));
        let available = refill(*tokens, *at, now);
        *at = now;
        if available >= 1.0 {
            *tokens = available - 1.0;
            true
        } else {
            *tokens = available;
            false
        }
    }
}

fn refill(tokens: f64, at: Instant, now: Instant) -> f64 {
    (tokens + now.duration_since(at).as_secs_f64() * PER_SECOND).min(BURST)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_a_steady_rate() {
        let mut limit = RateLimit::default();
        let start = Instant::now();
        for _ in 0..30 {
            assert!(limit.allow("ada", start));
        }
        assert!(!limit.allow("ada", start));
        assert!(limit.allow("bob", start), "others are not limited by ada");
        assert!(limit.allow("ada", start + Duration::from_millis(400)));
        assert!(!limit.allow("ada", start + Duration::from_millis(400)));
    }
}
