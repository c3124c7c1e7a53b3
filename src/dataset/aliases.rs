//! Header and file-name aliases, read from a TOML data file the user extends
//! (`rules/aliases.toml`). Compiled in as the default so a fresh binary works
//! anywhere; `--aliases FILE` replaces it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::schema::TableKind;
use crate::error::{Error, Result};
use crate::text::half_width;

pub const DEFAULT_ALIASES: &str = include_str!("../../rules/aliases.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasFile {
    #[serde(default)]
    tables: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    columns: BTreeMap<String, Vec<String>>,
}

/// Lookup tables from a normalised header or file stem to its canonical name.
#[derive(Debug, Clone)]
pub struct Aliases {
    tables: HashMap<String, TableKind>,
    /// A header may name different columns in different tables (`承包方`:
    /// a contract's vendor, a lease's lessee); never two of one table.
    columns: HashMap<String, Vec<&'static str>>,
    /// canonical column → aliases as written in the file, for error messages.
    listed: HashMap<&'static str, Vec<String>>,
}

/// Headers compare after folding width and case and dropping spaces and the
/// `*` that templates put on required columns.
pub fn header_key(s: &str) -> String {
    s.chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '\u{FEFF}' | '"'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// `金额(元)`, `金额（元）` → `金额`: units in brackets after a header.
fn strip_unit(key: &str) -> Option<&str> {
    let k = key.trim_end_matches([')', '）']);
    if k.len() == key.len() {
        return None;
    }
    let cut = k.rfind(['(', '（'])?;
    Some(&key[..cut])
}

/// Two columns that one table holds cannot share an alias.
fn one_table_has_both(a: &str, b: &str) -> bool {
    TableKind::ALL
        .iter()
        .any(|t| t.column(a).is_some() && t.column(b).is_some())
}

impl Aliases {
    pub fn builtin() -> Aliases {
        Aliases::parse(DEFAULT_ALIASES, Path::new("rules/aliases.toml"))
            .expect("shipped alias file is valid")
    }

    pub fn from_file(path: &Path) -> Result<Aliases> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::config(path, e.to_string()))?;
        Aliases::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Aliases> {
        let file: AliasFile =
            toml::from_str(text).map_err(|e| Error::config(path, e.to_string()))?;
        let mut tables = HashMap::new();
        for t in TableKind::ALL {
            tables.insert(header_key(t.canonical()), t);
        }
        for (canon, names) in &file.tables {
            let t = TableKind::from_canonical(canon).ok_or_else(|| {
                Error::config(
                    path,
                    format!("[tables] `{canon}` is not a table of the data contract"),
                )
            })?;
            for n in names {
                if let Some(prev) = tables.insert(header_key(n), t)
                    && prev != t
                {
                    return Err(Error::config(
                        path,
                        format!("file name alias `{n}` given for both {prev} and {t}"),
                    ));
                }
            }
        }
        let all_columns: Vec<&'static str> = {
            let mut v: Vec<&'static str> = TableKind::ALL
                .iter()
                .flat_map(|t| t.columns().iter().map(|c| c.name))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let mut columns = HashMap::new();
        let mut listed: HashMap<&'static str, Vec<String>> = HashMap::new();
        for c in &all_columns {
            columns.insert(header_key(c), vec![*c]);
        }
        for (canon, names) in &file.columns {
            let c = *all_columns
                .iter()
                .find(|c| **c == canon.as_str())
                .ok_or_else(|| {
                    Error::config(
                        path,
                        format!("[columns] `{canon}` is not a column of the data contract"),
                    )
                })?;
            for n in names {
                let named = columns.entry(header_key(n)).or_default();
                if named.contains(&c) {
                    continue;
                }
                if let Some(prev) = named.iter().find(|p| one_table_has_both(p, c)) {
                    return Err(Error::config(
                        path,
                        format!("header alias `{n}` given for both {prev} and {c}"),
                    ));
                }
                named.push(c);
            }
            listed.entry(c).or_default().extend(names.iter().cloned());
        }
        Ok(Aliases {
            tables,
            columns,
            listed,
        })
    }

    /// The table a file stem names, if any.
    pub fn table_for_stem(&self, stem: &str) -> Option<TableKind> {
        self.tables.get(&header_key(stem)).copied()
    }

    /// The canonical column a header names in some table, if any (the first
    /// listed when it names columns of several tables).
    pub fn column_for_header(&self, header: &str) -> Option<&'static str> {
        self.candidates(header).first().copied()
    }

    /// The column of `table` a header names, if any.
    pub fn column_in(&self, table: TableKind, header: &str) -> Option<&'static str> {
        self.candidates(header)
            .iter()
            .copied()
            .find(|c| table.column(c).is_some())
    }

    fn candidates(&self, header: &str) -> &[&'static str] {
        let key = header_key(header);
        self.columns
            .get(&key)
            .or_else(|| strip_unit(&key).and_then(|k| self.columns.get(k)))
            .map_or(&[], Vec::as_slice)
    }

    /// The alias (as written) nearest to `header` among the columns of
    /// `table`, and its column: a hint when a header names nothing.
    pub fn nearest(&self, header: &str, table: TableKind) -> Option<(String, &'static str)> {
        let key = header_key(header);
        let mut best: Option<(f64, String, &'static str)> = None;
        for spec in table.columns() {
            for alias in self.accepted(spec.name) {
                let d = strsim::normalized_levenshtein(&key, &header_key(&alias));
                if d >= 0.5 && best.as_ref().is_none_or(|b| d > b.0) {
                    best = Some((d, alias, spec.name));
                }
            }
        }
        best.map(|(_, a, c)| (a, c))
    }

    /// Every header accepted for a canonical column, for error messages.
    pub fn accepted(&self, column: &'static str) -> Vec<String> {
        let mut v = vec![column.to_string()];
        v.extend(self.listed.get(column).into_iter().flatten().cloned());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_by_alias_width_and_units() {
        let a = Aliases::builtin();
        assert_eq!(a.column_for_header("村居代码"), Some("village_code"));
        assert_eq!(a.column_for_header(" Village_Code "), Some("village_code"));
        assert_eq!(a.column_for_header("金额（元）"), Some("amount"));
        assert_eq!(a.column_for_header("*姓　名"), Some("name"));
        assert_eq!(a.column_for_header("备注"), None);
        assert_eq!(a.column_in(TableKind::Contracts, "承包方"), Some("vendor"));
        assert_eq!(a.column_in(TableKind::Leases, "承包方"), Some("lessee"));
        assert_eq!(
            a.column_in(TableKind::PartyTransfers, "有效期（天）"),
            Some("valid_days")
        );
        assert_eq!(
            a.table_for_stem("集体资金收支明细"),
            Some(TableKind::Ledger)
        );
        assert_eq!(a.table_for_stem("Ledger"), Some(TableKind::Ledger));
    }

    #[test]
    fn user_file_errors_name_the_key() {
        let e = Aliases::parse("[columns]\nnope = [\"x\"]\n", Path::new("a.toml")).unwrap_err();
        assert!(
            e.to_string().contains("nope") && e.to_string().contains("a.toml"),
            "{e}"
        );
        let e = Aliases::parse(
            "[columns]\nname = [\"金额\"]\namount = [\"金额\"]\n",
            Path::new("a.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("金额"), "{e}");
    }
}
