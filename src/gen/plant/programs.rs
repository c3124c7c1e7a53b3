//! The remaining programs (data contract §2a) and their cases: eligibility
//! across tables (特困 on the payroll, 困难残疾人生活补贴 with no 低保 in the
//! household, a pension or 计生奖扶 before 60, a funeral subsidy for the
//! living or before the death) and item-level duplicates (one machine,
//! collection or facility paid twice, across villages too; one funeral
//! paid twice), with the hard negatives at their edges (特困 from the month
//! after a hire ended, 低保 with the household's wages just under a line).
//!
//! Run after every other plant, each village on its own stream seeded from
//! (seed, village, 24), the street's on (seed, MAX, 24): the rolls and
//! cases of the other programs stay where they were for a seed.

use chrono::Datelike;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{label, negative};
use crate::finding::Category;
use crate::r#gen::mix;
use crate::r#gen::model::*;
use crate::r#gen::truth::*;

/// The 低保 line (yuan per person and month) the generated street's county
/// would set: the `dibao_wages_under_line` negatives stay under it.
pub const DIBAO_LINE_FEN: i64 = 100_000;

/// Build the remaining programs and plant their cases, village by village,
/// then across villages.
pub fn plant_programs(builders: &mut [Builder], seed: u64) {
    use rayon::prelude::*;
    builders.par_iter_mut().for_each(|b| {
        b.rng = ChaCha8Rng::seed_from_u64(mix(seed, u64::from(b.v.index), 24));
        more_programs(b);
        type Planter = fn(&mut Builder) -> bool;
        let plants: [(Planter, f64); 8] = [
            (tekun_on_wages, 0.55),
            (tekun_after_hire, 0.8),
            (dibao_under_line, 0.8),
            (disability_alone, 0.5),
            (pension_early, 0.5),
            (funeral_wrong, 0.5),
            (funeral_twice, 0.5),
            (item_twice, 0.45),
        ];
        for (f, p) in plants {
            if b.rng.random_bool(p) {
                f(b);
            }
        }
    });
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, u64::MAX, 24));
    machine_in_two_villages(builders, &mut rng);
}

/// A person some hard negative says no duplicate rule may flag (a common
/// name in two villages, a shared household account): kept out of the
/// duplicate cases here, whose findings name every person involved.
fn dup_negative(b: &Builder, p: u32) -> bool {
    let id = &b.v.persons[p as usize].id;
    b.v.negatives.iter().any(|n| {
        crate::r#gen::negative_category(n.kind) == Some(Category::DuplicateBeneficiary)
            && n.subject == Subject::Text(id.clone())
    })
}

fn id_of(b: &Builder, p: u32) -> String {
    b.v.persons[p as usize].id.clone()
}

/// Not on any roll of these programs' cases, alive, free to plant on.
fn fresh(b: &Builder, p: u32) -> bool {
    let me = b.v.pref(p);
    may_receive(b, p)
        && b.v.persons[p as usize].death.is_none()
        && !b.v.subsidies.iter().any(|r| {
            r.person == me
                && matches!(
                    b.v.batches[r.batch as usize].program,
                    Program::Dibao | Program::Tekun | Program::Canji | Program::Kunnan
                )
        })
}

/// Hires whose person nobody planted on and who is on no relief roll.
fn hires_free(b: &Builder) -> Vec<usize> {
    (0..b.v.hires.len())
        .filter(|&h| {
            let p = b.v.hires[h].person;
            p.v == b.v.index
                && fresh(b, p.p)
                && b.v.hires.iter().filter(|x| x.person == p).count() == 1
        })
        .collect()
}

fn tekun_rows(b: &mut Builder, p: u32, months: impl IntoIterator<Item = u32>) {
    monthly(b, Program::Tekun, p, months, 115_000);
}

/// 特困 support paid for months a hire is on the payroll.
fn tekun_on_wages(b: &mut Builder) -> bool {
    let cands: Vec<usize> = hires_free(b)
        .into_iter()
        .filter(|&h| paid_months(&b.v.hires[h]).iter().any(|&m| m <= 10))
        .collect();
    let Some(&h) = cands.choose(&mut b.rng) else {
        return false;
    };
    let paid: Vec<u32> = paid_months(&b.v.hires[h])
        .into_iter()
        .filter(|&m| m <= 10)
        .collect();
    let from = paid[b.rng.random_range(0..paid.len())];
    let to = (from + b.rng.random_range(0..4)).min(*paid.last().unwrap_or(&from));
    let p = b.v.hires[h].person.p;
    b.used[p as usize] = true;
    tekun_rows(b, p, from..=to);
    let post = b.v.hires[h].post;
    label(
        b,
        Category::Eligibility,
        Subject::Text(id_of(b, p)),
        format!("特困 on wages: {from}-{to}月领取特困供养，同期任{post}"),
    );
    true
}

/// 特困 from the month after the hire ended: no case.
fn tekun_after_hire(b: &mut Builder) -> bool {
    let cands: Vec<usize> = hires_free(b)
        .into_iter()
        .filter(|&h| {
            b.v.hires[h]
                .end
                .is_some_and(|e| e.year() == YEAR && e.month() <= 11)
        })
        .collect();
    let Some(&h) = cands.choose(&mut b.rng) else {
        return false;
    };
    let Some(end) = b.v.hires[h].end else {
        return false;
    };
    let p = b.v.hires[h].person.p;
    b.used[p as usize] = true;
    tekun_rows(b, p, end.month() + 1..=12);
    negative(
        b,
        "tekun_after_hire_ended",
        Subject::Text(id_of(b, p)),
        format!("{end}离岗，次月起领取特困供养属正常"),
    );
    true
}

/// 低保 for a hire's household whose wages per head are just under the line.
fn dibao_under_line(b: &mut Builder) -> bool {
    let cands: Vec<usize> = hires_free(b)
        .into_iter()
        .filter(|&h| {
            let hire = &b.v.hires[h];
            let Some(hh) = b.v.persons[hire.person.p as usize].household else {
                return false;
            };
            let members = &b.v.households[hh as usize].members;
            let n = members.len() as i64;
            let head = members[0].0;
            let per_head = hire.wage / n;
            (DIBAO_LINE_FEN * 7 / 10..DIBAO_LINE_FEN).contains(&per_head)
                && fresh(b, head)
                && members.iter().all(|m| !b.used[m.0 as usize])
                && !b.v.hires.iter().any(|x| {
                    x.person.v == b.v.index
                        && members.iter().any(|m| m.0 == x.person.p)
                        && x.person.p != hire.person.p
                })
        })
        .collect();
    let Some(&h) = cands.choose(&mut b.rng) else {
        return false;
    };
    let p = b.v.hires[h].person.p;
    let Some(hh) = b.v.persons[p as usize].household else {
        return false;
    };
    let head = b.v.households[hh as usize].members[0].0;
    let n = b.v.households[hh as usize].members.len() as i64;
    let months = paid_months(&b.v.hires[h]);
    monthly(
        b,
        Program::Dibao,
        head,
        months.into_iter().take(4),
        40_000 * n,
    );
    for (m, _) in b.v.households[hh as usize].members.clone() {
        b.used[m as usize] = true;
    }
    let wage = b.v.hires[h].wage;
    negative(
        b,
        "dibao_wages_under_line",
        Subject::Text(id_of(b, head)),
        format!(
            "低保户{n}人，成员村级用工月工资{}元，人均{}元，低于低保标准{}元",
            wage / 100,
            wage / n / 100,
            DIBAO_LINE_FEN / 100
        ),
    );
    true
}

/// 困难残疾人生活补贴 to someone whose household has no 低保.
fn disability_alone(b: &mut Builder) -> bool {
    let cands: Vec<u32> = (0..b.v.persons.len() as u32)
        .filter(|&p| {
            let Some(h) = b.v.persons[p as usize].household else {
                return false;
            };
            fresh(b, p)
                && !b.v.subsidies.iter().any(|r| r.person == b.v.pref(p))
                && dibao_months(b, h).is_empty()
                && YEAR - b.v.persons[p as usize].birth.year() >= 16
        })
        .collect();
    let Some(&p) = cands.choose(&mut b.rng) else {
        return false;
    };
    b.used[p as usize] = true;
    let from = b.rng.random_range(1..10u32);
    monthly(b, Program::Kunnan, p, from..=12, 12_000);
    label(
        b,
        Category::Eligibility,
        Subject::Text(id_of(b, p)),
        format!("困难残疾人生活补贴 without 低保: {from}-12月，家庭无低保"),
    );
    true
}

/// A pension (or 计生奖扶) paid before the 60th birthday.
fn pension_early(b: &mut Builder) -> bool {
    let jisheng = b.rng.random_bool(0.35);
    let cands: Vec<u32> = (0..b.v.persons.len() as u32)
        .filter(|&p| {
            let q = &b.v.persons[p as usize];
            let age_end = age_on(q.birth, month_end(YEAR, 12));
            fresh(b, p)
                && (58..=60).contains(&age_end)
                && age_on(q.birth, month_end(YEAR, JISHENG_MONTH)) < 60
                && !has_program(b, p, Program::Pension)
                && !has_program(b, p, Program::Jisheng)
        })
        .collect();
    let Some(&p) = cands.choose(&mut b.rng) else {
        return false;
    };
    b.used[p as usize] = true;
    let birth = b.v.persons[p as usize].birth;
    if jisheng {
        monthly(b, Program::Jisheng, p, [JISHENG_MONTH], JISHENG_FEN);
        label(
            b,
            Category::Eligibility,
            Subject::Text(id_of(b, p)),
            format!("计生奖扶 before 60: {birth}生，{JISHENG_MONTH}月领取"),
        );
    } else {
        let from = b.rng.random_range(1..=JISHENG_MONTH);
        let amount = b.rng.random_range(160..320) * 100;
        monthly(b, Program::Pension, p, from..=12, amount);
        label(
            b,
            Category::Eligibility,
            Subject::Text(id_of(b, p)),
            format!("城乡居保 before 60: {birth}生，{from}月起领取"),
        );
    }
    true
}

/// A funeral subsidy for a living person, or paid before the death (the
/// other when one cannot be planted).
fn funeral_wrong(b: &mut Builder) -> bool {
    let before = b.rng.random_bool(0.5);
    funeral_wrong_as(b, before) || funeral_wrong_as(b, !before)
}

fn funeral_wrong_as(b: &mut Builder, before: bool) -> bool {
    let cands: Vec<u32> = (0..b.v.persons.len() as u32)
        .filter(|&p| {
            let q = &b.v.persons[p as usize];
            let ok = if before {
                may_receive(b, p)
                    && q.death.is_some_and(|d| d.year() == YEAR && d.month() >= 2)
                    && !has_program(b, p, Program::Funeral)
            } else {
                fresh(b, p) && YEAR - q.birth.year() >= 70
            };
            ok && funeral_payee(b, p, None).is_some()
        })
        .collect();
    let Some(&p) = cands.choose(&mut b.rng) else {
        return false;
    };
    b.used[p as usize] = true;
    let Some(payee) = funeral_payee(b, p, None) else {
        return false;
    };
    let paid = match b.v.persons[p as usize].death {
        Some(d) => add_days(d, -b.rng.random_range(3..25)),
        None => ymd(YEAR, b.rng.random_range(2..12), b.rng.random_range(1..28)),
    };
    funeral_row(b, p, payee, paid);
    let note = match b.v.persons[p as usize].death {
        Some(d) => format!("惠民殡葬 before death: {paid}发放，{d}死亡"),
        None => format!("惠民殡葬 for the living: {paid}发放，死亡登记无此人"),
    };
    label(b, Category::Eligibility, Subject::Text(id_of(b, p)), note);
    true
}

/// A funeral subsidy paid a second time, to another relative or the same.
fn funeral_twice(b: &mut Builder) -> bool {
    let cands: Vec<usize> = (0..b.v.subsidies.len())
        .filter(|&i| {
            let r = &b.v.subsidies[i];
            b.v.batches[r.batch as usize].program == Program::Funeral
                && r.person.v == b.v.index
                && !b.used[r.person.p as usize]
                && !dup_negative(b, r.person.p)
                && r.paid.month() <= 10
        })
        .collect();
    let Some(&i) = cands.choose(&mut b.rng) else {
        return false;
    };
    let p = b.v.subsidies[i].person.p;
    b.used[p as usize] = true;
    let first = b.v.subsidies[i].paid;
    let paid = add_days(first, b.rng.random_range(5..60));
    let earlier =
        b.v.persons
            .iter()
            .position(|q| q.name == b.v.subsidies[i].payee)
            .map(|x| x as u32);
    let Some(payee) = funeral_payee(b, p, earlier).or(earlier) else {
        return false;
    };
    funeral_row(b, p, payee, paid);
    label(
        b,
        Category::DuplicateBeneficiary,
        Subject::Text(id_of(b, p)),
        format!("惠民殡葬 twice: {first}、{paid}两次发放"),
    );
    true
}

/// The lowest id among rows: an item case's subject.
fn lowest_id(ids: &[String]) -> String {
    ids.iter().min().cloned().unwrap_or_default()
}

/// One collection claimed twice, or one facility claimed by two people of
/// a household.
fn item_twice(b: &mut Builder) -> bool {
    let program = if b.rng.random_bool(0.6) {
        Program::Pig
    } else {
        Program::Facility
    };
    let cands: Vec<usize> = (0..b.v.subsidies.len())
        .filter(|&i| {
            let r = &b.v.subsidies[i];
            b.v.batches[r.batch as usize].program == program
                && r.person.v == b.v.index
                && !b.used[r.person.p as usize]
                && !dup_negative(b, r.person.p)
                && !r.item_id.is_empty()
        })
        .collect();
    let Some(&i) = cands.choose(&mut b.rng) else {
        return false;
    };
    let r = b.v.subsidies[i].clone();
    let p = r.person.p;
    let month = b.v.batches[r.batch as usize].month;
    // The claimant: the same farmer, or (a facility) the spouse.
    let spouse = b.v.persons[p as usize].spouse.filter(|&s| {
        b.v.persons[s as usize].household == b.v.persons[p as usize].household
            && may_receive(b, s)
            && !dup_negative(b, s)
            && b.v.persons[s as usize].death.is_none()
    });
    let who = match (program, spouse) {
        (Program::Facility, Some(s)) => s,
        _ => p,
    };
    let used_months: Vec<u32> = b
        .v
        .subsidies
        .iter()
        .filter(|x| x.person == b.v.pref(who) && b.v.batches[x.batch as usize].program == program)
        .map(|x| b.v.batches[x.batch as usize].month)
        .collect();
    let Some(&m) = (month + 1..=12)
        .filter(|m| !used_months.contains(m))
        .collect::<Vec<_>>()
        .first()
    else {
        return false;
    };
    b.used[p as usize] = true;
    b.used[who as usize] = true;
    let i2 = roll_row(
        b,
        program,
        m,
        b.v.pref(who),
        RowSpec {
            amount: r.amount,
            quantity: r.quantity,
            account: None,
        },
    );
    // A collection claimed again lists the same number, as a clerk retypes it.
    b.v.subsidies[i2].item_id = if b.rng.random_bool(0.5) {
        r.item_id.to_lowercase()
    } else {
        r.item_id.replace('-', "")
    };
    let subject = lowest_id(&[id_of(b, p), id_of(b, who)]);
    label(
        b,
        Category::DuplicateBeneficiary,
        Subject::Text(subject),
        format!(
            "same item twice: {} {}在{month}月、{m}月两次申领",
            program.name(),
            r.item_id
        ),
    );
    true
}

/// A machine of one village claimed again by a farmer of another.
fn machine_in_two_villages(builders: &mut [Builder], rng: &mut ChaCha8Rng) {
    let n = builders.len();
    if n < 2 {
        return;
    }
    for _ in 0..(n / 4).max(1) {
        let a = rng.random_range(0..n);
        let c = (a + rng.random_range(1..n)) % n;
        let rows: Vec<usize> = (0..builders[a].v.subsidies.len())
            .filter(|&i| {
                let r = &builders[a].v.subsidies[i];
                builders[a].v.batches[r.batch as usize].program == Program::Nongji
                    && !r.item_id.is_empty()
                    && r.person.v == builders[a].v.index
                    && !builders[a].used[r.person.p as usize]
                    && !dup_negative(&builders[a], r.person.p)
            })
            .collect();
        let Some(&i) = rows.choose(rng) else { continue };
        let bc = &builders[c];
        let heads: Vec<u32> = (0..bc.v.households.len())
            .map(|h| bc.v.households[h].members[0].0)
            .filter(|&p| {
                may_receive(bc, p)
                    && !dup_negative(bc, p)
                    && bc.v.persons[p as usize].death.is_none()
                    && !has_program(bc, p, Program::Nongji)
            })
            .collect();
        let Some(&farmer) = heads.choose(rng) else {
            continue;
        };
        let r = builders[a].v.subsidies[i].clone();
        let owner = r.person.p;
        builders[a].used[owner as usize] = true;
        let month = rng.random_range(10..=12u32);
        let bc = &mut builders[c];
        bc.used[farmer as usize] = true;
        let j = roll_row(
            bc,
            Program::Nongji,
            month,
            bc.v.pref(farmer),
            RowSpec {
                amount: r.amount,
                quantity: Some(1.0),
                account: None,
            },
        );
        bc.v.subsidies[j].item_id = r.item_id.clone();
        let ids = [
            builders[a].v.persons[owner as usize].id.clone(),
            builders[c].v.persons[farmer as usize].id.clone(),
        ];
        let (va, vc) = (builders[a].v.index, builders[c].v.index);
        builders[c].v.labels.push(PlantedLabel {
            category: Category::DuplicateBeneficiary,
            villages: vec![va, vc],
            subject: Subject::Text(lowest_id(&ids)),
            note: format!("same machine in two villages: 出厂编号{}", r.item_id),
        });
    }
}
