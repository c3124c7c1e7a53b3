//! Citizen id numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015).

use std::borrow::Cow;

use chrono::NaiveDate;

use super::IssueKind;

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

/// GB 11714 check character of a legacy 组织机构代码 (8 characters, digits
/// or upper-case letters), `None` when they are not such characters.
pub fn org_check_char(first8: &str) -> Option<char> {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let b = first8.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (&c, w) in b.iter().zip(W) {
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'Z' => c - b'A' + 10,
            _ => return None,
        };
        sum += u32::from(v) * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        v => char::from_digit(v, 10)?,
    })
}

/// What a value in an id column is when it is no GB 11643 number but a
/// document of another standard (data contract §2; docs/real-exports):
/// kept out of every match (null in the column) and not an invalid id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherDocument {
    /// Legacy 9-character 组织机构代码 (GB 11714) passing its check.
    OrgCode,
    /// A passport number (中国护照 E/G/P/S/D…, or a foreign one).
    Passport,
    /// 港澳居民来往内地通行证 (H/M and 8 or 10 digits).
    HkMacauPermit,
    /// 台湾居民来往大陆通行证 of the old form (10 digits and a letter); the
    /// 8 digits of the new form look like any fragment and are not read
    /// as one.
    TaiwanPermit,
    /// 外国人永久居留证 of the 2004 form (3 letters, 12 digits).
    ForeignResident,
}

impl OtherDocument {
    pub fn label_zh(self) -> &'static str {
        match self {
            OtherDocument::OrgCode => "组织机构代码",
            OtherDocument::Passport => "护照号码",
            OtherDocument::HkMacauPermit => "港澳居民来往内地通行证",
            OtherDocument::TaiwanPermit => "台湾居民来往大陆通行证",
            OtherDocument::ForeignResident => "外国人永久居留证",
        }
    }
}

/// The cell cleaned as a document number: padding, full-width forms,
/// hyphens and brackets dropped, upper case.
fn document_chars(raw: &str) -> String {
    raw.chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace() && !matches!(c, '\'' | '(' | ')' | '\u{3000}'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Which other document `raw` is, if its form is one (see [`OtherDocument`]).
pub fn other_document(raw: &str) -> Option<OtherDocument> {
    let s = document_chars(raw);
    let b = s.as_bytes();
    let digits = |r: &[u8]| !r.is_empty() && r.iter().all(u8::is_ascii_digit);
    let upper = |c: u8| c.is_ascii_uppercase();
    // 组织机构代码 as printed (`70846113-6`) or run together.
    let org: String = match (b.len(), b.get(8)) {
        (10, Some(b'-')) => format!("{}{}", &s[..8], &s[9..]),
        _ => s.clone(),
    };
    let ob = org.as_bytes();
    if ob.len() == 9
        && ob.iter().all(|c| c.is_ascii_digit() || upper(*c))
        && org_check_char(&org[..8]).is_some_and(|c| ob[8] == c as u8)
    {
        return Some(OtherDocument::OrgCode);
    }
    match b.len() {
        _ if matches!(b.first(), Some(b'H' | b'M'))
            && matches!(b.len(), 9 | 11)
            && digits(&b[1..]) =>
        {
            Some(OtherDocument::HkMacauPermit)
        }
        // The old form with its issue letter; the 8 digits of the new form
        // cannot be told from a fragment of a number and stay invalid.
        11 if digits(&b[..10]) && upper(b[10]) => Some(OtherDocument::TaiwanPermit),
        15 if b[..3].iter().all(|c| upper(*c)) && digits(&b[3..]) => {
            Some(OtherDocument::ForeignResident)
        }
        7..=10 if upper(b[0]) && (digits(&b[1..]) || (upper(b[1]) && digits(&b[2..]))) => {
            Some(OtherDocument::Passport)
        }
        _ => None,
    }
}

/// What a party column (a counterparty, vendor, legal representative or
/// lessee: a person **or** an organisation) holds, each form judged by its
/// own standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyId {
    /// A person's id number (18 characters, may still fail its check: see
    /// [`id_problem`]).
    Person(String),
    /// An 18-character 统一社会信用代码 passing GB 32100: a vendor key.
    CreditCode(String),
    /// Shaped like a credit code (18 letters and digits, a letter before
    /// the last place) and failing the GB 32100 check; `expected`: the
    /// check character its first 17 call for (`None`: a character no code
    /// holds, such as I, O, S, V or Z).
    BadCreditCode {
        code: String,
        expected: Option<char>,
    },
    /// A document of another standard: no match key (see [`OtherDocument`]).
    Other(OtherDocument),
    ExcelMangled,
    Malformed,
}

/// Read a party column's cell: a valid person id, else a valid credit
/// code, else whichever form the characters have (an all-digit number
/// that passes neither check is an id number that fails its own).
pub fn parse_party(raw: &str) -> PartyId {
    match parse_id(raw) {
        IdParse::Id(id) => {
            if id_problem(&id).is_none() {
                PartyId::Person(id)
            } else if credit_code_valid(&id) {
                PartyId::CreditCode(id)
            } else if credit_form_not_id(&id) {
                let expected = credit_check_char(&id[..17]);
                PartyId::BadCreditCode { code: id, expected }
            } else {
                PartyId::Person(id)
            }
        }
        IdParse::ExcelMangled => PartyId::ExcelMangled,
        IdParse::Malformed => {
            let s = document_chars(raw);
            let b = s.as_bytes();
            let shaped = b.len() == 18
                && b.iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
                && (b[..17].iter().any(u8::is_ascii_uppercase) || b[17] != b'X');
            if shaped {
                match credit_check_char(&s[..17]) {
                    Some(c) if s.ends_with(c) => PartyId::CreditCode(s),
                    expected => PartyId::BadCreditCode { code: s, expected },
                }
            } else if let Some(d) = other_document(raw) {
                PartyId::Other(d)
            } else {
                PartyId::Malformed
            }
        }
    }
}

/// An all-digit 18-character value that reads as a credit code and cannot
/// be an id number: a registration authority and type a credit code opens
/// with (`91` company, `92` 个体工商户, `93` cooperative, `12` institution,
/// `51`–`53` social organisation …) and digits 7–10 no birth year
/// (1890–2100): in a credit code they are the end of the district code and
/// the start of the organisation code.
fn credit_form_not_id(s: &str) -> bool {
    let b = s.as_bytes();
    let year = s.get(6..10).and_then(|y| y.parse::<u32>().ok());
    b.len() == 18
        && b"123456789".contains(&b[0])
        && b"1239".contains(&b[1])
        && !year.is_some_and(|y| (1890..=2100).contains(&y))
}

/// A party column's cell as the loader keeps it (`None`: null), telling
/// `bad` of a problem: a person's id as an id column keeps it, a credit
/// code as it is, another document as null with a notice that is no
/// finding (see [`parse_party`]).
pub(crate) fn party_cell<'a>(
    s: &'a str,
    bad: &mut dyn FnMut(&str, String, Option<IssueKind>),
) -> Option<Cow<'a, str>> {
    match parse_party(s) {
        PartyId::Person(id) => {
            match id_problem(&id) {
                Some(IdProblem::BadCheck { expected }) => bad(
                    s,
                    format!("check character should be {expected} (GB 11643)"),
                    Some(IssueKind::InvalidId),
                ),
                Some(IdProblem::ImpossibleBirthDate) => bad(
                    s,
                    "impossible birth date".into(),
                    Some(IssueKind::InvalidId),
                ),
                None => {}
            }
            Some(if id == s {
                Cow::Borrowed(s)
            } else {
                Cow::Owned(id)
            })
        }
        PartyId::CreditCode(c) => Some(if c == s {
            Cow::Borrowed(s)
        } else {
            Cow::Owned(c)
        }),
        PartyId::BadCreditCode { code, expected } => {
            let reason = match expected {
                Some(c) => format!("credit code check character should be {c} (GB 32100)"),
                None => "credit code holds a character no code has (GB 32100)".into(),
            };
            bad(s, reason, Some(IssueKind::InvalidCreditCode));
            Some(Cow::Owned(code))
        }
        PartyId::Other(d) => {
            bad(s, other_document_reason(d), Some(IssueKind::OtherDocument));
            None
        }
        PartyId::ExcelMangled => {
            bad(
                s,
                "id number mangled by Excel (scientific notation); digits lost".into(),
                Some(IssueKind::ExcelMangledId),
            );
            None
        }
        PartyId::Malformed => {
            bad(
                s,
                "not an id number (18 or 15 characters) nor a credit code (18)".into(),
                Some(IssueKind::InvalidId),
            );
            Some(Cow::Owned(crate::text::clean_code(s)))
        }
    }
}

/// The load notice for another document in an id column.
pub(crate) fn other_document_reason(d: OtherDocument) -> String {
    format!(
        "{} ({}): not a GB 11643 id number, kept out of matching",
        d.label_zh(),
        match d {
            OtherDocument::OrgCode => "legacy organisation code, GB 11714",
            OtherDocument::Passport => "passport",
            OtherDocument::HkMacauPermit | OtherDocument::TaiwanPermit => "travel permit",
            OtherDocument::ForeignResident => "foreigner's residence permit",
        }
    )
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

    /// Codes as the 国家企业信用信息公示系统 shows them (the standard's
    /// example, a company of each form: all digits, a letter check
    /// character, letters in the organisation code).
    const REAL_CODES: [&str; 4] = [
        "91350100M000100Y43",
        "914403001922038216",
        "91440300708461136T",
        "91330100799655058B",
    ];

    #[test]
    fn real_credit_codes_pass_and_embed_a_valid_organisation_code() {
        for code in REAL_CODES {
            assert!(credit_code_valid(code), "{code}");
            // Places 9–17 are the GB 11714 organisation code, check included.
            assert_eq!(
                org_check_char(&code[8..16]),
                code[16..17].chars().next(),
                "{code}"
            );
            // Every other last character fails.
            for c in CREDIT_CHARS.chars().filter(|c| !code.ends_with(*c)) {
                assert!(
                    !credit_code_valid(&format!("{}{c}", &code[..17])),
                    "{code} {c}"
                );
            }
        }
        assert_eq!(org_check_char("M000100Y"), Some('4'));
        assert_eq!(org_check_char("m000100y"), None);
    }

    #[test]
    fn a_party_column_reads_each_form_by_its_own_standard() {
        let person = "11010519491231002X";
        assert_eq!(parse_party(person), PartyId::Person(person.into()));
        assert_eq!(
            parse_party(" 11010519491231002x"),
            PartyId::Person(person.into())
        );
        // A person's id failing its check stays an id (an invalid one).
        assert_eq!(
            parse_party("110105194912310021"),
            PartyId::Person("110105194912310021".into())
        );
        for code in REAL_CODES {
            assert_eq!(
                parse_party(code),
                PartyId::CreditCode(code.into()),
                "{code}"
            );
            assert_eq!(
                parse_party(&code.to_lowercase()),
                PartyId::CreditCode(code.into()),
                "{code}"
            );
        }
        // A wrong check character: letters inside, or all digits that hold no birth year.
        assert_eq!(
            parse_party("91440300708461136A"),
            PartyId::BadCreditCode {
                code: "91440300708461136A".into(),
                expected: Some('T')
            }
        );
        assert_eq!(
            parse_party("914403001922038217"),
            PartyId::BadCreditCode {
                code: "914403001922038217".into(),
                expected: Some('6')
            }
        );
        // A character no code holds (O) is a bad code too, with no check to expect.
        assert!(matches!(
            parse_party("9144030070846113OT"),
            PartyId::BadCreditCode { expected: None, .. }
        ));
        assert_eq!(parse_party("3.70102E+17"), PartyId::ExcelMangled);
        assert_eq!(parse_party("12345"), PartyId::Malformed);
        assert_eq!(parse_party("3701021990"), PartyId::Malformed);
        assert_eq!(parse_party("2025-03-01"), PartyId::Malformed);
    }

    #[test]
    fn other_documents_are_recognised_not_flagged() {
        use OtherDocument::*;
        for (raw, kind) in [
            ("19220382-1", OrgCode),
            ("M000100Y-4", OrgCode),
            ("708461136", OrgCode),
            ("E12345678", Passport),
            ("EA1234567", Passport),
            ("G87654321", Passport),
            ("H12345678", HkMacauPermit),
            ("M1234567890", HkMacauPermit),
            ("1234567890(B)", TaiwanPermit),
            ("USA110012345678", ForeignResident),
        ] {
            assert_eq!(other_document(raw), Some(kind), "{raw}");
            assert_eq!(parse_party(raw), PartyId::Other(kind), "{raw}");
        }
        // A failed organisation check, fragments and placeholders are none of them.
        for raw in [
            "19220382-2",
            "12345",
            "无",
            "/",
            "370102199001011",
            "3701021990010112",
        ] {
            assert_eq!(other_document(raw), None, "{raw}");
        }
    }
}
