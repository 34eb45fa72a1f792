//! A user's enrolled factors (`GET /api/v1/users/{id}/factors`) and the caller's own user
//! (`GET /api/v1/users/me`).
//!
//! `/users/me` answers the owner of the SSWS token that made the request. An OAuth 2.0
//! client-credentials token has no user behind it; the mock answers such a request
//! 404 E0000007 ("Not found: Resource not found: me (User)"), as an id lookup of a user that does
//! not exist — what Okta answers there is not documented (okta-api.md has no word on it).

use serde_json::{Value, json};

use super::{Ctx, links};
use crate::mock::fixture::str_at;
use crate::mock::reply::Reply;

type Answer = Result<Reply, Reply>;

/// The id of the user owning the SSWS token of this request, if it is one.
fn caller_user_id<'a>(ctx: &'a Ctx<'_>) -> Option<&'a str> {
    let (scheme, secret) = ctx.authorization?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("SSWS") {
        return None;
    }
    let org = &ctx.state.org;
    let token_id = org.token_for_secret(secret.trim())?;
    org.api_tokens
        .iter()
        .find(|t| str_at(t, "id") == Some(token_id))
        .and_then(|t| str_at(t, "userId"))
}

/// A user by id or login, `me` being the caller.
fn user<'a>(ctx: &'a Ctx<'_>, id_or_login: &str) -> Result<&'a Value, Reply> {
    let wanted = match id_or_login {
        "me" => caller_user_id(ctx).ok_or_else(|| Reply::not_found("me", "User"))?,
        other => other,
    };
    ctx.state
        .org
        .user(wanted)
        .ok_or_else(|| Reply::not_found(id_or_login, "User"))
}

/// `GET /api/v1/users/me`: the caller's User object.
pub(super) fn me(ctx: &Ctx<'_>) -> Answer {
    Ok(Reply::ok(links::user(ctx, user(ctx, "me")?)))
}

/// `GET /api/v1/users/{id}/factors`: a bare array of UserFactor (not paged), each with `self` and
/// `user` links.
pub(super) fn list(ctx: &Ctx<'_>, id_or_login: &str) -> Answer {
    let user = user(ctx, id_or_login)?;
    let uid = str_at(user, "id").unwrap_or_default();
    let user_url = ctx.url(&format!("/api/v1/users/{uid}"));
    let items = ctx
        .state
        .org
        .factors
        .get(uid)
        .into_iter()
        .flatten()
        .map(|f| {
            let mut map = f.as_object().cloned().unwrap_or_default();
            let fid = str_at(f, "id").unwrap_or_default();
            map.insert(
                "_links".into(),
                json!({
                    "self": {"href": format!("{user_url}/factors/{fid}"), "hints": {"allow": ["GET", "DELETE"]}},
                    "user": {"href": user_url, "hints": {"allow": ["GET"]}},
                }),
            );
            Value::Object(map)
        })
        .collect();
    Ok(Reply::ok(Value::Array(items)))
}
