//! JWT checks the mock makes as Okta: split and decode, verify a signature against a JWK, and
//! verify a DPoP proof (RFC 9449 §4.3) for a method and URL.

use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::clients::PRIVATE_MEMBERS;
use super::{Seen, now};

/// How far a proof's `iat` may be from now, either way.
const PROOF_WINDOW_SECS: i64 = 300;

/// The decoded header and claims of a compact JWT (signature not checked).
pub(super) fn parts(jwt: &str) -> Option<(Map<String, Value>, Map<String, Value>)> {
    let mut segments = jwt.split('.');
    let (header, claims, _sig) = (segments.next()?, segments.next()?, segments.next()?);
    if segments.next().is_some() {
        return None;
    }
    let decode = |s: &str| -> Option<Map<String, Value>> {
        let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
        match serde_json::from_slice(&bytes).ok()? {
            Value::Object(m) => Some(m),
            _ => None,
        }
    };
    Some((decode(header)?, decode(claims)?))
}

/// The header's `alg`, when it is an asymmetric JWS algorithm (never `none` or HMAC).
pub(super) fn asymmetric_alg(header: &Map<String, Value>) -> Option<Algorithm> {
    let alg = Algorithm::from_str(header.get("alg")?.as_str()?).ok()?;
    (!matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)).then_some(alg)
}

/// Whether `jwt` is signed with `alg` by the key `jwk`.
pub(super) fn signed_by(jwt: &str, jwk: &Jwk, alg: Algorithm) -> bool {
    let Ok(key) = DecodingKey::from_jwk(jwk) else {
        return false;
    };
    let mut v = Validation::new(alg);
    v.validate_exp = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(jwt, &key, &v).is_ok()
}

/// A verified DPoP proof.
pub(super) struct Proof {
    /// SHA-256 thumbprint of the proof's key (`cnf.jkt` of the tokens bound to it).
    pub(super) jkt: String,
    pub(super) nonce: Option<String>,
    pub(super) ath: Option<String>,
}

/// Verifies a DPoP proof for `method` on `htu` (the URL without query): `typ`, an asymmetric
/// `alg`, a public `jwk` that signed it, `htm`, `htu`, `iat` within 5 minutes, a `jti` not seen
/// before. Errors are the reason, for `error_description`.
pub(super) fn verify_proof(
    proof: &str,
    method: &str,
    htu: &str,
    seen: &Seen,
) -> Result<Proof, String> {
    let (header, claims) = parts(proof).ok_or("the DPoP proof is not a well-formed JWT")?;
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err("the DPoP proof typ must be dpop+jwt".into());
    }
    let alg = asymmetric_alg(&header).ok_or("the DPoP proof alg must be asymmetric")?;
    let jwk_value = header
        .get("jwk")
        .and_then(Value::as_object)
        .ok_or("the DPoP proof header has no jwk")?;
    if let Some(m) = PRIVATE_MEMBERS.iter().find(|m| jwk_value.contains_key(**m)) {
        return Err(format!("the DPoP proof jwk holds the private member {m:?}"));
    }
    let jwk: Jwk = serde_json::from_value(Value::Object(jwk_value.clone()))
        .map_err(|_| "the DPoP proof jwk is not a usable public key")?;
    if !signed_by(proof, &jwk, alg) {
        return Err("the DPoP proof signature does not verify with its jwk".into());
    }
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    if text("htm").as_deref() != Some(method) {
        return Err(format!("the DPoP proof htm must be {method}"));
    }
    if text("htu").as_deref() != Some(htu) {
        return Err(format!("the DPoP proof htu must be {htu}"));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or("the DPoP proof has no numeric iat")?;
    if (now() - iat).abs() > PROOF_WINDOW_SECS {
        return Err("the DPoP proof iat is more than 5 minutes from now".into());
    }
    let jti = text("jti").ok_or("the DPoP proof has no jti")?;
    if !seen.first_use(&jti, iat + PROOF_WINDOW_SECS) {
        return Err("dpop_proof_already_used: the DPoP proof jti was used before".into());
    }
    let jkt = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| "the DPoP proof jwk has no thumbprint")?;
    Ok(Proof {
        jkt,
        nonce: text("nonce"),
        ath: text("ath"),
    })
}
