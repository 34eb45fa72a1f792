//! The collector: the one HTTP client that talks to Okta, and the collections it writes into a
//! snapshot.
//!
//! [`collect`] reads the org through [`client`] (auth, retries, rate limits, concurrency cap),
//! follows pagination with [`paging`], builds every collection of `docs/architecture.md` §1 and
//! writes them with [`SnapshotWriter`](crate::snapshot::SnapshotWriter) once everything has been
//! read, so a rejected credential leaves no snapshot behind.
//!
//! Behaviour worth knowing:
//! - Every collection ends `complete`, `partial`, `forbidden` or `failed` and is always written with
//!   what was fetched. A failure of the collection's own listing (a loop, invalid JSON, a 5xx after
//!   retries) makes it `failed`; a 403 there makes it `forbidden`; failures of sub-requests or of
//!   the collections it is built from make it `partial`. `error` names endpoint, status and
//!   Okta errorCode.
//! - Only a 401 on the first authenticated request aborts the run ([`CollectError::Unauthorized`]);
//!   later 401s are recorded against the collection that met them.
//! - OAuth 2.0 ([`oauth`]): the first access token is obtained before anything is read, and a
//!   refusal by the token endpoint aborts the run ([`CollectError::OAuthToken`]). Tokens are
//!   renewed before expiry and once after a 401; DPoP proofs are made per request. A collection
//!   that needs a scope the app was not granted is `forbidden` ("missing OAuth scope …") without
//!   a request to Okta.
//! - `role_assignments` holds every admin group, every user returned by
//!   `/api/v1/iam/assignees/users` and every API-token owner (with an empty `assignments` list when
//!   the owner holds no role, as evidence that it was checked). An owner that no longer exists
//!   (404) is left out of `role_assignments` and `users` without error.

mod apps;
mod auth_args;
mod backoff;
mod caller;
mod client;
mod config;
mod dpop;
mod error;
mod factors;
mod iam;
mod logs;
mod oauth;
mod outcome;
mod paging;
mod progress;
mod ratelimit;
mod roles;
mod run;
mod simple;
mod users;

pub use auth_args::{AuthArgs, AuthMethod, PRIVATE_KEY_PEM_ENV, PrivateKeyPem};
pub use config::{
    ApiToken, CollectConfig, Credentials, DEFAULT_CONCURRENCY, DEFAULT_LOG_WINDOW_DAYS,
    DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT,
};
pub use error::CollectError;
pub use oauth::{ClientKey, KeyError, OAuth2Credentials, default_scopes, parse_scopes};
pub use run::{CollectSummary, collect};

/// Names of the collections this collector writes (the snapshot file is `<name>.json`).
pub mod names {
    /// `GET /.well-known/okta-organization`.
    pub const ORG: &str = "org";
    /// `GET /api/v1/api-tokens`, all pages.
    pub const API_TOKENS: &str = "api_tokens";
    /// `GET /api/v1/zones`, all pages.
    pub const NETWORK_ZONES: &str = "network_zones";
    /// `GET /api/v1/meta/types/user`.
    pub const USER_TYPES: &str = "user_types";
    /// Groups holding at least one admin role, with their member ids.
    pub const GROUPS: &str = "groups";
    /// Role assignments per principal, with targets.
    pub const ROLE_ASSIGNMENTS: &str = "role_assignments";
    /// Token owners, role holders and members of role-holding groups.
    pub const USERS: &str = "users";
    /// OAuth 2.0 service apps with grants, secrets (metadata only), JWKS keys and client roles.
    pub const SERVICE_APPS: &str = "service_apps";
    /// System Log events of the window (`system_log.jsonl`).
    pub const SYSTEM_LOG: &str = "system_log";
    /// Custom roles (`/api/v1/iam/roles`) with their permissions.
    pub const CUSTOM_ROLES: &str = "custom_roles";
    /// Resource sets with their resources, bindings and binding members.
    pub const RESOURCE_SETS: &str = "resource_sets";
    /// Enrolled factors of every user holding an admin role.
    pub const USER_FACTORS: &str = "user_factors";
    /// The identity running the scan (token owner or OAuth app) and its roles.
    pub const CALLER: &str = "caller";
}
