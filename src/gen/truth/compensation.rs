//! Land-acquisition compensation (征地补偿, annex process 6): in some
//! villages one batch, its plan published for 30 days or more, a
//! distribution decision, and payments of area × rate + attachments to
//! households on the register after the objection period. Some villagers
//! moved onto the register long ago (`moved_in_date`).

use chrono::NaiveDate;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::builder::{Builder, rand_date};
use super::decisions::valid_decision;
use super::leases::lessee_pool;
use crate::r#gen::model::*;
use crate::r#gen::names;

/// Yuan fen per 亩 of the street's compensation standard.
pub const COMP_RATE: i64 = 4_500_000;

#[derive(Debug, Clone)]
pub struct CompBatch {
    pub no: String,
    pub published: NaiveDate,
    pub objection_end: NaiveDate,
    pub decision_no: String,
    pub paid: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct CompRow {
    pub batch: u32,
    pub person: PRef,
    pub name: String,
    pub id: String,
    pub household_id: String,
    pub area: f64,
    pub rate: i64,
    pub attachments: i64,
    pub amount: i64,
    pub paid: NaiveDate,
    pub account: String,
}

impl CompRow {
    /// What the row's figures say is due.
    pub fn due(&self) -> i64 {
        (self.area * self.rate as f64).round() as i64 + self.attachments
    }
}

/// Long-standing residents who moved in: a moved_in_date decades back.
pub fn movers(b: &mut Builder) {
    for p in 0..b.v.persons.len() as u32 {
        let q = &b.v.persons[p as usize];
        if q.household.is_some()
            && YEAR - chrono::Datelike::year(&q.birth) > 25
            && b.rng.random_bool(0.03)
        {
            let d = rand_date(&mut b.rng, ymd(1995, 1, 1), ymd(YEAR - 3, 12, 31));
            b.v.moved_in.push((p, d.max(q.birth)));
        }
    }
}

/// A payment row of batch `batch` to villager `p`.
pub fn comp_row(b: &mut Builder, batch: u32, p: u32) -> CompRow {
    let q = &b.v.persons[p as usize];
    let hid = q
        .household
        .map(|h| b.v.households[h as usize].hid.clone())
        .unwrap_or_default();
    let (name, id, account) = (q.name.clone(), q.written_id(), q.account.clone());
    let area = f64::from(b.rng.random_range(2..=40)) / 10.0;
    let attachments = b.rng.random_range(0..40) * 50_000;
    let mut r = CompRow {
        batch,
        person: b.v.pref(p),
        name,
        id,
        household_id: hid,
        area,
        rate: COMP_RATE,
        attachments,
        amount: 0,
        paid: b.v.comp_batches[batch as usize].paid,
        account,
    };
    r.amount = r.due();
    r
}

/// An outsider: a person of another county, on no register here.
pub fn outsider(b: &mut Builder) -> u32 {
    let male = b.rng.random_bool(0.6);
    let birth = rand_date(&mut b.rng, ymd(1960, 1, 1), ymd(1995, 12, 28));
    let (id, birth) = b.outsider_ids.alloc(birth, male);
    let surname = names::pick_surname(&mut b.rng).to_string();
    let name = format!("{surname}{}", names::given_name(&mut b.rng, male));
    let account = b.account();
    let p = b.push_person(Person {
        id,
        name,
        male,
        birth,
        household: None,
        father: None,
        mother: None,
        spouse: None,
        phone: String::new(),
        account,
        death: None,
        legacy15: false,
    });
    b.used[p as usize] = true;
    b.busy[p as usize] = true;
    p
}

/// Half the villages have one batch of 5–12 household heads.
pub fn compensation(b: &mut Builder) {
    if !b.rng.random_bool(0.6) {
        return;
    }
    let published = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 7, 31));
    let objection_end = add_days(published, 29 + b.rng.random_range(0..10));
    let paid = add_days(objection_end, b.rng.random_range(5..40));
    let no = format!("ZD-{YEAR}-{:04}-01", b.vnum());
    b.v.comp_batches.push(CompBatch {
        no,
        published,
        objection_end,
        decision_no: String::new(),
        paid,
    });
    let batch = (b.v.comp_batches.len() - 1) as u32;
    let mut pool = lessee_pool(b);
    pool.retain(|&p| {
        let q = &b.v.persons[p as usize];
        q.household
            .is_some_and(|h| b.v.households[h as usize].members[0].0 == p)
    });
    let n = b.rng.random_range(5..13);
    for _ in 0..n {
        let Some(&p) = pool.choose(&mut b.rng) else {
            break;
        };
        pool.retain(|&x| x != p);
        b.used[p as usize] = true;
        let r = comp_row(b, batch, p);
        b.v.compensation.push(r);
    }
    let total: i64 =
        b.v.compensation
            .iter()
            .filter(|r| r.batch == batch)
            .map(|r| r.amount)
            .sum();
    let d = valid_decision(b, "征地补偿款分配方案", total, paid);
    b.v.comp_batches[batch as usize].decision_no = d;
}

/// The distribution list's 公示, 7 days or more, over before the batch's
/// first payment (`days` 0: none); written once the plants are done.
pub fn publish_compensation(b: &mut Builder, days: i64) {
    for i in 0..b.v.comp_batches.len() {
        let batch = &b.v.comp_batches[i];
        let first =
            b.v.compensation
                .iter()
                .filter(|r| r.batch as usize == i)
                .map(|r| r.paid)
                .min();
        let Some(first) = first.filter(|_| days > 0) else {
            continue;
        };
        let no = batch.no.clone();
        let end = add_days(first, -b.rng.random_range(1..4));
        b.v.publicity.push(Publicity {
            ref_no: no,
            kind: "征地补偿分配公示".into(),
            start: add_days(end, -(days - 1)),
            end,
            channel: "村务公开栏",
        });
    }
}
