//! The built-in rule pack against its fixtures: every shipped rule is documented and has a firing
//! and a silent case in `fixtures/rules/expectations.toml`, and on the demo org (served by the mock,
//! read by the real collector) and the small org-wide snapshots of `fixtures/rules/snapshots/` each
//! rule fires exactly where the expectations say it must and stays silent where they say it must.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tokenwarden::collect::{ApiToken, CollectConfig, Credentials, collect};
use tokenwarden::findings::{Evaluation, Severity};
use tokenwarden::mock::{MockConfig, MockServer, OrgSource};
use tokenwarden::model;
use tokenwarden::rules::{RulePack, evaluate};
use tokenwarden::snapshot::{CollectionStats, CollectionStatus, Snapshot, SnapshotWriter};

const DEMO_ORG: &str = "fixtures/orgs/demo";
const SNAPSHOT_CASES: &str = "fixtures/rules/snapshots";
const EXPECTATIONS: &str = "fixtures/rules/expectations.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectations {
    rules: BTreeMap<String, RuleExpectation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleExpectation {
    fires: Vec<String>,
    silent: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
}

#[derive(Debug, Deserialize)]
struct DemoOrgFile {
    as_of: DateTime<Utc>,
    api_token_secrets: BTreeMap<String, String>,
}

fn expectations() -> anyhow::Result<Expectations> {
    let text = std::fs::read_to_string(EXPECTATIONS).context(EXPECTATIONS)?;
    toml::from_str(&text).context(EXPECTATIONS)
}

fn demo_org_file() -> anyhow::Result<DemoOrgFile> {
    let path = Path::new(DEMO_ORG).join("org.json");
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    serde_json::from_str(&text).with_context(|| path.display().to_string())
}

/// Serves the demo org from the mock, collects it through the real collector into `dir`.
async fn collect_demo(dir: &Path) -> anyhow::Result<Snapshot> {
    let org = demo_org_file()?;
    let secret = org
        .api_token_secrets
        .keys()
        .next()
        .context("the demo org has no api_token_secrets")?
        .clone();
    let server = MockServer::start(
        MockConfig::new(OrgSource::Dir(DEMO_ORG.into())),
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let mut config = CollectConfig::new(
        server.base_url().parse()?,
        Credentials::ApiToken(ApiToken::new(secret)),
    );
    config.progress = false;
    // The System Log window ends at the fixture's as_of, the mock's "now", so it covers logs.json.
    config.log_until = Some(org.as_of);
    let result = collect(&config, dir).await;
    server.shutdown().await;
    let summary = result?;
    for (name, record) in &summary.manifest.collections {
        ensure!(
            record.status == CollectionStatus::Complete,
            "demo collection {name} is {} ({:?})",
            record.status,
            record.error
        );
    }
    Ok(Snapshot::open(dir)?)
}

/// Writes the collection files of a `fixtures/rules/snapshots/<case>/` folder as a snapshot:
/// `<collection>.json` as JSON, `<collection>.jsonl` (the System Log) as JSON Lines.
fn snapshot_case(case: &Path, dir: &Path, as_of: DateTime<Utc>) -> anyhow::Result<Snapshot> {
    let name = case
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let org_url = format!("https://{name}.okta.example");
    let mut writer = SnapshotWriter::create(dir, &org_url, "api_token", as_of)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(case)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    for file in &files {
        let collection = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(file)?;
        let context = || file.display().to_string();
        match file.extension().and_then(|e| e.to_str()) {
            Some("json") => writer.write_json(
                &collection,
                &serde_json::from_str(&text).with_context(context)?,
                CollectionStatus::Complete,
                None,
                CollectionStats::default(),
            )?,
            Some("jsonl") => writer.write_jsonl(
                &collection,
                &text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(serde_json::from_str)
                    .collect::<Result<Vec<serde_json::Value>, _>>()
                    .with_context(context)?,
                CollectionStatus::Complete,
                None,
                CollectionStats::default(),
            )?,
            _ => {}
        }
    }
    let dir = writer.finish()?;
    Ok(Snapshot::open(&dir)?)
}

/// Every data file of a snapshot, concatenated: to check that a silent entity is really there.
fn snapshot_text(snapshot: &Snapshot) -> anyhow::Result<String> {
    let mut text = String::new();
    for record in snapshot.manifest().collections.values() {
        text.push_str(&std::fs::read_to_string(snapshot.dir().join(&record.file))?);
    }
    Ok(text)
}

struct Evaluated {
    label: String,
    evaluation: Evaluation,
}

/// The built-in pack evaluated on the demo org and on every snapshot case, and the raw data seen.
async fn evaluate_fixtures(work: &Path) -> anyhow::Result<(Vec<Evaluated>, String)> {
    let pack = RulePack::builtin()?;
    let as_of = demo_org_file()?.as_of;
    let mut out = Vec::new();
    let mut seen = String::new();

    let demo = collect_demo(&work.join("demo")).await?;
    seen.push_str(&snapshot_text(&demo)?);
    out.push(Evaluated {
        label: DEMO_ORG.to_string(),
        evaluation: evaluate(&pack, &model::build(&demo, as_of)?)?,
    });

    let mut cases: Vec<PathBuf> = std::fs::read_dir(SNAPSHOT_CASES)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    cases.retain(|p| p.is_dir());
    cases.sort();
    for case in cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let snapshot = snapshot_case(&case, &work.join(&name), as_of)?;
        seen.push_str(&snapshot_text(&snapshot)?);
        out.push(Evaluated {
            label: case.display().to_string(),
            evaluation: evaluate(&pack, &model::build(&snapshot, as_of)?)?,
        });
    }
    Ok((out, seen))
}

#[test]
fn every_shipped_rule_is_documented_unique_and_has_firing_and_silent_cases() -> anyhow::Result<()> {
    let pack = RulePack::builtin()?;
    let expectations = expectations()?;
    ensure!(!pack.rules.is_empty(), "the built-in pack is empty");
    let mut ids = BTreeSet::new();
    let mut problems = Vec::new();
    for rule in &pack.rules {
        if !ids.insert(rule.id.as_str()) {
            problems.push(format!("{}: id defined twice", rule.id));
        }
        if rule.title.trim().is_empty() {
            problems.push(format!("{}: no title", rule.id));
        }
        if rule.rationale.trim().len() < 80 {
            problems.push(format!("{}: rationale missing or too short", rule.id));
        }
        if rule.remediation.trim().len() < 80 {
            problems.push(format!("{}: remediation missing or too short", rule.id));
        }
        if rule.references.is_empty() {
            problems.push(format!("{}: no references", rule.id));
        }
        if !rule
            .source
            .ends_with(&format!("{}/{}.toml", rule.family, rule.id))
        {
            problems.push(format!(
                "{}: not at rules/{}/{}.toml ({})",
                rule.id, rule.family, rule.id, rule.source
            ));
        }
        match expectations.rules.get(&rule.id) {
            None => problems.push(format!("{}: no entry in {EXPECTATIONS}", rule.id)),
            Some(e) => {
                if e.fires.is_empty() {
                    problems.push(format!("{}: no firing case", rule.id));
                }
                if e.silent.is_empty() {
                    problems.push(format!("{}: no silent case", rule.id));
                }
                for id in e.fires.iter().filter(|id| e.silent.contains(id)) {
                    problems.push(format!("{}: {id} is both firing and silent", rule.id));
                }
                for id in e.severity.keys().filter(|id| !e.fires.contains(id)) {
                    problems.push(format!(
                        "{}: severity given for {id}, which is not in fires",
                        rule.id
                    ));
                }
            }
        }
    }
    for id in expectations
        .rules
        .keys()
        .filter(|id| !ids.contains(id.as_str()))
    {
        problems.push(format!("{EXPECTATIONS}: {id} is not a shipped rule"));
    }
    if !problems.is_empty() {
        bail!("rule pack problems:\n  {}", problems.join("\n  "));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builtin_rules_fire_and_stay_silent_on_the_fixture_orgs_as_expected() -> anyhow::Result<()>
{
    let expectations = expectations()?;
    let work = tempfile::tempdir()?;
    let (evaluated, seen) = evaluate_fixtures(work.path()).await?;
    let mut problems = Vec::new();

    // On the demo org every rule must have run: its collections are complete.
    if let Some(demo) = evaluated.first() {
        for rule in demo.evaluation.not_evaluated() {
            problems.push(format!(
                "{}: not evaluated on the demo org: {}",
                rule.id,
                rule.reason.as_deref().unwrap_or("-")
            ));
        }
    }

    // (rule, entity) → (severity, where). Entity ids are unique across the fixtures.
    let mut found: HashMap<(&str, &str), (Severity, &str)> = HashMap::new();
    for e in &evaluated {
        for f in &e.evaluation.findings {
            found.insert(
                (f.rule_id.as_str(), f.entity_id.as_str()),
                (f.severity, e.label.as_str()),
            );
        }
    }

    for (rule, exp) in &expectations.rules {
        for id in &exp.fires {
            match found.get(&(rule.as_str(), id.as_str())) {
                None => problems.push(format!("{rule}: expected to fire for {id}, did not")),
                Some((severity, _)) => {
                    if let Some(want) = exp.severity.get(id)
                        && want != severity
                    {
                        problems.push(format!(
                            "{rule}: {id} has severity {severity}, expected {want}"
                        ));
                    }
                }
            }
        }
        for id in &exp.silent {
            if !seen.contains(id.as_str()) {
                problems.push(format!(
                    "{rule}: silent case {id} is not in any fixture's data"
                ));
            }
            if let Some((severity, org)) = found.get(&(rule.as_str(), id.as_str())) {
                problems.push(format!(
                    "{rule}: expected silent for {id}, fired ({severity}) in {org}"
                ));
            }
        }
    }
    if !problems.is_empty() {
        let mut all: Vec<String> = evaluated
            .iter()
            .flat_map(|e| {
                e.evaluation.findings.iter().map(move |f| {
                    format!(
                        "{} {} {} {}: {}",
                        e.label, f.rule_id, f.severity, f.entity_id, f.message
                    )
                })
            })
            .collect();
        all.sort();
        bail!(
            "{} expectation(s) not met:\n  {}\n\nfindings:\n  {}",
            problems.len(),
            problems.join("\n  "),
            all.join("\n  ")
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn param_overrides_reach_the_queries_including_empty_lists() -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let demo = collect_demo(&work.path().join("demo")).await?;
    let tables = model::build(&demo, demo_org_file()?.as_of)?;
    let mut pack = RulePack::builtin()?;
    pack.set_param(
        "token-rotation-overdue",
        "max_age_days",
        toml::Value::Integer(365),
    )?;
    // An empty list renders as NULL: the rule must then judge owners by login pattern alone.
    pack.set_param(
        "token-owner-not-service-account",
        "service_user_types",
        toml::Value::Array(Vec::new()),
    )?;
    let evaluation = evaluate(&pack, &tables)?;
    let fired = |rule: &str, id: &str| {
        evaluation
            .findings
            .iter()
            .any(|f| f.rule_id == rule && f.entity_id == id)
    };
    ensure!(
        !fired("token-rotation-overdue", "00Tjira0000000000000"),
        "270 days < 365"
    );
    ensure!(
        fired("token-owner-not-service-account", "00Tsiem0000000000000"),
        "splunk-siem is a service account only by profile.userType, which no longer counts"
    );
    ensure!(
        fired("token-owner-not-service-account", "00Tiga00000000000000"),
        "sailpoint-iiq is a service account only by its user type, which no longer counts"
    );
    ensure!(
        !fired("token-owner-not-service-account", "00Thrsync00000000000"),
        "api-hrsync still matches the login pattern"
    );
    ensure!(
        fired("token-owner-not-service-account", "00Ttfci0000000000000"),
        "a person's token still fires"
    );
    Ok(())
}
