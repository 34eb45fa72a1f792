//! Renderers: one module per output format over the same [`Report`] model.
//!
//! Renderers never see HTTP types and never decide pass or fail: they are handed the gate's
//! decision along with the findings.

pub mod catalogue;
pub mod csv;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod review;
pub mod sarif;
pub mod set;
pub mod table;

use std::collections::BTreeMap;

use crate::findings::{Evaluation, Severity};
use crate::gate::ExitStatus;
use crate::snapshot::{CollectionStatus, Manifest};

/// Everything a renderer needs: the snapshot's summary, the evaluation and the gate's decision.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The snapshot manifest (org URL, collected_at, collection statuses).
    pub manifest: &'a Manifest,
    /// The org id (`00o…`) when the `org` collection was read.
    pub org_id: Option<String>,
    /// Findings and rule outcomes.
    pub evaluation: &'a Evaluation,
    /// The gate threshold.
    pub fail_on: Severity,
    /// The gate's decision.
    pub gate: ExitStatus,
    /// Rule documentation by rule id (from the rule pack), for SARIF help and the HTML report.
    pub rule_docs: BTreeMap<String, RuleDoc>,
    /// Inventory tables (empty when the renderer has no tables, e.g. in unit tests).
    pub inventory: &'a [Inventory],
}

/// One inventory table of the review pack (API tokens, admin assignments, service apps): what the
/// HTML report shows in its inventory tabs and the `review-*.csv` exports carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Short id (`tokens`, `admins`, `service-apps`).
    pub id: String,
    /// Human title.
    pub title: String,
    /// The export's file name.
    pub file: String,
    /// Column names (data columns, then `findings`).
    pub columns: Vec<String>,
    /// Cells as display text, one row per entity.
    pub rows: Vec<Vec<String>>,
}

/// A rule's documentation, as the rule pack describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleDoc {
    /// Why the rule matters.
    pub rationale: String,
    /// What to do about a finding.
    pub remediation: String,
    /// Links or citations (STIG ids, Okta docs).
    pub references: Vec<String>,
}

/// One collection's line in a report.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionLine<'a> {
    pub name: &'a str,
    pub status: CollectionStatus,
    pub items: u64,
    pub error: Option<&'a str>,
}

impl Report<'_> {
    /// Collections in name order.
    pub fn collections(&self) -> Vec<CollectionLine<'_>> {
        self.manifest
            .collections
            .iter()
            .map(|(name, c)| CollectionLine {
                name,
                status: c.status,
                items: c.items,
                error: c.error.as_deref(),
            })
            .collect()
    }

    /// Number of findings per severity (all statuses), most severe first.
    pub fn counts_by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .rev()
            .map(|s| {
                (
                    *s,
                    self.evaluation
                        .findings
                        .iter()
                        .filter(|f| f.severity == *s)
                        .count(),
                )
            })
            .collect()
    }
}

/// Output formats of `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable terminal summary grouped by severity.
    Table,
    /// The versioned JSON contract (see README).
    Json,
    /// One row per finding, RFC 4180, formula-safe.
    Csv,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
    /// JUnit XML: one test case per rule × entity.
    Junit,
    /// A Markdown summary for a CI job summary or PR comment.
    Markdown,
    /// A self-contained HTML report for auditors.
    Html,
}

/// Renders a report in the given format.
pub fn render(report: &Report<'_>, format: Format) -> Result<String, RenderError> {
    match format {
        Format::Table => Ok(table::render(report)),
        Format::Json => json::render(report),
        Format::Csv => csv::render_findings(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => Ok(junit::render(report)),
        Format::Markdown => Ok(markdown::render(report)),
        Format::Html => Ok(html::render(report)),
    }
}

/// A renderer failed (serialisation).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("rendering JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("rendering CSV: {0}")]
    Csv(String),
}
