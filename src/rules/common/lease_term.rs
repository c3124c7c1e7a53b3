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
