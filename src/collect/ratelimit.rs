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
//! 429 (`Limit` = `Remaining` = 0) says nothing about a bucket and is ignored here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::backoff::{LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER, header_i64, server_date};

/// Sent this long after a window's computed end, against timer granularity.
const MARGIN: f64 = 0.002;
/// Longest wait for an answer before deciding again (a lost answer cannot stall a bucket).
const RECHECK: Duration = Duration::from_secs(1);

/// What is known of the server's clock: `offset` = server epoch seconds − local seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Clock {
    /// From the local system clock.
    system: f64,
    /// The offset is at least this (`Date − arrival` of every answer).
    lower: f64,
    /// The offset is below this (`Date + 1 − sending`, `Reset − sending`).
    upper: f64,
}

impl Clock {
    /// A clock that trusts `system` until answers say otherwise.
    pub(crate) fn new(system: f64) -> Clock {
        Clock {
            system,
            lower: f64::NEG_INFINITY,
            upper: f64::INFINITY,
        }
    }

    /// An answer dated `date` (server epoch second) to a request sent at local `sent`, received at
    /// local `arrived`.
    pub(crate) fn dated(&mut self, date: i64, sent: f64, arrived: f64) {
        self.lower = self.lower.max(date as f64 - arrived);
        self.upper = self.upper.min(date as f64 + 1.0 - sent);
    }

    /// A request sent at local `sent` was counted in (or refused by) the window ending at `reset`:
    /// that window was not over when it arrived.
    pub(crate) fn counted(&mut self, reset: i64, sent: f64) {
        self.upper = self.upper.min(reset as f64 - sent);
    }

    /// The best safe estimate of the offset.
    pub(crate) fn offset(&self) -> f64 {
        if self.lower == f64::NEG_INFINITY
            || (self.lower <= self.system && self.system < self.upper)
        {
            self.system
        } else {
            self.lower
        }
    }
}

/// What a bucket's pacer says about the next request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decision {
    /// Send it now (it has been charged).
    Go,
    /// Wait until this local time (seconds since the limiter started).
    Until(f64),
    /// Wait for an answer from the bucket.
    Answer,
}

/// The `X-Rate-Limit-*` values of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Observed {
    /// `X-Rate-Limit-Limit`.
    pub limit: i64,
    /// `X-Rate-Limit-Remaining`.
    pub remaining: i64,
    /// `X-Rate-Limit-Reset`, server epoch seconds.
    pub reset: i64,
}

impl Observed {
    /// The values of `headers`, when all three are there.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Observed> {
        Some(Observed {
            limit: header_i64(headers, LIMIT_HEADER)?,
            remaining: header_i64(headers, REMAINING_HEADER)?,
            reset: header_i64(headers, RESET_HEADER)?,
        })
    }
}

/// One bucket's budget in the current window, in local seconds and server epoch seconds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pacer {
    /// The bucket's ceiling per window, once an answer said it.
    limit: Option<i64>,
    /// `Reset` of the window requests are charged to (or, when `rolled`, of the one before it).
    reset: Option<i64>,
    /// The window `reset` names has ended and no answer has named the next one yet.
    rolled: bool,
    /// Windows passed, so a request knows whether it was charged before the last one ended.
    generation: u64,
    /// Requests charged to the current window.
    charged: i64,
    /// Requests let through and not yet answered.
    in_flight: i64,
}

impl Pacer {
    /// Whether a request may go at local time `now`, with `offset` = server epoch − local time;
    /// on [`Decision::Go`] the request is charged and counted in flight.
    pub(crate) fn decide(&mut self, now: f64, offset: f64) -> Decision {
        let Some(limit) = self.limit else {
            return self.probe();
        };
        if let (false, Some(reset)) = (self.rolled, self.reset)
            && now >= reset as f64 - offset + MARGIN
        {
            // The window is over: what is still in flight may be counted in the next one.
            self.rolled = true;
            self.generation += 1;
            self.charged = self.in_flight;
        }
        if self.charged < limit {
            self.charged += 1;
            self.in_flight += 1;
            return Decision::Go;
        }
        match (self.rolled, self.reset) {
            // Every request of the new window went unanswered (transport errors): ask again.
            (true, _) if self.in_flight == 0 => self.probe(),
            (false, Some(reset)) => Decision::Until(reset as f64 - offset + MARGIN),
            _ => Decision::Answer,
        }
    }

    /// One request at a time while nothing is known.
    fn probe(&mut self) -> Decision {
        if self.in_flight > 0 {
            return Decision::Answer;
        }
        self.charged += 1;
        self.in_flight += 1;
        Decision::Go
    }

    /// The generation a request let through now belongs to.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Records the answer to a request let through in `generation` (`None`: no rate-limit headers,
    /// e.g. a transport error; its charge stays, as it may have been counted).
    pub(crate) fn answered(&mut self, generation: u64, observed: Option<Observed>) {
        self.in_flight = (self.in_flight - 1).max(0);
        // A concurrency 429 (`Limit` 0) says nothing about the bucket.
        let Some(o) = observed.filter(|o| o.limit > 0) else {
            return;
        };
        self.limit = Some(o.limit);
        let used = o.limit - o.remaining.clamp(0, o.limit);
        let Some(current) = self.reset else {
            self.reset = Some(o.reset);
            self.charged = self.charged.max(used);
            return;
        };
        if o.reset > current {
            if !self.rolled {
                // The server's window ended before we thought: what is in flight may count here.
                self.generation += 1;
                self.charged = used.max(0) + self.in_flight;
            }
            self.rolled = false;
            self.reset = Some(o.reset);
            self.charged = self.charged.max(used);
        } else if o.reset == current && !self.rolled {
            self.charged = self.charged.max(used);
        } else if o.reset == current && generation == self.generation {
            // Sent after we believed the window over, yet counted (or refused) in it: it is not.
            self.rolled = false;
            self.charged = used + self.in_flight;
        } else if generation < self.generation || self.rolled {
            // Counted in a window that is over, yet charged to the current one too.
            self.charged = (self.charged - 1).max(0);
        }
    }
}

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
    /// A limiter that paces when `pacing` (otherwise requests go at once and only 429s wait).
    pub(crate) fn new(pacing: bool) -> Self {
        let origin = Instant::now();
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        Self {
            pacing,
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
                    pacer.decide(now, offset)
                } else {
                    pacer.in_flight += 1;
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn seen(limit: i64, remaining: i64, reset: i64) -> Option<Observed> {
        Some(Observed {
            limit,
            remaining,
            reset,
        })
    }

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
        assert_eq!(bucket_for("/api/v1/apps/0oa1/grants"), "/api/v1/apps");
        assert_eq!(bucket_for("/.well-known/okta-organization"), "other");
    }

    #[test]
    fn an_unknown_bucket_sends_one_request_first() {
        let mut p = Pacer::default();
        assert_eq!(p.decide(0.0, 0.0), Decision::Go);
        assert_eq!(p.decide(0.0, 0.0), Decision::Answer);
        p.answered(0, seen(5, 4, 100));
        assert_eq!(p.decide(0.0, 0.0), Decision::Go);
    }

    #[test]
    fn the_rest_of_the_budget_goes_at_once_then_waits_for_the_reset() {
        let mut p = Pacer::default();
        p.decide(0.0, 1000.0);
        p.answered(0, seen(5, 4, 1100));
        for _ in 0..4 {
            assert_eq!(p.decide(1.0, 1000.0), Decision::Go);
        }
        // Four unanswered requests are charged: the budget is spent before any answer.
        assert_eq!(p.decide(1.0, 1000.0), Decision::Until(100.0 + MARGIN));
    }

    #[test]
    fn requests_in_flight_at_the_reset_are_charged_to_the_next_window_until_answered() {
        let mut p = Pacer::default();
        p.decide(0.0, 0.0);
        p.answered(0, seen(3, 2, 100));
        assert_eq!(p.decide(1.0, 0.0), Decision::Go);
        assert_eq!(p.decide(1.0, 0.0), Decision::Go);
        // Window over with two requests unanswered: only one more may go.
        assert_eq!(p.decide(100.5, 0.0), Decision::Go);
        assert_eq!(p.decide(100.5, 0.0), Decision::Answer);
        // One of the two was counted in the old window: its charge is released.
        p.answered(0, seen(3, 0, 100));
        assert_eq!(p.decide(100.5, 0.0), Decision::Go);
        assert_eq!(p.decide(100.5, 0.0), Decision::Answer);
        // The other landed in the new window (Reset 200): its charge stays.
        p.answered(0, seen(3, 2, 200));
        assert_eq!(p.decide(100.6, 0.0), Decision::Until(200.0 + MARGIN));
    }

    #[test]
    fn a_lower_remaining_from_the_server_wins_and_concurrency_429s_are_ignored() {
        let mut p = Pacer::default();
        p.decide(0.0, 0.0);
        p.answered(0, seen(10, 9, 100));
        assert_eq!(p.decide(1.0, 0.0), Decision::Go);
        // Someone else used the bucket: 2 left, not 8.
        p.answered(0, seen(10, 2, 100));
        p.answered(0, seen(0, 0, 101));
        assert_eq!(p.decide(1.0, 0.0), Decision::Go);
        assert_eq!(p.decide(1.0, 0.0), Decision::Go);
        assert!(matches!(p.decide(1.0, 0.0), Decision::Until(_)));
    }

    #[test]
    fn unanswered_requests_of_a_new_window_let_one_request_ask_again() {
        let mut p = Pacer::default();
        p.decide(0.0, 0.0);
        p.answered(0, seen(1, 0, 10));
        assert_eq!(p.decide(11.0, 0.0), Decision::Go);
        assert_eq!(p.decide(11.0, 0.0), Decision::Answer);
        p.answered(1, None);
        assert_eq!(p.decide(11.0, 0.0), Decision::Go);
    }

    /// A fixed-window server (windows start at the whole second of their first request) and a
    /// client with `concurrency` requests in flight and varying latency, in simulated time; the
    /// client's system clock is off by `clock_error` seconds. Returns (429s, last answer).
    fn simulate(
        requests: usize,
        limit: u32,
        window: f64,
        concurrency: usize,
        clock_error: f64,
    ) -> (u32, f64) {
        let skew = 1_000_000.37; // server epoch − client time
        let (mut count, mut window_end, mut rejected) = (0u32, f64::MIN, 0u32);
        let mut pacer = Pacer::default();
        let mut clock = Clock::new(skew + clock_error);
        type Answer = (u64, Observed, i64, f64, bool);
        let mut answers: BTreeMap<(u64, usize), Answer> = BTreeMap::new();
        let (mut now, mut sent, mut done, mut seq, mut last) = (0.0f64, 0, 0, 0usize, 0.0);
        let at = |t: f64| (t * 1e6) as u64;
        while done < requests {
            while let Some((&(t, k), _)) = answers.first_key_value() {
                if t > at(now) {
                    break;
                }
                let (generation, observed, date, when, ok) = answers.remove(&(t, k)).unwrap();
                clock.dated(date, when, now);
                clock.counted(observed.reset, when);
                pacer.answered(generation, Some(observed));
                done += usize::from(ok);
                last = now;
            }
            let mut wake = f64::MAX;
            while sent < requests && pacer.in_flight < concurrency as i64 {
                match pacer.decide(now, clock.offset()) {
                    Decision::Go => {
                        let generation = pacer.generation();
                        seq += 1;
                        let up = 0.001 + (seq * 7919 % 97) as f64 / 1000.0;
                        let arrive = now + up + skew;
                        if arrive >= window_end {
                            window_end = arrive.floor() + window;
                            count = 0;
                        }
                        let ok = count < limit;
                        count += u32::from(ok);
                        rejected += u32::from(!ok);
                        let back = now + up + 0.002;
                        let observed = Observed {
                            limit: i64::from(limit),
                            remaining: i64::from(limit - count),
                            reset: window_end.ceil() as i64,
                        };
                        let date = (back + skew - 0.001).floor() as i64;
                        let answer = (generation, observed, date, now, ok);
                        answers.insert((at(back), seq), answer);
                        sent += usize::from(ok);
                    }
                    Decision::Until(t) => {
                        wake = t;
                        break;
                    }
                    Decision::Answer => break,
                }
            }
            let answer = answers
                .keys()
                .next()
                .map_or(f64::MAX, |(t, _)| *t as f64 / 1e6);
            now = wake.min(answer).max(now + 1e-6);
        }
        (rejected, last)
    }

    #[test]
    fn simulated_fixed_windows_see_no_429_and_their_budget_used_to_the_full() {
        // 100 requests, 10 per 2 s window: 9 windows must pass before the last request (the
        // first one is shorter by the server clock's fraction of a second, 0.37 s).
        let (rejected, last) = simulate(100, 10, 2.0, 4, 0.0);
        assert_eq!(rejected, 0);
        assert!((17.6..18.0).contains(&last), "finished at {last}");
        let (rejected, last) = simulate(1000, 37, 1.0, 16, 0.0);
        assert_eq!(rejected, 0);
        assert!((26.6..27.0).contains(&last), "finished at {last}");
    }

    #[test]
    fn a_local_clock_behind_the_server_costs_time_but_no_429() {
        let (rejected, last) = simulate(100, 10, 2.0, 4, -0.3);
        assert_eq!(rejected, 0);
        assert!(last < 18.0 + 9.0 * 0.3 + 0.2, "finished at {last}");
    }

    #[test]
    fn a_local_clock_ahead_of_the_server_meets_429s_once_then_trusts_the_date_header() {
        let (rejected, last) = simulate(100, 10, 2.0, 4, 0.3);
        assert!(rejected <= 4, "{rejected} 429s: more than one burst");
        assert!(last < 30.0, "finished at {last}");
    }
}
