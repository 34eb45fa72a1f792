//! Rate limits like Okta's (okta-api.md §9): per-bucket request windows with the Workforce limits,
//! and the org-wide concurrency limit. Every response reports its bucket in `X-Rate-Limit-*`; when
//! enforcement is on, a request over a limit is answered 429 E0000047.
//!
//! Windows. A bucket's window starts with the first request after the previous one ended and lasts
//! [`RateLimits::window`] (60 s by default). Okta's `X-Rate-Limit-Reset` is a whole epoch second, so
//! a window of one second or more starts at the whole second of its first request: it then ends
//! exactly at `Reset` and a client that waits for `Reset` loses nothing. A sub-second window starts
//! at its first request and `Reset` is the ceiling of its end, up to one second late — clients lose
//! that time, so benchmarks should use whole-second windows.
//!
//! Counting. A request is counted when it arrives, before it is authenticated or routed; a request
//! answered 429 is not counted (the bucket stays at its limit). A concurrency 429 (more than
//! [`RateLimits::concurrency`] requests in flight) has `Limit` = `Remaining` = 0 and a `Reset` one
//! second ahead, an estimate as in Okta.
//!
//! Not modelled: Okta's default cap of one API token or OAuth app at 50% of a bucket (the headers
//! here always describe the whole bucket).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Okta's concurrency limit for Workforce orgs: requests in flight at once.
pub const DEFAULT_CONCURRENCY_LIMIT: usize = 75;
/// Okta's rate-limit window.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// A rate-limit bucket: a name and its Workforce ceiling per 60 s window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bucket {
    /// Which endpoints share it.
    pub(crate) name: &'static str,
    /// Requests per minute (Workforce column).
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
        ["api", "v1", ..] => b("/api/v1", 1200),
        // Not in the published table (`/.well-known`, `/oauth2/v1/token`): a bucket of their own.
        _ => b("other", 1200),
    }
}

/// How the mock limits requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// Answer 429 over a limit (otherwise the headers only report).
    pub enforce: bool,
    /// Length of every bucket's window.
    pub window: Duration,
    /// Multiplies every bucket's limit (rounded, at least 1).
    pub scale: f64,
    /// Requests in flight at once before a concurrency 429.
    pub concurrency: usize,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            enforce: true,
            window: DEFAULT_WINDOW,
            scale: 1.0,
            concurrency: DEFAULT_CONCURRENCY_LIMIT,
        }
    }
}

/// Rate-limit flags of `mock-okta`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Rate limits")]
pub struct RateLimitArgs {
    /// Report limits in the headers but never answer 429 for them.
    #[arg(long)]
    pub no_rate_limits: bool,
    /// Length of every bucket's window in seconds (Okta: 60); whole seconds keep Reset exact.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_window)]
    pub rate_limit_window: Duration,
    /// Multiply every bucket's limit by this (e.g. 0.1 for small limits).
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, value_parser = parse_scale)]
    pub rate_limit_scale: f64,
    /// Requests in flight at once before a concurrency 429 (Okta Workforce: 75).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY_LIMIT,
          value_parser = clap::value_parser!(usize))]
    pub concurrency_limit: usize,
}

impl RateLimitArgs {
    /// The limits these flags ask for.
    pub fn limits(&self) -> RateLimits {
        RateLimits {
            enforce: !self.no_rate_limits,
            window: self.rate_limit_window,
            scale: self.rate_limit_scale,
            concurrency: self.concurrency_limit.max(1),
        }
    }
}

fn parse_window(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if d >= Duration::from_millis(10) => Ok(d),
        _ => Err(format!("{text} s: the window must be at least 0.01 s")),
    }
}

fn parse_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(format!("{text:?} is not a positive number")),
    }
}

impl RateLimits {
    /// The ceiling of `bucket` per window after scaling.
    pub(crate) fn limit_of(&self, bucket: Bucket) -> u32 {
        let scaled = (f64::from(bucket.limit) * self.scale).round();
        if scaled.is_finite() && scaled >= 1.0 {
            // Saturating float-to-int conversion.
            scaled as u32
        } else {
            1
        }
    }
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

/// What became of one request at the door.
#[derive(Debug)]
pub(crate) struct Admission<'a> {
    /// The headers to answer with.
    pub(crate) headers: RateHeaders,
    /// Over a limit: answer 429 instead of serving.
    pub(crate) limited: bool,
    /// Counts the request in flight until dropped.
    _in_flight: InFlight<'a>,
}

/// One request in flight; dropping it ends it.
#[derive(Debug)]
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A bucket's current window and its totals.
#[derive(Debug, Clone, Copy, Default)]
struct BucketState {
    /// Epoch milliseconds at which the current window started and ends.
    start_ms: i64,
    end_ms: i64,
    /// Requests counted in the current window.
    count: u32,
    accepted: u64,
    rejected: u64,
    windows: u64,
}

/// What one bucket did over the mock's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketUsage {
    /// The bucket (`/api/v1/logs`, `/api/v1`, …).
    pub name: String,
    /// Its ceiling per window, after scaling.
    pub limit: u32,
    /// Requests counted (served within the limit).
    pub accepted: u64,
    /// Requests answered 429 because the window was spent.
    pub rejected: u64,
    /// Windows opened.
    pub windows: u64,
}

/// The mock's rate-limit record: limits, use per bucket, 429s and peak concurrency.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitStats {
    /// The limits in force.
    pub limits: RateLimits,
    /// Every bucket that saw a request, by name.
    pub buckets: Vec<BucketUsage>,
    /// Concurrency 429s sent.
    pub concurrency_rejected: u64,
    /// The most requests ever in flight at once (counting the one that arrived).
    pub max_in_flight: usize,
}

impl RateLimitStats {
    /// The least time the limits allow for the requests counted: the longest, over buckets, of
    /// `(⌈accepted / limit⌉ − 1) × window`. A bucket that needed `k` windows must have seen the
    /// first `k − 1` of them run out before its last request; the requests of the last window
    /// could in principle all be served at once, so they add nothing. This ignores that a
    /// bucket's first window may be up to 1 s shorter (windows start at the whole second of their
    /// first request), and every dependency between requests — it is a lower bound. With a
    /// sub-second window, `Reset` is up to 1 s after the window's end and clients that wait for
    /// it lose that time on every window; the bound does not include it.
    pub fn bound(&self) -> Duration {
        self.buckets
            .iter()
            .filter(|b| b.limit > 0 && b.accepted > 0)
            .map(|b| {
                let windows = b.accepted.div_ceil(u64::from(b.limit));
                self.limits
                    .window
                    .saturating_mul(u32::try_from(windows - 1).unwrap_or(u32::MAX))
            })
            .max()
            .unwrap_or_default()
    }

    /// Every 429 the limits caused (window and concurrency).
    pub fn rejected(&self) -> u64 {
        self.concurrency_rejected + self.buckets.iter().map(|b| b.rejected).sum::<u64>()
    }
}

/// The windows of every bucket and the requests in flight.
#[derive(Debug)]
pub(crate) struct Buckets {
    limits: RateLimits,
    state: Mutex<BTreeMap<&'static str, BucketState>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    concurrency_rejected: AtomicU64,
}

impl Buckets {
    /// Empty windows under `limits`.
    pub(crate) fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            state: Mutex::new(BTreeMap::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            concurrency_rejected: AtomicU64::new(0),
        }
    }

    /// Lets a request to `bucket` in at `now` (or not): counts it in flight and in its window.
    pub(crate) fn admit(&self, bucket: Bucket, now: DateTime<Utc>) -> Admission<'_> {
        let in_flight = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        self.max_in_flight.fetch_max(in_flight, Ordering::AcqRel);
        let guard = InFlight(&self.in_flight);
        if self.limits.enforce && in_flight > self.limits.concurrency {
            self.concurrency_rejected.fetch_add(1, Ordering::AcqRel);
            let headers = RateHeaders {
                limit: 0,
                remaining: 0,
                reset: now.timestamp() + 1,
            };
            return Admission {
                headers,
                limited: true,
                _in_flight: guard,
            };
        }
        let (headers, limited) = self.hit(bucket, now.timestamp_millis());
        Admission {
            headers,
            limited,
            _in_flight: guard,
        }
    }

    /// Counts one request against `bucket` at `now_ms` (epoch milliseconds): its headers, and
    /// whether it is over the limit (only when enforcing).
    fn hit(&self, bucket: Bucket, now_ms: i64) -> (RateHeaders, bool) {
        let limit = self.limits.limit_of(bucket);
        let window_ms = i64::try_from(self.limits.window.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let s = state.entry(bucket.name).or_default();
        if s.windows == 0 || now_ms >= s.end_ms {
            let second = now_ms - now_ms.rem_euclid(1000);
            s.start_ms = if window_ms >= 1000 { second } else { now_ms };
            s.end_ms = s.start_ms.saturating_add(window_ms);
            s.count = 0;
            s.windows += 1;
        }
        let limited = self.limits.enforce && s.count >= limit;
        if limited {
            s.rejected += 1;
        } else {
            s.count = s.count.saturating_add(1);
            s.accepted += 1;
        }
        let headers = RateHeaders {
            limit,
            remaining: limit.saturating_sub(s.count),
            reset: s.end_ms.div_euclid(1000) + i64::from(s.end_ms.rem_euclid(1000) != 0),
        };
        (headers, limited)
    }

    /// The ceiling of `bucket` after scaling.
    pub(crate) fn limit_of(&self, bucket: Bucket) -> u32 {
        self.limits.limit_of(bucket)
    }

    /// What happened so far.
    pub(crate) fn stats(&self) -> RateLimitStats {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let buckets = state
            .iter()
            .map(|(name, s)| BucketUsage {
                name: (*name).to_owned(),
                limit: self.limits.limit_of(bucket_for_name(name)),
                accepted: s.accepted,
                rejected: s.rejected,
                windows: s.windows,
            })
            .collect();
        RateLimitStats {
            limits: self.limits,
            buckets,
            concurrency_rejected: self.concurrency_rejected.load(Ordering::Acquire),
            max_in_flight: self.max_in_flight.load(Ordering::Acquire),
        }
    }
}

/// The bucket named `name` (by a representative path).
fn bucket_for_name(name: &str) -> Bucket {
    let path = match name {
        "/api/v1/apps/{id}" => "/api/v1/apps/x",
        "/api/v1/users/{idOrLogin}" => "/api/v1/users/x",
        "/api/v1/groups/{id}" => "/api/v1/groups/x",
        "other" => "/other",
        other => other,
    };
    bucket_for(path)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
