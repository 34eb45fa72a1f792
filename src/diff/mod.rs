//! `tokenwarden diff OLD NEW`: the change record between two snapshots — API tokens, admin
//! assignments, admin group members, custom roles, resource sets and service apps added, removed
//! or changed, and findings opened and resolved.
//!
//! Entities are compared by Okta id (admin assignments by principal + role type + custom role +
//! resource set). A kind is compared only when its collection is `complete` in both snapshots;
//! otherwise it is listed as "not comparable" and nothing of it is reported added or removed.
//! Findings come from evaluating both snapshots with the same rule pack (each as of its own
//! `collected_at` unless `--as-of` pins both) and are compared by fingerprint; a rule not
//! evaluated on either side is listed, never "resolved". Output is deterministic.

mod admins;
mod compare;
mod findings;
mod html;
mod iam;
pub mod report;
mod side;
mod text;

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

pub use report::{
    Change, ChangeType, Detail, DiffReport, FindingChange, FindingChangeType, FindingsDiff, Kind,
    NotComparable, RuleNotCompared, SCHEMA_VERSION, SnapshotInfo, Summary,
};

use crate::gate::ExitStatus;
use crate::model::ModelError;
use crate::rules::{EngineError, RuleError, RulePack};
use crate::snapshot::{MANIFEST_FILE, SnapshotError};
use side::Side;

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DiffFormat {
    /// Terminal tables.
    #[default]
    Table,
    /// Versioned JSON (schema_version 1.0).
    Json,
    /// Markdown for a CI job summary or a PR comment.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

/// Arguments of `tokenwarden diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// The earlier snapshot directory (e.g. last quarter's).
    #[arg(value_name = "OLD_SNAPSHOT")]
    pub old: PathBuf,
    /// The later snapshot directory.
    #[arg(value_name = "NEW_SNAPSHOT")]
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Write the output to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Extra rule files (rules/**/*.toml) used for findings on both sides; a rule with a built-in
    /// id overrides it.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Evaluate both snapshots as of this instant (RFC 3339 or YYYY-MM-DD); default: each
    /// snapshot's own collected_at.
    #[arg(long, value_name = "TIME", value_parser = parse_as_of)]
    pub as_of: Option<DateTime<Utc>>,
}

/// Errors of `diff`. Each names the side and the snapshot path involved.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A snapshot could not be opened or read (exit 4).
    #[error("{side} snapshot: {source}")]
    Snapshot {
        /// `OLD` or `NEW`.
        side: &'static str,
        /// What the snapshot reader said (it names the path).
        #[source]
        source: SnapshotError,
    },
    /// A snapshot's collections could not be modelled (exit 4).
    #[error("{side} snapshot {path}: {source}")]
    Model {
        /// `OLD` or `NEW`.
        side: &'static str,
        /// The snapshot directory.
        path: PathBuf,
        /// What the model said.
        #[source]
        source: ModelError,
    },
    /// A collection does not have the shape the collector writes (exit 4).
    #[error("snapshot file {path}: {message}")]
    Shape {
        /// The data file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A rule file given with `--rules` is invalid (exit 2).
    #[error(transparent)]
    Rules(#[from] RuleError),
    /// The rule engine failed on a snapshot (exit 70).
    #[error("evaluating the rules against the {side} snapshot {path}: {source}")]
    Engine {
        /// `OLD` or `NEW`.
        side: &'static str,
        /// The snapshot directory.
        path: PathBuf,
        /// What the engine said.
        #[source]
        source: EngineError,
    },
    /// The JSON output could not be written (exit 70).
    #[error("rendering the diff as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl DiffError {
    /// The exit status this error maps to.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Self::Snapshot { .. } | Self::Model { .. } | Self::Shape { .. } => {
                ExitStatus::SnapshotUnreadable
            }
            Self::Rules(_) => ExitStatus::Usage,
            Self::Engine { .. } | Self::Json(_) => ExitStatus::Internal,
        }
    }
}

/// Reduces one side's collection to comparable entities.
type Extract = fn(&Side, &mut Vec<String>) -> Result<compare::Entities, DiffError>;

/// Parses `--as-of`: RFC 3339, or a date meaning midnight UTC.
pub fn parse_as_of(s: &str) -> Result<DateTime<Utc>, String> {
    crate::model::time::parse_instant(s)
}

/// Runs `diff` with the built-in rule pack (plus `--rules`) and returns the rendered output; the
/// caller writes it to `--output` or stdout.
pub fn run(args: &DiffArgs) -> Result<String, DiffError> {
    let mut pack = RulePack::builtin()?;
    if let Some(dir) = &args.rules {
        pack = pack.with_overrides(RulePack::load_dir(dir)?);
    }
    let report = diff_dirs(&args.old, &args.new, &pack, args.as_of)?;
    render(&report, args.format)
}

/// Renders a diff in a format.
pub fn render(report: &DiffReport, format: DiffFormat) -> Result<String, DiffError> {
    Ok(match format {
        DiffFormat::Table => text::table(report),
        DiffFormat::Json => {
            let mut s = serde_json::to_string_pretty(report)?;
            s.push('\n');
            s
        }
        DiffFormat::Markdown => text::markdown(report),
        DiffFormat::Html => html::render(report),
    })
}

/// Compares two snapshot directories, evaluating both with `pack` (as of `as_of` when given, else
/// each snapshot's own `collected_at`).
pub fn diff_dirs(
    old: &Path,
    new: &Path,
    pack: &RulePack,
    as_of: Option<DateTime<Utc>>,
) -> Result<DiffReport, DiffError> {
    let old = Side::open("OLD", old)?;
    let new = Side::open("NEW", new)?;
    let mut notes = Vec::new();
    let mut not_comparable = Vec::new();
    let mut changes = Vec::new();
    for kind in Kind::ALL {
        let collection = kind.collection();
        let gaps: Vec<String> = [old.gap(collection), new.gap(collection)]
            .into_iter()
            .flatten()
            .collect();
        if !gaps.is_empty() {
            not_comparable.push(NotComparable {
                kind,
                collection: collection.to_string(),
                reason: format!("not comparable: {collection} {}", gaps.join("; ")),
            });
            continue;
        }
        let extract: Extract = match kind {
            Kind::ApiToken => admins::api_tokens,
            Kind::AdminAssignment => admins::admin_assignments,
            Kind::AdminGroupMember => admins::admin_group_members,
            Kind::CustomRole => iam::custom_roles,
            Kind::ResourceSet => iam::resource_sets,
            Kind::ServiceApp => iam::service_apps,
        };
        let o = extract(&old, &mut notes)?;
        let n = extract(&new, &mut notes)?;
        changes.extend(compare::compare(kind, &o, &n));
    }

    let old_eval = findings::evaluate(&old, pack, as_of)?;
    let new_eval = findings::evaluate(&new, pack, as_of)?;
    let (findings, unchanged) = findings::compare(&old_eval, &new_eval);

    let (om, nm) = (old.snapshot.manifest(), new.snapshot.manifest());
    if om.org_url != nm.org_url {
        notes.push(format!(
            "the snapshots are of different org URLs (OLD {}, NEW {})",
            om.org_url, nm.org_url
        ));
    }
    let old_info = info(&old, &old_eval.as_of)?;
    let new_info = info(&new, &new_eval.as_of)?;
    if let (Some(a), Some(b)) = (&old_info.org_id, &new_info.org_id)
        && a != b
    {
        notes.push(format!(
            "the snapshots are of different orgs (OLD {a}, NEW {b})"
        ));
    }
    if om.collected_at > nm.collected_at {
        notes.push("OLD was collected after NEW: were the arguments swapped?".to_string());
    }

    let count = |t: ChangeType| changes.iter().filter(|c| c.change == t).count();
    let fcount = |t: FindingChangeType| findings.changes.iter().filter(|c| c.change == t).count();
    let summary = Summary {
        added: count(ChangeType::Added),
        removed: count(ChangeType::Removed),
        changed: count(ChangeType::Changed),
        findings_opened: fcount(FindingChangeType::Opened),
        findings_resolved: fcount(FindingChangeType::Resolved),
        findings_severity_changed: fcount(FindingChangeType::SeverityChanged),
        findings_unchanged: unchanged,
        kinds_not_comparable: not_comparable.len(),
        rules_not_compared: findings.rules_not_compared.len(),
    };
    Ok(DiffReport {
        schema_version: SCHEMA_VERSION.to_string(),
        tool: format!("tokenwarden {}", env!("CARGO_PKG_VERSION")),
        old: old_info,
        new: new_info,
        summary,
        not_comparable,
        changes,
        findings,
        notes,
    })
}

fn info(side: &Side, as_of: &str) -> Result<SnapshotInfo, DiffError> {
    let path = side.snapshot.dir().join(MANIFEST_FILE);
    let bytes = std::fs::read(&path).map_err(|source| DiffError::Snapshot {
        side: side.label,
        source: SnapshotError::Io { path, source },
    })?;
    let m = side.snapshot.manifest();
    let org_id = match side.snapshot.load::<serde_json::Value>("org") {
        Ok(Some(v)) => side::str_at(&v, &["id"]).map(str::to_string),
        _ => None,
    };
    Ok(SnapshotInfo {
        org_url: m.org_url.clone(),
        org_id,
        collected_at: m.collected_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        as_of: as_of.to_string(),
        manifest_sha256: hex::encode(Sha256::digest(&bytes)),
    })
}
