//! The second slice's tables built from small hand-written snapshots: custom roles and resource
//! sets, service apps, the System Log (window, per-token and per-admin activity), factors and the
//! caller — derived columns, enrichment, nulls and completeness.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use polars::prelude::{AnyValue, DataFrame};
use serde_json::{Value, json};
use tokenwarden::model::{self, Tables};
use tokenwarden::snapshot::{CollectionStats, CollectionStatus, Snapshot, SnapshotWriter};

fn as_of() -> DateTime<Utc> {
    model::time::parse_ts(Some("2026-06-30T12:00:00Z")).unwrap()
}

/// A snapshot of `collections` (all complete); `system_log` is written as JSON Lines with the
/// window `since`/`until` in its meta when given.
fn build(collections: &[(&str, Value)], window: Option<(&str, &str)>) -> Tables {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("snap");
    let mut w =
        SnapshotWriter::create(&path, "https://acme.okta.com", "api_token", as_of()).unwrap();
    for (name, data) in collections {
        let (status, stats) = (CollectionStatus::Complete, CollectionStats::default());
        if *name == "system_log" {
            let lines = data.as_array().cloned().unwrap_or_default();
            w.write_jsonl(name, &lines, status, None, stats).unwrap();
            if let Some((since, until)) = window {
                w.set_meta(name, "since", since);
                w.set_meta(name, "until", until);
            }
        } else {
            w.write_json(name, data, status, None, stats).unwrap();
        }
    }
    w.finish().unwrap();
    let snapshot = Snapshot::open(&path).unwrap();
    model::build(&snapshot, as_of()).unwrap()
}

fn text(v: AnyValue<'_>) -> String {
    match v {
        AnyValue::Null => "null".into(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        v => v.to_string(),
    }
}

/// The value of `col` in the row whose `key` column equals `id`.
fn at(df: &DataFrame, key: &str, id: &str, col: &str) -> String {
    let keys = df.column(key).unwrap();
    let row = (0..df.height())
        .find(|&i| text(keys.get(i).unwrap()) == id)
        .unwrap_or_else(|| panic!("no row with {key} = {id}"));
    text(df.column(col).unwrap().get(row).unwrap())
}

fn column(df: &DataFrame, col: &str) -> Vec<String> {
    let c = df.column(col).unwrap();
    (0..df.height()).map(|i| text(c.get(i).unwrap())).collect()
}

fn iam_collections() -> Vec<(&'static str, Value)> {
    vec![
        (
            "users",
            json!([{"id": "00uDAVE", "status": "ACTIVE", "profile": {"login": "dave@acme.com"}}]),
        ),
        (
            "groups",
            json!([{"group": {"id": "00gHELP", "profile": {"name": "Help Desk"}}, "members": []}]),
        ),
        (
            "custom_roles",
            json!([
                {"role": {"id": "cr0HIGH", "label": "UserManager", "description": "Service desk"},
                 "permissions": [
                    {"label": "okta.users.manage", "conditions": {"exclude": {"x": ["manager"]}}},
                    "okta.users.credentials.resetPassword", "okta.groups.create", "okta.users.read"]},
                {"role": {"id": "cr0READ", "label": "Auditor", "description": "  "},
                 "permissions": ["okta.users.read", "okta.iam.read"]},
                {"role": {"id": "cr0LONE", "label": "Unbound"}, "permissions": []}
            ]),
        ),
        (
            "resource_sets",
            json!([
                {"resource_set": {"id": "iamALL", "label": "Everything"},
                 "resources": [
                    {"id": "ire1", "orn": "orn:okta:directory:00o1:users",
                     "_links": {"self": {"href": "https://acme.okta.com/api/v1/users"}}},
                    {"id": "ire2", "orn": "weird", "_links": {"self": {"href": "https://acme.okta.com/api/v1/apps"}}}],
                 "bindings": [
                    {"role_id": "cr0HIGH", "binding": {"id": "cr0HIGH"},
                     "members": [
                        {"id": "irb1", "_links": {"self": {"href": "https://acme.okta.com/api/v1/users/00uDAVE"}}},
                        {"id": "irb2", "_links": {"self": {"href": "https://acme.okta.com/api/v1/groups/00gHELP"}}},
                        {"id": "irb3", "_links": {"self": {"href": "https://acme.okta.com/oauth2/v1/clients/0oaCLI"}}}]},
                    {"binding": {"id": "cr0READ"}, "members": []}]},
                {"resource_set": {"id": "iamENG", "label": "Engineering", "description": "Eng"},
                 "resources": [
                    "/api/v1/groups/00gENG",
                    "orn:okta:directory:00o1:groups:00gENG:contained_resources",
                    "/api/v1/apps?filter=name+eq+%22salesforce%22"],
                 "bindings": [{"role_id": "cr0READ", "members": [{"id": "irb4", "principal": "/api/v1/users/00uNOBODY"}]}]}
            ]),
        ),
        (
            "service_apps",
            json!([{"app": {"id": "0oaCLI", "label": "reporter", "credentials": {"oauthClient": {"client_id": "0oaCLI"}}}}]),
        ),
    ]
}

#[test]
fn custom_roles_count_risk_classes_and_bindings_and_resources_parse_both_spellings() {
    let t = build(&iam_collections(), None);
    let roles = t.get("custom_roles").unwrap();
    assert_eq!(at(roles, "id", "cr0HIGH", "permission_count"), "4");
    assert_eq!(
        at(roles, "id", "cr0HIGH", "high_risk_permission_count"),
        "2"
    );
    assert_eq!(
        at(roles, "id", "cr0HIGH", "medium_risk_permission_count"),
        "1"
    );
    assert_eq!(at(roles, "id", "cr0HIGH", "write_permission_count"), "3");
    assert_eq!(
        at(roles, "id", "cr0HIGH", "high_risk_permissions"),
        "okta.users.credentials.resetPassword, okta.users.manage"
    );
    assert_eq!(at(roles, "id", "cr0HIGH", "binding_count"), "1");
    assert_eq!(at(roles, "id", "cr0HIGH", "org_wide_binding_count"), "1");
    assert_eq!(at(roles, "id", "cr0HIGH", "member_count"), "3");
    assert_eq!(at(roles, "id", "cr0READ", "binding_count"), "2");
    assert_eq!(at(roles, "id", "cr0READ", "has_description"), "false");
    assert_eq!(at(roles, "id", "cr0LONE", "binding_count"), "0");
    assert_eq!(at(roles, "id", "cr0LONE", "description"), "null");

    let perms = t.get("custom_role_permissions").unwrap();
    assert_eq!(
        column(perms, "risk_class"),
        ["high", "high", "medium", "read", "read", "read"]
    );
    assert_eq!(column(perms, "has_conditions")[0], "true");

    let sets = t.get("resource_sets").unwrap();
    assert_eq!(at(sets, "id", "iamALL", "all_users"), "true");
    assert_eq!(at(sets, "id", "iamALL", "all_apps"), "true");
    assert_eq!(at(sets, "id", "iamALL", "all_groups"), "false");
    assert_eq!(at(sets, "id", "iamALL", "org_wide"), "true");
    assert_eq!(at(sets, "id", "iamENG", "org_wide"), "false");
    assert_eq!(at(sets, "id", "iamENG", "binding_count"), "1");

    let res = t.get("resource_set_resources").unwrap();
    assert_eq!(
        column(res, "kind"),
        [
            "all_users",
            "all_apps",
            "group",
            "group_members",
            "app_type"
        ]
    );
    assert_eq!(column(res, "target_id")[4], "salesforce");

    let bindings = t.get("resource_set_bindings").unwrap();
    assert_eq!(
        column(bindings, "role_id"),
        ["cr0HIGH", "cr0READ", "cr0READ"]
    );
    assert_eq!(column(bindings, "role_label")[0], "UserManager");
    assert_eq!(column(bindings, "org_wide"), ["true", "true", "false"]);

    let members = t.get("binding_members").unwrap();
    assert_eq!(
        column(members, "principal_type"),
        ["USER", "GROUP", "CLIENT", "USER"]
    );
    assert_eq!(
        column(members, "principal_name"),
        ["dave@acme.com", "Help Desk", "reporter", "null"]
    );
    for table in ["custom_roles", "resource_sets", "binding_members"] {
        assert!(t.status(table).is_complete(), "{table}");
    }
}

#[test]
fn binding_columns_are_null_and_tables_incomplete_when_resource_sets_are_missing() {
    let mut c = iam_collections();
    c.retain(|(n, _)| *n != "resource_sets");
    let t = build(&c, None);
    let roles = t.get("custom_roles").unwrap();
    assert_eq!(at(roles, "id", "cr0HIGH", "binding_count"), "null");
    assert!(t.status("custom_roles").is_complete());
    assert!(!t.status("resource_set_bindings").is_complete());
    assert!(!t.status("log_events").is_complete());
    assert_eq!(t.get("resource_sets").unwrap().height(), 0);
}

#[test]
fn service_apps_accept_every_jwks_shape_and_derive_credentials_scopes_and_roles() {
    let key = |id: &str, created: &str, status: Option<&str>| {
        let mut k = json!({"id": id, "kid": format!("kid-{id}"), "kty": "RSA", "created": created});
        if let Some(s) = status {
            k["status"] = json!(s);
        }
        k
    };
    let apps = json!([
        {"app": {"id": "0oaA", "label": "bare", "status": "ACTIVE",
                 "credentials": {"oauthClient": {"client_id": "cidA", "token_endpoint_auth_method": "private_key_jwt"}},
                 "settings": {"oauthClient": {"application_type": "service", "grant_types": ["client_credentials"],
                                              "dpop_bound_access_tokens": true}}},
         "jwks": [key("k1", "2026-01-01T12:00:00.000Z", Some("ACTIVE")), key("k2", "2026-05-31T12:00:00.000Z", None),
                  key("k3", "2025-01-01T12:00:00.000Z", Some("INACTIVE"))],
         "grants": [{"id": "oag1", "scopeId": "okta.users.manage", "status": "ACTIVE"},
                    {"id": "oag2", "scopeId": "okta.apps.manage", "status": "REVOKED"},
                    "okta.logs.read"],
         "roles": [{"id": "ra1", "type": "READ_ONLY_ADMIN", "status": "ACTIVE"}]},
        {"app": {"id": "0oaB", "label": "keys-object", "settings": {"oauthClient": {}}},
         "jwks": {"keys": [key("k4", "2026-06-20T12:00:00.000Z", None)]},
         "secrets": [{"id": "ocs1", "status": "ACTIVE", "created": "2026-03-02T12:00:00.000Z"},
                     {"id": "ocs2", "status": "ACTIVE", "created": "2026-04-01T12:00:00.000Z"}],
         "roles": [{"id": "ra2", "type": "CUSTOM", "role": "cr0RO", "status": "ACTIVE"},
                   {"id": "ra3", "type": "SUPER_ADMIN", "status": "INACTIVE"}]},
        {"app": {"id": "0oaC", "label": "nested",
                 "settings": {"oauthClient": {"jwks": {"keys": [key("k9", "2026-06-01T12:00:00.000Z", None)]}}}},
         "jwks": {"jwks": {"keys": [key("k5", "2026-06-01T12:00:00.000Z", None)]}},
         "roles": [{"id": "ra4", "type": "CUSTOM", "role": "cr0UNKNOWN"}]},
        {"app": {"id": "0oaD", "label": "settings-only",
                 "settings": {"oauthClient": {"jwks": {"keys": [key("k6", "2026-06-01T12:00:00.000Z", None)]}}}}}
    ]);
    let roles =
        json!([{"role": {"id": "cr0RO", "label": "ro"}, "permissions": ["okta.users.read"]}]);
    let t = build(&[("service_apps", apps), ("custom_roles", roles)], None);
    let a = t.get("service_apps").unwrap();
    assert_eq!(at(a, "id", "0oaA", "client_id"), "cidA");
    assert_eq!(at(a, "id", "0oaA", "active_key_count"), "2");
    assert_eq!(at(a, "id", "0oaA", "oldest_active_credential_days"), "180");
    assert_eq!(at(a, "id", "0oaA", "active_overlap_days"), "30");
    assert_eq!(
        at(a, "id", "0oaA", "scopes"),
        "okta.logs.read, okta.users.manage"
    );
    assert_eq!(at(a, "id", "0oaA", "manage_scope_count"), "1");
    assert_eq!(at(a, "id", "0oaA", "grant_types"), "client_credentials");
    assert_eq!(at(a, "id", "0oaA", "privileged"), "true");
    assert_eq!(at(a, "id", "0oaA", "highest_role"), "READ_ONLY_ADMIN");
    assert_eq!(at(a, "id", "0oaB", "auth_method"), "client_secret_basic");
    assert_eq!(at(a, "id", "0oaB", "dpop_required"), "false");
    assert_eq!(at(a, "id", "0oaB", "active_secret_count"), "2");
    assert_eq!(at(a, "id", "0oaB", "active_key_count"), "1");
    assert_eq!(at(a, "id", "0oaB", "active_overlap_days"), "90");
    assert_eq!(at(a, "id", "0oaB", "client_id"), "0oaB");
    // A read-only custom role and an INACTIVE Super Admin: not privileged.
    assert_eq!(at(a, "id", "0oaB", "role_count"), "1");
    assert_eq!(at(a, "id", "0oaB", "is_super_admin"), "false");
    assert_eq!(at(a, "id", "0oaB", "privileged"), "false");
    // The entry's own jwks wins over the app's settings; an unknown custom role writes.
    assert_eq!(at(a, "id", "0oaC", "active_key_count"), "1");
    assert_eq!(at(a, "id", "0oaC", "privileged"), "true");
    assert_eq!(at(a, "id", "0oaD", "active_key_count"), "1");
    assert_eq!(at(a, "id", "0oaD", "active_overlap_days"), "null");

    let creds = t.get("service_app_credentials").unwrap();
    assert_eq!(at(creds, "id", "k2", "status"), "ACTIVE");
    assert_eq!(at(creds, "id", "k2", "age_days"), "30");
    assert_eq!(at(creds, "id", "ocs1", "kind"), "secret");
    assert_eq!(at(creds, "id", "ocs1", "kid"), "null");
    let scopes = t.get("service_app_scopes").unwrap();
    assert_eq!(column(scopes, "status"), ["ACTIVE", "REVOKED", "ACTIVE"]);
    let r = t.get("service_app_roles").unwrap();
    assert_eq!(at(r, "assignment_id", "ra2", "custom_role_id"), "cr0RO");
}

fn event(uuid: &str, published: &str, event_type: &str, extra: Value) -> Value {
    let mut e = json!({"uuid": uuid, "published": published, "eventType": event_type,
                       "outcome": {"result": "SUCCESS", "reason": null}});
    if let (Some(e), Value::Object(x)) = (e.as_object_mut(), extra) {
        e.extend(x);
    }
    e
}

fn user_actor(id: &str) -> Value {
    json!({"id": id, "type": "User", "alternateId": format!("{id}@acme.com")})
}

#[test]
fn log_window_keeps_events_between_since_and_until_and_never_after_as_of() {
    let log = json!([
        event("e0", "2026-03-31T11:59:59.000Z", "zone.update", json!({})),
        event("e1", "2026-04-01T12:00:00.000Z", "zone.update", json!({})),
        event("e2", "2026-06-30T11:59:59.000Z", "zone.update", json!({})),
        event("e3", "2026-06-30T12:00:00.000Z", "zone.update", json!({})),
        event("e4", "not a date", "zone.update", json!({}))
    ]);
    let t = build(
        &[("system_log", log.clone())],
        Some(("2026-04-01T12:00:00Z", "2026-06-30T12:00:00Z")),
    );
    assert_eq!(
        column(t.get("log_events").unwrap(), "uuid"),
        ["e1", "e2", "e4"]
    );
    let w = t.get("log_window").unwrap();
    assert_eq!(column(w, "window_days"), ["90"]);
    assert_eq!(column(w, "event_count"), ["3"]);
    assert_eq!(column(t.get("log_events").unwrap(), "days_ago")[0], "90");
    assert!(t.status("log_events").is_complete());

    // Without a recorded window only as_of bounds the events.
    let t = build(&[("system_log", log)], None);
    assert_eq!(
        column(t.get("log_events").unwrap(), "uuid"),
        ["e0", "e1", "e2", "e3", "e4"]
    );
    assert_eq!(column(t.get("log_window").unwrap(), "since"), ["null"]);
}

#[test]
fn token_and_admin_activity_aggregate_the_log() {
    let by_token = |uuid: &str, at: &str, ip: &str, token: &str| {
        event(
            uuid,
            at,
            "user.lifecycle.create",
            json!({
            "actor": user_actor("00uOWNER"), "client": {"ipAddress": ip},
            "transaction": {"type": "WEB", "id": "tx", "detail": {"requestApiTokenId": token}}}),
        )
    };
    let log = json!([
        by_token("t1", "2026-06-01T00:00:00.000Z", "10.0.0.1", "00TA"),
        by_token("t2", "2026-06-02T00:00:00.000Z", "10.0.0.2", "00TA"),
        by_token("t3", "2026-06-03T00:00:00.000Z", "10.0.0.1", "00TA"),
        by_token("t4", "2026-06-29T12:00:00.000Z", "10.0.0.9", "00TB"),
        event(
            "o1",
            "2026-06-10T00:00:00.000Z",
            "system.api_token.request_outside_allowed_range",
            json!({
            "actor": user_actor("00uOWNER"), "client": {"ipAddress": "45.0.0.1"},
            "target": [{"id": "00TB", "type": "Token", "displayName": "bee"}]})
        ),
        event(
            "c1",
            "2026-06-05T00:00:00.000Z",
            "system.api_token.create",
            json!({
            "actor": user_actor("00uADMIN"),
            "debugContext": {"debugData": {"networkConnection": "ANYWHERE", "threatSuspected": false}},
            "target": [{"id": "00TC", "type": "Token", "displayName": "created-one"}]})
        ),
        event(
            "a1",
            "2026-05-01T12:00:00.000Z",
            "user.session.access_admin_app",
            json!({"actor": user_actor("00uADMIN")})
        ),
        event(
            "a2",
            "2026-06-20T12:00:00.000Z",
            "user.session.access_admin_app",
            json!({"actor": user_actor("00uADMIN")})
        ),
        event(
            "g1",
            "2026-06-21T12:00:00.000Z",
            "app.oauth2.token.grant.access_token",
            json!({
            "actor": {"id": "cidA", "type": "PublicClientApp"},
            "debugContext": {"debugData": {"grantType": "client_credentials", "grantedScopes": ["okta.users.read", "okta.logs.read"]}}})
        ),
        event(
            "s1",
            "2026-06-22T12:00:00.000Z",
            "app.oauth2.client.read_client_secret",
            json!({
            "actor": user_actor("00uADMIN"),
            "target": [{"id": "0oaA", "type": "AppInstance"}, {"id": "cr0X", "type": "Mystery"}]})
        )
    ]);
    let tokens = json!([{"id": "00TA", "name": "alpha", "userId": "00uOWNER"}]);
    let users =
        json!([{"id": "00uOWNER", "status": "ACTIVE", "profile": {"login": "owner@acme.com"}}]);
    let apps = json!([{"app": {"id": "0oaA", "label": "a", "credentials": {"oauthClient": {"client_id": "cidA"}}}}]);
    let t = build(
        &[
            ("system_log", log),
            ("api_tokens", tokens),
            ("users", users),
            ("service_apps", apps),
        ],
        Some(("2026-04-01T12:00:00Z", "2026-06-30T12:00:00Z")),
    );
    let ta = t.get("token_activity").unwrap();
    assert_eq!(column(ta, "token_id"), ["00TA", "00TB"]);
    assert_eq!(at(ta, "token_id", "00TA", "events"), "3");
    assert_eq!(at(ta, "token_id", "00TA", "source_ips"), "2");
    assert_eq!(
        at(ta, "token_id", "00TA", "ip_addresses"),
        "10.0.0.1, 10.0.0.2"
    );
    assert_eq!(at(ta, "token_id", "00TA", "token_name"), "alpha");
    assert_eq!(at(ta, "token_id", "00TA", "owner_login"), "owner@acme.com");
    assert_eq!(
        at(ta, "token_id", "00TA", "first_seen"),
        "2026-06-01T00:00:00.000Z"
    );
    assert_eq!(
        at(ta, "token_id", "00TA", "last_seen"),
        "2026-06-03T00:00:00.000Z"
    );
    assert_eq!(at(ta, "token_id", "00TA", "days_since_last_seen"), "27");
    assert_eq!(at(ta, "token_id", "00TA", "outside_range_events"), "0");
    // 00TB: not listed, named by the log; its out-of-range attempt is attributed through the target.
    assert_eq!(at(ta, "token_id", "00TB", "token_name"), "bee");
    assert_eq!(at(ta, "token_id", "00TB", "owner_login"), "owner@acme.com");
    assert_eq!(at(ta, "token_id", "00TB", "outside_range_events"), "1");
    assert_eq!(at(ta, "token_id", "00TB", "outside_range_ips"), "45.0.0.1");
    assert_eq!(at(ta, "token_id", "00TB", "source_ips"), "1");

    let aa = t.get("admin_activity").unwrap();
    assert_eq!(at(aa, "user_id", "00uADMIN", "admin_app_accesses"), "2");
    assert_eq!(
        at(aa, "user_id", "00uADMIN", "days_since_admin_app_access"),
        "10"
    );
    assert_eq!(at(aa, "user_id", "00uADMIN", "events"), "4");
    assert_eq!(at(aa, "user_id", "00uADMIN", "days_since_last_event"), "8");
    assert_eq!(at(aa, "user_id", "00uOWNER", "admin_app_accesses"), "0");

    let le = t.get("log_events").unwrap();
    assert_eq!(at(le, "uuid", "c1", "network_connection"), "ANYWHERE");
    assert_eq!(at(le, "uuid", "c1", "target_id"), "00TC");
    assert_eq!(at(le, "uuid", "g1", "client_id"), "cidA");
    assert_eq!(at(le, "uuid", "g1", "app_id"), "0oaA");
    assert_eq!(
        at(le, "uuid", "g1", "granted_scopes"),
        "okta.users.read okta.logs.read"
    );
    assert_eq!(at(le, "uuid", "s1", "app_id"), "0oaA");
    assert_eq!(at(le, "uuid", "s1", "target_count"), "2");
    assert_eq!(at(le, "uuid", "t1", "token_id"), "00TA");
    let targets = t.get("log_event_targets").unwrap();
    assert_eq!(
        at(targets, "target_id", "cr0X", "object_kind"),
        "custom_role"
    );
    assert_eq!(at(targets, "target_id", "0oaA", "object_kind"), "app");
    assert_eq!(at(targets, "target_id", "00TC", "object_kind"), "token");
}

#[test]
fn factors_count_only_active_phishing_resistant_ones_and_list_users_without_factors() {
    let factors = json!([
        {"user_id": "00uA", "factors": [
            {"id": "f1", "factorType": "webauthn", "provider": "FIDO", "status": "PENDING_ACTIVATION"},
            {"id": "f2", "factorType": "push", "provider": "OKTA", "status": "ACTIVE"},
            {"id": "f3", "factorType": "sms", "provider": "OKTA", "status": "ACTIVE"}]},
        {"user_id": "00uB", "factors": [
            {"id": "f4", "factorType": "signed_nonce", "provider": "OKTA", "status": "ACTIVE"}]},
        {"user_id": "00uC", "factors": []}
    ]);
    let t = build(&[("user_factors", factors)], None);
    let f = t.get("user_factors").unwrap();
    assert_eq!(
        column(f, "phishing_resistant"),
        ["true", "false", "false", "true"]
    );
    let m = t.get("user_mfa").unwrap();
    assert_eq!(at(m, "user_id", "00uA", "phishing_resistant_count"), "0");
    assert_eq!(at(m, "user_id", "00uA", "factor_types"), "push, sms");
    assert_eq!(at(m, "user_id", "00uB", "phishing_resistant_count"), "1");
    assert_eq!(at(m, "user_id", "00uC", "factor_count"), "0");
    assert_eq!(at(m, "user_id", "00uC", "factor_types"), "");
}

#[test]
fn caller_is_read_only_only_with_read_roles_and_no_manage_scopes() {
    let token_caller = json!({"auth_method": "api_token",
        "user": {"id": "00uS", "profile": {"login": "svc@acme.com"}},
        "roles": [{"id": "r1", "type": "READ_ONLY_ADMIN", "status": "ACTIVE"},
                  {"id": "r2", "type": "CUSTOM", "role": "cr0RO", "status": "ACTIVE"}]});
    let roles =
        json!([{"role": {"id": "cr0RO", "label": "ro"}, "permissions": ["okta.users.read"]}]);
    let t = build(
        &[("caller", token_caller), ("custom_roles", roles.clone())],
        None,
    );
    let c = t.get("caller").unwrap();
    assert_eq!(column(c, "principal_id"), ["00uS"]);
    assert_eq!(column(c, "principal_type"), ["USER"]);
    assert_eq!(column(c, "is_read_only"), ["true"]);
    assert_eq!(column(c, "highest_role"), ["CUSTOM"]);

    let super_caller = json!({"auth_method": "api_token", "user": {"id": "00uX"},
        "roles": [{"id": "r1", "type": "SUPER_ADMIN", "assignmentType": "GROUP"}]});
    let t = build(&[("caller", super_caller)], None);
    let c = t.get("caller").unwrap();
    assert_eq!(column(c, "is_super_admin"), ["true"]);
    assert_eq!(column(c, "is_read_only"), ["false"]);

    // An OAuth caller whose app (and grants) are in service_apps.
    let oauth_caller = json!({"auth_method": "oauth2", "client_id": "cidA", "scopes": ["okta.users.read"],
        "app": null, "grants": [],
        "roles": [{"id": "r1", "type": "READ_ONLY_ADMIN", "status": "ACTIVE"}]});
    let apps = json!([{"app": {"id": "0oaA", "label": "scanner", "credentials": {"oauthClient": {"client_id": "cidA"}}},
                       "grants": [{"scopeId": "okta.apps.manage", "status": "ACTIVE"}]}]);
    let t = build(&[("caller", oauth_caller), ("service_apps", apps)], None);
    let c = t.get("caller").unwrap();
    assert_eq!(column(c, "principal_id"), ["0oaA"]);
    assert_eq!(column(c, "principal_name"), ["scanner"]);
    assert_eq!(column(c, "manage_scopes"), ["okta.apps.manage"]);
    assert_eq!(column(c, "is_read_only"), ["false"]);

    // Not collected: no row, incomplete.
    let t = build(&[("custom_roles", roles)], None);
    assert_eq!(t.get("caller").unwrap().height(), 0);
    assert!(!t.status("caller").is_complete());
}
