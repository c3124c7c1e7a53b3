use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Faulted, listed, standing_rows};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::payroll::Payroll;
use crate::rules::common::people::month_string;
use crate::rules::common::programs::Programs;
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
特困供养 paid to a person (by id number) for a month in which the same
person is on a village payroll: a hire record (村级用工) covering the month,
and, when the ledger pays that hire at all, a wage line paying for that
month (the month its 摘要 states, else the month booked less the village's
wage lag). The payroll is read street-wide: a hire in one village and
特困 support in another count. One finding per person, listing the 特困
payments of those months, the hire records and the wage lines.

## Why it matters
特困人员 are by definition without capacity to work and without income
(《特困人员认定办法》第四条、第八条); a person drawing a village wage is not
特困. The wage and the support are paid by the same village: either the
support was granted without 核查 or the hire is someone else's name.

## Parameters
- `programs` ([\"特困\"]): program names of 特困供养 (a roll program containing one of them).

## Known false positives
A hire record left open after the person stopped working, where the ledger
pays the hire no line at all (with wage lines, unpaid months do not count).
A 特困 person's relative working under the 特困 person's id number.
";

/// 特困供养 paid while drawing a village wage.
pub struct TekunWages;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub programs: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            programs: vec!["特困".into()],
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "ELG002",
    name: "tekun_on_wages",
    category: Category::Eligibility,
    severity: Severity::High,
    summary: "特困 support paid for a month the person draws village wages",
    doc: DOC,
    needs: &[TableKind::Subsidies, TableKind::Hires],
    processes: &[10, 11, 13],
};

impl Rule for TekunWages {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let (Some(roll), Some(pay)) = (SubsidiesView::load(ds)?, Payroll::load(ds)?) else {
            return Ok(vec![]);
        };
        let mut programs = Programs::new(&p.programs);
        let rows = standing_rows(&roll, |i| {
            programs.has(roll.program.get(i)) && roll.id.get(i).is_some_and(|id| pay.knows(id))
        });
        let mut faulted = Faulted::new();
        for i in rows {
            let (Some(id), Some(m)) = (roll.id.get(i), roll.month(i)) else {
                continue;
            };
            if pay.earned(id, m).is_some() {
                faulted.add(&roll, i, ());
            }
        }
        let mut out = Vec::new();
        for ((v, id, ()), rows) in faulted.groups {
            let l = listed(&roll, rows);
            let mut hires = BTreeSet::new();
            let mut lines = Vec::new();
            let mut wage = 0;
            for &i in &l.rows {
                let Some(m) = roll.month(i) else { continue };
                if let Some(e) = pay.earned(&id, m) {
                    hires.extend(e.hires.iter().copied());
                    wage = wage.max(e.wage);
                    lines.extend(
                        e.lines
                            .into_iter()
                            .map(|x| json!({"month": month_string(m), "line": x})),
                    );
                }
            }
            let hire_rows: Vec<_> = hires.iter().map(|&h| pay.hires.record(h)).collect();
            let posts: BTreeSet<&str> = hires
                .iter()
                .filter_map(|&h| pay.hires.post.get(h))
                .collect();
            let name = roll.name.get(l.rows[0]).unwrap_or_default();
            let message = format!(
                "{name}在{}领取特困供养金{}笔共{}，同期在村级用工（{}）领取工资（月工资{}），特困人员应无劳动能力、无收入来源，请核实供养资格并追缴",
                l.months,
                l.rows.len(),
                fen_to_yuan_display(l.total),
                posts.into_iter().collect::<Vec<_>>().join("、"),
                fen_to_yuan_display(wage),
            );
            out.push(
                META.finding(&v, &id)
                    .score(75.0)
                    .amount(l.total)
                    .message(message)
                    .evidence(json!({
                        "name": name,
                        "months": l.months,
                        "total": fen_to_yuan_string(l.total),
                        "monthly_wage": fen_to_yuan_string(wage),
                        "payments": l.payments,
                        "hires": hire_rows,
                        "wage_lines": lines,
                    })),
            );
        }
        Ok(out)
    }
}
