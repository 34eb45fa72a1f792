//! API tokens, admin role assignments and members of admin groups, reduced to comparable entities.

use serde_json::Value;

use super::DiffError;
use super::compare::{Entities, Entity, Value as V};
use super::side::{Side, last_segment, list, str_at};

/// Counts items skipped because they have no id, for a note.
fn skipped(notes: &mut Vec<String>, side: &Side, collection: &str, n: usize) {
    if n > 0 {
        notes.push(format!(
            "{n} item(s) of {collection} in {} have no id and were not compared",
            side.label
        ));
    }
}

/// API tokens by id. Compared: name, owner, network connection, included and excluded zones —
/// not `expiresAt`/`lastUpdated`, which slide every time a token is used.
pub(crate) fn api_tokens(side: &Side, notes: &mut Vec<String>) -> Result<Entities, DiffError> {
    let mut out = Entities::new();
    let mut no_id = 0;
    for t in side.items("api_tokens")? {
        let Some(id) = str_at(&t, &["id"]) else {
            no_id += 1;
            continue;
        };
        let name = str_at(&t, &["name"]).unwrap_or("");
        let mut e = Entity::named(if name.is_empty() { id } else { name });
        e.field("name", V::plain(name));
        let owner = str_at(&t, &["userId"]).unwrap_or("");
        e.field("owner", V::shown(owner, side.user(owner)));
        let connection = str_at(&t, &["network", "connection"]).unwrap_or("(none)");
        e.field("network.connection", V::plain(connection));
        for dir in ["include", "exclude"] {
            let set = format!("network.{dir}");
            e.set(&set);
            let zones = t.get("network").map_or(&[][..], |n| list(n, dir));
            for z in zones.iter().filter_map(Value::as_str) {
                e.member(&set, z, side.zone(z));
            }
        }
        e.attr("owner", side.user(owner));
        let zones: Vec<String> = e.sets["network.include"].values().cloned().collect();
        e.attr(
            "network",
            if zones.is_empty() {
                connection.to_string()
            } else {
                format!("{connection}: {}", zones.join(", "))
            },
        );
        e.attr("client_name", str_at(&t, &["clientName"]).unwrap_or(""));
        e.attr("created", str_at(&t, &["created"]).unwrap_or(""));
        out.insert(id.to_string(), e);
    }
    skipped(notes, side, "api_tokens", no_id);
    Ok(out)
}

/// The display of a role assignment's targets, keyed by group id / app id (or name).
fn targets(a: &Value, mine: Option<&Value>, side: &Side, e: &mut Entity) {
    e.set("targets.groups");
    e.set("targets.apps");
    let embedded = a.get("_embedded").and_then(|x| x.get("targets"));
    let groups = mine
        .map(|m| list(m, "groups"))
        .filter(|l| !l.is_empty())
        .or_else(|| embedded.map(|x| list(x, "groups")))
        .unwrap_or(&[]);
    for g in groups {
        if let Some(id) = str_at(g, &["id"]) {
            let display = match str_at(g, &["profile", "name"]) {
                Some(n) => format!("{n} ({id})"),
                None => side.group(id),
            };
            e.member("targets.groups", id, display);
        }
    }
    let apps = mine
        .map(|m| list(m, "apps"))
        .filter(|l| !l.is_empty())
        .or_else(|| {
            embedded
                .and_then(|x| x.get("catalog"))
                .map(|c| list(c, "apps"))
        })
        .unwrap_or(&[]);
    for app in apps {
        if let Some(id) = str_at(app, &["id"]).or(str_at(app, &["name"])) {
            let shown = str_at(app, &["displayName"]).or(str_at(app, &["name"]));
            let display = match shown {
                Some(n) if n != id => format!("{n} ({id})"),
                _ => id.to_string(),
            };
            e.member("targets.apps", id, display);
        }
    }
}

/// The stable key of an assignment: principal, role type, custom role and resource set (Okta's
/// assignment ids differ between a user's and a group's list of the same grant).
fn assignment_key(ptype: &str, pid: &str, a: &Value) -> String {
    let mut key = format!(
        "{ptype}:{pid}:{}",
        str_at(a, &["type"]).unwrap_or("UNKNOWN")
    );
    for k in ["role", "resource-set"] {
        if let Some(v) = str_at(a, &[k]) {
            key.push(':');
            key.push_str(v);
        }
    }
    key
}

fn assignment(side: &Side, ptype: &str, pid: &str, a: &Value, mine: Option<&Value>) -> Entity {
    let principal = if ptype == "GROUP" {
        format!("group {}", side.group(pid))
    } else {
        side.user(pid)
    };
    let rtype = str_at(a, &["type"]).unwrap_or("UNKNOWN");
    let label = str_at(a, &["label"]).unwrap_or(rtype);
    let mut e = Entity::named(format!("{principal} — {label}"));
    e.field(
        "status",
        V::plain(str_at(a, &["status"]).unwrap_or("(none)")),
    );
    targets(a, mine, side, &mut e);
    e.attr("principal_type", ptype);
    e.attr("principal", principal);
    e.attr("role", format!("{label} ({rtype})"));
    if let Some(r) = str_at(a, &["role"]) {
        e.attr("custom_role", side.role(r));
    }
    if let Some(s) = str_at(a, &["resource-set"]) {
        e.attr("resource_set", side.set(s));
    }
    let scoped: Vec<String> = ["targets.groups", "targets.apps"]
        .iter()
        .flat_map(|s| e.sets[*s].values().cloned())
        .collect();
    let scope = if scoped.is_empty() {
        "none (org-wide)".to_string()
    } else {
        scoped.join(", ")
    };
    e.attr("targets", scope);
    e.attr("status", str_at(a, &["status"]).unwrap_or(""));
    e
}

/// Admin role assignments of users (direct) and groups, by principal and role. A user's
/// group-inherited rows count as the group's assignment when the group's own entry is absent.
pub(crate) fn admin_assignments(
    side: &Side,
    notes: &mut Vec<String>,
) -> Result<Entities, DiffError> {
    let mut out = Entities::new();
    let mut inherited = Vec::new();
    let mut no_id = 0;
    for entry in side.items("role_assignments")? {
        let ptype = str_at(&entry, &["principal_type"])
            .unwrap_or("")
            .to_ascii_uppercase();
        let Some(pid) = str_at(&entry, &["principal_id"]) else {
            no_id += 1;
            continue;
        };
        let tmap = entry.get("targets");
        for a in list(&entry, "assignments") {
            let mine = str_at(a, &["id"]).and_then(|id| tmap.and_then(|t| t.get(id)));
            let via_group = ptype == "USER"
                && str_at(a, &["assignmentType"]).is_some_and(|t| t.eq_ignore_ascii_case("GROUP"));
            if via_group {
                if let Some(gid) = str_at(a, &["_links", "assignee", "href"]).and_then(last_segment)
                {
                    inherited.push((gid, a.clone(), mine.cloned()));
                }
                continue;
            }
            let e = assignment(side, &ptype, pid, a, mine);
            out.insert(assignment_key(&ptype, pid, a), e);
        }
    }
    for (gid, a, mine) in inherited {
        out.entry(assignment_key("GROUP", &gid, &a))
            .or_insert_with(|| assignment(side, "GROUP", &gid, &a, mine.as_ref()));
    }
    skipped(notes, side, "role_assignments", no_id);
    Ok(out)
}

/// Members of groups that hold admin roles, as `group id:user id` (a user who joins such a group
/// gains its roles).
pub(crate) fn admin_group_members(
    side: &Side,
    notes: &mut Vec<String>,
) -> Result<Entities, DiffError> {
    let mut out = Entities::new();
    let mut no_id = 0;
    for entry in side.items("groups")? {
        let g = entry.get("group").unwrap_or(&entry);
        let Some(gid) = str_at(g, &["id"]) else {
            no_id += 1;
            continue;
        };
        let gname = side.group(gid);
        for m in list(&entry, "members") {
            let Some(uid) = m.as_str().or_else(|| str_at(m, &["id"])) else {
                continue;
            };
            let user = side.user(uid);
            let mut e = Entity::named(format!("{user} in group {gname}"));
            e.attr("group", gname.clone());
            e.attr("user", user);
            out.insert(format!("{gid}:{uid}"), e);
        }
    }
    skipped(notes, side, "groups", no_id);
    Ok(out)
}
