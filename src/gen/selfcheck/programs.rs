//! The cases of the remaining programs (data contract §2a) recomputed from
//! the truth by rules.md "More eligibility" and "Duplicate beneficiaries":
//! 特困 for a month the person's hire is paid; 困难残疾人生活补贴 for a month
//! the household has no 低保; a pension or 计生奖扶 for a month whose last
//! day finds the person under 60; a funeral subsidy for the living or
//! before the death; a funeral paid twice for one person; one item paid
//! twice by one program.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::{case, loaded};
use crate::dataset::id_number::birth_date;
use crate::finding::Category;
use crate::r#gen::labels::Case;
use crate::r#gen::model::*;
use crate::r#gen::truth::paid_months;

pub(super) fn eligibility(w: &World, v: &Village, out: &mut BTreeSet<Case>) {
    // Who is paid wages in which month, street-wide.
    let on_wages = |p: PRef, m: u32| {
        w.villages
            .iter()
            .flat_map(|x| &x.hires)
            .any(|h| h.person == p && paid_months(h).contains(&m))
    };
    let dibao: HashSet<(Option<u32>, u32)> = v
        .subsidies
        .iter()
        .filter(|r| v.batches[r.batch as usize].program == Program::Dibao && r.person.v == v.index)
        .map(|r| {
            (
                w.person(r.person).household,
                v.batches[r.batch as usize].month,
            )
        })
        .collect();
    for r in &v.subsidies {
        let b = &v.batches[r.batch as usize];
        let Some(id) = loaded(&r.id) else { continue };
        let q = w.person(r.person);
        let bad = match b.program {
            Program::Tekun => on_wages(r.person, b.month),
            Program::Kunnan => !dibao.contains(&(q.household, b.month)),
            Program::Pension | Program::Jisheng => {
                birth_date(&id).is_some_and(|birth| age_on(birth, month_end(YEAR, b.month)) < 60)
            }
            Program::Funeral => q.death.is_none_or(|d| r.paid < d),
            _ => false,
        };
        if bad {
            case(out, Category::Eligibility, &v.code, &id);
        }
    }
}

/// Normalised item numbers of a cell.
fn items(cell: &str) -> Vec<String> {
    cell.split([';', '；', ',', '，', '、', '/'])
        .map(|t| {
            t.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_uppercase)
                .collect::<String>()
        })
        .filter(|t| t.chars().count() >= 4 && t.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

pub(super) fn duplicates(w: &World, out: &mut BTreeSet<Case>) {
    // (program, key) -> (villages, ids)
    let mut groups: BTreeMap<(Program, String), (BTreeSet<u32>, Vec<String>)> = BTreeMap::new();
    for v in &w.villages {
        for r in &v.subsidies {
            let program = v.batches[r.batch as usize].program;
            let Some(id) = loaded(&r.id) else { continue };
            let keys = match program {
                Program::Funeral => vec![id.clone()],
                Program::Nongji | Program::Pig | Program::Facility => items(&r.item_id),
                _ => continue,
            };
            for k in keys {
                let g = groups.entry((program, k)).or_default();
                g.0.insert(v.index);
                g.1.push(id.clone());
            }
        }
    }
    for ((_, _), (villages, ids)) in groups {
        if ids.len() < 2 {
            continue;
        }
        let mut codes: Vec<&str> = villages
            .iter()
            .map(|&i| w.villages[i as usize].code.as_str())
            .collect();
        codes.sort();
        let subject = ids.iter().min().cloned().unwrap_or_default();
        case(
            out,
            Category::DuplicateBeneficiary,
            &codes.join(";"),
            &subject,
        );
    }
}
