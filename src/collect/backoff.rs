//! How long to wait before a retry: after a 429 (from `X-Rate-Limit-Reset` and the server's
//! `Date`, as the Okta Go SDK does) and after a 5xx or a transport error (jittered exponential).

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{DATE, HeaderMap};

/// Header naming the epoch second at which the rate-limit window resets.
pub(crate) const RESET_HEADER: &str = "x-rate-limit-reset";
/// Header naming the bucket's ceiling.
pub(crate) const LIMIT_HEADER: &str = "x-rate-limit-limit";
/// Header naming the calls left in the window.
pub(crate) const REMAINING_HEADER: &str = "x-rate-limit-remaining";

/// Never wait longer than this for a window to reset (Okta's windows are 60 s; a larger value
/// means clocks disagree, and retrying is better than hanging).
pub(crate) const MAX_RESET_WAIT: Duration = Duration::from_secs(300);
/// First retry delay after a 5xx or a transport error.
const BASE_DELAY: Duration = Duration::from_millis(200);
/// Longest retry delay after a 5xx or a transport error.
const MAX_DELAY: Duration = Duration::from_secs(10);
/// Shortest wait after a 429 that carried no usable reset headers.
const MIN_429_FALLBACK: Duration = Duration::from_secs(1);

/// Seconds to wait for a window that resets at epoch second `reset`, seen from the server's
/// clock at `date`: `reset − date + 1`, at least 1 s and at most [`MAX_RESET_WAIT`].
pub(crate) fn reset_wait(reset: i64, date: DateTime<Utc>) -> Duration {
    let secs = reset.saturating_sub(date.timestamp()).saturating_add(1);
    Duration::from_secs(u64::try_from(secs).unwrap_or(1).max(1)).min(MAX_RESET_WAIT)
}

/// The server's `Date` header (RFC 1123, `Tue, 15 Nov 1994 08:12:31 GMT`).
pub(crate) fn server_date(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    let raw = headers.get(DATE)?.to_str().ok()?;
    DateTime::parse_from_rfc2822(raw.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// An integer rate-limit header.
pub(crate) fn header_i64(headers: &HeaderMap, name: &str) -> Option<i64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The wait the headers of a response ask for (`Reset` and `Date` both present), else `None`.
pub(crate) fn wait_from_headers(headers: &HeaderMap) -> Option<Duration> {
    let reset = header_i64(headers, RESET_HEADER)?;
    let date = server_date(headers)?;
    Some(reset_wait(reset, date))
}

/// The wait after a 429: the reset headers when present, else a jittered backoff of at least 1 s.
pub(crate) fn after_429(headers: &HeaderMap, attempt: u32) -> Duration {
    wait_from_headers(headers).unwrap_or_else(|| retry_delay(attempt).max(MIN_429_FALLBACK))
}

/// The un-jittered delay before retry number `attempt` (0-based): 200 ms × 2^attempt, capped.
pub(crate) fn base_delay(attempt: u32) -> Duration {
    BASE_DELAY
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(MAX_DELAY)
}

/// The delay before retry number `attempt` after a 5xx or a transport error: [`base_delay`]
/// ± 25 % jitter, so that parallel requests do not retry in lockstep.
pub(crate) fn retry_delay(attempt: u32) -> Duration {
    base_delay(attempt).mul_f64(rand::random_range(0.75..1.25))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn reset_wait_is_reset_minus_server_date_plus_one() {
        let date = at("2026-06-30T12:00:00Z");
        let reset = date.timestamp() + 10;
        assert_eq!(reset_wait(reset, date), Duration::from_secs(11));
    }

    #[test]
    fn reset_in_the_past_waits_one_second_and_far_future_is_capped() {
        let date = at("2026-06-30T12:00:00Z");
        assert_eq!(
            reset_wait(date.timestamp() - 30, date),
            Duration::from_secs(1)
        );
        assert_eq!(reset_wait(date.timestamp() + 86_400, date), MAX_RESET_WAIT);
    }

    #[test]
    fn wait_uses_the_servers_date_header_not_the_local_clock() {
        let mut h = HeaderMap::new();
        h.insert(
            DATE,
            HeaderValue::from_static("Tue, 15 Nov 1994 08:12:31 GMT"),
        );
        h.insert(RESET_HEADER, HeaderValue::from_static("784887154"));
        // 784887154 is 08:12:34 that day: 3 s after the server's Date, plus one.
        assert_eq!(wait_from_headers(&h), Some(Duration::from_secs(4)));
        assert_eq!(after_429(&h, 0), Duration::from_secs(4));
    }

    #[test]
    fn missing_headers_fall_back_to_a_short_backoff() {
        let mut h = HeaderMap::new();
        h.insert(RESET_HEADER, HeaderValue::from_static("784887154"));
        assert_eq!(wait_from_headers(&h), None);
        let w = after_429(&h, 0);
        assert!(
            w >= Duration::from_secs(1) && w < Duration::from_secs(2),
            "{w:?}"
        );
    }

    #[test]
    fn retry_delay_doubles_with_jitter_and_is_capped() {
        assert_eq!(base_delay(0), Duration::from_millis(200));
        assert_eq!(base_delay(3), Duration::from_millis(1600));
        assert_eq!(base_delay(30), MAX_DELAY);
        for attempt in 0..6 {
            let d = retry_delay(attempt);
            let b = base_delay(attempt);
            assert!(
                d >= b.mul_f64(0.75) && d <= b.mul_f64(1.25),
                "{attempt}: {d:?}"
            );
        }
    }
}
