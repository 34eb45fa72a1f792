//! Errors of the collector: [`CollectError`] (the run could not produce a snapshot) and
//! `RequestError` (one endpoint could not be read; recorded against a collection).
//!
//! Neither ever carries a header value: they name the endpoint, the HTTP status and Okta's
//! `errorCode`/`errorSummary`.

use crate::snapshot::SnapshotError;

/// Why [`collect`](super::collect) produced no snapshot.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// `http://` to a host that is not a loopback address.
    #[error(
        "refusing to send credentials over plain http:// to {url}; use https:// (http:// is only \
         allowed for loopback addresses)"
    )]
    InsecureUrl {
        /// The org URL as given (origin only).
        url: String,
    },
    /// The org URL cannot be used.
    #[error("invalid org URL {url}: {reason}")]
    InvalidUrl {
        /// The org URL as given (origin only).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A limit in the configuration is out of range.
    #[error("invalid collector configuration: {0}")]
    InvalidConfig(String),
    /// Okta rejected the credential on the first authenticated request; nothing was collected.
    #[error(
        "Okta rejected the credential: HTTP {status} {} on GET {endpoint}{}; check the API token \
         (wrong, expired or revoked) or the OAuth 2.0 app, and the org URL; nothing was \
         collected",
        .error_code.as_deref().unwrap_or("(no errorCode)"),
        .summary.as_deref().map(|s| format!(": {s}")).unwrap_or_default()
    )]
    Unauthorized {
        /// The endpoint (path) that answered 401.
        endpoint: String,
        /// The HTTP status (401).
        status: u16,
        /// Okta's `errorCode`, e.g. `E0000011`.
        error_code: Option<String>,
        /// Okta's `errorSummary`.
        summary: Option<String>,
    },
    /// The OAuth 2.0 token endpoint issued no access token; nothing was collected.
    #[error(
        "OAuth 2.0 token request {}on POST {endpoint}{}; {}; nothing was collected",
        .status.map(|s| format!("refused with HTTP {s} ")).unwrap_or_else(|| "failed ".into()),
        oauth_detail(.error.as_deref(), .description),
        oauth_hint(.error.as_deref())
    )]
    OAuthToken {
        /// The token endpoint (path).
        endpoint: String,
        /// The HTTP status, when the endpoint answered.
        status: Option<u16>,
        /// OAuth's `error`, e.g. `invalid_client`.
        error: Option<String>,
        /// OAuth's `error_description`, or what went wrong on the way.
        description: String,
    },
    /// The HTTP client could not be set up.
    #[error("could not set up the HTTP client: {0}")]
    HttpClient(String),
    /// Writing the snapshot failed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// `: <error> (<description>)` of a token-endpoint failure.
fn oauth_detail(error: Option<&str>, description: &str) -> String {
    match (error, description.is_empty()) {
        (Some(e), true) => format!(": {e}"),
        (Some(e), false) => format!(": {e} ({description})"),
        (None, true) => String::new(),
        (None, false) => format!(": {description}"),
    }
}

/// What to check after a token-endpoint failure.
fn oauth_hint(error: Option<&str>) -> &'static str {
    match error {
        Some("invalid_client") => {
            "check OKTA_OAUTH2_CLIENT_ID, OKTA_OAUTH2_KEY_ID and that the private key's public \
             key is registered with the app (private_key_jwt)"
        }
        Some("invalid_scope") => {
            "request only scopes granted to the app (OKTA_OAUTH2_SCOPES; grant them in the \
             app's Okta API Scopes tab)"
        }
        Some("unauthorized_client") => {
            "the app must be an API Services app allowed the client_credentials grant"
        }
        _ => "check the org URL and the OAuth 2.0 app's settings",
    }
}

/// One endpoint could not be read (after retries where retrying makes sense).
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum RequestError {
    /// Okta answered with an error status.
    #[error(
        "GET {endpoint}: HTTP {status}{}{}",
        .error_code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(),
        .summary.as_deref().map(|s| format!(" ({s})")).unwrap_or_default()
    )]
    Http {
        endpoint: String,
        status: u16,
        error_code: Option<String>,
        summary: Option<String>,
    },
    /// No usable answer: connection failure, timeout, cut body.
    #[error("GET {endpoint}: {message} (after {attempts} attempts)")]
    Transport {
        endpoint: String,
        message: String,
        attempts: u32,
    },
    /// The body is not JSON of the expected shape.
    #[error("invalid JSON from {endpoint}: {message}")]
    InvalidJson { endpoint: String, message: String },
    /// A `next` link repeats one already fetched.
    #[error("pagination loop at {url}")]
    PaginationLoop { url: String },
    /// A `next` link that cannot be followed (another origin, not a URL).
    #[error("GET {endpoint}: refusing next link {url}: {reason}")]
    BadNext {
        endpoint: String,
        url: String,
        reason: String,
    },
    /// More pages than any real list has.
    #[error("GET {endpoint}: stopped after {pages} pages")]
    TooManyPages { endpoint: String, pages: u64 },
    /// The collection needs OAuth scopes the app was not granted; not attempted.
    #[error(
        "GET {endpoint}: not attempted: {}",
        super::oauth::missing_scope_message(.missing, .granted)
    )]
    MissingScope {
        endpoint: String,
        missing: Vec<String>,
        granted: Vec<String>,
    },
    /// No OAuth access token could be had for the request.
    #[error("GET {endpoint}: no OAuth 2.0 access token: {message}")]
    NoToken { endpoint: String, message: String },
    /// The credential was rejected earlier in the run; not attempted.
    #[error("GET {endpoint}: not attempted, the credential was rejected")]
    Aborted { endpoint: String },
}

impl RequestError {
    /// Okta refused access (403: missing admin role or scope).
    pub(crate) fn is_forbidden(&self) -> bool {
        matches!(
            self,
            Self::Http { status: 403, .. } | Self::MissingScope { .. }
        )
    }

    /// The resource does not exist (404).
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(self, Self::Http { status: 404, .. })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn http_error_names_endpoint_status_and_code() {
        let e = RequestError::Http {
            endpoint: "/api/v1/zones".into(),
            status: 403,
            error_code: Some("E0000006".into()),
            summary: Some("You do not have permission".into()),
        };
        assert_eq!(
            e.to_string(),
            "GET /api/v1/zones: HTTP 403 E0000006 (You do not have permission)"
        );
        assert!(e.is_forbidden());
    }

    #[test]
    fn unauthorized_says_what_to_do() {
        let e = CollectError::Unauthorized {
            endpoint: "/api/v1/api-tokens".into(),
            status: 401,
            error_code: Some("E0000011".into()),
            summary: Some("Invalid token provided".into()),
        };
        let s = e.to_string();
        assert!(
            s.contains("HTTP 401 E0000011 on GET /api/v1/api-tokens: Invalid token"),
            "{s}"
        );
        assert!(s.contains("check the API token"), "{s}");
    }
}
