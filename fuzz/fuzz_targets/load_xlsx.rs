#![no_main]
//! Bytes → an xlsx file → `load_table`. With the top bit of the first byte
//! clear the bytes are the workbook itself (zip/XML parsing in calamine);
//! set, the rest is cell text (rows split on '\n', cells on '\t', numbers
//! written as number cells, `D:` prefix as a date cell) written under the
//! table's own headers, so the typing path sees spreadsheet cells.
use libfuzzer_sys::fuzz_target;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use weiquan::LoadOptions;
use weiquan::dataset::{Aliases, load_table};

#[path = "common.rs"]
mod common;

fn workbook(kind: weiquan::TableKind, text: &str) -> Option<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (j, c) in kind.columns().iter().enumerate() {
        ws.write_string(0, j as u16, c.name).ok()?;
    }
    for (i, line) in text.split('\n').take(200).enumerate() {
        for (j, cell) in line.split('\t').take(40).enumerate() {
            let (r, c) = (i as u32 + 1, j as u16);
            if let Some(d) = cell.strip_prefix("D:") {
                if let Ok(f) = d.parse::<f64>() {
                    if let Ok(dt) = ExcelDateTime::from_serial_datetime(f) {
                        let _ = ws.write_datetime_with_format(r, c, &dt, &date);
                        continue;
                    }
                }
            }
            match cell.parse::<f64>() {
                Ok(f) if f.is_finite() => ws.write_number(r, c, f).ok()?,
                _ => ws.write_string(r, c, cell).ok()?,
            };
        }
    }
    wb.save_to_buffer().ok()
}

fuzz_target!(|data: &[u8]| {
    common::allow_caught_calamine_panics();
    let Some((&b0, body)) = data.split_first() else {
        return;
    };
    let kind = common::kind_of(b0);
    let bytes = if b0 & 0x80 == 0 {
        body.to_vec()
    } else {
        match workbook(kind, &String::from_utf8_lossy(body)) {
            Some(b) => b,
            None => return,
        }
    };
    let path = common::scratch().join(format!("{}.xlsx", kind.canonical()));
    std::fs::write(&path, &bytes).unwrap();
    let opts = LoadOptions {
        lenient: b0 & 0x40 != 0,
        ..LoadOptions::default()
    };
    let r = load_table(kind, &path, &Aliases::builtin(), &opts);
    common::check(&path, r);
});
