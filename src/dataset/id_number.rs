//! Citizen id numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015).

use chrono::NaiveDate;

use crate::text::half_width;
pub use crate::text::looks_excel_mangled;

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// What the loader made of an id number as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdParse {
    /// 18 characters, upper-case `X`; may still fail the check (see [`id_problem`]).
    Id(String),
    /// Excel turned the number into a float (`3.70102E+17`, `370102199001011000`
    /// with trailing zeros cannot be told apart, so only the exponent form is
    /// certain). The digits are lost.
    ExcelMangled,
    /// Not an id number at all (wrong length, letters).
    Malformed,
}

/// The ISO 7064 MOD 11-2 check character for the first 17 digits.
pub fn id_check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize])
}

/// Upgrade a 15-digit legacy number (GB 11643-1989) to 18: century `19`
/// after the area code and a computed check character.
pub fn upgrade_15(id15: &str) -> Option<String> {
    let b = id15.as_bytes();
    if b.len() != 15 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut s = String::with_capacity(18);
    s.push_str(&id15[..6]);
    s.push_str("19");
    s.push_str(&id15[6..]);
    let c = id_check_char(s.as_bytes())?;
    s.push(c);
    Some(s)
}

/// Parse an id number as written in an export (already trimmed of padding
/// and full-width characters by the caller or not: both are handled).
pub fn parse_id(raw: &str) -> IdParse {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'' && *c != '\u{3000}')
        .map(half_width)
        .collect();
    let upper = s.to_ascii_uppercase();
    if looks_excel_mangled(&upper) {
        return IdParse::ExcelMangled;
    }
    let b = upper.as_bytes();
    match b.len() {
        18 if b[..17].iter().all(u8::is_ascii_digit)
            && (b[17].is_ascii_digit() || b[17] == b'X') =>
        {
            IdParse::Id(upper)
        }
        15 if b.iter().all(u8::is_ascii_digit) => match upgrade_15(&upper) {
            Some(s) => IdParse::Id(s),
            None => IdParse::Malformed,
        },
        _ => IdParse::Malformed,
    }
}

/// Why a well-formed 18-character id cannot be a real one, if it cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdProblem {
    BadCheck { expected: char },
    ImpossibleBirthDate,
}

pub fn id_problem(id18: &str) -> Option<IdProblem> {
    let b = id18.as_bytes();
    if b.len() != 18 {
        return None;
    }
    if !birth_date_possible(id18) {
        return Some(IdProblem::ImpossibleBirthDate);
    }
    let expected = id_check_char(&b[..17])?;
    if b[17] as char != expected {
        return Some(IdProblem::BadCheck { expected });
    }
    None
}

/// Whether [`birth_date`] finds a date, without making it (the loader asks
/// this of every id number).
pub fn birth_date_possible(id18: &str) -> bool {
    let Some(s) = id18
        .get(6..14)
        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
    else {
        return false;
    };
    let n = |r: std::ops::Range<usize>| {
        s.as_bytes()[r]
            .iter()
            .fold(0u32, |a, b| a * 10 + u32::from(b - b'0'))
    };
    let (y, m, d) = (n(0..4), n(4..6), n(6..8));
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1890 && (1..=days).contains(&d)
}

/// Birth date encoded in digits 7–14; `None` if it is not a real date or is
/// before 1890 (nobody alive was born then).
pub fn birth_date(id18: &str) -> Option<NaiveDate> {
    // Digits only: slicing other text by bytes could cut a character.
    let s = id18
        .get(6..14)
        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))?;
    let y: i32 = s[..4].parse().ok()?;
    let m: u32 = s[4..6].parse().ok()?;
    let d: u32 = s[6..8].parse().ok()?;
    if y < 1890 {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// 1 = male (odd sequence digit), 2 = female.
pub fn sex(id18: &str) -> Option<u8> {
    let c = id18.as_bytes().get(16)?;
    c.is_ascii_digit()
        .then(|| if (c - b'0') % 2 == 1 { 1 } else { 2 })
}

/// Build a valid id from area code, birth date and 3-digit sequence.
pub fn make_id(area6: &str, birth: NaiveDate, seq: u16) -> String {
    let mut s = format!("{area6}{}{:03}", birth.format("%Y%m%d"), seq % 1000);
    let c = id_check_char(s.as_bytes()).expect("17 digits");
    s.push(c);
    s
}

const CREDIT_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The value of each ASCII byte in [`CREDIT_CHARS`]; `u8::MAX`: not one.
const CREDIT_VALUE: [u8; 128] = {
    let mut t = [u8::MAX; 128];
    let b = CREDIT_CHARS.as_bytes();
    let mut i = 0;
    while i < b.len() {
        t[b[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// GB 32100 check character for the first 17 characters of a credit code.
pub fn credit_check_char(first17: &str) -> Option<char> {
    // Every character of a code is ASCII: a non-ASCII byte is no code.
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (&c, w) in b.iter().zip(CREDIT_WEIGHTS) {
        match CREDIT_VALUE.get(c as usize) {
            Some(&v) if v != u8::MAX => sum += v as u32 * w,
            _ => return None,
        }
    }
    let v = (31 - sum % 31) % 31;
    Some(CREDIT_CHARS.as_bytes()[v as usize] as char)
}

/// True when an 18-character credit code passes the GB 32100 check.
pub fn credit_code_valid(code: &str) -> bool {
    code.len() == 18
        && code.is_ascii()
        && credit_check_char(&code[..17]).is_some_and(|c| code.ends_with(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_character_of_published_example() {
        // GB 11643 annex example.
        assert_eq!(id_check_char(b"11010519491231002"), Some('X'));
        assert!(id_problem("11010519491231002X").is_none());
        assert!(matches!(
            id_problem("110105194912310021"),
            Some(IdProblem::BadCheck { expected: 'X' })
        ));
    }

    #[test]
    fn credit_check_by_table_agrees_with_the_search() {
        fn by_search(first17: &str) -> Option<char> {
            if first17.chars().count() != 17 {
                return None;
            }
            let mut sum = 0u32;
            for (c, w) in first17.chars().zip(CREDIT_WEIGHTS) {
                sum += CREDIT_CHARS.find(c)? as u32 * w;
            }
            CREDIT_CHARS.chars().nth(((31 - sum % 31) % 31) as usize)
        }
        let base = "91350100M000100Y4";
        assert_eq!(credit_check_char(base), by_search(base));
        // Every character at every place, ASCII and a few others.
        let others = ['I', 'O', 'a', ' ', '中', 'Ａ', '\u{7f}'];
        for at in 0..17 {
            for c in (0u8..128).map(char::from).chain(others) {
                let mut s: Vec<char> = base.chars().collect();
                s[at] = c;
                let s: String = s.into_iter().collect();
                assert_eq!(credit_check_char(&s), by_search(&s), "{s:?}");
            }
        }
        for s in ["", "9135010", "91350100M000100Y45", "中中中中中中"] {
            assert_eq!(credit_check_char(s), by_search(s), "{s:?}");
        }
    }

    #[test]
    fn fifteen_digits_upgrade() {
        assert_eq!(
            parse_id("370102800101123"),
            IdParse::Id(upgrade_15("370102800101123").unwrap())
        );
        let up = upgrade_15("370102800101123").unwrap();
        assert!(up.starts_with("37010219800101123"));
        assert!(id_problem(&up).is_none());
    }

    #[test]
    fn lower_x_and_padding() {
        assert_eq!(
            parse_id(" 11010519491231002x "),
            IdParse::Id("11010519491231002X".into())
        );
        assert_eq!(
            parse_id("１１０１０５１９４９１２３１００２Ｘ"),
            IdParse::Id("11010519491231002X".into())
        );
    }

    #[test]
    fn excel_forms() {
        assert_eq!(parse_id("3.70102E+17"), IdParse::ExcelMangled);
        assert_eq!(parse_id("3.70102e17"), IdParse::ExcelMangled);
        assert_eq!(parse_id("370102199001011000.0"), IdParse::ExcelMangled);
        assert_eq!(parse_id("12345"), IdParse::Malformed);
    }

    #[test]
    fn birth_date_possible_agrees_with_birth_date() {
        let mut checked = 0;
        for y in (1880..=2101).chain([0, 1, 400, 1900, 2000, 2100, 9999]) {
            for m in 0..=13 {
                for d in 0..=32 {
                    let id = format!("370102{y:04}{m:02}{d:02}1234");
                    assert_eq!(birth_date_possible(&id), birth_date(&id).is_some(), "{id}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 100_000);
        for id in ["", "3701021990", "37010219900a011234", "370102张三丰01234"] {
            assert_eq!(birth_date_possible(id), birth_date(id).is_some(), "{id}");
        }
    }

    #[test]
    fn impossible_birth_date() {
        let mut s = "37010219900230123".to_string();
        s.push(id_check_char(s.as_bytes()).unwrap());
        assert_eq!(id_problem(&s), Some(IdProblem::ImpossibleBirthDate));
    }

    #[test]
    fn credit_codes() {
        // A published code (国家税务总局 example format).
        let first = "91370100MA3C5Q8R1";
        let c = credit_check_char(first).unwrap();
        let code = format!("{first}{c}");
        assert!(credit_code_valid(&code));
        let wrong = format!("{first}{}", if c == '0' { '1' } else { '0' });
        assert!(!credit_code_valid(&wrong));
    }
}
