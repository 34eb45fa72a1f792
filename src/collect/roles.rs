//! Admin roles: `groups` (groups holding a role, with members) and `role_assignments` (per
//! principal, with targets).
//!
//! Phase one ([`discover`]) needs nothing else: it lists groups and reads each group's roles,
//! the members of those that hold one, and the users with direct roles
//! (`/api/v1/iam/assignees/users`). Phase two ([`assignments`]) also needs the API-token owners:
//! it reads `/api/v1/users/{id}/roles` for every assignee and owner, then the targets of every
//! targetable role held directly.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::client::{OktaClient, fan_out};
use super::names;
use super::outcome::{Collected, Problems};
use super::paging::{Paged, Shape, fetch_all};
use super::progress::{Progress, Tracker};

/// Standard roles that can be scoped to groups (and, for APP_ADMIN, apps).
const TARGETABLE: [&str; 4] = [
    "APP_ADMIN",
    "USER_ADMIN",
    "HELP_DESK_ADMIN",
    "GROUP_MEMBERSHIP_ADMIN",
];

/// A group holding at least one role.
struct AdminGroup {
    id: String,
    group: Value,
    roles: Vec<Value>,
}

/// What phase one found; consumed by [`assignments`].
pub(crate) struct Discovery {
    /// The finished `groups` collection.
    pub groups: Collected,
    /// Raw users returned as members of admin groups.
    pub member_users: Vec<Value>,
    /// Ids of those members.
    pub member_ids: Vec<String>,
    /// Ids of users with direct roles.
    pub assignees: Vec<String>,
    /// Why the assignee list is incomplete.
    pub assignees_error: Option<String>,
    admin_groups: Vec<AdminGroup>,
    tracker: Arc<Tracker>,
    problems: Problems,
}

fn id_of(v: &Value) -> Option<String> {
    v.get("id").and_then(Value::as_str).map(str::to_string)
}

/// The distinct strings of `ids`, in first-seen order.
pub(crate) fn distinct<'a>(ids: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.into_iter()
        .filter(|id| seen.insert(id.as_str()))
        .cloned()
        .collect()
}

/// Phase one: groups and their roles and members, and the direct-role assignees.
pub(crate) async fn discover(client: &Arc<OktaClient>, progress: &Progress) -> Discovery {
    let groups_tracker = progress.start(names::GROUPS);
    let tracker = progress.start(names::ROLE_ASSIGNMENTS);
    let mut group_problems = Problems::default();
    let mut problems = Problems::default();

    let groups_url = client.url(&["api", "v1", "groups"], &[("limit", "200")]);
    let assignees_url = client.url(
        &["api", "v1", "iam", "assignees", "users"],
        &[("limit", "100")],
    );
    let (groups, assignees) = tokio::join!(
        fetch_all(client, groups_url, Shape::Array, &groups_tracker),
        fetch_all(client, assignees_url, Shape::Wrapper("value"), &tracker),
    );
    if let Some(e) = &groups.error {
        group_problems.root(e);
        problems.input(format!("group principals may be missing: {e}"));
    }
    let assignees_error = assignees.error.as_ref().map(ToString::to_string);
    if let Some(e) = &assignees.error {
        problems.root(e);
    }
    let assignees: Vec<String> = assignees.items.iter().filter_map(id_of).collect();

    // Roles of every group: those with at least one are admin groups.
    let listed: Vec<(String, Value)> = groups
        .items
        .into_iter()
        .filter_map(|g| Some((id_of(&g)?, g)))
        .collect();
    let role_lists = fan_out(listed, |(id, group)| {
        let (client, tracker) = (Arc::clone(client), Arc::clone(&tracker));
        async move {
            let url = client.url(&["api", "v1", "groups", &id, "roles"], &[]);
            let paged = fetch_all(&client, url, Shape::Array, &tracker).await;
            (id, group, paged)
        }
    })
    .await;
    let mut admin_groups = Vec::new();
    for (id, group, paged) in role_lists {
        if let Some(e) = &paged.error {
            problems.part(e);
            group_problems.part(e);
        }
        if !paged.items.is_empty() {
            admin_groups.push(AdminGroup {
                id,
                group,
                roles: paged.items,
            });
        }
    }

    // Members of admin groups, whole User objects.
    let ids: Vec<String> = admin_groups.iter().map(|g| g.id.clone()).collect();
    let member_lists = fan_out(ids, |id| {
        let (client, tracker) = (Arc::clone(client), Arc::clone(&groups_tracker));
        async move {
            let url = client.url(&["api", "v1", "groups", &id, "users"], &[("limit", "1000")]);
            let paged = fetch_all(&client, url, Shape::Array, &tracker).await;
            (id, paged)
        }
    })
    .await;
    let mut data = Vec::new();
    let mut member_users = Vec::new();
    let mut member_ids: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let mut member_lists: HashMap<String, Paged> = member_lists.into_iter().collect();
    for group in &admin_groups {
        let paged = member_lists.remove(&group.id).unwrap_or_default();
        if let Some(e) = &paged.error {
            group_problems.part(e);
        }
        let mut members = Vec::new();
        for user in paged.items {
            let Some(m) = id_of(&user) else { continue };
            members.push(m.clone());
            if seen.insert(m.clone()) {
                member_ids.push(m);
                member_users.push(user);
            }
        }
        data.push(json!({"group": group.group, "members": members}));
    }
    let groups = Collected::finish(
        names::GROUPS,
        Value::Array(data),
        &group_problems,
        &groups_tracker,
    );

    Discovery {
        groups,
        member_users,
        member_ids,
        assignees,
        assignees_error,
        admin_groups,
        tracker,
        problems,
    }
}

/// One principal's entry in `role_assignments`.
struct Principal {
    kind: &'static str,
    id: String,
    assignments: Vec<Value>,
    targets: Map<String, Value>,
}

/// Phase two: the `role_assignments` collection. `owners` are the API-token owners;
/// `owners_input` says why that list may be incomplete.
pub(crate) async fn assignments(
    client: &Arc<OktaClient>,
    discovery: &mut Discovery,
    owners: &[String],
    owners_input: Option<String>,
) -> Collected {
    let tracker = Arc::clone(&discovery.tracker);
    let mut problems = std::mem::take(&mut discovery.problems);
    if let Some(reason) = owners_input {
        problems.input(format!("token owners may be missing: {reason}"));
    }
    let mut principals: Vec<Principal> = discovery
        .admin_groups
        .iter()
        .map(|g| Principal {
            kind: "GROUP",
            id: g.id.clone(),
            assignments: g.roles.clone(),
            targets: Map::new(),
        })
        .collect();

    // Roles of every assignee and token owner (including those inherited through groups).
    let assignees: HashSet<&String> = discovery.assignees.iter().collect();
    let users = distinct(discovery.assignees.iter().chain(owners));
    let role_lists = fan_out(users, |id| {
        let (client, tracker) = (Arc::clone(client), Arc::clone(&tracker));
        async move {
            let url = client.url(&["api", "v1", "users", &id, "roles"], &[]);
            let paged = fetch_all(&client, url, Shape::Array, &tracker).await;
            (id, paged)
        }
    })
    .await;
    for (id, paged) in role_lists {
        match &paged.error {
            // A token owner that no longer exists holds no role.
            Some(e) if e.is_not_found() && !assignees.contains(&id) => {
                tracing::debug!(user = %id, "token owner not found, skipped");
                continue;
            }
            Some(e) => problems.part(e),
            None => {}
        }
        if paged.error.is_none() || !paged.items.is_empty() {
            principals.push(Principal {
                kind: "USER",
                id,
                assignments: paged.items,
                targets: Map::new(),
            });
        }
    }

    fetch_targets(client, &tracker, &mut principals, &mut problems).await;

    let data = principals
        .into_iter()
        .map(|p| {
            json!({
                "principal_type": p.kind,
                "principal_id": p.id,
                "assignments": p.assignments,
                "targets": p.targets,
            })
        })
        .collect();
    Collected::finish(
        names::ROLE_ASSIGNMENTS,
        Value::Array(data),
        &problems,
        &tracker,
    )
}

/// Reads the group and app targets of every targetable role a principal holds directly.
async fn fetch_targets(
    client: &Arc<OktaClient>,
    tracker: &Arc<Tracker>,
    principals: &mut [Principal],
    problems: &mut Problems,
) {
    let mut jobs = Vec::new();
    for (index, p) in principals.iter().enumerate() {
        for a in &p.assignments {
            let role = a.get("type").and_then(Value::as_str).unwrap_or_default();
            let direct = p.kind == "GROUP"
                || a.get("assignmentType").and_then(Value::as_str) == Some("USER");
            if let (true, true, Some(aid)) = (direct, TARGETABLE.contains(&role), id_of(a)) {
                let collection = if p.kind == "GROUP" { "groups" } else { "users" };
                jobs.push((index, collection, p.id.clone(), aid, role == "APP_ADMIN"));
            }
        }
    }
    let results = fan_out(jobs, |(index, collection, pid, aid, apps)| {
        let (client, tracker) = (Arc::clone(client), Arc::clone(tracker));
        async move {
            let base = ["api", "v1", collection, &pid, "roles", &aid, "targets"];
            let url = client.url(&[&base[..], &["groups"]].concat(), &[("limit", "200")]);
            let groups = fetch_all(&client, url, Shape::Array, &tracker).await;
            let apps = if apps {
                let url = client.url(&[&base[..], &["catalog", "apps"]].concat(), &[]);
                fetch_all(&client, url, Shape::Array, &tracker).await
            } else {
                Paged::default()
            };
            (index, aid, groups, apps)
        }
    })
    .await;
    for (index, aid, groups, apps) in results {
        for e in [&groups.error, &apps.error].into_iter().flatten() {
            problems.part(e);
        }
        if let Some(p) = principals.get_mut(index) {
            p.targets
                .insert(aid, json!({"groups": groups.items, "apps": apps.items}));
        }
    }
}
