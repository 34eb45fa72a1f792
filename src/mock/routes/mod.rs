//! The endpoints the mock serves (all `GET`), resolved from the path and answered from the fixture.

mod apps;
mod directory;
mod factors;
mod iam;
mod links;
mod logs;
mod roles;

use serde_json::json;

use crate::mock::reply::Reply;
use crate::mock::server::AppState;

/// What a route needs to know about the request it answers.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    /// The server state (org, base URL, settings).
    pub(crate) state: &'a AppState,
    /// The request path, still percent-encoded.
    pub(crate) path: &'a str,
    /// The path and query as received.
    pub(crate) path_and_query: &'a str,
    /// The decoded query pairs.
    pub(crate) query: Vec<(String, String)>,
    /// A repeat-next fault applies: `next` points at this very page.
    pub(crate) repeat_next: bool,
    /// The request's `Authorization` header (for `/users/me`).
    pub(crate) authorization: Option<&'a str>,
}

impl Ctx<'_> {
    /// The first value of query parameter `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// An absolute URL on the mock for `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.state.base_url)
    }

    /// The absolute URL of this request.
    pub(crate) fn self_url(&self) -> String {
        self.url(self.path_and_query)
    }
}

/// Whose role assignments a roles route is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Principal {
    /// `/api/v1/users/{id}/roles…`
    User,
    /// `/api/v1/groups/{id}/roles…`
    Group,
}

/// Which targets of a role assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetKind {
    /// `…/targets/groups`
    Groups,
    /// `…/targets/catalog/apps`
    Apps,
}

/// A known endpoint with its path parameters (percent-decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/.well-known/okta-organization` (no authentication).
    WellKnown,
    /// `/api/v1/api-tokens`
    ApiTokens,
    /// `/api/v1/api-tokens/{id}`
    ApiToken(String),
    /// `/api/v1/zones`
    Zones,
    /// `/api/v1/zones/{id}`
    Zone(String),
    /// `/api/v1/meta/types/user`
    UserTypes,
    /// `/api/v1/meta/types/user/{id}`
    UserType(String),
    /// `/api/v1/users`
    Users,
    /// `/api/v1/users/{idOrLogin}`
    User(String),
    /// `/api/v1/groups`
    Groups,
    /// `/api/v1/groups/{id}`
    Group(String),
    /// `/api/v1/groups/{id}/users`
    GroupUsers(String),
    /// `/api/v1/{users|groups}/{id}/roles`
    Roles(Principal, String),
    /// `/api/v1/{users|groups}/{id}/roles/{assignmentId}`
    Role(Principal, String, String),
    /// `/api/v1/{users|groups}/{id}/roles/{assignmentId}/targets/{groups|catalog/apps}`
    Targets(Principal, String, String, TargetKind),
    /// `/api/v1/iam/assignees/users`
    Assignees,
    /// `/api/v1/apps…` and `/oauth2/v1/clients/{clientId}/roles…`
    App(apps::AppRoute),
    /// `/api/v1/logs`
    Logs,
    /// `/api/v1/users/me`
    Me,
    /// `/api/v1/users/{idOrLogin}/factors`
    UserFactors(String),
    /// `/api/v1/iam/roles`
    IamRoles,
    /// `/api/v1/iam/roles/{idOrLabel}`
    IamRole(String),
    /// `/api/v1/iam/roles/{idOrLabel}/permissions`
    IamPermissions(String),
    /// `/api/v1/iam/resource-sets`
    ResourceSets,
    /// `/api/v1/iam/resource-sets/{idOrLabel}`
    ResourceSet(String),
    /// `/api/v1/iam/resource-sets/{id}/resources`
    ResourceSetResources(String),
    /// `/api/v1/iam/resource-sets/{id}/bindings`
    Bindings(String),
    /// `/api/v1/iam/resource-sets/{id}/bindings/{roleIdOrLabel}`
    Binding(String, String),
    /// `/api/v1/iam/resource-sets/{id}/bindings/{roleIdOrLabel}/members`
    BindingMembers(String, String),
}

impl Route {
    /// The route of a request path, `None` when the mock has no such endpoint.
    pub(crate) fn resolve(path: &str) -> Option<Route> {
        let segs: Vec<String> = path
            .strip_prefix('/')?
            .split('/')
            .map(percent_decode)
            .collect();
        if segs.iter().any(String::is_empty) {
            return None;
        }
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let principal = |p: &str| match p {
            "users" => Principal::User,
            _ => Principal::Group,
        };
        let route = match segs.as_slice() {
            [".well-known", "okta-organization"] => Route::WellKnown,
            ["api", "v1", rest @ ..] => match rest {
                ["api-tokens"] => Route::ApiTokens,
                ["api-tokens", id] => Route::ApiToken((*id).to_owned()),
                ["zones"] => Route::Zones,
                ["zones", id] => Route::Zone((*id).to_owned()),
                ["meta", "types", "user"] => Route::UserTypes,
                ["meta", "types", "user", id] => Route::UserType((*id).to_owned()),
                ["users"] => Route::Users,
                ["users", "me"] => Route::Me,
                ["users", id] => Route::User((*id).to_owned()),
                ["users", id, "factors"] => Route::UserFactors((*id).to_owned()),
                ["groups"] => Route::Groups,
                ["groups", id] => Route::Group((*id).to_owned()),
                ["groups", id, "users"] => Route::GroupUsers((*id).to_owned()),
                [p @ ("users" | "groups"), id, "roles"] => {
                    Route::Roles(principal(p), (*id).to_owned())
                }
                [p @ ("users" | "groups"), id, "roles", ra] => {
                    Route::Role(principal(p), (*id).to_owned(), (*ra).to_owned())
                }
                [
                    p @ ("users" | "groups"),
                    id,
                    "roles",
                    ra,
                    "targets",
                    kind @ ..,
                ] => {
                    let kind = match kind {
                        ["groups"] => TargetKind::Groups,
                        ["catalog", "apps"] => TargetKind::Apps,
                        _ => return None,
                    };
                    Route::Targets(principal(p), (*id).to_owned(), (*ra).to_owned(), kind)
                }
                ["iam", "assignees", "users"] => Route::Assignees,
                ["apps", rest @ ..] => Route::App(apps::AppRoute::api(rest)?),
                ["logs"] => Route::Logs,
                ["iam", "roles"] => Route::IamRoles,
                ["iam", "roles", r] => Route::IamRole((*r).to_owned()),
                ["iam", "roles", r, "permissions"] => Route::IamPermissions((*r).to_owned()),
                ["iam", "resource-sets"] => Route::ResourceSets,
                ["iam", "resource-sets", rs] => Route::ResourceSet((*rs).to_owned()),
                ["iam", "resource-sets", rs, "resources"] => {
                    Route::ResourceSetResources((*rs).to_owned())
                }
                ["iam", "resource-sets", rs, "bindings"] => Route::Bindings((*rs).to_owned()),
                ["iam", "resource-sets", rs, "bindings", r] => {
                    Route::Binding((*rs).to_owned(), (*r).to_owned())
                }
                ["iam", "resource-sets", rs, "bindings", r, "members"] => {
                    Route::BindingMembers((*rs).to_owned(), (*r).to_owned())
                }
                _ => return None,
            },
            ["oauth2", "v1", "clients", rest @ ..] => Route::App(apps::AppRoute::clients(rest)?),
            _ => return None,
        };
        Some(route)
    }

    /// Answers a `GET` of this route.
    pub(crate) fn serve(&self, ctx: &Ctx<'_>) -> Reply {
        let org = &ctx.state.org;
        let result = match self {
            Route::WellKnown => Ok(Reply::ok(json!({
                "id": org.org_id(),
                "pipeline": "idx",
                "_links": {"organization": {"href": ctx.state.base_url}},
            }))),
            Route::ApiTokens => directory::api_tokens(ctx),
            Route::ApiToken(id) => directory::api_token(ctx, id),
            Route::Zones => directory::zones(ctx),
            Route::Zone(id) => directory::zone(ctx, id),
            Route::UserTypes => directory::user_types(ctx),
            Route::UserType(id) => directory::user_type(ctx, id),
            Route::Users => directory::users(ctx),
            Route::User(id) => directory::user(ctx, id),
            Route::Groups => directory::groups(ctx),
            Route::Group(id) => directory::group(ctx, id),
            Route::GroupUsers(id) => directory::group_users(ctx, id),
            Route::Roles(p, id) => roles::list(ctx, *p, id),
            Route::Role(p, id, ra) => roles::one(ctx, *p, id, ra),
            Route::Targets(p, id, ra, kind) => roles::targets(ctx, *p, id, ra, *kind),
            Route::Assignees => roles::assignees(ctx),
            Route::App(route) => Ok(route.serve(ctx)),
            Route::Logs => logs::list(ctx),
            Route::Me => factors::me(ctx),
            Route::UserFactors(id) => factors::list(ctx, id),
            Route::IamRoles => iam::roles(ctx),
            Route::IamRole(r) => iam::role(ctx, r),
            Route::IamPermissions(r) => iam::permissions(ctx, r),
            Route::ResourceSets => iam::resource_sets(ctx),
            Route::ResourceSet(rs) => iam::resource_set(ctx, rs),
            Route::ResourceSetResources(rs) => iam::resources(ctx, rs),
            Route::Bindings(rs) => iam::bindings(ctx, rs),
            Route::Binding(rs, r) => iam::binding(ctx, rs, r),
            Route::BindingMembers(rs, r) => iam::members(ctx, rs, r),
        };
        result.unwrap_or_else(|reply| reply)
    }
}

/// Decodes `%XX` escapes in a path segment (invalid escapes are kept as written).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn resolves_known_paths_and_decodes_segments() {
        assert_eq!(
            Route::resolve("/api/v1/users/ann%40example.com"),
            Some(Route::User("ann@example.com".into()))
        );
        assert_eq!(
            Route::resolve("/api/v1/groups/00g1/roles/ra1/targets/catalog/apps"),
            Some(Route::Targets(
                Principal::Group,
                "00g1".into(),
                "ra1".into(),
                TargetKind::Apps
            ))
        );
        assert_eq!(Route::resolve("/api/v1/users/"), None);
        assert_eq!(Route::resolve("/api/v1/nope"), None);
        assert_eq!(
            Route::resolve("/api/v1/users/00u1/roles/ra1/targets/apps"),
            None
        );
    }
}
