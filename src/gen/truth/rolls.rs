//! Subsidy rolls: one batch per program and month (with its publicity),
//! and a year of clean recipients for each program.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::builder::Builder;
use super::decisions::publicity_ok;
use super::families::is_alive_all_year;
use crate::r#gen::model::*;

pub fn new_batch(b: &mut Builder, program: Program, month: u32) -> u32 {
    let (approved, paid) = batch_dates(b, program, month);
    let n =
        b.v.batches
            .iter()
            .filter(|x| x.program == program && x.month == month)
            .count();
    let no = if n == 0 {
        format!("{}-{}{:02}-{:04}", program.code(), YEAR, month, b.vnum())
    } else {
        format!(
            "{}-{}{:02}-{:04}-{}",
            program.code(),
            YEAR,
            month,
            b.vnum(),
            n + 1
        )
    };
    b.v.batches.push(Batch {
        no,
        program,
        month,
        approved,
        paid,
    });
    (b.v.batches.len() - 1) as u32
}

pub fn find_batch(b: &Builder, program: Program, month: u32) -> Option<u32> {
    b.v.batches
        .iter()
        .position(|x| x.program == program && x.month == month)
        .map(|i| i as u32)
}

/// The approval and payment dates of one month's batch.
pub fn batch_dates(
    b: &mut Builder,
    program: Program,
    month: u32,
) -> (Option<NaiveDate>, NaiveDate) {
    match program {
        Program::Dibao | Program::Tekun => {
            let a = ymd(YEAR, month, b.rng.random_range(10..15));
            let p = add_days(a, b.rng.random_range(3..9));
            (Some(a), p)
        }
        _ => (None, ymd(YEAR, month, b.rng.random_range(12..22))),
    }
}

pub struct RowSpec {
    pub amount: i64,
    pub quantity: Option<f64>,
    pub account: Option<String>,
}

/// Add one roll row for a person, creating the month's batch (and its
/// publicity) when needed.
pub fn roll_row(
    b: &mut Builder,
    program: Program,
    month: u32,
    person: PRef,
    spec: RowSpec,
) -> usize {
    let bi = match find_batch(b, program, month) {
        Some(i) => i,
        None => {
            let i = new_batch(b, program, month);
            let (approved, paid) = (
                b.v.batches[i as usize].approved,
                b.v.batches[i as usize].paid,
            );
            let no = b.v.batches[i as usize].no.clone();
            match program.publicity() {
                Some((days, PubEvent::ApprovalElsePayment)) => {
                    publicity_ok(b, &no, program.name(), days, approved.unwrap_or(paid))
                }
                Some((days, PubEvent::Payment)) => publicity_ok(b, &no, program.name(), days, paid),
                Some((days, PubEvent::None)) => {
                    // 急难型: relief first, publicity afterwards.
                    let start = add_days(paid, b.rng.random_range(1..6));
                    let end = add_days(start, days - 1 + b.rng.random_range(0..3));
                    b.v.publicity.push(Publicity {
                        ref_no: no.clone(),
                        kind: program.name().to_string(),
                        start,
                        end,
                        channel: "村务公开栏",
                    });
                    b.v.negatives.push(PlantedNegative {
                        kind: "urgent_relief_after_payment",
                        village: b.v.index,
                        subject: Subject::Text(no.clone()),
                        note: format!("急难型临时救助事后公示（{start}起），允许"),
                    });
                }
                None => {
                    // No rule requires it; villages publish anyway.
                    publicity_ok(b, &no, program.name(), 5, paid)
                }
            }
            i
        }
    };
    let (approved, paid) = (
        b.v.batches[bi as usize].approved,
        b.v.batches[bi as usize].paid,
    );
    let (name, id, hid, account, phone) = if person.v != b.v.index {
        // Someone from another village: the caller fills the row in.
        Default::default()
    } else {
        let q = &b.v.persons[person.p as usize];
        let hid = q
            .household
            .map(|h| b.v.households[h as usize].hid.clone())
            .unwrap_or_default();
        // The old are often paid into the household head's account.
        let mut acct = q.account.clone();
        let mut phone = q.phone.clone();
        if let Some(h) = q.household {
            let head = b.v.households[h as usize].members[0].0;
            let hq = &b.v.persons[head as usize];
            if acct.is_empty() {
                acct = hq.account.clone();
            }
            if phone.is_empty() {
                phone = hq.phone.clone();
            }
        }
        (q.name.clone(), q.written_id(), hid, acct, phone)
    };
    let account = spec.account.unwrap_or(account);
    b.v.subsidies.push(SubsidyRow {
        batch: bi,
        person,
        name,
        id,
        household_id: hid,
        account,
        phone,
        amount: spec.amount,
        quantity: spec.quantity,
        approved,
        paid,
        payee: String::new(),
        item_id: String::new(),
    });
    b.v.subsidies.len() - 1
}

/// Can this villager be a baseline recipient (not kin, in the register)?
pub fn eligible(b: &Builder, p: u32) -> bool {
    !b.kin[p as usize] && b.v.persons[p as usize].household.is_some()
}

fn zunlao_amount(age: i32) -> i64 {
    if age >= 100 {
        50_000
    } else if age >= 90 {
        20_000
    } else {
        10_000
    }
}

/// A year of clean rolls, program by program.
pub(super) fn subsidies(b: &mut Builder) {
    // Households with no kin of a cadre: the baseline's recipients.
    let hh: Vec<u32> = (0..b.v.households.len() as u32)
        .filter(|&h| {
            b.v.households[h as usize]
                .members
                .iter()
                .all(|(m, _)| !b.kin[*m as usize])
        })
        .collect();
    let dibao_heads = dibao_roll(b, &hh);
    let tekun = tekun_roll(b, &dibao_heads);
    canji_roll(b, &tekun);
    linshi_roll(b, &hh);
    gengdi_roll(b, &hh);
    zunlao_roll(b);
    tekun_deaths(b, &tekun);
    nongji_roll(b, &hh);
}

/// 城乡低保: a few percent of households, paid to the head.
fn dibao_roll(b: &mut Builder, hh: &[u32]) -> Vec<u32> {
    let n_db = (b.v.households.len() * 3 / 100).max(2);
    let mut dibao_heads = vec![];
    for _ in 0..n_db {
        if let Some(&h) = hh.choose(&mut b.rng) {
            let head = b.v.households[h as usize].members[0].0;
            if dibao_heads.contains(&head) || !is_alive_all_year(&b.v.persons[head as usize]) {
                continue;
            }
            dibao_heads.push(head);
        }
    }
    for &head in &dibao_heads {
        let h = b.v.persons[head as usize].household.unwrap_or(0);
        let n = b.v.households[h as usize].members.len() as i64;
        let per = b.rng.random_range(30..70) * 1_000;
        for m in 1..=12 {
            roll_row(
                b,
                Program::Dibao,
                m,
                b.v.pref(head),
                RowSpec {
                    amount: per * n,
                    quantity: None,
                    account: None,
                },
            );
        }
    }
    dibao_heads
}

/// 特困供养: old people living alone.
fn tekun_roll(b: &mut Builder, dibao_heads: &[u32]) -> Vec<u32> {
    let mut tekun = vec![];
    let alone: Vec<u32> = (0..b.v.households.len())
        .filter(|&h| b.v.households[h].members.len() == 1)
        .map(|h| b.v.households[h].members[0].0)
        .filter(|&p| {
            eligible(b, p)
                && YEAR - b.v.persons[p as usize].birth.year() >= 60
                && !dibao_heads.contains(&p)
        })
        .collect();
    let n_tk = b.rng.random_range(2..5).min(alone.len());
    for &p in alone.iter().take(n_tk) {
        tekun.push(p);
        let death = b.v.persons[p as usize].death;
        for m in 1..=12 {
            if death.is_some_and(|d| d.month() < m) {
                break;
            }
            roll_row(
                b,
                Program::Tekun,
                m,
                b.v.pref(p),
                RowSpec {
                    amount: 115_000,
                    quantity: None,
                    account: None,
                },
            );
        }
    }
    tekun
}

/// 残疾人两项补贴 (生活补贴): about one person in a hundred.
fn canji_roll(b: &mut Builder, tekun: &[u32]) {
    let n_cj = (b.v.persons.len() / 100).max(3);
    let mut canji = vec![];
    for _ in 0..n_cj * 3 {
        if canji.len() >= n_cj {
            break;
        }
        let p = b.rng.random_range(0..b.v.persons.len() as u32);
        if !eligible(b, p)
            || tekun.contains(&p)
            || canji.contains(&p)
            || b.v.persons[p as usize].death.is_some()
        {
            continue;
        }
        canji.push(p);
        for m in 1..=12 {
            roll_row(
                b,
                Program::Canji,
                m,
                b.v.pref(p),
                RowSpec {
                    amount: 12_000,
                    quantity: None,
                    account: None,
                },
            );
        }
    }
}

/// 临时救助, and the urgent kind (急难型) paid before publicity.
fn linshi_roll(b: &mut Builder, hh: &[u32]) {
    for _ in 0..b.rng.random_range(3..7) {
        let Some(&h) = hh.choose(&mut b.rng) else {
            break;
        };
        let head = b.v.households[h as usize].members[0].0;
        if !is_alive_all_year(&b.v.persons[head as usize]) {
            continue;
        }
        let urgent = b.rng.random_bool(0.25);
        let program = if urgent {
            Program::LinshiUrgent
        } else {
            Program::Linshi
        };
        let m = b.rng.random_range(1..12);
        if b.v
            .subsidies
            .iter()
            .any(|r| r.person.p == head && b.v.batches[r.batch as usize].month == m)
        {
            continue;
        }
        let amount = b.rng.random_range(10..60) * 10_000;
        roll_row(
            b,
            program,
            m,
            b.v.pref(head),
            RowSpec {
                amount,
                quantity: None,
                account: None,
            },
        );
    }
}

/// 耕地地力保护补贴: most households, by 亩, paid once in May.
fn gengdi_roll(b: &mut Builder, hh: &[u32]) {
    for &h in hh {
        let mu = b.v.households[h as usize].mu;
        if mu <= 0.0 || !b.rng.random_bool(0.92) {
            continue;
        }
        let head = b.v.households[h as usize].members[0].0;
        if b.v.persons[head as usize]
            .death
            .is_some_and(|d| d.month() < 5)
        {
            continue;
        }
        let amount = (mu * 11_850.0).round() as i64;
        roll_row(
            b,
            Program::Gengdi,
            5,
            b.v.pref(head),
            RowSpec {
                amount,
                quantity: Some(mu),
                account: None,
            },
        );
    }
}

/// 尊老金: everyone 80 or older at the start of the month (a birthday
/// month is paid from the next month on), until the month of death.
fn zunlao_roll(b: &mut Builder) {
    let old: Vec<u32> = (0..b.v.persons.len() as u32)
        .filter(|&p| eligible(b, p) && YEAR - b.v.persons[p as usize].birth.year() >= 80)
        .collect();
    for p in old {
        let q = b.v.persons[p as usize].clone();
        // A couple both on the roll are paid into one account (the husband's
        // or the head's): a household sharing an account, which is normal.
        let mut shared_with: Option<String> = None;
        if let Some(s) = q.spouse {
            let sq = &b.v.persons[s as usize];
            if sq.household == q.household
                && YEAR - sq.birth.year() >= 81
                && YEAR - q.birth.year() >= 81
                && eligible(b, s)
            {
                let acct = if q.male { &q.account } else { &sq.account };
                if !acct.is_empty() {
                    shared_with = Some(acct.clone());
                }
            }
        }
        let mut paid_any = false;
        for m in 1..=12 {
            let start = ymd(YEAR, m, 1);
            let age = age_on(q.birth, start);
            if age < 80 {
                continue;
            }
            if q.death.is_some_and(|d| d.month() < m) {
                break;
            }
            roll_row(
                b,
                Program::Zunlao,
                m,
                b.v.pref(p),
                RowSpec {
                    amount: zunlao_amount(age),
                    quantity: None,
                    account: shared_with.clone(),
                },
            );
            paid_any = true;
        }
        let shared_listed =
            b.v.negatives
                .iter()
                .filter(|n| n.kind == "household_shared_account")
                .count();
        if paid_any && shared_with.is_some() && shared_listed < 4 {
            b.v.negatives.push(PlantedNegative {
                kind: "household_shared_account",
                village: b.v.index,
                subject: Subject::Text(q.id.clone()),
                note: "同户老年夫妻尊老金发放至同一账户，属正常".into(),
            });
        }
        if let Some(d) = q.death
            && d.year() == YEAR
        {
            b.v.negatives.push(PlantedNegative {
                kind: "paid_in_month_of_death",
                village: b.v.index,
                subject: Subject::Text(q.id.clone()),
                note: format!("{}死亡，当月尊老金照发属正常", d),
            });
        }
    }
}

/// Tekun deaths are also month-of-death payments.
fn tekun_deaths(b: &mut Builder, tekun: &[u32]) {
    for &p in tekun {
        if let Some(d) = b.v.persons[p as usize].death {
            let id = b.v.persons[p as usize].id.clone();
            b.v.negatives.push(PlantedNegative {
                kind: "paid_in_month_of_death",
                village: b.v.index,
                subject: Subject::Text(id),
                note: format!("{}死亡，当月特困供养金照发属正常", d),
            });
        }
    }
}

/// 农机购置补贴: one or two machines.
fn nongji_roll(b: &mut Builder, hh: &[u32]) {
    let mut bought = HashSet::new();
    for _ in 0..b.rng.random_range(1..3) {
        if let Some(&h) = hh.choose(&mut b.rng) {
            if !bought.insert(h) {
                continue;
            }
            let head = b.v.households[h as usize].members[0].0;
            if b.v.persons[head as usize].death.is_some()
                || YEAR - b.v.persons[head as usize].birth.year() > 70
            {
                continue;
            }
            let amount = b.rng.random_range(30..250) * 10_000;
            roll_row(
                b,
                Program::Nongji,
                9,
                b.v.pref(head),
                RowSpec {
                    amount,
                    quantity: Some(1.0),
                    account: None,
                },
            );
        }
    }
}
