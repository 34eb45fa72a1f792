//! Progress per collection. On a terminal, one indicatif bar per collection: a spinner with the
//! items and requests so far while the total is unknown (Okta lists do not say how long they
//! are), a bar of done/total once the collection knows how many sub-requests it will make
//! ([`Tracker::expect`] / [`Tracker::step`]). Elsewhere (CI, pipes, `--no-progress`) plain
//! `tracing` lines: one when a collection starts, one every [`LOG_EVERY`] while it runs, one when
//! it ends with its status and counts. Each collection's [`Tracker`] also counts its requests and
//! wall time for the manifest.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::snapshot::{CollectionStats, CollectionStatus};

/// Without bars, a long collection logs its counts this often.
pub(crate) const LOG_EVERY: Duration = Duration::from_secs(15);

const SPINNER: &str = "{spinner} {prefix:<17} {msg}";
#[cfg_attr(not(test), allow(dead_code))]
const BAR: &str = "{spinner} {prefix:<17} [{bar:24}] {pos}/{len} {msg}";

/// Hands out one [`Tracker`] per collection.
pub(crate) struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    /// Bars when `enabled` and stderr is a terminal; log lines otherwise.
    pub(crate) fn new(enabled: bool) -> Self {
        let target = (enabled && std::io::stderr().is_terminal()).then(ProgressDrawTarget::stderr);
        Self::with_target(target)
    }

    /// Bars drawn to `target`, or log lines when `None`.
    pub(crate) fn with_target(target: Option<ProgressDrawTarget>) -> Self {
        Self {
            multi: target.map(MultiProgress::with_draw_target),
        }
    }

    /// Whether this draws bars.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn has_bars(&self) -> bool {
        self.multi.is_some()
    }

    /// Starts tracking the collection `name` (its wall time starts now).
    pub(crate) fn start(&self, name: &'static str) -> Arc<Tracker> {
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template(SPINNER) {
                bar.set_style(style);
            }
            bar.set_prefix(name);
            bar.set_message("starting");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        if bar.is_none() {
            tracing::info!(collection = name, "collecting");
        }
        let started = Instant::now();
        Arc::new(Tracker {
            name,
            requests: AtomicU64::new(0),
            items: AtomicU64::new(0),
            started,
            logged_ms: AtomicU64::new(0),
            bar,
        })
    }
}

/// Request count, item count and wall time of one collection.
pub(crate) struct Tracker {
    name: &'static str,
    requests: AtomicU64,
    items: AtomicU64,
    started: Instant,
    /// Milliseconds after `started` of the last progress line (without bars).
    logged_ms: AtomicU64,
    bar: Option<ProgressBar>,
}

impl Tracker {
    /// The collection this tracker counts for.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Counts one HTTP request (retries count too).
    pub(crate) fn request(&self) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        self.redraw(n, self.items.load(Ordering::Relaxed));
    }

    /// Counts items received.
    pub(crate) fn items(&self, added: usize) {
        let added = added as u64;
        let n = self.items.fetch_add(added, Ordering::Relaxed) + added;
        self.redraw(self.requests.load(Ordering::Relaxed), n);
    }

    /// The collection will make `total` more steps (e.g. one per user whose roles it reads): the
    /// spinner becomes a bar. Calls add up. (For collections that know their fan-out; none calls
    /// it yet.)
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn expect(&self, total: usize) {
        if let Some(bar) = &self.bar {
            if bar.length().is_none()
                && let Ok(style) = ProgressStyle::with_template(BAR)
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_length(bar.length().unwrap_or(0) + total as u64);
        }
    }

    /// One of the expected steps is done.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn step(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn redraw(&self, requests: u64, items: u64) {
        match &self.bar {
            Some(bar) => bar.set_message(format!("{items} items, {requests} requests")),
            None => {
                let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
                let last = self.logged_ms.load(Ordering::Relaxed);
                let every = LOG_EVERY.as_millis() as u64;
                if now >= last + every
                    && self
                        .logged_ms
                        .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
                    tracing::info!(
                        collection = self.name,
                        "{items} items, {requests} requests so far"
                    );
                }
            }
        }
    }

    /// Requests so far and wall time since the start.
    pub(crate) fn stats(&self) -> CollectionStats {
        CollectionStats {
            requests: self.requests.load(Ordering::Relaxed),
            duration_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Ends the bar or logs the outcome.
    pub(crate) fn finish(&self, status: CollectionStatus, items: usize, error: Option<&str>) {
        let stats = self.stats();
        let summary = format!(
            "{status}: {items} items, {} requests, {} ms",
            stats.requests, stats.duration_ms
        );
        let log = || match error {
            Some(error) if status != CollectionStatus::Complete => {
                tracing::warn!(collection = self.name, "{summary}: {error}");
            }
            _ => tracing::info!(collection = self.name, "{summary}"),
        };
        match &self.bar {
            Some(bar) => {
                bar.finish_with_message(summary.clone());
                if status != CollectionStatus::Complete {
                    bar.suspend(log);
                }
            }
            None => log(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn without_a_terminal_there_are_no_bars() {
        let progress = Progress::with_target(None);
        assert!(!progress.has_bars());
        let t = progress.start("users");
        t.expect(3);
        t.step();
        t.request();
        t.items(5);
        assert!(t.bar.is_none());
        assert_eq!(t.stats().requests, 1);
        if !std::io::stderr().is_terminal() {
            assert!(!Progress::new(true).has_bars(), "stderr is not a terminal");
        }
        assert!(!Progress::new(false).has_bars());
    }

    #[test]
    fn a_spinner_becomes_a_bar_once_the_total_is_known() {
        let progress = Progress::with_target(Some(ProgressDrawTarget::hidden()));
        assert!(progress.has_bars());
        let t = progress.start("role_assignments");
        let bar = t.bar.clone().unwrap();
        assert_eq!(bar.length(), None, "a spinner while the total is unknown");
        t.request();
        t.items(7);
        assert_eq!(bar.message(), "7 items, 1 requests");
        t.expect(2);
        t.expect(1);
        t.step();
        assert_eq!((bar.position(), bar.length()), (1, Some(3)));
        t.finish(CollectionStatus::Complete, 7, None);
        assert!(bar.is_finished());
        assert!(bar.message().starts_with("complete: 7 items, 1 requests"));
    }
}
