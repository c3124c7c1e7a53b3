//! Eligibility across tables (rules.md "More eligibility"): a payment the
//! roll makes that another table rules out. ELG002 特困 support while on
//! village wages, ELG003 低保 while the household's wages alone exceed the
//! line, ELG004 困难残疾人生活补贴 with no 低保 in the household, ELG005 a
//! pension or 计生奖扶 before 60, ELG006 a funeral subsidy for someone not
//! dead, or before the death. What they share: the households a roll row
//! belongs to, and one finding per person listing the payments at fault.

mod dibao_wages;
mod disability_dibao;
mod funeral;
mod pension_age;
mod tekun_wages;

pub use dibao_wages::DibaoWages;
pub use disability_dibao::DisabilityDibao;
pub use funeral::FuneralSubsidy;
pub use pension_age::PensionAge;
pub use tekun_wages::TekunWages;

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::{PlHashMap, PlHashSet};
use serde_json::Value;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::rules::common::people::{month_ranges, valid_id};
use crate::rules::common::programs::payment;
use crate::rules::common::views::{HouseholdsView, SubsidiesView};

/// A household: its village and its 户号.
pub type HouseholdKey<'a> = (&'a str, &'a str);

/// Households as the register (户籍人口) tells them, the roll's 户号 where
/// the register does not list the person.
pub struct Households<'a> {
    of_id: PlHashMap<&'a str, HouseholdKey<'a>>,
    members: PlHashMap<HouseholdKey<'a>, BTreeSet<&'a str>>,
}

impl<'a> Households<'a> {
    pub fn load(ds: &'a Dataset) -> Result<Households<'a>> {
        let mut h = Households {
            of_id: PlHashMap::default(),
            members: PlHashMap::default(),
        };
        if let Some(reg) = HouseholdsView::load(ds)? {
            for i in 0..reg.height() {
                let (Some(id), Some(v), Some(hid)) =
                    (reg.id.get(i), reg.village.get(i), reg.household.get(i))
                else {
                    continue;
                };
                if !valid_id(id) {
                    continue;
                }
                h.members.entry((v, hid)).or_default().insert(id);
                h.of_id.insert(id, (v, hid));
            }
        }
        Ok(h)
    }

    /// The household of roll row `i`: the register's for its id, else the
    /// roll's 户号 in the row's village.
    pub fn of_row(&self, roll: &SubsidiesView<'a>, i: usize) -> Option<HouseholdKey<'a>> {
        if let Some(k) = roll.id.get(i).and_then(|id| self.of_id.get(id)) {
            return Some(*k);
        }
        let hid = roll.household.get(i).filter(|h| !h.is_empty())?;
        Some((roll.village.get(i)?, hid))
    }

    /// The id numbers the register lists in a household (empty when it
    /// lists none).
    pub fn members(&self, key: &HouseholdKey<'a>) -> Vec<&'a str> {
        self.members
            .get(key)
            .map(|m| m.iter().copied().collect())
            .unwrap_or_default()
    }
}

/// The payments of one person that fail a check, gathered per village and
/// id number (and a reason, when a rule has several).
pub struct Faulted<R> {
    pub groups: BTreeMap<(String, String, R), Vec<usize>>,
}

impl<R: Ord> Faulted<R> {
    pub fn new() -> Self {
        Faulted {
            groups: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, roll: &SubsidiesView, i: usize, reason: R) {
        let (Some(v), Some(id)) = (roll.village.get(i), roll.id.get(i)) else {
            return;
        };
        self.groups
            .entry((v.to_string(), id.to_string(), reason))
            .or_default()
            .push(i);
    }
}

/// A person's faulted payments as the finding states them: in file
/// order, their total, their months as an officer reads them, and the rows.
pub struct Listed {
    pub rows: Vec<usize>,
    pub total: i64,
    pub months: String,
    pub payments: Vec<Value>,
}

pub fn listed(roll: &SubsidiesView, mut rows: Vec<usize>) -> Listed {
    rows.sort_by_key(|&i| roll.row.get(i));
    rows.dedup();
    let months: BTreeSet<i32> = rows.iter().filter_map(|&i| roll.month(i)).collect();
    Listed {
        total: rows.iter().map(|&i| roll.amount(i)).sum(),
        months: month_ranges(&months),
        payments: rows.iter().map(|&i| payment(roll, i)).collect(),
        rows,
    }
}

/// The payments of a roll that stand, per person, program and period:
/// reversals (a negative amount of the same size) cancel what they take
/// back. Only rows `keep` accepts, with a valid id number. Most periods hold
/// one payment: only those with a reversal are grouped and netted.
pub fn standing_rows(roll: &SubsidiesView, mut keep: impl FnMut(usize) -> bool) -> Vec<usize> {
    type Key<'s> = (&'s str, &'s str, &'s str, Option<i32>);
    let key = |i: usize| -> Key {
        (
            roll.village.get(i).unwrap_or_default(),
            roll.id.get(i).unwrap_or_default(),
            roll.program.get(i).unwrap_or_default(),
            roll.period.get(i),
        )
    };
    let rows: Vec<usize> = (0..roll.height())
        .filter(|&i| keep(i) && roll.id.get(i).is_some_and(valid_id))
        .collect();
    let reversed: PlHashSet<Key> = rows
        .iter()
        .filter(|&&i| roll.amount(i) < 0)
        .map(|&i| key(i))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    let mut netted: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for i in rows {
        if !reversed.is_empty() && reversed.contains(&key(i)) {
            netted.entry(key(i)).or_default().push(i);
        } else if roll.amount(i) > 0 {
            out.push(i);
        }
    }
    for (_, mut rows) in netted {
        out.extend(roll.standing(&mut rows));
    }
    out.sort_unstable();
    out
}
