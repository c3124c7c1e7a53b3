//! The rolls of the remaining relief and farm programs (data contract §2a):
//! 城乡居保 pensions, 计生奖扶, 惠民殡葬 with the relative who received it,
//! machine serials for 农机购置补贴, 病死猪 collections, 设施农业 奖补 and
//! 困难残疾人生活补贴 in 低保 households. Clean by construction, with the
//! edges a naive rule trips on recorded as hard negatives (the 60th
//! birthday month paid, a funeral paid the day of death or after the month
//! of death, a 生活补贴 paid to a 低保 household's member who is not the 低保
//! payee, two machines of one farmer).
//!
//! Built after every other plant, from the village's own stream for these
//! programs (`plant_programs` reseeds it): the rolls of the other programs,
//! and the cases planted on them, stay where they were for a seed.

use chrono::Datelike;
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

use super::builder::Builder;
use super::rolls::{RowSpec, roll_row};
use crate::r#gen::model::*;

/// Yuan per head and collection of 病死猪无害化处理补贴.
const PIG_FEN_PER_HEAD: i64 = 8_000;
pub const FUNERAL_FEN: i64 = 100_000;
pub const JISHENG_FEN: i64 = 96_000;
/// The month 计生奖扶 is paid in.
pub const JISHENG_MONTH: u32 = 6;

/// A person who may receive any program: in the register, no kin of a
/// cadre, not used by a plant.
pub fn may_receive(b: &Builder, p: u32) -> bool {
    !b.kin[p as usize]
        && !b.used[p as usize]
        && b.v.persons[p as usize].household.is_some()
        && !namesake_at_home(b, p)
}

/// Someone else of `p`'s household has `p`'s name (a father and son both
/// 王宇): paid into the head's account, the two would read as one person
/// under two id numbers, so the generator leaves them off these rolls.
pub fn namesake_at_home(b: &Builder, p: u32) -> bool {
    let q = &b.v.persons[p as usize];
    q.household.is_some_and(|h| {
        b.v.households[h as usize]
            .members
            .iter()
            .any(|&(m, _)| m != p && b.v.persons[m as usize].name == q.name)
    })
}

/// Has `p` a row of `program`?
pub fn has_program(b: &Builder, p: u32, program: Program) -> bool {
    let me = b.v.pref(p);
    b.v.subsidies
        .iter()
        .any(|r| r.person == me && b.v.batches[r.batch as usize].program == program)
}

fn negative(b: &mut Builder, kind: &'static str, id: &str, note: String) {
    b.v.negatives.push(PlantedNegative {
        kind,
        village: b.v.index,
        subject: Subject::Text(id.to_string()),
        note,
    });
}

/// Rows of `program` for person `p` of this village, one a month, each
/// of `amount`.
pub fn monthly(
    b: &mut Builder,
    program: Program,
    p: u32,
    months: impl IntoIterator<Item = u32>,
    amount: i64,
) {
    for m in months {
        let spec = RowSpec {
            amount,
            quantity: None,
            account: None,
        };
        roll_row(b, program, m, b.v.pref(p), spec);
    }
}

/// Every program of this file, in order.
pub fn more_programs(b: &mut Builder) {
    pensions(b);
    jisheng(b);
    funerals(b);
    machines(b);
    pigs(b);
    facilities(b);
    kunnan(b);
    paid_for(b);
}

/// 城乡居保: about half the people of 60 and over (the others draw a
/// pension the village roll does not carry: 职工养老, 被征地农民养老), from
/// the month they turn 60, monthly, until the month of death.
fn pensions(b: &mut Builder) {
    let mut listed = 0;
    for p in 0..b.v.persons.len() as u32 {
        let q = b.v.persons[p as usize].clone();
        if !may_receive(b, p)
            || q.birth.year() > YEAR - 60
            || q.death.is_some_and(|d| d.year() < YEAR)
        {
            continue;
        }
        if !b.rng.random_bool(0.5) {
            continue;
        }
        let amount = b.rng.random_range(160..320) * 100;
        let months: Vec<u32> = (1..=12)
            .filter(|&m| age_on(q.birth, month_end(YEAR, m)) >= 60)
            .filter(|&m| q.death.is_none_or(|d| d.month() >= m))
            .collect();
        let first = months.first().copied();
        monthly(b, Program::Pension, p, months, amount);
        if let Some(m) = first
            && q.birth.year() == YEAR - 60
            && listed < 3
        {
            listed += 1;
            negative(
                b,
                "turned_60_in_paid_month",
                &q.id,
                format!("{}生，{m}月满60周岁，当月起领取城乡居保待遇属正常", q.birth),
            );
        }
    }
}

/// 计生奖扶: a few parents of 60 and over, once a year in June.
fn jisheng(b: &mut Builder) {
    for p in 0..b.v.persons.len() as u32 {
        let q = b.v.persons[p as usize].clone();
        let age = age_on(q.birth, month_end(YEAR, JISHENG_MONTH));
        if !may_receive(b, p)
            || !(60..80).contains(&age)
            || q.death.is_some_and(|d| d.month() < JISHENG_MONTH)
        {
            continue;
        }
        // The month of the 60th birthday is paid: such a parent always is.
        let turned = age == 60 && q.birth.month() == JISHENG_MONTH;
        if !turned && !b.rng.random_bool(0.05) {
            continue;
        }
        monthly(b, Program::Jisheng, p, [JISHENG_MONTH], JISHENG_FEN);
        if turned {
            negative(
                b,
                "turned_60_in_paid_month",
                &q.id,
                format!(
                    "{}生，{JISHENG_MONTH}月满60周岁，当月领取计生奖扶属正常",
                    q.birth
                ),
            );
        }
    }
}

/// A relative who would receive a funeral subsidy for `p`: a living spouse,
/// else a living child, else the household's head; none of them kin of a
/// cadre (the payee's account is on the row).
pub fn funeral_payee(b: &Builder, p: u32, skip: Option<u32>) -> Option<u32> {
    let q = &b.v.persons[p as usize];
    let alive = |x: u32| {
        let r = &b.v.persons[x as usize];
        r.death.is_none()
            && !r.account.is_empty()
            && !b.kin[x as usize]
            && Some(x) != skip
            && x != p
    };
    let children = (0..b.v.persons.len() as u32).filter(|&c| {
        b.v.persons[c as usize].father == Some(p) || b.v.persons[c as usize].mother == Some(p)
    });
    let head = q.household.map(|h| b.v.households[h as usize].members[0].0);
    q.spouse
        .into_iter()
        .chain(children)
        .chain(head)
        .find(|&x| alive(x))
}

/// One funeral row for `p`, paid on `paid` to `payee`.
pub fn funeral_row(b: &mut Builder, p: u32, payee: u32, paid: chrono::NaiveDate) -> usize {
    let account = b.v.persons[payee as usize].account.clone();
    let i = roll_row(
        b,
        Program::Funeral,
        paid.month(),
        b.v.pref(p),
        RowSpec {
            amount: FUNERAL_FEN,
            quantity: None,
            account: Some(account),
        },
    );
    b.v.subsidies[i].paid = paid;
    b.v.subsidies[i].payee = b.v.persons[payee as usize].name.clone();
    i
}

/// 惠民殡葬: most deaths of the year, paid to a relative a few days to a
/// few weeks after the death (some on the day itself).
fn funerals(b: &mut Builder) {
    let dead: Vec<u32> = (0..b.v.persons.len() as u32)
        .filter(|&p| {
            b.v.persons[p as usize]
                .death
                .is_some_and(|d| d.year() == YEAR)
        })
        .collect();
    let (mut same_day, mut later_month) = (0, 0);
    for p in dead {
        if !may_receive(b, p) || !b.rng.random_bool(0.85) {
            continue;
        }
        let Some(payee) = funeral_payee(b, p, None) else {
            continue;
        };
        let Some(death) = b.v.persons[p as usize].death else {
            continue;
        };
        let on_the_day = same_day == 0 && b.rng.random_bool(0.7);
        let paid = if on_the_day {
            death
        } else {
            add_days(death, b.rng.random_range(3..40))
        };
        if paid.year() != YEAR {
            continue;
        }
        funeral_row(b, p, payee, paid);
        let id = b.v.persons[p as usize].id.clone();
        if on_the_day {
            same_day += 1;
            negative(
                b,
                "funeral_paid_on_death_day",
                &id,
                format!("{death}死亡，惠民殡葬补贴当日发放属正常"),
            );
        } else if paid.month() > death.month() && later_month < 2 {
            later_month += 1;
            negative(
                b,
                "funeral_after_death_month",
                &id,
                format!("{death}死亡，惠民殡葬补贴{paid}发放，属死亡后应发项目"),
            );
        }
    }
}

/// The serial of a machine: its model and a number unique in the street.
fn serial(b: &mut Builder, k: u32) -> String {
    let model = ["LY1504", "DF904", "SH-4LZ-6", "WD-2BMZF", "JD-L70"]
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("LY1504");
    format!("{model}-{}{:04}{k:03}", YEAR % 100, b.vnum())
}

/// 农机购置补贴: the September machines get their serials; a spring batch
/// adds a few, one of them now and then to a farmer who buys a second,
/// different machine in the autumn.
fn machines(b: &mut Builder) {
    let mut k = 0;
    let rows: Vec<usize> = (0..b.v.subsidies.len())
        .filter(|&i| b.v.batches[b.v.subsidies[i].batch as usize].program == Program::Nongji)
        .collect();
    for i in rows {
        k += 1;
        b.v.subsidies[i].item_id = serial(b, k);
    }
    let autumn: Vec<PRef> =
        b.v.subsidies
            .iter()
            .filter(|r| {
                b.v.batches[r.batch as usize].program == Program::Nongji && r.person.v == b.v.index
            })
            .map(|r| r.person)
            .collect();
    let mut buyers: Vec<u32> = vec![];
    if let Some(&p) = autumn.choose(&mut b.rng)
        && may_receive(b, p.p)
        && b.rng.random_bool(0.6)
    {
        buyers.push(p.p);
        let id = b.v.persons[p.p as usize].id.clone();
        negative(
            b,
            "two_machines_one_farmer",
            &id,
            "同一农户春、秋两次购置不同机具（出厂编号不同），属正常".into(),
        );
    }
    for _ in 0..b.rng.random_range(0..3) {
        let h = b.rng.random_range(0..b.v.households.len());
        let head = b.v.households[h].members[0].0;
        let q = &b.v.persons[head as usize];
        if may_receive(b, head)
            && q.death.is_none()
            && YEAR - q.birth.year() <= 70
            && !buyers.contains(&head)
        {
            buyers.push(head);
        }
    }
    for p in buyers {
        k += 1;
        let amount = b.rng.random_range(30..250) * 10_000;
        let i = roll_row(
            b,
            Program::Nongji,
            4,
            b.v.pref(p),
            RowSpec {
                amount,
                quantity: Some(1.0),
                account: None,
            },
        );
        b.v.subsidies[i].item_id = serial(b, k);
    }
}

/// A 收集单号, or the ear tags of the carcasses, of one collection.
fn collection_item(b: &mut Builder, seq: u32, heads: u32) -> String {
    if b.rng.random_bool(0.6) {
        format!("SJ{:04}{}{seq:04}", b.vnum(), YEAR % 100)
    } else {
        (0..heads)
            .map(|h| format!("37{:04}{seq:03}{h:02}", b.vnum()))
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// 病死猪无害化处理补贴: a few pig farmers, a collection in some months.
fn pigs(b: &mut Builder) {
    let mut seq = 0;
    for _ in 0..b.rng.random_range(1..4) {
        let h = b.rng.random_range(0..b.v.households.len());
        let head = b.v.households[h].members[0].0;
        let q = &b.v.persons[head as usize];
        if !may_receive(b, head) || q.death.is_some() || has_program(b, head, Program::Pig) {
            continue;
        }
        let mut months: Vec<u32> = (1..=12).collect();
        months.shuffle(&mut b.rng);
        months.truncate(b.rng.random_range(2..5));
        months.sort();
        for m in months {
            seq += 1;
            let heads = b.rng.random_range(1..7u32);
            let i = roll_row(
                b,
                Program::Pig,
                m,
                b.v.pref(head),
                RowSpec {
                    amount: PIG_FEN_PER_HEAD * i64::from(heads),
                    quantity: Some(f64::from(heads)),
                    account: None,
                },
            );
            b.v.subsidies[i].item_id = collection_item(b, seq, heads);
        }
    }
}

/// 设施农业奖补: a greenhouse or two, by 亩, in October.
fn facilities(b: &mut Builder) {
    for k in 1..=b.rng.random_range(0..3u32) {
        let h = b.rng.random_range(0..b.v.households.len());
        let head = b.v.households[h].members[0].0;
        if !may_receive(b, head)
            || b.v.persons[head as usize].death.is_some()
            || has_program(b, head, Program::Facility)
        {
            continue;
        }
        let mu = f64::from(b.rng.random_range(2..11u32));
        let i = roll_row(
            b,
            Program::Facility,
            10,
            b.v.pref(head),
            RowSpec {
                amount: (mu as i64) * 150_000,
                quantity: Some(mu),
                account: None,
            },
        );
        b.v.subsidies[i].item_id = format!("DP-{:04}-{k:02}", b.vnum());
    }
}

/// 困难残疾人生活补贴: a disabled member of some 低保 households, every
/// month the household is on 低保.
fn kunnan(b: &mut Builder) {
    let heads: Vec<u32> =
        b.v.subsidies
            .iter()
            .filter(|r| {
                b.v.batches[r.batch as usize].program == Program::Dibao && r.person.v == b.v.index
            })
            .map(|r| r.person.p)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
    let mut listed = 0;
    for head in heads {
        let Some(h) = b.v.persons[head as usize].household else {
            continue;
        };
        let others: Vec<u32> = b.v.households[h as usize]
            .members
            .iter()
            .map(|m| m.0)
            .filter(|&m| m != head && may_receive(b, m) && b.v.persons[m as usize].death.is_none())
            .filter(|&m| {
                let me = b.v.pref(m);
                !b.v.subsidies.iter().any(|r| r.person == me)
            })
            .collect();
        if !b.rng.random_bool(0.4) {
            continue;
        }
        let Some(&p) = others.choose(&mut b.rng) else {
            continue;
        };
        let months = dibao_months(b, h);
        monthly(b, Program::Kunnan, p, months, 12_000);
        if listed < 2 {
            listed += 1;
            let id = b.v.persons[p as usize].id.clone();
            negative(
                b,
                "disability_in_dibao_household",
                &id,
                "低保由户主领取，本人为同户残疾人，领取困难残疾人生活补贴属正常".into(),
            );
        }
    }
}

/// The months a household of this village is paid 低保.
pub fn dibao_months(b: &Builder, h: u32) -> Vec<u32> {
    let mut months: Vec<u32> =
        b.v.subsidies
            .iter()
            .filter(|r| {
                b.v.batches[r.batch as usize].program == Program::Dibao
                    && r.person.v == b.v.index
                    && b.v.persons[r.person.p as usize].household == Some(h)
            })
            .map(|r| b.v.batches[r.batch as usize].month)
            .collect();
    months.sort();
    months.dedup();
    months
}

/// 城乡居保 contributions paid by the government for the disabled of 低保
/// households under 60, once a year in March: a row of the pension's roll
/// that is no pension.
fn paid_for(b: &mut Builder) {
    let disabled: Vec<u32> = b
        .v
        .subsidies
        .iter()
        .filter(|r| {
            b.v.batches[r.batch as usize].program == Program::Kunnan && r.person.v == b.v.index
        })
        .map(|r| r.person.p)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|&p| (16..60).contains(&age_on(b.v.persons[p as usize].birth, month_end(YEAR, 3))))
        .collect();
    for (k, p) in disabled.into_iter().enumerate() {
        monthly(b, Program::PaidFor, p, [3], 10_000);
        if k < 2 {
            let id = b.v.persons[p as usize].id.clone();
            negative(
                b,
                "pension_contribution_under_60",
                &id,
                "未满60周岁重度残疾人由政府代缴城乡居保保费，不是领取待遇".into(),
            );
        }
    }
}
