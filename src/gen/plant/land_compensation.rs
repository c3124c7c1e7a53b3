//! Planted `land_compensation` cases (rules.md "Land-acquisition
//! compensation") and the hard negatives at each edge: paid within 1 % of
//! area × rate + attachments, a resident who moved in long before the
//! plan, a batch paid the day after its objection period.

use chrono::NaiveDate;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::{label, negative, text};
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::truth::{Builder, comp_row, lessee_pool, outsider};

fn free_villager(b: &mut Builder) -> Option<u32> {
    let pool = lessee_pool(b);
    let p = *pool.choose(&mut b.rng)?;
    b.used[p as usize] = true;
    Some(p)
}

/// A payment row of the village's batch to `p`, added.
fn pay(b: &mut Builder, p: u32) -> usize {
    let r = comp_row(b, 0, p);
    b.v.compensation.push(r);
    b.v.compensation.len() - 1
}

/// Per-row variants (subject: the payee's id).
pub fn row_case(b: &mut Builder, variant: usize) -> bool {
    if b.v.comp_batches.is_empty() {
        return false;
    }
    let published = b.v.comp_batches[0].published;
    let (k, what) = match variant {
        0 => {
            let Some(p) = free_villager(b) else {
                return false;
            };
            let k = pay(b, p);
            let r = &mut b.v.compensation[k];
            r.amount = r.due() + r.due() / 5;
            (k, "paid 20 % over area × rate + attachments")
        }
        1 => {
            let p = outsider(b);
            (pay(b, p), "payee on no register of the village")
        }
        _ => {
            let Some(p) = free_villager(b) else {
                return false;
            };
            if b.v.moved_in.iter().any(|m| m.0 == p) {
                return false;
            }
            let d = add_days(published, -b.rng.random_range(20..150));
            b.v.moved_in.push((p, d));
            (pay(b, p), "moved onto the register shortly before the plan")
        }
    };
    let r = &b.v.compensation[k];
    let (id, n) = (
        b.v.persons[r.person.p as usize].id.clone(),
        format!("{what}: {} {}", r.name, b.v.comp_batches[0].no),
    );
    label(b, Category::LandCompensation, text(&id), n);
    true
}

/// Batch-level variants (subject: the batch number).
pub fn batch_case(b: &mut Builder, variant: usize) -> bool {
    let Some(batch) = b.v.comp_batches.first().cloned() else {
        return false;
    };
    let what = match variant {
        0 => {
            let paid = add_days(batch.objection_end, -b.rng.random_range(0..6));
            set_paid(b, paid);
            "paid on or before the objection period's end"
        }
        1 => {
            let end = add_days(batch.published, b.rng.random_range(10..28));
            b.v.comp_batches[0].objection_end = end;
            let late = b.rng.random_range(3..20);
            set_paid(b, add_days(end, late));
            "plan published fewer than 30 days"
        }
        _ => {
            b.v.comp_batches[0].decision_no.clear();
            "no distribution decision"
        }
    };
    let n = format!("{what}: {}", batch.no);
    label(b, Category::LandCompensation, text(&batch.no), n);
    true
}

fn set_paid(b: &mut Builder, paid: NaiveDate) {
    b.v.comp_batches[0].paid = paid;
    for r in b.v.compensation.iter_mut() {
        r.paid = paid;
    }
}

pub fn comp_negatives(b: &mut Builder, batch_planted: bool) {
    let Some(batch) = b.v.comp_batches.first().cloned() else {
        return;
    };
    // Everyone in a batch paid early was paid early (LND003 names them): a
    // person's edge is tested in a batch paid on time.
    let early = batch.paid <= batch.objection_end;
    if !early
        && b.rng.random_bool(0.8)
        && let Some(p) = free_villager(b)
    {
        let k = pay(b, p);
        let r = &mut b.v.compensation[k];
        r.amount = r.due() + r.due() * 9 / 1000;
        let (id, n) = (
            b.v.persons[r.person.p as usize].id.clone(),
            format!("paid 0.9 % over the computed amount: {}", r.name),
        );
        negative(b, "compensation_within_1pct", text(&id), n);
    }
    if !early
        && b.rng.random_bool(0.8)
        && let Some(p) = free_villager(b)
        && !b.v.moved_in.iter().any(|m| m.0 == p)
    {
        let d = add_days(batch.published, -b.rng.random_range(181..3000));
        b.v.moved_in.push((p, d));
        let k = pay(b, p);
        let r = &b.v.compensation[k];
        let (id, n) = (
            b.v.persons[r.person.p as usize].id.clone(),
            format!("moved in {d} long before the plan: {}", r.name),
        );
        negative(b, "compensation_moved_in_long_before", text(&id), n);
    }
    if !batch_planted && b.rng.random_bool(0.9) {
        set_paid(b, add_days(batch.objection_end, 1));
        let n = format!("paid the day after the objection period: {}", batch.no);
        negative(
            b,
            "compensation_paid_day_after_objection",
            text(&batch.no),
            n,
        );
    }
}

/// Compensation paid to a cadre's declared relative (with id): `kinship`.
pub fn kin_payee(b: &mut Builder) -> bool {
    if b.v.comp_batches.is_empty() {
        return false;
    }
    let cands: Vec<u32> =
        b.v.declared
            .iter()
            .filter(|d| {
                let q = &b.v.persons[d.person as usize];
                d.with_id && q.death.is_none() && q.household.is_some()
            })
            .map(|d| d.person)
            .filter(|p| !b.v.compensation.iter().any(|r| r.person.p == *p))
            .collect();
    let Some(&p) = cands.choose(&mut b.rng) else {
        return false;
    };
    let k = pay(b, p);
    let n = format!(
        "compensation to a cadre's relative: {}",
        b.v.compensation[k].name
    );
    let id = b.v.persons[p as usize].id.clone();
    label(b, Category::Kinship, text(&id), n);
    true
}

/// One payee entered twice in the batch: `duplicate_beneficiary`.
pub fn paid_twice(b: &mut Builder) -> bool {
    if b.v.comp_batches.is_empty() {
        return false;
    }
    let Some(p) = free_villager(b) else {
        return false;
    };
    let k = pay(b, p);
    let twin = b.v.compensation[k].clone();
    b.v.compensation.push(twin);
    let id = b.v.persons[p as usize].id.clone();
    let n = format!(
        "compensation paid twice in one batch: {}",
        b.v.persons[p as usize].name
    );
    label(b, Category::DuplicateBeneficiary, text(&id), n);
    true
}
