//! The governance workflow through the real binary: tokenwarden.toml, waivers with expiry,
//! baselines, `init`, and `rules list/explain/test`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Output;

use common::{AS_OF, demo_snapshot, tokenwarden};
use serde_json::Value;

fn check(cwd: &Path, extra: &[&str]) -> Output {
    tokenwarden(cwd)
        .args(["check", "--format", "json", "--as-of", AS_OF, "--snapshot"])
        .arg(demo_snapshot())
        .args(extra)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn findings<'a>(doc: &'a Value, rule: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

#[test]
fn config_disables_rules_overrides_severity_params_and_fail_on() {
    let tmp = tempfile::tempdir().unwrap();
    let base = json(&check(tmp.path(), &[]));
    assert!(!findings(&base, "token-idle").is_empty());
    assert!(!findings(&base, "token-rotation-overdue").is_empty());
    std::fs::write(
        tmp.path().join("tokenwarden.toml"),
        r#"
fail_on = "critical"

[rules.token-idle]
enabled = false

[rules.token-sprawl]
severity = "high"

[rules.token-rotation-overdue.params]
max_age_days = 400
"#,
    )
    .unwrap();
    // Found in the working directory without --config.
    let out = check(tmp.path(), &[]);
    let doc = json(&out);
    assert!(findings(&doc, "token-idle").is_empty(), "disabled rule ran");
    assert!(
        !doc["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "token-idle")
    );
    assert!(
        findings(&doc, "token-rotation-overdue").is_empty(),
        "param not applied"
    );
    assert!(
        findings(&doc, "token-sprawl")
            .iter()
            .all(|f| f["severity"] == "high")
    );
    assert_eq!(doc["gate"]["fail_on"], "critical");
    // A flag wins over the file.
    let doc = json(&check(tmp.path(), &["--fail-on", "low"]));
    assert_eq!(doc["gate"]["fail_on"], "low");
}

#[test]
fn config_errors_name_file_line_and_key_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "fail_on = \"high\"\ncolour = \"red\"\n",
            "tokenwarden.toml:2",
            "colour",
        ),
        (
            "[rules.token-idel]\nenabled = false\n",
            "tokenwarden.toml:1",
            "token-idel",
        ),
        (
            "[rules.token-idle.params]\nidle_days = \"fourteen\"\n",
            "tokenwarden.toml:2",
            "idle_days",
        ),
        (
            "[rules.token-idle.params]\nidle_dayz = 3\n",
            "tokenwarden.toml:2",
            "idle_dayz",
        ),
        (
            "[rules.token-idle]\nseverity = \"urgent\"\n",
            "tokenwarden.toml:2",
            "severity",
        ),
        ("fail_on = 3\n", "tokenwarden.toml:1", "fail_on"),
    ];
    for (text, place, key) in cases {
        std::fs::write(tmp.path().join("tokenwarden.toml"), text).unwrap();
        let out = check(tmp.path(), &[]);
        assert_eq!(out.status.code(), Some(2), "{text}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(place), "{text}: {err}");
        assert!(err.contains(key), "{text}: {err}");
    }
}

#[test]
fn waivers_waive_until_expiry_and_expired_or_unused_ones_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let base = json(&check(tmp.path(), &[]));
    let critical = findings(&base, "token-owner-super-admin");
    assert!(!critical.is_empty());
    let ids: Vec<&str> = critical
        .iter()
        .map(|f| f["entity_id"].as_str().unwrap())
        .collect();
    let waivers = format!(
        r#"
[[waiver]]
rule = "token-owner-super-admin"
entity = "{}"
reason = "break-glass automation, reviewed by CISO"
owner = "secops@acme.example"
expires = 2026-12-31

[[waiver]]
rule = "token-owner-super-admin"
entity = "{}"
reason = "was accepted last quarter"
owner = "secops@acme.example"
expires = 2026-03-31

[[waiver]]
rule = "token-idle"
entity = "00Tnothing*"
reason = "nothing matches this"
owner = "secops@acme.example"
expires = 2027-01-01
"#,
        ids[0],
        ids.get(1).copied().unwrap_or("00Tno-second-token")
    );
    std::fs::write(tmp.path().join("waivers.toml"), waivers).unwrap();
    let out = check(
        tmp.path(),
        &["--waivers", "waivers.toml", "--fail-on", "critical"],
    );
    let doc = json(&out);
    let after = findings(&doc, "token-owner-super-admin");
    let waived = after.iter().find(|f| f["entity_id"] == ids[0]).unwrap();
    assert_eq!(waived["status"], "waived");
    let err = stderr(&out);
    assert!(err.contains("expired on 2026-03-31"), "{err}");
    assert!(
        err.contains("waivers.toml:16") && err.contains("matched no finding"),
        "{err}"
    );
    if ids.len() > 1 {
        let expired = after.iter().find(|f| f["entity_id"] == ids[1]).unwrap();
        assert_eq!(
            expired["status"], "open",
            "an expired waiver must not waive"
        );
        assert_eq!(out.status.code(), Some(1));
    } else {
        assert_eq!(out.status.code(), Some(0), "{err}");
    }
    // The same waiver file a year later: the first waiver expired too.
    let out = tokenwarden(tmp.path())
        .args([
            "check",
            "--format",
            "json",
            "--as-of",
            "2027-06-30",
            "--snapshot",
        ])
        .arg(demo_snapshot())
        .args(["--waivers", "waivers.toml"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert!(
        findings(&doc, "token-owner-super-admin")
            .iter()
            .all(|f| f["status"] == "open")
    );
}

#[test]
fn baseline_keeps_known_findings_from_failing_the_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("baseline.json");
    let out = check(tmp.path(), &["--write-baseline", base.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(base.is_file());
    // Everything known: the gate passes, findings are shown as baselined.
    let out = check(tmp.path(), &["--baseline", base.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "baselined")
    );
    // A baseline missing one critical finding: that one is new and fails the gate.
    let mut known: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let list = known["findings"].as_array_mut().unwrap();
    let pos = list
        .iter()
        .position(|f| f["severity"] == "critical")
        .unwrap();
    let removed = list.remove(pos);
    std::fs::write(&base, serde_json::to_string(&known).unwrap()).unwrap();
    let out = check(tmp.path(), &["--baseline", base.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    let open: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "open")
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["fingerprint"], removed["fingerprint"]);
    // Not a report: a usage error naming the file.
    std::fs::write(&base, "{\"hello\": 1}").unwrap();
    let out = check(tmp.path(), &["--baseline", base.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("baseline.json"));
}

#[test]
fn init_writes_a_starter_config_that_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tokenwarden(tmp.path()).arg("init").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(tmp.path().join("tokenwarden.toml")).unwrap();
    assert!(text.contains("# [rules.token-rotation-overdue]"));
    assert!(text.contains("# max_age_days = 90"));
    // The starter loads, and uncommenting a rule's section and param works.
    let at = text
        .find("# [rules.token-rotation-overdue.params]")
        .unwrap();
    let (before, after) = text.split_at(at);
    let edited = format!(
        "{before}{}",
        after
            .replacen(
                "# [rules.token-rotation-overdue.params]",
                "[rules.token-rotation-overdue.params]",
                1
            )
            .replacen("# max_age_days = 90", "max_age_days = 30", 1)
    );
    std::fs::write(tmp.path().join("tokenwarden.toml"), edited).unwrap();
    let out = check(tmp.path(), &[]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    // A second init refuses to overwrite.
    let out = tokenwarden(tmp.path()).arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rules_list_explain_and_test() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tokenwarden(tmp.path())
        .args(["rules", "list"])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("token-unrestricted-network") && s.contains("admin-role-unscoped"));

    let out = tokenwarden(tmp.path())
        .args(["rules", "explain", "token-rotation-overdue"])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Why it matters",
        "What to do",
        "max_age_days = 90",
        "FROM api_tokens",
    ] {
        assert!(s.contains(needle), "{needle}: {s}");
    }
    let out = tokenwarden(tmp.path())
        .args(["rules", "explain", "no-such-rule"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    let dir = tmp.path().join("mine/api-tokens");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("token-named-tmp.toml"),
        r#"
id = "token-named-tmp"
title = "Token literally named tmp"
severity = "low"
family = "api-tokens"
entity_type = "api_token"
requires = ["api_tokens"]
rationale = "r"
remediation = "m"
references = []
query = "SELECT id AS entity_id, name AS entity_name, age_days FROM api_tokens WHERE name = 'tmp'"
message = "Token {entity_name} is {age_days} days old"
"#,
    )
    .unwrap();
    let out = tokenwarden(tmp.path())
        .args(["rules", "test", "mine", "--as-of", AS_OF, "--snapshot"])
        .arg(demo_snapshot())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("token-named-tmp — fail (1 row(s))"), "{s}");
    assert!(s.contains("age_days = "), "{s}");
}

#[test]
fn diff_of_a_snapshot_with_itself_changes_nothing_and_a_bad_side_exits_4() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tokenwarden(tmp.path())
        .args(["diff", "--format", "json", "--as-of", AS_OF])
        .arg(demo_snapshot())
        .arg(demo_snapshot())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(
        doc["changes"].as_array().unwrap().len(),
        0,
        "{}",
        doc["changes"]
    );
    assert_eq!(doc["findings"]["changes"].as_array().unwrap().len(), 0);
    let out = tokenwarden(tmp.path())
        .args(["diff"])
        .arg(demo_snapshot())
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}
