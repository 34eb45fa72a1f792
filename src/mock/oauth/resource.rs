//! API requests with an OAuth access token (okta-api.md §8 "Calling the management API"):
//! `Bearer` for unbound tokens, `DPoP` + a valid proof for DPoP-bound ones, and the endpoint's
//! scope. Refusals carry a `WWW-Authenticate` challenge; 401s also Okta's E0000011 body.

use std::time::Instant;

use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use super::jwt::verify_proof;
use super::scopes::{covers, required};
use super::{OAuthReply, OAuthState};
use crate::mock::reply::Reply;

/// 401 E0000011 for a token that is unknown, expired or revoked.
pub(super) fn invalid_token(scheme: &str, description: &str) -> OAuthReply {
    let mut reply = OAuthReply::plain(Reply::invalid_token());
    reply.challenge(scheme, "invalid_token", description);
    reply
}

/// A DPoP refusal: an OAuth error body and the same in the challenge.
fn dpop_error(status: StatusCode, error: &str, description: &str) -> OAuthReply {
    let mut reply = OAuthReply::oauth(status, error, description);
    reply.challenge("DPoP", error, description);
    reply
}

/// Authenticates `Authorization: <scheme> <token>` (scheme `Bearer` or `DPoP`) for
/// `method path` and checks the endpoint's scope.
pub(super) fn authenticate(
    state: &OAuthState,
    base_url: &str,
    method: &str,
    path: &str,
    scheme: &str,
    token: &str,
    headers: &HeaderMap,
) -> Result<(), OAuthReply> {
    let dpop_scheme = scheme.eq_ignore_ascii_case("DPoP");
    let scheme_name = if dpop_scheme { "DPoP" } else { "Bearer" };
    let issued = state
        .issued(token)
        .filter(|t| Instant::now() < t.expires_at)
        .ok_or_else(|| invalid_token(scheme_name, "The access token is invalid or expired."))?;
    match (&issued.jkt, dpop_scheme) {
        (Some(_), false) => {
            return Err(dpop_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "dpop_authentication_scheme_required: a DPoP-bound access token must be sent \
                 with Authorization: DPoP.",
            ));
        }
        (None, true) => {
            let mut reply = OAuthReply::oauth(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "access_token_not_dpop_bound: the access token is not bound to a DPoP key.",
            );
            reply.challenge("DPoP", "invalid_token", "access_token_not_dpop_bound");
            return Err(reply);
        }
        (Some(jkt), true) => {
            let Some(proof) = headers.get("dpop").and_then(|v| v.to_str().ok()) else {
                return Err(dpop_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "dpop_proof_required_for_token: a DPoP-bound access token needs a DPoP \
                     proof header.",
                ));
            };
            let htu = format!("{base_url}{path}");
            let invalid =
                |reason: &str| dpop_error(StatusCode::BAD_REQUEST, "invalid_dpop_proof", reason);
            let proof = verify_proof(proof, method, &htu, &state.proof_jtis)
                .map_err(|reason| invalid(&reason))?;
            let ath = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
            if proof.ath.as_deref() != Some(ath.as_str()) {
                return Err(invalid(
                    "the DPoP proof ath does not match the access token",
                ));
            }
            if &proof.jkt != jkt {
                return Err(invalid(
                    "the DPoP proof is not signed by the key the access token is bound to",
                ));
            }
            if let Some(nonce) = state.resource_nonce()
                && proof.nonce.as_deref() != Some(nonce.as_str())
            {
                let mut reply = dpop_error(
                    StatusCode::UNAUTHORIZED,
                    "use_dpop_nonce",
                    "Resource server requires nonce in DPoP proof.",
                );
                reply.headers.push(("dpop-nonce", nonce));
                return Err(reply);
            }
        }
        (None, false) => {}
    }
    if let Some(scope) = required(path)
        && !covers(&issued.scopes, scope)
    {
        let mut reply = OAuthReply::plain(Reply::forbidden());
        reply.headers.push((
            "www-authenticate",
            format!(
                "Bearer error=\"insufficient_scope\", error_description=\"The access token \
                 provided does not contain the required scopes.\", scope=\"{scope}\""
            ),
        ));
        return Err(reply);
    }
    Ok(())
}
