//! Working days as China keeps them: weekends, public holidays and the
//! weekends made working days by 调休. The holidays are data
//! (`rules/holidays.toml`, compiled in): each year's State Council notice
//! differs, so no rule computes them. Rules that judge the day of a booking
//! or a seal use ask `Calendar::day`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use crate::dataset::normalize::{from_epoch_days, to_epoch_days};
use crate::error::{Error, Result};

pub const DEFAULT_HOLIDAYS: &str = include_str!("../../../rules/holidays.toml");

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Day {
    /// A weekday, or a weekend made a working day by 调休 (`make_up`).
    Working { make_up: bool },
    /// Saturday or Sunday, not a 调休 working day.
    Weekend,
    /// A public holiday, by name (春节 …).
    Holiday(String),
}

impl Day {
    pub fn is_rest(&self) -> bool {
        !matches!(self, Day::Working { .. })
    }

    /// How an officer reads it: `周六`, `春节假期`, `调休工作日`, `工作日`.
    pub fn label_zh(&self, date: NaiveDate) -> String {
        match self {
            Day::Working { make_up: true } => "调休工作日".to_string(),
            Day::Working { make_up: false } => "工作日".to_string(),
            Day::Weekend => weekday_zh(date.weekday()).to_string(),
            Day::Holiday(name) => format!("{name}假期"),
        }
    }
}

fn weekday_zh(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "周一",
        Weekday::Tue => "周二",
        Weekday::Wed => "周三",
        Weekday::Thu => "周四",
        Weekday::Fri => "周五",
        Weekday::Sat => "周六",
        Weekday::Sun => "周日",
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    years: Vec<i32>,
    #[serde(default)]
    holiday: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    #[serde(default)]
    off: Vec<(String, String)>,
    #[serde(default)]
    work: Vec<String>,
}

/// The holidays and 调休 working days of the years the data lists.
#[derive(Debug, Clone)]
pub struct Calendar {
    off: BTreeMap<NaiveDate, String>,
    work: BTreeSet<NaiveDate>,
    years: BTreeSet<i32>,
}

impl Calendar {
    /// The calendar shipped in `rules/holidays.toml`.
    pub fn builtin() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| {
            Calendar::parse(DEFAULT_HOLIDAYS, Path::new("rules/holidays.toml"))
                .expect("shipped holiday file is valid")
        })
    }

    pub fn parse(text: &str, path: &Path) -> Result<Calendar> {
        let file: File = toml::from_str(text).map_err(|e| Error::config(path, e.to_string()))?;
        let date = |s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| Error::config(path, format!("`{s}` is not a date (YYYY-MM-DD)")))
        };
        let mut off = BTreeMap::new();
        let mut work = BTreeSet::new();
        for h in &file.holiday {
            for (a, b) in &h.off {
                let (a, b) = (date(a)?, date(b)?);
                if b < a || (b - a).num_days() > 15 {
                    return Err(Error::config(
                        path,
                        format!(
                            "{}: `{a}`–`{b}` is not a holiday of at most 16 days",
                            h.name
                        ),
                    ));
                }
                for d in a.iter_days().take_while(|d| *d <= b) {
                    off.insert(d, h.name.clone());
                }
            }
            for w in &h.work {
                work.insert(date(w)?);
            }
        }
        Ok(Calendar {
            off,
            work,
            years: file.years.into_iter().collect(),
        })
    }

    /// Whether the data lists the year's holidays; a year it does not is
    /// judged by weekends alone.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn day(&self, date: NaiveDate) -> Day {
        if let Some(name) = self.off.get(&date) {
            return Day::Holiday(name.clone());
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        match (weekend, self.work.contains(&date)) {
            (true, true) => Day::Working { make_up: true },
            (true, false) => Day::Weekend,
            (false, _) => Day::Working { make_up: false },
        }
    }

    /// `day` of a date held as days since 1970-01-01, as frames hold them.
    pub fn day_of_epoch(&self, days: i32) -> Option<(NaiveDate, Day)> {
        let d = from_epoch_days(days)?;
        Some((d, self.day(d)))
    }

    /// How many days of a year are rest days (weekends and holidays, less
    /// 调休 working days): the share a street's bookings are judged against.
    pub fn rest_days_in(&self, year: i32) -> Option<usize> {
        let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
        let n = first
            .iter_days()
            .take_while(|d| d.year() == year)
            .filter(|d| self.day(*d).is_rest())
            .count();
        Some(n)
    }
}

/// Days since 1970-01-01 of a date (re-exported for rules' tests).
pub fn epoch(y: i32, m: u32, d: u32) -> i32 {
    to_epoch_days(NaiveDate::from_ymd_opt(y, m, d).expect("a real date"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weekends_holidays_and_make_up_days() {
        let c = Calendar::builtin();
        // 2025-01-26 is a Sunday made a working day before 春节.
        assert_eq!(c.day(d(2025, 1, 26)), Day::Working { make_up: true });
        assert_eq!(c.day(d(2025, 1, 29)), Day::Holiday("春节".into()));
        // An ordinary Saturday, and an ordinary Wednesday.
        assert_eq!(c.day(d(2025, 3, 8)), Day::Weekend);
        assert_eq!(c.day(d(2025, 3, 12)), Day::Working { make_up: false });
        // National Day 2025 runs to 8 October; 11 October is a make-up day.
        assert_eq!(c.day(d(2025, 10, 8)), Day::Holiday("国庆节".into()));
        assert_eq!(c.day(d(2025, 10, 11)), Day::Working { make_up: true });
        assert!(c.covers(2025) && !c.covers(2019));
        assert_eq!(c.day(d(2025, 3, 8)).label_zh(d(2025, 3, 8)), "周六");
        // 2025: 104 weekend days, plus holidays on weekdays, less 调休 days.
        let rest = c.rest_days_in(2025).unwrap();
        assert!((110..=125).contains(&rest), "{rest}");
    }

    #[test]
    fn a_bad_file_names_itself() {
        let e = Calendar::parse(
            "years = [2025]\n[[holiday]]\nname = \"x\"\noff = [[\"2025-13-01\", \"2025-13-02\"]]\n",
            Path::new("h.toml"),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("h.toml") && e.to_string().contains("2025-13-01"),
            "{e}"
        );
    }
}
