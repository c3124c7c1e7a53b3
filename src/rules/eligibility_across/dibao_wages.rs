use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Faulted, Households, listed, standing_rows};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string, yuan_to_fen};
use crate::rules::common::payroll::Payroll;
use crate::rules::common::people::month_string;
use crate::rules::common::programs::Programs;
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
城乡低保 paid for a month in which the village wages of the household alone
(the monthly wages of its members on a village payroll that month, as
ELG002 reads the payroll) divided by the household's size exceed the
county's 低保 line. The household is the register's (户籍人口) for the
recipient's id number, else the roll's 户号; its size is the register's
count of members (1 when the register does not list it). Off until
`dibao-line` is set: the line is the county's, and differs by county and
year.

## Why it matters
低保 covers households whose income per head is below the local line
(《社会救助暂行办法》第九条); wages the village itself pays are income the
village knows of. Wages above the line per head, and still on 低保, is
either a 核查 not done or a 人情保.

## Parameters
- `dibao-line` (0.0): yuan per person per month; 0 turns the check off.
- `programs` ([\"低保\", \"最低生活保障\"]): program names of 低保.

## Known false positives
A household whose register lists fewer members than live on the 低保
(a member registered elsewhere): the figure per head is then too high.
Wages that the recipient's household no longer draws (a hire record left
open without wage lines).
";

/// 低保 while village wages alone exceed the line.
pub struct DibaoWages;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub dibao_line: f64,
    pub programs: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            dibao_line: 0.0,
            programs: ["低保", "最低生活保障"].map(String::from).to_vec(),
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "ELG003",
    name: "dibao_over_line",
    category: Category::Eligibility,
    severity: Severity::Medium,
    summary: "低保 paid while the household's village wages alone exceed the 低保 line (off until set)",
    doc: DOC,
    needs: &[TableKind::Subsidies, TableKind::Hires],
    processes: &[14],
};

impl Rule for DibaoWages {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let line = yuan_to_fen(p.dibao_line);
        if line <= 0 {
            return Ok(vec![]);
        }
        let (Some(roll), Some(pay)) = (SubsidiesView::load(ds)?, Payroll::load(ds)?) else {
            return Ok(vec![]);
        };
        let homes = Households::load(ds)?;
        let mut programs = Programs::new(&p.programs);
        let rows = standing_rows(&roll, |i| programs.has(roll.program.get(i)));
        // Per faulted row: (members, wages, the members' earnings as evidence).
        let mut faulted = Faulted::new();
        let mut found = Vec::new();
        for i in rows {
            let (Some(id), Some(m)) = (roll.id.get(i), roll.month(i)) else {
                continue;
            };
            let mut members = homes
                .of_row(&roll, i)
                .map(|k| homes.members(&k))
                .unwrap_or_default();
            if !members.contains(&id) {
                members.push(id);
            }
            let mut wages = 0;
            let mut earners = Vec::new();
            for who in &members {
                if let Some(e) = pay.earned(who, m) {
                    wages += e.wage;
                    earners.push(json!({
                        "id_number": who,
                        "month": month_string(m),
                        "monthly_wage": fen_to_yuan_string(e.wage),
                        "hires": e.hires.iter().map(|&h| pay.hires.record(h)).collect::<Vec<_>>(),
                        "wage_lines": e.lines,
                    }));
                }
            }
            let n = members.len() as i64;
            if wages > line * n {
                faulted.add(&roll, i, ());
                found.push((i, n, wages, earners));
            }
        }
        let mut out = Vec::new();
        for ((v, id, ()), rows) in faulted.groups {
            let set: BTreeSet<usize> = rows.iter().copied().collect();
            let mine: Vec<_> = found.iter().filter(|f| set.contains(&f.0)).collect();
            let l = listed(&roll, rows);
            let n = mine.iter().map(|f| f.1).max().unwrap_or(1);
            let wages = mine.iter().map(|f| f.2).max().unwrap_or_default();
            let name = roll.name.get(l.rows[0]).unwrap_or_default();
            let message = format!(
                "{name}户（{n}人）在{}领取低保{}笔共{}，同期家庭成员村级用工工资每月{}，人均{}，超过低保标准{}/人·月，请核实家庭收入并调整保障",
                l.months,
                l.rows.len(),
                fen_to_yuan_display(l.total),
                fen_to_yuan_display(wages),
                fen_to_yuan_display(wages / n),
                fen_to_yuan_display(line),
            );
            let earners: Vec<_> = mine.iter().flat_map(|f| f.3.iter().cloned()).collect();
            out.push(
                META.finding(&v, &id)
                    .score(55.0)
                    .amount(l.total)
                    .message(message)
                    .evidence(json!({
                        "name": name,
                        "months": l.months,
                        "household_size": n,
                        "household_wages": fen_to_yuan_string(wages),
                        "per_head": fen_to_yuan_string(wages / n),
                        "dibao_line": fen_to_yuan_string(line),
                        "total": fen_to_yuan_string(l.total),
                        "payments": l.payments,
                        "earnings": earners,
                    })),
            );
        }
        Ok(out)
    }
}
