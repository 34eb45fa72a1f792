//! The command-line and environment side of authentication: `--auth api-token|oauth2` and the
//! OAuth 2.0 settings (okta-api.md §8), turned into [`Credentials`].
//!
//! The method, unless given: OAuth 2.0 when a client id is configured and no API token, else the
//! API token. The private key comes from `OKTA_OAUTH2_PRIVATE_KEY_PEM` (PEM or JWK text, from the
//! environment or `.env` only — a key on the command line would be visible to other users) or
//! from a file (`--private-key-file`, `OKTA_OAUTH2_PRIVATE_KEY_FILE`).

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use super::config::{ApiToken, Credentials};
use super::oauth::{ClientKey, OAuth2Credentials, default_scopes, parse_scopes};

/// The environment variable that may hold the private key itself.
pub const PRIVATE_KEY_PEM_ENV: &str = "OKTA_OAUTH2_PRIVATE_KEY_PEM";

/// How the collector authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMethod {
    /// An API token: `Authorization: SSWS …` (OKTA_API_TOKEN).
    ApiToken,
    /// An OAuth 2.0 service app: client credentials, private_key_jwt, DPoP when required.
    Oauth2,
}

/// Authentication options (flattened into the commands that read an org).
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Okta authentication")]
pub struct AuthArgs {
    /// Authentication method [default: oauth2 when a client id is set and no API token, else
    /// api-token].
    #[arg(long = "auth", value_enum, value_name = "METHOD")]
    pub method: Option<AuthMethod>,
    /// OAuth 2.0 service app client id (0oa…).
    #[arg(long, env = "OKTA_OAUTH2_CLIENT_ID", value_name = "CLIENT_ID")]
    pub client_id: Option<String>,
    /// The app's private key (PEM or JWK) as a file; or put the key itself in the environment
    /// variable OKTA_OAUTH2_PRIVATE_KEY_PEM (or .env).
    #[arg(long, env = "OKTA_OAUTH2_PRIVATE_KEY_FILE", value_name = "FILE")]
    pub private_key_file: Option<PathBuf>,
    /// The kid of the app's public key that matches the private key (optional for a JWK with
    /// its own kid).
    #[arg(long, env = "OKTA_OAUTH2_KEY_ID", value_name = "KID")]
    pub key_id: Option<String>,
    /// Scopes to request, space- or comma-separated [default: the read scopes every collection
    /// needs]. A collection whose scope is not granted is reported forbidden.
    #[arg(long, env = "OKTA_OAUTH2_SCOPES", value_name = "SCOPES")]
    pub scopes: Option<String>,
    /// The private key text from OKTA_OAUTH2_PRIVATE_KEY_PEM (environment only).
    #[arg(skip = PrivateKeyPem::from_env())]
    pub private_key_pem: Option<PrivateKeyPem>,
}

/// A private key held as text. `Debug` prints `***`.
#[derive(Clone)]
pub struct PrivateKeyPem(SecretString);

impl PrivateKeyPem {
    /// Wraps key text.
    pub fn new(text: String) -> Self {
        Self(SecretString::from(text))
    }

    /// `OKTA_OAUTH2_PRIVATE_KEY_PEM` when set and not blank.
    pub fn from_env() -> Option<Self> {
        std::env::var(PRIVATE_KEY_PEM_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(Self::new)
    }
}

impl std::fmt::Debug for PrivateKeyPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKeyPem(***)")
    }
}

fn non_blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl AuthArgs {
    /// The method to use: the flag, else OAuth 2.0 when a client id is set and `api_token` is
    /// not, else the API token.
    pub fn method(&self, api_token: Option<&str>) -> AuthMethod {
        let has_token = api_token.is_some_and(|t| !t.trim().is_empty());
        match self.method {
            Some(m) => m,
            None if non_blank(&self.client_id).is_some() && !has_token => AuthMethod::Oauth2,
            None => AuthMethod::ApiToken,
        }
    }

    /// The credentials these options (and the API token, if any) describe. Errors say what to
    /// set; a key that cannot be used is named (environment variable or file), never shown.
    pub fn credentials(&self, api_token: Option<String>) -> Result<Credentials, String> {
        let api_token = api_token.filter(|t| !t.trim().is_empty());
        match self.method(api_token.as_deref()) {
            AuthMethod::ApiToken => match api_token {
                Some(t) => Ok(Credentials::ApiToken(ApiToken::new(t.trim().to_string()))),
                None if self.method.is_some() => Err(
                    "--auth api-token: no API token; set OKTA_API_TOKEN (or OKTA_CLIENT_TOKEN) \
                     in the environment or .env"
                        .into(),
                ),
                None => Err(
                    "no credential: set OKTA_API_TOKEN (or OKTA_CLIENT_TOKEN) for an API token, \
                     or OKTA_OAUTH2_CLIENT_ID with OKTA_OAUTH2_PRIVATE_KEY_PEM or \
                     OKTA_OAUTH2_PRIVATE_KEY_FILE for an OAuth 2.0 service app"
                        .into(),
                ),
            },
            AuthMethod::Oauth2 => self.oauth2().map(Credentials::OAuth2),
        }
    }

    fn oauth2(&self) -> Result<OAuth2Credentials, String> {
        let client_id = non_blank(&self.client_id).ok_or(
            "OAuth 2.0: no client id; set OKTA_OAUTH2_CLIENT_ID or pass --client-id (the service \
             app's client id)",
        )?;
        let kid = non_blank(&self.key_id);
        let key = match (&self.private_key_pem, &self.private_key_file) {
            (Some(_), Some(file)) => {
                return Err(format!(
                    "OAuth 2.0: both {PRIVATE_KEY_PEM_ENV} and a private key file ({}) are set; \
                     keep one",
                    file.display()
                ));
            }
            (Some(pem), None) => ClientKey::parse(pem.0.expose_secret(), PRIVATE_KEY_PEM_ENV, kid),
            (None, Some(file)) => ClientKey::from_file(file, kid),
            (None, None) => {
                return Err(format!(
                    "OAuth 2.0: no private key; set {PRIVATE_KEY_PEM_ENV} (PEM or JWK) or \
                     OKTA_OAUTH2_PRIVATE_KEY_FILE / --private-key-file"
                ));
            }
        }
        .map_err(|e| format!("OAuth 2.0 private key {e}"))?;
        let scopes = match &self.scopes {
            Some(text) => {
                let scopes = parse_scopes(text);
                if scopes.is_empty() {
                    return Err("OKTA_OAUTH2_SCOPES / --scopes is empty".into());
                }
                scopes
            }
            None => default_scopes(),
        };
        Ok(OAuth2Credentials::new(client_id, key, scopes))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        auth: AuthArgs,
    }

    fn key_file(name: &str) -> PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/keys")
            .join(name)
    }

    fn oauth(args: AuthArgs) -> OAuth2Credentials {
        match args.credentials(None).unwrap() {
            Credentials::OAuth2(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_method_follows_what_is_configured_unless_given() {
        let mut a = AuthArgs::default();
        assert_eq!(a.method(None), AuthMethod::ApiToken);
        a.client_id = Some("0oa1".into());
        assert_eq!(a.method(None), AuthMethod::Oauth2);
        assert_eq!(a.method(Some("00tok")), AuthMethod::ApiToken);
        assert_eq!(a.method(Some("  ")), AuthMethod::Oauth2);
        a.method = Some(AuthMethod::Oauth2);
        assert_eq!(a.method(Some("00tok")), AuthMethod::Oauth2);
        a.method = Some(AuthMethod::ApiToken);
        assert_eq!(a.method(None), AuthMethod::ApiToken);
    }

    #[test]
    fn flags_parse_and_the_key_file_builds_oauth_credentials() {
        let cli = Cli::try_parse_from([
            "t",
            "--auth",
            "oauth2",
            "--client-id",
            "0oa1",
            "--private-key-file",
            key_file("basic-es256.pem").to_str().unwrap(),
            "--key-id",
            "basic-es256",
            "--scopes",
            "okta.users.read, okta.logs.read",
        ])
        .unwrap();
        let c = oauth(cli.auth);
        assert_eq!(c.client_id(), "0oa1");
        assert_eq!(c.scopes(), ["okta.users.read", "okta.logs.read"]);
    }

    #[test]
    fn the_key_may_come_from_the_environment_text_and_defaults_to_the_collector_scopes() {
        let text = std::fs::read_to_string(key_file("basic-rs256.jwk.json")).unwrap();
        let args = AuthArgs {
            client_id: Some("0oa1".into()),
            private_key_pem: Some(PrivateKeyPem::new(text)),
            ..AuthArgs::default()
        };
        let c = oauth(args.clone());
        assert_eq!(c.scopes(), default_scopes().as_slice());
        assert!(format!("{args:?}").contains("PrivateKeyPem(***)"));
    }

    #[test]
    fn missing_or_conflicting_settings_say_what_to_set() {
        let err = |args: AuthArgs, token: Option<&str>| {
            args.credentials(token.map(str::to_string)).unwrap_err()
        };
        assert!(err(AuthArgs::default(), None).contains("OKTA_OAUTH2_CLIENT_ID"));
        let explicit = AuthArgs {
            method: Some(AuthMethod::ApiToken),
            ..AuthArgs::default()
        };
        assert!(err(explicit, None).starts_with("--auth api-token"));
        let oauth = AuthArgs {
            method: Some(AuthMethod::Oauth2),
            ..AuthArgs::default()
        };
        assert!(err(oauth.clone(), Some("00tok")).contains("no client id"));
        let no_key = AuthArgs {
            client_id: Some("0oa1".into()),
            ..oauth.clone()
        };
        assert!(err(no_key.clone(), None).contains("no private key"));
        let both = AuthArgs {
            private_key_pem: Some(PrivateKeyPem::new("x".into())),
            private_key_file: Some("/k.pem".into()),
            ..no_key.clone()
        };
        assert!(err(both, None).contains("keep one"));
        let bad = AuthArgs {
            private_key_pem: Some(PrivateKeyPem::new("not-a-key-SECRETISH".into())),
            key_id: Some("k".into()),
            ..no_key.clone()
        };
        let e = err(bad, None);
        assert!(
            e.starts_with("OAuth 2.0 private key OKTA_OAUTH2_PRIVATE_KEY_PEM: "),
            "{e}"
        );
        assert!(!e.contains("SECRETISH"), "{e}");
        let missing_file = AuthArgs {
            private_key_file: Some("/nonexistent/app.pem".into()),
            ..no_key.clone()
        };
        assert!(err(missing_file, None).contains("/nonexistent/app.pem: cannot read"));
        let empty_scopes = AuthArgs {
            private_key_file: Some(key_file("basic-es256.pem")),
            key_id: Some("k".into()),
            scopes: Some(" , ".into()),
            ..no_key
        };
        assert!(err(empty_scopes, None).contains("OKTA_OAUTH2_SCOPES"));
    }
}
