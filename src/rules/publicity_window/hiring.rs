//! Hiring batches: the hires grouped by village, batch and post, one ref
//! per batch, due before its earliest start.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::refs::{Detail, Family, Moment, MomentKind, Ref, requirement_for};
use super::{Before, Params, PostRequirement};
use crate::dataset::{ROW, TableKind};
use crate::error::{Error, Result};
use crate::rules::common::views::{self, HiresView};

pub(super) fn hiring_batches(hires: &HiresView, p: &Params) -> Result<Vec<Ref>> {
    let g = hires
        .df
        .clone()
        .lazy()
        .filter(
            col("batch_no")
                .is_not_null()
                .and(col("village_code").is_not_null()),
        )
        .group_by([col("village_code"), col("batch_no"), col("post")])
        .agg([
            col("start_date").min().alias("start_min"),
            col(ROW)
                .get(col("start_date").arg_min(), true)
                .alias("start_row"),
            col("monthly_wage").sum().alias("wage_sum"),
            len().alias("n"),
        ])
        .collect()
        .map_err(Error::in_a_rule)?;
    // The query's own columns.
    let village = views::str_of(&g, "village_code")?;
    let batch = views::text_of(&g, "batch_no")?;
    let post = views::str_of(&g, "post")?;
    let start = views::date_of(&g, "start_min")?;
    let start_row = g
        .column("start_row")
        .and_then(|c| c.u32())
        .map_err(Error::in_a_rule)?;
    let wage = views::money_of(&g, "wage_sum")?;
    let n = g
        .column("n")
        .and_then(|c| c.cast(&DataType::UInt64))
        .map_err(Error::in_a_rule)?;
    let n = n.u64().map_err(Error::in_a_rule)?;

    struct Part {
        post: String,
        req: Option<(usize, PostRequirement)>,
        start: Option<i32>,
        row: Option<u32>,
        wage: i64,
        n: u64,
    }
    let mut batches: BTreeMap<(String, String), Vec<Part>> = BTreeMap::new();
    for i in 0..g.height() {
        let (Some(v), Some(b)) = (village.get(i), batch.get(i)) else {
            continue;
        };
        if b.is_empty() {
            continue;
        }
        let ps = post.get(i).unwrap_or_default().to_string();
        let req = requirement_for(&p.hires, &ps, |r| &r.posts).map(|(k, r)| (k, r.clone()));
        batches
            .entry((v.to_string(), b.to_string()))
            .or_default()
            .push(Part {
                post: ps,
                req,
                start: start.get(i),
                row: start_row.get(i),
                wage: wage.get(i).unwrap_or_default(),
                n: n.get(i).unwrap_or_default(),
            });
    }
    let mut out = Vec::new();
    for ((v, b), parts) in batches {
        let Some((_, req)) = parts
            .iter()
            .filter_map(|pt| pt.req.as_ref())
            .min_by_key(|(k, r)| (std::cmp::Reverse(r.days), *k))
        else {
            continue;
        };
        let first = parts
            .iter()
            .filter_map(|pt| pt.start.map(|d| (d, pt.row)))
            .min();
        let event = match req.before {
            Before::Start => first.map(|(d, row)| Moment {
                kind: MomentKind::Start,
                day: d,
                table: TableKind::Hires,
                row,
                key: None,
            }),
            _ => None,
        };
        let posts: BTreeSet<&str> = parts.iter().map(|pt| pt.post.as_str()).collect();
        let what = posts.iter().copied().collect::<Vec<_>>().join("、");
        out.push(Ref {
            family: Family::HiringBatch,
            village: v,
            ref_no: b,
            what,
            amount: parts.iter().map(|pt| pt.wage).sum(),
            required_days: req.days as i64,
            before: req.before,
            event,
            after_payment_ok: false,
            detail: Detail::Hiring {
                posts: posts.iter().map(|s| s.to_string()).collect(),
                hires: parts.iter().map(|pt| pt.n).sum::<u64>(),
                first_start: first.map(|(d, _)| d),
            },
        });
    }
    Ok(out)
}
