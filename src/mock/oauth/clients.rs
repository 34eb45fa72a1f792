//! The OAuth 2.0 service apps that may get tokens: `org.json`'s `oauth_clients`
//! (docs/architecture.md §2), checked at load so that a fixture with a private key in it, a key
//! without a `kid` or a JWK jsonwebtoken cannot use fails with the client and key named.

use std::collections::BTreeMap;
use std::time::Duration;

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::Jwk;
use serde_json::{Map, Value};

use crate::mock::MockError;

/// JWK members that only a private key has.
pub(super) const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// One registered public key of an app.
#[derive(Debug, Clone)]
pub(crate) struct ClientJwk {
    pub(crate) kid: String,
    pub(crate) jwk: Jwk,
    /// `alg` when the key declares one.
    pub(crate) alg: Option<String>,
    /// `status` other than `INACTIVE`.
    pub(crate) active: bool,
}

/// A service app as the org authorization server knows it.
#[derive(Debug, Clone)]
pub(crate) struct OAuthClient {
    /// Its public keys (`settings.oauthClient.jwks.keys`).
    pub(crate) keys: Vec<ClientJwk>,
    /// The Okta API scopes granted to it.
    pub(crate) scopes: Vec<String>,
    /// `dpop_bound_access_tokens`: tokens only with a DPoP proof.
    pub(crate) dpop: bool,
    /// Lifetime of its access tokens (Okta: 1 h).
    pub(crate) token_lifetime: Duration,
}

impl OAuthClient {
    /// The active key with this `kid`.
    pub(crate) fn key(&self, kid: &str) -> Option<&ClientJwk> {
        self.keys.iter().find(|k| k.active && k.kid == kid)
    }
}

/// Parses `oauth_clients`: `{"<client_id>": {"jwks": {"keys": [<public JWK>…]}, "scopes": […],
/// "dpop": bool, "token_lifetime_secs": n}}`.
pub(crate) fn parse_clients(
    file: &str,
    value: &Value,
) -> Result<BTreeMap<String, OAuthClient>, MockError> {
    let bad = |problem: String| MockError::invalid(file, format!("oauth_clients: {problem}"));
    let clients = value
        .as_object()
        .ok_or_else(|| bad("must be an object of client id → client".into()))?;
    let mut out = BTreeMap::new();
    for (client_id, client) in clients {
        let at = |problem: String| bad(format!("{client_id}: {problem}"));
        let client = client
            .as_object()
            .ok_or_else(|| at("must be an object".into()))?;
        for key in client.keys() {
            if !key.starts_with('_')
                && !["jwks", "scopes", "dpop", "token_lifetime_secs"].contains(&key.as_str())
            {
                return Err(at(format!(
                    "unknown key {key:?} (known: jwks, scopes, dpop, token_lifetime_secs)"
                )));
            }
        }
        let keys = client
            .get("jwks")
            .and_then(|j| j.get("keys"))
            .and_then(Value::as_array)
            .ok_or_else(|| at("missing \"jwks\": {\"keys\": [...]}".into()))?
            .iter()
            .enumerate()
            .map(|(i, k)| parse_key(k).map_err(|p| at(format!("jwks.keys[{i}]: {p}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let scopes = match client.get("scopes") {
            None => Vec::new(),
            Some(v) => v
                .as_array()
                .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_owned)).collect())
                .ok_or_else(|| at("\"scopes\" must be an array of strings".into()))?,
        };
        let dpop = match client.get("dpop") {
            None => false,
            Some(v) => v
                .as_bool()
                .ok_or_else(|| at("\"dpop\" must be true or false".into()))?,
        };
        let lifetime = match client.get("token_lifetime_secs") {
            None => 3600,
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=86_400).contains(n))
                .ok_or_else(|| at("\"token_lifetime_secs\" must be 1 to 86400".into()))?,
        };
        out.insert(
            client_id.clone(),
            OAuthClient {
                keys,
                scopes,
                dpop,
                token_lifetime: Duration::from_secs(lifetime),
            },
        );
    }
    Ok(out)
}

fn parse_key(value: &Value) -> Result<ClientJwk, String> {
    let map: &Map<String, Value> = value.as_object().ok_or("must be a JWK object")?;
    let kid = map
        .get("kid")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .ok_or("missing string \"kid\"")?;
    if let Some(m) = PRIVATE_MEMBERS.iter().find(|m| map.contains_key(**m)) {
        return Err(format!(
            "kid {kid}: private member {m:?}; a fixture holds only public keys"
        ));
    }
    let jwk: Jwk =
        serde_json::from_value(value.clone()).map_err(|e| format!("kid {kid}: not a JWK: {e}"))?;
    DecodingKey::from_jwk(&jwk).map_err(|e| format!("kid {kid}: unusable public key: {e}"))?;
    Ok(ClientJwk {
        kid: kid.to_owned(),
        jwk,
        alg: map.get("alg").and_then(Value::as_str).map(str::to_owned),
        active: map.get("status").and_then(Value::as_str) != Some("INACTIVE"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ec_key() -> Value {
        json!({"kty": "EC", "kid": "k1", "crv": "P-256", "alg": "ES256",
               "x": "21WNc83UruGHOOqvvgztm0hiI5D2eN73OEvBhjnkRvY",
               "y": "gCQNFef9URDWWvK3vcoaXaiBda12-4dUr3ydVgVK5AY"})
    }

    #[test]
    fn a_client_with_defaults_loads() {
        let clients =
            parse_clients("org.json", &json!({"0oa1": {"jwks": {"keys": [ec_key()]}}})).unwrap();
        let c = &clients["0oa1"];
        assert!(!c.dpop && c.scopes.is_empty());
        assert_eq!(c.token_lifetime, Duration::from_secs(3600));
        assert!(c.key("k1").is_some() && c.key("k2").is_none());
    }

    #[test]
    fn broken_clients_name_the_client_and_key() {
        let mut private = ec_key();
        private["d"] = "AAAA".into();
        let mut inactive = ec_key();
        inactive["status"] = "INACTIVE".into();
        let inactive =
            parse_clients("f", &json!({"0oa1": {"jwks": {"keys": [inactive]}}})).unwrap();
        assert!(inactive["0oa1"].key("k1").is_none());
        for (value, expected) in [
            (json!([]), "must be an object"),
            (json!({"0oa1": {}}), "0oa1: missing \"jwks\""),
            (
                json!({"0oa1": {"jwks": {"keys": [private]}}}),
                "kid k1: private member \"d\"",
            ),
            (
                json!({"0oa1": {"jwks": {"keys": [{"kty": "EC"}]}}}),
                "missing string \"kid\"",
            ),
            (
                json!({"0oa1": {"jwks": {"keys": []}, "dpop": "yes"}}),
                "\"dpop\" must be",
            ),
            (
                json!({"0oa1": {"jwks": {"keys": []}, "scopes": "x"}}),
                "\"scopes\" must be",
            ),
            (
                json!({"0oa1": {"jwks": {"keys": []}, "secret": 1}}),
                "unknown key \"secret\"",
            ),
            (
                json!({"0oa1": {"jwks": {"keys": []}, "token_lifetime_secs": 0}}),
                "token_lifetime_secs",
            ),
        ] {
            let e = parse_clients("org.json", &value).unwrap_err().to_string();
            assert!(e.starts_with("org.json: oauth_clients: "), "{e}");
            assert!(e.contains(expected), "{expected}: {e}");
        }
    }
}
