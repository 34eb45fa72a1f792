//! The offline half of the pipeline shared by `check`, `scan` and `demo`: policy (rules, config,
//! waivers, baseline) → snapshot → tables → evaluation → gate → report model.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::CliError;
use super::args::EvalArgs;
use crate::findings::{Evaluation, Severity};
use crate::gate::{self, ExitStatus};
use crate::model;
use crate::policy::Notice;
use crate::policy::baseline::Baseline;
use crate::policy::config::Config;
use crate::policy::waivers::Waivers;
use crate::report::{Inventory, Report, RuleDoc, review};
use crate::rules::{self, RulePack};
use crate::snapshot::Snapshot;

/// Everything that decides how a snapshot is judged.
#[derive(Debug, Clone)]
pub struct Policy {
    pub pack: RulePack,
    pub waivers: Option<Waivers>,
    pub baseline: Option<Baseline>,
    pub fail_on: Severity,
}

/// Loads and validates the whole policy before any request is made: a bad rule file, config,
/// waiver or baseline is a usage error, not a half-finished scan.
pub fn load_policy(args: &EvalArgs) -> Result<Policy, CliError> {
    let config = Config::discover(args.config.as_deref())?;
    let mut pack = RulePack::builtin()?;
    if let Some(dir) = &args.rules {
        pack = pack.with_overrides(RulePack::load_dir(dir)?);
    }
    // Waivers may name any rule of the pack, including ones the config disables (they then
    // simply match nothing and are reported unused).
    let known: Vec<String> = pack.rules.iter().map(|r| r.id.clone()).collect();
    config.apply(&mut pack)?;
    let waivers = match args.waivers.as_ref().or(config.waivers.as_ref()) {
        Some(path) => Some(Waivers::load(path, |id| known.iter().any(|k| k == id))?),
        None => None,
    };
    let baseline = match args.baseline.as_ref().or(config.baseline.as_ref()) {
        Some(path) => Some(Baseline::load(path)?),
        None => None,
    };
    Ok(Policy {
        pack,
        waivers,
        baseline,
        fail_on: args.fail_on.or(config.fail_on).unwrap_or(Severity::High),
    })
}

/// A snapshot judged by a policy.
#[derive(Debug)]
pub struct Evaluated {
    pub snapshot: Snapshot,
    pub org_id: Option<String>,
    pub evaluation: Evaluation,
    pub gate: ExitStatus,
    /// The review inventories (tokens, admins, service apps).
    pub inventory: Vec<Inventory>,
}

/// Opens, models and evaluates a snapshot, then applies waivers and the baseline and decides the gate.
pub fn evaluate(
    dir: &Path,
    policy: &Policy,
    as_of: Option<DateTime<Utc>>,
) -> Result<Evaluated, CliError> {
    let snapshot = Snapshot::open(dir)?;
    let as_of = as_of.unwrap_or(snapshot.manifest().collected_at);
    let tables = model::build(&snapshot, as_of)?;
    let mut evaluation = rules::evaluate(&policy.pack, &tables)?;
    let mut notices: Vec<Notice> = Vec::new();
    if let Some(w) = &policy.waivers {
        notices.extend(w.apply(&mut evaluation, as_of.date_naive()));
    }
    if let Some(b) = &policy.baseline {
        b.apply(&mut evaluation);
    }
    evaluation.notices = notices;
    evaluation.sort();
    let org_id = snapshot
        .load::<serde_json::Value>("org")
        .ok()
        .flatten()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string));
    let gate = gate::decide(&evaluation, policy.fail_on);
    let inventory = review::inventories(&tables, &evaluation)?;
    Ok(Evaluated {
        inventory,
        snapshot,
        org_id,
        evaluation,
        gate,
    })
}

/// Rationale, remediation and references of every rule, for the reports.
pub fn rule_docs(pack: &RulePack) -> BTreeMap<String, RuleDoc> {
    pack.rules
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                RuleDoc {
                    rationale: r.rationale.clone(),
                    remediation: r.remediation.clone(),
                    references: r.references.clone(),
                },
            )
        })
        .collect()
}

impl Evaluated {
    /// The report model every renderer takes.
    pub fn report<'a>(&'a self, policy: &Policy) -> Report<'a> {
        Report {
            manifest: self.snapshot.manifest(),
            org_id: self.org_id.clone(),
            evaluation: &self.evaluation,
            fail_on: policy.fail_on,
            gate: self.gate,
            rule_docs: rule_docs(&policy.pack),
            inventory: &self.inventory,
        }
    }
}
