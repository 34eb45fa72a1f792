//! The run: reads every collection (independent ones concurrently), then writes the snapshot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::OnceCell;

use super::client::OktaClient;
use super::config::{CollectConfig, org_origin};
use super::error::{CollectError, RequestError};
use super::outcome::Collected;
use super::progress::Progress;
use super::users::UsersInput;
use super::{apps, caller, factors, iam, logs, roles, simple, users};
use crate::snapshot::{Manifest, SnapshotWriter};

/// What [`collect`] produced: the snapshot directory and its manifest.
#[derive(Debug, Clone)]
pub struct CollectSummary {
    /// The snapshot directory (as asked for).
    pub dir: PathBuf,
    /// The manifest written into it.
    pub manifest: Manifest,
}

/// Reads the org described by `config` and writes a snapshot to `snapshot_dir`.
///
/// Every collection is written with its status, whatever happened to the others. The only errors
/// are: a refused configuration, a credential rejected on the first authenticated request (no
/// snapshot is written) and a snapshot that cannot be written.
pub async fn collect(
    config: &CollectConfig,
    snapshot_dir: &Path,
) -> Result<CollectSummary, CollectError> {
    let origin = org_origin(&config.org_url)?;
    let collected_at = Utc::now();
    let org_url = origin.as_str().trim_end_matches('/').to_string();
    let client = Arc::new(OktaClient::new(config, origin)?);
    // OAuth 2.0: the first token (and the granted scopes) before anything is read.
    client.authenticate().await?;
    let progress = Progress::new(config.progress);
    tracing::info!(org = %org_url, concurrency = config.concurrency, "collecting");

    // The token list feeds both the admin collections and the System Log's token pass: it is read
    // once, by whichever asks first, so that neither waits for the other's slower parts.
    let token_list = OnceCell::new();
    let listed_tokens = || token_list.get_or_init(|| simple::api_tokens(&client, &progress));
    let (
        org,
        zones,
        user_types,
        ([groups, role_assignments, users], user_factors),
        [custom_roles, resource_sets],
        caller,
        service_apps,
        system_log,
    ) = tokio::join!(
        simple::org(&client, &progress),
        simple::network_zones(&client, &progress),
        simple::user_types(&client, &progress),
        async {
            let admin = admin_collections(&client, &progress, listed_tokens()).await;
            let [groups, role_assignments, _] = &admin;
            let factors = factors::user_factors(&client, &progress, role_assignments, groups).await;
            (admin, factors)
        },
        iam::collections(&client, &progress),
        caller::caller(&client, &progress, config.credentials.auth_method()),
        apps::service_apps(&client, &progress),
        async {
            let window = logs::Window::new(config, collected_at);
            let log_pass = logs::by_event_type(&client, &progress, window).await;
            // Token-attributed System Log events need the token list.
            logs::by_token(&client, log_pass, listed_tokens().await).await
        },
    );
    let api_tokens = match token_list.into_inner() {
        Some(listed) => listed,
        // Not reached: both branches above read the list.
        None => simple::api_tokens(&client, &progress).await,
    };

    if let Some(rejected) = client.rejected() {
        return Err(match rejected {
            RequestError::Http {
                endpoint,
                status,
                error_code,
                summary,
            } => CollectError::Unauthorized {
                endpoint,
                status,
                error_code,
                summary,
            },
            other => CollectError::Unauthorized {
                endpoint: String::new(),
                status: 401,
                error_code: None,
                summary: Some(other.to_string()),
            },
        });
    }

    let mut writer = SnapshotWriter::create(
        snapshot_dir,
        &org_url,
        config.credentials.auth_method(),
        collected_at,
    )?;
    for c in [
        org,
        api_tokens,
        zones,
        user_types,
        groups,
        role_assignments,
        users,
        custom_roles,
        resource_sets,
        user_factors,
        caller,
        service_apps,
    ] {
        let mut c = c;
        client.auth().enforce_scopes(&mut c);
        writer.write_json(c.name, &c.data, c.status, c.error, c.stats)?;
    }
    system_log.write(&mut writer)?;
    let manifest = writer.manifest().clone();
    let dir = writer.finish()?;
    Ok(CollectSummary { dir, manifest })
}

/// `groups`, `role_assignments` and `users`, which build on one another and on `api_tokens`.
async fn admin_collections(
    client: &Arc<OktaClient>,
    progress: &Progress,
    api_tokens: impl Future<Output = &Collected>,
) -> [Collected; 3] {
    let (api_tokens, mut discovery) = tokio::join!(api_tokens, roles::discover(client, progress));
    let owners = simple::token_owners(api_tokens);
    let role_assignments =
        roles::assignments(client, &mut discovery, &owners, api_tokens.as_input()).await;

    let wanted = roles::distinct(
        owners
            .iter()
            .chain(&discovery.assignees)
            .chain(&discovery.member_ids),
    );
    let mut incomplete: Vec<String> = [api_tokens.as_input(), discovery.groups.as_input()]
        .into_iter()
        .flatten()
        .collect();
    if let Some(e) = &discovery.assignees_error {
        incomplete.push(format!("role assignees unknown: {e}"));
    }
    let input = UsersInput {
        wanted,
        known: std::mem::take(&mut discovery.member_users),
        incomplete,
    };
    let users = users::users(client, progress, input).await;
    [discovery.groups, role_assignments, users]
}
