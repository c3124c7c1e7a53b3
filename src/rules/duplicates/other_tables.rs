//! DUP001 on the annex's other processes: one person paid twice in one
//! land-compensation batch, or twice for one crop and year of insurance
//! claims (street-wide, as on the rolls).

use std::collections::BTreeMap;

use serde_json::json;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::finding::Finding;
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::RuleMeta;
use crate::rules::common::paid_rows::{PaidRow, paid_rows};

pub(super) fn repeated(ds: &Dataset, meta: &RuleMeta, min_payments: usize) -> Result<Vec<Finding>> {
    let rows = paid_rows(ds)?;
    let mut groups: BTreeMap<(&str, &str, &str), Vec<&PaidRow>> = BTreeMap::new();
    for r in &rows {
        groups
            .entry((r.program, &r.group, &r.id))
            .or_default()
            .push(r);
    }
    let mut out = Vec::new();
    for ((program, group, id), mut rs) in groups {
        if rs.len() < min_payments {
            continue;
        }
        rs.sort_by_key(|r| (r.paid, r.row));
        let extra: i64 = rs[1..].iter().map(|r| r.amount).sum();
        out.push(
            meta.finding(&rs[0].village, id)
                .score(75.0)
                .amount(extra)
                .message(format!(
                    "{}（身份证号{id}）在{group}中领取{program}{}次，多领{}，请核实是否重复发放并追缴",
                    rs[0].name,
                    rs.len(),
                    fen_to_yuan_display(extra)
                ))
                .evidence(json!({
                    "id_number": id,
                    "program": program,
                    "group": group,
                    "extra": fen_to_yuan_string(extra),
                    "payments": rs.iter().map(|r| r.evidence()).collect::<Vec<_>>(),
                })),
        );
    }
    Ok(out)
}
