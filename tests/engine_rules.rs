//! The rule engine end to end: rule files → validation → evaluation over tables built from small
//! hand-written snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokenwarden::findings::{Outcome, Severity, fingerprint};
use tokenwarden::model::{self, Tables};
use tokenwarden::rules::{RuleError, RulePack, evaluate, parse_rule};
use tokenwarden::snapshot::{CollectionStats, CollectionStatus, Snapshot, SnapshotWriter};

fn as_of() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-30T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn tables(collections: &[(&str, Value, CollectionStatus)]) -> Tables {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snap");
    let mut w =
        SnapshotWriter::create(&dir, "https://acme.okta.com", "api_token", as_of()).unwrap();
    for (name, data, status) in collections {
        let error = (*status != CollectionStatus::Complete).then(|| "403 E0000006".to_string());
        w.write_json(name, data, *status, error, CollectionStats::default())
            .unwrap();
    }
    w.finish().unwrap();
    model::build(&Snapshot::open(&dir).unwrap(), as_of()).unwrap()
}

fn org() -> Tables {
    use CollectionStatus::*;
    tables(&[
        (
            "api_tokens",
            json!([
                {"id": "00T2", "name": "old", "userId": "00uA", "created": "2025-01-01T00:00:00.000Z",
                 "expiresAt": "2026-07-01T00:00:00.000Z", "tokenWindow": "P30D",
                 "network": {"connection": "ANYWHERE"}},
                {"id": "00T1", "name": "new", "userId": "00uA", "created": "2026-06-01T00:00:00.000Z",
                 "expiresAt": "2026-07-01T00:00:00.000Z", "tokenWindow": "P30D",
                 "network": {"connection": "ZONE", "include": ["nzo1"]}},
                {"id": "00T3", "name": "ancient", "userId": "00uB", "created": "2024-01-01T00:00:00.000Z",
                 "expiresAt": "2026-07-01T00:00:00.000Z", "tokenWindow": "P30D"}
            ]),
            Complete,
        ),
        (
            "users",
            json!([{"id": "00uA", "status": "ACTIVE", "profile": {"login": "svc-a@acme.com"}}]),
            Complete,
        ),
        ("network_zones", json!([]), Forbidden),
    ])
}

fn rule_text(id: &str, requires: &str, query: &str, message: &str, params: &str) -> String {
    format!(
        r#"id = "{id}"
title = "A test rule"
severity = "medium"
family = "test"
entity_type = "api_token"
requires = [{requires}]
rationale = "because"
remediation = "fix it"
query = """
{query}
"""
message = "{message}"

[params]
{params}
"#
    )
}

fn pack(rules: &[String]) -> RulePack {
    let parsed = rules
        .iter()
        .map(|text| {
            let id = text
                .lines()
                .next()
                .unwrap()
                .trim_start_matches("id = \"")
                .trim_end_matches('"');
            parse_rule(&format!("my/{id}.toml"), text).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    RulePack::default().with_overrides(parsed)
}

fn old_tokens_rule() -> String {
    rule_text(
        "old-tokens",
        r#""api_tokens""#,
        "SELECT id AS entity_id, name AS entity_name, owner_login AS owner, age_days,\n  \
         CASE WHEN age_days > 2 * {{max_age_days}} THEN 'high' ELSE NULL END AS severity\n\
         FROM api_tokens WHERE age_days > {{max_age_days}}",
        "Token '{entity_name}' is {age_days} days old (limit {max_age_days}, owner {owner})",
        "max_age_days = 300",
    )
}

#[test]
fn a_rule_fires_per_entity_with_message_evidence_severity_override_and_fingerprint() {
    let eval = evaluate(&pack(&[old_tokens_rule()]), &org()).unwrap();
    assert_eq!(eval.as_of, "2026-06-30T12:00:00Z");
    assert_eq!(eval.rules[0].outcome, Outcome::Fail);
    assert_eq!(eval.rules[0].findings, 2);
    let f: Vec<_> = eval
        .findings
        .iter()
        .map(|f| (f.entity_id.as_str(), f.severity))
        .collect();
    // Sorted most severe first; null severity falls back to the rule's.
    assert_eq!(f, [("00T3", Severity::High), ("00T2", Severity::Medium)]);
    let old = &eval.findings[1];
    assert_eq!(
        old.message,
        "Token 'old' is 545 days old (limit 300, owner svc-a@acme.com)"
    );
    assert_eq!(old.owner.as_deref(), Some("svc-a@acme.com"));
    assert_eq!(old.entity_type, "api_token");
    assert_eq!(old.fingerprint, fingerprint("old-tokens", "00T2"));
    assert_eq!(old.evidence.len(), 1);
    assert_eq!(old.evidence["age_days"], json!(545));
    // Owner 00uB was not collected: null owner, "-" in the message.
    assert_eq!(eval.findings[0].owner, None);
    assert!(
        eval.findings[0].message.ends_with("owner -)"),
        "{}",
        eval.findings[0].message
    );
}

#[test]
fn a_rule_with_no_rows_passes() {
    let mut p = pack(&[old_tokens_rule()]);
    p.set_param("old-tokens", "max_age_days", toml::Value::Integer(1000))
        .unwrap();
    let eval = evaluate(&p, &org()).unwrap();
    assert_eq!(eval.rules[0].outcome, Outcome::Pass);
    assert!(eval.findings.is_empty());
}

#[test]
fn a_forbidden_source_collection_makes_the_rule_not_evaluated_naming_it() {
    let zones = rule_text(
        "wide-zones",
        r#""api_tokens", "network_zones""#,
        "SELECT z.id AS entity_id FROM network_zones z JOIN api_tokens t ON t.id = z.id",
        "zone {entity_id}",
        "",
    );
    let eval = evaluate(&pack(&[zones, old_tokens_rule()]), &org()).unwrap();
    let r = eval.rules.iter().find(|r| r.id == "wide-zones").unwrap();
    assert_eq!(r.outcome, Outcome::NotEvaluated);
    let reason = r.reason.as_deref().unwrap();
    assert!(reason.contains("network_zones is forbidden"), "{reason}");
    assert!(reason.contains("E0000006"), "{reason}");
    assert_eq!(eval.not_evaluated().count(), 1);
}

#[test]
fn one_finding_per_entity_first_row_after_sorting_wins_deterministically() {
    let r = rule_text(
        "per-owner",
        r#""api_tokens""#,
        "SELECT user_id AS entity_id, name AS detail FROM api_tokens",
        "{entity_id} {detail}",
        "",
    );
    let a = evaluate(&pack(std::slice::from_ref(&r)), &org()).unwrap();
    let b = evaluate(&pack(&[r]), &org()).unwrap();
    assert_eq!(a, b);
    let ids: Vec<_> = a.findings.iter().map(|f| f.entity_id.as_str()).collect();
    assert_eq!(ids, ["00uA", "00uB"]);
    // Rows of 00uA come in query order (old, new); the stable sort keeps the first.
    assert_eq!(a.findings[0].message, "00uA old");
    assert_eq!(
        a.findings[0].entity_name, "00uA",
        "entity_name defaults to entity_id"
    );
}

#[test]
fn an_invalid_severity_value_is_an_engine_error_naming_the_rule() {
    let r = rule_text(
        "bad-sev",
        r#""api_tokens""#,
        "SELECT id AS entity_id, 'urgent' AS severity FROM api_tokens",
        "x",
        "",
    );
    let err = evaluate(&pack(&[r]), &org()).unwrap_err().to_string();
    assert!(err.contains("bad-sev") && err.contains("urgent"), "{err}");
}

#[test]
fn params_substitute_as_sql_literals_and_overrides_are_type_checked() {
    let r = rule_text(
        "names",
        r#""api_tokens""#,
        "SELECT id AS entity_id, name AS entity_name FROM api_tokens\n\
         WHERE name IN ({{names}}) AND {{enabled}} AND LENGTH(name) >= {{min_len}} AND name <> {{skip}}",
        "{entity_name} in {names}",
        "names = [\"old\", \"it's\"]\nenabled = true\nmin_len = 1.5\nskip = \"x'y\"",
    );
    let mut p = pack(&[r]);
    assert!(
        p.get("names")
            .unwrap()
            .rendered_query()
            .contains("IN ('old', 'it''s') AND TRUE AND LENGTH(name) >= 1.5 AND name <> 'x''y'")
    );
    let eval = evaluate(&p, &org()).unwrap();
    assert_eq!(eval.findings.len(), 1);
    assert_eq!(eval.findings[0].message, "old in old, it's");

    let err = p
        .set_param("names", "min_len", toml::Value::String("3".into()))
        .unwrap_err();
    assert!(matches!(err, RuleError::ParamType { .. }), "{err}");
    assert!(
        err.to_string().contains("expected float, found string"),
        "{err}"
    );
    assert!(matches!(
        p.set_param("names", "nope", toml::Value::Integer(1)),
        Err(RuleError::UnknownParam { .. })
    ));
    assert!(matches!(
        p.set_param("nope", "x", toml::Value::Integer(1)),
        Err(RuleError::UnknownRule { .. })
    ));
    p.set_param("names", "names", toml::Value::Array(vec![]))
        .unwrap();
    p.set_param("names", "min_len", toml::Value::Integer(2))
        .unwrap();
    assert!(evaluate(&p, &org()).unwrap().findings.is_empty());
}

fn load_err(text: &str) -> String {
    parse_rule("custom/r.toml", text).unwrap_err().to_string()
}

#[test]
fn load_errors_name_the_file_line_and_key() {
    let good = rule_text(
        "r",
        r#""api_tokens""#,
        "SELECT id AS entity_id FROM api_tokens",
        "{entity_id}",
        "",
    );
    parse_rule("custom/r.toml", &good).unwrap();

    let e = load_err(&good.replace("family = \"test\"", "family = \"test\"\ncolour = \"red\""));
    assert!(e.contains("custom/r.toml:5") && e.contains("colour"), "{e}");

    let e = load_err(&good.replace("id = \"r\"", "id = \"R_1\""));
    assert!(
        e.contains("custom/r.toml:1") && e.contains("kebab-case"),
        "{e}"
    );

    let e = load_err(&good.replace("id = \"r\"", "id = \"other\""));
    assert!(e.contains("must equal the file name"), "{e}");

    let e = load_err(&good.replace("\"medium\"", "\"urgent\""));
    assert!(
        e.contains(":3: key `severity`") && e.contains("urgent"),
        "{e}"
    );

    let e = load_err(&good.replace("[\"api_tokens\"]", "[\"tokens\"]"));
    assert!(
        e.contains(":6: key `requires`") && e.contains("unknown table `tokens`"),
        "{e}"
    );

    let e = load_err(&good.replace("FROM api_tokens", "FORM api_tokens"));
    assert!(
        e.contains("custom/r.toml") && e.contains("key `query`"),
        "{e}"
    );

    // A table that exists in the catalogue but is not in `requires` is not visible to the query.
    let e = load_err(&good.replace("FROM api_tokens", "FROM users"));
    assert!(e.contains("custom/r.toml") && e.contains("users"), "{e}");

    let e = load_err(&good.replace("SELECT id AS entity_id", "SELECT nosuch AS entity_id"));
    assert!(e.contains("custom/r.toml") && e.contains("nosuch"), "{e}");

    let e = load_err(&good.replace("SELECT id AS entity_id", "SELECT id"));
    assert!(
        e.contains("custom/r.toml") && e.contains("no `entity_id`"),
        "{e}"
    );

    let e = load_err(&good.replace("id AS entity_id", "id AS entity_id, 3 AS severity"));
    assert!(
        e.contains("`severity` column is i32") || e.contains("not a string"),
        "{e}"
    );

    let e = load_err(&good.replace("\"{entity_id}\"", "\"{nosuch}\""));
    assert!(
        e.contains(":12: key `message`") && e.contains("{nosuch}"),
        "{e}"
    );

    let e = load_err(&good.replace(
        "FROM api_tokens",
        "FROM api_tokens\nWHERE age_days > {{max}}",
    ));
    assert!(
        e.contains(":11: key `query`") && e.contains("{{max}}"),
        "{e}"
    );

    let e = load_err(&good.replace("[params]\n", "[params]\nbad = [1, 2]\n"));
    assert!(e.contains("params.bad") && e.contains("strings"), "{e}");

    let e = load_err(&good.replace("title = \"A test rule\"\n", ""));
    assert!(e.contains("custom/r.toml") && e.contains("title"), "{e}");
}

#[test]
fn query_written_below_params_gets_a_hint() {
    let text = "id = \"r\"\ntitle = \"t\"\nseverity = \"low\"\nfamily = \"f\"\nentity_type = \"e\"\n\
                requires = [\"org\"]\nrationale = \"r\"\nremediation = \"r\"\n[params]\nx = 1\n\
                query = \"SELECT org_id AS entity_id FROM org\"\nmessage = \"m\"\n";
    let e = load_err(text);
    assert!(e.contains("inside [params]"), "{e}");
}

#[test]
fn duplicate_ids_name_both_files_and_user_rules_override_builtins() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    std::fs::create_dir_all(rules.join("a")).unwrap();
    std::fs::create_dir_all(rules.join("b")).unwrap();
    let text = old_tokens_rule();
    std::fs::write(rules.join("a/old-tokens.toml"), &text).unwrap();
    let loaded = RulePack::load_dir(tmp.path()).unwrap();
    assert_eq!(loaded.len(), 1);
    assert!(loaded[0].source.ends_with("old-tokens.toml"));

    std::fs::write(rules.join("b/old-tokens.toml"), &text).unwrap();
    let e = RulePack::load_dir(tmp.path()).unwrap_err().to_string();
    assert!(
        e.contains("a/old-tokens.toml") && e.contains("b/old-tokens.toml"),
        "{e}"
    );

    let builtin = RulePack::builtin().unwrap_or_else(|e| panic!("{e}"));
    let n = builtin.rules.len();
    let mut replaced = parse_rule("mine/old-tokens.toml", &text).unwrap();
    replaced.id = builtin
        .rules
        .first()
        .map(|r| r.id.clone())
        .unwrap_or_else(|| "old-tokens".into());
    let merged = builtin.with_overrides(vec![replaced.clone()]);
    assert_eq!(merged.rules.len(), n.max(1));
    assert_eq!(
        merged.get(&replaced.id).unwrap().source,
        "mine/old-tokens.toml"
    );
}

#[test]
fn builtin_rules_all_load_and_evaluate_on_an_empty_org() {
    let pack = RulePack::builtin().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        pack.rules
            .iter()
            .all(|r| r.source.starts_with("builtin:rules/"))
    );
    let eval = evaluate(&pack, &tables(&[])).unwrap();
    assert!(
        eval.rules
            .iter()
            .all(|r| r.outcome == Outcome::NotEvaluated),
        "nothing was collected"
    );
}

#[test]
fn builtin_rules_run_without_errors_on_complete_collections() {
    use CollectionStatus::Complete;
    let pack = RulePack::builtin().unwrap_or_else(|e| panic!("{e}"));
    let empty = tables(&[
        ("org", json!({"id": "00oX"}), Complete),
        ("api_tokens", json!([]), Complete),
        ("users", json!([]), Complete),
        ("user_types", json!([]), Complete),
        ("network_zones", json!([]), Complete),
        ("groups", json!([]), Complete),
        ("role_assignments", json!([]), Complete),
    ]);
    let eval = evaluate(&pack, &empty).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(eval.rules.len(), pack.rules.len());
    let full = tables(&[
        ("org", json!({"id": "00oX"}), Complete),
        (
            "api_tokens",
            json!([{"id": "00T1", "name": "t", "userId": "00uA", "created": "2024-01-01T00:00:00Z",
                    "expiresAt": "2026-07-01T00:00:00Z", "tokenWindow": "P30D",
                    "network": {"connection": "ZONE", "include": ["nzo1"]}}]),
            Complete,
        ),
        (
            "users",
            json!([{"id": "00uA", "status": "SUSPENDED", "profile": {"login": "bob@acme.com"}}]),
            Complete,
        ),
        ("user_types", json!([]), Complete),
        (
            "network_zones",
            json!([{"id": "nzo1", "name": "all", "type": "IP", "status": "ACTIVE", "usage": "POLICY",
                    "gateways": [{"type": "CIDR", "value": "0.0.0.0/0"}]}]),
            Complete,
        ),
        (
            "groups",
            json!([{"group": {"id": "00gA", "profile": {"name": "Admins"}}, "members": ["00uA"]}]),
            Complete,
        ),
        (
            "role_assignments",
            json!([{"principal_type": "GROUP", "principal_id": "00gA",
                    "assignments": [{"id": "ra1", "type": "SUPER_ADMIN", "status": "ACTIVE",
                                     "assignmentType": "GROUP"}]}]),
            Complete,
        ),
    ]);
    let eval = evaluate(&pack, &full).unwrap_or_else(|e| panic!("{e}"));
    assert!(eval.findings.iter().all(|f| !f.entity_id.is_empty()));
}
