//! A private JWK (RFC 7517/7518) turned into a signing key: RSA (`n e d p q dp dq qi`) becomes a
//! PKCS#1 key, EC P-256 (`x y d`) a PKCS#8 key, both checked by aws-lc-rs. A JWK Set holding
//! exactly one key is accepted too. Errors name members, never their values.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value};

use super::der;
use super::key::{ec_pair, rsa_pkcs1};

/// The key, its algorithm and the JWK's own `kid`.
pub(super) fn private_key(text: &str) -> Result<(Algorithm, EncodingKey, Option<String>), String> {
    // serde_json's syntax errors give a position, never the text.
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("not a valid JSON Web Key: {e}"))?;
    let jwk = single_key(&value)?;
    let member = |name: &str| -> Result<Option<&str>, String> {
        match jwk.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("JWK member {name:?} must be a string")),
        }
    };
    let bytes = |name: &str| -> Result<Vec<u8>, String> {
        let text = member(name)?.ok_or_else(|| format!("JWK member {name:?} is missing"))?;
        URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|_| format!("JWK member {name:?} is not base64url"))
    };
    let kid = member("kid")?.map(str::to_string);
    let kty = member("kty")?.ok_or("JWK member \"kty\" is missing")?;
    if member("d")?.is_none() {
        return Err(
            "the JWK has no private member \"d\": it is a public key; give the private JWK".into(),
        );
    }
    let declared = member("alg")?;
    let (alg, key) = match kty {
        "RSA" => {
            let names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"];
            if names[3..].iter().any(|n| !jwk.contains_key(*n)) {
                return Err(
                    "the RSA JWK lacks its CRT members (p, q, dp, dq, qi); export the full \
                     private key"
                        .into(),
                );
            }
            let parts = names
                .iter()
                .map(|n| bytes(n))
                .collect::<Result<Vec<_>, _>>()?;
            let components: [&[u8]; 8] = std::array::from_fn(|i| parts[i].as_slice());
            rsa_pkcs1(&der::rsa_private_key(components))
                .map_err(|e| e.replace("RSA private key", "RSA JWK"))?
        }
        "EC" => {
            let crv = member("crv")?.unwrap_or_default();
            if crv != "P-256" {
                return Err(format!(
                    "EC JWK on curve {:?} is not supported: only P-256 (ES256)",
                    crv.chars().take(16).collect::<String>()
                ));
            }
            let (x, y, d) = (bytes("x")?, bytes("y")?, bytes("d")?);
            let mut point = Vec::with_capacity(65);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            let pair = EcdsaKeyPair::from_private_key_and_public_key(
                &ECDSA_P256_SHA256_FIXED_SIGNING,
                &d,
                &point,
            )
            .map_err(|e| {
                format!("the EC JWK was rejected ({e}): d, x and y must form one P-256 key")
            })?;
            ec_pair(&pair)?
        }
        _ => {
            return Err("JWK kty must be \"RSA\" or \"EC\"".into());
        }
    };
    let expected = if alg == Algorithm::ES256 {
        "ES256"
    } else {
        "RS256"
    };
    if let Some(declared) = declared
        && declared != expected
    {
        return Err(format!(
            "the JWK declares alg {:?}; only RS256 (RSA) and ES256 (EC P-256) are supported",
            declared.chars().take(16).collect::<String>()
        ));
    }
    Ok((alg, key, kid))
}

/// The JWK itself, or the only key of a JWK Set.
fn single_key(value: &Value) -> Result<&Map<String, Value>, String> {
    let object = value
        .as_object()
        .ok_or("a JSON Web Key must be a JSON object")?;
    match object.get("keys") {
        None => Ok(object),
        Some(Value::Array(keys)) if keys.len() == 1 => keys[0]
            .as_object()
            .ok_or_else(|| "the JWK Set's key must be a JSON object".to_string()),
        Some(_) => Err("a JWK Set must hold exactly one key; give that key alone".into()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::collect::oauth::ClientKey;

    fn fixture(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/keys")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn rsa_and_ec_private_jwks_load_with_their_kid() {
        for (file, alg, kid) in [
            ("basic-rs256.jwk.json", "RS256", "basic-rs256"),
            ("basic-es256.jwk.json", "ES256", "basic-es256"),
        ] {
            let text = fixture(file).to_string();
            let key = ClientKey::parse(&text, file, None).unwrap();
            assert_eq!((key.algorithm(), key.key_id()), (alg, kid));
            let set = serde_json::json!({ "keys": [fixture(file)] }).to_string();
            assert!(ClientKey::parse(&set, file, Some("other")).is_ok());
        }
    }

    #[test]
    fn broken_jwks_say_which_member_and_never_a_value() {
        let rsa = fixture("basic-rs256.jwk.json");
        let d = rsa["d"].as_str().unwrap().to_string();
        let without = |name: &str| {
            let mut v = rsa.clone();
            v.as_object_mut().unwrap().remove(name);
            v.to_string()
        };
        let with = |name: &str, value: Value| {
            let mut v = rsa.clone();
            v[name] = value;
            v.to_string()
        };
        let mut ec = fixture("basic-es256.jwk.json");
        ec["crv"] = "P-384".into();
        let mut ec_wrong_d = fixture("basic-es256.jwk.json");
        ec_wrong_d["x"] = fixture("basic-rs256.jwk.json")["e"].clone();
        let cases = [
            ("{\"kty\": ", "not a valid JSON Web Key"),
            ("[1]", "nor a JSON Web Key"),
            ("{\"keys\": [1]}", "must be a JSON object"),
            (&without("d"), "no private member \"d\""),
            (&without("qi"), "lacks its CRT members"),
            (&with("kty", "oct".into()), "kty must be"),
            (&with("n", "!!!".into()), "\"n\" is not base64url"),
            (&with("e", 65537.into()), "\"e\" must be a string"),
            (&with("alg", "RS384".into()), "declares alg \"RS384\""),
            (&with("q", rsa["p"].clone()), "RSA JWK was rejected"),
            (&ec.to_string(), "only P-256"),
            (&ec_wrong_d.to_string(), "EC JWK was rejected"),
            (
                &serde_json::json!({"keys": [rsa.clone(), rsa.clone()]}).to_string(),
                "exactly one key",
            ),
        ];
        for (input, expected) in cases {
            let e = ClientKey::parse(input, "OKTA_OAUTH2_PRIVATE_KEY_PEM", Some("k")).unwrap_err();
            let s = e.to_string();
            assert!(s.starts_with("OKTA_OAUTH2_PRIVATE_KEY_PEM: "), "{s}");
            assert!(s.contains(expected), "{expected}: {s}");
            assert!(!s.contains(&d[..16]), "{s}");
        }
    }
}
