//! A lease's term in whole months and its rent over the term: the line
//! from which letting needs a decision, open bidding (LSE004) and a
//! published result (PUB001).

use chrono::{Datelike, NaiveDate};

use crate::dataset::normalize::from_epoch_days;

/// Months from `start` to `end` inclusive (days since 1970-01-01),
/// rounded to the nearest whole month.
pub fn term_months(start: i32, end: i32) -> Option<u32> {
    let s: NaiveDate = from_epoch_days(start)?;
    let e: NaiveDate = from_epoch_days(end)?.succ_opt()?;
    let m = (e.year() - s.year()) * 12 + e.month() as i32 - s.month() as i32;
    let m = if e.day() >= s.day() + 15 {
        m + 1
    } else if e.day() + 15 < s.day() {
        m - 1
    } else {
        m
    };
    u32::try_from(m).ok()
}

/// Rent (fen a year) over the term.
pub fn term_value(annual_rent: i64, start: i32, end: i32) -> Option<i64> {
    term_months(start, end).map(|m| annual_rent * i64::from(m) / 12)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::normalize::to_epoch_days;

    fn d(y: i32, m: u32, day: u32) -> i32 {
        to_epoch_days(NaiveDate::from_ymd_opt(y, m, day).unwrap())
    }

    #[test]
    fn a_term_counts_whole_months_from_start_to_end_inclusive() {
        assert_eq!(term_months(d(2020, 7, 1), d(2040, 6, 30)), Some(240));
        assert_eq!(term_months(d(2024, 3, 1), d(2029, 2, 28)), Some(60));
        assert_eq!(term_months(d(2024, 3, 15), d(2025, 3, 14)), Some(12));
        assert_eq!(
            term_value(1_000_000, d(2024, 3, 1), d(2029, 2, 28)),
            Some(5_000_000)
        );
    }
}
