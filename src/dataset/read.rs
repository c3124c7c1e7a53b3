//! Reading one file into raw text columns: CSV (UTF-8, UTF-8 with BOM,
//! GBK/GB18030, UTF-16 with BOM; detected, never asked), xlsx (first sheet)
//! and parquet. Every cell stays text here; `typing` types it (a plain CSV
//! skips this: `plain` types its bytes directly).
//!
//! `shard` reads a CSV that is not plain for one shard, piece by piece;
//! `sheet` reads xlsx and parquet.

mod form;
mod shard;
mod sheet;

use std::borrow::Cow;
use std::io::Cursor;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

use crate::dataset::office::{self, Layout};
use crate::dataset::{Aliases, TableKind};
use crate::error::{Error, Result};

pub use shard::read_csv_filtered;
pub use sheet::{read_parquet, read_workbook};

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
    /// What was found around the table when its file is laid out as a form.
    pub layout: Option<Layout>,
}

pub fn raw_col(i: usize) -> PlSmallStr {
    format!("c{i}").into()
}

/// A file's bytes, memory-mapped: the page cache is read in place, with no
/// copy into the heap and no page of the heap to zero (for an 816 MB export
/// that was a tenth of the load's cpu). A file that cannot be mapped (a pipe,
/// an empty file, a file system without mmap) is read whole instead.
///
/// A mapped file that another program changes while it is read is seen
/// changing: the size and modification time are taken when the file is
/// opened and compared by [`FileBytes::check_unchanged`] after the table is
/// parsed and hashed, and a difference is an error, not a silent mix of old
/// and new rows. A file cut shorter while mapped ends the process (SIGBUS):
/// exports are written whole and then scanned, and a replaced file (written
/// to a new name and renamed, as export tools and editors do) leaves the
/// mapped, old one intact.
pub struct FileBytes {
    map: Option<memmap2::Mmap>,
    vec: Vec<u8>,
    stamp: (u64, Option<std::time::SystemTime>),
}

impl FileBytes {
    /// Open and map `path`. With `populate`, every page is mapped at once (a whole load reads
    /// them all); without, pages are mapped as they are read, so that a
    /// reader letting them go behind it ([`FileBytes::release`]) holds only
    /// what it is reading (a shard load, which keeps little of the file).
    pub fn open_with(path: &Path, populate: bool) -> Result<FileBytes> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let meta = file.metadata().map_err(|e| Error::io(path, e))?;
        let stamp = (meta.len(), meta.modified().ok());
        if meta.is_file() && meta.len() > 0 {
            // Populated: the pages are mapped in one go, not fault by fault.
            let mut o = memmap2::MmapOptions::new();
            if populate {
                o.populate();
            }
            // SAFETY: the mapping is read only; a change by another program
            // while it is mapped is caught by `check_unchanged` (see above).
            if let Ok(map) = unsafe { o.map(&file) } {
                let _ = map.advise(memmap2::Advice::Sequential);
                return Ok(FileBytes {
                    map: Some(map),
                    vec: Vec::new(),
                    stamp,
                });
            }
        }
        let mut vec = Vec::with_capacity(meta.len() as usize);
        (&file)
            .read_to_end(&mut vec)
            .map_err(|e| Error::io(path, e))?;
        Ok(FileBytes {
            map: None,
            vec,
            stamp,
        })
    }

    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&self.vec)
    }

    /// Let the pages of `part` (a slice of [`FileBytes::bytes`]) go from
    /// this process's memory once nothing will read them again: they stay in
    /// the page cache, and a read would map them in again, unchanged.
    pub fn release(&self, part: &[u8]) {
        let Some(map) = &self.map else { return };
        let offset = (part.as_ptr() as usize).wrapping_sub(map.as_ptr() as usize);
        if part.is_empty() || offset >= map.len() || offset + part.len() > map.len() {
            return;
        }
        // SAFETY: the mapping is of a file, read only and never written, so
        // dropping its pages only unmaps them; reading them again (even a
        // page shared with a neighbouring part still being read) maps the
        // same bytes in again from the page cache.
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, part.len())
        };
    }

    /// An error when the file's size or modification time is no longer what
    /// it was when it was opened: its rows may mix two versions.
    pub fn check_unchanged(&self, path: &Path) -> Result<()> {
        let now = std::fs::metadata(path)
            .map(|m| (m.len(), m.modified().ok()))
            .map_err(|e| Error::io(path, e))?;
        if now != self.stamp {
            return Err(Error::format(
                path,
                "the file changed while it was being read; scan again once it is written",
            ));
        }
        Ok(())
    }
}

/// Decode CSV bytes to UTF-8 text: BOMs first, then strict UTF-8, then
/// GB18030 (a superset of GBK) with errors refused rather than replaced.
/// UTF-8 text is borrowed, not copied.
pub fn decode<'a>(path: &Path, bytes: &'a [u8]) -> Result<(Cow<'a, str>, &'static str)> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return simdutf8::basic::from_utf8(rest)
            .map(|s| (Cow::Borrowed(s), "UTF-8 (BOM)"))
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
            return Ok((text, name));
        }
    }
    if let Some((enc, name)) = utf16_without_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(Error::format(
                path,
                format!(
                    "looks like {name} but does not decode as it (cut short?); save it as UTF-8 CSV"
                ),
            ));
        }
        return Ok((text, name));
    }
    match simdutf8::basic::from_utf8(bytes) {
        Ok(s) => Ok((Cow::Borrowed(s), "UTF-8")),
        Err(_) => {
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if had_errors {
                Err(Error::format(
                    path,
                    "text is neither UTF-8 nor GBK/GB18030; save it as UTF-8 CSV",
                ))
            } else if looks_big5(bytes) {
                Err(Error::format(
                    path,
                    "text looks like Big5 (Traditional Chinese), which is not an accepted encoding; save it as UTF-8 CSV",
                ))
            } else {
                Ok((text, "GB18030"))
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
    header_end_bytes(text.as_bytes())
}

/// [`header_end`] of bytes: quotes and newlines are ASCII, never part of
/// a multi-byte character.
fn header_end_bytes(text: &[u8]) -> usize {
    let mut quoted = false;
    for (i, &b) in text.iter().enumerate() {
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
    use memchr::{memchr, memchr_iter, memchr2, memrchr};
    let b = body.as_bytes();
    // Most exports quote nothing: one memchr over the file and done.
    let first = memchr(b'"', b)?;
    // No quote before `first`, so every newline before its line ends a record.
    let mut i = memrchr(b'\n', &b[..first]).map_or(0, |p| p + 1);
    let mut row = 2 + memchr_iter(b'\n', &b[..i]).count();
    let mut field = 0usize;
    // `i` is always at the start of a field here.
    loop {
        if b.get(i) == Some(&b'"') {
            let open = (row, field);
            i += 1;
            loop {
                let Some(k) = memchr(b'"', &b[i..]) else {
                    return Some(open);
                };
                let q = i + k;
                if b.get(q + 1) == Some(&b'"') {
                    i = q + 2; // an escaped quote
                } else {
                    i = q + 1;
                    break;
                }
            }
        }
        // The rest of the field is plain text (a quote inside it is text).
        let p = i + memchr2(b',', b'\n', &b[i..])?;
        if b[p] == b'\n' {
            row += 1;
            field = 0;
        } else {
            field += 1;
        }
        i = p + 1;
    }
}

/// A plain CSV file: UTF-8 (with or without a BOM), a header line and a
/// non-empty body with no quote or NUL byte anywhere, and carriage returns
/// only before a newline (CRLF line ends).
/// Such a body is records split by newlines and fields split by commas,
/// nothing else, and the loader may type it in one pass without polars'
/// reader (`super::plain`). Returns the headers, the body and the encoding;
/// `None` for any other file, which goes through [`read_csv`] (with the
/// same errors as ever).
#[cfg(test)]
pub fn plain_csv(bytes: &[u8]) -> Option<(Vec<String>, &str, &'static str)> {
    plain_csv_releasing(bytes, &|_| {}, &line_one).map(|(h, b, e, ())| (h, b, e))
}

/// Size of the blocks [`plain_csv_releasing`] checks a body in.
const CHECK_BLOCK: usize = 4 << 20;

/// Where a CSV text's header is: its cells, the byte offset where the body
/// starts, and what else the finder tells (`T`). Given the text's first
/// lines (up to 64 KiB, whole lines), after a BOM.
pub type Locate<'l, T> = &'l dyn Fn(&str) -> Option<(Vec<String>, usize, T)>;

/// The header on line 1 ([`plain_csv`]'s finder).
pub fn line_one(text: &str) -> Option<(Vec<String>, usize, ())> {
    let end = header_end(text);
    let line = text[..end].trim_end_matches(['\n', '\r']);
    Some((split_header(line), end, ()))
}

/// [`plain_csv`], its header found by `locate` (the body is what follows
/// it: title lines and a quoted header cell above it do not make a file
/// less plain), giving `release` each block of the body (whole lines) once
/// it is checked: a shard load lets its pages go behind it.
pub fn plain_csv_releasing<'a, T>(
    bytes: &'a [u8],
    release: &dyn Fn(&[u8]),
    locate: Locate<T>,
) -> Option<(Vec<String>, &'a str, &'static str, T)> {
    plain_csv_blocks(bytes, CHECK_BLOCK, release, locate)
}

fn plain_csv_blocks<'a, T>(
    bytes: &'a [u8],
    block_bytes: usize,
    release: &dyn Fn(&[u8]),
    locate: Locate<T>,
) -> Option<(Vec<String>, &'a str, &'static str, T)> {
    let (bytes, encoding) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (rest, "UTF-8 (BOM)"),
        None => (bytes, "UTF-8"),
    };
    if bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || utf16_without_bom(bytes).is_some()
    {
        return None;
    }
    // The first lines, whole: the header is among them.
    let mut head_len = bytes.len().min(1 << 16);
    if head_len < bytes.len() {
        head_len = memchr::memrchr(b'\n', &bytes[..head_len]).map_or(head_len, |i| i + 1);
    }
    let head = simdutf8::basic::from_utf8(&bytes[..head_len]).ok()?;
    let (headers, end, found) = locate(head)?;
    let header_text = &head[..end];
    if header_text.contains('\0')
        || headers.iter().all(|h| {
            h.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
                .is_empty()
        })
    {
        return None;
    }
    let body = &bytes[end..];
    // Checked in blocks of whole lines: a newline is never part of a
    // multi-byte character, so the body is UTF-8 when every block is.
    let mut blank = true;
    for r in line_blocks(body, block_bytes) {
        let block = &body[r];
        let text = simdutf8::basic::from_utf8(block).ok()?;
        if memchr::memchr2(b'"', 0, block).is_some()
            // A carriage return only as part of a CRLF line end.
            || memchr::memchr_iter(b'\r', block).any(|i| block.get(i + 1) != Some(&b'\n'))
        {
            return None;
        }
        blank = blank && text.trim().is_empty();
        release(block);
    }
    if blank {
        return None;
    }
    // SAFETY: every block of the body is UTF-8 (checked above) and the
    // blocks end just after a newline (or at the end), which is never
    // inside a character: so the whole body is UTF-8.
    let body = unsafe { std::str::from_utf8_unchecked(body) };
    Some((headers, body, encoding, found))
}

/// `b` in blocks of about `size` bytes (at least one), each ending just
/// after a newline (the last at the end of `b`), as byte ranges: whole
/// lines, never a character cut in two.
pub(super) fn line_blocks(b: &[u8], size: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut a = 0;
    std::iter::from_fn(move || {
        if a >= b.len() {
            return None;
        }
        let mut e = a.saturating_add(size.max(1)).min(b.len());
        if e < b.len() {
            e = memchr::memchr(b'\n', &b[e..]).map_or(b.len(), |k| e + k + 1);
        }
        let block = a..e;
        a = e;
        Some(block)
    })
}

/// Read a CSV file's bytes (already in memory: the loader hashes the same
/// bytes) as text columns, the header on row 1. The body is parsed in
/// place, not copied.
pub fn read_csv(path: &Path, bytes: &[u8]) -> Result<RawTable> {
    let (text, encoding) = decode(path, bytes)?;
    let text: &str = &text;
    check_not_empty(path, text)?;
    let end = header_end(text);
    let headers = header_cells(path, &text[..end])?;
    read_body(path, headers, &text[end..], encoding, 2, None)
}

fn check_not_empty(path: &Path, text: &str) -> Result<()> {
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
        .is_empty()
    {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn header_cells(path: &Path, line: &str) -> Result<Vec<String>> {
    let header_line = line.trim_end_matches(['\n', '\r']);
    if header_line.contains('\0') {
        return Err(Error::format(
            path,
            "NUL bytes in the header row (UTF-16 without a BOM?); save it as UTF-8 CSV",
        ));
    }
    Ok(split_header(header_line))
}

/// Read a CSV file laid out as a form (data contract §1a): the header is
/// looked for in the first rows (`office`), the lines above it are kept as
/// the table's title lines, and money in 万元 is scaled to yuan. When no row
/// names the table's required columns and the closest is row 1, row 1 is
/// the header (and the missing column is the error, as ever).
pub fn read_csv_form(
    path: &Path,
    bytes: &[u8],
    kind: TableKind,
    aliases: &Aliases,
) -> Result<RawTable> {
    let (text, encoding) = decode(path, bytes)?;
    let text: &str = &text;
    check_not_empty(path, text)?;
    let (found, body_start) = match office::locate_in_text(kind, aliases, text) {
        Ok(x) => x,
        Err(nh) if first_row_is_the_header(&nh) => {
            let end = header_end(text);
            let headers = header_cells(path, &text[..end])?;
            return read_body(path, headers, &text[end..], encoding, 2, None);
        }
        Err(nh) => return Err(Error::format(path, nh.describe(kind))),
    };
    let layout = found.layout();
    let first_row = (found.body() + 1) as u32;
    let mut raw = read_body(
        path,
        found.headers.clone(),
        &text[body_start..],
        encoding,
        first_row,
        Some(layout),
    )?;
    for (j, _) in found.wan.iter().enumerate().filter(|(_, w)| **w) {
        let name = raw_col(j);
        let Ok(col) = raw.frame.column(&name).and_then(|c| c.str().cloned()) else {
            continue;
        };
        let scaled: StringChunked = col
            .iter()
            .map(|v| {
                v.map(|s| {
                    let mut c = [s.to_string()];
                    form::scale_wan(&mut c, &[true]);
                    std::mem::take(&mut c[0])
                })
            })
            .collect();
        raw.frame
            .replace(&name, scaled.with_name(name.clone()).into_column())
            .map_err(|e| Error::format(path, e))?;
    }
    Ok(raw)
}

/// Whether, no header being found, row 1 is taken as the header (and the
/// missing column is the error): the row closest to a header is row 1, or
/// no row names any column and row 1 has several cells (a header in words
/// of its own, as before forms were read).
pub fn first_row_is_the_header(nh: &office::NoHeader) -> bool {
    match &nh.closest {
        Some((row, _)) => *row == 1,
        None => nh.first_row_cells >= 2,
    }
}

/// The body of a CSV text (after its header) as text columns; its first
/// record is file row `first_row`.
fn read_body(
    path: &Path,
    headers: Vec<String>,
    body: &str,
    encoding: &'static str,
    first_row: u32,
    layout: Option<Layout>,
) -> Result<RawTable> {
    let schema: Schema = (0..headers.len())
        .map(|i| Field::new(raw_col(i), DataType::String))
        .collect();
    if let Some((row, field)) = unclosed_quote(body) {
        let header = headers.get(field).map_or("?", |h| h.as_str());
        return Err(Error::format(
            path,
            format!(
                "row {}, column {header} (column {}): a quote opened here is never closed (file cut short?)",
                row + first_row as usize - 2,
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
            .into_reader_with_file_handle(Cursor::new(body.as_bytes()))
            .finish()
            .map_err(|e| {
                // polars explains over several lines; one line is enough.
                let e = e.to_string();
                let first = e.lines().next().unwrap_or("").trim();
                Error::format(path, format!("CSV could not be read: {first}"))
            })?
    };
    let rows =
        (first_row != 2).then(|| (0..frame.height() as u32).map(|i| i + first_row).collect());
    Ok(RawTable {
        headers,
        frame,
        rows,
        encoding,
        layout,
    })
}

/// Which rows of a table to keep when only some villages are loaded.
pub struct RowFilter<'a> {
    /// The raw column holding the village code, from the headers; `None`
    /// keeps every row (a table without villages, e.g. the death register).
    pub column: &'a (dyn Fn(&[String]) -> Option<usize> + Sync),
    /// Whether a raw village cell belongs to the shard.
    pub keep: &'a (dyn Fn(Option<&str>) -> bool + Sync),
}

/// Keep the rows of `raw` that the filter keeps, with their file rows.
pub fn filter_rows(path: &Path, raw: RawTable, filter: &RowFilter) -> Result<RawTable> {
    let Some(col) = (filter.column)(&raw.headers) else {
        return Ok(raw);
    };
    let cells = raw
        .frame
        .column(&raw_col(col))
        .and_then(|c| c.str().cloned())
        .map_err(|e| Error::format(path, e))?;
    let mask: BooleanChunked = cells.iter().map(|v| (filter.keep)(v)).collect();
    let rows: Vec<u32> = match &raw.rows {
        Some(r) => r.clone(),
        None => (0..raw.frame.height()).map(|i| (i + 2) as u32).collect(),
    };
    let rows = rows
        .into_iter()
        .zip(mask.iter())
        .filter_map(|(r, k)| (k == Some(true)).then_some(r))
        .collect();
    let frame = raw
        .frame
        .filter(&mask)
        .map_err(|e| Error::format(path, e))?;
    Ok(RawTable {
        headers: raw.headers,
        frame,
        rows: Some(rows),
        encoding: raw.encoding,
        layout: raw.layout,
    })
}

#[cfg(test)]
mod tests;
