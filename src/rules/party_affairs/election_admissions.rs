use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{add_months, date, day, member_key, subject_of};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::rules::common::views::{CadresView, PartyMembersView};
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A village branch that admitted `min-admissions` or more 预备党员 (支部大会
date) in the `window-months` before a 换届, and at least `ratio` times as
many as its usual pace elsewhere in the data. A weak signal (low): one
finding per village and 换届, naming every member admitted in the window.

The 换届 date is known from the cadres' `term_start`: the earliest date of
the largest group of cadres whose terms began within `cluster-days` of each
other, when that group holds at least `min-cadres` cadres (the election
seats most of the 两委 at once; a cadre appointed later starts alone). The
next 换届 is that date plus `term-years`. A village whose cadres give no
such group (no `term_start`, or all different) is not judged: its 换届 is
not known from the data, and `weiquan explain` says so here.

## Why it matters
Members admitted just before a 换届 vote in the branch's election of its
committee: packing the branch with a secretary's relatives and allies is a
known way of securing a re-election (中央组织部 on 突击发展党员).
Admitting a cadre's relative is not in itself a finding.

## Parameters
- `window-months` (6): months before the 换届.
- `min-admissions` (3): admissions in the window to flag.
- `ratio` (2.0): the window's admissions over the village's usual count per
  window (its admissions outside the windows, per month, times the window).
- `cluster-days` (60): days within which the cadres of one 换届 began.
- `min-cadres` (3): cadres the 换届 group must hold.
- `term-years` (5): years between 换届 (村民委员会组织法 第十三条).

## Known false positives
A branch that admits in batches once a year and whose batch falls before a
换届; a 换届 date misread from cadres appointed together for another reason.
";

/// 换届前突击发展党员 (weak).
pub struct ElectionAdmissions;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub window_months: u32,
    pub min_admissions: usize,
    pub ratio: f64,
    pub cluster_days: i32,
    pub min_cadres: usize,
    pub term_years: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            window_months: 6,
            min_admissions: 3,
            ratio: 2.0,
            cluster_days: 60,
            min_cadres: 3,
            term_years: 5,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "PTY002",
    name: "election_admissions",
    category: Category::PartyAffairs,
    severity: Severity::Low,
    summary: "many members admitted in the months before a 换届 (weak)",
    doc: DOC,
    needs: &[TableKind::PartyMembers, TableKind::Cadres],
    processes: &[23],
};

/// The 换届 date of a village from its cadres' term starts, when known.
pub(crate) fn election_date(
    starts: &mut [i32],
    cluster_days: i32,
    min_cadres: usize,
) -> Option<i32> {
    starts.sort_unstable();
    let mut best: Option<(usize, i32)> = None;
    for (k, &s) in starts.iter().enumerate() {
        let n = starts[k..]
            .iter()
            .take_while(|&&x| x - s <= cluster_days)
            .count();
        if best.is_none_or(|(bn, _)| n > bn) {
            best = Some((n, s));
        }
    }
    best.filter(|(n, _)| *n >= min_cadres.max(1))
        .map(|(_, s)| s)
}

impl Rule for ElectionAdmissions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let (Some(m), Some(c)) = (PartyMembersView::load(ds)?, CadresView::load(ds)?) else {
            return Ok(vec![]);
        };
        let mut starts: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for i in 0..c.height() {
            if let (Some(v), Some(s)) = (c.village.get(i), c.term_start.get(i)) {
                starts.entry(v).or_default().push(s);
            }
        }
        // Admissions per village: (date, key, name, row).
        let mut adm: BTreeMap<&str, Vec<(i32, String, &str, u32)>> = BTreeMap::new();
        for i in 0..m.height() {
            let (Some(v), Some(d)) = (m.village.get(i), date(m.admitted, i)) else {
                continue;
            };
            let Some(key) = member_key(m.id.get(i), m.name.get(i)) else {
                continue;
            };
            adm.entry(v).or_default().push((
                d,
                key,
                m.name.get(i).unwrap_or_default(),
                m.row.get(i).unwrap_or_default(),
            ));
        }
        let mut out = Vec::new();
        for (v, list) in &mut adm {
            let Some(s) = starts.get_mut(v) else { continue };
            let Some(e0) = election_date(s, p.cluster_days, p.min_cadres) else {
                continue;
            };
            list.sort();
            let first = list.first().map_or(e0, |x| x.0);
            let last = list.last().map_or(e0, |x| x.0);
            // Every 换届 from before the first admission to after the last.
            let mut elections = vec![e0];
            for k in 1..=20u32 {
                let e = back_months(e0, 12 * p.term_years * k);
                elections.push(e);
                if e < first {
                    break;
                }
            }
            for k in 1..=20u32 {
                let e = add_months(e0, 12 * p.term_years * k);
                elections.push(e);
                if back_months(e, p.window_months) > last {
                    break;
                }
            }
            elections.sort_unstable();
            let windows: Vec<(i32, i32)> = elections
                .iter()
                .map(|&e| (back_months(e, p.window_months), e))
                .collect();
            let inside = |d: i32| windows.iter().any(|&(a, b)| d >= a && d < b);
            let outside: Vec<i32> = list.iter().map(|x| x.0).filter(|&d| !inside(d)).collect();
            let span_months = f64::from((last - first).max(0)) / 30.44;
            let windows_in_span = windows
                .iter()
                .filter(|&&(a, b)| b > first && a <= last)
                .count();
            let months_outside =
                (span_months - windows_in_span as f64 * f64::from(p.window_months)).max(1.0);
            let pace = outside.len() as f64 / months_outside * f64::from(p.window_months);
            for &(a, e) in &windows {
                let hits: Vec<&(i32, String, &str, u32)> =
                    list.iter().filter(|x| x.0 >= a && x.0 < e).collect();
                if hits.len() < p.min_admissions || (hits.len() as f64) < p.ratio * pace {
                    continue;
                }
                let names: Vec<&str> = hits.iter().map(|x| x.2).collect();
                let subject = subject_of(&hits[0].1).to_string();
                out.push(
                    META.finding(v, &subject)
                        .score(30.0)
                        .related(hits.iter().map(|x| subject_of(&x.1).to_string()))
                        .message(format!(
                            "换届（{}）前{}个月内支部大会接收预备党员{}名（{}），明显多于平时（约{:.1}名），请核实是否突击发展党员",
                            day(e),
                            p.window_months,
                            hits.len(),
                            names.join("、"),
                            pace
                        ))
                        .evidence(json!({
                            "election": day(e),
                            "election_from": "cadres.term_start",
                            "window_start": day(a),
                            "admissions": hits.iter().map(|x| json!({
                                "row": x.3, "name": x.2, "admitted_date": day(x.0),
                            })).collect::<Vec<_>>(),
                            "usual_per_window": (pace * 100.0).round() / 100.0,
                        })),
                );
            }
        }
        Ok(out)
    }
}

fn back_months(d: i32, months: u32) -> i32 {
    use chrono::Months;
    let x = super::naive(d);
    x.checked_sub_months(Months::new(months))
        .map(crate::dataset::normalize::to_epoch_days)
        .unwrap_or(d)
}
