use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::common::calendar::Calendar;
use super::super::common::views::LedgerView;
use super::super::{Rule, RuleMeta, params_of, rule_params};
use super::{WEAK_SCORE, expenses, line_json, median, pct};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};

const DOC: &str = "\
## What it flags
A village whose ledger books `min-lines` or more 支出 lines on rest days
(weekends and public holidays, by the holiday calendar
`rules/holidays.toml`; a weekend made a working day by 调休 is a working
day), when its share of rest-day 支出 is at least `ratio` times the
street's (the median of the villages' shares). One finding per village (subject: the village code); the
evidence lists every such line with its date and what day it was
(`周六`, `春节假期`). Years the calendar does not list are judged by
weekends alone.

## Why it matters
The street's 三资 agents book on working days; a payment dated on a
Sunday or during 春节 was made outside the office, in cash or by a cadre
alone, or the date was written after the fact. It is not a case alone;
it raises the rank of the village's cases.

## Parameters
- `min-lines` (3): rest-day 支出 lines a village needs to be reported.
- `ratio` (3.0): how many times the street's share of rest-day 支出 the
  village's share must be (a street whose export dates every payment by
  the bank's value date books many on weekends, and no village stands out).

## Known false positives
Villages whose agent books on the day of the payment, on 调休 weekends the
calendar does not know (a locality's own arrangement), and relief paid out
during a holiday by design (春节 慰问).
";

/// A village, its 支出 lines, and those on rest days with the day's name.
type VillageRest<'a> = (&'a str, usize, Vec<(usize, String)>);

/// 节假日记账.
pub struct RestDays;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_lines: usize,
    pub ratio: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_lines: 3,
            ratio: 3.0,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "WEAK006",
    name: "rest_day_bookings",
    category: Category::WeakSignal,
    severity: Severity::Low,
    summary: "支出 booked on weekends and public holidays (调休 working days are working days)",
    doc: DOC,
    needs: &[TableKind::Ledger],
    processes: &[3],
};

impl Rule for RestDays {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(l) = LedgerView::load(ds)? else {
            return Ok(vec![]);
        };
        let cal = Calendar::builtin();
        let by_village: Vec<VillageRest> = expenses(&l)
            .into_iter()
            .map(|(v, idx)| {
                let rest: Vec<(usize, String)> = idx
                    .iter()
                    .filter_map(|&i| {
                        let (d, day) = cal.day_of_epoch(l.date.get(i)?)?;
                        day.is_rest().then(|| (i, day.label_zh(d)))
                    })
                    .collect();
                (v, idx.len(), rest)
            })
            .collect();
        let total: usize = by_village.iter().map(|(_, n, _)| n).sum();
        let rest_total: usize = by_village.iter().map(|(_, _, r)| r.len()).sum();
        let street = rest_total as f64 / total.max(1) as f64;
        // The bar: the median village's share (a few villages booking on
        // weekends do not raise it).
        let shares: Vec<f64> = by_village
            .iter()
            .map(|(_, n, r)| r.len() as f64 / (*n).max(1) as f64)
            .collect();
        let street_median = median(&shares);
        let mut out = Vec::new();
        for (v, n, rest) in by_village {
            let share = rest.len() as f64 / n.max(1) as f64;
            // The street's share without this village: one village cannot
            // raise the bar it is measured against.
            let others = street_median;
            if rest.len() < p.min_lines || share < p.ratio * others {
                continue;
            }
            let dates: Vec<String> = rest
                .iter()
                .take(5)
                .map(|(i, day)| {
                    format!(
                        "{}（{day}）",
                        l.date
                            .get(*i)
                            .map(super::super::common::util::day_string)
                            .unwrap_or_default()
                    )
                })
                .collect();
            let lines: Vec<_> = rest
                .iter()
                .map(|(i, day)| {
                    let mut j = line_json(&l, *i);
                    j["day"] = json!(day);
                    j
                })
                .collect();
            out.push(
                META.finding(v, v)
                    .score(WEAK_SCORE)
                    .message(format!(
                        "{}笔支出记账日期为休息日或法定节假日（如{}），占本村支出{}，街道各村中位数为{}，请核实是否在非工作时间付款或事后补记",
                        rest.len(),
                        dates.join("、"),
                        pct(share),
                        pct(others)
                    ))
                    .evidence(json!({
                        "rest_day_lines": rest.len(),
                        "expense_lines": n,
                        "share": share,
                        "street_share": street,
                        "street_median_share": others,
                        "lines": lines,
                    })),
            );
        }
        Ok(out)
    }
}
