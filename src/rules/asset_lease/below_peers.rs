use chrono::Datelike;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Lease, day, lease_evidence, lease_label, leases};
use crate::dataset::normalize::to_epoch_days;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A lease whose rent per unit (`annual_rent / area`) is `below-median` or
more below the median of its peers, or whose `annual_rent` is under its
`appraised_rent`. Peers: at least `min-peers` other leases of the export
with the same `asset_type` and unit (亩 when blank), running in the
calendar year the lease was signed (`signed_date`, else `start_date`).

## Why it matters
A 门面 let at half the street's rent, or land below its appraisal, is how
collective income goes to a favoured lessee (《农村集体经济组织财务制度》:
assets let at a fair price, appraised where required).

## Parameters
- `below-median` (0.30): the share below the peers' median from which rent is too low.
- `min-peers` (5): fewest peers for a median.

## Known false positives
Assets in worse repair or location than their type's peers, rent cut by a
recorded decision (a hardship year), and areas written in another unit
than the `unit` column says.
";

/// 租金明显偏低.
pub struct BelowPeers;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub below_median: f64,
    pub min_peers: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            below_median: 0.30,
            min_peers: 5,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "LSE003",
    name: "lease_rent_below_peers",
    category: Category::AssetLease,
    severity: Severity::Medium,
    summary: "lease rent per unit 30 % or more below the median of ≥ 5 peers, or below appraisal",
    doc: DOC,
    needs: &[TableKind::Leases],
    processes: &[4, 5],
};

fn per_unit(l: &Lease) -> Option<f64> {
    l.area.map(|a| l.rent as f64 / a)
}

fn year_of(days: i32) -> i32 {
    day(days).year()
}

fn runs_in(l: &Lease, year: i32) -> bool {
    let from = to_epoch_days(chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default());
    let to = to_epoch_days(chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default());
    l.start <= to && l.end.is_none_or(|e| e >= from)
}

/// The median of sorted `v` with one occurrence of `skip` left out (the
/// lease itself among its peers).
fn median_without(v: &[f64], skip: Option<f64>) -> f64 {
    let at = skip.map(|x| v.partition_point(|y| y.total_cmp(&x).is_lt()));
    let get = |j: usize| match at {
        Some(i) if j >= i => v[j + 1],
        _ => v[j],
    };
    let n = v.len() - usize::from(at.is_some());
    if n % 2 == 1 {
        get(n / 2)
    } else {
        (get(n / 2 - 1) + get(n / 2)) / 2.0
    }
}

impl Rule for BelowPeers {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(leases) = leases(ds)? else {
            return Ok(vec![]);
        };
        let mut groups: std::collections::HashMap<(&str, &str), Vec<usize>> =
            std::collections::HashMap::new();
        for (k, l) in leases.iter().enumerate() {
            groups
                .entry((l.asset_type.as_str(), l.unit.as_str()))
                .or_default()
                .push(k);
        }
        // Each group's rents per unit in a year, sorted: made once per
        // group and year, not once per lease (a street lets thousands of
        // plots of one kind).
        let mut by_year: std::collections::HashMap<(&str, &str, i32), Vec<f64>> =
            std::collections::HashMap::new();
        for lease in &leases {
            let key = (
                lease.asset_type.as_str(),
                lease.unit.as_str(),
                year_of(lease.signed),
            );
            by_year.entry(key).or_insert_with(|| {
                let mut v: Vec<f64> = groups[&(key.0, key.1)]
                    .iter()
                    .filter(|&&j| runs_in(&leases[j], key.2))
                    .filter_map(|&j| per_unit(&leases[j]))
                    .collect();
                v.sort_by(f64::total_cmp);
                v
            });
        }
        let mut out = Vec::new();
        for lease in leases.iter() {
            let year = year_of(lease.signed);
            let mut reasons = Vec::new();
            let mut peer_info = serde_json::Value::Null;
            if let Some(own) = per_unit(lease) {
                let all = &by_year[&(lease.asset_type.as_str(), lease.unit.as_str(), year)];
                let skip = runs_in(lease, year).then_some(own);
                let n = all.len() - usize::from(skip.is_some());
                if n >= p.min_peers {
                    let med = median_without(all, skip);
                    let below = 1.0 - own / med;
                    peer_info = json!({
                        "year": year,
                        "peers": n,
                        "median_per_unit": format!("{:.2}", med / 100.0),
                        "rent_per_unit": format!("{:.2}", own / 100.0),
                        "below_median": (below * 1000.0).round() / 1000.0,
                    });
                    if med > 0.0 && below >= p.below_median - 1e-9 {
                        reasons.push(format!(
                            "每{}年租金{:.2}元，低于{}年同类{}份租赁的中位数{:.2}元{:.0}%",
                            lease.unit,
                            own / 100.0,
                            year,
                            n,
                            med / 100.0,
                            below * 100.0
                        ));
                    }
                }
            }
            if let Some(a) = lease.appraised.filter(|a| lease.rent < *a) {
                reasons.push(format!(
                    "年租金{}低于评估年租金{}",
                    fen_to_yuan_display(lease.rent),
                    fen_to_yuan_display(a)
                ));
            }
            if reasons.is_empty() {
                continue;
            }
            out.push(
                META.finding(&lease.village, &lease.contract)
                    .amount(lease.rent)
                    .related([lease.lessee_id.clone()])
                    .message(format!(
                        "{}{}，请核实定价依据、是否经评估和公开竞价",
                        lease_label(lease),
                        reasons.join("；")
                    ))
                    .evidence(json!({
                        "lease": lease_evidence(lease),
                        "peers": peer_info,
                        "appraised_rent": lease.appraised.map(fen_to_yuan_string),
                    })),
            );
        }
        Ok(out)
    }
}
