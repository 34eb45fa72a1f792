//! The mock Okta over real loopback HTTP: authentication, Okta's error bodies and headers, Link and
//! `_links.next` paging, group-inherited roles, filters, every fault kind, and the sliding `expiresAt`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokenwarden::mock::{
    Fault, FaultKind, LinkStyle, MockConfig, MockError, MockServer, OrgSource,
};

const SECRET: &str = "00basicScannerSecretDoNotUseInProd0001";
const SCANNER_TOKEN: &str = "00T1scanner000000000";
const ANN: &str = "00u1ann0000000000000";
const SCANNER: &str = "00u2svcscan000000000";
const BOB: &str = "00u3bob0000000000000";
const CAROL: &str = "00u4carol00000000000";
const SIEM: &str = "00u7svcsiem000000000";
const OPS_ADMINS: &str = "00g1opsadmins0000000";
const HELPDESK: &str = "00g2helpdesk00000000";
const ENGINEERING: &str = "00g3engineering00000";

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

/// GET `url` (absolute, or a path on the server) with the scanner's SSWS token.
async fn get(server: &MockServer, url: &str) -> reqwest::Response {
    let url = if url.starts_with("http") {
        url.to_owned()
    } else {
        format!("{}{url}", server.base_url())
    };
    reqwest::Client::new()
        .get(url)
        .header("Authorization", format!("SSWS {SECRET}"))
        .send()
        .await
        .unwrap()
}

/// (rel, url) of every `Link` relation, whether on separate lines or comma-joined.
fn links(response: &reqwest::Response) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for value in response.headers().get_all("link") {
        let mut rest = value.to_str().unwrap();
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').unwrap() + start;
            let url = rest[start + 1..end].to_owned();
            let after = &rest[end..];
            let rel_at = after.find("rel=\"").unwrap() + 5;
            let rel_end = after[rel_at..].find('"').unwrap() + rel_at;
            out.push((after[rel_at..rel_end].to_owned(), url));
            rest = &after[rel_end..];
        }
    }
    out
}

fn rel(response: &reqwest::Response, rel: &str) -> Option<String> {
    links(response)
        .into_iter()
        .find(|(r, _)| r == rel)
        .map(|(_, url)| url)
}

fn ids(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn wrong_or_missing_token_gets_401_e0000011() {
    let server = start(basic()).await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/api-tokens", server.base_url());
    for auth in [Some("SSWS not-a-secret"), Some("Bearer whatever"), None] {
        let mut request = client.get(&url);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{auth:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errorCode"], "E0000011");
        assert_eq!(body["errorSummary"], "Invalid token provided");
        assert_eq!(body["errorLink"], "E0000011");
        assert!(body["errorId"].as_str().unwrap().starts_with("oae"));
        assert_eq!(body["errorCauses"], serde_json::json!([]));
    }
}

#[tokio::test]
async fn unknown_path_gets_404_e0000007() {
    let server = start(basic()).await;
    let response = get(&server, "/api/v1/no-such-thing").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errorCode"], "E0000007");
    assert!(
        body["errorSummary"]
            .as_str()
            .unwrap()
            .starts_with("Not found: Resource not found: /api/v1/no-such-thing")
    );
    let missing_user = get(&server, "/api/v1/users/00unobody").await;
    assert_eq!(missing_user.status(), 404);
}

#[tokio::test]
async fn every_response_carries_rate_limit_date_and_request_id_headers() {
    let server = start(basic()).await;
    let client = reqwest::Client::new();
    let unauthenticated = client
        .get(format!("{}/api/v1/users", server.base_url()))
        .send()
        .await
        .unwrap();
    let responses = vec![
        get(&server, "/api/v1/api-tokens").await,
        get(&server, "/api/v1/nope").await,
        get(&server, "/.well-known/okta-organization").await,
        unauthenticated,
    ];
    let now = chrono::Utc::now().timestamp();
    for response in &responses {
        let h = response.headers();
        let header = |name: &str| h.get(name).unwrap().to_str().unwrap().to_owned();
        assert!(header("x-rate-limit-limit").parse::<u32>().unwrap() > 0);
        assert!(header("x-rate-limit-remaining").parse::<u32>().is_ok());
        let reset: i64 = header("x-rate-limit-reset").parse().unwrap();
        assert!(
            reset > now - 5 && reset <= now + 61,
            "reset {reset} now {now}"
        );
        assert!(header("date").ends_with(" GMT"));
        assert_eq!(h.get_all("date").iter().count(), 1);
        assert!(chrono::DateTime::parse_from_rfc2822(&header("date")).is_ok());
        assert!(header("x-okta-request-id").len() >= 20);
        assert_eq!(header("content-type"), "application/json");
    }
    let users = get(&server, "/api/v1/users").await;
    assert_eq!(users.headers()["x-rate-limit-limit"], "600");
}

#[tokio::test]
async fn well_known_organization_needs_no_token() {
    let server = start(basic()).await;
    let response = reqwest::get(format!(
        "{}/.well-known/okta-organization",
        server.base_url()
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], "00o1basic00000000000");
    assert_eq!(body["pipeline"], "idx");
    assert_eq!(body["_links"]["organization"]["href"], server.base_url());
}

#[tokio::test]
async fn link_paging_of_api_tokens_with_page_size_2_walks_every_token_once_and_ends() {
    let server = start(basic().with_page_size(2)).await;
    let mut url = format!("{}/api/v1/api-tokens", server.base_url());
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let response = get(&server, &url).await;
        assert_eq!(response.status(), 200);
        assert_eq!(rel(&response, "self").as_deref(), Some(url.as_str()));
        let next = rel(&response, "next");
        let body: Value = response.json().await.unwrap();
        assert!(body.as_array().unwrap().len() <= 2);
        for token in body.as_array().unwrap() {
            let id = token["id"].as_str().unwrap();
            let self_href = format!("{}/api/v1/api-tokens/{id}", server.base_url());
            assert_eq!(token["_links"]["self"]["href"], self_href.as_str());
            assert!(
                token["_links"]["user"]["href"]
                    .as_str()
                    .unwrap()
                    .contains("/api/v1/users/00u")
            );
        }
        seen.extend(ids(&body));
        pages += 1;
        match next {
            Some(next) => url = next,
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(
        seen,
        [
            "00T1scanner000000000",
            "00T2siemreader000000",
            "00T3legacysync000000",
            "00T4adminscript00000"
        ]
    );
    assert_eq!(pages, 2);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn limit_and_after_are_honoured_without_forced_page_size() {
    let server = start(basic()).await;
    let all = get(&server, "/api/v1/api-tokens").await;
    assert_eq!(rel(&all, "next"), None);
    assert_eq!(
        all.json::<Value>().await.unwrap().as_array().unwrap().len(),
        4
    );
    let first = get(&server, "/api/v1/api-tokens?limit=3").await;
    let next = rel(&first, "next").unwrap();
    assert!(next.contains("limit=3") && next.contains("after="));
    let second: Value = get(&server, &next).await.json().await.unwrap();
    assert_eq!(ids(&second), ["00T4adminscript00000"]);
    let bad = get(&server, "/api/v1/api-tokens?after=00T1").await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn joined_link_style_puts_every_relation_on_one_comma_joined_line() {
    let server = start(basic().with_page_size(2).with_link_style(LinkStyle::Joined)).await;
    let response = get(&server, "/api/v1/users").await;
    let lines: Vec<_> = response.headers().get_all("link").iter().collect();
    assert_eq!(lines.len(), 1);
    let line = lines[0].to_str().unwrap();
    assert!(
        line.contains("rel=\"self\", <") && line.contains("rel=\"next\""),
        "{line}"
    );
    assert!(rel(&response, "next").is_some());

    let separate = start(basic().with_page_size(2)).await;
    let response = get(&separate, "/api/v1/users").await;
    assert_eq!(response.headers().get_all("link").iter().count(), 2);
}

#[tokio::test]
async fn user_roles_include_group_inherited_assignments_with_the_group_as_assignee() {
    let server = start(basic()).await;
    let body: Value = get(&server, &format!("/api/v1/users/{CAROL}/roles"))
        .await
        .json()
        .await
        .unwrap();
    let roles = body.as_array().unwrap();
    assert_eq!(roles.len(), 2);
    let direct = &roles[0];
    assert_eq!(direct["type"], "APP_ADMIN");
    assert_eq!(direct["assignmentType"], "USER");
    let user_href = format!("{}/api/v1/users/{CAROL}", server.base_url());
    assert_eq!(direct["_links"]["assignee"]["href"], user_href.as_str());
    assert!(direct.get("targets").is_none(), "fixture-only key leaked");
    let inherited = &roles[1];
    assert_eq!(inherited["type"], "ORG_ADMIN");
    assert_eq!(inherited["assignmentType"], "GROUP");
    let group_href = format!("{}/api/v1/groups/{OPS_ADMINS}", server.base_url());
    assert_eq!(inherited["_links"]["assignee"]["href"], group_href.as_str());

    let bob: Value = get(&server, &format!("/api/v1/users/{BOB}/roles"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bob[0]["type"], "HELP_DESK_ADMIN");
    assert_eq!(bob[0]["assignmentType"], "GROUP");

    let group: Value = get(&server, &format!("/api/v1/groups/{OPS_ADMINS}/roles"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(group[0]["type"], "ORG_ADMIN");

    let custom: Value = get(&server, &format!("/api/v1/users/{SIEM}/roles"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(custom[0]["resource-set"], "iam1apitokens0000000");
    assert!(
        custom[0]["_links"]["member"]["href"]
            .as_str()
            .unwrap()
            .contains("/bindings/cr01tokenauditor0000/members/irb1siemauditor00000")
    );
}

#[tokio::test]
async fn role_targets_are_served_as_groups_and_catalog_apps() {
    let server = start(basic().with_page_size(1)).await;
    let apps_url = format!("/api/v1/users/{CAROL}/roles/IFIFAX2BIRGUSTQ/targets/catalog/apps");
    let first = get(&server, &apps_url).await;
    let next = rel(&first, "next").unwrap();
    let first: Value = first.json().await.unwrap();
    assert_eq!(first[0]["name"], "salesforce");
    assert_eq!(first[0]["displayName"], "Salesforce.com");
    assert_eq!(first[0]["status"], "ACTIVE");
    let second: Value = get(&server, &next).await.json().await.unwrap();
    assert_eq!(second[0]["name"], "github");

    let groups_url = format!("/api/v1/groups/{HELPDESK}/roles/ra2helpdesk000000002/targets/groups");
    let groups: Value = get(&server, &groups_url).await.json().await.unwrap();
    assert_eq!(ids(&groups), [ENGINEERING]);
    assert_eq!(groups[0]["profile"]["name"], "Engineering");
    // The same inherited assignment seen from a member.
    let via_user = format!("/api/v1/users/{BOB}/roles/ra2helpdesk000000002/targets/groups");
    assert_eq!(
        ids(&get(&server, &via_user).await.json().await.unwrap()),
        [ENGINEERING]
    );

    let unscoped = format!("/api/v1/users/{ANN}/roles/KNKVARKSL5AUITKJJY/targets/groups");
    assert_eq!(
        get(&server, &unscoped).await.json::<Value>().await.unwrap(),
        serde_json::json!([])
    );
    let missing = get(
        &server,
        &format!("/api/v1/users/{ANN}/roles/nope/targets/groups"),
    )
    .await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.json::<Value>().await.unwrap()["errorCode"],
        "E0000007"
    );
}

#[tokio::test]
async fn iam_assignees_wrapper_pages_by_body_links_next() {
    let server = start(basic().with_page_size(2)).await;
    let mut url = format!("{}/api/v1/iam/assignees/users", server.base_url());
    let mut seen = Vec::new();
    for _ in 0..5 {
        let response = get(&server, &url).await;
        let header_next = rel(&response, "next");
        let body: Value = response.json().await.unwrap();
        for user in body["value"].as_array().unwrap() {
            let id = user["id"].as_str().unwrap();
            assert_eq!(
                user["orn"],
                format!("orn:okta:directory:00o1basic00000000000:users:{id}").as_str()
            );
            assert!(
                user["_links"]["roles"]["href"]
                    .as_str()
                    .unwrap()
                    .ends_with("/roles")
            );
            seen.push(id.to_owned());
        }
        let body_next = body["_links"]["next"]["href"].as_str().map(str::to_owned);
        assert_eq!(body_next, header_next);
        match body_next {
            Some(next) => url = next,
            None => break,
        }
    }
    // Bob holds a role only through Helpdesk: not listed unless the fixture says so.
    assert_eq!(seen, [ANN, SCANNER, CAROL, SIEM]);
}

#[tokio::test]
async fn users_filter_by_id_or_id_and_by_status() {
    let server = start(basic()).await;
    let filter = format!(r#"id eq "{ANN}" or id eq "{BOB}""#);
    let url = reqwest::Url::parse_with_params(
        &format!("{}/api/v1/users", server.base_url()),
        [("filter", filter.as_str())],
    )
    .unwrap();
    let body: Value = get(&server, url.as_str()).await.json().await.unwrap();
    assert_eq!(ids(&body), [ANN, BOB]);

    let active: Value = get(
        &server,
        "/api/v1/users?filter=status%20eq%20%22SUSPENDED%22",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(ids(&active), ["00u5dave000000000000"]);

    // Without a filter Okta leaves DEPROVISIONED users out.
    let all: Value = get(&server, "/api/v1/users").await.json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 7);
    let bad = get(&server, "/api/v1/users?filter=id%20eq").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["errorCode"], "E0000031");

    let by_login: Value = get(&server, "/api/v1/users/carol.ops%40basic.example")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_login["id"], CAROL);
    assert_eq!(
        by_login["_links"]["self"]["href"],
        format!("{}/api/v1/users/{CAROL}", server.base_url()).as_str()
    );
}

#[tokio::test]
async fn group_members_are_full_user_objects() {
    let server = start(basic().with_page_size(2)).await;
    let first = get(&server, &format!("/api/v1/groups/{ENGINEERING}/users")).await;
    let next = rel(&first, "next").unwrap();
    let mut members = ids(&first.json().await.unwrap());
    members.extend(ids(&get(&server, &next).await.json().await.unwrap()));
    assert_eq!(members, [CAROL, BOB, "00u8frank00000000000"]);
    let user: Value = get(&server, &format!("/api/v1/groups/{OPS_ADMINS}/users"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user[0]["profile"]["login"], "ann.admin@basic.example");
}

#[tokio::test]
async fn other_collections_are_served_with_links() {
    let server = start(basic()).await;
    let zones: Value = get(&server, "/api/v1/zones").await.json().await.unwrap();
    assert_eq!(zones.as_array().unwrap().len(), 3);
    assert!(
        zones[0]["_links"]["self"]["href"]
            .as_str()
            .unwrap()
            .starts_with(&server.base_url())
    );
    let types: Value = get(&server, "/api/v1/meta/types/user")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(types.as_array().unwrap().len(), 2);
    let groups: Value = get(&server, "/api/v1/groups").await.json().await.unwrap();
    assert_eq!(groups.as_array().unwrap().len(), 3);
    let post = reqwest::Client::new()
        .post(format!("{}/api/v1/groups", server.base_url()))
        .header("Authorization", format!("SSWS {SECRET}"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
}

#[tokio::test]
async fn rate_limit_fault_answers_429_with_headers_then_expires() {
    let server =
        start(basic().with_fault(Fault::times(FaultKind::RateLimit, "/api/v1/users", 2))).await;
    for _ in 0..2 {
        let response = get(&server, "/api/v1/users").await;
        assert_eq!(response.status(), 429);
        let h = response.headers();
        assert_eq!(h["x-rate-limit-limit"], "600");
        assert_eq!(h["x-rate-limit-remaining"], "0");
        let reset: i64 = h["x-rate-limit-reset"].to_str().unwrap().parse().unwrap();
        let date = chrono::DateTime::parse_from_rfc2822(h["date"].to_str().unwrap()).unwrap();
        assert!(
            (1..=2).contains(&(reset - date.timestamp())),
            "reset - date = {}",
            reset - date.timestamp()
        );
        assert_eq!(
            response.json::<Value>().await.unwrap()["errorCode"],
            "E0000047"
        );
    }
    assert_eq!(get(&server, "/api/v1/users").await.status(), 200);
    assert_eq!(get(&server, "/api/v1/api-tokens").await.status(), 200);
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200, 200]);
}

#[tokio::test]
async fn server_error_and_forbidden_faults_use_okta_error_bodies() {
    let config = basic()
        .with_fault(Fault::times(FaultKind::ServerError, "/api/v1/groups", 1))
        .with_fault(Fault::always(FaultKind::Forbidden, "/api/v1/zones"));
    let server = start(config).await;
    let failed = get(&server, "/api/v1/groups").await;
    assert_eq!(failed.status(), 500);
    assert_eq!(
        failed.json::<Value>().await.unwrap()["errorCode"],
        "E0000009"
    );
    assert_eq!(get(&server, "/api/v1/groups").await.status(), 200);
    for _ in 0..3 {
        let forbidden = get(&server, "/api/v1/zones").await;
        assert_eq!(forbidden.status(), 403);
        assert_eq!(
            forbidden.json::<Value>().await.unwrap()["errorCode"],
            "E0000006"
        );
    }
}

#[tokio::test]
async fn a_bad_token_still_gets_401_under_a_fault() {
    let server = start(basic().with_fault(Fault::always(FaultKind::RateLimit, "/api/v1"))).await;
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/users", server.base_url()))
        .header("Authorization", "SSWS wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn repeat_next_fault_points_next_at_the_same_page_forever() {
    let server = start(
        basic()
            .with_page_size(2)
            .with_fault(Fault::always(FaultKind::RepeatNext, "/api/v1/groups")),
    )
    .await;
    let mut url = format!("{}/api/v1/groups", server.base_url());
    for _ in 0..4 {
        let response = get(&server, &url).await;
        let next = rel(&response, "next").unwrap();
        assert_eq!(next, url);
        url = next;
    }
    // Other lists end normally.
    let tokens = get(&server, "/api/v1/api-tokens?limit=2").await;
    let next = rel(&tokens, "next").unwrap();
    assert_eq!(rel(&get(&server, &next).await, "next"), None);
}

#[tokio::test]
async fn truncate_fault_sends_200_with_half_a_json_body_then_expires() {
    let server =
        start(basic().with_fault(Fault::times(FaultKind::Truncate, "/api/v1/api-tokens", 1))).await;
    let response = get(&server, "/api/v1/api-tokens").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(!text.is_empty());
    assert!(serde_json::from_str::<Value>(&text).is_err());
    let whole = get(&server, "/api/v1/api-tokens")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(text.len(), whole.len() / 2);
    assert!(serde_json::from_str::<Value>(&whole).is_ok());
}

#[tokio::test]
async fn slow_fault_delays_the_answer() {
    let delay = Duration::from_millis(300);
    let server =
        start(basic().with_fault(Fault::times(FaultKind::Slow(delay), "/api/v1/zones", 1))).await;
    let started = Instant::now();
    assert_eq!(get(&server, "/api/v1/zones").await.status(), 200);
    assert!(started.elapsed() >= delay);
    let started = Instant::now();
    get(&server, "/api/v1/zones").await;
    assert!(started.elapsed() < delay);
}

#[tokio::test]
async fn fault_specs_from_the_cli_syntax_drive_the_server() {
    let fault: Fault = "429:/api/v1/api-tokens:1".parse().unwrap();
    let server = start(basic().with_fault(fault)).await;
    assert_eq!(get(&server, "/api/v1/api-tokens").await.status(), 429);
    assert_eq!(get(&server, "/api/v1/api-tokens").await.status(), 200);
}

#[tokio::test]
async fn expires_at_slides_to_as_of_plus_window_for_the_scanning_token_only() {
    let server = start(basic()).await;
    assert_eq!(server.as_of().to_rfc3339(), "2026-06-30T12:00:00+00:00");
    assert_eq!(server.org().token_secret_for(SCANNER_TOKEN), Some(SECRET));
    let tokens: Value = get(&server, "/api/v1/api-tokens")
        .await
        .json()
        .await
        .unwrap();
    let expires = |id: &str| {
        tokens
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()["expiresAt"]
            .clone()
    };
    // Fixture: 2026-07-20T09:00:00.000Z; as_of 2026-06-30T12:00Z + P30D.
    assert_eq!(expires(SCANNER_TOKEN), "2026-07-30T12:00:00.000Z");
    assert_eq!(expires("00T2siemreader000000"), "2026-07-28T23:00:00.000Z");
    let one: Value = get(&server, &format!("/api/v1/api-tokens/{SCANNER_TOKEN}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["expiresAt"], "2026-07-30T12:00:00.000Z");
}

#[tokio::test]
async fn requests_are_recorded_with_method_path_and_status() {
    let server = start(basic()).await;
    get(&server, "/api/v1/users?limit=1").await;
    get(&server, "/api/v1/nope").await;
    let log = server.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path_and_query, "/api/v1/users?limit=1");
    assert_eq!(log[0].status, 200);
    assert_eq!(log[1].status, 404);
    // A client still holding a keep-alive connection does not hold the shutdown up.
    let client = reqwest::Client::new();
    let url = format!("{}/.well-known/okta-organization", server.base_url());
    client.get(&url).send().await.unwrap();
    let started = Instant::now();
    server.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(client.get(&url).send().await.is_err());
}

#[tokio::test]
async fn start_refuses_non_loopback_addresses_and_bad_fixtures() {
    let err = MockServer::start(basic(), "0.0.0.0:0".parse().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, MockError::NotLoopback { .. }));
    let missing = MockConfig::new(OrgSource::Dir(PathBuf::from("/nonexistent/org")));
    let err = MockServer::start(missing, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/org/org.json"),
        "{err}"
    );
}
