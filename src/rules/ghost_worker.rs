use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::common::keywords::contains_any;
use super::common::people::{self, month_of, month_ranges, month_string};
use super::common::util;
use super::common::views::{HiresView, LedgerView};
use super::common::wages;
use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::{Dataset, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};

const DOC: &str = "\
## What it flags
- Wages in the ledger to a hire (a 支出 line whose 对方证件号码 is the hire's
  id number, or whose 对方账号 is the hire's account, in the hire's village)
  for a time outside every hire record of that person (a line with neither
  id number nor a known account is matched by name to the village's only
  hire of that name, when its 摘要 names the post: medium severity): a month
  before the month of 上岗 or after the month of 离岗. The month is the one
  the 摘要 states (`2025年3月工资`, `1-3月`); when it states none, the
  village's payment lag learnt from the data (lines that state their month,
  hires' first wages) places it; when nothing can be learnt, a line dated in
  a month before the month of 上岗, or more than `arrears-days` after 离岗
  (the last month is paid in arrears), is out. A line counts as wages when its 摘要 or 科目 mentions one of
  `wage-keywords` or the hire's post (保洁 …), or says nothing.
- One person (one valid id number, over the whole dataset) on two paid posts
  whose periods overlap by more than `min-overlap-days` (an open 离岗 runs
  to the last date in the data). The amount is an estimate: the lower
  monthly wage times the months of overlap.
One finding per village, person and kind, listing every row involved.
Wages for months after the person's death (`deaths`) are left to DEA001.

## Why it matters
吃空饷 and 虚报冒领: a cleaner who left, or never started, still drawing a
wage that somebody else collects; a relative put on two posts at once. 公益性
岗位 wages are public money with a ledger trail that makes this checkable.

## Parameters
- `wage-keywords` ([\"工资\", \"劳务\", \"报酬\", \"薪\", \"工钱\"]): summaries of wage lines.
- `non-wage-keywords` ([\"购\", \"报销\", \"材料\", \"工具\", \"维修\", \"租\"]): a summary naming the post but also one of these (保洁工具采购) is not a wage.
- `arrears-days` (31): days after 离岗 within which an undated wage line is the last month's pay, when no payment lag can be learnt.
- `min-overlap-days` (15): overlap of two posts, in days, beyond which it is reported.

## Known false positives
A hire record whose dates were not updated when the person was re-hired
(the message asks for the 用工 papers). Localities that allow one person two
part-time posts (兼职): raise `min-overlap-days` or check the approval.
";

/// 虚报冒领工资: wages outside the hire period; two paid posts at once.
pub struct GhostWorker;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub wage_keywords: Vec<String>,
    pub non_wage_keywords: Vec<String>,
    pub arrears_days: i32,
    pub min_overlap_days: i32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            wage_keywords: ["工资", "劳务", "报酬", "薪", "工钱"]
                .map(String::from)
                .to_vec(),
            non_wage_keywords: ["购", "报销", "材料", "工具", "维修", "租"]
                .map(String::from)
                .to_vec(),
            arrears_days: 31,
            min_overlap_days: 15,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "GHO001",
    name: "ghost_worker",
    category: Category::GhostWorker,
    severity: Severity::High,
    summary: "wages before a hire's start or after the end; two paid posts at once",
    doc: DOC,
    needs: &[TableKind::Hires],
    processes: &[10, 11],
};

impl Rule for GhostWorker {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(hires) = HiresView::load(ds)? else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        if ds.has(TableKind::Ledger) {
            let deaths = people::death_register(ds)?;
            let lag = wages::WageLag::shared(ds)?;
            out.extend(outside_hire_period(&p, ds, &hires, &deaths, &lag)?);
        }
        out.extend(two_posts(&p, ds, &hires)?);
        Ok(out)
    }
}

/// Why a wage line is out of its hire's period.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outside {
    BeforeStart,
    AfterEnd,
}

/// Wages paid outside a hire's period.
#[derive(Default)]
struct Ghost {
    name: String,
    hires: BTreeSet<usize>,
    months: BTreeSet<i32>,
    kinds: BTreeSet<Outside>,
    total: i64,
    /// (file row, line), put in file order before they are shown.
    lines: Vec<(Option<u32>, Value)>,
    /// The ledger row the name was taken from: the last in the file.
    name_row: Option<u32>,
    vouchers: BTreeSet<String>,
    /// At least one line matched by id number or account, not name alone.
    by_number: bool,
}

/// Hire records per (village, key), each list in file order.
type RecordsBy<'a> = PlHashMap<(&'a str, &'a str), Vec<usize>>;

/// The hire records by (village, id number), (village, account) and
/// (village, name); a name only when one person of the village bears it.
fn hire_keys<'a>(h: &HiresView<'a>) -> [RecordsBy<'a>; 3] {
    // (village, id) and (village, account) -> hire records
    let mut by_id: RecordsBy = PlHashMap::default();
    let mut by_account: RecordsBy = PlHashMap::default();
    let mut by_name: RecordsBy = PlHashMap::default();
    for i in 0..h.height() {
        let Some(v) = h.village.get(i) else { continue };
        if let Some(id) = h.id.get(i).filter(|x| people::valid_id(x)) {
            by_id.entry((v, id)).or_default().push(i);
        }
        if let Some(a) = h.account.get(i) {
            by_account.entry((v, a)).or_default().push(i);
        }
        if let Some(n) = h.name.get(i).filter(|n| !n.is_empty()) {
            by_name.entry((v, n)).or_default().push(i);
        }
    }
    // Each key's records in file order, whatever the order of the frame.
    for recs in by_id
        .values_mut()
        .chain(by_account.values_mut())
        .chain(by_name.values_mut())
    {
        recs.sort_by_key(|&r| h.row.get(r));
    }
    // A name stands for a hire only when one person of the village bears it.
    by_name.retain(|_, recs| {
        let ids: BTreeSet<&str> = recs.iter().filter_map(|&r| h.id.get(r)).collect();
        ids.len() <= 1
    });
    [by_id, by_account, by_name]
}

fn outside_hire_period(
    p: &Params,
    ds: &Dataset,
    h: &HiresView,
    deaths: &BTreeMap<String, people::Death>,
    lag: &wages::WageLag,
) -> Result<Vec<Finding>> {
    let [by_id, by_account, by_name] = hire_keys(h);
    let cand = wages::lines_to_hires(ds, true)?;
    let l = LedgerView::of(&cand)?;

    let mut ghosts: BTreeMap<(String, String), Ghost> = BTreeMap::new();
    let mut seen = PlHashSet::default();
    for i in 0..l.height() {
        if !seen.insert(l.row.get(i)) {
            continue;
        }
        let (Some(v), Some(day)) = (l.village.get(i), l.date.get(i)) else {
            continue;
        };
        let by_number = l
            .payee_id
            .get(i)
            .and_then(|id| by_id.get(&(v, id)))
            .or_else(|| l.payee_account.get(i).and_then(|a| by_account.get(&(v, a))));
        let (records, name_only) = match by_number {
            Some(r) => (r, false),
            // Neither a known id number nor a known account: the village's
            // only hire of that name, unless the line's own id number or
            // account says it is somebody else.
            None => {
                if l.payee_id.get(i).is_some() {
                    continue;
                }
                let Some(recs) = l.payee.get(i).and_then(|n| by_name.get(&(v, n))) else {
                    continue;
                };
                if l.payee_account.get(i).is_some()
                    && recs.iter().any(|&r| h.account.get(r).is_some())
                {
                    continue;
                }
                (recs, true)
            }
        };
        if l.amount(i) <= 0 {
            continue;
        }
        let text = l.text(i);
        let summary_blank = l.summary.get(i).is_none_or(str::is_empty);
        let names_post = !contains_any(&text, &p.non_wage_keywords)
            && records.iter().any(|&r| {
                let w = h.post_stem(r);
                !w.is_empty() && text.contains(w)
            });
        // Matched by name alone, the line must name the post itself.
        let is_wage = if name_only {
            names_post
        } else {
            summary_blank || contains_any(&text, &p.wage_keywords) || names_post
        };
        if !is_wage {
            continue;
        }
        let Some(line_month) = month_of(day) else {
            continue;
        };
        // The months the line pays: stated in the 摘要, else read with the
        // village's learnt payment lag; else only its date can be judged.
        let stated = wages::wage_months(&text, day)
            .or_else(|| lag.get(v).map(|k| (line_month - k, line_month - k)));
        // Months (or the line itself) outside every record of the person.
        let mut outside = months_outside(h, records, stated, line_month, day, p.arrears_days);
        // Wages for months after the person died are DEA001's case.
        let first = records[0];
        let died =
            h.id.get(first)
                .and_then(|id| deaths.get(id))
                .map(|d| d.month);
        outside.retain(|(m, _)| died.is_none_or(|d| *m <= d));
        if outside.is_empty() {
            continue;
        }
        let span = match stated {
            Some((a, b)) => (b - a + 1) as i64,
            None => 1,
        };
        let share = l.amount(i) * outside.len() as i64 / span.max(1);
        let person =
            h.id.get(first)
                .filter(|x| !x.is_empty())
                .or_else(|| h.account.get(first))
                .unwrap_or_default()
                .to_string();
        let g = ghosts.entry((v.to_string(), person)).or_default();
        let row = l.row.get(i);
        if g.lines.is_empty() || row >= g.name_row {
            g.name = h.name.get(first).unwrap_or_default().to_string();
            g.name_row = row;
        }
        g.hires.extend(records.iter().copied());
        for (m, w) in outside {
            g.months.insert(m);
            g.kinds.insert(w);
        }
        g.total += share;
        g.by_number |= !name_only;
        g.vouchers
            .insert(l.voucher.get(i).unwrap_or_default().to_string());
        g.lines.push((row, l.line(i)));
    }

    let mut out = Vec::new();
    for ((village, person), g) in ghosts {
        out.push(ghost_finding(p, h, &village, &person, g));
    }
    Ok(out)
}

/// The months of a wage line (or, with no months `stated`, the line
/// itself in `line_month`) outside every hire record of the person, and why.
fn months_outside(
    h: &HiresView,
    records: &[usize],
    stated: Option<(i32, i32)>,
    line_month: i32,
    day: i32,
    arrears_days: i32,
) -> Vec<(i32, Outside)> {
    let mut outside: Vec<(i32, Outside)> = Vec::new();
    match stated {
        Some((first, last)) => {
            for m in first..=last {
                let why = outside_all(records, |r| {
                    let s = h.start.get(r).and_then(month_of);
                    let e = h.end.get(r).and_then(month_of);
                    (s.is_some_and(|s| m < s), e.is_some_and(|e| m > e))
                });
                if let Some(w) = why {
                    outside.push((m, w));
                }
            }
        }
        None => {
            let why = outside_all(records, |r| {
                let s = h.start.get(r).and_then(month_of);
                (
                    s.is_some_and(|s| line_month < s),
                    h.end.get(r).is_some_and(|e| day > e + arrears_days),
                )
            });
            if let Some(w) = why {
                outside.push((line_month, w));
            }
        }
    }
    outside
}

/// Outside every one of a person's hire records (`before_after` tells, per
/// record, whether the month is before its start or after its end); the
/// first record decides which side. `None` when any record covers it.
fn outside_all(records: &[usize], before_after: impl Fn(usize) -> (bool, bool)) -> Option<Outside> {
    let mut why = None;
    for &r in records {
        let (before, after) = before_after(r);
        if !before && !after {
            return None;
        }
        why = why.or(Some(if before {
            Outside::BeforeStart
        } else {
            Outside::AfterEnd
        }));
    }
    why
}

/// The finding of one person paid outside their hire periods.
fn ghost_finding(p: &Params, h: &HiresView, village: &str, person: &str, mut g: Ghost) -> Finding {
    // Hires and lines in file order, whatever the order of the frames.
    let mut hires: Vec<usize> = g.hires.iter().copied().collect();
    hires.sort_by_key(|&r| h.row.get(r));
    g.lines.sort_by_key(|(row, _)| *row);
    let period = hires
        .iter()
        .map(|&r| {
            format!(
                "{}{}至{}",
                h.post.get(r).unwrap_or_default(),
                h.start.get(r).map(util::day_string).unwrap_or_default(),
                h.end
                    .get(r)
                    .map(util::day_string)
                    .unwrap_or_else(|| "今".into())
            )
        })
        .collect::<Vec<_>>()
        .join("、");
    let kind = match (
        g.kinds.contains(&Outside::BeforeStart),
        g.kinds.contains(&Outside::AfterEnd),
    ) {
        (true, true) => "上岗前及离岗后均",
        (true, false) => "上岗前即",
        _ => "离岗后仍",
    };
    let n = g.months.len();
    let matched = if g.by_number {
        ""
    } else {
        "（收支明细未填证件号和账号，按姓名及岗位匹配）"
    };
    let message = format!(
        "{}（用工期间{period}）{kind}从集体资金领取工资{}笔共{}（涉及{}）{matched}，请核实是否实际在岗、由谁领取并追缴",
        g.name,
        g.lines.len(),
        fen_to_yuan_display(g.total),
        month_ranges(&g.months)
    );
    let accounts: BTreeSet<String> = g
        .hires
        .iter()
        .filter_map(|&r| h.account.get(r).map(str::to_string))
        .collect();
    let (severity, score) = if g.by_number {
        (
            Severity::High,
            (70.0 + 4.0 * (n.min(6) as f64 - 1.0)).min(92.0),
        )
    } else {
        (Severity::Medium, 50.0)
    };
    META.finding(village, person)
        .severity(severity)
        .score(score)
        .amount(g.total)
        .related(g.vouchers.iter().cloned())
        .related(accounts.iter().cloned())
        .message(message)
        .evidence(json!({
            "reason": "wages_outside_hire_period",
            "matched_by_number": g.by_number,
            "name": g.name,
            "before_start": g.kinds.contains(&Outside::BeforeStart),
            "after_end": g.kinds.contains(&Outside::AfterEnd),
            "months": g.months.iter().map(|&m| month_string(m)).collect::<Vec<_>>(),
            "arrears_days": p.arrears_days,
            "total": fen_to_yuan_string(g.total),
            "hires": hires.iter().map(|&r| h.record(r)).collect::<Vec<_>>(),
            "payments": g.lines.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        }))
}

/// The last date the data speaks of: an open 离岗 runs to it.
fn horizon(ds: &Dataset, h: &HiresView) -> Result<i32> {
    let mut last = h
        .start
        .max()
        .into_iter()
        .chain(h.end.max())
        .max()
        .unwrap_or(0);
    if let Some(d) = LedgerView::load(ds)?.and_then(|l| l.date.max()) {
        last = last.max(d);
    }
    Ok(last)
}

fn two_posts(p: &Params, ds: &Dataset, hires: &HiresView) -> Result<Vec<Finding>> {
    let paid = hires
        .df
        .filter(&hires.wage.gt(0i64))
        .map_err(Error::in_a_rule)?;
    let cand = people::rows_sharing(&paid, &["id_number"])?;
    let h = HiresView::of(&cand)?;
    let end_of_data = horizon(ds, hires)?;
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for i in 0..h.height() {
        if let Some(id) = h.id.get(i).filter(|x| people::valid_id(x)) {
            by_id.entry(id).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (id, mut recs) in by_id {
        recs.sort_by_key(|&r| (h.start.get(r), h.row.get(r)));
        let mut pairs = Vec::new();
        for (x, &a) in recs.iter().enumerate() {
            for &b in &recs[x + 1..] {
                let (Some(sa), Some(sb)) = (h.start.get(a), h.start.get(b)) else {
                    continue;
                };
                let ea = h.end.get(a).unwrap_or(end_of_data.max(sa));
                let eb = h.end.get(b).unwrap_or(end_of_data.max(sb));
                let from = sa.max(sb);
                let to = ea.min(eb);
                let days = to - from + 1;
                if days > p.min_overlap_days {
                    pairs.push((a, b, from, to, days));
                }
            }
        }
        if pairs.is_empty() {
            continue;
        }
        // The later post is the one to explain: its village answers.
        let (_, second, _, _, _) = pairs[0];
        let village = h.village.get(second).unwrap_or_default().to_string();
        let mut estimate = 0i64;
        let mut involved = BTreeSet::new();
        let mut overlaps = Vec::new();
        for &(a, b, from, to, days) in &pairs {
            let months = ((days + 29) / 30) as i64;
            let wage = h
                .wage
                .get(a)
                .unwrap_or_default()
                .min(h.wage.get(b).unwrap_or_default());
            estimate += wage * months;
            involved.insert(a);
            involved.insert(b);
            overlaps.push(json!({
                "rows": [h.row.get(a), h.row.get(b)],
                "from": util::day_string(from),
                "to": util::day_string(to),
                "days": days,
                "months": months,
                "lower_monthly_wage": fen_to_yuan_string(wage),
            }));
        }
        // In file order, whatever the order of the frame.
        let mut involved: Vec<usize> = involved.into_iter().collect();
        involved.sort_by_key(|&r| h.row.get(r));
        let villages: BTreeSet<String> = involved
            .iter()
            .filter_map(|&r| h.village.get(r).map(str::to_string))
            .collect();
        let posts: Vec<String> = involved
            .iter()
            .map(|&r| {
                format!(
                    "{}{}",
                    h.village
                        .get(r)
                        .filter(|_| villages.len() > 1)
                        .unwrap_or(""),
                    h.post.get(r).unwrap_or_default()
                )
            })
            .collect();
        let (_, _, from, to, days) = pairs[0];
        let name = h.name.get(second).unwrap_or_default();
        let message = format!(
            "{name}（身份证号{id}）同时在{}{}个有报酬岗位上岗，{}至{}重叠{days}天（超过{}天），估计重复领取工资{}，请核实是否实际在岗并追缴",
            posts.join("、"),
            involved.len(),
            util::day_string(from),
            util::day_string(to),
            p.min_overlap_days,
            fen_to_yuan_display(estimate)
        );
        out.push(
            META.finding(&village, id)
                .score(65.0 + if villages.len() > 1 { 5.0 } else { 0.0 })
                .amount(estimate)
                .related(villages.iter().filter(|v| **v != village).cloned())
                .message(message)
                .evidence(json!({
                    "reason": "two_paid_posts",
                    "name": name,
                    "hires": involved.iter().map(|&r| h.record(r)).collect::<Vec<_>>(),
                    "overlaps": overlaps,
                    "min_overlap_days": p.min_overlap_days,
                    "estimated_duplicate_wages": fen_to_yuan_string(estimate),
                })),
        );
    }
    Ok(out)
}
