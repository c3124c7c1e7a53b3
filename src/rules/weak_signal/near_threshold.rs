use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::common::views::LedgerView;
use super::super::{Rule, RuleMeta, params_of, rule_params};
use super::{WEAK_SCORE, expenses, line_json, median, pct};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, yuan_to_fen};

const DOC: &str = "\
## What it flags
A village whose 支出 amounts fall just under a threshold (from
`near-share` of it up to the threshold itself) more often than its
street's: at least `min-lines` such lines and a share of the village's
lines at least `ratio` times the street's (the median of the villages'
shares, so that a few villages doing the same do not raise the bar). Thresholds:
`cash-limit` (1,000 yuan, cash lines only: 结算方式 containing 现金),
`decision-threshold` (50,000, 四议两公开) and `tender-threshold` (100,000,
招标). One finding per village and threshold; subject: the village code
(the vouchers related); the evidence lists the lines, the village's share
and the street's.

## Why it matters
Amounts kept just under a line are how a village stays clear of what the
line triggers: bank transfer instead of cash (《现金管理暂行条例》), a
四议两公开 decision, a tender. One such amount is nothing; a village that
lands there far more often than its neighbours is steering its amounts.
It is not a case alone; it raises the rank of the village's cases.

## Parameters
- `cash-limit` (1000.0), `decision-threshold` (50000.0),
  `tender-threshold` (100000.0): yuan.
- `near-share` (0.8): the share of a threshold from which an amount is
  \"just under\" it.
- `min-lines` (5): lines just under one threshold a village needs.
- `ratio` (3.0): how many times the street's median share the village's
  must be.

## Known false positives
Fixed prices just under a line (an allowance of 900 yuan paid in cash
street-wide is the same everywhere and does not stand out; one village's
own is).
";

/// 金额贴近限额.
pub struct NearThreshold;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub cash_limit: f64,
    pub decision_threshold: f64,
    pub tender_threshold: f64,
    pub near_share: f64,
    pub min_lines: usize,
    pub ratio: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            cash_limit: 1000.0,
            decision_threshold: 50000.0,
            tender_threshold: 100000.0,
            near_share: 0.8,
            min_lines: 5,
            ratio: 3.0,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "WEAK001",
    name: "near_threshold",
    category: Category::WeakSignal,
    severity: Severity::Low,
    summary: "支出 at 80–100 % of the cash, decision or tender line more often than in the street",
    doc: DOC,
    needs: &[TableKind::Ledger],
    processes: &[1, 2, 3],
};

impl Rule for NearThreshold {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(l) = LedgerView::load(ds)? else {
            return Ok(vec![]);
        };
        let villages = expenses(&l);
        let cash = |i: usize| l.method.get(i).is_some_and(|m| m.contains("现金"));
        let lines: [(&str, f64, bool); 3] = [
            ("现金结算起点", p.cash_limit, true),
            ("四议两公开限额", p.decision_threshold, false),
            ("招标限额", p.tender_threshold, false),
        ];
        let mut out = Vec::new();
        for (name, yuan, cash_only) in lines {
            let t = yuan_to_fen(yuan);
            let lo = (t as f64 * p.near_share).ceil() as i64;
            // village → (lines in scope, lines just under the threshold).
            let per: Vec<(&str, usize, Vec<usize>)> = villages
                .iter()
                .map(|(v, idx)| {
                    let scope: Vec<usize> = idx
                        .iter()
                        .copied()
                        .filter(|&i| !cash_only || cash(i))
                        .collect();
                    let near = scope
                        .iter()
                        .copied()
                        .filter(|&i| l.amount.get(i).is_some_and(|a| a >= lo && a <= t))
                        .collect();
                    (*v, scope.len(), near)
                })
                .collect();
            // The street's share: the median village's, so that a few
            // villages steering their amounts do not raise the bar.
            let shares: Vec<f64> = per
                .iter()
                .filter(|(_, n, _)| *n > 0)
                .map(|(_, n, near)| near.len() as f64 / *n as f64)
                .collect();
            let street = median(&shares);
            for (v, n, near) in &per {
                if near.len() < p.min_lines || *n == 0 {
                    continue;
                }
                let share = near.len() as f64 / *n as f64;
                let others = street;
                if share < p.ratio * others {
                    continue;
                }
                let vouchers: Vec<&str> = near.iter().filter_map(|&i| l.voucher.get(i)).collect();
                out.push(
                    META.finding(v, v)
                        .score(WEAK_SCORE)
                        .related(vouchers.iter().map(|s| s.to_string()))
                        .message(format!(
                            "{}笔支出金额在{}{}的{:.0}%至100%之间，占本村{}，街道各村中位数为{}，请核实是否有意压在限额之下",
                            near.len(),
                            name,
                            fen_to_yuan_display(t),
                            p.near_share * 100.0,
                            pct(share),
                            pct(others)
                        ))
                        .evidence(json!({
                            "threshold": name,
                            "limit": yuan,
                            "from": lo as f64 / 100.0,
                            "cash_only": cash_only,
                            "near_lines": near.len(),
                            "lines_in_scope": n,
                            "share": share,
                            "street_median_share": others,
                            "lines": near.iter().map(|&i| line_json(&l, i)).collect::<Vec<_>>(),
                        })),
                );
            }
        }
        Ok(out)
    }
}
