//! The README's rule catalogue is generated from the rule files; this test fails when they drift.
//! Regenerate with `TOKENWARDEN_UPDATE_README=1 cargo test --test readme`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tokenwarden::report::catalogue;
use tokenwarden::rules::RulePack;

const START: &str = "<!-- rules:start -->";
const END: &str = "<!-- rules:end -->";

#[test]
fn readme_rule_catalogue_matches_the_rule_files() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (head, rest) = readme
        .split_once(START)
        .expect("README has the rules:start marker");
    let (current, tail) = rest
        .split_once(END)
        .expect("README has the rules:end marker");
    let pack = RulePack::builtin().unwrap();
    let expected = format!("\n{}\n", catalogue::markdown(&pack).trim());
    if current != expected {
        if std::env::var_os("TOKENWARDEN_UPDATE_README").is_some() {
            std::fs::write(path, format!("{head}{START}{expected}{END}{tail}")).unwrap();
            return;
        }
        panic!(
            "README rule catalogue is out of date; run TOKENWARDEN_UPDATE_README=1 cargo test --test readme\n\nexpected:\n{expected}"
        );
    }
    for rule in &pack.rules {
        assert!(
            current.contains(&format!("`{}`", rule.id)),
            "{} missing",
            rule.id
        );
    }
}
