use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::common::periods::{Period, PeriodicKind, Span, parse_period};
use super::common::util::day_string;
use super::common::views::{LedgerView, PublicityView, date_of, str_of};
use super::{Rule, RuleMeta, params_of, rule_params};
use crate::dataset::normalize::{from_epoch_days, to_epoch_days};
use crate::dataset::{Dataset, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};

const DOC: &str = "\
## What it flags
A village and period with activity but no 党务公开, 村务公开 or 财务公开
record (`publicity.kind` containing 党务, 村务 or 财务; `村务、财务公开` is
both) that starts within `grace-days` after the period ends. One finding
per village, kind and period, subject `KIND:PERIOD` (`财务公开:2025Q1`,
`村务公开:2025-03`); a record that starts later is reported as late, with
the days.

- Periods: 村务 and 财务 each quarter; a month in which the village books
  `monthly-lines` or more ledger lines (either direction) is a period of its
  own, and a quarter that holds such a month needs no quarterly record
  besides. 党务 each quarter.
- Activity: 村务 and 财务, any ledger line of the village in the period.
  党务: any ledger line in the quarter (every village has a party
  organisation, which must publish each quarter while the village is
  active), or any dated row of the party tables (党员发展纪实, 党组织关系转接,
  党费收缴) when the export has them, from the quarter of the village's
  first ledger line on (else the export's first ledger line, else its first
  publicity record): those tables carry years of history; a village absent
  from every table has no activity.
- Which record answers a period: its `ref_no` names the period (`2025Q1`,
  `2025-Q1`, `2025年第一季度`, `2025年1-3月`, `2025-03`, `2025年3月`,
  `202503`, also inside a longer text); a quarter is also answered by a
  record of one of its months; a record naming a year (`2025`, `2025年度`)
  answers its last quarter and December. A record whose `ref_no` names no
  period answers the month and the quarter that ended on or before its
  start. The record that starts earliest counts.
- Day `grace-days` after the period's last day is on time, the day after is
  late (31 March + 15 = 15 April).
- Only periods whose deadline has passed by `as-of` are judged (default:
  the last ledger date of the export, else the last publicity start).
- `coverage-min-periods` (10): when at least this many periods of one kind
  are due and the export holds no record of that kind at all, it evidently
  does not carry that kind of record: that kind is not judged.

## Why it matters
《村民委员会组织法》第三十条: 村务 and 财务 are published at least once a
quarter, monthly where there are many transactions; 《中国共产党党务公开条例
（试行）》 asks village party organisations to publish quarterly. A village
that skips a period keeps its books from the villagers who are their check.

## Parameters
- `grace-days` (15): days after a period's end within which its record must
  start.
- `monthly-lines` (30): ledger lines in a month from which 村务 and 财务 are
  published monthly.
- `as-of` (\"\"): the date up to which deadlines are judged (YYYY-MM-DD);
  empty: the export's last ledger date, else its last publicity start.
- `coverage-min-periods` (10): see above; 0 judges every kind always.

## Known false positives
A record published on the board but not entered in the system; a period
published under another kind's name (`两委公开`): add the words to the
records' `kind`. A village whose 党务 is published by the 联合党委 of
several villages.
";

/// 党务、村务、财务未按期公开.
pub struct PeriodicPublicity;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub grace_days: i64,
    pub monthly_lines: usize,
    pub as_of: String,
    pub coverage_min_periods: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            grace_days: 15,
            monthly_lines: 30,
            as_of: String::new(),
            coverage_min_periods: 10,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "PUB002",
    name: "periodic_publicity",
    category: Category::PublicityWindow,
    severity: Severity::Medium,
    summary: "党务/村务/财务公开 missing or late for a quarter (a month with 30+ ledger lines)",
    doc: DOC,
    needs: &[TableKind::Publicity],
    processes: &[20, 21, 22],
};

/// A periodic record of one village.
struct Record<'d> {
    row: u32,
    ref_no: &'d str,
    kind: &'d str,
    start: NaiveDate,
    end: Option<NaiveDate>,
    named: Option<Period>,
}

impl Record<'_> {
    /// Whether this record answers `p`.
    fn answers(&self, p: Period) -> bool {
        match self.named {
            Some(n) if n == p => true,
            Some(
                n @ Period {
                    span: Span::Month(_),
                    ..
                },
            ) => matches!(p.span, Span::Quarter(_)) && n.within(p),
            Some(Period {
                year,
                span: Span::Year,
            }) => p.year == year && matches!(p.span, Span::Quarter(4) | Span::Month(12)),
            Some(_) => false,
            None => Period::ended_by(self.start).contains(&p),
        }
    }
}

/// One village's activity: ledger lines per month, and quarters of party work.
#[derive(Default)]
struct Activity {
    lines: BTreeMap<Period, usize>,
    party: BTreeSet<Period>,
}

/// What a village must publish: (kind, period) with why.
struct Due {
    kind: PeriodicKind,
    period: Period,
    basis: &'static str,
    lines: usize,
}

fn dues(a: &Activity, monthly: usize) -> Vec<Due> {
    let mut quarters: BTreeMap<Period, Vec<(Period, usize)>> = BTreeMap::new();
    for (m, n) in &a.lines {
        quarters
            .entry(Period::quarter_of(m.first_day()))
            .or_default()
            .push((*m, *n));
    }
    let mut out = Vec::new();
    for (q, months) in &quarters {
        let total: usize = months.iter().map(|(_, n)| n).sum();
        let busy: Vec<&(Period, usize)> = months.iter().filter(|(_, n)| *n >= monthly).collect();
        for kind in [PeriodicKind::Village, PeriodicKind::Finance] {
            if busy.is_empty() {
                out.push(Due {
                    kind,
                    period: *q,
                    basis: "quarterly",
                    lines: total,
                });
            }
            for (m, n) in &busy {
                out.push(Due {
                    kind,
                    period: *m,
                    basis: "monthly",
                    lines: *n,
                });
            }
        }
    }
    let party: BTreeSet<Period> = quarters
        .keys()
        .copied()
        .chain(a.party.iter().copied())
        .collect();
    for q in party {
        let lines = quarters
            .get(&q)
            .map_or(0, |m| m.iter().map(|(_, n)| n).sum());
        out.push(Due {
            kind: PeriodicKind::Party,
            period: q,
            basis: "quarterly",
            lines,
        });
    }
    out
}

fn date(d: i32) -> Option<NaiveDate> {
    from_epoch_days(d)
}

/// Party-table rows as activity, by village and quarter, from the quarter
/// of `from` on.
fn party_activity(
    ds: &Dataset,
    acts: &mut BTreeMap<String, Activity>,
    from: Option<i32>,
) -> Result<()> {
    let street_first = from.and_then(date).map(Period::quarter_of);
    // Each village's first quarter: that of its first ledger line.
    let firsts: BTreeMap<String, Period> = acts
        .iter()
        .filter_map(|(v, a)| {
            let m = a.lines.keys().next()?;
            Some((v.clone(), Period::quarter_of(m.first_day())))
        })
        .collect();
    let tables: [(TableKind, &[&str]); 3] = [
        (
            TableKind::PartyMembers,
            &["applied_date", "admitted_date", "full_date"],
        ),
        (TableKind::PartyTransfers, &["letter_date", "received_date"]),
        (TableKind::PartyDues, &["paid_date"]),
    ];
    for (t, cols) in tables {
        let Some(df) = ds.frame(t) else { continue };
        let village = str_of(df, "village_code")?;
        for c in cols {
            let Ok(days) = date_of(df, c) else { continue };
            for (v, d) in village.iter().zip(days.iter()) {
                if let (Some(v), Some(d)) = (v, d.and_then(date)) {
                    let q = Period::quarter_of(d);
                    let first = firsts.get(v).copied().or(street_first);
                    if first.is_some_and(|f| q < f) {
                        continue;
                    }
                    acts.entry(v.to_string()).or_default().party.insert(q);
                }
            }
        }
    }
    Ok(())
}

impl Rule for PeriodicPublicity {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(publicity) = PublicityView::load(ds)? else {
            return Ok(vec![]);
        };
        let mut acts: BTreeMap<String, Activity> = BTreeMap::new();
        let mut last_booked: Option<i32> = None;
        let mut ledger_first: Option<i32> = None;
        if let Some(ledger) = LedgerView::load(ds)? {
            for (v, d) in ledger.village.iter().zip(ledger.date.iter()) {
                let (Some(v), Some(d)) = (v, d) else { continue };
                let Some(day) = date(d) else { continue };
                last_booked = Some(last_booked.map_or(d, |l| l.max(d)));
                ledger_first = Some(ledger_first.map_or(d, |l| l.min(d)));
                *acts
                    .entry(v.to_string())
                    .or_default()
                    .lines
                    .entry(Period::month(day.year(), day.month()))
                    .or_default() += 1;
            }
        }
        // The party tables carry years of history (applications, old
        // letters): only the quarters of the export's own span count, from
        // the village's first ledger line (else the export's first ledger
        // line, else its first publicity record).
        let first_booked = ledger_first.or_else(|| publicity.start.iter().flatten().min());
        party_activity(ds, &mut acts, first_booked)?;
        // The periodic records, by village.
        let mut records: BTreeMap<&str, Vec<(PeriodicKind, Record)>> = BTreeMap::new();
        let mut kinds_seen: BTreeSet<PeriodicKind> = BTreeSet::new();
        let mut last_start: Option<i32> = None;
        let PublicityView {
            village,
            ref_no,
            kind,
            start,
            end,
            row,
            ..
        } = publicity;
        for i in 0..publicity.height() {
            let k = kind.get(i).unwrap_or_default();
            let (Some(v), Some(st)) = (village.get(i), start.get(i)) else {
                continue;
            };
            last_start = Some(last_start.map_or(st, |l| l.max(st)));
            for pk in PeriodicKind::of(k) {
                kinds_seen.insert(pk);
                let r = ref_no.get(i).unwrap_or_default();
                let Some(st) = date(st) else { continue };
                records.entry(v).or_default().push((
                    pk,
                    Record {
                        row: row.get(i).unwrap_or_default(),
                        ref_no: r,
                        kind: k,
                        start: st,
                        end: end.get(i).and_then(date),
                        named: parse_period(r),
                    },
                ));
            }
        }
        // Evidence lists follow the files' row numbers.
        for recs in records.values_mut() {
            recs.sort_by_key(|(k, r)| (r.row, *k));
        }
        let as_of = if p.as_of.trim().is_empty() {
            last_booked.or(last_start).and_then(date)
        } else {
            Some(
                NaiveDate::parse_from_str(p.as_of.trim(), "%Y-%m-%d").map_err(|_| {
                    Error::in_a_rule(format!("as-of `{}` is not a date (YYYY-MM-DD)", p.as_of))
                })?,
            )
        };
        let Some(as_of) = as_of else {
            return Ok(vec![]);
        };
        let grace = chrono::Days::new(p.grace_days.max(0) as u64);
        // Every due period of every village, then the kinds the export carries.
        let mut due: Vec<(&str, Due)> = Vec::new();
        for (v, a) in &acts {
            for d in dues(a, p.monthly_lines) {
                if d.period.last_day() + grace <= as_of {
                    due.push((v.as_str(), d));
                }
            }
        }
        let carried = |k: PeriodicKind| {
            kinds_seen.contains(&k)
                || p.coverage_min_periods == 0
                || due.iter().filter(|(_, d)| d.kind == k).count() < p.coverage_min_periods
        };
        let carried: BTreeSet<PeriodicKind> = PeriodicKind::ALL
            .into_iter()
            .filter(|k| carried(*k))
            .collect();
        let none = Vec::new();
        let mut out = Vec::new();
        for (v, d) in &due {
            if !carried.contains(&d.kind) {
                continue;
            }
            let recs = records.get(v).unwrap_or(&none);
            let best = recs
                .iter()
                .filter(|(k, r)| *k == d.kind && r.answers(d.period))
                .map(|(_, r)| r)
                .min_by_key(|r| (r.start, r.row));
            let deadline = d.period.last_day() + grace;
            if let Some(r) = best
                && r.start <= deadline
            {
                continue;
            }
            out.push(finding(v, d, best, deadline, recs));
        }
        Ok(out)
    }
}

fn finding(
    v: &str,
    d: &Due,
    best: Option<&Record>,
    deadline: NaiveDate,
    recs: &[(PeriodicKind, Record)],
) -> Finding {
    let kind = d.kind.label();
    let subject = format!("{kind}:{}", d.period.key());
    let span = format!(
        "{}（{}至{}）",
        d.period.label_zh(),
        d.period.first_day(),
        d.period.last_day()
    );
    let why = match d.basis {
        "monthly" => format!("当月记账{}笔，应按月公开", d.lines),
        _ => "应按季公开".to_string(),
    };
    let ymd = |x: NaiveDate| day_string(to_epoch_days(x));
    let rec_json = |r: &Record| {
        json!({
            "row": r.row,
            "ref_no": r.ref_no,
            "kind": r.kind,
            "start_date": ymd(r.start),
            "end_date": r.end.map(ymd),
            "named_period": r.named.map(|p| p.key()),
        })
    };
    // Other records of the kind in the village, for the officer to compare.
    let others: Vec<_> = recs
        .iter()
        .filter(|(k, r)| *k == d.kind && best.is_none_or(|b| b.row != r.row))
        .filter(|(_, r)| (r.start - d.period.last_day()).num_days().abs() <= 120)
        .map(|(_, r)| rec_json(r))
        .collect();
    let (problem, late, message, score) = match best {
        Some(r) => {
            let late = (r.start - deadline).num_days();
            (
                "late",
                late,
                format!(
                    "{kind}{span}{why}，应于{deadline}前公开，公开记录（{}，第{}行）{}才开始，逾期{late}天，请核实是否按期公开",
                    r.ref_no, r.row, r.start
                ),
                30.0 + (late.min(60) as f64) / 4.0,
            )
        }
        None => (
            "missing",
            0,
            format!("{kind}{span}{why}，应于{deadline}前公开，未见公开记录，请核实该期是否公开"),
            45.0,
        ),
    };
    META.finding(v, &subject)
        .score(score)
        .message(message)
        .evidence(json!({
            "kind": kind,
            "period": d.period.key(),
            "period_start": ymd(d.period.first_day()),
            "period_end": ymd(d.period.last_day()),
            "deadline": ymd(deadline),
            "basis": d.basis,
            "ledger_lines": d.lines,
            "problem": problem,
            "days_late": late,
            "record": best.map(rec_json),
            "other_records": others,
        }))
}
