//! Hard negatives of kinship that real exports hold (issue 22): a clan
//! neighbour of a cadre's surname next door, and a homophone of a declared
//! relative in another household with nothing else in common. A rule that
//! links on surname and street, or on pinyin alone, flags them.

use chrono::Datelike;
use rand::seq::IndexedRandom;

use super::kinship::{no_mods, pay_person};
use super::{free, in_hires, negative, rows_of};
use crate::r#gen::model::*;
use crate::r#gen::names;
use crate::r#gen::truth::*;

/// An address split into what precedes the house number and the number
/// (`李家村一组12号` → (`李家村一组`, 12)).
fn house_number(addr: &str) -> Option<(&str, u32)> {
    let body = addr.strip_suffix('号')?;
    let digits = body.len() - body.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let cut = body.len() - digits;
    Some((&body[..cut], body[cut..].parse().ok()?))
}

/// A person nobody planted anything on, not kin, with no row anywhere yet.
fn untouched(b: &Builder, p: u32) -> bool {
    free(b, p)
        && !b.kin[p as usize]
        && !b.busy[p as usize]
        && rows_of(b, p).is_empty()
        && !in_hires(b, p)
        && !b
            .v
            .ledger
            .iter()
            .any(|l| l.payee == Payee::Person(b.v.pref(p)))
}

/// The head of the household of a cadre's surname nearest the cadre's
/// house number in the cadre's 组 (another address), of a brother's age,
/// no relative: paid on a roll.
pub(super) fn clan_neighbour(b: &mut Builder) {
    let mut done = false;
    for ci in 0..b.v.cadres.len() {
        if done {
            break;
        }
        let cq = b.v.persons[b.v.cadres[ci].person as usize].clone();
        let Some(h) = cq.household else { continue };
        let addr = b.v.households[h as usize].address.clone();
        let Some((street, num)) = house_number(&addr) else {
            continue;
        };
        let mut best: Option<(u32, u32)> = None;
        for (hh, house) in b.v.households.iter().enumerate() {
            let Some((s2, n2)) = house_number(&house.address) else {
                continue;
            };
            let head = house.members[0].0;
            let q = &b.v.persons[head as usize];
            if hh as u32 == h || s2 != street || n2 == num || house.address == addr {
                continue;
            }
            let gap = (q.birth.year() - cq.birth.year()).abs();
            if q.surname() != cq.surname() || gap > 15 || !untouched(b, head) {
                continue;
            }
            let d = n2.abs_diff(num);
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, head));
            }
        }
        let Some((_, q)) = best else { continue };
        b.used[q as usize] = true;
        if pay_person(b, q, no_mods(), false).is_some() {
            let qq = &b.v.persons[q as usize];
            let (id, qaddr) = (
                qq.id.clone(),
                qq.household
                    .map(|x| b.v.households[x as usize].address.clone()),
            );
            negative(
                b,
                "clan_neighbour_next_door",
                Subject::Text(id),
                format!(
                    "与村干部{}同姓、同组邻户（{}，干部住{addr}），年龄相近，非亲属",
                    cq.name,
                    qaddr.unwrap_or_default()
                ),
            );
            done = true;
        }
    }
}

/// Whether a birth year rules a person out of a declared relation to a
/// cadre by a wide margin (the generator's own reading, kept apart from
/// the rule's): a spouse or sibling 25+ years apart, a parent not older,
/// a child not younger.
fn age_rules_out(relation: &str, cadre_year: i32, year: i32) -> bool {
    let older = cadre_year - year;
    let has = |w: &[&str]| w.iter().any(|x| relation.contains(x));
    if has(&["配偶", "妻", "夫"]) || has(&["兄", "弟", "姐", "妹"]) {
        older.abs() >= 25
    } else if has(&["父", "母"]) {
        older <= 0
    } else if has(&["子", "女"]) && !has(&["孙"]) {
        older >= 0
    } else {
        false
    }
}

/// A villager of another household renamed (before any row carries the
/// name) to a homophone of a relative declared without id, whose age the
/// declared relation rules out: paid on a roll.
pub(super) fn homophone_stranger(b: &mut Builder) {
    let declared: Vec<Declared> =
        b.v.declared
            .iter()
            .filter(|d| !d.with_id)
            .cloned()
            .collect();
    for d in declared {
        let rel = b.v.persons[d.person as usize].clone();
        let Some(hname) = names::homophone_of(&rel.name) else {
            continue;
        };
        let cq = b.v.persons[b.v.cadres[d.cadre as usize].person as usize].clone();
        // Nobody else's name, declared or registered, may sound like it:
        // the negative is this one homophone and nothing more.
        let key = names::pinyin_key(&hname);
        let sounds = |n: &str| names::pinyin_key(n) == key;
        let taken = b.v.persons.iter().any(|p| p.name == hname)
            || b.v.declared.iter().any(|o| {
                (o.cadre, o.person) != (d.cadre, d.person)
                    && (sounds(&b.v.persons[o.person as usize].name)
                        || o.written_name.as_deref().is_some_and(sounds))
            });
        if taken {
            continue;
        }
        let cands: Vec<u32> = (0..b.v.persons.len() as u32)
            .filter(|&q| {
                let p = &b.v.persons[q as usize];
                p.household.is_some()
                    && p.household != rel.household
                    && p.household != cq.household
                    && p.male == rel.male
                    && untouched(b, q)
                    && age_rules_out(d.relation, cq.birth.year(), p.birth.year())
            })
            .collect();
        let Some(&q) = cands.choose(&mut b.rng) else {
            continue;
        };
        b.used[q as usize] = true;
        let old = std::mem::replace(&mut b.v.persons[q as usize].name, hname.clone());
        if pay_person(b, q, no_mods(), false).is_none() {
            b.v.persons[q as usize].name = old;
            continue;
        }
        let id = b.v.persons[q as usize].id.clone();
        negative(
            b,
            "homophone_other_household",
            Subject::Text(id),
            format!(
                "与村干部{}之{}（备案无身份证号）{}同音，另户，年龄不符所报关系，别无关联",
                cq.name, d.relation, rel.name
            ),
        );
        return;
    }
}
