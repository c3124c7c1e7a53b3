use std::collections::BTreeSet;

use polars::prelude::PlHashSet;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Faulted, HouseholdKey, Households, listed, standing_rows};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::programs::Programs;
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
困难残疾人生活补贴 paid for a month in which the recipient's household has
no 低保 on the roll: neither the recipient nor any member of the household
(the register's household for the id number, else the roll's 户号) is paid
低保 for that month. Only rows whose program names the 生活补贴 (a program
containing one of `programs`) are judged: the combined `残疾人两项补贴`
may be the 护理补贴, which does not depend on 低保. A month is judged only
when the roll holds the village's 低保 for that month (a roll exported
without that month's 低保 proves nothing), and a person whose household is
unknown is not judged.

## Why it matters
困难残疾人生活补贴 is for disabled people in 低保 households
(国发〔2015〕52号, and most provinces' rules that follow it; some extend it
to 低保边缘 households). Paid to a household that left 低保, or never was,
it is to be stopped and recovered.

## Parameters
- `programs` ([\"困难残疾人生活补贴\"]): program names of the 生活补贴.
- `dibao-programs` ([\"低保\", \"最低生活保障\"]): program names of 低保.

## Known false positives
Provinces that extend the 生活补贴 to 低保边缘 or 特困 households (the
latter: DUP002 reports 特困 with the 生活补贴). A 低保 paid under a member
registered in another household.
";

/// 困难残疾人生活补贴 with no 低保 in the household.
pub struct DisabilityDibao;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub programs: Vec<String>,
    pub dibao_programs: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            programs: vec!["困难残疾人生活补贴".into()],
            dibao_programs: ["低保", "最低生活保障"].map(String::from).to_vec(),
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "ELG004",
    name: "disability_without_dibao",
    category: Category::Eligibility,
    severity: Severity::Medium,
    summary: "困难残疾人生活补贴 for a month with no 低保 in the household",
    doc: DOC,
    needs: &[TableKind::Subsidies],
    processes: &[15],
};

impl Rule for DisabilityDibao {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(roll) = SubsidiesView::load(ds)? else {
            return Ok(vec![]);
        };
        let homes = Households::load(ds)?;
        let mut dibao = Programs::new(&p.dibao_programs);
        let mut living = Programs::new(&p.programs);
        // Who has 低保 when: households and persons, per month; and the
        // months each village's roll pays 低保 at all.
        let mut covered: PlHashSet<(HouseholdKey, i32)> = PlHashSet::default();
        let mut persons: PlHashSet<(&str, i32)> = PlHashSet::default();
        let mut rolled: PlHashSet<(&str, i32)> = PlHashSet::default();
        for i in standing_rows(&roll, |i| dibao.has(roll.program.get(i))) {
            let (Some(m), Some(v), Some(id)) = (roll.month(i), roll.village.get(i), roll.id.get(i))
            else {
                continue;
            };
            rolled.insert((v, m));
            persons.insert((id, m));
            if let Some(k) = homes.of_row(&roll, i) {
                covered.insert((k, m));
            }
        }
        let mut faulted = Faulted::new();
        let mut homes_of = Vec::new();
        for i in standing_rows(&roll, |i| living.has(roll.program.get(i))) {
            let (Some(m), Some(v), Some(id)) = (roll.month(i), roll.village.get(i), roll.id.get(i))
            else {
                continue;
            };
            let Some(k) = homes.of_row(&roll, i) else {
                continue;
            };
            if !rolled.contains(&(v, m))
                || persons.contains(&(id, m))
                || covered.contains(&(k.clone(), m))
            {
                continue;
            }
            faulted.add(&roll, i, ());
            homes_of.push((i, k));
        }
        let mut out = Vec::new();
        for ((v, id, ()), rows) in faulted.groups {
            let set: BTreeSet<usize> = rows.iter().copied().collect();
            let household = homes_of
                .iter()
                .find(|(i, _)| set.contains(i))
                .map(|(_, k)| k.1.to_string())
                .unwrap_or_default();
            let l = listed(&roll, rows);
            let name = roll.name.get(l.rows[0]).unwrap_or_default();
            let message = format!(
                "{name}在{}领取困难残疾人生活补贴{}笔共{}，同期其家庭（户号{household}）无低保发放记录，请核实是否仍属低保家庭并停发追缴",
                l.months,
                l.rows.len(),
                fen_to_yuan_display(l.total),
            );
            out.push(
                META.finding(&v, &id)
                    .score(55.0)
                    .amount(l.total)
                    .message(message)
                    .evidence(json!({
                        "name": name,
                        "household_id": household,
                        "household_members": homes.members(&(v.as_str(), household.as_str())),
                        "months": l.months,
                        "total": fen_to_yuan_string(l.total),
                        "payments": l.payments,
                    })),
            );
        }
        Ok(out)
    }
}
