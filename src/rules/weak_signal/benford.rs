use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::common::views::LedgerView;
use super::super::{Rule, RuleMeta, params_of, rule_params};
use super::{WEAK_SCORE, expenses};
use crate::dataset::normalize::from_epoch_days;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};

const DOC: &str = "\
## What it flags
A village-year whose 支出 amounts depart from Benford's law of first two
digits (10–99): Nigrini's mean absolute deviation (MAD) between the
observed and the expected proportions, over at least `min-lines` amounts
of at least 10 yuan. A payment repeated to one payee for one amount (a
monthly wage, a fixed allowance) counts once: Benford's law is about
amounts that arise independently. Even amounts drawn exactly by the law
show a MAD by chance (about 0.0045 at 300 amounts, 0.0025 at 1,000): the
finding needs the MAD above that expected by chance by more than
`nonconformity` (Nigrini's band, 0.0022). Subject: the village code; the
evidence has the table of the 90 digit pairs (count, observed and expected
proportion), the MAD, the MAD expected by chance, and the pairs furthest
from the law.

## Why it matters
Amounts made up rather than incurred (invented receipts, amounts chosen
to fit a budget) do not follow the distribution that genuine payments do:
auditors test the first two digits (Nigrini, *Benford's Law*, 2012). It is
not a case alone; it raises the rank of the village's cases.

## Parameters
- `min-lines` (300): amounts a village-year needs to be tested.
- `nonconformity` (0.0022): MAD above the chance MAD from which the
  amounts are reported (Nigrini's first-two-digit nonconformity band).
- `min-amount` (10.0): yuan; smaller amounts have no second digit worth
  testing.

## Known false positives
Books dominated by a few fixed prices (a 保洁 contract paid in equal
parts, rents of one rate), and villages whose payments are mostly round
allowances set by policy.
";

/// A year's counts of first-two digits, and the (payee, amount) pairs seen.
type YearDigits = ([usize; 100], std::collections::BTreeSet<(String, i64)>);

/// 本福特定律首两位数字偏离.
pub struct Benford;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_lines: usize,
    pub nonconformity: f64,
    pub min_amount: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_lines: 300,
            nonconformity: 0.0022,
            min_amount: 10.0,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "WEAK003",
    name: "benford",
    category: Category::WeakSignal,
    severity: Severity::Low,
    summary: "Benford first-two-digit deviation of a village-year's 支出 (Nigrini's MAD, 300+ lines)",
    doc: DOC,
    needs: &[TableKind::Ledger],
    processes: &[3],
};

/// The first two digits of an amount in fen at least 10 yuan.
pub fn first_two(fen: i64) -> Option<usize> {
    let mut x = fen.unsigned_abs() / 100;
    if x < 10 {
        return None;
    }
    while x >= 100 {
        x /= 10;
    }
    Some(x as usize)
}

/// Benford's expected proportion of first two digits `d` (10–99).
pub fn expected(d: usize) -> f64 {
    (1.0 + 1.0 / d as f64).log10()
}

/// The MAD a sample of `n` amounts drawn by the law shows by chance:
/// the mean over the pairs of E|p̂ − p| ≈ √(2p(1−p)/(πn)).
pub fn chance_mad(n: usize) -> f64 {
    let n = n.max(1) as f64;
    (10..100)
        .map(|d| {
            let p = expected(d);
            (2.0 * p * (1.0 - p) / (std::f64::consts::PI * n)).sqrt()
        })
        .sum::<f64>()
        / 90.0
}

impl Rule for Benford {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(l) = LedgerView::load(ds)? else {
            return Ok(vec![]);
        };
        let min_fen = crate::money::yuan_to_fen(p.min_amount);
        let mut out = Vec::new();
        for (v, idx) in expenses(&l) {
            // year → counts of the pairs, amounts repeated to a payee once.
            let mut years: BTreeMap<i32, YearDigits> = BTreeMap::new();
            for i in idx {
                let (Some(a), Some(d)) = (l.amount.get(i), l.date.get(i)) else {
                    continue;
                };
                let Some(year) = from_epoch_days(d).map(|d| chrono::Datelike::year(&d)) else {
                    continue;
                };
                if a < min_fen {
                    continue;
                }
                let Some(k) = first_two(a) else { continue };
                let e = years
                    .entry(year)
                    .or_insert_with(|| ([0; 100], Default::default()));
                let payee = l.payee.get(i).unwrap_or_default().to_string();
                if !payee.is_empty() && !e.1.insert((payee, a)) {
                    continue;
                }
                e.0[k] += 1;
            }
            for (year, (counts, _)) in years {
                let n: usize = counts.iter().sum();
                if n < p.min_lines {
                    continue;
                }
                let rows: Vec<(usize, usize, f64, f64)> = (10..100)
                    .map(|d| (d, counts[d], counts[d] as f64 / n as f64, expected(d)))
                    .collect();
                let mad = rows.iter().map(|(_, _, o, e)| (o - e).abs()).sum::<f64>() / 90.0;
                let chance = chance_mad(n);
                if mad - chance <= p.nonconformity {
                    continue;
                }
                let mut worst = rows.clone();
                worst.sort_by(|a, b| {
                    (b.2 - b.3)
                        .abs()
                        .total_cmp(&(a.2 - a.3).abs())
                        .then(a.0.cmp(&b.0))
                });
                let top: Vec<String> = worst
                    .iter()
                    .take(3)
                    .map(|(d, c, o, e)| {
                        format!("{d}开头{c}笔（{:.1}%，应为{:.1}%）", o * 100.0, e * 100.0)
                    })
                    .collect();
                let table: Vec<_> = rows
                    .iter()
                    .map(|(d, c, o, e)| json!({"digits": d, "count": c, "observed": (o * 1e4).round() / 1e4, "expected": (e * 1e4).round() / 1e4}))
                    .collect();
                out.push(
                    META.finding(v, v)
                        .score(WEAK_SCORE)
                        .message(format!(
                            "{year}年{n}笔支出金额首两位数字偏离本福特定律（MAD {mad:.4}，随机波动约{chance:.4}，超出{:.4}，高于不符合界值{}），偏离最大的是{}，请抽查这些金额的原始凭证",
                            mad - chance,
                            p.nonconformity,
                            top.join("、")
                        ))
                        .evidence(json!({
                            "year": year,
                            "amounts": n,
                            "mad": (mad * 1e5).round() / 1e5,
                            "chance_mad": (chance * 1e5).round() / 1e5,
                            "nonconformity": p.nonconformity,
                            "largest_deviations": worst.iter().take(5).map(|(d, c, o, e)| json!({"digits": d, "count": c, "observed": (o * 1e4).round() / 1e4, "expected": (e * 1e4).round() / 1e4})).collect::<Vec<_>>(),
                            "digits": table,
                        })),
                );
            }
        }
        Ok(out)
    }
}
