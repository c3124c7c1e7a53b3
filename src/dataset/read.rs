//! Reading one file into raw text columns: CSV (UTF-8, UTF-8 with BOM,
//! GBK/GB18030, UTF-16 with BOM; detected, never asked), xlsx (first sheet)
//! and parquet. Every cell stays text here; `load` types it.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Reader};
use polars::prelude::*;

use crate::error::{Error, Result};

/// A file's cells as text, before any column is recognised.
pub struct RawTable {
    /// Headers as written, in file order.
    pub headers: Vec<String>,
    /// One String column per header, named `c0`, `c1`, … (headers may repeat).
    pub frame: DataFrame,
    /// File row of each frame row (header = 1) when rows were skipped;
    /// `None` means frame row i is file row i + 2.
    pub rows: Option<Vec<u32>>,
    /// The encoding detected, for the run manifest.
    pub encoding: &'static str,
}

pub fn raw_col(i: usize) -> PlSmallStr {
    format!("c{i}").into()
}

/// Decode CSV bytes to UTF-8 text: BOMs first, then strict UTF-8, then
/// GB18030 (a superset of GBK) with errors refused rather than replaced.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<(String, &'static str)> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_string(), "UTF-8 (BOM)"))
            .map_err(|e| {
                Error::format(
                    path,
                    format!("starts with a UTF-8 BOM but is not UTF-8 ({e})"),
                )
            });
    }
    for (bom, enc, name) in [
        (&[0xFF, 0xFE][..], encoding_rs::UTF_16LE, "UTF-16LE"),
        (&[0xFE, 0xFF][..], encoding_rs::UTF_16BE, "UTF-16BE"),
    ] {
        if bytes.starts_with(bom) {
            let (text, had_errors) = enc.decode_without_bom_handling(&bytes[2..]);
            if had_errors {
                return Err(Error::format(
                    path,
                    format!("starts with a {name} BOM but does not decode as {name}"),
                ));
            }
            return Ok((text.into_owned(), name));
        }
    }
    if let Some((enc, name)) = utf16_without_bom(&bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes);
        if had_errors {
            return Err(Error::format(
                path,
                format!(
                    "looks like {name} but does not decode as it (cut short?); save it as UTF-8 CSV"
                ),
            ));
        }
        return Ok((text.into_owned(), name));
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok((s, "UTF-8")),
        Err(e) => {
            let bytes = e.into_bytes();
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
            if had_errors {
                Err(Error::format(
                    path,
                    "text is neither UTF-8 nor GBK/GB18030; save it as UTF-8 CSV",
                ))
            } else if looks_big5(&bytes) {
                Err(Error::format(
                    path,
                    "text looks like Big5 (Traditional Chinese), which is not an accepted encoding; save it as UTF-8 CSV",
                ))
            } else {
                Ok((text.into_owned(), "GB18030"))
            }
        }
    }
}

/// UTF-16 without a byte-order mark: in CSV text most characters are ASCII
/// (digits, commas, newlines), so one byte of each pair is NUL, always on
/// the same side. UTF-8 and GBK text has no NUL at all.
fn utf16_without_bom(bytes: &[u8]) -> Option<(&'static encoding_rs::Encoding, &'static str)> {
    let head = &bytes[..bytes.len().min(4096) & !1];
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let even = head.iter().step_by(2).filter(|b| **b == 0).count();
    let odd = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    if odd * 10 >= pairs && even == 0 {
        Some((encoding_rs::UTF_16LE, "UTF-16LE (no BOM)"))
    } else if even * 10 >= pairs && odd == 0 {
        Some((encoding_rs::UTF_16BE, "UTF-16BE (no BOM)"))
    } else {
        None
    }
}

/// Big5 bytes also decode as GBK, into rare characters: a quarter or more
/// of the two-byte characters have a second byte below 0xA1 (outside the
/// GB 2312 grid where nearly all mainland text lies), while the bytes are
/// valid Big5.
fn looks_big5(bytes: &[u8]) -> bool {
    let (mut two, mut low) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(t) if (0x30..=0x39).contains(t) => i += 4, // GB18030 four-byte
            Some(t) => {
                two += 1;
                if *t < 0xA1 {
                    low += 1;
                }
                i += 2;
            }
            None => break,
        }
    }
    two >= 8
        && low * 4 >= two
        && encoding_rs::BIG5
            .decode_without_bom_handling_and_without_replacement(bytes)
            .is_some()
}

/// Split one CSV record line into fields (RFC 4180 quoting).
fn split_header(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Byte offset just past the header line (a newline outside quotes).
fn header_end(text: &str) -> usize {
    let mut quoted = false;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return i + 1,
            _ => {}
        }
    }
    text.len()
}

/// Where a quote opens that never closes, as (file row, field index): a
/// file cut inside a quoted field. The header is row 1.
fn unclosed_quote(body: &str) -> Option<(usize, usize)> {
    let (mut row, mut field) = (2usize, 0usize);
    let mut quoted: Option<(usize, usize)> = None;
    let mut at_field_start = true;
    let mut b = body.bytes().peekable();
    while let Some(c) = b.next() {
        match (c, quoted) {
            (b'"', Some(_)) if b.peek() == Some(&b'"') => {
                b.next();
            }
            (b'"', Some(_)) => quoted = None,
            (b'"', None) if at_field_start => quoted = Some((row, field)),
            // Rows are records, as everywhere else (frame row i = row i + 2).
            (b'\n', Some(_)) => {}
            (b'\n', None) => {
                row += 1;
                field = 0;
                at_field_start = true;
                continue;
            }
            (b',', None) => {
                field += 1;
                at_field_start = true;
                continue;
            }
            _ => {}
        }
        at_field_start = false;
    }
    quoted
}

pub fn read_csv(path: &Path) -> Result<RawTable> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let (mut text, encoding) = decode(path, bytes)?;
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
        .is_empty()
    {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    let end = header_end(&text);
    let header_line = text[..end].trim_end_matches(['\n', '\r']);
    if header_line.contains('\0') {
        return Err(Error::format(
            path,
            "NUL bytes in the header row (UTF-16 without a BOM?); save it as UTF-8 CSV",
        ));
    }
    let headers = split_header(header_line);
    let body = text.split_off(end);
    drop(text);
    let schema: Schema = (0..headers.len())
        .map(|i| Field::new(raw_col(i), DataType::String))
        .collect();
    if let Some((row, field)) = unclosed_quote(&body) {
        let header = headers.get(field).map_or("?", |h| h.as_str());
        return Err(Error::format(
            path,
            format!(
                "row {row}, column {header} (column {}): a quote opened here is never closed (file cut short?)",
                field + 1
            ),
        ));
    }
    let frame = if body.trim().is_empty() {
        DataFrame::empty_with_schema(&schema)
    } else {
        CsvReadOptions::default()
            .with_has_header(false)
            .with_schema(Some(Arc::new(schema)))
            .with_raise_if_empty(false)
            .into_reader_with_file_handle(Cursor::new(body.into_bytes()))
            .finish()
            .map_err(|e| {
                // polars explains over several lines; one line is enough.
                let e = e.to_string();
                let first = e.lines().next().unwrap_or("").trim();
                Error::format(path, format!("CSV could not be read: {first}"))
            })?
    };
    Ok(RawTable {
        headers,
        frame,
        rows: None,
        encoding,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_and_bom_are_detected() {
        let p = Path::new("x.csv");
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,金额\n张伟,1\n");
        assert_eq!(
            decode(p, gbk.into_owned()).unwrap(),
            ("姓名,金额\n张伟,1\n".to_string(), "GB18030")
        );
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("姓名\n".as_bytes());
        assert_eq!(decode(p, bom).unwrap().1, "UTF-8 (BOM)");
        assert!(decode(p, vec![0x81, 0x20, 0xFF]).is_err());
    }

    #[test]
    fn utf16_without_bom_and_big5_are_told_apart() {
        let p = Path::new("x.csv");
        let text = "村居代码,姓名,金额\n370112001001,张伟,12.50\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(
            decode(p, le).unwrap(),
            (text.to_string(), "UTF-16LE (no BOM)")
        );
        assert_eq!(
            decode(p, be).unwrap(),
            (text.to_string(), "UTF-16BE (no BOM)")
        );
        let trad = "村居代碼,姓名,身份證號,與幹部關係,聯繫電話,銀行賬號\n370112001001,張偉,陳麗華,劉國慶\n";
        let (big5, _, unmappable) = encoding_rs::BIG5.encode(trad);
        assert!(!unmappable);
        let e = decode(p, big5.into_owned()).unwrap_err().to_string();
        assert!(e.contains("Big5"), "{e}");
        // Real GBK with a rare name character still reads as GBK.
        let (gbk, _, _) = encoding_rs::GBK.encode("村居代码,姓名,摘要\n370112001001,王喆,1月村务误工补贴\n370112001001,李淑佳,防汛值班劳务费\n");
        assert_eq!(decode(p, gbk.into_owned()).unwrap().1, "GB18030");
    }

    #[test]
    fn unclosed_quotes_are_found() {
        assert_eq!(unclosed_quote("a,b\n\"x\"\"y\",2\n"), None);
        assert_eq!(unclosed_quote("a,b\nc,\"1,2"), Some((3, 1)));
        assert_eq!(
            unclosed_quote("\"multi\nline\",1\nx,\"open\n"),
            Some((3, 1))
        );
        assert_eq!(
            unclosed_quote("a,b\"c\n"),
            None,
            "a quote inside a field is text"
        );
    }

    #[test]
    fn header_split_handles_quotes() {
        assert_eq!(split_header(r#"a,"b,c","d""e""#), vec!["a", "b,c", "d\"e"]);
        assert_eq!(header_end("\"a\nb\",c\nrow"), 8);
    }
}
