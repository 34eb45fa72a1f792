//! Access-review exports: one row per API token, per effective admin role assignment and per
//! service app, with the evidence a reviewer needs, the findings on it, and empty reviewer columns
//! (`decision` keep/revoke/modify, `reviewer`, `reviewed_at`, `comment`).
//!
//! The rows are SQL over the same tables the rules query, so an export never disagrees with a
//! rule about what the org holds. Column order is stable and documented in the README.

use std::collections::BTreeMap;

use super::{Inventory, RenderError};
use crate::findings::{Evaluation, FindingStatus};
use crate::model::Tables;
use crate::rules::{QueryRows, query};

/// Reviewer columns appended to every export, left empty for the reviewer.
pub const REVIEWER_COLUMNS: [&str; 4] = ["decision", "reviewer", "reviewed_at", "comment"];

/// One review export: its file name, its data columns and the query that fills them.
#[derive(Debug, Clone, Copy)]
pub struct Export {
    /// Short id, used for the HTML tab.
    pub id: &'static str,
    /// Human title.
    pub title: &'static str,
    /// File name in the report set.
    pub file: &'static str,
    /// The column whose value identifies the entity findings are about.
    pub entity_column: &'static str,
    /// Data columns, in order (the reviewer columns and `findings` follow).
    pub columns: &'static [&'static str],
    sql: &'static str,
}

/// `review-tokens.csv`: one row per API token.
pub const TOKENS: Export = Export {
    id: "tokens",
    title: "API tokens",
    file: "review-tokens.csv",
    entity_column: "token_id",
    columns: &[
        "token_id",
        "token_name",
        "owner_id",
        "owner_login",
        "owner_status",
        "owner_roles",
        "network",
        "zones",
        "created",
        "age_days",
        "last_used",
        "idle_days",
        "expires_at",
    ],
    sql: r#"
WITH zone_names AS (
    SELECT z.token_id, COALESCE(n.name, z.zone_id) AS zone_name
    FROM api_token_zones z LEFT JOIN network_zones n ON n.id = z.zone_id
    WHERE z.direction = 'include'
    ORDER BY z.token_id, zone_name
), zones AS (
    SELECT token_id, STRING_AGG(zone_name, '; ') AS zones FROM zone_names GROUP BY token_id
), role_paths AS (
    SELECT user_id,
           CASE WHEN via_group_name IS NULL THEN role_type
                ELSE role_type || ' (via ' || via_group_name || ')' END AS role_path
    FROM effective_roles
    ORDER BY user_id, role_path
), roles AS (
    SELECT user_id, STRING_AGG(role_path, '; ') AS owner_roles FROM role_paths GROUP BY user_id
)
SELECT t.id AS token_id, t.name AS token_name, t.user_id AS owner_id, t.owner_login,
       t.owner_status, r.owner_roles,
       CASE WHEN t.network_connection = '' THEN 'ANYWHERE (unset)' ELSE t.network_connection END
           AS network,
       zones.zones, t.created, t.age_days, t.last_used, t.idle_days, t.expires_at
FROM api_tokens t
LEFT JOIN zones ON zones.token_id = t.id
LEFT JOIN roles r ON r.user_id = t.user_id
ORDER BY t.name, t.id
"#,
};

/// `review-admins.csv`: one row per effective admin role assignment (direct or through a group).
pub const ADMINS: Export = Export {
    id: "admins",
    title: "Admin assignments",
    file: "review-admins.csv",
    entity_column: "user_id",
    columns: &[
        "user_id",
        "login",
        "user_status",
        "last_login",
        "role_type",
        "role_label",
        "assignment_id",
        "via_group_id",
        "via_group_name",
        "scope",
        "custom_role_id",
        "resource_set_id",
    ],
    sql: r#"
WITH target_names AS (
    SELECT assignment_id, target_type || ':' || COALESCE(target_name, target_id) AS target
    FROM role_targets ORDER BY assignment_id, target
), targets AS (
    SELECT assignment_id, STRING_AGG(target, '; ') AS targets FROM target_names GROUP BY assignment_id
)
SELECT e.user_id, e.login, e.user_status, u.last_login, e.role_type, e.label AS role_label,
       e.assignment_id, e.via_group_id, e.via_group_name,
       CASE WHEN targets.targets IS NOT NULL THEN targets.targets
            WHEN e.role_type = 'CUSTOM' THEN 'resource set ' || COALESCE(e.resource_set_id, '?')
            ELSE 'org-wide' END AS scope,
       e.custom_role_id, e.resource_set_id
FROM effective_roles e
LEFT JOIN users u ON u.id = e.user_id
LEFT JOIN targets ON targets.assignment_id = e.assignment_id
ORDER BY e.login, e.user_id, e.role_type, e.via_group_name, e.assignment_id
"#,
};

/// `review-service-apps.csv`: one row per OAuth 2.0 service app.
pub const SERVICE_APPS: Export = Export {
    id: "service-apps",
    title: "Service apps",
    file: "review-service-apps.csv",
    entity_column: "app_id",
    columns: &[
        "app_id",
        "client_id",
        "label",
        "status",
        "auth_method",
        "dpop_required",
        "scopes",
        "manage_scopes",
        "roles",
        "active_secrets",
        "active_keys",
        "oldest_credential_days",
        "created",
    ],
    sql: r#"
SELECT id AS app_id, client_id, label, status, auth_method, dpop_required, scopes,
       manage_scopes, roles, active_secret_count AS active_secrets,
       active_key_count AS active_keys, oldest_active_credential_days AS oldest_credential_days,
       created
FROM service_apps
ORDER BY label, id
"#,
};

/// All three exports, in report-set order.
pub const ALL: [Export; 3] = [TOKENS, ADMINS, SERVICE_APPS];

/// The rows of one export (data columns only).
pub fn rows(export: &Export, tables: &Tables) -> Result<QueryRows, RenderError> {
    query(tables, export.sql)
        .map_err(|e| RenderError::Csv(format!("{}: the export query failed: {e}", export.file)))
}

/// Findings per entity id, as `rule-id (severity, status)` joined by `; `.
fn findings_by_entity(eval: &Evaluation) -> BTreeMap<&str, String> {
    let mut map: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for f in &eval.findings {
        let status = match f.status {
            FindingStatus::Open => "",
            FindingStatus::Waived => ", waived",
            FindingStatus::Baselined => ", baselined",
        };
        map.entry(f.entity_id.as_str())
            .or_default()
            .push(format!("{} ({}{status})", f.rule_id, f.severity));
    }
    map.into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v.join("; "))
        })
        .collect()
}

/// Builds one inventory table: the export's rows plus the findings on each entity.
pub fn inventory(
    export: &Export,
    tables: &Tables,
    eval: &Evaluation,
) -> Result<Inventory, RenderError> {
    let data = rows(export, tables)?;
    let findings = findings_by_entity(eval);
    let mut columns: Vec<String> = export.columns.iter().map(|c| c.to_string()).collect();
    columns.push("findings".into());
    let rows = (0..data.rows.len())
        .map(|i| {
            let mut row: Vec<String> = export.columns.iter().map(|c| data.text(i, c)).collect();
            let entity = data.text(i, export.entity_column);
            row.push(findings.get(entity.as_str()).cloned().unwrap_or_default());
            row
        })
        .collect();
    Ok(Inventory {
        id: export.id.into(),
        title: export.title.into(),
        file: export.file.into(),
        columns,
        rows,
    })
}

/// All inventory tables, in report order.
pub fn inventories(tables: &Tables, eval: &Evaluation) -> Result<Vec<Inventory>, RenderError> {
    ALL.iter().map(|e| inventory(e, tables, eval)).collect()
}

/// Renders an inventory as its review CSV: data columns, `findings`, then the empty reviewer
/// columns.
pub fn render_csv(inv: &Inventory) -> Result<String, RenderError> {
    let mut header: Vec<&str> = inv.columns.iter().map(String::as_str).collect();
    header.extend(REVIEWER_COLUMNS);
    let rows: Vec<Vec<String>> = inv
        .rows
        .iter()
        .map(|r| {
            let mut row = r.clone();
            row.extend(REVIEWER_COLUMNS.iter().map(|_| String::new()));
            row
        })
        .collect();
    super::csv::write_rows(&header, &rows)
}
