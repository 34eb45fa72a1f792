//! The scope each endpoint requires of an OAuth token — the mock's own table, as Okta decides
//! it per endpoint (okta-api.md §1–§7); the collector keeps its own per collection.

/// The scope `path` requires (`None`: none, or an endpoint the mock does not serve).
pub(super) fn required(path: &str) -> Option<&'static str> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    Some(match segs.as_slice() {
        ["api", "v1", "api-tokens", ..] => "okta.apiTokens.read",
        ["api", "v1", "zones", ..] => "okta.networkZones.read",
        ["api", "v1", "meta", "types", "user", ..] => "okta.userTypes.read",
        ["api", "v1", "users" | "groups", _, "roles", ..] => "okta.roles.read",
        ["api", "v1", "users", ..] => "okta.users.read",
        ["api", "v1", "groups", ..] => "okta.groups.read",
        ["api", "v1", "iam", ..] => "okta.roles.read",
        ["api", "v1", "apps", _, "grants", ..] => "okta.appGrants.read",
        ["api", "v1", "apps", ..] => "okta.apps.read",
        ["api", "v1", "logs", ..] => "okta.logs.read",
        ["oauth2", "v1", "clients", _, "roles", ..] => "okta.roles.read",
        ["oauth2", "v1", "clients", ..] => "okta.clients.read",
        _ => return None,
    })
}

/// Whether `granted` holds `needed` or the `.manage` scope above it.
pub(super) fn covers(granted: &[String], needed: &str) -> bool {
    let manage = needed.strip_suffix(".read").map(|s| format!("{s}.manage"));
    granted
        .iter()
        .any(|g| g == needed || manage.as_deref() == Some(g.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_map_to_okta_scopes() {
        for (path, scope) in [
            ("/api/v1/api-tokens", Some("okta.apiTokens.read")),
            ("/api/v1/users/00u1/roles", Some("okta.roles.read")),
            (
                "/api/v1/groups/00g1/roles/ra1/targets/groups",
                Some("okta.roles.read"),
            ),
            ("/api/v1/users/00u1/factors", Some("okta.users.read")),
            ("/api/v1/groups/00g1/users", Some("okta.groups.read")),
            ("/api/v1/iam/resource-sets", Some("okta.roles.read")),
            ("/api/v1/apps/0oa1/grants", Some("okta.appGrants.read")),
            ("/api/v1/apps/0oa1/credentials/jwks", Some("okta.apps.read")),
            ("/oauth2/v1/clients/0oa1/roles", Some("okta.roles.read")),
            ("/api/v1/logs", Some("okta.logs.read")),
            ("/.well-known/okta-organization", None),
        ] {
            assert_eq!(required(path), scope, "{path}");
        }
        let granted = vec!["okta.users.manage".to_string()];
        assert!(covers(&granted, "okta.users.read"));
        assert!(!covers(&granted, "okta.groups.read"));
    }
}
