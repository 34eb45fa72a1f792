//! Custom roles, resource sets, admins' factors and the caller identity: the mock's IAM endpoints
//! and the collector reading them, over real loopback HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tokenwarden::collect::{ApiToken, CollectConfig, Credentials, collect};
use tokenwarden::mock::{Fault, FaultKind, MockConfig, MockServer, Org, OrgSource};
use tokenwarden::snapshot::{CollectionStatus, Snapshot};

const SECRET: &str = "00basicScannerSecretDoNotUseInProd0001";
const ANN: &str = "00u1ann0000000000000";
const SCANNER: &str = "00u2svcscan000000000";
const BOB: &str = "00u3bob0000000000000";
const CAROL: &str = "00u4carol00000000000";
const DAVE: &str = "00u5dave000000000000";
const SIEM: &str = "00u7svcsiem000000000";
const FRANK: &str = "00u8frank00000000000";
const HELPDESK: &str = "00g2helpdesk00000000";
const ENGINEERING: &str = "00g3engineering00000";
const ORG_ID: &str = "00o1basic00000000000";
const WHOLE: &str = "iam1apitokens0000000";
const ENG_SET: &str = "iam2engineering00000";
const UNBOUND: &str = "iam3unused0000000000";
const AUDITOR: &str = "cr01tokenauditor0000";
const USER_MANAGER: &str = "cr02usermanager00000";

const IAM: [&str; 4] = ["custom_roles", "resource_sets", "user_factors", "caller"];
const FIRST_SLICE: [&str; 7] = [
    "org",
    "api_tokens",
    "network_zones",
    "user_types",
    "groups",
    "role_assignments",
    "users",
];

fn basic_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/orgs/basic")
}

fn basic() -> MockConfig {
    MockConfig::new(OrgSource::Dir(basic_dir()))
}

async fn start(config: MockConfig) -> MockServer {
    MockServer::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// GET a path on the mock with the scanner's token.
async fn get(server: &MockServer, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", server.base_url()))
        .header("Authorization", format!("SSWS {SECRET}"))
        .send()
        .await
        .unwrap()
}

async fn get_json(server: &MockServer, path: &str) -> Value {
    let response = get(server, path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

struct Scan {
    server: MockServer,
    _tmp: tempfile::TempDir,
    snap: Snapshot,
}

impl Scan {
    fn data(&self, name: &str) -> Value {
        self.snap.load(name).unwrap().unwrap()
    }

    fn status(&self, name: &str) -> (CollectionStatus, String) {
        let r = &self.snap.manifest().collections[name];
        (r.status, r.error.clone().unwrap_or_default())
    }

    /// Requests per path (query left out).
    fn requests_by_path(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for r in self.server.requests() {
            let path = r.path_and_query.split('?').next().unwrap().to_owned();
            *out.entry(path).or_default() += 1;
        }
        out
    }
}

async fn scan(mock: MockConfig) -> Scan {
    let server = start(mock).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snap");
    let mut config = CollectConfig::new(
        server.base_url().parse().unwrap(),
        Credentials::ApiToken(ApiToken::new(SECRET.to_owned())),
    );
    config.concurrency = 4;
    config.request_timeout = Duration::from_secs(5);
    config.progress = false;
    collect(&config, &dir).await.unwrap();
    Scan {
        server,
        _tmp: tmp,
        snap: Snapshot::open(&dir).unwrap(),
    }
}

fn assert_complete(s: &Scan, names: &[&str]) {
    for name in names {
        let (status, error) = s.status(name);
        assert_eq!(status, CollectionStatus::Complete, "{name}: {error}");
    }
}

fn strs(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_owned())
        .collect()
}

/// The resource set entry `id` of a `resource_sets` collection.
fn set_entry<'a>(sets: &'a Value, id: &str) -> &'a Value {
    sets.as_array()
        .unwrap()
        .iter()
        .find(|s| s["resource_set"]["id"] == id)
        .unwrap_or_else(|| panic!("resource set {id} missing"))
}

#[tokio::test]
async fn iam_wrappers_are_walked_page_by_page_through_body_links() {
    // Page size 1: every IAM list of two or more items pages.
    let s = scan(basic().with_page_size(1)).await;
    assert_complete(&s, &IAM);
    assert_complete(&s, &FIRST_SLICE);

    let roles = s.data("custom_roles");
    let listed: Vec<Value> = roles
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].clone())
        .collect();
    assert_eq!(strs(&Value::Array(listed), "id"), [AUDITOR, USER_MANAGER]);
    let perms = |i: usize| strs(&roles[i]["permissions"], "label");
    assert_eq!(perms(0), ["okta.users.read", "okta.users.apitokens.read"]);
    assert_eq!(
        perms(1),
        [
            "okta.users.manage",
            "okta.groups.members.manage",
            "okta.users.read",
            "okta.groups.read"
        ]
    );
    assert_eq!(
        roles[1]["permissions"][0]["conditions"]["exclude"]["okta:ResourceAttribute/User/Profile"],
        json!(["manager"])
    );
    assert_eq!(roles[0]["role"]["description"], "");

    let sets = s.data("resource_sets");
    let set_ids: Vec<String> = sets
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["resource_set"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(set_ids, [WHOLE, ENG_SET, UNBOUND]);
    let whole = set_entry(&sets, WHOLE);
    assert_eq!(whole["resources"].as_array().unwrap().len(), 3);
    let bindings: Vec<&str> = whole["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["role_id"].as_str().unwrap())
        .collect();
    assert_eq!(bindings, [AUDITOR, USER_MANAGER]);
    assert_eq!(whole["bindings"][0]["binding"]["id"], AUDITOR);
    assert_eq!(
        strs(&whole["bindings"][0]["members"], "id"),
        ["irb1siemauditor00000", "irb3reporterclient00"]
    );
    assert!(
        whole["bindings"][0]["members"][1]["_links"]["self"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/oauth2/v1/clients/0oa1svcreporter00000")
    );
    assert_eq!(set_entry(&sets, UNBOUND)["bindings"], json!([]));

    // One request per item on every list of more than one item: each page was followed.
    let by_path = s.requests_by_path();
    let base = "/api/v1/iam/resource-sets";
    for (path, pages) in [
        ("/api/v1/iam/roles".to_owned(), 2),
        (format!("/api/v1/iam/roles/{USER_MANAGER}/permissions"), 4),
        (base.to_owned(), 3),
        (format!("{base}/{WHOLE}/resources"), 3),
        (format!("{base}/{WHOLE}/bindings"), 2),
        (format!("{base}/{WHOLE}/bindings/{AUDITOR}/members"), 2),
        (format!("{base}/{UNBOUND}/bindings"), 1),
    ] {
        assert_eq!(by_path.get(&path), Some(&pages), "{path}");
    }
    let m = s.snap.manifest();
    let counted: u64 = m.collections.values().map(|c| c.requests).sum();
    assert_eq!(counted, s.server.requests().len() as u64);
}

#[tokio::test]
async fn resources_page_by_body_only_and_other_iam_lists_send_both() {
    let server = start(basic().with_page_size(2)).await;
    let path = format!("/api/v1/iam/resource-sets/{WHOLE}/resources");
    let first = get(&server, &path).await;
    assert!(
        first.headers().get("link").is_none(),
        "resources sent a Link header"
    );
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["resources"].as_array().unwrap().len(), 2);
    assert!(
        body["_links"]["resource-set"]["href"]
            .as_str()
            .unwrap()
            .ends_with(WHOLE)
    );
    let next = body["_links"]["next"]["href"].as_str().unwrap();
    let next = next.strip_prefix(&server.base_url()).unwrap();
    let last = get_json(&server, next).await;
    assert_eq!(last["resources"].as_array().unwrap().len(), 1);
    assert!(last["_links"].get("next").is_none());

    for (path, key) in [
        ("/api/v1/iam/resource-sets".to_owned(), "resource-sets"),
        (
            format!("/api/v1/iam/resource-sets/{WHOLE}/bindings"),
            "roles",
        ),
    ] {
        let response = get(&server, &path).await;
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_owned());
        let body: Value = response.json().await.unwrap();
        assert!(body[key].is_array(), "{path}: {body}");
        assert!(link.is_some(), "{path}: no Link header");
    }
    let roles = get_json(&server, "/api/v1/iam/roles").await;
    assert_eq!(strs(&roles["roles"], "id"), [AUDITOR, USER_MANAGER]);
    let by_label = get_json(&server, "/api/v1/iam/roles/UserManager").await;
    assert_eq!(by_label["id"], USER_MANAGER);
    let binding = get_json(
        &server,
        &format!("/api/v1/iam/resource-sets/{WHOLE}/bindings/TokenAuditor"),
    )
    .await;
    assert_eq!(binding["id"], AUDITOR);
    let missing = get(&server, "/api/v1/iam/resource-sets/iamNOPE/bindings").await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn resources_carry_both_orn_and_rest_url_whichever_form_the_fixture_gave() {
    let s = scan(basic().with_page_size(2)).await;
    let base = s.server.base_url();
    let sets = s.data("resource_sets");
    let pairs = |id: &str| -> Vec<(String, Option<String>)> {
        set_entry(&sets, id)["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let href = r["_links"]["self"]["href"].as_str();
                let rest = href.map(|h| h.strip_prefix(&base).unwrap().to_owned());
                (r["orn"].as_str().unwrap().to_owned(), rest)
            })
            .collect()
    };
    let orn = |tail: &str| format!("orn:okta:{}", tail.replace("ORG", ORG_ID));
    let want = |rows: &[(&str, &str)]| -> Vec<(String, Option<String>)> {
        rows.iter()
            .map(|(o, r)| (orn(o), Some((*r).to_owned())))
            .collect()
    };
    // Given as: ORN, REST URL, ORN.
    assert_eq!(
        pairs(WHOLE),
        want(&[
            ("directory:ORG:users", "/api/v1/users"),
            ("directory:ORG:groups", "/api/v1/groups"),
            ("idp:ORG:apps", "/api/v1/apps"),
        ])
    );
    // Given as: REST URL, ORN.
    assert_eq!(
        pairs(ENG_SET),
        want(&[
            (
                &format!("directory:ORG:groups:{ENGINEERING}"),
                &format!("/api/v1/groups/{ENGINEERING}"),
            ),
            (
                &format!("directory:ORG:groups:{ENGINEERING}:contained_resources"),
                &format!("/api/v1/groups/{ENGINEERING}/users"),
            ),
        ])
    );
    // Given as: REST URL with a filter, ORN of one app.
    assert_eq!(
        pairs(UNBOUND),
        want(&[
            (
                "idp:ORG:apps:salesforce",
                "/api/v1/apps?filter=name+eq+%22salesforce%22"
            ),
            (
                "idp:ORG:apps:github:0oa1github0000000000",
                "/api/v1/apps/0oa1github0000000000"
            ),
        ])
    );
    // The id given in the fixture is kept; "all users" links to the users list.
    let eng = set_entry(&sets, ENG_SET);
    assert_eq!(eng["resources"][1]["id"], "ire2engmembers000000");
    let whole = set_entry(&sets, WHOLE);
    assert_eq!(
        whole["resources"][0]["_links"]["users"]["href"],
        format!("{base}/api/v1/users")
    );
}

#[tokio::test]
async fn custom_role_assignments_reach_user_and_group_roles_and_role_assignments() {
    let s = scan(basic().with_page_size(2)).await;
    let base = s.server.base_url();

    // Direct member: the SIEM account holds UserManager over the whole directory.
    let siem = get_json(&s.server, &format!("/api/v1/users/{SIEM}/roles")).await;
    let custom = siem
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == USER_MANAGER)
        .expect("the SIEM account's UserManager role");
    assert_eq!(custom["id"], "irb2siemusermgr00000");
    assert_eq!(custom["role"], USER_MANAGER);
    assert_eq!(custom["resource-set"], WHOLE);
    assert_eq!(custom["label"], "UserManager");
    assert_eq!(custom["assignmentType"], "USER");
    let link = |rel: &str| custom["_links"][rel]["href"].as_str().unwrap().to_owned();
    assert_eq!(link("assignee"), format!("{base}/api/v1/users/{SIEM}"));
    assert_eq!(
        link("role"),
        format!("{base}/api/v1/iam/roles/{USER_MANAGER}")
    );
    assert_eq!(
        link("resource-set"),
        format!("{base}/api/v1/iam/resource-sets/{WHOLE}")
    );
    assert_eq!(
        link("member"),
        format!(
            "{base}/api/v1/iam/resource-sets/{WHOLE}/bindings/{USER_MANAGER}/members/irb2siemusermgr00000"
        )
    );
    assert!(link("permissions").ends_with("/permissions"));

    // Group member: Helpdesk holds TokenAuditor over Engineering, and Bob inherits it.
    let group = get_json(&s.server, &format!("/api/v1/groups/{HELPDESK}/roles")).await;
    let held = group
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "CUSTOM")
        .unwrap();
    assert_eq!(held["id"], "irb4helpdeskaudit000");
    assert_eq!(held["resource-set"], ENG_SET);
    assert_eq!(held["assignmentType"], "GROUP");
    let bob = get_json(&s.server, &format!("/api/v1/users/{BOB}/roles")).await;
    let inherited = bob
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "CUSTOM")
        .unwrap();
    assert_eq!(inherited["assignmentType"], "GROUP");
    assert_eq!(
        inherited["_links"]["assignee"]["href"],
        format!("{base}/api/v1/groups/{HELPDESK}")
    );
    // TokenAuditor is listed in roles.json and made by a binding member: it appears once.
    assert_eq!(
        strs(&siem, "id"),
        ["irb1siemauditor00000", "irb2siemusermgr00000"]
    );

    // The collector keeps them in role_assignments as Okta served them.
    let ra = s.data("role_assignments");
    let of = |kind: &str, id: &str| -> Vec<Value> {
        ra.as_array()
            .unwrap()
            .iter()
            .find(|p| p["principal_type"] == kind && p["principal_id"] == id)
            .unwrap_or_else(|| panic!("{kind} {id} missing"))["assignments"]
            .as_array()
            .unwrap()
            .clone()
    };
    let stored = of("USER", SIEM);
    let stored = stored.iter().find(|a| a["role"] == USER_MANAGER).unwrap();
    assert_eq!(stored, custom);
    assert!(
        of("GROUP", HELPDESK)
            .iter()
            .any(|a| a["id"] == "irb4helpdeskaudit000")
    );
}

#[tokio::test]
async fn forbidden_iam_lists_make_only_their_collections_forbidden() {
    let s = scan(
        basic()
            .with_page_size(2)
            .with_fault(Fault::always(FaultKind::Forbidden, "/api/v1/iam/roles"))
            .with_fault(Fault::always(
                FaultKind::Forbidden,
                "/api/v1/iam/resource-sets",
            )),
    )
    .await;
    for (name, path) in [
        ("custom_roles", "/api/v1/iam/roles"),
        ("resource_sets", "/api/v1/iam/resource-sets"),
    ] {
        let (status, error) = s.status(name);
        assert_eq!(status, CollectionStatus::Forbidden, "{name}: {error}");
        assert!(
            error.contains(&format!("GET {path}: HTTP 403 E0000006")),
            "{error}"
        );
        assert_eq!(s.data(name), json!([]));
    }
    assert_complete(&s, &FIRST_SLICE);
    assert_complete(&s, &["user_factors", "caller"]);
}

#[tokio::test]
async fn repeating_next_links_fail_iam_lists_with_a_loop_and_sub_lists_make_them_partial() {
    let s = scan(basic().with_page_size(1).with_fault(Fault::times(
        FaultKind::RepeatNext,
        "/api/v1/iam/roles",
        1,
    )))
    .await;
    let (status, error) = s.status("custom_roles");
    assert_eq!(status, CollectionStatus::Failed, "{error}");
    assert!(error.contains("loop"), "{error}");
    assert_complete(&s, &["resource_sets", "user_factors", "caller"]);

    let resources = format!("/api/v1/iam/resource-sets/{WHOLE}/resources");
    let s = scan(basic().with_page_size(1).with_fault(Fault::times(
        FaultKind::RepeatNext,
        &resources,
        1,
    )))
    .await;
    let (status, error) = s.status("resource_sets");
    assert_eq!(status, CollectionStatus::Partial, "{error}");
    assert!(
        error.contains(&format!(
            "resources of resource set {WHOLE} (Whole directory)"
        )),
        "{error}"
    );
    assert!(error.contains("loop"), "{error}");
    // The other sets, and the bindings of this one, are all there.
    let sets = s.data("resource_sets");
    assert_eq!(
        set_entry(&sets, ENG_SET)["resources"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        set_entry(&sets, WHOLE)["bindings"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let s = scan(basic().with_page_size(1).with_fault(Fault::always(
        FaultKind::Forbidden,
        &format!("/api/v1/iam/resource-sets/{ENG_SET}/bindings"),
    )))
    .await;
    let (status, error) = s.status("resource_sets");
    assert_eq!(status, CollectionStatus::Partial, "{error}");
    assert!(
        error.contains(&format!("bindings of resource set {ENG_SET} (Engineering)")),
        "{error}"
    );
}

#[tokio::test]
async fn factors_are_collected_for_exactly_the_admins() {
    let s = scan(basic().with_page_size(2)).await;
    assert_complete(&s, &["user_factors"]);
    let factors = s.data("user_factors");
    let users: BTreeSet<String> = strs(&factors, "user_id").into_iter().collect();
    // Direct roles (Ann, the scanner, Carol; the SIEM account holds custom roles only) and a
    // role-holding group only (Bob). Dave and Frank have factors but no role.
    let admins: BTreeSet<String> = [ANN, SCANNER, CAROL, SIEM, BOB]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(users, admins);
    let asked: BTreeSet<String> = s
        .server
        .requests()
        .iter()
        .filter_map(|r| {
            let p = r.path_and_query.strip_prefix("/api/v1/users/")?;
            p.strip_suffix("/factors").map(str::to_owned)
        })
        .collect();
    assert_eq!(asked, admins);
    assert!(!asked.contains(FRANK) && !asked.contains(DAVE));

    let of = |id: &str| -> Vec<String> {
        let entry = factors
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["user_id"] == id)
            .unwrap();
        strs(&entry["factors"], "factorType")
    };
    assert_eq!(of(ANN), ["push", "token:software:totp", "sms"]);
    assert_eq!(of(CAROL), ["webauthn", "push"]);
    assert_eq!(of(BOB), ["signed_nonce", "email"]);
    assert!(of(SCANNER).is_empty());
    let carol = factors
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["user_id"] == CAROL)
        .unwrap();
    assert_eq!(carol["factors"][1]["status"], "PENDING_ACTIVATION");
    assert_eq!(carol["factors"][0]["provider"], "FIDO");
}

#[tokio::test]
async fn caller_of_an_api_token_is_its_owner_with_the_owners_roles() {
    let s = scan(basic().with_page_size(2)).await;
    assert_complete(&s, &["caller"]);
    let caller = s.data("caller");
    assert_eq!(caller["auth_method"], "api_token");
    assert_eq!(caller["user"]["id"], SCANNER);
    assert_eq!(
        caller["user"]["profile"]["login"],
        "svc-scanner@basic.example"
    );
    assert_eq!(strs(&caller["roles"], "type"), ["READ_ONLY_ADMIN"]);
    assert!(s.requests_by_path().contains_key("/api/v1/users/me"));
    // Nothing in the caller collection echoes the secret.
    let text = std::fs::read_to_string(s.snap.dir().join("caller.json")).unwrap();
    assert!(!text.contains(SECRET));
}

#[test]
fn fixture_resources_that_are_not_orns_or_rest_urls_are_refused_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(basic_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
    }
    let sets = tmp.path().join("resource-sets.json");
    let text = std::fs::read_to_string(&sets).unwrap();
    std::fs::write(&sets, text.replace("/api/v1/groups\"", "/api/v1/widgets\"")).unwrap();
    let err = Org::load(&OrgSource::Dir(tmp.path().to_owned()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("resource-sets.json"), "{err}");
    assert!(err.contains("/api/v1/widgets"), "{err}");

    std::fs::write(
        &sets,
        text.replace(&format!("users/{SIEM}"), "users/00uNOBODY"),
    )
    .unwrap();
    let err = Org::load(&OrgSource::Dir(tmp.path().to_owned()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("00uNOBODY"), "{err}");
}
