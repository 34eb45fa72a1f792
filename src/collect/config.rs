//! What the caller hands the collector: the org, the credential and the limits.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use url::{Host, Url};

use super::error::CollectError;
use super::oauth::OAuth2Credentials;

/// Default cap on in-flight requests (`OKTA_CONCURRENT_LIMIT`).
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Default number of retries after a 429, a 5xx, a transport error or a truncated body.
pub const DEFAULT_MAX_RETRIES: u32 = 4;
/// Default timeout of one request, body included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default System Log window in days (also Okta's retention, the most it can be).
pub const DEFAULT_LOG_WINDOW_DAYS: u32 = 90;

/// An Okta API token (`SSWS`). Its `Debug` prints `ApiToken(***)`; the value is only ever read to
/// build the `Authorization` header.
#[derive(Clone)]
pub struct ApiToken(SecretString);

impl ApiToken {
    /// Wraps a token value.
    pub fn new(token: String) -> Self {
        Self(SecretString::from(token))
    }

    /// The `Authorization` header value (`SSWS <token>`).
    pub(crate) fn header_value(&self) -> SecretString {
        SecretString::from(format!("SSWS {}", self.0.expose_secret()))
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

/// How the collector authenticates.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// `Authorization: SSWS <token>`.
    ApiToken(ApiToken),
    /// OAuth 2.0 client credentials with a `private_key_jwt` assertion; DPoP when the app
    /// requires it (`Authorization: DPoP <token>` + a proof per request), else `Bearer`.
    OAuth2(OAuth2Credentials),
}

impl Credentials {
    /// The `auth_method` recorded in the manifest.
    pub fn auth_method(&self) -> &'static str {
        match self {
            Self::ApiToken(_) => "api_token",
            Self::OAuth2(_) => "oauth2",
        }
    }
}

/// Everything [`collect`](super::collect) needs to read one org.
#[derive(Debug, Clone)]
pub struct CollectConfig {
    /// The org's base URL, e.g. `https://acme.okta.com`; `http://` only for loopback hosts.
    pub org_url: Url,
    /// The credential.
    pub credentials: Credentials,
    /// Maximum number of requests in flight at once (at least 1).
    pub concurrency: usize,
    /// Retries after a 429, a 5xx, a transport error, a timeout or a truncated body.
    pub max_retries: u32,
    /// Timeout of one request, body included.
    pub request_timeout: Duration,
    /// Progress bars per collection when stderr is a terminal (plain log lines otherwise).
    pub progress: bool,
    /// Pace requests per rate-limit bucket from the `X-Rate-Limit-*` headers (default). When
    /// off, requests go as fast as the concurrency cap allows and only a 429 waits.
    pub pace_requests: bool,
    /// Days of System Log read, ending at `log_until` (1 to 90, Okta's retention).
    pub log_window_days: u32,
    /// End of the System Log window; `None` = when the collection starts. Tests and the demo set
    /// it to the fixture's `as_of`, the mock's "now" for data.
    pub log_until: Option<DateTime<Utc>>,
}

impl CollectConfig {
    /// A configuration with the default limits and progress bars on.
    pub fn new(org_url: Url, credentials: Credentials) -> Self {
        Self {
            org_url,
            credentials,
            concurrency: DEFAULT_CONCURRENCY,
            max_retries: DEFAULT_MAX_RETRIES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            progress: true,
            pace_requests: true,
            log_window_days: DEFAULT_LOG_WINDOW_DAYS,
            log_until: None,
        }
    }
}

/// Checks the org URL and returns its origin (scheme, host, port; no path), the base of every
/// request. Plain `http://` is refused unless the host is a loopback address.
pub(crate) fn org_origin(url: &Url) -> Result<Url, CollectError> {
    let shown = url.origin().ascii_serialization();
    let invalid = |reason: &str| CollectError::InvalidUrl {
        url: shown.clone(),
        reason: reason.to_string(),
    };
    match url.scheme() {
        "https" => {}
        "http" => {
            if !url.host().is_some_and(|h| is_loopback(&h)) {
                return Err(CollectError::InsecureUrl { url: shown });
            }
        }
        _ => return Err(invalid("the scheme must be https")),
    }
    if url.host().is_none() {
        return Err(invalid("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials in the URL are not allowed"));
    }
    Url::parse(&shown).map_err(|e| invalid(&e.to_string()))
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => {
            let d = d.trim_end_matches('.');
            d.eq_ignore_ascii_case("localhost")
                || d.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn origin(s: &str) -> Result<Url, CollectError> {
        org_origin(&Url::parse(s).unwrap())
    }

    #[test]
    fn https_is_accepted_and_reduced_to_its_origin() {
        let u = origin("https://acme.okta.com/some/path?x=1").unwrap();
        assert_eq!(u.as_str(), "https://acme.okta.com/");
    }

    #[test]
    fn plain_http_is_accepted_only_for_loopback_hosts() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:9000",
            "http://localhost:3000",
            "http://LOCALHOST",
        ] {
            assert!(origin(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://acme.okta.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "http://[::2]",
        ] {
            assert!(
                matches!(origin(bad), Err(CollectError::InsecureUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn other_schemes_and_userinfo_are_refused() {
        assert!(matches!(
            origin("ftp://acme.okta.com"),
            Err(CollectError::InvalidUrl { .. })
        ));
        assert!(matches!(
            origin("https://u:p@acme.okta.com"),
            Err(CollectError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn api_token_debug_hides_the_value() {
        let t = ApiToken::new("00abcSECRETxyz".into());
        assert_eq!(format!("{t:?}"), "ApiToken(***)");
        let c = CollectConfig::new(
            Url::parse("https://acme.okta.com").unwrap(),
            Credentials::ApiToken(t),
        );
        assert!(!format!("{c:?}").contains("SECRET"));
    }
}
