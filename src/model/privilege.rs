//! How powerful a role, a permission or an OAuth scope is: the judgements rules build on, made once.
//!
//! Role ranks order standard role types from SUPER_ADMIN down to READ_ONLY_ADMIN; unknown types
//! (the set is open) and CUSTOM rank in the middle, above read-only. Permission risk classes follow
//! okta-api.md §4 "Risk classification" (our judgement, not Okta's).

/// Role types that can only read.
const READ_ONLY_ROLES: &[&str] = &["READ_ONLY_ADMIN", "REPORT_ADMIN"];

/// The rank of a role type: higher is more powerful.
pub(crate) fn role_rank(role_type: &str) -> u8 {
    match role_type.to_ascii_uppercase().as_str() {
        "SUPER_ADMIN" => 100,
        "ORG_ADMIN" => 90,
        "API_ACCESS_MANAGEMENT_ADMIN"
        | "APP_ADMIN"
        | "USER_ADMIN"
        | "MOBILE_ADMIN"
        | "API_ADMIN"
        | "WORKFLOWS_ADMIN" => 60,
        "HELP_DESK_ADMIN" | "GROUP_MEMBERSHIP_ADMIN" => 40,
        "REPORT_ADMIN" => 20,
        "READ_ONLY_ADMIN" => 10,
        // CUSTOM, the IAM-based standard roles and anything new: above read-only, to be safe.
        _ => 50,
    }
}

/// True for the standard roles that can only read.
pub(crate) fn is_read_only_role(role_type: &str) -> bool {
    READ_ONLY_ROLES
        .iter()
        .any(|r| r.eq_ignore_ascii_case(role_type))
}

/// The most powerful role type of a list (ties: alphabetical), `None` when empty.
pub(crate) fn highest_role<'a>(types: impl IntoIterator<Item = &'a str>) -> Option<String> {
    types
        .into_iter()
        .max_by(|a, b| role_rank(a).cmp(&role_rank(b)).then_with(|| b.cmp(a)))
        .map(str::to_string)
}

/// True for an OAuth scope that grants management (`okta.users.manage`).
pub(crate) fn is_manage_scope(scope: &str) -> bool {
    scope.trim().to_ascii_lowercase().ends_with(".manage")
}

/// The risk class of a custom-role permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RiskClass {
    /// Admin takeover or credential control.
    High,
    /// Other write permissions.
    Medium,
    /// Read-only.
    Read,
}

impl RiskClass {
    /// `high`, `medium` or `read`, as in the `risk_class` column.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Read => "read",
        }
    }
}

/// Permissions of the highest risk class (lower-cased).
const HIGH_RISK: &[&str] = &[
    "okta.users.manage",
    "okta.users.userprofile.manage",
    "okta.groups.manage",
    "okta.groups.members.manage",
    "okta.users.groupmembership.manage",
    "okta.apps.manage",
    "okta.apps.clientcredentials.read",
    "okta.authzservers.manage",
    "okta.identityproviders.manage",
    "okta.policies.manage",
    "okta.users.apitokens.manage",
    "okta.users.apitokens.clear",
    "okta.realms.manage",
];

/// Prefixes whose every permission is of the highest risk class (lower-cased).
const HIGH_RISK_PREFIXES: &[&str] = &["okta.users.credentials.", "okta.users.lifecycle."];

/// Classifies a permission label. Read-only means the last segment is `read` or `view`; any other
/// label, known or not, is a write permission (unknown ones err towards review).
pub(crate) fn permission_risk(label: &str) -> RiskClass {
    let p = label.trim().to_ascii_lowercase();
    if HIGH_RISK.contains(&p.as_str()) || HIGH_RISK_PREFIXES.iter().any(|x| p.starts_with(x)) {
        return RiskClass::High;
    }
    match p.rsplit('.').next() {
        Some("read" | "view") => RiskClass::Read,
        _ => RiskClass::Medium,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_classed_high_medium_or_read() {
        for high in [
            "okta.users.manage",
            "okta.users.credentials.resetPassword",
            "okta.users.credentials.manageTemporaryAccessCode",
            "okta.users.lifecycle.deactivate",
            "okta.users.userprofile.manage",
            "okta.groups.members.manage",
            "okta.users.groupMembership.manage",
            "okta.apps.clientCredentials.read",
            "okta.authzServers.manage",
            "okta.identityProviders.manage",
            "okta.policies.manage",
            "okta.users.apitokens.manage",
            "okta.users.apitokens.clear",
            "okta.realms.manage",
        ] {
            assert_eq!(permission_risk(high), RiskClass::High, "{high}");
        }
        for medium in [
            "okta.groups.create",
            "okta.devices.lifecycle.suspend",
            "okta.workflows.invoke",
            "okta.profilesources.import.run",
            "okta.apps.manageFirstPartyApps",
            "okta.customizations.manage",
            "okta.brand.new.thing",
        ] {
            assert_eq!(permission_risk(medium), RiskClass::Medium, "{medium}");
        }
        for read in [
            "okta.users.read",
            "okta.iam.read",
            "okta.workflows.read",
            "okta.agents.view",
            " okta.apps.read ",
        ] {
            assert_eq!(permission_risk(read), RiskClass::Read, "{read}");
        }
        assert_eq!(RiskClass::High.as_str(), "high");
    }

    #[test]
    fn roles_rank_super_admin_first_and_unknown_above_read_only() {
        assert_eq!(
            highest_role(["READ_ONLY_ADMIN", "SUPER_ADMIN", "APP_ADMIN"]).as_deref(),
            Some("SUPER_ADMIN")
        );
        assert_eq!(
            highest_role(["READ_ONLY_ADMIN", "NEW_FANCY_ADMIN"]).as_deref(),
            Some("NEW_FANCY_ADMIN")
        );
        assert_eq!(
            highest_role(["USER_ADMIN", "APP_ADMIN"]).as_deref(),
            Some("APP_ADMIN")
        );
        assert_eq!(highest_role(Vec::<&str>::new()), None);
        assert!(is_read_only_role("report_admin"));
        assert!(!is_read_only_role("CUSTOM"));
        assert!(is_manage_scope("okta.users.manage"));
        assert!(!is_manage_scope("okta.users.read"));
    }
}
