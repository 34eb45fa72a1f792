use std::collections::BTreeSet;

use super::*;
use crate::mock::{Org, OrgSource};

fn arr<'a>(org: &'a GeneratedOrg, file: &str) -> &'a Vec<Value> {
    org.file(file).and_then(Value::as_array).unwrap()
}

/// Users holding a role directly, through a group, or through a resource-set binding.
fn admins(org: &GeneratedOrg) -> BTreeSet<String> {
    let roles = org.file("roles.json").unwrap();
    let mut ids: BTreeSet<String> = roles["users"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let members = org.file("group-members.json").unwrap();
    for group in roles["groups"].as_object().unwrap().keys() {
        for m in members[group].as_array().unwrap() {
            ids.insert(m.as_str().unwrap().to_owned());
        }
    }
    ids
}

#[test]
fn the_same_seed_gives_the_same_org_and_another_seed_another() {
    let spec = GenSpec::sized(GenSize::Small, 7);
    let a = generate(&spec).unwrap();
    let b = generate(&spec).unwrap();
    assert_eq!(a, b);
    assert!(a.events().eq(b.events()), "events differ");
    let c = generate(&GenSpec::sized(GenSize::Small, 8)).unwrap();
    assert_ne!(a.file("users.json"), c.file("users.json"));
    assert!(!a.events().eq(c.events()));
}

#[test]
fn sizes_have_the_counts_they_promise() {
    for (size, users, tokens, admins_wanted, apps, events) in [
        (GenSize::Small, 60, 10, 16, 4, 300),
        (GenSize::Medium, 2_000, 200, 200, 20, 5_000),
    ] {
        let org = generate(&GenSpec::sized(size, 1)).unwrap();
        assert_eq!(arr(&org, "users.json").len(), users, "{size:?}");
        assert_eq!(arr(&org, "api-tokens.json").len(), tokens, "{size:?}");
        assert_eq!(admins(&org).len(), admins_wanted, "{size:?}");
        assert_eq!(org.spec.admins(), admins_wanted);
        let service = arr(&org, "apps.json")
            .iter()
            .filter(|a| a["settings"]["oauthClient"]["application_type"] == "service")
            .count();
        assert_eq!(service, apps, "{size:?}");
        assert_eq!(org.events().len(), events);
    }
    let large = GenSpec::sized(GenSize::Large, 1);
    assert!(large.tokens >= 2_000 && large.users >= 20_000 && large.admins() >= 2_000);
    assert!(large.service_apps >= 200 && large.log_events >= 200_000);
    assert!(large.validate().is_ok());
}

#[test]
fn events_are_in_published_order_with_unique_uuids_and_token_activity() {
    let org = generate(&GenSpec::sized(GenSize::Small, 3)).unwrap();
    let events: Vec<Value> = org.events().collect();
    let published: Vec<&str> = events
        .iter()
        .map(|e| e["published"].as_str().unwrap())
        .collect();
    assert!(published.windows(2).all(|w| w[0] <= w[1]));
    assert!(published[0] > "2026-04-01" && published[published.len() - 1] < AS_OF);
    let uuids: BTreeSet<&str> = events.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
    assert_eq!(uuids.len(), events.len());
    let by_token = events
        .iter()
        .filter(|e| e["transaction"]["detail"]["requestApiTokenId"].is_string())
        .count();
    assert!(by_token > events.len() / 8, "{by_token}");
}

#[test]
fn a_generated_org_loads_like_a_fixture_and_its_scanner_token_is_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let generated = write_org(&GenSpec::sized(GenSize::Small, 5), tmp.path()).unwrap();
    let org = Org::load(&OrgSource::Dir(tmp.path().to_path_buf())).unwrap();
    assert_eq!(org.users().len(), generated.spec.users);
    assert_eq!(org.api_tokens().len(), generated.spec.tokens);
    assert_eq!(org.scan_secret(), Some(SCAN_SECRET));
    let scanner = &org.api_tokens()[0];
    assert!(scanner["expiresAt"].as_str().unwrap() > AS_OF);
    // Written files are the generated ones, byte for byte stable.
    let again = tempfile::tempdir().unwrap();
    write_org(&GenSpec::sized(GenSize::Small, 5), again.path()).unwrap();
    for name in ["users.json", "roles.json", "logs.jsonl", "apps.json"] {
        let a = std::fs::read(tmp.path().join(name)).unwrap();
        let b = std::fs::read(again.path().join(name)).unwrap();
        assert!(a == b, "{name} differs between two runs");
    }
}

#[test]
fn inconsistent_counts_are_refused() {
    let mut spec = GenSpec::sized(GenSize::Small, 1);
    spec.users = 10;
    assert!(generate(&spec).unwrap_err().contains("10 users"));
}

#[test]
fn role_assignment_ids_are_base32_of_the_role_type_as_in_okta() {
    assert_eq!(directory::base32("SUPER_ADMIN"), "KNKVARKSL5AUITKJJY");
    assert_eq!(directory::base32("APP_ADMIN"), "IFIFAX2BIRGUSTQ");
}
