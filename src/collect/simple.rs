//! Collections that are one Okta read each: `org`, `api_tokens`, `network_zones`, `user_types`.

use serde_json::Value;

use super::client::{Auth, OktaClient};
use super::error::RequestError;
use super::names;
use super::outcome::{Collected, Problems};
use super::paging::{Shape, fetch_all, kind};
use super::progress::Progress;

/// `org`: the unauthenticated `/.well-known/okta-organization` object.
pub(crate) async fn org(client: &OktaClient, progress: &Progress) -> Collected {
    let tracker = progress.start(names::ORG);
    let url = client.url(&[".well-known", "okta-organization"], &[]);
    let mut problems = Problems::default();
    let data = match client.get_json(&url, Auth::None, &tracker).await {
        Ok(r) if r.body.is_object() => {
            tracker.items(1);
            r.body
        }
        Ok(r) => {
            problems.root(&RequestError::InvalidJson {
                endpoint: url.path().to_string(),
                message: format!("expected a JSON object, got {}", kind(&r.body)),
            });
            Value::Null
        }
        Err(e) => {
            problems.root(&e);
            Value::Null
        }
    };
    Collected::finish(names::ORG, data, &problems, &tracker)
}

/// A collection that is one paged list, written as a bare array of what Okta returned.
pub(crate) async fn list(
    client: &OktaClient,
    progress: &Progress,
    name: &'static str,
    segments: &[&str],
    query: &[(&str, &str)],
) -> Collected {
    let tracker = progress.start(name);
    let paged = fetch_all(client, client.url(segments, query), Shape::Array, &tracker).await;
    let mut problems = Problems::default();
    if let Some(e) = &paged.error {
        problems.root(e);
    }
    Collected::finish(name, Value::Array(paged.items), &problems, &tracker)
}

/// `api_tokens`: `GET /api/v1/api-tokens?limit=200`, all pages.
pub(crate) async fn api_tokens(client: &OktaClient, progress: &Progress) -> Collected {
    let segments = ["api", "v1", "api-tokens"];
    list(
        client,
        progress,
        names::API_TOKENS,
        &segments,
        &[("limit", "200")],
    )
    .await
}

/// `network_zones`: `GET /api/v1/zones`, all pages.
pub(crate) async fn network_zones(client: &OktaClient, progress: &Progress) -> Collected {
    list(
        client,
        progress,
        names::NETWORK_ZONES,
        &["api", "v1", "zones"],
        &[],
    )
    .await
}

/// `user_types`: `GET /api/v1/meta/types/user`.
pub(crate) async fn user_types(client: &OktaClient, progress: &Progress) -> Collected {
    let segments = ["api", "v1", "meta", "types", "user"];
    list(client, progress, names::USER_TYPES, &segments, &[]).await
}

/// The distinct `userId`s of the tokens in an `api_tokens` collection, in order.
pub(crate) fn token_owners(api_tokens: &Collected) -> Vec<String> {
    let mut owners: Vec<String> = Vec::new();
    if let Value::Array(tokens) = &api_tokens.data {
        for t in tokens {
            if let Some(id) = t.get("userId").and_then(Value::as_str)
                && !owners.iter().any(|o| o == id)
            {
                owners.push(id.to_string());
            }
        }
    }
    owners
}
