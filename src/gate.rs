//! The gate: the one place that decides the process exit code.
//!
//! `0` passed · `1` open findings at or above `--fail-on` · `2` usage or configuration error ·
//! `3` collection incomplete (a rule's data was missing, so the gate fails closed) · `4` snapshot
//! unreadable or of an unknown version · `70` internal error. When several apply the most serious
//! wins: `3` or `4` over `1`.

use crate::findings::{Evaluation, FindingStatus, Severity};

/// Every exit code tokenwarden returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// No open finding at or above the threshold, everything evaluated.
    Passed,
    /// Open findings at or above `--fail-on`.
    Findings,
    /// Bad command line, configuration, rule file or credentials setup.
    Usage,
    /// A collection a rule needs is missing, forbidden, partial or failed.
    Incomplete,
    /// The snapshot could not be read, is corrupt, or has an unknown format version.
    SnapshotUnreadable,
    /// A bug.
    Internal,
}

impl ExitStatus {
    /// The numeric process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Passed => 0,
            Self::Findings => 1,
            Self::Usage => 2,
            Self::Incomplete => 3,
            Self::SnapshotUnreadable => 4,
            Self::Internal => 70,
        }
    }

    /// A word for reports: `passed`, `failed`, `incomplete`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Findings => "failed",
            Self::Usage => "usage_error",
            Self::Incomplete => "incomplete",
            Self::SnapshotUnreadable => "snapshot_unreadable",
            Self::Internal => "internal_error",
        }
    }

    fn seriousness(self) -> u8 {
        match self {
            Self::Passed => 0,
            Self::Findings => 1,
            Self::Usage => 2,
            Self::Incomplete => 3,
            Self::SnapshotUnreadable => 4,
            Self::Internal => 5,
        }
    }

    /// The more serious of two statuses.
    pub fn max(self, other: Self) -> Self {
        if other.seriousness() > self.seriousness() {
            other
        } else {
            self
        }
    }
}

/// Open findings that fail the gate at this threshold.
pub fn failing(eval: &Evaluation, fail_on: Severity) -> usize {
    eval.findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open && f.severity >= fail_on)
        .count()
}

/// Decides the gate for an evaluation: incomplete data wins over findings.
pub fn decide(eval: &Evaluation, fail_on: Severity) -> ExitStatus {
    let mut status = ExitStatus::Passed;
    if failing(eval, fail_on) > 0 {
        status = status.max(ExitStatus::Findings);
    }
    if eval.not_evaluated().next().is_some() {
        status = status.max(ExitStatus::Incomplete);
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Finding, Outcome, RuleOutcome};

    fn finding(sev: Severity, status: FindingStatus) -> Finding {
        Finding {
            rule_id: "r".into(),
            severity: sev,
            status,
            entity_type: "api_token".into(),
            entity_id: "00T1".into(),
            entity_name: "t".into(),
            owner: None,
            message: "m".into(),
            fingerprint: "f".into(),
            evidence: Default::default(),
        }
    }

    fn rule(outcome: Outcome) -> RuleOutcome {
        RuleOutcome {
            id: "r".into(),
            title: "t".into(),
            family: "f".into(),
            severity: Severity::High,
            outcome,
            reason: None,
            findings: 0,
        }
    }

    #[test]
    fn passes_below_threshold_and_fails_at_it() {
        let mut e = Evaluation {
            rules: vec![rule(Outcome::Fail)],
            findings: vec![finding(Severity::Medium, FindingStatus::Open)],
            ..Default::default()
        };
        assert_eq!(decide(&e, Severity::High), ExitStatus::Passed);
        assert_eq!(decide(&e, Severity::Medium), ExitStatus::Findings);
        e.findings[0].status = FindingStatus::Waived;
        assert_eq!(decide(&e, Severity::Info), ExitStatus::Passed);
    }

    #[test]
    fn not_evaluated_rule_fails_closed_even_when_clean() {
        let e = Evaluation {
            rules: vec![rule(Outcome::Pass), rule(Outcome::NotEvaluated)],
            ..Default::default()
        };
        assert_eq!(decide(&e, Severity::Critical), ExitStatus::Incomplete);
        let e2 = Evaluation {
            rules: vec![rule(Outcome::NotEvaluated)],
            findings: vec![finding(Severity::Critical, FindingStatus::Open)],
            ..Default::default()
        };
        assert_eq!(decide(&e2, Severity::Info), ExitStatus::Incomplete);
        assert_eq!(ExitStatus::Incomplete.code(), 3);
    }
}
