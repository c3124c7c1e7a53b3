//! Spreadsheets and parquet files to raw text columns: an xlsx workbook's
//! first sheet (number cells written so that a mangled id number still
//! shows as mangled) and a parquet file's columns cast to text.

use std::path::Path;

use calamine::{Data, Reader};
use polars::prelude::*;

use super::{RawTable, raw_col};
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

/// A workbook's first sheet. calamine is given bytes from anywhere; a
/// panic inside it (the fuzzer found an overflow on absurd cell
/// references) is a bad file, not a crash.
pub fn read_xlsx(path: &Path) -> Result<RawTable> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_xlsx_inner(path))).unwrap_or_else(
        |_| {
            Err(Error::format(
                path,
                "not a readable workbook: the xlsx reader failed on its contents",
            ))
        },
    )
}

fn read_xlsx_inner(path: &Path) -> Result<RawTable> {
    let mut wb = calamine::open_workbook_auto(path)
        .map_err(|e| Error::format(path, format!("not a readable workbook: {e}")))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| Error::Empty {
            path: path.to_path_buf(),
        })?
        .map_err(|e| Error::format(path, format!("first sheet could not be read: {e}")))?;
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    let mut rows_iter = range.rows();
    let headers: Vec<String> = match rows_iter.next() {
        Some(r) => r.iter().map(|c| cell_text(c).unwrap_or_default()).collect(),
        None => {
            return Err(Error::Empty {
                path: path.to_path_buf(),
            });
        }
    };
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    let _ = start_col;
    let n = headers.len();
    let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); n];
    let mut rows = Vec::new();
    for (i, r) in rows_iter.enumerate() {
        let cells: Vec<Option<String>> = (0..n).map(|j| r.get(j).and_then(cell_text)).collect();
        if cells
            .iter()
            .all(|c| c.as_deref().is_none_or(|s| s.trim().is_empty()))
        {
            continue; // blank rows at the end of a sheet
        }
        for (j, c) in cells.into_iter().enumerate() {
            cols[j].push(c);
        }
        rows.push((start_row as usize + i + 2) as u32);
    }
    let height = rows.len();
    let columns: Vec<Column> = cols
        .into_iter()
        .enumerate()
        .map(|(i, v)| Column::new(raw_col(i), v))
        .collect();
    let frame = DataFrame::new(height, columns).map_err(|e| Error::format(path, e))?;
    Ok(RawTable {
        headers,
        frame,
        rows: Some(rows),
        encoding: "xlsx",
    })
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
    })
}
