//! The real `tokenwarden` binary against the mock Okta over loopback HTTP: every exit code, every
//! format, and that the API token never reaches stdout, stderr, the snapshot or a report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tokenwarden::mock::{Fault, FaultKind, MockConfig, MockServer, OrgSource};

const DEMO_AS_OF: &str = "2026-06-30T12:00:00Z";

fn org_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/orgs")
        .join(name)
}

async fn start(org: &str, faults: Vec<Fault>) -> MockServer {
    let mut config = MockConfig::new(OrgSource::Dir(org_dir(org))).with_page_size(3);
    for f in faults {
        config = config.with_fault(f);
    }
    MockServer::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// The binary, isolated from the developer's environment and any `.env`.
fn tokenwarden(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tokenwarden").unwrap();
    cmd.current_dir(cwd);
    for var in [
        "OKTA_CLIENT_ORGURL",
        "OKTA_API_TOKEN",
        "OKTA_CLIENT_TOKEN",
        "OKTA_CONCURRENT_LIMIT",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs the binary off the async runtime's worker (the mock keeps serving meanwhile).
async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn live(cmd: &mut Command, server: &MockServer, secret: &str) {
    cmd.env("OKTA_CLIENT_ORGURL", server.base_url())
        .env("OKTA_API_TOKEN", secret)
        .args(["--no-progress", "--log-until", DEMO_AS_OF]);
}

fn secret(server: &MockServer) -> String {
    server.org().scan_secret().unwrap().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file below `dir`, as text.
fn all_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), text(&std::fs::read(&p).unwrap())));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn check_live_json_is_the_documented_contract_and_exits_1_on_high_findings() {
    let server = start("demo", vec![]).await;
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = tokenwarden(tmp.path());
    cmd.args(["check", "--format", "json", "--as-of", DEMO_AS_OF]);
    live(&mut cmd, &server, &secret(&server));
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], "1.0");
    assert_eq!(doc["org"]["id"], "00oacmedemo000000000");
    assert_eq!(doc["as_of"], DEMO_AS_OF);
    assert_eq!(doc["gate"]["exit_code"], 1);
    assert_eq!(doc["gate"]["fail_on"], "high");
    for c in doc["collections"].as_array().unwrap() {
        assert_eq!(c["status"], "complete", "{c}");
        assert!(c["name"].is_string() && c["items"].is_u64());
    }
    let rules = doc["rules"].as_array().unwrap();
    assert!(rules.len() >= 18);
    for r in rules {
        for key in ["id", "severity", "outcome"] {
            assert!(r[key].is_string(), "rule lacks {key}: {r}");
        }
    }
    let findings = doc["findings"].as_array().unwrap();
    let super_admin_token = findings
        .iter()
        .find(|f| f["rule_id"] == "token-owner-super-admin")
        .expect("the demo org has a Super Admin token");
    for key in [
        "rule_id",
        "severity",
        "status",
        "entity_type",
        "entity_id",
        "entity_name",
        "message",
        "fingerprint",
    ] {
        assert!(super_admin_token[key].is_string(), "finding lacks {key}");
    }
    assert!(super_admin_token["evidence"].is_object());
    assert_eq!(super_admin_token["severity"], "critical");
    assert_eq!(super_admin_token["status"], "open");
    assert_eq!(super_admin_token["entity_type"], "api_token");
    assert!(
        super_admin_token["entity_id"]
            .as_str()
            .unwrap()
            .starts_with("00T")
    );
    server.shutdown().await;
}

/// The built-in rule file of a rule id.
fn find_rule_file(id: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for family in std::fs::read_dir(&root).unwrap() {
        let p = family.unwrap().path().join(format!("{id}.toml"));
        if p.is_file() {
            return p;
        }
    }
    panic!("no rule file for {id}");
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_on_threshold_decides_between_exit_0_and_1() {
    let server = start("demo", vec![]).await;
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    let mut cmd = tokenwarden(tmp.path());
    cmd.args(["collect", "--out", snap.to_str().unwrap()]);
    live(&mut cmd, &server, &secret(&server));
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    server.shutdown().await;

    // The same snapshot: critical findings exist, so fail-on critical fails …
    let mut cmd = tokenwarden(tmp.path());
    cmd.args([
        "check",
        "--snapshot",
        snap.to_str().unwrap(),
        "--as-of",
        DEMO_AS_OF,
    ]);
    cmd.args(["--fail-on", "critical", "--format", "json"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1));
    // … and with every rule that found something critical overridden by a user rule that
    // finds nothing, it passes.
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut critical: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "critical")
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    critical.sort_unstable();
    critical.dedup();
    assert!(
        critical.contains(&"token-owner-super-admin"),
        "{critical:?}"
    );
    let rules = tmp.path().join("my-rules");
    for id in critical {
        let builtin = find_rule_file(id);
        let text = std::fs::read_to_string(&builtin).unwrap();
        let quiet = text.replacen("WHERE", "WHERE 1 = 0 AND", 1);
        assert_ne!(quiet, text, "the override of {id} must change the query");
        let family = builtin.parent().unwrap().file_name().unwrap();
        std::fs::create_dir_all(rules.join(family)).unwrap();
        std::fs::write(rules.join(family).join(format!("{id}.toml")), quiet).unwrap();
    }
    let mut cmd = tokenwarden(tmp.path());
    cmd.args([
        "check",
        "--snapshot",
        snap.to_str().unwrap(),
        "--as-of",
        DEMO_AS_OF,
    ]);
    cmd.args(["--fail-on", "critical", "--rules", rules.to_str().unwrap()]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "stdout: {}", text(&out.stdout));
    assert!(text(&out.stdout).contains("PASSED"));
}

#[tokio::test(flavor = "multi_thread")]
async fn forbidden_collection_makes_rules_not_evaluated_and_exits_3() {
    let server = start(
        "demo",
        vec![Fault::always(FaultKind::Forbidden, "/api/v1/zones")],
    )
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = tokenwarden(tmp.path());
    cmd.args(["check", "--format", "json", "--as-of", DEMO_AS_OF]);
    live(&mut cmd, &server, &secret(&server));
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(3), "stderr: {}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let zones = doc["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "network_zones")
        .unwrap();
    assert_eq!(zones["status"], "forbidden");
    let invalid = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "token-zone-invalid")
        .unwrap();
    assert_eq!(invalid["outcome"], "not_evaluated");
    assert!(
        invalid["reason"]
            .as_str()
            .unwrap()
            .contains("network_zones"),
        "{invalid}"
    );
    // Rules that do not need zones still ran and still report their findings.
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "token-owner-super-admin")
    );
    assert_eq!(doc["gate"]["exit_code"], 3);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_token_exits_3_naming_the_okta_error_without_echoing_the_token() {
    let server = start("demo", vec![]).await;
    let tmp = tempfile::tempdir().unwrap();
    let wrong = "00WRONG-token-value-that-must-not-leak-1234";
    let mut cmd = tokenwarden(tmp.path());
    cmd.args(["check"]);
    live(&mut cmd, &server, wrong);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(err.contains("E0000011"), "{err}");
    assert!(!err.contains(wrong) && !text(&out.stdout).contains(wrong));
    server.shutdown().await;
}

#[test]
fn usage_errors_exit_2_and_say_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tokenwarden(tmp.path())
        .args(["check", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    let out = tokenwarden(tmp.path()).args(["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("OKTA_CLIENT_ORGURL"),
        "{}",
        text(&out.stderr)
    );

    let out = tokenwarden(tmp.path())
        .args(["check", "--fail-on", "urgent"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    let out = tokenwarden(tmp.path())
        .env("OKTA_CLIENT_ORGURL", "http://acme.okta.com")
        .env("OKTA_API_TOKEN", "x")
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("http://"),
        "{}",
        text(&out.stderr)
    );

    // A broken user rule file is a usage error naming the file.
    let rules = tmp.path().join("rules/custom");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("my-rule.toml"), "id = \"my-rule\"\ncolour = 1\n").unwrap();
    let out = tokenwarden(tmp.path())
        .args(["check", "--snapshot", "nowhere", "--rules"])
        .arg(tmp.path().join("rules"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("my-rule.toml"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unreadable_snapshots_exit_4() {
    let server = start("basic", vec![]).await;
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    let mut cmd = tokenwarden(tmp.path());
    cmd.args(["collect", "--out", snap.to_str().unwrap()]);
    live(&mut cmd, &server, &secret(&server));
    assert!(run(cmd).await.status.success());
    server.shutdown().await;

    let check = |dir: &Path| {
        tokenwarden(tmp.path())
            .args(["check", "--snapshot"])
            .arg(dir)
            .output()
            .unwrap()
    };
    // Not a snapshot at all.
    let out = check(tmp.path());
    assert_eq!(out.status.code(), Some(4));
    // A data file changed after collection.
    let tokens = snap.join("api_tokens.json");
    let original = std::fs::read(&tokens).unwrap();
    std::fs::write(&tokens, b"[]\n").unwrap();
    let out = check(&snap);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out.stderr).contains("api_tokens.json"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(&tokens, original).unwrap();
    assert_ne!(
        check(&snap).status.code(),
        Some(4),
        "restored snapshot reads again"
    );
    // An unknown format version.
    let manifest = snap.join("manifest.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        m.replace("\"format_version\": 1", "\"format_version\": 99"),
    )
    .unwrap();
    let out = check(&snap);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out.stderr).contains("99"), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_format_renders_and_the_token_appears_nowhere() {
    let server = start("demo", vec![]).await;
    let token = secret(&server);
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let snap = out_dir.join("snapshot");
    let mut cmd = tokenwarden(tmp.path());
    cmd.args(["-v", "collect", "--out", snap.to_str().unwrap()]);
    live(&mut cmd, &server, &token);
    let collect = run(cmd).await;
    assert!(collect.status.success(), "{}", text(&collect.stderr));
    let mut streams = vec![text(&collect.stdout), text(&collect.stderr)];

    for (format, file) in [
        ("table", "summary.txt"),
        ("json", "findings.json"),
        ("csv", "findings.csv"),
    ] {
        let mut cmd = tokenwarden(tmp.path());
        cmd.args([
            "-v", "check", "--as-of", DEMO_AS_OF, "--format", format, "--output",
        ])
        .arg(out_dir.join(file));
        live(&mut cmd, &server, &token);
        let out = run(cmd).await;
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            text(&out.stderr)
        );
        assert!(
            out.stdout.is_empty(),
            "--output writes to the file, not stdout"
        );
        streams.push(text(&out.stderr));
        let body = std::fs::read_to_string(out_dir.join(file)).unwrap();
        match format {
            "table" => {
                assert!(body.contains("CRITICAL"), "{body}");
                assert!(body.contains("Gate: FAILED"), "{body}");
            }
            "json" => {
                serde_json::from_str::<Value>(&body).unwrap();
            }
            _ => {
                let first = body.lines().next().unwrap();
                assert_eq!(
                    first,
                    "severity,status,rule_id,entity_type,entity_id,entity_name,owner,message,fingerprint,evidence"
                );
                assert!(body.contains("token-owner-super-admin"));
            }
        }
    }
    server.shutdown().await;

    for (path, content) in all_files(&out_dir) {
        assert!(
            !content.contains(&token),
            "token leaked into {}",
            path.display()
        );
    }
    for s in streams {
        assert!(!s.contains(&token), "token leaked into output: {s}");
    }
}

#[test]
fn demo_scans_over_http_writes_reports_and_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tokenwarden(tmp.path())
        .args(["demo", "--out", "demo-out"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Gate: FAILED"), "{stdout}");
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("demo-out/findings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(doc["as_of"], DEMO_AS_OF, "the demo pins --as-of");
    assert!(doc["findings"].as_array().unwrap().len() > 10);
    assert!(tmp.path().join("demo-out/findings.csv").is_file());
    assert!(tmp.path().join("demo-out/snapshot/manifest.json").is_file());
}

#[test]
fn tables_prints_the_catalogue() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tokenwarden(tmp.path()).arg("tables").output().unwrap();
    assert!(out.status.success());
    let s = text(&out.stdout);
    for needle in [
        "api_tokens",
        "effective_roles",
        "age_days",
        "contains_all_ipv4",
    ] {
        assert!(s.contains(needle), "missing {needle}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn oauth2_private_key_jwt_with_dpop_scans_and_leaks_no_key_material() {
    let server = start("demo", vec![]).await;
    let tmp = tempfile::tempdir().unwrap();
    let key_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys/demo-es256.pem");
    let pem = std::fs::read_to_string(&key_file).unwrap();
    let snap = tmp.path().join("snap");
    let mut cmd = tokenwarden(tmp.path());
    cmd.args([
        "check",
        "--format",
        "json",
        "--as-of",
        DEMO_AS_OF,
        "--keep-snapshot",
    ])
    .arg(&snap)
    .args(["--no-progress", "--log-until", DEMO_AS_OF])
    .env("OKTA_CLIENT_ORGURL", server.base_url())
    .env("OKTA_OAUTH2_CLIENT_ID", "0oatwscanner00000000")
    .env("OKTA_OAUTH2_KEY_ID", "demo-es256")
    .env("OKTA_OAUTH2_PRIVATE_KEY_PEM", &pem);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["collections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "complete"),
        "{}",
        doc["collections"]
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(snap.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["auth_method"], "oauth2");
    // The private key (any line of its base64 body) and the access tokens appear nowhere.
    let key_lines: Vec<&str> = pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
        .collect();
    let tokens = server.issued_access_tokens();
    assert!(!tokens.is_empty(), "the mock issued no access token");
    let mut outputs = vec![text(&out.stdout), text(&out.stderr)];
    outputs.extend(all_files(&snap).into_iter().map(|(_, c)| c));
    for o in &outputs {
        for l in &key_lines {
            assert!(!o.contains(l), "private key material leaked");
        }
        for t in &tokens {
            assert!(!o.contains(t.as_str()), "access token leaked");
        }
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dotenv_in_the_working_directory_configures_the_org_and_token() {
    let server = start("demo", vec![]).await;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(".env"),
        format!(
            "OKTA_CLIENT_ORGURL={}\nOKTA_CLIENT_TOKEN={}\n",
            server.base_url(),
            secret(&server)
        ),
    )
    .unwrap();
    let mut cmd = tokenwarden(tmp.path());
    cmd.args([
        "check",
        "--format",
        "json",
        "--as-of",
        DEMO_AS_OF,
        "--no-progress",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["org"]["url"], server.base_url());
    server.shutdown().await;
}
