//! `POST /oauth2/v1/token`: client credentials with a `private_key_jwt` assertion, and the DPoP
//! dance for apps that require it (okta-api.md §8). Checked in Okta's order of concerns: the
//! request, the client's authentication, the scopes, then the DPoP proof.

use std::collections::HashMap;
use std::time::Instant;

use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};

use super::clients::OAuthClient;
use super::jwt::{asymmetric_alg, parts, signed_by, verify_proof};
use super::{IssuedToken, OAuthReply, OAuthState, TOKEN_PATH, now};
use crate::mock::Org;
use crate::mock::reply::{Reply, random_id};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Okta accepts assertions that expire at most this far ahead.
const MAX_ASSERTION_LIFETIME_SECS: i64 = 3600;
/// Clock skew allowed on `exp` and `iat`.
const LEEWAY_SECS: i64 = 60;

fn invalid_client(description: &str) -> OAuthReply {
    OAuthReply::oauth(StatusCode::UNAUTHORIZED, "invalid_client", description)
}

/// Answers a token request.
pub(super) fn token(
    state: &OAuthState,
    org: &Org,
    base_url: &str,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> OAuthReply {
    if method != Method::POST {
        return OAuthReply::plain(Reply::method_not_allowed());
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "client_credentials" {
        return OAuthReply::oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization server only issues client_credentials tokens to service apps.",
        );
    }
    if field("client_assertion_type") != ASSERTION_TYPE || field("client_assertion").is_empty() {
        return invalid_client("No client credentials found.");
    }
    let token_url = format!("{base_url}{TOKEN_PATH}");
    let (client_id, client) =
        match authenticate_client(state, org, &token_url, &form, field("client_assertion")) {
            Ok(c) => c,
            Err(reply) => return reply,
        };
    let requested: Vec<String> = field("scope")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if requested.is_empty() {
        return OAuthReply::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The authorization server requires at least one scope.",
        );
    }
    let not_granted: Vec<&str> = requested
        .iter()
        .filter(|s| !client.scopes.contains(s))
        .map(String::as_str)
        .collect();
    if !not_granted.is_empty() {
        return OAuthReply::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!(
                "One or more scopes are not configured for the authorization server resource: \
                 {} not granted to the client.",
                not_granted.join(" ")
            ),
        );
    }
    let jkt = if client.dpop {
        match dpop(state, headers, &token_url) {
            Ok(jkt) => Some(jkt),
            Err(reply) => return reply,
        }
    } else {
        None
    };
    let access_token = format!("mockat.{}", random_id(48));
    let dpop = jkt.is_some();
    state.remember(
        access_token.clone(),
        IssuedToken {
            scopes: requested.clone(),
            expires_at: Instant::now() + client.token_lifetime,
            jkt,
        },
    );
    tracing::debug!(client_id, dpop, "mock: access token issued");
    let mut reply = OAuthReply::plain(Reply::ok(json!({
        "token_type": if dpop { "DPoP" } else { "Bearer" },
        "expires_in": client.token_lifetime.as_secs(),
        "access_token": access_token,
        "scope": requested.join(" "),
    })));
    reply.headers.push(("cache-control", "no-store".into()));
    reply.headers.push(("pragma", "no-cache".into()));
    reply
}

/// The client the assertion authenticates, after every check Okta makes on it.
fn authenticate_client<'o>(
    state: &OAuthState,
    org: &'o Org,
    token_url: &str,
    form: &HashMap<String, String>,
    assertion: &str,
) -> Result<(&'o str, &'o OAuthClient), OAuthReply> {
    let (header, claims) = parts(assertion)
        .ok_or_else(|| invalid_client("The client_assertion is not a well-formed JWT."))?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let iss = text("iss").ok_or_else(|| invalid_client("The client_assertion has no iss."))?;
    if form.get("client_id").is_some_and(|c| c != iss) {
        return Err(invalid_client(
            "The client_id does not match the client_assertion issuer.",
        ));
    }
    let (client_id, client) = org
        .oauth_clients
        .get_key_value(iss)
        .ok_or_else(|| invalid_client("The client_assertion issuer is not a registered client."))?;
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let key = client.key(kid).ok_or_else(|| {
        invalid_client(
            "client_assertion_invalid_kid: the client_assertion kid is not an active key of the \
             client.",
        )
    })?;
    let alg = asymmetric_alg(&header)
        .filter(|alg| key.alg.as_deref().is_none_or(|a| a == format!("{alg:?}")))
        .ok_or_else(|| invalid_client("The client_assertion alg does not match the key."))?;
    if !signed_by(assertion, &key.jwk, alg) {
        return Err(invalid_client("The client_assertion signature is invalid."));
    }
    if text("sub") != Some(iss) {
        return Err(invalid_client(
            "The client_assertion sub must equal its iss (the client_id).",
        ));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == token_url,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(token_url)),
        _ => false,
    };
    if !aud_ok {
        return Err(invalid_client(&format!(
            "The audience of the client_assertion is invalid: it must be {token_url}."
        )));
    }
    let now = now();
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid_client("The client_assertion has no exp."))?;
    if exp <= now - LEEWAY_SECS {
        return Err(invalid_client("The client_assertion token is expired."));
    }
    if exp > now + MAX_ASSERTION_LIFETIME_SECS + LEEWAY_SECS {
        return Err(invalid_client(
            "The client_assertion exp is more than one hour in the future.",
        ));
    }
    if claims
        .get("iat")
        .and_then(Value::as_i64)
        .is_some_and(|iat| iat > now + LEEWAY_SECS)
    {
        return Err(invalid_client("The client_assertion iat is in the future."));
    }
    if let Some(jti) = text("jti")
        && !state.assertion_jtis.first_use(jti, exp)
    {
        return Err(invalid_client(
            "client_assertion_already_used: the client_assertion jti was used before.",
        ));
    }
    Ok((client_id.as_str(), client))
}

/// The DPoP step for an app that requires it: the proof's key thumbprint, or the error that
/// moves the client on (no proof → proof; no nonce → nonce).
fn dpop(state: &OAuthState, headers: &HeaderMap, token_url: &str) -> Result<String, OAuthReply> {
    let Some(proof) = headers.get("dpop").and_then(|v| v.to_str().ok()) else {
        return Err(OAuthReply::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            "The DPoP proof JWT header is missing.",
        ));
    };
    let proof = verify_proof(proof, "POST", token_url, &state.proof_jtis).map_err(|reason| {
        OAuthReply::oauth(StatusCode::BAD_REQUEST, "invalid_dpop_proof", &reason)
    })?;
    if proof.nonce.as_deref() != Some(state.token_nonce.as_str()) {
        let mut reply = OAuthReply::oauth(
            StatusCode::BAD_REQUEST,
            "use_dpop_nonce",
            "Authorization server requires nonce in DPoP proof.",
        );
        reply
            .headers
            .push(("dpop-nonce", state.token_nonce.clone()));
        return Err(reply);
    }
    Ok(proof.jkt)
}
