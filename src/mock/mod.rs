//! The mock Okta server: a real HTTP server (axum, loopback only) that serves a fixture org
//! (`fixtures/orgs/<name>/`, docs/architecture.md §2) with Okta's shapes and quirks (okta-api.md):
//! bare arrays paged by `Link` headers (separate or comma-joined lines), the IAM assignee wrapper
//! paged by `_links.next`, `X-Rate-Limit-*` / `Date` / `X-Okta-Request-Id` on every response, Okta
//! error bodies, SSWS authentication, OAuth 2.0 (`POST /oauth2/v1/token` with `private_key_jwt`
//! and the DPoP dance, `Bearer`/`DPoP` tokens and scopes on the API: [`oauth`]), and fault
//! injection (429, 500, 403, repeating next links, truncated bodies, slow answers, expired access
//! tokens, DPoP nonce demands).
//!
//! Time: the fixture's `as_of` is the mock's "now" for data — a valid SSWS request slides its
//! token's `expiresAt` to `as_of + tokenWindow`, and a token whose `expiresAt` is before `as_of` is
//! refused (401 E0000011). Protocol headers (`Date`, `X-Rate-Limit-Reset`) use the real clock,
//! because clients compute waits from them.

mod cli;
pub(crate) mod duration;
mod error;
mod faults;
mod filter;
mod fixture;
pub mod generate;
mod oauth;
mod paging;
mod ratelimit;
mod reply;
mod routes;
mod server;

pub use cli::{MockArgs, run};
pub use error::MockError;
pub use faults::{Fault, FaultKind};
pub use fixture::{Org, OrgSource};
pub use ratelimit::{BucketUsage, RateLimitArgs, RateLimitStats, RateLimits};
pub use server::MockServer;

/// How `Link` relations are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LinkStyle {
    /// One `link:` header line per relation, as Okta sends them.
    #[default]
    Separate,
    /// All relations in one comma-joined `link:` line.
    Joined,
}

/// The shape of `GET /api/v1/apps/{id}/credentials/jwks`, which okta-api.md §7 finds disputed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum JwksShape {
    /// A bare array of keys (the spec's schema).
    Bare,
    /// `{"keys": [...]}` (the Go SDK since January 2026).
    Keys,
    /// `{"jwks": {"keys": [...]}}` (the spec's example and the old API reference).
    #[default]
    Jwks,
}

/// How to run the mock.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// The fixture org to serve.
    pub org: OrgSource,
    /// Forces this page size on every paged list (tests use 2 or 3 so that every list pages).
    pub page_size: Option<usize>,
    /// How `Link` relations are written.
    pub link_style: LinkStyle,
    /// Faults to inject, matched in order.
    pub faults: Vec<Fault>,
    /// How far ahead `X-Rate-Limit-Reset` points on a 429, in seconds.
    pub rate_limit_reset_secs: u64,
    /// Per-bucket windows and the concurrency limit (enforced by default, 60 s windows).
    pub rate_limits: RateLimits,
    /// The shape of the client JWKS list.
    pub jwks_shape: JwksShape,
    /// Answer `/api/v1/logs` as a polling stream even when `until` is given (a `next` link on
    /// every page, also empty ones), to test clients against a query that never ends.
    pub logs_ignore_until: bool,
}

impl MockConfig {
    /// Serves `org` with Okta's page sizes, separate link lines, no faults and a 1 s 429 reset.
    pub fn new(org: OrgSource) -> MockConfig {
        MockConfig {
            org,
            page_size: None,
            link_style: LinkStyle::Separate,
            faults: Vec::new(),
            rate_limit_reset_secs: 1,
            rate_limits: RateLimits::default(),
            jwks_shape: JwksShape::default(),
            logs_ignore_until: false,
        }
    }

    /// This config with other rate limits.
    pub fn with_rate_limits(mut self, limits: RateLimits) -> MockConfig {
        self.rate_limits = limits;
        self
    }

    /// This config with every paged list forced to `size` items per page.
    pub fn with_page_size(mut self, size: usize) -> MockConfig {
        self.page_size = Some(size);
        self
    }

    /// This config with another link style.
    pub fn with_link_style(mut self, style: LinkStyle) -> MockConfig {
        self.link_style = style;
        self
    }

    /// This config with another JWKS list shape.
    pub fn with_jwks_shape(mut self, shape: JwksShape) -> MockConfig {
        self.jwks_shape = shape;
        self
    }

    /// This config with one more fault.
    pub fn with_fault(mut self, fault: Fault) -> MockConfig {
        self.faults.push(fault);
        self
    }
}

/// One request the mock answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, …
    pub method: String,
    /// The path and query as received.
    pub path_and_query: String,
    /// The status answered.
    pub status: u16,
}
