//! Money paid to persons by the annex's other processes (data contract
//! §2a): land-acquisition compensation and crop-insurance claims, as plain
//! rows the people rules read beside the rolls (DUP001: the same person
//! paid twice in one batch or for one crop and year; DEA001: paid after the
//! month of death).

use chrono::Datelike;
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
        for i in 0..c.height() {
            let (Some(v), Some(id), Some(paid)) = (c.village.get(i), c.id.get(i), c.paid.get(i))
            else {
                continue;
            };
            if !valid_id(id) {
                continue;
            }
            out.push(PaidRow {
                table: TableKind::LandCompensation,
                row: c.row.get(i).unwrap_or_default(),
                village: v.to_string(),
                id: id.to_string(),
                name: c.name.get(i).unwrap_or_default().to_string(),
                paid,
                amount: c.amount.get(i).unwrap_or_default(),
                program: "征地补偿款",
                group: c.batch.get(i).unwrap_or_default().to_string(),
            });
        }
    }
    if let Some(c) = ClaimsView::load(ds)? {
        for i in 0..c.height() {
            let (Some(v), Some(id), Some(paid)) = (c.village.get(i), c.id.get(i), c.paid.get(i))
            else {
                continue;
            };
            if !valid_id(id) {
                continue;
            }
            let year = from_epoch_days(paid).map(|d| d.year()).unwrap_or_default();
            out.push(PaidRow {
                table: TableKind::Claims,
                row: c.row.get(i).unwrap_or_default(),
                village: v.to_string(),
                id: id.to_string(),
                name: c.name.get(i).unwrap_or_default().to_string(),
                paid,
                amount: c.amount.get(i).unwrap_or_default(),
                program: "农业保险理赔",
                group: format!("{}{year}", c.crop.get(i).unwrap_or_default()),
            });
        }
    }
    Ok(out)
}
