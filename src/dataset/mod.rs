//! Finding, decoding and loading the tables of one dataset folder (data
//! contract §1–3) into typed polars frames. Loaders know no rule.
//!
//! Types after loading: text columns are `String`, dates and periods are
//! `Date`, money is `Int64` **fen** (1/100 yuan: exact sums that do not
//! depend on summation order, so parallel runs give identical figures), and
//! quantities are `Float64`. Every frame has a `__row` column: the row's
//! number in its file, header = 1.

pub mod aliases;
pub mod derived;
pub mod dictionary;
pub mod id_number;
pub mod normalize;
mod plain;
mod read;
pub mod schema;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use aliases::Aliases;
pub use schema::{ColumnSpec, Kind, ROW, TableKind};

use crate::error::{Error, Result, ValueError};
use id_number::IdParse;
use read::RawTable;

/// Where a table came from, for the run manifest.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub table: String,
    pub path: PathBuf,
    pub format: &'static str,
    pub encoding: &'static str,
    pub bytes: u64,
    pub sha256: String,
    pub rows: usize,
    /// Headers present in the file that no column of the contract claims.
    pub extra_headers: Vec<String>,
}

/// A problem in one cell that is a finding, not an error: id numbers
/// mangled by Excel, and (with `lenient`) values that could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct LoadIssue {
    pub table: TableKind,
    pub path: PathBuf,
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
    pub kind: IssueKind,
    pub village_code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IssueKind {
    /// Digits lost to Excel's scientific notation.
    ExcelMangledId,
    /// Fails the GB 11643 check, impossible birth date, or not 18/15 digits.
    InvalidId,
    /// An unreadable value kept as null under `--lenient`.
    BadValue,
}

impl Serialize for TableKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.canonical())
    }
}

pub struct Table {
    pub kind: TableKind,
    pub source: SourceInfo,
    pub frame: DataFrame,
}

/// All tables of one export, loaded once and shared by every rule.
pub struct Dataset {
    pub dir: PathBuf,
    pub tables: BTreeMap<TableKind, Table>,
    pub issues: Vec<LoadIssue>,
    /// Files in the folder that name no table (labels, notes …).
    pub ignored: Vec<PathBuf>,
    /// What several rules derive from the tables, computed once.
    pub derived: derived::Derived,
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Unreadable values become null and a load issue instead of an error.
    pub lenient: bool,
    pub aliases: Option<Aliases>,
    /// Load only the rows whose village code starts with this prefix (a
    /// county: 6 digits, a street: 9, a village: 12), for a scan shard by
    /// shard. A plain CSV file (see `read::plain_csv`) is typed in one pass
    /// that keeps only the shard's rows; any other CSV file is read in
    /// pieces. Either way memory holds the shard's rows, never a whole
    /// file's typed or text columns. Rows with a blank or unreadable
    /// village code are kept (their error is still reported); tables without
    /// a village code (deaths, relatives) are loaded whole.
    pub villages: Option<String>,
    /// Size of a piece when `villages` is set (default: 64 MiB for a file
    /// read in pieces, a few per thread for a plain file).
    pub chunk_bytes: Option<usize>,
}

/// Default piece size for reading one shard of a CSV file.
pub const SHARD_CHUNK_BYTES: usize = 64 << 20;

const FORMATS: [&str; 4] = ["csv", "xlsx", "xlsm", "parquet"];

impl Dataset {
    pub fn frame(&self, t: TableKind) -> Option<&DataFrame> {
        self.tables.get(&t).map(|t| &t.frame)
    }

    pub fn has(&self, t: TableKind) -> bool {
        self.tables.contains_key(&t)
    }

    pub fn source(&self, t: TableKind) -> Option<&SourceInfo> {
        self.tables.get(&t).map(|t| &t.source)
    }

    pub fn total_rows(&self) -> usize {
        self.tables.values().map(|t| t.frame.height()).sum()
    }

    pub fn total_bytes(&self) -> u64 {
        self.tables.values().map(|t| t.source.bytes).sum()
    }

    /// Build a dataset from frames already typed (tests, benches, the tuner).
    pub fn from_frames(frames: Vec<(TableKind, DataFrame)>) -> Dataset {
        let tables = frames
            .into_iter()
            .map(|(kind, frame)| {
                let source = SourceInfo {
                    table: kind.canonical().into(),
                    path: PathBuf::from(format!("<{kind}>")),
                    format: "memory",
                    encoding: "",
                    bytes: 0,
                    sha256: String::new(),
                    rows: frame.height(),
                    extra_headers: vec![],
                };
                (
                    kind,
                    Table {
                        kind,
                        source,
                        frame,
                    },
                )
            })
            .collect();
        Dataset {
            dir: PathBuf::new(),
            tables,
            issues: vec![],
            ignored: vec![],
            derived: Default::default(),
        }
    }

    /// Load every table found in `dir`. Each table loads in parallel inside
    /// (CSV parse, hash, one column per thread); tables load one by one.
    pub fn load(dir: &Path, opts: &LoadOptions) -> Result<Dataset> {
        let aliases = opts.aliases.clone().unwrap_or_else(Aliases::builtin);
        let (files, ignored) = table_files(dir, &aliases)?;
        // One table after the other, largest first: each is read, hashed and
        // normalised in parallel inside, and holding one file's bytes and raw
        // text at a time (not every table's at once) lowers the peak memory.
        let mut files: Vec<(TableKind, PathBuf)> = files.into_iter().collect();
        files.sort_by_key(|(_, p)| std::cmp::Reverse(std::fs::metadata(p).map_or(0, |m| m.len())));
        let mut loaded: Vec<_> = files
            .into_iter()
            .map(|(kind, path)| (kind, load_table(kind, &path, &aliases, opts)))
            .collect();
        // Errors and issues in table order, as before.
        loaded.sort_by_key(|(kind, _)| *kind);
        let loaded = loaded.into_iter().map(|(_, r)| r);
        let mut tables = BTreeMap::new();
        let mut issues = Vec::new();
        for r in loaded {
            let (t, mut iss) = r?;
            issues.append(&mut iss);
            tables.insert(t.kind, t);
        }
        Ok(Dataset {
            dir: dir.to_path_buf(),
            tables,
            issues,
            ignored,
            derived: Default::default(),
        })
    }
}

/// The file of each table, and the files that name no table.
pub type TableFiles = (BTreeMap<TableKind, PathBuf>, Vec<PathBuf>);

/// The files of a dataset folder that name a table of the contract, and
/// the files that name none. Two files for one table is an error.
pub fn table_files(dir: &Path, aliases: &Aliases) -> Result<TableFiles> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::NotADataset {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut files: BTreeMap<TableKind, PathBuf> = BTreeMap::new();
    let mut ignored = Vec::new();
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if !path.is_file() {
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let table = aliases
            .table_for_stem(stem)
            .filter(|_| FORMATS.contains(&ext.as_str()));
        match table {
            Some(t) => {
                if let Some(prev) = files.insert(t, path.clone()) {
                    return Err(Error::TableTwice {
                        table: t.canonical().into(),
                        a: prev,
                        b: path,
                    });
                }
            }
            None => ignored.push(path),
        }
    }
    if files.is_empty() {
        return Err(Error::NotADataset {
            path: dir.to_path_buf(),
            message: "no file names a table of the data contract (e.g. ledger.csv or 集体资金收支明细.csv)".into(),
        });
    }
    Ok((files, ignored))
}

/// SHA-256 of `bytes`, telling `progress` how many bytes are hashed.
/// `release` is given each block once it is hashed; once `stop` is set
/// the rest is not hashed (the caller reads the file another way).
fn sha256_hex_progress(
    bytes: &[u8],
    progress: &std::sync::atomic::AtomicUsize,
    release: &dyn Fn(&[u8]),
    stop: &std::sync::atomic::AtomicBool,
) -> String {
    let mut h = Sha256::new();
    let mut n = 0;
    for block in bytes.chunks(4 << 20) {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        h.update(block);
        n += block.len();
        progress.store(n, std::sync::atomic::Ordering::Release);
        release(block);
    }
    format!("{:x}", h.finalize())
}

fn sha256_file(path: &Path) -> Result<(u64, String)> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if k == 0 {
            break;
        }
        n += k as u64;
        h.update(&buf[..k]);
    }
    Ok((n, format!("{:x}", h.finalize())))
}

/// The raw column holding a table's village code, if the table has one.
fn village_column(kind: TableKind, aliases: &Aliases, headers: &[String]) -> Option<usize> {
    kind.column("village_code")?;
    headers
        .iter()
        .position(|h| aliases.column_for_header(h) == Some("village_code"))
}

/// Whether a row whose raw village cell is `v` belongs to the shard of
/// villages starting with `prefix`. A blank or unreadable code is kept, so
/// that its error is still reported.
fn keep_village(prefix: &str, v: Option<&str>) -> bool {
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
    /// A file as text columns, or (a plain CSV) already typed.
    enum Loaded {
        Raw(RawTable),
        Typed((DataFrame, Vec<LoadIssue>, Vec<String>), &'static str),
    }
    let (bytes, sha256, raw) = match ext.as_str() {
        "xlsx" | "xlsm" | "parquet" => {
            let (hash, raw) = rayon::join(
                || sha256_file(path),
                || match ext.as_str() {
                    "parquet" => read::read_parquet(path),
                    _ => read::read_xlsx(path),
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
        _ => {
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
                    if let Some((headers, body, encoding)) =
                        read::plain_csv_releasing(data, &release_read)
                    {
                        // A shard's rows are picked by their village cell
                        // as the pass goes; a table without village codes
                        // is loaded whole.
                        let column = shard.and_then(|_| village_column(&headers));
                        let keep_rows = column.map(|column| plain::Shard {
                            column,
                            keep: &keep,
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
                        None => read::read_csv(path, data).map(|raw| Some(Loaded::Raw(raw))),
                    }
                },
            );
            match loaded? {
                Some(loaded) => {
                    file.check_unchanged(path)?;
                    (data.len() as u64, sha256, loaded)
                }
                None => {
                    drop(file);
                    let (raw, bytes, sha256) = read::read_csv_filtered(
                        path,
                        opts.chunk_bytes.unwrap_or(SHARD_CHUNK_BYTES),
                        &filter,
                    )?;
                    (bytes, sha256, Loaded::Raw(raw))
                }
            }
        }
    };
    let format = match ext.as_str() {
        "xlsx" | "xlsm" => "xlsx",
        "parquet" => "parquet",
        _ => "csv",
    };
    let (encoding, (mut frame, issues, extra_headers)) = match raw {
        Loaded::Raw(raw) => (raw.encoding, type_table(kind, path, raw, aliases, opts)?),
        Loaded::Typed(typed, encoding) => (encoding, typed),
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

/// Which raw column holds each contract column (index and header as
/// written), and the headers no contract column claims.
type HeaderMatch = (BTreeMap<&'static str, (usize, String)>, Vec<String>);

/// Match headers to the contract's columns: a column given twice or a
/// required column missing is an error.
fn match_headers(
    kind: TableKind,
    path: &Path,
    headers: &[String],
    aliases: &Aliases,
) -> Result<HeaderMatch> {
    let mut found: BTreeMap<&'static str, (usize, String)> = BTreeMap::new();
    let mut extra = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        match aliases
            .column_for_header(h)
            .filter(|c| kind.column(c).is_some())
        {
            Some(c) => {
                if let Some((j, first)) = found.get(c) {
                    return Err(Error::DuplicateColumn {
                        path: path.to_path_buf(),
                        column: c.to_string(),
                        first: (first.clone(), j + 1),
                        second: (h.clone(), i + 1),
                    });
                }
                found.insert(c, (i, h.clone()));
            }
            None if h.trim().is_empty() => {}
            None => extra.push(h.clone()),
        }
    }
    for spec in kind.columns().iter().filter(|c| c.required) {
        if !found.contains_key(spec.name) {
            return Err(Error::MissingColumn {
                path: path.to_path_buf(),
                table: kind.canonical().into(),
                column: spec.name.into(),
                accepted: aliases.accepted(spec.name),
            });
        }
    }
    Ok((found, extra))
}

/// Match headers to the contract's columns and normalise each column.
fn type_table(
    kind: TableKind,
    path: &Path,
    raw: RawTable,
    aliases: &Aliases,
    opts: &LoadOptions,
) -> Result<(DataFrame, Vec<LoadIssue>, Vec<String>)> {
    let (found, extra) = match_headers(kind, path, &raw.headers, aliases)?;
    let height = raw.frame.height();
    // Each raw column goes to the one contract column it feeds and is
    // dropped as soon as that column is typed (columns no contract column
    // claims are dropped now), so that the raw and the typed copy of a whole
    // table are never held at once.
    let mut raw_columns: Vec<Option<Column>> =
        raw.frame.into_columns().into_iter().map(Some).collect();
    let work: Vec<(&ColumnSpec, Option<Column>)> = kind
        .columns()
        .iter()
        .map(|spec| {
            let src = found
                .get(spec.name)
                .and_then(|(i, _)| raw_columns.get_mut(*i).and_then(Option::take));
            (spec, src)
        })
        .collect();
    drop(raw_columns);
    let results: Vec<(Column, Vec<CellProblem>)> = work
        .into_par_iter()
        .map(|(spec, src)| match src {
            Some(src) => {
                let src = src.str().expect("raw columns are text");
                normalise_column(spec, src)
            }
            None => (null_column(spec, height), vec![]),
        })
        .collect();
    let (frame, issues) = assemble(kind, path, &found, results, height, raw.rows, opts)?;
    Ok((frame, issues, extra))
}

/// The typed columns (in the contract's order) and their cell problems
/// into the table: bad values are an error (the first five, by row) or,
/// with `lenient`, load issues; `__row` is added.
fn assemble(
    kind: TableKind,
    path: &Path,
    found: &BTreeMap<&'static str, (usize, String)>,
    results: Vec<(Column, Vec<CellProblem>)>,
    height: usize,
    raw_rows: Option<Vec<u32>>,
    opts: &LoadOptions,
) -> Result<(DataFrame, Vec<LoadIssue>)> {
    let file_row = |i: usize| -> usize {
        match &raw_rows {
            Some(r) => r[i] as usize,
            None => i + 2,
        }
    };
    let mut columns = Vec::with_capacity(results.len() + 1);
    let mut errors = Vec::new();
    let mut issue_cells = Vec::new();
    for (spec, (col, problems)) in kind.columns().iter().zip(results) {
        let header = found
            .get(spec.name)
            .map(|(_, h)| h.clone())
            .unwrap_or_default();
        for p in problems {
            let e = ValueError {
                row: file_row(p.index),
                column: spec.name.to_string(),
                header: header.clone(),
                value: p.value,
                reason: p.reason,
            };
            match p.issue {
                Some(k) => issue_cells.push((p.index, e, k)),
                None if opts.lenient => issue_cells.push((p.index, e, IssueKind::BadValue)),
                None => errors.push(e),
            }
        }
        columns.push(col);
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        let total = errors.len();
        errors.truncate(5);
        return Err(Error::BadValues {
            path: path.to_path_buf(),
            total,
            first: errors,
        });
    }
    let rows: Vec<u32> = (0..height).map(|i| file_row(i) as u32).collect();
    columns.push(Column::new(ROW.into(), rows));
    let frame = DataFrame::new(height, columns).map_err(|e| Error::format(path, e))?;

    let villages = frame
        .column("village_code")
        .ok()
        .and_then(|c| c.str().ok().cloned());
    let issues = issue_cells
        .into_iter()
        .map(|(idx, e, kind_)| LoadIssue {
            table: kind,
            path: path.to_path_buf(),
            row: e.row,
            column: e.column,
            value: e.value,
            reason: e.reason,
            kind: kind_,
            village_code: villages
                .as_ref()
                .and_then(|v| v.get(idx).map(str::to_string)),
        })
        .collect();
    Ok((frame, issues))
}

/// A cell's text, or `None` when it is blank (spaces, U+3000 and BOMs only).
fn blank(v: Option<&str>) -> Option<&str> {
    let s = v?;
    // The usual cell, decided on its first and last bytes: no pad character
    // (all have a suspect lead byte) at either end.
    let b = s.as_bytes();
    let (&first, &last) = (b.first()?, b.last()?);
    let end_ok = |lead: u8| {
        if lead < 0x80 {
            !crate::text::ascii_space(lead)
        } else {
            lead >= 0xC0 && !crate::text::suspect_lead(lead)
        }
    };
    let last_lead = if last < 0x80 {
        last
    } else {
        b[b.len().saturating_sub(4)..]
            .iter()
            .rev()
            .copied()
            .find(|c| c & 0xC0 != 0x80)
            .unwrap_or(0x80)
    };
    if end_ok(first) && end_ok(last_lead) {
        return Some(s);
    }
    let pad = |c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{FEFF}';
    match (s.chars().next(), s.chars().next_back()) {
        (None, _) => None,
        // The usual cell: nothing to trim.
        (Some(a), Some(z)) if !pad(a) && !pad(z) => Some(s),
        _ => Some(s.trim_matches(pad)).filter(|t| !t.is_empty()),
    }
}

struct CellProblem {
    index: usize,
    value: String,
    reason: String,
    /// A data-quality finding, not an error.
    issue: Option<IssueKind>,
}

fn dtype(kind: Kind) -> DataType {
    match kind {
        Kind::Date | Kind::Period => DataType::Date,
        Kind::Money => DataType::Int64,
        Kind::Number => DataType::Float64,
        _ => DataType::String,
    }
}

fn null_column(spec: &ColumnSpec, height: usize) -> Column {
    Column::full_null(spec.name.into(), height, &dtype(spec.kind))
}

/// Normalise one column of raw text to its typed form.
fn normalise_column(spec: &ColumnSpec, src: &StringChunked) -> (Column, Vec<CellProblem>) {
    let mut problems = Vec::new();
    let name: PlSmallStr = spec.name.into();
    let mut bad = |index: usize, value: &str, reason: String, issue: Option<IssueKind>| {
        problems.push(CellProblem {
            index,
            value: value.to_string(),
            reason,
            issue,
        });
    };
    // A NUL byte in a cell is damage (a binary or cut file), not text: the
    // cell is a bad value (an error, or null and a load issue with --lenient).
    let cleaned;
    let mut had_nul = vec![];
    let src = if src.iter().any(|v| v.is_some_and(|s| s.contains('\0'))) {
        had_nul = vec![false; src.len()];
        let mut out: Vec<Option<&str>> = Vec::with_capacity(src.len());
        for (i, v) in src.iter().enumerate() {
            match v {
                Some(s) if s.contains('\0') => {
                    had_nul[i] = true;
                    bad(
                        i,
                        &s.replace('\0', "\\0"),
                        "NUL byte in the value (damaged file, or UTF-16 saved wrongly?)".into(),
                        None,
                    );
                    out.push(None);
                }
                v => out.push(v),
            }
        }
        cleaned = StringChunked::from_iter_options(src.name().clone(), out.into_iter());
        &cleaned
    } else {
        src
    };
    let required_blank = |i: usize| spec.non_empty && !had_nul.get(i).copied().unwrap_or(false);
    macro_rules! typed {
        ($parse:expr, $ty:ty) => {{
            let mut out: Vec<Option<$ty>> = Vec::with_capacity(src.len());
            for (i, v) in src.iter().enumerate() {
                match blank(v) {
                    None => {
                        if required_blank(i) {
                            bad(i, "", "empty value in a required column".into(), None);
                        }
                        out.push(None);
                    }
                    Some(s) => match $parse(s) {
                        Ok(x) => out.push(Some(x)),
                        Err(reason) => {
                            bad(i, s, reason, None);
                            out.push(None);
                        }
                    },
                }
            }
            out
        }};
    }
    let col = match spec.kind {
        Kind::Date | Kind::Period => {
            let f = if spec.kind == Kind::Date {
                normalize::parse_date
            } else {
                normalize::parse_period
            };
            let v = typed!(|s| f(s).map(normalize::to_epoch_days), i32);
            Int32Chunked::from_iter_options(name, v.into_iter())
                .into_date()
                .into_column()
        }
        Kind::Money => {
            let v = typed!(normalize::parse_amount_fen, i64);
            Int64Chunked::from_iter_options(name, v.into_iter()).into_column()
        }
        Kind::Number => {
            let v = typed!(normalize::parse_number, f64);
            Float64Chunked::from_iter_options(name, v.into_iter()).into_column()
        }
        Kind::IdNumber
        | Kind::Direction
        | Kind::VillageCode
        | Kind::Digits
        | Kind::Text
        | Kind::Name
        | Kind::Code => text_column(spec, src, &required_blank, &mut bad, |s, bad| {
            text_value(spec.kind, s, bad)
        }),
    };
    (col, problems)
}

/// The value a text column keeps for one non-blank cell (`None`: null),
/// borrowed from the cell when it is already in normal form; `bad` is told
/// of a problem with it.
fn text_value<'a>(
    kind: Kind,
    s: &'a str,
    bad: &mut dyn FnMut(&str, String, Option<IssueKind>),
) -> Option<Cow<'a, str>> {
    match kind {
        Kind::IdNumber => {
            // Fast path: 18 characters as they should be.
            let b = s.as_bytes();
            let id: Cow<'_, str> = if b.len() == 18
                && b[..17].iter().all(u8::is_ascii_digit)
                && (b[17].is_ascii_digit() || b[17] == b'X')
            {
                Cow::Borrowed(s)
            } else {
                match id_number::parse_id(s) {
                    IdParse::Id(id) => Cow::Owned(id),
                    IdParse::ExcelMangled => {
                        bad(
                            s,
                            "id number mangled by Excel (scientific notation); digits lost".into(),
                            Some(IssueKind::ExcelMangledId),
                        );
                        return None;
                    }
                    // Kept (cleaned) so that it still matches itself elsewhere.
                    IdParse::Malformed => {
                        bad(
                            s,
                            "not an 18- or 15-character id number".into(),
                            Some(IssueKind::InvalidId),
                        );
                        return Some(Cow::Owned(normalize::clean_code(s)));
                    }
                }
            };
            match id_number::id_problem(&id) {
                Some(id_number::IdProblem::BadCheck { expected }) => bad(
                    s,
                    format!("check character should be {expected} (GB 11643)"),
                    Some(IssueKind::InvalidId),
                ),
                Some(id_number::IdProblem::ImpossibleBirthDate) => bad(
                    s,
                    "impossible birth date".into(),
                    Some(IssueKind::InvalidId),
                ),
                None => {}
            }
            Some(id)
        }
        Kind::Direction => match normalize::parse_direction(s) {
            // The cell itself when it is already the canonical word.
            Ok(d) if d == s => Some(Cow::Borrowed(s)),
            Ok(d) => Some(Cow::Borrowed(d)),
            Err(reason) => {
                bad(s, reason, None);
                None
            }
        },
        Kind::VillageCode => {
            if normalize::is_all_digits(s) {
                return Some(Cow::Borrowed(s));
            }
            match normalize::clean_village_code(s) {
                Ok(v) => Some(Cow::Owned(v)),
                Err(reason) => {
                    bad(s, reason, None);
                    None
                }
            }
        }
        Kind::Digits => {
            if normalize::is_all_digits(s) {
                return Some(Cow::Borrowed(s));
            }
            match normalize::clean_account(s) {
                Ok(v) if v.is_empty() => None,
                Ok(v) => Some(Cow::Owned(v)),
                Err(reason) => {
                    bad(s, reason, None);
                    None
                }
            }
        }
        _ => {
            type Cleaner = (fn(&str) -> bool, fn(&str) -> String);
            let (is_clean, clean): Cleaner = match kind {
                Kind::Text => (normalize::is_clean_text, normalize::clean_text),
                Kind::Name => (normalize::is_clean_name, normalize::clean_name),
                _ => (normalize::is_clean_code, normalize::clean_code),
            };
            Some(if is_clean(s) {
                Cow::Borrowed(s)
            } else {
                Cow::Owned(clean(s))
            })
        }
    }
}

/// A text column cell by cell: `f` gets the non-blank cell and a way to
/// report a problem with it, and returns the value to keep (`None`: null).
///
/// Cells are only copied from the first one that changes; a column in which
/// no cell changes (the usual case for a clean export) is the raw column
/// itself, renamed, without a copy.
fn text_column<'a, B, F>(
    spec: &ColumnSpec,
    src: &'a StringChunked,
    required: &dyn Fn(usize) -> bool,
    bad: &mut B,
    mut f: F,
) -> Column
where
    B: FnMut(usize, &str, String, Option<IssueKind>),
    F: FnMut(&'a str, &mut dyn FnMut(&str, String, Option<IssueKind>)) -> Option<Cow<'a, str>>,
{
    let name: PlSmallStr = spec.name.into();
    let mut out: Option<StringChunkedBuilder> = None;
    for (i, v) in src.iter().enumerate() {
        let value: Option<Cow<'a, str>> = match blank(v) {
            None => {
                if required(i) {
                    bad(i, "", "empty value in a required column".into(), None);
                }
                None
            }
            Some(s) => f(s, &mut |value, reason, issue| bad(i, value, reason, issue)),
        };
        if out.is_none() {
            // Still the raw cell? (borrowed from it and just as long)
            let same = match (&value, v) {
                (None, None) => true,
                (Some(Cow::Borrowed(x)), Some(v)) => {
                    std::ptr::eq(x.as_ptr(), v.as_ptr()) && x.len() == v.len()
                }
                _ => false,
            };
            if same {
                continue;
            }
            let mut b = StringChunkedBuilder::new(name.clone(), src.len());
            for earlier in src.iter().take(i) {
                match earlier {
                    Some(e) => b.append_value(e),
                    None => b.append_null(),
                }
            }
            out = Some(b);
        }
        let b = out.as_mut().expect("builder made above");
        match value {
            Some(x) => b.append_value(&*x),
            None => b.append_null(),
        }
    }
    match out {
        Some(b) => b.finish().into_column(),
        None => src
            .clone()
            .with_name(name)
            .rechunk()
            .into_owned()
            .into_column(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The column normaliser before borrowing and column reuse, as the reference.
    /// Normalise one column of raw text to its typed form.
    fn old_normalise_column(spec: &ColumnSpec, src: &StringChunked) -> (Column, Vec<CellProblem>) {
        let mut problems = Vec::new();
        let name: PlSmallStr = spec.name.into();
        let mut bad = |index: usize, value: &str, reason: String, issue: Option<IssueKind>| {
            problems.push(CellProblem {
                index,
                value: value.to_string(),
                reason,
                issue,
            });
        };
        macro_rules! typed {
            ($parse:expr, $ty:ty) => {{
                let mut out: Vec<Option<$ty>> = Vec::with_capacity(src.len());
                for (i, v) in src.iter().enumerate() {
                    match blank(v) {
                        None => {
                            if spec.non_empty {
                                bad(i, "", "empty value in a required column".into(), None);
                            }
                            out.push(None);
                        }
                        Some(s) => match $parse(s) {
                            Ok(x) => out.push(Some(x)),
                            Err(reason) => {
                                bad(i, s, reason, None);
                                out.push(None);
                            }
                        },
                    }
                }
                out
            }};
        }
        let col = match spec.kind {
            Kind::Date | Kind::Period => {
                let f = if spec.kind == Kind::Date {
                    normalize::parse_date
                } else {
                    normalize::parse_period
                };
                let v = typed!(|s| f(s).map(normalize::to_epoch_days), i32);
                Int32Chunked::from_iter_options(name, v.into_iter())
                    .into_date()
                    .into_column()
            }
            Kind::Money => {
                let v = typed!(normalize::parse_amount_fen, i64);
                Int64Chunked::from_iter_options(name, v.into_iter()).into_column()
            }
            Kind::Number => {
                let v = typed!(normalize::parse_number, f64);
                Float64Chunked::from_iter_options(name, v.into_iter()).into_column()
            }
            Kind::IdNumber => {
                let mut out: Vec<Option<String>> = Vec::with_capacity(src.len());
                for (i, v) in src.iter().enumerate() {
                    match blank(v) {
                        None => {
                            if spec.non_empty {
                                bad(i, "", "empty value in a required column".into(), None);
                            }
                            out.push(None)
                        }
                        Some(s) => match id_number::parse_id(s) {
                            IdParse::Id(id) => {
                                match id_number::id_problem(&id) {
                                    Some(id_number::IdProblem::BadCheck { expected }) => bad(
                                        i,
                                        s,
                                        format!("check character should be {expected} (GB 11643)"),
                                        Some(IssueKind::InvalidId),
                                    ),
                                    Some(id_number::IdProblem::ImpossibleBirthDate) => bad(
                                        i,
                                        s,
                                        "impossible birth date".into(),
                                        Some(IssueKind::InvalidId),
                                    ),
                                    None => {}
                                }
                                out.push(Some(id));
                            }
                            IdParse::ExcelMangled => {
                                bad(
                                    i,
                                    s,
                                    "id number mangled by Excel (scientific notation); digits lost"
                                        .into(),
                                    Some(IssueKind::ExcelMangledId),
                                );
                                out.push(None);
                            }
                            // Kept (cleaned) so that it still matches itself elsewhere.
                            IdParse::Malformed => {
                                bad(
                                    i,
                                    s,
                                    "not an 18- or 15-character id number".into(),
                                    Some(IssueKind::InvalidId),
                                );
                                out.push(Some(normalize::clean_code(s)));
                            }
                        },
                    }
                }
                StringChunked::from_iter_options(name, out.into_iter()).into_column()
            }
            Kind::Direction => {
                let v = typed!(
                    |s| normalize::parse_direction(s).map(str::to_string),
                    String
                );
                StringChunked::from_iter_options(name, v.into_iter()).into_column()
            }
            Kind::VillageCode => {
                let v = typed!(normalize::clean_village_code, String);
                StringChunked::from_iter_options(name, v.into_iter()).into_column()
            }
            Kind::Digits => {
                let v = typed!(normalize::clean_account, String);
                let v = v.into_iter().map(|o| o.filter(|s| !s.is_empty()));
                StringChunked::from_iter_options(name, v).into_column()
            }
            Kind::Text | Kind::Name | Kind::Code => {
                let f = match spec.kind {
                    Kind::Text => normalize::clean_text,
                    Kind::Name => normalize::clean_name,
                    _ => normalize::clean_code,
                };
                let v = typed!(|s| Ok::<_, String>(f(s)), String);
                StringChunked::from_iter_options(name, v.into_iter()).into_column()
            }
        };
        (col, problems)
    }

    const CELLS: &[Option<&str>] = &[
        Some("张伟"),
        None,
        Some("张　伟"),
        Some(" 张伟"),
        Some("ＡＢＣ公司"),
        Some("abc"),
        Some(""),
        Some("　"),
        Some("x  y"),
        Some("x y"),
        Some("370102001001"),
        Some("370102001001.0"),
        Some("3.70102E+11"),
        Some("11010519491231002X"),
        Some("11010519491231002x"),
        Some("110105194912310021"),
        Some("370102800101123"),
        Some("3.70102E+17"),
        Some("12345"),
        Some("37010219900230123X"),
        Some("6228 4800 1234"),
        Some("138-0000-0000"),
        Some("-"),
        Some("收入"),
        Some("支出"),
        Some("INCOME"),
        Some("income"),
        Some("1"),
        Some("借"),
        Some("2025-03-01"),
        Some("2025/3/1"),
        Some("45717"),
        Some("2025-03"),
        Some("1,234.50"),
        Some("(500)"),
        Some("12亩"),
        Some("V0001"),
        Some("v0001"),
        Some("阿依古丽•买买提"),
    ];

    fn same(a: &Column, b: &Column) -> bool {
        a.name() == b.name() && a.dtype() == b.dtype() && a.len() == b.len() && {
            let (a, b) = (
                a.cast(&DataType::String).unwrap(),
                b.cast(&DataType::String).unwrap(),
            );
            a.str().unwrap().iter().eq(b.str().unwrap().iter())
        }
    }

    #[test]
    fn normalising_matches_the_loader_before_it() {
        let kinds = [
            Kind::Text,
            Kind::Name,
            Kind::IdNumber,
            Kind::Code,
            Kind::VillageCode,
            Kind::Digits,
            Kind::Date,
            Kind::Period,
            Kind::Money,
            Kind::Number,
            Kind::Direction,
        ];
        // Every cell alone, all together, and a column that is clean throughout.
        let mut columns: Vec<Vec<Option<&str>>> = CELLS.iter().map(|c| vec![*c, *c]).collect();
        columns.push(CELLS.to_vec());
        columns.push(CELLS.iter().rev().copied().collect());
        for kind in kinds {
            for non_empty in [false, true] {
                let spec = ColumnSpec {
                    name: "x",
                    kind,
                    required: true,
                    non_empty,
                };
                for cells in &columns {
                    let src = StringChunked::from_iter_options("c0".into(), cells.iter().copied());
                    let (new, p_new) = normalise_column(&spec, &src);
                    let (old, p_old) = old_normalise_column(&spec, &src);
                    assert!(same(&new, &old), "{kind:?} {cells:?}: {new:?} vs {old:?}");
                    let key =
                        |p: &CellProblem| (p.index, p.value.clone(), p.reason.clone(), p.issue);
                    assert_eq!(
                        p_new.iter().map(key).collect::<Vec<_>>(),
                        p_old.iter().map(key).collect::<Vec<_>>(),
                        "{kind:?} {cells:?}"
                    );
                }
            }
        }
    }

    /// A CSV of `kind` whose cells cycle through `CELLS` (those a plain
    /// CSV can hold) in every column, plus a column no contract column
    /// claims; `skip` leaves one column out.
    fn messy_csv(kind: TableKind, rows: usize, skip: Option<&str>) -> String {
        let cells: Vec<&str> = CELLS
            .iter()
            .map(|c| c.unwrap_or(""))
            .filter(|c| !c.contains([',', '"']))
            .collect();
        let cols: Vec<&str> = kind
            .columns()
            .iter()
            .map(|c| c.name)
            .filter(|c| Some(*c) != skip)
            .collect();
        let mut out = cols.join(",") + ",经办人签字\n";
        for i in 0..rows {
            let line: Vec<&str> = (0..=cols.len())
                .map(|j| cells[(i * 7 + j * 3) % cells.len()])
                .collect();
            out += &line.join(",");
            out += "\n";
        }
        out
    }

    type Typed = Result<(DataFrame, Vec<LoadIssue>, Vec<String>)>;

    fn both_paths(kind: TableKind, text: &str, opts: &LoadOptions, piece: usize) -> (Typed, Typed) {
        let path = Path::new("t.csv");
        let aliases = Aliases::builtin();
        // As `load_table` leaves it: the general path's text cast into
        // dictionary codes, the plain path's coded as it types.
        let general = read::read_csv(path, text.as_bytes())
            .and_then(|raw| type_table(kind, path, raw, &aliases, opts))
            .and_then(|(mut frame, issues, extra)| {
                dictionary::encode(kind, &mut frame).map_err(|e| Error::format(path, e))?;
                Ok((frame, issues, extra))
            });
        let (headers, body, _) = read::plain_csv(text.as_bytes()).expect("plain");
        let fast = plain::type_plain(
            kind,
            path,
            &headers,
            body,
            &aliases,
            opts,
            piece,
            None,
            &|_| {},
        )
        .unwrap_or_else(|| {
            panic!(
                "not typed on the plain path: {:?} {:?}",
                match_headers(kind, path, &headers, &aliases).map(|_| ()),
                &text[..text.len().min(600)]
            )
        });
        // The plain path codes the dictionary columns the file has as it
        // types them; a column the file lacks is cast afterwards, as
        // `load_table` casts whatever is still text.
        let fast = fast.and_then(|(mut frame, issues, extra)| {
            let (found, _) = match_headers(kind, path, &headers, &aliases)?;
            for c in frame.columns() {
                let coded = matches!(c.dtype(), DataType::Categorical(..));
                let expected =
                    dictionary::is_encoded(kind, c.name()) && found.contains_key(c.name().as_str());
                assert_eq!(coded, expected, "{kind:?} {}", c.name());
            }
            dictionary::encode(kind, &mut frame).map_err(|e| Error::format(path, e))?;
            Ok((frame, issues, extra))
        });
        (general, fast)
    }

    fn same_result(a: &Typed, b: &Typed) -> bool {
        match (a, b) {
            (Ok((fa, ia, ea)), Ok((fb, ib, eb))) => {
                fa.dtypes() == fb.dtypes()
                    && fa.get_column_names() == fb.get_column_names()
                    && fa.equals_missing(fb)
                    && format!("{ia:?}") == format!("{ib:?}")
                    && ea == eb
                    && fb.columns().iter().all(|c| c.n_chunks() == 1)
                    // The text columns' byte counts, given, are right.
                    && fb.columns().iter().filter_map(|c| c.str().ok()).all(|c| {
                        c.downcast_iter().map(|a| a.total_bytes_len()).sum::<usize>()
                            == c.iter().flatten().map(str::len).sum::<usize>()
                    })
            }
            (Err(a), Err(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }

    #[test]
    fn the_plain_path_types_as_the_general_one() {
        for kind in [
            TableKind::Ledger,
            TableKind::Subsidies,
            TableKind::Households,
        ] {
            let optional = kind.columns().iter().find(|c| !c.required).map(|c| c.name);
            for skip in [None, optional] {
                let lf = messy_csv(kind, 200, skip);
                let crlf = lf.replace('\n', "\r\n");
                // Each record once, twice or three times in a row: a cell
                // equal to the one above takes its value (`Slot::repeat`),
                // bad values and blanks in required columns are reported
                // on every row.
                let (header, body) = lf.split_once('\n').unwrap();
                let runs: String = body
                    .lines()
                    .enumerate()
                    .flat_map(|(i, l)| std::iter::repeat_n(l, i % 3 + 1))
                    .map(|l| format!("{l}\n"))
                    .collect();
                let runs = format!("{header}\n{runs}");
                for text in [lf, crlf, runs] {
                    for lenient in [false, true] {
                        let opts = LoadOptions {
                            lenient,
                            ..Default::default()
                        };
                        // One piece, and pieces of a few records each.
                        for piece in [1 << 20, 64, 1] {
                            let (general, fast) = both_paths(kind, &text, &opts, piece);
                            assert!(
                                same_result(&general, &fast),
                                "{kind:?} skip {skip:?} lenient {lenient} piece {piece}:\n{:?}\nvs\n{:?}",
                                general.as_ref().map(|t| &t.0).map_err(|e| e.to_string()),
                                fast.as_ref().map(|t| &t.0).map_err(|e| e.to_string()),
                            );
                        }
                    }
                }
            }
        }
        // Clean rows, and the last record without its newline.
        let text = "id_number,name,death_date\n\
            11010519491231002X,张伟,2025-01-10\n\
            370102800101123,李 四,2025/2/1\n\
            370102800101123,赵六,2025/2/1\n\
            370102800101123,钱七,2025/2/30\n\
            370102800101123,孙八,2025/2/1\n\
            110105194912310021,王五,45717";
        for lenient in [false, true] {
            let opts = LoadOptions {
                lenient,
                ..Default::default()
            };
            for piece in [1, 1 << 20] {
                let (general, fast) = both_paths(TableKind::Deaths, text, &opts, piece);
                assert!(same_result(&general, &fast));
            }
        }
        let (general, fast) = both_paths(TableKind::Deaths, text, &LoadOptions::default(), 1);
        assert!(general.is_err() && same_result(&general, &fast));
        let lenient = LoadOptions {
            lenient: true,
            ..Default::default()
        };
        let (_, fast) = both_paths(TableKind::Deaths, text, &lenient, 1 << 20);
        assert_eq!(fast.unwrap().0.height(), 6);
    }

    #[test]
    fn only_plain_files_take_the_plain_path() {
        let aliases = Aliases::builtin();
        let opts = LoadOptions::default();
        let typed = |text: &str| {
            let (h, body, _) = read::plain_csv(text.as_bytes())?;
            plain::type_plain(
                TableKind::Deaths,
                Path::new("d.csv"),
                &h,
                body,
                &aliases,
                &opts,
                8,
                None,
                &|_| {},
            )
        };
        let ok = "id_number,name,death_date\n11010519491231002X,张伟,2025-01-10\n";
        assert!(typed(ok).is_some_and(|r| r.is_ok()));
        let crlf = ok.replace('\n', "\r\n");
        assert!(typed(&crlf).is_some_and(|r| r.is_ok()));
        for not_plain in [
            "id_number,name,death_date\n\"11010519491231002X\",张伟,2025-01-10\n",
            // A carriage return that does not end a line.
            "id_number,name,death_date\n11010519491231002X,张\r伟,2025-01-10\n",
            "id_number,name,death_date\n11010519491231002X,张伟,2025-01-10\r",
            "id_number,name,death_date\n11010519491231002X,张\0伟,2025-01-10\n",
            // A blank line, a short row, a long row, a cut last row.
            "id_number,name,death_date\n\n11010519491231002X,张伟,2025-01-10\n",
            "id_number,name,death_date\n11010519491231002X,张伟\n",
            "id_number,name,death_date\n11010519491231002X,张伟,2025-01-10,x\n",
            "id_number,name,death_date\n11010519491231002X,张伟,2025-01-10\n11010519491231002X,",
            // Headers the contract does not match: the general path says why.
            "id_number,death_date\n11010519491231002X,2025-01-10\n",
            "id_number,name,death_date\n",
        ] {
            assert!(typed(not_plain).is_none(), "{not_plain:?}");
        }
        let gbk = encoding_rs::GBK.encode(ok).0;
        assert!(read::plain_csv(&gbk).is_none());
    }

    /// A ledger of several villages with blank, padded, decimal, full-width,
    /// mangled and foreign village codes, the village column at
    /// `village_at`; with `bad`, unreadable amounts and dates and invalid id
    /// numbers fall in rows of every village, kept and dropped alike.
    fn shard_csv(rows: usize, village_at: usize, bad: bool) -> String {
        const VILLAGES: &[&str] = &[
            "370112001001",
            "370112001002",
            "370112002001",
            "370113001001",
            "",
            " ",
            "\u{3000}",
            "370112001001.0",
            " 370112001003",
            "3.70112E+11",
            "３７０１１２００１００４",
            "abc",
            "370112",
            "37011",
            "370113001001.0",
            "370112001001",
            "370113002001",
        ];
        let mut header: Vec<&str> = vec![
            "voucher_no",
            "date",
            "direction",
            "amount",
            "summary",
            "counterparty",
            "counterparty_id",
            "payment_method",
        ];
        header.insert(village_at.min(header.len()), "village_code");
        let mut out = header.join(",") + "\n";
        for i in 0..rows {
            let mut cells: Vec<String> = vec![
                format!("PZ-{i}"),
                if bad && i % 23 == 7 {
                    "2025-02-30".into()
                } else {
                    format!("2025-03-{:02}", 1 + i % 28)
                },
                "支出".into(),
                if bad && i % 13 == 5 {
                    "abc".into()
                } else {
                    format!("{i}.50")
                },
                format!("劳务费{i}"),
                "王芳".into(),
                if bad && i % 11 == 3 {
                    "12345".into()
                } else {
                    String::new()
                },
                "转账".into(),
            ];
            cells.insert(
                village_at.min(cells.len()),
                VILLAGES[(i * 7) % VILLAGES.len()].into(),
            );
            out += &cells.join(",");
            out += "\n";
        }
        out
    }

    /// The shard load of a CSV file before plain files took the plain
    /// path: read in pieces by polars' reader, filtered, then typed.
    fn old_shard_load(
        kind: TableKind,
        path: &Path,
        opts: &LoadOptions,
    ) -> Result<(Table, Vec<LoadIssue>)> {
        let aliases = Aliases::builtin();
        let prefix = opts.villages.as_deref().expect("a shard");
        let column = |h: &[String]| village_column(kind, &aliases, h);
        let keep = |v: Option<&str>| keep_village(prefix, v);
        let filter = read::RowFilter {
            column: &column,
            keep: &keep,
        };
        let chunk = opts.chunk_bytes.unwrap_or(SHARD_CHUNK_BYTES);
        let (raw, bytes, sha256) = read::read_csv_filtered(path, chunk, &filter)?;
        let encoding = raw.encoding;
        let (mut frame, issues, extra_headers) = type_table(kind, path, raw, &aliases, opts)?;
        dictionary::encode(kind, &mut frame).map_err(|e| Error::format(path, e))?;
        let table = Table {
            kind,
            source: SourceInfo {
                table: kind.canonical().into(),
                path: path.to_path_buf(),
                format: "csv",
                encoding,
                bytes,
                sha256,
                rows: frame.height(),
                extra_headers,
            },
            frame,
        };
        Ok((table, issues))
    }

    /// `load_table` of a shard equals the old shard path: frame, issues,
    /// errors, manifest.
    fn same_as_old_shard(kind: TableKind, path: &Path, opts: &LoadOptions) {
        let aliases = Aliases::builtin();
        let new = load_table(kind, path, &aliases, opts);
        let old = old_shard_load(kind, path, opts);
        let what = format!("{} {opts:?}", path.display());
        match (new, old) {
            (Ok((a, ia)), Ok((b, ib))) => {
                assert_eq!(a.frame.dtypes(), b.frame.dtypes(), "{what}");
                assert_eq!(a.frame.get_column_names(), b.frame.get_column_names());
                assert!(
                    a.frame.equals_missing(&b.frame),
                    "{what}:\n{:?}\nvs old\n{:?}",
                    a.frame,
                    b.frame
                );
                assert_eq!(format!("{ia:?}"), format!("{ib:?}"), "{what}");
                assert_eq!(format!("{:?}", a.source), format!("{:?}", b.source));
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
            (a, b) => panic!(
                "{what}: {:?} vs old {:?}",
                a.map(|t| t.0.frame),
                b.map(|t| t.0.frame)
            ),
        }
    }

    #[test]
    fn a_plain_shard_loads_as_the_old_shard_path() {
        let dir = tempfile::tempdir().unwrap();
        let aliases = Aliases::builtin();
        let mut checked = 0;
        for village_at in [0, 3, 8] {
            for bad in [false, true] {
                let lf = shard_csv(120, village_at, bad);
                let crlf = lf.replace('\n', "\r\n");
                for (k, text) in [lf, crlf].into_iter().enumerate() {
                    let path = dir
                        .path()
                        .join(format!("ledger-{village_at}-{bad}-{k}.csv"));
                    std::fs::write(&path, &text).unwrap();
                    for prefix in ["370112", "370112001", "370112001001", "370113", "99"] {
                        for lenient in [false, true] {
                            for chunk in [None, Some(1), Some(100)] {
                                let opts = LoadOptions {
                                    lenient,
                                    villages: Some(prefix.into()),
                                    chunk_bytes: chunk,
                                    ..Default::default()
                                };
                                same_as_old_shard(TableKind::Ledger, &path, &opts);
                                // ... and it took the plain path.
                                let (headers, body, _) = read::plain_csv(text.as_bytes()).unwrap();
                                let keep = |v: Option<&str>| keep_village(prefix, v);
                                let shard = plain::Shard {
                                    column: village_at,
                                    keep: &keep,
                                };
                                let typed = plain::type_plain(
                                    TableKind::Ledger,
                                    &path,
                                    &headers,
                                    body,
                                    &aliases,
                                    &opts,
                                    chunk.unwrap_or(1 << 20),
                                    Some(&shard),
                                    &|_| {},
                                );
                                assert!(typed.is_some());
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 3 * 2 * 2 * 5 * 2 * 3);

        // A bad value in a row of another village is not seen, on either
        // path; in a row of the shard it is an error naming the file row.
        let text = "village_code,voucher_no,date,direction,amount,summary,counterparty,payment_method\n\
            370112001001,PZ-1,2025-03-01,支出,10.00,a,王芳,转账\n\
            370113001001,PZ-2,2025-03-01,支出,abc,b,王芳,转账\n\
            370112001001,PZ-3,2025-03-01,支出,12.00,c,王芳,转账\n\
            ,PZ-4,2025-03-01,支出,13.00,d,王芳,转账\n\
            370112001002.0,PZ-5,2025/3/40,支出,14.00,e,王芳,转账\n";
        let path = dir.path().join("ledger.csv");
        std::fs::write(&path, text).unwrap();
        let shard = |prefix: &str| LoadOptions {
            villages: Some(prefix.into()),
            ..Default::default()
        };
        let load = |o: &LoadOptions| load_table(TableKind::Ledger, &path, &aliases, o);
        let lenient = |prefix: &str| LoadOptions {
            lenient: true,
            ..shard(prefix)
        };
        let (t, issues) = load(&lenient("370112001001")).unwrap();
        let rows: Vec<u32> = t
            .frame
            .column(ROW)
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        // The blank code is kept (and reported); 370112001002.0 is of
        // another village.
        assert_eq!(rows, [2, 4, 5]);
        assert_eq!(issues.len(), 1);
        assert_eq!((issues[0].row, &*issues[0].column), (5, "village_code"));
        let e = load(&shard("370112")).err().unwrap().to_string();
        assert!(e.contains("ledger.csv") && e.contains("date"), "{e}");
        assert!(e.contains("2025/3/40") && !e.contains("abc"), "{e}");
        let e = load(&shard("370113")).err().unwrap().to_string();
        assert!(e.contains("abc") && e.contains("amount"), "{e}");
        assert!(!e.contains("2025/3/40"), "{e}");
        for p in ["370112001001", "370112", "370113", "3"] {
            same_as_old_shard(TableKind::Ledger, &path, &shard(p));
            same_as_old_shard(TableKind::Ledger, &path, &lenient(p));
        }
        // Files that are not plain keep the old path: quoted, ragged (in a
        // row of another village too), GBK.
        let quoted = text.replace("PZ-1,", "\"PZ-1\",");
        let ragged = text.replace("PZ-2,", "PZ-2,x,");
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        for (name, bytes) in [
            ("quoted", quoted.as_bytes()),
            ("ragged", ragged.as_bytes()),
            ("gbk", &gbk[..]),
        ] {
            let path = dir.path().join(format!("{name}.csv"));
            std::fs::write(&path, bytes).unwrap();
            for p in ["370112001001", "370112", "370113"] {
                for chunk in [None, Some(7)] {
                    let opts = LoadOptions {
                        chunk_bytes: chunk,
                        ..shard(p)
                    };
                    same_as_old_shard(TableKind::Ledger, &path, &opts);
                }
            }
        }
    }

    #[test]
    fn blank_trims_as_before() {
        fn before(v: Option<&str>) -> Option<&str> {
            v.map(|s| {
                s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{FEFF}')
            })
            .filter(|s| !s.is_empty())
        }
        let pads = [
            "", " ", "\t", "\u{3000}", "\u{FEFF}", "\u{A0}", "\u{0B}", "\r\n",
        ];
        let cores = ["", "a", "张三", "a b", "\u{200B}", "x\u{3000}y"];
        for l in pads {
            for c in cores {
                for r in pads {
                    let s = format!("{l}{c}{r}");
                    assert_eq!(blank(Some(&s)), before(Some(&s)), "{s:?}");
                }
            }
        }
        assert_eq!(blank(None), None);
    }

    #[test]
    fn a_clean_column_is_kept_without_a_copy() {
        let spec = ColumnSpec {
            name: "name",
            kind: Kind::Name,
            required: true,
            non_empty: true,
        };
        let src = StringChunked::from_iter_options(
            "c0".into(),
            [Some("张伟伟伟伟伟伟伟伟伟伟"), Some("ABC公司公司公司公司")].into_iter(),
        );
        let (col, problems) = normalise_column(&spec, &src);
        assert!(problems.is_empty());
        assert_eq!(col.name().as_str(), "name");
        // The long values still live in the raw column's buffer.
        let (a, b) = (col.str().unwrap(), &src);
        let ptr = |c: &StringChunked| c.get(0).unwrap().as_ptr();
        assert_eq!(ptr(a), ptr(b));
        let dirty = StringChunked::from_iter_options("c0".into(), [Some("张 伟")].into_iter());
        let (col, _) = normalise_column(&spec, &dirty);
        assert_eq!(col.str().unwrap().get(0), Some("张伟"));
    }
}
