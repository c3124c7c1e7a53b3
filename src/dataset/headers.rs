//! A file's headers to the contract's columns (through the aliases): which
//! raw column feeds which column, what is missing or given twice, and
//! which column holds the village code a shard is cut by.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Aliases, TableKind};
use crate::error::{Error, Result};

/// The raw column holding a table's village code, if the table has one.
pub(super) fn village_column(
    kind: TableKind,
    aliases: &Aliases,
    headers: &[String],
) -> Option<usize> {
    kind.column("village_code")?;
    headers
        .iter()
        .position(|h| aliases.column_in(kind, h) == Some("village_code"))
}

/// Which raw column holds each contract column (index and header as
/// written), and the headers no contract column claims.
pub(super) type HeaderMatch = (BTreeMap<&'static str, (usize, String)>, Vec<String>);

/// Match headers to the contract's columns: a column given twice or a
/// required column missing is an error.
pub(super) fn match_headers(
    kind: TableKind,
    path: &Path,
    headers: &[String],
    aliases: &Aliases,
) -> Result<HeaderMatch> {
    let mut found: BTreeMap<&'static str, (usize, String)> = BTreeMap::new();
    let mut extra = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        match aliases.column_in(kind, h) {
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
