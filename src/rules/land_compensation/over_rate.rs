use serde::{Deserialize, Serialize};
use serde_json::json;

use super::payments;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A compensation payment above what its row says is due: `area` × `rate`
(元/亩) + `attachments` (地上附着物及青苗补偿), beyond `tolerance`.

## Why it matters
Compensation is fixed by the published plan (《土地管理法》第四十八条,
《土地管理法实施条例》第三十二条); paying above area × rate is how
compensation is inflated for a favoured household or skimmed back.

## Parameters
- `tolerance` (0.01): share above the computed amount that is rounding, not a case.

## Known false positives
Other items (安置补助, 社保补贴) paid on the same row without their own
column; areas surveyed again after the plan.
";

/// 超标准发放补偿款.
pub struct OverRate;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub tolerance: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params { tolerance: 0.01 }
    }
}

const META: RuleMeta = RuleMeta {
    code: "LND001",
    name: "compensation_over_rate",
    category: Category::LandCompensation,
    severity: Severity::High,
    summary: "compensation paid beyond area × rate + attachments (over 1 %)",
    doc: DOC,
    needs: &[TableKind::LandCompensation],
    processes: &[6],
};

impl Rule for OverRate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(rows) = payments(ds)? else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for r in &rows {
            let (Some(area), Some(rate)) = (r.area, r.rate) else {
                continue;
            };
            let due = (area * rate as f64).round() as i64 + r.attachments;
            let excess = r.amount - due;
            if excess as f64 <= p.tolerance * due as f64 || excess <= 0 {
                continue;
            }
            out.push(
                META.finding(&r.village, r.subject())
                    .score(if excess as f64 > 0.2 * due as f64 { 80.0 } else { 65.0 })
                    .amount(excess)
                    .message(format!(
                        "{}在征地批次{}实发补偿款{}，按面积{}亩×标准{}/亩+附着物{}应为{}，多发{}，请核实超标准发放的依据",
                        r.name,
                        r.batch,
                        fen_to_yuan_display(r.amount),
                        area,
                        fen_to_yuan_display(rate),
                        fen_to_yuan_display(r.attachments),
                        fen_to_yuan_display(due),
                        fen_to_yuan_display(excess)
                    ))
                    .evidence(json!({
                        "payment": r.evidence(),
                        "due": fen_to_yuan_string(due),
                        "excess": fen_to_yuan_string(excess),
                        "tolerance": p.tolerance,
                    })),
            );
        }
        Ok(out)
    }
}
