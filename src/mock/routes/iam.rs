//! Custom roles, permissions, resource sets, their resources, bindings and binding members
//! (okta-api.md §4, §5).
//!
//! Every list is a JSON object with its own key (`roles`, `permissions`, `resource-sets`,
//! `resources`, `members`; `roles` again for bindings) paged by the body's `_links.next.href`.
//! `…/resources` sends no `Link` header, as Okta does; the other lists send both (whether Okta
//! does is unconfirmed, okta-api.md §11.5). Permissions are not paged by Okta; the mock pages them
//! only when a page size is forced, so clients are tested on following the body link there too.

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::mock::fixture::{Binding, CustomRole, Iam, Resource, ResourceSet, str_at};
use crate::mock::paging::{PageSpec, paginate};
use crate::mock::reply::Reply;

type Answer = Result<Reply, Reply>;

/// IAM lists: pages of up to 100 server side.
const IAM_LIST: PageSpec = PageSpec {
    default: Some(100),
    max: Some(100),
};
/// Permissions: not paged (unless a page size is forced).
const PERMISSIONS: PageSpec = PageSpec {
    default: None,
    max: None,
};

/// Whether a list also sends `Link` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkHeader {
    Yes,
    No,
}

fn href(url: String) -> Value {
    json!({ "href": url })
}

/// `object` with `links` as its `_links`, last.
fn with_links(object: &Value, links: Map<String, Value>) -> Value {
    let mut map = object.as_object().cloned().unwrap_or_default();
    map.remove("_links");
    map.insert("_links".into(), Value::Object(links));
    Value::Object(map)
}

fn links<const N: usize>(pairs: [(&str, String); N]) -> Map<String, Value> {
    pairs
        .into_iter()
        .map(|(rel, url)| (rel.to_owned(), href(url)))
        .collect()
}

/// One page of `items` as `{key: [...], "_links": {self, extra…, next}}`.
fn wrapped(
    ctx: &Ctx<'_>,
    key: &str,
    items: Vec<Value>,
    spec: PageSpec,
    extra: &[(&str, String)],
    header: LinkHeader,
) -> Answer {
    let page = paginate(ctx, items, spec)?;
    let mut body_links = Map::new();
    body_links.insert("self".into(), href(page.self_url.clone()));
    for (rel, url) in extra {
        body_links.insert((*rel).to_owned(), href(url.clone()));
    }
    if let Some(next) = &page.next_url {
        body_links.insert("next".into(), href(next.clone()));
    }
    let mut body = Map::new();
    body.insert(key.to_owned(), Value::Array(page.items));
    body.insert("_links".into(), Value::Object(body_links));
    let mut reply = Reply::ok(Value::Object(body));
    if header == LinkHeader::Yes {
        reply.links.push(("self", page.self_url));
        if let Some(next) = page.next_url {
            reply.links.push(("next", next));
        }
    }
    Ok(reply)
}

fn iam<'a>(ctx: &'a Ctx<'_>) -> &'a Iam {
    &ctx.state.org.iam
}

fn role_id(role: &CustomRole) -> &str {
    str_at(&role.body, "id").unwrap_or_default()
}

fn set_id(set: &ResourceSet) -> &str {
    str_at(&set.body, "id").unwrap_or_default()
}

fn find_role<'a>(ctx: &'a Ctx<'_>, id_or_label: &str) -> Result<&'a CustomRole, Reply> {
    iam(ctx)
        .role(id_or_label)
        .ok_or_else(|| Reply::not_found(id_or_label, "IamRole"))
}

fn find_set<'a>(ctx: &'a Ctx<'_>, id_or_label: &str) -> Result<&'a ResourceSet, Reply> {
    iam(ctx)
        .set(id_or_label)
        .ok_or_else(|| Reply::not_found(id_or_label, "ResourceSet"))
}

/// An IamRole with `self` and `permissions` links.
fn role_json(ctx: &Ctx<'_>, role: &CustomRole) -> Value {
    let url = ctx.url(&format!("/api/v1/iam/roles/{}", role_id(role)));
    let l = links([
        ("self", url.clone()),
        ("permissions", format!("{url}/permissions")),
    ]);
    with_links(&role.body, l)
}

/// A ResourceSet with `self`, `resources` and `bindings` links.
fn set_json(ctx: &Ctx<'_>, set: &ResourceSet) -> Value {
    let url = ctx.url(&format!("/api/v1/iam/resource-sets/{}", set_id(set)));
    let l = links([
        ("self", url.clone()),
        ("resources", format!("{url}/resources")),
        ("bindings", format!("{url}/bindings")),
    ]);
    with_links(&set.body, l)
}

/// `GET /api/v1/iam/roles`: `{"roles": [...]}`.
pub(super) fn roles(ctx: &Ctx<'_>) -> Answer {
    let items = iam(ctx).roles.iter().map(|r| role_json(ctx, r)).collect();
    wrapped(ctx, "roles", items, IAM_LIST, &[], LinkHeader::Yes)
}

/// `GET /api/v1/iam/roles/{roleIdOrLabel}`.
pub(super) fn role(ctx: &Ctx<'_>, id_or_label: &str) -> Answer {
    Ok(Reply::ok(role_json(ctx, find_role(ctx, id_or_label)?)))
}

/// `GET /api/v1/iam/roles/{roleIdOrLabel}/permissions`: `{"permissions": [...]}`.
pub(super) fn permissions(ctx: &Ctx<'_>, id_or_label: &str) -> Answer {
    let role = find_role(ctx, id_or_label)?;
    let role_url = ctx.url(&format!("/api/v1/iam/roles/{}", role_id(role)));
    let items = role
        .permissions
        .iter()
        .map(|p| {
            let label = str_at(p, "label").unwrap_or_default();
            let l = links([
                ("self", format!("{role_url}/permissions/{label}")),
                ("role", role_url.clone()),
            ]);
            with_links(p, l)
        })
        .collect();
    let extra = [("role", role_url.clone())];
    wrapped(
        ctx,
        "permissions",
        items,
        PERMISSIONS,
        &extra,
        LinkHeader::Yes,
    )
}

/// `GET /api/v1/iam/resource-sets`: `{"resource-sets": [...]}`.
pub(super) fn resource_sets(ctx: &Ctx<'_>) -> Answer {
    let items = iam(ctx).sets.iter().map(|s| set_json(ctx, s)).collect();
    wrapped(ctx, "resource-sets", items, IAM_LIST, &[], LinkHeader::Yes)
}

/// `GET /api/v1/iam/resource-sets/{idOrLabel}`.
pub(super) fn resource_set(ctx: &Ctx<'_>, id_or_label: &str) -> Answer {
    Ok(Reply::ok(set_json(ctx, find_set(ctx, id_or_label)?)))
}

/// `GET …/resource-sets/{id}/resources`: `{"resources": [...]}`, each with its `orn` and its REST
/// URL in `_links.self`; paged by the body only (no `Link` header).
pub(super) fn resources(ctx: &Ctx<'_>, id_or_label: &str) -> Answer {
    let set = find_set(ctx, id_or_label)?;
    let set_url = ctx.url(&format!("/api/v1/iam/resource-sets/{}", set_id(set)));
    let items = set
        .resources
        .iter()
        .map(|r| {
            let mut l = Map::new();
            if let Some(path) = r.resource.rest_path() {
                l.insert("self".into(), href(ctx.url(&path)));
            }
            let me = format!("{set_url}/resources/{}", r.id);
            l.insert("resource".into(), href(me));
            match r.resource {
                Resource::AllUsers => {
                    l.insert("users".into(), href(ctx.url("/api/v1/users")));
                }
                Resource::AllGroups => {
                    l.insert("groups".into(), href(ctx.url("/api/v1/groups")));
                }
                _ => {}
            }
            let mut item = json!({
                "id": r.id,
                "orn": r.orn,
                "created": r.created,
                "lastUpdated": r.created,
            });
            if let (Some(c), Some(map)) = (&r.conditions, item.as_object_mut()) {
                map.insert("conditions".into(), c.clone());
            }
            with_links(&item, l)
        })
        .collect();
    let extra = [("resource-set", set_url)];
    wrapped(ctx, "resources", items, IAM_LIST, &extra, LinkHeader::No)
}

/// `GET …/resource-sets/{id}/bindings`: `{"roles": [{"id": "cr0…", "_links": {self, members}}]}`.
pub(super) fn bindings(ctx: &Ctx<'_>, id_or_label: &str) -> Answer {
    let set = find_set(ctx, id_or_label)?;
    let set_url = ctx.url(&format!("/api/v1/iam/resource-sets/{}", set_id(set)));
    let items = set
        .bindings
        .iter()
        .map(|b| {
            let url = format!("{set_url}/bindings/{}", b.role);
            let l = links([("self", url.clone()), ("members", format!("{url}/members"))]);
            with_links(&json!({ "id": b.role }), l)
        })
        .collect();
    let extra = [("resource-set", set_url)];
    wrapped(ctx, "roles", items, IAM_LIST, &extra, LinkHeader::Yes)
}

/// The binding of `role` (id or label) in `set`.
fn find_binding<'a>(
    ctx: &'a Ctx<'_>,
    set: &'a ResourceSet,
    role: &str,
) -> Result<&'a Binding, Reply> {
    let id = iam(ctx).role(role).map_or(role, role_id);
    set.bindings
        .iter()
        .find(|b| b.role == id)
        .ok_or_else(|| Reply::not_found(role, "ResourceSetBinding"))
}

/// `GET …/resource-sets/{id}/bindings/{roleIdOrLabel}`.
pub(super) fn binding(ctx: &Ctx<'_>, set: &str, role: &str) -> Answer {
    let set = find_set(ctx, set)?;
    let b = find_binding(ctx, set, role)?;
    let set_url = ctx.url(&format!("/api/v1/iam/resource-sets/{}", set_id(set)));
    let url = format!("{set_url}/bindings/{}", b.role);
    let l = links([
        ("self", url.clone()),
        ("members", format!("{url}/members")),
        ("resource-set", set_url),
    ]);
    Ok(Reply::ok(with_links(&json!({ "id": b.role }), l)))
}

/// `GET …/bindings/{roleIdOrLabel}/members`: `{"members": [{"id": "irb…", …, "_links": {"self":
/// <the member's user, group or client URL>}}]}`.
pub(super) fn members(ctx: &Ctx<'_>, set: &str, role: &str) -> Answer {
    let set = find_set(ctx, set)?;
    let b = find_binding(ctx, set, role)?;
    let binding_url = ctx.url(&format!(
        "/api/v1/iam/resource-sets/{}/bindings/{}",
        set_id(set),
        b.role
    ));
    let items = b
        .members
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "created": m.created,
                "lastUpdated": m.last_updated,
                "_links": { "self": href(ctx.url(&m.of.path())) },
            })
        })
        .collect();
    let extra = [("binding", binding_url)];
    wrapped(ctx, "members", items, IAM_LIST, &extra, LinkHeader::Yes)
}
