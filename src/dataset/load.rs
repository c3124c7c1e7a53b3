//! One file to one table: read (and, for a plain CSV, type) it while its
//! bytes are hashed, keep a shard's rows only, type what is still text,
//! code the dictionary columns, and note where it came from.

use std::path::Path;

use super::hash::{sha256_file, sha256_hex_progress};
use super::headers::{match_headers, village_column};
use super::read::{self, RawTable};
use super::typing::{blank, type_table};
use super::{
    Aliases, LoadIssue, LoadOptions, SHARD_CHUNK_BYTES, SourceInfo, Table, TableKind, dictionary,
    normalize, office, plain,
};
use crate::error::{Error, Result};

/// Whether a row whose raw village cell is `v` belongs to the shard of
/// villages starting with `prefix`. A blank or unreadable code is kept, so
/// that its error is still reported.
pub(super) fn keep_village(prefix: &str, v: Option<&str>) -> bool {
    if let Some(s) = v
        && !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
    {
        // A code as exports write it, which cleaning leaves as it is.
        return s.starts_with(prefix);
    }
    match blank(v) {
        Some(s) => normalize::clean_village_code(s).map_or(true, |c| c.starts_with(prefix)),
        None => true,
    }
}

/// Load one file as one table of the contract.
pub fn load_table(
    kind: TableKind,
    path: &Path,
    aliases: &Aliases,
    opts: &LoadOptions,
) -> Result<(Table, Vec<LoadIssue>)> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let shard = opts.villages.as_deref().filter(|p| !p.is_empty());
    let village_column = |headers: &[String]| village_column(kind, aliases, headers);
    let keep = |v: Option<&str>| shard.is_none_or(|prefix| keep_village(prefix, v));
    let filter = read::RowFilter {
        column: &village_column,
        keep: &keep,
    };
    let (bytes, sha256, raw) = match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "parquet" => {
            let (hash, raw) = rayon::join(
                || sha256_file(path),
                || match ext.as_str() {
                    "parquet" => read::read_parquet(path),
                    _ => read::read_workbook(path, kind, aliases),
                },
            );
            let (bytes, sha256) = hash?;
            let raw = match shard {
                Some(_) => read::filter_rows(path, raw?, &filter)?,
                None => raw?,
            };
            (bytes, sha256, Loaded::Raw(raw))
        }
        // A CSV file is read once; its bytes are hashed while they are
        // parsed. A plain one is typed in the same pass (`plain`).
        _ => load_csv(kind, path, aliases, opts, shard, &filter)?,
    };
    let (encoding, (mut frame, issues, extra_headers, layout)) = match raw {
        Loaded::Raw(raw) => (raw.encoding, type_table(kind, path, raw, aliases, opts)?),
        Loaded::Typed(typed, encoding) => (encoding, typed),
    };
    let format = match (ext.as_str(), encoding) {
        ("parquet", _) => "parquet",
        (_, "xls") => "xls",
        ("xlsx" | "xlsm" | "xls", _) => "xlsx",
        _ => "csv",
    };
    dictionary::encode(kind, &mut frame).map_err(|e| Error::format(path, e))?;
    let source = SourceInfo {
        table: kind.canonical().into(),
        path: path.to_path_buf(),
        format,
        encoding,
        bytes,
        sha256,
        rows: frame.height(),
        extra_headers,
        layout: layout.filter(|l| !l.is_plain()),
    };
    Ok((
        Table {
            kind,
            source,
            frame,
        },
        issues,
    ))
}

/// Where a plain CSV's header is (its first lines `head`, after a BOM):
/// looked for in its first rows (`office`), the body starting after it,
/// with the title lines above it as the form's layout. No header found
/// where row 1 is the one to blame (`read::first_row_is_the_header`):
/// row 1, and the missing column is the error as ever. A table in 万元 is
/// not typed on the plain path (its money is scaled as text first): `None`,
/// and the general path reads it.
fn plain_form(
    kind: TableKind,
    aliases: &Aliases,
    head: &str,
) -> Option<(Vec<String>, usize, plain::Form)> {
    let line_one = plain::Form {
        first_row: 2,
        layout: None,
    };
    let (found, end) = match office::locate_in_text(kind, aliases, head) {
        Ok(x) => x,
        Err(nh) if read::first_row_is_the_header(&nh) => {
            let (headers, end, ()) = read::line_one(head)?;
            return Some((headers, end, line_one));
        }
        Err(_) => return None,
    };
    if found.wan.iter().any(|w| *w) {
        return None;
    }
    if found.at == 0 && found.height == 1 {
        return Some((found.headers, end, line_one));
    }
    let layout = found.layout();
    let first_row = (found.body() + 1) as u32;
    Some((
        found.headers,
        end,
        plain::Form {
            first_row,
            layout: Some(layout),
        },
    ))
}

/// A file as text columns, or (a plain CSV) already typed.
enum Loaded {
    Raw(RawTable),
    Typed(super::typing::Typed, &'static str),
}

/// Read a CSV file, hashing its bytes as they are parsed; a plain file is
/// typed in the same pass. Returns its size, its SHA-256 and what was read.
fn load_csv(
    kind: TableKind,
    path: &Path,
    aliases: &Aliases,
    opts: &LoadOptions,
    shard: Option<&str>,
    filter: &read::RowFilter,
) -> Result<(u64, String, Loaded)> {
    // A whole load maps every page at once and reads them all; a
    // shard maps pages as they are read and keeps few of them.
    let file = read::FileBytes::open_with(path, shard.is_none())?;
    let data = file.bytes();
    // The pages of a piece are let go once it is typed and hashed,
    // so that the file and its frame are not both held whole. A
    // shard's readers (the hash, the plain check, the typing pass)
    // each let go of what they have read: a page read again is
    // mapped again from the page cache.
    let hashed = std::sync::atomic::AtomicUsize::new(0);
    let done = |piece: &str| {
        let end = piece.as_ptr() as usize + piece.len() - data.as_ptr() as usize;
        if shard.is_some() || hashed.load(std::sync::atomic::Ordering::Acquire) >= end {
            file.release(piece.as_bytes());
        }
    };
    let release_read = |part: &[u8]| {
        if shard.is_some() {
            file.release(part);
        }
    };
    let abandoned = std::sync::atomic::AtomicBool::new(false);
    let (sha256, loaded) = rayon::join(
        || sha256_hex_progress(data, &hashed, &release_read, &abandoned),
        || -> Result<Option<Loaded>> {
            let locate = |head: &str| plain_form(kind, aliases, head);
            if let Some((headers, body, encoding, form)) =
                read::plain_csv_releasing(data, &release_read, &locate)
            {
                // A shard's rows are picked by their village cell
                // as the pass goes; a table without village codes
                // is loaded whole.
                let column = shard.and_then(|_| (filter.column)(&headers));
                let keep_rows = column.map(|column| plain::Shard {
                    column,
                    keep: filter.keep,
                });
                let piece = match (shard, opts.chunk_bytes) {
                    (Some(_), Some(chunk)) => chunk,
                    _ => plain::piece_size(body.len()),
                };
                if let Some(typed) = plain::type_plain(
                    kind,
                    path,
                    &headers,
                    body,
                    aliases,
                    opts,
                    piece,
                    keep_rows.as_ref(),
                    &done,
                    form,
                ) {
                    return Ok(Some(Loaded::Typed(typed?, encoding)));
                }
            }
            match shard {
                // Not plain: read in pieces below, holding one
                // piece and the shard's rows, never the whole text.
                Some(_) => {
                    abandoned.store(true, std::sync::atomic::Ordering::Relaxed);
                    Ok(None)
                }
                None => {
                    read::read_csv_form(path, data, kind, aliases).map(|raw| Some(Loaded::Raw(raw)))
                }
            }
        },
    );
    Ok(match loaded? {
        Some(loaded) => {
            file.check_unchanged(path)?;
            (data.len() as u64, sha256, loaded)
        }
        None => {
            drop(file);
            let (raw, bytes, sha256) = read::read_csv_filtered(
                path,
                opts.chunk_bytes.unwrap_or(SHARD_CHUNK_BYTES),
                filter,
            )?;
            if match_headers(kind, path, &raw.headers, aliases).is_ok() {
                (bytes, sha256, Loaded::Raw(raw))
            } else {
                // Not a header on row 1: a form, read whole (forms are
                // small) and then cut to the shard.
                let file = read::FileBytes::open_with(path, true)?;
                let raw = read::read_csv_form(path, file.bytes(), kind, aliases)?;
                (
                    bytes,
                    sha256,
                    Loaded::Raw(read::filter_rows(path, raw, filter)?),
                )
            }
        }
    })
}
