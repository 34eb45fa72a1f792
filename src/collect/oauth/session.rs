//! The OAuth 2.0 session of one run: access tokens from the org authorization server
//! (`client_credentials` + `private_key_jwt`, okta-api.md §8), the DPoP dance when the app
//! requires it, and a cached token renewed before it expires — one refresh at a time, however
//! many requests are waiting.
//!
//! The dance, as Okta and the Go SDK do it: POST without a proof; `400 invalid_dpop_proof` → POST
//! with a proof; `400 use_dpop_nonce` + `DPoP-Nonce` → POST with a proof carrying the nonce (a
//! fresh `jti` and a new client assertion every time). Once the app is known to need DPoP, later
//! renewals send the proof (and the last nonce) straight away.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use super::OAuth2Credentials;
use crate::collect::backoff::{after_429, retry_delay};
use crate::collect::dpop::{DpopKey, ath};

/// The org authorization server's token endpoint (only it mints `okta.*` scopes).
pub(crate) const TOKEN_PATH: &str = "/oauth2/v1/token";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// POSTs a token request may take for the protocol (no proof, no nonce, nonce, new nonce).
const PROTOCOL_STEPS: u32 = 4;
/// Renew this long before expiry at most (10% of the lifetime for short-lived tokens).
const MAX_RENEW_MARGIN: Duration = Duration::from_secs(300);
/// Okta's fixed access-token lifetime, when a response does not say.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// The `DPoP` request header and the `DPoP-Nonce` response header.
pub(crate) const DPOP: HeaderName = HeaderName::from_static("dpop");
pub(crate) const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");

/// An issued access token. `Debug` shows no value.
pub(crate) struct AccessToken {
    value: SecretString,
    /// Bound to the DPoP key (`token_type: DPoP`), else a Bearer token.
    dpop: bool,
    /// Renew once this instant has passed.
    renew_at: Instant,
    /// `ath` for proofs: base64url(SHA-256(token)).
    ath: String,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("dpop", &self.dpop)
            .field("value", &"***")
            .finish()
    }
}

/// Why the token endpoint issued no token. Never holds the assertion, a proof or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenFailure {
    /// An OAuth error answer (`{"error", "error_description"}`) or another error status.
    Refused {
        status: u16,
        error: Option<String>,
        description: Option<String>,
    },
    /// No answer: connection failure, timeout.
    Transport { message: String, attempts: u32 },
    /// A 200 that is not a usable token response.
    BadResponse(String),
    /// The assertion or the DPoP proof could not be signed.
    Signing(String),
}

impl std::fmt::Display for TokenFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused {
                status,
                error,
                description,
            } => {
                write!(f, "HTTP {status}")?;
                if let Some(e) = error {
                    write!(f, " {e}")?;
                }
                if let Some(d) = description {
                    write!(f, " ({d})")?;
                }
                Ok(())
            }
            Self::Transport { message, attempts } => {
                write!(f, "{message} (after {attempts} attempts)")
            }
            Self::BadResponse(m) => write!(f, "invalid token response: {m}"),
            Self::Signing(m) => write!(f, "could not sign the {m}"),
        }
    }
}

/// How one POST to the token endpoint ended.
enum Step {
    Issued(AccessToken, Vec<String>),
    /// `400 invalid_dpop_proof` to a request without a proof: the app requires DPoP.
    NeedsProof(TokenFailure),
    /// `400 use_dpop_nonce` with a `DPoP-Nonce`.
    NeedsNonce(String, TokenFailure),
    /// Worth retrying after `wait` (429, 5xx, transport).
    Retry(Duration, TokenFailure),
    Failed(TokenFailure),
}

/// Tokens for one org and one app, shared by every request of the run.
pub(crate) struct OAuthSession {
    http: reqwest::Client,
    token_url: Url,
    credentials: OAuth2Credentials,
    dpop: DpopKey,
    max_retries: u32,
    /// Learned from the server: the app requires DPoP.
    dpop_required: AtomicBool,
    /// The token endpoint's last `DPoP-Nonce`.
    token_nonce: Mutex<Option<String>>,
    /// The resource server's last `DPoP-Nonce` (Okta does not ask for one today).
    resource_nonce: Mutex<Option<String>>,
    current: RwLock<Option<Arc<AccessToken>>>,
    /// The scopes of the latest token response.
    granted: RwLock<Vec<String>>,
    refresh: tokio::sync::Mutex<()>,
    /// The last refresh that failed, and when: requests that waited for it share its failure
    /// instead of each asking again.
    failed: Mutex<Option<(Instant, TokenFailure)>>,
}

impl std::fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthSession")
            .field("token_url", &self.token_url.as_str())
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl OAuthSession {
    /// A session against `origin`'s token endpoint; makes no request yet.
    pub(crate) fn new(
        credentials: &OAuth2Credentials,
        http: reqwest::Client,
        origin: &Url,
        max_retries: u32,
    ) -> Result<OAuthSession, String> {
        let mut token_url = origin.clone();
        token_url.set_path(TOKEN_PATH);
        Ok(OAuthSession {
            http,
            token_url,
            credentials: credentials.clone(),
            dpop: DpopKey::generate()?,
            max_retries,
            dpop_required: AtomicBool::new(false),
            token_nonce: Mutex::new(None),
            resource_nonce: Mutex::new(None),
            current: RwLock::new(None),
            granted: RwLock::new(Vec::new()),
            refresh: tokio::sync::Mutex::new(()),
            failed: Mutex::new(None),
        })
    }

    /// The token endpoint's path, for errors.
    pub(crate) fn token_endpoint(&self) -> &str {
        self.token_url.path()
    }

    /// The client id.
    pub(crate) fn client_id(&self) -> &str {
        &self.credentials.client_id
    }

    /// The scopes granted by the latest token response.
    pub(crate) fn granted(&self) -> Vec<String> {
        self.granted
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn cached(&self) -> Option<Arc<AccessToken>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|t| Instant::now() < t.renew_at)
            .cloned()
    }

    /// A valid token: the cached one, or a new one (one refresh at a time; waiters reuse its
    /// token, or its failure).
    pub(crate) async fn token(&self) -> Result<Arc<AccessToken>, TokenFailure> {
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        let asked = Instant::now();
        let _refreshing = self.refresh.lock().await;
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        {
            let failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, failure)) = failed.as_ref()
                && *at >= asked
            {
                return Err(failure.clone());
            }
        }
        let (token, scopes) = match self.fetch().await {
            Ok(issued) => issued,
            Err(failure) => {
                *self.failed.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some((Instant::now(), failure.clone()));
                return Err(failure);
            }
        };
        let token = Arc::new(token);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&token));
        *self.granted.write().unwrap_or_else(PoisonError::into_inner) = scopes;
        Ok(token)
    }

    /// Drops `used` from the cache (Okta no longer accepts it), unless it was already replaced.
    pub(crate) fn invalidate(&self, used: &Arc<AccessToken>) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, used)) {
            *current = None;
        }
    }

    /// Remembers the resource server's `DPoP-Nonce` for the next proofs.
    pub(crate) fn set_resource_nonce(&self, nonce: String) {
        *self
            .resource_nonce
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(nonce);
    }

    /// `Authorization` (and, for a DPoP-bound token, a fresh `DPoP` proof) for `method url`.
    pub(crate) fn headers(
        &self,
        token: &AccessToken,
        method: &str,
        url: &Url,
    ) -> Result<HeaderMap, TokenFailure> {
        let scheme = if token.dpop { "DPoP" } else { "Bearer" };
        let mut headers = HeaderMap::new();
        let mut authorization =
            HeaderValue::from_str(&format!("{scheme} {}", token.value.expose_secret()))
                .map_err(|_| TokenFailure::BadResponse("unusable access_token".into()))?;
        authorization.set_sensitive(true);
        headers.insert(AUTHORIZATION, authorization);
        if token.dpop {
            let nonce = self
                .resource_nonce
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let proof = self
                .dpop
                .proof(method, url, Some(&token.ath), nonce.as_deref())
                .map_err(|e| TokenFailure::Signing(format!("DPoP proof: {e}")))?;
            let mut value = HeaderValue::from_str(&proof)
                .map_err(|_| TokenFailure::Signing("DPoP proof".into()))?;
            value.set_sensitive(true);
            headers.insert(DPOP, value);
        }
        Ok(headers)
    }

    /// Runs the token request to the end: protocol steps, then retries of 429 / 5xx / transport.
    async fn fetch(&self) -> Result<(AccessToken, Vec<String>), TokenFailure> {
        let (mut steps, mut retries) = (0, 0);
        loop {
            let with_proof = self.dpop_required.load(Ordering::Acquire);
            let nonce = self
                .token_nonce
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            match self.post(with_proof, nonce.as_deref(), retries).await {
                Step::Issued(token, scopes) => {
                    tracing::info!(
                        client_id = %self.credentials.client_id,
                        token_type = if token.dpop { "DPoP" } else { "Bearer" },
                        scopes = %scopes.join(" "),
                        "OAuth 2.0 access token issued"
                    );
                    return Ok((token, scopes));
                }
                Step::NeedsProof(failure) => {
                    if with_proof || steps >= PROTOCOL_STEPS {
                        return Err(failure);
                    }
                    tracing::debug!(
                        "the app requires DPoP: retrying the token request with a proof"
                    );
                    self.dpop_required.store(true, Ordering::Release);
                    steps += 1;
                }
                Step::NeedsNonce(new, failure) => {
                    // A nonce we already sent that is refused again would loop.
                    if steps >= PROTOCOL_STEPS || (with_proof && nonce.as_deref() == Some(&new)) {
                        return Err(failure);
                    }
                    tracing::debug!("token endpoint asked for a DPoP nonce");
                    self.dpop_required.store(true, Ordering::Release);
                    *self
                        .token_nonce
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = Some(new);
                    steps += 1;
                }
                Step::Retry(wait, failure) => {
                    if retries >= self.max_retries {
                        return Err(failure);
                    }
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "token request: {failure}; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
                Step::Failed(failure) => return Err(failure),
            }
        }
    }

    /// One POST to the token endpoint, with a new client assertion (and proof) every time.
    async fn post(&self, with_proof: bool, nonce: Option<&str>, attempt: u32) -> Step {
        let creds = &self.credentials;
        let assertion = match creds
            .key
            .assertion(&creds.client_id, self.token_url.as_str())
        {
            Ok(a) => a,
            Err(e) => return Step::Failed(TokenFailure::Signing(format!("client assertion: {e}"))),
        };
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", &creds.scopes.join(" "))
            .append_pair("client_assertion_type", ASSERTION_TYPE)
            .append_pair("client_assertion", &assertion)
            .finish();
        let mut request = self
            .http
            .post(self.token_url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        if with_proof {
            match self.dpop.proof("POST", &self.token_url, None, nonce) {
                Ok(proof) => request = request.header(DPOP, proof),
                Err(e) => return Step::Failed(TokenFailure::Signing(format!("DPoP proof: {e}"))),
            }
        }
        let started = Instant::now();
        let transport = |message: String| {
            Step::Retry(
                retry_delay(attempt),
                TokenFailure::Transport {
                    message,
                    attempts: attempt + 1,
                },
            )
        };
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return transport(e.without_url().to_string()),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return transport(format!("response body cut short: {}", e.without_url())),
        };
        let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
        if status.is_success() {
            return match parsed {
                Some(body) => self.issued(&body, with_proof, started),
                None => Step::Retry(
                    retry_delay(attempt),
                    TokenFailure::BadResponse("the body is not JSON".into()),
                ),
            };
        }
        let text = |name: &str| {
            parsed
                .as_ref()
                .and_then(|b| b.get(name)?.as_str())
                .map(|s| s.chars().take(300).collect::<String>())
        };
        let failure = TokenFailure::Refused {
            status: status.as_u16(),
            error: text("error").or_else(|| text("errorCode")),
            description: text("error_description").or_else(|| text("errorSummary")),
        };
        let error = text("error");
        let nonce_header = headers
            .get(DPOP_NONCE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        match (status, error.as_deref(), nonce_header) {
            (StatusCode::TOO_MANY_REQUESTS, ..) => {
                Step::Retry(after_429(&headers, attempt), failure)
            }
            (s, ..) if s.is_server_error() => Step::Retry(retry_delay(attempt), failure),
            (StatusCode::BAD_REQUEST, Some("use_dpop_nonce"), Some(n)) => {
                Step::NeedsNonce(n, failure)
            }
            (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof"), _) if !with_proof => {
                Step::NeedsProof(failure)
            }
            _ => Step::Failed(failure),
        }
    }

    /// A 200 token response turned into a token and its granted scopes.
    fn issued(&self, body: &Value, with_proof: bool, started: Instant) -> Step {
        let bad = |m: &str| Step::Failed(TokenFailure::BadResponse(m.to_string()));
        let Some(value) = body.get("access_token").and_then(Value::as_str) else {
            return bad("no access_token");
        };
        if value.is_empty() || HeaderValue::from_str(&format!("DPoP {value}")).is_err() {
            return bad("the access_token is empty or not usable in a header");
        }
        let dpop = match body.get("token_type").and_then(Value::as_str) {
            Some(t) if t.eq_ignore_ascii_case("DPoP") => true,
            Some(t) if t.eq_ignore_ascii_case("Bearer") => false,
            _ => return bad("token_type is neither DPoP nor Bearer"),
        };
        if dpop && !with_proof {
            return bad("a DPoP-bound token was issued without a DPoP proof");
        }
        let lifetime = body
            .get("expires_in")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_LIFETIME, Duration::from_secs);
        let margin = (lifetime / 10).min(MAX_RENEW_MARGIN);
        let scopes = match body.get("scope").and_then(Value::as_str) {
            Some(s) => s.split_whitespace().map(str::to_string).collect(),
            // Okta always says; without it, assume what was asked for.
            None => self.credentials.scopes.clone(),
        };
        Step::Issued(
            AccessToken {
                ath: ath(value),
                value: SecretString::from(value.to_string()),
                dpop,
                renew_at: started + lifetime.saturating_sub(margin),
            },
            scopes,
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_status_error_and_description() {
        let f = TokenFailure::Refused {
            status: 401,
            error: Some("invalid_client".into()),
            description: Some("The client_assertion signature is invalid.".into()),
        };
        assert_eq!(
            f.to_string(),
            "HTTP 401 invalid_client (The client_assertion signature is invalid.)"
        );
    }

    #[test]
    fn access_token_debug_hides_the_value() {
        let t = AccessToken {
            value: SecretString::from("eyJsecret".to_string()),
            dpop: true,
            renew_at: Instant::now(),
            ath: String::new(),
        };
        assert!(!format!("{t:?}").contains("eyJ"));
    }
}
