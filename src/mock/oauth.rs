//! The mock's org authorization server and its OAuth side of the API, verifying what Okta
//! verifies (okta-api.md §8):
//!
//! - `POST /oauth2/v1/token` ([`token`]): `client_credentials` with a `private_key_jwt`
//!   assertion — signature against the app's registered key by `kid`, `iss` = `sub` = client id,
//!   `aud` = the token endpoint, `exp` in the future and at most 1 h ahead, `jti` never replayed —
//!   requested scopes ⊆ granted, and for apps with `"dpop": true` the dance: no proof →
//!   `400 invalid_dpop_proof`, a proof without the nonce → `400 use_dpop_nonce` + `DPoP-Nonce`, a
//!   valid proof with the nonce → a token bound to the proof key's thumbprint (`cnf.jkt`).
//! - API requests with `Authorization: Bearer|DPoP <token>` ([`resource`]): a known, unexpired
//!   token; for a DPoP-bound one a fresh proof for this method and URL (without query), with
//!   `ath`, signed by the bound key; then the endpoint's scope ([`scopes`], 403 E0000006 with
//!   `WWW-Authenticate: Bearer error="insufficient_scope"`).
//!
//! Access tokens are opaque random strings remembered with their scopes, expiry and `jkt`. Time
//! is the real clock: clients sign with it. The `expire-tokens` fault expires every token issued
//! so far; the `dpop-nonce` fault makes the API demand a nonce in proofs from then on.

mod clients;
mod jwt;
mod resource;
mod scopes;
mod token;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::json;

pub(crate) use clients::{OAuthClient, parse_clients};

use crate::mock::Org;
use crate::mock::reply::{Reply, random_id};

/// The org authorization server's token endpoint.
pub(crate) const TOKEN_PATH: &str = "/oauth2/v1/token";

/// Seconds since the Unix epoch, now.
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A reply with the headers OAuth needs besides Okta's usual ones.
#[derive(Debug)]
pub(crate) struct OAuthReply {
    pub(crate) reply: Box<Reply>,
    /// (lower-case name, value): `www-authenticate`, `dpop-nonce`, `cache-control`, `pragma`.
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl OAuthReply {
    pub(crate) fn plain(reply: Reply) -> OAuthReply {
        OAuthReply {
            reply: Box::new(reply),
            headers: Vec::new(),
        }
    }

    /// An OAuth error: `{"error", "error_description"}`.
    fn oauth(status: StatusCode, error: &str, description: &str) -> OAuthReply {
        OAuthReply::plain(
            Reply::ok(json!({"error": error, "error_description": description}))
                .with_status(status),
        )
    }

    fn challenge(&mut self, scheme: &str, error: &str, description: &str) {
        self.headers.push((
            "www-authenticate",
            format!("{scheme} error=\"{error}\", error_description=\"{description}\""),
        ));
    }
}

/// A token the mock issued.
#[derive(Debug, Clone)]
struct IssuedToken {
    scopes: Vec<String>,
    expires_at: Instant,
    /// The DPoP key thumbprint it is bound to.
    jkt: Option<String>,
}

/// `jti`s seen, each kept until it could no longer be replayed anyway.
#[derive(Debug, Default)]
struct Seen(Mutex<HashMap<String, i64>>);

impl Seen {
    /// Records `jti` (usable until `until`, epoch seconds); false when it was seen before.
    fn first_use(&self, jti: &str, until: i64) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.len() > 100_000 {
            let now = now();
            seen.retain(|_, until| *until >= now);
        }
        seen.insert(jti.to_owned(), until).is_none()
    }
}

/// Tokens, nonces and replay caches of one running mock.
#[derive(Debug)]
pub(crate) struct OAuthState {
    /// The token endpoint's DPoP nonce.
    token_nonce: String,
    /// The nonce the API demands in proofs, once a `dpop-nonce` fault set one.
    resource_nonce: Mutex<Option<String>>,
    assertion_jtis: Seen,
    proof_jtis: Seen,
    tokens: Mutex<HashMap<String, IssuedToken>>,
}

impl Default for OAuthState {
    fn default() -> Self {
        OAuthState {
            token_nonce: random_id(32),
            resource_nonce: Mutex::new(None),
            assertion_jtis: Seen::default(),
            proof_jtis: Seen::default(),
            tokens: Mutex::new(HashMap::new()),
        }
    }
}

impl OAuthState {
    /// Answers `POST /oauth2/v1/token`.
    pub(crate) fn token(
        &self,
        org: &Org,
        base_url: &str,
        method: &Method,
        headers: &HeaderMap,
        body: &[u8],
    ) -> OAuthReply {
        token::token(self, org, base_url, method, headers, body)
    }

    /// Authenticates an API request made with `Authorization: <scheme> <token>`, scheme `Bearer`
    /// or `DPoP`, and checks the scope of `path`.
    pub(crate) fn authenticate(
        &self,
        base_url: &str,
        method: &Method,
        path: &str,
        scheme: &str,
        token: &str,
        headers: &HeaderMap,
    ) -> Result<(), OAuthReply> {
        resource::authenticate(
            self,
            base_url,
            method.as_str(),
            path,
            scheme,
            token,
            headers,
        )
    }

    /// The `expire-tokens` fault: every token issued so far expires now; this request gets 401.
    pub(crate) fn expire_all(&self) -> OAuthReply {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        for t in tokens.values_mut() {
            t.expires_at = now;
        }
        tracing::debug!(
            tokens = tokens.len(),
            "mock: access tokens expired by fault"
        );
        resource::invalid_token("DPoP", "The access token is expired.")
    }

    /// The `dpop-nonce` fault: from now on API proofs must carry a new nonce; this request gets
    /// `401 use_dpop_nonce` with it.
    pub(crate) fn demand_resource_nonce(&self) -> OAuthReply {
        let nonce = random_id(32);
        *self
            .resource_nonce
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(nonce.clone());
        let mut reply = OAuthReply::oauth(
            StatusCode::UNAUTHORIZED,
            "use_dpop_nonce",
            "Resource server requires nonce in DPoP proof.",
        );
        reply.challenge(
            "DPoP",
            "use_dpop_nonce",
            "Resource server requires nonce in DPoP proof.",
        );
        reply.headers.push(("dpop-nonce", nonce));
        reply
    }

    /// Every access token issued so far (for tests that check no token leaks).
    pub(crate) fn issued_tokens(&self) -> Vec<String> {
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.keys().cloned().collect()
    }

    fn remember(&self, token: String, issued: IssuedToken) {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token, issued);
    }

    fn issued(&self, token: &str) -> Option<IssuedToken> {
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.get(token).cloned()
    }

    fn resource_nonce(&self) -> Option<String> {
        self.resource_nonce
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
