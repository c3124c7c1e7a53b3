use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Receipt, book, instalments, lease_evidence, lease_label, ledger_span};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::util::day_string;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A lease of collective assets or resources with an instalment of rent due
and no ledger 收入 for it. Instalments are due in advance: on `start_date`,
then every cycle (`payment_cycle`: 按年, 按半年, 按季, 按月; blank is 按年;
一次性 is one instalment of the whole term; `prepaid_years` make the first
instalment cover those years). A receipt is a ledger 收入 line citing the
lease's `contract_no`, else one from the lessee (same village, same name, id
or an account the lessee paid from on a numbered line; a line whose id
names another person matches only a lessee written without id) when it
cites no other lease and its amount is a whole number of instalments or
years of rent (a namesake's other dues are not rent); among a lessee's
leases, the one running on its date takes it. It counts for an instalment when dated from the due date to
`grace-days` after, each receipt for one instalment. The export's as-of
date is the latest ledger date: an instalment whose grace has not run out
by then, or due before the ledger's first date, is not judged.

## Why it matters
Rent taken in cash and never booked (坐收坐支, 私存私放) is the most common
三资 case; supervision platforms alert on rent overdue first
(《农村集体经济组织财务制度》, 财农〔2021〕121号).

## Parameters
- `grace-days` (60): days after the due date within which the rent may be booked.

## Known false positives
Rent booked by the township's agency account or under another name (a
family member paying), rent waived by a decision (a disaster year), and
leases ended early by agreement (the export still shows the old end date).
";

/// 租金未收缴.
pub struct Uncollected;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub grace_days: i32,
}

impl Default for Params {
    fn default() -> Self {
        Params { grace_days: 60 }
    }
}

const META: RuleMeta = RuleMeta {
    code: "LSE001",
    name: "lease_rent_uncollected",
    category: Category::AssetLease,
    severity: Severity::High,
    summary: "lease rent due (by payment cycle) with no ledger 收入 within 60 days",
    doc: DOC,
    needs: &[TableKind::Leases, TableKind::Ledger],
    processes: &[4, 5],
};

impl Rule for Uncollected {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let book = book(ds)?;
        let (Some(book), Some((first, as_of))) = (book.as_ref(), ledger_span(ds)?) else {
            return Ok(vec![]);
        };
        let (leases, got) = (&book.leases, &book.receipts);
        let mut out = Vec::new();
        for (lease, rs) in leases.iter().zip(got) {
            let mut used = vec![false; rs.len()];
            let mut missed = Vec::new();
            let mut expected = Vec::new();
            for inst in instalments(lease) {
                if inst.due < first || inst.due + p.grace_days > as_of {
                    continue;
                }
                let found = (0..rs.len()).find(|&k| {
                    !used[k] && rs[k].date >= inst.due && rs[k].date <= inst.due + p.grace_days
                });
                if let Some(k) = found {
                    used[k] = true;
                }
                expected.push(json!({
                    "due": day_string(inst.due),
                    "amount": fen_to_yuan_string(inst.amount),
                    "received": found.map(|k| rs[k].evidence()),
                }));
                if found.is_none() {
                    missed.push(inst);
                }
            }
            if missed.is_empty() {
                continue;
            }
            let owed: i64 = missed.iter().map(|m| m.amount).sum();
            let dues: Vec<String> = missed.iter().map(|m| day_string(m.due)).collect();
            out.push(
                META.finding(&lease.village, &lease.contract)
                    .score((60.0 + 10.0 * missed.len() as f64).min(90.0))
                    .amount(owed)
                    .related([lease.lessee_id.clone()])
                    .message(format!(
                        "{}有{}期租金（应收{}，到期日{}）在到期后{}天内未见入账，请核实租金是否收取、是否坐收坐支或私存",
                        lease_label(lease),
                        missed.len(),
                        fen_to_yuan_display(owed),
                        dues.join("、"),
                        p.grace_days
                    ))
                    .evidence(json!({
                        "lease": lease_evidence(lease),
                        "as_of": day_string(as_of),
                        "ledger_from": day_string(first),
                        "grace_days": p.grace_days,
                        "instalments": expected,
                        "receipts": rs.iter().map(Receipt::evidence).collect::<Vec<_>>(),
                    })),
            );
        }
        Ok(out)
    }
}
