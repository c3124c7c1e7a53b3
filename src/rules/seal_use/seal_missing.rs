use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::cited;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::rules::common::util::day_string;
use crate::rules::common::views::{ContractsView, DecisionsView, SealLogView};
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A contract signed, or a 四议两公开 decision published (its
`resolution_published_date`, else its `result_published_date`), with no
seal record of its village on or before that day citing its number (in
`ref_no`, or written in the 用印事由). A record dated the same day counts.
A record citing it only later is named in the evidence. Only villages the
seal log covers are judged, and only events on or after the village's
first seal record (an earlier one may be in an older log).

## Why it matters
A contract binds the collective and a published decision speaks for it
only under the village's seal, and every use of the seal is registered
(印章管理, process 26). A contract with no record was stamped outside the
register (or not at all); a record dated after the signing was entered
after the fact.

## Parameters
- `check-contracts` (true), `check-decisions` (true): which records to check.

## Known false positives
A record that cites the number in a form the export mangled (a range
`HT-01至03`); a contract signed with the 合同专用章 kept in another log.
";

/// 合同/决议无用印登记.
pub struct SealMissing;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub check_contracts: bool,
    pub check_decisions: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            check_contracts: true,
            check_decisions: true,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "SEA002",
    name: "seal_missing",
    category: Category::SealUse,
    severity: Severity::Medium,
    summary: "contract signed or decision published with no seal record citing it on or before that day",
    doc: DOC,
    needs: &[TableKind::SealLog],
    processes: &[26],
};

/// Seal records per (village, number): (date, row, entry).
type Index<'a> = BTreeMap<(&'a str, String), Vec<(i32, u32, &'a str)>>;

impl Rule for SealMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(s) = SealLogView::load(ds)? else {
            return Ok(vec![]);
        };
        let mut index: Index = BTreeMap::new();
        let mut first: BTreeMap<&str, i32> = BTreeMap::new();
        for i in 0..s.height() {
            let (Some(v), Some(d)) = (s.village.get(i), s.date.get(i)) else {
                continue;
            };
            let f = first.entry(v).or_insert(d);
            *f = (*f).min(d);
            for no in cited(s.ref_no.get(i), s.purpose.get(i)) {
                index.entry((v, no)).or_default().push((
                    d,
                    s.row.get(i).unwrap_or_default(),
                    s.entry.get(i).unwrap_or_default(),
                ));
            }
        }
        // (village, number, event date, what, row, kind).
        let mut events: Vec<(&str, &str, i32, &str, u32, &str)> = Vec::new();
        if p.check_contracts
            && let Some(c) = ContractsView::load(ds)?
        {
            for i in 0..c.height() {
                if let (Some(v), Some(no), Some(d)) =
                    (c.village.get(i), c.contract.get(i), c.signed.get(i))
                {
                    let what = c.project.get(i).unwrap_or_default();
                    events.push((v, no, d, what, c.row.get(i).unwrap_or_default(), "合同签订"));
                }
            }
        }
        if p.check_decisions
            && let Some(dv) = DecisionsView::load(ds)?
        {
            for i in 0..dv.height() {
                let published = dv
                    .resolution_published
                    .get(i)
                    .or(dv.result_published.get(i));
                if let (Some(v), Some(no), Some(d)) =
                    (dv.village.get(i), dv.decision.get(i), published)
                {
                    let what = dv.subject.get(i).unwrap_or_default();
                    events.push((
                        v,
                        no,
                        d,
                        what,
                        dv.row.get(i).unwrap_or_default(),
                        "决议公开",
                    ));
                }
            }
        }
        let mut out = Vec::new();
        for (v, no, d, what, row, kind) in events {
            let Some(&start) = first.get(v) else { continue };
            if d < start || no.is_empty() {
                continue;
            }
            let mut records: Vec<(i32, u32, &str)> = index
                .get(&(v, crate::text::clean_code(no)))
                .cloned()
                .unwrap_or_default();
            records.sort();
            if records.iter().any(|r| r.0 <= d) {
                continue;
            }
            let later: Vec<_> = records
                .iter()
                .map(|r| json!({"entry_no": r.2, "date": day_string(r.0), "row": r.1}))
                .collect();
            let tail = if later.is_empty() {
                "印章使用登记中无引用该编号的记录".to_string()
            } else {
                format!("用印登记晚于该日（{}）", day_string(records[0].0))
            };
            out.push(
                META.finding(v, no)
                    .score(if later.is_empty() { 55.0 } else { 45.0 })
                    .message(format!(
                        "{no}（{what}）于{}{kind}，{tail}，请核实用印是否登记、是否经审批",
                        day_string(d)
                    ))
                    .evidence(json!({
                        "row": row,
                        "number": no,
                        "event": kind,
                        "date": day_string(d),
                        "subject": what,
                        "later_records": later,
                        "log_starts": day_string(start),
                    })),
            );
        }
        Ok(out)
    }
}
