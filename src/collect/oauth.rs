//! How requests are authorized: an API token (`SSWS`), or OAuth 2.0 client credentials with a
//! `private_key_jwt` assertion and DPoP done automatically (okta-api.md §8).
//!
//! [`Authorizer`] is what the HTTP client holds. For OAuth it gets the first token before any
//! collection starts (a refused client aborts the run like a rejected API token), presents the
//! token — with a fresh DPoP proof — on every request, recovers once per request from an
//! expired token or a resource `use_dpop_nonce`, and refuses locally the requests of a collection
//! whose scopes were not granted ([`scopes`]), so that the collection is `forbidden` with the
//! missing scope named instead of being asked of Okta.

mod der;
mod jwk;
mod key;
mod scopes;
mod session;

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use secrecy::ExposeSecret;
use url::Url;

pub use key::{ClientKey, KeyError};
pub use scopes::{default_scopes, parse_scopes};

use super::config::Credentials;
use super::error::{CollectError, RequestError};
use super::outcome::Collected;
use crate::snapshot::CollectionStatus;
use session::{AccessToken, DPOP_NONCE, OAuthSession, TokenFailure};

/// An OAuth 2.0 service app that authenticates with a private key (`private_key_jwt`).
/// `Debug` shows the client id, key id, algorithm and scopes, never the key.
#[derive(Debug, Clone)]
pub struct OAuth2Credentials {
    client_id: String,
    key: ClientKey,
    scopes: Vec<String>,
}

impl OAuth2Credentials {
    /// The app `client_id`, its signing key and the scopes to request (empty: [`default_scopes`]).
    pub fn new(client_id: impl Into<String>, key: ClientKey, scopes: Vec<String>) -> Self {
        let scopes = if scopes.is_empty() {
            default_scopes()
        } else {
            scopes
        };
        Self {
            client_id: client_id.into(),
            key,
            scopes,
        }
    }

    /// The app's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The scopes requested.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

/// The recoveries one request has used: each at most once.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Recovered {
    nonce: bool,
    token: bool,
}

/// What the client presents on a request, and the token it used (for recovery).
pub(crate) struct Presented {
    pub(crate) headers: HeaderMap,
    token: Option<Arc<AccessToken>>,
}

/// The credential as the HTTP client uses it.
#[derive(Debug)]
pub(crate) enum Authorizer {
    /// `Authorization: SSWS <token>`.
    ApiToken(HeaderValue),
    /// OAuth 2.0 access tokens, DPoP-bound or Bearer.
    OAuth(Box<OAuthSession>),
}

impl Authorizer {
    /// The authorizer of `credentials`; `http` is the client's (no redirects, timeouts).
    pub(crate) fn new(
        credentials: &Credentials,
        http: &reqwest::Client,
        origin: &Url,
        max_retries: u32,
    ) -> Result<Authorizer, CollectError> {
        match credentials {
            Credentials::ApiToken(token) => {
                let mut v =
                    HeaderValue::from_str(token.header_value().expose_secret()).map_err(|_| {
                        CollectError::InvalidConfig(
                            "the API token contains characters not allowed in an HTTP header"
                                .into(),
                        )
                    })?;
                v.set_sensitive(true);
                Ok(Authorizer::ApiToken(v))
            }
            Credentials::OAuth2(oauth) => {
                OAuthSession::new(oauth, http.clone(), origin, max_retries)
                    .map(|s| Authorizer::OAuth(Box::new(s)))
                    .map_err(CollectError::InvalidConfig)
            }
        }
    }

    /// Gets the first access token (OAuth); nothing for an API token. A refusal here means the
    /// credential cannot read the org at all.
    pub(crate) async fn start(&self) -> Result<(), CollectError> {
        let Authorizer::OAuth(session) = self else {
            return Ok(());
        };
        session.token().await.map(|_| ()).map_err(|failure| {
            let (status, error, description) = match failure {
                TokenFailure::Refused {
                    status,
                    error,
                    description,
                } => (Some(status), error, description.unwrap_or_default()),
                other => (None, None, other.to_string()),
            };
            CollectError::OAuthToken {
                endpoint: session.token_endpoint().to_string(),
                status,
                error,
                description,
            }
        })
    }

    /// The headers that authorize `method url`: a cached or new token and a fresh proof.
    pub(crate) async fn present(&self, method: &str, url: &Url) -> Result<Presented, RequestError> {
        match self {
            Authorizer::ApiToken(value) => {
                let mut headers = HeaderMap::new();
                headers.insert(AUTHORIZATION, value.clone());
                Ok(Presented {
                    headers,
                    token: None,
                })
            }
            Authorizer::OAuth(session) => {
                let no_token = |f: TokenFailure| RequestError::NoToken {
                    endpoint: url.path().to_string(),
                    message: format!("POST {}: {f}", session.token_endpoint()),
                };
                let token = session.token().await.map_err(no_token)?;
                let headers = session.headers(&token, method, url).map_err(no_token)?;
                Ok(Presented {
                    headers,
                    token: Some(token),
                })
            }
        }
    }

    /// After an error answer to `presented`: whether presenting again may succeed — a resource
    /// `use_dpop_nonce` (the nonce is kept for later proofs) or a 401 for a token Okta no longer
    /// accepts (expired, revoked: it is dropped and the next request gets a new one). Each at
    /// most once per request (`used`).
    pub(crate) fn recover(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        presented: &Presented,
        used: &mut Recovered,
    ) -> bool {
        let (Authorizer::OAuth(session), Some(token)) = (self, &presented.token) else {
            return false;
        };
        if status != StatusCode::UNAUTHORIZED && status != StatusCode::BAD_REQUEST {
            return false;
        }
        let asked_nonce = challenge_error(headers).as_deref() == Some("use_dpop_nonce")
            || serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .is_some_and(|b| b["error"] == "use_dpop_nonce");
        if let (true, false, Some(nonce)) = (
            asked_nonce,
            used.nonce,
            headers.get(DPOP_NONCE).and_then(|v| v.to_str().ok()),
        ) {
            tracing::debug!("the API asked for a DPoP nonce; retrying with it");
            session.set_resource_nonce(nonce.to_string());
            used.nonce = true;
            return true;
        }
        if status == StatusCode::UNAUTHORIZED && !asked_nonce && !used.token {
            tracing::info!("the access token was refused (expired or revoked); getting a new one");
            session.invalidate(token);
            used.token = true;
            return true;
        }
        false
    }

    /// A request made for `collection` that must not be sent: the collection needs a scope
    /// that was not granted.
    pub(crate) fn refuse(&self, collection: &str, endpoint: &str) -> Option<RequestError> {
        let Authorizer::OAuth(session) = self else {
            return None;
        };
        let granted = session.granted();
        let missing = scopes::missing(collection, &granted);
        (!missing.is_empty()).then(|| RequestError::MissingScope {
            endpoint: endpoint.to_string(),
            missing: missing.iter().map(|s| (*s).to_string()).collect(),
            granted,
        })
    }

    /// A collection that needs a scope that was not granted is `forbidden`, even one that made
    /// no request at all (e.g. `users` when nobody needed looking up).
    pub(crate) fn enforce_scopes(&self, collection: &mut Collected) {
        let Authorizer::OAuth(session) = self else {
            return;
        };
        let granted = session.granted();
        let missing = scopes::missing(collection.name, &granted);
        if missing.is_empty() || collection.status == CollectionStatus::Forbidden {
            return;
        }
        let reason = missing_scope_message(&missing, &granted);
        collection.error = Some(match collection.error.take() {
            Some(e) if e.contains(&reason) => e,
            Some(e) => format!("{reason}; {e}"),
            None => reason,
        });
        collection.status = CollectionStatus::Forbidden;
    }

    /// The OAuth client id (`None` for an API token).
    pub(crate) fn client_id(&self) -> Option<&str> {
        match self {
            Authorizer::OAuth(session) => Some(session.client_id()),
            Authorizer::ApiToken(_) => None,
        }
    }

    /// The scopes the token endpoint granted (`None` for an API token).
    pub(crate) fn granted_scopes(&self) -> Option<Vec<String>> {
        match self {
            Authorizer::OAuth(session) => Some(session.granted()),
            Authorizer::ApiToken(_) => None,
        }
    }
}

/// "missing OAuth scope okta.logs.read (granted: okta.users.read …)".
pub(crate) fn missing_scope_message(missing: &[impl AsRef<str>], granted: &[String]) -> String {
    let plural = if missing.len() == 1 { "" } else { "s" };
    let missing: Vec<&str> = missing.iter().map(AsRef::as_ref).collect();
    let granted = if granted.is_empty() {
        "none".to_string()
    } else {
        granted.join(" ")
    };
    format!(
        "missing OAuth scope{plural} {} (granted: {granted})",
        missing.join(" ")
    )
}

/// The `error` parameter of a `WWW-Authenticate` challenge (`Bearer error="insufficient_scope"`,
/// `DPoP error="use_dpop_nonce"`).
pub(crate) fn challenge_error(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| challenge_param(v, "error"))
}

/// The value of `name` in a challenge's `k=v` / `k="v"` parameters.
fn challenge_param(challenge: &str, name: &str) -> Option<String> {
    let mut rest = challenge.trim();
    // Skip the scheme.
    rest = rest.split_once(' ').map_or("", |(_, r)| r);
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let key = key.trim().trim_start_matches(',').trim();
        let after = after.trim_start();
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            }
            None => after.split_once(',').unwrap_or((after, "")),
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(value.trim().to_string());
        }
        rest = next.trim_start().trim_start_matches(',');
    }
    None
}

/// An error answer with its `WWW-Authenticate` error: Okta's body has the E-code, the challenge
/// says why (`insufficient_scope`, `invalid_token`, `invalid_dpop_proof`).
pub(crate) fn with_challenge(error: RequestError, headers: &HeaderMap) -> RequestError {
    let Some(challenge) = challenge_error(headers) else {
        return error;
    };
    match error {
        RequestError::Http {
            endpoint,
            status,
            error_code,
            summary,
        } if error_code.as_deref() != Some(challenge.as_str()) => RequestError::Http {
            endpoint,
            status,
            summary: Some(match summary {
                Some(s) => format!("{s}; {challenge}"),
                None => challenge.clone(),
            }),
            error_code: error_code.or(Some(challenge)),
        },
        other => other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parameters_are_read_quoted_or_not() {
        let c = r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce, in DPoP proof""#;
        assert_eq!(
            challenge_param(c, "error").as_deref(),
            Some("use_dpop_nonce")
        );
        assert_eq!(
            challenge_param(c, "error_description").as_deref(),
            Some("Resource server requires nonce, in DPoP proof")
        );
        let c = r#"Bearer realm="okta", error=insufficient_scope, scope="okta.logs.read""#;
        assert_eq!(
            challenge_param(c, "error").as_deref(),
            Some("insufficient_scope")
        );
        assert_eq!(challenge_param("Bearer", "error"), None);
    }

    #[test]
    fn a_403_with_a_challenge_names_it() {
        let mut headers = HeaderMap::new();
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Bearer error="insufficient_scope""#),
        );
        let e = with_challenge(
            RequestError::Http {
                endpoint: "/api/v1/logs".into(),
                status: 403,
                error_code: Some("E0000006".into()),
                summary: Some("You do not have permission".into()),
            },
            &headers,
        );
        assert!(e.is_forbidden());
        assert_eq!(
            e.to_string(),
            "GET /api/v1/logs: HTTP 403 E0000006 (You do not have permission; insufficient_scope)"
        );
    }

    #[test]
    fn missing_scope_messages_list_what_was_granted() {
        let granted = vec!["okta.users.read".to_string(), "okta.apps.read".to_string()];
        assert_eq!(
            missing_scope_message(&["okta.logs.read"], &granted),
            "missing OAuth scope okta.logs.read (granted: okta.users.read okta.apps.read)"
        );
        assert_eq!(
            missing_scope_message(&["a", "b"], &[]),
            "missing OAuth scopes a b (granted: none)"
        );
    }

    #[test]
    fn credentials_default_to_the_collector_scopes_and_hide_the_key() {
        let pem = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys/basic-es256.pem"),
        )
        .unwrap();
        let key = ClientKey::parse(&pem, "f", Some("k")).unwrap();
        let creds = OAuth2Credentials::new("0oa1", key, Vec::new());
        assert_eq!(creds.scopes(), default_scopes().as_slice());
        let debug = format!("{creds:?}");
        assert!(debug.contains("0oa1") && !debug.contains("MIG"), "{debug}");
    }
}
