//! Addresses as the household register and the cadre roll write them,
//! reduced to one comparable key, so that same-address kin is found by a
//! hash look-up: `某某镇李家村3组12号` and `李家村三组十二号` meet.

use crate::matching::names::{needs_simplify, normalize};
use crate::text::half_width;

/// Chinese numerals before a unit of an address (`三组十二号`) to digits.
fn cn_number(run: &[char]) -> Option<u32> {
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '零' | '〇' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let mut total = 0u32;
    let mut current = 0u32;
    let mut any = false;
    for &c in run {
        match c {
            '十' => {
                total += current.max(1) * 10;
                current = 0;
            }
            '百' => {
                total += current.max(1) * 100;
                current = 0;
            }
            '千' => {
                total += current.max(1) * 1000;
                current = 0;
            }
            c => current = current * 10 + digit(c)?,
        }
        any = true;
    }
    any.then_some(total + current)
}

const ADDRESS_UNITS: [char; 12] = [
    '组', '号', '栋', '幢', '单', '排', '巷', '弄', '队', '楼', '室', '户',
];

/// One comparable form of an address: normalised like a name, punctuation
/// dropped, Chinese numerals before a unit turned to digits (`三组十二号` →
/// `3组12号`), and everything up to the street or township cut off, so that
/// `某某镇李家村3组12号` and `李家村三组十二号` compare equal.
pub fn address_key(address: &str) -> String {
    let mut key = AddressKey::default();
    key.of(address).to_string()
}

/// [`address_key`] with reusable buffers: no allocation per address once
/// warm (the household register has one address per household).
#[derive(Default)]
pub struct AddressKey {
    chars: Vec<char>,
    out: String,
}

impl AddressKey {
    /// The key of `address` (valid until the next call).
    pub fn of(&mut self, address: &str) -> &str {
        let punct = |c: &char| {
            matches!(
                c,
                ',' | '，' | '、' | '-' | '—' | '－' | '(' | ')' | '（' | '）' | '#' | '·'
            )
        };
        self.chars.clear();
        if needs_simplify(address) {
            // Traditional characters: the full normal form (conversion looks
            // at neighbouring characters).
            self.chars
                .extend(normalize(address).chars().filter(|c| !punct(c)));
        } else {
            // `normalize` without allocating: `clean_name` character by
            // character (no conversion is needed).
            self.chars.extend(
                address
                    .chars()
                    .map(half_width)
                    .filter(|c| !c.is_whitespace() && *c != '\u{FEFF}' && *c != '\u{200B}')
                    .map(|c| match c {
                        '•' | '·' | '．' | '・' | '.' => '·',
                        c => c.to_ascii_uppercase(),
                    })
                    .filter(|c| !punct(c)),
            );
        }
        let chars = &self.chars;
        let out = &mut self.out;
        out.clear();
        let is_num = |c: char| "零〇一二两三四五六七八九十百千".contains(c);
        let mut i = 0;
        while i < chars.len() {
            if is_num(chars[i]) {
                let start = i;
                while i < chars.len() && is_num(chars[i]) {
                    i += 1;
                }
                let run = &chars[start..i];
                match (chars.get(i), cn_number(run)) {
                    (Some(u), Some(v)) if ADDRESS_UNITS.contains(u) => {
                        use std::fmt::Write;
                        let _ = write!(out, "{v}");
                    }
                    _ => out.extend(run),
                }
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        let cut = ["街道", "镇", "乡"]
            .iter()
            .filter_map(|m| out.rfind(m).map(|p| p + m.len()))
            .max();
        match cut {
            Some(p) if p < out.len() => &out[p..],
            _ => out,
        }
    }
}

/// A string made once per dictionary code (`dataset::dictionary`), all
/// kept in one buffer: no allocation or hashing per value.
#[derive(Default)]
pub(super) struct PerCode {
    /// Per code: start and length in `text`, or `u32::MAX` when not made.
    spans: Vec<(u32, u32)>,
    text: String,
}

impl PerCode {
    /// The string of `code`, made by `make` (appending to the buffer it
    /// is given) the first time; `None` past 4 GiB of strings.
    pub(super) fn get(&mut self, code: u32, make: impl FnOnce(&mut String)) -> Option<&str> {
        let c = code as usize;
        if c >= self.spans.len() {
            self.spans.resize(c + 1, (u32::MAX, 0));
        }
        if self.spans[c].0 == u32::MAX {
            let start = self.text.len();
            make(&mut self.text);
            // (`u32::MAX` marks a string not made.)
            let (Some(s), Ok(n)) = (
                u32::try_from(start).ok().filter(|&s| s != u32::MAX),
                u32::try_from(self.text.len() - start),
            ) else {
                self.text.truncate(start);
                return None;
            };
            self.spans[c] = (s, n);
        }
        let (start, len) = self.spans[c];
        Some(&self.text[start as usize..start as usize + len as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(address_key("李家村三组十二号"), "李家村3组12号");
        assert_eq!(
            address_key("山东省济南市历城区唐冶街道李家村3组12号"),
            "李家村3组12号"
        );
        assert_eq!(address_key("某某镇 李家村３组１２号"), "李家村3组12号");
        assert_eq!(address_key("二郎村一百零五号"), "二郎村105号");
        assert_eq!(address_key("二郎村二十号"), "二郎村20号");
        assert_eq!(address_key(""), "");
        // Traditional characters, full-width digits, spaces and dots take
        // the slow path or the fast one and agree with the normal form.
        assert_eq!(
            address_key("李家莊三組十二號"),
            address_key("李家庄3组12号")
        );
        assert_eq!(address_key("某某鎮 李家村３组１２号"), "李家村3组12号");
        assert_eq!(address_key("李家村·3组（西）12号"), "李家村3组西12号");
        // The buffered form agrees with the plain one (the original
        // implementation, kept here as the reference).
        fn reference(address: &str) -> String {
            let n = normalize(address);
            let chars: Vec<char> = n
                .chars()
                .filter(|c| {
                    !matches!(
                        c,
                        ',' | '，' | '、' | '-' | '—' | '－' | '(' | ')' | '（' | '）' | '#' | '·'
                    )
                })
                .collect();
            let is_num = |c: char| "零〇一二两三四五六七八九十百千".contains(c);
            let mut out = String::new();
            let mut i = 0;
            while i < chars.len() {
                if is_num(chars[i]) {
                    let start = i;
                    while i < chars.len() && is_num(chars[i]) {
                        i += 1;
                    }
                    let run = &chars[start..i];
                    match (chars.get(i), cn_number(run)) {
                        (Some(u), Some(v)) if ADDRESS_UNITS.contains(u) => {
                            out.push_str(&v.to_string())
                        }
                        _ => out.extend(run),
                    }
                } else {
                    out.push(chars[i]);
                    i += 1;
                }
            }
            let cut = ["街道", "镇", "乡"]
                .iter()
                .filter_map(|m| out.rfind(m).map(|p| p + m.len()))
                .max();
            match cut {
                Some(p) if p < out.len() => out[p..].to_string(),
                _ => out,
            }
        }
        let mut k = AddressKey::default();
        for a in [
            "小店村一组1号",
            "小店村一组1号",
            "X镇Y村",
            "镇",
            "十组",
            "",
            "  ",
            "李家莊三組十二號",
            "某某鎮 李家村３组１２号",
            "a.b•c·d－e（f）#g，h、i—j",
            "山东省济南市历城区唐冶街道李家村3组12号",
            "二郎村一百零五号",
            "藉口村畫十号",
            "ａｂｃ　村\u{FEFF}\u{200B}五组",
        ] {
            assert_eq!(k.of(a), reference(a), "{a}");
            assert_eq!(address_key(a), reference(a), "{a}");
        }
    }

    #[test]
    fn a_string_per_code_is_made_once() {
        let mut memo = PerCode::default();
        let mut made = 0;
        let mut get = |memo: &mut PerCode, code: u32, s: &str| {
            memo.get(code, |out| {
                made += 1;
                out.push_str(s)
            })
            .map(str::to_string)
        };
        assert_eq!(
            get(&mut memo, 7, "李家村3组12号").as_deref(),
            Some("李家村3组12号")
        );
        assert_eq!(get(&mut memo, 2, "").as_deref(), Some(""));
        assert_eq!(get(&mut memo, 0, "王庄").as_deref(), Some("王庄"));
        // A code seen before gives its string, not the new one.
        assert_eq!(get(&mut memo, 7, "other").as_deref(), Some("李家村3组12号"));
        assert_eq!(get(&mut memo, 2, "x").as_deref(), Some(""));
        assert_eq!(made, 3);
    }
}
