//! Reading one file into raw text columns: CSV (UTF-8, UTF-8 with BOM,
//! GBK/GB18030, UTF-16 with BOM; detected, never asked), xlsx (first sheet)
//! and parquet. Every cell stays text here; `load` types it.

use std::borrow::Cow;
use std::io::Cursor;
use std::ops::Range;
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
    plain_csv_releasing(bytes, &|_| {})
}

/// Size of the blocks [`plain_csv_releasing`] checks a body in.
const CHECK_BLOCK: usize = 4 << 20;

/// [`plain_csv`], giving `release` each block of the body (whole lines)
/// once it is checked: a shard load lets its pages go behind it.
pub fn plain_csv_releasing<'a>(
    bytes: &'a [u8],
    release: &dyn Fn(&[u8]),
) -> Option<(Vec<String>, &'a str, &'static str)> {
    plain_csv_blocks(bytes, CHECK_BLOCK, release)
}

fn plain_csv_blocks<'a>(
    bytes: &'a [u8],
    block_bytes: usize,
    release: &dyn Fn(&[u8]),
) -> Option<(Vec<String>, &'a str, &'static str)> {
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
    let end = header_end_bytes(bytes);
    let header = simdutf8::basic::from_utf8(&bytes[..end]).ok()?;
    let header_line = header.trim_end_matches(['\n', '\r']);
    if header_line.contains('\0')
        || header_line
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
            .is_empty()
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
    Some((split_header(header_line), body, encoding))
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
/// bytes) as text columns. The body is parsed in place, not copied.
pub fn read_csv(path: &Path, bytes: &[u8]) -> Result<RawTable> {
    let (text, encoding) = decode(path, bytes)?;
    let text: &str = &text;
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
        .is_empty()
    {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    let end = header_end(text);
    let header_line = text[..end].trim_end_matches(['\n', '\r']);
    if header_line.contains('\0') {
        return Err(Error::format(
            path,
            "NUL bytes in the header row (UTF-16 without a BOM?); save it as UTF-8 CSV",
        ));
    }
    let headers = split_header(header_line);
    let body = &text[end..];
    let schema: Schema = (0..headers.len())
        .map(|i| Field::new(raw_col(i), DataType::String))
        .collect();
    if let Some((row, field)) = unclosed_quote(body) {
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
            .into_reader_with_file_handle(Cursor::new(body.as_bytes()))
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
    })
}

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
    use sha2::{Digest, Sha256};
    use std::io::Read;

    let chunk = chunk.max(1);
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hash = Sha256::new();
    let mut total = 0u64;
    let mut read_more = |buf: &mut Vec<u8>| -> Result<bool> {
        let start = buf.len();
        buf.resize(start + chunk, 0);
        let mut n = 0;
        while n < chunk {
            let k = file
                .read(&mut buf[start + n..])
                .map_err(|e| Error::io(path, e))?;
            if k == 0 {
                break;
            }
            n += k;
        }
        buf.truncate(start + n);
        hash.update(&buf[start..]);
        total += n as u64;
        Ok(n > 0)
    };

    let mut buf = Vec::new();
    let mut eof = !read_more(&mut buf)?;
    if buf.starts_with(&[0xFF, 0xFE]) || buf.starts_with(&[0xFE, 0xFF]) {
        while !eof {
            eof = !read_more(&mut buf)?;
        }
        let raw = filter_rows(path, read_csv(path, &buf)?, filter)?;
        return Ok((raw, total, format!("{:x}", hash.finalize())));
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
                    eof = !read_more(&mut buf)?;
                    continue;
                }
            }
        };
        let piece = &buf[..end];
        let text: Cow<'_, str> = match (encoding, std::str::from_utf8(piece)) {
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
                decided |= !t.is_ascii();
                Cow::Borrowed(t)
            }
            (_, Err(_)) if !decided => {
                encoding = "GB18030";
                decided = true;
                continue;
            }
            (_, Err(e)) => {
                return Err(Error::format(
                    path,
                    format!("starts as UTF-8 but is not UTF-8 further on ({e})"),
                ));
            }
        };
        let mut body: &str = &text;
        if headers.is_none() {
            if text
                .trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
                .is_empty()
                && eof
            {
                return Err(Error::Empty {
                    path: path.to_path_buf(),
                });
            }
            let h_end = header_end(&text);
            let header_line = text[..h_end].trim_end_matches(['\n', '\r']);
            if header_line.contains('\0') {
                return Err(Error::format(
                    path,
                    "NUL bytes in the header row (UTF-16 without a BOM?); save it as UTF-8 CSV",
                ));
            }
            let h = split_header(header_line);
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
            let df = CsvReadOptions::default()
                .with_has_header(false)
                .with_schema(schema.clone())
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
        eof = !read_more(&mut buf)?;
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
        },
        total,
        format!("{:x}", hash.finalize()),
    ))
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
        let (text, enc) = decode(p, &gbk).unwrap();
        assert_eq!((&*text, enc), ("姓名,金额\n张伟,1\n", "GB18030"));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("姓名\n".as_bytes());
        assert_eq!(decode(p, &bom).unwrap().1, "UTF-8 (BOM)");
        assert!(decode(p, &[0x81, 0x20, 0xFF]).is_err());
    }

    #[test]
    fn utf16_without_bom_and_big5_are_told_apart() {
        let p = Path::new("x.csv");
        let text = "村居代码,姓名,金额\n370112001001,张伟,12.50\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let (t, enc) = decode(p, &le).unwrap();
        assert_eq!((t.as_ref(), enc), (text, "UTF-16LE (no BOM)"));
        let (t, enc) = decode(p, &be).unwrap();
        assert_eq!((t.as_ref(), enc), (text, "UTF-16BE (no BOM)"));
        let trad = "村居代碼,姓名,身份證號,與幹部關係,聯繫電話,銀行賬號\n370112001001,張偉,陳麗華,劉國慶\n";
        let (big5, _, unmappable) = encoding_rs::BIG5.encode(trad);
        assert!(!unmappable);
        let e = decode(p, &big5).unwrap_err().to_string();
        assert!(e.contains("Big5"), "{e}");
        // Real GBK with a rare name character still reads as GBK.
        let (gbk, _, _) = encoding_rs::GBK.encode("村居代码,姓名,摘要\n370112001001,王喆,1月村务误工补贴\n370112001001,李淑佳,防汛值班劳务费\n");
        assert_eq!(decode(p, &gbk).unwrap().1, "GB18030");
    }

    /// The byte-by-byte scanner the memchr one replaced, as the reference.
    fn unclosed_quote_reference(body: &str) -> Option<(usize, usize)> {
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

    #[test]
    fn quote_scanner_matches_the_reference_on_every_short_body() {
        // Every body of up to 8 bytes over the bytes that matter.
        let alphabet = [b'a', b',', b'"', b'\n'];
        let mut checked = 0;
        for len in 0..=8u32 {
            for code in 0..4usize.pow(len) {
                let mut c = code;
                let body: String = (0..len)
                    .map(|_| {
                        let b = alphabet[c % 4];
                        c /= 4;
                        b as char
                    })
                    .collect();
                assert_eq!(
                    unclosed_quote(&body),
                    unclosed_quote_reference(&body),
                    "{body:?}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 87_381);
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
    fn a_file_changed_while_read_is_an_error() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ledger.csv");
        std::fs::write(&p, "a,b\n1,2\n").unwrap();
        let f = FileBytes::open_with(&p, true).unwrap();
        assert_eq!(f.bytes(), b"a,b\n1,2\n");
        // Released pages read the same again.
        f.release(&f.bytes()[2..6]);
        f.release(b"not part of the file");
        assert_eq!(f.bytes(), b"a,b\n1,2\n");
        f.check_unchanged(&p).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"3,4\n")
            .unwrap();
        let e = f.check_unchanged(&p).unwrap_err().to_string();
        assert!(e.contains("changed while it was being read"), "{e}");
        // An empty file is read, not mapped.
        std::fs::write(&p, "").unwrap();
        assert!(FileBytes::open_with(&p, true).unwrap().bytes().is_empty());
    }

    #[test]
    fn plain_files_are_told_in_blocks_as_whole() {
        let (gbk, _, _) = encoding_rs::GBK.encode("张伟,1\n");
        let mut bad_utf8 = b"a,b\n1,2\n".to_vec();
        bad_utf8.extend_from_slice(&gbk);
        let texts: Vec<Vec<u8>> = [
            "a,b\n1,2\n张伟,三\n",
            "a,b\r\n1,2\r\n张伟,三\r\n",
            "\u{FEFF}a,b\n1,2\n张伟,三",
            "\"a\",b\n1,2\n",
            "a,b\n1,2\n张伟,\"三\"\n",
            "a,b\n1,2\n张伟,三\r",
            "a,b\n1,2\n张\r伟,三\n",
            "a,b\n1,2\n张伟,\0\n",
            "a,b\n \n\u{3000}\n",
            "a,b\n",
            "a,b",
            "\n1,2\n",
        ]
        .iter()
        .map(|t| t.as_bytes().to_vec())
        .chain([bad_utf8])
        .collect();
        for text in &texts {
            let whole = plain_csv_blocks(text, usize::MAX / 2, &|_| {});
            for block in 1..=text.len() + 1 {
                let released = std::cell::Cell::new(0);
                let blocks = plain_csv_blocks(text, block, &|b| {
                    released.set(released.get() + b.len());
                });
                assert_eq!(blocks, whole, "{text:?} in blocks of {block}");
                if let Some((_, body, _)) = blocks {
                    // Every byte of the body was checked and let go.
                    assert_eq!(released.get(), body.len(), "{text:?} {block}");
                }
            }
        }
        assert!(plain_csv(texts[0].as_slice()).is_some());
        assert!(plain_csv(texts[3].as_slice()).is_some(), "a quoted header");
        assert!(plain_csv(texts[4].as_slice()).is_none());
    }

    #[test]
    fn header_split_handles_quotes() {
        assert_eq!(split_header(r#"a,"b,c","d""e""#), vec!["a", "b,c", "d\"e"]);
        assert_eq!(header_end("\"a\nb\",c\nrow"), 8);
    }
}
