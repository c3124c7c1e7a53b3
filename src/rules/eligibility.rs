use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::PlHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::age::{age_on, last_day_of_month};
use super::common::people::program_is;
use super::common::util;
use super::common::views::SubsidiesView;
use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::id_number::{birth_date, id_problem};
use crate::dataset::normalize::from_epoch_days;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};

const DOC: &str = "\
## What it flags
Payments the person cannot be eligible for by the facts in the data:
- an old-age allowance (尊老金, 高龄津贴) for a period in which the person,
  by the birth date in the id number, had not reached the youngest age band;
  when the roll's program names its band (`尊老金(90-99周岁)`,
  `高龄津贴100周岁以上`), the age that band requires;
- an old-age allowance above the standard of the person's band, when the
  locality sets `band-amounts` (off by default: standards differ by place);
- any subsidy paid, or any period paid for, before the person was born.
One finding per village, person and reason, listing every payment row.

## Why it matters
尊老金 starts at 80 周岁 (bands 80/90/100). A younger person on the roll is a
冒领 or a wrong id number; a payment before birth is always a fabricated
record.

## Parameters
- `old-age-programs` ([\"尊老金\", \"高龄津贴\", \"高龄补贴\"]): program names of the old-age allowance.
- `age-bands` ([80, 90, 100]): ages in years; the first is the youngest eligible age.
- `band-amounts` ([]): yuan per 发放期间 row for each band of `age-bands`, in
  the same order (e.g. [100, 200, 500]); empty: amounts are not checked.
  Set it only where the roll pays one row per month.

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
    pub band_amounts: Vec<f64>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            old_age_programs: ["尊老金", "高龄津贴", "高龄补贴"]
                .map(String::from)
                .to_vec(),
            age_bands: vec![80, 90, 100],
            band_amounts: vec![],
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reason {
    BelowAgeBand,
    BeforeBirth,
    AboveBandAmount,
}

/// The band a roll's program names, if it names one: the first age in
/// 60–120 written in it (`尊老金(90-99周岁)` → 90).
fn band_in_name(program: &str) -> Option<i32> {
    let mut digits = String::new();
    let mut found = Vec::new();
    for c in program.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !digits.is_empty() {
            found.push(std::mem::take(&mut digits));
        }
    }
    found
        .iter()
        .filter_map(|d| d.parse::<i32>().ok())
        .find(|a| (60..=120).contains(a))
}

const META: RuleMeta = RuleMeta {
    code: "ELG001",
    name: "eligibility",
    category: Category::Eligibility,
    severity: Severity::High,
    summary: "尊老金 below the youngest age band; payment before birth",
    doc: DOC,
    needs: &[TableKind::Subsidies],
    processes: &[29],
};

/// A person's payments failing one reason: (village, id number, reason).
type Key = (String, String, Reason);

/// The youngest and oldest age at a period's end over a person's
/// payments, and the highest band standard.
struct Ages {
    youngest: i32,
    oldest: i32,
    standard: i64,
}

/// The message and score of a person's case.
#[allow(clippy::too_many_arguments)]
fn message(
    reason: Reason,
    who: &str,
    birth: NaiveDate,
    program: &str,
    n: usize,
    total: i64,
    required: i32,
    ages: &Ages,
) -> (String, f64) {
    match reason {
        Reason::BelowAgeBand => (
            format!(
                "{who}（身份证号出生日期{}）领取{}{}笔共{}，发放时仅{}周岁，未达{required}周岁，请核实是否冒领并追缴",
                birth.format("%Y-%m-%d"),
                program,
                n,
                fen_to_yuan_display(total),
                ages.youngest
            ),
            70.0,
        ),
        Reason::BeforeBirth => (
            format!(
                "{who}出生于{}，却有{}笔在出生前的发放记录共{}，请核实身份证号及发放记录真实性",
                birth.format("%Y-%m-%d"),
                n,
                fen_to_yuan_display(total)
            ),
            75.0,
        ),
        Reason::AboveBandAmount => (
            format!(
                "{who}（{}周岁）领取{}{}笔超过所在年龄段标准{}，多发{}，请核实发放标准并追缴",
                ages.oldest,
                program,
                n,
                fen_to_yuan_display(ages.standard),
                fen_to_yuan_display(total)
            ),
            50.0,
        ),
    }
}

/// The finding of one person's payments that fail `reason`.
fn person_finding(
    roll: &SubsidiesView,
    (v, idn, reason): Key,
    mut idx: Vec<usize>,
    birth: NaiveDate,
    min_age: i32,
    standards: &[(i32, i64)],
) -> Finding {
    let SubsidiesView {
        program,
        name,
        period,
        paid,
        amount,
        row: rows,
        ..
    } = *roll;
    // In file order, whatever the order of the frame.
    idx.sort_by_key(|&i| rows.get(i));
    let age_at = |i: usize| {
        period
            .get(i)
            .and_then(from_epoch_days)
            .map(|d| age_on(birth, last_day_of_month(d)))
    };
    let required_of =
        |i: usize| band_in_name(program.get(i).unwrap_or_default()).unwrap_or(min_age);
    let standard_of = |i: usize| {
        let age = age_at(i)?;
        standards
            .iter()
            .rev()
            .find(|(band, _)| age >= *band)
            .map(|(_, fen)| *fen)
    };
    let total: i64 = match reason {
        Reason::AboveBandAmount => idx
            .iter()
            .map(|&i| {
                (amount.get(i).unwrap_or_default() - standard_of(i).unwrap_or(i64::MAX)).max(0)
            })
            .sum(),
        _ => idx.iter().filter_map(|&i| amount.get(i)).sum(),
    };
    let required = idx.iter().map(|&i| required_of(i)).max().unwrap_or(min_age);
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
                "required_age": required_of(i),
                "band_standard": standard_of(i).map(fen_to_yuan_string),
            })
        })
        .collect();
    let ages = Ages {
        youngest: idx
            .iter()
            .filter_map(|&i| age_at(i))
            .min()
            .unwrap_or_default(),
        oldest: idx
            .iter()
            .filter_map(|&i| age_at(i))
            .max()
            .unwrap_or_default(),
        standard: idx
            .iter()
            .filter_map(|&i| standard_of(i))
            .max()
            .unwrap_or_default(),
    };
    let (message, score) = message(
        reason,
        who,
        birth,
        program.get(idx[0]).unwrap_or_default(),
        idx.len(),
        total,
        required,
        &ages,
    );
    META.finding(&v, &idn)
        .score(score)
        .amount(total)
        .message(message)
        .evidence(json!({
            "reason": match reason {
                Reason::BelowAgeBand => "below_age_band",
                Reason::BeforeBirth => "before_birth",
                Reason::AboveBandAmount => "above_band_amount",
            },
            "name": who,
            "birth_date": birth.format("%Y-%m-%d").to_string(),
            "min_age": min_age,
            "total": fen_to_yuan_string(total),
            "payments": payments,
        }))
}

impl Rule for Eligibility {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let min_age = p.age_bands.iter().copied().min().unwrap_or(80) as i32;
        // (band age, standard in fen), youngest first.
        let mut standards: Vec<(i32, i64)> = p
            .age_bands
            .iter()
            .zip(&p.band_amounts)
            .map(|(&a, &y)| (a as i32, crate::money::yuan_to_fen(y)))
            .collect();
        standards.sort();
        let Some(roll) = SubsidiesView::load(ds)? else {
            return Ok(vec![]);
        };
        let SubsidiesView {
            df,
            program,
            village,
            id,
            period,
            paid,
            amount,
            ..
        } = roll;

        let mut groups: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
        let mut births: BTreeMap<String, NaiveDate> = BTreeMap::new();
        let mut by_program: PlHashMap<&str, (bool, Option<i32>)> = PlHashMap::default();
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
            let pg = program.get(i).unwrap_or_default();
            // Judged once per program name, not per row.
            let (old_age, band) = *by_program.entry(pg).or_insert_with(|| {
                (
                    p.old_age_programs.iter().any(|o| program_is(o, pg)),
                    band_in_name(pg),
                )
            });
            let age = age_on(birth, last_day_of_month(per));
            let required = band.unwrap_or(min_age);
            let standard = standards
                .iter()
                .rev()
                .find(|(band, _)| age >= *band)
                .map(|(_, fen)| *fen);
            let reason = if last_day_of_month(per) < birth || paid_day.is_some_and(|d| d < birth) {
                Some(Reason::BeforeBirth)
            } else if old_age && age < required {
                Some(Reason::BelowAgeBand)
            } else if old_age && standard.is_some_and(|st| amount.get(i).unwrap_or_default() > st) {
                Some(Reason::AboveBandAmount)
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
        for (key, idx) in groups {
            let birth = births[&key.1];
            out.push(person_finding(&roll, key, idx, birth, min_age, &standards));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_named_by_the_program() {
        assert_eq!(band_in_name("尊老金(90-99周岁)"), Some(90));
        assert_eq!(band_in_name("高龄津贴100周岁以上"), Some(100));
        assert_eq!(band_in_name("尊老金2025年"), None);
        assert_eq!(band_in_name("尊老金"), None);
    }
}
