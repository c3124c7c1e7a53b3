//! The baseline of one village: families and households, cadres and the
//! relatives they declare, companies, and a year of clean records (rolls,
//! hires, contracts, decisions, publicity, the ledger). The baseline holds
//! no case of any category by construction; `plant` adds them.
//!
//! One file per part of the baseline, in the order `baseline` builds them;
//! every step draws from the village's one random stream, so the order of
//! the steps (and of the draws within them) is what keeps a seed's bytes.

mod builder;
mod cadres;
mod claims;
mod compensation;
mod contracts;
mod decisions;
mod families;
mod hires;
mod ids;
mod leases;
mod ledger;
pub mod party;
mod programs;
mod rolls;
pub mod seals;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::names;

pub use builder::*;
pub use cadres::*;
pub use claims::*;
pub use compensation::*;
pub use contracts::*;
pub use decisions::*;
pub use families::*;
pub use hires::*;
pub use ids::*;
pub use leases::*;
pub use ledger::*;
pub use programs::*;
pub use rolls::*;

/// Build the baseline of village `v`.
pub fn baseline(index: u32, rng: ChaCha8Rng) -> Builder {
    let mut b = Builder::new(index, rng);
    b.v.clan = if b.rng.random_bool(0.4) {
        Some(["王", "张", "李", "刘", "孙"][b.rng.random_range(0..5)])
    } else {
        None
    };
    b.v.name = names::village_name(&mut b.rng, b.v.clan);
    b.hamlets = ["一组", "二组", "三组", "四组", "五组"]
        .iter()
        .take(b.rng.random_range(3..6))
        .map(|s| s.to_string())
        .collect();
    let target = b.rng.random_range(270..330);
    while b.v.households.len() < target {
        b.family();
    }
    cadres::cadres(&mut b);
    compute_kin(&mut b);
    cadres::common_names(&mut b);
    fix_name_conflicts(&mut b);
    families::deaths(&mut b);
    contracts::companies(&mut b);
    rolls::subsidies(&mut b);
    hires::hires(&mut b);
    contracts::contracts(&mut b);
    ledger::other_ledger(&mut b);
    b
}
