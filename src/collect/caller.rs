//! `caller`: the identity of the credential running the scan (for scanner-over-privileged).
//!
//! - API token: `{"auth_method": "api_token", "user": <GET /api/v1/users/me>, "roles":
//!   [<GET /api/v1/users/{id}/roles>…]}` — the token's owner and every role it holds (group-held
//!   ones included, as Okta lists them).
//! - OAuth 2.0: `{"auth_method": "oauth2", "client_id", "scopes": <granted>, "app": null,
//!   "grants": [], "roles": [<GET /oauth2/v1/clients/{client_id}/roles>…]}` ([`oauth2`]). The app
//!   and its grants are in `service_apps`; they are not read twice.
//!
//! A failure to read who the caller is (`/users/me`, the client's roles) makes the collection
//! `failed` (`forbidden` on a 403); a failure to read the token owner's roles makes it `partial`.

use serde_json::{Value, json};

use super::client::{Auth, OktaClient};
use super::error::RequestError;
use super::names;
use super::outcome::{Collected, Problems};
use super::paging::{Shape, fetch_all, kind};
use super::progress::Progress;

/// The `caller` collection for the configured credential, chosen by its manifest `auth_method`.
/// OAuth 2.0 takes the client id and the granted scopes from the client's token session.
pub(crate) async fn caller(
    client: &OktaClient,
    progress: &Progress,
    auth_method: &str,
) -> Collected {
    match auth_method {
        "api_token" => api_token(client, progress).await,
        "oauth2" if client.auth().client_id().is_some() => {
            let id = client.auth().client_id().unwrap_or_default();
            let scopes = client.auth().granted_scopes().unwrap_or_default();
            oauth2(client, progress, id, &scopes).await
        }
        other => {
            let tracker = progress.start(names::CALLER);
            let mut problems = Problems::default();
            problems.input(format!(
                "the caller identity of auth method {other} is not collected: call \
                 caller::oauth2 with the client id and granted scopes"
            ));
            Collected::finish(names::CALLER, Value::Null, &problems, &tracker)
        }
    }
}

/// `caller` for an API token: `GET /api/v1/users/me`, then that user's roles.
pub(crate) async fn api_token(client: &OktaClient, progress: &Progress) -> Collected {
    let tracker = progress.start(names::CALLER);
    let mut problems = Problems::default();
    let me_url = client.url(&["api", "v1", "users", "me"], &[]);
    let user = match client.get_json(&me_url, Auth::Credential, &tracker).await {
        Ok(r) if r.body.is_object() => {
            tracker.items(1);
            r.body
        }
        Ok(r) => {
            problems.root(&RequestError::InvalidJson {
                endpoint: me_url.path().to_string(),
                message: format!("expected a User object, got {}", kind(&r.body)),
            });
            Value::Null
        }
        Err(e) => {
            problems.root(&e);
            Value::Null
        }
    };
    let mut roles = Vec::new();
    if let Some(id) = user.get("id").and_then(Value::as_str) {
        let url = client.url(&["api", "v1", "users", id, "roles"], &[]);
        let paged = fetch_all(client, url, Shape::Array, &tracker).await;
        if let Some(e) = &paged.error {
            problems.input(format!("roles of the caller {id}: {e}"));
        }
        roles = paged.items;
    }
    let data = if user.is_null() {
        Value::Null
    } else {
        json!({"auth_method": "api_token", "user": user, "roles": roles})
    };
    Collected::finish(names::CALLER, data, &problems, &tracker)
}

/// `caller` for an OAuth 2.0 service app: its client id, the scopes the token response granted,
/// and its admin roles (`GET /oauth2/v1/clients/{client_id}/roles`).
pub(crate) async fn oauth2(
    client: &OktaClient,
    progress: &Progress,
    client_id: &str,
    granted_scopes: &[String],
) -> Collected {
    let tracker = progress.start(names::CALLER);
    let mut problems = Problems::default();
    let url = client.url(&["oauth2", "v1", "clients", client_id, "roles"], &[]);
    let paged = fetch_all(client, url, Shape::Array, &tracker).await;
    if let Some(e) = &paged.error {
        problems.root(e);
    }
    let data = json!({
        "auth_method": "oauth2",
        "client_id": client_id,
        "scopes": granted_scopes,
        "app": Value::Null,
        "grants": [],
        "roles": paged.items,
    });
    Collected::finish(names::CALLER, data, &problems, &tracker)
}
