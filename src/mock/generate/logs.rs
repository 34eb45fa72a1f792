//! The System Log of a generated org: events over the 89 days before `as_of`, in published order,
//! generated one at a time (a large org has 200,000 of them).
//!
//! Mix, after what a busy org's log holds: 55 % sign-ins and SSO (not governance events: a
//! collector should not need them), 20 % API calls made with API tokens
//! (`transaction.detail.requestApiTokenId`, actor the token's owner, from one or two addresses per
//! token — a tenth of the tokens from many), 12 % Admin Console visits by admins, 8 % access
//! tokens granted to service apps, 5 % governance changes (token created / revoked / used outside
//! its zone, privilege grants, IAM and credential changes).

use serde_json::{Value, json};

use super::apps::{service_app_id, service_app_label};
use super::directory::{login, user_id};
use super::{GenSpec, GeneratedOrg, Rng, as_of, days, time};

/// Non-governance operations an API token performs.
const TOKEN_CALLS: [(&str, &str); 5] = [
    ("user.account.update_profile", "/api/v1/users"),
    ("group.user_membership.add", "/api/v1/groups"),
    ("group.user_membership.remove", "/api/v1/groups"),
    ("application.user_membership.add", "/api/v1/apps"),
    ("user.lifecycle.deactivate", "/api/v1/users"),
];
/// Sign-in events (not governance events).
const SIGN_INS: [&str; 3] = [
    "user.session.start",
    "user.authentication.sso",
    "user.authentication.auth_via_mfa",
];
/// Governance events, drawn in turn.
const CHANGES: [&str; 12] = [
    "system.api_token.create",
    "system.api_token.revoke",
    "system.api_token.request_outside_allowed_range",
    "user.account.privilege.grant",
    "user.account.privilege.revoke",
    "group.privilege.grant",
    "app.oauth2.client.privilege.grant",
    "iam.role.create",
    "iam.resourceset.bindings.add",
    "app.oauth2.credentials.lifecycle.create",
    "app.oauth2.client.read_client_secret",
    "zone.update",
];

/// The events of a generated org, in published order.
#[derive(Debug, Clone)]
pub struct Events {
    rng: Rng,
    next: usize,
    count: usize,
    start_ms: i64,
    step_ms: i64,
    /// (token id, owner index) of every token.
    tokens: Vec<(String, usize)>,
    users: usize,
    admins: usize,
    apps: usize,
}

impl Events {
    pub(super) fn new(spec: &GenSpec, org: &GeneratedOrg) -> Events {
        let tokens = org
            .file("api-tokens.json")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|t| {
                        let id = t.get("id")?.as_str()?.to_owned();
                        let owner = t.get("userId")?.as_str()?;
                        let index = owner.get(4..)?.parse().ok()?;
                        Some((id, index))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let span_ms = days(89) * 1000;
        let count = spec.log_events;
        Events {
            rng: Rng::new(spec.seed, "logs"),
            next: 0,
            count,
            start_ms: as_of().timestamp_millis() - span_ms,
            step_ms: (span_ms / i64::try_from(count.max(1)).unwrap_or(1)).max(1),
            tokens,
            users: spec.users,
            admins: spec.admins(),
            apps: spec.service_apps,
        }
    }

    fn user_actor(&self, i: usize) -> Value {
        json!({"id": user_id(i), "type": "User", "alternateId": login(i),
               "displayName": login(i), "detailEntry": null})
    }

    fn event(&mut self, n: usize) -> Value {
        let published = self.start_ms
            + i64::try_from(n).unwrap_or(0) * self.step_ms
            + i64::try_from(
                self.rng
                    .below(usize::try_from(self.step_ms / 2).unwrap_or(1)),
            )
            .unwrap_or(0);
        let published = chrono::DateTime::from_timestamp_millis(published).unwrap_or_default();
        let uuid = {
            let (a, b) = (self.rng.next_u64(), self.rng.next_u64());
            format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                a >> 32,
                (a >> 16) & 0xffff,
                a & 0xfff,
                b >> 52,
                b & 0xffff_ffff_ffff
            )
        };
        let roll = self.rng.below(100);
        let mut detail = json!({});
        let mut debug = json!({});
        let (kind, actor, ip, target) = if roll < 20 && !self.tokens.is_empty() {
            let t = self.rng.below(self.tokens.len());
            let (token, owner) = self.tokens[t].clone();
            // Most tokens call from one or two addresses; every tenth from many.
            let spread = if t % 10 == 3 { 12 } else { 2 };
            let ip = format!("198.18.{}.{}", t % 250, 10 + self.rng.below(spread));
            let (kind, uri) = *self.rng.pick(&TOKEN_CALLS);
            detail = json!({"requestApiTokenId": token});
            debug = json!({"requestUri": uri, "threatSuspected": "false"});
            let who = self.rng.below(self.users);
            (kind, self.user_actor(owner), ip, self.user_actor(who))
        } else if roll < 32 {
            let admin = self.rng.below(self.admins);
            let ip = format!("10.20.{}.{}", admin % 250, self.rng.below(250));
            let target = json!({"id": "0oaadminconsole", "type": "AppInstance",
                                "alternateId": "Okta Admin Console", "displayName": "Okta Admin Console"});
            (
                "user.session.access_admin_app",
                self.user_actor(admin),
                ip,
                target,
            )
        } else if roll < 40 && self.apps > 0 {
            let k = self.rng.below(self.apps);
            let id = service_app_id(k);
            debug = json!({"grantType": "client_credentials", "grantedScopes": "okta.users.read"});
            let actor = json!({"id": id, "type": "PublicClientApp", "alternateId": id,
                               "displayName": service_app_label(k), "detailEntry": null});
            let ip = format!("198.19.{}.{}", k % 250, self.rng.below(4));
            let target = json!({"id": "aus-org", "type": "AuthorizationServer"});
            ("app.oauth2.token.grant.access_token", actor, ip, target)
        } else if roll < 95 {
            let who = self.rng.below(self.users);
            let ip = format!("100.64.{}.{}", who % 250, self.rng.below(250));
            let kind = *self.rng.pick(&SIGN_INS);
            (kind, self.user_actor(who), ip, json!({}))
        } else {
            let kind = CHANGES[n % CHANGES.len()];
            let admin = self.rng.below(self.admins);
            let ip = format!("10.20.{}.{}", admin % 250, self.rng.below(250));
            let who = self.rng.below(self.users);
            let mut target = self.user_actor(who);
            if kind.starts_with("system.api_token.") && !self.tokens.is_empty() {
                let (token, owner) = self.tokens[self.rng.below(self.tokens.len())].clone();
                target = json!({"id": token, "type": "Token", "alternateId": "unknown",
                                "displayName": token});
                if kind.ends_with("outside_allowed_range") {
                    detail = json!({"requestApiTokenId": token});
                    let ip = format!("192.0.2.{}", self.rng.below(250));
                    return self.body(
                        uuid,
                        published,
                        kind,
                        self.user_actor(owner),
                        ip,
                        detail,
                        debug,
                        target,
                        "DENY",
                    );
                }
            }
            if kind.contains("privilege") {
                debug = json!({"privilegeGranted": "Organization administrator"});
            }
            (kind, self.user_actor(admin), ip, target)
        };
        self.body(
            uuid, published, kind, actor, ip, detail, debug, target, "SUCCESS",
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn body(
        &self,
        uuid: String,
        published: chrono::DateTime<chrono::Utc>,
        kind: &str,
        actor: Value,
        ip: String,
        detail: Value,
        debug: Value,
        target: Value,
        result: &str,
    ) -> Value {
        let targets = if target.as_object().is_some_and(|o| o.is_empty()) {
            json!([])
        } else {
            json!([target])
        };
        json!({
            "uuid": uuid, "published": time(published), "eventType": kind, "version": "0",
            "severity": if result == "SUCCESS" { "INFO" } else { "WARN" },
            "legacyEventType": null, "displayMessage": kind,
            "actor": actor,
            "client": {"ipAddress": ip, "zone": null, "device": "Computer",
                       "userAgent": {"rawUserAgent": "tokenwarden-synthetic/1", "os": "Unknown",
                                     "browser": "UNKNOWN"}},
            "outcome": {"result": result, "reason": null},
            "transaction": {"type": "WEB", "id": format!("W{}", &uuid[..8]), "detail": detail},
            "debugContext": {"debugData": debug},
            "target": targets,
        })
    }
}

impl Iterator for Events {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        if self.next >= self.count {
            return None;
        }
        let n = self.next;
        self.next += 1;
        Some(self.event(n))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.count - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Events {}
