//! The self-check of the party and seal tables: every `party_affairs`,
//! `seal_use` and seal `weak_signal` case recomputed from the truth records
//! by rules.md's definitions ("Party affairs", "Seals"), not from what the
//! planters wrote down.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};

use super::labels::Case;
use super::model::*;
use super::truth::party::*;
use super::truth::seals::published;
use super::workdays;
use crate::finding::Category;
use crate::matching::names::{normalize, pinyin_key};
use crate::text::clean_code;

fn case(out: &mut BTreeSet<Case>, category: Category, v: &Village, subject: &str) {
    out.insert(Case {
        category,
        village: v.code.clone(),
        subject: subject.to_string(),
    });
}

/// The latest date of the party tables, street-wide.
pub fn as_of(w: &World) -> Option<NaiveDate> {
    let mut dates: Vec<NaiveDate> = Vec::new();
    for v in &w.villages {
        for a in &v.party.admissions {
            dates.extend(a.steps.iter().flatten());
        }
        for t in &v.party.transfers {
            dates.push(t.letter);
            dates.extend(t.received);
        }
        for d in &v.party.dues {
            dates.push(ymd(YEAR, d.month, 1));
            dates.extend(d.paid);
        }
    }
    dates.into_iter().max()
}

/// The `party_affairs` cases of a village.
pub fn party_cases(v: &Village, as_of: Option<NaiveDate>, out: &mut BTreeSet<Case>) {
    for p in admission_cases(v, as_of) {
        case(out, Category::PartyAffairs, v, &v.person(p).id);
    }
    for p in election_cases(v) {
        case(out, Category::PartyAffairs, v, &v.person(p).id);
    }
    for t in &v.party.transfers {
        let late = match t.received {
            Some(r) => r > t.deadline(),
            None => as_of.is_some_and(|a| a > t.deadline()),
        };
        if late {
            case(out, Category::PartyAffairs, v, &v.person(t.person).id);
        }
    }
    for p in dues_cases(v, as_of) {
        case(out, Category::PartyAffairs, v, &v.person(p).id);
    }
}

fn admission_cases(v: &Village, as_of: Option<NaiveDate>) -> Vec<u32> {
    let recorded: Vec<bool> = (0..7)
        .map(|k| v.party.admissions.iter().any(|a| a.steps[k].is_some()))
        .collect();
    let mut out = Vec::new();
    for a in &v.party.admissions {
        let s = &a.steps;
        let birth = v.person(a.person).birth;
        let out_of_order =
            (1..7).any(|k| s[k].is_some_and(|dk| (0..k).any(|j| s[j].is_some_and(|dj| dj > dk))));
        let last = (0..7).rev().find(|&k| s[k].is_some());
        let skipped = last.is_some_and(|l| (0..l).any(|j| s[j].is_none() && recorded[j]));
        let young = s[APPLIED].is_some_and(|d| age_on(birth, d) < 18 && birth <= d);
        let short = matches!((s[ACTIVIST], s[CANDIDATE]), (Some(x), Some(y)) if (0..365).contains(&(y - x).num_days()));
        let probation = s[ADMITTED].is_some_and(|adm| {
            let end = plus_months(adm, 12);
            let due = add_days(end, 90);
            match s[FULL] {
                Some(f) => (f >= adm && f < end) || f > due,
                None => as_of.is_some_and(|x| x > due),
            }
        });
        if out_of_order || skipped || young || short || probation {
            out.push(a.person);
        }
    }
    out
}

/// Admissions crowded before a 换届, by PTY002's definition (windows of
/// six months, 3 or more, twice the village's pace elsewhere).
fn election_cases(v: &Village) -> Vec<u32> {
    let windows = election_windows(v);
    let mut adm: Vec<(NaiveDate, u32)> = v
        .party
        .admissions
        .iter()
        .filter_map(|a| a.steps[ADMITTED].map(|d| (d, a.person)))
        .collect();
    if windows.is_empty() || adm.is_empty() {
        return vec![];
    }
    adm.sort();
    let (first, last) = (adm[0].0, adm[adm.len() - 1].0);
    let inside = |d: NaiveDate| windows.iter().any(|&(a, b)| d >= a && d < b);
    let outside = adm.iter().filter(|x| !inside(x.0)).count();
    let span = (last - first).num_days().max(0) as f64 / 30.44;
    let in_span = windows
        .iter()
        .filter(|&&(a, b)| b > first && a <= last)
        .count();
    let months_outside = (span - in_span as f64 * 6.0).max(1.0);
    let pace = outside as f64 / months_outside * 6.0;
    let mut out = Vec::new();
    for &(a, b) in &windows {
        let hits: Vec<u32> = adm
            .iter()
            .filter(|x| x.0 >= a && x.0 < b)
            .map(|x| x.1)
            .collect();
        if hits.len() >= 3 && hits.len() as f64 >= 2.0 * pace {
            out.extend(hits);
        }
    }
    out
}

/// Dues below the bracket, six months unpaid, paid after a transfer out.
fn dues_cases(v: &Village, as_of: Option<NaiveDate>) -> Vec<u32> {
    let mut out = Vec::new();
    // (person, month) → (sum, kind, base).
    let mut months: BTreeMap<(u32, u32), (i64, MemberType, Option<i64>)> = BTreeMap::new();
    for d in &v.party.dues {
        let e = months
            .entry((d.person, d.month))
            .or_insert((0, d.kind, None));
        e.0 += d.amount;
        if let Some(b) = d.base {
            e.2 = Some(e.2.map_or(b, |x: i64| x.max(b)));
        }
    }
    for (&(p, _), &(sum, kind, base)) in &months {
        let due = due_fen(kind, base);
        let slack = if matches!(kind, MemberType::Employed | MemberType::Retired) {
            10
        } else {
            0
        };
        if sum > 0 && due > 0 && sum < due - slack {
            out.push(p);
        }
    }
    let end = as_of.map_or(12, |a| if a.year() > YEAR { 12 } else { a.month() });
    let outs: BTreeMap<u32, u32> = v
        .party
        .transfers
        .iter()
        .filter(|t| t.out)
        .map(|t| (t.person, t.letter.month()))
        .collect();
    let mut first: BTreeMap<u32, u32> = BTreeMap::new();
    for d in &v.party.dues {
        let f = first.entry(d.person).or_insert(d.month);
        *f = (*f).min(d.month);
    }
    for (&p, &f) in &first {
        let away_from = outs.get(&p).copied().unwrap_or(13);
        let died = v
            .person(p)
            .death
            .filter(|d| d.year() == YEAR)
            .map_or(12, |d| d.month());
        let stop = end.min(died);
        let (mut run, mut best) = (0, 0);
        for m in f..=stop {
            let paid = months.get(&(p, m)).is_some_and(|x| x.0 > 0);
            if m < away_from && !paid {
                run += 1;
                best = best.max(run);
            } else {
                run = 0;
            }
        }
        if best >= 6 {
            out.push(p);
        }
    }
    for t in v.party.transfers.iter().filter(|t| t.out) {
        let after = v
            .party
            .dues
            .iter()
            .any(|d| d.person == t.person && d.amount > 0 && ymd(YEAR, d.month, 1) > t.letter);
        if after {
            out.push(t.person);
        }
    }
    out
}

/// Numbers a record cites, as SEA002 tokenises them.
fn cited(s: &super::truth::seals::SealUse) -> Vec<String> {
    [s.ref_no.as_str(), s.purpose.as_str()]
        .iter()
        .flat_map(|x| {
            clean_code(x)
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .filter(|t| t.len() >= 3)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The `seal_use` cases of a village, and its seal uses on rest days
/// (`weak_signal`).
pub fn seal_cases(v: &Village, out: &mut BTreeSet<Case>) {
    let none = ["无", "/", "-", "—", "空", "未审批"];
    let known: BTreeSet<String> = v
        .persons
        .iter()
        .filter(|p| p.household.is_some())
        .map(|p| normalize(&p.name))
        .chain(v.cadres.iter().map(|c| normalize(&v.person(c.person).name)))
        .collect();
    for s in &v.seals {
        let signer = |n: &str| normalize(n.split(['（', '(']).next().unwrap_or("").trim());
        let (ap, app) = (signer(&s.approver), signer(&s.applicant));
        let hit = if ap.is_empty() || none.contains(&s.approver.trim()) {
            true
        } else if app.is_empty() {
            false
        } else {
            ap == app
                || (pinyin_key(&ap) == pinyin_key(&app)
                    && !(known.contains(&ap) && known.contains(&app)))
        };
        if hit {
            case(out, Category::SealUse, v, &s.entry_no);
        }
        if workdays::is_rest(s.date) {
            case(out, Category::WeakSignal, v, &s.entry_no);
        }
    }
    let Some(first) = v.seals.iter().map(|s| s.date).min() else {
        return;
    };
    let mut index: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for s in &v.seals {
        for no in cited(s) {
            index.entry(no).or_default().push(s.date);
        }
    }
    let events = v
        .contracts
        .iter()
        .map(|c| (c.no.clone(), Some(c.signed)))
        .chain(v.decisions.iter().map(|d| (d.no.clone(), published(d))));
    for (no, date) in events {
        let Some(d) = date else { continue };
        let sealed = index
            .get(&clean_code(&no))
            .is_some_and(|ds| ds.iter().any(|x| *x <= d));
        if d >= first && !no.is_empty() && !sealed {
            case(out, Category::SealUse, v, &no);
        }
    }
}
