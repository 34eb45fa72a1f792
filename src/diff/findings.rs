//! Findings opened and resolved: both snapshots are evaluated with the same rule pack and their
//! findings compared by fingerprint. A rule not evaluated on either side is listed as such and its
//! findings are neither opened nor resolved — missing data never resolves anything.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::DiffError;
use super::report::{FindingChange, FindingChangeType, FindingsDiff, RuleNotCompared};
use super::side::Side;
use crate::findings::{Evaluation, Finding, Outcome, RuleOutcome};
use crate::model;
use crate::rules::{self, RulePack};

/// Evaluates the pack against one side, as of `as_of` or the snapshot's own `collected_at`.
pub(crate) fn evaluate(
    side: &Side,
    pack: &RulePack,
    as_of: Option<DateTime<Utc>>,
) -> Result<Evaluation, DiffError> {
    let as_of = as_of.unwrap_or(side.snapshot.manifest().collected_at);
    let tables = model::build(&side.snapshot, as_of).map_err(|source| DiffError::Model {
        side: side.label,
        path: side.snapshot.dir().to_path_buf(),
        source,
    })?;
    let mut eval = rules::evaluate(pack, &tables).map_err(|source| DiffError::Engine {
        side: side.label,
        path: side.snapshot.dir().to_path_buf(),
        source,
    })?;
    eval.sort();
    Ok(eval)
}

fn change(kind: FindingChangeType, f: &Finding, old_severity: Option<Finding>) -> FindingChange {
    FindingChange {
        change: kind,
        rule_id: f.rule_id.clone(),
        severity: f.severity,
        old_severity: old_severity.map(|o| o.severity),
        entity_type: f.entity_type.clone(),
        entity_id: f.entity_id.clone(),
        entity_name: f.entity_name.clone(),
        owner: f.owner.clone(),
        message: f.message.clone(),
        fingerprint: f.fingerprint.clone(),
    }
}

fn reason(side: &str, r: Option<&RuleOutcome>) -> Option<String> {
    match r {
        None => Some(format!("{side}: not in the evaluation")),
        Some(r) if r.outcome == Outcome::NotEvaluated => Some(format!(
            "{side}: {}",
            r.reason.as_deref().unwrap_or("not evaluated")
        )),
        Some(_) => None,
    }
}

/// Compares two evaluations. Returns the diff and the number of unchanged findings.
pub(crate) fn compare(old: &Evaluation, new: &Evaluation) -> (FindingsDiff, usize) {
    let old_rules: BTreeMap<&str, &RuleOutcome> =
        old.rules.iter().map(|r| (r.id.as_str(), r)).collect();
    let new_rules: BTreeMap<&str, &RuleOutcome> =
        new.rules.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut diff = FindingsDiff::default();
    let mut comparable = std::collections::BTreeSet::new();
    let ids: std::collections::BTreeSet<&str> =
        old_rules.keys().chain(new_rules.keys()).copied().collect();
    for id in ids {
        let (o, n) = (old_rules.get(id).copied(), new_rules.get(id).copied());
        let reasons: Vec<String> = [reason("OLD", o), reason("NEW", n)]
            .into_iter()
            .flatten()
            .collect();
        if reasons.is_empty() {
            comparable.insert(id);
        } else {
            let word = |r: Option<&RuleOutcome>| r.map_or("absent", |r| r.outcome.as_str());
            diff.rules_not_compared.push(RuleNotCompared {
                rule_id: id.to_string(),
                old: word(o).to_string(),
                new: word(n).to_string(),
                reason: reasons.join("; "),
            });
        }
    }
    let by_fp = |e: &Evaluation| -> BTreeMap<String, Finding> {
        e.findings
            .iter()
            .filter(|f| comparable.contains(f.rule_id.as_str()))
            .map(|f| (f.fingerprint.clone(), f.clone()))
            .collect()
    };
    let (old_f, new_f) = (by_fp(old), by_fp(new));
    let mut unchanged = 0;
    for (fp, f) in &new_f {
        match old_f.get(fp) {
            None => diff
                .changes
                .push(change(FindingChangeType::Opened, f, None)),
            Some(o) if o.severity != f.severity => diff.changes.push(change(
                FindingChangeType::SeverityChanged,
                f,
                Some(o.clone()),
            )),
            Some(_) => unchanged += 1,
        }
    }
    for (fp, f) in &old_f {
        if !new_f.contains_key(fp) {
            diff.changes
                .push(change(FindingChangeType::Resolved, f, None));
        }
    }
    diff.changes.sort_by(|a, b| {
        (a.change, &a.rule_id, &a.entity_id).cmp(&(b.change, &b.rule_id, &b.entity_id))
    });
    (diff, unchanged)
}
