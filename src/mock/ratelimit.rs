//! Rate-limit buckets (okta-api.md §9, Workforce column) and their `X-Rate-Limit-*` values.
//!
//! Each bucket counts requests in a 60-second window that starts with its first request. Limits are
//! reported, not yet enforced: only a `429` fault answers 429.

use std::collections::HashMap;
use std::sync::Mutex;

/// A rate-limit bucket: a name and its per-minute ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bucket {
    /// Which endpoints share it.
    pub(crate) name: &'static str,
    /// Requests per minute.
    pub(crate) limit: u32,
}

/// The bucket a request path counts against.
pub(crate) fn bucket_for(path: &str) -> Bucket {
    let b = |name, limit| Bucket { name, limit };
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", "v1", "logs", ..] => b("/api/v1/logs", 120),
        ["api", "v1", "apps"] => b("/api/v1/apps", 100),
        ["api", "v1", "apps", _] => b("/api/v1/apps/{id}", 500),
        ["api", "v1", "apps", ..] => b("/api/v1/apps", 100),
        ["api", "v1", "users"] => b("/api/v1/users", 600),
        ["api", "v1", "users", _] => b("/api/v1/users/{idOrLogin}", 2000),
        ["api", "v1", "groups"] => b("/api/v1/groups", 500),
        ["api", "v1", "groups", ..] => b("/api/v1/groups/{id}", 1000),
        ["oauth2", "v1", "clients", ..] => b("/oauth2/v1/clients", 100),
        _ => b("/api/v1", 1200),
    }
}

/// The current window of every bucket.
#[derive(Debug, Default)]
pub(crate) struct Buckets {
    windows: Mutex<HashMap<&'static str, (i64, u32)>>,
}

/// The three `X-Rate-Limit-*` values of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    /// `X-Rate-Limit-Limit`.
    pub(crate) limit: u32,
    /// `X-Rate-Limit-Remaining`.
    pub(crate) remaining: u32,
    /// `X-Rate-Limit-Reset`, epoch seconds.
    pub(crate) reset: i64,
}

impl Buckets {
    /// Counts one request against `bucket` at `now` (epoch seconds) and returns the header values.
    pub(crate) fn hit(&self, bucket: Bucket, now: i64) -> RateHeaders {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = windows.entry(bucket.name).or_insert((now, 0));
        if now >= window.0 + 60 {
            *window = (now, 0);
        }
        window.1 = window.1.saturating_add(1);
        RateHeaders {
            limit: bucket.limit,
            remaining: bucket.limit.saturating_sub(window.1),
            reset: window.0 + 60,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_workforce_buckets() {
        assert_eq!(bucket_for("/api/v1/users").limit, 600);
        assert_eq!(bucket_for("/api/v1/users/00u1").limit, 2000);
        assert_eq!(bucket_for("/api/v1/users/00u1/roles").limit, 1200);
        assert_eq!(bucket_for("/api/v1/groups").limit, 500);
        assert_eq!(bucket_for("/api/v1/groups/00g1/users").limit, 1000);
        assert_eq!(bucket_for("/api/v1/api-tokens").limit, 1200);
        assert_eq!(bucket_for("/api/v1/logs").limit, 120);
    }

    #[test]
    fn windows_count_down_and_reset_after_a_minute() {
        let buckets = Buckets::default();
        let b = bucket_for("/api/v1/groups");
        assert_eq!(buckets.hit(b, 1000).remaining, 499);
        let second = buckets.hit(b, 1030);
        assert_eq!((second.remaining, second.reset), (498, 1060));
        let fresh = buckets.hit(b, 1060);
        assert_eq!((fresh.remaining, fresh.reset), (499, 1120));
    }
}
