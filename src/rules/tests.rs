//! Rule engine tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

#[test]
fn builtin_pack_loads_and_is_sorted() {
    let pack = match RulePack::builtin() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert!(pack.rules.windows(2).all(|w| w[0].id < w[1].id));
}
