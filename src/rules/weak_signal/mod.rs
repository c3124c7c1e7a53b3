//! Weak signals (category `weak_signal`): facts that are not cases alone
//! but raise the rank of cases in the same village (`crate::ranking`). Each
//! is `low` and scored below every case. This file holds what they share:
//! a village's 支出 lines, the street's median and MAD, a line as evidence.

mod benford;
mod near_threshold;
mod rest_days;
mod round_amounts;
mod shared_contact;
mod table_totals;
mod voucher_sequence;

pub use benford::Benford;
pub use near_threshold::NearThreshold;
pub use rest_days::RestDays;
pub use round_amounts::RoundAmounts;
pub use shared_contact::SharedContact;
pub use table_totals::TableTotals;
pub use voucher_sequence::VoucherSequence;

use serde_json::{Value, json};

use super::common::util::{day_string, rows_by_village};
use super::common::views::LedgerView;
use crate::money::fen_to_yuan_string;

/// The score of a weak signal (the ranking keeps it below every case).
pub(super) const WEAK_SCORE: f64 = 5.0;

/// Each village's 支出 lines with an amount above zero, in the order of
/// their row numbers in the file (evidence lists follow the files, never
/// the order rows were read in).
pub(super) fn expenses<'a>(l: &LedgerView<'a>) -> Vec<(&'a str, Vec<usize>)> {
    let mut out = rows_by_village(l.village, |i| {
        l.direction.get(i) == Some("支出") && l.amount.get(i).is_some_and(|a| a > 0)
    });
    for (_, idx) in &mut out {
        idx.sort_by_key(|&i| l.row.get(i));
    }
    out
}

/// A ledger line as evidence: row, voucher, date, amount, payee, summary.
pub(super) fn line_json(l: &LedgerView, i: usize) -> Value {
    json!({
        "row": l.row.get(i).unwrap_or_default(),
        "voucher_no": l.voucher.get(i).unwrap_or_default(),
        "date": l.date.get(i).map(day_string),
        "amount": fen_to_yuan_string(l.amount.get(i).unwrap_or_default()),
        "counterparty": l.payee.get(i).unwrap_or_default(),
        "summary": l.summary.get(i).unwrap_or_default(),
    })
}

pub(super) fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// Median absolute deviation from `m`.
pub(super) fn mad(v: &[f64], m: f64) -> f64 {
    median(&v.iter().map(|x| (x - m).abs()).collect::<Vec<_>>())
}

/// A share as a percentage with one decimal, for messages.
pub(super) fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}
