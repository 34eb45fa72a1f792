//! `log_window`, `log_events`, `log_event_targets`, `token_activity` and `admin_activity`.
//!
//! Only events inside the collected window (`since` ≤ published < `until`, from the collection's
//! `meta`) and not after `as_of` are kept, so re-evaluating a snapshot at an earlier instant never
//! sees the future. Events whose `published` does not parse are kept (the server put them in the
//! window) with a null `days_ago`. debugData values are read as strings whatever their JSON type,
//! in camelCase or snake_case.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;
use serde_json::Value;

use super::apps::AppIds;
use super::frame::FrameBuilder;
use super::json::{Loaded, Obj};
use super::time::{days_between, parse_ts};
use super::users::UserIndex;
use super::{ModelError, table_def};

/// A leaked or misplaced API token tried from outside its network zones.
pub(crate) const OUTSIDE_RANGE: &str = "system.api_token.request_outside_allowed_range";
/// A user opened the Admin Console.
pub(crate) const ADMIN_APP_ACCESS: &str = "user.session.access_admin_app";

/// The frames this module builds.
pub(crate) struct LogFrames {
    pub(crate) log_window: DataFrame,
    pub(crate) log_events: DataFrame,
    pub(crate) log_event_targets: DataFrame,
    pub(crate) token_activity: DataFrame,
    pub(crate) admin_activity: DataFrame,
}

/// API tokens by id: (name, owner user id).
pub(crate) type TokenIndex = HashMap<String, (Option<String>, Option<String>)>;

/// What the log tables look up elsewhere.
pub(crate) struct LogContext<'a> {
    /// The collected window (`since`, `until`), when recorded.
    pub(crate) since: Option<DateTime<Utc>>,
    /// End of the window.
    pub(crate) until: Option<DateTime<Utc>>,
    /// API tokens by id: (name, owner user id).
    pub(crate) tokens: &'a TokenIndex,
    pub(crate) users: &'a UserIndex,
    pub(crate) apps: &'a AppIds,
    pub(crate) as_of: DateTime<Utc>,
}

/// Whether an event published at `t` is inside the window and not after `as_of`.
pub(crate) fn in_window(t: Option<DateTime<Utc>>, ctx: &LogContext<'_>) -> bool {
    let Some(t) = t else { return true };
    t <= ctx.as_of && ctx.since.is_none_or(|s| t >= s) && ctx.until.is_none_or(|u| t < u)
}

/// What a logged target is, from its type, else its id prefix.
pub(crate) fn object_kind(target_type: Option<&str>, id: Option<&str>) -> &'static str {
    let t = target_type.unwrap_or("").to_ascii_lowercase();
    let by_type = if t.contains("group") {
        Some("group")
    } else if t == "user" {
        Some("user")
    } else if t.starts_with("app") || t.contains("clientapp") || t == "application" {
        Some("app")
    } else if t.contains("token") {
        Some("token")
    } else if t.contains("resource") {
        Some("resource_set")
    } else if t.contains("role") {
        Some("custom_role")
    } else {
        None
    };
    by_type.unwrap_or_else(|| {
        let id = id.unwrap_or("");
        [
            ("cr0", "custom_role"),
            ("iam", "resource_set"),
            ("00u", "user"),
            ("00g", "group"),
            ("0oa", "app"),
            ("00T", "token"),
        ]
        .iter()
        .find(|(p, _)| id.starts_with(p))
        .map_or("other", |(_, k)| k)
    })
}

/// A debugData value as a string, whichever spelling and JSON type.
fn debug_str(debug: Option<&Obj<'_>>, keys: &[&str]) -> Option<String> {
    let d = debug?;
    keys.iter().find_map(|k| match d.raw(k)? {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => Some(
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        other => Some(other.to_string()),
    })
}

#[derive(Default)]
struct TokenAcc {
    events: usize,
    ips: BTreeSet<String>,
    first: Option<(DateTime<Utc>, String)>,
    last: Option<(DateTime<Utc>, String)>,
    outside: usize,
    outside_ips: BTreeSet<String>,
    last_outside: Option<(DateTime<Utc>, String)>,
    actor: Option<(Option<String>, Option<String>)>,
}

#[derive(Default)]
struct UserAcc {
    login: Option<String>,
    events: usize,
    admin: usize,
    last_admin: Option<(DateTime<Utc>, String)>,
    last: Option<(DateTime<Utc>, String)>,
}

fn later(
    slot: &mut Option<(DateTime<Utc>, String)>,
    t: Option<DateTime<Utc>>,
    raw: &Option<String>,
) {
    if let (Some(t), Some(raw)) = (t, raw)
        && slot.as_ref().is_none_or(|(s, _)| t > *s)
    {
        *slot = Some((t, raw.clone()));
    }
}

fn earlier(
    slot: &mut Option<(DateTime<Utc>, String)>,
    t: Option<DateTime<Utc>>,
    raw: &Option<String>,
) {
    if let (Some(t), Some(raw)) = (t, raw)
        && slot.as_ref().is_none_or(|(s, _)| t < *s)
    {
        *slot = Some((t, raw.clone()));
    }
}

/// Builds the log tables.
pub(crate) fn build(events: &Loaded, ctx: &LogContext<'_>) -> Result<LogFrames, ModelError> {
    let mut eb = FrameBuilder::new(table_def("log_events")?);
    let mut tb = FrameBuilder::new(table_def("log_event_targets")?);
    let mut tokens: BTreeMap<String, TokenAcc> = BTreeMap::new();
    let mut token_names: HashMap<String, String> = HashMap::new();
    let mut users: BTreeMap<String, UserAcc> = BTreeMap::new();
    let mut kept = 0usize;
    for e in events.objects()? {
        let published = e.str("published")?;
        let at = parse_ts(published.as_deref());
        if !in_window(at, ctx) {
            continue;
        }
        kept += 1;
        let uuid = e.str("uuid")?;
        let event_type = e.str("eventType")?;
        let actor = e.obj("actor")?;
        let a = |k: &str| actor.as_ref().map_or(Ok(None), |a| a.str(k));
        let (actor_id, actor_type, actor_login) = (a("id")?, a("type")?, a("alternateId")?);
        let client_ip = e.str_at(&["client", "ipAddress"])?;
        let token_id = e.str_at(&["transaction", "detail", "requestApiTokenId"])?;
        let debug = e
            .obj("debugContext")?
            .map(|d| d.obj("debugData"))
            .transpose()?
            .flatten();
        let client_actor = actor_type
            .as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().contains("client"));
        let client_id = if client_actor { actor_id.clone() } else { None }
            .or_else(|| debug_str(debug.as_ref(), &["clientId", "client_id"]));
        let targets = e.objects("target")?;
        let mut app_id = client_id.as_deref().and_then(|c| ctx.apps.get(c)).cloned();
        let mut target_token = None;
        for t in &targets {
            let (tid, ttype) = (t.str("id")?, t.str("type")?);
            let kind = object_kind(ttype.as_deref(), tid.as_deref());
            let display = t.str("displayName")?;
            if let Some(id) = &tid {
                if app_id.is_none() {
                    app_id = ctx.apps.get(id).cloned();
                }
                if kind == "token" {
                    target_token.get_or_insert_with(|| id.clone());
                    if let Some(d) = &display {
                        token_names.entry(id.clone()).or_insert_with(|| d.clone());
                    }
                }
            }
            tb.push(vec![
                ("uuid", uuid.clone().into()),
                ("event_type", event_type.clone().into()),
                ("published", published.clone().into()),
                ("target_id", tid.into()),
                ("target_type", ttype.into()),
                ("alternate_id", t.str("alternateId")?.into()),
                ("display_name", display.into()),
                ("object_kind", kind.into()),
            ])?;
        }
        let first = targets.first();
        let f = |k: &str| first.map_or(Ok(None), |t| t.str(k));

        if let Some(tok) = &token_id {
            let acc = tokens.entry(tok.clone()).or_default();
            acc.events += 1;
            acc.ips.extend(client_ip.clone());
            earlier(&mut acc.first, at, &published);
            later(&mut acc.last, at, &published);
            if acc.actor.is_none() && !client_actor {
                acc.actor = Some((actor_id.clone(), actor_login.clone()));
            }
        }
        if event_type.as_deref() == Some(OUTSIDE_RANGE)
            && let Some(tok) = token_id.clone().or(target_token)
        {
            let acc = tokens.entry(tok).or_default();
            acc.outside += 1;
            acc.outside_ips.extend(client_ip.clone());
            later(&mut acc.last_outside, at, &published);
        }
        if actor_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("user"))
            && let Some(uid) = &actor_id
        {
            let acc = users.entry(uid.clone()).or_default();
            acc.events += 1;
            acc.login = acc.login.take().or(actor_login.clone());
            later(&mut acc.last, at, &published);
            if event_type.as_deref() == Some(ADMIN_APP_ACCESS) {
                acc.admin += 1;
                later(&mut acc.last_admin, at, &published);
            }
        }

        let privilege = debug_str(
            debug.as_ref(),
            &[
                "privilegeGranted",
                "privilege_granted",
                "privilegeRevoked",
                "privilege_revoked",
            ],
        );
        eb.push(vec![
            ("uuid", uuid.into()),
            ("published", published.into()),
            ("days_ago", at.map(|t| days_between(t, ctx.as_of)).into()),
            ("event_type", event_type.into()),
            ("severity", e.str("severity")?.into()),
            ("display_message", e.str("displayMessage")?.into()),
            ("outcome", e.str_at(&["outcome", "result"])?.into()),
            ("outcome_reason", e.str_at(&["outcome", "reason"])?.into()),
            ("actor_id", actor_id.into()),
            ("actor_type", actor_type.into()),
            ("actor_login", actor_login.into()),
            ("actor_name", a("displayName")?.into()),
            ("client_ip", client_ip.into()),
            ("token_id", token_id.into()),
            ("client_id", client_id.into()),
            ("app_id", app_id.into()),
            ("target_id", f("id")?.into()),
            ("target_type", f("type")?.into()),
            ("target_alternate_id", f("alternateId")?.into()),
            ("target_name", f("displayName")?.into()),
            ("target_count", targets.len().into()),
            ("privilege", privilege.into()),
            (
                "grant_type",
                debug_str(debug.as_ref(), &["grantType", "grant_type"]).into(),
            ),
            (
                "granted_scopes",
                debug_str(debug.as_ref(), &["grantedScopes", "granted_scopes"]).into(),
            ),
            (
                "network_connection",
                debug_str(debug.as_ref(), &["networkConnection", "network_connection"]).into(),
            ),
            (
                "request_uri",
                debug_str(debug.as_ref(), &["requestUri", "request_uri"]).into(),
            ),
            ("transaction_id", e.str_at(&["transaction", "id"])?.into()),
        ])?;
    }

    let mut wb = FrameBuilder::new(table_def("log_window")?);
    wb.push(vec![
        ("since", ctx.since.map(super::time::format_ts).into()),
        ("until", ctx.until.map(super::time::format_ts).into()),
        (
            "window_days",
            ctx.since
                .zip(ctx.until)
                .map(|(s, u)| days_between(s, u))
                .into(),
        ),
        ("event_count", kept.into()),
    ])?;
    Ok(LogFrames {
        log_window: wb.finish()?,
        log_events: eb.finish()?,
        log_event_targets: tb.finish()?,
        token_activity: token_frame(&tokens, &token_names, ctx)?,
        admin_activity: admin_frame(&users, ctx.as_of)?,
    })
}

fn joined(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

fn token_frame(
    tokens: &BTreeMap<String, TokenAcc>,
    names: &HashMap<String, String>,
    ctx: &LogContext<'_>,
) -> Result<DataFrame, ModelError> {
    let mut b = FrameBuilder::new(table_def("token_activity")?);
    for (id, acc) in tokens {
        let known = ctx.tokens.get(id);
        let name = known
            .and_then(|(n, _)| n.clone())
            .or_else(|| names.get(id).cloned());
        let (owner_id, actor_login) = match known.and_then(|(_, u)| u.clone()) {
            Some(u) => (Some(u), None),
            None => acc.actor.clone().unwrap_or_default(),
        };
        let owner_login = owner_id
            .as_deref()
            .and_then(|u| ctx.users.get(u))
            .and_then(|u| u.login.clone())
            .or(actor_login);
        b.push(vec![
            ("token_id", id.as_str().into()),
            ("token_name", name.into()),
            ("owner_id", owner_id.into()),
            ("owner_login", owner_login.into()),
            ("events", acc.events.into()),
            ("source_ips", acc.ips.len().into()),
            ("ip_addresses", joined(&acc.ips).into()),
            ("first_seen", acc.first.clone().map(|x| x.1).into()),
            ("last_seen", acc.last.clone().map(|x| x.1).into()),
            (
                "days_since_last_seen",
                acc.last
                    .as_ref()
                    .map(|(t, _)| days_between(*t, ctx.as_of))
                    .into(),
            ),
            ("outside_range_events", acc.outside.into()),
            ("outside_range_ips", joined(&acc.outside_ips).into()),
            (
                "last_outside_range",
                acc.last_outside.clone().map(|x| x.1).into(),
            ),
        ])?;
    }
    b.finish()
}

fn admin_frame(
    users: &BTreeMap<String, UserAcc>,
    as_of: DateTime<Utc>,
) -> Result<DataFrame, ModelError> {
    let mut b = FrameBuilder::new(table_def("admin_activity")?);
    for (id, acc) in users {
        let days =
            |x: &Option<(DateTime<Utc>, String)>| x.as_ref().map(|(t, _)| days_between(*t, as_of));
        b.push(vec![
            ("user_id", id.as_str().into()),
            ("login", acc.login.clone().into()),
            ("events", acc.events.into()),
            ("admin_app_accesses", acc.admin.into()),
            (
                "last_admin_app_access",
                acc.last_admin.clone().map(|x| x.1).into(),
            ),
            ("days_since_admin_app_access", days(&acc.last_admin).into()),
            ("last_event", acc.last.clone().map(|x| x.1).into()),
            ("days_since_last_event", days(&acc.last).into()),
        ])?;
    }
    b.finish()
}
