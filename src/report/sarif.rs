//! SARIF 2.1.0: findings for code-scanning dashboards (GitHub, Azure DevOps, DefectDojo).
//!
//! Output types live here, never internal structs. Okta entities have no source file, so each
//! result carries a logical location `okta://<org host>/<entity_type>/<entity_id>`. Waived and
//! baselined findings are reported with an accepted external suppression; rules that could not
//! run become error notifications of the invocation.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{RenderError, Report};
use crate::findings::{Finding, FindingStatus, Outcome, RuleOutcome, Severity};
use crate::snapshot::CollectionStatus;

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";
/// The schema URI written in `$schema`.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of our entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "tokenwarden/v1";

/// The top-level SARIF log.
#[derive(Debug, Serialize)]
pub struct SarifLog {
    #[serde(rename = "$schema")]
    pub schema: String,
    pub version: String,
    pub runs: Vec<Run>,
}

/// One run of the tool over one snapshot.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub tool: Tool,
    pub invocations: Vec<Invocation>,
    pub results: Vec<SarifResult>,
    pub properties: BTreeMap<String, serde_json::Value>,
}

/// The tool.
#[derive(Debug, Serialize)]
pub struct Tool {
    pub driver: Driver,
}

/// The tool's driver component, with every rule of the evaluation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub name: String,
    pub version: String,
    pub semantic_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub information_uri: Option<String>,
    pub rules: Vec<ReportingDescriptor>,
}

/// A plain-text message.
#[derive(Debug, Serialize)]
pub struct Message {
    pub text: String,
}

/// A message in text and Markdown.
#[derive(Debug, Serialize)]
pub struct MultiformatMessage {
    pub text: String,
    pub markdown: String,
}

/// A rule's description.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportingDescriptor {
    pub id: String,
    pub name: String,
    pub short_description: Message,
    pub full_description: Message,
    pub help: MultiformatMessage,
    pub default_configuration: Configuration,
    pub properties: BTreeMap<String, serde_json::Value>,
}

/// A rule's default configuration.
#[derive(Debug, Serialize)]
pub struct Configuration {
    pub level: String,
}

/// One finding.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    pub rule_index: usize,
    pub level: String,
    pub message: Message,
    pub locations: Vec<Location>,
    pub partial_fingerprints: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
    pub properties: BTreeMap<String, serde_json::Value>,
}

/// Where a finding is: an Okta entity.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub physical_location: PhysicalLocation,
    pub logical_locations: Vec<LogicalLocation>,
}

/// A stand-in artifact path for the entity. GitHub code scanning rejects a whole SARIF file when
/// any result has only a logical location, so each result also names `okta/<host>/<type>/<id>`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

/// A relative URI reference.
#[derive(Debug, Serialize)]
pub struct ArtifactLocation {
    pub uri: String,
}

/// A region of the artifact (always line 1: the artifact is the entity itself).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: u32,
}

/// An Okta entity as a logical location.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogicalLocation {
    pub name: String,
    pub fully_qualified_name: String,
    pub kind: String,
}

/// Why a finding does not count (waived or baselined). No `status`: the standard's default is
/// `accepted`, and the shared schema (which names the property `state`) and the standard's text
/// (`status`) disagree, so leaving it out is valid under both.
#[derive(Debug, Serialize)]
pub struct Suppression {
    pub kind: String,
    pub justification: String,
}

/// The invocation: did everything run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub execution_successful: bool,
    pub exit_code: u8,
    pub exit_code_description: String,
    pub tool_execution_notifications: Vec<Notification>,
}

/// A problem of the run: a rule not evaluated, a collection incomplete.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub level: String,
    pub message: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associated_rule: Option<RuleReference>,
}

/// A reference to a rule of the driver.
#[derive(Debug, Serialize)]
pub struct RuleReference {
    pub id: String,
    pub index: usize,
}

/// SARIF level of a severity: critical/high → error, medium → warning, low/info → note.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score of a severity (critical > 9.0, high 7.0–8.9, …).
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "7.5",
        Severity::Medium => "5.0",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// The org's host name (`acme.okta.com`), for logical locations.
pub fn org_host(org_url: &str) -> String {
    url::Url::parse(org_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| org_url.trim_end_matches('/').to_string())
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay as they are).
fn uri_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `token-owner-super-admin` → `TokenOwnerSuperAdmin`.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn descriptor(rule: &RuleOutcome, report: &Report<'_>) -> ReportingDescriptor {
    let doc = report.rule_docs.get(&rule.id);
    let rationale = doc.map(|d| d.rationale.trim()).filter(|s| !s.is_empty());
    let remediation = doc.map(|d| d.remediation.trim()).filter(|s| !s.is_empty());
    let references = doc.map(|d| d.references.as_slice()).unwrap_or_default();
    let mut text = rule.title.clone();
    let mut markdown = format!("**{}**", rule.title);
    if let Some(r) = rationale {
        text.push_str(&format!("\n\nRationale: {r}"));
        markdown.push_str(&format!("\n\n### Rationale\n\n{r}"));
    }
    if let Some(r) = remediation {
        text.push_str(&format!("\n\nRemediation: {r}"));
        markdown.push_str(&format!("\n\n### Remediation\n\n{r}"));
    }
    if !references.is_empty() {
        text.push_str("\n\nReferences:");
        markdown.push_str("\n\n### References\n");
        for r in references {
            text.push_str(&format!("\n- {r}"));
            markdown.push_str(&format!("\n- {r}"));
        }
    }
    // The schema wants `tags` unique.
    let mut tags = vec!["security".to_string(), "okta".to_string()];
    if !tags.contains(&rule.family) {
        tags.push(rule.family.clone());
    }
    let properties = BTreeMap::from([
        ("family".to_string(), rule.family.clone().into()),
        ("severity".to_string(), rule.severity.as_str().into()),
        (
            "security-severity".to_string(),
            security_severity(rule.severity).into(),
        ),
        ("tags".to_string(), tags.into()),
    ]);
    ReportingDescriptor {
        id: rule.id.clone(),
        name: pascal_case(&rule.id),
        short_description: Message {
            text: rule.title.clone(),
        },
        full_description: Message {
            text: rationale.unwrap_or(&rule.title).to_string(),
        },
        help: MultiformatMessage { text, markdown },
        default_configuration: Configuration {
            level: level(rule.severity).into(),
        },
        properties,
    }
}

fn result(f: &Finding, rule_index: usize, host: &str) -> SarifResult {
    let status = f.status.as_str();
    let suppressions = match f.status {
        FindingStatus::Open => vec![],
        FindingStatus::Waived => vec![Suppression {
            kind: "external".into(),
            justification: "waived by a waiver in the waivers file".into(),
        }],
        FindingStatus::Baselined => vec![Suppression {
            kind: "external".into(),
            justification: "present in the baseline: not new since the baseline scan".into(),
        }],
    };
    let properties = BTreeMap::from([
        ("entity_type".to_string(), f.entity_type.clone().into()),
        ("entity_id".to_string(), f.entity_id.clone().into()),
        ("entity_name".to_string(), f.entity_name.clone().into()),
        ("owner".to_string(), f.owner.clone().into()),
        ("severity".to_string(), f.severity.as_str().into()),
        ("status".to_string(), status.into()),
        (
            "evidence".to_string(),
            serde_json::Value::Object(f.evidence.clone().into_iter().collect()),
        ),
    ]);
    SarifResult {
        rule_id: f.rule_id.clone(),
        rule_index,
        level: level(f.severity).into(),
        message: Message {
            text: f.message.clone(),
        },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: ["okta", host, &f.entity_type, &f.entity_id]
                        .map(uri_segment)
                        .join("/"),
                },
                region: Region { start_line: 1 },
            },
            logical_locations: vec![LogicalLocation {
                name: f.entity_name.clone(),
                fully_qualified_name: format!("okta://{host}/{}/{}", f.entity_type, f.entity_id),
                kind: "resource".into(),
            }],
        }],
        partial_fingerprints: BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            f.fingerprint.clone(),
        )]),
        suppressions,
        properties,
    }
}

/// Builds the SARIF document.
pub fn document(report: &Report<'_>) -> SarifLog {
    let eval = report.evaluation;
    let host = org_host(&report.manifest.org_url);
    let mut rules: Vec<ReportingDescriptor> =
        eval.rules.iter().map(|r| descriptor(r, report)).collect();
    // A finding of a rule missing from the outcomes still needs a descriptor to point at.
    for f in &eval.findings {
        if !rules.iter().any(|r| r.id == f.rule_id) {
            let outcome = RuleOutcome {
                id: f.rule_id.clone(),
                title: f.rule_id.clone(),
                family: "unknown".into(),
                severity: f.severity,
                outcome: Outcome::Fail,
                reason: None,
                findings: 0,
            };
            rules.push(descriptor(&outcome, report));
        }
    }
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let results = eval
        .findings
        .iter()
        .map(|f| {
            result(
                f,
                index.get(f.rule_id.as_str()).copied().unwrap_or(0),
                &host,
            )
        })
        .collect();

    let mut notifications: Vec<Notification> = eval
        .not_evaluated()
        .map(|r| Notification {
            level: "error".into(),
            message: Message {
                text: format!(
                    "rule {} was not evaluated: {}",
                    r.id,
                    r.reason.as_deref().unwrap_or("no reason given")
                ),
            },
            associated_rule: Some(RuleReference {
                id: r.id.clone(),
                index: index.get(r.id.as_str()).copied().unwrap_or(0),
            }),
        })
        .collect();
    for c in report.collections() {
        if c.status != CollectionStatus::Complete {
            notifications.push(Notification {
                level: "warning".into(),
                message: Message {
                    text: format!(
                        "collection {} is {}: {}",
                        c.name,
                        c.status,
                        c.error.unwrap_or("no error recorded")
                    ),
                },
                associated_rule: None,
            });
        }
    }

    let properties = BTreeMap::from([
        (
            "org_url".to_string(),
            report.manifest.org_url.clone().into(),
        ),
        ("org_id".to_string(), report.org_id.clone().into()),
        ("as_of".to_string(), eval.as_of.clone().into()),
        (
            "collected_at".to_string(),
            report.manifest.collected_at_rfc3339().into(),
        ),
        ("fail_on".to_string(), report.fail_on.as_str().into()),
        ("gate".to_string(), report.gate.as_str().into()),
    ]);
    let repository = env!("CARGO_PKG_REPOSITORY");
    SarifLog {
        schema: SARIF_SCHEMA.into(),
        version: SARIF_VERSION.into(),
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "tokenwarden".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    semantic_version: env!("CARGO_PKG_VERSION").into(),
                    information_uri: (!repository.is_empty())
                        .then(|| format!("{}#readme", repository.trim_end_matches('/'))),
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: eval.not_evaluated().next().is_none(),
                exit_code: report.gate.code(),
                exit_code_description: report.gate.as_str().into(),
                tool_execution_notifications: notifications,
            }],
            results,
            properties,
        }],
    }
}

/// Renders the SARIF log (pretty JSON, trailing newline).
pub fn render(report: &Report<'_>) -> Result<String, RenderError> {
    let mut s = serde_json::to_string_pretty(&document(report))?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_names_follow_severity_and_id() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Info), "note");
        assert_eq!(
            pascal_case("token-owner-super-admin"),
            "TokenOwnerSuperAdmin"
        );
        assert_eq!(org_host("https://acme.okta.com/"), "acme.okta.com");
        assert_eq!(uri_segment("a b/<é>"), "a%20b%2F%3C%C3%A9%3E");
    }
}
