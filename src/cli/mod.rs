//! The command line: argument parsing, configuration precedence (flags > environment >
//! `tokenwarden.toml` > defaults; a `.env` in the working directory is read first) and the wiring
//! of the pipeline stages. Output goes to stdout or the file asked for; logs go to stderr.

// `CliError` carries the stage errors whole so the message names file, line, endpoint; it is
// returned once per process, so its size costs nothing.
#![allow(clippy::result_large_err)]

mod args;
mod commands;
mod pipeline;
mod rules_cmd;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

pub use args::{EvalArgs, OrgArgs};

use crate::gate::ExitStatus;
use crate::{collect, mock, model, policy, report, rules, snapshot};

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
    Collect(commands::CollectArgs),
    /// Evaluate the policy against a snapshot (or a live collection) and gate on the result.
    Check(commands::CheckArgs),
    /// Collect (or read a snapshot), evaluate, and write the full report set to a folder.
    Scan(commands::ScanArgs),
    /// Compare two snapshots: tokens, admins, roles, resource sets, service apps and findings added, removed or changed.
    Diff(crate::diff::DiffArgs),
    /// Print the table and column catalogue that rules query.
    Tables,
    /// List, explain and test rules.
    #[command(subcommand)]
    Rules(rules_cmd::RulesCommand),
    /// Write a commented starter tokenwarden.toml.
    Init(commands::InitArgs),
    /// Scan the built-in demo org: start the mock Okta, collect over HTTP, evaluate, report.
    Demo(commands::DemoArgs),
    /// Serve a fixture org as a mock Okta on loopback (for tests and trying tokenwarden out).
    MockOkta(mock::MockArgs),
}

/// Everything that can stop a command, each mapped to its exit status.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Collect(#[from] collect::CollectError),
    #[error(transparent)]
    Snapshot(#[from] snapshot::SnapshotError),
    #[error(transparent)]
    Model(#[from] model::ModelError),
    #[error(transparent)]
    Rules(#[from] rules::RuleError),
    #[error(transparent)]
    Policy(#[from] policy::PolicyError),
    #[error(transparent)]
    Engine(#[from] rules::EngineError),
    #[error(transparent)]
    Render(#[from] report::RenderError),
    #[error(transparent)]
    Mock(#[from] mock::MockError),
    #[error(transparent)]
    Diff(#[from] crate::diff::DiffError),
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
        use collect::CollectError as C;
        match self {
            Self::Usage(_) | Self::Rules(_) | Self::Policy(_) | Self::Io { .. } => {
                ExitStatus::Usage
            }
            Self::Collect(C::InsecureUrl { .. } | C::InvalidUrl { .. } | C::InvalidConfig(_)) => {
                ExitStatus::Usage
            }
            // Rejected credentials, a snapshot that could not be written, anything else: the
            // org could not be read, so the gate fails closed.
            Self::Collect(_) => ExitStatus::Incomplete,
            Self::Snapshot(_) | Self::Model(_) => ExitStatus::SnapshotUnreadable,
            Self::Diff(e) => e.exit_status(),
            Self::Engine(_) | Self::Render(_) | Self::Mock(_) | Self::Internal(_) => {
                ExitStatus::Internal
            }
        }
    }
}

/// Runs a parsed command line and returns the exit status.
pub fn run(cli: Cli) -> Result<ExitStatus, CliError> {
    match cli.command {
        Command::Tables => {
            write_stdout(&model_catalogue_text())?;
            Ok(ExitStatus::Passed)
        }
        Command::Rules(cmd) => rules_cmd::run(cmd),
        Command::Diff(args) => {
            let text = crate::diff::run(&args)?;
            write_output(args.output.as_ref(), &text)?;
            Ok(ExitStatus::Passed)
        }
        Command::Init(args) => commands::init(args),
        Command::Collect(args) => runtime()?.block_on(commands::collect(args)),
        Command::Check(args) => runtime()?.block_on(commands::check(args)),
        Command::Scan(args) => runtime()?.block_on(commands::scan(args)),
        Command::Demo(args) => runtime()?.block_on(commands::demo(args)),
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

/// Writes command output to stdout.
pub(crate) fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| CliError::Io {
            context: "writing to stdout".into(),
            source,
        })
}

/// Writes a file, creating its directory.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
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

/// Writes `text` to `path`, or to stdout when there is no path.
pub(crate) fn write_output(path: Option<&PathBuf>, text: &str) -> Result<(), CliError> {
    match path {
        Some(p) => write_file(p, text),
        None => write_stdout(text),
    }
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
                "  {:<28} {:<6} {}",
                c.name,
                c.dtype.as_str(),
                c.description
            );
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_the_documented_exit_codes() {
        assert_eq!(CliError::Usage("x".into()).exit_status().code(), 2);
        assert_eq!(CliError::Internal("x".into()).exit_status().code(), 70);
        let unauthorized = collect::CollectError::Unauthorized {
            endpoint: "/api/v1/api-tokens".into(),
            status: 401,
            error_code: Some("E0000011".into()),
            summary: None,
        };
        assert_eq!(CliError::Collect(unauthorized).exit_status().code(), 3);
        let insecure = collect::CollectError::InsecureUrl {
            url: "http://acme.okta.com".into(),
        };
        assert_eq!(CliError::Collect(insecure).exit_status().code(), 2);
        let corrupt = snapshot::SnapshotError::NotASnapshot { path: "x".into() };
        assert_eq!(CliError::Snapshot(corrupt).exit_status().code(), 4);
    }
}
