//! `tokenwarden mock-okta`: serve a fixture org until Ctrl-C.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context as _;

use crate::mock::RateLimitArgs;
use crate::mock::generate::GenerateArgs;
use crate::mock::{Fault, JwksShape, LinkStyle, MockConfig, MockServer, OrgSource};

/// Arguments of the `mock-okta` command.
#[derive(Debug, Clone, clap::Args)]
pub struct MockArgs {
    /// Fixture org directory to serve, e.g. fixtures/orgs/demo.
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "generate",
        conflicts_with = "generate"
    )]
    pub org: Option<PathBuf>,
    /// Port on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Force this page size on every paged list, so that clients must page.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub page_size: Option<u64>,
    /// How Link relations are written: one header line each (as Okta) or one comma-joined line.
    #[arg(long, value_enum, default_value_t = LinkStyle::Separate)]
    pub link_style: LinkStyle,
    /// Inject a fault: KIND:PATH_PREFIX[:TIMES], KIND = 429 | 500 | 403 | repeat-next | truncate |
    /// slow=MILLIS | expire-tokens | dpop-nonce (e.g. 429:/api/v1/users:2). Repeatable; matched
    /// in order.
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<Fault>,
    /// Shape of GET /api/v1/apps/{id}/credentials/jwks: a bare array, {"keys": […]} or
    /// {"jwks": {"keys": […]}} (Okta's docs disagree; test clients against all three).
    #[arg(long, value_enum, default_value_t = JwksShape::Jwks)]
    pub jwks_shape: JwksShape,
    /// Per-bucket rate limits and the concurrency limit.
    #[command(flatten)]
    pub rate_limits: RateLimitArgs,
    /// A generated org instead of --org.
    #[command(flatten)]
    pub generate: GenerateArgs,
}

/// Runs the mock on 127.0.0.1 until Ctrl-C, printing its URL on stdout.
pub async fn run(args: MockArgs) -> anyhow::Result<()> {
    let (source, _generated) = match &args.org {
        Some(dir) => (OrgSource::Dir(dir.clone()), None),
        None => args
            .generate
            .prepare()
            .context("generating the synthetic org")?,
    };
    let mut config = MockConfig::new(source.clone()).with_link_style(args.link_style);
    config.faults = args.faults;
    config.jwks_shape = args.jwks_shape;
    config.rate_limits = args.rate_limits.limits();
    config.page_size = args
        .page_size
        .map(usize::try_from)
        .transpose()
        .context("--page-size is too large")?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let server = MockServer::start(config, addr)
        .await
        .with_context(|| format!("starting the mock Okta for {source}"))?;
    let url = server.base_url();
    tracing::info!("mock Okta serving {source} at {url}");
    #[allow(clippy::print_stdout)]
    {
        println!("mock Okta listening on {url}");
    }
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    tracing::info!("mock Okta stopping");
    server.shutdown().await;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::mock::FaultKind;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        mock: MockArgs,
    }

    #[test]
    fn parses_every_flag_and_repeated_faults() {
        let cli = Cli::try_parse_from([
            "mock-okta",
            "--org",
            "fixtures/orgs/basic",
            "--port",
            "8099",
            "--page-size",
            "3",
            "--link-style",
            "joined",
            "--fault",
            "429:/api/v1/users:2",
            "--fault",
            "slow=100:/api/v1",
            "--jwks-shape",
            "bare",
        ])
        .unwrap();
        let args = cli.mock;
        assert_eq!(args.port, 8099);
        assert_eq!(args.page_size, Some(3));
        assert_eq!(args.link_style, LinkStyle::Joined);
        assert_eq!(args.faults.len(), 2);
        assert_eq!(args.faults[0].kind, FaultKind::RateLimit);
        assert_eq!(args.faults[0].times, Some(2));
        assert_eq!(args.jwks_shape, JwksShape::Bare);
    }

    #[test]
    fn org_is_required_and_bad_faults_are_refused() {
        assert!(Cli::try_parse_from(["mock-okta"]).is_err());
        let err =
            Cli::try_parse_from(["mock-okta", "--org", "x", "--fault", "418:/api"]).unwrap_err();
        assert!(err.to_string().contains("418"), "{err}");
    }
}
