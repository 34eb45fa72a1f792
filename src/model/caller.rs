//! `caller`: the credential that ran the scan, and how much it may do.
//!
//! An API token acts as its owner (`user`, with the owner's role list, group-inherited rows
//! included); an OAuth service app acts with its granted scopes (those of the token response and its
//! ACTIVE grants) and its client role assignments. Read-only means: every role held is
//! READ_ONLY_ADMIN, REPORT_ADMIN or a custom role with read permissions only, and no `*.manage`
//! scope. The collector leaves an OAuth caller's `app` null when the app is in `service_apps`; its
//! id, label and ACTIVE grants are then taken from there.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use polars::prelude::DataFrame;
use serde_json::Value;

use super::apps::{AppIndex, RoleRow, parse_role};
use super::frame::FrameBuilder;
use super::iam::{RoleIndex, assignment_reads_only};
use super::json::Obj;
use super::privilege::{highest_role, is_manage_scope};
use super::{ModelError, table_def};

/// Builds `caller` from the collection's object (`None`: not collected → no row).
pub(crate) fn build(
    caller: Option<&Value>,
    file: &Path,
    roles: &RoleIndex,
    apps: &AppIndex,
    labels: &HashMap<String, String>,
) -> Result<DataFrame, ModelError> {
    let mut b = FrameBuilder::new(table_def("caller")?);
    let Some(value) = caller.filter(|v| !v.is_null()) else {
        return b.finish();
    };
    let c = Obj::new(value, file, "the caller".into())?;
    let auth_method = c.str("auth_method")?;
    let oauth = auth_method
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("oauth2"));
    let (ptype, pid, pname) = if oauth {
        let app = c.obj("app")?;
        let client_id = c.str("client_id")?;
        let (id, label) = match &app {
            Some(a) => (a.str("id")?, a.str("label")?),
            None => (None, None),
        };
        let known = client_id.as_deref().and_then(|c| apps.ids.get(c));
        let id = id.or_else(|| known.cloned());
        let label = label.or_else(|| client_id.as_deref().and_then(|c| labels.get(c)).cloned());
        ("CLIENT", id.or(client_id.clone()), label.or(client_id))
    } else {
        let user = c.obj("user")?;
        let (id, login) = match &user {
            Some(u) => (u.str("id")?, u.str_at(&["profile", "login"])?),
            None => (None, None),
        };
        ("USER", id, login)
    };

    let held: Vec<RoleRow> = c
        .objects("roles")?
        .into_iter()
        .map(|a| parse_role(&a.with_id(), None))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(RoleRow::is_held)
        .collect();
    let types: BTreeSet<&str> = held.iter().filter_map(|r| r.role_type.as_deref()).collect();

    let mut scopes: BTreeSet<String> = c.str_list("scopes")?.into_iter().collect();
    if oauth && let Some(granted) = pid.as_deref().and_then(|id| apps.scopes.get(id)) {
        scopes.extend(granted.iter().cloned());
    }
    for (i, g) in c.array("grants")?.iter().enumerate() {
        match g {
            Value::String(s) => {
                scopes.insert(s.clone());
            }
            other => {
                let g = Obj::new(other, file, format!("the caller, grant {i}"))?;
                let active = g
                    .str("status")?
                    .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"));
                if active && let Some(s) = g.str("scopeId")? {
                    scopes.insert(s);
                }
            }
        }
    }
    let manage: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| is_manage_scope(s))
        .collect();
    let reads_only = held
        .iter()
        .all(|r| assignment_reads_only(r.role_type.as_deref(), r.custom_role_id.as_deref(), roles));
    let join = |it: Vec<&str>| it.join(", ");
    b.push(vec![
        ("auth_method", auth_method.clone().into()),
        ("principal_type", ptype.into()),
        ("principal_id", pid.into()),
        ("principal_name", pname.into()),
        ("roles", join(types.iter().copied().collect()).into()),
        ("role_count", held.len().into()),
        ("highest_role", highest_role(types.iter().copied()).into()),
        (
            "is_super_admin",
            types
                .iter()
                .any(|t| t.eq_ignore_ascii_case("SUPER_ADMIN"))
                .into(),
        ),
        (
            "scopes",
            join(scopes.iter().map(String::as_str).collect()).into(),
        ),
        ("manage_scopes", join(manage.clone()).into()),
        ("has_manage_scopes", (!manage.is_empty()).into()),
        ("is_read_only", (reads_only && manage.is_empty()).into()),
    ])?;
    b.finish()
}
