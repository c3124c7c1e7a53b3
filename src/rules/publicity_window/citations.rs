//! What fixes a decision's event: the contracts and ledger lines citing it.

use std::collections::HashMap;

use polars::prelude::*;

use super::records::loose_key;
use super::refs::{Moment, MomentKind};
use crate::dataset::{Dataset, ROW, TableKind};
use crate::error::{Error, Result};
use crate::rules::common::views::{self, ContractsView};

/// The earliest event citing each decision, by village and loose decision key.
pub(super) type Citations = HashMap<(String, String), Moment>;
/// Money by village and loose decision key.
pub(super) type Amounts = HashMap<(String, String), i64>;

fn note_citation(map: &mut Citations, village: &str, decision: &str, m: Moment) {
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
pub(super) fn contract_citations(ds: &Dataset) -> Result<(Citations, Amounts)> {
    let mut map = Citations::new();
    let mut sums = Amounts::new();
    let Some(contracts) = ContractsView::load(ds)? else {
        return Ok((map, sums));
    };
    let ContractsView {
        row: rows,
        village,
        contract: no,
        amount,
        signed,
        decision,
        ..
    } = contracts;
    for i in 0..contracts.height() {
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

pub(super) fn ledger_citations(ds: &Dataset) -> Result<Citations> {
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
        .map_err(Error::in_a_rule)?;
    // The query's own columns.
    let village = views::str_of(&f, "village_code")?;
    let decision = views::text_of(&f, "decision_no")?;
    let voucher = views::text_of(&f, "voucher_no")?;
    let date = views::date_of(&f, "date")?;
    let rows = views::row_of(&f)?;
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
