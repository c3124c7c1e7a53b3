//! CLM001, CLM002: crop-insurance claims (农业保险理赔, annex process 19).
//! The claim rows are read once here; each rule is in its own file.

use serde_json::{Value, json};

use super::common::util::day_string;
use super::common::views::ClaimsView;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::money::fen_to_yuan_string;

mod area;
mod shared_account;

pub use area::ClaimArea;
pub use shared_account::ClaimSharedAccount;

/// One claim paid.
#[derive(Debug, Clone)]
pub(crate) struct Claim {
    pub row: u32,
    pub village: String,
    pub policy: String,
    pub name: String,
    pub id: String,
    pub crop: String,
    pub insured: Option<f64>,
    pub loss: Option<f64>,
    pub amount: i64,
    pub paid: Option<i32>,
    pub account: String,
}

fn text(v: Option<&str>) -> String {
    v.unwrap_or_default().trim().to_string()
}

pub(crate) fn claims(ds: &Dataset) -> Result<Option<Vec<Claim>>> {
    let Some(c) = ClaimsView::load(ds)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(c.height());
    for i in 0..c.height() {
        let Some(village) = c.village.get(i) else {
            continue;
        };
        out.push(Claim {
            row: c.row.get(i).unwrap_or_default(),
            village: village.to_string(),
            policy: text(c.policy.get(i)),
            name: text(c.name.get(i)),
            id: text(c.id.get(i)),
            crop: text(c.crop.get(i)),
            insured: c.insured_area.get(i),
            loss: c.loss_area.get(i),
            amount: c.amount.get(i).unwrap_or_default(),
            paid: c.paid.get(i),
            account: text(c.account.get(i)),
        });
    }
    Ok(Some(out))
}

impl Claim {
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
            "policy_no": self.policy,
            "name": self.name,
            "id_number": self.id,
            "crop": self.crop,
            "insured_area": self.insured,
            "loss_area": self.loss,
            "amount": fen_to_yuan_string(self.amount),
            "paid_date": self.paid.map(day_string),
            "bank_account": self.account,
        })
    }
}
