//! One bucket's pacing decisions and the estimate of the server's clock, pure functions of
//! the answers seen and the time, so that they can be tested without a network or a clock.

use reqwest::header::HeaderMap;

use crate::collect::backoff::{LIMIT_HEADER, REMAINING_HEADER, RESET_HEADER, header_i64};

/// Sent this long after a window's computed end, against timer granularity.
pub(crate) const MARGIN: f64 = 0.002;

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
    /// Whether a request may go at local time `now`, with `offset` = server epoch − local time
    /// and at most `share` requests of this bucket in flight; on [`Decision::Go`] the request is
    /// charged and counted in flight.
    pub(crate) fn decide(&mut self, now: f64, offset: f64, share: i64) -> Decision {
        if self.in_flight >= share {
            return Decision::Answer;
        }
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

    /// Lets a request through without pacing (it is only counted in flight).
    pub(crate) fn unpaced(&mut self) {
        self.in_flight += 1;
    }

    /// Requests let through and not yet answered.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> i64 {
        self.in_flight
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
