//! The diff's output model: a versioned contract that every renderer reads and JSON writes as is.
//!
//! Schema version 1.0: top-level `schema_version`, `tool`, `old`, `new`, `summary`,
//! `not_comparable`, `changes`, `findings`, `notes`. Fields are only ever added within a major
//! version. Every list is in a deterministic order (changes by kind, then id; findings by change,
//! rule id, entity id).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::findings::Severity;

/// The schema version written in `schema_version`.
pub const SCHEMA_VERSION: &str = "1.0";

/// The whole change record between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: String,
    /// The tool that wrote it (`tokenwarden <version>`).
    pub tool: String,
    /// The earlier snapshot.
    pub old: SnapshotInfo,
    /// The later snapshot.
    pub new: SnapshotInfo,
    /// Counts.
    pub summary: Summary,
    /// Kinds that could not be compared, and why (never reported as removals).
    pub not_comparable: Vec<NotComparable>,
    /// Entities added, removed or changed, sorted by kind, then id.
    pub changes: Vec<Change>,
    /// Findings opened and resolved, and rules that could not be compared.
    pub findings: FindingsDiff,
    /// Warnings about the comparison itself (different orgs, items without ids).
    pub notes: Vec<String>,
}

/// Which snapshot a diff side is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// The org's base URL from the manifest.
    pub org_url: String,
    /// The org id (`00o…`) when the `org` collection was read.
    pub org_id: Option<String>,
    /// `collected_at` of the manifest (RFC 3339).
    pub collected_at: String,
    /// The instant the rules were evaluated against (RFC 3339).
    pub as_of: String,
    /// SHA-256 of `manifest.json`, which pins every data file's hash: identifies the evidence.
    pub manifest_sha256: String,
}

/// Totals of the diff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Entities added.
    pub added: usize,
    /// Entities removed.
    pub removed: usize,
    /// Entities changed.
    pub changed: usize,
    /// Findings in NEW that were not in OLD.
    pub findings_opened: usize,
    /// Findings in OLD that are gone in NEW.
    pub findings_resolved: usize,
    /// Findings in both whose severity changed.
    pub findings_severity_changed: usize,
    /// Findings present in both, unchanged in severity.
    pub findings_unchanged: usize,
    /// Kinds not compared.
    pub kinds_not_comparable: usize,
    /// Rules not evaluated on at least one side.
    pub rules_not_compared: usize,
}

/// What kind of thing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An SSWS API token (`api_tokens`).
    ApiToken,
    /// A role held by a user or group (`role_assignments`).
    AdminAssignment,
    /// A member of a group that holds an admin role (`groups`).
    AdminGroupMember,
    /// A custom admin role (`custom_roles`).
    CustomRole,
    /// A resource set (`resource_sets`).
    ResourceSet,
    /// An OAuth service app (`service_apps`).
    ServiceApp,
}

impl Kind {
    /// Every kind, in output order.
    pub const ALL: [Kind; 6] = [
        Kind::ApiToken,
        Kind::AdminAssignment,
        Kind::AdminGroupMember,
        Kind::CustomRole,
        Kind::ResourceSet,
        Kind::ServiceApp,
    ];

    /// The snake_case word used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiToken => "api_token",
            Self::AdminAssignment => "admin_assignment",
            Self::AdminGroupMember => "admin_group_member",
            Self::CustomRole => "custom_role",
            Self::ResourceSet => "resource_set",
            Self::ServiceApp => "service_app",
        }
    }

    /// The snapshot collection the kind is compared from.
    pub fn collection(self) -> &'static str {
        match self {
            Self::ApiToken => "api_tokens",
            Self::AdminAssignment => "role_assignments",
            Self::AdminGroupMember => "groups",
            Self::CustomRole => "custom_roles",
            Self::ResourceSet => "resource_sets",
            Self::ServiceApp => "service_apps",
        }
    }
}

/// Added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeType {
    /// In NEW only.
    Added,
    /// In OLD only.
    Removed,
    /// In both, with different compared fields.
    Changed,
}

impl ChangeType {
    /// The word used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

/// One entity added, removed or changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// What it is.
    pub kind: Kind,
    /// Added, removed or changed.
    pub change: ChangeType,
    /// Its stable key: the Okta id, or for assignments `principal_type:principal_id:role…`.
    pub id: String,
    /// A display name (token name, `login — role label`, app label).
    pub name: String,
    /// Context from NEW (added, changed) or OLD (removed): owner, network, role, targets…
    pub attributes: BTreeMap<String, String>,
    /// For `changed`: each field that differs, sorted by field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Detail>,
}

/// One difference of a changed entity: a value that changed, or members added/removed of a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    /// The field (`network.connection`, `scopes`, `secret ocs1.status`, …).
    pub field: String,
    /// Value in OLD (value changes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// Value in NEW (value changes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// Members in NEW only (set changes only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    /// Members in OLD only (set changes only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

impl Detail {
    /// One line of text: `field: old → new` or `field: +a, +b, −c`.
    pub fn text(&self) -> String {
        if self.added.is_empty() && self.removed.is_empty() {
            format!(
                "{}: {} → {}",
                self.field,
                self.old.as_deref().unwrap_or("(none)"),
                self.new.as_deref().unwrap_or("(none)")
            )
        } else {
            let items: Vec<String> = self
                .added
                .iter()
                .map(|a| format!("+{a}"))
                .chain(self.removed.iter().map(|r| format!("−{r}")))
                .collect();
            format!("{}: {}", self.field, items.join(", "))
        }
    }
}

/// A kind that could not be compared because its collection is missing or incomplete on a side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotComparable {
    /// The kind.
    pub kind: Kind,
    /// Its collection.
    pub collection: String,
    /// E.g. `not comparable: custom_roles missing in OLD`.
    pub reason: String,
}

/// Findings opened, resolved and changed, and rules that could not be compared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingsDiff {
    /// Opened, resolved and severity-changed findings, sorted by change, rule id, entity id.
    pub changes: Vec<FindingChange>,
    /// Rules not evaluated on OLD, NEW or both: their findings are neither opened nor resolved.
    pub rules_not_compared: Vec<RuleNotCompared>,
}

/// What happened to a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingChangeType {
    /// In NEW, not in OLD.
    Opened,
    /// In OLD, not in NEW (and the rule was evaluated on both).
    Resolved,
    /// In both, with a different severity.
    SeverityChanged,
}

impl FindingChangeType {
    /// The word used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Resolved => "resolved",
            Self::SeverityChanged => "severity_changed",
        }
    }
}

/// One finding opened, resolved or re-graded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingChange {
    /// Opened, resolved or severity changed.
    pub change: FindingChangeType,
    /// The rule.
    pub rule_id: String,
    /// Severity (NEW's, OLD's for resolved).
    pub severity: Severity,
    /// OLD's severity, for `severity_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_severity: Option<Severity>,
    /// What the finding is about.
    pub entity_type: String,
    /// The Okta id.
    pub entity_id: String,
    /// Its display name.
    pub entity_name: String,
    /// Its owner, when known.
    pub owner: Option<String>,
    /// The finding message (NEW's, OLD's for resolved).
    pub message: String,
    /// Stable fingerprint (rule id + entity id).
    pub fingerprint: String,
}

/// A rule whose findings could not be compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleNotCompared {
    /// The rule.
    pub rule_id: String,
    /// `pass`, `fail` or `not_evaluated` on OLD.
    pub old: String,
    /// `pass`, `fail` or `not_evaluated` on NEW.
    pub new: String,
    /// Why (the not-evaluated reasons, prefixed with the side).
    pub reason: String,
}
