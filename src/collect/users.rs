//! `users`: the raw User objects of token owners, direct-role holders and members of admin
//! groups. Members arrive whole from `/api/v1/groups/{id}/users`; the rest are fetched by id,
//! at most [`BATCH`] per `GET /api/v1/users?filter=id eq "…" or …`. Ids that Okta does not return
//! (deleted users) are simply absent.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::client::{OktaClient, fan_out};
use super::names;
use super::outcome::{Collected, Problems};
use super::paging::{Shape, fetch_all};
use super::progress::Progress;

/// Ids per filter request.
pub(crate) const BATCH: usize = 50;

/// What the `users` collection is built from.
pub(crate) struct UsersInput {
    /// Every user id wanted, distinct, in order of discovery.
    pub wanted: Vec<String>,
    /// Users already fetched whole (admin-group members).
    pub known: Vec<Value>,
    /// Why the wanted list may be incomplete (one reason per incomplete input).
    pub incomplete: Vec<String>,
}

/// The SCIM filter selecting `ids` (`id eq "a" or id eq "b" …`).
pub(crate) fn id_filter(ids: &[String]) -> String {
    ids.iter()
        .map(|id| {
            format!(
                "id eq \"{}\"",
                id.replace('\\', "\\\\").replace('"', "\\\"")
            )
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Builds the `users` collection.
pub(crate) async fn users(
    client: &Arc<OktaClient>,
    progress: &Progress,
    input: UsersInput,
) -> Collected {
    let tracker = progress.start(names::USERS);
    let mut problems = Problems::default();
    for reason in input.incomplete {
        problems.input(format!("users may be missing: {reason}"));
    }
    let mut by_id: BTreeMap<String, Value> = BTreeMap::new();
    for user in input.known {
        if let Some(id) = user.get("id").and_then(Value::as_str) {
            by_id.insert(id.to_string(), user);
        }
    }
    tracker.items(by_id.len());
    // `wanted` is already distinct.
    let missing: Vec<String> = input
        .wanted
        .into_iter()
        .filter(|id| !by_id.contains_key(id))
        .collect();
    let batches: Vec<Vec<String>> = missing.chunks(BATCH).map(<[String]>::to_vec).collect();
    let pages = fan_out(batches, |ids| {
        let (client, tracker) = (Arc::clone(client), Arc::clone(&tracker));
        async move {
            let filter = id_filter(&ids);
            let url = client.url(&["api", "v1", "users"], &[("filter", filter.as_str())]);
            fetch_all(&client, url, Shape::Array, &tracker).await
        }
    })
    .await;
    // When every batch failed the read itself is refused or broken; otherwise some users are
    // missing.
    let all_failed = pages.iter().all(|p| p.error.is_some());
    for paged in pages {
        match &paged.error {
            Some(e) if all_failed => problems.root(e),
            Some(e) => problems.part(e),
            None => {}
        }
        for user in paged.items {
            if let Some(id) = user.get("id").and_then(Value::as_str) {
                by_id.insert(id.to_string(), user);
            }
        }
    }
    let data = Value::Array(by_id.into_values().collect());
    Collected::finish(names::USERS, data, &problems, &tracker)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn id_filter_joins_ids_with_or_and_escapes_quotes() {
        let ids = vec!["00u1".to_string(), "00u\"2".to_string()];
        assert_eq!(id_filter(&ids), r#"id eq "00u1" or id eq "00u\"2""#);
    }
}
