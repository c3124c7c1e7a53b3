//! Leases and land-acquisition compensation (data contract §2a): a lease
//! let at or above the line needs its result published before signing (as
//! a contract's 中标结果); a compensation batch needs its distribution list
//! published before the first payment. The plan's own publication (its
//! dates in the compensation table) is LND003's.

use std::collections::BTreeMap;

use serde_json::json;

use super::refs::{Detail, Family, Moment, MomentKind, Ref, day};
use super::{Before, Params};
use crate::dataset::TableKind;
use crate::money::fen_to_yuan_string;
use crate::rules::common::lease_term::term_value;
use crate::rules::common::views::{LandCompensationView, LeasesView};

pub(super) fn lease_refs(l: &LeasesView, p: &Params) -> Vec<Ref> {
    let threshold = crate::money::yuan_to_fen(p.contract_threshold);
    let mut out = Vec::new();
    for i in 0..l.height() {
        let (Some(v), Some(c), Some(rent), Some(start)) = (
            l.village.get(i),
            l.contract.get(i),
            l.annual_rent.get(i),
            l.start.get(i),
        ) else {
            continue;
        };
        let value = l
            .end
            .get(i)
            .and_then(|e| term_value(rent, start, e))
            .unwrap_or(rent);
        if c.is_empty() || value < threshold {
            continue;
        }
        let signed = l.signed.get(i).unwrap_or(start);
        let event = (p.leases.before == Before::Signing).then(|| Moment {
            kind: MomentKind::Signing,
            day: signed,
            table: TableKind::Leases,
            row: l.row.get(i),
            key: None,
        });
        let asset = l
            .asset_name
            .get(i)
            .filter(|a| !a.is_empty())
            .or(l.asset_type.get(i));
        out.push(Ref {
            family: Family::Lease,
            village: v.to_string(),
            ref_no: c.to_string(),
            what: asset.unwrap_or_default().to_string(),
            amount: value,
            required_days: i64::from(p.leases.days),
            before: p.leases.before,
            event,
            after_payment_ok: false,
            detail: Detail::Json(json!({
                "lessee": l.lessee.get(i),
                "procurement": l.procurement.get(i),
                "annual_rent": fen_to_yuan_string(rent),
                "signed_date": day(signed),
                "threshold": fen_to_yuan_string(threshold),
                "row": l.row.get(i),
            })),
        });
    }
    out
}

pub(super) fn compensation_refs(c: &LandCompensationView, p: &Params) -> Vec<Ref> {
    let mut batches: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for i in 0..c.height() {
        if let (Some(v), Some(b)) = (c.village.get(i), c.batch.get(i))
            && !b.is_empty()
        {
            batches.entry((v, b)).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for ((v, b), mut idx) in batches {
        // By the file's row numbers, whatever order the rows were read in.
        idx.sort_by_key(|&i| c.row.get(i));
        let total: i64 = idx.iter().filter_map(|&i| c.amount.get(i)).sum();
        let first = idx
            .iter()
            .filter_map(|&i| c.paid.get(i).map(|d| (d, c.row.get(i), i)))
            .min()
            .map(|(d, _, i)| (d, i));
        let event = match (p.compensation.before, first) {
            (Before::Payment, Some((d, i))) => Some(Moment {
                kind: MomentKind::Payment,
                day: d,
                table: TableKind::LandCompensation,
                row: c.row.get(i),
                key: None,
            }),
            _ => None,
        };
        out.push(Ref {
            family: Family::Compensation,
            village: v.to_string(),
            ref_no: b.to_string(),
            what: "征地补偿款".into(),
            amount: total,
            required_days: i64::from(p.compensation.days),
            before: p.compensation.before,
            event,
            after_payment_ok: false,
            detail: Detail::Json(json!({
                "payees": idx.len(),
                "first_paid": first.map(|(d, _)| day(d)),
                "rows": idx.iter().filter_map(|&i| c.row.get(i)).collect::<Vec<_>>(),
            })),
        });
    }
    out
}
