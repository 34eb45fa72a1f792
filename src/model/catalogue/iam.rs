//! Catalogue entries of custom roles, their permissions, resource sets, bindings and members.

use super::{ColType, ColumnDef, TableDef};

/// The IAM tables (built by `model/iam.rs`).
pub(super) static TABLES: &[TableDef] = &[
    TableDef {
        name: "custom_roles",
        description: "one row per custom admin role; the binding columns are enriched from \
                      resource_sets (null when it is missing — rules reading them must also require \
                      `resource_set_bindings`)",
        sources: &["custom_roles"],
        columns: cols![
            "id": Str = "custom role id (cr0…)",
            "label": Str = "role label",
            "description": Str = "description as written (may be null or blank)",
            "has_description": Bool = "the description has non-blank text",
            "created": Str = "created (RFC 3339)",
            "last_updated": Str = "lastUpdated (RFC 3339)",
            "permission_count": Int = "permissions of the role",
            "high_risk_permission_count": Int = "permissions of risk class high",
            "medium_risk_permission_count": Int = "permissions of risk class medium",
            "write_permission_count": Int = "permissions that are not read-only (high + medium)",
            "high_risk_permissions": Str = "the high-risk permissions, comma-joined, sorted",
            "binding_count": Int = "resource sets the role is bound to (from resource_sets)",
            "org_wide_binding_count": Int = "of those, resource sets that are org-wide",
            "member_count": Int = "binding members over all its bindings (users, groups, clients)",
        ],
    },
    TableDef {
        name: "custom_role_permissions",
        description: "one row per (custom role, permission); risk_class per okta-api.md §4: high = \
                      user credentials/lifecycle/manage, group (membership) manage, apps manage, \
                      okta.apps.clientCredentials.read, authz server / IdP / policy / realm / API \
                      token manage; read = last segment `read` or `view`; everything else medium",
        sources: &["custom_roles"],
        columns: cols![
            "role_id": Str = "custom role id",
            "role_label": Str = "custom role label",
            "permission": Str = "permission label, e.g. okta.users.manage",
            "risk_class": Str = "high | medium | read",
            "is_write": Bool = "risk_class is high or medium",
            "has_conditions": Bool = "the permission carries include/exclude conditions",
            "created": Str = "created (RFC 3339)",
        ],
    },
    TableDef {
        name: "resource_sets",
        description: "one row per resource set (the scope a custom role is granted over)",
        sources: &["resource_sets"],
        columns: cols![
            "id": Str = "resource set id (iam…)",
            "label": Str = "label",
            "description": Str = "description as written",
            "has_description": Bool = "the description has non-blank text",
            "created": Str = "created (RFC 3339)",
            "last_updated": Str = "lastUpdated (RFC 3339)",
            "resource_count": Int = "resources in the set",
            "all_users": Bool = "contains all users (…:directory:{org}:users, /api/v1/users)",
            "all_groups": Bool = "contains all groups",
            "all_apps": Bool = "contains all apps",
            "org_wide": Bool = "all_users or all_groups or all_apps",
            "binding_count": Int = "roles bound to the set",
            "member_count": Int = "binding members over all its bindings",
        ],
    },
    TableDef {
        name: "resource_set_resources",
        description: "one row per resource of a resource set, its ORN or REST URL parsed",
        sources: &["resource_sets"],
        columns: cols![
            "resource_set_id": Str = "resource set id",
            "resource_set_label": Str = "resource set label",
            "id": Str = "resource id (ire…)",
            "orn": Str = "orn as listed (may be a REST URL in hand-made data)",
            "href": Str = "REST URL of the resource (_links.self.href)",
            "kind": Str = "all_users | user | all_groups | group | group_members | all_devices | \
                           all_apps | app_type | app | authz_servers | authz_server | idps | idp | \
                           customizations | flows | flow | governance | all_iam | realms | realm | other",
            "target_id": Str = "the object's id (group, app, app name for app_type, …), null for all_*",
        ],
    },
    TableDef {
        name: "resource_set_bindings",
        description: "one row per (resource set, role) binding; role_label is enriched from \
                      custom_roles",
        sources: &["resource_sets"],
        columns: cols![
            "resource_set_id": Str = "resource set id",
            "resource_set_label": Str = "resource set label",
            "role_id": Str = "bound role id (cr0… or a standard IAM role type)",
            "role_label": Str = "role label (from custom_roles)",
            "member_count": Int = "members of the binding",
            "org_wide": Bool = "the resource set is org-wide",
        ],
    },
    TableDef {
        name: "binding_members",
        description: "one row per member of a binding: who holds the custom role over the set; \
                      principal_name is enriched from users, groups and service apps",
        sources: &["resource_sets"],
        columns: cols![
            "resource_set_id": Str = "resource set id",
            "role_id": Str = "role id",
            "member_id": Str = "binding member id (irb…)",
            "principal_type": Str = "USER | GROUP | CLIENT (null when the URL is not understood)",
            "principal_id": Str = "user id, group id or client id",
            "principal_name": Str = "user login, group name or app label",
            "href": Str = "the member's REST URL",
        ],
    },
];
