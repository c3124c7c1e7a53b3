//! 四议两公开 decisions: one ref per decision, due before the first
//! contract signed or ledger line paid that cites it.

use std::collections::BTreeMap;

use serde_json::json;

use super::citations::{Citations, contract_citations, ledger_citations};
use super::records::loose_key;
use super::refs::{Detail, Family, Ref, day, earliest};
use super::{Before, Params};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::rules::common::views::DecisionsView;

pub(super) fn decision_refs(
    decisions: &DecisionsView,
    ds: &Dataset,
    p: &Params,
) -> Result<Vec<Ref>> {
    let DecisionsView {
        row: rows,
        village,
        decision: no,
        subject,
        amount,
        resolved,
        resolution_published: published,
        ..
    } = *decisions;
    let need_signing = matches!(
        p.decisions.before,
        Before::SigningOrPayment | Before::Signing
    );
    let need_payment = matches!(
        p.decisions.before,
        Before::SigningOrPayment | Before::Payment
    );
    let (signing, contract_sums) = contract_citations(ds)?;
    let signing = if need_signing {
        signing
    } else {
        Citations::new()
    };
    let paying = if need_payment {
        ledger_citations(ds)?
    } else {
        Citations::new()
    };
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for i in 0..decisions.height() {
        let (Some(v), Some(d)) = (village.get(i), no.get(i)) else {
            continue;
        };
        if d.is_empty() {
            continue;
        }
        seen.entry((v.to_string(), d.to_string())).or_insert(i);
    }
    let mut out = Vec::new();
    for ((v, d), i) in seen {
        let key = (v.clone(), loose_key(&d).into_owned());
        let event = earliest(signing.get(&key).cloned(), paying.get(&key).cloned());
        out.push(Ref {
            family: Family::Decision,
            village: v,
            ref_no: d,
            what: subject.get(i).unwrap_or_default().to_string(),
            amount: amount
                .get(i)
                .or_else(|| contract_sums.get(&key).copied())
                .unwrap_or_default(),
            required_days: p.decisions.days as i64,
            before: p.decisions.before,
            event,
            after_payment_ok: false,
            detail: Detail::Json(json!({
                "row": rows.get(i),
                "subject": subject.get(i),
                "resolved_date": resolved.get(i).map(day),
                "resolution_published_date": published.get(i).map(day),
            })),
        });
    }
    Ok(out)
}
