//! Ages as the eligibility rules judge them: completed years on a day, and
//! the last day of a paid month (a person is as old as on that day).

use chrono::{Datelike, NaiveDate};

/// Age in completed years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// The last day of the month that `first` falls in.
pub fn last_day_of_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .expect("valid month")
        .pred_opt()
        .expect("has a day before")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_in_completed_years() {
        let b = NaiveDate::from_ymd_opt(1945, 6, 15).unwrap();
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2025, 6, 14).unwrap()), 79);
        assert_eq!(age_on(b, NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()), 80);
        let d = NaiveDate::from_ymd_opt(2024, 2, 3).unwrap();
        assert_eq!(
            last_day_of_month(d),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
    }
}
