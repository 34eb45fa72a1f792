//! Files compiled into the binary by `build.rs`: the built-in rules and the demo org.
//!
//! `RULE_FILES`: (path relative to `rules/`, TOML text). `DEMO_ORG_FILES`: (file name relative to
//! `fixtures/orgs/demo/`, JSON text). Both sorted by path.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
