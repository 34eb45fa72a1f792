//! The findings model: what the rule engine produces and every renderer and the gate consume.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Severity of a rule or finding, ordered from least to most serious.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    #[default]
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All severities, least serious first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// Parses the lowercase word (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| {
            format!("unknown severity {s:?} (expected info, low, medium, high or critical)")
        })
    }
}

/// Whether a finding counts against the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingStatus {
    Open,
    Waived,
    Baselined,
}

impl FindingStatus {
    /// The lowercase word used in every output (`open`, `waived`, `baselined`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Waived => "waived",
            Self::Baselined => "baselined",
        }
    }
}

/// What happened to a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    NotEvaluated,
}

impl Outcome {
    /// The word used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::NotEvaluated => "not_evaluated",
        }
    }
}

/// One finding: a rule that fired for one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub status: FindingStatus,
    pub entity_type: String,
    /// The Okta id of what the finding is about.
    pub entity_id: String,
    pub entity_name: String,
    /// Who owns the entity (token owner login, admin login), when known.
    pub owner: Option<String>,
    pub message: String,
    pub fingerprint: String,
    /// The query's other columns, by name.
    pub evidence: BTreeMap<String, serde_json::Value>,
}

/// Stable fingerprint of a (rule, entity) pair.
pub fn fingerprint(rule_id: &str, entity_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(entity_id.as_bytes());
    hex::encode(&h.finalize()[..8])
}

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOutcome {
    pub id: String,
    pub title: String,
    pub family: String,
    pub severity: Severity,
    pub outcome: Outcome,
    /// Why the rule was not evaluated.
    pub reason: Option<String>,
    /// Findings of this rule (all statuses).
    pub findings: usize,
}

/// The result of evaluating a rule pack against one snapshot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    /// The instant every age was computed against (RFC 3339).
    pub as_of: String,
    /// Rules, sorted by id.
    pub rules: Vec<RuleOutcome>,
    /// Findings, most severe first, then rule id, then entity id.
    pub findings: Vec<Finding>,
    /// Things the policy wants a human to see that are not findings (expired or unused waivers).
    pub notices: Vec<Notice>,
}

/// Something to show that is not a finding: an expired or unused waiver.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Notice {
    /// `waiver_expired` or `waiver_unused`.
    pub kind: String,
    /// Where it comes from (`waivers.toml:12`).
    pub source: String,
    /// What it says.
    pub message: String,
}

impl Evaluation {
    /// Sorts rules and findings into their canonical, deterministic order.
    pub fn sort(&mut self) {
        self.notices.sort();
        self.rules.sort_by(|a, b| a.id.cmp(&b.id));
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.rule_id.cmp(&b.rule_id))
                .then_with(|| a.entity_id.cmp(&b.entity_id))
        });
    }

    /// Rules that could not be evaluated.
    pub fn not_evaluated(&self) -> impl Iterator<Item = &RuleOutcome> {
        self.rules
            .iter()
            .filter(|r| r.outcome == Outcome::NotEvaluated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_depends_on_both_parts() {
        assert_eq!(fingerprint("r", "e"), fingerprint("r", "e"));
        assert_ne!(fingerprint("r", "e1"), fingerprint("r", "e2"));
        assert_ne!(fingerprint("ab", "c"), fingerprint("a", "bc"));
        assert_eq!(fingerprint("r", "e").len(), 16);
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("urgent"), None);
    }
}
