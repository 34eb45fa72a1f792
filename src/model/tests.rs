//! Model tests over small hand-written snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::snapshot::{CollectionStats, SnapshotWriter};
use polars::prelude::{AnyValue, DataFrame};
use serde_json::json;

fn as_of() -> DateTime<Utc> {
    time::parse_ts(Some("2026-06-30T12:00:00Z")).unwrap()
}

/// Writes a snapshot with the given collections (all complete unless listed in `statuses`).
fn snapshot(
    dir: &std::path::Path,
    collections: &[(&str, Value)],
    statuses: &[(&str, CollectionStatus, &str)],
) -> Snapshot {
    let path = dir.join("snap");
    let mut w =
        SnapshotWriter::create(&path, "https://acme.okta.com", "api_token", as_of()).unwrap();
    for (name, data) in collections {
        let (status, error) = statuses
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, s, e)| (*s, Some(e.to_string())))
            .unwrap_or((CollectionStatus::Complete, None));
        w.write_json(name, data, status, error, CollectionStats::default())
            .unwrap();
    }
    w.finish().unwrap();
    Snapshot::open(&path).unwrap()
}

fn cell(df: &DataFrame, col: &str, row: usize) -> String {
    match df.column(col).unwrap().get(row).unwrap() {
        AnyValue::Null => "null".into(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        v => v.to_string(),
    }
}

fn demo_collections() -> Vec<(&'static str, Value)> {
    vec![
        ("org", json!({"id": "00oACME", "pipeline": "idx"})),
        (
            "user_types",
            json!([{"id": "otySVC", "name": "serviceAccount", "displayName": "Service", "default": false}]),
        ),
        (
            "users",
            json!([
                {"id": "00uALICE", "status": "ACTIVE", "lastLogin": "2026-06-20T12:00:00.000Z",
                 "type": {"id": "otySVC"},
                 "profile": {"login": "alice@acme.com", "email": "alice@acme.com"}},
                {"id": "00uBOB", "status": "SUSPENDED", "lastLogin": null,
                 "profile": {"login": "bob@acme.com", "userType": "human"}}
            ]),
        ),
        (
            "api_tokens",
            json!([
                {"id": "00T1", "name": "siem", "userId": "00uALICE", "clientName": "Okta API",
                 "tokenWindow": "P30D", "created": "2026-01-01T12:00:00.000Z",
                 "expiresAt": "2026-07-20T12:00:00.000Z",
                 "network": {"connection": "ZONE", "include": ["nzoA", "ALL_IP_ZONES"], "exclude": ["nzoB"]},
                 "_link": {"self": {"href": "x"}}},
                {"id": "00T2", "name": "legacy", "userId": "00uNOBODY",
                 "_links": {"user": {"href": "https://acme/api/v1/users/00uNOBODY"}}}
            ]),
        ),
        (
            "network_zones",
            json!([
                {"id": "nzoA", "name": "office", "type": "IP", "status": "ACTIVE", "usage": "POLICY",
                 "system": false,
                 "gateways": [{"type": "CIDR", "value": "10.0.0.0/24"}, {"type": "RANGE", "value": "10.0.1.0-10.0.1.9"},
                              {"type": "CIDR", "value": "bogus"}],
                 "proxies": null},
                {"id": "nzoALL", "name": "all", "type": "IP", "gateways": [{"type": "CIDR", "value": "0.0.0.0/0"},
                 {"type": "CIDR", "value": "::/0"}]},
                {"id": "nzoGEO", "name": "geo", "type": "DYNAMIC_V2", "usage": "BLOCKLIST",
                 "locations": {"include": [{"country": "US"}, {"country": "CA"}], "exclude": []},
                 "asns": {"include": ["123"]},
                 "ipServiceCategories": {"include": ["ALL_ANONYMIZERS"]}},
                {"id": "nzoDYN", "name": "old-geo", "type": "DYNAMIC", "asns": ["1", "2"], "locations": []}
            ]),
        ),
        (
            "groups",
            json!([
                {"group": {"id": "00gADMINS", "type": "OKTA_GROUP", "profile": {"name": "Admins"}},
                 "members": ["00uALICE", "00uBOB"]}
            ]),
        ),
        (
            "role_assignments",
            json!([
                {"principal_type": "GROUP", "principal_id": "00gADMINS",
                 "assignments": [{"id": "KNKVARKSL5AUITKJJY", "type": "SUPER_ADMIN", "label": "Super Administrator",
                                  "status": "ACTIVE", "assignmentType": "GROUP"}],
                 "targets": {}},
                {"principal_type": "USER", "principal_id": "00uALICE",
                 "assignments": [
                    {"id": "KNKVARKSL5AUITKJJY", "type": "SUPER_ADMIN", "status": "ACTIVE", "assignmentType": "GROUP",
                     "_links": {"assignee": {"href": "https://acme.okta.com/api/v1/groups/00gADMINS"}}},
                    {"id": "ra1", "type": "APP_ADMIN", "status": "ACTIVE", "assignmentType": "USER"},
                    {"id": "gra9", "type": "ORG_ADMIN", "status": "ACTIVE", "assignmentType": "GROUP",
                     "_links": {"assignee": {"href": "https://acme.okta.com/api/v1/groups/00gHIDDEN"}}}
                 ],
                 "targets": {"ra1": {"apps": [{"name": "salesforce", "displayName": "Salesforce"}], "groups": []}}}
            ]),
        ),
        // The second slice's collections (tables of their own in tests/model_second_slice.rs).
        ("custom_roles", json!([])),
        ("resource_sets", json!([])),
        ("service_apps", json!([])),
        ("system_log", json!([])),
        ("user_factors", json!([])),
        (
            "caller",
            json!({"auth_method": "api_token", "user": {"id": "00uALICE"}, "roles": []}),
        ),
    ]
}

#[test]
fn tables_match_the_catalogue_and_are_complete_when_every_source_is() {
    let tmp = tempfile::tempdir().unwrap();
    let t = build(&snapshot(tmp.path(), &demo_collections(), &[]), as_of()).unwrap();
    for def in catalogue() {
        let df = t.get(def.name).unwrap();
        assert_eq!(df.schema().as_ref(), &def.schema(), "{}", def.name);
        assert_eq!(t.status(def.name), &TableStatus::Complete, "{}", def.name);
    }
    assert!(!t.status("nope").is_complete());
    assert_eq!(t.as_of_rfc3339(), "2026-06-30T12:00:00Z");
    let org = t.get("org").unwrap();
    assert_eq!(cell(org, "org_id", 0), "00oACME");
    assert_eq!(cell(org, "org_url", 0), "https://acme.okta.com");
}

#[test]
fn tokens_get_owner_columns_ages_and_zone_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let t = build(&snapshot(tmp.path(), &demo_collections(), &[]), as_of()).unwrap();
    let tok = t.get("api_tokens").unwrap();
    assert_eq!(tok.height(), 2);
    assert_eq!(cell(tok, "owner_login", 0), "alice@acme.com");
    assert_eq!(cell(tok, "owner_type_name", 0), "serviceAccount");
    assert_eq!(cell(tok, "age_days", 0), "180");
    assert_eq!(cell(tok, "idle_days", 0), "10");
    assert_eq!(cell(tok, "last_used", 0), "2026-06-20T12:00:00.000Z");
    assert_eq!(cell(tok, "never_used", 0), "false");
    assert_eq!(cell(tok, "include_count", 0), "2");
    assert_eq!(cell(tok, "includes_all_zones", 0), "true");
    // The second token has no network, no dates, and an owner not collected: nulls, "" connection.
    assert_eq!(cell(tok, "network_connection", 1), "");
    assert_eq!(cell(tok, "owner_login", 1), "null");
    assert_eq!(cell(tok, "age_days", 1), "null");
    assert_eq!(cell(tok, "include_count", 1), "0");
    let zones = t.get("api_token_zones").unwrap();
    assert_eq!(zones.height(), 3);
    assert_eq!(cell(zones, "direction", 2), "exclude");
}

#[test]
fn zones_count_addresses_and_flag_everything_and_dynamic() {
    let tmp = tempfile::tempdir().unwrap();
    let t = build(&snapshot(tmp.path(), &demo_collections(), &[]), as_of()).unwrap();
    let z = t.get("network_zones").unwrap();
    assert_eq!(cell(z, "ipv4_addresses", 0), "266.0");
    assert_eq!(cell(z, "invalid_gateway_count", 0), "1");
    assert_eq!(cell(z, "proxy_count", 0), "0");
    assert_eq!(cell(z, "contains_all_ipv4", 0), "false");
    assert_eq!(cell(z, "contains_all_ipv4", 1), "true");
    assert_eq!(cell(z, "contains_all_ipv6", 1), "true");
    assert_eq!(cell(z, "system", 1), "false");
    assert_eq!(cell(z, "is_dynamic", 2), "true");
    assert_eq!(cell(z, "location_count", 2), "2");
    assert_eq!(cell(z, "asn_count", 2), "1");
    assert_eq!(cell(z, "ip_service_category_count", 2), "1");
    assert_eq!(cell(z, "is_dynamic", 3), "true");
    assert_eq!(cell(z, "asn_count", 3), "2");
}

#[test]
fn effective_roles_merge_group_membership_and_inherited_rows_without_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let t = build(&snapshot(tmp.path(), &demo_collections(), &[]), as_of()).unwrap();
    let e = t.get("effective_roles").unwrap();
    let rows: Vec<String> = (0..e.height())
        .map(|i| {
            format!(
                "{} {} {} {}",
                cell(e, "user_id", i),
                cell(e, "role_type", i),
                cell(e, "via_group_id", i),
                cell(e, "via_group_name", i)
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            "00uALICE APP_ADMIN null null",
            "00uALICE SUPER_ADMIN 00gADMINS Admins",
            "00uBOB SUPER_ADMIN 00gADMINS Admins",
            "00uALICE ORG_ADMIN 00gHIDDEN null",
        ]
    );
    assert_eq!(cell(e, "user_status", 2), "SUSPENDED");
    assert_eq!(cell(e, "targeted", 0), "true");
    // role_assignments: alice's direct row, the group's row, and the hidden group's row synthesised
    // from alice's list (its group entry is missing); the inherited duplicate is not repeated.
    let ra = t.get("role_assignments").unwrap();
    let rows: Vec<String> = (0..ra.height())
        .map(|i| {
            format!(
                "{} {} {} {}",
                cell(ra, "principal_type", i),
                cell(ra, "principal_id", i),
                cell(ra, "role_type", i),
                cell(ra, "principal_name", i)
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            "GROUP 00gADMINS SUPER_ADMIN Admins",
            "USER 00uALICE APP_ADMIN alice@acme.com",
            "GROUP 00gHIDDEN ORG_ADMIN null",
        ]
    );
    let targets = t.get("role_targets").unwrap();
    assert_eq!(targets.height(), 1);
    assert_eq!(cell(targets, "target_id", 0), "salesforce");
    assert_eq!(cell(targets, "target_name", 0), "Salesforce");
    let gm = t.get("group_members").unwrap();
    assert_eq!(gm.height(), 2);
}

#[test]
fn users_get_type_names_and_login_age() {
    let tmp = tempfile::tempdir().unwrap();
    let t = build(&snapshot(tmp.path(), &demo_collections(), &[]), as_of()).unwrap();
    let u = t.get("users").unwrap();
    assert_eq!(cell(u, "type_name", 0), "serviceAccount");
    assert_eq!(cell(u, "last_login_days", 0), "10");
    assert_eq!(cell(u, "last_login_days", 1), "null");
    assert_eq!(cell(u, "user_type", 1), "human");
}

#[test]
fn forbidden_or_missing_sources_make_tables_incomplete_but_still_built() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cols = demo_collections();
    cols.retain(|(n, _)| *n != "groups");
    cols.iter_mut()
        .filter(|(n, _)| *n == "network_zones")
        .for_each(|(_, v)| *v = json!({"errorCode": "E0000006"}));
    let snap = snapshot(
        tmp.path(),
        &cols,
        &[(
            "network_zones",
            CollectionStatus::Forbidden,
            "403 E0000006 you do not have permission",
        )],
    );
    let t = build(&snap, as_of()).unwrap();
    match t.status("network_zones") {
        TableStatus::Incomplete { reason } => {
            assert!(reason.contains("network_zones is forbidden"), "{reason}");
            assert!(reason.contains("E0000006"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.get("network_zones").unwrap().height(), 0);
    match t.status("effective_roles") {
        TableStatus::Incomplete { reason } => {
            assert_eq!(reason, "collection groups was not collected")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.status("api_tokens"), &TableStatus::Complete);
    assert_eq!(
        t.get("group_members").unwrap().schema().as_ref(),
        &table("group_members").unwrap().schema()
    );
}

#[test]
fn malformed_collection_is_an_error_naming_the_file_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = snapshot(
        tmp.path(),
        &[(
            "api_tokens",
            json!([{"id": "00T1", "network": {"include": "nzoA"}}]),
        )],
        &[],
    );
    let err = build(&snap, as_of()).unwrap_err().to_string();
    assert!(err.contains("api_tokens.json"), "{err}");
    assert!(err.contains("`include`"), "{err}");
    assert!(err.contains("00T1"), "{err}");
    let snap = snapshot(
        &tmp.path().join("b"),
        &[("users", json!({"not": "an array"}))],
        &[],
    );
    let err = build(&snap, as_of()).unwrap_err().to_string();
    assert!(
        err.contains("users.json") && err.contains("an array"),
        "{err}"
    );
}
