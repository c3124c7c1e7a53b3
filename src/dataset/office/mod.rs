//! Office layout (data contract §1a): a street office's export is a printed
//! form first and a table second. This module finds the table inside it:
//! the header row (not assumed to be row 1; two-row headers flattened), the
//! title lines above it and the money unit they state, and the rows below
//! it that are not data (blank rows, a repeated header, 小计/合计 rows,
//! footers), whose totals are checked against the rows they sum.
//!
//! It works on cells as text and knows no file format: the readers
//! (`read`, `plain`) hand it the first rows of a sheet or CSV, and typing
//! hands it the rows that failed to type. Only a row that failed to type
//! can be "not data": a 合计 row leaves the table's identifying columns
//! (voucher, id number, contract number) blank, so a clean table pays
//! nothing for the check.

mod header;
mod rows;
mod totals;

use serde::Serialize;

pub use header::{HeaderFound, NoHeader, find_header, locate_in_text};
pub use rows::{NonData, RowClassifier};
pub use totals::{MoneyColumn, TotalCheck, check_totals};

/// How many rows from the top of a sheet or file the header is looked for in.
pub const SCAN_ROWS: usize = 15;

/// Bits of a workbook row's `__row` holding its row number in the sheet
/// (Excel's limit is 1,048,576 rows); the bits above hold the sheet (see
/// [`RowCode`]).
pub const ROW_BITS: u32 = 20;

/// The top bit of a `__row` marks a row read from a workbook.
const SHEET_FLAG: u32 = 1 << 31;

/// Sheet ordinals a `__row` can hold (from 1).
pub const MAX_SHEETS: u32 = (1 << (31 - ROW_BITS)) - 1;

/// The `__row` of a row. A CSV row's is its row number (below 2^31). A
/// workbook row's has the top bit set, its sheet's ordinal (from 1) in the
/// next 11 bits and the row number Excel shows in the low [`ROW_BITS`]. The
/// dataset makes the ordinals unique across its tables, so that a `__row`
/// cited in evidence names its sheet without naming its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowCode(pub u32);

impl RowCode {
    pub fn new(sheet: u32, row: u32) -> Option<RowCode> {
        ((1..=MAX_SHEETS).contains(&sheet) && row < 1 << ROW_BITS)
            .then_some(RowCode(SHEET_FLAG | sheet << ROW_BITS | row))
    }
    /// Sheet ordinal (0: not from a workbook).
    pub fn sheet(self) -> u32 {
        if self.0 & SHEET_FLAG == 0 {
            0
        } else {
            (self.0 & !SHEET_FLAG) >> ROW_BITS
        }
    }
    /// Row number in the file or sheet, as Excel or WPS shows it.
    pub fn row(self) -> u32 {
        if self.0 & SHEET_FLAG == 0 {
            self.0
        } else {
            self.0 & ((1 << ROW_BITS) - 1)
        }
    }
    /// The same row on the sheet `by` ordinals further.
    pub fn shifted(self, by: u32) -> RowCode {
        match self.sheet() {
            0 => self,
            k => RowCode::new(k + by, self.row()).unwrap_or(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_past_a_million_are_not_sheet_rows() {
        let big = RowCode(2_000_000);
        assert_eq!((big.sheet(), big.row()), (0, 2_000_000));
        let c = RowCode::new(3, 1_048_575).unwrap();
        assert_eq!((c.sheet(), c.row()), (3, 1_048_575));
        assert_eq!(c.shifted(2).sheet(), 5);
        assert!(RowCode::new(MAX_SHEETS + 1, 1).is_none());
        assert!(RowCode::new(0, 1).is_none());
    }
}

/// What the loader found around a table in its file, for the run manifest.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Layout {
    /// Lines above the header: title, period, 填报单位, unit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub title_lines: Vec<String>,
    /// File rows of the header (two for a two-row header), on the first sheet read.
    pub header_rows: Vec<u32>,
    /// Columns whose money is in 万元 (scaled to yuan exactly).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wan_yuan_columns: Vec<String>,
    /// Sheets the table was read from, in order (a workbook).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sheets: Vec<String>,
    /// Sheets skipped, with why (a cover, notes, empty, another table).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_sheets: Vec<SkippedSheet>,
    /// Rows that are not data, dropped and counted by kind.
    pub dropped: Dropped,
    /// Total rows whose figures were checked against the rows they sum.
    pub totals_checked: usize,
    /// Those that disagree (a `weak_signal` finding each).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub totals_disagreeing: Vec<TotalCheck>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedSheet {
    pub sheet: String,
    pub reason: String,
}

/// Rows dropped as not data, by kind.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Dropped {
    pub blank: usize,
    pub header_repeated: usize,
    pub column_numbers: usize,
    pub subtotal: usize,
    pub total: usize,
    pub footer: usize,
}

impl Dropped {
    pub fn add(&mut self, k: NonData) {
        match k {
            NonData::Blank => self.blank += 1,
            NonData::HeaderRepeat => self.header_repeated += 1,
            NonData::ColumnNumbers => self.column_numbers += 1,
            NonData::Subtotal | NonData::Running | NonData::Page => self.subtotal += 1,
            NonData::Total => self.total += 1,
            NonData::Footer => self.footer += 1,
        }
    }
    pub fn total_rows(&self) -> usize {
        self.blank
            + self.header_repeated
            + self.column_numbers
            + self.subtotal
            + self.total
            + self.footer
    }
}

impl Layout {
    /// Whether anything here is worth a line in the manifest: a plain table
    /// with its header on row 1 and nothing dropped has no layout.
    pub fn is_plain(&self) -> bool {
        self.title_lines.is_empty()
            && self.header_rows.iter().all(|r| *r == 1)
            && self.header_rows.len() <= 1
            && self.wan_yuan_columns.is_empty()
            && self.sheets.is_empty()
            && self.skipped_sheets.is_empty()
            && self.dropped.total_rows() == 0
            && self.totals_checked == 0
    }
}

/// Fold a cell for comparison: width, case, every space (U+3000 too) and
/// line break removed.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(crate::text::half_width)
        .filter(|c| !c.is_whitespace() && *c != '\u{FEFF}')
        .flat_map(char::to_lowercase)
        .collect()
}
