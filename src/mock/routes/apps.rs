//! OAuth 2.0 apps (okta-api.md §7): `/api/v1/apps` and its grants, client secrets and JWKS keys, and
//! the client role assignments under `/oauth2/v1/clients/{clientId}/roles` (§3).
//!
//! Mock choices where Okta's docs are silent: the app list's `filter` takes `eq` terms on `id`,
//! `status`, `name`, `credentials.signing.kid` and `settings.slo.enabled` joined by `and`/`or`
//! (anything else is 400 E0000031); `q` is a case-insensitive prefix of `name` or `label`; DELETED
//! apps are listed only with `includeNonDeleted=true`; a secret's `client_secret` is masked as its
//! first four characters, `…` and its last two, and a missing `secret_hash` is derived from it; a
//! grant given as a bare scope id gets an `oag…` id, the app's `created` time and `source: ADMIN`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Ctx, TargetKind, links};
use crate::mock::JwksShape;
use crate::mock::filter::Filter;
use crate::mock::fixture::{App, Assignment, str_at};
use crate::mock::paging::{PageSpec, paginate};
use crate::mock::reply::Reply;

/// `/api/v1/apps`: limit -1 (everything) by default, at most 200.
const APPS: PageSpec = PageSpec {
    default: None,
    max: Some(200),
};
/// Role targets: limit 20 (max 200).
const TARGETS: PageSpec = PageSpec {
    default: Some(20),
    max: Some(200),
};
/// Attributes the app list's `filter` accepts (okta-api.md §7).
const FILTERABLE: [&str; 5] = [
    "id",
    "status",
    "name",
    "credentials.signing.kid",
    "settings.slo.enabled",
];

type Answer = Result<Reply, Reply>;

/// An apps endpoint with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AppRoute {
    /// `/api/v1/apps`
    List,
    /// `/api/v1/apps/{id}`
    One(String),
    /// `/api/v1/apps/{id}/grants`
    Grants(String),
    /// `/api/v1/apps/{id}/credentials/secrets`
    Secrets(String),
    /// `/api/v1/apps/{id}/credentials/secrets/{secretId}`
    Secret(String, String),
    /// `/api/v1/apps/{id}/credentials/jwks`
    Jwks(String),
    /// `/api/v1/apps/{id}/credentials/jwks/{keyId}`
    Key(String, String),
    /// `/oauth2/v1/clients/{clientId}/roles`
    ClientRoles(String),
    /// `/oauth2/v1/clients/{clientId}/roles/{assignmentId}`
    ClientRole(String, String),
    /// `/oauth2/v1/clients/{clientId}/roles/{assignmentId}/targets/{groups|catalog/apps}`
    ClientTargets(String, String, TargetKind),
}

impl AppRoute {
    /// The route of the path segments after `/api/v1/apps`.
    pub(crate) fn api(rest: &[&str]) -> Option<AppRoute> {
        let s = |x: &&str| (*x).to_owned();
        Some(match rest {
            [] => AppRoute::List,
            [id] => AppRoute::One(s(id)),
            [id, "grants"] => AppRoute::Grants(s(id)),
            [id, "credentials", "secrets"] => AppRoute::Secrets(s(id)),
            [id, "credentials", "secrets", sid] => AppRoute::Secret(s(id), s(sid)),
            [id, "credentials", "jwks"] => AppRoute::Jwks(s(id)),
            [id, "credentials", "jwks", kid] => AppRoute::Key(s(id), s(kid)),
            _ => return None,
        })
    }

    /// The route of the path segments after `/oauth2/v1/clients`.
    pub(crate) fn clients(rest: &[&str]) -> Option<AppRoute> {
        let s = |x: &&str| (*x).to_owned();
        Some(match rest {
            [cid, "roles"] => AppRoute::ClientRoles(s(cid)),
            [cid, "roles", ra] => AppRoute::ClientRole(s(cid), s(ra)),
            [cid, "roles", ra, "targets", "groups"] => {
                AppRoute::ClientTargets(s(cid), s(ra), TargetKind::Groups)
            }
            [cid, "roles", ra, "targets", "catalog", "apps"] => {
                AppRoute::ClientTargets(s(cid), s(ra), TargetKind::Apps)
            }
            _ => return None,
        })
    }

    /// Answers a `GET` of this route.
    pub(crate) fn serve(&self, ctx: &Ctx<'_>) -> Reply {
        self.answer(ctx).unwrap_or_else(|reply| reply)
    }

    fn answer(&self, ctx: &Ctx<'_>) -> Answer {
        match self {
            AppRoute::List => list(ctx),
            AppRoute::One(id) => app(ctx, id).map(|a| Reply::ok(app_body(ctx, a))),
            AppRoute::Grants(id) => grants(ctx, id),
            AppRoute::Secrets(id) => secrets(ctx, id).map(|s| Reply::ok(Value::Array(s))),
            AppRoute::Secret(id, sid) => one_of(secrets(ctx, id)?, sid, "OAuth2ClientSecret"),
            AppRoute::Jwks(id) => jwks(ctx, id),
            AppRoute::Key(id, kid) => {
                one_of(keys(ctx, app(ctx, id)?), kid, "OAuth2ClientJsonWebKey")
            }
            AppRoute::ClientRoles(cid) => client_roles(ctx, cid),
            AppRoute::ClientRole(cid, ra) => {
                role(ctx, cid, ra).map(|a| Reply::ok(assignment(ctx, cid, a)))
            }
            AppRoute::ClientTargets(cid, ra, kind) => targets(ctx, cid, ra, *kind),
        }
    }
}

fn app<'a>(ctx: &'a Ctx<'_>, id: &str) -> Result<&'a App, Reply> {
    ctx.state
        .org
        .app(id)
        .ok_or_else(|| Reply::not_found(id, "Application"))
}

fn one_of(items: Vec<Value>, id: &str, kind: &str) -> Answer {
    items
        .into_iter()
        .find(|v| str_at(v, "id") == Some(id))
        .map(Reply::ok)
        .ok_or_else(|| Reply::not_found(id, kind))
}

/// `object` with `_links` replaced by `links`, placed last as Okta does.
fn with_links(object: &Value, links: Value) -> Value {
    let mut map = object.as_object().cloned().unwrap_or_default();
    map.remove("_links");
    map.insert("_links".into(), links);
    Value::Object(map)
}

fn href(ctx: &Ctx<'_>, path: &str) -> Value {
    json!({ "href": ctx.url(path) })
}

fn app_body(ctx: &Ctx<'_>, app: &App) -> Value {
    let base = format!("/api/v1/apps/{}", app.id());
    let lifecycle = if str_at(&app.body, "status") == Some("ACTIVE") {
        ("deactivate", format!("{base}/lifecycle/deactivate"))
    } else {
        ("activate", format!("{base}/lifecycle/activate"))
    };
    let mut links = Map::new();
    links.insert("self".into(), href(ctx, &base));
    links.insert(lifecycle.0.into(), href(ctx, &lifecycle.1));
    with_links(&app.body, Value::Object(links))
}

/// Checks that a filter only uses `eq` on the attributes Okta allows for apps.
fn check_filter(filter: &Filter) -> Result<(), String> {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => check_filter(a).and_then(|()| check_filter(b)),
        Filter::Term { attr, op, .. } => {
            if !FILTERABLE.contains(&attr.as_str()) {
                Err(format!(
                    "apps cannot be filtered on {attr} (only {})",
                    FILTERABLE.join(", ")
                ))
            } else if op != "eq" {
                Err(format!("apps filters support only eq, not {op}"))
            } else {
                Ok(())
            }
        }
    }
}

/// `GET /api/v1/apps`: a bare array paged by `Link`.
fn list(ctx: &Ctx<'_>) -> Answer {
    let filter = match ctx.param("filter") {
        None | Some("") => None,
        Some(text) => {
            let f = Filter::parse(text).map_err(|e| Reply::invalid_search(&e))?;
            check_filter(&f).map_err(|e| Reply::invalid_search(&e))?;
            Some(f)
        }
    };
    let q = ctx.param("q").map(str::to_lowercase);
    let with_deleted = ctx.param("includeNonDeleted") == Some("true");
    let items = ctx
        .state
        .org
        .apps
        .iter()
        .filter(|a| with_deleted || str_at(&a.body, "status") != Some("DELETED"))
        .filter(|a| filter.as_ref().is_none_or(|f| f.matches(&a.body)))
        .filter(|a| {
            q.as_deref().is_none_or(|q| {
                ["name", "label"]
                    .iter()
                    .any(|k| str_at(&a.body, k).is_some_and(|v| v.to_lowercase().starts_with(q)))
            })
        })
        .map(|a| app_body(ctx, a))
        .collect();
    Ok(paginate(ctx, items, APPS)?.into_reply())
}

/// `GET /api/v1/apps/{id}/grants`: OAuth2ScopeConsentGrant objects, a bare array.
fn grants(ctx: &Ctx<'_>, id: &str) -> Answer {
    let app = app(ctx, id)?;
    let created = str_at(&app.body, "created").unwrap_or("2026-01-01T00:00:00.000Z");
    let base = format!("/api/v1/apps/{id}/grants");
    let items = app
        .grants
        .iter()
        .enumerate()
        .map(|(i, grant)| {
            let grant = match grant {
                Value::String(scope) => json!({
                    "id": format!("oag{}{i:02}", id.get(3..).unwrap_or(id)),
                    "status": "ACTIVE",
                    "created": created,
                    "lastUpdated": created,
                    "issuer": ctx.state.base_url,
                    "clientId": app.client_id,
                    "scopeId": scope,
                    "source": "ADMIN",
                    "createdBy": {"id": "00u1admin0000000000", "type": "User"},
                    "_embedded": {"scope": {"id": scope}},
                }),
                other => other.clone(),
            };
            let gid = str_at(&grant, "id").unwrap_or_default().to_owned();
            let links = json!({
                "self": href(ctx, &format!("{base}/{gid}")),
                "app": href(ctx, &format!("/api/v1/apps/{id}")),
                "client": href(ctx, &format!("/oauth2/v1/clients/{}", app.client_id)),
            });
            with_links(&grant, links)
        })
        .collect();
    Ok(Reply::ok(Value::Array(items)))
}

/// `client_secret` as Okta lists it: the first four characters, `…`, the last two.
fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 6 {
        return "…".into();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}…{tail}")
}

/// The client secrets of an app, values masked, with `secret_hash` and lifecycle links.
fn secrets(ctx: &Ctx<'_>, id: &str) -> Result<Vec<Value>, Reply> {
    let app = app(ctx, id)?;
    let base = format!("/api/v1/apps/{id}/credentials/secrets");
    Ok(app
        .secrets
        .iter()
        .map(|secret| {
            let mut s = secret.as_object().cloned().unwrap_or_default();
            let full = str_at(secret, "client_secret").unwrap_or_default();
            if !s.contains_key("secret_hash") {
                let digest = Sha256::digest(full.as_bytes());
                let hash = URL_SAFE_NO_PAD.encode(&digest[..16]);
                s.insert("secret_hash".into(), hash.into());
            }
            s.insert("client_secret".into(), mask(full).into());
            s.entry("status").or_insert_with(|| "ACTIVE".into());
            let sid = str_at(secret, "id").unwrap_or_default();
            let active = s.get("status").and_then(Value::as_str) == Some("ACTIVE");
            let mut links = Map::new();
            let (rel, action) = if active {
                ("deactivate", "deactivate")
            } else {
                ("activate", "activate")
            };
            let url = format!("{base}/{sid}/lifecycle/{action}");
            links.insert(rel.into(), href(ctx, &url));
            if !active {
                links.insert("delete".into(), href(ctx, &format!("{base}/{sid}")));
            }
            with_links(&Value::Object(s), Value::Object(links))
        })
        .collect())
}

/// The JWKS keys of an app with their links.
fn keys(ctx: &Ctx<'_>, app: &App) -> Vec<Value> {
    let base = format!("/api/v1/apps/{}/credentials/jwks", app.id());
    app.keys()
        .iter()
        .map(|key| {
            let kid = str_at(key, "id").unwrap_or_default();
            let action = if str_at(key, "status") == Some("INACTIVE") {
                "activate"
            } else {
                "deactivate"
            };
            let mut links = Map::new();
            links.insert("self".into(), href(ctx, &format!("{base}/{kid}")));
            let url = format!("{base}/{kid}/lifecycle/{action}");
            links.insert(action.into(), href(ctx, &url));
            with_links(key, Value::Object(links))
        })
        .collect()
}

/// `GET /api/v1/apps/{id}/credentials/jwks` in the configured shape.
fn jwks(ctx: &Ctx<'_>, id: &str) -> Answer {
    let keys = Value::Array(keys(ctx, app(ctx, id)?));
    Ok(Reply::ok(match ctx.state.jwks_shape {
        JwksShape::Bare => keys,
        JwksShape::Keys => json!({ "keys": keys }),
        JwksShape::Jwks => json!({ "jwks": { "keys": keys } }),
    }))
}

/// The role assignments of a client: those of its app in `apps.json`, then the CUSTOM ones its
/// resource-set binding memberships make. 404 when neither knows the client.
fn held<'a>(ctx: &'a Ctx<'_>, client_id: &str) -> Result<Vec<&'a Assignment>, Reply> {
    let org = &ctx.state.org;
    let app = org.app_by_client_id(client_id);
    let custom = org.iam.client_assignments.get(client_id);
    if app.is_none() && custom.is_none() {
        return Err(Reply::not_found(client_id, "Client"));
    }
    let own = app.into_iter().flat_map(|a| a.roles.iter());
    Ok(own.chain(custom.into_iter().flatten()).collect())
}

fn assignment(ctx: &Ctx<'_>, client_id: &str, a: &Assignment) -> Value {
    links::assignment(ctx, a, &format!("/oauth2/v1/clients/{client_id}"))
}

/// `GET /oauth2/v1/clients/{clientId}/roles`: a bare array, not paged.
fn client_roles(ctx: &Ctx<'_>, client_id: &str) -> Answer {
    let items = held(ctx, client_id)?
        .into_iter()
        .map(|a| assignment(ctx, client_id, a))
        .collect();
    Ok(Reply::ok(Value::Array(items)))
}

fn role<'a>(
    ctx: &'a Ctx<'_>,
    client_id: &str,
    assignment_id: &str,
) -> Result<&'a Assignment, Reply> {
    held(ctx, client_id)?
        .into_iter()
        .find(|a| a.id() == assignment_id)
        .ok_or_else(|| Reply::not_found(assignment_id, "RoleAssignment"))
}

/// `…/roles/{assignmentId}/targets/groups` or `…/targets/catalog/apps`; `[]` when not scoped.
fn targets(ctx: &Ctx<'_>, client_id: &str, assignment_id: &str, kind: TargetKind) -> Answer {
    let a = role(ctx, client_id, assignment_id)?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_to_head_and_tail() {
        assert_eq!(mask("DRUFXGF9XbLn5B"), "DRUF…5B");
        assert_eq!(mask("short"), "…");
    }

    #[test]
    fn app_filters_allow_only_eq_on_documented_attributes() {
        let ok = Filter::parse(r#"name eq "oidc_client" and status eq "ACTIVE""#).unwrap();
        assert!(check_filter(&ok).is_ok());
        let label = Filter::parse(r#"label eq "x""#).unwrap();
        assert!(check_filter(&label).unwrap_err().contains("label"));
        let sw = Filter::parse(r#"name sw "oidc""#).unwrap();
        assert!(check_filter(&sw).is_err());
    }

    #[test]
    fn routes_resolve_from_segments() {
        assert_eq!(AppRoute::api(&[]), Some(AppRoute::List));
        assert_eq!(
            AppRoute::api(&["0oa1", "credentials", "jwks"]),
            Some(AppRoute::Jwks("0oa1".into()))
        );
        assert_eq!(
            AppRoute::clients(&["0oa1", "roles", "ra1", "targets", "catalog", "apps"]),
            Some(AppRoute::ClientTargets(
                "0oa1".into(),
                "ra1".into(),
                TargetKind::Apps
            ))
        );
        assert_eq!(AppRoute::clients(&["0oa1"]), None);
    }
}
