//! The collector's `service_apps` and `system_log` against the mock Okta over real loopback HTTP:
//! only service apps, all three JWKS list shapes, secrets never stored, client roles and targets,
//! grants; the System Log window, filter, limit, paging, dedupe, order and meta; a never-ending
//! polling answer; a forbidden System Log; a failing sub-request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tokenwarden::collect::{ApiToken, CollectConfig, Credentials, collect};
use tokenwarden::mock::{Fault, FaultKind, JwksShape, MockConfig, MockServer, OrgSource};
use tokenwarden::snapshot::{CollectionStatus, Snapshot};

const GOV_READER: &str = "0oa1govreader0000000";
const LEGACY: &str = "0oa2legacyprov000000";
const LEGACY_CLIENT: &str = "0oa2legacyclient0000";
const ROTATOR: &str = "0oa3keyrotator000000";
const REPORTER: &str = "0oa1svcreporter00000";
const AS_OF: &str = "2026-06-30T12:00:00Z";

fn org_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/orgs/basic")
}

fn fixture(file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(org_dir().join(file)).unwrap()).unwrap()
}

fn secret() -> String {
    let org = fixture("org.json");
    org["api_token_secrets"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone()
}

struct Scan {
    server: MockServer,
    _tmp: tempfile::TempDir,
    snapshot: Snapshot,
}

impl Scan {
    /// The decoded query of every request to `path`, in order.
    fn queries(&self, path: &str) -> Vec<Vec<(String, String)>> {
        self.server
            .requests()
            .iter()
            .filter_map(|r| {
                let (p, q) = r
                    .path_and_query
                    .split_once('?')
                    .unwrap_or((&r.path_and_query, ""));
                (p == path).then(|| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
            })
            .collect()
    }

    fn record(&self, name: &str) -> &tokenwarden::snapshot::CollectionRecord {
        &self.snapshot.manifest().collections[name]
    }

    fn status(&self, name: &str) -> CollectionStatus {
        self.record(name).status
    }

    fn apps(&self) -> Vec<Value> {
        let v: Value = self.snapshot.load("service_apps").unwrap().unwrap();
        v.as_array().unwrap().clone()
    }

    fn app(&self, id: &str) -> Value {
        self.apps()
            .into_iter()
            .find(|a| a["app"]["id"] == id)
            .unwrap_or_else(|| panic!("{id} not collected"))
    }

    fn events(&self) -> Vec<Value> {
        self.snapshot.load_lines("system_log").unwrap().unwrap()
    }
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn scan(mock: MockConfig, tune: impl FnOnce(&mut CollectConfig)) -> Scan {
    let server = MockServer::start(mock, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut config = CollectConfig::new(
        server.base_url().parse().unwrap(),
        Credentials::ApiToken(ApiToken::new(secret())),
    );
    config.concurrency = 4;
    config.request_timeout = Duration::from_secs(5);
    config.progress = false;
    config.log_until = Some(AS_OF.parse().unwrap());
    tune(&mut config);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snap");
    collect(&config, &dir).await.unwrap();
    Scan {
        server,
        _tmp: tmp,
        snapshot: Snapshot::open(&dir).unwrap(),
    }
}

fn basic() -> MockConfig {
    MockConfig::new(OrgSource::Dir(org_dir())).with_page_size(2)
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn only_service_apps_are_collected_with_grants_keys_and_client_roles() {
    let s = scan(basic(), |_| {}).await;
    assert_eq!(
        s.status("service_apps"),
        CollectionStatus::Complete,
        "{:?}",
        s.record("service_apps").error
    );

    // The listing asks for OIDC apps only; web and native OIDC apps are dropped.
    let listing = s.queries("/api/v1/apps");
    assert!(listing.len() >= 3, "paged with page size 2: {listing:?}");
    assert_eq!(
        param(&listing[0], "filter"),
        Some("name eq \"oidc_client\"")
    );
    let ids: Vec<String> = s
        .apps()
        .iter()
        .map(|a| a["app"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [GOV_READER, LEGACY, ROTATOR, REPORTER]);

    let legacy = s.app(LEGACY);
    assert!(strings(&legacy["grants"], "scopeId").contains(&"okta.users.manage".to_owned()));
    let roles = legacy["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["type"], "SUPER_ADMIN");
    assert_eq!(roles[0]["assignmentType"], "CLIENT");
    // Roles are read by client id, which differs from the app id here.
    assert_eq!(
        s.queries(&format!("/oauth2/v1/clients/{LEGACY_CLIENT}/roles"))
            .len(),
        1
    );
    assert_eq!(legacy["secrets"].as_array().unwrap().len(), 2);

    let reader = s.app(GOV_READER);
    assert_eq!(reader["roles"][0]["type"], "READ_ONLY_ADMIN");
    assert_eq!(strings(&reader["jwks"], "kid"), ["gov-2026-02"]);
    assert_eq!(
        reader["app"]["settings"]["oauthClient"]["dpop_bound_access_tokens"],
        true
    );
    assert!(reader["secrets"].as_array().unwrap().is_empty());

    // Targetable roles come with their targets; the read-only role has none to read.
    let rotator = s.app(ROTATOR);
    let targets = rotator["targets"].as_object().unwrap();
    let by_type = |t: &str| {
        let role = rotator["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == t)
            .unwrap();
        targets[role["id"].as_str().unwrap()].clone()
    };
    assert_eq!(
        strings(&by_type("USER_ADMIN")["groups"], "id"),
        ["00g2helpdesk00000000"]
    );
    assert_eq!(
        strings(&by_type("APP_ADMIN")["apps"], "name"),
        ["salesforce"]
    );
    assert!(reader["targets"].as_object().unwrap().is_empty());

    // A custom role held through a resource-set binding membership of the client.
    let reporter = s.app(REPORTER);
    let custom = &reporter["roles"][0];
    assert_eq!(custom["type"], "CUSTOM");
    assert_eq!(custom["assignmentType"], "CLIENT");
    assert_eq!(custom["role"], "cr01tokenauditor0000");
    assert_eq!(custom["resource-set"], "iam1apitokens0000000");
}

#[tokio::test]
async fn client_secrets_are_stored_without_values_or_hashes() {
    let s = scan(basic(), |_| {}).await;
    let legacy = s.app(LEGACY);
    for secret in legacy["secrets"].as_array().unwrap() {
        let keys: BTreeSet<&str> = secret
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert!(
            keys.contains("id") && keys.contains("status") && keys.contains("created"),
            "{keys:?}"
        );
        assert!(
            !keys.contains("client_secret") && !keys.contains("secret_hash"),
            "{keys:?}"
        );
    }
    assert!(
        legacy["app"]["credentials"]["oauthClient"]
            .get("client_secret")
            .is_none()
    );

    // No full secret of the fixture (service or web app), nor its masked form, anywhere.
    let mut needles = Vec::new();
    for app in fixture("apps.json").as_array().unwrap() {
        for secret in app["secrets"].as_array().into_iter().flatten() {
            let full = secret["client_secret"].as_str().unwrap().to_owned();
            let chars: Vec<char> = full.chars().collect();
            let head: String = chars[..4].iter().collect();
            let tail: String = chars[chars.len() - 2..].iter().collect();
            needles.push(format!("{head}…{tail}"));
            needles.push(full);
            if let Some(hash) = secret["secret_hash"].as_str() {
                needles.push(hash.to_owned());
            }
        }
    }
    assert!(needles.len() >= 7, "{needles:?}");
    for entry in std::fs::read_dir(s.snapshot.dir()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for needle in &needles {
            assert!(
                !text.contains(needle.as_str()),
                "{} holds a secret",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn every_jwks_list_shape_is_parsed() {
    for shape in [JwksShape::Bare, JwksShape::Keys, JwksShape::Jwks] {
        let s = scan(basic().with_jwks_shape(shape), |_| {}).await;
        assert_eq!(
            s.status("service_apps"),
            CollectionStatus::Complete,
            "{shape:?}: {:?}",
            s.record("service_apps").error
        );
        let ids = strings(&s.app(ROTATOR)["jwks"], "id");
        assert_eq!(
            ids,
            ["pks3rotatorold000000", "pks3rotatornew000000"],
            "{shape:?}"
        );
        assert!(
            s.app(ROTATOR)["jwks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k["status"] == "ACTIVE")
        );
    }
}

#[tokio::test]
async fn a_failing_app_sub_request_makes_service_apps_partial_naming_app_and_endpoint() {
    let grants = format!("/api/v1/apps/{ROTATOR}/grants");
    let s = scan(
        basic().with_fault(Fault::always(FaultKind::ServerError, &grants)),
        |c| {
            c.max_retries = 0;
        },
    )
    .await;
    assert_eq!(s.status("service_apps"), CollectionStatus::Partial);
    let error = s.record("service_apps").error.clone().unwrap();
    assert!(
        error.contains(ROTATOR) && error.contains("key-rotator"),
        "{error}"
    );
    assert!(error.contains(&grants) && error.contains("500"), "{error}");
    // The app is still there with what could be read.
    assert_eq!(s.app(ROTATOR)["jwks"].as_array().unwrap().len(), 2);
    assert_eq!(s.status("system_log"), CollectionStatus::Complete);
}

/// The fixture's events, by uuid, with their `published`.
fn fixture_events() -> Vec<Value> {
    fixture("logs.json").as_array().unwrap().clone()
}

fn uuid_of(e: &Value) -> String {
    e["uuid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn system_log_is_read_in_a_bounded_window_filtered_paged_deduplicated_and_sorted() {
    let s = scan(basic(), |_| {}).await;
    let record = s.record("system_log");
    assert_eq!(
        record.status,
        CollectionStatus::Complete,
        "{:?}",
        record.error
    );
    assert_eq!(record.file, "system_log.jsonl");

    // Window: 90 days ending at log_until; always bounded (until sent), limit 1000.
    let (since, until) = ("2026-04-01T12:00:00.000Z", "2026-06-30T12:00:00.000Z");
    assert_eq!(record.meta["since"], since);
    assert_eq!(record.meta["until"], until);
    assert_eq!(record.meta["window_days"], "90");
    assert!(
        record.meta["filter"].contains("eventType sw \"system.api_token.\""),
        "{:?}",
        record.meta
    );
    assert!(
        record.meta["filter"].contains("eventType eq \"app.oauth2.client.read_client_secret\"")
    );
    let queries = s.queries("/api/v1/logs");
    assert!(
        queries.len() > 13,
        "every page walked with page size 2: {}",
        queries.len()
    );
    for q in &queries {
        assert_eq!(param(q, "until"), Some(until), "{q:?}");
        assert_eq!(param(q, "limit"), Some("1000"), "{q:?}");
        assert!(param(q, "filter").is_some(), "{q:?}");
    }
    let first: Vec<_> = queries
        .iter()
        .filter(|q| param(q, "after").is_none())
        .collect();
    assert!(first.iter().all(|q| param(q, "since") == Some(since)));
    assert!(queries.iter().any(|q| param(q, "after").is_some()));
    assert_eq!(
        param(first[0], "filter"),
        Some(record.meta["filter"].as_str())
    );
    // Token attribution by id, also for a token only named by events (revoked since).
    let token_filters: Vec<&str> = first
        .iter()
        .filter_map(|q| param(q, "filter"))
        .filter(|f| f.contains("transaction.detail.requestApiTokenId"))
        .collect();
    assert_eq!(token_filters.len(), 1, "{token_filters:?}");
    assert!(token_filters[0].contains("eq \"00T9revoked000000000\""));
    assert!(
        token_filters[0]
            .contains(" or transaction.detail.requestApiTokenId eq \"00T2siemreader000000\"")
    );
    assert_eq!(record.meta["tokens"], "5");

    // Exactly the governance and token events of the window, each once.
    let events = s.events();
    let got: Vec<String> = events.iter().map(uuid_of).collect();
    let distinct: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(distinct.len(), got.len(), "duplicates: {got:?}");
    let want: BTreeSet<String> = fixture_events()
        .iter()
        .filter(|e| {
            let p = e["published"].as_str().unwrap();
            p >= since && p < until && e["eventType"] != "user.authentication.sso"
        })
        .map(uuid_of)
        .collect();
    assert_eq!(want.len(), 26);
    assert_eq!(distinct, want);
    assert_eq!(record.items, 26);
    // Found by both passes (type and token), stored once.
    for (ty, token) in [
        ("user.account.privilege.grant", "00T4adminscript00000"),
        (
            "system.api_token.request_outside_allowed_range",
            "00T2siemreader000000",
        ),
    ] {
        let n = events
            .iter()
            .filter(|e| {
                e["eventType"] == ty && e["transaction"]["detail"]["requestApiTokenId"] == token
            })
            .count();
        assert_eq!(n, 1, "{ty}");
    }
    // Only via the token pass: a non-governance type made with a token.
    assert!(
        events
            .iter()
            .any(|e| e["eventType"] == "policy.lifecycle.update")
    );

    // Sorted by published, then uuid (two events share an instant).
    let keys: Vec<(String, String)> = events
        .iter()
        .map(|e| (e["published"].as_str().unwrap().to_owned(), uuid_of(e)))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let tie: Vec<&str> = keys
        .iter()
        .filter(|(p, _)| p == "2026-06-01T10:00:00.000Z")
        .map(|(_, u)| u.as_str())
        .collect();
    assert_eq!(
        tie,
        [
            "e0000000-0b5e-4c1a-9d2e-000000000000",
            "e0000012-0b5e-4c1a-9d2e-000000000012"
        ]
    );
}

#[tokio::test]
async fn a_shorter_window_leaves_older_events_out() {
    let s = scan(basic(), |c| c.log_window_days = 30).await;
    let record = s.record("system_log");
    assert_eq!(record.status, CollectionStatus::Complete);
    assert_eq!(record.meta["since"], "2026-05-31T12:00:00.000Z");
    let events = s.events();
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|e| e["published"].as_str().unwrap() >= "2026-05-31T12:00:00.000Z")
    );
    // A window beyond Okta's retention is capped.
    let s = scan(basic(), |c| c.log_window_days = 400).await;
    assert_eq!(s.record("system_log").meta["window_days"], "90");
    assert_eq!(
        s.record("system_log").meta["since"],
        "2026-04-01T12:00:00.000Z"
    );
}

#[tokio::test]
async fn a_polling_answer_with_never_ending_next_links_stops_and_marks_system_log_partial() {
    let mut mock = basic();
    mock.logs_ignore_until = true;
    let s = scan(mock, |_| {}).await;
    let record = s.record("system_log");
    assert_eq!(record.status, CollectionStatus::Partial);
    let error = record.error.clone().unwrap();
    assert!(
        error.contains("polling") && error.contains("empty pages"),
        "{error}"
    );
    // It stopped: a bounded number of requests, and the events it did get are kept.
    let requests = s.queries("/api/v1/logs").len();
    assert!(requests < 60, "{requests} requests");
    assert!(s.events().len() >= 20);
    assert!(
        s.events()
            .iter()
            .all(|e| e["published"].as_str().unwrap() < "2026-06-30T12:00:00.000Z")
    );
    assert_eq!(s.status("service_apps"), CollectionStatus::Complete);
}

#[tokio::test]
async fn a_forbidden_system_log_is_forbidden_and_everything_else_complete() {
    let s = scan(
        basic().with_fault(Fault::always(FaultKind::Forbidden, "/api/v1/logs")),
        |_| {},
    )
    .await;
    let record = s.record("system_log");
    assert_eq!(record.status, CollectionStatus::Forbidden);
    assert!(
        record.error.as_deref().unwrap().contains("E0000006"),
        "{:?}",
        record.error
    );
    assert_eq!(record.items, 0);
    assert_eq!(record.meta["since"], "2026-04-01T12:00:00.000Z");
    // The token pass is not attempted after a 403: one request per type filter.
    assert_eq!(s.queries("/api/v1/logs").len(), 1);
    for (name, r) in &s.snapshot.manifest().collections {
        if name != "system_log" {
            assert_eq!(
                r.status,
                CollectionStatus::Complete,
                "{name}: {:?}",
                r.error
            );
        }
    }
}
