use super::pacer::MARGIN;
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
    assert_eq!(p.decide(0.0, 0.0, i64::MAX), Decision::Go);
    assert_eq!(p.decide(0.0, 0.0, i64::MAX), Decision::Answer);
    p.answered(0, seen(5, 4, 100));
    assert_eq!(p.decide(0.0, 0.0, i64::MAX), Decision::Go);
}

#[test]
fn the_rest_of_the_budget_goes_at_once_then_waits_for_the_reset() {
    let mut p = Pacer::default();
    p.decide(0.0, 1000.0, i64::MAX);
    p.answered(0, seen(5, 4, 1100));
    for _ in 0..4 {
        assert_eq!(p.decide(1.0, 1000.0, i64::MAX), Decision::Go);
    }
    // Four unanswered requests are charged: the budget is spent before any answer.
    assert_eq!(
        p.decide(1.0, 1000.0, i64::MAX),
        Decision::Until(100.0 + MARGIN)
    );
}

#[test]
fn requests_in_flight_at_the_reset_are_charged_to_the_next_window_until_answered() {
    let mut p = Pacer::default();
    p.decide(0.0, 0.0, i64::MAX);
    p.answered(0, seen(3, 2, 100));
    assert_eq!(p.decide(1.0, 0.0, i64::MAX), Decision::Go);
    assert_eq!(p.decide(1.0, 0.0, i64::MAX), Decision::Go);
    // Window over with two requests unanswered: only one more may go.
    assert_eq!(p.decide(100.5, 0.0, i64::MAX), Decision::Go);
    assert_eq!(p.decide(100.5, 0.0, i64::MAX), Decision::Answer);
    // One of the two was counted in the old window: its charge is released.
    p.answered(0, seen(3, 0, 100));
    assert_eq!(p.decide(100.5, 0.0, i64::MAX), Decision::Go);
    assert_eq!(p.decide(100.5, 0.0, i64::MAX), Decision::Answer);
    // The other landed in the new window (Reset 200): its charge stays.
    p.answered(0, seen(3, 2, 200));
    assert_eq!(
        p.decide(100.6, 0.0, i64::MAX),
        Decision::Until(200.0 + MARGIN)
    );
}

#[test]
fn a_lower_remaining_from_the_server_wins_and_concurrency_429s_are_ignored() {
    let mut p = Pacer::default();
    p.decide(0.0, 0.0, i64::MAX);
    p.answered(0, seen(10, 9, 100));
    assert_eq!(p.decide(1.0, 0.0, i64::MAX), Decision::Go);
    // Someone else used the bucket: 2 left, not 8.
    p.answered(0, seen(10, 2, 100));
    p.answered(0, seen(0, 0, 101));
    assert_eq!(p.decide(1.0, 0.0, i64::MAX), Decision::Go);
    assert_eq!(p.decide(1.0, 0.0, i64::MAX), Decision::Go);
    assert!(matches!(p.decide(1.0, 0.0, i64::MAX), Decision::Until(_)));
}

#[test]
fn a_bucket_holds_at_most_its_share_of_the_concurrency() {
    let mut p = Pacer::default();
    p.decide(0.0, 0.0, 2);
    p.answered(0, seen(100, 99, 100));
    assert_eq!(p.decide(1.0, 0.0, 2), Decision::Go);
    assert_eq!(p.decide(1.0, 0.0, 2), Decision::Go);
    assert_eq!(
        p.decide(1.0, 0.0, 2),
        Decision::Answer,
        "budget left, share taken"
    );
    p.answered(0, seen(100, 97, 100));
    assert_eq!(p.decide(1.0, 0.0, 2), Decision::Go);
}

#[test]
fn unanswered_requests_of_a_new_window_let_one_request_ask_again() {
    let mut p = Pacer::default();
    p.decide(0.0, 0.0, i64::MAX);
    p.answered(0, seen(1, 0, 10));
    assert_eq!(p.decide(11.0, 0.0, i64::MAX), Decision::Go);
    assert_eq!(p.decide(11.0, 0.0, i64::MAX), Decision::Answer);
    p.answered(1, None);
    assert_eq!(p.decide(11.0, 0.0, i64::MAX), Decision::Go);
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
        while sent < requests && pacer.in_flight() < concurrency as i64 {
            match pacer.decide(now, clock.offset(), i64::MAX) {
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
