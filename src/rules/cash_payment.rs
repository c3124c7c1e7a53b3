use std::collections::BTreeMap;

use polars::prelude::PlHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::util::{day_string, yuan_to_fen};
use super::common::views::LedgerView;
use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::normalize::{fen_to_yuan_display, fen_to_yuan_string};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};

const DOC: &str = "\
## What it flags
Ledger 支出 lines settled in cash whose total to one payee on one voucher is
above the cash limit. A line counts as cash when its 结算方式 is one of
`cash-methods`, or, when 结算方式 is blank, its 摘要 contains one of
`summary-keywords`. Exactly the limit is allowed.

## Why it matters
《现金管理暂行条例》第五条 sets the 结算起点 at 1,000 yuan: above it,
payments go by bank transfer. Cash leaves no trail to the real payee, which
is how 虚列支出 and 截留私分 are paid out.

## Parameters
- `limit` (1000.0): yuan; a payment above it must not be cash.
- `cash-methods` ([\"现金\", \"现金支付\", \"现付\", \"现金付款\", \"现金支票\", \"库存现金\"]):
  结算方式 values that mean cash (a 现金支票 is cashed by the payee at the
  bank: it is a cash payment under the same regulation).
- `summary-keywords` ([\"现金支付\", \"付现金\", \"现金发放\", \"以现金\", \"(现金)\"]):
  used only when 结算方式 is blank.

## Known false positives
Localities that raised the 结算起点 with the bank's approval (set `limit`),
and cash paid to individuals for labour or relief where the street allows it
(the message asks for the approval).
";

/// 超限额现金支付.
pub struct CashPayment;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub limit: f64,
    pub cash_methods: Vec<String>,
    pub summary_keywords: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            limit: 1000.0,
            cash_methods: [
                "现金",
                "现金支付",
                "现付",
                "现金付款",
                "现金支票",
                "库存现金",
            ]
            .map(String::from)
            .to_vec(),
            summary_keywords: ["现金支付", "付现金", "现金发放", "以现金", "(现金)"]
                .map(String::from)
                .to_vec(),
        }
    }
}

struct Line {
    row: u32,
    amount: i64,
    date: i32,
    summary: String,
    method: String,
}

const META: RuleMeta = RuleMeta {
    code: "CSH001",
    name: "cash_payment",
    category: Category::CashPayment,
    severity: Severity::Medium,
    summary: "ledger 支出 in cash above 1,000 yuan (《现金管理暂行条例》第五条)",
    doc: DOC,
    needs: &[TableKind::Ledger],
    processes: &[3],
};

impl Rule for CashPayment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let limit = yuan_to_fen(p.limit);
        let Some(ledger) = LedgerView::load(ds)? else {
            return Ok(vec![]);
        };
        let LedgerView {
            df,
            row: rows,
            village,
            voucher,
            direction,
            amount,
            method,
            summary,
            payee,
            payee_id,
            date,
            ..
        } = ledger;

        let is_cash = |i: usize| -> bool {
            match method.get(i) {
                Some(m) if !m.is_empty() => p.cash_methods.iter().any(|c| c == m),
                _ => summary
                    .get(i)
                    .is_some_and(|s| p.summary_keywords.iter().any(|k| s.contains(k.as_str()))),
            }
        };
        // One payment is a voucher's cash lines to one payee. Keys borrow the
        // frame (a street ledger has millions of lines, many in cash); only
        // payments over the limit are copied out.
        type Key<'a> = (&'a str, &'a str, &'a str, &'a str);
        // key -> slot; per slot its total and last line; per line the line
        // before it of the same payment (no list per payment). A voucher's
        // lines follow each other: the last slot is remembered.
        // The cash lines first: their count bounds the payments, so the map
        // is sized once instead of rehashing every key as it doubles.
        let cash: Vec<usize> = (0..df.height())
            .filter(|&i| direction.get(i) == Some("支出") && is_cash(i))
            .collect();
        let mut slot_of: PlHashMap<Key, u32> =
            PlHashMap::with_capacity_and_hasher(cash.len(), Default::default());
        let mut slots: Vec<(Key, i64, u32)> = Vec::new();
        let mut before: Vec<u32> = vec![u32::MAX; df.height()];
        let mut last: Option<(Key, u32)> = None;
        for i in cash {
            let (Some(v), Some(vo), Some(a)) = (village.get(i), voucher.get(i), amount.get(i))
            else {
                continue;
            };
            let key = (
                v,
                vo,
                payee.get(i).unwrap_or_default(),
                payee_id.get(i).unwrap_or_default(),
            );
            let slot = match last {
                Some((k, s)) if k == key => s,
                _ => *slot_of.entry(key).or_insert_with(|| {
                    slots.push((key, 0, u32::MAX));
                    (slots.len() - 1) as u32
                }),
            };
            last = Some((key, slot));
            let e = &mut slots[slot as usize];
            e.1 += a;
            before[i] = e.2;
            e.2 = i as u32;
        }
        drop(slot_of);
        let groups: BTreeMap<Key, Vec<Line>> = slots
            .into_iter()
            .filter(|(_, total, _)| *total > limit)
            .map(|(k, _, tail)| {
                let mut idx = Vec::new();
                let mut at = tail;
                while at != u32::MAX {
                    idx.push(at as usize);
                    at = before[at as usize];
                }
                idx.reverse();
                let lines = idx
                    .into_iter()
                    .map(|i| Line {
                        row: rows.get(i).unwrap_or_default(),
                        amount: amount.get(i).unwrap_or_default(),
                        date: date.get(i).unwrap_or_default(),
                        summary: summary.get(i).unwrap_or_default().to_string(),
                        method: method.get(i).unwrap_or_default().to_string(),
                    })
                    .collect();
                (k, lines)
            })
            .collect();
        let mut out = Vec::new();
        for ((v, vo, payee, payee_id), lines) in groups {
            let total: i64 = lines.iter().map(|l| l.amount).sum();
            let ratio = total as f64 / limit.max(1) as f64;
            let score = 40.0 + 20.0 * ratio.log10();
            let who = if payee.is_empty() {
                "未填写收款人".to_string()
            } else {
                format!("向“{payee}”")
            };
            out.push(
                META.finding(v, vo)
                    .score(score.min(85.0))
                    .amount(total)
                    .related([payee_id])
                    .message(format!(
                        "凭证{vo}{who}现金支付{}，超过现金结算起点{}，请核实是否经批准及实际收款人",
                        fen_to_yuan_display(total),
                        fen_to_yuan_display(limit)
                    ))
                    .evidence(json!({
                        "voucher_no": vo,
                        "payee": payee,
                        "payee_id": payee_id,
                        "limit": fen_to_yuan_string(limit),
                        "total": fen_to_yuan_string(total),
                        "lines": lines.iter().map(|l| json!({
                            "row": l.row,
                            "date": day_string(l.date),
                            "amount": fen_to_yuan_string(l.amount),
                            "summary": l.summary,
                            "payment_method": l.method,
                        })).collect::<Vec<_>>(),
                    })),
            );
        }
        Ok(out)
    }
}
