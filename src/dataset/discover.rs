//! Which file of a dataset folder is which table: by its name (English or
//! Chinese, `aliases`) and its format. Apart from loading, so that a
//! folder's tables can be listed (the benchmark's polars yardstick does)
//! without reading any of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Aliases, TableKind};
use crate::error::{Error, Result};

const FORMATS: [&str; 5] = ["csv", "xlsx", "xlsm", "xls", "parquet"];

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
