//! A workbook's sheets as one table laid out as a form (`office`): the
//! header found on each sheet, the sheets that hold the table joined by
//! column name, the others skipped and listed, money in 万元 scaled to yuan,
//! and each row numbered as Excel shows it, with its sheet
//! (`office::RowCode`).
//!
//! A sheet that names most of the table's required columns but not all is
//! an error naming the file and the sheet: it looks like part of the table,
//! and skipping it would lose its rows silently. A sheet naming fewer is
//! another thing (a cover, notes, another table) and is skipped.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;

use super::{RawTable, raw_col};
use crate::dataset::office::{self, HeaderFound, Layout, RowCode, SkippedSheet};
use crate::dataset::{Aliases, TableKind, normalize};
use crate::error::{Error, Result};

/// A sheet: its name and its rows (row number as Excel shows it, cells).
pub type Sheet = (String, Vec<(u32, Vec<String>)>);

/// Scale the cells of 万元 columns to yuan, as text: `1.2345` → `12345`.
/// A cell that does not scale exactly is left with its unit, so that typing
/// reports it as the bad amount it is.
pub(super) fn scale_wan(cells: &mut [String], wan: &[bool]) {
    for (c, w) in cells.iter_mut().zip(wan) {
        if *w && !c.trim().is_empty() {
            *c = normalize::wan_to_yuan(c).unwrap_or_else(|| format!("{}万元", c.trim()));
        }
    }
}

/// Whether a sheet without a complete header looks like part of the
/// table: its closest row names more than half of the required columns.
fn looks_like_the_table(kind: TableKind, missing: usize) -> bool {
    let required = kind.columns().iter().filter(|c| c.required).count();
    missing * 2 < required
}

pub fn from_sheets(
    path: &Path,
    kind: TableKind,
    aliases: &Aliases,
    sheets: Vec<Sheet>,
    encoding: &'static str,
) -> Result<RawTable> {
    let mut layout = Layout::default();
    let mut joined = Joined::default();
    let mut first_failure: Option<(String, office::NoHeader)> = None;
    for (name, rows) in sheets {
        if rows
            .iter()
            .all(|(_, r)| r.iter().all(|c| c.trim().is_empty()))
        {
            layout.skipped_sheets.push(SkippedSheet {
                sheet: name,
                reason: "empty".into(),
            });
            continue;
        }
        let top: Vec<Vec<String>> = rows
            .iter()
            .take(office::SCAN_ROWS + 1)
            .map(|(_, r)| r.clone())
            .collect();
        let found: HeaderFound = match office::find_header(kind, aliases, &top) {
            Ok(h) => h,
            Err(nh) => {
                refuse_half_header(path, kind, &name, &rows, &nh)?;
                layout.skipped_sheets.push(SkippedSheet {
                    sheet: name.clone(),
                    reason: format!(
                        "no header of table {kind} in its first {} rows",
                        office::SCAN_ROWS
                    ),
                });
                first_failure.get_or_insert((name, nh));
                continue;
            }
        };
        let ordinal = layout.sheets.len() as u32 + 1;
        if layout.sheets.is_empty() {
            layout.title_lines = found.title_lines.clone();
            layout.header_rows = (0..found.height).map(|k| rows[found.at + k].0).collect();
        }
        for (j, w) in found.wan.iter().enumerate() {
            if *w && !layout.wan_yuan_columns.contains(&found.headers[j]) {
                layout.wan_yuan_columns.push(found.headers[j].clone());
            }
        }
        let place = joined.place(kind, aliases, &found.headers);
        for (row, mut cells) in rows.into_iter().skip(found.body()) {
            if cells.iter().all(|c| c.trim().is_empty()) {
                layout.dropped.blank += 1;
                continue;
            }
            scale_wan(&mut cells, &found.wan);
            let code = RowCode::new(ordinal, row).ok_or_else(|| {
                Error::format(
                    path,
                    format!("sheet {name}, row {row}: more rows or sheets than a table can cite"),
                )
            })?;
            joined.push_row(code, cells, &place);
        }
        layout.sheets.push(name);
    }
    if layout.sheets.is_empty() {
        return Err(match first_failure {
            Some((sheet, nh)) => {
                Error::format(path, format!("sheet {sheet}: {}", nh.describe(kind)))
            }
            None => Error::Empty {
                path: path.to_path_buf(),
            },
        });
    }
    let height = joined.codes.len();
    let columns: Vec<Column> = joined
        .cols
        .into_iter()
        .enumerate()
        .map(|(i, v)| Column::new(raw_col(i), v))
        .collect();
    let frame = DataFrame::new(height, columns).map_err(|e| Error::format(path, e))?;
    Ok(RawTable {
        headers: joined.headers,
        frame,
        rows: Some(joined.codes),
        encoding,
        layout: Some(layout),
    })
}

/// A sheet whose closest row names most required columns but not all is the
/// table with a column missing: an error, not a sheet to skip.
fn refuse_half_header(
    path: &Path,
    kind: TableKind,
    name: &str,
    rows: &[(u32, Vec<String>)],
    nh: &office::NoHeader,
) -> Result<()> {
    match &nh.closest {
        Some((row, missing)) if looks_like_the_table(kind, missing.len()) => Err(Error::format(
            path,
            format!(
                "sheet {name}: row {} looks like the header of table {kind} but lacks required column(s) {}; every sheet holding the table needs them (or remove the sheet)",
                rows[row - 1].0,
                missing.join(", ")
            ),
        )),
        _ => Ok(()),
    }
}

/// The table the sheets make together: columns keyed by contract column (or
/// the folded header of an extra column), in order of first appearance.
#[derive(Default)]
struct Joined {
    headers: Vec<String>,
    key_index: HashMap<String, usize>,
    cols: Vec<Vec<Option<String>>>,
    codes: Vec<u32>,
}

impl Joined {
    /// Where each of a sheet's columns goes in the joined table.
    fn place(&mut self, kind: TableKind, aliases: &Aliases, headers: &[String]) -> Vec<usize> {
        headers
            .iter()
            .map(|h| {
                let key = aliases
                    .column_in(kind, h)
                    .map_or_else(|| office::fold(h), str::to_string);
                if key.is_empty() {
                    // A blank header cell: a column of its own, never joined.
                    return self.new_column(String::new());
                }
                match self.key_index.get(&key) {
                    Some(&k) => k,
                    None => {
                        let k = self.new_column(h.clone());
                        self.key_index.insert(key, k);
                        k
                    }
                }
            })
            .collect()
    }

    fn new_column(&mut self, header: String) -> usize {
        self.headers.push(header);
        self.cols.push(vec![None; self.codes.len()]);
        self.headers.len() - 1
    }

    fn push_row(&mut self, code: RowCode, cells: Vec<String>, place: &[usize]) {
        self.codes.push(code.0);
        for c in self.cols.iter_mut() {
            c.push(None);
        }
        for (j, cell) in cells.into_iter().enumerate() {
            if let Some(&k) = place.get(j)
                && !cell.is_empty()
            {
                *self.cols[k].last_mut().expect("pushed above") = Some(cell);
            }
        }
    }
}
