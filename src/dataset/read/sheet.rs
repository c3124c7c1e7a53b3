//! Spreadsheets and parquet files to raw text columns: a workbook's sheets
//! (xlsx or xls; number cells written so that a mangled id number still
//! shows as mangled), laid out as a form (`form`), and a parquet file's
//! columns cast to text.

use std::path::Path;

use calamine::{Data, Reader, Sheets};
use polars::prelude::*;

use super::{RawTable, raw_col};
use crate::dataset::{Aliases, TableKind};
use crate::error::{Error, Result};

/// Text of one spreadsheet cell. Numbers of 15 or more digits are written in
/// exponent form so that an id number Excel stored as a float is recognised
/// as mangled instead of reading as `370102000000000000`.
fn cell_text(c: &Data) -> Option<String> {
    match c {
        Data::Empty => None,
        Data::String(s) => Some(s.clone()),
        Data::Float(f) => Some(if f.fract() == 0.0 && f.abs() < 1e15 {
            format!("{f:.0}")
        } else if f.abs() >= 1e15 {
            format!("{f:E}")
        } else {
            format!("{f}")
        }),
        Data::Int(i) => Some(i.to_string()),
        Data::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.to_string()),
        // A date cell: its serial number, which the date parser reads.
        Data::DateTime(d) => Some(format!("{}", d.as_f64())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Error(e) => Some(format!("#{e:?}")),
    }
}

/// A workbook (xlsx or legacy xls, told apart by their bytes, not their
/// name) as one table: every sheet whose header names the table's columns
/// is part of it (one per month or village), in order; other sheets (a
/// cover, notes, an empty `Sheet3`) are skipped and listed. calamine is
/// given bytes from anywhere; a panic inside it (the fuzzer found an
/// overflow on absurd cell references) is a bad file, not a crash.
pub fn read_workbook(path: &Path, kind: TableKind, aliases: &Aliases) -> Result<RawTable> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_workbook_inner(path, kind, aliases)
    }))
    .unwrap_or_else(|_| {
        Err(Error::format(
            path,
            "not a readable workbook: the spreadsheet reader failed on its contents",
        ))
    })
}

/// What a file's first bytes say it is.
fn sniff(path: &Path) -> Result<&'static str> {
    use std::io::Read;
    let mut head = [0u8; 512];
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let n = f.read(&mut head).map_err(|e| Error::io(path, e))?;
    let head = &head[..n];
    if head.starts_with(b"PK\x03\x04") {
        return Ok("xlsx");
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Ok("xls");
    }
    if n == 0 {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let text = text.trim_start_matches(['\u{feff}', ' ', '\r', '\n', '\t']);
    if text.starts_with('<') {
        return Err(Error::format(
            path,
            "is a web page (HTML) saved under a spreadsheet name, not an Excel workbook; open it in Excel or WPS and save it as .xlsx (或另存为 CSV)",
        ));
    }
    Err(Error::format(
        path,
        "is text (tab- or comma-separated?) saved under a spreadsheet name, not an Excel workbook; rename it to .csv if it is comma-separated, or save it as .xlsx",
    ))
}

/// One sheet's cells as text, merged regions filled with their value, and
/// the row number Excel shows for each row.
fn grid(range: &calamine::Range<Data>, merges: &[calamine::Dimensions]) -> Vec<(u32, Vec<String>)> {
    let Some((r0, c0)) = range.start() else {
        return vec![];
    };
    let mut rows: Vec<(u32, Vec<String>)> = range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            (
                r0 + i as u32 + 1,
                r.iter().map(|c| cell_text(c).unwrap_or_default()).collect(),
            )
        })
        .collect();
    for m in merges {
        let (top, left) = (
            m.start.0.saturating_sub(r0) as usize,
            m.start.1.saturating_sub(c0) as usize,
        );
        if m.start.0 < r0 || m.start.1 < c0 {
            continue;
        }
        let Some(v) = rows.get(top).and_then(|(_, r)| r.get(left)).cloned() else {
            continue;
        };
        let (bottom, right) = ((m.end.0 - r0) as usize, (m.end.1 - c0) as usize);
        for (_, row) in rows.iter_mut().take(bottom + 1).skip(top) {
            for cell in row.iter_mut().take(right + 1).skip(left) {
                if cell.is_empty() {
                    cell.clone_from(&v);
                }
            }
        }
    }
    rows
}

fn read_workbook_inner(path: &Path, kind: TableKind, aliases: &Aliases) -> Result<RawTable> {
    let format = sniff(path)?;
    let file = std::io::BufReader::new(std::fs::File::open(path).map_err(|e| Error::io(path, e))?);
    let not_readable =
        |e: &dyn std::fmt::Display| Error::format(path, format!("not a readable workbook: {e}"));
    let mut wb: Sheets<_> = match format {
        "xlsx" => Sheets::Xlsx(calamine::Xlsx::new(file).map_err(|e| not_readable(&e))?),
        _ => Sheets::Xls(calamine::Xls::new(file).map_err(|e| not_readable(&e))?),
    };
    let mut sheets = Vec::new();
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| Error::format(path, format!("sheet {name} could not be read: {e}")))?;
        let merges = match &mut wb {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => vec![],
        };
        sheets.push((name, grid(&range, &merges)));
    }
    super::form::from_sheets(
        path,
        kind,
        aliases,
        sheets,
        if format == "xlsx" { "xlsx" } else { "xls" },
    )
}

pub fn read_parquet(path: &Path) -> Result<RawTable> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::format(path, format!("not a readable parquet file: {e}")))?;
    let headers: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut columns = Vec::with_capacity(headers.len());
    for (i, c) in df.columns().iter().enumerate() {
        let s = c.cast(&DataType::String).map_err(|e| {
            Error::format(
                path,
                format!("column {} cannot be read as text: {e}", headers[i]),
            )
        })?;
        columns.push(s.with_name(raw_col(i)));
    }
    let frame = DataFrame::new(df.height(), columns).map_err(|e| Error::format(path, e))?;
    Ok(RawTable {
        headers,
        frame,
        rows: None,
        encoding: "parquet",
        layout: None,
    })
}
