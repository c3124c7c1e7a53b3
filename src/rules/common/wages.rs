//! Wages paid from the ledger to village hires (DEA001, GHO001): the
//! ledger lines to a hire, the months a wage line pays for as its 摘要
//! states them, and each village's lag between a month and its wage.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

use chrono::Datelike;
use polars::prelude::*;
use regex::Regex;

use super::people::{month_of, valid_id};
use super::shared;
use super::views::{HiresView, LedgerView};
use crate::dataset::Dataset;
use crate::dataset::normalize::from_epoch_days;
use crate::error::{Error, Result};

/// Ledger 支出 lines whose payee is a hire of the same village: by id number,
/// by account, and (with `by_name`) by name. A line may appear more than
/// once: callers skip rows already seen. The line numbers per key are
/// found once per dataset and shared (DEA001's and GHO001's wage lag,
/// GHO001's ghosts).
pub fn lines_to_hires(ds: &Dataset, by_name: bool) -> Result<DataFrame> {
    let (Some(ledger), Some(hires)) = (LedgerView::load(ds)?, HiresView::load(ds)?) else {
        return Err(Error::in_a_rule(
            "lines_to_hires needs the ledger and hires",
        ));
    };
    let lines = shared(ds, || Ok(HireLines::find(&ledger, &hires)))?;
    let mut idx = Vec::with_capacity(
        lines.by_key[0].len() + lines.by_key[1].len() + by_name as usize * lines.by_key[2].len(),
    );
    for rows in &lines.by_key[..if by_name { 3 } else { 2 }] {
        idx.extend_from_slice(rows);
    }
    ledger
        .df
        .take(&IdxCa::from_vec("__i".into(), idx))
        .map_err(Error::in_a_rule)
}

/// The ledger's 支出 lines to a hire of the same village, per key (id
/// number, account, name), each in ledger order: the same rows as a
/// semi-join of the 支出 lines on that key.
struct HireLines {
    by_key: [Vec<IdxSize>; 3],
}

impl HireLines {
    fn find(ledger: &LedgerView, hires: &HiresView) -> HireLines {
        // One pass over the ledger per key, on borrowed strings.
        let keys = [
            (ledger.payee_id, hires.id),
            (ledger.payee_account, hires.account),
            (ledger.payee, hires.name),
        ];
        let lv = ledger.village;
        let hv = hires.village;
        let paid_out: Vec<bool> = ledger.direction.iter().map(|d| d == Some("支出")).collect();
        let mut by_key: [Vec<IdxSize>; 3] = Default::default();
        for ((lk, hk), idx) in keys.into_iter().zip(&mut by_key) {
            let wanted: PlHashSet<(&str, &str)> = hv
                .iter()
                .zip(hk.iter())
                .filter_map(|(v, k)| Some((v?, k?)))
                .collect();
            if wanted.is_empty() {
                continue;
            }
            idx.extend(
                lv.iter()
                    .zip(lk.iter())
                    .zip(&paid_out)
                    .enumerate()
                    .filter_map(|(i, ((v, k), out))| {
                        (*out && wanted.contains(&(v?, k?))).then_some(i as IdxSize)
                    }),
            );
        }
        HireLines { by_key }
    }
}

/// How many months a village's wage lines are paid after the month they pay
/// for (0: in the month; 1: the month after), learnt from the data, so that
/// a line whose 摘要 states no month is read the way that village pays:
/// from lines that state their month (payment month − stated month), and
/// from each hire's first wage line after a start date inside the ledger's
/// span. A village takes the dataset's most common lag unless its own
/// evidence clearly says otherwise.
#[derive(Debug, Default)]
pub struct WageLag {
    by_village: PlHashMap<String, i32>,
    overall: Option<i32>,
}

impl WageLag {
    pub fn get(&self, village: &str) -> Option<i32> {
        self.by_village.get(village).copied().or(self.overall)
    }

    /// The dataset's lag, learnt once and shared by every rule that reads
    /// wage lines (DEA001, GHO001).
    pub fn shared(ds: &Dataset) -> Result<Arc<WageLag>> {
        shared(ds, || WageLag::learn(ds))
    }

    pub fn learn(ds: &Dataset) -> Result<WageLag> {
        let (Some(ledger), Some(h)) = (LedgerView::load(ds)?, HiresView::load(ds)?) else {
            return Ok(WageLag::default());
        };
        let mut by_id: PlHashMap<(&str, &str), Vec<usize>> = PlHashMap::default();
        let mut by_account: PlHashMap<(&str, &str), Vec<usize>> = PlHashMap::default();
        for i in 0..h.height() {
            let Some(v) = h.village.get(i) else { continue };
            if let Some(id) = h.id.get(i).filter(|x| valid_id(x)) {
                by_id.entry((v, id)).or_default().push(i);
            }
            if let Some(a) = h.account.get(i) {
                by_account.entry((v, a)).or_default().push(i);
            }
        }
        let first_day = ledger.date.min();
        let cand = lines_to_hires(ds, false)?;
        let l = LedgerView::of(&cand)?;
        let mut samples: BTreeMap<String, BTreeMap<i32, usize>> = BTreeMap::new();
        // hire record -> months of its wage lines
        let mut lines_of: BTreeMap<usize, BTreeSet<i32>> = BTreeMap::new();
        let mut seen = PlHashSet::default();
        for i in 0..l.height() {
            if !seen.insert(l.row.get(i)) {
                continue;
            }
            let (Some(v), Some(day)) = (l.village.get(i), l.date.get(i)) else {
                continue;
            };
            let text = l.text(i);
            let recs = l
                .payee_id
                .get(i)
                .and_then(|id| by_id.get(&(v, id)))
                .or_else(|| l.payee_account.get(i).and_then(|a| by_account.get(&(v, a))));
            let Some(recs) = recs else { continue };
            // Only the monthly wage shows the habit: a line naming the post
            // or 工资, not a one-off 劳务费 the same person was paid.
            let monthly = text.contains("工资")
                || recs.iter().any(|&r| {
                    let w = h.post_stem(r);
                    !w.is_empty() && text.contains(w)
                });
            if !monthly || l.amount(i) <= 0 {
                continue;
            }
            let Some(paid) = month_of(day) else { continue };
            if let Some((_, last)) = wage_months(&text, day) {
                let lag = paid - last;
                if (0..=2).contains(&lag) {
                    *samples
                        .entry(v.to_string())
                        .or_default()
                        .entry(lag)
                        .or_default() += 1;
                }
            }
            for &r in recs {
                lines_of.entry(r).or_default().insert(paid);
            }
        }
        for (r, months) in lines_of {
            let (Some(v), Some(start)) = (h.village.get(r), h.start.get(r)) else {
                continue;
            };
            // A person with several records: which record a line pays is unknown.
            let key = h.id.get(r).or_else(|| h.account.get(r));
            let records = key.map_or(0, |k| {
                by_id
                    .get(&(v, k))
                    .or_else(|| by_account.get(&(v, k)))
                    .map_or(0, Vec::len)
            });
            if records != 1 {
                continue;
            }
            // A start late in the month is paid from the next month whatever
            // the habit; a start before the ledger begins shows nothing.
            let late = from_epoch_days(start).is_none_or(|d| d.day() > 20);
            if late || first_day.is_none_or(|f| start < f) {
                continue;
            }
            let Some(s) = month_of(start) else { continue };
            if let Some(&f) = months.range(s..).next() {
                let lag = f - s;
                if (0..=2).contains(&lag) {
                    *samples
                        .entry(v.to_string())
                        .or_default()
                        .entry(lag)
                        .or_default() += 1;
                }
            }
        }
        let mode = |m: &BTreeMap<i32, usize>| {
            m.iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(lag, _)| *lag)
        };
        let mut all: BTreeMap<i32, usize> = BTreeMap::new();
        for m in samples.values() {
            for (lag, n) in m {
                *all.entry(*lag).or_default() += n;
            }
        }
        Ok(WageLag {
            // A street's villages share one accounting agency (村财乡管): a
            // village departs from the street's habit only on clear evidence.
            by_village: samples
                .iter()
                .filter_map(|(v, m)| {
                    let total: usize = m.values().sum();
                    let lag = mode(m)?;
                    (total >= 3 && m[&lag] * 4 >= total * 3).then(|| (v.clone(), lag))
                })
                .collect(),
            overall: mode(&all),
        })
    }
}

static YEAR_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:(?:-|—|~|至|到)\s*(\d{1,2})\s*月|月|份|[^\d]|$)",
    )
    .expect("valid regex")
});
static MONTH_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d])(\d{1,2})(?:\s*(?:-|—|~|至|到)\s*(\d{1,2}))?\s*月")
        .expect("valid regex")
});
static MONTH_ZH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(十二|十一|十|一|二|三|四|五|六|七|八|九)月").expect("valid regex")
});

fn zh_month(s: &str) -> Option<i32> {
    Some(match s {
        "一" => 1,
        "二" => 2,
        "三" => 3,
        "四" => 4,
        "五" => 5,
        "六" => 6,
        "七" => 7,
        "八" => 8,
        "九" => 9,
        "十" => 10,
        "十一" => 11,
        "十二" => 12,
        _ => return None,
    })
}

/// The months a wage line pays for, when its summary says so: `2025年3月工资`,
/// `3月份保洁工资`, `1-3月工资`, `三月份工资`. A month without a year takes
/// the year that puts it at or before the line's date (wages are paid in
/// arrears; December's wage is paid in January). Returns the first and last
/// month index.
pub fn wage_months(summary: &str, line_day: i32) -> Option<(i32, i32)> {
    // The answer depends on the text and the line's month only, and a
    // ledger repeats a few hundred 摘要: each (text, month) is parsed once
    // per thread.
    thread_local! {
        static SEEN: RefCell<ParsedMonths> = RefCell::new(PlHashMap::default());
    }
    const MAX_TEXTS: usize = 1 << 16;
    let line = month_of(line_day);
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if let Some(&(_, got)) = seen
            .get(summary)
            .and_then(|v| v.iter().find(|(m, _)| *m == line))
        {
            return got;
        }
        let got = parse_wage_months(summary, line_day);
        if seen.len() >= MAX_TEXTS {
            seen.clear();
        }
        match seen.get_mut(summary) {
            Some(v) => v.push((line, got)),
            None => {
                seen.insert(summary.into(), vec![(line, got)]);
            }
        }
        got
    })
}

/// Per text, per line month: the months it states.
type ParsedMonths = PlHashMap<Box<str>, Vec<(Option<i32>, Option<(i32, i32)>)>>;

fn parse_wage_months(summary: &str, line_day: i32) -> Option<(i32, i32)> {
    let valid = |m: i32| (1..=12).contains(&m);
    if let Some(c) = YEAR_MONTH.captures(summary) {
        let y: i32 = c[1].parse().ok()?;
        let m1: i32 = c[2].parse().ok()?;
        let m2: i32 = c.get(3).and_then(|m| m.as_str().parse().ok()).unwrap_or(m1);
        if (1990..=2100).contains(&y) && valid(m1) && valid(m2) && m1 <= m2 {
            return Some((y * 12 + m1 - 1, y * 12 + m2 - 1));
        }
    }
    let line = month_of(line_day)?;
    let place = |m: i32| -> i32 {
        let y = line.div_euclid(12);
        let idx = y * 12 + m - 1;
        // More than two months ahead of the payment: last year's month.
        if idx > line + 2 { idx - 12 } else { idx }
    };
    if let Some(c) = MONTH_ONLY.captures(summary) {
        let m1: i32 = c[1].parse().ok()?;
        let m2: i32 = c.get(2).and_then(|m| m.as_str().parse().ok()).unwrap_or(m1);
        if valid(m1) && valid(m2) && m1 <= m2 {
            let last = place(m2);
            return Some((last - (m2 - m1), last));
        }
    }
    if let Some(c) = MONTH_ZH.captures(summary) {
        let m = zh_month(&c[1])?;
        let idx = place(m);
        return Some((idx, idx));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::normalize::to_epoch_days;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> i32 {
        to_epoch_days(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }
    fn m(y: i32, mo: i32) -> i32 {
        y * 12 + mo - 1
    }

    #[test]
    fn wage_months_from_summaries() {
        let d = day(2025, 4, 5);
        assert_eq!(
            wage_months("2025年3月保洁员工资", d),
            Some((m(2025, 3), m(2025, 3)))
        );
        assert_eq!(wage_months("3月份工资", d), Some((m(2025, 3), m(2025, 3))));
        assert_eq!(
            wage_months("支付1-3月工资", d),
            Some((m(2025, 1), m(2025, 3)))
        );
        assert_eq!(
            wage_months("三月份保洁工资", d),
            Some((m(2025, 3), m(2025, 3)))
        );
        assert_eq!(
            wage_months("2025-03工资", d),
            Some((m(2025, 3), m(2025, 3)))
        );
        // December's wage paid in January belongs to last year.
        assert_eq!(
            wage_months("12月工资", day(2025, 1, 8)),
            Some((m(2024, 12), m(2024, 12)))
        );
        assert_eq!(wage_months("保洁员工资", d), None);
        assert_eq!(wage_months("13月工资", d), None);
    }
}
