//! The `_links` Okta puts on each object, with absolute hrefs on the mock's own base URL.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::mock::fixture::{AppTarget, Assignment, str_at};

/// `{"href": url}`, with `hints.allow` when `allow` is not empty.
fn href(url: String, allow: &[&str]) -> Value {
    if allow.is_empty() {
        json!({ "href": url })
    } else {
        json!({ "href": url, "hints": { "allow": allow } })
    }
}

/// `object` with its `_links` replaced by `links` (placed last, as Okta does).
fn with_links(object: &Value, links: Map<String, Value>) -> Value {
    let mut map = object.as_object().cloned().unwrap_or_default();
    map.remove("_links");
    map.insert("_links".into(), Value::Object(links));
    Value::Object(map)
}

fn id(object: &Value) -> &str {
    str_at(object, "id").unwrap_or_default()
}

/// An ApiToken with `self` and `user` links and its current (possibly slid) `expiresAt`.
pub(crate) fn api_token(ctx: &Ctx<'_>, token: &Value) -> Value {
    let mut links = Map::new();
    let url = ctx.url(&format!("/api/v1/api-tokens/{}", id(token)));
    links.insert("self".into(), href(url, &["GET", "DELETE"]));
    if let Some(user) = str_at(token, "userId") {
        let url = ctx.url(&format!("/api/v1/users/{user}"));
        links.insert("user".into(), href(url, &["GET"]));
    }
    let mut out = with_links(token, links);
    if let (Some(expires), Some(map)) = (ctx.state.expires_at(id(token)), out.as_object_mut()) {
        map.insert("expiresAt".into(), Value::String(expires));
    }
    out
}

/// A NetworkZone with `self` and `activate` / `deactivate` links.
pub(crate) fn zone(ctx: &Ctx<'_>, zone: &Value) -> Value {
    let base = format!("/api/v1/zones/{}", id(zone));
    let mut links = Map::new();
    links.insert(
        "self".into(),
        href(ctx.url(&base), &["GET", "PUT", "DELETE"]),
    );
    let (rel, action) = if str_at(zone, "status") == Some("INACTIVE") {
        ("activate", "activate")
    } else {
        ("deactivate", "deactivate")
    };
    let url = ctx.url(&format!("{base}/lifecycle/{action}"));
    links.insert(rel.into(), href(url, &["POST"]));
    with_links(zone, links)
}

/// A UserType with a `self` link.
pub(crate) fn user_type(ctx: &Ctx<'_>, user_type: &Value) -> Value {
    let mut links = Map::new();
    let url = ctx.url(&format!("/api/v1/meta/types/user/{}", id(user_type)));
    links.insert("self".into(), href(url, &["GET", "PUT", "DELETE"]));
    with_links(user_type, links)
}

/// A User with `self` and `type` links.
pub(crate) fn user(ctx: &Ctx<'_>, user: &Value) -> Value {
    let mut links = Map::new();
    let url = ctx.url(&format!("/api/v1/users/{}", id(user)));
    links.insert("self".into(), href(url, &[]));
    if let Some(type_id) = str_at(user, "type.id") {
        let url = ctx.url(&format!("/api/v1/meta/types/user/{type_id}"));
        links.insert("type".into(), href(url, &[]));
    }
    with_links(user, links)
}

/// A Group with `self`, `users` and `apps` links.
pub(crate) fn group(ctx: &Ctx<'_>, group: &Value) -> Value {
    let base = format!("/api/v1/groups/{}", id(group));
    let mut links = Map::new();
    links.insert("self".into(), href(ctx.url(&base), &[]));
    links.insert("users".into(), href(ctx.url(&format!("{base}/users")), &[]));
    links.insert("apps".into(), href(ctx.url(&format!("{base}/apps")), &[]));
    with_links(group, links)
}

/// A role assignment with `assignee` (→ `assignee_path`) and, for custom roles, the IAM links.
pub(crate) fn assignment(ctx: &Ctx<'_>, assignment: &Assignment, assignee_path: &str) -> Value {
    let body = &assignment.body;
    let mut links = Map::new();
    links.insert("assignee".into(), href(ctx.url(assignee_path), &[]));
    if let (Some(role), Some(set)) = (str_at(body, "role"), str_at(body, "resource-set")) {
        let role_url = ctx.url(&format!("/api/v1/iam/roles/{role}"));
        let set_url = ctx.url(&format!("/api/v1/iam/resource-sets/{set}"));
        let member = format!("{set_url}/bindings/{role}/members/{}", assignment.id());
        links.insert("role".into(), href(role_url.clone(), &[]));
        links.insert("resource-set".into(), href(set_url, &[]));
        links.insert("member".into(), href(member, &[]));
        links.insert(
            "permissions".into(),
            href(format!("{role_url}/permissions"), &[]),
        );
    }
    with_links(body, links)
}

/// A CatalogApplication-like object for an app target.
pub(crate) fn catalog_app(ctx: &Ctx<'_>, app: &AppTarget) -> Value {
    let filter = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("filter", &format!("name eq \"{}\"", app.name))
        .finish();
    json!({
        "name": app.name,
        "displayName": app.display_name,
        "status": "ACTIVE",
        "_links": {
            "self": { "href": ctx.url(&format!("/api/v1/apps?{filter}")) },
        },
    })
}
