//! The tables of the second slice (issue 3): custom roles and resource sets, service apps, the
//! System Log, admins' factors and the caller — loaded from their collections and built in an order
//! that lets later tables enrich from earlier ones (IAM → apps → log → factors → caller).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;
use serde_json::Value;

use super::json::Loaded;
use super::{ModelError, apps, caller, factors, iam, load_array, logs, time, users};
use crate::snapshot::Snapshot;

/// Loads a collection stored as JSON Lines (`system_log.jsonl`), or as an array when its file is
/// `.json`.
fn load_lines(snapshot: &Snapshot, collection: &str) -> Result<Loaded, ModelError> {
    let Some(record) = snapshot.manifest().collections.get(collection) else {
        return Ok(Loaded::default());
    };
    if !record.file.ends_with(".jsonl") {
        return load_array(snapshot, collection);
    }
    Ok(Loaded {
        file: snapshot.dir().join(&record.file),
        items: snapshot
            .load_lines_with(collection, prune_event)?
            .unwrap_or_default(),
    })
}

/// Keeps only the parts of a LogEvent the tables read (`logs.rs`), so a 90-day log of a large org
/// is not held whole in memory: user agents, geography, security and authentication contexts and
/// request chains are dropped as each line is read. The snapshot file keeps the full evidence.
fn prune_event(mut v: Value) -> Value {
    const KEEP: [&str; 10] = [
        "uuid",
        "published",
        "eventType",
        "severity",
        "displayMessage",
        "outcome",
        "actor",
        "client",
        "transaction",
        "target",
    ];
    if let Value::Object(map) = &mut v {
        let debug_data = map
            .get_mut("debugContext")
            .and_then(|d| d.get_mut("debugData"))
            .map(Value::take);
        map.retain(|k, _| KEEP.contains(&k.as_str()));
        if let Some(Value::Object(client)) = map.get_mut("client") {
            client.retain(|k, _| k == "ipAddress");
        }
        if let Some(d) = debug_data {
            map.insert("debugContext".into(), serde_json::json!({ "debugData": d }));
        }
    }
    v
}

/// An instant of a collection's `meta` (e.g. the System Log window's `since`).
fn meta_ts(snapshot: &Snapshot, collection: &str, key: &str) -> Option<DateTime<Utc>> {
    let record = snapshot.manifest().collections.get(collection)?;
    time::parse_ts(record.meta.get(key).map(String::as_str))
}

/// Group names by id from the `groups` collection (`[{"group": {…}, "members": […]}]`).
fn group_names(groups: &Loaded) -> Result<HashMap<String, String>, ModelError> {
    let mut out = HashMap::new();
    for entry in groups.objects()? {
        if let Some(g) = entry.obj("group")?
            && let (Some(id), Some(name)) = (g.str("id")?, g.str_at(&["profile", "name"])?)
        {
            out.insert(id, name);
        }
    }
    Ok(out)
}

/// API tokens by id: (name, owner user id).
fn token_index(tokens: &Loaded) -> Result<logs::TokenIndex, ModelError> {
    let mut out = logs::TokenIndex::new();
    for t in tokens.objects()? {
        if let Some(id) = t.str("id")? {
            out.insert(id, (t.str("name")?, t.str("userId")?));
        }
    }
    Ok(out)
}

/// Builds the tables of the second slice: IAM, service apps, System Log, factors, caller.
pub(super) fn build(
    snapshot: &Snapshot,
    as_of: DateTime<Utc>,
    users: &users::UserIndex,
    groups: &Loaded,
    tokens: &Loaded,
    frames: &mut BTreeMap<String, DataFrame>,
) -> Result<(), ModelError> {
    let apps_loaded = load_array(snapshot, "service_apps")?;
    let group_names = group_names(groups)?;
    let clients = apps::client_labels(&apps_loaded)?;
    let names = iam::Names {
        users,
        groups: &group_names,
        clients: &clients,
    };
    let sets_known = snapshot
        .manifest()
        .collections
        .contains_key("resource_sets");
    let (iam, role_index) = iam::build(
        &load_array(snapshot, "custom_roles")?,
        &load_array(snapshot, "resource_sets")?,
        sets_known,
        &names,
    )?;
    for (name, df) in [
        ("custom_roles", iam.custom_roles),
        ("custom_role_permissions", iam.custom_role_permissions),
        ("resource_sets", iam.resource_sets),
        ("resource_set_resources", iam.resource_set_resources),
        ("resource_set_bindings", iam.resource_set_bindings),
        ("binding_members", iam.binding_members),
    ] {
        frames.insert(name.to_string(), df);
    }

    let (a, app_index) = apps::build(&apps_loaded, &role_index, as_of)?;
    for (name, df) in [
        ("service_apps", a.service_apps),
        ("service_app_scopes", a.service_app_scopes),
        ("service_app_credentials", a.service_app_credentials),
        ("service_app_roles", a.service_app_roles),
    ] {
        frames.insert(name.to_string(), df);
    }

    let token_index = token_index(tokens)?;
    let ctx = logs::LogContext {
        since: meta_ts(snapshot, "system_log", "since"),
        until: meta_ts(snapshot, "system_log", "until"),
        tokens: &token_index,
        users,
        apps: &app_index.ids,
        as_of,
    };
    let l = logs::build(&load_lines(snapshot, "system_log")?, &ctx)?;
    for (name, df) in [
        ("log_window", l.log_window),
        ("log_events", l.log_events),
        ("log_event_targets", l.log_event_targets),
        ("token_activity", l.token_activity),
        ("admin_activity", l.admin_activity),
    ] {
        frames.insert(name.to_string(), df);
    }

    let (factors_df, mfa_df) = factors::build(&load_array(snapshot, "user_factors")?, users)?;
    frames.insert("user_factors".to_string(), factors_df);
    frames.insert("user_mfa".to_string(), mfa_df);

    let caller_value: Option<Value> = match snapshot.manifest().collections.get("caller") {
        Some(_) => snapshot.load("caller")?,
        None => None,
    };
    let caller_file = snapshot.manifest().collections.get("caller").map_or_else(
        || snapshot.dir().join("caller.json"),
        |r| snapshot.dir().join(&r.file),
    );
    frames.insert(
        "caller".to_string(),
        caller::build(
            caller_value.as_ref(),
            &caller_file,
            &role_index,
            &app_index,
            &clients,
        )?,
    );
    Ok(())
}
