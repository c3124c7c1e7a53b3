use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::common::views::LedgerView;
use super::super::{Rule, RuleMeta, params_of, rule_params};
use super::{WEAK_SCORE, expenses, line_json, mad, median, pct};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::yuan_to_fen;

const DOC: &str = "\
## What it flags
A village whose share of round 支出 (amounts that are a whole multiple of
`unit`, 1,000 yuan) is far above its street's: above the median of the
villages' shares plus `mads` times their median absolute deviation, and
at least `min-excess` above the median (a street where almost no village
pays round amounts has a MAD of zero). Villages with fewer than
`min-lines` 支出 lines are neither judged nor counted in the street;
the street needs `min-villages` villages. Subject: the village code; the
evidence has the village's share and count, the street's median and MAD,
and the round lines.

## Why it matters
Genuine purchases and services come to odd amounts; amounts made up, or
paid without an invoice (劳务费, 补助 handed out by a cadre), are round.
A village with far more round payments than its neighbours is where to
look first. It is not a case alone; it raises the rank of the village's
cases.

## Parameters
- `unit` (1000.0): yuan; an amount that is a multiple of it is round.
- `mads` (3.0): how many MADs above the street's median.
- `min-excess` (0.05): the least share above the median that is reported.
- `min-lines` (50): 支出 lines a village needs to be judged.
- `min-villages` (5): villages a street needs for a median.

## Known false positives
Villages that pay many fixed allowances (保洁员 wages of 1,000 yuan, 慰问金)
through the ledger while their neighbours pay them from the roll.
";

/// 整千元支出占比异常.
pub struct RoundAmounts;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub unit: f64,
    pub mads: f64,
    pub min_excess: f64,
    pub min_lines: usize,
    pub min_villages: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            unit: 1000.0,
            mads: 3.0,
            min_excess: 0.05,
            min_lines: 50,
            min_villages: 5,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "WEAK002",
    name: "round_amounts",
    category: Category::WeakSignal,
    severity: Severity::Low,
    summary: "a village's share of round-thousand 支出 far above its street's (median + 3 MAD)",
    doc: DOC,
    needs: &[TableKind::Ledger],
    processes: &[3],
};

impl Rule for RoundAmounts {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(l) = LedgerView::load(ds)? else {
            return Ok(vec![]);
        };
        let unit = yuan_to_fen(p.unit).max(1);
        let villages: Vec<(&str, usize, Vec<usize>)> = expenses(&l)
            .into_iter()
            .filter(|(_, idx)| idx.len() >= p.min_lines)
            .map(|(v, idx)| {
                let round: Vec<usize> = idx
                    .iter()
                    .copied()
                    .filter(|&i| l.amount.get(i).is_some_and(|a| a >= unit && a % unit == 0))
                    .collect();
                (v, idx.len(), round)
            })
            .collect();
        if villages.len() < p.min_villages.max(1) {
            return Ok(vec![]);
        }
        let shares: Vec<f64> = villages
            .iter()
            .map(|(_, n, r)| r.len() as f64 / *n as f64)
            .collect();
        let m = median(&shares);
        let d = mad(&shares, m);
        let bar = (m + p.mads * d).max(m + p.min_excess);
        let mut out = Vec::new();
        for ((v, n, round), share) in villages.iter().zip(&shares) {
            if *share <= bar {
                continue;
            }
            out.push(
                META.finding(v, v)
                    .score(WEAK_SCORE)
                    .message(format!(
                        "整{}元的支出{}笔，占本村支出{}，街道各村中位数{}（MAD {}），高于中位数加{}倍MAD，请核实这些支出是否有真实票据",
                        p.unit,
                        round.len(),
                        pct(*share),
                        pct(m),
                        pct(d),
                        p.mads
                    ))
                    .evidence(json!({
                        "round_lines": round.len(),
                        "expense_lines": n,
                        "share": share,
                        "street_median": m,
                        "street_mad": d,
                        "bar": bar,
                        "villages": villages.len(),
                        "lines": round.iter().map(|&i| line_json(&l, i)).collect::<Vec<_>>(),
                    })),
            );
        }
        Ok(out)
    }
}
