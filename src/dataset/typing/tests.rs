//! The column normaliser against the one before it, cell by cell.

use super::*;
use crate::dataset::Kind;

// The column normaliser before borrowing and column reuse, as the reference.
/// Normalise one column of raw text to its typed form.
fn old_normalise_column(spec: &ColumnSpec, src: &StringChunked) -> (Column, Vec<CellProblem>) {
    let mut problems = Vec::new();
    let name: PlSmallStr = spec.name.into();
    let mut bad = |index: usize, value: &str, reason: String, issue: Option<IssueKind>| {
        problems.push(CellProblem {
            index,
            value: value.to_string(),
            reason,
            issue,
            at: 0,
        });
    };
    macro_rules! typed {
        ($parse:expr, $ty:ty) => {{
            let mut out: Vec<Option<$ty>> = Vec::with_capacity(src.len());
            for (i, v) in src.iter().enumerate() {
                match blank(v) {
                    None => {
                        if spec.non_empty {
                            bad(i, "", "empty value in a required column".into(), None);
                        }
                        out.push(None);
                    }
                    Some(s) => match $parse(s) {
                        Ok(x) => out.push(Some(x)),
                        Err(reason) => {
                            bad(i, s, reason, None);
                            out.push(None);
                        }
                    },
                }
            }
            out
        }};
    }
    let col = match spec.kind {
        Kind::Date | Kind::Period => {
            let f = if spec.kind == Kind::Date {
                normalize::parse_date
            } else {
                normalize::parse_period
            };
            let v = typed!(|s| f(s).map(normalize::to_epoch_days), i32);
            Int32Chunked::from_iter_options(name, v.into_iter())
                .into_date()
                .into_column()
        }
        Kind::Money => {
            let v = typed!(normalize::parse_amount_fen, i64);
            Int64Chunked::from_iter_options(name, v.into_iter()).into_column()
        }
        Kind::Number => {
            let v = typed!(normalize::parse_number, f64);
            Float64Chunked::from_iter_options(name, v.into_iter()).into_column()
        }
        Kind::IdNumber | Kind::PartyId => {
            let mut out: Vec<Option<String>> = Vec::with_capacity(src.len());
            for (i, v) in src.iter().enumerate() {
                match blank(v) {
                    None => {
                        if spec.non_empty {
                            bad(i, "", "empty value in a required column".into(), None);
                        }
                        out.push(None)
                    }
                    Some(s) => out.push(old_id_value(s, &mut |value, reason, issue| {
                        bad(i, value, reason, issue)
                    })),
                }
            }
            StringChunked::from_iter_options(name, out.into_iter()).into_column()
        }
        Kind::Direction => {
            let v = typed!(
                |s| normalize::parse_direction(s).map(str::to_string),
                String
            );
            StringChunked::from_iter_options(name, v.into_iter()).into_column()
        }
        Kind::VillageCode => {
            let v = typed!(normalize::clean_village_code, String);
            StringChunked::from_iter_options(name, v.into_iter()).into_column()
        }
        Kind::Digits => {
            let v = typed!(normalize::clean_account, String);
            let v = v.into_iter().map(|o| o.filter(|s| !s.is_empty()));
            StringChunked::from_iter_options(name, v).into_column()
        }
        Kind::Text | Kind::Name | Kind::Code => {
            let f = match spec.kind {
                Kind::Text => normalize::clean_text,
                Kind::Name => normalize::clean_name,
                _ => normalize::clean_code,
            };
            let v = typed!(|s| Ok::<_, String>(f(s)), String);
            StringChunked::from_iter_options(name, v.into_iter()).into_column()
        }
    };
    (col, problems)
}

/// The old normaliser's value of one non-blank id number cell.
fn old_id_value(s: &str, bad: &mut dyn FnMut(&str, String, Option<IssueKind>)) -> Option<String> {
    match id_number::parse_id(s) {
        IdParse::Id(id) => {
            match id_number::id_problem(&id) {
                Some(id_number::IdProblem::BadCheck { expected }) => bad(
                    s,
                    format!("check character should be {expected} (GB 11643)"),
                    Some(IssueKind::InvalidId),
                ),
                Some(id_number::IdProblem::ImpossibleBirthDate) => bad(
                    s,
                    "impossible birth date".into(),
                    Some(IssueKind::InvalidId),
                ),
                None => {}
            }
            Some(id)
        }
        IdParse::ExcelMangled => {
            bad(
                s,
                "id number mangled by Excel (scientific notation); digits lost".into(),
                Some(IssueKind::ExcelMangledId),
            );
            None
        }
        // Kept (cleaned) so that it still matches itself elsewhere.
        IdParse::Malformed => {
            bad(
                s,
                "not an 18- or 15-character id number".into(),
                Some(IssueKind::InvalidId),
            );
            Some(normalize::clean_code(s))
        }
    }
}

pub(in crate::dataset) const CELLS: &[Option<&str>] = &[
    Some("张伟"),
    None,
    Some("张　伟"),
    Some(" 张伟"),
    Some("ＡＢＣ公司"),
    Some("abc"),
    Some(""),
    Some("　"),
    Some("x  y"),
    Some("x y"),
    Some("370102001001"),
    Some("370102001001.0"),
    Some("3.70102E+11"),
    Some("11010519491231002X"),
    Some("11010519491231002x"),
    Some("110105194912310021"),
    Some("370102800101123"),
    Some("3.70102E+17"),
    Some("12345"),
    Some("37010219900230123X"),
    Some("6228 4800 1234"),
    Some("138-0000-0000"),
    Some("-"),
    Some("收入"),
    Some("支出"),
    Some("INCOME"),
    Some("income"),
    Some("1"),
    Some("借"),
    Some("2025-03-01"),
    Some("2025/3/1"),
    Some("45717"),
    Some("2025-03"),
    Some("1,234.50"),
    Some("(500)"),
    Some("12亩"),
    Some("V0001"),
    Some("v0001"),
    Some("阿依古丽•买买提"),
];

fn same(a: &Column, b: &Column) -> bool {
    a.name() == b.name() && a.dtype() == b.dtype() && a.len() == b.len() && {
        let (a, b) = (
            a.cast(&DataType::String).unwrap(),
            b.cast(&DataType::String).unwrap(),
        );
        a.str().unwrap().iter().eq(b.str().unwrap().iter())
    }
}

#[test]
fn normalising_matches_the_loader_before_it() {
    let kinds = [
        Kind::Text,
        Kind::Name,
        Kind::IdNumber,
        Kind::Code,
        Kind::VillageCode,
        Kind::Digits,
        Kind::Date,
        Kind::Period,
        Kind::Money,
        Kind::Number,
        Kind::Direction,
    ];
    // Every cell alone, all together, and a column that is clean throughout.
    let mut columns: Vec<Vec<Option<&str>>> = CELLS.iter().map(|c| vec![*c, *c]).collect();
    columns.push(CELLS.to_vec());
    columns.push(CELLS.iter().rev().copied().collect());
    for kind in kinds {
        for non_empty in [false, true] {
            let spec = ColumnSpec {
                name: "x",
                kind,
                required: true,
                non_empty,
            };
            for cells in &columns {
                let src = StringChunked::from_iter_options("c0".into(), cells.iter().copied());
                let (new, p_new) = normalise_column(&spec, &src);
                let (old, p_old) = old_normalise_column(&spec, &src);
                assert!(same(&new, &old), "{kind:?} {cells:?}: {new:?} vs {old:?}");
                let key = |p: &CellProblem| (p.index, p.value.clone(), p.reason.clone(), p.issue);
                assert_eq!(
                    p_new.iter().map(key).collect::<Vec<_>>(),
                    p_old.iter().map(key).collect::<Vec<_>>(),
                    "{kind:?} {cells:?}"
                );
            }
        }
    }
}

#[test]
fn blank_trims_as_before() {
    fn before(v: Option<&str>) -> Option<&str> {
        v.map(|s| s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{FEFF}'))
            .filter(|s| !s.is_empty())
    }
    let pads = [
        "", " ", "\t", "\u{3000}", "\u{FEFF}", "\u{A0}", "\u{0B}", "\r\n",
    ];
    let cores = ["", "a", "张三", "a b", "\u{200B}", "x\u{3000}y"];
    for l in pads {
        for c in cores {
            for r in pads {
                let s = format!("{l}{c}{r}");
                assert_eq!(blank(Some(&s)), before(Some(&s)), "{s:?}");
            }
        }
    }
    assert_eq!(blank(None), None);
}

#[test]
fn a_clean_column_is_kept_without_a_copy() {
    let spec = ColumnSpec {
        name: "name",
        kind: Kind::Name,
        required: true,
        non_empty: true,
    };
    let src = StringChunked::from_iter_options(
        "c0".into(),
        [Some("张伟伟伟伟伟伟伟伟伟伟"), Some("ABC公司公司公司公司")].into_iter(),
    );
    let (col, problems) = normalise_column(&spec, &src);
    assert!(problems.is_empty());
    assert_eq!(col.name().as_str(), "name");
    // The long values still live in the raw column's buffer.
    let (a, b) = (col.str().unwrap(), &src);
    let ptr = |c: &StringChunked| c.get(0).unwrap().as_ptr();
    assert_eq!(ptr(a), ptr(b));
    let dirty = StringChunked::from_iter_options("c0".into(), [Some("张 伟")].into_iter());
    let (col, _) = normalise_column(&spec, &dirty);
    assert_eq!(col.str().unwrap().get(0), Some("张伟"));
}
