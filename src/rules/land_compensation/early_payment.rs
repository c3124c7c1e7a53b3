use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Payment, payments};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::decisions::DecisionIndex;
use crate::rules::common::util::day_string;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A compensation batch (`batch_no` in a village) paid before its plan's
objection period was over: a row paid on or before `plan_objection_end`,
or a plan published for fewer than `min-publicity-days` days
(`plan_published_date` to `plan_objection_end`, both counted); or a batch
with no valid distribution decision (no `decision_no`, or one the
decisions table does not hold). One finding per batch, its subject the
`batch_no`, the people paid early among its related ids (the data contract
keys `land_compensation` by id number); a batch without a decision is reported here, not also by
DEC001.

## Why it matters
《土地管理法实施条例》第二十八条: the compensation plan is published for at
least 30 days so that the collective's members can object; its
distribution among members is decided by the collective (村民会议,
四议两公开). Money paid before either is paid on a plan nobody could
contest.

## Parameters
- `min-publicity-days` (30): days the plan must be published.

## Known false positives
Advance payments (预付) to households whose land was entered first, agreed
in writing; a decision recorded under the plan's number instead of its own.
";

/// 公告期未满或无分配决议即发放.
pub struct EarlyPayment;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_publicity_days: i32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_publicity_days: 30,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "LND003",
    name: "compensation_before_objection_end",
    category: Category::LandCompensation,
    severity: Severity::High,
    summary: "compensation paid on/before the plan's objection end, plan published < 30 days, or no distribution decision",
    doc: DOC,
    needs: &[TableKind::LandCompensation],
    processes: &[6],
};

impl Rule for EarlyPayment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(rows) = payments(ds)? else {
            return Ok(vec![]);
        };
        let decisions = DecisionIndex::shared(ds)?;
        let mut batches: BTreeMap<(&str, &str), Vec<&Payment>> = BTreeMap::new();
        for r in &rows {
            batches.entry((&r.village, &r.batch)).or_default().push(r);
        }
        // Evidence follows the file's row numbers, not the order read.
        for rs in batches.values_mut() {
            rs.sort_by_key(|r| r.row);
        }
        let mut out = Vec::new();
        for ((village, batch), rs) in batches {
            let published = rs.iter().filter_map(|r| r.published).min();
            let end = rs.iter().filter_map(|r| r.objection_end).max();
            let mut reasons = Vec::new();
            let days = published.zip(end).map(|(s, e)| e - s + 1);
            if let Some(d) = days.filter(|d| *d < p.min_publicity_days) {
                reasons.push(format!(
                    "补偿方案公告期仅{d}天（少于{}天）",
                    p.min_publicity_days
                ));
            }
            let early: Vec<&&Payment> = match end {
                Some(e) => rs
                    .iter()
                    .filter(|r| r.paid.is_some_and(|d| d <= e))
                    .collect(),
                None => vec![],
            };
            if let Some(e) = end.filter(|_| !early.is_empty()) {
                reasons.push(format!(
                    "{}笔在公告期满日{}当日或之前发放",
                    early.len(),
                    day_string(e)
                ));
            }
            let decision = rs
                .iter()
                .map(|r| r.decision.as_str())
                .find(|d| !d.is_empty());
            let decided = decision.is_some_and(|d| decisions.covers(village, d));
            if !decided {
                reasons.push(match decision {
                    None => "无分配方案决议".to_string(),
                    Some(d) => format!("所引分配方案决议{d}不存在"),
                });
            }
            if reasons.is_empty() {
                continue;
            }
            let total: i64 = rs.iter().map(|r| r.amount).sum();
            // The people paid early are subjects of the case too (§4 keys
            // land_compensation by id number); a short plan or a missing
            // decision is the batch's fact, under its number alone.
            let paid_early = payees(early.iter().map(|r| **r));
            let listed: Vec<&&Payment> = if early.is_empty() {
                rs.iter().collect()
            } else {
                early
            };
            out.push(
                META.finding(village, batch)
                    .related(paid_early)
                    .score(70.0)
                    .amount(total)
                    .message(format!(
                        "征地批次{batch}（{}户，合计{}）{}，请核实补偿方案是否依法公告满期并经集体决议后发放",
                        rs.len(),
                        fen_to_yuan_display(total),
                        reasons.join("；")
                    ))
                    .evidence(json!({
                        "batch_no": batch,
                        "plan_published_date": published.map(day_string),
                        "plan_objection_end": end.map(day_string),
                        "publicity_days": days,
                        "min_publicity_days": p.min_publicity_days,
                        "decision_no": decision,
                        "decision_valid": decided,
                        "total": fen_to_yuan_string(total),
                        "payments": listed.iter().take(50).map(|r| r.evidence()).collect::<Vec<_>>(),
                    })),
            );
        }
        Ok(out)
    }
}

/// The id numbers of the people paid, once each, in order.
fn payees<'a>(rs: impl Iterator<Item = &'a Payment>) -> Vec<String> {
    let ids: std::collections::BTreeSet<&str> = rs
        .map(|r| r.id.as_str())
        .filter(|id| !id.is_empty())
        .collect();
    ids.into_iter().map(str::to_string).collect()
}
