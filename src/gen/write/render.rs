//! Rendering one cell as text: `clean` gives the canonical form, `messy`
//! every form real exports mix (dates, amounts, padded names, lower-case x).

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::tables::Cell;
use crate::r#gen::model::*;
use crate::money::fen_to_yuan_string;

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' | '.' | ',' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

fn grouped(fen: i64) -> String {
    let s = fen_to_yuan_string(fen);
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut g = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(c);
    }
    format!("{g}.{frac}")
}

/// Excel's serial day number of a date.
fn excel_serial(d: NaiveDate) -> i64 {
    (d - ymd(1899, 12, 30)).num_days()
}

pub(super) fn render_clean(c: &Cell) -> String {
    match c {
        Cell::Text(s)
        | Cell::Code(s)
        | Cell::Digits(s)
        | Cell::Name(s)
        | Cell::Id(s)
        | Cell::Village(s) => s.clone(),
        Cell::Date(d) => iso(*d),
        Cell::OptDate(d) => d.map(iso).unwrap_or_default(),
        Cell::Period(m) => format!("{YEAR}-{m:02}"),
        Cell::Amount(a) => fen_to_yuan_string(*a),
        Cell::Number(n) => n.map(|x| format!("{x:.1}")).unwrap_or_default(),
    }
}

fn messy_date(d: NaiveDate, rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..12) {
        0..=3 => iso(d),
        4 | 5 => format!("{}/{}/{}", d.year(), d.month(), d.day()),
        6 => d.format("%Y.%m.%d").to_string(),
        7 => d.format("%Y%m%d").to_string(),
        8 | 9 => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        10 => excel_serial(d).to_string(),
        _ => format!("{} 00:00:00", iso(d)),
    }
}

pub(super) fn render_messy(c: &Cell, rng: &mut ChaCha8Rng, gbk: bool) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Code(s) => {
            if rng.random_range(0..20) == 0 {
                s.to_lowercase()
            } else {
                s.clone()
            }
        }
        Cell::Digits(s) => {
            if s.len() == 19 && rng.random_range(0..8) == 0 {
                // Accounts grouped by four, as printed on a passbook.
                s.as_bytes()
                    .chunks(4)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                s.clone()
            }
        }
        Cell::Name(s) => {
            let n = s.chars().count();
            match rng.random_range(0..10) {
                0 | 1 if n == 2 => {
                    let mut it = s.chars();
                    let (a, b) = (it.next().unwrap_or(' '), it.next().unwrap_or(' '));
                    format!("{a}\u{3000}{b}")
                }
                2 if n == 2 => {
                    let mut it = s.chars();
                    let (a, b) = (it.next().unwrap_or(' '), it.next().unwrap_or(' '));
                    format!("{a} {b}")
                }
                3 => format!("{s} "),
                _ => s.clone(),
            }
        }
        Cell::Id(s) => {
            if s.len() == 18 && s.ends_with('X') && rng.random_bool(0.5) {
                format!("{}x", &s[..17])
            } else {
                s.clone()
            }
        }
        Cell::Village(s) => {
            if rng.random_range(0..8) == 0 {
                format!("{s}.0")
            } else {
                s.clone()
            }
        }
        Cell::Date(d) => messy_date(*d, rng),
        Cell::OptDate(d) => d.map(|d| messy_date(d, rng)).unwrap_or_default(),
        Cell::Period(m) => match rng.random_range(0..5) {
            0 | 1 => format!("{YEAR}-{m:02}"),
            2 => format!("{YEAR}年{m}月"),
            3 => format!("{YEAR}{m:02}"),
            _ => format!("{YEAR}/{m:02}"),
        },
        Cell::Amount(a) => {
            let yuan = if gbk { "￥" } else { "¥" };
            match rng.random_range(0..10) {
                0..=3 => fen_to_yuan_string(*a),
                4 | 5 => grouped(*a),
                6 => format!("{yuan}{}", grouped(*a)),
                7 => format!("{}元", fen_to_yuan_string(*a)),
                8 => full_width(&fen_to_yuan_string(*a)),
                _ => {
                    // A number cell exported without trailing zeros.
                    let s = fen_to_yuan_string(*a);
                    let s = s.trim_end_matches('0').trim_end_matches('.');
                    s.to_string()
                }
            }
        }
        Cell::Number(n) => n.map(|x| format!("{x}")).unwrap_or_default(),
    }
}
