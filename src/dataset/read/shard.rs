//! A CSV file that is not plain (quoted, GBK, …) read for one shard:
//! piece by piece, keeping only the shard's rows, so that memory holds one
//! piece and the kept rows, never the whole file.

use std::borrow::Cow;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::{RawTable, RowFilter, filter_rows, header_end, raw_col, read_csv, split_header};
use crate::error::{Error, Result};

/// End (exclusive) of the last complete record in `buf`: just past the last
/// newline outside quotes. `buf` starts at a record boundary. A quote byte
/// and a newline byte are never part of a multi-byte character in UTF-8 or
/// GB18030, so bytes can be scanned before decoding.
fn last_record_end(buf: &[u8]) -> Option<usize> {
    let mut quoted = false;
    let mut end = None;
    for (i, b) in buf.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => end = Some(i + 1),
            _ => {}
        }
    }
    end
}

/// Read a CSV file piece by piece (`chunk` bytes at a time), keeping only
/// the rows `filter` keeps: memory holds one piece and the kept rows, never
/// the whole file. Returns the table, the file's size and its SHA-256.
/// UTF-16 files are read whole and then filtered.
pub fn read_csv_filtered(
    path: &Path,
    chunk: usize,
    filter: &RowFilter,
) -> Result<(RawTable, u64, String)> {
    let mut file = Pieces::open(path, chunk)?;
    let mut buf = Vec::new();
    let mut eof = !file.read_more(&mut buf)?;
    if buf.starts_with(&[0xFF, 0xFE]) || buf.starts_with(&[0xFE, 0xFF]) {
        while !eof {
            eof = !file.read_more(&mut buf)?;
        }
        let raw = filter_rows(path, read_csv(path, &buf)?, filter)?;
        return Ok((raw, file.total, file.sha256()));
    }
    let mut encoding = "UTF-8";
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        buf.drain(..3);
        encoding = "UTF-8 (BOM)";
    }
    // Until a non-ASCII byte is seen, UTF-8 and GB18030 read the same.
    let mut decided = encoding != "UTF-8";
    let mut headers: Option<Vec<String>> = None;
    let mut village_col = None;
    let mut frames: Vec<DataFrame> = Vec::new();
    let mut rows: Vec<u32> = Vec::new();
    let mut next_row = 2u32; // file row of the next record (header = 1)
    let mut schema: Option<Arc<Schema>> = None;
    loop {
        let end = if eof {
            buf.len()
        } else {
            match last_record_end(&buf) {
                Some(e) => e,
                None => {
                    eof = !file.read_more(&mut buf)?;
                    continue;
                }
            }
        };
        let piece = &buf[..end];
        let Some(text) = decode_piece(path, piece, &mut encoding, &mut decided)? else {
            continue;
        };
        let mut body: &str = &text;
        if headers.is_none() {
            let (h, h_end) = header_of(path, &text, eof)?;
            village_col = (filter.column)(&h);
            schema = Some(Arc::new(
                (0..h.len())
                    .map(|i| Field::new(raw_col(i), DataType::String))
                    .collect(),
            ));
            headers = Some(h);
            body = &text[h_end..];
        }
        if !body.trim().is_empty() {
            let (df, kept, n) =
                parse_piece(path, body, schema.clone(), village_col, filter, next_row)?;
            next_row += n;
            rows.extend(kept);
            if df.height() > 0 {
                frames.push(df);
            }
        }
        drop(text);
        buf.drain(..end);
        if eof {
            break;
        }
        eof = !file.read_more(&mut buf)?;
        if eof && buf.is_empty() {
            break;
        }
    }
    let headers = headers.ok_or_else(|| Error::Empty {
        path: path.to_path_buf(),
    })?;
    let schema = schema.expect("set with the headers");
    let mut frame = DataFrame::empty_with_schema(&schema);
    for df in frames {
        frame
            .vstack_mut_owned(df)
            .map_err(|e| Error::format(path, e))?;
    }
    Ok((
        RawTable {
            headers,
            frame,
            rows: Some(rows),
            encoding,
            layout: None,
        },
        file.total,
        file.sha256(),
    ))
}

/// A file read `chunk` bytes at a time, hashed and counted as it is read.
struct Pieces<'a> {
    path: &'a Path,
    file: std::fs::File,
    chunk: usize,
    hash: Sha256,
    total: u64,
}

impl<'a> Pieces<'a> {
    fn open(path: &'a Path, chunk: usize) -> Result<Pieces<'a>> {
        let chunk = chunk.max(1);
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(Pieces {
            path,
            file,
            chunk,
            hash: Sha256::new(),
            total: 0,
        })
    }

    /// Append up to `chunk` bytes to `buf`; `false` at the end of the file.
    fn read_more(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        let (path, chunk) = (self.path, self.chunk);
        let start = buf.len();
        buf.resize(start + chunk, 0);
        let mut n = 0;
        while n < chunk {
            let k = self
                .file
                .read(&mut buf[start + n..])
                .map_err(|e| Error::io(path, e))?;
            if k == 0 {
                break;
            }
            n += k;
        }
        buf.truncate(start + n);
        self.hash.update(&buf[start..]);
        self.total += n as u64;
        Ok(n > 0)
    }

    /// The SHA-256 of every byte read.
    fn sha256(self) -> String {
        format!("{:x}", self.hash.finalize())
    }
}

/// A piece of whole records as text. `None` when the file turns out not to
/// be UTF-8 before any non-ASCII text was seen: `encoding` is then
/// GB18030 and the piece is to be decoded again.
fn decode_piece<'p>(
    path: &Path,
    piece: &'p [u8],
    encoding: &mut &'static str,
    decided: &mut bool,
) -> Result<Option<Cow<'p, str>>> {
    Ok(Some(match (*encoding, std::str::from_utf8(piece)) {
        ("GB18030", _) => {
            let (t, bad) = encoding_rs::GB18030.decode_without_bom_handling(piece);
            if bad {
                return Err(Error::format(
                    path,
                    "text is neither UTF-8 nor GBK/GB18030; save it as UTF-8 CSV",
                ));
            }
            t
        }
        (_, Ok(t)) => {
            *decided |= !t.is_ascii();
            Cow::Borrowed(t)
        }
        (_, Err(_)) if !*decided => {
            *encoding = "GB18030";
            *decided = true;
            return Ok(None);
        }
        (_, Err(e)) => {
            return Err(Error::format(
                path,
                format!("starts as UTF-8 but is not UTF-8 further on ({e})"),
            ));
        }
    }))
}

/// The headers at the start of the first piece, and where its body starts.
fn header_of(path: &Path, text: &str, eof: bool) -> Result<(Vec<String>, usize)> {
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
        .is_empty()
        && eof
    {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    let h_end = header_end(text);
    let header_line = text[..h_end].trim_end_matches(['\n', '\r']);
    if header_line.contains('\0') {
        return Err(Error::format(
            path,
            "NUL bytes in the header row (UTF-16 without a BOM?); save it as UTF-8 CSV",
        ));
    }
    Ok((split_header(header_line), h_end))
}

/// The records of one piece's body that `filter` keeps, their file rows
/// (the first record being file row `next_row`), and how many records
/// the piece held.
fn parse_piece(
    path: &Path,
    body: &str,
    schema: Option<Arc<Schema>>,
    village_col: Option<usize>,
    filter: &RowFilter,
    next_row: u32,
) -> Result<(DataFrame, Vec<u32>, u32)> {
    let df = CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(schema)
        .with_raise_if_empty(false)
        .into_reader_with_file_handle(Cursor::new(body.as_bytes()))
        .finish()
        .map_err(|e| Error::format(path, format!("CSV could not be read: {e}")))?;
    let n = df.height() as u32;
    let (df, kept) = match village_col {
        None => (df, (next_row..next_row + n).collect::<Vec<u32>>()),
        Some(c) => {
            let cells = df
                .column(&raw_col(c))
                .and_then(|c| c.str().cloned())
                .map_err(|e| Error::format(path, e))?;
            let mask: BooleanChunked = cells.iter().map(|v| (filter.keep)(v)).collect();
            let kept = (next_row..next_row + n)
                .zip(mask.iter())
                .filter_map(|(r, k)| (k == Some(true)).then_some(r))
                .collect();
            (df.filter(&mask).map_err(|e| Error::format(path, e))?, kept)
        }
    };
    Ok((df, kept, n))
}
