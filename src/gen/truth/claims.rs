//! Crop-insurance claims (农业保险理赔, annex process 19): in villages hit
//! by a disaster, claims of farmers on the 耕地地力保护补贴 roll, insured for
//! at most their subsidised area, losing at most what they insured, paid
//! into their own account.

use chrono::NaiveDate;
use rand::Rng;

use super::builder::{Builder, rand_date};
use crate::r#gen::model::*;

/// Yuan fen paid per 亩 lost.
pub const CLAIM_PER_MU: i64 = 40_000;

#[derive(Debug, Clone)]
pub struct Claim {
    pub policy: String,
    pub person: PRef,
    pub name: String,
    pub id: String,
    pub crop: &'static str,
    pub insured: f64,
    pub loss: f64,
    pub amount: i64,
    pub paid: NaiveDate,
    pub account: String,
}

/// The largest 耕地地力 area of a person of this village on the year's roll.
pub fn gengdi_area(v: &Village, p: PRef) -> Option<f64> {
    v.subsidies
        .iter()
        .filter(|r| r.person == p && v.batches[r.batch as usize].program == Program::Gengdi)
        .filter_map(|r| r.quantity)
        .reduce(f64::max)
}

/// Farmers on the roll who may claim: alive, not kin, not planted on.
pub fn claimants(b: &Builder) -> Vec<(u32, f64)> {
    let mut out: Vec<(u32, f64)> = vec![];
    for r in &b.v.subsidies {
        if r.person.v != b.v.index || b.v.batches[r.batch as usize].program != Program::Gengdi {
            continue;
        }
        let p = r.person.p;
        let q = &b.v.persons[p as usize];
        if b.kin[p as usize] || b.used[p as usize] || q.death.is_some() || q.account.is_empty() {
            continue;
        }
        if out.iter().any(|x| x.0 == p) {
            continue;
        }
        if let Some(a) = gengdi_area(&b.v, r.person).filter(|a| *a >= 1.0) {
            out.push((p, a));
        }
    }
    out
}

pub fn new_claim(b: &mut Builder, p: u32, insured: f64, loss: f64) -> usize {
    let q = &b.v.persons[p as usize];
    let n = b.v.claims.len() + 1;
    let paid = rand_date(&mut b.rng, ymd(YEAR, 8, 1), ymd(YEAR, 10, 31));
    let c = Claim {
        policy: format!("PICC{YEAR}{:04}{:04}", b.vnum(), n),
        person: b.v.pref(p),
        name: q.name.clone(),
        id: q.written_id(),
        crop: if b.rng.random_bool(0.6) {
            "小麦"
        } else {
            "玉米"
        },
        insured,
        loss,
        amount: (loss * CLAIM_PER_MU as f64).round() as i64,
        paid,
        account: q.account.clone(),
    };
    b.v.claims.push(c);
    b.used[p as usize] = true;
    b.v.claims.len() - 1
}

/// Half the villages had a disaster: a quarter of their farmers claim.
pub fn claims(b: &mut Builder) {
    if !b.rng.random_bool(0.5) {
        return;
    }
    for (p, area) in claimants(b) {
        if !b.rng.random_bool(0.25) {
            continue;
        }
        let insured = if b.rng.random_bool(0.7) {
            area
        } else {
            (area * 0.8 * 10.0).round() / 10.0
        };
        let loss = (insured * b.rng.random_range(0.3..1.0) * 10.0).round() / 10.0;
        new_claim(b, p, insured, loss);
    }
}
