//! Plants that join villages: one person paid in two villages for the same
//! program and period; common names and homophones that recur in other
//! villages as different people (hard negatives). They run after every
//! village is planted, from a random stream of their own.

use std::collections::{BTreeMap, HashSet};

use rand::Rng;
use rand::seq::IndexedRandom;

use super::duplicate_beneficiary::monthly_recipients;
use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::names;
use crate::r#gen::truth::*;

/// Villagers of a common full name on a 耕地 roll, by name: (village, person).
type ByName = BTreeMap<String, Vec<(usize, u32)>>;

/// Plants that join villages: one person paid in two villages for the same
/// program and period; common names that recur as different people.
pub fn plant_cross(bs: &mut [Builder], rng: &mut impl Rng) {
    let n = bs.len();
    if n < 2 {
        return;
    }
    cross_village_duplicates(bs, rng);
    let by_name = common_names_elsewhere(bs);
    homophones_elsewhere(bs);
    declared_names_elsewhere(bs, &by_name);
}

/// Cross-village duplicates: about one per five villages.
fn cross_village_duplicates(bs: &mut [Builder], rng: &mut impl Rng) {
    let n = bs.len();
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
}

/// Common full names recurring in other villages as different people.
fn common_names_elsewhere(bs: &mut [Builder]) -> ByName {
    let mut by_name = ByName::new();
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
    by_name
}

/// A homophone of a declared relative's name (张伟 → 张玮) on another
/// village's roll, as a different person.
fn homophones_elsewhere(bs: &mut [Builder]) {
    let n = bs.len();
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
}

/// A declared relative's common name on another village's roll.
fn declared_names_elsewhere(bs: &mut [Builder], by_name: &ByName) {
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
