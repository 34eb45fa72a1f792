//! Rate limits and scale, over real loopback HTTP: the mock enforces Okta's per-bucket windows
//! and concurrency limit on a generated org, and the collector's pacing keeps a whole collection
//! free of 429s; without pacing the same limits do answer 429 and the collector waits them out.
//! No timing assertions: speed is measured by `cargo bench --bench collect`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use tokenwarden::collect::{ApiToken, CollectConfig, CollectSummary, Credentials, collect};
use tokenwarden::mock::generate::{AS_OF, GenSize, GenSpec, SCAN_SECRET, write_org};
use tokenwarden::mock::{
    Fault, FaultKind, MockConfig, MockServer, Org, OrgSource, RateLimitStats, RateLimits,
};
use tokenwarden::snapshot::CollectionStatus;

/// Small limits: a 1 s window and a tenth of Okta's ceilings (the apps bucket allows 10 a window).
fn tight(scale: f64) -> RateLimits {
    RateLimits {
        enforce: true,
        window: Duration::from_secs(1),
        scale,
        ..RateLimits::default()
    }
}

fn unlimited() -> RateLimits {
    RateLimits {
        enforce: false,
        ..RateLimits::default()
    }
}

struct Run {
    summary: CollectSummary,
    stats: RateLimitStats,
    rate_limited: u64,
}

/// Collects the org in `org_dir` from a mock with `limits`, the collector tuned by `tune`.
async fn run(org_dir: &Path, limits: RateLimits, tune: impl FnOnce(&mut CollectConfig)) -> Run {
    let mock = MockConfig::new(OrgSource::Dir(org_dir.to_path_buf())).with_rate_limits(limits);
    run_mock(mock, tune).await
}

/// Every user's roles answered slowly, so that requests pile up in flight.
fn slow_roles(org_dir: &Path, limits: RateLimits) -> MockConfig {
    MockConfig::new(OrgSource::Dir(org_dir.to_path_buf()))
        .with_rate_limits(limits)
        .with_fault(Fault::always(
            FaultKind::Slow(Duration::from_millis(40)),
            "/api/v1/users/",
        ))
}

async fn run_mock(mock: MockConfig, tune: impl FnOnce(&mut CollectConfig)) -> Run {
    let server = MockServer::start(mock, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut config = CollectConfig::new(
        server.base_url().parse().unwrap(),
        Credentials::ApiToken(ApiToken::new(SCAN_SECRET.into())),
    );
    config.progress = false;
    config.log_until = Some(AS_OF.parse().unwrap());
    tune(&mut config);
    let tmp = tempfile::tempdir().unwrap();
    let summary = collect(&config, &tmp.path().join("snap")).await.unwrap();
    let (stats, rate_limited) = (server.rate_limit_stats(), server.rate_limited());
    server.shutdown().await;
    Run {
        summary,
        stats,
        rate_limited,
    }
}

/// Items per collection, and every collection's status.
fn items(run: &Run) -> BTreeMap<String, (CollectionStatus, u64)> {
    run.summary
        .manifest
        .collections
        .iter()
        .map(|(name, c)| (name.clone(), (c.status, c.items)))
        .collect()
}

fn medium_org() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_org(&GenSpec::sized(GenSize::Medium, 11), dir.path()).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_collection_of_a_medium_org_meets_no_429_and_reads_everything() {
    let org = medium_org();
    let reference = run(org.path(), unlimited(), |_| {}).await;
    let paced = run(org.path(), tight(0.1), |c| c.concurrency = 16).await;

    assert_eq!(paced.rate_limited, 0, "429s sent: {:?}", paced.stats);
    assert_eq!(paced.stats.rejected(), 0);
    // The limits did bind: some bucket needed several windows.
    let busiest = paced
        .stats
        .buckets
        .iter()
        .max_by_key(|b| b.accepted / u64::from(b.limit))
        .unwrap();
    assert!(
        busiest.accepted > 3 * u64::from(busiest.limit),
        "limits never bound: {:?}",
        paced.stats
    );
    // Same data as without limits, every collection complete.
    let got = items(&paced);
    assert_eq!(got, items(&reference));
    for (name, (status, _)) in &got {
        assert_eq!(*status, CollectionStatus::Complete, "{name}");
    }
    assert_eq!(got["api_tokens"].1, 200);
    assert_eq!(got["service_apps"].1, 20);
    assert!(got["system_log"].1 > 1_000, "{:?}", got["system_log"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_pacing_the_mock_answers_429_and_the_collector_waits_for_the_reset() {
    let org = tempfile::tempdir().unwrap();
    write_org(&GenSpec::sized(GenSize::Small, 2), org.path()).unwrap();
    let reference = run(org.path(), unlimited(), |_| {}).await;
    let unpaced = run(org.path(), tight(0.02), |c| {
        c.pace_requests = false;
        c.concurrency = 8;
        c.max_retries = 30;
    })
    .await;
    assert!(unpaced.rate_limited > 0, "no 429: {:?}", unpaced.stats);
    assert_eq!(unpaced.stats.rejected(), unpaced.rate_limited);
    let got = items(&unpaced);
    assert_eq!(got, items(&reference), "waiting out 429s loses nothing");
    assert!(
        got.values()
            .all(|(status, _)| *status == CollectionStatus::Complete)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_never_exceed_the_collectors_concurrency_cap() {
    let org = tempfile::tempdir().unwrap();
    write_org(&GenSpec::sized(GenSize::Small, 3), org.path()).unwrap();
    let mock = slow_roles(org.path(), RateLimits::default());
    let run = run_mock(mock, |c| c.concurrency = 3).await;
    assert!(run.stats.max_in_flight <= 3, "{:?}", run.stats);
    assert!(run.stats.max_in_flight >= 2, "requests ran one at a time");
    assert_eq!(run.rate_limited, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mocks_concurrency_limit_answers_429_and_the_collector_recovers() {
    let org = tempfile::tempdir().unwrap();
    write_org(&GenSpec::sized(GenSize::Small, 4), org.path()).unwrap();
    let limits = RateLimits {
        concurrency: 2,
        ..RateLimits::default()
    };
    let run = run_mock(slow_roles(org.path(), limits), |c| {
        c.concurrency = 4;
        c.max_retries = 30;
    })
    .await;
    assert!(
        run.stats.concurrency_rejected > 0,
        "4 in flight against a limit of 2 never met a concurrency 429: {:?}",
        run.stats
    );
    assert!(
        items(&run)
            .values()
            .all(|(status, _)| *status == CollectionStatus::Complete)
    );
}

#[test]
fn generated_orgs_are_deterministic_and_as_large_as_promised() {
    let (a, b) = (medium_org(), medium_org());
    for entry in std::fs::read_dir(a.path()).unwrap() {
        let name = entry.unwrap().file_name();
        let left = std::fs::read(a.path().join(&name)).unwrap();
        let right = std::fs::read(b.path().join(&name)).unwrap();
        assert!(left == right, "{name:?} differs for the same seed");
    }
    let org = Org::load(&OrgSource::Dir(a.path().to_path_buf())).unwrap();
    assert_eq!(org.users().len(), 2_000);
    assert_eq!(org.api_tokens().len(), 200);
    let large = GenSpec::sized(GenSize::Large, 1);
    assert!(large.users >= 20_000 && large.tokens >= 2_000 && large.admins() >= 2_000);
    assert!(large.service_apps >= 200 && large.log_events >= 200_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_pipe_progress_is_log_lines_never_bars() {
    let org = tempfile::tempdir().unwrap();
    write_org(&GenSpec::sized(GenSize::Small, 6), org.path()).unwrap();
    let mock = MockConfig::new(OrgSource::Dir(org.path().to_path_buf()));
    let server = MockServer::start(mock, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = common::tokenwarden(tmp.path());
    let snap = tmp.path().join("snap");
    cmd.args(["-v", "collect", "--out", snap.to_str().unwrap()])
        .args(["--log-until", AS_OF])
        .env("OKTA_CLIENT_ORGURL", server.base_url())
        .env("OKTA_API_TOKEN", SCAN_SECRET);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    server.shutdown().await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}'),
        "bar drawing on a pipe: {stderr:?}"
    );
    for collection in ["api_tokens", "users", "role_assignments"] {
        let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(collection)).collect();
        assert!(
            lines.iter().any(|l| l.contains("collecting")),
            "no start line for {collection}: {stderr}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("complete: ") && l.contains(" items")),
            "no end line for {collection}: {stderr}"
        );
    }
}
