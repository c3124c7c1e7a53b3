use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{as_of, day, member_key, subject_of};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::rules::common::views::PartyTransfersView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A party-membership transfer (转入 or 转出) whose letter was not received
within its validity: received (回执/报到) after `letter_date` + `valid_days`,
or not received while that day is before the as-of date (the latest date in
the party tables). A letter without `valid_days` is valid for
`default-valid-days`. Received on the last valid day is in time.

## Why it matters
《中国共产党党员组织关系转接办法》: a member reports to the receiving branch
within the letter's validity, and the branch returns the 回执. A letter
never received is a member outside any branch (口袋党员), paying no dues
and out of sight; a member who does not report within six months without
good reason is treated as 自行脱党 (党章 第九条).

## Parameters
- `default-valid-days` (90): validity of a letter that states none.

## Known false positives
A 回执 received but not entered; a letter reissued after it expired (the
first letter then reads as unreceived: check for a later one).
";

/// 组织关系转接逾期未接收.
pub struct TransferUnreceived;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub default_valid_days: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            default_valid_days: 90,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "PTY003",
    name: "transfer_unreceived",
    category: Category::PartyAffairs,
    severity: Severity::Medium,
    summary: "party transfer letter not received within its validity (default 90 days)",
    doc: DOC,
    needs: &[TableKind::PartyTransfers],
    processes: &[24],
};

impl Rule for TransferUnreceived {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(t) = PartyTransfersView::load(ds)? else {
            return Ok(vec![]);
        };
        let as_of = as_of(ds)?;
        let mut out = Vec::new();
        for i in 0..t.height() {
            let (Some(v), Some(letter)) = (t.village.get(i), t.letter.get(i)) else {
                continue;
            };
            let Some(key) = member_key(t.id.get(i), t.name.get(i)) else {
                continue;
            };
            let valid = t
                .valid_days
                .get(i)
                .filter(|d| d.is_finite() && *d > 0.0)
                .map_or(p.default_valid_days, |d| d.round() as i64);
            let deadline = letter + valid as i32;
            let received = t.received.get(i);
            let late = match received {
                Some(r) if r > deadline => Some(r - deadline),
                None => as_of.filter(|&a| a > deadline).map(|a| a - deadline),
                Some(_) => None,
            };
            let Some(late) = late else { continue };
            let name = t.name.get(i).unwrap_or_default();
            let dir = t.direction.get(i).unwrap_or_default();
            let what = match received {
                Some(r) => format!("至{}才回执/报到，超出有效期{late}天", day(r)),
                None => format!(
                    "有效期于{}届满，至{}仍无回执/报到记录",
                    day(deadline),
                    as_of.map(day).unwrap_or_default()
                ),
            };
            out.push(
                META.finding(v, subject_of(&key))
                    .score(if received.is_none() { 55.0 } else { 45.0 })
                    .message(format!(
                        "党员“{name}”组织关系{dir}介绍信于{}开具（有效期{valid}天），{what}，请核实党员是否按期报到、是否成为“口袋党员”",
                        day(letter)
                    ))
                    .evidence(json!({
                        "row": t.row.get(i).unwrap_or_default(),
                        "name": name,
                        "direction": dir,
                        "letter_date": day(letter),
                        "valid_days": valid,
                        "deadline": day(deadline),
                        "received_date": received.map(day),
                        "as_of": as_of.map(day),
                        "days_late": late,
                    })),
            );
        }
        Ok(out)
    }
}
