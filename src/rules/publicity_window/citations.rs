//! What fixes a decision's event: the contracts and ledger lines citing it.

use std::collections::HashMap;

use polars::prelude::*;

use super::records::loose_key;
use super::refs::{Moment, MomentKind};
use crate::dataset::{Dataset, ROW, TableKind};
use crate::error::Result;
use crate::rules::common::util;

/// The earliest event citing each decision, by village and loose decision key.
pub(super) type Citations = HashMap<(String, String), Moment>;
/// Money by village and loose decision key.
pub(super) type Amounts = HashMap<(String, String), i64>;

pub(super) fn note_citation(map: &mut Citations, village: &str, decision: &str, m: Moment) {
    let key = (village.to_string(), loose_key(decision).into_owned());
    match map.get(&key) {
        Some(old) if (old.day, old.row) <= (m.day, m.row) => {}
        _ => {
            map.insert(key, m);
        }
    }
}

/// Contracts citing each decision: the earliest signing, and the sum of
/// their amounts (the money of a decision that states none).
pub(super) fn contract_citations(code: &str, ds: &Dataset) -> Result<(Citations, Amounts)> {
    let mut map = Citations::new();
    let mut sums = Amounts::new();
    let Some(df) = ds.frame(TableKind::Contracts) else {
        return Ok((map, sums));
    };
    let amount = util::i64_col(code, df, "amount")?;
    let village = util::str_col(code, df, "village_code")?;
    let no = util::text_col(code, df, "contract_no")?;
    let decision = util::text_col(code, df, "decision_no")?;
    let signed = util::date_col(code, df, "signed_date")?;
    let rows = util::u32_col(code, df, ROW)?;
    for i in 0..df.height() {
        let (Some(v), Some(d)) = (village.get(i), decision.get(i)) else {
            continue;
        };
        if d.is_empty() {
            continue;
        }
        *sums
            .entry((v.to_string(), loose_key(d).into_owned()))
            .or_default() += amount.get(i).unwrap_or_default();
        let Some(day) = signed.get(i) else {
            continue;
        };
        note_citation(
            &mut map,
            v,
            d,
            Moment {
                kind: MomentKind::DecisionSigning,
                day,
                table: TableKind::Contracts,
                row: rows.get(i),
                key: no.get(i).map(str::to_string),
            },
        );
    }
    Ok((map, sums))
}

pub(super) fn ledger_citations(code: &str, ds: &Dataset) -> Result<Citations> {
    let mut map = Citations::new();
    let Some(df) = ds.frame(TableKind::Ledger) else {
        return Ok(map);
    };
    // The ledger is the big table: let polars keep only the lines citing a
    // decision before looping.
    let f = df
        .clone()
        .lazy()
        .filter(
            col("decision_no")
                .is_not_null()
                .and(col("direction").eq(lit("支出")))
                .and(col("date").is_not_null()),
        )
        .select([
            col("village_code"),
            col("decision_no"),
            col("voucher_no"),
            col("date"),
            col(ROW),
        ])
        .collect()
        .map_err(util::polars_err(code))?;
    let village = util::str_col(code, &f, "village_code")?;
    let decision = util::text_col(code, &f, "decision_no")?;
    let voucher = util::text_col(code, &f, "voucher_no")?;
    let date = util::date_col(code, &f, "date")?;
    let rows = util::u32_col(code, &f, ROW)?;
    for i in 0..f.height() {
        let (Some(v), Some(d), Some(day)) = (village.get(i), decision.get(i), date.get(i)) else {
            continue;
        };
        if d.is_empty() {
            continue;
        }
        note_citation(
            &mut map,
            v,
            d,
            Moment {
                kind: MomentKind::DecisionPayment,
                day,
                table: TableKind::Ledger,
                row: rows.get(i),
                key: voucher.get(i).map(str::to_string),
            },
        );
    }
    Ok(map)
}
