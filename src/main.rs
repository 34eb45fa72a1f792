//! The `tokenwarden` binary: parse, run, map the result to an exit code.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use tokenwarden::cli::{Cli, run};
use tokenwarden::gate::ExitStatus;

fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn,tokenwarden=info",
        (false, 1) => "warn,tokenwarden=debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    // A .env in the working directory is read first; real environment variables win over it.
    let dotenv = dotenvy::dotenv();
    let cli = Cli::parse();
    init_logging(cli.log.verbose, cli.log.quiet);
    if let Err(e) = &dotenv
        && !e.not_found()
    {
        tracing::warn!("ignoring .env: {e}");
    }
    // A bug must not leave with Rust's panic code 101: it is an internal error, exit 70.
    #[allow(clippy::result_large_err)] // one error per process; see CliError
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli)));
    let status = match outcome {
        Err(_) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: internal error (a bug in tokenwarden; the message above says where) — please report it"
            );
            ExitStatus::Internal
        }
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            let mut msg = format!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                let text = s.to_string();
                if !msg.contains(&text) {
                    msg.push_str(&format!("\n  caused by: {text}"));
                }
                source = s.source();
            }
            let _ = writeln!(std::io::stderr(), "{msg}");
            e.exit_status()
        }
    };
    ExitCode::from(status.code())
}
