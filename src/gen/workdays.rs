//! Working days for the generator: the street's agent books on working
//! days. Read from the same data the rules read (`rules/holidays.toml`),
//! parsed here: the generator imports no rule.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};

use super::model::add_days;

struct Days {
    off: BTreeSet<NaiveDate>,
    work: BTreeSet<NaiveDate>,
}

fn days() -> &'static Days {
    static D: OnceLock<Days> = OnceLock::new();
    D.get_or_init(|| {
        let text = include_str!("../../rules/holidays.toml");
        let v: toml::Table = toml::from_str(text).expect("holidays.toml is valid");
        let date =
            |s: &toml::Value| NaiveDate::parse_from_str(s.as_str().unwrap_or(""), "%Y-%m-%d").ok();
        let mut off = BTreeSet::new();
        let mut work = BTreeSet::new();
        for h in v
            .get("holiday")
            .and_then(|h| h.as_array())
            .into_iter()
            .flatten()
        {
            for pair in h
                .get("off")
                .and_then(|o| o.as_array())
                .into_iter()
                .flatten()
            {
                let p = pair.as_array().map(|p| p.as_slice()).unwrap_or(&[]);
                if let [a, b] = p
                    && let (Some(a), Some(b)) = (date(a), date(b))
                {
                    off.extend(a.iter_days().take_while(|d| *d <= b));
                }
            }
            for w in h
                .get("work")
                .and_then(|o| o.as_array())
                .into_iter()
                .flatten()
            {
                work.extend(date(w));
            }
        }
        Days { off, work }
    })
}

/// A weekend not made a working day by 调休, or a public holiday.
pub fn is_rest(d: NaiveDate) -> bool {
    let t = days();
    t.off.contains(&d)
        || (matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !t.work.contains(&d))
}

/// A weekend day that 调休 makes a working day.
pub fn is_make_up(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && days().work.contains(&d)
}

/// The working day nearest `d` within `lo..=hi`, later days first; `d`
/// itself when it is one (or when the range has none).
pub fn within(d: NaiveDate, lo: NaiveDate, hi: NaiveDate) -> NaiveDate {
    if !is_rest(d) {
        return d;
    }
    for k in 1..=12 {
        for c in [add_days(d, k), add_days(d, -k)] {
            if c >= lo && c <= hi && !is_rest(c) {
                return c;
            }
        }
    }
    d
}

/// `d` moved to a working day of its own month.
pub fn in_month(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).unwrap_or(d);
    let last = super::model::month_end(d.year(), d.month());
    within(d, first, last)
}

/// The 调休 working weekends of a year.
pub fn make_up_days(year: i32) -> Vec<NaiveDate> {
    days()
        .work
        .iter()
        .copied()
        .filter(|d| d.year() == year)
        .collect()
}

/// The latest working day on or before `d`.
pub fn working_on_or_before(d: NaiveDate) -> NaiveDate {
    let mut c = d;
    while is_rest(c) {
        c = add_days(c, -1);
    }
    c
}

/// `d`, or the first working day after it.
pub fn next(d: NaiveDate) -> NaiveDate {
    let mut c = d;
    while is_rest(c) {
        c = add_days(c, 1);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_up_days_work_and_holidays_rest() {
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        assert!(!is_rest(d(1, 26)) && is_make_up(d(1, 26)));
        assert!(is_rest(d(10, 3)) && is_rest(d(3, 8)) && !is_rest(d(3, 10)));
        assert_eq!(next(d(10, 1)), d(10, 9));
        assert_eq!(within(d(5, 24), d(5, 24), d(5, 28)), d(5, 26));
        assert_eq!(in_month(d(5, 31)), d(5, 30));
    }
}
