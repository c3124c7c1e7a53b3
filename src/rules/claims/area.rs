use std::collections::HashMap;

use chrono::Datelike;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::claims;
use crate::dataset::normalize::from_epoch_days;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::fen_to_yuan_display;
use crate::rules::common::people::{ProgramMatch, program_match_any};
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
An insurance claim for more land than the person can have lost: a
`loss_area` above the `insured_area`, or an `insured_area` above the
person's 耕地地力保护补贴 area (`quantity` on the roll, programs
`land-programs`, the largest of the year the claim was paid) beyond
`tolerance` 亩. A person not on that roll that year is not judged on the
second count (they may farm rented land).

## Why it matters
Claims are paid on the area insured and lost; insuring more land than the
household farms, or claiming more loss than was insured, is how 农业保险
claims are inflated (虚假投保、虚假理赔, 《农业保险条例》第十六、二十七条).

## Parameters
- `land-programs` ([\"耕地地力保护补贴\"]): roll programs that give a person's contracted area.
- `tolerance` (0.01): 亩 of difference that is rounding.

## Known false positives
Land rented in from other households (insured by the tenant, subsidised to
the owner), and claims on crops grown on land outside the roll (林地, 水面).
";

/// 理赔面积超出投保或承包面积.
pub struct ClaimArea;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub land_programs: Vec<String>,
    pub tolerance: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            land_programs: vec!["耕地地力保护补贴".to_string()],
            tolerance: 0.01,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "CLM001",
    name: "claim_area",
    category: Category::Eligibility,
    severity: Severity::High,
    summary: "insurance claim: loss area above insured area, or insured area above the person's 耕地地力 area",
    doc: DOC,
    needs: &[TableKind::Claims],
    processes: &[19],
};

fn year(days: i32) -> i32 {
    from_epoch_days(days).map(|d| d.year()).unwrap_or_default()
}

impl Rule for ClaimArea {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(rows) = claims(ds)? else {
            return Ok(vec![]);
        };
        // (id, year) → the largest 耕地地力 area on the roll.
        let mut land: HashMap<(String, i32), f64> = HashMap::new();
        if let Some(s) = SubsidiesView::load(ds)? {
            for i in 0..s.height() {
                let (Some(id), Some(q)) = (s.id.get(i), s.quantity.get(i)) else {
                    continue;
                };
                let prog = s.program.get(i).unwrap_or_default();
                if program_match_any(&p.land_programs, prog) != ProgramMatch::Yes {
                    continue;
                }
                let Some(d) = s.paid.get(i).or(s.period.get(i)) else {
                    continue;
                };
                let e = land.entry((id.to_string(), year(d))).or_insert(0.0);
                *e = e.max(q);
            }
        }
        let mut out = Vec::new();
        for c in &rows {
            let mut reasons = Vec::new();
            if let (Some(i), Some(l)) = (c.insured, c.loss)
                && l > i + p.tolerance
            {
                reasons.push(format!("受灾面积{l}亩超过投保面积{i}亩"));
            }
            let roll = c
                .paid
                .and_then(|d| land.get(&(c.id.clone(), year(d))))
                .copied();
            if let (Some(i), Some(r)) = (c.insured, roll)
                && i > r + p.tolerance
            {
                reasons.push(format!("投保面积{i}亩超过其当年耕地地力保护补贴面积{r}亩"));
            }
            if reasons.is_empty() {
                continue;
            }
            out.push(
                META.finding(&c.village, c.subject())
                    .score(70.0)
                    .amount(c.amount)
                    .related([c.policy.clone()])
                    .message(format!(
                        "{}的农业保险理赔（保单{}，理赔{}）{}，请核实投保及受灾面积是否真实",
                        c.name,
                        c.policy,
                        fen_to_yuan_display(c.amount),
                        reasons.join("；")
                    ))
                    .evidence(json!({
                        "claim": c.evidence(),
                        "roll_area": roll,
                        "tolerance": p.tolerance,
                    })),
            );
        }
        Ok(out)
    }
}
