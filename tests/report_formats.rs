//! The machine and auditor formats (SARIF, JUnit, Markdown, HTML) from one hand-built evaluation:
//! SARIF validates against the official 2.1.0 schema, JUnit fails only open findings at or above
//! `fail_on`, every format escapes hostile values, and rendering is deterministic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use serde_json::json;
use tokenwarden::findings::{
    Evaluation, Finding, FindingStatus, Outcome, RuleOutcome, Severity, fingerprint,
};
use tokenwarden::gate::{self, ExitStatus};
use tokenwarden::report::{self, Format, Report, RuleDoc};
use tokenwarden::snapshot::Manifest;

const XSS: &str = "<img src=x onerror=alert(1)>";

/// Built from JSON (the manifest's on-disk form), so fields added later with defaults keep this
/// test compiling.
fn manifest() -> Manifest {
    let rec = |status: &str, items: u64, error: Option<&str>| {
        json!({"status": status, "items": items, "requests": 1, "duration_ms": 5,
               "error": error, "file": "x.json", "sha256": "0".repeat(64)})
    };
    serde_json::from_value(json!({
        "format_version": 1,
        "tool_version": "0.1.0",
        "org_url": "https://acme.okta.com",
        "collected_at": "2025-03-01T12:00:00Z",
        "auth_method": "oauth2",
        "collections": {
            "api_tokens": rec("complete", 4, None),
            "log_events": rec("forbidden", 0, Some("403 <okta.logs.read> missing")),
        },
    }))
    .unwrap()
}

fn finding(rule: &str, sev: Severity, status: FindingStatus, id: &str, name: &str) -> Finding {
    Finding {
        rule_id: rule.into(),
        severity: sev,
        status,
        entity_type: "api_token".into(),
        entity_id: id.into(),
        entity_name: name.into(),
        owner: Some(format!("svc-{id}@acme.com")),
        message: format!("token {name} | needs attention"),
        fingerprint: fingerprint(rule, id),
        evidence: BTreeMap::from([
            ("network".to_string(), json!("ANYWHERE")),
            ("age_days".to_string(), json!(120)),
        ]),
    }
}

fn rule(id: &str, family: &str, sev: Severity, outcome: Outcome, findings: usize) -> RuleOutcome {
    RuleOutcome {
        id: id.into(),
        title: format!("Title of {id}"),
        family: family.into(),
        severity: sev,
        outcome,
        reason: (outcome == Outcome::NotEvaluated)
            .then(|| "collection log_events is forbidden".to_string()),
        findings,
    }
}

/// Rules: one critical (open), one high (open + waived + baselined), one low (open, below the
/// threshold), one passing, one not evaluated.
fn evaluation() -> Evaluation {
    let mut e = Evaluation {
        as_of: "2025-03-01T12:00:00Z".into(),
        notices: vec![],
        rules: vec![
            rule(
                "token-owner-super-admin",
                "api-tokens",
                Severity::Critical,
                Outcome::Fail,
                1,
            ),
            rule(
                "token-unrestricted-network",
                "api-tokens",
                Severity::High,
                Outcome::Fail,
                3,
            ),
            rule("token-idle", "api-tokens", Severity::Low, Outcome::Fail, 1),
            rule(
                "admin-role-unscoped",
                "admin-roles",
                Severity::Medium,
                Outcome::Pass,
                0,
            ),
            rule(
                "token-used-outside-allowed-range",
                "api-tokens",
                Severity::High,
                Outcome::NotEvaluated,
                0,
            ),
        ],
        findings: vec![
            finding(
                "token-owner-super-admin",
                Severity::Critical,
                FindingStatus::Open,
                "00T1",
                XSS,
            ),
            finding(
                "token-unrestricted-network",
                Severity::High,
                FindingStatus::Open,
                "00T2",
                "ci|deploy",
            ),
            finding(
                "token-unrestricted-network",
                Severity::High,
                FindingStatus::Waived,
                "00T3",
                "siem",
            ),
            finding(
                "token-unrestricted-network",
                Severity::High,
                FindingStatus::Baselined,
                "00T4",
                "old",
            ),
            finding(
                "token-idle",
                Severity::Low,
                FindingStatus::Open,
                "00T5",
                "idle",
            ),
        ],
    };
    e.sort();
    e
}

fn docs() -> BTreeMap<String, RuleDoc> {
    BTreeMap::from([(
        "token-unrestricted-network".to_string(),
        RuleDoc {
            rationale: "An unrestricted token works from anywhere.".into(),
            remediation: "Restrict it to a network zone.".into(),
            references: vec![
                "https://help.okta.com/".into(),
                "DISA STIG OKTA-APP-003240".into(),
            ],
        },
    )])
}

fn render_with(
    eval: &Evaluation,
    manifest: &Manifest,
    fail_on: Severity,
    format: Format,
) -> String {
    let r = Report {
        manifest,
        org_id: Some("00o1".into()),
        evaluation: eval,
        fail_on,
        gate: gate::decide(eval, fail_on),
        inventory: &[],
        rule_docs: docs(),
    };
    report::render(&r, format).expect("renders")
}

fn render(format: Format) -> String {
    render_with(&evaluation(), &manifest(), Severity::High, format)
}

fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/schemas/sarif-2.1.0.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("reading the SARIF schema at {path}: {e}"));
    // The official schema's `language` pattern has a lone `]`, a literal in ECMA-262 regexes but
    // rejected by the Rust regex engine; escaping it keeps the meaning and lets the schema compile.
    let text = text.replace(r#"[a-zA-Z]{2}]?$"#, r#"[a-zA-Z]{2}\\]?$"#);
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::draft7::new(&schema).expect("schema compiles")
}

#[test]
fn sarif_validates_against_the_official_schema_and_a_broken_one_does_not() {
    let validator = sarif_validator();
    // An entity id no URI could carry as is: the artifact path must still be a valid reference.
    let mut eval = evaluation();
    eval.findings.push(finding(
        "token-idle",
        Severity::Low,
        FindingStatus::Open,
        "id with space/<%>",
        "odd",
    ));
    let sarif = render_with(&eval, &manifest(), Severity::High, Format::Sarif);
    let doc: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");

    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = json!("catastrophic");
    assert!(
        !validator.is_valid(&broken),
        "an invalid level must fail validation"
    );
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        json!("not a uri <>");
    assert!(
        !validator.is_valid(&broken),
        "formats are checked: an unencoded artifact path must fail"
    );
    let mut broken = doc;
    broken["version"] = json!("2.0.0");
    assert!(
        !validator.is_valid(&broken),
        "a wrong version must fail validation"
    );
}

#[test]
fn sarif_carries_rules_fingerprints_locations_suppressions_and_notifications() {
    let doc: serde_json::Value = serde_json::from_str(&render(Format::Sarif)).unwrap();
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 5);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[idx]["id"], r["ruleId"],
            "ruleIndex points at the rule"
        );
        let fp = r["partialFingerprints"]["tokenwarden/v1"].as_str().unwrap();
        assert_eq!(fp.len(), 16);
    }
    let unrestricted = rules
        .iter()
        .find(|r| r["id"] == "token-unrestricted-network")
        .unwrap();
    assert!(
        unrestricted["help"]["text"]
            .as_str()
            .unwrap()
            .contains("Restrict it to a network zone.")
    );
    assert_eq!(unrestricted["defaultConfiguration"]["level"], "error");
    assert_eq!(unrestricted["properties"]["security-severity"], "7.5");

    let critical = &results[0];
    assert_eq!(critical["level"], "error");
    assert_eq!(
        critical["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "okta://acme.okta.com/api_token/00T1"
    );
    assert_eq!(
        critical["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "okta/acme.okta.com/api_token/00T1",
        "GitHub code scanning rejects results without a physical location"
    );
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(
        suppressed.len(),
        2,
        "waived and baselined findings are suppressed"
    );
    // No status: the standard's default is `accepted` (see `Suppression`).
    assert!(
        suppressed
            .iter()
            .all(|r| r["suppressions"][0]["kind"] == "external"
                && r["suppressions"][0].get("status").is_none())
    );

    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert!(notes.iter().any(|n| {
        n["level"] == "error"
            && n["message"]["text"]
                .as_str()
                .unwrap()
                .contains("token-used-outside-allowed-range")
    }));
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

fn attr(xml: &str, element: &str, name: &str) -> usize {
    let start = xml.find(&format!("<{element} ")).unwrap();
    let tail = &xml[start..];
    let key = format!(" {name}=\"");
    let v = &tail[tail.find(&key).unwrap() + key.len()..];
    v[..v.find('"').unwrap()].parse().unwrap()
}

#[test]
fn junit_fails_only_open_findings_at_or_above_fail_on() {
    let xml = render(Format::Junit);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    // 5 findings + 1 passing rule + 1 not evaluated.
    assert_eq!(count(&xml, "<testcase "), 7);
    assert_eq!(
        count(&xml, "<failure "),
        2,
        "critical + high open; low open, waived, baselined pass"
    );
    assert_eq!(count(&xml, "<error "), 1);
    assert_eq!(count(&xml, "<testsuite "), 2, "one suite per family");
    assert_eq!(attr(&xml, "testsuites", "tests"), 7);
    assert_eq!(attr(&xml, "testsuites", "failures"), 2);
    assert_eq!(attr(&xml, "testsuites", "errors"), 1);
    assert!(xml.contains("type=\"not_evaluated\""));
    assert!(xml.contains("name=\"all entities\""));
    assert!(xml.contains("waived high finding"));
    assert!(xml.contains("baselined high finding"));
    assert!(xml.contains("below the fail-on threshold"));
    assert!(!xml.contains(XSS) && xml.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // Every element opened is closed (a cheap well-formedness check).
    assert_eq!(count(&xml, "<testsuite "), count(&xml, "</testsuite>"));
    let self_closing = xml
        .lines()
        .filter(|l| l.trim_start().starts_with("<testcase ") && l.ends_with("/>"))
        .count();
    assert_eq!(
        count(&xml, "<testcase "),
        count(&xml, "</testcase>") + self_closing
    );

    let strict = render_with(&evaluation(), &manifest(), Severity::Low, Format::Junit);
    assert_eq!(
        count(&strict, "<failure "),
        3,
        "at fail_on=low the low open finding fails too"
    );
}

#[test]
fn markdown_escapes_pipes_and_html_and_shows_gate_and_gaps() {
    let md = render(Format::Markdown);
    assert!(md.starts_with("## tokenwarden: "));
    assert!(md.contains("INCOMPLETE"));
    assert!(md.contains("ci\\|deploy"), "pipe in a cell is escaped");
    assert!(md.contains("token ci\\|deploy \\| needs attention"));
    assert!(!md.contains(XSS));
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(md.contains("### Rules not evaluated"));
    assert!(md.contains("collection log\\_events is forbidden"));
    assert!(md.contains("### Incomplete collections"));
    // Each findings row has exactly the table's column count of unescaped pipes.
    for line in md
        .lines()
        .filter(|l| l.starts_with("| token-unrestricted-network"))
    {
        assert_eq!(line.replace("\\|", "").matches('|').count(), 6, "{line}");
    }
}

#[test]
fn markdown_caps_rows_per_severity() {
    let mut e = evaluation();
    for i in 0..120 {
        e.findings.push(finding(
            "token-idle",
            Severity::Low,
            FindingStatus::Open,
            &format!("00X{i:03}"),
            "x",
        ));
    }
    e.sort();
    let md = render_with(&e, &manifest(), Severity::High, Format::Markdown);
    assert_eq!(
        md.lines()
            .filter(|l| l.starts_with("| token-idle "))
            .count(),
        100
    );
    assert!(md.contains("… and 21 more low finding(s)"));
}

#[test]
fn html_escapes_hostile_values_and_is_self_contained() {
    let html = render(Format::Html);
    assert!(!html.contains(XSS), "the raw payload must never appear");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<img"), "no image element at all");
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;;"
    ));
    for external in [
        "src=\"http",
        "src='http",
        "<link",
        "@import",
        "url(http",
        "<iframe",
    ] {
        assert!(
            !html.contains(external),
            "external resource marker {external:?}"
        );
    }
    assert!(html.contains("collection log_events is forbidden"));
    assert!(html.contains("403 &lt;okta.logs.read&gt; missing"));
    assert!(html.contains("Restrict it to a network zone."));
    assert!(html.contains("<svg"));
    assert_eq!(html.matches("<tr class=\"finding ").count(), 5);
}

#[test]
fn every_format_renders_deterministically() {
    for format in [Format::Sarif, Format::Junit, Format::Markdown, Format::Html] {
        assert_eq!(
            render(format),
            render(format),
            "{format:?} differs between runs"
        );
    }
}

#[test]
fn a_clean_evaluation_passes_in_every_format() {
    let e = Evaluation {
        as_of: "2025-03-01T12:00:00Z".into(),
        notices: vec![],
        rules: vec![rule(
            "admin-role-unscoped",
            "admin-roles",
            Severity::Medium,
            Outcome::Pass,
            0,
        )],
        findings: vec![],
    };
    let mut m = manifest();
    m.collections.retain(|k, _| k == "api_tokens");
    assert_eq!(gate::decide(&e, Severity::High), ExitStatus::Passed);
    let xml = render_with(&e, &m, Severity::High, Format::Junit);
    assert_eq!(count(&xml, "<testcase "), 1);
    assert_eq!(count(&xml, "<failure "), 0);
    assert!(render_with(&e, &m, Severity::High, Format::Markdown).contains("PASSED"));
    assert!(render_with(&e, &m, Severity::High, Format::Html).contains("No findings."));
    let doc: serde_json::Value =
        serde_json::from_str(&render_with(&e, &m, Severity::High, Format::Sarif)).unwrap();
    assert!(sarif_validator().is_valid(&doc));
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}
