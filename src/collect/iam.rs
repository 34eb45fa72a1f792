//! Custom roles and resource sets (okta-api.md §4, §5): `custom_roles` (each role with its
//! permissions) and `resource_sets` (each set with its resources, bindings and every binding's
//! members).
//!
//! Every IAM list is a JSON object with its own key, paged by the body's `_links.next.href`, with
//! the `Link` header as fallback (`…/resources` sends none). A failure of the top-level list makes
//! the collection `failed` (`forbidden` on a 403); a failure of one role's or one set's sub-list
//! makes it `partial`, and the error names the role or set.

use std::sync::Arc;

use serde_json::{Value, json};

use super::client::{OktaClient, fan_out};
use super::error::RequestError;
use super::names;
use super::outcome::{Collected, Problems};
use super::paging::{Paged, Shape, fetch_all};
use super::progress::{Progress, Tracker};

/// The `id` of an IAM object.
fn id_of(v: &Value) -> Option<String> {
    v.get("id").and_then(Value::as_str).map(str::to_string)
}

/// `id (label)` for error messages.
fn named(v: &Value) -> String {
    let id = v.get("id").and_then(Value::as_str).unwrap_or("?");
    match v.get("label").and_then(Value::as_str) {
        Some(label) => format!("{id} ({label})"),
        None => id.to_string(),
    }
}

/// Records a failed sub-list of `what` (a role, a set, a binding) as a `partial` problem.
fn sub_list_failed(problems: &mut Problems, what: &str, error: &RequestError) {
    problems.input(format!("{what}: {error}"));
}

/// `custom_roles` and `resource_sets`, read concurrently.
pub(crate) async fn collections(client: &Arc<OktaClient>, progress: &Progress) -> [Collected; 2] {
    let (roles, sets) = tokio::join!(
        custom_roles(client, progress),
        resource_sets(client, progress)
    );
    [roles, sets]
}

/// `custom_roles`: `[{"role": <IamRole>, "permissions": [<Permission>…]}]`.
pub(crate) async fn custom_roles(client: &Arc<OktaClient>, progress: &Progress) -> Collected {
    let tracker = progress.start(names::CUSTOM_ROLES);
    let mut problems = Problems::default();
    let url = client.url(&["api", "v1", "iam", "roles"], &[]);
    let roles = fetch_all(client, url, Shape::Wrapper("roles"), &tracker).await;
    if let Some(e) = &roles.error {
        problems.root(e);
    }
    let permissions = fan_out(roles.items, |role| {
        let (client, tracker) = (Arc::clone(client), Arc::clone(&tracker));
        async move {
            let Some(id) = id_of(&role) else {
                return (role, Paged::default());
            };
            let url = client.url(&["api", "v1", "iam", "roles", &id, "permissions"], &[]);
            let paged = fetch_all(&client, url, Shape::Wrapper("permissions"), &tracker).await;
            (role, paged)
        }
    })
    .await;
    let mut data = Vec::with_capacity(permissions.len());
    for (role, paged) in permissions {
        if let Some(e) = &paged.error {
            sub_list_failed(
                &mut problems,
                &format!("permissions of custom role {}", named(&role)),
                e,
            );
        }
        data.push(json!({"role": role, "permissions": paged.items}));
    }
    Collected::finish(names::CUSTOM_ROLES, Value::Array(data), &problems, &tracker)
}

/// What was read about one resource set.
struct SetParts {
    set: Value,
    resources: Paged,
    bindings: Vec<(Value, Paged)>,
    bindings_error: Option<RequestError>,
}

/// `resource_sets`: `[{"resource_set", "resources", "bindings": [{"role_id", "binding",
/// "members"}]}]`.
pub(crate) async fn resource_sets(client: &Arc<OktaClient>, progress: &Progress) -> Collected {
    let tracker = progress.start(names::RESOURCE_SETS);
    let mut problems = Problems::default();
    let url = client.url(&["api", "v1", "iam", "resource-sets"], &[]);
    let sets = fetch_all(client, url, Shape::Wrapper("resource-sets"), &tracker).await;
    if let Some(e) = &sets.error {
        problems.root(e);
    }
    let parts = fan_out(sets.items, |set| {
        let (client, tracker) = (Arc::clone(client), Arc::clone(&tracker));
        async move { read_set(&client, &tracker, set).await }
    })
    .await;
    let mut data = Vec::with_capacity(parts.len());
    for part in parts {
        let what = format!("resource set {}", named(&part.set));
        if let Some(e) = &part.resources.error {
            sub_list_failed(&mut problems, &format!("resources of {what}"), e);
        }
        if let Some(e) = &part.bindings_error {
            sub_list_failed(&mut problems, &format!("bindings of {what}"), e);
        }
        let mut bindings = Vec::with_capacity(part.bindings.len());
        for (binding, members) in part.bindings {
            let role_id = id_of(&binding).unwrap_or_default();
            if let Some(e) = &members.error {
                let at = format!("members of role {role_id} in {what}");
                sub_list_failed(&mut problems, &at, e);
            }
            bindings
                .push(json!({"role_id": role_id, "binding": binding, "members": members.items}));
        }
        data.push(json!({
            "resource_set": part.set,
            "resources": part.resources.items,
            "bindings": bindings,
        }));
    }
    Collected::finish(
        names::RESOURCE_SETS,
        Value::Array(data),
        &problems,
        &tracker,
    )
}

/// Resources, bindings and each binding's members of one set.
async fn read_set(client: &Arc<OktaClient>, tracker: &Arc<Tracker>, set: Value) -> SetParts {
    let Some(id) = id_of(&set) else {
        return SetParts {
            set,
            resources: Paged::default(),
            bindings: Vec::new(),
            bindings_error: None,
        };
    };
    let base = ["api", "v1", "iam", "resource-sets", id.as_str()];
    let resources_url = client.url(&[&base[..], &["resources"]].concat(), &[("limit", "100")]);
    let bindings_url = client.url(&[&base[..], &["bindings"]].concat(), &[]);
    let (resources, bindings) = tokio::join!(
        fetch_all(client, resources_url, Shape::Wrapper("resources"), tracker),
        fetch_all(client, bindings_url, Shape::Wrapper("roles"), tracker),
    );
    let members = fan_out(bindings.items, |binding| {
        let (client, tracker, set_id) = (Arc::clone(client), Arc::clone(tracker), id.clone());
        async move {
            let Some(role) = id_of(&binding) else {
                return (binding, Paged::default());
            };
            let segments = [
                "api",
                "v1",
                "iam",
                "resource-sets",
                &set_id,
                "bindings",
                &role,
                "members",
            ];
            let url = client.url(&segments, &[]);
            let paged = fetch_all(&client, url, Shape::Wrapper("members"), &tracker).await;
            (binding, paged)
        }
    })
    .await;
    SetParts {
        set,
        resources,
        bindings: members,
        bindings_error: bindings.error,
    }
}
