use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Faulted, listed, standing_rows};
use crate::dataset::id_number::birth_date;
use crate::dataset::normalize::from_epoch_days;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::age::{age_on, last_day_of_month};
use crate::rules::common::programs::Programs;
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A 城乡居民基本养老保险 pension (城乡居保待遇) or a 计划生育奖励扶助 (计生奖扶)
paid for a month by whose last day the person, by the birth date in the id
number, has not turned `min-age`. The month of the birthday is paid
rightly: a person born on 15 June is 60 on 30 June. One finding per village
and person, listing every early payment.

## Why it matters
城乡居保 pays from 60 (国发〔2014〕8号); 计生奖扶 is for parents from 60
(人口发〔2004〕21号). A pension before the age is 冒领 or a wrong id number;
a 计生奖扶 before it is an application passed without 审核.

## Parameters
- `programs` ([\"城乡居民基本养老保险\", \"城乡居保\", \"居民养老保险\", \"奖励扶助\", \"计生奖扶\"]):
  program names (a roll program containing one of them: `奖励扶助` names
  农村部分计划生育家庭奖励扶助 however a roll words it). 计划生育特别扶助 is
  not among them: it is paid from 49.
- `min-age` (60): years, at the paid month's last day.
- `exclude-words` ([\"缴费\", \"代缴\", \"补缴\", \"退保\"]): a program naming one of
  these is a contribution paid for someone (政府代缴 for the disabled and
  低保 under 60) or a refund, not a pension: not judged.

## Known false positives
A wrong birth date in the id number (ID001 then usually reports the id).
Localities that pay 计生奖扶 from an earlier age (set `programs` to leave it
out, or a second rule file).
";

/// 城乡居保 pension or 计生奖扶 before 60.
pub struct PensionAge;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub programs: Vec<String>,
    pub min_age: u32,
    pub exclude_words: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            programs: [
                "城乡居民基本养老保险",
                "城乡居保",
                "居民养老保险",
                "奖励扶助",
                "计生奖扶",
            ]
            .map(String::from)
            .to_vec(),
            min_age: 60,
            exclude_words: ["缴费", "代缴", "补缴", "退保"].map(String::from).to_vec(),
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "ELG005",
    name: "pension_before_60",
    category: Category::Eligibility,
    severity: Severity::High,
    summary: "城乡居保 pension or 计生奖扶 paid before 60",
    doc: DOC,
    needs: &[TableKind::Subsidies],
    processes: &[27, 28],
};

impl Rule for PensionAge {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let min_age = p.min_age as i32;
        let Some(roll) = SubsidiesView::load(ds)? else {
            return Ok(vec![]);
        };
        let mut programs = Programs::new(&p.programs);
        let mut excluded = Programs::new(&p.exclude_words);
        let age_at = |i: usize| {
            let birth = birth_date(roll.id.get(i)?)?;
            let end = last_day_of_month(roll.period.get(i).and_then(from_epoch_days)?);
            Some((birth, age_on(birth, end)))
        };
        let mut faulted = Faulted::new();
        let rows = standing_rows(&roll, |i| {
            let pg = roll.program.get(i);
            programs.has(pg) && !excluded.has(pg)
        });
        for i in rows {
            if age_at(i).is_some_and(|(_, age)| age < min_age) {
                faulted.add(&roll, i, ());
            }
        }
        let mut out = Vec::new();
        for ((v, id, ()), rows) in faulted.groups {
            let l = listed(&roll, rows);
            let first = l.rows[0];
            let Some((birth, _)) = age_at(first) else {
                continue;
            };
            let youngest = l.rows.iter().filter_map(|&i| age_at(i)).map(|a| a.1).min();
            let name = roll.name.get(first).unwrap_or_default();
            let program = roll.program.get(first).unwrap_or_default();
            let message = format!(
                "{name}（身份证号出生日期{}）在{}领取{program}{}笔共{}，发放月末仅{}周岁，未满{min_age}周岁，请核实待遇资格并追缴",
                birth.format("%Y-%m-%d"),
                l.months,
                l.rows.len(),
                fen_to_yuan_display(l.total),
                youngest.unwrap_or_default(),
            );
            let ages: Vec<_> = l.rows.iter().map(|&i| age_at(i).map(|a| a.1)).collect();
            out.push(
                META.finding(&v, &id)
                    .score(70.0)
                    .amount(l.total)
                    .message(message)
                    .evidence(json!({
                        "name": name,
                        "birth_date": birth.format("%Y-%m-%d").to_string(),
                        "min_age": min_age,
                        "months": l.months,
                        "ages_at_month_end": ages,
                        "total": fen_to_yuan_string(l.total),
                        "payments": l.payments,
                    })),
            );
        }
        Ok(out)
    }
}
