//! Text as exports write it: full-width forms folded, names and codes
//! cleaned, numbers Excel turned into floats recognised.
//!
//! A leaf: it imports nothing from the crate, so that the loader's
//! normaliser, the id number checks, the header aliases and the matching
//! library can all use it without importing each other.

use std::borrow::Cow;

/// Full-width ASCII (U+FF01..U+FF5E) to half-width; U+3000 to a space.
pub fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Trim, half-width, and collapse inner runs of whitespace to one space.
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars().map(half_width) {
        if c.is_whitespace() || c == '\u{FEFF}' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// A person's or company's name: every space removed (exports pad `张　伟`
/// and `张 伟` to line up), full-width letters to half-width, Latin
/// letters upper-cased, the middle dot of minority names unified.
pub fn clean_name(s: &str) -> String {
    s.chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace() && *c != '\u{FEFF}' && *c != '\u{200B}')
        .map(|c| match c {
            '•' | '·' | '．' | '・' | '.' => '·',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// Codes (voucher, contract, batch, decision numbers, credit codes):
/// half-width, no spaces, upper-case Latin letters.
pub fn clean_code(s: &str) -> String {
    s.chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace() && *c != '\u{FEFF}')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// True when [`clean_text`] would return `s` unchanged (and `s` is not
/// blank): the loader then keeps the cell as read instead of copying it.
pub fn is_clean_text(s: &str) -> bool {
    if let Some(clean) = clean_by_bytes(s, |b| b == b' ' || !ascii_space(b)) {
        // Besides, no leading, trailing or double space.
        let b = s.as_bytes();
        return clean
            && b.first() != Some(&b' ')
            && b.last() != Some(&b' ')
            && memchr::memmem::find(b, b"  ").is_none();
    }
    is_clean_text_by_chars(s)
}

/// A lead byte of every non-ASCII character that the cleaners change or
/// drop (whitespace U+0085/00A0/1680/2000–200B/2028/2029/202F/205F/3000,
/// the BOM, full-width forms U+FF01–FF5E, the dots `•` `．` `・`); CJK
/// text (lead bytes E4–E9) has none of them.
pub(crate) fn suspect_lead(b: u8) -> bool {
    matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF)
}

/// ASCII whitespace as `char::is_whitespace` has it (with U+000B).
pub(crate) fn ascii_space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0B
}

/// A name or code keeps an ASCII byte that is no space and no lower-case
/// letter.
fn name_or_code_ascii(b: u8) -> bool {
    !ascii_space(b) && !b.is_ascii_lowercase()
}

/// Whether `s` is clean, decided on its bytes when that is possible: every
/// ASCII byte passes `ascii_ok`, and no non-ASCII character can be one a
/// cleaner changes. `Some(false)` when `s` is empty or an ASCII byte
/// fails; `None` when a suspect character is present and the caller must
/// look at characters.
#[inline]
fn clean_by_bytes(s: &str, ascii_ok: impl Fn(u8) -> bool) -> Option<bool> {
    if s.is_empty() {
        return Some(false);
    }
    let mut ok = true;
    for &b in s.as_bytes() {
        if b < 0x80 {
            ok &= ascii_ok(b);
        } else if suspect_lead(b) {
            return None;
        }
    }
    Some(ok)
}

fn is_clean_text_by_chars(s: &str) -> bool {
    let mut prev_space = true; // no leading space
    for c in s.chars() {
        if half_width(c) != c {
            return false;
        }
        if c.is_whitespace() || c == '\u{FEFF}' {
            if c != ' ' || prev_space {
                return false;
            }
            prev_space = true;
        } else {
            prev_space = false;
        }
    }
    !prev_space // not empty, no trailing space
}

/// True when [`clean_name`] would return `s` unchanged (and `s` is not empty).
pub fn is_clean_name(s: &str) -> bool {
    if let Some(clean) = clean_by_bytes(s, |b| name_or_code_ascii(b) && b != b'.') {
        return clean;
    }
    is_clean_name_by_chars(s)
}

fn is_clean_name_by_chars(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            half_width(c) == c
                && !c.is_whitespace()
                && !matches!(c, '\u{FEFF}' | '\u{200B}' | '•' | '．' | '・' | '.')
                && !c.is_ascii_lowercase()
        })
}

/// True when [`clean_code`] would return `s` unchanged (and `s` is not empty).
pub fn is_clean_code(s: &str) -> bool {
    if let Some(clean) = clean_by_bytes(s, name_or_code_ascii) {
        return clean;
    }
    is_clean_code_by_chars(s)
}

fn is_clean_code_by_chars(s: &str) -> bool {
    if s.is_ascii() {
        // ASCII folds to itself; only whitespace and lower case change.
        return !s.is_empty()
            && s.bytes()
                .all(|b| !b.is_ascii_whitespace() && b != 0x0B && !b.is_ascii_lowercase());
    }
    !s.is_empty()
        && s.chars().all(|c| {
            half_width(c) == c && !c.is_whitespace() && c != '\u{FEFF}' && !c.is_ascii_lowercase()
        })
}

/// Non-empty and ASCII digits only: already a clean village code or account.
pub fn is_all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `s` with full-width characters folded, borrowed when there are none.
pub(crate) fn half_width_str(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || s.chars().all(|c| half_width(c) == c) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().map(half_width).collect())
    }
}

/// Digits only: bank accounts and phones (`6228 4800 …`, `138-0000-0000`).
pub fn clean_digits(s: &str) -> String {
    s.chars()
        .map(half_width)
        .filter(char::is_ascii_digit)
        .collect()
}

/// `3.70102E+17`, `3.70102e17`, `370102199001011000.0`: a number Excel stored as a float.
pub fn looks_excel_mangled(s: &str) -> bool {
    let u = s.to_ascii_uppercase();
    if let Some((mant, exp)) = u.split_once('E') {
        let exp = exp.trim_start_matches('+');
        return !mant.is_empty()
            && mant.chars().all(|c| c.is_ascii_digit() || c == '.')
            && !exp.is_empty()
            && exp.chars().all(|c| c.is_ascii_digit());
    }
    if let Some((int, frac)) = u.split_once('.') {
        return int.len() >= 15
            && int.chars().all(|c| c.is_ascii_digit())
            && frac.chars().all(|c| c == '0');
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_equal_after_cleaning() {
        assert_eq!(clean_name("张　伟"), "张伟");
        assert_eq!(clean_name(" 张 伟 "), "张伟");
        assert_eq!(clean_name("ＡＢＣ公司"), "ABC公司");
        assert_eq!(clean_name("阿依古丽•买买提"), clean_name("阿依古丽·买买提"));
    }

    #[test]
    fn byte_predicates_agree_with_the_char_rules() {
        let mut checked = 0;
        let chars = (0u32..0x3_0000).filter_map(char::from_u32);
        for c in chars {
            for s in [
                c.to_string(),
                format!("张{c}"),
                format!("{c}伟"),
                format!("a{c}b"),
                format!("A{c}{c}B"),
                format!("{c} {c}"),
            ] {
                assert_eq!(is_clean_text(&s), is_clean_text_by_chars(&s), "text {s:?}");
                assert_eq!(is_clean_name(&s), is_clean_name_by_chars(&s), "name {s:?}");
                assert_eq!(is_clean_code(&s), is_clean_code_by_chars(&s), "code {s:?}");
                checked += 1;
            }
        }
        assert!(checked > 1_000_000);
        for s in [
            "", " ", "a  b", " a", "a ", "a b", "x\u{0B}y", "张 伟", "张伟",
        ] {
            assert_eq!(is_clean_text(s), is_clean_text_by_chars(s), "text {s:?}");
        }
    }

    #[test]
    fn ascii_code_fast_path_agrees_with_the_char_rule() {
        let by_chars = |s: &str| {
            !s.is_empty()
                && s.chars().all(|c| {
                    half_width(c) == c
                        && !c.is_whitespace()
                        && c != '\u{FEFF}'
                        && !c.is_ascii_lowercase()
                })
        };
        for a in 0u8..128 {
            for b in 0u8..128 {
                let s = String::from_utf8(vec![a, b]).unwrap();
                assert_eq!(is_clean_code(&s), by_chars(&s), "{s:?}");
            }
        }
    }
}
