//! The HTML report in a real headless Chromium (Debian package `chromium`): the page loads with no
//! console message at all (no error, no CSP violation, no blocked request), its filters, sorting
//! and expandable rows work, and a token named `<img src=x onerror=alert(1)>` shows as text and
//! runs nothing.
//!
//! How: Chromium loads the report from a file with `--dump-dom`. With `#selftest` in the URL the
//! page's own script drives the controls and writes its checks as JSON into
//! `<pre id="selftest-result">`, which this test reads from the dumped DOM. Chromium's
//! `--enable-logging=stderr` prints every console message as an `INFO:CONSOLE` line; the only one
//! allowed is the self-test's own completion marker.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use tokenwarden::findings::{
    Evaluation, Finding, FindingStatus, Outcome, RuleOutcome, Severity, fingerprint,
};
use tokenwarden::gate;
use tokenwarden::report::{self, Format, Report, RuleDoc};
use tokenwarden::snapshot::Manifest;

const XSS: &str = "<img src=x onerror=alert(1)>";
const MARKER: &str = "tokenwarden-selftest-done ok=";
const INSTALL: &str = "install the Debian package `chromium` (`apt-get install -y chromium`; \
                       CI installs it) or point TOKENWARDEN_CHROMIUM at a Chromium binary";

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("TOKENWARDEN_CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("headless Chromium not found on PATH; {INSTALL}");
}

fn finding(rule: &str, sev: Severity, id: &str, name: &str, owner: &str) -> Finding {
    Finding {
        rule_id: rule.into(),
        severity: sev,
        status: FindingStatus::Open,
        entity_type: "api_token".into(),
        entity_id: id.into(),
        entity_name: name.into(),
        owner: Some(owner.into()),
        message: format!("{rule} fired for {name}"),
        fingerprint: fingerprint(rule, id),
        evidence: BTreeMap::from([("network".to_string(), json!(XSS))]),
    }
}

fn rule(id: &str, family: &str, sev: Severity, n: usize) -> RuleOutcome {
    RuleOutcome {
        id: id.into(),
        title: format!("Title of {id}"),
        family: family.into(),
        severity: sev,
        outcome: if n > 0 { Outcome::Fail } else { Outcome::Pass },
        reason: None,
        findings: n,
    }
}

fn render_report() -> String {
    let manifest: Manifest = serde_json::from_value(json!({
        "format_version": 1,
        "tool_version": "0.1.0",
        "org_url": "https://acme.okta.com",
        "collected_at": "2025-03-01T12:00:00Z",
        "auth_method": "api_token",
        "collections": {"api_tokens": {"status": "complete", "items": 5, "requests": 1,
            "duration_ms": 3, "error": null, "file": "api_tokens.json", "sha256": "0".repeat(64)}},
    }))
    .unwrap();

    let mut eval = Evaluation {
        as_of: "2025-03-01T12:00:00Z".into(),
        notices: vec![],
        rules: vec![
            rule(
                "token-owner-super-admin",
                "api-tokens",
                Severity::Critical,
                2,
            ),
            rule(
                "token-unrestricted-network",
                "api-tokens",
                Severity::High,
                1,
            ),
            rule("admin-role-unscoped", "admin-roles", Severity::Medium, 1),
            rule("token-idle", "api-tokens", Severity::Low, 1),
            rule("custom-role-unused", "custom-roles", Severity::Low, 0),
        ],
        findings: vec![
            finding(
                "token-owner-super-admin",
                Severity::Critical,
                "00T1",
                XSS,
                "svc-a@acme.com",
            ),
            finding(
                "token-owner-super-admin",
                Severity::Critical,
                "00T2",
                "deploy",
                "svc-b@acme.com",
            ),
            finding(
                "token-unrestricted-network",
                Severity::High,
                "00T3",
                "siem",
                "svc-a@acme.com",
            ),
            finding(
                "admin-role-unscoped",
                Severity::Medium,
                "00u9",
                "alice",
                "alice@acme.com",
            ),
            finding("token-idle", Severity::Low, "00T5", "old", "svc-c@acme.com"),
        ],
    };
    eval.sort();
    let r = Report {
        manifest: &manifest,
        org_id: Some("00o1".into()),
        evaluation: &eval,
        fail_on: Severity::High,
        gate: gate::decide(&eval, Severity::High),
        inventory: &[],
        rule_docs: BTreeMap::from([(
            "token-owner-super-admin".to_string(),
            RuleDoc {
                rationale: format!("A token carries its owner's rights {XSS}"),
                remediation: "Create tokens from a read-only service account.".into(),
                references: vec!["javascript:alert(1)".into()],
            },
        )]),
    };
    report::render(&r, Format::Html).unwrap()
}

/// Runs headless Chromium on `url`, returning (dumped DOM, console lines from stderr).
fn run_chromium(profile: &Path, url: &str) -> (String, Vec<String>) {
    let mut child = Command::new(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-extensions",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting chromium: {e}; {INSTALL}"));
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().expect("waiting for chromium").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("chromium output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "chromium failed ({}): {stderr}",
        out.status
    );
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn selftest_json(dom: &str) -> serde_json::Value {
    let start = dom
        .find("<pre id=\"selftest-result\">")
        .unwrap_or_else(|| panic!("no visible selftest result in the DOM:\n{dom}"));
    let body = &dom[start + "<pre id=\"selftest-result\">".len()..];
    let body = &body[..body.find("</pre>").unwrap()];
    let text = body
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("selftest result {text:?}: {e}"))
}

#[test]
fn html_report_in_headless_chromium_loads_cleanly_filters_and_runs_no_injected_markup() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let html = render_report();
    std::fs::write(&page, &html).unwrap();
    // To look at the page yourself: TOKENWARDEN_HTML_OUT=/tmp/report.html cargo test --test …
    if let Some(out) = std::env::var_os("TOKENWARDEN_HTML_OUT") {
        std::fs::write(out, &html).unwrap();
    }

    // A plain load: the script runs (it marks <html class="js">) and nothing reaches the console.
    let (dom, console) = run_chromium(&dir.path().join("profile-plain"), &file_url(&page));
    assert!(
        dom.contains("<html lang=\"en\" class=\"js\">"),
        "script did not run:\n{dom}"
    );
    assert!(
        console.is_empty(),
        "console messages on a plain load: {console:#?}"
    );
    assert!(
        !dom.contains("<img"),
        "an <img> element exists in the live DOM"
    );
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        !dom.contains("href=\"javascript:"),
        "javascript: reference became a link"
    );

    // The self-test: filters, sorting, expansion, XSS, no requests, no errors.
    let url = format!("{}#selftest", file_url(&page));
    let (dom, console) = run_chromium(&dir.path().join("profile-selftest"), &url);
    let result = selftest_json(&dom);
    assert_eq!(result["ok"], true, "selftest failed: {result:#}");
    for check in [
        "all_rows_visible",
        "severity_filter",
        "reset_shows_all",
        "rule_filter",
        "family_filter",
        "owner_filter",
        "sort_by_rule",
        "detail_collapsed",
        "detail_expands",
        "no_img_elements",
        "no_resource_requests",
        "no_alerts",
        "no_errors",
    ] {
        assert_eq!(result["checks"][check], true, "check {check}: {result:#}");
    }
    assert_eq!(result["total_rows"], 5);
    assert_eq!(
        result["severity_filter"],
        json!({"severity": "critical", "visible": 2}),
        "severity=critical leaves exactly the 2 critical rows"
    );
    // Entity name, message and evidence cells of the hostile token show the payload as text.
    assert!(result["payload_cells"].as_u64().unwrap() >= 2, "{result:#}");
    let unexpected: Vec<_> = console.iter().filter(|l| !l.contains(MARKER)).collect();
    assert!(unexpected.is_empty(), "console messages: {unexpected:#?}");
    assert!(
        console.iter().any(|l| l.contains(&format!("{MARKER}true"))),
        "the selftest's console marker was not captured (is --enable-logging working?): {console:#?}"
    );
}
