//! Money paid to persons by the annex's other processes (data contract
//! §2a): land-acquisition compensation and crop-insurance claims, as plain
//! rows the people rules read beside the rolls (DUP001: the same person
//! paid twice in one batch or for one crop and year; DEA001: paid after the
//! month of death).

use chrono::Datelike;
use polars::prelude::{Int32Chunked, Int64Chunked, StringChunked, UInt32Chunked};
use serde_json::{Value, json};

use super::people::valid_id;
use super::util::day_string;
use super::views::{ClaimsView, LandCompensationView};
use crate::dataset::normalize::from_epoch_days;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::money::fen_to_yuan_string;

/// One payment to a person with a valid id.
pub struct PaidRow {
    pub table: TableKind,
    pub row: u32,
    pub village: String,
    pub id: String,
    pub name: String,
    pub paid: i32,
    pub amount: i64,
    /// 征地补偿款 or 农业保险理赔.
    pub program: &'static str,
    /// What one person is paid once for: the batch, or the crop and year.
    pub group: String,
}

impl PaidRow {
    pub fn evidence(&self) -> Value {
        json!({
            "table": self.table.canonical(),
            "row": self.row,
            "program": self.program,
            "group": self.group,
            "name": self.name,
            "paid_date": day_string(self.paid),
            "amount": fen_to_yuan_string(self.amount),
        })
    }
}

/// The compensation and claim payments of the dataset, in table and row order.
pub fn paid_rows(ds: &Dataset) -> Result<Vec<PaidRow>> {
    let mut out = Vec::new();
    if let Some(c) = LandCompensationView::load(ds)? {
        let cells = (c.village, c.id, c.name, c.paid, c.amount, c.row);
        for i in 0..c.height() {
            let batch = c.batch.get(i).unwrap_or_default().to_string();
            out.extend(row_of(
                cells,
                i,
                TableKind::LandCompensation,
                "征地补偿款",
                batch,
            ));
        }
    }
    if let Some(c) = ClaimsView::load(ds)? {
        let cells = (c.village, c.id, c.name, c.paid, c.amount, c.row);
        for i in 0..c.height() {
            let year = c.paid.get(i).and_then(from_epoch_days).map(|d| d.year());
            let group = format!(
                "{}{}",
                c.crop.get(i).unwrap_or_default(),
                year.unwrap_or_default()
            );
            out.extend(row_of(cells, i, TableKind::Claims, "农业保险理赔", group));
        }
    }
    Ok(out)
}

/// Village, id, name, paid date, amount and row columns of a table.
type Cells<'a> = (
    &'a StringChunked,
    &'a StringChunked,
    &'a StringChunked,
    &'a Int32Chunked,
    &'a Int64Chunked,
    &'a UInt32Chunked,
);

fn row_of(
    (village, id, name, paid, amount, row): Cells,
    i: usize,
    table: TableKind,
    program: &'static str,
    group: String,
) -> Option<PaidRow> {
    let (v, idn, day) = (village.get(i)?, id.get(i)?, paid.get(i)?);
    valid_id(idn).then(|| PaidRow {
        table,
        row: row.get(i).unwrap_or_default(),
        village: v.to_string(),
        id: idn.to_string(),
        name: name.get(i).unwrap_or_default().to_string(),
        paid: day,
        amount: amount.get(i).unwrap_or_default(),
        program,
        group,
    })
}
