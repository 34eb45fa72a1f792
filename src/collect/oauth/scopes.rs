//! Which OAuth 2.0 scopes each collection needs (okta-api.md §1–§7), the default scopes the
//! collector asks for, and the check that turns a scope the app was not granted into a
//! `forbidden` collection instead of a request Okta would refuse.
//!
//! This table is the collector's, kept apart from the mock's (`mock/oauth/scopes.rs`): the mock
//! plays Okta and decides per endpoint; the collector decides per collection, before asking.

use std::collections::BTreeSet;

/// Collection → the scopes every request made for it needs. Collections not listed need none.
/// A `.manage` scope covers its `.read` (Okta's scope hierarchy).
const REQUIRED: &[(&str, &[&str])] = &[
    ("org", &[]),
    ("caller", &[]),
    ("api_tokens", &["okta.apiTokens.read"]),
    ("network_zones", &["okta.networkZones.read"]),
    ("user_types", &["okta.userTypes.read"]),
    ("groups", &["okta.groups.read"]),
    ("role_assignments", &["okta.roles.read"]),
    ("users", &["okta.users.read"]),
    ("custom_roles", &["okta.roles.read"]),
    ("resource_sets", &["okta.roles.read"]),
    // The apps and their grants; a client's role assignments also need okta.roles.read, which
    // Okta answers with a 403 (the collection is then partial).
    ("service_apps", &["okta.apps.read", "okta.appGrants.read"]),
    ("system_log", &["okta.logs.read"]),
    ("user_factors", &["okta.users.read"]),
];

/// The scopes a collection needs (empty for collections that need none or are not listed).
pub(crate) fn required(collection: &str) -> &'static [&'static str] {
    REQUIRED
        .iter()
        .find(|(name, _)| *name == collection)
        .map_or(&[], |(_, scopes)| scopes)
}

/// Every scope some collection needs, in table order: what the collector asks for by default.
pub fn default_scopes() -> Vec<String> {
    let mut seen = BTreeSet::new();
    REQUIRED
        .iter()
        .flat_map(|(_, scopes)| scopes.iter())
        .filter(|s| seen.insert(**s))
        .map(|s| (*s).to_string())
        .collect()
}

/// Splits a scope list written with spaces and/or commas (`OKTA_OAUTH2_SCOPES`), dropping
/// empties and duplicates.
pub fn parse_scopes(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in text.split(|c: char| c == ',' || c.is_whitespace()) {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

/// Whether `granted` covers `needed` (`okta.users.manage` covers `okta.users.read`).
fn covers(granted: &[String], needed: &str) -> bool {
    let manage = needed
        .strip_suffix(".read")
        .map(|stem| format!("{stem}.manage"));
    granted
        .iter()
        .any(|g| g == needed || manage.as_deref() == Some(g.as_str()))
}

/// The scopes `collection` needs that `granted` does not cover.
pub(crate) fn missing(collection: &str, granted: &[String]) -> Vec<&'static str> {
    required(collection)
        .iter()
        .copied()
        .filter(|s| !covers(granted, s))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn defaults_are_the_distinct_scopes_of_the_table() {
        let d = default_scopes();
        assert_eq!(
            d,
            strings(&[
                "okta.apiTokens.read",
                "okta.networkZones.read",
                "okta.userTypes.read",
                "okta.groups.read",
                "okta.roles.read",
                "okta.users.read",
                "okta.apps.read",
                "okta.appGrants.read",
                "okta.logs.read",
            ])
        );
    }

    #[test]
    fn every_collection_of_both_slices_is_in_the_table() {
        for name in [
            "org",
            "api_tokens",
            "network_zones",
            "user_types",
            "groups",
            "role_assignments",
            "users",
            "custom_roles",
            "resource_sets",
            "service_apps",
            "system_log",
            "user_factors",
            "caller",
        ] {
            assert!(REQUIRED.iter().any(|(n, _)| *n == name), "{name}");
        }
        assert_eq!(required("system_log"), ["okta.logs.read"]);
        assert!(required("caller").is_empty());
        assert!(required("not_a_collection").is_empty());
    }

    #[test]
    fn scope_lists_split_on_spaces_and_commas() {
        assert_eq!(
            parse_scopes(" okta.users.read,okta.logs.read  okta.users.read,,\tokta.apps.read "),
            strings(&["okta.users.read", "okta.logs.read", "okta.apps.read"])
        );
        assert!(parse_scopes(" , ").is_empty());
    }

    #[test]
    fn manage_covers_read_but_not_the_other_way() {
        let granted = strings(&["okta.users.manage", "okta.apps.read"]);
        assert!(missing("users", &granted).is_empty());
        assert_eq!(missing("service_apps", &granted), ["okta.appGrants.read"]);
        let granted = strings(&["okta.logs.read"]);
        assert!(missing("system_log", &granted).is_empty());
        assert_eq!(missing("api_tokens", &granted), ["okta.apiTokens.read"]);
        assert!(missing("org", &[]).is_empty());
    }
}
