//! DPoP proofs (RFC 9449, okta-api.md §8): one ephemeral EC P-256 key per run, and a freshly
//! signed proof JWT for every token request and every API call.
//!
//! The proof header carries only the public JWK (`kty`, `crv`, `x`, `y`); the private key lives in
//! a `jsonwebtoken::EncodingKey` (zeroed on drop, redacted in `Debug`) and never leaves this module.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use url::Url;

/// The claims of a DPoP proof.
#[derive(Serialize)]
struct ProofClaims<'a> {
    jti: String,
    htm: &'a str,
    htu: String,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

/// The run's DPoP key pair.
pub(crate) struct DpopKey {
    key: EncodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DpopKey(ES256, ***)")
    }
}

impl DpopKey {
    /// A new ephemeral P-256 key.
    pub(crate) fn generate() -> Result<DpopKey, String> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| "could not generate the DPoP key (EC P-256)".to_string())?;
        let pkcs8 = pair
            .to_pkcs8v1()
            .map_err(|_| "could not encode the DPoP key".to_string())?;
        // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = pair.public_key().as_ref();
        let (x, y) = match point {
            [0x04, rest @ ..] if rest.len() == 64 => rest.split_at(32),
            _ => return Err("unexpected DPoP public key encoding".into()),
        };
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x: URL_SAFE_NO_PAD.encode(x),
                y: URL_SAFE_NO_PAD.encode(y),
            }),
        };
        Ok(DpopKey {
            key: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk,
        })
    }

    /// A proof for `method` on `url`: `htu` is the URL without query and fragment; `ath` is the
    /// access-token hash (resource requests), `nonce` the server's latest `DPoP-Nonce`.
    pub(crate) fn proof(
        &self,
        method: &str,
        url: &Url,
        ath: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        let claims = ProofClaims {
            jti: uuid::Uuid::new_v4().to_string(),
            htm: method,
            htu: htu(url),
            iat: chrono::Utc::now().timestamp(),
            ath,
            nonce,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
    }

    /// The RFC 7638 SHA-256 thumbprint of the public key (what a DPoP-bound token's `cnf.jkt`
    /// holds).
    #[cfg(test)]
    fn thumbprint(&self) -> String {
        self.jwk
            .thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
            .unwrap_or_default()
    }
}

/// The `htu` of a request: its URL without query string and fragment.
pub(crate) fn htu(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// The `ath` claim: base64url (no padding) of the SHA-256 of the access token.
pub(crate) fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};
    use serde_json::Value;

    fn part(jwt: &str, i: usize) -> Value {
        let seg = jwt.split('.').nth(i).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg).unwrap()).unwrap()
    }

    #[test]
    fn proof_carries_the_public_jwk_only_and_verifies_with_it() {
        let key = DpopKey::generate().unwrap();
        let url = Url::parse("https://acme.okta.com/api/v1/users?limit=200&after=x#frag").unwrap();
        let proof = key.proof("GET", &url, Some("hash"), Some("n-1")).unwrap();
        let header = part(&proof, 0);
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        let jwk = header["jwk"].as_object().unwrap();
        let mut members: Vec<&str> = jwk.keys().map(String::as_str).collect();
        members.sort_unstable();
        assert_eq!(members, ["crv", "kty", "x", "y"]);
        let claims = part(&proof, 1);
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["htu"], "https://acme.okta.com/api/v1/users");
        assert_eq!(claims["ath"], "hash");
        assert_eq!(claims["nonce"], "n-1");
        assert!(claims["jti"].as_str().unwrap().len() >= 32);

        let parsed: Jwk = serde_json::from_value(header["jwk"].clone()).unwrap();
        let mut v = Validation::new(Algorithm::ES256);
        v.validate_exp = false;
        v.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(&proof, &DecodingKey::from_jwk(&parsed).unwrap(), &v)
            .unwrap();
        assert_eq!(
            parsed
                .thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
                .unwrap(),
            key.thumbprint()
        );
    }

    #[test]
    fn every_proof_has_a_fresh_jti_and_no_optional_claims_unless_given() {
        let key = DpopKey::generate().unwrap();
        let url = Url::parse("http://127.0.0.1:1/oauth2/v1/token").unwrap();
        let a = part(&key.proof("POST", &url, None, None).unwrap(), 1);
        let b = part(&key.proof("POST", &url, None, None).unwrap(), 1);
        assert_ne!(a["jti"], b["jti"]);
        assert!(a.get("ath").is_none() && a.get("nonce").is_none());
    }

    #[test]
    fn ath_is_unpadded_base64url_sha256() {
        // SHA-256("abc") = ba7816bf…
        assert_eq!(ath("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = DpopKey::generate().unwrap();
        assert_eq!(format!("{key:?}"), "DpopKey(ES256, ***)");
    }
}
