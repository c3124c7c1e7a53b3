//! A form's 小计 and 合计 rows checked against the rows they sum: a total
//! that disagrees is a fact the run reports and a `weak_signal` finding
//! (表内合计与明细不符), never a crash.
//!
//! A 小计 sums the data rows since the last 小计 or 合计 of its sheet; a
//! 合计 (总计, 共计) those since the last 合计. A scope holding a row whose
//! figure could not be read is not checked (its sum is unknown), nor is a
//! running 累计.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{NonData, RowCode};
use crate::money::fen_to_yuan_string;

/// One total row's figure in one money column, against its rows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TotalCheck {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The row number Excel or WPS shows.
    pub row: u32,
    /// The label as written (`合　计`, `3月小计`).
    pub label: String,
    /// The contract column and the header as written.
    pub column: String,
    pub header: String,
    pub stated_fen: i64,
    pub computed_fen: i64,
    pub stated: String,
    pub computed: String,
    /// Data rows summed.
    pub rows: usize,
    /// The village of the rows summed; several villages: the code prefix
    /// they share (a street's 合计).
    pub village_code: String,
}

/// A money column of the table: contract name, header as written, and
/// each row's value (fen).
pub struct MoneyColumn<'a> {
    pub name: &'a str,
    pub header: &'a str,
    pub values: &'a [Option<i64>],
    /// Written in 万元: a total may be rounded to fewer decimals than its rows.
    pub wan: bool,
}

/// Whether a stated total agrees with its rows' sum. In 万元, a total is
/// compared at the precision it is written to (its trailing zeros, at most
/// 0.01 万元 = 100 yuan): `3.58` for rows summing to 3.5801 万元 agrees.
fn agrees(stated: i64, sum: i64, wan: bool) -> bool {
    if stated == sum {
        return true;
    }
    if !wan {
        return false;
    }
    let mut precision = 1i64;
    while precision < 10_000 && stated % (precision * 10) == 0 {
        precision *= 10;
    }
    (sum + precision / 2).div_euclid(precision) * precision == stated
}

#[derive(Default, Clone)]
struct Scope {
    sum: i64,
    unknown: bool,
    rows: usize,
    villages: Vec<usize>,
}

impl Scope {
    fn add(&mut self, v: Option<i64>, row: usize) {
        match v {
            Some(v) => self.sum = self.sum.saturating_add(v),
            None => self.unknown = true,
        }
        self.rows += 1;
        self.villages.push(row);
    }
}

fn common_prefix<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    let mut p: Option<&str> = None;
    for c in codes {
        p = Some(match p {
            None => c,
            Some(p) => {
                let n = p.bytes().zip(c.bytes()).take_while(|(a, b)| a == b).count();
                &p[..n]
            }
        });
    }
    p.unwrap_or("").to_string()
}

/// Check every total row (`labels`: frame index → kind and label) of a
/// table in file order. `codes` are the rows' `__row` values; `sheet`
/// names a sheet ordinal. Returns how many figures were checked and those
/// that disagree.
pub fn check_totals(
    labels: &BTreeMap<usize, (NonData, String)>,
    money: &[MoneyColumn],
    villages: &dyn Fn(usize) -> Option<String>,
    codes: &[u32],
    sheet: &dyn Fn(u32) -> Option<String>,
) -> (usize, Vec<TotalCheck>) {
    if !labels
        .values()
        .any(|(k, _)| matches!(k, NonData::Subtotal | NonData::Total | NonData::Page))
    {
        return (0, vec![]);
    }
    let mut checked = 0;
    let mut out = Vec::new();
    let village = |rows: &[usize]| {
        let codes: Vec<String> = rows.iter().filter_map(|&i| villages(i)).collect();
        common_prefix(codes.iter().map(String::as_str).filter(|s| !s.is_empty()))
    };
    for m in money {
        let (mut sub, mut total, mut page) = (Scope::default(), Scope::default(), Scope::default());
        let mut current_sheet = None;
        // The labelled rows in order, walked beside the rows.
        let mut next_label = labels.iter().peekable();
        for (i, code) in codes.iter().enumerate() {
            let code = RowCode(*code);
            if current_sheet != Some(code.sheet()) {
                current_sheet = Some(code.sheet());
                (sub, total, page) = (Scope::default(), Scope::default(), Scope::default());
            }
            let here = match next_label.peek() {
                Some((at, _)) if **at == i => next_label.next().map(|(_, l)| l),
                _ => None,
            };
            let Some((kind, label)) = here else {
                let v = m.values[i];
                sub.add(v, i);
                total.add(v, i);
                page.add(v, i);
                continue;
            };
            let scope = match kind {
                NonData::Subtotal => std::mem::take(&mut sub),
                NonData::Total => {
                    sub = Scope::default();
                    page = Scope::default();
                    std::mem::take(&mut total)
                }
                NonData::Page => std::mem::take(&mut page),
                // The header printed again: a new page.
                NonData::HeaderRepeat => {
                    page = Scope::default();
                    continue;
                }
                _ => continue,
            };
            let Some(stated) = m.values[i] else {
                continue;
            };
            if scope.unknown || scope.rows == 0 {
                continue;
            }
            checked += 1;
            if !agrees(stated, scope.sum, m.wan) {
                out.push(TotalCheck {
                    sheet: sheet(code.sheet()),
                    row: code.row(),
                    label: label.clone(),
                    column: m.name.to_string(),
                    header: m.header.to_string(),
                    stated_fen: stated,
                    computed_fen: scope.sum,
                    stated: fen_to_yuan_string(stated),
                    computed: fen_to_yuan_string(scope.sum),
                    rows: scope.rows,
                    village_code: village(&scope.villages),
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.sheet, a.row, &a.column).cmp(&(&b.sheet, b.row, &b.column)));
    (checked, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    #[test]
    fn subtotals_and_totals_are_checked_against_their_rows() {
        // rows: 100, 200, 小计 300 (right), 50, 小计 60 (wrong), 合计 350 (right)
        let values = Int64Chunked::from_iter_options(
            "amount".into(),
            [
                Some(100),
                Some(200),
                Some(300),
                Some(50),
                Some(60),
                Some(350),
            ]
            .into_iter(),
        );
        let villages = StringChunked::from_iter_options(
            "v".into(),
            ["370112001001", "370112001001", "", "370112001002", "", ""]
                .into_iter()
                .map(Some),
        );
        let labels: BTreeMap<usize, (NonData, String)> = [
            (2, (NonData::Subtotal, "小计".to_string())),
            (4, (NonData::Subtotal, "小计".to_string())),
            (5, (NonData::Total, "合计".to_string())),
        ]
        .into();
        let values: Vec<Option<i64>> = values.iter().collect();
        let money = [MoneyColumn {
            name: "amount",
            header: "金额",
            values: &values,
            wan: false,
        }];
        let codes: Vec<u32> = (3..9).collect();
        let village = |i: usize| villages.get(i).map(str::to_string);
        let (checked, bad) = check_totals(&labels, &money, &village, &codes, &|_| None);
        assert_eq!(checked, 3);
        assert_eq!(bad.len(), 1);
        assert_eq!(
            (bad[0].row, bad[0].stated_fen, bad[0].computed_fen),
            (7, 60, 50)
        );
        assert_eq!(bad[0].village_code, "370112001002");
    }

    #[test]
    fn page_totals_have_their_own_scope_beside_village_subtotals() {
        // rows 10, 20 | 本页小计 30 | header again | 5 | 村小计 35 | 本页小计 5
        let v = [
            Some(10),
            Some(20),
            Some(30),
            None,
            Some(5),
            Some(35),
            Some(5),
        ];
        let labels: BTreeMap<usize, (NonData, String)> = [
            (2, (NonData::Page, "本页小计".to_string())),
            (3, (NonData::HeaderRepeat, "序号".to_string())),
            (5, (NonData::Subtotal, "一村小计".to_string())),
            (6, (NonData::Page, "本页小计".to_string())),
        ]
        .into();
        let money = [MoneyColumn {
            name: "amount",
            header: "金额",
            values: &v,
            wan: false,
        }];
        let (checked, bad) =
            check_totals(&labels, &money, &|_| None, &[2, 3, 4, 5, 6, 7, 8], &|_| {
                None
            });
        assert_eq!((checked, bad.len()), (3, 0), "{bad:?}");
    }

    #[test]
    fn a_total_in_wan_is_compared_at_the_precision_it_is_written_to() {
        // rows 1.2345 + 2.3456 万元 = 3.5801 万元 (fen)
        assert!(agrees(3_580_000, 3_580_100, true), "3.58 for 3.5801");
        assert!(!agrees(3_590_000, 3_580_100, true), "3.59 for 3.5801");
        assert!(agrees(3_580_100, 3_580_100, true));
        assert!(
            !agrees(3_580_000, 3_580_100, false),
            "in yuan every fen counts"
        );
        // Rounded to whole 万元, a total is still compared at 0.01 万元.
        assert!(!agrees(4_000_000, 3_580_100, true));
    }

    #[test]
    fn a_scope_with_an_unreadable_figure_is_not_checked() {
        let values =
            Int64Chunked::from_iter_options("amount".into(), [Some(1), None, Some(9)].into_iter());
        let labels: BTreeMap<usize, (NonData, String)> =
            [(2, (NonData::Total, "合计".to_string()))].into();
        let values: Vec<Option<i64>> = values.iter().collect();
        let money = [MoneyColumn {
            name: "amount",
            header: "金额",
            values: &values,
            wan: false,
        }];
        let (checked, bad) = check_totals(&labels, &money, &|_| None, &[2, 3, 4], &|_| None);
        assert_eq!((checked, bad.len()), (0, 0));
    }
}
