use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Rule, parse_params, rule_params, util};
use crate::dataset::id_number::{birth_date, id_problem};
use crate::dataset::normalize::{fen_to_yuan_display, fen_to_yuan_string, from_epoch_days};
use crate::dataset::{Dataset, ROW, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};

const DOC: &str = "\
## What it flags
Payments the person cannot be eligible for by the facts in the data:
- an old-age allowance (尊老金, 高龄津贴) for a period in which the person,
  by the birth date in the id number, had not reached the youngest age band;
- any subsidy paid, or any period paid for, before the person was born.
One finding per village, person and reason, listing every payment row.

## Why it matters
尊老金 starts at 80 周岁 (bands 80/90/100). A younger person on the roll is a
冒领 or a wrong id number; a payment before birth is always a fabricated
record.

## Parameters
- `old-age-programs` ([\"尊老金\", \"高龄津贴\", \"高龄补贴\"]): program names of the old-age allowance.
- `age-bands` ([80, 90, 100]): ages in years; the first is the youngest eligible age.

## Known false positives
A wrong birth date in the id number (the person's real age is right): the
id is then usually also flagged by ID001. A locality paying from 70 must set
`age-bands`.
";

/// 不符合条件: old-age allowance below the age band; payment before birth.
pub struct Eligibility;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub old_age_programs: Vec<String>,
    pub age_bands: Vec<u32>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            old_age_programs: ["尊老金", "高龄津贴", "高龄补贴"]
                .map(String::from)
                .to_vec(),
            age_bands: vec![80, 90, 100],
        }
    }
}

/// Age in completed years on `on`.
fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

fn last_day_of_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .expect("valid month")
        .pred_opt()
        .expect("has a day before")
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reason {
    BelowAgeBand,
    BeforeBirth,
}

impl Rule for Eligibility {
    fn code(&self) -> &'static str {
        "ELG001"
    }
    fn name(&self) -> &'static str {
        "eligibility"
    }
    fn category(&self) -> Category {
        Category::Eligibility
    }
    fn severity(&self) -> Severity {
        Severity::High
    }
    fn doc(&self) -> &'static str {
        DOC
    }
    fn needs(&self) -> &'static [TableKind] {
        &[TableKind::Subsidies]
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let code = self.code();
        let p: Params = parse_params(params).map_err(|e| Error::rule(code, e))?;
        let min_age = p.age_bands.iter().copied().min().unwrap_or(80) as i32;
        let Some(df) = ds.frame(TableKind::Subsidies) else {
            return Ok(vec![]);
        };
        let program = util::str_col(code, df, "program")?;
        let village = util::str_col(code, df, "village_code")?;
        let id = util::str_col(code, df, "id_number")?;
        let name = util::str_col(code, df, "name")?;
        let period = util::date_col(code, df, "period")?;
        let paid = util::date_col(code, df, "paid_date")?;
        let amount = util::i64_col(code, df, "amount")?;
        let rows = util::u32_col(code, df, ROW)?;

        type Key = (String, String, Reason);
        let mut groups: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
        let mut births: BTreeMap<String, NaiveDate> = BTreeMap::new();
        for i in 0..df.height() {
            let (Some(idn), Some(v), Some(per)) = (id.get(i), village.get(i), period.get(i)) else {
                continue;
            };
            // An id failing its check gives no trustworthy birth date (ID001 reports it).
            if idn.len() != 18 || id_problem(idn).is_some() {
                continue;
            }
            let Some(birth) = birth_date(idn) else {
                continue;
            };
            let Some(per) = from_epoch_days(per) else {
                continue;
            };
            let paid_day = paid.get(i).and_then(from_epoch_days);
            let reason = if last_day_of_month(per) < birth || paid_day.is_some_and(|d| d < birth) {
                Some(Reason::BeforeBirth)
            } else if program
                .get(i)
                .is_some_and(|pg| p.old_age_programs.iter().any(|o| o == pg))
                && age_on(birth, last_day_of_month(per)) < min_age
            {
                Some(Reason::BelowAgeBand)
            } else {
                None
            };
            if let Some(r) = reason {
                births.insert(idn.to_string(), birth);
                groups
                    .entry((v.to_string(), idn.to_string(), r))
                    .or_default()
                    .push(i);
            }
        }
        let mut out = Vec::new();
        for ((v, idn, reason), idx) in groups {
            let birth = births[&idn];
            let total: i64 = idx.iter().filter_map(|&i| amount.get(i)).sum();
            let who = name.get(idx[0]).unwrap_or_default();
            let payments: Vec<_> = idx
                .iter()
                .map(|&i| {
                    let per = period.get(i).and_then(from_epoch_days);
                    json!({
                        "row": rows.get(i),
                        "program": program.get(i),
                        "period": per.map(|d| d.format("%Y-%m").to_string()),
                        "paid_date": paid.get(i).map(util::day_string),
                        "amount": fen_to_yuan_string(amount.get(i).unwrap_or_default()),
                        "age_at_period_end": per.map(|d| age_on(birth, last_day_of_month(d))),
                    })
                })
                .collect();
            let (message, score) = match reason {
                Reason::BelowAgeBand => {
                    let youngest = idx
                        .iter()
                        .filter_map(|&i| period.get(i).and_then(from_epoch_days))
                        .map(|d| age_on(birth, last_day_of_month(d)))
                        .min()
                        .unwrap_or_default();
                    (
                        format!(
                            "{who}（身份证号出生日期{}）领取{}{}笔共{}，发放时仅{youngest}周岁，未达{min_age}周岁，请核实是否冒领并追缴",
                            birth.format("%Y-%m-%d"),
                            program.get(idx[0]).unwrap_or_default(),
                            idx.len(),
                            fen_to_yuan_display(total)
                        ),
                        70.0,
                    )
                }
                Reason::BeforeBirth => (
                    format!(
                        "{who}出生于{}，却有{}笔在出生前的发放记录共{}，请核实身份证号及发放记录真实性",
                        birth.format("%Y-%m-%d"),
                        idx.len(),
                        fen_to_yuan_display(total)
                    ),
                    75.0,
                ),
            };
            out.push(
                Finding::new(code, Category::Eligibility, Severity::High, &v, &idn)
                    .score(score)
                    .amount(total)
                    .message(message)
                    .evidence(json!({
                        "reason": match reason { Reason::BelowAgeBand => "below_age_band", Reason::BeforeBirth => "before_birth" },
                        "name": who,
                        "birth_date": birth.format("%Y-%m-%d").to_string(),
                        "min_age": min_age,
                        "total": fen_to_yuan_string(total),
                        "payments": payments,
                    })),
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_in_completed_years() {
        let b = NaiveDate::from_ymd_opt(1945, 6, 15).unwrap();
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2025, 6, 14).unwrap()), 79);
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()), 80);
    }
}
