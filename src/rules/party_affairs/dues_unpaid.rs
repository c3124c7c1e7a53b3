use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    DuesKeys, as_of, in_row_order, member_key, month_index, month_string, outs_of, subject_of,
    transfers_out,
};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::rules::common::views::{DeathsView, PartyDuesView};
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A member of a village's dues roll with `min-months` or more consecutive
months unpaid: months with no row, or whose rows sum to nothing, from the
member's first month on the roll to the last month of the roll (or the
as-of month, if earlier). Months after the member's transfer out (from the
letter's month on, until a transfer back in) or death (`deaths`, when
present) are not due here. Arrears paid later (补交) count for the months
they name.

## Why it matters
党章 第九条: a member who, without good reason, pays no dues for six
consecutive months is regarded as having given up membership (自行脱党);
the branch must deal with it. A roll with such a member and no action is
a branch that does not manage its members.

## Parameters
- `min-months` (6): consecutive unpaid months to flag; five are not.

## Known false positives
Dues collected for a whole year at its end, before the year's rows are
entered; a member exempted (困难党员, with the 上级党委's approval).
";

/// 连续六个月未交纳党费.
pub struct DuesUnpaid;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_months: i32,
}

impl Default for Params {
    fn default() -> Self {
        Params { min_months: 6 }
    }
}

const META: RuleMeta = RuleMeta {
    code: "PTY005",
    name: "dues_unpaid",
    category: Category::PartyAffairs,
    severity: Severity::High,
    summary: "party dues unpaid six or more consecutive months (党章 第九条)",
    doc: DOC,
    needs: &[TableKind::PartyDues],
    processes: &[25],
};

/// A member on the roll: name, first month, months paid, rows, and the
/// id and name that find the member's transfers.
#[derive(Default)]
struct Member<'a> {
    name: &'a str,
    id: Option<&'a str>,
    first: Option<i32>,
    paid: BTreeMap<i32, i64>,
    rows: Vec<u32>,
}

impl Rule for DuesUnpaid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(d) = PartyDuesView::load(ds)? else {
            return Ok(vec![]);
        };
        let Some(last_period) = (0..d.height()).filter_map(|i| d.period.get(i)).max() else {
            return Ok(vec![]);
        };
        let end = as_of(ds)?.map_or(month_index(last_period), |a| {
            month_index(a).min(month_index(last_period))
        });
        let outs = transfers_out(ds)?;
        let mut died: BTreeMap<&str, i32> = BTreeMap::new();
        if let Some(dv) = DeathsView::load(ds)? {
            for i in 0..dv.height() {
                if let (Some(id), Some(dd)) = (dv.id.get(i), dv.died.get(i)) {
                    died.insert(id, month_index(dd));
                }
            }
        }
        let keys = DuesKeys::new(&d);
        let mut members: BTreeMap<(&str, String), Member> = BTreeMap::new();
        for i in in_row_order(d.row) {
            let (Some(v), Some(period)) = (d.village.get(i), d.period.get(i)) else {
                continue;
            };
            let id = keys.id(v, d.id.get(i), d.name.get(i));
            let Some(key) = member_key(id, d.name.get(i)) else {
                continue;
            };
            let m = month_index(period);
            let e = members.entry((v, key)).or_default();
            e.name = d.name.get(i).unwrap_or_default();
            e.id = e.id.or(id);
            e.first = Some(e.first.map_or(m, |f| f.min(m)));
            *e.paid.entry(m).or_default() += d.amount.get(i).unwrap_or(0);
            e.rows.push(d.row.get(i).unwrap_or_default());
        }
        let mut out = Vec::new();
        for ((v, key), mem) in &members {
            let Some(first) = mem.first else { continue };
            let mut away: BTreeSet<i32> = BTreeSet::new();
            for o in outs_of(&outs, v, mem.id, Some(mem.name)) {
                let from = month_index(o.letter);
                let to = o.back_in.map_or(end + 1, month_index);
                away.extend(from..to);
            }
            let stop = mem
                .id
                .and_then(|id| died.get(id))
                .map_or(end, |&m| m.min(end));
            // The longest run of unpaid months.
            let (mut best, mut run, mut start, mut best_start) = (0, 0, first, first);
            for m in first..=stop {
                let unpaid = !away.contains(&m) && mem.paid.get(&m).copied().unwrap_or(0) <= 0;
                if unpaid {
                    if run == 0 {
                        start = m;
                    }
                    run += 1;
                    if run > best {
                        best = run;
                        best_start = start;
                    }
                } else {
                    run = 0;
                }
            }
            if best < p.min_months {
                continue;
            }
            let last = best_start + best - 1;
            let name = mem.name;
            out.push(
                META.finding(v, subject_of(key))
                    .score(55.0 + f64::from(best.min(12)) * 2.0)
                    .message(format!(
                        "党员“{name}”{}至{}连续{best}个月未交纳党费（达到{}个月），请核实原因及支部是否按党章第九条处理",
                        month_string(best_start),
                        month_string(last),
                        p.min_months
                    ))
                    .evidence(json!({
                        "name": name,
                        "unpaid_from": month_string(best_start),
                        "unpaid_to": month_string(last),
                        "months": best,
                        "roll_from": month_string(first),
                        "roll_to": month_string(end),
                        "rows": mem.rows.iter().map(|r| json!({"row": r})).collect::<Vec<_>>(),
                    })),
            );
        }
        Ok(out)
    }
}
