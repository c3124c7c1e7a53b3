//! Rendering the truth as export files. `clean`: canonical names and
//! headers, UTF-8 CSV, ISO dates, plain amounts. `messy`: what real exports
//! look like (data contract §3): Chinese file names and headers, a GBK
//! ledger, an xlsx subsidy roll with date and number cells, every date and
//! amount form mixed, padded names, lower-case `x`, numeric village codes.
//!
//! Villages are rendered in parallel, a chunk at a time, and appended in
//! village order: the bytes do not depend on the thread count.
//!
//! `office` lays a table out as a street office prints it: every table in
//! the office style, the contracts in the messy one.
//!
//! `tables` names the tables and their headers, `rows` turns a village
//! into typed cells, `render` turns a cell into text; this file writes the
//! files.

mod office;
mod party_rows;
mod render;
mod rows;
mod tables;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::model::*;
use crate::error::{Error, Result};
use render::{render_clean, render_messy};

pub use rows::rows;
pub use tables::{Cell, TABLES, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Clean,
    Messy,
    /// Clean values laid out as office forms (`office`).
    Office,
    /// The same, every form saved as CSV (the loader's speed on forms
    /// against the same rows in plain CSV).
    OfficeCsv,
}

/// Rows per table written, for the report.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub tables: Vec<(String, PathBuf, usize)>,
    /// Labels of what the layout planted (office style: a wrong 小计).
    pub labels: Vec<crate::r#gen::labels::Label>,
}

fn village_rng(seed: u64, v: u32, table: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(super::mix(seed, u64::from(v), 100 + table as u64))
}

/// Write every table of the world into `dir`.
pub fn write_world(w: &World, dir: &Path, style: Style, seed: u64) -> Result<Written> {
    let mut written = Written::default();
    for (ti, table) in TABLES.iter().copied().enumerate() {
        let office = matches!(style, Style::Office | Style::OfficeCsv);
        if office || (style == Style::Messy && table == Table::Contracts) {
            let messy = style == Style::Messy;
            let csv_only = style == Style::OfficeCsv;
            let (path, n, mut labels) =
                office::write_office(w, table, dir, seed, ti, messy, csv_only)?;
            written.tables.push((table.canonical().into(), path, n));
            written.labels.append(&mut labels);
            continue;
        }
        let messy = style == Style::Messy;
        let name = if messy {
            table.chinese()
        } else {
            table.canonical()
        };
        let n_rows: usize;
        let path;
        if messy && table == Table::Subsidies {
            let total: usize = w.villages.iter().map(|v| v.subsidies.len()).sum();
            if total < 1_000_000 {
                path = dir.join(format!("{name}.xlsx"));
                n_rows = write_xlsx(w, table, &path, seed, ti)?;
                written
                    .tables
                    .push((table.canonical().into(), path, n_rows));
                continue;
            }
        }
        path = dir.join(format!("{name}.csv"));
        let gbk = messy && table == Table::Ledger;
        n_rows = write_csv(w, table, &path, style, seed, ti, gbk)?;
        written
            .tables
            .push((table.canonical().into(), path, n_rows));
    }
    Ok(written)
}

fn header_line(table: Table, style: Style) -> String {
    let mut line = String::new();
    if style == Style::Messy && matches!(table, Table::Subsidies | Table::Ledger) {
        line.push_str("序号,");
    }
    let heads: Vec<&str> = table
        .columns()
        .iter()
        .map(|(c, m)| if style == Style::Messy { *m } else { *c })
        .collect();
    line.push_str(&heads.join(","));
    if style == Style::Messy && table == Table::Hires {
        line.push_str(",备注");
    }
    line.push('\n');
    line
}

fn write_csv(
    w: &World,
    table: Table,
    path: &Path,
    style: Style,
    seed: u64,
    ti: usize,
    gbk: bool,
) -> Result<usize> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let encode = |s: &str| -> Result<Vec<u8>> {
        if gbk {
            let (bytes, _, had_errors) = encoding_rs::GBK.encode(s);
            if had_errors {
                return Err(Error::format(path, "a character has no GBK encoding"));
            }
            Ok(bytes.into_owned())
        } else {
            Ok(s.as_bytes().to_vec())
        }
    };
    out.write_all(&encode(&header_line(table, style))?)
        .map_err(|e| Error::io(path, e))?;
    let mut total = 0usize;
    let mut serial = 0usize;
    for chunk in w.villages.chunks(64) {
        let parts: Vec<(String, usize)> = chunk
            .par_iter()
            .map(|v| {
                let mut rng = village_rng(seed, v.index, ti);
                let rs = rows(w, v, table);
                let mut s = String::with_capacity(rs.len() * 120);
                for (k, r) in rs.iter().enumerate() {
                    if style == Style::Messy && matches!(table, Table::Subsidies | Table::Ledger) {
                        // Placeholder for the running row number, filled below.
                        s.push_str(&format!("\u{1}{k},"));
                    }
                    for (i, c) in r.iter().enumerate() {
                        if i > 0 {
                            s.push(',');
                        }
                        let cell = match style {
                            Style::Messy => render_messy(c, &mut rng, gbk),
                            Style::Clean | Style::Office | Style::OfficeCsv => render_clean(c),
                        };
                        csv_field(&mut s, &cell);
                    }
                    if style == Style::Messy && table == Table::Hires {
                        s.push(',');
                    }
                    s.push('\n');
                }
                (s, rs.len())
            })
            .collect();
        for (s, n) in parts {
            let s = if s.contains('\u{1}') {
                // Running 序号 across villages.
                let mut fixed = String::with_capacity(s.len());
                for line in s.split_inclusive('\n') {
                    if let Some(rest) = line.strip_prefix('\u{1}') {
                        let (_, tail) = rest.split_once(',').unwrap_or(("", rest));
                        serial += 1;
                        fixed.push_str(&format!("{serial},{tail}"));
                    } else {
                        fixed.push_str(line);
                    }
                }
                fixed
            } else {
                s
            };
            out.write_all(&encode(&s)?)
                .map_err(|e| Error::io(path, e))?;
            total += n;
        }
    }
    out.flush().map_err(|e| Error::io(path, e))?;
    Ok(total)
}

fn write_xlsx(w: &World, table: Table, path: &Path, seed: u64, ti: usize) -> Result<usize> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let xe = |e: rust_xlsxwriter::XlsxError| Error::format(path, e);
    let mut wb = Workbook::new();
    // A fixed creation time: the same seed gives the same bytes.
    let created = ExcelDateTime::from_ymd(YEAR as u16 + 1, 1, 1).map_err(xe)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.set_name("发放花名册").map_err(xe)?;
    ws.write_string(0, 0, "序号").map_err(xe)?;
    for (i, (_, h)) in table.columns().iter().enumerate() {
        ws.write_string(0, (i + 1) as u16, *h).map_err(xe)?;
    }
    let mut row: u32 = 0;
    for v in &w.villages {
        let mut rng = village_rng(seed, v.index, ti);
        for r in rows(w, v, table) {
            row += 1;
            ws.write_number(row, 0, f64::from(row)).map_err(xe)?;
            for (i, c) in r.iter().enumerate() {
                let col = (i + 1) as u16;
                let date = match c {
                    Cell::Date(d) => Some(*d),
                    Cell::OptDate(d) => *d,
                    _ => None,
                };
                match c {
                    Cell::Village(s) if rng.random_bool(0.7) => {
                        let n: f64 = s.parse().unwrap_or(0.0);
                        ws.write_number(row, col, n).map_err(xe)?;
                    }
                    Cell::Amount(a) if rng.random_bool(0.6) => {
                        ws.write_number(row, col, *a as f64 / 100.0).map_err(xe)?;
                    }
                    Cell::Number(Some(x)) => {
                        ws.write_number(row, col, *x).map_err(xe)?;
                    }
                    Cell::Date(_) | Cell::OptDate(Some(_)) if rng.random_bool(0.6) => {
                        let d = date.unwrap_or(NaiveDate::MIN);
                        let dt = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )
                        .map_err(xe)?;
                        ws.write_datetime_with_format(row, col, &dt, &date_fmt)
                            .map_err(xe)?;
                    }
                    _ => {
                        let s = render_messy(c, &mut rng, false);
                        if !s.is_empty() {
                            ws.write_string(row, col, s).map_err(xe)?;
                        }
                    }
                }
            }
        }
    }
    wb.save(path).map_err(xe)?;
    Ok(row as usize)
}

pub(super) fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}
