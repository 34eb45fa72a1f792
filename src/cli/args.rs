//! Argument groups shared by several subcommands, and turning them into configuration.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Args;

use super::CliError;
use crate::collect::CollectConfig;
use crate::findings::Severity;

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
    /// Start of the System Log window: a number of days (`30`, `30d`) or a time (RFC 3339 or
    /// YYYY-MM-DD); at most 90 days before --log-until (Okta's retention).
    #[arg(long, default_value = "90d", value_name = "DAYS|TIME", value_parser = parse_since)]
    pub since: Since,
    /// End of the System Log window (RFC 3339 or YYYY-MM-DD); default: when collection starts.
    #[arg(long, value_name = "TIME", value_parser = parse_as_of)]
    pub log_until: Option<DateTime<Utc>>,
    #[command(flatten)]
    pub auth: crate::collect::AuthArgs,
}

/// Policy evaluation options.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Policy")]
pub struct EvalArgs {
    /// Configuration file (default: ./tokenwarden.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Extra rule files (rules/**/*.toml); a rule with a built-in id overrides it.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Evaluate as of this instant (RFC 3339 or YYYY-MM-DD); default: the snapshot's collected_at.
    #[arg(long, value_name = "TIME", value_parser = parse_as_of)]
    pub as_of: Option<DateTime<Utc>>,
    /// Fail (exit 1) on open findings at or above this severity [default: the config's fail_on, else high].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Waivers file (overrides the config's `waivers`).
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// An earlier findings.json: findings already in it are `baselined` and do not fail the gate.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Also write this run's findings as a baseline file (JSON).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

/// The start of the System Log window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Since {
    /// This many days before the window's end.
    Days(u32),
    /// From this instant.
    At(DateTime<Utc>),
}

/// Parses `--since`: `30`, `30d`, or a time.
pub fn parse_since(s: &str) -> Result<Since, String> {
    let days = s.strip_suffix('d').unwrap_or(s);
    if let Ok(n) = days.parse::<u32>() {
        return if (1..=90).contains(&n) {
            Ok(Since::Days(n))
        } else {
            Err(format!(
                "{s:?}: the System Log window is 1 to 90 days (Okta keeps 90)"
            ))
        };
    }
    parse_as_of(s).map(Since::At)
}

/// Parses a severity word.
pub fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// Parses `--as-of`: RFC 3339, or a date meaning midnight UTC.
pub fn parse_as_of(s: &str) -> Result<DateTime<Utc>, String> {
    crate::model::time::parse_instant(s)
}

/// Builds the collector configuration from flags, environment and `.env`.
pub fn collect_config(org: &OrgArgs) -> Result<CollectConfig, CliError> {
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
        .map(|t| t.trim().to_string());
    let credentials = org.auth.credentials(token).map_err(CliError::Usage)?;
    if org.concurrency == 0 {
        return Err(CliError::Usage(
            "OKTA_CONCURRENT_LIMIT / --concurrency must be at least 1".into(),
        ));
    }
    let mut config = CollectConfig::new(org_url, credentials);
    config.concurrency = org.concurrency;
    config.max_retries = org.max_retries;
    config.request_timeout = Duration::from_secs(org.timeout.max(1));
    config.log_until = org.log_until;
    config.log_window_days = match org.since {
        Since::Days(n) => n,
        Since::At(t) => {
            let until = org.log_until.unwrap_or_else(Utc::now);
            let days = (until - t).num_seconds().div_euclid(86_400) + 1;
            if days < 1 {
                return Err(CliError::Usage(format!(
                    "--since {t} is not before the end of the System Log window ({until})"
                )));
            }
            u32::try_from(days.min(90)).unwrap_or(90)
        }
    };
    config.progress = !org.no_progress && std::io::IsTerminal::is_terminal(&std::io::stderr());
    Ok(config)
}
