use std::collections::BTreeSet;

use super::records::{Few, loose_key};
use super::{Before, Params};
use crate::rules::parse_params;

#[test]
fn few_is_a_sorted_set_like_btreeset() {
    // Every insertion sequence of up to 4 members drawn from 3 values.
    let values = ["DB-2", "DB-1", "DB-3"];
    for n in 0..=4u32 {
        for code in 0..3u32.pow(n) {
            let seq: Vec<&str> = (0..n)
                .map(|k| values[(code / 3u32.pow(k) % 3) as usize])
                .collect();
            let mut few = Few::default();
            let mut set = BTreeSet::new();
            for s in &seq {
                few.insert(s);
                set.insert(*s);
            }
            assert_eq!(few.len(), set.len(), "{seq:?}");
            assert!(few.iter().copied().eq(set.iter().copied()), "{seq:?}");
        }
    }
}

#[test]
fn loose_key_drops_punctuation_only() {
    assert_eq!(loose_key("DB-2025/03"), "DB202503");
    assert_eq!(loose_key("2025年3月低保"), "2025年3月低保");
}

#[test]
fn before_combinations_are_checked() {
    let mut p = Params::default();
    assert!(p.check_events().is_ok());
    p.contracts.before = Before::Approval;
    let e = p.check_events().unwrap_err();
    assert!(e.contains("contracts"), "{e}");
}

#[test]
fn defaults_round_trip_through_toml() {
    let t = crate::rules::params_table(&Params::default());
    let p: Params = parse_params(&t).unwrap();
    assert_eq!(p.subsidies, Params::default().subsidies);
}
