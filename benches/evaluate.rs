//! `cargo bench --bench evaluate`: the offline half of a scan on a large synthetic org — snapshot →
//! polars tables → every built-in rule → the full report set — timed stage by stage, with the
//! process's peak resident memory during evaluation.
//!
//! The org (`TW_BENCH_SIZE=small|medium|large`, default large: 20,000 users, 2,000 API tokens,
//! 2,000 admins, 200 service apps, 200,000 System Log events) is collected once from the mock
//! with rate limits off; the evaluation then runs in a fresh process of this same binary, so the
//! peak memory figure is the evaluation's own, not the generator's or the mock's.
//!
//! The last line on stdout is
//! `evaluate: model <s>, rules <s>, reports <s>, total <s>, findings <n>, peak RSS <MiB>`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use tokenwarden::collect::{ApiToken, CollectConfig, Credentials, collect};
use tokenwarden::findings::Severity;
use tokenwarden::gate;
use tokenwarden::mock::generate::{AS_OF, GenSize, GenSpec, SCAN_SECRET, write_org};
use tokenwarden::mock::{MockConfig, MockServer, OrgSource, RateLimits};
use tokenwarden::report::{self, Format, Report, review};
use tokenwarden::rules::{RulePack, evaluate};
use tokenwarden::snapshot::Snapshot;

/// Peak resident set size of this process so far, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os(EVAL_ONLY) {
        return evaluate_only(std::path::Path::new(&dir));
    }
    let size = match std::env::var("TW_BENCH_SIZE").as_deref() {
        Ok("small") => GenSize::Small,
        Ok("medium") => GenSize::Medium,
        _ => GenSize::Large,
    };
    let spec = GenSpec::sized(size, 1);
    let org = tempfile::tempdir()?;
    write_org(&spec, org.path())?;
    let out = tempfile::tempdir()?;
    let snapshot_dir = out.path().join("snapshot");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    runtime.block_on(async {
        let limits = RateLimits {
            enforce: false,
            ..RateLimits::default()
        };
        let mock =
            MockConfig::new(OrgSource::Dir(org.path().to_path_buf())).with_rate_limits(limits);
        let server = MockServer::start(mock, "127.0.0.1:0".parse()?).await?;
        let mut config = CollectConfig::new(
            server.base_url().parse()?,
            Credentials::ApiToken(ApiToken::new(SCAN_SECRET.into())),
        );
        config.progress = false;
        config.concurrency = 32;
        config.pace_requests = false;
        config.request_timeout = Duration::from_secs(120);
        config.log_until = Some(AS_OF.parse()?);
        collect(&config, &snapshot_dir).await?;
        server.shutdown().await;
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    drop(runtime);
    eprintln!(
        "collected {size:?} org ({} users, {} tokens, {} admins, {} service apps, {} events) in {:.1} s",
        spec.users,
        spec.tokens,
        spec.admins(),
        spec.service_apps,
        spec.log_events,
        started.elapsed().as_secs_f64()
    );
    // A fresh process: measure the evaluation alone.
    let status = std::process::Command::new(std::env::current_exe()?)
        .env(EVAL_ONLY, &snapshot_dir)
        .status()?;
    if !status.success() {
        return Err(format!("evaluation failed: {status}").into());
    }
    Ok(())
}

/// Set to a snapshot directory: only evaluate it (the child process).
const EVAL_ONLY: &str = "TW_BENCH_EVALUATE_SNAPSHOT";

fn evaluate_only(snapshot_dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let t0 = Instant::now();
    let snapshot = Snapshot::open(snapshot_dir)?;
    let tables = tokenwarden::model::build(&snapshot, AS_OF.parse()?)?;
    let t_model = t0.elapsed().as_secs_f64();

    let pack = RulePack::builtin()?;
    let t1 = Instant::now();
    let eval = evaluate(&pack, &tables)?;
    let t_rules = t1.elapsed().as_secs_f64();

    let t2 = Instant::now();
    let inventory = review::inventories(&tables, &eval)?;
    let rendered = Report {
        manifest: snapshot.manifest(),
        org_id: None,
        evaluation: &eval,
        fail_on: Severity::High,
        gate: gate::decide(&eval, Severity::High),
        rule_docs: Default::default(),
        inventory: &inventory,
    };
    let mut bytes = 0usize;
    for (_, content) in report::set::render_set(&rendered)? {
        bytes += content.len();
    }
    bytes += report::render(&rendered, Format::Table)?.len();
    let t_reports = t2.elapsed().as_secs_f64();
    let not_evaluated = eval.not_evaluated().count();
    eprintln!(
        "{} rules ({} not evaluated), {} findings, {:.1} MB of reports",
        eval.rules.len(),
        not_evaluated,
        eval.findings.len(),
        bytes as f64 / 1e6
    );
    for name in tables.names() {
        if let Some(df) = tables.get(name) {
            eprintln!("  table {name:<24} {:>8} rows", df.height());
        }
    }
    println!(
        "evaluate: model {t_model:.2}, rules {t_rules:.2}, reports {t_reports:.2}, total {:.2}, findings {}, peak RSS {:.0}",
        t_model + t_rules + t_reports,
        eval.findings.len(),
        peak_rss_mib()
    );
    if not_evaluated > 0 {
        return Err(
            format!("{not_evaluated} rules not evaluated: the bench org is incomplete").into(),
        );
    }
    Ok(())
}
