//! Contracts at or above the threshold: one ref per contract, due before
//! its signing.

use std::collections::BTreeMap;

use serde_json::json;

use super::Before;
use super::Params;
use super::refs::{Detail, Family, Moment, MomentKind, Ref, day};
use crate::dataset::TableKind;
use crate::money::fen_to_yuan_string;
use crate::rules::common::views::ContractsView;

pub(super) fn contract_refs(contracts: &ContractsView, p: &Params) -> Vec<Ref> {
    let threshold = crate::money::yuan_to_fen(p.contract_threshold);
    let ContractsView {
        row: rows,
        village,
        contract: no,
        project,
        vendor,
        amount,
        signed,
        procurement,
        decision,
        ..
    } = *contracts;
    // A contract listed on several rows is one contract: its largest amount
    // and its earliest signing.
    let mut by_no: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for i in 0..contracts.height() {
        let (Some(v), Some(c), Some(a)) = (village.get(i), no.get(i), amount.get(i)) else {
            continue;
        };
        if c.is_empty() || a < threshold {
            continue;
        }
        by_no
            .entry((v.to_string(), c.to_string()))
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for ((v, c), idx) in by_no {
        let amt = idx
            .iter()
            .filter_map(|&i| amount.get(i))
            .max()
            .unwrap_or_default();
        let first = idx
            .iter()
            .filter_map(|&i| signed.get(i).map(|d| (d, i)))
            .min();
        let lead = first.map(|(_, i)| i).unwrap_or(idx[0]);
        let event = match p.contracts.before {
            Before::Signing => first.map(|(d, i)| Moment {
                kind: MomentKind::Signing,
                day: d,
                table: TableKind::Contracts,
                row: rows.get(i),
                key: None,
            }),
            _ => None,
        };
        let proj = project.get(lead).unwrap_or_default();
        out.push(Ref {
            family: Family::Contract,
            village: v,
            ref_no: c,
            what: if proj.is_empty() {
                vendor.get(lead).unwrap_or_default().to_string()
            } else {
                proj.to_string()
            },
            amount: amt,
            required_days: p.contracts.days as i64,
            before: p.contracts.before,
            event,
            after_payment_ok: false,
            detail: Detail::Json(json!({
                "project_name": proj,
                "vendor": vendor.get(lead),
                "procurement": procurement.get(lead),
                "decision_no": decision.get(lead),
                "signed_date": first.map(|(d, _)| day(d)),
                "threshold": fen_to_yuan_string(threshold),
                "rows": idx.iter().filter_map(|&i| rows.get(i)).collect::<Vec<_>>(),
            })),
        });
    }
    out
}
