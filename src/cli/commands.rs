//! `collect`, `check`, `demo` and `init`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::args::{EvalArgs, OrgArgs, collect_config};
use super::pipeline::{self, Evaluated, Policy};
use super::{CliError, write_file, write_output, write_stdout};
use crate::collect::{self, ApiToken, CollectConfig, Credentials};
use crate::embedded;
use crate::gate::ExitStatus;
use crate::mock::{MockConfig, MockServer, OrgSource};
use crate::policy::config;
use crate::report::{self, Format};
use crate::rules::RulePack;
use crate::snapshot::CollectionStatus;

/// Arguments of `collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Directory to write the snapshot to (created; replaced atomically if it holds a snapshot).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub org: OrgArgs,
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Evaluate this snapshot instead of collecting live.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// When collecting live, keep the snapshot in this directory (default: a temporary one).
    #[arg(long, value_name = "DIR", conflicts_with = "snapshot")]
    pub keep_snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the output to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub org: OrgArgs,
}

/// Arguments of `scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Evaluate this snapshot instead of collecting live (it is copied into OUT/snapshot).
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// Directory for the snapshot and the full report set.
    #[arg(long, value_name = "DIR", default_value = "tokenwarden-out")]
    pub out: PathBuf,
    #[command(flatten)]
    pub eval: EvalArgs,
    #[command(flatten)]
    pub org: OrgArgs,
}

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the snapshot and reports.
    #[arg(long, value_name = "DIR", default_value = "tokenwarden-out/demo")]
    pub out: PathBuf,
}

/// Arguments of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the starter configuration.
    #[arg(long, value_name = "FILE", default_value = config::DEFAULT_FILE)]
    pub output: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

/// `collect`: exit 0 when every collection is complete, 3 otherwise.
pub async fn collect(args: CollectArgs) -> Result<ExitStatus, CliError> {
    let config = collect_config(&args.org)?;
    let summary = collect::collect(&config, &args.out).await?;
    let incomplete: Vec<String> = summary
        .manifest
        .collections
        .iter()
        .filter(|(_, c)| c.status != CollectionStatus::Complete)
        .map(|(n, c)| format!("{n} ({})", c.status))
        .collect();
    tracing::info!("snapshot written to {}", summary.dir.display());
    if incomplete.is_empty() {
        Ok(ExitStatus::Passed)
    } else {
        tracing::warn!("incomplete collections: {}", incomplete.join(", "));
        Ok(ExitStatus::Incomplete)
    }
}

/// Collects live into `keep` (or a temporary directory held by the returned guard).
async fn collect_live(
    org: &OrgArgs,
    keep: Option<&PathBuf>,
) -> Result<(PathBuf, Option<tempfile::TempDir>), CliError> {
    let config = collect_config(org)?;
    let (dir, guard) = match keep {
        Some(dir) => (dir.clone(), None),
        None => {
            let tmp = tempfile::tempdir().map_err(|source| CliError::Io {
                context: "creating a temporary snapshot directory".into(),
                source,
            })?;
            (tmp.path().join("snapshot"), Some(tmp))
        }
    };
    let summary = collect::collect(&config, &dir).await?;
    Ok((summary.dir, guard))
}

fn log_notices(ev: &Evaluated) {
    for n in &ev.evaluation.notices {
        tracing::warn!("{}: {}", n.source, n.message);
    }
}

fn write_baseline(ev: &Evaluated, policy: &Policy, eval: &EvalArgs) -> Result<(), CliError> {
    if let Some(path) = &eval.write_baseline {
        write_file(path, &report::render(&ev.report(policy), Format::Json)?)?;
        tracing::info!("baseline written to {}", path.display());
    }
    Ok(())
}

/// `check`: evaluate and exit with the gate's code.
pub async fn check(args: CheckArgs) -> Result<ExitStatus, CliError> {
    let policy = pipeline::load_policy(&args.eval)?;
    let (dir, _guard) = match &args.snapshot {
        Some(dir) => (dir.clone(), None),
        None => collect_live(&args.org, args.keep_snapshot.as_ref()).await?,
    };
    let ev = pipeline::evaluate(&dir, &policy, args.eval.as_of)?;
    log_notices(&ev);
    write_output(
        args.output.as_ref(),
        &report::render(&ev.report(&policy), args.format)?,
    )?;
    write_baseline(&ev, &policy, &args.eval)?;
    Ok(ev.gate)
}

/// Writes the full report set of an evaluation into `out`; returns the files written.
fn write_report_set(ev: &Evaluated, policy: &Policy, out: &Path) -> Result<Vec<PathBuf>, CliError> {
    let files = report::set::render_set(&ev.report(policy))?;
    let mut written = Vec::new();
    for (name, content) in files {
        let path = out.join(name);
        write_file(&path, &content)?;
        written.push(path);
    }
    Ok(written)
}

/// Copies a snapshot directory (flat: manifest and data files) to `to`.
fn copy_snapshot(from: &Path, to: &Path) -> Result<(), CliError> {
    let same = match (from.canonicalize(), to.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Ok(());
    }
    // Opening first verifies the snapshot (version, hashes) before anything is copied.
    crate::snapshot::Snapshot::open(from)?;
    let io = |context: String| move |source| CliError::Io { context, source };
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(io(format!("replacing {}", to.display())))?;
    }
    std::fs::create_dir_all(to).map_err(io(format!("creating {}", to.display())))?;
    for entry in std::fs::read_dir(from).map_err(io(format!("reading {}", from.display())))? {
        let entry = entry.map_err(io(format!("reading {}", from.display())))?;
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name()))
                .map_err(io(format!("copying {}", entry.path().display())))?;
        }
    }
    Ok(())
}

/// `scan`: collect (or take a snapshot), keep it in OUT/snapshot, write the full report set,
/// print the summary, exit with the gate's code.
pub async fn scan(args: ScanArgs) -> Result<ExitStatus, CliError> {
    let policy = pipeline::load_policy(&args.eval)?;
    let snapshot_dir = args.out.join("snapshot");
    match &args.snapshot {
        Some(dir) => copy_snapshot(dir, &snapshot_dir)?,
        None => {
            let config = collect_config(&args.org)?;
            collect::collect(&config, &snapshot_dir).await?;
        }
    }
    let ev = pipeline::evaluate(&snapshot_dir, &policy, args.eval.as_of)?;
    log_notices(&ev);
    let written = write_report_set(&ev, &policy, &args.out)?;
    write_baseline(&ev, &policy, &args.eval)?;
    let mut text = report::render(&ev.report(&policy), Format::Table)?;
    text.push_str(&format!(
        "\nSnapshot: {} · {} reports in {}\n",
        snapshot_dir.display(),
        written.len(),
        args.out.display()
    ));
    write_stdout(&text)?;
    Ok(ev.gate)
}

/// `demo`: the whole pipeline against the built-in demo org served over loopback HTTP.
pub async fn demo(args: DemoArgs) -> Result<ExitStatus, CliError> {
    let policy = Policy {
        pack: RulePack::builtin()?,
        waivers: None,
        baseline: None,
        fail_on: crate::findings::Severity::High,
    };
    let server = MockServer::start(
        MockConfig::new(OrgSource::Embedded(embedded::DEMO_ORG_FILES)),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await?;
    tracing::info!(
        "demo: mock Okta serving the demo org at {}",
        server.base_url()
    );
    let secret = server
        .org()
        .scan_secret()
        .ok_or_else(|| CliError::Internal("the demo org has no API token secret".into()))?
        .to_string();
    let org_url = url::Url::parse(&server.base_url())
        .map_err(|e| CliError::Internal(format!("mock base URL: {e}")))?;
    let mut config = CollectConfig::new(org_url, Credentials::ApiToken(ApiToken::new(secret)));
    config.request_timeout = Duration::from_secs(30);
    config.progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // The fixture's dates are written against its own "now"; read its System Log up to then.
    config.log_until = Some(server.as_of());
    let snapshot_dir = args.out.join("snapshot");
    let collected = collect::collect(&config, &snapshot_dir).await;
    let as_of = server.as_of();
    server.shutdown().await;
    let summary = collected?;

    // The demo pins --as-of to the fixture's own "now", so it shows the same findings any day.
    let ev = pipeline::evaluate(&summary.dir, &policy, Some(as_of))?;
    let written = write_report_set(&ev, &policy, &args.out)?;
    let mut text = report::render(&ev.report(&policy), Format::Table)?;
    text.push_str(&format!(
        "\nDemo org scanned over HTTP. Snapshot: {} · {} reports in {} (open {})\n\
         (The demo is a showcase, so it exits 0; `tokenwarden check` exits {} on this org.)\n",
        summary.dir.display(),
        written.len(),
        args.out.display(),
        args.out.join("report.html").display(),
        ev.gate.code(),
    ));
    write_stdout(&text)?;
    Ok(ExitStatus::Passed)
}

/// `init`: writes a commented starter configuration listing every rule and param.
pub fn init(args: InitArgs) -> Result<ExitStatus, CliError> {
    if args.output.exists() && !args.force {
        return Err(CliError::Usage(format!(
            "{} exists; pass --force to replace it",
            args.output.display()
        )));
    }
    write_file(&args.output, &config::starter(&RulePack::builtin()?))?;
    tracing::info!("wrote {}", args.output.display());
    Ok(ExitStatus::Passed)
}
