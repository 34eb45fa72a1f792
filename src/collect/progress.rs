//! Progress per collection: an indicatif spinner per collection when stderr is a terminal, plain
//! `tracing` lines otherwise. Each collection's [`Tracker`] also counts its requests and wall time
//! for the manifest.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::snapshot::{CollectionStats, CollectionStatus};

/// Hands out one [`Tracker`] per collection.
pub(crate) struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    /// Bars when `enabled` and stderr is a terminal; log lines otherwise.
    pub(crate) fn new(enabled: bool) -> Self {
        let multi = (enabled && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self { multi }
    }

    /// Starts tracking the collection `name` (its wall time starts now).
    pub(crate) fn start(&self, name: &'static str) -> Arc<Tracker> {
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix:<17} {msg}") {
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
        Arc::new(Tracker {
            name,
            requests: AtomicU64::new(0),
            items: AtomicU64::new(0),
            started: Instant::now(),
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
    bar: Option<ProgressBar>,
}

impl Tracker {
    /// Counts one HTTP request (retries count too).
    pub(crate) fn request(&self) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        self.redraw(n, self.items.load(Ordering::Relaxed));
    }

    /// Counts items received.
    pub(crate) fn items(&self, added: usize) {
        let n = self.items.fetch_add(added as u64, Ordering::Relaxed) + added as u64;
        self.redraw(self.requests.load(Ordering::Relaxed), n);
    }

    fn redraw(&self, requests: u64, items: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{items} items, {requests} requests"));
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
