//! LSE001–LSE005: leases of collective assets and resources (三资, annex
//! processes 4 and 5). What the five rules share is here: the leases read
//! once into plain records, the ledger 收入 lines attributed to a lease (by
//! contract number, else by the lessee's name, id or a known account), the
//! instalments a lease falls due for, and the lease's term. Each rule is in
//! its own file.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Months, NaiveDate};
use serde_json::{Value, json};

use super::common::lease_term;
use super::common::shared;
use super::common::util::day_string;
use super::common::views::{LeasesView, LedgerView};
use crate::dataset::Dataset;
use crate::dataset::normalize::{from_epoch_days, to_epoch_days};
use crate::error::Result;
use crate::matching::kin::usable_id;
use crate::money::fen_to_yuan_string;

mod below_peers;
mod no_open_letting;
mod prepaid;
mod term;
mod uncollected;

pub use below_peers::BelowPeers;
pub use no_open_letting::NoOpenLetting;
pub use prepaid::Prepaid;
pub use term::Term;
pub use uncollected::Uncollected;

/// One lease row, read once.
#[derive(Debug, Clone)]
pub(crate) struct Lease {
    pub row: u32,
    pub village: String,
    pub contract: String,
    pub asset_id: String,
    pub asset_name: String,
    pub asset_type: String,
    pub area: Option<f64>,
    /// 亩 unless the row says otherwise (data contract §2a).
    pub unit: String,
    pub lessee: String,
    pub lessee_id: String,
    pub start: i32,
    pub end: Option<i32>,
    pub rent: i64,
    pub cycle: String,
    pub prepaid_years: Option<f64>,
    pub procurement: String,
    pub decision: String,
    pub appraised: Option<i64>,
    /// `signed_date`, else `start_date`.
    pub signed: i32,
}

/// The unit as peers are grouped: 亩 when blank, the square-metre
/// spellings (㎡, m2, 平米 …) as 平方米.
fn unit_name(unit: &str) -> String {
    match unit {
        "" | "亩" | "市亩" => "亩".into(),
        "㎡" | "m2" | "M2" | "m²" | "平米" | "平方" | "平方米" => "平方米".into(),
        u => u.to_string(),
    }
}

fn text(v: Option<&str>) -> String {
    v.unwrap_or_default().trim().to_string()
}

/// The dataset's leases in row order (None: no leases table).
pub(crate) fn leases(ds: &Dataset) -> Result<Option<Vec<Lease>>> {
    let Some(l) = LeasesView::load(ds)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(l.height());
    for i in 0..l.height() {
        let (Some(village), Some(start), Some(rent)) =
            (l.village.get(i), l.start.get(i), l.annual_rent.get(i))
        else {
            continue;
        };
        let unit = text(l.unit.get(i));
        out.push(Lease {
            row: l.row.get(i).unwrap_or_default(),
            village: village.to_string(),
            contract: text(l.contract.get(i)),
            asset_id: text(l.asset_id.get(i)),
            asset_name: text(l.asset_name.get(i)),
            asset_type: text(l.asset_type.get(i)),
            area: l.area.get(i).filter(|a| *a > 0.0),
            unit: unit_name(&unit),
            lessee: text(l.lessee.get(i)),
            lessee_id: text(l.lessee_id.get(i)),
            start,
            end: l.end.get(i),
            rent,
            cycle: text(l.cycle.get(i)),
            prepaid_years: l.prepaid_years.get(i),
            procurement: text(l.procurement.get(i)),
            decision: text(l.decision.get(i)),
            appraised: l.appraised_rent.get(i).filter(|a| *a > 0),
            signed: l.signed.get(i).unwrap_or(start),
        });
    }
    Ok(Some(out))
}

/// A ledger 收入 line attributed to a lease.
#[derive(Debug, Clone)]
pub(crate) struct Receipt {
    pub row: u32,
    pub voucher: String,
    pub date: i32,
    pub amount: i64,
    pub summary: String,
    /// Matched by the contract number (else by the lessee).
    pub by_contract: bool,
}

impl Receipt {
    pub fn evidence(&self) -> Value {
        json!({
            "row": self.row,
            "voucher_no": self.voucher,
            "date": day_string(self.date),
            "amount": fen_to_yuan_string(self.amount),
            "summary": self.summary,
            "matched_by": if self.by_contract { "contract_no" } else { "lessee" },
        })
    }
}

/// The ledger's dates: (first, last) over the whole export. The last is the
/// export's as-of date (rules.md); instalments due before the first are not
/// covered by the export.
pub(crate) fn ledger_span(ds: &Dataset) -> Result<Option<(i32, i32)>> {
    let Some(l) = LedgerView::load(ds)? else {
        return Ok(None);
    };
    let (lo, hi) = (l.date.iter().flatten().min(), l.date.iter().flatten().max());
    Ok(lo.zip(hi))
}

/// The leases and the rent received for each: matched once per dataset
/// (a pass over the whole ledger), read by LSE001, LSE002 and LSE005.
pub(crate) struct Book {
    pub leases: Vec<Lease>,
    pub receipts: Vec<Vec<Receipt>>,
}

/// The dataset's `Book`, `None` without a leases table.
pub(crate) fn book(ds: &Dataset) -> Result<Arc<Option<Book>>> {
    shared(ds, || {
        let Some(leases) = leases(ds)? else {
            return Ok(None);
        };
        let receipts = receipts(ds, &leases)?;
        Ok(Some(Book { leases, receipts }))
    })
}

/// Each lease's receipts (same index as `leases`), in date order. A line
/// citing a lease's contract number is that lease's; a line citing no
/// number of any lease is the lessee's (same village, same id, name or an
/// account the lessee paid from on a numbered line), and goes to the
/// lessee's lease running on its date, else the one that ended last before.
fn receipts(ds: &Dataset, leases: &[Lease]) -> Result<Vec<Vec<Receipt>>> {
    let mut out: Vec<Vec<Receipt>> = vec![Vec::new(); leases.len()];
    let Some(l) = LedgerView::load(ds)? else {
        return Ok(out);
    };
    let mut by_contract: HashMap<(&str, &str), usize> = HashMap::new();
    let mut by_party: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (k, lease) in leases.iter().enumerate() {
        let v = lease.village.as_str();
        if !lease.contract.is_empty() {
            by_contract.insert((v, lease.contract.as_str()), k);
        }
        if !lease.lessee.is_empty() {
            by_party
                .entry((v, lease.lessee.as_str()))
                .or_default()
                .push(k);
        }
        if let Some(id) = usable_id(Some(lease.lessee_id.as_str())) {
            by_party.entry((v, id)).or_default().push(k);
        }
    }
    let numbered_contracts: std::collections::HashSet<&str> =
        leases.iter().map(|x| x.contract.as_str()).collect();
    let mut unmatched: Vec<usize> = Vec::new();
    let mut accounts: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for i in 0..l.height() {
        if l.direction.get(i) != Some("收入") {
            continue;
        }
        let (Some(v), Some(date), Some(amount)) =
            (l.village.get(i), l.date.get(i), l.amount.get(i))
        else {
            continue;
        };
        let c = l.contract.get(i).unwrap_or_default();
        let receipt = |by_contract| Receipt {
            row: l.row.get(i).unwrap_or_default(),
            voucher: l.voucher.get(i).unwrap_or_default().to_string(),
            date,
            amount,
            summary: l.summary.get(i).unwrap_or_default().to_string(),
            by_contract,
        };
        if let Some(&k) = by_contract.get(&(v, c)) {
            if let Some(a) = l.payee_account.get(i).filter(|a| !a.is_empty()) {
                accounts
                    .entry((v.to_string(), a.to_string()))
                    .or_default()
                    .push(k);
            }
            out[k].push(receipt(true));
        } else if c.is_empty() || !numbered_contracts.contains(c) {
            unmatched.push(i);
        }
    }
    for i in unmatched {
        let v = l.village.get(i).unwrap_or_default();
        let date = l.date.get(i).unwrap_or_default();
        // An id that names a lessee decides; an id that names none is
        // another person, who shares the name only of a lessee without id.
        let id = usable_id(l.payee_id.get(i));
        let by_id = id.and_then(|id| by_party.get(&(v, id)));
        let by_name = l.payee.get(i).and_then(|n| by_party.get(&(v, n)));
        let mut cands: Vec<usize> = match (by_id, by_name) {
            (Some(ks), _) => ks.clone(),
            (None, Some(ks)) if id.is_some() => ks
                .iter()
                .copied()
                .filter(|&k| usable_id(Some(leases[k].lessee_id.as_str())).is_none())
                .collect(),
            (None, Some(ks)) => ks.clone(),
            (None, None) => Vec::new(),
        };
        if let Some(a) = l.payee_account.get(i).filter(|a| !a.is_empty())
            && let Some(ks) = accounts.get(&(v.to_string(), a.to_string()))
        {
            cands.extend(ks);
        }
        // Without the contract number, only rent-like amounts: whole
        // instalments or years of the lease's rent (a namesake's other
        // dues are not this lease's rent).
        let amount = l.amount.get(i).unwrap_or_default();
        cands.retain(|&k| rent_like(&leases[k], amount));
        cands.sort_unstable();
        cands.dedup();
        let Some(k) = lease_on(leases, &cands, date, amount) else {
            continue;
        };
        out[k].push(Receipt {
            row: l.row.get(i).unwrap_or_default(),
            voucher: l.voucher.get(i).unwrap_or_default().to_string(),
            date,
            amount: l.amount.get(i).unwrap_or_default(),
            summary: l.summary.get(i).unwrap_or_default().to_string(),
            by_contract: false,
        });
    }
    for r in &mut out {
        r.sort_by_key(|x| (x.date, x.row));
    }
    Ok(out)
}

/// Of a lessee's leases, the one running on `date` (one whose instalment
/// is the amount first), else the one that ended last before it (a receipt
/// after every end: 超期占用), else the first to start after it.
fn lease_on(leases: &[Lease], cands: &[usize], date: i32, amount: i64) -> Option<usize> {
    let fits = |k: usize| {
        let l = &leases[k];
        let per = cycle_months(&l.cycle).map(|m| l.rent * i64::from(m) / 12);
        per != Some(amount) && l.rent != amount
    };
    let running = cands
        .iter()
        .copied()
        .filter(|&k| leases[k].start <= date && leases[k].end.is_none_or(|e| date <= e))
        .min_by_key(|&k| (fits(k), leases[k].start, leases[k].row));
    running
        .or_else(|| {
            cands
                .iter()
                .copied()
                .filter(|&k| leases[k].end.is_some_and(|e| e < date))
                .max_by_key(|&k| (leases[k].end, std::cmp::Reverse(leases[k].row)))
        })
        .or_else(|| {
            cands
                .iter()
                .copied()
                .min_by_key(|&k| (leases[k].start, leases[k].row))
        })
}

/// A whole number of the lease's instalments or years of rent.
fn rent_like(l: &Lease, amount: i64) -> bool {
    let per = cycle_months(&l.cycle).map_or(l.rent, |m| l.rent * i64::from(m) / 12);
    [per, l.rent]
        .iter()
        .any(|&u| u > 0 && amount > 0 && amount % u == 0 && amount / u <= 30)
}

pub(crate) fn day(days: i32) -> NaiveDate {
    from_epoch_days(days).unwrap_or(NaiveDate::MIN)
}

pub(crate) fn add_months(days: i32, months: u32) -> i32 {
    to_epoch_days(
        day(days)
            .checked_add_months(Months::new(months))
            .unwrap_or(NaiveDate::MAX),
    )
}

/// Rent over the whole term (yuan fen): the 公开竞价 and decision line.
pub(crate) fn term_value(lease: &Lease) -> Option<i64> {
    lease_term::term_value(lease.rent, lease.start, lease.end?)
}

/// Months between instalments for a 缴费方式 (None: one payment).
pub(crate) fn cycle_months(cycle: &str) -> Option<u32> {
    match cycle {
        c if c.contains("一次") => None,
        c if c.contains("半年") => Some(6),
        c if c.contains('季') => Some(3),
        c if c.contains('月') => Some(1),
        _ => Some(12),
    }
}

/// One instalment: its due date and amount (fen).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instalment {
    pub due: i32,
    pub amount: i64,
}

/// Instalments due in advance: on `start_date`, then every cycle, while the
/// lease runs. Prepaid years make the first instalment cover them.
pub(crate) fn instalments(lease: &Lease) -> Vec<Instalment> {
    let Some(step) = cycle_months(&lease.cycle) else {
        let amount = term_value(lease).unwrap_or(lease.rent);
        return vec![Instalment {
            due: lease.start,
            amount,
        }];
    };
    let end = lease.end.unwrap_or(i32::MAX);
    let prepaid = lease
        .prepaid_years
        .filter(|y| *y >= 1.0)
        .map(|y| (y * 12.0).round() as u32);
    let mut out = Vec::new();
    let mut due = lease.start;
    let mut months = 0u32;
    let first = prepaid.unwrap_or(step).max(step);
    while due <= end && out.len() < 1200 {
        let span = if out.is_empty() { first } else { step };
        out.push(Instalment {
            due,
            amount: lease.rent * i64::from(span) / 12,
        });
        months += span;
        due = add_months(lease.start, months);
    }
    out
}

/// The lease as evidence.
pub(crate) fn lease_evidence(l: &Lease) -> Value {
    json!({
        "row": l.row,
        "contract_no": l.contract,
        "asset_id": l.asset_id,
        "asset_name": l.asset_name,
        "asset_type": l.asset_type,
        "area": l.area,
        "unit": l.unit,
        "lessee": l.lessee,
        "lessee_id": l.lessee_id,
        "start_date": day_string(l.start),
        "end_date": l.end.map(day_string),
        "annual_rent": fen_to_yuan_string(l.rent),
        "payment_cycle": l.cycle,
        "procurement": l.procurement,
        "decision_no": l.decision,
    })
}

/// How a lease is named in a message: its number and what it lets.
pub(crate) fn lease_label(l: &Lease) -> String {
    let what = if l.asset_name.is_empty() {
        l.asset_type.as_str()
    } else {
        l.asset_name.as_str()
    };
    format!("租赁合同{}（{}，承租方“{}”）", l.contract, what, l.lessee)
}
