//! Ledger payments: one voucher's 支出 lines to one payee, summed. CSH001,
//! DEC001 and SPL002 judge payments, not lines (a voucher may split one
//! payment over several lines); they choose the lines, this sums them.
//!
//! Payments borrow the ledger (no copies of millions of lines) and are built
//! per village from the lines a rule keeps. They are not cached in the
//! dataset's derived values: each rule keeps other lines (cash lines only;
//! lines not exempt; lines without a contract), and a payment is the sum of
//! the kept lines, so one rule's payments are not another's.

use polars::polars_utils::UnitVec;
use polars::prelude::PlHashMap;

use super::views::LedgerView;

/// One voucher's kept lines to one payee (name, id number, and with
/// [`Options::by_account`] account), summed.
#[derive(Debug, Default, Clone)]
pub struct Payment<'a> {
    pub village: &'a str,
    pub voucher: &'a str,
    pub payee: &'a str,
    pub payee_id: &'a str,
    /// The first line's 对方账号.
    pub account: &'a str,
    /// The first line's date (0 when it has none), or with
    /// [`Options::dated_only`] the earliest.
    pub date: i32,
    pub amount: i64,
    /// The first line's 摘要.
    pub summary: &'a str,
    /// The first contract and decision number a line gives.
    pub contract_no: &'a str,
    pub decision_no: &'a str,
    /// The lines' file rows; one line per payment is the norm, kept inline.
    pub rows: UnitVec<u32>,
    /// The lines' indexes in the ledger frame, in order.
    pub lines: UnitVec<u32>,
}

/// How lines make payments, where the rules differ.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    /// Lines to one payee through two accounts are two payments.
    pub by_account: bool,
    /// Lines without a date are left out; a payment is dated by its
    /// earliest line.
    pub dated_only: bool,
}

/// The payments of `village` made of the ledger lines `idx` (that
/// village's, in row order), in the order of their first lines. Lines
/// without a voucher number or an amount are left out.
pub fn payments_of<'a>(
    ledger: &LedgerView<'a>,
    village: &'a str,
    idx: &[usize],
    opts: Options,
) -> Vec<Payment<'a>> {
    let mut at: PlHashMap<(&str, &str, &str, &str), usize> = PlHashMap::default();
    let mut out: Vec<Payment<'a>> = Vec::new();
    for &i in idx {
        let (Some(vo), Some(a)) = (ledger.voucher.get(i), ledger.amount.get(i)) else {
            continue;
        };
        let date = ledger.date.get(i);
        if opts.dated_only && date.is_none() {
            continue;
        }
        let payee = ledger.payee.get(i).unwrap_or_default();
        let payee_id = ledger.payee_id.get(i).unwrap_or_default();
        let account = ledger.payee_account.get(i).unwrap_or_default();
        let key_account = if opts.by_account { account } else { "" };
        let k = *at
            .entry((vo, payee, payee_id, key_account))
            .or_insert_with(|| {
                out.push(Payment {
                    village,
                    voucher: vo,
                    payee,
                    payee_id,
                    account,
                    date: date.unwrap_or_default(),
                    summary: ledger.summary.get(i).unwrap_or_default(),
                    ..Payment::default()
                });
                out.len() - 1
            });
        let pay = &mut out[k];
        pay.amount += a;
        if opts.dated_only
            && let Some(d) = date
        {
            pay.date = pay.date.min(d);
        }
        pay.rows.push(ledger.row.get(i).unwrap_or_default());
        pay.lines.push(i as u32);
        if pay.contract_no.is_empty() {
            pay.contract_no = ledger.contract.get(i).unwrap_or_default();
        }
        if pay.decision_no.is_empty() {
            pay.decision_no = ledger.decision.get(i).unwrap_or_default();
        }
    }
    out
}
