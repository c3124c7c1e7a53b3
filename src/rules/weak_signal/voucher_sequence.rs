use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::common::util::{day_string, rows_by_village};
use super::super::common::views::LedgerView;
use super::super::{Rule, RuleMeta, params_of, rule_params};
use super::WEAK_SCORE;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};

const DOC: &str = "\
## What it flags
A village whose voucher numbers (`ledger.voucher_no`) are missing, repeated
or out of date order. A voucher number is read as a series (everything
before its last run of digits, case and spacing folded: `PZ-2025-03-`,
`记-`) and a number; each series with at least `min-vouchers` numbers is
checked:

- missing: numbers between the series' first and last that no line carries;
- repeated: one number on lines of different dates (the lines of one
  voucher share its date);
- out of order: a number dated later than the next number of the series.

One finding per village (subject: the village code), when it has at least
`min-problems` of them; the evidence lists each series' gaps, repeats and
inversions with their dates.

## Why it matters
Vouchers are numbered in the order they are booked. A gap is a voucher
removed from the export (or never booked), a repeat one written twice, an
inversion one inserted after the fact: the traces of 账外账 and of books
edited after 审核. It is not a case alone; it raises the rank of the
village's cases.

## Parameters
- `min-vouchers` (10): numbers a series needs to be checked (a partial
  export of a few lines has gaps by nature).
- `min-problems` (1): missing, repeated and out-of-order numbers together a
  village needs to be reported.

## Known false positives
Exports that leave out vouchers of another kind (收款凭证 numbered with the
付款 ones), vouchers voided and kept off the export, and books renumbered
at month end.
";

/// 凭证号不连续.
pub struct VoucherSequence;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_vouchers: usize,
    pub min_problems: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_vouchers: 10,
            min_problems: 1,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "WEAK004",
    name: "voucher_sequence",
    category: Category::WeakSignal,
    severity: Severity::Low,
    summary: "voucher numbers missing, repeated or out of date order",
    doc: DOC,
    needs: &[TableKind::Ledger],
    processes: &[3],
};

/// A voucher number as (series, number): `PZ-2025-03-007` → (`PZ-2025-03-`, 7).
pub fn split_voucher(v: &str) -> Option<(String, u64)> {
    let v: String = v
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let digits = v.len() - v.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 9 {
        return None;
    }
    let (series, n) = v.split_at(v.len() - digits);
    Some((series.to_string(), n.parse().ok()?))
}

impl Rule for VoucherSequence {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(l) = LedgerView::load(ds)? else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        for (v, idx) in rows_by_village(l.village, |_| true) {
            // series → number → the dates its lines carry (with a row).
            let mut series: BTreeMap<String, BTreeMap<u64, BTreeMap<i32, u32>>> = BTreeMap::new();
            for i in idx {
                let (Some(vo), Some(d)) = (l.voucher.get(i), l.date.get(i)) else {
                    continue;
                };
                let Some((s, n)) = split_voucher(vo) else {
                    continue;
                };
                let row = l.row.get(i).unwrap_or_default();
                let rows = series.entry(s).or_default().entry(n).or_default();
                let r = rows.entry(d).or_insert(row);
                *r = (*r).min(row);
            }
            let mut problems = 0usize;
            let mut evidence = Vec::new();
            let mut first = String::new();
            for (s, nums) in &series {
                if nums.len() < p.min_vouchers {
                    continue;
                }
                let (lo, hi) = (
                    *nums.keys().next().unwrap_or(&0),
                    *nums.keys().last().unwrap_or(&0),
                );
                let missing: Vec<u64> = (lo..=hi).filter(|n| !nums.contains_key(n)).collect();
                let repeated: Vec<_> = nums
                    .iter()
                    .filter(|(_, ds)| ds.len() > 1)
                    .map(|(n, ds)| json!({"number": n, "dates": ds.keys().map(|d| day_string(*d)).collect::<Vec<_>>(), "rows": ds.values().collect::<Vec<_>>()}))
                    .collect();
                let mut inversions = Vec::new();
                let mut prev: Option<(u64, i32)> = None;
                for (n, ds) in nums {
                    let (first_day, last_day) = (
                        *ds.keys().next().unwrap_or(&0),
                        *ds.keys().last().unwrap_or(&0),
                    );
                    if let Some((pn, pd)) = prev
                        && pd > first_day
                    {
                        inversions.push(json!({"number": pn, "date": day_string(pd), "next": n, "next_date": day_string(first_day)}));
                    }
                    prev = Some((*n, last_day));
                }
                let k = missing.len() + repeated.len() + inversions.len();
                if k == 0 {
                    continue;
                }
                if first.is_empty() {
                    first = match (missing.first(), repeated.first(), inversions.first()) {
                        (Some(m), _, _) => format!("{s}{m:0w$}缺号", w = 3),
                        (None, Some(r), _) => format!("{s}{}重号", r["number"]),
                        (None, None, Some(x)) => format!("{s}{}日期晚于下一号", x["number"]),
                        _ => String::new(),
                    };
                }
                problems += k;
                evidence.push(json!({
                    "series": s,
                    "first": lo,
                    "last": hi,
                    "numbers": nums.len(),
                    "missing": missing,
                    "repeated": repeated,
                    "out_of_order": inversions,
                }));
            }
            if problems < p.min_problems.max(1) {
                continue;
            }
            out.push(
                META.finding(v, v)
                    .score(WEAK_SCORE)
                    .message(format!(
                        "凭证号不连续：{first}等{problems}处缺号、重号或日期倒序，请调取凭证簿核实是否有凭证被抽出、重复记账或事后补记"
                    ))
                    .evidence(json!({ "problems": problems, "series": evidence })),
            );
        }
        Ok(out)
    }
}
