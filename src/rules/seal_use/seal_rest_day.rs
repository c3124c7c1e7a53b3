use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::rules::common::calendar::{Calendar, Day};
use crate::rules::common::views::SealLogView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A seal used on a weekend or a public holiday (`rules/holidays.toml`); a
weekend made a working day by 调休 is a working day. A weak signal
(`weak_signal`, low): not a case alone, it raises a case on the same
record (subject: the entry number; the number it cites is a related id).
A year the holiday data does not list is judged by weekends alone.

## Why it matters
Seals are kept in the village office and used in office hours under the
register's approval; a use on a rest day is a use outside that routine,
which is when a seal is lent out or stamped on papers no one approved.

## Parameters
- `holidays` (true): public holidays count as rest days too (else weekends
  only).

## Known false positives
Urgent business on a weekend (a relief payment, a flood), and records
dated on the day they were entered rather than the day of the use.
";

/// 节假日用印 (weak signal).
pub struct SealRestDay;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub holidays: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params { holidays: true }
    }
}

const META: RuleMeta = RuleMeta {
    code: "SEA003",
    name: "seal_rest_day",
    category: Category::WeakSignal,
    severity: Severity::Low,
    summary: "seal used on a weekend or public holidays (调休 working days are working days; weak)",
    doc: DOC,
    needs: &[TableKind::SealLog],
    processes: &[26],
};

impl Rule for SealRestDay {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(s) = SealLogView::load(ds)? else {
            return Ok(vec![]);
        };
        let cal = Calendar::builtin();
        let mut out = Vec::new();
        for i in 0..s.height() {
            let (Some(v), Some(entry), Some(d)) = (s.village.get(i), s.entry.get(i), s.date.get(i))
            else {
                continue;
            };
            let Some((date, kind)) = cal.day_of_epoch(d) else {
                continue;
            };
            let rest = match &kind {
                Day::Weekend => true,
                Day::Holiday(_) => p.holidays,
                Day::Working { .. } => false,
            };
            if !rest {
                continue;
            }
            let label = kind.label_zh(date);
            let ref_no = s.ref_no.get(i).unwrap_or_default();
            out.push(
                META.finding(v, entry)
                    // A weak signal's score, as WEAK001–007's.
                    .score(5.0)
                    .related([ref_no.to_string()])
                    .message(format!(
                        "印章使用登记{entry}于{}（{label}）用印（{}），非工作日用印，请结合其他线索核实",
                        date.format("%Y-%m-%d"),
                        s.purpose.get(i).unwrap_or_default()
                    ))
                    .evidence(json!({
                        "row": s.row.get(i).unwrap_or_default(),
                        "entry_no": entry,
                        "date": date.format("%Y-%m-%d").to_string(),
                        "day": label,
                        "seal": s.seal.get(i).unwrap_or_default(),
                        "purpose": s.purpose.get(i).unwrap_or_default(),
                        "ref_no": ref_no,
                        "applicant": s.applicant.get(i).unwrap_or_default(),
                        "approver": s.approver.get(i).unwrap_or_default(),
                    })),
            );
        }
        Ok(out)
    }
}
