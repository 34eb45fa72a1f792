//! JUnit XML: one test suite per rule family, one test case per rule × entity.
//!
//! Open findings at or above `fail_on` are failures; findings below the threshold, waived or
//! baselined pass with a `system-out` saying why; a rule with no finding is one passing case
//! ("all entities"); a rule that could not run is an error. Written by hand: the format is small
//! and every value goes through [`escape`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Report;
use crate::findings::{Finding, FindingStatus, Outcome, RuleOutcome, Severity};

/// Escapes text for XML 1.0 content and attribute values. Characters XML 1.0 cannot carry
/// (most C0 controls) become U+FFFD; tab, CR and LF become character references so attribute
/// values keep them.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// How one test case ended.
enum CaseResult {
    Pass(Option<String>),
    Failure {
        message: String,
        kind: String,
        body: String,
    },
    Error {
        message: String,
        kind: String,
    },
}

struct Case {
    classname: String,
    name: String,
    result: CaseResult,
}

fn finding_case(f: &Finding, fail_on: Severity) -> Case {
    let name = format!("{} ({})", f.entity_name, f.entity_id);
    let result = match f.status {
        FindingStatus::Open if f.severity >= fail_on => {
            let mut body = format!(
                "{}\nentity: {} {} ({})\nowner: {}\nseverity: {}\nfingerprint: {}",
                f.message,
                f.entity_type,
                f.entity_name,
                f.entity_id,
                f.owner.as_deref().unwrap_or("-"),
                f.severity,
                f.fingerprint
            );
            for (k, v) in &f.evidence {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let _ = write!(body, "\n{k}: {v}");
            }
            CaseResult::Failure {
                message: f.message.clone(),
                kind: f.severity.as_str().into(),
                body,
            }
        }
        FindingStatus::Open => CaseResult::Pass(Some(format!(
            "open {} finding below the fail-on threshold ({}): {}",
            f.severity, fail_on, f.message
        ))),
        FindingStatus::Waived => CaseResult::Pass(Some(format!(
            "waived {} finding (does not fail the gate): {}",
            f.severity, f.message
        ))),
        FindingStatus::Baselined => CaseResult::Pass(Some(format!(
            "baselined {} finding (present in the baseline, does not fail the gate): {}",
            f.severity, f.message
        ))),
    };
    Case {
        classname: f.rule_id.clone(),
        name,
        result,
    }
}

fn rule_cases(rule: &RuleOutcome, findings: &[&Finding], fail_on: Severity) -> Vec<Case> {
    if rule.outcome == Outcome::NotEvaluated {
        return vec![Case {
            classname: rule.id.clone(),
            name: "all entities".into(),
            result: CaseResult::Error {
                message: rule
                    .reason
                    .clone()
                    .unwrap_or_else(|| "not evaluated".into()),
                kind: "not_evaluated".into(),
            },
        }];
    }
    if findings.is_empty() {
        return vec![Case {
            classname: rule.id.clone(),
            name: "all entities".into(),
            result: CaseResult::Pass(None),
        }];
    }
    findings.iter().map(|f| finding_case(f, fail_on)).collect()
}

fn write_suite(out: &mut String, family: &str, cases: &[Case], props: &[(&str, String)]) {
    let failures = cases
        .iter()
        .filter(|c| matches!(c.result, CaseResult::Failure { .. }))
        .count();
    let errors = cases
        .iter()
        .filter(|c| matches!(c.result, CaseResult::Error { .. }))
        .count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">",
        escape(family),
        cases.len()
    );
    out.push_str("    <properties>\n");
    for (k, v) in props {
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{}\"/>",
            escape(k),
            escape(v)
        );
    }
    out.push_str("    </properties>\n");
    for c in cases {
        let open = format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(&c.classname),
            escape(&c.name)
        );
        match &c.result {
            CaseResult::Pass(None) => {
                let _ = writeln!(out, "{open}/>");
            }
            CaseResult::Pass(Some(note)) => {
                let _ = writeln!(
                    out,
                    "{open}>\n      <system-out>{}</system-out>\n    </testcase>",
                    escape(note)
                );
            }
            CaseResult::Failure {
                message,
                kind,
                body,
            } => {
                let _ = writeln!(
                    out,
                    "{open}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    escape(message),
                    escape(kind),
                    escape(body)
                );
            }
            CaseResult::Error { message, kind } => {
                let _ = writeln!(
                    out,
                    "{open}>\n      <error message=\"{}\" type=\"{}\">{}</error>\n    </testcase>",
                    escape(message),
                    escape(kind),
                    escape(message)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n");
}

/// Renders the JUnit XML document.
pub fn render(report: &Report<'_>) -> String {
    let eval = report.evaluation;
    let mut by_rule: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &eval.findings {
        by_rule.entry(f.rule_id.as_str()).or_default().push(f);
    }
    // Family → cases, families in name order, rules in id order within a family.
    let mut suites: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    let mut rules: Vec<&RuleOutcome> = eval.rules.iter().collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    for rule in rules {
        let findings = by_rule.remove(rule.id.as_str()).unwrap_or_default();
        suites
            .entry(rule.family.clone())
            .or_default()
            .extend(rule_cases(rule, &findings, report.fail_on));
    }
    // Findings of rules missing from the outcomes are still reported, never dropped.
    for findings in by_rule.into_values() {
        let cases = suites.entry("unknown".into()).or_default();
        cases.extend(findings.iter().map(|f| finding_case(f, report.fail_on)));
    }

    let all: Vec<&Case> = suites.values().flatten().collect();
    let failures = all
        .iter()
        .filter(|c| matches!(c.result, CaseResult::Failure { .. }))
        .count();
    let errors = all
        .iter()
        .filter(|c| matches!(c.result, CaseResult::Error { .. }))
        .count();
    let props = [
        ("org_url", report.manifest.org_url.clone()),
        ("org_id", report.org_id.clone().unwrap_or_default()),
        ("as_of", eval.as_of.clone()),
        ("collected_at", report.manifest.collected_at_rfc3339()),
        ("fail_on", report.fail_on.as_str().to_string()),
        ("gate", report.gate.as_str().to_string()),
    ];
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">",
        escape(&format!("tokenwarden {}", report.manifest.org_url)),
        all.len()
    );
    for (family, cases) in &suites {
        write_suite(&mut out, family, cases, &props);
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_quotes_and_controls() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(escape("a\nb\u{1}"), "a&#10;b\u{FFFD}");
    }
}
