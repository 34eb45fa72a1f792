//! `user_factors`: the enrolled factors (`GET /api/v1/users/{id}/factors`) of every user holding
//! an admin role — directly (a USER principal of `role_assignments` with at least one assignment,
//! custom roles included) or through a role-holding group (a member of a group of `groups`).
//!
//! A 403 on a user's factors makes the collection `forbidden` (the credential cannot read
//! factors); another failure makes it `partial`, naming the user. When `role_assignments` or
//! `groups` is incomplete, admins may be missing and the collection is `partial` too.

use std::sync::Arc;

use serde_json::{Value, json};

use super::client::{OktaClient, fan_out};
use super::names;
use super::outcome::{Collected, Problems};
use super::paging::{Shape, fetch_all};
use super::progress::Progress;

/// The ids of admin users, in first-seen order: USER principals holding at least one role, then
/// members of role-holding groups.
pub(crate) fn admin_users(role_assignments: &Collected, groups: &Collected) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut add = |id: &str| {
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    };
    for p in role_assignments.data.as_array().into_iter().flatten() {
        let holds_role = p
            .get("assignments")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        if p.get("principal_type").and_then(Value::as_str) == Some("USER")
            && holds_role
            && let Some(id) = p.get("principal_id").and_then(Value::as_str)
        {
            add(id);
        }
    }
    for g in groups.data.as_array().into_iter().flatten() {
        for m in g
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = m.as_str() {
                add(id);
            }
        }
    }
    ids
}

/// `user_factors`: `[{"user_id": "00u…", "factors": [<UserFactor>…]}]` for every admin.
pub(crate) async fn user_factors(
    client: &Arc<OktaClient>,
    progress: &Progress,
    role_assignments: &Collected,
    groups: &Collected,
) -> Collected {
    let tracker = progress.start(names::USER_FACTORS);
    let mut problems = Problems::default();
    for input in [role_assignments, groups] {
        if let Some(reason) = input.as_input() {
            problems.input(format!("admins may be missing: {reason}"));
        }
    }
    let users = admin_users(role_assignments, groups);
    let lists = fan_out(users, |id| {
        let (client, tracker) = (Arc::clone(client), Arc::clone(&tracker));
        async move {
            let url = client.url(&["api", "v1", "users", &id, "factors"], &[]);
            let paged = fetch_all(&client, url, Shape::Array, &tracker).await;
            (id, paged)
        }
    })
    .await;
    let mut data = Vec::with_capacity(lists.len());
    for (id, paged) in lists {
        match &paged.error {
            Some(e) if e.is_forbidden() => problems.root(e),
            Some(e) => problems.input(format!("factors of user {id}: {e}")),
            None => {}
        }
        if paged.error.is_none() || !paged.items.is_empty() {
            data.push(json!({"user_id": id, "factors": paged.items}));
        }
    }
    Collected::finish(names::USER_FACTORS, Value::Array(data), &problems, &tracker)
}
