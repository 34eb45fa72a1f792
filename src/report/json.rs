//! The JSON report: a versioned contract. Output types live here, never internal structs.
//!
//! Schema version 1: top-level `schema_version`, `tool`, `org`, `as_of`, `collected_at`, `gate`,
//! `summary`, `collections`, `rules`, `findings`, `notices`. Fields are only ever added within a major version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{RenderError, Report};

/// The schema version written in `schema_version`.
pub const SCHEMA_VERSION: &str = "1.0";

/// Top-level JSON document.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonReport {
    pub schema_version: String,
    pub tool: JsonTool,
    pub org: JsonOrg,
    pub as_of: String,
    pub collected_at: String,
    pub gate: JsonGate,
    pub summary: JsonSummary,
    pub collections: Vec<JsonCollection>,
    pub rules: Vec<JsonRule>,
    pub findings: Vec<JsonFinding>,
    /// Expired and unused waivers.
    pub notices: Vec<JsonNotice>,
}

/// Something to show that is not a finding (an expired or unused waiver).
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonNotice {
    pub kind: String,
    pub source: String,
    pub message: String,
}

/// The tool that wrote the report.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonTool {
    pub name: String,
    pub version: String,
}

/// The org scanned.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonOrg {
    pub url: String,
    pub id: Option<String>,
}

/// The gate's decision.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonGate {
    pub fail_on: String,
    pub status: String,
    pub exit_code: u8,
    /// Open findings at or above `fail_on`.
    pub failing_findings: usize,
}

/// Counts.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonSummary {
    /// Findings by severity (all statuses).
    pub by_severity: BTreeMap<String, usize>,
    /// Findings by status.
    pub by_status: BTreeMap<String, usize>,
    /// Rules by outcome.
    pub rules: BTreeMap<String, usize>,
}

/// One collection of the snapshot.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonCollection {
    pub name: String,
    pub status: String,
    pub items: u64,
    pub error: Option<String>,
}

/// One rule's outcome.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonRule {
    pub id: String,
    pub title: String,
    pub family: String,
    pub severity: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub findings: usize,
}

/// One finding.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonFinding {
    pub rule_id: String,
    pub severity: String,
    pub status: String,
    pub entity_type: String,
    pub entity_id: String,
    pub entity_name: String,
    pub owner: Option<String>,
    pub message: String,
    pub fingerprint: String,
    pub evidence: BTreeMap<String, serde_json::Value>,
}

/// Builds the output document.
pub fn document(report: &Report<'_>) -> JsonReport {
    let eval = report.evaluation;
    let mut by_status: BTreeMap<String, usize> = ["open", "waived", "baselined"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    for f in &eval.findings {
        *by_status.entry(f.status.as_str().to_string()).or_default() += 1;
    }
    let mut rules: BTreeMap<String, usize> = ["pass", "fail", "not_evaluated"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    for r in &eval.rules {
        *rules.entry(r.outcome.as_str().to_string()).or_default() += 1;
    }
    JsonReport {
        schema_version: SCHEMA_VERSION.into(),
        tool: JsonTool {
            name: "tokenwarden".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        org: JsonOrg {
            url: report.manifest.org_url.clone(),
            id: report.org_id.clone(),
        },
        as_of: eval.as_of.clone(),
        collected_at: report.manifest.collected_at_rfc3339(),
        gate: JsonGate {
            fail_on: report.fail_on.as_str().into(),
            status: report.gate.as_str().into(),
            exit_code: report.gate.code(),
            failing_findings: crate::gate::failing(eval, report.fail_on),
        },
        summary: JsonSummary {
            by_severity: report
                .counts_by_severity()
                .into_iter()
                .map(|(s, n)| (s.as_str().to_string(), n))
                .collect(),
            by_status,
            rules,
        },
        collections: report
            .collections()
            .into_iter()
            .map(|c| JsonCollection {
                name: c.name.into(),
                status: c.status.as_str().into(),
                items: c.items,
                error: c.error.map(str::to_string),
            })
            .collect(),
        rules: eval
            .rules
            .iter()
            .map(|r| JsonRule {
                id: r.id.clone(),
                title: r.title.clone(),
                family: r.family.clone(),
                severity: r.severity.as_str().into(),
                outcome: r.outcome.as_str().into(),
                reason: r.reason.clone(),
                findings: r.findings,
            })
            .collect(),
        findings: eval
            .findings
            .iter()
            .map(|f| JsonFinding {
                rule_id: f.rule_id.clone(),
                severity: f.severity.as_str().into(),
                status: f.status.as_str().to_string(),
                entity_type: f.entity_type.clone(),
                entity_id: f.entity_id.clone(),
                entity_name: f.entity_name.clone(),
                owner: f.owner.clone(),
                message: f.message.clone(),
                fingerprint: f.fingerprint.clone(),
                evidence: f.evidence.clone(),
            })
            .collect(),
        notices: eval
            .notices
            .iter()
            .map(|n| JsonNotice {
                kind: n.kind.clone(),
                source: n.source.clone(),
                message: n.message.clone(),
            })
            .collect(),
    }
}

/// Renders the JSON report (pretty, trailing newline).
pub fn render(report: &Report<'_>) -> Result<String, RenderError> {
    let mut s = serde_json::to_string_pretty(&document(report))?;
    s.push('\n');
    Ok(s)
}
