use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Receipt, book, lease_evidence, lease_label};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::fen_to_yuan_display;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
Rent taken more than `max-years` years in advance: a lease whose
`prepaid_years` is above it, or a ledger receipt of the lease worth more
than `max-years` years of its `annual_rent`. A weak signal (low).

## Why it matters
Rent collected for many years at once hands today's cadres the income of
their successors' terms and ties the collective to today's price; local
三资 rules cap advance rent (commonly 3 years, or within the term of the
village committee).

## Parameters
- `max-years` (3.0): years of rent that may be taken in advance.

## Known false positives
Short leases paid in one sum (the whole term within the limit is not
flagged), and arrears of several years paid at once (the message asks for
the receipts' periods).
";

/// 预收租金年限过长.
pub struct Prepaid;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub max_years: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params { max_years: 3.0 }
    }
}

const META: RuleMeta = RuleMeta {
    code: "LSE005",
    name: "lease_rent_prepaid",
    category: Category::AssetLease,
    severity: Severity::Low,
    summary: "more than 3 years of lease rent taken in advance (weak)",
    doc: DOC,
    needs: &[TableKind::Leases],
    processes: &[4, 5],
};

impl Rule for Prepaid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let book = book(ds)?;
        let Some(book) = book.as_ref() else {
            return Ok(vec![]);
        };
        let (leases, got) = (&book.leases, &book.receipts);
        let mut out = Vec::new();
        for (lease, rs) in leases.iter().zip(got) {
            let declared = lease.prepaid_years.filter(|y| *y > p.max_years + 1e-9);
            let cap = (lease.rent as f64 * p.max_years).round() as i64;
            let big: Vec<&Receipt> = rs
                .iter()
                .filter(|r| lease.rent > 0 && r.amount > cap)
                .collect();
            if declared.is_none() && big.is_empty() {
                continue;
            }
            let years = declared.unwrap_or_else(|| {
                big.iter().map(|r| r.amount).max().unwrap_or_default() as f64
                    / lease.rent.max(1) as f64
            });
            out.push(
                META.finding(&lease.village, &lease.contract)
                    .score(30.0)
                    .amount(big.iter().map(|r| r.amount).max().unwrap_or(lease.rent))
                    .related([lease.lessee_id.clone()])
                    .message(format!(
                        "{}预收租金约{:.1}年（年租金{}），超过{}年，请核实预收依据及资金去向",
                        lease_label(lease),
                        years,
                        fen_to_yuan_display(lease.rent),
                        p.max_years
                    ))
                    .evidence(json!({
                        "lease": lease_evidence(lease),
                        "prepaid_years": lease.prepaid_years,
                        "max_years": p.max_years,
                        "receipts": big.iter().map(|r| r.evidence()).collect::<Vec<_>>(),
                    })),
            );
        }
        Ok(out)
    }
}
