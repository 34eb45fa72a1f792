//! The collector against the mock Okta over real loopback HTTP: pagination, retries, rate limits,
//! faults, statuses, and that the API token never leaks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokenwarden::collect::{
    ApiToken, CollectConfig, CollectError, CollectSummary, Credentials, collect,
};
use tokenwarden::mock::{Fault, FaultKind, LinkStyle, MockConfig, MockServer, OrgSource};
use tokenwarden::snapshot::{CollectionStatus, Snapshot};

const ALL: [&str; 13] = [
    "org",
    "api_tokens",
    "network_zones",
    "user_types",
    "groups",
    "role_assignments",
    "users",
    "custom_roles",
    "resource_sets",
    "user_factors",
    "caller",
    "service_apps",
    "system_log",
];

/// Standard roles whose targets the collector reads.
const TARGETABLE: [&str; 4] = [
    "APP_ADMIN",
    "USER_ADMIN",
    "HELP_DESK_ADMIN",
    "GROUP_MEMBERSHIP_ADMIN",
];

/// A fixture org by name.
fn org_named(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/orgs")
        .join(name)
}

/// The fixture org most tests scan.
fn org_dir() -> PathBuf {
    org_named("basic")
}

fn fixture(file: &str) -> Value {
    fixture_of(&org_dir(), file)
}

fn fixture_of(org: &Path, file: &str) -> Value {
    let text = std::fs::read_to_string(org.join(file)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Principals (`users` or `groups`) that hold a custom role through a resource-set binding.
fn binding_members(org: &Path, kind: &str) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(org.join("resource-sets.json")) else {
        return BTreeSet::new();
    };
    let sets: Value = serde_json::from_str(&text).unwrap();
    let prefix = format!("/api/v1/{kind}/");
    let mut out = BTreeSet::new();
    for set in sets.as_array().unwrap() {
        for b in set["bindings"].as_array().into_iter().flatten() {
            for m in b["members"].as_array().into_iter().flatten() {
                let principal = m["principal"].as_str().or_else(|| m.as_str()).unwrap_or("");
                if let Some(id) = principal.strip_prefix(&prefix) {
                    out.insert(id.to_string());
                }
            }
        }
    }
    out
}

/// The API token secret of the fixture org.
fn secret() -> String {
    let org = fixture("org.json");
    let secrets = org["api_token_secrets"].as_object().unwrap();
    secrets.keys().next().unwrap().clone()
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

fn mock_config() -> MockConfig {
    MockConfig::new(OrgSource::Dir(org_dir())).with_page_size(2)
}

fn collect_config(base_url: &str, token: &str) -> CollectConfig {
    let mut c = CollectConfig::new(
        base_url.parse().unwrap(),
        Credentials::ApiToken(ApiToken::new(token.to_string())),
    );
    c.concurrency = 4;
    c.request_timeout = Duration::from_secs(5);
    c.progress = false;
    c
}

struct Scan {
    server: MockServer,
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    result: Result<CollectSummary, CollectError>,
}

impl Scan {
    fn snapshot(&self) -> Snapshot {
        Snapshot::open(&self.dir).unwrap()
    }

    /// How many requests had exactly this path and query.
    fn count_of(&self, path_and_query: &str) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| r.path_and_query == path_and_query)
            .count()
    }

    fn status_of(&self, path_prefix: &str) -> Vec<u16> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.path_and_query.starts_with(path_prefix))
            .map(|r| r.status)
            .collect()
    }
}

async fn scan_with(mock: MockConfig, token: &str, tune: impl FnOnce(&mut CollectConfig)) -> Scan {
    let server = MockServer::start(mock, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snap");
    let mut config = collect_config(&server.base_url(), token);
    tune(&mut config);
    let result = collect(&config, &dir).await;
    Scan {
        server,
        _tmp: tmp,
        dir,
        result,
    }
}

async fn scan(mock: MockConfig) -> Scan {
    scan_with(mock, &secret(), |_| {}).await
}

fn load(snap: &Snapshot, name: &str) -> Value {
    snap.load(name).unwrap().unwrap()
}

fn statuses(snap: &Snapshot) -> BTreeMap<String, CollectionStatus> {
    snap.manifest()
        .collections
        .iter()
        .map(|(k, v)| (k.clone(), v.status))
        .collect()
}

fn assert_status(snap: &Snapshot, name: &str, expected: CollectionStatus) {
    let record = &snap.manifest().collections[name];
    assert_eq!(record.status, expected, "{name}: {:?}", record.error);
}

fn assert_all_complete_except(snap: &Snapshot, except: &[&str]) {
    for name in ALL.iter().filter(|n| !except.contains(n)) {
        assert_status(snap, name, CollectionStatus::Complete);
    }
}

/// Every object of the fixture is in the snapshot exactly once.
fn assert_whole_org(snap: &Snapshot) {
    assert_org(snap, &org_dir());
}

fn assert_org(snap: &Snapshot, org: &Path) {
    let fixture = |file: &str| fixture_of(org, file);
    let once = |got: Vec<String>, want: Vec<String>, what: &str| {
        let set: BTreeSet<_> = got.iter().cloned().collect();
        assert_eq!(set.len(), got.len(), "{what}: duplicates in {got:?}");
        assert_eq!(set, want.into_iter().collect::<BTreeSet<_>>(), "{what}");
    };
    once(
        ids(&load(snap, "api_tokens")),
        ids(&fixture("api-tokens.json")),
        "api_tokens",
    );
    once(
        ids(&load(snap, "network_zones")),
        ids(&fixture("zones.json")),
        "network_zones",
    );
    once(
        ids(&load(snap, "user_types")),
        ids(&fixture("user-types.json")),
        "user_types",
    );
    assert_eq!(load(snap, "org")["id"], fixture("org.json")["org_id"]);

    // Admin groups and their members.
    let roles = fixture("roles.json");
    let members = fixture("group-members.json");
    let admin_groups: Vec<String> = roles["groups"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, a)| !a.as_array().unwrap().is_empty())
        .map(|(g, _)| g.clone())
        .chain(binding_members(org, "groups"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let groups = load(snap, "groups");
    let got_groups: Vec<String> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"]["id"].as_str().unwrap().to_string())
        .collect();
    once(got_groups, admin_groups.clone(), "groups");
    for g in groups.as_array().unwrap() {
        let gid = g["group"]["id"].as_str().unwrap();
        let got: Vec<String> = g["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect();
        let want: Vec<String> = members
            .get(gid)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|m| m.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        once(got, want, &format!("members of {gid}"));
    }

    // Principals: admin groups, direct-role users and token owners that exist.
    let existing: BTreeSet<String> = ids(&fixture("users.json")).into_iter().collect();
    let owners: BTreeSet<String> = fixture("api-tokens.json")
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["userId"].as_str().map(str::to_string))
        .filter(|u| existing.contains(u))
        .collect();
    let direct: BTreeSet<String> = roles["users"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, a)| !a.as_array().unwrap().is_empty())
        .map(|(u, _)| u.clone())
        .chain(binding_members(org, "users"))
        .collect();
    let ra = load(snap, "role_assignments");
    let principals = |kind: &str| -> Vec<String> {
        ra.as_array()
            .unwrap()
            .iter()
            .filter(|p| p["principal_type"] == kind)
            .map(|p| p["principal_id"].as_str().unwrap().to_string())
            .collect()
    };
    once(
        principals("GROUP"),
        admin_groups.clone(),
        "GROUP principals",
    );
    once(
        principals("USER"),
        direct.union(&owners).cloned().collect(),
        "USER principals",
    );

    // Targets of every targetable role held directly, as the fixture scopes them.
    for (kind, key) in [("USER", "users"), ("GROUP", "groups")] {
        for (pid, list) in roles[key].as_object().unwrap() {
            let Some(p) = ra
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["principal_type"] == kind && p["principal_id"] == pid.as_str())
            else {
                continue;
            };
            for a in list.as_array().unwrap() {
                let aid = a["id"].as_str().unwrap();
                let entry = p["targets"].get(aid);
                if !TARGETABLE.contains(&a["type"].as_str().unwrap()) {
                    assert!(entry.is_none(), "{pid}/{aid}: not targetable");
                    continue;
                }
                let entry = entry.unwrap_or_else(|| panic!("{pid}/{aid}: targets missing"));
                let names = |v: &Value, field: &str| -> BTreeSet<String> {
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .map(|x| {
                            x.as_str()
                                .or_else(|| x[field].as_str())
                                .unwrap()
                                .to_string()
                        })
                        .collect()
                };
                let want = &a["targets"];
                assert_eq!(
                    names(&entry["groups"], "id"),
                    names(&want["groups"], "id"),
                    "{pid}/{aid} groups"
                );
                assert_eq!(
                    names(&entry["apps"], "name"),
                    names(&want["apps"], "name"),
                    "{pid}/{aid} apps"
                );
            }
        }
    }

    // Users: owners, direct-role holders and admin-group members.
    let mut wanted: BTreeSet<String> = owners.union(&direct).cloned().collect();
    for g in &admin_groups {
        for m in members
            .get(g)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            wanted.insert(m.as_str().unwrap().to_string());
        }
    }
    let wanted: BTreeSet<String> = wanted.intersection(&existing).cloned().collect();
    once(
        ids(&load(snap, "users")),
        wanted.into_iter().collect(),
        "users",
    );
}

#[tokio::test]
async fn small_pages_are_walked_completely_with_every_object_once() {
    let started = chrono::Utc::now();
    let s = scan(mock_config()).await;
    let summary = s.result.as_ref().unwrap();
    assert_eq!(summary.dir, s.dir);
    let snap = s.snapshot();
    assert_all_complete_except(&snap, &[]);
    assert_whole_org(&snap);

    let m = snap.manifest();
    assert_eq!(m, &summary.manifest);
    assert_eq!(m.auth_method, "api_token");
    assert_eq!(m.org_url, s.server.base_url());
    assert!(m.collected_at >= started - chrono::TimeDelta::seconds(1));
    assert!(m.collected_at <= chrono::Utc::now());
    // page_size 2: the token list needed one request per two tokens, all counted.
    let token_pages = s.status_of("/api/v1/api-tokens").len() as u64;
    let tokens = fixture("api-tokens.json").as_array().unwrap().len() as u64;
    assert!(tokens > 2, "the fixture must page");
    assert_eq!(token_pages, tokens.div_ceil(2));
    assert_eq!(m.collections["api_tokens"].requests, token_pages);
    let total: u64 = m.collections.values().map(|c| c.requests).sum();
    assert_eq!(total, s.server.requests().len() as u64);
}

#[tokio::test]
async fn demo_org_is_collected_completely_in_pages_of_three() {
    let org = org_named("demo");
    let secret = fixture_of(&org, "org.json")["api_token_secrets"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let s = scan_with(
        MockConfig::new(OrgSource::Dir(org.clone())).with_page_size(3),
        &secret,
        |_| {},
    )
    .await;
    s.result.as_ref().unwrap();
    let snap = s.snapshot();
    assert_all_complete_except(&snap, &[]);
    assert_org(&snap, &org);
}

#[tokio::test]
async fn comma_joined_link_headers_are_followed() {
    let s = scan(mock_config().with_link_style(LinkStyle::Joined)).await;
    s.result.as_ref().unwrap();
    let snap = s.snapshot();
    assert_all_complete_except(&snap, &[]);
    assert_whole_org(&snap);
}

#[tokio::test]
async fn rate_limit_429_waits_for_the_reset_then_succeeds_without_losing_data() {
    let started = Instant::now();
    let s = scan(mock_config().with_fault(Fault::times(FaultKind::RateLimit, "/api/v1/users", 1)))
        .await;
    s.result.as_ref().unwrap();
    let snap = s.snapshot();
    assert_all_complete_except(&snap, &[]);
    assert_whole_org(&snap);
    assert_eq!(s.status_of("/api/v1/users").first(), Some(&429));
    // Reset is 1 s ahead of the server's Date: the collector waits reset − date + 1 ≥ 1 s.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let s = scan(mock_config().with_fault(Fault::times(
        FaultKind::ServerError,
        "/api/v1/api-tokens",
        2,
    )))
    .await;
    s.result.as_ref().unwrap();
    let snap = s.snapshot();
    assert_all_complete_except(&snap, &[]);
    assert_whole_org(&snap);
    assert_eq!(&s.status_of("/api/v1/api-tokens")[..3], &[500, 500, 200]);
}

#[tokio::test]
async fn persistent_server_errors_fail_the_collection_after_bounded_retries() {
    let s = scan_with(
        mock_config().with_fault(Fault::always(FaultKind::ServerError, "/api/v1/meta/types")),
        &secret(),
        |c| c.max_retries = 2,
    )
    .await;
    let snap = s.snapshot();
    assert_status(&snap, "user_types", CollectionStatus::Failed);
    let record = &snap.manifest().collections["user_types"];
    let error = record.error.as_deref().unwrap();
    assert!(
        error.contains("/api/v1/meta/types/user: HTTP 500 E0000009"),
        "{error}"
    );
    assert_eq!(record.requests, 3);
    assert_eq!(s.status_of("/api/v1/meta/types").len(), 3);
    assert_all_complete_except(&snap, &["user_types"]);
}

#[tokio::test]
async fn truncated_body_is_retried_then_succeeds() {
    let s = scan(mock_config().with_fault(Fault::times(FaultKind::Truncate, "/api/v1/groups", 1)))
        .await;
    s.result.as_ref().unwrap();
    let snap = s.snapshot();
    assert_all_complete_except(&snap, &[]);
    assert_whole_org(&snap);
    // The cut first page was fetched again.
    assert_eq!(s.count_of("/api/v1/groups?limit=200"), 2);
}

#[tokio::test]
async fn slow_answer_times_out_and_is_retried() {
    let started = Instant::now();
    let s = scan_with(
        mock_config().with_fault(Fault::times(
            FaultKind::Slow(Duration::from_secs(3)),
            "/api/v1/zones",
            1,
        )),
        &secret(),
        |c| c.request_timeout = Duration::from_millis(700),
    )
    .await;
    s.result.as_ref().unwrap();
    let snap = s.snapshot();
    assert_all_complete_except(&snap, &[]);
    assert_whole_org(&snap);
    // The slow answer was abandoned at the timeout, not waited for (the mock logs only answers
    // it finished, so the abandoned one is not in its log).
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.count_of("/api/v1/zones"), 1);
}

#[tokio::test]
async fn repeating_next_link_fails_that_collection_and_keeps_the_rest_complete() {
    let s = scan(mock_config().with_fault(Fault::times(FaultKind::RepeatNext, "/api/v1/zones", 1)))
        .await;
    let snap = s.snapshot();
    assert_status(&snap, "network_zones", CollectionStatus::Failed);
    let error = snap.manifest().collections["network_zones"]
        .error
        .clone()
        .unwrap();
    assert!(error.contains("pagination loop at"), "{error}");
    // What was fetched before the loop is kept.
    assert_eq!(load(&snap, "network_zones").as_array().unwrap().len(), 2);
    assert_all_complete_except(&snap, &["network_zones"]);
}

#[tokio::test]
async fn failed_token_list_makes_the_collections_built_on_it_partial() {
    let s = scan(mock_config().with_fault(Fault::times(
        FaultKind::RepeatNext,
        "/api/v1/api-tokens",
        1,
    )))
    .await;
    let snap = s.snapshot();
    assert_status(&snap, "api_tokens", CollectionStatus::Failed);
    for name in ["role_assignments", "users"] {
        assert_status(&snap, name, CollectionStatus::Partial);
        let error = snap.manifest().collections[name].error.clone().unwrap();
        assert!(
            error.contains("input api_tokens is failed"),
            "{name}: {error}"
        );
    }
    // Factors are read for the admins found in role_assignments, which may now miss some; the
    // System Log reads per-token events for the listed tokens.
    for name in ["user_factors", "system_log"] {
        assert_status(&snap, name, CollectionStatus::Partial);
    }
    assert_all_complete_except(
        &snap,
        &[
            "api_tokens",
            "role_assignments",
            "users",
            "user_factors",
            "system_log",
        ],
    );
}

#[tokio::test]
async fn forbidden_zones_are_reported_forbidden_and_the_rest_complete() {
    let s =
        scan(mock_config().with_fault(Fault::always(FaultKind::Forbidden, "/api/v1/zones"))).await;
    let snap = s.snapshot();
    assert_status(&snap, "network_zones", CollectionStatus::Forbidden);
    let error = snap.manifest().collections["network_zones"]
        .error
        .clone()
        .unwrap();
    assert!(
        error.contains("GET /api/v1/zones: HTTP 403 E0000006"),
        "{error}"
    );
    assert_eq!(load(&snap, "network_zones"), serde_json::json!([]));
    assert_all_complete_except(&snap, &["network_zones"]);
}

#[tokio::test]
async fn rejected_token_aborts_with_unauthorized_and_writes_no_snapshot() {
    let s = scan_with(mock_config(), "not-a-valid-token", |_| {}).await;
    match &s.result {
        Err(CollectError::Unauthorized {
            status, error_code, ..
        }) => {
            assert_eq!(*status, 401);
            assert_eq!(error_code.as_deref(), Some("E0000011"));
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert!(!s.dir.exists());
    let left: Vec<_> = std::fs::read_dir(s.dir.parent().unwrap())
        .unwrap()
        .collect();
    assert!(left.is_empty(), "nothing may be left behind: {left:?}");
    // Exactly one authenticated request was made: the first decides.
    let authenticated = s
        .server
        .requests()
        .into_iter()
        .filter(|r| !r.path_and_query.starts_with("/.well-known"))
        .count();
    assert_eq!(authenticated, 1);
}

#[tokio::test]
async fn plain_http_to_a_non_loopback_host_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let config = collect_config("http://acme.okta.com", &secret());
    let err = collect(&config, &tmp.path().join("snap"))
        .await
        .unwrap_err();
    assert!(matches!(err, CollectError::InsecureUrl { .. }), "{err:?}");
    assert!(err.to_string().contains("http://acme.okta.com"), "{err}");
    assert!(!tmp.path().join("snap").exists());
}

#[tokio::test]
async fn api_token_never_appears_in_snapshots_errors_or_debug_output() {
    let token = secret();
    let s = scan(
        mock_config()
            .with_fault(Fault::always(FaultKind::Forbidden, "/api/v1/zones"))
            .with_fault(Fault::times(FaultKind::RepeatNext, "/api/v1/groups", 1)),
    )
    .await;
    s.result.as_ref().unwrap();
    for entry in std::fs::read_dir(&s.dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains(&token),
            "{} contains the token",
            path.display()
        );
    }
    let config = collect_config(&s.server.base_url(), &token);
    assert!(!format!("{config:?}").contains(&token));
    let rejected = scan_with(mock_config(), &format!("{token}x"), |_| {}).await;
    let err = rejected.result.unwrap_err();
    for shown in [format!("{err}"), format!("{err:?}")] {
        assert!(!shown.contains(&token), "{shown}");
    }
    let insecure = collect(&collect_config("http://acme.okta.com", &token), &s.dir)
        .await
        .unwrap_err();
    assert!(!format!("{insecure} {insecure:?}").contains(&token));
}

#[tokio::test]
async fn every_collection_is_in_the_manifest_with_its_file() {
    let s = scan(mock_config()).await;
    let snap = s.snapshot();
    let names: Vec<String> = statuses(&snap).into_keys().collect();
    let mut all: Vec<String> = ALL.iter().map(|s| s.to_string()).collect();
    all.sort();
    assert_eq!(names, all);
    for name in ALL {
        let record = &snap.manifest().collections[name];
        // The System Log is JSON Lines; everything else one JSON document.
        let ext = if name == "system_log" {
            "jsonl"
        } else {
            "json"
        };
        assert_eq!(record.file, format!("{name}.{ext}"));
        assert!(record.requests >= 1, "{name}");
    }
}
