//! Custom roles, resource sets and service apps (the issue-3 collections), reduced to comparable
//! entities. Secrets are never read: only credential ids, key ids and statuses.

use serde_json::Value;

use super::DiffError;
use super::compare::{Entities, Entity, Value as V};
use super::side::{Side, list, str_at, url_path};

fn note_no_id(notes: &mut Vec<String>, side: &Side, collection: &str, n: usize) {
    if n > 0 {
        notes.push(format!(
            "{n} item(s) of {collection} in {} have no id and were not compared",
            side.label
        ));
    }
}

/// Label and description, compared, and the label as the display name.
fn labelled(obj: &Value, id: &str) -> Entity {
    let label = str_at(obj, &["label"]).unwrap_or("");
    let mut e = Entity::named(if label.is_empty() { id } else { label });
    e.field("label", V::plain(label));
    e.field(
        "description",
        V::plain(str_at(obj, &["description"]).unwrap_or("")),
    );
    e
}

/// Custom roles by id: label, description, permissions (and each permission's conditions).
pub(crate) fn custom_roles(side: &Side, notes: &mut Vec<String>) -> Result<Entities, DiffError> {
    let mut out = Entities::new();
    let mut no_id = 0;
    for entry in side.items("custom_roles")? {
        let role = entry.get("role").unwrap_or(&entry);
        let Some(id) = str_at(role, &["id"]) else {
            no_id += 1;
            continue;
        };
        let mut e = labelled(role, id);
        e.set("permissions");
        for p in list(&entry, "permissions") {
            let Some(label) = p.as_str().or_else(|| str_at(p, &["label"])) else {
                continue;
            };
            e.member("permissions", label, label);
            let conditions = p
                .get("conditions")
                .filter(|c| !c.is_null())
                .map_or_else(|| "(none)".to_string(), Value::to_string);
            e.field(
                &format!("permission {label} conditions"),
                V::plain(conditions),
            );
        }
        e.attr("permissions", e.sets["permissions"].len().to_string());
        e.attr("created", str_at(role, &["created"]).unwrap_or(""));
        out.insert(id.to_string(), e);
    }
    note_no_id(notes, side, "custom_roles", no_id);
    Ok(out)
}

/// Resource sets by id: label, description, resources (by ORN, else REST path, else id),
/// bindings (by custom role) and each binding's members (by principal path).
pub(crate) fn resource_sets(side: &Side, notes: &mut Vec<String>) -> Result<Entities, DiffError> {
    let mut out = Entities::new();
    let mut no_id = 0;
    for entry in side.items("resource_sets")? {
        let set = entry.get("resource_set").unwrap_or(&entry);
        let Some(id) = str_at(set, &["id"]) else {
            no_id += 1;
            continue;
        };
        let mut e = labelled(set, id);
        e.set("resources");
        for r in list(&entry, "resources") {
            let key = r
                .as_str()
                .map(str::to_string)
                .or_else(|| str_at(r, &["orn"]).map(str::to_string))
                .or_else(|| str_at(r, &["_links", "self", "href"]).map(url_path))
                .or_else(|| str_at(r, &["id"]).map(str::to_string));
            if let Some(k) = key {
                e.member("resources", k.clone(), k);
            }
        }
        e.set("bindings");
        for b in list(&entry, "bindings") {
            let Some(role) = str_at(b, &["role_id"]).or_else(|| str_at(b, &["binding", "id"]))
            else {
                continue;
            };
            e.member("bindings", role, side.role(role));
            let field = format!("binding {role} members");
            e.set(&field);
            for m in list(b, "members") {
                let path = str_at(m, &["_links", "self", "href"])
                    .map(url_path)
                    .or_else(|| str_at(m, &["id"]).map(str::to_string));
                if let Some(p) = path {
                    e.member(&field, p.clone(), side.principal_path(&p));
                }
            }
        }
        e.attr("resources", e.sets["resources"].len().to_string());
        let roles: Vec<String> = e.sets["bindings"].values().cloned().collect();
        e.attr("bindings", roles.join(", "));
        out.insert(id.to_string(), e);
    }
    note_no_id(notes, side, "resource_sets", no_id);
    Ok(out)
}

/// Service apps by app id: label, status, token endpoint auth method, granted scopes, client
/// secrets and JWKS keys (by id, with status), and admin roles held by the client.
pub(crate) fn service_apps(side: &Side, notes: &mut Vec<String>) -> Result<Entities, DiffError> {
    let mut out = Entities::new();
    let mut no_id = 0;
    for entry in side.items("service_apps")? {
        let app = entry.get("app").unwrap_or(&entry);
        let Some(id) = str_at(app, &["id"]) else {
            no_id += 1;
            continue;
        };
        let label = str_at(app, &["label"]).unwrap_or("");
        let mut e = Entity::named(if label.is_empty() { id } else { label });
        e.field("label", V::plain(label));
        e.field(
            "status",
            V::plain(str_at(app, &["status"]).unwrap_or("(none)")),
        );
        let method = str_at(
            app,
            &["credentials", "oauthClient", "token_endpoint_auth_method"],
        )
        .unwrap_or("(none)");
        e.field("auth_method", V::plain(method));
        e.set("scopes");
        for g in list(&entry, "grants") {
            let active = str_at(g, &["status"]).is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"));
            if let (true, Some(scope)) = (active, str_at(g, &["scopeId"])) {
                e.member("scopes", scope, scope);
            }
        }
        credentials(&entry, &mut e);
        e.set("roles");
        for r in list(&entry, "roles") {
            let rtype = str_at(r, &["type"]).unwrap_or("UNKNOWN");
            let mut key = rtype.to_string();
            let mut shown = str_at(r, &["label"]).unwrap_or(rtype).to_string();
            if let Some(cr) = str_at(r, &["role"]) {
                key.push_str(&format!(":{cr}"));
                shown = format!("{shown} [{}]", side.role(cr));
            }
            if let Some(rs) = str_at(r, &["resource-set"]) {
                key.push_str(&format!(":{rs}"));
                shown = format!("{shown} on {}", side.set(rs));
            }
            e.member("roles", key, shown);
        }
        let client = str_at(app, &["credentials", "oauthClient", "client_id"]).unwrap_or("");
        e.attr("client_id", client);
        e.attr("auth_method", method);
        let scopes: Vec<String> = e.sets["scopes"].values().cloned().collect();
        e.attr("scopes", scopes.join(", "));
        e.attr("status", str_at(app, &["status"]).unwrap_or(""));
        out.insert(id.to_string(), e);
    }
    note_no_id(notes, side, "service_apps", no_id);
    Ok(out)
}

/// Client secrets and JWKS keys: membership by id and a status field per credential.
fn credentials(entry: &Value, e: &mut Entity) {
    for (list_key, set, what) in [("secrets", "secrets", "secret"), ("jwks", "keys", "key")] {
        e.set(set);
        for c in list(entry, list_key) {
            let Some(cid) = str_at(c, &["id"]).or_else(|| str_at(c, &["kid"])) else {
                continue;
            };
            let status = str_at(c, &["status"]).unwrap_or("(none)");
            let created = str_at(c, &["created"]).unwrap_or("");
            let display = match (what, str_at(c, &["kid"])) {
                ("key", Some(kid)) if kid != cid => format!("{cid} (kid {kid})"),
                _ if created.is_empty() => cid.to_string(),
                _ => format!("{cid} (created {created})"),
            };
            e.member(set, cid, display);
            e.field(&format!("{what} {cid} status"), V::plain(status));
        }
    }
}
