use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::payments;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::fen_to_yuan_display;
use crate::rules::common::util::day_string;
use crate::rules::common::views::HouseholdsView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
Compensation paid to someone who is not on the village's household
register (`households`, same `village_code`; by id number, by name when the
row has no id), or who was registered there (`moved_in_date`) less than
`min-days` days before the plan was published (`plan_published_date`). A
blank `moved_in_date` is a long-standing resident.

## Why it matters
Compensation goes to the members of the collective whose land is taken
(《土地管理法》第四十七、四十八条). Moving people onto the register just
before a plan (突击落户) or paying outsiders is how it is diverted.

## Parameters
- `min-days` (180): days on the register before the plan below which a move is suspect.

## Known false positives
Members whose register entry is in another village of the street (a
married-in spouse not yet moved), newborns registered after birth, and a
register export that lacks part of the village.
";

/// 非本集体成员或突击落户领取补偿.
pub struct Outsider;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_days: i32,
}

impl Default for Params {
    fn default() -> Self {
        Params { min_days: 180 }
    }
}

const META: RuleMeta = RuleMeta {
    code: "LND002",
    name: "compensation_outsider",
    category: Category::LandCompensation,
    severity: Severity::High,
    summary: "compensation paid to someone not on the village register, or registered < 180 days before the plan",
    doc: DOC,
    needs: &[TableKind::LandCompensation, TableKind::Households],
    processes: &[6],
};

impl Rule for Outsider {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let (Some(rows), Some(h)) = (payments(ds)?, HouseholdsView::load(ds)?) else {
            return Ok(vec![]);
        };
        // (village, id or name) → (moved in, register row), for the people
        // paid only: the register is a street's whole population.
        let wanted: std::collections::HashSet<(&str, &str)> = rows
            .iter()
            .map(|r| {
                let key = if r.id.is_empty() { &r.name } else { &r.id };
                (r.village.as_str(), key.as_str())
            })
            .collect();
        let mut register: HashMap<(&str, &str), (Option<i32>, u32)> = HashMap::new();
        for i in 0..h.height() {
            let Some(v) = h.village.get(i) else { continue };
            // The first entry by row number, whatever the order read.
            for key in [h.id.get(i), h.name.get(i)].into_iter().flatten() {
                if !key.is_empty() && wanted.contains(&(v, key)) {
                    let entry = (h.moved_in.get(i), h.row.get(i).unwrap_or_default());
                    let e = register.entry((v, key)).or_insert(entry);
                    if entry.1 < e.1 {
                        *e = entry;
                    }
                }
            }
        }
        let mut out = Vec::new();
        for r in &rows {
            let key = if r.id.is_empty() { &r.name } else { &r.id };
            let why = match register.get(&(r.village.as_str(), key.as_str())) {
                None => format!("不在本村户籍名册中"),
                Some((Some(m), _)) => match r.published {
                    Some(pubd) if pubd - m < p.min_days => format!(
                        "于{}迁入，距补偿方案公告{}仅{}天（少于{}天）",
                        day_string(*m),
                        day_string(pubd),
                        pubd - m,
                        p.min_days
                    ),
                    _ => continue,
                },
                Some((None, _)) => continue,
            };
            let reg = register.get(&(r.village.as_str(), key.as_str()));
            out.push(
                META.finding(&r.village, r.subject())
                    .score(if reg.is_none() { 75.0 } else { 70.0 })
                    .amount(r.amount)
                    .message(format!(
                        "{}{}，却在征地批次{}领取补偿款{}，请核实其集体经济组织成员资格及落户情况",
                        r.name,
                        why,
                        r.batch,
                        fen_to_yuan_display(r.amount)
                    ))
                    .evidence(json!({
                        "payment": r.evidence(),
                        "on_register": reg.is_some(),
                        "register_row": reg.map(|x| x.1),
                        "moved_in_date": reg.and_then(|x| x.0).map(day_string),
                        "min_days": p.min_days,
                    })),
            );
        }
        Ok(out)
    }
}
