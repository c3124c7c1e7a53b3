//! Planted cases of every category, through every evidence channel and
//! variant of rules.md, and the hard negatives a naive rule trips on. Each
//! plant records what it planted (a label); the self-check verifies that
//! the records agree with what the truth now holds.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::model::*;
use super::names;
use super::truth::*;
use crate::dataset::id_number::id_check_char;
use crate::dataset::normalize::clean_name;
use crate::finding::Category;

fn label(b: &mut Builder, category: Category, subject: Subject, note: String) {
    let village = b.v.index;
    b.v.labels.push(PlantedLabel {
        category,
        villages: vec![village],
        subject,
        note,
    });
}

fn negative(b: &mut Builder, kind: &'static str, subject: Subject, note: String) {
    let village = b.v.index;
    b.v.negatives.push(PlantedNegative {
        kind,
        village,
        subject,
        note,
    });
}

fn text(s: &str) -> Subject {
    Subject::Text(s.to_string())
}

/// Rows of the subsidy rolls that belong to a person of this village.
fn rows_of(b: &Builder, p: u32) -> Vec<usize> {
    (0..b.v.subsidies.len())
        .filter(|&i| b.v.subsidies[i].person == b.v.pref(p))
        .collect()
}

fn programs_of(b: &Builder, p: u32) -> HashSet<Program> {
    rows_of(b, p)
        .into_iter()
        .map(|i| b.v.batches[b.v.subsidies[i].batch as usize].program)
        .collect()
}

fn in_hires(b: &Builder, p: u32) -> bool {
    b.v.hires.iter().any(|h| h.person == b.v.pref(p))
}

/// A person of the register nobody planted anything on yet, alive all year.
fn free(b: &Builder, p: u32) -> bool {
    let q = &b.v.persons[p as usize];
    !b.used[p as usize] && q.household.is_some() && q.death.is_none()
}

fn pick(b: &mut Builder, cands: Vec<u32>) -> Option<u32> {
    let p = cands.choose(&mut b.rng).copied()?;
    b.used[p as usize] = true;
    Some(p)
}

pub fn plant_village(b: &mut Builder) {
    let v = b.v.index as usize;
    let nk = 2 + usize::from(b.rng.random_bool(0.3));
    for j in 0..nk {
        attempt(b, 11, (v * 3 + j) % 11, kinship);
    }
    // The weak channels are possible only in some families: try them often.
    for variant in [6, 7, 3] {
        if b.rng.random_bool(0.35) {
            kinship(b, variant);
        }
    }
    type Planter = fn(&mut Builder, usize) -> bool;
    let families: [(usize, Planter, f64); 8] = [
        (6, split, 0.6),
        (7, missing_decision, 0.6),
        (2, cash, 0.55),
        (4, invalid_id, 0.55),
        (7, duplicate, 0.6),
        (2, deceased, 0.55),
        (4, ghost, 0.55),
        (2, eligibility, 0.5),
    ];
    for (k, (nv, f, p)) in families.into_iter().enumerate() {
        let n = usize::from(b.rng.random_bool(p)) + usize::from(b.rng.random_bool(0.1));
        for j in 0..n {
            attempt(b, nv, (v + k + j * 3) % nv, f);
        }
    }
    let np = usize::from(b.rng.random_bool(0.7)) + usize::from(b.rng.random_bool(0.25));
    for j in 0..np {
        attempt(b, 9, (v * 2 + j) % 9, publicity);
    }
    negatives(b);
}

/// Try variant `first`, then the others in turn, until one can be planted.
fn attempt(b: &mut Builder, n: usize, first: usize, f: fn(&mut Builder, usize) -> bool) {
    for k in 0..n {
        if f(b, (first + k) % n) {
            return;
        }
    }
}

// ---------------------------------------------------------------- kinship

struct RowMods {
    name: Option<String>,
    account: Option<String>,
    phone: Option<String>,
}

/// Put a person on a roll or a payroll; returns what was given.
fn pay_person(b: &mut Builder, p: u32, mods: RowMods, allow_hire: bool) -> Option<String> {
    let q = b.v.persons[p as usize].clone();
    let age = YEAR - q.birth.year();
    let progs = programs_of(b, p);
    let mut choices: Vec<u8> = vec![0, 1];
    if !progs.contains(&Program::Dibao) && !progs.contains(&Program::Tekun) {
        choices.push(2);
    }
    if allow_hire && (25..=62).contains(&age) && !in_hires(b, p) && !q.account.is_empty() {
        choices.push(3);
        choices.push(3);
    }
    if age >= 81 && !progs.contains(&Program::Zunlao) {
        choices = vec![4];
    }
    let choice = *choices.choose(&mut b.rng)?;
    let from = b.rng.random_range(2..9u32);
    let pr = b.v.pref(p);
    // The account the rows will carry: two people of different households
    // paid into one account in one batch would be a second case
    // (duplicate_beneficiary), and two hires on one account a ghost.
    let acct = mods.account.clone().unwrap_or_else(|| {
        let mut a = q.account.clone();
        if a.is_empty()
            && let Some(h) = q.household
        {
            let head = b.v.households[h as usize].members[0].0;
            a = b.v.persons[head as usize].account.clone();
        }
        a
    });
    let program = match choice {
        0 => Some(Program::Linshi),
        1 => Some(Program::Canji),
        2 => Some(Program::Dibao),
        4 => Some(Program::Zunlao),
        _ => None,
    };
    let clash = match program {
        Some(pg) => {
            b.v.subsidies
                .iter()
                .any(|r| r.account == acct && b.v.batches[r.batch as usize].program == pg)
        }
        None => b.v.hires.iter().any(|h| h.account == acct),
    };
    if clash {
        return None;
    }
    let apply = |b: &mut Builder, i: usize, mods: &RowMods| {
        let r = &mut b.v.subsidies[i];
        if let Some(n) = &mods.name {
            r.name = n.clone();
        }
        if let Some(a) = &mods.account {
            r.account = a.clone();
        }
        if let Some(ph) = &mods.phone {
            r.phone = ph.clone();
        }
    };
    let what = match choice {
        0 => {
            if progs.contains(&Program::Linshi) {
                return None;
            }
            let amount = b.rng.random_range(20..60) * 10_000;
            let i = roll_row(
                b,
                Program::Linshi,
                from,
                pr,
                RowSpec {
                    amount,
                    quantity: None,
                    account: None,
                },
            );
            apply(b, i, &mods);
            format!("{from}月临时救助")
        }
        1 => {
            if progs.contains(&Program::Canji) || progs.contains(&Program::Tekun) {
                return None;
            }
            for m in from..=12 {
                let i = roll_row(
                    b,
                    Program::Canji,
                    m,
                    pr,
                    RowSpec {
                        amount: 12_000,
                        quantity: None,
                        account: None,
                    },
                );
                apply(b, i, &mods);
            }
            format!("{from}月起残疾人两项补贴")
        }
        2 => {
            let n = q
                .household
                .map(|h| b.v.households[h as usize].members.len() as i64)
                .unwrap_or(1);
            for m in from..=12 {
                let i = roll_row(
                    b,
                    Program::Dibao,
                    m,
                    pr,
                    RowSpec {
                        amount: 50_000 * n,
                        quantity: None,
                        account: None,
                    },
                );
                apply(b, i, &mods);
            }
            format!("{from}月起城乡低保")
        }
        3 => {
            let post = *POSTS.choose(&mut b.rng)?;
            let batch = format!("ZP-{YEAR}{from:02}-{:04}-{}", b.vnum(), b.v.hires.len());
            let start = ymd(YEAR, from, b.rng.random_range(1..11));
            publicity_ok(b, &batch, "村级用工", 5, start);
            let h = add_hire(b, pr, post, &batch, start, None);
            if let Some(n) = &mods.name {
                b.v.hires[h].name = n.clone();
            }
            if let Some(a) = &mods.account {
                b.v.hires[h].account = a.clone();
            }
            if let Some(ph) = &mods.phone {
                b.v.hires[h].phone = ph.clone();
            }
            for m in paid_months(&b.v.hires[h].clone()) {
                wage_line(b, h, m);
            }
            format!("{from}月起聘为{}", post.0)
        }
        _ => {
            for m in 1..=12 {
                let age = age_on(q.birth, ymd(YEAR, m, 1));
                if age < 80 {
                    continue;
                }
                let i = roll_row(
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
                apply(b, i, &mods);
            }
            "尊老金".to_string()
        }
    };
    Some(what)
}

fn cadre_of(b: &Builder, ci: u32) -> &Cadre {
    &b.v.cadres[ci as usize]
}

fn relation_of(b: &Builder, c: u32, p: u32) -> Option<&'static str> {
    close_relatives(&b.v, c)
        .into_iter()
        .find(|(r, _)| *r == p)
        .map(|(_, rel)| rel)
}

fn kinship(b: &mut Builder, variant: usize) -> bool {
    if b.v.cadres.is_empty() {
        return false;
    }
    let ci = b.rng.random_range(0..b.v.cadres.len()) as u32;
    let cadre = cadre_of(b, ci).clone();
    let c = cadre.person;
    let cq = b.v.persons[c as usize].clone();
    let declared: Vec<Declared> =
        b.v.declared
            .iter()
            .filter(|d| d.cadre == ci)
            .cloned()
            .collect();
    let undeclared_rel: Vec<(u32, &'static str)> = close_relatives(&b.v, c)
        .into_iter()
        .filter(|(r, _)| free(b, *r) && !declared.iter().any(|d| d.person == *r))
        .collect();
    let none = || RowMods {
        name: None,
        account: None,
        phone: None,
    };
    let subj = |b: &Builder, p: u32| Subject::Text(b.v.persons[p as usize].id.clone());
    match variant {
        0 => {
            if b.used[c as usize] {
                return false;
            }
            b.used[c as usize] = true;
            let Some(what) = pay_person(b, c, none(), true) else {
                return false;
            };
            let s = subj(b, c);
            label(
                b,
                Category::Kinship,
                s,
                format!("same id: {}本人{what}", cadre.role),
            );
        }
        1 | 5 | 7 => {
            let want_id = variant == 1;
            let cands: Vec<u32> = declared
                .iter()
                .filter(|d| d.with_id == want_id && free(b, d.person))
                .filter(|d| {
                    variant != 7
                        || names::homophone_of(&b.v.persons[d.person as usize].name).is_some()
                })
                .map(|d| d.person)
                .collect();
            let Some(p) = pick(b, cands) else {
                return false;
            };
            let rel = declared
                .iter()
                .find(|d| d.person == p)
                .map(|d| d.relation)
                .unwrap_or("");
            let pname = b.v.persons[p as usize].name.clone();
            let (mods, how) = match variant {
                1 => (none(), "same id: 已备案亲属（有身份证号）"),
                5 => (none(), "declared without id: 已备案亲属（无身份证号）同名"),
                _ => (
                    RowMods {
                        name: names::homophone_of(&pname),
                        account: None,
                        phone: None,
                    },
                    "homophone: 已备案亲属（无身份证号）同音字",
                ),
            };
            let written = mods.name.clone().unwrap_or(pname.clone());
            let Some(what) = pay_person(b, p, mods, true) else {
                return false;
            };
            let s = subj(b, p);
            label(
                b,
                Category::Kinship,
                s,
                format!(
                    "{how}: {}{}之{rel}{pname}（名册写作{written}）{what}",
                    cadre.role, cq.name
                ),
            );
        }
        2 => {
            let Some(h) = cq.household else { return false };
            let mut cands: Vec<u32> = b.v.households[h as usize]
                .members
                .iter()
                .map(|m| m.0)
                .filter(|&m| m != c && free(b, m))
                .collect();
            let undecl: Vec<u32> = cands
                .iter()
                .copied()
                .filter(|m| !declared.iter().any(|d| d.person == *m))
                .collect();
            if !undecl.is_empty() {
                cands = undecl;
            }
            let Some(p) = pick(b, cands) else {
                return false;
            };
            let Some(what) = pay_person(b, p, none(), true) else {
                return false;
            };
            let s = subj(b, p);
            label(
                b,
                Category::Kinship,
                s,
                format!("same household: {}{}同户成员{what}", cadre.role, cq.name),
            );
        }
        3 | 4 => {
            let cands: Vec<u32> = undeclared_rel
                .iter()
                .filter(|(r, _)| b.v.persons[*r as usize].household != cq.household)
                .map(|x| x.0)
                .collect();
            let Some(p) = pick(b, cands) else {
                return false;
            };
            let rel = relation_of(b, c, p).unwrap_or("");
            let (mods, how) = if variant == 3 {
                (
                    RowMods {
                        name: None,
                        account: Some(cq.account.clone()),
                        phone: None,
                    },
                    "same account",
                )
            } else {
                (
                    RowMods {
                        name: None,
                        account: None,
                        phone: Some(cq.phone.clone()),
                    },
                    "same phone",
                )
            };
            let Some(what) = pay_person(b, p, mods, variant == 4) else {
                return false;
            };
            let s = subj(b, p);
            label(
                b,
                Category::Kinship,
                s,
                format!(
                    "{how}: {}{}之{rel}（未备案，另户）{what}，账户/电话与干部相同",
                    cadre.role, cq.name
                ),
            );
        }
        6 => {
            let Some(h) = cq.household else { return false };
            let addr = b.v.households[h as usize].address.clone();
            let cands: Vec<u32> = undeclared_rel
                .iter()
                .map(|x| x.0)
                .filter(|&r| {
                    let q = &b.v.persons[r as usize];
                    let gap = (q.birth.year() - cq.birth.year()).abs();
                    q.household
                        .is_some_and(|rh| rh != h && b.v.households[rh as usize].address == addr)
                        && q.surname() == cq.surname()
                        && (gap <= 15 || (20..=40).contains(&gap))
                })
                .collect();
            let Some(p) = pick(b, cands) else {
                return false;
            };
            let rel = relation_of(b, c, p).unwrap_or("");
            let Some(what) = pay_person(b, p, none(), false) else {
                return false;
            };
            let s = subj(b, p);
            label(
                b,
                Category::Kinship,
                s,
                format!(
                    "same address: {}{}之{rel}（未备案，同址另户，同姓）{what}",
                    cadre.role, cq.name
                ),
            );
        }
        8 => {
            // The cadre or a relative with an id number as an individual contractor.
            let mut cands: Vec<u32> = declared
                .iter()
                .filter(|d| d.with_id && free(b, d.person))
                .map(|d| d.person)
                .collect();
            if !b.used[c as usize] {
                cands.push(c);
            }
            let cands: Vec<u32> = cands
                .into_iter()
                .filter(|&p| {
                    let q = &b.v.persons[p as usize];
                    (22..=65).contains(&(YEAR - q.birth.year())) && !q.account.is_empty()
                })
                .collect();
            let Some(p) = pick(b, cands) else {
                return false;
            };
            let amount = b.rng.random_range(80..420) * 10_000;
            let signed = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 10, 31));
            let project = project_name(b);
            let pr = b.v.pref(p);
            b.busy[p as usize] = true;
            let ci2 = add_contract(
                b,
                ContractSpec {
                    vendor: Vendor::Person(pr),
                    amount,
                    signed,
                    project,
                    decision: DecisionSpec::Auto,
                    with_vendor_id: true,
                    vendor_name: None,
                },
            );
            let no = b.v.contracts[ci2].no.clone();
            let s = subj(b, p);
            let who = if p == c {
                "本人".to_string()
            } else {
                relation_of(b, c, p).unwrap_or("亲属").to_string()
            };
            label(
                b,
                Category::Kinship,
                s,
                format!("vendor: {}{}{who}承包合同{no}", cadre.role, cq.name),
            );
        }
        9 => {
            let mut cands: Vec<u32> = declared
                .iter()
                .filter(|d| d.with_id && free(b, d.person))
                .map(|d| d.person)
                .collect();
            if !b.used[c as usize] {
                cands.push(c);
            }
            let cands: Vec<u32> = cands
                .into_iter()
                .filter(|&p| (22..=70).contains(&(YEAR - b.v.persons[p as usize].birth.year())))
                .collect();
            let Some(p) = pick(b, cands) else {
                return false;
            };
            let co = new_company(b, Some(p));
            let amount = if b.rng.random_bool(0.5) {
                b.rng.random_range(100..440) * 10_000
            } else {
                b.rng.random_range(550..900) * 10_000
            };
            let signed = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 10, 31));
            let project = project_name(b);
            add_contract(
                b,
                ContractSpec {
                    vendor: Vendor::Company(co),
                    amount,
                    signed,
                    project,
                    decision: DecisionSpec::Auto,
                    with_vendor_id: false,
                    vendor_name: None,
                },
            );
            let credit = b.v.companies[co as usize].credit.clone();
            let cname = b.v.companies[co as usize].name.clone();
            let who = if p == c {
                "本人".to_string()
            } else {
                relation_of(b, c, p).unwrap_or("亲属").to_string()
            };
            label(
                b,
                Category::Kinship,
                Subject::Text(credit),
                format!(
                    "legal representative: {cname}法定代表人为{}{}{who}",
                    cadre.role, cq.name
                ),
            );
        }
        _ => {
            let cands: Vec<u32> = declared
                .iter()
                .filter(|d| d.with_id && free(b, d.person))
                .map(|d| d.person)
                .filter(|&p| {
                    !b.v.persons[p as usize].account.is_empty()
                        && (18..=75).contains(&(YEAR - b.v.persons[p as usize].birth.year()))
                })
                .collect();
            let Some(p) = pick(b, cands) else {
                return false;
            };
            let name = b.v.persons[p as usize].name.clone();
            let pr = b.v.pref(p);
            let n = b.rng.random_range(1..4);
            for _ in 0..n {
                let d = rand_date(&mut b.rng, ymd(YEAR, 2, 1), ymd(YEAR, 12, 20));
                let amt = b.rng.random_range(20..90) * 1_000;
                let i = ledger_line(
                    b,
                    d,
                    false,
                    amt,
                    format!("{}月村务误工补贴", d.month()),
                    "管理费用",
                    name.clone(),
                    Payee::Person(pr),
                    "转账",
                );
                b.v.ledger[i].cp_id = b.v.persons[p as usize].written_id();
            }
            let s = subj(b, p);
            label(
                b,
                Category::Kinship,
                s,
                format!(
                    "payee: 向{}{}之亲属{name}支付误工补贴{n}笔",
                    cadre.role, cq.name
                ),
            );
        }
    }
    true
}

// ---------------------------------------------------------- split contracts

fn fresh_villager_vendor(b: &mut Builder) -> Option<u32> {
    let cands: Vec<u32> = (0..b.v.persons.len() as u32)
        .filter(|&p| {
            let q = &b.v.persons[p as usize];
            eligible(b, p)
                && free(b, p)
                && !b.busy[p as usize]
                && q.male
                && (30..=60).contains(&(YEAR - q.birth.year()))
                && !q.account.is_empty()
        })
        .collect();
    let p = pick(b, cands)?;
    b.busy[p as usize] = true;
    Some(p)
}

fn split_projects(b: &mut Builder, n: usize) -> Vec<String> {
    let base = project_name(b);
    let pairs: [[&str; 3]; 3] = [
        ["一期", "二期", "三期"],
        ["东段", "西段", "中段"],
        ["南段", "北段", "中段"],
    ];
    let set = pairs[b.rng.random_range(0..3)];
    (0..n)
        .map(|i| format!("{base}（{}）", set[i % 3]))
        .collect()
}

/// Pieces each under `t`, summing past it, signed within `span` days.
fn pieces(b: &mut Builder, t: i64) -> Vec<i64> {
    if t == THRESHOLD_TENDER {
        (0..2)
            .map(|_| b.rng.random_range(800..990) * 10_000)
            .collect()
    } else if b.rng.random_bool(0.5) {
        (0..2)
            .map(|_| b.rng.random_range(300..480) * 10_000)
            .collect()
    } else {
        (0..3)
            .map(|_| b.rng.random_range(260..330) * 10_000)
            .collect()
    }
}

fn dates_within(b: &mut Builder, n: usize, span: i64) -> Vec<NaiveDate> {
    let first = rand_date(&mut b.rng, ymd(YEAR, 2, 1), ymd(YEAR, 8, 31));
    let mut out = vec![first];
    let step = (span / n as i64).max(2);
    for i in 1..n {
        out.push(add_days(
            first,
            step * i as i64 - b.rng.random_range(0..step.min(5)),
        ));
    }
    out
}

fn split(b: &mut Builder, variant: usize) -> bool {
    let t = if b.rng.random_bool(0.5) {
        THRESHOLD_TENDER
    } else {
        THRESHOLD_DECISION
    };
    let fmt_t = if t == THRESHOLD_TENDER {
        "100,000招标限额"
    } else {
        "50,000决策限额"
    };
    match variant {
        0 | 1 => {
            let t = if variant == 0 {
                THRESHOLD_TENDER
            } else {
                THRESHOLD_DECISION
            };
            let co = new_company(b, None);
            let amounts = pieces(b, t);
            let span = b.rng.random_range(10..80);
            let dates = dates_within(b, amounts.len(), span);
            let projects = split_projects(b, amounts.len());
            for i in 0..amounts.len() {
                add_contract(
                    b,
                    ContractSpec {
                        vendor: Vendor::Company(co),
                        amount: amounts[i],
                        signed: dates[i],
                        project: projects[i].clone(),
                        decision: DecisionSpec::Auto,
                        with_vendor_id: false,
                        vendor_name: None,
                    },
                );
            }
            let credit = b.v.companies[co as usize].credit.clone();
            let sum: i64 = amounts.iter().sum();
            let lim = if variant == 0 {
                "100,000招标限额"
            } else {
                "50,000决策限额"
            };
            label(
                b,
                Category::SplitContract,
                Subject::Text(credit),
                format!(
                    "same credit code: {}份合同{span}天内合计{}元，单份低于{lim}",
                    amounts.len(),
                    sum / 100
                ),
            );
        }
        2 | 3 => {
            let t = THRESHOLD_DECISION;
            let Some(p) = fresh_villager_vendor(b) else {
                return false;
            };
            let amounts = pieces(b, t);
            let span = b.rng.random_range(10..80);
            let dates = dates_within(b, amounts.len(), span);
            let projects = split_projects(b, amounts.len());
            let name = b.v.persons[p as usize].name.clone();
            let pr = b.v.pref(p);
            for i in 0..amounts.len() {
                // Written two ways: padded to line up on one of the rows.
                let written = if variant == 3 && i % 2 == 1 {
                    pad_name(&name)
                } else {
                    name.clone()
                };
                add_contract(
                    b,
                    ContractSpec {
                        vendor: Vendor::Person(pr),
                        amount: amounts[i],
                        signed: dates[i],
                        project: projects[i].clone(),
                        decision: DecisionSpec::Auto,
                        with_vendor_id: variant == 2,
                        vendor_name: Some(written),
                    },
                );
            }
            let sum: i64 = amounts.iter().sum();
            if variant == 2 {
                let id = b.v.persons[p as usize].id.clone();
                label(
                    b,
                    Category::SplitContract,
                    Subject::Text(id),
                    format!(
                        "same id number: 个人承包{}份{span}天内合计{}元，单份低于50,000决策限额",
                        amounts.len(),
                        sum / 100
                    ),
                );
            } else {
                label(
                    b,
                    Category::SplitContract,
                    Subject::Text(clean_name(&name)),
                    format!(
                        "same name, no id: 承包人{name}（两种写法）{}份{span}天内合计{}元",
                        amounts.len(),
                        sum / 100
                    ),
                );
            }
        }
        4 => {
            let a = new_company(b, None);
            let c2 = new_company(b, None);
            let (rn, rid) = (
                b.v.companies[a as usize].rep_name.clone(),
                b.v.companies[a as usize].rep_id.clone(),
            );
            b.v.companies[c2 as usize].rep_name = rn.clone();
            b.v.companies[c2 as usize].rep_id = rid;
            let amounts = pieces(b, t);
            let span = b.rng.random_range(10..80);
            let dates = dates_within(b, amounts.len(), span);
            let projects = split_projects(b, amounts.len());
            for i in 0..amounts.len() {
                let co = if i % 2 == 0 { a } else { c2 };
                add_contract(
                    b,
                    ContractSpec {
                        vendor: Vendor::Company(co),
                        amount: amounts[i],
                        signed: dates[i],
                        project: projects[i].clone(),
                        decision: DecisionSpec::Auto,
                        with_vendor_id: false,
                        vendor_name: None,
                    },
                );
            }
            let k1 = b.v.companies[a as usize].credit.clone();
            let k2 = b.v.companies[c2 as usize].credit.clone();
            let sum: i64 = amounts.iter().sum();
            label(
                b,
                Category::SplitContract,
                Subject::Text(k1.clone().min(k2.clone())),
                format!(
                    "shared legal representative {rn}: 两公司{}份合同{span}天内合计{}元，单份低于{fmt_t}",
                    amounts.len(),
                    sum / 100
                ),
            );
        }
        _ => {
            let payee = format!(
                "济南{}{}苗木花卉有限公司",
                names::TRADE_WORDS
                    .choose(&mut b.rng)
                    .copied()
                    .unwrap_or("鑫"),
                b.v.name.trim_end_matches('村')
            );
            let amounts = pieces(b, THRESHOLD_DECISION);
            let span = b.rng.random_range(10..80);
            let dates = dates_within(b, amounts.len(), span);
            for i in 0..amounts.len() {
                ledger_line(
                    b,
                    dates[i],
                    false,
                    amounts[i],
                    format!("购绿化苗木（第{}批）", i + 1),
                    "管理费用",
                    payee.clone(),
                    Payee::Other,
                    "转账",
                );
            }
            let sum: i64 = amounts.iter().sum();
            label(
                b,
                Category::SplitContract,
                Subject::Text(clean_name(&payee)),
                format!(
                    "ledger only: 无合同支付{}笔{span}天内合计{}元，单笔低于50,000决策限额",
                    amounts.len(),
                    sum / 100
                ),
            );
        }
    }
    true
}

pub fn pad_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() == 2 {
        format!("{}\u{3000}{}", chars[0], chars[1])
    } else {
        format!(" {name} ")
    }
}

// --------------------------------------------------------- 四议两公开

fn decision_contract(b: &mut Builder) -> (u32, i64, NaiveDate, String) {
    let co = new_company(b, None);
    let amount = b.rng.random_range(550..950) * 10_000;
    let signed = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 10, 31));
    let project = project_name(b);
    (co, amount, signed, project)
}

fn missing_decision(b: &mut Builder, variant: usize) -> bool {
    match variant {
        0 | 1 => {
            let (co, amount, signed, project) = decision_contract(b);
            let (decision, how) = if variant == 0 {
                (DecisionSpec::None, "no decision number")
            } else {
                (
                    DecisionSpec::Cite(format!(
                        "JY-{YEAR}-{:04}-9{}",
                        b.vnum(),
                        b.rng.random_range(1..10)
                    )),
                    "cites a decision that does not exist",
                )
            };
            let ci = add_contract(
                b,
                ContractSpec {
                    vendor: Vendor::Company(co),
                    amount,
                    signed,
                    project,
                    decision,
                    with_vendor_id: false,
                    vendor_name: None,
                },
            );
            let no = b.v.contracts[ci].no.clone();
            label(
                b,
                Category::MissingDecision,
                Subject::Text(no),
                format!("{how}: 合同金额{}元", amount / 100),
            );
        }
        2 => {
            let d = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 11, 30));
            let amt = b.rng.random_range(520..950) * 10_000;
            let payee = format!(
                "济南{}{}农业机械有限公司",
                names::TRADE_WORDS
                    .choose(&mut b.rng)
                    .copied()
                    .unwrap_or("鑫"),
                b.v.name.trim_end_matches('村')
            );
            let i = ledger_line(
                b,
                d,
                false,
                amt,
                "购置农机设备".into(),
                "固定资产",
                payee,
                Payee::Other,
                "转账",
            );
            let uid = b.v.ledger[i].uid;
            label(
                b,
                Category::MissingDecision,
                Subject::Voucher(uid),
                format!(
                    "ledger without decision: 无合同支出{}元未经四议两公开",
                    amt / 100
                ),
            );
        }
        3..=5 => {
            let (co, amount, signed, project) = decision_contract(b);
            let ci = add_contract(
                b,
                ContractSpec {
                    vendor: Vendor::Company(co),
                    amount,
                    signed,
                    project,
                    decision: DecisionSpec::Auto,
                    with_vendor_id: false,
                    vendor_name: None,
                },
            );
            let no = b.v.contracts[ci].no.clone();
            let dno = b.v.contracts[ci].decision_no.clone();
            let Some(di) = b.v.decisions.iter().position(|d| d.no == dno) else {
                return false;
            };
            let how = match variant {
                3 => {
                    // 商议 before 提议.
                    let d = &mut b.v.decisions[di];
                    std::mem::swap(&mut d.proposed, &mut d.consulted);
                    if d.proposed == d.consulted {
                        d.consulted = add_days(d.proposed, -2);
                    }
                    "steps out of order: 商议早于提议"
                }
                4 => {
                    // Minutes written after the contract was signed.
                    let gap = b.rng.random_range(3..20);
                    let resolved = add_days(signed, gap);
                    let d = &mut b.v.decisions[di];
                    d.resolved = resolved;
                    d.reviewed = add_days(resolved, -1).max(d.consulted);
                    let ps = add_days(resolved, 1);
                    d.res_published = Some(ps);
                    d.result_published = Some(add_days(resolved, 3));
                    if let Some(p) = b.v.publicity.iter_mut().find(|p| p.ref_no == dno) {
                        p.start = ps;
                        p.end = add_days(ps, 6);
                    }
                    label(
                        b,
                        Category::PublicityWindow,
                        Subject::Text(dno.clone()),
                        "incidental: 决议公开在合同签订之后".into(),
                    );
                    "resolved after signing: 决议日期晚于合同签订"
                }
                _ => {
                    let d = &mut b.v.decisions[di];
                    d.res_published = Some(add_days(d.resolved, -2));
                    if let Some(p) = b.v.publicity.iter_mut().find(|p| p.ref_no == dno) {
                        p.start = add_days(d.resolved, -2);
                    }
                    "steps out of order: 决议公开早于决议"
                }
            };
            label(
                b,
                Category::MissingDecision,
                Subject::Text(no),
                format!("{how}（{dno}）"),
            );
        }
        _ => {
            // Ledger-only purchase whose decision was resolved after paying.
            let d = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 10, 31));
            let amt = b.rng.random_range(520..950) * 10_000;
            let no = valid_decision(b, "购置应急物资", amt, d);
            let di = b.v.decisions.len() - 1;
            let resolved = add_days(d, b.rng.random_range(3..15));
            {
                let dd = &mut b.v.decisions[di];
                dd.resolved = resolved;
                dd.reviewed = add_days(resolved, -1).max(dd.consulted);
                dd.res_published = Some(add_days(resolved, 1));
            }
            if let Some(p) = b.v.publicity.iter_mut().find(|p| p.ref_no == no) {
                p.start = add_days(resolved, 1);
                p.end = add_days(resolved, 7);
            }
            let payee = format!("济南{}应急物资有限公司", b.v.name.trim_end_matches('村'));
            let i = ledger_line(
                b,
                d,
                false,
                amt,
                "购置应急物资".into(),
                "固定资产",
                payee,
                Payee::Other,
                "转账",
            );
            b.v.ledger[i].decision_no = no.clone();
            let uid = b.v.ledger[i].uid;
            label(
                b,
                Category::MissingDecision,
                Subject::Voucher(uid),
                format!("resolved after payment: {no}决议晚于付款"),
            );
            label(
                b,
                Category::PublicityWindow,
                Subject::Text(no),
                "incidental: 决议公开在付款之后".into(),
            );
        }
    }
    true
}

// ------------------------------------------------------------------- cash

fn cash(b: &mut Builder, variant: usize) -> bool {
    let d = rand_date(&mut b.rng, ymd(YEAR, 1, 10), ymd(YEAR, 12, 20));
    let (amt, uid, what) = if variant == 0 {
        let amt = b.rng.random_range(12..49) * 10_000;
        let shop = format!(
            "{}{}",
            b.v.name.trim_end_matches('村'),
            names::SHOPS
                .choose(&mut b.rng)
                .copied()
                .unwrap_or("便民超市")
        );
        let i = ledger_line(
            b,
            d,
            false,
            amt,
            "购慰问物资".into(),
            "管理费用",
            shop,
            Payee::Other,
            "现金",
        );
        (amt, b.v.ledger[i].uid, "购物")
    } else {
        let pool: Vec<u32> = odd_job_pool(b)
            .into_iter()
            .filter(|&p| free(b, p))
            .collect();
        let Some(p) = pick(b, pool) else { return false };
        let amt = b.rng.random_range(15..32) * 10_000;
        let name = b.v.persons[p as usize].name.clone();
        let pr = b.v.pref(p);
        let i = ledger_line(
            b,
            d,
            false,
            amt,
            "清雪劳务费".into(),
            "管理费用",
            name,
            Payee::Person(pr),
            "现金",
        );
        (amt, b.v.ledger[i].uid, "劳务费")
    };
    label(
        b,
        Category::CashPayment,
        Subject::Voucher(uid),
        format!(
            "cash over the limit: 现金支付{what}{}元，超过1,000元结算起点",
            amt / 100
        ),
    );
    true
}

// ------------------------------------------------------------- id numbers

fn excel_mangled(id: &str) -> String {
    format!("{}.{}E+17", &id[..1], &id[1..6])
}

/// One digit of the sequence changed, check character kept (fails the check).
fn typo(id: &str, rng: &mut impl Rng) -> String {
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

fn invalid_id(b: &mut Builder, variant: usize) -> bool {
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

// ------------------------------------------------------------- duplicates

/// Monthly recipients (rows in every month of one program), free to use.
fn monthly_recipients(b: &Builder, program: Program) -> Vec<u32> {
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

fn duplicate(b: &mut Builder, variant: usize) -> bool {
    let prog = if b.rng.random_bool(0.5) {
        Program::Canji
    } else {
        Program::Zunlao
    };
    match variant {
        0 => {
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
        }
        1 | 2 => {
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
        }
        3 => {
            // One account paid for two people of different households.
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
                    .filter_map(|r| super::selfcheck::loaded(&r.id))
                    .min()
                    .unwrap_or_default();
            label(
                b,
                Category::DuplicateBeneficiary,
                Subject::Text(subject),
                format!("shared account: 残疾人两项补贴{m}月两户人员同一账户"),
            );
        }
        _ => {
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
        }
    }
    true
}

// --------------------------------------------------------------- deceased

fn deceased(b: &mut Builder, variant: usize) -> bool {
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

// ----------------------------------------------------------- ghost workers

fn ghost(b: &mut Builder, variant: usize) -> bool {
    let cands: Vec<usize> = (0..b.v.hires.len())
        .filter(|&h| {
            let x = &b.v.hires[h];
            x.end.is_none() && x.person.v == b.v.index && free(b, x.person.p)
        })
        .collect();
    match variant {
        0 | 3 => {
            let cands: Vec<usize> = cands
                .into_iter()
                .filter(|&h| b.v.hires[h].start.year() < YEAR)
                .collect();
            let Some(&h) = cands.choose(&mut b.rng) else {
                return false;
            };
            let pr = b.v.hires[h].person;
            b.used[pr.p as usize] = true;
            let m = b.rng.random_range(3..10u32);
            let extra = b.rng.random_range(1..4u32);
            b.v.hires[h].end = Some(month_end(YEAR, m));
            b.v.ledger
                .retain(|l| l.payee != Payee::Person(pr) || l.date.month() <= m + extra);
            if variant == 3 {
                for l in
                    b.v.ledger
                        .iter_mut()
                        .filter(|l| l.payee == Payee::Person(pr) && l.date.month() > m)
                {
                    l.cp_id.clear();
                }
            }
            let id = b.v.persons[pr.p as usize].id.clone();
            let how = if variant == 0 {
                "wages after end date"
            } else {
                "wages after end date, matched by account"
            };
            label(
                b,
                Category::GhostWorker,
                Subject::Text(id),
                format!(
                    "{how}: {}{}离岗后继续发放工资{extra}个月",
                    b.v.hires[h].post,
                    month_end(YEAR, m)
                ),
            );
        }
        1 => {
            let cands: Vec<usize> = cands
                .into_iter()
                .filter(|&h| b.v.hires[h].start.year() == YEAR && b.v.hires[h].start.month() >= 3)
                .collect();
            let Some(&h) = cands.choose(&mut b.rng) else {
                return false;
            };
            let pr = b.v.hires[h].person;
            b.used[pr.p as usize] = true;
            let m = b.v.hires[h].start.month() - 1;
            wage_line(b, h, m);
            let id = b.v.persons[pr.p as usize].id.clone();
            label(
                b,
                Category::GhostWorker,
                Subject::Text(id),
                format!(
                    "wages before start: {}上岗前（{}月）发放工资",
                    b.v.hires[h].start, m
                ),
            );
        }
        _ => {
            let Some(&h) = cands.choose(&mut b.rng) else {
                return false;
            };
            let pr = b.v.hires[h].person;
            b.used[pr.p as usize] = true;
            let post = *POSTS
                .iter()
                .find(|p| p.0 != b.v.hires[h].post)
                .unwrap_or(&POSTS[3]);
            let m = b.rng.random_range(3..9u32);
            let batch = format!("ZP-{YEAR}{m:02}-{:04}-{}", b.vnum(), b.v.hires.len());
            let start = ymd(YEAR, m, b.rng.random_range(1..11));
            publicity_ok(b, &batch, "村级用工", 5, start);
            let h2 = add_hire(b, pr, post, &batch, start, None);
            for mm in paid_months(&b.v.hires[h2].clone()) {
                wage_line(b, h2, mm);
            }
            let id = b.v.persons[pr.p as usize].id.clone();
            label(
                b,
                Category::GhostWorker,
                Subject::Text(id),
                format!("two posts at once: 同时任{}和{}", b.v.hires[h].post, post.0),
            );
        }
    }
    true
}

// ------------------------------------------------------------ eligibility

fn eligibility(b: &mut Builder, variant: usize) -> bool {
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

// ------------------------------------------------------------- publicity

/// Refs (batch, hire batch, contract, decision) with one publicity record
/// that no plant touched, with their required days and event.
fn publicity_targets(b: &Builder, which: usize) -> Vec<(String, i64, Option<NaiveDate>)> {
    let mut out = vec![];
    let touched = |r: &str| {
        b.v.publicity.iter().filter(|p| p.ref_no == r).count() != 1
            || b.v
                .labels
                .iter()
                .any(|l| l.subject == Subject::Text(r.to_string()))
            || b.v
                .negatives
                .iter()
                .any(|n| n.subject == Subject::Text(r.to_string()))
    };
    match which {
        0 => {
            for (i, bt) in b.v.batches.iter().enumerate() {
                let Some((days, ev)) = bt.program.publicity() else {
                    continue;
                };
                let rows: Vec<&SubsidyRow> =
                    b.v.subsidies
                        .iter()
                        .filter(|r| r.batch == i as u32)
                        .collect();
                if rows.is_empty() || ev == PubEvent::None || touched(&bt.no) {
                    continue;
                }
                let paid = rows.iter().map(|r| r.paid).min();
                let approved = rows.iter().filter_map(|r| r.approved).min();
                let event = match ev {
                    PubEvent::ApprovalElsePayment => approved.or(paid),
                    _ => paid,
                };
                out.push((bt.no.clone(), days, event));
            }
        }
        1 => {
            let mut starts: BTreeMap<String, NaiveDate> = BTreeMap::new();
            for h in &b.v.hires {
                let e = starts.entry(h.batch_no.clone()).or_insert(h.start);
                *e = (*e).min(h.start);
            }
            for (no, s) in starts {
                if s.year() == YEAR && !touched(&no) {
                    out.push((no, 5, Some(s)));
                }
            }
        }
        2 => {
            for c in &b.v.contracts {
                if c.amount >= THRESHOLD_DECISION && !touched(&c.no) {
                    out.push((c.no.clone(), 3, Some(c.signed)));
                }
            }
        }
        _ => {
            for d in &b.v.decisions {
                let ev =
                    b.v.contracts
                        .iter()
                        .filter(|c| c.decision_no == d.no)
                        .map(|c| c.signed)
                        .chain(
                            b.v.ledger
                                .iter()
                                .filter(|l| !l.income && l.decision_no == d.no)
                                .map(|l| l.date),
                        )
                        .min();
                if ev.is_some() && !touched(&d.no) && d.resolved < ev.unwrap_or(d.resolved) {
                    out.push((d.no.clone(), 5, ev));
                }
            }
        }
    }
    out
}

fn publicity(b: &mut Builder, variant: usize) -> bool {
    // variant: target kind (batch, hire, contract, decision) × problem.
    let which = [0, 0, 0, 1, 2, 3, 0, 3, 1][variant % 9];
    let problem = [0, 1, 2, 1, 2, 1, 0, 2, 0][variant % 9];
    let targets = publicity_targets(b, which);
    let Some((no, days, event)) = targets.choose(&mut b.rng).cloned() else {
        return false;
    };
    let Some(event) = event else { return false };
    let pi = b.v.publicity.iter().position(|p| p.ref_no == no);
    let how = match problem {
        0 => {
            b.v.publicity.retain(|p| p.ref_no != no);
            "missing: 无公示记录".to_string()
        }
        1 => {
            let Some(pi) = pi else { return false };
            let short = days - b.rng.random_range(1..days.min(3));
            let end = add_days(event, -b.rng.random_range(1..4));
            b.v.publicity[pi].end = end;
            b.v.publicity[pi].start = add_days(end, -(short - 1));
            format!("too short: 公示{short}天，少于{days}天")
        }
        _ => {
            let Some(pi) = pi else { return false };
            let end = add_days(event, b.rng.random_range(0..4));
            b.v.publicity[pi].end = end;
            b.v.publicity[pi].start = add_days(end, -(days + 1));
            format!("not over before the event: 公示至{end}，事项日期{event}")
        }
    };
    label(b, Category::PublicityWindow, Subject::Text(no), how);
    true
}

// --------------------------------------------------------- hard negatives

fn negatives(b: &mut Builder) {
    // Publicity of exactly the required days ending the day before the event.
    let which = b.rng.random_range(0..4);
    let targets = publicity_targets(b, which);
    if let Some((no, days, Some(event))) = targets.choose(&mut b.rng).cloned()
        && let Some(pi) = b.v.publicity.iter().position(|p| p.ref_no == no)
    {
        let end = add_days(event, -1);
        b.v.publicity[pi].end = end;
        b.v.publicity[pi].start = add_days(end, -(days - 1));
        negative(
            b,
            "publicity_exact_days",
            text(&no),
            format!("公示恰好{days}天，于事项前一日（{end}）结束"),
        );
    }
    // Same-day decision steps.
    if b.rng.random_bool(0.5) {
        let (co, amount, signed, project) = decision_contract(b);
        let ci = add_contract(
            b,
            ContractSpec {
                vendor: Vendor::Company(co),
                amount,
                signed,
                project,
                decision: DecisionSpec::Auto,
                with_vendor_id: false,
                vendor_name: None,
            },
        );
        let dno = b.v.contracts[ci].decision_no.clone();
        if let Some(d) = b.v.decisions.iter_mut().find(|d| d.no == dno) {
            d.consulted = d.proposed;
            d.reviewed = d.proposed;
            d.resolved = d.proposed;
            d.res_published = Some(d.proposed);
            let day = d.proposed;
            if let Some(p) = b.v.publicity.iter_mut().find(|p| p.ref_no == dno) {
                p.start = day;
                p.end = add_days(day, 6);
            }
        }
        let no = b.v.contracts[ci].no.clone();
        negative(
            b,
            "same_day_decision_steps",
            text(&no),
            "四议两公开各步骤同日完成，顺序不违规".into(),
        );
    }
    // Cash of exactly 1,000.
    if b.rng.random_bool(0.5) {
        let d = rand_date(&mut b.rng, ymd(YEAR, 1, 10), ymd(YEAR, 12, 20));
        let shop = format!("{}{}", b.v.name.trim_end_matches('村'), names::SHOPS[0]);
        let i = ledger_line(
            b,
            d,
            false,
            100_000,
            "购春节慰问品".into(),
            "管理费用",
            shop,
            Payee::Other,
            "现金",
        );
        let uid = b.v.ledger[i].uid;
        negative(
            b,
            "cash_exactly_1000",
            Subject::Voucher(uid),
            "现金支付恰为1,000元，未超过结算起点".into(),
        );
    }
    // A vendor's two pieces more than 90 days apart.
    if b.rng.random_bool(0.5) {
        let co = new_company(b, None);
        let a1 = b.rng.random_range(300..480) * 10_000;
        let a2 = b.rng.random_range(300..480) * 10_000;
        let d1 = rand_date(&mut b.rng, ymd(YEAR, 2, 1), ymd(YEAR, 5, 31));
        let gap = b.rng.random_range(95..160);
        let d2 = add_days(d1, gap);
        for (a, d) in [(a1, d1), (a2, d2)] {
            let project = project_name(b);
            add_contract(
                b,
                ContractSpec {
                    vendor: Vendor::Company(co),
                    amount: a,
                    signed: d,
                    project,
                    decision: DecisionSpec::Auto,
                    with_vendor_id: false,
                    vendor_name: None,
                },
            );
        }
        let credit = b.v.companies[co as usize].credit.clone();
        negative(
            b,
            "pieces_over_90_days",
            Subject::Text(credit),
            format!("同一承包方两份合同相隔{gap}天，超出90天窗口"),
        );
    }
    // A lone 99,000 contract.
    if b.rng.random_bool(0.5) {
        let co = new_company(b, None);
        let d = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 10, 31));
        let project = project_name(b);
        add_contract(
            b,
            ContractSpec {
                vendor: Vendor::Company(co),
                amount: 9_900_000,
                signed: d,
                project,
                decision: DecisionSpec::Auto,
                with_vendor_id: false,
                vendor_name: None,
            },
        );
        let credit = b.v.companies[co as usize].credit.clone();
        negative(
            b,
            "lone_99000_contract",
            Subject::Text(credit),
            "单份99,000元合同，未拆分".into(),
        );
    }
    // Same-surname recipients who are no relatives (clan villages).
    let cadre_surnames: HashSet<String> =
        b.v.cadres
            .iter()
            .map(|c| b.v.persons[c.person as usize].surname().to_string())
            .collect();
    let mut seen = HashSet::new();
    let mut n = 0;
    for r in b.v.subsidies.clone() {
        if n >= 2 || r.person.v != b.v.index {
            continue;
        }
        let q = &b.v.persons[r.person.p as usize];
        if !b.kin[r.person.p as usize]
            && cadre_surnames.contains(q.surname())
            && !b.used[r.person.p as usize]
            && seen.insert(r.person.p)
        {
            let id = q.id.clone();
            let s = q.surname().to_string();
            negative(
                b,
                "same_surname_non_relative",
                Subject::Text(id),
                format!("与村干部同姓（{s}）但非亲属"),
            );
            n += 1;
        }
    }
    // Valid 15-digit ids.
    let mut n = 0;
    for p in 0..b.v.persons.len() {
        let q = &b.v.persons[p];
        if n < 2 && q.legacy15 && q.household.is_some() && !b.used[p] {
            let w = q.written_id();
            negative(
                b,
                "valid_15_digit_id",
                Subject::Text(w),
                "15位旧身份证号，升位后有效".into(),
            );
            n += 1;
        }
    }
}

// ----------------------------------------------------------- cross-village

/// Plants that join villages: one person paid in two villages for the same
/// program and period; common names that recur as different people.
pub fn plant_cross(bs: &mut [Builder], rng: &mut impl Rng) {
    let n = bs.len();
    if n < 2 {
        return;
    }
    // Cross-village duplicates: about one per five villages.
    let k = (n / 5).max(1);
    for j in 0..k {
        let a = (j * 5 + 1) % n;
        let bidx = (a + 1 + rng.random_range(0..n - 1)) % n;
        if a == bidx {
            continue;
        }
        let prog = if rng.random_bool(0.5) {
            Program::Canji
        } else {
            Program::Zunlao
        };
        let cands = monthly_recipients(&bs[a], prog);
        let Some(&p) = cands.choose(rng) else {
            continue;
        };
        bs[a].used[p as usize] = true;
        let m = rng.random_range(2..12u32);
        let pr = bs[a].v.pref(p);
        let q = bs[a].v.persons[p as usize].clone();
        let amount = if prog == Program::Canji {
            12_000
        } else {
            10_000
        };
        let i = roll_row(
            &mut bs[bidx],
            prog,
            m,
            pr,
            RowSpec {
                amount,
                quantity: None,
                account: None,
            },
        );
        {
            let r = &mut bs[bidx].v.subsidies[i];
            r.name = q.name.clone();
            r.id = q.written_id();
            r.household_id.clear();
            r.account = q.account.clone();
            r.phone = q.phone.clone();
        }
        let mut villages = vec![a as u32, bidx as u32];
        villages.sort();
        let (va, vb) = (bs[a].v.code.clone(), bs[bidx].v.code.clone());
        bs[a].v.labels.push(PlantedLabel {
            category: Category::DuplicateBeneficiary,
            villages,
            subject: Subject::Text(q.id.clone()),
            note: format!(
                "cross-village: {}{m}月在{va}和{vb}两村同时发放",
                prog.name()
            ),
        });
    }
    // Common full names recurring in other villages as different people.
    let mut by_name: BTreeMap<String, Vec<(usize, u32)>> = BTreeMap::new();
    for (vi, b) in bs.iter().enumerate() {
        for r in &b.v.subsidies {
            if r.person.v as usize == vi && b.v.batches[r.batch as usize].program == Program::Gengdi
            {
                let nm = b.v.persons[r.person.p as usize].name.clone();
                if names::COMMON_FULL_NAMES.iter().any(|(c, _)| *c == nm) {
                    by_name.entry(nm).or_default().push((vi, r.person.p));
                }
            }
        }
    }
    for (nm, list) in &by_name {
        if list.len() < 2 {
            continue;
        }
        for &(vi, p) in list.iter().take(6) {
            let id = bs[vi].v.persons[p as usize].id.clone();
            bs[vi].v.negatives.push(PlantedNegative {
                kind: "common_name_two_villages",
                village: vi as u32,
                subject: Subject::Text(id),
                note: format!("常见姓名{nm}在{}个村各有其人，身份证号不同", list.len()),
            });
        }
    }
    // A homophone of a declared relative's name (张伟 → 张玮) on another
    // village's roll, as a different person.
    let mut n_homophones = 0;
    for vi in 0..n {
        if n_homophones >= n.max(8) / 2 {
            break;
        }
        let target = (vi + 1) % n;
        if target == vi {
            continue;
        }
        let rel: Vec<(String, bool)> = bs[vi]
            .v
            .declared
            .iter()
            .filter(|d| !d.with_id)
            .map(|d| bs[vi].v.persons[d.person as usize].clone())
            .filter_map(|q| names::homophone_of(&q.name).map(|h| (h, q.male)))
            .collect();
        let Some((homo, male)) = rel.first().cloned() else {
            continue;
        };
        let surname = surname_of(&homo).to_string();
        let tb = &bs[target];
        let taken: HashSet<String> =
            tb.v.persons
                .iter()
                .map(|q| names::pinyin_key(&q.name))
                .collect();
        if taken.contains(&names::pinyin_key(&homo)) {
            continue;
        }
        let cands: Vec<usize> = (0..tb.v.subsidies.len())
            .filter(|&i| {
                let r = &tb.v.subsidies[i];
                if r.person.v as usize != target {
                    return false;
                }
                let q = &tb.v.persons[r.person.p as usize];
                tb.v.batches[r.batch as usize].program == Program::Gengdi
                    && !tb.kin[r.person.p as usize]
                    && !tb.used[r.person.p as usize]
                    && !tb.busy[r.person.p as usize]
                    && !names::COMMON_FULL_NAMES.iter().any(|(c, _)| *c == q.name)
                    && q.male == male
                    && q.surname() == surname
            })
            .collect();
        let Some(&i) = cands.first() else { continue };
        let p = bs[target].v.subsidies[i].person.p;
        let tbm = &mut bs[target];
        tbm.used[p as usize] = true;
        tbm.v.persons[p as usize].name = homo.clone();
        for r in tbm
            .v
            .subsidies
            .iter_mut()
            .filter(|r| r.person.v as usize == target && r.person.p == p)
        {
            r.name = homo.clone();
        }
        for l in tbm.v.ledger.iter_mut().filter(|l| {
            l.payee
                == Payee::Person(PRef {
                    v: target as u32,
                    p,
                })
        }) {
            l.counterparty = homo.clone();
        }
        let id = tbm.v.persons[p as usize].id.clone();
        let other = bs[vi].v.code.clone();
        bs[target].v.negatives.push(PlantedNegative {
            kind: "homophone_other_village",
            village: target as u32,
            subject: Subject::Text(id),
            note: format!("与{other}村干部备案亲属同音（{homo}），不同村不同人"),
        });
        n_homophones += 1;
    }
    // A declared relative's common name on another village's roll.
    let mut declared_names: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (vi, b) in bs.iter().enumerate() {
        for d in &b.v.declared {
            if !d.with_id {
                declared_names
                    .entry(b.v.persons[d.person as usize].name.clone())
                    .or_default()
                    .push(vi);
            }
        }
    }
    for (nm, vs) in &declared_names {
        let Some(list) = by_name.get(nm) else {
            continue;
        };
        // A dozen per name is plenty; a province would list thousands.
        for &(vi, p) in list.iter().filter(|(vi, _)| !vs.contains(vi)).take(12) {
            let id = bs[vi].v.persons[p as usize].id.clone();
            let other = bs[vs[0]].v.code.clone();
            bs[vi].v.negatives.push(PlantedNegative {
                kind: "common_name_other_village",
                village: vi as u32,
                subject: Subject::Text(id),
                note: format!("与{other}村干部备案亲属同名（{nm}），不同村不同人"),
            });
        }
    }
}
