//! The directory part of a generated org: `org.json`, users, user types, groups and members,
//! standard role assignments, API tokens and network zones.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::{AS_OF, GenSpec, Rng, SCAN_SECRET, ago, days, okta_id};

const FIRST: [&str; 24] = [
    "Ada", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena",
    "Mo", "Nia", "Omar", "Pia", "Quinn", "Ravi", "Sara", "Tomas", "Uma", "Vik", "Wen", "Yara",
];
const LAST: [&str; 16] = [
    "Adams", "Berg", "Costa", "Diaz", "Evans", "Fischer", "Garcia", "Haas", "Ito", "Jensen",
    "Khan", "Lopez", "Meyer", "Novak", "Okafor", "Park",
];
/// Standard role types with their labels and draw weights.
pub(super) const ROLES: [(&str, &str, usize); 9] = [
    ("SUPER_ADMIN", "Super Administrator", 2),
    ("ORG_ADMIN", "Organization Administrator", 8),
    ("APP_ADMIN", "Application Administrator", 15),
    ("USER_ADMIN", "Group Administrator", 15),
    ("HELP_DESK_ADMIN", "Help Desk Administrator", 20),
    (
        "GROUP_MEMBERSHIP_ADMIN",
        "Group Membership Administrator",
        10,
    ),
    ("READ_ONLY_ADMIN", "Read Only Administrator", 20),
    ("REPORT_ADMIN", "Report Administrator", 8),
    (
        "API_ACCESS_MANAGEMENT_ADMIN",
        "API Access Management Administrator",
        2,
    ),
];
const CATALOG_APPS: [&str; 6] = ["salesforce", "github", "slack", "zoomus", "workday", "box"];
const PURPOSES: [&str; 8] = [
    "scim-sync",
    "siem-export",
    "terraform",
    "backup",
    "reporting",
    "hr-import",
    "ticketing",
    "monitoring",
];

/// The generated directory, and what the other parts need to know about it.
pub(super) struct Directory {
    /// The JSON files.
    pub(super) files: Vec<(&'static str, Value)>,
    /// The org id.
    pub(super) org_id: String,
    /// Ids of the admin groups.
    pub(super) admin_groups: Vec<String>,
}

/// The id of user `i`.
pub(super) fn user_id(i: usize) -> String {
    okta_id("00u", i)
}

/// The id of group `i`.
pub(super) fn group_id(i: usize) -> String {
    okta_id("00g", i)
}

/// The login of user `i` (derived from the index alone, so other parts can rebuild it).
pub(super) fn login(i: usize) -> String {
    let (first, last) = name(i);
    format!(
        "{}.{}{i}@gen.example",
        first.to_lowercase(),
        last.to_lowercase()
    )
}

/// First and last name of user `i`.
pub(super) fn name(i: usize) -> (&'static str, &'static str) {
    (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()])
}

/// RFC 4648 Base32 without padding: Okta's ids of standard role assignments encode the role type.
pub(super) fn base32(text: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// A weighted draw from [`ROLES`].
pub(super) fn draw_role(rng: &mut Rng) -> (&'static str, &'static str) {
    let total: usize = ROLES.iter().map(|r| r.2).sum();
    let mut n = rng.below(total);
    for (kind, label, weight) in ROLES {
        if n < weight {
            return (kind, label);
        }
        n -= weight;
    }
    (ROLES[0].0, ROLES[0].1)
}

/// A standard role assignment as `roles.json` holds it (targets fixture-only).
pub(super) fn assignment(kind: &str, label: &str, created_ago: i64) -> Map<String, Value> {
    let created = ago(created_ago);
    let v = json!({
        "id": base32(kind), "label": label, "type": kind, "status": "ACTIVE",
        "created": created, "lastUpdated": created,
    });
    v.as_object().cloned().unwrap_or_default()
}

/// Generates the directory files.
pub(super) fn generate(spec: &GenSpec) -> Directory {
    let org_id = okta_id("00o", spec.seed as usize % 1_000_000);
    let org = json!({
        "org_id": org_id,
        "as_of": AS_OF,
        "api_token_secrets": {SCAN_SECRET: okta_id("00T", 0)},
        "assignees_include_group_members": false,
    });
    let user_types = json!([
        {"id": okta_id("oty", 0), "name": "user", "displayName": "User", "description": "Okta User",
         "default": true, "created": ago(days(1500)), "lastUpdated": ago(days(1500))},
        {"id": okta_id("oty", 1), "name": "service", "displayName": "Service account",
         "description": "Non-human accounts", "default": false, "created": ago(days(1400)),
         "lastUpdated": ago(days(1400))},
    ]);
    let (groups, members, admin_groups) = groups(spec);
    let files = vec![
        ("org.json", org),
        ("user-types.json", user_types),
        ("users.json", users(spec)),
        ("groups.json", groups),
        ("group-members.json", members),
        ("roles.json", roles(spec, &admin_groups)),
        ("zones.json", zones(spec)),
        ("api-tokens.json", tokens(spec)),
    ];
    Directory {
        files,
        org_id,
        admin_groups,
    }
}

fn users(spec: &GenSpec) -> Value {
    let mut rng = Rng::new(spec.seed, "users");
    let service_from = spec.users - spec.service_users;
    let users: Vec<Value> = (0..spec.users)
        .map(|i| {
            let service = i >= service_from || i == 0;
            let admin = i < spec.admins();
            let status = match rng.below(100) {
                _ if i == 0 => "ACTIVE",
                n if n < 92 || (admin && n < 96) => "ACTIVE",
                n if n < 96 => "SUSPENDED",
                n if n < 98 => "DEPROVISIONED",
                _ => "PROVISIONED",
            };
            let created = days(30 + rng.below(1800) as i64);
            let last_login = if service && rng.chance(0.8) || rng.chance(0.03) {
                Value::Null
            } else {
                let idle = if rng.chance(0.1) { 120 + rng.below(400) } else { rng.below(90) };
                json!(ago(days(idle.min(created as usize / 86_400) as i64) + rng.below(86_400) as i64))
            };
            let (first, last) = if i == 0 { ("Tokenwarden", "Scanner") } else { name(i) };
            let login = if i == 0 { "svc-tokenwarden@gen.example".to_owned() } else { login(i) };
            json!({
                "id": user_id(i), "status": status,
                "created": ago(created), "activated": ago(created), "statusChanged": ago(created / 2),
                "lastLogin": last_login, "lastUpdated": ago(created / 3),
                "passwordChanged": ago(created / 2),
                "type": {"id": okta_id("oty", usize::from(service))},
                "profile": {
                    "firstName": first, "lastName": last, "login": login, "email": login,
                    "userType": if service { "Service" } else { "Employee" },
                },
            })
        })
        .collect();
    Value::Array(users)
}

/// Groups, members per group, and the ids of the admin groups.
fn groups(spec: &GenSpec) -> (Value, Value, Vec<String>) {
    let mut rng = Rng::new(spec.seed, "groups");
    let mut groups = Vec::with_capacity(spec.groups);
    let mut members = Map::new();
    let mut admin_groups = Vec::new();
    let max_size = (spec.users / 10).clamp(3, 200);
    for g in 0..spec.groups {
        let id = group_id(g);
        let admin = g < spec.admin_groups;
        let name = if admin {
            format!("Admins {g}")
        } else {
            format!("{} team {g}", PURPOSES[g % PURPOSES.len()])
        };
        let created = days(60 + rng.below(1500) as i64);
        groups.push(json!({
            "id": id, "created": ago(created), "lastUpdated": ago(created / 2),
            "lastMembershipUpdated": ago(days(rng.below(60) as i64)),
            "objectClass": ["okta:user_group"], "type": "OKTA_GROUP",
            "profile": {"name": name, "description": format!("Generated group {g}")},
        }));
        let mut ids = BTreeSet::new();
        if admin {
            let from = spec.direct_admins + g * spec.admin_group_members;
            ids.extend(from..from + spec.admin_group_members);
            // A direct admin in the group too, as in real orgs.
            ids.insert(1 + rng.below(spec.direct_admins.saturating_sub(1).max(1)));
            admin_groups.push(id.clone());
        } else {
            let size = 2 + rng.below(max_size);
            while ids.len() < size.min(spec.users) {
                ids.insert(rng.below(spec.users));
            }
        }
        members.insert(id, ids.into_iter().map(user_id).collect());
    }
    (Value::Array(groups), Value::Object(members), admin_groups)
}

fn roles(spec: &GenSpec, admin_groups: &[String]) -> Value {
    let mut rng = Rng::new(spec.seed, "roles");
    let other_groups = spec.groups - spec.admin_groups;
    let targets = |rng: &mut Rng, kind: &str, a: &mut Map<String, Value>| {
        let targetable = matches!(
            kind,
            "APP_ADMIN" | "USER_ADMIN" | "HELP_DESK_ADMIN" | "GROUP_MEMBERSHIP_ADMIN"
        );
        if !targetable || !rng.chance(0.5) {
            return;
        }
        if kind == "APP_ADMIN" {
            let n = 1 + rng.below(3);
            let apps: Vec<&str> = (0..n).map(|_| *rng.pick(&CATALOG_APPS)).collect();
            let apps: BTreeSet<&str> = apps.into_iter().collect();
            a.insert("targets".into(), json!({"apps": apps}));
        } else {
            let n = 1 + rng.below(3);
            let groups: BTreeSet<String> = (0..n)
                .map(|_| group_id(spec.admin_groups + rng.below(other_groups)))
                .collect();
            a.insert("targets".into(), json!({"groups": groups}));
        }
    };
    let mut users = Map::new();
    for i in 0..spec.direct_admins {
        let mut list: Vec<Map<String, Value>> = Vec::new();
        let count = if i == 0 {
            1
        } else {
            1 + usize::from(rng.chance(0.25))
        };
        while list.len() < count {
            let (kind, label) = if i == 0 {
                ("READ_ONLY_ADMIN", "Read Only Administrator")
            } else {
                draw_role(&mut rng)
            };
            if list.iter().any(|a| a["type"] == kind) {
                continue;
            }
            let mut a = assignment(kind, label, days(1 + rng.below(900) as i64));
            targets(&mut rng, kind, &mut a);
            list.push(a);
        }
        users.insert(
            user_id(i),
            Value::Array(list.into_iter().map(Value::Object).collect()),
        );
    }
    let mut groups = Map::new();
    for (g, id) in admin_groups.iter().enumerate() {
        let (kind, label) = if g == 0 {
            ("SUPER_ADMIN", "Super Administrator")
        } else {
            draw_role(&mut rng)
        };
        let mut a = assignment(kind, label, days(1 + rng.below(900) as i64));
        targets(&mut rng, kind, &mut a);
        groups.insert(id.clone(), json!([a]));
    }
    json!({"users": users, "groups": groups})
}

/// The ids of the zones tokens may be bound to (policy IP zones).
pub(super) fn policy_zone(spec: &GenSpec, rng: &mut Rng) -> String {
    okta_id("nzo", 3 + rng.below(spec.zones - 3))
}

fn zones(spec: &GenSpec) -> Value {
    let mut rng = Rng::new(spec.seed, "zones");
    let created = ago(days(1500));
    let mut zones = vec![
        json!({"type": "IP", "id": okta_id("nzo", 0), "name": "LegacyIpZone", "status": "ACTIVE",
               "usage": "POLICY", "system": true, "created": created, "lastUpdated": created,
               "gateways": null, "proxies": null}),
        json!({"type": "IP", "id": okta_id("nzo", 1), "name": "BlockedIpZone", "status": "ACTIVE",
               "usage": "BLOCKLIST", "system": true, "created": created, "lastUpdated": created,
               "gateways": [{"type": "CIDR", "value": "203.0.113.0/24"}], "proxies": null}),
        json!({"type": "DYNAMIC", "id": okta_id("nzo", 2), "name": "Blocked countries",
               "status": "ACTIVE", "usage": "BLOCKLIST", "system": false, "created": created,
               "lastUpdated": created, "locations": [{"country": "KP", "region": null}],
               "proxyType": null, "asns": []}),
    ];
    for z in 3..spec.zones {
        let n = 1 + rng.below(4);
        let mut gateways: Vec<Value> = (0..n)
            .map(|_| {
                json!({"type": "CIDR",
                       "value": format!("10.{}.{}.0/24", rng.below(256), rng.below(256))})
            })
            .collect();
        if z == 4 {
            // One zone that lets everyone in, for the zone rules.
            gateways.push(json!({"type": "CIDR", "value": "0.0.0.0/0"}));
        }
        let made = ago(days(30 + rng.below(900) as i64));
        zones.push(json!({
            "type": "IP", "id": okta_id("nzo", z), "name": format!("Office network {z}"),
            "status": if rng.chance(0.9) { "ACTIVE" } else { "INACTIVE" }, "usage": "POLICY",
            "system": false, "created": made, "lastUpdated": made, "gateways": gateways,
            "proxies": null,
        }));
    }
    Value::Array(zones)
}

fn tokens(spec: &GenSpec) -> Value {
    let mut rng = Rng::new(spec.seed, "tokens");
    let service_from = spec.users - spec.service_users;
    let tokens: Vec<Value> = (0..spec.tokens)
        .map(|t| {
            let owner = match t {
                0 => 0,
                _ if rng.chance(0.4) => rng.below(spec.admins()),
                _ => service_from + rng.below(spec.service_users),
            };
            let created = if t == 0 {
                days(60)
            } else {
                days(1 + rng.below(900) as i64)
            };
            // Okta deletes a token unused for its window (30 days): every listed one is fresher.
            let used = (days(rng.below(29) as i64) + rng.below(86_400) as i64).min(created);
            let used = if t == 0 { days(1) } else { used };
            let network = if t != 0 && rng.chance(0.6) {
                json!({"connection": "ANYWHERE", "include": [], "exclude": []})
            } else {
                json!({"connection": "ZONE", "include": [policy_zone(spec, &mut rng)],
                       "exclude": []})
            };
            let purpose = if t == 0 {
                "tokenwarden-scanner"
            } else {
                *rng.pick(&PURPOSES)
            };
            json!({
                "id": okta_id("00T", t), "name": format!("{purpose}-{t}"), "userId": user_id(owner),
                "clientName": "Okta API", "tokenWindow": "P30D", "network": network,
                "created": ago(created), "lastUpdated": ago(used),
                "expiresAt": ago(used - days(30)),
            })
        })
        .collect();
    Value::Array(tokens)
}
