//! The second-slice part of a generated org: OIDC apps (`apps.json`), custom roles, resource sets
//! and factors of admins.

use serde_json::{Map, Value, json};

use super::directory::{Directory, assignment, group_id, user_id};
use super::{GenSpec, Rng, ago, days, okta_id};

/// Scopes a service app may be granted.
const SCOPES: [&str; 10] = [
    "okta.users.read",
    "okta.users.manage",
    "okta.groups.read",
    "okta.groups.manage",
    "okta.apps.read",
    "okta.logs.read",
    "okta.roles.read",
    "okta.apiTokens.read",
    "okta.networkZones.read",
    "okta.policies.read",
];
/// Permissions a custom role may hold.
const PERMISSIONS: [&str; 12] = [
    "okta.users.read",
    "okta.users.manage",
    "okta.users.create",
    "okta.users.credentials.manage",
    "okta.groups.read",
    "okta.groups.manage",
    "okta.groups.members.manage",
    "okta.apps.read",
    "okta.apps.manage",
    "okta.apps.assignment.manage",
    "okta.policies.read",
    "okta.iam.read",
];
/// Client role types and labels.
const CLIENT_ROLES: [(&str, &str); 4] = [
    ("READ_ONLY_ADMIN", "Read Only Administrator"),
    ("ORG_ADMIN", "Organization Administrator"),
    ("SUPER_ADMIN", "Super Administrator"),
    ("APP_ADMIN", "Application Administrator"),
];
/// Factor types with their id prefixes and providers.
const FACTORS: [(&str, &str, &str); 7] = [
    ("push", "opf", "OKTA"),
    ("signed_nonce", "ost", "OKTA"),
    ("token:software:totp", "uft", "GOOGLE"),
    ("webauthn", "fwf", "FIDO"),
    ("sms", "mbl", "OKTA"),
    ("email", "emf", "OKTA"),
    ("question", "ufs", "OKTA"),
];

/// The id (and client id) of service app `k`.
pub(super) fn service_app_id(k: usize) -> String {
    okta_id("0oa", k)
}

/// The label of service app `k`.
pub(super) fn service_app_label(k: usize) -> String {
    format!("svc-integration-{k}")
}

/// Generates `apps.json`, `custom-roles.json`, `resource-sets.json` and `factors.json`.
pub(super) fn generate(spec: &GenSpec, dir: &Directory) -> Vec<(&'static str, Value)> {
    vec![
        ("apps.json", apps(spec)),
        ("custom-roles.json", custom_roles(spec)),
        ("resource-sets.json", resource_sets(spec, dir)),
        ("factors.json", factors(spec)),
    ]
}

fn apps(spec: &GenSpec) -> Value {
    let mut rng = Rng::new(spec.seed, "apps");
    let mut apps = Vec::with_capacity(spec.service_apps + spec.other_apps);
    for k in 0..spec.service_apps {
        let id = service_app_id(k);
        let created = days(10 + rng.below(900) as i64);
        let method = match rng.below(10) {
            0..5 => "private_key_jwt",
            5..9 => "client_secret_basic",
            _ => "client_secret_post",
        };
        let mut settings = json!({
            "application_type": "service", "grant_types": ["client_credentials"],
            "response_types": ["token"], "dpop_bound_access_tokens": rng.chance(0.3),
        });
        let mut app = json!({
            "id": id, "name": "oidc_client", "label": service_app_label(k),
            "status": if rng.chance(0.95) { "ACTIVE" } else { "INACTIVE" },
            "signOnMode": "OPENID_CONNECT", "created": ago(created), "lastUpdated": ago(created / 2),
            "credentials": {"oauthClient": {"client_id": id, "token_endpoint_auth_method": method,
                                            "autoKeyRotation": true, "pkce_required": false}},
        });
        let mut secrets = Vec::new();
        if method == "private_key_jwt" {
            let keys: Vec<Value> = (0..1 + rng.below(2))
                .map(|n| {
                    let made = ago(created - days(n as i64 * 30).min(created));
                    json!({"id": okta_id("pks", k * 4 + n), "kid": format!("key-{k}-{n}"),
                           "kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB",
                           "n": format!("synthetic-modulus-{k}-{n}"), "status": "ACTIVE",
                           "created": made, "lastUpdated": made})
                })
                .collect();
            settings["jwks"] = json!({"keys": keys});
        } else {
            for n in 0..1 + rng.below(2) {
                let made = ago(days(rng.below(400) as i64));
                secrets.push(json!({
                    "id": okta_id("ocs", k * 4 + n),
                    "client_secret": format!("generated-secret-{k}-{n}-{:016x}", rng.next_u64()),
                    "secret_hash": format!("{:016x}", rng.next_u64()),
                    "status": if n == 0 || rng.chance(0.5) { "ACTIVE" } else { "INACTIVE" },
                    "created": made, "lastUpdated": made,
                }));
            }
        }
        app["settings"] = json!({"oauthClient": settings});
        let grants: std::collections::BTreeSet<&str> =
            (0..1 + rng.below(4)).map(|_| *rng.pick(&SCOPES)).collect();
        app["grants"] = json!(grants);
        app["secrets"] = Value::Array(secrets);
        if rng.chance(0.3) {
            let (kind, label) = *rng.pick(&CLIENT_ROLES);
            app["roles"] = json!([assignment(kind, label, days(rng.below(400) as i64))]);
        }
        apps.push(app);
    }
    for k in 0..spec.other_apps {
        let id = okta_id("0oa", spec.service_apps + k);
        let kind = if k % 3 == 2 { "native" } else { "web" };
        let made = ago(days(10 + rng.below(900) as i64));
        apps.push(json!({
            "id": id, "name": "oidc_client", "label": format!("{kind}-app-{k}"), "status": "ACTIVE",
            "signOnMode": "OPENID_CONNECT", "created": made, "lastUpdated": made,
            "credentials": {"oauthClient": {"client_id": id,
                "token_endpoint_auth_method": if kind == "web" { "client_secret_basic" } else { "none" },
                "autoKeyRotation": true, "pkce_required": true}},
            "settings": {"oauthClient": {"application_type": kind,
                "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                "redirect_uris": [format!("https://app{k}.gen.example/callback")]}},
        }));
    }
    Value::Array(apps)
}

fn custom_roles(spec: &GenSpec) -> Value {
    let mut rng = Rng::new(spec.seed, "custom-roles");
    let roles: Vec<Value> = (0..spec.custom_roles)
        .map(|r| {
            let made = ago(days(10 + rng.below(700) as i64));
            let perms: std::collections::BTreeSet<&str> = (0..1 + rng.below(5))
                .map(|_| *rng.pick(&PERMISSIONS))
                .collect();
            json!({
                "role": {"id": okta_id("cr0", r), "label": format!("Custom role {r}"),
                         "description": format!("Generated custom role {r}"),
                         "created": made, "lastUpdated": made},
                "permissions": perms,
            })
        })
        .collect();
    Value::Array(roles)
}

fn resource_sets(spec: &GenSpec, dir: &Directory) -> Value {
    let mut rng = Rng::new(spec.seed, "resource-sets");
    let org = &dir.org_id;
    let mut member = 0;
    let sets: Vec<Value> = (0..spec.resource_sets)
        .map(|s| {
            let made = ago(days(10 + rng.below(700) as i64));
            let group = group_id(spec.admin_groups + rng.below(spec.groups - spec.admin_groups));
            let resources = match s % 4 {
                0 => json!([format!("orn:okta:directory:{org}:users"), "/api/v1/groups"]),
                1 => json!([
                    format!("orn:okta:directory:{org}:groups:{group}:contained_resources"),
                    format!("/api/v1/groups/{group}")
                ]),
                2 => json!([
                    format!("orn:okta:idp:{org}:apps"),
                    "/api/v1/apps?filter=name+eq+%22salesforce%22"
                ]),
                _ => json!([format!("orn:okta:directory:{org}:groups:{group}")]),
            };
            let mut bindings = Vec::new();
            if spec.custom_roles > 0 {
                let role = okta_id("cr0", rng.below(spec.custom_roles));
                let mut members = Vec::new();
                for _ in 0..1 + rng.below(3) {
                    // Direct admins (not the scanner), admin groups and service apps.
                    let principal = match rng.below(3) {
                        0 if !dir.admin_groups.is_empty() => {
                            format!("/api/v1/groups/{}", rng.pick(&dir.admin_groups))
                        }
                        1 if spec.service_apps > 0 => format!(
                            "/oauth2/v1/clients/{}",
                            service_app_id(rng.below(spec.service_apps))
                        ),
                        _ => format!(
                            "/api/v1/users/{}",
                            user_id(1 + rng.below(spec.direct_admins.saturating_sub(1).max(1)))
                        ),
                    };
                    if members
                        .iter()
                        .any(|m: &Value| m["principal"] == principal.as_str())
                    {
                        continue;
                    }
                    members.push(json!({"id": okta_id("irb", member), "principal": principal}));
                    member += 1;
                }
                bindings.push(json!({"role": role, "members": members}));
            }
            json!({
                "resource_set": {"id": okta_id("iam", s), "label": format!("Resource set {s}"),
                                 "description": format!("Generated resource set {s}"),
                                 "created": made, "lastUpdated": made},
                "resources": resources,
                "bindings": bindings,
            })
        })
        .collect();
    Value::Array(sets)
}

fn factors(spec: &GenSpec) -> Value {
    let mut rng = Rng::new(spec.seed, "factors");
    let mut by_user = Map::new();
    let mut next = 0;
    for i in 0..spec.admins() {
        let mut list: Vec<Value> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let (kind, prefix, provider) = *rng.pick(&FACTORS);
            if list.iter().any(|f| f["factorType"] == kind) {
                continue;
            }
            let made = ago(days(1 + rng.below(900) as i64));
            list.push(json!({
                "id": okta_id(prefix, next), "factorType": kind, "provider": provider,
                "vendorName": provider, "status": "ACTIVE", "created": made, "lastUpdated": made,
                "profile": {"credentialId": super::directory::login(i)},
            }));
            next += 1;
        }
        by_user.insert(user_id(i), Value::Array(list));
    }
    Value::Object(by_user)
}
