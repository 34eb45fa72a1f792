//! The table catalogue: the single source of truth for every table's name, sources and columns.
//!
//! `tokenwarden tables` prints it, the model builds frames in exactly this shape, and the rule
//! engine validates queries against empty frames built from it.

use std::sync::LazyLock;

use polars::prelude::{DataFrame, DataType, Schema};

/// The type of a column as rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// UTF-8 text (nullable).
    Str,
    /// 64-bit signed integer (nullable).
    Int,
    /// 64-bit float (nullable).
    Float,
    /// Boolean (nullable).
    Bool,
}

impl ColType {
    /// The polars dtype of the column.
    pub fn dtype(self) -> DataType {
        match self {
            Self::Str => DataType::String,
            Self::Int => DataType::Int64,
            Self::Float => DataType::Float64,
            Self::Bool => DataType::Boolean,
        }
    }

    /// The word printed in the catalogue.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Str => "string",
            Self::Int => "integer",
            Self::Float => "float",
            Self::Bool => "boolean",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    /// Column name as used in SQL.
    pub name: &'static str,
    /// Its type.
    pub dtype: ColType,
    /// What it holds.
    pub description: &'static str,
}

/// One table of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct TableDef {
    /// Table name as used in SQL and in a rule's `requires`.
    pub name: &'static str,
    /// What one row is.
    pub description: &'static str,
    /// Snapshot collections that must all be `complete` for the table to be complete.
    pub sources: &'static [&'static str],
    /// Columns, in frame order.
    pub columns: &'static [ColumnDef],
}

impl TableDef {
    /// The polars schema of the table.
    pub fn schema(&self) -> Schema {
        self.columns
            .iter()
            .map(|c| (c.name.into(), c.dtype.dtype()))
            .collect()
    }

    /// An empty frame with the table's schema.
    pub fn empty_frame(&self) -> DataFrame {
        DataFrame::empty_with_schema(&self.schema())
    }

    /// The column of that name.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// The table of that name.
pub fn table(name: &str) -> Option<&'static TableDef> {
    CATALOGUE.iter().find(|t| t.name == name)
}

/// Every table, in catalogue order.
pub fn catalogue() -> &'static [TableDef] {
    &CATALOGUE
}

macro_rules! cols {
    ($($name:literal : $ty:ident = $desc:literal),* $(,)?) => {
        &[$(ColumnDef { name: $name, dtype: ColType::$ty, description: $desc }),*]
    };
}

// The tables of the second slice (issue 3), one file per family; `cols!` is in scope there.
mod activity;
mod apps;
mod iam;

/// The whole catalogue: the first slice's tables, then IAM, service apps, System Log and callers.
static CATALOGUE: LazyLock<Vec<TableDef>> =
    LazyLock::new(|| [FIRST_SLICE, iam::TABLES, apps::TABLES, activity::TABLES].concat());

/// Tables of the first slice (issue 2).
static FIRST_SLICE: &[TableDef] = &[
    TableDef {
        name: "org",
        description: "the org scanned (one row)",
        sources: &["org"],
        columns: cols![
            "org_id": Str = "Okta org id (00o…)",
            "org_url": Str = "the org's base URL (from the manifest)",
            "as_of": Str = "the instant every age is computed against (RFC 3339)",
        ],
    },
    TableDef {
        name: "api_tokens",
        description: "one row per API token (SSWS); owner_* columns are null when the users collection \
                      is missing — rules reading them must also require `users`",
        sources: &["api_tokens"],
        columns: cols![
            "id": Str = "token id (00T…)",
            "name": Str = "token name",
            "client_name": Str = "clientName (\"Okta API\")",
            "user_id": Str = "owner user id",
            "owner_login": Str = "owner's login (from users)",
            "owner_status": Str = "owner's status (from users)",
            "owner_user_type": Str = "owner's profile.userType (from users)",
            "owner_type_name": Str = "name of the owner's user type (from users, user_types)",
            "created": Str = "created (RFC 3339)",
            "last_updated": Str = "lastUpdated (RFC 3339)",
            "expires_at": Str = "expiresAt (RFC 3339)",
            "token_window_days": Int = "tokenWindow in whole days (P30D → 30)",
            "age_days": Int = "whole days since created",
            "last_used": Str = "approximate last use: expiresAt − tokenWindow (RFC 3339)",
            "idle_days": Int = "whole days since last_used",
            "days_until_expiry": Int = "whole days until expiresAt (negative once expired)",
            "never_used": Bool = "expiresAt = created + tokenWindow (±60 s): never used since creation",
            "network_connection": Str = "ANYWHERE, ZONE, or \"\" when missing",
            "include_count": Int = "zones in network.include",
            "exclude_count": Int = "zones in network.exclude",
            "includes_all_zones": Bool = "network.include has ALL_IP_ZONES",
        ],
    },
    TableDef {
        name: "api_token_zones",
        description: "one row per zone a token's network condition includes or excludes",
        sources: &["api_tokens"],
        columns: cols![
            "token_id": Str = "token id",
            "token_name": Str = "token name",
            "zone_id": Str = "zone id (nzo…) or ALL_IP_ZONES",
            "direction": Str = "include | exclude",
        ],
    },
    TableDef {
        name: "network_zones",
        description: "one row per network zone",
        sources: &["network_zones"],
        columns: cols![
            "id": Str = "zone id (nzo…)",
            "name": Str = "zone name",
            "type": Str = "IP | DYNAMIC | DYNAMIC_V2",
            "status": Str = "ACTIVE | INACTIVE",
            "usage": Str = "POLICY | BLOCKLIST",
            "system": Bool = "a system zone",
            "gateway_count": Int = "IP gateways (CIDR or RANGE entries)",
            "proxy_count": Int = "trusted proxies",
            "invalid_gateway_count": Int = "gateways whose value could not be parsed (not counted)",
            "ipv4_addresses": Float = "IPv4 addresses the gateways admit (overlaps counted once)",
            "ipv6_addresses": Float = "IPv6 addresses the gateways admit (overlaps counted once)",
            "contains_all_ipv4": Bool = "the gateways cover 0.0.0.0/0",
            "contains_all_ipv6": Bool = "the gateways cover ::/0",
            "is_dynamic": Bool = "type DYNAMIC or DYNAMIC_V2 (geo/ASN based)",
            "location_count": Int = "locations (DYNAMIC_V2: included ones)",
            "asn_count": Int = "ASNs (DYNAMIC_V2: included ones)",
            "ip_service_category_count": Int = "DYNAMIC_V2 included IP service categories",
        ],
    },
    TableDef {
        name: "users",
        description: "one row per collected user (token owners, role holders, members of role groups); \
                      type_name is null when user_types is missing",
        sources: &["users"],
        columns: cols![
            "id": Str = "user id (00u…)",
            "login": Str = "profile.login",
            "email": Str = "profile.email",
            "status": Str = "ACTIVE, SUSPENDED, DEPROVISIONED, …",
            "user_type": Str = "profile.userType",
            "type_id": Str = "type.id",
            "type_name": Str = "name of the user type (from user_types)",
            "created": Str = "created (RFC 3339)",
            "last_login": Str = "lastLogin (RFC 3339, null if never)",
            "last_login_days": Int = "whole days since lastLogin (null if never)",
        ],
    },
    TableDef {
        name: "user_types",
        description: "one row per user type",
        sources: &["user_types"],
        columns: cols![
            "id": Str = "user type id (oty…)",
            "name": Str = "name",
            "display_name": Str = "displayName",
            "is_default": Bool = "the default user type",
        ],
    },
    TableDef {
        name: "groups",
        description: "one row per group holding an admin role",
        sources: &["groups"],
        columns: cols![
            "id": Str = "group id (00g…)",
            "name": Str = "profile.name",
            "type": Str = "OKTA_GROUP, APP_GROUP, BUILT_IN",
            "member_count": Int = "members collected",
        ],
    },
    TableDef {
        name: "group_members",
        description: "one row per (group, member)",
        sources: &["groups"],
        columns: cols![
            "group_id": Str = "group id",
            "group_name": Str = "group name",
            "user_id": Str = "member user id",
        ],
    },
    TableDef {
        name: "role_assignments",
        description: "one row per role assignment held by a principal (users: direct ones only; \
                      group-inherited ones are the group's rows)",
        sources: &["role_assignments"],
        columns: cols![
            "id": Str = "assignment id",
            "principal_type": Str = "USER | GROUP (| CLIENT)",
            "principal_id": Str = "user, group or client id",
            "principal_name": Str = "user login or group name (from users, groups)",
            "role_type": Str = "SUPER_ADMIN, ORG_ADMIN, …, CUSTOM (open set)",
            "label": Str = "role label (never match on it)",
            "status": Str = "ACTIVE | INACTIVE",
            "assignment_type": Str = "USER | GROUP | CLIENT",
            "created": Str = "created (RFC 3339)",
            "custom_role_id": Str = "custom role id (cr0…) for CUSTOM",
            "resource_set_id": Str = "resource set id (iam…) for CUSTOM",
            "target_group_count": Int = "group targets",
            "target_app_count": Int = "app targets",
            "targeted": Bool = "has at least one target (false = org-wide for targetable roles)",
        ],
    },
    TableDef {
        name: "role_targets",
        description: "one row per target of a standard role assignment",
        sources: &["role_assignments"],
        columns: cols![
            "assignment_id": Str = "assignment id",
            "principal_type": Str = "USER | GROUP",
            "principal_id": Str = "principal id",
            "target_type": Str = "GROUP | APP",
            "target_id": Str = "group id, app instance id or app name",
            "target_name": Str = "group name or app display name",
        ],
    },
    TableDef {
        name: "effective_roles",
        description: "one row per (user, role, path): direct assignments and those through a group; \
                      login and user_status are null when users is missing",
        sources: &["role_assignments", "groups"],
        columns: cols![
            "user_id": Str = "user id",
            "login": Str = "user login (from users)",
            "user_status": Str = "user status (from users)",
            "role_type": Str = "role type (open set)",
            "label": Str = "role label",
            "status": Str = "assignment status (ACTIVE | INACTIVE)",
            "assignment_id": Str = "assignment id",
            "assignment_type": Str = "USER (direct) | GROUP",
            "via_group_id": Str = "the group it comes through (null when direct)",
            "via_group_name": Str = "that group's name",
            "targeted": Bool = "the assignment has targets",
            "custom_role_id": Str = "custom role id for CUSTOM",
            "resource_set_id": Str = "resource set id for CUSTOM",
        ],
    },
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_names_and_columns_are_unique() {
        let mut names: Vec<_> = catalogue().iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), catalogue().len());
        for t in catalogue() {
            let mut cols: Vec<_> = t.columns.iter().map(|c| c.name).collect();
            cols.sort_unstable();
            cols.dedup();
            assert_eq!(cols.len(), t.columns.len(), "{}", t.name);
            assert_eq!(t.empty_frame().width(), t.columns.len());
        }
    }
}
