//! Periods of the periodic 公开 (党务, 村务, 财务公开): which records are
//! periodic ones, and the period a record's `ref_no` names. Exports spell a
//! period many ways (`2025Q1`, `2025年第一季度`, `2025年1-3月`, `2025-03`,
//! `2025年3月`, `202503`, `2025年度`), often inside a longer text
//! (`财务公开2025年第一季度`); all of them read as one [`Period`]. Shared by
//! PUB002, which judges these records, and PUB001, which leaves them alone.

use std::sync::OnceLock;

use chrono::{Datelike, Months, NaiveDate};
use regex::Regex;

/// The three periodic 公开 of processes 20–22.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeriodicKind {
    /// 党务公开 (process 20).
    Party,
    /// 村务公开 (process 21).
    Village,
    /// 财务公开 (process 22).
    Finance,
}

impl PeriodicKind {
    pub const ALL: [PeriodicKind; 3] = [
        PeriodicKind::Party,
        PeriodicKind::Village,
        PeriodicKind::Finance,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PeriodicKind::Party => "党务公开",
            PeriodicKind::Village => "村务公开",
            PeriodicKind::Finance => "财务公开",
        }
    }

    /// The periodic kinds a record's `kind` names: `党务公开`, `村务公开`,
    /// `财务公开`, and the combined `村务财务公开` / `村务、财务公开`
    /// (both). A 公示 of one item (`城乡低保`, `决议公开`) names none.
    pub fn of(kind: &str) -> Vec<PeriodicKind> {
        let mut out = Vec::new();
        if kind.contains("党务") {
            out.push(PeriodicKind::Party);
        }
        if kind.contains("村务") {
            out.push(PeriodicKind::Village);
        }
        if kind.contains("财务") {
            out.push(PeriodicKind::Finance);
        }
        out
    }
}

/// Whether a publicity record is a periodic 公开 rather than an item's 公示.
pub fn is_periodic(kind: &str) -> bool {
    !PeriodicKind::of(kind).is_empty()
}

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Span {
    Month(u32),
    Quarter(u32),
    Year,
}

/// A month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    pub span: Span,
}

impl Period {
    pub fn month(year: i32, m: u32) -> Period {
        Period {
            year,
            span: Span::Month(m),
        }
    }
    pub fn quarter(year: i32, q: u32) -> Period {
        Period {
            year,
            span: Span::Quarter(q),
        }
    }
    pub fn quarter_of(d: NaiveDate) -> Period {
        Period::quarter(d.year(), d.month0() / 3 + 1)
    }

    pub fn first_day(self) -> NaiveDate {
        let m = match self.span {
            Span::Month(m) => m,
            Span::Quarter(q) => 3 * q - 2,
            Span::Year => 1,
        };
        NaiveDate::from_ymd_opt(self.year, m, 1).expect("a period's first day")
    }

    pub fn last_day(self) -> NaiveDate {
        let months = match self.span {
            Span::Month(_) => 1,
            Span::Quarter(_) => 3,
            Span::Year => 12,
        };
        self.first_day() + Months::new(months) - chrono::Days::new(1)
    }

    /// Whether `self` lies within `other` (a month in its quarter …).
    pub fn within(self, other: Period) -> bool {
        self.first_day() >= other.first_day() && self.last_day() <= other.last_day()
    }

    /// `2025Q1`, `2025-03`, `2025`: the form subjects use (data contract §4).
    pub fn key(self) -> String {
        match self.span {
            Span::Month(m) => format!("{}-{m:02}", self.year),
            Span::Quarter(q) => format!("{}Q{q}", self.year),
            Span::Year => format!("{}", self.year),
        }
    }

    /// `2025年第一季度`, `2025年3月`, `2025年度`: how messages say it.
    pub fn label_zh(self) -> String {
        match self.span {
            Span::Month(m) => format!("{}年{m}月", self.year),
            Span::Quarter(q) => format!(
                "{}年第{}季度",
                self.year,
                ["一", "二", "三", "四"][q as usize - 1]
            ),
            Span::Year => format!("{}年度", self.year),
        }
    }

    /// The month and the quarter that ended on or before `day` most
    /// recently: what a record whose `ref_no` names no period answers.
    pub fn ended_by(day: NaiveDate) -> [Period; 2] {
        let next = day + chrono::Days::new(1);
        // A period has ended by `day` when it ends before `day + 1`.
        let month = if next.day() == 1 {
            Period::month(day.year(), day.month())
        } else {
            let prev = day.with_day(1).expect("day 1") - chrono::Days::new(1);
            Period::month(prev.year(), prev.month())
        };
        let q_now = Period::quarter_of(day);
        let quarter = if q_now.last_day() == day {
            q_now
        } else {
            Period::quarter_of(q_now.first_day() - chrono::Days::new(1))
        };
        [month, quarter]
    }
}

fn chinese_number(s: &str) -> Option<u32> {
    if let Ok(n) = s.parse::<u32>() {
        return Some(n);
    }
    let digit = |c: char| "一二三四五六七八九".find(c).map(|i| i as u32 / 3 + 1);
    let cs: Vec<char> = s.chars().collect();
    match cs.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', c] => digit(*c).map(|d| 10 + d),
        _ => None,
    }
}

fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'Ｑ' | 'ｑ' => 'Q',
            '－' | '—' | '–' => '-',
            _ => c,
        })
        .collect()
}

struct Patterns {
    quarter: Regex,
    range: Regex,
    month: Regex,
    year: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        quarter: Regex::new(
            r"((?:19|20)\d{2})\s*(?:年度?)?\s*(?:[-_/.]?\s*[Qq]\s*([1-4])|第?\s*([1-4一二三四])\s*季)",
        )
        .expect("quarter pattern"),
        range: Regex::new(r"((?:19|20)\d{2})\s*年?\s*[-_/.]?\s*(\d{1,2})\s*月?\s*[-~～至到]+\s*(\d{1,2})\s*月")
            .expect("range pattern"),
        month: Regex::new(
            r"((?:19|20)\d{2})\s*(?:年\s*(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月|[-_/.]\s*(\d{1,2})(?:[^\d]|$)|(\d{2})(?:[^\d]|$))",
        )
        .expect("month pattern"),
        year: Regex::new(r"((?:19|20)\d{2})(?:[^\d]|$)").expect("year pattern"),
    })
}

/// The period a `ref_no` names, if any.
pub fn parse_period(ref_no: &str) -> Option<Period> {
    let s = ascii_digits(ref_no);
    let p = patterns();
    let year = |m: &regex::Captures| m[1].parse::<i32>().ok();
    if let Some(c) = p.quarter.captures(&s) {
        let q = c
            .get(2)
            .or(c.get(3))
            .and_then(|q| chinese_number(q.as_str()))?;
        return Some(Period::quarter(year(&c)?, q));
    }
    if let Some(c) = p.range.captures(&s) {
        let (a, b) = (c[2].parse::<u32>().ok()?, c[3].parse::<u32>().ok()?);
        let y = year(&c)?;
        return match (a, b) {
            (a, b) if a == b && (1..=12).contains(&a) => Some(Period::month(y, a)),
            (a, b) if b == a + 2 && a % 3 == 1 => Some(Period::quarter(y, a / 3 + 1)),
            (1, 12) => Some(Period {
                year: y,
                span: Span::Year,
            }),
            _ => None,
        };
    }
    if let Some(c) = p.month.captures(&s) {
        let m = c
            .get(2)
            .or(c.get(3))
            .or(c.get(4))
            .and_then(|m| chinese_number(m.as_str()))?;
        if (1..=12).contains(&m) {
            return Some(Period::month(year(&c)?, m));
        }
        return None;
    }
    let c = p.year.captures(&s)?;
    Some(Period {
        year: year(&c)?,
        span: Span::Year,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_period() {
        let q1 = Some(Period::quarter(2025, 1));
        let m3 = Some(Period::month(2025, 3));
        for s in [
            "2025Q1",
            "2025-Q1",
            "2025 q1",
            "2025年第一季度",
            "2025年1季度",
            "2025年一季度",
            "财务公开2025年第1季度",
            "2025年1-3月",
            "２０２５Ｑ１",
        ] {
            assert_eq!(parse_period(s), q1, "{s}");
        }
        for s in [
            "2025-03",
            "2025年3月",
            "2025年03月",
            "2025.3",
            "202503",
            "2025年三月",
            "村务公开（2025年3月）",
            "2025/03",
        ] {
            assert_eq!(parse_period(s), m3, "{s}");
        }
        assert_eq!(parse_period("2025年12月"), Some(Period::month(2025, 12)));
        assert_eq!(parse_period("2025年十二月"), Some(Period::month(2025, 12)));
        assert_eq!(
            parse_period("2024年第四季度"),
            Some(Period::quarter(2024, 4))
        );
        assert_eq!(
            parse_period("2025"),
            Some(Period {
                year: 2025,
                span: Span::Year
            })
        );
        assert_eq!(
            parse_period("2025年度财务公开"),
            Some(Period {
                year: 2025,
                span: Span::Year
            })
        );
        assert_eq!(parse_period("第3期"), None);
        assert_eq!(parse_period(""), None);
        assert_eq!(parse_period("2025-13"), None);
    }

    #[test]
    fn periods_and_what_ended_by_a_day() {
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        assert_eq!(Period::quarter(2025, 1).last_day(), d(3, 31));
        assert_eq!(Period::month(2025, 2).last_day(), d(2, 28));
        assert_eq!(Period::quarter(2025, 4).key(), "2025Q4");
        assert_eq!(Period::month(2025, 3).key(), "2025-03");
        assert_eq!(
            Period::ended_by(d(4, 5)),
            [Period::month(2025, 3), Period::quarter(2025, 1)]
        );
        assert_eq!(
            Period::ended_by(d(3, 31)),
            [Period::month(2025, 3), Period::quarter(2025, 1)]
        );
        assert_eq!(
            Period::ended_by(d(3, 30)),
            [Period::month(2025, 2), Period::quarter(2024, 4)]
        );
        assert!(Period::month(2025, 3).within(Period::quarter(2025, 1)));
        assert!(!Period::month(2025, 4).within(Period::quarter(2025, 1)));
        assert_eq!(
            PeriodicKind::of("村务、财务公开"),
            vec![PeriodicKind::Village, PeriodicKind::Finance]
        );
        assert!(!is_periodic("城乡低保") && !is_periodic("决议公开"));
    }
}
