//! `service_apps`: the OAuth 2.0 service apps (docs/architecture.md §1b, okta-api.md §7) with their
//! granted scopes, client secrets (metadata only), JWKS keys and client role assignments.
//!
//! - Listed with `GET /api/v1/apps?filter=name eq "oidc_client"&limit=200` and kept where
//!   `settings.oauthClient.application_type == "service"`: web, native and browser apps sign users
//!   in and are not service apps.
//! - The client id is `credentials.oauthClient.client_id`, or the app id when it is missing (Okta
//!   gives OIDC apps their client id as app id).
//! - Secrets never get further than the response parser: `client_secret` and `secret_hash` are
//!   removed from every secret, and `client_secret` from the app's `credentials.oauthClient`,
//!   before anything is kept. Private JWK members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`) are
//!   removed too, should a server ever send them.
//! - The JWKS list comes in any of the three shapes seen in Okta's docs: a bare array,
//!   `{"keys": […]}` or `{"jwks": {"keys": […]}}`; the snapshot holds the key objects.
//! - Targets are read for targetable standard roles (APP_ADMIN, USER_ADMIN, HELP_DESK_ADMIN,
//!   GROUP_MEMBERSHIP_ADMIN) assigned to the client.
//! - A failed sub-request makes the collection `partial`, naming the app and the endpoint; the
//!   app's entry is kept with what was read.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::client::{Auth, OktaClient, fan_out};
use super::error::RequestError;
use super::names;
use super::outcome::{Collected, Problems};
use super::paging::{Paged, Shape, fetch_all, kind};
use super::progress::{Progress, Tracker};

/// Standard roles that can be scoped to groups (and, for APP_ADMIN, apps).
const TARGETABLE: [&str; 4] = [
    "APP_ADMIN",
    "USER_ADMIN",
    "HELP_DESK_ADMIN",
    "GROUP_MEMBERSHIP_ADMIN",
];
/// Members of a private JWK (RFC 7518 §6.2.2, §6.3.2, §6.4).
const PRIVATE_JWK_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// `service_apps`: every OAuth 2.0 service app with its grants, secrets, keys and roles.
pub(crate) async fn service_apps(client: &Arc<OktaClient>, progress: &Progress) -> Collected {
    let tracker = progress.start(names::SERVICE_APPS);
    let mut problems = Problems::default();
    let url = client.url(
        &["api", "v1", "apps"],
        &[("filter", "name eq \"oidc_client\""), ("limit", "200")],
    );
    let listed = fetch_all(client, url, Shape::Array, &tracker).await;
    if let Some(e) = &listed.error {
        problems.root(e);
    }
    let apps: Vec<Value> = listed
        .items
        .into_iter()
        .filter(is_service_app)
        .map(without_app_secret)
        .collect();
    let entries = fan_out(apps, |app| {
        let (client, tracker) = (Arc::clone(client), Arc::clone(&tracker));
        async move { details(&client, &tracker, app).await }
    })
    .await;
    let mut data = Vec::with_capacity(entries.len());
    for (entry, errors) in entries {
        for e in errors {
            problems.input(e);
        }
        data.push(entry);
    }
    Collected::finish(names::SERVICE_APPS, Value::Array(data), &problems, &tracker)
}

/// Whether an app from the `oidc_client` listing is a service app.
fn is_service_app(app: &Value) -> bool {
    app.pointer("/settings/oauthClient/application_type")
        .and_then(Value::as_str)
        == Some("service")
}

/// The app without `credentials.oauthClient.client_secret`.
fn without_app_secret(mut app: Value) -> Value {
    if let Some(oauth) = app
        .pointer_mut("/credentials/oauthClient")
        .and_then(Value::as_object_mut)
    {
        oauth.remove("client_secret");
    }
    if let Some(keys) = app
        .pointer_mut("/settings/oauthClient/jwks/keys")
        .and_then(Value::as_array_mut)
    {
        keys.iter_mut().for_each(strip_private_jwk);
    }
    app
}

/// A client secret without its value and hash.
fn secret_metadata(mut secret: Value) -> Value {
    if let Some(map) = secret.as_object_mut() {
        map.remove("client_secret");
        map.remove("secret_hash");
    }
    secret
}

fn strip_private_jwk(key: &mut Value) {
    if let Some(map) = key.as_object_mut() {
        for member in PRIVATE_JWK_MEMBERS {
            map.remove(member);
        }
    }
}

/// The key objects of a JWKS list in any of its three shapes.
pub(crate) fn jwks_keys(body: Value, endpoint: &str) -> Result<Vec<Value>, RequestError> {
    let invalid = |message: String| RequestError::InvalidJson {
        endpoint: endpoint.to_string(),
        message,
    };
    let keys = match body {
        Value::Array(keys) => keys,
        Value::Object(mut map) => match (map.remove("keys"), map.remove("jwks")) {
            (Some(Value::Array(keys)), _) => keys,
            (None, Some(Value::Object(mut jwks))) => match jwks.remove("keys") {
                Some(Value::Array(keys)) => keys,
                _ => return Err(invalid("expected {\"jwks\": {\"keys\": [...]}}".into())),
            },
            _ => {
                return Err(invalid(
                    "expected an array of keys, {\"keys\": [...]} or {\"jwks\": {\"keys\": [...]}}"
                        .into(),
                ));
            }
        },
        other => {
            return Err(invalid(format!(
                "expected a JWKS list, got {}",
                kind(&other)
            )));
        }
    };
    Ok(keys
        .into_iter()
        .map(|mut k| {
            strip_private_jwk(&mut k);
            k
        })
        .collect())
}

fn str_of<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// One app's entry and the problems met reading it (each naming the app).
async fn details(client: &OktaClient, tracker: &Tracker, app: Value) -> (Value, Vec<String>) {
    let id = str_of(&app, "/id").unwrap_or_default().to_string();
    let label = str_of(&app, "/label").unwrap_or_default().to_string();
    let client_id = str_of(&app, "/credentials/oauthClient/client_id")
        .filter(|c| !c.is_empty())
        .unwrap_or(&id)
        .to_string();
    let mut errors = Vec::new();
    let mut note = |e: &RequestError| errors.push(format!("service app {id} ({label}): {e}"));

    let app_path = ["api", "v1", "apps", id.as_str()];
    let grants_url = client.url(&[&app_path[..], &["grants"]].concat(), &[]);
    let secrets_url = client.url(&[&app_path[..], &["credentials", "secrets"]].concat(), &[]);
    let jwks_url = client.url(&[&app_path[..], &["credentials", "jwks"]].concat(), &[]);
    let roles_url = client.url(&["oauth2", "v1", "clients", &client_id, "roles"], &[]);
    let (grants, secrets, jwks, roles) = tokio::join!(
        fetch_all(client, grants_url, Shape::Array, tracker),
        fetch_all(client, secrets_url, Shape::Array, tracker),
        async {
            let response = client
                .get_json(&jwks_url, Auth::Credential, tracker)
                .await?;
            jwks_keys(response.body, jwks_url.path())
        },
        fetch_all(client, roles_url, Shape::Array, tracker),
    );
    for e in [&grants.error, &secrets.error, &roles.error]
        .into_iter()
        .flatten()
    {
        note(e);
    }
    let secrets: Vec<Value> = secrets.items.into_iter().map(secret_metadata).collect();
    let jwks = jwks.unwrap_or_else(|e| {
        note(&e);
        Vec::new()
    });
    if !jwks.is_empty() {
        tracker.items(jwks.len());
    }
    let targets = role_targets(client, tracker, &client_id, &roles.items, &mut note).await;
    let entry = json!({
        "app": app,
        "grants": grants.items,
        "secrets": secrets,
        "jwks": jwks,
        "roles": roles.items,
        "targets": targets,
    });
    (entry, errors)
}

/// The group and app targets of every targetable standard role assigned to the client.
async fn role_targets(
    client: &OktaClient,
    tracker: &Tracker,
    client_id: &str,
    roles: &[Value],
    note: &mut impl FnMut(&RequestError),
) -> Map<String, Value> {
    let mut targets = Map::new();
    for role in roles {
        let role_type = str_of(role, "/type").unwrap_or_default();
        let direct = str_of(role, "/assignmentType").is_none_or(|t| t == "CLIENT");
        let Some(aid) = str_of(role, "/id") else {
            continue;
        };
        if !direct || !TARGETABLE.contains(&role_type) {
            continue;
        }
        let base = [
            "oauth2", "v1", "clients", client_id, "roles", aid, "targets",
        ];
        let groups_url = client.url(&[&base[..], &["groups"]].concat(), &[("limit", "200")]);
        let apps_url = client.url(&[&base[..], &["catalog", "apps"]].concat(), &[]);
        let (groups, apps) = tokio::join!(
            fetch_all(client, groups_url, Shape::Array, tracker),
            async {
                if role_type == "APP_ADMIN" {
                    fetch_all(client, apps_url, Shape::Array, tracker).await
                } else {
                    Paged::default()
                }
            },
        );
        for e in [&groups.error, &apps.error].into_iter().flatten() {
            note(e);
        }
        targets.insert(
            aid.to_string(),
            json!({"groups": groups.items, "apps": apps.items}),
        );
    }
    targets
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn all_three_jwks_shapes_yield_the_keys() {
        let key = json!({"id": "pks1", "kid": "k1", "kty": "RSA", "n": "abc", "e": "AQAB"});
        for body in [
            json!([key]),
            json!({"keys": [key]}),
            json!({"jwks": {"keys": [key]}}),
        ] {
            assert_eq!(jwks_keys(body, "/e").unwrap(), vec![key.clone()]);
        }
        let e = jwks_keys(json!({"other": 1}), "/api/v1/apps/0oa1/credentials/jwks").unwrap_err();
        assert!(
            e.to_string().contains("/api/v1/apps/0oa1/credentials/jwks"),
            "{e}"
        );
        assert!(jwks_keys(json!("x"), "/e").is_err());
    }

    #[test]
    fn private_jwk_members_and_secret_values_are_removed() {
        let keys = jwks_keys(json!([{"kid": "k", "n": "pub", "d": "PRIVATE"}]), "/e").unwrap();
        assert_eq!(keys[0], json!({"kid": "k", "n": "pub"}));
        let s = secret_metadata(
            json!({"id": "ocs1", "client_secret": "abcd…yz", "secret_hash": "h", "status": "ACTIVE"}),
        );
        assert_eq!(s, json!({"id": "ocs1", "status": "ACTIVE"}));
        let app = without_app_secret(
            json!({"credentials": {"oauthClient": {"client_id": "c", "client_secret": "FULL"}}}),
        );
        assert_eq!(
            app,
            json!({"credentials": {"oauthClient": {"client_id": "c"}}})
        );
    }

    #[test]
    fn only_service_apps_are_kept() {
        let app = |t: &str| json!({"settings": {"oauthClient": {"application_type": t}}});
        assert!(is_service_app(&app("service")));
        for other in ["web", "native", "browser"] {
            assert!(!is_service_app(&app(other)));
        }
        assert!(!is_service_app(&json!({"name": "oidc_client"})));
    }
}
