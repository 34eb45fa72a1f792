//! The OAuth app's private key, which signs the `private_key_jwt` client assertion: RSA (RS256)
//! or EC P-256 (ES256), given as PEM (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, SEC1
//! `EC PRIVATE KEY`) or as a private JWK.
//!
//! Every key is checked when it is loaded (parsed by aws-lc-rs, then one trial signature), so a
//! bad key is a configuration error before any request. Errors name the input (environment
//! variable or file) and what is wrong; they never repeat the input.

use std::path::Path;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::{der, jwk};

/// Lifetime of a client assertion (Okta accepts at most 1 h).
const ASSERTION_LIFETIME_SECS: i64 = 300;

/// A private key that cannot be used, naming the input it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input}: {problem}")]
pub struct KeyError {
    /// Where the key came from: an environment variable or a file path.
    pub input: String,
    /// What is wrong with it (never any of the key itself).
    pub problem: String,
}

/// The app's private signing key, with its algorithm and `kid`. `Debug` shows no key material.
#[derive(Clone)]
pub struct ClientKey {
    alg: Algorithm,
    kid: String,
    key: EncodingKey,
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("key", &"***")
            .finish()
    }
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
}

impl ClientKey {
    /// Parses a PEM or JWK private key (`text`) that came from `input` (an environment variable
    /// name or a file path, used in errors). `kid` overrides a JWK's own `kid`; one of the two
    /// is required.
    pub fn parse(text: &str, input: &str, kid: Option<&str>) -> Result<ClientKey, KeyError> {
        let fail = |problem: String| KeyError {
            input: input.to_string(),
            problem,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(fail("empty: no private key".into()));
        }
        let (alg, key, jwk_kid) = if trimmed.starts_with('{') {
            jwk::private_key(trimmed).map_err(fail)?
        } else {
            let (alg, key) = pem_key(trimmed).map_err(fail)?;
            (alg, key, None)
        };
        let kid = kid
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .or(jwk_kid)
            .ok_or_else(|| {
                fail(
                    "no key id: set OKTA_OAUTH2_KEY_ID (--key-id) to the kid of the public key \
                     registered with the app"
                        .into(),
                )
            })?;
        let client_key = ClientKey { alg, kid, key };
        // A key that parses but cannot sign fails here, not at the first token request.
        client_key
            .assertion("self-test", "https://self-test.invalid/oauth2/v1/token")
            .map_err(|e| {
                fail(format!(
                    "the key cannot sign {}: {e}",
                    client_key.algorithm()
                ))
            })?;
        Ok(client_key)
    }

    /// Reads and parses a PEM or JWK key file.
    pub fn from_file(path: &Path, kid: Option<&str>) -> Result<ClientKey, KeyError> {
        let input = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| KeyError {
            input: input.clone(),
            problem: format!("cannot read the private key file: {e}"),
        })?;
        ClientKey::parse(&text, &input, kid)
    }

    /// `RS256` or `ES256`.
    pub fn algorithm(&self) -> &'static str {
        match self.alg {
            Algorithm::ES256 => "ES256",
            _ => "RS256",
        }
    }

    /// The `kid` the assertion header carries.
    pub fn key_id(&self) -> &str {
        &self.kid
    }

    /// A client assertion for `client_id` at the token endpoint `audience`: `iss` = `sub` =
    /// client id, `aud` = the token endpoint, `iat` = now, `exp` = now + 5 min, `jti` a UUID v4.
    pub(crate) fn assertion(
        &self,
        client_id: &str,
        audience: &str,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        let claims = AssertionClaims {
            iss: client_id,
            sub: client_id,
            aud: audience,
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
    }
}

/// One PEM block: its label and DER content.
struct PemBlock {
    label: String,
    der: Vec<u8>,
}

/// Every PEM block of `text` (environment variables often hold `\n` escapes instead of newlines).
fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, String> {
    let text = if !text.contains('\n') && text.contains("\\n") {
        text.replace("\\n", "\n")
    } else {
        text.to_string()
    };
    let mut blocks = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let label_end = after
            .find("-----")
            .ok_or("malformed PEM: a BEGIN line does not end with -----")?;
        let label = &after[..label_end];
        if label.len() > 40 || !label.chars().all(|c| c.is_ascii_uppercase() || c == ' ') {
            return Err("malformed PEM: the BEGIN line has no valid label".into());
        }
        let body = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let body_end = body.find(&end_marker).ok_or_else(|| {
            format!("the PEM block {label:?} has no matching END line (truncated?)")
        })?;
        let content = &body[..body_end];
        if content.contains(':') {
            return Err(format!(
                "the PEM block {label:?} is encrypted (Proc-Type header); decrypt it first, \
                 e.g. openssl pkey -in KEY.pem -out KEY-plain.pem"
            ));
        }
        let b64: String = content.chars().filter(|c| !c.is_whitespace()).collect();
        let der = STANDARD.decode(b64).map_err(|_| {
            format!("the PEM block {label:?} is not valid base64 (damaged or truncated?)")
        })?;
        blocks.push(PemBlock {
            label: label.to_string(),
            der,
        });
        rest = &body[body_end + end_marker.len()..];
    }
    Ok(blocks)
}

/// The signing key of a PEM text: the first block whose label ends in `PRIVATE KEY`.
fn pem_key(text: &str) -> Result<(Algorithm, EncodingKey), String> {
    let blocks = pem_blocks(text)?;
    let Some(block) = blocks.iter().find(|b| b.label.ends_with("PRIVATE KEY")) else {
        return Err(match blocks.first() {
            None => "neither a PEM private key (no \"-----BEGIN … PRIVATE KEY-----\" line) nor \
                     a JSON Web Key (JSON object)"
                .into(),
            Some(b) => format!(
                "the PEM holds a {:?} block, not a private key; give the app's private key \
                 (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY), whose public key is \
                 registered with the app",
                b.label
            ),
        });
    };
    let der = block.der.as_slice();
    match block.label.as_str() {
        "RSA PRIVATE KEY" => rsa_pkcs1(der),
        "EC PRIVATE KEY" => {
            let pair = EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                .map_err(|e| {
                    format!("the EC private key was rejected ({e}); only P-256 keys (ES256) are supported")
                })?;
            ec_pair(&pair)
        }
        "PRIVATE KEY" => {
            if let Some(pkcs1) = der::pkcs8_private_key(der)
                && aws_lc_rs::rsa::KeyPair::from_pkcs8(der).is_ok()
            {
                return rsa_pkcs1(pkcs1);
            }
            match EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der) {
                Ok(_) => Ok((Algorithm::ES256, EncodingKey::from_ec_der(der))),
                Err(e) => Err(format!(
                    "the PKCS#8 private key is neither an RSA key (2048 to 8192 bits) nor an EC \
                     P-256 key ({e})"
                )),
            }
        }
        "ENCRYPTED PRIVATE KEY" => Err("encrypted private keys are not supported; decrypt it \
                                        first, e.g. openssl pkcs8 -topk8 -nocrypt -in KEY.pem \
                                        -out KEY-plain.pem"
            .into()),
        other => Err(format!(
            "unsupported private key type {other:?} (supported: PRIVATE KEY, RSA PRIVATE KEY, \
             EC PRIVATE KEY)"
        )),
    }
}

/// An RS256 key from a PKCS#1 `RSAPrivateKey`, checked by aws-lc-rs.
pub(super) fn rsa_pkcs1(der: &[u8]) -> Result<(Algorithm, EncodingKey), String> {
    aws_lc_rs::rsa::KeyPair::from_der(der).map_err(|e| {
        format!("the RSA private key was rejected ({e}); RSA keys must be 2048 to 8192 bits")
    })?;
    Ok((Algorithm::RS256, EncodingKey::from_rsa_der(der)))
}

/// An ES256 key from a parsed P-256 key pair.
pub(super) fn ec_pair(pair: &EcdsaKeyPair) -> Result<(Algorithm, EncodingKey), String> {
    let pkcs8 = pair
        .to_pkcs8v1()
        .map_err(|_| "the EC private key could not be re-encoded".to_string())?;
    Ok((Algorithm::ES256, EncodingKey::from_ec_der(pkcs8.as_ref())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/keys")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn every_supported_pem_form_loads_with_its_algorithm() {
        for (file, alg) in [
            ("basic-rs256.pem", "RS256"),
            ("basic-rs256.pkcs1.pem", "RS256"),
            ("basic-es256.pem", "ES256"),
            ("basic-es256.sec1.pem", "ES256"),
        ] {
            let key = ClientKey::parse(&fixture(file), file, Some("k1")).unwrap();
            assert_eq!(key.algorithm(), alg, "{file}");
            assert_eq!(key.key_id(), "k1");
        }
    }

    #[test]
    fn escaped_newlines_and_ec_parameter_blocks_are_tolerated() {
        let escaped = fixture("basic-rs256.pem").trim().replace('\n', "\\n");
        assert!(ClientKey::parse(&escaped, "ENV", Some("k")).is_ok());
        let with_params = format!(
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{}",
            fixture("basic-es256.sec1.pem")
        );
        assert_eq!(
            ClientKey::parse(&with_params, "ENV", Some("k"))
                .unwrap()
                .algorithm(),
            "ES256"
        );
    }

    #[test]
    fn a_key_id_is_required() {
        let e = ClientKey::parse(
            &fixture("basic-rs256.pem"),
            "OKTA_OAUTH2_PRIVATE_KEY_PEM",
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("OKTA_OAUTH2_KEY_ID"), "{e}");
    }

    #[test]
    fn bad_inputs_are_named_and_never_echoed() {
        let pem = fixture("basic-rs256.pem");
        let body_line = pem.lines().nth(3).unwrap().to_string();
        let truncated: String = pem.lines().take(10).collect::<Vec<_>>().join("\n");
        let damaged = pem.replacen(&body_line, &format!("{body_line}!!"), 1);
        let public = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----";
        let cases = [
            ("", "empty"),
            ("not a key at all", "neither a PEM private key"),
            (truncated.as_str(), "no matching END line"),
            (damaged.as_str(), "not valid base64"),
            (public, "not a private key"),
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
                "encrypted private keys are not supported",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----",
                "neither an RSA key",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----",
                "RSA private key was rejected",
            ),
        ];
        for (input, expected) in cases {
            let e = ClientKey::parse(input, "/secrets/app.pem", Some("k")).unwrap_err();
            let s = e.to_string();
            assert!(s.starts_with("/secrets/app.pem: "), "{s}");
            assert!(s.contains(expected), "{expected}: {s}");
            assert!(!s.contains(&body_line[..20]), "{s}");
        }
    }

    #[test]
    fn assertions_carry_the_documented_claims() {
        let key = ClientKey::parse(&fixture("basic-es256.pem"), "f", Some("kid-1")).unwrap();
        let jwt = key
            .assertion("0oa1", "https://acme.okta.com/oauth2/v1/token")
            .unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.kid.as_deref(), Some("kid-1"));
        let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode(&jwt)
            .unwrap()
            .claims;
        assert_eq!(claims["iss"], "0oa1");
        assert_eq!(claims["sub"], "0oa1");
        assert_eq!(claims["aud"], "https://acme.okta.com/oauth2/v1/token");
        let (iat, exp) = (
            claims["iat"].as_i64().unwrap(),
            claims["exp"].as_i64().unwrap(),
        );
        assert_eq!(exp - iat, 300);
        assert_eq!(claims["jti"].as_str().unwrap().len(), 36);
    }

    #[test]
    fn debug_hides_the_key() {
        let key = ClientKey::parse(&fixture("basic-rs256.pem"), "f", Some("k")).unwrap();
        let d = format!("{key:?}");
        assert!(d.contains("RS256") && d.contains("***"), "{d}");
        assert!(!d.contains("MII"), "{d}");
    }
}
