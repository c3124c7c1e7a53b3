//! Village hires (村级用工): two hiring rounds with their publicity, and a
//! wage line in the ledger for every month a hire is paid.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::builder::Builder;
use super::decisions::publicity_ok;
use super::rolls::eligible;
use crate::r#gen::model::*;

pub const POSTS: [(&str, i64); 4] = [
    ("保洁员", 180_000),
    ("清运员", 220_000),
    ("网格员", 250_000),
    ("杂工", 150_000),
];

fn hire_candidate(b: &mut Builder) -> Option<u32> {
    for _ in 0..500 {
        let p = b.rng.random_range(0..b.v.persons.len() as u32);
        let q = &b.v.persons[p as usize];
        let age = YEAR - q.birth.year();
        if eligible(b, p)
            && (30..=63).contains(&age)
            && q.death.is_none()
            && !b.busy[p as usize]
            && !q.account.is_empty()
            && !b
                .v
                .subsidies
                .iter()
                .any(|r| r.person.p == p && r.person.v == b.v.index)
        {
            return Some(p);
        }
    }
    None
}

pub fn add_hire(
    b: &mut Builder,
    p: PRef,
    post: (&'static str, i64),
    batch_no: &str,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> usize {
    let q = b.v.persons[p.p as usize].clone();
    let method = ["公开招聘", "村委会聘用", "公益性岗位安置"]
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("公开招聘");
    b.v.hires.push(Hire {
        batch_no: batch_no.to_string(),
        post: post.0,
        person: p,
        name: q.name.clone(),
        id: q.written_id(),
        account: q.account.clone(),
        phone: q.phone.clone(),
        start,
        end,
        wage: post.1,
        method,
    });
    b.busy[p.p as usize] = true;
    b.v.hires.len() - 1
}

/// The wage line of one month, paid on the 25th (within the month it is for).
pub fn wage_line(b: &mut Builder, hire: usize, month: u32) {
    let h = b.v.hires[hire].clone();
    // Paid on a working day of the 24th–28th (the pay days of `paid_months`).
    let date = crate::r#gen::workdays::within(
        ymd(YEAR, month, b.rng.random_range(24..29)),
        ymd(YEAR, month, 24),
        ymd(YEAR, month, 28),
    );
    let with_id = b.rng.random_bool(0.85);
    let uid = b.next_uid;
    b.next_uid += 1;
    b.v.ledger.push(LedgerLine {
        uid,
        voucher: String::new(),
        date,
        income: false,
        amount: h.wage,
        summary: format!("{YEAR}年{month}月{}工资", h.post),
        category: "公益性岗位工资",
        counterparty: h.name.clone(),
        cp_id: if with_id { h.id.clone() } else { String::new() },
        account: h.account.clone(),
        method: "转账",
        contract_no: String::new(),
        decision_no: String::new(),
        payee: Payee::Person(h.person),
    });
}

/// Months a hire is paid for in the year: those whose pay day (24–28th)
/// falls within the engagement.
pub fn paid_months(h: &Hire) -> Vec<u32> {
    (1..=12u32)
        .filter(|&m| {
            let first_pay = ymd(YEAR, m, 24);
            let last_pay = ymd(YEAR, m, 28);
            h.start <= first_pay && h.end.is_none_or(|e| e >= last_pay)
        })
        .collect()
}

pub(super) fn hires(b: &mut Builder) {
    let n = b.rng.random_range(8..13);
    // Two hiring rounds: last year's (still employed) and this year's.
    let old_batch = format!(
        "ZP-{}{:02}-{:04}",
        YEAR - 1,
        b.rng.random_range(2..10),
        b.vnum()
    );
    let old_start = ymd(YEAR - 1, b.rng.random_range(3..11), 1);
    publicity_ok(b, &old_batch, "村级用工", 5, old_start);
    let new_month = b.rng.random_range(3..9);
    let new_batch = format!("ZP-{}{:02}-{:04}", YEAR, new_month, b.vnum());
    let new_start = ymd(YEAR, new_month, b.rng.random_range(1..11));
    let mut new_used = false;
    for i in 0..n {
        let Some(p) = hire_candidate(b) else { break };
        let post = match i {
            0..=4 => POSTS[0],
            5 | 6 => POSTS[1],
            7 | 8 => POSTS[2],
            _ => POSTS[3],
        };
        let fresh = b.rng.random_bool(0.3);
        let (batch, start) = if fresh {
            new_used = true;
            (new_batch.clone(), new_start)
        } else {
            (old_batch.clone(), old_start)
        };
        // Some leave during the year, at the end of a month.
        let end = if b.rng.random_bool(0.15) {
            let m = (start.month().max(if start.year() < YEAR {
                1
            } else {
                start.month()
            }) + 2)
                .max(b.rng.random_range(3..12));
            (m <= 11).then(|| month_end(YEAR, m))
        } else {
            None
        };
        let pr = b.v.pref(p);
        let h = add_hire(b, pr, post, &batch, start, end);
        for m in paid_months(&b.v.hires[h].clone()) {
            wage_line(b, h, m);
        }
    }
    if new_used {
        publicity_ok(b, &new_batch, "村级用工", 5, new_start);
    }
}
