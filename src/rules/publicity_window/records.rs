//! The publicity records, indexed by village and ref, and how one measures
//! against a ref's requirement.

use std::borrow::Cow;

use polars::prelude::{PlHashMap, PlHashSet};

use super::refs::Ref;
use crate::rules::common::periods::is_periodic;
use crate::rules::common::views::PublicityView;

#[derive(Debug, Clone)]
pub(super) struct Record<'d> {
    pub(super) row: u32,
    /// The ref this record was found under (one of a cell's refs).
    pub(super) ref_no: &'d str,
    /// The `ref_no` cell as the export wrote it (cleaned).
    pub(super) cell: &'d str,
    pub(super) start: Option<i32>,
    pub(super) end: Option<i32>,
    pub(super) kind: &'d str,
    pub(super) channel: &'d str,
}

/// How one record measures against a requirement.
#[derive(Debug, Clone)]
pub(super) struct Verdict<'a> {
    pub(super) record: &'a Record<'a>,
    pub(super) start: i32,
    pub(super) end: i32,
    pub(super) days: i64,
    pub(super) short: i64,
    pub(super) late: i64,
    pub(super) swapped: bool,
}

impl Verdict<'_> {
    pub(super) fn rank(&self) -> (u8, i64, u32) {
        (
            (self.short > 0) as u8 + (self.late > 0) as u8,
            self.short + self.late,
            self.record.row,
        )
    }
}

/// Spacing and case are already cleaned by the loader; this also drops
/// punctuation (`DB-2025-03` and `DB2025/03`), for a fallback match only.
pub(super) fn loose_key(s: &str) -> Cow<'_, str> {
    if s.chars().all(char::is_alphanumeric) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| c.is_alphanumeric()).collect())
    }
}

/// A small sorted set of borrowed strings that holds one member without an
/// allocation: almost every loose key names one ref in one village, and a
/// `BTreeSet` spent a 200-byte node on each (≈ 75 MB at 2,000 villages).
#[derive(Default)]
pub(super) enum Few<'d> {
    #[default]
    Empty,
    One(&'d str),
    More(Vec<&'d str>),
}

impl<'d> Few<'d> {
    pub(super) fn insert(&mut self, s: &'d str) {
        match self {
            Few::Empty => *self = Few::One(s),
            Few::One(a) if *a == s => {}
            Few::One(a) => {
                let a = *a;
                *self = Few::More(if a < s { vec![a, s] } else { vec![s, a] });
            }
            Few::More(v) => {
                if let Err(i) = v.binary_search(&s) {
                    v.insert(i, s);
                }
            }
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Few::Empty => 0,
            Few::One(_) => 1,
            Few::More(v) => v.len(),
        }
    }

    /// The members in ascending order, as a `BTreeSet` iterates.
    pub(super) fn iter(&self) -> std::slice::Iter<'_, &'d str> {
        match self {
            Few::Empty => [].iter(),
            Few::One(a) => std::slice::from_ref(a).iter(),
            Few::More(v) => v.iter(),
        }
    }
}

/// Publicity records of one dataset, by village and ref (borrowed from the
/// publicity frame).
pub(super) struct Index<'d> {
    /// village → ref → records.
    pub(super) exact: PlHashMap<&'d str, PlHashMap<&'d str, Vec<Record<'d>>>>,
    /// village → loose key → exact refs of publicity records.
    pub(super) loose: PlHashMap<&'d str, PlHashMap<Cow<'d, str>, Few<'d>>>,
    /// loose key → villages holding a record with it.
    pub(super) villages_of: PlHashMap<Cow<'d, str>, Few<'d>>,
    /// The earliest window start of the export.
    pub(super) first_start: Option<i32>,
}

impl<'d> Index<'d> {
    pub(super) fn build(publicity: &PublicityView<'d>) -> Index<'d> {
        let PublicityView {
            row: rows,
            village,
            ref_no,
            kind,
            start,
            end,
            channel,
            ..
        } = *publicity;
        let mut exact: PlHashMap<&str, PlHashMap<&str, Vec<Record>>> = PlHashMap::default();
        let mut loose: PlHashMap<&str, PlHashMap<Cow<str>, Few>> = PlHashMap::default();
        let mut villages_of: PlHashMap<Cow<str>, Few> = PlHashMap::default();
        // Periodic 党务/村务/财务公开 (PUB002's) do not date the export's
        // item publicity: the earliest start is of the others.
        let first_start = start
            .iter()
            .zip(kind.iter())
            .filter(|(_, k)| !is_periodic(k.unwrap_or_default()))
            .filter_map(|(s, _)| s)
            .min();
        let cells = village.iter().zip(ref_no.iter()).zip(kind.iter());
        let cells = cells
            .zip(channel.iter())
            .zip(start.iter())
            .zip(end.iter())
            .zip(rows.iter());
        for ((((((v, r), k), ch), st), en), row) in cells {
            let (Some(v), Some(r)) = (v, r) else {
                continue;
            };
            if r.is_empty() {
                continue;
            }
            // One notice may cover several batches: `DB-03、DB-04`.
            let pieces: Vec<&str> = r
                .split(['、', ';', ','])
                .filter(|s| !s.is_empty())
                .collect();
            let mut keys = vec![r];
            if pieces.len() > 1 {
                keys.extend(pieces);
            }
            for key in keys {
                let lk = loose_key(key);
                loose
                    .entry(v)
                    .or_default()
                    .entry(lk.clone())
                    .or_default()
                    .insert(key);
                villages_of.entry(lk).or_default().insert(v);
                // Most refs have one record: no room for four (Vec's first
                // growth) in each.
                exact
                    .entry(v)
                    .or_default()
                    .entry(key)
                    .or_insert_with(|| Vec::with_capacity(1))
                    .push(Record {
                        row: row.unwrap_or_default(),
                        ref_no: key,
                        cell: r,
                        start: st,
                        end: en,
                        kind: k.unwrap_or_default(),
                        channel: ch.unwrap_or_default(),
                    });
            }
        }
        Index {
            exact,
            loose,
            villages_of,
            first_start,
        }
    }

    /// Records for one ref: the exact ref first; else a record whose ref
    /// differs only in punctuation, when that is unambiguous and not the
    /// exact ref of another batch, contract or decision of the village.
    pub(super) fn lookup(
        &self,
        village: &str,
        ref_no: &str,
        own: &PlHashSet<(&str, &str)>,
    ) -> &[Record<'d>] {
        let exact = self.exact.get(village);
        if let Some(r) = exact.and_then(|m| m.get(ref_no)) {
            return r;
        }
        let Some(cands) = self
            .loose
            .get(village)
            .and_then(|m| m.get(&loose_key(ref_no)))
        else {
            return &[];
        };
        if cands.len() != 1 {
            return &[];
        }
        let Some(cand) = cands.iter().next() else {
            return &[];
        };
        if own.contains(&(village, *cand)) {
            return &[];
        }
        exact
            .and_then(|m| m.get(cand))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// How a record measures against a ref's requirement.
pub(super) fn measure<'a>(r: &Ref, rec: &'a Record<'a>, timing: bool) -> Option<Verdict<'a>> {
    let (Some(s), Some(e)) = (rec.start, rec.end) else {
        return None;
    };
    // A window typed end-first is read as the window it plainly means.
    let (start, end, swapped) = if e < s { (e, s, true) } else { (s, e, false) };
    let days = (end - start) as i64 + 1;
    let short = (r.required_days - days).max(0);
    let late = match (&r.event, timing) {
        (Some(m), true) => (end as i64 - m.day as i64 + 1).max(0),
        _ => 0,
    };
    Some(Verdict {
        record: rec,
        start,
        end,
        days,
        short,
        late,
        swapped,
    })
}
