//! Rate-limit bookkeeping per Okta bucket.
//!
//! Every response's `X-Rate-Limit-Limit/Remaining/Reset` is recorded for the bucket its path
//! belongs to, and [`RateLimiter::acquire`] is awaited before each request. For now it only waits
//! when a bucket has nothing left, until its window resets; pacing (spreading the budget over the
//! window) is meant to be added in `acquire` alone.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::backoff::{LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER, header_i64, wait_from_headers};

/// What the last response of a bucket said about its budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BucketState {
    /// `X-Rate-Limit-Limit`: the bucket's ceiling per window.
    pub limit: Option<i64>,
    /// `X-Rate-Limit-Remaining`: calls left in the window.
    pub remaining: Option<i64>,
    /// `X-Rate-Limit-Reset`: epoch second of the window's reset (server clock).
    pub reset: Option<i64>,
    /// Local instant at which the window resets (from `Reset − Date`), when known.
    pub resets_at: Option<Instant>,
}

/// Rate-limit state of every bucket seen so far.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    buckets: Mutex<HashMap<&'static str, BucketState>>,
}

impl RateLimiter {
    /// Waits until a request to `bucket` may be sent: now, unless the bucket's budget is spent, in
    /// which case until its window resets.
    pub(crate) async fn acquire(&self, bucket: &'static str) {
        let wait_until = {
            let Ok(buckets) = self.buckets.lock() else {
                return;
            };
            buckets
                .get(bucket)
                .filter(|s| s.remaining == Some(0))
                .and_then(|s| s.resets_at)
        };
        if let Some(until) = wait_until
            && until > Instant::now()
        {
            tracing::debug!(
                bucket,
                "rate-limit budget spent, waiting for the window to reset"
            );
            tokio::time::sleep_until(until).await;
        }
    }

    /// Records the rate-limit headers of a response to `bucket` (responses without them are
    /// ignored).
    pub(crate) fn observe(&self, bucket: &'static str, headers: &HeaderMap) {
        let remaining = header_i64(headers, REMAINING_HEADER);
        let limit = header_i64(headers, LIMIT_HEADER);
        let reset = header_i64(headers, RESET_HEADER);
        if remaining.is_none() && limit.is_none() && reset.is_none() {
            return;
        }
        let resets_at = wait_from_headers(headers).map(|w| Instant::now() + w);
        let state = BucketState {
            limit,
            remaining,
            reset,
            resets_at,
        };
        if let Ok(mut buckets) = self.buckets.lock() {
            buckets.insert(bucket, state);
        }
    }

    /// The last known state of `bucket`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn state(&self, bucket: &'static str) -> Option<BucketState> {
        self.buckets.lock().ok()?.get(bucket).copied()
    }
}

/// The rate-limit bucket a path belongs to, after Okta's published per-endpoint table
/// (`okta-api.md` §9). An approximation: Okta's real buckets are per org and may differ.
pub(crate) fn bucket_for(path: &str) -> &'static str {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", "v1", "logs", ..] => "/api/v1/logs",
        ["api", "v1", "apps", _id] => "/api/v1/apps/{id}",
        ["api", "v1", "apps", ..] => "/api/v1/apps",
        ["api", "v1", "users"] => "/api/v1/users",
        ["api", "v1", "users", _id] => "/api/v1/users/{id}",
        ["api", "v1", "groups"] => "/api/v1/groups",
        ["api", "v1", "groups", _id, ..] => "/api/v1/groups/{id}",
        ["oauth2", "v1", "clients", ..] => "/oauth2/v1/clients",
        ["api", "v1", ..] => "/api/v1",
        _ => "other",
    }
}

/// How long until `state`'s window resets, if it is spent (for logs and tests).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn spent_for(state: &BucketState) -> Option<Duration> {
    if state.remaining != Some(0) {
        return None;
    }
    state
        .resets_at
        .map(|t| t.saturating_duration_since(Instant::now()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use reqwest::header::{DATE, HeaderValue};

    #[test]
    fn buckets_follow_the_published_table() {
        assert_eq!(bucket_for("/api/v1/users"), "/api/v1/users");
        assert_eq!(bucket_for("/api/v1/users/00u1"), "/api/v1/users/{id}");
        assert_eq!(bucket_for("/api/v1/users/00u1/roles"), "/api/v1");
        assert_eq!(bucket_for("/api/v1/groups"), "/api/v1/groups");
        assert_eq!(
            bucket_for("/api/v1/groups/00g1/users"),
            "/api/v1/groups/{id}"
        );
        assert_eq!(bucket_for("/api/v1/api-tokens"), "/api/v1");
        assert_eq!(bucket_for("/api/v1/logs"), "/api/v1/logs");
        assert_eq!(bucket_for("/.well-known/okta-organization"), "other");
    }

    #[tokio::test]
    async fn headers_are_remembered_per_bucket_and_spent_budget_waits_for_reset() {
        let rl = RateLimiter::default();
        let mut h = HeaderMap::new();
        h.insert(
            DATE,
            HeaderValue::from_static("Tue, 15 Nov 1994 08:12:31 GMT"),
        );
        h.insert(LIMIT_HEADER, HeaderValue::from_static("600"));
        h.insert(REMAINING_HEADER, HeaderValue::from_static("0"));
        h.insert(RESET_HEADER, HeaderValue::from_static("784887151"));
        rl.observe("/api/v1/users", &h);
        let s = rl.state("/api/v1/users").unwrap();
        assert_eq!(
            (s.limit, s.remaining, s.reset),
            (Some(600), Some(0), Some(784887151))
        );
        let wait = spent_for(&s).unwrap();
        assert!(wait > Duration::from_millis(500) && wait <= Duration::from_secs(1));
        assert_eq!(rl.state("/api/v1"), None);
        let started = Instant::now();
        rl.acquire("/api/v1").await;
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "other buckets do not wait"
        );
        rl.acquire("/api/v1/users").await;
        assert!(started.elapsed() >= Duration::from_millis(500));
    }
}
