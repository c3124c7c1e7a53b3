//! Value normalisers for what real exports hold (data contract §3).
//!
//! Each returns `Err(reason)` with a short Chinese-free reason the loader
//! turns into a file/row/column error; none of them panics on any input.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};

// Text cleaning lives in its own module (`crate::text`, a leaf); its old
// paths here stay for the code that imports them from the loader.
pub use crate::text::{
    clean_code, clean_digits, clean_name, clean_text, half_width, is_all_digits, is_clean_code,
    is_clean_name, is_clean_text,
};
use crate::text::{half_width_str, looks_excel_mangled};

/// Account numbers Excel turned into floats are unrecoverable.
pub fn clean_account(s: &str) -> Result<String, String> {
    let t = clean_code(s);
    if looks_excel_mangled(&t) {
        return Err("number mangled by Excel (scientific notation)".into());
    }
    Ok(clean_digits(&t))
}

/// Village codes are strings: `370102001001`, also `370102001001.0` or a
/// number cell. An exponent form lost digits and is refused.
pub fn clean_village_code(s: &str) -> Result<String, String> {
    let t = clean_code(s);
    if t.contains('E') && looks_excel_mangled(&t) {
        return Err("village code mangled by Excel (scientific notation)".into());
    }
    let t = match t.split_once('.') {
        Some((int, frac)) if frac.chars().all(|c| c == '0') => int.to_string(),
        _ => t,
    };
    if t.is_empty() {
        return Err("empty village code".into());
    }
    Ok(t)
}

const EXCEL_EPOCH_DAYS_FROM_CE: i32 = 693_594; // 1899-12-30

/// Days since 1970-01-01, as polars' Date stores them.
pub fn to_epoch_days(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - 719_163
}

pub fn from_epoch_days(days: i32) -> Option<NaiveDate> {
    days.checked_add(719_163)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Every date form of contract §3: `2025-03-01`, `2025/3/1`, `2025.03.01`,
/// `20250301`, `2025年3月1日`, an Excel serial number (`45717`), and the
/// ISO date-time an Excel date cell becomes (`2025-03-01T00:00:00`).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = half_width_str(s);
    let t = t.trim();
    let b = t.as_bytes();
    // Fast path: canonical ISO, digits only (`i32::parse` would take the
    // sign of `-025-11-30` and give a year before Christ).
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && let (Ok(y), Ok(m), Ok(d)) = (t[..4].parse(), t[5..7].parse(), t[8..10].parse())
    {
        return NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("no such date {t}"));
    }
    if t.is_empty() {
        return Err("empty date".into());
    }
    // Date-time forms: keep the date part.
    let t = t
        .split(['T', ' '])
        .next()
        .unwrap_or(t)
        .trim_end_matches('日');
    if t.len() == 8 && t.bytes().all(|c| c.is_ascii_digit()) {
        let (y, m, d) = (
            t[..4].parse().ok(),
            t[4..6].parse().ok(),
            t[6..8].parse().ok(),
        );
        if let (Some(y), Some(m), Some(d)) = (y, m, d)
            && (1890..=2200).contains(&y)
        {
            return NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("no such date {t}"));
        }
    }
    // Excel serial (days since 1899-12-30), possibly with a fraction of a day.
    if let Ok(f) = t.parse::<f64>() {
        if f.is_finite() && (1.0..=200_000.0).contains(&f) {
            let days = f.floor() as i32;
            return NaiveDate::from_num_days_from_ce_opt(EXCEL_EPOCH_DAYS_FROM_CE + days)
                .ok_or_else(|| format!("Excel serial out of range {t}"));
        }
        return Err(format!("not a date: {t}"));
    }
    // No empty part: `-2025-11-30` or `2025--11-30` is not a date.
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() == 3
        && parts.iter().all(|p| p.bytes().all(|c| c.is_ascii_digit()))
        && parts[0].len() == 4
    {
        let y: i32 = parts[0].parse().map_err(|_| format!("not a date: {t}"))?;
        let m: u32 = parts[1].parse().map_err(|_| format!("not a date: {t}"))?;
        let d: u32 = parts[2].parse().map_err(|_| format!("not a date: {t}"))?;
        return NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("no such date {t}"));
    }
    Err(format!("not a date: {t}"))
}

/// A payment period `YYYY-MM` (also `2025/03`, `202503`, `2025年3月`, or a
/// full date): the first day of that month.
pub fn parse_period(s: &str) -> Result<NaiveDate, String> {
    // Canonical `YYYY-MM` as it stands: nothing to convert or trim.
    if let Some(d) = canonical_period(s) {
        return Ok(d);
    }
    let t = half_width_str(s);
    let t = t.trim().trim_end_matches('月').trim_end_matches("份");
    let t = t.trim_end_matches('月');
    if let Some(d) = canonical_period(t) {
        return Ok(d);
    }
    if t.len() == 6 && t.bytes().all(|c| c.is_ascii_digit()) {
        let y: i32 = t[..4].parse().map_err(|_| format!("not a period: {t}"))?;
        let m: u32 = t[4..].parse().map_err(|_| format!("not a period: {t}"))?;
        return NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(|| format!("not a period: {t}"));
    }
    let parts: Vec<&str> = t
        .split(['-', '/', '.', '年'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() == 2
        && parts[0].len() == 4
        && parts.iter().all(|p| p.bytes().all(|c| c.is_ascii_digit()))
    {
        let y: i32 = parts[0].parse().map_err(|_| format!("not a period: {t}"))?;
        let m: u32 = parts[1].parse().map_err(|_| format!("not a period: {t}"))?;
        return NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(|| format!("not a period: {t}"));
    }
    let d = parse_date(s).map_err(|_| format!("not a period (YYYY-MM): {}", s.trim()))?;
    Ok(d.with_day(1).expect("day 1 exists"))
}

/// `YYYY-MM` exactly, as a date (`None` for anything else, an impossible
/// month included: the long way gives its message).
fn canonical_period(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() == 7 && b[4] == b'-' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
        let (y, m) = (t[..4].parse::<i32>().ok()?, t[5..].parse::<u32>().ok()?);
        return NaiveDate::from_ymd_opt(y, m, 1);
    }
    None
}

/// An amount written in 万元 as the same amount in yuan, exactly, as text
/// (`1.2345` → `12345`, `-0.5` → `-5000`, `3` → `30000`): the decimal point
/// moves four places, no float is involved. `None` when the text is not a
/// plain decimal or has more than six decimals (not a whole fen).
pub fn wan_to_yuan(s: &str) -> Option<String> {
    let t: String = s
        .chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '，' | '¥' | '￥'))
        .collect();
    let t = t
        .strip_suffix("万元")
        .or_else(|| t.strip_suffix('万'))
        .unwrap_or(&t);
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 6 {
        return None;
    }
    let mut digits = format!("{int}{frac:0<4}");
    if frac.len() > 4 {
        digits.insert(digits.len() - (frac.len() - 4), '.');
    }
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() || digits.starts_with('.') {
        format!("0{digits}")
    } else {
        digits.to_string()
    };
    Some(format!("{sign}{digits}"))
}

/// Largest amount accepted: one hundred billion yuan. Anything larger is a
/// unit or parsing error in the export, not money.
pub const MAX_ABS_FEN: i64 = 10_000_000_000_000;

/// Money to integer fen (1/100 yuan): `1234.5`, `1,234.50`, `¥1,234.50`,
/// `1234.50元`, `(1,234.50)` and `-1234.5` (reversals), full-width digits.
/// Exact: no float is involved for decimal strings.
pub fn parse_amount_fen(s: &str) -> Result<i64, String> {
    let plain = s
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    let filtered: Cow<'_, str> = if plain {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(half_width)
                .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '¥' | '￥' | '元' | '，'))
                .collect(),
        )
    };
    let mut t: &str = &filtered;
    if t.is_empty() {
        return Err("empty amount".into());
    }
    let mut neg = false;
    if t.starts_with('(') && t.ends_with(')') {
        neg = true;
        t = &t[1..t.len() - 1];
    }
    if let Some(rest) = t.strip_prefix('-') {
        neg = !neg;
        t = rest;
    } else if let Some(rest) = t.strip_prefix('+') {
        t = rest;
    }
    let bad = || format!("not an amount: {}", s.trim());
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !int.bytes().all(|c| c.is_ascii_digit()) || !frac.bytes().all(|c| c.is_ascii_digit()) {
        // Scientific notation from a number cell.
        if let Ok(f) = t.parse::<f64>()
            && f.is_finite()
        {
            let fen = (f * 100.0).round();
            if fen.abs() < MAX_ABS_FEN as f64 {
                return Ok(if neg { -(fen as i64) } else { fen as i64 });
            }
        }
        return Err(bad());
    }
    if int.len() > 15 {
        return Err(format!("amount out of range: {}", s.trim()));
    }
    let whole: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let mut cents: i64 = 0;
    let fb = frac.as_bytes();
    for i in 0..2 {
        cents = cents * 10 + fb.get(i).map_or(0, |c| i64::from(c - b'0'));
    }
    // Round half up on the third decimal (number cells carry float noise).
    if fb.get(2).is_some_and(|c| *c >= b'5') {
        cents += 1;
    }
    let fen = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(bad)?;
    if fen > MAX_ABS_FEN {
        return Err(format!("amount out of range: {}", s.trim()));
    }
    Ok(if neg { -fen } else { fen })
}

/// A plain number (quantities such as 亩).
pub fn parse_number(s: &str) -> Result<f64, String> {
    let plain = s
        .bytes()
        .all(|b| b.is_ascii() && b != b',' && !(b as char).is_whitespace());
    let t: Cow<'_, str> = if plain {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(half_width)
                .filter(|c| !c.is_whitespace() && *c != ',')
                .collect(),
        )
    };
    let t = t.trim_end_matches(|c: char| !c.is_ascii_digit() && c != '.');
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .ok_or_else(|| format!("not a number: {}", s.trim()))
}

/// `收入`/`支出` and the forms exports use for them.
pub fn parse_direction(s: &str) -> Result<&'static str, String> {
    let t: Cow<'_, str> = if is_clean_name(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(clean_name(s))
    };
    match &*t {
        "收入" | "收" | "借" | "INCOME" | "IN" | "1" => Ok("收入"),
        "支出" | "支" | "付" | "贷" | "EXPENSE" | "OUT" | "2" => Ok("支出"),
        _ => Err(format!("not 收入/支出: {}", s.trim())),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_yuan_is_scaled_exactly() {
        assert_eq!(wan_to_yuan("1.2345").as_deref(), Some("12345"));
        assert_eq!(wan_to_yuan("12.345678").as_deref(), Some("123456.78"));
        assert_eq!(wan_to_yuan("3").as_deref(), Some("30000"));
        assert_eq!(wan_to_yuan("-0.5").as_deref(), Some("-5000"));
        assert_eq!(wan_to_yuan("0.0001").as_deref(), Some("1"));
        assert_eq!(wan_to_yuan("0.000001").as_deref(), Some("0.01"));
        assert_eq!(wan_to_yuan("1,234.5万元").as_deref(), Some("12345000"));
        assert_eq!(wan_to_yuan("1.23456789"), None);
        assert_eq!(wan_to_yuan("abc"), None);
        assert_eq!(parse_amount_fen(&wan_to_yuan("0.0012").unwrap()), Ok(1200));
    }

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn every_date_form() {
        for s in [
            "2025-03-01",
            "2025/3/1",
            "2025.03.01",
            "20250301",
            "2025年3月1日",
            "45717",
            "2025-03-01T00:00:00",
            "2025-03-01 00:00:00",
            "２０２５－０３－０１",
            " 2025-3-1 ",
            "45717.5",
        ] {
            assert_eq!(parse_date(s), Ok(d(2025, 3, 1)), "{s}");
        }
        assert!(parse_date("2025-02-30").is_err());
        assert!(parse_date("").is_err());
        assert!(parse_date("明天").is_err());
        assert!(parse_date("-5").is_err());
        // Found by the fuzzer: a sign taken as part of the year.
        for s in [
            "-025-11-30",
            "+025-11-30",
            "2025-+1-30",
            "-2025-11-30",
            "2025--11-30",
            "2025/3/1/",
        ] {
            assert!(parse_date(s).is_err(), "{s}");
        }
    }

    #[test]
    fn periods() {
        for s in [
            "2025-03",
            "2025/3",
            "202503",
            "2025年3月",
            "2025-03-15",
            "2025.03",
        ] {
            assert_eq!(parse_period(s), Ok(d(2025, 3, 1)), "{s}");
        }
        assert!(parse_period("2025-13").is_err());
    }

    #[test]
    fn every_amount_form() {
        for s in [
            "1234.5",
            "1,234.50",
            "¥1,234.50",
            "1234.50元",
            "１２３４．５０",
            "￥1,234.5 ",
            "1.2345E3",
        ] {
            assert_eq!(parse_amount_fen(s), Ok(123_450), "{s}");
        }
        assert_eq!(parse_amount_fen("-500"), Ok(-50_000));
        assert_eq!(parse_amount_fen("(500.00)"), Ok(-50_000));
        assert_eq!(parse_amount_fen("0.005"), Ok(1));
        assert!(parse_amount_fen("abc").is_err());
        assert!(parse_amount_fen("").is_err());
        assert!(parse_amount_fen("99999999999999999999").is_err());
        assert!(parse_amount_fen("1e300").is_err());
        assert!(parse_amount_fen(".").is_err());
    }

    #[test]
    fn village_codes_stay_strings() {
        assert_eq!(clean_village_code("370102001001").unwrap(), "370102001001");
        assert_eq!(
            clean_village_code("370102001001.0").unwrap(),
            "370102001001"
        );
        assert!(clean_village_code("3.70102E+11").is_err());
    }

    #[test]
    fn epoch_days_out_of_range_are_none() {
        assert_eq!(from_epoch_days(i32::MAX), None);
        assert_eq!(from_epoch_days(i32::MIN), None);
        assert_eq!(from_epoch_days(0), Some(d(1970, 1, 1)));
    }

    // The normalisers before the borrowing fast paths, kept to check that
    // the new ones give exactly the same values and reasons.
    mod before {
        use super::super::*;
        pub fn old_parse_period(s: &str) -> Result<NaiveDate, String> {
            let t: String = s.chars().map(half_width).collect();
            let t = t.trim().trim_end_matches('月').trim_end_matches("份");
            let t = t.trim_end_matches('月');
            if t.len() == 6 && t.bytes().all(|c| c.is_ascii_digit()) {
                let y: i32 = t[..4].parse().map_err(|_| format!("not a period: {t}"))?;
                let m: u32 = t[4..].parse().map_err(|_| format!("not a period: {t}"))?;
                return NaiveDate::from_ymd_opt(y, m, 1)
                    .ok_or_else(|| format!("not a period: {t}"));
            }
            let parts: Vec<&str> = t
                .split(['-', '/', '.', '年'])
                .filter(|p| !p.is_empty())
                .collect();
            if parts.len() == 2
                && parts[0].len() == 4
                && parts.iter().all(|p| p.bytes().all(|c| c.is_ascii_digit()))
            {
                let y: i32 = parts[0].parse().map_err(|_| format!("not a period: {t}"))?;
                let m: u32 = parts[1].parse().map_err(|_| format!("not a period: {t}"))?;
                return NaiveDate::from_ymd_opt(y, m, 1)
                    .ok_or_else(|| format!("not a period: {t}"));
            }
            let d = parse_date(s).map_err(|_| format!("not a period (YYYY-MM): {}", s.trim()))?;
            Ok(d.with_day(1).expect("day 1 exists"))
        }
        pub fn old_parse_amount_fen(s: &str) -> Result<i64, String> {
            let mut t: String = s
                .chars()
                .map(half_width)
                .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '¥' | '￥' | '元' | '，'))
                .collect();
            if t.is_empty() {
                return Err("empty amount".into());
            }
            let mut neg = false;
            if t.starts_with('(') && t.ends_with(')') {
                neg = true;
                t = t[1..t.len() - 1].to_string();
            }
            if let Some(rest) = t.strip_prefix('-') {
                neg = !neg;
                t = rest.to_string();
            } else if let Some(rest) = t.strip_prefix('+') {
                t = rest.to_string();
            }
            let bad = || format!("not an amount: {}", s.trim());
            let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
            if int.is_empty() && frac.is_empty() {
                return Err(bad());
            }
            if !int.bytes().all(|c| c.is_ascii_digit()) || !frac.bytes().all(|c| c.is_ascii_digit())
            {
                // Scientific notation from a number cell.
                if let Ok(f) = t.parse::<f64>()
                    && f.is_finite()
                {
                    let fen = (f * 100.0).round();
                    if fen.abs() < MAX_ABS_FEN as f64 {
                        return Ok(if neg { -(fen as i64) } else { fen as i64 });
                    }
                }
                return Err(bad());
            }
            if int.len() > 15 {
                return Err(format!("amount out of range: {}", s.trim()));
            }
            let whole: i64 = if int.is_empty() {
                0
            } else {
                int.parse().map_err(|_| bad())?
            };
            let mut cents: i64 = 0;
            let fb = frac.as_bytes();
            for i in 0..2 {
                cents = cents * 10 + fb.get(i).map_or(0, |c| i64::from(c - b'0'));
            }
            // Round half up on the third decimal (number cells carry float noise).
            if fb.get(2).is_some_and(|c| *c >= b'5') {
                cents += 1;
            }
            let fen = whole
                .checked_mul(100)
                .and_then(|w| w.checked_add(cents))
                .ok_or_else(bad)?;
            if fen > MAX_ABS_FEN {
                return Err(format!("amount out of range: {}", s.trim()));
            }
            Ok(if neg { -fen } else { fen })
        }
        pub fn old_parse_number(s: &str) -> Result<f64, String> {
            let t: String = s
                .chars()
                .map(half_width)
                .filter(|c| !c.is_whitespace() && *c != ',')
                .collect();
            let t = t.trim_end_matches(|c: char| !c.is_ascii_digit() && c != '.');
            t.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| format!("not a number: {}", s.trim()))
        }
        pub fn old_parse_direction(s: &str) -> Result<&'static str, String> {
            let t = clean_name(s);
            match t.as_str() {
                "收入" | "收" | "借" | "INCOME" | "IN" | "1" => Ok("收入"),
                "支出" | "支" | "付" | "贷" | "EXPENSE" | "OUT" | "2" => Ok("支出"),
                _ => Err(format!("not 收入/支出: {}", s.trim())),
            }
        }
    }

    const TRICKY: &[&str] = &[
        "",
        " ",
        "　",
        "\u{FEFF}",
        "-",
        "+",
        ".",
        "-.",
        "(",
        ")",
        "()",
        "(-)",
        "(5)",
        "(-5)",
        "--5",
        "1234.5",
        "1,234.50",
        "¥1,234.50",
        "1234.50元",
        "１２３４．５０",
        "￥1,234.5 ",
        "1.2345E3",
        "-500",
        "(500.00)",
        "0.005",
        "0.004",
        "0.0049",
        "abc",
        "99999999999999999999",
        "999999999999999",
        "9999999999999999",
        "100000000000.00",
        "100000000000.01",
        "1e300",
        "5.",
        ".5",
        "-0",
        "+12.345",
        "12.3.4",
        "1 000",
        "1\u{000B}000",
        "12亩",
        "3.5亩 ",
        "2025-03",
        "2025-13",
        "2025-00",
        "2025/3",
        "202503",
        "2025年3月",
        "2025年3月份",
        "2025-03-15",
        "2025.03",
        "２０２５－０３",
        "2025-3",
        " 2025-03 ",
        "2025-03-01T00:00:00",
        "收入",
        "支出",
        "收",
        "income",
        "In",
        " 支 出 ",
        "１",
        "2",
        "x",
        "借",
        "貸",
        "nan",
        "inf",
        "-inf",
        "NaN",
        "1e5",
        "1E+5",
    ];

    #[test]
    fn fast_paths_match_the_normalisers_before_them() {
        for s in TRICKY {
            assert_eq!(
                parse_amount_fen(s),
                before::old_parse_amount_fen(s),
                "amount {s:?}"
            );
            assert_eq!(parse_number(s), before::old_parse_number(s), "number {s:?}");
            assert_eq!(parse_period(s), before::old_parse_period(s), "period {s:?}");
            assert_eq!(
                parse_direction(s),
                before::old_parse_direction(s),
                "direction {s:?}"
            );
        }
    }

    #[test]
    fn clean_predicates_only_claim_what_cleaning_keeps() {
        let names = [
            "张伟",
            "张　伟",
            "张 伟",
            " 张伟",
            "张伟 ",
            "ＡＢＣ公司",
            "abc",
            "ABC",
            "A.B",
            "阿依古丽·买买提",
            "阿依古丽•买买提",
            "a\u{200B}b",
            "\u{FEFF}x",
            "x\ty",
            "x  y",
            "x y",
            "x y ",
            "",
            " ",
            "-",
            "V0001",
            "v0001",
            "91370100MA3C5Q8R1X",
            "1\u{3000}2",
            "Ａ",
            "·",
            "．",
            "・",
        ];
        for s in names.iter().chain(TRICKY) {
            if is_clean_text(s) {
                assert_eq!(clean_text(s), *s, "text {s:?}");
            }
            if is_clean_name(s) {
                assert_eq!(clean_name(s), *s, "name {s:?}");
            }
            if is_clean_code(s) {
                assert_eq!(clean_code(s), *s, "code {s:?}");
            }
            if is_all_digits(s) {
                assert_eq!(clean_village_code(s).as_deref(), Ok(*s), "village {s:?}");
                assert_eq!(clean_account(s).as_deref(), Ok(*s), "account {s:?}");
            }
        }
        assert!(is_clean_text("张 伟 家"));
        assert!(!is_clean_text("张  伟") && !is_clean_text(" 张") && !is_clean_text(""));
        assert!(is_clean_name("ABC公司") && !is_clean_name("abc") && !is_clean_name("张 伟"));
        assert!(is_clean_code("V-1") && !is_clean_code("v-1"));
    }
}
