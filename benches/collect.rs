//! `cargo bench --bench collect`: collects a large synthetic org from the rate-limited mock with
//! the real collector and compares the wall time with the least time the mock's limits allow.
//!
//! Setup (override with environment variables):
//! - org: `GenSize::Large`, seed 1 — 20,000 users, 2,000 API tokens, 2,000 admins, 200 service
//!   apps, 200,000 System Log events (`TW_BENCH_SIZE=small|medium|large`; `TW_BENCH_EVENTS`
//!   overrides the number of events, a diagnostic knob: the mock filters the whole log for every
//!   System Log request, which costs CPU on this machine that a real Okta spends on its own);
//! - mock: Okta's Workforce limits × `TW_BENCH_SCALE` (default 0.2) per `TW_BENCH_WINDOW`
//!   seconds (default 2), Okta's concurrency limit of 75, on a runtime of its own (32 worker
//!   threads) as a real Okta would be another machine: its slow System Log filtering must not
//!   stall the collector's threads;
//! - collector: `TW_BENCH_CONCURRENCY` requests in flight (default 24), pacing on, on a runtime
//!   of 2 worker threads (this machine has 2 cores).
//!
//! With the defaults the apps bucket (20 requests a window) binds: about 600 requests, 31
//! windows, a bound of 60 s.
//!
//! The last line on stdout is `collect: wall <s>, bound <s>, ratio <wall/bound>, 429s <n>`:
//! - wall: the time `collect()` took (generating the org and starting the mock excluded);
//! - bound: `max over buckets b of (⌈n_b / L_b⌉ − 1) × window`, where `n_b` is the number of
//!   requests the mock counted in bucket `b` and `L_b` its scaled limit per window: to serve
//!   `n_b` requests a bucket must see at least `⌈n_b / L_b⌉` windows, and all but the last must
//!   run out before its last request; the last window's requests could come all at once and add
//!   nothing. Windows start at the whole second of their first request, so a bucket's first
//!   window can be up to 1 s shorter than `window`: the true minimum is at most 1 s below the
//!   bound. Dependencies between requests (a group's roles before its members, …) are ignored,
//!   so the bound is a lower bound. With a sub-second window `Reset` (whole seconds) is the
//!   ceiling of the window's end, so a client that waits for `Reset` loses up to 1 s a window,
//!   which the bound does not forgive: keep the window a whole number of seconds;
//! - 429s: every 429 the mock sent (rate and concurrency). The collector waits each one out, so
//!   any 429 costs time; with pacing there should be none.
//!
//! Everything else (per-bucket counts, collection statuses) goes to stderr; `TW_BENCH_LOG` (an
//! env-filter such as `tokenwarden=debug`) adds the library's log lines there.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use tokenwarden::collect::{ApiToken, CollectConfig, Credentials, collect};
use tokenwarden::mock::generate::{AS_OF, GenSize, GenSpec, SCAN_SECRET, write_org};
use tokenwarden::mock::{MockConfig, MockServer, OrgSource, RateLimits};
use tokenwarden::snapshot::CollectionStatus;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Ok(filter) = std::env::var("TW_BENCH_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let size = match std::env::var("TW_BENCH_SIZE").as_deref() {
        Ok("small") => GenSize::Small,
        Ok("medium") => GenSize::Medium,
        _ => GenSize::Large,
    };
    let window = Duration::from_secs_f64(env_or("TW_BENCH_WINDOW", 2.0));
    let scale: f64 = env_or("TW_BENCH_SCALE", 0.2);
    let concurrency: usize = env_or("TW_BENCH_CONCURRENCY", 24);

    let mut spec = GenSpec::sized(size, 1);
    spec.log_events = env_or("TW_BENCH_EVENTS", spec.log_events);
    let tmp = tempfile::tempdir()?;
    let started = Instant::now();
    write_org(&spec, tmp.path())?;
    eprintln!(
        "generated {size:?} org in {:.1} s: {} users, {} tokens, {} admins, {} service apps, {} events",
        started.elapsed().as_secs_f64(),
        spec.users,
        spec.tokens,
        spec.admins(),
        spec.service_apps,
        spec.log_events
    );

    let runtime = |threads| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    };
    let (okta, collector) = (runtime(32)?, runtime(2)?);
    let limits = RateLimits {
        enforce: true,
        window,
        scale,
        ..RateLimits::default()
    };
    let mock = MockConfig::new(OrgSource::Dir(tmp.path().to_path_buf())).with_rate_limits(limits);
    let loading = Instant::now();
    let server = okta.block_on(MockServer::start(mock, "127.0.0.1:0".parse()?))?;
    let result = collector.block_on(async {
        eprintln!(
            "mock loaded the org in {:.1} s; window {} s, scale {scale}, collector concurrency {concurrency}",
            loading.elapsed().as_secs_f64(),
            window.as_secs_f64()
        );
        let mut config = CollectConfig::new(
            server.base_url().parse()?,
            Credentials::ApiToken(ApiToken::new(SCAN_SECRET.into())),
        );
        config.progress = false;
        config.concurrency = concurrency;
        config.request_timeout = Duration::from_secs(120);
        config.log_until = Some(AS_OF.parse()?);
        let out = tempfile::tempdir()?;

        let started = Instant::now();
        let summary = collect(&config, &out.path().join("snapshot")).await?;
        let wall = started.elapsed().as_secs_f64();

        let stats = server.rate_limit_stats();
        let rejected = server.rate_limited();

        let mut incomplete = 0;
        for (name, c) in &summary.manifest.collections {
            eprintln!(
                "  {name:<17} {:<9} {:>7} items {:>6} requests {:>7} ms",
                c.status.to_string(),
                c.items,
                c.requests,
                c.duration_ms
            );
            incomplete += usize::from(c.status != CollectionStatus::Complete);
        }
        for b in &stats.buckets {
            let windows = b.accepted.div_ceil(u64::from(b.limit.max(1)));
            eprintln!(
                "  bucket {:<26} limit {:>4}/window  {:>6} requests  {:>3} windows needed  {} refused",
                b.name, b.limit, b.accepted, windows, b.rejected
            );
        }
        eprintln!(
            "  peak in flight {}, concurrency 429s {}",
            stats.max_in_flight, stats.concurrency_rejected
        );
        if incomplete > 0 {
            return Err(format!("{incomplete} collections incomplete").into());
        }
        let bound = stats.bound().as_secs_f64();
        let ratio = if bound > 0.0 { wall / bound } else { f64::INFINITY };
        println!("collect: wall {wall:.1}, bound {bound:.1}, ratio {ratio:.3}, 429s {rejected}");
        Ok::<(), Box<dyn std::error::Error>>(())
    });
    okta.block_on(server.shutdown());
    result
}
