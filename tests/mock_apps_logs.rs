//! The mock Okta's apps and System Log endpoints over real loopback HTTP: the app filter, masked
//! secrets, the three JWKS shapes, client roles, and the System Log's bounded and polling modes,
//! parameter checks and filter subset.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;
use tokenwarden::mock::{JwksShape, MockConfig, MockServer, OrgSource};

const SECRET: &str = "00basicScannerSecretDoNotUseInProd0001";

fn basic() -> MockConfig {
    MockConfig::new(OrgSource::Dir(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/orgs/basic"),
    ))
}

async fn start(config: MockConfig) -> MockServer {
    MockServer::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// GET `path` (with query pairs, encoded here) or an absolute URL, authenticated.
async fn get(server: &MockServer, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
    let base = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}{path}", server.base_url())
    };
    let url = reqwest::Url::parse_with_params(&base, query).unwrap();
    reqwest::Client::new()
        .get(url)
        .header("Authorization", format!("SSWS {SECRET}"))
        .send()
        .await
        .unwrap()
}

fn next(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.ends_with("rel=\"next\""))
        .map(|v| v[1..v.find('>').unwrap()].to_owned())
}

async fn json(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

fn field(items: &Value, key: &str) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn apps_filter_by_name_and_status_and_refuse_other_filters() {
    let server = start(basic()).await;
    let all = json(get(&server, "/api/v1/apps", &[]).await).await;
    assert_eq!(all.as_array().unwrap().len(), 7);
    let oidc = json(
        get(
            &server,
            "/api/v1/apps",
            &[("filter", "name eq \"oidc_client\"")],
        )
        .await,
    )
    .await;
    assert_eq!(field(&oidc, "name"), ["oidc_client"; 6]);
    let both = "name eq \"oidc_client\" and status eq \"ACTIVE\"";
    let active = json(get(&server, "/api/v1/apps", &[("filter", both)]).await).await;
    assert_eq!(active.as_array().unwrap().len(), 6);
    let paged = get(&server, "/api/v1/apps", &[("limit", "2")]).await;
    assert!(next(&paged).is_some());
    let bad = get(&server, "/api/v1/apps", &[("filter", "label eq \"x\"")]).await;
    assert_eq!(bad.status(), 400);
    assert_eq!(json(bad).await["errorCode"], "E0000031");
}

#[tokio::test]
async fn secrets_are_listed_masked_with_a_hash() {
    let server = start(basic()).await;
    let path = "/api/v1/apps/0oa2legacyprov000000/credentials/secrets";
    let secrets = json(get(&server, path, &[]).await).await;
    assert_eq!(field(&secrets, "client_secret"), ["Lega…Mn", "Lega…Hj"]);
    assert_eq!(field(&secrets, "status"), ["ACTIVE", "INACTIVE"]);
    assert!(
        secrets
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["secret_hash"].is_string())
    );
}

#[tokio::test]
async fn jwks_list_shape_follows_the_config() {
    let path = "/api/v1/apps/0oa3keyrotator000000/credentials/jwks";
    for (shape, pointer) in [
        (JwksShape::Bare, ""),
        (JwksShape::Keys, "/keys"),
        (JwksShape::Jwks, "/jwks/keys"),
    ] {
        let server = start(basic().with_jwks_shape(shape)).await;
        let body = json(get(&server, path, &[]).await).await;
        let keys = body.pointer(pointer).unwrap();
        assert_eq!(
            field(keys, "kid"),
            ["rot-2026-01", "rot-2026-06"],
            "{shape:?}"
        );
    }
    assert_eq!(
        MockConfig::new(OrgSource::Dir(".".into())).jwks_shape,
        JwksShape::Jwks
    );
}

#[tokio::test]
async fn client_roles_are_served_by_client_id_with_targets() {
    let server = start(basic()).await;
    let roles = json(
        get(
            &server,
            "/oauth2/v1/clients/0oa2legacyclient0000/roles",
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(field(&roles, "type"), ["SUPER_ADMIN"]);
    assert_eq!(field(&roles, "assignmentType"), ["CLIENT"]);
    let missing = get(
        &server,
        "/oauth2/v1/clients/0oa2legacyprov000000/roles",
        &[],
    )
    .await;
    assert_eq!(missing.status(), 404);
    let base = "/oauth2/v1/clients/0oa3keyrotator000000/roles";
    let groups = json(
        get(
            &server,
            &format!("{base}/KVJUKUSFKJPUCRCNJFHA/targets/groups"),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(field(&groups, "id"), ["00g2helpdesk00000000"]);
    let apps = json(
        get(
            &server,
            &format!("{base}/IFIFAX2BIRGUSTQ/targets/catalog/apps"),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(field(&apps, "name"), ["salesforce"]);
}

const SINCE: &str = "2026-04-01T12:00:00.000Z";
const UNTIL: &str = "2026-06-30T12:00:00.000Z";

#[tokio::test]
async fn a_bounded_log_query_is_ordered_and_its_last_page_has_no_next() {
    let server = start(basic()).await;
    let filter = "eventType sw \"system.api_token.\"";
    let query = [
        ("since", SINCE),
        ("until", UNTIL),
        ("filter", filter),
        ("limit", "2"),
    ];
    let mut response = get(&server, "/api/v1/logs", &query).await;
    let mut published = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        let link = next(&response);
        let page = json(response).await;
        published.extend(field(&page, "published"));
        assert!(
            field(&page, "eventType")
                .iter()
                .all(|t| t.starts_with("system.api_token."))
        );
        match link {
            Some(url) => {
                assert!(!url.contains("since="), "{url}");
                response = get(&server, &url, &[]).await;
            }
            None => break,
        }
    }
    // create (in window), request_outside_allowed_range, revoke; not the earlier create nor the later update.
    assert_eq!(published.len(), 3);
    assert_eq!(pages, 2);
    let mut sorted = published.clone();
    sorted.sort();
    assert_eq!(published, sorted);
    let descending = [
        ("since", SINCE),
        ("until", UNTIL),
        ("filter", filter),
        ("sortOrder", "DESCENDING"),
    ];
    let desc = json(get(&server, "/api/v1/logs", &descending).await).await;
    sorted.reverse();
    assert_eq!(field(&desc, "published"), sorted);
}

#[tokio::test]
async fn a_polling_log_query_always_has_a_next_link() {
    let server = start(basic()).await;
    let response = get(
        &server,
        "/api/v1/logs",
        &[("since", SINCE), ("limit", "1000")],
    )
    .await;
    let (events, link) = events_and_next(response).await;
    assert!(events.len() >= 28, "{}", events.len());
    let url = link.expect("polling has a next link");
    for _ in 0..2 {
        let (events, link) = events_and_next(get(&server, &url, &[]).await).await;
        assert!(events.is_empty());
        assert_eq!(
            link.as_deref(),
            Some(url.as_str()),
            "an empty poll keeps its cursor"
        );
    }
}

async fn events_and_next(response: reqwest::Response) -> (Vec<Value>, Option<String>) {
    let link = next(&response);
    let body = json(response).await;
    (body.as_array().unwrap().clone(), link)
}

#[tokio::test]
async fn log_parameters_and_filters_outside_the_supported_subset_are_refused() {
    let server = start(basic()).await;
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[("since", "2025-12-01T00:00:00Z"), ("until", UNTIL)],
            "E0000053",
        ),
        (&[("since", "yesterday")], "E0000001"),
        (&[("limit", "1001")], "E0000001"),
        (
            &[("filter", "published gt \"2026-05-01T00:00:00Z\"")],
            "E0000053",
        ),
        (&[("filter", "target.id eq \"00u1\"")], "E0000031"),
        (&[("filter", "eventType eq")], "E0000031"),
    ];
    for (query, code) in cases {
        let response = get(&server, "/api/v1/logs", query).await;
        assert_eq!(response.status(), 400, "{query:?}");
        assert_eq!(json(response).await["errorCode"], code, "{query:?}");
    }
    let by_token = "transaction.detail.requestApiTokenId eq \"00T2siemreader000000\" or (eventType eq \"zone.update\")";
    let q = [("since", SINCE), ("until", UNTIL), ("filter", by_token)];
    let events = json(get(&server, "/api/v1/logs", &q).await).await;
    assert_eq!(events.as_array().unwrap().len(), 7);
}
