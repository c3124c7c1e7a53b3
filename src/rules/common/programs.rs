//! Programs named on a roll, as the eligibility and item rules (ELG002–
//! ELG006, DUP005, DUP006) pick them: a configured name names every roll
//! program that contains it (`2025年城乡居民基本养老保险待遇` is a
//! `城乡居民基本养老保险`), judged once per distinct name; and a payment
//! row as evidence with the columns of §2a (`payee`, `item_id`).

use polars::prelude::PlHashMap;
use serde_json::Value;

use super::people::program_key;
use super::views::SubsidiesView;

/// The names of 惠民殡葬补贴 as rolls word it (ELG006, DUP006 by default).
pub const FUNERAL: [&str; 4] = ["惠民殡葬", "殡葬补贴", "殡葬惠民", "基本殡葬"];

/// Configured program names, and the roll's names already judged.
pub struct Programs<'a> {
    names: Vec<String>,
    judged: PlHashMap<&'a str, bool>,
}

impl<'a> Programs<'a> {
    pub fn new(configured: &[String]) -> Programs<'a> {
        Programs {
            names: configured
                .iter()
                .map(|c| program_key(c))
                .filter(|c| !c.is_empty())
                .collect(),
            judged: PlHashMap::default(),
        }
    }

    /// Whether a roll's program is one of the configured ones.
    pub fn has(&mut self, on_roll: Option<&'a str>) -> bool {
        let Some(on_roll) = on_roll else {
            return false;
        };
        let names = &self.names;
        *self.judged.entry(on_roll).or_insert_with(|| {
            let key = program_key(on_roll);
            names.iter().any(|n| key.contains(n.as_str()))
        })
    }

    /// The first configured name the roll's program contains: programs
    /// written differently by two villages group under it.
    pub fn which(&self, on_roll: &str) -> Option<usize> {
        let key = program_key(on_roll);
        self.names.iter().position(|n| key.contains(n.as_str()))
    }
}

/// A payment row as evidence, with who received it and the item it pays
/// for when the roll says.
pub fn payment(roll: &SubsidiesView, i: usize) -> Value {
    let mut v = roll.payment(i);
    if let Some(p) = roll.payee.get(i) {
        v["payee"] = Value::from(p);
    }
    if let Some(item) = roll.item_id.get(i) {
        v["item_id"] = Value::from(item);
    }
    v
}
