//! Money: amounts are `i64` fen (1/100 yuan) everywhere after loading, and
//! yuan only where people read or write them (parameters, messages, CSV).
//!
//! Apart from the loader, so that findings, rules and reports format money
//! without depending on how exports are parsed.

/// Yuan (a parameter) to fen (how amounts are stored), rounded.
pub fn yuan_to_fen(yuan: f64) -> i64 {
    (yuan * 100.0).round() as i64
}

/// Format fen as yuan with two decimals, exactly.
pub fn fen_to_yuan_string(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Format fen as yuan with thousands separators for messages: `182,400元`
/// (cents shown only when not whole).
pub fn fen_to_yuan_display(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let whole = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if a.is_multiple_of(100) {
        format!("{sign}{grouped}元")
    } else {
        format!("{sign}{grouped}.{:02}元", a % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_display() {
        assert_eq!(fen_to_yuan_display(18_240_000), "182,400元");
        assert_eq!(fen_to_yuan_display(123_450), "1,234.50元");
        assert_eq!(fen_to_yuan_string(-5), "-0.05");
    }

    #[test]
    fn yuan_to_fen_rounds() {
        assert_eq!(yuan_to_fen(100_000.0), 10_000_000);
        assert_eq!(yuan_to_fen(0.005), 1);
        assert_eq!(yuan_to_fen(-1.234), -123);
    }
}
