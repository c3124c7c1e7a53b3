//! Cadres, the close relatives they declare, and the names that make
//! kinship hard to see: common full names that recur across villages, and
//! no villager outside the cadres' kin sharing a declared relative's name.

use std::collections::HashSet;

use chrono::Datelike;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::builder::Builder;
use crate::r#gen::model::*;
use crate::r#gen::names;

const ROLES: [&str; 7] = [
    "书记",
    "主任",
    "委员",
    "委员",
    "监委会主任",
    "报账员",
    "小组长",
];

fn in_register(b: &Builder, p: u32) -> bool {
    b.v.persons[p as usize].household.is_some()
}

pub(super) fn cadres(b: &mut Builder) {
    // Heads (and wives for 委员) of working age, one per household.
    let mut cands: Vec<u32> = vec![];
    for h in &b.v.households {
        if let Some(&(head, _)) = h.members.first() {
            let age = YEAR - b.v.persons[head as usize].birth.year();
            if (32..=60).contains(&age) && b.v.persons[head as usize].male {
                cands.push(head);
            }
        }
    }
    let mut chosen: Vec<u32> = vec![];
    let mut households_used = HashSet::new();
    for (i, role) in ROLES.iter().enumerate() {
        for _ in 0..200 {
            let Some(&p) = cands.choose(&mut b.rng) else {
                break;
            };
            let h = b.v.persons[p as usize].household;
            if households_used.contains(&h) {
                continue;
            }
            // One 委员 is often a woman (妇女主任): the head's wife.
            let p = if i == 3 {
                b.v.persons[p as usize].spouse.unwrap_or(p)
            } else {
                p
            };
            if b.v.persons[p as usize].household != h {
                continue;
            }
            households_used.insert(h);
            chosen.push(p);
            let start = if b.rng.random_bool(0.8) {
                ymd(2021, 1, b.rng.random_range(5..25))
            } else {
                ymd(2024, b.rng.random_range(3..10), b.rng.random_range(1..28))
            };
            b.v.cadres.push(Cadre {
                person: p,
                role,
                term_start: start,
            });
            break;
        }
    }
    // Every cadre has a phone and an account.
    for c in chosen {
        if b.v.persons[c as usize].phone.is_empty() {
            b.v.persons[c as usize].phone = b.phone();
        }
        if b.v.persons[c as usize].account.is_empty() {
            b.v.persons[c as usize].account = b.account();
        }
    }
    // Declarations.
    let n_cadres = b.v.cadres.len();
    for ci in 0..n_cadres {
        let c = b.v.cadres[ci].person;
        for (r, rel) in close_relatives(&b.v, c) {
            if !in_register(b, r) {
                continue;
            }
            let p_decl = match rel {
                "配偶" => 0.95,
                "儿子" | "女儿" => 0.75,
                "父亲" | "母亲" => 0.65,
                "兄弟" | "姐妹" => 0.45,
                "儿媳" | "女婿" => 0.4,
                _ => 0.3,
            };
            if !b.rng.random_bool(p_decl) {
                continue;
            }
            let with_id = b.rng.random_bool(0.6);
            let with_phone = !b.v.persons[r as usize].phone.is_empty() && b.rng.random_bool(0.3);
            let with_account =
                !b.v.persons[r as usize].account.is_empty() && b.rng.random_bool(0.2);
            b.v.declared.push(Declared {
                cadre: ci as u32,
                person: r,
                relation: rel,
                with_id,
                with_phone,
                with_account,
                written_name: None,
            });
        }
    }
}

/// Close relatives of a person (民法典第1045条, plus children's spouses)
/// with the relation as the person would declare it.
pub fn close_relatives(v: &Village, c: u32) -> Vec<(u32, &'static str)> {
    let ps = &v.persons;
    let me = &ps[c as usize];
    let mut out: Vec<(u32, &'static str)> = vec![];
    if let Some(s) = me.spouse {
        out.push((s, "配偶"));
    }
    if let Some(f) = me.father {
        out.push((f, "父亲"));
    }
    if let Some(m) = me.mother {
        out.push((m, "母亲"));
    }
    for (i, p) in ps.iter().enumerate() {
        let i = i as u32;
        if i == c {
            continue;
        }
        let is_child = p.father == Some(c) || p.mother == Some(c);
        if is_child {
            out.push((i, if p.male { "儿子" } else { "女儿" }));
            if let Some(s) = p.spouse {
                out.push((s, if p.male { "儿媳" } else { "女婿" }));
            }
            continue;
        }
        let sibling = (me.father.is_some() && p.father == me.father)
            || (me.mother.is_some() && p.mother == me.mother);
        if sibling {
            out.push((i, if p.male { "兄弟" } else { "姐妹" }));
            continue;
        }
        let parent_of_parent = [me.father, me.mother]
            .into_iter()
            .flatten()
            .any(|par| ps[par as usize].father == Some(i) || ps[par as usize].mother == Some(i));
        if parent_of_parent {
            out.push((i, if p.male { "祖父" } else { "祖母" }));
            continue;
        }
        let grandchild = [p.father, p.mother]
            .into_iter()
            .flatten()
            .any(|par| ps[par as usize].father == Some(c) || ps[par as usize].mother == Some(c));
        if grandchild {
            out.push((i, if p.male { "孙子" } else { "孙女" }));
        }
    }
    out
}

/// Kin of the village's cadres: the cadres, their close relatives, their
/// household members and whoever they declared.
pub fn compute_kin(b: &mut Builder) {
    let mut kin = vec![false; b.v.persons.len()];
    for c in &b.v.cadres {
        kin[c.person as usize] = true;
        for (r, _) in close_relatives(&b.v, c.person) {
            kin[r as usize] = true;
        }
        if let Some(h) = b.v.persons[c.person as usize].household {
            for (m, _) in &b.v.households[h as usize].members {
                kin[*m as usize] = true;
            }
        }
    }
    for d in &b.v.declared {
        kin[d.person as usize] = true;
    }
    b.kin = kin;
}

/// A few villagers carry the common full names (张伟, 王芳 …) so that
/// they recur across villages; one declared relative per few villages too.
pub(super) fn common_names(b: &mut Builder) {
    let n = names::COMMON_FULL_NAMES.len();
    for j in 0..2usize {
        let (name, male) = names::COMMON_FULL_NAMES[(b.v.index as usize * 2 + j) % n];
        let surname = surname_of(name);
        // A non-kin household head of that surname and sex, aged 30–75.
        let cands: Vec<u32> =
            b.v.households
                .iter()
                .filter_map(|h| h.members.first().map(|m| m.0))
                .filter(|&p| {
                    let q = &b.v.persons[p as usize];
                    !b.kin[p as usize]
                        && q.male == male
                        && q.surname() == surname
                        && (30..=75).contains(&(YEAR - q.birth.year()))
                })
                .collect();
        if let Some(&p) = cands.choose(&mut b.rng) {
            b.v.persons[p as usize].name = name.to_string();
        }
    }
    // A declared relative without id number given a common name (other
    // villages' recipients of that name are hard negatives).
    let (name, male) = names::COMMON_FULL_NAMES[(b.v.index as usize * 2 + 3) % n];
    let surname = surname_of(name);
    let idx: Vec<usize> = (0..b.v.declared.len())
        .filter(|&i| {
            let d = &b.v.declared[i];
            let q = &b.v.persons[d.person as usize];
            !d.with_id && q.male == male && q.surname() == surname
        })
        .collect();
    if let Some(&i) = idx.choose(&mut b.rng) {
        let p = b.v.declared[i].person;
        b.v.persons[p as usize].name = name.to_string();
    }
}

/// No villager outside the cadres' kin may share a declared relative's
/// name or its pinyin (a homophone): such a match is only ever planted.
pub fn fix_name_conflicts(b: &mut Builder) {
    let declared: HashSet<u32> = b.v.declared.iter().map(|d| d.person).collect();
    let mut names_taken: HashSet<String> = HashSet::new();
    let mut py_taken: HashSet<String> = HashSet::new();
    for &p in &declared {
        let n = &b.v.persons[p as usize].name;
        names_taken.insert(n.clone());
        py_taken.insert(names::pinyin_key(n));
    }
    for i in 0..b.v.persons.len() {
        if b.kin[i] {
            continue;
        }
        let mut tries = 0;
        while {
            let n = &b.v.persons[i].name;
            names_taken.contains(n) || py_taken.contains(&names::pinyin_key(n))
        } && tries < 50
        {
            let s = b.v.persons[i].surname().to_string();
            let male = b.v.persons[i].male;
            b.v.persons[i].name = b.new_name(&s, male);
            tries += 1;
        }
    }
}
