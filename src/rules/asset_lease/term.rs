use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Lease, Receipt, add_months, book, lease_evidence, lease_label};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::fen_to_yuan_display;
use crate::rules::common::util::day_string;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A lease whose term, `start_date` to `end_date` inclusive, runs over
`max-years` (over `land-max-years` for the land types `land-types`), and a
lease past its end: rent booked from it or its lessee after `end_date`
while no newer lease of the same asset (`asset_id`, else `asset_name`) or
of the same lessee runs (超期占用). Exactly the limit is allowed.

## Why it matters
《民法典》第七百零五条 caps a lease at 20 years; land 承包 runs at most 30
(the 承包期). Over-long terms lock in a low rent for a generation; a lease
run on past its end without a new contract escapes the 公开竞价 a new
letting needs.

## Parameters
- `max-years` (20): longest lawful term of a lease.
- `land-max-years` (30): the same for land.
- `land-types` ([\"耕地\", \"林地\", \"水面\", \"四荒地\", \"机动地\", \"园地\", \"草地\", \"养殖水面\"]): `asset_type` values that are land.

## Known false positives
A renewal booked under the old contract number while the new contract is
missing from the export; rent arrears of the last year paid after the end.
";

/// 租期超限、合同到期仍收租.
pub struct Term;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub max_years: u32,
    pub land_max_years: u32,
    pub land_types: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            max_years: 20,
            land_max_years: 30,
            land_types: [
                "耕地",
                "林地",
                "水面",
                "四荒地",
                "机动地",
                "园地",
                "草地",
                "养殖水面",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "LSE002",
    name: "lease_term",
    category: Category::AssetLease,
    severity: Severity::High,
    summary: "lease term over 20 years (land 30), or rent still booked past the lease's end",
    doc: DOC,
    needs: &[TableKind::Leases],
    processes: &[4, 5],
};

/// A newer lease of the same asset or lessee that runs on `date`.
fn renewed(all: &[Lease], l: &Lease, date: i32) -> bool {
    all.iter().any(|o| {
        o.village == l.village
            && o.contract != l.contract
            && o.start > l.start
            && o.start <= date + 31
            && ((!l.asset_id.is_empty() && o.asset_id == l.asset_id)
                || (!l.asset_name.is_empty() && o.asset_name == l.asset_name)
                || o.lessee == l.lessee)
    })
}

impl Rule for Term {
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
            let land = p.land_types.iter().any(|t| *t == lease.asset_type);
            let limit = if land { p.land_max_years } else { p.max_years };
            let mut reasons = Vec::new();
            let over = lease
                .end
                .filter(|&e| e >= add_months(lease.start, limit * 12));
            if let Some(e) = over {
                reasons.push(format!(
                    "租期{}至{}超过{}年上限",
                    day_string(lease.start),
                    day_string(e),
                    limit
                ));
            }
            let late: Vec<&Receipt> = match lease.end {
                Some(e) => rs
                    .iter()
                    .filter(|r| r.date > e && !renewed(leases, lease, r.date))
                    .collect(),
                None => vec![],
            };
            if !late.is_empty() {
                let sum: i64 = late.iter().map(|r| r.amount).sum();
                reasons.push(format!(
                    "合同{}到期后仍收取租金{}笔共{}且无续签合同",
                    lease.end.map(day_string).unwrap_or_default(),
                    late.len(),
                    fen_to_yuan_display(sum)
                ));
            }
            if reasons.is_empty() {
                continue;
            }
            out.push(
                META.finding(&lease.village, &lease.contract)
                    .score(if over.is_some() { 70.0 } else { 60.0 })
                    .amount(lease.rent)
                    .related([lease.lessee_id.clone()])
                    .message(format!(
                        "{}{}，请核实租期是否合法、是否超期占用未重新公开发包",
                        lease_label(lease),
                        reasons.join("；")
                    ))
                    .evidence(json!({
                        "lease": lease_evidence(lease),
                        "limit_years": limit,
                        "land": land,
                        "over_limit": over.is_some(),
                        "receipts_after_end": late.iter().map(|r| r.evidence()).collect::<Vec<_>>(),
                    })),
            );
        }
        Ok(out)
    }
}
