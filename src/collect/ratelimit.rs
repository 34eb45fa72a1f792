//! Pacing requests per Okta rate-limit bucket from `X-Rate-Limit-Limit/Remaining/Reset`.
//!
//! Okta counts requests per bucket in fixed windows (60 s, not aligned to wall-clock minutes) and
//! answers 429 once a window's budget is spent. With fixed windows the fastest schedule that never
//! meets a 429 is to send what remains of a window's budget at once and then wait for its reset:
//! spreading the budget evenly over the window would only finish later. So each bucket is a
//! [`Pacer`] that lets requests through while its count of requests charged to the current window
//! is below the limit, then waits until the window's `Reset`.
//!
//! - The count is local: a request is charged when it is let through, before any answer, so that
//!   requests in flight are accounted for and concurrency cannot overshoot. Answers can only raise
//!   it (`Limit − Remaining`, e.g. when someone else uses the same bucket).
//! - When the window ends, every request still in flight is charged to the next window as well:
//!   it may arrive after the reset. Its answer tells where it was counted (`Reset` names the
//!   window), and the extra charge is released when it was the old one.
//! - Until a bucket's first answer its limit is unknown: one request goes first.
//! - `Reset` is read on the server's clock ([`Clock`]). Every answer's `Date` (whole seconds)
//!   bounds the offset between the server's clock and ours from both sides, and its `Reset` from
//!   above (the request arrived before its window ended). While the local system clock lies
//!   within those bounds it is trusted (with NTP it is right to milliseconds; a `Date` alone is
//!   only right to a second); once it falls outside them the lower bound is used, so that a
//!   window is not believed to end before it does. A request sent after we thought a window over
//!   but counted (or refused) in it proves the window still open: the pacer waits again.
//! - Not modelled: Okta caps one API token or OAuth app at 50 % of a bucket by default; if the
//!   headers describe the whole bucket while that cap applies, the pacer meets 429s and waits
//!   (`client.rs` waits `Reset − Date + 1` after any 429), slower but correct.
//!
//! The org-wide concurrency cap is the client's semaphore (`OKTA_CONCURRENT_LIMIT`); a concurrency
//! 429 (`Limit` = `Remaining` = 0) says nothing about a bucket and is ignored here. One bucket may
//! hold at most half of the cap (rounded up), so that a slow endpoint — System Log queries take
//! seconds — cannot take every slot while other buckets have budget to spend.

mod pacer;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::backoff::server_date;
use pacer::{Clock, Decision, Observed, Pacer};

/// Longest wait for an answer before deciding again (a lost answer cannot stall a bucket).
const RECHECK: Duration = Duration::from_secs(1);

/// A bucket's pacer and the queue of requests waiting on it.
#[derive(Debug, Default)]
struct Gate {
    /// Requests take turns (first come, first served), so only one waits on the clock.
    turn: tokio::sync::Mutex<()>,
    /// Woken by every answer of the bucket.
    answered: Notify,
}

/// The pacers of every bucket seen so far, and the estimate of the server's clock.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    pacing: bool,
    /// Requests one bucket may have in flight.
    share: i64,
    origin: Instant,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The server's clock.
    clock: Clock,
    pacers: HashMap<&'static str, Pacer>,
    gates: HashMap<&'static str, Arc<Gate>>,
}

/// A request let through by [`RateLimiter::acquire`]; pass its answer's headers to
/// [`Ticket::answered`] (dropping it unanswered counts as "no headers").
#[derive(Debug)]
pub(crate) struct Ticket<'a> {
    limiter: &'a RateLimiter,
    bucket: &'static str,
    generation: u64,
    /// Local time it was let through (at most when it was sent).
    sent: f64,
    open: bool,
}

impl Ticket<'_> {
    /// Records the answer's rate-limit headers and `Date`.
    pub(crate) fn answered(mut self, headers: &HeaderMap) {
        self.open = false;
        self.limiter
            .answered(self.bucket, self.generation, self.sent, Some(headers));
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.open {
            self.limiter
                .answered(self.bucket, self.generation, self.sent, None);
        }
    }
}

impl RateLimiter {
    /// A limiter that paces when `pacing` (otherwise requests go at once and only 429s wait), for
    /// a client with `concurrency` requests in flight at most.
    pub(crate) fn new(pacing: bool, concurrency: usize) -> Self {
        let origin = Instant::now();
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        Self {
            pacing,
            share: i64::try_from(concurrency.div_ceil(2).max(1)).unwrap_or(i64::MAX),
            origin,
            state: Mutex::new(State {
                clock: Clock::new(epoch),
                pacers: HashMap::new(),
                gates: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn local(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.origin).as_secs_f64()
    }

    fn instant(&self, local: f64) -> Instant {
        self.origin + Duration::try_from_secs_f64(local.max(0.0)).unwrap_or(Duration::MAX / 4)
    }

    /// Waits until a request to `bucket` may be sent without exceeding its window, and charges it.
    pub(crate) async fn acquire(&self, bucket: &'static str) -> Ticket<'_> {
        let gate = Arc::clone(self.lock().gates.entry(bucket).or_default());
        let _turn = gate.turn.lock().await;
        loop {
            let now = self.local(Instant::now());
            let (decision, generation) = {
                let mut state = self.lock();
                let offset = state.clock.offset();
                let pacer = state.pacers.entry(bucket).or_default();
                let decision = if self.pacing {
                    pacer.decide(now, offset, self.share)
                } else {
                    pacer.unpaced();
                    Decision::Go
                };
                (decision, pacer.generation())
            };
            match decision {
                Decision::Go => {
                    return Ticket {
                        limiter: self,
                        bucket,
                        generation,
                        sent: now,
                        open: true,
                    };
                }
                Decision::Until(t) => {
                    tracing::debug!(
                        bucket,
                        wait_ms = ((t - self.local(Instant::now())) * 1000.0).max(0.0) as u64,
                        "rate-limit budget spent, waiting for the window to reset"
                    );
                    tokio::select! {
                        () = tokio::time::sleep_until(self.instant(t)) => {}
                        () = gate.answered.notified() => {}
                    }
                }
                Decision::Answer => {
                    tokio::select! {
                        () = tokio::time::sleep(RECHECK) => {}
                        () = gate.answered.notified() => {}
                    }
                }
            }
        }
    }

    /// Records an answer (or its absence) to a request of `bucket` let through in `generation`.
    fn answered(
        &self,
        bucket: &'static str,
        generation: u64,
        sent: f64,
        headers: Option<&HeaderMap>,
    ) {
        let arrived = self.local(Instant::now());
        let gate = {
            let mut state = self.lock();
            if let Some(date) = headers.and_then(server_date) {
                state.clock.dated(date.timestamp(), sent, arrived);
            }
            let observed = headers.and_then(Observed::from_headers);
            if let Some(o) = observed.filter(|o| o.limit > 0) {
                state.clock.counted(o.reset, sent);
            }
            if let Some(pacer) = state.pacers.get_mut(bucket) {
                pacer.answered(generation, observed);
            }
            state.gates.get(bucket).cloned()
        };
        if let Some(gate) = gate {
            gate.answered.notify_one();
        }
    }
}

/// The rate-limit bucket a path belongs to, after Okta's published per-endpoint table
/// (`okta-api.md` §9) — the same table the mock enforces. An approximation: Okta's real buckets
/// are per org and may differ.
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

#[cfg(test)]
mod tests;
