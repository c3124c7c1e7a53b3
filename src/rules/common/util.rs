//! Small helpers the rules share: dates as text, rows a query keeps, rows by
//! village.

use polars::prelude::*;

use crate::matching::LastKey;

pub use crate::dataset::dictionary::Text;
use crate::error::{Error, Result};

/// Format days since 1970-01-01 as `YYYY-MM-DD`.
pub fn day_string(days: i32) -> String {
    crate::dataset::normalize::from_epoch_days(days)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The rows of `df` a lazy query keeps, gathered whole. The query sees `df`
/// with a `__i` row index and must keep `__i`; only the columns it reads are
/// filtered, joined or grouped (projection pushdown), so a candidate query
/// over a few key columns does not copy every column of a large table.
pub fn take_rows(df: &DataFrame, query: impl FnOnce(LazyFrame) -> LazyFrame) -> Result<DataFrame> {
    let picked = query(df.clone().lazy().with_row_index("__i", None))
        .select([col("__i")])
        .collect()
        .map_err(Error::in_a_rule)?;
    let idx = picked
        .column("__i")
        .and_then(|c| c.idx())
        .map_err(Error::in_a_rule)?;
    df.take(idx).map_err(Error::in_a_rule)
}

/// Row indexes per village, in row order, for the rows `keep` accepts;
/// villages sorted, so that output order never depends on hashing.
pub fn rows_by_village(
    village: &StringChunked,
    keep: impl Fn(usize) -> bool,
) -> Vec<(&str, Vec<usize>)> {
    // Rows come in runs of one village: the last one's slot is remembered.
    let mut m: PlHashMap<&str, usize> = PlHashMap::default();
    let mut out: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut last = LastKey::default();
    for (i, v) in village.iter().enumerate() {
        let Some(v) = v else { continue };
        if !keep(i) {
            continue;
        }
        let slot = last.get(v, |v| {
            *m.entry(v).or_insert_with(|| {
                out.push((v, Vec::new()));
                out.len() - 1
            })
        });
        out[slot].1.push(i);
    }
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}
