//! How rare a name is: name and pinyin frequencies per village, counted only
//! for the names and homophones the links use.

use std::collections::HashSet;

use polars::prelude::{PlHashMap, PlHashSet};

use super::scan::opt;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::matching::LastKey;
use crate::matching::names::{NameFrequency, loose_key, pinyin_key, simplify};
use crate::rules::common::util;

/// Collect name frequencies for the names and pinyin keys the links use.
pub(super) fn name_frequency(
    ds: &Dataset,
    names: &HashSet<(String, String)>,
    pinyin: &HashSet<(String, String)>,
) -> Result<NameFrequency> {
    let code = "KIN001";
    let mut f = NameFrequency::new();
    if names.is_empty() && pinyin.is_empty() {
        return Ok(f);
    }
    let name_set: PlHashSet<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
    let name_villages: PlHashSet<&str> = names.iter().map(|(v, _)| v.as_str()).collect();
    // Homophones share the loose key of the person of interest's name, which
    // `names` holds for every pinyin key in play.
    let loose: PlHashSet<(usize, &'static str)> =
        names.iter().filter_map(|(_, n)| loose_key(n)).collect();
    // Per village where homophones are in play: the lengths (syllables) of
    // their pinyin keys, the keys, and the (length, last syllable) pairs,
    // which let most names skip computing their pinyin.
    let mut keys_of: PlHashMap<&str, Homophones> = PlHashMap::default();
    for (v, k) in pinyin {
        let slot = keys_of.entry(v.as_str()).or_default();
        let syllables = k.split(' ').count();
        slot.lens.insert(syllables);
        slot.keys.insert(k.as_str());
        slot.last
            .insert((syllables, k.rsplit(' ').next().unwrap_or_default()));
    }
    for (t, name_col, id_col) in PERSON_COLUMNS {
        let Some(df) = ds.frame(t) else { continue };
        let village = util::str_col(code, df, "village_code")?;
        let name = util::str_col(code, df, name_col)?;
        let id = util::str_col(code, df, id_col)?;
        let mut last = LastKey::default();
        // A person listed on consecutive rows (a roll's months) counts once.
        let mut prev: Option<(&str, &str, Option<&str>)> = None;
        for ((v, raw), idn) in village.iter().zip(name.iter()).zip(id.iter()) {
            let (Some(v), Some(raw)) = (v, raw) else {
                continue;
            };
            let idn = opt(idn);
            // (The name first: it is what differs from one row to the next.)
            if prev.is_some_and(|(pv, pr, pi)| pr == raw && pi == idn && pv == v) {
                continue;
            }
            prev = Some((v, raw, idn));
            let (named_here, homophones) =
                last.get(v, |v| (name_villages.contains(v), keys_of.get(v)));
            if !named_here && homophones.is_none() {
                // Other villages only feed the export-wide count of a name,
                // compared as the loader cleaned it (no conversion per row).
                // (A name of the set always passes the loose filter below.)
                if name_set.contains(raw) {
                    f.add(v, raw, idn);
                }
                continue;
            }
            // A name of another length or last reading is neither a
            // candidate nor a homophone of one.
            let lk = loose_key(raw);
            if lk.is_some_and(|k| !loose.contains(&k)) {
                continue;
            }
            let n = simplify(raw);
            if name_set.contains(&*n) {
                f.add(v, &n, idn);
            }
            // Pinyin only where a homophone is in play, for names of its
            // length and last syllable (the last character of a name of two
            // or more is never read as a surname).
            if let Some(h) = homophones {
                let chars = n.chars().count();
                if !h.lens.contains(&chars) {
                    continue;
                }
                let lk = if matches!(n, std::borrow::Cow::Borrowed(_)) {
                    lk
                } else {
                    loose_key(&n)
                };
                if chars >= 2
                    && let Some(k) = lk
                    && !h.last.contains(&k)
                {
                    continue;
                }
                let key = pinyin_key(&n);
                if h.keys.contains(key.as_str()) {
                    f.add_pinyin_key(v, &key, idn);
                }
            }
        }
    }
    Ok(f)
}

/// The homophones in play in one village (see [`name_frequency`]).
#[derive(Default)]
pub(super) struct Homophones<'a> {
    pub(super) lens: PlHashSet<usize>,
    pub(super) keys: PlHashSet<&'a str>,
    pub(super) last: PlHashSet<(usize, &'a str)>,
}

/// The tables and columns that name persons (and their id numbers).
pub(super) const PERSON_COLUMNS: [(TableKind, &str, &str); 7] = [
    (TableKind::Households, "name", "id_number"),
    (TableKind::Cadres, "name", "id_number"),
    (TableKind::Subsidies, "name", "id_number"),
    (TableKind::Hires, "name", "id_number"),
    (TableKind::Ledger, "counterparty", "counterparty_id"),
    (TableKind::Contracts, "vendor", "vendor_id_number"),
    (
        TableKind::Contracts,
        "vendor_legal_rep",
        "vendor_legal_rep_id",
    ),
];

pub(super) fn distinct_villages(ds: &Dataset) -> usize {
    let mut set: PlHashSet<&str> = PlHashSet::default();
    for t in [
        TableKind::Cadres,
        TableKind::Households,
        TableKind::Subsidies,
        TableKind::Hires,
        TableKind::Ledger,
        TableKind::Contracts,
    ] {
        if let Some(df) = ds.frame(t)
            && let Ok(v) = util::Text::of(df, "village_code")
        {
            // Rows come in runs of one village: insert each run once.
            let mut last = None;
            for x in v.iter().flatten() {
                if last != Some(x) {
                    set.insert(x);
                    last = Some(x);
                }
            }
        }
    }
    set.len()
}
