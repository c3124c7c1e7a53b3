use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::ledger::{Options, Payment, payments_of};
use super::common::util::{day_string, rows_by_village};
use super::common::views::LedgerView;
use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::yuan_to_fen;
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};

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
            village,
            direction,
            amount,
            method,
            summary,
            date,
            row: rows,
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
        // One payment is a voucher's cash lines to one payee; only payments
        // over the limit are copied out.
        let cash = rows_by_village(village, |i| direction.get(i) == Some("支出") && is_cash(i));
        let mut over: Vec<Payment> = cash
            .iter()
            .flat_map(|(v, idx)| payments_of(&ledger, v, idx, Options::default()))
            .filter(|pay| pay.amount > limit)
            .collect();
        over.sort_by(|a, b| {
            (a.village, a.voucher, a.payee, a.payee_id)
                .cmp(&(b.village, b.voucher, b.payee, b.payee_id))
        });
        let mut out = Vec::new();
        for pay in &over {
            let Payment {
                village: v,
                voucher: vo,
                payee,
                payee_id,
                amount: total,
                ..
            } = *pay;
            let ratio = total as f64 / limit.max(1) as f64;
            let score = 40.0 + 20.0 * ratio.log10();
            let who = if payee.is_empty() {
                "未填写收款人".to_string()
            } else {
                format!("向“{payee}”")
            };
            let lines: Vec<_> = pay
                .lines
                .iter()
                .map(|&i| {
                    let i = i as usize;
                    json!({
                        "row": rows.get(i).unwrap_or_default(),
                        "date": day_string(date.get(i).unwrap_or_default()),
                        "amount": fen_to_yuan_string(amount.get(i).unwrap_or_default()),
                        "summary": summary.get(i).unwrap_or_default(),
                        "payment_method": method.get(i).unwrap_or_default(),
                    })
                })
                .collect();
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
                        "lines": lines,
                    })),
            );
        }
        Ok(out)
    }
}
