use super::*;

fn limits(window_ms: u64, scale: f64) -> RateLimits {
    RateLimits {
        window: Duration::from_millis(window_ms),
        scale,
        ..RateLimits::default()
    }
}

#[test]
fn paths_map_to_workforce_buckets() {
    assert_eq!(bucket_for("/api/v1/users").limit, 600);
    assert_eq!(bucket_for("/api/v1/users/00u1").limit, 2000);
    assert_eq!(bucket_for("/api/v1/users/00u1/roles").limit, 1200);
    assert_eq!(bucket_for("/api/v1/groups").limit, 500);
    assert_eq!(bucket_for("/api/v1/groups/00g1/users").limit, 1000);
    assert_eq!(bucket_for("/api/v1/api-tokens").limit, 1200);
    assert_eq!(bucket_for("/api/v1/logs").limit, 120);
    assert_eq!(bucket_for("/api/v1/apps/0oa1/grants").limit, 100);
    assert_eq!(bucket_for("/oauth2/v1/clients/0oa1/roles").limit, 100);
    assert_eq!(bucket_for("/.well-known/okta-organization").name, "other");
    for name in ["/api/v1/apps/{id}", "/api/v1/users/{idOrLogin}", "other"] {
        assert_eq!(bucket_for_name(name).name, name);
    }
}

#[test]
fn windows_start_at_the_whole_second_of_their_first_request_and_count_down() {
    let buckets = Buckets::new(RateLimits::default());
    let b = bucket_for("/api/v1/groups");
    let (first, limited) = buckets.hit(b, 1_000_400);
    assert!(!limited);
    assert_eq!((first.remaining, first.reset), (499, 1060));
    let (second, _) = buckets.hit(b, 1_030_000);
    assert_eq!((second.remaining, second.reset), (498, 1060));
    let (fresh, _) = buckets.hit(b, 1_060_000);
    assert_eq!((fresh.remaining, fresh.reset), (499, 1120));
}

#[test]
fn requests_over_the_scaled_limit_are_refused_until_the_window_ends() {
    let buckets = Buckets::new(limits(2000, 0.05));
    let b = bucket_for("/api/v1/logs");
    assert_eq!(buckets.limit_of(b), 6);
    for i in 0..6 {
        let (h, limited) = buckets.hit(b, 5_000_100 + i);
        assert!(!limited, "request {i}");
        assert_eq!(h.remaining, 5 - u32::try_from(i).unwrap());
    }
    let (h, limited) = buckets.hit(b, 5_001_999);
    assert!(limited);
    assert_eq!((h.limit, h.remaining, h.reset), (6, 0, 5002));
    let (h, limited) = buckets.hit(b, 5_002_000);
    assert!(!limited);
    assert_eq!((h.remaining, h.reset), (5, 5004));
    let stats = buckets.stats();
    assert_eq!(stats.buckets[0].accepted, 7);
    assert_eq!(stats.buckets[0].rejected, 1);
    assert_eq!(stats.buckets[0].windows, 2);
    assert_eq!(stats.rejected(), 1);
}

#[test]
fn sub_second_windows_report_the_ceiling_of_their_end() {
    let buckets = Buckets::new(limits(300, 1.0));
    let (h, _) = buckets.hit(bucket_for("/api/v1/users"), 7_000_800);
    assert_eq!(h.reset, 7002, "ends at 7001.1 s, reported as 7002");
}

#[test]
fn without_enforcement_the_headers_still_count_down() {
    let buckets = Buckets::new(RateLimits {
        enforce: false,
        ..limits(1000, 0.001)
    });
    let b = bucket_for("/api/v1/users");
    for _ in 0..3 {
        let (h, limited) = buckets.hit(b, 9_000_000);
        assert!(!limited);
        assert_eq!(h.remaining, 0);
    }
}

#[test]
fn concurrency_over_the_limit_is_refused_with_zero_limit_and_remaining() {
    let buckets = Buckets::new(RateLimits {
        concurrency: 2,
        ..RateLimits::default()
    });
    let now = Utc::now();
    let b = bucket_for("/api/v1/users");
    let first = buckets.admit(b, now);
    let second = buckets.admit(b, now);
    let third = buckets.admit(b, now);
    assert!(!first.limited && !second.limited);
    assert!(third.limited);
    assert_eq!((third.headers.limit, third.headers.remaining), (0, 0));
    drop((first, second, third));
    assert!(!buckets.admit(b, now).limited);
    let stats = buckets.stats();
    assert_eq!((stats.max_in_flight, stats.concurrency_rejected), (3, 1));
}

#[test]
fn bound_is_the_slowest_bucket_in_full_windows() {
    let usage = |name: &str, limit, accepted| BucketUsage {
        name: name.into(),
        limit,
        accepted,
        rejected: 0,
        windows: 0,
    };
    let stats = RateLimitStats {
        limits: limits(2000, 1.0),
        buckets: vec![
            usage("/api/v1/logs", 10, 35),
            usage("/api/v1", 100, 100),
            usage("other", 5, 0),
        ],
        concurrency_rejected: 0,
        max_in_flight: 1,
    };
    assert_eq!(stats.bound(), Duration::from_secs(6));
}
