//! Weak signals planted on purpose, for grading the weak-signal rules
//! apart from the cases: they are not cases, so they go to
//! `weak_signals.csv` (rule, village, note), never to `labels.csv`.
//!
//! The baseline books on working days with amounts that follow Benford's
//! law and continuous voucher numbers (`truth::ledger`), so a clean village
//! fires none of them. Here some villages get one signal each: payments
//! booked on rest days (WEAK006), made-up odd-job amounts (WEAK003), round
//! shop purchases (WEAK002), cash odd jobs just under the cash limit
//! (WEAK001), a removed voucher (WEAK004), one phone for three households'
//! relief (WEAK007). Hard negatives: bookings on 调休 working weekends,
//! which every village has (listed as `negative` rows for WEAK006).
//!
//! Each village draws from a stream of its own; the lines changed are
//! baseline lines no label or negative names (odd jobs, shop purchases,
//! relief rows), so no case changes.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use chrono::Datelike;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::model::*;
use super::workdays;
use crate::error::{Error, Result};

const ODD_JOBS: [&str; 5] = [
    "村务误工补贴",
    "防汛值班劳务费",
    "植树劳务费",
    "环境整治劳务费",
    "秸秆禁烧值守补贴",
];
const SHOP_BUYS: [&str; 5] = ["购办公用品", "购清洁用品", "维修费", "印刷费", "会议用餐"];

/// Uids of ledger lines a label or a negative names.
fn named(v: &Village) -> BTreeSet<u32> {
    let uid = |s: &Subject| match s {
        Subject::Voucher(u) => Some(*u),
        Subject::Text(_) => None,
    };
    v.labels
        .iter()
        .filter_map(|l| uid(&l.subject))
        .chain(v.negatives.iter().filter_map(|n| uid(&n.subject)))
        .collect()
}

fn baseline_lines(v: &Village, words: &[&str], payee_person: bool) -> Vec<usize> {
    let named = named(v);
    (0..v.ledger.len())
        .filter(|&i| {
            let l = &v.ledger[i];
            !l.income
                && !named.contains(&l.uid)
                && l.contract_no.is_empty()
                && l.decision_no.is_empty()
                && matches!(l.payee, Payee::Person(_)) == payee_person
                && words
                    .iter()
                    .any(|w| l.summary.ends_with(w) || l.summary == *w)
        })
        .collect()
}

fn mark(v: &mut Village, rule: &'static str, note: String) {
    v.weak.push((rule, note));
}

/// Before voucher numbers: lines added or changed.
pub fn plant_lines(vs: &mut [Village], seed: u64) {
    vs.par_iter_mut().for_each(|v| {
        let mut rng = ChaCha8Rng::seed_from_u64(super::mix(seed, u64::from(v.index), 26));
        match rng.random_range(0..100) {
            0..10 => rest_days(v, &mut rng),
            10..18 => made_up(v, &mut rng),
            18..26 => round(v, &mut rng),
            26..34 => near_cash_limit(v, &mut rng),
            34..42 => shared_phone(v, &mut rng),
            _ => {}
        }
        let make_up = v
            .ledger
            .iter()
            .filter(|l| !l.income && workdays::is_make_up(l.date))
            .count();
        if make_up > 0 && !v.weak.iter().any(|(r, _)| *r == "WEAK006") {
            v.weak_negatives.push((
                "WEAK006",
                format!("{make_up}笔支出记在调休上班的周末，为工作日"),
            ));
        }
    });
}

/// Four shop purchases booked on Sundays and holidays.
fn rest_days(v: &mut Village, rng: &mut ChaCha8Rng) {
    let mut cands = baseline_lines(v, &SHOP_BUYS, false);
    cands.shuffle(rng);
    let mut moved = Vec::new();
    for i in cands.into_iter().take(4) {
        let d = v.ledger[i].date;
        // The Sunday of its week, or 国庆 if that is a working day.
        let sunday = add_days(d, 6 - i64::from(d.weekday().num_days_from_monday()));
        let rest = if workdays::is_rest(sunday) && sunday.year() == YEAR {
            sunday
        } else {
            ymd(YEAR, 10, 3)
        };
        v.ledger[i].date = rest;
        moved.push(rest.to_string());
    }
    mark(
        v,
        "WEAK006",
        format!("{}笔商店采购记在休息日：{}", moved.len(), moved.join("、")),
    );
}

/// Odd-job amounts made up: 500–999 yuan, whatever the job.
fn made_up(v: &mut Village, rng: &mut ChaCha8Rng) {
    let lines = baseline_lines(v, &ODD_JOBS, true);
    for &i in &lines {
        v.ledger[i].amount = rng.random_range(500..800) * 100;
    }
    mark(
        v,
        "WEAK003",
        format!("{}笔误工、劳务费金额为编造的500–799元", lines.len()),
    );
}

/// Three in five bank-paid shop purchases in whole thousands.
fn round(v: &mut Village, rng: &mut ChaCha8Rng) {
    let lines: Vec<usize> = baseline_lines(v, &SHOP_BUYS, false)
        .into_iter()
        .filter(|&i| v.ledger[i].method != "现金")
        .collect();
    let mut n = 0;
    for &i in &lines {
        if rng.random_bool(0.6) {
            v.ledger[i].amount = rng.random_range(1..4) * 100_000;
            n += 1;
        }
    }
    mark(v, "WEAK002", format!("{n}笔商店采购为整千元"));
}

/// Half the cash odd jobs at 800–999 yuan, just under the cash limit.
fn near_cash_limit(v: &mut Village, rng: &mut ChaCha8Rng) {
    let lines: Vec<usize> = baseline_lines(v, &ODD_JOBS, true)
        .into_iter()
        .filter(|&i| v.ledger[i].method == "现金")
        .collect();
    let mut n = 0;
    for &i in &lines {
        if rng.random_bool(0.5) {
            v.ledger[i].amount = rng.random_range(800..1000) * 100;
            n += 1;
        }
    }
    mark(v, "WEAK001", format!("{n}笔现金误工费在800–999元"));
}

/// Three relief recipients of different households, none a cadre or a
/// cadre's household, give one phone number.
fn shared_phone(v: &mut Village, rng: &mut ChaCha8Rng) {
    let cadre_households: BTreeSet<Option<u32>> = v
        .cadres
        .iter()
        .map(|c| v.persons[c.person as usize].household)
        .collect();
    let mut by_household: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, r) in v.subsidies.iter().enumerate() {
        let p = r.person;
        if p.v != v.index || r.phone.is_empty() {
            continue;
        }
        let hh = v.persons[p.p as usize].household;
        if cadre_households.contains(&hh) || hh.is_none() {
            continue;
        }
        match by_household.iter_mut().find(|(h, _)| *h == r.household_id) {
            Some((_, rows)) => rows.push(i),
            None => by_household.push((r.household_id.clone(), vec![i])),
        }
    }
    let picks: Vec<&(String, Vec<usize>)> = by_household.choose_multiple(rng, 3).collect();
    if picks.len() < 3 {
        return;
    }
    // A number nobody else in the street has (not a cadre's or a relative's).
    let phone = format!("1390{:07}", 5_000_000 + v.index);
    let rows: Vec<usize> = picks.iter().flat_map(|(_, r)| r.iter().copied()).collect();
    for i in rows {
        v.subsidies[i].phone = phone.clone();
    }
    mark(v, "WEAK007", format!("3户领取人共用电话{phone}"));
}

/// After voucher numbers: a removed voucher (a gap in its month).
pub fn plant_vouchers(vs: &mut [Village], seed: u64) {
    vs.par_iter_mut().for_each(|v| {
        let mut rng = ChaCha8Rng::seed_from_u64(super::mix(seed, u64::from(v.index), 27));
        if !rng.random_bool(0.08) || !v.weak.is_empty() {
            return;
        }
        // Inside its month's series (the first or last number leaves no gap).
        let month = |i: usize| v.ledger.get(i).map(|l| (l.date.year(), l.date.month()));
        let cands: Vec<usize> = baseline_lines(v, &SHOP_BUYS, false)
            .into_iter()
            .filter(|&i| i > 0 && month(i - 1) == month(i) && month(i + 1) == month(i))
            .collect();
        let Some(&i) = cands.choose(&mut rng) else {
            return;
        };
        let gone = v.ledger.remove(i);
        mark(
            v,
            "WEAK004",
            format!("凭证{}被抽出（{}）", gone.voucher, gone.date),
        );
    });
}

/// `weak_signals.csv`: kind (`planted`/`negative`), rule, village, note.
pub fn write(path: &Path, w: &World) -> Result<()> {
    let mut s = String::from("kind,rule,village_code,note\n");
    for v in &w.villages {
        for (rule, note) in &v.weak {
            s.push_str(&format!("planted,{rule},{},{note}\n", v.code));
        }
        for (rule, note) in &v.weak_negatives {
            s.push_str(&format!("negative,{rule},{},{note}\n", v.code));
        }
    }
    let mut f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    f.write_all(s.as_bytes()).map_err(|e| Error::io(path, e))
}
