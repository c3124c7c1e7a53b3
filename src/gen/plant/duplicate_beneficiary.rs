//! Duplicate beneficiaries: one id paid twice in a month, mutually
//! exclusive programs at once, one account for two households, one person
//! under a second id. Cross-village duplicates are in `cross_village`.

use std::collections::BTreeMap;

use rand::Rng;

use super::invalid_id::typo;
use super::{free, label, pick, programs_of};
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::selfcheck;
use crate::r#gen::truth::*;

/// Monthly recipients (rows in every month of one program), free to use.
pub(super) fn monthly_recipients(b: &Builder, program: Program) -> Vec<u32> {
    let mut months: BTreeMap<u32, usize> = BTreeMap::new();
    for r in &b.v.subsidies {
        if r.person.v == b.v.index && b.v.batches[r.batch as usize].program == program {
            *months.entry(r.person.p).or_default() += 1;
        }
    }
    months
        .into_iter()
        .filter(|(p, n)| *n == 12 && free(b, *p) && !b.v.persons[*p as usize].legacy15)
        .map(|(p, _)| p)
        .collect()
}

fn row_in(b: &Builder, p: u32, program: Program, month: u32) -> Option<usize> {
    (0..b.v.subsidies.len()).find(|&i| {
        let r = &b.v.subsidies[i];
        r.person == b.v.pref(p)
            && b.v.batches[r.batch as usize].program == program
            && b.v.batches[r.batch as usize].month == month
    })
}

pub(super) fn duplicate(b: &mut Builder, variant: usize) -> bool {
    let prog = if b.rng.random_bool(0.5) {
        Program::Canji
    } else {
        Program::Zunlao
    };
    match variant {
        0 => same_id_twice(b, prog),
        1 | 2 => mutually_exclusive(b, variant),
        3 => shared_account(b),
        _ => second_id(b, prog, variant),
    }
}

/// One month's row of a monthly recipient paid twice.
fn same_id_twice(b: &mut Builder, prog: Program) -> bool {
    let Some(p) = pick(b, monthly_recipients(b, prog)) else {
        return false;
    };
    let m = b.rng.random_range(2..12);
    let Some(i) = row_in(b, p, prog, m) else {
        return false;
    };
    let row = b.v.subsidies[i].clone();
    b.v.subsidies.push(row);
    let id = b.v.persons[p as usize].id.clone();
    label(
        b,
        Category::DuplicateBeneficiary,
        Subject::Text(id),
        format!("same id twice: {}{m}月重复发放", prog.name()),
    );
    true
}

/// A 特困供养 recipient also paid 低保 (variant 1) or 残疾人两项补贴 (2)
/// for a few months.
fn mutually_exclusive(b: &mut Builder, variant: usize) -> bool {
    let Some(p) = pick(b, monthly_recipients(b, Program::Tekun)) else {
        return false;
    };
    let from = b.rng.random_range(2..10);
    let to = (from + b.rng.random_range(0..3)).min(12);
    let pr = b.v.pref(p);
    let other = if variant == 1 {
        Program::Dibao
    } else {
        Program::Canji
    };
    for m in from..=to {
        let amount = if variant == 1 { 60_000 } else { 12_000 };
        roll_row(
            b,
            other,
            m,
            pr,
            RowSpec {
                amount,
                quantity: None,
                account: None,
            },
        );
    }
    let id = b.v.persons[p as usize].id.clone();
    label(
        b,
        Category::DuplicateBeneficiary,
        Subject::Text(id),
        format!(
            "mutually exclusive: 特困供养同时领取{}（{from}-{to}月）",
            other.name()
        ),
    );
    true
}

/// One account paid for two people of different households in one batch.
fn shared_account(b: &mut Builder) -> bool {
    let Some(a) = pick(b, monthly_recipients(b, Program::Canji)) else {
        return false;
    };
    let ah = b.v.persons[a as usize].household;
    let cands: Vec<u32> = (0..b.v.persons.len() as u32)
        .filter(|&p| {
            eligible(b, p)
                && free(b, p)
                && b.v.persons[p as usize].household != ah
                && !programs_of(b, p).contains(&Program::Canji)
                && !programs_of(b, p).contains(&Program::Tekun)
                && !b.v.persons[p as usize].legacy15
        })
        .collect();
    let Some(q) = pick(b, cands) else {
        return false;
    };
    let m = b.rng.random_range(2..12);
    let Some(ai) = row_in(b, a, Program::Canji, m) else {
        return false;
    };
    let acct = b.v.subsidies[ai].account.clone();
    if acct.is_empty() {
        // No account, nothing to share.
        return false;
    }
    let qr = b.v.pref(q);
    let qi = roll_row(
        b,
        Program::Canji,
        m,
        qr,
        RowSpec {
            amount: 12_000,
            quantity: None,
            account: Some(acct.clone()),
        },
    );
    let batch = b.v.subsidies[qi].batch;
    // The case is named by the smallest id paid into that account.
    let subject =
        b.v.subsidies
            .iter()
            .filter(|r| r.batch == batch && r.account == acct)
            .filter_map(|r| selfcheck::loaded(&r.id))
            .min()
            .unwrap_or_default();
    label(
        b,
        Category::DuplicateBeneficiary,
        Subject::Text(subject),
        format!("shared account: 残疾人两项补贴{m}月两户人员同一账户"),
    );
    true
}

/// One person paid again under a second id: one character apart
/// (variant 4), only the check character differs (5), another valid id
/// with an older birth date (6).
fn second_id(b: &mut Builder, prog: Program, variant: usize) -> bool {
    let Some(p) = pick(b, monthly_recipients(b, prog)) else {
        return false;
    };
    let m = b.rng.random_range(2..12);
    let Some(i) = row_in(b, p, prog, m) else {
        return false;
    };
    let id = b.v.persons[p as usize].id.clone();
    let (fake, how) = match variant {
        4 => (typo(&id, &mut b.rng), "two ids one character apart"),
        5 => {
            let last = id.chars().last().unwrap_or('0');
            let other = if last == '7' { '3' } else { '7' };
            (
                format!("{}{other}", &id[..17]),
                "two ids differing only in the check character",
            )
        }
        _ => {
            // An older birth date: the fake id stays eligible for 尊老金.
            let real = b.v.persons[p as usize].birth;
            let birth = add_days(real, -b.rng.random_range(30..700));
            let male = b.v.persons[p as usize].male;
            let (fid, _) = b.ids.alloc(birth, male);
            (fid, "same name and account under another id")
        }
    };
    let mut row = b.v.subsidies[i].clone();
    row.id = fake.clone();
    b.v.subsidies.push(row);
    label(
        b,
        Category::DuplicateBeneficiary,
        Subject::Text(id),
        format!("{how}: {}{m}月以{fake}再次发放", prog.name()),
    );
    if variant != 6 {
        label(
            b,
            Category::InvalidId,
            Subject::Text(fake),
            "incidental: 重复领取所用身份证号校验位不符".into(),
        );
    }
    true
}
