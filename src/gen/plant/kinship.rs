//! Kinship: a cadre, or a relative of theirs, paid by the village: on a
//! roll or a payroll, as a contractor, through a company they represent,
//! or from the ledger. Each variant is one evidence channel a rule can
//! match on (same id, a declared name or its homophone, same household,
//! account, phone, address).

use std::collections::HashSet;

use chrono::Datelike;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::{free, in_hires, label, pick, programs_of};
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::names;
use crate::r#gen::truth::*;

pub(super) struct RowMods {
    name: Option<String>,
    account: Option<String>,
    phone: Option<String>,
}

/// Put a person on a roll or a payroll; returns what was given.
pub(super) fn pay_person(
    b: &mut Builder,
    p: u32,
    mods: RowMods,
    allow_hire: bool,
) -> Option<String> {
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
    give(b, p, choice, from, &progs, &mods)
}

/// Give what `choice` names (0 临时救助, 1 残疾人两项补贴, 2 低保, 3 a post,
/// 4 尊老金) from month `from`; None when the person cannot have it.
fn give(
    b: &mut Builder,
    p: u32,
    choice: u8,
    from: u32,
    progs: &HashSet<Program>,
    mods: &RowMods,
) -> Option<String> {
    let q = b.v.persons[p as usize].clone();
    let pr = b.v.pref(p);
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
            apply_mods(b, i, mods);
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
                apply_mods(b, i, mods);
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
                apply_mods(b, i, mods);
            }
            format!("{from}月起城乡低保")
        }
        3 => hire_person(b, pr, from, mods)?,
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
                apply_mods(b, i, mods);
            }
            "尊老金".to_string()
        }
    };
    Some(what)
}

/// Hire the person on a post from month `from`, with its wage lines.
fn hire_person(b: &mut Builder, pr: PRef, from: u32, mods: &RowMods) -> Option<String> {
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
    Some(format!("{from}月起聘为{}", post.0))
}

fn apply_mods(b: &mut Builder, i: usize, mods: &RowMods) {
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

/// What every kinship variant starts from: a random cadre of the village,
/// the relatives they declared and the close relatives they did not.
struct CadreKin {
    cadre: Cadre,
    c: u32,
    cq: Person,
    declared: Vec<Declared>,
    undeclared_rel: Vec<(u32, &'static str)>,
}

pub(super) fn no_mods() -> RowMods {
    RowMods {
        name: None,
        account: None,
        phone: None,
    }
}

fn subj(b: &Builder, p: u32) -> Subject {
    Subject::Text(b.v.persons[p as usize].id.clone())
}

pub(super) fn kinship(b: &mut Builder, variant: usize) -> bool {
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
    let k = CadreKin {
        cadre,
        c,
        cq,
        declared,
        undeclared_rel,
    };
    match variant {
        0 => the_cadre(b, &k),
        1 | 5 | 7 => declared_relative(b, &k, variant),
        2 => same_household(b, &k),
        3 | 4 => same_account_or_phone(b, &k, variant),
        6 => same_address(b, &k),
        8 => individual_contractor(b, &k),
        9 => legal_representative(b, &k),
        _ => ledger_payee(b, &k),
    }
}

/// The cadre paid under their own id.
fn the_cadre(b: &mut Builder, k: &CadreKin) -> bool {
    let c = k.c;
    let cadre = &k.cadre;
    if b.used[c as usize] {
        return false;
    }
    b.used[c as usize] = true;
    let Some(what) = pay_person(b, c, no_mods(), true) else {
        return false;
    };
    let s = subj(b, c);
    label(
        b,
        Category::Kinship,
        s,
        format!("same id: {}本人{what}", cadre.role),
    );
    true
}

/// Whether another person of the village bears `p`'s name.
fn has_namesake(b: &Builder, p: u32) -> bool {
    let name = &b.v.persons[p as usize].name;
    b.v.persons
        .iter()
        .enumerate()
        .any(|(i, q)| i as u32 != p && q.name == *name)
}

/// A declared relative paid: matched by id (variant 1), by name when
/// declared without id (5), by a homophone of that name (7).
fn declared_relative(b: &mut Builder, k: &CadreKin, variant: usize) -> bool {
    let cq = &k.cq;
    let cadre = &k.cadre;
    let declared = &k.declared;
    let want_id = variant == 1;
    let cands: Vec<u32> = declared
        .iter()
        .filter(|d| d.with_id == want_id && free(b, d.person))
        .filter(|d| {
            variant != 7 || names::homophone_of(&b.v.persons[d.person as usize].name).is_some()
        })
        // Matched by name alone, the relative must be the village's only
        // bearer of it: with a namesake (a 单姓村 has them) the name cannot
        // tell which is the relative, and the lead is rightly weaker.
        .filter(|d| variant != 5 || !has_namesake(b, d.person))
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
    // A homophone either on the roll (the clerk misheard) or in the
    // declaration (the cadre wrote it): the other carries the register's.
    let in_declaration = variant == 7 && b.rng.random_bool(0.5) && {
        // Only when no one else in the village sounds like the written name:
        // a namesake would be another lead.
        let key = names::homophone_of(&pname).map(|h| names::pinyin_key(&h));
        !b.v.persons.iter().enumerate().any(|(i, q)| {
            i as u32 != p && key.as_deref() == Some(names::pinyin_key(&q.name).as_str())
        })
    };
    if in_declaration && let Some(d) = b.v.declared.iter_mut().find(|d| d.person == p) {
        d.written_name = names::homophone_of(&pname);
    }
    let (mods, how) = match variant {
        1 => (no_mods(), "same id: 已备案亲属（有身份证号）"),
        5 => (
            no_mods(),
            "declared without id: 已备案亲属（无身份证号）同名",
        ),
        _ if in_declaration => (
            no_mods(),
            "homophone: 已备案亲属（无身份证号）备案姓名为同音字",
        ),
        _ => (
            RowMods {
                name: names::homophone_of(&pname),
                account: None,
                phone: None,
            },
            "homophone: 已备案亲属（无身份证号）同音字",
        ),
    };
    let written = match &mods.name {
        Some(n) => n.clone(),
        None if in_declaration => format!(
            "{pname}，备案写作{}",
            names::homophone_of(&pname).unwrap_or_default()
        ),
        None => pname.clone(),
    };
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
    true
}

/// A member of the cadre's household paid (undeclared where possible).
fn same_household(b: &mut Builder, k: &CadreKin) -> bool {
    let c = k.c;
    let cq = &k.cq;
    let cadre = &k.cadre;
    let declared = &k.declared;
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
    let Some(what) = pay_person(b, p, no_mods(), true) else {
        return false;
    };
    let s = subj(b, p);
    label(
        b,
        Category::Kinship,
        s,
        format!("same household: {}{}同户成员{what}", cadre.role, cq.name),
    );
    true
}

/// An undeclared relative in another household paid into the cadre's
/// account (variant 3) or giving the cadre's phone (4).
fn same_account_or_phone(b: &mut Builder, k: &CadreKin, variant: usize) -> bool {
    let c = k.c;
    let cq = &k.cq;
    let cadre = &k.cadre;
    let undeclared_rel = &k.undeclared_rel;
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
    true
}

/// An undeclared relative of the same surname in another household at
/// the cadre's address.
fn same_address(b: &mut Builder, k: &CadreKin) -> bool {
    let c = k.c;
    let cq = &k.cq;
    let cadre = &k.cadre;
    let undeclared_rel = &k.undeclared_rel;
    let Some(h) = cq.household else { return false };
    // A cadre who married into the household has no blood kin by surname
    // at its address (the rule's reading, rules.md).
    let married_in = b.v.households[h as usize]
        .members
        .iter()
        .any(|(m, rel)| *m == c && matches!(*rel, "配偶" | "儿媳"));
    if married_in {
        return false;
    }
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
    let Some(what) = pay_person(b, p, no_mods(), false) else {
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
    true
}

/// The cadre or a relative with an id number as an individual contractor.
fn individual_contractor(b: &mut Builder, k: &CadreKin) -> bool {
    let c = k.c;
    let cq = &k.cq;
    let cadre = &k.cadre;
    let declared = &k.declared;
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
    true
}

/// A company whose legal representative is the cadre or a relative.
fn legal_representative(b: &mut Builder, k: &CadreKin) -> bool {
    let c = k.c;
    let cq = &k.cq;
    let cadre = &k.cadre;
    let declared = &k.declared;
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
    true
}

/// A declared relative paid 误工补贴 from the ledger.
fn ledger_payee(b: &mut Builder, k: &CadreKin) -> bool {
    let cq = &k.cq;
    let cadre = &k.cadre;
    let declared = &k.declared;
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
        let d = crate::r#gen::workdays::in_month(rand_date(
            &mut b.rng,
            ymd(YEAR, 2, 1),
            ymd(YEAR, 12, 20),
        ));
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
    true
}
