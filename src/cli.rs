//! The command line: argument parsing, configuration precedence (flags > environment > defaults;
//! a `.env` in the working directory is read first) and the wiring of the pipeline stages.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};

use crate::collect::{self, ApiToken, CollectConfig, Credentials};
use crate::findings::{Evaluation, Severity};
use crate::gate::{self, ExitStatus};
use crate::mock::{self, MockConfig, MockServer, OrgSource};
use crate::report::{self, Format, Report};
use crate::rules::{self, RulePack};
use crate::snapshot::{Snapshot, SnapshotError};
use crate::{embedded, model};

/// tokenwarden — Okta API-token and admin-privilege governance scanner.
#[derive(Debug, Parser)]
#[command(name = "tokenwarden", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Logging verbosity.
#[derive(Debug, Args)]
#[command(next_help_heading = "Logging")]
pub struct LogArgs {
    /// More log output on stderr (-v debug, -vv trace). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect the org into a snapshot directory (the audit evidence).
    Collect(CollectArgs),
    /// Evaluate the policy against a snapshot (or a live collection) and gate on the result.
    Check(CheckArgs),
    /// Print the table and column catalogue that rules query.
    Tables,
    /// Scan the built-in demo org: start the mock Okta, collect over HTTP, evaluate, report.
    Demo(DemoArgs),
    /// Serve a fixture org as a mock Okta on loopback (for tests and trying tokenwarden out).
    MockOkta(mock::MockArgs),
}

/// How to reach the org.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Okta connection")]
pub struct OrgArgs {
    /// Org URL, e.g. https://acme.okta.com (http:// only for loopback).
    #[arg(long, env = "OKTA_CLIENT_ORGURL", value_name = "URL")]
    pub org_url: Option<String>,
    /// API token (SSWS). Prefer the environment variable (OKTA_API_TOKEN, alias OKTA_CLIENT_TOKEN) or .env over this flag.
    #[arg(
        long,
        env = "OKTA_API_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub api_token: Option<String>,
    /// Maximum concurrent requests to Okta.
    #[arg(
        long,
        env = "OKTA_CONCURRENT_LIMIT",
        default_value_t = 8,
        value_name = "N"
    )]
    pub concurrency: usize,
    /// Retries of a request after 429, 5xx or a transport error.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub max_retries: u32,
    /// Timeout of one HTTP request, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// No progress bars, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
}

/// Arguments of `collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub org: OrgArgs,
    /// Directory to write the snapshot to (created; replaced atomically if it holds a snapshot).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Policy evaluation options.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Policy")]
pub struct EvalArgs {
    /// Extra rule files (rules/**/*.toml); a rule with a built-in id overrides it.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Evaluate as of this instant (RFC 3339 or YYYY-MM-DD); default: the snapshot's collected_at.
    #[arg(long, value_name = "TIME", value_parser = parse_as_of)]
    pub as_of: Option<DateTime<Utc>>,
    /// Fail (exit 1) on open findings at or above this severity.
    #[arg(long, default_value = "high", value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Severity,
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

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the snapshot and reports.
    #[arg(long, value_name = "DIR", default_value = "tokenwarden-out/demo")]
    pub out: PathBuf,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_as_of(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("{s:?} is not an RFC 3339 time nor a YYYY-MM-DD date"))
}

/// Everything that can stop a command, each mapped to its exit status.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Collect(#[from] collect::CollectError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Model(#[from] model::ModelError),
    #[error(transparent)]
    Rules(#[from] rules::RuleError),
    #[error(transparent)]
    Engine(#[from] rules::EngineError),
    #[error(transparent)]
    Render(#[from] report::RenderError),
    #[error(transparent)]
    Mock(#[from] mock::MockError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Internal(String),
}

impl CliError {
    /// The exit status this error maps to.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Self::Usage(_) | Self::Rules(_) => ExitStatus::Usage,
            Self::Collect(e) => collect_exit_status(e),
            Self::Snapshot(_) | Self::Model(_) => ExitStatus::SnapshotUnreadable,
            Self::Engine(_) | Self::Render(_) | Self::Mock(_) | Self::Internal(_) => {
                ExitStatus::Internal
            }
            Self::Io { .. } => ExitStatus::Usage,
        }
    }
}

fn collect_exit_status(e: &collect::CollectError) -> ExitStatus {
    use collect::CollectError as E;
    match e {
        E::InsecureUrl { .. } | E::InvalidUrl { .. } | E::InvalidConfig(_) => ExitStatus::Usage,
        // Rejected credentials, a snapshot that could not be written, anything else: the org
        // could not be read, so the gate fails closed.
        _ => ExitStatus::Incomplete,
    }
}

/// Runs a parsed command line and returns the exit status.
pub fn run(cli: Cli) -> Result<ExitStatus, CliError> {
    match cli.command {
        Command::Tables => {
            write_stdout(&model_catalogue_text())?;
            Ok(ExitStatus::Passed)
        }
        Command::Collect(args) => runtime()?.block_on(cmd_collect(args)),
        Command::Check(args) => runtime()?.block_on(cmd_check(args)),
        Command::Demo(args) => runtime()?.block_on(cmd_demo(args)),
        Command::MockOkta(args) => runtime()?
            .block_on(mock::run(args))
            .map(|()| ExitStatus::Passed)
            .map_err(|e| CliError::Internal(format!("{e:#}"))),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| CliError::Io {
            context: "starting the async runtime".into(),
            source,
        })
}

fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| CliError::Io {
            context: "writing to stdout".into(),
            source,
        })
}

fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| CliError::Io {
            context: format!("creating {}", parent.display()),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| CliError::Io {
        context: format!("writing {}", path.display()),
        source,
    })
}

fn collect_config(org: &OrgArgs) -> Result<CollectConfig, CliError> {
    let url = org.org_url.clone().ok_or_else(|| {
        CliError::Usage(
            "no Okta org URL: set OKTA_CLIENT_ORGURL (environment or .env) or pass --org-url, \
             or evaluate an existing snapshot with --snapshot DIR"
                .into(),
        )
    })?;
    let org_url = url::Url::parse(url.trim()).map_err(|e| {
        CliError::Usage(format!(
            "OKTA_CLIENT_ORGURL / --org-url {url:?} is not a URL: {e}"
        ))
    })?;
    let token = org
        .api_token
        .clone()
        .or_else(|| std::env::var("OKTA_CLIENT_TOKEN").ok())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            CliError::Usage(
                "no credential: set OKTA_API_TOKEN (or OKTA_CLIENT_TOKEN) in the environment or .env"
                    .into(),
            )
        })?;
    if org.concurrency == 0 {
        return Err(CliError::Usage(
            "OKTA_CONCURRENT_LIMIT / --concurrency must be at least 1".into(),
        ));
    }
    Ok(CollectConfig {
        org_url,
        credentials: Credentials::ApiToken(ApiToken::new(token.trim().to_string())),
        concurrency: org.concurrency,
        max_retries: org.max_retries,
        request_timeout: Duration::from_secs(org.timeout.max(1)),
        progress: !org.no_progress && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    })
}

async fn cmd_collect(args: CollectArgs) -> Result<ExitStatus, CliError> {
    let config = collect_config(&args.org)?;
    let summary = collect::collect(&config, &args.out).await?;
    let incomplete: Vec<String> = summary
        .manifest
        .collections
        .iter()
        .filter(|(_, c)| c.status != crate::snapshot::CollectionStatus::Complete)
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

/// A snapshot evaluated: what every output needs.
struct Evaluated {
    snapshot: Snapshot,
    org_id: Option<String>,
    evaluation: Evaluation,
}

fn load_pack(eval: &EvalArgs) -> Result<RulePack, CliError> {
    let pack = RulePack::builtin()?;
    Ok(match &eval.rules {
        Some(dir) => pack.with_overrides(RulePack::load_dir(dir)?),
        None => pack,
    })
}

fn rule_docs(pack: &RulePack) -> std::collections::BTreeMap<String, report::RuleDoc> {
    pack.rules
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                report::RuleDoc {
                    rationale: r.rationale.clone(),
                    remediation: r.remediation.clone(),
                    references: r.references.clone(),
                },
            )
        })
        .collect()
}

fn evaluate_snapshot(
    dir: &Path,
    pack: &RulePack,
    as_of: Option<DateTime<Utc>>,
) -> Result<Evaluated, CliError> {
    let snapshot = Snapshot::open(dir)?;
    let as_of = as_of.unwrap_or(snapshot.manifest().collected_at);
    let tables = model::build(&snapshot, as_of)?;
    let evaluation = rules::evaluate(pack, &tables)?;
    let org_id = snapshot
        .load::<serde_json::Value>("org")
        .ok()
        .flatten()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string));
    Ok(Evaluated {
        snapshot,
        org_id,
        evaluation,
    })
}

async fn cmd_check(args: CheckArgs) -> Result<ExitStatus, CliError> {
    // Rules are loaded (and validated) before any request is made: a bad rule file is a usage
    // error, not a half-finished scan.
    let pack = load_pack(&args.eval)?;
    let mut _tmp = None;
    let dir = match (&args.snapshot, &args.keep_snapshot) {
        (Some(dir), _) => dir.clone(),
        (None, keep) => {
            let config = collect_config(&args.org)?;
            let dir = match keep {
                Some(dir) => dir.clone(),
                None => {
                    let tmp = tempfile::tempdir().map_err(|source| CliError::Io {
                        context: "creating a temporary snapshot directory".into(),
                        source,
                    })?;
                    let dir = tmp.path().join("snapshot");
                    _tmp = Some(tmp);
                    dir
                }
            };
            collect::collect(&config, &dir).await?.dir
        }
    };
    let ev = evaluate_snapshot(&dir, &pack, args.eval.as_of)?;
    let status = gate::decide(&ev.evaluation, args.eval.fail_on);
    let report = Report {
        manifest: ev.snapshot.manifest(),
        org_id: ev.org_id.clone(),
        evaluation: &ev.evaluation,
        fail_on: args.eval.fail_on,
        gate: status,
        rule_docs: rule_docs(&pack),
    };
    let text = report::render(&report, args.format)?;
    match &args.output {
        Some(path) => write_file(path, &text)?,
        None => write_stdout(&text)?,
    }
    Ok(status)
}

async fn cmd_demo(args: DemoArgs) -> Result<ExitStatus, CliError> {
    let pack = RulePack::builtin()?;
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
    let config = CollectConfig {
        org_url,
        credentials: Credentials::ApiToken(ApiToken::new(secret)),
        concurrency: 8,
        max_retries: 4,
        request_timeout: Duration::from_secs(30),
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let snapshot_dir = args.out.join("snapshot");
    let collected = collect::collect(&config, &snapshot_dir).await;
    let as_of = server.as_of();
    server.shutdown().await;
    let summary = collected?;

    // The demo pins --as-of to the fixture's own "now", so it shows the same findings any day.
    let ev = evaluate_snapshot(&summary.dir, &pack, Some(as_of))?;
    let fail_on = Severity::High;
    let status = gate::decide(&ev.evaluation, fail_on);
    let report = Report {
        manifest: ev.snapshot.manifest(),
        org_id: ev.org_id.clone(),
        evaluation: &ev.evaluation,
        fail_on,
        gate: status,
        rule_docs: rule_docs(&pack),
    };
    write_file(
        &args.out.join("findings.json"),
        &report::render(&report, Format::Json)?,
    )?;
    write_file(
        &args.out.join("findings.csv"),
        &report::render(&report, Format::Csv)?,
    )?;
    let mut text = report::render(&report, Format::Table)?;
    text.push_str(&format!(
        "\nDemo org scanned over HTTP. Snapshot: {} · reports: {} and {}\n\
         (The demo is a showcase, so it exits 0; `tokenwarden check` exits {} on this org.)\n",
        summary.dir.display(),
        args.out.join("findings.json").display(),
        args.out.join("findings.csv").display(),
        status.code(),
    ));
    write_stdout(&text)?;
    Ok(ExitStatus::Passed)
}

fn model_catalogue_text() -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for t in model::catalogue() {
        let _ = writeln!(s, "{} — {}", t.name, t.description);
        let _ = writeln!(s, "  from collections: {}", t.sources.join(", "));
        for c in t.columns {
            let _ = writeln!(
                s,
                "  {:<22} {:<6} {}",
                c.name,
                c.dtype.as_str(),
                c.description
            );
        }
        s.push('\n');
    }
    s
}
