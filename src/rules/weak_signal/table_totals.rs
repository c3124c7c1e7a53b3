use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::Dataset;
use crate::dataset::office::TotalCheck;
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};

const DOC: &str = "\
## What it flags
A 小计 or 合计 row of a table laid out as a form whose figure differs from
the sum of the rows it totals (data contract §1a): a 小计 sums the data rows
since the last 小计 or 合计 of its sheet, a 合计 those since the last 合计.
The loader drops total rows from the data and checks each one; this rule
reports those that disagree by more than `tolerance`.

## Why it matters
A form whose printed total is not the sum of its lines was edited after it
was totalled, or totals lines that are not in the export: rows added or
removed after 审核, the classic trace of 虚报冒领 on a roll. It is not a case
alone (a typing slip does the same); it raises the rank of the village's
cases.

## Parameters
- `tolerance` (0.0): yuan; a difference up to it is rounding, not a signal.

## Known false positives
Totals that include lines the export leaves out (a 上年结转 line), and
forms whose 小计 sums something else (a page, not a village).
";

/// 表内合计与明细不符.
pub struct TableTotals;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub tolerance: f64,
}

const META: RuleMeta = RuleMeta {
    code: "WEAK005",
    name: "table_totals",
    category: Category::WeakSignal,
    severity: Severity::Low,
    summary: "a form's 小计/合计 row differs from the rows it totals",
    doc: DOC,
    needs: &[],
    processes: &[3],
};

impl Rule for TableTotals {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let tolerance = crate::money::yuan_to_fen(p.tolerance);
        // One finding per village (its subject), every disagreeing total
        // of every table in it, with the file it is in.
        let mut by_village: BTreeMap<&str, Vec<(&str, String, &TotalCheck)>> = BTreeMap::new();
        for (kind, t) in &ds.tables {
            let Some(layout) = &t.source.layout else {
                continue;
            };
            let file = t
                .source
                .path
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            for c in &layout.totals_disagreeing {
                if (c.stated_fen - c.computed_fen).abs() > tolerance {
                    by_village
                        .entry(c.village_code.as_str())
                        .or_default()
                        .push((kind.canonical(), file.clone(), c));
                }
            }
        }
        let mut out = Vec::new();
        for (village, checks) in by_village {
            let diff: i64 = checks
                .iter()
                .map(|(_, _, c)| (c.stated_fen - c.computed_fen).abs())
                .sum();
            let (_, file, first) = &checks[0];
            let at = match &first.sheet {
                Some(s) => format!("{file}工作表“{s}”第{}行", first.row),
                None => format!("{file}第{}行", first.row),
            };
            let more = if checks.len() > 1 {
                format!("（另有{}处）", checks.len() - 1)
            } else {
                String::new()
            };
            let totals: Vec<_> = checks
                .iter()
                .map(|(table, file, c)| {
                    json!({
                        "table": table,
                        "file": file,
                        "sheet": c.sheet,
                        "row": c.row,
                        "label": c.label,
                        "column": c.column,
                        "header": c.header,
                        "stated": c.stated,
                        "computed": c.computed,
                        "difference": fen_to_yuan_string(c.stated_fen - c.computed_fen),
                        "rows_summed": c.rows,
                    })
                })
                .collect();
            // The header without its unit: the figures are in yuan.
            let header = first
                .header
                .split(['(', '（'])
                .next()
                .unwrap_or(&first.header)
                .trim();
            out.push(
                META.finding(village, village)
                    .score(5.0)
                    .amount(diff)
                    .message(format!(
                        "表内合计与明细不符：{at}“{}”{header}为{}，其上{}行明细合计{}{more}，请核实表格是否在合计后被改动",
                        first.label,
                        fen_to_yuan_display(first.stated_fen),
                        first.rows,
                        fen_to_yuan_display(first.computed_fen),
                    ))
                    .evidence(json!({ "totals": totals })),
            );
        }
        Ok(out)
    }
}
