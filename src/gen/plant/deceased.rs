//! Deceased beneficiaries: a monthly subsidy, or a hire's wages, paid on
//! for months after the death the register records.

use chrono::Datelike;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::duplicate_beneficiary::monthly_recipients;
use super::{free, label, pick};
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::truth::*;

pub(super) fn deceased(b: &mut Builder, variant: usize) -> bool {
    let month = b.rng.random_range(2..10u32);
    let extra = b.rng.random_range(1..4u32);
    let death = rand_date(&mut b.rng, ymd(YEAR, month, 1), month_end(YEAR, month));
    if variant == 0 {
        let prog = *[
            Program::Tekun,
            Program::Canji,
            Program::Zunlao,
            Program::Dibao,
        ]
        .choose(&mut b.rng)
        .unwrap_or(&Program::Zunlao);
        let Some(p) = pick(b, monthly_recipients(b, prog)) else {
            return false;
        };
        b.v.persons[p as usize].death = Some(death);
        let pr = b.v.pref(p);
        let before = b.v.subsidies.len();
        let batches = b.v.batches.clone();
        b.v.subsidies
            .retain(|r| r.person != pr || batches[r.batch as usize].month <= month + extra);
        if b.v.subsidies.len() == before && month + extra < 12 {
            return false;
        }
        let id = b.v.persons[p as usize].id.clone();
        label(
            b,
            Category::DeceasedBeneficiary,
            Subject::Text(id),
            format!(
                "subsidy after death: {death}死亡，{}继续发放{extra}个月",
                prog.name()
            ),
        );
    } else {
        let cands: Vec<usize> = (0..b.v.hires.len())
            .filter(|&h| {
                let x = &b.v.hires[h];
                x.end.is_none()
                    && x.start.year() < YEAR
                    && x.person.v == b.v.index
                    && free(b, x.person.p)
            })
            .collect();
        let Some(&h) = cands.choose(&mut b.rng) else {
            return false;
        };
        let pr = b.v.hires[h].person;
        b.used[pr.p as usize] = true;
        b.v.persons[pr.p as usize].death = Some(death);
        b.v.ledger
            .retain(|l| l.payee != Payee::Person(pr) || l.date.month() <= month + extra);
        let id = b.v.persons[pr.p as usize].id.clone();
        label(
            b,
            Category::DeceasedBeneficiary,
            Subject::Text(id),
            format!(
                "wages after death: {}{death}死亡，工资继续发放{extra}个月",
                b.v.hires[h].post
            ),
        );
    }
    true
}
