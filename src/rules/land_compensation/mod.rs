//! LND001–LND003: land-acquisition compensation (征地补偿, annex process
//! 6). The payment rows are read once into plain records here; each rule is
//! in its own file.

use serde_json::{Value, json};

use super::common::util::day_string;
use super::common::views::LandCompensationView;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::money::fen_to_yuan_string;

mod early_payment;
mod outsider;
mod over_rate;

pub use early_payment::EarlyPayment;
pub use outsider::Outsider;
pub use over_rate::OverRate;

/// One compensation payment.
#[derive(Debug, Clone)]
pub(crate) struct Payment {
    pub row: u32,
    pub village: String,
    pub batch: String,
    pub published: Option<i32>,
    pub objection_end: Option<i32>,
    pub household: String,
    pub name: String,
    pub id: String,
    pub area: Option<f64>,
    pub rate: Option<i64>,
    pub attachments: i64,
    pub amount: i64,
    pub paid: Option<i32>,
    pub account: String,
    pub decision: String,
}

fn text(v: Option<&str>) -> String {
    v.unwrap_or_default().trim().to_string()
}

pub(crate) fn payments(ds: &Dataset) -> Result<Option<Vec<Payment>>> {
    let Some(c) = LandCompensationView::load(ds)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(c.height());
    for i in 0..c.height() {
        let (Some(village), Some(amount)) = (c.village.get(i), c.amount.get(i)) else {
            continue;
        };
        out.push(Payment {
            row: c.row.get(i).unwrap_or_default(),
            village: village.to_string(),
            batch: text(c.batch.get(i)),
            published: c.plan_published.get(i),
            objection_end: c.objection_end.get(i),
            household: text(c.household.get(i)),
            name: text(c.name.get(i)),
            id: text(c.id.get(i)),
            area: c.area.get(i),
            rate: c.rate.get(i),
            attachments: c.attachments.get(i).unwrap_or_default(),
            amount,
            paid: c.paid.get(i),
            account: text(c.account.get(i)),
            decision: text(c.decision.get(i)),
        });
    }
    Ok(Some(out))
}

impl Payment {
    /// The subject: the id number, else the name.
    pub fn subject(&self) -> &str {
        if self.id.is_empty() {
            &self.name
        } else {
            &self.id
        }
    }

    pub fn evidence(&self) -> Value {
        json!({
            "row": self.row,
            "batch_no": self.batch,
            "name": self.name,
            "id_number": self.id,
            "household_id": self.household,
            "area": self.area,
            "rate": self.rate.map(fen_to_yuan_string),
            "attachments": fen_to_yuan_string(self.attachments),
            "amount": fen_to_yuan_string(self.amount),
            "paid_date": self.paid.map(day_string),
            "bank_account": self.account,
            "plan_published_date": self.published.map(day_string),
            "plan_objection_end": self.objection_end.map(day_string),
            "decision_no": self.decision,
        })
    }
}
