//! OAuth 2.0 client credentials with a `private_key_jwt` assertion and DPoP, over real loopback
//! HTTP: the collector against the mock (the handshake with RS256, ES256 and JWK keys, token
//! caching and renewal, scopes, nonces, aborts), and the mock's token endpoint and API checked
//! directly with hand-made assertions and proofs, so that the mock is known to refuse what Okta
//! refuses. Keys: `fixtures/keys/` (test keys only).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokenwarden::collect::{
    ClientKey, CollectConfig, CollectError, CollectSummary, Credentials, OAuth2Credentials,
    collect, default_scopes,
};
use tokenwarden::mock::{Fault, FaultKind, MockConfig, MockServer, OrgSource, RecordedRequest};
use tokenwarden::snapshot::{CollectionStatus, Snapshot};

/// The basic org's scanner app: DPoP required, every read scope granted.
const CLIENT: &str = "0oa1basicscanner0001";
/// An app that does not require DPoP.
const BEARER_CLIENT: &str = "0oa1basicbearer00001";
/// DPoP, tokens that live 2 s.
const SHORT_CLIENT: &str = "0oa1basicshortlived1";
const TOKEN_PATH: &str = "/oauth2/v1/token";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn org_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/orgs")
        .join(name)
}

fn key_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/keys")
        .join(name)
}

fn key_text(name: &str) -> String {
    std::fs::read_to_string(key_path(name)).unwrap()
}

fn credentials(
    client: &str,
    key_file: &str,
    kid: Option<&str>,
    scopes: Vec<String>,
) -> Credentials {
    let key = ClientKey::from_file(&key_path(key_file), kid).unwrap();
    Credentials::OAuth2(OAuth2Credentials::new(client, key, scopes))
}

fn scanner(key_file: &str, kid: &str) -> Credentials {
    credentials(CLIENT, key_file, Some(kid), Vec::new())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn basic() -> MockConfig {
    MockConfig::new(OrgSource::Dir(org_dir("basic"))).with_page_size(2)
}

async fn start(mock: MockConfig) -> MockServer {
    MockServer::start(mock, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
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

    /// Statuses of the token endpoint's answers, in order.
    fn token_statuses(&self) -> Vec<u16> {
        self.server
            .requests()
            .iter()
            .filter(|r| r.path_and_query == TOKEN_PATH)
            .map(|r| r.status)
            .collect()
    }

    /// Every authenticated API request (not the token endpoint, not the well-known document).
    fn api_requests(&self) -> Vec<RecordedRequest> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| {
                r.path_and_query != TOKEN_PATH && !r.path_and_query.starts_with("/.well-known")
            })
            .collect()
    }

    /// API requests answered with `status`.
    fn api_answered(&self, status: u16) -> Vec<String> {
        self.api_requests()
            .into_iter()
            .filter(|r| r.status == status)
            .map(|r| r.path_and_query)
            .collect()
    }

    fn statuses(&self) -> BTreeMap<String, CollectionStatus> {
        self.snapshot()
            .manifest()
            .collections
            .iter()
            .map(|(k, v)| (k.clone(), v.status))
            .collect()
    }
}

async fn scan_with(mock: MockConfig, credentials: Credentials) -> Scan {
    let server = start(mock).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snap");
    let mut config = CollectConfig::new(server.base_url().parse().unwrap(), credentials);
    config.concurrency = 4;
    config.request_timeout = Duration::from_secs(10);
    config.progress = false;
    config.log_until = Some(server.as_of());
    let result = collect(&config, &dir).await;
    Scan {
        server,
        _tmp: tmp,
        dir,
        result,
    }
}

/// The client-roles read of `caller` is a 404 in the basic org, which has no app for the test
/// clients: a data answer, given after authentication and scopes were checked.
fn caller_roles(client: &str) -> String {
    format!("/oauth2/v1/clients/{client}/roles")
}

/// Every API request was accepted (the mock refuses any without a valid token, proof and scope).
fn assert_every_api_request_accepted(scan: &Scan, client: &str) {
    let refused: Vec<RecordedRequest> = scan
        .api_requests()
        .into_iter()
        .filter(|r| {
            r.status != 200 && !(r.status == 404 && r.path_and_query == caller_roles(client))
        })
        .collect();
    assert!(refused.is_empty(), "refused API requests: {refused:?}");
    assert!(scan.api_requests().len() > 20, "{:?}", scan.api_requests());
}

fn assert_complete_but_caller(scan: &Scan) {
    let snap = scan.snapshot();
    for (name, record) in &snap.manifest().collections {
        if name != "caller" {
            assert_eq!(
                record.status,
                CollectionStatus::Complete,
                "{name}: {:?}",
                record.error
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The collector against the mock
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn rs256_pem_key_does_the_dpop_dance_once_and_every_api_call_carries_a_valid_proof() {
    let scan = scan_with(basic(), scanner("basic-rs256.pem", "basic-rs256")).await;
    let summary = scan.result.as_ref().unwrap();
    assert_eq!(summary.manifest.auth_method, "oauth2");
    // No proof → proof without nonce → proof with nonce: one token for the whole collection.
    assert_eq!(scan.token_statuses(), [400, 400, 200]);
    assert_every_api_request_accepted(&scan, CLIENT);
    assert_complete_but_caller(&scan);
}

#[tokio::test]
async fn es256_sec1_pem_and_rsa_and_ec_jwk_keys_authenticate_too() {
    for (file, kid) in [
        ("basic-es256.sec1.pem", Some("basic-es256")),
        ("basic-es256.pem", Some("basic-es256")),
        ("basic-rs256.pkcs1.pem", Some("basic-rs256")),
        // JWKs carry their own kid.
        ("basic-rs256.jwk.json", None),
        ("basic-es256.jwk.json", None),
    ] {
        let scan = scan_with(basic(), credentials(CLIENT, file, kid, Vec::new())).await;
        assert!(scan.result.is_ok(), "{file}: {:?}", scan.result);
        assert_eq!(scan.token_statuses(), [400, 400, 200], "{file}");
        assert_every_api_request_accepted(&scan, CLIENT);
        assert_complete_but_caller(&scan);
    }
}

#[tokio::test]
async fn an_app_without_dpop_gets_one_bearer_token_and_no_proofs_are_needed() {
    let creds = credentials(
        BEARER_CLIENT,
        "basic-es256.pem",
        Some("basic-es256"),
        Vec::new(),
    );
    let scan = scan_with(basic(), creds).await;
    assert!(scan.result.is_ok(), "{:?}", scan.result);
    assert_eq!(scan.token_statuses(), [200]);
    assert_every_api_request_accepted(&scan, BEARER_CLIENT);
    assert_complete_but_caller(&scan);
}

#[tokio::test]
async fn tokens_expired_mid_scan_are_renewed_once_and_the_scan_completes() {
    let mock = basic().with_fault(Fault::times(FaultKind::ExpireTokens, "/api/v1/groups", 1));
    let scan = scan_with(mock, scanner("basic-es256.pem", "basic-es256")).await;
    assert!(scan.result.is_ok(), "{:?}", scan.result);
    // The renewal already knows DPoP and the nonce: one POST.
    assert_eq!(scan.token_statuses(), [400, 400, 200, 200]);
    // Every request that met the expired token (those in flight at the time) was answered 401
    // once and then retried with the new token.
    let requests = scan.api_requests();
    let refused = scan.api_answered(401);
    assert!(!refused.is_empty());
    for path in &refused {
        let at = requests
            .iter()
            .position(|r| &r.path_and_query == path)
            .unwrap();
        assert!(
            requests[at + 1..]
                .iter()
                // 200, or the caller's 404 (the basic org's test clients have no app).
                .any(|r| &r.path_and_query == path && r.status != 401),
            "{path} was not retried"
        );
    }
    assert_complete_but_caller(&scan);
}

#[tokio::test]
async fn short_lived_tokens_are_renewed_before_they_expire() {
    // api_tokens answers after 2.5 s, when the first 2 s token is past its renewal time; the
    // collections built on it run with a renewed token and meet no 401.
    let mock = basic().with_fault(Fault::times(
        FaultKind::Slow(Duration::from_millis(2500)),
        "/api/v1/api-tokens",
        1,
    ));
    let creds = credentials(
        SHORT_CLIENT,
        "basic-es256.pem",
        Some("basic-es256"),
        Vec::new(),
    );
    let scan = scan_with(mock, creds).await;
    assert!(scan.result.is_ok(), "{:?}", scan.result);
    let issued = scan.token_statuses().iter().filter(|s| **s == 200).count();
    assert!(issued >= 2, "{:?}", scan.token_statuses());
    assert!(
        scan.api_answered(401).is_empty(),
        "{:?}",
        scan.api_answered(401)
    );
    assert_complete_but_caller(&scan);
}

#[tokio::test]
async fn scopes_not_granted_make_their_collections_forbidden_without_asking_okta() {
    let scopes: Vec<String> = default_scopes()
        .into_iter()
        .filter(|s| s != "okta.networkZones.read" && s != "okta.logs.read")
        .collect();
    let creds = credentials(CLIENT, "basic-es256.pem", Some("basic-es256"), scopes);
    let scan = scan_with(basic(), creds).await;
    assert!(scan.result.is_ok(), "{:?}", scan.result);
    let snap = scan.snapshot();
    for (collection, scope, endpoint) in [
        ("network_zones", "okta.networkZones.read", "/api/v1/zones"),
        ("system_log", "okta.logs.read", "/api/v1/logs"),
    ] {
        let record = &snap.manifest().collections[collection];
        assert_eq!(record.status, CollectionStatus::Forbidden, "{collection}");
        let error = record.error.as_deref().unwrap();
        assert!(
            error.contains(&format!(
                "missing OAuth scope {scope} (granted: okta.apiTokens.read"
            )),
            "{error}"
        );
        assert!(
            scan.api_requests()
                .iter()
                .all(|r| !r.path_and_query.starts_with(endpoint)),
            "{endpoint} was called"
        );
    }
    for (name, status) in scan.statuses() {
        if !["network_zones", "system_log", "caller"].contains(&name.as_str()) {
            assert_eq!(status, CollectionStatus::Complete, "{name}");
        }
    }
}

#[tokio::test]
async fn a_resource_nonce_demand_is_met_by_retrying_with_the_nonce() {
    let mock = basic().with_fault(Fault::times(FaultKind::DpopNonce, "/api/v1/zones", 1));
    let scan = scan_with(mock, scanner("basic-rs256.pem", "basic-rs256")).await;
    assert!(scan.result.is_ok(), "{:?}", scan.result);
    assert_eq!(scan.api_answered(401), ["/api/v1/zones"]);
    // Later proofs carry the nonce: the mock now refuses any without it.
    assert_every_api_request_accepted_but(&scan, &["/api/v1/zones"]);
    assert_eq!(scan.statuses()["network_zones"], CollectionStatus::Complete);
    assert_complete_but_caller(&scan);
}

fn assert_every_api_request_accepted_but(scan: &Scan, once_refused: &[&str]) {
    let mut allowed: Vec<&str> = once_refused.to_vec();
    for r in scan.api_requests() {
        if r.status == 200 || (r.status == 404 && r.path_and_query == caller_roles(CLIENT)) {
            continue;
        }
        let at = allowed
            .iter()
            .position(|p| *p == r.path_and_query)
            .unwrap_or_else(|| panic!("refused: {r:?}"));
        allowed.remove(at);
    }
}

#[tokio::test]
async fn a_refused_client_aborts_before_anything_is_collected() {
    let cases: [(Credentials, &str, &str); 3] = [
        (
            scanner("basic-es256.pem", "no-such-kid"),
            "invalid_client",
            "client_assertion_invalid_kid",
        ),
        (
            // The key is registered under another kid: the signature does not verify.
            scanner("other-rs256.pem", "basic-rs256"),
            "invalid_client",
            "signature is invalid",
        ),
        (
            credentials(
                CLIENT,
                "basic-es256.pem",
                Some("basic-es256"),
                vec!["okta.users.read".into(), "okta.users.manage".into()],
            ),
            "invalid_scope",
            "okta.users.manage not granted",
        ),
    ];
    for (creds, error, detail) in cases {
        let scan = scan_with(basic(), creds).await;
        let err = scan.result.as_ref().unwrap_err();
        let CollectError::OAuthToken {
            endpoint,
            status,
            error: e,
            description,
        } = err
        else {
            panic!("{err:?}");
        };
        assert_eq!(endpoint, TOKEN_PATH);
        assert_eq!(e.as_deref(), Some(error));
        assert!(description.contains(detail), "{description}");
        assert!(matches!(status, Some(400 | 401)), "{status:?}");
        let text = err.to_string();
        assert!(text.contains("nothing was collected"), "{text}");
        assert!(!text.contains("eyJ"), "an assertion leaked: {text}");
        assert!(scan.api_requests().is_empty(), "{:?}", scan.api_requests());
        assert!(!scan.dir.exists(), "a snapshot was written");
    }
}

#[tokio::test]
async fn the_key_the_tokens_and_the_dpop_key_never_reach_the_snapshot_or_debug_output() {
    let creds = scanner("basic-rs256.pem", "basic-rs256");
    let debug = format!("{creds:?}");
    let scan = scan_with(basic(), creds).await;
    assert!(scan.result.is_ok(), "{:?}", scan.result);
    let tokens = scan.server.issued_access_tokens();
    assert_eq!(tokens.len(), 1);
    let pem_lines: Vec<String> = key_text("basic-rs256.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_string)
        .collect();
    let jwk: Value = serde_json::from_str(&key_text("basic-rs256.jwk.json")).unwrap();
    let d = jwk["d"].as_str().unwrap();
    let mut secrets: Vec<&str> = tokens.iter().map(String::as_str).collect();
    secrets.extend(pem_lines.iter().map(String::as_str));
    secrets.push(&d[..40]);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&scan.dir).unwrap() {
        files.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert!(files.len() > 5);
    files.push(debug);
    files.push(format!("{:?}", scan.result));
    for text in &files {
        for secret in &secrets {
            assert!(!text.contains(secret), "a secret leaked: {secret}");
        }
        // No JWT (assertion, proof) either.
        assert!(!text.contains("eyJhbGciOi"), "a JWT leaked");
    }
}

#[tokio::test]
async fn the_demo_scanner_app_records_itself_as_the_oauth_caller() {
    let creds = credentials(
        "0oatwscanner00000000",
        "demo-es256.pem",
        Some("demo-es256"),
        Vec::new(),
    );
    let scan = scan_with(MockConfig::new(OrgSource::Dir(org_dir("demo"))), creds).await;
    assert!(scan.result.is_ok(), "{:?}", scan.result);
    assert_eq!(scan.token_statuses(), [400, 400, 200]);
    let refused: Vec<RecordedRequest> = scan
        .api_requests()
        .into_iter()
        .filter(|r| r.status != 200)
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
    let snap = scan.snapshot();
    let caller: Value = snap.load("caller").unwrap().unwrap();
    assert_eq!(caller["auth_method"], "oauth2");
    assert_eq!(caller["client_id"], "0oatwscanner00000000");
    assert_eq!(
        caller["scopes"].as_array().unwrap().len(),
        default_scopes().len()
    );
    assert_eq!(scan.statuses()["caller"], CollectionStatus::Complete);
}

// ---------------------------------------------------------------------------------------------
// The mock's token endpoint and API, directly
// ---------------------------------------------------------------------------------------------

/// A client assertion signed with a fixture key.
fn assertion(key_file: &str, kid: &str, claims: &Value) -> String {
    let pem = key_text(key_file);
    let (alg, key) = if key_file.contains("es256") {
        (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        )
    } else {
        (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        )
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn claims(server: &MockServer, client: &str) -> Value {
    let now = now();
    json!({
        "iss": client, "sub": client, "aud": format!("{}{TOKEN_PATH}", server.base_url()),
        "iat": now, "exp": now + 300, "jti": uuid::Uuid::new_v4().to_string(),
    })
}

/// A DPoP key of the test's own.
struct Dpop {
    key: EncodingKey,
    jwk: Value,
}

impl Dpop {
    fn new() -> Dpop {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let point = pair.public_key().as_ref().to_vec();
        Dpop {
            key: EncodingKey::from_ec_der(pair.to_pkcs8v1().unwrap().as_ref()),
            jwk: json!({"kty": "EC", "crv": "P-256",
                        "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                        "y": URL_SAFE_NO_PAD.encode(&point[33..65])}),
        }
    }

    fn signed(&self, typ: &str, jwk: &Value, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some(typ.into());
        header.jwk = Some(serde_json::from_value(jwk.clone()).unwrap());
        let jwt = jsonwebtoken::encode(&header, claims, &self.key).unwrap();
        if jwk.get("d").is_none() {
            return jwt;
        }
        // jsonwebtoken drops unknown JWK members: put the private one back into the header.
        let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
        let mut h: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[0]).unwrap()).unwrap();
        h["jwk"] = jwk.clone();
        parts[0] = URL_SAFE_NO_PAD.encode(h.to_string());
        parts.join(".")
    }

    fn claims(method: &str, htu: &str) -> Value {
        json!({"htm": method, "htu": htu, "iat": now(), "jti": uuid::Uuid::new_v4().to_string()})
    }

    fn proof(&self, method: &str, htu: &str, extra: &[(&str, &str)]) -> String {
        let mut claims = Dpop::claims(method, htu);
        for (k, v) in extra {
            claims[*k] = (*v).into();
        }
        self.signed("dpop+jwt", &self.jwk, &claims)
    }
}

fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn error(&self) -> (&str, &str) {
        (
            self.body["error"].as_str().unwrap_or_default(),
            self.body["error_description"].as_str().unwrap_or_default(),
        )
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }
}

async fn post_token(server: &MockServer, form: &[(&str, &str)], proof: Option<&str>) -> Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut request = reqwest::Client::new()
        .post(format!("{}{TOKEN_PATH}", server.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(p) = proof {
        request = request.header("DPoP", p);
    }
    answer(request).await
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

async fn token_request(
    server: &MockServer,
    client: &str,
    key: (&str, &str),
    scope: &str,
    claims_of: impl FnOnce(Value) -> Value,
    proof: Option<&str>,
) -> Answer {
    let claims = claims_of(claims(server, client));
    let jwt = assertion(key.0, key.1, &claims);
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", scope),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", jwt.as_str()),
    ];
    post_token(server, &form, proof).await
}

async fn get(server: &MockServer, path: &str, authorization: &str, proof: Option<&str>) -> Answer {
    let mut request = reqwest::Client::new()
        .get(format!("{}{path}", server.base_url()))
        .header("authorization", authorization);
    if let Some(p) = proof {
        request = request.header("DPoP", p);
    }
    answer(request).await
}

const ES: (&str, &str) = ("basic-es256.pem", "basic-es256");
const RS: (&str, &str) = ("basic-rs256.pem", "basic-rs256");

/// The full dance by hand; returns the DPoP-bound access token.
async fn dpop_token(server: &MockServer, dpop: &Dpop, scope: &str) -> String {
    let htu = format!("{}{TOKEN_PATH}", server.base_url());
    let first = token_request(
        server,
        CLIENT,
        ES,
        scope,
        |c| c,
        Some(&dpop.proof("POST", &htu, &[])),
    )
    .await;
    let nonce = first.header("dpop-nonce").to_string();
    let proof = dpop.proof("POST", &htu, &[("nonce", &nonce)]);
    let issued = token_request(server, CLIENT, ES, scope, |c| c, Some(&proof)).await;
    assert_eq!(issued.status, 200, "{:?}", issued.body);
    issued.body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_token_endpoint_asks_for_a_proof_then_a_nonce_then_binds_the_token_to_the_key() {
    let server = start(basic()).await;
    let dpop = Dpop::new();
    let htu = format!("{}{TOKEN_PATH}", server.base_url());
    let scope = "okta.users.read okta.logs.read";

    let no_proof = token_request(&server, CLIENT, RS, scope, |c| c, None).await;
    assert_eq!(no_proof.status, 400);
    assert_eq!(
        no_proof.error(),
        (
            "invalid_dpop_proof",
            "The DPoP proof JWT header is missing."
        )
    );

    let no_nonce = token_request(
        &server,
        CLIENT,
        RS,
        scope,
        |c| c,
        Some(&dpop.proof("POST", &htu, &[])),
    )
    .await;
    assert_eq!(no_nonce.status, 400);
    assert_eq!(no_nonce.error().0, "use_dpop_nonce");
    let nonce = no_nonce.header("dpop-nonce").to_string();
    assert!(!nonce.is_empty());

    let wrong_nonce = dpop.proof("POST", &htu, &[("nonce", "stale")]);
    let refused = token_request(&server, CLIENT, RS, scope, |c| c, Some(&wrong_nonce)).await;
    assert_eq!(refused.error().0, "use_dpop_nonce");

    let proof = dpop.proof("POST", &htu, &[("nonce", &nonce)]);
    let issued = token_request(&server, CLIENT, RS, scope, |c| c, Some(&proof)).await;
    assert_eq!(issued.status, 200, "{:?}", issued.body);
    assert_eq!(issued.body["token_type"], "DPoP");
    assert_eq!(issued.body["scope"], scope);
    assert_eq!(issued.body["expires_in"], 3600);
    assert_eq!(issued.header("cache-control"), "no-store");
    let token = issued.body["access_token"].as_str().unwrap();

    // Bound: a proof by this key works on the API; the same token with another key does not.
    let url = format!("{}/api/v1/users", server.base_url());
    let ok = dpop.proof("GET", &url, &[("ath", &ath(token))]);
    let users = get(
        &server,
        "/api/v1/users?limit=2",
        &format!("DPoP {token}"),
        Some(&ok),
    )
    .await;
    assert_eq!(users.status, 200, "{:?}", users.body);
    let thief = Dpop::new().proof("GET", &url, &[("ath", &ath(token))]);
    let stolen = get(
        &server,
        "/api/v1/users",
        &format!("DPoP {token}"),
        Some(&thief),
    )
    .await;
    assert_eq!(stolen.status, 400);
    assert_eq!(stolen.error().0, "invalid_dpop_proof");
    assert!(stolen.error().1.contains("bound"), "{:?}", stolen.body);
}

#[tokio::test]
async fn the_token_endpoint_rejects_every_bad_assertion_as_invalid_client() {
    let server = start(basic()).await;
    let scope = "okta.users.read";
    type Tweak = fn(Value) -> Value;
    let cases: [(&str, (&str, &str), Tweak, &str); 8] = [
        (
            "wrong aud",
            ES,
            |mut c| {
                c["aud"] = "https://acme.okta.com/oauth2/v1/token".into();
                c
            },
            "audience",
        ),
        (
            "aud of the custom AS",
            ES,
            |mut c| {
                c["aud"] = format!(
                    "{}/oauth2/default/v1/token",
                    c["aud"]
                        .as_str()
                        .unwrap()
                        .trim_end_matches("/oauth2/v1/token")
                )
                .into();
                c
            },
            "audience",
        ),
        (
            "expired",
            ES,
            |mut c| {
                c["exp"] = (now() - 120).into();
                c
            },
            "expired",
        ),
        (
            "exp beyond 1 h",
            ES,
            |mut c| {
                c["exp"] = (now() + 7200).into();
                c
            },
            "more than one hour",
        ),
        (
            "no exp",
            ES,
            |mut c| {
                c.as_object_mut().unwrap().remove("exp");
                c
            },
            "no exp",
        ),
        (
            "sub not the client",
            ES,
            |mut c| {
                c["sub"] = "00u1someone".into();
                c
            },
            "sub must equal",
        ),
        (
            "unknown client",
            ES,
            |mut c| {
                c["iss"] = "0oa9nobody".into();
                c["sub"] = "0oa9nobody".into();
                c
            },
            "not a registered client",
        ),
        (
            "iat in the future",
            ES,
            |mut c| {
                c["iat"] = (now() + 600).into();
                c
            },
            "in the future",
        ),
    ];
    for (what, key, tweak, expected) in cases {
        let a = token_request(&server, BEARER_CLIENT, key, scope, tweak, None).await;
        assert_eq!(a.status, 401, "{what}: {:?}", a.body);
        assert_eq!(a.error().0, "invalid_client", "{what}");
        assert!(a.error().1.contains(expected), "{what}: {:?}", a.body);
    }

    // A kid the app does not have; a registered kid but another key's signature.
    let a = token_request(
        &server,
        BEARER_CLIENT,
        ("basic-es256.pem", "nope"),
        scope,
        |c| c,
        None,
    )
    .await;
    assert!(
        a.error().1.contains("client_assertion_invalid_kid"),
        "{:?}",
        a.body
    );
    let a = token_request(
        &server,
        CLIENT,
        ("other-rs256.pem", "basic-rs256"),
        scope,
        |c| c,
        None,
    )
    .await;
    assert_eq!(
        a.error(),
        (
            "invalid_client",
            "The client_assertion signature is invalid."
        )
    );
    // An ES256 key's kid with an RS256 signature.
    let a = token_request(
        &server,
        CLIENT,
        ("basic-rs256.pem", "basic-es256"),
        scope,
        |c| c,
        None,
    )
    .await;
    assert_eq!(a.error().0, "invalid_client");

    // Replay: the same assertion twice.
    let jwt = assertion(ES.0, ES.1, &claims(&server, BEARER_CLIENT));
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", scope),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", jwt.as_str()),
    ];
    assert_eq!(post_token(&server, &form, None).await.status, 200);
    let replay = post_token(&server, &form, None).await;
    assert_eq!(replay.status, 401);
    assert!(
        replay.error().1.contains("client_assertion_already_used"),
        "{:?}",
        replay.body
    );

    // No assertion type; another grant type.
    let mut bad = form;
    bad[2].1 = "urn:nope";
    assert_eq!(
        post_token(&server, &bad, None).await.error().0,
        "invalid_client"
    );
    let mut bad = form;
    bad[0].1 = "password";
    assert_eq!(
        post_token(&server, &bad, None).await.error().0,
        "unsupported_grant_type"
    );
}

#[tokio::test]
async fn the_token_endpoint_grants_only_granted_scopes() {
    let server = start(basic()).await;
    let a = token_request(
        &server,
        BEARER_CLIENT,
        ES,
        "okta.users.read okta.users.manage",
        |c| c,
        None,
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.error().0, "invalid_scope");
    assert!(a.error().1.contains("okta.users.manage"), "{:?}", a.body);
    let a = token_request(&server, BEARER_CLIENT, ES, "", |c| c, None).await;
    assert_eq!(a.error().0, "invalid_scope");
    let a = token_request(&server, BEARER_CLIENT, ES, "okta.users.read", |c| c, None).await;
    assert_eq!(
        (a.status, a.body["token_type"].as_str()),
        (200, Some("Bearer"))
    );
}

#[tokio::test]
async fn token_endpoint_proofs_must_be_fresh_public_and_for_this_request() {
    let server = start(basic()).await;
    let dpop = Dpop::new();
    let htu = format!("{}{TOKEN_PATH}", server.base_url());
    // Learn the nonce.
    let first = token_request(
        &server,
        CLIENT,
        ES,
        "okta.users.read",
        |c| c,
        Some(&dpop.proof("POST", &htu, &[])),
    )
    .await;
    let nonce = first.header("dpop-nonce").to_string();
    let with_nonce = |mut c: Value| {
        c["nonce"] = nonce.clone().into();
        c
    };
    let mut private = dpop.jwk.clone();
    private["d"] = "AAAA".into();
    let replayed = dpop.signed(
        "dpop+jwt",
        &dpop.jwk,
        &with_nonce(Dpop::claims("POST", &htu)),
    );
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "wrong htu",
            dpop.signed(
                "dpop+jwt",
                &dpop.jwk,
                &with_nonce(Dpop::claims("POST", "http://127.0.0.1:1/oauth2/v1/token")),
            ),
            "htu",
        ),
        (
            "wrong htm",
            dpop.signed(
                "dpop+jwt",
                &dpop.jwk,
                &with_nonce(Dpop::claims("GET", &htu)),
            ),
            "htm",
        ),
        (
            "wrong typ",
            dpop.signed("JWT", &dpop.jwk, &with_nonce(Dpop::claims("POST", &htu))),
            "typ",
        ),
        (
            "private jwk",
            dpop.signed(
                "dpop+jwt",
                &private,
                &with_nonce(Dpop::claims("POST", &htu)),
            ),
            "private member",
        ),
        (
            "another key's jwk",
            dpop.signed(
                "dpop+jwt",
                &Dpop::new().jwk,
                &with_nonce(Dpop::claims("POST", &htu)),
            ),
            "signature",
        ),
        (
            "stale iat",
            {
                let mut c = with_nonce(Dpop::claims("POST", &htu));
                c["iat"] = (now() - 600).into();
                dpop.signed("dpop+jwt", &dpop.jwk, &c)
            },
            "5 minutes",
        ),
        (
            "no jti",
            {
                let mut c = with_nonce(Dpop::claims("POST", &htu));
                c.as_object_mut().unwrap().remove("jti");
                dpop.signed("dpop+jwt", &dpop.jwk, &c)
            },
            "jti",
        ),
    ];
    for (what, proof, expected) in cases {
        let a = token_request(&server, CLIENT, ES, "okta.users.read", |c| c, Some(&proof)).await;
        assert_eq!(a.status, 400, "{what}: {:?}", a.body);
        assert_eq!(a.error().0, "invalid_dpop_proof", "{what}");
        assert!(a.error().1.contains(expected), "{what}: {:?}", a.body);
    }
    let ok = token_request(
        &server,
        CLIENT,
        ES,
        "okta.users.read",
        |c| c,
        Some(&replayed),
    )
    .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    let again = token_request(
        &server,
        CLIENT,
        ES,
        "okta.users.read",
        |c| c,
        Some(&replayed),
    )
    .await;
    assert!(
        again.error().1.contains("dpop_proof_already_used"),
        "{:?}",
        again.body
    );
}

#[tokio::test]
async fn the_api_takes_dpop_tokens_only_with_a_valid_proof_and_bearer_tokens_only_unbound() {
    let server = start(basic()).await;
    let dpop = Dpop::new();
    let token = dpop_token(&server, &dpop, "okta.users.read okta.apiTokens.read").await;
    let url = format!("{}/api/v1/api-tokens", server.base_url());
    let path = "/api/v1/api-tokens?limit=2";
    let dpop_auth = format!("DPoP {token}");

    let good = dpop.proof("GET", &url, &[("ath", &ath(&token))]);
    assert_eq!(
        get(&server, path, &dpop_auth, Some(&good)).await.status,
        200
    );
    let replay = get(&server, path, &dpop_auth, Some(&good)).await;
    assert!(
        replay.error().1.contains("dpop_proof_already_used"),
        "{:?}",
        replay.body
    );

    let as_bearer = get(&server, path, &format!("Bearer {token}"), None).await;
    assert_eq!(as_bearer.status, 400);
    assert!(
        as_bearer
            .error()
            .1
            .starts_with("dpop_authentication_scheme_required")
    );

    let no_proof = get(&server, path, &dpop_auth, None).await;
    assert_eq!(no_proof.status, 400);
    assert!(
        no_proof
            .error()
            .1
            .starts_with("dpop_proof_required_for_token")
    );

    for (what, proof, expected) in [
        ("no ath", dpop.proof("GET", &url, &[]), "ath"),
        (
            "ath of another token",
            dpop.proof("GET", &url, &[("ath", &ath("other"))]),
            "ath",
        ),
        (
            "htu with the query",
            dpop.proof(
                "GET",
                &format!("{}{path}", server.base_url()),
                &[("ath", &ath(&token))],
            ),
            "htu",
        ),
        (
            "wrong method",
            dpop.proof("POST", &url, &[("ath", &ath(&token))]),
            "htm",
        ),
    ] {
        let a = get(&server, path, &dpop_auth, Some(&proof)).await;
        assert_eq!(a.status, 400, "{what}");
        assert_eq!(a.error().0, "invalid_dpop_proof", "{what}");
        assert!(a.error().1.contains(expected), "{what}: {:?}", a.body);
        assert!(
            a.header("www-authenticate")
                .starts_with("DPoP error=\"invalid_dpop_proof\"")
        );
    }

    // Unknown token: 401 E0000011 with a challenge.
    let proof = dpop.proof("GET", &url, &[("ath", &ath("nope"))]);
    let unknown = get(&server, path, "DPoP nope", Some(&proof)).await;
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.body["errorCode"], "E0000011");
    assert!(unknown.header("www-authenticate").contains("invalid_token"));

    // A Bearer token is not bound: as DPoP it is refused, as Bearer accepted.
    let bearer = token_request(&server, BEARER_CLIENT, ES, "okta.users.read", |c| c, None).await;
    let bearer = bearer.body["access_token"].as_str().unwrap().to_string();
    let users = format!("{}/api/v1/users", server.base_url());
    let proof = dpop.proof("GET", &users, &[("ath", &ath(&bearer))]);
    let unbound = get(
        &server,
        "/api/v1/users",
        &format!("DPoP {bearer}"),
        Some(&proof),
    )
    .await;
    assert_eq!(unbound.status, 401);
    assert!(unbound.error().1.starts_with("access_token_not_dpop_bound"));
    assert_eq!(
        get(&server, "/api/v1/users", &format!("Bearer {bearer}"), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_scope_the_token_lacks_is_a_403_with_an_insufficient_scope_challenge() {
    let server = start(basic()).await;
    let issued = token_request(&server, BEARER_CLIENT, ES, "okta.users.read", |c| c, None).await;
    let token = issued.body["access_token"].as_str().unwrap();
    let zones = get(&server, "/api/v1/zones", &format!("Bearer {token}"), None).await;
    assert_eq!(zones.status, 403);
    assert_eq!(zones.body["errorCode"], "E0000006");
    let challenge = zones.header("www-authenticate");
    assert!(
        challenge.starts_with("Bearer error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(challenge.contains("okta.networkZones.read"), "{challenge}");
}

#[tokio::test]
async fn expiring_tokens_by_fault_makes_the_api_answer_invalid_token() {
    let server =
        start(basic().with_fault(Fault::times(FaultKind::ExpireTokens, "/api/v1/users", 1))).await;
    let issued = token_request(&server, BEARER_CLIENT, ES, "okta.users.read", |c| c, None).await;
    let auth = format!("Bearer {}", issued.body["access_token"].as_str().unwrap());
    let first = get(&server, "/api/v1/users", &auth, None).await;
    assert_eq!(
        (first.status, first.body["errorCode"].as_str()),
        (401, Some("E0000011"))
    );
    assert_eq!(get(&server, "/api/v1/users", &auth, None).await.status, 401);
    let fresh = token_request(&server, BEARER_CLIENT, ES, "okta.users.read", |c| c, None).await;
    let auth = format!("Bearer {}", fresh.body["access_token"].as_str().unwrap());
    assert_eq!(get(&server, "/api/v1/users", &auth, None).await.status, 200);
}
