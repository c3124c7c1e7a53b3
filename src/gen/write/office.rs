//! `office`: each table laid out as a street office prints it (data
//! contract §1a): title lines, a `单位：元`/`单位：万元` line, a `序号`
//! column, Chinese headers padded or broken for print, sometimes a two-row
//! header, a 小计 after each village's block and a 合计 at the end, blank
//! rows between blocks, a footer, a cover sheet, one sheet per village, in
//! xlsx or CSV (padded to the table's width, as Excel saves one). The
//! values are the clean style's, so that an office set loads to the same
//! frames as its clean twin. Choices differ per table and are fixed by the
//! seed.
//!
//! The messy style writes its contracts this way too, with messy values.
//!
//! One village's 小计 in some tables is planted wrong (by one yuan): a
//! `weak_signal` label each, which the loader's total check must find.

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::render::{render_clean, render_messy};
use super::tables::{Cell, Table};
use super::{csv_field, rows};
use crate::error::{Error, Result};
use crate::finding::Category;
use crate::r#gen::labels::{Case, Label};
use crate::r#gen::model::{Village, World, YEAR};

/// One cell of a printed form.
#[derive(Debug, Clone)]
enum Out {
    Empty,
    Text(String),
    Num(f64),
}

impl Out {
    fn text(&self) -> String {
        match self {
            Out::Empty => String::new(),
            Out::Text(s) => s.clone(),
            Out::Num(f) => format!("{f}"),
        }
    }
}

/// A sheet of a form: its rows and merged ranges (first row, first
/// column, last row, last column).
#[derive(Default)]
struct Sheet {
    name: String,
    rows: Vec<Vec<Out>>,
    merges: Vec<(u32, u16, u32, u16)>,
}

/// How one table is laid out.
struct Choices {
    /// Values in every form real exports mix (messy style), else clean.
    messy: bool,
    xlsx: bool,
    titles: usize,
    wan: bool,
    /// `单位：万元` as a line (else in the money header).
    unit_line: bool,
    two_row: bool,
    padded: bool,
    subtotals: bool,
    blank_between: bool,
    cover: bool,
    per_village: bool,
    wrong: Option<usize>,
}

fn choose(
    rng: &mut ChaCha8Rng,
    table: Table,
    villages: usize,
    has_money: bool,
    messy: bool,
    csv_only: bool,
) -> Choices {
    let big = matches!(table, Table::Ledger | Table::Households);
    let xlsx = messy || (!csv_only && !big && rng.random_bool(0.6));
    let subtotals = has_money && table != Table::Decisions && rng.random_bool(0.7);
    Choices {
        messy,
        xlsx,
        titles: rng.random_range(1..=3),
        wan: has_money
            && matches!(table, Table::Contracts | Table::Decisions)
            && rng.random_bool(0.7),
        unit_line: rng.random_bool(0.5),
        two_row: rng.random_bool(0.5),
        padded: rng.random_bool(0.6),
        subtotals,
        blank_between: rng.random_bool(0.4),
        cover: xlsx && rng.random_bool(0.5),
        per_village: xlsx
            && table != Table::Deaths
            && table != Table::Relatives
            && rng.random_bool(0.4),
        wrong: (subtotals && villages > 1 && rng.random_bool(0.5))
            .then(|| rng.random_range(0..villages)),
    }
}

/// A header as printed: `姓　名`, `*凭证号`, `身份证\n号码`.
fn print_header(h: &str, rng: &mut ChaCha8Rng, padded: bool) -> String {
    if !padded {
        return h.to_string();
    }
    let chars: Vec<char> = h.chars().collect();
    match rng.random_range(0..4) {
        0 if chars.len() == 2 => format!("{}\u{3000}{}", chars[0], chars[1]),
        1 => format!("*{h}"),
        2 if chars.len() >= 5 => {
            let mid = chars.len() / 2;
            format!(
                "{}\n{}",
                chars[..mid].iter().collect::<String>(),
                chars[mid..].iter().collect::<String>()
            )
        }
        _ => h.to_string(),
    }
}

/// Fen as 万元, exactly (up to six decimals).
fn wan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let frac = format!("{:06}", a % 1_000_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{}", a / 1_000_000)
    } else {
        format!("{sign}{}.{frac}", a / 1_000_000)
    }
}

fn money_out(fen: i64, c: &Choices) -> Out {
    if c.wan {
        Out::Text(wan(fen))
    } else if c.xlsx {
        Out::Num(fen as f64 / 100.0)
    } else {
        Out::Text(crate::money::fen_to_yuan_string(fen))
    }
}

const GROUPS: [(&str, &str, &str); 4] = [
    ("name", "id_number", "发放对象"),
    ("counterparty", "counterparty_id", "收款方"),
    ("vendor", "vendor_credit_code", "承包方"),
    ("start_date", "end_date", "聘用期间"),
];

/// The header row(s) of a table, with the columns a two-row header groups.
fn header_rows(table: Table, c: &Choices, rng: &mut ChaCha8Rng, sheet: &mut Sheet) {
    let cols = table.columns();
    let mut names: Vec<String> = vec!["序号".into()];
    for (canon, h) in cols {
        let mut h = print_header(h, rng, c.padded);
        if c.wan && !c.unit_line && matches!(*canon, "amount" | "monthly_wage") {
            h.push_str("（万元）");
        }
        names.push(h);
    }
    let group = GROUPS.iter().find_map(|(a, b, g)| {
        let i = cols.iter().position(|(c, _)| c == a)?;
        (cols.get(i + 1).map(|(c, _)| *c) == Some(*b)).then_some((i + 1, g))
    });
    let top = sheet.rows.len() as u32;
    match group.filter(|_| c.two_row) {
        Some((j, g)) => {
            let mut first: Vec<Out> = names.iter().map(|n| Out::Text(n.clone())).collect();
            let mut second = vec![Out::Empty; names.len()];
            second[j] = first[j].clone();
            second[j + 1] = first[j + 1].clone();
            first[j] = Out::Text((*g).into());
            first[j + 1] = Out::Empty;
            for k in 0..names.len() {
                if k != j && k != j + 1 {
                    sheet.merges.push((top, k as u16, top + 1, k as u16));
                }
            }
            sheet.merges.push((top, j as u16, top, j as u16 + 1));
            sheet.rows.push(first);
            sheet.rows.push(second);
        }
        None => sheet
            .rows
            .push(names.iter().map(|n| Out::Text(n.clone())).collect()),
    }
}

/// A printed page of a CSV form: every `every` data rows, the page's own
/// 本页小计 and the header printed again.
struct Page {
    every: usize,
    rows: usize,
    sums: Vec<Option<i64>>,
    /// The header row(s), printed again on each page.
    header: Vec<Vec<Out>>,
}

impl Page {
    /// After a data row: the page's sums, and its end when full.
    fn after(&mut self, row: &[Option<i64>], c: &Choices, sheet: &mut Sheet) {
        if self.every == 0 {
            return;
        }
        for (s, v) in self.sums.iter_mut().zip(row) {
            if let Some(v) = v {
                *s.get_or_insert(0) += v;
            }
        }
        self.rows += 1;
        if self.rows == self.every {
            sheet.rows.push(sum_row("本页小计".into(), &self.sums, c));
            sheet.rows.extend(self.header.iter().cloned());
            self.rows = 0;
            self.sums.iter_mut().for_each(|s| *s = None);
        }
    }
}

/// A row of sums under the money columns, labelled in the first column.
/// A total in 万元 is printed as offices print it: to 0.01 万元 (100 yuan),
/// while its rows keep every decimal.
const WAN_TOTAL_FEN: i64 = 10_000;

fn sum_row(label: String, sums: &[Option<i64>], c: &Choices) -> Vec<Out> {
    let mut r = vec![Out::Text(label)];
    r.extend(sums.iter().map(|s| match s {
        Some(f) if c.wan => {
            let rounded = (f + WAN_TOTAL_FEN / 2).div_euclid(WAN_TOTAL_FEN) * WAN_TOTAL_FEN;
            money_out(rounded, c)
        }
        Some(f) => money_out(*f, c),
        None => Out::Empty,
    }));
    r
}

/// Append one village's rows to a sheet, with its 小计; returns the sums.
fn village_block(
    w: &World,
    v: &Village,
    table: Table,
    c: &Choices,
    serial: &mut usize,
    sheet: &mut Sheet,
    wrong: bool,
    page: &mut Page,
) -> Vec<Option<i64>> {
    let rs = rows(w, v, table);
    let width = table.columns().len();
    let mut cells_rng = ChaCha8Rng::seed_from_u64(u64::from(v.index));
    let mut sums: Vec<Option<i64>> = vec![None; width];
    for r in &rs {
        *serial += 1;
        let mut out = vec![Out::Num(*serial as f64)];
        let mut money = vec![None; width];
        for (i, cell) in r.iter().enumerate() {
            out.push(match cell {
                Cell::Amount(f) => {
                    *sums[i].get_or_insert(0) += f;
                    money[i] = Some(*f);
                    money_out(*f, c)
                }
                other => match if c.messy {
                    render_messy(other, &mut cells_rng, false)
                } else {
                    render_clean(other)
                } {
                    s if s.is_empty() => Out::Empty,
                    s => Out::Text(s),
                },
            });
        }
        sheet.rows.push(out);
        page.after(&money, c, sheet);
    }
    if c.subtotals && !rs.is_empty() {
        let mut stated = sums.clone();
        if wrong && let Some(s) = stated.iter_mut().flatten().next() {
            // One yuan off; in 万元, one 万元 (a rounded total hides less).
            *s += if c.wan { 1_000_000 } else { 100 };
        }
        sheet
            .rows
            .push(sum_row(format!("{}小计", v.name), &stated, c));
    }
    if c.blank_between {
        sheet.rows.push(vec![Out::Empty; width + 1]);
    }
    sums
}

fn title_lines(table: Table, c: &Choices, sheet: &mut Sheet, width: u16) {
    let lines = [
        format!("XX街道{YEAR}年度{}", table.chinese()),
        "填报单位（盖章）：XX街道办事处".to_string(),
        format!("所属期间：{YEAR}年1月—12月"),
    ];
    for l in lines.iter().take(c.titles) {
        let r = sheet.rows.len() as u32;
        sheet.merges.push((r, 0, r, width));
        sheet.rows.push(vec![Out::Text(l.clone())]);
    }
    if c.unit_line {
        let unit = if c.wan {
            "单位：万元"
        } else {
            "单位：元"
        };
        sheet.rows.push(vec![Out::Text(unit.into())]);
    }
}

fn footer(sheet: &mut Sheet) {
    sheet.rows.push(vec![
        Out::Text("制表人：王某某".into()),
        Out::Empty,
        Out::Empty,
        Out::Text("审核人：李某某".into()),
        Out::Empty,
        Out::Text(format!("制表日期：{}年1月5日", YEAR + 1)),
    ]);
}

/// The sheets of one table laid out as a form, and the labels of the
/// subtotals planted wrong.
fn layout(
    w: &World,
    table: Table,
    c: &Choices,
    rng: &mut ChaCha8Rng,
) -> (Vec<Sheet>, Vec<Label>, usize) {
    let width = table.columns().len() as u16;
    let per_village = table.columns().iter().any(|(c, _)| *c == "village_code");
    let mut sheets = Vec::new();
    if c.cover {
        sheets.push(Sheet {
            name: "封面".into(),
            rows: vec![
                vec![Out::Text(format!("{}（{YEAR}年度）", table.chinese()))],
                vec![Out::Text(
                    "填表说明：本表由各村（居）报账员填写，街道审核。".into(),
                )],
            ],
            merges: vec![],
        });
    }
    let mut labels = Vec::new();
    let mut serial = 0usize;
    let groups: Vec<Vec<&Village>> = if c.per_village && per_village {
        w.villages.iter().map(|v| vec![v]).collect()
    } else {
        vec![w.villages.iter().collect()]
    };
    for group in groups {
        let mut sheet = Sheet {
            name: match group.as_slice() {
                [v] => format!("{:02}{}", v.index + 1, v.name),
                _ => table.chinese().to_string(),
            },
            ..Sheet::default()
        };
        title_lines(table, c, &mut sheet, width);
        header_rows(table, c, rng, &mut sheet);
        // The ledger (a CSV), printed on pages of 40 rows.
        let paged = table == Table::Ledger && !c.xlsx;
        let header_height = if sheet.merges.iter().any(|m| m.0 != m.2) {
            2
        } else {
            1
        };
        let mut page = Page {
            every: if paged { 40 } else { 0 },
            rows: 0,
            sums: vec![None; width as usize],
            header: sheet.rows[sheet.rows.len() - header_height..].to_vec(),
        };
        let mut total: Vec<Option<i64>> = vec![None; width as usize];
        for v in group {
            let wrong = c.wrong == Some(v.index as usize) && per_village;
            let sums = village_block(w, v, table, c, &mut serial, &mut sheet, wrong, &mut page);
            if wrong && sums.iter().any(Option::is_some) {
                labels.push(Label {
                    case: Case {
                        category: Category::WeakSignal,
                        village: v.code.clone(),
                        subject: v.code.clone(),
                    },
                    note: format!("{}小计与明细不符", table.chinese()),
                });
            }
            for (t, s) in total.iter_mut().zip(sums) {
                if let Some(s) = s {
                    *t.get_or_insert(0) += s;
                }
            }
        }
        if c.subtotals {
            sheet
                .rows
                .push(sum_row(format!("合\u{3000}计（{serial}条）"), &total, c));
        }
        footer(&mut sheet);
        sheets.push(sheet);
    }
    (sheets, labels, serial)
}

fn write_xlsx(path: &Path, sheets: &[Sheet]) -> Result<()> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let xe = |e: rust_xlsxwriter::XlsxError| Error::format(path, e);
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(YEAR as u16 + 1, 1, 1).map_err(xe)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let plain = Format::new();
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name).map_err(xe)?;
        for (r, row) in s.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Out::Empty => {}
                    Out::Text(t) => {
                        ws.write_string(r as u32, c as u16, t).map_err(xe)?;
                    }
                    Out::Num(f) => {
                        ws.write_number(r as u32, c as u16, *f).map_err(xe)?;
                    }
                }
            }
        }
        for &(r0, c0, r1, c1) in &s.merges {
            if (r0, c0) == (r1, c1) {
                continue;
            }
            let v = s.rows[r0 as usize]
                .get(c0 as usize)
                .map(Out::text)
                .unwrap_or_default();
            ws.merge_range(r0, c0, r1, c1, &v, &plain).map_err(xe)?;
        }
    }
    wb.save(path).map_err(xe)
}

fn write_csv(path: &Path, sheets: &[Sheet], width: usize) -> Result<()> {
    let mut s = String::new();
    for sheet in sheets {
        for row in &sheet.rows {
            for k in 0..width {
                if k > 0 {
                    s.push(',');
                }
                csv_field(&mut s, &row.get(k).map(Out::text).unwrap_or_default());
            }
            s.push('\n');
        }
    }
    std::fs::write(path, s).map_err(|e| Error::io(path, e))
}

/// Write one table as an office form; its path, data rows and labels.
/// `messy`: its values in every form real exports mix (the messy style
/// writes one table this way); `csv_only`: every form saved as CSV.
pub(super) fn write_office(
    w: &World,
    table: Table,
    dir: &Path,
    seed: u64,
    ti: usize,
    messy: bool,
    csv_only: bool,
) -> Result<(PathBuf, usize, Vec<Label>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(crate::r#gen::mix(seed, 0, 500 + ti as u64));
    let has_money = table
        .columns()
        .iter()
        .any(|(c, _)| matches!(*c, "amount" | "monthly_wage"));
    let c = choose(
        &mut rng,
        table,
        w.villages.len(),
        has_money,
        messy,
        csv_only,
    );
    let (sheets, labels, n) = layout(w, table, &c, &mut rng);
    let path = if c.xlsx {
        let p = dir.join(format!("{}.xlsx", table.chinese()));
        write_xlsx(&p, &sheets)?;
        p
    } else {
        let p = dir.join(format!("{}.csv", table.chinese()));
        write_csv(&p, &sheets, table.columns().len() + 1)?;
        p
    };
    Ok((path, n, labels))
}
