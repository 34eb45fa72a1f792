//! API tokens, network zones, user types, users and groups.

use serde_json::Value;

use super::{Ctx, links};
use crate::mock::filter::Filter;
use crate::mock::fixture::str_at;
use crate::mock::paging::{PageSpec, paginate};
use crate::mock::reply::Reply;

/// `/api/v1/api-tokens`: limit 20 (max 200); `q` matches name or clientName.
const TOKENS: PageSpec = PageSpec {
    default: Some(20),
    max: Some(200),
};
/// `/api/v1/zones`: limit -1 (everything) by default.
const ZONES: PageSpec = PageSpec {
    default: None,
    max: None,
};
/// `/api/v1/users`: limit 200.
const USERS: PageSpec = PageSpec {
    default: Some(200),
    max: Some(200),
};
/// `/api/v1/groups`: limit 200 (max 10000).
const GROUPS: PageSpec = PageSpec {
    default: Some(200),
    max: Some(10_000),
};
/// `/api/v1/groups/{id}/users`: limit 1000.
const GROUP_USERS: PageSpec = PageSpec {
    default: Some(1000),
    max: Some(1000),
};

type Answer = Result<Reply, Reply>;

/// The parsed `filter` (or `search`) parameter, if any.
fn filter(ctx: &Ctx<'_>) -> Result<Option<Filter>, Reply> {
    match ctx.param("filter").or_else(|| ctx.param("search")) {
        None | Some("") => Ok(None),
        Some(text) => Filter::parse(text)
            .map(Some)
            .map_err(|e| Reply::invalid_search(&e)),
    }
}

fn starts_with_ci(text: Option<&str>, prefix: &str) -> bool {
    text.is_some_and(|t| t.to_lowercase().starts_with(&prefix.to_lowercase()))
}

/// Lists API tokens.
pub(super) fn api_tokens(ctx: &Ctx<'_>) -> Answer {
    let q = ctx.param("q").map(str::to_lowercase);
    let items = ctx
        .state
        .org
        .api_tokens
        .iter()
        .filter(|t| {
            q.as_deref().is_none_or(|q| {
                ["name", "clientName"]
                    .iter()
                    .any(|k| str_at(t, k).is_some_and(|v| v.to_lowercase().contains(q)))
            })
        })
        .map(|t| links::api_token(ctx, t))
        .collect();
    Ok(paginate(ctx, items, TOKENS)?.into_reply())
}

/// One API token.
pub(super) fn api_token(ctx: &Ctx<'_>, id: &str) -> Answer {
    find(&ctx.state.org.api_tokens, id)
        .map(|t| Reply::ok(links::api_token(ctx, t)))
        .ok_or_else(|| Reply::not_found(id, "ApiToken"))
}

/// Lists network zones (`filter` on `id`, `usage`, `system`).
pub(super) fn zones(ctx: &Ctx<'_>) -> Answer {
    let filter = filter(ctx)?;
    let items = ctx
        .state
        .org
        .zones
        .iter()
        .filter(|z| filter.as_ref().is_none_or(|f| f.matches(z)))
        .map(|z| links::zone(ctx, z))
        .collect();
    Ok(paginate(ctx, items, ZONES)?.into_reply())
}

/// One network zone.
pub(super) fn zone(ctx: &Ctx<'_>, id: &str) -> Answer {
    find(&ctx.state.org.zones, id)
        .map(|z| Reply::ok(links::zone(ctx, z)))
        .ok_or_else(|| Reply::not_found(id, "NetworkZone"))
}

/// Lists user types (not paged).
pub(super) fn user_types(ctx: &Ctx<'_>) -> Answer {
    let items = ctx
        .state
        .org
        .user_types
        .iter()
        .map(|t| links::user_type(ctx, t));
    Ok(Reply::ok(Value::Array(items.collect())))
}

/// One user type.
pub(super) fn user_type(ctx: &Ctx<'_>, id: &str) -> Answer {
    find(&ctx.state.org.user_types, id)
        .map(|t| Reply::ok(links::user_type(ctx, t)))
        .ok_or_else(|| Reply::not_found(id, "UserType"))
}

/// Lists users. Without `filter`/`search`, `DEPROVISIONED` users are left out, as Okta does;
/// `q` matches the start of firstName, lastName, email or login.
pub(super) fn users(ctx: &Ctx<'_>) -> Answer {
    let filter = filter(ctx)?;
    let q = ctx.param("q");
    let items = ctx
        .state
        .org
        .users
        .iter()
        .filter(|u| match &filter {
            Some(f) => f.matches(u),
            None => str_at(u, "status") != Some("DEPROVISIONED"),
        })
        .filter(|u| {
            q.is_none_or(|q| {
                [
                    "profile.firstName",
                    "profile.lastName",
                    "profile.email",
                    "profile.login",
                ]
                .iter()
                .any(|k| starts_with_ci(str_at(u, k), q))
            })
        })
        .map(|u| links::user(ctx, u))
        .collect();
    Ok(paginate(ctx, items, USERS)?.into_reply())
}

/// One user by id or login.
pub(super) fn user(ctx: &Ctx<'_>, id_or_login: &str) -> Answer {
    ctx.state
        .org
        .user(id_or_login)
        .map(|u| Reply::ok(links::user(ctx, u)))
        .ok_or_else(|| Reply::not_found(id_or_login, "User"))
}

/// Lists groups (`filter`/`search`; `q` matches the start of profile.name).
pub(super) fn groups(ctx: &Ctx<'_>) -> Answer {
    let filter = filter(ctx)?;
    let q = ctx.param("q");
    let items = ctx
        .state
        .org
        .groups
        .iter()
        .filter(|g| filter.as_ref().is_none_or(|f| f.matches(g)))
        .filter(|g| q.is_none_or(|q| starts_with_ci(str_at(g, "profile.name"), q)))
        .map(|g| links::group(ctx, g))
        .collect();
    Ok(paginate(ctx, items, GROUPS)?.into_reply())
}

/// One group.
pub(super) fn group(ctx: &Ctx<'_>, id: &str) -> Answer {
    ctx.state
        .org
        .group(id)
        .map(|g| Reply::ok(links::group(ctx, g)))
        .ok_or_else(|| Reply::not_found(id, "Group"))
}

/// The members of a group, as full User objects.
pub(super) fn group_users(ctx: &Ctx<'_>, id: &str) -> Answer {
    let org = &ctx.state.org;
    if org.group(id).is_none() {
        return Err(Reply::not_found(id, "Group"));
    }
    let items = org
        .group_members
        .get(id)
        .into_iter()
        .flatten()
        .filter_map(|uid| org.user(uid))
        .map(|u| links::user(ctx, u))
        .collect();
    Ok(paginate(ctx, items, GROUP_USERS)?.into_reply())
}

fn find<'a>(items: &'a [Value], id: &str) -> Option<&'a Value> {
    items.iter().find(|item| str_at(item, "id") == Some(id))
}
