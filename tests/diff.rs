//! `tokenwarden diff`: two hand-built quarters of one org, written with `SnapshotWriter`, are
//! compared. Every kind of change appears exactly once with the expected details; a collection
//! missing on one side is "not comparable" and never shows up as removals; findings are opened
//! and resolved by fingerprint and never resolved because data went missing; hostile names are
//! escaped in HTML and Markdown; the same inputs give byte-identical output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tokenwarden::diff::{self, DiffArgs, DiffFormat, DiffReport};
use tokenwarden::rules::RulePack;
use tokenwarden::snapshot::{CollectionStats, CollectionStatus, SnapshotWriter};

const XSS: &str = "<img src=x onerror=alert(1)>";
const OLD_AT: &str = "2026-03-31T12:00:00Z";
const NEW_AT: &str = "2026-06-30T12:00:00Z";

fn user(id: &str, login: &str) -> Value {
    json!({"id": id, "status": "ACTIVE", "created": "2024-01-01T00:00:00.000Z",
           "lastLogin": "2026-03-30T00:00:00.000Z", "type": {"id": "oty1"},
           "profile": {"login": login, "email": login, "firstName": "F", "lastName": "L"}})
}

fn token(id: &str, name: &str, owner: &str, zone: Option<&str>, expires: &str) -> Value {
    let network = match zone {
        Some(z) => json!({"connection": "ZONE", "include": [z], "exclude": []}),
        None => json!({"connection": "ANYWHERE"}),
    };
    json!({"id": id, "name": name, "userId": owner, "clientName": "Okta API",
           "tokenWindow": "P30D", "network": network, "created": "2026-01-05T09:00:00.000Z",
           "lastUpdated": expires, "expiresAt": expires})
}

fn group(id: &str, name: &str) -> Value {
    json!({"id": id, "type": "OKTA_GROUP", "profile": {"name": name, "description": ""}})
}

fn role(id: &str, rtype: &str, label: &str, assignment_type: &str, assignee: &str) -> Value {
    json!({"id": id, "label": label, "type": rtype, "status": "ACTIVE",
           "created": "2025-01-01T00:00:00.000Z", "lastUpdated": "2025-01-01T00:00:00.000Z",
           "assignmentType": assignment_type,
           "_links": {"assignee": {"href": format!("http://127.0.0.1:40000{assignee}")}}})
}

fn principal(ptype: &str, id: &str, assignments: Vec<Value>, targets: Value) -> Value {
    json!({"principal_type": ptype, "principal_id": id, "assignments": assignments,
           "targets": targets})
}

fn member(id: &str, port: u16, path: &str) -> Value {
    json!({"id": id, "created": "2025-01-01T00:00:00.000Z",
           "lastUpdated": "2025-01-01T00:00:00.000Z",
           "_links": {"self": {"href": format!("http://127.0.0.1:{port}{path}")}}})
}

fn resource(id: &str, group: &str) -> Value {
    json!({"id": id, "orn": format!("orn:okta:directory:00o1:groups:{group}"),
           "created": "2025-01-01T00:00:00.000Z"})
}

fn grant(id: &str, scope: &str) -> Value {
    json!({"id": id, "status": "ACTIVE", "scopeId": scope, "clientId": "0oa1",
           "issuer": "https://acme.okta.com", "source": "ADMIN"})
}

fn secret(id: &str, status: &str) -> Value {
    json!({"id": id, "status": status, "created": "2025-06-01T00:00:00.000Z",
           "lastUpdated": "2025-06-01T00:00:00.000Z"})
}

fn service_app(auth: &str, grants: Vec<Value>, secrets: Vec<Value>, jwks: Vec<Value>) -> Value {
    json!([{"app": {"id": "0oa1", "name": "oidc_client", "label": "reporting-bot",
                    "status": "ACTIVE",
                    "credentials": {"oauthClient": {"client_id": "0oa1",
                                                    "token_endpoint_auth_method": auth}},
                    "settings": {"oauthClient": {"application_type": "service"}}},
            "grants": grants, "secrets": secrets, "jwks": jwks, "roles": [], "targets": {}}])
}

/// Last quarter: four admins' worth of state, two tokens restricted, one open to anywhere.
fn old_collections() -> Vec<(&'static str, Value)> {
    vec![
        ("org", json!({"id": "00o1", "pipeline": "idx"})),
        (
            "user_types",
            json!([{"id": "oty1", "name": "user", "displayName": "User", "default": true}]),
        ),
        (
            "users",
            json!([
                user("00u1", "svc-integration@acme.com"),
                user("00u2", "alice@acme.com"),
                user("00u3", "bob@acme.com")
            ]),
        ),
        (
            "network_zones",
            json!([{"id": "nzoHQ", "name": "HQ egress", "type": "IP",
            "status": "ACTIVE", "usage": "POLICY", "system": false,
            "gateways": [{"type": "CIDR", "value": "203.0.113.0/24"}], "proxies": null}]),
        ),
        (
            "api_tokens",
            json!([
                token(
                    "00T1",
                    "ci-deployer",
                    "00u1",
                    Some("nzoHQ"),
                    "2026-04-20T00:00:00.000Z"
                ),
                token(
                    "00T2",
                    "legacy-sync",
                    "00u2",
                    None,
                    "2026-04-10T00:00:00.000Z"
                ),
                token(
                    "00T3",
                    "splunk-reader",
                    "00u1",
                    Some("nzoHQ"),
                    "2026-04-25T00:00:00.000Z"
                ),
            ]),
        ),
        (
            "groups",
            json!([{"group": group("00g1", "Helpdesk Admins"), "members": ["00u2"]}]),
        ),
        (
            "role_assignments",
            json!([
                principal(
                    "USER",
                    "00u2",
                    vec![role(
                        "ra1",
                        "SUPER_ADMIN",
                        "Super Administrator",
                        "USER",
                        "/api/v1/users/00u2"
                    )],
                    json!({})
                ),
                principal(
                    "USER",
                    "00u3",
                    vec![role(
                        "ra2",
                        "ORG_ADMIN",
                        "Organizational Administrator",
                        "USER",
                        "/api/v1/users/00u3"
                    )],
                    json!({})
                ),
                principal(
                    "GROUP",
                    "00g1",
                    vec![role(
                        "ra3",
                        "USER_ADMIN",
                        "Group Administrator",
                        "GROUP",
                        "/api/v1/groups/00g1"
                    )],
                    json!({})
                ),
            ]),
        ),
        (
            "resource_sets",
            json!([{
                "resource_set": {"id": "iam1", "label": "Contractors", "description": "contractor users"},
                "resources": [resource("ire1", "00g9")],
                "bindings": [{"role_id": "cr1", "binding": {"id": "cr1"},
                              "members": [member("irb1", 40000, "/api/v1/users/00u2")]}],
            }]),
        ),
        (
            "service_apps",
            service_app(
                "client_secret_basic",
                vec![
                    grant("oag1", "okta.users.read"),
                    grant("oag2", "okta.logs.read"),
                ],
                vec![secret("ocs1", "ACTIVE"), secret("ocs2", "ACTIVE")],
                vec![],
            ),
        ),
    ]
}

/// This quarter: a token added (named like an XSS payload), one with a pipe, one removed, one
/// opened to anywhere; ORG_ADMIN granted through a new group and revoked from bob; the unscoped
/// USER_ADMIN of Helpdesk Admins scoped to a group; the service app moved to private_key_jwt.
fn new_collections() -> Vec<(&'static str, Value)> {
    let mut c = old_collections();
    let set = |c: &mut Vec<(&'static str, Value)>, name: &str, v: Value| {
        c.iter_mut().find(|(n, _)| *n == name).unwrap().1 = v;
    };
    set(
        &mut c,
        "users",
        json!([
            user("00u1", "svc-integration@acme.com"),
            user("00u2", "alice@acme.com"),
            user("00u3", "bob@acme.com"),
            user("00u4", "carol@acme.com")
        ]),
    );
    set(
        &mut c,
        "api_tokens",
        json!([
            // expiresAt and lastUpdated slid with use: not a change.
            token(
                "00T1",
                "ci-deployer",
                "00u1",
                Some("nzoHQ"),
                "2026-07-29T00:00:00.000Z"
            ),
            token(
                "00T3",
                "splunk-reader",
                "00u1",
                None,
                "2026-07-20T00:00:00.000Z"
            ),
            token(
                "00T4",
                XSS,
                "00u1",
                Some("nzoHQ"),
                "2026-07-28T00:00:00.000Z"
            ),
            token(
                "00T5",
                "billing|export-job",
                "00u1",
                Some("nzoHQ"),
                "2026-07-28T00:00:00.000Z"
            ),
        ]),
    );
    set(
        &mut c,
        "groups",
        json!([
            {"group": group("00g1", "Helpdesk Admins"), "members": ["00u2"]},
            {"group": group("00g2", "IT Admins"), "members": ["00u4"]},
        ]),
    );
    set(
        &mut c,
        "role_assignments",
        json!([
            principal(
                "USER",
                "00u2",
                vec![role(
                    "ra1",
                    "SUPER_ADMIN",
                    "Super Administrator",
                    "USER",
                    "/api/v1/users/00u2"
                )],
                json!({})
            ),
            principal(
                "GROUP",
                "00g1",
                vec![role(
                    "ra3",
                    "USER_ADMIN",
                    "Group Administrator",
                    "GROUP",
                    "/api/v1/groups/00g1"
                )],
                json!({"ra3": {"groups": [group("00g9", "Contractors")], "apps": []}})
            ),
            principal(
                "GROUP",
                "00g2",
                vec![role(
                    "ra4",
                    "ORG_ADMIN",
                    "Organizational Administrator",
                    "GROUP",
                    "/api/v1/groups/00g2"
                )],
                json!({})
            ),
            // carol's own list carries the inherited row: it is the group's grant, not a direct one.
            principal(
                "USER",
                "00u4",
                vec![role(
                    "ra4",
                    "ORG_ADMIN",
                    "Organizational Administrator",
                    "GROUP",
                    "/api/v1/groups/00g2"
                )],
                json!({})
            ),
        ]),
    );
    set(
        &mut c,
        "resource_sets",
        json!([{
            "resource_set": {"id": "iam1", "label": "Contractors", "description": "contractor users"},
            "resources": [resource("ire1", "00g9"), resource("ire2", "00g10")],
            // Same member through another mock port: compared by path, not by URL.
            "bindings": [{"role_id": "cr1", "binding": {"id": "cr1"},
                          "members": [member("irb1", 41234, "/api/v1/users/00u2"),
                                      member("irb2", 41234, "/api/v1/groups/00g1")]}],
        }]),
    );
    set(
        &mut c,
        "service_apps",
        service_app(
            "private_key_jwt",
            vec![
                grant("oag1", "okta.users.read"),
                grant("oag3", "okta.users.manage"),
            ],
            vec![secret("ocs1", "INACTIVE")],
            vec![
                json!({"id": "pks1", "kid": "k-2026", "status": "ACTIVE", "kty": "RSA",
                    "created": "2026-05-01T00:00:00.000Z"}),
            ],
        ),
    );
    c.push(("custom_roles", json!([{
        "role": {"id": "cr1", "label": "Contractor manager", "description": "",
                 "created": "2026-05-01T00:00:00.000Z", "lastUpdated": "2026-05-01T00:00:00.000Z"},
        "permissions": [{"label": "okta.users.read", "created": "2026-05-01T00:00:00.000Z",
                         "lastUpdated": "2026-05-01T00:00:00.000Z"}],
    }])));
    c
}

fn write(
    dir: &Path,
    at: &str,
    collections: &[(&str, Value)],
    status: &[(&str, CollectionStatus)],
) -> PathBuf {
    let at = chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc();
    let mut w = SnapshotWriter::create(dir, "https://acme.okta.com", "api_token", at).unwrap();
    for (name, data) in collections {
        let st = status
            .iter()
            .find(|(n, _)| n == name)
            .map_or(CollectionStatus::Complete, |(_, s)| *s);
        let err = (st != CollectionStatus::Complete).then(|| "page 2 failed: HTTP 500".to_string());
        w.write_json(name, data, st, err, CollectionStats::default())
            .unwrap();
    }
    w.finish().unwrap()
}

/// The two quarters under `root`.
fn quarters(root: &Path) -> (PathBuf, PathBuf) {
    (
        write(&root.join("old"), OLD_AT, &old_collections(), &[]),
        write(&root.join("new"), NEW_AT, &new_collections(), &[]),
    )
}

/// A pack of two rules, so the expected findings do not move when rules are added to the pack.
fn pinned_pack() -> RulePack {
    let mut pack = RulePack::builtin().unwrap();
    pack.rules
        .retain(|r| r.id == "token-unrestricted-network" || r.id == "admin-role-unscoped");
    assert_eq!(pack.rules.len(), 2);
    pack
}

fn json_of(report: &DiffReport) -> Value {
    serde_json::from_str(&diff::render(report, DiffFormat::Json).unwrap()).unwrap()
}

fn changes(j: &Value) -> Vec<(String, String, String)> {
    j["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap().to_string();
            (s("kind"), s("change"), s("id"))
        })
        .collect()
}

fn change<'a>(j: &'a Value, id: &str) -> &'a Value {
    j["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

#[test]
fn every_kind_of_change_between_two_quarters_appears_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = quarters(tmp.path());
    let j = json_of(&diff::diff_dirs(&old, &new, &pinned_pack(), None).unwrap());
    assert_eq!(j["schema_version"], "1.0");
    let t = |k: &str, c: &str, id: &str| (k.to_string(), c.to_string(), id.to_string());
    assert_eq!(
        changes(&j),
        vec![
            t("api_token", "removed", "00T2"),
            t("api_token", "changed", "00T3"),
            t("api_token", "added", "00T4"),
            t("api_token", "added", "00T5"),
            t("admin_assignment", "changed", "GROUP:00g1:USER_ADMIN"),
            t("admin_assignment", "added", "GROUP:00g2:ORG_ADMIN"),
            t("admin_assignment", "removed", "USER:00u3:ORG_ADMIN"),
            t("admin_group_member", "added", "00g2:00u4"),
            t("resource_set", "changed", "iam1"),
            t("service_app", "changed", "0oa1"),
        ]
    );
    assert_eq!(
        change(&j, "00T3")["details"],
        json!([
            {"field": "network.connection", "old": "ZONE", "new": "ANYWHERE"},
            {"field": "network.include", "removed": ["HQ egress (nzoHQ)"]},
        ])
    );
    let added = change(&j, "00T4");
    assert_eq!(added["name"], XSS);
    assert_eq!(
        added["attributes"]["owner"],
        "svc-integration@acme.com (00u1)"
    );
    assert_eq!(added["attributes"]["network"], "ZONE: HQ egress (nzoHQ)");
    assert_eq!(
        change(&j, "00T2")["attributes"]["owner"],
        "alice@acme.com (00u2)"
    );
    assert_eq!(
        change(&j, "GROUP:00g1:USER_ADMIN")["details"],
        json!([{"field": "targets.groups", "added": ["Contractors (00g9)"]}])
    );
    let granted = change(&j, "GROUP:00g2:ORG_ADMIN");
    assert_eq!(
        granted["name"],
        "group IT Admins (00g2) — Organizational Administrator"
    );
    assert_eq!(granted["attributes"]["targets"], "none (org-wide)");
    assert_eq!(
        change(&j, "USER:00u3:ORG_ADMIN")["name"],
        "bob@acme.com (00u3) — Organizational Administrator"
    );
    assert_eq!(
        change(&j, "00g2:00u4")["name"],
        "carol@acme.com (00u4) in group IT Admins (00g2)"
    );
    assert_eq!(
        change(&j, "iam1")["details"],
        json!([
            {"field": "binding cr1 members", "added": ["group Helpdesk Admins (00g1)"]},
            {"field": "resources", "added": ["orn:okta:directory:00o1:groups:00g10"]},
        ])
    );
    assert_eq!(
        change(&j, "0oa1")["details"],
        json!([
            {"field": "auth_method", "old": "client_secret_basic", "new": "private_key_jwt"},
            {"field": "keys", "added": ["pks1 (kid k-2026)"]},
            {"field": "scopes", "added": ["okta.users.manage"], "removed": ["okta.logs.read"]},
            {"field": "secret ocs1 status", "old": "ACTIVE", "new": "INACTIVE"},
            {"field": "secrets", "removed": ["ocs2 (created 2025-06-01T00:00:00.000Z)"]},
        ])
    );
    let s = &j["summary"];
    assert_eq!(
        (
            s["added"].as_u64(),
            s["removed"].as_u64(),
            s["changed"].as_u64()
        ),
        (Some(4), Some(2), Some(4))
    );
}

#[test]
fn collection_present_on_one_side_only_is_not_comparable() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = quarters(tmp.path());
    let j = json_of(&diff::diff_dirs(&old, &new, &pinned_pack(), None).unwrap());
    assert_eq!(
        j["not_comparable"],
        json!([{"kind": "custom_role", "collection": "custom_roles",
                "reason": "not comparable: custom_roles missing in OLD"}])
    );
    assert!(changes(&j).iter().all(|(k, _, _)| k != "custom_role"));
}

#[test]
fn findings_are_opened_and_resolved_by_fingerprint() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = quarters(tmp.path());
    let j = json_of(&diff::diff_dirs(&old, &new, &pinned_pack(), None).unwrap());
    let got: Vec<(String, String, String)> = j["findings"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("change"), s("rule_id"), s("entity_id"))
        })
        .collect();
    let t = |c: &str, r: &str, e: &str| (c.to_string(), r.to_string(), e.to_string());
    assert_eq!(
        got,
        vec![
            t("opened", "token-unrestricted-network", "00T3"),
            // fixed: the role got a group target
            t("resolved", "admin-role-unscoped", "00g1"),
            // gone: the token was revoked
            t("resolved", "token-unrestricted-network", "00T2"),
        ]
    );
    assert_eq!(j["findings"]["rules_not_compared"], json!([]));
    assert_eq!(j["old"]["as_of"], OLD_AT);
    assert_eq!(j["new"]["as_of"], NEW_AT);
    let fp = &j["findings"]["changes"][0]["fingerprint"];
    assert_eq!(
        fp,
        &json!(tokenwarden::findings::fingerprint(
            "token-unrestricted-network",
            "00T3"
        ))
    );
}

#[test]
fn a_collection_missing_or_partial_in_new_removes_nothing_and_resolves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let old = write(&tmp.path().join("old"), OLD_AT, &old_collections(), &[]);
    let mut newc = new_collections();
    newc.retain(|(n, _)| *n != "api_tokens");
    let new = write(
        &tmp.path().join("new"),
        NEW_AT,
        &newc,
        &[("role_assignments", CollectionStatus::Partial)],
    );
    let j = json_of(&diff::diff_dirs(&old, &new, &pinned_pack(), None).unwrap());
    let reasons: Vec<&str> = j["not_comparable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        vec![
            "not comparable: api_tokens missing in NEW",
            "not comparable: role_assignments partial in NEW (page 2 failed: HTTP 500)",
            "not comparable: custom_roles missing in OLD",
        ]
    );
    let kinds: Vec<String> = changes(&j).into_iter().map(|(k, _, _)| k).collect();
    assert!(
        !kinds
            .iter()
            .any(|k| k == "api_token" || k == "admin_assignment"),
        "{kinds:?}"
    );
    assert_eq!(
        j["findings"]["changes"],
        json!([]),
        "no finding may be resolved by missing data"
    );
    let not_compared: Vec<&str> = j["findings"]["rules_not_compared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        not_compared,
        vec!["admin-role-unscoped", "token-unrestricted-network"]
    );
    assert_eq!(j["findings"]["rules_not_compared"][1]["old"], "fail");
    assert_eq!(
        j["findings"]["rules_not_compared"][1]["new"],
        "not_evaluated"
    );
}

fn args(old: &Path, new: &Path, format: DiffFormat) -> DiffArgs {
    DiffArgs {
        old: old.to_path_buf(),
        new: new.to_path_buf(),
        format,
        output: None,
        rules: None,
        as_of: None,
    }
}

#[test]
fn html_escapes_every_value_and_is_self_contained() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = quarters(tmp.path());
    let html = diff::run(&args(&old, &new, DiffFormat::Html)).unwrap();
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(!html.contains("<img"), "unescaped payload in HTML");
    assert!(!html.contains("<script"), "the diff page needs no script");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no network"
    );
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.starts_with("<!DOCTYPE html>"));
}

#[test]
fn markdown_escapes_pipes_and_markup() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = quarters(tmp.path());
    let md = diff::run(&args(&old, &new, DiffFormat::Markdown)).unwrap();
    assert!(md.contains("billing\\|export-job"), "{md}");
    assert!(!md.contains("billing|export"), "{md}");
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;"), "{md}");
}

#[test]
fn same_inputs_give_byte_identical_output_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = quarters(&tmp.path().join("a"));
    // The same evidence written again elsewhere: the output names no local path.
    let (old2, new2) = quarters(&tmp.path().join("b"));
    for format in [
        DiffFormat::Table,
        DiffFormat::Json,
        DiffFormat::Markdown,
        DiffFormat::Html,
    ] {
        let a = diff::run(&args(&old, &new, format)).unwrap();
        let b = diff::run(&args(&old, &new, format)).unwrap();
        let c = diff::run(&args(&old2, &new2, format)).unwrap();
        assert_eq!(a, b, "{format:?} is not deterministic");
        assert_eq!(a, c, "{format:?} depends on where the snapshots are");
    }
}

#[test]
fn table_lists_changes_and_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = quarters(tmp.path());
    let out = diff::run(&args(&old, &new, DiffFormat::Table)).unwrap();
    for needle in [
        "legacy-sync",
        "removed",
        "network.connection",
        "ZONE → ANYWHERE",
        "custom_roles missing in OLD",
        "token-unrestricted-network",
        "opened",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn unreadable_snapshot_is_an_error_naming_the_path_and_maps_to_exit_4() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, _) = quarters(tmp.path());
    let missing = tmp.path().join("no-such-snapshot");
    let err = diff::run(&args(&old, &missing, DiffFormat::Json)).unwrap_err();
    assert!(err.to_string().contains("NEW"), "{err}");
    assert!(err.to_string().contains("no-such-snapshot"), "{err}");
    assert_eq!(err.exit_status().code(), 4);
}

#[test]
fn as_of_pins_both_sides() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = quarters(tmp.path());
    let at = diff::parse_as_of("2026-07-01").unwrap();
    let j = json_of(&diff::diff_dirs(&old, &new, &pinned_pack(), Some(at)).unwrap());
    assert_eq!(j["old"]["as_of"], "2026-07-01T00:00:00Z");
    assert_eq!(j["new"]["as_of"], "2026-07-01T00:00:00Z");
}
