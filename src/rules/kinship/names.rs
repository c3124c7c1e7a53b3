//! How rare a name is: name and pinyin frequencies per village, counted only
//! for the names and homophones the links use.

use std::collections::HashSet;

use polars::prelude::{PlHashMap, PlHashSet, StringChunked};

use super::groups::Group;
use super::scan::opt;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::matching::LastKey;
use crate::matching::kin::{Channel, KinGraph};
use crate::matching::names::{NameFrequency, loose_key, pinyin_key, simplify};
use crate::rules::common::views::{
    CadresView, ContractsView, HiresView, HouseholdsView, LedgerView, SubsidiesView,
};

/// (village, name) or (village, pinyin key) pairs a link uses.
pub(super) type InPlay = HashSet<(String, String)>;

/// Collect name frequencies for the names and pinyin keys the links use.
pub(super) fn name_frequency(
    ds: &Dataset,
    names: &InPlay,
    pinyin: &InPlay,
) -> Result<NameFrequency> {
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
    for PersonColumns { village, name, id } in person_columns(ds)? {
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
struct Homophones<'a> {
    lens: PlHashSet<usize>,
    keys: PlHashSet<&'a str>,
    last: PlHashSet<(usize, &'a str)>,
}

/// The village, name and id number columns of a table that names persons.
struct PersonColumns<'a> {
    village: &'a StringChunked,
    name: &'a StringChunked,
    id: &'a StringChunked,
}

/// Every table's columns that name persons (with their id numbers), in a
/// fixed order: register, cadres, rolls, hires, ledger payees, contract
/// vendors and their legal representatives.
fn person_columns(ds: &Dataset) -> Result<Vec<PersonColumns<'_>>> {
    let mut out = Vec::new();
    let mut add = |village, name, id| out.push(PersonColumns { village, name, id });
    if let Some(t) = HouseholdsView::load(ds)? {
        add(t.village, t.name, t.id);
    }
    if let Some(t) = CadresView::load(ds)? {
        add(t.village, t.name, t.id);
    }
    if let Some(t) = SubsidiesView::load(ds)? {
        add(t.village, t.name, t.id);
    }
    if let Some(t) = HiresView::load(ds)? {
        add(t.village, t.name, t.id);
    }
    if let Some(t) = LedgerView::load(ds)? {
        add(t.village, t.payee, t.payee_id);
    }
    if let Some(t) = ContractsView::load(ds)? {
        add(t.village, t.vendor, t.vendor_id);
        add(t.village, t.legal_rep, t.legal_rep_id);
    }
    Ok(out)
}

/// How many villages the export covers (the tables that name persons).
pub(super) fn distinct_villages(ds: &Dataset) -> Result<usize> {
    let mut set: PlHashSet<&str> = PlHashSet::default();
    for PersonColumns { village, .. } in person_columns(ds)? {
        // Rows come in runs of one village: insert each run once.
        let mut last = None;
        for x in village.iter().flatten() {
            if last != Some(x) {
                set.insert(x);
                last = Some(x);
            }
        }
    }
    Ok(set.len())
}

/// The names and the pinyin keys the groups' name links use, by village:
/// frequencies are counted for these only. A homophone's person of
/// interest's name is in play too (its commonness is asked).
pub(super) fn names_in_play(graph: &KinGraph, groups: &[Group]) -> (InPlay, InPlay) {
    let mut names = HashSet::new();
    let mut pinyin = HashSet::new();
    for g in groups {
        for (l, _) in &g.links {
            match l.channel {
                Channel::SameName => {
                    names.insert((g.village.clone(), l.value.clone()));
                }
                Channel::Homophone => {
                    pinyin.insert((g.village.clone(), l.value.clone()));
                    names.insert((g.village.clone(), graph.persons[l.person].name.clone()));
                }
                _ => {}
            }
        }
    }
    (names, pinyin)
}
