//! Eligibility: 尊老金 paid below the age of 80, relief paid to a baby in
//! months before its birth.

use chrono::Datelike;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::{free, label, pick, programs_of};
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::names;
use crate::r#gen::truth::*;

pub(super) fn eligibility(b: &mut Builder, variant: usize) -> bool {
    if variant == 0 {
        let cands: Vec<u32> = (0..b.v.persons.len() as u32)
            .filter(|&p| {
                let age = YEAR - b.v.persons[p as usize].birth.year();
                eligible(b, p)
                    && free(b, p)
                    && (70..=77).contains(&age)
                    && !programs_of(b, p).contains(&Program::Zunlao)
            })
            .collect();
        let Some(p) = pick(b, cands) else {
            return false;
        };
        let from = b.rng.random_range(1..10u32);
        let pr = b.v.pref(p);
        for m in from..=12 {
            roll_row(
                b,
                Program::Zunlao,
                m,
                pr,
                RowSpec {
                    amount: 10_000,
                    quantity: None,
                    account: None,
                },
            );
        }
        let q = &b.v.persons[p as usize];
        let (id, age) = (q.id.clone(), age_on(q.birth, ymd(YEAR, from, 1)));
        label(
            b,
            Category::Eligibility,
            Subject::Text(id),
            format!("尊老金 below 80: {from}月起领取尊老金时{age}周岁"),
        );
    } else {
        // A baby born late in the year, "paid" relief months before birth.
        let hh: Vec<u32> = (0..b.v.households.len() as u32)
            .filter(|&h| {
                let head = b.v.households[h as usize].members[0].0;
                let q = &b.v.persons[head as usize];
                eligible(b, head)
                    && q.male
                    && q.spouse.is_some()
                    && (25..=38).contains(&(YEAR - q.birth.year()))
            })
            .collect();
        let Some(&h) = hh.choose(&mut b.rng) else {
            return false;
        };
        let head = b.v.households[h as usize].members[0].0;
        let mom = b.v.persons[head as usize].spouse;
        let male = b.rng.random_bool(0.5);
        let sname = b.v.persons[head as usize].surname().to_string();
        let name = format!("{sname}{}", names::given_name(&mut b.rng, male));
        let birth = rand_date(&mut b.rng, ymd(YEAR, 8, 1), ymd(YEAR, 11, 30));
        let baby = b.add_person(name, male, birth);
        b.v.persons[baby as usize].father = Some(head);
        b.v.persons[baby as usize].mother = mom;
        b.v.persons[baby as usize].household = Some(h);
        b.v.households[h as usize]
            .members
            .push((baby, if male { "子" } else { "女" }));
        b.used[baby as usize] = true;
        let m = b.rng.random_range(2..7u32);
        let pr = b.v.pref(baby);
        let amount = b.rng.random_range(10..40) * 10_000;
        roll_row(
            b,
            Program::Linshi,
            m,
            pr,
            RowSpec {
                amount,
                quantity: None,
                account: None,
            },
        );
        let id = b.v.persons[baby as usize].id.clone();
        let bd = b.v.persons[baby as usize].birth;
        label(
            b,
            Category::Eligibility,
            Subject::Text(id),
            format!("paid before birth: {m}月临时救助，出生日期{bd}"),
        );
    }
    true
}
