//! Resource-set resources and binding members: ORNs and REST URLs, parsed into what they name.
//!
//! Okta accepts a resource as an ORN (`orn:okta:directory:{org}:groups:{gid}`) or a REST URL
//! (`https://{org}/api/v1/groups/{gid}`) and lists it with both; members are REST URLs of a user,
//! group or OAuth client. See okta-api.md §5.

/// What a resource-set resource stands for: its kind and, for single objects, the object's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resource {
    /// `all_users`, `group`, `app_type`, … (see the `resource_set_resources.kind` column).
    pub(crate) kind: &'static str,
    /// The group, app, app name, server … it names; `None` for the `all_*` kinds.
    pub(crate) target_id: Option<String>,
}

impl Resource {
    fn new(kind: &'static str, target_id: Option<&str>) -> Self {
        Self {
            kind,
            target_id: target_id.map(str::to_string),
        }
    }

    fn other() -> Self {
        Self::new("other", None)
    }
}

/// Parses an ORN or a REST URL; anything else is `other`.
pub(crate) fn parse_resource(s: &str) -> Resource {
    let s = s.trim();
    if s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("orn:")) {
        parse_orn(s)
    } else {
        parse_rest(s)
    }
}

/// `orn:{partition}:{service}:{orgId}:{objectType}[:{objectId}][:contained_resources]`.
fn parse_orn(s: &str) -> Resource {
    let parts: Vec<&str> = s.split(':').collect();
    let (Some(service), Some(object)) = (parts.get(2), parts.get(4)) else {
        return Resource::other();
    };
    let rest = parts.get(5..).unwrap_or(&[]);
    let service = service.to_ascii_lowercase();
    match (service.as_str(), *object, rest) {
        ("directory", "users", []) => Resource::new("all_users", None),
        ("directory", "users", [id]) => Resource::new("user", Some(id)),
        ("directory", "groups", []) => Resource::new("all_groups", None),
        ("directory", "groups", [id]) => Resource::new("group", Some(id)),
        ("directory", "groups", [id, "contained_resources"]) => {
            Resource::new("group_members", Some(id))
        }
        ("directory", "devices", []) => Resource::new("all_devices", None),
        ("idp", "apps", []) => Resource::new("all_apps", None),
        ("idp", "apps", [name]) => Resource::new("app_type", Some(name)),
        ("idp", "apps", [_, id]) => Resource::new("app", Some(id)),
        ("idp", "authorization_servers", []) => Resource::new("authz_servers", None),
        ("idp", "authorization_servers", [id]) => Resource::new("authz_server", Some(id)),
        ("idp", "identity_provider", []) => Resource::new("idps", None),
        ("idp", "identity_provider", [id]) => Resource::new("idp", Some(id)),
        ("idp", "customizations", _) => Resource::new("customizations", None),
        ("workflow", "flows", []) => Resource::new("flows", None),
        ("workflow", "flows", [id]) => Resource::new("flow", Some(id)),
        ("governance", _, _) => Resource::new("governance", None),
        ("iam", "contained_resources", []) => Resource::new("all_iam", None),
        (_, "realms", []) => Resource::new("realms", None),
        (_, "realms", [id]) => Resource::new("realm", Some(id)),
        _ => Resource::other(),
    }
}

/// The path segments after `/api/v1/` (or `/oauth2/v1/`), and the query string.
fn api_path(s: &str) -> Option<(Vec<&str>, &str)> {
    let (without_fragment, _) = s.split_once('#').unwrap_or((s, ""));
    let (path, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    let rest = ["/api/v1/", "/oauth2/v1/"]
        .iter()
        .find_map(|p| path.find(p).map(|i| &path[i + p.len()..]))?;
    let segments = rest.split('/').filter(|x| !x.is_empty()).collect();
    Some((segments, query))
}

/// `name eq "x"` in a `filter` query parameter → `x`.
fn filtered_app_name(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "filter")
        .and_then(|(_, v)| {
            let v = v.trim();
            let rest = v.strip_prefix("name")?.trim_start();
            let rest = rest.strip_prefix("eq")?.trim();
            Some(rest.trim_matches('"').to_string())
        })
        .filter(|n| !n.is_empty())
}

fn parse_rest(s: &str) -> Resource {
    let Some((segments, query)) = api_path(s) else {
        return Resource::other();
    };
    match segments.as_slice() {
        ["users"] => Resource::new("all_users", None),
        ["users", id] => Resource::new("user", Some(id)),
        ["groups"] => Resource::new("all_groups", None),
        ["groups", id] => Resource::new("group", Some(id)),
        ["groups", id, "users"] => Resource::new("group_members", Some(id)),
        ["devices"] => Resource::new("all_devices", None),
        ["apps"] => match filtered_app_name(query) {
            Some(name) => Resource {
                kind: "app_type",
                target_id: Some(name),
            },
            None => Resource::new("all_apps", None),
        },
        ["apps", id] => Resource::new("app", Some(id)),
        ["authorizationServers"] => Resource::new("authz_servers", None),
        ["authorizationServers", id] => Resource::new("authz_server", Some(id)),
        ["idps"] => Resource::new("idps", None),
        ["idps", id] => Resource::new("idp", Some(id)),
        ["realms"] => Resource::new("realms", None),
        ["realms", id] => Resource::new("realm", Some(id)),
        _ => Resource::other(),
    }
}

/// A binding member's REST URL → (`USER` | `GROUP` | `CLIENT`, id).
pub(crate) fn parse_member(href: &str) -> Option<(&'static str, String)> {
    let (segments, _) = api_path(href)?;
    match segments.as_slice() {
        ["users", id] => Some(("USER", (*id).to_string())),
        ["groups", id] => Some(("GROUP", (*id).to_string())),
        ["clients", id] | ["apps", id] => Some(("CLIENT", (*id).to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> (&'static str, Option<String>) {
        let r = parse_resource(s);
        (r.kind, r.target_id)
    }

    #[test]
    fn orns_name_what_they_contain() {
        let org = "orn:okta:directory:00o1";
        assert_eq!(k(&format!("{org}:users")), ("all_users", None));
        assert_eq!(k(&format!("{org}:groups")), ("all_groups", None));
        assert_eq!(
            k(&format!("{org}:groups:00g1")),
            ("group", Some("00g1".into()))
        );
        assert_eq!(
            k(&format!("{org}:groups:00g1:contained_resources")),
            ("group_members", Some("00g1".into()))
        );
        assert_eq!(k("orn:oktapreview:idp:00o1:apps"), ("all_apps", None));
        assert_eq!(
            k("orn:okta:idp:00o1:apps:salesforce"),
            ("app_type", Some("salesforce".into()))
        );
        assert_eq!(
            k("orn:okta:idp:00o1:apps:salesforce:0oa1"),
            ("app", Some("0oa1".into()))
        );
        assert_eq!(
            k("orn:okta:idp:00o1:authorization_servers"),
            ("authz_servers", None)
        );
        assert_eq!(k("orn:okta:idp:00o1:identity_provider"), ("idps", None));
        assert_eq!(
            k("orn:okta:iam:00o1:contained_resources"),
            ("all_iam", None)
        );
        assert_eq!(
            k("orn:okta:workflow:00o1:flows:f1"),
            ("flow", Some("f1".into()))
        );
        assert_eq!(
            k("orn:okta:governance:00o1:certifications"),
            ("governance", None)
        );
        assert_eq!(k("orn:okta"), ("other", None));
        assert_eq!(k("orn:okta:directory:00o1:widgets"), ("other", None));
    }

    #[test]
    fn rest_urls_name_the_same_things_as_orns() {
        let base = "https://acme.okta.com/api/v1";
        assert_eq!(k(&format!("{base}/users")), ("all_users", None));
        assert_eq!(k("/api/v1/groups/"), ("all_groups", None));
        assert_eq!(
            k(&format!("{base}/groups/00g1")),
            ("group", Some("00g1".into()))
        );
        assert_eq!(
            k(&format!("{base}/groups/00g1/users")),
            ("group_members", Some("00g1".into()))
        );
        assert_eq!(k(&format!("{base}/apps")), ("all_apps", None));
        assert_eq!(
            k(&format!("{base}/apps?filter=name+eq+%22salesforce%22")),
            ("app_type", Some("salesforce".into()))
        );
        assert_eq!(
            k(&format!("{base}/apps?filter=name eq \"slack\"")),
            ("app_type", Some("slack".into()))
        );
        assert_eq!(
            k(&format!("{base}/apps/0oa1")),
            ("app", Some("0oa1".into()))
        );
        assert_eq!(
            k(&format!("{base}/authorizationServers/aus1")),
            ("authz_server", Some("aus1".into()))
        );
        assert_eq!(k(&format!("{base}/idps")), ("idps", None));
        assert_eq!(
            k(&format!("{base}/realms/r1")),
            ("realm", Some("r1".into()))
        );
        assert_eq!(k("https://example.com/elsewhere"), ("other", None));
        assert_eq!(k(""), ("other", None));
    }

    #[test]
    fn member_urls_give_principal_type_and_id() {
        assert_eq!(
            parse_member("https://o/api/v1/users/00u1"),
            Some(("USER", "00u1".into()))
        );
        assert_eq!(
            parse_member("/api/v1/groups/00g1"),
            Some(("GROUP", "00g1".into()))
        );
        assert_eq!(
            parse_member("https://o/oauth2/v1/clients/0oa1"),
            Some(("CLIENT", "0oa1".into()))
        );
        assert_eq!(parse_member("https://o/api/v1/users"), None);
    }
}
