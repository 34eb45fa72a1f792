//! Shared by the CLI test files: the demo org collected once over HTTP, and the isolated binary.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use tokenwarden::collect::{ApiToken, CollectConfig, Credentials, collect};
use tokenwarden::mock::{MockConfig, MockServer, OrgSource};

/// The demo org's fixed "now".
pub const AS_OF: &str = "2026-06-30T12:00:00Z";

/// A fixture org directory.
pub fn org_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/orgs")
        .join(name)
}

/// The demo org collected once over HTTP for every test of the calling file.
pub fn demo_snapshot() -> &'static Path {
    static SNAP: OnceLock<PathBuf> = OnceLock::new();
    SNAP.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep().join("snapshot");
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let server = MockServer::start(
                MockConfig::new(OrgSource::Dir(org_dir("demo"))),
                "127.0.0.1:0".parse().unwrap(),
            )
            .await
            .unwrap();
            let secret = server.org().scan_secret().unwrap().to_string();
            let mut config = CollectConfig::new(
                server.base_url().parse().unwrap(),
                Credentials::ApiToken(ApiToken::new(secret)),
            );
            config.progress = false;
            config.log_until = Some(server.as_of());
            collect(&config, &dir).await.unwrap();
            server.shutdown().await;
        });
        dir
    })
}

/// The binary, isolated from the developer's environment and any `.env`.
pub fn tokenwarden(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tokenwarden").unwrap();
    cmd.current_dir(cwd);
    for var in [
        "OKTA_CLIENT_ORGURL",
        "OKTA_API_TOKEN",
        "OKTA_CLIENT_TOKEN",
        "OKTA_CONCURRENT_LIMIT",
        "OKTA_OAUTH2_CLIENT_ID",
        "OKTA_OAUTH2_PRIVATE_KEY_PEM",
        "OKTA_OAUTH2_PRIVATE_KEY_FILE",
        "OKTA_OAUTH2_KEY_ID",
        "OKTA_OAUTH2_SCOPES",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}
