//! Role assignments of users and groups, their targets, and the IAM assignee index.

use serde_json::{Map, Value, json};

use super::{Ctx, Principal, TargetKind, links};
use crate::mock::fixture::{Assignment, str_at};
use crate::mock::paging::{PageSpec, paginate};
use crate::mock::reply::Reply;

/// Role targets: limit 20 (max 200).
const TARGETS: PageSpec = PageSpec {
    default: Some(20),
    max: Some(200),
};
/// `/api/v1/iam/assignees/users`: limit 100.
const ASSIGNEES: PageSpec = PageSpec {
    default: Some(100),
    max: None,
};

type Answer = Result<Reply, Reply>;

/// The assignments a principal holds, each with the path of its assignee. A user's list has its
/// direct assignments first, then those of every role-holding group it belongs to (assignee: the
/// group), as Okta's `GET /users/{id}/roles` does.
fn held<'a>(
    ctx: &'a Ctx<'_>,
    principal: Principal,
    id: &str,
) -> Result<Vec<(&'a Assignment, String)>, Reply> {
    let org = &ctx.state.org;
    let mut out = Vec::new();
    match principal {
        Principal::User => {
            let user = org.user(id).ok_or_else(|| Reply::not_found(id, "User"))?;
            let uid = str_at(user, "id").unwrap_or(id);
            let direct = org.user_roles.get(uid).into_iter().flatten();
            out.extend(direct.map(|a| (a, format!("/api/v1/users/{uid}"))));
            for gid in org.groups_of(uid) {
                let inherited = org.group_roles.get(gid).into_iter().flatten();
                out.extend(inherited.map(|a| (a, format!("/api/v1/groups/{gid}"))));
            }
        }
        Principal::Group => {
            if org.group(id).is_none() {
                return Err(Reply::not_found(id, "Group"));
            }
            let own = org.group_roles.get(id).into_iter().flatten();
            out.extend(own.map(|a| (a, format!("/api/v1/groups/{id}"))));
        }
    }
    Ok(out)
}

/// `GET /api/v1/{users|groups}/{id}/roles`: a bare array, not paged.
pub(super) fn list(ctx: &Ctx<'_>, principal: Principal, id: &str) -> Answer {
    let items = held(ctx, principal, id)?
        .into_iter()
        .map(|(a, assignee)| links::assignment(ctx, a, &assignee))
        .collect();
    Ok(Reply::ok(Value::Array(items)))
}

fn find<'a>(
    ctx: &'a Ctx<'_>,
    principal: Principal,
    id: &str,
    assignment_id: &str,
) -> Result<(&'a Assignment, String), Reply> {
    held(ctx, principal, id)?
        .into_iter()
        .find(|(a, _)| a.id() == assignment_id)
        .ok_or_else(|| Reply::not_found(assignment_id, "RoleAssignment"))
}

/// `GET /api/v1/{users|groups}/{id}/roles/{assignmentId}`.
pub(super) fn one(ctx: &Ctx<'_>, principal: Principal, id: &str, assignment_id: &str) -> Answer {
    let (a, assignee) = find(ctx, principal, id, assignment_id)?;
    Ok(Reply::ok(links::assignment(ctx, a, &assignee)))
}

/// `…/roles/{assignmentId}/targets/groups` (Group objects) or `…/targets/catalog/apps`; `[]` when
/// the assignment is not scoped.
pub(super) fn targets(
    ctx: &Ctx<'_>,
    principal: Principal,
    id: &str,
    assignment_id: &str,
    kind: TargetKind,
) -> Answer {
    let (a, _) = find(ctx, principal, id, assignment_id)?;
    let org = &ctx.state.org;
    let items = match kind {
        TargetKind::Groups => a
            .target_groups
            .iter()
            .filter_map(|gid| org.group(gid))
            .map(|g| links::group(ctx, g))
            .collect(),
        TargetKind::Apps => a
            .target_apps
            .iter()
            .map(|app| links::catalog_app(ctx, app))
            .collect(),
    };
    Ok(paginate(ctx, items, TARGETS)?.into_reply())
}

/// `GET /api/v1/iam/assignees/users`: `{"value": [...], "_links": {"self", "next"}}`, paged by the
/// body's `_links.next` (and, as the mock also sends it, the `Link` header). Lists users with direct
/// assignments, plus members of role-holding groups when `assignees_include_group_members` is set.
pub(super) fn assignees(ctx: &Ctx<'_>) -> Answer {
    let org = &ctx.state.org;
    let holds_role = |uid: &str| {
        org.user_roles.get(uid).is_some_and(|r| !r.is_empty())
            || (org.assignees_include_group_members()
                && org
                    .groups_of(uid)
                    .iter()
                    .any(|g| org.group_roles.get(g).is_some_and(|r| !r.is_empty())))
    };
    let items = org
        .users
        .iter()
        .filter_map(|u| str_at(u, "id"))
        .filter(|uid| holds_role(uid))
        .map(|uid| {
            json!({
                "id": uid,
                "orn": format!("orn:okta:directory:{}:users:{uid}", org.org_id()),
                "_links": {
                    "self": {"href": ctx.url(&format!("/api/v1/users/{uid}"))},
                    "roles": {"href": ctx.url(&format!("/api/v1/users/{uid}/roles"))},
                },
            })
        })
        .collect();
    let page = paginate(ctx, items, ASSIGNEES)?;
    let mut body_links = Map::new();
    body_links.insert("self".into(), json!({ "href": page.self_url }));
    if let Some(next) = &page.next_url {
        body_links.insert("next".into(), json!({ "href": next }));
    }
    let mut reply = Reply::ok(json!({ "value": page.items, "_links": body_links }));
    reply.links.push(("self", page.self_url));
    if let Some(next) = page.next_url {
        reply.links.push(("next", next));
    }
    Ok(reply)
}
