//! `service_apps`, `service_app_scopes`, `service_app_credentials` and `service_app_roles`.
//!
//! The JWKS list may come in any of Okta's three shapes (bare array, `{"keys": […]}`,
//! `{"jwks": {"keys": […]}}`); when an entry has no `jwks` at all, the keys embedded in the app's
//! `settings.oauthClient.jwks` are used. A key without `status` counts as ACTIVE. Scope grants may be
//! bare scope strings (counted ACTIVE). A missing `token_endpoint_auth_method` is Okta's default,
//! `client_secret_basic`.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;
use serde_json::Value;

use super::frame::FrameBuilder;
use super::iam::{RoleIndex, assignment_reads_only};
use super::json::{Loaded, Obj};
use super::privilege::{highest_role, is_manage_scope};
use super::time::{days_between, parse_ts};
use super::{ModelError, table_def};

/// Okta's default token endpoint auth method.
const DEFAULT_AUTH_METHOD: &str = "client_secret_basic";

/// The frames this module builds.
pub(crate) struct AppFrames {
    pub(crate) service_apps: DataFrame,
    pub(crate) service_app_scopes: DataFrame,
    pub(crate) service_app_credentials: DataFrame,
    pub(crate) service_app_roles: DataFrame,
}

/// Service app ids by client id and by app id (for log events).
pub(crate) type AppIds = HashMap<String, String>;

/// What other tables look up about service apps.
#[derive(Debug, Default)]
pub(crate) struct AppIndex {
    /// App ids by client id and by app id.
    pub(crate) ids: AppIds,
    /// ACTIVE granted scopes by app id.
    pub(crate) scopes: HashMap<String, Vec<String>>,
}

/// One admin role assignment (of a client, or of the caller).
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleRow {
    pub(crate) id: Option<String>,
    pub(crate) role_type: Option<String>,
    pub(crate) label: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) custom_role_id: Option<String>,
    pub(crate) resource_set_id: Option<String>,
    pub(crate) target_groups: usize,
    pub(crate) target_apps: usize,
}

impl RoleRow {
    /// Not INACTIVE.
    pub(crate) fn is_held(&self) -> bool {
        !self
            .status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("INACTIVE"))
    }
}

/// Parses a raw role assignment; targets from the collector's map or `_embedded.targets`.
pub(crate) fn parse_role(a: &Obj<'_>, targets: Option<&Obj<'_>>) -> Result<RoleRow, ModelError> {
    let id = a.str("id")?;
    let (mut groups, mut apps) = (0, 0);
    if let (Some(t), Some(aid)) = (targets, &id)
        && let Some(mine) = t.obj(aid)?
    {
        groups = mine.array("groups")?.len();
        apps = mine.array("apps")?.len();
    }
    if let Some(e) = a
        .obj("_embedded")?
        .map(|e| e.obj("targets"))
        .transpose()?
        .flatten()
    {
        groups = groups.max(e.array("groups")?.len());
        if let Some(c) = e.obj("catalog")? {
            apps = apps.max(c.array("apps")?.len());
        }
    }
    Ok(RoleRow {
        id,
        role_type: a.str("type")?,
        label: a.str("label")?,
        status: a.str("status")?,
        custom_role_id: a.str("role")?,
        resource_set_id: a.str("resource-set")?,
        target_groups: groups,
        target_apps: apps,
    })
}

/// App labels by client id and by app id (for binding member names).
pub(crate) fn client_labels(apps: &Loaded) -> Result<HashMap<String, String>, ModelError> {
    let mut out = HashMap::new();
    for entry in apps.objects()? {
        let Some(app) = entry.obj("app")? else {
            continue;
        };
        let Some(label) = app.str("label")? else {
            continue;
        };
        for id in [
            app.str("id")?,
            app.str_at(&["credentials", "oauthClient", "client_id"])?,
        ]
        .into_iter()
        .flatten()
        {
            out.insert(id, label.clone());
        }
    }
    Ok(out)
}

/// The key objects of an entry's `jwks`, whatever its shape; `None` when absent.
fn jwks_keys<'a>(entry: &Obj<'a>) -> Result<Option<Vec<Obj<'a>>>, ModelError> {
    match entry.raw("jwks") {
        None => Ok(None),
        Some(Value::Array(_)) => entry.objects("jwks").map(Some),
        Some(_) => {
            let Some(j) = entry.obj("jwks")? else {
                return Ok(None);
            };
            match j.obj("jwks")? {
                Some(inner) => inner.objects("keys").map(Some),
                None => j.objects("keys").map(Some),
            }
        }
    }
}

fn is_active(status: Option<&str>) -> bool {
    status.is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"))
}

/// Builds the service-app tables; returns them and the app index.
pub(crate) fn build(
    apps: &Loaded,
    roles: &RoleIndex,
    as_of: DateTime<Utc>,
) -> Result<(AppFrames, AppIndex), ModelError> {
    let mut ab = FrameBuilder::new(table_def("service_apps")?);
    let mut sb = FrameBuilder::new(table_def("service_app_scopes")?);
    let mut cb = FrameBuilder::new(table_def("service_app_credentials")?);
    let mut rb = FrameBuilder::new(table_def("service_app_roles")?);
    let mut index = AppIndex::default();
    for entry in apps.objects()? {
        let app = entry.obj("app")?;
        let app_str = |path: &[&str]| -> Result<Option<String>, ModelError> {
            app.as_ref().map_or(Ok(None), |a| a.str_at(path))
        };
        let id = app_str(&["id"])?;
        let client_id = app_str(&["credentials", "oauthClient", "client_id"])?.or(id.clone());
        let label = app_str(&["label"])?;
        let settings = match &app {
            Some(a) => a
                .obj("settings")?
                .map(|s| s.obj("oauthClient"))
                .transpose()?
                .flatten(),
            None => None,
        };
        for key in [&id, &client_id].into_iter().flatten() {
            if let Some(app_id) = &id {
                index.ids.insert(key.clone(), app_id.clone());
            }
        }

        // Scopes.
        let mut scopes = BTreeSet::new();
        for (i, g) in entry.array("grants")?.iter().enumerate() {
            let (grant_id, scope, status, source, created) = match g {
                Value::String(s) => (None, Some(s.clone()), None, None, None),
                other => {
                    let g = Obj::new(other, &apps.file, format!("grant {i}"))?;
                    let scope = g
                        .str("scopeId")?
                        .or(g.str_at(&["_embedded", "scope", "id"])?);
                    (
                        g.str("id")?,
                        scope,
                        g.str("status")?,
                        g.str("source")?,
                        g.str("created")?,
                    )
                }
            };
            if let Some(s) = &scope
                && is_active(status.as_deref())
            {
                scopes.insert(s.clone());
            }
            sb.push(vec![
                ("app_id", id.clone().into()),
                ("client_id", client_id.clone().into()),
                ("app_label", label.clone().into()),
                ("grant_id", grant_id.into()),
                (
                    "is_manage",
                    scope.as_deref().is_some_and(is_manage_scope).into(),
                ),
                ("scope", scope.into()),
                ("status", status.or(Some("ACTIVE".into())).into()),
                ("source", source.into()),
                ("created", created.into()),
            ])?;
        }
        if let Some(app_id) = &id {
            index
                .scopes
                .insert(app_id.clone(), scopes.iter().cloned().collect());
        }
        let manage: Vec<&str> = scopes
            .iter()
            .map(String::as_str)
            .filter(|s| is_manage_scope(s))
            .collect();

        // Credentials: (kind, age) of the ACTIVE ones.
        let mut active: Vec<(&str, Option<i64>)> = Vec::new();
        let keys = match jwks_keys(&entry)? {
            Some(k) => k,
            None => match &settings {
                Some(s) => s
                    .obj("jwks")?
                    .map(|j| j.objects("keys"))
                    .transpose()?
                    .unwrap_or_default(),
                None => Vec::new(),
            },
        };
        let secrets = entry.objects("secrets")?;
        for (kind, list) in [("secret", &secrets), ("key", &keys)] {
            for c in list {
                let created = c.str("created")?;
                let age = parse_ts(created.as_deref()).map(|t| days_between(t, as_of));
                let status = c.str("status")?;
                if is_active(status.as_deref()) {
                    active.push((kind, age));
                }
                cb.push(vec![
                    ("app_id", id.clone().into()),
                    ("app_label", label.clone().into()),
                    ("kind", kind.into()),
                    ("id", c.str("id")?.into()),
                    (
                        "kid",
                        if kind == "key" { c.str("kid")? } else { None }.into(),
                    ),
                    ("status", status.or(Some("ACTIVE".into())).into()),
                    ("created", created.into()),
                    ("last_updated", c.str("lastUpdated")?.into()),
                    ("age_days", age.into()),
                ])?;
            }
        }
        let oldest = active.iter().filter_map(|(_, a)| *a).max();
        let overlap = ["secret", "key"]
            .iter()
            .filter_map(|kind| {
                let mut ages: Vec<i64> = active
                    .iter()
                    .filter(|(k, _)| k == kind)
                    .filter_map(|(_, a)| *a)
                    .collect();
                ages.sort_unstable_by(|a, b| b.cmp(a));
                ages.get(1).copied()
            })
            .max();

        // Roles.
        let targets = entry.obj("targets")?;
        let mut held: Vec<RoleRow> = Vec::new();
        for a in entry.objects("roles")? {
            let r = parse_role(&a.with_id(), targets.as_ref())?;
            rb.push(vec![
                ("app_id", id.clone().into()),
                ("client_id", client_id.clone().into()),
                ("app_label", label.clone().into()),
                ("assignment_id", r.id.clone().into()),
                ("role_type", r.role_type.clone().into()),
                ("label", r.label.clone().into()),
                ("status", r.status.clone().into()),
                ("custom_role_id", r.custom_role_id.clone().into()),
                ("resource_set_id", r.resource_set_id.clone().into()),
                ("targeted", (r.target_groups + r.target_apps > 0).into()),
                ("target_group_count", r.target_groups.into()),
                ("target_app_count", r.target_apps.into()),
            ])?;
            if r.is_held() {
                held.push(r);
            }
        }
        let types: BTreeSet<&str> = held.iter().filter_map(|r| r.role_type.as_deref()).collect();
        let writes = held.iter().any(|r| {
            !assignment_reads_only(r.role_type.as_deref(), r.custom_role_id.as_deref(), roles)
        });

        let s_str = |k: &str| -> Result<Option<String>, ModelError> {
            settings.as_ref().map_or(Ok(None), |s| s.str(k))
        };
        let count = |kind: &str| active.iter().filter(|(k, _)| *k == kind).count();
        ab.push(vec![
            ("id", id.clone().into()),
            ("client_id", client_id.clone().into()),
            ("label", label.clone().into()),
            ("status", app_str(&["status"])?.into()),
            ("created", app_str(&["created"])?.into()),
            (
                "auth_method",
                app_str(&["credentials", "oauthClient", "token_endpoint_auth_method"])?
                    .unwrap_or_else(|| DEFAULT_AUTH_METHOD.into())
                    .into(),
            ),
            (
                "dpop_required",
                settings
                    .as_ref()
                    .map_or(Ok(None), |s| s.bool("dpop_bound_access_tokens"))?
                    .unwrap_or(false)
                    .into(),
            ),
            ("application_type", s_str("application_type")?.into()),
            (
                "grant_types",
                settings
                    .as_ref()
                    .map_or(Ok(Vec::new()), |s| s.str_list("grant_types"))?
                    .join(", ")
                    .into(),
            ),
            (
                "network_connection",
                settings
                    .as_ref()
                    .map_or(Ok(None), |s| s.str_at(&["network", "connection"]))?
                    .into(),
            ),
            ("scope_count", scopes.len().into()),
            ("manage_scope_count", manage.len().into()),
            (
                "scopes",
                scopes.iter().cloned().collect::<Vec<_>>().join(", ").into(),
            ),
            ("manage_scopes", manage.join(", ").into()),
            ("active_secret_count", count("secret").into()),
            ("active_key_count", count("key").into()),
            ("oldest_active_credential_days", oldest.into()),
            ("active_overlap_days", overlap.into()),
            ("role_count", held.len().into()),
            (
                "roles",
                types.iter().copied().collect::<Vec<_>>().join(", ").into(),
            ),
            ("highest_role", highest_role(types.iter().copied()).into()),
            (
                "is_super_admin",
                types
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case("SUPER_ADMIN"))
                    .into(),
            ),
            ("privileged", (writes || !manage.is_empty()).into()),
        ])?;
    }
    Ok((
        AppFrames {
            service_apps: ab.finish()?,
            service_app_scopes: sb.finish()?,
            service_app_credentials: cb.finish()?,
            service_app_roles: rb.finish()?,
        },
        index,
    ))
}
