//! Invalid id numbers as exports carry them: a typo that fails the check
//! character, Excel's scientific notation, an impossible birth date in the
//! register, a dropped digit in the ledger.

use std::collections::BTreeMap;

use rand::Rng;
use rand::seq::IndexedRandom;

use super::{free, in_hires, label, pick, rows_of};
use crate::dataset::id_number::{credit_check_char, id_check_char};
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::truth::*;

fn excel_mangled(id: &str) -> String {
    format!("{}.{}E+17", &id[..1], &id[1..6])
}

/// One digit of the sequence changed, check character kept (fails the check).
pub(super) fn typo(id: &str, rng: &mut impl Rng) -> String {
    let mut c: Vec<char> = id.chars().collect();
    let pos = rng.random_range(14..16);
    let old = c[pos].to_digit(10).unwrap_or(0);
    let new = (old + rng.random_range(1..10)) % 10;
    c[pos] = char::from_digit(new, 10).unwrap_or('0');
    c.into_iter().collect()
}

/// Rows of 耕地地力保护补贴 whose person has no other subsidy row.
fn lone_gengdi_rows(b: &Builder) -> Vec<usize> {
    let mut count: BTreeMap<PRef, usize> = BTreeMap::new();
    for r in &b.v.subsidies {
        *count.entry(r.person).or_default() += 1;
    }
    (0..b.v.subsidies.len())
        .filter(|&i| {
            let r = &b.v.subsidies[i];
            b.v.batches[r.batch as usize].program == Program::Gengdi
                && count.get(&r.person) == Some(&1)
                && r.person.v == b.v.index
                && free(b, r.person.p)
                && !b.v.persons[r.person.p as usize].legacy15
                && !in_hires(b, r.person.p)
        })
        .collect()
}

pub(super) fn invalid_id(b: &mut Builder, variant: usize) -> bool {
    match variant {
        0 | 3 => {
            let rows = lone_gengdi_rows(b);
            let Some(&i) = rows.choose(&mut b.rng) else {
                return false;
            };
            let p = b.v.subsidies[i].person.p;
            b.used[p as usize] = true;
            let id = b.v.persons[p as usize].id.clone();
            let (written, how) = if variant == 0 {
                (typo(&id, &mut b.rng), "check character fails (typo)")
            } else {
                (excel_mangled(&id), "Excel-mangled")
            };
            b.v.subsidies[i].id = written.clone();
            label(
                b,
                Category::InvalidId,
                Subject::Text(written),
                format!("{how}: 耕地地力保护补贴名册"),
            );
        }
        1 => {
            // A resident who appears nowhere else: impossible birth date in the register.
            let cands: Vec<u32> = (0..b.v.persons.len() as u32)
                .filter(|&p| {
                    eligible(b, p)
                        && free(b, p)
                        && !b.busy[p as usize]
                        && !b.v.persons[p as usize].legacy15
                        && rows_of(b, p).is_empty()
                        && !b
                            .v
                            .ledger
                            .iter()
                            .any(|l| l.payee == Payee::Person(b.v.pref(p)))
                })
                .collect();
            let Some(p) = pick(b, cands) else {
                return false;
            };
            let id = b.v.persons[p as usize].id.clone();
            let bad_day = if b.rng.random_bool(0.5) {
                "0230"
            } else {
                "1332"
            };
            let mut s = format!("{}{}{}{}", &id[..6], &id[6..10], bad_day, &id[14..17]);
            let Some(c) = id_check_char(s.as_bytes()) else {
                return false;
            };
            s.push(c);
            b.v.household_id_override.push((p, s.clone()));
            label(
                b,
                Category::InvalidId,
                Subject::Text(s),
                "impossible birth date: 户籍人口".into(),
            );
        }
        4 => {
            // A company payee's credit code with a wrong check character
            // (GB 32100) on one electricity bill.
            let idx: Vec<usize> = (0..b.v.ledger.len())
                .filter(|&i| b.v.ledger[i].cp_id == POWER_COMPANY_CREDIT)
                .collect();
            let Some(&i) = idx.choose(&mut b.rng) else {
                return false;
            };
            let first17 = &POWER_COMPANY_CREDIT[..17];
            let right = credit_check_char(first17).unwrap_or('0');
            let wrong = ['3', '7', 'A', 'K']
                .into_iter()
                .filter(|c| *c != right)
                .nth(b.rng.random_range(0..3))
                .unwrap_or('3');
            let written = format!("{first17}{wrong}");
            b.v.ledger[i].cp_id = written.clone();
            label(
                b,
                Category::InvalidId,
                Subject::Text(written),
                "credit code check character fails (GB 32100): 收支明细对方证件号码".into(),
            );
        }
        _ => {
            // A dropped digit on an odd-job payment.
            let idx: Vec<usize> = (0..b.v.ledger.len())
                .filter(|&i| {
                    let l = &b.v.ledger[i];
                    l.cp_id.len() == 18
                        && l.category == "管理费用"
                        && matches!(l.payee, Payee::Person(p) if free(b, p.p))
                })
                .collect();
            let Some(&i) = idx.choose(&mut b.rng) else {
                return false;
            };
            if let Payee::Person(p) = b.v.ledger[i].payee {
                b.used[p.p as usize] = true;
            }
            let id = b.v.ledger[i].cp_id.clone();
            let pos = b.rng.random_range(6..17);
            let written = format!("{}{}", &id[..pos], &id[pos + 1..]);
            b.v.ledger[i].cp_id = written.clone();
            label(
                b,
                Category::InvalidId,
                Subject::Text(written),
                "wrong length (17 digits): 收支明细对方证件号码".into(),
            );
        }
    }
    true
}
