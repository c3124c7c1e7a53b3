//! 党员发展, 组织关系转接, 党费 (processes 23–25): PTY001–PTY006. What
//! they share: the as-of date of the party tables, a member's key across
//! the tables, dates as days, and the transfers out of each village.
//!
//! The as-of date is the latest date in the party tables (rules.md): an
//! export made on a given night judges what was overdue on that night, not
//! on the day the officer reads it.

mod admission_steps;
mod dues_after_transfer;
mod dues_bracket;
mod dues_unpaid;
mod election_admissions;
mod transfer_unreceived;

pub use admission_steps::AdmissionSteps;
pub use dues_after_transfer::DuesAfterTransfer;
pub use dues_bracket::DuesBracket;
pub use dues_unpaid::DuesUnpaid;
pub use election_admissions::ElectionAdmissions;
pub use transfer_unreceived::TransferUnreceived;

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use polars::prelude::{Int32Chunked, StringChunked, UInt32Chunked};

use crate::dataset::Dataset;
use crate::dataset::normalize::{from_epoch_days, to_epoch_days};
use crate::error::Result;
use crate::rules::common::views::{PartyDuesView, PartyMembersView, PartyTransfersView};

/// The latest date in the party tables (members, transfers, dues), as days
/// since 1970-01-01; `None` when they hold no date.
pub(crate) fn as_of(ds: &Dataset) -> Result<Option<i32>> {
    let mut latest: Option<i32> = None;
    let mut see = |c: &Int32Chunked| {
        if let Some(m) = (0..c.len()).filter_map(|i| c.get(i)).max() {
            latest = Some(latest.map_or(m, |l| l.max(m)));
        }
    };
    if let Some(m) = PartyMembersView::load(ds)? {
        for c in steps(&m) {
            see(c);
        }
    }
    if let Some(t) = PartyTransfersView::load(ds)? {
        see(t.letter);
        see(t.received);
    }
    if let Some(d) = PartyDuesView::load(ds)? {
        see(d.period);
        see(d.paid);
    }
    Ok(latest)
}

/// Row indexes in the order of the file's rows (`__row`): what a rule
/// accumulates over several rows does not depend on the order rows were
/// read in.
pub(crate) fn in_row_order(row: &UInt32Chunked) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..row.len()).collect();
    idx.sort_by_key(|&i| row.get(i));
    idx
}

/// The seven dated steps of an admission, in their order (申请 … 转正).
pub(crate) fn steps<'a>(m: &PartyMembersView<'a>) -> [&'a Int32Chunked; 7] {
    [
        m.applied,
        m.activist,
        m.candidate,
        m.vetted,
        m.admitted,
        m.approved,
        m.full,
    ]
}

/// A member's key within a village: the id number, else `姓名:` and the
/// normalised name (the loader folded spaces and widths).
pub(crate) fn member_key(id: Option<&str>, name: Option<&str>) -> Option<String> {
    match (id.filter(|s| !s.is_empty()), name.filter(|s| !s.is_empty())) {
        (Some(id), _) => Some(id.to_string()),
        (None, Some(n)) => Some(format!("姓名:{n}")),
        _ => None,
    }
}

/// The subject a finding names: the id number, else the name.
pub(crate) fn subject_of(key: &str) -> &str {
    key.strip_prefix("姓名:").unwrap_or(key)
}

pub(crate) fn date(c: &Int32Chunked, i: usize) -> Option<i32> {
    c.get(i)
}

pub(crate) fn day(d: i32) -> String {
    crate::rules::common::util::day_string(d)
}

/// `d` plus `months` calendar months (a day past the month's end is its
/// last day), in days.
pub(crate) fn add_months(d: i32, months: u32) -> i32 {
    from_epoch_days(d)
        .and_then(|x| x.checked_add_months(Months::new(months)))
        .map(to_epoch_days)
        .unwrap_or(d)
}

/// Months since year 0 of a date in days.
pub(crate) fn month_index(d: i32) -> i32 {
    from_epoch_days(d).map_or(0, |x| x.year() * 12 + x.month0() as i32)
}

/// `YYYY-MM` of a month index.
pub(crate) fn month_string(m: i32) -> String {
    format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

pub(crate) fn naive(d: i32) -> NaiveDate {
    from_epoch_days(d).unwrap_or(NaiveDate::MIN)
}

/// One transfer out of a village: the member's key, the letter's date, and
/// the date of a later transfer back in (if any).
#[derive(Debug, Clone)]
pub(crate) struct Out {
    pub letter: i32,
    pub back_in: Option<i32>,
    pub row: u32,
    /// The transfer row gave an id number (then only that id matches it).
    pub has_id: bool,
}

/// The transfers out of the member of a row with `id` and `name`: by id,
/// and by name those that gave no id.
pub(crate) fn outs_of<'a>(
    outs: &'a BTreeMap<(String, String), Vec<Out>>,
    village: &str,
    id: Option<&str>,
    name: Option<&str>,
) -> Vec<&'a Out> {
    let get = |k: String| outs.get(&(village.to_string(), k)).into_iter().flatten();
    let mut found: Vec<&Out> = Vec::new();
    if let Some(id) = id.filter(|s| !s.is_empty()) {
        found.extend(get(id.to_string()));
    }
    if let Some(n) = name.filter(|s| !s.is_empty()) {
        found.extend(get(format!("姓名:{n}")).filter(|o| !o.has_id));
    }
    found.sort_by_key(|o| o.row);
    found.dedup_by_key(|o| o.row);
    found
}

/// Transfers out per (village, member key), with the member's next transfer
/// in after each; keyed by id and by name, so a dues row without an id
/// still finds its member.
pub(crate) fn transfers_out(ds: &Dataset) -> Result<BTreeMap<(String, String), Vec<Out>>> {
    let mut out: BTreeMap<(String, String), Vec<Out>> = BTreeMap::new();
    let Some(t) = PartyTransfersView::load(ds)? else {
        return Ok(out);
    };
    // (village, key) → (letter, is_out, row), every key a member has.
    let mut moves: BTreeMap<(String, String), Vec<(i32, bool, u32, bool)>> = BTreeMap::new();
    for i in in_row_order(t.row) {
        let (Some(v), Some(letter)) = (t.village.get(i), t.letter.get(i)) else {
            continue;
        };
        let dir = t.direction.get(i).unwrap_or_default();
        let is_out = dir.contains('出');
        if !is_out && !dir.contains('入') {
            continue;
        }
        let row = t.row.get(i).unwrap_or_default();
        let has_id = t.id.get(i).is_some_and(|s| !s.is_empty());
        for key in keys(t.id, t.name, i) {
            moves
                .entry((v.to_string(), key))
                .or_default()
                .push((letter, is_out, row, has_id));
        }
    }
    for (k, mut ms) in moves {
        ms.sort();
        for (j, &(letter, is_out, row, has_id)) in ms.iter().enumerate() {
            if !is_out {
                continue;
            }
            let back_in = ms[j + 1..].iter().find(|m| !m.1).map(|m| m.0);
            out.entry(k.clone()).or_default().push(Out {
                letter,
                back_in,
                row,
                has_id,
            });
        }
    }
    Ok(out)
}

/// The keys a row is known by: its id number and its name.
pub(crate) fn keys(id: &StringChunked, name: &StringChunked, i: usize) -> Vec<String> {
    let mut k = Vec::new();
    if let Some(id) = id.get(i).filter(|s| !s.is_empty()) {
        k.push(id.to_string());
    }
    if let Some(n) = name.get(i).filter(|s| !s.is_empty()) {
        k.push(format!("姓名:{n}"));
    }
    k
}

/// Members' keys on the dues roll: a row with no id number takes the id
/// the village's other rows give its name, when they give exactly one (a
/// roll often leaves the id out on some months).
pub(crate) struct DuesKeys<'a> {
    ids: BTreeMap<(&'a str, &'a str), Vec<&'a str>>,
}

impl<'a> DuesKeys<'a> {
    pub(crate) fn new(d: &PartyDuesView<'a>) -> DuesKeys<'a> {
        let mut ids: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for i in 0..d.height() {
            if let (Some(v), Some(n), Some(id)) = (d.village.get(i), d.name.get(i), d.id.get(i))
                && !id.is_empty()
            {
                let e = ids.entry((v, n)).or_default();
                if !e.contains(&id) {
                    e.push(id);
                }
            }
        }
        DuesKeys { ids }
    }

    /// The row's id number, or the one its name resolves to.
    pub(crate) fn id(
        &self,
        village: &str,
        id: Option<&'a str>,
        name: Option<&'a str>,
    ) -> Option<&'a str> {
        id.filter(|s| !s.is_empty()).or_else(|| {
            let list = self.ids.get(&(village, name?))?;
            (list.len() == 1).then(|| list[0])
        })
    }

    /// The member's key of a row (see [`member_key`]).
    pub(crate) fn key(
        &self,
        village: &str,
        id: Option<&'a str>,
        name: Option<&'a str>,
    ) -> Option<String> {
        member_key(self.id(village, id, name), name)
    }
}
