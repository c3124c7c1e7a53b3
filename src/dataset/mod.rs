//! Finding, decoding and loading the tables of one dataset folder (data
//! contract §1–3) into typed polars frames. Loaders know no rule.
//!
//! Types after loading: text columns are `String`, dates and periods are
//! `Date`, money is `Int64` **fen** (1/100 yuan: exact sums that do not
//! depend on summation order, so parallel runs give identical figures), and
//! quantities are `Float64`. Every frame has a `__row` column: the row's
//! number in its file, header = 1.
//!
//! The work is split by job: `discover` (which file is which table),
//! `load` (one file: read, hash and type it), `read` (bytes to text
//! columns), `plain` (a plain CSV typed in one pass), `headers` (headers to
//! the contract's columns), `typing` (text columns to typed ones),
//! `normalize` (one value), `hash` (the manifest's SHA-256).

pub mod aliases;
pub mod derived;
pub mod dictionary;
mod discover;
mod hash;
mod headers;
pub mod id_number;
mod load;
pub mod normalize;
pub mod office;
mod plain;
mod read;
pub mod schema;
mod typing;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

pub use aliases::Aliases;
pub use discover::{TableFiles, table_files};
pub use load::load_table;
pub use schema::{ColumnSpec, Kind, ROW, TableKind};

use crate::error::Result;

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
    /// What was found around the table when its file is laid out as a
    /// form (title lines, sheets, rows dropped, totals checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<office::Layout>,
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
    /// A 统一社会信用代码 in a party column failing the GB 32100 check.
    InvalidCreditCode,
    /// A passport, 港澳台 permit or legacy 组织机构代码 in an id column:
    /// null (no match key), counted in run.json, no finding.
    OtherDocument,
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
    /// The workbook sheets rows were read from: a `__row` of sheet ordinal
    /// k (`office::RowCode`) is on `sheets[k - 1]`.
    pub sheets: Vec<SheetRef>,
}

/// A sheet of a workbook a table was read from.
#[derive(Debug, Clone)]
pub struct SheetRef {
    pub table: TableKind,
    pub file: PathBuf,
    pub sheet: String,
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
                    layout: None,
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
            sheets: vec![],
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
        let sheets = number_sheets(&mut tables, &mut issues)?;
        Ok(Dataset {
            dir: dir.to_path_buf(),
            tables,
            issues,
            ignored,
            derived: Default::default(),
            sheets,
        })
    }

    /// A `__row` value (or a load issue's row) as a person finds the row:
    /// its sheet (a workbook's) and the row number Excel shows.
    pub fn cite(&self, row: u32) -> (Option<&SheetRef>, u32) {
        let code = office::RowCode(row);
        match code.sheet() {
            0 => (None, row),
            k => (self.sheets.get(k as usize - 1), code.row()),
        }
    }

    /// Every `"row"` in `evidence` that is a row of a workbook sheet (see
    /// `office::RowCode`) as the row Excel shows, with its `"sheet"` and
    /// `"file"` beside it: evidence cites a row as a person finds it.
    pub fn cite_rows(&self, evidence: &mut serde_json::Value) {
        use serde_json::Value;
        match evidence {
            Value::Object(map) => {
                let code = map.get("row").and_then(Value::as_u64);
                if let Some(code) = code.filter(|c| *c < 1 << 32) {
                    // A CSV row (no sheet) is left as it is.
                    if let (Some(s), row) = self.cite(code as u32) {
                        map.insert("row".into(), Value::from(row));
                        map.insert("sheet".into(), Value::from(s.sheet.clone()));
                        let file = s.file.file_name().map(|f| f.to_string_lossy().to_string());
                        map.insert("file".into(), Value::from(file.unwrap_or_default()));
                    }
                }
                for v in map.values_mut() {
                    self.cite_rows(v);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.cite_rows(v)),
            _ => {}
        }
    }
}

/// Give the sheets of every workbook table an ordinal unique in the
/// dataset (tables in contract order), moving its rows' `__row` values and
/// its load issues' rows to them.
fn number_sheets(
    tables: &mut BTreeMap<TableKind, Table>,
    issues: &mut [LoadIssue],
) -> Result<Vec<SheetRef>> {
    let mut sheets: Vec<SheetRef> = Vec::new();
    for t in tables.values_mut() {
        let Some(names) = t.source.layout.as_ref().map(|l| l.sheets.clone()) else {
            continue;
        };
        if names.is_empty() {
            continue;
        }
        let base = sheets.len() as u32;
        if base + names.len() as u32 > office::MAX_SHEETS {
            return Err(crate::error::Error::format(
                &t.source.path,
                format!(
                    "more workbook sheets in the dataset than rows can cite ({})",
                    office::MAX_SHEETS
                ),
            ));
        }
        if base > 0 {
            let rows = t
                .frame
                .column(ROW)
                .and_then(|c| c.u32().cloned())
                .map_err(|e| crate::error::Error::format(&t.source.path, e))?;
            let moved: UInt32Chunked = rows.apply_values(|r| office::RowCode(r).shifted(base).0);
            t.frame
                .replace(ROW, moved.with_name(ROW.into()).into_column())
                .map_err(|e| crate::error::Error::format(&t.source.path, e))?;
            for i in issues.iter_mut().filter(|i| i.table == t.kind) {
                i.row = office::RowCode(i.row as u32).shifted(base).0 as usize;
            }
        }
        sheets.extend(names.into_iter().map(|sheet| SheetRef {
            table: t.kind,
            file: t.source.path.clone(),
            sheet,
        }));
    }
    Ok(sheets)
}

#[cfg(test)]
mod tests;
